//! `first_settled`: the first input to finish wins, success or failure.

use super::*;
use ampere_combinators::{first_settled, first_settled_keyed, FirstSettledError};

#[test]
fn first_settled_resolves_with_the_first_failure_and_drops_the_others() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (_, waker) = Parent::new();
    let mut fut = first_settled(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    c[2].settle(Err(Oops("refused")));
    let out = poll(&mut fut, &waker);
    assert_eq!(out, Poll::Ready(Err(FirstSettledError::Failed { key: 2, error: Oops("refused") })));
    assert!(c.iter().all(|c| c.drops() == 1), "the losers are dropped with the answer");
    assert_eq!(total_polls(&c), 4);
}

#[test]
fn first_settled_resolves_with_the_first_success() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (_, waker) = Parent::new();
    let mut fut = first_settled(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    c[1].settle(Ok(11));
    c[0].settle(Err(Oops("later")));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(11)), "the first woken wins");
    assert_eq!(c[0].polls(), 1, "the later one is not polled");
}

#[test]
fn first_settled_of_no_inputs_is_a_typed_error_not_a_panic() {
    let (_, waker) = Parent::new();
    let mut fut = first_settled(Vec::<Probe<u8, Oops>>::new());
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Err(FirstSettledError::Empty)));
}

#[test]
fn first_settled_keyed_gives_the_winner_key_and_its_error_as_source() {
    let (inputs, c) = probes::<u32, Oops>(2);
    let (_, waker) = Parent::new();
    let mut fut = first_settled_keyed(["dns-a", "dns-b"].into_iter().zip(inputs));
    assert!(poll(&mut fut, &waker).is_pending());
    c[1].settle(Err(Oops("timeout")));
    let Poll::Ready(Err(e)) = poll(&mut fut, &waker) else { panic!("a failure") };
    assert_eq!(e.to_string(), "the first input to finish, [dns-b], failed: timeout");
    assert_eq!(e.source().map(ToString::to_string).as_deref(), Some("timeout"));
    assert_eq!(format!("{fut:?}"), "FirstSettledKeyed { len: 2, running: 0, .. }");
}

#[test]
fn first_settled_on_the_reactor_drops_the_slower_timers() {
    let r = Reactor::new().unwrap();
    let started = Instant::now();
    let out = r.block_on(first_settled([
        Box::pin(async {
            sleep(Duration::from_secs(60)).await;
            Ok(1u32)
        }) as BoxedInput,
        Box::pin(async {
            sleep(Duration::from_millis(1)).await;
            Err(Oops("fast failure"))
        }),
    ]));
    assert_eq!(out.unwrap(), Err(FirstSettledError::Failed { key: 1, error: Oops("fast failure") }));
    assert!(started.elapsed() < LATE, "block_on did not wait for the 60 s loser");
}

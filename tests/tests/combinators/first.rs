//! `first`: the first success wins.

use super::*;

#[test]
fn first_success_wins_and_the_losers_are_dropped_at_once() {
    let (inputs, c) = probes::<u32, Oops>(4);
    let (_, waker) = Parent::new();
    let mut fut = first(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    c[0].settle(Err(Oops("a")));
    assert!(poll(&mut fut, &waker).is_pending(), "a failure does not end the race");
    c[2].settle(Ok(2));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(2)));
    // Dropped while `fut` is still alive: drop-to-cancel, not Amp's "losers keep running".
    assert_eq!(c.iter().map(Control::drops).collect::<Vec<_>>(), [1, 1, 1, 1]);
    assert_eq!((c[1].polls(), c[3].polls()), (1, 1));
}

#[test]
fn first_returns_every_error_in_input_order_when_all_inputs_fail() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (_, waker) = Parent::new();
    let mut fut = first(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    for i in [2, 0] {
        c[i].settle(Err(Oops(["a", "b", "c"][i])));
        assert!(poll(&mut fut, &waker).is_pending());
    }
    c[1].settle(Err(Oops("b")));
    let Poll::Ready(Err(FirstError::AllFailed(errors))) = poll(&mut fut, &waker) else { panic!("all failed") };
    assert_eq!(errors.keyed(), [(0, Oops("a")), (1, Oops("b")), (2, Oops("c"))]);
}

#[test]
fn first_of_no_inputs_is_a_typed_error_not_a_panic() {
    let (_, waker) = Parent::new();
    let mut fut = first(Vec::<Probe<u8, Oops>>::new());
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Err(FirstError::Empty)));
}

#[test]
fn first_keyed_returns_the_winner_with_its_key() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (_, waker) = Parent::new();
    let mut fut = first_keyed(["dns-a", "dns-b", "dns-c"].into_iter().zip(inputs));
    assert!(poll(&mut fut, &waker).is_pending());
    c[0].settle(Err(Oops("refused")));
    c[1].settle(Ok(7));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(("dns-b", 7))));
}

#[test]
fn first_with_a_sleep_is_madelineprotos_give_up_after_a_while() {
    let reactor = Reactor::new().unwrap();
    async fn answer(ms: u64, text: &'static str) -> Result<&'static str, Oops> {
        sleep(Duration::from_millis(ms)).await;
        Ok(text)
    }
    let start = Instant::now();
    let out = reactor.block_on(first([answer(10_000, "slow"), answer(2, "gave up")])).unwrap();
    assert_eq!(out, Ok("gave up"));
    assert!(start.elapsed() < LATE, "the 10 s loser was dropped, not awaited");
    assert_eq!(reactor.info().of(WatcherKind::Delay).enabled, 0, "and its timer with it");
}

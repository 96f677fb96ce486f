//! `all`: values in input order, the first error at once.

use super::*;

#[test]
fn all_returns_every_value_in_input_order_whatever_the_completion_order() {
    let (inputs, c) = probes::<u32, Oops>(4);
    let (_, waker) = Parent::new();
    let mut fut = all(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    for i in [2, 0, 3] {
        c[i].settle(Ok(i as u32 * 10));
        assert!(poll(&mut fut, &waker).is_pending(), "input 1 is still running");
        assert_eq!(c[i].drops(), 1, "a finished input is dropped at once");
    }
    c[1].settle(Ok(10));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(vec![0, 10, 20, 30])));
}

#[test]
fn all_fails_with_the_first_error_at_once_and_drops_the_other_inputs() {
    let (inputs, c) = probes::<u32, Oops>(4);
    let (_, waker) = Parent::new();
    let mut fut = all(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    c[1].settle(Ok(1));
    c[3].settle(Err(Oops("disk full")));
    c[2].settle(Err(Oops("later")));
    // Wake order decides "first": input 3 failed before input 2.
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Err(Oops("disk full"))));
    // The losers are gone while `fut` itself is still alive, and input 2 was not polled again.
    assert_eq!(c.iter().map(Control::drops).collect::<Vec<_>>(), [1, 1, 1, 1]);
    assert_eq!(c[2].polls(), 1);
    assert_eq!(c[0].polls(), 1);
}

#[test]
fn all_of_no_inputs_resolves_empty_on_the_first_poll() {
    let (_, waker) = Parent::new();
    let mut fut = all(Vec::<Probe<u8, Oops>>::new());
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(vec![])));
}

#[test]
fn all_keyed_keeps_keys_in_input_order_and_collects_into_maps() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (_, waker) = Parent::new();
    let mut fut = all_keyed(["c", "a", "b"].into_iter().zip(inputs));
    assert!(poll(&mut fut, &waker).is_pending());
    for (i, v) in [(1, 10), (2, 20), (0, 30)] {
        c[i].settle(Ok(v));
    }
    let Poll::Ready(Ok(pairs)) = poll(&mut fut, &waker) else { panic!("every input succeeded") };
    assert_eq!(pairs, [("c", 30), ("a", 10), ("b", 20)], "input order, not completion or key order");
    let by_key: BTreeMap<_, _> = pairs.iter().copied().collect();
    assert_eq!(by_key.into_iter().collect::<Vec<_>>(), [("a", 10), ("b", 20), ("c", 30)]);
    let hashed: HashMap<_, _> = pairs.into_iter().collect();
    assert_eq!(hashed["c"], 30);
}

#[test]
fn all_keyed_names_the_key_of_the_failure() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (_, waker) = Parent::new();
    let mut fut = all_keyed(["x", "y", "z"].into_iter().zip(inputs));
    assert!(poll(&mut fut, &waker).is_pending());
    c[1].settle(Err(Oops("refused")));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Err(("y", Oops("refused")))));
}

#[test]
fn all_accepts_join_handles_async_blocks_and_boxed_futures() {
    let reactor = Reactor::new().unwrap();
    // JoinHandles: a task's output or its JoinError.
    let handles: Vec<_> = [3u64, 1, 2]
        .into_iter()
        .map(|ms| {
            reactor.spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                ms
            })
        })
        .collect();
    assert_eq!(reactor.block_on(all(handles)).unwrap(), Ok(vec![3, 1, 2]));

    let doomed = reactor.spawn(pending::<()>());
    doomed.abort();
    assert_eq!(reactor.block_on(all([doomed])).unwrap(), Err(JoinError::Aborted));

    // Async blocks of different bodies, boxed to one type.
    let inputs: Vec<BoxedInput> = vec![
        Box::pin(async { Ok(1) }),
        Box::pin(async {
            sleep(Duration::from_millis(1)).await;
            Ok(2)
        }),
        Box::pin(ready(Ok(3))),
    ];
    assert_eq!(reactor.block_on(all(inputs)).unwrap(), Ok(vec![1, 2, 3]));
}

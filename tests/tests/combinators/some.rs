//! `some`: `required` successes, or failure once they are out of reach.

use super::*;

#[test]
fn some_resolves_once_required_inputs_succeed_with_the_errors_so_far_and_drops_the_rest() {
    let (inputs, c) = probes::<u32, Oops>(5);
    let (_, waker) = Parent::new();
    let mut fut = some(inputs, 2);
    assert!(poll(&mut fut, &waker).is_pending());
    c[4].settle(Ok(4));
    c[1].settle(Err(Oops("b")));
    assert!(poll(&mut fut, &waker).is_pending(), "one success of two");
    c[0].settle(Ok(0));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok((vec![(1, Oops("b"))], vec![(0, 0), (4, 4)]))));
    assert_eq!(c.iter().map(Control::drops).collect::<Vec<_>>(), [1; 5], "inputs 2 and 3 dropped at once");
    assert_eq!((c[2].polls(), c[3].polls()), (1, 1));
}

#[test]
fn some_fails_as_soon_as_success_is_impossible() {
    // Three of four must succeed: one failure is tolerated, the second ends it.
    let (inputs, c) = probes::<u32, Oops>(4);
    let (_, waker) = Parent::new();
    let mut fut = some(inputs, 3);
    assert!(poll(&mut fut, &waker).is_pending());
    c[3].settle(Err(Oops("d")));
    c[1].settle(Ok(1));
    assert!(poll(&mut fut, &waker).is_pending(), "one failure is tolerated");
    c[0].settle(Err(Oops("a")));
    let Poll::Ready(Err(SomeError::Failed(errors))) = poll(&mut fut, &waker) else { panic!("two failures of four") };
    assert_eq!(errors.keyed(), [(0, Oops("a")), (3, Oops("d"))], "the errors so far, in input order");
    assert_eq!(c[2].drops(), 1, "the input still running is dropped at once");
}

#[test]
fn some_requiring_zero_resolves_at_once_without_polling_any_input() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (_, waker) = Parent::new();
    let mut fut = some(inputs, 0);
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok((vec![], vec![]))));
    assert_eq!(total_polls(&c), 0);
    assert!(c.iter().all(|c| c.drops() == 1));

    let mut empty = some(Vec::<Probe<u8, Oops>>::new(), 0);
    assert_eq!(poll(&mut empty, &waker), Poll::Ready(Ok((vec![], vec![]))));
}

#[test]
fn some_requiring_more_than_the_inputs_is_a_typed_error_and_polls_nothing() {
    let (inputs, c) = probes::<u32, Oops>(2);
    let (_, waker) = Parent::new();
    let mut fut = some(inputs, 3);
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Err(SomeError::RequiredTooLarge { required: 3, len: 2 })));
    assert_eq!(total_polls(&c), 0);
    assert!(c.iter().all(|c| c.drops() == 1));
}

#[test]
fn some_of_no_inputs_requiring_one_is_a_typed_error_not_a_panic() {
    let (_, waker) = Parent::new();
    let mut fut = some(Vec::<Probe<u8, Oops>>::new(), 1);
    let out = poll(&mut fut, &waker);
    assert_eq!(out, Poll::Ready(Err(SomeError::RequiredTooLarge { required: 1, len: 0 })));
    let Poll::Ready(Err(e)) = out else { unreachable!() };
    assert_eq!(e.to_string(), "`some` requires 1 successes from only 0 inputs");
}

#[test]
fn some_requiring_every_input_fails_on_the_first_failure() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (_, waker) = Parent::new();
    let mut fut = some_keyed(["a", "b", "c"].into_iter().zip(inputs), 3);
    assert!(poll(&mut fut, &waker).is_pending());
    c[0].settle(Ok(0));
    c[2].settle(Err(Oops("c")));
    let Poll::Ready(Err(SomeError::Failed(errors))) = poll(&mut fut, &waker) else { panic!("no success possible") };
    assert_eq!(errors.keyed(), [("c", Oops("c"))]);
    assert_eq!(c[1].drops(), 1);
}

#[test]
fn some_keyed_returns_the_successes_with_their_keys() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (_, waker) = Parent::new();
    let mut fut = some_keyed(["a", "b", "c"].into_iter().zip(inputs), 2);
    assert!(poll(&mut fut, &waker).is_pending());
    c[2].settle(Ok(2));
    c[1].settle(Ok(1));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok((vec![], vec![("b", 1), ("c", 2)]))));
    assert_eq!(c[0].drops(), 1);
}

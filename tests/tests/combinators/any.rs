//! `any`: never fails, every input settles.

use super::*;

#[test]
fn any_never_fails_and_returns_errors_and_values_by_input_position() {
    let (inputs, c) = probes::<u32, Oops>(4);
    let (_, waker) = Parent::new();
    let mut fut = any(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    c[3].settle(Err(Oops("d")));
    c[0].settle(Ok(0));
    assert!(poll(&mut fut, &waker).is_pending(), "waits for every input to settle");
    c[2].settle(Ok(2));
    c[1].settle(Err(Oops("b")));
    let out = poll(&mut fut, &waker);
    assert_eq!(out, Poll::Ready((vec![(1, Oops("b")), (3, Oops("d"))], vec![(0, 0), (2, 2)])));
}

#[test]
fn any_of_no_inputs_resolves_empty_on_the_first_poll() {
    let (_, waker) = Parent::new();
    let mut fut = any(Vec::<Probe<u8, Oops>>::new());
    assert_eq!(poll(&mut fut, &waker), Poll::Ready((vec![], vec![])));
}

#[test]
fn any_keyed_pairs_each_result_with_its_key_in_input_order() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (_, waker) = Parent::new();
    let mut fut = any_keyed(["eu", "us", "ap"].into_iter().zip(inputs));
    assert!(poll(&mut fut, &waker).is_pending());
    c[2].settle(Ok(90));
    c[1].settle(Err(Oops("down")));
    c[0].settle(Ok(20));
    let out = poll(&mut fut, &waker);
    assert_eq!(out, Poll::Ready((vec![("us", Oops("down"))], vec![("eu", 20), ("ap", 90)])));
}

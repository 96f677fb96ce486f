//! The tuple forms: `join`, `all` and `select` over inputs of different types.

use super::*;
use ampere_combinators::{OneOf2, OneOf3, OneOf8, TupleAll, TupleJoin, TupleSelect};

#[test]
fn join_returns_every_output_in_tuple_order_whatever_the_completion_order() {
    let (a, ca) = probe::<u32, Oops>();
    let (b, cb) = probe::<&str, Oops>();
    let (parent, waker) = Parent::new();
    let mut fut = (a, b, ready('c')).join();
    assert!(poll(&mut fut, &waker).is_pending());
    cb.settle(Err(Oops("b failed")));
    assert!(poll(&mut fut, &waker).is_pending(), "a failure does not end a join");
    assert_eq!((ca.polls(), cb.polls(), cb.drops()), (1, 2, 1), "only the woken input is polled");
    ca.settle(Ok(1));
    assert_eq!(parent.wakes(), 2);
    assert_eq!(poll(&mut fut, &waker), Poll::Ready((Ok(1), Err(Oops("b failed")), 'c')));
    assert_eq!(ca.drops(), 1);
}

#[test]
fn all_returns_every_value_once_every_input_succeeded() {
    let (a, ca) = probe::<u32, Oops>();
    let (b, cb) = probe::<String, Oops>();
    let (_, waker) = Parent::new();
    let mut fut = (a, b).all();
    assert!(poll(&mut fut, &waker).is_pending());
    cb.settle(Ok("two".into()));
    assert!(poll(&mut fut, &waker).is_pending());
    ca.settle(Ok(1));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok((1, String::from("two")))));
}

#[test]
fn all_fails_with_the_first_error_at_once_and_drops_the_others() {
    let (a, ca) = probe::<u32, Oops>();
    let (b, cb) = probe::<bool, Oops>();
    let (c, cc) = probe::<(), Oops>();
    let (_, waker) = Parent::new();
    let mut fut = (a, b, c).all();
    assert!(poll(&mut fut, &waker).is_pending());
    ca.settle(Ok(1));
    cc.settle(Err(Oops("c")));
    cb.settle(Err(Oops("b")));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Err(Oops("c"))), "the first woken failure");
    assert_eq!(cb.polls(), 1, "the input after the failure is not polled");
    assert_eq!((ca.drops(), cb.drops(), cc.drops()), (1, 1, 1));
    assert_eq!(format!("{fut:?}"), "All3 { running: 0, .. }");
}

#[test]
fn select_resolves_with_the_first_output_tagged_by_its_input_and_drops_the_others() {
    let (a, ca) = probe::<u32, Oops>();
    let (b, cb) = probe::<&str, Oops>();
    let (_, waker) = Parent::new();
    let mut fut = (a, b, pending::<()>()).select();
    assert!(poll(&mut fut, &waker).is_pending());
    cb.settle(Err(Oops("refused")));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(OneOf3::B(Err(Oops("refused")))));
    assert_eq!((ca.drops(), cb.drops()), (1, 1));
    assert_eq!(ca.polls(), 1);
}

#[test]
fn select_of_ready_inputs_picks_the_first_in_the_tuple() {
    let (_, waker) = Parent::new();
    let mut fut = (ready(1u8), ready("two")).select();
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(OneOf2::A(1)));
}

#[test]
fn eight_inputs_of_eight_types_join_and_select() {
    let (_, waker) = Parent::new();
    let mut joined =
        (ready(1u8), ready(2u16), ready(3u32), ready(4u64), ready('5'), ready("6"), ready(7i8), ready(8.0f32)).join();
    assert_eq!(poll(&mut joined, &waker), Poll::Ready((1, 2, 3, 4, '5', "6", 7, 8.0)));
    let (h, ch) = probe::<u8, Oops>();
    let p = pending::<()>;
    let mut selected = (p(), p(), p(), p(), p(), p(), p(), h).select();
    assert!(poll(&mut selected, &waker).is_pending());
    ch.settle(Ok(8));
    assert_eq!(poll(&mut selected, &waker), Poll::Ready(OneOf8::H(Ok(8))));
}

#[test]
fn tuple_forms_on_the_reactor_drop_the_slower_timers() {
    let r = Reactor::new().unwrap();
    let started = Instant::now();
    let slow = async {
        sleep(Duration::from_secs(60)).await;
        Ok::<_, Oops>(60)
    };
    let fast = async {
        sleep(Duration::from_millis(1)).await;
        Err::<&str, _>(Oops("fast failure"))
    };
    assert_eq!(r.block_on((slow, fast).all()).unwrap(), Err(Oops("fast failure")));
    let winner = r.block_on((sleep(Duration::from_secs(60)), sleep(Duration::from_millis(1))).select()).unwrap();
    assert_eq!(winner, OneOf2::B(()));
    assert!(started.elapsed() < LATE, "block_on did not wait for the 60 s losers");
}

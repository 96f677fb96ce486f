//! A panic caught from one input's poll leaves the combinator consistent: every other input
//! that was woken, or is woken later, is still polled (issue #15, item 7).

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::*;

/// Pending on its first poll (keeping the waker), panics on every later poll.
struct PanicsWhenPolledAgain {
    waker: Rc<RefCell<Option<Waker>>>,
    polls: Rc<Cell<usize>>,
}

impl Future for PanicsWhenPolledAgain {
    type Output = Result<u32, Oops>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls.set(self.polls.get() + 1);
        if self.polls.get() > 1 {
            panic!("input 0 panicked (expected by the test)");
        }
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// `[panicker, probe]` given to `make`, both polled once (pending); then the panicker and
/// the probe are woken in that order and the next poll's panic is caught. Returns the
/// combinator, the probe's control, the parent's waker, and how often the parent was woken by
/// the poll that panicked.
fn after_a_caught_panic<C, O>(make: impl FnOnce(Vec<BoxedInput>) -> C) -> (C, Control<u32, Oops>, Waker, usize)
where
    C: Future<Output = O> + Unpin,
{
    let waker_slot = Rc::new(RefCell::new(None));
    let polls = Rc::new(Cell::new(0));
    let panicker = PanicsWhenPolledAgain { waker: Rc::clone(&waker_slot), polls: Rc::clone(&polls) };
    let (other, c) = probe::<u32, Oops>();
    let (parent, waker) = Parent::new();
    let mut fut = make(vec![Box::pin(panicker), Box::pin(other)]);
    assert!(poll(&mut fut, &waker).is_pending());
    waker_slot.borrow().as_ref().expect("polled once").wake_by_ref();
    c.wake();
    let before = parent.wakes();
    let caught = catch_unwind(AssertUnwindSafe(|| poll(&mut fut, &waker).is_pending()));
    assert!(caught.is_err(), "the panic comes out of the combinator's poll");
    assert_eq!(polls.get(), 2);
    assert_eq!(c.polls(), 1, "the probe was queued behind the panicking input");
    let wakes = parent.wakes() - before;
    (fut, c, waker, wakes)
}

#[test]
fn any_still_polls_the_other_inputs_after_a_caught_panic() {
    let (mut fut, c, waker, _) = after_a_caught_panic(any);
    c.settle(Ok(7));
    assert!(poll(&mut fut, &waker).is_pending(), "input 0 has not settled");
    assert_eq!(c.polls(), 2, "the probe's wakes still get it polled");
    assert_eq!(c.drops(), 1, "and it settled");
}

#[test]
fn first_still_polls_the_other_inputs_after_a_caught_panic() {
    let (mut fut, c, waker, _) = after_a_caught_panic(first);
    c.settle(Ok(7));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(7)));
}

#[test]
fn all_still_polls_the_other_inputs_after_a_caught_panic() {
    let (mut fut, c, waker, _) = after_a_caught_panic(all);
    c.settle(Err(Oops("late")));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Err(Oops("late"))));
}

#[test]
fn some_still_polls_the_other_inputs_after_a_caught_panic() {
    let (mut fut, c, waker, _) = after_a_caught_panic(|inputs| some(inputs, 1));
    c.settle(Ok(7));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok((vec![], vec![(1, 7)]))));
}

#[test]
fn an_input_woken_before_another_input_panicked_is_polled_without_a_new_wake() {
    // The probe's wake was taken by the poll that panicked: the combinator asks its task for
    // another turn, and that turn polls the probe although nothing woke it since.
    let (mut fut, c, waker, wakes) = after_a_caught_panic(first);
    assert_eq!(wakes, 1, "the parent is woken again for the input still queued");
    *c.0.outcome.borrow_mut() = Some(Ok(5)); // ready, but not woken again
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(5)));
}

#[test]
fn first_settled_still_polls_the_other_inputs_after_a_caught_panic() {
    let (mut fut, c, waker, _) = after_a_caught_panic(ampere_combinators::first_settled);
    c.settle(Ok(7));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(7)));
}

#[test]
fn a_tuple_select_still_polls_the_other_inputs_after_a_caught_panic() {
    use ampere_combinators::{OneOf2, TupleSelect};
    let (mut fut, c, waker, _) = after_a_caught_panic(|mut inputs| {
        let b = inputs.pop().unwrap();
        (inputs.pop().unwrap(), b).select()
    });
    c.settle(Ok(7));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(OneOf2::B(Ok(7))));
}

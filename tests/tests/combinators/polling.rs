//! Polling: only the woken inputs, each once per poll, fairly.

use super::*;

#[test]
fn a_wake_of_one_input_polls_only_that_input() {
    let (inputs, c) = probes::<u32, Oops>(10);
    let (parent, waker) = Parent::new();
    let mut fut = all(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    assert!(c.iter().all(|c| c.polls() == 1), "the first poll polls every input once");
    c[3].wake();
    assert_eq!(parent.wakes(), 1, "the input's wake reaches the parent");
    assert!(poll(&mut fut, &waker).is_pending());
    let polls: Vec<_> = c.iter().map(Control::polls).collect();
    assert_eq!(polls, [1, 1, 1, 2, 1, 1, 1, 1, 1, 1]);
    assert!(poll(&mut fut, &waker).is_pending());
    assert_eq!(total_polls(&c), 11, "a poll with nothing woken polls nothing");
}

#[test]
fn first_over_ten_thousand_inputs_polls_only_the_woken_one() {
    const N: usize = 10_000;
    let (inputs, c) = probes::<usize, Oops>(N);
    let (_, waker) = Parent::new();
    let mut fut = first(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    assert_eq!(total_polls(&c), N);
    for i in [N - 1, 17, 4242] {
        c[i].settle(Err(Oops("no")));
        assert!(poll(&mut fut, &waker).is_pending());
    }
    assert_eq!(total_polls(&c), N + 3, "one poll per wake, not a scan");
    c[5000].settle(Ok(5000));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(5000)));
    assert_eq!(total_polls(&c), N + 4);
    assert!(c.iter().all(|c| c.drops() == 1));
}

#[test]
fn many_wakes_of_one_input_before_a_poll_cost_one_poll_and_one_parent_wake() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (parent, waker) = Parent::new();
    let mut fut = any(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    for _ in 0..5 {
        c[1].wake();
    }
    c[2].wake();
    assert_eq!(parent.wakes(), 1, "the parent is woken once per batch of wakes");
    assert!(poll(&mut fut, &waker).is_pending());
    assert_eq!(c.iter().map(Control::polls).collect::<Vec<_>>(), [1, 2, 2]);
}

/// Always makes progress and never finishes: wakes itself on every poll.
struct Spinner {
    polls: Rc<Cell<usize>>,
}

impl Future for Spinner {
    type Output = Result<u32, Oops>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls.set(self.polls.get() + 1);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn an_input_that_is_always_ready_does_not_starve_the_others() {
    let spins = Rc::new(Cell::new(0));
    let (other, c) = probe::<u32, Oops>();
    let inputs: Vec<BoxedInput> = vec![Box::pin(Spinner { polls: Rc::clone(&spins) }), Box::pin(other)];
    let (parent, waker) = Parent::new();
    let mut fut = first(inputs);
    for round in 1..=3 {
        // One parent poll polls the spinner once and returns, rather than spinning with it.
        assert!(poll(&mut fut, &waker).is_pending());
        assert_eq!(spins.get(), round);
        assert_eq!(parent.wakes(), round, "the spinner's wake asks the parent for another turn");
        c.wake();
    }
    // Both were woken: the other input gets its turn in the same poll as the spinner.
    c.settle(Ok(1));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(1)));
    assert_eq!(spins.get(), 4);
    assert_eq!(c.polls(), 4);
}

/// Pending `left` times, each time waking itself by reference (keeping no waker), then ready.
struct SelfWaking {
    left: usize,
    value: u32,
    polls: Rc<Cell<usize>>,
}

impl Future for SelfWaking {
    type Output = Result<u32, Oops>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls.set(self.polls.get() + 1);
        if self.left == 0 {
            return Poll::Ready(Ok(self.value));
        }
        self.left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn inputs_that_wake_without_keeping_their_waker_are_polled_again() {
    // A waker nobody kept is recycled for the next input; the wakes already queued must
    // still reach the right inputs, next to inputs that do keep theirs.
    let polls = Rc::new(Cell::new(0));
    let (kept, c) = probes::<u32, Oops>(2);
    let mut kept = kept.into_iter();
    let mut inputs: Vec<BoxedInput> = Vec::new();
    for value in 0..3 {
        inputs.push(Box::pin(SelfWaking { left: 2, value, polls: Rc::clone(&polls) }));
        if let Some(p) = kept.next() {
            inputs.push(Box::pin(p));
        }
    }
    let (_, waker) = Parent::new();
    let mut fut = all(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    c[1].settle(Ok(11));
    assert!(poll(&mut fut, &waker).is_pending());
    c[0].settle(Ok(10));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(vec![0, 10, 1, 11, 2])));
    assert_eq!(polls.get(), 9, "three polls each, no more");
    assert_eq!((c[0].polls(), c[1].polls()), (2, 2));
}

#[test]
fn a_stale_wake_of_a_finished_input_is_ignored() {
    let (inputs, c) = probes::<u32, Oops>(2);
    let (_, waker) = Parent::new();
    let mut fut = all(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    c[0].settle(Ok(0));
    assert!(poll(&mut fut, &waker).is_pending());
    c[0].wake(); // the probe is gone; its old waker still works
    assert!(poll(&mut fut, &waker).is_pending());
    assert_eq!(c[0].polls(), 2);
    c[1].settle(Ok(1));
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(vec![0, 1])));
}

#[test]
fn an_input_woken_from_another_thread_is_polled() {
    let (inputs, c) = probes::<u32, Oops>(2);
    let (parent, waker) = Parent::new();
    let mut fut = first(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    *c[1].0.outcome.borrow_mut() = Some(Ok(9));
    let input_waker = c[1].waker();
    std::thread::spawn(move || input_waker.wake()).join().unwrap();
    assert_eq!(parent.wakes(), 1);
    assert_eq!(poll(&mut fut, &waker), Poll::Ready(Ok(9)));
}

#[test]
fn dropping_a_pending_combinator_drops_every_input() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (parent, waker) = Parent::new();
    let mut fut = some(inputs, 2);
    assert!(poll(&mut fut, &waker).is_pending());
    let late = c[0].waker();
    drop(fut);
    assert!(c.iter().all(|c| c.drops() == 1));
    late.wake(); // a waker that outlives the combinator wakes nobody
    assert_eq!(parent.wakes(), 0);
}

#[test]
fn combinators_show_their_progress_in_debug_output() {
    let (inputs, c) = probes::<u32, Oops>(3);
    let (_, waker) = Parent::new();
    let mut fut = all(inputs);
    assert!(poll(&mut fut, &waker).is_pending());
    c[0].settle(Ok(0));
    assert!(poll(&mut fut, &waker).is_pending());
    assert_eq!(format!("{fut:?}"), "All { len: 3, running: 2, .. }");
    let fut = some(Vec::<Probe<u8, Oops>>::new(), 1);
    assert_eq!(format!("{fut:?}"), "SomeOfKeyed { len: 0, running: 0, required: 1, .. }");
}

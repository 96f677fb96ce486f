//! The combinators (issue #6): the semantics table of `ampere_combinators` row by row, with
//! instrumented inputs that count their polls and drops: input order whatever the completion
//! order, eager drop of the losers, empty inputs and `required` edge cases, polling only the
//! woken inputs, fairness, and `timeout` (expiry, non-expiry, never early, keep-alive).
//!
//! Most tests poll a combinator by hand with a counting waker, which pins exactly what each
//! poll does; the `timeout` tests run on a reactor.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::error::Error as _;
use std::fmt;
use std::future::{pending, ready, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use ampere_combinators::{
    all, all_keyed, any, any_keyed, first, first_keyed, some, some_keyed, timeout, timeout_with_default, FirstError,
    MultiError, SomeError, TimedOut,
};
use ampere_reactor::{sleep, JoinError, Reactor, WatcherKind};

// ---------------------------------------------------------------------------------------------
// Instruments
// ---------------------------------------------------------------------------------------------

/// An input that stays pending until its [`Control`] settles it, and counts its polls and
/// drops.
struct Probe<T, E>(Rc<ProbeState<T, E>>);

/// The test's side of a [`Probe`].
struct Control<T, E>(Rc<ProbeState<T, E>>);

struct ProbeState<T, E> {
    polls: Cell<usize>,
    drops: Cell<usize>,
    outcome: RefCell<Option<Result<T, E>>>,
    /// The waker of the latest poll.
    waker: RefCell<Option<Waker>>,
}

fn probe<T, E>() -> (Probe<T, E>, Control<T, E>) {
    let state = Rc::new(ProbeState {
        polls: Cell::new(0),
        drops: Cell::new(0),
        outcome: RefCell::new(None),
        waker: RefCell::new(None),
    });
    (Probe(Rc::clone(&state)), Control(state))
}

/// Probes and their controls, in input order.
type Probes<T, E> = (Vec<Probe<T, E>>, Vec<Control<T, E>>);

/// `n` probes and their controls, in input order.
fn probes<T, E>(n: usize) -> Probes<T, E> {
    (0..n).map(|_| probe()).unzip()
}

impl<T, E> Future for Probe<T, E> {
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        let s = &self.0;
        s.polls.set(s.polls.get() + 1);
        match s.outcome.borrow_mut().take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                *s.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T, E> Drop for Probe<T, E> {
    fn drop(&mut self) {
        self.0.drops.set(self.0.drops.get() + 1);
    }
}

impl<T, E> Control<T, E> {
    /// Makes the next poll return `outcome`, and wakes the probe.
    fn settle(&self, outcome: Result<T, E>) {
        *self.0.outcome.borrow_mut() = Some(outcome);
        self.wake();
    }

    /// Wakes the probe (with the waker of its latest poll) without settling it.
    fn wake(&self) {
        if let Some(w) = self.0.waker.borrow().as_ref() {
            w.wake_by_ref();
        }
    }

    fn waker(&self) -> Waker {
        self.0.waker.borrow().clone().expect("polled at least once")
    }

    fn polls(&self) -> usize {
        self.0.polls.get()
    }

    fn drops(&self) -> usize {
        self.0.drops.get()
    }
}

/// The waker of the task that polls a combinator: counts its wakes.
#[derive(Default)]
struct Parent(AtomicUsize);

impl Wake for Parent {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Parent {
    fn new() -> (Arc<Parent>, Waker) {
        let parent = Arc::new(Parent::default());
        (Arc::clone(&parent), Waker::from(parent))
    }

    fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// One poll of `future` with `waker`.
fn poll<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

fn total_polls<T, E>(controls: &[Control<T, E>]) -> usize {
    controls.iter().map(Control::polls).sum()
}

/// A small error type that implements `std::error::Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Oops(&'static str);

impl fmt::Display for Oops {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Oops {}

/// Inputs of different types, boxed to one.
type BoxedInput = Pin<Box<dyn Future<Output = Result<u32, Oops>>>>;

/// Tolerance for timing upper bounds: the machine may be busy, and only "never early" is a
/// hard promise.
const LATE: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------------------------
// all
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// any
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// some
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// first
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// MultiError and the other error types
// ---------------------------------------------------------------------------------------------

#[test]
fn multi_error_displays_and_iterates_every_error_and_is_a_std_error() {
    let (_, waker) = Parent::new();
    let mut fut = first([ready(Err::<(), _>(Oops("refused"))), ready(Err(Oops("reset")))]);
    let Poll::Ready(Err(e)) = poll(&mut fut, &waker) else { panic!("all failed") };
    assert_eq!(e.to_string(), "all 2 inputs failed");
    let source = e.source().expect("the MultiError is the source");
    assert_eq!(source.to_string(), "2 errors: [0] refused; [1] reset");

    let FirstError::AllFailed(errors) = e else { unreachable!() };
    assert_eq!(errors.iter().collect::<Vec<_>>(), [&Oops("refused"), &Oops("reset")]);
    assert_eq!((&errors).into_iter().len(), 2);
    let boxed: Box<dyn std::error::Error> = Box::new(errors.clone());
    assert!(boxed.source().is_none(), "no single cause; Display shows them all");
    assert_eq!(errors.into_iter().collect::<Vec<_>>(), [Oops("refused"), Oops("reset")]);

    let mut keyed = first_keyed([("a", ready(Err::<(), _>(Oops("x"))))]);
    let Poll::Ready(Err(FirstError::AllFailed(one))) = poll(&mut keyed, &waker) else { panic!() };
    assert_eq!(one.to_string(), "1 error: [a] x");
    assert_eq!(one.into_keyed(), [("a", Oops("x"))]);
    assert_eq!(TimedOut.to_string(), "the operation timed out");

    fn is_std_error<E: std::error::Error>() {}
    is_std_error::<MultiError<Oops>>();
    is_std_error::<MultiError<Oops, &str>>();
    is_std_error::<FirstError<Oops>>();
    is_std_error::<SomeError<Oops, String>>();
    is_std_error::<TimedOut>();
}

// ---------------------------------------------------------------------------------------------
// Polling: only the woken inputs, each once per poll, fairly
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// timeout
// ---------------------------------------------------------------------------------------------

#[test]
fn timeout_returns_the_output_and_releases_its_timer_when_the_future_finishes_first() {
    let reactor = Reactor::new().unwrap();
    let handle = reactor.handle();
    let start = Instant::now();
    let (out, timers) = reactor
        .block_on(async move {
            let out = timeout(
                async {
                    sleep(Duration::from_millis(2)).await;
                    "done"
                },
                Duration::from_secs(10),
            )
            .await;
            (out, handle.info().of(WatcherKind::Delay).enabled)
        })
        .unwrap();
    assert_eq!(out, Ok("done"));
    assert_eq!(timers, 0, "the 10 s timer is released the moment the future finishes");
    reactor.run().unwrap(); // nothing keeps it going
    assert!(start.elapsed() < LATE);
}

#[test]
fn timeout_expires_with_timed_out_and_drops_the_inner_future() {
    let reactor = Reactor::new().unwrap();
    let (stuck, c) = probe::<(), Oops>();
    let start = Instant::now();
    // Nothing but the timeout's own timer can wake this: `block_on` waits for it.
    let out = reactor.block_on(timeout(stuck, Duration::from_millis(20))).unwrap();
    let elapsed = start.elapsed();
    assert_eq!(out, Err(TimedOut));
    assert_eq!(c.drops(), 1, "the inner future is dropped on expiry");
    assert!(elapsed >= Duration::from_millis(20), "expired early: {elapsed:?}");
    assert!(elapsed < Duration::from_millis(20) + LATE, "expired late: {elapsed:?}");
    assert_eq!(reactor.info().of(WatcherKind::Delay).enabled, 0);

    // Without the timeout, nothing could wake it: `block_on` says so instead of hanging.
    let (stuck, _c) = probe::<(), Oops>();
    assert!(matches!(reactor.block_on(stuck), Err(ampere_reactor::Error::WouldNeverComplete)));
}

#[test]
fn timeout_never_fires_early() {
    let reactor = Reactor::new().unwrap();
    for ms in [1, 5, 10, 15] {
        let dur = Duration::from_millis(ms);
        let start = Instant::now();
        let out = reactor.block_on(timeout(pending::<()>(), dur)).unwrap();
        let elapsed = start.elapsed();
        assert_eq!(out, Err(TimedOut));
        assert!(elapsed >= dur, "{ms} ms timeout fired after {elapsed:?}");
        assert!(elapsed < dur + LATE, "{ms} ms timeout fired after {elapsed:?}");
    }
}

/// (In ampere an unfinished task keeps `run()` going by itself; the timer's own keep-alive is
/// what the `block_on` tests above rely on: without it, `block_on` of a future nothing will
/// wake fails with `WouldNeverComplete`.)
#[test]
fn a_timeout_around_a_pending_future_keeps_run_alive_until_it_expires() {
    let reactor = Reactor::new().unwrap();
    let start = Instant::now();
    let task = reactor.spawn(timeout(pending::<()>(), Duration::from_millis(25)));
    reactor.run().unwrap();
    let elapsed = start.elapsed();
    assert!(task.is_finished(), "run() returned before the timeout expired");
    assert!(elapsed >= Duration::from_millis(25), "run() returned after {elapsed:?}");
    assert_eq!(reactor.block_on(task).unwrap(), Ok(Err(TimedOut)));
}

#[test]
fn dropping_a_pending_timeout_releases_its_timer_and_the_future() {
    let reactor = Reactor::new().unwrap();
    let handle = reactor.handle();
    let (stuck, c) = probe::<(), Oops>();
    let timers = reactor
        .block_on(async move {
            let mut t = timeout(stuck, Duration::from_secs(10));
            assert!(futures::poll!(&mut t).is_pending());
            let armed = handle.info().of(WatcherKind::Delay).enabled;
            drop(t);
            (armed, handle.info().of(WatcherKind::Delay).enabled)
        })
        .unwrap();
    assert_eq!(timers, (1, 0));
    assert_eq!(c.drops(), 1);
}

#[test]
fn timeout_with_default_gives_the_default_on_expiry_and_the_output_otherwise() {
    let reactor = Reactor::new().unwrap();
    let start = Instant::now();
    let out = reactor.block_on(timeout_with_default(pending(), Duration::from_millis(10), "cached")).unwrap();
    assert_eq!(out, "cached");
    assert!(start.elapsed() >= Duration::from_millis(10));
    let out = reactor.block_on(timeout_with_default(ready("fresh"), Duration::from_secs(10), "cached")).unwrap();
    assert_eq!(out, "fresh");
}

#[test]
fn timeout_composes_with_all_and_first() {
    let reactor = Reactor::new().unwrap();
    let (inputs, c) = probes::<u32, Oops>(3);
    let out = reactor.block_on(timeout(all(inputs), Duration::from_millis(5))).unwrap();
    assert_eq!(out, Err(TimedOut));
    assert!(c.iter().all(|c| c.drops() == 1), "expiry drops the combinator and its inputs");

    // A per-input time limit inside a race: the first input gives up, the second wins.
    async fn fetch(ms: u64, limit_ms: u64) -> Result<u64, TimedOut> {
        timeout(sleep(Duration::from_millis(ms)), Duration::from_millis(limit_ms)).await.map(|()| ms)
    }
    let out = reactor.block_on(first_keyed([("slow", fetch(50_000, 1)), ("fast", fetch(3, 10_000))])).unwrap();
    assert_eq!(out, Ok(("fast", 3)));
    assert_eq!(reactor.info().of(WatcherKind::Delay).enabled, 0, "every timer released");
}

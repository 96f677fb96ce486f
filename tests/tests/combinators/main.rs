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

mod all;
mod any;
mod completion_order;
mod errors;
mod first;
mod first_settled;
mod panics;
mod polling;
mod some;
mod timeout;
mod tuples;

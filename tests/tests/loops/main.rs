//! The loop family: starting and restarting, the state machine, pause/resume races, signals,
//! GenericLoop's actions and PeriodicLoop's schedule.
//!
//! Timing tests assert lower bounds exactly (never early) and upper bounds with [`SLACK`],
//! because the machine is shared with compilers.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::ops::ControlFlow;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use ampere_loops::{
    BoxError, GenericLoop, Loop, LoopContext, LoopError, LoopHandle, LoopState, Next, Outcome, PeriodicLoop, Stop,
    Undelivered, Wakeup,
};
use ampere_reactor::{sleep, Handle, Reactor, WatcherKind};
use ampere_tests::{Counter, DropCounter, Log};

/// How late a timed event may be before a test fails.
const SLACK: Duration = Duration::from_millis(300);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Asserts `elapsed` is at least `at_least`, and not absurdly more.
#[track_caller]
fn assert_took(elapsed: Duration, at_least: Duration) {
    assert!(elapsed >= at_least, "took {elapsed:?}, less than {at_least:?}");
    assert!(elapsed < at_least + SLACK, "took {elapsed:?}, far more than {at_least:?}");
}

/// A loop whose body is an async closure: what most tests need.
struct Body<F>(F);

impl<S: 'static, F> Loop<S> for Body<F>
where
    F: AsyncFnMut(&LoopContext<S>) -> Result<(), BoxError> + 'static,
{
    fn name(&self) -> String {
        "test loop".into()
    }

    async fn run(&mut self, this: &LoopContext<S>) -> Result<(), BoxError> {
        (self.0)(this).await
    }
}

fn looped<F>(body: F) -> LoopHandle
where
    F: AsyncFnMut(&LoopContext) -> Result<(), BoxError> + 'static,
{
    LoopHandle::new(Body(body))
}

fn signalled<S: 'static, F>(body: F) -> LoopHandle<S>
where
    F: AsyncFnMut(&LoopContext<S>) -> Result<(), BoxError> + 'static,
{
    LoopHandle::new(Body(body))
}

/// Lets the reactor run one full tick. A body woken before the call has been polled when it
/// returns (the tick's task phase comes after its defer phase).
async fn turn() {
    let ran = Rc::new(Cell::new(false));
    let mut deferred = false;
    poll_fn(|cx| {
        if ran.get() {
            return Poll::Ready(());
        }
        if !deferred {
            deferred = true;
            let (ran, waker) = (ran.clone(), cx.waker().clone());
            ampere_reactor::defer(move |_, _| {
                ran.set(true);
                waker.wake();
            })
            .unwrap();
        }
        Poll::Pending
    })
    .await;
}

/// Enabled delay timers on the current reactor (each armed `Sleep` is one).
fn live_timers() -> usize {
    live_timers_of(&Handle::current().unwrap())
}

fn live_timers_of(reactor: &Handle) -> usize {
    reactor.info().of(WatcherKind::Delay).enabled
}

mod generic;
mod lifecycle;
mod pause_resume;
mod periodic;
mod postpone;
mod restart;
mod signals;
mod state_and_stop;

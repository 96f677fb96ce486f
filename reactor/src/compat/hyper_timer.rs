//! [`AmpereTimer`]: hyper's timer on the reactor's timers, and its [`AmpereSleep`].
//!
//! hyper wants sleeps that are `Send + Sync`, and a reactor timer belongs to a `!Send`
//! reactor (ampere's [`Sleep`](crate::Sleep) holds an `Rc`). So an [`AmpereSleep`] owns only
//! its deadline and, once polled, an `Arc` of a small shared [`State`]; the reactor side is a
//! tiny task spawned on the polling thread's reactor that awaits ampere's own sleep:
//!
//! - **armed** (first poll): the task is spawned; it parks on [`sleep_until`](crate::sleep_until).
//! - **fired**: ampere's sleep completed (never early); the task wakes the sleeper and ends.
//!   The sleeper completes on its next poll because the clock says the deadline has passed —
//!   readiness is always decided by the clock, the task only wakes.
//! - **cancelled** (the sleep is dropped or reset): `cancelled` is set and the task woken; it
//!   ends, dropping ampere's sleep, which frees the reactor timer at once (so a dropped
//!   30-second header timeout does not keep `run()` going, nor sit in the timer heap).
//!
//! Only the `Arc`, the flag and wakers (which are `Send`) cross threads: dropping an
//! `AmpereSleep` on another thread is safe, it flags and wakes, the reactor thread does the rest.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::core::state::Handle;

/// hyper's [`Timer`](hyper::rt::Timer) on ampere: give it to a connection builder's `timer`
/// to enable `header_read_timeout`, keep-alive timeouts and HTTP/2 keep-alive pings.
///
/// Its sleeps are [`AmpereSleep`]s: they fire on the reactor of the thread that polls them,
/// never early.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use ampere_reactor::compat::AmpereTimer;
/// use hyper::rt::Timer;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let start = Instant::now();
/// reactor.block_on(AmpereTimer.sleep(Duration::from_millis(5)))?;
/// assert!(start.elapsed() >= Duration::from_millis(5));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AmpereTimer;

impl hyper::rt::Timer for AmpereTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(AmpereSleep::new(Instant::now().checked_add(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(AmpereSleep::new(Some(deadline)))
    }

    /// Moves an [`AmpereSleep`] in place (no new allocation); any other sleep is replaced.
    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<AmpereSleep>() {
            Some(ours) => ours.get_mut().reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// A `Send + Sync` sleep that completes at its deadline, never before it: the sleeps of
/// [`AmpereTimer`].
///
/// It arms a timer on the reactor of the thread that first polls it, and frees that timer
/// when dropped or [reset](AmpereSleep::reset). Like any reactor timer, an armed sleep keeps
/// `run()` going until it fires or is dropped. A deadline too far to represent never comes.
///
/// # Panics
///
/// Polling it on a thread whose reactor is gone (thread teardown) panics, as for
/// [`Sleep`](crate::Sleep).
#[must_use = "futures do nothing unless you .await or poll them"]
#[derive(Debug)]
pub struct AmpereSleep {
    /// `None`: never.
    deadline: Option<Instant>,
    /// The state shared with the reactor-side task, while armed. `None`: not armed (never
    /// polled, reset since, or completed).
    armed: Option<Arc<Mutex<State>>>,
}

/// What an armed [`AmpereSleep`] and its reactor-side task share.
#[derive(Debug, Default)]
struct State {
    /// Set by the sleep (dropped, reset or completed): the task must end, freeing its timer.
    cancelled: bool,
    /// Who polls the sleep (a hyper connection's task): woken when the timer fires.
    sleeper: Option<Waker>,
    /// The reactor-side task: woken when `cancelled` is set, so it ends now, not at the deadline.
    timer: Option<Waker>,
}

impl AmpereSleep {
    fn new(deadline: Option<Instant>) -> AmpereSleep {
        AmpereSleep { deadline, armed: None }
    }

    /// When it completes (`None`: never).
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Moves the deadline (earlier or later). The old timer is freed now; if the sleep was
    /// being awaited, its waiter is woken to poll it again, which arms the new deadline on
    /// the waiter's own reactor (so a reset never needs to reach a reactor itself).
    pub fn reset(&mut self, deadline: Instant) {
        let waiter = self.disarm();
        self.deadline = Some(deadline);
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }

    /// Spawns the reactor-side task for `deadline`, to wake `sleeper`.
    fn arm(&mut self, handle: &Handle, deadline: Instant, sleeper: Waker) {
        let state = Arc::new(Mutex::new(State { sleeper: Some(sleeper), ..State::default() }));
        // Detached: the task ends by itself when it fires or is cancelled.
        drop(handle.spawn(fire_at(deadline, state.clone())));
        self.armed = Some(state);
    }

    /// Tells the reactor-side task to end; returns the waker of whoever was waiting.
    fn disarm(&mut self) -> Option<Waker> {
        let state = self.armed.take()?;
        let (timer, sleeper) = {
            let mut st = lock(&state);
            st.cancelled = true;
            (st.timer.take(), st.sleeper.take())
        };
        // Woken outside the lock: the task may run at once if this is its own thread.
        if let Some(task) = timer {
            task.wake();
        }
        sleeper
    }
}

impl Future for AmpereSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let Some(deadline) = this.deadline else {
            return Poll::Pending; // never: nothing to arm
        };
        // The clock decides, so the sleep cannot complete early whoever wakes it.
        if Instant::now() >= deadline {
            drop(this.disarm());
            return Poll::Ready(());
        }
        match &this.armed {
            Some(state) => {
                let mut st = lock(state);
                if !st.sleeper.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    st.sleeper = Some(cx.waker().clone());
                }
            }
            None => {
                let handle = Handle::current().expect("AmpereSleep polled after the thread's reactor was destroyed");
                this.arm(&handle, deadline, cx.waker().clone());
            }
        }
        Poll::Pending
    }
}

impl hyper::rt::Sleep for AmpereSleep {}

impl Drop for AmpereSleep {
    fn drop(&mut self) {
        drop(self.disarm());
    }
}

/// The reactor-side task: waits for `deadline` on the reactor's own timer, then wakes the
/// sleeper; ends early, freeing the timer, once the sleep sets `cancelled`.
async fn fire_at(deadline: Instant, state: Arc<Mutex<State>>) {
    let mut nap = crate::time::sleep_until(deadline);
    poll_fn(|cx| {
        {
            let mut st = lock(&state);
            if st.cancelled {
                return Poll::Ready(());
            }
            if !st.timer.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                st.timer = Some(cx.waker().clone());
            }
        }
        if Pin::new(&mut nap).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let sleeper = lock(&state).sleeper.take();
        if let Some(sleeper) = sleeper {
            sleeper.wake();
        }
        Poll::Ready(())
    })
    .await;
}

/// Locks `state`, ignoring poisoning: its fields stay consistent whatever panicked (each
/// update is a single store).
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

//! The control block a loop's body shares with its handles: the state machine, the resume
//! bookkeeping and the signal slot, behind one `Rc`.
//!
//! Every method borrows briefly and never across an `.await`, a user callback or a wake:
//! wakers are taken out of the block and woken after the borrow ends, so even a waker that
//! re-entered the loop (none of the reactor's do) would find it consistent.
//!
//! The block is split by who uses it: [`Core`] is what pauses and the state machine need, and
//! knows nothing of the signal type; [`Signals`] is the typed signal slot. A run's beginning and
//! end (including a start that waits for a stopping body) are in [`lifecycle`]; the postponed
//! resume is in [`postpone`].

mod lifecycle;
mod postpone;

pub(crate) use lifecycle::Begin;

use std::cell::RefCell;
use std::task::Waker;
use std::time::{Duration, Instant};

use ampere_reactor::{BoxError, Handle, WatcherId};
use log::debug;

use crate::state::{LoopState, Transition};
use crate::{Undelivered, Wakeup};
use lifecycle::Restart;

/// Everything a running loop and its handles share.
pub(crate) struct Control<S> {
    pub(crate) core: Core,
    pub(crate) signals: RefCell<Signals<S>>,
}

impl<S> Control<S> {
    pub(crate) fn new(name: String) -> Control<S> {
        Control {
            core: Core { name, inner: RefCell::new(CoreState::default()) },
            signals: RefCell::new(Signals::new()),
        }
    }

    /// Delivers `payload` (as `into_signal` makes it) if a `wait_signal` is waiting and the
    /// slot is free, and wakes it; otherwise gives it back untouched.
    pub(crate) fn send<T>(
        &self,
        payload: T,
        into_signal: impl FnOnce(T) -> Result<S, BoxError>,
    ) -> Result<(), Undelivered<T>> {
        let waker = {
            let mut signals = self.signals.borrow_mut();
            let signals = &mut *signals;
            match &mut signals.waiter {
                Some(waiter) if signals.delivered.is_none() => {
                    signals.delivered = Some(into_signal(payload));
                    waiter.waker.take()
                }
                _ => return Err(Undelivered(payload)),
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }
}

/// The part of the control block that does not depend on the signal type.
pub(crate) struct Core {
    /// The loop's name, for log lines.
    pub(crate) name: String,
    inner: RefCell<CoreState>,
}

#[derive(Default)]
struct CoreState {
    /// Where the loop is. Changed only through [`LoopState::next`].
    state: LoopState,
    /// A `resume()` found the body running (not paused): the next pause returns at once.
    /// Only ever true while the loop is live (cleared by `begin` and `finish`).
    resume_pending: bool,
    /// The pause the body awaits: registered by its first poll, removed when it returns or
    /// is dropped. Present exactly when the state is `Paused`. A pause polled while another is
    /// registered replaces it (the older one then ends only by its timer or a stop).
    pause: Option<Parked>,
    /// The last serial handed to a pause; serials tell a registration from a newer one.
    last_serial: u64,
    /// A `start()` made while stopping, for the run after this one (see [`lifecycle`]).
    restart: Restart,
    /// The reactor the live run's task is on: where a postponed resume defers. `Some` exactly
    /// while the loop is live (set when a run begins, cleared when it ends), so an idle loop
    /// keeps no reactor alive.
    reactor: Option<Handle>,
    /// The postponed resume not yet run: its serial and its defer on `reactor`. A newer one
    /// replaces it; the end of the run drops it (see [`postpone`]).
    postponed: Option<(u64, WatcherId)>,
    /// The last serial handed to a postponed resume.
    last_postponed: u64,
}

/// A registered pause.
struct Parked {
    serial: u64,
    /// Taken by whoever wakes it (`resume`, `stop`); put back by the pause's next poll.
    waker: Option<Waker>,
    /// `resume()` hit this pause: its next poll returns `Resumed`. Set once: a second
    /// `resume` before that poll finds it set and merges with the first (the body has not run
    /// in between, so it will see whatever the second one announces).
    resumed: bool,
}

impl Core {
    pub(crate) fn state(&self) -> LoopState {
        self.inner.borrow().state
    }

    /// Running|Paused -> Stopping, waking a parked pause. On a stopping loop with a start
    /// waiting for it, the stop is kept for that next run. False if idle or already stopping
    /// (with no waiting start, or one already told to stop).
    pub(crate) fn stop(&self) -> bool {
        let waker = {
            let mut core = self.inner.borrow_mut();
            match core.state.next(Transition::Stop) {
                Ok(next) => core.state = next,
                Err(_) => return core.restart.stop(),
            }
            core.pause.as_mut().and_then(|p| p.waker.take())
        };
        if let Some(w) = waker {
            w.wake();
        }
        true
    }

    /// The rule of `resume()`: wakes a parked pause (true), or, if the body is running, leaves
    /// a wake-up for its next pause (false). Idle or stopping loops ignore it (false).
    pub(crate) fn resume(&self) -> bool {
        let waker = {
            let mut core = self.inner.borrow_mut();
            let core = &mut *core; // one `&mut`, so the fields can be borrowed apart
            match (core.state, &mut core.pause) {
                (LoopState::Paused { .. }, Some(p)) if !p.resumed => {
                    p.resumed = true;
                    p.waker.take()
                }
                // Already resumed and not yet polled: merged with that resume. (`Paused`
                // without a registered pause does not happen: they are set together.)
                (LoopState::Paused { .. }, _) => return false,
                (LoopState::Running, _) => {
                    core.resume_pending = true;
                    return false;
                }
                (LoopState::Idle | LoopState::Stopping, _) => return false,
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
        true
    }

    /// A pause's first poll: returns at once (`Err`) if stopping, if a resume is pending (it
    /// is consumed) or if `duration` is zero; otherwise registers it and returns its serial.
    /// Stopping wins over a pending resume: the body should learn that it is to finish.
    pub(crate) fn park(
        &self,
        duration: Option<Duration>,
        until: Option<Instant>,
        waker: &Waker,
    ) -> Result<u64, Wakeup> {
        let mut core = self.inner.borrow_mut();
        if core.state == LoopState::Stopping {
            return Err(Wakeup::Stopped);
        }
        if let Some(older) = core.pause.as_ref().map(|p| p.serial) {
            // The body awaits two pauses at once (a `select` of them, say): the newer one
            // replaces the older, taking over a resume that hit it. The older one can now only
            // end by its own timer or a stop.
            core.unpark(older);
        }
        if std::mem::take(&mut core.resume_pending) {
            return Err(Wakeup::Resumed);
        }
        if duration == Some(Duration::ZERO) {
            return Err(Wakeup::Elapsed);
        }
        core.state = core.state.next(Transition::Pause { until }).unwrap_or_else(|e| {
            // Only a live body polls a pause, and its context lives no longer than its run.
            debug_assert!(false, "{}: {e}", self.name);
            core.state
        });
        core.last_serial += 1;
        let serial = core.last_serial;
        core.pause = Some(Parked { serial, waker: Some(waker.clone()), resumed: false });
        match duration {
            Some(d) => debug!("{}: pausing for {d:?}", self.name),
            None => debug!("{}: pausing until resumed", self.name),
        }
        Ok(serial)
    }

    /// A later poll of pause `serial`: `Some` if it ends now (stop or resume; it is then
    /// unregistered), else `None` with `waker` stored for the next wake.
    pub(crate) fn poll_parked(&self, serial: u64, waker: &Waker) -> Option<Wakeup> {
        let mut core = self.inner.borrow_mut();
        let stopping = core.state == LoopState::Stopping;
        let wakeup = match &mut core.pause {
            Some(p) if p.serial == serial => {
                if stopping {
                    Wakeup::Stopped
                } else if p.resumed {
                    // Reported now, so not handed on to the next pause.
                    p.resumed = false;
                    Wakeup::Resumed
                } else {
                    if !p.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                        p.waker = Some(waker.clone());
                    }
                    return None;
                }
            }
            // Replaced by a newer pause: only its own timer, or a stop, can end it now.
            _ if stopping => Wakeup::Stopped,
            _ => return None,
        };
        core.unpark(serial);
        Some(wakeup)
    }

    /// Pause `serial` is over: its timer ran out, or it was dropped. See [`CoreState::unpark`].
    pub(crate) fn unpark(&self, serial: u64) {
        self.inner.borrow_mut().unpark(serial);
    }
}

impl CoreState {
    /// Unregisters pause `serial` (if it is still the registered one) and goes back to
    /// `Running`. A `resume()` that hit it but was never reported (the pause was dropped, or
    /// stopped, first) is kept for the next pause: no wake-up is lost.
    fn unpark(&mut self, serial: u64) {
        if let Some(p) = self.pause.take_if(|p| p.serial == serial) {
            self.resume_pending |= p.resumed;
            if let Ok(next) = self.state.next(Transition::Wake) {
                self.state = next; // Paused -> Running; a Stopping body stays Stopping
            }
        }
    }
}

/// The typed signal slot.
pub(crate) struct Signals<S> {
    /// The `wait_signal` the body awaits, if any; a newer one replaces an older one.
    waiter: Option<Waiter>,
    /// A signal sent to a waiter and not yet returned by a `wait_signal`. While it is here,
    /// further signals are refused; a waiter dropped before returning it leaves it for the
    /// next `wait_signal`, which returns it at once.
    delivered: Option<Result<S, BoxError>>,
    last_serial: u64,
}

struct Waiter {
    serial: u64,
    /// Taken by `send`; put back by the waiter's next poll.
    waker: Option<Waker>,
}

impl<S> Signals<S> {
    fn new() -> Signals<S> {
        Signals { waiter: None, delivered: None, last_serial: 0 }
    }

    /// Registers a waiter (first poll), or refreshes its waker; returns its serial.
    pub(crate) fn wait(&mut self, serial: Option<u64>, waker: &Waker) -> u64 {
        match (&mut self.waiter, serial) {
            (Some(w), Some(s)) if w.serial == s => {
                if !w.waker.as_ref().is_some_and(|old| old.will_wake(waker)) {
                    w.waker = Some(waker.clone());
                }
                s
            }
            // A waiter replaced by a newer one keeps its serial but registers nothing: the
            // newest waiter is the one signals go to.
            (_, Some(s)) => s,
            (_, None) => {
                self.last_serial += 1;
                self.waiter = Some(Waiter { serial: self.last_serial, waker: Some(waker.clone()) });
                self.last_serial
            }
        }
    }

    /// The delivered signal, if there is one.
    pub(crate) fn take(&mut self) -> Option<Result<S, BoxError>> {
        self.delivered.take()
    }

    /// Waiter `serial` is over; a delivered signal stays for the next one.
    pub(crate) fn unwait(&mut self, serial: u64) {
        if self.waiter.as_ref().is_some_and(|w| w.serial == serial) {
            self.waiter = None;
        }
    }
}

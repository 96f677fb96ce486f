//! A run's beginning and end: `start` (at once when idle, or after the stopping body exits) and
//! the exit that brings the loop back to `Idle`, or hands it straight to a waiting start.
//!
//! # A start that waits (danog/loop 1.0.3)
//!
//! `start()` on a stopping loop is not refused: it is remembered, and the loop starts again
//! the moment the old body has exited. The hand-over happens inside the exit itself
//! ([`Control::finish`]): the state goes `Stopping → Idle → Running` in one borrow, so no
//! other `start()` can slip in between, and the waiting task is woken to launch the body.
//!
//! ```text
//!   Stopping ──start──► Stopping + Queued ──old body exits──► Running + Begun ──task polled──► (launched)
//!                            │ stop: kept for the new run           │ task dropped (reactor gone)
//!                            │ task dropped: forgotten              ▼
//!                            ▼                                     Idle
//!                         Stopping
//! ```
//!
//! Only one start waits at a time: a second `start()` is refused as `AlreadyRunning`, as the
//! PHP original's second waiter finds the loop running once it wakes.

use std::mem;
use std::task::{Poll, Waker};

use ampere_reactor::{Handle, WatcherId};
use log::warn;

use super::{Control, Core, CoreState};
use crate::state::{LoopState, Transition};
use crate::LoopError;

/// How a successful `begin` starts the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Begin {
    /// The loop was idle and is `Running` now: launch the body at once.
    Now,
    /// The loop is stopping: the body is launched by a task that waits for the old body's exit.
    AfterExit,
}

/// A `start()` made while the loop was stopping.
#[derive(Default)]
pub(super) enum Restart {
    /// None.
    #[default]
    None,
    /// Waiting for the old body to exit. `waker`: the waiting task's, taken by the hand-over;
    /// `reactor`: where the new run's task lives; `stop`: a `stop()` arrived meanwhile, for the
    /// new run (as a stop before a body's first poll is kept for it).
    Queued { waker: Option<Waker>, reactor: Handle, stop: bool },
    /// The old body exited and the loop is live again for the new run, whose task has not
    /// launched the body yet. Only that task's first poll (or its drop) leaves this state.
    Begun,
}

impl Restart {
    /// A `stop()` on a stopping loop: kept for the waiting start, if there is one that was not
    /// told already. Returns whether it was kept.
    pub(super) fn stop(&mut self) -> bool {
        match self {
            Restart::Queued { stop, .. } if !*stop => {
                *stop = true;
                true
            }
            _ => false,
        }
    }
}

impl<S> Control<S> {
    /// Idle -> Running, starting from a clean slate: nothing from a previous run (a pending
    /// resume, a parked pause) can leak into this one. On a stopping loop, remembers the start
    /// for when the body has exited ([`Begin::AfterExit`]).
    ///
    /// # Errors
    ///
    /// [`LoopError::AlreadyRunning`] if running or paused, or stopping with a start already
    /// waiting.
    pub(crate) fn begin(&self, reactor: &Handle) -> Result<Begin, LoopError> {
        let mut core = self.core.inner.borrow_mut();
        match (core.state, &core.restart) {
            (LoopState::Stopping, Restart::None) => {
                core.restart = Restart::Queued { waker: None, reactor: reactor.clone(), stop: false };
                Ok(Begin::AfterExit)
            }
            _ => {
                core.state = core.state.next(Transition::Start).map_err(|_| LoopError::AlreadyRunning)?;
                core.clean_slate(reactor);
                Ok(Begin::Now)
            }
        }
    }

    /// Any -> Idle: the body is gone. Clears what the run left behind; then, if a start was
    /// waiting, begins its run at once (Idle -> Running) and wakes its task.
    pub(crate) fn finish(&self) {
        let (waiting, leftovers) = {
            let mut core = self.core.inner.borrow_mut();
            core.state = core.state.next(Transition::Exit).unwrap_or_else(|e| {
                debug_assert!(false, "{}: {e}", self.core.name); // only a live body can exit
                LoopState::Idle
            });
            let leftovers = core.end_run();
            let waiting = match mem::take(&mut core.restart) {
                Restart::Queued { waker, reactor, stop } => {
                    // Exit and start in one borrow: nobody sees this loop idle in between.
                    core.state = core.state.next(Transition::Start).unwrap_or(LoopState::Running);
                    if stop {
                        core.state = core.state.next(Transition::Stop).unwrap_or(LoopState::Stopping);
                    }
                    core.clean_slate(&reactor);
                    core.restart = Restart::Begun;
                    waker
                }
                // `Begun` cannot be here: its run has not launched a body that could exit.
                _ => None,
            };
            (waiting, leftovers)
        };
        drop(leftovers); // outside the borrow: see `Leftovers`
        let left = {
            let mut signals = self.signals.borrow_mut();
            signals.waiter = None;
            signals.delivered.take()
        };
        if left.is_some() {
            // Only possible if a `wait_signal` holding it was dropped and the body never waited
            // again: the sender was told "delivered", so say where it went.
            warn!("{}: a delivered signal was never taken by the body; dropped at exit", self.core.name);
        }
        drop(left); // outside the borrow: dropping a signal runs its destructor
        if let Some(w) = waiting {
            w.wake();
        }
    }
}

impl Core {
    /// The waiting start's task: `Ready` once the old body has exited and the new run has
    /// begun (the body is then home, to be launched); otherwise keeps `waker` for the hand-over.
    pub(crate) fn poll_begun(&self, waker: &Waker) -> Poll<()> {
        let mut core = self.inner.borrow_mut();
        match &mut core.restart {
            Restart::Begun => {
                core.restart = Restart::None;
                Poll::Ready(())
            }
            Restart::Queued { waker: slot, .. } => {
                if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    *slot = Some(waker.clone());
                }
                Poll::Pending
            }
            // Not reached: the task polls only until `Begun`, and nothing else clears it.
            Restart::None => Poll::Pending,
        }
    }

    /// The waiting start's task was dropped before it launched the body (its reactor went
    /// away): forget the start, or, if its run had begun already, end that run (-> Idle).
    pub(crate) fn abandon_start(&self) {
        let (taken, leftovers) = {
            let mut core = self.inner.borrow_mut();
            let taken = mem::take(&mut core.restart);
            // Queued (now forgotten) or nothing: the old body's run goes on.
            let leftovers = matches!(taken, Restart::Begun).then(|| {
                if let Ok(next) = core.state.next(Transition::Exit) {
                    core.state = next;
                }
                core.end_run()
            });
            (taken, leftovers)
        };
        drop((taken, leftovers)); // outside the borrow: a handle, a defer (see `Leftovers`)
    }
}

impl CoreState {
    /// What a new run starts from: no pending resume, no pause, `reactor` as its reactor.
    fn clean_slate(&mut self, reactor: &Handle) {
        self.resume_pending = false;
        self.pause = None;
        self.reactor = Some(reactor.clone());
    }

    /// Clears what a run leaves behind, and hands back what must be dropped after the borrow.
    fn end_run(&mut self) -> Leftovers {
        self.resume_pending = false;
        self.pause = None;
        Leftovers { reactor: self.reactor.take(), postponed: self.postponed.take().map(|(_, id)| id) }
    }
}

/// What a run leaves behind: its reactor and its postponed resume's defer, which is cancelled
/// when this is dropped. Dropped after the control block's borrow ends, since cancelling drops
/// the defer's callback (and the handle may be the reactor's last but one).
pub(super) struct Leftovers {
    reactor: Option<Handle>,
    postponed: Option<WatcherId>,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        if let (Some(reactor), Some(id)) = (&self.reactor, self.postponed) {
            // A defer that has run (or went with its reactor) is gone: cancelling it is a no-op.
            reactor.cancel(id);
        }
    }
}

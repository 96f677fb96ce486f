//! The postponed resume (danog/loop 1.1.0's `resume(postpone: true)`): a resume that happens
//! on the run's reactor's next tick, in its defer phase, after everything this tick still has
//! to do, instead of on the reactor's next pass over its tasks.
//!
//! - A newer postponed resume replaces an older one not yet run: its defer is cancelled, and
//!   the new one goes to the end of the defer queue (the PHP original's "postpone the resuming to the
//!   end of the callback queue").
//! - It takes back a resume the body has not seen yet (a plain `resume()` whose wake-up is
//!   still on its way, or one remembered for the next pause): that wake-up is postponed with
//!   it, never lost, since the deferred resume delivers it.
//! - When its defer runs it is a plain [`resume`](Core::resume): it wakes a pause, or is
//!   remembered if the body is busy, or does nothing if the loop is stopping by then.
//! - The end of the run cancels it: a postponed resume never reaches the next run. Serials
//!   make a defer that ran anyway (cancelled too late) a no-op.

use std::rc::Rc;

use super::{Control, Core};
use crate::state::LoopState;

impl<S: 'static> Control<S> {
    /// Schedules a resume for the run's reactor's next tick. False (nothing scheduled) if the
    /// loop is idle or stopping.
    pub(crate) fn resume_postponed(self: &Rc<Self>) -> bool {
        let (reactor, serial, older) = {
            let mut core = self.core.inner.borrow_mut();
            let core = &mut *core; // one `&mut`, so the fields can be borrowed apart
            let reactor = match (core.state, &core.reactor) {
                (LoopState::Running | LoopState::Paused { .. }, Some(reactor)) => reactor.clone(),
                // Idle or stopping (a live loop always has its reactor).
                _ => return false,
            };
            // A resume the body has not seen yet is postponed with this one.
            core.resume_pending = false;
            if let Some(p) = &mut core.pause {
                // Its waker was woken already: the pause's next poll sees nothing, and keeps
                // its waker again for the deferred resume.
                p.resumed = false;
            }
            core.last_postponed += 1;
            (reactor, core.last_postponed, core.postponed.take())
        };
        if let Some((_, id)) = older {
            reactor.cancel(id); // outside the borrow: it drops the older defer's callback
        }
        let control = Rc::downgrade(self);
        // Weak: a pending defer must not keep the loop alive (nor make a reactor-loop cycle).
        let id = reactor.defer(move |_, _| {
            if let Some(control) = control.upgrade() {
                control.core.fire_postponed(serial);
            }
        });
        // Nothing ran since the borrow above (a defer only queues), so `serial` is still the
        // newest and the run is still live.
        self.core.inner.borrow_mut().postponed = Some((serial, id));
        true
    }
}

impl Core {
    /// The defer of postponed resume `serial` runs: resume, if it is still the current one.
    fn fire_postponed(&self, serial: u64) {
        let current = {
            let mut core = self.inner.borrow_mut();
            core.postponed.take_if(|(s, _)| *s == serial).is_some()
        };
        if current {
            self.resume();
        }
    }
}

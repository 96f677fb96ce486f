//! One iteration of the reactor, phase by phase. Read this file first.
//!
//! ```text
//!  run() ──► alive? ──no──► return Ok
//!             │yes
//!             ▼
//!  ┌─ tick ────────────────────────────────────────────────────────────────────┐
//!  │ 1. poll    compute the timeout (0 if work is queued; else the earliest     │
//!  │            deadline, via the timerfd), block in epoll_wait, sample `now`,  │
//!  │            queue ready fds and signals, wake async I/O tasks               │
//!  │ 2. defers  the defers queued before this tick, FIFO                        │
//!  │ 3. I/O     level-triggered watchers of each ready fd                       │
//!  │ 4. signals each delivered signal's watchers                                │
//!  │ 5. timers  every timer due by `now`, in (deadline, arming order)           │
//!  │ 6. tasks   poll the woken tasks (a bounded batch)                          │
//!  └───────────────────────────────────────────────────────────────────────────┘
//!             │
//!  stop()? ──yes──► return Ok          error with no handler? ──► return Err
//! ```
//!
//! Why this order: defers first, because a defer exists to run "as soon as possible but not
//! now", and the I/O that the previous tick's callbacks prepared is what they usually wait
//! for. Timers after I/O, as in Amp, so a timeout checked in a timer sees the data that arrived
//! in the same wake-up. Tasks last, so that every waker fired by phases 1-5 gets its task polled
//! within the same tick.
//!
//! Two rules hold for every watcher kind:
//!
//! - **Nothing fires in the tick it was created or enabled in.** The tick counter advances at
//!   the poll; a watcher remembers the tick it was enabled in and is only dispatched in later
//!   ones (for defers and timers the queues give the same guarantee structurally).
//! - **A panic never leaves work behind.** Each phase pops its work from a queue that lives in
//!   the reactor's state, one item at a time. When a callback panics and no error handler is
//!   set, the tick returns the error right after that callback; what it had not done yet is
//!   still queued and the next tick (with a zero poll timeout) picks it up.

use crate::current::DrivingGuard;
use crate::reactor::Ready;
use crate::watch::arm;
use crate::watcher::callback::Arg;
use crate::watcher::table::Data;
use crate::{Handle, Result};

impl Handle {
    /// Runs the reactor until nothing keeps it alive, or until [`stop`](Handle::stop).
    ///
    /// Alive means: an enabled, referenced watcher, or an unfinished task (tasks are always
    /// referenced). `run` can be called again after it returns; watchers carry over.
    ///
    /// # Errors
    ///
    /// - [`Error::Reentrant`] when called from inside a callback or task of this reactor.
    /// - [`Error::CallbackPanicked`], [`Error::TaskFailed`], [`Error::TaskPanicked`] when a
    ///   callback panicked or a fork failed and no error handler is set. The reactor is
    ///   consistent; calling `run` again continues where it stopped.
    /// - [`Error::Io`] if polling fails.
    ///
    /// [`Error::Reentrant`]: crate::Error::Reentrant
    /// [`Error::CallbackPanicked`]: crate::Error::CallbackPanicked
    /// [`Error::TaskFailed`]: crate::Error::TaskFailed
    /// [`Error::TaskPanicked`]: crate::Error::TaskPanicked
    /// [`Error::Io`]: crate::Error::Io
    pub fn run(&self) -> Result<()> {
        let _driving = DrivingGuard::enter(self)?;
        // `stop` sets the flag only while this is true, and every way out of `run` (an error
        // included) clears both: a stop can never outlive the `run` it was meant for.
        let _running = RunGuard::enter(self);
        loop {
            if let Some(e) = self.inner.state.borrow_mut().errors.pop_front() {
                return Err(e);
            }
            if !self.is_alive() {
                return Ok(());
            }
            self.turn()?;
            if self.inner.state.borrow().stop {
                return Ok(());
            }
        }
    }

    /// Runs exactly one iteration: polls (blocking until something is due, unless work is
    /// already queued) and dispatches what is ready. When nothing could ever become due
    /// (nothing registered, or only disabled watchers and defers) it does not block;
    /// unreferenced watchers can become due, and it waits for them. [`stop`](Handle::stop)
    /// does not affect it. See [`Handle::tick_nowait`] for a tick that never blocks.
    ///
    /// # Errors
    ///
    /// As for [`Handle::run`].
    pub fn tick(&self) -> Result<()> {
        let _driving = DrivingGuard::enter(self)?;
        if let Some(e) = self.inner.state.borrow_mut().errors.pop_front() {
            return Err(e);
        }
        self.turn()
    }

    /// Makes [`run`](Handle::run) return at the end of the current tick. Outside of `run`, it
    /// does nothing: [`tick`](Handle::tick) and [`block_on`](Handle::block_on) ignore it,
    /// and it does not carry over to the next `run`.
    pub fn stop(&self) {
        let mut st = self.inner.state.borrow_mut();
        st.stop = st.in_run;
    }

    /// Whether `run` would go on: an enabled, referenced watcher or an unfinished task exists.
    pub fn is_alive(&self) -> bool {
        self.inner.state.borrow().alive_watchers() > 0 || self.inner.executor.keeps_alive()
    }

    /// One tick; the caller holds the driving guard.
    pub(crate) fn turn(&self) -> Result<()> {
        self.turn_with(false)
    }

    /// One tick; with `nonblocking`, the poll does not wait (`block_on`'s own future is
    /// runnable and must get its turn right after this tick).
    pub(crate) fn turn_with(&self, nonblocking: bool) -> Result<()> {
        self.poll_events(nonblocking)?;
        self.run_defers()?;
        self.run_io()?;
        self.run_signals()?;
        self.run_timers()?;
        self.inner.executor.run_tasks(self)?;
        Ok(())
    }

    /// Phase 2: the defers that were queued when the tick began, in enable order.
    ///
    /// "Queued when the tick began" is a position in the defer queue, taken once: a defer
    /// created or enabled by one of these callbacks goes behind it and waits for the next
    /// tick, so a defer that defers itself cannot starve I/O.
    fn run_defers(&self) -> Result<()> {
        let limit = {
            let mut st = self.inner.state.borrow_mut();
            if !st.defers.has_queued() {
                return Ok(()); // the usual tick of a busy I/O loop: no borrow beyond this one
            }
            st.defers.begin_phase()
        };
        loop {
            let Some((id, defer)) = self.inner.state.borrow_mut().defers.pop_due(limit) else { return Ok(()) };
            self.dispatch_defer(id, defer)?;
        }
    }

    /// Phase 3: level-triggered I/O watchers.
    fn run_io(&self) -> Result<()> {
        loop {
            let Some(ready) = self.inner.state.borrow_mut().ready.pop_front() else {
                return Ok(());
            };
            self.dispatch_fd(ready)?;
        }
    }

    /// Runs the watchers of one ready fd: readers, then writers, each in creation order.
    ///
    /// Nothing is re-armed afterwards: the registration is level-triggered, so a level that
    /// persists is reported again by the next poll. Such a repeat is verified before the
    /// watchers run again, because an fd number closed while a dup keeps its file open goes
    /// on reporting under our token (see `watcher/io.rs`).
    fn dispatch_fd(&self, ready: Ready) -> Result<()> {
        let (fd, ids) = {
            let mut guard = self.inner.state.borrow_mut();
            let st = &mut *guard;
            let tick = st.tick;
            let Some(entry) = st.io.get_mut(ready.key) else { return Ok(()) };
            let (fd, repeat) = (entry.fd, entry.fired_tick + 1 == tick);
            entry.fired_tick = tick;
            if repeat {
                if let Err(e) = st.io.verify(self.inner.epfd(), ready.key) {
                    self.disable_fd_watchers(st, ready.key);
                    drop(guard); // the error handler may use the reactor
                    return self.fd_lost(fd, e);
                }
            }
            let mut ids = std::mem::take(&mut st.scratch);
            ids.clear();
            let entry = st.io.get(ready.key).expect("checked above");
            if ready.readable {
                ids.extend_from_slice(&entry.readers);
            }
            if ready.writable {
                ids.extend_from_slice(&entry.writers);
            }
            (fd, ids)
        };
        let mut outcome = Ok(());
        for &id in &ids {
            if let Err(e) = self.dispatch(id, Arg::Fd(fd)) {
                outcome = Err(e);
                break;
            }
        }
        self.inner.state.borrow_mut().scratch = ids;
        outcome
    }

    /// Phase 4: signal watchers.
    fn run_signals(&self) -> Result<()> {
        {
            let mut st = self.inner.state.borrow_mut();
            let st = &mut *st;
            if std::mem::take(&mut st.signal_ready) {
                if let Some(pipe) = st.signal_pipe.as_mut() {
                    pipe.drain_into(&mut st.pending_signals);
                }
            }
        }
        loop {
            let (signo, ids) = {
                let mut st = self.inner.state.borrow_mut();
                let Some(signo) = st.pending_signals.pop_front() else { return Ok(()) };
                let ids = st.signals.watchers(signo).to_vec();
                (signo, ids)
            };
            for id in ids {
                self.dispatch(id, Arg::Signo(signo))?;
            }
        }
    }

    /// Phase 5: every timer due by the tick's `now`, earliest first, ties in arming order.
    fn run_timers(&self) -> Result<()> {
        let (now, last_old_stamp) = {
            let st = self.inner.state.borrow();
            (st.now_ns, st.last_stamp)
        };
        let mut too_new = Vec::new();
        let outcome = loop {
            let id = {
                let mut st = self.inner.state.borrow_mut();
                let st = &mut *st;
                let Some(top) = st.timers.peek().filter(|e| e.deadline <= now) else { break Ok(()) };
                let Some(id) = st.watchers.by_stamp(top.key, top.stamp) else {
                    st.timers.pop(true);
                    continue;
                };
                st.timers.pop(false);
                let enabled_this_tick = st.watchers.get(id).is_some_and(|w| w.enabled_tick >= st.tick);
                if top.stamp > last_old_stamp || enabled_this_tick {
                    // Armed during this tick (in this phase, or earlier on a clock too coarse
                    // to have moved) with a deadline that already passed: it belongs to the
                    // next tick. Popping it now would lose it, since dispatch refuses it.
                    too_new.push(top);
                    continue;
                }
                let w = st.watchers.get_mut(id).expect("live");
                w.stamp = 0;
                if let Data::Repeat { interval_ns } = w.data {
                    // Reschedule before the callback runs, so that the callback sees a
                    // consistent watcher (it may disable, cancel or re-enable it).
                    arm(st, id, next_deadline(top.deadline, interval_ns, now));
                }
                id
            };
            if let Err(e) = self.dispatch(id, Arg::None) {
                break Err(e);
            }
        };
        if !too_new.is_empty() {
            let mut st = self.inner.state.borrow_mut();
            for e in too_new {
                st.timers.push(e);
            }
        }
        outcome
    }
}

/// Marks a `run` in progress (what `stop` acts on) for as long as it lives.
struct RunGuard<'a>(&'a Handle);

impl RunGuard<'_> {
    fn enter(handle: &Handle) -> RunGuard<'_> {
        let mut st = handle.inner.state.borrow_mut();
        (st.in_run, st.stop) = (true, false);
        RunGuard(handle)
    }
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        // `try_borrow_mut` because a drop must not panic; `run` holds no borrow of the state
        // at any of its exits, so this always succeeds.
        if let Ok(mut st) = self.0.inner.state.try_borrow_mut() {
            (st.in_run, st.stop) = (false, false);
        }
    }
}

/// A repeat's next deadline after firing for `deadline` at tick time `now`: one interval
/// later, or, when that is already past (a slow callback, a long block), the first multiple
/// of the interval after `now`, so missed periods are skipped rather than burst. `None` when
/// it overflows (never fires again).
pub(crate) fn next_deadline(deadline: u64, interval: u64, now: u64) -> Option<u64> {
    if interval == 0 {
        // Once per tick: due at the next tick's `now`, which is later than this one's.
        return now.checked_add(1);
    }
    let next = deadline.checked_add(interval)?;
    if next > now {
        return Some(next);
    }
    let missed = (now - deadline) / interval;
    deadline.checked_add(interval.checked_mul(missed + 1)?)
}

#[cfg(test)]
mod tests {
    use super::next_deadline;

    #[test]
    fn next_deadline_is_drift_free_and_skips_missed_periods() {
        assert_eq!(next_deadline(100, 10, 100), Some(110), "on time: one period later");
        assert_eq!(next_deadline(100, 10, 105), Some(110), "late by less than a period");
        assert_eq!(next_deadline(100, 10, 110), Some(120), "exactly one period late: skip it");
        assert_eq!(next_deadline(100, 10, 137), Some(140), "missed periods are skipped");
        assert_eq!(next_deadline(100, 0, 137), Some(138), "zero interval: next tick");
        assert_eq!(next_deadline(u64::MAX - 1, 10, 0), None, "overflow means never");
    }
}

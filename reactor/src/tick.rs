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

use std::os::fd::RawFd;
use std::time::Duration;

use crate::current::DrivingGuard;
use crate::reactor::{Ready, State, SIGNAL_TOKEN, TIMERFD_TOKEN, WAKER_TOKEN};
use crate::watch::arm;
use crate::watcher::callback::Arg;
use crate::watcher::table::Data;
use crate::{Error, Handle, Result};

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
    pub fn run(&self) -> Result<()> {
        let _driving = DrivingGuard::enter(self)?;
        self.inner.state.borrow_mut().stop = false;
        loop {
            if let Some(e) = self.inner.state.borrow_mut().errors.pop_front() {
                return Err(e);
            }
            if !self.is_alive() {
                return Ok(());
            }
            self.turn()?;
            let mut st = self.inner.state.borrow_mut();
            if st.stop {
                st.stop = false;
                return Ok(());
            }
        }
    }

    /// Runs exactly one iteration: polls (blocking until something is due, unless work is
    /// already queued) and dispatches what is ready. With nothing registered at all it does
    /// not block.
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
    /// does nothing (each `run` starts afresh).
    pub fn stop(&self) {
        self.inner.state.borrow_mut().stop = true;
    }

    /// Whether `run` would go on: an enabled, referenced watcher or an unfinished task exists.
    pub fn is_alive(&self) -> bool {
        self.inner.state.borrow().alive_watchers() > 0 || self.inner.executor.keeps_alive()
    }

    /// One tick; the caller holds the driving guard.
    pub(crate) fn turn(&self) -> Result<()> {
        self.turn_with(false)
    }

    /// How long an idle reactor with I/O watchers waits before checking that epoll still
    /// knows their fds. An fd closed without cancelling its watcher vanishes from epoll
    /// silently: without this audit its watcher would keep `run()` waiting forever.
    const IDLE_AUDIT: Duration = Duration::from_secs(1);

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

    /// Phase 1: wait for events, then translate them.
    fn poll_events(&self, nonblocking: bool) -> Result<()> {
        let mut poll = self.inner.poll.borrow_mut();
        let mut events = self.inner.events.borrow_mut();
        loop {
            let timeout = if nonblocking { Some(Duration::ZERO) } else { self.poll_timeout()? };
            match poll.poll(&mut events, timeout) {
                Ok(()) => break,
                // A signal interrupted the wait: wait again for what is left.
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
        let idle = events.iter().all(|e| matches!(e.token(), TIMERFD_TOKEN | WAKER_TOKEN));
        // A deadline may have passed: the timerfd fired, or the poll timed out (no timerfd).
        let deadline_woke = events.is_empty() || events.iter().any(|e| e.token() == TIMERFD_TOKEN);
        let mut st = self.inner.state.borrow_mut();
        st.tick += 1;
        // `now` is what timers are compared with, so it is sampled once per tick whenever one
        // may be due. A tick with no timer pending and no deadline passed has no use for it,
        // and skips the read: on a VM the clock costs more than the rest of a tick's
        // bookkeeping (a busy I/O loop measurably slows down with it).
        if st.timers.len() > 0 || deadline_woke {
            st.now_ns = st.clock_ns();
        }
        let audit_due = deadline_woke && st.audit_at != 0 && st.audit_at <= st.now_ns;
        if audit_due {
            st.audit_at = 0; // the next poll schedules the next one
            if idle {
                drop(st);
                self.audit_fds()?;
                st = self.inner.state.borrow_mut();
            }
        }
        // Fds left over from a tick cut short by a panic: the watchers' registrations are
        // level-triggered, so whatever is still ready has just been reported again.
        st.ready.clear();
        for event in events.iter() {
            match event.token() {
                WAKER_TOKEN | TIMERFD_TOKEN => {}
                SIGNAL_TOKEN => st.signal_ready = true,
                token if token.0 & 1 == 0 => st.ready.push_back(Ready {
                    key: (token.0 >> 1) as u32,
                    readable: event.is_readable() || event.is_read_closed() || event.is_error(),
                    writable: event.is_writable() || event.is_write_closed() || event.is_error(),
                }),
                token => crate::io::source_ready(self, token, event),
            }
        }
        Ok(())
    }

    /// The idle audit: finds fds that epoll forgot (closed while watched) and handles each as
    /// `dispatch_fd` handles one closed inside a callback ([`Handle::fd_lost`]).
    fn audit_fds(&self) -> Result<()> {
        let lost = {
            let mut st = self.inner.state.borrow_mut();
            let st = &mut *st;
            let keys = st.io.lost_registrations(self.inner.epfd());
            keys.into_iter().filter_map(|key| self.disable_fd_watchers(st, key)).collect::<Vec<_>>()
        };
        for fd in lost {
            self.fd_lost(fd, std::io::ErrorKind::NotFound.into())?;
        }
        Ok(())
    }

    /// Disables every watcher of fd entry `key` and returns its fd. For an fd that epoll no
    /// longer knows: its watchers would otherwise wait forever and keep `run()` alive.
    /// Cancelling them stays the user's job.
    fn disable_fd_watchers(&self, st: &mut State, key: u32) -> Option<RawFd> {
        let entry = st.io.get(key)?;
        let fd = entry.fd;
        let ids: Vec<_> = [&entry.readers[..], &entry.writers[..]].concat();
        for id in ids {
            self.disable_locked(st, id);
        }
        Some(fd)
    }

    /// Reports that `fd` was closed (or its number reused) while watched, after its watchers
    /// were disabled: the one error both detection paths give.
    fn fd_lost(&self, fd: RawFd, cause: std::io::Error) -> Result<()> {
        let msg = format!("fd {fd} was closed while watched; its watchers are now disabled: {cause}");
        self.report(Error::Io(std::io::Error::new(cause.kind(), msg)))
    }

    /// How long phase 1 may block. Arms the timerfd for the earliest deadline, and for the
    /// idle audit when fd watchers are enabled.
    ///
    /// With a timerfd the `epoll_wait` itself waits without a timeout: the timerfd wakes it.
    /// A finite timeout is not free: the kernel reads the clock and sets up a timer of its own
    /// on every call that has one, which is measurable on a busy loop (the ping-pong bench).
    fn poll_timeout(&self) -> Result<Option<Duration>> {
        let mut st = self.inner.state.borrow_mut();
        let st = &mut *st;
        let queued = st.defers.has_queued()
            || !st.ready.is_empty()
            || !st.pending_signals.is_empty()
            || st.signal_ready
            || st.stop
            || self.inner.executor.has_runnable();
        if queued {
            return Ok(Some(Duration::ZERO));
        }
        // Drop tombstones from the top, so a cancelled timer cannot cut the wait short.
        while let Some(top) = st.timers.peek() {
            if st.watchers.by_stamp(top.key, top.stamp).is_some() {
                break;
            }
            st.timers.pop(true);
        }
        let mut deadline = st.timers.peek().map(|top| top.deadline);
        // The tick's cached time: reading the clock costs more than a whole tick's bookkeeping
        // on some machines (a VM's clock), so a fresh reading is taken only to arm the timerfd.
        if deadline.is_some_and(|d| d <= st.now_ns) {
            return Ok(Some(Duration::ZERO));
        }
        if st.watchers.enabled_of(crate::WatcherKind::Readable) + st.watchers.enabled_of(crate::WatcherKind::Writable)
            > 0
        {
            // The idle audit (see `audit_fds`): wake at least once per `IDLE_AUDIT`. Scheduled
            // once, from a fresh clock reading, and again only after it came due, so a busy
            // loop arms nothing new.
            if st.audit_at == 0 {
                st.audit_at = st.clock_ns().saturating_add(Self::IDLE_AUDIT.as_nanos() as u64);
            }
            deadline = Some(deadline.map_or(st.audit_at, |d| d.min(st.audit_at)));
        }
        if let Some(deadline) = deadline {
            if st.timerfd.as_ref().is_some_and(|tfd| tfd.is_armed_for(deadline)) {
                return Ok(None); // it will wake the poll at the deadline
            }
            let now = st.clock_ns();
            let Some(wait) = deadline.checked_sub(now).filter(|w| *w > 0).map(Duration::from_nanos) else {
                return Ok(Some(Duration::ZERO));
            };
            return match st.timerfd.as_mut() {
                Some(tfd) => {
                    tfd.arm(deadline, wait)?;
                    Ok(None)
                }
                // mio rounds the timeout *up* to whole milliseconds, so even without the
                // timerfd a timer can only be late, never early.
                None => Ok(Some(wait)),
            };
        }
        let ex = &self.inner.executor;
        let nothing_registered = st.watchers.len() == 0
            && st.defers.iter().next().is_none()
            && !ex.has_tasks()
            && ex.blocking_in_flight() == 0
            && crate::io::source_count(self) == 0;
        if nothing_registered {
            return Ok(Some(Duration::ZERO)); // nothing could ever wake us
        }
        Ok(None)
    }

    /// Phase 2: the defers that were queued when the tick began, in enable order.
    ///
    /// "Queued when the tick began" is a position in the defer queue, taken once: a defer
    /// created or enabled by one of these callbacks goes behind it and waits for the next
    /// tick, so a defer that defers itself cannot starve I/O.
    fn run_defers(&self) -> Result<()> {
        let limit = self.inner.state.borrow_mut().defers.begin_phase();
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

//! Phase 1 of a tick: how long to wait, the wait itself, and what it reported.
//!
//! - **How long** ([`poll_timeout`]): not at all when work is already queued; else
//!   until the earliest timer deadline, or the next idle audit when fd watchers are enabled,
//!   whichever comes first. With a timerfd (Linux) that deadline is armed on the timerfd and
//!   `epoll_wait` itself gets no timeout (see the method for why).
//! - **The wait**: one `epoll_wait` through mio. A signal interrupting it just waits again.
//!   A tick of `run` or `block_on` with only queued work may skip it (`busy.rs`: the rule
//!   and its fairness bound).
//! - **What it reported**: the tick counter advances, `now` is sampled (when a timer could
//!   be due), ready fds are queued for phase 3, a signal sets a flag for phase 4, and async
//!   I/O sources wake their tasks at once (phase 6 polls them).
//! - **The idle audit** ([`audit_fds`]): once a second of idleness, every watched fd
//!   is checked against epoll, so that an fd closed without cancelling its watcher becomes a
//!   clear error instead of a `run()` that never returns. It runs on the real clock, paused
//!   or not: it is about fds, not timers, and on a virtual clock that jumps it would either
//!   never come due or come due at every jump.
//! - **A paused clock** ([`paused_wait`]): instead of waiting for the earliest deadline,
//!   poll with no timeout, and when nothing at all was ready, jump the virtual clock to that
//!   deadline (see `core/paused.rs`).

use std::os::fd::RawFd;
use std::time::Duration;

use super::state::{Handle, Ready, State, EVENTS_CAPACITY};
use super::{error_handler, lifecycle, timers};
use crate::error::{Error, Result};
use crate::id::WatcherKind;
use crate::token::{decode, TokenKind};

/// How long an idle reactor with I/O watchers waits before checking that epoll still
/// knows their fds. An fd closed without cancelling its watcher vanishes from epoll
/// silently: without this audit its watcher would keep `run()` waiting forever.
const IDLE_AUDIT: Duration = Duration::from_secs(1);

/// Phase 1: wait for events, then translate them. A tick `driven` by `run` or `block_on`
/// may leave the kernel out when work is queued (see `busy.rs` for when, and its bound).
pub(crate) fn poll_events(h: &Handle, nonblocking: bool, driven: bool) -> Result<()> {
    let mut poll = h.inner.poll.borrow_mut();
    let mut events = h.inner.events.borrow_mut();
    let paused = h.inner.state.borrow().virtual_ns.is_some();
    // A paused clock's jump, if the poll finds nothing ready.
    let mut jump_to = None;
    let skipped = driven && skip_kernel_poll(h);
    if skipped {
        events.clear();
    } else {
        loop {
            let timeout = match (nonblocking, paused) {
                (true, _) => Some(Duration::ZERO),
                (false, false) => poll_timeout(h)?,
                (false, true) => {
                    let wait = paused_wait(h)?;
                    jump_to = wait.jump_to;
                    wait.timeout
                }
            };
            match poll.poll(&mut events, timeout) {
                Ok(()) => break,
                // A signal interrupted the wait: wait again for what is left.
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
        h.inner.state.borrow_mut().busy.polled();
    }
    // A deadline may have passed: the timerfd fired, or the poll timed out (no timerfd).
    let mut deadline_woke = events.is_empty() && !skipped;
    // Nothing but the timerfd or a remote wake: the condition of the idle audit.
    let mut idle = true;
    let mut st = h.inner.state.borrow_mut();
    st.tick += 1;
    // A full buffer may have left events in epoll (see `State::maybe_ready`).
    let mut reported = 0;
    // Fds left over from a tick cut short by a panic: the watchers' registrations are
    // level-triggered, so whatever is still ready is reported again by this poll.
    st.ready.clear();
    for event in events.iter() {
        reported += 1;
        match decode(event.token()) {
            TokenKind::Waker => {}
            TokenKind::Timerfd => deadline_woke = true,
            TokenKind::Signal => (st.signal_ready, idle) = (true, false),
            TokenKind::Fd(key) => {
                idle = false;
                st.ready.push_back(Ready {
                    key,
                    readable: event.is_readable() || event.is_read_closed() || event.is_error(),
                    writable: event.is_writable() || event.is_write_closed() || event.is_error(),
                });
            }
            // An async source: its tasks are woken now (which borrows no reactor state).
            TokenKind::Source(key) => {
                idle = false;
                source_ready(h, key, event);
            }
        }
    }
    st.maybe_ready = !st.ready.is_empty() || reported == EVENTS_CAPACITY;
    if let (Some(to), 0) = (jump_to, reported) {
        // Nothing is ready and nothing but time can change that: time passes, at once.
        st.virtual_ns = st.virtual_ns.map(|ns| ns.max(to));
    }
    // `now` is what timers are compared with, so it is sampled once per tick whenever one
    // may be due. A tick with no timer pending and no deadline passed has no use for it,
    // and skips the read: on a VM the clock costs more than the rest of a tick's
    // bookkeeping (a busy I/O loop measurably slows down with it).
    st.now_fresh = st.timers.len() > 0 || deadline_woke;
    if st.now_fresh {
        st.now_ns = st.clock_ns();
    }
    // The audit's schedule is on the real clock (see the module docs); unpaused, that is
    // the tick's `now` already read.
    let audit_now = if paused { st.real_ns() } else { st.now_ns };
    if deadline_woke && st.audit_at != 0 && st.audit_at <= audit_now {
        st.audit_at = 0; // the next poll schedules the next one
        if idle {
            drop(st);
            audit_fds(h)?;
        }
    }
    Ok(())
}

/// Whether this tick leaves the kernel out (`busy.rs`): only work is queued, and the last
/// kernel poll reported no fd.
fn skip_kernel_poll(h: &Handle) -> bool {
    let mut st = h.inner.state.borrow_mut();
    let quiet = st.ready.is_empty() && !st.maybe_ready && st.pending_signals.is_empty() && !st.signal_ready;
    let queued = quiet && (st.defers.has_queued() || h.inner.executor.has_runnable());
    st.busy.may_skip(quiet, queued)
}

/// The idle audit: finds fds that epoll forgot (closed while watched) and handles each as
/// `dispatch_fd` handles one closed inside a callback ([`fd_lost`]).
fn audit_fds(h: &Handle) -> Result<()> {
    let lost = {
        let mut st = h.inner.state.borrow_mut();
        let st = &mut *st;
        let keys = st.io.lost_registrations(h.inner.epfd());
        keys.into_iter().filter_map(|key| lifecycle::disable_fd_watchers(h, st, key)).collect::<Vec<_>>()
    };
    for fd in lost {
        fd_lost(h, fd, std::io::ErrorKind::NotFound.into())?;
    }
    Ok(())
}

/// Reports that `fd` was closed (or its number reused) while watched, after its watchers
/// were disabled: the one error both detection paths give.
pub(crate) fn fd_lost(h: &Handle, fd: RawFd, cause: std::io::Error) -> Result<()> {
    let msg = format!("fd {fd} was closed while watched; its watchers are now disabled: {cause}");
    error_handler::report(&h.inner.error_handler, Error::Io(std::io::Error::new(cause.kind(), msg)))
}

/// How long phase 1 may block. Arms the timerfd for the earliest deadline, and for the
/// idle audit when fd watchers are enabled.
///
/// With a timerfd the `epoll_wait` itself waits without a timeout: the timerfd wakes it.
/// A finite timeout is not free: the kernel reads the clock and sets up a timer of its own
/// on every call that has one, which is measurable on a busy loop (the ping-pong bench).
pub(crate) fn poll_timeout(h: &Handle) -> Result<Option<Duration>> {
    let mut st = h.inner.state.borrow_mut();
    let st = &mut *st;
    if has_queued_work(h, st) {
        return Ok(Some(Duration::ZERO));
    }
    let mut deadline = timers::earliest_deadline(st);
    // The tick's cached time: reading the clock costs more than a whole tick's bookkeeping
    // on some machines (a VM's clock), so a fresh reading is taken only to arm the timerfd.
    if deadline.is_some_and(|d| d <= st.now_ns) {
        return Ok(Some(Duration::ZERO));
    }
    if let Some(audit_at) = schedule_audit(st) {
        deadline = Some(deadline.map_or(audit_at, |d| d.min(audit_at)));
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
    if !could_become_due(h, st) {
        return Ok(Some(Duration::ZERO)); // nothing could ever wake us
    }
    Ok(None)
}

/// The idle audit (see `audit_fds`) when fd watchers are enabled: wake at least once per
/// `IDLE_AUDIT`. Scheduled once, from a fresh reading of the real clock, and again only after
/// it came due, so a busy loop arms nothing new. (Unpaused, the real clock is the clock.)
fn schedule_audit(st: &mut State) -> Option<u64> {
    if st.watchers.enabled_of(WatcherKind::Readable) + st.watchers.enabled_of(WatcherKind::Writable) == 0 {
        return None;
    }
    if st.audit_at == 0 {
        st.audit_at = st.real_ns().saturating_add(IDLE_AUDIT.as_nanos() as u64);
    }
    Some(st.audit_at)
}

/// Phase 1's wait on a paused clock: how long to block, and where to jump the clock if that
/// poll reports nothing.
#[derive(Debug)]
struct PausedWait {
    timeout: Option<Duration>,
    jump_to: Option<u64>,
}

/// [`poll_timeout`] for a paused clock. Where a real clock would wait for the earliest
/// deadline, poll with a zero timeout and jump to that deadline if nothing was ready: real
/// I/O, signals and wakes from other threads are handled first, at the time they happen, and
/// the clock only moves when the reactor is idle. Two things make it wait in real time
/// instead:
///
/// - a `spawn_blocking` job in flight: its result is coming without any time passing on the
///   reactor's clock, so jumping would let a timeout beat a job that is about to finish
///   (wait for the job: its completion wakes the poll);
/// - the idle audit, which is on the real clock (no timer pending, fd watchers enabled).
///
/// The timerfd is never armed: nothing is ever due in real time but the audit.
fn paused_wait(h: &Handle) -> Result<PausedWait> {
    let mut st = h.inner.state.borrow_mut();
    let st = &mut *st;
    let now = PausedWait { timeout: Some(Duration::ZERO), jump_to: None };
    if has_queued_work(h, st) {
        return Ok(now);
    }
    let deadline = timers::earliest_deadline(st);
    if deadline.is_some_and(|d| d <= st.clock_ns()) {
        return Ok(now);
    }
    if let Some(d) = deadline {
        if h.inner.executor.blocking_in_flight() == 0 {
            return Ok(PausedWait { timeout: Some(Duration::ZERO), jump_to: Some(d) });
        }
    }
    let audit = schedule_audit(st).map(|at| Duration::from_nanos(at.saturating_sub(st.real_ns())));
    if audit.is_none() && deadline.is_none() && !could_become_due(h, st) {
        return Ok(now); // nothing could ever wake us
    }
    Ok(PausedWait { timeout: audit, jump_to: None })
}

/// Whether the next tick has work without waiting for any event.
pub(crate) fn has_queued_work(h: &Handle, st: &State) -> bool {
    st.defers.has_queued()
        || !st.ready.is_empty()
        || !st.pending_signals.is_empty()
        || st.signal_ready
        || h.inner.executor.has_runnable()
}

/// Whether anything registered could become due without the user acting first: an
/// enabled watcher of any kind (referenced or not: an unreferenced timer still fires if
/// someone waits), a task, a blocking job, an async I/O source. Disabled watchers and
/// parked defers cannot; a tick that has only those returns instead of waiting forever.
/// (Queued work is checked before this: enabled defers are queued.)
pub(crate) fn could_become_due(h: &Handle, st: &State) -> bool {
    let ex = &h.inner.executor;
    WatcherKind::ALL.iter().any(|&kind| st.watchers.enabled_of(kind) > 0)
        || st.defers.has_queued()
        || ex.has_tasks()
        || ex.blocking_in_flight() > 0
        || h.inner.sources.borrow().len() > 0
}

/// Phase 1 hands each event of an async source here: its tasks are woken now.
fn source_ready(h: &Handle, key: usize, event: &mio::event::Event) {
    let wake = h.inner.sources.borrow_mut().ready(key, event);
    if wake.iter().all(Option::is_none) {
        return;
    }
    for w in wake.iter().flatten() {
        w.wake_by_ref();
    }
    h.inner.sources.borrow_mut().keep(key, wake);
}

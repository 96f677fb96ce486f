//! One iteration of the reactor, phase by phase. Read this file first.
//!
//! ```text
//!  run() ──► alive? ──no──► return Ok
//!             │yes
//!             ▼
//!  ┌─ tick ────────────────────────────────────────────────────────────────────┐
//!  │ 1. poll    compute the timeout (0 if work is queued; else the earliest     │
//!  │            deadline, via the timerfd), block in epoll_wait (a busy tick of │
//!  │            `run`/`block_on` may skip it: see `busy.rs`), sample `now`,     │
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

use super::arm_window::Window;
use super::callback::Arg;
use super::driving::DrivingGuard;
use super::error_handler::report;
use super::state::{Handle, Ready};
use super::{dispatch, lifecycle, poll, timers};
use crate::error::Result;

/// `Handle::run`: ticks until nothing keeps the reactor alive, or until `stop`.
pub(crate) fn run(h: &Handle) -> Result<()> {
    let _driving = DrivingGuard::enter(h)?;
    // `stop` sets the flag only while this is true, and every way out of `run` (an error
    // included) clears both: a stop can never outlive the `run` it was meant for.
    let _running = RunGuard::enter(h);
    loop {
        if let Some(e) = h.inner.state.borrow_mut().errors.pop_front() {
            return Err(e);
        }
        if !is_alive(h) {
            return Ok(());
        }
        turn(h)?;
        if h.inner.state.borrow().stop {
            return Ok(());
        }
    }
}

/// `Handle::tick` (`nonblocking: false`) and `Handle::tick_nowait` (`true`): one tick, after
/// the errors left by the last one.
pub(crate) fn tick(h: &Handle, nonblocking: bool) -> Result<()> {
    let _driving = DrivingGuard::enter(h)?;
    if let Some(e) = h.inner.state.borrow_mut().errors.pop_front() {
        return Err(e);
    }
    turn_with(h, nonblocking, false)
}

/// `Handle::stop`: only inside a `run`.
pub(crate) fn stop(h: &Handle) {
    let mut st = h.inner.state.borrow_mut();
    st.stop = st.in_run;
}

/// Whether `run` would go on: an enabled, referenced watcher or an unfinished task exists.
pub(crate) fn is_alive(h: &Handle) -> bool {
    h.inner.state.borrow().alive_watchers() > 0 || h.inner.executor.keeps_alive()
}

/// One tick of `run`; the caller holds the driving guard.
pub(crate) fn turn(h: &Handle) -> Result<()> {
    turn_with(h, false, true)
}

/// One tick; with `nonblocking`, the poll does not wait (`block_on`'s own future is
/// runnable and must get its turn right after this tick, or the caller asked for no wait).
/// A tick `driven` by `run` or `block_on` (not one the user asked for with `tick`) may skip
/// the kernel poll while work is queued: `busy.rs` has the rule and its fairness bound.
pub(crate) fn turn_with(h: &Handle, nonblocking: bool, driven: bool) -> Result<()> {
    poll::poll_events(h, nonblocking, driven)?;
    trace_tick(h);
    // Timers armed by the callbacks of phases 2-4 and 6 cost one clock read per window, not
    // one each; the window is flushed before phase 5 and however the tick ends (`arm_window.rs`).
    let window = Window::open(h);
    run_defers(h)?;
    run_io(h)?;
    run_signals(h)?;
    window.close();
    run_timers(h)?;
    window.reopen();
    let polled = h.inner.executor.run_tasks(&mut |e| report(&h.inner.error_handler, e))?;
    if polled > 0 {
        h.inner.state.borrow_mut().busy.ran(polled);
    }
    drop(window); // flushed before `tick` returns and the next poll reads a deadline
    Ok(())
}

/// One `trace` line per tick, after the poll: what it found. A single atomic load when trace
/// logging is off (`log_enabled!`), and nothing inside the per-event loops.
fn trace_tick(h: &Handle) {
    if log::log_enabled!(log::Level::Trace) {
        let st = h.inner.state.borrow();
        log::trace!(
            "tick {}: {} ready fds, {} signals, defers queued: {}, {} timers, {} tasks",
            st.tick,
            st.ready.len(),
            st.pending_signals.len(),
            st.defers.has_queued(),
            st.timers.len(),
            h.inner.executor.task_count(),
        );
    }
}

/// Phase 2: the defers that were queued when the tick began, in enable order.
///
/// "Queued when the tick began" is a position in the defer queue, taken once: a defer
/// created or enabled by one of these callbacks goes behind it and waits for the next
/// tick, so a defer that defers itself cannot starve I/O.
fn run_defers(h: &Handle) -> Result<()> {
    let limit = {
        let mut st = h.inner.state.borrow_mut();
        if !st.defers.has_queued() {
            return Ok(()); // the usual tick of a busy I/O loop: no borrow beyond this one
        }
        st.defers.begin_phase()
    };
    loop {
        let Some((id, defer)) = ({
            let mut st = h.inner.state.borrow_mut();
            let popped = st.defers.pop_due(limit);
            st.busy.ran(usize::from(popped.is_some())); // for the poll-skipping rule (`busy.rs`)
            popped
        }) else {
            return Ok(());
        };
        dispatch::dispatch_defer(h, id, defer)?;
    }
}

/// Phase 3: level-triggered I/O watchers.
fn run_io(h: &Handle) -> Result<()> {
    loop {
        let Some(ready) = h.inner.state.borrow_mut().ready.pop_front() else {
            return Ok(());
        };
        dispatch_fd(h, ready)?;
    }
}

/// Runs the watchers of one ready fd: readers, then writers, each in creation order.
///
/// Nothing is re-armed afterwards: the registration is level-triggered, so a level that
/// persists is reported again by the next poll. Such repeats are verified now and then
/// (`IoTable::fired`: at a rate that falls with every check passed, so that a busy fd pays
/// next to nothing), because an fd number closed while a dup keeps its file open goes on
/// reporting under our token (see `watcher/io.rs`).
fn dispatch_fd(h: &Handle, ready: Ready) -> Result<()> {
    let (fd, ids) = {
        let mut guard = h.inner.state.borrow_mut();
        let st = &mut *guard;
        let Some(fd) = st.io.get(ready.key).map(|entry| entry.fd) else { return Ok(()) };
        if let Err(e) = st.io.fired(h.inner.epfd(), ready.key, st.tick) {
            lifecycle::disable_fd_watchers(h, st, ready.key);
            drop(guard); // the error handler may use the reactor
            return poll::fd_lost(h, fd, e);
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
        if let Err(e) = dispatch::dispatch(h, id, Arg::Fd(fd)) {
            outcome = Err(e);
            break;
        }
    }
    h.inner.state.borrow_mut().scratch = ids;
    outcome
}

/// Phase 4: signal watchers.
fn run_signals(h: &Handle) -> Result<()> {
    {
        let mut st = h.inner.state.borrow_mut();
        let st = &mut *st;
        if std::mem::take(&mut st.signal_ready) {
            if let Some(pipe) = st.signal_pipe.as_mut() {
                pipe.drain_into(&mut st.pending_signals);
            }
        }
    }
    loop {
        let (signo, ids) = {
            let mut st = h.inner.state.borrow_mut();
            let Some(signo) = st.pending_signals.pop_front() else { return Ok(()) };
            let ids = st.signals.watchers(signo).to_vec();
            (signo, ids)
        };
        for id in ids {
            dispatch::dispatch(h, id, Arg::Signo(signo))?;
        }
    }
}

/// Phase 5: every timer due by the tick's `now`, earliest first, ties in arming order.
fn run_timers(h: &Handle) -> Result<()> {
    let (now, last_old_stamp) = {
        let st = h.inner.state.borrow();
        (st.now_ns, st.last_stamp)
    };
    let outcome = loop {
        let Some(id) = timers::pop_due(&mut h.inner.state.borrow_mut(), now, last_old_stamp) else {
            break Ok(());
        };
        if let Err(e) = dispatch::dispatch(h, id, Arg::None) {
            break Err(e);
        }
    };
    // The timers armed during this tick that were already due: theirs is the next tick.
    h.inner.state.borrow_mut().timers.release();
    outcome
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

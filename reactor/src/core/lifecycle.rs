//! A watcher's life: created ([`insert`] and its short paths), enabled, disabled, referenced,
//! cancelled. Every creation path ends in [`insert`] (or its short paths for defers and
//! timers), and every enable in [`enable_locked`]: the places that decide when a watcher
//! becomes due. The `*_locked` functions work on a state the caller has borrowed.

//!
//! # Watchers left on a closed fd
//!
//! Found when another file takes the fd's number, disabled, and reported as
//! [`Error::StaleFdWatcher`].
//!
//! Closing an fd without cancelling its watchers is a user error, but a common one, and the
//! kernel hands the freed number to the next file opened. Left alone, the old watchers would
//! share the new file's fd entry and run on its events (spinning on data they never read,
//! keeping `run()` alive forever). So a watcher created on a number that already has an entry
//! first checks that the number still names that entry's file ([`IoTable::attach`] says how,
//! at a syscall or two per creation and none per event). If not:
//!
//! - the old entry is forgotten (it owns neither the number nor any registration any more),
//!   and its watchers are disabled, as the idle audit does for an fd epoll lost: they never
//!   run again, and no longer keep `run()` alive. Cancelling them stays the user's job, and
//!   enabling one fails;
//! - the new watcher gets an entry and a registration of its own, and works normally;
//! - the error, naming the fd and where the oldest stale watcher was created, goes the way
//!   every reactor error goes: to the error handler (at once, from the creating call), or
//!   without one out of the next `run`, `tick` or `block_on`. Creating the new watcher
//!   succeeds either way: the mistake was the old watcher's.
//!
//! Closing an fd whose watchers are gone before its number is reused is found by the idle
//! audit and `dispatch_fd` instead (`core/poll.rs`, `core/tick.rs`).
//!
//! [`IoTable::attach`]: crate::watcher::io::IoTable::attach

use std::os::fd::RawFd;

use super::state::{Callback, Handle, OnceFn, State};
use super::{error_handler, timers};
use crate::defer_queue::Defer;
use crate::error::{Error, Result};
use crate::id::{is_defer, WatcherId};
use crate::sys::signals::SignalPipe;
use crate::token::SIGNAL_TOKEN;
use crate::watcher::table::{Data, Watcher};

/// Stores a defer: the short path, one borrow and one push (see `defer_queue.rs`).
pub(crate) fn insert_defer(h: &Handle, defer: Defer<OnceFn>, enabled: bool) -> WatcherId {
    let mut st = h.inner.state.borrow_mut();
    let st = &mut *st;
    let generation = st.watchers.generations.next();
    match enabled {
        true => st.defers.push(generation, defer),
        false => st.defers.park(generation, defer),
    }
}

/// Stores an I/O or signal watcher, attaches it to its fd or signal, and applies the
/// options. (Timers and defers take the short paths above.)
pub(crate) fn insert(h: &Handle, watcher: Watcher<Callback>, enabled: bool, referenced: bool) -> Result<WatcherId> {
    let data = watcher.data;
    let mut guard = h.inner.state.borrow_mut();
    let st = &mut *guard;
    let id = st.watchers.insert(watcher);
    // Watchers found left on a closed fd with this number: reported once the borrow is
    // released, whatever becomes of this watcher (see "Watchers left on a closed fd" above).
    let mut stale = None;
    let attached = match data {
        Data::Io { fd, writable, .. } => {
            let fd_key;
            (fd_key, stale) = attach_fd(h, st, fd, id, writable);
            let w = st.watchers.get_mut(id).expect("just inserted");
            w.data = Data::Io { fd_key, fd, writable };
            Ok(())
        }
        Data::Signal { signo } => attach_signal(h, st, signo, id),
        _ => Ok(()),
    };
    let attach_failed = attached.is_err();
    let outcome = attached.and_then(|()| {
        st.watchers.set_referenced(id, referenced);
        if enabled {
            enable_locked(h, st, id)?;
        }
        Ok(id)
    });
    if outcome.is_ok() {
        drop(guard);
        report_stale_fd(h, stale);
        return outcome;
    }
    // Undo, and drop the callback only after releasing the borrow (its captures may use
    // the reactor when dropped).
    let rejected = match data {
        Data::Signal { .. } if attach_failed => st.watchers.remove(id),
        _ => detach_locked(h, st, id),
    };
    drop(guard);
    drop(rejected);
    report_stale_fd(h, stale);
    outcome
}

fn attach_signal(h: &Handle, st: &mut State, signo: i32, id: WatcherId) -> Result<()> {
    if st.signal_pipe.is_none() {
        let pipe = SignalPipe::new(&h.inner.registry, SIGNAL_TOKEN)?;
        st.signal_pipe = Some(pipe);
    }
    crate::sys::signals::watch(signo)?;
    if let Err(e) = st.signal_pipe.as_mut().expect("created above").add(signo) {
        crate::sys::signals::unwatch(signo);
        return Err(e.into());
    }
    st.signals.attach(signo, id);
    Ok(())
}

/// Enables watcher `id` in tick `st.tick`: it becomes due from the next tick on. A timer
/// restarts its full delay (a repeat its interval).
pub(crate) fn enable_locked(h: &Handle, st: &mut State, id: WatcherId) -> Result<()> {
    if is_defer(id) {
        return st.defers.enable(id).map(drop).ok_or(Error::InvalidWatcher(id));
    }
    let tick = st.tick;
    let w = st.watchers.get(id).ok_or(Error::InvalidWatcher(id))?;
    let data = w.data;
    if !st.watchers.set_enabled(id, true, tick) {
        return Ok(()); // already enabled: nothing changes, not even the deadline
    }
    match data {
        Data::Delay { after_ns: after } | Data::Repeat { interval_ns: after } => timers::arm_after(st, id, after),
        Data::Io { fd_key, .. } => {
            if let Err(e) = st.io.sync(h.inner.epfd(), fd_key, &st.watchers) {
                st.watchers.set_enabled(id, false, tick);
                return Err(e.into());
            }
        }
        Data::Signal { .. } => {}
    }
    Ok(())
}

/// Disables watcher `id` at once; a defer's queued entry becomes a tombstone, a timer's
/// heap entry is removed, and an fd's interest narrows to its watchers still enabled. Returns whether it was
/// enabled.
pub(crate) fn disable_locked(h: &Handle, st: &mut State, id: WatcherId) -> bool {
    if is_defer(id) {
        return st.defers.disable(id);
    }
    let Some(data) = st.watchers.get(id).map(|w| w.data) else { return false };
    if !st.watchers.set_enabled(id, false, st.tick) {
        return false;
    }
    match data {
        // Only a timer has a heap entry (the invariant in `timers.rs`).
        Data::Delay { .. } | Data::Repeat { .. } => timers::disarm(st, id),
        // Narrowing or dropping a registration cannot fail in a way that matters: a fd
        // that is gone is out of epoll already (a wider interest could only spin).
        Data::Io { fd_key, .. } => drop(st.io.sync(h.inner.epfd(), fd_key, &st.watchers)),
        Data::Signal { .. } => {}
    }
    true
}

/// Disables and removes watcher `id`, detaching it from its fd or signal. The caller drops
/// the returned watcher (its callback) after releasing the state borrow.
pub(crate) fn detach_locked(h: &Handle, st: &mut State, id: WatcherId) -> Option<Watcher<Callback>> {
    let w = st.watchers.remove(id)?;
    timers::disarm(st, id);
    match w.data {
        Data::Io { fd_key, .. } => st.io.detach(h.inner.epfd(), fd_key, id, &st.watchers),
        Data::Signal { signo } => {
            st.signals.detach(signo, id);
            crate::sys::signals::unwatch(signo);
        }
        _ => {}
    }
    Some(w)
}

/// Enables a watcher. It becomes due from the next tick on; a timer restarts its full
/// delay. Enabling an enabled watcher changes nothing.
///
/// # Errors
///
/// [`Error::InvalidWatcher`] if `id` is not live; [`Error::Io`] if an I/O watcher's fd can
/// no longer be registered (it was closed).
pub(crate) fn enable(h: &Handle, id: WatcherId) -> Result<()> {
    let mut st = h.inner.state.borrow_mut();
    enable_locked(h, &mut st, id)
}

/// Disables a watcher, at once: if it was due in the current tick, it does not run. A
/// no-op for a disabled or dead id.
pub(crate) fn disable(h: &Handle, id: WatcherId) {
    let mut st = h.inner.state.borrow_mut();
    disable_locked(h, &mut st, id);
}

/// Cancels a watcher: it never runs again, its slot and callback are freed now. A no-op
/// for a dead id, so a callback may cancel itself and cleanup code may cancel twice.
pub(crate) fn cancel(h: &Handle, id: WatcherId) {
    let (callback, defer) = {
        let mut st = h.inner.state.borrow_mut();
        let st = &mut *st;
        if is_defer(id) {
            (None, st.defers.remove(id))
        } else {
            (cancel_watcher(h, st, id), None)
        }
    };
    // Dropped here, outside the borrow: the callback's captures may use the reactor.
    drop((callback, defer));
}

/// [`cancel`] of a watcher that is no defer: removes it, handing back its callback.
fn cancel_watcher(h: &Handle, st: &mut State, id: WatcherId) -> Option<Callback> {
    match st.watchers.get(id).map(|w| w.data) {
        // A timer's short path: nothing to detach but its heap entry, and only the
        // callback leaves the table (not the whole watcher, copied through each frame).
        Some(Data::Delay { .. } | Data::Repeat { .. }) => {
            timers::disarm(st, id);
            st.watchers.remove(id).and_then(|w| w.callback)
        }
        _ => detach_locked(h, st, id).and_then(|w| w.callback),
    }
}

/// Makes an enabled watcher keep `run()` going again (the default).
///
/// # Errors
///
/// [`Error::InvalidWatcher`] if `id` is not live.
pub(crate) fn reference(h: &Handle, id: WatcherId) -> Result<()> {
    let mut st = h.inner.state.borrow_mut();
    if is_defer(id) {
        return st.defers.set_referenced(id, true).map(drop).ok_or(Error::InvalidWatcher(id));
    }
    st.watchers.get(id).ok_or(Error::InvalidWatcher(id))?;
    st.watchers.set_referenced(id, true);
    Ok(())
}

/// Lets `run()` return even while this watcher is enabled. A no-op for a dead id.
pub(crate) fn unreference(h: &Handle, id: WatcherId) {
    let mut st = h.inner.state.borrow_mut();
    match is_defer(id) {
        true => drop(st.defers.set_referenced(id, false)),
        false => drop(st.watchers.set_referenced(id, false)),
    }
}

/// Disables every watcher of fd entry `key` and returns its fd. For an fd that epoll no
/// longer knows: its watchers would otherwise wait forever and keep `run()` alive.
/// Cancelling them stays the user's job. The entry is forgotten first, so that nothing
/// is deleted from epoll by a number that may name another file now.
pub(crate) fn disable_fd_watchers(h: &Handle, st: &mut State, key: u32) -> Option<RawFd> {
    st.io.forget(key);
    let entry = st.io.get(key)?;
    let fd = entry.fd;
    let ids: Vec<_> = [&entry.readers[..], &entry.writers[..]].concat();
    log::debug!("fd {fd} was closed while watched: its {} watcher(s) are disabled (cancel before closing)", ids.len());
    for id in ids {
        disable_locked(h, st, id);
    }
    Some(fd)
}

/// Attaches I/O watcher `id` to `fd`'s entry and returns the entry's key, plus the error
/// to report when watchers left on a closed fd with this number were found (and disabled).
pub(crate) fn attach_fd(h: &Handle, st: &mut State, fd: RawFd, id: WatcherId, writable: bool) -> (u32, Option<Error>) {
    let (key, stale) = st.io.attach(h.inner.epfd(), fd, id, writable);
    (key, stale.and_then(|old| disable_stale(h, st, old)))
}

/// Disables the watchers of entry `old`, which outlived its fd, and describes them.
fn disable_stale(h: &Handle, st: &mut State, old: u32) -> Option<Error> {
    let entry = st.io.get(old)?;
    // Generations grow with creation: the smallest is the watcher made first.
    let oldest = entry.readers.iter().chain(&entry.writers).min_by_key(|id| id.generation).copied()?;
    let stale = entry.readers.len() + entry.writers.len();
    let w = st.watchers.get(oldest)?;
    let (kind, created_at) = (w.kind(), w.created_at);
    let fd = disable_fd_watchers(h, st, old)?;
    Some(Error::StaleFdWatcher { fd, watcher: oldest, kind, created_at, stale })
}

/// Hands `stale` (from [`attach_fd`]) to the error handler, or without one
/// queues it to come out of the next `run`, `tick` or `block_on`. Called with no state
/// borrowed: the handler may use the reactor.
pub(crate) fn report_stale_fd(h: &Handle, stale: Option<Error>) {
    let Some(err) = stale else { return };
    if let Err(err) = error_handler::report(&h.inner.error_handler, err) {
        h.inner.state.borrow_mut().errors.push_back(err);
    }
}

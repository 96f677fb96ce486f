//! Watchers left on a closed fd: found when another file takes the fd's number, disabled, and
//! reported as [`Error::StaleFdWatcher`].
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

use super::state::{Handle, State};
use super::{error_handler, poll};
use crate::error::Error;
use crate::id::WatcherId;

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
    let fd = poll::disable_fd_watchers(h, st, old)?;
    Some(Error::StaleFdWatcher { fd, watcher: oldest, kind, created_at, stale })
}

/// Hands `stale` (from [`attach_fd`]) to the error handler, or without one
/// queues it to come out of the next `run`, `tick` or `block_on`. Called with no state
/// borrowed: the handler may use the reactor.
pub(crate) fn report_stale_fd(h: &Handle, stale: Option<Error>) {
    let Some(err) = stale else { return };
    if let Err(err) = error_handler::report(h, err) {
        h.inner.state.borrow_mut().errors.push_back(err);
    }
}

//! I/O watchers: level-triggered readiness emulated on mio's edge-triggered events.
//!
//! # One registration per fd
//!
//! Any number of readable and writable watchers may watch one fd. They share one entry in
//! [`IoTable`] and one mio registration whose interest is the union of the enabled watchers'
//! directions. The entry's slab key, shifted left by one, is the mio token (odd tokens belong
//! to the async I/O sources of [`crate::io`]).
//!
//! # Level-triggered, in the kernel
//!
//! Amp's watchers are level-triggered: a readable watcher fires every tick *while* data is
//! pending, whether or not the callback read it. mio only offers edge-triggered registrations
//! ("this fd *became* readable"), and emulating levels on edges costs an `epoll_ctl(MOD)` per
//! fired fd per tick. So the fd watchers bypass mio's registry and register their fds on the
//! same epoll instance *level-triggered* (`sys::epoll` explains why that is sound): a level
//! that persists is simply reported again by the next `epoll_wait`, at no extra cost.
//!
//! Two consequences shape this table:
//!
//! - **Interest follows the enabled watchers exactly.** A level-triggered registration whose
//!   watchers are all disabled would be reported every tick and spin, so [`IoTable::sync`]
//!   narrows the interest on every enable and disable, and removes the fd from epoll when no
//!   watcher of it is enabled.
//! - **A closed fd number can keep reporting.** epoll watches the open file, not the number:
//!   if the user closes a watched fd while a dup keeps the file open, its events keep coming
//!   under our token, every tick, and its watchers spin on a level they cannot consume. So an
//!   fd reported in consecutive ticks is verified (one `epoll_ctl(MOD)`, which fails for a
//!   closed or reused number), at a rate that halves with every check it passes (see
//!   [`IoTable::fired`]). The rate has to fall: on a busy connection "reported in consecutive
//!   ticks" is the steady state, not a symptom (the peer's next request arrives while the
//!   tick serves the others, so the socket is readable again by the next poll although the
//!   callback drained it), and nothing short of a syscall tells a new level from a stuck one.
//!   A fresh mistake is still caught at the first repeat; a busy fd pays about
//!   `log2(n)` checks over its first `n` repeats, then one per [`MAX_CHECK_GAP`]; a stale fd
//!   that had passed many checks spins at most `MAX_CHECK_GAP` ticks before it is caught.
//! - **A closed fd number can be reused.** Entries are found by fd number, so a watcher the
//!   user left on a closed fd would share its entry (and its callbacks the events) with the
//!   next file given that number. So before a watcher joins an existing entry, [`IoTable::attach`]
//!   checks that the number still names the entry's file: the file identity recorded when the
//!   entry was made (`fstat`), and for a registered entry epoll itself, which keys
//!   registrations by file *and* number. An entry that outlived its file is forgotten (see
//!   [`IoTable::forget`]); the reactor disables its watchers and reports them, and the new
//!   watcher gets an entry of its own. This costs a syscall or two per watcher *creation* on an
//!   already watched fd, never one per event.

use std::cell::Cell;
use std::collections::HashMap;
use std::io;
use std::os::fd::RawFd;

use slab::Slab;

use super::table::WatcherTable;
use crate::id::WatcherId;
use crate::sys::epoll::{self, Interest};
use crate::sys::fd;
use crate::token::fd_token;

/// The most repeats (dispatches in the tick right after the previous one) an fd goes
/// between two checks that its number still names its file: how long a stale fd whose file
/// lives on in a dup can spin before it is caught, and the inverse of what a busy fd pays
/// per dispatch once it has passed `log2(MAX_CHECK_GAP)` checks.
pub(crate) const MAX_CHECK_GAP: u32 = 1024;

/// Everything the reactor knows about one watched fd.
#[derive(Debug)]
pub(crate) struct FdEntry {
    pub(crate) fd: RawFd,
    /// Readable watchers, in creation order (the order they fire in).
    pub(crate) readers: Vec<WatcherId>,
    /// Writable watchers, in creation order.
    pub(crate) writers: Vec<WatcherId>,
    /// The interest epoll currently has for this fd; `None` when not registered.
    registered: Option<Interest>,
    /// The last tick in which this fd's watchers were dispatched: a level reported again in
    /// the very next tick is a repeat (see [`IoTable::fired`]).
    fired_tick: u64,
    /// Repeats since the last check (or since the entry was made).
    repeats: u32,
    /// How many repeats the next check waits for: 1 for a new entry, doubled by every check
    /// passed, up to [`MAX_CHECK_GAP`].
    check_gap: u32,
    /// The file the fd named when the entry was made, `(st_dev, st_ino)`; `None` when `fstat`
    /// failed (a bad fd: its watchers cannot be registered anyway).
    identity: Option<(u64, u64)>,
    /// The fd was closed while watched ([`IoTable::forget`]): the number may name another
    /// file now, so this entry never touches epoll again and can no longer be registered.
    stale: bool,
}

/// The watched fds.
#[derive(Debug, Default)]
pub(crate) struct IoTable {
    fds: Slab<FdEntry>,
    /// fd number → entry key, consulted only when a watcher is created.
    by_fd: HashMap<RawFd, u32>,
    /// `epoll_ctl` calls made so far, for [`IoTable::ctl_calls`]. A `Cell` because the checks
    /// that make some of them only read the table.
    ctl_calls: Cell<u64>,
}

/// Counts one `epoll_ctl` call in `calls` and passes its result on.
fn counted<T>(calls: &Cell<u64>, result: T) -> T {
    calls.set(calls.get() + 1);
    result
}

impl IoTable {
    /// Adds watcher `id` to `fd`'s entry (creating the entry if needed) and returns the key,
    /// plus the key of an entry that `fd` had but that outlived its file (the user closed the
    /// fd without cancelling its watchers, and the number now names another file): that one
    /// is [forgotten](IoTable::forget), and `id` gets a fresh entry instead. The registration
    /// is brought up to date by a following [`IoTable::sync`].
    pub(crate) fn attach(&mut self, epfd: RawFd, fd: RawFd, id: WatcherId, writable: bool) -> (u32, Option<u32>) {
        let stale = self.by_fd.get(&fd).copied().filter(|&key| self.outlived_its_file(epfd, key));
        if let Some(key) = stale {
            self.forget(key);
        }
        let key = *self.by_fd.entry(fd).or_insert_with(|| {
            let identity = fd::identity(fd).ok();
            let e = FdEntry {
                fd,
                readers: Vec::new(),
                writers: Vec::new(),
                registered: None,
                // No tick has dispatched it: `u64::MAX + 1` wraps to 0, a tick that never
                // dispatches (the first poll makes it 1), so the first dispatch is no repeat.
                fired_tick: u64::MAX,
                repeats: 0,
                check_gap: 1,
                identity,
                stale: false,
            };
            self.fds.insert(e) as u32
        });
        let entry = &mut self.fds[key as usize];
        if writable {
            entry.writers.push(id);
        } else {
            entry.readers.push(id);
        }
        (key, stale)
    }

    /// Whether entry `key`'s fd number no longer names the file its watchers were created
    /// for. Two checks, because neither sees everything: the identity differs for every file
    /// but those sharing an anonymous inode (eventfds, timerfds), and epoll, which keys a
    /// registration by file *and* number, answers `ENOENT` to a `MOD` under a number that
    /// now names another file, but knows nothing of an entry that is not registered. A
    /// number that names nothing (`EBADF`) is not stale: the new watcher's own registration
    /// fails with that error.
    fn outlived_its_file(&self, epfd: RawFd, key: u32) -> bool {
        let entry = &self.fds[key as usize];
        if let (Some(then), Ok(now)) = (entry.identity, fd::identity(entry.fd)) {
            if then != now {
                return true;
            }
        }
        match entry.registered {
            Some(interest) => counted(&self.ctl_calls, epoll::modify(epfd, entry.fd, fd_token(key).0, interest))
                .is_err_and(|e| e.kind() == io::ErrorKind::NotFound),
            None => false,
        }
    }

    /// Marks entry `key` as having outlived its fd (closed while watched): its fd number is
    /// free for a new entry, and it never touches epoll again, since under that number epoll
    /// now holds another file's registration, or none (a registration of the old file that
    /// a dup keeps alive cannot be reached by number any more). Its watchers stay until
    /// cancelled; enabling one fails.
    pub(crate) fn forget(&mut self, key: u32) {
        let Some(entry) = self.fds.get_mut(key as usize) else { return };
        entry.registered = None;
        entry.stale = true;
        if self.by_fd.get(&entry.fd) == Some(&key) {
            self.by_fd.remove(&entry.fd);
        }
    }

    /// Removes watcher `id` (already gone from `watchers`) from entry `key`, narrowing the
    /// registration to the watchers left. The last watcher out deregisters the fd, so the user
    /// may close it right after cancelling.
    pub(crate) fn detach<C>(&mut self, epfd: RawFd, key: u32, id: WatcherId, watchers: &WatcherTable<C>) {
        let Some(entry) = self.fds.get_mut(key as usize) else { return };
        entry.readers.retain(|w| *w != id);
        entry.writers.retain(|w| *w != id);
        if !entry.readers.is_empty() || !entry.writers.is_empty() {
            // A failure means the fd is gone, and its registration with it.
            let _ = self.sync(epfd, key, watchers);
            return;
        }
        {
            if entry.registered.is_some() {
                // The fd may already be closed (the kernel then dropped the registration
                // itself), so a failure here means there is nothing left to undo.
                let _ = counted(&self.ctl_calls, epoll::delete(epfd, entry.fd));
            }
            // A forgotten entry no longer owns its number (another entry may).
            if self.by_fd.get(&entry.fd) == Some(&key) {
                self.by_fd.remove(&entry.fd);
            }
            self.fds.remove(key as usize);
        }
    }

    /// Brings entry `key`'s registration in line with its enabled watchers: the union of
    /// their directions, or no registration at all when none is enabled (a level-triggered
    /// registration nobody listens to would be reported every tick).
    ///
    /// # Errors
    ///
    /// Whatever `epoll_ctl` reports when the fd can no longer be registered: `EBADF` for a
    /// closed fd, `EPERM` for a regular file, `ENOENT` for a registration lost because its fd
    /// was closed and the number reused; `NotFound` for a [forgotten](IoTable::forget) entry.
    /// Dropping the registration never fails: a closed fd has already left epoll by itself.
    pub(crate) fn sync<C>(&mut self, epfd: RawFd, key: u32, watchers: &WatcherTable<C>) -> io::Result<()> {
        let Some(entry) = self.fds.get_mut(key as usize) else { return Ok(()) };
        let enabled = |ids: &[WatcherId]| ids.iter().any(|id| watchers.get(*id).is_some_and(|w| w.is_enabled()));
        let interest = Interest { readable: enabled(&entry.readers), writable: enabled(&entry.writers) };
        if !interest.readable && !interest.writable {
            if entry.registered.take().is_some() {
                let _ = counted(&self.ctl_calls, epoll::delete(epfd, entry.fd));
            }
            return Ok(());
        }
        if entry.stale {
            let msg = format!("fd {} was closed while this watcher watched it; cancel the watcher", entry.fd);
            return Err(io::Error::new(io::ErrorKind::NotFound, msg));
        }
        let token = fd_token(key).0;
        let calls = &self.ctl_calls;
        match entry.registered {
            // `EEXIST`: the fd number is still in epoll from an earlier life (it was closed
            // and reopened while watched, and a dup kept the old file open); take it over.
            None => match counted(calls, epoll::add(epfd, entry.fd, token, interest)) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    counted(calls, epoll::modify(epfd, entry.fd, token, interest))?
                }
                other => other?,
            },
            // `ENOENT`: the fd was closed while watched and its number now names another file.
            // Not a fresh start: registering that file would hand its events to watchers
            // meant for the closed one. The registration is left as it was, so the idle audit
            // finds it lost and reports it.
            Some(_) => counted(calls, epoll::modify(epfd, entry.fd, token, interest))?,
        }
        entry.registered = Some(interest);
        Ok(())
    }

    /// Records that entry `key`'s watchers are dispatched in `tick`, and checks first, when
    /// due, that its fd number still names its file ([`IoTable::verify`]).
    ///
    /// A check is due when the fd was reported in consecutive ticks `check_gap` times since
    /// the last one; each check passed doubles the gap, up to [`MAX_CHECK_GAP`]. So a stale fd
    /// (closed, its file kept open by a dup: the level it reports can never be consumed) is
    /// caught after at most `MAX_CHECK_GAP` spinning ticks, and at its first repeat if it was
    /// never checked; a busy fd, reported in most ticks because the peer keeps sending, pays
    /// `log2(MAX_CHECK_GAP)` checks, then one per `MAX_CHECK_GAP` repeats. The count of
    /// repeats is not reset by a quiet tick, only by a check: a level that skips a tick now
    /// and then (more ready fds than one poll returns) is still caught.
    ///
    /// # Errors
    ///
    /// [`IoTable::verify`]'s, when the check fails: the caller disables the watchers.
    pub(crate) fn fired(&mut self, epfd: RawFd, key: u32, tick: u64) -> io::Result<()> {
        let Some(entry) = self.fds.get_mut(key as usize) else { return Ok(()) };
        let repeat = entry.fired_tick.wrapping_add(1) == tick;
        entry.fired_tick = tick;
        if !repeat {
            return Ok(());
        }
        entry.repeats += 1;
        if entry.repeats < entry.check_gap {
            return Ok(());
        }
        entry.repeats = 0;
        entry.check_gap = (entry.check_gap * 2).min(MAX_CHECK_GAP);
        self.verify(epfd, key)
    }

    /// `epoll_ctl` calls made for the watched fds so far: registrations, their changes, and
    /// the checks of [`IoTable::fired`] and the idle audit.
    pub(crate) fn ctl_calls(&self) -> u64 {
        self.ctl_calls.get()
    }

    /// Whether epoll still has entry `key`'s registration under this fd number: re-applying
    /// it with `epoll_ctl(MOD)` fails for a closed number (`EBADF`) or a reused one (`ENOENT`).
    /// One syscall; entries that are not registered pass.
    pub(crate) fn verify(&self, epfd: RawFd, key: u32) -> io::Result<()> {
        let Some(entry) = self.fds.get(key as usize) else { return Ok(()) };
        match entry.registered {
            Some(interest) => counted(&self.ctl_calls, epoll::modify(epfd, entry.fd, fd_token(key).0, interest)),
            None => Ok(()),
        }
    }

    /// The keys of registered fds whose registration epoll no longer has (see
    /// [`IoTable::verify`]). One `epoll_ctl` per fd, so only called when the reactor has been
    /// idle for a while (see `tick.rs`, the idle audit).
    pub(crate) fn lost_registrations(&self, epfd: RawFd) -> Vec<u32> {
        let keys = self.fds.iter().map(|(key, _)| key as u32);
        keys.filter(|&key| self.verify(epfd, key).is_err()).collect()
    }

    /// Forgets every fd, deregistering those still registered.
    pub(crate) fn clear(&mut self, epfd: RawFd) {
        for (_, entry) in self.fds.iter() {
            if entry.registered.is_some() {
                let _ = counted(&self.ctl_calls, epoll::delete(epfd, entry.fd));
            }
        }
        self.fds.clear();
        self.by_fd.clear();
    }

    pub(crate) fn get(&self, key: u32) -> Option<&FdEntry> {
        self.fds.get(key as usize)
    }

    /// Watched fds.
    pub(crate) fn len(&self) -> usize {
        self.fds.len()
    }
}

//! I/O watchers: level-triggered readiness emulated on mio's edge-triggered events.
//!
//! # One registration per fd
//!
//! Any number of readable and writable watchers may watch one fd. They share one entry in
//! [`IoTable`] and one mio registration whose interest is the union of the enabled watchers'
//! directions. The entry's slab key, shifted left by one, is the mio token (odd tokens belong
//! to the async I/O sources of [`crate::io`]).
//!
//! # Level-triggered on top of edge-triggered
//!
//! mio reports an edge: "this fd *became* readable". Amp's watchers are level-triggered: a
//! readable watcher fires every tick *while* data is pending, whether or not the callback read
//! it. We cannot know whether the callback drained the fd without a syscall of our own, so we
//! ask the kernel to tell us: after the callbacks of a ready fd have run, the entry is re-armed
//! with `EPOLL_CTL_MOD` (mio's `reregister`). epoll re-evaluates readiness on every `MOD`, so if
//! the fd is still readable it is reported again by the next poll, and if it is not, nothing
//! is reported until new data arrives. The cost is one `epoll_ctl` per fd that fired, per
//! tick; measured in `docs/benchmarks.md` (the ping-pong rows). An fd whose watchers are all
//! disabled is not re-armed, which is why a disabled writable watcher cannot spin.

use std::collections::HashMap;
use std::io;
use std::os::fd::RawFd;

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use slab::Slab;

use super::table::WatcherTable;
use super::WatcherId;

/// Everything the reactor knows about one watched fd.
#[derive(Debug)]
pub(crate) struct FdEntry {
    pub(crate) fd: RawFd,
    /// Readable watchers, in creation order (the order they fire in).
    pub(crate) readers: Vec<WatcherId>,
    /// Writable watchers, in creation order.
    pub(crate) writers: Vec<WatcherId>,
    /// The interest mio currently has for this fd; `None` when not registered.
    registered: Option<Interest>,
}

/// The watched fds.
#[derive(Debug, Default)]
pub(crate) struct IoTable {
    fds: Slab<FdEntry>,
    /// fd number → entry key, consulted only when a watcher is created.
    by_fd: HashMap<RawFd, u32>,
}

/// The mio token of the fd entry with key `key`.
pub(crate) fn token_of(key: u32) -> Token {
    Token((key as usize) << 1)
}

impl IoTable {
    /// Adds watcher `id` to `fd`'s entry (creating the entry if needed) and returns the key.
    /// The registration is brought up to date by a following [`IoTable::sync`].
    pub(crate) fn attach(&mut self, fd: RawFd, id: WatcherId, writable: bool) -> u32 {
        let key = *self.by_fd.entry(fd).or_insert_with(|| {
            let e = FdEntry { fd, readers: Vec::new(), writers: Vec::new(), registered: None };
            self.fds.insert(e) as u32
        });
        let entry = &mut self.fds[key as usize];
        if writable {
            entry.writers.push(id);
        } else {
            entry.readers.push(id);
        }
        key
    }

    /// Removes watcher `id` from entry `key`. The last watcher out deregisters the fd, so the
    /// user may close it right after cancelling.
    pub(crate) fn detach(&mut self, registry: &Registry, key: u32, id: WatcherId) {
        let Some(entry) = self.fds.get_mut(key as usize) else { return };
        entry.readers.retain(|w| *w != id);
        entry.writers.retain(|w| *w != id);
        if entry.readers.is_empty() && entry.writers.is_empty() {
            if entry.registered.is_some() {
                // The fd may already be closed (the kernel then dropped the registration
                // itself), so a failure here means there is nothing left to undo.
                let _ = registry.deregister(&mut SourceFd(&entry.fd));
            }
            self.by_fd.remove(&entry.fd);
            self.fds.remove(key as usize);
        }
    }

    /// Brings entry `key`'s registration in line with its enabled watchers.
    ///
    /// With at least one enabled watcher the fd is (re-)registered with the union of their
    /// directions; re-registering also re-arms the edge, so a level that was consumed while
    /// the watchers were disabled is reported again. With none enabled the registration is left
    /// as it is: its events find no enabled watcher, fire nothing and are not re-armed.
    pub(crate) fn sync(&mut self, registry: &Registry, key: u32, watchers: &WatcherTable) -> io::Result<()> {
        let Some(entry) = self.fds.get_mut(key as usize) else { return Ok(()) };
        let enabled = |ids: &[WatcherId]| ids.iter().any(|id| watchers.get(*id).is_some_and(|w| w.is_enabled()));
        let interest = match (enabled(&entry.readers), enabled(&entry.writers)) {
            (true, true) => Interest::READABLE | Interest::WRITABLE,
            (true, false) => Interest::READABLE,
            (false, true) => Interest::WRITABLE,
            (false, false) => return Ok(()),
        };
        let token = token_of(key);
        let source = &mut SourceFd(&entry.fd);
        match entry.registered {
            // `AlreadyExists`: the fd number is still in epoll from an earlier life (it was
            // closed and reopened while watched); take the registration over.
            None => match registry.register(source, token, interest) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => registry.reregister(source, token, interest)?,
                other => other?,
            },
            // `NotFound`: the fd was closed and its number reused while our entry lived on;
            // epoll forgot the old registration, so this is a fresh one.
            Some(_) => match registry.reregister(source, token, interest) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => registry.register(source, token, interest)?,
                other => other?,
            },
        }
        entry.registered = Some(interest);
        Ok(())
    }

    /// The keys of registered fds whose registration epoll no longer has: the fd was closed
    /// (`EBADF`) or closed and its number reused (`ENOENT`) while still watched. Checked by
    /// re-arming each registration, one `epoll_ctl` per fd, so only called when the reactor
    /// has been idle for a while (see `tick.rs`, the idle audit).
    pub(crate) fn lost_registrations(&self, registry: &Registry) -> Vec<u32> {
        let mut lost = Vec::new();
        for (key, entry) in self.fds.iter() {
            if let Some(interest) = entry.registered {
                let token = token_of(key as u32);
                if registry.reregister(&mut SourceFd(&entry.fd), token, interest).is_err() {
                    lost.push(key as u32);
                }
            }
        }
        lost
    }

    /// Forgets every fd, deregistering those still registered.
    pub(crate) fn clear(&mut self, registry: &Registry) {
        for (_, entry) in self.fds.iter() {
            if entry.registered.is_some() {
                let _ = registry.deregister(&mut SourceFd(&entry.fd));
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

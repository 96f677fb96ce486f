//! Level-triggered registrations on mio's epoll instance, for the fd watchers.
//!
//! mio registers every source edge-triggered (`EPOLLET`), which suits async I/O: a task reads
//! until `WouldBlock` and then waits for the next edge. Amp's watchers are level-triggered:
//! they fire every tick *while* the fd is ready, whatever the callback did. Emulating that on
//! edges costs an `epoll_ctl(MOD)` per fired fd per tick (to make epoll look at the fd again).
//! Asking the kernel for level-triggered events costs nothing per tick, so the fd watchers
//! register themselves here, on the same epoll instance mio waits on, without `EPOLLET`.
//!
//! # Why this is sound next to mio
//!
//! On Linux mio's selector is a thin wrapper around one epoll fd: it keeps no per-registration
//! state and hands every event back with the 64-bit `data` as its token. A registration made
//! with `epoll_ctl` directly is therefore indistinguishable, to mio, from one of its own, as
//! long as its token does not collide with mio's (fd watchers use even tokens, async sources
//! odd ones, see `watcher/io.rs`). The interest bits are the ones mio uses for the same
//! directions, so `Event::is_readable`, `is_read_closed` etc. read them the same way.

use std::io;
use std::os::fd::RawFd;

use super::syscall;

/// The epoll interest of a watched fd: which directions its enabled watchers want.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interest {
    pub(crate) readable: bool,
    pub(crate) writable: bool,
}

impl Interest {
    /// The epoll event mask, level-triggered. `EPOLLRDHUP` as in mio, so that a peer's
    /// half-close reads as "read closed". `EPOLLERR` and `EPOLLHUP` are always reported.
    fn mask(self) -> u32 {
        let mut mask = 0;
        if self.readable {
            mask |= libc::EPOLLIN | libc::EPOLLRDHUP;
        }
        if self.writable {
            mask |= libc::EPOLLOUT;
        }
        mask as u32
    }
}

/// Adds `fd` to epoll instance `epfd` with `interest`; its events carry `token`.
pub(crate) fn add(epfd: RawFd, fd: RawFd, token: usize, interest: Interest) -> io::Result<()> {
    ctl(epfd, libc::EPOLL_CTL_ADD, fd, token, interest)
}

/// Changes the interest (and token) of `fd`, already in `epfd`.
pub(crate) fn modify(epfd: RawFd, fd: RawFd, token: usize, interest: Interest) -> io::Result<()> {
    ctl(epfd, libc::EPOLL_CTL_MOD, fd, token, interest)
}

/// Removes `fd` from `epfd`.
pub(crate) fn delete(epfd: RawFd, fd: RawFd) -> io::Result<()> {
    // Kernels before 2.6.9 wanted a non-null event even for DEL; passing one costs nothing.
    let mut event = libc::epoll_event { events: 0, u64: 0 };
    // SAFETY: `event` is a valid, writable epoll_event for the duration of the call; a bad
    // `epfd` or `fd` is reported as an error, not undefined behaviour.
    syscall!(epoll_ctl(epfd, libc::EPOLL_CTL_DEL, fd, &mut event)).map(drop)
}

fn ctl(epfd: RawFd, op: libc::c_int, fd: RawFd, token: usize, interest: Interest) -> io::Result<()> {
    let mut event = libc::epoll_event { events: interest.mask(), u64: token as u64 };
    // SAFETY: as in `delete`: `event` outlives the call, and epoll validates both fds.
    syscall!(epoll_ctl(epfd, op, fd, &mut event)).map(drop)
}

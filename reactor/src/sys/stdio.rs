//! The OS side of [`crate::helpers::stdio`]: what kind of file a standard stream is, a private
//! non-blocking reopen of it, and single reads and writes that cannot block.
//!
//! Nothing here changes the file status flags of an fd we were given: those flags belong to
//! the *open file description*, which a pipe or terminal shares with every process that
//! inherited it (the shell, the other side of a pipeline).

use std::fs::{File, OpenOptions};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::fs::OpenOptionsExt;

use super::syscall;

/// The most bytes one `write(2)` to a pipe is guaranteed to take at once (POSIX: at least
/// 512; 4096 on Linux). [`write`] after a `POLLOUT` sends at most this much.
pub(crate) const PIPE_BUF: usize = libc::PIPE_BUF;

/// What an fd is, as far as waiting on it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FdKind {
    /// A regular file, a block device or a directory: always "ready" (epoll refuses them), so
    /// a read or write never waits for a peer, only for the disk.
    File,
    /// A socket: `MSG_DONTWAIT` makes a single call non-blocking without touching the flags.
    Socket,
    /// A pipe, a FIFO, a terminal or another character device: it can wait for a peer, and
    /// only `O_NONBLOCK` (shared) or a private reopen keeps a call from blocking.
    Stream,
}

/// Classifies `fd` with `fstat(2)`.
pub(crate) fn kind(fd: BorrowedFd<'_>) -> io::Result<FdKind> {
    let mut st = MaybeUninit::<libc::stat>::uninit();
    // `st` is valid for writes of one `stat`, which is what fstat writes.
    syscall!(fstat(fd.as_raw_fd(), st.as_mut_ptr()))?;
    // SAFETY: fstat returned 0, so it initialised `st`.
    let mode = unsafe { st.assume_init() }.st_mode & libc::S_IFMT;
    Ok(match mode {
        libc::S_IFREG | libc::S_IFBLK | libc::S_IFDIR => FdKind::File,
        libc::S_IFSOCK => FdKind::Socket,
        _ => FdKind::Stream,
    })
}

/// Opens the file behind `fd` again, through `/proc/self/fd`, as a new open file description
/// in non-blocking mode (read-only, or write-only if `write`).
///
/// Opening the magic link of a pipe or terminal does not `dup` the fd: it opens the pipe or
/// device anew, so `O_NONBLOCK` on the result is ours alone. `O_NOCTTY` keeps a terminal from
/// becoming our controlling terminal; `O_CLOEXEC` (std adds it) keeps children from
/// inheriting the fd.
///
/// # Errors
///
/// `BrokenPipe` for a named FIFO whose readers are all gone (the kernel says `ENXIO`; a
/// write would say `EPIPE`; an anonymous pipe reopens fine and fails at the write);
/// `ENXIO` for a socket; `ENOENT`
/// without `/proc`; `EACCES` for a terminal owned by another user (after `su`).
///
/// # Portability
///
/// Linux only: on the BSDs and macOS, `/dev/fd/N` duplicates the fd instead, sharing its
/// flags, which is exactly what this is meant to avoid.
pub(crate) fn reopen_nonblocking(fd: BorrowedFd<'_>, write: bool) -> io::Result<File> {
    if !cfg!(any(target_os = "linux", target_os = "android")) {
        return Err(io::Error::new(io::ErrorKind::Unsupported, "a private reopen needs Linux's /proc"));
    }
    let opened = OpenOptions::new()
        .read(!write)
        .write(write)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(format!("/proc/self/fd/{}", fd.as_raw_fd()));
    match opened {
        // A non-blocking write-only open of a named FIFO without readers: a write would be
        // EPIPE. (Anonymous pipes skip this check in the kernel and open fine.)
        Err(e) if write && e.raw_os_error() == Some(libc::ENXIO) => {
            Err(io::Error::new(io::ErrorKind::BrokenPipe, "the reading end of the pipe is closed"))
        }
        other => other,
    }
}

/// The byte count of a successful `read`/`write`/`recv`/`send`: `syscall!` has turned the
/// only negative return, -1, into an error.
fn byte_count(n: isize) -> usize {
    n.unsigned_abs()
}

/// One `read(2)`. Blocks if `fd` is a blocking pipe or terminal with nothing to read.
pub(crate) fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    // `buf` is valid for writes of `buf.len()` bytes.
    syscall!(read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len())).map(byte_count)
}

/// One `write(2)`. Blocks if `fd` is a blocking pipe or terminal that is full.
pub(crate) fn write(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    // `buf` is valid for reads of `buf.len()` bytes.
    syscall!(write(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len())).map(byte_count)
}

/// One `recv(2)` with `MSG_DONTWAIT`: non-blocking for this call only.
pub(crate) fn recv_nowait(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    // `buf` is valid for writes of `buf.len()` bytes.
    syscall!(recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT)).map(byte_count)
}

/// One `send(2)` with `MSG_DONTWAIT | MSG_NOSIGNAL`: non-blocking for this call only, and a
/// closed peer is `EPIPE` without a `SIGPIPE`.
pub(crate) fn send_nowait(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    let flags = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;
    // `buf` is valid for reads of `buf.len()` bytes.
    syscall!(send(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), flags)).map(byte_count)
}

/// Whether `fd` is readable (or writable, if `write`) right now, by `poll(2)` with a zero
/// timeout. Hang-ups and errors count as ready: the next call reports them.
pub(crate) fn ready_now(fd: BorrowedFd<'_>, write: bool) -> io::Result<bool> {
    let events = if write { libc::POLLOUT } else { libc::POLLIN };
    let mut pfd = libc::pollfd { fd: fd.as_raw_fd(), events, revents: 0 };
    // `pfd` is one valid pollfd, and we pass a count of 1.
    let n = syscall!(poll(&mut pfd, 1, 0))?;
    Ok(n > 0 && pfd.revents & (events | libc::POLLHUP | libc::POLLERR) != 0)
}

/// Sets `SIGPIPE` to `SIG_IGN` if, and only if, it is at its default action (which kills the
/// process on a write to a closed pipe). A handler someone installed is left alone, and so is
/// an existing `SIG_IGN`.
///
/// Rust binaries normally start with `SIGPIPE` ignored already, so this is one `sigaction`
/// query and nothing else; it matters when Rust code runs under a C `main` or a binary built
/// with `-Zon-broken-pipe=kill`.
pub(crate) fn ignore_sigpipe_if_default() -> io::Result<()> {
    let mut old = MaybeUninit::<libc::sigaction>::uninit();
    // A null `act` only queries; `old` is valid for writes of one sigaction.
    syscall!(sigaction(libc::SIGPIPE, std::ptr::null(), old.as_mut_ptr()))?;
    // SAFETY: sigaction returned 0, so it filled `old`.
    let old = unsafe { old.assume_init() };
    if old.sa_sigaction == libc::SIG_DFL {
        // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value.
        let mut ignore: libc::sigaction = unsafe { std::mem::zeroed() };
        ignore.sa_sigaction = libc::SIG_IGN;
        // `ignore` is a valid sigaction and a null `oldact` is allowed.
        syscall!(sigaction(libc::SIGPIPE, &ignore, std::ptr::null_mut()))?;
    }
    Ok(())
}

/// The file status flags of `fd` (`F_GETFL`), for tests that check we left them alone.
#[cfg(test)]
pub(crate) fn status_flags(fd: BorrowedFd<'_>) -> io::Result<i32> {
    // F_GETFL takes no argument and only reads.
    syscall!(fcntl(fd.as_raw_fd(), libc::F_GETFL))
}

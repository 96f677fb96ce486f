//! Small fd utilities.

use std::io;
use std::os::fd::RawFd;

use super::syscall;

/// Puts `fd` in non-blocking mode.
pub(crate) fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    let flags = syscall!(fcntl(fd, libc::F_GETFL))?;
    if flags & libc::O_NONBLOCK == 0 {
        syscall!(fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK))?;
    }
    Ok(())
}

/// What the open file behind `fd` is, as `(st_dev, st_ino)`: two fds name the same file when
/// these match. Not proof for anonymous-inode files (eventfd, timerfd, signalfd share one
/// inode), which is why the watchers check a live registration with epoll instead.
pub(crate) fn identity(fd: RawFd) -> io::Result<(u64, u64)> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // `st` is valid for writes of one `stat`, which is what fstat writes.
    syscall!(fstat(fd, st.as_mut_ptr()))?;
    // SAFETY: `fstat` succeeded, so it filled in the whole `stat` buffer.
    let st = unsafe { st.assume_init() };
    Ok((st.st_dev, st.st_ino))
}

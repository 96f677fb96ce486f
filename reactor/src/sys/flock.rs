//! The OS side of [`crate::helpers::flock`]: opening a lock file and `flock(2)`.
//!
//! `flock` locks belong to the *open file description*: two `open`s of one path conflict even
//! within one process, while `dup`s and `fork`ed copies share the lock. They are advisory and
//! are released when the last fd of the description closes. (These are not the `fcntl`
//! record locks, which belong to the process and vanish when *any* of its fds for the file
//! closes: PHP's and MadelineProto's `flock` are `flock(2)`, and so is this.)

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::syscall;

/// Opens `path` for locking: read-only, created (mode `0o666` less the umask) if missing,
/// never truncated.
///
/// Read-only is enough for `flock` and works on a file we may read but not write. std's
/// `create(true)` demands write access, so `O_CREAT` is passed as a custom flag; with it, a
/// directory fails with `EISDIR` instead of opening.
pub(crate) fn open(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).custom_flags(libc::O_CREAT | libc::O_NOCTTY).open(path)
}

/// Tries to take the lock without waiting: `Ok(true)` if taken (or converted, if this file
/// already held the other mode), `Ok(false)` if another open file description holds a
/// conflicting lock.
pub(crate) fn try_lock(file: &File, exclusive: bool) -> io::Result<bool> {
    let op = if exclusive { libc::LOCK_EX } else { libc::LOCK_SH };
    // `file` is an open fd for as long as the borrow lasts.
    match syscall!(flock(file.as_raw_fd(), op | libc::LOCK_NB)) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
        Err(e) => Err(e),
    }
}

/// Releases the lock held through `file` (a no-op if it holds none).
pub(crate) fn unlock(file: &File) -> io::Result<()> {
    // `file` is an open fd for as long as the borrow lasts.
    syscall!(flock(file.as_raw_fd(), libc::LOCK_UN)).map(drop)
}

//! [`flock`]: an advisory file lock, awaited, held by a [`FileLock`] guard.
//!
//! `flock(2)` has a blocking mode, but a blocked call would freeze the reactor, so this tries
//! the non-blocking mode (`LOCK_NB`) and, while another holder has the lock, sleeps for the
//! poll interval and tries again, as MadelineProto does. Locks belong to the open file
//! description: two `flock` calls conflict even within one process.

use std::error::Error as StdError;
use std::fmt;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::sys::flock as sys;

/// How long [`flock`] sleeps between attempts when given `None`: MadelineProto's default.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The shortest poll interval: a zero sleep would complete at once and never yield.
const MIN_POLL_INTERVAL: Duration = Duration::from_millis(1);

/// Which lock [`flock`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockMode {
    /// Any number of holders at once, none of them exclusive (`LOCK_SH`: readers).
    Shared,
    /// One holder, and no shared ones (`LOCK_EX`: a writer).
    Exclusive,
}

/// A held [`flock`] lock. Dropping it unlocks and closes the file; so does
/// [`FileLock::unlock`], which also reports errors.
///
/// # Examples
///
/// ```
/// use ampere_reactor::{flock, LockMode, Reactor};
///
/// let path = std::env::temp_dir().join(format!("ampere-doc-filelock-{}", std::process::id()));
/// let reactor = Reactor::new()?;
/// reactor.block_on(async {
///     let lock = flock(&path, LockMode::Exclusive, None).await?;
///     assert_eq!(lock.mode(), LockMode::Exclusive);
///     lock.unlock()?; // or let it drop
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })??;
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "the lock is released as soon as the FileLock is dropped"]
pub struct FileLock {
    /// The locked open file description; `None` only inside `unlock` and `drop`.
    file: Option<File>,
    path: PathBuf,
    mode: LockMode,
}

impl FileLock {
    /// The path the lock was taken on.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The mode held.
    pub fn mode(&self) -> LockMode {
        self.mode
    }

    /// Unlocks and closes the file.
    ///
    /// # Errors
    ///
    /// The OS's, from `flock(LOCK_UN)`; the file is closed anyway, which releases the lock
    /// unless a `fork`ed child still holds a copy of the fd.
    pub fn unlock(mut self) -> io::Result<()> {
        let file = self.file.take().expect("present until unlock or drop");
        sys::unlock(&file)
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            // Explicitly, not just by closing: a forked child may share the description.
            let _ = sys::unlock(&file);
        }
    }
}

impl fmt::Debug for FileLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileLock").field("path", &self.path).field("mode", &self.mode).finish()
    }
}

/// Why [`flock`] could not lock a path.
#[derive(Debug)]
#[non_exhaustive]
pub enum FlockError {
    /// The path names a directory.
    IsADirectory(PathBuf),
    /// The file cannot be opened, or created in its directory, by this user.
    PermissionDenied {
        /// The path.
        path: PathBuf,
        /// The OS's error (`EACCES` or `EPERM`).
        source: io::Error,
    },
    /// Any other failure to open or lock: no such directory, a read-only filesystem, no
    /// locks supported there, the blocking pool not starting.
    Io {
        /// The path.
        path: PathBuf,
        /// The OS's error.
        source: io::Error,
    },
}

impl FlockError {
    /// The path that could not be locked.
    pub fn path(&self) -> &Path {
        match self {
            FlockError::IsADirectory(path)
            | FlockError::PermissionDenied { path, .. }
            | FlockError::Io { path, .. } => path,
        }
    }

    fn new(path: &Path, source: io::Error) -> FlockError {
        let path = path.to_owned();
        match source.kind() {
            io::ErrorKind::IsADirectory => FlockError::IsADirectory(path),
            io::ErrorKind::PermissionDenied => FlockError::PermissionDenied { path, source },
            _ => FlockError::Io { path, source },
        }
    }
}

impl fmt::Display for FlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlockError::IsADirectory(path) => write!(f, "cannot lock {}: it is a directory", path.display()),
            FlockError::PermissionDenied { path, .. } => write!(f, "cannot lock {}: permission denied", path.display()),
            FlockError::Io { path, source } => write!(f, "cannot lock {}: {source}", path.display()),
        }
    }
}

impl StdError for FlockError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            FlockError::IsADirectory(_) => None,
            FlockError::PermissionDenied { source, .. } | FlockError::Io { source, .. } => Some(source),
        }
    }
}

impl From<FlockError> for io::Error {
    fn from(e: FlockError) -> io::Error {
        let kind = match &e {
            FlockError::IsADirectory(_) => io::ErrorKind::IsADirectory,
            FlockError::PermissionDenied { .. } => io::ErrorKind::PermissionDenied,
            FlockError::Io { source, .. } => source.kind(),
        };
        io::Error::new(kind, e)
    }
}

/// Locks `path` in `mode`, waiting without blocking the reactor until no other holder
/// conflicts, and returns the guard that holds the lock.
///
/// The file is created (empty, mode `0o666` less the umask) if missing, and never truncated.
/// While the lock is taken elsewhere, the attempt is repeated every `poll_interval` (`None`:
/// [`DEFAULT_POLL_INTERVAL`]; at least 1 ms), so a lock released elsewhere is noticed up to
/// one interval late, and waiters are not served in order.
///
/// # Errors
///
/// [`FlockError::IsADirectory`], [`FlockError::PermissionDenied`], or [`FlockError::Io`]
/// for any other failure to open or lock.
///
/// # Examples
///
/// Two shared locks coexist; an exclusive one waits for both to go:
///
/// ```
/// use std::time::Duration;
/// use ampere_reactor::{flock, spawn, LockMode, Reactor};
///
/// let path = std::env::temp_dir().join(format!("ampere-doc-flock-{}", std::process::id()));
/// let reactor = Reactor::new()?;
/// reactor.block_on(async {
///     let a = flock(&path, LockMode::Shared, None).await?;
///     let b = flock(&path, LockMode::Shared, None).await?;
///     let writer = spawn(flock(path.clone(), LockMode::Exclusive, Duration::from_millis(1)));
///     ampere_reactor::sleep(Duration::from_millis(5)).await;
///     assert!(!writer.is_finished(), "the exclusive lock waits for the readers");
///     drop((a, b));
///     let exclusive = writer.await??;
///     assert_eq!(exclusive.mode(), LockMode::Exclusive);
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })??;
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Notes
///
/// Cancel-safe: dropping the future while it waits (say, under a timeout) closes the file
/// and leaves no lock behind. The file is opened on the blocking pool (an `open` on a network
/// filesystem can hang); each attempt is one non-blocking `flock` on the reactor thread.
pub async fn flock(
    path: impl AsRef<Path>,
    mode: LockMode,
    poll_interval: impl Into<Option<Duration>>,
) -> Result<FileLock, FlockError> {
    let path = path.as_ref().to_owned();
    let interval = poll_interval.into().unwrap_or(DEFAULT_POLL_INTERVAL).max(MIN_POLL_INTERVAL);
    let exclusive = mode == LockMode::Exclusive;
    let job_path = path.clone();
    // Only the open goes to the pool, never a lock attempt: a future dropped while the job
    // runs must not leave a lock behind in the job's output (which is dropped unread, closing
    // the file).
    let job = crate::spawn_blocking(move || sys::open(&job_path)).map_err(|e| FlockError::new(&path, e.into()))?;
    let file = job.await.map_err(io::Error::other).flatten().map_err(|e| FlockError::new(&path, e))?;
    // `file` lives in this future from here: dropping the future closes it.
    while !sys::try_lock(&file, exclusive).map_err(|e| FlockError::new(&path, e))? {
        crate::sleep(interval).await;
    }
    Ok(FileLock { file: Some(file), path, mode })
}

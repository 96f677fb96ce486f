//! The crate's error types: [`Error`] (the reactor's), [`JoinError`] (a task's), [`BoxError`]
//! (a fork's), and [`panic_message`], which all of them use to report a panic.
//!
//! One small enum, written by hand: every failure a user can act on has its own variant, and
//! plain [`io::Error`] only appears where the operating system said no. Conversions go both
//! ways so `?` works in functions returning either type.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::os::fd::RawFd;
use std::panic::Location;

use crate::id::{TaskId, WatcherId, WatcherKind};

/// The error type a fork may return: anything that converts into a boxed error
/// (`io::Error`, `String`, `&str`, your own error types, ...).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when driving a reactor.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The operating system refused a request (registering an fd, polling, creating a timer).
    Io(io::Error),
    /// The id names no live watcher: it was cancelled, it already ran (defer and delay free
    /// themselves), or it belongs to another reactor.
    InvalidWatcher(WatcherId),
    /// The operation is for timers (delay and repeat watchers) and the id names a live
    /// watcher of another kind: [`Handle::reset`](crate::Handle::reset) of a defer, an I/O or
    /// a signal watcher.
    NotATimer {
        /// The watcher.
        watcher: WatcherId,
        /// Its kind.
        kind: WatcherKind,
    },
    /// The signal number is out of range or names a signal that cannot be caught
    /// (`SIGKILL`, `SIGSTOP`, `SIGILL`, `SIGFPE`, `SIGSEGV`).
    InvalidSignal(i32),
    /// `run`, `tick` or `block_on` was called from inside a callback or a task of the same
    /// thread; the outer call is still driving the reactor.
    Reentrant,
    /// A watcher callback panicked. The reactor stays consistent: the watcher is left as the
    /// callback left it and the rest of the tick resumes on the next `run` or `tick`.
    CallbackPanicked {
        /// The watcher whose callback panicked.
        watcher: WatcherId,
        /// Its kind.
        kind: WatcherKind,
        /// Where the watcher was created.
        created_at: &'static Location<'static>,
        /// The panic message, when it was a string.
        message: String,
    },
    /// An fd watcher outlived its fd: the fd was closed without cancelling the watcher, and
    /// its number now names another file (found when a watcher was created for that file).
    /// The stale watchers of the old file are disabled and never called for the new file;
    /// cancelling them stays the caller's job. The new file's watcher works normally.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use ampere_reactor::{Error, Reactor};
    ///
    /// let reactor = Reactor::new()?;
    /// let (a, _peer) = UnixStream::pair()?;
    /// let stale = reactor.on_readable(&a, |_, _, _| unreachable!("never runs for `b`"))?;
    /// let fd = a.as_raw_fd();
    /// drop(a); // closed without cancelling `stale`: a mistake
    /// let (b, mut pb) = UnixStream::pair()?; // the kernel hands out the lowest free number
    /// assert_eq!(b.as_raw_fd(), fd);
    /// reactor.on_readable(&b, |handle, id, _| handle.cancel(id))?;
    /// pb.write_all(b"x")?;
    /// match reactor.run() {
    ///     Err(Error::StaleFdWatcher { fd: n, watcher, .. }) => assert_eq!((n, watcher), (fd, stale)),
    ///     other => panic!("{other:?}"),
    /// }
    /// assert!(!reactor.is_enabled(stale)?);
    /// reactor.run()?; // `b`'s watcher fires and cancels itself
    /// reactor.cancel(stale);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    StaleFdWatcher {
        /// The fd number, which now names another file.
        fd: RawFd,
        /// The oldest watcher left on the closed fd.
        watcher: WatcherId,
        /// Its kind (readable or writable).
        kind: WatcherKind,
        /// Where it was created.
        created_at: &'static Location<'static>,
        /// How many watchers were left on the closed fd, `watcher` included.
        stale: usize,
    },
    /// A fork returned an error; it surfaces out of `run` or `block_on`.
    TaskFailed {
        /// The task.
        task: TaskId,
        /// Where the task was forked.
        spawned_at: &'static Location<'static>,
        /// What the task returned.
        error: BoxError,
    },
    /// A fork panicked; it surfaces out of `run` or `block_on`.
    TaskPanicked {
        /// The task.
        task: TaskId,
        /// Where the task was forked.
        spawned_at: &'static Location<'static>,
        /// The panic message, when it was a string.
        message: String,
    },
    /// A detached task (one whose [`JoinHandle`](crate::JoinHandle) was dropped) panicked.
    /// It goes to the error handler if one is set; otherwise it is logged with
    /// [`log::error!`](https://docs.rs/log) and the reactor goes on: it never comes out of
    /// `run` or `block_on`.
    DetachedTaskPanicked {
        /// The task.
        task: TaskId,
        /// Where the task was spawned.
        spawned_at: &'static Location<'static>,
        /// The panic message, when it was a string.
        message: String,
    },
    /// The error handler itself panicked (on the error it was given, which is lost). The
    /// handler stays set: the next error goes to it again. The tick ends here, like after a
    /// panic with no handler, and the next `run` or `tick` continues where it stopped.
    ErrorHandlerPanicked {
        /// The handler's panic message, when it was a string.
        message: String,
    },
    /// `block_on` found nothing left that could ever wake its future: no referenced watcher,
    /// no runnable task and no blocking job in flight. Returning beats hanging forever.
    ///
    /// The usual cause: the future waits on something registered with *another* reactor (a
    /// socket or [`Async`](crate::Async) made while another reactor was current, a
    /// `JoinHandle` of another reactor's task). Make I/O objects after creating the reactor
    /// you drive, or inside its `block_on`, or under its [`enter`](crate::Handle::enter)
    /// guard: see [`Handle::current`](crate::Handle::current).
    WouldNeverComplete,
    /// The thread's reactor is gone: the thread is exiting and its thread-locals have been
    /// destroyed (this happens to values dropped late in thread teardown).
    ReactorGone,
    /// [`Handle::advance`](crate::Handle::advance) was called on a reactor that runs on the
    /// real clock: only a reactor built with
    /// [`Builder::paused`](crate::Builder::paused) has a clock to move.
    ClockNotPaused,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::InvalidWatcher(id) => write!(f, "{id:?} is not a live watcher"),
            Error::NotATimer { watcher, kind } => write!(f, "{kind:?} watcher {watcher:?} is not a timer"),
            Error::InvalidSignal(signo) => write!(f, "signal {signo} cannot be watched"),
            Error::Reentrant => f.write_str("the reactor is already running on this thread"),
            Error::CallbackPanicked { watcher, kind, created_at, message } => {
                write!(f, "{kind:?} watcher {watcher:?} (created at {created_at}) panicked: {message}")
            }
            Error::StaleFdWatcher { fd, watcher, kind, created_at, stale } => {
                write!(f, "fd {fd} was closed while watched and its number now names another file: ")?;
                write!(f, "{kind:?} watcher {watcher:?} (created at {created_at}) ")?;
                if *stale > 1 {
                    write!(f, "and {} more ", stale - 1)?;
                }
                f.write_str("left on it, now disabled (cancel before closing)")
            }
            Error::TaskFailed { task, spawned_at, error } => {
                write!(f, "{task:?} (forked at {spawned_at}) failed: {error}")
            }
            Error::TaskPanicked { task, spawned_at, message } => {
                write!(f, "{task:?} (forked at {spawned_at}) panicked: {message}")
            }
            Error::DetachedTaskPanicked { task, spawned_at, message } => {
                write!(f, "detached {task:?} (spawned at {spawned_at}) panicked: {message}")
            }
            Error::ErrorHandlerPanicked { message } => write!(f, "the error handler panicked: {message}"),
            Error::WouldNeverComplete => f.write_str(
                "block_on: nothing is left that could complete the future (is it waiting on an I/O \
                 object, timer or task of another reactor, made while a different one was current?)",
            ),
            Error::ReactorGone => f.write_str("the thread's reactor has been destroyed"),
            Error::ClockNotPaused => {
                f.write_str("advance: this reactor runs on the real clock (build it with Reactor::builder().paused())")
            }
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::TaskFailed { error, .. } => Some(&**error),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Io(e) => e,
            Error::InvalidWatcher(_) | Error::NotATimer { .. } | Error::InvalidSignal(_) => {
                io::Error::new(io::ErrorKind::InvalidInput, e)
            }
            other => io::Error::other(other),
        }
    }
}

/// Why a task produced no output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoinError {
    /// The task panicked; the message, when the payload was a string.
    Panicked(String),
    /// The task was aborted, or its reactor was dropped first.
    Aborted,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(m) => write!(f, "task panicked: {m}"),
            JoinError::Aborted => f.write_str("task was aborted"),
        }
    }
}

impl std::error::Error for JoinError {}

/// Turns a panic payload into the message users see (`&str` and `String` payloads; anything
/// else becomes a placeholder, since it cannot be printed). What the reactor's errors carry;
/// public so that code catching panics of its own (the loops crate does) reports them alike.
///
/// # Examples
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("boom {}", 42)).unwrap_err();
/// assert_eq!(ampere_reactor::panic_message(&*payload), "boom 42");
/// ```
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

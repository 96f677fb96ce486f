//! The crate's error type.
//!
//! One small enum, written by hand: every failure a user can act on has its own variant, and
//! plain [`io::Error`] only appears where the operating system said no. Conversions go both
//! ways so `?` works in functions returning either type.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::panic::Location;

use crate::executor::TaskId;
use crate::watcher::{WatcherId, WatcherKind};

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
    /// A fork returned an error; it surfaces out of `run` or `block_on`.
    TaskFailed {
        /// The task.
        task: TaskId,
        /// Where the task was forked.
        spawned_at: &'static Location<'static>,
        /// What the task returned.
        error: Box<dyn StdError + Send + Sync>,
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
    /// The error handler itself panicked (on the error it was given, which is lost). The
    /// handler stays set: the next error goes to it again. The tick ends here, like after a
    /// panic with no handler, and the next `run` or `tick` continues where it stopped.
    ErrorHandlerPanicked {
        /// The handler's panic message, when it was a string.
        message: String,
    },
    /// `block_on` found nothing left that could ever wake its future: no referenced watcher,
    /// no runnable task and no blocking job in flight. Returning beats hanging forever.
    WouldNeverComplete,
    /// The thread's reactor is gone: the thread is exiting and its thread-locals have been
    /// destroyed (this happens to values dropped late in thread teardown).
    ReactorGone,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::InvalidWatcher(id) => write!(f, "{id:?} is not a live watcher"),
            Error::InvalidSignal(signo) => write!(f, "signal {signo} cannot be watched"),
            Error::Reentrant => f.write_str("the reactor is already running on this thread"),
            Error::CallbackPanicked { watcher, kind, created_at, message } => {
                write!(f, "{kind:?} watcher {watcher:?} (created at {created_at}) panicked: {message}")
            }
            Error::TaskFailed { task, spawned_at, error } => {
                write!(f, "{task:?} (forked at {spawned_at}) failed: {error}")
            }
            Error::TaskPanicked { task, spawned_at, message } => {
                write!(f, "{task:?} (forked at {spawned_at}) panicked: {message}")
            }
            Error::ErrorHandlerPanicked { message } => write!(f, "the error handler panicked: {message}"),
            Error::WouldNeverComplete => f.write_str("block_on: nothing is left that could complete the future"),
            Error::ReactorGone => f.write_str("the thread's reactor has been destroyed"),
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
            Error::InvalidWatcher(_) | Error::InvalidSignal(_) => io::Error::new(io::ErrorKind::InvalidInput, e),
            other => io::Error::other(other),
        }
    }
}

/// Turns a panic payload into the message users see (`&str` and `String` payloads; anything
/// else becomes a placeholder, since it cannot be printed).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

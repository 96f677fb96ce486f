//! The crate's errors: [`LoopError`] for starting and finishing a loop, [`Undelivered`] for a
//! signal nobody was waiting for.

use std::error::Error as StdError;
use std::fmt;

use ampere_reactor::BoxError;

/// Why a loop did not start, or how its body ended when it did not return `Ok`.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoopError {
    /// [`start`](crate::LoopHandle::start) on a loop whose body is running or paused, or is
    /// stopping with another start already waiting for it. The running body is not disturbed;
    /// this is also logged.
    AlreadyRunning,
    /// The body returned this error (which may be an error [signal](crate::LoopHandle::signal_error)
    /// it propagated).
    Failed(BoxError),
    /// The body panicked; the message, when the payload was a string.
    Panicked(String),
    /// The body was dropped before it finished: its reactor was dropped first.
    Aborted,
    /// [`start`](crate::LoopHandle::start) found no reactor to run on (thread teardown).
    Reactor(ampere_reactor::Error),
}

impl fmt::Display for LoopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoopError::AlreadyRunning => f.write_str("the loop is already running"),
            LoopError::Failed(e) => write!(f, "the loop failed: {e}"),
            LoopError::Panicked(m) => write!(f, "the loop panicked: {m}"),
            LoopError::Aborted => f.write_str("the loop was dropped before it finished"),
            LoopError::Reactor(e) => write!(f, "the loop could not start: {e}"),
        }
    }
}

impl StdError for LoopError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            LoopError::Failed(e) => Some(&**e),
            LoopError::Reactor(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ampere_reactor::Error> for LoopError {
    fn from(e: ampere_reactor::Error) -> Self {
        LoopError::Reactor(e)
    }
}

/// A signal that found nobody waiting for it, given back to the sender.
///
/// A signal is delivered only to a body that is inside
/// [`wait_signal`](crate::LoopContext::wait_signal) with no other signal already on its way;
/// anything else (the loop is idle, the body is busy, a signal is pending) returns the value
/// here instead of dropping it, so the sender decides: retry, `resume`, or give up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Undelivered<T>(pub T);

impl<T> Undelivered<T> {
    /// The signal that was not delivered.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Undelivered<T> {
    // Not derived: a signal need not be `Debug` for its error to be.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Undelivered").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for Undelivered<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("signal not delivered: the loop was not waiting for one")
    }
}

impl<T> StdError for Undelivered<T> {}

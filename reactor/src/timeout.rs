//! Timeouts as tokio users write them: [`timeout`]`(duration, future)` and the method form
//! [`FutureExt::timeout`], both giving `Result<T, TimedOut>`; [`TimedOut`] converts into an
//! `io::Error` of kind `TimedOut`, so `?` works in I/O code.
//!
//! `ampere_combinators::timeout(future, duration)` is the same race in Amp's argument order
//! (and returns this same [`TimedOut`]).

use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::time::{sleep, Sleep};

/// A timeout expired before its future finished (Amp's `TimeoutException`).
///
/// Converts into an [`io::Error`] of kind [`io::ErrorKind::TimedOut`].
///
/// # Examples
///
/// ```
/// let e: std::io::Error = ampere_reactor::TimedOut.into();
/// assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TimedOut;

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation timed out")
    }
}

impl Error for TimedOut {}

impl From<TimedOut> for io::Error {
    fn from(e: TimedOut) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, e)
    }
}

/// Waits for `future`, or gives up after `duration` with [`TimedOut`], dropping the future
/// (tokio's `tokio::time::timeout`, same argument order).
///
/// If both are ready in the same poll, the output wins. The deadline is fixed when `timeout`
/// is called; the timer is a referenced [`Sleep`] (it keeps `run` and `block_on` going), freed
/// as soon as either side finishes or the `Timeout` is dropped.
///
/// # Panics
///
/// Polling it on a thread whose reactor is gone (thread teardown) panics, as [`Sleep`] does.
///
/// # Examples
///
/// ```
/// use std::future::pending;
/// use std::time::Duration;
/// use ampere_reactor::{timeout, TimedOut};
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// assert_eq!(reactor.block_on(timeout(Duration::from_secs(60), async { 7 }))?, Ok(7));
/// let stuck = reactor.block_on(timeout(Duration::from_millis(1), pending::<()>()))?;
/// assert_eq!(stuck, Err(TimedOut));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout { race: Some((Box::pin(future.into_future()), sleep(duration))) }
}

/// The future of [`timeout`]: `Ok(output)`, or `Err(TimedOut)`.
///
/// # Panics
///
/// Polling it again after it resolved panics.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Timeout<F> {
    /// The future (boxed: safe code cannot pin-project) and its timer, until one finishes.
    race: Option<(Pin<Box<F>>, Sleep)>,
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, TimedOut>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (future, timer) = this.race.as_mut().expect("`timeout` polled after it resolved");
        // The future first: when both are ready, finished work wins over the timer.
        let out = match future.as_mut().poll(cx) {
            Poll::Ready(out) => Ok(out),
            Poll::Pending => match Pin::new(timer).poll(cx) {
                Poll::Ready(()) => Err(TimedOut),
                Poll::Pending => return Poll::Pending,
            },
        };
        this.race = None; // drops the timer (or the future) now
        Poll::Ready(out)
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let deadline = self.race.as_ref().and_then(|(_, timer)| timer.deadline());
        f.debug_struct("Timeout").field("deadline", &deadline).finish_non_exhaustive()
    }
}

/// [`timeout`] as a method on every future: `read.timeout(Duration::from_secs(30)).await`.
/// In the [`prelude`](crate::prelude).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ampere_reactor::TimeoutExt;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let out = reactor.block_on(async { 1 + 1 }.timeout(Duration::from_secs(1)))?;
/// assert_eq!(out, Ok(2));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub trait TimeoutExt: IntoFuture + Sized {
    /// Waits for `self`, or gives up after `duration`: see [`timeout`].
    #[track_caller]
    fn timeout(self, duration: Duration) -> Timeout<Self::IntoFuture> {
        timeout(duration, self)
    }
}

impl<F: IntoFuture> TimeoutExt for F {}

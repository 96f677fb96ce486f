//! [`timeout`] and [`timeout_with_default`]: a future raced against a reactor timer
//! (MadelineProto's `timeout($promise, $seconds)`).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

#[cfg(doc)]
use ampere_reactor::Sleep;
/// The race itself is the reactor's: one future type for both argument orders.
pub use ampere_reactor::Timeout;

use crate::TimedOut;

/// Waits for `future`, or gives up after `duration` with [`TimedOut`], dropping the future.
///
/// The output is `Ok(output)` if the future finishes first, and `Err(TimedOut)` otherwise.
/// If both are ready in the same poll, the output wins: finished work is never thrown away.
///
/// Amp's argument order; [`ampere_reactor::timeout`] is the same race in tokio's order,
/// `timeout(duration, future)`, and `.timeout(d)` ([`ampere_reactor::TimeoutExt`]) the method
/// form. All three fail with the same [`TimedOut`], which converts into an `io::Error`.
///
/// # Keep-alive
///
/// The timer is an ordinary referenced [`Sleep`]: while the timeout is pending it keeps
/// [`run()`](ampere_reactor::Handle::run) going and gives
/// [`block_on`](ampere_reactor::Handle::block_on) a reason to wait. So a timeout around a
/// future that nothing will ever wake still ends, with `TimedOut`, after `duration`; `run()`
/// does not return early and `block_on` does not fail with
/// [`WouldNeverComplete`](ampere_reactor::Error::WouldNeverComplete).
///
/// The timer is released as soon as either side finishes, or when the `Timeout` is dropped:
/// a finished or abandoned timeout never holds the reactor open.
///
/// # Precision
///
/// Never early: the deadline is fixed when `timeout` is called (not at the first poll), and
/// `TimedOut` comes no sooner than `duration` after that; late by the reactor's timer
/// resolution. A duration too large to represent never expires.
///
/// # Panics
///
/// Polling it on a thread whose reactor is gone (thread teardown) panics, as [`Sleep`] does.
///
/// # Notes
///
/// The timer lives on the reactor that first polls the timeout (the thread's current one).
/// Under another executor it fires only if that reactor is being driven.
///
/// # Examples
///
/// ```
/// use std::future::pending;
/// use std::time::Duration;
/// use ampere_combinators::{timeout, TimedOut};
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let fast = reactor.block_on(timeout(async { 7 }, Duration::from_secs(60)))?;
/// assert_eq!(fast, Ok(7));
/// let stuck = reactor.block_on(timeout(pending::<()>(), Duration::from_millis(1)))?;
/// assert_eq!(stuck, Err(TimedOut));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[track_caller]
pub fn timeout<F: IntoFuture>(future: F, duration: Duration) -> Timeout<F::IntoFuture> {
    // `#[track_caller]` passes the caller's location on (to the reactor's `timeout`, then to
    // its `sleep`), so the reactor's keep-alive report names this `timeout` call.
    ampere_reactor::timeout(duration, future)
}

/// [`timeout`], with `default` as the output if the time runs out (MadelineProto's
/// `first([$promise, sleep($seconds)])`).
///
/// The same keep-alive and precision rules apply.
///
/// # Examples
///
/// ```
/// use std::future::pending;
/// use std::time::Duration;
/// use ampere_combinators::timeout_with_default;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let cached = reactor.block_on(timeout_with_default(pending(), Duration::from_millis(1), "cached"))?;
/// assert_eq!(cached, "cached");
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[track_caller]
pub fn timeout_with_default<F: IntoFuture>(
    future: F,
    duration: Duration,
    default: F::Output,
) -> TimeoutWithDefault<F::IntoFuture> {
    TimeoutWithDefault { inner: timeout(future, duration), default: Some(default) }
}

/// The future of [`timeout_with_default`]: the output, or the default.
///
/// # Panics
///
/// Polling it again after it resolved panics.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct TimeoutWithDefault<F: Future> {
    inner: Timeout<F>,
    /// Given back on expiry. `None` once resolved.
    default: Option<F::Output>,
}

// The default is never pinned, and the inner future is boxed.
impl<F: Future> Unpin for TimeoutWithDefault<F> {}

impl<F: Future> Future for TimeoutWithDefault<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        Pin::new(&mut this.inner).poll(cx).map(|out| {
            let default = this.default.take();
            out.unwrap_or_else(|TimedOut| default.expect("`timeout_with_default` polled after it resolved"))
        })
    }
}

impl<F: Future> fmt::Debug for TimeoutWithDefault<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeoutWithDefault").field("inner", &self.inner).finish_non_exhaustive()
    }
}

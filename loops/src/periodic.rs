//! [`PeriodicLoop`]: run a callback, wait an interval, again, until told to stop.

use std::fmt;
use std::ops::ControlFlow;
use std::time::Duration;

use ampere_reactor::BoxError;

use crate::next_tick::next_tick;
use crate::{Loop, LoopContext, Outcome, Wakeup};

/// The signal that stops a [`PeriodicLoop`] from outside: `handle.signal(Stop)`. It is
/// delivered while the loop waits out its interval (not while the callback runs, when
/// [`stop`](crate::LoopHandle::stop) is the way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Stop;

/// What a [`PeriodicLoop`] callback may return: `()` (go on), `bool` (`true` stops the
/// loop), [`ControlFlow`] (`Break` stops it), or a `Result` of any of them, whose error ends
/// the loop as a failure.
pub trait IntoStop {
    /// Whether to stop, or the error that ends the loop.
    ///
    /// # Errors
    ///
    /// The callback's own error.
    fn into_stop(self) -> Result<bool, BoxError>;
}

impl IntoStop for () {
    fn into_stop(self) -> Result<bool, BoxError> {
        Ok(false)
    }
}

impl IntoStop for bool {
    fn into_stop(self) -> Result<bool, BoxError> {
        Ok(self)
    }
}

impl IntoStop for ControlFlow<()> {
    fn into_stop(self) -> Result<bool, BoxError> {
        Ok(self.is_break())
    }
}

impl<T: IntoStop, E: Into<BoxError>> IntoStop for Result<T, E> {
    fn into_stop(self) -> Result<bool, BoxError> {
        self.map_err(Into::into)?.into_stop()
    }
}

/// A loop that runs a callback, then waits `interval`, then runs it again: the PHP original's
/// `PeriodicLoop`. Its handle is a `LoopHandle<Stop>`.
///
/// - The first run is at once; the interval is counted from the end of one run to the start
///   of the next (a fixed delay, as in the PHP original; for a drift-free rate use
///   [`ampere_reactor::interval`] in a hand-written body).
/// - [`resume`](crate::LoopHandle::resume) during the wait runs the callback early, and the
///   next wait is a full interval from that run. A resume while the callback runs makes the
///   next wait end at once.
/// - It stops when the callback says so ([`IntoStop`]), on [`stop`](crate::LoopHandle::stop)
///   (after the current run, if one is going on), or on the [`Stop`] signal.
/// - A zero interval gives the reactor a full turn between runs instead of spinning.
///
/// Unlike [`GenericLoop`](crate::GenericLoop), the callback is not given the loop's context
/// (as in the PHP original, it is not bound to the loop).
///
/// # Examples
///
/// The PHP original's example, saying hi every 2 seconds (here every 2 ms, until the third time):
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use std::time::Duration;
/// use ampere_loops::{BoxError, LoopHandle, PeriodicLoop};
///
/// # async fn send_message(outbox: &RefCell<Vec<String>>, text: &str) -> Result<(), BoxError> {
/// #     outbox.borrow_mut().push(text.to_owned());
/// #     Ok(())
/// # }
/// let outbox = Rc::new(RefCell::new(Vec::new()));
/// let sent = outbox.clone();
/// let periodic = LoopHandle::new(PeriodicLoop::new("My super loop", Duration::from_millis(2), async move || {
///     send_message(&sent, "Hi every 2 milliseconds").await?;
///     Ok::<_, BoxError>(sent.borrow().len() == 3) // true: that was the last one
/// }));
/// ampere_reactor::block_on(periodic.start()?)??;
/// assert_eq!(outbox.borrow().len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PeriodicLoop<F> {
    name: String,
    interval: Duration,
    callback: F,
}

impl<F> PeriodicLoop<F> {
    /// A periodic loop named `name` that runs `callback` every `interval`.
    pub fn new<R>(name: impl Into<String>, interval: Duration, callback: F) -> PeriodicLoop<F>
    where
        F: AsyncFnMut() -> R,
        R: IntoStop,
    {
        PeriodicLoop { name: name.into(), interval, callback }
    }

    /// The time between the end of one run and the start of the next.
    pub fn interval(&self) -> Duration {
        self.interval
    }
}

impl<F, R> Loop<Stop> for PeriodicLoop<F>
where
    F: AsyncFnMut() -> R + 'static,
    R: IntoStop,
{
    fn name(&self) -> String {
        self.name.clone()
    }

    async fn run(&mut self, this: &LoopContext<Stop>) -> Result<(), BoxError> {
        while !this.is_stopping() {
            if (self.callback)().await.into_stop()? {
                break;
            }
            let outcome = if self.interval.is_zero() {
                this.wait_signal(async {
                    next_tick().await;
                    Wakeup::Elapsed
                })
                .await?
            } else {
                this.wait_signal(this.pause(Some(self.interval))).await?
            };
            match outcome {
                Outcome::Signal(Stop) | Outcome::Completed(Wakeup::Stopped) => break,
                // Elapsed, or resumed early: run again, and the next wait starts afresh.
                Outcome::Completed(Wakeup::Elapsed | Wakeup::Resumed) => {}
            }
        }
        Ok(())
    }
}

impl<F> fmt::Debug for PeriodicLoop<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeriodicLoop")
            .field("name", &self.name)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

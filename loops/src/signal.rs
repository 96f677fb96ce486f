//! Signals (the PHP original's `SignalLoop`): [`LoopHandle::signal`] and
//! [`LoopHandle::signal_error`] from outside, [`LoopContext::wait_signal`] inside the body.
//!
//! # The rules
//!
//! - `wait_signal(future)` resolves with [`Outcome::Completed`] and the future's output, or
//!   with [`Outcome::Signal`] if a signal arrives first; an error signal makes it return that
//!   error. The future is dropped either way.
//! - A signal is delivered only while the body awaits a `wait_signal` and no other signal is
//!   already on its way to it. Otherwise it is given back as [`Undelivered`]: the PHP original drops
//!   (or misroutes) such a signal silently.
//! - A delivered signal is never lost: if the signal and the future's output are both ready,
//!   the signal wins; if the `wait_signal` is dropped before returning it, the next
//!   `wait_signal` returns it at once. (A body that exits without waiting again drops it, with
//!   a warning in the log.)
//! - Like `resume`, `signal` only wakes the body's task: the body sees the signal on the
//!   reactor's next pass over its tasks.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use ampere_reactor::BoxError;

use crate::control::Control;
use crate::{LoopContext, LoopHandle, Undelivered};

/// The signal type of a loop that takes no signals: it has no values, so nothing can be sent
/// with [`LoopHandle::signal`] (an error still can, with `signal_error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoSignal {}

/// How a [`wait_signal`](LoopContext::wait_signal) ended, when it did not end with an error
/// signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome<T, S> {
    /// The future completed first, with this output.
    Completed(T),
    /// This signal arrived first.
    Signal(S),
}

impl<S: 'static> LoopContext<S> {
    /// Waits for `future`, or for a signal, whichever comes first. See the
    /// [module docs](crate::signal) for the rules.
    ///
    /// The future is boxed (once, here), so any future will do.
    ///
    /// # Errors
    ///
    /// The error sent with [`LoopHandle::signal_error`], if that arrives first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use ampere_loops::{GenericLoop, LoopContext, LoopHandle, Next, Outcome};
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let lp = LoopHandle::new(GenericLoop::with_signals("listener", async |this: &LoopContext<&str>| {
    ///     match this.wait_signal(this.pause(None)).await {
    ///         Ok(Outcome::Signal(word)) => assert_eq!(word, "hello"),
    ///         other => panic!("expected a signal, got {other:?}"),
    ///     }
    ///     Next::Stop
    /// }));
    /// let done = lp.start_on(&reactor)?;
    /// reactor.block_on(async {
    ///     ampere_reactor::sleep(Duration::from_millis(1)).await; // let the body reach its wait
    ///     lp.signal("hello").unwrap();
    ///     done.await
    /// })??;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait_signal<F: Future>(&self, future: F) -> WaitSignal<'_, F, S> {
        WaitSignal { control: &self.control, future: Box::pin(future), serial: None, done: false }
    }
}

impl<S: 'static> LoopHandle<S> {
    /// Sends `signal` into the body, waking its [`wait_signal`](LoopContext::wait_signal).
    ///
    /// # Errors
    ///
    /// [`Undelivered`], with the signal, if the body was not waiting for one (the loop is
    /// idle or busy, or another signal is already on its way).
    pub fn signal(&self, signal: S) -> Result<(), Undelivered<S>> {
        self.control.send(signal, Ok)
    }

    /// Sends an error into the body: its [`wait_signal`](LoopContext::wait_signal) returns
    /// `Err(error)`. The PHP original's `signal($exception)`.
    ///
    /// # Errors
    ///
    /// [`Undelivered`], with the error, on the same terms as [`LoopHandle::signal`].
    pub fn signal_error(&self, error: impl Into<BoxError>) -> Result<(), Undelivered<BoxError>> {
        self.control.send(error.into(), Err)
    }
}

/// The future of [`LoopContext::wait_signal`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct WaitSignal<'a, F, S> {
    control: &'a Control<S>,
    future: Pin<Box<F>>,
    /// The waiter's registration, from the first poll on.
    serial: Option<u64>,
    /// Returned: it holds no registration any more.
    done: bool,
}

impl<F: Future, S> Future for WaitSignal<'_, F, S> {
    type Output = Result<Outcome<F::Output, S>, BoxError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(!self.done, "`WaitSignal` polled after it returned");
        // Register before polling the future, so a signal sent while it runs is taken.
        let serial = self.control.signals.borrow_mut().wait(self.serial, cx.waker());
        self.serial = Some(serial);
        // The signal first: the sender was told it was delivered.
        let signal = self.control.signals.borrow_mut().take();
        let output = match signal {
            Some(signal) => signal.map(Outcome::Signal),
            None => match self.future.as_mut().poll(cx) {
                Poll::Ready(out) => Ok(Outcome::Completed(out)),
                Poll::Pending => return Poll::Pending,
            },
        };
        self.control.signals.borrow_mut().unwait(serial);
        self.done = true;
        Poll::Ready(output)
    }
}

impl<F, S> Drop for WaitSignal<'_, F, S> {
    fn drop(&mut self) {
        if let (Some(serial), false) = (self.serial, self.done) {
            self.control.signals.borrow_mut().unwait(serial);
        }
    }
}

impl<F, S> fmt::Debug for WaitSignal<'_, F, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitSignal").field("waiting", &(self.serial.is_some() && !self.done)).finish_non_exhaustive()
    }
}

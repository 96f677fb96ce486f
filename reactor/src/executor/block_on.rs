//! [`block_on`]: MadelineProto's `loop($promise)`, driving the reactor until one future is done.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::sync::{AtomicBool, Ordering};
use super::waker::MainWaker;
use crate::current::DrivingGuard;
use crate::{Error, Handle, Result};

impl Handle {
    /// Drives the reactor until `future` completes, and returns its output. Other tasks and
    /// watchers keep running meanwhile.
    ///
    /// # Errors
    ///
    /// - [`Error::Reentrant`] from inside a callback or task of this reactor: awaiting is the
    ///   way to wait there.
    /// - [`Error::WouldNeverComplete`] when the future is pending and nothing could ever wake
    ///   it: no enabled referenced watcher, no runnable task, no async I/O waiting, no
    ///   blocking job in flight. (A future woken only by a thread you started yourself counts
    ///   as such: keep a referenced watcher, or use [`spawn_blocking`](crate::spawn_blocking).)
    /// - Errors that [`run`](Handle::run) would return (a callback panic, a failed fork),
    ///   when no error handler is set. The future is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let out = reactor.block_on(async {
    ///     ampere_reactor::sleep(Duration::from_millis(1)).await;
    ///     "slept"
    /// })?;
    /// assert_eq!(out, "slept");
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        let _driving = DrivingGuard::enter(self)?;
        let main =
            Arc::new(MainWaker { woken: AtomicBool::new(true), shared: Arc::clone(&self.inner.executor.shared) });
        let waker = Waker::from(Arc::clone(&main));
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if let Some(e) = self.inner.state.borrow_mut().errors.pop_front() {
                return Err(e);
            }
            if main.woken.swap(false, Ordering::AcqRel) {
                if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                    return Ok(out);
                }
            }
            // A future that woke itself (a yield) is polled again after one full tick, not
            // before: tasks and watchers get their turn, and the tick does not block.
            let again = main.woken.load(Ordering::Acquire);
            if !again && !self.can_progress() {
                return Err(Error::WouldNeverComplete);
            }
            self.turn_with(again)?;
        }
    }

    /// Whether anything could still happen without outside help.
    fn can_progress(&self) -> bool {
        self.inner.state.borrow().alive_watchers() > 0
            || self.inner.executor.may_be_woken()
            || crate::io::waiting_sources(self) > 0
    }
}

/// [`Handle::block_on`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`] and [`Handle::block_on`].
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    Handle::current()?.block_on(future)
}

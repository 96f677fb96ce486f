//! Spawning: [`spawn`] (a task with a result), [`fork`] (a task whose failure is the
//! program's failure) and [`fork_deferred`].

use std::future::Future;
use std::panic::Location;
use std::rc::Rc;

use super::join::JoinHandle;
use super::table::{ForkOutcome, Peer};
use super::TaskId;
use crate::{Handle, Result};

/// The error type a fork may return: anything that converts into a boxed error
/// (`io::Error`, `String`, `&str`, your own error types, ...).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl Handle {
    /// Spawns `future` as a task on this reactor; it is first polled in this tick's task phase
    /// (or the next tick's, if that phase is over).
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let task = reactor.spawn(async { 6 * 7 });
    /// assert_eq!(reactor.block_on(task)?, Ok(42));
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // The future itself is the task's body: one allocation, none for a zero-sized future.
        let task = self.inner.executor.insert(Box::pin(future), Peer::Handle(None));
        JoinHandle::new(task, Rc::downgrade(&self.inner))
    }

    /// Spawns a fork (MadelineProto's `callFork`): a task whose `Err` or panic comes out of
    /// [`run`](Handle::run) or [`block_on`](Handle::block_on) as
    /// [`Error::TaskFailed`](crate::Error::TaskFailed) /
    /// [`Error::TaskPanicked`](crate::Error::TaskPanicked), naming the task and where it was
    /// forked, unless an error handler takes it. Like `callFork`, it is fire-and-forget:
    /// the returned id can [`abort`](Handle::abort) it, nothing awaits it.
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// reactor.fork(async { Err::<(), _>("the disk is full") });
    /// let err = reactor.run().unwrap_err();
    /// assert!(err.to_string().contains("the disk is full"));
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    #[track_caller]
    pub fn fork<F, E>(&self, future: F) -> TaskId
    where
        F: Future<Output = std::result::Result<(), E>> + 'static,
        E: Into<BoxError>,
    {
        self.insert_fork(future, Location::caller())
    }

    fn insert_fork<F, E>(&self, future: F, spawned_at: &'static Location<'static>) -> TaskId
    where
        F: Future<Output = std::result::Result<(), E>> + 'static,
        E: Into<BoxError>,
    {
        // Nobody awaits a fork: its outcome, recognised by its type, goes to `run`.
        let body = async move { ForkOutcome(future.await.err().map(Into::into)) };
        self.inner.executor.insert(Box::pin(body), Peer::Fork(spawned_at))
    }

    /// Aborts task `id`: its future is dropped now, releasing its watchers and timers. Returns
    /// whether it was still running. See [`JoinHandle::abort`].
    pub fn abort(&self, id: TaskId) -> bool {
        self.inner.executor.abort(id)
    }

    /// Forks `future` on the next tick (MadelineProto's `callForkDefer`): it is spawned by a
    /// defer, so everything the current tick does happens before its first poll.
    #[track_caller]
    pub fn fork_deferred<F, E>(&self, future: F)
    where
        F: Future<Output = std::result::Result<(), E>> + 'static,
        E: Into<BoxError>,
    {
        // Keep the caller's location: the error should name where the fork was written.
        let location = Location::caller();
        self.defer(move |h, _| {
            h.insert_fork(future, location);
        });
    }
}

/// [`Handle::spawn`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`].
#[track_caller]
pub fn spawn<F>(future: F) -> Result<JoinHandle<F::Output>>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Ok(Handle::current()?.spawn(future))
}

/// [`Handle::fork`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`].
#[track_caller]
pub fn fork<F, E>(future: F) -> Result<TaskId>
where
    F: Future<Output = std::result::Result<(), E>> + 'static,
    E: Into<BoxError>,
{
    Ok(Handle::current()?.fork(future))
}

/// [`Handle::fork_deferred`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`].
#[track_caller]
pub fn fork_deferred<F, E>(future: F) -> Result<()>
where
    F: Future<Output = std::result::Result<(), E>> + 'static,
    E: Into<BoxError>,
{
    Handle::current()?.fork_deferred(future);
    Ok(())
}

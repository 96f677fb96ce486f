//! Tasks: [`Handle::spawn`] (a task with a result), [`Handle::fork`] (a task whose failure is
//! the program's failure), [`Handle::fork_deferred`], [`Handle::abort`] and
//! [`Handle::spawn_blocking`], with their free functions on the current reactor. The executor
//! behind them is `executor/`.

use std::future::Future;
use std::panic::Location;

use crate::core::state::Handle;
use crate::error::{BoxError, Result};
use crate::executor::join::JoinHandle;
use crate::id::TaskId;

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
        self.inner.executor.spawn(future)
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
        self.inner.executor.fork(future, Location::caller())
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
            h.inner.executor.fork(future, location);
        });
    }

    /// Runs `work` on a helper thread and returns a handle to its result. A panic in `work`
    /// becomes [`JoinError::Panicked`](crate::JoinError::Panicked) for the awaiter.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if no helper thread exists and none can be started.
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let sum = reactor.spawn_blocking(|| (1..=100u32).sum::<u32>())?;
    /// assert_eq!(reactor.block_on(sum)?, Ok(5050));
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, T>(&self, work: F) -> Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Ok(self.inner.executor.spawn_blocking(work)?)
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

/// [`Handle::spawn_blocking`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`] and [`Handle::spawn_blocking`].
#[track_caller]
pub fn spawn_blocking<F, T>(work: F) -> Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Handle::current()?.spawn_blocking(work)
}

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
        self.inner.executor.spawn(future, Location::caller())
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

/// [`Handle::spawn`] on the current reactor (see [`Handle::current`]), as tokio's and smol's
/// `spawn`: it returns the task's [`JoinHandle`]; dropping the handle detaches the task.
///
/// A detached task that panics is not lost: the panic goes to the reactor's error handler if
/// one is set, else to [`log::error!`](https://docs.rs/log) with where the task was spawned,
/// and the reactor goes on. A task whose output is an `Err` is the caller's to handle: await
/// the handle, or handle the error inside the task (the server pattern below).
///
/// # Panics
///
/// Only during thread teardown, when the thread's reactor has already been destroyed (a
/// value dropped late that spawns). [`try_spawn`] returns that as an error instead.
///
/// # Examples
///
/// The server pattern: one task per connection, whose error is logged, not fatal.
///
/// ```
/// use ampere_reactor::net::{TcpListener, TcpStream};
/// use ampere_reactor::prelude::*;
///
/// async fn handle(stream: TcpStream) -> std::io::Result<()> {
///     let mut lines = BufReader::new(&stream).lines();
///     while let Some(line) = lines.next().await {
///         (&stream).write_all(format!("{}\n", line?).as_bytes()).await?;
///     }
///     Ok(())
/// }
///
/// async fn serve(listener: TcpListener) -> std::io::Result<()> {
///     loop {
///         let (stream, peer) = listener.accept().await?;
///         spawn(async move {
///             if let Err(e) = handle(stream).await {
///                 log::warn!("{peer}: {e}"); // one client's reset never ends the server
///             }
///         });
///     }
/// }
/// # let reactor = ampere_reactor::Reactor::new()?;
/// # let listener = TcpListener::bind("127.0.0.1:0")?;
/// # let addr = listener.local_addr()?;
/// # let server = reactor.spawn(serve(listener));
/// # reactor.block_on(async move {
/// #     let mut c = TcpStream::connect(addr).await?;
/// #     c.write_all(b"hi\n").await?;
/// #     let mut buf = [0; 3];
/// #     c.read_exact(&mut buf).await?;
/// #     assert_eq!(&buf, b"hi\n");
/// #     Ok::<_, std::io::Error>(())
/// # })??;
/// # server.abort();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    match try_spawn(future) {
        Ok(handle) => handle,
        Err(e) => panic!("ampere_reactor::spawn: {e} (use try_spawn during thread teardown)"),
    }
}

/// [`spawn`], returning an error instead of panicking when the thread's reactor is gone.
///
/// # Errors
///
/// As for [`Handle::current`].
///
/// # Examples
///
/// ```
/// let reactor = ampere_reactor::Reactor::new()?;
/// let task = ampere_reactor::try_spawn(async { 7 })?;
/// assert_eq!(reactor.block_on(task)?, Ok(7));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[track_caller]
pub fn try_spawn<F>(future: F) -> Result<JoinHandle<F::Output>>
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

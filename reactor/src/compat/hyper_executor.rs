//! [`AmpereExecutor`]: where hyper spawns its background tasks, on the current reactor.

use std::future::Future;

/// hyper's [`Executor`](hyper::rt::Executor) on ampere: spawns each future as a task on the
/// current thread's reactor. The futures need not be `Send` (ampere's streams are not), so
/// this is the executor for HTTP/2 connections: `http2::Builder::new(AmpereExecutor)`.
///
/// The tasks are detached: they end when hyper's streams do.
///
/// # Panics
///
/// `execute` panics when called while the thread's reactor is being destroyed (thread
/// teardown), where no task can be spawned, as [`spawn`](crate::spawn) fails then.
///
/// # Examples
///
/// ```
/// use hyper::rt::Executor;
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let ran = Rc::new(Cell::new(false)); // an `Rc`: the future is `!Send`
/// let flag = ran.clone();
/// reactor.block_on(async move {
///     ampere_reactor::compat::AmpereExecutor.execute(async move { flag.set(true) });
///     ampere_reactor::sleep(std::time::Duration::from_millis(1)).await;
/// })?;
/// assert!(ran.get());
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AmpereExecutor;

impl<F> hyper::rt::Executor<F> for AmpereExecutor
where
    F: Future + 'static,
    F::Output: 'static,
{
    fn execute(&self, future: F) {
        let task =
            crate::tasks::try_spawn(future).expect("AmpereExecutor used after the thread's reactor was destroyed");
        drop(task); // detached
    }
}

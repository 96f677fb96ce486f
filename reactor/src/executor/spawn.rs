//! Spawning, on the executor's side: a task with a handle to await it, and a fork (a task
//! whose failure is the program's failure). The public `spawn`, `fork` and `fork_deferred`
//! are in `tasks.rs`.

use std::future::Future;
use std::panic::Location;
use std::rc::Rc;

use super::join::JoinHandle;
use super::table::{ForkOutcome, Peer};
use super::task::Executor;
use crate::error::BoxError;
use crate::id::TaskId;

impl Executor {
    /// Stores `future` as a task spawned at `spawned_at`, queued for its first poll, and
    /// returns its handle.
    pub(crate) fn spawn<F>(self: &Rc<Self>, future: F, spawned_at: &'static Location<'static>) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // The future itself is the task's body: one allocation, none for a zero-sized future.
        let task = self.insert(Box::pin(future), Peer::Joiner(None));
        JoinHandle::new(task, Rc::downgrade(self), spawned_at)
    }

    /// Stores `future` as a fork forked at `spawned_at`, queued for its first poll.
    pub(crate) fn fork<F, E>(&self, future: F, spawned_at: &'static Location<'static>) -> TaskId
    where
        F: Future<Output = std::result::Result<(), E>> + 'static,
        E: Into<BoxError>,
    {
        // Nobody awaits a fork: its outcome, recognised by its type, goes to `run`.
        let body = async move { ForkOutcome(future.await.err().map(Into::into)) };
        self.insert(Box::pin(body), Peer::Fork(spawned_at))
    }
}

//! [`JoinHandle`]: awaiting, detaching and aborting a task.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Weak;
use std::task::{ready, Context, Poll};

use super::task::Executor;
use crate::error::JoinError;
use crate::id::TaskId;

/// An owned permission to await a task's output.
///
/// Awaiting gives `Ok(output)`, or a [`JoinError`] if the task panicked or was aborted.
/// Dropping the handle detaches the task (it runs on, its output is dropped: MadelineProto's
/// "ignored async"); a panic of a detached task is still reported (see
/// [`spawn`](crate::spawn)). [`JoinHandle::abort`] cancels it.
///
/// Not `#[must_use]`, as in tokio: `spawn(task);` is the ordinary way to start a task that
/// runs on its own, such as a server's per-connection task.
pub struct JoinHandle<T> {
    pub(crate) task: TaskId,
    /// The output waits in the task's slot, so the handle holds no allocation of its own.
    pub(crate) reactor: Weak<Executor>,
    /// The output was taken: polling again stays pending, dropping has nothing to detach.
    taken: bool,
    /// Takes the output out of its box. Made by `new`, where `T: 'static` is known (a
    /// downcast needs it), so that awaiting the handle does not need that bound again. A
    /// function pointer also leaves the handle `Unpin` whatever `T` is.
    unbox: fn(Box<dyn Any>) -> T,
    /// Where the task was spawned: named when it panics after being detached.
    spawned_at: &'static Location<'static>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(task: TaskId, reactor: Weak<Executor>, spawned_at: &'static Location<'static>) -> JoinHandle<T>
    where
        T: 'static,
    {
        fn unbox<T: 'static>(output: Box<dyn Any>) -> T {
            // `spawn` boxed the output of a future whose output type is `T`.
            *output.downcast().expect("a task's output has its handle's type")
        }
        JoinHandle { task, reactor, taken: false, unbox: unbox::<T>, spawned_at }
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.task
    }

    /// Cancels the task: its future is dropped now (releasing its watchers and timers) and
    /// awaiting this handle gives [`JoinError::Aborted`]. Returns whether the task was still
    /// running. Aborting a task from inside its own poll takes effect when that poll returns.
    pub fn abort(&self) -> bool {
        match self.reactor.upgrade() {
            Some(ex) => ex.abort(self.task),
            None => false,
        }
    }

    /// Whether the task has finished (its output is waiting in the handle).
    pub fn is_finished(&self) -> bool {
        !self.taken && self.reactor.upgrade().is_none_or(|ex| ex.is_finished(self.task))
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.taken {
            return Poll::Pending; // polled after completion: like any future, undefined; harmless here
        }
        let outcome = match this.reactor.upgrade() {
            Some(ex) => ready!(ex.poll_join(this.task, cx)),
            None => Err(JoinError::Aborted), // the reactor was dropped first
        };
        this.taken = true;
        Poll::Ready(outcome.map(this.unbox))
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if !self.taken {
            if let Some(ex) = self.reactor.upgrade() {
                ex.detach(self.task, self.spawned_at);
            }
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("task", &self.task).finish_non_exhaustive()
    }
}

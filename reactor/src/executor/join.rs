//! [`JoinHandle`]: awaiting, detaching and aborting a task.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use super::TaskId;
use crate::reactor::Inner;

/// Why a task produced no output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoinError {
    /// The task panicked; the message, when the payload was a string.
    Panicked(String),
    /// The task was aborted, or its reactor was dropped first.
    Aborted,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(m) => write!(f, "task panicked: {m}"),
            JoinError::Aborted => f.write_str("task was aborted"),
        }
    }
}

impl std::error::Error for JoinError {}

/// Where a task's output goes.
pub(crate) struct JoinState<T> {
    output: RefCell<Option<Result<T, JoinError>>>,
    /// The task awaiting the handle, if any.
    waiter: RefCell<Option<Waker>>,
}

impl<T> JoinState<T> {
    pub(crate) fn new() -> Rc<JoinState<T>> {
        Rc::new(JoinState { output: RefCell::new(None), waiter: RefCell::new(None) })
    }

    /// Delivers the output (first delivery wins) and wakes the waiter.
    pub(crate) fn complete(&self, value: Result<T, JoinError>) {
        {
            let mut out = self.output.borrow_mut();
            if out.is_some() {
                return;
            }
            *out = Some(value);
        }
        if let Some(w) = self.waiter.borrow_mut().take() {
            w.wake();
        }
    }
}

/// The type-erased view the task table keeps of a join state.
pub(crate) trait Completion {
    fn fail(&self, err: JoinError);
}

impl<T> Completion for JoinState<T> {
    fn fail(&self, err: JoinError) {
        self.complete(Err(err));
    }
}

/// An owned permission to await a task's output.
///
/// Awaiting gives `Ok(output)`, or a [`JoinError`] if the task panicked or was aborted.
/// Dropping the handle detaches the task (it runs on, its output is dropped: MadelineProto's
/// "ignored async"). [`JoinHandle::abort`] cancels it.
#[must_use = "dropping a JoinHandle detaches the task; bind it to `_` to make that explicit"]
pub struct JoinHandle<T> {
    pub(crate) state: Rc<JoinState<T>>,
    pub(crate) task: TaskId,
    pub(crate) reactor: Weak<Inner>,
}

impl<T> JoinHandle<T> {
    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.task
    }

    /// Cancels the task: its future is dropped now (releasing its watchers and timers) and
    /// awaiting this handle gives [`JoinError::Aborted`]. Returns whether the task was still
    /// running. Aborting a task from inside its own poll takes effect when that poll returns.
    pub fn abort(&self) -> bool {
        match self.reactor.upgrade() {
            Some(inner) => inner.executor.abort(self.task),
            None => false,
        }
    }

    /// Whether the task has finished (its output is waiting in the handle).
    pub fn is_finished(&self) -> bool {
        self.state.output.borrow().is_some()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(out) = self.state.output.borrow_mut().take() {
            return Poll::Ready(out);
        }
        let mut waiter = self.state.waiter.borrow_mut();
        match &mut *waiter {
            Some(w) if w.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("task", &self.task).finish_non_exhaustive()
    }
}

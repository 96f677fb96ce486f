//! [`JoinHandle`]: awaiting, detaching and aborting a task.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
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
    /// The task's id, split (see [`TaskId`]) so that `taken` fits in the key's padding: the
    /// handle is 32 bytes, not 40. A program that collects a million handles in a `Vec` gets
    /// 32 MB, which glibc's malloc keeps in its heap, instead of 40 MB, which it maps and
    /// unmaps on every use (10k page faults each time).
    generation: u64,
    key: u32,
    /// The output was taken: polling again stays pending, dropping has nothing to detach.
    taken: bool,
    /// The output waits in the task's slot, so the handle holds no allocation of its own.
    reactor: Weak<Executor>,
    /// Where the task was spawned: named when it panics after being detached.
    spawned_at: &'static Location<'static>,
    /// The output's type, without owning one: `fn() -> T` leaves the handle `Unpin`, `Send`
    /// and `Sync` whatever `T` is. (The output is downcast when awaited, which is why the
    /// `Future` impl asks `T: 'static`; every spawned output is.)
    _output: PhantomData<fn() -> T>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(task: TaskId, reactor: Weak<Executor>, spawned_at: &'static Location<'static>) -> JoinHandle<T> {
        JoinHandle {
            generation: task.generation,
            key: task.key,
            taken: false,
            reactor,
            spawned_at,
            _output: PhantomData,
        }
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        TaskId { key: self.key, generation: self.generation }
    }

    /// Cancels the task: its future is dropped now (releasing its watchers and timers) and
    /// awaiting this handle gives [`JoinError::Aborted`]. Returns whether the task was still
    /// running. Aborting a task from inside its own poll takes effect when that poll returns.
    pub fn abort(&self) -> bool {
        match self.reactor.upgrade() {
            Some(ex) => ex.abort(self.id()),
            None => false,
        }
    }

    /// Whether the task has finished (its output is waiting in the handle).
    pub fn is_finished(&self) -> bool {
        !self.taken && self.reactor.upgrade().is_none_or(|ex| ex.is_finished(self.id()))
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.taken {
            return Poll::Pending; // polled after completion: like any future, undefined; harmless here
        }
        let outcome = match this.reactor.upgrade() {
            Some(ex) => ready!(ex.poll_join(this.id(), cx)),
            None => Err(JoinError::Aborted), // the reactor was dropped first
        };
        this.taken = true;
        // `spawn` boxed the output of a future whose output type is `T`.
        Poll::Ready(
            outcome.map(|output: Box<dyn Any>| *output.downcast::<T>().expect("a task's output has its handle's type")),
        )
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if !self.taken {
            if let Some(ex) = self.reactor.upgrade() {
                ex.detach(self.id(), self.spawned_at);
            }
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("task", &self.id()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::JoinHandle;

    /// See the `generation` field: at 40 bytes a million handles cross glibc's mmap threshold.
    #[test]
    fn a_join_handle_is_32_bytes() {
        assert_eq!(size_of::<JoinHandle<u64>>(), 32);
    }
}

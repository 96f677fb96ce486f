//! What a wake does: schedule → queue push → (from another thread) notify. The executor being
//! driven on this thread is known here, which makes a wake on the reactor's own thread a plain
//! queue push (no syscall, no lock).
//!
//! The core enters an executor here for as long as it drives its reactor (`run`, `tick`,
//! `block_on`: see `core/driving.rs`), innermost first. A waker then checks whether its
//! executor is the one entered, by comparing the `Arc` of what it shares with other threads:
//! schedule → queue push, all inside the executor (async-executor's path).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Wake;

use super::shared::Shared;
use super::sync::Ordering;
use super::task::Executor;
use super::waker::{MainWaker, TaskWaker};
use crate::id::TaskId;

thread_local! {
    /// The executor being driven on this thread; `None` between ticks.
    static LOCAL: RefCell<Option<Rc<Executor>>> = const { RefCell::new(None) };
}

/// Marks an executor as driven by this thread for as long as it lives, restoring the one
/// entered before (a reactor driven from inside another's callback) when dropped.
#[derive(Debug)]
pub(crate) struct LocalGuard {
    previous: Option<Rc<Executor>>,
}

/// Enters `executor` as the one driven on this thread.
pub(crate) fn enter_local(executor: &Rc<Executor>) -> LocalGuard {
    let previous = LOCAL.try_with(|l| l.replace(Some(Rc::clone(executor)))).ok().flatten();
    LocalGuard { previous }
}

impl Drop for LocalGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // Dropped outside the borrow: the executor may be the reactor's last reference.
        let left = LOCAL.try_with(|l| l.replace(previous)).ok().flatten();
        drop(left);
    }
}

/// Queues task `id` on the local run queue if this thread drives the executor that `shared`
/// belongs to. Returns whether it did (else the wake is remote).
fn push_local(shared: &Arc<Shared>, id: TaskId) -> bool {
    LOCAL
        .try_with(|l| match l.try_borrow().as_deref() {
            Ok(Some(ex)) if Arc::ptr_eq(&ex.shared, shared) => {
                ex.run_queue.borrow_mut().push_back(id);
                true
            }
            _ => false,
        })
        .unwrap_or(false)
}

/// Whether this thread drives the executor that `shared` belongs to.
fn is_local(shared: &Arc<Shared>) -> bool {
    LOCAL
        .try_with(|l| matches!(l.try_borrow().as_deref(), Ok(Some(ex)) if Arc::ptr_eq(&ex.shared, shared)))
        .unwrap_or(false)
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return; // already queued, or finished
        }
        let id = TaskId { key: self.key, generation: self.generation() };
        if !push_local(&self.shared, id) {
            self.shared.push_remote(id);
        }
    }
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.woken.swap(true, Ordering::AcqRel) {
            return;
        }
        // On the reactor's thread the block_on loop sees the flag before it polls again;
        // from elsewhere, the poll must be interrupted.
        if !is_local(&self.shared) {
            self.shared.notify();
        }
    }
}

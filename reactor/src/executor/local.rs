//! The executor being driven on this thread: what makes a wake on the reactor's own thread a
//! plain queue push (no syscall, no lock).
//!
//! The core enters an executor here for as long as it drives its reactor (`run`, `tick`,
//! `block_on`: see `core/driving.rs`), innermost first. A waker then checks whether its
//! executor is the one entered, by comparing the `Arc` of what it shares with other threads:
//! schedule → queue push, all inside the executor (async-executor's path).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use super::shared::Shared;
use super::task::Executor;
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
pub(super) fn push_local(shared: &Arc<Shared>, id: TaskId) -> bool {
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
pub(super) fn is_local(shared: &Arc<Shared>) -> bool {
    LOCAL
        .try_with(|l| matches!(l.try_borrow().as_deref(), Ok(Some(ex)) if Arc::ptr_eq(&ex.shared, shared)))
        .unwrap_or(false)
}

//! Wakers: `std::task::Wake` on an `Arc`, no `RawWakerVTable`, no unsafe.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Wake;

use crossbeam_utils::CachePadded;
use mio::{Registry, Token};

use super::TaskId;
use crate::current::with_driving;

/// The part of the executor that other threads reach. `Send + Sync`.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The reactor these wakers belong to (see `current::with_driving`).
    pub(crate) reactor_id: usize,
    /// Tasks woken from other threads, drained into the run queue by phase 6.
    remote: Mutex<Vec<TaskId>>,
    /// True from the first remote wake until the next drain: later wakes skip the syscall.
    /// Padded: remote threads hammer it while the reactor thread reads its neighbours.
    notified: CachePadded<AtomicBool>,
    /// `spawn_blocking` jobs not yet delivered: they will wake a task, so the reactor has a
    /// reason to wait (see `block_on`'s "would never complete" check).
    blocking: AtomicUsize,
    waker: mio::Waker,
}

impl Shared {
    pub(crate) fn new(registry: &Registry, token: Token, reactor_id: usize) -> std::io::Result<Shared> {
        Ok(Shared {
            reactor_id,
            remote: Mutex::new(Vec::new()),
            notified: CachePadded::new(AtomicBool::new(false)),
            blocking: AtomicUsize::new(0),
            waker: mio::Waker::new(registry, token)?,
        })
    }

    /// Wakes the reactor's poll from another thread (coalesced until the next drain).
    pub(crate) fn notify(&self) {
        if !self.notified.swap(true, Ordering::AcqRel) {
            // If the poll cannot be woken the process is out of resources; the task will
            // still run at the next tick that happens for any other reason.
            let _ = self.waker.wake();
        }
    }

    fn push_remote(&self, id: TaskId) {
        self.remote.lock().unwrap_or_else(|e| e.into_inner()).push(id);
        self.notify();
    }

    pub(crate) fn has_remote(&self) -> bool {
        self.notified.load(Ordering::Acquire)
    }

    /// Moves remotely woken tasks to the local run queue.
    pub(crate) fn drain_remote_into(&self, queue: &mut VecDeque<TaskId>) {
        // A plain load first: this runs every tick, and an atomic swap (a locked instruction)
        // costs tens of cycles even when there is nothing to take. A wake that lands right
        // after a `false` here saw the flag go from false to true, so it poked the poller: the
        // next tick drains it.
        // Then clear the flag before taking the vector: a wake racing with the drain either
        // lands in the vector we are about to take or pokes the poller again. Never lost.
        if self.notified.load(Ordering::Acquire) && self.notified.swap(false, Ordering::AcqRel) {
            let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
            queue.extend(remote.drain(..));
        }
    }

    pub(crate) fn blocking_started(&self) {
        self.blocking.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn blocking_finished(&self) {
        self.blocking.fetch_sub(1, Ordering::AcqRel);
    }

    pub(crate) fn blocking_in_flight(&self) -> usize {
        self.blocking.load(Ordering::Acquire)
    }
}

/// A task's waker: 24 bytes, so that its `Arc` is a 40-byte allocation.
///
/// It belongs to the task's slot rather than to the task: when the task ends its flag stays
/// set for good, so a clone held anywhere wakes nothing; when the slot is next used and
/// nobody else holds it any more, it is reset for the new task instead of reallocated.
#[derive(Debug)]
pub(crate) struct TaskWaker {
    shared: Arc<Shared>,
    /// The task's id, split so that the flag fits in the key's padding.
    generation: u64,
    key: u32,
    /// True while the task is queued (or finished): further wakes do nothing.
    scheduled: AtomicBool,
}

impl TaskWaker {
    /// The waker of a new task, scheduled: its first poll is queued by `insert`.
    pub(crate) fn new(key: u32, generation: u64, shared: Arc<Shared>) -> TaskWaker {
        TaskWaker { shared, generation, key, scheduled: AtomicBool::new(true) }
    }

    /// Makes an unshared waker (`Arc::get_mut`) the waker of its slot's next task.
    pub(crate) fn reuse(&mut self, generation: u64) {
        self.generation = generation;
        *self.scheduled.get_mut() = true;
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    pub(crate) fn mark_scheduled(&self) {
        self.scheduled.store(true, Ordering::Release);
    }

    pub(crate) fn clear_scheduled(&self) {
        self.scheduled.store(false, Ordering::Release);
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return; // already queued, or finished
        }
        let id = TaskId { key: self.key, generation: self.generation };
        let local = with_driving(self.shared.reactor_id, |h| {
            h.inner.executor.run_queue.borrow_mut().push_back(id);
        });
        if !local {
            self.shared.push_remote(id);
        }
    }
}

/// The waker of `block_on`'s own future, which is not a task.
#[derive(Debug)]
pub(crate) struct MainWaker {
    pub(crate) woken: AtomicBool,
    pub(crate) shared: Arc<Shared>,
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
        if !with_driving(self.shared.reactor_id, |_| {}) {
            self.shared.notify();
        }
    }
}

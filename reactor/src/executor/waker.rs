//! Wakers: `std::task::Wake` on an `Arc` (std's: `Wake` needs it), no `RawWakerVTable`, no
//! unsafe. What they reach on other threads is [`Shared`]; what a wake does is in `local.rs`.

use std::sync::atomic::{AtomicU64, Ordering as StdOrdering};
use std::sync::Arc;

use super::shared::Shared;
use super::sync::{AtomicBool, Ordering};

/// A task's waker: 24 bytes, so that its `Arc` is a 40-byte allocation.
///
/// It belongs to the task's slot rather than to the task: when the task ends its flag stays
/// set for good, so a clone held anywhere wakes nothing; when the slot is next used and
/// nobody else holds it any more, it is reset for the new task instead of reallocated.
#[derive(Debug)]
pub(crate) struct TaskWaker {
    pub(super) shared: Arc<Shared>,
    /// The task's id, split so that the flag fits in the key's padding. Atomic so that the
    /// slot can reset it through a shared reference when it holds the only one (see
    /// `TaskTable::insert`); only ever read and written with `Relaxed`, so a plain `mov`.
    pub(super) generation: AtomicU64,
    pub(super) key: u32,
    /// True while the task is queued (or finished): further wakes do nothing.
    pub(super) scheduled: AtomicBool,
}

impl TaskWaker {
    /// The waker of a new task, scheduled: its first poll is queued by `insert`.
    pub(crate) fn new(key: u32, generation: u64, shared: Arc<Shared>) -> TaskWaker {
        TaskWaker { shared, generation: AtomicU64::new(generation), key, scheduled: AtomicBool::new(true) }
    }

    /// Makes an unshared waker (its slot holds the only `Arc`) the waker of its slot's next
    /// task.
    pub(crate) fn reuse(&self, generation: u64) {
        // Unshared, so `Relaxed` is enough: plain stores.
        self.generation.store(generation, StdOrdering::Relaxed);
        self.scheduled.store(true, Ordering::Relaxed);
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(StdOrdering::Relaxed)
    }

    pub(crate) fn mark_scheduled(&self) {
        self.scheduled.store(true, Ordering::Release);
    }

    pub(crate) fn clear_scheduled(&self) {
        self.scheduled.store(false, Ordering::Release);
    }
}

/// The waker of `block_on`'s own future, which is not a task.
#[derive(Debug)]
pub(crate) struct MainWaker {
    pub(crate) woken: AtomicBool,
    pub(crate) shared: Arc<Shared>,
}

impl MainWaker {
    /// Whether it was woken since the last call (and clears that).
    pub(crate) fn take_woken(&self) -> bool {
        self.woken.swap(false, Ordering::AcqRel)
    }

    /// Whether it was woken since the last [`MainWaker::take_woken`].
    pub(crate) fn is_woken(&self) -> bool {
        self.woken.load(Ordering::Acquire)
    }
}

//! Wakers: `std::task::Wake` on an `Arc` (std's: `Wake` needs it), no `RawWakerVTable`, no
//! unsafe. What they reach on other threads is [`Shared`]; what a wake does is in `local.rs`.

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
    /// The task's id, split so that the flag fits in the key's padding.
    pub(super) generation: u64,
    pub(super) key: u32,
    /// True while the task is queued (or finished): further wakes do nothing.
    pub(super) scheduled: AtomicBool,
}

impl TaskWaker {
    /// The waker of a new task, scheduled: its first poll is queued by `insert`.
    pub(crate) fn new(key: u32, generation: u64, shared: Arc<Shared>) -> TaskWaker {
        TaskWaker { shared, generation, key, scheduled: AtomicBool::new(true) }
    }

    /// Makes an unshared waker (`Arc::get_mut`) the waker of its slot's next task.
    pub(crate) fn reuse(&mut self, generation: u64) {
        self.generation = generation;
        // Unshared, so `Relaxed` is enough: a plain store, as `get_mut` would be (which
        // loom's atomics lack).
        self.scheduled.store(true, Ordering::Relaxed);
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

//! The ready queue and the per-input wakers that feed it: how a combinator learns *which*
//! inputs to poll, so that a wake costs O(1) instead of a scan over every input.
//!
//! Each input gets its own [`Waker`] (an [`InputWaker`]: `std::task::Wake` on an `Arc`, no
//! unsafe). Waking it pushes the input's index onto the shared [`ReadyQueue`] and, if the queue
//! was empty, wakes the combinator's own (parent) waker. The combinator then polls exactly the
//! indices it finds in the queue (see `inputs.rs`).
//!
//! # Implementation notes
//!
//! - **Each index is queued at most once.** `queued[i]` is set by the wake that pushes `i` and
//!   cleared just before `i` is polled, so a thousand wakes between two polls cost one poll,
//!   and the queue never holds more than one entry per input: its memory is bounded by the
//!   number of inputs, whatever the wake pattern.
//! - **The parent is woken on the empty → non-empty transition only.** A push onto a
//!   non-empty queue needs no wake: the push that made it non-empty already woke the parent,
//!   and the parent drains the whole queue on its next poll, whatever waker it brings.
//! - **A panic in an input's poll loses no wake.** The inputs drained with it but not yet
//!   polled go back to the front of the queue ([`ReadyQueue::requeue_front`]), still marked
//!   queued, and the parent is woken for them: whoever catches the panic and polls again
//!   polls them, and their later wakes work as before.
//! - The queue is `Send + Sync` (as every waker must be), but a combinator is polled from one
//!   thread: the mutex is uncontended unless an input is woken from another thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Wake, Waker};

/// The inputs woken since the combinator last looked, shared with the inputs' wakers.
pub(crate) struct ReadyQueue {
    /// `queued[i]` is true while input `i` is in `state.woken` or in the batch being polled
    /// and has not been polled yet. A wake that finds it true has nothing to do.
    queued: Box<[AtomicBool]>,
    state: Mutex<State>,
}

/// The part of the queue behind the mutex.
struct State {
    /// Woken inputs in wake order (FIFO, for fairness), each at most once (see `queued`).
    woken: Vec<usize>,
    /// The waker of the combinator's latest poll. `None` before its first poll and after
    /// [`ReadyQueue::close`].
    parent: Option<Waker>,
    /// Set when the combinator resolved or was dropped: later wakes are ignored, so a waker
    /// that outlives its combinator neither grows the queue nor wakes a task for nothing.
    closed: bool,
}

impl ReadyQueue {
    /// A queue for `len` inputs, all of them queued: the first poll polls every input once,
    /// in input order.
    pub(crate) fn new(len: usize) -> Arc<ReadyQueue> {
        Arc::new(ReadyQueue {
            queued: (0..len).map(|_| AtomicBool::new(true)).collect(),
            state: Mutex::new(State { woken: (0..len).collect(), parent: None, closed: false }),
        })
    }

    /// Records `parent` as the waker to wake on the next push, and moves the woken inputs into
    /// `batch` (which must be empty).
    ///
    /// The two vectors are swapped, not copied: `woken` gets `batch`'s spare capacity back,
    /// so after the first few polls neither side allocates again.
    pub(crate) fn drain_into(&self, parent: &Waker, batch: &mut Vec<usize>) {
        debug_assert!(batch.is_empty());
        let mut st = self.lock();
        // Register before draining: a wake that lands after we unlock must find this waker.
        match &st.parent {
            Some(w) if w.will_wake(parent) => {}
            _ => st.parent = Some(parent.clone()),
        }
        std::mem::swap(&mut st.woken, batch);
    }

    /// Marks input `i` as no longer queued. Called just *before* polling it, so that a wake
    /// during or after that poll queues it again (for the next parent poll).
    pub(crate) fn unmark(&self, i: usize) {
        // A swap rather than a store: its acquire half pairs with the release half of the
        // waker's swap, so whatever the waking thread wrote before waking is visible to the
        // poll that follows, even when that wake found the flag already set.
        self.queued[i].swap(false, Ordering::AcqRel);
    }

    /// Puts back, at the front and in order, inputs that were drained but never polled (an
    /// earlier input's poll panicked), and wakes the parent so that it polls them.
    ///
    /// Their `queued` flags are still set, so no wake can have queued them again meanwhile:
    /// without this, every later wake of theirs would find the flag set and do nothing, and
    /// they would never be polled again. The parent is woken because the wakes that queued
    /// them were spent on the poll that panicked.
    pub(crate) fn requeue_front(&self, unpolled: &[usize]) {
        if unpolled.is_empty() {
            return;
        }
        let parent = {
            let mut st = self.lock();
            if st.closed {
                return;
            }
            // In front of the wakes that came during the batch: they were woken later.
            st.woken.splice(0..0, unpolled.iter().copied());
            st.parent.clone()
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }

    /// Stops accepting wakes and forgets the parent waker and the queued indices.
    pub(crate) fn close(&self) {
        let mut st = self.lock();
        st.closed = true;
        st.parent = None;
        st.woken = Vec::new();
    }

    /// Queues input `i` and wakes the parent if the queue was empty.
    fn push(&self, i: usize) {
        if self.queued[i].swap(true, Ordering::AcqRel) {
            return; // already queued: the poll that takes it will see this wake's effects
        }
        let parent = {
            let mut st = self.lock();
            if st.closed {
                return;
            }
            st.woken.push(i);
            if st.woken.len() == 1 {
                st.parent.clone()
            } else {
                None
            }
        };
        // Wake with the lock released: an executor that polls the parent inline would
        // otherwise deadlock in `drain_into`.
        if let Some(parent) = parent {
            parent.wake();
        }
    }

    /// Every operation leaves `State` consistent, so a panic elsewhere while the lock was
    /// held (an allocation failure in `push`) poisons nothing we care about.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The waker of one input: waking it queues the input's index.
pub(crate) struct InputWaker {
    index: usize,
    queue: Arc<ReadyQueue>,
}

impl InputWaker {
    /// A waker for input `index`. One allocation.
    pub(crate) fn new(index: usize, queue: &Arc<ReadyQueue>) -> Arc<InputWaker> {
        Arc::new(InputWaker { index, queue: Arc::clone(queue) })
    }

    /// Points `this` at input `index` if nobody else holds it (no `Waker` made from it is
    /// alive), and returns whether it did. A waker nobody holds cannot be woken any more, so
    /// which input it names is ours to change.
    pub(crate) fn retarget(this: &mut Arc<InputWaker>, index: usize) -> bool {
        match Arc::get_mut(this) {
            Some(w) => {
                w.index = index;
                true
            }
            None => false,
        }
    }
}

impl Wake for InputWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.queue.push(self.index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn starts_with_every_input_queued_in_order() {
        let queue = ReadyQueue::new(3);
        let parent = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        let mut batch = Vec::new();
        queue.drain_into(&parent, &mut batch);
        assert_eq!(batch, [0, 1, 2]);
    }

    #[test]
    fn repeated_wakes_queue_once_and_wake_the_parent_once() {
        let queue = ReadyQueue::new(3);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let parent = Waker::from(Arc::clone(&count));
        let mut batch = Vec::new();
        queue.drain_into(&parent, &mut batch);
        for &i in &batch {
            queue.unmark(i);
        }
        batch.clear();

        let w2 = Waker::from(InputWaker::new(2, &queue));
        let w0 = Waker::from(InputWaker::new(0, &queue));
        w2.wake_by_ref();
        w2.wake_by_ref();
        w0.wake_by_ref();
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "only the first push wakes the parent");
        queue.drain_into(&parent, &mut batch);
        assert_eq!(batch, [2, 0], "wake order, each once");
    }

    #[test]
    fn only_an_unshared_waker_can_be_retargeted() {
        let queue = ReadyQueue::new(2);
        let mut w = InputWaker::new(0, &queue);
        let held = Waker::from(Arc::clone(&w));
        assert!(!InputWaker::retarget(&mut w, 1), "a live Waker still names input 0");
        drop(held);
        assert!(InputWaker::retarget(&mut w, 1));
        assert_eq!(w.index, 1);
    }

    #[test]
    fn requeued_inputs_come_before_later_wakes_and_wake_the_parent() {
        let queue = ReadyQueue::new(3);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let parent = Waker::from(Arc::clone(&count));
        let mut batch = Vec::new();
        queue.drain_into(&parent, &mut batch);
        queue.unmark(0); // input 0 was polled (and panicked); 1 and 2 were not
        Waker::from(InputWaker::new(0, &queue)).wake(); // woken during its poll
        queue.requeue_front(&batch[1..]);
        assert_eq!(count.0.load(Ordering::SeqCst), 2, "the push of 0, then the requeue");
        batch.clear();
        queue.drain_into(&parent, &mut batch);
        assert_eq!(batch, [1, 2, 0]);
    }

    #[test]
    fn a_closed_queue_ignores_wakes() {
        let queue = ReadyQueue::new(1);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let parent = Waker::from(Arc::clone(&count));
        let mut batch = Vec::new();
        queue.drain_into(&parent, &mut batch);
        queue.unmark(0);
        queue.close();
        Waker::from(InputWaker::new(0, &queue)).wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
    }
}

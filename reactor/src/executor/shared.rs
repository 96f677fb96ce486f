//! [`Shared`]: the part of the executor that other threads reach, and the protocol that keeps
//! the reactor from missing what they do.
//!
//! # What other threads do
//!
//! - **A remote wake** (a task's or `block_on`'s waker, used off the reactor's thread): push
//!   the task's id onto `remote`, then [`notify`](Shared::notify).
//! - **A `spawn_blocking` job's end** ([`blocking_finished`](Shared::blocking_finished), after
//!   the job has stored its result and woken its task, W): take the job off the in-flight
//!   count (D), then notify (N). N is what makes the job's end itself a remote wake: the task's
//!   wake may have poked nothing (the task was aborted, or already queued), and the reactor may
//!   read the count between W and D.
//!
//! `notify` pokes the poll (mio's eventfd waker) only when `notified` goes from false to true;
//! the reactor clears `notified` before it takes `remote` (phase 6). So after any notify,
//! either its own poke is pending for the next `epoll_wait`, or an earlier one is pending, or
//! the reactor's next drain finds `notified` set by it (the drain's swap then synchronizes
//! with the notify, so everything the notifier did before is visible after the drain).
//!
//! # Why `run` cannot wait forever for a finished job
//!
//! `run` goes on while a task is alive or the count is non-zero, and phase 1 blocks only when
//! neither `remote` nor anything local is queued. Say it reads the count before D (stale, one
//! job still "in flight") and then blocks. N comes after D, so N comes after that read too:
//! N's poke, or the poke it was coalesced with, is pending for that `epoll_wait` (a poke the
//! reactor consumed earlier was followed by a drain that N's flag value reached, and the count
//! read after that drain would have seen D). When it reads the count after D it sees the job
//! gone; and its task, if not aborted, is still alive (it is polled only after W's wake) so
//! `run` goes on until it is polled. The old order (W, then D with no N) lost exactly this.
//!
//! # Why `block_on` cannot give up on a finishing job
//!
//! `block_on` reports `WouldNeverComplete` when nothing local is queued and
//! [`may_be_woken`](Shared::may_be_woken) is false. That reads the count first, then the
//! flag. If the count read sees D, it synchronizes with D, and W came before D: the flag read
//! sees W's `true`, unless the reactor itself drained it since, which put the task on the local
//! run queue (checked too) or already polled it. If the count read does not see D, the answer
//! is "may be woken", and the tick that follows is woken by N as above. Read the other way
//! round (flag, then count), the flag could be read before W and the count after D.
//!
//! The loom models in `loom_models.rs` check these orders exhaustively (`just loom`).

use std::collections::VecDeque;

use crossbeam_utils::CachePadded;

use super::sync::{AtomicBool, AtomicUsize, Mutex, Ordering, Poker};
use crate::id::TaskId;

/// The part of the executor that other threads reach. `Send + Sync`.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Tasks woken from other threads, drained into the run queue by phase 6.
    remote: Mutex<Vec<TaskId>>,
    /// True from the first remote wake until the next drain: later wakes skip the syscall.
    /// Padded: remote threads hammer it while the reactor thread reads its neighbours.
    notified: CachePadded<AtomicBool>,
    /// `spawn_blocking` jobs not yet finished: they will wake a task, so the reactor has a
    /// reason to wait (`run`'s liveness, `block_on`'s "would never complete" check).
    blocking: AtomicUsize,
    /// Interrupts the reactor's poll.
    pub(super) poker: Poker,
}

impl Shared {
    pub(crate) fn new(poker: Poker) -> Shared {
        Shared {
            remote: Mutex::new(Vec::new()),
            notified: CachePadded::new(AtomicBool::new(false)),
            blocking: AtomicUsize::new(0),
            poker,
        }
    }

    /// Wakes the reactor's poll from another thread (coalesced until the next drain).
    pub(crate) fn notify(&self) {
        if !self.notified.swap(true, Ordering::AcqRel) {
            // If the poll cannot be woken the process is out of resources; the task will
            // still run at the next tick that happens for any other reason.
            let _ = self.poker.wake();
        }
    }

    /// A remote wake of task `id`.
    pub(crate) fn push_remote(&self, id: TaskId) {
        self.remote.lock().unwrap_or_else(|e| e.into_inner()).push(id);
        self.notify();
    }

    /// A remote wake is waiting for the next drain.
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

    /// A `spawn_blocking` job was submitted.
    pub(crate) fn blocking_started(&self) {
        self.blocking.fetch_add(1, Ordering::AcqRel);
    }

    /// A `spawn_blocking` job ended, after waking its task (or was never submitted): D, then
    /// N (see the module docs). Whoever reads the count before D is woken by N.
    pub(crate) fn blocking_finished(&self) {
        self.blocking.fetch_sub(1, Ordering::AcqRel);
        self.notify();
    }

    /// Jobs whose end the reactor has a reason to wait for.
    pub(crate) fn blocking_in_flight(&self) -> usize {
        self.blocking.load(Ordering::Acquire)
    }

    /// Whether another thread may still wake a task: a job is in flight, or a remote wake
    /// waits for the drain. The count is read *first* (see the module docs for why).
    pub(crate) fn may_be_woken(&self) -> bool {
        self.blocking_in_flight() > 0 || self.has_remote()
    }
}

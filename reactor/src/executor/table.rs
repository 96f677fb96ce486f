//! The task table: a slab of slots named by generational [`TaskId`]s, each slot keeping its
//! task's future, its output until the `JoinHandle` takes it, and a waker that outlives the
//! task to serve the slot's next one.

use std::any::Any;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::shared::Shared;
use super::waker::TaskWaker;
use crate::error::{BoxError, JoinError};
use crate::id::{Generations, TaskId};

/// A task's future with its output type erased: the user's future itself, boxed (a
/// zero-sized future, like `pending()`, costs no allocation at all).
///
/// A wrapper struct around the future would need pin projection, which safe code cannot do;
/// a blanket impl on every future needs none.
pub(crate) trait Body {
    fn poll_body(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Finished>;
}

impl<F: Future<Output: 'static>> Body for F {
    fn poll_body(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Finished> {
        self.poll(cx).map(Finished::new)
    }
}

/// What a fork's body returns (see `spawn.rs`). Private, so no spawned future's output
/// can be mistaken for it.
pub(crate) struct ForkOutcome(pub(crate) Option<BoxError>);

/// A body's output, as the executor receives it.
pub(crate) enum Finished {
    /// A spawned task's output, waiting for its `JoinHandle`. Boxing `()` (or any zero-sized
    /// output) allocates nothing; other outputs take a second allocation here.
    Output(Box<dyn Any>),
    /// A fork's error, if it failed: it goes to `run`, nobody awaits a fork.
    Fork(Option<BoxError>),
}

impl Finished {
    fn new<T: 'static>(output: T) -> Finished {
        // Recognise a fork's outcome by its type, so that it is handed over as it is and a
        // fork that succeeds allocates nothing (boxing it as `dyn Any` would).
        // (`Option`, to move it out of a `&mut dyn Any`.)
        let mut output = Some(output);
        match (&mut output as &mut dyn Any).downcast_mut::<Option<ForkOutcome>>() {
            Some(fork) => Finished::Fork(fork.take().and_then(|f| f.0)),
            None => Finished::Output(Box::new(output.expect("set above"))),
        }
    }
}

/// Where a slot's task is.
pub(super) enum Stage {
    /// Free. The free list runs through the table: this is the next free key.
    Vacant(Option<u32>),
    /// Waiting to be polled (queued or not).
    Running(Pin<Box<dyn Body>>),
    /// Out of the table for its poll. `abort` from inside that poll only sets `aborted`: the
    /// future is dropped when the poll returns.
    Polling { aborted: bool },
    /// Finished: the output, or why there is none, for the `JoinHandle` to take.
    Done(Result<Box<dyn Any>, JoinError>),
}

/// Who hears of a task's end.
pub(super) enum Peer {
    /// A `JoinHandle` exists: the waker of whoever awaits it.
    Joiner(Option<Waker>),
    /// The `JoinHandle` was dropped: the output is dropped as soon as it exists, and a panic
    /// is reported naming where the task was spawned (`None`: a freed slot).
    Detached(Option<&'static Location<'static>>),
    /// A fork: its failure or panic goes to `run`, naming where it was forked.
    Fork(&'static Location<'static>),
}

/// One task: 56 bytes (see the test below).
pub(super) struct Slot {
    pub(super) stage: Stage,
    pub(super) peer: Peer,
    /// Holds the task's current id and `scheduled` flag. It stays in the slot after the task
    /// ends: if nobody else holds it by the slot's next insert, it is reused, so that a
    /// spawn in the steady state allocates only the future.
    pub(super) waker: Arc<TaskWaker>,
}

/// A slab of [`Slot`]s with a free list. Hand-written rather than `slab::Slab` because a
/// freed slot must keep its waker.
#[derive(Default)]
pub(super) struct TaskTable {
    slots: Vec<Slot>,
    /// Head of the free list.
    free: Option<u32>,
    /// Tasks not yet finished (`Running` or `Polling`): what keeps `run()` going.
    pub(super) live: usize,
    /// Process-wide generations, like watchers', taken in blocks: a spawn costs no atomic
    /// operation for its id. (A locked instruction also waits for the stores before it, so
    /// at a million tasks one per spawn stalled on the previous spawn's cache misses.)
    generations: Generations,
}

impl TaskTable {
    /// Stores a new task, scheduled (its first poll is for the caller to queue).
    pub(super) fn insert(&mut self, body: Pin<Box<dyn Body>>, peer: Peer, shared: &Arc<Shared>) -> TaskId {
        // Process-wide, like watcher generations: a TaskId of another reactor names nothing here.
        let generation = self.generations.next();
        self.live += 1;
        let stage = Stage::Running(body);
        let Some(key) = self.free else {
            let key = u32::try_from(self.slots.len()).expect("more than 4 billion tasks");
            let waker = Arc::new(TaskWaker::new(key, generation, Arc::clone(shared)));
            self.slots.push(Slot { stage, peer, waker });
            return TaskId { key, generation };
        };
        let slot = &mut self.slots[key as usize];
        let Stage::Vacant(next) = slot.stage else { unreachable!("the free list names a vacant slot") };
        self.free = next;
        slot.stage = stage;
        slot.peer = peer;
        // Reuse the waker only if this slot holds the last reference: then no stale clone can
        // ever wake the new task. Otherwise the old one stays dead (see `kill`) with whoever
        // holds it. A plain load of the count rather than `Arc::get_mut`, whose locked
        // compare-exchange waits for the stores before it (a spawn's cache misses, at large
        // N); nobody makes a `Weak` of a waker, and nobody can clone this one meanwhile: the
        // slot holds the only reference.
        if Arc::strong_count(&slot.waker) == 1 {
            // Pairs with the `Release` decrement of whoever dropped the last other clone, so
            // that what its thread did with the waker happens before the reuse (as in
            // `Arc::drop`).
            fence(Ordering::Acquire);
            slot.waker.reuse(generation);
        } else {
            slot.waker = Arc::new(TaskWaker::new(key, generation, Arc::clone(shared)));
        }
        TaskId { key, generation }
    }

    /// The slot of task `id`, if that task still has one.
    pub(super) fn get(&self, id: TaskId) -> Option<&Slot> {
        self.slots.get(id.key as usize).filter(|s| s.holds(id))
    }

    /// The slot of task `id`, if that task still has one.
    pub(super) fn get_mut(&mut self, id: TaskId) -> Option<&mut Slot> {
        self.slots.get_mut(id.key as usize).filter(|s| s.holds(id))
    }

    /// The slot at `key`, which the caller knows is in use (a task being polled).
    pub(super) fn slot_mut(&mut self, key: u32) -> &mut Slot {
        &mut self.slots[key as usize]
    }

    /// Marks task `key` finished: its waker dead (stray wakes become no-ops), its slot no
    /// longer counted live.
    pub(super) fn kill(&mut self, key: u32) {
        self.slots[key as usize].waker.mark_scheduled();
        self.live -= 1;
    }

    /// Frees slot `key`, returning what it held so that the caller drops it outside the
    /// table's borrow (drops run user code, which may reach the table).
    pub(super) fn remove(&mut self, key: u32) -> (Stage, Peer) {
        let slot = &mut self.slots[key as usize];
        let stage = std::mem::replace(&mut slot.stage, Stage::Vacant(self.free));
        let peer = std::mem::replace(&mut slot.peer, Peer::Detached(None));
        self.free = Some(key);
        (stage, peer)
    }

    /// Empties the table (reactor shutdown), keeping finished tasks whose handles may still
    /// come for their output. Returns the unfinished tasks' futures and awaiters; the caller
    /// drops the futures first, then wakes the awaiters.
    pub(super) fn drain_unfinished(&mut self) -> (Vec<Pin<Box<dyn Body>>>, Vec<Waker>) {
        let (mut bodies, mut waiters) = (Vec::new(), Vec::new());
        for key in 0..self.slots.len() {
            if !matches!(self.slots[key].stage, Stage::Running(_) | Stage::Polling { .. }) {
                continue;
            }
            self.kill(key as u32);
            match self.remove(key as u32) {
                (Stage::Running(body), peer) => {
                    bodies.push(body);
                    waiters.extend(peer.into_waiter());
                }
                (_, peer) => waiters.extend(peer.into_waiter()),
            }
        }
        (bodies, waiters)
    }
}

#[cfg(test)]
impl TaskTable {
    /// The waker in slot `key`, for tests of its reuse.
    pub(super) fn waker_at(&self, key: u32) -> Arc<TaskWaker> {
        Arc::clone(&self.slots[key as usize].waker)
    }
}

impl Slot {
    /// Whether task `id` is this slot's (a vacant slot's waker still has its last task's id).
    fn holds(&self, id: TaskId) -> bool {
        self.waker.generation() == id.generation && !matches!(self.stage, Stage::Vacant(_))
    }
}

impl Peer {
    /// Whoever awaits the handle, to be woken once the task has ended.
    pub(super) fn into_waiter(self) -> Option<Waker> {
        match self {
            Peer::Joiner(waiter) => waiter,
            Peer::Detached(_) | Peer::Fork(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::{pending, ready};

    use super::*;

    /// The memory budget of an idle task (#7): this slot, the waker's 40-byte `Arc` and a
    /// run-queue entry, with a zero-sized future not allocated at all. Growing the slot past
    /// 56 bytes breaks the 128-byte target.
    #[test]
    fn a_slot_and_a_waker_stay_small() {
        assert!(size_of::<Slot>() <= 56, "slot: {} bytes", size_of::<Slot>());
        assert!(size_of::<TaskWaker>() <= 24, "waker: {} bytes (plus 16 for the Arc's counts)", size_of::<TaskWaker>());
    }

    #[test]
    fn zero_sized_futures_and_outputs_are_not_allocated() {
        // A `Box` of a zero-sized value does not allocate; this checks that the body is the
        // future itself, not a wrapper with a state of its own.
        assert_eq!(size_of_val(&*(Box::pin(pending::<()>()) as Pin<Box<dyn Body>>)), 0);
        let mut body: Pin<Box<dyn Body>> = Box::pin(ready(()));
        let mut cx = Context::from_waker(Waker::noop());
        match body.as_mut().poll_body(&mut cx) {
            Poll::Ready(Finished::Output(out)) => assert_eq!(size_of_val(&*out), 0),
            _ => panic!("a ready future's output"),
        }
    }

    #[test]
    fn a_fork_outcome_is_recognised_and_nothing_else_is() {
        assert!(matches!(Finished::new(ForkOutcome(None)), Finished::Fork(None)));
        assert!(matches!(Finished::new(ForkOutcome(Some("no".into()))), Finished::Fork(Some(_))));
        let lookalike: Option<BoxError> = Some("spawned, not forked".into());
        assert!(matches!(Finished::new(lookalike), Finished::Output(_)));
    }
}

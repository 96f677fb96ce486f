//! The executor: the task table and the run queue, what phase 6 of a tick works on, and the
//! operations `spawn`, `abort` and `JoinHandle` perform on them.

use std::any::Any;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::mem;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use mio::{Registry, Token};

use super::shared::Shared;
use super::sync::AtomicBool;
use super::sync::Poker;
use super::table::{Body, Finished, Peer, Stage, TaskTable};
use super::waker::MainWaker;
use crate::error::{panic_message, Error, JoinError, Result};
use crate::id::TaskId;

/// How many task polls one tick may do before going back to the poller.
const BUDGET: usize = 256;

/// What a task ends with, for its handle: the output, or why there is none.
type Outcome = Result<Box<dyn Any>, JoinError>;

/// The executor's part of a reactor.
pub(crate) struct Executor {
    tasks: RefCell<TaskTable>,
    /// Tasks woken on this thread, in wake order.
    pub(super) run_queue: RefCell<VecDeque<TaskId>>,
    /// What wakers on other threads reach.
    pub(super) shared: Arc<Shared>,
    /// The `Waker` of the task polled last, kept from one tick to the next (see `run_tasks`).
    last_waker: RefCell<Option<Waker>>,
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor").field("tasks", &self.task_count()).finish_non_exhaustive()
    }
}

impl Executor {
    pub(crate) fn new(registry: &Registry, token: Token) -> std::io::Result<Executor> {
        Ok(Executor {
            tasks: RefCell::new(TaskTable::default()),
            run_queue: RefCell::new(VecDeque::new()),
            shared: Arc::new(Shared::new(Poker::new(registry, token)?)),
            last_waker: RefCell::new(None),
        })
    }

    /// The waker of a `block_on`'s own future on this executor's reactor, woken: the future's
    /// first poll is due.
    pub(crate) fn main_waker(&self) -> Arc<MainWaker> {
        Arc::new(MainWaker { woken: AtomicBool::new(true), shared: Arc::clone(&self.shared) })
    }

    /// Stores a task and queues its first poll.
    pub(super) fn insert(&self, body: Pin<Box<dyn Body>>, peer: Peer) -> TaskId {
        let id = self.tasks.borrow_mut().insert(body, peer, &self.shared);
        self.run_queue.borrow_mut().push_back(id);
        id
    }

    /// Drops task `id`'s future and ends it with `Aborted`, if it is still running. From inside
    /// the task's own poll, the future is dropped when that poll returns. Returns whether it
    /// was running (and not aborted already).
    pub(crate) fn abort(&self, id: TaskId) -> bool {
        let body = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = tasks.get_mut(id) else { return false };
            match mem::replace(&mut slot.stage, Stage::Polling { aborted: true }) {
                Stage::Running(body) => body,
                Stage::Polling { aborted: false } => return true, // `poll_task` sees the flag
                other => {
                    slot.stage = other; // finished, or aborted already
                    return false;
                }
            }
        };
        // A fork's outcome comes back to be reported: an aborted one has nothing to report.
        drop(self.end(id, body, Err(JoinError::Aborted)));
        true
    }

    /// Any unfinished task: tasks always keep `run()` going.
    pub(crate) fn keeps_alive(&self) -> bool {
        self.has_tasks() || self.shared.blocking_in_flight() > 0
    }

    /// Unfinished tasks.
    pub(crate) fn has_tasks(&self) -> bool {
        self.task_count() > 0
    }

    /// Number of unfinished tasks.
    pub(crate) fn task_count(&self) -> usize {
        self.tasks.borrow().live
    }

    /// Something is queued to be polled (locally or from another thread).
    pub(crate) fn has_runnable(&self) -> bool {
        !self.run_queue.borrow().is_empty() || self.shared.has_remote()
    }

    /// Blocking jobs whose results will wake a task.
    pub(crate) fn blocking_in_flight(&self) -> usize {
        self.shared.blocking_in_flight()
    }

    /// Whether a task may still be woken without outside help: one is queued, or a blocking
    /// job will wake one. `block_on`'s progress check: the remote facts are read in the order
    /// that `Shared::may_be_woken` explains (the local queue only this thread touches).
    pub(crate) fn may_be_woken(&self) -> bool {
        !self.run_queue.borrow().is_empty() || self.shared.may_be_woken()
    }

    /// Phase 6: polls up to [`BUDGET`] queued tasks; returns how many. A fork's failure or
    /// panic goes to `report` (the core's: to the error handler, or `Err` to end the tick).
    pub(crate) fn run_tasks(&self, report: &mut dyn FnMut(Error) -> Result<()>) -> Result<usize> {
        self.shared.drain_remote_into(&mut self.run_queue.borrow_mut());
        // The `Waker` of the task polled last. The slot keeps only the waker's `Arc` (8 bytes,
        // not 16); making a `Waker` of it costs an atomic increment and decrement, which a
        // task polled again next is spared: one that woke itself, or the one task of a loop
        // that polls a single task per tick (a connection's handler). Kept across ticks for
        // the latter; it only delays the reuse of a finished task's waker by its slot.
        let mut last_waker = self.last_waker.take();
        let mut outcome = Ok(());
        let mut polled = 0;
        while polled < BUDGET {
            let Some(id) = self.run_queue.borrow_mut().pop_front() else { break };
            polled += 1;
            outcome = self.poll_task(report, id, &mut last_waker);
            if outcome.is_err() {
                break;
            }
        }
        *self.last_waker.borrow_mut() = last_waker;
        outcome.map(|()| polled)
    }

    fn poll_task(
        &self,
        report: &mut dyn FnMut(Error) -> Result<()>,
        id: TaskId,
        last_waker: &mut Option<Waker>,
    ) -> Result<()> {
        let mut body = {
            let mut tasks = self.tasks.borrow_mut();
            // A stale entry (the task ended while queued, its slot maybe reused) names nothing.
            let Some(slot) = tasks.get_mut(id) else { return Ok(()) };
            let body = match mem::replace(&mut slot.stage, Stage::Polling { aborted: false }) {
                Stage::Running(body) => body,
                other => {
                    slot.stage = other; // finished while queued
                    return Ok(());
                }
            };
            // Clear the flag *before* polling: a wake during the poll must queue it again.
            slot.waker.clear_scheduled();
            // The last waker is this task's if it points to the slot's `Arc` (which it keeps
            // alive, so no other `Arc` can be at that address).
            if last_waker.as_ref().is_none_or(|w| w.data() != Arc::as_ptr(&slot.waker).cast()) {
                *last_waker = Some(Waker::from(Arc::clone(&slot.waker)));
            }
            body
        };
        let waker = last_waker.as_ref().expect("set above");
        let mut cx = Context::from_waker(waker);
        let result = catch_unwind(AssertUnwindSafe(|| body.as_mut().poll_body(&mut cx)));
        let aborted = {
            let mut tasks = self.tasks.borrow_mut();
            let slot = tasks.slot_mut(id.key);
            match (&result, &slot.stage) {
                (Ok(Poll::Pending), Stage::Polling { aborted: false }) => {
                    slot.stage = Stage::Running(body);
                    return Ok(());
                }
                (_, Stage::Polling { aborted }) => *aborted,
                // The table was emptied during the poll: the task dropped its own reactor.
                _ => {
                    drop(tasks);
                    drop(body);
                    return Ok(());
                }
            }
        };
        // The task ends: let go of its waker, so that its slot's next task can reuse it.
        *last_waker = None;
        // An abort from inside the poll wins over what the poll returned, except a panic.
        let mut failure = None;
        let outcome = match result {
            Err(payload) => Err(JoinError::Panicked(panic_message(&*payload))),
            Ok(Poll::Pending) => Err(JoinError::Aborted),
            Ok(Poll::Ready(_)) if aborted => Err(JoinError::Aborted),
            Ok(Poll::Ready(Finished::Output(output))) => Ok(output),
            Ok(Poll::Ready(Finished::Fork(error))) => {
                failure = error;
                Ok(Box::new(()) as Box<dyn Any>)
            }
        };
        let Some((spawned_at, outcome, detached)) = self.end(id, body, outcome) else { return Ok(()) };
        let err = match (outcome, failure) {
            (Err(JoinError::Panicked(message)), _) if detached => {
                Error::DetachedTaskPanicked { task: id, spawned_at, message }
            }
            (Err(JoinError::Panicked(message)), _) => Error::TaskPanicked { task: id, spawned_at, message },
            (Ok(_), Some(error)) => Error::TaskFailed { task: id, spawned_at, error },
            _ => return Ok(()), // succeeded, or aborted
        };
        report(err)
    }

    /// Ends task `id`, whose future is `body` (out of the table): the future is dropped, then
    /// the outcome goes to the task's handle (waking its awaiter), or is dropped if the handle
    /// is gone. A fork's outcome, and a detached task's panic, are returned with where the
    /// task was spawned (and whether it was detached), for `run` to hear of.
    fn end(
        &self,
        id: TaskId,
        body: Pin<Box<dyn Body>>,
        outcome: Outcome,
    ) -> Option<(&'static Location<'static>, Outcome, bool)> {
        let (waiter, orphan, fork) = {
            let mut tasks = self.tasks.borrow_mut();
            tasks.kill(id.key);
            let slot = tasks.slot_mut(id.key);
            match &mut slot.peer {
                Peer::Joiner(waiter) => {
                    let waiter = waiter.take();
                    slot.stage = Stage::Done(outcome);
                    (waiter, None, None)
                }
                &mut Peer::Detached(Some(at)) if matches!(outcome, Err(JoinError::Panicked(_))) => {
                    drop(tasks.remove(id.key));
                    (None, None, Some((at, outcome, true)))
                }
                Peer::Detached(_) => {
                    drop(tasks.remove(id.key));
                    (None, Some(outcome), None)
                }
                &mut Peer::Fork(at) => {
                    drop(tasks.remove(id.key));
                    (None, None, Some((at, outcome, false)))
                }
            }
        };
        // Drops run user code, which may reach the table: outside the borrow. The future first,
        // so that whoever awaits the handle finds the task's timers and watchers released.
        drop(body);
        drop(orphan);
        if let Some(waiter) = waiter {
            waiter.wake();
        }
        fork
    }

    /// `JoinHandle::poll`: task `id`'s outcome if it has ended (freeing its slot), else
    /// `Pending` with `cx`'s waker kept to be woken then.
    pub(super) fn poll_join(&self, id: TaskId, cx: &mut Context<'_>) -> Poll<Outcome> {
        let mut tasks = self.tasks.borrow_mut();
        // The slot of a task with a handle lives until the handle takes the outcome: if it is
        // gone, the reactor was dropped (or shut down) first.
        let Some(slot) = tasks.get_mut(id) else { return Poll::Ready(Err(JoinError::Aborted)) };
        if !matches!(slot.stage, Stage::Done(_)) {
            if let Peer::Joiner(waiter) = &mut slot.peer {
                match waiter {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    waiter => *waiter = Some(cx.waker().clone()),
                }
            }
            return Poll::Pending;
        }
        let (stage, peer) = tasks.remove(id.key);
        drop(tasks);
        drop(peer); // the awaiter's waker, which is ours
        match stage {
            Stage::Done(outcome) => Poll::Ready(outcome),
            _ => unreachable!("the stage was just checked"),
        }
    }

    /// `JoinHandle::is_finished`.
    pub(super) fn is_finished(&self, id: TaskId) -> bool {
        // No slot: gone with the reactor's shutdown, which aborted it.
        self.tasks.borrow().get(id).is_none_or(|slot| matches!(slot.stage, Stage::Done(_)))
    }

    /// Dropping a `JoinHandle`: the task runs on and its output will be dropped, or is dropped
    /// now if it already exists.
    pub(super) fn detach(&self, id: TaskId, spawned_at: &'static Location<'static>) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id) else { return };
        let gone = if matches!(slot.stage, Stage::Done(_)) {
            let (stage, peer) = tasks.remove(id.key);
            (Some(stage), peer)
        } else {
            (None, mem::replace(&mut slot.peer, Peer::Detached(Some(spawned_at))))
        };
        drop(tasks);
        drop(gone); // the output, or the awaiter's waker: user code, outside the borrow
    }

    /// Drops every unfinished task (reactor shutdown); their handles get `Aborted`. Finished
    /// tasks keep their output for their handles.
    pub(crate) fn shutdown(&self) {
        let (bodies, waiters) = self.tasks.borrow_mut().drain_unfinished();
        self.run_queue.borrow_mut().clear();
        drop(self.last_waker.take());
        drop(bodies); // futures first, as in `end`
        for waiter in waiters {
            waiter.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::future::{pending, poll_fn};
    use std::rc::Rc;

    use super::*;
    use crate::Reactor;

    /// One tick that does not block (`tick` would, with only a pending task registered).
    fn turn(reactor: &Reactor) {
        let mut yielded = false;
        let once = poll_fn(|cx| {
            if std::mem::replace(&mut yielded, true) {
                return Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        });
        reactor.block_on(once).unwrap();
    }

    fn waker_at(reactor: &Reactor, key: u32) -> Arc<super::super::waker::TaskWaker> {
        reactor.handle().inner.executor.tasks.borrow().waker_at(key)
    }

    #[test]
    fn a_finished_tasks_waker_serves_its_slots_next_task() {
        let reactor = Reactor::new().unwrap();
        let first = reactor.spawn(async {});
        let key = first.id().key;
        reactor.block_on(first).unwrap().unwrap();
        let before = Arc::as_ptr(&waker_at(&reactor, key));
        let second = reactor.spawn(async { 7 });
        assert_eq!(second.id().key, key, "the freed slot is reused");
        assert_eq!(Arc::as_ptr(&waker_at(&reactor, key)), before, "and so is its waker: no allocation");
        assert_eq!(reactor.block_on(second).unwrap(), Ok(7));
    }

    #[test]
    fn a_waker_kept_after_its_task_ended_is_not_reused_and_never_wakes_the_next_task() {
        let reactor = Reactor::new().unwrap();
        let kept = Rc::new(RefCell::new(None::<Waker>));
        let k = Rc::clone(&kept);
        let first = reactor.spawn(poll_fn(move |cx| {
            *k.borrow_mut() = Some(cx.waker().clone());
            Poll::Ready(())
        }));
        let key = first.id().key;
        reactor.block_on(first).unwrap().unwrap();
        let polls = Rc::new(Cell::new(0));
        let p = Rc::clone(&polls);
        let second = reactor.spawn(poll_fn(move |_| {
            p.set(p.get() + 1);
            Poll::<()>::Pending
        }));
        assert_eq!(second.id().key, key);
        turn(&reactor);
        assert_eq!(polls.get(), 1);
        let stale = kept.borrow_mut().take().unwrap();
        assert_ne!(stale.data(), Arc::as_ptr(&waker_at(&reactor, key)).cast(), "a held waker is replaced");
        stale.wake();
        turn(&reactor);
        assert_eq!(polls.get(), 1, "the stale waker reached the slot's next task");
        assert!(second.abort());
    }

    #[test]
    fn abort_from_inside_the_tasks_own_poll_takes_effect_when_the_poll_returns() {
        let reactor = Reactor::new().unwrap();
        let handle = reactor.handle();
        let id = Rc::new(Cell::new(None));
        let (i, dropped) = (Rc::clone(&id), Rc::new(Cell::new(false)));
        let guard = Guard(Rc::clone(&dropped));
        let task = reactor.spawn(async move {
            let _guard = guard;
            assert!(handle.abort(i.get().unwrap()), "the task is still running");
            assert!(!handle.abort(i.get().unwrap()), "but aborted already");
            pending::<()>().await;
        });
        id.set(Some(task.id()));
        assert_eq!(reactor.block_on(task).unwrap(), Err(JoinError::Aborted));
        assert!(dropped.get());
        assert!(!reactor.handle().inner.executor.has_tasks());
    }

    /// Sets its flag when dropped.
    struct Guard(Rc<Cell<bool>>);

    impl Drop for Guard {
        fn drop(&mut self) {
            assert!(!self.0.replace(true), "dropped twice");
        }
    }
}

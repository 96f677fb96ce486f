//! The task table and the run queue: what phase 6 of a tick works on.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use mio::{Registry, Token};
use slab::Slab;

use super::join::{Completion, JoinError};
use super::waker::{Shared, TaskWaker};
use crate::error::panic_message;
use crate::{Error, Handle, Result};

/// How many task polls one tick may do before going back to the poller.
const BUDGET: usize = 256;

/// The name of a task: a slab key and a generation, like a [`WatcherId`](crate::WatcherId).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    pub(crate) key: u32,
    pub(crate) generation: u64,
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({}v{})", self.key, self.generation)
    }
}

/// A task's erased future. It delivers its own output to its join state; what it returns is
/// the error of a failed fork, which goes to `run`.
pub(crate) type TaskFuture = Pin<Box<dyn Future<Output = Option<Box<dyn std::error::Error + Send + Sync>>>>>;

/// What is taken out of the table while a task is polled.
struct Running {
    future: TaskFuture,
    waker: Waker,
}

/// One task.
struct Task {
    generation: u64,
    /// `None` while it is being polled.
    running: Option<Running>,
    /// The same `Arc` as `running.waker`'s, to mark a finished task as never schedulable.
    waker: Arc<TaskWaker>,
    completion: Rc<dyn Completion>,
    /// Forks report failures and panics to `run`; plain spawns to their `JoinHandle` only.
    fork: bool,
    spawned_at: &'static Location<'static>,
}

/// The executor's part of a reactor.
pub(crate) struct Executor {
    tasks: RefCell<Slab<Task>>,
    /// Tasks woken on this thread, in wake order.
    pub(super) run_queue: RefCell<VecDeque<TaskId>>,
    /// What wakers on other threads reach.
    pub(super) shared: Arc<Shared>,
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor").field("tasks", &self.tasks.borrow().len()).finish_non_exhaustive()
    }
}

impl Executor {
    pub(crate) fn new(registry: &Registry, token: Token, reactor_id: usize) -> std::io::Result<Executor> {
        Ok(Executor {
            tasks: RefCell::new(Slab::new()),
            run_queue: RefCell::new(VecDeque::new()),
            shared: Arc::new(Shared::new(registry, token, reactor_id)?),
        })
    }

    /// Stores a task and queues its first poll.
    pub(crate) fn insert(
        &self,
        future: TaskFuture,
        completion: Rc<dyn Completion>,
        fork: bool,
        spawned_at: &'static Location<'static>,
    ) -> TaskId {
        // Process-wide, like watcher generations: a TaskId of another reactor names nothing here.
        let generation = crate::watcher::table::next_generation();
        let mut tasks = self.tasks.borrow_mut();
        let entry = tasks.vacant_entry();
        let id = TaskId { key: u32::try_from(entry.key()).expect("more than 4 billion tasks"), generation };
        let waker = Arc::new(TaskWaker::new(id, Arc::clone(&self.shared)));
        // Scheduled from birth: the first poll is queued below.
        waker.mark_scheduled();
        let running = Running { future, waker: Waker::from(Arc::clone(&waker)) };
        entry.insert(Task { generation, running: Some(running), waker, completion, fork, spawned_at });
        drop(tasks);
        self.run_queue.borrow_mut().push_back(id);
        id
    }

    /// Drops task `id`'s future (if it is still live and not being polled) and fails its join
    /// state with `Aborted`. Returns whether it did.
    pub(crate) fn abort(&self, id: TaskId) -> bool {
        let task = {
            let mut tasks = self.tasks.borrow_mut();
            match tasks.get(id.key as usize) {
                Some(t) if t.generation == id.generation && t.running.is_some() => tasks.remove(id.key as usize),
                _ => return false,
            }
        };
        task.waker.mark_scheduled(); // stray wakes of a dead task are no-ops
        let Task { running, completion, .. } = task;
        // Drop the future (outside the borrow) *before* waking the awaiter, so whoever awaits
        // the handle finds the task's timers and watchers already released.
        drop(running);
        completion.fail(JoinError::Aborted);
        true
    }

    /// Any unfinished task: tasks always keep `run()` going.
    pub(crate) fn keeps_alive(&self) -> bool {
        !self.tasks.borrow().is_empty() || self.shared.blocking_in_flight() > 0
    }

    /// Unfinished tasks.
    pub(crate) fn has_tasks(&self) -> bool {
        !self.tasks.borrow().is_empty()
    }

    /// Number of unfinished tasks.
    pub(crate) fn task_count(&self) -> usize {
        self.tasks.borrow().len()
    }

    /// Something is queued to be polled (locally or from another thread).
    pub(crate) fn has_runnable(&self) -> bool {
        !self.run_queue.borrow().is_empty() || self.shared.has_remote()
    }

    /// Blocking jobs whose results will wake a task.
    pub(crate) fn blocking_in_flight(&self) -> usize {
        self.shared.blocking_in_flight()
    }

    /// Phase 6: polls up to [`BUDGET`] queued tasks.
    pub(crate) fn run_tasks(&self, handle: &Handle) -> Result<()> {
        self.shared.drain_remote_into(&mut self.run_queue.borrow_mut());
        for _ in 0..BUDGET {
            let Some(id) = self.run_queue.borrow_mut().pop_front() else { break };
            self.poll_task(handle, id)?;
        }
        Ok(())
    }

    fn poll_task(&self, handle: &Handle, id: TaskId) -> Result<()> {
        let mut running = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(task) = tasks.get_mut(id.key as usize).filter(|t| t.generation == id.generation) else {
                return Ok(());
            };
            // Clear the flag *before* polling: a wake during the poll must queue it again.
            task.waker.clear_scheduled();
            match task.running.take() {
                Some(r) => r,
                None => return Ok(()),
            }
        };
        let mut cx = Context::from_waker(&running.waker);
        let result = catch_unwind(AssertUnwindSafe(|| running.future.as_mut().poll(&mut cx)));
        let outcome = match result {
            Ok(Poll::Pending) => {
                let mut tasks = self.tasks.borrow_mut();
                if let Some(task) = tasks.get_mut(id.key as usize).filter(|t| t.generation == id.generation) {
                    task.running = Some(running);
                    return Ok(());
                }
                // Aborted from inside its own poll: drop it below, outside the borrow.
                drop(tasks);
                drop(running);
                return Ok(());
            }
            Ok(Poll::Ready(failure)) => failure.map(Err),
            Err(payload) => Some(Ok(panic_message(&*payload))),
        };
        let task = self.tasks.borrow_mut().remove(id.key as usize);
        task.waker.mark_scheduled();
        drop(running);
        let err = match outcome {
            None => return Ok(()),
            Some(Err(error)) => Error::TaskFailed { task: id, spawned_at: task.spawned_at, error },
            Some(Ok(message)) => {
                task.completion.fail(JoinError::Panicked(message.clone()));
                if !task.fork {
                    return Ok(()); // a spawned task's panic belongs to its JoinHandle
                }
                Error::TaskPanicked { task: id, spawned_at: task.spawned_at, message }
            }
        };
        drop(task);
        handle.report(err)
    }

    /// Drops every task (reactor shutdown). Futures drop outside the borrow.
    pub(crate) fn shutdown(&self) {
        let tasks: Vec<Task> = self.tasks.borrow_mut().drain().collect();
        self.run_queue.borrow_mut().clear();
        let mut completions = Vec::with_capacity(tasks.len());
        for Task { running, completion, waker, .. } in tasks {
            waker.mark_scheduled();
            drop(running); // futures first, as in `abort`
            completions.push(completion);
        }
        for c in completions {
            c.fail(JoinError::Aborted);
        }
    }
}

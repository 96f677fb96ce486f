//! Loom models of every path by which another thread reaches the reactor: a remote task wake,
//! a remote wake of `block_on`'s own future, a `spawn_blocking` job's end (its task detached
//! or aborted), and `block_on`'s progress check while a job ends. Run with `just loom`:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p ampere-reactor --release --lib loom
//! ```
//!
//! The protocol code is the reactor's own: [`Shared`], [`TaskWaker`], [`MainWaker`], the job's
//! [`finish_job`] and [`WaitResult`], built on loom's atomics and mutexes (`sync.rs`), with the
//! poll modelled as an event that any poll consumes and a blocking poll waits for
//! (`sync::Poker`). What is written out here is only the reactor thread's side of each check,
//! one line each, as `core/tick.rs`, `core/poll.rs` and `core/block_on.rs` make it:
//!
//! - `run`'s liveness (`is_alive`): a task alive, or `blocking_in_flight() > 0`;
//! - phase 1 (`poll_timeout`): no wait when something is queued (`has_remote`, the local
//!   queue) or nothing is registered; else a blocking poll;
//! - phase 6 (`run_tasks`): `drain_remote_into`, then each queued task polled, its flag
//!   cleared first (`poll_task`) and set for good when it ends (`TaskTable::kill`);
//! - `block_on`'s check (`Executor::may_be_woken`): the local queue, then `Shared::may_be_woken`.
//!
//! A lost wake shows as a loom deadlock (the reactor blocked in its poll, every other thread
//! done); a wrong `WouldNeverComplete` as a failed assertion.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Waker};

use loom::thread;

use super::blocking::{finish_job, Slot, WaitResult};
use super::shared::Shared;
use super::sync::{Arc, AtomicBool, Ordering, Poker};
use super::waker::{MainWaker, TaskWaker};
use crate::id::TaskId;

/// Runs `f` under loom with a preemption bound (so that `just loom` stays quick) unless
/// `LOOM_MAX_PREEMPTIONS` says otherwise.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

fn shared() -> StdArc<Shared> {
    StdArc::new(Shared::new(Poker::model()))
}

/// A task, as the table holds it: its waker, its future, whether it is still alive.
struct Task {
    waker: StdArc<TaskWaker>,
    future: Option<Pin<Box<WaitResult<u32>>>>,
}

impl Task {
    /// A new task (queued by its spawn, flag set) waiting on `slot`.
    fn new(key: u32, shared: &StdArc<Shared>, slot: &Arc<Slot<u32>>) -> Task {
        let waker = StdArc::new(TaskWaker::new(key, 0, StdArc::clone(shared)));
        Task { waker, future: Some(Box::pin(WaitResult(Arc::clone(slot)))) }
    }

    fn alive(&self) -> bool {
        self.future.is_some()
    }

    /// `poll_task`: clears the flag, polls; on `Ready`, ends the task. Returns its output.
    fn poll(&mut self) -> Option<u32> {
        let future = self.future.as_mut()?;
        self.waker.clear_scheduled();
        let waker = Waker::from(StdArc::clone(&self.waker));
        match future.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(out) => {
                self.end();
                Some(out)
            }
            Poll::Pending => None,
        }
    }

    /// The task ends (finished or aborted): its future is dropped, its flag set for good.
    fn end(&mut self) {
        self.waker.mark_scheduled();
        self.future = None;
    }
}

/// Phase 1: blocks only when nothing is queued and something is registered.
fn phase_1(shared: &Shared, queue: &VecDeque<TaskId>, task_alive: bool) {
    let queued = !queue.is_empty() || shared.has_remote();
    let nothing_registered = !task_alive && shared.blocking_in_flight() == 0;
    shared.poker.poll(!queued && !nothing_registered);
}

/// Phase 6 for one task: drains remote wakes, polls the task if it was queued.
fn phase_6(shared: &Shared, queue: &mut VecDeque<TaskId>, task: &mut Task) -> Option<u32> {
    shared.drain_remote_into(queue);
    let mut out = None;
    while queue.pop_front().is_some() {
        out = out.or(task.poll());
    }
    out
}

/// A job on a helper thread: the closure's result, handed over as the pool's job does it.
fn start_job(shared: &StdArc<Shared>, slot: &Arc<Slot<u32>>) -> thread::JoinHandle<()> {
    shared.blocking_started();
    let (shared, slot) = (StdArc::clone(shared), Arc::clone(slot));
    thread::spawn(move || finish_job(&slot, &shared, Ok(7)))
}

/// `run` with one blocking job whose task is detached (or aborted before `run`).
fn run_with_one_job(abort: bool) {
    let shared = shared();
    let slot = Arc::new(Slot::new());
    let mut task = Task::new(0, &shared, &slot);
    let mut queue = VecDeque::from([TaskId { key: 0, generation: 0 }]);
    let job = start_job(&shared, &slot);
    if abort {
        task.end();
        queue.clear();
    }
    let mut output = None;
    // `run`: alive while a task is, or a job is in flight.
    while task.alive() || shared.blocking_in_flight() > 0 {
        phase_1(&shared, &queue, task.alive());
        output = output.or(phase_6(&shared, &mut queue, &mut task));
    }
    assert_eq!(output, if abort { None } else { Some(7) });
    assert_eq!(shared.blocking_in_flight(), 0, "run returned with the job in flight");
    job.join().unwrap();
}

#[test]
fn loom_run_returns_once_the_last_blocking_job_ends() {
    model(|| run_with_one_job(false));
}

#[test]
fn loom_run_returns_once_a_job_whose_task_was_aborted_ends() {
    model(|| run_with_one_job(true));
}

#[test]
fn loom_block_on_never_gives_up_on_a_finishing_job() {
    model(|| {
        let shared = shared();
        let slot = Arc::new(Slot::new());
        let mut task = Task::new(0, &shared, &slot);
        let mut queue = VecDeque::from([TaskId { key: 0, generation: 0 }]);
        let job = start_job(&shared, &slot);
        // `block_on(task)`: the check, then a turn, until the task's output is there.
        loop {
            // `can_progress`, with no watcher and no async I/O: `Executor::may_be_woken`.
            let may_be_woken = !queue.is_empty() || shared.may_be_woken();
            assert!(may_be_woken, "WouldNeverComplete while a blocking job ends");
            phase_1(&shared, &queue, task.alive());
            if phase_6(&shared, &mut queue, &mut task).is_some() {
                break;
            }
        }
        job.join().unwrap();
    });
}

#[test]
fn loom_remote_task_wakes_are_never_lost() {
    model(|| {
        let shared = shared();
        // Two pending tasks, woken from two threads: the second wake is coalesced with the
        // first (no second poke) or lands after a drain (a new poke); never lost.
        let wakers: Vec<_> = (0..2).map(|key| StdArc::new(TaskWaker::new(key, 0, StdArc::clone(&shared)))).collect();
        for w in &wakers {
            w.clear_scheduled(); // polled once, pending
        }
        let threads: Vec<_> = wakers
            .iter()
            .map(|w| {
                let waker = Waker::from(StdArc::clone(w));
                thread::spawn(move || waker.wake())
            })
            .collect();
        let mut queue = VecDeque::new();
        let mut woken = Vec::new();
        while woken.len() < 2 {
            phase_1(&shared, &queue, true);
            shared.drain_remote_into(&mut queue);
            for id in queue.drain(..) {
                wakers[id.key as usize].clear_scheduled();
                woken.push(id.key);
            }
        }
        woken.sort_unstable();
        assert_eq!(woken, [0, 1], "each task woken once");
        for t in threads {
            t.join().unwrap();
        }
    });
}

#[test]
fn loom_a_remote_wake_of_block_on_interrupts_its_poll() {
    model(|| {
        let shared = shared();
        let main = StdArc::new(MainWaker { woken: AtomicBool::new(false), shared: StdArc::clone(&shared) });
        let waker = Waker::from(StdArc::clone(&main));
        let other = thread::spawn(move || waker.wake());
        let queue = VecDeque::new();
        // `block_on`'s loop with its future pending and a watcher keeping it alive.
        while !main.woken.swap(false, Ordering::AcqRel) {
            let again = main.woken.load(Ordering::Acquire);
            if !again {
                phase_1(&shared, &queue, true);
            }
            shared.drain_remote_into(&mut VecDeque::new());
        }
        other.join().unwrap();
    });
}

//! [`spawn_blocking`]: MadelineProto's "blocking async" done right — the blocking work runs on
//! a helper thread and the reactor never blocks.
//!
//! The pool is process-wide, bounded ([`MAX_THREADS`]) and lazy: no thread exists until the
//! first call, and a thread idle for [`IDLE_TIMEOUT`] exits. A program that never calls
//! `spawn_blocking` runs on exactly one thread.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Condvar, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::join::JoinHandle;
use super::shared::Shared;
use super::sync::{Arc, Mutex};
use super::task::Executor;

/// At most this many helper threads; more jobs queue.
pub const MAX_THREADS: usize = 16;
/// A helper thread with nothing to do for this long exits.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Job>,
    /// Threads waiting for a job.
    idle: usize,
    /// Threads alive.
    threads: usize,
}

/// The pool is plain std (a queue under a mutex): it is not one of the modelled paths.
struct Pool {
    state: std::sync::Mutex<PoolState>,
    work: Condvar,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool { state: std::sync::Mutex::new(PoolState::default()), work: Condvar::new() })
}

fn submit(job: Job) -> std::io::Result<()> {
    let pool = pool();
    let mut st = pool.state.lock().unwrap_or_else(|e| e.into_inner());
    st.queue.push_back(job);
    if st.idle > 0 {
        pool.work.notify_one();
        return Ok(());
    }
    if st.threads < MAX_THREADS {
        std::thread::Builder::new().name("ampere-blocking".into()).spawn(worker)?;
        st.threads += 1;
    }
    Ok(())
}

fn worker() {
    let pool = pool();
    let mut st = pool.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if let Some(job) = st.queue.pop_front() {
            drop(st);
            job(); // never panics: the job catches its closure's panic itself
            st = pool.state.lock().unwrap_or_else(|e| e.into_inner());
            continue;
        }
        st.idle += 1;
        let (guard, timeout) = pool.work.wait_timeout(st, IDLE_TIMEOUT).unwrap_or_else(|e| e.into_inner());
        st = guard;
        st.idle -= 1;
        if timeout.timed_out() && st.queue.is_empty() {
            st.threads -= 1;
            return;
        }
    }
}

/// Helper threads alive right now (for tests and introspection).
pub fn blocking_threads() -> usize {
    pool().state.lock().unwrap_or_else(|e| e.into_inner()).threads
}

/// Where a blocking job leaves its result.
pub(super) struct Slot<T> {
    result: Mutex<Option<std::thread::Result<T>>>,
    waker: Mutex<Option<Waker>>,
}

impl<T> Slot<T> {
    pub(super) fn new() -> Slot<T> {
        Slot { result: Mutex::new(None), waker: Mutex::new(None) }
    }
}

/// The end of a blocking job, on its helper thread: the result goes to `slot` and wakes the
/// task waiting there (W), then the job stops counting as in flight and pokes the reactor
/// (D, N: [`Shared::blocking_finished`]). In this order nothing the reactor reads can make it
/// wait forever or give up early: see `shared.rs`.
pub(super) fn finish_job<T>(slot: &Slot<T>, shared: &Shared, result: std::thread::Result<T>) {
    *slot.result.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
    // Taken out of the lock before waking: the wake may run code that polls the slot.
    let waker = slot.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(w) = waker {
        w.wake();
    }
    shared.blocking_finished();
}

/// Waits for a job's result in the task that `spawn_blocking` spawns.
pub(super) struct WaitResult<T>(pub(super) Arc<Slot<T>>);

impl<T> Future for WaitResult<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // Store the waker before looking at the result: the job writes the result and
        // *then* takes the waker, so one of the two always sees the other.
        *self.0.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        match self.0.result.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(Ok(v)) => Poll::Ready(v),
            Some(Err(payload)) => resume_unwind(payload), // the task panics like the closure did
            None => Poll::Pending,
        }
    }
}

impl Executor {
    /// Runs `work` on a helper thread; the returned handle is a task waiting for its result.
    ///
    /// # Errors
    ///
    /// When no helper thread exists and none can be started.
    #[track_caller]
    pub(crate) fn spawn_blocking<F, T>(self: &Rc<Self>, work: F) -> std::io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = Arc::new(Slot::new());
        let shared = std::sync::Arc::clone(&self.shared);
        let job_slot = Arc::clone(&slot);
        shared.blocking_started();
        let job_shared = std::sync::Arc::clone(&shared);
        let job: Job = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(work));
            finish_job(&job_slot, &job_shared, result);
        });
        if let Err(e) = submit(job) {
            shared.blocking_finished();
            return Err(e);
        }
        Ok(self.spawn(WaitResult(slot), Location::caller()))
    }
}

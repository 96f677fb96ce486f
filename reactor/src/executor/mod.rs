//! The executor: tasks polled by the reactor's tick, woken by `std::task::Wake` wakers.
//!
//! # The task model
//!
//! A task is a `'static` future (it may hold `Rc`: tasks never leave the reactor's thread)
//! boxed once at spawn, in a slab slot named by a generational [`TaskId`]. Its waker is an
//! `Arc<TaskWaker>` holding the task's id and a `scheduled` flag; waking it
//!
//! - on the reactor's own thread, while the reactor is driven, pushes the id onto the local
//!   run queue: no syscall, no lock, one atomic swap for the flag;
//! - from any other thread, pushes the id onto a mutex-protected remote queue and pokes the
//!   reactor's one [`mio::Waker`] (only if nobody poked it since the last drain).
//!
//! The flag makes repeated wakes before the next poll free, and wakes of a finished task
//! no-ops. Phase 6 of the tick polls a bounded batch of queued tasks, so a task that keeps
//! waking itself shares the thread with I/O instead of starving it.

mod block_on;
mod blocking;
mod join;
mod spawn;
mod task;
mod waker;

pub use block_on::block_on;
pub use blocking::{blocking_threads, spawn_blocking, IDLE_TIMEOUT, MAX_THREADS};
pub use join::{JoinError, JoinHandle};
pub use spawn::{fork, fork_deferred, spawn, BoxError};
pub use task::TaskId;

pub(crate) use task::Executor;

//! The executor: tasks polled by the reactor's tick, woken by `std::task::Wake` wakers.
//!
//! # The task model
//!
//! A task is a `'static` future (it may hold `Rc`: tasks never leave the reactor's thread)
//! in a slot of the task table, named by a generational [`TaskId`](crate::id::TaskId). A slot (56 bytes) holds
//!
//! - the future itself, boxed as a `dyn` trait object implemented for every future: the
//!   task's one allocation (none at all for a zero-sized future). Safe code cannot pin-project
//!   into a struct, so nothing is wrapped around the future; and a shared `Rc` cell could not
//!   hand out the `Pin<&mut>` a poll needs;
//! - its output once it has finished, until the [`JoinHandle`](join::JoinHandle) takes it. The handle holds only
//!   the id, so the output waits in the slot, boxed as `dyn Any`: free for `()` and other
//!   zero-sized outputs, a second allocation (at the end, not at spawn) for others. A dropped
//!   handle detaches the task: its output is dropped as soon as it exists, and its slot freed;
//! - who hears of its end: its handle's awaiter, or for a fork where it was forked;
//! - its waker, an `Arc<TaskWaker>` holding the task's id and a `scheduled` flag.
//!
//! The waker belongs to the slot, not to the task. When a task ends its flag is set for good,
//! so a clone of its waker kept anywhere (another thread included) wakes nothing; when the
//! slot is next used, the waker is reset for the new task if the slot holds its last
//! reference, else replaced. In the steady state a spawn allocates only the future, and a
//! stale waker can never reach the slot's next task. Waking
//!
//! - on the reactor's own thread, while the reactor is driven, pushes the id onto the local
//!   run queue: no syscall, no lock, one atomic swap for the flag;
//! - from any other thread, pushes the id onto a mutex-protected remote queue and pokes the
//!   reactor's one `mio::Waker` (only if nobody poked it since the last drain).
//!
//! The flag makes repeated wakes before the next poll free, and wakes of a finished task
//! no-ops; the generation in each queued id makes an entry left by a task that ended while
//! queued skip its slot's next task. Phase 6 of the tick polls a bounded batch of queued
//! tasks, so a task that keeps waking itself shares the thread with I/O instead of starving
//! it.
//!
//! Files: `table.rs` (the slots), `task.rs` (the executor's operations and phase 6),
//! `waker.rs`, `shared.rs` (what other threads reach, and why nothing they do is missed),
//! `sync.rs` (std's or loom's types), `loom_models.rs` (the models of the cross-thread paths),
//! `join.rs` (`JoinHandle`), `spawn.rs` (storing a task or a fork), `blocking.rs` (the
//! helper threads), `local.rs` (the executor driven on this thread: the local wake).

pub(crate) mod blocking;
pub(crate) mod join;
pub(crate) mod local;
#[cfg(all(test, loom))]
mod loom_models;
pub(crate) mod shared;
pub(crate) mod spawn;
pub(crate) mod sync;
pub(crate) mod table;
pub(crate) mod task;
pub(crate) mod waker;

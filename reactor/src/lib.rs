//! A single-threaded event reactor on mio, with a waker-based executor and async I/O.
//!
//! ampere reproduces the Amp event loop (`defer`, `delay`, `repeat`, readable / writable /
//! signal watchers, `enable` / `disable` / `cancel`, keep-alive) and MadelineProto's async
//! layer (forks, `block_on`, sleep, async sockets) in idiomatic Rust, and is meant to be read.
//!
//! # The model
//!
//! - A [`Reactor`] owns one epoll instance, a slab of **watchers**, a 4-ary-heap **timer
//!   queue** and a **defer queue** (defers live in their queue slot, not in the slab: they are
//!   the hottest, shortest-lived watchers). Each watcher is named by a generational
//!   [`WatcherId`]; a stale id is a typed error or a no-op, never a reused slot. ([`watcher`]
//!   documents the states.)
//! - One **tick** polls once and dispatches in phases: defers, I/O, signals, timers, tasks
//!   (`tick.rs` walks through it). Nothing fires in the tick it was created or enabled in;
//!   timers never fire early; `repeat` does not drift.
//! - [`Handle`]s (cheap `Rc` clones) reach the reactor from callbacks and tasks; the free
//!   functions ([`defer`], [`delay`], [`run`], [`spawn`], ...) act on the thread's current one.
//! - **Tasks** are futures polled in the last phase; their wakers are `std::task::Wake` on an
//!   `Arc` (a local wake costs no syscall and no lock; a remote one pokes one `mio::Waker`).
//! - **Async I/O** ([`Async`], [`net`]) is edge-triggered and syscall-lean; I/O **watchers**
//!   are level-triggered, as in Amp.
//! - All OS calls live in one private `sys` module, the only one allowed `unsafe`.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use ampere_reactor::{Reactor, sleep};
//!
//! let reactor = Reactor::new()?;
//! reactor.repeat(Duration::from_millis(1), |handle, id| {
//!     handle.cancel(id); // once is enough
//! });
//! let answer = reactor.block_on(async {
//!     sleep(Duration::from_millis(2)).await;
//!     42
//! })?;
//! assert_eq!(answer, 42);
//! # Ok::<(), ampere_reactor::Error>(())
//! ```
//!
//! The guide (`docs/guide/` in the repository) explains the architecture chapter by chapter.
#![deny(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

#[cfg(any(feature = "hyper", feature = "tokio-io"))]
pub mod compat;
mod current;
mod defer_queue;
mod dispatch;
mod embed;
mod error;
mod error_handler;
pub mod executor;
mod handle;
pub mod helpers;
mod introspect;
pub mod io;
mod poll;
mod reactor;
mod stale_fd;
#[allow(unsafe_code)]
mod sys;
mod tick;
mod time;
mod timer_queue;
mod watch;
pub mod watcher;

pub use current::{
    cancel, defer, delay, disable, enable, on_readable, on_signal, on_writable, reference, repeat, repeat_after, run,
    stop, tick, unreference, watch,
};
pub use error::{panic_message, Error, Result};
pub use error_handler::ErrorHandler;
pub use executor::{block_on, fork, fork_deferred, spawn, spawn_blocking, BoxError, JoinError, JoinHandle, TaskId};
pub use handle::Handle;
pub use helpers::{
    echo, fetch_with, file_get_contents, file_get_contents_with, flock, read_line, FetchError, FetchLimits,
    FetchResponse, FileLock, FlockError, LockMode,
};
pub use introspect::{AliveWatcher, KindCounts, ReactorInfo, WatcherInfo};
pub use io::{net, signal, Async, SignalStream};
pub use reactor::Reactor;
pub use time::{interval, sleep, sleep_until, Interval, Sleep, Tick};
pub use watch::Watch;
pub use watcher::{WatcherId, WatcherKind};

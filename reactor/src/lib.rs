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
//!   [`WatcherId`]; a stale id is a typed error or a no-op, never a reused slot. ([`WatcherId`]
//!   documents the states.)
//! - One **tick** polls once and dispatches in phases: defers, I/O, signals, timers, tasks
//!   (`core/tick.rs` walks through it). Nothing fires in the tick it was created or enabled in;
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
//! # Which reactor
//!
//! Sockets, [`Async`] values, signal streams and the free functions use the thread's
//! *current* reactor ([`Handle::current`] gives the exact rule): the one being driven, else
//! the innermost [`Handle::enter`] guard's, else the newest live [`Reactor`] made on this
//! thread, else a default one made on first use. So a socket may be made between
//! `Reactor::new()` and `block_on`.
//!
//! # Conventions from tokio and smol
//!
//! [`prelude`] brings the I/O extension traits (futures-lite's), [`spawn`] (returning a
//! [`JoinHandle`]), [`sleep`] and [`timeout`]`(duration, future)`. Socket constructors take
//! `"127.0.0.1:8080"` or `("localhost", 8080)` ([`net::ToSocketAddrs`]); signals have names
//! ([`Signal`], [`ctrl_c`]); [`Handle::block_on_try`] reads with one `?`.
//!
//! # Logging
//!
//! The reactor logs through the [`log`](https://docs.rs/log) facade, which costs one atomic
//! load per line when no logger is set or the level is off: `debug` for `run` starting and
//! stopping and watchers lost to a closed fd, `trace` for one line per tick, and `error` for
//! a detached task's panic that no error handler took.
//!
//! The guide (`docs/guide/` in the repository) explains the architecture chapter by chapter;
//! its first chapter gives every file of this crate its layer and its one job.
//!
//! This file is the index: module declarations and the one public path of every public item
//! (the crate root, and [`net`] for the socket types).
#![deny(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

// Layer 1: the OS.
#[allow(unsafe_code)]
mod sys;

// Layer 2: values.
mod deadline;
mod error;
mod id;
mod signo;
mod token;

// Layer 3: data structures.
mod defer_queue;
mod source_table;
mod timer_queue;
mod watcher;

// Layer 4: the executor.
mod executor;

// Layer 5: the core.
mod core;

// Layer 6: faces.
mod builder;
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
pub mod compat;
mod current;
mod enter;
mod handle;
mod introspect;
mod io;
pub mod prelude;
mod reactor;
mod run;
mod tasks;
mod time;
mod timeout;
mod watch;

// Layer 7: helpers, on the public API.
mod helpers;

pub use crate::core::error_handler::ErrorHandler;
pub use crate::core::state::Handle;
pub use builder::Builder;
pub use current::{
    cancel, defer, delay, disable, enable, on_readable, on_signal, on_writable, reference, repeat, repeat_after, run,
    stop, tick, unreference, watch,
};
pub use enter::EnterGuard;
pub use error::{panic_message, BoxError, Error, JoinError, Result};
pub use executor::blocking::{blocking_threads, IDLE_TIMEOUT, MAX_THREADS};
pub use executor::join::JoinHandle;
#[cfg(feature = "tls")]
pub use helpers::fetch::TlsOptions;
pub use helpers::fetch::{
    fetch_with, file_get_contents, file_get_contents_with, FetchError, FetchLimits, FetchResponse,
};
pub use helpers::flock::{flock, FileLock, FlockError, LockMode, DEFAULT_POLL_INTERVAL};
pub use helpers::shutdown::Shutdown;
pub use helpers::stdio::{echo, read_line};
pub use id::{TaskId, WatcherId, WatcherKind};
pub use introspect::{AliveWatcher, KindCounts, ReactorInfo, WatcherInfo};
pub use io::async_fd::Async;
pub use io::net;
pub use io::signal_stream::{ctrl_c, signal, SignalStream};
#[cfg(feature = "tls")]
pub use io::tls::{tls_provider, ClientTlsStream, ServerTlsStream, TlsAcceptor, TlsConnector};
#[cfg(feature = "tls")]
pub use io::tls_error::TlsError;
/// The rustls that the `tls` feature builds on (configurations, certificate and key types in
/// `rustls::pki_types`), re-exported so that yours is the same version.
#[cfg(feature = "tls")]
pub use rustls;
pub use signo::Signal;
// `#[main]` and `#[test]` (the default `macros` feature); their docs are in ampere-macros.
#[cfg(feature = "macros")]
pub use ampere_macros::{main, test};
pub use reactor::Reactor;
pub use run::block_on;
pub use tasks::{fork, fork_deferred, spawn, spawn_blocking, try_spawn};
pub use time::{interval, sleep, sleep_until, Interval, Sleep, Tick};
pub use timeout::{timeout, TimedOut, Timeout, TimeoutExt};
pub use watch::Watch;

//! Async I/O: edge-triggered sources for tasks, as opposed to the level-triggered watchers
//! of [`Handle::on_readable`](crate::Handle::on_readable).
//!
//! [`Async<T>`] wraps any non-blocking fd. It registers once with the poller (edge-triggered,
//! both directions, an odd token) and keeps two readiness flags. An operation is tried first;
//! only when it fails with `WouldBlock` is the flag cleared and the task parked until the next
//! edge. So a busy socket costs exactly its read and write syscalls, and the reactor adds none.
//! The socket types in [`net`] build on it and implement `futures-io`'s `AsyncRead` and
//! `AsyncWrite`.

mod async_fd;
pub mod net;
mod signal_stream;
mod source;

pub use async_fd::Async;
pub use signal_stream::{signal, SignalStream};

pub(crate) use source::{source_count, source_ready, waiting_sources, SourceTable};

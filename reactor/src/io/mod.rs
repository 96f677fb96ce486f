//! Async I/O: edge-triggered sources for tasks, as opposed to the level-triggered watchers
//! of [`Handle::on_readable`](crate::Handle::on_readable).
//!
//! [`Async<T>`] wraps any non-blocking fd. It registers once with the poller (edge-triggered,
//! both directions, an odd token) and keeps two readiness flags. An operation is tried first;
//! only when it fails with `WouldBlock` is the flag cleared and the task parked until the next
//! edge. So a busy socket costs exactly its read and write syscalls, and the reactor adds none.
//! The socket types in [`net`] build on it and implement `futures-io`'s `AsyncRead` and
//! `AsyncWrite`; with the `tls` feature, `tls.rs` runs rustls over any of them.

mod addr;
pub(crate) mod async_fd;
pub mod net;
pub(crate) mod signal_stream;
mod stream;
#[cfg(feature = "tls")]
pub(crate) mod tls;
#[cfg(feature = "tls")]
pub(crate) mod tls_error;
pub(crate) mod udp;
pub(crate) mod unix;

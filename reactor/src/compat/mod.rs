//! Adapters to the ecosystem's I/O and runtime traits, each behind its cargo feature (both
//! off by default: the default build pulls neither hyper nor tokio).
//!
//! - `hyper`: [`HyperIo`] (hyper's `Read`/`Write` over any ampere stream), [`AmpereTimer`]
//!   (hyper's `Timer`, on the reactor's timers) and [`AmpereExecutor`] (spawns hyper's
//!   `!Send` HTTP/2 tasks on the current reactor).
//! - `tokio-io`: tokio's `AsyncRead`/`AsyncWrite` implemented directly on
//!   [`TcpStream`](crate::net::TcpStream), [`UnixStream`](crate::net::UnixStream) and
//!   [`Async`](crate::Async), so crates written against tokio's traits (tokio-util codecs,
//!   hyper-util, tokio-rustls) take ampere streams as they are, with no tokio runtime.
//!
//! futures-io crates need nothing here: ampere's streams implement futures-io already.

#[cfg(feature = "hyper")]
mod hyper_executor;
#[cfg(feature = "hyper")]
mod hyper_io;
#[cfg(feature = "hyper")]
mod hyper_timer;
#[cfg(feature = "tokio-io")]
mod tokio_io;

#[cfg(feature = "hyper")]
pub use hyper_executor::AmpereExecutor;
#[cfg(feature = "hyper")]
pub use hyper_io::HyperIo;
#[cfg(feature = "hyper")]
pub use hyper_timer::{AmpereSleep, AmpereTimer};

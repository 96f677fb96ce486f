//! tokio's `AsyncRead`/`AsyncWrite`, implemented directly on ampere's streams: no wrapper, no
//! runtime of tokio's.
//!
//! The tokio dependency has no features: its I/O traits and `ReadBuf` need none, so nothing
//! of tokio's runtime, reactor or timer is even compiled. Each impl forwards to the stream's
//! futures-io impl; readiness and wakeups stay ampere's.
//!
//! A stream then implements both families of traits. Their extension traits have the same
//! method names (`read`, `write_all`, ...), so import one of `futures::AsyncReadExt` or
//! `tokio::io::AsyncReadExt` per module, not both (or call through the trait's path).

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::ReadBuf;

use crate::io::async_fd::Async;
use crate::io::net::TcpStream;
use crate::io::unix::UnixStream;

/// Reads into the unfilled part of tokio's `buf` through a futures-io read. futures-io reads
/// need initialized bytes: `initialize_unfilled` zeroes only what `buf` has not initialized
/// before, so a reused buffer (a codec's) is zeroed once.
fn read_into<R: futures_io::AsyncRead + ?Sized>(
    io: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    let n = ready!(io.poll_read(cx, buf.initialize_unfilled()))?;
    // `advance` checks `n` against the initialized length: a buggy reader panics here, it
    // cannot expose uninitialized memory.
    buf.advance(n);
    Poll::Ready(Ok(()))
}

/// tokio's traits for a stream type and a shared reference to it (one task reads while
/// another writes), forwarding to its futures-io impls.
macro_rules! tokio_traits {
    ($ty:ty) => {
        impl tokio::io::AsyncRead for $ty {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
                read_into(self, cx, buf)
            }
        }

        impl tokio::io::AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                futures_io::AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                futures_io::AsyncWrite::poll_flush(self, cx)
            }

            /// A write shutdown: the peer reads end of stream.
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                futures_io::AsyncWrite::poll_close(self, cx)
            }
        }
    };
}

tokio_traits!(TcpStream);
tokio_traits!(&TcpStream);
tokio_traits!(UnixStream);
tokio_traits!(&UnixStream);

impl<T: AsRawFd + Read + Unpin> tokio::io::AsyncRead for Async<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        read_into(self, cx, buf)
    }
}

impl<T: AsRawFd + Write + Unpin> tokio::io::AsyncWrite for Async<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(self, cx)
    }

    /// futures-io's `poll_close` of an `Async<T>`: a flush (`T` decides what closing means
    /// when it is dropped).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(self, cx)
    }
}

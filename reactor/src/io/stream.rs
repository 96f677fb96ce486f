//! What the stream sockets (`TcpStream` in `net.rs`, `UnixStream` in `unix.rs`) share: reads
//! and writes that clear the readiness on a short transfer, and the `futures-io` impls written
//! once for both (for the type and for a shared reference to it) as the `stream_traits!` macro.

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::task::{Context, Poll};

use super::async_fd::Async;
use crate::source_table::Direction;

/// Reads from a stream socket. A short read means the socket's receive queue was drained, so
/// the read readiness is cleared right away: the next read waits for the next edge instead of
/// spending a syscall to learn `WouldBlock` (the trick tokio uses on epoll too). Only valid for
/// stream sockets: a terminal, say, may return a short read with more data still queued.
pub(crate) fn stream_read<T>(io: &Async<T>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>
where
    T: AsRawFd,
    for<'a> &'a T: Read,
{
    let res = io.poll_op(Direction::Read, cx, |mut s| s.read(buf));
    if let Poll::Ready(Ok(n)) = res {
        if n > 0 && n < buf.len() {
            io.clear_ready(Direction::Read);
        }
    }
    res
}

/// Writes to a stream socket; a short write means the send buffer is full (see `stream_read`).
pub(crate) fn stream_write<T>(io: &Async<T>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>
where
    T: AsRawFd,
    for<'a> &'a T: Write,
{
    let res = io.poll_op(Direction::Write, cx, |mut s| s.write(buf));
    if let Poll::Ready(Ok(n)) = res {
        if n < buf.len() {
            io.clear_ready(Direction::Write);
        }
    }
    res
}

/// `AsyncRead`/`AsyncWrite` for a stream type and for a shared reference to it (so one task
/// can read while another writes).
macro_rules! stream_traits {
    ($ty:ty) => {
        // An anonymous const: its imports stay inside, whatever the calling file imports.
        const _: () = {
            use std::io;
            use std::net::Shutdown;
            use std::os::fd::{AsRawFd, RawFd};
            use std::pin::Pin;
            use std::task::{Context, Poll};

            use futures_io::{AsyncRead, AsyncWrite};

            use crate::io::stream::{stream_read, stream_write};

            impl AsyncRead for $ty {
                fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                    stream_read(&self.0, cx, buf)
                }
            }

            impl AsyncRead for &$ty {
                fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                    stream_read(&self.0, cx, buf)
                }
            }

            impl AsyncWrite for $ty {
                fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                    stream_write(&self.0, cx, buf)
                }

                fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                    Poll::Ready(Ok(())) // sockets have no user-space buffer
                }

                fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                    Poll::Ready(self.0.get_ref().shutdown(Shutdown::Write))
                }
            }

            impl AsyncWrite for &$ty {
                fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                    stream_write(&self.0, cx, buf)
                }

                fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                    Poll::Ready(Ok(()))
                }

                fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                    Poll::Ready(self.0.get_ref().shutdown(Shutdown::Write))
                }
            }

            impl AsRawFd for $ty {
                fn as_raw_fd(&self) -> RawFd {
                    self.0.as_raw_fd()
                }
            }
        };
    };
}

pub(crate) use stream_traits;

//! [`Async<T>`]: any non-blocking fd, awaited.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use mio::unix::SourceFd;
use mio::Interest;

use crate::core::state::Handle;
use crate::source_table::Direction;
use crate::token::source_token;

/// An fd registered with the reactor for async use.
///
/// The fd is put in non-blocking mode and registered once, edge-triggered. Operations are
/// tried optimistically; a `WouldBlock` clears that direction's readiness and parks the task
/// until the next edge. One task may wait per direction at a time (a reader and a writer can
/// share the value).
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use ampere_reactor::Async;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// reactor.block_on(async {
///     let (a, b) = UnixStream::pair()?;
///     let a = Async::new(a)?;
///     let mut b = Async::new(b)?;
///     a.write_with(|mut s| s.write(b"ping")).await?;
///     let mut buf = [0; 4];
///     b.read_with_mut(|s| s.read(&mut buf)).await?;
///     assert_eq!(&buf, b"ping");
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Async<T: AsRawFd> {
    /// `None` only after `into_inner`.
    io: Option<T>,
    key: u32,
    handle: Handle,
}

impl<T: AsRawFd> Async<T> {
    /// Registers `io` with the current reactor.
    ///
    /// # Errors
    ///
    /// When the fd cannot be made non-blocking or registered (a regular file, a closed fd), or
    /// the thread's reactor is gone.
    pub fn new(io: T) -> io::Result<Async<T>> {
        Async::with_handle(&Handle::current()?, io)
    }

    /// Registers `io` with the reactor of `handle`.
    ///
    /// # Errors
    ///
    /// As for [`Async::new`].
    pub fn with_handle(handle: &Handle, io: T) -> io::Result<Async<T>> {
        let fd = io.as_raw_fd();
        crate::sys::fd::set_nonblocking(fd)?;
        let key = handle.inner.sources.borrow_mut().insert();
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = handle.inner.registry.register(&mut SourceFd(&fd), source_token(key), interest) {
            handle.inner.sources.borrow_mut().remove(key);
            return Err(e);
        }
        Ok(Async { io: Some(io), key, handle: handle.clone() })
    }

    /// The inner value.
    pub fn get_ref(&self) -> &T {
        self.io.as_ref().expect("present until into_inner")
    }

    /// The inner value, mutably. Do not replace the fd it wraps.
    pub fn get_mut(&mut self) -> &mut T {
        self.io.as_mut().expect("present until into_inner")
    }

    /// Deregisters and returns the inner value (still non-blocking).
    pub fn into_inner(mut self) -> T {
        self.deregister();
        self.io.take().expect("present until into_inner")
    }

    /// Waits until the fd is (or may be) readable.
    pub async fn readable(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_ready(Direction::Read, cx)).await
    }

    /// Waits until the fd is (or may be) writable.
    pub async fn writable(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_ready(Direction::Write, cx)).await
    }

    /// [`Async::readable`] as a poll function.
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(Direction::Read, cx)
    }

    /// [`Async::writable`] as a poll function.
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(Direction::Write, cx)
    }

    fn poll_ready(&self, dir: Direction, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.handle.inner.sources.borrow_mut().poll_ready(self.key, dir, cx).map(Ok)
    }

    /// Runs `op` until it does not return `WouldBlock`, waiting for `dir` in between.
    pub(crate) fn poll_op<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        retry(&self.handle, self.key, dir, cx, || op(io))
    }

    /// Forgets `dir`'s readiness: the next wait parks until a new edge.
    pub(crate) fn clear_ready(&self, dir: Direction) {
        self.handle.inner.sources.borrow_mut().clear_ready(self.key, dir);
    }

    /// [`Async::poll_op`] with `&mut T`.
    pub(crate) fn poll_op_mut<R>(
        &mut self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        // Borrow the fields apart: the readiness lives in the reactor, the value here.
        let io = self.io.as_mut().expect("present until into_inner");
        retry(&self.handle, self.key, dir, cx, || op(io))
    }

    /// Runs a read-like operation, waiting while it would block.
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_op(Direction::Read, cx, &mut op)).await
    }

    /// [`Async::read_with`] with `&mut T`.
    pub async fn read_with_mut<R>(&mut self, mut op: impl FnMut(&mut T) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_op_mut(Direction::Read, cx, &mut op)).await
    }

    /// Runs a write-like operation, waiting while it would block.
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_op(Direction::Write, cx, &mut op)).await
    }

    /// [`Async::write_with`] with `&mut T`.
    pub async fn write_with_mut<R>(&mut self, mut op: impl FnMut(&mut T) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_op_mut(Direction::Write, cx, &mut op)).await
    }

    fn deregister(&mut self) {
        if let Some(io) = &self.io {
            // Fails only if the fd is already closed, which also dropped the registration.
            let _ = self.handle.inner.registry.deregister(&mut SourceFd(&io.as_raw_fd()));
            self.handle.inner.sources.borrow_mut().remove(self.key);
        }
    }
}

/// The edge-triggered loop behind every operation: wait for `dir`'s readiness, try the
/// operation, and on `WouldBlock` clear the readiness so the next wait parks until a new edge.
fn retry<R>(
    handle: &Handle,
    key: u32,
    dir: Direction,
    cx: &mut Context<'_>,
    mut attempt: impl FnMut() -> io::Result<R>,
) -> Poll<io::Result<R>> {
    loop {
        if handle.inner.sources.borrow_mut().poll_ready(key, dir, cx).is_pending() {
            return Poll::Pending;
        }
        match attempt() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                handle.inner.sources.borrow_mut().clear_ready(key, dir);
            }
            res => return Poll::Ready(res),
        }
    }
}

impl<T: AsRawFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }
}

impl<T: AsRawFd> Drop for Async<T> {
    fn drop(&mut self) {
        // Deregister before the fd closes (with `io`, right after this).
        self.deregister();
    }
}

impl<T: AsRawFd> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async").field("fd", &self.io.as_ref().map(|io| io.as_raw_fd())).finish_non_exhaustive()
    }
}

impl<T: AsRawFd + Read + Unpin> futures_io::AsyncRead for Async<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.get_mut().poll_op_mut(Direction::Read, cx, |io| io.read(buf))
    }
}

impl<T: AsRawFd + Write + Unpin> futures_io::AsyncWrite for Async<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().poll_op_mut(Direction::Write, cx, |io| io.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_op_mut(Direction::Write, cx, |io| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

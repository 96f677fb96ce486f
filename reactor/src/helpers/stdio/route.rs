//! [`Route`]: how to read or write a standard stream without blocking the reactor and without
//! touching the flags it shares with other processes. The module doc of
//! [`helpers::stdio`](super) explains the choice; this file carries it out.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::os::fd::BorrowedFd;
use std::rc::Rc;
use std::task::{Poll, Waker};

use crate::sys::stdio::{self as sys, FdKind};
use crate::{Async, Error, Handle, WatcherId};

/// One way of reaching an fd, chosen per call by [`Route::for_fd`].
#[derive(Debug)]
pub(super) enum Route {
    /// Regular files, and devices that epoll refuses because they never make anyone wait
    /// (`/dev/null`): the callers run the syscall on the blocking pool, since all it can
    /// wait for is the disk.
    Blocking,
    /// A pipe, FIFO or terminal, through our own open file description in non-blocking mode
    /// (see [`sys::reopen_nonblocking`]). The shared description is never touched.
    Private(Async<File>),
    /// A socket: waited on with a watcher; each call is made non-blocking by its own flag
    /// (`MSG_DONTWAIT`), which lives in the call, not in the shared description.
    Socket,
    /// A pipe or terminal that could not be reopened (no `/proc`, another user's terminal):
    /// waited on with a watcher, then one call made only after `poll(2)` said it will not
    /// block. The fallback, because another process sharing the stream can still win the
    /// race between the two and make that call block.
    Guarded,
}

impl Route {
    /// Picks the route for `fd`, opened for reading or (`write`) for writing.
    ///
    /// # Errors
    ///
    /// `fstat` failing (a closed fd), registration failing, or `BrokenPipe` for a named FIFO
    /// with no reader left.
    pub(super) fn for_fd(fd: BorrowedFd<'_>, write: bool) -> io::Result<Route> {
        match sys::kind(fd)? {
            FdKind::File => Ok(Route::Blocking),
            FdKind::Socket => Ok(Route::Socket),
            FdKind::Stream => match sys::reopen_nonblocking(fd, write) {
                Ok(file) => match Async::new(file) {
                    Ok(file) => Ok(Route::Private(file)),
                    // epoll says EPERM for devices that are always ready.
                    Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Ok(Route::Blocking),
                    Err(e) => Err(e),
                },
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(e),
                Err(_) => Ok(Route::Guarded),
            },
        }
    }

    /// Reads once into `buf` (0 at end of file), waiting without blocking the reactor.
    ///
    /// Cancel-safe: the bytes are read in the same poll that returns them, so dropping the
    /// future loses nothing.
    pub(super) async fn read(&self, fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            // Callers send these to the blocking pool; here it would wait for the disk only.
            Route::Blocking => sys::read(fd, buf),
            Route::Private(file) => file.read_with(|mut f| f.read(buf)).await,
            Route::Socket => loop {
                match sys::recv_nowait(fd, buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait_ready(fd, false).await?,
                    res => return res,
                }
            },
            Route::Guarded => loop {
                if sys::ready_now(fd, false)? {
                    return sys::read(fd, buf);
                }
                wait_ready(fd, false).await?;
            },
        }
    }

    /// Writes a prefix of `buf` and returns its length, waiting without blocking the reactor.
    ///
    /// A reader that is gone is `BrokenPipe`: [`echo`](super::echo) makes sure `SIGPIPE`
    /// does not kill the process first.
    pub(super) async fn write(&self, fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
        match self {
            Route::Blocking => sys::write(fd, buf),
            Route::Private(file) => file.write_with(|mut f| f.write(buf)).await,
            Route::Socket => loop {
                match sys::send_nowait(fd, buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait_ready(fd, true).await?,
                    res => return res,
                }
            },
            Route::Guarded => loop {
                if sys::ready_now(fd, true)? {
                    // POLLOUT on a pipe promises room for PIPE_BUF bytes, not for all of `buf`.
                    return sys::write(fd, &buf[..buf.len().min(sys::PIPE_BUF)]);
                }
                wait_ready(fd, true).await?;
            },
        }
    }
}

/// What the watcher of [`wait_ready`] shares with the waiting task.
#[derive(Default)]
struct Fired {
    fired: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

/// Cancels the watcher when the wait ends or is dropped (a no-op once it cancelled itself).
struct CancelOnDrop(Handle, WatcherId);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel(self.1);
    }
}

/// Waits until `fd` is readable (or writable, if `write`), with a one-shot level-triggered
/// watcher of the current reactor. epoll needs no `O_NONBLOCK` to watch an fd, so this
/// changes nothing about it. An fd epoll refuses (`EPERM`) is always ready: returns at once.
async fn wait_ready(fd: BorrowedFd<'_>, write: bool) -> io::Result<()> {
    let handle = Handle::current()?;
    let shared = Rc::new(Fired::default());
    let in_callback = Rc::clone(&shared);
    let callback = move |h: &Handle, id: WatcherId, _fd| {
        in_callback.fired.set(true);
        if let Some(w) = in_callback.waker.take() {
            w.wake();
        }
        h.cancel(id); // one edge is all we wait for
    };
    let id = if write { handle.on_writable(&fd, callback) } else { handle.on_readable(&fd, callback) };
    let id = match id {
        Ok(id) => id,
        Err(Error::Io(e)) if e.kind() == io::ErrorKind::PermissionDenied => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let _cancel = CancelOnDrop(handle, id);
    poll_fn(|cx| {
        if shared.fired.get() {
            return Poll::Ready(Ok(()));
        }
        *shared.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;

    use super::*;
    use crate::Reactor;

    /// Every waiting route reads what a writer sends, after waiting for it, and then EOF.
    fn read_after_wait(route_of: impl Fn(BorrowedFd<'_>) -> Route, socket: bool) {
        let reactor = Reactor::new().unwrap();
        let (reader, mut writer): (Box<dyn AsFd>, Box<dyn std::io::Write>) = if socket {
            let (a, b) = UnixStream::pair().unwrap();
            (Box::new(a), Box::new(b))
        } else {
            let (r, w) = std::io::pipe().unwrap();
            (Box::new(r), Box::new(w))
        };
        let flags_before = sys_flags(reader.as_fd());
        let got = reactor
            .block_on(async {
                let route = route_of(reader.as_fd());
                crate::delay(std::time::Duration::from_millis(5), move |_, _| {
                    writer.write_all(b"hello").unwrap();
                    // `writer` drops here: EOF follows the data.
                })
                .unwrap();
                let mut buf = [0; 16];
                let n = route.read(reader.as_fd(), &mut buf).await?;
                let eof = route.read(reader.as_fd(), &mut buf[n..]).await?;
                Ok::<_, io::Error>((buf[..n].to_vec(), eof))
            })
            .unwrap()
            .unwrap();
        assert_eq!(got, (b"hello".to_vec(), 0));
        assert_eq!(sys_flags(reader.as_fd()), flags_before, "the shared flags are untouched");
    }

    fn sys_flags(fd: BorrowedFd<'_>) -> i32 {
        sys::status_flags(fd).unwrap()
    }

    #[test]
    fn private_route_reads_a_pipe_without_changing_its_flags() {
        read_after_wait(|fd| Route::for_fd(fd, false).unwrap(), false);
        assert!(matches!(std::io::pipe().map(|(r, _w)| Route::for_fd(r.as_fd(), false)), Ok(Ok(Route::Private(_)))));
    }

    #[test]
    fn socket_route_reads_with_msg_dontwait() {
        read_after_wait(|fd| Route::for_fd(fd, false).unwrap(), true);
    }

    #[test]
    fn guarded_route_reads_a_pipe() {
        read_after_wait(|_| Route::Guarded, false);
    }

    #[test]
    fn guarded_route_writes_at_most_pipe_buf_and_reports_a_closed_reader() {
        let reactor = Reactor::new().unwrap();
        let (reader, writer) = std::io::pipe().unwrap();
        reactor
            .block_on(async {
                let big = vec![b'x'; 3 * sys::PIPE_BUF];
                let n = Route::Guarded.write(writer.as_fd(), &big).await.unwrap();
                assert_eq!(n, sys::PIPE_BUF);
                drop(reader);
                sys::ignore_sigpipe_if_default().unwrap();
                let err = Route::Guarded.write(writer.as_fd(), &big).await.unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
            })
            .unwrap();
    }

    #[test]
    fn private_route_reports_a_closed_reader_as_broken_pipe() {
        let reactor = Reactor::new().unwrap();
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        sys::ignore_sigpipe_if_default().unwrap();
        // An anonymous pipe reopens fine without readers (a named FIFO would be ENXIO, which
        // `reopen_nonblocking` turns into BrokenPipe); the write then fails with EPIPE.
        let route = Route::for_fd(writer.as_fd(), true).unwrap();
        assert!(matches!(route, Route::Private(_)));
        let err = reactor.block_on(async { route.write(writer.as_fd(), b"x").await }).unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}

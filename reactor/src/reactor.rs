//! [`Reactor`]: the owner of a reactor's state, and the way into it: it makes the state,
//! derefs to its [`Handle`], lends its poller's fd to an embedding loop, and tears it all
//! down when dropped.

use std::fmt;
use std::os::fd::{AsRawFd, RawFd};
use std::rc::Rc;

use crate::core::state::{shutdown, Handle, Inner};
use crate::enter;
use crate::error::Result;

/// A single-threaded event reactor.
///
/// `Reactor` owns the watchers and tasks; [`Handle`]s (cheap `Rc` clones, obtained with
/// [`Reactor::handle`]) reach it from callbacks and tasks. Dropping the `Reactor` cancels every
/// watcher and drops every task, which also breaks the reference cycles a callback creates when
/// it captures a handle. The reactor derefs to its handle, so every handle method is available
/// on it directly.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ampere_reactor::Reactor;
///
/// let reactor = Reactor::new()?;
/// reactor.delay(Duration::from_millis(1), |handle, _id| {
///     handle.defer(|_, _| println!("deferred from a timer"));
/// });
/// reactor.run()?; // returns once nothing is left to wait for
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub struct Reactor {
    handle: Handle,
}

impl Reactor {
    /// Creates a reactor: an epoll instance, a waker for other threads and (on Linux) a
    /// precision timerfd. No thread is started.
    ///
    /// The new reactor becomes this thread's current one (until it is dropped or a newer one
    /// is made): sockets, [`Async`](crate::Async) values and signal streams made outside any
    /// `run`/`block_on` register with it, so they may be made before `block_on`. See
    /// [`Handle::current`].
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) when the OS refuses one of those (usually: out of fds).
    pub fn new() -> Result<Reactor> {
        let inner = Rc::new(Inner::new()?);
        // The innermost live reactor of the thread is its current one when none is driven.
        enter::created(&inner);
        Ok(Reactor { handle: Handle { inner } })
    }

    /// A handle to this reactor.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }
}

impl std::ops::Deref for Reactor {
    type Target = Handle;

    fn deref(&self) -> &Handle {
        &self.handle
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.handle.inner.fmt(f)
    }
}

impl Drop for Reactor {
    fn drop(&mut self) {
        enter::dropped(&self.handle.inner);
        shutdown(&self.handle);
    }
}

/// The reactor's poller, the epoll instance, for embedding ampere in another event loop
/// (libuv's `uv_backend_fd`). It becomes readable when ampere has an event to handle: a
/// watched fd is ready, a timer is due (on Linux; see [`Handle::next_timeout`], which must be
/// called before each wait), a signal arrived, a task was woken from another thread.
///
/// Watch it for readability only (`poll`, `select`, `epoll`, GLib, mio...), and never read,
/// write or close it. Queued work that needs no event is not announced on the fd: that is
/// what [`Handle::next_timeout`] returning `Some(Duration::ZERO)` says.
///
/// # Examples
///
/// A host loop on a mio `Poll` of its own, driving a reactor until it has nothing left:
///
/// ```
/// use std::os::fd::AsRawFd;
/// use std::time::Duration;
/// use mio::{unix::SourceFd, Events, Interest, Poll, Token};
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// reactor.delay(Duration::from_millis(2), |_, _| println!("fired inside the host loop"));
///
/// let mut host = Poll::new()?;
/// host.registry().register(&mut SourceFd(&reactor.as_raw_fd()), Token(0), Interest::READABLE)?;
/// let mut events = Events::with_capacity(8);
/// while reactor.is_alive() {
///     let timeout = reactor.next_timeout()?;
///     host.poll(&mut events, timeout)?; // mio rounds the timeout up
///     reactor.tick_nowait()?;
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl AsRawFd for Reactor {
    fn as_raw_fd(&self) -> RawFd {
        self.handle.inner.epfd()
    }
}

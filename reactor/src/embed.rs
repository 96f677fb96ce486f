//! Driving ampere from another event loop (libuv's `uv_backend_fd`, `uv_backend_timeout` and
//! `UV_RUN_NOWAIT`): the poller's fd to wait on, how long to wait at most, and a tick that
//! never blocks.
//!
//! The host loop waits on [`Reactor`]'s fd (the epoll instance: it becomes readable when
//! epoll has an event for ampere) with the timeout [`Handle::next_timeout`] gives, then calls
//! [`Handle::tick_nowait`]. Work that needs no event (a queued defer, a task woken on this
//! thread, a timer already due) has no fd to make readable: `next_timeout` reports it as a
//! zero timeout instead.

use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use crate::current::DrivingGuard;
use crate::{Handle, Reactor, Result};

impl Handle {
    /// Runs exactly one iteration without blocking (Amp v1's `tick(noWait)`, libuv's
    /// `UV_RUN_NOWAIT`, libev's `EVRUN_NOWAIT`): polls with a zero timeout and dispatches
    /// what is due. Nothing being due is not an error; the call just does nothing.
    ///
    /// # Errors
    ///
    /// As for [`Handle::run`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// reactor.delay(Duration::from_secs(60), |_, _| {});
    /// reactor.defer(|_, _| println!("deferred"));
    /// reactor.tick_nowait()?; // runs the defer; does not wait for the timer
    /// assert_eq!(reactor.info().watchers(), 1);
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn tick_nowait(&self) -> Result<()> {
        let _driving = DrivingGuard::enter(self)?;
        if let Some(e) = self.inner.state.borrow_mut().errors.pop_front() {
            return Err(e);
        }
        self.turn_with(true)
    }

    /// How long a loop that embeds this reactor may wait on its fd (the [`Reactor`]'s
    /// `AsRawFd`) before calling
    /// [`Handle::tick_nowait`] (libuv's `uv_backend_timeout`):
    ///
    /// - `Some(Duration::ZERO)`: work is queued that no fd will announce (a defer, a task
    ///   woken on this thread, a timer already due, fds that were ready at the last poll and
    ///   may still be): tick now.
    /// - `Some(d)`: the earliest timer is due in `d`. On Linux the fd also becomes readable
    ///   then, so waiting on the fd alone is enough; elsewhere the timeout is needed. Round
    ///   it *up* when converting to a coarser unit, or the wait ends early and the tick finds
    ///   nothing due yet.
    /// - `None`: no timeout is needed; wait for the fd. That includes the case where nothing
    ///   could ever become due (check [`Handle::is_alive`] to know when to stop).
    ///
    /// Call it right before each wait: on Linux it arms the timer that makes the fd readable
    /// at the earliest deadline (as the reactor's own poll would).
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the kernel refuses to arm that timer.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// assert_eq!(reactor.next_timeout()?, None); // nothing to wait for
    /// let id = reactor.delay(Duration::from_secs(60), |_, _| {});
    /// let wait = reactor.next_timeout()?.expect("a timer is pending");
    /// assert!(wait > Duration::from_secs(59) && wait <= Duration::from_secs(60));
    /// reactor.cancel(id);
    /// reactor.defer(|_, _| {});
    /// assert_eq!(reactor.next_timeout()?, Some(Duration::ZERO));
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn next_timeout(&self) -> Result<Option<Duration>> {
        // The poll's own computation, side effects included: they are what the embedding
        // loop needs (the timerfd armed for the earliest deadline, the idle audit scheduled).
        let timeout = self.poll_timeout()?;
        let st = self.inner.state.borrow();
        if timeout == Some(Duration::ZERO) {
            if !self.has_queued_work(&st) && !self.could_become_due(&st) {
                return Ok(None); // the tick would return at once, but has nothing to do
            }
            return Ok(timeout);
        }
        if st.maybe_ready {
            return Ok(Some(Duration::ZERO));
        }
        if timeout.is_some() {
            return Ok(timeout); // no timerfd: the wait up to the earliest deadline
        }
        // With the timerfd the poll needs no timeout; the embedder is told the timer's all
        // the same. `poll_timeout` dropped the tombstones from the top, so this one is live.
        let Some(top) = st.timers.peek() else { return Ok(None) };
        Ok(Some(Duration::from_nanos(top.deadline.saturating_sub(st.clock_ns()))))
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
        self.inner.epfd()
    }
}

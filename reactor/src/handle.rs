//! [`Handle`]'s methods on watchers (creating, enabling, disabling, cancelling, referencing)
//! and on the error handler. (The struct itself is defined with the state it points to, in
//! `core/state.rs`.)

use std::fmt;
use std::os::fd::{AsRawFd, RawFd};
use std::rc::Rc;
use std::time::Duration;

use crate::core::error_handler::{self, ErrorHandler};
use crate::core::state::Handle;
use crate::core::{lifecycle, timers};
use crate::deadline::saturating_ns;
use crate::error::{Error, Result};
use crate::id::WatcherId;
use crate::watch::Watch;

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").field("reactor", &self.inner.id).finish_non_exhaustive()
    }
}

impl Handle {
    /// Starts creating a watcher with options (disabled, unreferenced).
    pub fn watch(&self) -> Watch {
        Watch::new(self.clone())
    }

    /// Runs `callback` once, in the next tick. See [`Watch::defer`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// for n in 0..3 {
    ///     let log = log.clone();
    ///     reactor.defer(move |_, _| log.borrow_mut().push(n));
    /// }
    /// reactor.run()?;
    /// assert_eq!(*log.borrow(), [0, 1, 2]);
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    #[track_caller]
    pub fn defer(&self, callback: impl FnOnce(&Handle, WatcherId) + 'static) -> WatcherId {
        self.watch().defer(callback)
    }

    /// Runs `callback` once, `after` from now. See [`Watch::delay`].
    #[track_caller]
    pub fn delay(&self, after: Duration, callback: impl FnOnce(&Handle, WatcherId) + 'static) -> WatcherId {
        self.watch().delay(after, callback)
    }

    /// Runs `callback` every `interval`, drift-free. See [`Watch::repeat`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let mut left = 3;
    /// reactor.repeat(Duration::from_millis(1), move |handle, id| {
    ///     left -= 1;
    ///     if left == 0 {
    ///         handle.cancel(id); // cancelling from inside its own callback is safe
    ///     }
    /// });
    /// reactor.run()?;
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    #[track_caller]
    pub fn repeat(&self, interval: Duration, callback: impl FnMut(&Handle, WatcherId) + 'static) -> WatcherId {
        self.watch().repeat(interval, callback)
    }

    /// Like [`Handle::repeat`], with a different first delay. See [`Watch::repeat_after`].
    #[track_caller]
    pub fn repeat_after(
        &self,
        first: Duration,
        interval: Duration,
        callback: impl FnMut(&Handle, WatcherId) + 'static,
    ) -> WatcherId {
        self.watch().repeat_after(first, interval, callback)
    }

    /// Runs `callback` every tick while `fd` is readable. See [`Watch::on_readable`].
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when epoll refuses the fd (closed fd, regular file).
    #[track_caller]
    pub fn on_readable(
        &self,
        fd: &impl AsRawFd,
        callback: impl FnMut(&Handle, WatcherId, RawFd) + 'static,
    ) -> Result<WatcherId> {
        self.watch().on_readable(fd, callback)
    }

    /// Runs `callback` every tick while `fd` is writable. See [`Watch::on_writable`].
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when epoll refuses the fd (closed fd, regular file).
    #[track_caller]
    pub fn on_writable(
        &self,
        fd: &impl AsRawFd,
        callback: impl FnMut(&Handle, WatcherId, RawFd) + 'static,
    ) -> Result<WatcherId> {
        self.watch().on_writable(fd, callback)
    }

    /// Runs `callback` once per delivery of `signo` (a [`Signal`](crate::Signal) or a raw
    /// number). See [`Watch::on_signal`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSignal`] for a signal that cannot be caught or does not exist.
    #[track_caller]
    pub fn on_signal(
        &self,
        signo: impl Into<i32>,
        callback: impl FnMut(&Handle, WatcherId, i32) + 'static,
    ) -> Result<WatcherId> {
        self.watch().on_signal(signo, callback)
    }

    /// Enables a watcher. It becomes due from the next tick on; a timer restarts its full
    /// delay, counted from this call at the earliest (as for [`Handle::reset`]). Enabling an
    /// enabled watcher changes nothing.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWatcher`] if `id` is not live; [`Error::Io`] if an I/O watcher's fd can
    /// no longer be registered (it was closed).
    pub fn enable(&self, id: WatcherId) -> Result<()> {
        lifecycle::enable(self, id)
    }

    /// Restarts a timer's countdown from now: a delay or repeat watcher fires `after` from
    /// now, not before, and a repeat then goes on every interval from that deadline,
    /// drift-free (libev's `ev_timer_again`). The timeout a server pushes back on every
    /// request: the timer's one heap entry moves in place (O(log n), no allocation), where a
    /// disable and enable, or a cancel and a new timer, would remove one and add another.
    ///
    /// A disabled timer is enabled, as [`Handle::enable`] would (it fires from the next tick
    /// on, whatever `after`); an enabled one stays enabled. Only this countdown changes: a
    /// later `enable` of a delay restarts its original delay. Among timers due at the same
    /// instant, a reset one fires after those armed before the reset. A repeat may reset
    /// itself from its own callback; a delay cannot (its id is dead once it runs).
    ///
    /// # Timing
    ///
    /// Never early: the countdown starts at this call or a little after. Called from a
    /// defer, I/O, signal or task callback, the reset costs no clock read: the reactor
    /// reads the clock once when that phase of the tick ends and counts every countdown
    /// restarted during it from there, so such a timer may be late by the rest of the
    /// phase (the time the callbacks after this one take). Called from a timer callback or
    /// outside a tick, it reads the clock at once.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWatcher`] if `id` is not live (cancelled, or a delay that already
    /// ran); [`Error::NotATimer`] if it names a defer, I/O or signal watcher. Either way
    /// nothing changes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let idle = reactor.delay(Duration::from_secs(30), |_, _| println!("idle: closing"));
    /// // A request came in: push the idle timeout back.
    /// reactor.reset(idle, Duration::from_secs(30))?;
    /// reactor.cancel(idle);
    /// assert!(matches!(reactor.reset(idle, Duration::ZERO), Err(ampere_reactor::Error::InvalidWatcher(_))));
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn reset(&self, id: WatcherId, after: Duration) -> Result<()> {
        timers::reset(self, id, saturating_ns(after))
    }

    /// Disables a watcher, at once: if it was due in the current tick, it does not run. A
    /// no-op for a disabled or dead id.
    pub fn disable(&self, id: WatcherId) {
        lifecycle::disable(self, id);
    }

    /// Cancels a watcher: it never runs again, its slot and callback are freed now. A no-op
    /// for a dead id, so a callback may cancel itself and cleanup code may cancel twice.
    pub fn cancel(&self, id: WatcherId) {
        lifecycle::cancel(self, id);
    }

    /// Makes an enabled watcher keep `run()` going again (the default).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWatcher`] if `id` is not live.
    pub fn reference(&self, id: WatcherId) -> Result<()> {
        lifecycle::reference(self, id)
    }

    /// Lets `run()` return even while this watcher is enabled. A no-op for a dead id.
    pub fn unreference(&self, id: WatcherId) {
        lifecycle::unreference(self, id);
    }

    /// Whether two handles reach the same reactor.
    pub fn same_reactor(&self, other: &Handle) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    /// Routes callback panics (and failed forks) to `handler` instead of returning them from
    /// `run`, `tick` and `block_on`; the loop goes on after each. Detached tasks' panics
    /// ([`Error::DetachedTaskPanicked`]) go to it too, instead of to `log::error!`. Replaces the handler set
    /// before, if any (see [`Handle::take_error_handler`] to get that one back).
    ///
    /// The handler stays set until it is replaced or cleared, from anywhere (from inside
    /// itself too: the change takes effect when it returns). If the handler itself panics,
    /// that panic comes out of `run`, `tick` or `block_on` as
    /// [`Error::ErrorHandlerPanicked`], and the handler stays set.
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// reactor.set_error_handler(|e| eprintln!("ignored: {e}"));
    /// reactor.defer(|_, _| panic!("boom"));
    /// reactor.run()?; // the panic went to the handler
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn set_error_handler(&self, handler: impl FnMut(Error) + 'static) {
        drop(error_handler::replace(&self.inner.error_handler, Some(Box::new(handler))));
    }

    /// Removes the error handler: errors come out of `run` again.
    pub fn clear_error_handler(&self) {
        drop(error_handler::replace(&self.inner.error_handler, None));
    }

    /// Removes the error handler and returns it, so that it can be inspected, wrapped or put
    /// back later with [`Handle::set_error_handler`]. `None` when none is set.
    ///
    /// Called from inside the handler itself, it returns `None` (the running handler is not
    /// in its slot) and clears it, as [`Handle::clear_error_handler`] would.
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// assert!(reactor.take_error_handler().is_none());
    /// reactor.set_error_handler(|e| eprintln!("first: {e}"));
    /// let mut first = reactor.take_error_handler().expect("it was set");
    /// // Wrap it: note each error, then hand it on.
    /// reactor.set_error_handler(move |e| {
    ///     eprintln!("an error reached the handler");
    ///     first(e);
    /// });
    /// reactor.defer(|_, _| panic!("boom"));
    /// reactor.run()?; // both the wrapper and the first handler saw it
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn take_error_handler(&self) -> Option<ErrorHandler> {
        error_handler::replace(&self.inner.error_handler, None)
    }
}

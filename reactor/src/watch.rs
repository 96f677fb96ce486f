//! [`Watch`]: creating watchers, with Amp's options (start disabled, start unreferenced).
//!
//! Every creation path ends in `core/lifecycle.rs` (`insert` and its short paths), and every
//! enable in its `enable_locked`: the places that decide when a watcher becomes due.

use std::os::fd::{AsRawFd, RawFd};
use std::panic::Location;
use std::time::Duration;

use crate::core::state::{Callback, Handle, OnceFn};
use crate::core::{lifecycle, timers};
use crate::deadline::saturating_ns;
use crate::defer_queue::Defer;
use crate::error::{Error, Result};
use crate::id::WatcherId;
use crate::watcher::table::{Data, Watcher};

/// Creates watchers with options; from [`Handle::watch`] or [`watch`](crate::watch).
///
/// By default a watcher is created enabled and referenced, which is what the shortcuts on
/// [`Handle`] do. Both options exist because toggling right after creation is not the same:
/// an I/O watcher created disabled does not touch the poller until it is enabled.
///
/// # Examples
///
/// ```
/// use ampere_reactor::Reactor;
///
/// let reactor = Reactor::new()?;
/// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
/// // The standard pattern for writability: create it disabled, enable it when there is
/// // something to write, disable it when the buffer is empty.
/// let id = reactor.watch().disabled().on_writable(&a, |handle, id, _fd| {
///     let _ = handle.disable(id);
/// })?;
/// assert!(!reactor.is_enabled(id)?);
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a Watch creates nothing until one of its methods is called"]
pub struct Watch {
    handle: Handle,
    enabled: bool,
    referenced: bool,
}

impl Watch {
    pub(crate) fn new(handle: Handle) -> Watch {
        Watch { handle, enabled: true, referenced: true }
    }

    /// Creates the watcher disabled: it watches nothing until [`Handle::enable`].
    pub fn disabled(mut self) -> Watch {
        self.enabled = false;
        self
    }

    /// Creates the watcher unreferenced: it fires, but does not keep `run()` going.
    pub fn unreferenced(mut self) -> Watch {
        self.referenced = false;
        self
    }

    /// Runs `callback` once, in the next tick. Defers run in the order they were enabled, and
    /// a defer created during a tick runs in the next one, so a defer that defers itself
    /// cannot starve I/O.
    #[track_caller]
    pub fn defer(self, callback: impl FnOnce(&Handle, WatcherId) + 'static) -> WatcherId {
        let defer: Defer<OnceFn> =
            Defer { callback: Box::new(callback), created_at: Location::caller(), key: 0, referenced: self.referenced };
        lifecycle::insert_defer(&self.handle, defer, self.enabled)
    }

    /// Runs `callback` once, `after` from now.
    ///
    /// # Precision
    ///
    /// Never early: it fires in the first tick whose clock reads at least the deadline,
    /// `after` from this call or a little later (created in a defer, I/O, signal or task
    /// callback, from the end of that phase of the tick: see [`Handle::reset`]). A
    /// `timerfd` wakes the poller at the deadline with nanosecond resolution (Linux), so on
    /// an idle machine lateness is a few tens of microseconds (see `docs/benchmarks.md`).
    /// An `after` too large to represent (such as `Duration::MAX`) means "never": the watcher
    /// waits forever.
    #[track_caller]
    pub fn delay(self, after: Duration, callback: impl FnOnce(&Handle, WatcherId) + 'static) -> WatcherId {
        let cb = Callback::Once(Some(Box::new(callback)));
        let parts = (Data::Delay { after_ns: saturating_ns(after) }, cb, Location::caller());
        timers::insert_timer(&self.handle, parts, self.enabled, self.referenced, None)
    }

    /// Runs `callback` every `interval`, the first time after `interval`.
    ///
    /// Drift-free: each deadline is the previous deadline plus `interval`, not "now plus
    /// interval", so lateness does not accumulate. It runs at most once per tick; a callback
    /// slower than the interval skips the missed periods rather than bursting to catch up. A
    /// zero interval runs once per tick. Re-enabling restarts a full interval.
    #[track_caller]
    pub fn repeat(self, interval: Duration, callback: impl FnMut(&Handle, WatcherId) + 'static) -> WatcherId {
        self.repeat_after(interval, interval, callback)
    }

    /// Like [`Watch::repeat`], with a different first delay (Amp's `ms_delay` option).
    #[track_caller]
    pub fn repeat_after(
        self,
        first: Duration,
        interval: Duration,
        callback: impl FnMut(&Handle, WatcherId) + 'static,
    ) -> WatcherId {
        let cb = Callback::Repeat(Box::new(callback));
        let parts = (Data::Repeat { interval_ns: saturating_ns(interval) }, cb, Location::caller());
        timers::insert_timer(&self.handle, parts, self.enabled, self.referenced, Some(saturating_ns(first)))
    }

    /// Runs `callback` every tick while `fd` is readable (data, EOF or hang-up pending).
    ///
    /// Level-triggered: if the callback does not read everything, it runs again next tick.
    /// The watcher does not own the fd; cancel the watcher before closing the fd. One left on
    /// a closed fd never runs for the next file given that number: it is disabled, and
    /// reported as [`Error::StaleFdWatcher`], when a watcher is created for that file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when epoll refuses the fd: `EBADF` for a closed fd, `EPERM` for a regular
    /// file (always ready; read it directly or use
    /// [`spawn_blocking`](crate::spawn_blocking)).
    #[track_caller]
    pub fn on_readable(
        self,
        fd: &impl AsRawFd,
        callback: impl FnMut(&Handle, WatcherId, RawFd) + 'static,
    ) -> Result<WatcherId> {
        let fd = fd.as_raw_fd();
        let data = Data::Io { fd_key: 0, fd, writable: false };
        self.create(data, Callback::Io(Box::new(callback)))
    }

    /// Runs `callback` every tick while `fd` is writable.
    ///
    /// A socket is writable almost always, so an enabled writable watcher fires every tick
    /// and keeps the CPU busy: create it [`disabled`](Watch::disabled), enable it when a write
    /// would block, disable it once the buffer is flushed.
    ///
    /// # Errors
    ///
    /// As for [`Watch::on_readable`].
    #[track_caller]
    pub fn on_writable(
        self,
        fd: &impl AsRawFd,
        callback: impl FnMut(&Handle, WatcherId, RawFd) + 'static,
    ) -> Result<WatcherId> {
        let fd = fd.as_raw_fd();
        let data = Data::Io { fd_key: 0, fd, writable: true };
        self.create(data, Callback::Io(Box::new(callback)))
    }

    /// Runs `callback` once per delivery of signal `signo`. Several watchers of one signal
    /// each run once per delivery; deliveries that arrive between two ticks coalesce.
    ///
    /// # Portability
    ///
    /// Signal handlers belong to the process. The first watcher of a signal installs a
    /// handler; when the last watcher of that signal (in any reactor of the process) is
    /// cancelled, a signal whose disposition was the default gets its default action back.
    /// (Except `SIGSTKFLT`, `SIGPWR` and the real-time signals, whose default signal-hook cannot
    /// emulate: once their last watcher is gone, their deliveries are ignored.)
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSignal`] for a number out of range or a signal that cannot be caught
    /// (`SIGKILL`, `SIGSTOP`, `SIGILL`, `SIGFPE`, `SIGSEGV`); [`Error::Io`] if the handler or
    /// the self-pipe cannot be set up.
    #[track_caller]
    pub fn on_signal(
        self,
        signo: impl Into<i32>,
        callback: impl FnMut(&Handle, WatcherId, i32) + 'static,
    ) -> Result<WatcherId> {
        let signo = signo.into();
        if !crate::sys::signals::is_watchable(signo) {
            return Err(Error::InvalidSignal(signo));
        }
        self.create(Data::Signal { signo }, Callback::Signal(Box::new(callback)))
    }

    #[track_caller]
    fn create(self, data: Data, callback: Callback) -> Result<WatcherId> {
        let location = Location::caller();
        lifecycle::insert(&self.handle, Watcher::new(data, callback, location), self.enabled, self.referenced)
    }
}

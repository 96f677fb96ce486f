//! [`Watch`]: creating watchers, with Amp's options (start disabled, start unreferenced).
//!
//! Every creation path ends in [`Handle::insert`], and every enable in
//! [`Handle::enable_locked`]: the two places that decide when a watcher becomes due.

use std::os::fd::{AsRawFd, RawFd};
use std::panic::Location;
use std::time::Duration;

use crate::defer_queue::Defer;
use crate::reactor::State;
use crate::timer_queue::Entry;
use crate::watcher::table::{Data, Watcher};
use crate::watcher::Callback;
use crate::{Error, Handle, Result, WatcherId};

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
        let defer =
            Defer { callback: Box::new(callback), created_at: Location::caller(), key: 0, referenced: self.referenced };
        self.handle.insert_defer(defer, self.enabled)
    }

    /// Runs `callback` once, `after` from now.
    ///
    /// # Precision
    ///
    /// Never early: it fires in the first tick whose clock reads at least the deadline. A
    /// `timerfd` wakes the poller at the deadline with nanosecond resolution (Linux), so on
    /// an idle machine lateness is a few tens of microseconds (see `docs/benchmarks.md`).
    /// An `after` too large to represent (such as `Duration::MAX`) means "never": the watcher
    /// waits forever.
    #[track_caller]
    pub fn delay(self, after: Duration, callback: impl FnOnce(&Handle, WatcherId) + 'static) -> WatcherId {
        let cb = Callback::Once(Some(Box::new(callback)));
        let watcher = Watcher::new(Data::Delay { after_ns: saturating_ns(after) }, cb, Location::caller());
        self.handle.insert_timer(watcher, self.enabled, self.referenced, None)
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
        let watcher = Watcher::new(Data::Repeat { interval_ns: saturating_ns(interval) }, cb, Location::caller());
        self.handle.insert_timer(watcher, self.enabled, self.referenced, Some(saturating_ns(first)))
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
    pub fn on_signal(self, signo: i32, callback: impl FnMut(&Handle, WatcherId, i32) + 'static) -> Result<WatcherId> {
        if !crate::sys::signals::is_watchable(signo) {
            return Err(Error::InvalidSignal(signo));
        }
        self.create(Data::Signal { signo }, Callback::Signal(Box::new(callback)))
    }

    #[track_caller]
    fn create(self, data: Data, callback: Callback) -> Result<WatcherId> {
        let location = Location::caller();
        self.handle.insert(Watcher::new(data, callback, location), self.enabled, self.referenced)
    }
}

/// `d` in nanoseconds, saturating: durations beyond `u64` nanoseconds (584 years) mean never.
pub(crate) fn saturating_ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Handle {
    /// Stores a defer: the short path, one borrow and one push (see `defer_queue.rs`).
    pub(crate) fn insert_defer(&self, defer: Defer, enabled: bool) -> WatcherId {
        let mut st = self.inner.state.borrow_mut();
        let st = &mut *st;
        let generation = st.watchers.generations.next();
        match enabled {
            true => st.defers.push(generation, defer),
            false => st.defers.park(generation, defer),
        }
    }

    /// Stores a delay or repeat: the short path (one borrow, one slab insert, one heap push),
    /// since timers have nothing to attach to and no failure mode. `first_ns` overrides a
    /// repeat's first delay.
    pub(crate) fn insert_timer(
        &self,
        watcher: Watcher,
        enabled: bool,
        referenced: bool,
        first_ns: Option<u64>,
    ) -> WatcherId {
        let mut st = self.inner.state.borrow_mut();
        let st = &mut *st;
        let after = match watcher.data {
            Data::Delay { after_ns } => after_ns,
            Data::Repeat { interval_ns } => first_ns.unwrap_or(interval_ns),
            _ => unreachable!("insert_timer is only called with a delay or a repeat"),
        };
        let id = st.watchers.insert_with(watcher, enabled, referenced, st.tick);
        if enabled {
            arm_after(st, id, after);
        }
        id
    }

    /// Stores an I/O or signal watcher, attaches it to its fd or signal, and applies the
    /// options. (Timers and defers take the short paths above.)
    pub(crate) fn insert(&self, watcher: Watcher, enabled: bool, referenced: bool) -> Result<WatcherId> {
        let data = watcher.data;
        let mut guard = self.inner.state.borrow_mut();
        let st = &mut *guard;
        let id = st.watchers.insert(watcher);
        // Watchers found left on a closed fd with this number: reported once the borrow is
        // released, whatever becomes of this watcher (see `stale_fd.rs`).
        let mut stale = None;
        let attached = match data {
            Data::Io { fd, writable, .. } => {
                let fd_key;
                (fd_key, stale) = self.attach_fd(st, fd, id, writable);
                let w = st.watchers.get_mut(id).expect("just inserted");
                w.data = Data::Io { fd_key, fd, writable };
                Ok(())
            }
            Data::Signal { signo } => self.attach_signal(st, signo, id),
            _ => Ok(()),
        };
        let attach_failed = attached.is_err();
        let outcome = attached.and_then(|()| {
            st.watchers.set_referenced(id, referenced);
            if enabled {
                self.enable_locked(st, id)?;
            }
            Ok(id)
        });
        if outcome.is_ok() {
            drop(guard);
            self.report_stale_fd(stale);
            return outcome;
        }
        // Undo, and drop the callback only after releasing the borrow (its captures may use
        // the reactor when dropped).
        let rejected = match data {
            Data::Signal { .. } if attach_failed => st.watchers.remove(id),
            _ => self.detach_locked(st, id),
        };
        drop(guard);
        drop(rejected);
        self.report_stale_fd(stale);
        outcome
    }

    fn attach_signal(&self, st: &mut State, signo: i32, id: WatcherId) -> Result<()> {
        if st.signal_pipe.is_none() {
            let pipe = crate::sys::signals::SignalPipe::new(&self.inner.registry, crate::reactor::SIGNAL_TOKEN)?;
            st.signal_pipe = Some(pipe);
        }
        crate::sys::signals::watch(signo)?;
        if let Err(e) = st.signal_pipe.as_mut().expect("created above").add(signo) {
            crate::sys::signals::unwatch(signo);
            return Err(e.into());
        }
        st.signals.attach(signo, id);
        Ok(())
    }

    /// Enables watcher `id` in tick `st.tick`: it becomes due from the next tick on. A timer
    /// restarts its full delay (a repeat its interval).
    pub(crate) fn enable_locked(&self, st: &mut State, id: WatcherId) -> Result<()> {
        if is_defer(id) {
            return st.defers.enable(id).map(drop).ok_or(Error::InvalidWatcher(id));
        }
        let tick = st.tick;
        let w = st.watchers.get(id).ok_or(Error::InvalidWatcher(id))?;
        let data = w.data;
        if !st.watchers.set_enabled(id, true, tick) {
            return Ok(()); // already enabled: nothing changes, not even the deadline
        }
        match data {
            Data::Delay { after_ns: after } | Data::Repeat { interval_ns: after } => arm_after(st, id, after),
            Data::Io { fd_key, .. } => {
                if let Err(e) = st.io.sync(self.inner.epfd(), fd_key, &st.watchers) {
                    st.watchers.set_enabled(id, false, tick);
                    return Err(e.into());
                }
            }
            Data::Signal { .. } => {}
        }
        Ok(())
    }

    /// Disables watcher `id` at once; its queued entry (defer or timer) becomes a tombstone,
    /// and an fd's interest narrows to its watchers still enabled. Returns whether it was
    /// enabled.
    pub(crate) fn disable_locked(&self, st: &mut State, id: WatcherId) -> bool {
        if is_defer(id) {
            return st.defers.disable(id);
        }
        if !st.watchers.set_enabled(id, false, st.tick) {
            return false;
        }
        let w = st.watchers.get_mut(id).expect("live");
        let had_entry = std::mem::take(&mut w.stamp) != 0;
        let data = w.data;
        if had_entry {
            forget_timer_entry(st);
        }
        if let Data::Io { fd_key, .. } = data {
            // Narrowing or dropping a registration cannot fail in a way that matters: a fd
            // that is gone is out of epoll already (a wider interest could only spin).
            let _ = st.io.sync(self.inner.epfd(), fd_key, &st.watchers);
        }
        true
    }

    /// Disables and removes watcher `id`, detaching it from its fd or signal. The caller drops
    /// the returned watcher (its callback) after releasing the state borrow.
    pub(crate) fn detach_locked(&self, st: &mut State, id: WatcherId) -> Option<Watcher> {
        let w = st.watchers.remove(id)?;
        if w.stamp != 0 {
            forget_timer_entry(st); // its heap entry is a tombstone now
        }
        match w.data {
            Data::Io { fd_key, .. } => st.io.detach(self.inner.epfd(), fd_key, id, &st.watchers),
            Data::Signal { signo } => {
                st.signals.detach(signo, id);
                crate::sys::signals::unwatch(signo);
            }
            _ => {}
        }
        Some(w)
    }
}

/// Arms timer `id` to fire `after_ns` from *now*. Not from the tick's cached time: a timer
/// created or enabled late in a long tick must still wait its full delay.
fn arm_after(st: &mut State, id: WatcherId, after_ns: u64) {
    arm(st, id, st.clock_ns().checked_add(after_ns));
}

/// Puts watcher `id` in the timer heap at `deadline` (`None`: never, so no entry at all).
pub(crate) fn arm(st: &mut State, id: WatcherId, deadline: Option<u64>) {
    let Some(deadline) = deadline else { return };
    let stamp = st.stamp();
    st.watchers.get_mut(id).expect("live").stamp = stamp;
    st.timers.push(Entry { deadline, stamp, key: id.key });
}

/// Accounts for one timer heap entry that just became a tombstone, compacting the heap when
/// tombstones dominate (habit: bounded memory under cancel churn).
pub(crate) fn forget_timer_entry(st: &mut State) {
    let watchers = &st.watchers;
    st.timers.invalidate(|e| watchers.by_stamp(e.key, e.stamp).is_some());
}

/// Whether `id` names a defer (they live in the defer queue, not the watcher table).
pub(crate) fn is_defer(id: WatcherId) -> bool {
    id.key & crate::defer_queue::DEFER_TAG != 0
}

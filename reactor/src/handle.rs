//! [`Handle`]: the cheap, cloneable way to reach a reactor from callbacks and tasks.

use std::fmt;
use std::os::fd::{AsRawFd, RawFd};
use std::rc::Rc;
use std::time::Duration;

use crate::reactor::Inner;
use crate::{Error, Result, Watch, WatcherId};

/// A reference to a [`Reactor`](crate::Reactor).
///
/// Cloning is an `Rc` increment. A handle is `!Send`: the reactor is single-threaded, and
/// everything a handle does happens on the reactor's thread. (To reach a reactor from another
/// thread, wake one of its tasks: wakers are `Send`.)
///
/// Operations on an id follow Amp's rules, with typed errors instead of exceptions:
/// `enable` and `reference` of a dead id return [`Error::InvalidWatcher`]; `disable`,
/// `unreference` and `cancel` of one are no-ops, so cleanup code never has to check.
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Rc<Inner>,
}

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

    /// Runs `callback` once per delivery of `signo`. See [`Watch::on_signal`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSignal`] for a signal that cannot be caught or does not exist.
    #[track_caller]
    pub fn on_signal(&self, signo: i32, callback: impl FnMut(&Handle, WatcherId, i32) + 'static) -> Result<WatcherId> {
        self.watch().on_signal(signo, callback)
    }

    /// Enables a watcher. It becomes due from the next tick on; a timer restarts its full
    /// delay. Enabling an enabled watcher changes nothing.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWatcher`] if `id` is not live; [`Error::Io`] if an I/O watcher's fd can
    /// no longer be registered (it was closed).
    pub fn enable(&self, id: WatcherId) -> Result<()> {
        let mut st = self.inner.state.borrow_mut();
        self.enable_locked(&mut st, id)
    }

    /// Disables a watcher, at once: if it was due in the current tick, it does not run. A
    /// no-op for a disabled or dead id.
    pub fn disable(&self, id: WatcherId) {
        let mut st = self.inner.state.borrow_mut();
        self.disable_locked(&mut st, id);
    }

    /// Cancels a watcher: it never runs again, its slot and callback are freed now. A no-op
    /// for a dead id, so a callback may cancel itself and cleanup code may cancel twice.
    pub fn cancel(&self, id: WatcherId) {
        let (watcher, defer) = {
            let mut st = self.inner.state.borrow_mut();
            match crate::watch::is_defer(id) {
                true => (None, st.defers.remove(id)),
                false => (self.detach_locked(&mut st, id), None),
            }
        };
        // Dropped here, outside the borrow: the callback's captures may use the reactor.
        drop((watcher, defer));
    }

    /// Makes an enabled watcher keep `run()` going again (the default).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWatcher`] if `id` is not live.
    pub fn reference(&self, id: WatcherId) -> Result<()> {
        let mut st = self.inner.state.borrow_mut();
        if crate::watch::is_defer(id) {
            return st.defers.set_referenced(id, true).map(drop).ok_or(Error::InvalidWatcher(id));
        }
        st.watchers.get(id).ok_or(Error::InvalidWatcher(id))?;
        st.watchers.set_referenced(id, true);
        Ok(())
    }

    /// Lets `run()` return even while this watcher is enabled. A no-op for a dead id.
    pub fn unreference(&self, id: WatcherId) {
        let mut st = self.inner.state.borrow_mut();
        match crate::watch::is_defer(id) {
            true => drop(st.defers.set_referenced(id, false)),
            false => drop(st.watchers.set_referenced(id, false)),
        }
    }

    /// Whether two handles reach the same reactor.
    pub fn same_reactor(&self, other: &Handle) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

//! [`Shutdown`]: graceful shutdown in a few lines. One stop signal that any number of tasks can
//! wait for, and a count of the tasks that must finish before the program may exit.
//!
//! Built only on the crate's public API (`spawn`, `signal`), as a user could have written it.
//! Like [`Handle`](crate::Handle) it is single-threaded: it is `!Send`, and cloning it is one
//! `Rc` increment.
//!
//! # The states
//!
//! - **running**: [`triggered`](Shutdown::triggered) and [`drained`](Shutdown::drained) wait.
//! - **triggered** ([`trigger`](Shutdown::trigger), for good): `triggered` is ready; tasks
//!   see it and wind down; `drained` waits while a tracked task is still alive.
//! - **drained**: triggered *and* no tracked task alive; `drained` is ready. A task tracked
//!   after this point is counted again (and makes `drained` wait again for new waiters).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use crate::{Result, Signal, TaskId};

/// A stop signal plus a count of the tasks to drain: tokio-util's `CancellationToken` and
/// `TaskTracker` as one type.
///
/// A server [`spawn`](Shutdown::spawn)s each connection through it, stops accepting when
/// [`triggered`](Shutdown::triggered) completes, and waits for [`drained`](Shutdown::drained)
/// before returning. Clones share one state.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ampere_reactor::{sleep, Reactor, Shutdown};
///
/// let reactor = Reactor::new()?;
/// let finished = reactor.block_on(async {
///     let shutdown = Shutdown::new();
///     for n in 1..=3u64 {
///         let stop = shutdown.clone();
///         shutdown.spawn(async move {
///             // Work until told to stop, then finish cleanly.
///             stop.triggered().await;
///             sleep(Duration::from_millis(n)).await;
///         })?;
///     }
///     sleep(Duration::from_millis(1)).await;
///     shutdown.trigger();
///     shutdown.drained().await; // all three have finished
///     Ok::<_, ampere_reactor::Error>(shutdown.tracked())
/// })??;
/// assert_eq!(finished, 0);
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Shutdown {
    inner: Rc<Inner>,
}

/// The shared state. Each waiting future owns at most one slot of a waiter slab and is the
/// only one to remove it (when it completes or is dropped), so a slot key never names another
/// future's waker.
#[derive(Default)]
struct Inner {
    /// Set once by `trigger`, never cleared.
    triggered: Cell<bool>,
    /// Tracked futures alive: created by `track` and neither finished nor dropped.
    tracked: Cell<usize>,
    /// Who waits for `triggered` or `drained`. Both kinds are woken on each change that could
    /// complete them; a woken `drained` that is not complete yet re-registers in its slot.
    waiters: RefCell<Slab<Waker>>,
}

impl Inner {
    fn is_drained(&self) -> bool {
        self.triggered.get() && self.tracked.get() == 0
    }

    fn wake_all(&self) {
        // Clone the wakers out first: waking must not happen with the slab borrowed, in case
        // a waker polls (or drops) a waiter of this very shutdown.
        let wakers: Vec<Waker> = self.waiters.borrow().iter().map(|(_, w)| w.clone()).collect();
        wakers.into_iter().for_each(Waker::wake);
    }
}

impl Shutdown {
    /// A shutdown not yet triggered, with no task tracked.
    ///
    /// # Examples
    ///
    /// ```
    /// let shutdown = ampere_reactor::Shutdown::new();
    /// assert!(!shutdown.is_triggered());
    /// assert_eq!(shutdown.tracked(), 0);
    /// ```
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// Triggers the shutdown: every [`triggered`](Shutdown::triggered) future completes, and
    /// [`drained`](Shutdown::drained) completes once no tracked task is left. Triggering again
    /// does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let shutdown = ampere_reactor::Shutdown::new();
    /// shutdown.trigger();
    /// shutdown.trigger();
    /// assert!(shutdown.is_triggered());
    /// ```
    pub fn trigger(&self) {
        if !self.inner.triggered.replace(true) {
            self.inner.wake_all();
        }
    }

    /// Whether [`trigger`](Shutdown::trigger) was called.
    pub fn is_triggered(&self) -> bool {
        self.inner.triggered.get()
    }

    /// How many tracked tasks are alive (tracked and neither finished nor dropped).
    pub fn tracked(&self) -> usize {
        self.inner.tracked.get()
    }

    /// Completes when the shutdown is triggered (at once if it already was). Any number of
    /// tasks may wait; each wait costs one waker slot, freed when the future completes or is
    /// dropped. Pair it with the work in a `select` to stop that work (it is `Unpin`, so
    /// `futures::select!` takes it after a `.fuse()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let shutdown = ampere_reactor::Shutdown::new();
    /// shutdown.trigger();
    /// ampere_reactor::Reactor::new()?.block_on(shutdown.triggered())?;
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn triggered(&self) -> impl Future<Output = ()> + Unpin + 'static {
        let mut waiter = Waiter::new(self);
        poll_fn(move |cx| waiter.poll_until(cx, |inner| inner.triggered.get()))
    }

    /// Completes when the shutdown is triggered and every tracked task has finished (or was
    /// dropped: aborted, or its reactor dropped). This is the last thing a server awaits.
    ///
    /// # Examples
    ///
    /// ```
    /// use ampere_reactor::{Reactor, Shutdown};
    ///
    /// let shutdown = Shutdown::new();
    /// Reactor::new()?.block_on(async {
    ///     shutdown.spawn(async {})?; // finishes at once, but is waited for all the same
    ///     shutdown.trigger();
    ///     shutdown.drained().await;
    ///     Ok::<(), ampere_reactor::Error>(())
    /// })??;
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn drained(&self) -> impl Future<Output = ()> + Unpin + 'static {
        let mut waiter = Waiter::new(self);
        poll_fn(move |cx| waiter.poll_until(cx, Inner::is_drained))
    }

    /// Wraps `future` so that it is counted from now until it completes or is dropped:
    /// [`drained`](Shutdown::drained) waits for it. Spawn the result wherever you like (or use
    /// [`spawn`](Shutdown::spawn), which does both). A future tracked after the trigger is
    /// counted too: a connection accepted just before the stop is still served.
    ///
    /// # Examples
    ///
    /// ```
    /// let shutdown = ampere_reactor::Shutdown::new();
    /// let work = shutdown.track(async { 1 + 1 });
    /// assert_eq!(shutdown.tracked(), 1);
    /// drop(work);
    /// assert_eq!(shutdown.tracked(), 0);
    /// ```
    pub fn track<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
        // Counted now, not at the first poll: a task spawned but not yet polled is alive.
        let guard = TrackGuard::new(self);
        async move {
            let _guard = guard;
            future.await
        }
    }

    /// Spawns `future` on the current reactor as a tracked task (see
    /// [`track`](Shutdown::track)), detached: [`drained`](Shutdown::drained) is how you wait
    /// for it, and its output is dropped, so handle its errors inside it (a connection task
    /// logs its client's error and ends). The id can [`abort`](crate::Handle::abort) it. For
    /// the output, spawn [`track`](Shutdown::track)`(future)` yourself and keep the
    /// [`JoinHandle`](crate::JoinHandle).
    ///
    /// # Errors
    ///
    /// As for [`spawn`](crate::spawn).
    ///
    /// # Examples
    ///
    /// See [`Shutdown`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Result<TaskId>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Ok(crate::try_spawn(self.track(future))?.id())
    }

    /// Triggers the shutdown when the process receives signal `signo`, from a task on the
    /// current reactor. That task (untracked) ends at the trigger, whatever caused it, and
    /// then stops catching the signal: a second Ctrl-C during a slow drain kills the process
    /// as usual. Call it from inside the reactor (in `block_on` or `#[main]`), like
    /// [`signal`](crate::signal).
    ///
    /// # Errors
    ///
    /// As for [`signal`](crate::signal) and [`spawn`](crate::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// use ampere_reactor::{Reactor, Shutdown, Signal};
    ///
    /// Reactor::new()?.block_on(async {
    ///     let shutdown = Shutdown::new();
    ///     shutdown.trigger_on_signal(Signal::User2)?;
    ///     signal_hook::low_level::raise(Signal::User2.as_raw())?;
    ///     shutdown.triggered().await;
    ///     Ok::<(), ampere_reactor::Error>(())
    /// })??;
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn trigger_on_signal(&self, signo: impl Into<i32>) -> Result<()> {
        let mut deliveries = crate::signal(signo)?;
        let shutdown = self.clone();
        let mut waiter = Waiter::new(self);
        // Dropped as soon as either happens: the stream's watcher goes with it.
        let _detached = crate::try_spawn(async move {
            poll_fn(|cx| {
                if deliveries.poll_recv(cx).is_ready() {
                    return Poll::Ready(());
                }
                waiter.poll_until(cx, |inner| inner.triggered.get())
            })
            .await;
            shutdown.trigger();
        })?;
        Ok(())
    }

    /// [`trigger_on_signal`](Shutdown::trigger_on_signal) for `SIGINT`, the signal of Ctrl-C.
    ///
    /// # Errors
    ///
    /// As for [`trigger_on_signal`](Shutdown::trigger_on_signal).
    ///
    /// # Examples
    ///
    /// See `docs/examples/graceful_echo.rs`.
    pub fn trigger_on_ctrl_c(&self) -> Result<()> {
        self.trigger_on_signal(Signal::Interrupt)
    }
}

impl fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shutdown").field("triggered", &self.is_triggered()).field("tracked", &self.tracked()).finish()
    }
}

/// One waiting future's slot in the waiter slab.
struct Waiter {
    inner: Rc<Inner>,
    /// The slot holding this future's waker, while it is registered.
    key: Option<usize>,
}

impl Waiter {
    fn new(shutdown: &Shutdown) -> Waiter {
        Waiter { inner: Rc::clone(&shutdown.inner), key: None }
    }

    /// Ready once `done` holds; otherwise (re-)registers `cx`'s waker in this waiter's slot.
    fn poll_until(&mut self, cx: &mut Context<'_>, done: fn(&Inner) -> bool) -> Poll<()> {
        if done(&self.inner) {
            self.unregister();
            return Poll::Ready(());
        }
        let mut waiters = self.inner.waiters.borrow_mut();
        match self.key {
            Some(key) => {
                let slot = &mut waiters[key];
                if !slot.will_wake(cx.waker()) {
                    slot.clone_from(cx.waker());
                }
            }
            None => self.key = Some(waiters.insert(cx.waker().clone())),
        }
        Poll::Pending
    }

    fn unregister(&mut self) {
        if let Some(key) = self.key.take() {
            self.inner.waiters.borrow_mut().remove(key);
        }
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.unregister();
    }
}

/// Counts one tracked future while it lives.
struct TrackGuard(Rc<Inner>);

impl TrackGuard {
    fn new(shutdown: &Shutdown) -> TrackGuard {
        shutdown.inner.tracked.set(shutdown.inner.tracked.get() + 1);
        TrackGuard(Rc::clone(&shutdown.inner))
    }
}

impl Drop for TrackGuard {
    fn drop(&mut self) {
        let inner = &self.0;
        inner.tracked.set(inner.tracked.get() - 1);
        if inner.is_drained() {
            inner.wake_all();
        }
    }
}

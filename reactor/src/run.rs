//! Driving a reactor: [`Handle::run`], [`Handle::tick`], [`Handle::block_on`], the tick an
//! embedding loop calls ([`Handle::tick_nowait`], [`Handle::next_timeout`]), and what they
//! report ([`Handle::is_alive`], [`Handle::is_running`], [`Handle::now`]). The steps are in
//! `core/tick.rs`.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::core::state::Handle;
use crate::core::{block_on, embed, tick};
use crate::error::Result;

impl Handle {
    /// Runs the reactor until nothing keeps it alive, or until [`stop`](Handle::stop).
    ///
    /// Alive means: an enabled, referenced watcher, or an unfinished task (tasks are always
    /// referenced). `run` can be called again after it returns; watchers carry over.
    ///
    /// # Errors
    ///
    /// - [`Error::Reentrant`] when called from inside a callback or task of this reactor.
    /// - [`Error::CallbackPanicked`], [`Error::TaskFailed`], [`Error::TaskPanicked`] when a
    ///   callback panicked or a fork failed and no error handler is set. The reactor is
    ///   consistent; calling `run` again continues where it stopped.
    /// - [`Error::Io`] if polling fails.
    ///
    /// [`Error::Reentrant`]: crate::Error::Reentrant
    /// [`Error::CallbackPanicked`]: crate::Error::CallbackPanicked
    /// [`Error::TaskFailed`]: crate::Error::TaskFailed
    /// [`Error::TaskPanicked`]: crate::Error::TaskPanicked
    /// [`Error::Io`]: crate::Error::Io
    pub fn run(&self) -> Result<()> {
        log::debug!("run: start");
        let outcome = tick::run(self);
        match &outcome {
            Ok(()) => log::debug!("run: stop, nothing left to wait for (or `stop`)"),
            Err(e) => log::debug!("run: stop with an error: {e}"),
        }
        outcome
    }

    /// Runs exactly one iteration: polls (blocking until something is due, unless work is
    /// already queued) and dispatches what is ready. When nothing could ever become due
    /// (nothing registered, or only disabled watchers and defers) it does not block;
    /// unreferenced watchers can become due, and it waits for them. [`stop`](Handle::stop)
    /// does not affect it. See [`Handle::tick_nowait`] for a tick that never blocks.
    ///
    /// # Errors
    ///
    /// As for [`Handle::run`].
    pub fn tick(&self) -> Result<()> {
        tick::tick(self, false)
    }

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
        tick::tick(self, true)
    }

    /// Makes [`run`](Handle::run) return at the end of the current tick. Outside of `run`, it
    /// does nothing: [`tick`](Handle::tick) and [`block_on`](Handle::block_on) ignore it,
    /// and it does not carry over to the next `run`.
    pub fn stop(&self) {
        tick::stop(self);
    }

    /// Whether `run` would go on: an enabled, referenced watcher or an unfinished task exists.
    pub fn is_alive(&self) -> bool {
        tick::is_alive(self)
    }

    /// How long a loop that embeds this reactor may wait on its fd (the [`Reactor`](crate::Reactor)'s
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
        embed::next_timeout(self)
    }

    /// Drives the reactor until `future` completes, and returns its output. Other tasks and
    /// watchers keep running meanwhile.
    ///
    /// # Errors
    ///
    /// - [`Error::Reentrant`](crate::Error::Reentrant) from inside a callback or task of this reactor: awaiting is the
    ///   way to wait there.
    /// - [`Error::WouldNeverComplete`](crate::Error::WouldNeverComplete) when the future is pending and nothing could ever wake
    ///   it: no enabled referenced watcher, no runnable task, no async I/O waiting, no
    ///   blocking job in flight. (A future woken only by a thread you started yourself counts
    ///   as such: keep a referenced watcher, or use [`spawn_blocking`](crate::spawn_blocking).)
    /// - Errors that [`run`](Handle::run) would return (a callback panic, a failed fork),
    ///   when no error handler is set. The future is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let out = reactor.block_on(async {
    ///     ampere_reactor::sleep(Duration::from_millis(1)).await;
    ///     "slept"
    /// })?;
    /// assert_eq!(out, "slept");
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        block_on::block_on(self, future)
    }

    /// [`block_on`](Handle::block_on) for a future that returns a `Result`, with the two
    /// layers of errors made one, so that the common case reads with one `?`:
    /// `reactor.block_on_try(serve(listener))?`. The reactor's own [`Error`](crate::Error)
    /// converts into the future's error type `E` (it does into `io::Error`,
    /// `Box<dyn Error + Send + Sync>` and `Box<dyn Error>`).
    ///
    /// `block_on` itself keeps the two layers apart (`Result<T, Error>` around the future's
    /// own output), since the reactor's failure and the future's are different questions;
    /// `#[ampere_reactor::main]` on an `async fn main() -> Result<..>` needs neither.
    ///
    /// # Errors
    ///
    /// The future's error, or the reactor's (as for `block_on`) converted into `E`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ampere_reactor::net::TcpListener;
    ///
    /// fn main() -> std::io::Result<()> {
    ///     let reactor = ampere_reactor::Reactor::new()?;
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let port = reactor.block_on_try(async move { Ok::<_, std::io::Error>(listener.local_addr()?.port()) })?;
    ///     assert_ne!(port, 0);
    ///     Ok(())
    /// }
    /// ```
    pub fn block_on_try<F, T, E>(&self, future: F) -> std::result::Result<T, E>
    where
        F: Future<Output = std::result::Result<T, E>>,
        E: From<crate::error::Error>,
    {
        block_on::block_on(self, future)?
    }

    /// Whether `run`, `tick` or `block_on` is driving this reactor right now: true inside its
    /// callbacks and tasks, false between calls. (Revolt's `isRunning`, which is true inside
    /// `run()`; here `tick` and `block_on` count too, since they drive the same loop.)
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// assert!(!reactor.is_running());
    /// reactor.defer(|handle, _| assert!(handle.is_running()));
    /// reactor.run()?;
    /// assert!(!reactor.is_running());
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn is_running(&self) -> bool {
        self.inner.driving.get()
    }

    /// The tick's cached time (libev's `ev_now`, Amp's `Loop::now`): the time sampled right
    /// after the current tick's poll returned, or between ticks, the last tick's. Every
    /// timer due by this time fires in that tick, none due later does. It stays the same
    /// for the whole tick, so callbacks comparing against it agree, and it never goes
    /// backwards.
    ///
    /// Reading it costs no clock read, except once in two cases, where the poll itself did
    /// not read the clock: before the first tick, and in a tick whose poll found no timer
    /// pending (a busy I/O loop saves the read). There the first call reads the clock and
    /// caches it for the rest of the tick: a little after the poll returned, never before.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let before = Instant::now();
    /// reactor.delay(Duration::from_millis(2), move |handle, _| {
    ///     let now = handle.now();
    ///     assert!(now >= before + Duration::from_millis(2)); // timers never fire early
    ///     assert_eq!(handle.now(), now); // the same for the whole tick
    /// });
    /// reactor.run()?;
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub fn now(&self) -> Instant {
        let mut st = self.inner.state.borrow_mut();
        if !st.now_fresh {
            // `max`: the cached time never goes backwards (the clock does not either, but a
            // reading is cheap to guard).
            st.now_ns = st.now_ns.max(st.clock_ns());
            st.now_fresh = true;
        }
        st.epoch + Duration::from_nanos(st.now_ns)
    }
}

/// [`Handle::block_on`] on the current reactor.
///
/// # Errors
///
/// As for [`Handle::current`] and [`Handle::block_on`].
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    Handle::current()?.block_on(future)
}

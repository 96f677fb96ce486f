//! [`LoopHandle`]: a loop seen from outside. Start it, stop it, ask what it is doing;
//! `resume` and `signal` live next to the pauses and signal waits they wake
//! ([`resumable`](crate::resumable), [`signal`](crate::signal)).

use std::fmt;
use std::rc::Rc;

use ampere_reactor::Handle;
use log::{error, info};

use crate::control::{Begin, Control};
use crate::runner::{after_exit, launcher, Launch};
use crate::{Completion, Loop, LoopContext, LoopError, LoopState, NoSignal};

/// A loop: a [`Loop`] body plus the machinery to run it in the background.
///
/// Cloning gives another handle to the same loop (an `Rc` increment). Handles are `!Send`,
/// like the reactor.
///
/// # Notes
///
/// - Dropping every handle does not stop a running loop (the PHP original's loops run on too); the
///   body is dropped when it is idle and the last handle is gone.
/// - A body paused until resumed, with no handle left, can never be resumed, and its task keeps
///   `run()` going like any task: stop a loop before letting go of it.
/// - A body that keeps a handle to its own loop (the PHP original's `use (&$loop)`) makes an `Rc`
///   cycle: the loop is then never dropped. Prefer the body's [`LoopContext`] for stopping
///   itself.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ampere_loops::{GenericLoop, LoopError, LoopHandle, LoopState, Next};
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let ticker = LoopHandle::new(GenericLoop::new("ticker", async |_this| Next::Sleep(Duration::from_millis(1))));
/// assert_eq!(ticker.state(), LoopState::Idle);
/// let done = ticker.start_on(&reactor)?;
/// assert!(ticker.is_running());
/// assert!(matches!(ticker.start_on(&reactor), Err(LoopError::AlreadyRunning)));
/// ticker.stop();
/// reactor.block_on(done)??;
/// assert!(!ticker.is_running());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct LoopHandle<S = NoSignal> {
    pub(crate) control: Rc<Control<S>>,
    /// Leases the body out for a run; gives `None` exactly while the loop is not idle.
    launch: Rc<Launch<S>>,
}

impl<S: 'static> LoopHandle<S> {
    /// Makes a loop of `body`, idle. Its [`name`](Loop::name) is asked for now, once.
    pub fn new<L: Loop<S>>(body: L) -> LoopHandle<S> {
        let control = Rc::new(Control::new(body.name()));
        LoopHandle { control, launch: launcher(body) }
    }

    /// Starts the body in the background on the current reactor (the one being driven, else
    /// the thread's default) and returns its [`Completion`]. See [`LoopHandle::start_on`].
    ///
    /// # Errors
    ///
    /// As for [`LoopHandle::start_on`], and [`LoopError::Reactor`] if the thread has no
    /// reactor left (thread teardown).
    pub fn start(&self) -> Result<Completion, LoopError> {
        self.start_on(&Handle::current()?)
    }

    /// Starts the body in the background on `reactor`: it is spawned as a task, first polled in
    /// the reactor's next pass over its tasks. The loop is running from now on (`Running`),
    /// so a `resume` or `stop` sent before that first poll is not lost.
    ///
    /// The returned [`Completion`] resolves when the body ends, with how it ended. The PHP original
    /// returns `false` instead of a promise when the loop is already running; this returns
    /// `Err(AlreadyRunning)`, which is also logged.
    ///
    /// # A stopping loop
    ///
    /// On a loop that was [stopped](LoopHandle::stop) but whose body has not exited yet, the
    /// start waits for it, as in danog/loop 1.0.3: the loop stays `Stopping` until the old body
    /// exits, and at that moment it is `Running` again, for this start (no other `start` can
    /// take its place). The old run's `Completion` resolves as usual; the returned one is the
    /// new run's. A `stop` made while the start waits is kept for the new run, whose body then
    /// begins stopping (as a stop before a first poll is). Only one start waits at a time. If
    /// the old body never exits, the new run never begins.
    ///
    /// # Errors
    ///
    /// [`LoopError::AlreadyRunning`] if the body is running or paused, or if it is stopping and
    /// another start already waits for it: the running body is not disturbed.
    ///
    /// # Examples
    ///
    /// Restarting a loop at once, without waiting for its body to see the stop:
    ///
    /// ```
    /// use std::time::Duration;
    /// use ampere_loops::{GenericLoop, LoopHandle, LoopState, Next};
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let lp = LoopHandle::new(GenericLoop::new("reloader", async |_this| Next::Sleep(Duration::from_secs(60))));
    /// let first = lp.start_on(&reactor)?;
    /// lp.stop(); // the body is asked to stop; it has not exited yet
    /// let second = lp.start_on(&reactor)?; // waits for that exit
    /// assert_eq!(lp.state(), LoopState::Stopping);
    /// reactor.block_on(async {
    ///     first.await?; // the first run has ended ...
    ///     assert!(lp.is_running()); // ... and the second has begun
    ///     lp.stop();
    ///     second.await
    /// })??;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start_on(&self, reactor: &Handle) -> Result<Completion, LoopError> {
        let name = &self.control.core.name;
        match self.control.begin(reactor) {
            Err(e) => {
                error!("{name}: start() refused: {e}");
                Err(e)
            }
            Ok(Begin::Now) => {
                // Idle means the body is home (the runner gives it back before going idle).
                let run = (self.launch)(LoopContext { control: Rc::clone(&self.control) })
                    .expect("an idle loop has its body at home");
                info!("{name}: started");
                Ok(Completion { task: reactor.spawn(run) })
            }
            Ok(Begin::AfterExit) => {
                info!("{name}: start() waits for the stopping body to exit");
                let run = after_exit(Rc::clone(&self.control), Rc::clone(&self.launch));
                Ok(Completion { task: reactor.spawn(run) })
            }
        }
    }
}

impl<S> LoopHandle<S> {
    /// Asks the loop to stop: the body finishes its current iteration, a pause it awaits
    /// returns [`Wakeup::Stopped`](crate::Wakeup::Stopped) on the reactor's next pass over its
    /// tasks, and every later pause returns at once. Returns whether it asked a live loop
    /// (false if idle, or already stopping). On a stopping loop with a
    /// [start waiting](LoopHandle::start_on), the stop is for that start's run
    /// (true, once).
    ///
    /// A body waiting on something other than a pause sees the stop when it next pauses or
    /// checks [`LoopContext::is_stopping`].
    pub fn stop(&self) -> bool {
        self.control.core.stop()
    }

    /// The loop's name, as given by [`Loop::name`].
    pub fn name(&self) -> &str {
        &self.control.core.name
    }

    /// Where the loop is in its [state machine](LoopState).
    pub fn state(&self) -> LoopState {
        self.control.core.state()
    }

    /// Whether the body is live (running, paused or stopping): `start` would be refused, or,
    /// while stopping, would wait for the body to exit.
    pub fn is_running(&self) -> bool {
        self.state().is_running()
    }

    /// Whether the body awaits a pause.
    pub fn is_paused(&self) -> bool {
        self.state().is_paused()
    }
}

impl<S> Clone for LoopHandle<S> {
    // Not derived: that would require `S: Clone`.
    fn clone(&self) -> Self {
        LoopHandle { control: Rc::clone(&self.control), launch: Rc::clone(&self.launch) }
    }
}

/// The loop's [name](LoopHandle::name), as the PHP original's loops print with `__toString()` (width
/// and alignment flags apply).
///
/// # Examples
///
/// ```
/// use ampere_loops::{GenericLoop, LoopHandle, Next};
///
/// let lp = LoopHandle::new(GenericLoop::new("flusher", async |_this| Next::Stop));
/// assert_eq!(lp.to_string(), "flusher");
/// assert_eq!(format!("[{lp:>8}]"), "[ flusher]");
/// ```
impl<S> fmt::Display for LoopHandle<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl<S> fmt::Debug for LoopHandle<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopHandle").field("name", &self.name()).field("state", &self.state()).finish_non_exhaustive()
    }
}

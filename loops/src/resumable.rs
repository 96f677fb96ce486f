//! Pausing and resuming (the PHP original's `ResumableLoop`): [`LoopContext::pause`] inside the body,
//! [`LoopHandle::resume`] from outside.
//!
//! # The rules
//!
//! - `pause(Some(d))` waits `d`, or until `resume()` or `stop()`; `pause(None)` waits until
//!   `resume()` or `stop()`; `pause(Some(Duration::ZERO))` returns at once.
//! - `resume()` on a paused loop wakes the pause and returns `true`. It only records the
//!   wake-up and wakes the body's task; the body continues on the reactor's **next pass over
//!   its tasks** (later in the same tick's task phase when called from a watcher callback or
//!   another task, in the next tick when called between ticks), never inside `resume()`.
//! - `resume()` on a running (not paused) loop returns `false` and **is remembered**: the
//!   body's next pause returns [`Wakeup::Resumed`] at once. The PHP original drops such a resume, so
//!   a wake-up sent while the body was busy could be lost; here none is. (A second `resume()`
//!   on a pause that is already resumed but has not run yet is merged with the first and
//!   returns `false`: the body has not run in between, so it will see what both announce.)
//! - `resume()` on an idle or stopping loop does nothing and returns `false`: a run starts
//!   afresh, and a stopping body's pauses return at once anyway.
//! - Each pause owns its timer: created when it parks, cancelled when it ends or is dropped.
//!   A pause can only be ended by its own timer, so a stale one can never wake a later pause.
//! - A pause dropped after a `resume()` hit it but before it could return (say, it lost a
//!   `select`) hands that wake-up to the next pause, as if it had arrived while running.
//! - [`resume_postponed()`](LoopHandle::resume_postponed) (danog/loop 1.1.0's
//!   `resume(postpone: true)`) is a `resume()` made on the reactor's **next tick**, in its
//!   defer phase: the body continues only after everything the current tick still has to do.
//!   A newer postponed resume replaces an older one that has not run yet (it moves to the end
//!   of the defer queue), and takes back a resume the body has not seen yet (it is postponed
//!   with it, not lost). The end of the run cancels it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ampere_reactor::{sleep_until, Sleep};

use crate::control::Core;
use crate::{LoopContext, LoopHandle};

/// Why a [`pause`](LoopContext::pause) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wakeup {
    /// Its time was up (or it was zero).
    Elapsed,
    /// [`resume`](LoopHandle::resume) woke it, or a resume left for it while the body ran.
    Resumed,
    /// [`stop`](LoopHandle::stop) was called: the body should finish. Takes precedence over a
    /// resume that arrived at the same time.
    Stopped,
}

impl<S> LoopContext<S> {
    /// Pauses the body for `duration`, or until [`resume`](LoopHandle::resume) (`None`: until
    /// `resume` or `stop`). See the [module docs](crate::resumable) for the rules.
    ///
    /// The pause starts (and logs "pausing for ..." / "pausing until resumed") when it is
    /// first polled.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use ampere_loops::{GenericLoop, LoopHandle, Next, Wakeup};
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let lp = LoopHandle::new(GenericLoop::new("napper", async |this| {
    ///     let start = Instant::now();
    ///     assert_eq!(this.pause(Some(Duration::from_millis(5))).await, Wakeup::Elapsed);
    ///     assert!(start.elapsed() >= Duration::from_millis(5));
    ///     assert_eq!(this.pause(Some(Duration::ZERO)).await, Wakeup::Elapsed);
    ///     Next::Stop
    /// }));
    /// reactor.block_on(lp.start_on(&reactor)?)??;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pause(&self, duration: Option<Duration>) -> Pause<'_> {
        Pause { core: &self.control.core, duration, stage: Stage::New }
    }
}

impl<S> LoopHandle<S> {
    /// Wakes the body's pause. Returns whether it woke one; a resume that finds the body
    /// running is remembered for its next pause. See the [module docs](crate::resumable).
    pub fn resume(&self) -> bool {
        self.control.core.resume()
    }
}

impl<S: 'static> LoopHandle<S> {
    /// Resumes the body on the reactor's next tick, after the current tick's work: danog/loop
    /// 1.1.0's `resume(postpone: true)`. Returns whether a resume was scheduled (false if the
    /// loop is idle or stopping).
    ///
    /// Use it to let a burst of work (say, every message that arrives in this tick) pile up
    /// before the body runs once for all of it. Calling it again before the resume has run
    /// moves it to the end of the queue; a plain [`resume`](LoopHandle::resume) the body has
    /// not seen yet is postponed along with it. When the resume runs it follows `resume()`'s
    /// rules: it wakes a pause, or is remembered if the body is busy. See the
    /// [module docs](crate::resumable).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// use std::time::Duration;
    /// use ampere_loops::{GenericLoop, LoopHandle, Next};
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// let queue = Rc::new(RefCell::new(Vec::new()));
    /// let batches = Rc::new(RefCell::new(Vec::new()));
    /// let (q, b) = (queue.clone(), batches.clone());
    /// let writer = LoopHandle::new(GenericLoop::new("writer", async move |_this| {
    ///     let batch: Vec<u32> = q.borrow_mut().drain(..).collect();
    ///     if batch.is_empty() {
    ///         return Next::Pause; // until there is something to write
    ///     }
    ///     b.borrow_mut().push(batch);
    ///     Next::Stop // one batch is enough for this example
    /// }));
    /// let done = writer.start_on(&reactor)?;
    /// let w = writer.clone();
    /// let q = queue.clone();
    /// reactor.delay(Duration::from_millis(1), move |_, _| {
    ///     for message in 1..=3 {
    ///         q.borrow_mut().push(message);
    ///         w.resume_postponed(); // the writer runs once, next tick, for all three
    ///     }
    /// });
    /// reactor.block_on(done)??;
    /// assert_eq!(*batches.borrow(), [vec![1, 2, 3]]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resume_postponed(&self) -> bool {
        self.control.resume_postponed()
    }
}

/// The future of [`LoopContext::pause`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Pause<'a> {
    core: &'a Core,
    duration: Option<Duration>,
    stage: Stage,
}

enum Stage {
    /// Not polled yet: nothing registered, no timer.
    New,
    /// Registered in the control block as `serial`, with its own timer unless paused until
    /// resumed (or for longer than an `Instant` can express).
    Parked { serial: u64, timer: Option<Sleep> },
    /// Returned.
    Done,
}

impl Future for Pause<'_> {
    type Output = Wakeup;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Wakeup> {
        let this = &mut *self;
        let wakeup = match &mut this.stage {
            Stage::New => {
                // Too far in the future to express is the same as never.
                let until = this.duration.and_then(|d| Instant::now().checked_add(d));
                match this.core.park(this.duration, until, cx.waker()) {
                    Err(wakeup) => wakeup,
                    Ok(serial) => {
                        let mut timer = until.map(sleep_until);
                        // Arm it now, by polling it once (it could even be due already).
                        let due = timer.as_mut().is_some_and(|t| Pin::new(t).poll(cx).is_ready());
                        this.stage = Stage::Parked { serial, timer };
                        if !due {
                            return Poll::Pending;
                        }
                        this.core.unpark(serial);
                        Wakeup::Elapsed
                    }
                }
            }
            Stage::Parked { serial, timer } => {
                // A stop or a resume first: `resume()` said it woke us, so it must be what we
                // report, even if the timer is due in the same tick.
                if let Some(wakeup) = this.core.poll_parked(*serial, cx.waker()) {
                    wakeup
                } else if timer.as_mut().is_some_and(|t| Pin::new(t).poll(cx).is_ready()) {
                    this.core.unpark(*serial);
                    Wakeup::Elapsed
                } else {
                    return Poll::Pending;
                }
            }
            Stage::Done => panic!("`Pause` polled after it returned"),
        };
        // Dropping the stage drops the timer: an ended pause holds no timer.
        this.stage = Stage::Done;
        Poll::Ready(wakeup)
    }
}

impl Drop for Pause<'_> {
    fn drop(&mut self) {
        if let Stage::Parked { serial, .. } = self.stage {
            self.core.unpark(serial);
        }
    }
}

impl fmt::Debug for Pause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.stage {
            Stage::New => "new",
            Stage::Parked { .. } => "parked",
            Stage::Done => "done",
        };
        f.debug_struct("Pause").field("duration", &self.duration).field("stage", &stage).finish_non_exhaustive()
    }
}

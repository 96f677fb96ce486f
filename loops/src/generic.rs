//! [`GenericLoop`]: a loop from a callback that returns what to do next.

use std::any::TypeId;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use ampere_reactor::BoxError;

use crate::next_tick::{next_tick, NextTick};
use crate::{Loop, LoopContext, Outcome, Pause, Stop};

/// What a [`GenericLoop`] does after its callback returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Next {
    /// Pause this long (or until resumed), then run the callback again. The PHP original's number of
    /// seconds. `Sleep(Duration::ZERO)` acts like `Continue`.
    Sleep(Duration),
    /// Run the callback again after giving the reactor one full turn (a tick: its I/O, timers
    /// and other tasks), so a loop that always continues never starves anything.
    Continue,
    /// Pause until resumed (or stopped), then run the callback again.
    Pause,
    /// End the loop.
    Stop,
}

/// What a [`GenericLoop`] callback may return: a [`Next`]; `()`, which means [`Next::Pause`]
/// (the PHP original's "no return value"); or a `Result` of either, whose error ends the loop as a
/// failure.
pub trait IntoNext {
    /// The action, or the error that ends the loop.
    ///
    /// # Errors
    ///
    /// The callback's own error.
    fn into_next(self) -> Result<Next, BoxError>;
}

impl IntoNext for Next {
    fn into_next(self) -> Result<Next, BoxError> {
        Ok(self)
    }
}

impl IntoNext for () {
    fn into_next(self) -> Result<Next, BoxError> {
        Ok(Next::Pause)
    }
}

impl<T: IntoNext, E: Into<BoxError>> IntoNext for Result<T, E> {
    fn into_next(self) -> Result<Next, BoxError> {
        self.map_err(Into::into)?.into_next()
    }
}

/// A loop whose body is a callback run again and again, each time returning a [`Next`]: the
/// PHP original's `GenericLoop`. The callback gets the loop's [`LoopContext`] (the PHP original binds it to
/// `$this`), so it can pause, wait for signals and stop as a hand-written body would.
///
/// Before each run of the callback the loop checks for a [`stop`](crate::LoopHandle::stop),
/// so a stop sent while the callback runs ends the loop when that run returns. A stop sent
/// while it waits between runs ([`Next::Sleep`], [`Next::Pause`], [`Next::Continue`]) ends
/// the wait at once.
///
/// # The stop signal
///
/// A generic loop whose signal type is [`Stop`] (made with [`with_signals`](GenericLoop::with_signals)
/// and a callback taking `&LoopContext<Stop>`; its handle is a `LoopHandle<Stop>`) also ends
/// on `handle.signal(Stop)` sent while it waits between runs: the PHP original's "the loop can be
/// stopped from the outside by signaling `true`", and the same signal a
/// [`PeriodicLoop`](crate::PeriodicLoop) takes. While the callback runs, the signal goes to
/// the callback's own [`wait_signal`](LoopContext::wait_signal) if it has one, and is
/// otherwise handed back as [`Undelivered`](crate::Undelivered). An error signal
/// ([`signal_error`](crate::LoopHandle::signal_error)) received between runs fails the loop.
/// Loops with any other signal type leave their signals to the callback.
///
/// ```
/// use std::time::Duration;
/// use ampere_loops::{GenericLoop, LoopContext, LoopHandle, Next, Stop};
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let poller = LoopHandle::new(GenericLoop::with_signals("poller", async |_this: &LoopContext<Stop>| {
///     Next::Sleep(Duration::from_secs(3600))
/// }));
/// let done = poller.start_on(&reactor)?;
/// reactor.block_on(async {
///     while !poller.is_paused() {
///         ampere_reactor::sleep(Duration::from_millis(1)).await;
///     }
///     // It sleeps for an hour now ...
///     poller.signal(Stop).unwrap(); // ... and ends at once
///     done.await
/// })??;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Examples
///
/// The PHP original's example, saying hi every 2 seconds (here every 2 ms, three times):
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use std::time::Duration;
/// use ampere_loops::{BoxError, GenericLoop, LoopHandle, Next};
///
/// # async fn send_message(outbox: &RefCell<Vec<String>>, text: &str) -> Result<(), BoxError> {
/// #     outbox.borrow_mut().push(text.to_owned());
/// #     Ok(())
/// # }
/// let outbox = Rc::new(RefCell::new(Vec::new()));
/// let sent = outbox.clone();
/// let generic = LoopHandle::new(GenericLoop::new("My super loop", async move |_this| {
///     send_message(&sent, "Hi every 2 milliseconds").await?;
///     if sent.borrow().len() == 3 {
///         return Ok(Next::Stop);
///     }
///     Ok::<_, BoxError>(Next::Sleep(Duration::from_millis(2)))
/// }));
/// ampere_reactor::block_on(generic.start()?)??;
/// assert_eq!(outbox.borrow().len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct GenericLoop<F> {
    name: String,
    callback: F,
}

impl<F> GenericLoop<F> {
    /// A generic loop named `name` that runs `callback`: an async closure given the loop's
    /// context, returning a [`Next`], `()` or a `Result` of either (see [`IntoNext`]).
    pub fn new<R>(name: impl Into<String>, callback: F) -> GenericLoop<F>
    where
        F: AsyncFnMut(&LoopContext) -> R,
        R: IntoNext,
    {
        GenericLoop { name: name.into(), callback }
    }

    /// Like [`GenericLoop::new`], for a loop that takes signals of type `S` (the callback
    /// names it: `async |this: &LoopContext<S>| ...`).
    pub fn with_signals<S, R>(name: impl Into<String>, callback: F) -> GenericLoop<F>
    where
        F: AsyncFnMut(&LoopContext<S>) -> R,
        R: IntoNext,
    {
        GenericLoop { name: name.into(), callback }
    }
}

impl<S, F, R> Loop<S> for GenericLoop<F>
where
    S: 'static,
    F: AsyncFnMut(&LoopContext<S>) -> R + 'static,
    R: IntoNext,
{
    fn name(&self) -> String {
        self.name.clone()
    }

    async fn run(&mut self, this: &LoopContext<S>) -> Result<(), BoxError> {
        // `Stop` is the only signal type the loop itself understands; a type check, not a
        // trait bound, so that every other signal type keeps working unchanged.
        let stop_signal = TypeId::of::<S>() == TypeId::of::<Stop>();
        while !this.is_stopping() {
            let wait = match (self.callback)(this).await.into_next()? {
                Next::Stop => break,
                // A zero pause would return at once: yield like `Continue` instead of spinning.
                Next::Continue | Next::Sleep(Duration::ZERO) => Wait::Tick(next_tick()),
                Next::Sleep(d) => Wait::Pause(this.pause(Some(d))),
                Next::Pause => Wait::Pause(this.pause(None)),
            };
            // However the wait ends, the loop goes round: a stop is seen at the top.
            if stop_signal {
                if let Outcome::Signal(_stop) = this.wait_signal(wait).await? {
                    break;
                }
            } else {
                wait.await;
            }
        }
        Ok(())
    }
}

/// What a [`GenericLoop`] waits for between runs of its callback.
enum Wait<'a> {
    /// `Continue`: the next tick.
    Tick(NextTick),
    /// `Sleep` or `Pause`.
    Pause(Pause<'a>),
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Both are `Unpin`: no pin projection needed.
        match self.get_mut() {
            Wait::Tick(tick) => Pin::new(tick).poll(cx),
            Wait::Pause(pause) => Pin::new(pause).poll(cx).map(drop),
        }
    }
}

impl<F> fmt::Debug for GenericLoop<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenericLoop").field("name", &self.name).finish_non_exhaustive()
    }
}

//! [`GenericLoop`]: a loop from a callback that returns what to do next.

use std::fmt;
use std::time::Duration;

use ampere_reactor::BoxError;

use crate::next_tick::next_tick;
use crate::{Loop, LoopContext};

/// What a [`GenericLoop`] does after its callback returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Next {
    /// Pause this long (or until resumed), then run the callback again. The seed's number of
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
/// (the seed's "no return value"); or a `Result` of either, whose error ends the loop as a
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
/// seed's `GenericLoop`. The callback gets the loop's [`LoopContext`] (the seed binds it to
/// `$this`), so it can pause, wait for signals and stop as a hand-written body would.
///
/// Before each run of the callback the loop checks for a [`stop`](crate::LoopHandle::stop),
/// so a stop sent while the callback runs ends the loop when that run returns.
///
/// # Examples
///
/// The seed's example, saying hi every 2 seconds (here every 2 ms, three times):
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
        while !this.is_stopping() {
            match (self.callback)(this).await.into_next()? {
                Next::Stop => break,
                // A zero pause would return at once: yield like `Continue` instead of spinning.
                Next::Continue | Next::Sleep(Duration::ZERO) => next_tick().await,
                // However the pause ends, the loop goes round: a stop is seen at the top.
                Next::Sleep(d) => {
                    this.pause(Some(d)).await;
                }
                Next::Pause => {
                    this.pause(None).await;
                }
            }
        }
        Ok(())
    }
}

impl<F> fmt::Debug for GenericLoop<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenericLoop").field("name", &self.name).finish_non_exhaustive()
    }
}

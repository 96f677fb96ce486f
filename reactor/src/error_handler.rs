//! The error handler: where callback panics and failed forks go instead of out of `run`.
//!
//! The handler is taken out of its slot while it runs (it may use the reactor, and even
//! replace itself), so the slot also carries a generation, bumped by every `set`, `clear` and
//! `take`. After the handler returns it goes back into the slot only if the generation did
//! not move: a replacement or a clear made from inside the handler takes effect, and a
//! handler that nobody touched stays installed, whether it returned or panicked (Revolt's
//! and Amp v2's rule: the handler stays set until replaced or cleared).

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::panic_message;
use crate::{Error, Handle, Result};

/// An error handler, as [`Handle::set_error_handler`] installs it and
/// [`Handle::take_error_handler`] gives it back.
pub type ErrorHandler = Box<dyn FnMut(Error)>;

/// The handler and the generation that tells whether it was replaced while it ran.
#[derive(Default)]
pub(crate) struct HandlerSlot {
    /// `None` when no handler is set, and also while the handler runs (it is out on the
    /// stack of `report`).
    handler: Option<ErrorHandler>,
    /// Bumped by every change the user makes; `report` compares it before and after.
    generation: u64,
}

impl fmt::Debug for HandlerSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerSlot").field("set", &self.handler.is_some()).finish_non_exhaustive()
    }
}

impl Handle {
    /// Routes callback panics (and failed forks) to `handler` instead of returning them from
    /// `run`, `tick` and `block_on`; the loop goes on after each. Replaces the handler set
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
        drop(self.replace_error_handler(Some(Box::new(handler))));
    }

    /// Removes the error handler: errors come out of `run` again.
    pub fn clear_error_handler(&self) {
        drop(self.replace_error_handler(None));
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
        self.replace_error_handler(None)
    }

    /// Puts `new` in the slot, marks the change, returns what was there.
    fn replace_error_handler(&self, new: Option<ErrorHandler>) -> Option<ErrorHandler> {
        let mut slot = self.inner.error_handler.borrow_mut();
        slot.generation += 1;
        // Returned, not dropped here: the old handler's captures may use the reactor.
        std::mem::replace(&mut slot.handler, new)
    }

    /// Hands an error to the error handler (and goes on), or queues it to come out of
    /// `run`/`tick` (and ends the tick). A panic of the handler ends the tick too, as
    /// [`Error::ErrorHandlerPanicked`].
    pub(crate) fn report(&self, err: Error) -> Result<()> {
        let (handler, generation) = {
            let mut slot = self.inner.error_handler.borrow_mut();
            (slot.handler.take(), slot.generation)
        };
        let Some(mut handler) = handler else { return Err(err) };
        let outcome = catch_unwind(AssertUnwindSafe(|| handler(err)));
        let replaced = {
            let mut slot = self.inner.error_handler.borrow_mut();
            match slot.generation == generation {
                true => slot.handler.replace(handler), // always `None`: nobody touched it
                false => Some(handler),                // replaced, cleared or taken meanwhile
            }
        };
        drop(replaced); // outside the borrow: its captures may use the reactor
        outcome.map_err(|payload| Error::ErrorHandlerPanicked { message: panic_message(&*payload) })
    }
}

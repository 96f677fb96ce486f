//! The error handler: where callback panics and failed forks go instead of out of `run`.
//!
//! The handler is taken out of its slot while it runs (it may use the reactor, and even
//! replace itself), so the slot also carries a generation, bumped by every `set`, `clear` and
//! `take`. After the handler returns it goes back into the slot only if the generation did
//! not move: a replacement or a clear made from inside the handler takes effect, and a
//! handler that nobody touched stays installed, whether it returned or panicked (Revolt's
//! and Amp v2's rule: the handler stays set until replaced or cleared).

use std::cell::RefCell;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::panic_message;
use crate::error::{Error, Result};

/// An error handler, as [`Handle::set_error_handler`](crate::Handle::set_error_handler)
/// installs it and [`Handle::take_error_handler`](crate::Handle::take_error_handler) gives it
/// back.
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

/// Puts `new` in the slot, marks the change, returns what was there.
pub(crate) fn replace(slot: &RefCell<HandlerSlot>, new: Option<ErrorHandler>) -> Option<ErrorHandler> {
    let mut slot = slot.borrow_mut();
    slot.generation += 1;
    // Returned, not dropped here: the old handler's captures may use the reactor.
    std::mem::replace(&mut slot.handler, new)
}

/// Hands an error to the error handler (and goes on), or queues it to come out of
/// `run`/`tick` (and ends the tick). A panic of the handler ends the tick too, as
/// [`Error::ErrorHandlerPanicked`].
pub(crate) fn report(slot_cell: &RefCell<HandlerSlot>, err: Error) -> Result<()> {
    let (handler, generation) = {
        let mut slot = slot_cell.borrow_mut();
        (slot.handler.take(), slot.generation)
    };
    let Some(mut handler) = handler else { return unhandled(err) };
    let outcome = catch_unwind(AssertUnwindSafe(|| handler(err)));
    let replaced = {
        let mut slot = slot_cell.borrow_mut();
        match slot.generation == generation {
            true => slot.handler.replace(handler), // always `None`: nobody touched it
            false => Some(handler),                // replaced, cleared or taken meanwhile
        }
    };
    drop(replaced); // outside the borrow: its captures may use the reactor
    outcome.map_err(|payload| Error::ErrorHandlerPanicked { message: panic_message(&*payload) })
}

/// An error with no handler to take it: out of `run`, except a detached task's panic, which
/// nobody could catch there (nobody asked for the task's outcome): logged, and the reactor
/// goes on.
fn unhandled(err: Error) -> Result<()> {
    match err {
        Error::DetachedTaskPanicked { .. } => {
            log::error!("{err}");
            Ok(())
        }
        err => Err(err),
    }
}

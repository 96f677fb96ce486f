//! Which reactor this thread is driving right now: the re-entrance guard of `run`, `tick` and
//! `block_on`, what `Handle::current` reports first, and the executor's local wake path
//! (entered here, see `executor/local.rs`).

use std::cell::RefCell;

use super::state::Handle;
use crate::error::{Error, Result};
use crate::executor::local::{enter_local, LocalGuard};

thread_local! {
    /// The reactor being driven on this thread, innermost first; `None` between ticks.
    static DRIVING: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// Marks a reactor as driven by this thread for as long as it lives: the re-entrance guard
/// (one `run`/`tick`/`block_on` per reactor at a time), what [`driving_handle`] reports, and
/// the executor entered for local wakes.
#[derive(Debug)]
pub(crate) struct DrivingGuard {
    handle: Handle,
    previous: Option<Handle>,
    /// Dropped after `drop` below restores `DRIVING` (fields drop after the `Drop` body).
    _local: LocalGuard,
}

impl DrivingGuard {
    pub(crate) fn enter(handle: &Handle) -> Result<DrivingGuard> {
        if handle.inner.driving.replace(true) {
            return Err(Error::Reentrant);
        }
        let previous = DRIVING.try_with(|d| d.replace(Some(handle.clone()))).ok().flatten();
        let _local = enter_local(&handle.inner.executor);
        Ok(DrivingGuard { handle: handle.clone(), previous, _local })
    }
}

impl Drop for DrivingGuard {
    fn drop(&mut self) {
        self.handle.inner.driving.set(false);
        let previous = self.previous.take();
        let _ = DRIVING.try_with(|d| d.replace(previous));
    }
}

/// The reactor this thread is driving right now, if any.
pub(crate) fn driving_handle() -> Option<Handle> {
    DRIVING.try_with(|d| d.borrow().clone()).ok().flatten()
}

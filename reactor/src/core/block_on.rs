//! The `block_on` loop (MadelineProto's `loop($promise)`): ticks until one future is done, or
//! until nothing could ever complete it.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::driving::DrivingGuard;
use super::state::Handle;
use super::tick;
use crate::error::{Error, Result};

/// `Handle::block_on`: drives the reactor until `future` completes.
pub(crate) fn block_on<F: Future>(h: &Handle, future: F) -> Result<F::Output> {
    let _driving = DrivingGuard::enter(h)?;
    let main = h.inner.executor.main_waker();
    let waker = Waker::from(std::sync::Arc::clone(&main));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Some(e) = h.inner.state.borrow_mut().errors.pop_front() {
            return Err(e);
        }
        if main.take_woken() {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return Ok(out);
            }
        }
        // A future that woke itself (a yield) is polled again after one full tick, not
        // before: tasks and watchers get their turn, and the tick does not block.
        let again = main.is_woken();
        if !again && !can_progress(h) {
            return Err(Error::WouldNeverComplete);
        }
        tick::turn_with(h, again, true)?;
    }
}

/// Whether anything could still happen without outside help: a referenced watcher, a task
/// that may be woken, or a task waiting on an async source.
fn can_progress(h: &Handle) -> bool {
    h.inner.state.borrow().alive_watchers() > 0
        || h.inner.executor.may_be_woken()
        || h.inner.sources.borrow().waiting() > 0
}

//! Calling a watcher's callback: the due check, taking the callback out of its slot so it may
//! use the reactor, catching its panic, and routing errors to the handler or to `run`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::callback::Arg;
use super::error_handler;
use super::state::{Handle, OnceFn};
use crate::defer_queue::Defer;
use crate::error::{panic_message, Error, Result};
use crate::id::{WatcherId, WatcherKind};
use crate::watcher::table::Data;

/// Runs watcher `id`'s callback if it is due: live, enabled, and enabled before this tick.
/// Returns whether it ran; `Err` when it panicked and the panic is to end the tick.
pub(crate) fn dispatch(h: &Handle, id: WatcherId, arg: Arg) -> Result<bool> {
    let (mut callback, once, kind, created_at) = {
        let mut st = h.inner.state.borrow_mut();
        let tick = st.tick;
        let Some(w) = st.watchers.get_mut(id) else { return Ok(false) };
        if !w.is_enabled() || w.enabled_tick() >= tick {
            return Ok(false);
        }
        let (kind, created_at) = (w.kind(), w.created_at);
        if matches!(w.data, Data::Delay { .. }) {
            // One-shot watchers free themselves before running: inside the callback the
            // id is already dead, so cancelling it is a no-op.
            let w = st.watchers.remove(id).expect("live");
            match w.callback {
                Some(cb) => (cb, true, kind, created_at),
                None => return Ok(false),
            }
        } else {
            match w.callback.take() {
                Some(cb) => (cb, false, kind, created_at),
                None => return Ok(false), // already running further up the stack
            }
        }
    };
    let result = catch_unwind(AssertUnwindSafe(|| callback.call(h, id, arg)));
    // A persistent watcher gets its callback back, unless the callback cancelled it.
    let leftover = match once {
        true => Some(callback),
        false => match h.inner.state.borrow_mut().watchers.get_mut(id) {
            Some(w) => {
                w.callback = Some(callback);
                None
            }
            None => Some(callback),
        },
    };
    drop(leftover); // outside any borrow: captures may use the reactor
    match result {
        Ok(()) => Ok(true),
        Err(payload) => {
            let message = panic_message(&*payload);
            let err = Error::CallbackPanicked { watcher: id, kind, created_at, message };
            error_handler::report(&h.inner.error_handler, err).map(|()| true)
        }
    }
}

/// Runs a defer popped from the defer queue (it is already gone from there, so inside
/// its callback its id is dead, like a delay's). The short path of `dispatch`: no table
/// lookup, no flags, the callback called by value.
pub(crate) fn dispatch_defer(h: &Handle, id: WatcherId, defer: Defer<OnceFn>) -> Result<()> {
    let Defer { callback, created_at, .. } = defer;
    match catch_unwind(AssertUnwindSafe(|| callback(h, id))) {
        Ok(()) => Ok(()),
        Err(payload) => {
            let message = panic_message(&*payload);
            error_handler::report(
                &h.inner.error_handler,
                Error::CallbackPanicked { watcher: id, kind: WatcherKind::Defer, created_at, message },
            )
        }
    }
}

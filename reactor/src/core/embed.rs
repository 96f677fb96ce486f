//! Driving ampere from another event loop (libuv's `uv_backend_fd`, `uv_backend_timeout` and
//! `UV_RUN_NOWAIT`): the poller's fd to wait on, how long to wait at most, and a tick that
//! never blocks.
//!
//! The host loop waits on `Reactor`'s fd (the epoll instance: it becomes readable when
//! epoll has an event for ampere) with the timeout `Handle::next_timeout` gives, then calls
//! `Handle::tick_nowait`. Work that needs no event (a queued defer, a task woken on this
//! thread, a timer already due) has no fd to make readable: `next_timeout` reports it as a
//! zero timeout instead.

use std::time::Duration;

use super::poll;
use super::state::Handle;
use crate::error::Result;

/// `Handle::next_timeout`: how long an embedding loop may wait on the reactor's fd.
pub(crate) fn next_timeout(h: &Handle) -> Result<Option<Duration>> {
    // The poll's own computation, side effects included: they are what the embedding
    // loop needs (the timerfd armed for the earliest deadline, the idle audit scheduled).
    let timeout = poll::poll_timeout(h)?;
    let st = h.inner.state.borrow();
    if timeout == Some(Duration::ZERO) {
        if !poll::has_queued_work(h, &st) && !poll::could_become_due(h, &st) {
            return Ok(None); // the tick would return at once, but has nothing to do
        }
        return Ok(timeout);
    }
    if st.maybe_ready {
        return Ok(Some(Duration::ZERO));
    }
    if timeout.is_some() {
        return Ok(timeout); // no timerfd: the wait up to the earliest deadline
    }
    // With the timerfd the poll needs no timeout; the embedder is told the timer's all
    // the same. `poll_timeout` settled the heap's top, so this one is exact.
    let Some(top) = st.timers.peek() else { return Ok(None) };
    Ok(Some(Duration::from_nanos(top.deadline.saturating_sub(st.clock_ns()))))
}

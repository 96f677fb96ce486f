//! [`next_tick`]: give the reactor one full turn, so a loop that runs again at once (a
//! generic loop's `Continue`, a periodic loop with a zero interval) never starves anything.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use ampere_reactor::{Handle, WatcherId};

/// Completes on the next tick, after that tick's I/O, signals and timers.
///
/// Waking itself would not do: a self-woken task is polled again in the same task phase, so
/// timers and I/O would wait for the phase's budget to run out. A defer runs in the next
/// tick's defer phase, and wakes the task for that tick's task phase.
pub(crate) fn next_tick() -> NextTick {
    NextTick { deferred: None }
}

#[must_use = "futures do nothing unless you .await or poll them"]
#[derive(Debug)]
pub(crate) struct NextTick {
    /// The defer, and whether it has run. A poll before then (a spurious wake, say a signal
    /// arriving while this is the inner future of a `wait_signal`) stays pending.
    deferred: Option<(Handle, WatcherId, Rc<Cell<bool>>)>,
}

impl Future for NextTick {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.deferred {
            Some((_, _, ran)) => {
                if ran.get() {
                    self.deferred = None;
                    return Poll::Ready(());
                }
            }
            None => {
                let handle = Handle::current().expect("a loop body polled after its thread's reactor was destroyed");
                let ran = Rc::new(Cell::new(false));
                let (flag, waker) = (Rc::clone(&ran), cx.waker().clone());
                let id = handle.defer(move |_, _| {
                    flag.set(true);
                    waker.wake();
                });
                self.deferred = Some((handle, id, ran));
            }
        }
        Poll::Pending
    }
}

impl Drop for NextTick {
    fn drop(&mut self) {
        // A defer that has run is already gone; cancelling its id then is a no-op.
        if let Some((handle, id, _)) = self.deferred.take() {
            handle.cancel(id);
        }
    }
}

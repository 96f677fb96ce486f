//! Work for tasks and callbacks: a self-waking future, a cross-thread waker, a busy loop.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// A future that wakes itself and returns `Pending` once, then completes: one trip through
/// an executor's run queue, the same for every executor measured.
#[derive(Debug, Default)]
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct YieldNow {
    yielded: bool,
}

impl YieldNow {
    /// A fresh yield.
    pub fn new() -> YieldNow {
        YieldNow { yielded: false }
    }
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Keeps the CPU busy for `d` (a callback that does work, for the drift bench).
pub fn spin_for(d: Duration) {
    let until = Instant::now() + d;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// What the helper thread of a [`RemoteWaker`] shares with the tasks it wakes.
#[derive(Debug, Default)]
struct Flag {
    /// Set by the helper thread just before it wakes the waiting task.
    woken: AtomicBool,
}

/// A helper thread that wakes the wakers sent to it: the far side of a cross-thread wake.
///
/// Each [`RemoteWaker::round_trip`] sends the task's waker to the thread (waking it from a
/// blocking `recv`), and the thread wakes the task back. One round trip is one cross-thread
/// wake of the executor under test, plus a channel hand-off that is the same for every
/// executor. Clones share the thread, which exits when the last clone is dropped. One round
/// trip may be in flight at a time (they share one flag).
#[derive(Debug, Clone)]
pub struct RemoteWaker {
    tx: SyncSender<(Waker, Arc<Flag>)>,
    flag: Arc<Flag>,
}

impl RemoteWaker {
    /// Starts the helper thread.
    pub fn start() -> RemoteWaker {
        let (tx, rx) = sync_channel::<(Waker, Arc<Flag>)>(1);
        std::thread::Builder::new()
            .name("remote-waker".into())
            .spawn(move || {
                for (waker, flag) in rx {
                    flag.woken.store(true, Ordering::Release);
                    waker.wake();
                }
            })
            .expect("spawn the remote-waker thread");
        RemoteWaker { tx, flag: Arc::new(Flag::default()) }
    }

    /// A future that completes once the helper thread has woken it.
    pub fn round_trip(&self) -> RoundTrip {
        RoundTrip { remote: self.clone(), sent: false }
    }
}

/// The future of [`RemoteWaker::round_trip`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct RoundTrip {
    remote: RemoteWaker,
    sent: bool,
}

impl Future for RoundTrip {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.sent {
            self.sent = true;
            self.remote.flag.woken.store(false, Ordering::Relaxed);
            let msg = (cx.waker().clone(), Arc::clone(&self.remote.flag));
            self.remote.tx.send(msg).expect("the remote-waker thread is gone");
            return Poll::Pending;
        }
        // A spurious poll before the remote wake finds the flag still clear.
        if self.remote.flag.woken.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

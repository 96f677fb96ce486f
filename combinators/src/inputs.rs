//! [`Inputs`]: the futures a combinator races, polled fairly and only when woken.
//!
//! Every combinator in this crate is the same loop with a different rule for when to stop:
//! poll the woken inputs, hand each finished output to the rule, and resolve when the rule
//! says so. This file is that loop; the rules live in `all.rs`, `any.rs`, `some.rs` and
//! `first.rs`.
//!
//! # Fairness
//!
//! One call to [`Inputs::poll_woken`] polls each input that was woken *before the call* at
//! most once, in wake order. An input that wakes itself while being polled (a busy future,
//! or one that is always ready to make progress) is queued for the *next* call, and its wake
//! wakes the parent task, so the combinator yields to the executor instead of spinning, and
//! every other woken input gets its turn first.
//!
//! # Algorithmic complexity
//!
//! Construction: O(n), no allocation per input. A poll: O(woken inputs), with no allocation
//! once the queue's two buffers have grown, except, once per input, the box that pins it
//! (on its first poll) and a waker if it keeps one (inputs that keep none share a recycled
//! one). Resolving: O(n) once, to drop the losers and build the output.
//!
//! # Implementation notes
//!
//! Inputs are boxed lazily, on their first poll (see [`Slot`]): a `first` whose first input
//! wins never boxes the other 9 999, and each box is made just before it is used. The price
//! is memory: a slot keeps room for its future inline, so an input that has been polled
//! occupies its size twice (inline and boxed) until it finishes. For large futures, pass
//! them boxed.

use std::future::{Future, IntoFuture};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::ready::{InputWaker, ReadyQueue};

/// The inputs of one combinator, by position.
pub(crate) struct Inputs<F> {
    /// Input `i`'s future (see [`Slot`]).
    futures: Vec<Slot<F>>,
    /// The waker input `i` holds: made (or recycled) for its first poll and reused for every
    /// later one while the input keeps a clone of it. `None` before its first poll, once it
    /// has finished, and whenever it kept no clone (see `spare`).
    wakers: Vec<Option<Arc<InputWaker>>>,
    /// A waker that no input holds, for the next input that needs one. An input that
    /// finishes on its first poll, or that keeps no clone of its waker, gives its waker back:
    /// over 10k inputs that are ready at once, one waker serves them all.
    spare: Option<Arc<InputWaker>>,
    queue: Arc<ReadyQueue>,
    /// The inputs being polled by the current `poll_woken`; empty between calls, even after
    /// a panic (see [`Unpolled`]). Swapped with the queue's buffer (see
    /// [`ReadyQueue::drain_into`]).
    batch: Vec<usize>,
    /// How many inputs there were (`futures` is emptied when the combinator resolves).
    len: usize,
    /// How many `futures` are not [`Slot::Gone`].
    running: usize,
}

/// One input's future.
enum Slot<F> {
    /// Not polled yet, so not pinned yet: it may still move. It is boxed on its first poll,
    /// and an input that is never polled (a loser of a `first` that resolved on its first
    /// poll) is never boxed.
    Fresh(F),
    /// Polled at least once: boxed, to stay where it was pinned (no unsafe pinning).
    Pinned(Pin<Box<F>>),
    /// Finished (dropped right then), or dropped when the combinator resolved.
    Gone,
}

impl<F> Slot<F> {
    /// The future, pinned, boxing it first if this is its first poll. `None` if gone.
    fn pin(&mut self) -> Option<Pin<&mut F>> {
        if let Slot::Fresh(_) = self {
            let Slot::Fresh(future) = std::mem::replace(self, Slot::Gone) else { unreachable!() };
            *self = Slot::Pinned(Box::pin(future));
        }
        match self {
            Slot::Pinned(future) => Some(future.as_mut()),
            _ => None,
        }
    }
}

/// Splits `(key, future)` pairs into the keys and the inputs, both in input order.
pub(crate) fn collect<K, I, IF>(pairs: I) -> (Vec<K>, Inputs<IF::IntoFuture>)
where
    I: IntoIterator<Item = (K, IF)>,
    IF: IntoFuture,
{
    let pairs = pairs.into_iter();
    let (hint, _) = pairs.size_hint();
    let mut keys = Vec::with_capacity(hint);
    let mut futures = Vec::with_capacity(hint);
    for (key, future) in pairs {
        keys.push(key);
        futures.push(Slot::Fresh(future.into_future()));
    }
    let len = futures.len();
    let inputs = Inputs {
        futures,
        wakers: (0..len).map(|_| None).collect(),
        queue: ReadyQueue::new(len),
        spare: None,
        batch: Vec::new(),
        len,
        running: len,
    };
    (keys, inputs)
}

impl<F: Future> Inputs<F> {
    /// How many inputs there were.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// How many inputs have neither finished nor been dropped.
    pub(crate) fn running(&self) -> usize {
        self.running
    }

    /// Polls each input woken since the last call once, in wake order, and passes the
    /// output of each one that finishes to `settle`, together with its position. Stops at
    /// the first `Break` from `settle` and returns it; the inputs not yet polled stay
    /// pending, and the caller is expected to [`drop_all`](Inputs::drop_all) them.
    ///
    /// `cx`'s waker is woken when an input is woken after this call.
    ///
    /// # Panics
    ///
    /// An input's panic passes through. The inputs of this call not yet polled are queued
    /// again and `cx`'s waker is woken, so a caller that catches the panic and polls again
    /// loses none of their wakes; the input that panicked stays, and is polled again if
    /// woken again (what it does then is its own business).
    pub(crate) fn poll_woken<B>(
        &mut self,
        cx: &mut Context<'_>,
        mut settle: impl FnMut(usize, F::Output) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        let Inputs { futures, wakers, spare, queue, batch, running, .. } = self;
        let queue: &Arc<ReadyQueue> = queue;
        queue.drain_into(cx.waker(), batch);
        // Owns the batch for the loop: if an input's poll panics, its drop hands the inputs
        // not yet polled back to the queue (see `Unpolled`).
        let mut batch = Unpolled { batch, next: 0, queue };
        let mut flow = ControlFlow::Continue(());
        while let Some(&i) = batch.batch.get(batch.next) {
            batch.next += 1;
            // `None`: the input finished after it was queued (a stale wake). Skip it.
            let Some(future) = futures[i].pin() else { continue };
            queue.unmark(i);
            let arc = match &mut wakers[i] {
                Some(arc) => arc,
                slot @ None => slot.insert(fresh_waker(spare, queue, i)),
            };
            // A `Waker` handle per poll costs a reference count, not an allocation, and
            // `will_wake` sees the same waker every time (same `Arc`).
            let waker = Waker::from(Arc::clone(arc));
            let poll = future.poll(&mut Context::from_waker(&waker));
            drop(waker);
            let finished = poll.is_ready();
            release(&mut wakers[i], spare, finished);
            if let Poll::Ready(output) = poll {
                // Drop the finished future before `settle` sees its output: whatever it
                // holds (a timer, a socket) is released now, not when the combinator is.
                futures[i] = Slot::Gone;
                *running -= 1;
                if let ControlFlow::Break(b) = settle(i, output) {
                    flow = ControlFlow::Break(b);
                    // The rest of the batch is abandoned, not requeued: the caller resolves
                    // and drops every input, and a wake of the parent would be for nothing.
                    batch.next = batch.batch.len();
                    break;
                }
            }
        }
        flow
    }

    /// Drops every input still running, in input order, and stops listening for wakes.
    /// Called the moment a combinator resolves: losers are cancelled eagerly, not when the
    /// combinator itself is dropped.
    pub(crate) fn drop_all(&mut self) {
        self.queue.close();
        self.running = 0;
        // Replace rather than clear: the buffers are not needed again.
        drop(std::mem::take(&mut self.futures));
        drop(std::mem::take(&mut self.wakers));
        self.spare = None;
    }
}

/// The batch being polled by [`Inputs::poll_woken`], and how far the poll got.
///
/// Dropping it empties the batch (it must be empty between calls). If it is dropped early,
/// which happens only when an input's poll panics (a `Break` marks the rest as done), the
/// inputs from `next` on were drained from the queue but never polled: they go back to the
/// queue, so that a caller who catches the panic and polls again still polls them.
struct Unpolled<'a> {
    batch: &'a mut Vec<usize>,
    /// The position in `batch` of the next input to poll; every input before it was polled
    /// (or skipped as stale).
    next: usize,
    queue: &'a ReadyQueue,
}

impl Drop for Unpolled<'_> {
    fn drop(&mut self) {
        if let Some(unpolled) = self.batch.get(self.next..) {
            self.queue.requeue_front(unpolled);
        }
        self.batch.clear();
    }
}

/// A waker for input `i`: the spare if there is one, else a new one.
fn fresh_waker(spare: &mut Option<Arc<InputWaker>>, queue: &Arc<ReadyQueue>, i: usize) -> Arc<InputWaker> {
    if let Some(mut w) = spare.take() {
        // Always succeeds: `release` keeps only unshared wakers, and nothing has cloned one
        // since. Checked all the same, since a shared waker must keep its index.
        if InputWaker::retarget(&mut w, i) {
            return w;
        }
    }
    InputWaker::new(i, queue)
}

/// After input `i`'s poll: keeps its waker in `slot` only while it may still be needed,
/// and recycles it into `spare` if nobody else holds it.
///
/// A waker the input kept no clone of can never be woken again: any wake during the poll has
/// already queued `i`, and the next poll of `i` gets a waker afresh. So it is free for reuse,
/// even if the input is still pending.
fn release(slot: &mut Option<Arc<InputWaker>>, spare: &mut Option<Arc<InputWaker>>, finished: bool) {
    let Some(mut waker) = slot.take() else { return };
    if Arc::get_mut(&mut waker).is_some() {
        *spare = Some(waker);
    } else if !finished {
        *slot = Some(waker); // the input holds a clone: it may wake through it later
    }
}

impl<F> Drop for Inputs<F> {
    /// A combinator dropped before it resolved drops its inputs with it (the fields' own
    /// drop); closing the queue keeps a waker that outlives them from waking a task that no
    /// longer waits for anything.
    fn drop(&mut self) {
        self.queue.close();
    }
}

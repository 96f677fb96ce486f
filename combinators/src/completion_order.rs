//! [`in_completion_order`] and [`in_completion_order_keyed`]: each input's output as it
//! finishes, as a [`Stream`] (Amp's `Future::iterate`).

use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future, IntoFuture};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::{FusedStream, Stream};

use crate::inputs::{self, Inputs};

/// Runs the inputs concurrently and yields each one's output, with its position, in the
/// order they finish.
///
/// Inputs may have any output (not only `Result`): nothing is judged, every output is
/// handed over. Take the items with the inherent [`next`](InCompletionOrderKeyed::next)
/// (no trait needed) or through [`Stream`]. The stream ends once every input has finished;
/// with no inputs, at once. Dropping it drops the inputs still running.
///
/// Of several inputs that finish in the same poll, the one woken first comes first. Each
/// input is polled only when it was woken, and dropped as soon as it finishes.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ampere_combinators::in_completion_order;
///
/// async fn job(ms: u64) -> u64 {
///     ampere_reactor::sleep(Duration::from_millis(ms)).await;
///     ms
/// }
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let order = reactor.block_on(async {
///     let mut done = in_completion_order([30, 1, 15].map(job));
///     let mut order = Vec::new();
///     while let Some((position, ms)) = done.next().await {
///         order.push((position, ms));
///     }
///     order
/// })?;
/// assert_eq!(order, [(1, 1), (2, 15), (0, 30)]);
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub fn in_completion_order<I>(inputs: I) -> InCompletionOrder<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture,
{
    in_completion_order_keyed(inputs.into_iter().enumerate())
}

/// [`in_completion_order`] over `(key, input)` pairs: each output comes with its input's key.
///
/// # Examples
///
/// ```
/// use std::future::ready;
/// use ampere_combinators::in_completion_order_keyed;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let first = reactor.block_on(async {
///     let mut done = in_completion_order_keyed([("a.txt", ready(3)), ("b.txt", ready(5))]);
///     done.next().await
/// })?;
/// assert_eq!(first, Some(("a.txt", 3)));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub fn in_completion_order_keyed<K, I, IF>(inputs: I) -> InCompletionOrderKeyed<K, IF::IntoFuture>
where
    I: IntoIterator<Item = (K, IF)>,
    IF: IntoFuture,
{
    let (keys, inputs) = inputs::collect(inputs);
    let keys = keys.into_iter().map(Some).collect();
    InCompletionOrderKeyed { inputs, keys, finished: VecDeque::new() }
}

/// The stream of [`in_completion_order`]: [`InCompletionOrderKeyed`] keyed by input
/// position.
pub type InCompletionOrder<F> = InCompletionOrderKeyed<usize, F>;

/// The stream of [`in_completion_order_keyed`] (and of [`in_completion_order`], with
/// positions as keys): `(key, output)` of each input, in completion order.
///
/// Once it has ended it keeps returning `None` ([`FusedStream`]).
#[must_use = "streams do nothing unless polled"]
pub struct InCompletionOrderKeyed<K, F: Future> {
    inputs: Inputs<F>,
    /// Input `i`'s key, taken when its output is handed over.
    keys: Vec<Option<K>>,
    /// Outputs that finished in one poll but were not handed over yet: a poll of the inputs
    /// can finish several, and a stream yields one item at a time. In completion order; at
    /// most one entry per input.
    finished: VecDeque<(usize, F::Output)>,
}

// Nothing is pinned in place here: an input is moved into a box before its first poll,
// and keys and outputs are plain data.
impl<K, F: Future> Unpin for InCompletionOrderKeyed<K, F> {}

impl<K, F: Future> InCompletionOrderKeyed<K, F> {
    /// The next input to finish: `Some((key, output))`, or `None` once every input has
    /// finished (and from then on).
    ///
    /// The same as [`StreamExt::next`](https://docs.rs/futures/0.3/futures/stream/trait.StreamExt.html#method.next),
    /// without a trait to import. Dropping the returned future loses nothing: an output is
    /// taken out only when it is returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::ready;
    /// use ampere_combinators::in_completion_order;
    ///
    /// let reactor = ampere_reactor::Reactor::new()?;
    /// reactor.block_on(async {
    ///     let mut done = in_completion_order([ready('x')]);
    ///     assert_eq!(done.next().await, Some((0, 'x')));
    ///     assert_eq!(done.next().await, None);
    /// })?;
    /// # Ok::<(), ampere_reactor::Error>(())
    /// ```
    pub async fn next(&mut self) -> Option<(K, F::Output)> {
        poll_fn(|cx| self.poll_next_item(cx)).await
    }

    /// How many outputs are still to come.
    pub fn remaining(&self) -> usize {
        self.finished.len() + self.inputs.running()
    }

    fn poll_next_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<(K, F::Output)>> {
        if self.finished.is_empty() && self.inputs.running() > 0 {
            let finished = &mut self.finished;
            let flow = self.inputs.poll_woken(cx, |i, output| {
                finished.push_back((i, output));
                ControlFlow::<()>::Continue(())
            });
            debug_assert!(flow.is_continue());
        }
        match self.finished.pop_front() {
            Some((i, output)) => {
                let key = self.keys[i].take().expect("an input finishes once");
                Poll::Ready(Some((key, output)))
            }
            None if self.inputs.running() > 0 => Poll::Pending,
            None => {
                // Every input finished: stop listening for stale wakes (idempotent).
                self.inputs.drop_all();
                Poll::Ready(None)
            }
        }
    }
}

impl<K, F: Future> Stream for InCompletionOrderKeyed<K, F> {
    type Item = (K, F::Output);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_item(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining(), Some(self.remaining()))
    }
}

impl<K, F: Future> FusedStream for InCompletionOrderKeyed<K, F> {
    fn is_terminated(&self) -> bool {
        self.remaining() == 0
    }
}

impl<K, F: Future> fmt::Debug for InCompletionOrderKeyed<K, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InCompletionOrderKeyed")
            .field("len", &self.inputs.len())
            .field("remaining", &self.remaining())
            .finish_non_exhaustive()
    }
}

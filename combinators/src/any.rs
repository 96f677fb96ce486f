//! [`any`] and [`any_keyed`]: wait for every input to settle, never fail (Amp's
//! `Promise\any`).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::inputs::{self, Inputs};
use crate::outcomes::Outcomes;

/// Waits for every input to settle, and returns `(errors, values)`, each paired with its
/// input's position and in input order. Never fails.
///
/// The inputs run concurrently, each polled only when it was woken, and each is dropped as
/// soon as it settles.
///
/// No inputs: resolves to `(vec![], vec![])` on the first poll.
///
/// # Examples
///
/// ```
/// use std::future::ready;
/// use ampere_combinators::any;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let (errors, values) = reactor.block_on(any([ready(Ok(1)), ready(Err("no")), ready(Ok(3))]))?;
/// assert_eq!(errors, [(1, "no")]);
/// assert_eq!(values, [(0, 1), (2, 3)]);
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub fn any<I, T, E>(inputs: I) -> Any<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture<Output = Result<T, E>>,
{
    any_keyed(inputs.into_iter().enumerate())
}

/// [`any`] over `(key, input)` pairs: errors and values come back with their keys, in
/// input order.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use std::future::ready;
/// use ampere_combinators::any_keyed;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let (errors, values) =
///     reactor.block_on(any_keyed([("eu", ready(Ok(20))), ("us", ready(Err("down"))), ("ap", ready(Ok(90)))]))?;
/// let latency: HashMap<_, _> = values.into_iter().collect();
/// assert_eq!(latency["ap"], 90);
/// assert_eq!(errors, [("us", "down")]);
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub fn any_keyed<K, I, IF, T, E>(inputs: I) -> AnyKeyed<K, IF::IntoFuture>
where
    I: IntoIterator<Item = (K, IF)>,
    IF: IntoFuture<Output = Result<T, E>>,
{
    let (keys, inputs) = inputs::collect(inputs);
    AnyKeyed { inputs, outcomes: Some(Outcomes::new(keys)) }
}

/// What [`any`] and [`some`](crate::some) resolve with: `(errors, values)`, each paired with
/// its key (the input's position, or the key given to a `_keyed` variant), in input order.
/// Amp's `[$errors, $values]`.
pub type Settled<T, E, K = usize> = (Vec<(K, E)>, Vec<(K, T)>);

/// The future of [`any`]: [`AnyKeyed`] keyed by input position.
pub type Any<F> = AnyKeyed<usize, F>;

/// The future of [`any_keyed`] (and of [`any`], with positions as keys): `(errors, values)`
/// with their keys, in input order.
///
/// # Panics
///
/// Polling it again after it resolved panics.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct AnyKeyed<K, F: Future> {
    inputs: Inputs<F>,
    /// The keys and every result so far. `None` once resolved.
    outcomes: Option<Outcomes<K, F::Output>>,
}

// Nothing is pinned in place here: an input is moved into a box before its first poll,
// and keys and results are plain data.
impl<K, F: Future> Unpin for AnyKeyed<K, F> {}

impl<K, F, T, E> Future for AnyKeyed<K, F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Settled<T, E, K>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let outcomes = this.outcomes.as_mut().expect("`any` polled after it resolved");
        let flow = this.inputs.poll_woken(cx, |i, result| {
            outcomes.record(i, result);
            ControlFlow::<()>::Continue(())
        });
        debug_assert!(flow.is_continue());
        if this.inputs.running() > 0 {
            return Poll::Pending;
        }
        this.inputs.drop_all();
        Poll::Ready(this.outcomes.take().expect("checked above").into_split())
    }
}

impl<K, F: Future> fmt::Debug for AnyKeyed<K, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnyKeyed")
            .field("len", &self.inputs.len())
            .field("running", &self.inputs.running())
            .finish_non_exhaustive()
    }
}

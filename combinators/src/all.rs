//! [`all`] and [`all_keyed`]: every input must succeed (Amp's `Promise\all`).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::inputs::{self, Inputs};
use crate::outcomes::Outcomes;

/// Waits for every input to succeed, and returns their values in input order.
///
/// Inputs are `Result` futures: anything that implements [`IntoFuture`] (an `async` block, an
/// [`ampere_reactor::JoinHandle`], whose output is `Result<T, JoinError>`, a boxed future,
/// ...). They run concurrently, each polled only when it was woken. Each finished input is
/// dropped at once.
///
/// # Errors
///
/// The first input to fail (in completion order; of several failing in the same poll, the
/// one woken first) makes `all` fail with its error at once. The inputs still running are
/// dropped right then, and the values so far with them.
///
/// No inputs: resolves to an empty `Vec` on the first poll.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ampere_combinators::all;
///
/// async fn fetch(ms: u64) -> Result<u64, String> {
///     ampere_reactor::sleep(Duration::from_millis(ms)).await;
///     Ok(ms)
/// }
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// // The inputs finish in the order 1, 3, 2; the values come back in input order.
/// let values = reactor.block_on(all([3, 1, 2].map(fetch)))?;
/// assert_eq!(values, Ok(vec![3, 1, 2]));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub fn all<I, T, E>(inputs: I) -> All<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture<Output = Result<T, E>>,
{
    All { inner: all_keyed(inputs.into_iter().enumerate()) }
}

/// [`all`] over `(key, input)` pairs: the values come back with their keys, in input order,
/// and a failure comes back with its key.
///
/// The output is a `Vec` of pairs; `collect` it into a `BTreeMap` or a `HashMap` for lookup
/// by key (Amp keeps array keys in the same way).
///
/// # Errors
///
/// `(key, error)` of the first input to fail, as for [`all`].
///
/// # Examples
///
/// ```
/// use std::collections::BTreeMap;
/// use std::future::ready;
/// use ampere_combinators::all_keyed;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let sizes = reactor.block_on(all_keyed([("a.txt", ready(Ok::<_, ()>(3))), ("b.txt", ready(Ok(5)))]))?;
/// let sizes: BTreeMap<_, _> = sizes.unwrap().into_iter().collect();
/// assert_eq!(sizes["b.txt"], 5);
///
/// let failed = reactor.block_on(all_keyed([("a", ready(Ok(1))), ("b", ready(Err("gone")))]))?;
/// assert_eq!(failed, Err(("b", "gone")));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub fn all_keyed<K, I, IF, T, E>(inputs: I) -> AllKeyed<K, IF::IntoFuture>
where
    I: IntoIterator<Item = (K, IF)>,
    IF: IntoFuture<Output = Result<T, E>>,
{
    let (keys, inputs) = inputs::collect(inputs);
    AllKeyed { inputs, outcomes: Some(Outcomes::new(keys)) }
}

/// The future of [`all`]: `Ok(values)` in input order, or the first error.
///
/// # Panics
///
/// Polling it again after it resolved panics.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct All<F: Future> {
    inner: AllKeyed<usize, F>,
}

impl<F, T, E> Future for All<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<T>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().inner.poll_outcomes(cx).map(|done| match done {
            Ok(outcomes) => Ok(outcomes.into_values().map(|(_, v)| v).collect()),
            Err((_, e)) => Err(e),
        })
    }
}

impl<F: Future> fmt::Debug for All<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.debug("All", f)
    }
}

/// The future of [`all_keyed`]: `Ok((key, value) pairs)` in input order, or the first
/// `(key, error)`.
///
/// # Panics
///
/// Polling it again after it resolved panics.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct AllKeyed<K, F: Future> {
    inputs: Inputs<F>,
    /// The keys and the values so far. `None` once resolved.
    outcomes: Option<Outcomes<K, F::Output>>,
}

// Nothing is pinned in place here: an input is moved into a box before its first poll,
// and keys and values are plain data.
impl<K, F: Future> Unpin for AllKeyed<K, F> {}
impl<F: Future> Unpin for All<F> {}

/// What [`AllKeyed::poll_outcomes`] ends with: every outcome, or the first failure.
type Finished<K, F, E> = Result<Outcomes<K, <F as Future>::Output>, (K, E)>;

impl<K, F, T, E> AllKeyed<K, F>
where
    F: Future<Output = Result<T, E>>,
{
    /// Every outcome once all inputs succeeded, or the first failure with its key.
    fn poll_outcomes(&mut self, cx: &mut Context<'_>) -> Poll<Finished<K, F, E>> {
        let outcomes = self.outcomes.as_mut().expect("`all` polled after it resolved");
        let flow = self.inputs.poll_woken(cx, |i, result| match result {
            Ok(v) => {
                outcomes.record(i, Ok(v));
                ControlFlow::Continue(())
            }
            Err(e) => ControlFlow::Break((i, e)),
        });
        if let ControlFlow::Break((i, e)) = flow {
            self.inputs.drop_all();
            let outcomes = self.outcomes.take().expect("checked above");
            return Poll::Ready(Err((outcomes.into_key(i), e)));
        }
        if self.inputs.running() > 0 {
            return Poll::Pending;
        }
        self.inputs.drop_all();
        Poll::Ready(Ok(self.outcomes.take().expect("checked above")))
    }
}

impl<K, F: Future> AllKeyed<K, F> {
    fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("len", &self.inputs.len())
            .field("running", &self.inputs.running())
            .finish_non_exhaustive()
    }
}

impl<K, F, T, E> Future for AllKeyed<K, F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<(K, T)>, (K, E)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().poll_outcomes(cx).map(|done| done.map(|outcomes| outcomes.into_values().collect()))
    }
}

impl<K, F: Future> fmt::Debug for AllKeyed<K, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.debug("AllKeyed", f)
    }
}

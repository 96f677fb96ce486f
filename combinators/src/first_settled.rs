//! [`first_settled`] and [`first_settled_keyed`]: the first input to finish wins, success or
//! failure (Amp v3's `awaitFirst`), and the others are dropped at once.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::inputs::{self, Inputs};
use crate::FirstSettledError;

/// Races the inputs: the first to finish, whether it succeeded or failed, decides the
/// outcome, and the others are dropped at once.
///
/// Where [`first`](crate::first) waits past failures for a success, `first_settled` takes
/// whatever comes first: "the fastest answer, even if it is an error". The inputs run
/// concurrently, each polled only when it was woken. Of several inputs that finish in the
/// same poll, the one woken first wins (on the first poll: the earliest in input order).
///
/// # Errors
///
/// - [`FirstSettledError::Failed`] if the first input to finish failed: its error, with its
///   position.
/// - [`FirstSettledError::Empty`] on the first poll if there are no inputs (Amp throws a
///   `CompositeLengthException`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ampere_combinators::{first_settled, FirstSettledError};
///
/// async fn probe(ms: u64, up: bool) -> Result<u64, &'static str> {
///     ampere_reactor::sleep(Duration::from_millis(ms)).await;
///     if up { Ok(ms) } else { Err("refused") }
/// }
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// // The fastest answer is a failure: it wins all the same, and the others are dropped.
/// let out = reactor.block_on(first_settled([probe(60_000, true), probe(1, false), probe(50, true)]))?;
/// assert_eq!(out, Err(FirstSettledError::Failed { key: 1, error: "refused" }));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub fn first_settled<I, T, E>(inputs: I) -> FirstSettled<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture<Output = Result<T, E>>,
{
    FirstSettled { inner: first_settled_keyed(inputs.into_iter().enumerate()) }
}

/// [`first_settled`] over `(key, input)` pairs: the winner comes back with its key, whether
/// it succeeded or failed.
///
/// # Errors
///
/// As for [`first_settled`], with the caller's key in [`FirstSettledError::Failed`].
///
/// # Examples
///
/// ```
/// use std::future::{pending, ready, Future};
/// use std::pin::Pin;
/// use ampere_combinators::first_settled_keyed;
///
/// type Lookup = Pin<Box<dyn Future<Output = Result<[u8; 4], &'static str>>>>;
/// let inputs: [(&str, Lookup); 2] = [("dns-a", Box::pin(pending())), ("dns-b", Box::pin(ready(Ok([10, 0, 0, 1]))))];
/// let reactor = ampere_reactor::Reactor::new()?;
/// assert_eq!(reactor.block_on(first_settled_keyed(inputs))?, Ok(("dns-b", [10, 0, 0, 1])));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub fn first_settled_keyed<K, I, IF, T, E>(inputs: I) -> FirstSettledKeyed<K, IF::IntoFuture>
where
    I: IntoIterator<Item = (K, IF)>,
    IF: IntoFuture<Output = Result<T, E>>,
{
    let (keys, inputs) = inputs::collect(inputs);
    FirstSettledKeyed { inputs, keys: Some(keys) }
}

/// The future of [`first_settled`]: the first value, or the first error with its position.
///
/// # Panics
///
/// Polling it again after it resolved panics.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct FirstSettled<F: Future> {
    inner: FirstSettledKeyed<usize, F>,
}

/// The future of [`first_settled_keyed`]: the first value or error, with its key.
///
/// # Panics
///
/// Polling it again after it resolved panics.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct FirstSettledKeyed<K, F: Future> {
    inputs: Inputs<F>,
    /// The inputs' keys, in input order. `None` once resolved.
    keys: Option<Vec<K>>,
}

// Nothing is pinned in place here: an input is moved into a box before its first poll,
// and keys are plain data.
impl<K, F: Future> Unpin for FirstSettledKeyed<K, F> {}
impl<F: Future> Unpin for FirstSettled<F> {}

impl<F, T, E> Future for FirstSettled<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, FirstSettledError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.get_mut().inner).poll(cx).map(|done| done.map(|(_, v)| v))
    }
}

impl<K, F, T, E> Future for FirstSettledKeyed<K, F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<(K, T), FirstSettledError<E, K>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(this.keys.is_some(), "`first_settled` polled after it resolved");
        if this.inputs.len() == 0 {
            this.keys = None;
            return Poll::Ready(Err(FirstSettledError::Empty));
        }
        let ControlFlow::Break((i, result)) = this.inputs.poll_woken(cx, |i, result| ControlFlow::Break((i, result)))
        else {
            return Poll::Pending;
        };
        // The losers go now, before the winner is handed back.
        this.inputs.drop_all();
        // O(1); the order of the other keys no longer matters.
        let key = this.keys.take().expect("checked above").swap_remove(i);
        Poll::Ready(match result {
            Ok(value) => Ok((key, value)),
            Err(error) => Err(FirstSettledError::Failed { key, error }),
        })
    }
}

impl<K, F: Future> FirstSettledKeyed<K, F> {
    fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("len", &self.inputs.len())
            .field("running", &self.inputs.running())
            .finish_non_exhaustive()
    }
}

impl<F: Future> fmt::Debug for FirstSettled<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.debug("FirstSettled", f)
    }
}

impl<K, F: Future> fmt::Debug for FirstSettledKeyed<K, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.debug("FirstSettledKeyed", f)
    }
}

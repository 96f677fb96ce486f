//! [`first`] and [`first_keyed`]: the first success wins (Amp's `Promise\first`), with the
//! losers dropped instead of left running.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::inputs::{self, Inputs};
use crate::outcomes::Outcomes;
use crate::FirstError;

/// Races the inputs: the first to succeed wins, and the others are dropped at once.
///
/// Failures do not end the race; they are kept, in case every input fails. The inputs run
/// concurrently, each polled only when it was woken, so a wake costs the same with ten
/// inputs as with ten thousand. Of several inputs that succeed in the same poll, the one
/// woken first wins (on the first poll: the earliest in input order).
///
/// # Errors
///
/// - [`FirstError::Empty`] on the first poll if there are no inputs (where
///   `futures::future::select_ok` panics).
/// - [`FirstError::AllFailed`] once every input has failed, with all their errors in input
///   order.
///
/// # Examples
///
/// MadelineProto's "the result, or give up after a while", with a sleep as the other input
/// (see also [`timeout`](crate::timeout)):
///
/// ```
/// use std::time::Duration;
/// use ampere_combinators::first;
///
/// async fn answer(ms: u64, text: &'static str) -> Result<&'static str, ()> {
///     ampere_reactor::sleep(Duration::from_millis(ms)).await;
///     Ok(text)
/// }
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let answer = reactor.block_on(first([answer(60_000, "the slow answer"), answer(1, "gave up")]))?;
/// // The loser and its 60 s timer were dropped at once: `block_on` did not wait for them.
/// assert_eq!(answer, Ok("gave up"));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub fn first<I, T, E>(inputs: I) -> First<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture<Output = Result<T, E>>,
{
    First { inner: first_keyed(inputs.into_iter().enumerate()) }
}

/// [`first`] over `(key, input)` pairs: the winner comes back with its key, and the errors
/// (if all fail) with theirs.
///
/// # Errors
///
/// As for [`first`], with the caller's keys in [`FirstError::AllFailed`].
///
/// # Examples
///
/// ```
/// use std::future::ready;
/// use ampere_combinators::first_keyed;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let winner = reactor.block_on(first_keyed([("dns-a", ready(Err("refused"))), ("dns-b", ready(Ok([10, 0, 0, 1])))]))?;
/// assert_eq!(winner, Ok(("dns-b", [10, 0, 0, 1])));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub fn first_keyed<K, I, IF, T, E>(inputs: I) -> FirstKeyed<K, IF::IntoFuture>
where
    I: IntoIterator<Item = (K, IF)>,
    IF: IntoFuture<Output = Result<T, E>>,
{
    let (keys, inputs) = inputs::collect(inputs);
    FirstKeyed { inputs, outcomes: Some(Outcomes::new(keys)) }
}

/// The future of [`first`]: the first value, or every error.
///
/// # Panics
///
/// Polling it again after it resolved panics.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct First<F: Future> {
    inner: FirstKeyed<usize, F>,
}

impl<F, T, E> Future for First<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, FirstError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.get_mut().inner).poll(cx).map(|done| done.map(|(_, v)| v))
    }
}

impl<F: Future> fmt::Debug for First<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.debug("First", f)
    }
}

/// The future of [`first_keyed`]: the first value with its key, or every error with its.
///
/// # Panics
///
/// Polling it again after it resolved panics.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct FirstKeyed<K, F: Future> {
    inputs: Inputs<F>,
    /// The keys and the errors so far. `None` once resolved.
    outcomes: Option<Outcomes<K, F::Output>>,
}

// Nothing is pinned in place here: an input is moved into a box before its first poll,
// and keys and errors are plain data.
impl<K, F: Future> Unpin for FirstKeyed<K, F> {}
impl<F: Future> Unpin for First<F> {}

impl<K, F, T, E> Future for FirstKeyed<K, F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<(K, T), FirstError<E, K>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let outcomes = this.outcomes.as_mut().expect("`first` polled after it resolved");
        if this.inputs.len() == 0 {
            this.outcomes = None;
            return Poll::Ready(Err(FirstError::Empty));
        }
        let flow = this.inputs.poll_woken(cx, |i, result| match result {
            Ok(v) => ControlFlow::Break((i, v)),
            Err(e) => {
                outcomes.record(i, Err(e));
                ControlFlow::Continue(())
            }
        });
        if let ControlFlow::Break((i, v)) = flow {
            // The losers go now, before the winner is handed back.
            this.inputs.drop_all();
            let key = this.outcomes.take().expect("checked above").into_key(i);
            return Poll::Ready(Ok((key, v)));
        }
        if this.inputs.running() > 0 {
            return Poll::Pending;
        }
        this.inputs.drop_all();
        Poll::Ready(Err(FirstError::AllFailed(this.outcomes.take().expect("checked above").into_errors())))
    }
}

impl<K, F: Future> FirstKeyed<K, F> {
    fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("len", &self.inputs.len())
            .field("running", &self.inputs.running())
            .finish_non_exhaustive()
    }
}

impl<K, F: Future> fmt::Debug for FirstKeyed<K, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.debug("FirstKeyed", f)
    }
}

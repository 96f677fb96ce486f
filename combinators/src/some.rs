//! [`some`] and [`some_keyed`]: wait for `required` successes (Amp's `Promise\some`).
//!
//! The type is `SomeOf`, not `Some`, which would shadow `Option::Some` in every file that
//! imports it.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::inputs::{self, Inputs};
use crate::outcomes::Outcomes;
use crate::{Settled, SomeError};

/// Waits until `required` inputs have succeeded, and returns `(errors, values)` so far, each
/// paired with its input's position and in input order.
///
/// It resolves the moment the `required`-th success arrives; the inputs still running are
/// dropped then, unpolled further. Each settled input is dropped at once.
///
/// - `required == 0`: resolves to `(vec![], vec![])` on the first poll, without polling any
///   input.
/// - `required == len`: every input must succeed, like [`all`](crate::all), but the values
///   come keyed.
///
/// # Errors
///
/// - [`SomeError::RequiredTooLarge`] on the first poll if `required` is more than the number
///   of inputs (so: any `required >= 1` with no inputs). No input is polled.
/// - [`SomeError::Failed`] with the errors so far, as soon as success has become impossible:
///   when more than `len - required` inputs have failed. The inputs still running, and the
///   values so far, are dropped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ampere_combinators::some;
///
/// async fn mirror(ms: u64, up: bool) -> Result<u64, &'static str> {
///     ampere_reactor::sleep(Duration::from_millis(ms)).await;
///     if up { Ok(ms) } else { Err("down") }
/// }
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// // Two of four mirrors must answer; the slowest one is dropped unfinished.
/// let out = reactor.block_on(some([mirror(1, false), mirror(3, true), mirror(2, true), mirror(500, true)], 2))?;
/// assert_eq!(out, Ok((vec![(0, "down")], vec![(1, 3), (2, 2)])));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub fn some<I, T, E>(inputs: I, required: usize) -> SomeOf<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture<Output = Result<T, E>>,
{
    some_keyed(inputs.into_iter().enumerate(), required)
}

/// [`some`] over `(key, input)` pairs: errors and values come back with their keys, in
/// input order.
///
/// # Errors
///
/// As for [`some`], with the caller's keys in [`SomeError::Failed`].
///
/// # Examples
///
/// ```
/// use std::future::ready;
/// use ampere_combinators::{some_keyed, SomeError};
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let out = reactor.block_on(some_keyed([("a", ready(Err::<(), _>("x"))), ("b", ready(Err("y")))], 1))?;
/// let Err(SomeError::Failed(errors)) = out else { unreachable!() };
/// assert_eq!(errors.keyed(), [("a", "x"), ("b", "y")]);
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub fn some_keyed<K, I, IF, T, E>(inputs: I, required: usize) -> SomeOfKeyed<K, IF::IntoFuture>
where
    I: IntoIterator<Item = (K, IF)>,
    IF: IntoFuture<Output = Result<T, E>>,
{
    let (keys, inputs) = inputs::collect(inputs);
    SomeOfKeyed { inputs, outcomes: Some(Outcomes::new(keys)), required }
}

/// The future of [`some`]: [`SomeOfKeyed`] keyed by input position.
pub type SomeOf<F> = SomeOfKeyed<usize, F>;

/// The future of [`some_keyed`] (and of [`some`], with positions as keys).
///
/// # Panics
///
/// Polling it again after it resolved panics.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct SomeOfKeyed<K, F: Future> {
    inputs: Inputs<F>,
    /// The keys and every result so far. `None` once resolved.
    outcomes: Option<Outcomes<K, F::Output>>,
    required: usize,
}

// Nothing is pinned in place here: an input is moved into a box before its first poll,
// and keys and results are plain data.
impl<K, F: Future> Unpin for SomeOfKeyed<K, F> {}

/// How a `some` ends.
enum End {
    Succeeded,
    Impossible,
}

impl<K, F, T, E> Future for SomeOfKeyed<K, F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Settled<T, E, K>, SomeError<E, K>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let outcomes = this.outcomes.as_mut().expect("`some` polled after it resolved");
        let (len, required) = (this.inputs.len(), this.required);
        let end = if required > len {
            this.inputs.drop_all();
            this.outcomes = None;
            return Poll::Ready(Err(SomeError::RequiredTooLarge { required, len }));
        } else if required == 0 {
            End::Succeeded
        } else {
            // Success is still possible while at most `len - required` inputs have failed;
            // the failure that makes it `len - required + 1` ends it (`>`, not `>=`).
            let tolerated = len - required;
            let flow = this.inputs.poll_woken(cx, |i, result| {
                outcomes.record(i, result);
                if outcomes.ok() == required {
                    ControlFlow::Break(End::Succeeded)
                } else if outcomes.err() > tolerated {
                    ControlFlow::Break(End::Impossible)
                } else {
                    ControlFlow::Continue(())
                }
            });
            match flow {
                ControlFlow::Break(end) => end,
                // Every input settled would have meant `ok == required` or `err > tolerated`.
                ControlFlow::Continue(()) => {
                    debug_assert!(this.inputs.running() > 0);
                    return Poll::Pending;
                }
            }
        };
        this.inputs.drop_all();
        let outcomes = this.outcomes.take().expect("checked above");
        Poll::Ready(match end {
            End::Succeeded => Ok(outcomes.into_split()),
            End::Impossible => Err(SomeError::Failed(outcomes.into_errors())),
        })
    }
}

impl<K, F: Future> fmt::Debug for SomeOfKeyed<K, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SomeOfKeyed")
            .field("len", &self.inputs.len())
            .field("running", &self.inputs.running())
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

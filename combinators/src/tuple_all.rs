//! [`TupleAll`]: every input of a tuple of `Result` futures, of different value types, must
//! succeed (`futures::try_join!`; [`all`](crate::all) for tuples).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::inputs::{self, Inputs};
use crate::one_of::*;

/// `.all()` on a tuple of 2 to 8 `Result` futures with one error type and any value types:
/// the values as a tuple once every input succeeded, or the first error at once
/// (`futures::try_join!`, tokio's `try_join!`).
///
/// The inputs run concurrently, each polled only when it was woken, and each is dropped as
/// soon as it finishes.
///
/// # Errors
///
/// The first input to fail (in completion order; of several failing in the same poll, the
/// one woken first) makes the future resolve to its error at once, and the inputs still
/// running are dropped right then, as with [`all`](crate::all). Map the inputs' errors to
/// one type first if they differ.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ampere_combinators::TupleAll;
///
/// async fn user(id: u32) -> Result<String, &'static str> {
///     Ok(format!("user {id}"))
/// }
/// async fn quota() -> Result<u64, &'static str> {
///     ampere_reactor::sleep(Duration::from_millis(1)).await;
///     Ok(5)
/// }
/// async fn broken() -> Result<bool, &'static str> {
///     Err("no such table")
/// }
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// assert_eq!(reactor.block_on((user(7), quota()).all())?, Ok((String::from("user 7"), 5)));
/// // The error comes at once: `quota`'s timer is dropped, not waited for.
/// assert_eq!(reactor.block_on((user(7), quota(), broken()).all())?, Err("no such table"));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub trait TupleAll {
    /// The future `all` returns: [`All2`] to [`All8`].
    type Future: Future;

    /// Waits for every input to succeed, or for the first failure.
    fn all(self) -> Self::Future;
}

macro_rules! all {
    ($n:literal, $one_of:ident, $arm:ident, $join:ident, $all:ident, $select:ident; $($T:ident $V:ident $i:tt),+) => {
        #[doc = concat!("The future of [`TupleAll::all`] on a ", stringify!($n), "-tuple: every value, or the first error.")]
        ///
        /// # Panics
        ///
        /// Polling it again after it resolved panics.
        #[must_use = "futures do nothing unless you .await or poll them"]
        pub struct $all<$($T: Future),+> {
            inputs: Inputs<$arm<$($T),+>>,
            /// Input `i`'s output once it succeeded (a failure ends the future instead).
            outputs: ($(Option<<$T as Future>::Output>,)+),
            /// Set once it resolved.
            done: bool,
        }

        // Nothing is pinned in place here: the inputs are boxed, and outputs are plain data.
        impl<$($T: Future),+> Unpin for $all<$($T),+> {}

        impl<Error, $($T, $V),+> TupleAll for ($($T,)+)
        where
            $($T: IntoFuture<Output = Result<$V, Error>>),+
        {
            type Future = $all<$($T::IntoFuture),+>;

            fn all(self) -> Self::Future {
                let (_, inputs) = inputs::collect(arms!(self, $arm; $($T $i),+));
                $all { inputs, outputs: ($(None::<<$T::IntoFuture as Future>::Output>,)+), done: false }
            }
        }

        impl<Error, $($T, $V),+> Future for $all<$($T),+>
        where
            $($T: Future<Output = Result<$V, Error>>),+
        {
            type Output = Result<($($V,)+), Error>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let this = self.get_mut();
                assert!(!this.done, "`all` polled after it resolved");
                let outputs = &mut this.outputs;
                let flow = this.inputs.poll_woken(cx, |_, output| {
                    match output {
                        $(
                            $one_of::$T(Err(e)) => return ControlFlow::Break(e),
                            $one_of::$T(ok) => outputs.$i = Some(ok),
                        )+
                    }
                    ControlFlow::Continue(())
                });
                if let ControlFlow::Break(e) = flow {
                    this.done = true;
                    this.inputs.drop_all();
                    return Poll::Ready(Err(e));
                }
                if this.inputs.running() > 0 {
                    return Poll::Pending;
                }
                this.done = true;
                this.inputs.drop_all();
                Poll::Ready(Ok(($(
                    match this.outputs.$i.take() {
                        Some(Ok(v)) => v,
                        _ => unreachable!("every input finished, and only successes are kept"),
                    },
                )+)))
            }
        }

        impl<$($T: Future),+> fmt::Debug for $all<$($T),+> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($all)).field("running", &self.inputs.running()).finish_non_exhaustive()
            }
        }
    };
}

for_each_tuple!(all);

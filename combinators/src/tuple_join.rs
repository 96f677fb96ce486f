//! [`TupleJoin`]: wait for every input of a tuple, of different types (`futures::join!`).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::inputs::{self, Inputs};
use crate::one_of::*;

/// `.join()` on a tuple of 2 to 8 futures of any types: waits for all of them and returns
/// their outputs as a tuple, in the same order (`futures::join!`, tokio's `join!`).
///
/// Nothing is judged: a `Result` output is handed over as it is (see
/// [`TupleAll`](crate::TupleAll) to stop at the first error). The inputs run concurrently,
/// each polled only when it was woken, and each is dropped as soon as it finishes.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ampere_combinators::TupleJoin;
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let (n, name, ()) = reactor.block_on(
///     (async { 42 }, async { String::from("ampere") }, ampere_reactor::sleep(Duration::from_millis(1))).join(),
/// )?;
/// assert_eq!((n, name.as_str()), (42, "ampere"));
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub trait TupleJoin {
    /// The future `join` returns: [`Join2`] to [`Join8`].
    type Future: Future;

    /// Waits for every input; the outputs come back as a tuple, in input order.
    fn join(self) -> Self::Future;
}

macro_rules! join {
    ($n:literal, $one_of:ident, $arm:ident, $join:ident, $all:ident, $select:ident; $($T:ident $V:ident $i:tt),+) => {
        #[doc = concat!("The future of [`TupleJoin::join`] on a ", stringify!($n), "-tuple: every output, as a tuple.")]
        ///
        /// # Panics
        ///
        /// Polling it again after it resolved panics.
        #[must_use = "futures do nothing unless you .await or poll them"]
        pub struct $join<$($T: Future),+> {
            inputs: Inputs<$arm<$($T),+>>,
            /// Input `i`'s output once it finished.
            outputs: ($(Option<<$T as Future>::Output>,)+),
        }

        // Nothing is pinned in place here: the inputs are boxed, and outputs are plain data.
        impl<$($T: Future),+> Unpin for $join<$($T),+> {}

        impl<$($T: IntoFuture),+> TupleJoin for ($($T,)+) {
            type Future = $join<$($T::IntoFuture),+>;

            fn join(self) -> Self::Future {
                let (_, inputs) = inputs::collect(arms!(self, $arm; $($T $i),+));
                $join { inputs, outputs: ($(None::<<$T::IntoFuture as Future>::Output>,)+) }
            }
        }

        impl<$($T: Future),+> Future for $join<$($T),+> {
            type Output = ($(<$T as Future>::Output,)+);

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let this = self.get_mut();
                let outputs = &mut this.outputs;
                let flow = this.inputs.poll_woken(cx, |_, output| {
                    match output {
                        $($one_of::$T(v) => outputs.$i = Some(v),)+
                    }
                    ControlFlow::<()>::Continue(())
                });
                debug_assert!(flow.is_continue());
                if this.inputs.running() > 0 {
                    return Poll::Pending;
                }
                this.inputs.drop_all();
                Poll::Ready(($(this.outputs.$i.take().expect("`join` polled after it resolved"),)+))
            }
        }

        impl<$($T: Future),+> fmt::Debug for $join<$($T),+> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($join)).field("running", &self.inputs.running()).finish_non_exhaustive()
            }
        }
    };
}

for_each_tuple!(join);

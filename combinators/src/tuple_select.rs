//! [`TupleSelect`]: the first input of a tuple, of different types, to finish wins
//! (tokio's `select!`, `futures::future::select`).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::inputs::{self, Inputs};
use crate::one_of::*;

/// `.select()` on a tuple of 2 to 8 futures of any types: the output of the first to finish,
/// as a [`OneOf2`] to [`OneOf8`] whose variant says which input it was; the others are
/// dropped at once (tokio's `select!` without its macro, `futures::future::select` for more
/// than two).
///
/// Nothing is judged: a failure that finishes first wins like a success would (as with
/// [`first_settled`](crate::first_settled)). The inputs run concurrently, each polled only
/// when it was woken. Of several inputs that finish in the same poll, the one woken first
/// wins (on the first poll: the earliest in the tuple).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ampere_combinators::{OneOf3, TupleSelect};
/// use ampere_reactor::sleep;
///
/// async fn reply() -> Result<String, std::io::Error> {
///     sleep(Duration::from_secs(60)).await; // a slow peer
///     Ok(String::from("pong"))
/// }
///
/// let reactor = ampere_reactor::Reactor::new()?;
/// let shutdown = std::future::pending::<()>();
/// let tick = sleep(Duration::from_millis(1));
/// match reactor.block_on((reply(), shutdown, tick).select())? {
///     OneOf3::A(reply) => println!("got {reply:?}"),
///     OneOf3::B(()) => println!("shutting down"),
///     OneOf3::C(()) => println!("no reply yet"), // this one; `reply` was dropped
/// }
/// # Ok::<(), ampere_reactor::Error>(())
/// ```
pub trait TupleSelect {
    /// The future `select` returns: [`Select2`] to [`Select8`].
    type Future: Future;

    /// Waits for the first input to finish, and drops the others.
    fn select(self) -> Self::Future;
}

macro_rules! select {
    ($n:literal, $one_of:ident, $arm:ident, $join:ident, $all:ident, $select:ident; $($T:ident $V:ident $i:tt),+) => {
        #[doc = concat!("The future of [`TupleSelect::select`] on a ", stringify!($n), "-tuple: the first output, tagged with its input.")]
        ///
        /// # Panics
        ///
        /// Polling it again after it resolved panics.
        #[must_use = "futures do nothing unless you .await or poll them"]
        pub struct $select<$($T: Future),+> {
            inputs: Inputs<$arm<$($T),+>>,
            /// Set once it resolved.
            done: bool,
        }

        // Nothing is pinned in place here: the inputs are boxed.
        impl<$($T: Future),+> Unpin for $select<$($T),+> {}

        impl<$($T: IntoFuture),+> TupleSelect for ($($T,)+) {
            type Future = $select<$($T::IntoFuture),+>;

            fn select(self) -> Self::Future {
                let (_, inputs) = inputs::collect(arms!(self, $arm; $($T $i),+));
                $select { inputs, done: false }
            }
        }

        impl<$($T: Future),+> Future for $select<$($T),+> {
            type Output = $one_of<$(<$T as Future>::Output),+>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let this = self.get_mut();
                assert!(!this.done, "`select` polled after it resolved");
                let ControlFlow::Break(output) = this.inputs.poll_woken(cx, |_, output| ControlFlow::Break(output)) else {
                    return Poll::Pending;
                };
                // The losers go now, before the winner is handed back.
                this.done = true;
                this.inputs.drop_all();
                Poll::Ready(output)
            }
        }

        impl<$($T: Future),+> fmt::Debug for $select<$($T),+> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($select)).field("running", &self.inputs.running()).finish_non_exhaustive()
            }
        }
    };
}

for_each_tuple!(select);

//! [`OneOf2`] to [`OneOf8`]: the output of whichever input of a tuple finished, and the
//! machinery the tuple forms ([`TupleJoin`](crate::TupleJoin), [`TupleAll`](crate::TupleAll),
//! [`TupleSelect`](crate::TupleSelect)) share.
//!
//! # Implementation notes
//!
//! A tuple's inputs have different types, but [`Inputs`](crate::inputs) (the fair, woken-only
//! polling every combinator uses) holds one type. So each input is boxed into one variant
//! of a private `ArmN` enum, which polls the future it holds and tags its output with the
//! same variant of `OneOfN`. The tuple forms are then the slice combinators' loop with a
//! different rule. The cost is one extra small allocation per input, at most eight.
//!
//! `for_each_tuple!` is the one list of arities (2 to 8) and names; each form's file
//! generates its impls from it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Calls `$form!` once per arity, 2 to 8, with the names of that arity's types and, per
/// input, its type parameter (also its variant name), a name for its value type where the
/// input is a `Result` future (`TupleAll`), and its index in the tuple.
macro_rules! for_each_tuple {
    ($form:ident) => {
        $form!(2, OneOf2, Arm2, Join2, All2, Select2; A TA 0, B TB 1);
        $form!(3, OneOf3, Arm3, Join3, All3, Select3; A TA 0, B TB 1, C TC 2);
        $form!(4, OneOf4, Arm4, Join4, All4, Select4; A TA 0, B TB 1, C TC 2, D TD 3);
        $form!(5, OneOf5, Arm5, Join5, All5, Select5; A TA 0, B TB 1, C TC 2, D TD 3, E TE 4);
        $form!(6, OneOf6, Arm6, Join6, All6, Select6; A TA 0, B TB 1, C TC 2, D TD 3, E TE 4, F TF 5);
        $form!(7, OneOf7, Arm7, Join7, All7, Select7; A TA 0, B TB 1, C TC 2, D TD 3, E TE 4, F TF 5, G TG 6);
        $form!(8, OneOf8, Arm8, Join8, All8, Select8; A TA 0, B TB 1, C TC 2, D TD 3, E TE 4, F TF 5, G TG 6, H TH 7);
    };
}
pub(crate) use for_each_tuple;

macro_rules! one_of {
    ($n:literal, $one_of:ident, $arm:ident, $join:ident, $all:ident, $select:ident; $($T:ident $V:ident $i:tt),+) => {
        #[doc = concat!("The output of one input of a ", stringify!($n), "-tuple: what ")]
        #[doc = "[`TupleSelect::select`](crate::TupleSelect::select) resolves with. Variant `A` is"]
        #[doc = "the tuple's first input, `B` the second, and so on."]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $one_of<$($T),+> {
            $(
                #[doc = concat!("The output of input ", stringify!($i), ".")]
                $T($T),
            )+
        }

        /// One input of a tuple, boxed (it may be of any size and need not be `Unpin`).
        pub(crate) enum $arm<$($T),+> {
            $($T(Pin<Box<$T>>),)+
        }

        impl<$($T: Future),+> Future for $arm<$($T),+> {
            type Output = $one_of<$(<$T as Future>::Output),+>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                match self.get_mut() {
                    $($arm::$T(future) => future.as_mut().poll(cx).map($one_of::$T),)+
                }
            }
        }
    };
}

for_each_tuple!(one_of);

/// The inputs of a tuple, each tagged with its variant, ready for
/// [`inputs::collect`](crate::inputs::collect).
macro_rules! arms {
    ($tuple:expr, $arm:ident; $($T:ident $i:tt),+) => {{
        let tuple = $tuple;
        [$(((), $arm::$T(Box::pin(::std::future::IntoFuture::into_future(tuple.$i))))),+]
    }};
}
pub(crate) use arms;

//! Amp's promise combinators, as MadelineProto exposes them, for the ampere reactor: with
//! Rust's drop-to-cancel instead of Amp's "the losers keep running".
//!
//! | Combinator | Resolves with | Fails with | No inputs |
//! |---|---|---|---|
//! | [`all`] | every value, in input order, once all succeeded | the first error, at once | `Ok(vec![])` |
//! | [`any`] | `(errors, values)` once all settled | never | `(vec![], vec![])` |
//! | [`some`]`(_, n)` | `(errors, values)` so far, once `n` succeeded | [`SomeError::Failed`] as soon as `n` successes are impossible; [`SomeError::RequiredTooLarge`] if `n > len` | `Ok` if `n == 0`, else `RequiredTooLarge` |
//! | [`first`] | the first value to arrive | [`FirstError::AllFailed`] once every input failed | [`FirstError::Empty`] |
//! | [`first_settled`] | the first value, if the first input to finish succeeded | [`FirstSettledError::Failed`] if it failed | [`FirstSettledError::Empty`] |
//! | [`in_completion_order`] | a stream of `(position, output)`, as each input finishes | — | ends at once |
//! | [`timeout`]`(f, d)` | `Ok(output)` | [`TimedOut`] after `d` | — |
//!
//! - **Tuples** of 2 to 8 futures of different types: `.join()` ([`TupleJoin`]: every
//!   output, as a tuple), `.all()` ([`TupleAll`]: every value, or the first error at once)
//!   and `.select()` ([`TupleSelect`]: the first output, as a [`OneOf2`] .. [`OneOf8`]).
//! - **Inputs** are `Result` futures (any output for `in_completion_order`): anything `IntoIterator` of [`IntoFuture`](std::future::IntoFuture)
//!   (async blocks, [`JoinHandle`](ampere_reactor::JoinHandle)s, boxed futures, ...).
//! - **Order and keys:** results come back in *input* order, whatever the completion order.
//!   In `(errors, values)` and in a [`MultiError`], each result is paired with its key: its
//!   position, or with the `_keyed` variants ([`all_keyed`], [`any_keyed`], [`some_keyed`],
//!   [`first_keyed`]) the key you gave with it; those also pair `all`'s values and error and
//!   `first`'s value with their keys. Collect the pairs into a `Vec`, a `BTreeMap` or a
//!   `HashMap`.
//! - **Cancellation:** each input is dropped as soon as it settles, and the inputs still
//!   running are dropped the moment the combinator resolves (or is dropped).
//! - **Cost:** each input has its own waker, and a combinator polls only the inputs that
//!   were woken, each at most once per poll, in wake order: a wake costs O(1) among 10 000
//!   inputs, and an input that is always ready cannot starve the others. Nothing is
//!   allocated per poll (an input is boxed, and gets a waker, once: on its first poll).
//!   When several inputs finish in the same poll, "first" means first woken.
//! - [`timeout`] keeps the reactor alive while pending, so a timeout around a stuck future
//!   ends with `TimedOut` rather than `run()` returning early; its timer is released as soon
//!   as either side finishes.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use ampere_combinators::{all, timeout};
//! use ampere_reactor::sleep;
//!
//! async fn download(ms: u64) -> Result<String, std::io::Error> {
//!     sleep(Duration::from_millis(ms)).await;
//!     Ok(format!("file {ms}"))
//! }
//!
//! let reactor = ampere_reactor::Reactor::new()?;
//! let files = reactor.block_on(timeout(all([3, 1, 2].map(download)), Duration::from_secs(5)))?;
//! assert_eq!(files.unwrap().unwrap(), ["file 3", "file 1", "file 2"]);
//! # Ok::<(), ampere_reactor::Error>(())
//! ```
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

mod all;
mod any;
mod completion_order;
mod error;
mod first;
mod first_settled;
mod inputs;
mod one_of;
mod outcomes;
mod ready;
mod some;
mod timeout;
mod tuple_all;
mod tuple_join;
mod tuple_select;

pub use all::{all, all_keyed, All, AllKeyed};
pub use any::{any, any_keyed, Any, AnyKeyed, Settled};
pub use completion_order::{in_completion_order, in_completion_order_keyed, InCompletionOrder, InCompletionOrderKeyed};
pub use error::{FirstError, FirstSettledError, IntoIter, Iter, MultiError, SomeError, TimedOut};
pub use first::{first, first_keyed, First, FirstKeyed};
pub use first_settled::{first_settled, first_settled_keyed, FirstSettled, FirstSettledKeyed};
pub use one_of::{OneOf2, OneOf3, OneOf4, OneOf5, OneOf6, OneOf7, OneOf8};
pub use some::{some, some_keyed, SomeOf, SomeOfKeyed};
pub use timeout::{timeout, timeout_with_default, Timeout, TimeoutWithDefault};
pub use tuple_all::{All2, All3, All4, All5, All6, All7, All8, TupleAll};
pub use tuple_join::{Join2, Join3, Join4, Join5, Join6, Join7, Join8, TupleJoin};
pub use tuple_select::{Select2, Select3, Select4, Select5, Select6, Select7, Select8, TupleSelect};

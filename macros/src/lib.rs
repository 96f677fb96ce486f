//! The `#[main]` and `#[test]` attributes of [`ampere-reactor`]: run an `async fn` to completion
//! on a fresh `Reactor`.
//!
//! Use them through the reactor crate (`#[ampere_reactor::main]`, `#[ampere_reactor::test]`,
//! its default `macros` feature), not from this crate: the code they write names the reactor
//! as `::ampere_reactor`. A crate that renames that dependency says where it is with
//! `crate = "path"`, e.g. `#[ampere::main(crate = "ampere")]`.
//!
//! [`ampere-reactor`]: https://docs.rs/ampere-reactor
#![doc(test(attr(deny(warnings))))]
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod args;
mod entry;

/// Runs an `async fn` on a new `Reactor` from a plain `fn` of the same name: the usual way to
/// write `main`.
///
/// ```text
/// #[ampere_reactor::main]               fn main() -> R {
/// async fn main() -> R { body }   ==>       async fn body() -> R { body }
///                                           Reactor::new()?.block_on(body())   // see below
///                                       }
/// ```
///
/// **What it returns.** When the function returns a `Result<T, E>` with
/// `E: From<ampere_reactor::Error>` (`io::Error`, `Box<dyn Error>`, `ampere_reactor::Error`,
/// ...), an error of the reactor itself (creating it, `WouldNeverComplete`, a failed fork) is
/// converted into `E` and returned: the body's own result and the reactor's are one `Result`,
/// so `main` needs no `??`. A function without a return type panics on a reactor error, with a
/// message that names it. Other return types do not compile (the error points at the type).
///
/// **Arguments.** `crate = "path"`: where the reactor crate is, if not at `::ampere_reactor`.
/// Anything else is a compile error (`paused` is for [`macro@test`] only).
///
/// **Errors at compile time**, each pointing at the offending tokens: a function that is not
/// `async`, that takes arguments, that is generic, `const`, `unsafe` or `extern`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// #[ampere_reactor::main]
/// async fn main() -> std::io::Result<()> {
///     // `?` on the reactor's errors too: `io::Error: From<ampere_reactor::Error>`.
///     let handle = ampere_reactor::Handle::current()?;
///     let task = handle.spawn(async { 6 * 7 });
///     ampere_reactor::sleep(Duration::from_millis(1)).await;
///     assert_eq!(task.await, Ok(42));
///     Ok(())
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Main, args.into(), item.into()).into()
}

/// Makes an `async fn` a `#[test]` that runs on a fresh `Reactor` of its own.
///
/// Everything [`macro@main`] says holds: a test returning `Result<(), E>` fails with the
/// reactor's error converted into `E`; one without a return type panics with it (so a test
/// whose future can never complete fails with `WouldNeverComplete` rather than hanging). The
/// function keeps its other attributes (`#[should_panic]`, `#[ignore]`, ...); do not add
/// `#[test]` yourself.
///
/// **`paused`**: `#[ampere_reactor::test(paused)]` runs the test on a reactor with a paused,
/// virtual clock (`Reactor::builder().paused()`): when nothing but time could make progress,
/// the clock jumps to the next deadline, so an hour of sleeps takes microseconds and happens
/// the same way every run. Compute deadlines from `Handle::now()`, not `Instant::now()`.
/// Combine with `crate = "path"` as `#[test(crate = "path", paused)]`.
///
/// # Examples
///
/// ```
/// #[ampere_reactor::test]
/// async fn a_spawned_task_returns_its_output() {
///     let task = ampere_reactor::Handle::current().unwrap().spawn(async { 6 * 7 });
///     assert_eq!(task.await, Ok(42));
/// }
///
/// #[ampere_reactor::test(paused)]
/// async fn an_hour_passes_in_virtual_time() {
///     let handle = ampere_reactor::Handle::current().unwrap();
///     let start = handle.now();
///     ampere_reactor::sleep(std::time::Duration::from_secs(3600)).await;
///     assert_eq!(handle.now() - start, std::time::Duration::from_secs(3600));
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Test, args.into(), item.into()).into()
}

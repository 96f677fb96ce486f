//! The ampere guide. Each chapter in `docs/guide/` is included here as a module, so every
//! Rust block in it is compiled and run as a doc-test: the guide cannot drift from the code.
//! Read it rendered with `cargo doc -p ampere-docs --open`, or as Markdown in `docs/guide/`.
#![doc(test(attr(deny(warnings))))]
#![forbid(unsafe_code)]

#[doc = include_str!("../guide/00-start.md")]
pub mod start {}

#[doc = include_str!("../guide/01-architecture.md")]
pub mod architecture {}

#[doc = include_str!("../guide/02-watchers.md")]
pub mod watchers {}

#[doc = include_str!("../guide/03-timers.md")]
pub mod timers {}

#[doc = include_str!("../guide/04-io.md")]
pub mod io {}

#[doc = include_str!("../guide/05-signals.md")]
pub mod signals {}

#[doc = include_str!("../guide/06-async.md")]
pub mod async_tasks {}

#[doc = include_str!("../guide/07-helpers.md")]
pub mod helpers {}

#[doc = include_str!("../guide/08-loops.md")]
pub mod loops {}

#[doc = include_str!("../guide/09-combinators.md")]
pub mod combinators {}

#[doc = include_str!("../guide/10-complexity.md")]
pub mod complexity {}

#[doc = include_str!("../guide/11-scaling.md")]
pub mod scaling {}

#[doc = include_str!("../guide/12-troubleshooting.md")]
pub mod troubleshooting {}

#[doc = include_str!("../guide/13-mapping.md")]
pub mod mapping {}

#[doc = include_str!("../guide/14-ecosystem.md")]
pub mod ecosystem {}

//! Promise combinators for the ampere reactor. Filled in by issue #6.
#![forbid(unsafe_code)]

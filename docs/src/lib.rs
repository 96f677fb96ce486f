//! The ampere guide. Each chapter in `docs/guide/` is included here as a module, so every
//! Rust block in it is compiled and run as a doc-test.

//! Workspace-level test crate; the tests live in `tests/tests/`.
//!
//! The README's code is compiled here as a doc test, so the quick start cannot rot.

#[doc = include_str!("../../README.md")]
mod readme {}

//! Workspace-level test crate; the tests live in `tests/tests/`.

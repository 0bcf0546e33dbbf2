//! The integration tests, as one test binary (`cargo test --test it`).
//!
//! One binary instead of one per file: each file's module shares the one
//! compile and link of the test-only crates (assert_cmd, proptest, insta,
//! jsonschema), which is most of what a cold `cargo test` builds after the
//! library, and all tests run in one pool of threads. Pick a group with a
//! filter: `cargo test --test it state_` runs `state_cli` and `state_exact`,
//! `cargo test --test it robustness::` one module.

mod common;

mod cli;
mod determinism;
mod dialect;
mod diff;
mod drift_chart;
mod fuzz_replay;
mod hdr_interop;
mod inspect;
mod mermaid_render;
mod robustness;
mod schema;
mod select;
mod series;
mod state_cli;
mod state_exact;
mod terminal;

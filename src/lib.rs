//! auditsum: turn agent-gateway JSONL audit logs into a deterministic baseline.
//!
//! The pipeline, one module per stage: [`input`] (discover, read, decompress,
//! split lines) -> [`event`] (tolerant parse) -> [`aggregate`] (mergeable
//! partial states) -> [`baseline`] (the artifact) -> [`render`] (JSON,
//! Markdown, terminal). [`pipeline`] wires the stages together.

pub mod aggregate;
pub mod anonymize;
pub mod baseline;
pub mod cli;
pub mod cmd;
pub mod dialect;
pub mod diff;
pub mod error;
pub mod event;
pub mod input;
pub mod inspect;
pub mod output;
pub mod pipeline;
pub mod render;
pub mod select;
pub mod series;
pub mod state;
pub mod time;
pub mod ui;

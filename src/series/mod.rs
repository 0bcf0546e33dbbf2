//! Time series: the baseline's figures per time bucket (`--bucket`).
//!
//! The door: [`BucketSpec`] says what was asked for, [`SeriesPartial`] is
//! the mergeable part counted while reading (reactions, malformed lines),
//! and [`build`] turns the merged partial state into the artifact's
//! `series` at finalisation. Buckets are aligned to the Unix epoch
//! (`floor(t / size)`), so the same size always cuts time the same way.

mod build;
mod partial;
mod spec;
pub mod window;

pub use build::build;
pub use partial::{time_in_text, Cell, SeriesPartial};
pub use spec::{auto_size, label, BucketSpec};

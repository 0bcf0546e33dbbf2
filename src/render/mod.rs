//! One renderer per format behind one small trait returning bytes (after
//! hyperfine's `src/export/`).

pub mod chart;
pub mod diff_markdown;
pub mod drift_chart;
pub mod escape;
pub mod json;
pub mod markdown;
pub mod spark;
pub mod table;

use std::collections::BTreeMap;

use crate::baseline::{Baseline, RunSummary};

/// A renderer of `T` (a baseline by default, or a drift report) into bytes.
pub trait Render<T = Baseline> {
    fn render(&self, item: &T) -> Vec<u8>;
}

/// `0.78663` -> `78.7%`; `None` -> `—`.
pub fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// A number or `—`.
pub fn num(v: Option<u64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| v.to_string())
}

/// Rows of a keyed map, largest `weight` first, then by key; the first `top`
/// and how many were left out.
pub fn top_rows<V>(
    map: &BTreeMap<String, V>,
    top: usize,
    weight: impl Fn(&V) -> u64,
) -> (Vec<(&str, &V)>, usize) {
    let mut rows: Vec<(&str, &V)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
    // BTreeMap order is by key; a stable sort keeps it for equal weights
    rows.sort_by_key(|(_, v)| std::cmp::Reverse(weight(v)));
    let rest = rows.len().saturating_sub(top);
    rows.truncate(top);
    (rows, rest)
}

/// The run columns shared by the Markdown and terminal tables.
pub fn run_cells(s: &RunSummary) -> Vec<String> {
    vec![
        s.runs.to_string(),
        s.completed.to_string(),
        s.cancelled.to_string(),
        s.errored.to_string(),
        s.open.to_string(),
        pct(s.completion_rate),
        pct(s.cancel_rate),
        pct(s.error_rate),
        num(s.duration_ms.p50),
        num(s.duration_ms.p95),
    ]
}

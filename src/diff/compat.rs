//! Whether two artifacts can be compared at all, and what makes a
//! comparison weaker than it looks.

use crate::baseline::Baseline;

use super::{Artifact, Row, Verdict};

/// Filter keys that may differ between windows: the time bounds (and how
/// they were chosen).
const WINDOW_KEYS: [&str; 3] = ["since", "until", "auto_window"];

fn show(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "none".to_string(),
        Some(v) => v.to_string(),
    }
}

/// How BASE and CURRENT were summarised differently: filters other than the
/// time window, anonymisation, dialect. One line per difference; empty when
/// they compare like with like.
pub fn mismatches(base: &Artifact, cur: &Artifact) -> Vec<String> {
    let (fb, fc) = (&base.baseline.filters, &cur.baseline.filters);
    let mut keys: Vec<&String> = fb.keys().chain(fc.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for k in keys {
        if WINDOW_KEYS.contains(&k.as_str()) {
            continue;
        }
        let (b, c) = (fb.get(k), fc.get(k));
        let falsy = |v: Option<&serde_json::Value>| {
            matches!(v, None | Some(serde_json::Value::Null))
                || v == Some(&serde_json::Value::Bool(false))
                || v.and_then(|v| v.as_object()).is_some_and(|o| o.is_empty())
                || v.and_then(|v| v.as_array()).is_some_and(|a| a.is_empty())
        };
        if b != c && !(falsy(b) && falsy(c)) {
            out.push(format!(
                "filters.{k}: BASE {} vs CURRENT {}",
                show(b),
                show(c)
            ));
        }
    }
    if base.dialect != cur.dialect {
        out.push(format!(
            "dialect: BASE {} vs CURRENT {}",
            show(base.dialect.as_ref()),
            show(cur.dialect.as_ref())
        ));
    }
    out
}

/// CURRENT holding less than this share of BASE's runs is warned about.
pub const SMALL_SHARE: f64 = 0.25;

/// Warnings about the sizes of the two sides.
pub fn size_warnings(base: &Baseline, cur: &Baseline, rows: &[Row]) -> Vec<String> {
    let mut out = Vec::new();
    let (rb, rc) = (base.runs.total.runs, cur.runs.total.runs);
    let (cb, cc) = (base.cancels.total.count, cur.cancels.total.count);
    if rc == 0 && cc == 0 && (rb > 0 || cb > 0 || cur.inputs.events == 0) {
        out.push(format!(
            "CURRENT is empty (0 runs, 0 cancels; BASE has {rb} runs, {cb} cancels): nothing in it can be compared"
        ));
    } else if rb > 0 && (rc as f64) < SMALL_SHARE * rb as f64 {
        out.push(format!(
            "CURRENT has {rc} runs, {:.1}% of BASE's {rb}: only large changes can be told from noise, and small slices read too-few",
            100.0 * rc as f64 / rb as f64
        ));
    }
    let present: usize = [
        base.runs.by_channel.len(),
        base.runs.by_backend.len(),
        base.runs.by_origin.len(),
        base.cancels.by_source.len(),
        base.cancels.by_channel.len(),
        base.reactions.by_channel.len(),
    ]
    .iter()
    .sum();
    let gone = rows
        .iter()
        .filter(|r| r.verdict == Verdict::Gone && r.slice != "session")
        .count();
    if gone >= 2 && 2 * gone >= present {
        out.push(format!(
            "{gone} of BASE's {present} slices are gone from CURRENT"
        ));
    }
    out
}

//! Reading an artifact for `diff`: JSON, schema, then every count and every
//! `hdr` histogram checked before use, so that a hand-edited or crafted
//! artifact is an error naming its field (exit 2), never nonsense.

use std::path::Path;

use crate::baseline::{Baseline, CancelSummary, RunSummary, Stats};

/// Counts above this are refused: 2^53 is where `f64` stops counting
/// exactly, and no real log holds that many events.
pub const MAX_COUNT: u64 = 1 << 53;

/// Why an artifact cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}: not JSON ({message}); is it an artifact written by `auditsum summarize --out`?"
    )]
    NotJson { path: String, message: String },
    #[error("{path}: not an auditsum baseline (no schema_version)")]
    NotBaseline { path: String },
    #[error("{path}: schema_version {found}, but this auditsum reads {expected}; regenerate the artifact or use a matching auditsum")]
    Schema {
        path: String,
        found: serde_json::Value,
        expected: u32,
    },
    #[error("{path}: malformed baseline: {message}")]
    Malformed { path: String, message: String },
    #[error("{path}: field `{field}`: {message}; regenerate the artifact with `auditsum summarize --out`")]
    Field {
        path: String,
        field: String,
        message: String,
    },
}

/// An artifact as `diff` reads it: the baseline, plus what the schema does
/// not model but the comparison must agree on (e.g. the dialects a newer
/// auditsum records).
#[derive(Debug, Clone)]
pub struct Artifact {
    pub baseline: Baseline,
    /// Top-level or `inputs.` keys naming the input dialect(s), if present.
    pub dialect: Option<serde_json::Value>,
}

pub fn load(path: &Path) -> Result<Artifact, LoadError> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
        path: p.clone(),
        source,
    })?;
    load_bytes(&p, &bytes)
}

/// [`load`] from memory (`p` names the file in errors).
pub fn load_bytes(p: &str, bytes: &[u8]) -> Result<Artifact, LoadError> {
    let p = p.to_string();
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| LoadError::NotJson {
        path: p.clone(),
        message: e.to_string(),
    })?;
    match v.get("schema_version") {
        None => return Err(LoadError::NotBaseline { path: p }),
        Some(s) if s.as_u64() != Some(crate::baseline::SCHEMA_VERSION as u64) => {
            return Err(LoadError::Schema {
                path: p,
                found: s.clone(),
                expected: crate::baseline::SCHEMA_VERSION,
            })
        }
        Some(_) => {}
    }
    let dialect = ["dialects", "dialect"]
        .iter()
        .find_map(|k| {
            v.get(*k)
                .or_else(|| v.get("inputs").and_then(|i| i.get(*k)))
        })
        .cloned();
    let baseline: Baseline = serde_json::from_value(v).map_err(|e| LoadError::Malformed {
        path: p.clone(),
        message: e.to_string(),
    })?;
    validate(&baseline).map_err(|(field, message)| LoadError::Field {
        path: p,
        field,
        message,
    })?;
    Ok(Artifact { baseline, dialect })
}

type Bad = (String, String);

/// A map key as it appears in a field path (quoted when it could mislead).
fn key(k: &str) -> String {
    if k.is_empty() || k.chars().any(|c| c.is_control() || c == '.' || c == '"') {
        format!("{k:?}")
    } else {
        k.to_string()
    }
}

fn count(field: &str, name: &str, v: u64) -> Result<(), Bad> {
    if v > MAX_COUNT {
        return Err((
            format!("{field}.{name}"),
            format!("{v} is out of range (at most 2^53)"),
        ));
    }
    Ok(())
}

fn stats(field: &str, s: &Stats) -> Result<(), Bad> {
    count(field, "count", s.count)?;
    let f = |n: &str| format!("{field}.{n}");
    for (name, v) in [
        ("min", s.min),
        ("p50", s.p50),
        ("p95", s.p95),
        ("p99", s.p99),
    ] {
        if let (Some(v), Some(max)) = (v, s.max) {
            if v > max {
                return Err((f(name), format!("{v} is above max {max}")));
            }
        }
    }
    let Some(text) = &s.hdr else { return Ok(()) };
    let h = super::hdr::decode(text).map_err(|m| (f("hdr"), m))?;
    if h.len() != s.count {
        return Err((
            f("hdr"),
            format!(
                "the histogram holds {} values but {} says {}",
                h.len(),
                f("count"),
                s.count
            ),
        ));
    }
    if s.count > 0 {
        for (name, stat, hv) in [("max", s.max, h.max()), ("min", s.min, h.min())] {
            match stat {
                Some(v) if h.equivalent(v, hv) => {}
                _ => {
                    return Err((
                        f("hdr"),
                        format!(
                            "the histogram's {name} {hv} does not match {} {}",
                            f(name),
                            stat.map_or("null".to_string(), |v| v.to_string())
                        ),
                    ))
                }
            }
        }
    }
    Ok(())
}

fn runs(field: &str, s: &RunSummary) -> Result<(), Bad> {
    for (name, v) in [
        ("runs", s.runs),
        ("completed", s.completed),
        ("cancelled", s.cancelled),
        ("errored", s.errored),
        ("open", s.open),
        ("cancel_requested", s.cancel_requested),
    ] {
        count(field, name, v)?;
    }
    let terminal = s.completed + s.cancelled + s.errored; // each <= 2^53
    if terminal > s.runs {
        return Err((
            format!("{field}.runs"),
            format!(
                "{} is less than completed + cancelled + errored ({terminal})",
                s.runs
            ),
        ));
    }
    stats(&format!("{field}.duration_ms"), &s.duration_ms)
}

fn cancels(field: &str, s: &CancelSummary) -> Result<(), Bad> {
    for (name, v) in [
        ("count", s.count),
        ("acknowledged", s.acknowledged),
        ("unacknowledged", s.unacknowledged),
    ] {
        count(field, name, v)?;
    }
    if s.unacknowledged > s.count {
        return Err((
            format!("{field}.unacknowledged"),
            format!("{} is more than count {}", s.unacknowledged, s.count),
        ));
    }
    stats(&format!("{field}.latency_ms"), &s.latency_ms)
}

/// Every count within range, every histogram sound and matching its summary.
pub fn validate(b: &Baseline) -> Result<(), Bad> {
    runs("runs.total", &b.runs.total)?;
    for (slice, m) in [
        ("by_channel", &b.runs.by_channel),
        ("by_backend", &b.runs.by_backend),
        ("by_origin", &b.runs.by_origin),
        ("by_session", &b.runs.by_session),
    ] {
        for (k, s) in m {
            runs(&format!("runs.{slice}.{}", key(k)), s)?;
        }
    }
    cancels("cancels.total", &b.cancels.total)?;
    for (slice, m) in [
        ("by_source", &b.cancels.by_source),
        ("by_channel", &b.cancels.by_channel),
    ] {
        for (k, s) in m {
            cancels(&format!("cancels.{slice}.{}", key(k)), s)?;
        }
    }
    let r = &b.reactions.total;
    count("reactions.total", "matched", r.matched)?;
    count("reactions.total", "skipped", r.skipped)?;
    for (k, s) in &b.reactions.by_channel {
        let f = format!("reactions.by_channel.{}", key(k));
        count(&f, "matched", s.matched)?;
        count(&f, "skipped", s.skipped)?;
    }
    Ok(())
}

//! The artifact model: serde structs for the JSON artifact, `schema_version` 1
//! (SPEC §3). Fields are declared in alphabetical order and maps are
//! `BTreeMap`s, so the serialised keys are sorted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub cancels: Cancels,
    pub event_types: BTreeMap<String, u64>,
    pub filters: BTreeMap<String, serde_json::Value>,
    pub inputs: Inputs,
    pub reactions: Reactions,
    pub runs: Runs,
    pub schema_version: u32,
    /// Per time bucket (`--bucket`); absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<Series>,
    pub window: Window,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    pub bytes: u64,
    /// Files read per dialect; empty (and not written) when every file was
    /// read in the `default` dialect, so absent means `{"default": files}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dialects: BTreeMap<String, u64>,
    pub events: u64,
    pub files: u64,
    /// Amounts present but not recorded, by field and reason (`negative`,
    /// `too_large`, `not_a_number`); not written when there are none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub invalid_values: BTreeMap<String, BTreeMap<String, u64>>,
    pub malformed_lines: u64,
    pub malformed_samples: Vec<MalformedSample>,
    /// Values counted under `(other)` because a keyed map reached `--max-keys`.
    #[serde(default)]
    pub overflowed_keys: u64,
    pub unreadable: Vec<Unreadable>,
    pub untimed_events: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MalformedSample {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unreadable {
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
}

/// `{count, min, max, mean, p50, p95, p99}`; with `count` 0 only `count`.
/// Summaries other than per-session ones also carry `hdr`: the values' HDR
/// histogram, V2 compressed serialisation in base64 (what `diff` tests on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hdr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99: Option<u64>,
}

impl Stats {
    pub fn empty() -> Stats {
        Stats {
            count: 0,
            hdr: None,
            max: None,
            mean: None,
            min: None,
            p50: None,
            p95: None,
            p99: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Runs {
    pub by_backend: BTreeMap<String, RunSummary>,
    pub by_channel: BTreeMap<String, RunSummary>,
    pub by_origin: BTreeMap<String, RunSummary>,
    pub by_session: BTreeMap<String, RunSummary>,
    pub total: RunSummary,
}

/// `S` of SPEC §3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub cancel_rate: Option<f64>,
    pub cancel_requested: u64,
    pub cancelled: u64,
    pub completed: u64,
    pub completion_rate: Option<f64>,
    pub duration_ms: Stats,
    pub error_rate: Option<f64>,
    pub errored: u64,
    pub open: u64,
    pub runs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cancels {
    pub by_channel: BTreeMap<String, CancelSummary>,
    pub by_source: BTreeMap<String, CancelSummary>,
    pub total: CancelSummary,
}

/// `C` of SPEC §3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelSummary {
    pub acknowledged: u64,
    pub count: u64,
    pub latency_ms: Stats,
    pub unacknowledged: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reactions {
    pub by_channel: BTreeMap<String, ReactionSlice>,
    pub by_rule: BTreeMap<String, u64>,
    pub skip_reasons: Vec<SkipReason>,
    pub total: ReactionTotal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactionSlice {
    pub match_rate: Option<f64>,
    pub matched: u64,
    pub skipped: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactionTotal {
    pub candidate_count_sum: u64,
    pub match_rate: Option<f64>,
    pub matched: u64,
    pub skipped: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkipReason {
    pub count: u64,
    pub reason: String,
}

/// The figures per time bucket (docs/artifacts.md "series"). Buckets are
/// `[start, start + bucket_ms)`, aligned to the Unix epoch, listed in time
/// order, only when they hold something; `untimed` holds what has no time.
/// Buckets plus `untimed` add up to the totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The size, spelled `1d`, `6h`, `15m`, `90s`.
    pub bucket: String,
    pub bucket_ms: u64,
    pub buckets: Vec<Bucket>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub untimed: Option<Bucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Cancels by their own time.
    pub cancels: CancelSummary,
    /// Malformed lines by a time their text still shows.
    pub malformed_lines: u64,
    /// Reaction decisions by their own time.
    pub reactions: ReactionSlice,
    /// Runs by the time of their start (SPEC §4 window rule).
    pub runs: BucketRuns,
    /// RFC 3339; absent for `untimed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketRuns {
    pub by_channel: BTreeMap<String, RunSummary>,
    pub total: RunSummary,
}

/// `part / whole`, `None` when `whole` is 0.
pub fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

//! `diff`: compare two baselines slice by slice and judge drift.
//!
//! A change is *drift* when it is both practically and statistically
//! significant: its effect in the metric's worse direction reaches a threshold
//! (percentage points for rates, relative % for percentiles) **and** a one-sided
//! test rejects "no change" after Holm's correction over every comparison in
//! the report that could reject at all (Tarone's noise floor). Rates and
//! percentiles are both tested on 2×2 tables with Fisher's exact test, mid-p
//! (see [`stats`]); percentiles on the HDR histograms the artifacts carry,
//! rebuilt with a common range. `warn` and `fail` tiers differ in effect size
//! and significance level; only `fail` changes the exit code, and only on a
//! slice a channel-mix shift cannot move (aggregates are warn-only, see
//! [`AGGREGATES`]).

pub mod compat;
pub mod hdr;
mod judge;
pub mod load;
pub mod stats;
pub mod thresholds;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::baseline::{Baseline, CancelSummary, ReactionSlice, RunSummary, Stats, Window};
pub use load::{load, load_bytes, Artifact, LoadError};
use thresholds::{Direction, Metric, Thresholds};

pub const REPORT_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Drift,
    New,
    Gone,
    TooFew,
    /// A test that could not be run (a histogram missing or unusable).
    Untestable,
    Ok,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Fail,
    Warn,
}

/// One comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// `runs`, `cancels` or `reactions`.
    pub section: &'static str,
    /// `total`, `channel`, `backend`, `origin`, `session` or `source`.
    pub slice: &'static str,
    /// The slice's key (`total` for the total).
    pub key: String,
    pub metric: &'static str,
    /// `pp` (rates, shown in %), `%` (percentiles, in ms) or `count`.
    pub unit: &'static str,
    pub base: Option<f64>,
    pub current: Option<f64>,
    /// Current minus base: percentage points for rates, relative % for
    /// percentiles, absolute for counts.
    pub delta: Option<f64>,
    /// Denominators (runs, cancels, reactions) or sample counts.
    pub n_base: u64,
    pub n_current: u64,
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The smallest p-value the test's margins allow (Tarone's floor).
    #[serde(skip)]
    pub min_p: Option<f64>,
}

impl Row {
    fn severity(&self) -> (u8, Verdict) {
        let s = match (self.verdict, self.level) {
            (Verdict::Drift, Some(Level::Fail)) => 0,
            (Verdict::Drift, _) => 1,
            _ => 2,
        };
        (s, self.verdict)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub file: String,
    pub window: Window,
    pub filters: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stale {
    pub max_age: String,
    pub now: String,
    /// How old the current window's last event is (ms); `None`: no timed event.
    pub age_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub fail: usize,
    pub warn: usize,
    pub new: usize,
    pub gone: usize,
    pub too_few: usize,
    pub untestable: usize,
    pub ok: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub base: Side,
    pub current: Side,
    pub counts: Counts,
    /// Whether the check failed: a `fail`-level drift, or a stale current.
    pub failed: bool,
    pub rows: Vec<Row>,
    pub schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<Stale>,
    pub thresholds: Thresholds,
    /// What makes this comparison weaker than it looks (a much smaller or
    /// empty CURRENT, lost slices, forced mismatched filters).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub thresholds: Thresholds,
    /// Compare per-session slices too.
    pub sessions: bool,
    /// `(max_age_ms, max_age as written, now_ms)` for the freshness check.
    pub max_age: Option<(i64, String, i64)>,
    /// Warnings found before the comparison (e.g. a forced mismatch).
    pub warnings: Vec<String>,
}

/// Slices whose figures mix channels: a shift of the channel mix alone moves
/// them, so they warn but never fail (the channel, source and session slices
/// carry the failing verdicts).
pub const AGGREGATES: [&str; 3] = ["total", "backend", "origin"];

/// A rate's numerator and denominator.
type Frac = (u64, u64);

fn run_rate(m: &str, s: &RunSummary) -> Frac {
    let terminal = s.completed + s.cancelled + s.errored;
    match m {
        "completion_rate" => (s.completed, terminal),
        "error_rate" => (s.errored, terminal),
        _ => (s.cancelled, terminal),
    }
}

const PERCENTILES: [(&str, f64); 3] = [("p50", 0.50), ("p95", 0.95), ("p99", 0.99)];

fn percentile(s: &Stats, which: &str) -> Option<u64> {
    match which {
        "p50" => s.p50,
        "p95" => s.p95,
        _ => s.p99,
    }
}

/// A slice on both sides, as far as metrics need it.
enum Pair<'a> {
    Runs(Option<&'a RunSummary>, Option<&'a RunSummary>),
    Cancels(Option<&'a CancelSummary>, Option<&'a CancelSummary>),
    Reactions(Option<Frac>, Option<Frac>),
}

struct Builder<'t> {
    t: &'t Thresholds,
    rows: Vec<Row>,
}

/// Where a row belongs: section, slice kind and key.
#[derive(Clone, Copy)]
struct At<'k> {
    section: &'static str,
    slice: &'static str,
    key: &'k str,
}

impl Row {
    /// A row at `at` with nothing measured yet (verdict `ok`).
    fn at(at: At<'_>, metric: &'static str, unit: &'static str) -> Row {
        Row {
            section: at.section,
            slice: at.slice,
            key: at.key.to_string(),
            metric,
            unit,
            base: None,
            current: None,
            delta: None,
            n_base: 0,
            n_current: 0,
            p_value: None,
            p_adjusted: None,
            verdict: Verdict::Ok,
            level: None,
            min_p: None,
        }
    }
}

impl Builder<'_> {
    /// The `new` / `gone` row of a slice that is on one side only.
    fn presence(&mut self, at: At<'_>, nb: Option<u64>, nc: Option<u64>) {
        let verdict = match (nb, nc) {
            (None, Some(_)) => Verdict::New,
            (Some(_), None) => Verdict::Gone,
            _ => return,
        };
        self.rows.push(Row {
            base: nb.map(|n| n as f64),
            current: nc.map(|n| n as f64),
            n_base: nb.unwrap_or(0),
            n_current: nc.unwrap_or(0),
            verdict,
            ..Row::at(at, "count", "count")
        });
    }

    fn rate(&mut self, at: At<'_>, name: &str, b: Frac, c: Frac) {
        let m = Metric::by_name(name).expect("rate metrics are listed");
        let pb = (b.1 > 0).then(|| b.0 as f64 / b.1 as f64);
        let pc = (c.1 > 0).then(|| c.0 as f64 / c.1 as f64);
        let enough = b.1 >= self.t.min_runs && c.1 >= self.t.min_runs;
        let test = enough.then(|| match m.direction {
            Direction::UpIsWorse => stats::rate_higher(b.0, b.1, c.0, c.1),
            Direction::DownIsWorse => {
                stats::rate_higher(b.1.saturating_sub(b.0), b.1, c.1.saturating_sub(c.0), c.1)
            }
        });
        self.rows.push(Row {
            base: pb,
            current: pc,
            delta: pb.zip(pc).map(|(b, c)| (c - b) * 100.0),
            n_base: b.1,
            n_current: c.1,
            p_value: test.map(|t| t.p),
            min_p: test.map(|t| t.min_p),
            verdict: if enough { Verdict::Ok } else { Verdict::TooFew },
            ..Row::at(at, m.name, "pp")
        });
    }

    fn percentiles(&mut self, at: At<'_>, family: &str, b: &Stats, c: &Stats) {
        // per-session summaries carry no histograms, by design: rates only
        if (b.count == 0 && c.count == 0) || at.slice == "session" {
            return;
        }
        let enough = b.count >= self.t.min_samples && c.count >= self.t.min_samples;
        // the loader checked every histogram; a failure here is `untestable`
        let tests = enough.then(|| {
            let decode = |s: &Stats| match &s.hdr {
                Some(h) => hdr::decode(h),
                None => Err("no histogram".to_string()),
            };
            let (hb, hc) = (decode(b)?, decode(c)?);
            stats::quantile_shifts_up(&hb, &hc, &PERCENTILES.map(|(_, q)| q))
        });
        let results: Vec<Option<stats::Test>> = match &tests {
            Some(Ok(t)) => t.iter().copied().map(Some).collect(),
            _ => vec![None; PERCENTILES.len()],
        };
        let verdict = match &tests {
            None => Verdict::TooFew,
            Some(Err(_)) => Verdict::Untestable,
            Some(Ok(_)) => Verdict::Ok,
        };
        for ((which, _), test) in PERCENTILES.into_iter().zip(results) {
            let name = format!("{family}_{which}");
            let m = Metric::by_name(&name).expect("percentile metrics are listed");
            let (vb, vc) = (percentile(b, which), percentile(c, which));
            self.rows.push(Row {
                base: vb.map(|v| v as f64),
                current: vc.map(|v| v as f64),
                delta: vb
                    .zip(vc)
                    .map(|(b, c)| (c as f64 - b as f64) / (b.max(1) as f64) * 100.0),
                n_base: b.count,
                n_current: c.count,
                p_value: test.map(|t| t.p),
                min_p: test.map(|t| t.min_p),
                verdict,
                ..Row::at(at, m.name, "%")
            });
        }
    }

    fn pair(&mut self, section: &'static str, slice: &'static str, key: &str, pair: Pair<'_>) {
        let at = At {
            section,
            slice,
            key,
        };
        match pair {
            Pair::Runs(b, c) => {
                let (Some(b), Some(c)) = (b, c) else {
                    self.presence(at, b.map(|s| s.runs), c.map(|s| s.runs));
                    return;
                };
                for name in ["completion_rate", "error_rate", "cancel_rate"] {
                    self.rate(at, name, run_rate(name, b), run_rate(name, c));
                }
                self.percentiles(at, "duration", &b.duration_ms, &c.duration_ms);
            }
            Pair::Cancels(b, c) => {
                let (Some(b), Some(c)) = (b, c) else {
                    self.presence(at, b.map(|s| s.count), c.map(|s| s.count));
                    return;
                };
                let (ub, uc) = ((b.unacknowledged, b.count), (c.unacknowledged, c.count));
                self.rate(at, "unacknowledged_rate", ub, uc);
                self.percentiles(at, "cancel_latency", &b.latency_ms, &c.latency_ms);
            }
            Pair::Reactions(b, c) => {
                let (Some(b), Some(c)) = (b, c) else {
                    self.presence(at, b.map(|f| f.1), c.map(|f| f.1));
                    return;
                };
                self.rate(at, "match_rate", b, c);
            }
        }
    }
}

fn keys<'a, V>(a: &'a BTreeMap<String, V>, b: &'a BTreeMap<String, V>) -> Vec<&'a String> {
    let mut k: Vec<&String> = a.keys().chain(b.keys()).collect();
    k.sort();
    k.dedup();
    k
}

fn reaction_frac(s: &ReactionSlice) -> Frac {
    (s.matched, s.matched + s.skipped)
}

/// Compare `base` with `current`.
pub fn compare(
    base: &Baseline,
    base_file: &str,
    cur: &Baseline,
    cur_file: &str,
    opts: &Options,
) -> Report {
    let t = &opts.thresholds;
    let mut b = Builder {
        t,
        rows: Vec::new(),
    };

    b.pair(
        "runs",
        "total",
        "total",
        Pair::Runs(Some(&base.runs.total), Some(&cur.runs.total)),
    );
    let mut run_slices = vec![
        ("channel", &base.runs.by_channel, &cur.runs.by_channel),
        ("backend", &base.runs.by_backend, &cur.runs.by_backend),
        ("origin", &base.runs.by_origin, &cur.runs.by_origin),
    ];
    if opts.sessions {
        run_slices.push(("session", &base.runs.by_session, &cur.runs.by_session));
    }
    for (slice, mb, mc) in run_slices {
        for k in keys(mb, mc) {
            b.pair("runs", slice, k, Pair::Runs(mb.get(k), mc.get(k)));
        }
    }
    b.pair(
        "cancels",
        "total",
        "total",
        Pair::Cancels(Some(&base.cancels.total), Some(&cur.cancels.total)),
    );
    for (slice, mb, mc) in [
        ("source", &base.cancels.by_source, &cur.cancels.by_source),
        ("channel", &base.cancels.by_channel, &cur.cancels.by_channel),
    ] {
        for k in keys(mb, mc) {
            b.pair("cancels", slice, k, Pair::Cancels(mb.get(k), mc.get(k)));
        }
    }
    let (rb, rc) = (&base.reactions, &cur.reactions);
    b.pair(
        "reactions",
        "total",
        "total",
        Pair::Reactions(
            Some((rb.total.matched, rb.total.matched + rb.total.skipped)),
            Some((rc.total.matched, rc.total.matched + rc.total.skipped)),
        ),
    );
    for k in keys(&rb.by_channel, &rc.by_channel) {
        let pair = Pair::Reactions(
            rb.by_channel.get(k).map(reaction_frac),
            rc.by_channel.get(k).map(reaction_frac),
        );
        b.pair("reactions", "channel", k, pair);
    }

    let mut rows = b.rows;
    judge::judge(&mut rows, t);
    rows.sort_by_key(Row::severity);

    let mut counts = Counts::default();
    for r in &rows {
        match (r.verdict, r.level) {
            (Verdict::Drift, Some(Level::Fail)) => counts.fail += 1,
            (Verdict::Drift, _) => counts.warn += 1,
            (Verdict::New, _) => counts.new += 1,
            (Verdict::Gone, _) => counts.gone += 1,
            (Verdict::TooFew, _) => counts.too_few += 1,
            (Verdict::Untestable, _) => counts.untestable += 1,
            (Verdict::Ok, _) => counts.ok += 1,
        }
    }
    let stale = opts.max_age.as_ref().and_then(|(max_ms, written, now)| {
        let last = cur
            .window
            .last_ts
            .as_deref()
            .and_then(crate::time::parse_rfc3339_ms);
        let age = last.map(|l| now - l);
        let is_stale = age.is_none_or(|a| a > *max_ms);
        is_stale.then(|| Stale {
            max_age: written.clone(),
            now: crate::time::format_ms(*now),
            age_ms: age,
        })
    });
    let mut warnings = opts.warnings.clone();
    warnings.extend(compat::size_warnings(base, cur, &rows));
    let side = |b: &Baseline, f: &str| Side {
        file: f.to_string(),
        window: b.window.clone(),
        filters: b.filters.clone(),
    };
    Report {
        base: side(base, base_file),
        current: side(cur, cur_file),
        failed: counts.fail > 0 || stale.is_some(),
        counts,
        rows,
        schema_version: REPORT_SCHEMA_VERSION,
        stale,
        thresholds: t.clone(),
        warnings,
    }
}

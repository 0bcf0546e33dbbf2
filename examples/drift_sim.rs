//! How often does `auditsum diff` fail on windows of the same traffic, and how
//! often does it catch a planted regression? Windows are drawn from a known
//! process (channels with their own rates and duration laws, backends and
//! origins correlated with the channel, cancel sources with their own
//! latencies), summarised with the real summariser (`summarize` with HDR
//! histograms), checked by the real artifact reader, and compared with the
//! real `diff::compare`. Rates come with 95 % Wilson intervals.
//!
//!   cargo run --example drift_sim -- [--pairs N] [--power-pairs N] [--seed S] [--only NAME]
//!
//! scripts/drift-sim.sh runs it; docs/ci.md quotes its output.

use std::collections::BTreeMap;

use auditsum::aggregate::stats::summarize;
use auditsum::baseline::Baseline;
use auditsum::diff::{self, Level, Options, Verdict};
use serde_json::{json, Value};

/// splitmix64: a small, fast, reproducible generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn bern(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-300), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn lognormal(&mut self, median: f64, sigma: f64) -> u64 {
        (median * (sigma * self.normal()).exp()).round().max(1.0) as u64
    }
    fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

struct Channel {
    name: &'static str,
    weight: f64,
    error: f64,
    cancel: f64,
    median_ms: f64,
    pi_share: f64,
    gateway_share: f64,
    match_rate: f64,
}

const CHANNELS: [Channel; 4] = [
    Channel {
        name: "telegram",
        weight: 0.4,
        error: 0.03,
        cancel: 0.02,
        median_ms: 900.0,
        pi_share: 0.9,
        gateway_share: 0.2,
        match_rate: 0.6,
    },
    Channel {
        name: "slack",
        weight: 0.3,
        error: 0.06,
        cancel: 0.04,
        median_ms: 1600.0,
        pi_share: 0.6,
        gateway_share: 0.5,
        match_rate: 0.4,
    },
    Channel {
        name: "discord",
        weight: 0.2,
        error: 0.10,
        cancel: 0.03,
        median_ms: 3000.0,
        pi_share: 0.3,
        gateway_share: 0.7,
        match_rate: 0.3,
    },
    Channel {
        name: "whatsapp",
        weight: 0.1,
        error: 0.15,
        cancel: 0.05,
        median_ms: 6000.0,
        pi_share: 0.1,
        gateway_share: 0.9,
        match_rate: 0.2,
    },
];

/// Cancel sources: (name, share, median latency ms, unacknowledged rate).
const SOURCES: [(&str, f64, f64, f64); 3] = [
    ("user", 0.5, 250.0, 0.03),
    ("timeout", 0.3, 2000.0, 0.08),
    ("supervisor", 0.2, 600.0, 0.05),
];

/// What differs from the known process in one window.
#[derive(Clone, Default)]
struct Change {
    /// Channel weights multiplied by these (the mix shift).
    mix: Option<[f64; 4]>,
    /// (channel, added error rate)
    error: Option<(&'static str, f64)>,
    /// (channel, duration factor)
    duration: Option<(&'static str, f64)>,
    /// (source, latency factor)
    latency: Option<(&'static str, f64)>,
}

#[derive(Default)]
struct Slice {
    runs: u64,
    completed: u64,
    cancelled: u64,
    errored: u64,
    open: u64,
    durations: Vec<u64>,
}

impl Slice {
    fn json(&mut self) -> Value {
        let t = self.completed + self.cancelled + self.errored;
        let r = |x: u64| (t > 0).then(|| x as f64 / t as f64);
        json!({
            "cancel_rate": r(self.cancelled), "cancel_requested": self.cancelled,
            "cancelled": self.cancelled, "completed": self.completed,
            "completion_rate": r(self.completed),
            "duration_ms": summarize(&mut self.durations, true),
            "error_rate": r(self.errored), "errored": self.errored, "open": self.open,
            "runs": self.runs,
        })
    }
}

#[derive(Default)]
struct CancelSlice {
    count: u64,
    unack: u64,
    latencies: Vec<u64>,
}

impl CancelSlice {
    fn json(&mut self) -> Value {
        json!({
            "acknowledged": self.count - self.unack, "count": self.count,
            "latency_ms": summarize(&mut self.latencies, true),
            "unacknowledged": self.unack,
        })
    }
}

fn map<T>(m: &mut BTreeMap<String, T>, f: impl Fn(&mut T) -> Value) -> Value {
    Value::Object(m.iter_mut().map(|(k, v)| (k.clone(), f(v))).collect())
}

/// One window: `runs` runs and `cancels` cancel requests.
fn window(rng: &mut Rng, runs: u64, cancels: u64, ch: &Change) -> Baseline {
    let weights: Vec<f64> = CHANNELS
        .iter()
        .enumerate()
        .map(|(i, c)| c.weight * ch.mix.map_or(1.0, |m| m[i]))
        .collect();
    let mut total = Slice::default();
    let (mut by_ch, mut by_be, mut by_or) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let mut reactions: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for _ in 0..runs {
        let c = &CHANNELS[rng.pick(&weights)];
        let be = if rng.bern(c.pi_share) { "pi" } else { "native" };
        let or = if rng.bern(c.gateway_share) {
            "gateway"
        } else {
            "channel"
        };
        let err = c.error + ch.error.filter(|e| e.0 == c.name).map_or(0.0, |e| e.1);
        let factor = ch.duration.filter(|d| d.0 == c.name).map_or(1.0, |d| d.1);
        let u = rng.unit();
        let state = if u < 0.01 {
            3
        } else if u < 0.01 + err {
            2
        } else if u < 0.01 + err + c.cancel {
            1
        } else {
            0
        };
        let d = rng.lognormal(c.median_ms * factor, 0.8);
        for s in [
            &mut total,
            by_ch
                .entry(c.name.to_string())
                .or_insert_with(Slice::default),
            by_be.entry(be.to_string()).or_insert_with(Slice::default),
            by_or.entry(or.to_string()).or_insert_with(Slice::default),
        ] {
            s.runs += 1;
            match state {
                0 => s.completed += 1,
                1 => s.cancelled += 1,
                2 => s.errored += 1,
                _ => s.open += 1,
            }
            if state < 3 {
                s.durations.push(d);
            }
        }
        let r = reactions.entry(c.name.to_string()).or_default();
        if rng.bern(c.match_rate) {
            r.0 += 1;
        } else {
            r.1 += 1;
        }
    }
    let mut ctotal = CancelSlice::default();
    let (mut by_src, mut cby_ch) = (BTreeMap::new(), BTreeMap::new());
    let src_w: Vec<f64> = SOURCES.iter().map(|s| s.1).collect();
    for _ in 0..cancels {
        let (name, _, median, unack) = SOURCES[rng.pick(&src_w)];
        let c = &CHANNELS[rng.pick(&weights)];
        let factor = ch.latency.filter(|l| l.0 == name).map_or(1.0, |l| l.1);
        let lat = rng.lognormal(median * factor, 0.7);
        let un = rng.bern(unack);
        for s in [
            &mut ctotal,
            by_src
                .entry(name.to_string())
                .or_insert_with(CancelSlice::default),
            cby_ch
                .entry(c.name.to_string())
                .or_insert_with(CancelSlice::default),
        ] {
            s.count += 1;
            s.unack += un as u64;
            if !un {
                s.latencies.push(lat);
            }
        }
    }
    let (m, sk) = reactions
        .values()
        .fold((0, 0), |a, r| (a.0 + r.0, a.1 + r.1));
    let rate = |m: u64, s: u64| (m + s > 0).then(|| m as f64 / (m + s) as f64);
    let v = json!({
        "cancels": {
            "by_channel": map(&mut cby_ch, CancelSlice::json),
            "by_source": map(&mut by_src, CancelSlice::json),
            "total": ctotal.json(),
        },
        "event_types": {},
        "filters": {},
        "inputs": {"bytes": 0, "events": runs + cancels, "files": 1, "malformed_lines": 0,
                   "malformed_samples": [], "overflowed_keys": 0, "unreadable": [],
                   "untimed_events": 0},
        "reactions": {
            "by_channel": Value::Object(reactions.iter().map(|(k, r)| (k.clone(), json!({
                "match_rate": rate(r.0, r.1), "matched": r.0, "skipped": r.1})))
                .collect()),
            "by_rule": {}, "skip_reasons": [],
            "total": {"candidate_count_sum": 0, "match_rate": rate(m, sk), "matched": m, "skipped": sk},
        },
        "runs": {
            "by_backend": map(&mut by_be, Slice::json),
            "by_channel": map(&mut by_ch, Slice::json),
            "by_origin": map(&mut by_or, Slice::json),
            "by_session": {},
            "total": total.json(),
        },
        "schema_version": 1,
        "window": {"first_ts": "2026-01-01T00:00:00.000Z", "last_ts": "2026-01-08T00:00:00.000Z"},
    });
    let b: Baseline = serde_json::from_value(v).expect("the generator writes schema v1");
    diff::load::validate(&b).expect("generated artifacts pass the reader's checks");
    b
}

struct Scenario {
    name: &'static str,
    /// (runs, cancels) of BASE and CURRENT
    base: (u64, u64),
    current: (u64, u64),
    change: Change,
    /// `None`: a same-process pair (any fail is a false alarm). `Some`: the
    /// (slice key, metric prefix) a detection must fail on.
    target: Option<(&'static str, &'static str)>,
    /// An improvement: a fail on this metric prefix is a bug.
    improved: Option<&'static str>,
}

/// 95 % Wilson score interval of k successes in n.
fn wilson(k: usize, n: usize) -> (f64, f64) {
    let (k, n, z) = (k as f64, n as f64, 1.959_964);
    let p = k / n;
    let c = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let h = z * ((p * (1.0 - p) + z * z / (4.0 * n)) / n).sqrt() / (1.0 + z * z / n);
    ((c - h).max(0.0), (c + h).min(1.0))
}

fn scenarios() -> Vec<Scenario> {
    let null = |name, base, current, mix: Option<[f64; 4]>| Scenario {
        name,
        base,
        current,
        change: Change {
            mix,
            ..Change::default()
        },
        target: None,
        improved: None,
    };
    let shift = Some([1.5, 0.5, 1.5, 0.5]);
    let power = |name, size: (u64, u64), change, target| Scenario {
        name,
        base: size,
        current: size,
        change,
        target: Some(target),
        improved: None,
    };
    let dur = |f| Change {
        duration: Some(("slack", f)),
        ..Change::default()
    };
    let err = |e| Change {
        error: Some(("slack", e)),
        ..Change::default()
    };
    let lat = |f| Change {
        latency: Some(("timeout", f)),
        ..Change::default()
    };
    vec![
        null("null 200/200", (200, 60), (200, 60), None),
        null("null 1000/1000", (1000, 300), (1000, 300), None),
        null("null 3000/3000", (3000, 1000), (3000, 1000), None),
        null("null 20000/20000", (20000, 5000), (20000, 5000), None),
        null("null 10000/400 (unequal)", (10000, 3000), (400, 120), None),
        null("null 400/10000 (unequal)", (400, 120), (10000, 3000), None),
        null(
            "null 20000/2000 (week vs day)",
            (20000, 5000),
            (2000, 500),
            None,
        ),
        null(
            "null 10000/40 (tiny current)",
            (10000, 3000),
            (40, 12),
            None,
        ),
        null("null 3000/3000 mix ±50%", (3000, 1000), (3000, 1000), shift),
        null(
            "null 20000/20000 mix ±50%",
            (20000, 5000),
            (20000, 5000),
            shift,
        ),
        null(
            "null 10000/2000 mix ±50%",
            (10000, 3000),
            (2000, 600),
            Some([0.5, 1.5, 0.5, 1.5]),
        ),
        Scenario {
            name: "cancel latency x2, source timeout, ~750 cancels a side",
            base: (3000, 2500),
            current: (3000, 2500),
            change: Change {
                latency: Some(("timeout", 2.0)),
                ..Change::default()
            },
            target: Some(("timeout", "cancel_latency")),
            improved: None,
        },
        Scenario {
            name: "duration x1.5, channel slack, ~750 runs a side",
            base: (2500, 500),
            current: (2500, 500),
            change: Change {
                duration: Some(("slack", 1.5)),
                ..Change::default()
            },
            target: Some(("slack", "duration")),
            improved: None,
        },
        Scenario {
            name: "error rate +5 pp, channel slack, ~3000 runs a side",
            base: (10000, 2000),
            current: (10000, 2000),
            change: Change {
                error: Some(("slack", 0.05)),
                ..Change::default()
            },
            target: Some(("slack", "error_rate")),
            improved: None,
        },
        // the power table: smaller effects and other sizes (slack is 30 % of
        // runs; the timeout source 30 % of cancels, 92 % of them with a latency)
        power(
            "duration x1.2, slack ~750 runs a side",
            (2500, 500),
            dur(1.2),
            ("slack", "duration"),
        ),
        power(
            "duration x1.5, slack ~150 runs a side",
            (500, 100),
            dur(1.5),
            ("slack", "duration"),
        ),
        power(
            "duration x1.5, slack ~3000 runs a side",
            (10000, 500),
            dur(1.5),
            ("slack", "duration"),
        ),
        power(
            "duration x2, slack ~150 runs a side",
            (500, 100),
            dur(2.0),
            ("slack", "duration"),
        ),
        power(
            "error +2 pp, slack ~3000 runs a side",
            (10000, 500),
            err(0.02),
            ("slack", "error_rate"),
        ),
        power(
            "error +5 pp, slack ~750 runs a side",
            (2500, 500),
            err(0.05),
            ("slack", "error_rate"),
        ),
        power(
            "error +5 pp, slack ~300 runs a side",
            (1000, 200),
            err(0.05),
            ("slack", "error_rate"),
        ),
        power(
            "cancel latency x1.5, timeout ~750 cancels a side",
            (3000, 2500),
            lat(1.5),
            ("timeout", "cancel_latency"),
        ),
        power(
            "cancel latency x2, timeout ~150 cancels a side",
            (600, 500),
            lat(2.0),
            ("timeout", "cancel_latency"),
        ),
        Scenario {
            name: "improvement: duration x0.5, channel slack",
            base: (2500, 500),
            current: (2500, 500),
            change: Change {
                duration: Some(("slack", 0.5)),
                ..Change::default()
            },
            target: None,
            improved: Some("duration"),
        },
        Scenario {
            name: "improvement: cancel latency x0.5, source timeout",
            base: (3000, 2500),
            current: (3000, 2500),
            change: Change {
                latency: Some(("timeout", 0.5)),
                ..Change::default()
            },
            target: None,
            improved: Some("cancel_latency"),
        },
    ]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut pairs, mut power_pairs, mut seed, mut only) = (1000usize, 300usize, 1u64, None);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_default();
        match a.as_str() {
            "--pairs" => pairs = val().parse().expect("--pairs N"),
            "--power-pairs" => power_pairs = val().parse().expect("--power-pairs N"),
            "--seed" => seed = val().parse().expect("--seed S"),
            "--only" => only = Some(val()),
            _ => {
                eprintln!(
                    "usage: drift_sim [--pairs N] [--power-pairs N] [--seed S] [--only NAME]"
                );
                std::process::exit(2);
            }
        }
    }
    let opts = Options::default();
    println!("| scenario | pairs | fail | rate (95% CI) | warn | untestable rows |");
    println!("|---|--:|--:|---|--:|--:|");
    let mut worst = 0.0f64;
    for (si, sc) in scenarios().into_iter().enumerate() {
        if only.as_deref().is_some_and(|o| !sc.name.contains(o)) {
            continue;
        }
        let n = if sc.target.is_some() {
            power_pairs
        } else {
            pairs
        };
        let mut rng = Rng(seed ^ ((si as u64 + 1) << 40));
        let (mut hits, mut warns, mut untestable, mut bad_improvements) = (0, 0, 0, 0);
        for _ in 0..n {
            let b = window(&mut rng, sc.base.0, sc.base.1, &Change::default());
            let c = window(&mut rng, sc.current.0, sc.current.1, &sc.change);
            let r = diff::compare(&b, "base", &c, "current", &opts);
            let fails = |pred: &dyn Fn(&diff::Row) -> bool| {
                r.rows.iter().any(|row| {
                    row.verdict == Verdict::Drift && row.level == Some(Level::Fail) && pred(row)
                })
            };
            let hit = match sc.target {
                None => r.failed,
                Some((key, prefix)) => {
                    fails(&|row| row.key == key && row.metric.starts_with(prefix))
                }
            };
            hits += hit as usize;
            if hit && sc.target.is_none() && std::env::var_os("DRIFT_SIM_EXPLAIN").is_some() {
                for row in r.rows.iter().filter(|x| x.level == Some(Level::Fail)) {
                    eprintln!(
                        "  {}: {} {} {} {} base {:?} current {:?} n {}/{} p {:?} adj {:?}",
                        sc.name,
                        row.section,
                        row.slice,
                        row.key,
                        row.metric,
                        row.base,
                        row.current,
                        row.n_base,
                        row.n_current,
                        row.p_value,
                        row.p_adjusted
                    );
                }
            }
            warns += (r.counts.warn > 0) as usize;
            untestable += r.counts.untestable;
            if let Some(m) = sc.improved {
                bad_improvements += fails(&|row| row.metric.starts_with(m)) as usize;
            }
        }
        let (lo, hi) = wilson(hits, n);
        println!(
            "| {} | {n} | {hits} | {:.1}% ({:.1}–{:.1}%) | {warns} | {untestable} |",
            sc.name,
            100.0 * hits as f64 / n as f64,
            100.0 * lo,
            100.0 * hi
        );
        if sc.improved.is_some() && bad_improvements > 0 {
            println!("  ! {bad_improvements} pairs failed on the improved metric");
        }
        if sc.target.is_none() {
            worst = worst.max(hits as f64 / n as f64);
        }
    }
    eprintln!("worst false-alarm rate: {:.2}%", 100.0 * worst);
}

//! Thresholds of `diff`: defaults, a TOML file, and `--threshold` flags.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every metric `diff` compares.
pub const METRICS: &[Metric] = &[
    Metric::rate("completion_rate", Direction::DownIsWorse),
    Metric::rate("error_rate", Direction::UpIsWorse),
    Metric::rate("cancel_rate", Direction::UpIsWorse),
    Metric::pct("duration_p50"),
    Metric::pct("duration_p95"),
    Metric::pct("duration_p99"),
    Metric::rate("unacknowledged_rate", Direction::UpIsWorse),
    Metric::pct("cancel_latency_p50"),
    Metric::pct("cancel_latency_p95"),
    Metric::pct("cancel_latency_p99"),
    Metric::rate("match_rate", Direction::DownIsWorse),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    UpIsWorse,
    DownIsWorse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A proportion; effect in percentage points.
    Rate,
    /// A latency/duration percentile; effect in relative %.
    Percentile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    pub name: &'static str,
    pub kind: Kind,
    pub direction: Direction,
}

impl Metric {
    const fn rate(name: &'static str, direction: Direction) -> Metric {
        Metric {
            name,
            kind: Kind::Rate,
            direction,
        }
    }
    const fn pct(name: &'static str) -> Metric {
        Metric {
            name,
            kind: Kind::Percentile,
            direction: Direction::UpIsWorse,
        }
    }
    pub fn by_name(name: &str) -> Option<Metric> {
        METRICS.iter().copied().find(|m| m.name == name)
    }
}

/// Effect sizes (in the worse direction) that make a significant change a
/// `warn` or a `fail`: percentage points for rates, relative % for percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub warn: f64,
    pub fail: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// Significance level (Holm-adjusted) for a `fail`.
    pub alpha_fail: f64,
    /// Significance level (Holm-adjusted) for a `warn`.
    pub alpha_warn: f64,
    /// Rates are compared only when both sides have this many denominators
    /// (terminal runs, cancels, reactions).
    pub min_runs: u64,
    /// Percentiles are compared only when both sides have this many values.
    pub min_samples: u64,
    pub rate: Tier,
    pub percentile: Tier,
    /// Per-metric overrides, by metric name.
    pub metrics: BTreeMap<String, Tier>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            alpha_fail: 0.01,
            alpha_warn: 0.05,
            min_runs: 30,
            min_samples: 30,
            rate: Tier {
                warn: 0.5,
                fail: 1.0,
            },
            percentile: Tier {
                warn: 10.0,
                fail: 20.0,
            },
            metrics: BTreeMap::new(),
        }
    }
}

impl Thresholds {
    pub fn from_toml(text: &str) -> Result<Thresholds, String> {
        let t: Thresholds = toml::from_str(text).map_err(|e| e.to_string())?;
        t.validate()?;
        Ok(t)
    }

    pub fn validate(&self) -> Result<(), String> {
        for name in self.metrics.keys() {
            if Metric::by_name(name).is_none() {
                let known: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
                return Err(format!(
                    "unknown metric `{name}` (known: {})",
                    known.join(", ")
                ));
            }
        }
        let tiers = [&self.rate, &self.percentile]
            .into_iter()
            .chain(self.metrics.values());
        for t in tiers {
            if !(t.warn >= 0.0 && t.fail >= t.warn && t.fail.is_finite()) {
                return Err(format!(
                    "thresholds need 0 <= warn <= fail (got warn {}, fail {})",
                    t.warn, t.fail
                ));
            }
        }
        for a in [self.alpha_fail, self.alpha_warn] {
            if !(a > 0.0 && a < 1.0) {
                return Err(format!("alpha must be between 0 and 1 (got {a})"));
            }
        }
        Ok(())
    }

    pub fn tier(&self, m: &Metric) -> Tier {
        self.metrics.get(m.name).copied().unwrap_or(match m.kind {
            Kind::Rate => self.rate,
            Kind::Percentile => self.percentile,
        })
    }

    /// Apply `METRIC=WARN:FAIL` (or `METRIC=FAIL`, warn then half of it).
    pub fn set(&mut self, spec: &str) -> Result<(), String> {
        let (name, vals) = spec.split_once('=').ok_or_else(|| {
            format!("--threshold {spec}: expected METRIC=WARN:FAIL, e.g. error_rate=0.5:1")
        })?;
        Metric::by_name(name).ok_or_else(|| {
            let known: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
            format!(
                "--threshold {spec}: unknown metric `{name}` (known: {})",
                known.join(", ")
            )
        })?;
        let num = |s: &str| {
            s.trim()
                .trim_end_matches(['%'])
                .trim_end_matches("pp")
                .parse::<f64>()
                .map_err(|_| format!("--threshold {spec}: `{s}` is not a number"))
        };
        let tier = match vals.split_once(':') {
            Some((w, f)) => Tier {
                warn: num(w)?,
                fail: num(f)?,
            },
            None => {
                let f = num(vals)?;
                Tier {
                    warn: f / 2.0,
                    fail: f,
                }
            }
        };
        self.metrics.insert(name.to_string(), tier);
        self.validate()
            .map_err(|e| format!("--threshold {spec}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_flags() {
        let t = Thresholds::from_toml(
            "min_runs = 100\n[rate]\nwarn = 1.0\nfail = 3.0\n[metrics.duration_p95]\nwarn = 5\nfail = 15\n",
        )
        .unwrap();
        assert_eq!(t.min_runs, 100);
        assert_eq!(t.tier(&Metric::by_name("error_rate").unwrap()).fail, 3.0);
        assert_eq!(t.tier(&Metric::by_name("duration_p95").unwrap()).warn, 5.0);
        assert_eq!(t.min_samples, 30, "unset keys keep their defaults");
        assert!(Thresholds::from_toml("[metrics.nope]\nwarn=1\nfail=2").is_err());
        assert!(Thresholds::from_toml("typo = 1").is_err());
        let mut t = Thresholds::default();
        t.set("error_rate=0.25:0.75").unwrap();
        t.set("duration_p99=30%").unwrap();
        assert_eq!(t.tier(&Metric::by_name("duration_p99").unwrap()).warn, 15.0);
        assert!(t.set("error_rate=2:1").is_err());
        assert!(t.set("bogus=1").is_err());
    }
}

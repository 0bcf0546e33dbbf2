//! `auditsum diff BASE.json CURRENT.json`

use std::path::PathBuf;

use anyhow::Context;

use crate::cmd::{stdout, Status};
use crate::diff::thresholds::Thresholds;
use crate::diff::{self, Options};
use crate::output::{pair_trailer, with_ext, write_set};
use crate::render::diff_markdown::DiffMarkdown;
use crate::render::json::Json;
use crate::render::Render;
use crate::select::parse_duration_ms;
use crate::time::parse_rfc3339_ms;

#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  auditsum diff base/week-08.json base/week-09.json            Markdown report on stdout
  auditsum diff base.json current.json --out reports/drift     writes reports/drift.md and .json
  auditsum diff base.json current.json --threshold error_rate=0.5:1 --min-runs 100
  auditsum diff base.json current.json --thresholds drift.toml --max-age 2d

A change is drift when it is worse by at least the threshold (percentage points for
rates, relative % for percentiles) AND significant after Holm's correction over all
comparisons that could reach significance (Fisher's exact test, mid-p, for rates; the
same on the values above the pooled quantile of the HDR histograms for percentiles).
Total, backend and origin slices mix channels: they warn but never fail.
Exit 0: no failing drift; 1: failing drift or a stale CURRENT; 2: bad usage, an
unreadable artifact, or two artifacts summarised with different filters, dialect or
anonymisation (--force compares them anyway). See docs/ci.md.

Metrics: completion_rate, error_rate, cancel_rate, duration_p50/p95/p99,
unacknowledged_rate, cancel_latency_p50/p95/p99, match_rate.")]
pub struct Args {
    /// The reference baseline (a JSON artifact of `auditsum summarize --out`).
    #[arg(value_name = "BASE.json")]
    pub base: PathBuf,

    /// The baseline to judge.
    #[arg(value_name = "CURRENT.json")]
    pub current: PathBuf,

    /// Write PREFIX.md and PREFIX.json (atomically).
    #[arg(long, value_name = "PREFIX")]
    pub out: Option<PathBuf>,

    /// Print the JSON report to stdout instead of Markdown.
    #[arg(long)]
    pub json: bool,

    /// Thresholds from a TOML file (see docs/ci.md); flags override it.
    #[arg(long, value_name = "FILE")]
    pub thresholds: Option<PathBuf>,

    /// Per-metric thresholds, METRIC=WARN:FAIL (pp for rates, % for
    /// percentiles), e.g. error_rate=0.5:1 or duration_p95=10:25; repeatable.
    #[arg(long = "threshold", value_name = "METRIC=WARN:FAIL")]
    pub threshold: Vec<String>,

    /// Compare a rate only when both sides have at least N (terminal runs,
    /// cancels, reactions). [default: 30]
    #[arg(long, value_name = "N")]
    pub min_runs: Option<u64>,

    /// Compare a percentile only when both sides have at least N values. [default: 30]
    #[arg(long, value_name = "N")]
    pub min_samples: Option<u64>,

    /// Also compare per-session slices (rates only).
    #[arg(long)]
    pub sessions: bool,

    /// Fail when CURRENT's last event is older than this before --now (30m, 24h, 7d).
    #[arg(long, value_name = "DURATION")]
    pub max_age: Option<String>,

    /// The time --max-age counts from (RFC 3339; default: the clock).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// This report is one of N checked together (drift-check.sh passes its
    /// number of windows): both significance levels are divided by N.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub comparisons: u64,

    /// Compare even when the two artifacts were summarised with different
    /// filters (other than the time window), dialect or anonymisation.
    #[arg(long)]
    pub force: bool,

    /// Print nothing on stdout when --out is given.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

fn thresholds(args: &Args) -> anyhow::Result<Thresholds> {
    let mut t = match &args.thresholds {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("{}: cannot read the thresholds file", p.display()))?;
            Thresholds::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
        }
        None => Thresholds::default(),
    };
    for spec in &args.threshold {
        t.set(spec).map_err(anyhow::Error::msg)?;
    }
    if let Some(n) = args.min_runs {
        t.min_runs = n;
    }
    if let Some(n) = args.min_samples {
        t.min_samples = n;
    }
    t.alpha_fail /= args.comparisons as f64;
    t.alpha_warn /= args.comparisons as f64;
    Ok(t)
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let thresholds = thresholds(&args)?;
    let max_age = match &args.max_age {
        None => None,
        Some(s) => {
            let ms = parse_duration_ms(s)
                .with_context(|| format!("--max-age {s}: not a duration (e.g. 30m, 24h, 7d)"))?;
            let now = match &args.now {
                Some(n) => parse_rfc3339_ms(n)
                    .with_context(|| format!("--now {n}: not an RFC 3339 time"))?,
                None => crate::time::now_ms(),
            };
            Some((ms, s.clone(), now))
        }
    };
    let base = diff::load(&args.base)?;
    let current = diff::load(&args.current)?;
    let mismatches = diff::compat::mismatches(&base, &current);
    if !mismatches.is_empty() && !args.force {
        anyhow::bail!(
            "{} and {} were summarised differently ({}); compare artifacts made with the same filters, dialect and anonymisation, or pass --force",
            args.base.display(),
            args.current.display(),
            mismatches.join("; ")
        );
    }
    let report = diff::compare(
        &base.baseline,
        &args.base.display().to_string(),
        &current.baseline,
        &args.current.display().to_string(),
        &Options {
            thresholds,
            sessions: args.sessions,
            max_age,
            warnings: mismatches
                .iter()
                .map(|m| format!("compared with --force although {m}"))
                .collect(),
        },
    );
    // each format rendered once, whether it goes to a file, stdout, or both
    let md = DiffMarkdown.render(&report);
    let json = Json.render(&report);
    if let Some(prefix) = &args.out {
        let mut md = md.clone();
        md.extend(pair_trailer(&json).into_bytes());
        write_set(
            &[
                (with_ext(prefix, "json"), &json),
                (with_ext(prefix, "md"), &md),
            ],
            &[args.base.clone(), args.current.clone()],
        )?;
    }
    if args.json {
        stdout(&json).context("writing to stdout")?;
    } else if !(args.quiet && args.out.is_some()) {
        stdout(&md).context("writing to stdout")?;
    }
    for w in &report.warnings {
        crate::ui::warn(w);
    }
    if let Some(s) = &report.stale {
        crate::ui::fail(
            "stale",
            &format!(
                "{} has no event within {} of {}",
                args.current.display(),
                s.max_age,
                s.now
            ),
        );
    }
    if report.counts.fail > 0 {
        let first = report.rows.first().expect("a failing row exists");
        crate::ui::fail(
            "drift",
            &format!(
                "{} failing comparisons; first: {} {} {} {}",
                report.counts.fail, first.section, first.slice, first.key, first.metric
            ),
        );
    }
    Ok(if report.failed {
        Status::CheckFailed
    } else {
        Status::Ok
    })
}

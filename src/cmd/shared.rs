//! The options `summarize` and `merge` share, declared once and flattened into
//! both (`#[command(flatten)]`), and what both do with them: the selection,
//! the series and `--auto-window`, the anonymizer, the artifact pair and
//! `--strict`.

use std::path::PathBuf;

use anyhow::Context;

use crate::anonymize::Anonymizer;
use crate::baseline::Baseline;
use crate::cmd::Status;
use crate::output::{pair_trailer, with_ext, write_set, Written};
use crate::render::markdown::Markdown;
use crate::render::Render;
use crate::select::{parse_time, parse_where, Selection};
use crate::series::window::{self, AutoWindow};
use crate::series::BucketSpec;
use crate::time::parse_rfc3339_ms;
use crate::ui;

/// Where the artifact goes.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Print the JSON artifact to stdout instead of the table.
    #[arg(long)]
    pub json: bool,

    /// Write PREFIX.json and PREFIX.md (atomically: never half written).
    #[arg(long, value_name = "PREFIX")]
    pub out: Option<PathBuf>,

    /// Rows of the long tables (sessions, reasons, rules…) in Markdown and the
    /// terminal; the JSON artifact always keeps everything.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,

    /// Exit 1 when any file is unreadable or any line malformed (the
    /// artifacts are still written).
    #[arg(long)]
    pub strict: bool,

    /// Print nothing but errors (and --json output).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Which data the artifact covers.
#[derive(Debug, Clone, clap::Args)]
pub struct SelectArgs {
    /// Only data from this time on: RFC 3339, a date (midnight UTC), or a
    /// duration before --now (24h, 7d). A run belongs to the window of its
    /// start; cancels and reactions are selected by their own time.
    #[arg(long, value_name = "TIME", help_heading = "Selection")]
    pub since: Option<String>,

    /// Only data before this time (exclusive; same forms as --since), so that
    /// consecutive windows partition the runs.
    #[arg(long, value_name = "TIME", help_heading = "Selection")]
    pub until: Option<String>,

    /// What relative --since/--until count back from (RFC 3339; default: the clock).
    #[arg(long, value_name = "TIME", help_heading = "Selection")]
    pub now: Option<String>,

    /// Keep one scope: channel, backend, origin or session (repeatable; the
    /// same key twice means either value). E.g. --where backend=pi
    #[arg(long = "where", value_name = "KEY=VALUE", help_heading = "Selection")]
    pub wheres: Vec<String>,
}

/// A time series, and a window picked from the data.
#[derive(Debug, Clone, clap::Args)]
pub struct SeriesArgs {
    /// Pick --since/--until from the data: the most recent window, whole
    /// buckets back from the last timed event (before --until, if given),
    /// that holds at least N cancels (`cancels=N`) or runs (`runs=N`). Reads
    /// the input (or finalises the states) twice; recorded under `filters`.
    #[arg(
        long,
        value_name = "cancels=N|runs=N",
        help_heading = "Selection",
        conflicts_with = "since"
    )]
    pub auto_window: Option<String>,

    /// Add a time series: the figures per bucket of this size (15m, 1h, 1d,
    /// 1w), or `auto` (at most 60 buckets over the window). Buckets are
    /// aligned to the Unix epoch; a run belongs to the bucket of its start.
    /// Adds `series` to the JSON, charts to the Markdown and a trend column
    /// to the table. With states, a whole number of minutes.
    #[arg(long, value_name = "DURATION|auto", help_heading = "Series")]
    pub bucket: Option<String>,
}

impl SeriesArgs {
    pub fn bucket(&self) -> anyhow::Result<Option<BucketSpec>> {
        self.bucket
            .as_deref()
            .map(|b| BucketSpec::parse(b).map_err(|e| anyhow::anyhow!("--bucket {e}")))
            .transpose()
    }

    pub fn auto_window(&self) -> anyhow::Result<Option<AutoWindow>> {
        self.auto_window
            .as_deref()
            .map(|w| AutoWindow::parse(w).map_err(|e| anyhow::anyhow!("--auto-window {e}")))
            .transpose()
    }

    pub fn is_empty(&self) -> bool {
        self.bucket.is_none() && self.auto_window.is_none()
    }
}

/// `--auto-window`, once `probe` (the artifact with the series of `bucket`,
/// or of `auto`) is known: the chosen window is set on `sel` (never past its
/// `--until`), and a `--bucket auto` is fixed to the size the bounds align to.
pub fn pick_window(
    probe: &Baseline,
    want: AutoWindow,
    sel: &mut Selection,
    bucket: &mut Option<BucketSpec>,
    quiet: bool,
) {
    let chosen = probe
        .series
        .as_ref()
        .and_then(|s| window::choose(s, probe.window.last_ts.as_deref(), want));
    let Some(chosen) = chosen else {
        if !quiet {
            ui::warn("--auto-window: no timed events in scope; no window was applied");
        }
        return;
    };
    if !chosen.enough && !quiet {
        ui::warn(&format!(
            "--auto-window {}: all timed data holds only {}; the window covers all of it",
            want.spelling(),
            chosen.held
        ));
    }
    sel.since = Some(chosen.since);
    // a bucket may reach past --until: the window never does
    sel.until = Some(sel.until.map_or(chosen.until, |u| u.min(chosen.until)));
    if let (Some(BucketSpec::Auto), Some(s)) = (*bucket, &probe.series) {
        *bucket = i64::try_from(s.bucket_ms).ok().map(BucketSpec::Fixed);
    }
}

/// Pseudonyms for session ids.
#[derive(Debug, Clone, clap::Args)]
pub struct PrivacyArgs {
    /// Replace session ids by a keyed hash (HMAC-SHA256 of --salt): the same
    /// salt gives the same pseudonyms in every window.
    #[arg(long, help_heading = "Privacy")]
    pub anonymize: bool,

    /// The secret key of --anonymize (prefer the environment variable).
    #[arg(
        long,
        env = "AUDITSUM_SALT",
        hide_env_values = true,
        value_name = "SALT",
        help_heading = "Privacy"
    )]
    pub salt: Option<String>,
}

impl SelectArgs {
    /// The selection of `--since`, `--until`, `--now` and `--where`.
    pub fn selection(&self) -> anyhow::Result<Selection> {
        let now = match &self.now {
            Some(n) => parse_rfc3339_ms(n).with_context(|| {
                format!("--now {n}: not an RFC 3339 time (e.g. 2026-02-27T00:00:00Z)")
            })?,
            None => crate::time::now_ms(),
        };
        let bound = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<i64>> {
            v.as_deref()
                .map(|s| parse_time(s, now).map_err(|e| anyhow::anyhow!("--{flag} {e}")))
                .transpose()
        };
        let mut sel = Selection {
            since: bound("since", &self.since)?,
            until: bound("until", &self.until)?,
            ..Selection::default()
        };
        if let (Some(s), Some(u)) = (sel.since, sel.until) {
            anyhow::ensure!(
                s < u,
                "--since must be before --until (the window is [since, until))"
            );
        }
        for w in &self.wheres {
            let (attr, value) = parse_where(w).map_err(anyhow::Error::msg)?;
            sel.wheres.entry(attr).or_default().push(value);
        }
        Ok(sel)
    }
}

impl PrivacyArgs {
    /// The anonymizer `--anonymize` asks for (an error without a salt).
    pub fn anonymizer(&self) -> anyhow::Result<Option<Anonymizer>> {
        match (self.anonymize, &self.salt) {
            (false, _) => Ok(None),
            (true, Some(salt)) if !salt.is_empty() => Ok(Some(Anonymizer::new(salt))),
            (true, _) => anyhow::bail!(
                "--anonymize needs a salt: pass --salt SALT or set AUDITSUM_SALT (keep it secret and the same for every window and state)"
            ),
        }
    }
}

impl OutputArgs {
    /// Write PREFIX.json and PREFIX.md as one pair (the Markdown ends with
    /// the SHA-256 of the JSON; both are complete before either replaces an
    /// old file), refusing to overwrite any of `inputs`. `json` is the
    /// rendered JSON of `b`. Nothing without `--out`.
    pub fn write_pair(
        &self,
        b: &Baseline,
        json: &[u8],
        inputs: &[PathBuf],
    ) -> anyhow::Result<Option<(Written, PathBuf, PathBuf)>> {
        let Some(prefix) = &self.out else {
            return Ok(None);
        };
        let json_path = with_ext(prefix, "json");
        let md_path = with_ext(prefix, "md");
        let mut md = Markdown { top: self.top }.render(b);
        md.extend(pair_trailer(json).into_bytes());
        let written = write_set(&[(json_path.clone(), json), (md_path.clone(), &md)], inputs)?;
        Ok(Some((written, json_path, md_path)))
    }

    /// `--strict`: exit 1 (saying why) when a file was unreadable or a line
    /// malformed.
    pub fn strict_status(&self, b: &Baseline) -> Status {
        if !self.strict {
            return Status::Ok;
        }
        if let Some(u) = b.inputs.unreadable.first() {
            ui::fail("--strict", &format!("{}: unreadable: {}", u.file, u.reason));
            return Status::CheckFailed;
        }
        if let Some(s) = b.inputs.malformed_samples.first() {
            ui::fail(
                "--strict",
                &format!("{}:{}: malformed line ({})", s.file, s.line, s.reason),
            );
            return Status::CheckFailed;
        }
        Status::Ok
    }
}

/// `N files skipped (HOW)`, or nothing when none was.
pub fn files_skipped(skipped: usize, how_to_list: &str) -> Option<String> {
    (skipped > 0).then(|| {
        format!(
            "{skipped} file{} skipped ({how_to_list})",
            if skipped == 1 { "" } else { "s" }
        )
    })
}

/// What `summarize` and `inspect` say when the paths hold no log file.
pub fn no_log_files(paths: &[PathBuf], skipped: Option<String>) -> String {
    format!(
        "no log files found in {} (looked for *.jsonl, *.ndjson, rotated *.log, *.jsonl.1, *.log-20260227, .gz/.zst{})",
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        skipped.map(|n| format!("; {n}")).unwrap_or_default()
    )
}

//! `auditsum summarize PATH...`

use std::path::PathBuf;

use anyhow::Context;

use crate::cmd::shared::{OutputArgs, PrivacyArgs, SelectArgs, SeriesArgs};
use crate::cmd::{shared, stdout, Status};
use crate::dialect::{Choice, How};
use crate::output::with_ext;
use crate::pipeline::{self, Config, DEFAULT_CHUNK, DEFAULT_MAX_LINE};
use crate::render::json::Json;
use crate::render::table::Table;
use crate::render::Render;
use crate::select::{self, Selection};
use crate::series::{window::AutoWindow, BucketSpec};
use crate::ui;

#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  auditsum summarize logs/                      terminal table for every log under logs/
  auditsum summarize logs/ --json > base.json   the JSON artifact on stdout
  auditsum summarize logs/ --out artifacts/base writes artifacts/base.json and artifacts/base.md
  zcat audit.jsonl.gz | auditsum summarize -    read standard input
  auditsum summarize logs/ --include '*.txt'    also read *.txt files inside directories
  auditsum summarize logs/ --since 7d --where backend=pi --out base/pi-week
                                                the last 7 days of the pi backend
  AUDITSUM_SALT=… auditsum summarize logs/ --anonymize --out base/week
                                                session ids replaced by keyed hashes

Inside directories, *.jsonl and *.ndjson (optionally .gz or .zst) are read, and rotated
*.log / *.log.N files whose first line is a JSON object; everything else is skipped (see -v).
Files named on the command line are always read. gzip and zstd are recognised by content.")]
pub struct Args {
    /// Log files or directories (walked recursively); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Worker threads (0: one per core; at most 1024).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=MAX_THREADS))]
    pub threads: usize,

    /// Also read files matching GLOB inside directories (file name or path
    /// relative to the directory argument); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Lines longer than this are counted malformed (`oversized`) and skipped
    /// without being held in memory (1 byte to 4 GiB).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_LINE,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_LINE_LIMIT))]
    pub max_line_bytes: usize,

    /// Keep at most N distinct values per table (channels, sessions, reasons,
    /// event types…); the rest are counted under `(other)`, with a warning.
    /// Bounds memory against logs with millions of fake ids.
    #[arg(long, value_name = "N", default_value_t = crate::aggregate::keys::DEFAULT_MAX_KEYS)]
    pub max_keys: usize,

    /// A path that holds no log file is not an error: write an empty
    /// summary (exit 0) instead of failing with exit 2.
    #[arg(long)]
    pub allow_empty: bool,

    /// Exit 1 when the summary holds nothing: no run, cancel, reaction or
    /// event was selected (the artifacts are still written). For scripts that
    /// must not publish empty baselines.
    #[arg(long)]
    pub fail_empty: bool,

    /// How to read the logs: `auto` (per file, from its first lines), a
    /// built-in dialect (`default`: SPEC audit logs; `openclaw`: OpenClaw
    /// diagnostic events) or a mapping file (see `auditsum dialect show`).
    #[arg(
        long,
        value_name = "auto|default|openclaw|PATH.toml",
        default_value = "auto"
    )]
    pub dialect: String,

    /// List skipped files and timing on stderr.
    #[arg(long, short = 'v', conflicts_with = "quiet")]
    pub verbose: bool,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub series: SeriesArgs,

    #[command(flatten)]
    pub privacy: PrivacyArgs,

    /// Also write the partial state to FILE (`-`: standard output), for
    /// `auditsum merge`; alone (without --json/--out) nothing else is printed.
    /// The state keeps everything: a selection given here applies to the
    /// artifacts only, and its bounds must fall on whole minutes.
    #[arg(long, value_name = "FILE", help_heading = "Scale")]
    pub state: Option<PathBuf>,

    /// The name standard input goes by in samples, errors and states
    /// (default `<stdin>`); states of several streams must have different labels.
    #[arg(long, value_name = "NAME")]
    pub label: Option<String>,

    /// Milliseconds of work before the progress bar appears (testing aid).
    #[arg(long, hide = true, default_value_t = 1000)]
    pub progress_delay_ms: u64,

    /// Size of the byte ranges large plain files are split into (testing aid).
    #[arg(long, hide = true, default_value_t = DEFAULT_CHUNK)]
    pub chunk_bytes: u64,
}

/// Upper bound of `-j`: more threads than this only cost memory.
const MAX_THREADS: u64 = 1024;
/// Upper bound of `--max-line-bytes` (a line buffer can grow to it).
pub(crate) const MAX_LINE_LIMIT: u64 = 4 << 30;

/// `--auto-window`: a first pass counts per bucket (a plain summary: the
/// same figures as a state's), then the window is set on `cfg` (and a
/// `--bucket auto` fixed to the size the bounds align to).
fn choose_window(cfg: &mut Config, want: AutoWindow, quiet: bool) -> anyhow::Result<()> {
    anyhow::ensure!(
        !cfg.paths.iter().any(|p| p.as_os_str() == "-"),
        "--auto-window reads the input twice: pass files or directories, not - (standard input)"
    );
    let probe = pipeline::summarize(&Config {
        bucket: Some(cfg.bucket.unwrap_or(BucketSpec::Auto)),
        for_state: false,
        ..cfg.clone()
    })?;
    shared::pick_window(
        &probe.baseline,
        want,
        &mut cfg.selection,
        &mut cfg.bucket,
        quiet,
    );
    Ok(())
}

/// No table on stdout: `-q` with `--out` writes the files only, `--state`
/// without `--out` the state only.
fn files_or_state_only(args: &Args) -> bool {
    let files_only = args.output.out.is_some() && args.output.quiet;
    let state_only = args.state.is_some() && args.output.out.is_none();
    files_only || state_only
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let anonymizer = args.privacy.anonymizer()?;
    let out = &args.output;
    let bucket = args.series.bucket()?;
    let mut cfg = Config {
        paths: args.paths.clone(),
        include: args.include.clone(),
        threads: args.threads,
        max_line_bytes: args.max_line_bytes,
        chunk_bytes: args.chunk_bytes,
        selection: args.select.selection()?,
        max_keys: args.max_keys,
        bucket,
        for_state: args.state.is_some(),
        label: args.label.clone(),
        dialect: Choice::parse(&args.dialect)?,
    };
    if let (Some(b), Some(_)) = (bucket, &args.state) {
        crate::cmd::merge::check_bucket(b)?;
    }
    let auto_window = args.series.auto_window()?;
    if let Some(want) = auto_window {
        choose_window(&mut cfg, want, out.quiet)?;
    }
    if args.state.is_some() {
        crate::cmd::merge::check_grain(&cfg.selection)?;
        anyhow::ensure!(
            !(out.json && args.state.as_deref() == Some(std::path::Path::new("-"))),
            "--json and --state - both write to standard output; send the state to a file"
        );
    }
    let started = std::time::Instant::now();
    let bar = if out.quiet {
        None
    } else {
        ui::Bar::new(std::time::Duration::from_millis(args.progress_delay_ms))
    };
    let collected = pipeline::collect(&cfg, bar.as_ref().map(|b| b as &dyn pipeline::Progress))?;
    if let Some(path) = &args.state {
        let st = crate::state::State::new(
            crate::state::Options::new(args.max_keys, args.max_line_bytes)
                .with_dialect(&cfg.dialect),
            collected.names.clone(),
            &collected.partial,
        );
        crate::cmd::merge::write_state(path, &st)?;
        // the process ends soon: do not free the state's copy entry by entry
        std::mem::forget(st);
    }
    let partial = collected.partial;
    let mut summary = pipeline::Summary {
        baseline: partial.finalize(&collected.names, &cfg.selection),
        skipped: collected.skipped,
        sources: collected.sources,
        dialects: collected.dialects,
    };
    let elapsed = started.elapsed();
    if let Some(a) = &anonymizer {
        a.apply(&mut summary.baseline);
    }
    if let Some(want) = auto_window {
        summary
            .baseline
            .filters
            .insert("auto_window".into(), want.spelling().into());
    }
    let b = &summary.baseline;

    if args.verbose {
        for (path, why) in &summary.skipped {
            let path = match &anonymizer {
                Some(a) => a.file(path),
                None => path.clone(),
            };
            ui::note(&format!("skipped {path}: {why}"));
        }
        for (path, dialect, how) in &summary.dialects {
            let path = match &anonymizer {
                Some(a) => a.file(path),
                None => path.clone(),
            };
            let how = match how {
                How::Asked => "--dialect".to_string(),
                How::Detected { votes } => {
                    format!("auto: {votes} of its first lines have its event types")
                }
                How::Fallback => "auto: no line of its head names a known event type".into(),
            };
            ui::note(&format!("dialect of {path}: {dialect} ({how})"));
        }
        let secs = elapsed.as_secs_f64().max(1e-9);
        ui::note(&format!(
            "read {} files, {} bytes, {} events in {:.3}s ({:.1} MB/s)",
            b.inputs.files,
            b.inputs.bytes,
            b.inputs.events,
            secs,
            b.inputs.bytes as f64 / 1e6 / secs
        ));
    }
    for u in &b.inputs.unreadable {
        ui::error(&format!(
            "{}: {} (the rest was summarised)",
            u.file, u.reason
        ));
    }
    if summary.sources == 0 {
        let looked = shared::no_log_files(
            &args.paths,
            skipped_note(summary.skipped.len(), args.verbose),
        );
        anyhow::ensure!(
            args.allow_empty,
            "{looked}; name files explicitly, widen the net with --include GLOB, or pass --allow-empty"
        );
        if !out.quiet {
            ui::warn(&looked);
        }
    } else if !out.quiet {
        if let Some(n) = skipped_note(summary.skipped.len(), args.verbose) {
            ui::note(&n);
        }
    }
    let empty = select::kept_nothing(b);
    // with -q, only a failing --fail-empty says why
    let speak = !out.quiet || (args.fail_empty && empty);
    if speak && select::needs_explaining(&cfg.selection, b) {
        // one more pass without the selection, to say what the data holds
        let all = pipeline::summarize(&Config {
            selection: Selection::default(),
            bucket: None,
            ..cfg.clone()
        })?;
        let hide_sessions = anonymizer.is_some();
        for msg in select::explain(&cfg.selection, b, &all.baseline, hide_sessions) {
            ui::warn(&msg);
        }
    }
    if !out.quiet {
        if b.inputs.overflowed_keys > 0 {
            ui::warn(&format!(
                "more than {} distinct values in a table; {} values were counted under `(other)` (raise --max-keys to name them all; which values keep their name then depends on input order)",
                args.max_keys, b.inputs.overflowed_keys
            ));
        }
        if let Some(first) = b.inputs.malformed_samples.first() {
            // in the user's words: the JSON key only where JSON is asked for
            let more = match (&out.out, out.json) {
                (Some(p), _) => format!(
                    "; the first ones are listed under \"Input problems\" in {}",
                    with_ext(p, "md").display()
                ),
                (None, true) => "; the first ones are in inputs.malformed_samples".to_string(),
                (None, false) => "; --strict turns this into a failure".to_string(),
            };
            ui::warn(&format!(
                "{} malformed lines skipped (first: {}:{}: {}){more}",
                b.inputs.malformed_lines, first.file, first.line, first.reason
            ));
        }
    }

    // rendered once, whether it goes to a file, stdout, or both
    let json_bytes = (out.json || out.out.is_some()).then(|| Json.render(b));
    if let Some(bytes) = &json_bytes {
        if let Some((written, json, md)) = out.write_pair(b, bytes, &args.paths)? {
            if args.verbose {
                for d in &written.created_dirs {
                    ui::note(&format!("created folder {}", d.display()));
                }
                ui::note(&format!("wrote {} and {}", json.display(), md.display()));
            }
        }
    }
    if let (true, Some(bytes)) = (out.json, &json_bytes) {
        stdout(bytes).context("writing to stdout")?;
    } else if !files_or_state_only(&args) {
        stdout(
            &Table {
                top: out.top,
                width: ui::stdout_width(),
                color: ui::stdout_color(),
            }
            .render(b),
        )
        .context("writing to stdout")?;
    }

    if out.strict_status(b) == Status::CheckFailed {
        return Ok(Status::CheckFailed);
    }
    if args.fail_empty && empty {
        ui::fail(
            "--fail-empty",
            &format!(
                "the summary holds no run, cancel, reaction or event{}",
                if b.filters.is_empty() {
                    String::new()
                } else {
                    format!(" (filters: {})", select::describe(&b.filters))
                }
            ),
        );
        return Ok(Status::CheckFailed);
    }
    Ok(Status::Ok)
}

/// "N files skipped (-v lists them)", unless nothing was skipped or `-v`
/// listed them already.
fn skipped_note(skipped: usize, verbose: bool) -> Option<String> {
    if verbose {
        None
    } else {
        shared::files_skipped(skipped, "-v lists them")
    }
}

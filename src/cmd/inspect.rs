//! `auditsum inspect PATH...`

use std::path::PathBuf;

use crate::anonymize::log_extension;
use crate::cmd::{shared, stdout, Status};
use crate::dialect::Choice;
use crate::inspect::{self, report, Options};
use crate::pipeline::DEFAULT_MAX_LINE;
use crate::ui;

#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  auditsum inspect logs/                          what is in these logs, per event type
  auditsum inspect logs/ --dialect openclaw       as the openclaw dialect reads them
  auditsum inspect logs/ --max-lines 0            read everything, not the first 100 000 lines
  auditsum inspect logs/ --json > shape.json      the same as JSON
  auditsum inspect logs/ --anonymize              no example values of id-like keys

Writing a mapping for another gateway: run `auditsum inspect logs/` to see which key holds
the event type, the time (and its unit: the `(epoch-ms)` hint), the run id, the session…,
start from `auditsum dialect show openclaw > mine.toml`, edit, `auditsum dialect check
mine.toml`, then `auditsum inspect logs/ --dialect mine.toml` shows what your mapping reads
(the \"read as\" column, and the paths it reads that no event carries).")]
pub struct Args {
    /// Log files or directories (walked recursively, as by summarize); `-`
    /// reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// How to read the logs: `auto` (per file, from its first lines), a
    /// built-in dialect, or a mapping file: the event type key and the
    /// "read as" column follow it.
    #[arg(
        long,
        value_name = "auto|default|openclaw|PATH.toml",
        default_value = "auto"
    )]
    pub dialect: String,

    /// Stop after N lines in all (0: read everything). inspect samples the
    /// shape of the logs; summarize counts.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_lines: u64,

    /// Example values shown per key.
    #[arg(long, value_name = "N", default_value_t = 3,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=20))]
    pub examples: usize,

    /// No example values for id-like keys (run ids, sessions, senders, keys
    /// named *id, *key, user, phone, email…), and files shown by number.
    #[arg(long)]
    pub anonymize: bool,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,

    /// Also read files matching GLOB inside directories; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Lines longer than this are counted as not JSON (`oversized`).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_LINE,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new()
              .range(1..=crate::cmd::summarize::MAX_LINE_LIMIT))]
    pub max_line_bytes: usize,
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let opts = Options {
        paths: args.paths.clone(),
        include: args.include.clone(),
        dialect: Choice::parse(&args.dialect)?,
        max_line_bytes: args.max_line_bytes,
        max_lines: args.max_lines,
        examples: args.examples,
        hide_ids: args.anonymize,
    };
    let mut r = inspect::inspect(&opts)?;
    anyhow::ensure!(
        !r.files.is_empty(),
        "{}; name files explicitly or widen the net with --include GLOB",
        shared::no_log_files(
            &args.paths,
            shared::files_skipped(r.skipped as usize, "summarize -v lists them")
        )
    );
    if args.anonymize {
        for (i, f) in r.files.iter_mut().enumerate() {
            f.file = format!("file {}{}", i + 1, log_extension(&f.file));
        }
    }
    if args.json {
        stdout(report::json(&r).as_bytes())?;
    } else {
        stdout(report::text(&r).as_bytes())?;
    }
    if r.lines == 0 {
        ui::warn("the logs hold no lines");
    } else if r.dialects.iter().all(|d| d.events == 0) {
        ui::warn("no line is a JSON object: are these JSONL logs?");
    }
    Ok(Status::Ok)
}

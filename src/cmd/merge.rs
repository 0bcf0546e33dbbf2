//! `auditsum merge STATE...`: combine state files (from `summarize --state`
//! or earlier merges) into artifacts or into one state. See docs/scale.md.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;

use crate::aggregate::cancels::{window_on_grain, GRAIN_MS};
use crate::cmd::shared::{self, OutputArgs, PrivacyArgs, SelectArgs, SeriesArgs};
use crate::cmd::{stdout, Status};
use crate::output::write_atomic;
use crate::render::json::Json;
use crate::render::table::Table;
use crate::render::Render;
use crate::select::{self, Selection};
use crate::series::{label, BucketSpec};
use crate::state::{self, State};
use crate::time::format_ms;
use crate::ui;

#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  auditsum summarize /var/log/gw --state gw1.state     on each host (a state: small, binary)
  auditsum merge gw*.state --out base/fleet            centrally: the fleet's artifacts
  auditsum merge a.state b.state --state ab.state      merge into a state (merges form trees)
  auditsum merge states/*.state --since 2026-02-25 --where backend=pi --json
  auditsum merge states/*.state --bucket 1h --auto-window cancels=200 --out base/recent

The artifacts are byte-identical to one `summarize` over all the logs with the same options
(files in path order). Windows and buckets must fall on whole minutes. States made with different
--max-keys or --max-line-bytes, of another format version, or corrupt, are refused (exit 2).")]
pub struct Args {
    /// State files (`-`: standard input, once).
    #[arg(required = true, value_name = "STATE")]
    pub states: Vec<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Write the merged state to FILE (`-`: standard output). A state keeps
    /// everything: selection options apply to --json/--out only.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub series: SeriesArgs,

    #[command(flatten)]
    pub privacy: PrivacyArgs,
}

/// A window a state can answer exactly: bounds on whole minutes.
pub fn check_grain(sel: &Selection) -> anyhow::Result<()> {
    if window_on_grain(sel) {
        return Ok(());
    }
    let (flag, t) = match sel.since {
        Some(s) if s.rem_euclid(GRAIN_MS) != 0 => ("--since", s),
        _ => ("--until", sel.until.unwrap_or_default()),
    };
    anyhow::bail!(
        "{flag} {}: states keep time by the minute, so a window must start and end on a whole minute (e.g. {}); pass whole-minute times (or a --now on a whole minute)",
        format_ms(t),
        format_ms(t - t.rem_euclid(GRAIN_MS))
    )
}

/// A bucket a state can answer exactly: a whole number of minutes (`auto`
/// always is).
pub fn check_bucket(b: BucketSpec) -> anyhow::Result<()> {
    let BucketSpec::Fixed(ms) = b else {
        return Ok(());
    };
    if ms % GRAIN_MS == 0 {
        return Ok(());
    }
    let below = ms - ms % GRAIN_MS;
    let near = match below {
        0 => label(GRAIN_MS),
        _ => format!("{} or {}", label(below), label(below + GRAIN_MS)),
    };
    anyhow::bail!(
        "--bucket {}: states keep time by the minute, so a bucket must be a whole number of minutes (e.g. {near}); for finer buckets summarise the logs without --state",
        label(ms)
    )
}

/// Write `st` to `path` (`-`: stdout).
pub fn write_state(path: &Path, st: &State) -> anyhow::Result<()> {
    let bytes = st.encode();
    if path == Path::new("-") {
        stdout(&bytes).context("writing the state to stdout")?;
    } else {
        write_atomic(path, &bytes)?;
    }
    Ok(())
}

/// The bytes of a state file (`-`: standard input), and its name.
fn read_state(path: &Path) -> anyhow::Result<(String, Vec<u8>)> {
    let (name, bytes) = if path == Path::new("-") {
        let mut b = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut b)
            .context("reading a state from standard input")?;
        ("<stdin>".to_string(), b)
    } else {
        let name = path.display().to_string();
        let b = state::read_file(path).with_context(|| {
            format!("{name}: cannot read the state (check the path and permissions)")
        })?;
        (name, b)
    };
    Ok((name, bytes))
}

/// Decode states read by [`read_state`] (one per core, order kept) and
/// merge them.
fn merge_bytes(raw: &[(String, Vec<u8>)]) -> anyhow::Result<State> {
    let states = raw
        .par_iter()
        .map(|(name, bytes)| Ok((name.clone(), State::decode(bytes, name)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(state::merge(states)?)
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let anonymizer = args.privacy.anonymizer()?;
    let mut sel = args.select.selection()?;
    check_grain(&sel)?;
    let mut bucket = args.series.bucket()?;
    if let Some(b) = bucket {
        check_bucket(b)?;
    }
    let auto_window = args.series.auto_window()?;
    let out = &args.output;
    let artifacts = out.json || out.out.is_some();
    if args.state.is_some()
        && !artifacts
        && (!sel.is_empty() || args.privacy.anonymize || !args.series.is_empty())
    {
        anyhow::bail!(
            "--since/--until/--where/--bucket/--auto-window/--anonymize apply to artifacts; a merged state keeps everything (add --json or --out)"
        );
    }
    let to_stdout = |p: &Option<PathBuf>| p.as_deref() == Some(Path::new("-"));
    anyhow::ensure!(
        !(out.json && to_stdout(&args.state)),
        "--json and --state - both write to standard output; send the state to a file"
    );
    anyhow::ensure!(
        args.states
            .iter()
            .filter(|p| p.as_path() == Path::new("-"))
            .count()
            <= 1,
        "`-` (standard input) can be given once"
    );

    // states decode independently: one per core (the order of the list is kept)
    let mut raw = args
        .states
        .par_iter()
        .map(|p| read_state(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = merge_bytes(&raw)?;
    // the bytes (a state's compressed size) are kept only while a selection
    // may leave something to explain: a second merge then says what the data holds
    if sel.is_empty() || out.quiet {
        raw = Vec::new();
    }
    if let Some(path) = &args.state {
        anyhow::ensure!(
            to_stdout(&args.state) || !args.states.contains(path),
            "--state {}: that is one of the states being merged; write the merged state to another file",
            path.display()
        );
        write_state(path, &merged)?;
        if !artifacts {
            // the process ends here: freeing millions of runs and groups
            // one by one would cost more than merging them
            std::mem::forget(merged);
            return Ok(Status::Ok);
        }
    }
    let names = merged.files.clone();
    let partial = merged.into_partial();
    if let Some(want) = auto_window {
        // a first finalisation counts per bucket (of a copy: finalising consumes)
        let probe = partial
            .clone()
            .with_series(Some(bucket.unwrap_or(BucketSpec::Auto)))
            .finalize(&names, &sel);
        shared::pick_window(&probe, want, &mut sel, &mut bucket, out.quiet);
        check_grain(&sel)?;
    }
    let mut b = partial.with_series(bucket).finalize_kept(&names, &sel);
    if let Some(a) = &anonymizer {
        a.apply(&mut b);
    }
    if let Some(want) = auto_window {
        b.filters
            .insert("auto_window".into(), want.spelling().into());
    }
    if !raw.is_empty() && select::needs_explaining(&sel, &b) {
        // what the states hold without the selection, to say what it left out
        let all = merge_bytes(&raw)?;
        let names = all.files.clone();
        let all = all.into_partial().finalize(&names, &Selection::default());
        for msg in select::explain(&sel, &b, &all, anonymizer.is_some()) {
            ui::warn(&msg);
        }
    }
    drop(raw);
    let json_bytes = Json.render(&b);
    out.write_pair(&b, &json_bytes, &args.states)?;
    if out.json {
        stdout(&json_bytes).context("writing to stdout")?;
    } else if !(out.quiet && out.out.is_some()) {
        let table = Table {
            top: out.top,
            width: ui::stdout_width(),
            color: ui::stdout_color(),
        };
        stdout(&table.render(&b)).context("writing to stdout")?;
    }
    Ok(out.strict_status(&b))
}

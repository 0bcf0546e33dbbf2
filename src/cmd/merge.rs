//! `auditsum merge STATE...`: combine state files (from `summarize --state`
//! or earlier merges) into artifacts or into one state. See docs/scale.md.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::aggregate::cancels::{window_on_grain, GRAIN_MS};
use crate::aggregate::Partial;
use crate::anonymize::Anonymizer;
use crate::cmd::{stdout, Status};
use crate::output::{with_ext, write_atomic};
use crate::render::json::Json;
use crate::render::markdown::Markdown;
use crate::render::table::Table;
use crate::render::Render;
use crate::select::Selection;
use crate::state::{self, State};
use crate::time::format_ms;
use crate::ui;

#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  auditsum summarize /var/log/gw --state gw1.state     on each host (a state: small, binary)
  auditsum merge gw*.state --out base/fleet            centrally: the fleet's artifacts
  auditsum merge a.state b.state --state ab.state      merge into a state (merges form trees)
  auditsum merge states/*.state --since 2026-02-25 --where backend=pi --json

The artifacts are byte-identical to one `summarize` over all the logs with the same options
(files in path order). Windows must fall on whole minutes. States made with different
--max-keys or --max-line-bytes, of another format version, or corrupt, are refused (exit 2).")]
pub struct Args {
    /// State files (`-`: standard input, once).
    #[arg(required = true, value_name = "STATE")]
    pub states: Vec<PathBuf>,

    /// Print the JSON artifact to stdout instead of the table.
    #[arg(long)]
    pub json: bool,

    /// Write PREFIX.json and PREFIX.md (atomically).
    #[arg(long, value_name = "PREFIX")]
    pub out: Option<PathBuf>,

    /// Write the merged state to FILE (`-`: standard output). A state keeps
    /// everything: selection options apply to --json/--out only.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Rows of the long tables in Markdown and the terminal.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,

    /// Print nothing but errors (and --json output).
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Exit 1 when any file is unreadable or any line malformed.
    #[arg(long)]
    pub strict: bool,

    /// Only data from this time on (as for summarize; on a whole minute).
    #[arg(long, value_name = "TIME", help_heading = "Selection")]
    pub since: Option<String>,

    /// Only data before this time (exclusive; on a whole minute).
    #[arg(long, value_name = "TIME", help_heading = "Selection")]
    pub until: Option<String>,

    /// What relative --since/--until count back from (RFC 3339; default: the clock).
    #[arg(long, value_name = "TIME", help_heading = "Selection")]
    pub now: Option<String>,

    /// Keep one scope: channel, backend, origin or session (repeatable).
    #[arg(long = "where", value_name = "KEY=VALUE", help_heading = "Selection")]
    pub wheres: Vec<String>,

    /// Replace session ids by a keyed hash (HMAC-SHA256 of --salt).
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

/// Write `st` to `path` (`-`: stdout) and give its partial back.
pub fn write_state(path: &Path, st: State) -> anyhow::Result<Partial> {
    let bytes = st.encode();
    if path == Path::new("-") {
        stdout(&bytes).context("writing the state to stdout")?;
    } else {
        write_atomic(path, &bytes)?;
    }
    Ok(st.partial)
}

fn read_state(path: &Path) -> anyhow::Result<(String, State)> {
    let (name, bytes) = if path == Path::new("-") {
        let mut b = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut b)
            .context("reading a state from standard input")?;
        ("<stdin>".to_string(), b)
    } else {
        let name = path.display().to_string();
        let b = std::fs::read(path).with_context(|| {
            format!("{name}: cannot read the state (check the path and permissions)")
        })?;
        (name, b)
    };
    let st = State::decode(&bytes, &name)?;
    Ok((name, st))
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let anonymizer = match (args.anonymize, &args.salt) {
        (false, _) => None,
        (true, Some(salt)) if !salt.is_empty() => Some(Anonymizer::new(salt)),
        (true, _) => anyhow::bail!(
            "--anonymize needs a salt: pass --salt SALT or set AUDITSUM_SALT (the same salt as for summarize)"
        ),
    };
    let sel =
        crate::cmd::summarize::build_selection(&args.since, &args.until, &args.now, &args.wheres)?;
    check_grain(&sel)?;
    let artifacts = args.json || args.out.is_some();
    if args.state.is_some() && !artifacts && (!sel.is_empty() || args.anonymize) {
        anyhow::bail!(
            "--since/--until/--where/--anonymize apply to artifacts; a merged state keeps everything (add --json or --out)"
        );
    }
    let to_stdout = |p: &Option<PathBuf>| p.as_deref() == Some(Path::new("-"));
    anyhow::ensure!(
        !(args.json && to_stdout(&args.state)),
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

    let states = args
        .states
        .iter()
        .map(|p| read_state(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = state::merge(states)?;
    let names = merged.files.clone();
    let partial = match &args.state {
        Some(path) => write_state(path, merged)?,
        None => merged.partial,
    };
    if args.state.is_some() && !artifacts {
        return Ok(Status::Ok);
    }
    let mut b = partial.finalize(&names, &sel);
    if let Some(a) = &anonymizer {
        a.apply(&mut b);
    }
    let json_bytes = artifacts.then(|| Json.render(&b));
    if let (Some(prefix), Some(bytes)) = (&args.out, &json_bytes) {
        write_atomic(&with_ext(prefix, "json"), bytes)?;
        write_atomic(
            &with_ext(prefix, "md"),
            &Markdown { top: args.top }.render(&b),
        )?;
    }
    if let (true, Some(bytes)) = (args.json, &json_bytes) {
        stdout(bytes).context("writing to stdout")?;
    } else if !(args.quiet && args.out.is_some()) {
        let table = Table {
            top: args.top,
            width: 100,
            color: ui::stdout_color(),
        };
        stdout(&table.render(&b)).context("writing to stdout")?;
    }
    if args.strict {
        if let Some(u) = b.inputs.unreadable.first() {
            ui::fail("--strict", &format!("{}: unreadable: {}", u.file, u.reason));
            return Ok(Status::CheckFailed);
        }
        if let Some(s) = b.inputs.malformed_samples.first() {
            ui::fail(
                "--strict",
                &format!("{}:{}: malformed line ({})", s.file, s.line, s.reason),
            );
            return Ok(Status::CheckFailed);
        }
    }
    Ok(Status::Ok)
}

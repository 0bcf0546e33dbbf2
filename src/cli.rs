//! The top-level command line: `auditsum <COMMAND>`.

use clap::{Parser, Subcommand};

use crate::cmd::{completions, dialect, diff, inspect, man, merge, summarize};
use crate::ui::ColorChoice;

#[derive(Debug, Parser)]
#[command(
    name = "auditsum",
    version,
    about = "Turn agent-gateway JSONL audit logs into a deterministic baseline",
    long_about = "Turn agent-gateway JSONL audit logs (run.state, run.cancel, reaction.match, \
reaction.skip and ordinary traffic) into a deterministic baseline: completion, error and \
cancel rates per channel, backend, origin and session; cancel latency percentiles; reaction \
match rates and top skip reasons. Written as a JSON artifact for machines and a Markdown \
artifact for people.",
    after_help = "Exit codes: 0 ok, 1 a check failed (--strict, drift, stale), 2 usage or input error.",
    after_long_help = "Examples:
  auditsum summarize logs/                          the baseline as a terminal table
  auditsum summarize logs/ --out base/week-09       base/week-09.json and base/week-09.md
  auditsum diff base/week-08.json base/week-09.json fail (exit 1) on drift

Exit codes: 0 ok, 1 a check failed (--strict, drift, stale), 2 usage or input error.
Docs: docs/usage.md, docs/input-format.md, docs/artifacts.md, docs/ci.md."
)]
pub struct Cli {
    /// When to use colour on the terminal (NO_COLOR is honoured in auto).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise audit logs into a baseline (terminal table, JSON, Markdown).
    #[command(visible_aliases = ["summarise", "sum"])]
    Summarize(summarize::Args),
    /// Compare two baselines and fail on drift (Markdown or JSON report).
    Diff(diff::Args),
    /// Merge state files (`summarize --state`) into artifacts or one state.
    Merge(merge::Args),
    /// What is in these logs: per event type, the keys, their types, examples,
    /// and what the dialect reads them as (to write a mapping file).
    Inspect(inspect::Args),
    /// List, show and check dialects (how other gateways' logs are read).
    Dialect(dialect::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::Args),
    /// Print the man page (or write all pages into a folder).
    Man(man::Args),
}

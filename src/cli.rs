//! The top-level command line: `auditsum <COMMAND>`.

use clap::{Parser, Subcommand};

use crate::cmd::{diff, summarize};

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
    after_help = "Exit codes: 0 ok, 1 a check failed (--strict, drift, stale), 2 usage or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise audit logs into a baseline (terminal table, JSON, Markdown).
    #[command(visible_alias = "sum")]
    Summarize(summarize::Args),
    /// Compare two baselines and fail on drift (Markdown or JSON report).
    Diff(diff::Args),
}

//! One file per subcommand: its clap arguments and its `run()`.

pub mod completions;
pub mod diff;
pub mod man;
pub mod summarize;

use std::io::{self, Write};

use crate::cli::{Cli, Command};

/// What a command concluded, mapped to an exit code by `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Exit 0.
    Ok,
    /// Exit 1: a check the user asked for failed.
    CheckFailed,
}

pub fn run(cli: Cli) -> anyhow::Result<Status> {
    crate::ui::init(cli.color);
    match cli.command {
        Command::Summarize(args) => summarize::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

/// Write to stdout; a closed pipe is reported as an `io::Error` of kind
/// `BrokenPipe`, which `main` turns into a quiet exit 0.
pub fn stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

//! One file per subcommand: its clap arguments and its `run()`.

pub mod completions;
pub mod dialect;
pub mod diff;
pub mod inspect;
pub mod man;
pub mod merge;
pub mod shared;
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
        Command::Merge(args) => merge::run(args),
        Command::Dialect(args) => dialect::run(args),
        Command::Inspect(args) => inspect::run(args),
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

/// clap's rendered usage error folded into one line: the error and its tips,
/// then where the help is. E.g. `unexpected argument '--wher' found; tip: a
/// similar argument exists: '--where' (see 'auditsum summarize --help')`.
pub fn usage_line(rendered: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut command = None;
    let mut in_usage = false;
    for line in rendered.lines() {
        let t = line.trim();
        if let Some(usage) = t.strip_prefix("Usage:") {
            in_usage = true;
            let words: Vec<&str> = usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect();
            command = Some(words.join(" "));
        } else if t.is_empty() {
            in_usage = false;
        } else if !in_usage && !t.starts_with("For more information, try ") {
            let t = t.strip_prefix("error: ").unwrap_or(t);
            match parts.last_mut() {
                // "the following required arguments were not provided:" + the list
                Some(prev) if prev.ends_with(':') => *prev = format!("{prev} {t}"),
                _ => parts.push(t.to_string()),
            }
        }
    }
    let command = command
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "auditsum".to_string());
    format!("{} (see '{command} --help')", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::usage_line;

    #[test]
    fn clap_errors_fold_into_one_line() {
        let rendered = "error: unexpected argument '--wher' found\n\n  tip: a similar argument exists: '--where'\n\nUsage: auditsum summarize --where <KEY=VALUE> <PATH>...\n\nFor more information, try '--help'.\n";
        assert_eq!(
            usage_line(rendered),
            "unexpected argument '--wher' found; tip: a similar argument exists: '--where' (see 'auditsum summarize --help')"
        );
        let missing = "error: the following required arguments were not provided:\n  <PATH>...\n\nUsage: auditsum summarize <PATH>...\n";
        assert_eq!(
            usage_line(missing),
            "the following required arguments were not provided: <PATH>... (see 'auditsum summarize --help')"
        );
    }
}

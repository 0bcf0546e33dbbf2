//! The terminal edge: colour decisions, styled one-line messages on stderr,
//! and the progress bar. Nothing here reaches an artifact. Every message is
//! escaped for the terminal here, at the one door to stderr.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};

use crate::render::escape::term;

mod progress;
pub use progress::Bar;

/// `--color`, as ripgrep spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when the output is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

static STDERR_COLOR: AtomicBool = AtomicBool::new(false);
static STDOUT_COLOR: AtomicBool = AtomicBool::new(false);

/// Decide once, at start-up.
pub fn init(choice: ColorChoice) {
    let env_allows = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb");
    let decide = |tty: bool| match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && env_allows,
    };
    STDERR_COLOR.store(decide(std::io::stderr().is_terminal()), Ordering::Relaxed);
    STDOUT_COLOR.store(decide(std::io::stdout().is_terminal()), Ordering::Relaxed);
}

/// Whether stdout gets colour (the terminal table).
pub fn stdout_color() -> bool {
    STDOUT_COLOR.load(Ordering::Relaxed)
}

/// Every message is escaped as a whole ([`term`]): file names, log strings
/// and OS errors can carry escape sequences, line breaks or bidi controls,
/// and none of them may reach the terminal raw or forge a line of its own.
/// Columns the terminal table may use: the terminal's width when stdout is
/// one, else `COLUMNS` when set, else 100 (pipes and files get a stable
/// layout). Never below 40.
pub fn stdout_width() -> u16 {
    let tty = std::io::stdout()
        .is_terminal()
        .then(|| terminal_size::terminal_size_of(std::io::stdout()))
        .flatten()
        .map(|(w, _)| w.0)
        .filter(|&w| w > 0);
    let env = || {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<u16>().ok())
            .filter(|&w| w > 0)
    };
    tty.or_else(env).unwrap_or(100).max(40)
}

fn say(label: &str, style: Style, msg: &str) {
    let msg = term(msg);
    progress::clear_line();
    if STDERR_COLOR.load(Ordering::Relaxed) {
        eprintln!("auditsum: {style}{label}{style:#}{msg}");
    } else {
        eprintln!("auditsum: {label}{msg}");
    }
}

/// `auditsum: error: …` (red).
pub fn error(msg: &str) {
    say("error: ", AnsiColor::Red.on_default().bold(), msg);
}

/// `auditsum: warning: …` (yellow).
pub fn warn(msg: &str) {
    say("warning: ", AnsiColor::Yellow.on_default().bold(), msg);
}

/// `auditsum: LABEL: …` with a bold label (e.g. `drift`, `stale`, `--strict`).
pub fn fail(label: &str, msg: &str) {
    say(
        &format!("{label}: "),
        AnsiColor::Red.on_default().bold(),
        msg,
    );
}

/// `auditsum: …` (plain information, `-v`).
pub fn note(msg: &str) {
    eprintln!("auditsum: {}", term(msg));
}

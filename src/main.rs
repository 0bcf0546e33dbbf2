use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};

use auditsum::cli::Cli;
use auditsum::cmd::{self, Status};

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match cmd::run(cli) {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::CheckFailed) => ExitCode::from(1),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            auditsum::ui::error(&format!("{e:#}"));
            ExitCode::from(2)
        }
    }
}

/// The command line, parsed by a command without styles, so that the text of
/// an error is exactly clap's words and the user's arguments, which
/// `usage_error` escapes for the terminal like every other message (an
/// argument can carry escape sequences). Help and version are parsed again
/// with clap's styles.
fn parse() -> Result<Cli, clap::Error> {
    use clap::error::ErrorKind;
    let plain = Cli::command().styles(clap::builder::Styles::plain());
    match plain.try_get_matches() {
        Ok(m) => Cli::from_arg_matches(&m),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) =>
        {
            Cli::try_parse()
        }
        Err(e) => Err(e),
    }
}

/// Help and version go to stdout as clap writes them (exit 0); a usage error
/// becomes one `auditsum: error: …` line (exit 2), as docs/usage.md promises.
/// (`--color` is not parsed yet here: the line is coloured as in `auto`.)
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            return match e.print() {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(2),
            };
        }
        // `auditsum` alone: the help, on stderr
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        _ => {}
    }
    auditsum::ui::init(auditsum::ui::ColorChoice::Auto);
    // `ansi()`: the user's bytes as they are (plain `Display` strips escape
    // sequences silently); `ui::error` shows them escaped
    auditsum::ui::error(&cmd::usage_line(&e.render().ansi().to_string()));
    ExitCode::from(2)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

use std::process::ExitCode;

use clap::Parser;

use auditsum::cli::Cli;
use auditsum::cmd::{self, Status};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
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
    auditsum::ui::error(&cmd::usage_line(&e.render().to_string()));
    ExitCode::from(2)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

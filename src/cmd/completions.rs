//! `auditsum completions SHELL`

use clap::CommandFactory;

use crate::cli::Cli;
use crate::cmd::{stdout, Status};

#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  auditsum completions bash > ~/.local/share/bash-completion/completions/auditsum
  auditsum completions zsh  > ~/.zfunc/_auditsum        # with fpath+=(~/.zfunc)
  auditsum completions fish > ~/.config/fish/completions/auditsum.fish
  auditsum completions powershell >> $PROFILE")]
pub struct Args {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "auditsum", &mut out);
    stdout(&out)?;
    Ok(Status::Ok)
}

//! `auditsum man`

use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::cmd::{stdout, Status};
use crate::output::write_set;

#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  auditsum man | man -l -                    read it now
  auditsum man --out /usr/local/share/man/man1   install auditsum.1 and a page per subcommand")]
pub struct Args {
    /// Write auditsum.1 and auditsum-SUBCOMMAND.1 into this folder instead of
    /// printing auditsum.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

fn render(cmd: clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    Ok(buf)
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    let cmd = Cli::command();
    let Some(dir) = args.out else {
        stdout(&render(cmd)?).context("writing to stdout")?;
        return Ok(Status::Ok);
    };
    let mut pages = vec![(dir.join("auditsum.1"), render(cmd.clone())?)];
    for sub in cmd.get_subcommands() {
        let name = format!("auditsum-{}", sub.get_name());
        pages.push((
            dir.join(format!("{name}.1")),
            render(sub.clone().name(name))?,
        ));
    }
    let set: Vec<(PathBuf, &[u8])> = pages.iter().map(|(p, b)| (p.clone(), &b[..])).collect();
    write_set(&set, &[])?;
    Ok(Status::Ok)
}

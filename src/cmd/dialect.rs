//! `auditsum dialect list|show|check`

use crate::cmd::{stdout, Status};
use crate::dialect::{self, Choice};

#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:
  auditsum dialect list                          the built-in dialects
  auditsum dialect show openclaw > mygw.toml     a built-in as a mapping file to edit
  auditsum dialect check mygw.toml               is the mapping file usable? (exit 2 if not)
  auditsum summarize --dialect mygw.toml logs/   read logs with it

A mapping file says which keys hold the event type, time, run id, session, channel…,
and which event types (and field values) mean run start / complete / cancelled / error,
a cancel request, a reaction match or skip. See docs/input-format.md.")]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// List the built-in dialects.
    List,
    /// Print a dialect as a mapping file (TOML): a built-in's name or a file.
    Show {
        #[arg(value_name = "NAME|PATH.toml")]
        dialect: String,
    },
    /// Check a mapping file; errors name the line.
    Check {
        #[arg(value_name = "PATH.toml")]
        path: String,
    },
}

pub fn run(args: Args) -> anyhow::Result<Status> {
    match args.action {
        Action::List => {
            let mut out = String::new();
            for d in dialect::builtins() {
                out.push_str(&format!(
                    "{:<10} {}\n",
                    d.name(),
                    d.mapping.description.as_deref().unwrap_or("")
                ));
            }
            stdout(out.as_bytes())?;
        }
        Action::Show { dialect } => match Choice::parse(&dialect)? {
            Choice::Fixed(d) => stdout(d.source.as_bytes())?,
            Choice::Auto => anyhow::bail!(
                "auto is not a dialect but the choice of one per file; show default or openclaw"
            ),
        },
        Action::Check { path } => match Choice::parse(&path)? {
            Choice::Fixed(d) => stdout(
                format!(
                    "{path}: dialect {:?}, {} key paths, {} event types mapped\n",
                    d.name(),
                    d.mapping.readers().len(),
                    d.mapping.mapped_types()
                )
                .as_bytes(),
            )?,
            Choice::Auto => anyhow::bail!("auto is not a mapping file"),
        },
    }
    Ok(Status::Ok)
}

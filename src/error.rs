//! Typed errors of the core; the CLI edge adds context with anyhow.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{}: no such file or directory (check the path; use `-` for standard input)", .0.display())]
    NoSuchPath(PathBuf),
    #[error("{}: a device, not a log file (auditsum reads files, folders, FIFOs and `-` for standard input)", .0.display())]
    Device(PathBuf),
    #[error("{}: cannot write the artifact: {why} (check that the folder is writable and has space)", path.display())]
    Output { path: PathBuf, why: String },
    #[error("{}: cannot create the folder {} for it: {why}", path.display(), folder.display())]
    OutputFolder {
        path: PathBuf,
        folder: PathBuf,
        why: String,
    },
    #[error("{}: refusing to overwrite {}, an input of this command (choose another --out)", output.display(), input.display())]
    OverwritesInput { output: PathBuf, input: PathBuf },
    #[error("--include {glob}: {message}")]
    BadGlob { glob: String, message: String },
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
}

//! Typed errors of the core; the CLI edge adds context with anyhow.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{}: no such file or directory (check the path; use `-` for standard input)", .0.display())]
    NoSuchPath(PathBuf),
    #[error("{}: cannot write the artifact: {source} (check that the folder exists and is writable)", path.display())]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("--include {glob}: {message}")]
    BadGlob { glob: String, message: String },
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
}

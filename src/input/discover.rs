//! Discovery: turn command-line paths into an ordered, de-duplicated list of
//! log sources (SPEC §1 "Discovery").

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::Error;
use crate::input::glob::GlobSet;
use crate::input::reader::{decoder, Line, LineReader};

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    /// `regular`: a regular file (can be split into byte ranges); otherwise a
    /// FIFO or device named on the command line, read as one stream.
    File {
        path: PathBuf,
        size: u64,
        regular: bool,
    },
}

impl Source {
    pub fn display(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File { path, .. } => path.display().to_string(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Discovered {
    pub sources: Vec<Source>,
    /// (path, why) of files passed over inside directories.
    pub skipped: Vec<(String, String)>,
    /// (path, why) of things that could not be looked at (reported unreadable).
    pub problems: Vec<(String, String)>,
}

/// How a file name inside a directory classifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// `*.jsonl`, `*.ndjson`, also rotated (`.1`, `-20260227`, `.2026-02-27`),
    /// optionally `.gz` / `.zst`.
    Jsonl,
    /// `*.log`, also rotated (`.1`, `-20260227`, `.2026-02-27`), optionally
    /// `.gz` / `.zst`: read when it sniffs as JSONL.
    RotatedLog,
    Other,
}

/// How many non-blank lines [`sniff_jsonl`] looks at for a JSON object (a
/// `.log` may open with a text banner).
pub const SNIFF_LINES: usize = 5;

/// True for what log rotation appends after the log's own name: one or more
/// `.`/`-`/`_` separated stamps made of digits (`.1`, `.12`, `-20260227`,
/// `.2026-02-27`, `.2026-02-27_14-00`, `-2026022714`, `.2026-02-27T14:00:00`).
fn is_rotation_suffix(rest: &str) -> bool {
    rest.starts_with(['.', '-', '_'])
        && rest[1..].starts_with(|c: char| c.is_ascii_digit())
        && rest.ends_with(|c: char| c.is_ascii_digit())
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '_' | 'T' | ':'))
}

/// Whether `base` (compression suffix removed) is `STEM` + `ext` + an optional
/// rotation suffix.
fn has_log_ext(base: &str, ext: &str) -> bool {
    base.match_indices(ext).any(|(at, _)| {
        let rest = &base[at + ext.len()..];
        at > 0 && (rest.is_empty() || is_rotation_suffix(rest))
    })
}

/// Classify a file name found inside a directory: the names logrotate,
/// Python's and Java's rotating handlers and most gateways write.
pub fn classify_name(name: &str) -> NameKind {
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(name);
    if has_log_ext(base, ".jsonl") || has_log_ext(base, ".ndjson") {
        NameKind::Jsonl
    } else if has_log_ext(base, ".log") {
        NameKind::RotatedLog
    } else {
        NameKind::Other
    }
}

/// True when one of the first [`SNIFF_LINES`] non-blank lines of the
/// (decompressed) file is a JSON object: a rotated `.log` may open with a text
/// banner (`gateway started on :8080`) before its JSON lines.
pub fn sniff_jsonl(path: &Path, max_line: usize) -> io::Result<bool> {
    let file = fs::File::open(path)?;
    let mut lines = LineReader::new(decoder(file)?, max_line, 0);
    let mut looked = 0;
    while let Some((at, line, _)) = lines.next_line() {
        let Line::Text(mut text) = line else {
            // an oversized line is not a banner
            return Ok(false);
        };
        if at == 0 {
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        }
        if crate::input::is_blank(text) {
            continue;
        }
        let trimmed = text.trim_ascii_start();
        if trimmed.first() == Some(&b'{')
            && serde_json::from_slice::<serde::de::IgnoredAny>(text).is_ok()
        {
            return Ok(true);
        }
        looked += 1;
        if looked == SNIFF_LINES {
            return Ok(false);
        }
    }
    match lines.take_error() {
        Some(e) => Err(e),
        None => Ok(false),
    }
}

/// Identity of a file, so that the same file reached twice is read once.
fn identity(path: &Path, meta: &fs::Metadata) -> (u64, u64, PathBuf) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        (meta.dev(), meta.ino(), PathBuf::new())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        (
            0,
            0,
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        )
    }
}

/// A character or block device.
fn is_device(meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        t.is_char_device() || t.is_block_device()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

pub struct Options<'a> {
    pub include: &'a GlobSet,
    pub max_line: usize,
}

/// Walk `args` in order; directories recursively in sorted order.
pub fn discover(args: &[PathBuf], opts: &Options<'_>) -> Result<Discovered, Error> {
    let mut out = Discovered::default();
    let mut seen = HashSet::new();
    let mut stdin_seen = false;
    for arg in args {
        if arg.as_os_str() == "-" {
            if !stdin_seen {
                stdin_seen = true;
                out.sources.push(Source::Stdin);
            }
            continue;
        }
        let meta = match fs::metadata(arg) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::NoSuchPath(arg.clone()));
            }
            Err(e) => {
                out.problems
                    .push((arg.display().to_string(), e.to_string()));
                continue;
            }
        };
        if is_device(&meta) {
            // /dev/zero, /dev/urandom, a disk: endless or not a log
            return Err(Error::Device(arg.clone()));
        }
        if meta.is_dir() {
            walk(arg, opts, &mut out, &mut seen);
        } else if seen.insert(identity(arg, &meta)) {
            // named explicitly: always read
            out.sources.push(Source::File {
                path: arg.clone(),
                size: meta.len(),
                regular: meta.is_file(),
            });
        }
    }
    Ok(out)
}

fn walk(
    root: &Path,
    opts: &Options<'_>,
    out: &mut Discovered,
    seen: &mut HashSet<(u64, u64, PathBuf)>,
) {
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| root.display().to_string());
                if e.loop_ancestor().is_some() {
                    out.skipped.push((path, "symlink loop".into()));
                } else {
                    let why = e
                        .io_error()
                        .map(|io| io.to_string())
                        .unwrap_or_else(|| e.to_string());
                    out.problems.push((path, why));
                }
                continue;
            }
        };
        let path = entry.path();
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        let shown = path.display().to_string();
        if !ft.is_file() {
            out.skipped.push((shown, "not a regular file".into()));
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        let rel = path.strip_prefix(root).unwrap_or(path);
        let included = opts.include.is_match(&*name) || opts.include.is_match(rel);
        let wanted = included
            || match classify_name(&name) {
                NameKind::Jsonl => true,
                NameKind::Other => {
                    out.skipped
                        .push((shown.clone(), "not a log file name".into()));
                    false
                }
                NameKind::RotatedLog => match sniff_jsonl(path, opts.max_line) {
                    Ok(true) => true,
                    Ok(false) => {
                        out.skipped.push((
                            shown.clone(),
                            format!("none of its first {SNIFF_LINES} lines is a JSON object"),
                        ));
                        false
                    }
                    Err(e) => {
                        out.problems.push((shown.clone(), e.to_string()));
                        false
                    }
                },
            };
        if !wanted {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) => {
                out.problems.push((shown, e.to_string()));
                continue;
            }
        };
        if seen.insert(identity(path, &meta)) {
            out.sources.push(Source::File {
                path: path.to_path_buf(),
                size: meta.len(),
                regular: true,
            });
        } else {
            out.skipped
                .push((shown, "already read under another name".into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        use NameKind::*;
        for (n, k) in [
            ("a.jsonl", Jsonl),
            ("a.ndjson", Jsonl),
            ("a.jsonl.gz", Jsonl),
            ("a.ndjson.zst", Jsonl),
            ("gateway.log", RotatedLog),
            ("gateway.log.1", RotatedLog),
            ("gateway.log.12.gz", RotatedLog),
            ("gateway.log.zst", RotatedLog),
            ("README.txt", Other),
            ("baseline.json", Other),
            ("a.jsonl.bak", Other),
            ("a.gz", Other),
            ("catalog", Other),
            ("x.log.", Other),
            // rotation schemes: numbered, dated, compressed
            ("audit.jsonl.1", Jsonl),
            ("audit.jsonl.3.gz", Jsonl),
            ("audit.ndjson-20260227.zst", Jsonl),
            ("audit.log-20260227.gz", RotatedLog),
            ("audit.log-20260227", RotatedLog),
            ("audit.log.2026-02-27", RotatedLog),
            ("audit.log.2026-02-27_14-00-00", RotatedLog),
            ("audit.log.2026-02-27T14:00:00", RotatedLog),
            ("audit.log-2026022714.gz", RotatedLog),
            ("audit.2026-02-27.0.log.gz", RotatedLog),
            ("audit-2026-02-27.log", RotatedLog),
            ("audit.log.1.gz", RotatedLog),
            ("audit.jsonl.old", Other),
            ("audit.logs", Other),
            ("audit.log.bak", Other),
            ("audit.log.1a", Other),
            (".log", Other),
            ("audit.jsonl-", Other),
        ] {
            assert_eq!(classify_name(n), k, "{n}");
        }
    }
}

//! The summarize pipeline: discover -> plan work units -> read/parse/aggregate
//! in parallel -> merge -> finalise. Plain configuration in, artifact out; no
//! clap types here.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::aggregate::{LinePos, Partial};
use crate::baseline::Baseline;
use crate::dialect::{self, Choice, Dialect, How, LineParser, WithParser};
use crate::error::Error;
use crate::event::Malformed;
use crate::input::discover::{self, Source};
use crate::input::glob::GlobSet;
use crate::input::is_blank;
use crate::input::reader::{
    decoder, open_stream, Compression, Line, LineReader, ReadAt, FIFO_WAIT,
};
use crate::select::Selection;
use crate::series::BucketSpec;

/// Default `--max-line-bytes`: 16 MiB.
pub const DEFAULT_MAX_LINE: usize = 16 * 1024 * 1024;
/// Default size of the byte ranges large plain files are split into.
pub const DEFAULT_CHUNK: u64 = 8 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Config {
    pub paths: Vec<PathBuf>,
    pub include: Vec<String>,
    /// 0: one per core.
    pub threads: usize,
    pub max_line_bytes: usize,
    pub chunk_bytes: u64,
    pub selection: Selection,
    /// Distinct keys kept per keyed map (see `aggregate::keys`).
    pub max_keys: usize,
    /// `--bucket`: also build a time series.
    pub bucket: Option<BucketSpec>,
    /// Keep what a state file needs (`Partial::for_state`): the selection is
    /// then applied at finalisation, not while reading.
    pub for_state: bool,
    /// The name of standard input in samples and errors (`--label`).
    pub label: Option<String>,
    /// `--dialect`: one for every file, or `auto` (chosen per file).
    pub dialect: Choice,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            paths: Vec::new(),
            include: Vec::new(),
            threads: 0,
            max_line_bytes: DEFAULT_MAX_LINE,
            chunk_bytes: DEFAULT_CHUNK,
            selection: Selection::default(),
            max_keys: crate::aggregate::keys::DEFAULT_MAX_KEYS,
            bucket: None,
            for_state: false,
            label: None,
            dialect: Choice::Auto,
        }
    }
}

impl Config {
    /// An empty partial state for this configuration.
    fn partial(&self) -> Partial {
        let p = if self.for_state {
            Partial::for_state(self.max_keys)
        } else {
            Partial::new(self.max_keys)
        };
        p.with_series(self.bucket)
    }
}

/// Progress reports from the pipeline; the CLI draws them (the core stays free
/// of any UI). Bytes are on-disk bytes of the planned work units.
pub trait Progress: Send + Sync {
    fn start(&self, files: u64, bytes: u64);
    fn advance(&self, files: u64, bytes: u64);
    fn finish(&self);
}

/// The merged partial state of a run, before finalisation.
#[derive(Debug)]
pub struct Collected {
    pub partial: Partial,
    /// Names of the files, by file index.
    pub names: Vec<String>,
    /// (path, why) of files passed over (shown with `-v`).
    pub skipped: Vec<(String, String)>,
    /// Number of log files found.
    pub sources: usize,
    /// (path, dialect, how it was chosen) of every file whose lines were read,
    /// in file order (shown with `-v`).
    pub dialects: Vec<(String, String, How)>,
}

/// The artifact plus what the run has to tell the user.
#[derive(Debug)]
pub struct Summary {
    pub baseline: Baseline,
    /// (path, why) of files passed over (shown with `-v`).
    pub skipped: Vec<(String, String)>,
    /// Number of log files found.
    pub sources: usize,
    /// (path, dialect, how it was chosen) of every file whose lines were read,
    /// in file order (shown with `-v`).
    pub dialects: Vec<(String, String, How)>,
}

/// One work unit: a whole stream, or a newline-aligned byte range of a plain file.
#[derive(Debug, Clone)]
enum Unit {
    Stream {
        file: usize,
    },
    Range {
        file: usize,
        part: usize,
        start: u64,
        end: u64,
        /// Chosen once for the whole file (from its head, under `auto`).
        dialect: Arc<Dialect>,
        how: How,
    },
}

/// The dialect a file was read in: (file, dialect, how chosen).
type Chosen = (usize, Arc<Dialect>, How);

pub(crate) fn globset(globs: &[String]) -> Result<GlobSet, Error> {
    GlobSet::new(globs).map_err(|(glob, e)| Error::BadGlob {
        glob,
        message: e.to_string(),
    })
}

pub fn summarize(cfg: &Config) -> Result<Summary, Error> {
    summarize_with(cfg, None)
}

/// [`summarize`], reporting progress.
pub fn summarize_with(cfg: &Config, progress: Option<&dyn Progress>) -> Result<Summary, Error> {
    let c = collect(cfg, progress)?;
    Ok(Summary {
        baseline: c.partial.finalize(&c.names, &cfg.selection),
        skipped: c.skipped,
        sources: c.sources,
        dialects: c.dialects,
    })
}

/// Read everything into one merged partial state (not yet finalised).
pub fn collect(cfg: &Config, progress: Option<&dyn Progress>) -> Result<Collected, Error> {
    let include = globset(&cfg.include)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Threads {
            threads: cfg.threads,
            message: e.to_string(),
        })?;
    let max_line = cfg.max_line_bytes.max(1);
    pool.install(|| {
        let found = discover::discover(
            &cfg.paths,
            &discover::Options {
                include: &include,
                max_line,
            },
        )?;
        let mut names: Vec<String> = found
            .sources
            .iter()
            .map(|s| match (s, &cfg.label) {
                (Source::Stdin, Some(label)) => label.clone(),
                _ => s.display(),
            })
            .collect();
        let mut head = cfg.partial();
        let units = plan(
            &found.sources,
            cfg.chunk_bytes.max(1),
            &cfg.dialect,
            &mut head,
        );
        for (path, why) in &found.problems {
            head.unreadable(names.len(), why.clone());
            names.push(path.clone());
        }
        if let Some(p) = progress {
            let bytes = units.iter().map(|u| unit_bytes(u, &found.sources)).sum();
            p.start(found.sources.len() as u64, bytes);
        }
        let handles = Handles::new(&found.sources, &units);
        let reader = UnitReader {
            sources: &found.sources,
            max_line,
            sel: &cfg.selection,
            handles: &handles,
            choice: &cfg.dialect,
        };
        // One partial state per worker: each pulls the next unit (largest
        // file first, a file's ranges one after the other, so only about one
        // file per worker is open at a time) until none is left, so there is
        // no per-split state to build and merge (merging run tables is the
        // expensive part).
        let mut order: Vec<&Unit> = units.iter().collect();
        order.sort_by_key(|u| {
            let (file, part) = match **u {
                Unit::Stream { file } => (file, 0),
                Unit::Range { file, part, .. } => (file, part),
            };
            (
                std::cmp::Reverse(source_size(&found.sources[file])),
                file,
                part,
            )
        });
        let next = AtomicUsize::new(0);
        let partials = rayon::broadcast(|_| {
            let mut acc = cfg.partial();
            let mut chosen = Vec::new();
            while let Some(unit) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                reader.run(unit, &mut acc, &mut chosen);
                if let Some(p) = progress {
                    let first = matches!(unit, Unit::Stream { .. } | Unit::Range { part: 0, .. });
                    p.advance(u64::from(first), unit_bytes(unit, &found.sources));
                }
            }
            (acc, chosen)
        });
        let mut chosen: Vec<Chosen> = Vec::new();
        let merged = partials.into_iter().fold(cfg.partial(), |mut a, (b, c)| {
            a.merge(b);
            chosen.extend(c);
            a
        });
        head.merge(merged);
        if let Some(p) = progress {
            p.finish();
        }
        chosen.sort_by_key(|c| c.0);
        for (_, d, _) in &chosen {
            head.read_as(d.name());
        }
        Ok(Collected {
            partial: head,
            skipped: found.skipped,
            sources: found.sources.len(),
            dialects: chosen
                .iter()
                .map(|(f, d, how)| (names[*f].clone(), d.name().to_string(), *how))
                .collect(),
            names,
        })
    })
}

/// Summarise one in-memory stream (decompressed by its magic bytes) on the
/// calling thread, as if it were one file named `name`. For fuzzing and tests.
pub fn summarize_stream<R: Read + Send>(raw: R, name: &str, cfg: &Config) -> Baseline {
    collect_stream(raw, cfg).finalize(&[name.to_string()], &cfg.selection)
}

/// The partial state of one in-memory stream, as file 0 (see [`summarize_stream`]).
pub fn collect_stream<R: Read + Send>(raw: R, cfg: &Config) -> Partial {
    let mut acc = cfg.partial();
    let mut chosen = Vec::new();
    read_stream(
        raw,
        0,
        cfg.max_line_bytes.max(1),
        &cfg.selection,
        &cfg.dialect,
        &mut acc,
        &mut chosen,
    );
    for (_, d, _) in &chosen {
        acc.read_as(d.name());
    }
    acc
}

fn source_size(src: &Source) -> u64 {
    match src {
        Source::File { size, .. } => *size,
        Source::Stdin => 0,
    }
}

/// How a file changed while it was read, if it did: compared by size and
/// identity with what discovery saw. Reported in `inputs.unreadable` (never
/// silent): a file that grew was summarised up to its size at discovery (or,
/// read as one stream, to where it ended); one that shrank (copytruncate) up
/// to the cut; one renamed over was read in full from the handle opened first.
fn change(path: &std::path::Path, planned: u64, handle: &File) -> Option<String> {
    let now = handle.metadata().ok()?;
    let replaced = match (same_file_id(&now), std::fs::metadata(path).ok()) {
        (Some(a), Some(m)) => Some(a) != same_file_id(&m),
        (Some(_), None) => true,
        _ => false,
    };
    let size = now.len();
    let what = if size > planned {
        format!("grew from {planned} to {size} bytes while being read; the first {planned} bytes (or the stream as it was read) were summarised")
    } else if size < planned {
        format!("shrank from {planned} to {size} bytes while being read (truncated, e.g. by copytruncate); what was read before the cut was summarised")
    } else if replaced {
        "replaced by another file while being read (renamed over); the file first opened was read in full".to_string()
    } else {
        return None;
    };
    Some(format!("changed while being read: {what}"))
}

#[cfg(unix)]
fn same_file_id(m: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn same_file_id(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// The one handle of each file read in byte ranges: opened by the first
/// range to run, shared by the others, closed after the last.
struct Handles {
    slots: Vec<std::sync::Mutex<Slot>>,
}

#[derive(Default)]
struct Slot {
    file: Option<std::sync::Arc<File>>,
    /// Ranges not yet finished.
    left: usize,
    /// Opening failed (reported once); the other ranges are skipped.
    failed: bool,
}

impl Handles {
    fn new(sources: &[Source], units: &[Unit]) -> Handles {
        let mut slots: Vec<Slot> = sources.iter().map(|_| Slot::default()).collect();
        for u in units {
            if let Unit::Range { file, .. } = *u {
                slots[file].left += 1;
            }
        }
        Handles {
            slots: slots.into_iter().map(std::sync::Mutex::new).collect(),
        }
    }

    fn slot(&self, file: usize) -> std::sync::MutexGuard<'_, Slot> {
        self.slots[file]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The file's handle, opened on first use; `None` when it cannot be
    /// opened (reported to `acc` by the range that tried first).
    fn open(
        &self,
        file: usize,
        path: &std::path::Path,
        acc: &mut Partial,
    ) -> Option<std::sync::Arc<File>> {
        let mut slot = self.slot(file);
        if slot.failed {
            return None;
        }
        if slot.file.is_none() {
            match File::open(path) {
                Ok(f) => slot.file = Some(std::sync::Arc::new(f)),
                Err(e) => {
                    slot.failed = true;
                    acc.unreadable(file, e.to_string());
                    return None;
                }
            }
        }
        slot.file.clone()
    }

    /// One range of `file` is done; after the last, the change check runs
    /// and the handle is closed.
    fn done(&self, file: usize, path: &std::path::Path, planned: u64, acc: &mut Partial) {
        let mut slot = self.slot(file);
        slot.left = slot.left.saturating_sub(1);
        if slot.left == 0 {
            if let Some(f) = slot.file.take() {
                if let Some(why) = change(path, planned, &f) {
                    acc.unreadable(file, why);
                }
            }
        }
    }
}

/// On-disk bytes a unit covers (0 for standard input).
fn unit_bytes(unit: &Unit, sources: &[Source]) -> u64 {
    match *unit {
        Unit::Range { start, end, .. } => end - start,
        Unit::Stream { file } => match &sources[file] {
            Source::File { size, .. } => *size,
            Source::Stdin => 0,
        },
    }
}

/// Split large plain regular files into byte ranges; everything else is one unit.
fn plan(sources: &[Source], chunk: u64, choice: &Choice, problems: &mut Partial) -> Vec<Unit> {
    let mut units = Vec::new();
    for (file, src) in sources.iter().enumerate() {
        let splittable = match src {
            Source::File {
                path,
                size,
                regular: true,
            } if *size > chunk => match first_bytes(path) {
                Ok(magic) => Compression::sniff(&magic) == Compression::Plain,
                Err(e) => {
                    problems.unreadable(file, e.to_string());
                    continue;
                }
            },
            _ => false,
        };
        if !splittable {
            units.push(Unit::Stream { file });
            continue;
        }
        let Source::File { size, path, .. } = src else {
            unreachable!("only files are splittable")
        };
        let (dialect, how) = match choice {
            Choice::Fixed(d) => (d.clone(), How::Asked),
            Choice::Auto => match head_of(path) {
                Ok(head) => {
                    let (d, how) = dialect::detect(&head, false);
                    (d.clone(), how)
                }
                Err(e) => {
                    problems.unreadable(file, e.to_string());
                    continue;
                }
            },
        };
        let mut start = 0;
        let mut part = 0;
        while start < *size {
            let end = (start + chunk).min(*size);
            units.push(Unit::Range {
                file,
                part,
                start,
                end,
                dialect: dialect.clone(),
                how,
            });
            part += 1;
            start = end;
        }
    }
    units
}

/// The first bytes of a plain file, for `auto`.
fn head_of(path: &std::path::Path) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(dialect::DETECT_BYTES);
    File::open(path)?
        .take(dialect::DETECT_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

fn first_bytes(path: &std::path::Path) -> io::Result<Vec<u8>> {
    let mut magic = Vec::with_capacity(4);
    File::open(path)?.take(4).read_to_end(&mut magic)?;
    Ok(magic)
}

struct UnitReader<'a> {
    sources: &'a [Source],
    max_line: usize,
    sel: &'a Selection,
    handles: &'a Handles,
    choice: &'a Choice,
}

impl UnitReader<'_> {
    fn run(&self, unit: &Unit, acc: &mut Partial, chosen: &mut Vec<Chosen>) {
        match *unit {
            Unit::Stream { file } => match &self.sources[file] {
                Source::Stdin => read_stream(
                    io::stdin(),
                    file,
                    self.max_line,
                    self.sel,
                    self.choice,
                    acc,
                    chosen,
                ),
                Source::File {
                    path,
                    size,
                    regular: true,
                } => match File::open(path) {
                    Ok(f) => {
                        read_stream(&f, file, self.max_line, self.sel, self.choice, acc, chosen);
                        if let Some(why) = change(path, *size, &f) {
                            acc.unreadable(file, why);
                        }
                    }
                    Err(e) => acc.unreadable(file, e.to_string()),
                },
                // a FIFO named on the command line: bounded wait for a writer
                Source::File { path, .. } => match open_stream(path, FIFO_WAIT) {
                    Ok(f) => {
                        read_stream(f, file, self.max_line, self.sel, self.choice, acc, chosen)
                    }
                    Err(e) => acc.unreadable(file, e.to_string()),
                },
            },
            Unit::Range {
                file,
                part,
                start,
                end,
                ref dialect,
                how,
            } => {
                let Source::File { path, size, .. } = &self.sources[file] else {
                    unreachable!("ranges are planned for files only")
                };
                if part == 0 {
                    chosen.push((file, dialect.clone(), how));
                }
                if let Some(f) = self.handles.open(file, path, acc) {
                    if let Err(e) = self.range(f, (file, part, start, end), dialect, acc) {
                        acc.unreadable(file, e.to_string());
                    }
                }
                self.handles.done(file, path, *size, acc);
            }
        }
    }

    fn range(
        &self,
        f: std::sync::Arc<File>,
        (file, part, start, end): (usize, usize, u64, u64),
        dialect: &Dialect,
        acc: &mut Partial,
    ) -> io::Result<()> {
        // Lines that *start* in [start, end) belong to this unit: begin one
        // byte early so that a line starting exactly at `start` is recognised.
        let from = start.saturating_sub(1);
        let mut lines = LineReader::new(ReadAt::new(f, from), self.max_line, from);
        if start > 0 {
            lines.skip_partial_line(end);
        } else {
            acc.files += 1;
        }
        dialect.with_parser(ReadLines {
            lines: &mut lines,
            file,
            part,
            end,
            sel: self.sel,
            acc,
        });
        match lines.take_error() {
            Some(e) => Err(io::Error::new(e.kind(), read_error(&e, lines.offset()))),
            None => Ok(()),
        }
    }
}

/// Read one whole stream (file, FIFO, stdin) as file `file`: decompress by
/// magic bytes, then every line; a read error part-way keeps what was read
/// and reports the file.
fn read_stream<R: Read + Send>(
    raw: R,
    file: usize,
    max_line: usize,
    sel: &Selection,
    choice: &Choice,
    acc: &mut Partial,
    chosen: &mut Vec<Chosen>,
) {
    match decoder(raw) {
        Ok(r) => {
            acc.files += 1;
            let (dialect, how, r) = match choice {
                Choice::Fixed(d) => (d, How::Asked, r),
                Choice::Auto => dialect::detect_stream(r),
            };
            chosen.push((file, dialect.clone(), how));
            let mut lines = LineReader::new(r, max_line, 0);
            dialect.with_parser(ReadLines {
                lines: &mut lines,
                file,
                part: 0,
                end: u64::MAX,
                sel,
                acc,
            });
            if let Some(e) = lines.take_error() {
                acc.unreadable(file, read_error(&e, lines.offset()));
            }
        }
        Err(e) => acc.unreadable(file, e.to_string()),
    }
}

fn read_error(e: &io::Error, offset: u64) -> String {
    format!("read failed after {offset} bytes: {e}")
}

/// Parse (in one dialect) and record every line that starts before `end`.
struct ReadLines<'a, R> {
    lines: &'a mut LineReader<R>,
    file: usize,
    part: usize,
    end: u64,
    sel: &'a Selection,
    acc: &'a mut Partial,
}

impl<R: Read> WithParser<()> for ReadLines<'_, R> {
    fn run<P: LineParser>(self, parser: &mut P) {
        read_lines(self, parser)
    }
}

fn read_lines<R: Read, P: LineParser>(rl: ReadLines<'_, R>, parser: &mut P) {
    let ReadLines {
        lines,
        file,
        part,
        end,
        sel,
        acc,
    } = rl;
    let mut n = 0u64;
    while lines.offset() < end {
        let Some((at, line, took)) = lines.next_line() else {
            break;
        };
        n += 1;
        acc.bytes += took;
        let pos = LinePos {
            file,
            part,
            line: n,
        };
        let text = match line {
            Line::Oversized(_) => {
                acc.malformed(pos, Malformed::Oversized, &[]);
                continue;
            }
            Line::Text(t) if at == 0 => t.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(t),
            Line::Text(t) => t,
        };
        if is_blank(text) {
            continue;
        }
        match parser.parse_line(text) {
            Ok(ev) => acc.record(&ev, sel),
            Err(why) => acc.malformed(pos, why, text),
        }
    }
    acc.part_lines.push((file, part, n));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn changes_while_reading_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        std::fs::write(&p, b"0123456789").unwrap();
        let f = File::open(&p).unwrap();
        assert_eq!(change(&p, 10, &f), None);
        // grew (appended)
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"more")
            .unwrap();
        assert!(change(&p, 10, &f).unwrap().contains("grew from 10 to 14"));
        // copytruncate
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(0)
            .unwrap();
        assert!(change(&p, 10, &f).unwrap().contains("shrank from 10 to 0"));
        // renamed over: the handle keeps the old file, the change is named
        let q = dir.path().join("b.jsonl");
        std::fs::write(&q, b"0123456789").unwrap();
        let g = File::open(&q).unwrap();
        let other = dir.path().join("other");
        std::fs::write(&other, b"xxxxxxxxxx").unwrap();
        std::fs::rename(&other, &q).unwrap();
        assert!(change(&q, 10, &g).unwrap().contains("replaced"));
        let mut back = String::new();
        ReadAt::new(std::sync::Arc::new(g), 3)
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, "3456789", "ranges read the file first opened");
    }
}

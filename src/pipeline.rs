//! The summarize pipeline: discover -> plan work units -> read/parse/aggregate
//! in parallel -> merge -> finalise. Plain configuration in, artifact out; no
//! clap types here.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::aggregate::{LinePos, Partial};
use crate::baseline::Baseline;
use crate::error::Error;
use crate::event::{Malformed, Parser};
use crate::input::discover::{self, Source};
use crate::input::is_blank;
use crate::input::reader::{decoder, Compression, Line, LineReader};
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
        }
    }
}

impl Config {
    /// An empty partial state for this configuration.
    fn partial(&self) -> Partial {
        Partial::new(self.max_keys).with_series(self.bucket)
    }
}

/// Progress reports from the pipeline; the CLI draws them (the core stays free
/// of any UI). Bytes are on-disk bytes of the planned work units.
pub trait Progress: Send + Sync {
    fn start(&self, files: u64, bytes: u64);
    fn advance(&self, files: u64, bytes: u64);
    fn finish(&self);
}

/// The artifact plus what the run has to tell the user.
#[derive(Debug)]
pub struct Summary {
    pub baseline: Baseline,
    /// (path, why) of files passed over (shown with `-v`).
    pub skipped: Vec<(String, String)>,
    /// Number of log files found.
    pub sources: usize,
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
    },
}

fn globset(globs: &[String]) -> Result<GlobSet, Error> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g).map_err(|e| Error::BadGlob {
            glob: g.clone(),
            message: e.kind().to_string(),
        })?;
        b.add(glob);
    }
    b.build().map_err(|e| Error::BadGlob {
        glob: globs.join(" "),
        message: e.to_string(),
    })
}

pub fn summarize(cfg: &Config) -> Result<Summary, Error> {
    summarize_with(cfg, None)
}

/// [`summarize`], reporting progress.
pub fn summarize_with(cfg: &Config, progress: Option<&dyn Progress>) -> Result<Summary, Error> {
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
        let mut names: Vec<String> = found.sources.iter().map(Source::display).collect();
        let mut head = cfg.partial();
        let units = plan(&found.sources, cfg.chunk_bytes.max(1), &mut head);
        for (path, why) in &found.problems {
            head.unreadable(names.len(), why.clone());
            names.push(path.clone());
        }
        if let Some(p) = progress {
            let bytes = units.iter().map(|u| unit_bytes(u, &found.sources)).sum();
            p.start(found.sources.len() as u64, bytes);
        }
        let reader = UnitReader {
            sources: &found.sources,
            max_line,
            sel: &cfg.selection,
        };
        // One partial state per worker: each pulls the next unit (largest
        // first) until none is left, so there is no per-split state to build
        // and merge (merging run tables is the expensive part).
        let mut order: Vec<&Unit> = units.iter().collect();
        order.sort_by_key(|u| std::cmp::Reverse(unit_bytes(u, &found.sources)));
        let next = AtomicUsize::new(0);
        let partials = rayon::broadcast(|_| {
            let mut acc = cfg.partial();
            while let Some(unit) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                reader.run(unit, &mut acc);
                if let Some(p) = progress {
                    let first = matches!(unit, Unit::Stream { .. } | Unit::Range { part: 0, .. });
                    p.advance(u64::from(first), unit_bytes(unit, &found.sources));
                }
            }
            acc
        });
        let merged = partials.into_iter().fold(cfg.partial(), |mut a, b| {
            a.merge(b);
            a
        });
        head.merge(merged);
        if let Some(p) = progress {
            p.finish();
        }
        Ok(Summary {
            baseline: head.finalize(&names, &cfg.selection),
            skipped: found.skipped,
            sources: found.sources.len(),
        })
    })
}

/// Summarise one in-memory stream (decompressed by its magic bytes) on the
/// calling thread, as if it were one file named `name`. For fuzzing and tests.
pub fn summarize_stream<R: Read + Send>(raw: R, name: &str, cfg: &Config) -> Baseline {
    let mut acc = cfg.partial();
    read_stream(raw, 0, cfg.max_line_bytes.max(1), &cfg.selection, &mut acc);
    acc.finalize(&[name.to_string()], &cfg.selection)
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
fn plan(sources: &[Source], chunk: u64, problems: &mut Partial) -> Vec<Unit> {
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
        let Source::File { size, .. } = src else {
            unreachable!("only files are splittable")
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
            });
            part += 1;
            start = end;
        }
    }
    units
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
}

impl UnitReader<'_> {
    fn run(&self, unit: &Unit, acc: &mut Partial) {
        match *unit {
            Unit::Stream { file } => {
                let opened: io::Result<Box<dyn Read + Send>> = match &self.sources[file] {
                    Source::Stdin => Ok(Box::new(io::stdin())),
                    Source::File { path, .. } => File::open(path).map(|f| Box::new(f) as _),
                };
                match opened {
                    Ok(raw) => read_stream(raw, file, self.max_line, self.sel, acc),
                    Err(e) => acc.unreadable(file, e.to_string()),
                }
            }
            Unit::Range {
                file,
                part,
                start,
                end,
            } => {
                let Source::File { path, .. } = &self.sources[file] else {
                    unreachable!("ranges are planned for files only")
                };
                if let Err(e) = self.range(path, file, part, start, end, acc) {
                    acc.unreadable(file, e.to_string());
                }
            }
        }
    }

    fn range(
        &self,
        path: &std::path::Path,
        file: usize,
        part: usize,
        start: u64,
        end: u64,
        acc: &mut Partial,
    ) -> io::Result<()> {
        let mut f = File::open(path)?;
        // Lines that *start* in [start, end) belong to this unit: begin one
        // byte early so that a line starting exactly at `start` is recognised.
        let from = start.saturating_sub(1);
        f.seek(SeekFrom::Start(from))?;
        let mut lines = LineReader::new(f, self.max_line, from);
        if start > 0 {
            lines.skip_partial_line(end);
        } else {
            acc.files += 1;
        }
        read_lines(&mut lines, file, part, end, self.sel, acc);
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
    acc: &mut Partial,
) {
    match decoder(raw) {
        Ok(r) => {
            acc.files += 1;
            let mut lines = LineReader::new(r, max_line, 0);
            read_lines(&mut lines, file, 0, u64::MAX, sel, acc);
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

/// Parse and record every line that starts before `end`.
fn read_lines<R: Read>(
    lines: &mut LineReader<R>,
    file: usize,
    part: usize,
    end: u64,
    sel: &Selection,
    acc: &mut Partial,
) {
    let mut n = 0u64;
    let mut parser = Parser::new();
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
        match parser.parse(text) {
            Ok(ev) => acc.record(&ev, sel),
            Err(why) => acc.malformed(pos, why, text),
        }
    }
    acc.part_lines.push((file, part, n));
}

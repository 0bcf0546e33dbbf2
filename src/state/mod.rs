//! State files: a summary's partial state, written where the logs live and
//! merged anywhere (`summarize --state`, `merge`). See docs/scale.md for the
//! format and the rules.
//!
//! Layout: 8 magic bytes [`MAGIC`], the format version as a little-endian
//! `u32` ([`VERSION`]), the payload's length as a little-endian `u64`, then
//! zstd frames (each with a content checksum, compressed in parallel) whose
//! concatenation is the postcard serialisation of the state (`wire`). A state holds every
//! figure of the artifact in mergeable form, for every selection whose
//! window falls on whole minutes and every series of whole-minute buckets.

mod cancel_chunks;
mod kway;
mod pages;
mod sections;
mod tables;
mod wire;

use thiserror::Error;

use crate::aggregate::cancels::GRAIN_MS;
use crate::aggregate::Partial;
use crate::dialect::Choice;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

pub const MAGIC: &[u8; 8] = b"\x89AUDSUM\n";
pub const VERSION: u32 = 7;

/// Payload bytes per zstd frame: frames are compressed in parallel.
const FRAME: usize = 4 << 20;

/// zstd level: a fast one. A payload is about one third 16-byte run keys,
/// which do not compress: level -5 writes states about 12 % larger than
/// level -1 (43 against 38 bytes per run), compressing about twice and
/// decompressing three times as fast (zstd's own benchmark on a merged
/// state's payload); level 3 wrote 8 % smaller ones at a fifth of -1's speed.
const LEVEL: i32 = -5;

/// Options a state was made under that change its figures: states merge
/// only when these are equal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Options {
    pub max_keys: u64,
    pub max_line_bytes: u64,
    /// Width of the time buckets, ms.
    pub grain_ms: i64,
    /// The `--dialect` configuration ([`dialect_config`]): `auto`, a
    /// built-in's name, or a mapping file's name and content hash.
    pub dialect: String,
}

/// How a `--dialect` choice is recorded in a state: `auto`; a built-in's
/// name; for a mapping file, its dialect name and the SHA-256 of its text
/// (its path may differ from host to host; its content may not).
pub fn dialect_config(choice: &Choice) -> String {
    match choice {
        Choice::Auto => "auto".to_string(),
        Choice::Fixed(d) if d.builtin => d.name().to_string(),
        Choice::Fixed(d) => format!(
            "{} (mapping file, sha256 {})",
            d.name(),
            hex::encode(Sha256::digest(d.source.as_bytes()))
        ),
    }
}

impl Options {
    /// Options with `--dialect auto`.
    pub fn new(max_keys: usize, max_line_bytes: usize) -> Options {
        Options {
            max_keys: max_keys as u64,
            max_line_bytes: max_line_bytes as u64,
            grain_ms: GRAIN_MS,
            dialect: dialect_config(&Choice::Auto),
        }
    }

    /// The same options under another `--dialect`.
    pub fn with_dialect(self, choice: &Choice) -> Options {
        Options {
            dialect: dialect_config(choice),
            ..self
        }
    }

    /// The first option that differs, as (`--flag`, mine, theirs).
    fn differs(&self, o: &Options) -> Option<(&'static str, String, String)> {
        if self.max_keys != o.max_keys {
            return Some((
                "--max-keys",
                self.max_keys.to_string(),
                o.max_keys.to_string(),
            ));
        }
        if self.max_line_bytes != o.max_line_bytes {
            return Some((
                "--max-line-bytes",
                self.max_line_bytes.to_string(),
                o.max_line_bytes.to_string(),
            ));
        }
        if self.dialect != o.dialect {
            return Some(("--dialect", self.dialect.clone(), o.dialect.clone()));
        }
        if self.grain_ms != o.grain_ms {
            return Some((
                "time grain (ms)",
                self.grain_ms.to_string(),
                o.grain_ms.to_string(),
            ));
        }
        None
    }
}

/// A partial state with the names of the files it read, held as sorted
/// tables (see `tables.rs`).
#[derive(Debug, Clone)]
pub struct State {
    pub options: Options,
    /// Names of the files the partial refers to, by file index.
    pub files: Vec<String>,
    tables: tables::Tables,
}

#[derive(Debug, Error)]
pub enum StateError {
    #[error("{file}: not an auditsum state file (it does not start with the state magic bytes); make states with `auditsum summarize PATH... --state FILE`")]
    NotAState { file: String },
    #[error("{file}: state format version {found}, but this auditsum reads version {VERSION}; re-create the state with this version's `summarize --state`")]
    Version { file: String, found: u32 },
    #[error("{file}: corrupt or truncated state ({why}); re-create it with `summarize --state`")]
    Corrupt { file: String, why: String },
    #[error("{file}: made with {flag} {theirs}, but {first} with {flag} {mine}; states merge only when made with the same options")]
    Options {
        file: String,
        first: String,
        flag: &'static str,
        mine: String,
        theirs: String,
    },
    #[error("{file}: it also counts `{name}`, which {other} counts already; each input file must be in one state only")]
    Overlap {
        file: String,
        other: String,
        name: String,
    },
    #[error("{file}: the counts of the merged states exceed 2^64; merge fewer states at once")]
    Overflow { file: String },
}

impl State {
    /// The state of a partial made with [`Partial::for_state`] over `files`.
    pub fn new(options: Options, files: Vec<String>, partial: &Partial) -> State {
        State {
            options,
            files,
            tables: tables::Tables::from_partial(partial),
        }
    }

    /// An empty state (the identity of [`merge`]).
    pub fn empty(options: Options) -> State {
        let p = Partial::for_state(options.max_keys as usize);
        State::new(options, Vec::new(), &p)
    }

    /// The partial state, to finalise into artifacts.
    pub fn into_partial(self) -> Partial {
        self.tables.into_partial()
    }

    /// The state's bytes. The same files read under the same options give
    /// the same bytes, however the work was split.
    pub fn encode(&self) -> Vec<u8> {
        let payload = wire::to_bytes(&self.options, &self.files, &self.tables);
        let frames: Vec<Vec<u8>> = payload
            .par_chunks(FRAME)
            .map(|chunk| {
                let mut z = zstd::bulk::Compressor::new(LEVEL).expect("a valid zstd level");
                z.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))
                    .expect("a valid zstd parameter");
                z.compress(chunk)
                    .expect("compressing to a buffer of the bound's size cannot fail")
            })
            .collect();
        let mut out = Vec::with_capacity(20 + frames.iter().map(Vec::len).sum::<usize>());
        pages::advise_huge(&mut out);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        for f in frames {
            out.extend_from_slice(&f);
        }
        out
    }

    /// Read a state; `file` names it in errors. Never panics: anything
    /// that is not a well-formed state of this version is an error.
    pub fn decode(bytes: &[u8], file: &str) -> Result<State, StateError> {
        let corrupt = |why: String| StateError::Corrupt {
            file: file.to_string(),
            why,
        };
        let Some(rest) = bytes.strip_prefix(MAGIC) else {
            return Err(StateError::NotAState {
                file: file.to_string(),
            });
        };
        let Some((version, body)) = rest.split_first_chunk::<4>() else {
            return Err(corrupt("no format version".into()));
        };
        let found = u32::from_le_bytes(*version);
        if found != VERSION {
            return Err(StateError::Version {
                file: file.to_string(),
                found,
            });
        }
        let Some((len, body)) = body.split_first_chunk::<8>() else {
            return Err(corrupt("no payload length".into()));
        };
        let len = u64::from_le_bytes(*len);
        // a state compresses a few times at most: refuse decompression bombs
        let limit = (body.len() as u64)
            .saturating_mul(64)
            .saturating_add(64 << 20);
        if len > limit {
            return Err(corrupt(format!(
                "it claims to decompress to {len} bytes, more than {limit}"
            )));
        }
        // one call over every frame (each checked against its checksum);
        // more than `len` bytes do not fit the buffer and are an error
        let mut payload = Vec::with_capacity(len as usize);
        pages::advise_huge(&mut payload);
        zstd::bulk::Decompressor::new()
            .and_then(|mut d| d.decompress_to_buffer(body, &mut payload))
            .map_err(|e| corrupt(format!("zstd: {e}")))?;
        if payload.len() as u64 != len {
            return Err(corrupt(format!(
                "it decompresses to {} bytes, not the {len} its header says",
                payload.len()
            )));
        }
        wire::from_bytes(&payload).map_err(corrupt)
    }
}

/// A state file's bytes, read into a buffer advised huge pages (a state
/// of a million runs is tens of MB: thousands of page faults otherwise).
pub fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    pages::advise_huge(&mut bytes);
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Merge states (`name`, state) into one: associative and commutative. Files
/// are renumbered in path order, so malformed-line samples come out in the
/// order a `summarize` of one folder reads them.
pub fn merge(states: Vec<(String, State)>) -> Result<State, StateError> {
    let mut it = states.into_iter();
    let Some((first_name, first)) = it.next() else {
        return Ok(State::empty(Options::new(
            crate::aggregate::keys::DEFAULT_MAX_KEYS,
            crate::pipeline::DEFAULT_MAX_LINE,
        )));
    };
    let rest: Vec<(String, State)> = it.collect();
    // which state counts each file (a file in two states would count twice)
    let mut owner: std::collections::HashMap<String, String> = Default::default();
    let mut totals = [0u64; 5];
    for (name, s) in std::iter::once((&first_name, &first)).chain(rest.iter().map(|(n, s)| (n, s)))
    {
        if let Some((flag, mine, theirs)) = first.options.differs(&s.options) {
            return Err(StateError::Options {
                file: name.clone(),
                first: first_name.clone(),
                flag,
                mine,
                theirs,
            });
        }
        for f in &s.files {
            if let Some(other) = owner.insert(f.clone(), name.clone()) {
                return Err(StateError::Overlap {
                    file: name.clone(),
                    other,
                    name: f.clone(),
                });
            }
        }
        let p = &s.tables.head;
        for (t, v) in totals
            .iter_mut()
            .zip([p.files, p.bytes, p.events, p.malformed, p.untimed])
        {
            *t = t
                .checked_add(v)
                .ok_or_else(|| StateError::Overflow { file: name.clone() })?;
        }
    }
    // every name once, in path order (the order `summarize` reads a folder in)
    let mut names: Vec<String> = owner.into_keys().collect();
    names.sort_by(|a, b| {
        std::path::Path::new(a)
            .cmp(std::path::Path::new(b))
            .then(a.cmp(b))
    });
    let index: std::collections::HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let options = first.options.clone();
    let parts: Vec<tables::Tables> = std::iter::once((first_name, first))
        .chain(rest)
        .map(|(_, s)| {
            let remap: Vec<usize> = s.files.iter().map(|f| index[f.as_str()]).collect();
            let mut t = s.tables;
            t.head.renumber_files(&remap);
            t
        })
        .collect();
    let tables = tables::Tables::merge(parts, options.max_keys as usize);
    Ok(State {
        options,
        files: names,
        tables,
    })
}

#[cfg(test)]
mod tests;

//! `auditsum inspect`: what is in a set of logs, so that a user can write a
//! mapping file in minutes. Per dialect (as `--dialect` chooses it, per file
//! under `auto`) and per event type: how many events, every key path seen
//! (nested objects as `a.b`), its JSON types, how often it is present, a few
//! example values, and what the dialect reads it as.
//!
//! The door of this room is [`inspect`] (plus [`Report`]'s renderers in
//! [`report`]). It reads files one after the other on one thread, with the
//! same discovery, decompression and line rules as `summarize`, and stops
//! after `max_lines` lines (the report says so): it samples, it does not
//! aggregate.

pub mod report;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::dialect::{self, Choice, Dialect, Field, How, MappedParser};
use crate::error::Error;
use crate::event::Malformed;
use crate::input::discover::{self, Source};
use crate::input::reader::{decoder, open_stream, Line, LineReader, FIFO_WAIT};

/// Distinct event types kept per dialect; the rest are counted together.
pub const MAX_TYPES: usize = 200;
/// Distinct key paths kept per event type; the rest are counted together.
pub const MAX_KEYS: usize = 100;
/// Objects nested deeper than this are not walked into (a mapping's key
/// paths are at most this deep too).
pub const MAX_DEPTH: usize = dialect::spec::MAX_PATH_DEPTH;
/// Characters of an example value shown.
pub const EXAMPLE_CHARS: usize = 32;
/// The name of the group of lines whose event type key is absent.
pub const NO_TYPE: &str = "(no event type)";
/// The name of the group of event types past [`MAX_TYPES`].
pub const OTHER_TYPES: &str = "(other types)";

/// What to read and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    /// `--include` globs, as for `summarize`.
    pub include: Vec<String>,
    pub dialect: Choice,
    pub max_line_bytes: usize,
    /// Stop after this many lines (0: read everything).
    pub max_lines: u64,
    /// Example values kept per key.
    pub examples: usize,
    /// No example values for id-like keys (`--anonymize`).
    pub hide_ids: bool,
}

/// The JSON types a value can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    String,
    Integer,
    Float,
    Bool,
    Null,
    Object,
    Array,
}

impl JsonType {
    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Integer => "integer",
            JsonType::Float => "float",
            JsonType::Bool => "bool",
            JsonType::Null => "null",
            JsonType::Object => "object",
            JsonType::Array => "array",
        }
    }

    fn of(v: &Value) -> JsonType {
        match v {
            Value::String(_) => JsonType::String,
            Value::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
            Value::Number(_) => JsonType::Float,
            Value::Bool(_) => JsonType::Bool,
            Value::Null => JsonType::Null,
            Value::Object(_) => JsonType::Object,
            Value::Array(_) => JsonType::Array,
        }
    }
}

/// One key path of one event type.
#[derive(Debug, Clone, Serialize)]
pub struct KeyReport {
    pub path: String,
    /// Events of the type that carry the key.
    pub present: u64,
    pub types: BTreeMap<JsonType, u64>,
    /// What every value seen looks like, when they agree: `rfc3339`, or the
    /// epoch unit (`epoch-s`, `epoch-ms`, `epoch-us`, `epoch-ns`) numbers in
    /// a plausible range (1990–2100) would have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<&'static str>,
    /// The first distinct values, as compact JSON cut to [`EXAMPLE_CHARS`].
    pub examples: Vec<String>,
    /// Examples withheld (`--anonymize` and an id-like key).
    pub hidden: bool,
    /// The dialect's fields that read this path (`run_id`, `session`, …).
    pub reads_as: Vec<&'static str>,
}

/// One event type of one dialect.
#[derive(Debug, Clone, Serialize)]
pub struct TypeReport {
    pub event_type: String,
    pub count: u64,
    /// What the dialect makes of it (`run.start`, `outcome=… -> …`), or
    /// `None`: counted in `event_types` only.
    pub meaning: Option<String>,
    pub keys: Vec<KeyReport>,
    /// Key paths past [`MAX_KEYS`] (not listed).
    pub more_keys: u64,
}

/// Everything read in one dialect.
#[derive(Debug, Clone, Serialize)]
pub struct DialectReport {
    pub dialect: String,
    pub files: u64,
    pub events: u64,
    pub types: Vec<TypeReport>,
    /// (field, its key paths) of the dialect's fields that no event carried
    /// (empty when no event was read).
    pub never_seen: Vec<(&'static str, Vec<String>)>,
}

/// One file and its dialect.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub dialect: String,
    /// `--dialect`, `auto: N lines`, or `auto: fallback`.
    pub chosen_by: String,
    pub lines: u64,
    /// Set when the file could not be read (to the end).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What `inspect` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub files: Vec<FileReport>,
    pub lines: u64,
    /// Lines that are no JSON object, by reason.
    pub malformed: BTreeMap<&'static str, u64>,
    /// Reading stopped at `--max-lines`.
    pub stopped_at: Option<u64>,
    /// Files passed over by discovery (not logs by name or content).
    pub skipped: u64,
    pub dialects: Vec<DialectReport>,
}

#[derive(Default)]
struct KeyAcc {
    present: u64,
    types: BTreeMap<JsonType, u64>,
    /// None: values disagree (or no value looked like a time).
    time: Option<Option<&'static str>>,
    examples: Vec<String>,
}

#[derive(Default)]
struct TypeAcc {
    count: u64,
    keys: BTreeMap<String, KeyAcc>,
    more_keys: std::collections::BTreeSet<String>,
}

struct DialectAcc {
    dialect: Arc<Dialect>,
    files: u64,
    events: u64,
    types: BTreeMap<String, TypeAcc>,
}

/// Read the logs under `opts.paths` and describe them.
pub fn inspect(opts: &Options) -> Result<Report, Error> {
    let max_line = opts.max_line_bytes.max(1);
    let include = crate::pipeline::globset(&opts.include)?;
    let found = discover::discover(
        &opts.paths,
        &discover::Options {
            include: &include,
            max_line,
        },
    )?;
    let mut report = Report {
        files: Vec::new(),
        lines: 0,
        malformed: BTreeMap::new(),
        stopped_at: None,
        skipped: found.skipped.len() as u64,
        dialects: Vec::new(),
    };
    let mut accs: Vec<DialectAcc> = Vec::new();
    for (path, why) in &found.problems {
        report.files.push(FileReport {
            file: path.clone(),
            dialect: String::new(),
            chosen_by: String::new(),
            lines: 0,
            error: Some(why.clone()),
        });
    }
    for src in &found.sources {
        if opts.max_lines > 0 && report.lines >= opts.max_lines {
            report.stopped_at = Some(report.lines);
            break;
        }
        let raw: Result<Box<dyn Read + Send>, std::io::Error> = match src {
            Source::Stdin => Ok(Box::new(std::io::stdin())),
            Source::File { path, .. } => {
                open_stream(path, FIFO_WAIT).map(|f| Box::new(f) as Box<dyn Read + Send>)
            }
        };
        let mut file = FileReport {
            file: src.display(),
            dialect: String::new(),
            chosen_by: String::new(),
            lines: 0,
            error: None,
        };
        match raw.and_then(decoder) {
            Err(e) => file.error = Some(e.to_string()),
            Ok(r) => {
                let (d, how, r) = match &opts.dialect {
                    Choice::Fixed(d) => (d.clone(), How::Asked, r),
                    Choice::Auto => {
                        let (d, how, r) = dialect::detect_stream(r);
                        (d.clone(), how, r)
                    }
                };
                file.dialect = d.name().to_string();
                file.chosen_by = match how {
                    How::Asked => "--dialect".into(),
                    How::Detected { votes } => format!("auto: {votes} lines"),
                    How::Fallback => "auto: fallback".into(),
                };
                let i = match accs.iter().position(|a| a.dialect.name() == d.name()) {
                    Some(i) => i,
                    None => {
                        accs.push(DialectAcc {
                            dialect: d,
                            files: 0,
                            events: 0,
                            types: BTreeMap::new(),
                        });
                        accs.len() - 1
                    }
                };
                accs[i].files += 1;
                // the dialect's own parser says what summarize would: the
                // event type, or why a line is malformed
                let dialect = accs[i].dialect.clone();
                let mut parser = MappedParser::new(&dialect.mapping);
                let mut lines = LineReader::new(r, max_line, 0);
                while let Some((at, line, _)) = lines.next_line() {
                    if opts.max_lines > 0 && report.lines >= opts.max_lines {
                        report.stopped_at = Some(report.lines);
                        break;
                    }
                    let text = match line {
                        Line::Oversized(_) => None,
                        Line::Text(t) => {
                            // a byte order mark opens a file, as for summarize
                            let t = if at == 0 {
                                t.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(t)
                            } else {
                                t
                            };
                            if crate::input::is_blank(t) {
                                continue;
                            }
                            Some(t)
                        }
                    };
                    report.lines += 1;
                    file.lines += 1;
                    let parsed = match text {
                        None => Err(Malformed::Oversized),
                        Some(t) => parser.parse(t).map(|ev| ev.etype.to_string()),
                    };
                    let etype = match parsed {
                        Ok(etype) => etype,
                        Err(Malformed::NoType) => NO_TYPE.to_string(),
                        Err(why) => {
                            *report.malformed.entry(why.as_str()).or_default() += 1;
                            continue;
                        }
                    };
                    // the parser accepted an object (serde_json is its reference)
                    if let Ok(Value::Object(o)) =
                        serde_json::from_slice::<Value>(text.unwrap_or_default())
                    {
                        accs[i].record(etype, &o, opts);
                    }
                }
                if let Some(e) = lines.take_error() {
                    file.error = Some(format!("read failed after {} bytes: {e}", lines.offset()));
                }
            }
        }
        report.files.push(file);
    }
    report.dialects = accs.into_iter().map(|a| a.finish(opts)).collect();
    Ok(report)
}

impl DialectAcc {
    fn record(&mut self, etype: String, o: &serde_json::Map<String, Value>, opts: &Options) {
        self.events += 1;
        let etype = if self.types.contains_key(&etype) || self.types.len() < MAX_TYPES {
            etype
        } else {
            OTHER_TYPES.to_string()
        };
        let t = self.types.entry(etype).or_default();
        t.count += 1;
        let mut path = String::new();
        walk(o, &mut path, 1, t, opts.examples);
    }

    fn finish(self, opts: &Options) -> DialectReport {
        let readers = self.dialect.mapping.readers();
        let mut seen: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        let mut types: Vec<TypeReport> = self
            .types
            .iter()
            .map(|(name, t)| TypeReport {
                event_type: name.clone(),
                count: t.count,
                meaning: self.dialect.mapping.describe_type(name),
                keys: t
                    .keys
                    .iter()
                    .map(|(path, k)| {
                        seen.insert(path.as_str());
                        let mut reads_as = readers.get(path.as_str()).cloned().unwrap_or_default();
                        if self
                            .dialect
                            .mapping
                            .role_paths(name)
                            .contains(&path.as_str())
                        {
                            reads_as.push("role");
                        }
                        let hidden = opts.hide_ids && id_like(path, &reads_as);
                        KeyReport {
                            path: path.clone(),
                            present: k.present,
                            types: k.types.clone(),
                            time: k.time.flatten(),
                            examples: if hidden {
                                Vec::new()
                            } else {
                                k.examples.clone()
                            },
                            hidden,
                            reads_as,
                        }
                    })
                    .collect(),
                more_keys: t.more_keys.len() as u64,
            })
            .collect();
        types.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.event_type.cmp(&b.event_type))
        });
        // fields none of whose key paths any event carried: a typo in a
        // mapping, or a field these logs do not have
        let never_seen = if self.events == 0 {
            Vec::new()
        } else {
            Field::ALL
                .into_iter()
                .filter_map(|f| {
                    let paths: Vec<String> = self
                        .dialect
                        .mapping
                        .field_paths(f)
                        .map(str::to_string)
                        .collect();
                    (!paths.is_empty() && !paths.iter().any(|p| seen.contains(p.as_str())))
                        .then(|| (f.as_str(), paths))
                })
                .collect()
        };
        DialectReport {
            dialect: self.dialect.name().to_string(),
            files: self.files,
            events: self.events,
            types,
            never_seen,
        }
    }
}

/// Record every key path of `o` (below `path`) in `t`.
fn walk(
    o: &serde_json::Map<String, Value>,
    path: &mut String,
    depth: usize,
    t: &mut TypeAcc,
    examples: usize,
) {
    for (k, v) in o {
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(k);
        let room = t.keys.len() < MAX_KEYS;
        match t.keys.get_mut(path.as_str()) {
            Some(acc) => acc.add(v, examples),
            None if room => {
                let mut acc = KeyAcc::default();
                acc.add(v, examples);
                t.keys.insert(path.clone(), acc);
            }
            None => {
                // bounded too: a type with ever-new keys (ids used as keys)
                if t.more_keys.len() < 1 << 16 {
                    t.more_keys.insert(path.clone());
                }
            }
        }
        if let Value::Object(inner) = v {
            if depth < MAX_DEPTH {
                walk(inner, path, depth + 1, t, examples);
            }
        }
        path.truncate(len);
    }
}

impl KeyAcc {
    fn add(&mut self, v: &Value, examples: usize) {
        self.present += 1;
        *self.types.entry(JsonType::of(v)).or_default() += 1;
        let looks = time_look(v);
        self.time = match self.time {
            None => Some(looks),
            Some(prev) if prev == looks => Some(prev),
            Some(_) => Some(None),
        };
        if self.examples.len() < examples {
            let ex = example(v);
            if !ex.is_empty() && !self.examples.contains(&ex) {
                self.examples.push(ex);
            }
        }
    }
}

/// What a value looks like as a time, if anything.
fn time_look(v: &Value) -> Option<&'static str> {
    // 1990-01-01 .. 2100-01-01 in seconds
    const LO: f64 = 631_152_000.0;
    const HI: f64 = 4_102_444_800.0;
    match v {
        Value::String(s) => crate::time::parse_rfc3339_ms(s).map(|_| "rfc3339"),
        Value::Number(n) => {
            let x = n.as_f64()?;
            [
                ("epoch-s", 1.0),
                ("epoch-ms", 1e3),
                ("epoch-us", 1e6),
                ("epoch-ns", 1e9),
            ]
            .into_iter()
            .find(|&(_, scale)| (LO * scale..HI * scale).contains(&x))
            .map(|(name, _)| name)
        }
        _ => None,
    }
}

/// An example value: scalars as compact JSON, containers by size.
fn example(v: &Value) -> String {
    let s = match v {
        Value::Object(o) if o.len() == 1 => "{1 key}".to_string(),
        Value::Object(o) => format!("{{{} keys}}", o.len()),
        Value::Array(a) if a.len() == 1 => "[1 item]".to_string(),
        Value::Array(a) => format!("[{} items]", a.len()),
        v => v.to_string(),
    };
    if s.chars().count() > EXAMPLE_CHARS {
        let mut cut: String = s.chars().take(EXAMPLE_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        s
    }
}

/// Keys whose values identify a person, a conversation or a run: the
/// dialect's id fields, and names that say so.
fn id_like(path: &str, reads_as: &[&str]) -> bool {
    if reads_as
        .iter()
        .any(|f| matches!(*f, "run_id" | "session" | "sender"))
    {
        return true;
    }
    let last = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
    let last = last.replace(['_', '-'], "");
    const EXACT: [&str; 5] = ["to", "from", "ip", "who", "peer"];
    const WITHIN: [&str; 12] = [
        "session",
        "user",
        "sender",
        "chat",
        "phone",
        "email",
        "address",
        "token",
        "account",
        "recipient",
        "author",
        "host",
    ];
    last.ends_with("id")
        || last.ends_with("key")
        || EXACT.contains(&last.as_str())
        || WITHIN.iter().any(|w| last.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_looks() {
        assert_eq!(
            time_look(&serde_json::json!(1773216000000i64)),
            Some("epoch-ms")
        );
        assert_eq!(
            time_look(&serde_json::json!(1773216000.25)),
            Some("epoch-s")
        );
        assert_eq!(
            time_look(&serde_json::json!("2026-03-11T06:00:00Z")),
            Some("rfc3339")
        );
        assert_eq!(time_look(&serde_json::json!(42)), None);
        assert_eq!(time_look(&serde_json::json!("soon")), None);
    }

    #[test]
    fn examples_are_cut() {
        let long = Value::String("x".repeat(100));
        let e = example(&long);
        assert_eq!(e.chars().count(), EXAMPLE_CHARS);
        assert!(e.ends_with('…'));
        assert_eq!(example(&serde_json::json!({"a": 1, "b": 2})), "{2 keys}");
        assert_eq!(example(&serde_json::json!([1, 2, 3])), "[3 items]");
    }

    #[test]
    fn id_like_keys() {
        for k in [
            "runId",
            "sessionKey",
            "data.session_id",
            "sender",
            "chatId",
            "user",
            "email",
        ] {
            assert!(id_like(k, &[]), "{k}");
        }
        for k in [
            "type",
            "ts",
            "channel",
            "outcome",
            "durationMs",
            "provider",
            "reason",
            "rule_name",
            "total",
            "stop",
        ] {
            assert!(!id_like(k, &[]), "{k}");
        }
        assert!(id_like("conv", &["session"]));
    }
}

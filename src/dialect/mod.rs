//! Dialects: how one gateway's log lines map onto auditsum's events.
//!
//! The door of this room is [`Dialect`] and [`Choice`] (`--dialect
//! auto|default|openclaw|PATH.toml`). Every dialect is a mapping file
//! ([`spec`]); the built-in `default` dialect runs the fast parser of
//! [`crate::event`] instead of the generic one ([`mapped`]), so the default
//! path costs nothing per line. `auto` picks a built-in per file from its
//! first lines ([`detect`]).

pub mod mapped;
pub mod spec;

use std::io::{self, Read};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::event::{self, Event, Malformed};

pub use mapped::MappedParser;
pub use spec::{Field, Mapping, Role, SpecError};

/// The name of the SPEC §1 dialect.
pub const DEFAULT: &str = "default";

/// Lines of a file's head that `auto` looks at.
pub const DETECT_LINES: usize = 64;
/// Bytes of a file's (decompressed) head that `auto` looks at.
pub const DETECT_BYTES: usize = 256 * 1024;

const BUILTIN_SOURCES: [&str; 2] = [
    include_str!("builtin/default.toml"),
    include_str!("builtin/openclaw.toml"),
];

/// A dialect: its mapping, and the text it was read from.
#[derive(Debug)]
pub struct Dialect {
    pub mapping: Mapping,
    /// The mapping file's text (`auditsum dialect show`).
    pub source: String,
    /// Built in (as opposed to read from a file).
    pub builtin: bool,
    /// Parse with the fast SPEC §1 parser (the built-in `default`).
    fast: bool,
}

impl Dialect {
    pub fn name(&self) -> &str {
        &self.mapping.name
    }

    /// A dialect from a mapping file's text.
    pub fn from_toml(text: &str) -> Result<Dialect, SpecError> {
        Ok(Dialect {
            mapping: Mapping::from_toml(text)?,
            source: text.to_string(),
            builtin: false,
            fast: false,
        })
    }

    /// Run `f` with this dialect's line parser (one dispatch per call, none
    /// per line: `f` is generic over the parser).
    pub fn with_parser<T>(&self, f: impl WithParser<T>) -> T {
        if self.fast {
            f.run(&mut event::Parser::new())
        } else {
            f.run(&mut MappedParser::new(&self.mapping))
        }
    }
}

/// One line in, one event (or why it is malformed) out.
pub trait LineParser {
    fn parse_line<'a>(&'a mut self, line: &'a [u8]) -> Result<Event<'a>, Malformed>;
}

impl LineParser for event::Parser {
    #[inline]
    fn parse_line<'a>(&'a mut self, line: &'a [u8]) -> Result<Event<'a>, Malformed> {
        self.parse(line)
    }
}

impl LineParser for MappedParser<'_> {
    #[inline]
    fn parse_line<'a>(&'a mut self, line: &'a [u8]) -> Result<Event<'a>, Malformed> {
        self.parse(line)
    }
}

/// A computation generic over the line parser ([`Dialect::with_parser`]).
pub trait WithParser<T> {
    fn run<P: LineParser>(self, parser: &mut P) -> T;
}

/// The built-in dialects, `default` first.
pub fn builtins() -> &'static [Arc<Dialect>] {
    static ALL: OnceLock<Vec<Arc<Dialect>>> = OnceLock::new();
    ALL.get_or_init(|| {
        BUILTIN_SOURCES
            .iter()
            .map(|text| {
                let mut d = Dialect::from_toml(text).expect("built-in dialects are valid");
                d.builtin = true;
                d.fast = d.mapping.name == DEFAULT;
                Arc::new(d)
            })
            .collect()
    })
}

/// A built-in dialect by name.
pub fn builtin(name: &str) -> Option<&'static Arc<Dialect>> {
    builtins().iter().find(|d| d.name() == name)
}

/// The built-in `default` dialect.
pub fn default_dialect() -> &'static Arc<Dialect> {
    &builtins()[0]
}

/// `--dialect`: one dialect for every file, or `auto` (per file).
#[derive(Debug, Clone, Default)]
pub enum Choice {
    #[default]
    Auto,
    Fixed(Arc<Dialect>),
}

/// Why `--dialect VALUE` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DialectError {
    #[error("--dialect {arg}: not auto, {builtins}, nor a readable mapping file ({source})")]
    Unreadable {
        arg: String,
        builtins: String,
        #[source]
        source: io::Error,
    },
    #[error("{path}:{}: {} (see `auditsum dialect show openclaw` for a working example)", .error.line, .error.message)]
    Invalid { path: String, error: SpecError },
}

impl Choice {
    /// `auto`, a built-in's name, or the path of a mapping file.
    pub fn parse(arg: &str) -> Result<Choice, DialectError> {
        if arg == "auto" {
            return Ok(Choice::Auto);
        }
        if let Some(d) = builtin(arg) {
            return Ok(Choice::Fixed(d.clone()));
        }
        let text =
            std::fs::read_to_string(Path::new(arg)).map_err(|source| DialectError::Unreadable {
                arg: arg.to_string(),
                builtins: builtins()
                    .iter()
                    .map(|d| d.name().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                source,
            })?;
        let d = Dialect::from_toml(&text).map_err(|error| DialectError::Invalid {
            path: arg.to_string(),
            error,
        })?;
        if builtin(d.name()).is_some() {
            // the artifact records dialects by name: a name must mean one mapping
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("name"))
                .map_or(1, |i| i + 1);
            return Err(DialectError::Invalid {
                path: arg.to_string(),
                error: SpecError {
                    line,
                    message: format!(
                        "name {:?} is a built-in dialect's; give your mapping a name of its own",
                        d.name()
                    ),
                },
            });
        }
        Ok(Choice::Fixed(Arc::new(d)))
    }
}

/// How a file's dialect was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// `--dialect NAME|PATH`.
    Asked,
    /// `auto`: the first lines carried this many of its types.
    Detected { votes: usize },
    /// `auto`, and no line said: the default dialect.
    Fallback,
}

/// `auto`: the built-in dialect whose event types the first lines of `head`
/// carry most (ties: the earlier built-in, `default` first); `default` when
/// no line says. `complete`: `head` is the whole file (else its last,
/// possibly cut, line is not looked at).
pub fn detect(head: &[u8], complete: bool) -> (&'static Arc<Dialect>, How) {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut lines: Vec<&[u8]> = head.split(|&b| b == b'\n').collect();
    if !complete {
        lines.pop();
    }
    let lines: Vec<&[u8]> = lines
        .into_iter()
        .filter(|l| !crate::input::is_blank(l))
        .take(DETECT_LINES)
        .collect();
    let mut best: Option<(usize, &'static Arc<Dialect>)> = None;
    for d in builtins() {
        let mut parser = MappedParser::new(&d.mapping);
        let votes = lines
            .iter()
            .filter(|l| {
                parser
                    .parse(l)
                    .is_ok_and(|e| d.mapping.detect.iter().any(|t| t == e.etype))
            })
            .count();
        if votes > best.map_or(0, |(v, _)| v) {
            best = Some((votes, d));
        }
    }
    match best {
        Some((votes, d)) => (d, How::Detected { votes }),
        None => (default_dialect(), How::Fallback),
    }
}

/// [`detect`] on the head of a stream; returns the stream unchanged (the
/// head is read again from memory, and a read error met in the head is
/// met again after it).
pub fn detect_stream<'r>(
    mut r: Box<dyn Read + Send + 'r>,
) -> (&'static Arc<Dialect>, How, Box<dyn Read + Send + 'r>) {
    let mut head = Vec::new();
    let res = r.by_ref().take(DETECT_BYTES as u64).read_to_end(&mut head);
    let complete = head.len() < DETECT_BYTES && res.is_ok();
    let (d, how) = detect(&head, complete);
    let rest: Box<dyn Read + Send + 'r> = match res {
        Ok(_) => r,
        Err(e) => Box::new(Failed(Some(e))),
    };
    (d, how, Box::new(io::Cursor::new(head).chain(rest)))
}

/// A reader that fails once with a stored error.
struct Failed(Option<io::Error>);

impl Read for Failed {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_valid_and_named() {
        let names: Vec<&str> = builtins().iter().map(|d| d.name()).collect();
        assert_eq!(names, ["default", "openclaw"]);
        assert!(builtins()[0].fast && !builtins()[1].fast);
    }

    #[test]
    fn detection() {
        let oc = br#"{"type":"run.attempt","runId":"r","ts":1}
{"type":"model.usage","ts":2}
"#;
        assert_eq!(detect(oc, true).0.name(), "openclaw");
        assert_eq!(detect(oc, true).1, How::Detected { votes: 2 });
        let df = br#"{"type":"message.sent","ts":1}
{"event":"run.state","state":"start"}
"#;
        assert_eq!(detect(df, true).0.name(), "default");
        // nothing known, torn or garbage lines: default
        let (d, how) = detect(b"{\"type\":\"x\"}\n{\"ty", false);
        assert_eq!((d.name(), how), ("default", How::Fallback));
        assert_eq!(detect(b"", true).1, How::Fallback);
        // the cut last line of an incomplete head is not read
        assert_eq!(
            detect(b"{\"type\":\"x\"}\n{\"type\":\"run.started\"}", false).1,
            How::Fallback
        );
        // majority wins; a tie goes to default
        let mixed =
            b"{\"type\":\"run.state\"}\n{\"type\":\"run.started\"}\n{\"type\":\"model.usage\"}\n";
        assert_eq!(detect(mixed, true).0.name(), "openclaw");
        let tie = b"{\"type\":\"run.state\"}\n{\"type\":\"run.started\"}\n";
        assert_eq!(detect(tie, true).0.name(), "default");
    }

    #[test]
    fn stream_is_replayed() {
        let data = b"{\"type\":\"run.started\"}\nrest\n".repeat(20_000);
        let (d, _, mut r) = detect_stream(Box::new(io::Cursor::new(data.clone())));
        assert_eq!(d.name(), "openclaw");
        let mut back = Vec::new();
        r.read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn choice() {
        assert!(matches!(Choice::parse("auto"), Ok(Choice::Auto)));
        assert!(
            matches!(Choice::parse("openclaw"), Ok(Choice::Fixed(d)) if d.name() == "openclaw")
        );
        let e = Choice::parse("/nonexistent/x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("default, openclaw"), "{e}");
    }
}

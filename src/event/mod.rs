//! The tolerant line parser: one JSONL line -> [`Event`] (borrowed where the
//! input allows), accepting every spelling in SPEC §1 "Fields".
//!
//! * Envelope keys (`type`/`event`, `ts`/`timestamp`/`time`, `session_id`,
//!   `run_id`, `channel`, `backend`, `origin`) are read at top level only.
//! * Every other field may sit at top level or inside an object under
//!   `payload`; the top level wins. snake_case wins over camelCase.
//! * `null` and `""` count as absent. Duplicate keys: the last one wins.

use std::fmt;

use bumpalo::Bump;

use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use crate::select::Attr;
use crate::time::DateCache;

mod index;
mod lane;
mod scan;

use index::LineIndex;

/// Why a line was counted as malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Malformed {
    /// Not valid UTF-8.
    Utf8,
    /// Not valid JSON (syntax, trailing garbage, nesting too deep …).
    Json,
    /// Valid JSON but not an object.
    NotObject,
    /// An object without an event type that is a string.
    NoType,
    /// Longer than `--max-line-bytes`.
    Oversized,
}

impl Malformed {
    pub fn as_str(self) -> &'static str {
        match self {
            Malformed::Utf8 => "invalid_utf8",
            Malformed::Json => "invalid_json",
            Malformed::NotObject => "not_an_object",
            Malformed::NoType => "missing_type",
            Malformed::Oversized => "oversized",
        }
    }
}

/// `run.cancel` `acknowledged`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    Absent,
    Yes,
    No,
    At(i64),
}

impl Ack {
    pub fn is_acknowledged(self) -> bool {
        matches!(self, Ack::Yes | Ack::At(_))
    }
}

/// What an event means to the aggregation, whatever its type is called in
/// the log (the dialect decides; `event_types` counts the type as written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Counted in `event_types` only.
    Other,
    /// A run state change; `state` holds the state (SPEC §1 synonyms).
    RunState,
    /// A cancel request (`run.cancel`).
    Cancel,
    ReactionMatch,
    ReactionSkip,
}

impl Kind {
    /// The kind of a type name of the default dialect (SPEC §1).
    #[inline]
    pub fn of_default(etype: &str) -> Kind {
        match etype {
            "run.state" => Kind::RunState,
            "run.cancel" => Kind::Cancel,
            "reaction.match" => Kind::ReactionMatch,
            "reaction.skip" => Kind::ReactionSkip,
            _ => Kind::Other,
        }
    }
}

/// One valid event, every spelling resolved. Strings borrow from the line
/// (or, when they had escapes, from the [`Parser`]'s scratch space).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event<'a> {
    /// The event type as written.
    pub etype: &'a str,
    pub kind: Kind,
    /// UTC milliseconds; `None` when the event has no readable time.
    pub ts: Option<i64>,
    pub session_id: Option<&'a str>,
    pub run_id: Option<&'a str>,
    pub channel: Option<&'a str>,
    pub backend: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub state: Option<&'a str>,
    pub source: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub rule_name: Option<&'a str>,
    pub sender: Option<&'a str>,
    /// Valid (non-negative) latency in ms.
    pub latency_ms: Option<u64>,
    pub acknowledged: Ack,
    pub requested: Option<i64>,
    pub candidate_count: Option<u64>,
    /// A terminal run event's own duration (dialects that log one, e.g.
    /// OpenClaw's `durationMs`); it wins over end minus start.
    pub duration_ms: Option<u64>,
    /// Amounts present but refused: bits of [`Amount::bit`].
    pub invalid: u16,
}

impl Event<'_> {
    /// The event's own value of a run attribute (the one place that maps
    /// `--where` keys and run attributes to event fields).
    pub fn attr(&self, a: Attr) -> Option<&str> {
        match a {
            Attr::Backend => self.backend,
            Attr::Channel => self.channel,
            Attr::Origin => self.origin,
            Attr::Session => self.session_id,
        }
    }
}

/// The line parser. Holds the scratch space that strings with escapes are
/// decoded into, reused from line to line: an [`Event`] borrows the parser
/// until it is dropped, so one parser serves one line at a time.
#[derive(Default)]
pub struct Parser {
    scratch: Bump,
    dates: DateCache,
    index: LineIndex,
}

impl Parser {
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Parse one line (without its terminator; a trailing `\r` is fine).
    pub fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Event<'a>, Malformed> {
        let ix = self.index.build(line);
        let text = ix.text().ok_or(Malformed::Utf8)?;
        let mut raw = Raw::default();
        if scan::scan(&ix, &mut raw).is_none() {
            raw = Raw::default();
            self.scratch.reset();
            fill_with_serde(text, &mut raw, &self.scratch)?;
        }
        raw.resolve(&mut self.dates).ok_or(Malformed::NoType)
    }

    /// [`Parser::parse`] without the fast path: serde_json decides
    /// everything. The reference the fast path is tested against.
    #[doc(hidden)]
    pub fn parse_reference<'a>(&'a mut self, line: &'a [u8]) -> Result<Event<'a>, Malformed> {
        let text = simdutf8::basic::from_utf8(line).map_err(|_| Malformed::Utf8)?;
        let mut raw = Raw::default();
        self.scratch.reset();
        fill_with_serde(text, &mut raw, &self.scratch)?;
        raw.resolve(&mut DateCache::default())
            .ok_or(Malformed::NoType)
    }
}

/// Whether the fast path alone reads `line` (for tests and benchmarks).
#[doc(hidden)]
pub fn fast_path_reads(line: &[u8]) -> bool {
    let mut storage = LineIndex::default();
    scan::scan(&storage.build(line), &mut Raw::default()).is_some()
}

/// Nesting allowed in a line: the line's object is level 1 (serde_json's own
/// limit of 128 does not apply to values it skips).
pub const MAX_NESTING: usize = 128;

/// Whether `text` nests objects and arrays deeper than [`MAX_NESTING`]
/// (brackets inside strings do not count). Cheap when the line has few
/// brackets, which is nearly always.
pub(crate) fn too_deep(text: &str) -> bool {
    let b = text.as_bytes();
    if b.iter().filter(|&&c| c == b'[' || c == b'{').count() <= MAX_NESTING {
        return false;
    }
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for &c in b {
        if in_str {
            match c {
                _ if esc => esc = false,
                b'\\' => esc = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

fn fill_with_serde<'a>(
    text: &'a str,
    raw: &mut Raw<'a>,
    scratch: &'a Bump,
) -> Result<(), Malformed> {
    if too_deep(text) {
        return Err(Malformed::Json);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let is_object = TopSeed(raw, scratch)
        .deserialize(&mut de)
        .map_err(|_| Malformed::Json)?;
    de.end().map_err(|_| Malformed::Json)?;
    if is_object {
        Ok(())
    } else {
        Err(Malformed::NotObject)
    }
}

/// A JSON value as far as this tool cares about it (24 bytes, and `Copy`:
/// lines are parsed into a stack array of these, so size and drop matter).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) enum Val<'a> {
    #[default]
    Null,
    Str(&'a str),
    Int(i64),
    /// Integers above `i64::MAX`.
    Big,
    Float(f64),
    Bool(bool),
    /// Objects and arrays.
    Other,
}

impl<'a> Val<'a> {
    /// Present: not null and not the empty string.
    pub(crate) fn present(&self) -> bool {
        match self {
            Val::Null => false,
            Val::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&'a str> {
        match *self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Reads a [`Val`]; strings with escapes are decoded into the scratch space.
#[derive(Clone, Copy)]
pub(crate) struct ValSeed<'de>(pub(crate) &'de Bump);

impl<'de> DeserializeSeed<'de> for ValSeed<'de> {
    type Value = Val<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Val<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValSeed<'de> {
    type Value = Val<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(self.0.alloc_str(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Val<'de>, E> {
        Ok(Val::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Val<'de>, E> {
        Ok(i64::try_from(v).map(Val::Int).unwrap_or(Val::Big))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Val<'de>, E> {
        Ok(Val::Float(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Val<'de>, E> {
        Ok(Val::Bool(v))
    }
    fn visit_unit<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Val::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Val::Other)
    }
}

/// Every key spelling we read; `Ignored` for the rest. Envelope keys first,
/// then the fields that may also sit under `payload`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Type,
    Event,
    Ts,
    Timestamp,
    Time,
    SessionId,
    SessionIdCamel,
    RunId,
    RunIdCamel,
    Channel,
    Backend,
    Origin,
    // payload-capable fields from here on
    State,
    Source,
    Reason,
    RuleName,
    RuleNameCamel,
    Sender,
    LatencyMs,
    LatencyMsCamel,
    Acknowledged,
    Requested,
    CandidateCount,
    CandidateCountCamel,
    Payload,
    Ignored,
}

const SLOTS: usize = Key::Payload as usize;
const FIRST_FIELD: usize = Key::State as usize;
const FIELDS: usize = SLOTS - FIRST_FIELD;

impl Key {
    fn from_str(s: &str) -> Key {
        match s {
            "type" => Key::Type,
            "event" => Key::Event,
            "ts" => Key::Ts,
            "timestamp" => Key::Timestamp,
            "time" => Key::Time,
            "session_id" => Key::SessionId,
            "sessionId" => Key::SessionIdCamel,
            "run_id" => Key::RunId,
            "runId" => Key::RunIdCamel,
            "channel" => Key::Channel,
            "backend" => Key::Backend,
            "origin" => Key::Origin,
            "payload" => Key::Payload,
            "state" => Key::State,
            "source" => Key::Source,
            "reason" => Key::Reason,
            "rule_name" => Key::RuleName,
            "ruleName" => Key::RuleNameCamel,
            "sender" => Key::Sender,
            "latency_ms" => Key::LatencyMs,
            "latencyMs" => Key::LatencyMsCamel,
            "acknowledged" => Key::Acknowledged,
            "requested" => Key::Requested,
            "candidate_count" => Key::CandidateCount,
            "candidateCount" => Key::CandidateCountCamel,
            _ => Key::Ignored,
        }
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(Key::from_str(v))
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

/// The raw values of one line: every top-level slot, and the payload-capable
/// fields of the `payload` object. Filled in place (see [`TopSeed`]) so that
/// nothing this size is moved per line.
#[derive(Default)]
struct Raw<'a> {
    top: [Val<'a>; SLOTS],
    payload: [Val<'a>; FIELDS],
}

fn present<'v, 'a>(v: &'v Val<'a>) -> Option<&'v Val<'a>> {
    v.present().then_some(v)
}

/// Answers anything that is not an object with `false` (after consuming it).
macro_rules! not_an_object {
    () => {
        fn visit_borrowed_str<E>(self, _: &'de str) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_str<E>(self, _: &str) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_unit<E>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(false)
        }
    };
}
pub(crate) use not_an_object;

/// Fills the payload slots; `true` when the payload is an object (anything
/// else under `payload` is ignored).
struct PayloadSeed<'r, 'de>(&'r mut [Val<'de>; FIELDS], ValSeed<'de>);

impl<'de> DeserializeSeed<'de> for PayloadSeed<'_, 'de> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PayloadSeed<'_, 'de> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a payload")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        // a repeated `payload` key replaces the earlier one
        *self.0 = Default::default();
        while let Some(k) = map.next_key::<Key>()? {
            let i = k as usize;
            if (FIRST_FIELD..SLOTS).contains(&i) {
                self.0[i - FIRST_FIELD] = map.next_value_seed(self.1)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(true)
    }
    not_an_object!();
}

/// Fills [`Raw`]; `true` when the line is an object.
struct TopSeed<'r, 'de>(&'r mut Raw<'de>, &'de Bump);

impl<'de> DeserializeSeed<'de> for TopSeed<'_, 'de> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, 'de> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let (raw, val) = (self.0, ValSeed(self.1));
        while let Some(k) = map.next_key::<Key>()? {
            match k {
                Key::Ignored => {
                    map.next_value::<IgnoredAny>()?;
                }
                Key::Payload => {
                    if !map.next_value_seed(PayloadSeed(&mut raw.payload, val))? {
                        raw.payload = Default::default();
                    }
                }
                k => raw.top[k as usize] = map.next_value_seed(val)?,
            }
        }
        Ok(true)
    }
    not_an_object!();
}

impl<'a> Raw<'a> {
    /// First present value among the top-level spellings.
    fn envelope(&self, keys: &[Key]) -> Option<&Val<'a>> {
        keys.iter().find_map(|&k| present(&self.top[k as usize]))
    }

    /// First present value: top level (each spelling), then payload.
    fn field(&self, keys: &[Key]) -> Option<&Val<'a>> {
        self.envelope(keys).or_else(|| {
            keys.iter()
                .find_map(|&k| present(&self.payload[k as usize - FIRST_FIELD]))
        })
    }

    fn take_str(v: Option<&Val<'a>>) -> Option<&'a str> {
        v?.as_str()
    }

    fn resolve(&self, dates: &mut DateCache) -> Option<Event<'a>> {
        let mut time_of = |v: &Val<'_>| time_of(v, dates);
        let etype = Self::take_str(self.envelope(&[Key::Type, Key::Event]))?;
        let ts = self
            .envelope(&[Key::Ts, Key::Timestamp, Key::Time])
            .and_then(&mut time_of);
        let acknowledged = match self.field(&[Key::Acknowledged]) {
            None => Ack::Absent,
            Some(Val::Bool(true)) => Ack::Yes,
            Some(Val::Bool(false)) => Ack::No,
            Some(v) => time_of(v).map_or(Ack::No, Ack::At),
        };
        let mut invalid = 0;
        Some(Event {
            etype,
            kind: Kind::of_default(etype),
            ts,
            session_id: Self::take_str(self.envelope(&[Key::SessionId, Key::SessionIdCamel])),
            run_id: Self::take_str(self.envelope(&[Key::RunId, Key::RunIdCamel])),
            channel: Self::take_str(self.envelope(&[Key::Channel])),
            backend: Self::take_str(self.envelope(&[Key::Backend])),
            origin: Self::take_str(self.envelope(&[Key::Origin])),
            state: Self::take_str(self.field(&[Key::State])),
            source: Self::take_str(self.field(&[Key::Source])),
            reason: Self::take_str(self.field(&[Key::Reason])),
            rule_name: Self::take_str(self.field(&[Key::RuleName, Key::RuleNameCamel])),
            sender: Self::take_str(self.field(&[Key::Sender])),
            latency_ms: amount_of(
                self.field(&[Key::LatencyMs, Key::LatencyMsCamel]),
                Amount::LatencyMs,
                &mut invalid,
            ),
            acknowledged,
            requested: self.field(&[Key::Requested]).and_then(&mut time_of),
            candidate_count: amount_of(
                self.field(&[Key::CandidateCount, Key::CandidateCountCamel]),
                Amount::CandidateCount,
                &mut invalid,
            ),
            duration_ms: None,
            invalid,
        })
    }
}

/// A time: RFC 3339 string or integer epoch milliseconds.
fn time_of(v: &Val<'_>, dates: &mut DateCache) -> Option<i64> {
    match v {
        Val::Int(i) => Some(*i),
        v => dates.parse(v.as_str()?),
    }
}

/// The largest amount (latency or duration in ms, or a count) that is
/// recorded: 10^14 (in ms, about 3 170 years). Larger values are out of range,
/// which keeps every HDR histogram's header within a signed 64-bit number.
pub const MAX_AMOUNT: u64 = 100_000_000_000_000;

/// Why a present amount was not recorded (the one rule for out-of-range
/// values; counted per field and reason in `inputs.invalid_values`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Invalid {
    /// Below zero (before rounding: -0.4 is negative, not 0).
    Negative,
    /// Above [`MAX_AMOUNT`] (including integers beyond 64 bits and infinities).
    TooLarge,
    /// Not a number: a non-numeric string, NaN, a bool, an object or array.
    NotANumber,
}

impl Invalid {
    pub const ALL: [Invalid; 3] = [Invalid::Negative, Invalid::TooLarge, Invalid::NotANumber];

    pub fn as_str(self) -> &'static str {
        match self {
            Invalid::Negative => "negative",
            Invalid::TooLarge => "too_large",
            Invalid::NotANumber => "not_a_number",
        }
    }
}

/// The amounts an [`Event`] may carry, for [`Event::invalid`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Amount {
    LatencyMs,
    CandidateCount,
    DurationMs,
}

impl Amount {
    pub const ALL: [Amount; 3] = [
        Amount::LatencyMs,
        Amount::CandidateCount,
        Amount::DurationMs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Amount::LatencyMs => "latency_ms",
            Amount::CandidateCount => "candidate_count",
            Amount::DurationMs => "duration_ms",
        }
    }

    /// The bit of (amount, why) in [`Event::invalid`].
    pub fn bit(self, why: Invalid) -> u16 {
        1 << (self as u16 * 3 + why as u16)
    }
}

/// A present amount: an integer, a float rounded to the nearest integer
/// (half away from zero), or a numeric string; `Err` when it is negative,
/// above [`MAX_AMOUNT`], or not a number.
pub(crate) fn amount(v: &Val<'_>) -> Result<u64, Invalid> {
    let f = match v {
        Val::Int(i) => {
            return match u64::try_from(*i) {
                Err(_) => Err(Invalid::Negative),
                Ok(u) if u > MAX_AMOUNT => Err(Invalid::TooLarge),
                Ok(u) => Ok(u),
            }
        }
        Val::Big => return Err(Invalid::TooLarge),
        Val::Float(f) => *f,
        Val::Str(s) => {
            let s = s.trim();
            match s.parse::<i64>() {
                Ok(i) => return amount(&Val::Int(i)),
                Err(_) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                    return Err(Invalid::TooLarge)
                }
                Err(_) => s.parse::<f64>().map_err(|_| Invalid::NotANumber)?,
            }
        }
        _ => return Err(Invalid::NotANumber),
    };
    if f.is_nan() {
        Err(Invalid::NotANumber)
    } else if f < 0.0 {
        Err(Invalid::Negative)
    } else if f.round() > MAX_AMOUNT as f64 {
        Err(Invalid::TooLarge)
    } else {
        Ok(f.round() as u64)
    }
}

/// [`amount`] of an optional value, noting why it was refused in `invalid`.
pub(crate) fn amount_of(v: Option<&Val<'_>>, which: Amount, invalid: &mut u16) -> Option<u64> {
    match amount(v?) {
        Ok(a) => Some(a),
        Err(why) => {
            *invalid |= which.bit(why);
            None
        }
    }
}

/// Parse with a parser of its own, leaked (tests only: events outlive it).
#[cfg(test)]
pub(crate) fn parse_line(line: &[u8]) -> Result<Event<'_>, Malformed> {
    Box::leak(Box::new(Parser::new())).parse(line)
}

#[cfg(test)]
pub(crate) fn parse_line_reference(line: &[u8]) -> Result<Event<'_>, Malformed> {
    Box::leak(Box::new(Parser::new())).parse_reference(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Event<'_> {
        parse_line(line.as_bytes()).unwrap()
    }

    #[test]
    fn spec_examples() {
        let e = ok(
            r#"{"ts":"2026-02-25T06:13:42.334Z","type":"run.state","state":"start","run_id":"r1","session_id":"s1","channel":"telegram","backend":"pi","origin":"channel"}"#,
        );
        assert_eq!(e.etype, "run.state");
        assert_eq!(e.state, Some("start"));
        assert_eq!(e.run_id, Some("r1"));
        assert_eq!(e.session_id, Some("s1"));
        assert_eq!(e.backend, Some("pi"));
        assert_eq!(e.origin, Some("channel"));

        let e = ok(
            r#"{"timestamp":"2026-02-25T08:13:42.404+02:00","type":"run.state","runId":"r1","payload":{"state":"canceled"}}"#,
        );
        assert_eq!(e.state, Some("canceled"));
        assert_eq!(e.run_id, Some("r1"));
        assert_eq!(
            e.ts,
            crate::time::parse_rfc3339_ms("2026-02-25T06:13:42.404Z")
        );

        let e = ok(
            r#"{"time":1771999000123,"event":"run.cancel","runId":"r1","channel":"telegram","payload":{"source":"stop_command","acknowledged":true,"latencyMs":"149"}}"#,
        );
        assert_eq!(e.ts, Some(1771999000123));
        assert_eq!(e.etype, "run.cancel");
        assert_eq!(e.latency_ms, Some(149));
        assert_eq!(e.acknowledged, Ack::Yes);
        assert_eq!(e.source, Some("stop_command"));

        let e = ok(
            r#"{"ts":"2026-02-25T06:13:43Z","type":"run.cancel","run_id":"r2","source":"timeout","requested":"2026-02-25T06:13:42.000Z","acknowledged":"2026-02-25T06:13:42.750Z"}"#,
        );
        match e.acknowledged {
            Ack::At(t) => assert_eq!(t - e.requested.unwrap(), 750),
            other => panic!("{other:?}"),
        }

        let e = ok(
            r#"{"ts":"2026-02-25T06:13:44.5Z","type":"reaction.skip","channel":"slack","reason":"cooldown","candidateCount":3}"#,
        );
        assert_eq!(e.candidate_count, Some(3));
        assert_eq!(e.reason, Some("cooldown"));

        let e = ok(
            r#"{"ts":"2026-02-25T06:13:45Z","type":"reaction.match","channel":"slack","payload":{"ruleName":"greet","sender":"+15550001","filterSummary":"contains:hi"}}"#,
        );
        assert_eq!(e.rule_name, Some("greet"));
        assert_eq!(e.sender, Some("+15550001"));
    }

    #[test]
    fn every_spelling_is_its_key() {
        use Key::*;
        let spellings = [
            ("type", Type),
            ("event", Event),
            ("ts", Ts),
            ("timestamp", Timestamp),
            ("time", Time),
            ("session_id", SessionId),
            ("sessionId", SessionIdCamel),
            ("run_id", RunId),
            ("runId", RunIdCamel),
            ("channel", Channel),
            ("backend", Backend),
            ("origin", Origin),
            ("payload", Payload),
            ("state", State),
            ("source", Source),
            ("reason", Reason),
            ("rule_name", RuleName),
            ("ruleName", RuleNameCamel),
            ("sender", Sender),
            ("latency_ms", LatencyMs),
            ("latencyMs", LatencyMsCamel),
            ("acknowledged", Acknowledged),
            ("requested", Requested),
            ("candidate_count", CandidateCount),
            ("candidateCount", CandidateCountCamel),
        ];
        for (s, k) in spellings {
            assert_eq!(Key::from_str(s), k, "{s}");
            assert_eq!(Key::from_str(&s.to_uppercase()), Ignored, "{s}");
        }
        for s in [
            "",
            "t",
            "tx",
            "typo",
            "Type",
            "payloads",
            "candidate_counts",
            "text",
        ] {
            assert_eq!(Key::from_str(s), Ignored, "{s}");
        }
        // every key but Ignored has a spelling
        assert_eq!(spellings.len(), Ignored as usize);
    }

    #[test]
    fn precedence_and_absence() {
        // top level wins over payload; empty string counts as absent
        let e = ok(
            r#"{"type":"x","state":"start","payload":{"state":"error","source":"a"},"source":""}"#,
        );
        assert_eq!(e.state, Some("start"));
        assert_eq!(e.source, Some("a"));
        // snake wins over camel, whatever the order
        let e = ok(r#"{"type":"x","runId":"camel","run_id":"snake"}"#);
        assert_eq!(e.run_id, Some("snake"));
        // envelope inside payload is not read
        let e = ok(r#"{"type":"x","payload":{"channel":"slack","run_id":"r"}}"#);
        assert_eq!(e.channel, None);
        assert_eq!(e.run_id, None);
        // `event` when `type` is absent, null or empty
        assert_eq!(ok(r#"{"type":null,"event":"a"}"#).etype, "a");
        assert_eq!(ok(r#"{"type":"","event":"a"}"#).etype, "a");
        // ts, else timestamp, else time
        assert_eq!(
            ok(r#"{"type":"a","time":3,"timestamp":2,"ts":1}"#).ts,
            Some(1)
        );
        assert_eq!(ok(r#"{"type":"a","time":3,"timestamp":""}"#).ts, Some(3));
        assert_eq!(ok(r#"{"type":"a","ts":"yesterday"}"#).ts, None);
        // duplicate keys: the last wins
        assert_eq!(ok(r#"{"type":"a","type":"b"}"#).etype, "b");
        // escaped strings are decoded
        assert_eq!(ok(r#"{"type":"run\u002estate"}"#).etype, "run.state");
    }

    #[test]
    fn numbers() {
        let lat = |s: &str| ok(&format!(r#"{{"type":"a","latency_ms":{s}}}"#)).latency_ms;
        assert_eq!(lat("149"), Some(149));
        assert_eq!(lat("149.4"), Some(149));
        assert_eq!(lat("149.5"), Some(150));
        assert_eq!(lat("\"149\""), Some(149));
        assert_eq!(lat("\" 12.6 \""), Some(13));
        assert_eq!(lat("-5.0"), None);
        assert_eq!(lat("-0.4"), None);
        assert_eq!(lat("-0.0"), Some(0));
        assert_eq!(lat("0.4"), Some(0));
        assert_eq!(lat("100000000000000"), Some(MAX_AMOUNT));
        assert_eq!(lat("100000000000001"), None);
        assert_eq!(lat("1e19"), None);
        assert_eq!(lat("99999999999999999999999"), None);
        assert_eq!(lat("\"99999999999999999999999\""), None);
        assert_eq!(lat("-1"), None);
        assert_eq!(lat("\"-3\""), None);
        assert_eq!(lat("\"abc\""), None);
        assert_eq!(lat("\"NaN\""), None);
        assert_eq!(lat("1e300"), None);
        assert_eq!(lat("true"), None);
        assert_eq!(lat("18446744073709551615"), None);
        let why = |s: &str| {
            ok(&format!(
                r#"{{"type":"a","latency_ms":{s},"candidateCount":{s}}}"#
            ))
            .invalid
        };
        let both = |w: Invalid| Amount::LatencyMs.bit(w) | Amount::CandidateCount.bit(w);
        assert_eq!(why("-0.4"), both(Invalid::Negative));
        assert_eq!(why("-1"), both(Invalid::Negative));
        assert_eq!(why("1e19"), both(Invalid::TooLarge));
        assert_eq!(why("18446744073709551616"), both(Invalid::TooLarge));
        assert_eq!(why("\"inf\""), both(Invalid::TooLarge));
        assert_eq!(why("\"NaN\""), both(Invalid::NotANumber));
        assert_eq!(why("\"abc\""), both(Invalid::NotANumber));
        assert_eq!(why("true"), both(Invalid::NotANumber));
        assert_eq!(why("[1]"), both(Invalid::NotANumber));
        assert_eq!(why("12"), 0);
        assert_eq!(why("null"), 0);
        assert_eq!(why("\"\""), 0);
        let ack = |s: &str| ok(&format!(r#"{{"type":"a","acknowledged":{s}}}"#)).acknowledged;
        assert_eq!(ack("true"), Ack::Yes);
        assert_eq!(ack("false"), Ack::No);
        assert_eq!(ack("1000"), Ack::At(1000));
        assert_eq!(ack("\"nope\""), Ack::No);
        assert_eq!(ack("\"\""), Ack::Absent);
    }

    proptest::proptest! {
        /// Arbitrary bytes never panic; a valid line with garbage appended is
        /// malformed; any JSON object with a string `type` is an event.
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512),
                        cut in 0usize..200, t in "[a-z.]{1,12}", junk in "[a-z{}:,\\[\\]\"0-9 ]{1,8}") {
            let _ = parse_line(&bytes);
            let line = format!(r#"{{"ts":"2026-02-25T06:13:42Z","type":"{t}","run_id":"r","payload":{{"state":"start"}}}}"#);
            let ev = parse_line(line.as_bytes()).unwrap();
            proptest::prop_assert_eq!(ev.etype, t.as_str());
            let torn = &line.as_bytes()[..cut.min(line.len() - 1)];
            proptest::prop_assert!(parse_line(torn).is_err());
            let trailing = format!("{line}{junk}");
            if !junk.trim().is_empty() {
                proptest::prop_assert!(parse_line(trailing.as_bytes()).is_err());
            }
        }
    }

    #[test]
    fn malformed_reasons() {
        assert_eq!(parse_line(b"{\"type\":\"a\xff\"}"), Err(Malformed::Utf8));
        assert_eq!(
            parse_line(b"{\"type\":\"a\",\"text\":\"\xff\"}"),
            Err(Malformed::Utf8)
        );
        assert_eq!(parse_line(br#"{"type":"a""#), Err(Malformed::Json));
        assert_eq!(parse_line(br#"{"type":"a"} x"#), Err(Malformed::Json));
        assert_eq!(parse_line(br#"[1,2]"#), Err(Malformed::NotObject));
        assert_eq!(parse_line(br#""str""#), Err(Malformed::NotObject));
        assert_eq!(
            parse_line(br#"{"type": 42, "ts": 1}"#),
            Err(Malformed::NoType)
        );
        assert_eq!(
            parse_line(br#"{"state":"complete"}"#),
            Err(Malformed::NoType)
        );
        let deep = "[".repeat(100_000);
        assert_eq!(parse_line(deep.as_bytes()), Err(Malformed::Json));
        // closed nesting: 128 levels with the line's object, not one more
        let nest = |n: usize| {
            format!(
                "{{\"type\":\"a\",\"x\":{}{}}}",
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        assert!(parse_line(nest(127).as_bytes()).is_ok());
        assert_eq!(parse_line(nest(128).as_bytes()), Err(Malformed::Json));
        assert_eq!(
            parse_line_reference(nest(128).as_bytes()),
            Err(Malformed::Json)
        );
        let objs = format!(
            "{{\"type\":\"a\",\"x\":{}1{}}}",
            "{\"k\":".repeat(200),
            "}".repeat(200)
        );
        assert_eq!(parse_line(objs.as_bytes()), Err(Malformed::Json));
        // brackets in strings are not nesting
        let s = format!("{{\"type\":\"a\",\"x\":\"{}\"}}", "[".repeat(300));
        assert!(parse_line(s.as_bytes()).is_ok());
        let deep = format!("{{\"type\":\"a\",\"x\":{}", "{\"a\":".repeat(100_000));
        assert_eq!(parse_line(deep.as_bytes()), Err(Malformed::Json));
        // CR before the (stripped) newline is JSON whitespace
        assert!(parse_line(b"{\"type\":\"a\"}\r").is_ok());
    }
}

//! The fast path of the line parser: a validating scanner for the shape nearly
//! every audit line has — one object of plain strings, small non-negative
//! integers, literals and shallow nesting, with no escapes and no control
//! characters.
//!
//! It fills the same [`Raw`] slots as the serde path, and answers `None`
//! whenever it is not certain, leaving the line to serde_json (the reference).
//! So it can only ever *agree* with serde_json: wherever it accepts a line,
//! the line is valid JSON and every slot holds what serde_json would have put
//! there. A differential property test and the `parse_line` fuzz target check
//! exactly that.
//!
//! Why not a crate: serde_json through a borrowed visitor runs at ~650 MB/s on
//! these ~220-byte lines, `jiter` at ~900 MB/s, `simd-json` at ~480 MB/s and
//! `sonic-rs` no faster than serde_json; this scanner, which only has to find
//! string ends (no escapes) and check number and literal grammar, runs at
//! ~1.3 GB/s. See docs/performance.md.

use super::index::Indexed;
use super::{Key, Raw, Val, FIRST_FIELD, SLOTS};

/// Nesting left to serde_json (whose own limit is 128 levels).
const MAX_DEPTH: u32 = 32;

/// Integers with more digits may not fit an `i64`: left to serde_json.
const MAX_DIGITS: usize = 18;

/// Fill `raw` from the indexed line (without its newline or trailing CR) if
/// it is valid UTF-8, [plain](Indexed::is_plain) and an object of the simple
/// shape; `None` to fall back to serde_json. `raw` may be partly filled when
/// this answers `None`.
pub(super) fn scan<'a>(ix: &Indexed<'a, '_>, raw: &mut Raw<'a>) -> Option<()> {
    if !ix.is_plain() {
        return None;
    }
    let line = ix.text()?;
    let mut s = Scanner {
        line,
        b: line.as_bytes(),
        i: 0,
        ix,
    };
    s.eat_token(b'{')?;
    s.object(|s, key| match Key::from_str(key) {
        Key::Ignored => s.skip_value(1),
        Key::Payload => {
            // a repeated `payload` replaces the earlier one; a payload that
            // is not an object counts as no payload
            raw.payload = Default::default();
            if s.peek_token()? == b'{' {
                s.i += 1;
                s.object(|s, key| {
                    let k = Key::from_str(key) as usize;
                    if (FIRST_FIELD..SLOTS).contains(&k) {
                        raw.payload[k - FIRST_FIELD] = s.value(2)?;
                        Some(())
                    } else {
                        s.skip_value(2)
                    }
                })
            } else if matches!(s.peek()?, b'-' | b'0'..=b'9') {
                // serde_json reads a scalar payload in full (a number out of
                // range is an error there), so the number must pass `value`
                s.value(1).map(drop)
            } else {
                s.skip_value(1)
            }
        }
        k => {
            raw.top[k as usize] = s.value(1)?;
            Some(())
        }
    })?;
    s.spaces();
    (s.i == s.b.len()).then_some(())
}

struct Scanner<'a, 'x> {
    line: &'a str,
    b: &'a [u8],
    i: usize,
    /// Built from `line` (see [`Indexed`]).
    ix: &'x Indexed<'a, 'x>,
}

impl<'a> Scanner<'a, '_> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Whitespace: only spaces remain once control bytes are excluded.
    #[inline]
    fn spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    /// The first byte of the next token, after any spaces. Every reader of a
    /// token starts here, so compact JSON pays one comparison per token for
    /// its absent whitespace.
    #[inline]
    fn peek_token(&mut self) -> Option<u8> {
        match self.peek()? {
            b' ' => {
                self.spaces();
                self.peek()
            }
            c => Some(c),
        }
    }

    #[inline]
    fn eat_token(&mut self, c: u8) -> Option<()> {
        (self.peek_token()? == c).then(|| self.i += 1)
    }

    /// A string (after any spaces). Without backslashes the next quote ends
    /// it.
    #[inline(always)]
    fn string(&mut self) -> Option<&'a str> {
        self.eat_token(b'"')?;
        let start = self.i;
        let end = self.ix.next_quote(start)?;
        self.i = end + 1;
        debug_assert!(start <= end && self.b.get(end) == Some(&b'"'));
        // SAFETY: `start` follows the `"` just eaten; `end` is the position of
        // a `"` at or after `start` in the bitmap of this very line (an
        // `Indexed` is only ever built from the line it describes). A `"` is
        // ASCII, a whole character, so both are char boundaries of `line`.
        // (Checked slicing cost an out-of-line call per string; checking the
        // byte at `end` again cost 8 % of the parser's time.)
        Some(unsafe { self.line.get_unchecked(start..end) })
    }

    /// `true`, `false` or `null` (the first letter already matched).
    #[inline]
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// Any JSON number, grammar only (serde_json ignores skipped numbers the
    /// same way: no range check).
    fn skip_number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            (self.digits() > 0).then_some(())?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            (self.digits() > 0).then_some(())?;
        }
        Some(())
    }

    /// A value kept in a slot. Only what is certain to read exactly as
    /// serde_json reads it: plain strings, literals, non-negative integers of
    /// at most [`MAX_DIGITS`] digits, and nested values (as [`Val::Other`]).
    #[inline(always)]
    fn value(&mut self, depth: u32) -> Option<Val<'a>> {
        Some(match self.peek_token()? {
            b'"' => Val::Str(self.string()?),
            b'0'..=b'9' => {
                let start = self.i;
                let n = self.digits();
                let more = matches!(self.peek(), Some(b'.' | b'e' | b'E'));
                if n > MAX_DIGITS || more || (n > 1 && self.b[start] == b'0') {
                    return None;
                }
                let v = self.b[start..self.i]
                    .iter()
                    .fold(0i64, |v, d| v * 10 + i64::from(d - b'0'));
                Val::Int(v)
            }
            b't' => self.literal(b"true").map(|_| Val::Bool(true))?,
            b'f' => self.literal(b"false").map(|_| Val::Bool(false))?,
            b'n' => self.literal(b"null").map(|_| Val::Null)?,
            b'{' | b'[' => self.skip_value(depth).map(|_| Val::Other)?,
            _ => return None,
        })
    }

    /// Any value, checked and skipped. `depth`: nesting of the enclosing value.
    fn skip_value(&mut self, depth: u32) -> Option<()> {
        match self.peek_token()? {
            b'"' => self.string().map(drop),
            b'-' | b'0'..=b'9' => self.skip_number(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'{' if depth < MAX_DEPTH => {
                self.i += 1;
                self.object(|s, _| s.skip_value(depth + 1))
            }
            b'[' if depth < MAX_DEPTH => {
                self.i += 1;
                self.list(b']', |s| s.skip_value(depth + 1))
            }
            _ => None,
        }
    }

    /// The members of an object whose `{` was just consumed, each handed to
    /// `member` positioned at its value.
    #[inline]
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.list(b'}', |s| {
            let key = s.string()?;
            s.eat_token(b':')?;
            member(s, key)
        })
    }

    /// The comma-separated items of an object or array whose opening bracket
    /// was just consumed, up to and including `close`; `item` reads each
    /// item (from its leading whitespace on).
    #[inline]
    fn list(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if self.peek_token()? == close {
            self.i += 1;
            return Some(());
        }
        loop {
            item(self)?;
            match self.peek_token()? {
                b',' => self.i += 1,
                c if c == close => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{fast_path_reads, parse_line, parse_line_reference};
    use proptest::prelude::*;

    /// Keys the parser reads (every spelling) and some it does not.
    const KEYS: &[&str] = &[
        "type",
        "event",
        "ts",
        "timestamp",
        "time",
        "session_id",
        "sessionId",
        "run_id",
        "runId",
        "channel",
        "backend",
        "origin",
        "state",
        "source",
        "reason",
        "rule_name",
        "ruleName",
        "sender",
        "latency_ms",
        "latencyMs",
        "acknowledged",
        "requested",
        "candidate_count",
        "candidateCount",
        "payload",
        "text",
        "",
        "x",
        "typ",
        "types",
        "run\\u005fid",
    ];

    /// Scalars the fast path reads (or must check and skip).
    const PLAIN: &[&str] = &[
        "\"run.state\"",
        "\"start\"",
        "\"complete\"",
        "\"\"",
        "\"2026-02-25T06:13:42.334Z\"",
        "\"2026-02-25T08:13:42+02:00\"",
        "\"149\"",
        "\" 12.6 \"",
        "\"é ü 中\"",
        "0",
        "149",
        "1771999000123",
        "123456789012345678",
        "true",
        "false",
        "null",
        "[]",
        "{}",
        "[1,2]",
        "[[[]]]",
    ];

    /// Every number and literal form that is easy to get subtly wrong, escapes
    /// and control characters, and some that are not JSON at all.
    const TRICKY: &[&str] = &[
        "\"a\\\"b\"",
        "\"\\u00e9\"",
        "\"tab\there\"",
        "\"\\n\"",
        "\"\\ud800\"",
        "\"unterminated",
        "-0",
        "01",
        "1.",
        "1.5",
        "149.5",
        "1e5",
        "1E+5",
        "2e-3",
        "-1",
        "-5.0",
        "+1",
        ".5",
        "0x1",
        "1234567890123456789",
        "18446744073709551615",
        "99999999999999999999",
        "1e400",
        "-1e400",
        "-",
        "tru",
        "nul",
        "True",
        "NaN",
        "[1,]",
        "{\"a\":}",
        "{\"a\":1,}",
    ];

    /// Whitespace; tabs, CRs and newlines (which send a line to serde) are
    /// rare, so that most lines exercise the fast path.
    fn ws() -> impl Strategy<Value = &'static str> {
        prop_oneof![60 => Just(""), 30 => Just(" "), 10 => Just("  "), 1 => Just("\t"),
                    1 => Just("\r"), 1 => Just("\n")]
    }

    fn value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            12 => prop::sample::select(PLAIN),
            1 => prop::sample::select(TRICKY),
        ]
        .prop_map(str::to_string);
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((prop::sample::select(KEYS), ws(), inner), 0..4).prop_map(
                    |m| {
                        let members: Vec<String> = m
                            .iter()
                            .map(|(k, w, v)| format!("\"{k}\"{w}:{v}"))
                            .collect();
                        format!("{{{}}}", members.join(","))
                    }
                ),
            ]
        })
    }

    /// An object line, sometimes broken: odd whitespace, trailing commas,
    /// missing colons, trailing garbage, or one byte deleted or replaced.
    fn line() -> impl Strategy<Value = Vec<u8>> {
        // `payload` often: its value takes a path of its own in both parsers
        let key = prop_oneof![3 => prop::sample::select(KEYS), 1 => Just("payload")];
        let member = (ws(), key, ws(), ws(), value(), ws());
        (
            ws(),
            prop::collection::vec(member, 0..8),
            prop_oneof![
                12 => Just(""),
                1 => prop::sample::select(&[",", " x", "}", "\r", " \r", "\r\r"][..]),
            ],
            any::<prop::sample::Index>(),
            prop_oneof![8 => Just(None), 1 => any::<u8>().prop_map(Some)],
            any::<bool>(),
        )
            .prop_map(|(lead, members, tail, at, byte, delete)| {
                let body: Vec<String> = members
                    .iter()
                    .map(|(a, k, b, c, v, d)| format!("{a}\"{k}\"{b}:{c}{v}{d}"))
                    .collect();
                let mut line = format!("{lead}{{{}}}{tail}", body.join(",")).into_bytes();
                if let Some(b) = byte {
                    let i = at.index(line.len());
                    if delete {
                        line.remove(i);
                    } else {
                        line[i] = b;
                    }
                }
                line
            })
    }

    /// The generator must keep the fast path busy, or the test above proves
    /// little.
    #[test]
    fn generated_lines_mostly_take_the_fast_path() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = line();
        let fast = (0..2000)
            .filter(|_| fast_path_reads(&strategy.new_tree(&mut runner).unwrap().current()))
            .count();
        assert!(
            fast > 600,
            "only {fast} of 2000 generated lines took the fast path"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        /// Wherever the fast path reads a line, it reads it exactly as
        /// serde_json does (and never accepts what serde_json rejects).
        #[test]
        fn agrees_with_serde(line in line()) {
            prop_assert_eq!(parse_line(&line), parse_line_reference(&line));
        }
    }

    #[test]
    fn typical_lines_take_the_fast_path() {
        for line in [
            r#"{"ts":"2026-02-25T06:13:42.334Z","type":"run.state","state":"start","run_id":"r1","session_id":"s1","channel":"telegram","backend":"pi","origin":"channel"}"#,
            r#"{"time":1771999000123,"event":"run.cancel","runId":"r1","payload":{"source":"stop_command","acknowledged":true,"latencyMs":149}}"#,
            r#"{ "ts": "2026-02-25T06:13:44.5Z", "type": "reaction.skip", "reason": "cooldown", "candidateCount": 3, "meta": {"a": [1, 2.5, -3e2, null]} }"#,
            "{\"type\":\"heartbeat\"}\r",
        ] {
            assert!(fast_path_reads(line.as_bytes()), "{line}");
        }
        for line in [
            r#"{"type":"a","payload":1e400}"#,
            r#"{"type":"a","payload":-1}"#,
            r#"{"type":"run\u002estate"}"#,
            "{\"type\":\t\"a\"}",
            r#"{"type":"a","latency_ms":149.5}"#,
            r#"{"type":"a","latency_ms":-1}"#,
            r#"["not an object"]"#,
        ] {
            assert!(!fast_path_reads(line.as_bytes()), "{line}");
        }
        // found by the fuzzer: a scalar payload is read in full by serde_json
        for line in [
            r#"{"type":"a","payload":1e400}"#,
            r#"{"x":1,"payload":-1e400}"#,
        ] {
            assert_eq!(
                parse_line(line.as_bytes()),
                Err(super::super::Malformed::Json)
            );
            assert_eq!(
                parse_line_reference(line.as_bytes()),
                Err(super::super::Malformed::Json)
            );
        }
        assert!(fast_path_reads(br#"{"type":"a","payload":149}"#));
    }
}

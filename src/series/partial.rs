//! What the series needs counted while reading: reactions and malformed
//! lines per step of time. (Runs and cancels are bucketed at finalisation
//! from the records the partial state keeps anyway.) Merges by sum.

use crate::aggregate::Map;
use crate::series::spec::BucketSpec;

/// Counts of one step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    pub matched: u64,
    pub skipped: u64,
    pub malformed: u64,
}

impl Cell {
    pub fn add(&mut self, o: &Cell) {
        self.matched += o.matched;
        self.skipped += o.skipped;
        self.malformed += o.malformed;
    }
}

#[derive(Debug, Clone)]
pub struct SeriesPartial {
    pub spec: BucketSpec,
    /// `step_ms` of `spec`: cells are keyed by `time.div_euclid(step)`.
    pub step: i64,
    /// Per step; `None`: no time.
    pub cells: Map<Option<i64>, Cell>,
}

impl SeriesPartial {
    pub fn new(spec: BucketSpec) -> SeriesPartial {
        SeriesPartial::on_step(spec, spec.step_ms())
    }

    /// A series counted at `step` ms instead of its own step: a state's
    /// partial keeps time by the minute, and its series is made from it at
    /// finalisation (every size the spec may take is a multiple of `step`).
    pub fn on_step(spec: BucketSpec, step: i64) -> SeriesPartial {
        SeriesPartial {
            spec,
            step: step.max(1),
            cells: Map::default(),
        }
    }

    /// Add `c` to the cell of step `key` (`None`: no time).
    pub fn add(&mut self, key: Option<i64>, c: &Cell) {
        self.cells.entry(key).or_default().add(c);
    }

    fn cell(&mut self, ts: Option<i64>) -> &mut Cell {
        let step = self.step;
        self.cells
            .entry(ts.map(|t| t.div_euclid(step)))
            .or_default()
    }

    pub fn reaction(&mut self, ts: Option<i64>, matched: bool) {
        let c = self.cell(ts);
        if matched {
            c.matched += 1;
        } else {
            c.skipped += 1;
        }
    }

    /// A malformed line, placed by the time its text still shows (see
    /// [`time_in_text`]).
    pub fn malformed(&mut self, text: &[u8]) {
        self.cell(time_in_text(text)).malformed += 1;
    }

    pub fn merge(&mut self, o: SeriesPartial) {
        for (k, c) in o.cells {
            self.cells.entry(k).or_default().add(&c);
        }
    }
}

/// The time of a line that did not parse, when its text still shows one:
/// the first `"ts"`, `"timestamp"` or `"time"` key (in that order of
/// preference, as for valid lines) followed by `:` and an RFC 3339 string or
/// an integer of epoch milliseconds. Only a best effort for truncated or
/// damaged lines; anything else has no time.
pub fn time_in_text(text: &[u8]) -> Option<i64> {
    // bounded work: only the start of the line is looked at
    let text = &text[..text.len().min(4096)];
    ["\"ts\"", "\"timestamp\"", "\"time\""]
        .iter()
        .find_map(|key| value_after(text, key.as_bytes()))
}

fn value_after(text: &[u8], key: &[u8]) -> Option<i64> {
    let at = text.windows(key.len()).position(|w| w == key)?;
    let rest = &text[at + key.len()..];
    let rest = trim_start(rest).strip_prefix(b":")?;
    let rest = trim_start(rest);
    if let Some(s) = rest.strip_prefix(b"\"") {
        let end = s.iter().position(|&b| b == b'"')?;
        crate::time::parse_rfc3339_ms(std::str::from_utf8(&s[..end]).ok()?)
    } else {
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b'-'))
            .unwrap_or(rest.len());
        std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
    }
}

fn trim_start(mut b: &[u8]) -> &[u8] {
    while let [c, rest @ ..] = b {
        if !c.is_ascii_whitespace() {
            break;
        }
        b = rest;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_damaged_lines() {
        assert_eq!(
            time_in_text(br#"{"ts":"1970-01-01T00:00:01Z","type":"run.st"#),
            Some(1000)
        );
        assert_eq!(time_in_text(br#"{"time" : 1500, "ts": oops"#), Some(1500));
        assert_eq!(time_in_text(br#"{"ts":"nope"}"#), None);
        assert_eq!(time_in_text(b"\xff\xfe garbage"), None);
        assert_eq!(time_in_text(br#"{"ts":"#), None);
        assert_eq!(time_in_text(br#"{"ts":99999999999999999999999}"#), None);
    }

    #[test]
    fn merge_adds_cells() {
        let mut a = SeriesPartial::new(BucketSpec::Fixed(1000));
        a.reaction(Some(1500), true);
        a.reaction(None, false);
        let mut b = SeriesPartial::new(BucketSpec::Fixed(1000));
        b.reaction(Some(1999), false);
        b.malformed(br#"{"ts":1001"#);
        a.merge(b);
        assert_eq!(
            a.cells[&Some(1)],
            Cell {
                matched: 1,
                skipped: 1,
                malformed: 1
            }
        );
        assert_eq!(a.cells[&None].skipped, 1);
    }
}

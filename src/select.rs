//! Selection: time windows (`--since`/`--until`) and scopes (`--where`).
//!
//! The window is half-open, `[since, until)`, so consecutive windows partition
//! the data. A run belongs to the window of its earliest timed `start`, or of its
//! earliest timed event when it has no timed start; cancels, reactions and
//! other events are selected by their own time. With a window set, anything
//! without a time is in no window.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::baseline::Baseline;
use crate::time::{format_ms, parse_rfc3339_ms};

/// The attributes `--where` can select on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attr {
    Backend,
    Channel,
    Origin,
    Session,
}

impl Attr {
    pub const ALL: [Attr; 4] = [Attr::Backend, Attr::Channel, Attr::Origin, Attr::Session];

    pub fn name(self) -> &'static str {
        match self {
            Attr::Backend => "backend",
            Attr::Channel => "channel",
            Attr::Origin => "origin",
            Attr::Session => "session",
        }
    }

    fn parse(s: &str) -> Option<Attr> {
        Attr::ALL.into_iter().find(|a| a.name() == s)
    }

    fn plural(self) -> &'static str {
        match self {
            Attr::Backend => "backends",
            Attr::Channel => "channels",
            Attr::Origin => "origins",
            Attr::Session => "sessions",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// Inclusive lower bound, UTC ms.
    pub since: Option<i64>,
    /// Exclusive upper bound, UTC ms.
    pub until: Option<i64>,
    /// Accepted values per attribute: AND across attributes, OR within one.
    pub wheres: BTreeMap<Attr, Vec<String>>,
}

impl Selection {
    pub fn is_windowed(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    pub fn is_empty(&self) -> bool {
        !self.is_windowed() && self.wheres.is_empty()
    }

    pub fn in_window(&self, ts: Option<i64>) -> bool {
        if !self.is_windowed() {
            return true;
        }
        let Some(t) = ts else { return false };
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }

    /// Whether a record with these attribute values (`None`: unknown) is in scope.
    pub fn matches<'v>(&self, value: impl Fn(Attr) -> Option<&'v str>) -> bool {
        self.wheres.iter().all(|(attr, accepted)| {
            let v = value(*attr).unwrap_or(crate::aggregate::runs::UNKNOWN);
            accepted.iter().any(|a| a == v)
        })
    }

    /// What the artifact records under `filters`.
    pub fn to_filters(&self) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::new();
        if let Some(s) = self.since {
            f.insert("since".to_string(), json!(format_ms(s)));
        }
        if let Some(u) = self.until {
            f.insert("until".to_string(), json!(format_ms(u)));
        }
        if !self.wheres.is_empty() {
            let w: BTreeMap<&str, &Vec<String>> =
                self.wheres.iter().map(|(a, v)| (a.name(), v)).collect();
            f.insert("where".to_string(), json!(w));
        }
        f
    }
}

/// The filters of an artifact in one line: `since 2026-02-26T00:00:00.000Z,
/// until …, channel=telegram|slack, anonymized` (empty when there are none).
pub fn describe(filters: &BTreeMap<String, Value>) -> String {
    let plain = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut parts = Vec::new();
    for (k, v) in filters {
        match (k.as_str(), v) {
            ("where", Value::Object(m)) => {
                for (attr, values) in m {
                    let values = match values {
                        Value::Array(a) => a.iter().map(plain).collect::<Vec<_>>().join("|"),
                        other => plain(other),
                    };
                    parts.push(format!("{attr}={values}"));
                }
            }
            (_, Value::Bool(true)) => parts.push(k.clone()),
            (_, Value::Bool(false)) => {}
            ("since" | "until", _) => parts.push(format!("{k} {}", plain(v))),
            _ => parts.push(format!("{k}={}", plain(v))),
        }
    }
    parts.join(", ")
}

/// Whether an artifact holds nothing selected: no run, cancel, reaction or
/// event (what `inputs` read is not counted).
pub fn kept_nothing(b: &Baseline) -> bool {
    b.runs.total.runs == 0
        && b.cancels.total.count == 0
        && b.reactions.total.matched + b.reactions.total.skipped == 0
        && b.event_types.is_empty()
}

/// The values of `attr` an artifact holds: its run slices, and for channels
/// also the cancels' and reactions' own channels.
pub fn values_of(b: &Baseline, attr: Attr) -> BTreeSet<&str> {
    let mut out: BTreeSet<&str> = BTreeSet::new();
    match attr {
        Attr::Backend => out.extend(b.runs.by_backend.keys().map(String::as_str)),
        Attr::Origin => out.extend(b.runs.by_origin.keys().map(String::as_str)),
        Attr::Session => out.extend(b.runs.by_session.keys().map(String::as_str)),
        Attr::Channel => {
            out.extend(b.runs.by_channel.keys().map(String::as_str));
            out.extend(b.cancels.by_channel.keys().map(String::as_str));
            out.extend(b.reactions.by_channel.keys().map(String::as_str));
        }
    }
    out
}

/// Whether a selection needs a word to the user: it kept nothing, or one of
/// its `--where` values selected nothing. (Then [`explain`] says why, from an
/// unselected pass over the same data.)
pub fn needs_explaining(sel: &Selection, selected: &Baseline) -> bool {
    if sel.is_empty() {
        return false;
    }
    kept_nothing(selected)
        || sel.wheres.iter().any(|(attr, values)| {
            let here = values_of(selected, *attr);
            values.iter().any(|v| !here.contains(v.as_str()))
        })
}

/// Warnings for a selection that kept nothing, or `--where` values that
/// selected nothing: which values exist (with a "did you mean"), and the span
/// of the data when the window misses it. `all` is the same input summarised
/// without a selection. `hide_sessions`: never name session ids (anonymised runs).
pub fn explain(
    sel: &Selection,
    selected: &Baseline,
    all: &Baseline,
    hide_sessions: bool,
) -> Vec<String> {
    let mut msgs = Vec::new();
    let empty = kept_nothing(selected);
    for (attr, values) in &sel.wheres {
        if hide_sessions && *attr == Attr::Session {
            continue;
        }
        let here = values_of(selected, *attr);
        let anywhere = values_of(all, *attr);
        for v in values {
            if here.contains(v.as_str()) {
                continue;
            }
            let (name, plural) = (attr.name(), attr.plural());
            if anywhere.contains(v.as_str()) {
                if sel.is_windowed() {
                    msgs.push(format!(
                        "--where {name}={v}: no {name} `{v}` in the window (it occurs outside it)"
                    ));
                }
                continue;
            }
            let mut m = format!("--where {name}={v}: no {name} `{v}` in the data");
            if let Some(s) = closest(v, anywhere.iter().copied()) {
                m += &format!("; did you mean {s}?");
            }
            if anywhere.is_empty() {
                m += &format!(" (the data has no {plural} at all)");
            } else if *attr != Attr::Session || anywhere.len() <= LISTED {
                m += &format!(" ({plural} in the data: {})", listing(&anywhere));
            }
            msgs.push(m);
        }
    }
    if empty {
        let span = match (&all.window.first_ts, &all.window.last_ts) {
            (Some(a), Some(z)) => Some((a.as_str(), z.as_str())),
            _ => None,
        };
        let disjoint = span.is_some_and(|(a, z)| {
            let (a, z) = (parse_rfc3339_ms(a), parse_rfc3339_ms(z));
            sel.since.zip(z).is_some_and(|(s, z)| s > z)
                || sel.until.zip(a).is_some_and(|(u, a)| u <= a)
        });
        let filters = describe(&sel.to_filters());
        if sel.is_windowed() && disjoint {
            let (a, z) = span.unwrap_or_default();
            msgs.push(format!(
                "the window ({filters}) holds no events: the data runs from {a} to {z}"
            ));
        } else if msgs.is_empty() {
            let what = match span {
                Some((a, z)) => format!("; the data runs from {a} to {z}"),
                None if sel.is_windowed() => "; the data has no timed events".to_string(),
                None => String::new(),
            };
            msgs.push(format!(
                "the selection ({filters}) kept nothing: no run, cancel, reaction or event matched{what}"
            ));
        }
    }
    msgs
}

/// How many values a warning lists before "and N more".
const LISTED: usize = 12;

fn listing(values: &BTreeSet<&str>) -> String {
    let mut l = values
        .iter()
        .take(LISTED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > LISTED {
        l += &format!(" and {} more", values.len() - LISTED);
    }
    l
}

/// The candidate closest to `typo` (case-insensitive edit distance), when
/// close enough to be a likely typo: at most a third of its length, at least 1.
pub fn closest<'c>(typo: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let lower = typo.to_lowercase();
    let limit = (lower.chars().count() / 3).max(1);
    candidates
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Parse `KEY=VALUE` of `--where`.
pub fn parse_where(s: &str) -> Result<(Attr, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("--where {s}: expected KEY=VALUE, e.g. --where backend=pi"))?;
    let attr = Attr::parse(k.trim()).ok_or_else(|| {
        format!("--where {s}: unknown key `{k}` (use channel, backend, origin or session)")
    })?;
    Ok((attr, v.to_string()))
}

/// Parse a time bound: RFC 3339, a date (`2026-02-25`, midnight UTC), or a
/// duration before `now` (`90s`, `30m`, `24h`, `7d`, `2w`).
pub fn parse_time(s: &str, now: i64) -> Result<i64, String> {
    let s = s.trim();
    if let Some(t) = parse_rfc3339_ms(s) {
        return Ok(t);
    }
    if s.len() == 10 {
        if let Some(t) = parse_rfc3339_ms(&format!("{s}T00:00:00Z")) {
            return Ok(t);
        }
    }
    if let Some(d) = parse_duration_ms(s) {
        return now
            .checked_sub(d)
            .ok_or_else(|| format!("{s}: too far in the past"));
    }
    Err(format!(
        "{s}: not a time; use RFC 3339 (2026-02-25T06:00:00Z), a date (2026-02-25) or a duration before --now (24h, 7d)"
    ))
}

/// `90s`, `30m`, `24h`, `7d`, `2w` (also `500ms`) in milliseconds.
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().ok()?;
    let unit_ms = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return None,
    };
    n.checked_mul(unit_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations() {
        let now = parse_rfc3339_ms("2026-02-27T00:00:00Z").unwrap();
        assert_eq!(parse_time("24h", now), Ok(now - 86_400_000));
        assert_eq!(parse_time("2d", now), parse_time("2026-02-25", now));
        assert_eq!(
            parse_time("2026-02-25T00:00:00+00:00", now),
            parse_time("2026-02-25", now)
        );
        assert!(parse_time("yesterday", now).is_err());
        assert!(parse_time("5y", now).is_err());
        assert_eq!(parse_duration_ms("500ms"), Some(500));
        assert_eq!(parse_duration_ms("h"), None);
    }

    #[test]
    fn windows_are_half_open() {
        let s = Selection {
            since: Some(10),
            until: Some(20),
            ..Selection::default()
        };
        assert!(s.in_window(Some(10)));
        assert!(!s.in_window(Some(20)));
        assert!(!s.in_window(None));
        assert!(Selection::default().in_window(None));
    }

    #[test]
    fn wheres() {
        assert_eq!(parse_where("backend=pi"), Ok((Attr::Backend, "pi".into())));
        assert!(parse_where("colour=red").is_err());
        assert!(parse_where("backend").is_err());
        let mut s = Selection::default();
        s.wheres.insert(Attr::Channel, vec!["a".into(), "b".into()]);
        s.wheres.insert(Attr::Backend, vec!["unknown".into()]);
        assert!(s.matches(|a| (a == Attr::Channel).then_some("b")));
        assert!(!s.matches(|a| match a {
            Attr::Channel => Some("b"),
            _ => Some("pi"),
        }));
    }

    #[test]
    fn typos_find_their_value() {
        let values = ["discord", "slack", "telegram", "whatsapp"];
        assert_eq!(closest("telgram", values.into_iter()), Some("telegram"));
        assert_eq!(closest("Slack", values.into_iter()), Some("slack"));
        assert_eq!(closest("teams", values.into_iter()), None);
        assert_eq!(closest("x", ["y"].into_iter()), Some("y"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn filters_read_in_one_line() {
        let mut s = Selection {
            since: parse_rfc3339_ms("2026-02-26T00:00:00Z"),
            ..Selection::default()
        };
        s.wheres.insert(Attr::Channel, vec!["a".into(), "b".into()]);
        s.wheres.insert(Attr::Backend, vec!["pi".into()]);
        let mut f = s.to_filters();
        f.insert("anonymized".into(), json!(true));
        assert_eq!(
            describe(&f),
            "anonymized, since 2026-02-26T00:00:00.000Z, backend=pi, channel=a|b"
        );
        assert_eq!(describe(&BTreeMap::new()), "");
    }
}

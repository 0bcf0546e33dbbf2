//! Selection: time windows (`--since`/`--until`) and scopes (`--where`).
//!
//! The window is half-open, `[since, until)`, so consecutive windows partition
//! the data. A run belongs to the window of its earliest timed `start`, or of its
//! earliest timed event when it has no timed start; cancels, reactions and
//! other events are selected by their own time. With a window set, anything
//! without a time is in no window.

use std::collections::BTreeMap;

use serde_json::{json, Value};

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
}

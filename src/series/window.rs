//! `--auto-window cancels=N|runs=N`: the most recent window, ending at the
//! end of the bucket of the last timed event and starting on a bucket
//! boundary, that holds at least N cancels (or runs).

use crate::baseline::Series;
use crate::time::parse_rfc3339_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Cancels,
    Runs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoWindow {
    pub count: Count,
    pub at_least: u64,
}

impl AutoWindow {
    /// `cancels=N` or `runs=N` (N >= 1).
    pub fn parse(s: &str) -> Result<AutoWindow, String> {
        let usage = || format!("{s}: expected cancels=N or runs=N (N >= 1), e.g. cancels=200");
        let (what, n) = s.split_once('=').ok_or_else(usage)?;
        let count = match what.trim() {
            "cancels" => Count::Cancels,
            "runs" => Count::Runs,
            _ => return Err(usage()),
        };
        let at_least = n.trim().parse().ok().filter(|&n| n > 0).ok_or_else(usage)?;
        Ok(AutoWindow { count, at_least })
    }

    /// How it is recorded under `filters.auto_window`.
    pub fn spelling(&self) -> String {
        let what = match self.count {
            Count::Cancels => "cancels",
            Count::Runs => "runs",
        };
        format!("{what}={}", self.at_least)
    }
}

/// The chosen window `[since, until)` in UTC ms, and how many of the
/// counted items it holds; `None` when nothing is timed. When the whole
/// timed data holds fewer than N, the window covers all of it (the caller
/// warns).
pub fn choose(series: &Series, last_ts: Option<&str>, want: AutoWindow) -> Option<Chosen> {
    let size = i64::try_from(series.bucket_ms).ok()?;
    let last = last_ts.and_then(parse_rfc3339_ms)?;
    let until = last.div_euclid(size).saturating_add(1).saturating_mul(size);
    let mut held = 0;
    let mut since = last.div_euclid(size).saturating_mul(size);
    for b in series.buckets.iter().rev() {
        let Some(start) = b.start.as_deref().and_then(parse_rfc3339_ms) else {
            continue;
        };
        if start >= until {
            continue;
        }
        held += match want.count {
            Count::Cancels => b.cancels.count,
            Count::Runs => b.runs.total.runs,
        };
        since = start;
        if held >= want.at_least {
            break;
        }
    }
    Some(Chosen {
        since,
        until,
        held,
        enough: held >= want.at_least,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chosen {
    pub since: i64,
    pub until: i64,
    pub held: u64,
    pub enough: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse() {
        assert_eq!(
            AutoWindow::parse("cancels=5"),
            Ok(AutoWindow {
                count: Count::Cancels,
                at_least: 5
            })
        );
        assert_eq!(AutoWindow::parse("runs=1").unwrap().spelling(), "runs=1");
        for bad in ["cancels", "cancels=0", "cancel=3", "runs=-1", "runs=x"] {
            assert!(AutoWindow::parse(bad).is_err(), "{bad}");
        }
    }
}

//! Charts of the drift report: for every failing or warning metric, base
//! and current side by side as a small Mermaid `xychart-beta` bar pair, so a
//! reviewer sees the size of the change where the report is read.
//! Deterministic (rows in the report's order, numbers with fixed decimals);
//! the slice's key is text from the logs and reaches a chart only through
//! [`label`]; nothing is drawn when nothing failed or warned.

use std::fmt::Write;

use crate::diff::{Level, Row, Verdict};
use crate::render::chart::{label, xychart_sized, PALETTE};

/// Most charts in one report (the failing ones come first).
pub const MAX_CHARTS: usize = 12;
/// Size and colour of one chart: wide and low, one pair of bars.
const STYLE: (usize, Option<usize>, &[&str]) = (520, Some(260), &[PALETTE[1]]);

/// The `## Base vs current` section: one chart per failing or warning row
/// with both figures, fails first, at most [`MAX_CHARTS`]. Empty when there
/// is none.
pub fn section(rows: &[&Row]) -> String {
    let drawn: Vec<(&Row, f64, f64)> = rows
        .iter()
        .filter(|r| r.verdict == Verdict::Drift)
        .filter_map(|r| Some((*r, r.base?, r.current?)))
        .filter(|(_, b, c)| b.is_finite() && c.is_finite())
        .collect();
    if drawn.is_empty() {
        return String::new();
    }
    let mut o = String::from("## Base vs current\n\n");
    let shown = drawn.len().min(MAX_CHARTS);
    o.push_str("Each failing or warning metric, base and current (the y axis starts at 0)");
    if shown < drawn.len() {
        let _ = write!(o, "; the first {shown} of {}", drawn.len());
    }
    o.push_str(".\n\n");
    for (r, base, current) in &drawn[..shown] {
        o.push_str(&chart(r, *base, *current));
        o.push('\n');
    }
    o
}

/// One bar pair; the y axis runs from 0 to a tenth above the larger, so
/// bar heights compare honestly.
fn chart(r: &Row, base: f64, current: f64) -> String {
    let (scale, y) = match r.unit {
        "pp" => (100.0, "percent"),
        "%" => (1.0, "ms"),
        _ => (1.0, "count"),
    };
    let level = match r.level {
        Some(Level::Fail) => "fail",
        _ => "warn",
    };
    let slice = if r.slice == "total" {
        format!("{} total", r.section)
    } else {
        format!("{} by {} {}", r.section, r.slice, label(&r.key))
    };
    let x = ["base".to_string(), "current".to_string()];
    let (base, current) = (base * scale, current * scale);
    let top = match base.max(current) {
        m if m > 0.0 => m * 1.1,
        _ => 1.0,
    };
    xychart_sized(
        STYLE,
        &format!("{level} - {slice} - {}", r.metric),
        (y, Some((0.0, top))),
        &x,
        &[("bar", vec![base, current])],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, level: Option<Level>, verdict: Verdict) -> Row {
        Row {
            section: "runs",
            slice: "channel",
            key: key.to_string(),
            metric: "error_rate",
            unit: "pp",
            base: Some(0.05),
            current: Some(0.305),
            delta: Some(25.5),
            n_base: 400,
            n_current: 400,
            p_value: Some(1e-9),
            p_adjusted: Some(1e-8),
            verdict,
            level,
            min_p: None,
        }
    }

    #[test]
    fn one_bar_pair_per_drift_row() {
        let fail = row("slack", Some(Level::Fail), Verdict::Drift);
        let warn = row("web", Some(Level::Warn), Verdict::Drift);
        let ok = row("irc", None, Verdict::Ok);
        let s = section(&[&fail, &warn, &ok]);
        assert_eq!(s.matches("```mermaid").count(), 2, "{s}");
        assert!(s.contains("title \"fail - runs by channel slack - error_rate\""));
        assert!(s.contains("title \"warn - runs by channel web - error_rate\""));
        assert!(s.contains("x-axis [\"base\", \"current\"]\n"), "{s}");
        assert!(s.contains("    bar [5, 30.5]\n```"), "{s}");
        assert!(s.contains("y-axis \"percent\" 0 --> 33.55\n"), "{s}");
        assert!(!s.contains("irc"));
    }

    #[test]
    fn nothing_to_draw_is_nothing() {
        let ok = row("irc", None, Verdict::Ok);
        assert_eq!(section(&[&ok]), "");
        assert_eq!(section(&[]), "");
        let mut half = row("x", Some(Level::Fail), Verdict::Drift);
        half.base = None;
        assert_eq!(section(&[&half]), "");
        half.base = Some(f64::NAN);
        assert_eq!(section(&[&half]), "");
    }

    #[test]
    fn hostile_keys_stay_inside_the_title() {
        let r = row(
            "a\"]\n```\n%%{init}%%; bar [1",
            Some(Level::Fail),
            Verdict::Drift,
        );
        let s = section(&[&r]);
        let title = s.lines().find(|l| l.contains("title")).unwrap();
        assert_eq!(title.matches('"').count(), 2, "{title}");
        assert_eq!(s.matches("```").count(), 2, "{s}");
        assert!(!s.contains("%%{init}"));
    }

    proptest::proptest! {
        /// Any key, verdict and figures: each chart is one fenced block whose
        /// only quoted strings are its own, on the lines they belong to.
        #[test]
        fn any_key_stays_inside_its_chart(
            key in "\\PC*|[\"`\\[\\]%;:#{}\n\r\u{202e}a-z]{0,60}",
            base in 0.0f64..1.0,
            current in 0.0f64..1.0,
            fail in proptest::bool::ANY,
        ) {
            let level = if fail { Level::Fail } else { Level::Warn };
            let mut r = row(&key, Some(level), Verdict::Drift);
            r.base = Some(base);
            r.current = Some(current);
            let s = section(&[&r]);
            let lines: Vec<&str> = s.lines().collect();
            proptest::prop_assert_eq!(s.matches("```").count(), 2);
            proptest::prop_assert_eq!(lines.iter().filter(|l| l.contains("```")).count(), 2);
            let title = lines.iter().filter(|l| l.trim_start().starts_with("title ")).count();
            proptest::prop_assert_eq!(title, 1);
            for l in &lines {
                let quotes = l.matches('"').count();
                if l.trim_start().starts_with("title ") || l.trim_start().starts_with("y-axis ") {
                    proptest::prop_assert_eq!(quotes, 2, "{}", l);
                }
                let invisible = l.contains('\u{202e}') || l.contains('\r');
                proptest::prop_assert!(!invisible, "{:?}", l);
            }
            proptest::prop_assert!(s.ends_with("```\n\n"));
        }
    }

    #[test]
    fn at_most_max_charts() {
        let rows: Vec<Row> = (0..MAX_CHARTS + 3)
            .map(|i| row(&format!("c{i}"), Some(Level::Warn), Verdict::Drift))
            .collect();
        let refs: Vec<&Row> = rows.iter().collect();
        let s = section(&refs);
        assert_eq!(s.matches("```mermaid").count(), MAX_CHARTS);
        assert!(s.contains(&format!("the first {MAX_CHARTS} of {}", MAX_CHARTS + 3)));
    }
}

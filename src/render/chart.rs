//! Mermaid charts for the Markdown artifact (`xychart-beta`, `pie`), which
//! GitHub and GitLab draw where the artifact is read: no image files, no
//! network. Deterministic (numbers with fixed decimals, rows in a fixed
//! order); every text from the logs goes through [`label`], so a hostile
//! channel name cannot break a diagram; too little data draws nothing.

use std::fmt::Write;

use crate::baseline::{Baseline, Bucket, RunSummary, Series};
use crate::render::escape::needs_escape;
use crate::time::parse_rfc3339_ms;

/// Most points on a time axis.
pub const MAX_POINTS: usize = 90;
/// Pies of the channels with most runs.
pub const MAX_PIES: usize = 6;
/// Longest label kept, in characters.
const MAX_LABEL: usize = 40;

/// Text from the logs made safe inside a Mermaid string or title: letters,
/// digits, space and `_-./+()@` are kept (any script's letters and digits
/// too), everything else (quotes, `:`, `;`, `#`, `%`, brackets, backticks,
/// control, invisible and bidi characters, line breaks) becomes `_`; cut to 40
/// characters; never empty.
pub fn label(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            // letters that are invisible (Hangul fillers) count as format
            let plain = c.is_alphanumeric() && !c.is_control() && !needs_escape(c);
            if plain || matches!(c, ' ' | '_' | '-' | '.' | '/' | '+' | '(' | ')' | '@') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_LABEL)
        .collect();
    if s.chars().count() > MAX_LABEL {
        out.pop();
        out.push('~');
    }
    let trimmed = out.trim();
    if trimmed.is_empty() {
        "_".to_string()
    } else {
        trimmed.to_string()
    }
}

/// This module's own text inside a Mermaid string: quotes are the only
/// character that could end it, and it has none, but be sure.
fn own(s: &str) -> String {
    s.replace(['"', '\n'], "_")
}

/// A number as Mermaid reads it: at most `decimals` places, no exponent.
fn number(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// One `xychart-beta` block. `series`: (kind `bar`/`line`, values). The
/// titles and axis labels are this module's own text (times, names of
/// figures), never text from the logs.
pub fn xychart(title: &str, y_title: &str, x: &[String], series: &[(&str, Vec<f64>)]) -> String {
    // wide enough that the axis labels do not overlap
    let width = (x.iter().map(|l| l.len() * 8 + 12).sum::<usize>() + 120).clamp(700, 2400);
    xychart_sized((width, None, &PALETTE), title, (y_title, None), x, series)
}

/// [`xychart`] of a given width (and height, else Mermaid's default) with
/// the given plot colours, and the y axis's range if given (else Mermaid
/// fits it to the values).
pub fn xychart_sized(
    (width, height, palette): (usize, Option<usize>, &[&str]),
    title: &str,
    (y_title, y_range): (&str, Option<(f64, f64)>),
    x: &[String],
    series: &[(&str, Vec<f64>)],
) -> String {
    let mut o = String::from("```mermaid\n");
    let height = height.map_or(String::new(), |h| format!(", \"height\": {h}"));
    let _ = writeln!(
        o,
        "%%{{init: {{\"xyChart\": {{\"width\": {width}{height}}}, \"themeVariables\": {{\"xyChart\": {{\"plotColorPalette\": \"{}\"}}}}}}}}%%",
        own(&palette.join(", "))
    );
    let _ = writeln!(o, "xychart-beta");
    let _ = writeln!(o, "    title \"{}\"", own(title));
    let xs: Vec<String> = x.iter().map(|l| format!("\"{}\"", own(l))).collect();
    let _ = writeln!(o, "    x-axis [{}]", xs.join(", "));
    let range = y_range.map_or(String::new(), |(lo, hi)| {
        format!(" {} --> {}", number(lo, 2), number(hi, 2))
    });
    let _ = writeln!(o, "    y-axis \"{}\"{range}", own(y_title));
    for (kind, values) in series {
        let vs: Vec<String> = values.iter().map(|v| number(*v, 2)).collect();
        let _ = writeln!(o, "    {kind} [{}]", vs.join(", "));
    }
    o.push_str("```\n");
    o
}

/// Colours of the plots of one chart, in order (named in the captions).
pub const PALETTE: [&str; 2] = ["#d62728", "#1f77b4"];
pub const PALETTE_NAMES: [&str; 2] = ["red", "blue"];

/// One `pie` block; slices with value 0 are left out (none left: nothing).
/// The title may hold text from the logs (it goes through [`label`]).
pub fn pie(title: &str, slices: &[(&str, u64)]) -> String {
    if slices.iter().all(|(_, v)| *v == 0) {
        return String::new();
    }
    let mut o = String::from("```mermaid\n");
    let _ = writeln!(o, "pie title {}", label(title));
    for (name, v) in slices.iter().filter(|(_, v)| *v > 0) {
        let _ = writeln!(o, "    \"{}\" : {v}", own(name));
    }
    o.push_str("```\n");
    o
}

/// The buckets on the time axis: from the first to the last bucket that
/// holds a run, cancel or reaction, gaps filled (`None`), when that is at
/// most [`MAX_POINTS`]; else only those buckets, the latest MAX_POINTS.
pub(crate) fn timeline(s: &Series) -> Vec<(i64, Option<&Bucket>)> {
    let size = i64::try_from(s.bucket_ms).unwrap_or(i64::MAX).max(1);
    let active: Vec<(i64, &Bucket)> = s
        .buckets
        .iter()
        .filter(|b| {
            b.runs.total.runs + b.cancels.count + b.reactions.matched + b.reactions.skipped > 0
        })
        .filter_map(|b| Some((parse_rfc3339_ms(b.start.as_deref()?)?, b)))
        .collect();
    let (Some(first), Some(last)) = (active.first(), active.last()) else {
        return Vec::new();
    };
    let span = (last.0 - first.0) / size + 1;
    if span <= MAX_POINTS as i64 {
        let mut it = active.iter().peekable();
        (0..span)
            .map(|i| {
                let t = first.0 + i * size;
                let here = it.next_if(|(s, _)| *s == t).map(|(_, b)| *b);
                (t, here)
            })
            .collect()
    } else {
        let skip = active.len().saturating_sub(MAX_POINTS);
        active[skip..].iter().map(|(t, b)| (*t, Some(*b))).collect()
    }
}

/// Axis labels for bucket starts (categories: they must be distinct):
/// dates for day-sized buckets or larger, else month, day and time; the
/// full date and time if those repeat.
fn ticks(ts: &[i64], size_ms: u64) -> Vec<String> {
    let fmt = if size_ms.is_multiple_of(86_400_000) {
        "%Y-%m-%d"
    } else if size_ms.is_multiple_of(60_000) {
        "%m-%d %H:%M"
    } else {
        "%m-%d %H:%M:%S"
    };
    let with = |fmt: &str| -> Vec<String> {
        ts.iter()
            .map(|&t| match chrono::DateTime::from_timestamp_millis(t) {
                Some(dt) => dt.format(fmt).to_string(),
                None => t.to_string(),
            })
            .collect()
    };
    let short = with(fmt);
    let mut seen = std::collections::BTreeSet::new();
    if short.iter().all(|l| seen.insert(l)) {
        short
    } else {
        ts.iter().map(|t| t.to_string()).collect()
    }
}

fn pct_of(r: Option<f64>) -> f64 {
    r.map_or(0.0, |r| r * 100.0)
}

/// The `## Trends` section of the Markdown artifact, with a series only
/// (`--bucket`): runs, error and cancel rate, and cancel latency over time,
/// and the outcome mix of the channels with most runs. Empty when there is
/// nothing to draw.
pub fn baseline_charts(b: &Baseline) -> String {
    let Some(s) = &b.series else {
        return String::new();
    };
    let mut o = String::new();
    time_charts(&mut o, s);
    outcome_pies(&mut o, b);
    if o.is_empty() {
        return o;
    }
    format!("## Trends\n\n{o}")
}

fn time_charts(o: &mut String, s: &Series) {
    let line = timeline(s);
    if line.len() < 2 {
        return;
    }
    let per = &s.bucket;
    let starts: Vec<i64> = line.iter().map(|(t, _)| *t).collect();
    let x = ticks(&starts, s.bucket_ms);
    let runs = |f: &dyn Fn(&RunSummary) -> f64| -> Vec<f64> {
        line.iter()
            .map(|(_, b)| b.map_or(0.0, |b| f(&b.runs.total)))
            .collect()
    };
    let _ = writeln!(o, "Runs per {per} bucket (by the time of their start):\n");
    o.push_str(&xychart(
        &format!("Runs per {per}"),
        "runs",
        &x,
        &[("bar", runs(&|r| r.runs as f64))],
    ));
    let _ = writeln!(
        o,
        "\nError rate ({}) and cancel rate ({}) of the runs that ended, per {per} bucket (0 where none ended):\n",
        PALETTE_NAMES[0], PALETTE_NAMES[1]
    );
    o.push_str(&xychart(
        &format!("Error and cancel rate per {per}"),
        "percent",
        &x,
        &[
            ("line", runs(&|r| pct_of(r.error_rate))),
            ("line", runs(&|r| pct_of(r.cancel_rate))),
        ],
    ));
    // latency: only the buckets that have cancel latencies
    let lat: Vec<(i64, u64, u64)> = line
        .iter()
        .filter_map(|(t, b)| {
            let l = &(*b)?.cancels.latency_ms;
            Some((*t, l.p50?, l.p95?))
        })
        .collect();
    if lat.len() >= 2 {
        let _ = writeln!(
            o,
            "\nCancel latency p50 ({}) and p95 ({}) in ms, per {per} bucket with latencies:\n",
            PALETTE_NAMES[0], PALETTE_NAMES[1]
        );
        let starts: Vec<i64> = lat.iter().map(|l| l.0).collect();
        let x = ticks(&starts, s.bucket_ms);
        o.push_str(&xychart(
            &format!("Cancel latency per {per}"),
            "ms",
            &x,
            &[
                ("line", lat.iter().map(|l| l.1 as f64).collect()),
                ("line", lat.iter().map(|l| l.2 as f64).collect()),
            ],
        ));
    }
    o.push('\n');
}

fn outcome_pies(o: &mut String, b: &Baseline) {
    let mut channels: Vec<(&String, &RunSummary)> = b
        .runs
        .by_channel
        .iter()
        .filter(|(_, s)| s.runs > 0)
        .collect();
    if channels.is_empty() {
        return;
    }
    channels.sort_by(|x, y| y.1.runs.cmp(&x.1.runs).then_with(|| x.0.cmp(y.0)));
    let shown = channels.len().min(MAX_PIES);
    let _ = writeln!(
        o,
        "Outcome mix per channel ({shown} of {} channels, most runs first):\n",
        channels.len()
    );
    for (name, s) in &channels[..shown] {
        o.push_str(&pie(
            &format!("{name} - {} runs", s.runs),
            &[
                ("completed", s.completed),
                ("cancelled", s.cancelled),
                ("errored", s.errored),
                ("open", s.open),
            ],
        ));
        o.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_break_out() {
        for hostile in [
            "a\"b",
            "x\ny",
            "%%{init}%%",
            "```",
            "a]; bar [1",
            "\u{202e}rtl",
            "",
            "   ",
            "é中文",
        ] {
            let l = label(hostile);
            assert!(!l.is_empty());
            assert!(
                !l.contains(['"', '\n', '%', '`', '[', ']', ';', ':', '#', '{', '}']),
                "{hostile:?} -> {l:?}"
            );
            assert!(!l.chars().any(|c| c.is_control() || c == '\u{202e}'));
        }
        assert_eq!(label("slack"), "slack");
        assert_eq!(label(&"x".repeat(100)).chars().count(), MAX_LABEL);
    }

    proptest::proptest! {
        /// Any text from the logs: a label is short, never empty, and holds
        /// nothing that could end a Mermaid string, a line or the fence.
        #[test]
        fn any_text_makes_a_safe_label(s in "\\PC*|[\"`\\[\\]%;:#{}\n\r\u{202e}\u{200b}a-z ]{0,60}") {
            let l = label(&s);
            proptest::prop_assert!(!l.is_empty() && l.chars().count() <= MAX_LABEL);
            let bad = l.chars().any(|c| {
                c.is_control()
                    || needs_escape(c)
                    || matches!(c, '"' | '`' | '[' | ']' | '%' | ';' | ':' | '#' | '{' | '}')
            });
            proptest::prop_assert!(!bad, "{:?} -> {:?}", s, l);
        }
    }

    #[test]
    fn numbers_are_plain() {
        assert_eq!(number(12.5, 2), "12.5");
        assert_eq!(number(3.0, 2), "3");
        assert_eq!(number(0.004, 2), "0");
        assert_eq!(number(-0.0, 2), "0");
        assert_eq!(number(f64::NAN, 2), "0");
        assert_eq!(number(1e20, 2), "100000000000000000000");
    }

    #[test]
    fn an_empty_pie_is_nothing() {
        assert_eq!(pie("t", &[("a", 0)]), "");
        assert!(pie("t", &[("a", 0), ("b", 2)]).contains("\"b\" : 2"));
    }
}

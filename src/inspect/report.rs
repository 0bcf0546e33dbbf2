//! Renderers of an [`inspect`](super) report: plain text for the terminal
//! (every string from the logs escaped) and JSON for tools.

use std::fmt::Write;

use crate::render::escape;

use super::{DialectReport, KeyReport, Report, TypeReport, MAX_KEYS, MAX_TYPES, OTHER_TYPES};

/// The report as JSON (stable field order, one trailing newline).
pub fn json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("a report serialises");
    s.push('\n');
    s
}

/// Thousands separated by a space, as in the summary table.
fn num(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// `part` of `whole` as a percentage: whole numbers when exact, else one
/// decimal, never rounded up to 100 nor down to 0.
fn pct(part: u64, whole: u64) -> String {
    if whole == 0 || part == whole {
        return "100%".into();
    }
    let x = part as f64 * 100.0 / whole as f64;
    let x = (x * 10.0).floor() / 10.0;
    if x < 0.1 {
        "<0.1%".into()
    } else if x.fract() == 0.0 {
        format!("{x:.0}%")
    } else {
        format!("{x:.1}%")
    }
}

/// The report for a terminal: a header, the files, then per dialect and
/// event type a table of keys.
pub fn text(r: &Report) -> String {
    let mut out = String::new();
    let malformed: u64 = r.malformed.values().sum();
    let _ = write!(
        out,
        "auditsum inspect: {} file{}, {} lines",
        num(r.files.len() as u64),
        if r.files.len() == 1 { "" } else { "s" },
        num(r.lines)
    );
    if malformed > 0 {
        let why: Vec<String> = r
            .malformed
            .iter()
            .map(|(k, n)| format!("{k} {}", num(*n)))
            .collect();
        let _ = write!(
            out,
            " ({} not JSON objects: {})",
            num(malformed),
            why.join(", ")
        );
    }
    match r.stopped_at {
        Some(n) => {
            let _ = writeln!(
                out,
                "; stopped after {} lines (--max-lines; 0 reads everything)",
                num(n)
            );
        }
        None => out.push_str(", read in full\n"),
    }
    if r.skipped > 0 {
        let _ = writeln!(
            out,
            "{} file{} skipped: not logs by name or content (summarize -v lists them)",
            num(r.skipped),
            if r.skipped == 1 { "" } else { "s" }
        );
    }
    out.push('\n');
    let rows: Vec<[String; 3]> = r
        .files
        .iter()
        .map(|f| match &f.error {
            Some(e) if f.dialect.is_empty() => {
                [escape::term(&f.file), "unreadable".into(), escape::term(e)]
            }
            e => [
                escape::term(&f.file),
                format!("{} ({})", f.dialect, f.chosen_by),
                match e {
                    Some(e) => format!("{} lines, then: {}", num(f.lines), escape::term(e)),
                    None => format!("{} lines", num(f.lines)),
                },
            ],
        })
        .collect();
    table(&mut out, "  ", &["file", "dialect", "read"], &rows);
    for d in &r.dialects {
        dialect(&mut out, d);
    }
    out
}

fn dialect(out: &mut String, d: &DialectReport) {
    let _ = writeln!(
        out,
        "\n== dialect {}: {} file{}, {} events, {} event type{}",
        escape::term(&d.dialect),
        num(d.files),
        if d.files == 1 { "" } else { "s" },
        num(d.events),
        num(d.types.len() as u64),
        if d.types.len() == 1 { "" } else { "s" },
    );
    for t in &d.types {
        event_type(out, t);
    }
    if d.types.iter().any(|t| t.event_type == OTHER_TYPES) {
        let _ = writeln!(
            out,
            "\n(more than {MAX_TYPES} event types: the rest are counted together under {OTHER_TYPES})"
        );
    }
    if !d.never_seen.is_empty() {
        let list: Vec<String> = d
            .never_seen
            .iter()
            .map(|(f, paths)| {
                let paths: Vec<String> = paths.iter().map(|p| escape::term(p)).collect();
                format!("{f} ({})", paths.join(" | "))
            })
            .collect();
        let _ = writeln!(
            out,
            "\nfields of dialect {} that no event carried: {}",
            escape::term(&d.dialect),
            list.join(", ")
        );
    }
}

fn event_type(out: &mut String, t: &TypeReport) {
    let meaning = match &t.meaning {
        Some(m) => format!("-> {}", escape::term(m)),
        None => "not mapped (counted in event_types only)".into(),
    };
    let _ = writeln!(
        out,
        "\n{}  {} event{}  {}",
        escape::term(&t.event_type),
        num(t.count),
        if t.count == 1 { "" } else { "s" },
        meaning
    );
    let rows: Vec<[String; 5]> = t.keys.iter().map(|k| key_row(k, t.count)).collect();
    table(
        out,
        "  ",
        &["key", "present", "types", "read as", "examples"],
        &rows,
    );
    if t.more_keys > 0 {
        let _ = writeln!(
            out,
            "  … and {} more key paths (only the first {MAX_KEYS} are listed)",
            num(t.more_keys)
        );
    }
}

fn key_row(k: &KeyReport, count: u64) -> [String; 5] {
    let types: Vec<String> = k
        .types
        .iter()
        .map(|(ty, n)| {
            if *n == k.present {
                ty.as_str().to_string()
            } else {
                format!("{} {}", ty.as_str(), pct(*n, k.present))
            }
        })
        .collect();
    let mut types = types.join(", ");
    if let Some(t) = k.time {
        let _ = write!(types, " ({t})");
    }
    let examples = if k.hidden {
        "(hidden: --anonymize)".to_string()
    } else {
        k.examples
            .iter()
            .map(|e| escape::term(e))
            .collect::<Vec<_>>()
            .join(", ")
    };
    [
        escape::term(&k.path),
        pct(k.present, count),
        types,
        if k.reads_as.is_empty() {
            "-".into()
        } else {
            k.reads_as.join(", ")
        },
        examples,
    ]
}

/// A left-aligned table with a header row; the last column is not padded.
fn table<const N: usize>(out: &mut String, indent: &str, head: &[&str; N], rows: &[[String; N]]) {
    let mut width = [0usize; N];
    for (i, h) in head.iter().enumerate() {
        width[i] = h.chars().count();
    }
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let line = |out: &mut String, cells: &[&str]| {
        out.push_str(indent);
        for (i, c) in cells.iter().enumerate() {
            out.push_str(c);
            if i + 1 < N {
                let pad = width[i] - c.chars().count() + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        let trimmed = out.trim_end_matches(' ').len();
        out.truncate(trimmed);
        out.push('\n');
    };
    line(out, head);
    for r in rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        line(out, &cells);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_shares() {
        assert_eq!(num(1234567), "1 234 567");
        assert_eq!(num(12), "12");
        assert_eq!(pct(1, 3), "33.3%");
        assert_eq!(pct(999, 1000), "99.9%");
        assert_eq!(pct(9999, 10000), "99.9%");
        assert_eq!(pct(1, 100000), "<0.1%");
        assert_eq!(pct(1, 2), "50%");
        assert_eq!(pct(5, 5), "100%");
    }
}

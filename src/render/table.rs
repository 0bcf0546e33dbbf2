//! The terminal view (comfy-table), sized to fit the terminal (100 columns
//! when stdout is not one). Names are escaped and cut to a fraction of the
//! width before layout, so a cell of any length lays out in linear time.

use std::fmt::Write;

use comfy_table::{
    presets, Attribute, Cell, CellAlignment, Color, ContentArrangement, Table as Grid,
};

use std::collections::BTreeMap;

use crate::baseline::{Baseline, CancelSummary, ReactionSlice, RunSummary};
use crate::render::escape::term;
use crate::render::{num, pct, run_cells, spark, top_rows, Render};
use unicode_width::UnicodeWidthChar;

pub struct Table {
    pub top: usize,
    pub width: u16,
    /// Styled header and TOTAL rows (the CLI decides: `--color`, NO_COLOR, TTY).
    pub color: bool,
}

/// The widest a name cell may be: a third of the table, at least 12 columns.
fn name_width(width: u16) -> usize {
    (usize::from(width) / 3).max(12)
}

/// `s` escaped for the terminal and cut to `max` display columns, ending in
/// `…` when cut. Linear in the length of `s` and never looks past the first
/// `4 * max` characters (an escape is at most 10 columns for one character).
pub fn cut(s: &str, max: usize) -> String {
    let head: String = s.chars().take(4 * max + 1).collect();
    let shown = term(&head);
    let width = |t: &str| t.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>();
    if head.len() == s.len() && width(&shown) <= max {
        return shown;
    }
    let mut out = String::with_capacity(max + 4);
    let mut used = 0;
    for c in shown.chars() {
        let w = c.width().unwrap_or(0);
        if used + w >= max {
            // the last column is kept for the ellipsis
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// One layout attempt: `dynamic` lets comfy-table wrap cells to the width;
/// `pad` is the space either side of a cell.
fn grid(
    head: &[&str],
    rows: &[Vec<String>],
    width: u16,
    color: bool,
    dynamic: bool,
    pad: u16,
) -> Grid {
    let mut g = Grid::new();
    g.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(if dynamic {
            ContentArrangement::Dynamic
        } else {
            ContentArrangement::Disabled
        })
        .set_width(width);
    if color {
        g.enforce_styling();
        g.set_header(
            head.iter()
                .map(|h| Cell::new(h).add_attribute(Attribute::Bold).fg(Color::Cyan)),
        );
    } else {
        g.force_no_tty();
        g.set_header(head.iter().copied());
    }
    let last = rows.len().saturating_sub(1);
    for (n, r) in rows.iter().enumerate() {
        if color && n == last {
            // the TOTAL row
            g.add_row(
                r.iter()
                    .map(|c| Cell::new(c).add_attribute(Attribute::Bold)),
            );
        } else {
            g.add_row(r.iter());
        }
    }
    for i in 0..head.len() {
        if let Some(c) = g.column_mut(i) {
            c.set_padding((pad, pad));
            if i > 0 {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
    }
    g
}

/// Display width of the widest line.
fn widest(s: &str) -> usize {
    s.lines()
        .map(|l| l.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>())
        .max()
        .unwrap_or(0)
}

/// Lay the rows out within `width`: names cut to a third of the width and
/// cells padded when that fits; else narrower names, then no padding; else
/// (very narrow terminals) cells wrap. Every attempt works on cut names, so
/// its cost does not depend on how long a name is.
fn layout(
    head: &[&str],
    names: &[&str],
    cells: Vec<Vec<String>>,
    width: u16,
    color: bool,
) -> String {
    let w = usize::from(width);
    let build = |name_w: usize| -> Vec<Vec<String>> {
        names
            .iter()
            .zip(&cells)
            .map(|(k, c)| {
                let mut r = vec![cut(k, name_w)];
                r.extend(c.iter().cloned());
                r
            })
            .collect()
    };
    for name_w in [name_width(width), (w / 5).max(10), 10] {
        let rows = build(name_w);
        for pad in [1, 0] {
            // measured without colour, so escape sequences do not count
            let plain = grid(head, &rows, width, false, false, pad).to_string();
            if widest(&plain) <= w {
                return if color {
                    grid(head, &rows, width, true, false, pad).to_string()
                } else {
                    plain
                };
            }
        }
    }
    grid(head, &build(10), width, color, true, 0).to_string()
}

/// `items` joined by ", " after `label`, wrapped to lines of `width`.
fn wrapped(label: &str, items: &[String], width: usize) -> String {
    let mut out = String::new();
    let mut line = label.to_string();
    for (i, item) in items.iter().enumerate() {
        let sep = if i + 1 < items.len() { ", " } else { "" };
        let len = line.chars().count();
        if i > 0 && len + item.chars().count() + sep.len() > width {
            out += line.trim_end();
            out.push('\n');
            line = "  ".to_string();
        }
        line += item;
        line += sep;
    }
    out += &line;
    out.push('\n');
    out
}

impl Table {
    /// A titled grid of a keyed map, largest first, cut at `--top`, with a
    /// TOTAL row and "…and N more" under it.
    #[allow(clippy::too_many_arguments)]
    fn keyed<V>(
        &self,
        title: &str,
        head: &[&str],
        what: &str,
        m: &BTreeMap<String, V>,
        weight: impl Fn(&V) -> u64,
        cells: impl Fn(&V) -> Vec<String>,
        total: Vec<String>,
    ) -> String {
        let (top, rest) = top_rows(m, self.top, weight);
        let mut names: Vec<&str> = top.iter().map(|(k, _)| *k).collect();
        let mut rows: Vec<Vec<String>> = top.iter().map(|(_, v)| cells(v)).collect();
        names.push("TOTAL");
        rows.push(total);
        let g = layout(head, &names, rows, self.width, self.color);
        let mut out = format!("{title}\n{g}\n");
        if rest > 0 {
            out += &format!("…and {rest} more {what}\n");
        }
        out
    }
}

impl Render for Table {
    fn render(&self, b: &Baseline) -> Vec<u8> {
        let mut o = String::new();
        let i = &b.inputs;
        let window = match (&b.window.first_ts, &b.window.last_ts) {
            (Some(a), Some(z)) => format!("{a} → {z}"),
            _ => "no timed events".to_string(),
        };
        let _ = writeln!(
            o,
            "{} files, {} bytes, {} events, {} malformed, {} unreadable\nwindow {window}",
            i.files,
            i.bytes,
            i.events,
            i.malformed_lines,
            i.unreadable.len()
        );
        if !b.filters.is_empty() {
            // the selection, so that a narrowed table is never taken for the whole
            let _ = writeln!(o, "filters {}", term(&crate::select::describe(&b.filters)));
        }
        o.push('\n');

        let mut run_head = vec![
            "channel", "runs", "done", "cancel", "error", "open", "done%", "cancel%", "error%",
            "p50 ms", "p95 ms",
        ];
        let mut total = run_cells(&b.runs.total);
        // with a series, a trend column: runs per bucket (render/spark.rs)
        let trends = b
            .series
            .as_ref()
            .and_then(|s| spark::channel_trends(s, spark::points_for_width(self.width)));
        if trends.is_some() {
            run_head.push("trend");
            total.push(String::new());
        }
        let rows: BTreeMap<String, (&RunSummary, Option<String>)> = b
            .runs
            .by_channel
            .iter()
            .map(|(k, v)| {
                let trend = trends
                    .as_ref()
                    .map(|t| t.get(k).cloned().unwrap_or_default());
                (k.clone(), (v, trend))
            })
            .collect();
        o += &self.keyed(
            "Runs by channel (durations in ms)",
            &run_head,
            "channels",
            &rows,
            |(s, _)| s.runs,
            |(s, trend)| {
                let mut c = run_cells(s);
                c.extend(trend.clone());
                c
            },
            total,
        );

        let cancel_head = [
            "cancel source",
            "count",
            "acked",
            "unacked",
            "p50 ms",
            "p95 ms",
            "p99 ms",
        ];
        let cells = |s: &CancelSummary| {
            vec![
                s.count.to_string(),
                s.acknowledged.to_string(),
                s.unacknowledged.to_string(),
                num(s.latency_ms.p50),
                num(s.latency_ms.p95),
                num(s.latency_ms.p99),
            ]
        };
        let total = cells(&b.cancels.total);
        o += &self.keyed(
            "\nCancels by source (latency in ms)",
            &cancel_head,
            "sources",
            &b.cancels.by_source,
            |s| s.count,
            cells,
            total,
        );

        let r = &b.reactions.total;
        let total = vec![
            r.matched.to_string(),
            r.skipped.to_string(),
            pct(r.match_rate),
        ];
        let cells = |s: &ReactionSlice| {
            vec![
                s.matched.to_string(),
                s.skipped.to_string(),
                pct(s.match_rate),
            ]
        };
        let head = ["reactions", "matched", "skipped", "match%"];
        o += &self.keyed(
            "\nReactions by channel",
            &head,
            "channels",
            &b.reactions.by_channel,
            |s| s.matched + s.skipped,
            cells,
            total,
        );
        if !b.reactions.skip_reasons.is_empty() {
            let top: Vec<String> = b
                .reactions
                .skip_reasons
                .iter()
                .take(5)
                .map(|s| format!("{} {}", cut(&s.reason, name_width(self.width)), s.count))
                .collect();
            o += &wrapped("top skip reasons: ", &top, usize::from(self.width));
        }
        o.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_cut_with_an_ellipsis() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("exactly10!", 10), "exactly10!");
        assert_eq!(cut("eleven-char", 10), "eleven-ch…");
        assert_eq!(cut(&"x".repeat(400_000), 20).chars().count(), 20);
        // escapes count as what they show; wide characters as two columns
        assert_eq!(cut("\u{1b}[2J", 30), "\\u{1b}[2J");
        assert_eq!(cut("日本語の名前", 7), "日本語…");
    }
}

//! The terminal view (comfy-table), sized to fit 100 columns.

use std::fmt::Write;

use comfy_table::{
    presets, Attribute, Cell, CellAlignment, Color, ContentArrangement, Table as Grid,
};

use std::collections::BTreeMap;

use crate::baseline::{Baseline, CancelSummary, ReactionSlice};
use crate::render::escape::term;
use crate::render::{num, pct, run_cells, top_rows, Render};

pub struct Table {
    pub top: usize,
    pub width: u16,
    /// Styled header and TOTAL rows (the CLI decides: `--color`, NO_COLOR, TTY).
    pub color: bool,
}

fn grid(head: &[&str], width: u16, color: bool) -> Grid {
    let mut g = Grid::new();
    g.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
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
    for i in 1..head.len() {
        if let Some(c) = g.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    g
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
        let mut g = grid(head, self.width, self.color);
        let (rows, rest) = top_rows(m, self.top, weight);
        for (k, v) in rows {
            let mut r = vec![term(k)];
            r.extend(cells(v));
            g.add_row(r);
        }
        let mut t = vec!["TOTAL".to_string()];
        t.extend(total);
        if self.color {
            g.add_row(
                t.into_iter()
                    .map(|c| Cell::new(c).add_attribute(Attribute::Bold)),
            );
        } else {
            g.add_row(t);
        }
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
            "{} files, {} bytes, {} events, {} malformed, {} unreadable\nwindow {window}\n",
            i.files,
            i.bytes,
            i.events,
            i.malformed_lines,
            i.unreadable.len()
        );

        let run_head = [
            "channel", "runs", "done", "cancel", "error", "open", "done%", "cancel%", "error%",
            "p50 ms", "p95 ms",
        ];
        let total = run_cells(&b.runs.total);
        o += &self.keyed(
            "Runs by channel (durations in ms)",
            &run_head,
            "channels",
            &b.runs.by_channel,
            |s| s.runs,
            run_cells,
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
                .map(|s| format!("{} {}", term(&s.reason), s.count))
                .collect();
            let _ = writeln!(o, "top skip reasons: {}", top.join(", "));
        }
        o.into_bytes()
    }
}

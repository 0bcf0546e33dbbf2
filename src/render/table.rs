//! The terminal view (comfy-table), sized to fit 100 columns.

use std::fmt::Write;

use comfy_table::{presets, CellAlignment, ContentArrangement, Table as Grid};

use crate::baseline::Baseline;
use crate::render::escape::term;
use crate::render::{num, pct, run_cells, top_rows, Render};

pub struct Table {
    pub top: usize,
    pub width: u16,
}

fn grid(head: &[&str], width: u16) -> Grid {
    let mut g = Grid::new();
    g.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(head.iter().copied());
    for i in 1..head.len() {
        if let Some(c) = g.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    g
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

        let mut g = grid(
            &[
                "channel", "runs", "done", "cancel", "error", "open", "done%", "cancel%", "error%",
                "p50 ms", "p95 ms",
            ],
            self.width,
        );
        let (rows, rest) = top_rows(&b.runs.by_channel, self.top, |s| s.runs);
        for (k, s) in rows {
            let mut r = vec![term(k)];
            r.extend(run_cells(s));
            g.add_row(r);
        }
        let mut total = vec!["TOTAL".to_string()];
        total.extend(run_cells(&b.runs.total));
        g.add_row(total);
        let _ = writeln!(o, "Runs by channel (durations in ms)\n{g}");
        if rest > 0 {
            let _ = writeln!(o, "…and {rest} more channels");
        }

        let mut g = grid(
            &[
                "cancel source",
                "count",
                "acked",
                "unacked",
                "p50 ms",
                "p95 ms",
                "p99 ms",
            ],
            self.width,
        );
        let (rows, rest) = top_rows(&b.cancels.by_source, self.top, |s| s.count);
        let cells = |s: &crate::baseline::CancelSummary| {
            vec![
                s.count.to_string(),
                s.acknowledged.to_string(),
                s.unacknowledged.to_string(),
                num(s.latency_ms.p50),
                num(s.latency_ms.p95),
                num(s.latency_ms.p99),
            ]
        };
        for (k, s) in rows {
            let mut r = vec![term(k)];
            r.extend(cells(s));
            g.add_row(r);
        }
        let mut total = vec!["TOTAL".to_string()];
        total.extend(cells(&b.cancels.total));
        g.add_row(total);
        let _ = writeln!(o, "\nCancels by source (latency in ms)\n{g}");
        if rest > 0 {
            let _ = writeln!(o, "…and {rest} more sources");
        }

        let r = &b.reactions.total;
        let mut g = grid(&["reactions", "matched", "skipped", "match%"], self.width);
        let (rows, rest) = top_rows(&b.reactions.by_channel, self.top, |s| s.matched + s.skipped);
        for (k, s) in rows {
            g.add_row(vec![
                term(k),
                s.matched.to_string(),
                s.skipped.to_string(),
                pct(s.match_rate),
            ]);
        }
        g.add_row(vec![
            "TOTAL".to_string(),
            r.matched.to_string(),
            r.skipped.to_string(),
            pct(r.match_rate),
        ]);
        let _ = writeln!(o, "\nReactions by channel\n{g}");
        if rest > 0 {
            let _ = writeln!(o, "…and {rest} more channels");
        }
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

//! The Markdown artifact: what people commit and read in review. Deterministic
//! (no clock, sorted rows), and every string from the logs is escaped.

use std::fmt::Write;

use crate::baseline::{Baseline, CancelSummary, RunSummary};
use crate::render::escape::md;
use crate::render::{num, pct, run_cells, top_rows, Render};

pub struct Markdown {
    /// Rows of the long tables.
    pub top: usize,
}

const RUN_HEAD: [&str; 10] = [
    "Runs",
    "Completed",
    "Cancelled",
    "Errored",
    "Open",
    "Completion",
    "Cancel rate",
    "Error rate",
    "p50 ms",
    "p95 ms",
];

fn header(out: &mut String, first: &str, rest: &[&str]) {
    let _ = writeln!(out, "| {} | {} |", first, rest.join(" | "));
    let _ = writeln!(out, "|---|{}", "--:|".repeat(rest.len()));
}

fn row(out: &mut String, first: &str, cells: &[String]) {
    let _ = writeln!(out, "| {} | {} |", first, cells.join(" | "));
}

fn more(out: &mut String, rest: usize, what: &str) {
    if rest > 0 {
        let _ = writeln!(
            out,
            "\n…and {rest} more {what} (all of them are in the JSON artifact)."
        );
    }
}

impl Markdown {
    fn run_table(
        &self,
        out: &mut String,
        title: &str,
        col: &str,
        m: &std::collections::BTreeMap<String, RunSummary>,
    ) {
        let _ = writeln!(out, "### {title}\n");
        if m.is_empty() {
            let _ = writeln!(out, "No runs.\n");
            return;
        }
        header(out, col, &RUN_HEAD);
        let (rows, rest) = top_rows(m, self.top, |s| s.runs);
        for (k, s) in rows {
            row(out, &md(k), &run_cells(s));
        }
        more(out, rest, &format!("{}s", col.to_lowercase()));
        out.push('\n');
    }

    fn cancel_table(
        &self,
        out: &mut String,
        title: &str,
        col: &str,
        m: &std::collections::BTreeMap<String, CancelSummary>,
    ) {
        let _ = writeln!(out, "### {title}\n");
        if m.is_empty() {
            let _ = writeln!(out, "No cancels.\n");
            return;
        }
        header(
            out,
            col,
            &[
                "Cancels",
                "Acknowledged",
                "Unacknowledged",
                "With latency",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "Max ms",
            ],
        );
        let (rows, rest) = top_rows(m, self.top, |s| s.count);
        for (k, s) in rows {
            row(out, &md(k), &cancel_cells(s));
        }
        more(out, rest, &format!("{}s", col.to_lowercase()));
        out.push('\n');
    }
}

fn cancel_cells(s: &CancelSummary) -> Vec<String> {
    let l = &s.latency_ms;
    vec![
        s.count.to_string(),
        s.acknowledged.to_string(),
        s.unacknowledged.to_string(),
        l.count.to_string(),
        num(l.p50),
        num(l.p95),
        num(l.p99),
        num(l.max),
    ]
}

impl Render for Markdown {
    fn render(&self, b: &Baseline) -> Vec<u8> {
        let mut out = String::new();
        let o = &mut out;
        let i = &b.inputs;
        let _ = writeln!(o, "# Audit baseline\n");
        let window = match (&b.window.first_ts, &b.window.last_ts) {
            (Some(a), Some(z)) => format!("{a} → {z}"),
            _ => "no timed events".to_string(),
        };
        let _ = writeln!(o, "- **Window:** {window}");
        let _ = writeln!(
            o,
            "- **Input:** {} files, {} bytes, {} events, {} malformed lines, {} untimed events, {} unreadable files",
            i.files,
            i.bytes,
            i.events,
            i.malformed_lines,
            i.untimed_events,
            i.unreadable.len()
        );
        if !b.filters.is_empty() {
            let f: Vec<String> = b
                .filters
                .iter()
                .map(|(k, v)| format!("{}={}", md(k), md(&v.to_string())))
                .collect();
            let _ = writeln!(o, "- **Filters:** {}", f.join(", "));
        }
        let t = &b.runs.total;
        let _ = writeln!(
            o,
            "- **Runs:** {} ({} completed, {} cancelled, {} errored, {} open); completion {}, cancel {}, error {}",
            t.runs,
            t.completed,
            t.cancelled,
            t.errored,
            t.open,
            pct(t.completion_rate),
            pct(t.cancel_rate),
            pct(t.error_rate)
        );
        let c = &b.cancels.total;
        let _ = writeln!(
            o,
            "- **Cancels:** {} ({} acknowledged); latency p50 {} ms, p95 {} ms, p99 {} ms",
            c.count,
            c.acknowledged,
            num(c.latency_ms.p50),
            num(c.latency_ms.p95),
            num(c.latency_ms.p99)
        );
        let r = &b.reactions.total;
        let _ = writeln!(
            o,
            "- **Reactions:** {} matched, {} skipped; match rate {}\n",
            r.matched,
            r.skipped,
            pct(r.match_rate)
        );

        let _ = writeln!(o, "## Runs\n");
        header(o, "Slice", &RUN_HEAD);
        row(o, "**total**", &run_cells(t));
        let d = &t.duration_ms;
        let _ = writeln!(
            o,
            "\nRun duration (ms): p50 {}, p95 {}, p99 {}, max {} over {} runs with a start and an end; {} runs had a cancel request.\n",
            num(d.p50),
            num(d.p95),
            num(d.p99),
            num(d.max),
            d.count,
            t.cancel_requested
        );
        self.run_table(o, "By channel", "Channel", &b.runs.by_channel);
        self.run_table(o, "By backend", "Backend", &b.runs.by_backend);
        self.run_table(o, "By origin", "Origin", &b.runs.by_origin);

        let _ = writeln!(o, "## Cancels\n");
        header(
            o,
            "Slice",
            &[
                "Cancels",
                "Acknowledged",
                "Unacknowledged",
                "With latency",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "Max ms",
            ],
        );
        row(o, "**total**", &cancel_cells(c));
        o.push('\n');
        self.cancel_table(o, "By source", "Source", &b.cancels.by_source);
        self.cancel_table(o, "By channel", "Channel", &b.cancels.by_channel);

        let _ = writeln!(o, "## Reactions\n");
        let _ = writeln!(
            o,
            "{} matched, {} skipped (match rate {}); {} candidates considered in skips.\n",
            r.matched,
            r.skipped,
            pct(r.match_rate),
            r.candidate_count_sum
        );
        let _ = writeln!(o, "### By channel\n");
        if b.reactions.by_channel.is_empty() {
            let _ = writeln!(o, "No reactions.\n");
        } else {
            header(o, "Channel", &["Matched", "Skipped", "Match rate"]);
            let (rows, rest) =
                top_rows(&b.reactions.by_channel, self.top, |s| s.matched + s.skipped);
            for (k, s) in rows {
                row(
                    o,
                    &md(k),
                    &[
                        s.matched.to_string(),
                        s.skipped.to_string(),
                        pct(s.match_rate),
                    ],
                );
            }
            more(o, rest, "channels");
            o.push('\n');
        }
        let _ = writeln!(o, "### Top skip reasons\n");
        if b.reactions.skip_reasons.is_empty() {
            let _ = writeln!(o, "No skips.\n");
        } else {
            header(o, "Reason", &["Skips", "Share"]);
            for s in b.reactions.skip_reasons.iter().take(self.top) {
                let share = crate::baseline::rate(s.count, r.skipped);
                row(o, &md(&s.reason), &[s.count.to_string(), pct(share)]);
            }
            more(
                o,
                b.reactions.skip_reasons.len().saturating_sub(self.top),
                "reasons",
            );
            o.push('\n');
        }
        let _ = writeln!(o, "### Matches by rule\n");
        if b.reactions.by_rule.is_empty() {
            let _ = writeln!(o, "No matches.\n");
        } else {
            header(o, "Rule", &["Matches"]);
            let (rows, rest) = top_rows(&b.reactions.by_rule, self.top, |&n| n);
            for (k, n) in rows {
                row(o, &md(k), &[n.to_string()]);
            }
            more(o, rest, "rules");
            o.push('\n');
        }

        let _ = writeln!(o, "## Top sessions\n");
        if b.runs.by_session.is_empty() {
            let _ = writeln!(o, "No runs.\n");
        } else {
            header(o, "Session", &RUN_HEAD);
            let (rows, rest) = top_rows(&b.runs.by_session, self.top, |s| s.runs);
            for (k, s) in rows {
                row(o, &md(k), &run_cells(s));
            }
            more(o, rest, "sessions");
            o.push('\n');
        }

        let _ = writeln!(o, "## Event types\n");
        if b.event_types.is_empty() {
            let _ = writeln!(o, "No events.\n");
        } else {
            header(o, "Type", &["Events"]);
            let (rows, rest) = top_rows(&b.event_types, self.top, |&n| n);
            for (k, n) in rows {
                row(o, &md(k), &[n.to_string()]);
            }
            more(o, rest, "types");
            o.push('\n');
        }

        if !i.malformed_samples.is_empty() || !i.unreadable.is_empty() {
            let _ = writeln!(o, "## Input problems\n");
        }
        if !i.malformed_samples.is_empty() {
            let _ = writeln!(
                o,
                "{} malformed lines; the first {}:\n",
                i.malformed_lines,
                i.malformed_samples.len()
            );
            let _ = writeln!(o, "| File | Line | Reason |\n|---|--:|---|");
            for s in &i.malformed_samples {
                let _ = writeln!(o, "| {} | {} | {} |", md(&s.file), s.line, md(&s.reason));
            }
            o.push('\n');
        }
        if !i.unreadable.is_empty() {
            let _ = writeln!(o, "Unreadable files:\n\n| File | Reason |\n|---|---|");
            for u in &i.unreadable {
                let _ = writeln!(o, "| {} | {} |", md(&u.file), md(&u.reason));
            }
            o.push('\n');
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out.into_bytes()
    }
}

//! The Markdown artifact: what people commit and read in review. Deterministic
//! (no clock, sorted rows), and every string from the logs is escaped.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::baseline::{Baseline, CancelSummary, RunSummary};
use crate::render::chart;
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

/// How one keyed table is labelled.
struct Spec<'a> {
    /// The heading line, `## …` or `### …`.
    heading: &'a str,
    /// First column: the key's name.
    col: &'a str,
    head: &'a [&'a str],
    /// Said instead of an empty table.
    none: &'a str,
    /// Plural of the rows, for "…and N more".
    what: &'a str,
}

const CANCEL_HEAD: [&str; 8] = [
    "Cancels",
    "Acknowledged",
    "Unacknowledged",
    "With latency",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "Max ms",
];

impl Markdown {
    /// A keyed table, largest `weight` first, cut at `--top` rows.
    fn keyed<V>(
        &self,
        out: &mut String,
        spec: Spec<'_>,
        m: &BTreeMap<String, V>,
        weight: impl Fn(&V) -> u64,
        cells: impl Fn(&V) -> Vec<String>,
    ) {
        let _ = writeln!(out, "{}\n", spec.heading);
        if m.is_empty() {
            let _ = writeln!(out, "{}\n", spec.none);
            return;
        }
        header(out, spec.col, spec.head);
        let (rows, rest) = top_rows(m, self.top, weight);
        for (k, v) in rows {
            row(out, &md(k), &cells(v));
        }
        more(out, rest, spec.what);
        out.push('\n');
    }

    fn run_table(
        &self,
        out: &mut String,
        heading: &str,
        col: &str,
        what: &str,
        m: &BTreeMap<String, RunSummary>,
    ) {
        let spec = Spec {
            heading,
            col,
            head: &RUN_HEAD,
            none: "No runs.",
            what,
        };
        self.keyed(out, spec, m, |s| s.runs, run_cells);
    }

    fn cancel_table(
        &self,
        out: &mut String,
        heading: &str,
        col: &str,
        what: &str,
        m: &BTreeMap<String, CancelSummary>,
    ) {
        let spec = Spec {
            heading,
            col,
            head: &CANCEL_HEAD,
            none: "No cancels.",
            what,
        };
        self.keyed(out, spec, m, |s| s.count, cancel_cells);
    }
}

/// One filter as people write it: `since=2026-02-26T00:00:00.000Z`,
/// `where channel=telegram or discord`, `anonymized`.
fn filter(key: &str, v: &serde_json::Value) -> String {
    use serde_json::Value;
    let text = |v: &Value| match v {
        Value::String(s) => md(s),
        v => md(&v.to_string()),
    };
    match v {
        Value::Bool(true) => md(key),
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(attr, vals)| {
                    let vals = match vals {
                        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(" or "),
                        v => text(v),
                    };
                    format!("{}={vals}", md(attr))
                })
                .collect();
            format!("{} {}", md(key), parts.join(", "))
        }
        v => format!("{}={}", md(key), text(v)),
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
            let f: Vec<String> = b.filters.iter().map(|(k, v)| filter(k, v)).collect();
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
        let _ = writeln!(
            o,
            "- **Rates:** completion, cancel and error rates are shares of the terminal runs (completed + cancelled + errored): open runs are not counted. The match rate is matched / (matched + skipped)."
        );
        let _ = writeln!(
            o,
            "- **Runs cancelled** are runs whose outcome was a cancellation; **cancels** are run.cancel events (a run may have several, acknowledged or not); **cancel requests** are runs that reported a cancel_requested state, whatever their outcome."
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

        o.push_str(&chart::baseline_charts(b));

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
        self.run_table(
            o,
            "### By channel",
            "Channel",
            "channels",
            &b.runs.by_channel,
        );
        self.run_table(
            o,
            "### By backend",
            "Backend",
            "backends",
            &b.runs.by_backend,
        );
        self.run_table(o, "### By origin", "Origin", "origins", &b.runs.by_origin);

        let _ = writeln!(o, "## Cancels\n");
        header(o, "Slice", &CANCEL_HEAD);
        row(o, "**total**", &cancel_cells(c));
        o.push('\n');
        self.cancel_table(
            o,
            "### By source",
            "Source",
            "sources",
            &b.cancels.by_source,
        );
        self.cancel_table(
            o,
            "### By channel",
            "Channel",
            "channels",
            &b.cancels.by_channel,
        );

        let _ = writeln!(o, "## Reactions\n");
        let _ = writeln!(
            o,
            "{} matched, {} skipped (match rate {}); {} candidates considered in skips.\n",
            r.matched,
            r.skipped,
            pct(r.match_rate),
            r.candidate_count_sum
        );
        let spec = Spec {
            heading: "### By channel",
            col: "Channel",
            head: &["Matched", "Skipped", "Match rate"],
            none: "No reactions.",
            what: "channels",
        };
        self.keyed(
            o,
            spec,
            &b.reactions.by_channel,
            |s| s.matched + s.skipped,
            |s| {
                vec![
                    s.matched.to_string(),
                    s.skipped.to_string(),
                    pct(s.match_rate),
                ]
            },
        );
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
        let count = |n: &u64| vec![n.to_string()];
        let spec = Spec {
            heading: "### Matches by rule",
            col: "Rule",
            head: &["Matches"],
            none: "No matches.",
            what: "rules",
        };
        self.keyed(o, spec, &b.reactions.by_rule, |&n| n, count);
        self.run_table(
            o,
            "## Top sessions",
            "Session",
            "sessions",
            &b.runs.by_session,
        );
        let spec = Spec {
            heading: "## Event types",
            col: "Type",
            head: &["Events"],
            none: "No events.",
            what: "types",
        };
        self.keyed(o, spec, &b.event_types, |&n| n, count);

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

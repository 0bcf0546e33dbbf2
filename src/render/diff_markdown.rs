//! The drift report in Markdown: readable in a pull-request comment,
//! regressions first.

use std::fmt::Write;

use crate::diff::{Level, Report, Row, Verdict};
use crate::render::drift_chart;
use crate::render::escape::md;
use crate::render::Render;

pub struct DiffMarkdown;

fn value(r: &Row, v: Option<f64>) -> String {
    match (v, r.unit) {
        (None, _) => "—".to_string(),
        (Some(x), "pp") => format!("{:.1}%", x * 100.0),
        (Some(x), "%") => format!("{x:.0} ms"),
        (Some(x), _) => format!("{x:.0}"),
    }
}

fn delta(r: &Row) -> String {
    match (r.delta, r.unit) {
        (None, _) => "—".to_string(),
        (Some(d), "pp") => format!("{d:+.1} pp"),
        (Some(d), _) => format!("{d:+.1}%"),
    }
}

fn pval(p: Option<f64>) -> String {
    match p {
        None => "—".to_string(),
        Some(p) if p < 0.0001 => "<0.0001".to_string(),
        Some(p) => format!("{p:.4}"),
    }
}

fn verdict(r: &Row) -> &'static str {
    match (r.verdict, r.level) {
        (Verdict::Drift, Some(Level::Fail)) => "**fail**",
        (Verdict::Drift, _) => "warn",
        (Verdict::New, _) => "new",
        (Verdict::Gone, _) => "gone",
        (Verdict::TooFew, _) => "too-few",
        (Verdict::Untestable, _) => "untestable",
        (Verdict::Ok, _) => "ok",
    }
}

fn slice(r: &Row) -> String {
    if r.slice == "total" {
        format!("{} total", r.section)
    } else {
        format!("{} by {} {}", r.section, r.slice, md(&r.key))
    }
}

fn table(o: &mut String, rows: &[&Row]) {
    let _ = writeln!(
        o,
        "| Slice | Metric | Base | Current | Delta | n base | n current | p (Holm) | Verdict |"
    );
    let _ = writeln!(o, "|---|---|--:|--:|--:|--:|--:|--:|---|");
    for r in rows {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            slice(r),
            md(r.metric),
            value(r, r.base),
            value(r, r.current),
            delta(r),
            r.n_base,
            r.n_current,
            pval(r.p_adjusted),
            verdict(r)
        );
    }
    o.push('\n');
}

fn window(w: &crate::baseline::Window) -> String {
    match (&w.first_ts, &w.last_ts) {
        (Some(a), Some(z)) => format!("{a} → {z}"),
        _ => "no timed events".to_string(),
    }
}

/// The side's filters, `key=value` joined (`no filters` when none).
fn filters(s: &crate::diff::Side) -> String {
    let parts: Vec<String> = s
        .filters
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            serde_json::Value::String(x) => format!("{k}={x}"),
            serde_json::Value::Bool(true) => k.clone(),
            other => format!("{k}={other}"),
        })
        .collect();
    if parts.is_empty() {
        "no filters".to_string()
    } else {
        md(&parts.join(", "))
    }
}

impl Render<Report> for DiffMarkdown {
    fn render(&self, r: &Report) -> Vec<u8> {
        let mut o = String::new();
        let c = &r.counts;
        let _ = writeln!(o, "# Drift report\n");
        let head = if r.failed {
            "**FAIL**"
        } else if c.warn > 0 || !r.warnings.is_empty() {
            "WARN"
        } else {
            "OK"
        };
        let _ = writeln!(
            o,
            "{head}: {} failing, {} warning, {} ok, {} new, {} gone, {} too few to compare, {} untestable.\n",
            c.fail, c.warn, c.ok, c.new, c.gone, c.too_few, c.untestable
        );
        for w in &r.warnings {
            let _ = writeln!(o, "> **Warning:** {}\n", md(w));
        }
        let _ = writeln!(
            o,
            "- **Base:** {} ({}; {})",
            md(&r.base.file),
            window(&r.base.window),
            filters(&r.base)
        );
        let _ = writeln!(
            o,
            "- **Current:** {} ({}; {})",
            md(&r.current.file),
            window(&r.current.window),
            filters(&r.current)
        );
        if let Some(s) = &r.stale {
            let age = s.age_ms.map_or("has no timed event".to_string(), |a| {
                format!("ended {:.1} h before {}", a as f64 / 3.6e6, s.now)
            });
            let _ = writeln!(
                o,
                "- **Stale:** the current window {age}; the maximum age is {}",
                md(&s.max_age)
            );
        }
        let t = &r.thresholds;
        let _ = writeln!(
            o,
            "- **Thresholds:** rates warn {} pp / fail {} pp, percentiles warn {}% / fail {}%, p < {} (warn) / {} (fail) after Holm over {} tests; at least {} runs / {} samples a side; total, backend and origin slices warn only\n",
            t.rate.warn,
            t.rate.fail,
            t.percentile.warn,
            t.percentile.fail,
            t.alpha_warn,
            t.alpha_fail,
            r.rows.iter().filter(|x| x.p_adjusted.is_some()).count(),
            t.min_runs,
            t.min_samples
        );
        let pick =
            |f: &dyn Fn(&Row) -> bool| -> Vec<&Row> { r.rows.iter().filter(|x| f(x)).collect() };
        let fails = pick(&|x| x.verdict == Verdict::Drift && x.level == Some(Level::Fail));
        let warns = pick(&|x| x.verdict == Verdict::Drift && x.level != Some(Level::Fail));
        let changes = pick(&|x| matches!(x.verdict, Verdict::New | Verdict::Gone));
        let few = pick(&|x| x.verdict == Verdict::TooFew);
        let untestable = pick(&|x| x.verdict == Verdict::Untestable);
        let ok = pick(&|x| x.verdict == Verdict::Ok);
        for (title, rows) in [
            ("Regressions (fail)", &fails),
            ("Warnings", &warns),
            ("New and gone slices", &changes),
            (
                "Untestable (a histogram is missing or unusable)",
                &untestable,
            ),
        ] {
            if !rows.is_empty() {
                let _ = writeln!(o, "## {title}\n");
                table(&mut o, rows);
            }
        }
        o.push_str(&drift_chart::section(&[&fails[..], &warns[..]].concat()));
        for (title, rows) in [("Too few to compare", &few), ("Within thresholds", &ok)] {
            if !rows.is_empty() {
                let _ = writeln!(o, "<details><summary>{title} ({})</summary>\n", rows.len());
                table(&mut o, rows);
                let _ = writeln!(o, "</details>\n");
            }
        }
        while o.ends_with("\n\n") {
            o.pop();
        }
        o.into_bytes()
    }
}

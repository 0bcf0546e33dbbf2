//! The drift report's charts (render/drift_chart.rs) over the real binary:
//! a planted regression gets a base-vs-current bar pair per failing or
//! warning metric, the section is snapshotted as reviewed, and a report with
//! nothing failing or warning has no chart.

use crate::common;

use std::fs;
use std::path::Path;

use common::auditsum;

/// A log of 120 runs per channel, one per minute from a fixed start: every
/// 3rd run of a channel in `erring` errors (else every 25th); runs take
/// 1000 ms plus a spread, 1400 ms in a channel in `slow`.
fn write_log(path: &Path, channels: &[&str], erring: &[&str], slow: &[&str]) {
    let mut o = String::new();
    let runs = 120u64;
    for (i, ch) in channels.iter().enumerate() {
        let name = serde_json::to_string(ch).unwrap();
        let every = if erring.contains(ch) { 3 } else { 25 };
        let dur_ms = if slow.contains(ch) { 1400 } else { 1000 };
        for k in 0..runs {
            let start = 1_772_000_000_000u64 + (k * channels.len() as u64 + i as u64) * 60_000;
            let id = format!("r{i}-{k}");
            let end = if k % every == 0 { "error" } else { "complete" };
            let dur = dur_ms + (k * 37) % 200;
            o += &format!(
                "{{\"ts\":{start},\"type\":\"run.state\",\"state\":\"start\",\"run_id\":\"{id}\",\"channel\":{name}}}\n\
                 {{\"ts\":{},\"type\":\"run.state\",\"state\":\"{end}\",\"run_id\":\"{id}\"}}\n",
                start + dur
            );
        }
    }
    fs::write(path, o).unwrap();
}

fn summarize(dir: &Path, name: &str) {
    let out = auditsum()
        .current_dir(dir)
        .args(["summarize", &format!("{name}.jsonl"), "-q", "--out", name])
        .output()
        .unwrap();
    common::assert_success(&out);
}

/// `diff base current --out drift`, in `dir`; the Markdown report.
fn drift_md(dir: &Path) -> String {
    auditsum()
        .current_dir(dir)
        .args(["diff", "base.json", "current.json", "-q", "--out", "drift"])
        .output()
        .unwrap();
    fs::read_to_string(dir.join("drift.md")).unwrap()
}

#[test]
fn a_regression_gets_bar_pairs_in_the_drift_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let channels = ["slack", "web", "a\"]; bar [1\n```"];
    write_log(&d.join("base.jsonl"), &channels, &[], &[]);
    // slack errs 1 in 3; the hostile channel takes 40% longer
    write_log(
        &d.join("current.jsonl"),
        &channels,
        &["slack"],
        &[channels[2]],
    );
    summarize(d, "base");
    summarize(d, "current");
    let md = drift_md(d);
    let start = md.find("## Base vs current").expect("a chart section");
    let end = start + md[start..].find("<details>").unwrap_or(md.len() - start);
    let section = &md[start..end];
    insta::assert_snapshot!("drift_chart_section", section);
    // one chart per fail or warn row
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("drift.json")).unwrap()).unwrap();
    let drifts = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] == "drift")
        .count();
    assert!(drifts >= 3, "{drifts}");
    assert_eq!(
        section.matches("```mermaid").count(),
        drifts.min(auditsum::render::drift_chart::MAX_CHARTS)
    );
    // the hostile name cannot end a string, a line or the fence
    for line in section.lines().filter(|l| l.contains("title")) {
        assert_eq!(line.matches('"').count(), 2, "{line}");
    }
    assert_eq!(
        section.matches("```").count(),
        2 * drifts.min(auditsum::render::drift_chart::MAX_CHARTS)
    );
    // deterministic: the same inputs give the same report
    assert_eq!(drift_md(d), md);
}

#[test]
fn nothing_failing_or_warning_draws_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_log(&d.join("base.jsonl"), &["slack", "web"], &[], &[]);
    write_log(&d.join("current.jsonl"), &["slack", "web"], &[], &[]);
    summarize(d, "base");
    summarize(d, "current");
    let md = drift_md(d);
    assert!(md.starts_with("# Drift report\n\nOK"), "{md}");
    assert!(!md.contains("```mermaid"), "{md}");
    assert!(!md.contains("Base vs current"), "{md}");
}

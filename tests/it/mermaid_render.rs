//! Every Mermaid chart of the artifacts parses and renders in the real
//! renderer (`@mermaid-js/mermaid-cli` under Debian's chromium, driven by
//! tests/mermaid/render.sh): the artifacts of the fixtures and of a corpus
//! of hostile channel names, and the drift reports of that corpus. Needs `apt-get install chromium` and
//! `(cd tests/mermaid && PUPPETEER_SKIP_DOWNLOAD=1 npm ci)`; `.ci/run` does
//! both and runs this test with `--ignored`.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;

use common::{auditsum, root};

/// Channel names chosen to break a diagram or the Markdown around it.
const HOSTILE: &[&str] = &[
    "a\"b",
    "line\nbreak",
    "```",
    "%%{init: {\"theme\": \"dark\"}}%%",
    "]; bar [1, 2",
    "x-axis [\"evil\"]",
    "pie title owned",
    "\u{202e}reversed",
    "<script>alert(1)</script>",
    "a|b:c;d#e",
    "tab\there",
    "中文频道",
    "unknown",
    "0123456789012345678901234567890123456789012345678901234567890123456789",
];

fn write_hostile(dir: &Path) {
    let mut lines = String::new();
    for (i, ch) in HOSTILE.iter().enumerate() {
        for k in 0..6u64 {
            let start = 1_772_000_000_000u64 + (k * 3 + i as u64 % 3) * 3_600_000;
            let id = format!("r{i}-{k}");
            let ch = serde_json::to_string(ch).unwrap();
            let end = ["complete", "error", "cancelled"][(k % 3) as usize];
            lines += &format!(
                "{{\"ts\":{start},\"type\":\"run.state\",\"state\":\"start\",\"run_id\":\"{id}\",\"channel\":{ch}}}\n"
            );
            lines += &format!(
                "{{\"ts\":{},\"type\":\"run.state\",\"state\":\"{end}\",\"run_id\":\"{id}\"}}\n",
                start + 500 + k * 40
            );
            lines += &format!(
                "{{\"ts\":{},\"type\":\"run.cancel\",\"run_id\":\"{id}\",\"source\":{ch},\"latency_ms\":{}}}\n",
                start + 100,
                50 + k * 30 + i as u64
            );
        }
    }
    fs::write(dir.join("hostile.jsonl"), lines).unwrap();
}

/// A base and a current log of `names` (80 runs each, one a minute): in
/// the current one every channel errs 1 run in 2 instead of 1 in 20, so each
/// gets failing completion and error rates (and the aggregates warnings).
fn write_drift_pair(dir: &Path, names: &[&str]) {
    for (file, every) in [("base.jsonl", 20u64), ("current.jsonl", 2)] {
        let mut lines = String::new();
        for (i, ch) in names.iter().enumerate() {
            let ch = serde_json::to_string(ch).unwrap();
            for k in 0..80u64 {
                let start = 1_772_000_000_000u64 + (k * names.len() as u64 + i as u64) * 60_000;
                let id = format!("r{i}-{k}");
                let end = if k % every == 0 { "error" } else { "complete" };
                lines += &format!(
                    "{{\"ts\":{start},\"type\":\"run.state\",\"state\":\"start\",\"run_id\":\"{id}\",\"channel\":{ch}}}\n\
                     {{\"ts\":{},\"type\":\"run.state\",\"state\":\"{end}\",\"run_id\":\"{id}\"}}\n",
                    start + 900 + k % 7 * 50
                );
            }
        }
        fs::write(dir.join(file), lines).unwrap();
    }
}

/// The drift report (Markdown) of a hostile pair, written in `dir`.
fn drift_md(dir: &Path, names: &[&str]) -> String {
    write_drift_pair(dir, names);
    for side in ["base", "current"] {
        let ok = auditsum()
            .current_dir(dir)
            .args(["summarize", &format!("{side}.jsonl"), "-q", "--out", side])
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "{names:?}");
    }
    let out = auditsum()
        .current_dir(dir)
        .args(["diff", "base.json", "current.json", "-q", "--out", "drift"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{names:?}: a failing drift");
    fs::read_to_string(dir.join("drift.md")).unwrap()
}

/// The ```mermaid blocks of a Markdown text.
fn blocks(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in md.lines() {
        match (&mut cur, line) {
            (None, "```mermaid") => cur = Some(String::new()),
            (Some(b), "```") => {
                out.push(std::mem::take(b));
                cur = None;
            }
            (Some(b), l) => {
                b.push_str(l);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(cur.is_none(), "an unclosed mermaid block");
    out
}

fn summarize_md(out: &Path, args: &[&str]) -> String {
    let status = auditsum()
        .arg("summarize")
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("-q")
        .output()
        .unwrap()
        .status;
    assert!(status.success(), "{args:?}");
    fs::read_to_string(out.with_extension("md")).unwrap()
}

#[test]
#[ignore = "needs chromium and tests/mermaid/node_modules; .ci/run runs it"]
fn every_chart_renders_in_a_real_mermaid_renderer() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    write_hostile(&logs);
    let logs = logs.to_str().unwrap().to_string();

    let cases: Vec<(Vec<&str>, usize)> = vec![
        (vec!["fixtures/messy-small", "--bucket", "6h"], 3 + 6),
        (vec!["fixtures/messy-small", "--bucket", "1d"], 3 + 6),
        (vec!["fixtures/spellings", "--bucket", "1m"], 1),
        (vec![&logs, "--bucket", "1h"], 3 + 6),
        (vec![&logs, "--bucket", "auto"], 3 + 6),
    ];
    let mut all = String::new();
    let mut count = 0;
    for (i, (args, at_least)) in cases.iter().enumerate() {
        let md = summarize_md(&dir.path().join(format!("a{i}")), args);
        let found = blocks(&md);
        assert!(
            found.len() >= *at_least,
            "{args:?}: {} charts, expected at least {at_least}",
            found.len()
        );
        for b in found {
            // escaped: no text of a hostile name survives that could end a
            // string or a line
            for h in HOSTILE {
                if h.len() > 3 && !h.chars().all(|c| c.is_alphanumeric()) {
                    assert!(!b.contains(h), "{args:?}: {h:?} is raw in\n{b}");
                }
            }
            all += &format!("```mermaid\n{b}```\n\n");
            count += 1;
        }
    }
    // the drift report's bar pairs, five hostile channels at a time (two
    // failing rates each, within drift_chart::MAX_CHARTS)
    for (i, names) in HOSTILE.chunks(5).enumerate() {
        let d = dir.path().join(format!("drift{i}"));
        fs::create_dir(&d).unwrap();
        let found = blocks(&drift_md(&d, names));
        let per_channel = found
            .iter()
            .filter(|b| b.contains("runs by channel"))
            .count();
        assert_eq!(per_channel, 2 * names.len(), "{names:?}");
        for b in found {
            // a name the label filter changes must not survive raw
            for h in names {
                if h.len() > 3 && auditsum::render::chart::label(h) != *h {
                    assert!(!b.contains(h), "drift {names:?}: {h:?} is raw in\n{b}");
                }
            }
            all += &format!("```mermaid\n{b}```\n\n");
            count += 1;
        }
    }
    let input = dir.path().join("charts.md");
    fs::write(&input, &all).unwrap();
    let out = StdCommand::new(root().join("tests/mermaid/render.sh"))
        .arg(&input)
        .arg(dir.path().join("chart.svg"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the renderer refused a chart:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        all
    );
    for n in 1..=count {
        let svg = dir.path().join(format!("chart-{n}.svg"));
        let text = fs::read_to_string(&svg).unwrap_or_else(|_| panic!("{} missing", svg.display()));
        assert!(text.contains("<svg"), "chart {n} is not an SVG");
    }
}

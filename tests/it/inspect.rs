//! `auditsum inspect`: snapshots of what it shows on the fixtures, and the
//! promises around it (counts agree with summarize, ids hidden under
//! --anonymize, hostile keys escaped, sampling said out loud).

use crate::common;

use std::fs;

use common::{auditsum, summarize_json};
use predicates::prelude::*;
use serde_json::Value;

fn inspect(args: &[&str]) -> String {
    let out = auditsum().arg("inspect").args(args).output().unwrap();
    common::assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

fn inspect_json(args: &[&str]) -> Value {
    serde_json::from_str(&inspect(&[args, &["--json"]].concat())).unwrap()
}

#[test]
fn openclaw_sample() {
    insta::assert_snapshot!("openclaw_small", inspect(&["fixtures/openclaw-small"]));
}

#[test]
fn default_sample() {
    insta::assert_snapshot!("messy_small", inspect(&["fixtures/messy-small"]));
}

#[test]
fn mapped_sample_through_its_mapping() {
    insta::assert_snapshot!(
        "mapped_gw",
        inspect(&[
            "fixtures/mapped-gw",
            "--dialect",
            "fixtures/mapped-gw/gw.toml"
        ])
    );
}

/// inspect's counts per event type are summarize's `event_types`, and its
/// line total is summarize's events plus malformed lines.
#[test]
fn counts_agree_with_summarize() {
    for (dir, extra) in [
        ("fixtures/openclaw-small", &[][..]),
        ("fixtures/messy-small", &[][..]),
        (
            "fixtures/mapped-gw",
            &["--dialect", "fixtures/mapped-gw/gw.toml"][..],
        ),
    ] {
        let args = [&[dir][..], extra].concat();
        let r = inspect_json(&[&args[..], &["--max-lines", "0"]].concat());
        let s = summarize_json(&args);
        let mut types = serde_json::Map::new();
        for d in r["dialects"].as_array().unwrap() {
            for t in d["types"].as_array().unwrap() {
                let name = t["event_type"].as_str().unwrap();
                if name != "(no event type)" {
                    types.insert(name.to_string(), t["count"].clone());
                }
            }
        }
        assert_eq!(Value::Object(types), s["event_types"], "{dir}");
        let malformed: u64 = r["malformed"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        let no_type: u64 = r["dialects"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["types"].as_array().unwrap())
            .filter(|t| t["event_type"] == "(no event type)")
            .map(|t| t["count"].as_u64().unwrap())
            .sum();
        assert_eq!(
            malformed + no_type,
            s["inputs"]["malformed_lines"].as_u64().unwrap(),
            "{dir}"
        );
        assert_eq!(
            r["lines"].as_u64().unwrap(),
            s["inputs"]["events"].as_u64().unwrap() + malformed + no_type,
            "{dir}"
        );
    }
}

#[test]
fn anonymize_hides_ids_and_file_names() {
    let text = inspect(&["fixtures/openclaw-small", "--anonymize"]);
    assert!(!text.contains("fixtures/openclaw-small"), "{text}");
    assert!(text.contains("file 1.jsonl.gz"), "{text}");
    // run ids, session keys, tool call ids: never an example
    for leak in ["main-19cdb75772f", "agent:main:whatsapp", "call_", "+1555"] {
        assert!(!text.contains(leak), "{leak} shown:\n{text}");
    }
    assert!(text.contains("(hidden: --anonymize)"));
    // channels and outcomes are not ids
    assert!(text.contains("\"telegram\""));
    assert!(text.contains("\"aborted\""));
}

#[test]
fn sampling_is_said_out_loud() {
    let text = inspect(&["fixtures/messy-small", "--max-lines", "100"]);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("stopped after 100 lines (--max-lines; 0 reads everything)"),
        "{text}"
    );
    let r = inspect_json(&["fixtures/messy-small", "--max-lines", "100"]);
    assert_eq!(r["lines"], 100);
    assert_eq!(r["stopped_at"], 100);
}

#[test]
fn hostile_keys_and_values_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("evil.jsonl");
    fs::write(
        &log,
        "{\"type\":\"run.state\",\"state\":\"start\",\"run_id\":\"r\",\"\\u001b[31mkey\":\"\\u0007bell\\u202e\",\"x\":{\"\\u2028y\":1}}\n",
    )
    .unwrap();
    let out = auditsum().arg("inspect").arg(&log).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(
        !text.contains('\u{202e}') && !text.contains('\u{2028}'),
        "{text:?}"
    );
    assert!(text.contains("\\u{1b}[31mkey"), "{text}");
    assert!(text.contains("x.\\u{2028}y"), "{text}");
}

#[test]
fn deep_and_wide_objects_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("wide.jsonl");
    let mut body = String::new();
    // 300 distinct keys in one type, and nesting 40 deep
    for i in 0..300 {
        body.push_str(&format!("{{\"type\":\"t\",\"k{i}\":1}}\n"));
    }
    let deep = format!(
        "{{\"type\":\"t\",\"d\":{}1{}}}\n",
        "{\"a\":".repeat(40),
        "}".repeat(40)
    );
    body.push_str(&deep);
    fs::write(&log, body).unwrap();
    let r: Value = serde_json::from_slice(
        &auditsum()
            .arg("inspect")
            .arg(&log)
            .arg("--json")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let t = &r["dialects"][0]["types"][0];
    assert_eq!(t["keys"].as_array().unwrap().len(), 100);
    assert!(t["more_keys"].as_u64().unwrap() > 200);
    let deepest = t["keys"]
        .as_array()
        .unwrap()
        .iter()
        .chain([].iter())
        .map(|k| k["path"].as_str().unwrap().split('.').count())
        .max()
        .unwrap();
    assert!(deepest <= 16, "{deepest}");
}

#[test]
fn nothing_to_inspect_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("notes.txt"), "hello\n").unwrap();
    auditsum()
        .arg("inspect")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no log files found")
                .and(predicate::str::contains("1 file skipped")),
        );
}

#[test]
fn reads_standard_input() {
    auditsum()
        .args(["inspect", "-", "--dialect", "openclaw"])
        .write_stdin("{\"type\":\"run.started\",\"runId\":\"r\",\"ts\":1773208800000}\n")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("run.started  1 event  -> run.start")
                .and(predicate::str::contains("integer (epoch-ms)")),
        );
}

/// A mapping's typo shows: the field whose key paths no event carries is
/// named with its paths.
#[test]
fn a_mapping_typo_is_pointed_out() {
    let dir = tempfile::tempdir().unwrap();
    let good = fs::read_to_string(common::root().join("fixtures/mapped-gw/gw.toml")).unwrap();
    let bad = good.replace("backend = \"data.backend\"", "backend = \"data.backnd\"");
    assert_ne!(good, bad, "the fixture maps backend to data.backend");
    let toml = dir.path().join("typo.toml");
    fs::write(&toml, bad).unwrap();
    let text = inspect(&["fixtures/mapped-gw", "--dialect", toml.to_str().unwrap()]);
    assert!(
        text.contains("fields of dialect gw that no event carried: backend (data.backnd)"),
        "{text}"
    );
    let good = inspect(&[
        "fixtures/mapped-gw",
        "--dialect",
        "fixtures/mapped-gw/gw.toml",
    ]);
    assert!(!good.contains("backend (data.backend)"), "{good}");
}

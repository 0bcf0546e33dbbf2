//! Dialects: built-in and mapped logs against independently computed figures;
//! the default dialect's artifacts byte-identical to those of the seed.

use crate::common;

use std::fs;

use common::{assert_no_diffs, auditsum, compare, read_json, root, summarize_json};
use predicates::prelude::*;

#[test]
fn openclaw_sample_matches_its_independent_figures() {
    let expected = read_json(&root().join("fixtures/openclaw-small.expected.json"));
    // asked for, detected per file, and split into byte ranges (detected from the head)
    for args in [
        &["fixtures/openclaw-small", "--dialect", "openclaw"][..],
        &["fixtures/openclaw-small"][..],
        &["fixtures/openclaw-small", "--chunk-bytes", "65536"][..],
        &[
            "fixtures/openclaw-small",
            "--dialect",
            "openclaw",
            "--chunk-bytes",
            "4096",
        ][..],
    ] {
        let actual = summarize_json(args);
        assert_no_diffs(compare(&expected, &actual));
        assert_eq!(
            actual["inputs"]["dialects"],
            serde_json::json!({"openclaw": 3}),
            "{args:?}"
        );
    }
}

#[test]
fn auto_says_what_it_chose_with_verbose() {
    auditsum()
        .args([
            "summarize",
            "fixtures/openclaw-small",
            "fixtures/spellings/audit.jsonl",
            "-v",
        ])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("diagnostics-2026-03-11-0809.jsonl: openclaw (auto:")
                .and(predicate::str::contains("audit.jsonl: default (auto:")),
        );
}

/// The default dialect (asked for or detected) writes exactly the artifacts
/// the seed wrote (fixtures/golden/ was written by the binary before dialects).
#[test]
fn default_dialect_artifacts_are_byte_identical_to_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    for fixture in ["messy-small", "spellings"] {
        for dialect in ["auto", "default"] {
            let prefix = dir.path().join(format!("{fixture}-{dialect}"));
            auditsum()
                .args([
                    "summarize",
                    &format!("fixtures/{fixture}"),
                    "-q",
                    "--dialect",
                    dialect,
                ])
                .arg("--out")
                .arg(&prefix)
                .assert()
                .code(predicate::in_iter([0, 1]));
            for ext in ["json", "md"] {
                let got = fs::read_to_string(prefix.with_extension(ext)).unwrap();
                let want =
                    fs::read_to_string(root().join(format!("fixtures/golden/{fixture}.{ext}")))
                        .unwrap();
                assert!(
                    seed_view(&got) == seed_view(&want),
                    "{fixture} --dialect {dialect}: {ext} differs from the seed's"
                );
            }
        }
    }
}

/// An artifact as the seed wrote it: without `inputs.invalid_values` (added
/// on purpose by the out-of-range rule; the fixtures have negative
/// latencies) and the Markdown's pair trailer (which names the JSON's hash).
fn seed_view(text: &str) -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with("    \"invalid_values\": {") {
            skipping = !line.ends_with("},");
            continue;
        }
        if skipping {
            skipping = line != "    },";
            continue;
        }
        if line.starts_with("<!-- auditsum pair: ") {
            continue;
        }
        out.push(line);
    }
    out.join("\n")
}

#[test]
fn mapped_gateway_matches_its_independent_figures() {
    let expected = read_json(&root().join("fixtures/mapped-gw.expected.json"));
    for chunk in ["8388608", "2048"] {
        let actual = summarize_json(&[
            "fixtures/mapped-gw",
            "--dialect",
            "fixtures/mapped-gw/gw.toml",
            "--chunk-bytes",
            chunk,
        ]);
        assert_no_diffs(compare(&expected, &actual));
    }
}

#[test]
fn out_of_range_values_are_counted_by_reason_never_silent() {
    let a = summarize_json(&["fixtures/edge-numbers.jsonl"]);
    assert_eq!(
        a["inputs"]["invalid_values"],
        serde_json::json!({
            "candidate_count": {"negative": 1},
            "latency_ms": {"negative": 1, "not_a_number": 1, "too_large": 2}
        })
    );
    let lat = &a["cancels"]["total"]["latency_ms"];
    assert_eq!(lat["count"], 2);
    assert_eq!(lat["min"], 5);
    assert_eq!(lat["max"], 100_000_000_000_000u64);
    assert_eq!(a["cancels"]["total"]["count"], 6);
}

/// The built-in default, written as a mapping file and run through the
/// generic mapped parser, gives the same figures as the fast parser.
#[test]
fn default_written_as_a_mapping_file_agrees_with_the_built_in() {
    let out = auditsum()
        .args(["dialect", "show", "default"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout)
        .unwrap()
        .replace("name = \"default\"", "name = \"default-copy\"");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.toml");
    fs::write(&path, text).unwrap();
    for fixture in ["fixtures/messy-small", "fixtures/spellings"] {
        let mut mapped = summarize_json(&[fixture, "--dialect", path.to_str().unwrap()]);
        let builtin = summarize_json(&[fixture]);
        let files = mapped["inputs"]["files"].clone();
        let dialects = mapped["inputs"]
            .as_object_mut()
            .unwrap()
            .remove("dialects")
            .unwrap();
        assert_eq!(dialects, serde_json::json!({"default-copy": files}));
        assert_eq!(mapped, builtin, "{fixture}");
    }
}

#[test]
fn dialect_show_list_and_check() {
    auditsum()
        .args(["dialect", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("default").and(predicate::str::contains("openclaw")));
    let out = auditsum()
        .args(["dialect", "show", "openclaw"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("type = \"run.completed\""), "{text}");
    // a built-in's name is refused for a mapping file (names identify mappings)
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oc.toml");
    fs::write(&path, &text).unwrap();
    auditsum()
        .args(["dialect", "check"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "oc.toml:8: name \"openclaw\" is a built-in",
        ));
    fs::write(&path, text.replace("name = \"openclaw\"", "name = \"oc2\"")).unwrap();
    auditsum()
        .args(["dialect", "check"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("dialect \"oc2\""));
}

#[test]
fn bad_mapping_files_are_usage_errors_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    fs::write(
        &path,
        "name = \"gw\"\n[fields]\ntype = \"action\"\nsesion = \"s\"\n",
    )
    .unwrap();
    let out = auditsum()
        .args(["summarize", "fixtures/spellings", "--dialect"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.toml:4: unknown field `sesion`"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    auditsum()
        .args(["summarize", "fixtures/spellings", "--dialect", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--dialect nope: not auto, default, openclaw",
        ));
}

//! `auditsum diff` over the real binary: stationary windows pass, a planted
//! regression fails naming its slice and metric, bad artifacts exit 2.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};

use common::{auditsum, root};
use predicates::prelude::*;

fn generate(dir: &Path, name: &str, seed: u32, extra: &[&str]) -> std::path::PathBuf {
    let corpus = dir.join(name);
    let status = StdCommand::new("python3")
        .arg(root().join("scripts/gen_corpus.py"))
        .args(["--messy", "--runs", "5000", "--seed", &seed.to_string()])
        .args(extra)
        .arg(&corpus)
        .stderr(Stdio::null())
        .status()
        .expect("python3 runs scripts/gen_corpus.py");
    assert!(status.success());
    let prefix = dir.join(format!("{name}-base"));
    auditsum()
        .arg("summarize")
        .arg(&corpus)
        .args(["-q", "--out"])
        .arg(&prefix)
        .assert()
        .success();
    prefix.with_extension("json")
}

#[test]
fn stationary_windows_pass_and_a_planted_regression_fails() {
    let dir = tempfile::tempdir().unwrap();
    let a = generate(dir.path(), "a", 21, &[]);
    let b = generate(dir.path(), "b", 22, &[]);
    let bad = generate(dir.path(), "bad", 23, &["--error-boost", "telegram:2"]);

    auditsum()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .stdout(predicate::str::contains("OK: 0 failing"));

    let out = auditsum()
        .arg("diff")
        .arg(&a)
        .arg(&bad)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &report["rows"][0];
    assert_eq!(first["verdict"], "drift");
    assert_eq!(first["level"], "fail");
    assert_eq!(
        (first["slice"].as_str(), first["key"].as_str()),
        (Some("channel"), Some("telegram"))
    );
    assert_eq!(first["metric"], "error_rate");
    assert!(first["p_adjusted"].as_f64().unwrap() < 0.01);
    assert!(report["failed"].as_bool().unwrap());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("telegram") && stderr.contains("error_rate"),
        "{stderr}"
    );

    // the same regression passes when the user raises that threshold
    auditsum()
        .arg("diff")
        .arg(&a)
        .arg(&bad)
        .args(["--threshold", "error_rate=20:40"])
        .assert()
        .success();

    // --out writes both reports; Markdown puts the regression first
    let prefix = dir.path().join("drift");
    auditsum()
        .arg("diff")
        .arg(&a)
        .arg(&bad)
        .arg("-q")
        .arg("--out")
        .arg(&prefix)
        .assert()
        .code(1)
        .stdout("");
    let md = fs::read_to_string(dir.path().join("drift.md")).unwrap();
    let first_table_row = md
        .lines()
        .find(|l| {
            l.starts_with("| runs") || l.starts_with("| cancels") || l.starts_with("| reactions")
        })
        .unwrap();
    assert!(
        first_table_row.contains("telegram") && first_table_row.contains("**fail**"),
        "{md}"
    );
    assert!(dir.path().join("drift.json").exists());
}

#[test]
fn the_two_halves_of_a_stationary_corpus_do_not_drift() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c");
    let status = StdCommand::new("python3")
        .arg(root().join("scripts/gen_corpus.py"))
        .args(["--messy", "--runs", "8000", "--seed", "41"])
        .arg(&corpus)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let whole = common::summarize_json(&[corpus.to_str().unwrap()]);
    let t =
        |k: &str| auditsum::time::parse_rfc3339_ms(whole["window"][k].as_str().unwrap()).unwrap();
    let mid = auditsum::time::format_ms((t("first_ts") + t("last_ts")) / 2);
    let half = |name: &str, bound: &str| {
        let prefix = dir.path().join(name);
        auditsum()
            .arg("summarize")
            .arg(&corpus)
            .args(["-q", bound, &mid, "--out"])
            .arg(&prefix)
            .assert()
            .success();
        prefix.with_extension("json")
    };
    let (first, second) = (half("first", "--until"), half("second", "--since"));
    let out = auditsum()
        .arg("diff")
        .arg(&first)
        .arg(&second)
        .arg("--json")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        serde_json::to_string_pretty(&v["rows"][0]).unwrap()
    );
    assert_eq!(v["counts"]["fail"], 0);
    assert!(v["counts"]["ok"].as_u64().unwrap() > 50);
}

#[test]
fn a_baseline_against_itself_is_all_ok() {
    let out = auditsum()
        .args(["summarize", "fixtures/messy-small", "--json", "-q"])
        .output()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.json");
    fs::write(&p, &out.stdout).unwrap();
    let rep = auditsum()
        .arg("diff")
        .arg(&p)
        .arg(&p)
        .arg("--json")
        .output()
        .unwrap();
    assert!(rep.status.success());
    let v: serde_json::Value = serde_json::from_slice(&rep.stdout).unwrap();
    assert_eq!(v["counts"]["fail"], 0);
    assert_eq!(v["counts"]["warn"], 0);
    assert!(v["counts"]["ok"].as_u64().unwrap() > 10);
    assert!(v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["verdict"] == "ok" || r["verdict"] == "too-few"));
}

#[test]
fn new_gone_and_stale() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let slack = dir.path().join("slack");
    auditsum()
        .args(["summarize", "fixtures/messy-small", "-q", "--out"])
        .arg(&whole)
        .assert()
        .success();
    auditsum()
        .args([
            "summarize",
            "fixtures/messy-small",
            "-q",
            "--where",
            "channel=slack",
            "--out",
        ])
        .arg(&slack)
        .assert()
        .success();
    let rep = auditsum()
        .arg("diff")
        .arg(whole.with_extension("json"))
        .arg(slack.with_extension("json"))
        .arg("--json")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&rep.stdout).unwrap();
    assert!(
        v["counts"]["gone"].as_u64().unwrap() >= 5,
        "other channels are gone"
    );

    // the sample's last event is 2026-02-27T23:56:29.904Z
    let stale = |max_age: &str| {
        auditsum()
            .arg("diff")
            .arg(whole.with_extension("json"))
            .arg(whole.with_extension("json"))
            .args(["--max-age", max_age, "--now", "2026-03-01T00:00:00Z"])
            .assert()
    };
    stale("2d").success();
    stale("1d")
        .code(1)
        .stderr(predicate::str::contains("stale"));
}

#[test]
fn unreadable_or_foreign_artifacts_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    let out = auditsum()
        .args(["summarize", "fixtures/spellings", "--json", "-q"])
        .output()
        .unwrap();
    fs::write(&good, &out.stdout).unwrap();
    let mut future: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    future["schema_version"] = 2.into();
    let cases = [
        ("missing.json", None, "cannot read"),
        ("broken.json", Some("{not json".to_string()), "not JSON"),
        (
            "other.json",
            Some("{\"hello\":1}".to_string()),
            "no schema_version",
        ),
        ("future.json", Some(future.to_string()), "schema_version 2"),
        (
            "partial.json",
            Some("{\"schema_version\":1}".to_string()),
            "malformed baseline",
        ),
    ];
    for (name, content, msg) in cases {
        let p = dir.path().join(name);
        if let Some(c) = content {
            fs::write(&p, c).unwrap();
        }
        auditsum()
            .arg("diff")
            .arg(&good)
            .arg(&p)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(name).and(predicate::str::contains(msg)));
    }
    let toml = dir.path().join("t.toml");
    fs::write(&toml, "[metrics.error_rat]\nwarn = 1\nfail = 2\n").unwrap();
    auditsum()
        .arg("diff")
        .arg(&good)
        .arg(&good)
        .arg("--thresholds")
        .arg(&toml)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("t.toml").and(predicate::str::contains("unknown metric")));
    auditsum()
        .arg("diff")
        .arg(&good)
        .arg(&good)
        .args(["--threshold", "error_rate=x"])
        .assert()
        .code(2);
}

#[test]
fn refresh_and_drift_check_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("auditsum");
    let sh = |args: &[&str]| {
        StdCommand::new("bash")
            .current_dir(root())
            .env("AUDITSUM", &bin)
            .env_remove("AUDITSUM_SALT")
            .args(args)
            .output()
            .unwrap()
    };
    let d = |p: &str| dir.path().join(p).to_str().unwrap().to_string();
    let base = sh(&[
        "scripts/refresh-baselines.sh",
        "fixtures/messy-small",
        &d("base"),
        "2026-02-25",
        "2026-02-26",
    ]);
    assert!(
        base.status.success(),
        "{}",
        String::from_utf8_lossy(&base.stderr)
    );
    for w in ["all", "channel", "gateway", "backend-pi", "backend-native"] {
        assert!(dir.path().join(format!("base/{w}.json")).exists(), "{w}");
        assert!(dir.path().join(format!("base/{w}.md")).exists(), "{w}");
    }
    let cur = sh(&[
        "scripts/refresh-baselines.sh",
        "fixtures/messy-small",
        &d("cur"),
        "2026-02-26",
        "2026-02-27",
    ]);
    assert!(cur.status.success());
    let check = sh(&[
        "scripts/drift-check.sh",
        &d("base"),
        &d("cur"),
        &d("reports"),
    ]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    assert!(dir.path().join("reports/gateway-drift.md").exists());
    // freshness: the current windows ended long before today
    let stale = sh(&[
        "scripts/drift-check.sh",
        &d("base"),
        &d("cur"),
        &d("reports"),
        "--max-age",
        "1d",
    ]);
    assert_eq!(stale.status.code(), Some(1));
}

//! `auditsum diff` over the real binary: stationary windows pass, a planted
//! regression fails naming its slice and metric, bad artifacts exit 2.

use crate::common;

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
        // the sides differ in filters (issue 16): refused unless forced
        .arg("--force")
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
        diff_refused(&good, &p)
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
    common::assert_success(&base);
    for w in ["all", "channel", "gateway", "backend-pi", "backend-native"] {
        assert!(dir.path().join(format!("base/{w}.json")).exists(), "{w}");
        assert!(dir.path().join(format!("base/{w}.md")).exists(), "{w}");
    }
    // a daily series everywhere; the gateway window chosen by its cancels,
    // never past UNTIL
    let json = |w: &str| -> serde_json::Value {
        serde_json::from_slice(&fs::read(dir.path().join(format!("base/{w}.json"))).unwrap())
            .unwrap()
    };
    for w in ["all", "gateway", "backend-pi"] {
        assert_eq!(json(w)["series"]["bucket"], "1d", "{w}");
    }
    let gw = json("gateway");
    assert_eq!(gw["filters"]["auto_window"], "cancels=200");
    let until = gw["filters"]["until"].as_str().expect("an until");
    assert!(until <= "2026-02-26T00:00:00.000Z", "{until}");
    assert!(gw["cancels"]["total"]["count"].as_u64().unwrap() > 0);
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
    // labelled as what it is (issue 16), not `DRIFT`
    let said = String::from_utf8_lossy(&stale.stdout);
    assert!(said.contains("STALE  all"), "{said}");
    assert!(!said.contains("DRIFT"), "{said}");
}

/// The messy-small artifact, as JSON, written to `dir/name`.
/// `diff A B`, which must refuse (exit 2).
fn diff_refused(a: &Path, b: &Path) -> assert_cmd::assert::Assert {
    auditsum().arg("diff").arg(a).arg(b).assert().code(2)
}

fn artifact(dir: &Path, name: &str, v: &serde_json::Value) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
    p
}

fn messy() -> serde_json::Value {
    common::summarize_json(&["fixtures/messy-small"])
}

/// Issue 15 #2 and #6: crafted `hdr` strings and counts near u64::MAX are
/// exit 2 naming the field, fast and without a large allocation.
#[test]
fn crafted_histograms_and_counts_exit_2_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let good_v = messy();
    let good = artifact(dir.path(), "good.json", &good_v);
    let channel = good_v["runs"]["by_channel"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, s)| s["duration_ms"]["hdr"].is_string())
        .map(|(k, _)| k.clone())
        .unwrap();
    // a V2 header declaring a 0xFFFFFFFF payload, then a few bytes
    use base64::Engine;
    let mut bomb = vec![0x1c, 0x84, 0x93, 0x13, 0xff, 0xff, 0xff, 0xff];
    bomb.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 3]);
    bomb.extend_from_slice(&1u64.to_be_bytes());
    bomb.extend_from_slice(&2048u64.to_be_bytes());
    bomb.extend_from_slice(&1f64.to_bits().to_be_bytes());
    bomb.extend_from_slice(&[2; 20]);
    let bomb = base64::engine::general_purpose::STANDARD.encode(bomb);
    let other = {
        // a valid histogram of other values than the summary beside it
        let mut v = good_v.clone();
        let src = v["runs"]["total"]["duration_ms"]["hdr"].clone();
        v["runs"]["by_channel"][&channel]["duration_ms"]["hdr"] = src;
        v["runs"]["by_channel"][&channel]["duration_ms"]["hdr"].clone()
    };
    let hdr_field = format!("runs.by_channel.{channel}.duration_ms.hdr");
    let hdr_cases: [(serde_json::Value, &str); 3] = [
        (bomb.into(), "4294967295"),
        ("!!!notbase64".into(), "not base64"),
        (other, "values but"),
    ];
    for (i, (hdr, msg)) in hdr_cases.into_iter().enumerate() {
        let mut v = good_v.clone();
        v["runs"]["by_channel"][&channel]["duration_ms"]["hdr"] = hdr;
        let p = artifact(dir.path(), &format!("hdr{i}.json"), &v);
        let started = std::time::Instant::now();
        diff_refused(&good, &p)
            .stderr(predicate::str::contains(&hdr_field).and(predicate::str::contains(msg)));
        assert!(started.elapsed().as_secs() < 10);
    }
    // counts near u64::MAX: out of range, named
    let mut v = good_v.clone();
    v["runs"]["by_channel"][&channel]["errored"] = u64::MAX.into();
    let p = artifact(dir.path(), "wrap.json", &v);
    diff_refused(&p, &good).stderr(
        predicate::str::contains(format!("runs.by_channel.{channel}.errored"))
            .and(predicate::str::contains("out of range")),
    );
    let mut v = good_v.clone();
    v["cancels"]["total"]["unacknowledged"] = (1u64 << 40).into();
    let p = artifact(dir.path(), "unack.json", &v);
    diff_refused(&good, &p).stderr(predicate::str::contains("cancels.total.unacknowledged"));
}

/// A percentile whose histogram is missing is `untestable`, counted in the
/// summary line, never a silent `ok`.
#[test]
fn a_missing_histogram_is_untestable() {
    let dir = tempfile::tempdir().unwrap();
    let good_v = messy();
    let good = artifact(dir.path(), "good.json", &good_v);
    let mut v = good_v.clone();
    v["runs"]["total"]["duration_ms"]["hdr"] = serde_json::Value::Null;
    let p = artifact(dir.path(), "nohdr.json", &v);
    let out = auditsum()
        .arg("diff")
        .arg(&good)
        .arg(&p)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["counts"]["untestable"], 3, "{}", r["counts"]);
    let md = auditsum().arg("diff").arg(&good).arg(&p).output().unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("3 untestable"), "{md}");
    assert!(md.contains("| untestable |"), "{md}");
}

/// Issue 16: artifacts summarised with different filters or anonymisation
/// are refused unless forced; both sides' filters head the report.
#[test]
fn mismatched_filters_are_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let all = messy();
    let a = artifact(dir.path(), "all.json", &all);
    let pi = artifact(
        dir.path(),
        "pi.json",
        &common::summarize_json(&["fixtures/messy-small", "--where", "backend=pi"]),
    );
    diff_refused(&a, &pi).stderr(
        predicate::str::contains("filters.where")
            .and(predicate::str::contains("--force"))
            .and(predicate::str::contains("pi.json")),
    );
    let forced = auditsum()
        .arg("diff")
        .arg(&a)
        .arg(&pi)
        .arg("--force")
        .output()
        .unwrap();
    assert_ne!(forced.status.code(), Some(2));
    let md = String::from_utf8(forced.stdout).unwrap();
    assert!(md.contains("no filters") && md.contains("backend"), "{md}");
    assert!(md.contains("--force"), "{md}");
    assert!(String::from_utf8_lossy(&forced.stderr).contains("warning"));

    let mut anon = all.clone();
    anon["filters"]["anonymized"] = true.into();
    let b = artifact(dir.path(), "anon.json", &anon);
    diff_refused(&a, &b).stderr(predicate::str::contains("filters.anonymized"));
    // a different time window is what diff is for
    let mut later = all.clone();
    later["filters"]["since"] = "2026-02-26T00:00:00.000Z".into();
    let c = artifact(dir.path(), "later.json", &later);
    auditsum().arg("diff").arg(&a).arg(&c).assert().success();
}

/// Issue 16: an empty CURRENT (or one much smaller than BASE) is a warning,
/// never a silent OK.
#[test]
fn an_empty_or_small_current_warns() {
    let dir = tempfile::tempdir().unwrap();
    let a = artifact(dir.path(), "all.json", &messy());
    // a window after the sample's last event keeps nothing
    let out = auditsum()
        .args(["summarize", "fixtures/messy-small", "--json", "-q"])
        .args(["--since", "2030-01-01"])
        .output()
        .unwrap();
    let e = dir.path().join("empty.json");
    fs::write(&e, &out.stdout).unwrap();
    let out = auditsum().arg("diff").arg(&a).arg(&e).output().unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(!md.contains("\nOK:"), "{md}");
    assert!(md.contains("CURRENT is empty"), "{md}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("CURRENT is empty"));

    // a CURRENT with a tenth of BASE's runs: warned about
    let small = artifact(
        dir.path(),
        "small.json",
        &common::summarize_json(&["fixtures/messy-small", "--since", "2026-02-27T20:00:00Z"]),
    );
    let out = auditsum().arg("diff").arg(&a).arg(&small).output().unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("of BASE's"), "{md}");
}

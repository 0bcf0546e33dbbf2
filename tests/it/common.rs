//! Shared helpers of the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real binary, run from the project root (so fixture paths are relative).
pub fn auditsum() -> Command {
    let mut c = Command::cargo_bin("auditsum").unwrap();
    c.current_dir(root());
    c
}

pub fn summarize_json(args: &[&str]) -> Value {
    let out = auditsum()
        .arg("summarize")
        .args(args)
        .args(["--json", "-q"])
        .output()
        .unwrap();
    assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Fails with the command's stderr unless it exited with 0.
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Fails listing every difference [`compare`] found.
pub fn assert_no_diffs(diffs: Vec<String>) {
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// Every field of `expected` must be in `actual` and equal; percentiles may
/// differ by HDR precision (3 significant digits); floats by rounding noise.
/// Returns the differences, one per line.
pub fn compare(expected: &Value, actual: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    walk(expected, actual, String::new(), &mut diffs);
    diffs
}

fn walk(e: &Value, a: &Value, path: String, diffs: &mut Vec<String>) {
    match (e, a) {
        (Value::Object(em), Value::Object(am)) => {
            for (k, ev) in em {
                match am.get(k) {
                    Some(av) => walk(ev, av, format!("{path}/{k}"), diffs),
                    None => diffs.push(format!("{path}/{k}: missing")),
                }
            }
            // keyed slices must not have extra keys either (a phantom channel…)
            let keyed = ["by_", "event_types"]
                .iter()
                .any(|p| path.rsplit('/').next().unwrap_or("").starts_with(p));
            if keyed {
                for k in am.keys().filter(|k| !em.contains_key(*k)) {
                    diffs.push(format!("{path}/{k}: unexpected"));
                }
            }
        }
        (Value::Array(ev), Value::Array(av)) => {
            if ev.len() != av.len() {
                diffs.push(format!("{path}: {} items, expected {}", av.len(), ev.len()));
            }
            for (i, (x, y)) in ev.iter().zip(av).enumerate() {
                walk(x, y, format!("{path}[{i}]"), diffs);
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let leaf = path.rsplit('/').next().unwrap_or("");
            let ok = if matches!(leaf, "p50" | "p95" | "p99") {
                (x - y).abs() <= (x / 1000.0).max(1.0)
            } else {
                (x - y).abs() <= 1e-12 * x.abs().max(1.0)
            };
            if !ok {
                diffs.push(format!("{path}: {y}, expected {x}"));
            }
        }
        (e, a) if e == a => {}
        (e, a) => diffs.push(format!("{path}: {a}, expected {e}")),
    }
}

pub fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// Runs `python3 tests/support/SCRIPT ARGS...`: a check against an
/// independent Python implementation (tests/support/requirements.txt).
/// The scripts exit with 2 when their package is missing: the calling test
/// is then skipped with a note written straight to stderr (past the test
/// harness's capture, so `cargo test` shows it), or fails when
/// `AUDITSUM_TEST_ORACLES=require` (set by .ci/run).
pub fn python_oracle<S: AsRef<std::ffi::OsStr>>(
    script: &str,
    args: &[S],
) -> Option<std::process::Output> {
    let out = std::process::Command::new("python3")
        .arg(root().join("tests/support").join(script))
        .args(args)
        .output()
        .expect("python3 is on the PATH (the corpus tests need it too)");
    if out.status.code() != Some(2) {
        return Some(out);
    }
    let why = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let require = std::env::var("AUDITSUM_TEST_ORACLES").is_ok_and(|v| v == "require");
    assert!(!require, "AUDITSUM_TEST_ORACLES=require: {why}");
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "note: skipped a check against {script}: {why}"
    );
    None
}

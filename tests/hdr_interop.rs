//! Every `hdr` string decodes with a standard HdrHistogram implementation other
//! than the Rust crate that encodes it (Python `hdrhistogram`, installed by
//! .ci/run), and agrees with the summary beside it; values at the edges of
//! the range (1e19, beyond 64 bits) cannot break the header.

mod common;

use std::process::Command;

use common::{auditsum, root};

#[test]
fn every_hdr_decodes_with_the_python_implementation() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [&[&str]; 5] = [
        &["fixtures/messy-small"],
        &["fixtures/spellings"],
        &["fixtures/openclaw-small"],
        &[
            "fixtures/mapped-gw",
            "--dialect",
            "fixtures/mapped-gw/gw.toml",
        ],
        &["fixtures/edge-numbers.jsonl"],
    ];
    let mut files = Vec::new();
    for (i, args) in cases.iter().enumerate() {
        let out = dir.path().join(format!("a{i}"));
        auditsum()
            .arg("summarize")
            .args(*args)
            .args(["-q", "--out"])
            .arg(&out)
            .assert()
            .code(predicates::ord::lt(2));
        files.push(out.with_extension("json"));
    }
    let run = Command::new("python3")
        .arg(root().join("tests/support/hdr_interop.py"))
        .args(&files)
        .output()
        .expect("python3 runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        run.status.code() != Some(2),
        "the interop test needs the Python package hdrhistogram (python3 -m pip install hdrhistogram; .ci/run installs it): {report}"
    );
    assert!(run.status.success(), "{report}");
}

//! Every `hdr` string decodes with a standard HdrHistogram implementation other
//! than the Rust crate that encodes it (Python `hdrhistogram`, from
//! tests/support/requirements.txt: skipped with a note when it is missing,
//! unless AUDITSUM_TEST_ORACLES=require, which .ci/run sets), and agrees with the summary beside it; values at the edges of
//! the range (1e19, beyond 64 bits) cannot break the header.

use crate::common;

use common::auditsum;

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
    let Some(run) = common::python_oracle("hdr_interop.py", &files) else {
        return;
    };
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "{report}");
}

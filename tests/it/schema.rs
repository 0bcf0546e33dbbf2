//! Real artifacts validate against docs/schema/artifact.schema.json, checked
//! by Python's `jsonschema` (the reference implementation, from
//! tests/support/requirements.txt: skipped with a note when it is missing,
//! unless AUDITSUM_TEST_ORACLES=require, which .ci/run sets).

use crate::common;

use common::{root, summarize_json};

#[test]
fn artifacts_match_the_published_schema() {
    let cases: [&[&str]; 9] = [
        &["fixtures/messy-small"],
        &["fixtures/openclaw-small"],
        &["fixtures/spellings"],
        &[
            "fixtures/spellings",
            "--since",
            "2026-02-25T06:14:00Z",
            "--where",
            "channel=discord",
            "--where",
            "backend=native",
        ],
        &[
            "fixtures/messy-small",
            "--anonymize",
            "--salt",
            "x",
            "--where",
            "session=sess-edge",
        ],
        &["fixtures/spellings/README.md"],
        &["fixtures/messy-small", "--bucket", "1h"],
        &[
            "fixtures/spellings",
            "--bucket",
            "auto",
            "--where",
            "channel=slack",
        ],
        &[
            "fixtures/messy-small",
            "--auto-window",
            "cancels=5",
            "--bucket",
            "1d",
        ],
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, args) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case{i}.json"));
        std::fs::write(&path, summarize_json(args).to_string()).unwrap();
        files.push(path);
    }
    // the schema is strict: an unknown key is an error
    let mut bad = summarize_json(&["fixtures/spellings"]);
    bad["inputs"]["surprise"] = 1.into();
    let bad_path = dir.path().join("unknown-key.json");
    std::fs::write(&bad_path, bad.to_string()).unwrap();

    let mut args = vec![root().join("docs/schema/artifact.schema.json")];
    args.extend(files.iter().cloned());
    args.push(bad_path.clone());
    let Some(run) = common::python_oracle("schema_check.py", &args) else {
        return;
    };
    let report = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for (file, args) in files.iter().zip(cases) {
        let line = format!("valid {}", file.display());
        assert!(
            report.lines().any(|l| l == line),
            "{args:?} does not validate:\n{report}"
        );
    }
    let line = format!("invalid {}", bad_path.display());
    assert!(
        report.lines().any(|l| l == line) && report.contains("surprise"),
        "an unknown key must be refused:\n{report}"
    );
}

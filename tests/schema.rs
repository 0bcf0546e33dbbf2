//! Real artifacts validate against docs/schema/artifact.schema.json.

mod common;

use common::{root, summarize_json};

#[test]
fn artifacts_match_the_published_schema() {
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("docs/schema/artifact.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema itself is valid");
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
    for args in cases {
        let artifact = summarize_json(args);
        let errors: Vec<String> = validator
            .iter_errors(&artifact)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}:\n{}", errors.join("\n"));
    }
    // the schema is strict: an unknown key is an error
    let mut bad = summarize_json(&["fixtures/spellings"]);
    bad["inputs"]["surprise"] = 1.into();
    assert!(!validator.is_valid(&bad));
}

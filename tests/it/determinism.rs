//! Property: thread count, chunk size and file order/naming never change the
//! artifact (time series included). Drives the library pipeline directly (no
//! process per case).

use std::fs;
use std::path::Path;

use auditsum::pipeline::{summarize, Config};
use auditsum::render::{json::Json, markdown::Markdown, Render};
use auditsum::series::BucketSpec;
use proptest::prelude::*;

/// Lines in assorted spellings, including runs whose events will land in
/// different files, ties, untimed events, malformed and blank lines.
const POOL: &[&str] = &[
    r#"{"ts":"2026-02-25T06:00:00Z","type":"run.state","state":"start","run_id":"r1","session_id":"s1","channel":"slack","backend":"pi"}"#,
    r#"{"ts":"2026-02-25T06:00:02Z","type":"run.state","state":"complete","run_id":"r1","channel":"zz"}"#,
    r#"{"ts":"2026-02-25T06:00:02Z","type":"run.state","state":"error","run_id":"r1"}"#,
    r#"{"time":1772000000000,"event":"run.state","runId":"r2","payload":{"state":"started"},"channel":"gateway"}"#,
    r#"{"time":1772000000500,"event":"run.state","runId":"r2","payload":{"state":"canceled"}}"#,
    r#"{"ts":"2026-02-25T06:00:03+01:00","type":"run.state","state":"cancel_requested","run_id":"r2","channel":"aaa"}"#,
    r#"{"type":"run.state","state":"failed","run_id":"r3","channel":"b"}"#,
    r#"{"type":"run.state","state":"failed","run_id":"r3","channel":"a"}"#,
    r#"{"ts":1772000001000,"type":"run.cancel","run_id":"r2","source":"timeout","latency_ms":120}"#,
    r#"{"ts":1772000001000,"type":"run.cancel","run_id":"r1","payload":{"source":"steer","acknowledged":"2026-02-25T06:00:01.500Z","requested":"2026-02-25T06:00:01Z"}}"#,
    r#"{"ts":1772000002000,"type":"run.cancel","channel":"discord","acknowledged":false}"#,
    r#"{"ts":"2026-02-25T06:00:05.5Z","type":"reaction.skip","channel":"slack","reason":"cooldown","candidateCount":3}"#,
    r#"{"ts":"2026-02-25T06:00:06Z","type":"reaction.skip","channel":"slack","payload":{"reason":"no_rule"}}"#,
    r#"{"ts":"2026-02-25T06:00:07Z","type":"reaction.match","channel":"discord","ruleName":"greet"}"#,
    r#"{"ts":"2026-02-25T06:00:08Z","type":"message.sent","text":"hello"}"#,
    r#"{"type":"heartbeat"}"#,
    r#"{"type":42}"#,
    r#"{"type":"run.state","state":"complete","run_id":"torn"#,
    "",
    "   ",
    "not json",
];

fn write_corpus(dir: &Path, files: &[Vec<usize>], names: &[String], crlf: bool) {
    for (lines, name) in files.iter().zip(names) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let body: String = lines.iter().map(|&i| format!("{}{nl}", POOL[i])).collect();
        fs::write(dir.join(name), body).unwrap();
    }
}

/// With a time series of 1 s buckets, so that it is checked too.
fn run(dir: &Path, threads: usize, chunk: u64) -> (Vec<u8>, Vec<u8>) {
    let cfg = Config {
        paths: vec![dir.to_path_buf()],
        threads,
        chunk_bytes: chunk,
        bucket: Some(BucketSpec::Fixed(1_000)),
        ..Config::default()
    };
    let b = summarize(&cfg).unwrap().baseline;
    (Json.render(&b), Markdown { top: 5 }.render(&b))
}

/// The artifact without the parts that name files (samples name their file).
fn without_file_names(json: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
    v["inputs"]["malformed_samples"] = serde_json::Value::Null;
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn threads_chunks_and_file_order_do_not_matter(
        files in prop::collection::vec(prop::collection::vec(0..POOL.len(), 0..40), 1..5),
        threads in 1usize..5,
        chunk in 1u64..300,
        crlf in any::<bool>(),
        rotate in 0usize..5,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..files.len()).map(|i| format!("f{i}.jsonl")).collect();
        write_corpus(dir.path(), &files, &names, crlf);
        let reference = run(dir.path(), 1, u64::MAX);

        // threads and chunking: byte-identical JSON and Markdown
        prop_assert_eq!(&run(dir.path(), threads, chunk), &reference);

        // the same files under other names, so read in another order
        let other = tempfile::tempdir().unwrap();
        let mut renamed = names.clone();
        renamed.rotate_left(rotate % names.len());
        let renamed: Vec<String> = renamed.iter().map(|n| format!("x-{n}")).collect();
        write_corpus(other.path(), &files, &renamed, crlf);
        let (json, _) = run(other.path(), threads, chunk);
        prop_assert_eq!(without_file_names(&json), without_file_names(&reference.0));
    }
}

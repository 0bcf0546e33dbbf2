//! Integration tests: the real binary on fixtures and generated corpora.

use crate::common;

use std::fs;
use std::io::Write;
use std::process::{Command as StdCommand, Stdio};

use common::{assert_no_diffs, auditsum, compare, read_json, root, summarize_json};
use predicates::prelude::*;

#[test]
fn messy_sample_matches_its_independent_figures() {
    let expected = read_json(&root().join("fixtures/messy-small.expected.json"));
    let actual = summarize_json(&["fixtures/messy-small"]);
    assert_no_diffs(compare(&expected, &actual));
}

/// Generates messy corpora with `scripts/gen_corpus.py`, whose expected figures
/// come from separate Python code, and compares every field.
#[test]
fn generated_corpora_match_the_python_oracle() {
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| StdCommand::new(p).arg("--version").output().is_ok())
        .expect("python3 is needed for the oracle test (scripts/gen_corpus.py)");
    for (seed, runs) in [(11, 1500), (12, 4000)] {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        let status = StdCommand::new(python)
            .arg(root().join("scripts/gen_corpus.py"))
            .args([
                "--messy",
                "--runs",
                &runs.to_string(),
                "--seed",
                &seed.to_string(),
            ])
            .arg(&corpus)
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let expected = read_json(&dir.path().join("corpus.expected.json"));
        let actual = summarize_json(&[corpus.to_str().unwrap()]);
        assert_no_diffs(compare(&expected, &actual));
        // and the same bytes on one thread with tiny chunks
        let one = auditsum()
            .args([
                "summarize",
                "--json",
                "-q",
                "--threads",
                "1",
                "--chunk-bytes",
                "4093",
            ])
            .arg(&corpus)
            .output()
            .unwrap();
        let many = auditsum()
            .args(["summarize", "--json", "-q", "--threads", "4"])
            .arg(&corpus)
            .output()
            .unwrap();
        assert_eq!(one.stdout, many.stdout);
    }
}

#[test]
fn snapshots_of_the_spellings_fixture() {
    let json = auditsum()
        .args(["summarize", "fixtures/spellings", "--json", "-q"])
        .output()
        .unwrap();
    assert!(json.status.success());
    insta::assert_snapshot!("spellings.json", String::from_utf8(json.stdout).unwrap());

    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("base");
    auditsum()
        .args(["summarize", "fixtures/spellings", "-q", "--out"])
        .arg(&prefix)
        .assert()
        .success()
        .stdout("");
    insta::assert_snapshot!(
        "spellings.md",
        fs::read_to_string(dir.path().join("base.md")).unwrap()
    );
    let written = fs::read(dir.path().join("base.json")).unwrap();
    let printed = auditsum()
        .args(["summarize", "fixtures/spellings", "--json", "-q"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(
        written, printed,
        "--out writes the same JSON as --json prints"
    );

    let table = auditsum()
        .args(["summarize", "fixtures/spellings", "-q"])
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.lines().all(|l| l.chars().count() <= 100),
        "table wider than 100 columns"
    );
    insta::assert_snapshot!("spellings.table", text);
}

#[test]
fn spellings_fixture_figures() {
    let v = summarize_json(&["fixtures/spellings"]);
    let i = &v["inputs"];
    assert_eq!(
        i["files"], 5,
        "README.md, baseline.json and the text gateway.log are skipped"
    );
    assert_eq!(i["malformed_lines"], 4);
    assert_eq!(i["untimed_events"], 2);
    let runs = &v["runs"];
    assert_eq!(runs["total"]["runs"], 7);
    assert_eq!(runs["total"]["open"], 1);
    // r3: `failed` and `complete` at the same instant: `complete` < `error`
    assert_eq!(runs["by_channel"]["gateway"]["completed"], 1);
    assert_eq!(runs["by_channel"]["gateway"]["errored"], 1);
    assert_eq!(runs["by_origin"]["gateway"]["runs"], 2);
    // r1 cancelled 70 ms after its start (offset time); r2 aborted
    assert_eq!(runs["by_channel"]["telegram"]["duration_ms"]["max"], 70);
    assert_eq!(runs["by_channel"]["discord"]["cancelled"], 1);
    assert_eq!(runs["by_channel"]["discord"]["cancel_requested"], 1);
    // r7 split across two gzip members
    assert_eq!(runs["by_channel"]["whatsapp"]["completed"], 2);
    let c = &v["cancels"];
    assert_eq!(
        c["by_channel"]["discord"]["latency_ms"]["p50"], 750,
        "derived latency"
    );
    assert_eq!(
        c["by_channel"]["slack"]["latency_ms"]["count"], 0,
        "negative latency dropped"
    );
    assert_eq!(
        c["by_source"]["shutdown"]["latency_ms"]["max"], 13,
        "12.6 rounds to 13"
    );
    let r = &v["reactions"];
    assert_eq!(r["total"]["candidate_count_sum"], 5);
    assert_eq!(r["skip_reasons"][0]["reason"], "cooldown");
    assert_eq!(r["by_rule"]["urgent"], 1);
}

#[test]
fn every_key_is_sorted() {
    let out = auditsum()
        .args(["summarize", "fixtures/messy-small", "--json", "-q"])
        .output()
        .unwrap()
        .stdout;
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let mut again = serde_json::to_vec_pretty(&v).unwrap();
    again.push(b'\n');
    assert_eq!(
        out, again,
        "serde_json::Value sorts keys: bytes must already be in that order"
    );
}

#[test]
fn explicit_files_are_always_read_and_duplicates_once() {
    let v = summarize_json(&[
        "fixtures/spellings",
        "fixtures/spellings/audit.jsonl",
        "fixtures/spellings/README.md",
    ]);
    assert_eq!(
        v["inputs"]["files"], 6,
        "README.md named explicitly is read; audit.jsonl once"
    );
    assert_eq!(v["inputs"]["malformed_lines"], 5);
}

#[test]
fn compression_is_recognised_by_content_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let line = b"{\"type\":\"a\",\"ts\":1}\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(line).unwrap();
    fs::write(
        dir.path().join("gzip-named-plain.jsonl"),
        gz.finish().unwrap(),
    )
    .unwrap();
    fs::write(dir.path().join("plain-named-gzip.jsonl.gz"), line).unwrap();
    fs::write(
        dir.path().join("z.jsonl.zst"),
        zstd::encode_all(&line[..], 1).unwrap(),
    )
    .unwrap();
    let v = summarize_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(v["event_types"]["a"], 3);
    assert_eq!(v["inputs"]["malformed_lines"], 0);
}

#[test]
fn stdin_is_read_and_decompressed() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"{\"type\":\"x\"}\n{\"type\":\"x\"}").unwrap();
    let out = auditsum()
        .args(["summarize", "-", "--json"])
        .write_stdin(gz.finish().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["event_types"]["x"], 2);
    assert_eq!(v["inputs"]["files"], 1);
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_reports_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = Vec::new();
    for i in 0..5000 {
        writeln!(
            body,
            "{{\"type\":\"t\",\"ts\":{i},\"pad\":\"{}\"}}",
            i * 7919
        )
        .unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&body).unwrap();
    let full = gz.finish().unwrap();
    fs::write(dir.path().join("cut.jsonl.gz"), &full[..full.len() / 2]).unwrap();
    fs::write(dir.path().join("ok.jsonl"), "{\"type\":\"ok\"}\n").unwrap();
    let out = auditsum()
        .args(["summarize", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "tolerant mode still succeeds");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unreadable = v["inputs"]["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1);
    assert!(unreadable[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("cut.jsonl.gz"));
    assert!(
        v["event_types"]["t"].as_u64().unwrap() > 100,
        "lines before the cut are kept"
    );
    assert_eq!(v["event_types"]["ok"], 1);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("cut.jsonl.gz"), "{stderr}");

    auditsum()
        .args(["summarize", "--strict", "-q"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--strict").and(predicate::str::contains("cut.jsonl.gz")));
}

#[test]
fn strict_names_the_first_malformed_line() {
    auditsum()
        .args(["summarize", "fixtures/messy-small", "--strict", "-q"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "fixtures/messy-small/audit-000.jsonl:7",
        ));
    auditsum()
        .args([
            "summarize",
            "fixtures/spellings/nested/deeper",
            "--strict",
            "-q",
        ])
        .assert()
        .success();
}

#[test]
fn oversized_lines_are_malformed_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let big = format!("{{\"type\":\"big\",\"pad\":\"{}\"}}\n", "x".repeat(5000));
    fs::write(
        dir.path().join("a.jsonl"),
        format!("{big}{{\"type\":\"small\"}}\n{big}"),
    )
    .unwrap();
    let out = auditsum()
        .args(["summarize", "--json", "-q", "--max-line-bytes", "1000"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["inputs"]["malformed_lines"], 2);
    assert_eq!(v["inputs"]["malformed_samples"][1]["line"], 3);
    assert_eq!(v["inputs"]["malformed_samples"][0]["reason"], "oversized");
    assert_eq!(v["event_types"]["small"], 1);
    assert_eq!(v["inputs"]["bytes"], (2 * big.len() + 17) as u64);
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang_and_links_are_read_once() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub/a.jsonl"), "{\"type\":\"a\"}\n").unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("sub/loop")).unwrap();
    std::os::unix::fs::symlink("a.jsonl", dir.path().join("sub/b.jsonl")).unwrap();
    let v = summarize_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(v["event_types"]["a"], 1);
    assert_eq!(v["inputs"]["files"], 1);
}

#[test]
fn out_is_atomic_and_reports_bad_folders() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("base");
    fs::write(dir.path().join("base.json"), "old").unwrap();
    auditsum()
        .args(["summarize", "fixtures/spellings", "-q", "--out"])
        .arg(&prefix)
        .assert()
        .success();
    let json = fs::read_to_string(dir.path().join("base.json")).unwrap();
    assert!(json.starts_with('{'));
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files left: {names:?}");

    // missing folders are created (and said with -v)
    let missing = dir.path().join("no/such/folder/base");
    auditsum()
        .args(["summarize", "fixtures/spellings", "-v", "--json", "--out"])
        .arg(&missing)
        .assert()
        .success()
        .stderr(
            predicate::str::contains("created folder")
                .and(predicate::str::contains("no/such/folder")),
        );
    assert!(dir.path().join("no/such/folder/base.md").is_file());

    // a folder that cannot be: one line naming the artifact, the OS error once
    fs::write(dir.path().join("file"), "").unwrap();
    let under_file = dir.path().join("file/sub/base");
    let out = auditsum()
        .args(["summarize", "fixtures/spellings", "-q", "--out"])
        .arg(&under_file)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("file/sub/base.json") && !err.contains(".base.json."),
        "{err}"
    );
    assert_eq!(err.matches("ot a directory").count(), 1, "{err}");
}

#[test]
fn usage_and_input_errors_exit_2_with_one_clear_line() {
    auditsum()
        .args(["summarize", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no/such/dir: no such file or directory",
        ));
    auditsum().args(["summarize"]).assert().code(2);
    auditsum().args(["frobnicate"]).assert().code(2);
    auditsum()
        .args(["summarize", "fixtures/spellings", "--include", "a[b"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--include a[b"));
    auditsum()
        .args(["--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("summarize"));
    auditsum()
        .args(["summarize", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"));
}

#[test]
fn include_widens_the_net() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("events.txt"), "{\"type\":\"a\"}\n").unwrap();
    let v = summarize_json(&[dir.path().to_str().unwrap(), "--allow-empty"]);
    assert_eq!(v["inputs"]["files"], 0);
    let v = summarize_json(&[dir.path().to_str().unwrap(), "--include", "*.txt"]);
    assert_eq!(v["inputs"]["files"], 1);
    auditsum()
        .arg("summarize")
        .arg(dir.path())
        .arg("-v")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("skipped").and(predicate::str::contains("events.txt")));
}

#[test]
fn hostile_strings_cannot_break_the_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = r#"x|y`z`<img src=x onerror=alert(1)>\n[a](javascript:b)**c**"#;
    let line = serde_json::json!({
        "type": "run.state", "state": "start", "run_id": "r", "ts": 1,
        "channel": hostile, "session_id": format!("{hostile}\n# heading"),
    });
    let skip = serde_json::json!({"type": "reaction.skip", "reason": hostile, "channel": hostile});
    fs::write(dir.path().join("h.jsonl"), format!("{line}\n{skip}\n")).unwrap();
    let prefix = dir.path().join("out");
    auditsum()
        .arg("summarize")
        .arg(dir.path().join("h.jsonl"))
        .arg("--out")
        .arg(&prefix)
        .arg("-q")
        .assert()
        .success();
    let md = fs::read_to_string(dir.path().join("out.md")).unwrap();
    assert!(!md.contains("<img"), "{md}");
    for (i, c) in md.char_indices() {
        if matches!(c, '[' | ']' | '`') {
            assert!(md[..i].ends_with('\\'), "unescaped {c} at {i}: {md}");
        }
    }
    assert!(!md.contains("\n# heading"), "{md}");
    // every table row has exactly as many cell separators as its header
    let mut expected_cols = 0;
    for l in md.lines() {
        if !l.starts_with('|') {
            expected_cols = 0;
            continue;
        }
        let seps = l
            .match_indices('|')
            .filter(|(i, _)| !l[..*i].ends_with('\\'))
            .count();
        if expected_cols == 0 {
            expected_cols = seps;
        }
        assert_eq!(seps, expected_cols, "row breaks its table: {l}");
    }
    assert!(
        !md.lines().any(|l| l.contains('|') && l.contains("x|y")),
        "raw pipe leaked: {md}"
    );
}

#[test]
fn broken_pipe_exits_quietly() {
    let bin = assert_cmd::cargo::cargo_bin("auditsum");
    let mut child = StdCommand::new(bin)
        .current_dir(root())
        .args(["summarize", "fixtures/messy-small", "--json", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn empty_and_blank_inputs() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("empty.jsonl"), "").unwrap();
    fs::write(dir.path().join("blank.jsonl"), "\n  \n\t\r\n").unwrap();
    let v = summarize_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(v["inputs"]["files"], 2);
    assert_eq!(v["inputs"]["events"], 0);
    assert_eq!(v["inputs"]["malformed_lines"], 0);
    assert_eq!(v["window"]["first_ts"], serde_json::Value::Null);
    assert_eq!(
        v["runs"]["total"]["completion_rate"],
        serde_json::Value::Null
    );
    assert_eq!(
        v["runs"]["total"]["duration_ms"],
        serde_json::json!({"count": 0})
    );
}

/// A folder without logs is an input error (exit 2), even with --strict,
/// unless --allow-empty asks for an empty summary.
#[test]
fn no_log_files_is_an_error_unless_allowed() {
    let empty = tempfile::tempdir().unwrap();
    fs::write(empty.path().join("notes.txt"), "{\"type\":\"a\"}\n").unwrap();
    for extra in [&[][..], &["--strict"][..], &["--json", "-q"][..]] {
        auditsum()
            .arg("summarize")
            .arg(empty.path())
            .args(extra)
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::starts_with("auditsum: error: no log files found in")
                    .and(predicate::str::contains("1 file skipped (-v lists them)"))
                    .and(predicate::str::contains("--allow-empty")),
            );
    }
    auditsum()
        .arg("summarize")
        .arg(empty.path())
        .arg("--allow-empty")
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: no log files found"));
}

fn gzip(text: &str) -> Vec<u8> {
    use flate2::write::GzEncoder;
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap()
}

/// The names logrotate and common loggers give rotated files are read; a
/// `.log` opening with a text banner is read (the banner counts malformed);
/// whatever is passed over is counted on stderr.
#[test]
fn rotated_names_and_bannered_logs_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let ev = |run: &str| {
        format!("{{\"type\":\"run.state\",\"state\":\"start\",\"run_id\":\"{run}\",\"ts\":1}}\n")
    };
    let p = dir.path();
    fs::write(p.join("audit.jsonl"), ev("a")).unwrap();
    fs::write(p.join("audit.jsonl.1"), ev("b")).unwrap();
    fs::write(p.join("audit.jsonl.2.gz"), gzip(&ev("c"))).unwrap();
    fs::write(p.join("audit.log-20260227.gz"), gzip(&ev("d"))).unwrap();
    fs::write(p.join("audit.log.2026-02-27"), ev("e")).unwrap();
    fs::write(p.join("audit.log-2026-02-26_14"), ev("f")).unwrap();
    fs::write(
        p.join("gateway.log"),
        format!("gateway 1.4 starting\nlistening on :8080\n\n{}", ev("g")),
    )
    .unwrap();
    // passed over: not a log name, and a text log without JSON early on
    fs::write(p.join("notes.txt"), ev("x")).unwrap();
    fs::write(p.join("audit.jsonl.bak"), ev("y")).unwrap();
    fs::write(p.join("text.log"), "a\nb\nc\nd\ne\nf\n").unwrap();
    let v = summarize_json(&[p.to_str().unwrap()]);
    assert_eq!(v["inputs"]["files"], 7, "{}", v["inputs"]);
    assert_eq!(v["runs"]["total"]["runs"], 7);
    assert_eq!(v["inputs"]["malformed_lines"], 2, "the banner lines");
    auditsum()
        .arg("summarize")
        .arg(p)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "auditsum: 3 files skipped (-v lists them)",
        ));
    let verbose = auditsum()
        .arg("summarize")
        .arg(p)
        .arg("-v")
        .output()
        .unwrap();
    let stderr = String::from_utf8(verbose.stderr).unwrap();
    assert!(!stderr.contains("-v lists them"), "{stderr}");
    for name in ["notes.txt", "audit.jsonl.bak", "text.log"] {
        assert!(stderr.contains(&format!("{name}: ")), "{name}: {stderr}");
    }
    // -q: nothing on stderr
    let quiet = auditsum()
        .arg("summarize")
        .arg(p)
        .arg("-q")
        .output()
        .unwrap();
    assert!(quiet.stderr.is_empty());
}

/// clap's usage errors are one `auditsum: error:` line with exit 2; help and
/// version still print in full; `summarise` is the command the help spells.
#[test]
fn usage_errors_are_one_line_and_summarise_is_an_alias() {
    for (args, says) in [
        (
            &["summarize", "fixtures/spellings", "--wher", "x"][..],
            "similar argument exists: '--where'",
        ),
        (&["sumarize", "fixtures/spellings"][..], "'summarize'"),
        (&["summarize"][..], "<PATH>"),
        (
            &["summarize", "fixtures/spellings", "--top", "many"][..],
            "--top",
        ),
    ] {
        let out = auditsum().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.starts_with("auditsum: error: ") && stderr.lines().count() == 1,
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains(says) && stderr.contains("--help"),
            "{stderr}"
        );
    }
    let british = summarize_json(&["fixtures/spellings"]);
    let out = auditsum()
        .args(["summarise", "fixtures/spellings", "--json", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        british
    );
    auditsum()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("summarise"));
}

/// clap's own errors quote the user's arguments: escape sequences in them are
/// shown escaped (`\u{1b}`), neither sent raw nor silently dropped.
#[test]
fn usage_errors_escape_the_arguments_they_quote() {
    for (args, shown) in [
        (
            &[
                "summarize",
                "fixtures/spellings",
                "--top",
                "\x1b[31mRED\x07",
            ][..],
            "'\\u{1b}[31mRED\\u{7}'",
        ),
        (&["\x1b]0;title\x07"][..], "'\\u{1b}]0;title\\u{7}'"),
        (
            &["summarize", "--\x1b[2J\u{202e}x"][..],
            "'--\\u{1b}[2J\\u{202e}x'",
        ),
    ] {
        let out = auditsum().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            !stderr.contains('\x1b') && !stderr.contains('\x07') && !stderr.contains('\u{202e}'),
            "{stderr:?}"
        );
        assert!(stderr.contains(shown), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// The scripts find this checkout's build when `auditsum` is not on PATH, and
/// say how to get one when there is none.
#[test]
fn scripts_find_the_binary_or_say_how() {
    let dir = tempfile::tempdir().unwrap();
    let scripts = dir.path().join("scripts");
    fs::create_dir(&scripts).unwrap();
    for s in ["refresh-baselines.sh", "drift-check.sh", "find-auditsum.sh"] {
        fs::copy(root().join("scripts").join(s), scripts.join(s)).unwrap();
    }
    let run = |script: &str| {
        StdCommand::new("bash")
            .arg(scripts.join(script))
            .args(["logs", "out", "more"])
            .current_dir(dir.path())
            .env("PATH", "/usr/bin:/bin")
            .env_remove("AUDITSUM")
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap()
    };
    for script in ["refresh-baselines.sh", "drift-check.sh"] {
        let out = run(script);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("auditsum not found") && stderr.contains("cargo install --path"),
            "{stderr}"
        );
    }
    // a build in the checkout's target/debug is found
    let debug = dir.path().join("target/debug");
    fs::create_dir_all(&debug).unwrap();
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin("auditsum"),
        debug.join("auditsum"),
    )
    .unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    fs::copy(
        root().join("fixtures/spellings/audit.jsonl"),
        logs.join("audit.jsonl"),
    )
    .unwrap();
    let out = StdCommand::new("bash")
        .arg(scripts.join("refresh-baselines.sh"))
        .args(["logs", "out"])
        .current_dir(dir.path())
        .env("PATH", "/usr/bin:/bin")
        .env_remove("AUDITSUM")
        .env_remove("AUDITSUM_SALT")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("refreshed out/all.{json,md}"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// refresh-baselines.sh never publishes an empty window as refreshed: a
/// window before the data is reported EMPTY, not written, and exits 1.
#[test]
fn refresh_refuses_empty_windows() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("base");
    fs::create_dir(&out_dir).unwrap();
    fs::write(out_dir.join("all.json"), "{}").unwrap(); // an old baseline
    let out = StdCommand::new("bash")
        .arg(root().join("scripts/refresh-baselines.sh"))
        .arg("fixtures/messy-small")
        .arg(&out_dir)
        .args(["2020-01-01", "2020-01-08"])
        .current_dir(root())
        .env("AUDITSUM", assert_cmd::cargo::cargo_bin("auditsum"))
        .env_remove("AUDITSUM_SALT")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stdout.contains("refreshed"), "{stdout}");
    assert!(
        stderr.contains("EMPTY") && stderr.contains("the data runs from 2026-02-25"),
        "{stderr}"
    );
    assert!(
        !out_dir.join("all.json").exists(),
        "the old baseline is removed"
    );
    // the whole data (no window) refreshes every window
    let out = StdCommand::new("bash")
        .arg(root().join("scripts/refresh-baselines.sh"))
        .arg("fixtures/messy-small")
        .arg(&out_dir)
        .current_dir(root())
        .env("AUDITSUM", assert_cmd::cargo::cargo_bin("auditsum"))
        .env_remove("AUDITSUM_SALT")
        .output()
        .unwrap();
    common::assert_success(&out);
    assert_eq!(
        String::from_utf8(out.stdout)
            .unwrap()
            .matches("refreshed")
            .count(),
        5
    );
}

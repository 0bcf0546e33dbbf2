//! `summarize --state` and `merge` through the real binary: exactness on the
//! messy fixture, trees of merges, standard input with `--label`, and the
//! refusals (exit 2 naming the file and why).

use crate::common;

use std::path::Path;

use common::auditsum;

const DIR: &str = "fixtures/messy-small";

fn logs() -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(common::root().join(DIR))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(common::root())
                .unwrap()
                .display()
                .to_string()
        })
        .filter(|p| p.contains(".jsonl"))
        .collect();
    v.sort();
    v
}

fn ok(args: &[&str]) -> Vec<u8> {
    let out = auditsum().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn fails(args: &[&str]) -> String {
    let out = auditsum().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?} should exit 2");
    String::from_utf8(out.stderr).unwrap()
}

fn state_of(file: &str, dir: &Path) -> String {
    let out = dir.join(format!("{}.state", file.replace('/', "_")));
    let o = out.to_str().unwrap().to_string();
    ok(&["summarize", file, "--state", &o, "-q"]);
    o
}

#[test]
fn merged_states_equal_one_summary_with_every_option() {
    let tmp = tempfile::tempdir().unwrap();
    let states: Vec<String> = logs().iter().map(|f| state_of(f, tmp.path())).collect();
    assert!(states.len() >= 4);
    // a tree: the first two into one state, then the rest
    let ab = tmp.path().join("ab.state").to_str().unwrap().to_string();
    ok(&["merge", &states[0], &states[1], "--state", &ab]);
    for opts in [
        &[][..],
        &["--since", "2026-02-25T06:00:00Z", "--where", "backend=pi"],
        &["--where", "channel=discord", "--top", "3"],
        &["--anonymize", "--salt", "s", "--until", "2026-02-26"],
    ] {
        let mut want = vec!["summarize", DIR, "--json", "-q"];
        want.extend_from_slice(opts);
        let want = ok(&want);
        let mut flat = vec!["merge", "--json"];
        flat.extend(states.iter().map(String::as_str));
        flat.extend_from_slice(opts);
        assert_eq!(
            String::from_utf8(ok(&flat)).unwrap(),
            String::from_utf8(want.clone()).unwrap()
        );
        let mut tree = vec!["merge", "--json", &ab];
        tree.extend(states[2..].iter().map(String::as_str));
        tree.extend_from_slice(opts);
        assert_eq!(ok(&tree), want, "{opts:?}");
    }
}

#[test]
fn standard_input_states_and_labels() {
    let f = &logs()[0];
    let body = std::fs::read(common::root().join(f)).unwrap();
    let out = auditsum()
        .args([
            "summarize",
            "-",
            "--label",
            "host1/audit.jsonl",
            "--state",
            "-",
        ])
        .write_stdin(body.clone())
        .output()
        .unwrap();
    assert!(out.status.success());
    let state = out.stdout;
    let json = auditsum()
        .args(["merge", "-", "--json"])
        .write_stdin(state.clone())
        .output()
        .unwrap();
    assert!(json.status.success());
    let direct = auditsum()
        .args([
            "summarize",
            "-",
            "--label",
            "host1/audit.jsonl",
            "--json",
            "-q",
        ])
        .write_stdin(body)
        .output()
        .unwrap();
    assert_eq!(json.stdout, direct.stdout);
    assert!(String::from_utf8_lossy(&json.stdout).contains("host1/audit.jsonl"));
}

#[test]
fn refusals_exit_2_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let f = &logs()[0];
    let a = state_of(f, tmp.path());
    // not a state, truncated, another version
    std::fs::write(p("text.state"), "{\"type\":\"x\"}\n").unwrap();
    assert!(fails(&["merge", &p("text.state")]).contains("text.state: not an auditsum state file"));
    let bytes = std::fs::read(&a).unwrap();
    std::fs::write(p("cut.state"), &bytes[..bytes.len() / 2]).unwrap();
    assert!(fails(&["merge", &p("cut.state")]).contains("cut.state: corrupt or truncated state"));
    let mut v9 = bytes.clone();
    v9[8] = 9;
    std::fs::write(p("v9.state"), v9).unwrap();
    assert!(fails(&["merge", &p("v9.state")]).contains("format version 9"));
    // different --max-keys; the same file twice
    let other = &logs()[1];
    let k = p("keys.state");
    ok(&["summarize", other, "--state", &k, "--max-keys", "10", "-q"]);
    let e = fails(&["merge", &a, &k]);
    assert!(e.contains("keys.state: made with --max-keys 10"), "{e}");
    let e = fails(&["merge", &a, &a]);
    assert!(
        e.contains("each input file must be in one state only"),
        "{e}"
    );
    // a window off the minute grain
    let e = fails(&["merge", &a, "--since", "2026-02-25T06:00:30Z"]);
    assert!(e.contains("whole minute"), "{e}");
    // selection into a state
    let e = fails(&[
        "merge",
        &a,
        "--state",
        &p("x.state"),
        "--where",
        "backend=pi",
    ]);
    assert!(e.contains("a merged state keeps everything"), "{e}");
}

/// `merge --out` writes the same pair as `summarize --out`: both files byte
/// for byte, the Markdown ending with the SHA-256 of the JSON (what the
/// Spark job's comparison checks), and it never overwrites a state it reads.
#[test]
fn merge_out_writes_the_pair_summarize_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let states: Vec<String> = logs().iter().map(|f| state_of(f, tmp.path())).collect();
    ok(&["summarize", DIR, "--out", &p("want"), "-q", "--top", "3"]);
    let got = p("got");
    let mut merge = vec!["merge", "--out", &got, "-q", "--top", "3"];
    merge.extend(states.iter().map(String::as_str));
    ok(&merge);
    for ext in ["json", "md"] {
        let want = std::fs::read(p(&format!("want.{ext}"))).unwrap();
        let got = std::fs::read(p(&format!("got.{ext}"))).unwrap();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(want).unwrap(),
            "{ext}"
        );
    }
    let md = std::fs::read_to_string(p("got.md")).unwrap();
    assert!(md.contains("<!-- auditsum pair: sha256 of the JSON artifact"));
    // an output that would replace an input state
    std::fs::copy(&states[0], p("in.json")).unwrap();
    let e = fails(&["merge", &p("in.json"), "--out", &p("in")]);
    assert!(e.contains("in.json"), "{e}");
    assert_eq!(
        std::fs::read(p("in.json")).unwrap(),
        std::fs::read(&states[0]).unwrap()
    );
    let e = fails(&["merge", &states[0], "--state", &states[0]]);
    assert!(e.contains("one of the states being merged"), "{e}");
}

/// States record their `--dialect` configuration: a mapping file by its
/// content (the same file at two paths merges), and states of different
/// configurations are refused, naming the file and both choices.
#[test]
fn states_of_other_dialect_configurations_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let root = common::root();
    let mapping = root.join("fixtures/mapped-gw/gw.toml");
    std::fs::copy(&mapping, p("one.toml")).unwrap();
    std::fs::copy(&mapping, p("two.toml")).unwrap();
    let (a, b) = (
        "fixtures/mapped-gw/gw-0.jsonl.gz",
        "fixtures/mapped-gw/gw-1.jsonl",
    );
    ok(&[
        "summarize",
        a,
        "--dialect",
        &p("one.toml"),
        "--state",
        &p("a.state"),
    ]);
    ok(&[
        "summarize",
        b,
        "--dialect",
        &p("two.toml"),
        "--state",
        &p("b.state"),
    ]);
    let merged = String::from_utf8(ok(&["merge", &p("a.state"), &p("b.state"), "--json"])).unwrap();
    let want = ok(&[
        "summarize",
        a,
        b,
        "--dialect",
        "fixtures/mapped-gw/gw.toml",
        "--json",
        "-q",
    ]);
    assert_eq!(merged, String::from_utf8(want).unwrap());
    // another configuration: the built-in default, or auto
    let f = &logs()[0];
    ok(&[
        "summarize",
        f,
        "--dialect",
        "default",
        "--state",
        &p("d.state"),
    ]);
    ok(&["summarize", f, "--state", &p("auto.state")]);
    let e = fails(&["merge", &p("a.state"), &p("d.state")]);
    assert!(
        e.contains("d.state: made with --dialect default") && e.contains("mapping file, sha256"),
        "{e}"
    );
    let e = fails(&["merge", &p("auto.state"), &p("b.state")]);
    assert!(e.contains("b.state: made with --dialect gw"), "{e}");
    // the OpenClaw fixture (auto-detected) file by file: cancels and
    // reactions are known by their kind, not their type name
    let dir = "fixtures/openclaw-small";
    let mut merge = vec!["merge".to_string(), "--json".to_string()];
    for (i, f) in [
        "archive/diagnostics-2026-03-11-0600.jsonl.gz",
        "diagnostics-2026-03-11-0809.jsonl",
        "diagnostics-2026-03-11-1007.jsonl",
    ]
    .iter()
    .enumerate()
    {
        let st = p(&format!("oc{i}.state"));
        ok(&["summarize", &format!("{dir}/{f}"), "--state", &st]);
        merge.push(st);
    }
    let merge: Vec<&str> = merge.iter().map(String::as_str).collect();
    let got = String::from_utf8(ok(&merge)).unwrap();
    let want = String::from_utf8(ok(&["summarize", dir, "--json", "-q"])).unwrap();
    assert_eq!(got, want);
}

/// Series from states: `--bucket` (whole minutes or `auto`) and
/// `--auto-window` give what one `summarize` gives, through `merge` and
/// through `summarize --state`; finer buckets are refused.
#[test]
fn series_and_auto_window_from_states() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let states: Vec<String> = logs().iter().map(|f| state_of(f, tmp.path())).collect();
    for opts in [
        &["--bucket", "1h"][..],
        &["--bucket", "auto", "--where", "backend=pi"],
        &["--bucket", "15m", "--since", "2026-02-25T06:00:00Z"],
        &["--auto-window", "cancels=20"],
        &[
            "--auto-window",
            "runs=5",
            "--bucket",
            "1h",
            "--where",
            "channel=slack",
        ],
    ] {
        let mut want = vec!["summarize", DIR, "--json", "-q"];
        want.extend_from_slice(opts);
        let want = String::from_utf8(ok(&want)).unwrap();
        assert_eq!(
            want.contains("\"series\""),
            opts.contains(&"--bucket"),
            "{opts:?}"
        );
        if opts.contains(&"--auto-window") {
            assert!(want.contains("\"auto_window\""), "{opts:?}");
        }
        let mut merge = vec!["merge", "--json", "-q"];
        merge.extend(states.iter().map(String::as_str));
        merge.extend_from_slice(opts);
        assert_eq!(String::from_utf8(ok(&merge)).unwrap(), want, "{opts:?}");
        // the artifact summarize writes beside a state is the same too
        let s = p("beside.state");
        let mut beside = vec!["summarize", DIR, "--json", "-q", "--state", &s];
        beside.extend_from_slice(opts);
        assert_eq!(String::from_utf8(ok(&beside)).unwrap(), want, "{opts:?}");
    }
    let e = fails(&["merge", &states[0], "--bucket", "90s"]);
    assert!(
        e.contains("--bucket 90s: states keep time by the minute") && e.contains("e.g. 1m or 2m"),
        "{e}"
    );
    let e = fails(&[
        "summarize",
        DIR,
        "--state",
        &p("x.state"),
        "--bucket",
        "30s",
    ]);
    assert!(e.contains("a whole number of minutes (e.g. 1m)"), "{e}");
    let e = fails(&[
        "merge",
        &states[0],
        "--state",
        &p("y.state"),
        "--bucket",
        "1h",
    ]);
    assert!(e.contains("a merged state keeps everything"), "{e}");
}

/// Times at the ends of i64 (valid and in damaged lines) go through a state
/// and back: the first minute starts before i64::MIN, which once overflowed
/// the state writer.
#[test]
fn extreme_times_round_trip_through_states() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let lo = i64::MIN;
    let hi = i64::MAX;
    let log = format!(
        r#"{{"ts":{lo},"type":"run.state","run_id":"a","state":"start","channel":"slack"}}
{{"ts":{},"type":"run.state","run_id":"a","state":"complete"}}
{{"ts":{},"type":"reaction.match","rule_name":"x"}}
{{"ts":{hi},"type":"reaction.skip","reason":"r"}}
{{"ts":{hi},"type":"run.cancel","run_id":"a","latency_ms":5}}
{{"ts":{lo},"type":"run.cancel","run_id":"b","latency_ms":7,"channel":"x"}}
{{"ts":{lo},"type":"run.st
{{"ts":{hi},"type":"run.st
{{"type":"message","ts":0}}
"#,
        hi - 1,
        lo + 1
    );
    std::fs::write(p("x.jsonl"), log).unwrap();
    let (log, state) = (p("x.jsonl"), p("x.state"));
    ok(&["summarize", &log, "--state", &state, "-q"]);
    for opts in [
        &[][..],
        &["--bucket", "1m"],
        &["--bucket", "auto"],
        &["--bucket", "1w", "--auto-window", "cancels=1"],
    ] {
        let mut want = vec!["summarize", &log, "--json", "-q"];
        want.extend_from_slice(opts);
        let mut got = vec!["merge", &state, "--json", "-q"];
        got.extend_from_slice(opts);
        assert_eq!(
            String::from_utf8(ok(&got)).unwrap(),
            String::from_utf8(ok(&want)).unwrap(),
            "{opts:?}"
        );
    }
}

/// An empty selection says why, as `summarize` does: `merge` merges the
/// states again without it to say what they hold (stdin included).
#[test]
fn merge_says_why_a_selection_kept_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state_of(&logs()[0], tmp.path());
    let out = auditsum()
        .args(["merge", &state, "--where", "backend=nope", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--where backend=nope: no backend `nope` in the data (backends in the data: "),
        "{err}"
    );
    let out = auditsum()
        .args(["merge", "-", "--since", "2030-01-01", "--json"])
        .write_stdin(std::fs::read(&state).unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("holds no events: the data runs from"), "{err}");
    let out = auditsum()
        .args(["merge", &state, "--where", "backend=nope", "--json", "-q"])
        .output()
        .unwrap();
    assert!(out.stderr.is_empty());
}

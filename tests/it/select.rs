//! Windows, scopes and anonymity over the real binary.

use crate::common;

use common::{auditsum, summarize_json};
use predicates::prelude::*;
use serde_json::Value;

fn totals(v: &Value) -> (u64, u64, u64, u64) {
    let r = &v["reactions"]["total"];
    (
        v["runs"]["total"]["runs"].as_u64().unwrap(),
        v["cancels"]["total"]["count"].as_u64().unwrap(),
        r["matched"].as_u64().unwrap() + r["skipped"].as_u64().unwrap(),
        v["event_types"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum(),
    )
}

fn add(a: (u64, u64, u64, u64), b: (u64, u64, u64, u64)) -> (u64, u64, u64, u64) {
    (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3)
}

#[test]
fn consecutive_windows_partition_runs_cancels_and_reactions() {
    let whole = totals(&summarize_json(&["fixtures/messy-small"]));
    let cuts = [
        "2026-02-25T13:00:00Z",
        "2026-02-26",
        "2026-02-27T06:30:00+02:00",
    ];
    let mut sum = totals(&summarize_json(&[
        "fixtures/messy-small",
        "--until",
        cuts[0],
    ]));
    for w in cuts.windows(2) {
        let part = summarize_json(&["fixtures/messy-small", "--since", w[0], "--until", w[1]]);
        sum = add(sum, totals(&part));
    }
    sum = add(
        sum,
        totals(&summarize_json(&[
            "fixtures/messy-small",
            "--since",
            cuts[2],
        ])),
    );
    assert_eq!(sum, whole);
}

#[test]
fn a_run_counts_whole_in_the_window_of_its_start() {
    // r1 starts 06:13:42.334 and is cancelled 70 ms later: the window ending at
    // 06:13:42.400 still sees the cancellation and the duration
    let v = summarize_json(&["fixtures/spellings", "--until", "2026-02-25T06:13:42.400Z"]);
    let tg = &v["runs"]["by_channel"]["telegram"];
    assert_eq!(tg["cancelled"], 1);
    assert_eq!(tg["duration_ms"]["max"], 70);
    assert_eq!(v["filters"]["until"], "2026-02-25T06:13:42.400Z");
    // a run with no timed event is in no window
    let all = summarize_json(&["fixtures/spellings"]);
    let windowed = summarize_json(&["fixtures/spellings", "--since", "2000-01-01"]);
    assert_eq!(all["runs"]["total"]["runs"], 7);
    assert_eq!(windowed["runs"]["total"]["runs"], 6);
    // inputs describe what was read, not what was kept
    assert_eq!(windowed["inputs"], all["inputs"]);
}

#[test]
fn relative_windows_count_back_from_now() {
    let a = summarize_json(&[
        "fixtures/messy-small",
        "--since",
        "36h",
        "--now",
        "2026-02-27T12:00:00Z",
    ]);
    let b = summarize_json(&["fixtures/messy-small", "--since", "2026-02-26T00:00:00Z"]);
    assert_eq!(a, b);
}

#[test]
fn scopes_partition_runs_and_cancels() {
    let whole = summarize_json(&["fixtures/messy-small"]);
    let mut runs = 0;
    let mut cancels = 0;
    for backend in ["pi", "native", "unknown"] {
        let v = summarize_json(&[
            "fixtures/messy-small",
            "--where",
            &format!("backend={backend}"),
        ]);
        assert_eq!(v["filters"]["where"]["backend"][0], backend);
        // the scoped total is the whole baseline's slice of that backend
        assert_eq!(v["runs"]["total"], whole["runs"]["by_backend"][backend]);
        runs += v["runs"]["total"]["runs"].as_u64().unwrap();
        cancels += v["cancels"]["total"]["count"].as_u64().unwrap();
    }
    assert_eq!(runs, whole["runs"]["total"]["runs"].as_u64().unwrap());
    assert_eq!(
        cancels,
        whole["cancels"]["total"]["count"].as_u64().unwrap()
    );

    let two = summarize_json(&[
        "fixtures/messy-small",
        "--where",
        "channel=slack",
        "--where",
        "channel=discord",
    ]);
    let sum = whole["runs"]["by_channel"]["slack"]["runs"]
        .as_u64()
        .unwrap()
        + whole["runs"]["by_channel"]["discord"]["runs"]
            .as_u64()
            .unwrap();
    assert_eq!(two["runs"]["total"]["runs"].as_u64().unwrap(), sum);
    assert_eq!(two["runs"]["by_channel"].as_object().unwrap().len(), 2);
}

#[test]
fn anonymized_artifacts_hold_no_raw_session_id() {
    let plain = summarize_json(&["fixtures/messy-small"]);
    let ids: Vec<String> = plain["runs"]["by_session"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "unknown")
        .cloned()
        .collect();
    assert!(ids.len() > 10);
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("anon");
    auditsum()
        .env("AUDITSUM_SALT", "s3cret")
        .args([
            "summarize",
            "fixtures/messy-small",
            "--anonymize",
            "-q",
            "--where",
            "session=sess-edge",
            "--out",
        ])
        .arg(&prefix)
        .assert()
        .success();
    let json = std::fs::read_to_string(dir.path().join("anon.json")).unwrap();
    let md = std::fs::read_to_string(dir.path().join("anon.md")).unwrap();
    for id in &ids {
        assert!(!json.contains(id.as_str()), "{id} in JSON");
        assert!(!md.contains(id.as_str()), "{id} in Markdown");
    }
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["filters"]["anonymized"], true);
    assert_eq!(
        v["runs"]["total"]["runs"], 1,
        "the session filter still selects sess-edge"
    );

    // same salt, same pseudonyms in another window; another salt, others
    let key = |salt: &str, extra: &[&str]| -> Vec<String> {
        let mut args = vec!["fixtures/messy-small", "--anonymize", "--salt", salt];
        args.extend_from_slice(extra);
        let v = summarize_json(&args);
        v["runs"]["by_session"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let a = key("one", &[]);
    let early = key("one", &["--until", "2026-02-26"]);
    assert!(early.iter().all(|k| a.contains(k)));
    assert!(a
        .iter()
        .filter(|k| *k != "unknown")
        .all(|k| k.starts_with("sess-") && k.len() == 21));
    let b = key("two", &[]);
    assert!(a.iter().filter(|k| *k != "unknown").all(|k| !b.contains(k)));
}

#[test]
fn selection_errors_are_usage_errors() {
    let cases: [(&[&str], &str); 6] = [
        (&["--anonymize"], "needs a salt"),
        (&["--where", "colour=red"], "unknown key"),
        (&["--where", "backend"], "KEY=VALUE"),
        (&["--since", "yesterday"], "--since yesterday: not a time"),
        (
            &["--since", "2026-02-27", "--until", "2026-02-26"],
            "before --until",
        ),
        (&["--since", "1d", "--now", "noon"], "--now noon"),
    ];
    for (args, msg) in cases {
        auditsum()
            .env_remove("AUDITSUM_SALT")
            .args(["summarize", "fixtures/spellings"])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(msg));
    }
}

/// A `--where` typo keeps nothing: a warning names the values that exist (with
/// a "did you mean"), and the table's header shows the filters in force.
#[test]
fn a_where_typo_says_what_exists() {
    let out = auditsum()
        .args([
            "summarize",
            "fixtures/messy-small",
            "--where",
            "channel=telgram",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("auditsum: warning: --where channel=telgram: no channel `telgram` in the data; did you mean telegram? (channels in the data: discord, gateway, signal, slack, telegram, unknown, whatsapp)"),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("\nfilters channel=telgram\n"), "{stdout}");

    // one of two values matched nothing: said too, the other one still counts
    let out = auditsum()
        .args([
            "summarize",
            "fixtures/messy-small",
            "--where",
            "channel=slack",
        ])
        .args(["--where", "channel=Telegram", "--where", "backend=pi"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(
            "channel=Telegram: no channel `Telegram` in the data; did you mean telegram?"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("backend=pi"), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("\nfilters backend=pi, channel=slack|Telegram\n"),
        "{stdout}"
    );

    // a value that exists, but not in the window
    let out = auditsum()
        .args([
            "summarize",
            "fixtures/messy-small",
            "--where",
            "channel=signal",
        ])
        .args(["--since", "2026-02-27T23:00:00Z"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("no channel `signal` in the window"),
        "{stderr}"
    );

    // -q silences the warning; a clean selection says nothing
    let quiet = auditsum()
        .args([
            "summarize",
            "fixtures/messy-small",
            "--where",
            "channel=telgram",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(quiet.stderr.is_empty());
    let fine = auditsum()
        .args([
            "summarize",
            "fixtures/spellings",
            "--where",
            "channel=telegram",
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8(fine.stderr)
        .unwrap()
        .contains("warning: --where"));
}

/// A window beside the data keeps nothing: the warning gives the data's span;
/// --fail-empty turns it into exit 1 (and says why even with -q).
#[test]
fn an_empty_window_says_where_the_data_is() {
    let out = auditsum()
        .args(["summarize", "fixtures/messy-small", "--since", "7d"])
        .args(["--now", "2026-11-25T00:00:00Z", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("warning: the window (since 2026-11-18T00:00:00.000Z) holds no events: the data runs from 2026-02-25T00:00:01.000Z to 2026-02-27T23:56:29.904Z"),
        "{stderr}"
    );
    let strict = auditsum()
        .args(["summarize", "fixtures/messy-small", "--since", "2027-01-01"])
        .args(["--fail-empty", "-q", "--json"])
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1));
    let stderr = String::from_utf8(strict.stderr).unwrap();
    assert!(stderr.contains("the data runs from"), "{stderr}");
    assert!(
        stderr.contains("auditsum: --fail-empty: the summary holds no run, cancel, reaction or event (filters: since 2027-01-01T00:00:00.000Z)"),
        "{stderr}"
    );
    auditsum()
        .args(["summarize", "fixtures/messy-small", "--since", "2026-02-27"])
        .args(["--fail-empty", "-q", "--json"])
        .assert()
        .success();
}

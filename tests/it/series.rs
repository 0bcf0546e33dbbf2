//! `--bucket` and `--auto-window`: buckets add up to the totals, the series
//! does not depend on threads or chunking, and auto windows are the
//! smallest whole-bucket windows that hold enough.

use crate::common;

use std::collections::BTreeMap;
use std::process::{Command as StdCommand, Stdio};

use common::{auditsum, root, summarize_json};
use proptest::prelude::*;
use serde_json::Value;

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// Every bucket plus `untimed`.
fn parts(b: &Value) -> Vec<&Value> {
    let s = &b["series"];
    let mut p: Vec<&Value> = s["buckets"].as_array().expect("buckets").iter().collect();
    if let Some(un) = s.get("untimed") {
        p.push(un);
    }
    p
}

const RUN_COUNTS: [&str; 6] = [
    "runs",
    "completed",
    "cancelled",
    "errored",
    "open",
    "cancel_requested",
];

/// Every count of the series adds up to the artifact's own total.
fn assert_buckets_add_up(b: &Value, what: &str) {
    let p = parts(b);
    let sum = |f: &dyn Fn(&Value) -> u64| p.iter().map(|x| f(x)).sum::<u64>();
    for k in RUN_COUNTS {
        assert_eq!(
            sum(&|x| u(&x["runs"]["total"][k])),
            u(&b["runs"]["total"][k]),
            "{what}: runs.{k}"
        );
        for (ch, s) in b["runs"]["by_channel"].as_object().unwrap() {
            let got = sum(&|x| x["runs"]["by_channel"].get(ch).map_or(0, |c| u(&c[k])));
            assert_eq!(got, u(&s[k]), "{what}: runs.by_channel.{ch}.{k}");
        }
    }
    assert_eq!(
        sum(&|x| u(&x["runs"]["total"]["duration_ms"]["count"])),
        u(&b["runs"]["total"]["duration_ms"]["count"]),
        "{what}: durations"
    );
    for k in ["count", "acknowledged", "unacknowledged"] {
        assert_eq!(
            sum(&|x| u(&x["cancels"][k])),
            u(&b["cancels"]["total"][k]),
            "{what}: cancels.{k}"
        );
    }
    assert_eq!(
        sum(&|x| u(&x["cancels"]["latency_ms"]["count"])),
        u(&b["cancels"]["total"]["latency_ms"]["count"]),
        "{what}: cancel latencies"
    );
    for k in ["matched", "skipped"] {
        assert_eq!(
            sum(&|x| u(&x["reactions"][k])),
            u(&b["reactions"]["total"][k]),
            "{what}: reactions.{k}"
        );
    }
    assert_eq!(
        sum(&|x| u(&x["malformed_lines"])),
        u(&b["inputs"]["malformed_lines"]),
        "{what}: malformed lines"
    );
    // buckets are in time order, aligned and non-empty
    let size = u(&b["series"]["bucket_ms"]) as i64;
    let mut last = None;
    for x in &b["series"]["buckets"].as_array().unwrap()[..] {
        let t = auditsum::time::parse_rfc3339_ms(x["start"].as_str().unwrap()).unwrap();
        assert_eq!(t.rem_euclid(size), 0, "{what}: aligned");
        assert!(last < Some(t), "{what}: in order");
        last = Some(t);
    }
}

#[test]
fn buckets_add_up_to_the_totals_on_the_fixtures() {
    let cases: [&[&str]; 7] = [
        &["fixtures/messy-small", "--bucket", "1h"],
        &["fixtures/messy-small", "--bucket", "1d"],
        &["fixtures/messy-small", "--bucket", "auto"],
        &["fixtures/spellings", "--bucket", "1m"],
        &["fixtures/spellings", "--bucket", "7s"],
        &[
            "fixtures/spellings",
            "--bucket",
            "30s",
            "--since",
            "2026-02-25T06:14:00Z",
            "--where",
            "channel=discord",
        ],
        &[
            "fixtures/messy-small",
            "--bucket",
            "6h",
            "--where",
            "backend=pi",
        ],
    ];
    for args in cases {
        let b = summarize_json(args);
        assert!(!parts(&b).is_empty(), "{args:?}: an empty series");
        assert_buckets_add_up(&b, &format!("{args:?}"));
    }
    // without --bucket there is no series
    assert!(summarize_json(&["fixtures/spellings"])
        .get("series")
        .is_none());
}

#[test]
fn buckets_add_up_on_generated_corpora_and_threads_do_not_matter() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let status = StdCommand::new("python3")
        .arg(root().join("scripts/gen_corpus.py"))
        .args(["--messy", "--runs", "3000", "--seed", "17"])
        .arg(&corpus)
        .stderr(Stdio::null())
        .status()
        .expect("python3 is needed (scripts/gen_corpus.py)");
    assert!(status.success());
    let c = corpus.to_str().unwrap();
    for bucket in ["1h", "1d", "auto"] {
        let one = auditsum()
            .args([
                "summarize",
                c,
                "--json",
                "-q",
                "--bucket",
                bucket,
                "-j",
                "1",
            ])
            .output()
            .unwrap();
        let many = auditsum()
            .args([
                "summarize",
                c,
                "--json",
                "-q",
                "--bucket",
                bucket,
                "-j",
                "4",
            ])
            .args(["--chunk-bytes", "40000"])
            .output()
            .unwrap();
        assert!(one.status.success() && many.status.success());
        assert_eq!(
            one.stdout, many.stdout,
            "--bucket {bucket}: threads changed it"
        );
        let b: Value = serde_json::from_slice(&one.stdout).unwrap();
        assert_buckets_add_up(&b, bucket);
    }
}

fn count_in(b: &Value, what: &str) -> u64 {
    match what {
        "cancels" => u(&b["cancels"]["total"]["count"]),
        _ => u(&b["runs"]["total"]["runs"]),
    }
}

#[test]
fn auto_window_is_the_smallest_whole_bucket_window_holding_enough() {
    for (want, bucket) in [
        ("cancels=10", "1h"),
        ("cancels=30", "6h"),
        ("runs=50", "1h"),
        ("runs=1", "auto"),
    ] {
        let (what, n) = want.split_once('=').unwrap();
        let n: u64 = n.parse().unwrap();
        let b = summarize_json(&[
            "fixtures/messy-small",
            "--auto-window",
            want,
            "--bucket",
            bucket,
        ]);
        let f = &b["filters"];
        assert_eq!(f["auto_window"], want);
        let since = f["since"].as_str().expect("since recorded").to_string();
        let until = f["until"].as_str().expect("until recorded").to_string();
        let size = u(&b["series"]["bucket_ms"]) as i64;
        let (s, e) = (
            auditsum::time::parse_rfc3339_ms(&since).unwrap(),
            auditsum::time::parse_rfc3339_ms(&until).unwrap(),
        );
        assert_eq!((s.rem_euclid(size), e.rem_euclid(size)), (0, 0), "{want}");
        assert!(count_in(&b, what) >= n, "{want}: not enough");
        // the same window by hand gives the same artifact
        let by_hand = summarize_json(&[
            "fixtures/messy-small",
            "--since",
            &since,
            "--until",
            &until,
            "--bucket",
            b["series"]["bucket"].as_str().unwrap(),
        ]);
        let mut mine = b.clone();
        mine["filters"]
            .as_object_mut()
            .unwrap()
            .remove("auto_window");
        assert_eq!(mine, by_hand, "{want}");
        // one bucket less is not enough
        if s + size < e {
            let shorter = summarize_json(&[
                "fixtures/messy-small",
                "--since",
                &auditsum::time::format_ms(s + size),
                "--until",
                &until,
            ]);
            assert!(count_in(&shorter, what) < n, "{want}: not the smallest");
        }
        // it ends with the last timed event of the data
        let all = summarize_json(&["fixtures/messy-small"]);
        let last =
            auditsum::time::parse_rfc3339_ms(all["window"]["last_ts"].as_str().unwrap()).unwrap();
        assert!(
            last < e && last >= e - size,
            "{want}: ends at the last event"
        );
    }
}

#[test]
fn auto_window_stays_before_until() {
    let until = "2026-02-26T13:30:00Z";
    let b = summarize_json(&[
        "fixtures/messy-small",
        "--auto-window",
        "cancels=3",
        "--bucket",
        "1d",
        "--until",
        until,
    ]);
    let got = auditsum::time::parse_rfc3339_ms(b["filters"]["until"].as_str().unwrap()).unwrap();
    assert_eq!(got, auditsum::time::parse_rfc3339_ms(until).unwrap());
    assert_eq!(b["filters"]["since"], "2026-02-26T00:00:00.000Z");
    // 3 cancels between midnight and --until
    assert_eq!(count_in(&b, "cancels"), 3);
}

#[test]
fn auto_window_usage_errors_and_shortfall() {
    let out = auditsum()
        .args(["summarize", "-", "--auto-window", "cancels=3"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not - (standard input)"));
    for bad in [
        &["--auto-window", "cancels"][..],
        &["--auto-window", "cancels=2", "--since", "2026-01-01"],
        &["--bucket", "soon"],
        &["--bucket", "10ms"],
    ] {
        let out = auditsum()
            .args(["summarize", "fixtures/spellings"])
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("error: "), "{bad:?}: {err}");
    }
    // more than the data holds: everything, with a warning
    let out = auditsum()
        .args(["summarize", "fixtures/messy-small", "--json"])
        .args(["--auto-window", "cancels=100000"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only 47"));
    let b: Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = summarize_json(&["fixtures/messy-small"]);
    assert_eq!(count_in(&b, "cancels"), count_in(&all, "cancels"));
    assert_eq!(count_in(&b, "runs"), count_in(&all, "runs"));
}

/// Channel names are kept as they are in the JSON (escaping is the
/// renderers' business), and a channel missing from a bucket is absent.
#[test]
fn per_channel_rows_only_where_there_are_runs() {
    let b = summarize_json(&["fixtures/messy-small", "--bucket", "1h"]);
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for x in parts(&b) {
        for (ch, s) in x["runs"]["by_channel"].as_object().unwrap() {
            assert!(u(&s["runs"]) > 0, "{ch}: an empty row");
            assert!(s["duration_ms"].get("hdr").is_none());
            *seen.entry(ch.clone()).or_default() += u(&s["runs"]);
        }
    }
    let totals: BTreeMap<String, u64> = b["runs"]["by_channel"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), u(&v["runs"])))
        .collect();
    assert_eq!(seen, totals);
}

/// The Trends section of the Markdown artifact, as reviewed.
#[test]
fn trends_section_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("a");
    let out = auditsum()
        .args(["summarize", "fixtures/messy-small", "--bucket", "6h", "-q"])
        .arg("--out")
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(out.status.success());
    let md = std::fs::read_to_string(prefix.with_extension("md")).unwrap();
    let start = md.find("## Trends").expect("a Trends section");
    let end = start + md[start..].find("## Runs").unwrap();
    insta::assert_snapshot!("trends_messy_6h", &md[start..end]);
    // no series, no charts
    let plain = auditsum()
        .args(["summarize", "fixtures/messy-small", "--out"])
        .arg(dir.path().join("b"))
        .arg("-q")
        .output()
        .unwrap();
    assert!(plain.status.success());
    let md = std::fs::read_to_string(dir.path().join("b.md")).unwrap();
    assert!(!md.contains("```mermaid"));
}

/// The terminal table gets a sparkline of runs per bucket beside each
/// channel when a series exists and the terminal is wide enough.
#[test]
fn terminal_trend_column() {
    let table = |args: &[&str], columns: &str| {
        let out = auditsum()
            .args([
                "summarize",
                "fixtures/messy-small",
                "-q",
                "--color",
                "never",
            ])
            .args(args)
            .env("COLUMNS", columns)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let wide = table(&["--bucket", "6h"], "100");
    assert!(wide.contains("trend"), "{wide}");
    // 12 buckets of 6h over three days, one bar each
    let telegram = wide.lines().find(|l| l.contains("telegram")).unwrap();
    let bars = telegram
        .chars()
        .filter(|c| "▁▂▃▄▅▆▇█·".contains(*c))
        .count();
    assert_eq!(bars, 12, "{telegram}");
    assert!(!wide.contains('\u{1b}'), "--color never: no escapes");
    assert!(!table(&[], "100").contains("trend"));
    assert!(!table(&["--bucket", "6h"], "80").contains("trend"));
}

/// One generated event: (kind, minute offset, run, channel, detail).
type Ev = (u8, u32, u8, u8, u16);

/// JSONL lines of generated events over four days: run starts (with a
/// channel) and ends (complete/error/cancelled, up to hours later, so runs
/// straddle buckets), cancels with and without latency, reactions,
/// untimed events and malformed lines.
fn lines_of(events: &[Ev]) -> Vec<String> {
    const T0: u64 = 1_772_000_000_000; // 2026-02-25T06:13:20Z
    const CHANNELS: [&str; 4] = ["slack", "discord", "we\"b", "gateway"];
    events
        .iter()
        .map(|&(kind, min, run, ch, d)| {
            let ts = T0 + u64::from(min) * 60_000 + u64::from(d) * 7;
            let ch = serde_json::to_string(CHANNELS[usize::from(ch) % 4]).unwrap();
            let id = format!("r{run}");
            match kind % 8 {
                0 | 1 => format!(
                    r#"{{"ts":{ts},"type":"run.state","state":"start","run_id":"{id}","channel":{ch}}}"#
                ),
                2 | 3 => {
                    let end = ["complete", "error", "cancelled"][usize::from(d) % 3];
                    let at = ts + u64::from(d) * 1_000;
                    format!(r#"{{"ts":{at},"type":"run.state","state":"{end}","run_id":"{id}"}}"#)
                }
                4 => format!(
                    r#"{{"ts":{ts},"type":"run.cancel","run_id":"{id}","source":"user","latency_ms":{d}}}"#
                ),
                5 => format!(r#"{{"ts":{ts},"type":"run.cancel","channel":{ch}}}"#),
                6 => {
                    let t = ["reaction.match", "reaction.skip"][usize::from(d) % 2];
                    format!(r#"{{"ts":{ts},"type":"{t}","channel":{ch},"reason":"cooldown"}}"#)
                }
                _ => match d % 3 {
                    0 => format!(r#"{{"type":"run.state","state":"start","run_id":"u{run}"}}"#),
                    1 => "not json".to_string(),
                    _ => format!(r#"{{"ts":{ts},"type":"run.state","state":"complete","run_"#),
                },
            }
        })
        .collect()
}

fn events() -> impl Strategy<Value = Vec<Ev>> {
    prop::collection::vec((0u8..8, 0u32..5_760, 0u8..40, 0u8..4, 0u16..20_000), 1..160)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// On any corpus, with any bucket size, with or without --auto-window
    /// (and --until): the buckets add up exactly to the totals, one thread
    /// reading whole files gives the same bytes as several reading small
    /// chunks, and the auto window holds N or every timed item there is.
    #[test]
    fn buckets_add_up_and_threads_do_not_matter(
        files in prop::collection::vec(events(), 1..4),
        bucket in prop::sample::select(vec!["7m", "1h", "6h", "1d", "auto"]),
        auto in prop::option::of((any::<bool>(), 1u64..60)),
        until in prop::option::of(0i64..96),
        threads in 2usize..5,
        chunk in 64u64..4_000,
    ) {
        let dir = tempfile::tempdir().unwrap();
        for (i, evs) in files.iter().enumerate() {
            let body: String = lines_of(evs).iter().map(|l| format!("{l}\n")).collect();
            std::fs::write(dir.path().join(format!("f{i}.jsonl")), body).unwrap();
        }
        let mut args: Vec<String> = vec![
            "summarize".into(),
            dir.path().to_str().unwrap().into(),
            "--json".into(),
            "-q".into(),
            "--bucket".into(),
            bucket.into(),
        ];
        if let Some((cancels, n)) = auto {
            let what = if cancels { "cancels" } else { "runs" };
            args.extend(["--auto-window".into(), format!("{what}={n}")]);
        }
        if let Some(h) = until {
            let t = 1_772_000_000_000 + h * 3_600_000;
            args.extend(["--until".into(), auditsum::time::format_ms(t)]);
        }
        let run = |extra: &[String]| {
            let out = auditsum().args(&args).args(extra).output().unwrap();
            assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        };
        let one = run(&["-j".into(), "1".into()]);
        let many = run(&[
            "-j".into(),
            threads.to_string(),
            "--chunk-bytes".into(),
            chunk.to_string(),
        ]);
        prop_assert_eq!(&one, &many, "{:?}: threads changed it", args);
        let b: Value = serde_json::from_slice(&one).unwrap();
        assert_buckets_add_up(&b, &format!("{args:?}"));
        if let Some((cancels, n)) = auto {
            // the window holds enough, or all there is
            if b["filters"].get("since").is_some_and(|s| !s.is_null()) {
                let what = if cancels { "cancels" } else { "runs" };
                let mut everything = args.clone();
                let at = everything.iter().position(|a| a == "--auto-window").unwrap();
                everything.drain(at..at + 2);
                let all: Value = serde_json::from_slice(
                    &auditsum().args(&everything).output().unwrap().stdout,
                )
                .unwrap();
                // a window holds no untimed item
                let untimed = match (&all["series"]["untimed"], cancels) {
                    (Value::Null, _) => 0,
                    (un, true) => u(&un["cancels"]["count"]),
                    (un, false) => u(&un["runs"]["total"]["runs"]),
                };
                let held = count_in(&b, what);
                prop_assert!(
                    held >= n || held == count_in(&all, what) - untimed,
                    "{:?}: {} {} of {}", args, held, what, n
                );
            }
        }
    }
}

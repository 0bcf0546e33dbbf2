//! The contract of state files (docs/scale.md): for any split of the input
//! files into shards, any chunking of the files inside a shard, and any tree
//! of merges (each through the state's bytes), the artifact is byte-identical
//! to one `summarize` of everything, under any selection (windows on whole
//! minutes), scope, series (`--bucket` of whole minutes, or `auto`) and
//! `--anonymize`.

use std::io::Write;
use std::path::Path;

use auditsum::anonymize::Anonymizer;
use auditsum::pipeline::{self, Config};
use auditsum::render::{json::Json, Render};
use auditsum::select::{Attr, Selection};
use auditsum::series::BucketSpec;
use auditsum::state::{self, Options, State};
use proptest::prelude::*;

/// Cases of the property (quoted in docs/scale.md); `PROPTEST_CASES` overrides.
const CASES: u32 = 256;
const MINUTE: i64 = 60_000;
const T0: i64 = 1_772_000_000_000 - 1_772_000_000_000 % MINUTE;

fn line(kind: u8, r: u8, t: Option<i64>, a: [u8; 6]) -> String {
    let pick = |sel: u8, vals: &[&str]| -> Option<String> {
        (sel as usize % (vals.len() + 1))
            .checked_sub(1)
            .map(|i| vals[i].to_string())
    };
    let mut o = serde_json::Map::new();
    let mut put = |k: &str, v: Option<serde_json::Value>| {
        if let Some(v) = v {
            o.insert(k.to_string(), v);
        }
    };
    let s = |v: Option<String>| v.map(serde_json::Value::String);
    put("ts", t.map(|t| (t).into()));
    put(
        "channel",
        s(pick(a[0], &["slack", "discord", "gateway", "unknown"])),
    );
    put("backend", s(pick(a[1], &["pi", "claude"])));
    put("session_id", s(pick(a[2], &["s1", "s2", "s3"])));
    put("origin", s(pick(a[3] / 3, &["channel", "cron"])));
    match kind % 7 {
        0 | 1 => {
            put("type", s(Some("run.state".into())));
            put("run_id", s(Some(format!("r{}", r % 12))));
            put(
                "state",
                s(pick(
                    a[4] | 1,
                    &[
                        "start",
                        "started",
                        "complete",
                        "failed",
                        "aborted",
                        "cancel_requested",
                        "paused",
                    ],
                )),
            );
        }
        2 => {
            put("type", s(Some("run.cancel".into())));
            put("run_id", s(pick(r, &["r1", "r2", "r3", "r4", "r9"])));
            put("source", s(pick(a[4], &["user", "timeout"])));
            match a[5] % 4 {
                0 => put("latency_ms", Some((u64::from(a[5]) * 37).into())),
                1 => {
                    put("requested", t.map(|t| t.into()));
                    put(
                        "acknowledged",
                        t.map(|t| (t + i64::from(a[5]) * 1000).into()),
                    );
                }
                2 => put("acknowledged", Some(true.into())),
                _ => {}
            }
        }
        3 => {
            put("type", s(Some("reaction.match".into())));
            put("rule_name", s(pick(a[4], &["greet", "faq"])));
        }
        4 => {
            put("type", s(Some("reaction.skip".into())));
            put("reason", s(pick(a[4], &["cooldown", "no_match"])));
            put("candidate_count", Some(u64::from(a[5] % 5).into()));
        }
        5 => put("type", s(Some("message".into()))),
        // damaged lines, some still showing their time (a series places them by it)
        _ => match (a[5] % 5, t) {
            (4, Some(t)) => return format!("{{\"ts\":{t},\"type\":\"run.st"),
            (k, _) => {
                return ["{not json", "[1,2]", "{\"no\":\"type\"}", ""][k as usize % 4].into()
            }
        },
    }
    serde_json::Value::Object(o).to_string()
}

#[derive(Debug, Clone)]
struct Case {
    /// (file, line) pairs: every line goes to one of the files.
    lines: Vec<(usize, String)>,
    files: usize,
    gz: Vec<bool>,
    /// Shard of each file.
    shard: Vec<usize>,
    chunk: u64,
    /// Merge order: pairs picked from the remaining states.
    picks: Vec<(usize, usize)>,
    sel: Selection,
    bucket: Option<BucketSpec>,
    anonymize: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let ev = (
        any::<u8>(),
        any::<u8>(),
        prop::option::weighted(0.9, 0i64..(20 * MINUTE)),
        any::<[u8; 6]>(),
    );
    (
        1usize..6,
        prop::collection::vec((any::<prop::sample::Index>(), ev), 0..120),
    )
        .prop_flat_map(|(files, evs)| {
            let lines: Vec<(usize, String)> = evs
                .into_iter()
                .map(|(f, (k, r, t, a))| (f.index(files), line(k, r, t.map(|t| T0 + t), a)))
                .collect();
            (
                Just(lines),
                Just(files),
                prop::collection::vec(any::<bool>(), files),
                prop::collection::vec(0usize..4, files),
                prop_oneof![Just(1u64 << 20), 40u64..400],
                prop::collection::vec((any::<usize>(), any::<usize>()), 8),
                (
                    prop::option::of(0i64..12),
                    prop::option::of(8i64..22),
                    prop::option::of(prop::sample::select(vec!["slack", "unknown", "gateway"])),
                    prop::option::of(prop::sample::select(vec!["pi", "unknown"])),
                    prop::option::of(prop::sample::select(vec!["s1", "s3"])),
                ),
                any::<bool>(),
                prop::option::of(prop::sample::select(vec![
                    BucketSpec::Auto,
                    BucketSpec::Fixed(MINUTE),
                    BucketSpec::Fixed(3 * MINUTE),
                    BucketSpec::Fixed(60 * MINUTE),
                ])),
            )
        })
        .prop_map(
            |(
                lines,
                files,
                gz,
                shard,
                chunk,
                picks,
                (since, until, ch, be, se),
                anonymize,
                bucket,
            )| {
                let mut sel = Selection {
                    since: since.map(|m| T0 + m * MINUTE),
                    until: until.map(|m| T0 + m * MINUTE),
                    ..Selection::default()
                };
                if let (Some(s), Some(u)) = (sel.since, sel.until) {
                    if s >= u {
                        sel.until = None;
                    }
                }
                for (attr, v) in [
                    (Attr::Channel, ch),
                    (Attr::Backend, be),
                    (Attr::Session, se),
                ] {
                    if let Some(v) = v {
                        sel.wheres.insert(attr, vec![v.to_string()]);
                    }
                }
                Case {
                    lines,
                    files,
                    gz,
                    shard,
                    chunk,
                    picks,
                    sel,
                    bucket,
                    anonymize,
                }
            },
        )
}

fn write_files(dir: &Path, c: &Case) -> Vec<std::path::PathBuf> {
    (0..c.files)
        .map(|f| {
            let body: String = c
                .lines
                .iter()
                .filter(|(g, _)| *g == f)
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            let path = if c.gz[f] {
                let p = dir.join(format!("f{f}.jsonl.gz"));
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                gz.write_all(body.as_bytes()).unwrap();
                std::fs::write(&p, gz.finish().unwrap()).unwrap();
                p
            } else {
                let p = dir.join(format!("f{f}.jsonl"));
                std::fs::write(&p, body).unwrap();
                p
            };
            path
        })
        .collect()
}

fn render(mut b: auditsum::baseline::Baseline, anonymize: bool) -> Vec<u8> {
    if anonymize {
        Anonymizer::new("salt").apply(&mut b);
    }
    Json.render(&b)
}

fn check(c: &Case) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_files(dir.path(), c);
    let cfg = Config {
        paths: vec![dir.path().to_path_buf()],
        threads: 1,
        selection: c.sel.clone(),
        bucket: c.bucket,
        ..Config::default()
    };
    let want = render(pipeline::summarize(&cfg).unwrap().baseline, c.anonymize);

    let mut states: Vec<(String, State)> = Vec::new();
    for shard in 0..4 {
        let mine: Vec<_> = paths
            .iter()
            .enumerate()
            .filter(|(f, _)| c.shard[*f] == shard)
            .map(|(_, p)| p.clone())
            .collect();
        if mine.is_empty() {
            continue;
        }
        let cfg = Config {
            paths: mine,
            threads: 1 + shard % 2,
            chunk_bytes: c.chunk,
            for_state: true,
            ..Config::default()
        };
        let got = pipeline::collect(&cfg, None).unwrap();
        let st = State::new(
            Options::new(cfg.max_keys, cfg.max_line_bytes),
            got.names,
            &got.partial,
        );
        let name = format!("shard{shard}");
        let bytes = st.encode();
        // a state is a function of its files: not of threads or chunking
        let whole = pipeline::collect(
            &Config {
                chunk_bytes: 1 << 20,
                threads: 1,
                ..cfg.clone()
            },
            None,
        )
        .unwrap();
        let whole = State::new(st.options.clone(), whole.names, &whole.partial);
        prop_assert_eq!(&whole.encode(), &bytes);
        states.push((name.clone(), State::decode(&bytes, &name).unwrap()));
    }
    // a random merge tree, every intermediate through its bytes
    let mut k = 0;
    while states.len() > 1 {
        let (i, j) = c.picks[k % c.picks.len()];
        k += 1;
        let a = states.swap_remove(i % states.len());
        let b = states.swap_remove(j % states.len());
        let m = state::merge(vec![a, b]).unwrap();
        let name = format!("m{k}");
        states.push((name.clone(), State::decode(&m.encode(), &name).unwrap()));
    }
    let merged = match states.pop() {
        Some((_, s)) => s,
        None => state::merge(Vec::new()).unwrap(),
    };
    let files = merged.files.clone();
    let got = render(
        merged
            .into_partial()
            .with_series(c.bucket)
            .finalize(&files, &c.sel),
        c.anonymize,
    );
    prop_assert_eq!(
        String::from_utf8(got).unwrap(),
        String::from_utf8(want).unwrap()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(CASES)))]
    #[test]
    fn any_sharding_and_merge_tree_gives_the_same_artifact(c in case()) {
        check(&c)?;
    }
}

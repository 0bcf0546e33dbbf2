//! `auditsum inspect` over arbitrary bytes must never panic, and what it
//! reports must hold together: the first byte picks the dialect (auto,
//! default, openclaw) and the example count, the rest is the log file
//! (plain or compressed: the reader decides by content). Every line is an
//! event or a malformed line; key lists stay within their bound; the text
//! report carries no raw control character.
//!
//! Run by the fuzz target `fuzz/fuzz_targets/inspect.rs` (cargo fuzz) and replayed
//! over a seed corpus by `tests/it/fuzz_replay.rs` (cargo test).

use auditsum::dialect::{builtin, Choice};
use auditsum::inspect::{self, report, Options, MAX_KEYS};

/// One input: must not panic.
pub fn check(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temp folder");
    let log = dir.path().join("fuzz.jsonl");
    std::fs::write(&log, rest).expect("write the log");
    let dialect = match pick % 3 {
        0 => Choice::Auto,
        1 => Choice::Fixed(builtin("default").expect("built in").clone()),
        _ => Choice::Fixed(builtin("openclaw").expect("built in").clone()),
    };
    let opts = Options {
        paths: vec![log],
        include: Vec::new(),
        dialect,
        max_line_bytes: 4096,
        max_lines: if pick & 0x80 != 0 { 3 } else { 0 },
        examples: usize::from(pick >> 2 & 3),
        hide_ids: pick & 0x40 != 0,
    };
    let r = inspect::inspect(&opts).expect("one named file is always inspected");
    let malformed: u64 = r.malformed.values().sum();
    let events: u64 = r.dialects.iter().map(|d| d.events).sum();
    assert_eq!(r.lines, events + malformed, "every line is counted once");
    for d in &r.dialects {
        let typed: u64 = d.types.iter().map(|t| t.count).sum();
        assert_eq!(typed, d.events);
        for t in &d.types {
            assert!(t.keys.len() <= MAX_KEYS);
            for k in &t.keys {
                assert!(k.present <= t.count);
                assert!(k.examples.len() <= opts.examples);
                assert!(!k.hidden || k.examples.is_empty(), "hidden examples shown");
            }
        }
    }
    let text = report::text(&r);
    assert!(
        !text
            .chars()
            .any(|c| c != '\n' && auditsum::render::escape::needs_escape(c)),
        "a raw control character in the report"
    );
    let _: serde_json::Value = serde_json::from_str(&report::json(&r)).expect("valid JSON");
}

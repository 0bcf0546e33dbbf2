//! The tolerant line parser must never panic, whatever the bytes, and its
//! fast path must read every line exactly as the serde_json reference does.
//!
//! Run by the fuzz target `fuzz/fuzz_targets/parse_line.rs` (cargo fuzz) and replayed
//! over a seed corpus by `tests/it/fuzz_replay.rs` (cargo test).

use auditsum::event::Parser;

/// One input: must not panic.
pub fn check(data: &[u8]) {
    let (mut a, mut b) = (Parser::new(), Parser::new());
    let fast = a.parse(data);
    assert_eq!(fast, b.parse_reference(data));
    if let Ok(ev) = fast {
        // every resolved field is usable
        let _ = (
            ev.etype.len(),
            ev.ts,
            ev.latency_ms,
            ev.acknowledged.is_acknowledged(),
        );
    }
}

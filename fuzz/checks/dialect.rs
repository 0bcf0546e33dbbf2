//! Mapping files and the mapped line path must never panic: the first byte
//! picks a case — a mapping file's text (TOML; accepted or refused with a
//! line number), or a line read with each built-in dialect through the
//! generic mapped parser (and the auto-detection over the bytes).
//!
//! Run by the fuzz target `fuzz/fuzz_targets/dialect.rs` (cargo fuzz) and replayed
//! over a seed corpus by `tests/it/fuzz_replay.rs` (cargo test).

use auditsum::dialect::{self, Dialect, MappedParser};

/// One input: must not panic.
pub fn check(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    if pick % 2 == 0 {
        if let Ok(text) = std::str::from_utf8(rest) {
            match Dialect::from_toml(text) {
                Ok(d) => {
                    // a mapping that loads can read any line
                    let mut p = MappedParser::new(&d.mapping);
                    let _ = p.parse(br#"{"type":"run.started","data":{"runId":"r"}}"#);
                }
                Err(e) => assert!(e.line >= 1 && e.line <= text.lines().count().max(1) + 1),
            }
        }
    } else {
        for d in dialect::builtins() {
            let mut p = MappedParser::new(&d.mapping);
            if let Ok(ev) = p.parse(rest) {
                let _ = (ev.etype.len(), ev.ts, ev.duration_ms, ev.kind);
            }
        }
        let _ = dialect::detect(rest, pick % 4 == 1);
    }
}

//! `diff`'s artifact reader over arbitrary bytes: a whole artifact (JSON), an
//! `hdr` string, or raw histogram bytes (base64-encoded here so that the
//! fuzzer mutates the V2 structure itself). No panic, no large allocation;
//! whatever is accepted compares and renders.
//!
//! Run by the fuzz target `fuzz/fuzz_targets/diff_artifact.rs` (cargo fuzz) and replayed
//! over a seed corpus by `tests/it/fuzz_replay.rs` (cargo test).

use auditsum::diff::{self, hdr, Options};
use auditsum::render::{diff_markdown::DiffMarkdown, json::Json, Render};
use base64::Engine;

/// One input: must not panic.
pub fn check(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            if let Ok(a) = diff::load_bytes("fuzz.json", body) {
                let r = diff::compare(&a.baseline, "a", &a.baseline, "b", &Options::default());
                let _ = DiffMarkdown.render(&r);
                let _ = Json.render(&r);
            }
        }
        1 => {
            let _ = hdr::decode(&String::from_utf8_lossy(body));
        }
        _ => {
            let s = base64::engine::general_purpose::STANDARD.encode(body);
            if let Ok(h) = hdr::decode(&s) {
                let _ = diff::stats::quantile_shifts_up(&h, &h, &[0.5, 0.99]);
            }
        }
    }
}

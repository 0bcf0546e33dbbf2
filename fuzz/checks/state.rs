//! The state reader over arbitrary bytes: `State::decode` never panics, and
//! whatever it accepts merges, finalises (with and without a series) and
//! renders. Seeds: a real state
//! with bytes flipped (mode byte odd) or arbitrary bytes behind the magic
//! and version (mode byte even), so the fuzzer reaches the payload checks.
//!
//! Run by the fuzz target `fuzz/fuzz_targets/state.rs` (cargo fuzz) and replayed
//! over a seed corpus by `tests/it/fuzz_replay.rs` (cargo test).

use auditsum::pipeline::{collect_stream, Config};
use auditsum::render::{json::Json, Render};
use auditsum::select::Selection;
use auditsum::series::BucketSpec;
use auditsum::state::{self, Options, State, MAGIC, VERSION};

/// One input: must not panic.
pub fn check(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let bytes: Vec<u8> = match mode % 3 {
        0 => body.to_vec(),
        1 => {
            // a payload of the fuzzer's choosing, framed correctly
            let mut v = MAGIC.to_vec();
            v.extend_from_slice(&VERSION.to_le_bytes());
            v.extend_from_slice(&(body.len() as u64).to_le_bytes());
            v.extend(zstd::encode_all(body, 1).unwrap());
            v
        }
        _ => {
            // a real state of the body read as a log, then corrupted at one byte
            let cfg = Config {
                max_line_bytes: 4096,
                max_keys: 64,
                for_state: true,
                ..Config::default()
            };
            let st = State::new(
                Options::new(64, 4096),
                vec!["f.jsonl".into()],
                &collect_stream(body, &cfg),
            );
            let mut v = st.encode();
            if let Some(i) = body.first().map(|&b| b as usize % v.len()) {
                v[i] ^= body.get(1).copied().unwrap_or(1) | 1;
            }
            v
        }
    };
    let Ok(st) = State::decode(&bytes, "fuzz.state") else {
        return;
    };
    let again = st.encode();
    let names = st.files.clone();
    let Ok(merged) = state::merge(vec![("a".into(), st)]) else {
        return;
    };
    let partial = merged.into_partial();
    // and with a series: made from the state's minutes at finalisation
    let b = partial
        .clone()
        .with_series(Some(BucketSpec::Auto))
        .finalize(&names, &Selection::default());
    let _ = Json.render(&b);
    let b = partial.finalize(&names, &Selection::default());
    let _ = Json.render(&b);
    let _ = State::decode(&again, "again.state").expect("a state's own bytes read back");
}

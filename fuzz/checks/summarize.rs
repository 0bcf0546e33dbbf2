//! The whole summarize path over arbitrary bytes, plain or wrapped in gzip or
//! zstd (whole or truncated), with or without a time series: no panic, and
//! the artifact always renders.
//!
//! Run by the fuzz target `fuzz/fuzz_targets/summarize.rs` (cargo fuzz) and replayed
//! over a seed corpus by `tests/it/fuzz_replay.rs` (cargo test).

use std::io::Write;

use auditsum::pipeline::{summarize_stream, Config};
use auditsum::render::{json::Json, markdown::Markdown, table::Table, Render};
use auditsum::series::BucketSpec;

/// One input: must not panic.
pub fn check(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let wrapped: Vec<u8> = match mode % 5 {
        0 => body.to_vec(),
        1 | 2 => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(body).unwrap();
            let mut out = gz.finish().unwrap();
            if mode % 5 == 2 {
                out.truncate(out.len() / 2);
            }
            out
        }
        3 => zstd::encode_all(body, 1).unwrap(),
        _ => {
            let mut z = zstd::encode_all(body, 1).unwrap();
            let n = z.len();
            z[n / 2] ^= 0x5a; // corrupt the middle
            z
        }
    };
    let cfg = Config {
        max_line_bytes: 4096,
        max_keys: 64,
        bucket: match (mode / 5) % 3 {
            0 => None,
            1 => Some(BucketSpec::Auto),
            _ => Some(BucketSpec::Fixed(3_600_000)),
        },
        ..Config::default()
    };
    let b = summarize_stream(&wrapped[..], "fuzz.jsonl", &cfg);
    let _ = Json.render(&b);
    let _ = Markdown { top: 5 }.render(&b);
    let _ = Table {
        top: 5,
        width: 100,
        color: mode % 2 == 0,
    }
    .render(&b);
}

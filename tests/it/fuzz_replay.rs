//! The fuzz targets' bodies (fuzz/checks/) on stable, without cargo-fuzz:
//! every seed of fuzz/seeds/TARGET, deterministic mutations of each (cuts,
//! flipped bytes, other mode bytes), and whatever a fuzz run left in
//! fuzz/corpus/TARGET and fuzz/artifacts/TARGET (so a crash found by
//! `scripts/fuzz.sh` stays a failing test until fixed). A check fails by
//! panicking, as under libFuzzer.

#[path = "../../fuzz/checks/dialect.rs"]
mod dialect;
#[path = "../../fuzz/checks/diff_artifact.rs"]
mod diff_artifact;
#[path = "../../fuzz/checks/inspect.rs"]
mod inspect;
#[path = "../../fuzz/checks/parse_line.rs"]
mod parse_line;
#[path = "../../fuzz/checks/state.rs"]
mod state;
#[path = "../../fuzz/checks/summarize.rs"]
mod summarize;

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A few deterministic variants of `seed`: itself, cut at quarters, with
/// bytes flipped at spread positions, and under every mode byte < `modes`.
fn variants(seed: &[u8], modes: u8) -> Vec<Vec<u8>> {
    let mut out = vec![seed.to_vec()];
    for q in 1..4 {
        out.push(seed[..seed.len() * q / 4].to_vec());
    }
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ seed.len() as u64;
    for _ in 0..8 {
        if seed.is_empty() {
            break;
        }
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut v = seed.to_vec();
        let i = (x >> 33) as usize % v.len();
        v[i] ^= ((x >> 17) as u8) | 1;
        out.push(v);
    }
    if let Some((_, body)) = seed.split_first() {
        for m in 0..modes {
            let mut v = vec![m];
            v.extend_from_slice(body);
            out.push(v);
        }
    }
    out
}

/// Run `check` over the target's seeds (which must exist) and their
/// variants, then over any corpus or crash files a fuzz run left.
fn replay(target: &str, modes: u8, check: fn(&[u8])) {
    let seeds = files(&fuzz_dir().join("seeds").join(target));
    assert!(!seeds.is_empty(), "no seeds in fuzz/seeds/{target}");
    let mut runs = 0;
    for s in &seeds {
        let bytes = std::fs::read(s).unwrap();
        for v in variants(&bytes, modes) {
            check(&v);
            runs += 1;
        }
    }
    for left in ["corpus", "artifacts"] {
        for f in files(&fuzz_dir().join(left).join(target)) {
            check(&std::fs::read(&f).unwrap());
            runs += 1;
        }
    }
    assert!(runs >= seeds.len() * 4, "{target}: {runs} inputs");
}

#[test]
fn parse_line_seeds() {
    replay("parse_line", 0, parse_line::check);
}

#[test]
fn summarize_seeds() {
    replay("summarize", 15, summarize::check);
}

#[test]
fn diff_artifact_seeds() {
    replay("diff_artifact", 3, diff_artifact::check);
}

#[test]
fn state_seeds() {
    replay("state", 3, state::check);
}

#[test]
fn dialect_seeds() {
    replay("dialect", 4, dialect::check);
}

#[test]
fn inspect_seeds() {
    replay("inspect", 3, inspect::check);
}

//! `diff`'s artifact reader over arbitrary bytes: a whole artifact (JSON), an
//! `hdr` string, or raw histogram bytes (base64-encoded here so that the
//! fuzzer mutates the V2 structure itself). No panic, no large allocation;
//! whatever is accepted compares and renders.
#![no_main]

#[path = "../checks/diff_artifact.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));

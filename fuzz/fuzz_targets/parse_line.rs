//! The tolerant line parser must never panic, whatever the bytes, and its
//! fast path must read every line exactly as the serde_json reference does.
#![no_main]

#[path = "../checks/parse_line.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));

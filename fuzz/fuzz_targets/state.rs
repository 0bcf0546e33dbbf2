//! The state reader over arbitrary bytes: `State::decode` never panics, and
//! whatever it accepts merges, finalises and renders. Seeds: a real state
//! with bytes flipped (mode byte odd) or arbitrary bytes behind the magic
//! and version (mode byte even), so the fuzzer reaches the payload checks.
#![no_main]

#[path = "../checks/state.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));

//! The whole summarize path over arbitrary bytes, plain or wrapped in gzip or
//! zstd (whole or truncated), with or without a time series: no panic, and
//! the artifact always renders.
#![no_main]

#[path = "../checks/summarize.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));

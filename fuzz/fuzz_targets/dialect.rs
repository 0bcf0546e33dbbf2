//! Mapping files and the mapped line path must never panic: the first byte
//! picks a case — a mapping file's text (TOML; accepted or refused with a
//! line number), or a line read with each built-in dialect through the
//! generic mapped parser (and the auto-detection over the bytes).
#![no_main]

#[path = "../checks/dialect.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));

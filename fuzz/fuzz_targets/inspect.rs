//! `auditsum inspect` over arbitrary log bytes (see fuzz/checks/inspect.rs).
#![no_main]

#[path = "../checks/inspect.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));

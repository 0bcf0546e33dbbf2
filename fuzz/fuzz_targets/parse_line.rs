//! The tolerant line parser must never panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ev) = auditsum::event::parse_line(data) {
        // every resolved field is usable
        let _ = (ev.etype.len(), ev.ts, ev.latency_ms, ev.acknowledged.is_acknowledged());
    }
});

//! The tolerant line parser must never panic, whatever the bytes, and its
//! fast path must read every line exactly as the serde_json reference does.
#![no_main]

use auditsum::event::Parser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (mut a, mut b) = (Parser::new(), Parser::new());
    let fast = a.parse(data);
    assert_eq!(fast, b.parse_reference(data));
    if let Ok(ev) = fast {
        // every resolved field is usable
        let _ = (ev.etype.len(), ev.ts, ev.latency_ms, ev.acknowledged.is_acknowledged());
    }
});

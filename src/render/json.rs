//! The JSON artifact: pretty-printed, keys sorted, newline-terminated.

use crate::baseline::Baseline;
use crate::render::Render;

pub struct Json;

impl Render for Json {
    fn render(&self, baseline: &Baseline) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(baseline).expect("the artifact always serialises");
        out.push(b'\n');
        out
    }
}

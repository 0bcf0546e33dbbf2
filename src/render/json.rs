//! JSON output: pretty-printed, keys sorted (struct fields are declared in
//! order, maps are `BTreeMap`s), newline-terminated.

use crate::render::Render;

pub struct Json;

/// Pretty JSON with a final newline: the artifact, or the drift report.
impl<T: serde::Serialize> Render<T> for Json {
    fn render(&self, item: &T) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(item).expect("artifacts always serialise");
        out.push(b'\n');
        out
    }
}

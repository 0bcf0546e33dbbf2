//! Input: discover sources, then read them as work units.

pub mod discover;
pub mod glob;
pub mod reader;

/// Blank: empty or only ASCII whitespace (space, tab, CR, VT, FF).
pub fn is_blank(line: &[u8]) -> bool {
    line.iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c'))
}

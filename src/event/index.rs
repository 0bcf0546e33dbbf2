//! Stage one of the fast path (as in simdjson): one SIMD pass over a line that
//! classifies every byte, 16 at a time, and leaves a bitmap of its quotes.
//!
//! The pass answers three questions at once: is the line ASCII (then it is
//! valid UTF-8 without a validator), is it *plain* (no backslash, no control
//! byte — the fast path's precondition), and where is every `"`. Without
//! backslashes every quote delimits a string, so the scanner finds the end of
//! a string with a shift and a `trailing_zeros` instead of a search, and
//! without the branch on string length that a search mispredicts.
//!
//! The vectors are `lane::Lane` (SSE2 on x86-64, plain arrays elsewhere); the
//! one `unsafe` here is taking an all-ASCII line as text without a second look.

use super::lane::Lane;

/// Storage for the quote bitmap, reused from line to line.
#[derive(Debug, Default)]
pub(super) struct LineIndex {
    quotes: Vec<u64>,
}

/// One line and what one pass over it found. The only way to get one is
/// [`LineIndex::build`] on that very line, so the bitmap always describes
/// `text` (the scanner's safety argument rests on this).
#[derive(Debug)]
pub(super) struct Indexed<'l, 'x> {
    /// The line, if it is valid UTF-8.
    text: Option<&'l str>,
    /// Bit `i % 64` of word `i / 64` is set iff byte `i` is `"`.
    quotes: &'x [u64],
    plain: bool,
}

/// Running ORs over the lanes of a line: of the bytes themselves (their sign
/// bits say whether any byte is >= 0x80) and of the special-byte masks.
struct Acc {
    bytes: Lane,
    special: Lane,
}

/// Classify whole 16-byte lanes into `acc`; the mask of their quotes, lane
/// `k` at bit `16 * k` (at most four lanes).
#[inline(always)]
fn lanes(lanes: &mut std::slice::ChunksExact<'_, u8>, acc: &mut Acc) -> u64 {
    lanes
        .enumerate()
        .fold(0, |q, (k, l)| q | lane(l, acc) << (16 * k))
}

/// Classify 16 bytes into `acc`; the mask of their quotes.
#[inline(always)]
fn lane(b: &[u8], acc: &mut Acc) -> u64 {
    let v = Lane::load(b.try_into().expect("16-byte lane"));
    acc.bytes = acc.bytes.or(v);
    acc.special = acc.special.or(v.at_most(0x1f)).or(v.eq(b'\\'));
    u64::from(v.eq(b'"').high_bits())
}

impl LineIndex {
    /// Classify `line`, without its trailing CR if it has one (CRLF files:
    /// whitespace to JSON, so serde_json reads the line the same either way).
    pub fn build<'l>(&mut self, line: &'l [u8]) -> Indexed<'l, '_> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        self.quotes.clear();
        let mut acc = Acc {
            bytes: Lane::zero(),
            special: Lane::zero(),
        };
        let mut blocks = line.chunks_exact(64);
        for block in &mut blocks {
            self.quotes
                .push(lanes(&mut block.chunks_exact(16), &mut acc));
        }
        // the last partial block: whole lanes, then the last bytes
        let rest = blocks.remainder();
        if !rest.is_empty() {
            let mut whole = rest.chunks_exact(16);
            let mut q = lanes(&mut whole, &mut acc);
            let tail = whole.remainder();
            if !tail.is_empty() {
                let at = rest.len() - tail.len();
                let m = if line.len() >= 16 {
                    // the line's last 16 bytes, overlapping bytes already
                    // classified (harmless for the ORs); keep the new quotes
                    lane(&line[line.len() - 16..], &mut acc) >> (16 - tail.len())
                } else {
                    // padded with spaces: not a quote, not special, ASCII
                    let mut padded = [b' '; 16];
                    padded[..tail.len()].copy_from_slice(tail);
                    lane(&padded, &mut acc)
                };
                q |= m << at;
            }
            self.quotes.push(q);
        }
        let text = if acc.bytes.high_bits() == 0 {
            debug_assert!(line.is_ascii());
            // SAFETY: no byte has its high bit set (the sign bits of the ORed
            // bytes), so the line is ASCII, which is valid UTF-8.
            Some(unsafe { std::str::from_utf8_unchecked(line) })
        } else {
            simdutf8::basic::from_utf8(line).ok()
        };
        Indexed {
            text,
            quotes: &self.quotes,
            plain: acc.special.high_bits() == 0,
        }
    }
}

impl<'l> Indexed<'l, '_> {
    /// The line as text; `None` if it is not valid UTF-8.
    pub fn text(&self) -> Option<&'l str> {
        self.text
    }

    /// The line has no backslash and no byte below 0x20.
    pub fn is_plain(&self) -> bool {
        self.plain
    }

    /// Position of the first `"` at or after `from`.
    #[inline(always)]
    pub fn next_quote(&self, from: usize) -> Option<usize> {
        let mut w = from / 64;
        let mut bits = self.quotes.get(w)? & (u64::MAX << (from % 64));
        while bits == 0 {
            w += 1;
            bits = *self.quotes.get(w)?;
        }
        Some(w * 64 + bits.trailing_zeros() as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(line: &[u8]) -> Result<(), TestCaseError> {
        let mut storage = LineIndex::default();
        let ix = storage.build(line);
        // the index describes the line without one trailing CR
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        prop_assert_eq!(ix.text(), std::str::from_utf8(line).ok());
        prop_assert_eq!(ix.is_plain(), !line.iter().any(|&c| c < 0x20 || c == b'\\'));
        for from in 0..=line.len() + 1 {
            let want = line
                .get(from..)
                .and_then(|rest| rest.iter().position(|&c| c == b'"'))
                .map(|i| from + i);
            prop_assert_eq!(ix.next_quote(from), want, "from {}", from);
        }
        Ok(())
    }

    #[test]
    fn edges() {
        for line in [
            &b""[..],
            b"\"",
            b"\x7f\x80\xff\x1f\x20\\",
            b"\"a\"\r",
            b"\r\r",
            &[b'"'; 64],
            &[b'"'; 65],
            &[b'a'; 127],
        ] {
            check(line).unwrap();
        }
    }

    proptest! {
        /// Quotes, ASCII and plainness exactly as a byte-by-byte loop finds
        /// them, at every length around the 16- and 64-byte boundaries.
        #[test]
        fn agrees_with_a_byte_loop(
            line in prop::collection::vec(
                prop_oneof![
                    4 => Just(b'a'), 2 => Just(b'"'), 1 => Just(b'\\'), 1 => Just(b' '),
                    1 => 0u8..0x20, 1 => 0x80u8..=0xff, 1 => any::<u8>(),
                ],
                0..200,
            )
        ) {
            check(&line)?;
        }
    }
}

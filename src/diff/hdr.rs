//! Reading the `hdr` histograms of an artifact without trusting them.
//!
//! An artifact is untrusted input: its `hdr` strings are checked byte by byte
//! (cookies, declared lengths, parameters, every encoded count and run of
//! zeros) before the `hdrhistogram` crate sees them, so a crafted header can
//! neither allocate gigabytes, nor overflow a counter, nor panic. Sizes are
//! bounded before anything is allocated: at most [`MAX_HDR_CHARS`] of base64
//! and [`MAX_INFLATED`] bytes after decompression.

use std::io::Read;

use hdrhistogram::Histogram;

/// The longest `hdr` string read (base64 characters). A 3-digit histogram of
/// the whole u64 range is far smaller (about 60 000 counters, a few hundred
/// KiB before compression).
pub const MAX_HDR_CHARS: usize = 1 << 20;
/// The largest uncompressed V2 encoding accepted (bytes).
pub const MAX_INFLATED: usize = 1 << 20;
/// The most significant digits accepted: the artifacts use 3; more would let
/// a header ask for a counts array of hundreds of MiB.
pub const MAX_DIGITS: u32 = 3;

const V2_COOKIE: u32 = 0x1c84_9303 | 0x10;
const V2_COMPRESSED_COOKIE: u32 = 0x1c84_9304 | 0x10;
const V2_HEADER: usize = 40;

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// One LEB128 varint as HdrHistogram writes it (at most 9 bytes; the 9th
/// carries 8 bits). Returns the value and the bytes it took.
fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for i in 0..9 {
        let byte = *b.get(i)?;
        if i == 8 {
            return Some((v | (u64::from(byte) << 56), 9));
        }
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

fn zigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Decode and check one `hdr` string; the error says what is wrong with it
/// (the caller names the field).
pub fn decode(s: &str) -> Result<Histogram<u64>, String> {
    use base64::Engine;
    let s = s.trim();
    if s.len() > MAX_HDR_CHARS {
        return Err(format!(
            "{} characters, more than the {MAX_HDR_CHARS} a histogram can need",
            s.len()
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| format!("not base64 ({e})"))?;
    let inner = match be32(&bytes, 0) {
        Some(V2_COMPRESSED_COOKIE) => {
            let declared = be32(&bytes, 4).ok_or("truncated header")? as usize;
            let body = &bytes[8..];
            if declared != body.len() {
                return Err(format!(
                    "the header declares {declared} compressed bytes but {} follow",
                    body.len()
                ));
            }
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(body)
                .take(MAX_INFLATED as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| format!("not a deflate stream ({e})"))?;
            if out.len() > MAX_INFLATED {
                return Err(format!(
                    "inflates to more than {MAX_INFLATED} bytes (a decompression bomb?)"
                ));
            }
            out
        }
        Some(V2_COOKIE) => bytes,
        _ => return Err("not an HDR histogram (unknown cookie)".to_string()),
    };
    check_v2(&inner)?;
    hdrhistogram::serialization::Deserializer::new()
        .deserialize(&mut &inner[..])
        .map_err(|e| format!("not an HDR histogram ({e})"))
}

/// Check an uncompressed V2 encoding completely: what the crate's reader
/// would allocate and every number it would decode.
fn check_v2(b: &[u8]) -> Result<(), String> {
    if be32(b, 0) != Some(V2_COOKIE) {
        return Err("the compressed payload is not a V2 histogram".to_string());
    }
    if b.len() < V2_HEADER {
        return Err("truncated header".to_string());
    }
    let payload = be32(b, 4).unwrap_or(0) as usize;
    if payload != b.len() - V2_HEADER {
        return Err(format!(
            "the header declares a {payload}-byte payload but {} bytes follow",
            b.len() - V2_HEADER
        ));
    }
    if be32(b, 8) != Some(0) {
        return Err("a normalizing offset (unsupported)".to_string());
    }
    let digits = be32(b, 12).unwrap_or(u32::MAX);
    if !(1..=MAX_DIGITS).contains(&digits) {
        return Err(format!(
            "{digits} significant digits (1 to {MAX_DIGITS} are read)"
        ));
    }
    let (low, high) = (be64(b, 16).unwrap_or(0), be64(b, 24).unwrap_or(0));
    let ratio = f64::from_bits(be64(b, 32).unwrap_or(0));
    if ratio != 1.0 {
        return Err("an integer-to-double ratio other than 1 (unsupported)".to_string());
    }
    let shape = Histogram::<u64>::new_with_bounds(low, high, digits as u8)
        .map_err(|e| format!("invalid bounds {low}..{high} ({e:?})"))?;
    let slots = shape.distinct_values();
    let (mut at, mut index, mut total) = (V2_HEADER, 0usize, 0u64);
    while at < b.len() {
        let (raw, used) = varint(&b[at..]).ok_or("a truncated count")?;
        at += used;
        let v = zigzag(raw);
        if v < 0 {
            let zeros = usize::try_from(v.unsigned_abs()).map_err(|_| "a run of zeros too long")?;
            index = index
                .checked_add(zeros)
                .filter(|&i| i <= slots)
                .ok_or("a run of zeros past the histogram's range")?;
        } else {
            if v > 0 {
                if index >= slots {
                    return Err("a count past the histogram's range".to_string());
                }
                total = total
                    .checked_add(v as u64)
                    .ok_or("counts that add up past u64")?;
            }
            index += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::stats::{encode_hdr, histogram};
    use base64::Engine;

    fn b64(b: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    #[test]
    fn reads_what_summarize_writes() {
        let vals: Vec<u64> = (1..5000u64).map(|i| i * i % 100_003).collect();
        let mut sorted = vals.clone();
        sorted.sort_unstable();
        let h = histogram(&sorted);
        let back = decode(&encode_hdr(&h)).unwrap();
        assert_eq!(back.len(), h.len());
        assert_eq!(back.max(), h.max());
        assert_eq!(back.value_at_quantile(0.9), h.value_at_quantile(0.9));
    }

    #[test]
    fn a_huge_declared_payload_is_refused_without_allocating() {
        // the repro of issue 15: a V2 header declaring a 0xFFFFFFFF payload
        let mut v = Vec::new();
        v.extend_from_slice(&V2_COOKIE.to_be_bytes());
        v.extend_from_slice(&u32::MAX.to_be_bytes());
        v.extend_from_slice(&0u32.to_be_bytes());
        v.extend_from_slice(&3u32.to_be_bytes());
        v.extend_from_slice(&1u64.to_be_bytes());
        v.extend_from_slice(&2u64.to_be_bytes());
        v.extend_from_slice(&1f64.to_bits().to_be_bytes());
        v.extend_from_slice(&[2, 2, 2, 2]);
        let e = decode(&b64(&v)).unwrap_err();
        assert!(e.contains("4294967295"), "{e}");
        // and the same inside a compressed envelope with a lying length
        let mut c = Vec::new();
        c.extend_from_slice(&V2_COMPRESSED_COOKIE.to_be_bytes());
        c.extend_from_slice(&u32::MAX.to_be_bytes());
        c.extend_from_slice(&[0x78, 0x9c, 1, 2, 3]);
        assert!(decode(&b64(&c)).unwrap_err().contains("declares"));
    }

    #[test]
    fn hostile_encodings_are_errors() {
        assert!(decode("!!!notbase64").unwrap_err().contains("base64"));
        assert!(decode("").is_err());
        assert!(decode(&"A".repeat(MAX_HDR_CHARS + 4)).is_err());
        let good = {
            let mut h = Histogram::<u64>::new(3).unwrap();
            h.record_n(7, 5).unwrap();
            let mut buf = Vec::new();
            use hdrhistogram::serialization::Serializer;
            hdrhistogram::serialization::V2Serializer::new()
                .serialize(&h, &mut buf)
                .unwrap();
            buf
        };
        assert_eq!(decode(&b64(&good)).unwrap().len(), 5);
        let with_payload = |tail: &[u8], digits: u32| {
            let mut v = good[..V2_HEADER].to_vec();
            v[4..8].copy_from_slice(&(tail.len() as u32).to_be_bytes());
            v[12..16].copy_from_slice(&digits.to_be_bytes());
            v.extend_from_slice(tail);
            decode(&b64(&v))
        };
        // i64::MIN zeros (zigzag of u64::MAX), counts that overflow, runs past the range
        let max9 = [0xff; 9];
        assert!(with_payload(&max9, 3).is_err());
        let big = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        let two_big: Vec<u8> = big.iter().chain(&big).chain(&big).copied().collect();
        assert!(with_payload(&two_big, 3).unwrap_err().contains("past u64"));
        assert!(with_payload(&[0xfd, 0xff, 0xff, 0x0f, 2], 3).is_err());
        assert!(with_payload(&[0x80], 3).unwrap_err().contains("truncated"));
        assert!(with_payload(&[2], 9).unwrap_err().contains("digits"));
    }
}

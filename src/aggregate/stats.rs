//! Latency/duration summaries: exact count/min/max/mean, HDR percentiles.
//!
//! Values are kept per slice and summarised once at the end. The percentile
//! reported is exactly what an HDR histogram at 3 significant digits answers for
//! a nearest-rank query (the highest value equivalent to the bucket holding the
//! rank-th value), clamped to the exact maximum so that `p99 <= max` always holds.
//! `tests::matches_a_real_histogram` checks this against `hdrhistogram` itself.

use std::sync::OnceLock;

use hdrhistogram::Histogram;

use crate::baseline::Stats;

/// Significant digits of the HDR histograms (SPEC §2 "Statistics").
pub const SIGFIGS: u8 = 3;

fn shape() -> &'static Histogram<u64> {
    static H: OnceLock<Histogram<u64>> = OnceLock::new();
    H.get_or_init(|| Histogram::new(SIGFIGS).expect("3 significant digits is valid"))
}

/// The largest value an HDR histogram at [`SIGFIGS`] cannot tell from `v`.
pub fn hdr_highest_equivalent(v: u64) -> u64 {
    shape().highest_equivalent(v)
}

/// Nearest rank (1-based) of percentile `p` (0 < p <= 100) among `n` values.
pub fn nearest_rank(p: u64, n: u64) -> u64 {
    (p * n).div_ceil(100).max(1)
}

/// Summarise `values` (in any order; sorted in place). With `with_hdr`, the
/// summary carries the values' HDR histogram (see [`encode_hdr`]).
pub fn summarize(values: &mut [u64], with_hdr: bool) -> Stats {
    if values.is_empty() {
        return Stats::empty();
    }
    values.sort_unstable();
    let n = values.len() as u64;
    let min = values[0];
    let max = values[values.len() - 1];
    let sum: u128 = values.iter().map(|&v| v as u128).sum();
    let pct = |p: u64| {
        let v = values[(nearest_rank(p, n) - 1) as usize];
        hdr_highest_equivalent(v).min(max)
    };
    Stats {
        count: n,
        min: Some(min),
        max: Some(max),
        mean: Some(sum as f64 / n as f64),
        p50: Some(pct(50)),
        p95: Some(pct(95)),
        p99: Some(pct(99)),
        hdr: with_hdr.then(|| encode_hdr(&histogram(values))),
    }
}

/// An HDR histogram (3 significant digits) of `values`.
pub fn histogram(values: &[u64]) -> Histogram<u64> {
    let mut h = Histogram::<u64>::new(SIGFIGS).expect("3 significant digits is valid");
    for chunk in values.chunk_by(|a, b| a == b) {
        h.record_n(chunk[0], chunk.len() as u64)
            .expect("an auto-resizing histogram records any u64");
    }
    h
}

/// The standard V2 compressed serialisation (as HdrHistogram's `encodeInto
/// CompressedByteBuffer` and its log format), base64: `HISTF…`.
pub fn encode_hdr(h: &Histogram<u64>) -> String {
    use base64::Engine;
    use hdrhistogram::serialization::Serializer;
    let mut buf = Vec::new();
    hdrhistogram::serialization::V2DeflateSerializer::new()
        .serialize(h, &mut buf)
        .expect("serialising to memory cannot fail");
    base64::engine::general_purpose::STANDARD.encode(buf)
}

/// Read back what [`encode_hdr`] wrote (or any V2 / V2-deflate histogram).
pub fn decode_hdr(s: &str) -> Result<Histogram<u64>, String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| format!("not base64: {e}"))?;
    hdrhistogram::serialization::Deserializer::new()
        .deserialize(&mut &bytes[..])
        .map_err(|e| format!("not an HDR histogram: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_values_are_exact() {
        let mut v: Vec<u64> = (1..=100).collect();
        let s = summarize(&mut v, false);
        assert_eq!((s.p50, s.p95, s.p99), (Some(50), Some(95), Some(99)));
        assert_eq!(s.mean, Some(50.5));
        let mut v = vec![7];
        let s = summarize(&mut v, false);
        assert_eq!(
            (s.min, s.max, s.p50, s.p99),
            (Some(7), Some(7), Some(7), Some(7))
        );
        assert_eq!(summarize(&mut [], true).count, 0);
    }

    #[test]
    fn large_values_land_in_their_bucket_and_never_exceed_max() {
        let mut v = vec![55_147, 133_514];
        let s = summarize(&mut v, false);
        // 55_147 lives in a bucket of width 32: [55_136, 55_167]
        assert_eq!(s.p50, Some(55_167));
        assert_eq!(s.p99, Some(133_514));
    }

    proptest! {
        #[test]
        fn matches_a_real_histogram(mut vals in prop::collection::vec(0u64..5_000_000_000, 1..400)) {
            let mut h = Histogram::<u64>::new(SIGFIGS).unwrap();
            for &v in &vals { h.record(v).unwrap(); }
            let s = summarize(&mut vals, true);
            let max = *vals.last().unwrap();
            let back = decode_hdr(s.hdr.as_deref().unwrap()).unwrap();
            prop_assert_eq!(back, h.clone());
            for (p, got) in [(50.0, s.p50), (95.0, s.p95), (99.0, s.p99)] {
                let want = h.value_at_quantile(p / 100.0).min(max);
                prop_assert_eq!(got, Some(want));
            }
        }
    }
}

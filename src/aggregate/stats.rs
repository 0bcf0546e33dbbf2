//! Latency/duration summaries: exact count/min/max/mean, HDR percentiles.
//!
//! Values are kept per slice and summarised once at the end. The percentile
//! reported is exactly what an HDR histogram at 3 significant digits answers for
//! a nearest-rank query (the highest value equivalent to the bucket holding the
//! rank-th value), clamped to the exact maximum so that `p99 <= max` always holds.
//! `tests::matches_a_real_histogram` checks this against `hdrhistogram` itself.

use std::sync::OnceLock;

use hdrhistogram::Histogram;

pub use crate::aggregate::buckets::Buckets;
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

/// The smallest value an HDR histogram at [`SIGFIGS`] cannot tell from `v`
/// (the value that names `v`'s bucket).
pub fn hdr_lowest_equivalent(v: u64) -> u64 {
    shape().lowest_equivalent(v)
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

/// Past this many values a [`Samples`] folds its list into a histogram.
const LIST_MAX: usize = 4096;

/// The values of one slice (run durations, cancel latencies), summarised at
/// the end. Kept as a plain list while short; past [`LIST_MAX`] values folded
/// into an HDR histogram plus exact count, min, max and sum. Both answer
/// every figure of [`Stats`] identically (a reported percentile depends only
/// on the HDR bucket of the ranked value), but the histogram needs no sort
/// and no 8 bytes per value — its size is bounded by the value range, and
/// only slices of more than [`LIST_MAX`] values have one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Samples {
    list: Vec<u64>,
    folded: Option<Box<Folded>>,
}

#[derive(Debug, Clone, PartialEq)]
struct Folded {
    hist: Histogram<u64>,
    min: u64,
    max: u64,
    sum: u128,
}

impl Samples {
    pub fn push(&mut self, v: u64) {
        match &mut self.folded {
            Some(f) => f.record(v),
            None => {
                self.list.push(v);
                if self.list.len() > LIST_MAX {
                    self.fold();
                }
            }
        }
    }

    pub fn len(&self) -> u64 {
        self.list.len() as u64 + self.folded.as_ref().map_or(0, |f| f.hist.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Add every value of `other`.
    pub fn absorb(&mut self, other: Samples) {
        for v in other.list {
            self.push(v);
        }
        if let Some(o) = other.folded {
            self.fold();
            let f = self.folded.as_mut().expect("folded above");
            f.hist.add(&o.hist).expect("auto-resizing histograms add");
            f.min = f.min.min(o.min);
            f.max = f.max.max(o.max);
            f.sum += o.sum;
        }
    }

    fn fold(&mut self) {
        let f = self.folded.get_or_insert_with(|| {
            Box::new(Folded {
                hist: Histogram::new(SIGFIGS).expect("3 significant digits is valid"),
                min: u64::MAX,
                max: 0,
                sum: 0,
            })
        });
        for v in std::mem::take(&mut self.list) {
            f.record(v);
        }
    }

    /// The summary; with `with_hdr` it carries the values' histogram.
    pub fn summarize(mut self, with_hdr: bool) -> Stats {
        if self.folded.is_none() {
            return summarize(&mut self.list, with_hdr);
        }
        self.fold();
        let f = self.folded.expect("folded above");
        let n = f.hist.len();
        let ranks = [50, 95, 99].map(|p| nearest_rank(p, n));
        let mut pct = [f.max; 3];
        let mut seen = 0;
        let mut next = 0;
        for bucket in f.hist.iter_recorded() {
            seen += bucket.count_at_value();
            while next < 3 && seen >= ranks[next] {
                pct[next] = bucket.value_iterated_to().min(f.max);
                next += 1;
            }
        }
        Stats {
            count: n,
            min: Some(f.min),
            max: Some(f.max),
            mean: Some(f.sum as f64 / n as f64),
            p50: Some(pct[0]),
            p95: Some(pct[1]),
            p99: Some(pct[2]),
            hdr: with_hdr.then(|| encode_hdr(&f.hist)),
        }
    }
}

impl Samples {
    /// Add every value of `b`. The values are known only to their HDR
    /// bucket, which is all a summary reads beyond count, min, max and sum
    /// (the histogram form answers exactly as the list form would).
    pub fn absorb_buckets(&mut self, b: &Buckets) {
        if b.is_empty() {
            return;
        }
        self.fold();
        let f = self.folded.as_mut().expect("folded above");
        for (v, n) in b.iter() {
            f.hist
                .record_n(v, n)
                .expect("an auto-resizing histogram records any u64");
        }
        f.min = f.min.min(b.min);
        f.max = f.max.max(b.max);
        f.sum += b.sum;
    }
}

impl Folded {
    fn record(&mut self, v: u64) {
        self.hist
            .record(v)
            .expect("an auto-resizing histogram records any u64");
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.sum += u128::from(v);
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
///
/// The V2 header carries the histogram's highest trackable value, which an
/// auto-resizing histogram takes from whichever value last made it grow — so
/// it depends on the order values were recorded and histograms merged in.
/// The histogram is therefore copied into a fresh one first, whose only
/// growth is to the maximum: the bytes depend on the recorded values alone.
pub fn encode_hdr(h: &Histogram<u64>) -> String {
    use base64::Engine;
    use hdrhistogram::serialization::Serializer;
    let mut canonical = Histogram::<u64>::new(SIGFIGS).expect("3 significant digits is valid");
    canonical
        .add(h)
        .expect("an auto-resizing histogram adds any histogram");
    let mut buf = Vec::new();
    hdrhistogram::serialization::V2DeflateSerializer::new()
        .serialize(&canonical, &mut buf)
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

    /// The encoded bytes depend on the values only: not on the order they
    /// were recorded in, nor on how histograms were merged (the V2 header's
    /// highest trackable value used to follow the last value that grew the
    /// histogram).
    #[test]
    fn encoding_ignores_recording_order() {
        let vals: Vec<u64> = (0..5000u64)
            .map(|i| (i * 7919 % 5000) * 1_000_003)
            .collect();
        let record = |vals: &mut dyn Iterator<Item = u64>| {
            let mut h = Histogram::<u64>::new(SIGFIGS).unwrap();
            vals.for_each(|v| h.record(v).unwrap());
            encode_hdr(&h)
        };
        let mut sorted = vals.clone();
        sorted.sort_unstable();
        let want = encode_hdr(&histogram(&sorted));
        assert_eq!(record(&mut vals.iter().copied()), want);
        assert_eq!(record(&mut sorted.iter().copied()), want);
        assert_eq!(record(&mut sorted.iter().rev().copied()), want);
        let (mut a, b) = (histogram(&sorted[..10]), histogram(&sorted[10..]));
        a.add(&b).unwrap();
        assert_eq!(encode_hdr(&a), want);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Folding into a histogram (at any point, and across merges)
        /// changes no figure and no byte of the encoded histogram.
        #[test]
        fn folded_samples_summarise_like_lists(
            vals in prop::collection::vec(
                prop_oneof![0u64..2_000, 0u64..5_000_000_000], 0..(3 * LIST_MAX)),
            cut in any::<prop::sample::Index>(),
            with_hdr in any::<bool>(),
        ) {
            let want = summarize(&mut vals.clone(), with_hdr);
            let mut one = Samples::default();
            vals.iter().for_each(|&v| one.push(v));
            prop_assert_eq!(one.len(), vals.len() as u64);
            prop_assert_eq!(&one.clone().summarize(with_hdr), &want);
            let at = if vals.is_empty() { 0 } else { cut.index(vals.len()) };
            let (mut a, mut b) = (Samples::default(), Samples::default());
            vals[..at].iter().for_each(|&v| a.push(v));
            vals[at..].iter().for_each(|&v| b.push(v));
            a.absorb(b);
            prop_assert_eq!(&a.summarize(with_hdr), &want);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        /// Values kept by bucket, split and absorbed anyhow, summarise like
        /// the values themselves.
        #[test]
        fn buckets_summarise_like_values(
            vals in prop::collection::vec(
                prop_oneof![0u64..2_000, 0u64..5_000_000_000], 0..600),
            cut in any::<prop::sample::Index>(),
            with_hdr in any::<bool>(),
        ) {
            let want = summarize(&mut vals.clone(), with_hdr);
            let at = if vals.is_empty() { 0 } else { cut.index(vals.len()) };
            let (mut a, mut b) = (Buckets::default(), Buckets::default());
            vals[..at].iter().for_each(|&v| a.push(v));
            vals[at..].iter().for_each(|&v| b.push(v));
            prop_assert!(a.is_consistent() && b.is_consistent());
            a.absorb(&b);
            prop_assert!(a.is_consistent());
            prop_assert_eq!(a.len(), vals.len() as u64);
            let mut s = Samples::default();
            s.absorb_buckets(&a);
            prop_assert_eq!(&s.summarize(with_hdr), &want);
        }
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

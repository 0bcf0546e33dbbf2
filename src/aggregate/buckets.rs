//! Values kept by HDR bucket, compactly: what a folded cancel group holds of
//! its latencies (docs/scale.md "Memory and size").
//!
//! A bucket of the 3-significant-digit HDR histogram ([`SIGFIGS`]) is named by
//! its lowest equivalent value, which is `m << e` with `m < 2048`; its *code*
//! `e << 11 | m` fits a `u32` and sorts like the value. Counts up to
//! `u32::MAX` sit beside their code in 8 bytes (a plain summary of a
//! cancel-only log holds one group per run, each with tens of buckets: this
//! halves its memory); the rare larger counts, only ever met when merging
//! states, live in a side table.
//!
//! [`SIGFIGS`]: crate::aggregate::stats::SIGFIGS

use crate::aggregate::stats::hdr_lowest_equivalent;

/// Values kept by HDR bucket: for each bucket how many values fell in it,
/// plus the exact min, max and sum. Its size is bounded by the number of
/// distinct buckets (a few thousand at most), never by the number of
/// values, and it answers every figure of a summary exactly as the values
/// themselves would (see [`Samples::absorb_buckets`]).
///
/// [`Samples::absorb_buckets`]: crate::aggregate::stats::Samples::absorb_buckets
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Buckets {
    /// (code, count) by ascending code; a code with a count past `u32::MAX`
    /// is in `big` instead.
    small: Vec<(u32, u32)>,
    /// (code, count) by ascending code, every count > `u32::MAX`.
    big: Option<Box<[(u32, u64)]>>,
    pub min: u64,
    pub max: u64,
    pub sum: u128,
}

/// Significant bits of a bucket's name (2048 sub-buckets at 3 digits).
const MANTISSA_BITS: u32 = 11;

/// The code of the bucket holding `v`.
fn code_of(v: u64) -> u32 {
    let e = (u64::BITS - v.leading_zeros()).saturating_sub(MANTISSA_BITS);
    (e << MANTISSA_BITS) | (v >> e) as u32
}

/// The lowest value of the bucket with code `c`.
fn value_of(c: u32) -> u64 {
    let e = c >> MANTISSA_BITS;
    u64::from(c & ((1 << MANTISSA_BITS) - 1)) << e
}

impl Buckets {
    pub fn push(&mut self, v: u64) {
        let first = self.is_empty();
        self.add(code_of(v), 1);
        if first {
            (self.min, self.max) = (v, v);
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        self.sum += u128::from(v);
    }

    /// Count `n` more values in the bucket with code `code`.
    fn add(&mut self, code: u32, n: u64) {
        if let Some(big) = self.big.as_deref_mut() {
            if let Ok(i) = big.binary_search_by_key(&code, |e| e.0) {
                big[i].1 = big[i].1.saturating_add(n);
                return;
            }
        }
        let small = &mut self.small;
        let total = match small.binary_search_by_key(&code, |e| e.0) {
            Ok(i) => match u32::try_from(u64::from(small[i].1).saturating_add(n)) {
                Ok(t) => {
                    small[i].1 = t;
                    return;
                }
                Err(_) => u64::from(small.remove(i).1).saturating_add(n),
            },
            Err(i) => match u32::try_from(n) {
                Ok(n) => {
                    if small.len() == small.capacity() {
                        // grow by a quarter: a group's slack stays small
                        small.reserve_exact((small.len() / 4).max(4));
                    }
                    small.insert(i, (code, n));
                    return;
                }
                Err(_) => n,
            },
        };
        let mut big = self.big.take().map(Vec::from).unwrap_or_default();
        let at = big.partition_point(|e| e.0 < code);
        big.insert(at, (code, total));
        self.big = Some(big.into_boxed_slice());
    }

    /// (lowest value of the bucket, count), by ascending value.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        let mut small = self
            .small
            .iter()
            .map(|&(c, n)| (c, u64::from(n)))
            .peekable();
        let mut big = self
            .big
            .as_deref()
            .into_iter()
            .flatten()
            .copied()
            .peekable();
        std::iter::from_fn(move || {
            let next = match (small.peek(), big.peek()) {
                (Some(a), Some(b)) if b.0 < a.0 => big.next(),
                (Some(_), _) => small.next(),
                (None, _) => big.next(),
            };
            next.map(|(c, n)| (value_of(c), n))
        })
    }

    /// From (lowest value of the bucket, count) pairs read from outside;
    /// `None` unless every value names a bucket, ascending, with a count.
    pub fn from_counts(counts: &[(u64, u64)], min: u64, max: u64, sum: u128) -> Option<Buckets> {
        let mut b = Buckets {
            min,
            max,
            sum,
            ..Buckets::default()
        };
        b.small.reserve_exact(counts.len());
        let mut last = None;
        for &(v, n) in counts {
            let c = code_of(v);
            if n == 0 || value_of(c) != v || last.is_some_and(|l| l >= c) {
                return None;
            }
            last = Some(c);
            b.add(c, n);
        }
        Some(b)
    }

    /// Number of values (`None` past 2^64).
    pub fn checked_len(&self) -> Option<u64> {
        self.iter().try_fold(0u64, |a, (_, n)| a.checked_add(n))
    }

    /// Number of values (saturating).
    pub fn len(&self) -> u64 {
        self.checked_len().unwrap_or(u64::MAX)
    }

    pub fn is_empty(&self) -> bool {
        self.small.is_empty() && self.big.is_none()
    }

    /// Number of buckets with a count: what [`iter`](Self::iter) yields (a
    /// code is in `small` or in `big`, never both).
    pub fn distinct(&self) -> usize {
        self.small.len() + self.big.as_deref().map_or(0, <[_]>::len)
    }

    /// Add every value of `o`.
    pub fn absorb(&mut self, o: &Buckets) {
        if o.is_empty() {
            return;
        }
        if self.is_empty() {
            *self = o.clone();
            return;
        }
        for (v, n) in o.iter() {
            self.add(code_of(v), n);
        }
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.sum += o.sum;
    }

    /// Whether the parts agree with each other (for values read from outside):
    /// min, max and sum possible for the buckets (which
    /// [`from_counts`](Self::from_counts) checked).
    pub fn is_consistent(&self) -> bool {
        let lo = self.iter().next().map(|(v, _)| v);
        let hi = self.iter().last().map(|(v, _)| v);
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return self.min == 0 && self.max == 0 && self.sum == 0;
        };
        let n: u128 = self.iter().map(|(_, n)| u128::from(n)).sum();
        self.min <= self.max
            && hdr_lowest_equivalent(self.min) == lo
            && hdr_lowest_equivalent(self.max) == hi
            && self.sum >= u128::from(self.min) * n
            && self.sum <= u128::from(self.max) * n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A code names exactly the HDR bucket of the value, and codes sort
        /// like the values.
        #[test]
        fn codes_are_hdr_buckets(a in any::<u64>(), b in 0u64..100_000) {
            for v in [a, b, a >> (a % 64)] {
                prop_assert_eq!(value_of(code_of(v)), hdr_lowest_equivalent(v));
            }
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(code_of(lo) <= code_of(hi));
        }
    }

    #[test]
    fn counts_past_u32_move_aside_and_come_back_in_order() {
        let mut a = Buckets::default();
        a.push(5);
        a.push(3000);
        let big = Buckets::from_counts(
            &[(3000, u64::from(u32::MAX))],
            3000,
            3000,
            3000 * u128::from(u32::MAX),
        )
        .unwrap();
        a.absorb(&big);
        a.absorb(&Buckets::from_counts(&[(1, 1 << 40)], 1, 1, 1 << 40).unwrap());
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            vec![(1, 1 << 40), (5, 1), (3000, u64::from(u32::MAX) + 1)]
        );
        assert_eq!(a.len(), (1 << 40) + u64::from(u32::MAX) + 2);
        assert_eq!(a.distinct(), a.iter().count());
        assert!(a.is_consistent());
        // the same values in another order are the same buckets
        let mut b = Buckets::from_counts(&[(1, 1 << 40)], 1, 1, 1 << 40).unwrap();
        b.absorb(&big);
        b.push(3000);
        b.push(5);
        assert_eq!(a, b);
        // refused: unnamed bucket, descending, empty count
        assert!(Buckets::from_counts(&[(3001, 1)], 3001, 3001, 3001).is_none());
        assert!(Buckets::from_counts(&[(9, 1), (5, 1)], 5, 9, 14).is_none());
        assert!(Buckets::from_counts(&[(9, 0)], 0, 0, 0).is_none());
    }
}

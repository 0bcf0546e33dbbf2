//! The significance tests of `diff`.
//!
//! Every comparison is a one-sided test on a 2×2 table: rates compare
//! successes out of trials; a percentile compares how many values of each
//! side lie above the pooled quantile (Mood's median test, generalised to any
//! quantile). Tables are tested with Fisher's exact conditional test, mid-p
//! (the hypergeometric tail, summed from the observed cell outwards until the
//! terms vanish), which stays accurate when an expected count is small or the
//! sides differ a lot in size; only past [`EXACT_MAX_N`] — where every
//! expected count is large in any table that could matter — the
//! two-proportion z-test is used. Each test also knows the smallest p-value
//! its margins allow, for Tarone's noise floor ([`tarone`]).

use hdrhistogram::Histogram;
use statrs::distribution::{Discrete, Hypergeometric};

/// Tables with more trials than this (both sides) use the z-test.
pub const EXACT_MAX_N: u64 = 1 << 32;

/// A one-sided test result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Test {
    /// The p-value of "the second side is higher".
    pub p: f64,
    /// The smallest p-value any table with these margins could give.
    pub min_p: f64,
}

/// Upper tail of the standard normal distribution, P(Z > z).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
}

/// One-sided two-proportion z-test: the p-value of "the second proportion is
/// higher than the first" (`x` successes out of `n`). 1.0 when it cannot be
/// tested (an empty side, or both proportions 0 or 1).
pub fn two_proportion_higher(x1: u64, n1: u64, x2: u64, n2: u64) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 1.0;
    }
    let (x1, n1, x2, n2) = (x1 as f64, n1 as f64, x2 as f64, n2 as f64);
    let pooled = (x1 + x2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 || !se.is_finite() {
        return 1.0;
    }
    normal_sf((x2 / n2 - x1 / n1) / se)
}

/// The hypergeometric law of the second side's successes given the margins:
/// `n` trials drawn from `pop`, of which `succ` are successes.
struct Hyper {
    pop: u64,
    succ: u64,
    n: u64,
}

impl Hyper {
    fn lo(&self) -> u64 {
        (self.n + self.succ).saturating_sub(self.pop)
    }
    fn hi(&self) -> u64 {
        self.succ.min(self.n)
    }
    fn pmf(&self, x: u64) -> f64 {
        Hypergeometric::new(self.pop, self.succ, self.n).map_or(0.0, |h| h.ln_pmf(x).exp())
    }
    /// pmf(k + 1) / pmf(k)
    fn up(&self, k: u64) -> f64 {
        let (k, pop, succ, n) = (k as f64, self.pop as f64, self.succ as f64, self.n as f64);
        (succ - k) * (n - k) / ((k + 1.0) * (pop - succ - n + k + 1.0))
    }
    /// pmf(k - 1) / pmf(k)
    fn down(&self, k: u64) -> f64 {
        let (k, pop, succ, n) = (k as f64, self.pop as f64, self.succ as f64, self.n as f64);
        k * (pop - succ - n + k) / ((succ - k + 1.0) * (n - k + 1.0))
    }
    /// Mid-p upper tail: P(X > x) + P(X = x) / 2, summed from `x` away from
    /// the mode (where the terms only shrink) until they no longer count.
    fn upper_mid(&self, x: u64) -> f64 {
        let (lo, hi) = (self.lo(), self.hi());
        if lo >= hi {
            return 0.5; // no variability: no evidence either way
        }
        let x = x.clamp(lo, hi);
        let mode = ((self.n as u128 + 1) * (self.succ as u128 + 1) / (self.pop as u128 + 2)) as u64;
        let mut t = self.pmf(x);
        let mut s = 0.5 * t;
        let mut k = x;
        if x >= mode {
            while k < hi {
                t *= self.up(k);
                k += 1;
                s += t;
                if t <= s * 1e-17 {
                    break;
                }
            }
            s.clamp(0.0, 1.0)
        } else {
            while k > lo {
                t *= self.down(k);
                k -= 1;
                s += t;
                if t <= s * 1e-17 {
                    break;
                }
            }
            (1.0 - s).clamp(0.0, 1.0)
        }
    }
}

/// One-sided test of "x2/n2 is higher than x1/n1": Fisher's exact test,
/// mid-p, up to [`EXACT_MAX_N`] trials; the z-test beyond.
pub fn rate_higher(x1: u64, n1: u64, x2: u64, n2: u64) -> Test {
    let (x1, x2) = (x1.min(n1), x2.min(n2));
    let (Some(pop), Some(succ)) = (n1.checked_add(n2), x1.checked_add(x2)) else {
        return Test { p: 1.0, min_p: 1.0 };
    };
    if n1 == 0 || n2 == 0 {
        return Test { p: 1.0, min_p: 1.0 };
    }
    if pop > EXACT_MAX_N {
        let top = succ.min(n2);
        return Test {
            p: two_proportion_higher(x1, n1, x2, n2),
            min_p: two_proportion_higher(succ - top, n1, top, n2),
        };
    }
    let h = Hyper { pop, succ, n: n2 };
    Test {
        p: h.upper_mid(x2),
        min_p: h.upper_mid(h.hi()),
    }
}

/// A fresh auto-resizing histogram holding `h`: both sides of a comparison
/// get the same bucket layout and can take any value the other holds.
fn rebuilt(h: &Histogram<u64>) -> Result<Histogram<u64>, String> {
    let mut out =
        Histogram::<u64>::new(crate::aggregate::stats::SIGFIGS).map_err(|e| format!("{e:?}"))?;
    out.add(h).map_err(|e| format!("{e:?}"))?;
    Ok(out)
}

/// A quantile test on two HDR histograms, for each quantile `q` of `qs`:
/// with `v` the pooled `q`-quantile, is the share of values above `v` higher
/// in `current` than in `base`? Both histograms are rebuilt with a common,
/// growing range first; a failure is an error (the row is `untestable`),
/// never a p-value.
pub fn quantile_shifts_up(
    base: &Histogram<u64>,
    current: &Histogram<u64>,
    qs: &[f64],
) -> Result<Vec<Test>, String> {
    let (b, c) = (rebuilt(base)?, rebuilt(current)?);
    let mut pooled = b.clone();
    pooled.add(&c).map_err(|e| format!("{e:?}"))?;
    if pooled.is_empty() {
        return Err("no values".to_string());
    }
    let above = |h: &Histogram<u64>, v: u64| h.len().saturating_sub(h.count_between(0, v));
    Ok(qs
        .iter()
        .map(|&q| {
            let v = pooled.value_at_quantile(q);
            rate_higher(above(&b, v), b.len(), above(&c, v), c.len())
        })
        .collect())
}

/// Holm's step-down adjustment: adjusted p-values in the input order.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let mut out = vec![1.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        let adj = ((m - rank) as f64 * p[i]).min(1.0);
        running = running.max(adj);
        out[i] = running;
    }
    out
}

/// Tarone's noise floor for discrete tests: the smallest `k` such that at
/// most `k` tests could reach `alpha / k` at all; the tests that cannot are
/// left out of the multiple-testing family (they could never reject, and
/// counting them would only cost the others power). Returns which to keep.
pub fn tarone(min_p: &[f64], alpha: f64) -> Vec<bool> {
    let m = min_p.len();
    let mut sorted: Vec<f64> = min_p.to_vec();
    sorted.sort_by(f64::total_cmp);
    for k in 1..=m.max(1) {
        let level = alpha / k as f64;
        let able = sorted.partition_point(|&p| p <= level);
        if able <= k {
            return min_p.iter().map(|&p| p <= level).collect();
        }
    }
    vec![true; m]
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::DiscreteCDF;

    #[test]
    fn normal_tail() {
        assert!((normal_sf(0.0) - 0.5).abs() < 1e-12);
        assert!((normal_sf(1.959964) - 0.025).abs() < 1e-6);
        assert!((normal_sf(-1.644854) - 0.95).abs() < 1e-6);
    }

    #[test]
    fn proportions() {
        // 10% -> 13% errors over 5000 runs each: clearly higher
        assert!(two_proportion_higher(500, 5000, 650, 5000) < 1e-5);
        assert!(rate_higher(500, 5000, 650, 5000).p < 1e-5);
        // the same rate: no evidence
        assert!((two_proportion_higher(500, 5000, 500, 5000) - 0.5).abs() < 1e-12);
        assert!((rate_higher(500, 5000, 500, 5000).p - 0.5).abs() < 0.01);
        // lower is not higher
        assert!(two_proportion_higher(650, 5000, 500, 5000) > 0.99);
        assert!(rate_higher(650, 5000, 500, 5000).p > 0.99);
        assert_eq!(two_proportion_higher(0, 10, 0, 10), 1.0);
        assert_eq!(two_proportion_higher(1, 0, 0, 10), 1.0);
        assert_eq!(rate_higher(1, 0, 0, 10).p, 1.0);
        assert_eq!(rate_higher(u64::MAX, u64::MAX, 1, u64::MAX).p, 1.0);
    }

    /// The mid-p tail agrees with statrs' own (full-sum) survival function.
    #[test]
    fn mid_p_matches_statrs() {
        for &(x1, n1, x2, n2) in &[
            (50u64, 10_000u64, 2u64, 40u64),
            (3, 30, 9, 30),
            (9, 30, 3, 30),
            (0, 200, 0, 300),
            (120, 400, 140, 380),
            (1, 5, 5, 5),
        ] {
            let (pop, succ) = (n1 + n2, x1 + x2);
            let h = Hypergeometric::new(pop, succ, n2).unwrap();
            let want = if succ == 0 {
                0.5
            } else {
                h.sf(x2) + 0.5 * h.pmf(x2)
            };
            let got = rate_higher(x1, n1, x2, n2).p;
            assert!(
                (got - want).abs() < 1e-9,
                "{x1}/{n1} {x2}/{n2}: {got} vs {want}"
            );
        }
    }

    /// Issue 12's case: BASE 10 000 runs / 50 errors, CURRENT 40 / 2. The
    /// z-test calls it p ≈ 0.00001; Fisher's exact one-sided p is 0.018.
    #[test]
    fn a_tiny_current_is_not_overstated() {
        let z = two_proportion_higher(50, 10_000, 2, 40);
        let exact = rate_higher(50, 10_000, 2, 40).p;
        assert!(z < 0.001, "{z}");
        assert!(exact > 0.005 && exact < 0.02, "{exact}");
    }

    #[test]
    fn min_p_is_the_most_extreme_table() {
        // 3 events in all: at best all three in CURRENT
        let t = rate_higher(2, 100, 1, 100);
        let h = Hypergeometric::new(200, 3, 100).unwrap();
        assert!((t.min_p - 0.5 * h.pmf(3)).abs() < 1e-12);
        assert!(t.min_p > 0.05);
        assert!(rate_higher(200, 1000, 300, 1000).min_p < 1e-50);
    }

    #[test]
    fn holm_matches_a_hand_computation() {
        let adj = holm(&[0.01, 0.04, 0.03, 0.005]);
        // sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone 0.06
        let want = [0.03, 0.06, 0.06, 0.02];
        for (a, b) in adj.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{adj:?}");
        }
    }

    #[test]
    fn tarone_drops_what_cannot_reject() {
        // two strong tests, three that can never go below 0.02
        let keep = tarone(&[1e-9, 1e-9, 0.02, 0.3, 0.5], 0.05);
        assert_eq!(keep, vec![true, true, false, false, false]);
        assert_eq!(tarone(&[1e-9; 4], 0.05), vec![true; 4]);
        assert!(tarone(&[], 0.05).is_empty());
    }

    fn hist(vals: impl Iterator<Item = u64>, high: Option<u64>) -> Histogram<u64> {
        let mut h = match high {
            Some(hi) => Histogram::<u64>::new_with_bounds(1, hi, 3).unwrap(),
            None => Histogram::<u64>::new(3).unwrap(),
        };
        for v in vals {
            h.record(v).unwrap();
        }
        h
    }

    #[test]
    fn quantile_shift() {
        let a = hist((0..2000).map(|i| 100 + i % 100), None);
        let b = hist((0..2000).map(|i| 130 + i % 100), None);
        let t = |x: &Histogram<u64>, y: &Histogram<u64>, q: f64| {
            quantile_shifts_up(x, y, &[q]).unwrap()[0].p
        };
        assert!(t(&a, &b, 0.95) < 1e-6);
        assert!(t(&b, &a, 0.95) > 0.99);
        assert!(t(&a, &a, 0.5) > 0.4);
        let both = quantile_shifts_up(&a, &b, &[0.5, 0.95]).unwrap();
        assert_eq!(both[0].p, t(&a, &b, 0.5));
        assert_eq!(both[1].p, t(&a, &b, 0.95));
    }

    /// Issue 12's blind spot: CURRENT beyond BASE's (non-growing, decoded)
    /// range used to read p = 1. 200 runs of 1000–1995 ms against ×3.
    #[test]
    fn current_beyond_base_range_is_tested() {
        let base = hist((0..200).map(|i| 1000 + 5 * i), Some(2047));
        let cur = hist((0..200).map(|i| 3 * (1000 + 5 * i)), Some(8191));
        let r = quantile_shifts_up(&base, &cur, &[0.5, 0.95, 0.99]).unwrap();
        assert!(r[0].p < 1e-20, "{r:?}");
        assert!(r[1].p < 1e-3, "{r:?}");
    }
}

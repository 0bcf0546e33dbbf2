//! The significance tests of `diff`.

use hdrhistogram::Histogram;

/// Upper tail of the standard normal distribution, P(Z > z).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
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

/// A quantile test on two HDR histograms, for each quantile `q` of `qs`:
/// with `v` the pooled `q`-quantile, is the share of values above `v` higher
/// in `current` than in `base`? (A two-proportion z-test on the exceedances;
/// for q = 0.5 this is Mood's median test.) One-sided p-values, in `qs` order.
pub fn quantile_shifts_up(base: &Histogram<u64>, current: &Histogram<u64>, qs: &[f64]) -> Vec<f64> {
    let mut pooled = base.clone();
    if pooled.add(current).is_err() {
        return vec![1.0; qs.len()];
    }
    let above = |h: &Histogram<u64>, v: u64| h.len() - h.count_between(0, v);
    qs.iter()
        .map(|&q| {
            let v = pooled.value_at_quantile(q);
            two_proportion_higher(above(base, v), base.len(), above(current, v), current.len())
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

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
        // the same rate: no evidence
        assert!((two_proportion_higher(500, 5000, 500, 5000) - 0.5).abs() < 1e-12);
        // lower is not higher
        assert!(two_proportion_higher(650, 5000, 500, 5000) > 0.99);
        assert_eq!(two_proportion_higher(0, 10, 0, 10), 1.0);
        assert_eq!(two_proportion_higher(1, 0, 0, 10), 1.0);
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
    fn quantile_shift() {
        let mut a = Histogram::<u64>::new(3).unwrap();
        let mut b = Histogram::<u64>::new(3).unwrap();
        for i in 0..2000 {
            a.record(100 + i % 100).unwrap();
            b.record(130 + i % 100).unwrap();
        }
        assert!(quantile_shifts_up(&a, &b, &[0.95])[0] < 1e-6);
        assert!(quantile_shifts_up(&b, &a, &[0.95])[0] > 0.99);
        assert!(quantile_shifts_up(&a, &a, &[0.5])[0] > 0.4);
        // several quantiles at once give what each alone gives
        let both = quantile_shifts_up(&a, &b, &[0.5, 0.95]);
        assert_eq!(
            both,
            vec![
                quantile_shifts_up(&a, &b, &[0.5])[0],
                quantile_shifts_up(&a, &b, &[0.95])[0]
            ]
        );
    }
}

//! From p-values to verdicts: Tarone's noise floor, Holm's adjustment, the
//! effect thresholds, and the warn-only cap of aggregate slices.

use super::stats;
use super::thresholds::{Direction, Kind, Metric, Thresholds};
use super::{Level, Row, Verdict, AGGREGATES};

/// Judge every tested row in place.
///
/// 1. Tarone: a test whose margins cannot give a p-value below the
///    family's level is left out of the family. A percentile row so left out
///    says `too-few` (its tail holds too few values to ever show a change);
///    a rate row stays `ok` (nothing happened that could be told from noise).
/// 2. Holm over the remaining tests, at `alpha_warn` and `alpha_fail`.
/// 3. Drift when worse by the threshold and significant; aggregate slices
///    ([`AGGREGATES`]) at most `warn`.
pub fn judge(rows: &mut [Row], t: &Thresholds) {
    let tested: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].p_value.is_some())
        .collect();
    let min_p: Vec<f64> = tested
        .iter()
        .map(|&i| rows[i].min_p.unwrap_or(0.0))
        .collect();
    let keep = stats::tarone(&min_p, t.alpha_warn);
    let mut family = Vec::new();
    for (&i, keep) in tested.iter().zip(keep) {
        if keep {
            family.push(i);
            continue;
        }
        let m = Metric::by_name(rows[i].metric).expect("listed");
        if m.kind == Kind::Percentile {
            rows[i].verdict = Verdict::TooFew;
        }
    }
    let adjusted = stats::holm(
        &family
            .iter()
            .map(|&i| rows[i].p_value.unwrap_or(1.0))
            .collect::<Vec<_>>(),
    );
    for (&i, p_adj) in family.iter().zip(adjusted) {
        let row = &mut rows[i];
        row.p_adjusted = Some(p_adj);
        let m = Metric::by_name(row.metric).expect("listed");
        let tier = t.tier(&m);
        let worse = row.delta.map_or(0.0, |d| match m.direction {
            Direction::UpIsWorse => d,
            Direction::DownIsWorse => -d,
        });
        let may_fail = !AGGREGATES.contains(&row.slice);
        if may_fail && worse >= tier.fail && p_adj < t.alpha_fail {
            row.verdict = Verdict::Drift;
            row.level = Some(Level::Fail);
        } else if worse >= tier.warn && p_adj < t.alpha_warn {
            row.verdict = Verdict::Drift;
            row.level = Some(Level::Warn);
        }
    }
}

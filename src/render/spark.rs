//! A compact trend for the terminal: runs per bucket of one channel as a
//! sparkline (`▁▂▃▄▅▆▇█`, `·` for none), over the latest buckets of the
//! series' time axis (the same axis as the Markdown charts).

use std::collections::BTreeMap;

use crate::baseline::Series;
use crate::render::chart::timeline;

const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// How many buckets the trend column shows in a table `width` columns wide
/// (0: no column; the table needs about 90 columns without it).
pub fn points_for_width(width: u16) -> usize {
    match width {
        0..=89 => 0,
        90..=119 => 12,
        120..=159 => 24,
        _ => 36,
    }
}

/// One bar per value, scaled to the largest.
pub fn sparkline(values: &[u64]) -> String {
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| match v {
            0 => '·',
            _ => {
                let level = (v as u128 * LEVELS.len() as u128).div_ceil(max as u128) as usize;
                LEVELS[level.clamp(1, LEVELS.len()) - 1]
            }
        })
        .collect()
}

/// Per channel: its runs over the latest `points` buckets, as a sparkline.
/// `None` when there is no axis of at least 2 buckets or `points` < 2.
pub fn channel_trends(s: &Series, points: usize) -> Option<BTreeMap<String, String>> {
    let axis = timeline(s);
    if axis.len() < 2 || points < 2 {
        return None;
    }
    let axis = &axis[axis.len().saturating_sub(points)..];
    let mut runs: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for (i, (_, b)) in axis.iter().enumerate() {
        for (ch, r) in b.iter().flat_map(|b| &b.runs.by_channel) {
            runs.entry(ch).or_insert_with(|| vec![0; axis.len()])[i] = r.runs;
        }
    }
    Some(
        runs.into_iter()
            .map(|(ch, v)| (ch.to_string(), sparkline(&v)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest() {
        assert_eq!(sparkline(&[0, 1, 4, 8]), "·▁▄█");
        assert_eq!(sparkline(&[5, 5]), "██");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[u64::MAX, 1]), "█▁");
    }

    #[test]
    fn narrow_terminals_get_no_column() {
        assert_eq!(points_for_width(80), 0);
        assert_eq!(points_for_width(100), 12);
        assert!(points_for_width(200) > points_for_width(120));
    }
}

//! Finalisation: the partial state's runs, cancels and counted cells, put
//! into buckets. Every figure is selected exactly as for the totals (a run
//! by its anchor, the rest by their own time), so the buckets plus
//! `untimed` add up to the totals. A state's partial (`by_bucket`) applies
//! the window to its cancels here, by whole minutes.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::aggregate::cancels::{CancelSlice, CancelsPartial};
use crate::aggregate::runs::{self, RunsPartial};
use crate::aggregate::RunSlice;
use crate::aggregate::{cancel_summary, run_summary, Map};
use crate::baseline::{rate, Bucket, BucketRuns, ReactionSlice, Series};
use crate::select::{Attr, Selection};
use crate::series::partial::{Cell, SeriesPartial};
use crate::series::spec::label;
use crate::time::format_ms;

/// Runs of one (bucket, channel slot); bucket `None`: no time.
type RunCells = Map<(Option<i64>, usize), RunSlice>;

#[derive(Default)]
struct Acc {
    channels: BTreeMap<String, RunSlice>,
    cancels: CancelSlice,
    cell: Cell,
}

pub fn build(
    sp: &SeriesPartial,
    runs: &RunsPartial,
    cancels: &CancelsPartial,
    window: Option<(i64, i64)>,
    sel: &Selection,
    by_bucket: bool,
) -> Series {
    let size = sp.spec.size_ms(window);
    let bucket = |t: i64| t.div_euclid(size);
    let run_cells = bucket_runs(runs, sel, size);

    let mut acc: BTreeMap<Option<i64>, Acc> = BTreeMap::new();
    let channels = &runs.strings[Attr::Channel as usize];
    for ((b, slot), slice) in run_cells {
        let name = runs::slot_name(channels, slot).to_string();
        acc.entry(b)
            .or_default()
            .channels
            .entry(name)
            .or_default()
            .absorb(slice);
    }
    cancels.visit(runs, sel, by_bucket, |c| {
        acc.entry(c.at.map(bucket)).or_default().cancels.push(&c);
    });
    for (k, c) in &sp.cells {
        let b = k.map(|s| bucket(s.saturating_mul(sp.step)));
        let a = &mut acc.entry(b).or_default().cell;
        a.matched += c.matched;
        a.skipped += c.skipped;
        a.malformed += c.malformed;
    }

    let untimed = acc.remove(&None).map(|a| finish(None, a));
    let buckets = acc
        .into_iter()
        .map(|(b, a)| finish(b.map(|b| b.saturating_mul(size)), a))
        .collect();
    Series {
        bucket: label(size),
        bucket_ms: size.unsigned_abs(),
        buckets,
        untimed,
    }
}

/// The runs in scope by (bucket of their anchor, channel slot), shards in
/// parallel; slices only add up, so the grouping does not change a figure.
fn bucket_runs(p: &RunsPartial, sel: &Selection, size: i64) -> RunCells {
    p.parts()
        .par_iter()
        .fold(RunCells::default, |mut acc, part| {
            part.for_each(|run| {
                let r = run.resolve(&p.strings);
                if !sel.in_window(r.anchor) || !sel.matches(|a| Some(r.get(a))) {
                    return;
                }
                let key = (
                    r.anchor.map(|t| t.div_euclid(size)),
                    r.slots[Attr::Channel as usize],
                );
                acc.entry(key).or_default().add(&r);
            });
            acc
        })
        .reduce(RunCells::default, |mut a, b| {
            for (k, v) in b {
                a.entry(k).or_default().absorb(v);
            }
            a
        })
}

fn finish(start: Option<i64>, a: Acc) -> Bucket {
    let mut total = RunSlice::default();
    for s in a.channels.values() {
        total.absorb(s.clone());
    }
    let c = a.cell;
    Bucket {
        cancels: cancel_summary(a.cancels),
        malformed_lines: c.malformed,
        reactions: ReactionSlice {
            match_rate: rate(c.matched, c.matched + c.skipped),
            matched: c.matched,
            skipped: c.skipped,
        },
        runs: BucketRuns {
            // per channel without histograms: the bucket total carries one
            by_channel: a
                .channels
                .into_iter()
                .map(|(k, v)| (k, run_summary(v, false)))
                .collect(),
            total: run_summary(total, true),
        },
        start: start.map(format_ms),
    }
}

//! k-way merges of sorted tables (`tables.rs`): a heap over the tables'
//! heads, equal keys added up as they meet. The run table, the biggest by
//! far, is merged in key ranges on every core ([`merge_split`]).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;

/// Merge sequences sorted by `order` (each may repeat a key) in one pass,
/// adding up equal keys with `combine` (which is commutative).
pub(super) fn merge_all<T, O: Ord + Copy>(
    parts: Vec<Vec<T>>,
    order: &impl Fn(&T) -> O,
    combine: &impl Fn(&mut T, T),
) -> Vec<T> {
    let mut parts: Vec<Vec<T>> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    if parts.len() <= 1 {
        return parts.pop().unwrap_or_default();
    }
    let mut out: Vec<T> = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    crate::state::pages::advise_huge(&mut out);
    let mut iters: Vec<std::iter::Peekable<std::vec::IntoIter<T>>> = parts
        .into_iter()
        .map(|p| p.into_iter().peekable())
        .collect();
    let mut heap: BinaryHeap<Reverse<(O, usize)>> = iters
        .iter_mut()
        .enumerate()
        .filter_map(|(i, it)| it.peek().map(|x| Reverse((order(x), i))))
        .collect();
    while let Some(Reverse((o, i))) = heap.pop() {
        let Some(x) = iters[i].next() else { continue };
        match out.last_mut() {
            Some(last) if order(last) == o => combine(last, x),
            _ => out.push(x),
        }
        if let Some(next) = iters[i].peek() {
            heap.push(Reverse((order(next), i)));
        }
    }
    out
}

/// Below this many items a table is merged in one piece.
const SPLIT_MIN: usize = 1 << 16;

/// [`merge_all`] in key ranges, one merge per range on every core, each
/// writing its own part of one output table; `combine` may also put items
/// aside (a run's spilled own events), returned in key order. Equal keys
/// meet in the same range (every table is cut at the same keys), in the
/// order of the tables, as in one merge.
pub(super) fn merge_split<T, O, S>(
    parts: Vec<Vec<T>>,
    order: &(impl Fn(&T) -> O + Sync),
    combine: &(impl Fn(&mut T, T, &mut Vec<S>) + Sync),
) -> (Vec<T>, Vec<S>)
where
    T: Clone + Default + Send + Sync,
    O: Ord + Copy + Send + Sync,
    S: Send,
{
    let total: usize = parts.iter().map(Vec::len).sum();
    let pieces = if total < SPLIT_MIN {
        1
    } else {
        2 * rayon::current_num_threads()
    };
    merge_pieces(parts, order, combine, pieces)
}

/// [`merge_split`] in `pieces` key ranges.
fn merge_pieces<T, O, S>(
    parts: Vec<Vec<T>>,
    order: &(impl Fn(&T) -> O + Sync),
    combine: &(impl Fn(&mut T, T, &mut Vec<S>) + Sync),
    pieces: usize,
) -> (Vec<T>, Vec<S>)
where
    T: Clone + Default + Send + Sync,
    O: Ord + Copy + Send + Sync,
    S: Send,
{
    let mut parts: Vec<Vec<T>> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    if parts.len() <= 1 {
        return (parts.pop().unwrap_or_default(), Vec::new());
    }
    let total: usize = parts.iter().map(Vec::len).sum();
    let pieces = pieces.clamp(1, total);
    // cut every table at the same keys: those at even steps of the largest
    let largest = parts.iter().max_by_key(|p| p.len()).unwrap_or(&parts[0]);
    let pivots: Vec<O> = (1..pieces)
        .map(|j| order(&largest[j * largest.len() / pieces]))
        .collect();
    let cuts: Vec<Vec<usize>> = parts
        .iter()
        .map(|p| {
            let mut c = Vec::with_capacity(pieces + 1);
            c.push(0);
            c.extend(pivots.iter().map(|&k| p.partition_point(|x| order(x) < k)));
            c.push(p.len());
            c
        })
        .collect();
    let sizes: Vec<usize> = (0..pieces)
        .map(|j| cuts.iter().map(|c| c[j + 1] - c[j]).sum())
        .collect();
    let mut out: Vec<T> = Vec::with_capacity(total);
    crate::state::pages::advise_huge(&mut out);
    out.par_extend(rayon::iter::repeat_n(T::default(), total));
    let mut regions = Vec::with_capacity(pieces);
    let mut rest = out.as_mut_slice();
    for &n in &sizes {
        let (mine, more) = rest.split_at_mut(n);
        regions.push(mine);
        rest = more;
    }
    let merged: Vec<(usize, Vec<S>)> = regions
        .into_par_iter()
        .enumerate()
        .map(|(j, region)| {
            let slices: Vec<&[T]> = parts
                .iter()
                .zip(&cuts)
                .map(|(p, c)| &p[c[j]..c[j + 1]])
                .collect();
            let mut aside = Vec::new();
            let n = merge_into(&slices, order, |a, b| combine(a, b, &mut aside), region);
            (n, aside)
        })
        .collect();
    // close the gaps that equal keys left at the end of their range
    let mut at = 0;
    let mut from = 0;
    for (&(n, _), &size) in merged.iter().zip(&sizes) {
        if from != at {
            for i in 0..n {
                out.swap(at + i, from + i);
            }
        }
        at += n;
        from += size;
    }
    out.truncate(at);
    let aside = merged.into_iter().flat_map(|(_, s)| s).collect();
    (out, aside)
}

/// Merge sorted `parts` into `out` (long enough for all of them), adding
/// up equal keys; the number of items written.
fn merge_into<T: Clone, O: Ord + Copy>(
    parts: &[&[T]],
    order: &impl Fn(&T) -> O,
    mut combine: impl FnMut(&mut T, T),
    out: &mut [T],
) -> usize {
    let mut next = vec![0usize; parts.len()];
    let mut heap: BinaryHeap<Reverse<(O, usize)>> = parts
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.first().map(|x| Reverse((order(x), i))))
        .collect();
    let mut n: usize = 0;
    while let Some(Reverse((o, i))) = heap.pop() {
        let x = parts[i][next[i]].clone();
        next[i] += 1;
        if n > 0 && order(&out[n - 1]) == o {
            combine(&mut out[n - 1], x);
        } else {
            out[n] = x;
            n += 1;
        }
        if let Some(x) = parts[i].get(next[i]) {
            heap.push(Reverse((order(x), i)));
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// In ranges or in one piece: the same table, the same items put
        /// aside, in the same order.
        #[test]
        fn split_merge_is_one_merge(
            tables in prop::collection::vec(prop::collection::vec((0u32..300, 0u64..9), 0..200), 0..5),
            pieces in 1usize..9,
        ) {
            let tables: Vec<Vec<(u32, u64)>> = tables
                .into_iter()
                .map(|mut t| {
                    t.sort_unstable_by_key(|x| x.0);
                    t.dedup_by_key(|x| x.0);
                    t
                })
                .collect();
            let order = |x: &(u32, u64)| x.0;
            let combine = |a: &mut (u32, u64), b: (u32, u64), aside: &mut Vec<u64>| {
                a.1 += b.1;
                aside.push(u64::from(b.0) * 10 + b.1);
            };
            let (got, got_aside) = merge_pieces(tables.clone(), &order, &combine, pieces);
            let aside = std::cell::RefCell::new(Vec::new());
            let want = merge_all(tables, &order, &|a, b| combine(a, b, &mut aside.borrow_mut()));
            prop_assert_eq!(got, want);
            prop_assert_eq!(got_aside, aside.into_inner());
        }
    }
}

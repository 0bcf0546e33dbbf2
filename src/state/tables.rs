//! A state as sorted tables: what `merge` works on. Every string table is
//! sorted by name (so ids compare like the names they stand for) and every
//! table of runs, cancel groups and event groups is sorted by its key, in
//! the order the state's bytes list them. Merging states is then a merge of
//! sorted sequences — linear, no hash table, no per-item allocation — and
//! the merged tables are written without sorting again (docs/scale.md).

use rayon::prelude::*;

use crate::aggregate::cancels::{CancelGroup, CancelKey, CancelsPartial};
use crate::aggregate::groups::{add_own, EventGroups, Group, GroupKey, GroupReactions, OwnEvent};
use crate::aggregate::intern::{Interner, NO_ID};
use crate::aggregate::keys::OTHER;
use crate::aggregate::runs::{RunKey, RunsPartial};
use crate::aggregate::{LinePos, Map, Partial};
use crate::state::kway::{merge_all, merge_split};

#[derive(Debug, Clone)]
pub(crate) struct Tables {
    /// The counters, samples, line counts and dialects: a state's partial
    /// whose runs, cancels and groups are empty (they are below). Line
    /// numbers are within their file (work unit 0).
    pub head: Partial,
    pub run_strings: [Interner; 4],
    /// By key, each with its own event (ids of `event_strings`).
    pub runs: Vec<RunRow>,
    pub cancel_strings: [Interner; 5],
    /// By [`cancel_order`].
    pub cancels: Vec<(CancelKey, CancelGroup)>,
    pub event_strings: [Interner; 7],
    /// By [`group_order`]; each group's lists by [`id_order`] of their ids.
    pub groups: Vec<(GroupKey, Group)>,
}

/// Where an id sorts: absent first, then by id (by name, the interners here
/// being sorted). It is the id a state's bytes store.
pub(crate) fn id_order(id: u32) -> u32 {
    id.wrapping_add(1)
}

pub(crate) use crate::aggregate::runs::RunRow;

/// Which of two own events of a run stays its own: the least by time, type
/// and attributes (ids compare like names: `EventGroups::own_order`).
fn own_order(e: &OwnEvent) -> (i64, u32, [u32; 4]) {
    (e.at, id_order(e.etype), e.attrs.map(id_order))
}

pub(crate) type CancelOrder = (i64, Option<RunKey>, u32, [u32; 4]);

pub(crate) fn cancel_order(k: &CancelKey) -> CancelOrder {
    (k.bucket, k.run, id_order(k.source), k.attrs.map(id_order))
}

pub(crate) fn group_order(k: &GroupKey) -> (i64, [u32; 4]) {
    (k.bucket, k.attrs.map(id_order))
}

fn remap(map: &[u32], id: u32) -> u32 {
    if id == NO_ID {
        NO_ID
    } else {
        map[id as usize]
    }
}

/// Sort a group's list by id and add up the counts of repeated ids.
fn normalize(list: &mut Vec<(u32, u64)>) {
    if list.windows(2).all(|w| id_order(w[0].0) < id_order(w[1].0)) {
        return;
    }
    list.sort_unstable_by_key(|&(id, _)| id_order(id));
    list.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 += later.1;
        }
        same
    });
}

/// Add `o`'s counts to `g` (ids of both in the same tables).
fn absorb_group(g: &mut Group, o: Group) {
    g.first = g.first.min(o.first);
    g.last = g.last.max(o.last);
    add_list(&mut g.types, o.types);
    if let Some(o) = o.reactions {
        let r = g.reactions.get_or_insert_default();
        r.matched += o.matched;
        r.skipped += o.skipped;
        r.candidate_count_sum += o.candidate_count_sum;
        add_list(&mut r.rules, o.rules);
        add_list(&mut r.reasons, o.reasons);
    }
}

fn add_list(mine: &mut Vec<(u32, u64)>, theirs: Vec<(u32, u64)>) {
    if mine.is_empty() {
        *mine = theirs;
    } else if !theirs.is_empty() {
        mine.extend(theirs);
        normalize(mine);
    }
}

fn absorb_cancel(g: &mut CancelGroup, o: CancelGroup) {
    g.count += o.count;
    g.acknowledged += o.acknowledged;
    g.latencies.absorb(&o.latencies);
}

/// Own events as groups: sorted, each key once.
fn own_groups(mut own: Vec<OwnEvent>) -> Vec<(GroupKey, Group)> {
    own.sort_unstable_by_key(|e| (group_order(&e.key()), own_order(e)));
    let mut out: Vec<(GroupKey, Group)> = Vec::with_capacity(own.len());
    for e in own {
        let key = e.key();
        match out.last_mut() {
            Some((k, g)) if group_order(k) == group_order(&key) => {
                add_own(g, &e);
                g.types.sort_unstable_by_key(|&(id, _)| id_order(id));
            }
            _ => out.push((key, e.group())),
        }
    }
    out
}

/// Sort by `order` unless sorted already (a remap past `--max-keys` can
/// fold values into `(other)` and so reorder keys).
fn ensure_sorted<T: Send, O: Ord>(v: &mut [T], order: impl Fn(&T) -> O + Sync) {
    if !v.windows(2).all(|w| order(&w[0]) <= order(&w[1])) {
        v.par_sort_by(|a, b| order(a).cmp(&order(b)));
    }
}

/// The union of tables `which` of every state, sorted, and for each state
/// the map of its ids into it (values past `max` fold into `(other)`).
fn union<const N: usize>(
    tables: &[&[Interner; N]],
    max: usize,
) -> ([Interner; N], [Vec<Vec<u32>>; N]) {
    let mut maps: [Vec<Vec<u32>>; N] = std::array::from_fn(|_| Vec::new());
    let merged = std::array::from_fn(|i| {
        if let Some((m, map)) = union_sorted(tables.iter().map(|t| &t[i]), max) {
            maps[i] = map;
            return m;
        }
        let mut m = Interner::new(max);
        let raw: Vec<Vec<u32>> = tables.iter().map(|t| m.absorb(&t[i])).collect();
        let (sorted, new_id) = m.sorted();
        maps[i] = raw
            .into_iter()
            .map(|r| r.into_iter().map(|id| new_id[id as usize]).collect())
            .collect();
        sorted
    });
    (merged, maps)
}

/// The union of interners sorted by name (a state's), by one merge of the
/// sorted names, and for each its ids in the union: `None` when a value
/// would fold into `(other)` (more than `max` values), where the order the
/// values come in decides which keep their names (see [`union`]).
fn union_sorted<'a>(
    tables: impl Iterator<Item = &'a Interner> + Clone,
    max: usize,
) -> Option<(Interner, Vec<Vec<u32>>)> {
    let lists: Vec<&[Box<str>]> = tables.clone().map(Interner::names).collect();
    if !lists.iter().all(|l| l.windows(2).all(|w| w[0] < w[1])) {
        return None;
    }
    let mut at = vec![0usize; lists.len()];
    let mut maps: Vec<Vec<u32>> = lists.iter().map(|l| Vec::with_capacity(l.len())).collect();
    let mut names: Vec<Box<str>> =
        Vec::with_capacity(lists.iter().map(|l| l.len()).max().unwrap_or(0));
    loop {
        // the least head of the lists (few lists: a scan)
        let mut least: Option<&Box<str>> = None;
        for (l, &i) in lists.iter().zip(&at) {
            if let Some(n) = l.get(i) {
                if least.is_none_or(|m| n < m) {
                    least = Some(n);
                }
            }
        }
        let Some(n) = least else { break };
        let id = u32::try_from(names.len()).ok()?;
        for ((l, i), map) in lists.iter().zip(at.iter_mut()).zip(maps.iter_mut()) {
            if l.get(*i) == Some(n) {
                map.push(id);
                *i += 1;
            }
        }
        names.push(n.clone());
    }
    let named = names.len() - usize::from(names.iter().any(|n| &**n == OTHER));
    if named > max.max(1) {
        return None;
    }
    let overflow = tables.map(|t| t.overflow).sum();
    let m = Interner::from_names(names, max, overflow)?;
    Some((m, maps))
}

/// Whether an id map keeps the order of ids (then sorted tables stay sorted).
fn monotone(map: &[u32]) -> bool {
    map.windows(2).all(|w| w[0] < w[1])
}

impl Tables {
    /// The sorted tables of a state's partial (made with
    /// [`Partial::for_state`]); `p` is left as it was.
    pub fn from_partial(p: &Partial) -> Tables {
        let mut head = Partial::for_state(p.max_keys);
        head.files = p.files;
        head.bytes = p.bytes;
        head.events = p.events;
        head.malformed = p.malformed;
        head.untimed = p.untimed;
        head.invalid = p.invalid;
        head.dialects = p.dialects.clone();
        head.unreadable = p.unreadable.clone();
        head.unreadable.sort();
        // lines numbered within their file (not their work unit), so the
        // bytes do not depend on how the files were split into byte ranges
        let mut parts = p.part_lines.clone();
        parts.sort_unstable();
        let mut before: Map<(usize, usize), u64> = Map::default();
        for &(f, part, n) in &parts {
            match head.part_lines.last_mut() {
                Some(last) if last.0 == f => {
                    before.insert((f, part), last.2);
                    last.2 = last.2.saturating_add(n);
                }
                _ => {
                    before.insert((f, part), 0);
                    head.part_lines.push((f, 0, n));
                }
            }
        }
        head.samples = p
            .samples
            .iter()
            .map(|&(pos, why)| {
                let at = before.get(&(pos.file, pos.part)).copied().unwrap_or(0);
                let pos = LinePos {
                    file: pos.file,
                    part: 0,
                    line: at.saturating_add(pos.line),
                };
                (pos, why)
            })
            .collect();
        head.samples.sort_unstable();
        if let (Some(h), Some(g)) = (&mut head.groups, &p.groups) {
            h.malformed = g.malformed.clone();
        }

        let sort_all = |t: &[Interner]| -> (Vec<Interner>, Vec<Vec<u32>>) {
            t.iter().map(Interner::sorted).unzip()
        };
        let empty = EventGroups::new(1);
        let eg = p.groups.as_ref().unwrap_or(&empty);
        let (event_strings, event_ids) = sort_all(&eg.strings);
        let own_of = |e: &OwnEvent| OwnEvent {
            at: e.at,
            etype: remap(&event_ids[crate::aggregate::groups::ETYPE], e.etype),
            attrs: std::array::from_fn(|i| remap(&event_ids[i], e.attrs[i])),
        };
        let mut own: Map<RunKey, OwnEvent> =
            eg.own_events().map(|(k, e)| (*k, own_of(e))).collect();

        let (run_strings, run_ids) = sort_all(&p.runs.strings);
        let mut runs: Vec<RunRow> = p
            .runs
            .iter()
            .map(|(k, r)| {
                let mut r = r.clone();
                for (i, id) in r.attr.iter_mut().enumerate() {
                    *id = remap(&run_ids[i], *id);
                }
                (*k, r, own.remove(k).unwrap_or_default())
            })
            .collect();
        runs.par_sort_unstable_by_key(|(k, _, _)| *k);
        // own events of no recorded run (none are made): counted in groups
        let orphans: Vec<OwnEvent> = own.into_values().collect();

        let (cancel_strings, cancel_ids) = sort_all(&p.cancels.strings);
        let mut cancels: Vec<(CancelKey, CancelGroup)> = p
            .cancels
            .groups()
            .map(|(k, g)| {
                let key = CancelKey {
                    bucket: k.bucket,
                    run: k.run,
                    source: remap(&cancel_ids[crate::aggregate::cancels::SOURCE], k.source),
                    attrs: std::array::from_fn(|i| remap(&cancel_ids[i], k.attrs[i])),
                };
                (key, g.clone())
            })
            .collect();
        cancels.par_sort_unstable_by_key(|(k, _)| cancel_order(k));

        use crate::aggregate::groups::{ETYPE, REASON, RULE};
        let list = |l: &[(u32, u64)], ids: &[u32]| {
            let mut v: Vec<(u32, u64)> = l.iter().map(|&(i, n)| (remap(ids, i), n)).collect();
            normalize(&mut v);
            v
        };
        let mut groups: Vec<(GroupKey, Group)> = eg
            .groups()
            .map(|(k, g)| {
                let key = GroupKey {
                    bucket: k.bucket,
                    attrs: std::array::from_fn(|i| remap(&event_ids[i], k.attrs[i])),
                };
                let g = Group {
                    first: g.first,
                    last: g.last,
                    types: list(&g.types, &event_ids[ETYPE]),
                    reactions: g.reactions.as_ref().map(|r| {
                        Box::new(GroupReactions {
                            rules: list(&r.rules, &event_ids[RULE]),
                            reasons: list(&r.reasons, &event_ids[REASON]),
                            ..(**r).clone()
                        })
                    }),
                };
                (key, g)
            })
            .collect();
        groups.par_sort_unstable_by_key(|(k, _)| group_order(k));
        if !orphans.is_empty() {
            groups = merge_all(
                vec![groups, own_groups(orphans)],
                &|(k, _): &(GroupKey, Group)| group_order(k),
                &|a, b| absorb_group(&mut a.1, b.1),
            );
        }

        Tables {
            head,
            run_strings: to_array(run_strings),
            runs,
            cancel_strings: to_array(cancel_strings),
            cancels,
            event_strings: to_array(event_strings),
            groups,
        }
    }

    /// The partial these tables stand for (to finalise into artifacts).
    pub fn into_partial(self) -> Partial {
        let Tables {
            mut head,
            run_strings,
            runs,
            cancel_strings,
            cancels,
            event_strings,
            groups,
        } = self;
        // the runs are finalised as they are, their own events replayed
        // from beside them (no copy of the table)
        let runs = RunsPartial::from_sorted(run_strings, runs);
        let (cancels, groups) = rayon::join(
            || {
                let mut m: Map<CancelKey, CancelGroup> = Map::default();
                m.reserve(cancels.len());
                m.extend(cancels);
                CancelsPartial::from_parts(cancel_strings, m)
            },
            || EventGroups::from_sorted(event_strings, groups, Vec::new()),
        );
        let mut groups = groups;
        if let Some(h) = head.groups.take() {
            groups.malformed = h.malformed;
        }
        head.runs = runs;
        head.cancels = cancels;
        head.groups = Some(groups);
        head
    }

    /// Merge tables whose heads already name files in one numbering.
    pub fn merge(parts: Vec<Tables>, max_keys: usize) -> Tables {
        let mut head = Partial::for_state(max_keys);
        let mut runs = Vec::with_capacity(parts.len());
        let mut cancels = Vec::with_capacity(parts.len());
        let mut groups = Vec::with_capacity(parts.len());
        let mut run_strings = Vec::with_capacity(parts.len());
        let mut cancel_strings = Vec::with_capacity(parts.len());
        let mut event_strings = Vec::with_capacity(parts.len());
        for t in parts {
            head.merge(t.head);
            runs.push(t.runs);
            cancels.push(t.cancels);
            groups.push(t.groups);
            run_strings.push(t.run_strings);
            cancel_strings.push(t.cancel_strings);
            event_strings.push(t.event_strings);
        }
        let (run_strings, run_maps) = union(&run_strings.iter().collect::<Vec<_>>(), max_keys);
        let (cancel_strings, cancel_maps) =
            union(&cancel_strings.iter().collect::<Vec<_>>(), max_keys);
        let (event_strings, event_maps) =
            union(&event_strings.iter().collect::<Vec<_>>(), max_keys);

        let runs = {
            use crate::aggregate::groups::ETYPE;
            for (s, table) in runs.iter_mut().enumerate() {
                let maps: [&[u32]; 4] = std::array::from_fn(|i| run_maps[i][s].as_slice());
                let own_maps: [&[u32]; 5] = std::array::from_fn(|i| event_maps[i][s].as_slice());
                table.par_iter_mut().for_each(|(_, r, e)| {
                    for (i, id) in r.attr.iter_mut().enumerate() {
                        *id = remap(maps[i], *id);
                    }
                    e.etype = remap(own_maps[ETYPE], e.etype);
                    for (i, id) in e.attrs.iter_mut().enumerate() {
                        *id = remap(own_maps[i], *id);
                    }
                });
            }
            let strings = &run_strings;
            move || {
                // a run in several states: the least own event stays, the
                // others are counted in their groups
                merge_split(runs, &|(k, _, _): &RunRow| *k, &|a, b, spills| {
                    a.1.merge(&b.1, strings);
                    let (keep, spill) = if own_order(&b.2) < own_order(&a.2) {
                        (b.2, a.2)
                    } else {
                        (a.2, b.2)
                    };
                    let (keep, spill) = match (keep.is_some(), spill.is_some()) {
                        (true, true) => (keep, Some(spill)),
                        (true, false) => (keep, None),
                        _ => (spill, None),
                    };
                    a.2 = keep;
                    if let Some(e) = spill {
                        spills.push(e);
                    }
                })
            }
        };
        let cancels = {
            for (s, table) in cancels.iter_mut().enumerate() {
                let maps: [&[u32]; 5] = std::array::from_fn(|i| cancel_maps[i][s].as_slice());
                let keeps = maps.iter().all(|m| monotone(m));
                for (k, _) in table.iter_mut() {
                    k.source = remap(maps[crate::aggregate::cancels::SOURCE], k.source);
                    k.attrs = std::array::from_fn(|i| remap(maps[i], k.attrs[i]));
                }
                if !keeps {
                    ensure_sorted(table, |(k, _)| cancel_order(k));
                }
            }
            move || {
                merge_all(
                    cancels,
                    &|(k, _): &(CancelKey, CancelGroup)| cancel_order(k),
                    &|a, b| absorb_cancel(&mut a.1, b.1),
                )
            }
        };
        let groups = {
            use crate::aggregate::groups::{ETYPE, REASON, RULE};
            for (s, table) in groups.iter_mut().enumerate() {
                let maps: [&[u32]; 7] = std::array::from_fn(|i| event_maps[i][s].as_slice());
                let keeps = maps.iter().all(|m| monotone(m));
                table.par_iter_mut().for_each(|(k, g)| {
                    k.attrs = std::array::from_fn(|i| remap(maps[i], k.attrs[i]));
                    let fix = |which: usize, l: &mut Vec<(u32, u64)>| {
                        for (id, _) in l.iter_mut() {
                            *id = remap(maps[which], *id);
                        }
                        if !keeps {
                            normalize(l);
                        }
                    };
                    fix(ETYPE, &mut g.types);
                    if let Some(r) = &mut g.reactions {
                        fix(RULE, &mut r.rules);
                        fix(REASON, &mut r.reasons);
                    }
                });
                if !keeps {
                    ensure_sorted(table, |(k, _)| group_order(k));
                }
            }
            move || {
                merge_all(
                    groups,
                    &|(k, _): &(GroupKey, Group)| group_order(k),
                    &|a, b| absorb_group(&mut a.1, b.1),
                )
            }
        };
        let ((runs, spills), (cancels, mut groups)) =
            rayon::join(runs, || rayon::join(cancels, groups));
        if !spills.is_empty() {
            groups = merge_all(
                vec![groups, own_groups(spills)],
                &|(k, _): &(GroupKey, Group)| group_order(k),
                &|a, b| absorb_group(&mut a.1, b.1),
            );
        }
        Tables {
            head,
            run_strings,
            runs,
            cancel_strings,
            cancels,
            event_strings,
            groups,
        }
    }
}

fn to_array<const N: usize>(v: Vec<Interner>) -> [Interner; N] {
    v.try_into()
        .unwrap_or_else(|_| unreachable!("one entry per interner"))
}

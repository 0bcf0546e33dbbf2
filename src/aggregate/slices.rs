//! Finalising runs: every run in scope added to its backend, channel, origin
//! and session slice, in parallel over parts of the run table (slices only
//! add up, so any split gives the same figures).
//!
//! What a run costs here is what a `merge --json` of a million runs costs
//! most of (docs/scale.md), so the loop avoids the per-run work a slice
//! does not need: without `--where` a run's slots come from its ids (no
//! names are looked up), and a session's durations are not grown run by
//! run in one list per session (tens of thousands of small lists, each
//! reallocated as it grows) but appended to one list per task and sorted
//! into place by session at the end.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::baseline::{self, rate, RunSummary, Stats};
use crate::select::{Attr, Selection};

use super::runs::{self, ResolvedRun, RunsPartial, SlotRules, Terminal};
use super::stats::{self, Samples};

/// Counts of one slice of runs, accumulated at finalisation.
#[derive(Debug, Clone, Default)]
pub struct RunSlice {
    pub runs: u64,
    pub completed: u64,
    pub cancelled: u64,
    pub errored: u64,
    pub open: u64,
    pub cancel_requested: u64,
    pub durations: Samples,
}

impl RunSlice {
    pub fn add(&mut self, r: &ResolvedRun<'_>) {
        self.count(r.outcome, r.cancel_requested);
        if let Some(d) = r.duration_ms {
            self.durations.push(d);
        }
    }

    /// Count one run (its duration aside).
    #[inline]
    pub fn count(&mut self, outcome: Option<Terminal>, cancel_requested: bool) {
        self.runs += 1;
        match outcome {
            None => self.open += 1,
            Some(Terminal::Complete) => self.completed += 1,
            Some(Terminal::Cancelled) => self.cancelled += 1,
            Some(Terminal::Error) => self.errored += 1,
        }
        self.cancel_requested += cancel_requested as u64;
    }

    /// Add every run of `o`.
    pub fn absorb(&mut self, o: RunSlice) {
        self.runs += o.runs;
        self.completed += o.completed;
        self.cancelled += o.cancelled;
        self.errored += o.errored;
        self.open += o.open;
        self.cancel_requested += o.cancel_requested;
        self.durations.absorb(o.durations);
    }
}

const SESSION: usize = Attr::Session as usize;

/// The summary of a slice whose durations are summarised already.
fn summary_of(s: &RunSlice, duration_ms: Stats) -> RunSummary {
    let terminal = s.completed + s.cancelled + s.errored;
    RunSummary {
        cancel_rate: rate(s.cancelled, terminal),
        cancel_requested: s.cancel_requested,
        cancelled: s.cancelled,
        completed: s.completed,
        completion_rate: rate(s.completed, terminal),
        duration_ms,
        error_rate: rate(s.errored, terminal),
        errored: s.errored,
        open: s.open,
        runs: s.runs,
    }
}

pub(crate) fn run_summary(mut s: RunSlice, with_hdr: bool) -> RunSummary {
    let durations = std::mem::take(&mut s.durations).summarize(with_hdr);
    summary_of(&s, durations)
}

/// The run slices of some parts: per attribute (indexed by `Attr`) one
/// slice per slot (see `ResolvedRun::slots`). Every run is in exactly one
/// channel slot, so the total is the channel slices added up.
struct Sliced {
    /// The session slices count runs only: their durations are in
    /// `durations`.
    by: [Vec<RunSlice>; 4],
    /// (session slot, duration) of every run in scope that has a duration,
    /// one list per part.
    durations: Vec<Vec<(usize, u64)>>,
}

impl Sliced {
    fn new(p: &RunsPartial) -> Sliced {
        Sliced {
            by: std::array::from_fn(|i| {
                vec![RunSlice::default(); p.strings[i].len() + runs::FALLBACKS.len()]
            }),
            durations: Vec::new(),
        }
    }

    fn absorb(&mut self, o: Sliced) {
        for (mine, theirs) in self.by.iter_mut().zip(o.by) {
            for (m, t) in mine.iter_mut().zip(theirs) {
                if t.runs > 0 {
                    m.absorb(t);
                }
            }
        }
        self.durations.extend(o.durations);
    }
}

pub(crate) fn finalize_runs(p: &RunsPartial, sel: &Selection) -> baseline::Runs {
    // parts in parallel, a few parts per task (each task's slices are as
    // long as the interners): two tasks per thread, so that a thread busy
    // elsewhere (the cancels are finalised beside the runs) leaves the
    // other threads less to do alone
    let parts = p.parts();
    let tasks = (2 * rayon::current_num_threads()).clamp(1, parts.len().max(1));
    let rules = SlotRules::new(&p.strings);
    // names are looked up only for a --where
    let named = !sel.wheres.is_empty();
    let Sliced { mut by, durations } = parts
        .par_iter()
        .with_min_len(parts.len().div_ceil(tasks))
        .fold(
            || Sliced::new(p),
            |mut acc, part| {
                let mut durations = Vec::new();
                part.for_each(|run| {
                    if !sel.in_window(run.anchor()) {
                        return;
                    }
                    let slots = if named {
                        let r = run.resolve(&p.strings);
                        if !sel.matches(|a| Some(r.get(a))) {
                            return;
                        }
                        r.slots
                    } else {
                        run.slots_by(&rules)
                    };
                    let duration = run.duration();
                    for (i, (slices, &slot)) in acc.by.iter_mut().zip(&slots).enumerate() {
                        let s = &mut slices[slot];
                        s.count(run.terminal, run.cancel_requested);
                        match duration {
                            Some(d) if i == SESSION => durations.push((slot, d)),
                            Some(d) => s.durations.push(d),
                            None => {}
                        }
                    }
                });
                acc.durations.push(durations);
                acc
            },
        )
        .reduce_with(|mut a, b| {
            a.absorb(b);
            a
        })
        .unwrap_or_else(|| Sliced::new(p));
    let mut total = RunSlice::default();
    for s in by[Attr::Channel as usize].iter().filter(|s| s.runs > 0) {
        total.absorb(s.clone());
    }
    let mut fin = |a: Attr| -> BTreeMap<String, RunSummary> {
        let names = &p.strings[a as usize];
        let mut slices: Vec<(&str, RunSlice)> = std::mem::take(&mut by[a as usize])
            .into_iter()
            .enumerate()
            .filter(|(_, s)| s.runs > 0)
            .map(|(i, s)| (runs::slot_name(names, i), s))
            .collect();
        slices.sort_unstable_by(|x, y| x.0.cmp(y.0));
        // slots that share a name are one slice
        slices.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1.absorb(std::mem::take(&mut later.1));
            }
            same
        });
        slices
            .into_iter()
            .map(|(k, v)| (k.to_string(), run_summary(v, true)))
            .collect()
    };
    baseline::Runs {
        by_backend: fin(Attr::Backend),
        by_channel: fin(Attr::Channel),
        by_origin: fin(Attr::Origin),
        by_session: sessions(
            &p.strings[SESSION],
            std::mem::take(&mut by[SESSION]),
            durations,
        ),
        total: run_summary(total, true),
    }
}

/// The per-session summaries (many and small: no histograms there) of the
/// session slices and their (slot, duration) lists.
fn sessions(
    names: &super::intern::Interner,
    slices: Vec<RunSlice>,
    durations: Vec<Vec<(usize, u64)>>,
) -> BTreeMap<String, RunSummary> {
    // the slices in scope by name; slots that share a name are one slice
    let mut named: Vec<(&str, usize)> = slices
        .iter()
        .enumerate()
        .filter(|(_, s)| s.runs > 0)
        .map(|(i, _)| (runs::slot_name(names, i), i))
        .collect();
    named.sort_unstable();
    let mut rank = vec![usize::MAX; slices.len()];
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for (name, slot) in named {
        match groups.last_mut() {
            Some((n, slots)) if *n == name => slots.push(slot),
            _ => groups.push((name, vec![slot])),
        }
        rank[slot] = groups.len() - 1;
    }
    // the durations sorted by the rank of their slice's name (a counting
    // sort): each name's durations are then one range of `flat`
    let mut start = vec![0usize; groups.len() + 1];
    for &(slot, _) in durations.iter().flatten() {
        start[rank[slot] + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut flat = vec![0u64; start[groups.len()]];
    let mut at = start.clone();
    for &(slot, d) in durations.iter().flatten() {
        let r = rank[slot];
        flat[at[r]] = d;
        at[r] += 1;
    }
    drop(durations);
    let mut ranges: Vec<&mut [u64]> = Vec::with_capacity(groups.len());
    let mut rest = flat.as_mut_slice();
    for w in start.windows(2) {
        let (mine, more) = rest.split_at_mut(w[1] - w[0]);
        ranges.push(mine);
        rest = more;
    }
    let summaries: Vec<(String, RunSummary)> = groups
        .into_par_iter()
        .zip(ranges)
        .with_min_len(1024)
        .map(|((name, slots), values)| {
            let mut s = RunSlice::default();
            for slot in slots {
                s.absorb(slices[slot].clone());
            }
            (
                name.to_string(),
                summary_of(&s, stats::summarize(values, false)),
            )
        })
        .collect();
    // in name order already: built without sorting again
    summaries.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::runs::{OwnEvent, RunKey, RunRow};
    use crate::event::parse_line;
    use proptest::prelude::*;

    /// Every run resolved by name and added to a slice per name: what
    /// `finalize_runs` must give however it gets there.
    fn by_names(p: &RunsPartial, sel: &Selection) -> baseline::Runs {
        let mut by: [BTreeMap<String, RunSlice>; 4] = Default::default();
        let mut total = RunSlice::default();
        for (_, run) in p.iter() {
            let r = run.resolve(&p.strings);
            if !sel.in_window(r.anchor) || !sel.matches(|a| Some(r.get(a))) {
                continue;
            }
            for a in Attr::ALL {
                by[a as usize]
                    .entry(r.get(a).to_string())
                    .or_default()
                    .add(&r);
            }
            total.add(&r);
        }
        let [backend, channel, origin, session] = by;
        let fin = |m: BTreeMap<String, RunSlice>, hdr: bool| {
            m.into_iter()
                .map(|(k, s)| (k, run_summary(s, hdr)))
                .collect()
        };
        baseline::Runs {
            by_backend: fin(backend, true),
            by_channel: fin(channel, true),
            by_origin: fin(origin, true),
            by_session: fin(session, false),
            total: run_summary(total, true),
        }
    }

    const VALUES: [&str; 5] = ["unknown", "gateway", "channel", "slack", "s1"];

    fn feed(runs: &[(u8, u8, [u8; 4], u16, u16)]) -> RunsPartial {
        let mut p = RunsPartial::default();
        for &(id, state, attrs, ts, end) in runs {
            let mut o = serde_json::Map::new();
            o.insert("type".into(), "run.state".into());
            o.insert("run_id".into(), format!("r{}", id % 40).into());
            let state = [
                "start",
                "completed",
                "error",
                "cancelled",
                "cancel_requested",
            ][state as usize % 5];
            o.insert("state".into(), state.into());
            if ts % 7 != 0 {
                o.insert("ts".into(), (i64::from(ts) * 1000).into());
            }
            if end % 5 == 0 {
                o.insert("duration_ms".into(), u64::from(end).into());
            }
            for (k, v) in ["backend", "channel", "origin", "session_id"]
                .iter()
                .zip(attrs)
            {
                if let Some(v) = VALUES.get(v as usize % 7) {
                    o.insert((*k).into(), (*v).into());
                }
            }
            let line = serde_json::Value::Object(o).to_string();
            p.observe(&parse_line(line.as_bytes()).expect("a valid line"));
        }
        p
    }

    /// The same runs as a state's sorted table.
    fn sorted(p: &RunsPartial) -> RunsPartial {
        let mut runs: Vec<RunRow> = p
            .iter()
            .map(|(k, r)| (*k, r.clone(), OwnEvent::NONE))
            .collect();
        runs.sort_unstable_by_key(|(k, _, _)| *k);
        RunsPartial::from_sorted(p.strings.clone(), runs)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Slots from ids, sessions' durations sorted into place: the same
        /// summaries as resolving every run by name, with and without a
        /// --where and a window, from hash shards and from sorted runs
        /// (a value named like a fallback is one slice with it).
        #[test]
        fn slices_equal_slicing_by_names(
            runs in prop::collection::vec(any::<(u8, u8, [u8; 4], u16, u16)>(), 0..120),
            where_value in 0usize..6,
            attr in 0usize..4,
            window in any::<Option<(u16, u16)>>(),
        ) {
            let p = feed(&runs);
            let mut sel = Selection::default();
            if let Some(v) = VALUES.get(where_value) {
                sel.wheres.insert(Attr::ALL[attr], vec![v.to_string()]);
            }
            if let Some((a, b)) = window {
                sel.since = Some(i64::from(a.min(b)) * 1000);
                sel.until = Some(i64::from(a.max(b)) * 1000);
            }
            for sel in [Selection::default(), sel] {
                let want = by_names(&p, &sel);
                prop_assert_eq!(&finalize_runs(&p, &sel), &want);
                prop_assert_eq!(&finalize_runs(&sorted(&p), &sel), &want);
            }
        }

        /// `find_many` finds what a lookup of each key finds, present or not.
        #[test]
        fn find_many_finds_each_key(
            runs in prop::collection::vec(any::<(u8, u8, [u8; 4], u16, u16)>(), 0..120),
            asked in prop::collection::vec(0u8..60, 0..80),
        ) {
            let p = feed(&runs);
            let s = sorted(&p);
            let keys: Vec<RunKey> = asked
                .iter()
                .map(|i| crate::aggregate::runs::run_key(&format!("r{i}")))
                .collect();
            for table in [&p, &s] {
                let found = table.find_many(&keys);
                for (k, f) in keys.iter().zip(found) {
                    let want = p.iter().find(|(key, _)| *key == k).map(|(_, r)| r);
                    prop_assert_eq!(f, want);
                }
            }
        }
    }
}

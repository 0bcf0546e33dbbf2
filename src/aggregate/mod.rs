//! Aggregation: a [`Partial`] per worker, merged exactly, then finalised into a
//! [`Baseline`]. Every field of a partial merges by sum, union or `min`, so the
//! result does not depend on how the input was split across threads, chunks or
//! files.

pub mod buckets;
pub mod cancels;
pub mod groups;
pub mod intern;
pub mod keys;
pub mod reactions;
pub mod runs;
mod slices;
pub use slices::RunSlice;
pub mod stats;

use std::collections::BTreeMap;
use std::hash::BuildHasher;

use hashbrown::hash_map::RawEntryMut;

use crate::baseline::{
    self, rate, Baseline, CancelSummary, MalformedSample, ReactionSlice, ReactionTotal, SkipReason,
    Unreadable, Window,
};
use crate::event::{Amount, Event, Invalid, Kind, Malformed};
use crate::select::Selection;
use crate::series::{self, BucketSpec, SeriesPartial};
use crate::time::format_ms;

use cancels::{CancelSlice, CancelSlices, CancelsPartial};
use groups::EventGroups;
use keys::CappedMap;
use reactions::ReactionsPartial;
use runs::RunsPartial;
pub(crate) use slices::{finalize_runs, run_summary};

/// Hash map with a fast, seeded hasher (foldhash): keys come from logs, so
/// the hasher must be quick and hard to flood; output never depends on its order.
pub type Map<K, V> = hashbrown::HashMap<K, V, foldhash::fast::RandomState>;

/// How many malformed-line samples the artifact keeps.
pub const MAX_SAMPLES: usize = 20;

/// `map[key]`, inserted as default when missing: one hash, and the key is
/// only allocated when it is new.
pub(crate) fn entry<'m, V: Default>(map: &'m mut Map<Box<str>, V>, key: &str) -> &'m mut V {
    let hash = map.hasher().hash_one(key);
    match map.raw_entry_mut().from_hash(hash, |k| same(k, key)) {
        RawEntryMut::Occupied(e) => e.into_mut(),
        RawEntryMut::Vacant(e) => e.insert_hashed_nocheck(hash, key.into(), V::default()).1,
    }
}

/// `map[key]`, if present.
pub(crate) fn get<'m, V>(map: &'m Map<Box<str>, V>, key: &str) -> Option<&'m V> {
    let hash = map.hasher().hash_one(key);
    map.raw_entry()
        .from_hash(hash, |k| same(k, key))
        .map(|(_, v)| v)
}

/// String equality for the short keys of the keyed maps (event types,
/// channels, reasons, session ids) with a few word compares in place of a
/// call to `memcmp`, which cost 5 % of a run when called per lookup.
#[inline]
pub(crate) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let w = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
    let h = |s: &[u8], i: usize| u32::from_le_bytes(s[i..i + 4].try_into().expect("4 bytes"));
    match n {
        // overlapping loads cover every byte
        0..=3 => a == b,
        4..=7 => h(a, 0) == h(b, 0) && h(a, n - 4) == h(b, n - 4),
        8..=16 => w(a, 0) == w(b, 0) && w(a, n - 8) == w(b, n - 8),
        17..=32 => {
            w(a, 0) == w(b, 0)
                && w(a, 8) == w(b, 8)
                && w(a, n - 16) == w(b, n - 16)
                && w(a, n - 8) == w(b, n - 8)
        }
        _ => a == b,
    }
}

/// `inputs.invalid_values`: {amount: {reason: count}}, only the non-zero.
fn invalid_values(counts: &[u64; 9]) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for a in Amount::ALL {
        for why in Invalid::ALL {
            let n = counts[a.bit(why).trailing_zeros() as usize];
            if n > 0 {
                out.entry(a.as_str().to_string())
                    .or_default()
                    .insert(why.as_str().to_string(), n);
            }
        }
    }
    out
}

/// Where a malformed line sits: file, work unit within the file, line within
/// the unit. The order of these keys is the order of lines in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LinePos {
    pub file: usize,
    pub part: usize,
    pub line: u64,
}

#[derive(Debug, Clone)]
pub struct Partial {
    /// `--max-keys`: distinct keys kept per keyed map.
    pub max_keys: usize,
    pub files: u64,
    pub bytes: u64,
    pub events: u64,
    pub malformed: u64,
    pub untimed: u64,
    /// Files read per dialect (`inputs.dialects`).
    pub dialects: BTreeMap<String, u64>,
    /// Refused amounts, by bit of [`crate::event::Amount::bit`], counted
    /// where the amount is read (latency of cancels, candidate count of
    /// skips, duration of run events).
    pub invalid: [u64; 9],
    /// The first [`MAX_SAMPLES`] malformed lines, in input order.
    pub samples: Vec<(LinePos, Malformed)>,
    /// Lines seen by each work unit, to turn [`LinePos`] into line numbers.
    pub part_lines: Vec<(usize, usize, u64)>,
    /// (file, reason); the first reason of a file wins.
    pub unreadable: Vec<(usize, String)>,
    pub window: Option<(i64, i64)>,
    pub event_types: CappedMap<u64>,
    pub runs: RunsPartial,
    pub cancels: CancelsPartial,
    pub reactions: ReactionsPartial,
    /// Counted per time step when a series is asked for (`--bucket`).
    pub series: Option<SeriesPartial>,
    /// A state's partial: everything is kept and the selection is applied at
    /// [`finalize`](Self::finalize) (see `groups`); `None` for a plain summary,
    /// which applies it while reading.
    pub groups: Option<EventGroups>,
}

impl Default for Partial {
    fn default() -> Self {
        Partial::new(keys::DEFAULT_MAX_KEYS)
    }
}

impl Partial {
    pub fn new(max_keys: usize) -> Partial {
        Partial {
            max_keys,
            files: 0,
            bytes: 0,
            events: 0,
            malformed: 0,
            untimed: 0,
            dialects: BTreeMap::new(),
            invalid: [0; 9],
            samples: Vec::new(),
            part_lines: Vec::new(),
            unreadable: Vec::new(),
            window: None,
            event_types: CappedMap::new(max_keys),
            runs: RunsPartial::new(max_keys),
            cancels: CancelsPartial::new(max_keys),
            reactions: ReactionsPartial::new(max_keys),
            series: None,
            groups: None,
        }
    }

    /// A partial for a state file: keeps what any later selection needs.
    pub fn for_state(max_keys: usize) -> Partial {
        let mut p = Partial::new(max_keys);
        p.cancels = std::mem::take(&mut p.cancels).timed();
        p.groups = Some(EventGroups::new(max_keys));
        p
    }

    /// A partial state that also counts a time series of this bucket size.
    ///
    /// A state's partial (`for_state`) keeps cancels, reactions and
    /// malformed lines by the minute whatever is asked: its series is made
    /// from them at finalisation, so a bucket must then be a whole number
    /// of minutes (checked by the callers: `cmd::merge::check_bucket`).
    pub fn with_series(mut self, bucket: Option<BucketSpec>) -> Partial {
        let Some(b) = bucket else {
            self.series = None;
            return self;
        };
        if self.groups.is_some() {
            self.series = Some(SeriesPartial::on_step(b, cancels::GRAIN_MS));
        } else {
            self.series = Some(SeriesPartial::new(b));
            self.cancels = std::mem::take(&mut self.cancels).with_grain(b.step_ms());
        }
        self
    }

    /// Count a valid event. Runs are selected at finalisation (by their anchor
    /// and resolved attributes); everything else by its own time and fields.
    pub fn record(&mut self, ev: &Event<'_>, sel: &Selection) {
        self.events += 1;
        if ev.ts.is_none() {
            self.untimed += 1;
        }
        if ev.invalid != 0 {
            self.note_invalid(ev);
        }
        let run = if ev.kind == Kind::RunState {
            self.runs.observe(ev)
        } else {
            None
        };
        if let Some(g) = &mut self.groups {
            if ev.kind == Kind::Cancel {
                self.cancels.observe(ev, None);
            }
            match run {
                Some(run) => g.observe_own(run, ev),
                None => g.observe(ev),
            }
            return;
        }
        if !sel.in_window(ev.ts) {
            return;
        }
        if ev.kind == Kind::Cancel {
            // scope (--where) may need the run's attributes: applied at the end
            self.cancels.observe(ev, Some(sel));
        }
        if !sel.matches(|a| ev.attr(a)) {
            return;
        }
        *self.event_types.slot(ev.etype) += 1;
        if let Some(t) = ev.ts {
            self.window = Some(match self.window {
                None => (t, t),
                Some((a, b)) => (a.min(t), b.max(t)),
            });
        }
        match ev.kind {
            Kind::ReactionMatch => {
                self.reactions.observe_match(ev);
                if let Some(s) = &mut self.series {
                    s.reaction(ev.ts, true);
                }
            }
            Kind::ReactionSkip => {
                self.reactions.observe_skip(ev);
                if let Some(s) = &mut self.series {
                    s.reaction(ev.ts, false);
                }
            }
            _ => {}
        }
    }

    /// A malformed line; `text` is what was read of it (empty when oversized).
    #[cold]
    fn note_invalid(&mut self, ev: &Event<'_>) {
        let used = match ev.kind {
            Kind::Cancel => Amount::LatencyMs,
            Kind::ReactionSkip => Amount::CandidateCount,
            Kind::RunState => Amount::DurationMs,
            _ => return,
        };
        for why in Invalid::ALL {
            if ev.invalid & used.bit(why) != 0 {
                self.invalid[used.bit(why).trailing_zeros() as usize] += 1;
            }
        }
    }

    pub fn malformed(&mut self, pos: LinePos, why: Malformed, text: &[u8]) {
        self.malformed += 1;
        if let Some(g) = &mut self.groups {
            g.malformed(text);
        } else if let Some(s) = &mut self.series {
            s.malformed(text);
        }
        if self.samples.len() < MAX_SAMPLES || pos < self.samples[MAX_SAMPLES - 1].0 {
            let at = self.samples.partition_point(|(p, _)| *p < pos);
            self.samples.insert(at, (pos, why));
            self.samples.truncate(MAX_SAMPLES);
        }
    }

    /// Give file `i` the index `to[i]` (states merged from several places;
    /// every index in the partial is below `to.len()`).
    pub fn renumber_files(&mut self, to: &[usize]) {
        for (pos, _) in &mut self.samples {
            pos.file = to[pos.file];
        }
        self.samples.sort_unstable();
        for (file, _, _) in &mut self.part_lines {
            *file = to[*file];
        }
        for (file, _) in &mut self.unreadable {
            *file = to[*file];
        }
    }

    /// One more file read in dialect `name`.
    pub fn read_as(&mut self, name: &str) {
        *self.dialects.entry(name.to_string()).or_default() += 1;
    }

    pub fn unreadable(&mut self, file: usize, reason: String) {
        self.unreadable.push((file, reason));
    }

    pub fn merge(&mut self, o: Partial) {
        self.files += o.files;
        self.bytes += o.bytes;
        self.events += o.events;
        self.malformed += o.malformed;
        self.untimed += o.untimed;
        for (d, n) in o.dialects {
            *self.dialects.entry(d).or_default() += n;
        }
        for (a, b) in self.invalid.iter_mut().zip(o.invalid) {
            *a += b;
        }
        self.samples.extend(o.samples);
        self.samples.sort_unstable();
        self.samples.truncate(MAX_SAMPLES);
        self.part_lines.extend(o.part_lines);
        self.unreadable.extend(o.unreadable);
        self.window = match (self.window, o.window) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (w, None) | (None, w) => w,
        };
        self.event_types.merge_with(o.event_types, |a, b| *a += b);
        self.runs.merge(o.runs);
        self.cancels.merge(o.cancels);
        self.reactions.merge(o.reactions);
        self.series = match (self.series.take(), o.series) {
            (Some(mut a), Some(b)) => {
                a.merge(b);
                Some(a)
            }
            (s, None) | (None, s) => s,
        };
        self.groups = match (self.groups.take(), o.groups) {
            (Some(mut a), Some(b)) => {
                a.merge(b);
                Some(a)
            }
            (g, None) | (None, g) => g,
        };
    }

    /// Turn the merged state into the artifact. `file_names[i]` names file `i`.
    ///
    /// A state's partial applies `sel` here; its window must then fall on
    /// whole minutes (`cancels::window_on_grain`, checked by the callers).
    pub fn finalize(self, file_names: &[String], sel: &Selection) -> Baseline {
        self.finalize_with(file_names, sel, false)
    }

    /// [`finalize`](Self::finalize) in a process that ends right after: the
    /// tables of runs and groups are not freed (freeing millions of entries
    /// one by one costs a good share of a `merge`).
    pub fn finalize_kept(self, file_names: &[String], sel: &Selection) -> Baseline {
        self.finalize_with(file_names, sel, true)
    }

    fn finalize_with(mut self, file_names: &[String], sel: &Selection, keep: bool) -> Baseline {
        let by_bucket = self.groups.is_some();
        let mut group_overflow = 0;
        if let Some(g) = self.groups.take() {
            g.replay(
                sel,
                &mut self.event_types,
                &mut self.reactions,
                &mut self.window,
                self.series.as_mut(),
                self.runs.own_events(),
            );
            group_overflow = g.overflow();
            if keep {
                std::mem::forget(g);
            }
        }
        // line numbers: prefix sums of the lines of earlier parts of each file
        self.part_lines.sort_unstable();
        let mut before: Map<(usize, usize), u64> = Map::default();
        let mut prev_file = usize::MAX;
        let mut acc = 0;
        for &(file, part, lines) in &self.part_lines {
            if file != prev_file {
                prev_file = file;
                acc = 0;
            }
            before.insert((file, part), acc);
            acc += lines;
        }
        let name = |i: usize| file_names.get(i).cloned().unwrap_or_default();
        let malformed_samples = self
            .samples
            .iter()
            .map(|(pos, why)| MalformedSample {
                file: name(pos.file),
                line: before.get(&(pos.file, pos.part)).copied().unwrap_or(0) + pos.line,
                reason: why.as_str().to_string(),
            })
            .collect();
        self.unreadable.sort_by_key(|(f, _)| *f);
        self.unreadable.dedup_by_key(|(f, _)| *f);
        let unreadable = self
            .unreadable
            .iter()
            .map(|(f, reason)| Unreadable {
                file: name(*f),
                reason: reason.clone(),
            })
            .collect();

        // independent: the cancels only read the runs
        let (runs, cancel_slices) = rayon::join(
            || finalize_runs(&self.runs, sel),
            || {
                self.cancels
                    .summarize(&self.runs, sel, self.max_keys, by_bucket)
            },
        );
        let overflowed_keys = group_overflow
            + self.cancels.overflow()
            + self.event_types.overflow
            + self.runs.overflow()
            + self.reactions.overflow()
            + cancel_slices.by_source.overflow
            + cancel_slices.by_channel.overflow;
        let series = self
            .series
            .as_ref()
            .map(|s| series::build(s, &self.runs, &self.cancels, self.window, sel, by_bucket));
        let cancels = finalize_cancels(cancel_slices);
        let reactions = finalize_reactions(self.reactions);
        if keep {
            std::mem::forget(std::mem::take(&mut self.runs));
            std::mem::forget(std::mem::take(&mut self.cancels));
        }

        Baseline {
            cancels,
            event_types: sorted(self.event_types.map),
            filters: sel.to_filters(),
            inputs: baseline::Inputs {
                bytes: self.bytes,
                // written only when a dialect other than `default` was used,
                // so default artifacts stay as they were
                dialects: if self.dialects.keys().all(|d| d == crate::dialect::DEFAULT) {
                    BTreeMap::new()
                } else {
                    self.dialects.clone()
                },
                events: self.events,
                files: self.files,
                malformed_lines: self.malformed,
                malformed_samples,
                overflowed_keys,
                invalid_values: invalid_values(&self.invalid),
                unreadable,
                untimed_events: self.untimed,
            },
            reactions,
            runs,
            schema_version: baseline::SCHEMA_VERSION,
            series,
            window: Window {
                first_ts: self.window.map(|w| format_ms(w.0)),
                last_ts: self.window.map(|w| format_ms(w.1)),
            },
        }
    }
}

fn sorted<V>(m: Map<Box<str>, V>) -> BTreeMap<String, V> {
    m.into_iter().map(|(k, v)| (k.into_string(), v)).collect()
}

pub(crate) fn cancel_summary(s: CancelSlice) -> CancelSummary {
    CancelSummary {
        acknowledged: s.acknowledged,
        count: s.count,
        latency_ms: s.latencies.summarize(true),
        unacknowledged: s.count - s.acknowledged,
    }
}

fn finalize_cancels(c: CancelSlices) -> baseline::Cancels {
    let fin = |m: Map<Box<str>, CancelSlice>| -> BTreeMap<String, CancelSummary> {
        m.into_iter()
            .map(|(k, v)| (k.into_string(), cancel_summary(v)))
            .collect()
    };
    baseline::Cancels {
        by_channel: fin(c.by_channel.map),
        by_source: fin(c.by_source.map),
        total: cancel_summary(c.total),
    }
}

fn finalize_reactions(r: ReactionsPartial) -> baseline::Reactions {
    let mut skip_reasons: Vec<SkipReason> = r
        .skip_reasons
        .map
        .into_iter()
        .map(|(reason, count)| SkipReason {
            count,
            reason: reason.into_string(),
        })
        .collect();
    skip_reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
    baseline::Reactions {
        by_channel: r
            .by_channel
            .map
            .into_iter()
            .map(|(k, v)| {
                let slice = ReactionSlice {
                    match_rate: rate(v.matched, v.matched + v.skipped),
                    matched: v.matched,
                    skipped: v.skipped,
                };
                (k.into_string(), slice)
            })
            .collect(),
        by_rule: sorted(r.by_rule.map),
        skip_reasons,
        total: ReactionTotal {
            candidate_count_sum: u64::try_from(r.candidate_count_sum).unwrap_or(u64::MAX),
            match_rate: rate(r.total.matched, r.total.matched + r.total.skipped),
            matched: r.total.matched,
            skipped: r.total.skipped,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// `same` is string equality: every length, a difference anywhere.
        #[test]
        fn same_is_equality(a in "[a-c]{0,40}", flip in any::<prop::sample::Index>()) {
            prop_assert!(same(&a, &a.clone()));
            if !a.is_empty() {
                let mut b = a.clone().into_bytes();
                let i = flip.index(b.len());
                b[i] = b'z';
                let b = String::from_utf8(b).unwrap();
                prop_assert!(!same(&a, &b));
            }
            let longer = format!("{a}a");
            prop_assert!(!same(&a, &longer));
        }

        #[test]
        fn same_agrees_with_eq(a in "[ab]{0,34}", b in "[ab]{0,34}") {
            prop_assert_eq!(same(&a, &b), a == b);
        }
    }
}

//! Cancels: every `run.cancel` event, by source and by channel.
//!
//! A cancel without a channel of its own takes its run's, which is known only
//! once every file has been read. Cancels are therefore folded, as they are
//! read, into groups of cancels that no later step can tell apart: same time
//! bucket ([`GRAIN_MS`]), same run (only when the cancel lacks one of its own
//! attributes, so that the run's can stand in), same source, same own
//! attributes. A group keeps a count, the acknowledged count and its
//! latencies by HDR bucket ([`Buckets`]): memory grows with distinct runs and
//! keys, never with the number of cancels (SPEC/docs/scale.md).
//!
//! [`CancelsPartial::groups`] is the interface for anything that reads the
//! folded cancels (series by time bucket, the state file).

use crate::aggregate::intern::{Interner, Remap};
use crate::aggregate::keys::CappedMap;
use crate::aggregate::runs::{run_key, RunKey, RunsPartial, NO_ID, UNKNOWN, UNTIMED};
use crate::aggregate::stats::{Buckets, Samples};
use crate::aggregate::Map;
use crate::event::{Ack, Event};
use crate::select::{Attr, Selection};

/// Width of a cancel's (and, in a state, any event's) time bucket: one
/// minute. Windows applied after the fact must fall on whole buckets.
pub const GRAIN_MS: i64 = 60_000;

/// The time bucket of an event: `ts` in whole [`GRAIN_MS`], or [`UNTIMED`].
pub fn bucket_of(ts: Option<i64>) -> i64 {
    ts.map_or(UNTIMED, |t| t.div_euclid(GRAIN_MS))
}

/// Whether `b` is [`UNTIMED`] or the bucket of some time (the first bucket
/// starts before `i64::MIN`: its start is only ever computed saturating or
/// in `i128`).
pub fn bucket_ok(b: i64) -> bool {
    b == UNTIMED || (i64::MIN.div_euclid(GRAIN_MS)..=i64::MAX.div_euclid(GRAIN_MS)).contains(&b)
}

/// Whether bucket `b` lies in `sel`'s window, for a window whose bounds are
/// whole buckets (see [`window_on_grain`]).
pub fn bucket_in_window(sel: &Selection, b: i64) -> bool {
    if !sel.is_windowed() {
        return true;
    }
    if b == UNTIMED {
        return false;
    }
    let start = b.saturating_mul(GRAIN_MS);
    sel.since.is_none_or(|s| start >= s) && sel.until.is_none_or(|u| start < u)
}

/// Whether `sel`'s bounds fall on whole buckets, so that selecting whole
/// buckets selects exactly the events in the window.
pub fn window_on_grain(sel: &Selection) -> bool {
    [sel.since, sel.until]
        .into_iter()
        .flatten()
        .all(|t| t.rem_euclid(GRAIN_MS) == 0)
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CancelSlice {
    pub count: u64,
    pub acknowledged: u64,
    pub latencies: Samples,
}

impl CancelSlice {
    fn add(&mut self, g: &CancelGroup) {
        self.count += g.count;
        self.acknowledged += g.acknowledged;
        self.latencies.absorb_buckets(&g.latencies);
    }
}

/// What makes cancels indistinguishable. Ids index
/// [`CancelsPartial::strings`]; [`NO_ID`]: the event did not carry it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CancelKey {
    /// [`bucket_of`] the cancel's time.
    pub bucket: i64,
    /// The run, kept only when the cancel lacks one of its own attributes
    /// (its run's then stands in); `None` also when it names no run.
    pub run: Option<RunKey>,
    /// Id of `source` in `strings[SOURCE]`.
    pub source: u32,
    /// Ids of the own attributes, indexed by [`Attr`].
    pub attrs: [u32; 4],
}

/// Index of the source interner in [`CancelsPartial::strings`] (0..4 are
/// the attributes, indexed by [`Attr`]).
pub const SOURCE: usize = 4;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CancelGroup {
    pub count: u64,
    pub acknowledged: u64,
    /// Latencies of the cancels that have one.
    pub latencies: Buckets,
}

/// SPEC §2: `latency_ms` when valid, else acknowledged-time minus `requested`
/// when both are times and the result is >= 0.
pub fn latency_of(ev: &Event<'_>) -> Option<u64> {
    ev.latency_ms
        .or_else(|| match (ev.acknowledged, ev.requested) {
            (Ack::At(a), Some(r)) => a.checked_sub(r).and_then(|d| u64::try_from(d).ok()),
            _ => None,
        })
}

#[derive(Debug, Clone)]
pub struct CancelsPartial {
    /// Width of the time buckets, ms: [`GRAIN_MS`], or a divisor of it when
    /// a series with shorter steps is counted (see [`with_grain`](Self::with_grain)).
    grain: i64,
    /// Whether groups are kept per time bucket: in a state (windows applied at
    /// the end) and for a series. A plain summary applies its window while
    /// reading and keeps one bucket, so its memory follows runs and keys only.
    timed: bool,
    groups: Map<CancelKey, CancelGroup>,
    /// The attributes' values (indexed by [`Attr`]) and the sources ([`SOURCE`]).
    pub strings: [Interner; 5],
}

impl Default for CancelsPartial {
    fn default() -> Self {
        CancelsPartial::new(crate::aggregate::keys::DEFAULT_MAX_KEYS)
    }
}

/// The summary maps of cancels.
#[derive(Debug, Default)]
pub struct CancelSlices {
    pub total: CancelSlice,
    pub by_source: CappedMap<CancelSlice>,
    pub by_channel: CappedMap<CancelSlice>,
}

impl CancelsPartial {
    pub fn new(max_keys: usize) -> CancelsPartial {
        CancelsPartial {
            grain: GRAIN_MS,
            timed: false,
            groups: Map::default(),
            strings: std::array::from_fn(|_| Interner::new(max_keys)),
        }
    }

    /// Keep cancel times at buckets of `gcd(GRAIN_MS, step)` ms, so that a
    /// series of `step`-ms steps places every group in its own step.
    pub fn with_grain(mut self, step: i64) -> CancelsPartial {
        let (mut a, mut b) = (GRAIN_MS, step.max(1));
        while b != 0 {
            (a, b) = (b, a % b);
        }
        self.grain = a;
        self.timed = true;
        self
    }

    /// Keep groups per [`GRAIN_MS`] bucket (a state's cancels).
    pub fn timed(mut self) -> CancelsPartial {
        self.timed = true;
        self
    }

    /// Width of this partial's time buckets, ms.
    pub fn grain(&self) -> i64 {
        self.grain
    }

    /// From parts read back from a state; the caller has checked every id.
    pub(crate) fn from_parts(
        strings: [Interner; 5],
        groups: Map<CancelKey, CancelGroup>,
    ) -> CancelsPartial {
        CancelsPartial {
            grain: GRAIN_MS,
            timed: true,
            groups,
            strings,
        }
    }

    /// The folded cancels.
    pub fn groups(&self) -> impl Iterator<Item = (&CancelKey, &CancelGroup)> {
        self.groups.iter()
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The value of id `id` of interner `which` (`None` for [`NO_ID`]).
    pub fn name(&self, which: usize, id: u32) -> Option<&str> {
        (id != NO_ID).then(|| self.strings[which].name(id))
    }

    /// Values folded into `(other)` by the caps while reading.
    pub fn overflow(&self) -> u64 {
        self.strings.iter().map(|s| s.overflow).sum()
    }

    /// Count a cancel. `sel`: the selection of a plain summary (known while
    /// reading, so the run is kept only when its attributes can matter: the
    /// cancel lacks its own channel or an attribute `--where` asks for);
    /// `None` for a state, where any `--where` may come later.
    pub fn observe(&mut self, ev: &Event<'_>, sel: Option<&Selection>) {
        let mut id =
            |which: usize, s: Option<&str>| s.map_or(NO_ID, |s| self.strings[which].intern(s));
        let source = id(SOURCE, ev.source);
        let attrs = Attr::ALL.map(|a| id(a as usize, ev.attr(a)));
        let missing = |a: Attr| attrs[a as usize] == NO_ID;
        let needs_run = match sel {
            None => attrs.contains(&NO_ID),
            Some(sel) => missing(Attr::Channel) || sel.wheres.keys().any(|&a| missing(a)),
        };
        let grain = self.grain;
        let key = CancelKey {
            bucket: match (self.timed, ev.ts) {
                (false, _) => 0,
                (true, None) => UNTIMED,
                (true, Some(t)) => t.div_euclid(grain),
            },
            run: if needs_run {
                ev.run_id.map(run_key)
            } else {
                None
            },
            source,
            attrs,
        };
        let g = self.groups.entry(key).or_default();
        g.count += 1;
        g.acknowledged += u64::from(ev.acknowledged.is_acknowledged());
        if let Some(l) = latency_of(ev) {
            g.latencies.push(l);
        }
    }

    /// Add `o`'s groups (the smaller side into the larger).
    pub fn merge(&mut self, mut o: CancelsPartial) {
        if self.groups.len() < o.groups.len() {
            std::mem::swap(self, &mut o);
        }
        let remap = Remap::absorb(&mut self.strings, &o.strings);
        let map = |which: usize, id: u32| remap.id(which, id);
        self.groups.reserve(o.groups.len());
        for (k, g) in o.groups {
            let key = CancelKey {
                source: map(SOURCE, k.source),
                attrs: std::array::from_fn(|i| map(i, k.attrs[i])),
                ..k
            };
            let mine = self.groups.entry(key).or_default();
            mine.count += g.count;
            mine.acknowledged += g.acknowledged;
            mine.latencies.absorb(&g.latencies);
        }
    }

    /// Summarise the cancels in scope. An attribute the event does not carry
    /// is its run's (SPEC §2: "the event's own, else its run's, else
    /// unknown"). With `by_bucket`, the window of `sel` is applied here, by
    /// whole buckets (the caller checked [`window_on_grain`]); otherwise it
    /// was applied as the cancels were read.
    pub fn summarize(
        &self,
        runs: &RunsPartial,
        sel: &Selection,
        max_keys: usize,
        by_bucket: bool,
    ) -> CancelSlices {
        let mut out = CancelSlices {
            total: CancelSlice::default(),
            by_source: CappedMap::new(max_keys),
            by_channel: CappedMap::new(max_keys),
        };
        self.visit_groups(runs, sel, by_bucket, |c| {
            out.total.push(&c);
            out.by_source.slot(c.source).push(&c);
            out.by_channel.slot(c.channel).push(&c);
        });
        out
    }

    /// Every group in scope, resolved, for series: `at` is the start of the
    /// group's time bucket. `by_bucket` as for [`summarize`](Self::summarize).
    pub fn visit(
        &self,
        runs: &RunsPartial,
        sel: &Selection,
        by_bucket: bool,
        f: impl FnMut(CancelView<'_>),
    ) {
        self.visit_groups(runs, sel, by_bucket, f);
    }

    fn visit_groups(
        &self,
        runs: &RunsPartial,
        sel: &Selection,
        by_bucket: bool,
        mut f: impl FnMut(CancelView<'_>),
    ) {
        // a fixed order, so that past the key cap the named keys do not
        // depend on the table's hash order
        let mut groups: Vec<(&CancelKey, &CancelGroup)> = self.groups.iter().collect();
        groups.sort_unstable_by_key(|(k, _)| **k);
        // the groups' runs, looked up together (in key order)
        let keys: Vec<RunKey> = groups.iter().filter_map(|(k, _)| k.run).collect();
        let mut found = runs.find_many(&keys).into_iter();
        for (k, g) in groups {
            // one found run per group that names a run, in the same order
            let run = k.run.and_then(|_| found.next().flatten());
            if by_bucket && !bucket_in_window(sel, k.bucket) {
                continue;
            }
            let run = run.map(|r| r.resolve(&runs.strings));
            let value = |a: Attr| -> Option<&str> {
                self.name(a as usize, k.attrs[a as usize])
                    .or_else(|| run.as_ref().map(|r| r.get(a)))
            };
            if !sel.matches(value) {
                continue;
            }
            f(CancelView {
                at: (k.bucket != UNTIMED).then(|| k.bucket.saturating_mul(self.grain)),
                source: self.name(SOURCE, k.source).unwrap_or(UNKNOWN),
                channel: value(Attr::Channel).unwrap_or(UNKNOWN),
                group: g,
            });
        }
    }
}

/// A group of cancels in scope, as [`CancelsPartial::visit`] shows it.
#[derive(Debug, Clone, Copy)]
pub struct CancelView<'a> {
    /// Start of the group's time bucket (`None`: untimed).
    pub at: Option<i64>,
    pub source: &'a str,
    pub channel: &'a str,
    pub group: &'a CancelGroup,
}

impl CancelSlice {
    /// Count the cancels of a group.
    pub fn push(&mut self, c: &CancelView<'_>) {
        self.add(c.group);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::parse_line;

    #[test]
    fn latency_rules() {
        let ev = |s: &str| latency_of(&parse_line(s.as_bytes()).unwrap());
        assert_eq!(
            ev(r#"{"type":"run.cancel","latency_ms":5,"requested":0,"acknowledged":900}"#),
            Some(5)
        );
        assert_eq!(
            ev(r#"{"type":"run.cancel","latency_ms":-5,"requested":0,"acknowledged":900}"#),
            Some(900)
        );
        assert_eq!(
            ev(r#"{"type":"run.cancel","requested":1000,"acknowledged":900}"#),
            None
        );
        assert_eq!(
            ev(r#"{"type":"run.cancel","requested":1000,"acknowledged":true}"#),
            None
        );
        assert_eq!(
            ev(r#"{"type":"run.cancel","acknowledged":"2026-02-25T06:13:42.750Z"}"#),
            None
        );
    }

    #[test]
    fn cancels_take_the_runs_attributes_when_they_lack_their_own() {
        let mut runs = RunsPartial::default();
        runs.observe(&parse_line(br#"{"type":"run.state","run_id":"r1","state":"start","channel":"discord","backend":"pi"}"#).unwrap());
        let mut p = CancelsPartial::default();
        for l in [
            r#"{"type":"run.cancel","run_id":"r1","source":"timeout","acknowledged":false}"#,
            r#"{"type":"run.cancel","run_id":"r2","latency_ms":7}"#,
            r#"{"type":"run.cancel","channel":"slack","run_id":"r1","acknowledged":true}"#,
        ] {
            p.observe(&parse_line(l.as_bytes()).unwrap(), None);
        }
        let s = p.summarize(&runs, &Selection::default(), 100, false);
        assert_eq!(s.by_channel.map["discord"].count, 1);
        let unknown = s.by_channel.map["unknown"].latencies.clone();
        assert_eq!((unknown.len(), unknown.summarize(false).max), (1, Some(7)));
        assert_eq!(s.by_channel.map["slack"].acknowledged, 1);
        assert_eq!(s.by_source.map["unknown"].count, 2);
        assert_eq!(s.total.count, 3);

        let mut sel = Selection::default();
        sel.wheres.insert(Attr::Backend, vec!["pi".into()]);
        let s = p.summarize(&runs, &sel, 100, false);
        assert_eq!(
            s.total.count, 2,
            "both r1 cancels are on backend pi through their run"
        );
    }

    /// A million cancels of a few runs are a few groups.
    #[test]
    fn memory_follows_runs_not_cancels() {
        let mut p = CancelsPartial::default();
        for i in 0..100_000u64 {
            let l = format!(
                r#"{{"type":"run.cancel","run_id":"r{}","ts":1000,"source":"user","latency_ms":{}}}"#,
                i % 7,
                i % 5000
            );
            p.observe(&parse_line(l.as_bytes()).unwrap(), None);
        }
        assert_eq!(p.len(), 7);
        let s = p.summarize(&RunsPartial::default(), &Selection::default(), 100, false);
        assert_eq!(s.total.count, 100_000);
        assert_eq!(s.total.latencies.len(), 100_000);
    }

    #[test]
    fn merging_groups_equals_reading_together() {
        let lines: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    r#"{{"type":"run.cancel","run_id":"r{}","ts":{},"source":"s{}","channel":"c{}","latency_ms":{}}}"#,
                    i % 3,
                    i * 20_000,
                    i % 2,
                    i % 4,
                    i * 37
                )
            })
            .collect();
        let feed = |ls: &[String]| {
            let mut p = CancelsPartial::default().timed();
            ls.iter()
                .for_each(|l| p.observe(&parse_line(l.as_bytes()).unwrap(), None));
            p
        };
        let whole = feed(&lines);
        let (mut a, b) = (feed(&lines[25..]), feed(&lines[..25]));
        a.merge(b);
        let runs = RunsPartial::default();
        let sel = Selection {
            since: Some(60_000),
            until: Some(600_000),
            ..Selection::default()
        };
        for (s, by_bucket) in [(Selection::default(), false), (sel, true)] {
            let (x, y) = (
                whole.summarize(&runs, &s, 100, by_bucket),
                a.summarize(&runs, &s, 100, by_bucket),
            );
            assert_eq!(x.total, y.total);
            assert_eq!(x.by_channel.map, y.by_channel.map);
        }
    }
}

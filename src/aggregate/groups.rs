//! Event groups: what a state keeps of every event other than runs, so that
//! `--since/--until` and `--where` can still be applied when states are
//! merged. Events are folded into groups of events no selection can tell
//! apart: same time bucket (whole minutes, [`GRAIN_MS`]) and same own
//! attributes (backend, channel, origin, session). A group keeps its event
//! types, reaction figures and earliest/latest time. Memory grows with
//! distinct (minute, attributes) pairs, never with events. Malformed lines
//! are kept by the minute their text still shows, for a series (`--bucket`)
//! made from a state.
//!
//! Only states use groups; a plain `summarize` applies the selection as it
//! reads (see `Partial::record`). [`EventGroups::replay`] turns the groups
//! of a selection into exactly what that reading would have counted.
//!
//! [`GRAIN_MS`]: crate::aggregate::cancels::GRAIN_MS

use crate::aggregate::cancels::{bucket_in_window, bucket_of};
use crate::aggregate::intern::{Interner, Remap};
use crate::aggregate::keys::CappedMap;
use crate::aggregate::reactions::ReactionsPartial;
pub use crate::aggregate::runs::OwnEvent;
use crate::aggregate::runs::{time_key, RunKey, NO_ID, UNKNOWN, UNTIMED};
use crate::aggregate::Map;
use crate::event::{Event, Kind};
use crate::select::{Attr, Selection};
use crate::series::{time_in_text, Cell, SeriesPartial};

/// Ids of [`EventGroups::strings`] beyond the four attributes.
pub const ETYPE: usize = 4;
pub const RULE: usize = 5;
pub const REASON: usize = 6;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey {
    pub bucket: i64,
    /// Own attribute ids, indexed by [`Attr`] ([`NO_ID`]: not carried).
    pub attrs: [u32; 4],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Earliest and latest time ([`UNTIMED`]: untimed bucket).
    pub first: i64,
    pub last: i64,
    /// (event type id, count).
    pub types: Vec<(u32, u64)>,
    /// The reaction figures, when the group has reaction events (most
    /// groups have none: a group stays at 48 bytes).
    pub reactions: Option<Box<GroupReactions>>,
}

/// A group's reaction figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupReactions {
    pub matched: u64,
    pub skipped: u64,
    pub candidate_count_sum: u128,
    /// (rule id or [`NO_ID`], matches).
    pub rules: Vec<(u32, u64)>,
    /// (reason id or [`NO_ID`], skips).
    pub reasons: Vec<(u32, u64)>,
}

impl Default for Group {
    fn default() -> Self {
        Group {
            first: UNTIMED,
            last: i64::MIN,
            types: Vec::new(),
            reactions: None,
        }
    }
}

fn bump(list: &mut Vec<(u32, u64)>, id: u32, n: u64) {
    match list.iter_mut().find(|(i, _)| *i == id) {
        Some((_, c)) => *c += n,
        None => list.push((id, n)),
    }
}

impl Group {
    /// Number of events in the group.
    pub fn events(&self) -> u64 {
        self.types.iter().map(|&(_, n)| n).sum()
    }
}

impl OwnEvent {
    /// No own event (a run read from a state may have none).
    pub const NONE: OwnEvent = OwnEvent {
        at: UNTIMED,
        etype: NO_ID,
        attrs: [NO_ID; 4],
    };

    pub fn is_some(&self) -> bool {
        self.etype != NO_ID
    }

    /// The group this event would have been counted in.
    pub fn key(&self) -> GroupKey {
        GroupKey {
            bucket: bucket_of((self.at != UNTIMED).then_some(self.at)),
            attrs: self.attrs,
        }
    }

    /// The group of this one event.
    pub fn group(&self) -> Group {
        let (first, last) = if self.at == UNTIMED {
            (UNTIMED, i64::MIN)
        } else {
            (self.at, self.at)
        };
        Group {
            first,
            last,
            types: vec![(self.etype, 1)],
            reactions: None,
        }
    }
}

impl Default for OwnEvent {
    fn default() -> Self {
        OwnEvent::NONE
    }
}

/// Add one event to group `g` (ids of the same tables).
pub(crate) fn add_own(g: &mut Group, e: &OwnEvent) {
    if e.at != UNTIMED {
        g.first = g.first.min(e.at);
        g.last = g.last.max(e.at);
    }
    bump(&mut g.types, e.etype, 1);
}

#[derive(Debug, Clone)]
pub struct EventGroups {
    groups: Map<GroupKey, Group>,
    /// Own events of runs (see [`OwnEvent`]), by run; ids in `strings`.
    own: Map<RunKey, OwnEvent>,
    /// Own events read back from a state (each of another run), replayed as
    /// they are; moved into `own` before anything is added. The runs
    /// themselves are in the partial's run table.
    own_sorted: Vec<(RunKey, OwnEvent)>,
    /// Groups read back from a state, each key once and none of them in
    /// `groups`, in a fixed order (`state/tables.rs`): replayed as they are;
    /// moved into `groups` before anything is added.
    sorted: Vec<(GroupKey, Group)>,
    /// Attribute values (indexed by [`Attr`]), then [`ETYPE`], [`RULE`], [`REASON`].
    pub strings: [Interner; 7],
    /// Malformed lines by [`bucket_of`] the time their text still shows
    /// (`series::time_in_text`; [`UNTIMED`]: none).
    pub malformed: Map<i64, u64>,
}

impl EventGroups {
    pub fn new(max_keys: usize) -> EventGroups {
        EventGroups {
            groups: Map::default(),
            own: Map::default(),
            own_sorted: Vec::new(),
            sorted: Vec::new(),
            strings: std::array::from_fn(|_| Interner::new(max_keys)),
            malformed: Map::default(),
        }
    }

    /// Groups in a fixed order, each key once (a state's, see `sorted`),
    /// and the own events of a state's runs (by run, each run once).
    pub(crate) fn from_sorted(
        strings: [Interner; 7],
        sorted: Vec<(GroupKey, Group)>,
        own: Vec<(RunKey, OwnEvent)>,
    ) -> EventGroups {
        EventGroups {
            groups: Map::default(),
            own: Map::default(),
            own_sorted: own,
            sorted,
            strings,
            malformed: Map::default(),
        }
    }

    /// Move `sorted` and `own_sorted` into the tables, before adding to them.
    fn settle(&mut self) {
        if !self.sorted.is_empty() {
            self.groups.reserve(self.sorted.len());
            self.groups.extend(std::mem::take(&mut self.sorted));
        }
        if !self.own_sorted.is_empty() {
            self.own.reserve(self.own_sorted.len());
            self.own.extend(std::mem::take(&mut self.own_sorted));
        }
    }

    /// The own events of runs, in no particular order.
    pub fn own_events(&self) -> impl Iterator<Item = (&RunKey, &OwnEvent)> {
        self.own
            .iter()
            .chain(self.own_sorted.iter().map(|(k, e)| (k, e)))
    }

    /// The order that decides which of a run's events is its own: time,
    /// then type name, then attribute names (absent first). Names, not ids,
    /// so that the choice does not depend on reading order; a state's
    /// sorted ids compare the same way (`state/tables.rs`).
    fn own_less(&self, a: &OwnEvent, b: &OwnEvent) -> bool {
        let name = |w: usize, id: u32| self.name(w, id);
        let key = |e: &OwnEvent| {
            (
                e.at,
                name(ETYPE, e.etype),
                Attr::ALL.map(|x| name(x as usize, e.attrs[x as usize])),
            )
        };
        key(a) < key(b)
    }

    /// Count `e` as one event of its group.
    fn spill(&mut self, e: &OwnEvent) {
        add_own(self.groups.entry(e.key()).or_default(), e);
    }

    /// Offer run `run`'s event `e`: the least of a run's events is its own,
    /// every other one is counted in its group.
    fn offer_own(&mut self, run: RunKey, e: OwnEvent) {
        let kept = match self.own.get(&run) {
            None => {
                self.own.insert(run, e);
                return;
            }
            Some(old) => *old,
        };
        if self.own_less(&e, &kept) {
            self.own.insert(run, e);
            self.spill(&kept);
        } else {
            self.spill(&e);
        }
    }

    /// Count a `run.state` event of run `run` (one the run table recorded):
    /// as the run's own event, or in its group (see [`OwnEvent`]).
    pub fn observe_own(&mut self, run: RunKey, ev: &Event<'_>) {
        if ev.ts == Some(UNTIMED) {
            // a time of i64::MAX ms reads as untimed in an own event
            return self.observe(ev);
        }
        self.settle();
        let strings = &mut self.strings;
        let attrs = Attr::ALL.map(|a| ev.attr(a).map_or(NO_ID, |v| strings[a as usize].intern(v)));
        let etype = strings[ETYPE].intern(ev.etype);
        self.offer_own(
            run,
            OwnEvent {
                at: time_key(ev.ts),
                etype,
                attrs,
            },
        );
    }

    pub fn groups(&self) -> impl Iterator<Item = (&GroupKey, &Group)> {
        self.groups
            .iter()
            .chain(self.sorted.iter().map(|(k, g)| (k, g)))
    }

    pub fn len(&self) -> usize {
        self.groups.len() + self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn overflow(&self) -> u64 {
        self.strings.iter().map(|s| s.overflow).sum()
    }

    fn name(&self, which: usize, id: u32) -> Option<&str> {
        (id != NO_ID).then(|| self.strings[which].name(id))
    }

    /// A malformed line; `text` is what was read of it.
    pub fn malformed(&mut self, text: &[u8]) {
        *self
            .malformed
            .entry(bucket_of(time_in_text(text)))
            .or_default() += 1;
    }

    /// Count a valid event (any type).
    pub fn observe(&mut self, ev: &Event<'_>) {
        self.settle();
        let strings = &mut self.strings;
        let attrs = Attr::ALL.map(|a| ev.attr(a).map_or(NO_ID, |v| strings[a as usize].intern(v)));
        let etype = strings[ETYPE].intern(ev.etype);
        let key = GroupKey {
            bucket: bucket_of(ev.ts),
            attrs,
        };
        let g = self.groups.entry(key).or_default();
        if let Some(t) = ev.ts {
            g.first = g.first.min(t);
            g.last = g.last.max(t);
        }
        bump(&mut g.types, etype, 1);
        // by kind, not type name: a dialect names them its own way
        match ev.kind {
            Kind::ReactionMatch => {
                let r = g.reactions.get_or_insert_default();
                r.matched += 1;
                let rule = ev.rule_name.map_or(NO_ID, |r| strings[RULE].intern(r));
                bump(&mut r.rules, rule, 1);
            }
            Kind::ReactionSkip => {
                let r = g.reactions.get_or_insert_default();
                r.skipped += 1;
                r.candidate_count_sum += u128::from(ev.candidate_count.unwrap_or(0));
                let reason = ev.reason.map_or(NO_ID, |r| strings[REASON].intern(r));
                bump(&mut r.reasons, reason, 1);
            }
            _ => {}
        }
    }

    pub fn merge(&mut self, mut o: EventGroups) {
        self.settle();
        o.settle();
        if self.groups.len() < o.groups.len() {
            std::mem::swap(self, &mut o);
        }
        for (b, n) in std::mem::take(&mut o.malformed) {
            *self.malformed.entry(b).or_default() += n;
        }
        let remap = Remap::absorb(&mut self.strings, &o.strings);
        let map = |which: usize, id: u32| remap.id(which, id);
        // own events first (a spill adds to the groups below)
        self.own.reserve(o.own.len());
        for (run, e) in o.own {
            let e = OwnEvent {
                at: e.at,
                etype: map(ETYPE, e.etype),
                attrs: std::array::from_fn(|i| map(i, e.attrs[i])),
            };
            self.offer_own(run, e);
        }
        self.groups.reserve(o.groups.len());
        for (k, g) in o.groups {
            let key = GroupKey {
                bucket: k.bucket,
                attrs: std::array::from_fn(|i| map(i, k.attrs[i])),
            };
            let mine = self.groups.entry(key).or_default();
            mine.first = mine.first.min(g.first);
            mine.last = mine.last.max(g.last);
            for (id, n) in g.types {
                bump(&mut mine.types, map(ETYPE, id), n);
            }
            if let Some(r) = g.reactions {
                let m = mine.reactions.get_or_insert_default();
                m.matched += r.matched;
                m.skipped += r.skipped;
                m.candidate_count_sum += r.candidate_count_sum;
                for (id, n) in r.rules {
                    bump(&mut m.rules, map(RULE, id), n);
                }
                for (id, n) in r.reasons {
                    bump(&mut m.reasons, map(REASON, id), n);
                }
            }
        }
    }

    /// What reading with selection `sel` would have counted in the event
    /// types, the reactions, the window (bounds on whole buckets, see
    /// `cancels::window_on_grain`) and, when asked for, the series (one
    /// counted at the grain: `SeriesPartial::on_step`). `run_own`: the own
    /// events a state's run table holds beside its runs (`RunsPartial::own_events`).
    pub fn replay<'r>(
        &self,
        sel: &Selection,
        event_types: &mut CappedMap<u64>,
        reactions: &mut ReactionsPartial,
        window: &mut Option<(i64, i64)>,
        mut series: Option<&mut SeriesPartial>,
        run_own: impl Iterator<Item = &'r OwnEvent>,
    ) {
        let step = |b: i64| (b != UNTIMED).then_some(b);
        if let Some(s) = series.as_deref_mut() {
            for (&b, &n) in &self.malformed {
                let c = Cell {
                    malformed: n,
                    ..Cell::default()
                };
                s.add(step(b), &c);
            }
        }
        // a fixed order: past the key cap the named keys do not depend on
        // the table's hash order
        let mut groups: Vec<(&GroupKey, &Group)> = self.groups.iter().collect();
        groups.sort_unstable_by_key(|(k, _)| **k);
        let sorted = self.sorted.iter().map(|(k, g)| (k, g));
        for (k, g) in groups.into_iter().chain(sorted) {
            if !bucket_in_window(sel, k.bucket) {
                continue;
            }
            if !sel.matches(|a| self.name(a as usize, k.attrs[a as usize])) {
                continue;
            }
            for &(id, n) in &g.types {
                *event_types.slot(self.strings[ETYPE].name(id)) += n;
            }
            if g.first != UNTIMED {
                *window = Some(match *window {
                    None => (g.first, g.last),
                    Some((a, b)) => (a.min(g.first), b.max(g.last)),
                });
            }
            let Some(g) = &g.reactions else { continue };
            let channel = self.name(Attr::Channel as usize, k.attrs[Attr::Channel as usize]);
            let channel = channel.unwrap_or(UNKNOWN);
            if g.matched > 0 || g.skipped > 0 {
                let slot = reactions.by_channel.slot(channel);
                slot.matched += g.matched;
                slot.skipped += g.skipped;
            }
            reactions.total.matched += g.matched;
            reactions.total.skipped += g.skipped;
            if let Some(s) = series.as_deref_mut() {
                let c = Cell {
                    matched: g.matched,
                    skipped: g.skipped,
                    malformed: 0,
                };
                s.add(step(k.bucket), &c);
            }
            reactions.candidate_count_sum += g.candidate_count_sum;
            for &(id, n) in &g.rules {
                *reactions
                    .by_rule
                    .slot(self.name(RULE, id).unwrap_or(UNKNOWN)) += n;
            }
            for &(id, n) in &g.reasons {
                *reactions
                    .skip_reasons
                    .slot(self.name(REASON, id).unwrap_or(UNKNOWN)) += n;
            }
        }
        // own events: counted per type (in id order), then added
        let mut by_type = vec![0u64; self.strings[ETYPE].len()];
        let mut own: Vec<(&RunKey, &OwnEvent)> = self.own.iter().collect();
        own.sort_unstable_by_key(|(k, _)| **k);
        let sorted = self.own_sorted.iter().map(|(_, e)| e);
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        let mut count = |e: &OwnEvent| {
            if !e.is_some() || !bucket_in_window(sel, e.key().bucket) {
                return;
            }
            if !sel.matches(|a| self.name(a as usize, e.attrs[a as usize])) {
                return;
            }
            by_type[e.etype as usize] += 1;
            if e.at != UNTIMED {
                lo = lo.min(e.at);
                hi = hi.max(e.at);
            }
        };
        own.into_iter()
            .map(|(_, e)| e)
            .chain(sorted)
            .for_each(&mut count);
        run_own.for_each(count);
        for (id, &n) in by_type.iter().enumerate() {
            if n > 0 {
                *event_types.slot(self.strings[ETYPE].name(id as u32)) += n;
            }
        }
        if lo <= hi {
            *window = Some(match *window {
                None => (lo, hi),
                Some((a, b)) => (a.min(lo), b.max(hi)),
            });
        }
    }
}

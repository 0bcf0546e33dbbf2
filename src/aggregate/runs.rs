//! Runs, from `run.state` events that carry a `run_id` and a known state.
//!
//! Memory grows with the number of runs, so a run is kept small (about 100
//! bytes): its id as a 128-bit hash (ids are only compared, never printed; two
//! distinct ids collide with probability about n²/2¹²⁹), times as `i64`, and
//! its attributes as ids into an [`Interner`].

use crate::aggregate::intern::Interner;
use crate::aggregate::Map;
use crate::event::Event;
use crate::select::Attr;
use rayon::prelude::*;

/// Ordering key of an event's time: timed events in time order, then every
/// untimed event (SPEC §1: "it sorts after every timed event"). A timestamp of
/// exactly `i64::MAX` ms (year 292 million) is indistinguishable from untimed.
pub type TimeKey = i64;
pub const UNTIMED: TimeKey = i64::MAX;

pub fn time_key(ts: Option<i64>) -> TimeKey {
    ts.unwrap_or(UNTIMED)
}

fn timed(k: TimeKey) -> Option<i64> {
    (k != UNTIMED).then_some(k)
}

/// A run id, hashed to 128 bits with a fixed seed: the same id has the same
/// key in every process and on every machine, so that the run tables of
/// state files written apart merge (see docs/scale.md). Two distinct ids
/// collide with probability about n²/2¹²⁹. The tables themselves hash these
/// keys again with a per-process seed (foldhash), so crafted keys cannot
/// flood them; an id crafted to collide with another only merges runs its
/// author could have merged by reusing the id.
pub type RunKey = u128;

/// The seed of [`run_key`]; part of the state format (changing it is a new
/// format version).
pub const RUN_KEY_SEED: u64 = 0x6175_6469_7473_756d; // "auditsum"

pub fn run_key(run_id: &str) -> RunKey {
    xxhash_rust::xxh3::xxh3_128_with_seed(run_id.as_bytes(), RUN_KEY_SEED)
}

/// Terminal states, declared in the order of their state names
/// (`cancelled` < `complete` < `error`), which breaks ties between terminals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Terminal {
    Cancelled,
    Complete,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Start,
    CancelRequested,
    Terminal(Terminal),
}

/// Every spelling of SPEC §1 "run.state state synonyms"; `None` for the rest.
pub fn classify_state(s: &str) -> Option<State> {
    Some(match s {
        "start" | "started" => State::Start,
        "cancel_requested" => State::CancelRequested,
        "complete" | "completed" => State::Terminal(Terminal::Complete),
        "cancelled" | "canceled" | "aborted" => State::Terminal(Terminal::Cancelled),
        "error" | "failed" => State::Terminal(Terminal::Error),
        _ => return None,
    })
}

pub use crate::aggregate::intern::NO_ID;

/// [`RunPartial::terminal_duration`] when the terminal event carried none.
pub const NO_DURATION: u64 = (1 << 48) - 1;

fn pack_duration(d: Option<u64>) -> [u8; 6] {
    // 2^48 - 2 ms is 8 900 years: longer durations are kept as that
    let d = d.map_or(NO_DURATION, |d| d.min(NO_DURATION - 1));
    let b = d.to_le_bytes();
    [b[0], b[1], b[2], b[3], b[4], b[5]]
}

/// What is known of one run so far. Every field merges by `min`, so partial
/// states combine exactly in any order.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPartial {
    /// Earliest event of the run.
    pub first: TimeKey,
    /// Earliest timed start (`UNTIMED`: none, or only untimed ones).
    pub start: TimeKey,
    pub terminal_at: TimeKey,
    pub terminal: Option<Terminal>,
    /// The earliest terminal event's own duration, 48 bits little-endian
    /// (all ones: none), so that a run stays within 80 bytes; see
    /// [`RunPartial::terminal_duration`].
    terminal_duration: [u8; 6],
    pub cancel_requested: bool,
    /// Per [`Attr`] (indexed by it): time of the earliest event that carried
    /// the value, and the value's id (`NO_ID`: never carried).
    pub(crate) attr_at: [TimeKey; 4],
    pub(crate) attr: [u32; 4],
}

impl Default for RunPartial {
    fn default() -> Self {
        RunPartial {
            first: UNTIMED,
            start: UNTIMED,
            terminal_at: UNTIMED,
            terminal: None,
            terminal_duration: [0xff; 6],
            cancel_requested: false,
            attr_at: [UNTIMED; 4],
            attr: [NO_ID; 4],
        }
    }
}

impl RunPartial {
    fn observe(&mut self, key: TimeKey, state: State, ev: &Event<'_>, strings: &mut [Interner; 4]) {
        self.first = self.first.min(key);
        match state {
            State::Start => self.start = self.start.min(key),
            State::CancelRequested => self.cancel_requested = true,
            State::Terminal(t) => self.offer_terminal(key, t, pack_duration(ev.duration_ms)),
        }
        for a in Attr::ALL {
            let Some(v) = ev.attr(a) else { continue };
            let i = a as usize;
            let better = self.attr[i] == NO_ID
                || key < self.attr_at[i]
                || (key == self.attr_at[i] && v < strings[i].name(self.attr[i]));
            if better {
                self.attr_at[i] = key;
                self.attr[i] = strings[i].intern(v);
            }
        }
    }

    /// The earliest terminal wins (ties: by state name, then the smaller
    /// own duration), so the choice does not depend on merge order.
    fn offer_terminal(&mut self, key: TimeKey, t: Terminal, duration: [u8; 6]) {
        let own = |d: [u8; 6]| {
            let mut b = [0; 8];
            b[..6].copy_from_slice(&d);
            u64::from_le_bytes(b)
        };
        let better = match self.terminal {
            None => true,
            Some(cur) => {
                (key, t, own(duration)) < (self.terminal_at, cur, own(self.terminal_duration))
            }
        };
        if better {
            self.terminal_at = key;
            self.terminal = Some(t);
            self.terminal_duration = duration;
        }
    }

    /// Merge `o`, whose attribute ids are already in this side's interner.
    pub(crate) fn merge(&mut self, o: &RunPartial, strings: &[Interner; 4]) {
        self.first = self.first.min(o.first);
        self.start = self.start.min(o.start);
        if let Some(t) = o.terminal {
            self.offer_terminal(o.terminal_at, t, o.terminal_duration);
        }
        self.cancel_requested |= o.cancel_requested;
        for (i, names) in strings.iter().enumerate() {
            if o.attr[i] == NO_ID {
                continue;
            }
            let better = self.attr[i] == NO_ID
                || o.attr_at[i] < self.attr_at[i]
                || (o.attr_at[i] == self.attr_at[i]
                    && names.name(o.attr[i]) < names.name(self.attr[i]));
            if better {
                self.attr_at[i] = o.attr_at[i];
                self.attr[i] = o.attr[i];
            }
        }
    }

    /// The earliest terminal event's own duration, if it carried one.
    pub fn terminal_duration(&self) -> Option<u64> {
        let mut b = [0; 8];
        b[..6].copy_from_slice(&self.terminal_duration);
        let d = u64::from_le_bytes(b);
        (self.terminal.is_some() && d != NO_DURATION).then_some(d)
    }

    /// Set the terminal event's own duration (state files; capped as when read).
    pub fn set_terminal_duration(&mut self, d: Option<u64>) {
        self.terminal_duration = pack_duration(d);
    }

    /// The run's duration: its terminal event's own, else terminal minus
    /// start when both are timed and the difference is not negative.
    pub fn duration(&self) -> Option<u64> {
        match (
            timed(self.start),
            self.terminal.and(timed(self.terminal_at)),
        ) {
            _ if self.terminal_duration().is_some() => self.terminal_duration(),
            (Some(s), Some(t)) => t.checked_sub(s).and_then(|d| u64::try_from(d).ok()),
            _ => None,
        }
    }

    /// [`ResolvedRun::slots`], given which of [`FALLBACKS`] the origin
    /// falls back to ([`SlotRules::origin_fallback`]).
    #[inline]
    pub fn slots(&self, strings: &[Interner; 4], origin_fallback: usize) -> [usize; 4] {
        std::array::from_fn(|i| match self.attr[i] {
            NO_ID if i == Attr::Origin as usize => strings[i].len() + origin_fallback,
            NO_ID => strings[i].len(),
            id => id as usize,
        })
    }

    /// The run's slots without naming its values: what finalisation needs
    /// when no `--where` asks for names.
    #[inline]
    pub fn slots_by(&self, rules: &SlotRules<'_>) -> [usize; 4] {
        let fallback = match self.attr[Attr::Channel as usize] {
            NO_ID => 0,
            id => rules.channel_origin[id as usize] as usize,
        };
        self.slots(rules.strings, fallback)
    }

    /// The time that places the run in a window: its earliest timed start, else
    /// its earliest timed event.
    pub fn anchor(&self) -> Option<i64> {
        timed(self.start).or(timed(self.first))
    }

    fn attr<'s>(&self, a: Attr, strings: &'s [Interner; 4]) -> Option<&'s str> {
        let i = a as usize;
        (self.attr[i] != NO_ID).then(|| strings[i].name(self.attr[i]))
    }

    /// The run as it is reported.
    pub fn resolve<'s>(&self, strings: &'s [Interner; 4]) -> ResolvedRun<'s> {
        let channel = self.attr(Attr::Channel, strings);
        // an attribute no event carried falls back to one of FALLBACKS
        let mut fallback = [0; 4];
        let origin = match self.attr(Attr::Origin, strings) {
            Some(o) => o,
            None if channel == Some("gateway") => {
                fallback[Attr::Origin as usize] = 1;
                FALLBACKS[1]
            }
            None if channel.is_some() => {
                fallback[Attr::Origin as usize] = 2;
                FALLBACKS[2]
            }
            None => UNKNOWN,
        };
        let slots = self.slots(strings, fallback[Attr::Origin as usize]);
        let duration = self.duration();
        ResolvedRun {
            channel: channel.unwrap_or(UNKNOWN),
            session: self.attr(Attr::Session, strings).unwrap_or(UNKNOWN),
            backend: self.attr(Attr::Backend, strings).unwrap_or(UNKNOWN),
            origin,
            outcome: self.terminal,
            cancel_requested: self.cancel_requested,
            duration_ms: duration,
            anchor: self.anchor(),
            slots,
        }
    }
}

pub const UNKNOWN: &str = "unknown";

/// The values a run attribute falls back to when no event carried it
/// ([`RunPartial::resolve`]): `unknown`, and for `origin` the two derived
/// from the channel.
pub const FALLBACKS: [&str; 3] = [UNKNOWN, "gateway", "channel"];

/// The name of slot `i` of attribute table `strings` (see [`ResolvedRun::slots`]).
pub fn slot_name(strings: &Interner, i: usize) -> &str {
    match i.checked_sub(strings.len()) {
        None => strings.name(i as u32),
        Some(f) => FALLBACKS[f],
    }
}

/// What [`RunPartial::slots_by`] needs of a run table's names: for each
/// channel id, the fallback its runs' origin takes when no event carried
/// one (`gateway` for the channel `gateway`, else `channel`).
pub struct SlotRules<'s> {
    strings: &'s [Interner; 4],
    channel_origin: Vec<u8>,
}

impl<'s> SlotRules<'s> {
    pub fn new(strings: &'s [Interner; 4]) -> SlotRules<'s> {
        let channel_origin = strings[Attr::Channel as usize]
            .names()
            .iter()
            .map(|n| if &**n == "gateway" { 1 } else { 2 })
            .collect();
        SlotRules {
            strings,
            channel_origin,
        }
    }
}

pub struct ResolvedRun<'a> {
    pub channel: &'a str,
    pub session: &'a str,
    pub backend: &'a str,
    pub origin: &'a str,
    /// `None`: open.
    pub outcome: Option<Terminal>,
    pub cancel_requested: bool,
    pub duration_ms: Option<u64>,
    /// See [`RunPartial::anchor`].
    pub anchor: Option<i64>,
    /// Per [`Attr`]: the value's id in its interner, or past the ids
    /// (`len + k`) the `k`-th of [`FALLBACKS`]. Several slots may share a
    /// name (an event may carry the value `unknown`); [`slot_name`] names them.
    pub slots: [usize; 4],
}

impl<'a> ResolvedRun<'a> {
    pub fn get(&self, a: Attr) -> &'a str {
        match a {
            Attr::Backend => self.backend,
            Attr::Channel => self.channel,
            Attr::Origin => self.origin,
            Attr::Session => self.session,
        }
    }
}

/// A run's own event: of the `run.state` events of a run, the least by
/// time, then type and attribute names (`EventGroups::own_order`), is kept
/// beside the run instead of in a group of its own, where a start carrying
/// its session would make nearly every start a group (docs/scale.md). It
/// counts exactly as one event of a group would: type, time, own attributes
/// (see `groups.rs`, which counts it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnEvent {
    /// Its time ([`UNTIMED`]: none).
    pub at: i64,
    /// Its type's id in the event groups' strings ([`NO_ID`]: no own event).
    pub etype: u32,
    /// Its own attributes' ids, indexed by [`Attr`].
    pub attrs: [u32; 4],
}

/// A run of a state's sorted run table, with its own event.
pub type RunRow = (RunKey, RunPartial, OwnEvent);

/// Shards of the run table (see [`RunsPartial`]); a power of two.
pub const SHARDS: usize = 64;

/// The shard of a run: the top bits of its (uniformly distributed) key.
fn shard_of(key: RunKey) -> usize {
    (key >> (128 - SHARDS.trailing_zeros())) as usize
}

/// The runs of one partial state. The table is split into [`SHARDS`] by key,
/// so that merging two partial states and finalising can work on the shards
/// in parallel (a run lives in the same shard everywhere), and so that no
/// single table's growth doubles the memory of all runs at once.
#[derive(Debug, Clone)]
pub struct RunsPartial {
    shards: Vec<Map<RunKey, RunPartial>>,
    /// Runs read from a state, sorted by key, none of them in `shards`, each
    /// with its own event: read as they are (finalising needs no table, and
    /// the event groups replay the own events from here, see
    /// [`own_events`](Self::own_events)). A partial read from a state is
    /// finalised, not added to: adding moves the runs into the shards and
    /// leaves their own events behind.
    sorted: Vec<RunRow>,
    /// Attribute values, one interner per [`Attr`] (same index as `attr`).
    pub strings: [Interner; 4],
}

impl Default for RunsPartial {
    fn default() -> Self {
        RunsPartial::new(crate::aggregate::keys::DEFAULT_MAX_KEYS)
    }
}

impl RunsPartial {
    pub fn new(max_keys: usize) -> RunsPartial {
        RunsPartial {
            shards: (0..SHARDS).map(|_| Map::default()).collect(),
            sorted: Vec::new(),
            strings: std::array::from_fn(|_| Interner::new(max_keys)),
        }
    }

    /// Values folded into `(other)` by the attribute caps.
    pub fn overflow(&self) -> u64 {
        self.strings.iter().map(|s| s.overflow).sum()
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.shards.iter().map(Map::len).sum::<usize>() + self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Record a `run.state` event; ignored without a run id or a known state.
    /// The run's key, when recorded.
    pub fn observe(&mut self, ev: &Event<'_>) -> Option<RunKey> {
        let (Some(run_id), Some(state)) = (ev.run_id, ev.state.and_then(classify_state)) else {
            return None;
        };
        let key = run_key(run_id);
        if !self.sorted.is_empty() {
            self.settle();
        }
        self.shards[shard_of(key)].entry(key).or_default().observe(
            time_key(ev.ts),
            state,
            ev,
            &mut self.strings,
        );
        Some(key)
    }

    /// A run table of runs sorted by key, each once (a state's): kept as
    /// they are.
    pub(crate) fn from_sorted(strings: [Interner; 4], sorted: Vec<RunRow>) -> RunsPartial {
        RunsPartial {
            shards: (0..SHARDS).map(|_| Map::default()).collect(),
            sorted,
            strings,
        }
    }

    /// Move `sorted` into the shards (before adding to them).
    #[cold]
    fn settle(&mut self) {
        let sorted = std::mem::take(&mut self.sorted);
        let mut bounds = Vec::with_capacity(SHARDS + 1);
        bounds.push(0);
        for s in 1..SHARDS {
            bounds.push(sorted.partition_point(|(k, _, _)| shard_of(*k) < s));
        }
        bounds.push(sorted.len());
        self.shards.par_iter_mut().enumerate().for_each(|(s, m)| {
            let part = &sorted[bounds[s]..bounds[s + 1].max(bounds[s])];
            m.reserve(part.len());
            m.extend(part.iter().map(|(k, r, _)| (*k, r.clone())));
        });
    }

    /// Every run, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&RunKey, &RunPartial)> {
        self.shards
            .iter()
            .flat_map(|s| s.iter())
            .chain(self.sorted.iter().map(|(k, r, _)| (k, r)))
    }

    /// The own events of runs read from a state (see `sorted`), each run's
    /// at most once; none for runs counted from logs (the event groups
    /// hold theirs).
    pub fn own_events(&self) -> impl Iterator<Item = &OwnEvent> {
        self.sorted.iter().map(|(_, _, e)| e)
    }

    /// The run with this key, as it is reported.
    pub fn resolved(&self, key: RunKey) -> Option<ResolvedRun<'_>> {
        let run = match self.shards[shard_of(key)].get(&key) {
            Some(r) => r,
            None => {
                let i = self
                    .sorted
                    .binary_search_by_key(&key, |(k, _, _)| *k)
                    .ok()?;
                &self.sorted[i].1
            }
        };
        Some(run.resolve(&self.strings))
    }

    /// The runs in parts, for finalisation in parallel: the shards, and
    /// the sorted runs in as many ranges; no empty part (tasks that take
    /// equal numbers of parts then take about equal numbers of runs).
    pub fn parts(&self) -> Vec<RunsPart<'_>> {
        let per = self.sorted.len().div_ceil(SHARDS).max(1);
        self.shards
            .iter()
            .filter(|m| !m.is_empty())
            .map(RunsPart::Map)
            .chain(self.sorted.chunks(per).map(RunsPart::Sorted))
            .collect()
    }

    /// The runs with these keys (`None`: no such run), in the order asked.
    /// Looked up in key order, so that the sorted runs are walked forward
    /// once (a short gallop from the previous key) instead of searched
    /// from the middle for every key.
    pub fn find_many(&self, keys: &[RunKey]) -> Vec<Option<&RunPartial>> {
        let mut out = vec![None; keys.len()];
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_unstable_by_key(|&i| keys[i]);
        let mut lo = 0;
        for i in order {
            let k = keys[i];
            if let Some(r) = self.shards[shard_of(k)].get(&k) {
                out[i] = Some(r);
                continue;
            }
            let rest = &self.sorted[lo..];
            let mut hi = 1;
            while hi < rest.len() && rest[hi - 1].0 < k {
                hi *= 2;
            }
            let hi = hi.min(rest.len());
            lo += rest[..hi].partition_point(|(key, _, _)| *key < k);
            if let Some((key, r, _)) = self.sorted.get(lo) {
                if *key == k {
                    out[i] = Some(r);
                }
            }
        }
        out
    }

    /// Fold `other` in: its attribute ids are remapped into this side's
    /// interners, then the shards merge pairwise in parallel.
    pub fn merge(&mut self, mut other: RunsPartial) {
        if !self.sorted.is_empty() {
            self.settle();
        }
        if !other.sorted.is_empty() {
            other.settle();
        }
        if self.len() < other.len() {
            std::mem::swap(self, &mut other);
        }
        let remap: Vec<Vec<u32>> = (0..4)
            .map(|i| self.strings[i].absorb(&other.strings[i]))
            .collect();
        let strings = &self.strings;
        self.shards
            .par_iter_mut()
            .zip(other.shards)
            .for_each(|(mine, theirs)| {
                mine.reserve(theirs.len());
                for (k, mut v) in theirs {
                    for (i, id) in v.attr.iter_mut().enumerate() {
                        if *id != NO_ID {
                            *id = remap[i][*id as usize];
                        }
                    }
                    match mine.get_mut(&k) {
                        Some(r) => r.merge(&v, strings),
                        None => {
                            mine.insert(k, v);
                        }
                    }
                }
            });
    }
}

/// Some runs of a [`RunsPartial`] (see [`RunsPartial::parts`]).
pub enum RunsPart<'a> {
    Map(&'a Map<RunKey, RunPartial>),
    Sorted(&'a [RunRow]),
}

impl RunsPart<'_> {
    /// Call `f` with every run of the part.
    pub fn for_each(&self, mut f: impl FnMut(&RunPartial)) {
        match self {
            RunsPart::Map(m) => m.values().for_each(f),
            RunsPart::Sorted(s) => s.iter().for_each(|(_, r, _)| f(r)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::parse_line;

    fn feed(lines: &[&str]) -> RunsPartial {
        let mut p = RunsPartial::default();
        for l in lines {
            p.observe(&parse_line(l.as_bytes()).unwrap());
        }
        p
    }

    fn run<'p>(p: &'p RunsPartial, id: &str) -> ResolvedRun<'p> {
        p.resolved(run_key(id)).expect("the run was fed")
    }

    #[test]
    fn attribution_outcome_duration() {
        let p = feed(&[
            r#"{"type":"run.state","run_id":"r","state":"complete","ts":3000,"channel":"late"}"#,
            r#"{"type":"run.state","run_id":"r","state":"start","ts":1000,"channel":"slack","backend":"pi"}"#,
            r#"{"type":"run.state","run_id":"r","state":"error","ts":3000}"#,
            r#"{"type":"run.state","run_id":"r","state":"paused","ts":0,"channel":"ignored"}"#,
            r#"{"type":"run.state","run_id":"r","state":"cancel_requested","session_id":"s"}"#,
        ]);
        let r = run(&p, "r");
        assert_eq!(r.channel, "slack");
        assert_eq!(r.backend, "pi");
        assert_eq!(r.session, "s");
        assert_eq!(r.origin, "channel");
        // tie at 3000 between complete and error: `complete` < `error`
        assert_eq!(r.outcome, Some(Terminal::Complete));
        assert_eq!(r.duration_ms, Some(2000));
        assert!(r.cancel_requested);
    }

    #[test]
    fn ties_take_the_smaller_value_and_origin_defaults() {
        let p = feed(&[
            r#"{"type":"run.state","run_id":"r","state":"start","ts":5,"channel":"zeta"}"#,
            r#"{"type":"run.state","run_id":"r","state":"start","ts":5,"channel":"gateway"}"#,
            r#"{"type":"run.state","run_id":"u","state":"failed"}"#,
        ]);
        let r = run(&p, "r");
        assert_eq!(
            (r.channel, r.origin, r.outcome),
            ("gateway", "gateway", None)
        );
        let u = run(&p, "u");
        assert_eq!(
            (u.channel, u.origin, u.backend),
            ("unknown", "unknown", "unknown")
        );
        assert_eq!(u.duration_ms, None);
    }

    #[test]
    fn negative_duration_and_untimed_are_not_durations() {
        let p = feed(&[
            r#"{"type":"run.state","run_id":"a","state":"start","ts":5000}"#,
            r#"{"type":"run.state","run_id":"a","state":"complete","ts":4000}"#,
            r#"{"type":"run.state","run_id":"b","state":"start","ts":5000}"#,
            r#"{"type":"run.state","run_id":"b","state":"complete"}"#,
        ]);
        assert_eq!(run(&p, "a").duration_ms, None);
        assert_eq!(run(&p, "b").duration_ms, None);
        assert_eq!(run(&p, "b").outcome, Some(Terminal::Complete));
    }

    #[test]
    fn merge_equals_sequential_in_any_order() {
        let lines = [
            r#"{"type":"run.state","run_id":"r","state":"start","ts":10,"channel":"b","session_id":"s1"}"#,
            r#"{"type":"run.state","run_id":"r","state":"canceled","ts":20,"channel":"a"}"#,
            r#"{"type":"run.state","run_id":"r","state":"start","ts":10,"channel":"a"}"#,
            r#"{"type":"run.state","run_id":"q","state":"error","backend":"x"}"#,
        ];
        let whole = feed(&lines);
        for split in 0..=lines.len() {
            for flip in [false, true] {
                let (mut a, b) = (feed(&lines[split..]), feed(&lines[..split]));
                let merged = if flip {
                    let mut b = b;
                    b.merge(a);
                    b
                } else {
                    a.merge(b);
                    a
                };
                for id in ["r", "q"] {
                    let (x, y) = (run(&whole, id), run(&merged, id));
                    assert_eq!(
                        (
                            x.channel,
                            x.session,
                            x.backend,
                            x.origin,
                            x.outcome,
                            x.duration_ms
                        ),
                        (
                            y.channel,
                            y.session,
                            y.backend,
                            y.origin,
                            y.outcome,
                            y.duration_ms
                        )
                    );
                }
            }
        }
        assert!(
            std::mem::size_of::<RunPartial>() <= 80,
            "a run must stay small"
        );
    }

    /// A value an event carried and the same name as a fallback are one
    /// slice: `unknown` as a channel, `channel` as an origin.
    #[test]
    fn carried_and_fallback_names_are_one_slice() {
        let p = feed(&[
            r#"{"type":"run.state","run_id":"a","state":"start","channel":"unknown","origin":"channel"}"#,
            r#"{"type":"run.state","run_id":"b","state":"start","ts":1}"#,
            r#"{"type":"run.state","run_id":"c","state":"start","channel":"slack"}"#,
            r#"{"type":"run.state","run_id":"d","state":"start","channel":"gateway"}"#,
        ]);
        let runs = crate::aggregate::finalize_runs(&p, &crate::select::Selection::default());
        let count = |m: &std::collections::BTreeMap<String, crate::baseline::RunSummary>| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.runs))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            count(&runs.by_channel),
            [
                ("gateway".into(), 1),
                ("slack".into(), 1),
                ("unknown".into(), 2)
            ]
        );
        assert_eq!(
            count(&runs.by_origin),
            [
                ("channel".into(), 2),
                ("gateway".into(), 1),
                ("unknown".into(), 1)
            ]
        );
    }
}

//! The two big tables of a state — runs and event groups — in chunks: each
//! chunk is the postcard serialisation of a `Vec<WireRun>` or
//! `Vec<WireGroup>`, stored as a byte string in the state's `Wire`. Chunks
//! are written straight from the sorted tables and read back in parallel,
//! without a second copy of the whole table (docs/scale.md "Format").

use std::borrow::Cow;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::aggregate::cancels::{bucket_ok, GRAIN_MS};
use crate::aggregate::groups::{Group, GroupKey, GroupReactions, OwnEvent, ETYPE, REASON, RULE};
use crate::aggregate::runs::{RunKey, RunPartial, Terminal, NO_ID, UNTIMED};
use crate::state::tables::{group_order, RunRow};

/// Runs or groups per chunk.
pub(super) const CHUNK: usize = 1 << 12;

/// Bytes, serialised as one byte string (borrowed when read).
pub(super) struct Blob<'a>(pub Cow<'a, [u8]>);

impl Serialize for Blob<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Blob<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Blob<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Blob<'de>, E> {
                Ok(Blob(Cow::Borrowed(v)))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Blob<'de>, E> {
                Ok(Blob(Cow::Owned(v.to_vec())))
            }
        }
        d.deserialize_bytes(V)
    }
}

static NO_REACTIONS: GroupReactions = GroupReactions {
    matched: 0,
    skipped: 0,
    candidate_count_sum: 0,
    rules: Vec::new(),
    reasons: Vec::new(),
};

/// A chunk: its number of items and their bytes.
pub(super) type Chunk<'a> = (u64, Blob<'a>);

/// Ids are stored plus one (0: absent); times as described in `wire.rs`.
#[derive(Serialize, Deserialize)]
struct WireRun {
    key: [u8; 16],
    /// Bits 0-1: terminal (0 none, 1 cancelled, 2 complete, 3 error); bit 2: cancel requested.
    flags: u8,
    /// 0: untimed; else first - run_base + 1.
    first: u64,
    /// 0: untimed; else t - first + 1.
    start: u64,
    terminal_at: u64,
    attr_at: [u64; 4],
    attr: [u32; 4],
    /// 0: the terminal event carried no duration of its own; else duration + 1.
    duration: u64,
    /// The run's own event (`OwnEvent`): 0 none; 1 untimed; else its time
    /// - first + 2. Its type and attributes are ids of the event strings.
    own_at: u64,
    own_type: u32,
    own_attrs: [u32; 4],
}

/// A list of (id, count) of a group, written with the ids a state stores.
struct IdList<'a> {
    list: &'a [(u32, u64)],
    ids: &'a [u32],
}

impl Serialize for IdList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.list.iter().map(|&(i, n)| (put_id(self.ids, i), n)))
    }
}

/// [`WireGroup`] as written (same fields, same order).
#[derive(Serialize)]
struct WireGroupOut<'a> {
    bucket: i64,
    attrs: [u32; 4],
    first: u64,
    last: u64,
    types: IdList<'a>,
    matched: u64,
    skipped: u64,
    candidate_count_sum: u128,
    rules: IdList<'a>,
    reasons: IdList<'a>,
}

#[derive(Deserialize)]
struct WireGroup {
    bucket: i64,
    attrs: [u32; 4],
    /// Earliest and latest time, ms since the bucket's start (0 when untimed).
    first: u64,
    last: u64,
    types: Vec<(u32, u64)>,
    matched: u64,
    skipped: u64,
    candidate_count_sum: u128,
    rules: Vec<(u32, u64)>,
    reasons: Vec<(u32, u64)>,
}

pub(super) fn put_id(map: &[u32], id: u32) -> u32 {
    if id == NO_ID {
        0
    } else {
        map[id as usize] + 1
    }
}

pub(super) fn put_time(t: i64, base: i64) -> u64 {
    if t == UNTIMED {
        0
    } else {
        (t as i128 - base as i128 + 1) as u64
    }
}

pub(super) fn get_id(v: u32, len: usize) -> Result<u32, String> {
    match v {
        0 => Ok(NO_ID),
        v if ((v - 1) as usize) < len => Ok(v - 1),
        _ => Err("a string id is out of range".into()),
    }
}

pub(super) fn get_time(d: u64, base: i64) -> Result<i64, String> {
    if d == 0 {
        return Ok(UNTIMED);
    }
    i64::try_from(base as i128 + d as i128 - 1)
        .ok()
        .filter(|&t| t != UNTIMED)
        .ok_or_else(|| "a time is out of range".into())
}

pub(super) fn key_of(b: [u8; 16]) -> RunKey {
    u128::from_be_bytes(b)
}

/// The chunks of `runs` (sorted by key); `ids` maps attribute ids to
/// stored ones.
pub(super) fn write_runs(
    runs: &[RunRow],
    base: i64,
    ids: &[Vec<u32>],
    event_ids: &[Vec<u32>],
) -> Vec<Chunk<'static>> {
    runs.par_chunks(CHUNK)
        .map(|chunk| {
            let wire = chunk.iter().map(|(k, r, e)| {
                let terminal = match r.terminal {
                    None => 0,
                    Some(Terminal::Cancelled) => 1,
                    Some(Terminal::Complete) => 2,
                    Some(Terminal::Error) => 3,
                };
                WireRun {
                    key: k.to_be_bytes(),
                    flags: terminal | (u8::from(r.cancel_requested) << 2),
                    first: put_time(r.first, base),
                    start: put_time(r.start, r.first),
                    terminal_at: put_time(r.terminal_at, r.first),
                    attr_at: r.attr_at.map(|t| put_time(t, r.first)),
                    attr: std::array::from_fn(|i| put_id(&ids[i], r.attr[i])),
                    duration: r.terminal_duration().map_or(0, |d| d + 1),
                    own_at: match (e.is_some(), e.at) {
                        (false, _) => 0,
                        (true, UNTIMED) => 1,
                        (true, at) => (at as i128 - r.first as i128 + 2) as u64,
                    },
                    own_type: if e.is_some() {
                        put_id(&event_ids[ETYPE], e.etype)
                    } else {
                        0
                    },
                    own_attrs: if e.is_some() {
                        std::array::from_fn(|i| put_id(&event_ids[i], e.attrs[i]))
                    } else {
                        [0; 4]
                    },
                }
            });
            (chunk.len() as u64, Blob(Cow::Owned(to_vec(wire))))
        })
        .collect()
}

/// The chunks of `groups` (sorted by [`group_order`]).
pub(super) fn write_groups(groups: &[(GroupKey, Group)], ids: &[Vec<u32>]) -> Vec<Chunk<'static>> {
    groups
        .par_chunks(CHUNK)
        .map(|chunk| {
            let wire = chunk.iter().map(|(k, g)| {
                let (first, last) = match k.bucket {
                    UNTIMED => (0, 0),
                    b => {
                        // in i128: the first bucket starts before i64::MIN
                        let base = i128::from(b) * i128::from(GRAIN_MS);
                        (
                            (i128::from(g.first) - base) as u64,
                            (i128::from(g.last) - base) as u64,
                        )
                    }
                };
                fn list<'a>(
                    list: &'a [(u32, u64)],
                    ids: &'a [Vec<u32>],
                    which: usize,
                ) -> IdList<'a> {
                    IdList {
                        list,
                        ids: &ids[which],
                    }
                }
                let r = g.reactions.as_deref().unwrap_or(&NO_REACTIONS);
                WireGroupOut {
                    bucket: k.bucket,
                    attrs: std::array::from_fn(|i| put_id(&ids[i], k.attrs[i])),
                    first,
                    last,
                    types: list(&g.types, ids, ETYPE),
                    matched: r.matched,
                    skipped: r.skipped,
                    candidate_count_sum: r.candidate_count_sum,
                    rules: list(&r.rules, ids, RULE),
                    reasons: list(&r.reasons, ids, REASON),
                }
            });
            (chunk.len() as u64, Blob(Cow::Owned(to_vec(wire))))
        })
        .collect()
}

/// A sequence, postcard-serialised.
pub(super) fn to_vec<T: Serialize>(items: impl ExactSizeIterator<Item = T>) -> Vec<u8> {
    struct Seq<I>(std::cell::Cell<Option<I>>);
    impl<T: Serialize, I: ExactSizeIterator<Item = T>> Serialize for Seq<I> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            // serialised once; postcard needs the exact length up front
            match self.0.take() {
                Some(items) => s.collect_seq(items),
                None => s.collect_seq(std::iter::empty::<T>()),
            }
        }
    }
    let n = items.len();
    postcard::to_stdvec(&Seq(std::cell::Cell::new(Some(items))))
        .unwrap_or_else(|_| unreachable!("serialising {n} items to memory cannot fail"))
}

/// A chunk's items: the whole chunk must parse, to its stated count.
pub(super) fn items<'a, T: Deserialize<'a>>(b: &'a Blob<'_>, n: usize) -> Result<Vec<T>, String> {
    let (v, rest): (Vec<T>, &[u8]) =
        postcard::take_from_bytes(&b.0).map_err(|e| format!("postcard: {e}"))?;
    if !rest.is_empty() {
        return Err(format!("{} bytes after a chunk", rest.len()));
    }
    if v.len() != n {
        return Err("a chunk holds another number of items than it says".into());
    }
    Ok(v)
}

/// Decode chunks in parallel straight into one table (chunk `i` fills its
/// own slice of it), checking that keys ascend strictly across chunks
/// (`decode` checks them within one).
pub(super) fn fill<T: Default + Send, O: Ord, R: Send>(
    chunks: &[Chunk<'_>],
    order: impl Fn(&T) -> O,
    why: &str,
    decode: impl Fn(&Blob<'_>, &mut [T]) -> Result<R, String> + Sync,
) -> Result<(Vec<T>, Vec<R>), String> {
    let mut total = 0usize;
    for (n, b) in chunks {
        // an item takes a byte at least: a count cannot exceed its bytes
        if *n > b.0.len() as u64 {
            return Err("a chunk's count exceeds its bytes".into());
        }
        total += *n as usize;
    }
    let mut out: Vec<T> = Vec::with_capacity(total);
    crate::state::pages::advise_huge(&mut out);
    out.resize_with(total, T::default);
    let mut slices = Vec::with_capacity(chunks.len());
    let mut rest = out.as_mut_slice();
    for (n, _) in chunks {
        let (mine, more) = rest.split_at_mut(*n as usize);
        slices.push(mine);
        rest = more;
    }
    let results = slices
        .into_par_iter()
        .zip(chunks.par_iter())
        .map(|(slice, (_, b))| decode(b, slice))
        .collect::<Result<Vec<R>, String>>()?;
    let mut at = 0;
    for (n, _) in chunks {
        let n = *n as usize;
        if at > 0 && n > 0 && order(&out[at - 1]) >= order(&out[at]) {
            return Err(why.to_string());
        }
        at += n;
    }
    Ok((out, results))
}

/// Read the runs' chunks (in parallel), checking every id, time and the
/// order of keys (strictly ascending: no run repeats): the runs and their
/// number of own events.
pub(super) fn read_runs(
    chunks: &[Chunk<'_>],
    base: i64,
    lens: [usize; 4],
    event_lens: [usize; 7],
) -> Result<(Vec<RunRow>, u64), String> {
    const WHY: &str = "runs out of order or repeated";
    let (runs, owns) = fill(
        chunks,
        |(k, _, _)| *k,
        WHY,
        |b, out| {
            let wire: Vec<WireRun> = items(b, out.len())?;
            let mut owns = 0u64;
            for (slot, r) in out.iter_mut().zip(&wire) {
                let run = read_run(r, base, lens)?;
                let own = read_own(r, run.first, event_lens)?;
                owns += u64::from(own.is_some());
                *slot = (key_of(r.key), run, own);
            }
            if !out.windows(2).all(|w| w[0].0 < w[1].0) {
                return Err(WHY.to_string());
            }
            Ok(owns)
        },
    )?;
    Ok((runs, owns.iter().sum()))
}

/// A run's own event: timed only when the run is, never before its first
/// event.
fn read_own(r: &WireRun, first: i64, lens: [usize; 7]) -> Result<OwnEvent, String> {
    if r.own_at == 0 {
        if r.own_type != 0 || r.own_attrs != [0; 4] {
            return Err("a run without an own event has its fields".into());
        }
        return Ok(OwnEvent::NONE);
    }
    let at = match r.own_at {
        1 => UNTIMED,
        d if first != UNTIMED => get_time(d - 1, first)?,
        _ => return Err("an untimed run has a timed own event".into()),
    };
    let etype = get_id(r.own_type, lens[ETYPE])?;
    if etype == NO_ID {
        return Err("a run's own event has no type".into());
    }
    let mut attrs = [NO_ID; 4];
    for i in 0..4 {
        attrs[i] = get_id(r.own_attrs[i], lens[i])?;
    }
    Ok(OwnEvent { at, etype, attrs })
}

fn read_run(r: &WireRun, base: i64, lens: [usize; 4]) -> Result<RunPartial, String> {
    if r.flags > 7 {
        return Err("a run has unknown flags".into());
    }
    let first = get_time(r.first, base)?;
    if first == UNTIMED && (r.start != 0 || r.terminal_at != 0 || r.attr_at.iter().any(|&t| t != 0))
    {
        return Err("an untimed run has times".into());
    }
    let terminal = match r.flags & 3 {
        0 => None,
        1 => Some(Terminal::Cancelled),
        2 => Some(Terminal::Complete),
        _ => Some(Terminal::Error),
    };
    let mut run = RunPartial::default();
    run.first = first;
    run.start = get_time(r.start, first)?;
    run.terminal_at = get_time(r.terminal_at, first)?;
    run.terminal = terminal;
    run.cancel_requested = r.flags & 4 != 0;
    for (i, &len) in lens.iter().enumerate() {
        run.attr_at[i] = get_time(r.attr_at[i], first)?;
        run.attr[i] = get_id(r.attr[i], len)?;
    }
    if r.duration != 0 {
        if terminal.is_none() {
            return Err("a run without a terminal event has a terminal duration".into());
        }
        run.set_terminal_duration(Some(r.duration - 1));
    }
    Ok(run)
}

/// Read the event groups' chunks (in parallel): the groups and their
/// number of events. Every id, time, list and count is checked.
pub(super) fn read_groups(
    chunks: &[Chunk<'_>],
    lens: [usize; 7],
) -> Result<(Vec<(GroupKey, Group)>, u64), String> {
    read_table(
        chunks,
        |(k, _): &(GroupKey, Group)| group_order(k),
        "event groups out of order or repeated",
        "event counts exceed 2^64",
        |g: WireGroup| read_group(g, lens).map(|(k, g, n)| ((k, g), n)),
    )
}

/// Read a table's chunks (in parallel): each wire item decoded and checked
/// by `item` into a table item and the number of events it counts, keys
/// strictly ascending (`why` otherwise), the counts summed (`exceed` past
/// 2^64). The table and its number of events.
pub(super) fn read_table<W: serde::de::DeserializeOwned, T: Default + Send, O: Ord>(
    chunks: &[Chunk<'_>],
    order: impl Fn(&T) -> O + Sync,
    why: &str,
    exceed: &str,
    item: impl Fn(W) -> Result<(T, u64), String> + Sync,
) -> Result<(Vec<T>, u64), String> {
    let (table, totals) = fill(chunks, &order, why, |b, out| {
        let wire: Vec<W> = items(b, out.len())?;
        let mut total = 0u64;
        for (i, w) in wire.into_iter().enumerate() {
            let (t, n) = item(w)?;
            if i > 0 && order(&out[i - 1]) >= order(&t) {
                return Err(why.to_string());
            }
            total = total.checked_add(n).ok_or(exceed)?;
            out[i] = t;
        }
        Ok(total)
    })?;
    let mut total = 0u64;
    for n in totals {
        total = total.checked_add(n).ok_or(exceed)?;
    }
    Ok((table, total))
}

fn read_group(g: WireGroup, lens: [usize; 7]) -> Result<(GroupKey, Group, u64), String> {
    let (first, last) = if g.bucket == UNTIMED {
        if g.first != 0 || g.last != 0 {
            return Err("an untimed event group has times".into());
        }
        (UNTIMED, i64::MIN)
    } else {
        let base = bucket_ok(g.bucket).then(|| i128::from(g.bucket) * i128::from(GRAIN_MS));
        let at = |d: u64| {
            base.filter(|_| d < GRAIN_MS as u64)
                .and_then(|b| i64::try_from(b + i128::from(d)).ok())
        };
        match (at(g.first), at(g.last)) {
            (Some(f), Some(l)) if f <= l => (f, l),
            _ => return Err("an event group's times do not match its bucket".into()),
        }
    };
    let ids = |l: Vec<(u32, u64)>,
               which: usize,
               absent_ok: bool|
     -> Result<(Vec<(u32, u64)>, u64), String> {
        // stored ids ascend strictly: so do ours (absent first)
        let mut l = l;
        let mut sum = 0u64;
        let mut prev = None;
        for (i, n) in l.iter_mut() {
            if prev.is_some_and(|p| p >= *i) || (*i == 0 && !absent_ok) || *n == 0 {
                return Err("an event group's list is malformed".into());
            }
            prev = Some(*i);
            *i = get_id(*i, lens[which])?;
            sum = sum.checked_add(*n).ok_or("counts exceed 2^64")?;
        }
        Ok((l, sum))
    };
    let (types, n) = ids(g.types, ETYPE, false)?;
    let (rules, nr) = ids(g.rules, RULE, true)?;
    let (reasons, ns) = ids(g.reasons, REASON, true)?;
    let both = g.matched.checked_add(g.skipped);
    if n == 0 || nr != g.matched || ns != g.skipped || both.is_none_or(|b| b > n) {
        return Err("an event group's counts do not add up".into());
    }
    if g.candidate_count_sum > u128::from(g.skipped) * u128::from(u64::MAX) {
        return Err("an event group's candidate count is out of range".into());
    }
    let mut attrs = [NO_ID; 4];
    for i in 0..4 {
        attrs[i] = get_id(g.attrs[i], lens[i])?;
    }
    let key = GroupKey {
        bucket: g.bucket,
        attrs,
    };
    let has_reactions = g.matched > 0 || g.skipped > 0 || g.candidate_count_sum > 0;
    let group = Group {
        first,
        last,
        types,
        reactions: has_reactions.then(|| {
            Box::new(GroupReactions {
                matched: g.matched,
                skipped: g.skipped,
                candidate_count_sum: g.candidate_count_sum,
                rules,
                reasons,
            })
        }),
    };
    Ok((key, group, n))
}

//! The serialised form of a state (postcard, inside the zstd frame of
//! `State::encode`), and the checks that make reading it total: every id,
//! index and count of a decoded state is checked before it is used, so a
//! crafted state is an error, never a panic or a wrong sum.
//!
//! Compactness (docs/scale.md quotes the figures): strings are interned per
//! table and sorted, so ids are small varints and the bytes are a function of
//! the input alone; a run stores its 16-byte key, its first time relative to
//! the state's earliest, and every other time relative to its first; an
//! event group its times relative to its minute. Runs, cancel groups, event
//! groups and string tables are stored in ascending order, and a reader
//! refuses any other: that order is what `merge` relies on (`tables.rs`).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::aggregate::intern::Interner;
use crate::aggregate::runs::{NO_ID, UNTIMED};
use crate::aggregate::{LinePos, Map, Partial};
use crate::event::Malformed;
use crate::state::cancel_chunks::{read_cancels, write_cancels};
use crate::state::sections::{read_groups, read_runs, write_groups, write_runs, Chunk};
use crate::state::tables::Tables;
use crate::state::{Options, State};

const REASONS: [Malformed; 5] = [
    Malformed::Utf8,
    Malformed::Json,
    Malformed::NotObject,
    Malformed::NoType,
    Malformed::Oversized,
];

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    options: Options,
    files: Vec<String>,
    files_read: u64,
    bytes: u64,
    events: u64,
    malformed: u64,
    /// The malformed lines by the minute their text shows (`UNTIMED`: none),
    /// ascending; they add up to `malformed`.
    malformed_minutes: Vec<(i64, u64)>,
    untimed: u64,
    /// `inputs.invalid_values` counters, by bit of `event::Amount::bit`.
    invalid: [u64; 9],
    /// Files read per dialect name.
    dialects: Vec<(String, u64)>,
    /// (file, part, line, reason code).
    samples: Vec<(u64, u64, u64, u8)>,
    part_lines: Vec<(u64, u64, u64)>,
    unreadable: Vec<(u64, String)>,
    run_strings: [Strings; 4],
    /// Earliest timed first event of any run.
    run_base: i64,
    /// The runs by key, in chunks (`sections.rs`).
    #[serde(borrow)]
    runs: Vec<Chunk<'a>>,
    cancel_strings: [Strings; 5],
    /// The cancel groups in ascending order, in chunks (`cancel_chunks.rs`).
    #[serde(borrow)]
    cancels: Vec<Chunk<'a>>,
    event_strings: [Strings; 7],
    /// The event groups in ascending order, in chunks (`sections.rs`).
    #[serde(borrow)]
    groups: Vec<Chunk<'a>>,
}

#[derive(Serialize, Deserialize)]
struct Strings {
    names: Vec<String>,
    overflow: u64,
}

/// The names of an interner that something still refers to (`used`, by id),
/// sorted, and for each old id its new one. Names no longer referred to (a
/// run's attribute replaced by an earlier one) depend on reading order, so
/// they are left out: the bytes depend on the input alone.
fn sorted_strings(i: &Interner, used: &[bool]) -> (Strings, Vec<u32>) {
    let mut order: Vec<u32> = (0..i.len() as u32)
        .filter(|&id| used[id as usize])
        .collect();
    order.sort_unstable_by(|&a, &b| i.name(a).cmp(i.name(b)));
    let mut new_id = vec![NO_ID; i.len()];
    for (new, &old) in order.iter().enumerate() {
        new_id[old as usize] = new as u32;
    }
    let names = order.iter().map(|&o| i.name(o).to_string()).collect();
    (
        Strings {
            names,
            overflow: i.overflow,
        },
        new_id,
    )
}

/// Which ids of `interners` the `ids` refer to ((interner, id) pairs).
fn used<const N: usize>(
    interners: &[Interner; N],
    ids: impl Iterator<Item = (usize, u32)>,
) -> [Vec<bool>; N] {
    let mut u: [Vec<bool>; N] = std::array::from_fn(|i| vec![false; interners[i].len()]);
    for (which, id) in ids {
        if id != NO_ID {
            u[which][id as usize] = true;
        }
    }
    u
}

fn tables<const N: usize>(
    interners: &[Interner; N],
    ids: impl Iterator<Item = (usize, u32)>,
) -> (Vec<Strings>, Vec<Vec<u32>>) {
    tables_of(interners, &used(interners, ids))
}

fn tables_of<const N: usize>(
    interners: &[Interner; N],
    used: &[Vec<bool>; N],
) -> (Vec<Strings>, Vec<Vec<u32>>) {
    interners
        .iter()
        .zip(used)
        .map(|(i, u)| sorted_strings(i, u))
        .unzip()
}

/// What the run table refers to, found in one pass over it on every core:
/// the run strings its runs use, the event strings their own events use,
/// and the earliest timed first event (the runs' time base; 0 when none).
fn scan_runs(t: &Tables) -> ([Vec<bool>; 4], [Vec<bool>; 7], i64) {
    use crate::aggregate::groups::ETYPE;
    type Found = ([Vec<bool>; 4], [Vec<bool>; 7], i64);
    let new = || -> Found {
        (
            std::array::from_fn(|i| vec![false; t.run_strings[i].len()]),
            std::array::from_fn(|i| vec![false; t.event_strings[i].len()]),
            i64::MAX,
        )
    };
    let mark = |u: &mut Vec<bool>, id: u32| {
        if id != NO_ID {
            u[id as usize] = true;
        }
    };
    let (runs, events, first) = t
        .runs
        .par_chunks(1 << 14)
        .fold(new, |mut acc, chunk| {
            for (_, r, e) in chunk {
                for (u, &id) in acc.0.iter_mut().zip(&r.attr) {
                    mark(u, id);
                }
                for (u, &id) in acc.1.iter_mut().zip(&e.attrs) {
                    mark(u, id);
                }
                mark(&mut acc.1[ETYPE], e.etype);
                if r.first != UNTIMED {
                    acc.2 = acc.2.min(r.first);
                }
            }
            acc
        })
        .reduce(new, |mut a, b| {
            or_into(&mut a.0, &b.0);
            or_into(&mut a.1, &b.1);
            (a.0, a.1, a.2.min(b.2))
        });
    (runs, events, if first == i64::MAX { 0 } else { first })
}

fn or_into<const N: usize>(a: &mut [Vec<bool>; N], b: &[Vec<bool>; N]) {
    for (x, y) in a.iter_mut().zip(b) {
        for (x, &y) in x.iter_mut().zip(y) {
            *x |= y;
        }
    }
}

pub(super) fn to_bytes(options: &Options, files: &[String], t: &Tables) -> Vec<u8> {
    let p = &t.head;
    let (run_used, run_events_used, run_base) = scan_runs(t);
    let (run_strings, run_ids) = tables_of(&t.run_strings, &run_used);

    let (cancel_strings, cancel_ids) = tables(
        &t.cancel_strings,
        t.cancels.iter().flat_map(|(k, _)| {
            k.attrs
                .into_iter()
                .enumerate()
                .chain([(crate::aggregate::cancels::SOURCE, k.source)])
        }),
    );
    let cancels = write_cancels(&t.cancels, &cancel_ids);

    use crate::aggregate::groups::{ETYPE, REASON, RULE};
    let mut event_used = used(
        &t.event_strings,
        t.groups.iter().flat_map(|(k, g)| {
            let none: &[(u32, u64)] = &[];
            let (rules, reasons) = g
                .reactions
                .as_deref()
                .map_or((none, none), |r| (&r.rules[..], &r.reasons[..]));
            let lists = [(ETYPE, &g.types[..]), (RULE, rules), (REASON, reasons)];
            k.attrs.into_iter().enumerate().chain(
                lists
                    .into_iter()
                    .flat_map(|(which, l)| l.iter().map(move |&(id, _)| (which, id))),
            )
        }),
    );
    or_into(&mut event_used, &run_events_used);
    let (event_strings, event_ids) = tables_of(&t.event_strings, &event_used);
    let groups = write_groups(&t.groups, &event_ids);
    // the tables are sorted by key, and dropping unused names keeps the
    // order of ids: no sorting here
    let runs = write_runs(&t.runs, run_base, &run_ids, &event_ids);

    let mut part_lines: Vec<(u64, u64, u64)> = p
        .part_lines
        .iter()
        .map(|&(f, part, n)| (f as u64, part as u64, n))
        .collect();
    part_lines.sort_unstable();
    let mut unreadable: Vec<(u64, String)> = p
        .unreadable
        .iter()
        .map(|(f, why)| (*f as u64, why.clone()))
        .collect();
    unreadable.sort();
    let w = Wire {
        options: options.clone(),
        files: files.to_vec(),
        files_read: p.files,
        bytes: p.bytes,
        events: p.events,
        malformed: p.malformed,
        malformed_minutes: {
            let mut m: Vec<(i64, u64)> = p
                .groups
                .as_ref()
                .map(|g| g.malformed.iter().map(|(&b, &n)| (b, n)).collect())
                .unwrap_or_default();
            m.sort_unstable();
            m
        },
        untimed: p.untimed,
        invalid: p.invalid,
        dialects: p.dialects.iter().map(|(d, n)| (d.clone(), *n)).collect(),
        samples: p
            .samples
            .iter()
            .map(|(pos, why)| {
                let code = REASONS.iter().position(|r| r == why).unwrap_or(0) as u8;
                (pos.file as u64, 0, pos.line, code)
            })
            .collect(),
        part_lines,
        unreadable,
        run_strings: to_array(run_strings),
        run_base,
        runs,
        cancel_strings: to_array(cancel_strings),
        cancels,
        event_strings: to_array(event_strings),
        groups,
    };
    // room for the chunks and the rest, so that the buffer never grows
    let room: usize = w
        .runs
        .iter()
        .chain(&w.groups)
        .chain(&w.cancels)
        .map(|(_, b)| b.0.len() + 20)
        .sum();
    let mut out = Vec::with_capacity(room + (4 << 20));
    crate::state::pages::advise_huge(&mut out);
    postcard::to_extend(&w, out).expect("serialising to memory cannot fail")
}

fn to_array<const N: usize>(v: Vec<Strings>) -> [Strings; N] {
    v.try_into()
        .unwrap_or_else(|_| unreachable!("one entry per interner"))
}

/// Decoding: every check that keeps a crafted state from panicking or
/// producing a wrong sum.
struct Check {
    events: u64,
}

fn interners<const N: usize>(strings: [Strings; N], max: usize) -> Result<[Interner; N], String> {
    let mut out = Vec::with_capacity(N);
    for s in strings {
        if !s.names.windows(2).all(|w| w[0] < w[1]) {
            return Err("a string table is not sorted".into());
        }
        let names: Vec<Box<str>> = s.names.into_iter().map(String::into_boxed_str).collect();
        out.push(
            Interner::from_names(names, max, s.overflow)
                .ok_or("a string table repeats a value or exceeds --max-keys")?,
        );
    }
    Ok(out
        .try_into()
        .unwrap_or_else(|_| unreachable!("N interners built")))
}

impl Check {
    /// A count that cannot exceed the state's events.
    fn count(&self, n: u64, what: &str) -> Result<(), String> {
        if n > self.events {
            return Err(format!(
                "{what} count {n} exceeds the {} events",
                self.events
            ));
        }
        Ok(())
    }
}

pub(super) fn from_bytes(bytes: &[u8]) -> Result<State, String> {
    let (w, rest): (Wire, &[u8]) =
        postcard::take_from_bytes(bytes).map_err(|e| format!("postcard: {e}"))?;
    if !rest.is_empty() {
        return Err(format!("{} bytes after the state", rest.len()));
    }
    if w.options.grain_ms != crate::aggregate::cancels::GRAIN_MS {
        return Err(format!("time grain {} ms", w.options.grain_ms));
    }
    let max_keys = usize::try_from(w.options.max_keys)
        .map_err(|_| "--max-keys out of range".to_string())?
        .max(1);
    let check = Check { events: w.events };
    let nfiles = w.files.len();
    {
        let mut seen = std::collections::HashSet::new();
        if !w.files.iter().all(|f| seen.insert(f.as_str())) {
            return Err("a file is named twice".into());
        }
    }
    let file = |f: u64| -> Result<usize, String> {
        usize::try_from(f)
            .ok()
            .filter(|&f| f < nfiles)
            .ok_or_else(|| "a file index is out of range".to_string())
    };
    check.count(w.untimed, "untimed")?;
    let mut p = Partial::for_state(max_keys);
    p.files = w.files_read;
    p.bytes = w.bytes;
    p.events = w.events;
    p.malformed = w.malformed;
    p.untimed = w.untimed;
    let mut sum = 0u64;
    for (i, &(b, n)) in w.malformed_minutes.iter().enumerate() {
        if n == 0
            || (i > 0 && w.malformed_minutes[i - 1].0 >= b)
            || !crate::aggregate::cancels::bucket_ok(b)
        {
            return Err("the malformed lines by minute are out of order or out of range".into());
        }
        sum = sum.saturating_add(n);
    }
    if sum != w.malformed {
        return Err("the malformed lines by minute do not add up to the malformed lines".into());
    }
    if let Some(g) = &mut p.groups {
        g.malformed = w.malformed_minutes.into_iter().collect();
    }
    for (i, &n) in w.invalid.iter().enumerate() {
        check.count(n, "invalid values")?;
        p.invalid[i] = n;
    }
    for (d, n) in w.dialects {
        if n > w.files_read || p.dialects.insert(d, n).is_some() {
            return Err("the files read per dialect are inconsistent".into());
        }
    }
    if w.samples.len() > crate::aggregate::MAX_SAMPLES {
        return Err("too many malformed-line samples".into());
    }
    // lines per file: every sample's line must lie within its file's lines
    let mut lines_of: Map<usize, u64> = Map::default();
    for &(f, part, n) in &w.part_lines {
        let f = file(f)?;
        let part = usize::try_from(part).map_err(|_| "a part index is out of range")?;
        let total = lines_of.entry(f).or_insert(0);
        *total = total
            .checked_add(n)
            .ok_or("the line counts of a file exceed 2^64")?;
        p.part_lines.push((f, part, n));
    }
    for &(f, part, line, code) in &w.samples {
        let f = file(f)?;
        let why = *REASONS
            .get(code as usize)
            .ok_or("an unknown malformed-line reason")?;
        if line > lines_of.get(&f).copied().unwrap_or(0) {
            return Err("a malformed-line sample lies past its file's lines".into());
        }
        let part = usize::try_from(part).map_err(|_| "a part index is out of range")?;
        p.samples.push((
            LinePos {
                file: f,
                part,
                line,
            },
            why,
        ));
    }
    p.samples.sort_unstable();
    for (f, reason) in w.unreadable {
        p.unreadable.push((file(f)?, reason));
    }

    // runs, with their own events
    let run_strings = interners(w.run_strings, max_keys)?;
    let event_strings = interners(w.event_strings, max_keys)?;
    let event_lens = event_strings.each_ref().map(Interner::len);
    let (runs, owns) = read_runs(
        &w.runs,
        w.run_base,
        run_strings.each_ref().map(Interner::len),
        event_lens,
    )?;
    check.count(owns, "event")?;

    // cancels, in strictly ascending key order (so none repeats)
    let cancel_strings = interners(w.cancel_strings, max_keys)?;
    let lens = cancel_strings.each_ref().map(Interner::len);
    let (cancels, total) = read_cancels(&w.cancels, lens)?;
    check.count(total, "cancel")?;

    // event groups, in strictly ascending key order
    let (groups, total) = read_groups(&w.groups, event_lens)?;
    check.count(
        total.checked_add(owns).ok_or("event counts exceed 2^64")?,
        "event",
    )?;
    Ok(State {
        options: w.options,
        files: w.files,
        tables: Tables {
            head: p,
            run_strings,
            runs,
            cancel_strings,
            cancels,
            event_strings,
            groups,
        },
    })
}

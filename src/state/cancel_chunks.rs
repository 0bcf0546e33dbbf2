//! The cancel groups of a state in chunks, as runs and event groups are
//! (`sections.rs`): written straight from the sorted table, read back in
//! parallel, without a copy of the whole table in wire form. A log whose
//! cancels lack attributes has a group per (run, minute), so this table can
//! be the biggest of a state (docs/scale.md "Cancels in a state").

use std::borrow::Cow;

use rayon::prelude::*;
use serde::ser::SerializeSeq;
use serde::{Deserialize, Serialize};

use crate::aggregate::cancels::{bucket_ok, CancelGroup, CancelKey, SOURCE};
use crate::aggregate::runs::NO_ID;
use crate::aggregate::stats::Buckets;
use crate::state::sections::{get_id, key_of, put_id, read_table, to_vec, Blob, Chunk, CHUNK};
use crate::state::tables::cancel_order;

/// [`WireCancel`] as written (same fields, same order).
#[derive(Serialize)]
struct WireCancelOut<'a> {
    bucket: i64,
    run: Option<[u8; 16]>,
    source: u32,
    attrs: [u32; 4],
    count: u64,
    acknowledged: u64,
    counts: Counts<'a>,
    min: u64,
    max: u64,
    sum: u128,
}

/// A group's latencies as (lowest value of the bucket, count) pairs.
struct Counts<'a>(&'a Buckets);

impl Serialize for Counts<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // postcard writes the length first
        let mut seq = s.serialize_seq(Some(self.0.distinct()))?;
        for e in self.0.iter() {
            seq.serialize_element(&e)?;
        }
        seq.end()
    }
}

/// Ids are stored plus one (0: absent).
#[derive(Deserialize)]
struct WireCancel {
    /// Minute of the cancels' time ([`UNTIMED`]: none).
    bucket: i64,
    /// The run, when the cancels lack an attribute of their own.
    run: Option<[u8; 16]>,
    source: u32,
    attrs: [u32; 4],
    count: u64,
    acknowledged: u64,
    counts: Vec<(u64, u64)>,
    min: u64,
    max: u64,
    sum: u128,
}

/// The chunks of `cancels` (sorted by [`cancel_order`]); `ids` maps each
/// string table's ids (attributes by `Attr`, then [`SOURCE`]) to stored ones.
pub(super) fn write_cancels(
    cancels: &[(CancelKey, CancelGroup)],
    ids: &[Vec<u32>],
) -> Vec<Chunk<'static>> {
    cancels
        .par_chunks(CHUNK)
        .map(|chunk| {
            let wire = chunk.iter().map(|(k, g)| WireCancelOut {
                bucket: k.bucket,
                run: k.run.map(|r| r.to_be_bytes()),
                source: put_id(&ids[SOURCE], k.source),
                attrs: std::array::from_fn(|i| put_id(&ids[i], k.attrs[i])),
                count: g.count,
                acknowledged: g.acknowledged,
                counts: Counts(&g.latencies),
                min: g.latencies.min,
                max: g.latencies.max,
                sum: g.latencies.sum,
            });
            (chunk.len() as u64, Blob(Cow::Owned(to_vec(wire))))
        })
        .collect()
}

/// Read the cancels' chunks (in parallel), checking every id, count and
/// latency bucket and the order of keys (strictly ascending: no group
/// repeats): the groups and their number of cancels.
pub(super) fn read_cancels(
    chunks: &[Chunk<'_>],
    lens: [usize; 5],
) -> Result<(Vec<(CancelKey, CancelGroup)>, u64), String> {
    read_table(
        chunks,
        |(k, _): &(CancelKey, CancelGroup)| cancel_order(k),
        "cancel groups out of order or repeated",
        "cancel counts exceed 2^64",
        |c: WireCancel| {
            read_cancel(c, lens).map(|(k, g)| {
                let n = g.count;
                ((k, g), n)
            })
        },
    )
}

fn read_cancel(c: WireCancel, lens: [usize; 5]) -> Result<(CancelKey, CancelGroup), String> {
    if !bucket_ok(c.bucket) {
        return Err("a cancel's time is out of range".into());
    }
    let mut attrs = [NO_ID; 4];
    for (i, a) in attrs.iter_mut().enumerate() {
        *a = get_id(c.attrs[i], lens[i])?;
    }
    let key = CancelKey {
        bucket: c.bucket,
        run: c.run.map(key_of),
        source: get_id(c.source, lens[SOURCE])?,
        attrs,
    };
    let latencies = Buckets::from_counts(&c.counts, c.min, c.max, c.sum)
        .ok_or("a cancel group's latency buckets are not HDR buckets in ascending order")?;
    let n_lat = latencies.checked_len();
    if c.count == 0
        || c.acknowledged > c.count
        || !latencies.is_consistent()
        || n_lat.is_none_or(|n| n > c.count)
    {
        return Err("a cancel group's counts do not add up".into());
    }
    let g = CancelGroup {
        count: c.count,
        acknowledged: c.acknowledged,
        latencies,
    };
    Ok((key, g))
}

//! Interning of attribute values (channel, session, backend, origin): a run
//! stores small ids instead of strings. Each partial state has its own
//! interner; merging remaps the other side's ids.

use crate::aggregate::keys::{admits, DEFAULT_MAX_KEYS, OTHER};
use crate::aggregate::Map;

/// An absent attribute (no id).
pub const NO_ID: u32 = u32::MAX;

/// How the ids of another partial's interners translate into ours, after
/// [`Remap::absorb`] has interned their strings here.
pub struct Remap(Vec<Vec<u32>>);

impl Remap {
    /// Absorb each of `other`'s tables into the same table of `mine`.
    pub fn absorb<const N: usize>(mine: &mut [Interner; N], other: &[Interner; N]) -> Remap {
        Remap((0..N).map(|i| mine[i].absorb(&other[i])).collect())
    }

    /// `id` of `other`'s table `which`, as an id of ours; [`NO_ID`] stays.
    pub fn id(&self, which: usize, id: u32) -> u32 {
        if id == NO_ID {
            NO_ID
        } else {
            self.0[which][id as usize]
        }
    }
}

/// At most `max` distinct values (then [`OTHER`], counted in `overflow`).
#[derive(Debug, Clone)]
pub struct Interner {
    ids: Map<Box<str>, u32>,
    names: Vec<Box<str>>,
    max: usize,
    pub overflow: u64,
}

impl Default for Interner {
    fn default() -> Self {
        Interner::new(DEFAULT_MAX_KEYS)
    }
}

impl Interner {
    pub fn new(max: usize) -> Interner {
        Interner {
            ids: Map::default(),
            names: Vec::new(),
            max: max.max(1),
            overflow: 0,
        }
    }

    pub fn intern(&mut self, s: &str) -> u32 {
        if self.ids.len() < self.names.len() {
            self.index();
        }
        if let Some(&id) = crate::aggregate::get(&self.ids, s) {
            return id;
        }
        if !admits(s, self.names.len(), self.ids.contains_key(OTHER), self.max) {
            self.overflow += 1;
            return self.intern(OTHER);
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct values");
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    /// Build the lookup of names to ids (left out by [`from_names`](Self::from_names)
    /// and [`sorted`](Self::sorted): a state's tables are mostly only read).
    #[cold]
    fn index(&mut self) {
        self.ids.clear();
        self.ids.reserve(self.names.len());
        for (id, n) in self.names.iter().enumerate() {
            self.ids.insert(n.clone(), id as u32);
        }
    }

    /// Distinct values (ids are `0..len`).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// The values, by id.
    pub fn names(&self) -> &[Box<str>] {
        &self.names
    }

    /// The cap this interner was made with.
    pub fn max(&self) -> usize {
        self.max
    }

    /// An interner holding `names` (ids in that order), which must be in
    /// strictly ascending order (as a state stores them); `None` when they
    /// are not, or there are more than the cap allows (plus [`OTHER`]).
    pub fn from_names(names: Vec<Box<str>>, max: usize, overflow: u64) -> Option<Interner> {
        let mut i = Interner::new(max);
        if names.len() > i.max.saturating_add(1)
            || u32::try_from(names.len()).is_err()
            || !names.windows(2).all(|w| w[0] < w[1])
        {
            return None;
        }
        i.overflow = overflow;
        i.names = names;
        Some(i)
    }

    /// The same values sorted by name (so ids compare like the names), and
    /// for each old id its new one.
    pub fn sorted(&self) -> (Interner, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
        let mut new_id = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_id[old as usize] = new as u32;
        }
        let names: Vec<Box<str>> = order
            .iter()
            .map(|&o| self.names[o as usize].clone())
            .collect();
        let sorted = Interner {
            ids: Map::default(),
            names,
            max: self.max,
            overflow: self.overflow,
        };
        (sorted, new_id)
    }

    /// For every id of `other`, the id of the same string here (interned as needed).
    pub fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        self.overflow += other.overflow;
        other.names.iter().map(|n| self.intern(n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_like_capped_maps() {
        let mut i = Interner::new(2);
        let ids: Vec<u32> = ["a", "b", "c", "a", "d"]
            .iter()
            .map(|s| i.intern(s))
            .collect();
        assert_eq!(i.name(ids[2]), OTHER);
        assert_eq!(ids[4], ids[2]);
        assert_eq!(ids[3], ids[0]);
        assert_eq!(i.overflow, 2);
        // absorbing into an empty interner keeps every named value
        let mut j = Interner::new(2);
        let remap = j.absorb(&i);
        assert_eq!(j.name(remap[0]), "a");
        assert_eq!(j.name(remap[1]), "b");
        assert_eq!(j.name(remap[2]), OTHER);
        assert_eq!(j.overflow, 2);
    }
}

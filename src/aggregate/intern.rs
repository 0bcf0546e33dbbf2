//! Interning of attribute values (channel, session, backend, origin): a run
//! stores small ids instead of strings. Each partial state has its own
//! interner; merging remaps the other side's ids.

use crate::aggregate::keys::{DEFAULT_MAX_KEYS, OTHER};
use crate::aggregate::Map;

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
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        // OTHER does not count towards the cap (see CappedMap::slot)
        let named = self.names.len() - usize::from(self.ids.contains_key(OTHER));
        if named >= self.max && s != OTHER {
            self.overflow += 1;
            return self.intern(OTHER);
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct values");
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// For every id of `other`, the id of the same string here (interned as needed).
    pub fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        self.overflow += other.overflow;
        other.names.iter().map(|n| self.intern(n)).collect()
    }
}

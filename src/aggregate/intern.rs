//! Interning of attribute values (channel, session, backend, origin): a run
//! stores small ids instead of strings. Each partial state has its own
//! interner; merging remaps the other side's ids.

use crate::aggregate::Map;

#[derive(Debug, Clone, Default)]
pub struct Interner {
    ids: Map<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
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
        other.names.iter().map(|n| self.intern(n)).collect()
    }
}

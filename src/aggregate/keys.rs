//! Bounded key spaces. Keys come from logs, so an attacker (or a bug) can
//! write millions of distinct channels, reasons or session ids. Every keyed map
//! keeps at most `max` distinct keys; further keys are counted under
//! [`OTHER`], and the number of values folded there is reported
//! (`inputs.overflowed_keys`, and a warning naming `--max-keys`).
//!
//! Below the cap nothing changes and output is deterministic. Above it, which
//! keys keep their name depends on the order the input is read in.

use crate::aggregate::Map;

/// The bucket of keys beyond the cap.
pub const OTHER: &str = "(other)";

/// Default `--max-keys`.
pub const DEFAULT_MAX_KEYS: usize = 1_000_000;

/// Whether a key not yet present may be added under its own name, given
/// `len` keys present (of which [`OTHER`] is one when `has_other`). [`OTHER`]
/// is always admitted and never counts towards `max`, so merging a table that
/// is under the cap never folds one of its named keys.
pub fn admits(key: &str, len: usize, has_other: bool, max: usize) -> bool {
    key == OTHER || len - usize::from(has_other) < max
}

#[derive(Debug, Clone)]
pub struct CappedMap<V> {
    pub map: Map<Box<str>, V>,
    pub max: usize,
    /// Values folded into [`OTHER`].
    pub overflow: u64,
}

impl<V: Default> CappedMap<V> {
    pub fn new(max: usize) -> Self {
        CappedMap {
            map: Map::default(),
            max: max.max(1),
            overflow: 0,
        }
    }

    /// `map[key]` (inserted as default), or `map[OTHER]` past the cap (see
    /// [`admits`]). Does not allocate when the key is already there.
    pub fn slot(&mut self, key: &str) -> &mut V {
        if self.map.len() < self.max {
            // under the cap every key is admitted: one lookup
            return crate::aggregate::entry(&mut self.map, key);
        }
        if !self.map.contains_key(key) {
            if admits(key, self.map.len(), self.map.contains_key(OTHER), self.max) {
                self.map.insert(key.into(), V::default());
            } else {
                self.overflow += 1;
                return self.slot(OTHER);
            }
        }
        self.map.get_mut(key).expect("present or inserted above")
    }

    /// Fold `other` in with `add`.
    pub fn merge_with(&mut self, other: CappedMap<V>, mut add: impl FnMut(&mut V, V)) {
        self.overflow += other.overflow;
        for (k, v) in other.map {
            add(self.slot(&k), v);
        }
    }
}

impl<V: Default> Default for CappedMap<V> {
    fn default() -> Self {
        CappedMap::new(DEFAULT_MAX_KEYS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_past_the_cap() {
        let mut m = CappedMap::<u64>::new(2);
        for k in ["a", "b", "c", "a", "d"] {
            *m.slot(k) += 1;
        }
        assert_eq!(m.map["a"], 2);
        assert_eq!(m.map[OTHER], 2);
        assert_eq!(m.overflow, 2);
        let mut n = CappedMap::<u64>::new(2);
        *n.slot("z") += 5;
        m.merge_with(n, |a, b| *a += b);
        assert_eq!(m.map[OTHER], 7);
        assert_eq!(m.overflow, 3);
        // merging a capped map into an empty one keeps every named key,
        // whatever order the other map iterates in
        for _ in 0..50 {
            let mut empty = CappedMap::<u64>::new(2);
            empty.merge_with(m.clone(), |a, b| *a += b);
            assert_eq!(empty.map.len(), 3);
            assert_eq!(
                (empty.map["a"], empty.map["b"], empty.map[OTHER]),
                (2, 1, 7)
            );
            assert_eq!(empty.overflow, 3);
        }
    }
}

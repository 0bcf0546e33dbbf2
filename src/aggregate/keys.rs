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

    /// `map[key]` (inserted as default), or `map[OTHER]` past the cap. Does not
    /// allocate when the key is already there (the common case).
    pub fn slot(&mut self, key: &str) -> &mut V {
        let key = if self.map.contains_key(key) {
            key
        } else if self.map.len() < self.max {
            self.map.insert(key.into(), V::default());
            key
        } else {
            self.overflow += 1;
            if !self.map.contains_key(OTHER) {
                self.map.insert(OTHER.into(), V::default());
            }
            OTHER
        };
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
    }
}

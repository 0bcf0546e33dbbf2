//! `--anonymize`: replace identifiers by a keyed hash (HMAC-SHA256 with the
//! user's salt, truncated to 64 bits, hex, prefixed so it still reads as an
//! id). The same salt gives the same pseudonym in every window, so artifacts
//! stay comparable; without the salt the raw id cannot be recovered or tested.
//!
//! Of the identifiers in the logs (session ids, run ids, senders) only session
//! ids reach an artifact (as `runs.by_session` keys and `--where session=`
//! values); run ids and senders are never written. Channel, backend, origin,
//! source, reason and rule names are not identifiers and are kept.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::aggregate::runs::UNKNOWN;
use crate::baseline::Baseline;

pub struct Anonymizer {
    mac: Hmac<Sha256>,
}

impl Anonymizer {
    pub fn new(salt: &str) -> Anonymizer {
        Anonymizer {
            mac: Hmac::<Sha256>::new_from_slice(salt.as_bytes())
                .expect("HMAC takes keys of any size"),
        }
    }

    /// `sess-` followed by 16 hex digits; `unknown` stays `unknown`.
    pub fn session(&self, id: &str) -> String {
        if id == UNKNOWN {
            return id.to_string();
        }
        let mut mac = self.mac.clone();
        mac.update(b"session\0");
        mac.update(id.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("sess-{}", hex::encode(&digest[..8]))
    }

    /// Replace every session id in the artifact.
    pub fn apply(&self, b: &mut Baseline) {
        let sessions = std::mem::take(&mut b.runs.by_session);
        for (k, v) in sessions {
            b.runs.by_session.insert(self.session(&k), v);
        }
        if let Some(w) = b.filters.get_mut("where") {
            if let Some(list) = w.get_mut("session").and_then(|s| s.as_array_mut()) {
                for v in list.iter_mut() {
                    if let Some(s) = v.as_str() {
                        *v = serde_json::Value::String(self.session(s));
                    }
                }
            }
        }
        b.filters
            .insert("anonymized".to_string(), serde_json::Value::Bool(true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_per_salt_and_keyed() {
        let a = Anonymizer::new("salt-1");
        let b = Anonymizer::new("salt-2");
        assert_eq!(a.session("s1"), a.session("s1"));
        assert_ne!(a.session("s1"), a.session("s2"));
        assert_ne!(a.session("s1"), b.session("s1"));
        assert!(a.session("s1").starts_with("sess-"));
        assert_eq!(a.session("s1").len(), 5 + 16);
        assert_eq!(a.session("unknown"), "unknown");
    }
}

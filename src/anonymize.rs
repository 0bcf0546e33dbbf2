//! `--anonymize`: replace identifiers by a keyed hash (HMAC-SHA256 with the
//! user's salt, truncated to 64 bits, hex, prefixed so it still reads as an
//! id). The same salt gives the same pseudonym in every window, so artifacts
//! stay comparable; without the salt the raw id cannot be recovered or tested.
//!
//! Of the identifiers in the logs (session ids, run ids, senders) only session
//! ids reach an artifact (as `runs.by_session` keys and `--where session=`
//! values); run ids and senders are never written. Channel, backend, origin,
//! source, reason and rule names are not identifiers and are kept. The
//! `(other)` overflow bucket of `--max-keys` is not an id and stays `(other)`.
//!
//! File paths can carry ids too (`logs/session-+15551234567.jsonl`): under
//! `--anonymize` every path auditsum would show of a log file (in
//! `inputs.malformed_samples`, `inputs.unreadable`, the Markdown and the
//! messages on stderr) becomes `file-` and 16 hex digits of the keyed hash of
//! the whole path, plus its log extension (`.jsonl.gz`): no folder, no name.
//! The same salt gives the same name, so a file can be followed across runs.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::aggregate::keys::OTHER;
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

    /// `sess-` followed by 16 hex digits; `unknown` and `(other)` stay.
    pub fn session(&self, id: &str) -> String {
        if id == UNKNOWN || id == OTHER {
            return id.to_string();
        }
        let mut mac = self.mac.clone();
        mac.update(b"session\0");
        mac.update(id.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("sess-{}", hex::encode(&digest[..8]))
    }

    /// `file-` + 16 hex digits of the keyed hash of the whole path, plus the
    /// path's log extension; `<stdin>` stays.
    pub fn file(&self, path: &str) -> String {
        if path == "<stdin>" {
            return path.to_string();
        }
        let mut mac = self.mac.clone();
        mac.update(b"file\0");
        mac.update(path.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("file-{}{}", hex::encode(&digest[..8]), log_extension(path))
    }

    /// Replace every session id and every file path in the artifact.
    pub fn apply(&self, b: &mut Baseline) {
        for s in &mut b.inputs.malformed_samples {
            s.file = self.file(&s.file);
        }
        for u in &mut b.inputs.unreadable {
            u.file = self.file(&u.file);
        }
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

/// The extension of a log name, from a fixed list (never a part of the name).
pub fn log_extension(path: &str) -> &'static str {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let (base, comp) = if let Some(b) = name.strip_suffix(".gz") {
        (b, ".gz")
    } else if let Some(b) = name.strip_suffix(".zst") {
        (b, ".zst")
    } else {
        (name, "")
    };
    let kind = if base.ends_with(".jsonl") {
        ".jsonl"
    } else if base.ends_with(".ndjson") {
        ".ndjson"
    } else if base.ends_with(".log") || base.contains(".log.") {
        ".log"
    } else {
        return "";
    };
    match (kind, comp) {
        (".jsonl", ".gz") => ".jsonl.gz",
        (".jsonl", ".zst") => ".jsonl.zst",
        (".ndjson", ".gz") => ".ndjson.gz",
        (".ndjson", ".zst") => ".ndjson.zst",
        (".log", ".gz") => ".log.gz",
        (".log", ".zst") => ".log.zst",
        (k, _) => k,
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
        assert_eq!(a.session("(other)"), "(other)");
    }

    #[test]
    fn paths_keep_no_name_and_no_folder() {
        let a = Anonymizer::new("salt-1");
        let f = a.file("logs/session-+15551234567.jsonl");
        assert!(f.starts_with("file-") && f.ends_with(".jsonl"), "{f}");
        assert!(!f.contains("1555") && !f.contains("logs"), "{f}");
        assert_eq!(f, a.file("logs/session-+15551234567.jsonl"));
        assert_ne!(f, a.file("logs/session-+15551234568.jsonl"));
        assert_ne!(
            f,
            Anonymizer::new("salt-2").file("logs/session-+15551234567.jsonl")
        );
        assert!(a.file("x/a.jsonl.gz").ends_with(".jsonl.gz"));
        assert!(a.file("x/gw.log.3").ends_with(".log"));
        assert!(a.file("x/+1555.txt").len() == 5 + 16);
        assert_eq!(a.file("<stdin>"), "<stdin>");
    }
}

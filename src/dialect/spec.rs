//! The mapping file (TOML): which keys hold which field, and which event
//! types and field values mean what. Read, checked, and compiled into a
//! [`Mapping`] the line parser walks. Every error names the line of the file.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::aggregate::Map;
use crate::time::EpochUnit;

/// Distinct key paths one mapping may read (they are slots of a stack array).
pub const MAX_PATHS: usize = 64;
/// Segments of one key path (`a.b.c` has 3).
pub const MAX_PATH_DEPTH: usize = 16;

/// The fields a dialect maps, in the order of `[fields]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Type,
    Time,
    RunId,
    Session,
    Channel,
    Backend,
    Origin,
    Source,
    Reason,
    RuleName,
    Sender,
    LatencyMs,
    Acknowledged,
    Requested,
    CandidateCount,
    DurationMs,
}

pub const NFIELDS: usize = 16;

impl Field {
    pub const ALL: [Field; NFIELDS] = [
        Field::Type,
        Field::Time,
        Field::RunId,
        Field::Session,
        Field::Channel,
        Field::Backend,
        Field::Origin,
        Field::Source,
        Field::Reason,
        Field::RuleName,
        Field::Sender,
        Field::LatencyMs,
        Field::Acknowledged,
        Field::Requested,
        Field::CandidateCount,
        Field::DurationMs,
    ];

    /// Its key in `[fields]` (and its name in `inspect`).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Type => "type",
            Field::Time => "time",
            Field::RunId => "run_id",
            Field::Session => "session",
            Field::Channel => "channel",
            Field::Backend => "backend",
            Field::Origin => "origin",
            Field::Source => "source",
            Field::Reason => "reason",
            Field::RuleName => "rule_name",
            Field::Sender => "sender",
            Field::LatencyMs => "latency_ms",
            Field::Acknowledged => "acknowledged",
            Field::Requested => "requested",
            Field::CandidateCount => "candidate_count",
            Field::DurationMs => "duration_ms",
        }
    }
}

/// What an event (or an event with a given field value) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Role {
    #[serde(rename = "run.start")]
    RunStart,
    #[serde(rename = "run.complete")]
    RunComplete,
    #[serde(rename = "run.cancelled")]
    RunCancelled,
    #[serde(rename = "run.error")]
    RunError,
    #[serde(rename = "run.cancel_requested")]
    RunCancelRequested,
    /// A cancel request record (SPEC's `run.cancel`).
    #[serde(rename = "cancel")]
    Cancel,
    #[serde(rename = "reaction.match")]
    ReactionMatch,
    #[serde(rename = "reaction.skip")]
    ReactionSkip,
    /// Counted in `event_types` only.
    #[serde(rename = "ignore")]
    Ignore,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::RunStart => "run.start",
            Role::RunComplete => "run.complete",
            Role::RunCancelled => "run.cancelled",
            Role::RunError => "run.error",
            Role::RunCancelRequested => "run.cancel_requested",
            Role::Cancel => "cancel",
            Role::ReactionMatch => "reaction.match",
            Role::ReactionSkip => "reaction.skip",
            Role::Ignore => "ignore",
        }
    }

    pub fn is_run(self) -> bool {
        matches!(
            self,
            Role::RunStart
                | Role::RunComplete
                | Role::RunCancelled
                | Role::RunError
                | Role::RunCancelRequested
        )
    }
}

/// One path or a list of paths, first present wins.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Paths {
    One(String),
    Many(Vec<String>),
}

impl Paths {
    fn list(&self) -> Vec<&str> {
        match self {
            Paths::One(p) => vec![p.as_str()],
            Paths::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    fields: Spanned<Fields>,
    #[serde(default)]
    time: Option<TimeSpec>,
    #[serde(default)]
    event: Vec<Spanned<EventSpec>>,
    #[serde(default)]
    detect: Option<Detect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields {
    #[serde(rename = "type")]
    etype: Spanned<Paths>,
    time: Option<Spanned<Paths>>,
    run_id: Option<Spanned<Paths>>,
    session: Option<Spanned<Paths>>,
    channel: Option<Spanned<Paths>>,
    backend: Option<Spanned<Paths>>,
    origin: Option<Spanned<Paths>>,
    source: Option<Spanned<Paths>>,
    reason: Option<Spanned<Paths>>,
    rule_name: Option<Spanned<Paths>>,
    sender: Option<Spanned<Paths>>,
    latency_ms: Option<Spanned<Paths>>,
    acknowledged: Option<Spanned<Paths>>,
    requested: Option<Spanned<Paths>>,
    candidate_count: Option<Spanned<Paths>>,
    duration_ms: Option<Spanned<Paths>>,
}

impl Fields {
    fn get(&self, f: Field) -> Option<&Spanned<Paths>> {
        match f {
            Field::Type => Some(&self.etype),
            Field::Time => self.time.as_ref(),
            Field::RunId => self.run_id.as_ref(),
            Field::Session => self.session.as_ref(),
            Field::Channel => self.channel.as_ref(),
            Field::Backend => self.backend.as_ref(),
            Field::Origin => self.origin.as_ref(),
            Field::Source => self.source.as_ref(),
            Field::Reason => self.reason.as_ref(),
            Field::RuleName => self.rule_name.as_ref(),
            Field::Sender => self.sender.as_ref(),
            Field::LatencyMs => self.latency_ms.as_ref(),
            Field::Acknowledged => self.acknowledged.as_ref(),
            Field::Requested => self.requested.as_ref(),
            Field::CandidateCount => self.candidate_count.as_ref(),
            Field::DurationMs => self.duration_ms.as_ref(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeSpec {
    unit: EpochUnit,
    #[serde(default = "yes")]
    floats: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventSpec {
    #[serde(rename = "type")]
    etype: Spanned<String>,
    role: Option<Role>,
    field: Option<Spanned<Paths>>,
    values: Option<Spanned<BTreeMap<String, Role>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Detect {
    types: Vec<String>,
}

/// A mapping file that cannot be used: where (line, 1-based) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SpecError {
    pub line: usize,
    pub message: String,
}

/// One node of the key-path trie: its children by key, and the slot a value
/// found here goes to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Node {
    pub children: Vec<(Box<str>, u32)>,
    pub slot: Option<u8>,
}

impl Node {
    #[inline]
    pub fn child(&self, key: &str) -> Option<u32> {
        self.children
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|&(_, n)| n)
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Rule {
    Role(Role),
    ByValue {
        slots: Vec<u8>,
        values: Map<Box<str>, Role>,
    },
}

/// A compiled mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub name: String,
    pub description: Option<String>,
    /// The trie of key paths; node 0 is the line's object.
    pub(crate) nodes: Vec<Node>,
    /// Slot -> its dotted path (for `inspect`).
    pub(crate) paths: Vec<String>,
    /// Per [`Field`]: its slots, first present wins.
    pub(crate) fields: [Vec<u8>; NFIELDS],
    pub(crate) unit: EpochUnit,
    pub(crate) floats: bool,
    pub(crate) rules: Map<Box<str>, Rule>,
    /// Event types that recognise this dialect (`--dialect auto`).
    pub detect: Vec<String>,
}

impl Mapping {
    /// Read and check a mapping file's text.
    pub fn from_toml(text: &str) -> Result<Mapping, SpecError> {
        let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
        let err = |span: Range<usize>, message: String| SpecError {
            line: line_of(span.start),
            message,
        };
        let file: File = toml::from_str(text).map_err(|e| SpecError {
            line: e.span().map_or(1, |s| line_of(s.start)),
            message: e.message().trim().replace('\n', " "),
        })?;
        let name = file.name.get_ref().trim();
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !name_ok || name == "auto" {
            return Err(err(
                file.name.span(),
                format!("name {name:?}: use 1-64 letters, digits, `-`, `_` or `.` (not `auto`)"),
            ));
        }
        let mut b = Builder::default();
        let fields = file.fields.get_ref();
        let mut slots: [Vec<u8>; NFIELDS] = Default::default();
        for f in Field::ALL {
            if let Some(p) = fields.get(f) {
                slots[f as usize] = b.paths(p, &err)?;
            }
        }
        let mut rules: Map<Box<str>, Rule> = Map::default();
        let mut needs_run_id = None;
        for ev in &file.event {
            let span = ev.span();
            let ev = ev.get_ref();
            let etype = ev.etype.get_ref();
            if etype.is_empty() {
                return Err(err(ev.etype.span(), "[[event]] type is empty".into()));
            }
            let rule = match (ev.role, &ev.field, &ev.values) {
                (Some(role), None, None) => {
                    if role.is_run() {
                        needs_run_id.get_or_insert(span.clone());
                    }
                    Rule::Role(role)
                }
                (None, Some(field), Some(values)) => {
                    if values.get_ref().is_empty() {
                        return Err(err(values.span(), format!("[[event]] {etype:?}: `values` is empty: map at least one value to a role")));
                    }
                    if values.get_ref().values().any(|r| r.is_run()) {
                        needs_run_id.get_or_insert(span.clone());
                    }
                    Rule::ByValue {
                        slots: b.paths(field, &err)?,
                        values: values
                            .get_ref()
                            .iter()
                            .map(|(k, r)| (k.as_str().into(), *r))
                            .collect(),
                    }
                }
                (None, Some(_), None) | (None, None, Some(_)) => {
                    return Err(err(span, format!("[[event]] {etype:?}: `field` and `values` go together (the field whose value picks the role, and the roles of its values)")))
                }
                _ => {
                    return Err(err(span, format!("[[event]] {etype:?}: give either `role = \"…\"` or `field` + `values`, not both or neither")))
                }
            };
            if rules.insert(etype.as_str().into(), rule).is_some() {
                return Err(err(
                    ev.etype.span(),
                    format!("[[event]] {etype:?} is mapped twice"),
                ));
            }
        }
        if let Some(span) = needs_run_id {
            if slots[Field::RunId as usize].is_empty() {
                return Err(err(
                    span,
                    "a run role needs [fields] run_id (the key holding the run id)".into(),
                ));
            }
        }
        let (unit, floats) = match &file.time {
            Some(t) => (t.unit, t.floats),
            None => (EpochUnit::Millis, true),
        };
        Ok(Mapping {
            name: name.to_string(),
            description: file.description.clone(),
            nodes: b.nodes,
            paths: b.names,
            fields: slots,
            unit,
            floats,
            rules,
            detect: file.detect.map(|d| d.types).unwrap_or_default(),
        })
    }

    /// The fields and their paths, for `inspect`: dotted path -> fields reading it.
    pub fn readers(&self) -> BTreeMap<&str, Vec<&'static str>> {
        let mut out: BTreeMap<&str, Vec<&'static str>> = BTreeMap::new();
        for f in Field::ALL {
            for &s in &self.fields[f as usize] {
                out.entry(self.paths[s as usize].as_str())
                    .or_default()
                    .push(f.as_str());
            }
        }
        out
    }

    /// The dotted key paths that hold `field`, first present wins.
    pub fn field_paths(&self, field: Field) -> impl Iterator<Item = &str> {
        self.fields[field as usize]
            .iter()
            .map(|&s| self.paths[s as usize].as_str())
    }

    /// The key paths whose value picks the role of `etype` (a rule with
    /// `field`), first present wins.
    pub fn role_paths(&self, etype: &str) -> Vec<&str> {
        match crate::aggregate::get(&self.rules, etype) {
            Some(Rule::ByValue { slots, .. }) => slots
                .iter()
                .map(|&s| self.paths[s as usize].as_str())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Number of event types with a rule.
    pub fn mapped_types(&self) -> usize {
        self.rules.len()
    }

    /// What the mapping makes of an event type: its role, or the roles its
    /// field's values pick (`None`: not mapped, counted in `event_types` only).
    pub fn describe_type(&self, etype: &str) -> Option<String> {
        match crate::aggregate::get(&self.rules, etype)? {
            Rule::Role(r) => Some(r.as_str().to_string()),
            Rule::ByValue { slots, values } => {
                let field = slots
                    .first()
                    .map_or("", |&s| self.paths[s as usize].as_str());
                // grouped by role: `by outcome: run.complete (completed), …`
                let mut by_role: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
                for (v, r) in values {
                    by_role.entry(r.as_str()).or_default().push(v);
                }
                let parts: Vec<String> = by_role
                    .into_iter()
                    .map(|(r, mut vs)| {
                        vs.sort_unstable();
                        format!("{r} ({})", vs.join("|"))
                    })
                    .collect();
                Some(format!("by {field}: {}", parts.join(", ")))
            }
        }
    }
}

#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    names: Vec<String>,
}

impl Builder {
    fn paths(
        &mut self,
        p: &Spanned<Paths>,
        err: &impl Fn(Range<usize>, String) -> SpecError,
    ) -> Result<Vec<u8>, SpecError> {
        let list = p.get_ref().list();
        if list.is_empty() {
            return Err(err(p.span(), "an empty list of keys".into()));
        }
        let mut out = Vec::with_capacity(list.len());
        for path in list {
            let segs: Vec<&str> = path.split('.').collect();
            if segs.iter().any(|s| s.is_empty()) || segs.len() > MAX_PATH_DEPTH {
                return Err(err(
                    p.span(),
                    format!("key path {path:?}: keys joined by `.`, none empty, at most {MAX_PATH_DEPTH} deep (e.g. \"data.runId\")"),
                ));
            }
            let slot = self.slot(&segs).ok_or_else(|| {
                err(
                    p.span(),
                    format!("more than {MAX_PATHS} distinct key paths in one mapping"),
                )
            })?;
            if !out.contains(&slot) {
                out.push(slot);
            }
        }
        Ok(out)
    }

    fn slot(&mut self, segs: &[&str]) -> Option<u8> {
        if self.nodes.is_empty() {
            self.nodes.push(Node::default());
        }
        let mut at = 0usize;
        for s in segs {
            at = match self.nodes[at].child(s) {
                Some(n) => n as usize,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(Node::default());
                    self.nodes[at].children.push(((*s).into(), n as u32));
                    n
                }
            };
        }
        if let Some(s) = self.nodes[at].slot {
            return Some(s);
        }
        if self.names.len() >= MAX_PATHS {
            return None;
        }
        let s = self.names.len() as u8;
        self.names.push(segs.join("."));
        self.nodes[at].slot = Some(s);
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(text: &str) -> SpecError {
        Mapping::from_toml(text).expect_err("must be rejected")
    }

    const MINI: &str = "name = \"mini\"\n[fields]\ntype = \"action\"\nrun_id = \"data.runId\"\n";

    #[test]
    fn minimal_and_paths() {
        let m = Mapping::from_toml(MINI).unwrap();
        assert_eq!(m.name, "mini");
        assert_eq!(m.paths, vec!["action", "data.runId"]);
        assert_eq!(m.nodes[0].children.len(), 2);
        assert_eq!(m.unit, EpochUnit::Millis);
    }

    #[test]
    fn errors_name_the_line() {
        let e = fails(&format!("{MINI}typo = 1\n"));
        assert_eq!(e.line, 5, "{e}");
        assert!(e.message.contains("typo"), "{e}");
        let e = fails(&format!("{MINI}[time]\nunit = \"minutes\"\n"));
        assert_eq!(e.line, 6, "{e}");
        let e = fails(&format!(
            "{MINI}\n[[event]]\ntype = \"a\"\nrole = \"run.begin\"\n"
        ));
        assert_eq!(e.line, 8, "{e}");
        let e = fails(&format!(
            "{MINI}\n[[event]]\ntype = \"a\"\nrole = \"run.start\"\nfield = \"x\"\n"
        ));
        assert_eq!(e.line, 6, "{e}");
        assert!(e.message.contains("not both"), "{e}");
        let e = fails(&format!(
            "{MINI}[[event]]\ntype = \"a\"\nrole = \"ignore\"\n[[event]]\ntype = \"a\"\nrole = \"cancel\"\n"
        ));
        assert_eq!(e.line, 9, "{e}");
        let e = fails(
            "name = \"x\"\n[fields]\ntype = \"t\"\n[[event]]\ntype = \"s\"\nrole = \"run.start\"\n",
        );
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("run_id"), "{e}");
        let e = fails("name = \"x\"\n[fields]\ntype = [\"t\", \"a..b\"]\n");
        assert_eq!(e.line, 3, "{e}");
        let e = fails("name = \"auto\"\n[fields]\ntype = \"t\"\n");
        assert_eq!(e.line, 1, "{e}");
        let e = fails("name = \"x\"\n");
        assert!(e.message.contains("fields"), "{e}");
        let e = fails(&format!(
            "{MINI}[[event]]\ntype = \"a\"\nfield = \"x\"\nvalues = {{}}\n"
        ));
        assert_eq!(e.line, 8, "{e}");
    }

    #[test]
    fn too_many_paths() {
        let keys: Vec<String> = (0..=MAX_PATHS).map(|i| format!("\"k{i}\"")).collect();
        let e = fails(&format!(
            "name = \"x\"\n[fields]\ntype = [{}]\n",
            keys.join(",")
        ));
        assert!(e.message.contains("distinct"), "{e}");
    }
}

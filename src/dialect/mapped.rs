//! The line parser of mapped dialects: serde_json walks the line once,
//! descending only along the mapping's key paths (a trie) and skipping every
//! other value; then the mapping resolves fields, time and role into the same
//! [`Event`] the default parser makes.

use std::fmt;

use bumpalo::Bump;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::spec::{Field, Mapping, Role, Rule, MAX_PATHS};
use crate::event::{amount_of, Ack, Amount, Event, Kind, Malformed, Val};
use crate::time::DateCache;

type Slots<'a> = [Val<'a>; MAX_PATHS];

/// Parses lines with one [`Mapping`].
pub struct MappedParser<'m> {
    m: &'m Mapping,
    scratch: Bump,
    dates: DateCache,
}

impl<'m> MappedParser<'m> {
    pub fn new(m: &'m Mapping) -> MappedParser<'m> {
        MappedParser {
            m,
            scratch: Bump::new(),
            dates: DateCache::default(),
        }
    }

    pub fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Event<'a>, Malformed> {
        let text = simdutf8::basic::from_utf8(line).map_err(|_| Malformed::Utf8)?;
        self.scratch.reset();
        let mut vals: Slots<'a> = [Val::Null; MAX_PATHS];
        fill(self.m, text, &mut vals, &self.scratch)?;
        resolve(self.m, &vals, &mut self.dates).ok_or(Malformed::NoType)
    }
}

/// Walk `text` into the slots; the error says why the line is malformed.
pub(crate) fn fill<'a>(
    m: &Mapping,
    text: &'a str,
    vals: &mut Slots<'a>,
    scratch: &'a Bump,
) -> Result<(), Malformed> {
    if crate::event::too_deep(text) {
        return Err(Malformed::Json);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let is_object = Root(NodeSeed {
        m,
        node: 0,
        vals,
        scratch,
    })
    .deserialize(&mut de)
    .map_err(|_| Malformed::Json)?;
    de.end().map_err(|_| Malformed::Json)?;
    if is_object {
        Ok(())
    } else {
        Err(Malformed::NotObject)
    }
}

fn first<'v, 'a>(m: &Mapping, vals: &'v Slots<'a>, f: Field) -> Option<&'v Val<'a>> {
    m.fields[f as usize]
        .iter()
        .map(|&s| &vals[s as usize])
        .find(|v| v.present())
}

fn time_of(m: &Mapping, v: &Val<'_>, dates: &mut DateCache) -> Option<i64> {
    match *v {
        Val::Int(i) => m.unit.int_to_ms(i),
        Val::Float(f) if m.floats => m.unit.float_to_ms(f),
        _ => dates.parse(v.as_str()?),
    }
}

/// The role of an event of type `etype` under `m`.
pub(crate) fn role_of(m: &Mapping, etype: &str, vals: &Slots<'_>) -> Option<Role> {
    match crate::aggregate::get(&m.rules, etype)? {
        Rule::Role(r) => Some(*r),
        Rule::ByValue { slots, values } => {
            let v = slots
                .iter()
                .map(|&s| &vals[s as usize])
                .find(|v| v.present())?
                .as_str()?;
            crate::aggregate::get(values, v).copied()
        }
    }
}

pub(crate) fn resolve<'a>(
    m: &Mapping,
    vals: &Slots<'a>,
    dates: &mut DateCache,
) -> Option<Event<'a>> {
    let s = |f: Field| first(m, vals, f).and_then(|v| v.as_str());
    let etype = s(Field::Type)?;
    let ts = first(m, vals, Field::Time).and_then(|v| time_of(m, v, dates));
    let acknowledged = match first(m, vals, Field::Acknowledged) {
        None => Ack::Absent,
        Some(Val::Bool(true)) => Ack::Yes,
        Some(Val::Bool(false)) => Ack::No,
        Some(v) => time_of(m, v, dates).map_or(Ack::No, Ack::At),
    };
    let (kind, state) = match role_of(m, etype, vals) {
        None | Some(Role::Ignore) => (Kind::Other, None),
        Some(Role::RunStart) => (Kind::RunState, Some("start")),
        Some(Role::RunComplete) => (Kind::RunState, Some("complete")),
        Some(Role::RunCancelled) => (Kind::RunState, Some("cancelled")),
        Some(Role::RunError) => (Kind::RunState, Some("error")),
        Some(Role::RunCancelRequested) => (Kind::RunState, Some("cancel_requested")),
        Some(Role::Cancel) => (Kind::Cancel, None),
        Some(Role::ReactionMatch) => (Kind::ReactionMatch, None),
        Some(Role::ReactionSkip) => (Kind::ReactionSkip, None),
    };
    let requested = first(m, vals, Field::Requested).and_then(|v| time_of(m, v, dates));
    let mut invalid = 0;
    let amount = |f: Field, a: Amount, invalid: &mut u16| amount_of(first(m, vals, f), a, invalid);
    Some(Event {
        etype,
        kind,
        ts,
        session_id: s(Field::Session),
        run_id: s(Field::RunId),
        channel: s(Field::Channel),
        backend: s(Field::Backend),
        origin: s(Field::Origin),
        state,
        source: s(Field::Source),
        reason: s(Field::Reason),
        rule_name: s(Field::RuleName),
        sender: s(Field::Sender),
        latency_ms: amount(Field::LatencyMs, Amount::LatencyMs, &mut invalid),
        acknowledged,
        requested,
        candidate_count: amount(Field::CandidateCount, Amount::CandidateCount, &mut invalid),
        duration_ms: amount(Field::DurationMs, Amount::DurationMs, &mut invalid),
        invalid,
    })
}

/// The line: `true` when it is an object (then its keys were walked).
struct Root<'r, 'de>(NodeSeed<'r, 'de>);

impl<'de> DeserializeSeed<'de> for Root<'_, 'de> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, 'de> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        self.0.walk(map)?;
        Ok(true)
    }
    crate::event::not_an_object!();
}

/// A value at trie node `node`: stored in the node's slot, and (objects)
/// walked further along the node's children.
struct NodeSeed<'r, 'de> {
    m: &'r Mapping,
    node: u32,
    vals: &'r mut Slots<'de>,
    scratch: &'de Bump,
}

impl<'de> NodeSeed<'_, 'de> {
    fn walk<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let node = &self.m.nodes[self.node as usize];
        while let Some(child) = map.next_key_seed(KeySeed(node))? {
            match child {
                Some(c) => map.next_value_seed(NodeSeed {
                    m: self.m,
                    node: c,
                    vals: &mut *self.vals,
                    scratch: self.scratch,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn put(self, v: Val<'de>) {
        if let Some(s) = self.m.nodes[self.node as usize].slot {
            self.vals[s as usize] = v;
        }
    }
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.put(Val::Str(v));
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        let v = self.scratch.alloc_str(v);
        self.put(Val::Str(v));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.put(Val::Int(v));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.put(i64::try_from(v).map(Val::Int).unwrap_or(Val::Big));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.put(Val::Float(v));
        Ok(())
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.put(Val::Bool(v));
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.put(Val::Null);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.m.nodes[self.node as usize].children.is_empty() {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            self.put(Val::Other);
            return Ok(());
        }
        let (m, node) = (self.m, self.node);
        if let Some(s) = m.nodes[node as usize].slot {
            self.vals[s as usize] = Val::Other;
        }
        self.walk(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.put(Val::Other);
        Ok(())
    }
}

/// An object key: the child of `node` it names, if any.
struct KeySeed<'n>(&'n super::spec::Node);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<u32>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<u32>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<u32>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E>(self, v: &str) -> Result<Option<u32>, E> {
        Ok(self.0.child(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GW: &str = r#"
name = "gw"
[fields]
type = ["action", "eventType"]
time = "time"
run_id = "data.runId"
session = "sessionKey"
channel = ["data.channel", "channel"]
duration_ms = "data.elapsedMs"
[time]
unit = "s"
[[event]]
type = "agent.run"
field = "data.status"
values = { begin = "run.start", done = "run.complete", killed = "run.cancelled", crash = "run.error" }
[[event]]
type = "stop"
role = "cancel"
"#;

    fn parse(m: &Mapping, line: &str) -> Result<Event<'static>, Malformed> {
        let p = Box::leak(Box::new(MappedParser::new(Box::leak(Box::new(m.clone())))));
        let line: &'static str = Box::leak(line.to_string().into_boxed_str());
        p.parse(line.as_bytes())
    }

    #[test]
    fn nested_paths_units_and_roles() {
        let m = Mapping::from_toml(GW).unwrap();
        let e = parse(
            &m,
            r#"{"action":"agent.run","time":1773216599.7494,"sessionKey":"k","data":{"runId":"r1","status":"done","elapsedMs":12.6,"channel":"slack","x":{"y":[1,{"z":2}]}},"channel":"ignored"}"#,
        )
        .unwrap();
        assert_eq!(e.etype, "agent.run");
        assert_eq!(e.kind, Kind::RunState);
        assert_eq!(e.state, Some("complete"));
        assert_eq!(e.ts, Some(1_773_216_599_749));
        assert_eq!(e.run_id, Some("r1"));
        assert_eq!(e.session_id, Some("k"));
        assert_eq!(e.channel, Some("slack"));
        assert_eq!(e.duration_ms, Some(13));
        // second spelling of the type; escapes decoded; fallback channel
        let e = parse(
            &m,
            r#"{"eventType":"st\u006fp","channel":"tg","data":"not an object"}"#,
        )
        .unwrap();
        assert_eq!(e.etype, "stop");
        assert_eq!(e.kind, Kind::Cancel);
        assert_eq!(e.channel, Some("tg"));
        assert_eq!(e.run_id, None);
        // an unmapped value is no role; an unmapped type is Other
        let e = parse(&m, r#"{"action":"agent.run","data":{"status":"paused"}}"#).unwrap();
        assert_eq!((e.kind, e.state), (Kind::Other, None));
        assert_eq!(parse(&m, r#"{"action":"x.y"}"#).unwrap().kind, Kind::Other);
    }

    #[test]
    fn malformed() {
        let m = Mapping::from_toml(GW).unwrap();
        assert_eq!(parse(&m, r#"{"type":"a"}"#), Err(Malformed::NoType));
        assert_eq!(parse(&m, r#"{"action":7}"#), Err(Malformed::NoType));
        assert_eq!(parse(&m, r#"[1]"#), Err(Malformed::NotObject));
        assert_eq!(parse(&m, r#"{"action":"a""#), Err(Malformed::Json));
        assert_eq!(parse(&m, r#"{"action":"a"} x"#), Err(Malformed::Json));
        let deep = format!("{{\"action\":\"a\",\"data\":{}", "{\"x\":".repeat(10_000));
        assert_eq!(parse(&m, &deep), Err(Malformed::Json));
        let p = Box::leak(Box::new(MappedParser::new(Box::leak(Box::new(m)))));
        assert_eq!(p.parse(b"{\"action\":\"\xff\"}"), Err(Malformed::Utf8));
    }
}

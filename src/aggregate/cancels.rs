//! Cancels: every `run.cancel` event, by source and by channel.
//!
//! A cancel without a channel of its own takes its run's, which is known only
//! once every file has been read; so cancels are kept as small records and
//! summarised at finalisation (there are few of them next to other events).

use crate::aggregate::keys::CappedMap;
use crate::aggregate::runs::{run_key, time_key, RunKey, RunsPartial, TimeKey, UNKNOWN, UNTIMED};
use crate::aggregate::stats::Samples;
use crate::event::{Ack, Event};
use crate::select::{Attr, Selection};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CancelSlice {
    pub count: u64,
    pub acknowledged: u64,
    pub latencies: Samples,
}

impl CancelSlice {
    fn add(&mut self, acknowledged: bool, latency: Option<u64>) {
        self.count += 1;
        self.acknowledged += acknowledged as u64;
        if let Some(l) = latency {
            self.latencies.push(l);
        }
    }
}

/// One `run.cancel` event, as far as the baseline needs it. Its strings
/// live in the partial state's one text buffer (no allocation per cancel).
#[derive(Debug, Clone, PartialEq)]
pub struct CancelRecord {
    source: Option<Span>,
    /// The event's own attributes, indexed by [`Attr`].
    attrs: [Option<Span>; 4],
    run: Option<RunKey>,
    /// The event's time (`UNTIMED`: none), for the time series.
    at: TimeKey,
    acknowledged: bool,
    latency: Option<u64>,
}

/// A string in [`CancelsPartial::text`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Span {
    at: usize,
    len: usize,
}

/// SPEC §2: `latency_ms` when valid, else acknowledged-time minus `requested`
/// when both are times and the result is >= 0.
pub fn latency_of(ev: &Event<'_>) -> Option<u64> {
    ev.latency_ms
        .or_else(|| match (ev.acknowledged, ev.requested) {
            (Ack::At(a), Some(r)) => a.checked_sub(r).and_then(|d| u64::try_from(d).ok()),
            _ => None,
        })
}

#[derive(Debug, Clone, Default)]
pub struct CancelsPartial {
    pub records: Vec<CancelRecord>,
    /// The records' strings, end to end.
    text: String,
}

/// The summary maps of cancels.
#[derive(Debug, Default)]
pub struct CancelSlices {
    pub total: CancelSlice,
    pub by_source: CappedMap<CancelSlice>,
    pub by_channel: CappedMap<CancelSlice>,
}

impl CancelsPartial {
    pub fn observe(&mut self, ev: &Event<'_>) {
        let mut keep = |s: Option<&str>| {
            s.map(|s| {
                let at = self.text.len();
                self.text.push_str(s);
                Span { at, len: s.len() }
            })
        };
        let source = keep(ev.source);
        let attrs = Attr::ALL.map(|a| keep(ev.attr(a)));
        self.records.push(CancelRecord {
            source,
            attrs,
            run: ev.run_id.map(run_key),
            at: time_key(ev.ts),
            acknowledged: ev.acknowledged.is_acknowledged(),
            latency: latency_of(ev),
        });
    }

    /// Add `o`'s records: the smaller side's are appended to the larger's.
    /// (Their order matters only past the key cap, where it is the reading
    /// order's anyway; see `keys`.)
    pub fn merge(&mut self, mut o: CancelsPartial) {
        if self.records.len() < o.records.len() {
            std::mem::swap(self, &mut o);
        }
        let shift = self.text.len();
        self.text.push_str(&o.text);
        let moved = |s: Option<Span>| {
            s.map(|s| Span {
                at: s.at + shift,
                ..s
            })
        };
        self.records
            .extend(o.records.into_iter().map(|r| CancelRecord {
                source: moved(r.source),
                attrs: r.attrs.map(moved),
                ..r
            }));
    }

    fn str(&self, s: Option<Span>) -> Option<&str> {
        s.map(|s| &self.text[s.at..s.at + s.len])
    }

    /// Summarise the records in scope.
    pub fn summarize(&self, runs: &RunsPartial, sel: &Selection, max_keys: usize) -> CancelSlices {
        let mut out = CancelSlices {
            total: CancelSlice::default(),
            by_source: CappedMap::new(max_keys),
            by_channel: CappedMap::new(max_keys),
        };
        self.visit(runs, sel, |c| {
            let (ack, lat) = (c.acknowledged, c.latency);
            out.total.add(ack, lat);
            out.by_source.slot(c.source).add(ack, lat);
            out.by_channel.slot(c.channel).add(ack, lat);
        });
        out
    }

    /// Every record in scope, resolved. An attribute the event does not carry
    /// is its run's (SPEC §2: "the event's own, else its run's, else unknown").
    pub fn visit(&self, runs: &RunsPartial, sel: &Selection, mut f: impl FnMut(CancelView<'_>)) {
        for rec in &self.records {
            let run = rec.run.and_then(|k| runs.resolved(k));
            let value = |a: Attr| -> Option<&str> {
                self.str(rec.attrs[a as usize])
                    .or_else(|| run.as_ref().map(|r| r.get(a)))
            };
            if !sel.matches(value) {
                continue;
            }
            f(CancelView {
                at: (rec.at != UNTIMED).then_some(rec.at),
                source: self.str(rec.source).unwrap_or(UNKNOWN),
                channel: value(Attr::Channel).unwrap_or(UNKNOWN),
                acknowledged: rec.acknowledged,
                latency: rec.latency,
            });
        }
    }
}

/// A cancel in scope, as [`CancelsPartial::visit`] shows it.
#[derive(Debug, Clone, Copy)]
pub struct CancelView<'a> {
    pub at: Option<i64>,
    pub source: &'a str,
    pub channel: &'a str,
    pub acknowledged: bool,
    pub latency: Option<u64>,
}

impl CancelSlice {
    /// Count one cancel.
    pub fn push(&mut self, c: &CancelView<'_>) {
        self.add(c.acknowledged, c.latency);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::parse_line;

    #[test]
    fn latency_rules() {
        let ev = |s: &str| latency_of(&parse_line(s.as_bytes()).unwrap());
        assert_eq!(
            ev(r#"{"type":"run.cancel","latency_ms":5,"requested":0,"acknowledged":900}"#),
            Some(5)
        );
        assert_eq!(
            ev(r#"{"type":"run.cancel","latency_ms":-5,"requested":0,"acknowledged":900}"#),
            Some(900)
        );
        assert_eq!(
            ev(r#"{"type":"run.cancel","requested":1000,"acknowledged":900}"#),
            None
        );
        assert_eq!(
            ev(r#"{"type":"run.cancel","requested":1000,"acknowledged":true}"#),
            None
        );
        assert_eq!(
            ev(r#"{"type":"run.cancel","acknowledged":"2026-02-25T06:13:42.750Z"}"#),
            None
        );
    }

    #[test]
    fn cancels_take_the_runs_attributes_when_they_lack_their_own() {
        let mut runs = RunsPartial::default();
        runs.observe(&parse_line(br#"{"type":"run.state","run_id":"r1","state":"start","channel":"discord","backend":"pi"}"#).unwrap());
        let mut p = CancelsPartial::default();
        for l in [
            r#"{"type":"run.cancel","run_id":"r1","source":"timeout","acknowledged":false}"#,
            r#"{"type":"run.cancel","run_id":"r2","latency_ms":7}"#,
            r#"{"type":"run.cancel","channel":"slack","run_id":"r1","acknowledged":true}"#,
        ] {
            p.observe(&parse_line(l.as_bytes()).unwrap());
        }
        let s = p.summarize(&runs, &Selection::default(), 100);
        assert_eq!(s.by_channel.map["discord"].count, 1);
        let unknown = s.by_channel.map["unknown"].latencies.clone();
        assert_eq!((unknown.len(), unknown.summarize(false).max), (1, Some(7)));
        assert_eq!(s.by_channel.map["slack"].acknowledged, 1);
        assert_eq!(s.by_source.map["unknown"].count, 2);
        assert_eq!(s.total.count, 3);

        let mut sel = Selection::default();
        sel.wheres.insert(Attr::Backend, vec!["pi".into()]);
        let s = p.summarize(&runs, &sel, 100);
        assert_eq!(
            s.total.count, 2,
            "both r1 cancels are on backend pi through their run"
        );
    }
}

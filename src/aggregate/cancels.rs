//! Cancels: every `run.cancel` event, by source and by channel.

use crate::aggregate::entry as slot;
use crate::aggregate::runs::{run_key, RunKey, UNKNOWN};
use crate::aggregate::Map;
use crate::event::{Ack, Event};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CancelSlice {
    pub count: u64,
    pub acknowledged: u64,
    pub latencies: Vec<u64>,
}

impl CancelSlice {
    fn add(&mut self, acknowledged: bool, latency: Option<u64>) {
        self.count += 1;
        self.acknowledged += acknowledged as u64;
        self.latencies.extend(latency);
    }

    pub fn merge(&mut self, o: CancelSlice) {
        self.count += o.count;
        self.acknowledged += o.acknowledged;
        self.latencies.extend(o.latencies);
    }
}

pub fn merge_map(into: &mut Map<Box<str>, CancelSlice>, from: Map<Box<str>, CancelSlice>) {
    for (k, v) in from {
        into.entry(k).or_default().merge(v);
    }
}

#[derive(Debug, Clone, Default)]
pub struct CancelsPartial {
    pub total: CancelSlice,
    pub by_source: Map<Box<str>, CancelSlice>,
    pub by_channel: Map<Box<str>, CancelSlice>,
    /// Cancels without a channel of their own, by run id: their channel is the
    /// run's, known only once every file has been read.
    pub pending: Map<RunKey, CancelSlice>,
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

impl CancelsPartial {
    pub fn observe(&mut self, ev: &Event<'_>) {
        let ack = ev.acknowledged.is_acknowledged();
        let latency = latency_of(ev);
        self.total.add(ack, latency);
        slot(&mut self.by_source, ev.source.as_deref().unwrap_or(UNKNOWN)).add(ack, latency);
        let by_channel = match (ev.channel.as_deref(), ev.run_id.as_deref()) {
            (Some(ch), _) => slot(&mut self.by_channel, ch),
            (None, Some(run)) => self.pending.entry(run_key(run)).or_default(),
            (None, None) => slot(&mut self.by_channel, UNKNOWN),
        };
        by_channel.add(ack, latency);
    }

    pub fn merge(&mut self, o: CancelsPartial) {
        self.total.merge(o.total);
        merge_map(&mut self.by_source, o.by_source);
        merge_map(&mut self.by_channel, o.by_channel);
        for (k, v) in o.pending {
            self.pending.entry(k).or_default().merge(v);
        }
    }

    /// Attribute pending cancels to their run's channel (or `unknown`).
    pub fn settle<'r>(&mut self, channel_of_run: impl Fn(RunKey) -> Option<&'r str>) {
        for (run, slice) in std::mem::take(&mut self.pending) {
            let ch = channel_of_run(run).unwrap_or(UNKNOWN);
            slot(&mut self.by_channel, ch).merge(slice);
        }
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
    fn pending_cancels_take_the_runs_channel() {
        let mut p = CancelsPartial::default();
        for l in [
            r#"{"type":"run.cancel","run_id":"r1","source":"timeout","acknowledged":false}"#,
            r#"{"type":"run.cancel","run_id":"r2","latency_ms":7}"#,
            r#"{"type":"run.cancel","channel":"slack","run_id":"r1","acknowledged":true}"#,
        ] {
            p.observe(&parse_line(l.as_bytes()).unwrap());
        }
        p.settle(|r| (r == run_key("r1")).then_some("discord"));
        assert_eq!(p.by_channel["discord"].count, 1);
        assert_eq!(p.by_channel["unknown"].latencies, vec![7]);
        assert_eq!(p.by_channel["slack"].acknowledged, 1);
        assert_eq!(p.by_source["unknown"].count, 2);
        assert_eq!(p.total.count, 3);
        assert!(p.pending.is_empty());
    }
}

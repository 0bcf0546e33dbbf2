//! Runs, from `run.state` events that carry a `run_id` and a known state.

use crate::aggregate::Map;
use crate::event::Event;

/// Ordering key of an event's time: timed events in time order, then every
/// untimed event (SPEC §1: "it sorts after every timed event").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeKey {
    untimed: bool,
    ms: i64,
}

impl TimeKey {
    pub fn new(ts: Option<i64>) -> TimeKey {
        match ts {
            Some(ms) => TimeKey { untimed: false, ms },
            None => TimeKey {
                untimed: true,
                ms: 0,
            },
        }
    }
    pub fn ms(self) -> Option<i64> {
        (!self.untimed).then_some(self.ms)
    }
}

/// Terminal states, declared in the order of their state names
/// (`cancelled` < `complete` < `error`), which breaks ties between terminals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Terminal {
    Cancelled,
    Complete,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Start,
    CancelRequested,
    Terminal(Terminal),
}

/// Every spelling of SPEC §1 "run.state state synonyms"; `None` for the rest.
pub fn classify_state(s: &str) -> Option<State> {
    Some(match s {
        "start" | "started" => State::Start,
        "cancel_requested" => State::CancelRequested,
        "complete" | "completed" => State::Terminal(Terminal::Complete),
        "cancelled" | "canceled" | "aborted" => State::Terminal(Terminal::Cancelled),
        "error" | "failed" => State::Terminal(Terminal::Error),
        _ => return None,
    })
}

/// An attribute value and the time of the earliest event that carried it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Attr {
    key: TimeKey,
    value: Box<str>,
}

fn offer(slot: &mut Option<Attr>, key: TimeKey, value: Option<&str>) {
    let Some(value) = value else { return };
    let better = match slot {
        None => true,
        Some(a) => (key, value) < (a.key, &*a.value),
    };
    if better {
        *slot = Some(Attr {
            key,
            value: value.into(),
        });
    }
}

fn merge_attr(slot: &mut Option<Attr>, other: Option<Attr>) {
    if let Some(o) = other {
        if slot.as_ref().is_none_or(|a| o < *a) {
            *slot = Some(o);
        }
    }
}

fn merge_min<T: Ord>(slot: &mut Option<T>, other: Option<T>) {
    if let Some(o) = other {
        if slot.as_ref().is_none_or(|s| o < *s) {
            *slot = Some(o);
        }
    }
}

/// What is known of one run so far. Every field merges by `min`, so partial
/// states combine exactly in any order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunPartial {
    pub first: Option<TimeKey>,
    pub start: Option<TimeKey>,
    pub terminal: Option<(TimeKey, Terminal)>,
    pub cancel_requested: bool,
    pub channel: Option<Attr>,
    pub session: Option<Attr>,
    pub backend: Option<Attr>,
    pub origin: Option<Attr>,
}

impl RunPartial {
    fn observe(&mut self, key: TimeKey, state: State, ev: &Event<'_>) {
        merge_min(&mut self.first, Some(key));
        match state {
            State::Start => merge_min(&mut self.start, Some(key)),
            State::CancelRequested => self.cancel_requested = true,
            State::Terminal(t) => merge_min(&mut self.terminal, Some((key, t))),
        }
        offer(&mut self.channel, key, ev.channel.as_deref());
        offer(&mut self.session, key, ev.session_id.as_deref());
        offer(&mut self.backend, key, ev.backend.as_deref());
        offer(&mut self.origin, key, ev.origin.as_deref());
    }

    fn merge(&mut self, o: RunPartial) {
        merge_min(&mut self.first, o.first);
        merge_min(&mut self.start, o.start);
        merge_min(&mut self.terminal, o.terminal);
        self.cancel_requested |= o.cancel_requested;
        merge_attr(&mut self.channel, o.channel);
        merge_attr(&mut self.session, o.session);
        merge_attr(&mut self.backend, o.backend);
        merge_attr(&mut self.origin, o.origin);
    }

    pub fn channel(&self) -> Option<&str> {
        self.channel.as_ref().map(|a| &*a.value)
    }

    /// The run as it is reported.
    pub fn resolve(&self) -> ResolvedRun<'_> {
        let channel = self.channel().unwrap_or(UNKNOWN);
        let origin = match &self.origin {
            Some(a) => &*a.value,
            None if channel == "gateway" => "gateway",
            None if self.channel.is_some() => "channel",
            None => UNKNOWN,
        };
        let duration = match (self.start.and_then(TimeKey::ms), self.terminal) {
            (Some(s), Some((t, _))) => t.ms().and_then(|t| t.checked_sub(s)),
            _ => None,
        }
        .and_then(|d| u64::try_from(d).ok());
        ResolvedRun {
            channel,
            session: self.session.as_ref().map_or(UNKNOWN, |a| &*a.value),
            backend: self.backend.as_ref().map_or(UNKNOWN, |a| &*a.value),
            origin,
            outcome: self.terminal.map(|(_, t)| t),
            cancel_requested: self.cancel_requested,
            duration_ms: duration,
        }
    }
}

pub const UNKNOWN: &str = "unknown";

pub struct ResolvedRun<'a> {
    pub channel: &'a str,
    pub session: &'a str,
    pub backend: &'a str,
    pub origin: &'a str,
    /// `None`: open.
    pub outcome: Option<Terminal>,
    pub cancel_requested: bool,
    pub duration_ms: Option<u64>,
}

#[derive(Debug, Clone, Default)]
pub struct RunsPartial {
    pub map: Map<Box<str>, RunPartial>,
}

impl RunsPartial {
    /// Record a `run.state` event; ignored without a run id or a known state.
    pub fn observe(&mut self, ev: &Event<'_>) {
        let (Some(run_id), Some(state)) = (
            ev.run_id.as_deref(),
            ev.state.as_deref().and_then(classify_state),
        ) else {
            return;
        };
        let key = TimeKey::new(ev.ts);
        match self.map.get_mut(run_id) {
            Some(r) => r.observe(key, state, ev),
            None => {
                let mut r = RunPartial::default();
                r.observe(key, state, ev);
                self.map.insert(run_id.into(), r);
            }
        }
    }

    pub fn merge(&mut self, other: RunsPartial) {
        if self.map.len() < other.map.len() {
            let mine = std::mem::replace(&mut self.map, other.map);
            return self.merge(RunsPartial { map: mine });
        }
        for (k, v) in other.map {
            match self.map.get_mut(&k) {
                Some(r) => r.merge(v),
                None => {
                    self.map.insert(k, v);
                }
            }
        }
    }
}

/// Counts of one slice of runs, accumulated at finalisation.
#[derive(Debug, Clone, Default)]
pub struct RunSlice {
    pub runs: u64,
    pub completed: u64,
    pub cancelled: u64,
    pub errored: u64,
    pub open: u64,
    pub cancel_requested: u64,
    pub durations: Vec<u64>,
}

impl RunSlice {
    pub fn add(&mut self, r: &ResolvedRun<'_>) {
        self.runs += 1;
        match r.outcome {
            None => self.open += 1,
            Some(Terminal::Complete) => self.completed += 1,
            Some(Terminal::Cancelled) => self.cancelled += 1,
            Some(Terminal::Error) => self.errored += 1,
        }
        self.cancel_requested += r.cancel_requested as u64;
        if let Some(d) = r.duration_ms {
            self.durations.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::parse_line;

    fn feed(lines: &[&str]) -> RunsPartial {
        let mut p = RunsPartial::default();
        for l in lines {
            p.observe(&parse_line(l.as_bytes()).unwrap());
        }
        p
    }

    #[test]
    fn attribution_outcome_duration() {
        let p = feed(&[
            r#"{"type":"run.state","run_id":"r","state":"complete","ts":3000,"channel":"late"}"#,
            r#"{"type":"run.state","run_id":"r","state":"start","ts":1000,"channel":"slack","backend":"pi"}"#,
            r#"{"type":"run.state","run_id":"r","state":"error","ts":3000}"#,
            r#"{"type":"run.state","run_id":"r","state":"paused","ts":0,"channel":"ignored"}"#,
            r#"{"type":"run.state","run_id":"r","state":"cancel_requested","session_id":"s"}"#,
        ]);
        let r = p.map["r"].resolve();
        assert_eq!(r.channel, "slack");
        assert_eq!(r.backend, "pi");
        assert_eq!(r.session, "s");
        assert_eq!(r.origin, "channel");
        // tie at 3000 between complete and error: `complete` < `error`
        assert_eq!(r.outcome, Some(Terminal::Complete));
        assert_eq!(r.duration_ms, Some(2000));
        assert!(r.cancel_requested);
    }

    #[test]
    fn ties_take_the_smaller_value_and_origin_defaults() {
        let p = feed(&[
            r#"{"type":"run.state","run_id":"r","state":"start","ts":5,"channel":"zeta"}"#,
            r#"{"type":"run.state","run_id":"r","state":"start","ts":5,"channel":"gateway"}"#,
            r#"{"type":"run.state","run_id":"u","state":"failed"}"#,
        ]);
        let r = p.map["r"].resolve();
        assert_eq!(
            (r.channel, r.origin, r.outcome),
            ("gateway", "gateway", None)
        );
        let u = p.map["u"].resolve();
        assert_eq!(
            (u.channel, u.origin, u.backend),
            ("unknown", "unknown", "unknown")
        );
        assert_eq!(u.duration_ms, None);
    }

    #[test]
    fn negative_duration_and_untimed_are_not_durations() {
        let p = feed(&[
            r#"{"type":"run.state","run_id":"a","state":"start","ts":5000}"#,
            r#"{"type":"run.state","run_id":"a","state":"complete","ts":4000}"#,
            r#"{"type":"run.state","run_id":"b","state":"start","ts":5000}"#,
            r#"{"type":"run.state","run_id":"b","state":"complete"}"#,
        ]);
        assert_eq!(p.map["a"].resolve().duration_ms, None);
        assert_eq!(p.map["b"].resolve().duration_ms, None);
        assert_eq!(p.map["b"].resolve().outcome, Some(Terminal::Complete));
    }

    #[test]
    fn merge_equals_sequential() {
        let lines = [
            r#"{"type":"run.state","run_id":"r","state":"start","ts":10,"channel":"b"}"#,
            r#"{"type":"run.state","run_id":"r","state":"canceled","ts":20,"channel":"a"}"#,
            r#"{"type":"run.state","run_id":"r","state":"start","ts":10,"channel":"a"}"#,
        ];
        let whole = feed(&lines);
        let mut left = feed(&lines[2..]);
        left.merge(feed(&lines[..2]));
        assert_eq!(whole.map, left.map);
    }
}

//! Reactions: `reaction.match` and `reaction.skip` decisions.

use crate::aggregate::keys::CappedMap;
use crate::aggregate::runs::UNKNOWN;
use crate::event::Event;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchSkip {
    pub matched: u64,
    pub skipped: u64,
}

#[derive(Debug, Clone, Default)]
pub struct ReactionsPartial {
    pub total: MatchSkip,
    pub candidate_count_sum: u128,
    pub by_channel: CappedMap<MatchSkip>,
    pub by_rule: CappedMap<u64>,
    pub skip_reasons: CappedMap<u64>,
}

impl ReactionsPartial {
    pub fn new(max_keys: usize) -> ReactionsPartial {
        ReactionsPartial {
            by_channel: CappedMap::new(max_keys),
            by_rule: CappedMap::new(max_keys),
            skip_reasons: CappedMap::new(max_keys),
            ..ReactionsPartial::default()
        }
    }

    pub fn overflow(&self) -> u64 {
        self.by_channel.overflow + self.by_rule.overflow + self.skip_reasons.overflow
    }

    pub fn observe_match(&mut self, ev: &Event<'_>) {
        self.total.matched += 1;
        self.by_channel.slot(ev.channel.unwrap_or(UNKNOWN)).matched += 1;
        *self.by_rule.slot(ev.rule_name.unwrap_or(UNKNOWN)) += 1;
    }

    pub fn observe_skip(&mut self, ev: &Event<'_>) {
        self.total.skipped += 1;
        self.candidate_count_sum += ev.candidate_count.unwrap_or(0) as u128;
        self.by_channel.slot(ev.channel.unwrap_or(UNKNOWN)).skipped += 1;
        *self.skip_reasons.slot(ev.reason.unwrap_or(UNKNOWN)) += 1;
    }

    pub fn merge(&mut self, o: ReactionsPartial) {
        self.total.matched += o.total.matched;
        self.total.skipped += o.total.skipped;
        self.candidate_count_sum += o.candidate_count_sum;
        self.by_channel.merge_with(o.by_channel, |a, b| {
            a.matched += b.matched;
            a.skipped += b.skipped;
        });
        self.by_rule.merge_with(o.by_rule, |a, b| *a += b);
        self.skip_reasons.merge_with(o.skip_reasons, |a, b| *a += b);
    }
}

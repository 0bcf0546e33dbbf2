//! Reactions: `reaction.match` and `reaction.skip` decisions.

use crate::aggregate::entry as bump;
use crate::aggregate::runs::UNKNOWN;
use crate::aggregate::Map;
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
    pub by_channel: Map<Box<str>, MatchSkip>,
    pub by_rule: Map<Box<str>, u64>,
    pub skip_reasons: Map<Box<str>, u64>,
}

impl ReactionsPartial {
    pub fn observe_match(&mut self, ev: &Event<'_>) {
        self.total.matched += 1;
        bump(
            &mut self.by_channel,
            ev.channel.as_deref().unwrap_or(UNKNOWN),
        )
        .matched += 1;
        *bump(
            &mut self.by_rule,
            ev.rule_name.as_deref().unwrap_or(UNKNOWN),
        ) += 1;
    }

    pub fn observe_skip(&mut self, ev: &Event<'_>) {
        self.total.skipped += 1;
        self.candidate_count_sum += ev.candidate_count.unwrap_or(0) as u128;
        bump(
            &mut self.by_channel,
            ev.channel.as_deref().unwrap_or(UNKNOWN),
        )
        .skipped += 1;
        *bump(
            &mut self.skip_reasons,
            ev.reason.as_deref().unwrap_or(UNKNOWN),
        ) += 1;
    }

    pub fn merge(&mut self, o: ReactionsPartial) {
        self.total.matched += o.total.matched;
        self.total.skipped += o.total.skipped;
        self.candidate_count_sum += o.candidate_count_sum;
        for (k, v) in o.by_channel {
            let s = self.by_channel.entry(k).or_default();
            s.matched += v.matched;
            s.skipped += v.skipped;
        }
        for (k, v) in o.by_rule {
            *self.by_rule.entry(k).or_default() += v;
        }
        for (k, v) in o.skip_reasons {
            *self.skip_reasons.entry(k).or_default() += v;
        }
    }
}

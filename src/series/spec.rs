//! The bucket size: `--bucket DURATION` or `--bucket auto`, and its label.

/// What `--bucket` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketSpec {
    /// A fixed size in milliseconds (a whole number of seconds, >= 1 s).
    Fixed(i64),
    /// Chosen at the end from the window's span (see [`auto_size`]).
    Auto,
}

/// The step events are counted at while reading with `auto`: every size
/// [`auto_size`] can choose is a multiple of it.
pub const AUTO_STEP_MS: i64 = 60_000;

/// Most buckets `auto` aims for over the window.
pub const AUTO_MAX_BUCKETS: i64 = 60;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The sizes `auto` chooses from, smallest first.
const LADDER: [i64; 12] = [
    MINUTE,
    5 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    7 * DAY,
    30 * DAY,
    365 * DAY,
];

impl BucketSpec {
    /// `auto`, or a duration (`90s`, `15m`, `1h`, `1d`, `1w`).
    pub fn parse(s: &str) -> Result<BucketSpec, String> {
        if s == "auto" {
            return Ok(BucketSpec::Auto);
        }
        match crate::select::parse_duration_ms(s) {
            Some(ms) if ms >= 1_000 && ms % 1_000 == 0 => Ok(BucketSpec::Fixed(ms)),
            Some(_) => Err(format!(
                "{s}: a bucket is a whole number of seconds, at least 1s (e.g. 1h, 1d)"
            )),
            None => Err(format!(
                "{s}: not a duration; use auto or e.g. 15m, 1h, 1d, 1w"
            )),
        }
    }

    /// The step counts are kept at while reading.
    pub fn step_ms(self) -> i64 {
        match self {
            BucketSpec::Fixed(ms) => ms.max(1),
            BucketSpec::Auto => AUTO_STEP_MS,
        }
    }

    /// The final size, given the first and last timed event in scope.
    pub fn size_ms(self, window: Option<(i64, i64)>) -> i64 {
        match self {
            BucketSpec::Fixed(ms) => ms.max(1),
            BucketSpec::Auto => auto_size(window),
        }
    }
}

/// The smallest size of the ladder (1m … 1d, 1w, 30d, 365d) that covers
/// the window in at most [`AUTO_MAX_BUCKETS`] buckets; 1h with no timed data.
pub fn auto_size(window: Option<(i64, i64)>) -> i64 {
    let Some((first, last)) = window else {
        return HOUR;
    };
    let buckets = |size: i64| last.div_euclid(size) - first.div_euclid(size) + 1;
    LADDER
        .into_iter()
        .find(|&s| buckets(s) <= AUTO_MAX_BUCKETS)
        .unwrap_or(LADDER[LADDER.len() - 1])
}

/// The shortest spelling of a size: `1d`, `6h`, `15m`, `90s`.
pub fn label(ms: i64) -> String {
    for (unit, n) in [
        ("w", 7 * DAY),
        ("d", DAY),
        ("h", HOUR),
        ("m", MINUTE),
        ("s", 1_000),
    ] {
        if ms % n == 0 {
            return format!("{}{unit}", ms / n);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_label() {
        assert_eq!(BucketSpec::parse("auto"), Ok(BucketSpec::Auto));
        assert_eq!(BucketSpec::parse("1d"), Ok(BucketSpec::Fixed(DAY)));
        assert_eq!(BucketSpec::parse("90s"), Ok(BucketSpec::Fixed(90_000)));
        assert!(BucketSpec::parse("500ms").is_err());
        assert!(BucketSpec::parse("0s").is_err());
        assert!(BucketSpec::parse("daily").is_err());
        assert_eq!(label(DAY), "1d");
        assert_eq!(label(14 * DAY), "2w");
        assert_eq!(label(90_000), "90s");
        assert_eq!(label(6 * HOUR), "6h");
    }

    #[test]
    fn auto_covers_the_window_in_few_buckets() {
        assert_eq!(auto_size(None), HOUR);
        assert_eq!(auto_size(Some((0, 10 * MINUTE))), MINUTE);
        assert_eq!(auto_size(Some((0, 3 * DAY))), 3 * HOUR);
        assert_eq!(auto_size(Some((0, 40 * DAY))), DAY);
        assert_eq!(auto_size(Some((-1, i64::MAX / 2))), 365 * DAY);
        for s in LADDER {
            assert_eq!(s % AUTO_STEP_MS, 0);
        }
    }
}

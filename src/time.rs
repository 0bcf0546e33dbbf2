//! Timestamps: RFC 3339 strings or integer epoch milliseconds, normalised to
//! UTC milliseconds.
//!
//! The RFC 3339 parser is hand-written because it sits on the hot path (one call
//! per event); it is checked against `chrono` in the tests below.

/// Parse an RFC 3339 timestamp (`Z`/`z` or a `±HH:MM` offset, optional
/// fractional seconds, `T`/`t`/space separator) into UTC milliseconds since the
/// Unix epoch. Sub-millisecond digits are truncated. Returns `None` for anything
/// that is not a valid date-time (including second 60).
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    DateCache::default().parse(s)
}

/// [`parse_rfc3339_ms`] for a stream of timestamps: remembers the last date
/// (`YYYY-MM-DD`) it checked and converted, as neighbouring log lines nearly
/// always share it.
#[derive(Debug, Clone, Default)]
pub struct DateCache {
    last: Option<([u8; 10], i64)>,
}

impl DateCache {
    pub fn parse(&mut self, s: &str) -> Option<i64> {
        let b = s.as_bytes();
        if b.len() < 20 {
            return None;
        }
        let date: [u8; 10] = b[..10].try_into().expect("checked length");
        let days = match self.last {
            Some((d, days)) if d == date => days,
            _ => {
                let days = days_of_date(&date)?;
                self.last = Some((date, days));
                days
            }
        };
        Some(days * 86_400_000 + time_of_day_ms(b)?)
    }
}

/// Days since 1970-01-01 of a valid `YYYY-MM-DD`.
fn days_of_date(b: &[u8; 10]) -> Option<i64> {
    let year = digits(b, 0, 4)? as i64;
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Milliseconds into the (UTC) day of `…THH:MM:SS[.fff][Z|±HH:MM]` (`b` is
/// the whole timestamp, at least 20 bytes); may be negative or past one day
/// by the offset.
fn time_of_day_ms(b: &[u8]) -> Option<i64> {
    if !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut i = 19;
    let mut millis: i64 = 0;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 3 {
                millis = millis * 10 + (b[i] - b'0') as i64;
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return None;
        }
        for _ in n..3 {
            millis *= 10;
        }
    }
    let offset_min: i64 = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let oh = digits(b, i + 1, 2)? as i64;
            let om = digits(b, i + 4, 2)? as i64;
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if *sign == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    let secs = hour as i64 * 3600 + minute as i64 * 60 + second as i64 - offset_min * 60;
    Some(secs * 1000 + millis)
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let mut v = 0u32;
    for &c in b.get(at..at + n)? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// What a number of a dialect's time field counts since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub enum EpochUnit {
    #[serde(rename = "s")]
    Seconds,
    #[serde(rename = "ms")]
    Millis,
    #[serde(rename = "us")]
    Micros,
    #[serde(rename = "ns")]
    Nanos,
}

impl EpochUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            EpochUnit::Seconds => "s",
            EpochUnit::Millis => "ms",
            EpochUnit::Micros => "us",
            EpochUnit::Nanos => "ns",
        }
    }

    /// An integer count of this unit as UTC ms (sub-ms digits truncated
    /// towards the past); `None` when it does not fit.
    pub fn int_to_ms(self, v: i64) -> Option<i64> {
        match self {
            EpochUnit::Seconds => v.checked_mul(1000),
            EpochUnit::Millis => Some(v),
            EpochUnit::Micros => Some(v.div_euclid(1000)),
            EpochUnit::Nanos => Some(v.div_euclid(1_000_000)),
        }
    }

    /// A fractional count of this unit as UTC ms, rounded to the nearest ms;
    /// `None` when not finite or out of the `i64` range.
    pub fn float_to_ms(self, v: f64) -> Option<i64> {
        let ms = match self {
            EpochUnit::Seconds => v * 1e3,
            EpochUnit::Millis => v,
            EpochUnit::Micros => v / 1e3,
            EpochUnit::Nanos => v / 1e6,
        }
        .round();
        // ±2^63 are exactly representable; `as` would saturate silently
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        (ms.is_finite() && (-LIMIT..LIMIT).contains(&ms)).then_some(ms as i64)
    }
}

/// The clock, in UTC milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Format UTC milliseconds as RFC 3339 with millisecond precision and `Z`.
pub fn format_ms(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn epoch_units() {
        use EpochUnit::*;
        assert_eq!(Seconds.int_to_ms(1_773_216_599), Some(1_773_216_599_000));
        assert_eq!(Seconds.int_to_ms(i64::MAX), None);
        assert_eq!(
            Micros.int_to_ms(1_773_216_599_749_999),
            Some(1_773_216_599_749)
        );
        assert_eq!(Micros.int_to_ms(-1), Some(-1));
        assert_eq!(
            Nanos.int_to_ms(1_773_216_599_749_000_001),
            Some(1_773_216_599_749)
        );
        assert_eq!(
            Seconds.float_to_ms(1_773_216_599.749),
            Some(1_773_216_599_749)
        );
        assert_eq!(Millis.float_to_ms(1.5), Some(2));
        assert_eq!(Seconds.float_to_ms(1e300), None);
        assert_eq!(Seconds.float_to_ms(f64::NAN), None);
        assert_eq!(Nanos.float_to_ms(1.7732165997e18), Some(1_773_216_599_700));
    }

    #[test]
    fn spellings() {
        let z = parse_rfc3339_ms("2026-02-25T06:13:42.334Z").unwrap();
        assert_eq!(format_ms(z), "2026-02-25T06:13:42.334Z");
        assert_eq!(
            parse_rfc3339_ms("2026-02-25T08:13:42.404+02:00").unwrap(),
            parse_rfc3339_ms("2026-02-25T06:13:42.404Z").unwrap()
        );
        assert_eq!(
            parse_rfc3339_ms("2026-02-25T06:13:44.5Z").unwrap() % 1000,
            500
        );
        assert_eq!(parse_rfc3339_ms("2026-02-25T06:13:43Z").unwrap() % 1000, 0);
        assert_eq!(
            parse_rfc3339_ms("2026-02-25t06:13:43.123456789z").unwrap() % 1000,
            123
        );
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_ms("1969-12-31T23:59:59.999Z"), Some(-1));
        assert_eq!(
            parse_rfc3339_ms("2026-02-25T00:30:00-01:30").unwrap(),
            parse_rfc3339_ms("2026-02-25T02:00:00Z").unwrap()
        );
    }

    #[test]
    fn rejects() {
        for s in [
            "",
            "2026-02-25",
            "2026-02-25T06:13:42",
            "2026-02-30T06:13:42Z",
            "2025-02-29T06:13:42Z",
            "2026-13-01T06:13:42Z",
            "2026-02-25T24:00:00Z",
            "2026-02-25T06:60:00Z",
            "2026-02-25T06:13:60Z",
            "2026-02-25T06:13:42.Z",
            "2026-02-25T06:13:42+0200",
            "2026-02-25T06:13:42+24:00",
            "2026-02-25T06:13:42ZZ",
            "2026-02-25X06:13:42Z",
            "٢٠٢٦-02-25T06:13:42Z",
        ] {
            assert_eq!(parse_rfc3339_ms(s), None, "{s}");
        }
        assert!(parse_rfc3339_ms("2024-02-29T06:13:42Z").is_some());
    }

    proptest! {
        #[test]
        fn agrees_with_chrono(ms in -62_135_596_800_000i64..253_402_300_799_000i64,
                              off in -1439i32..=1439, frac in 0usize..=9) {
            use chrono::{DateTime, FixedOffset, SecondsFormat};
            let dt = DateTime::from_timestamp_millis(ms).unwrap()
                .with_timezone(&FixedOffset::east_opt(off * 60).unwrap());
            let s = match frac {
                0 => dt.to_rfc3339_opts(SecondsFormat::Secs, true),
                1..=3 => dt.to_rfc3339_opts(SecondsFormat::Millis, true),
                4..=6 => dt.to_rfc3339_opts(SecondsFormat::Micros, true),
                _ => dt.to_rfc3339_opts(SecondsFormat::Nanos, true),
            };
            let expect = DateTime::parse_from_rfc3339(&s).unwrap().timestamp_millis();
            prop_assert_eq!(parse_rfc3339_ms(&s), Some(expect), "{}", s);
        }

        /// The date cache never changes an answer, whatever came before.
        #[test]
        fn cache_is_transparent(stamps in prop::collection::vec(
            prop_oneof![
                Just("2026-02-25T06:13:42.334Z".to_string()),
                Just("2026-02-25T23:59:59.999-01:00".to_string()),
                Just("2026-02-30T06:13:42Z".to_string()),
                Just("2026-02-25X06:13:42Z".to_string()),
                "20[0-9]{2}-0[1-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,4})?(Z|[+-]0[0-9]:[0-5][0-9])",
            ], 1..40)) {
            let mut cache = DateCache::default();
            for s in &stamps {
                prop_assert_eq!(cache.parse(s), parse_rfc3339_ms(s), "{}", s);
            }
        }
    }
}

//! Times as text: RFC 3339 date-times (S3's `LastModified`, signed URLs' expiry, record dates)
//! and plain dates, read and written by hand on the proleptic Gregorian calendar.
//!
//! A general date library's parsers and format descriptions cost the component about 40 KB;
//! these few fixed forms need a page. Pure functions only.

use std::time::SystemTime;

/// An instant as seconds and nanoseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Instant {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before).
    pub(crate) seconds: i64,
    /// Nanoseconds past `seconds` (0..1e9).
    pub(crate) nanos: u32,
}

impl Instant {
    /// Milliseconds since the Unix epoch.
    pub(crate) fn unix_millis(self) -> i64 {
        self.seconds * 1000 + i64::from(self.nanos / 1_000_000)
    }
}

/// `time` as RFC 3339 in UTC to the second, e.g. `2024-05-01T12:00:00Z`; empty outside years
/// 0–9999.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let seconds = match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            let before = before.duration();
            // A time just before a whole second belongs to the second before it.
            let whole = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            -whole - i64::from(before.subsec_nanos() > 0)
        }
    };
    format_rfc3339(Instant { seconds, nanos: 0 }).unwrap_or_default()
}

/// `instant` as RFC 3339 in UTC, with the fraction of a second when there is one (trailing
/// zeros dropped); `None` outside years 0–9999.
pub(crate) fn format_rfc3339(instant: Instant) -> Option<String> {
    let days = instant.seconds.div_euclid(86_400);
    let of_day = instant.seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut text =
        format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}", of_day / 3600, of_day % 3600 / 60, of_day % 60);
    if instant.nanos > 0 {
        let fraction = format!("{:09}", instant.nanos);
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push('Z');
    Some(text)
}

/// An RFC 3339 date-time (`2024-05-01T12:00:00.5+02:00`; `T` and `Z` in either case, or a
/// space for the `T` as RFC 3339 permits; a leap
/// second reads as the last nanosecond before the next minute; digits of a fraction past the
/// ninth are dropped).
pub(crate) fn parse_rfc3339(text: &str) -> Option<Instant> {
    let mut cursor = Cursor { bytes: text.as_bytes(), at: 0 };
    let (year, month, day) = cursor.date(b'-')?;
    if !matches!(cursor.next()?, b'T' | b't' | b' ') {
        return None;
    }
    let hour = cursor.digits(2)?;
    cursor.expect(b':')?;
    let minute = cursor.digits(2)?;
    cursor.expect(b':')?;
    let second = cursor.digits(2)?;
    let mut nanos = 0;
    if cursor.peek() == Some(b'.') {
        cursor.at += 1;
        let start = cursor.at;
        while cursor.peek().is_some_and(|b| b.is_ascii_digit()) {
            if cursor.at - start < 9 {
                nanos = nanos * 10 + u32::from(cursor.bytes[cursor.at] - b'0');
            }
            cursor.at += 1;
        }
        let digits = cursor.at - start;
        if digits == 0 {
            return None;
        }
        nanos *= 10u32.pow(9 - digits.min(9) as u32);
    }
    let offset_minutes = match cursor.next()? {
        b'Z' | b'z' => 0,
        sign @ (b'+' | b'-') => {
            let hours = cursor.digits(2)?;
            cursor.expect(b':')?;
            let minutes = cursor.digits(2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = i64::from(hours * 60 + minutes);
            if sign == b'-' { -total } else { total }
        }
        _ => return None,
    };
    if cursor.at != cursor.bytes.len() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // A leap second (hh:mm:60) is only at the end of a day's last minute, UTC.
    let leap = second == 60;
    let utc_minute_of_day = (i64::from(hour * 60 + minute) - offset_minutes).rem_euclid(1440);
    if leap && utc_minute_of_day != 1439 {
        return None;
    }
    let local = days_from_civil(year, month, day) * 86_400
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second.min(59));
    let seconds = local - offset_minutes * 60;
    Some(match leap {
        true => Instant { seconds, nanos: 999_999_999 },
        false => Instant { seconds, nanos },
    })
}

/// A date `2024-05-01` or `2024/05/01`, as `(year, month, day)`.
pub(crate) fn parse_date(text: &str) -> Option<(i64, u32, u32)> {
    for separator in [b'-', b'/'] {
        let mut cursor = Cursor { bytes: text.as_bytes(), at: 0 };
        if let Some(date) = cursor.date(separator)
            && cursor.at == cursor.bytes.len()
        {
            return Some(date);
        }
    }
    None
}

/// Reads fixed-width fields from the start of a text.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// Exactly `count` decimal digits.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let field = self.bytes.get(self.at..self.at + count)?;
        if !field.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.at += count;
        Some(field.iter().fold(0, |value, digit| value * 10 + u32::from(digit - b'0')))
    }

    /// `YYYY<sep>MM<sep>DD`, a day that exists.
    fn date(&mut self, separator: u8) -> Option<(i64, u32, u32)> {
        let year = i64::from(self.digits(4)?);
        self.expect(separator)?;
        let month = self.digits(2)?;
        self.expect(separator)?;
        let day = self.digits(2)?;
        ((1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day)).then_some((year, month, day))
    }
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given date. Counts in 400-year eras of 146,097 days, with years
/// starting in March so that the leap day ends a year.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01: the inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    /// The `time` crate's reading, as an [`Instant`].
    fn reference(text: &str) -> Option<Instant> {
        let parsed = OffsetDateTime::parse(text, &Rfc3339).ok()?;
        Some(Instant { seconds: parsed.unix_timestamp(), nanos: parsed.nanosecond() })
    }

    #[test]
    fn reads_rfc3339_as_the_time_crate_does() {
        for text in [
            "1970-01-01T00:00:00Z",
            "1970-01-01T00:00:01.500Z",
            "2024-05-01T12:00:00Z",
            "2024-05-01T12:00:00+02:00",
            "2024-05-01t12:00:00.123456789z",
            "2024-02-29T23:59:59-23:59",
            "1969-12-31T23:59:59.999Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.1234567891234Z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T22:59:60-01:00",
            "2000-03-01T00:00:00+00:00",
            "2024-05-01 12:00:00Z",
            "1900-02-28T10:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(text), reference(text), "{text}");
            assert!(parse_rfc3339(text).is_some(), "{text}");
        }
        for broken in [
            "",
            "2024-05-01",
            "2024-05-01T12:00:00",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:60:00Z",
            "2024-05-01T12:00:61Z",
            "2024-05-01T12:00:60Z",
            "2024-05-01T12:00:00.Z",
            "2024-05-01T12:00:00+24:00",
            "2024-05-01T12:00:00+02:60",
            "2024-05-01T12:00:00Zjunk",
            "24-05-01T12:00:00Z",
            "2024-5-01T12:00:00Z",
            "yesterday",
        ] {
            assert_eq!(parse_rfc3339(broken), None, "{broken}");
            assert_eq!(reference(broken), None, "the time crate refuses {broken} too");
        }
    }

    #[test]
    fn writes_rfc3339_as_the_time_crate_does() {
        let mut seconds: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
        while seconds < 253_402_300_800 {
            for nanos in [0, 1, 500_000_000, 123_456_780] {
                let expected = OffsetDateTime::from_unix_timestamp(seconds)
                    .unwrap()
                    .replace_nanosecond(nanos)
                    .unwrap()
                    .format(&Rfc3339)
                    .unwrap();
                let written = format_rfc3339(Instant { seconds, nanos }).unwrap();
                assert_eq!(written, expected);
                assert_eq!(parse_rfc3339(&written), Some(Instant { seconds, nanos }), "{written}");
            }
            seconds += 7_777_777; // about three months and a few hours, across every leap rule
        }
        assert_eq!(format_rfc3339(Instant { seconds: 253_402_300_800, nanos: 0 }), None, "year 10000");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH + Duration::from_millis(1_714_564_800_250)), "2024-05-01T12:00:00Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH - Duration::from_millis(500)), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn dates_and_milliseconds() {
        assert_eq!(parse_date("2024-05-01"), Some((2024, 5, 1)));
        assert_eq!(parse_date("2024/02/29"), Some((2024, 2, 29)));
        for broken in ["2023-02-29", "2024-05-01T00:00:00Z", "2024-05/01", "2024-00-10", "20240501", ""] {
            assert_eq!(parse_date(broken), None, "{broken}");
        }
        assert_eq!(parse_rfc3339("1970-01-01T00:00:01.500Z").map(Instant::unix_millis), Some(1_500));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.500Z").map(Instant::unix_millis), Some(-500));
    }
}

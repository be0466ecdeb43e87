//! RFC 3339 timestamps to milliseconds since the Unix epoch.

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (a lowercase `t`/`z` or a
/// space separator are accepted too). Returns milliseconds since the epoch.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in b.get(r)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let year = num(0..4)?;
    let month = num(5..7)?;
    let day = num(8..10)?;
    let hour = num(11..13)?;
    let minute = num(14..16)?;
    let second = num(17..19)?;
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    if !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let mdays = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day < 1 || day > mdays[(month - 1) as usize] {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        let mut scale = 100;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            millis += i64::from(c - b'0') * scale;
            scale /= 10;
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset_min = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let h = num(i + 1..i + 3)?;
            let m = num(i + 4..i + 6)?;
            if h > 23 || m > 59 {
                return None;
            }
            let o = h * 60 + m;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    Some(secs * 1000 + millis)
}

/// Milliseconds since the epoch as RFC 3339 in UTC (`Z`), with milliseconds
/// only when there are some: `2026-03-01T10:00:00Z`, `…T10:00:00.250Z`.
pub fn format_rfc3339_ms(ms: i64) -> String {
    use chrono::{DateTime, SecondsFormat};
    match DateTime::from_timestamp_millis(ms) {
        Some(t) => t.to_rfc3339_opts(
            if ms.rem_euclid(1000) == 0 {
                SecondsFormat::Secs
            } else {
                SecondsFormat::Millis
            },
            true,
        ),
        None => ms.to_string(),
    }
}

/// Milliseconds as seconds, with the fraction only when there is one
/// (`60s`, `1.5s`).
pub fn secs(ms: i64) -> String {
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        let text = format!("{:.3}", ms as f64 / 1000.0);
        format!("{}s", text.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_ms("2026-03-01T10:00:00Z"),
            Some(1_772_359_200_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-03-01T11:00:00.5+01:00"),
            Some(1_772_359_200_500)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-02-29T00:00:00Z").map(|x| x % 86_400_000),
            Some(0)
        );
    }

    #[test]
    fn formats() {
        assert_eq!(format_rfc3339_ms(1_772_359_200_000), "2026-03-01T10:00:00Z");
        assert_eq!(
            format_rfc3339_ms(1_772_359_200_250),
            "2026-03-01T10:00:00.250Z"
        );
        assert_eq!(format_rfc3339_ms(0), "1970-01-01T00:00:00Z");
        for s in ["2026-03-01T10:00:00Z", "1999-12-31T23:59:59.999Z"] {
            assert_eq!(format_rfc3339_ms(parse_rfc3339_ms(s).unwrap()), s);
        }
        assert_eq!(secs(60_000), "60s");
        assert_eq!(secs(1_500), "1.5s");
    }

    #[test]
    fn refuses() {
        for s in [
            "",
            "2026-03-01",
            "2026-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2026-03-01T10:00:00",
            "2026-03-01T10:00:00Zx",
            "2026-03-01T10:00:00.Z",
            "abcd-03-01T10:00:00Z",
        ] {
            assert_eq!(parse_rfc3339_ms(s), None, "{s}");
        }
    }
}

//! How `penv envs` writes sizes and ages, and reads the durations `prune --older-than` takes.

/// A size for people: `872 MB`, `3.5 GB`, `12 KB` (powers of 1000, as
/// `du --si` and file managers show them).
pub(crate) fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    #[allow(clippy::cast_precision_loss)] // a display, not a sum
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 || value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// An age for people: `45s`, `12m`, `3h`, `5d`, `7w`, `2y`.
pub(crate) fn age(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86_400 => format!("{}h", secs / 3600),
        86_400..1_209_600 => format!("{}d", secs / 86_400),
        1_209_600..31_536_000 => format!("{}w", secs / 604_800),
        _ => format!("{}y", secs / 31_536_000),
    }
}

/// The units `--older-than` takes, in seconds: those [`age`] shows.
const UNITS: &[(&str, u64)] = &[
    ("s", 1),
    ("m", 60),
    ("min", 60),
    ("h", 3600),
    ("d", 86_400),
    ("w", 604_800),
    ("y", 31_536_000),
];

/// Parses a duration as `--older-than` takes it: a number and a unit, `s`,
/// `m`, `h`, `d`, `w` or `y` (365 days) — the units `penv envs` shows ages
/// in (`30d`, `12h`, `2w`, `1y`); seconds.
pub(crate) fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let units = "`s`, `m`, `h`, `d`, `w` or `y` (seconds to 365-day years)";
    let number: u64 = number.parse().map_err(|_| {
        format!(
            "`{text}` is not a duration: write a number and a unit, one of {units}, such as `30d`"
        )
    })?;
    let unit = unit.trim();
    let scale = match UNITS.iter().find(|(name, _)| *name == unit) {
        Some((_, scale)) => *scale,
        None if unit.is_empty() => {
            return Err(format!(
                "`{text}` has no unit: add one of {units}, such as `{number}d`"
            ));
        }
        None => {
            return Err(format!(
                "`{unit}` in `{text}` is not a unit: use one of {units}, such as `{number}d`"
            ));
        }
    };
    number
        .checked_mul(scale)
        .ok_or_else(|| format!("`{text}` is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_ages_and_durations_read_as_people_write_them() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(872_000_000), "872 MB");
        assert_eq!(size(3_500_000_000), "3.5 GB");
        assert_eq!(age(59), "59s");
        assert_eq!(age(3 * 3600), "3h");
        assert_eq!(age(5 * 86_400), "5d");
        assert_eq!(age(21 * 86_400), "3w");
        assert_eq!(parse_duration("30d"), Ok(30 * 86_400));
        assert_eq!(parse_duration("12h"), Ok(12 * 3600));
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("99999999999999999999w").is_err());
        // Issue 23: `1y` said "has no unit"; every age `penv envs` shows is
        // a duration prune takes, and a wrong unit names the units.
        assert_eq!(parse_duration("1y"), Ok(365 * 86_400));
        for shown in [59, 3 * 3600, 5 * 86_400, 21 * 86_400, 800 * 86_400] {
            assert!(parse_duration(&age(shown)).is_ok(), "{}", age(shown));
        }
        let err = parse_duration("3mo").unwrap_err();
        assert!(
            err.contains("`mo` in `3mo` is not a unit") && err.contains("`w` or `y`"),
            "{err}"
        );
        let err = parse_duration("30").unwrap_err();
        assert!(
            err.contains("has no unit") && err.contains("`30d`"),
            "{err}"
        );
    }
}

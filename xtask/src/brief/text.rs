//! Text helpers shared by the sections: provenance (`sourced`, `cite`), table cells and
//! summaries, numbers, rates, percentages, sizes and durations.

use serde_json::Value;
use tether_contract::policy::Sourced;

/// A value with its provenance: `shown [[source](url)]` or `shown (*assumed*, section 10)`.
pub(super) fn sourced<T>(s: &Sourced<T>, show: impl Fn(&T) -> String) -> String {
    format!(
        "{}{}",
        show(&s.value),
        cite(s.source.as_deref(), s.is_assumed())
    )
}

pub(super) fn cite(source: Option<&str>, assumed: bool) -> String {
    match (source, assumed) {
        (_, true) => " (*assumed*, see section 10)".into(),
        (Some(url), false) => format!(" [[source]({url})]"),
        (None, false) => String::new(),
    }
}

/// A table cell: no newlines, no bare `|`.
pub(super) fn cell(s: &str) -> String {
    s.replace('\n', " ").replace('|', "\\|")
}

/// The first sentence of a summary, at most 120 characters.
pub(super) fn summary(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default();
    let sentence = line
        .split(". ")
        .next()
        .unwrap_or(line)
        .trim_end_matches('.');
    if sentence.chars().count() > 120 {
        format!("{}…", sentence.chars().take(119).collect::<String>())
    } else {
        sentence.to_owned()
    }
}

pub(super) fn or_dash(s: &str) -> String {
    if s.is_empty() {
        "-".into()
    } else {
        s.to_owned()
    }
}

pub(super) fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n)
            if n.as_f64().is_some_and(|f| f.fract() == 0.0) && !n.is_u64() && !n.is_i64() =>
        {
            num(n.as_f64().unwrap_or_default())
        }
        other => other.to_string(),
    }
}

pub(super) fn statuses(v: &[u16]) -> String {
    v.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

/// `5` for 5.0, `0.5` for 0.5.
pub(super) fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// `5,000`.
pub(super) fn thousands(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) fn window(seconds: u64) -> String {
    match seconds {
        1 => "s".into(),
        60 => "min".into(),
        3600 => "h".into(),
        86400 => "day".into(),
        n => format!("{n} s"),
    }
}

/// Requests per second, with as many decimals as a small rate needs.
pub(super) fn rate(requests: u64, per_seconds: u64) -> String {
    if per_seconds == 0 {
        return "-".into();
    }
    let r = requests as f64 / per_seconds as f64;
    let text = if r >= 100.0 {
        format!("{r:.0}")
    } else if r >= 1.0 {
        format!("{r:.2}")
    } else {
        format!("{r:.3}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

pub(super) fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    let p = part as f64 * 100.0 / whole as f64;
    let text = if p >= 10.0 {
        format!("{p:.0}")
    } else if p >= 0.1 {
        format!("{p:.2}")
    } else {
        format!("{p:.3}")
    };
    format!(
        "{} %",
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            text
        }
    )
}

pub(super) fn bytes_text(v: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if v.is_multiple_of(MIB) {
        format!("{} MiB ({} bytes)", v / MIB, thousands(v))
    } else {
        format!("{} bytes", thousands(v))
    }
}

pub(super) fn duration_text(secs: u64) -> String {
    if secs.is_multiple_of(86400) {
        format!("{} days ({} s)", secs / 86400, thousands(secs))
    } else if secs.is_multiple_of(3600) {
        format!("{} h ({} s)", secs / 3600, thousands(secs))
    } else {
        format!("{} s", thousands(secs))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn number_formats() {
        assert_eq!(super::thousands(5000), "5,000");
        assert_eq!(super::thousands(33554432), "33,554,432");
        assert_eq!(super::rate(5000, 3600), "1.39");
        assert_eq!(super::rate(900, 60), "15");
        assert_eq!(super::rate(60, 3600), "0.017");
        assert_eq!(super::percent(3, 5000), "0.06 %");
    }
}

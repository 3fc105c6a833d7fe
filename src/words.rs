//! Filling a text template in one language: `{name}` puts an argument, `{name|one|other}` picks the form by the
//! number `name` and the language's singular counts (French `[0, 1]`, English `[1]`), so a text reads "1 clic" /
//! "2 clics" and never "clic(s)". Shared by the rule pack's message catalogue and the report's string table.
//! Neutral: imports no stage.

/// What an argument gives a template: its text, and its number when it has one (for plural forms).
pub struct Arg {
    pub text: String,
    pub number: Option<f64>,
}

impl Arg {
    pub fn number(n: f64) -> Arg {
        Arg {
            text: if n.fract() == 0.0 && n.abs() < 1e15 {
                format!("{}", n as i64)
            } else {
                format!("{n:.1}")
            },
            number: Some(n),
        }
    }

    pub fn text(text: impl Into<String>) -> Arg {
        Arg {
            text: text.into(),
            number: None,
        }
    }
}

/// `template` with its placeholders filled by `arg(name)`; an unknown name is left empty.
pub fn fill(template: &str, singular: &[i64], arg: impl Fn(&str) -> Option<Arg>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inside = &rest[open + 1..open + close];
        let mut parts = inside.split('|');
        let name = parts.next().unwrap_or_default().trim();
        let forms: Vec<&str> = parts.collect();
        let value = arg(name);
        if forms.is_empty() {
            out.push_str(value.as_ref().map(|v| v.text.as_str()).unwrap_or_default());
        } else {
            let count = value.and_then(|v| v.number).unwrap_or(0.0);
            let one = count.fract() == 0.0 && singular.contains(&(count as i64));
            out.push_str(if one {
                forms[0]
            } else {
                forms.get(1).unwrap_or(&forms[0])
            });
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Braces balanced and every placeholder named: what a catalogue or string table is checked for when loaded.
pub fn check_template(template: &str) -> Result<(), String> {
    let mut inside: Option<String> = None;
    for c in template.chars() {
        match (c, &mut inside) {
            ('{', None) => inside = Some(String::new()),
            ('{', Some(_)) => return Err("a '{' inside a placeholder".into()),
            ('}', Some(name)) => {
                if name.split('|').next().unwrap_or_default().trim().is_empty() {
                    return Err("a placeholder without a name".into());
                }
                inside = None;
            }
            ('}', None) => return Err("a '}' without its '{'".into()),
            (c, Some(name)) => name.push(c),
            _ => {}
        }
    }
    match inside {
        Some(_) => Err("a '{' without its '}'".into()),
        None => Ok(()),
    }
}

/// A delay as a report writes it: "6 min", "30.0 h" ("30,0 h" in French), "–" when there is none.
pub fn hours_text(hours: Option<f64>, lang: &str) -> String {
    match hours {
        Some(h) if h < 1.0 => format!("{:.0} min", h * 60.0),
        // Whole hours without a decimal ("24 h"), others with one ("1,5 h" in French).
        Some(h) if (h - h.round()).abs() < 0.05 => format!("{:.0} h", h.round()),
        Some(h) if lang == "fr" => format!("{h:.1} h").replace('.', ","),
        Some(h) => format!("{h:.1} h"),
        None => "–".to_string(),
    }
}

/// An instant written in the shop's time zone (RFC 3339 with its offset, as `waiting_until`), for a reader: its
/// local date and time and the offset. Unreadable text is given back as it is.
pub fn local_instant_text(instant: &str, lang: &str) -> String {
    let (Some(civil), Some(offset)) = (instant.get(..19), instant.get(19..)) else {
        return instant.to_string();
    };
    let Ok(at) = civil.parse::<jiff::civil::DateTime>() else {
        return instant.to_string();
    };
    let offset = match offset {
        "Z" | "+00:00" => "UTC".to_string(),
        other => format!("UTC{other}"),
    };
    let pattern = if lang == "fr" {
        "%d/%m/%Y %H:%M"
    } else {
        "%-d %b %Y, %H:%M"
    };
    format!("{} ({offset})", at.strftime(pattern))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_read_as_a_report_writes_them() {
        assert_eq!(hours_text(Some(0.1), "en"), "6 min");
        assert_eq!(hours_text(Some(30.0), "fr"), "30 h");
        assert_eq!(hours_text(Some(1.5), "fr"), "1,5 h");
        assert_eq!(hours_text(Some(1.5), "en"), "1.5 h");
        assert_eq!(hours_text(None, "en"), "–");
    }

    #[test]
    fn plural_forms_follow_the_languages_singular_counts() {
        let t = "{n} {n|clic|clics}";
        let with = |n: f64, singular: &[i64]| fill(t, singular, |_| Some(Arg::number(n)));
        assert_eq!(with(0.0, &[0, 1]), "0 clic");
        assert_eq!(with(1.0, &[0, 1]), "1 clic");
        assert_eq!(with(2.0, &[0, 1]), "2 clics");
        assert_eq!(with(0.0, &[1]), "0 clics");
        assert_eq!(with(1.5, &[1]), "1.5 clics");
    }

    #[test]
    fn bad_templates_are_named() {
        assert!(check_template("ok {n}").is_ok());
        assert!(check_template("{n").is_err());
        assert!(check_template("n}").is_err());
        assert!(check_template("{|a|b}").is_err());
    }

    #[test]
    fn a_local_instant_reads_in_the_shops_time() {
        assert_eq!(
            local_instant_text("2026-11-20T17:00:00+01:00", "fr"),
            "20/11/2026 17:00 (UTC+01:00)"
        );
        assert_eq!(
            local_instant_text("2026-07-03T09:05:00Z", "en"),
            "3 Jul 2026, 09:05 (UTC)"
        );
        assert_eq!(local_instant_text("soon", "en"), "soon");
    }
}

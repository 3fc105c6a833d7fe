//! Small text helpers shared by stages that must not depend on one another (the rules and the report read
//! campaign delays; the campaign must not be their dependency, nor they its).

/// A delay as a report writes it: "6 min", "30.0 h" ("30,0 h" in French), "–" when there is none.
pub fn hours_text(hours: Option<f64>, lang: &str) -> String {
    match hours {
        Some(h) if h < 1.0 => format!("{:.0} min", h * 60.0),
        Some(h) if lang == "fr" => format!("{h:.1} h").replace('.', ","),
        Some(h) => format!("{h:.1} h"),
        None => "–".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn delays_read_as_a_report_writes_them() {
        assert_eq!(super::hours_text(Some(0.1), "en"), "6 min");
        assert_eq!(super::hours_text(Some(30.0), "fr"), "30,0 h");
        assert_eq!(super::hours_text(Some(30.0), "en"), "30.0 h");
        assert_eq!(super::hours_text(None, "en"), "–");
    }
}

//! robots.txt rules for our user agent, through the `texting_robots` parser. Pure; the crawler fetches the file.

use std::time::Duration;

use texting_robots::Robot;
use url::Url;

/// The product token robots.txt groups are matched against.
pub const ROBOTS_AGENT: &str = "cxaudit";

/// robots.txt as parsed. Without a usable file (absent, 4xx, unparsable), everything is allowed.
pub struct Robots {
    robot: Option<Robot>,
}

impl Robots {
    pub fn allow_all() -> Robots {
        Robots { robot: None }
    }

    /// Parses a robots.txt body; a body the parser rejects allows everything, as RFC 9309 §2.4 asks.
    pub fn parse(body: &[u8]) -> Result<Robots, String> {
        Robot::new(ROBOTS_AGENT, body)
            .map(|robot| Robots { robot: Some(robot) })
            .map_err(|e| e.to_string())
    }

    pub fn allowed(&self, url: &Url) -> bool {
        self.robot
            .as_ref()
            .is_none_or(|robot| robot.allowed(url.as_str()))
    }

    /// The `Crawl-delay` as written (any float, `inf` and negatives included).
    pub fn crawl_delay_secs(&self) -> Option<f64> {
        self.robot.as_ref().and_then(|r| r.delay).map(f64::from)
    }

    /// The `Crawl-delay` a crawl applies, at most `ceiling`, and the asked value when it was not applied as is (too
    /// long, infinite, negative or not a number): a server must not be able to stop or crash the audit with it.
    pub fn crawl_delay(&self, ceiling: Duration) -> (Option<Duration>, Option<String>) {
        let Some(asked) = self.crawl_delay_secs() else {
            return (None, None);
        };
        let written = || {
            if asked.is_finite() && asked.abs() < 1e9 {
                format!("{asked}")
            } else {
                format!("{asked:e}")
            }
        };
        if asked.is_nan() || asked < 0.0 {
            return (None, Some(written()));
        }
        if asked > ceiling.as_secs_f64() {
            return (Some(ceiling), Some(written()));
        }
        (Some(Duration::from_secs_f64(asked)), None)
    }

    pub fn sitemaps(&self) -> Vec<String> {
        self.robot
            .as_ref()
            .map(|r| r.sitemaps.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_rules_are_not_substring_rules() {
        let robots = Robots::parse(
            b"User-agent: *\nDisallow: /panier\nDisallow: /compte\nCrawl-delay: 2\nSitemap: https://s.example/sm.xml\n",
        )
        .unwrap();
        let url = |p: &str| Url::parse(&format!("https://s.example{p}")).unwrap();
        assert!(!robots.allowed(&url("/panier/")));
        assert!(!robots.allowed(&url("/compte")));
        assert!(robots.allowed(&url("/produit/331-panier-en-osier.html")));
        assert_eq!(robots.crawl_delay_secs(), Some(2.0));
        assert_eq!(robots.sitemaps(), ["https://s.example/sm.xml"]);
    }

    #[test]
    fn a_crawl_delay_is_capped_whatever_it_says() {
        let ceiling = Duration::from_secs(30);
        for (written, applied, noted) in [
            ("2", Some(2.0), false),
            ("0.5", Some(0.5), false),
            ("30", Some(30.0), false),
            ("86400", Some(30.0), true),
            ("1e30", Some(30.0), true),
            ("inf", Some(30.0), true),
            // The parser drops a negative or non-numeric delay: as if there were none.
            ("-5", None, false),
            ("NaN", None, false),
        ] {
            let robots =
                Robots::parse(format!("User-agent: *\nCrawl-delay: {written}\n").as_bytes())
                    .unwrap();
            let (delay, asked) = robots.crawl_delay(ceiling);
            assert_eq!(delay.map(|d| d.as_secs_f64()), applied, "{written}");
            assert_eq!(asked.is_some(), noted, "{written}");
        }
    }

    #[test]
    fn our_own_group_wins() {
        let robots = Robots::parse(
            b"User-agent: *\nDisallow: /\n\nUser-agent: cxaudit\nDisallow: /private\n",
        )
        .unwrap();
        assert!(robots.allowed(&Url::parse("https://s.example/shop").unwrap()));
        assert!(!robots.allowed(&Url::parse("https://s.example/private/x").unwrap()));
    }
}

//! The target's country and language: from flags, else the top-level domain, a `lang` or `hreflang` region, then
//! what the pages show (numbers valid in one country, a currency of one country), a bare language last. They
//! decide how phone numbers are read and which lexicon words count. Pure.

use url::Url;

use crate::result::{Guess, Hreflang, Target};

/// Two-letter domains sold as brands, not as countries.
const VANITY_TLDS: &[&str] = &[
    "io", "co", "me", "tv", "ai", "fm", "ly", "to", "gg", "sh", "ws", "cc", "eu", "am", "so",
];

/// Country from the host's last label: `.fr` → FR, `.co.uk` → GB, `.com` → none.
pub fn country_from_host(host: &str) -> Option<String> {
    let tld = host.rsplit('.').next()?.to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok()
        || tld.len() != 2
        || VANITY_TLDS.contains(&tld.as_str())
    {
        return None;
    }
    let code = if tld == "uk" {
        "GB".to_string()
    } else {
        tld.to_ascii_uppercase()
    };
    code.parse::<phonenumber::country::Id>()
        .is_ok()
        .then_some(code)
}

/// Country from a `lang` value's region subtag: `fr-BE` → BE.
fn country_from_region_subtag(lang: &str) -> Option<String> {
    let region = lang
        .split(['-', '_'])
        .nth(1)
        .filter(|r| r.len() == 2)?
        .to_ascii_uppercase();
    region
        .parse::<phonenumber::country::Id>()
        .is_ok()
        .then_some(region)
}

/// The country a bare language most often means on a shop, where it names one at all (`en` does not).
fn country_from_language(lang: &str) -> Option<&'static str> {
    match lang.split(['-', '_']).next()?.to_ascii_lowercase().as_str() {
        "fr" => Some("FR"),
        "de" => Some("DE"),
        "nl" => Some("NL"),
        "it" => Some("IT"),
        "es" => Some("ES"),
        "pt" => Some("PT"),
        _ => None,
    }
}

/// Calling codes a local number of `country` may carry. France's overseas departments count as French.
pub fn phone_prefixes(country: &str) -> Vec<String> {
    let Some(meta) = phonenumber::metadata::DATABASE.by_id(country) else {
        return Vec::new();
    };
    let mut prefixes = vec![format!("+{}", meta.country_code())];
    if country == "FR" {
        prefixes.extend(
            [
                "+262", "+590", "+594", "+596", "+269", "+508", "+687", "+689",
            ]
            .map(str::to_string),
        );
    }
    prefixes
}

/// Everything known about the target once the home page has been read.
pub struct TargetInput<'a> {
    pub start_url: &'a Url,
    pub final_url: &'a Url,
    pub html_lang: Option<&'a str>,
    pub home_title: Option<String>,
    pub hreflang: Vec<Hreflang>,
    pub country_flag: Option<&'a str>,
    pub lang_flag: Option<&'a str>,
    /// The country of the numbers the site writes internationally, if any.
    pub phone_country: Option<String>,
    /// The countries its national numbers are valid in, when they leave more than one.
    pub phone_candidates: Vec<String>,
    /// The country of the one single-country currency its prices are in.
    pub currency_country: Option<String>,
    /// The one country the shop's own postal addresses are in.
    pub address_country: Option<String>,
}

/// The region every `hreflang` of the home page names (`fr-CA` and `en-CA`), `x-default` aside.
fn country_from_hreflang(hreflang: &[Hreflang]) -> Option<String> {
    let mut regions = hreflang
        .iter()
        .filter(|h| !h.lang.eq_ignore_ascii_case("x-default"))
        .map(|h| country_from_region_subtag(&h.lang));
    let first = regions.next()??;
    regions
        .all(|r| r.as_deref() == Some(first.as_str()))
        .then_some(first)
}

pub fn resolve(input: TargetInput<'_>) -> Target {
    let host = input.final_url.host_str().unwrap_or_default().to_string();
    let guess = |value: String, source: &str| Guess {
        value,
        source: source.to_string(),
        confidence: match source {
            "flag" => "stated",
            "tld" | "html-lang-region" | "hreflang" => "strong",
            "phone" | "address" | "currency" => "inferred",
            _ => "weak",
        }
        .to_string(),
    };
    let candidates = &input.phone_candidates;
    let country = input
        .country_flag
        .map(|c| guess(c.to_ascii_uppercase(), "flag"))
        .or_else(|| country_from_host(&host).map(|c| guess(c, "tld")))
        .or_else(|| {
            input
                .start_url
                .host_str()
                .and_then(country_from_host)
                .map(|c| guess(c, "tld"))
        })
        .or_else(|| {
            input
                .html_lang
                .and_then(country_from_region_subtag)
                .map(|c| Guess {
                    source: "html-lang".to_string(),
                    ..guess(c, "html-lang-region")
                })
        })
        .or_else(|| country_from_hreflang(&input.hreflang).map(|c| guess(c, "hreflang")))
        // A bare language says less than the numbers the shop writes: a French-speaking shop showing +212 is
        // Moroccan.
        .or_else(|| input.phone_country.clone().map(|c| guess(c, "phone")))
        .or_else(|| {
            // The shop's address ("4 rue du Lycée 53000 Laval"), unless the numbers point elsewhere.
            input
                .address_country
                .clone()
                .filter(|c| candidates.is_empty() || candidates.contains(c))
                .map(|c| guess(c, "address"))
        })
        .or_else(|| {
            // A currency of one country, unless the numbers point elsewhere.
            input
                .currency_country
                .clone()
                .filter(|c| candidates.is_empty() || candidates.contains(c))
                .map(|c| guess(c, "currency"))
        })
        .or_else(|| {
            // `lang="fr"` alone is France only when the numbers leave France among the possible countries.
            input
                .html_lang
                .and_then(country_from_language)
                .filter(|c| candidates.is_empty() || candidates.iter().any(|k| k == c))
                .map(|c| guess(c.to_string(), "html-lang"))
        });
    // Said only when nothing better than a bare language settled between the countries the numbers leave.
    let country_candidates = match &country {
        Some(c) if c.confidence != "weak" => Vec::new(),
        _ if candidates.len() > 1 => candidates.clone(),
        _ => Vec::new(),
    };
    let lang = input
        .lang_flag
        .map(|l| guess(l.to_ascii_lowercase(), "flag"))
        .or_else(|| {
            input
                .html_lang
                .and_then(|l| l.split(['-', '_']).next())
                .filter(|l| !l.is_empty())
                .map(|l| guess(l.to_ascii_lowercase(), "html-lang"))
        })
        .or_else(|| {
            let default = match country.as_ref()?.value.as_str() {
                "FR" | "MA" | "TG" | "SN" | "CI" | "LU" | "MC" => "fr",
                "GB" | "IE" | "US" | "ZA" | "AU" | "NZ" => "en",
                "DE" | "AT" => "de",
                "NL" => "nl",
                "ES" => "es",
                "IT" => "it",
                _ => return None,
            };
            Some(guess(default.to_string(), "country"))
        });
    let phone_prefixes = country
        .as_ref()
        .map(|c| phone_prefixes(&c.value))
        .unwrap_or_default();
    Target {
        start_url: input.start_url.to_string(),
        final_url: input.final_url.to_string(),
        host,
        country,
        lang,
        html_lang: input.html_lang.map(str::to_string),
        home_title: input.home_title,
        hreflang: input.hreflang,
        phone_prefixes,
        country_candidates,
    }
}

/// The name the history files a shop under: its host, and its port when the URL gives one that is not the
/// scheme's (a staging copy on :8080 is another site than the shop itself).
pub fn shop_key(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// The shop an audit is of, as the history files it: [`shop_key`] of its start URL (its host when the URL is
/// unreadable).
pub fn shop_of(target: &Target) -> String {
    url::Url::parse(&target.start_url)
        .map(|u| shop_key(&u))
        .unwrap_or_else(|_| target.host.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_from_domain() {
        assert_eq!(country_from_host("www.boutique.fr").as_deref(), Some("FR"));
        assert_eq!(country_from_host("shop.co.uk").as_deref(), Some("GB"));
        assert_eq!(country_from_host("baklava.be").as_deref(), Some("BE"));
        assert_eq!(country_from_host("shop.com"), None);
        assert_eq!(country_from_host("startup.io"), None);
        assert_eq!(country_from_host("127.0.0.1"), None);
    }

    #[test]
    fn loopback_shop_gets_its_country_from_lang() {
        let url = Url::parse("http://127.0.0.1:8088/").unwrap();
        let input = |html_lang| TargetInput {
            start_url: &url,
            final_url: &url,
            html_lang,
            home_title: None,
            hreflang: vec![],
            country_flag: None,
            lang_flag: None,
            phone_country: None,
            phone_candidates: Vec::new(),
            currency_country: None,
            address_country: None,
        };
        let target = resolve(input(Some("fr-BE")));
        assert_eq!(
            target.country.as_ref().map(|c| c.value.as_str()),
            Some("BE")
        );
        assert_eq!(target.phone_prefixes, ["+32"]);
        let target = resolve(input(Some("fr")));
        assert_eq!(target.country.unwrap().value, "FR");
        assert!(target.phone_prefixes.contains(&"+262".to_string()));
        assert_eq!(target.lang.unwrap().value, "fr");
        let moroccan = resolve(TargetInput {
            phone_country: Some("MA".into()),
            ..input(Some("fr"))
        });
        assert_eq!(
            moroccan.country.unwrap(),
            Guess {
                value: "MA".into(),
                source: "phone".into(),
                confidence: "inferred".into(),
            }
        );
        let belgian = resolve(TargetInput {
            phone_country: Some("FR".into()),
            ..input(Some("fr-BE"))
        });
        assert_eq!(belgian.country.unwrap().value, "BE");
    }

    #[test]
    fn regions_currencies_and_open_candidates() {
        let base = Url::parse("http://127.0.0.1:8080/").unwrap();
        let input = || TargetInput {
            start_url: &base,
            final_url: &base,
            html_lang: Some("fr"),
            home_title: None,
            hreflang: Vec::new(),
            country_flag: None,
            lang_flag: None,
            phone_country: None,
            phone_candidates: Vec::new(),
            currency_country: None,
            address_country: None,
        };
        let hreflang = |langs: &[&str]| {
            langs
                .iter()
                .map(|l| Hreflang {
                    lang: l.to_string(),
                    href: "/".into(),
                })
                .collect()
        };
        let canadian = resolve(TargetInput {
            hreflang: hreflang(&["fr-CA", "en-CA", "x-default"]),
            ..input()
        });
        let country = canadian.country.unwrap();
        assert_eq!(
            (country.value.as_str(), country.source.as_str()),
            ("CA", "hreflang")
        );
        assert_eq!(country.confidence, "strong");
        let mixed = resolve(TargetInput {
            hreflang: hreflang(&["fr-FR", "fr-BE"]),
            ..input()
        });
        assert_eq!(mixed.country.unwrap().source, "html-lang");
        // Prices in dirhams on a French-language site: Morocco, inferred.
        let moroccan = resolve(TargetInput {
            currency_country: Some("MA".into()),
            ..input()
        });
        let country = moroccan.country.unwrap();
        assert_eq!(
            (country.value.as_str(), country.confidence.as_str()),
            ("MA", "inferred")
        );
        // Numbers valid in France and Morocco, nothing else to tell: lang="fr" picks France, weakly, and the
        // open question is kept for the report.
        let open = resolve(TargetInput {
            phone_candidates: vec!["FR".into(), "MA".into()],
            ..input()
        });
        let country = open.country.unwrap();
        assert_eq!(
            (country.value.as_str(), country.confidence.as_str()),
            ("FR", "weak")
        );
        assert_eq!(open.country_candidates, ["FR", "MA"]);
        // The shop's address settles it.
        let settled = resolve(TargetInput {
            phone_candidates: vec!["FR".into(), "MA".into()],
            address_country: Some("FR".into()),
            ..input()
        });
        let country = settled.country.unwrap();
        assert_eq!(
            (country.source.as_str(), country.confidence.as_str()),
            ("address", "inferred")
        );
        assert!(
            settled.country_candidates.is_empty(),
            "{:?}",
            settled.country_candidates
        );
        // lang="fr" never means France when the numbers exclude it.
        let swiss_numbers = resolve(TargetInput {
            phone_candidates: vec!["BE".into(), "CH".into()],
            ..input()
        });
        assert!(swiss_numbers.country.is_none());
        assert_eq!(swiss_numbers.country_candidates, ["BE", "CH"]);
    }
}

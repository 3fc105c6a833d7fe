//! URL normalisation and crawl scope, shared by the crawler (frontier keys) and page facts (link targets), so
//! that one page is known by one string everywhere. Pure functions; no I/O.

use url::Url;

/// Query parameters that identify a visit, a campaign or a session, never a page. Compared lower-case.
const DROPPED_PARAMS: &[&str] = &[
    "gclid",
    "gbraid",
    "wbraid",
    "dclid",
    "fbclid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "phpsessid",
    "jsessionid",
    "aspsessionid",
    "sid",
    "sessionid",
    "session_id",
    "zenid",
    "oscsid",
    "cfid",
    "cftoken",
];

fn is_dropped_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_") || name.starts_with("pk_") || DROPPED_PARAMS.contains(&name.as_str())
}

/// Normalises an absolute http(s) URL: fragment dropped, default port dropped (the `url` crate does it),
/// percent-encoding made canonical, duplicate slashes collapsed, `;jsessionid=` path parameters and tracking or
/// session query parameters removed, remaining parameters sorted so that `?a=1&b=2` and `?b=2&a=1` are one page.
pub fn normalize(url: &Url) -> Url {
    let mut url = url.clone();
    url.set_fragment(None);
    if !matches!(url.scheme(), "http" | "https") {
        return url;
    }

    // Most paths need none of this: only rewrite (and re-parse) those that do.
    let raw_path = url.path();
    if raw_path.contains(['%', ';']) || raw_path.contains("//") {
        let path = canonical_percent_encoding(&collapse_slashes(&strip_path_session(raw_path)));
        if path != url.path() {
            url.set_path(&path);
        }
    }

    if let Some(query) = url.query() {
        let mut pairs: Vec<(String, String)> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (pair.to_string(), String::new()),
            })
            .filter(|(k, _)| !is_dropped_param(&percent_decode_lossy(k)))
            .map(|(k, v)| {
                (
                    canonical_percent_encoding(&k),
                    canonical_percent_encoding(&v),
                )
            })
            .collect();
        if pairs.is_empty() {
            url.set_query(None);
        } else {
            pairs.sort();
            let query: Vec<String> = pairs
                .into_iter()
                .map(|(k, v)| if v.is_empty() { k } else { format!("{k}={v}") })
                .collect();
            url.set_query(Some(&query.join("&")));
        }
    }
    url
}

/// Parses `href` against `base` and normalises it. `None` for unparsable or non-http(s) targets.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    let url = base.join(href.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| normalize(&url))
}

fn strip_path_session(path: &str) -> String {
    // `/page;jsessionid=ABC` (Java) and `;sid=` variants carry the session in the path.
    match path
        .to_ascii_lowercase()
        .find(";jsessionid=")
        .or_else(|| path.to_ascii_lowercase().find(";sid="))
    {
        Some(at) => path[..at].to_string(),
        None => path.to_string(),
    }
}

fn collapse_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut previous_slash = false;
    for c in path.chars() {
        if c == '/' && previous_slash {
            continue;
        }
        previous_slash = c == '/';
        out.push(c);
    }
    out
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// Decodes escapes of unreserved characters (`%7E` → `~`) and upper-cases the hex of the others (`%c3` → `%C3`),
/// as RFC 3986 §6.2.2 allows, so that two spellings of one URL compare equal.
fn canonical_percent_encoding(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match escaped_byte(bytes, i) {
            Some(value) if is_unreserved(value) => out.push(value),
            Some(_) => out.extend(bytes[i..i + 3].iter().map(u8::to_ascii_uppercase)),
            None => {
                out.push(bytes[i]);
                i += 1;
                continue;
            }
        }
        i += 3;
    }
    // Only ASCII escapes were rewritten, so the bytes are still the UTF-8 they came as.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The byte a `%XX` escape at `i` stands for, if there is a well-formed one.
fn escaped_byte(bytes: &[u8], i: usize) -> Option<u8> {
    if bytes[i] != b'%' || i + 2 >= bytes.len() {
        return None;
    }
    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
    u8::from_str_radix(hex, 16).ok()
}

/// Decodes every `%XX` escape; invalid UTF-8 becomes U+FFFD. For display and matching, never for fetching.
pub fn percent_decode_lossy(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(value) = escaped_byte(bytes, i) {
            out.push(value);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The hosts a crawl may fetch: the start host and its `www.` twin (and the host the start URL redirects to).
#[derive(Debug, Clone)]
pub struct Scope {
    hosts: Vec<String>,
}

impl Scope {
    pub fn new(start: &Url) -> Scope {
        let mut scope = Scope { hosts: Vec::new() };
        if let Some(host) = start.host_str() {
            scope.add_host(host);
        }
        scope
    }

    /// Adds `host` and its `www.` twin (not for IP addresses or `localhost`).
    pub fn add_host(&mut self, host: &str) {
        let host = host.to_ascii_lowercase();
        let twin = if let Some(bare) = host.strip_prefix("www.") {
            Some(bare.to_string())
        } else if host.parse::<std::net::IpAddr>().is_err()
            && host.contains('.')
            && !host.starts_with('[')
        {
            Some(format!("www.{host}"))
        } else {
            None
        };
        for h in std::iter::once(host).chain(twin) {
            if !self.hosts.contains(&h) {
                self.hosts.push(h);
            }
        }
    }

    pub fn contains(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && url
                .host_str()
                .is_some_and(|h| self.hosts.iter().any(|s| s.eq_ignore_ascii_case(h)))
    }

    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(&Url::parse(s).unwrap()).to_string()
    }

    #[test]
    fn drops_fragment_default_port_and_tracking() {
        assert_eq!(
            norm("HTTP://Shop.EXAMPLE:80/a#top"),
            "http://shop.example/a"
        );
        assert_eq!(
            norm("https://shop.example:443/a?utm_source=x&id=3&gclid=9"),
            "https://shop.example/a?id=3"
        );
        assert_eq!(
            norm("https://shop.example/a?PHPSESSID=abc"),
            "https://shop.example/a"
        );
        assert_eq!(
            norm("https://shop.example/a;jsessionid=ABC?x=1"),
            "https://shop.example/a?x=1"
        );
        assert_eq!(norm("https://shop.example/a?"), "https://shop.example/a");
    }

    #[test]
    fn canonical_path_and_sorted_query() {
        assert_eq!(norm("https://s.example//a///b"), "https://s.example/a/b");
        assert_eq!(
            norm("https://s.example/%7euser/caf%c3%a9"),
            "https://s.example/~user/caf%C3%A9"
        );
        assert_eq!(
            norm("https://s.example/l?b=2&a=1"),
            "https://s.example/l?a=1&b=2"
        );
        assert_eq!(
            norm("https://s.example/a/./b/../c"),
            "https://s.example/a/c"
        );
        // A lone or broken escape is left as it is.
        assert_eq!(norm("https://s.example/100%25"), "https://s.example/100%25");
    }

    #[test]
    fn scope_has_www_twin() {
        let scope = Scope::new(&Url::parse("https://shop.fr/").unwrap());
        assert!(scope.contains(&Url::parse("http://www.shop.fr/x").unwrap()));
        assert!(!scope.contains(&Url::parse("https://cdn.shop.fr/x").unwrap()));
        assert!(!scope.contains(&Url::parse("mailto:a@shop.fr").unwrap()));
        let local = Scope::new(&Url::parse("http://127.0.0.1:8088/").unwrap());
        assert_eq!(local.hosts(), &["127.0.0.1".to_string()]);
    }
}

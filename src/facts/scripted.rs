//! Pages built by scripts. From each page's [`Scripting`] signs and how much it shows without them, whether its
//! content (or its navigation and footer) is written by JavaScript; then, over the site, whether the crawl saw
//! what a visitor sees: "the home page reaches no other page without JavaScript", "most pages are written by
//! scripts". No browser runs here: the verdict is read from the HTML alone, and judges no rule.

use std::collections::BTreeSet;

use url::Url;

use crate::result::{LinkKind, PageFacts, Region, ScriptBuilt, ScriptBuiltPage, Scripting};
use crate::urlnorm;

/// Visible text (bytes) under which a page that waits for its scripts shows next to nothing: an empty shell.
const SHELL_TEXT: usize = 400;
/// Visible text under which a page whose application mount is empty has its content written by the application.
const MOUNT_PAGE_TEXT: usize = 1_500;
/// Visible text under which inline scripts ten times larger hold the page's content (JSON, templates).
const HEAVY_PAGE_TEXT: usize = 1_000;
/// Pages kept as evidence.
const PAGES_KEPT: usize = 5;

/// What the site-level verdict needs of one page, taken from its facts.
#[derive(Debug, Clone)]
pub struct PageView {
    url: String,
    text_bytes: usize,
    inline_script_bytes: usize,
    external_scripts: usize,
    /// Distinct pages of the site its HTML links to, itself left out.
    other_pages_linked: usize,
    /// Internal links in its header and navigation.
    chrome_links: usize,
    footer_text: bool,
    signs: Option<Scripting>,
}

/// Reads a page's facts for the verdict. Cheap: counts over what the page phase kept.
pub fn view(facts: &PageFacts, url: &Url) -> PageView {
    let own = urlnorm::normalize(url).to_string();
    let mut linked: BTreeSet<&str> = BTreeSet::new();
    let mut chrome_links = 0;
    for link in facts
        .links
        .iter()
        .filter(|l| l.kind == LinkKind::Internal && l.href != own)
    {
        linked.insert(link.href.as_str());
        if matches!(link.region, Region::Header | Region::Navigation) {
            chrome_links += 1;
        }
    }
    PageView {
        url: url.to_string(),
        text_bytes: Region::ALL.iter().map(|r| facts.text.get(*r).len()).sum(),
        inline_script_bytes: facts.inline_scripts.iter().map(|s| s.bytes).sum(),
        external_scripts: facts.scripts.len(),
        other_pages_linked: linked.len(),
        chrome_links,
        footer_text: !facts.text.footer.is_empty(),
        signs: facts.scripting.clone(),
    }
}

/// One page's reading: is it written by scripts, does it navigate by script, and the signs that show it.
struct Reading {
    script_built: bool,
    navigates_by_script: bool,
    signs: Vec<String>,
}

impl PageView {
    /// Whether a browser would show more than the HTML: the page is written by scripts, or navigates by them, or
    /// leaves a slot for them to fill (a phone number, a footer). What `--render auto` renders.
    pub fn needs_rendering(&self) -> bool {
        let reading = self.reading();
        reading.script_built
            || (reading.navigates_by_script && self.other_pages_linked == 0)
            || self
                .signs
                .as_ref()
                .is_some_and(|s| !s.empty_named.is_empty())
    }

    fn reading(&self) -> Reading {
        let none = Scripting::default();
        let s = self.signs.as_ref().unwrap_or(&none);
        let text = self.text_bytes;
        let named = |part: &[&str]| {
            s.empty_named
                .iter()
                .filter(|t| part.iter().any(|p| t.contains(p)))
                .count()
        };
        let footer_slots = named(&["foot"]);
        let chrome_slots = named(&["head", "nav", "menu"]);
        let fact_slots = s.empty_named.len() - named(&["foot", "head", "nav", "menu"]);
        let empty_mount = !s.empty_mounts.is_empty();
        let script_nav = s.script_links > 0 || s.links_in_scripts > 0;
        let shell = (text < SHELL_TEXT
            && (empty_mount
                || s.noscript_asks_js
                || footer_slots + chrome_slots > 0
                || (script_nav && self.other_pages_linked == 0)))
            // Nothing at all to read but scripts: whatever the mount is called, they write the page.
            || (text == 0 && self.external_scripts > 0 && self.other_pages_linked == 0);
        // A navigation or a footer left for a script to write, while the page shows none of its own.
        let chrome_by_script =
            (footer_slots > 0 && !self.footer_text) || (chrome_slots > 0 && self.chrome_links == 0);
        let mount_page = empty_mount && text < MOUNT_PAGE_TEXT;
        let heavy = text < HEAVY_PAGE_TEXT
            && self.inline_script_bytes >= 10 * text.max(100)
            && (script_nav || !s.empty_named.is_empty());
        let script_built = shell || chrome_by_script || mount_page || fact_slots >= 2 || heavy;
        let mut signs: Vec<String> = Vec::new();
        signs.extend(s.empty_mounts.iter().map(|m| format!("empty-mount:{m}")));
        signs.extend(s.empty_named.iter().map(|t| format!("empty:{t}")));
        if s.noscript_asks_js {
            signs.push("noscript-asks-javascript".into());
        }
        if s.script_links > 0 {
            signs.push(format!("script-links:{}", s.script_links));
        }
        if s.links_in_scripts > 0 {
            signs.push(format!("links-in-scripts:{}", s.links_in_scripts));
        }
        if script_built {
            signs.push(format!("text-bytes:{text}"));
            signs.push(format!("inline-script-bytes:{}", self.inline_script_bytes));
            signs.push(format!("links-to-pages:{}", self.other_pages_linked));
        }
        Reading {
            script_built,
            navigates_by_script: script_nav || empty_mount || s.noscript_asks_js || shell,
            signs,
        }
    }
}

/// The site-level verdict, page by page in crawl order.
#[derive(Default)]
pub struct Builder {
    html_pages: u64,
    script_built: u64,
    home_reaches_nothing: bool,
    pages: Vec<ScriptBuiltPage>,
}

impl Builder {
    pub fn add(&mut self, view: &PageView, is_start: bool) {
        self.html_pages += 1;
        let reading = view.reading();
        if is_start && view.other_pages_linked == 0 && reading.navigates_by_script {
            self.home_reaches_nothing = true;
        }
        if reading.script_built {
            self.script_built += 1;
        }
        if (reading.script_built || (is_start && self.home_reaches_nothing))
            && (self.pages.len() < PAGES_KEPT || is_start)
        {
            let page = ScriptBuiltPage {
                url: view.url.clone(),
                signs: reading.signs,
            };
            if is_start {
                self.pages.insert(0, page);
                self.pages.truncate(PAGES_KEPT);
            } else {
                self.pages.push(page);
            }
        }
    }

    /// The verdict: the home page reaches nothing without scripts, or most pages are written by them.
    pub fn finish(self) -> Option<ScriptBuilt> {
        let most = self.script_built * 2 > self.html_pages;
        (self.home_reaches_nothing || most).then_some(ScriptBuilt {
            home_reaches_nothing: self.home_reaches_nothing,
            script_built_pages: self.script_built,
            html_pages: self.html_pages,
            pages: self.pages,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(html: &str) -> (PageFacts, Url) {
        let url = Url::parse("https://shop.test/").unwrap();
        (crate::facts::page::extract(html, &url).0, url)
    }

    fn reading(html: &str) -> Reading {
        let (facts, url) = facts(html);
        view(&facts, &url).reading()
    }

    #[test]
    fn an_empty_mount_with_a_bundle_is_a_shell_that_reaches_nothing() {
        let r = reading(
            r#"<html><body><noscript>You need to enable JavaScript to run this app.</noscript>
            <div id="root"></div><script src="/static/js/main.4f2a.js"></script></body></html>"#,
        );
        assert!(r.script_built && r.navigates_by_script, "{:?}", r.signs);
        assert!(r.signs.contains(&"empty-mount:root".to_string()));
        assert!(r.signs.contains(&"noscript-asks-javascript".to_string()));
    }

    #[test]
    fn a_server_rendered_app_and_an_icon_are_not_empty() {
        let text = "Nos montres et nos bracelets, livrées en 48 heures partout. ".repeat(10);
        let r = reading(&format!(
            r#"<html><body><div id="__next"><header><a href="/contact">Contact</a></header><main><p>{text}</p>
            <span class="fa fa-phone"></span><span class="phone">01 23 45 67 89</span>
            <a class="phone" href="tel:+33123456789"></a><div class="footer-widgets"><p>Livraison</p></div></main>
            <footer><a href="/mentions-legales">Mentions légales</a></footer></div>
            <script>window.dataLayer=[];</script></body></html>"#
        ));
        assert!(!r.script_built, "{:?}", r.signs);
        assert!(r.signs.is_empty(), "{:?}", r.signs);
    }

    #[test]
    fn a_footer_stamped_from_a_template_was_seen() {
        let (facts, _) = facts(
            r#"<html><body><main><p>Vélos</p><template id="site-footer"><div class="footer"></div>
            <p>Service client : 05 56 00 11 22</p></template></main><footer></footer></body></html>"#,
        );
        assert_eq!(facts.scripting, None);
    }

    #[test]
    fn a_header_and_footer_left_to_a_script_make_the_page_script_built() {
        let text = "Montres automatiques suisses, garanties trois ans. ".repeat(20);
        let r = reading(&format!(
            r#"<html><body><header id="site-header"></header><main><p>{text}</p>
            <a href="/shop">Boutique</a></main><footer id="site-footer" class="site-footer"></footer>
            <script src="/js/main.js"></script></body></html>"#
        ));
        assert!(r.script_built, "{:?}", r.signs);
        assert!(
            r.signs.contains(&"empty:site-footer".to_string()),
            "{:?}",
            r.signs
        );
    }

    #[test]
    fn links_made_by_handlers_and_scripts_are_counted() {
        let (facts, _) = facts(
            r#"<html><body><div class="nav-item" onclick="location.href='/contact'">Contact</div>
            <span data-href="/livraison">Livraison</span><div data-href="https://www.facebook.com/shop">fb</div>
            <a href="/real" onclick="window.location='/x'">Real</a>
            <script>nav.innerHTML = items.map(i => `<a href="${i.url}">${i.name}</a>`).join('');
            const a = document.createElement('a'); a.href = '/cgv';</script>
            <script type="application/json">{"href": "/data"}</script></body></html>"#,
        );
        let s = facts.scripting.expect("signs");
        assert_eq!(s.script_links, 2, "{s:?}");
        assert_eq!(s.script_link_targets, ["/contact", "/livraison"]);
        assert_eq!(s.links_in_scripts, 3, "{s:?}");
    }
}

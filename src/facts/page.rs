//! Stage 2, page facts: one HTML document in, plain [`PageFacts`] out (regions, visible text, links, forms, scripts,
//! iframes, images, JSON-LD, raw candidates). The only user of `scraper`. The DOM is walked once, iteratively (deep
//! broken markup cannot overflow the stack), and dropped on return. Judges nothing: classifying is the rules' job.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use ego_tree::iter::Edge;
use ego_tree::NodeId;
use regex::Regex;
use scraper::node::Element;
use scraper::{Html, Node};
use url::Url;

use crate::facts::candidates;
use crate::result::{
    FieldFact, FormFact, Hreflang, IframeFact, ImageFact, InlineScriptFact, LinkFact, LinkKind,
    PageFacts, Region, ScriptFact, Scripting,
};
use crate::{memo, urlnorm};

/// Characters of an inline script kept as its fingerprint: enough to tell `var prestashop =` from a chat snippet.
const INLINE_SCRIPT_FINGERPRINT_CHARS: usize = 160;
/// Longest anchor text kept; mega-menu anchors sometimes wrap whole product cards.
const LINK_TEXT_CHARS: usize = 200;

/// id/class tokens that name a page region. A token must be the keyword itself or a common compound
/// (`site-header`, `footer-widgets`, `main-navigation`), so `card-header` or `has-header` do not count.
static REGION_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:site|main|global|page|top|primary|mega|elementor-location)?[-_]?(header|masthead|topbar|footer|pied-de-page|navbar|nav|navigation|menu|sidebar)(?:[-_]?(?:wrapper|container|inner|area|section|main|top|bottom|menu|nav|widgets?|content|bar|links|block|cols|columns|[0-9]+))?$",
    )
    .expect("valid regex")
});

/// id/class tokens that name a region or a contact fact a script may fill in (`site-footer`, `phone-number`,
/// `js-email`). Read only to tell an element left empty for a script; icons (`fa-phone`) are told apart by the caller.
static FILLABLE_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:site|main|global|page|top|js|app|shop|store)?[-_]?(header|footer|nav|navbar|navigation|menu|phone|tel|telephone|email|mail|address|adresse|contact|hours|horaires)(?:[-_]?(?:wrapper|container|inner|area|placeholder|root|mount|number|numbers|link|links|info|infos|list|block|content|text|value|bar|details|[0-9]+))?$",
    )
    .expect("valid regex")
});

/// The words of a script that writes a link: `href=`, `createElement('a')`.
/// A WhatsApp number in a script: a chat link's, or a setting named after WhatsApp.
static SCRIPT_WHATSAPP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:wa\.me/|whatsapp\.com/send/?\?phone=)\+?([0-9]{8,15})|whats_?app\w*["']?\s*[:=]\s*["']\+?([0-9][0-9 ]{7,18}[0-9])["']"#)
        .expect("valid regex")
});

static LINK_BUILDING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("href|createElement").expect("valid regex"));

/// Ids of the elements single-page applications mount into (React, Vue, Next, Nuxt, Gatsby, Svelte, Quasar).
const MOUNT_IDS: [&str; 12] = [
    "root",
    "app",
    "__next",
    "__nuxt",
    "___gatsby",
    "svelte",
    "q-app",
    "react-root",
    "vue-app",
    "app-root",
    "main-app",
    "application",
];

/// Visible characters an application mount may hold and still be empty ("Loading…").
const MOUNT_TEXT_BYTES: usize = 24;

/// Kept per page: a few of each, enough to show what was seen.
const SCRIPTING_KEPT: usize = 6;

thread_local! {
    static RESOLVED_LINKS: memo::Memo<String, Option<Url>> = Default::default();
}

/// Messaging hosts whose links open a chat with the shop.
const MESSAGING_HOSTS: &[&str] = &[
    "wa.me",
    "api.whatsapp.com",
    "web.whatsapp.com",
    "chat.whatsapp.com",
    "m.me",
    "t.me",
    "telegram.me",
    "signal.me",
    "line.me",
];

/// CPU time one page's parse may take. html5ever's tree building is quadratic in nesting depth (200,000 unclosed
/// `<div>` take minutes); a real page parses in milliseconds, a 10,000-deep one in under half a second. CPU time of
/// the parsing thread, not the wall clock: on a loaded machine the same page gets the same verdict.
pub const PARSE_TIME_BUDGET: Duration = Duration::from_secs(3);
/// Wall-clock bound besides, ten times the budget: a thread starved that long is stopped all the same.
const PARSE_WALL_FACTOR: u32 = 10;
/// The parser is fed this much at a time, and the clock read between slices.
const PARSE_SLICE_BYTES: usize = 8 * 1024;

/// Bytes of HTML per node of its tree, about the median of real shops' pages.
const BYTES_PER_NODE: usize = 40;
/// Nodes reserved at most before parsing: a page larger than a few megabytes grows its tree as it goes.
const MAX_NODES_RESERVED: usize = 64 * 1024;

/// Where a page's parse was stopped by [`PARSE_TIME_BUDGET`]: the bytes of its text read, of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseCut {
    pub read: usize,
    pub total: usize,
}

/// Extracts the facts of one page. `base` is the page's final URL. Returns the facts and the `<a href>` targets.
pub fn extract(html: &str, base: &Url) -> (PageFacts, Vec<Url>) {
    let (facts, links, _) = extract_bounded(html, base, PARSE_TIME_BUDGET);
    (facts, links)
}

/// [`extract`], with the parse stopped once it has taken `budget`: the facts are those of the part read, and the
/// cut says where it stopped.
pub fn extract_bounded(
    html: &str,
    base: &Url,
    budget: Duration,
) -> (PageFacts, Vec<Url>, Option<ParseCut>) {
    let (document, cut) = parse_bounded(html, budget);
    let (facts, links) = walk(&document, base);
    (facts, links, cut)
}

/// Parses `html` slice by slice until it ends or `budget` is spent.
fn parse_bounded(html: &str, budget: Duration) -> (Html, Option<ParseCut>) {
    use html5ever::tendril::TendrilSink;
    let began = Instant::now();
    let cpu_began = thread_cpu_time();
    // The tree sized for the page at once (real pages run 25 to 60 bytes a node, script-heavy ones more):
    // grown by doubling, each page left three or four large blocks behind in the allocator.
    let mut document = Html::new_document();
    document.tree = ego_tree::Tree::with_capacity(
        Node::Document,
        (html.len() / BYTES_PER_NODE).clamp(16, MAX_NODES_RESERVED),
    );
    let mut parser =
        html5ever::driver::parse_document(scraper::HtmlTreeSink::new(document), Default::default());
    let mut at = 0;
    while at < html.len() {
        let cpu = match (cpu_began, thread_cpu_time()) {
            (Some(from), Some(now)) => now.saturating_sub(from),
            _ => began.elapsed(),
        };
        if cpu > budget || began.elapsed() > budget * PARSE_WALL_FACTOR {
            let cut = ParseCut {
                read: at,
                total: html.len(),
            };
            return (parser.finish(), Some(cut));
        }
        let mut end = (at + PARSE_SLICE_BYTES).min(html.len());
        while !html.is_char_boundary(end) {
            end += 1;
        }
        parser.process(html[at..end].into());
        at = end;
    }
    (parser.finish(), None)
}

/// CPU time used by the calling thread so far; `None` where the clock is missing.
fn thread_cpu_time() -> Option<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given, which lives on this stack frame.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    (status == 0).then(|| Duration::new(now.tv_sec as u64, now.tv_nsec as u32))
}

fn walk(document: &Html, base: &Url) -> (PageFacts, Vec<Url>) {
    let mut walker = Walker::new(base.clone());
    for edge in document.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(element) => walker.open(node.id(), element, || {
                    // Nothing in it but blanks and comments: an element left for a script to fill.
                    node.children().all(|c| match c.value() {
                        Node::Text(t) => t.trim().is_empty(),
                        Node::Comment(_) => true,
                        _ => false,
                    })
                }),
                Node::Text(text) => walker.text(text),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(element) = node.value() {
                    walker.close(node.id(), element);
                }
            }
        }
    }
    walker.finish()
}

struct OpenLink {
    node: NodeId,
    href: String,
    target: Option<Url>,
    kind: LinkKind,
    text: String,
    image_alt: Option<String>,
    label: Option<String>,
    region: Region,
    hidden: bool,
}

struct OpenLabel {
    node: NodeId,
    text: String,
    for_id: Option<String>,
    /// (form index, field index) of the fields inside the label.
    fields: Vec<(usize, usize)>,
}

struct Walker {
    base: Url,
    base_host: String,
    facts: PageFacts,
    crawl_links: Vec<Url>,
    regions: Vec<(NodeId, Region)>,
    /// article/section/aside/nav/main ancestors: a `<header>` or `<footer>` inside one belongs to that section.
    sectioning: Vec<NodeId>,
    /// The element that hides its subtree from view, while inside it.
    hidden_by: Option<NodeId>,
    in_title: Option<NodeId>,
    title_text: String,
    link: Option<OpenLink>,
    labels: Vec<OpenLabel>,
    finished_labels: Vec<(Option<String>, String)>,
    /// (form index, field id attribute) for `<label for>` resolution.
    field_ids: Vec<(usize, usize, String)>,
    form: Option<(NodeId, usize)>,
    button: Option<(NodeId, usize, usize, String)>,
    script: Option<(NodeId, bool, String)>,
    /// The open script is code or a template (not a data block): the links it writes count.
    script_builds: bool,
    /// Inside a `<template>`: its text is not shown as is, but scripts stamp it into the page (a footer, a
    /// contact block), so phone numbers and addresses in it are looked for apart.
    template: Option<NodeId>,
    template_text: String,
    /// Application mount points open now, to tell at their end whether scripts were left to fill them.
    fillable: Vec<Fillable>,
    /// An open `<noscript>` and its raw text (scripting on, html5ever keeps it unparsed).
    noscript: Option<(NodeId, String)>,
    scripting: Scripting,
}

/// An application mount point open now, with the page's text lengths when it opened.
struct Fillable {
    node: NodeId,
    token: String,
    text_lens: [usize; 5],
}

impl Walker {
    fn new(base: Url) -> Walker {
        let base_host = base
            .host_str()
            .unwrap_or_default()
            .trim_start_matches("www.")
            .to_ascii_lowercase();
        Walker {
            base,
            base_host,
            facts: PageFacts::default(),
            crawl_links: Vec::new(),
            regions: Vec::new(),
            sectioning: Vec::new(),
            hidden_by: None,
            in_title: None,
            title_text: String::new(),
            link: None,
            labels: Vec::new(),
            finished_labels: Vec::new(),
            field_ids: Vec::new(),
            form: None,
            button: None,
            script: None,
            script_builds: false,
            template: None,
            template_text: String::new(),
            fillable: Vec::new(),
            noscript: None,
            scripting: Scripting::default(),
        }
    }

    fn text_lens(&self) -> [usize; 5] {
        Region::ALL.map(|r| self.facts.text.get(r).len())
    }

    /// Watches an element a script may fill: an application mount point (its id), or an element named after a
    /// region or a contact fact with nothing in it. The names are only read on empty elements, which are few.
    fn note_fillable(
        &mut self,
        id: NodeId,
        el: &Element,
        element_id: Option<&str>,
        classes: Option<&str>,
        is_empty: impl Fn() -> bool,
    ) {
        let name = el.name();
        // A `<template>`'s content is read apart (`template_text`): what a script stamps from it was seen.
        if self.template.is_some() {
            return;
        }
        let element_id = element_id.map(str::trim).filter(|i| !i.is_empty());
        let mount = if name == "app-root" {
            Some(name.to_string())
        } else {
            element_id
                .filter(|i| MOUNT_IDS.iter().any(|m| m.eq_ignore_ascii_case(i)))
                .map(str::to_ascii_lowercase)
        };
        if let Some(token) = mount {
            // A mount may hold a loader: whether it stays empty is told at its end.
            self.fillable.push(Fillable {
                node: id,
                token,
                text_lens: self.text_lens(),
            });
            return;
        }
        if (element_id.is_none() && classes.is_none())
            || matches!(
                name,
                "i" | "svg"
                    | "img"
                    | "input"
                    | "button"
                    | "select"
                    | "textarea"
                    | "br"
                    | "hr"
                    | "script"
                    | "style"
                    | "iframe"
                    | "template"
                    | "noscript"
                    | "source"
                    | "video"
            )
            // An empty `<a class="phone" href="tel:…">` is a link, read as one.
            || (name == "a" && get(el, "href").is_some())
            || !is_empty()
        {
            return;
        }
        let classes = classes.unwrap_or_default();
        // Icon fonts draw a pictogram in an element left empty on purpose (`fa fa-phone`, `icon-mail`).
        let icon = classes.split_ascii_whitespace().any(|c| {
            let c = c.as_bytes();
            c.starts_with(b"fa")
                || c.starts_with(b"bi-")
                || c.starts_with(b"ti-")
                || c.windows(3).any(|w| w.eq_ignore_ascii_case(b"ico"))
                || c.starts_with(b"glyph")
                || c.starts_with(b"material")
        });
        if icon {
            return;
        }
        let token = element_id
            .into_iter()
            .chain(classes.split_ascii_whitespace())
            .filter(|t| t.len() <= 32)
            .find(|t| FILLABLE_TOKEN.is_match(t))
            .map(str::to_ascii_lowercase);
        if let Some(token) = token {
            let list = &mut self.scripting.empty_named;
            if list.len() < SCRIPTING_KEPT && !list.contains(&token) {
                list.push(token);
            }
        }
    }

    /// At a mount point's end: empty, or nearly ("Loading…").
    fn close_fillable(&mut self) {
        let watched = self.fillable.pop().expect("checked");
        let added: usize = Region::ALL
            .iter()
            .zip(watched.text_lens)
            .map(|(r, from)| {
                self.facts.text.get(*r)[from..]
                    .bytes()
                    .filter(|b| !b.is_ascii_whitespace())
                    .count()
            })
            .sum();
        let list = &mut self.scripting.empty_mounts;
        if added <= MOUNT_TEXT_BYTES
            && list.len() < SCRIPTING_KEPT
            && !list.contains(&watched.token)
        {
            list.push(watched.token);
        }
    }

    /// An element that leads to a page only when a script runs: an `onclick` setting the location, a `data-href`,
    /// a router link with no `href`. Real `<a href>` links are links, whatever their handlers.
    /// Returns the element's id and class, read in the same pass over its attributes.
    fn note_script_link<'a>(&mut self, el: &'a Element) -> (Option<&'a str>, Option<&'a str>) {
        let mut real_href = false;
        let mut target: Option<Option<String>> = None;
        let (mut element_id, mut classes) = (None, None);
        // One pass over the attributes: most elements have one or two, and none of these. The first byte sorts
        // them before any comparison of whole names.
        for (name, value) in el.attrs() {
            let name: &str = name;
            match name.as_bytes().first() {
                Some(b'i') if name == "id" => {
                    element_id = Some(value);
                    continue;
                }
                Some(b'c') if name == "class" => {
                    classes = Some(value);
                    continue;
                }
                Some(b'h' | b'o' | b'n' | b'@' | b'v' | b'd' | b'r' | b':' | b't') => {}
                _ => continue,
            }
            match name {
                "href" => {
                    let h = value.trim();
                    let script = h
                        .get(..11)
                        .is_some_and(|p| p.eq_ignore_ascii_case("javascript:"));
                    if !h.is_empty() && h != "#" && !script {
                        real_href = true;
                    } else if script && navigates(value) {
                        target = Some(quoted(value).map(str::to_string));
                    }
                }
                "onclick" | "ng-click" | "@click" | "v-on:click" if navigates(value) => {
                    target = Some(quoted(value).map(str::to_string));
                }
                "data-href" | "data-link" | "data-navigate" | "routerlink" | "ng-href"
                | ":href" | "v-bind:href" => target = Some(Some(value.trim().to_string())),
                "to" if el.name().ends_with("link") => {
                    target = Some(Some(value.trim().to_string()))
                }
                _ => {}
            }
        }
        if real_href {
            return (element_id, classes);
        }
        let Some(target) = target else {
            return (element_id, classes);
        };
        // Another site's address in a `data-href` (a Facebook plugin's page) is no page of this one.
        if let Some(t) = &target {
            let own = self
                .resolve(t)
                .and_then(|u| {
                    u.host_str()
                        .map(|h| h.trim_start_matches("www.").to_ascii_lowercase())
                })
                .is_some_and(|h| h == self.base_host);
            if !own {
                return (element_id, classes);
            }
        }
        self.scripting.script_links += 1;
        if let Some(t) = target {
            let kept = &mut self.scripting.script_link_targets;
            if kept.len() < SCRIPTING_KEPT && !kept.contains(&t) {
                kept.push(truncate_chars(&t, 120));
            }
        }
        (element_id, classes)
    }

    fn region(&self) -> Region {
        self.regions.last().map(|(_, r)| *r).unwrap_or(Region::Main)
    }

    fn resolve(&self, href: &str) -> Option<Url> {
        self.base.join(href.trim()).ok()
    }

    /// `resolve` for `<a href>`, remembering root-relative and absolute targets per thread: menus and footers
    /// repeat the same hundred links on every page, and parsing them again was a tenth of the analysis.
    fn resolve_link(&self, href: &str) -> Option<Url> {
        let href = href.trim();
        let cacheable =
            (href.starts_with('/') && !href.starts_with("//")) || href.starts_with("http");
        if !cacheable {
            return self.resolve(href);
        }
        let key = format!("{}\u{0}{href}", &self.base[..url::Position::BeforePath]);
        memo::memoized(&RESOLVED_LINKS, &key, || self.resolve(href))
    }

    /// Ids and classes that name a chat widget (`chat-window`, `chatbot_launcher`, `livechat`, not `chat-noir`):
    /// the markup of a chat the site built itself. Read as text, cheaply: most names hold no "chat".
    fn note_widget(&mut self, el: &Element) {
        // "chat" is also French for a cat: alone it names a widget only beside a part of one (`chat-window`).
        const WIDGET_WORDS: [&str; 2] = ["chatbot", "livechat"];
        const WIDGET_PARTS: [&str; 18] = [
            "window",
            "widget",
            "box",
            "bubble",
            "button",
            "btn",
            "launcher",
            "panel",
            "container",
            "popup",
            "toggle",
            "icon",
            "messages",
            "input",
            "body",
            "header",
            "frame",
            "live",
        ];
        const KEPT: usize = 10;
        if self.facts.widgets.len() >= KEPT {
            return;
        }
        let names = get(el, "id").into_iter().chain(
            get(el, "class")
                .unwrap_or_default()
                .split_ascii_whitespace(),
        );
        for token in names {
            if !token.to_ascii_lowercase().contains("chat") {
                continue;
            }
            let token = token.to_ascii_lowercase();
            let parts: Vec<&str> = token.split(['-', '_']).collect();
            let is_widget = parts.iter().any(|p| WIDGET_WORDS.contains(p))
                || (parts.contains(&"chat") && parts.iter().any(|p| WIDGET_PARTS.contains(p)));
            if is_widget && !self.facts.widgets.contains(&token) && self.facts.widgets.len() < KEPT
            {
                self.facts.widgets.push(token);
            }
        }
    }

    fn open(&mut self, id: NodeId, el: &Element, is_empty: impl Fn() -> bool) {
        let name = el.name();
        self.note_widget(el);
        let (element_id, classes) = self.note_script_link(el);
        self.note_fillable(id, el, element_id, classes, is_empty);
        if name == "noscript" && self.noscript.is_none() {
            self.noscript = Some((id, String::new()));
        }
        if self.hidden_by.is_none() && hides(el) {
            self.hidden_by = Some(id);
        }
        if name == "template" && self.template.is_none() {
            self.template = Some(id);
        }
        if self.template.is_some() && is_block(name) {
            self.template_text.push('\n');
        }
        if let Some(region) = self.region_of(el) {
            self.regions.push((id, region));
        }
        if matches!(name, "article" | "section" | "aside" | "nav" | "main") {
            self.sectioning.push(id);
        }
        if is_block(name) {
            self.break_text();
        }
        if let Some(hex) = get(el, "data-cfemail") {
            let region = self.region();
            candidates::push_cloudflare_email(&mut self.facts.candidates, hex, region);
        }
        match name {
            "html" => self.facts.lang = attr(el, "lang").or_else(|| attr(el, "xml:lang")),
            "base" => {
                if let Some(base) = get(el, "href").and_then(|h| self.base.join(h).ok()) {
                    self.base = base;
                }
            }
            "title"
                if self.facts.title.is_none()
                    && self.in_title.is_none()
                    && self.regions.is_empty() =>
            {
                self.in_title = Some(id)
            }
            "meta" => self.meta(el),
            "link" => self.link_tag(el),
            "a" | "area" => {
                self.soft_break();
                self.open_link(id, el)
            }
            "img" => self.image(el),
            "iframe" => self.iframe(el),
            "script" => self.open_script(id, el),
            "form" => self.open_form(id, el),
            "input" | "select" | "textarea" | "button" => self.field(id, el),
            "label" => self.labels.push(OpenLabel {
                node: id,
                text: String::new(),
                for_id: attr(el, "for"),
                fields: Vec::new(),
            }),
            "br" => self.break_text(),
            _ => {}
        }
    }

    fn close(&mut self, id: NodeId, el: &Element) {
        let name = el.name();
        if self.fillable.last().is_some_and(|f| f.node == id) {
            self.close_fillable();
        }
        if self.noscript.as_ref().is_some_and(|(node, _)| *node == id) {
            let (_, text) = self.noscript.take().expect("checked");
            if text.to_ascii_lowercase().contains("javascript") {
                self.scripting.noscript_asks_js = true;
            }
        }
        if is_block(name) {
            self.break_text();
        }
        if self.link.as_ref().is_some_and(|l| l.node == id) {
            self.close_link();
            // Adjacent links are separate items to a reader ("082 576 4219" then "info@shop"), never one word.
            self.soft_break();
        }
        if self.in_title == Some(id) {
            self.in_title = None;
            self.facts.title = non_empty(collapse(&self.title_text));
        }
        if self.script.as_ref().is_some_and(|(node, _, _)| *node == id) {
            self.close_script();
        }
        if self.button.as_ref().is_some_and(|(node, ..)| *node == id) {
            let (_, form, field, text) = self.button.take().expect("checked");
            self.facts.forms[form].fields[field].label = non_empty(collapse(&text));
        }
        if self.labels.last().is_some_and(|l| l.node == id) {
            let label = self.labels.pop().expect("checked");
            let text = collapse(&label.text);
            for (form, field) in &label.fields {
                let field = &mut self.facts.forms[*form].fields[*field];
                if field.label.is_none() {
                    field.label = non_empty(text.clone());
                }
            }
            self.finished_labels.push((label.for_id, text));
        }
        if self.form.is_some_and(|(node, _)| node == id) {
            self.form = None;
        }
        if self.regions.last().is_some_and(|(node, _)| *node == id) {
            self.regions.pop();
        }
        if self.sectioning.last() == Some(&id) {
            self.sectioning.pop();
        }
        if self.hidden_by == Some(id) {
            self.hidden_by = None;
        }
        if self.template == Some(id) {
            self.template = None;
            self.template_text.push('\n');
        }
    }

    fn text(&mut self, text: &str) {
        if let Some((_, noscript)) = &mut self.noscript {
            if noscript.len() < 2_000 {
                noscript.push_str(text);
            }
        }
        if self.in_title.is_some() {
            self.title_text.push_str(text);
            return;
        }
        if let Some((_, _, content)) = &mut self.script {
            content.push_str(text);
            return;
        }
        if let Some(link) = &mut self.link {
            link.text.push_str(text);
        }
        if let Some((.., button_text)) = &mut self.button {
            button_text.push_str(text);
        }
        for label in &mut self.labels {
            label.text.push_str(text);
        }
        if self.hidden_by.is_none() {
            let region = self.region();
            push_flowing(self.facts.text.get_mut(region), text);
        } else if self.template.is_some() && self.template_text.len() < 20_000 {
            push_flowing(&mut self.template_text, text);
        }
    }

    fn soft_break(&mut self) {
        if self.hidden_by.is_none() {
            let region = self.region();
            let text = self.facts.text.get_mut(region);
            if !text.is_empty() && !text.ends_with(char::is_whitespace) {
                text.push(' ');
            }
        }
    }

    /// Ends the current line of visible text so that blocks never run together ("01 23 45 67 89Contact").
    fn break_text(&mut self) {
        let region = self.region();
        let text = self.facts.text.get_mut(region);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        if let Some(link) = &mut self.link {
            link.text.push(' ');
        }
    }

    fn region_of(&self, el: &Element) -> Option<Region> {
        let name = el.name();
        let top_level = self.sectioning.is_empty();
        let by_tag = match name {
            "header" if top_level => Some(Region::Header),
            "footer" if top_level => Some(Region::Footer),
            "nav" => Some(Region::Navigation),
            "main" => Some(Region::Main),
            "aside" => Some(Region::Aside),
            _ => None,
        };
        if by_tag.is_some() {
            return by_tag;
        }
        let by_role = match get(el, "role")
            .map(|r| r.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("banner") => Some(Region::Header),
            Some("contentinfo") => Some(Region::Footer),
            Some("navigation") => Some(Region::Navigation),
            Some("main") => Some(Region::Main),
            Some("complementary") => Some(Region::Aside),
            _ => None,
        };
        if by_role.is_some() {
            return by_role;
        }
        match get(el, "data-elementor-type") {
            Some("header") => return Some(Region::Header),
            Some("footer") => return Some(Region::Footer),
            _ => {}
        }
        if matches!(name, "html" | "body") {
            return None;
        }
        // Class and id names are guesses: only trusted outside any region (and for menus inside header/footer),
        // so that a restaurant's "menu" section in the main content stays main.
        let current = self.regions.last().map(|(_, r)| *r);
        // Read as text: `Element::classes` interns every class name as an atom, a cost on every element.
        let tokens = get(el, "id").into_iter().chain(
            get(el, "class")
                .unwrap_or_default()
                .split_ascii_whitespace(),
        );
        for token in tokens {
            let token = token.to_ascii_lowercase();
            let Some(found) = REGION_TOKEN.captures(&token).and_then(|c| c.get(1)) else {
                continue;
            };
            let region = match found.as_str() {
                "header" | "masthead" | "topbar" => Region::Header,
                "footer" | "pied-de-page" => Region::Footer,
                "sidebar" => Region::Aside,
                _ => Region::Navigation,
            };
            let fits = match region {
                Region::Navigation => {
                    matches!(current, None | Some(Region::Header) | Some(Region::Footer))
                }
                _ => current.is_none() && top_level,
            };
            if fits {
                return Some(region);
            }
        }
        None
    }

    fn meta(&mut self, el: &Element) {
        let content = attr(el, "content");
        match get(el, "name").map(str::to_ascii_lowercase).as_deref() {
            Some("description") if self.facts.meta_description.is_none() => {
                self.facts.meta_description = content.map(|c| collapse(&c))
            }
            Some("robots") => self.facts.meta_robots = content,
            _ => {}
        }
    }

    fn link_tag(&mut self, el: &Element) {
        let rel = get(el, "rel").unwrap_or_default().to_ascii_lowercase();
        let Some(href) = get(el, "href").and_then(|h| self.resolve(h)) else {
            return;
        };
        if rel.split_whitespace().any(|r| r == "canonical") && self.facts.canonical.is_none() {
            self.facts.canonical = Some(href.to_string());
        } else if rel.split_whitespace().any(|r| r == "alternate") {
            if let Some(lang) = attr(el, "hreflang") {
                self.facts.hreflang.push(Hreflang {
                    lang,
                    href: href.to_string(),
                });
            }
        }
    }

    fn open_link(&mut self, id: NodeId, el: &Element) {
        if self.link.is_some() {
            return;
        }
        let Some(raw) = get(el, "href")
            .map(str::trim)
            .filter(|h| !h.is_empty() && *h != "#")
        else {
            return;
        };
        // "#contact" on a one-page shop leads to its contact section: a link to the page itself.
        let own_page;
        let raw = if raw.starts_with('#') {
            let mut page = self.base.clone();
            page.set_fragment(None);
            own_page = page.to_string();
            own_page.as_str()
        } else {
            raw
        };
        let scheme = raw
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let (kind, target, href) = match scheme.as_str() {
            "tel" | "callto" => (LinkKind::Tel, None, raw.to_string()),
            "mailto" => (LinkKind::Mailto, None, raw.to_string()),
            "sms" => (LinkKind::Sms, None, raw.to_string()),
            "whatsapp" | "viber" | "tg" | "skype" | "fb-messenger" => {
                (LinkKind::Messaging, None, raw.to_string())
            }
            "javascript" | "data" => (LinkKind::Other, None, raw.to_string()),
            _ => match self.resolve_link(raw) {
                Some(url) if matches!(url.scheme(), "http" | "https") => {
                    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
                    let kind = if MESSAGING_HOSTS.contains(&host.as_str())
                        || (host.ends_with("messenger.com") && url.path().starts_with("/t"))
                    {
                        LinkKind::Messaging
                    } else if host.trim_start_matches("www.") == self.base_host {
                        LinkKind::Internal
                    } else {
                        LinkKind::External
                    };
                    let url = if kind == LinkKind::Internal {
                        urlnorm::normalize(&url)
                    } else {
                        url
                    };
                    (kind, Some(url.clone()), url.to_string())
                }
                Some(url) => (LinkKind::Other, None, url.to_string()),
                None => (LinkKind::Other, None, raw.to_string()),
            },
        };
        let label = attr(el, "aria-label").or_else(|| attr(el, "title"));
        self.link = Some(OpenLink {
            node: id,
            href,
            target,
            kind,
            text: String::new(),
            image_alt: None,
            label,
            region: self.region(),
            hidden: self.hidden_by.is_some(),
        });
        // Cloudflare replaces addresses by a link to /cdn-cgi/l/email-protection#<hex>.
        if let Some(hex) = raw.split("/cdn-cgi/l/email-protection#").nth(1) {
            let region = self.region();
            candidates::push_cloudflare_email(&mut self.facts.candidates, hex, region);
        }
    }

    fn close_link(&mut self) {
        let link = self.link.take().expect("an open link");
        let mut text = collapse(&link.text);
        if text.is_empty() {
            text = link.image_alt.clone().unwrap_or_default();
        }
        text = truncate_chars(&text, LINK_TEXT_CHARS);
        if let Some(target) = link.target {
            if link.kind == LinkKind::Internal {
                self.crawl_links.push(target);
            }
        }
        match link.kind {
            LinkKind::Tel => {
                candidates::push_tel_link(&mut self.facts.candidates, &link.href, link.region)
            }
            LinkKind::Mailto => {
                candidates::push_mailto(&mut self.facts.candidates, &link.href, link.region)
            }
            _ => {}
        }
        let fact = LinkFact {
            href: link.href,
            text,
            region: link.region,
            kind: link.kind,
            label: link.label,
            hidden: link.hidden,
        };
        // Product cards link twice (image and title) to the same place: keep one.
        if !self.facts.links.iter().rev().take(8).any(|l| *l == fact) {
            self.facts.links.push(fact);
        }
    }

    fn image(&mut self, el: &Element) {
        let src = get(el, "src")
            .filter(|s| !s.trim().is_empty() && !s.trim_start().starts_with("data:"))
            .or_else(|| get(el, "data-src"))
            .or_else(|| get(el, "data-lazy-src"));
        let file_name = src.and_then(|s| self.resolve(s)).and_then(|u| {
            let name = u.path_segments()?.next_back()?.to_string();
            non_empty(urlnorm::percent_decode_lossy(&name))
        });
        let alt = attr(el, "alt").map(|a| collapse(&a)).and_then(non_empty);
        if let (Some(link), Some(alt)) = (&mut self.link, &alt) {
            link.image_alt.get_or_insert_with(|| alt.clone());
        }
        self.facts.images.push(ImageFact {
            alt,
            file_name,
            title: attr(el, "title"),
            region: self.region(),
        });
    }

    fn iframe(&mut self, el: &Element) {
        let Some(src) = get(el, "src")
            .filter(|s| !s.trim().is_empty() && s.trim() != "about:blank")
            .or_else(|| get(el, "data-src"))
            .and_then(|s| self.resolve(s))
        else {
            return;
        };
        self.facts.iframes.push(IframeFact {
            host: src.host_str().map(str::to_string),
            src: src.to_string(),
            title: attr(el, "title"),
            region: self.region(),
        });
    }

    fn open_script(&mut self, id: NodeId, el: &Element) {
        if let Some(src) = get(el, "src").and_then(|s| self.resolve(s)) {
            self.facts.scripts.push(ScriptFact {
                host: src.host_str().map(str::to_string),
                src: src.to_string(),
            });
        }
        let kind = get(el, "type").map(|t| t.trim().to_ascii_lowercase());
        let is_json_ld = kind.as_deref() == Some("application/ld+json");
        // Data blocks (JSON, import maps) build no link; scripts and HTML templates in scripts may.
        self.script_builds = !kind.is_some_and(|k| k.contains("json") || k == "importmap");
        self.script = Some((id, is_json_ld, String::new()));
    }

    fn close_script(&mut self) {
        let (_, is_json_ld, content) = self.script.take().expect("an open script");
        let content = content.trim();
        if content.is_empty() {
            return;
        }
        if is_json_ld {
            match serde_json::from_str::<serde_json::Value>(content) {
                Ok(value) => self.facts.json_ld.push(value),
                Err(e) => self.facts.json_ld_errors.push(e.to_string()),
            }
        } else {
            if self.script_builds {
                self.scripting.links_in_scripts += links_built(content);
            }
            if content.contains("wa.me") || content.to_ascii_lowercase().contains("whatsapp") {
                for c in SCRIPT_WHATSAPP.captures_iter(content).take(3) {
                    let digits: String = c
                        .get(1)
                        .or(c.get(2))
                        .map(|m| m.as_str().chars().filter(char::is_ascii_digit).collect())
                        .unwrap_or_default();
                    if !self.facts.script_whatsapp.contains(&digits) {
                        self.facts.script_whatsapp.push(digits);
                    }
                }
            }
            self.facts.inline_scripts.push(InlineScriptFact {
                fingerprint: truncate_chars(&collapse(content), INLINE_SCRIPT_FINGERPRINT_CHARS),
                bytes: content.len(),
            });
        }
    }

    fn open_form(&mut self, id: NodeId, el: &Element) {
        if self.form.is_some() {
            return;
        }
        self.facts.forms.push(FormFact {
            method: attr(el, "method")
                .unwrap_or_else(|| "get".to_string())
                .to_ascii_lowercase(),
            action: get(el, "action")
                .and_then(|a| self.resolve(a))
                .map(|u| u.to_string()),
            region: self.region(),
            id: attr(el, "id"),
            fields: Vec::new(),
        });
        self.form = Some((id, self.facts.forms.len() - 1));
    }

    fn field(&mut self, id: NodeId, el: &Element) {
        let Some((_, form)) = self.form else { return };
        let field_type = attr(el, "type").map(|t| t.to_ascii_lowercase());
        let fields = &mut self.facts.forms[form].fields;
        let label = attr(el, "aria-label").or_else(|| match (el.name(), field_type.as_deref()) {
            ("input", Some("submit" | "button" | "reset")) => attr(el, "value"),
            _ => None,
        });
        fields.push(FieldFact {
            tag: el.name().to_string(),
            field_type,
            name: attr(el, "name"),
            label,
            placeholder: attr(el, "placeholder"),
            required: get(el, "required").is_some() || get(el, "aria-required") == Some("true"),
        });
        let index = fields.len() - 1;
        if let Some(field_id) = attr(el, "id") {
            self.field_ids.push((form, index, field_id));
        }
        if let Some(label) = self.labels.last_mut() {
            label.fields.push((form, index));
        }
        if el.name() == "button" {
            self.button = Some((id, form, index, String::new()));
        }
    }

    fn finish(mut self) -> (PageFacts, Vec<Url>) {
        for (form, field, field_id) in &self.field_ids {
            let field = &mut self.facts.forms[*form].fields[*field];
            if field.label.is_none() {
                field.label = self
                    .finished_labels
                    .iter()
                    .find(|(for_id, _)| for_id.as_deref() == Some(field_id.as_str()))
                    .and_then(|(_, text)| non_empty(text.clone()));
            }
        }
        for region in Region::ALL {
            let text = self.facts.text.get_mut(region);
            *text = tidy_lines(text);
        }
        candidates::extract_from_text(&mut self.facts);
        candidates::extract_from_structured_data(&mut self.facts);
        self.facts.template_text = tidy_lines(&self.template_text);
        let template_text = std::mem::take(&mut self.facts.template_text);
        candidates::extract_from_extra(&mut self.facts, &template_text);
        self.facts.template_text = template_text;
        if self.scripting != Scripting::default() {
            self.facts.scripting = Some(self.scripting);
        }
        (self.facts, self.crawl_links)
    }
}

/// Links a script writes: `href=` or `href =` (an attribute in a template string, an assignment) and
/// `createElement('a')`. Counted, not parsed: a sign, read at the byte level.
fn links_built(script: &str) -> u32 {
    let mut count = 0;
    // One scan for both words: inline scripts can be long (a shop's whole catalogue as JSON).
    for m in LINK_BUILDING.find_iter(script) {
        let rest = &script[m.end()..];
        let writes = if m.as_str() == "href" {
            let rest = rest.trim_start_matches([' ', '\t']);
            rest.starts_with('=') && !rest.starts_with("==")
        } else {
            ["('a')", "(\"a\")", "(`a`)"]
                .iter()
                .any(|q| rest.starts_with(q))
        };
        count += u32::from(writes);
    }
    count
}

/// A handler that changes the page (`location.href=`, `router.push(`, `navigate(`).
fn navigates(handler: &str) -> bool {
    let lower = handler.to_ascii_lowercase();
    ["location", "navigate", "router", ".href", "window.open"]
        .iter()
        .any(|w| lower.contains(w))
}

/// The first quoted string in a handler (`location.href='/contact'` → `/contact`).
fn quoted(handler: &str) -> Option<&str> {
    let start = handler.find(['\'', '"', '`'])?;
    let quote = handler[start..].chars().next()?;
    let rest = &handler[start + 1..];
    let end = rest.find(quote)?;
    Some(rest[..end].trim()).filter(|t| !t.is_empty())
}

/// Elements whose content a visitor does not see.
fn hides(el: &Element) -> bool {
    if matches!(
        el.name(),
        "head"
            | "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "select"
            | "textarea"
            | "iframe"
            | "object"
            | "canvas"
            | "video"
            | "audio"
            | "datalist"
    ) {
        return true;
    }
    if el.name() == "dialog" && get(el, "open").is_none() {
        return true;
    }
    if get(el, "hidden").is_some()
        || get(el, "aria-hidden").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return true;
    }
    if el.name() == "input" && get(el, "type").is_some_and(|t| t.eq_ignore_ascii_case("hidden")) {
        return true;
    }
    if let Some(style) = get(el, "style") {
        let style: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if style.contains("display:none") || style.contains("visibility:hidden") {
            return true;
        }
    }
    get(el, "class")
        .unwrap_or_default()
        .split_ascii_whitespace()
        .any(|c| {
            matches!(
                c,
                "sr-only" | "visually-hidden" | "screen-reader-text" | "screen-reader-only"
            )
        })
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "table"
            | "tr"
            | "td"
            | "th"
            | "thead"
            | "tbody"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "nav"
            | "aside"
            | "main"
            | "form"
            | "fieldset"
            | "address"
            | "blockquote"
            | "pre"
            | "figure"
            | "figcaption"
            | "hr"
            | "option"
            | "body"
            | "details"
            | "summary"
            | "caption"
            | "legend"
    )
}

/// An attribute's value. `Element::attr` interns `name` as an atom on every call, which profiling showed to cost a
/// tenth of the whole analysis; comparing the (already interned) local names as text does not.
fn get<'a>(el: &'a Element, name: &str) -> Option<&'a str> {
    el.attrs().find(|(n, _)| *n == name).map(|(_, v)| v)
}

fn attr(el: &Element, name: &str) -> Option<String> {
    get(el, name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Appends a text node as a browser lays it out: the line breaks of the HTML source are spaces ("payer par
/// mandat⏎ administratif" is one phrase); only elements (blocks, `<br>`) end a line.
fn push_flowing(out: &mut String, text: &str) {
    if text.contains(['\n', '\r']) {
        out.extend(
            text.chars()
                .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
        );
    } else {
        out.push_str(text);
    }
}

/// Collapses runs of whitespace (NBSP and narrow NBSP included) into one space and trims.
pub fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    collapse_into(&mut out, s);
    out
}

/// `collapse`, appended to `out` (no string of its own per line).
fn collapse_into(out: &mut String, s: &str) {
    let start = out.len();
    let mut push_words = |words: &mut dyn Iterator<Item = &str>| {
        for word in words {
            if out.len() > start {
                out.push(' ');
            }
            out.push_str(word);
        }
    };
    // Most text has only ASCII whitespace, which the byte-wise splitter handles much faster. The other spaces all
    // start with byte 0xC2, 0xE2 or 0xE3 in UTF-8: only text holding one of those needs the slower check.
    let maybe_other_space = s.bytes().any(|b| matches!(b, 0xC2 | 0xE2 | 0xE3));
    if maybe_other_space && s.contains(['\u{a0}', '\u{202f}', '\u{2009}', '\u{2007}', '\u{3000}']) {
        push_words(&mut s.split(char::is_whitespace).filter(|w| !w.is_empty()));
    } else {
        push_words(&mut s.split_ascii_whitespace());
    }
}

fn tidy_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len() / 2);
    for line in s.lines() {
        let before = out.len();
        if before > 0 {
            out.push('\n');
        }
        collapse_into(&mut out, line);
        // An empty line leaves no separator behind.
        if out.len() == before + usize::from(before > 0) {
            out.truncate(before);
        }
    }
    out
}

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_tidied_without_empty_ones() {
        assert_eq!(
            tidy_lines("  a  b \n\n \t \n\u{a0}c\u{a0} d\nl’été  e"),
            "a b\nc d\nl’été e"
        );
        assert_eq!(tidy_lines("\n\n"), "");
        assert_eq!(collapse(" x\u{202f}: y "), "x : y");
    }

    #[test]
    fn source_line_breaks_are_spaces_and_elements_end_lines() {
        let base = Url::parse("https://shop.example/").unwrap();
        let (facts, _) = extract(
            "<html><body><main><p>Vous pouvez payer par mandat\n        administratif.</p><p>Lundi<br>Mardi</p></main></body></html>",
            &base,
        );
        let main = &facts.text.main;
        assert!(main.contains("payer par mandat administratif."), "{main:?}");
        assert!(main.contains("Lundi\nMardi"), "{main:?}");
    }
}

//! Detectors: small functions over site facts and page observations, named by the rule files (`detector = "…"`).
//! Each returns a score 0..1 (or none: not applicable), a one-line finding, evidence, and details. Their parameters
//! come from the rule file and are checked when the pack is loaded. Findings and evidence notes are messages of the
//! pack's catalogue (`checks/messages/<lang>.toml`, keys `<detector>.<what>`, `common.<what>` when shared): a
//! detector gives the key and the arguments (numbers, URLs, text quoted from the site), never the words.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::{json, Value};

use crate::facts::observations::{hit_evidence, SiteObservations};
use crate::result::{
    CandidateSource, CheckResult, CheckStatus, Evidence, Localized, Message, Region, SiteAddress,
    SiteFacts, Target,
};
use crate::rules::messages::{msg, nested, texts};
use crate::rules::pack::{Checks, Rule};
use crate::rules::status_of;

/// Pages listed in details ("pages without a phone").
const PAGES_LISTED: usize = 50;
const EVIDENCE_ITEMS: usize = 5;

pub struct Context<'a> {
    pub checks: &'a Checks,
    pub site: &'a SiteFacts,
    pub target: &'a Target,
    pub obs: &'a SiteObservations,
    /// Results of the rules judged before (aggregates read them).
    pub earlier: &'a [CheckResult],
    /// The mystery-shopper campaign, for the rules that judge the replies.
    pub campaign: Option<&'a crate::result::CampaignResult>,
}

impl Context<'_> {
    fn country(&self) -> Option<&str> {
        self.target.country.as_ref().map(|c| c.value.as_str())
    }

    /// Pages (ids) where each term name of `rule` was seen.
    fn term_hits(&self, rule: &str) -> Vec<(String, crate::facts::observations::TermPages)> {
        crate::facts::observations::merged_terms(&self.checks.readers, self.obs, rule)
            .into_iter()
            .filter(|(_, seen)| !seen.pages.is_empty())
            .collect()
    }

    fn key_page_id(&self, kind: &str) -> Option<u32> {
        self.site
            .key_pages
            .get(kind)
            .and_then(|u| self.obs.page_of(u))
    }

    /// `message` worded in every language of the pack (an evidence note).
    fn words(&self, message: &Message) -> Localized {
        self.checks
            .messages
            .localize(message, &self.checks.languages)
    }

    /// `message` in one language (a part of a list joined per language).
    fn word(&self, message: &Message, lang: &str) -> String {
        self.checks.messages.word(message, lang)
    }

    /// A text per language of the pack, made by `text(lang)`.
    fn per_language(&self, text: impl Fn(&str) -> String) -> Localized {
        self.checks
            .languages
            .iter()
            .map(|lang| (lang.clone(), text(lang)))
            .collect()
    }

    /// A name (a term label, a key page's name) as a message argument, one text per language of the pack.
    fn label(&self, name: &Localized) -> Value {
        texts(&self.per_language(|lang| name.get(lang).to_string()))
    }

    /// Labels joined "a, b, c" in each language, as a message argument.
    fn labels(&self, names: &[Localized]) -> Value {
        texts(&self.per_language(|lang| joined(names, lang)))
    }

    /// Messages worded and joined in each language with `separator` (itself a message: "; " or " ; ").
    fn list(&self, parts: &[Message], separator: &Message) -> Value {
        texts(&self.per_language(|lang| {
            parts
                .iter()
                .map(|m| self.word(m, lang))
                .collect::<Vec<_>>()
                .join(&self.word(separator, lang))
        }))
    }

    /// A text that reads the same in every language (a number, a code).
    fn same(&self, text: &str) -> Localized {
        crate::result::same_in(&self.checks.languages, text)
    }

    /// The name of `value` in a family of names (`phone-type.mobile`, `legal-item.siret`), or `value` itself
    /// when the catalogue has no such key.
    fn named(&self, family: &str, value: &str) -> Localized {
        let key = format!("{family}.{value}");
        let known = self
            .checks
            .messages
            .by_lang
            .values()
            .any(|c| c.messages.contains_key(&key));
        if known {
            self.words(&msg(&key, []))
        } else {
            self.same(value)
        }
    }
}

pub struct Verdict {
    pub score: Option<f64>,
    pub message: Message,
    pub evidence: Vec<Evidence>,
    /// Boxed: a verdict travels by value through every detector's `Result`, and most carry none.
    pub details: Box<serde_json::Value>,
    /// A pass with shortcomings still listed.
    pub reservations: bool,
}

impl Verdict {
    /// A verdict whose finding is a message of the pack's catalogue.
    fn says(score: Option<f64>, message: Message) -> Verdict {
        Verdict {
            // `+ 0.0` turns a -0.0 (a weighted sum of nothing) into 0.
            score: score.map(|s| (s.clamp(0.0, 1.0) * 1000.0).round() / 1000.0 + 0.0),
            message,
            evidence: Vec::new(),
            details: Box::new(serde_json::Value::Null),
            reservations: false,
        }
    }

    /// Marks a verdict whose evidence lists shortcomings even when it passes.
    fn with_reservations(mut self, reservations: bool) -> Verdict {
        self.reservations = reservations;
        self
    }

    /// The rule does not apply, and `message` says why.
    fn not_applicable(message: Message) -> Verdict {
        Verdict::says(None, message)
    }

    fn evidence(mut self, evidence: Vec<Evidence>) -> Verdict {
        self.evidence = evidence.into_iter().take(EVIDENCE_ITEMS).collect();
        self
    }

    fn details(mut self, details: serde_json::Value) -> Verdict {
        self.details = Box::new(details);
        self
    }

    pub fn into_result(self, rule: &Rule, checks: &Checks) -> CheckResult {
        CheckResult {
            id: rule.id.clone(),
            category: rule.category.clone(),
            status: status_of(self.score),
            score: self.score,
            weight: rule.weight,
            finding: checks.messages.localize(&self.message, &checks.languages),
            message: Some(self.message),
            kind: rule.kind,
            evidence: self.evidence,
            details: *self.details,
            rule: crate::result::RuleTexts {
                name: rule.name.as_ref().map(|n| n.0.clone()).unwrap_or_default(),
                title: rule.title.0.clone(),
                failure_title: rule.failure_title.0.clone(),
                partial_title: rule
                    .partial_title
                    .as_ref()
                    .map(|t| t.0.clone())
                    .unwrap_or_default(),
                why: rule.why.0.clone(),
                fix: rule.fix.0.clone(),
                reference: rule.reference.clone(),
            },
            reservations: self.reservations && self.score.is_some_and(|s| s >= 0.999),
            priority: rule.priority,
            consultant: None,
        }
    }
}

fn evidence(url: Option<&str>, region: Option<Region>, text: impl Into<String>) -> Evidence {
    Evidence {
        url: url.map(str::to_string),
        region,
        note: None,
        text: text.into(),
    }
}

/// Evidence with the tool's own words about it, in every language, beside what was quoted from the site.
fn noted(url: Option<&str>, note: Localized, text: impl Into<String>) -> Evidence {
    Evidence {
        note: Some(note),
        ..evidence(url, None, text)
    }
}

/// A number as a message argument: a whole number reads "48", not "48.0".
fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// An optional part of a sentence (a suffix such as "; never in the header"): the message, or nothing.
fn part(present: bool, message: Message) -> Value {
    if present {
        nested(&message)
    } else {
        Value::Null
    }
}

/// libphonenumber's types, each named by a `phone-type.<type>` message.
#[cfg(test)]
const PHONE_TYPES: &[&str] = &[
    "fixed-line",
    "mobile",
    "fixed-line-or-mobile",
    "toll-free",
    "premium-rate",
    "shared-cost",
    "voip",
    "personal-number",
    "uan",
];

/// How a report names a libphonenumber type (`phone-type.<type>`; an unknown type as itself).
fn number_type_name(cx: &Context, kind: Option<&str>) -> Localized {
    match kind.unwrap_or_default() {
        "" => cx.same("?"),
        kind => cx.named("phone-type", kind),
    }
}

type Run = fn(&Context, &Rule) -> Verdict;
type Check = fn(&Rule, &BTreeSet<&str>) -> Result<(), String>;

pub struct Detector {
    pub name: &'static str,
    pub run: Run,
    pub check: Check,
}

/// Accepts the rule when its params deserialise as `P` (unknown keys refused).
fn params_as<P: serde::de::DeserializeOwned>(
    rule: &Rule,
    _: &BTreeSet<&str>,
) -> Result<(), String> {
    rule.params::<P>().map(|_| ())
}

fn needs_terms<P: serde::de::DeserializeOwned>(
    rule: &Rule,
    ids: &BTreeSet<&str>,
) -> Result<(), String> {
    if rule.terms.is_empty() {
        return Err(format!("detector {:?} needs [[terms]]", rule.detector));
    }
    params_as::<P>(rule, ids)
}

fn aggregate_check(rule: &Rule, ids: &BTreeSet<&str>) -> Result<(), String> {
    // It reads the other rules' verdicts: only an aggregate is judged after them.
    if rule.kind != crate::result::RuleKind::Aggregate {
        return Err("detector \"channels\" reads other rules: set kind = \"aggregate\"".into());
    }
    let p: ChannelsParams = rule.params()?;
    for id in &p.of {
        if !ids.contains(id.as_str()) {
            return Err(format!("[params] of: no rule {id:?}"));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManualParams {
    /// The rule whose finding the test needs (a phone number to call): its evidence is this rule's, so that a
    /// changed number asks for a new test.
    follows: String,
}

fn manual_check(rule: &Rule, ids: &BTreeSet<&str>) -> Result<(), String> {
    // Judged after the rule it follows, and never by the tool alone.
    if rule.kind != crate::result::RuleKind::Manual {
        return Err("detector \"manual\" is a test made by hand: set kind = \"manual\"".into());
    }
    let p: ManualParams = rule.params()?;
    if !ids.contains(p.follows.as_str()) {
        return Err(format!("[params] follows: no rule {:?}", p.follows));
    }
    Ok(())
}

/// A test only a person can make: not tested until the consultant records it (`cxaudit manual`), which then sets
/// the status. Nothing to test when the rule it follows found nothing (no number to call).
fn manual(cx: &Context, rule: &Rule) -> Verdict {
    let p: ManualParams = rule.params().unwrap();
    let Some(followed) = cx.earlier.iter().find(|r| r.id == p.follows) else {
        return Verdict::not_applicable(msg("manual.untested", []));
    };
    if followed.status != CheckStatus::Pass {
        let names = cx.per_language(|lang| {
            followed
                .rule
                .name
                .get(lang)
                .cloned()
                .unwrap_or_else(|| followed.id.clone())
        });
        return Verdict::not_applicable(msg("manual.nothing", [("name", texts(&names))]));
    }
    // What was found (the numbers), not where: a number that left a page asks for no new call, a new one does.
    let mut found: Vec<Evidence> = Vec::new();
    for e in &followed.evidence {
        if !e.text.is_empty() && !found.iter().any(|f| f.text == e.text) {
            found.push(Evidence {
                url: None,
                region: None,
                ..e.clone()
            });
        }
    }
    Verdict::not_applicable(msg("manual.untested", [])).evidence(found)
}

const DETECTORS: &[Detector] = &[
    Detector {
        name: "manual",
        run: manual,
        check: manual_check,
    },
    Detector {
        name: "phone-every-page",
        run: phone_every_page,
        check: params_as::<EveryPageParams>,
    },
    Detector {
        name: "phone-local",
        run: phone_local,
        check: params_as::<PhoneLocalParams>,
    },
    Detector {
        name: "phone-not-premium",
        run: phone_not_premium,
        check: params_as::<PremiumParams>,
    },
    Detector {
        name: "contact-link-every-page",
        run: contact_link_every_page,
        check: params_as::<EveryPageParams>,
    },
    Detector {
        name: "key-pages-depth",
        run: key_pages_depth,
        check: params_as::<DepthParams>,
    },
    Detector {
        name: "channel-email",
        run: channel_email,
        check: params_as::<NoParams>,
    },
    Detector {
        name: "channel-phone",
        run: channel_phone,
        check: params_as::<NoParams>,
    },
    Detector {
        name: "channel-contact-form",
        run: channel_contact_form,
        check: params_as::<NoParams>,
    },
    Detector {
        name: "channel-social",
        run: channel_social,
        check: params_as::<NoParams>,
    },
    Detector {
        name: "channel-messaging",
        run: channel_messaging,
        check: params_as::<NoParams>,
    },
    Detector {
        name: "channels",
        run: channels,
        check: aggregate_check,
    },
    Detector {
        name: "terms-any",
        run: terms_any,
        check: needs_terms::<TermsAnyParams>,
    },
    Detector {
        name: "live-chat",
        run: live_chat,
        check: needs_terms::<LiveChatParams>,
    },
    Detector {
        name: "terms-count",
        run: terms_count,
        check: needs_terms::<TermsCountParams>,
    },
    Detector {
        name: "terms-weighted",
        run: terms_weighted,
        check: needs_terms::<TermsWeightedParams>,
    },
    Detector {
        name: "service-hours",
        run: service_hours,
        check: params_as::<HoursParams>,
    },
    Detector {
        name: "contact-consistency",
        run: contact_consistency,
        check: params_as::<NoParams>,
    },
    Detector {
        name: "postal-address",
        run: postal_address,
        check: params_as::<NoParams>,
    },
    Detector {
        name: "contact-form-friction",
        run: contact_form_friction,
        check: params_as::<FrictionParams>,
    },
    Detector {
        name: "response-time-promise",
        run: response_time_promise,
        check: params_as::<PromiseParams>,
    },
    Detector {
        name: "faq",
        run: faq,
        check: params_as::<FaqParams>,
    },
    Detector {
        name: "question-bank",
        run: question_bank,
        check: needs_terms::<NoParams>,
    },
    Detector {
        name: "key-page",
        run: key_page,
        check: params_as::<KeyPageParams>,
    },
    Detector {
        name: "legal-notice-complete",
        run: legal_notice_complete,
        check: params_as::<LegalParams>,
    },
    Detector {
        name: "mediator",
        run: mediator,
        check: needs_terms::<MediatorParams>,
    },
    Detector {
        name: "checkout-assistance",
        run: checkout_assistance,
        check: params_as::<CheckoutParams>,
    },
    Detector {
        name: "spelling",
        run: spelling,
        check: params_as::<SpellingParams>,
    },
    Detector {
        name: "email-answered",
        run: email_answered,
        check: params_as::<ReplyParams>,
    },
    Detector {
        name: "email-human-answer",
        run: email_human_answer,
        check: params_as::<ReplyParams>,
    },
    Detector {
        name: "email-within",
        run: email_within,
        check: params_as::<WithinParams>,
    },
    Detector {
        name: "email-promise-kept",
        run: email_promise_kept,
        check: params_as::<ReplyParams>,
    },
];

pub fn find(name: &str) -> Option<&'static Detector> {
    DETECTORS.iter().find(|d| d.name == name)
}

pub fn names() -> Vec<&'static str> {
    DETECTORS.iter().map(|d| d.name).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParams {}

fn pages_list(urls: impl Iterator<Item = String>) -> Vec<String> {
    urls.take(PAGES_LISTED).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EveryPageParams {
    /// Share of pages from which the rule passes (1.0: every page).
    #[serde(default = "one")]
    pass_share: f64,
}

fn one() -> f64 {
    1.0
}

fn share_score(share: f64, pass_share: f64) -> f64 {
    if share >= pass_share {
        1.0
    } else {
        share
    }
}

fn percent(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

fn phone_every_page(cx: &Context, rule: &Rule) -> Verdict {
    let p: EveryPageParams = rule.params().unwrap();
    let site = cx.site;
    // Pages read only in part are in neither count: a cut-off footer is not a missing phone.
    let whole_pages = site
        .html_pages
        .saturating_sub(site.pages_partly_read.len() as u64);
    if whole_pages == 0 {
        return Verdict::not_applicable(msg("common.no-page-read", []));
    }
    let share = site.pages_showing_phone as f64 / whole_pages as f64;
    let in_header: Vec<&str> = site
        .phones
        .iter()
        .filter(|p| p.valid && p.regions.contains(&Region::Header))
        .map(|p| p.e164.as_str())
        .collect();
    let mut ev: Vec<Evidence> = site
        .phones
        .iter()
        .filter(|p| p.valid)
        .take(3)
        .map(|p| Evidence {
            region: p.regions.first().copied(),
            ..noted(
                p.pages.first().map(String::as_str),
                cx.words(&msg(
                    "phone-every-page.on-pages",
                    [("pages", json!(p.page_count))],
                )),
                p.written.first().unwrap_or(&p.e164),
            )
        })
        .collect();
    for url in site.pages_without_phone.iter().take(2) {
        ev.push(noted(
            Some(url),
            cx.words(&msg("phone-every-page.none-here", [])),
            "",
        ));
    }
    let header = if in_header.is_empty() {
        msg("phone-every-page.never-in-header", [])
    } else {
        msg("phone-every-page.in-header", [])
    };
    Verdict::says(
        Some(share_score(share, p.pass_share)),
        msg(
            "phone-every-page.shown",
            [
                ("shown", json!(site.pages_showing_phone)),
                ("pages", json!(whole_pages)),
                ("share", json!(percent(share))),
                ("header", nested(&header)),
            ],
        ),
    )
    .evidence(ev)
    .details(json!({
        "share": share,
        "pages_with_phone": site.pages_showing_phone,
        "html_pages": site.html_pages,
        "in_header": in_header,
        "pages_without": pages_list(site.pages_without_phone.iter().cloned()),
        "pages_without_count": site.pages_without_phone.len(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhoneLocalParams {
    /// Extra calling codes that count as local, per country (French overseas departments for FR).
    #[serde(default)]
    also_local: BTreeMap<String, Vec<u16>>,
}

pub fn calling_code(country: &str) -> Option<u16> {
    phonenumber::metadata::DATABASE
        .by_id(country)
        .map(|m| m.country_code())
}

fn phone_local(cx: &Context, rule: &Rule) -> Verdict {
    let p: PhoneLocalParams = rule.params().unwrap();
    let Some(country) = cx.country() else {
        return Verdict::not_applicable(msg("phone-local.country-unknown", []));
    };
    let phones: Vec<_> = cx.site.phones.iter().filter(|p| p.valid).collect();
    if phones.is_empty() {
        return Verdict::not_applicable(msg("phone-local.no-phone", []));
    }
    let codes_of = |country: &str| -> Vec<u16> {
        let mut codes: Vec<u16> = calling_code(country).into_iter().collect();
        codes.extend(p.also_local.get(country).into_iter().flatten());
        codes
    };
    let local_codes = codes_of(country);
    // Country shops declared by hreflang under their own path (fr-BE → /be/): each must show its own numbers.
    let host = url::Url::parse(&cx.target.final_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string));
    let mut sections: Vec<(String, String)> = cx
        .target
        .hreflang
        .iter()
        .filter_map(|h| {
            let region = h.lang.split(['-', '_']).nth(1)?.to_ascii_uppercase();
            let url = url::Url::parse(&h.href).ok()?;
            (url.host_str().map(str::to_string) == host && url.path() != "/" && region.len() == 2)
                .then(|| (url.path().to_string(), region))
        })
        .collect();
    sections.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
    let section_country = |page: &str| -> String {
        let path = url::Url::parse(page)
            .map(|u| u.path().to_string())
            .unwrap_or_default();
        sections
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix.as_str()))
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| country.to_string())
    };
    // (number, the country of a section showing it whose numbers it is not).
    let misplaced: Vec<(&str, String)> = phones
        .iter()
        .filter_map(|phone| {
            let shown_in: BTreeSet<String> = if phone.pages.is_empty() {
                [country.to_string()].into()
            } else {
                phone.pages.iter().map(|u| section_country(u)).collect()
            };
            shown_in
                .into_iter()
                .find(|c| {
                    !phone
                        .calling_code
                        .is_some_and(|code| codes_of(c).contains(&code))
                })
                .map(|c| (phone.number(), c))
        })
        .collect();
    let main_misplaced = misplaced.iter().any(|(n, _)| *n == phones[0].number());
    let score = if misplaced.is_empty() {
        1.0
    } else if main_misplaced {
        0.0
    } else {
        0.5
    };
    let code = local_codes
        .first()
        .map(|c| format!("+{c}"))
        .unwrap_or_default();
    let ev = phones
        .iter()
        .take(EVIDENCE_ITEMS)
        .map(|p| {
            noted(
                p.pages.first().map(String::as_str),
                cx.words(&msg(
                    "phone-local.number-country",
                    [
                        ("number", json!(p.e164)),
                        ("country", json!(p.country.as_deref().unwrap_or("?"))),
                    ],
                )),
                p.written.first().unwrap_or(&p.e164),
            )
        })
        .collect();
    let shops: Vec<&str> = sections.iter().map(|(_, c)| c.as_str()).collect();
    let message = if misplaced.is_empty() && sections.is_empty() {
        msg(
            "phone-local.all-local",
            [("country", json!(country)), ("code", json!(code))],
        )
    } else if misplaced.is_empty() {
        msg(
            "phone-local.own-numbers",
            [
                ("country", json!(country)),
                ("shops", json!(shops.join(", "))),
            ],
        )
    } else {
        let items: Vec<Message> = misplaced
            .iter()
            .map(|(n, c)| {
                msg(
                    "phone-local.misplaced-number",
                    [("number", json!(n)), ("country", json!(c))],
                )
            })
            .collect();
        msg(
            "phone-local.misplaced",
            [
                ("numbers", json!(misplaced.len())),
                ("list", cx.list(&items, &msg("common.comma", []))),
            ],
        )
    };
    Verdict::says(Some(score), message).evidence(ev).details(json!({
        "country": country,
        "local_codes": local_codes,
        "country_shops": sections.iter().map(|(prefix, c)| json!({"path": prefix, "country": c})).collect::<Vec<_>>(),
        "misplaced": misplaced.iter().map(|(n, c)| json!({"e164": n, "shown_on": c})).collect::<Vec<_>>(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PremiumParams {
    /// libphonenumber types that are surcharged.
    surcharged_types: Vec<String>,
}

fn phone_not_premium(cx: &Context, rule: &Rule) -> Verdict {
    let p: PremiumParams = rule.params().unwrap();
    let phones: Vec<_> = cx.site.phones.iter().filter(|p| p.valid).collect();
    if phones.is_empty() {
        return Verdict::not_applicable(msg("phone-not-premium.no-phone", []));
    }
    let surcharged: Vec<_> = phones
        .iter()
        .filter(|ph| {
            ph.number_type
                .as_ref()
                .is_some_and(|t| p.surcharged_types.contains(t))
        })
        .collect();
    let listed: Vec<&crate::result::SitePhone> = if surcharged.is_empty() {
        phones.clone()
    } else {
        surcharged.iter().map(|p| **p).collect()
    };
    let ev: Vec<Evidence> = listed
        .iter()
        .map(|ph| {
            noted(
                ph.pages.first().map(String::as_str),
                number_type_name(cx, ph.number_type.as_deref()),
                ph.written.first().unwrap_or(&ph.e164),
            )
        })
        .collect();
    let details = json!({
        "numbers": phones.iter().map(|p| json!({"e164": p.e164, "type": p.number_type})).collect::<Vec<_>>(),
        "other_bodies": cx.site.other_phones.iter().map(|p| p.number()).collect::<Vec<_>>(),
    });
    if surcharged.is_empty() {
        Verdict::says(
            Some(1.0),
            if phones.len() == 1 {
                msg("phone-not-premium.the-one-not-surcharged", [])
            } else {
                msg(
                    "phone-not-premium.none-surcharged",
                    [("shown", json!(phones.len()))],
                )
            },
        )
    } else {
        let list = surcharged
            .iter()
            .map(|p| p.e164.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Verdict::says(
            Some(0.0),
            msg(
                "phone-not-premium.surcharged",
                [("numbers", json!(surcharged.len())), ("list", json!(list))],
            ),
        )
    }
    .evidence(ev)
    .details(details)
}

fn contact_link_every_page(cx: &Context, rule: &Rule) -> Verdict {
    let p: EveryPageParams = rule.params().unwrap();
    let total = cx.obs.whole_pages();
    if total == 0 {
        return Verdict::not_applicable(msg("common.no-page-read", []));
    }
    let without = &cx.obs.without_contact_link;
    let with = total - without.len();
    let share = with as f64 / total as f64;
    let ev = without
        .iter()
        .take(EVIDENCE_ITEMS)
        .map(|page| {
            noted(
                Some(cx.obs.url(*page)),
                cx.words(&msg("contact-link-every-page.none-here", [])),
                "",
            )
        })
        .collect();
    Verdict::says(
        Some(share_score(share, p.pass_share)),
        msg(
            "contact-link-every-page.shown",
            [
                ("with", json!(with)),
                ("pages", json!(total)),
                ("share", json!(percent(share))),
            ],
        ),
    )
    .evidence(ev)
    .details(json!({
        "share": share,
        "pages_without": pages_list(without.iter().map(|p| cx.obs.url(*p).to_string())),
        "pages_without_count": without.len(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DepthParams {
    kinds: Vec<String>,
    max_clicks: u32,
}

fn key_pages_depth(cx: &Context, rule: &Rule) -> Verdict {
    let p: DepthParams = rule.params().unwrap();
    let mut ok = 0;
    let mut rows = Vec::new();
    let mut ev = Vec::new();
    for kind in &p.kinds {
        let best = cx.site.key_page_candidates.get(kind).and_then(|c| {
            c.iter()
                .find(|c| Some(c.url.as_str()) == cx.site.key_pages.get(kind))
        });
        // A one-page site's "#contact" is a section of the home page: no click at all.
        let clicks = best.and_then(|b| match b.depth {
            Some(0) => Some(0),
            _ if b.linked_from_home => Some(1),
            depth => depth,
        });
        let reached = clicks.is_some_and(|d| d <= p.max_clicks);
        ok += usize::from(reached);
        rows.push(json!({"kind": kind, "url": best.map(|b| &b.url), "clicks": clicks}));
        let name = cx.checks.readers.lexicon.display_name(kind);
        let state = match (best, clicks) {
            (None, _) => msg("key-pages-depth.not-found", []),
            (Some(_), Some(0)) => msg("key-pages-depth.on-home", []),
            (Some(_), Some(d)) => msg("key-pages-depth.clicks-from-home", [("clicks", json!(d))]),
            (Some(_), None) => msg("key-pages-depth.not-linked", []),
        };
        ev.push(noted(
            best.map(|b| b.url.as_str()),
            cx.words(&msg(
                "key-pages-depth.page-state",
                [("page", cx.label(&name)), ("state", nested(&state))],
            )),
            "",
        ));
    }
    let kind_names: Vec<Localized> = p
        .kinds
        .iter()
        .map(|k| cx.checks.readers.lexicon.display_name(k))
        .collect();
    let score = ok as f64 / p.kinds.len().max(1) as f64;
    Verdict::says(
        Some(score),
        msg(
            "key-pages-depth.within",
            [
                ("ok", json!(ok)),
                ("pages", json!(p.kinds.len())),
                ("names", cx.labels(&kind_names)),
                ("clicks", json!(p.max_clicks)),
            ],
        ),
    )
    .evidence(ev)
    .details(json!({ "pages": rows }))
}

fn channel_email(cx: &Context, _: &Rule) -> Verdict {
    let emails = &cx.site.emails;
    if emails.is_empty() {
        return Verdict::says(Some(0.0), msg("channel-email.none", []));
    }
    let ev = emails
        .iter()
        .map(|e| {
            evidence(
                e.pages.first().map(String::as_str),
                e.regions.first().copied(),
                e.address.clone(),
            )
        })
        .collect();
    let list = emails
        .iter()
        .take(3)
        .map(|e| e.address.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Verdict::says(
        Some(1.0),
        msg("channel-email.found", [("list", json!(list))]),
    )
    .evidence(ev)
    .details(json!({ "addresses": emails.iter().map(|e| &e.address).collect::<Vec<_>>() }))
}

fn channel_phone(cx: &Context, _: &Rule) -> Verdict {
    let phones: Vec<_> = cx.site.phones.iter().filter(|p| p.valid).collect();
    if phones.is_empty() {
        return Verdict::says(Some(0.0), msg("channel-phone.none", []));
    }
    let ev = phones
        .iter()
        .map(|p| {
            evidence(
                p.pages.first().map(String::as_str),
                p.regions.first().copied(),
                p.written.first().cloned().unwrap_or(p.number().to_string()),
            )
        })
        .collect();
    // As the shop writes it: the client recognises "02 97 46 66 66", not "+33297466666".
    let list = phones
        .iter()
        .take(3)
        .map(|p| p.written.first().unwrap_or(&p.e164).as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Verdict::says(
        Some(1.0),
        msg("channel-phone.found", [("list", json!(list))]),
    )
    .evidence(ev)
    .details(json!({ "numbers": phones.iter().map(|p| &p.e164).collect::<Vec<_>>() }))
}

fn channel_contact_form(cx: &Context, _: &Rule) -> Verdict {
    let forms = &cx.obs.forms;
    if forms.is_empty() {
        return Verdict::says(Some(0.0), msg("channel-contact-form.none", []));
    }
    let pages: BTreeSet<u32> = forms.iter().map(|(p, _)| *p).collect();
    let ev = pages
        .iter()
        .map(|p| {
            noted(
                Some(cx.obs.url(*p)),
                cx.words(&msg("channel-contact-form.form-here", [])),
                "",
            )
        })
        .collect();
    Verdict::says(
        Some(1.0),
        msg(
            "channel-contact-form.found",
            [("pages", json!(pages.len()))],
        ),
    )
    .evidence(ev)
}

/// `none` when no profile is linked, else `found` with the networks' names (`{names}`).
fn profiles_verdict(
    list: &[crate::result::OutboundProfile],
    none: Message,
    found: Message,
) -> Verdict {
    if list.is_empty() {
        return Verdict::says(Some(0.0), none);
    }
    let networks: BTreeSet<&str> = list.iter().map(|p| p.network.as_str()).collect();
    let names = networks.iter().copied().collect::<Vec<_>>().join(", ");
    let mut found = found;
    found.args.insert("names".into(), json!(names));
    Verdict::says(Some(1.0), found)
        .evidence(
            list.iter()
                .map(|p| evidence(Some(&p.url), None, p.network.clone()))
                .collect(),
        )
        .details(json!({ "networks": networks }))
}

fn channel_social(cx: &Context, _: &Rule) -> Verdict {
    let social = &cx.site.social;
    if !social.is_empty() && social.iter().all(|p| p.structured_data_only) {
        // The profiles exist, but no page links to them: a customer cannot find them from the shop.
        let networks: BTreeSet<&str> = social.iter().map(|p| p.network.as_str()).collect();
        return Verdict::says(
            Some(0.5),
            msg(
                "channel-social.declared-only",
                [(
                    "names",
                    json!(networks.iter().copied().collect::<Vec<_>>().join(", ")),
                )],
            ),
        )
        .evidence(
            social
                .iter()
                .map(|p| evidence(Some(&p.url), None, p.network.clone()))
                .collect(),
        )
        .details(json!({ "networks": networks, "structured_data_only": true }));
    }
    profiles_verdict(
        &cx.site.social,
        msg("channel-social.none", []),
        msg("channel-social.found", []),
    )
}

fn channel_messaging(cx: &Context, rule: &Rule) -> Verdict {
    if cx.site.messaging.is_empty() {
        // No usable link, but a number given for WhatsApp in the text ("WhatsApp : +212 6 52 56 39 24").
        if let Some((_, _, ev)) = hits_on(cx, rule, &[]).into_iter().next() {
            return Verdict::says(Some(1.0), msg("channel-messaging.whatsapp-number", []))
                .evidence(ev);
        }
    }
    profiles_verdict(
        &cx.site.messaging,
        msg("channel-messaging.none", []),
        msg("channel-messaging.found", []),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelsParams {
    /// The channel rules counted.
    of: Vec<String>,
    /// Channels for a full score.
    target: usize,
}

fn channels(cx: &Context, rule: &Rule) -> Verdict {
    let p: ChannelsParams = rule.params().unwrap();
    let offered: Vec<&str> = cx
        .earlier
        .iter()
        .filter(|r| p.of.contains(&r.id) && r.status == CheckStatus::Pass)
        .map(|r| r.id.as_str())
        .collect();
    let names = cx.per_language(|lang| {
        cx.earlier
            .iter()
            .filter(|r| p.of.contains(&r.id) && r.status == CheckStatus::Pass)
            .map(|r| {
                r.rule
                    .name
                    .get(lang)
                    .cloned()
                    .or_else(|| r.rule.title.get(lang).cloned())
                    .unwrap_or_else(|| r.id.clone())
            })
            .collect::<Vec<_>>()
            .join(", ")
    });
    let judged = cx.earlier.iter().filter(|r| p.of.contains(&r.id)).count();
    if judged == 0 {
        return Verdict::not_applicable(msg("channels.none-enabled", []));
    }
    let score = offered.len() as f64 / p.target.max(1) as f64;
    Verdict::says(
        Some(score.min(1.0)),
        msg(
            "channels.offered",
            [
                ("offered", json!(offered.len())),
                ("judged", json!(judged)),
                ("names", texts(&names)),
            ],
        ),
    )
    .details(json!({ "offered": offered, "target": p.target }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermsAnyParams {
    /// Key page kinds whose presence also proves it (`order-tracking`).
    #[serde(default)]
    key_pages: Vec<String>,
    /// Only hits on these key pages count.
    #[serde(default)]
    on_pages: Vec<String>,
    /// Terms that earn only part of the score when they are all that was found (a home-made chat: nothing shows a
    /// person answers it).
    #[serde(default)]
    partial: BTreeMap<String, f64>,
}

/// Hits of `rule`'s terms, restricted to `on_pages` key pages when given.
fn hits_on(
    cx: &Context,
    rule: &Rule,
    on_pages: &[String],
) -> Vec<(String, Vec<u32>, Vec<Evidence>)> {
    let allowed: Option<BTreeSet<u32>> =
        (!on_pages.is_empty()).then(|| on_pages.iter().filter_map(|k| cx.key_page_id(k)).collect());
    cx.term_hits(&rule.id)
        .into_iter()
        .filter_map(|(name, seen)| {
            let pages: Vec<u32> = seen
                .pages
                .iter()
                .copied()
                .filter(|p| allowed.as_ref().is_none_or(|a| a.contains(p)))
                .collect();
            if pages.is_empty() {
                return None;
            }
            let ev = seen
                .evidence
                .iter()
                .filter(|(p, _)| pages.contains(p))
                .map(|(p, h)| Evidence {
                    note: Some(label_of(cx, rule, &name)),
                    ..hit_evidence(cx.obs, *p, h)
                })
                .collect::<Vec<_>>();
            let ev = if ev.is_empty() {
                vec![noted(
                    Some(cx.obs.url(pages[0])),
                    label_of(cx, rule, &name),
                    "",
                )]
            } else {
                ev
            };
            Some((name, pages, ev))
        })
        .collect()
}

fn label_of(cx: &Context, rule: &Rule, name: &str) -> Localized {
    cx.checks
        .terms_of(&rule.id)
        .find(|(_, t)| t.name == name)
        .map(|(_, t)| t.label.clone())
        .unwrap_or_else(|| Localized::same(name))
}

/// "a, b, c" in one language.
fn joined(labels: &[Localized], lang: &str) -> String {
    labels
        .iter()
        .map(|l| l.get(lang))
        .collect::<Vec<_>>()
        .join(", ")
}

fn terms_any(cx: &Context, rule: &Rule) -> Verdict {
    let p: TermsAnyParams = rule.params().unwrap();
    terms_any_verdict(cx, rule, &p)
}

fn terms_any_verdict(cx: &Context, rule: &Rule, p: &TermsAnyParams) -> Verdict {
    let hits = hits_on(cx, rule, &p.on_pages);
    let pages: Vec<(&String, &str)> = p
        .key_pages
        .iter()
        .filter_map(|k| cx.site.key_pages.get(k).map(|u| (k, u)))
        .collect();
    let mut ev: Vec<Evidence> = pages
        .iter()
        .map(|(k, u)| noted(Some(u), cx.checks.readers.lexicon.display_name(k), ""))
        .collect();
    ev.extend(hits.iter().filter_map(|(_, _, e)| e.first().cloned()));
    let found: Vec<Localized> = hits.iter().map(|(n, _, _)| label_of(cx, rule, n)).collect();
    if found.is_empty() && pages.is_empty() {
        return Verdict::says(Some(0.0), msg("common.not-found-crawled", []));
    }
    let mut what: Vec<Localized> = pages
        .iter()
        .map(|(k, _)| cx.checks.readers.lexicon.display_name(k))
        .collect();
    what.extend(found.iter().cloned());
    // Full credit from a key page or any term without a partial score; else the best partial one.
    let score = if !pages.is_empty() {
        1.0
    } else {
        hits.iter()
            .map(|(n, _, _)| p.partial.get(n).copied().unwrap_or(1.0))
            .fold(0.0, f64::max)
    };
    Verdict::says(
        Some(score),
        msg("common.found", [("found", cx.labels(&what))]),
    )
    .evidence(ev)
    .details(json!({ "found": hits.iter().map(|(n, _, _)| n).collect::<Vec<_>>() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LiveChatParams {
    #[serde(default)]
    partial: BTreeMap<String, f64>,
    /// Words a chat window shows when someone is there ("en ligne", "online")…
    #[serde(default)]
    online: Vec<String>,
    /// …and when nobody is ("hors ligne", "leave us a message"): these win ("unavailable" holds "available").
    #[serde(default)]
    offline: Vec<String>,
}

/// A chat, as `terms-any` finds it; and, when a rendered page showed its window, when it appeared and whether it
/// said it was online, set against the shop's stated hours at that moment: "online" while closed promises an
/// answer nobody gives, "offline" while open is a chat nobody staffs. Either is a pass with reservations.
fn live_chat(cx: &Context, rule: &Rule) -> Verdict {
    let p: LiveChatParams = rule.params().unwrap();
    let terms = TermsAnyParams {
        key_pages: Vec::new(),
        on_pages: Vec::new(),
        partial: p.partial.clone(),
    };
    let mut verdict = terms_any_verdict(cx, rule, &terms);
    if verdict.score.unwrap_or(0.0) <= 0.0 {
        return verdict;
    }
    // The home page's window first, then one that showed, then the first page in the canonical order.
    let Some((page, widget)) = cx.obs.widgets.iter().min_by_key(|(page, w)| {
        (
            Some(*page) != cx.obs.home,
            w.shown_ms.is_none(),
            cx.obs.rank(*page),
        )
    }) else {
        return verdict;
    };
    let url = Some(cx.obs.url(*page));
    let mut notes: Vec<Evidence> = Vec::new();
    let seconds = |ms: u64| json!(format!("{:.1}", ms as f64 / 1000.0));
    match (widget.shown_ms, &widget.element) {
        (Some(ms), element) => notes.push(noted(
            url,
            cx.words(&msg(
                "live-chat.shown",
                [
                    ("seconds", seconds(ms)),
                    ("element", json!(element.clone().unwrap_or_default())),
                ],
            )),
            "",
        )),
        (None, _) => notes.push(noted(
            url,
            cx.words(&msg(
                "live-chat.not-shown",
                [
                    (
                        "host",
                        json!(widget.vendor_host.clone().unwrap_or_default()),
                    ),
                    ("seconds", seconds(widget.vendor_loaded_ms.unwrap_or(0))),
                ],
            )),
            "",
        )),
    }
    let folded = crate::facts::lexicon::fold(&widget.text);
    let said = |words: &[String]| {
        words
            .iter()
            .find(|w| has_words(&folded, &crate::facts::lexicon::fold(w)))
            .cloned()
    };
    let state = match (said(&p.offline), said(&p.online)) {
        (Some(_), _) => Some(CHAT_STATES[1]),
        (None, Some(_)) => Some(CHAT_STATES[0]),
        (None, None) => None,
    };
    let seen_at: Option<jiff::Timestamp> = widget.seen_at.parse().ok();
    let calendar = crate::facts::calendar::Calendar::for_country(cx.country());
    let week = cx
        .site
        .opening_hours
        .as_ref()
        .map(|h| crate::facts::calendar::Week::from_audit(&h.week))
        .filter(|w| !w.is_empty());
    let open = match (&week, seen_at) {
        (Some(week), Some(at)) => Some(week.is_open_at(at, &calendar)),
        _ => None,
    };
    let local = seen_at.map(|t| t.to_zoned(calendar.tz.clone()));
    let when_args = |local: &jiff::Zoned| {
        let day = crate::facts::hours::DAYS[local.weekday().to_monday_zero_offset() as usize];
        [
            ("day", nested(&msg(&format!("weekday.{day}"), []))),
            ("time", json!(local.strftime("%H:%M").to_string())),
        ]
    };
    if let (Some(state), Some(local)) = (state, &local) {
        let [day, time] = when_args(local);
        notes.push(noted(
            url,
            cx.words(&msg(
                "live-chat.state",
                [
                    ("state", nested(&msg(&format!("chat-state.{state}"), []))),
                    day,
                    time,
                ],
            )),
            widget.text.clone(),
        ));
        let found = verdict
            .message
            .args
            .get("found")
            .cloned()
            .unwrap_or(Value::Null);
        let [day, time] = when_args(local);
        let mismatch = match (state, open) {
            ("online", Some(false)) => Some(msg(
                "live-chat.online-while-closed",
                [("found", found), day, time],
            )),
            ("offline", Some(true)) => Some(msg(
                "live-chat.offline-while-open",
                [("found", found), day, time],
            )),
            _ => None,
        };
        if let Some(message) = mismatch {
            verdict.message = message;
            verdict.reservations = true;
        }
    }
    notes.append(&mut verdict.evidence);
    notes.truncate(EVIDENCE_ITEMS);
    verdict.evidence = notes;
    let mut details = std::mem::take(&mut *verdict.details);
    if !details.is_object() {
        details = json!({});
    }
    details["widget"] = json!({
        "url": cx.obs.url(*page),
        "vendor_host": widget.vendor_host,
        "vendor_loaded_ms": widget.vendor_loaded_ms,
        "shown_ms": widget.shown_ms,
        "element": widget.element,
        "text": widget.text,
        "state": state,
        "seen_at": widget.seen_at,
        "shop_open": open,
    });
    verdict.details = Box::new(details);
    verdict
}

/// What a chat window may say of itself (`chat-state.*` in the catalogue).
const CHAT_STATES: [&str; 2] = ["online", "offline"];

/// Whether `words` (folded) appear in `text` (folded) as whole words.
fn has_words(text: &str, words: &str) -> bool {
    if words.is_empty() {
        return false;
    }
    text.match_indices(words).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + words.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermsCountParams {
    /// Distinct terms for a full score.
    target: usize,
}

fn terms_count(cx: &Context, rule: &Rule) -> Verdict {
    let p: TermsCountParams = rule.params().unwrap();
    let hits = hits_on(cx, rule, &[]);
    let labels: Vec<Localized> = hits.iter().map(|(n, _, _)| label_of(cx, rule, n)).collect();
    let score = labels.len() as f64 / p.target.max(1) as f64;
    let ev = hits
        .iter()
        .filter_map(|(_, _, e)| e.first().cloned())
        .collect();
    if labels.is_empty() {
        return Verdict::says(Some(0.0), msg("terms-count.none", []));
    }
    Verdict::says(
        Some(score.min(1.0)),
        msg(
            "terms-count.found",
            [
                ("count", json!(labels.len())),
                ("found", cx.labels(&labels)),
            ],
        ),
    )
    .evidence(ev)
    .details(json!({ "found": hits.iter().map(|(n, pages, _)| json!({"name": n, "label": label_of(cx, rule, n).get("en"), "pages": pages.len()})).collect::<Vec<_>>(), "target": p.target }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermsWeightedParams {
    /// Score each term earns; the rule's score is their sum, at most 1.
    weights: BTreeMap<String, f64>,
    #[serde(default)]
    on_pages: Vec<String>,
}

fn terms_weighted(cx: &Context, rule: &Rule) -> Verdict {
    let p: TermsWeightedParams = rule.params().unwrap();
    let hits = hits_on(cx, rule, &p.on_pages);
    let score: f64 = hits
        .iter()
        .map(|(n, _, _)| p.weights.get(n).copied().unwrap_or(0.0))
        .sum();
    let found: Vec<Localized> = hits.iter().map(|(n, _, _)| label_of(cx, rule, n)).collect();
    let missing: Vec<Localized> = p
        .weights
        .keys()
        .filter(|k| !hits.iter().any(|(n, _, _)| n == *k))
        .map(|k| label_of(cx, rule, k))
        .collect();
    let ev = hits
        .iter()
        .filter_map(|(_, _, e)| e.first().cloned())
        .collect();
    let message = match (found.is_empty(), missing.is_empty()) {
        (true, _) => msg("common.not-found-crawled", []),
        (false, true) => msg("common.found", [("found", cx.labels(&found))]),
        (false, false) => msg(
            "terms-weighted.found-missing",
            [
                ("found", cx.labels(&found)),
                ("missing", cx.labels(&missing)),
            ],
        ),
    };
    let found_names: Vec<&String> = hits.iter().map(|(n, _, _)| n).collect();
    let missing_names: Vec<&String> = p
        .weights
        .keys()
        .filter(|k| !hits.iter().any(|(n, _, _)| n == *k))
        .collect();
    Verdict::says(Some(score.min(1.0)), message)
        .evidence(ev)
        .details(json!({ "found": found_names, "missing": missing_names }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursParams {
    /// Score for stating hours at all; evenings and weekends earn the rest.
    stated: f64,
    evening: f64,
    weekend: f64,
    /// Closing at or after this hour counts as evening opening.
    evening_from_hour: u16,
}

fn service_hours(cx: &Context, rule: &Rule) -> Verdict {
    let p: HoursParams = rule.params().unwrap();
    let Some(hours) = &cx.site.opening_hours else {
        return Verdict::says(Some(0.0), msg("service-hours.none", []));
    };
    let page = cx.obs.page_of(&hours.url);
    let week = page
        .and_then(|pg| cx.obs.hours.iter().find(|(p, _, _)| *p == pg))
        .map(|(_, w, _)| w.clone())
        .unwrap_or_default();
    let evening = week
        .latest_close()
        .is_some_and(|m| m >= p.evening_from_hour * 60);
    let weekend = week.weekend();
    let score =
        p.stated + if evening { p.evening } else { 0.0 } + if weekend { p.weekend } else { 0.0 };
    Verdict::says(
        Some(score),
        msg(
            "service-hours.stated",
            [
                ("days", json!(week.days_open())),
                (
                    "evening",
                    part(evening, msg("service-hours.open-evening", [])),
                ),
                (
                    "weekend",
                    part(weekend, msg("service-hours.open-weekend", [])),
                ),
            ],
        ),
    )
    .evidence(vec![evidence(Some(&hours.url), None, hours.text.clone())])
    .details(json!({ "week": hours.week, "evening": evening, "weekend": weekend }))
}

/// An address a visitor sees: in the text, not only in the structured data.
fn shown(address: &SiteAddress) -> bool {
    address
        .sources
        .iter()
        .any(|s| *s != CandidateSource::StructuredData)
}

/// A street line or a PO box: a letter reaches it.
fn deliverable(address: &SiteAddress) -> bool {
    address.street.is_some() || address.po_box.is_some()
}

/// Evidence of an address: where it shows, as written, and a postcode the official base gives other towns.
fn address_evidence(cx: &Context, a: &SiteAddress) -> Evidence {
    let mut ev = evidence(
        a.pages.first().map(String::as_str),
        a.regions.first().copied(),
        a.text.clone(),
    );
    if a.postcode_check.as_deref() == Some("mismatch") {
        ev.note = Some(cx.words(&msg("channel-postal-address.postcode-mismatch", [])));
    }
    ev
}

fn address_list(addresses: &[&SiteAddress]) -> Value {
    json!(addresses
        .iter()
        .take(3)
        .map(|a| a.text.as_str())
        .collect::<Vec<_>>()
        .join(" ; "))
}

/// A postal address of the shop's: a street line or a PO box shown in the text; a postcode and town alone when the
/// official base has the pair (or the country is written); half when only the structured data declares one.
fn postal_address(cx: &Context, _: &Rule) -> Verdict {
    let site = cx.site;
    let full: Vec<&SiteAddress> = site
        .addresses
        .iter()
        .filter(|a| shown(a) && deliverable(a))
        .collect();
    let details = json!({
        "addresses": site.addresses.iter().map(|a| &a.text).collect::<Vec<_>>(),
        "other_addresses": site.other_addresses.iter().map(|a| &a.text).collect::<Vec<_>>(),
    });
    let all_evidence = |list: &[&SiteAddress]| {
        list.iter()
            .map(|a| address_evidence(cx, a))
            .collect::<Vec<_>>()
    };
    if !full.is_empty() {
        return Verdict::says(
            Some(1.0),
            msg(
                "channel-postal-address.found",
                [("list", address_list(&full))],
            ),
        )
        .evidence(all_evidence(&full))
        .details(details);
    }
    let town_only: Vec<&SiteAddress> = site
        .addresses
        .iter()
        .filter(|a| {
            shown(a)
                && a.postcode.is_some()
                && a.country.is_some()
                && a.postcode_check.as_deref() != Some("mismatch")
        })
        .collect();
    if !town_only.is_empty() {
        return Verdict::says(
            Some(1.0),
            msg(
                "channel-postal-address.town-only",
                [("list", address_list(&town_only))],
            ),
        )
        .evidence(all_evidence(&town_only))
        .details(details);
    }
    let declared: Vec<&SiteAddress> = site.addresses.iter().filter(|a| deliverable(a)).collect();
    if !declared.is_empty() {
        return Verdict::says(
            Some(0.5),
            msg(
                "channel-postal-address.structured-data-only",
                [("list", address_list(&declared))],
            ),
        )
        .evidence(all_evidence(&declared))
        .details(details);
    }
    if !site.other_addresses.is_empty() {
        let others: Vec<&SiteAddress> = site.other_addresses.iter().collect();
        return Verdict::says(
            Some(0.0),
            msg(
                "channel-postal-address.only-other-bodies",
                [("list", address_list(&others))],
            ),
        )
        .evidence(all_evidence(&others))
        .details(details);
    }
    Verdict::says(Some(0.0), msg("channel-postal-address.none", [])).details(details)
}

/// Two shown addresses of the shop's that are not one written two ways: another postcode, or streets neither of
/// which is the other with a part left out ("Rue Victor Hugo" and "12 rue Victor Hugo" are one).
fn different_addresses(site: &SiteFacts) -> Option<(&SiteAddress, &SiteAddress)> {
    let full: Vec<&SiteAddress> = site
        .addresses
        .iter()
        .filter(|a| shown(a) && deliverable(a) && a.postcode.is_some())
        .collect();
    // "16" and "16A", "17" and "17 bis" are one building: a letter after the house number is left out.
    let key = |a: &SiteAddress| {
        let key = crate::facts::address::street_key(
            a.street
                .as_deref()
                .or(a.po_box.as_deref())
                .unwrap_or_default(),
        );
        key.split(' ')
            .filter(|w| !matches!(*w, "bis" | "ter" | "quater"))
            .map(|w| {
                let digits = w.bytes().take_while(u8::is_ascii_digit).count();
                if digits > 0 && w.len() == digits + 1 {
                    &w[..digits]
                } else {
                    w
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let code = |a: &SiteAddress| {
        a.postcode
            .as_deref()
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    for (i, a) in full.iter().enumerate() {
        for b in &full[i + 1..] {
            let (ka, kb) = (key(a), key(b));
            let same_street = ka.contains(&kb) || kb.contains(&ka);
            if code(a) != code(b) || !same_street {
                return Some((a, b));
            }
        }
    }
    None
}

fn contact_consistency(cx: &Context, _: &Rule) -> Verdict {
    let site = cx.site;
    if site.phones.iter().all(|p| !p.valid) && site.emails.is_empty() && site.addresses.is_empty() {
        return Verdict::not_applicable(msg("contact-consistency.nothing-to-compare", []));
    }
    let mut issues: Vec<(Message, Evidence)> = Vec::new();
    for (page, href, text) in &cx.obs.link_mismatches {
        issues.push((
            msg(
                "contact-consistency.link-shows",
                [("href", json!(href)), ("text", json!(text))],
            ),
            evidence(Some(cx.obs.url(*page)), None, format!("{href} → {text}")),
        ));
    }
    let shop_tails: BTreeSet<String> = site.phones.iter().map(|p| tail(p.number())).collect();
    let shop_emails: BTreeSet<&str> = site.emails.iter().map(|e| e.address.as_str()).collect();
    for ((kind, value), pages) in &cx.obs.schema_contacts {
        let differs = match kind.as_str() {
            "telephone" => !shop_tails.is_empty() && !shop_tails.contains(&tail(value)),
            "email" => {
                let v = value.trim_start_matches("mailto:").to_ascii_lowercase();
                !shop_emails.is_empty() && !shop_emails.contains(v.as_str())
            }
            // The address: its postcode must be one the pages show.
            "postalCode" => {
                let shown_codes: BTreeSet<&str> = site
                    .postcodes
                    .iter()
                    .map(|p| p.code.as_str())
                    .chain(
                        site.addresses
                            .iter()
                            .filter(|a| shown(a))
                            .filter_map(|a| a.postcode.as_deref()),
                    )
                    .collect();
                !shown_codes.is_empty() && !shown_codes.contains(value.trim())
            }
            _ => false,
        };
        if differs {
            issues.push((
                msg(
                    "contact-consistency.structured-data-differs",
                    [("kind", json!(kind)), ("value", json!(value))],
                ),
                evidence(
                    pages.first().map(|p| cx.obs.url(*p)),
                    None,
                    format!("JSON-LD {kind}: {value}"),
                ),
            ));
        }
    }
    // Two addresses of the shop's (the legal notice's and the contact page's): which one takes a return?
    if let Some((a, b)) = different_addresses(site) {
        issues.push((
            msg(
                "contact-consistency.addresses-differ",
                [("first", json!(a.text)), ("second", json!(b.text))],
            ),
            evidence(
                a.pages.first().map(String::as_str),
                None,
                format!("{} ≠ {}", a.text, b.text),
            ),
        ));
    }
    // Several numbers in the header or footer: a customer does not know which to call.
    let chrome_numbers: Vec<&str> = site
        .phones
        .iter()
        .filter(|p| {
            p.valid
                && p.regions
                    .iter()
                    .any(|r| matches!(r, Region::Header | Region::Footer))
                && p.page_count * 2 >= site.html_pages
        })
        .map(|p| p.e164.as_str())
        .collect();
    if chrome_numbers.len() > 2 {
        issues.push((
            msg(
                "contact-consistency.numbers-in-chrome",
                [("numbers", json!(chrome_numbers.len()))],
            ),
            evidence(None, None, chrome_numbers.join(", ")),
        ));
    }
    let score = 1.0 - 0.35 * issues.len() as f64;
    if issues.is_empty() {
        return Verdict::says(Some(1.0), msg("contact-consistency.agree", [])).details(
            json!({ "schema_contacts": cx.obs.schema_contacts.keys().collect::<Vec<_>>() }),
        );
    }
    let (said, ev): (Vec<Message>, Vec<Evidence>) = issues.into_iter().unzip();
    Verdict::says(
        Some(score.max(0.0)),
        msg(
            "contact-consistency.inconsistent",
            [
                ("issues", json!(said.len())),
                ("list", cx.list(&said, &msg("common.semicolon", []))),
            ],
        ),
    )
    .evidence(ev)
}

fn tail(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(9)..].iter().collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrictionParams {
    /// Required fields a customer accepts for one question.
    max_required: usize,
}

fn contact_form_friction(cx: &Context, rule: &Rule) -> Verdict {
    let p: FrictionParams = rule.params().unwrap();
    let contact = cx.key_page_id("contact");
    let Some((page, form)) = cx
        .obs
        .forms
        .iter()
        .find(|(pg, _)| Some(*pg) == contact)
        .or(cx.obs.forms.first())
    else {
        return Verdict::not_applicable(msg("contact-form-friction.no-form", []));
    };
    let visible = crate::facts::observe::visible_fields(form);
    let required = visible.iter().filter(|f| f.required).count();
    let labelled = visible
        .iter()
        .filter(|f| f.label.as_ref().is_some_and(|l| !l.trim().is_empty()))
        .count();
    let label_share = if visible.is_empty() {
        1.0
    } else {
        labelled as f64 / visible.len() as f64
    };
    let page_url = cx.obs.url(*page);
    let on_page: Vec<String> = hits_on(cx, rule, &[])
        .into_iter()
        .filter(|(_, pages, _)| pages.contains(page))
        .map(|(n, _, _)| n)
        .collect();
    let next_hit = cx.obs.promises.iter().any(|(pg, _)| pg == page)
        || on_page.iter().any(|n| n == "next-step");
    let captcha: Vec<Localized> = on_page
        .iter()
        .filter(|n| n.starts_with("captcha-"))
        .map(|n| label_of(cx, rule, n))
        .collect();
    let required_score = if required <= p.max_required {
        1.0
    } else {
        (p.max_required as f64 / required as f64).powi(2)
    };
    let score = 0.5 * required_score + 0.25 * label_share + 0.25 * f64::from(u8::from(next_hit));
    Verdict::says(
        Some(score),
        msg(
            "contact-form-friction.summary",
            [
                ("fields", json!(visible.len())),
                ("required", json!(required)),
                ("labelled", json!(percent(label_share))),
                (
                    "next",
                    part(!next_hit, msg("contact-form-friction.no-next-step", [])),
                ),
                (
                    "captcha",
                    part(
                        !captcha.is_empty(),
                        msg(
                            "contact-form-friction.captcha",
                            [("names", cx.labels(&captcha))],
                        ),
                    ),
                ),
            ],
        ),
    )
    .evidence(vec![evidence(
        Some(page_url),
        Some(form.region),
        visible
            .iter()
            .map(|f| {
                let name = f
                    .label
                    .clone()
                    .or(f.placeholder.clone())
                    .or(f.name.clone())
                    .unwrap_or_else(|| f.tag.clone());
                if f.required {
                    format!("{name}*")
                } else {
                    name
                }
            })
            .collect::<Vec<_>>()
            .join(" · "),
    )])
    .details(
        json!({ "fields": visible.len(), "required": required, "label_share": label_share,
        "states_next_step": next_hit, "captcha": captcha }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromiseParams {
    max_hours: f64,
}

fn response_time_promise(cx: &Context, rule: &Rule) -> Verdict {
    let p: PromiseParams = rule.params().unwrap();
    let Some(promise) = &cx.site.response_time_promise else {
        return Verdict::says(Some(0.0), msg("response-time-promise.none", []));
    };
    let ok = promise.hours <= p.max_hours;
    Verdict::says(
        Some(if ok { 1.0 } else { 0.0 }),
        msg(
            "response-time-promise.promised",
            [
                ("hours", number(promise.hours)),
                (
                    "business",
                    part(
                        promise.business_hours,
                        msg("response-time-promise.business-time", []),
                    ),
                ),
                (
                    "over",
                    part(
                        !ok,
                        msg(
                            "response-time-promise.over-ceiling",
                            [("max", number(p.max_hours))],
                        ),
                    ),
                ),
            ],
        ),
    )
    .evidence(vec![evidence(Some(&promise.url), None, promise.text.clone())])
    .details(json!({ "hours": promise.hours, "business_hours": promise.business_hours, "max_hours": p.max_hours }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaqParams {
    min_questions: u32,
}

fn faq(cx: &Context, rule: &Rule) -> Verdict {
    let p: FaqParams = rule.params().unwrap();
    let faq_page = cx.key_page_id("faq");
    let schema_page = cx
        .obs
        .questions
        .iter()
        .filter(|q| q.2 > 0)
        .max_by_key(|q| q.2);
    let on_faq = faq_page.and_then(|f| cx.obs.questions.iter().find(|q| q.0 == f));
    let (page, count) = match (on_faq, schema_page) {
        (Some(q), _) => (Some(q.0), q.1.max(q.2)),
        (None, Some(q)) => (Some(q.0), q.2),
        (None, None) => (faq_page, 0),
    };
    let Some(page) = page else {
        return Verdict::says(Some(0.0), msg("faq.none", []));
    };
    let url = cx.obs.url(page);
    let score = if count >= p.min_questions { 1.0 } else { 0.5 };
    Verdict::says(
        Some(score),
        msg("faq.questions", [("questions", json!(count))]),
    )
    .evidence(vec![noted(
        Some(url),
        cx.words(&msg("faq.question-count", [("questions", json!(count))])),
        "",
    )])
    .details(json!({ "url": url, "questions": count, "min_questions": p.min_questions }))
}

/// Each term is a routine customer question; its patterns are the words of an answer.
fn question_bank(cx: &Context, rule: &Rule) -> Verdict {
    let preferred: Vec<u32> = [
        "faq",
        "delivery",
        "returns",
        "payment",
        "order-tracking",
        "contact",
        "terms",
    ]
    .iter()
    .filter_map(|k| cx.key_page_id(k))
    .collect();
    let mut rows = Vec::new();
    let mut answered = 0;
    let mut ev = Vec::new();
    let terms: Vec<_> = cx.checks.terms_of(&rule.id).collect();
    for (index, term) in &terms {
        let seen = &cx.obs.terms[*index];
        let best = seen
            .pages
            .iter()
            .min_by_key(|p| preferred.iter().position(|k| k == *p).unwrap_or(usize::MAX))
            .copied();
        if let Some(page) = best {
            answered += 1;
            let snippet = seen
                .evidence
                .iter()
                .find(|(p, _)| *p == page)
                .or(seen.evidence.first())
                .map(|(_, h)| h.snippet.clone())
                .unwrap_or_default();
            if ev.len() < EVIDENCE_ITEMS {
                ev.push(noted(
                    Some(cx.obs.url(page)),
                    term.label.clone(),
                    snippet.clone(),
                ));
            }
            rows.push(json!({ "question": term.name, "label": term.label, "answered_by": cx.obs.url(page), "text": snippet }));
        } else {
            rows.push(json!({ "question": term.name, "label": term.label, "answered_by": null }));
        }
    }
    let total = terms.len().max(1);
    let missing: Vec<&Localized> = terms
        .iter()
        .filter(|(i, _)| cx.obs.terms[*i].pages.is_empty())
        .map(|(_, t)| &t.label)
        .collect();
    let listed = cx.per_language(|lang| {
        let mut names: Vec<&str> = missing.iter().take(4).map(|l| l.get(lang)).collect();
        let more = format!("+{}", missing.len().saturating_sub(4));
        if missing.len() > 4 {
            names.push(&more);
        }
        names.join(" ")
    });
    Verdict::says(
        Some(answered as f64 / total as f64),
        msg(
            "question-bank.answered",
            [
                ("answered", json!(answered)),
                ("questions", json!(total)),
                (
                    "unanswered",
                    part(
                        !missing.is_empty(),
                        msg(
                            "question-bank.unanswered",
                            [
                                ("unanswered", json!(missing.len())),
                                ("list", texts(&listed)),
                            ],
                        ),
                    ),
                ),
            ],
        ),
    )
    .evidence(ev)
    .details(json!({ "questions": rows }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyPageParams {
    kind: String,
    /// Key pages where a section (the rule's terms) can stand in for a page of its own, for half the score: the
    /// "Données personnelles" chapter of a legal notice is not nothing.
    #[serde(default)]
    section_on: Vec<String>,
}

fn key_page(cx: &Context, rule: &Rule) -> Verdict {
    let p: KeyPageParams = rule.params().unwrap();
    match cx.site.key_pages.get(&p.kind) {
        Some(url) => {
            let texts = cx
                .site
                .key_page_candidates
                .get(&p.kind)
                .and_then(|c| c.iter().find(|c| c.url == url))
                .map(|c| c.link_texts.join(" / "))
                .unwrap_or_default();
            Verdict::says(Some(1.0), msg("key-page.found", [("url", json!(url))]))
                .evidence(vec![evidence(Some(url), None, texts)])
                .details(json!({ "url": url }))
        }
        None => {
            // Linked, but the link is broken: say so, it is the fix.
            let broken = cx
                .site
                .key_page_candidates
                .get(&p.kind)
                .and_then(|c| c.iter().find(|c| c.status.is_some_and(|s| s >= 400)));
            match broken {
                Some(c) => {
                    let status = c.status.unwrap_or_default();
                    Verdict::says(
                        Some(0.0),
                        msg(
                            "key-page.broken",
                            [("url", json!(c.url)), ("status", json!(status))],
                        ),
                    )
                    .evidence(vec![evidence(
                        Some(&c.url),
                        None,
                        c.link_texts.join(" / "),
                    )])
                }
                None => {
                    let sections = if p.section_on.is_empty() {
                        Vec::new()
                    } else {
                        hits_on(cx, rule, &p.section_on)
                    };
                    match sections.first() {
                        Some((_, pages, ev)) => {
                            let url = cx.obs.url(pages[0]);
                            let host = p
                                .section_on
                                .iter()
                                .find(|kind| cx.site.key_pages.get(kind) == Some(url))
                                .map(|kind| cx.checks.readers.lexicon.display_name(kind))
                                .unwrap_or_else(|| Localized::same(url));
                            Verdict::says(
                                Some(0.5),
                                msg(
                                    "key-page.section-only",
                                    [("page", cx.label(&host)), ("url", json!(url))],
                                ),
                            )
                            .evidence(ev.iter().take(1).cloned().collect())
                            .details(json!({ "section_on": url }))
                        }
                        None => Verdict::says(Some(0.0), msg("key-page.not-found", [])),
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LegalParams {
    /// Items required only in these countries (item → countries).
    #[serde(default)]
    only_in: BTreeMap<String, Vec<String>>,
}

/// The items of a legal notice, each named by a `legal-item.<item>` message.
#[cfg(test)]
const LEGAL_ITEMS: &[&str] = &[
    "company",
    "address",
    "registration-number",
    "vat-number",
    "rcs",
    "capital",
    "contact",
    "publication-director",
    "host",
    "host-address",
];

/// How a report names an item of the legal notice (`legal-item.<item>`; an unknown item as itself).
fn legal_item_name(cx: &Context, item: &str) -> Localized {
    cx.named("legal-item", item)
}

fn legal_notice_complete(cx: &Context, rule: &Rule) -> Verdict {
    let p: LegalParams = rule.params().unwrap();
    let legal_page = cx.key_page_id("legal-notice");
    let Some(page) = legal_page else {
        return Verdict::says(Some(0.0), msg("legal-notice-complete.no-page", []));
    };
    let facts = cx
        .obs
        .legal
        .iter()
        .find(|(p, _)| *p == page)
        .map(|(_, f)| f.clone())
        .unwrap_or_default();
    let url = cx.obs.url(page).to_string();
    let contact_on_page = cx.site.phones.iter().any(|p| p.pages.contains(&url))
        || cx.site.emails.iter().any(|e| e.pages.contains(&url));
    let valid_id = facts
        .identifiers
        .iter()
        .find(|i| i.valid && !i.kind.starts_with("vat"));
    let invalid: Vec<&str> = facts
        .identifiers
        .iter()
        .filter(|i| !i.valid)
        .map(|i| i.value.as_str())
        .collect();
    let vat = facts
        .identifiers
        .iter()
        .find(|i| i.valid && i.kind.starts_with("vat"));
    let country = cx.country().unwrap_or_default();
    let items: Vec<(&str, bool, String)> = vec![
        (
            "company",
            facts.legal_form.is_some(),
            facts.legal_form.clone().unwrap_or_default(),
        ),
        ("address", facts.address, String::new()),
        (
            "registration-number",
            valid_id.is_some(),
            valid_id.map(|i| i.value.clone()).unwrap_or_default(),
        ),
        (
            "vat-number",
            vat.is_some(),
            vat.map(|i| i.value.clone()).unwrap_or_default(),
        ),
        (
            "rcs",
            facts.rcs.is_some(),
            facts.rcs.clone().unwrap_or_default(),
        ),
        ("contact", contact_on_page, String::new()),
        (
            "publication-director",
            facts.director.is_some(),
            facts.director.clone().unwrap_or_default(),
        ),
        (
            "host",
            facts.host.is_some(),
            facts.host.clone().unwrap_or_default(),
        ),
        ("host-address", facts.host_address, String::new()),
    ];
    let applies = |item: &str| {
        p.only_in
            .get(item)
            .is_none_or(|c| c.iter().any(|c| c == country))
    };
    let judged: Vec<_> = items.iter().filter(|(i, _, _)| applies(i)).collect();
    let present: Vec<&str> = judged
        .iter()
        .filter(|(_, ok, _)| *ok)
        .map(|(i, _, _)| *i)
        .collect();
    let missing: Vec<&str> = judged
        .iter()
        .filter(|(_, ok, _)| !*ok)
        .map(|(i, _, _)| *i)
        .collect();
    let score = present.len() as f64 / judged.len().max(1) as f64;
    let mut ev: Vec<Evidence> = judged
        .iter()
        .filter(|(_, ok, text)| *ok && !text.is_empty())
        .map(|(i, _, text)| noted(Some(&url), legal_item_name(cx, i), text.clone()))
        .collect();
    for placeholder in &facts.placeholders {
        ev.insert(
            0,
            noted(
                Some(&url),
                cx.words(&msg("legal-notice-complete.template-text-left", [])),
                placeholder.clone(),
            ),
        );
    }
    let missing_names: Vec<Localized> = missing.iter().map(|i| legal_item_name(cx, i)).collect();
    Verdict::says(
        Some(score),
        msg(
            "legal-notice-complete.stated",
            [
                ("present", json!(present.len())),
                ("items", json!(judged.len())),
                ("missing", json!(missing.len())),
                (
                    "list",
                    if missing.is_empty() {
                        nested(&msg("legal-notice-complete.none-missing", []))
                    } else {
                        cx.labels(&missing_names)
                    },
                ),
                (
                    "placeholders",
                    part(
                        !facts.placeholders.is_empty(),
                        msg(
                            "legal-notice-complete.placeholders-left",
                            [
                                ("placeholders", json!(facts.placeholders.len())),
                                ("list", json!(facts.placeholders.join(", "))),
                            ],
                        ),
                    ),
                ),
                (
                    "invalid",
                    part(
                        !invalid.is_empty(),
                        msg(
                            "legal-notice-complete.check-digits-wrong",
                            [
                                ("invalid", json!(invalid.len())),
                                ("list", json!(invalid.join(", "))),
                            ],
                        ),
                    ),
                ),
            ],
        ),
    )
    .evidence(ev)
    .details(json!({ "url": url, "present": present, "missing": missing, "identifiers": facts.identifiers,
        "placeholders": facts.placeholders }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MediatorParams {
    /// Countries where consumer mediation is owed (EU/EEA); elsewhere the rule does not apply.
    countries: Vec<String>,
}

fn mediator(cx: &Context, rule: &Rule) -> Verdict {
    let p: MediatorParams = rule.params().unwrap();
    if let Some(country) = cx.country() {
        if !p.countries.iter().any(|c| c == country) {
            return Verdict::not_applicable(msg(
                "mediator.not-required",
                [("country", json!(country))],
            ));
        }
    }
    let hits = hits_on(cx, rule, &[]);
    let has = |name: &str| hits.iter().find(|(n, _, _)| n == name);
    let named = has("named");
    let website = has("website");
    let odr = has("odr-platform");
    let mut ev: Vec<Evidence> = hits
        .iter()
        .filter_map(|(_, _, e)| e.first().cloned())
        .collect();
    ev.sort_by_key(|e| e.text.contains("europa"));
    let outdated = [("odr", part(odr.is_some(), msg("mediator.odr-outdated", [])))];
    let (score, message) = match (named.is_some(), website.is_some()) {
        (true, true) => (1.0, msg("mediator.named-with-website", outdated)),
        (true, false) => (0.5, msg("mediator.named-without-website", outdated)),
        (false, true) => (0.5, msg("mediator.website-only", outdated)),
        (false, false) => (0.0, msg("mediator.none", outdated)),
    };
    Verdict::says(Some(score), message)
        .evidence(ev)
        .details(json!({ "named": named.is_some(), "website": website.is_some(), "odr_link_outdated": odr.is_some() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckoutParams {
    /// The rule whose terms name chat widgets.
    chat_rule: String,
}

fn checkout_assistance(cx: &Context, rule: &Rule) -> Verdict {
    let p: CheckoutParams = rule.params().unwrap();
    let pages: Vec<(&str, u32)> = ["cart", "checkout"]
        .iter()
        .filter_map(|k| cx.key_page_id(k).map(|id| (*k, id)))
        .collect();
    if pages.is_empty() {
        return Verdict::not_applicable(msg("checkout-assistance.no-page", []));
    }
    let chat_pages: BTreeSet<u32> = cx
        .checks
        .terms_of(&p.chat_rule)
        .flat_map(|(i, _)| cx.obs.terms[i].pages.iter().copied())
        .collect();
    let mut ok = 0;
    let mut ev = Vec::new();
    for (kind, page) in &pages {
        let url = cx.obs.url(*page);
        let phone = cx
            .site
            .phones
            .iter()
            .any(|ph| ph.valid && ph.pages.iter().any(|u| u == url));
        let chat = chat_pages.contains(page);
        ok += usize::from(phone || chat);
        let name = cx.checks.readers.lexicon.display_name(kind);
        let yes_no = |b: bool| {
            if b {
                nested(&msg("common.yes", []))
            } else {
                nested(&msg("common.no", []))
            }
        };
        ev.push(noted(
            Some(url),
            cx.words(&msg(
                "checkout-assistance.page-help",
                [
                    ("page", cx.label(&name)),
                    ("phone", yes_no(phone)),
                    ("chat", yes_no(chat)),
                ],
            )),
            "",
        ));
    }
    Verdict::says(
        Some(ok as f64 / pages.len() as f64),
        msg(
            "checkout-assistance.visible",
            [("ok", json!(ok)), ("pages", json!(pages.len()))],
        ),
    )
    .evidence(ev)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpellingParams {
    /// Mistakes per 1,000 words that still pass, and from which the score is 0.
    pass_per_thousand: f64,
    fail_per_thousand: f64,
    /// Words the dictionaries lack that are not mistakes (trade words).
    #[serde(default)]
    ignore: Vec<String>,
}

fn spelling(cx: &Context, rule: &Rule) -> Verdict {
    let p: SpellingParams = rule.params().unwrap();
    if cx.obs.spelling.is_empty() {
        return Verdict::not_applicable(msg("spelling.no-dictionary", []));
    }
    let ignore: BTreeSet<String> = p.ignore.iter().map(|w| w.to_lowercase()).collect();
    let mut words = 0u32;
    let mut mistakes: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for (page, sample) in &cx.obs.spelling {
        words += sample.words_checked;
        for w in &sample.misspelt {
            if !ignore.contains(&w.to_lowercase()) {
                mistakes.entry(w.clone()).or_insert((0, *page)).0 += 1;
            }
        }
    }
    // Repeated across pages means a template word (a brand in lower case, a trade term), not a slip.
    let slips: Vec<(&String, &(u32, u32))> =
        mistakes.iter().filter(|(_, (n, _))| *n <= 2).collect();
    let count = slips.len() as f64;
    let rate = if words == 0 {
        0.0
    } else {
        count * 1000.0 / f64::from(words)
    };
    let score = if rate <= p.pass_per_thousand {
        1.0
    } else {
        1.0 - ((rate - p.pass_per_thousand) / (p.fail_per_thousand - p.pass_per_thousand)).min(1.0)
    };
    let ev = slips
        .iter()
        .take(EVIDENCE_ITEMS)
        .map(|(w, (_, page))| evidence(Some(cx.obs.url(*page)), Some(Region::Main), (*w).clone()))
        .collect();
    Verdict::says(
        Some(score),
        msg(
            "spelling.mistakes",
            [
                ("mistakes", json!(slips.len())),
                ("words", json!(words)),
                ("rate", json!((rate * 10.0).round() / 10.0)),
            ],
        ),
    )
    .with_reservations(!slips.is_empty())
    .evidence(ev)
    .details(json!({ "words_checked": words, "mistakes": slips.iter().map(|(w, _)| w).collect::<Vec<_>>(),
        "pages_checked": cx.obs.spelling.len() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyParams {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WithinParams {
    /// Calendar hours within which a person must answer.
    within_hours: f64,
}

/// Probes whose fate is known: answered, out of time, or bounced. Pending and unsent ones do not count yet.
fn settled_probes<'a>(
    cx: &Context<'a>,
) -> Result<Vec<&'a crate::result::campaign::ProbeStatus>, Verdict> {
    use crate::result::campaign::Outcome;
    let Some(campaign) = cx.campaign else {
        return Err(Verdict::not_applicable(msg("email.no-campaign", [])));
    };
    let settled: Vec<_> = campaign
        .probes
        .iter()
        .filter(|p| {
            matches!(
                p.outcome,
                Outcome::Answered | Outcome::NoAnswer | Outcome::Bounced
            )
        })
        .collect();
    if settled.is_empty() {
        let pending = campaign.waiting();
        return Err(Verdict::not_applicable(msg(
            "email.in-progress",
            [("pending", json!(pending))],
        )));
    }
    Ok(settled)
}

/// A delay in each language of the pack, as a message argument; no delay is "no answer".
fn hours_text(cx: &Context, hours: Option<f64>) -> Value {
    match hours {
        None => nested(&msg("email.no-answer", [])),
        some => texts(&cx.per_language(|lang| crate::words::hours_text(some, lang))),
    }
}

/// One evidence line per probe: what it asked, to whom, what came back when.
fn probe_evidence(cx: &Context, probe: &crate::result::campaign::ProbeStatus) -> Evidence {
    let fate = if probe.bounced {
        msg("email.bounced", [])
    } else {
        msg(
            "email.delays",
            [
                ("ack", hours_text(cx, probe.ack_delay_hours)),
                ("human", hours_text(cx, probe.human_delay_hours)),
            ],
        )
    };
    noted(
        None,
        cx.words(&msg(
            "email.probe",
            [
                ("scenario", json!(probe.scenario)),
                ("to", json!(probe.to)),
                ("fate", nested(&fate)),
            ],
        )),
        "",
    )
}

/// "{good} of {total} test e-mails {what}": `what` is worded with the count `good` (a verb agrees with it).
fn share_verdict(
    cx: &Context,
    settled: &[&crate::result::campaign::ProbeStatus],
    ok: impl Fn(&crate::result::campaign::ProbeStatus) -> bool,
    what: Message,
) -> Verdict {
    let good = settled.iter().filter(|p| ok(p)).count();
    let total = settled.len();
    let mut what = what;
    what.args.insert("good".into(), json!(good));
    let share = msg(
        "email.share",
        [
            ("good", json!(good)),
            ("total", json!(total)),
            ("what", nested(&what)),
        ],
    );
    // Only the settled probes are judged; the verdict says how many still wait, and until when.
    let finding = match cx.campaign.filter(|c| c.waiting() > 0) {
        Some(campaign) => msg(
            "email.share-waiting",
            [
                ("share", nested(&share)),
                ("waiting", json!(campaign.waiting())),
                ("all", json!(campaign.probes.len())),
                (
                    "until",
                    match campaign.waiting_until.as_deref() {
                        Some(until) => texts(
                            &cx.per_language(|lang| crate::words::local_instant_text(until, lang)),
                        ),
                        None => nested(&msg("email.until-unknown", [])),
                    },
                ),
            ],
        ),
        None => share,
    };
    Verdict::says(Some(good as f64 / total as f64), finding)
        .evidence(
            settled
                .iter()
                .take(EVIDENCE_ITEMS)
                .map(|p| probe_evidence(cx, p))
                .collect(),
        )
        .details(
            json!({ "probes": settled.iter().map(|p| p.id).collect::<Vec<_>>(), "passed": good }),
        )
}

fn email_answered(cx: &Context, _: &Rule) -> Verdict {
    let settled = match settled_probes(cx) {
        Ok(s) => s,
        Err(v) => return v,
    };
    let deadline = cx.campaign.map(|c| c.deadline_hours).unwrap_or(f64::MAX);
    share_verdict(
        cx,
        &settled,
        |p| {
            !p.bounced
                && (p.ack_delay_hours.is_some_and(|h| h <= deadline)
                    || p.human_delay_hours.is_some_and(|h| h <= deadline))
        },
        msg("email-answered.what", []),
    )
}

fn email_human_answer(cx: &Context, _: &Rule) -> Verdict {
    let settled = match settled_probes(cx) {
        Ok(s) => s,
        Err(v) => return v,
    };
    share_verdict(
        cx,
        &settled,
        |p| p.outcome == crate::result::campaign::Outcome::Answered,
        msg("email-human-answer.what", []),
    )
}

fn email_within(cx: &Context, rule: &Rule) -> Verdict {
    let p: WithinParams = rule.params().unwrap();
    let settled = match settled_probes(cx) {
        Ok(s) => s,
        Err(v) => return v,
    };
    share_verdict(
        cx,
        &settled,
        |probe| probe.human_delay_hours.is_some_and(|h| h <= p.within_hours),
        msg("email-within.what", [("hours", number(p.within_hours))]),
    )
}

fn email_promise_kept(cx: &Context, _: &Rule) -> Verdict {
    let settled = match settled_probes(cx) {
        Ok(s) => s,
        Err(v) => return v,
    };
    let campaign = cx.campaign.expect("settled probes come from a campaign");
    let Some(promise) = campaign.promise_hours else {
        return Verdict::not_applicable(msg("email-promise-kept.no-promise", []));
    };
    let business = campaign.promise_business_hours;
    let unit = part(business, msg("email-promise-kept.business", []));
    share_verdict(
        cx,
        &settled,
        |p| {
            let delay = if business {
                p.business_hours_delay
            } else {
                p.human_delay_hours
            };
            delay.is_some_and(|h| h <= promise)
        },
        msg(
            "email-promise-kept.what",
            [("hours", number(promise)), ("unit", unit)],
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message keys this file names literally: every `msg(` followed by a quoted key, in the code above the
    /// tests.
    fn keys_in_source() -> BTreeSet<String> {
        let source = include_str!("detectors.rs");
        // The findings of rules not judged on a site built with JavaScript are worded in `unseen`.
        let code = format!(
            "{}{}",
            &source[..source.find("#[cfg(test)]\nmod tests").unwrap()],
            include_str!("unseen.rs")
        );
        let mut keys = BTreeSet::new();
        for (at, _) in code.match_indices("msg(") {
            let rest = code[at + 4..].trim_start();
            if let Some(quoted) = rest.strip_prefix('"') {
                keys.insert(quoted[..quoted.find('"').unwrap()].to_string());
            }
        }
        keys
    }

    fn catalogue(checks: &Checks, lang: &str) -> BTreeSet<String> {
        checks.messages.by_lang[lang]
            .messages
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn the_bundled_catalogues_have_the_same_keys() {
        let checks = Checks::bundled();
        assert_eq!(catalogue(&checks, "fr"), catalogue(&checks, "en"));
    }

    #[test]
    fn every_key_named_here_is_in_both_catalogues_and_every_catalogue_key_is_used() {
        let checks = Checks::bundled();
        let mut used = keys_in_source();
        assert!(used.len() > 90, "{} keys found", used.len());
        used.extend(PHONE_TYPES.iter().map(|t| format!("phone-type.{t}")));
        used.extend(LEGAL_ITEMS.iter().map(|i| format!("legal-item.{i}")));
        used.extend(CHAT_STATES.iter().map(|s| format!("chat-state.{s}")));
        used.extend(
            crate::facts::hours::DAYS
                .iter()
                .map(|d| format!("weekday.{d}")),
        );
        for lang in ["fr", "en"] {
            let have = catalogue(&checks, lang);
            let missing: Vec<_> = used.difference(&have).collect();
            assert!(missing.is_empty(), "messages/{lang}.toml lacks {missing:?}");
            let unused: Vec<_> = have.difference(&used).collect();
            assert!(unused.is_empty(), "messages/{lang}.toml: unused {unused:?}");
        }
    }

    #[test]
    fn no_catalogue_text_hedges_a_plural_with_s_in_brackets() {
        let checks = Checks::bundled();
        for (lang, catalogue) in &checks.messages.by_lang {
            for (key, text) in &catalogue.messages {
                assert!(!text.contains("(s)"), "messages/{lang}.toml: {key}: {text}");
            }
        }
    }

    #[test]
    fn counts_take_each_languages_plural_form() {
        let checks = Checks::bundled();
        let word = |clicks: u32, lang: &str| {
            checks.messages.word(
                &msg(
                    "key-pages-depth.clicks-from-home",
                    [("clicks", json!(clicks))],
                ),
                lang,
            )
        };
        assert_eq!(word(1, "en"), "1 click from home");
        assert_eq!(word(0, "en"), "0 clicks from home");
        assert_eq!(word(0, "fr"), "à 0 clic de l'accueil");
        assert_eq!(word(2, "fr"), "à 2 clics de l'accueil");
    }

    #[test]
    fn nested_parts_and_whole_hours_read_as_before() {
        let checks = Checks::bundled();
        let promised = msg(
            "response-time-promise.promised",
            [
                ("hours", number(72.0)),
                (
                    "business",
                    part(true, msg("response-time-promise.business-time", [])),
                ),
                (
                    "over",
                    part(
                        true,
                        msg(
                            "response-time-promise.over-ceiling",
                            [("max", number(48.0))],
                        ),
                    ),
                ),
            ],
        );
        assert_eq!(
            checks.messages.word(&promised, "en"),
            "Promised answer within 72 h business hours: over the 48 h ceiling."
        );
        assert_eq!(
            checks.messages.word(&promised, "fr"),
            "Réponse promise sous 72 h ouvrées : au-delà du plafond de 48 h."
        );
        let none = msg(
            "response-time-promise.promised",
            [
                ("hours", number(1.5)),
                ("business", part(false, msg("common.yes", []))),
                ("over", Value::Null),
            ],
        );
        assert_eq!(
            checks.messages.word(&none, "en"),
            "Promised answer within 1.5 h."
        );
    }
}

//! Detectors: small functions over site facts and page observations, named by the rule files (`detector = "…"`).
//! Each returns a score 0..1 (or none: not applicable), a one-line finding in English and French, evidence, and
//! details. Their parameters come from the rule file and are checked when the pack is loaded.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::json;

use crate::facts::observations::{hit_evidence, SiteObservations};
use crate::result::{
    CheckResult, CheckStatus, Evidence, Localized, Message, Region, SiteFacts, Target,
};
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
}

pub struct Verdict {
    pub score: Option<f64>,
    pub message: Message,
    pub evidence: Vec<Evidence>,
    pub details: serde_json::Value,
}

/// Key of the transitional messages that carry their English and French texts as arguments.
const LITERAL: &str = "";

impl Verdict {
    fn new(score: Option<f64>, en: impl Into<String>, fr: impl Into<String>) -> Verdict {
        Verdict::says(
            score,
            Message {
                key: LITERAL.into(),
                args: [("en", en.into()), ("fr", fr.into())]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
                    .collect(),
            },
        )
    }

    /// A verdict whose finding is a message of the pack's catalogue.
    fn says(score: Option<f64>, message: Message) -> Verdict {
        Verdict {
            // `+ 0.0` turns a -0.0 (a weighted sum of nothing) into 0.
            score: score.map(|s| (s.clamp(0.0, 1.0) * 1000.0).round() / 1000.0 + 0.0),
            message,
            evidence: Vec::new(),
            details: serde_json::Value::Null,
        }
    }

    fn not_applicable(en: impl Into<String>, fr: impl Into<String>) -> Verdict {
        Verdict::new(None, en, fr)
    }

    fn evidence(mut self, evidence: Vec<Evidence>) -> Verdict {
        self.evidence = evidence.into_iter().take(EVIDENCE_ITEMS).collect();
        self
    }

    fn details(mut self, details: serde_json::Value) -> Verdict {
        self.details = details;
        self
    }

    pub fn into_result(self, rule: &Rule, checks: &Checks) -> CheckResult {
        let (finding, message) = if self.message.key == LITERAL {
            let text = |lang: &str| {
                self.message
                    .args
                    .get(lang)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            (both(text("en"), text("fr")), None)
        } else {
            (
                checks.messages.localize(&self.message, &checks.languages),
                Some(self.message),
            )
        };
        CheckResult {
            id: rule.id.clone(),
            category: rule.category.clone(),
            status: status_of(self.score),
            score: self.score,
            weight: rule.weight,
            finding,
            message,
            kind: rule.kind,
            evidence: self.evidence,
            details: self.details,
            rule: crate::result::RuleTexts {
                name: rule.name.as_ref().map(|n| n.0.clone()).unwrap_or_default(),
                title: rule.title.0.clone(),
                failure_title: rule.failure_title.0.clone(),
                why: rule.why.0.clone(),
                fix: rule.fix.0.clone(),
                reference: rule.reference.clone(),
            },
        }
    }
}

/// A text in English and French (transitional: findings move to the message catalogue).
fn both(en: impl Into<String>, fr: impl Into<String>) -> Localized {
    Localized(
        [("en".to_string(), en.into()), ("fr".to_string(), fr.into())]
            .into_iter()
            .collect(),
    )
}

fn evidence(url: Option<&str>, region: Option<Region>, text: impl Into<String>) -> Evidence {
    Evidence {
        url: url.map(str::to_string),
        region,
        note: None,
        text: text.into(),
    }
}

/// Evidence with the tool's own words about it, in both languages, beside what was quoted from the site.
fn noted(url: Option<&str>, note: Localized, text: impl Into<String>) -> Evidence {
    Evidence {
        note: Some(note),
        ..evidence(url, None, text)
    }
}

/// How a report names a libphonenumber type.
fn number_type_name(kind: Option<&str>) -> Localized {
    let (en, fr) = match kind.unwrap_or_default() {
        "fixed-line" => ("landline", "fixe"),
        "mobile" => ("mobile", "mobile"),
        "fixed-line-or-mobile" => ("landline or mobile", "fixe ou mobile"),
        "toll-free" => ("free to call", "gratuit"),
        "premium-rate" => ("premium rate", "surtaxé"),
        "shared-cost" => ("shared cost", "coût partagé"),
        "voip" => ("internet telephony", "téléphonie sur internet"),
        "personal-number" => ("personal number", "numéro personnel"),
        "uan" => ("company number", "numéro d'entreprise"),
        other => return Localized::same(if other.is_empty() { "?" } else { other }),
    };
    both(en, fr)
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
    let p: ChannelsParams = rule.params()?;
    for id in &p.of {
        if !ids.contains(id.as_str()) {
            return Err(format!("[params] of: no rule {id:?}"));
        }
    }
    Ok(())
}

const DETECTORS: &[Detector] = &[
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
    if site.html_pages == 0 {
        return Verdict::not_applicable("No page could be read.", "Aucune page n'a pu être lue.");
    }
    let share = site.pages_showing_phone as f64 / site.html_pages as f64;
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
                both(
                    format!("on {} page(s)", p.page_count),
                    format!("sur {} page(s)", p.page_count),
                ),
                p.written.first().unwrap_or(&p.e164),
            )
        })
        .collect();
    for url in site.pages_without_phone.iter().take(2) {
        ev.push(noted(
            Some(url),
            both(
                "no phone number on this page",
                "aucun numéro de téléphone sur cette page",
            ),
            "",
        ));
    }
    let header_en = if in_header.is_empty() {
        "; never in the header".to_string()
    } else {
        "; in the header (seen without scrolling)".to_string()
    };
    let header_fr = if in_header.is_empty() {
        " ; jamais dans l'en-tête".to_string()
    } else {
        " ; dans l'en-tête (visible sans défiler)".to_string()
    };
    Verdict::new(
        Some(share_score(share, p.pass_share)),
        format!(
            "A phone number is shown on {} of {} pages ({}){header_en}.",
            site.pages_showing_phone,
            site.html_pages,
            percent(share)
        ),
        format!(
            "Un numéro de téléphone est affiché sur {} pages sur {} ({}){header_fr}.",
            site.pages_showing_phone,
            site.html_pages,
            percent(share)
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
        return Verdict::not_applicable(
            "The shop's country is unknown (use --country).",
            "Le pays de la boutique est inconnu (utiliser --country).",
        );
    };
    let phones: Vec<_> = cx.site.phones.iter().filter(|p| p.valid).collect();
    if phones.is_empty() {
        return Verdict::not_applicable(
            "No phone number to judge (see phone-every-page).",
            "Aucun numéro à juger (voir phone-every-page).",
        );
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
                .map(|c| (phone.e164.as_str(), c))
        })
        .collect();
    let main_misplaced = misplaced.iter().any(|(n, _)| *n == phones[0].e164);
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
                Localized::same(&format!(
                    "{} ({})",
                    p.e164,
                    p.country.as_deref().unwrap_or("?")
                )),
                p.written.first().unwrap_or(&p.e164),
            )
        })
        .collect();
    let shops: Vec<&str> = sections.iter().map(|(_, c)| c.as_str()).collect();
    let (en, fr) = if misplaced.is_empty() && sections.is_empty() {
        (
            format!("Every number shown is a {country} number ({code})."),
            format!("Tous les numéros affichés sont des numéros {country} ({code})."),
        )
    } else if misplaced.is_empty() {
        (
            format!(
                "Each country shop ({country}, {}) shows its own numbers.",
                shops.join(", ")
            ),
            format!(
                "Chaque boutique pays ({country}, {}) affiche ses propres numéros.",
                shops.join(", ")
            ),
        )
    } else {
        let list = misplaced
            .iter()
            .map(|(n, c)| format!("{n} on the {c} shop"))
            .collect::<Vec<_>>()
            .join(", ");
        let liste = misplaced
            .iter()
            .map(|(n, c)| format!("{n} sur la boutique {c}"))
            .collect::<Vec<_>>()
            .join(", ");
        (
            format!("Numbers from another country: {list}."),
            format!("Numéros d'un autre pays : {liste}."),
        )
    };
    Verdict::new(Some(score), en, fr).evidence(ev).details(json!({
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
        return Verdict::not_applicable("No phone number to judge.", "Aucun numéro à juger.");
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
                number_type_name(ph.number_type.as_deref()),
                ph.written.first().unwrap_or(&ph.e164),
            )
        })
        .collect();
    let details = json!({
        "numbers": phones.iter().map(|p| json!({"e164": p.e164, "type": p.number_type})).collect::<Vec<_>>(),
        "other_bodies": cx.site.other_phones.iter().map(|p| &p.e164).collect::<Vec<_>>(),
    });
    if surcharged.is_empty() {
        Verdict::new(
            Some(1.0),
            if phones.len() == 1 {
                "The number shown is not surcharged.".to_string()
            } else {
                format!("No surcharged number among the {} shown.", phones.len())
            },
            if phones.len() == 1 {
                "Le numéro affiché n'est pas surtaxé.".to_string()
            } else {
                format!("Aucun numéro surtaxé parmi les {} affichés.", phones.len())
            },
        )
    } else {
        let list = surcharged
            .iter()
            .map(|p| p.e164.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Verdict::new(
            Some(0.0),
            format!("Surcharged number(s) for customers: {list}."),
            format!("Numéro(s) surtaxé(s) pour les clients : {list}."),
        )
    }
    .evidence(ev)
    .details(details)
}

fn contact_link_every_page(cx: &Context, rule: &Rule) -> Verdict {
    let p: EveryPageParams = rule.params().unwrap();
    let total = cx.obs.html_pages();
    if total == 0 {
        return Verdict::not_applicable("No page could be read.", "Aucune page n'a pu être lue.");
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
                both(
                    "no link to the contact page",
                    "aucun lien vers la page contact",
                ),
                "",
            )
        })
        .collect();
    Verdict::new(
        Some(share_score(share, p.pass_share)),
        format!(
            "A contact link is on {with} of {total} pages ({}).",
            percent(share)
        ),
        format!(
            "Un lien de contact figure sur {with} pages sur {total} ({}).",
            percent(share)
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
        let clicks = best.and_then(|b| if b.linked_from_home { Some(1) } else { b.depth });
        let reached = clicks.is_some_and(|d| d <= p.max_clicks);
        ok += usize::from(reached);
        rows.push(json!({"kind": kind, "url": best.map(|b| &b.url), "clicks": clicks}));
        let name = cx.checks.readers.lexicon.display_name(kind);
        let (en, fr) = match (best, clicks) {
            (None, _) => ("not found".to_string(), "introuvable".to_string()),
            (Some(_), Some(d)) => (
                format!("{d} click(s) from home"),
                format!("à {d} clic(s) de l'accueil"),
            ),
            (Some(_), None) => (
                "not linked from the pages crawled".to_string(),
                "aucun lien depuis les pages parcourues".to_string(),
            ),
        };
        ev.push(noted(
            best.map(|b| b.url.as_str()),
            both(
                format!("{}: {en}", name.get("en")),
                format!("{} : {fr}", name.get("fr")),
            ),
            "",
        ));
    }
    let kind_names = |lang: &str| {
        p.kinds
            .iter()
            .map(|k| {
                cx.checks
                    .readers
                    .lexicon
                    .display_name(k)
                    .get(lang)
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let score = ok as f64 / p.kinds.len().max(1) as f64;
    Verdict::new(
        Some(score),
        format!(
            "{ok} of {} key pages ({}) within {} click(s) of the home page.",
            p.kinds.len(),
            kind_names("en"),
            p.max_clicks
        ),
        format!(
            "{ok} pages clés sur {} ({}) à {} clic(s) au plus de l'accueil.",
            p.kinds.len(),
            kind_names("fr"),
            p.max_clicks
        ),
    )
    .evidence(ev)
    .details(json!({ "pages": rows }))
}

fn channel_email(cx: &Context, _: &Rule) -> Verdict {
    let emails = &cx.site.emails;
    if emails.is_empty() {
        return Verdict::new(
            Some(0.0),
            "No e-mail address is shown.",
            "Aucune adresse e-mail n'est affichée.",
        );
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
    Verdict::new(
        Some(1.0),
        format!("E-mail: {list}."),
        format!("E-mail : {list}."),
    )
    .evidence(ev)
    .details(json!({ "addresses": emails.iter().map(|e| &e.address).collect::<Vec<_>>() }))
}

fn channel_phone(cx: &Context, _: &Rule) -> Verdict {
    let phones: Vec<_> = cx.site.phones.iter().filter(|p| p.valid).collect();
    if phones.is_empty() {
        return Verdict::new(
            Some(0.0),
            "No phone number is shown.",
            "Aucun numéro de téléphone n'est affiché.",
        );
    }
    let ev = phones
        .iter()
        .map(|p| {
            evidence(
                p.pages.first().map(String::as_str),
                p.regions.first().copied(),
                p.written.first().cloned().unwrap_or(p.e164.clone()),
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
    Verdict::new(
        Some(1.0),
        format!("Phone: {list}."),
        format!("Téléphone : {list}."),
    )
    .evidence(ev)
    .details(json!({ "numbers": phones.iter().map(|p| &p.e164).collect::<Vec<_>>() }))
}

fn channel_contact_form(cx: &Context, _: &Rule) -> Verdict {
    let forms = &cx.obs.forms;
    if forms.is_empty() {
        return Verdict::new(
            Some(0.0),
            "No contact form was found.",
            "Aucun formulaire de contact n'a été trouvé.",
        );
    }
    let pages: BTreeSet<u32> = forms.iter().map(|(p, _)| *p).collect();
    let ev = pages
        .iter()
        .map(|p| {
            noted(
                Some(cx.obs.url(*p)),
                both("form taking a message", "formulaire pour écrire un message"),
                "",
            )
        })
        .collect();
    Verdict::new(
        Some(1.0),
        format!("A contact form is offered on {} page(s).", pages.len()),
        format!(
            "Un formulaire de contact est proposé sur {} page(s).",
            pages.len()
        ),
    )
    .evidence(ev)
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn profiles_verdict(
    list: &[crate::result::OutboundProfile],
    what_en: &str,
    what_fr: &str,
) -> Verdict {
    if list.is_empty() {
        return Verdict::new(
            Some(0.0),
            format!("No link to {}.", what_en.to_lowercase()),
            format!("Aucun lien vers {}.", what_fr.to_lowercase()),
        );
    }
    let networks: BTreeSet<&str> = list.iter().map(|p| p.network.as_str()).collect();
    let names = networks.iter().copied().collect::<Vec<_>>().join(", ");
    Verdict::new(
        Some(1.0),
        format!("{what_en}: {names}."),
        format!("{} : {names}.", capitalized(what_fr)),
    )
    .evidence(
        list.iter()
            .map(|p| evidence(Some(&p.url), None, p.network.clone()))
            .collect(),
    )
    .details(json!({ "networks": networks }))
}

fn channel_social(cx: &Context, _: &Rule) -> Verdict {
    profiles_verdict(&cx.site.social, "Social networks", "les réseaux sociaux")
}

fn channel_messaging(cx: &Context, rule: &Rule) -> Verdict {
    if cx.site.messaging.is_empty() {
        // No usable link, but a number given for WhatsApp in the text ("WhatsApp : +212 6 52 56 39 24").
        if let Some((_, _, ev)) = hits_on(cx, rule, &[]).into_iter().next() {
            return Verdict::new(
                Some(1.0),
                "Messaging: a WhatsApp number is given (no direct link).",
                "Messagerie : un numéro WhatsApp est indiqué (sans lien direct).",
            )
            .evidence(ev);
        }
    }
    profiles_verdict(&cx.site.messaging, "Messaging", "une messagerie")
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
        .map(|r| r.id.trim_start_matches("channel-"))
        .collect();
    let names = |lang: &str| {
        cx.earlier
            .iter()
            .filter(|r| p.of.contains(&r.id) && r.status == CheckStatus::Pass)
            .map(|r| {
                r.rule
                    .name
                    .get(lang)
                    .cloned()
                    .unwrap_or_else(|| r.id.trim_start_matches("channel-").to_string())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let judged = cx.earlier.iter().filter(|r| p.of.contains(&r.id)).count();
    if judged == 0 {
        return Verdict::not_applicable(
            "No channel rule is enabled.",
            "Aucune règle de canal n'est active.",
        );
    }
    let score = offered.len() as f64 / p.target.max(1) as f64;
    Verdict::new(
        Some(score.min(1.0)),
        format!(
            "{} contact channel(s) of {judged}: {}.",
            offered.len(),
            names("en")
        ),
        format!(
            "{} canal(aux) de contact sur {judged} : {}.",
            offered.len(),
            names("fr")
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
        return Verdict::new(
            Some(0.0),
            "Not found on the pages crawled.",
            "Introuvable sur les pages parcourues.",
        );
    }
    let mut what: Vec<Localized> = pages
        .iter()
        .map(|(k, _)| cx.checks.readers.lexicon.display_name(k))
        .collect();
    what.extend(found.iter().cloned());
    Verdict::new(
        Some(1.0),
        format!("Found: {}.", joined(&what, "en")),
        format!("Trouvé : {}.", joined(&what, "fr")),
    )
    .evidence(ev)
    .details(json!({ "found": hits.iter().map(|(n, _, _)| n).collect::<Vec<_>>() }))
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
        return Verdict::new(
            Some(0.0),
            "None found on the pages crawled.",
            "Introuvable sur les pages parcourues.",
        );
    }
    Verdict::new(
        Some(score.min(1.0)),
        format!("{} found: {}.", labels.len(), joined(&labels, "en")),
        format!("{} trouvé(s) : {}.", labels.len(), joined(&labels, "fr")),
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
    let (en, fr) = match (found.is_empty(), missing.is_empty()) {
        (true, _) => (
            "Not found on the pages crawled.".to_string(),
            "Introuvable sur les pages parcourues.".to_string(),
        ),
        (false, true) => (
            format!("Found: {}.", joined(&found, "en")),
            format!("Trouvé : {}.", joined(&found, "fr")),
        ),
        (false, false) => (
            format!(
                "Found: {}; missing: {}.",
                joined(&found, "en"),
                joined(&missing, "en")
            ),
            format!(
                "Trouvé : {} ; manque : {}.",
                joined(&found, "fr"),
                joined(&missing, "fr")
            ),
        ),
    };
    let found_names: Vec<&String> = hits.iter().map(|(n, _, _)| n).collect();
    let missing_names: Vec<&String> = p
        .weights
        .keys()
        .filter(|k| !hits.iter().any(|(n, _, _)| n == *k))
        .collect();
    Verdict::new(Some(score.min(1.0)), en, fr)
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
        return Verdict::new(
            Some(0.0),
            "No opening hours are stated.",
            "Aucun horaire n'est indiqué.",
        );
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
    let yes_no = |b: bool, en: &'static str, fr: &'static str| if b { (en, fr) } else { ("", "") };
    let (ee, ef) = yes_no(evening, ", open in the evening", ", ouvert le soir");
    let (we, wf) = yes_no(weekend, ", open at the weekend", ", ouvert le week-end");
    Verdict::new(
        Some(score),
        format!("Hours stated: {} day(s) a week{ee}{we}.", week.days_open()),
        format!(
            "Horaires indiqués : {} jour(s) par semaine{ef}{wf}.",
            week.days_open()
        ),
    )
    .evidence(vec![evidence(Some(&hours.url), None, hours.text.clone())])
    .details(json!({ "week": hours.week, "evening": evening, "weekend": weekend }))
}

fn contact_consistency(cx: &Context, _: &Rule) -> Verdict {
    let site = cx.site;
    if site.phones.iter().all(|p| !p.valid) && site.emails.is_empty() {
        return Verdict::not_applicable(
            "No phone or e-mail to compare.",
            "Aucun téléphone ni e-mail à comparer.",
        );
    }
    let mut issues: Vec<(String, String, Evidence)> = Vec::new();
    for (page, href, text) in &cx.obs.link_mismatches {
        issues.push((
            format!("link {href} shows {text}"),
            format!("le lien {href} affiche {text}"),
            evidence(Some(cx.obs.url(*page)), None, format!("{href} → {text}")),
        ));
    }
    let shop_tails: BTreeSet<String> = site.phones.iter().map(|p| tail(&p.e164)).collect();
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
                !site.postcodes.is_empty() && !site.postcodes.iter().any(|p| p.code == value.trim())
            }
            _ => false,
        };
        if differs {
            issues.push((
                format!("structured data {kind} {value} is not shown on the pages"),
                format!("la donnée structurée {kind} {value} n'est pas celle affichée"),
                evidence(
                    pages.first().map(|p| cx.obs.url(*p)),
                    None,
                    format!("JSON-LD {kind}: {value}"),
                ),
            ));
        }
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
            format!(
                "{} different numbers in the header and footer",
                chrome_numbers.len()
            ),
            format!(
                "{} numéros différents dans l'en-tête et le pied de page",
                chrome_numbers.len()
            ),
            evidence(None, None, chrome_numbers.join(", ")),
        ));
    }
    let score = 1.0 - 0.35 * issues.len() as f64;
    if issues.is_empty() {
        return Verdict::new(
            Some(1.0),
            "Phone and e-mail agree everywhere they appear (links, text, structured data).",
            "Téléphone et e-mail concordent partout (liens, texte, données structurées).",
        )
        .details(json!({ "schema_contacts": cx.obs.schema_contacts.keys().collect::<Vec<_>>() }));
    }
    let en = issues
        .iter()
        .map(|i| i.0.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let fr = issues
        .iter()
        .map(|i| i.1.as_str())
        .collect::<Vec<_>>()
        .join(" ; ");
    Verdict::new(
        Some(score.max(0.0)),
        format!("Inconsistent: {en}."),
        format!("Incohérences : {fr}."),
    )
    .evidence(issues.into_iter().map(|i| i.2).collect())
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
        return Verdict::not_applicable(
            "No contact form (see channel-contact-form).",
            "Pas de formulaire de contact (voir channel-contact-form).",
        );
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
    let mut notes_en = vec![
        format!("{} field(s), {required} required", visible.len()),
        format!("{} labelled", percent(label_share)),
    ];
    let mut notes_fr = vec![
        format!("{} champ(s), {required} obligatoire(s)", visible.len()),
        format!("{} avec libellé", percent(label_share)),
    ];
    if !next_hit {
        notes_en.push("does not say what happens next".into());
        notes_fr.push("n'annonce pas la suite".into());
    }
    if !captcha.is_empty() {
        notes_en.push(format!("CAPTCHA: {}", joined(&captcha, "en")));
        notes_fr.push(format!("CAPTCHA : {}", joined(&captcha, "fr")));
    }
    Verdict::new(
        Some(score),
        format!("Contact form: {}.", notes_en.join(", ")),
        format!("Formulaire de contact : {}.", notes_fr.join(", ")),
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
        return Verdict::new(
            Some(0.0),
            "No response time is promised for e-mails.",
            "Aucun délai de réponse aux e-mails n'est annoncé.",
        );
    };
    let business_en = if promise.business_hours {
        " (business time)"
    } else {
        ""
    };
    let business_fr = if promise.business_hours {
        " (ouvrés)"
    } else {
        ""
    };
    let ok = promise.hours <= p.max_hours;
    Verdict::new(
        Some(if ok { 1.0 } else { 0.0 }),
        format!("Promised answer within {} h{business_en}{}.", promise.hours, if ok { "" } else { ": over the 48 h ceiling" }),
        format!("Réponse promise sous {} h{business_fr}{}.", promise.hours, if ok { "" } else { " : au-delà du plafond de 48 h" }),
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
        return Verdict::new(
            Some(0.0),
            "No FAQ was found.",
            "Aucune FAQ n'a été trouvée.",
        );
    };
    let url = cx.obs.url(page);
    let score = if count >= p.min_questions { 1.0 } else { 0.5 };
    Verdict::new(
        Some(score),
        format!("FAQ with {count} question(s)."),
        format!("FAQ de {count} question(s)."),
    )
    .evidence(vec![noted(
        Some(url),
        both(format!("{count} questions"), format!("{count} questions")),
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
    let listed = |english: bool| {
        let mut names: Vec<&str> = missing
            .iter()
            .take(4)
            .map(|l| if english { l.get("en") } else { l.get("fr") })
            .collect();
        let more = format!("+{}", missing.len().saturating_sub(4));
        if missing.len() > 4 {
            names.push(&more);
        }
        names.join(" ")
    };
    Verdict::new(
        Some(answered as f64 / total as f64),
        format!(
            "{answered} of {total} routine questions answered on the site{}.",
            if missing.is_empty() {
                String::new()
            } else {
                format!("; unanswered: {}", listed(true))
            }
        ),
        format!(
            "{answered} questions courantes sur {total} ont leur réponse sur le site{}.",
            if missing.is_empty() {
                String::new()
            } else {
                format!(" ; sans réponse : {}", listed(false))
            }
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
            Verdict::new(
                Some(1.0),
                format!("Found: {url}"),
                format!("Trouvée : {url}"),
            )
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
                    Verdict::new(
                        Some(0.0),
                        format!("Linked but broken: {} answers {status}.", c.url),
                        format!("Liée mais cassée : {} répond {status}.", c.url),
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
                            Verdict::new(
                                Some(0.5),
                                format!(
                                    "No page of its own: only a section of the {} covers it ({url}).",
                                    host.get("en")
                                ),
                                format!(
                                    "Pas de page dédiée : seule une section de la page {} en traite ({url}).",
                                    host.get("fr")
                                ),
                            )
                            .evidence(ev.iter().take(1).cloned().collect())
                            .details(json!({ "section_on": url }))
                        }
                        None => Verdict::new(
                            Some(0.0),
                            "Not found: no link or page names it.",
                            "Introuvable : aucun lien ni page ne la nomme.",
                        ),
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

/// How a report names an item of the legal notice.
fn legal_item_name(item: &str) -> Localized {
    let (en, fr) = match item {
        "company" => ("company and legal form", "société et forme juridique"),
        "address" => (
            "full registered address (postcode and town)",
            "adresse complète du siège (code postal et ville)",
        ),
        "registration-number" => ("registration number", "numéro d'immatriculation"),
        "vat-number" => ("VAT number", "numéro de TVA intracommunautaire"),
        "rcs" => ("trade register (RCS)", "RCS"),
        "capital" => ("share capital", "capital social"),
        "contact" => ("phone or e-mail", "téléphone ou e-mail"),
        "publication-director" => ("publication director", "directeur de la publication"),
        "host" => ("web host", "hébergeur"),
        "host-address" => ("web host's address", "adresse de l'hébergeur"),
        other => return Localized::same(other),
    };
    both(en, fr)
}

fn legal_notice_complete(cx: &Context, rule: &Rule) -> Verdict {
    let p: LegalParams = rule.params().unwrap();
    let legal_page = cx.key_page_id("legal-notice");
    let Some(page) = legal_page else {
        return Verdict::new(
            Some(0.0),
            "No legal notice page to check.",
            "Pas de page de mentions légales à vérifier.",
        );
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
        .map(|(i, _, text)| noted(Some(&url), legal_item_name(i), text.clone()))
        .collect();
    for placeholder in &facts.placeholders {
        ev.insert(
            0,
            noted(
                Some(&url),
                both("template text left", "texte modèle non rempli"),
                placeholder.clone(),
            ),
        );
    }
    let names = |items: &[&str], lang: &str| {
        items
            .iter()
            .map(|i| legal_item_name(i).get(lang).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut extra_en = String::new();
    let mut extra_fr = String::new();
    if !facts.placeholders.is_empty() {
        extra_en.push_str(&format!(
            "; template placeholders left: {}",
            facts.placeholders.join(", ")
        ));
        extra_fr.push_str(&format!(
            " ; textes modèles non remplis : {}",
            facts.placeholders.join(", ")
        ));
    }
    if !invalid.is_empty() {
        extra_en.push_str(&format!(
            "; failing its check digits: {}",
            invalid.join(", ")
        ));
        extra_fr.push_str(&format!(
            " ; clé de contrôle fausse : {}",
            invalid.join(", ")
        ));
    }
    Verdict::new(
        Some(score),
        format!("{} of {} items stated; missing: {}{extra_en}.", present.len(), judged.len(), if missing.is_empty() { "none".to_string() } else { names(&missing, "en") }),
        format!("{} éléments sur {} ; manquent : {}{extra_fr}.", present.len(), judged.len(), if missing.is_empty() { "aucun".to_string() } else { names(&missing, "fr") }),
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
            return Verdict::not_applicable(
                format!("Consumer mediation is not required in {country}."),
                format!("La médiation de la consommation n'est pas exigée en {country}."),
            );
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
    let odr_en = if odr.is_some() {
        " A link to the EU ODR platform (closed on 20 July 2025) is outdated and earns nothing."
    } else {
        ""
    };
    let odr_fr = if odr.is_some() {
        " Le lien vers la plateforme européenne RLL (fermée le 20 juillet 2025) est obsolète et ne compte pas."
    } else {
        ""
    };
    let (score, en, fr) = match (named.is_some(), website.is_some()) {
        (true, true) => (
            1.0,
            "A consumer mediator is named, with its website.",
            "Un médiateur de la consommation est nommé, avec son site.",
        ),
        (true, false) => (
            0.5,
            "A mediator is mentioned but its website is not given.",
            "Un médiateur est mentionné mais son site n'est pas indiqué.",
        ),
        (false, true) => (
            0.5,
            "A mediator's website is linked but the mediator is not named as such.",
            "Le site d'un médiateur est cité sans que le médiateur soit présenté.",
        ),
        (false, false) => (
            0.0,
            "No consumer mediator is named.",
            "Aucun médiateur de la consommation n'est indiqué.",
        ),
    };
    Verdict::new(Some(score), format!("{en}{odr_en}"), format!("{fr}{odr_fr}"))
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
        return Verdict::not_applicable(
            "No cart or checkout page was reached (robots.txt, login or JavaScript).",
            "Aucune page panier ou commande n'a été atteinte (robots.txt, connexion ou JavaScript).",
        );
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
        let yes_no_en = |b: bool| if b { "yes" } else { "no" };
        let yes_no_fr = |b: bool| if b { "oui" } else { "non" };
        ev.push(noted(
            Some(url),
            both(
                format!(
                    "{}: phone {}, chat {}",
                    name.get("en"),
                    yes_no_en(phone),
                    yes_no_en(chat)
                ),
                format!(
                    "{} : téléphone {}, chat {}",
                    name.get("fr"),
                    yes_no_fr(phone),
                    yes_no_fr(chat)
                ),
            ),
            "",
        ));
    }
    Verdict::new(
        Some(ok as f64 / pages.len() as f64),
        format!(
            "Help (phone or chat) visible on {ok} of {} cart/checkout page(s).",
            pages.len()
        ),
        format!(
            "Aide (téléphone ou chat) visible sur {ok} page(s) panier/commande sur {}.",
            pages.len()
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
        return Verdict::not_applicable(
            "No dictionary for the pages' language is installed (hunspell-fr, hunspell-en-us).",
            "Aucun dictionnaire installé pour la langue des pages (hunspell-fr, hunspell-en-us).",
        );
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
    Verdict::new(
        Some(score),
        format!("{} probable mistake(s) in {words} words checked ({rate:.1} per 1,000).", slips.len()),
        format!("{} faute(s) probable(s) sur {words} mots vérifiés ({rate:.1} pour 1 000).", slips.len()),
    )
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
        return Err(Verdict::not_applicable(
            "No mystery-shopper campaign yet.",
            "Pas encore de campagne de client mystère.",
        ));
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
        let pending = campaign
            .probes
            .iter()
            .filter(|p| p.outcome == Outcome::Pending)
            .count();
        return Err(Verdict::not_applicable(
            format!("Campaign in progress: {pending} probe(s) still within the deadline."),
            format!("Campagne en cours : {pending} e-mail(s) test encore dans le délai."),
        ));
    }
    Ok(settled)
}

/// A delay in both languages; no delay is "no answer".
fn hours_text(hours: Option<f64>) -> (String, String) {
    match hours {
        None => ("no answer".into(), "sans réponse".into()),
        some => (
            crate::words::hours_text(some, "en"),
            crate::words::hours_text(some, "fr"),
        ),
    }
}

/// One evidence line per probe: what it asked, to whom, what came back when.
fn probe_evidence(probe: &crate::result::campaign::ProbeStatus) -> Evidence {
    let (en, fr) = if probe.bounced {
        (
            "bounced: the address does not work".to_string(),
            "rejeté : l'adresse ne fonctionne pas".to_string(),
        )
    } else {
        let (ack_en, ack_fr) = hours_text(probe.ack_delay_hours);
        let (human_en, human_fr) = hours_text(probe.human_delay_hours);
        (
            format!("acknowledgement {ack_en}, human answer {human_en}"),
            format!("accusé de réception {ack_fr}, réponse humaine {human_fr}"),
        )
    };
    noted(
        None,
        both(
            format!("{} → {}: {en}", probe.scenario, probe.to),
            format!("{} → {} : {fr}", probe.scenario, probe.to),
        ),
        "",
    )
}

fn share_verdict(
    settled: &[&crate::result::campaign::ProbeStatus],
    ok: impl Fn(&crate::result::campaign::ProbeStatus) -> bool,
    what_en: &str,
    what_fr: &str,
) -> Verdict {
    let good = settled.iter().filter(|p| ok(p)).count();
    let total = settled.len();
    Verdict::new(
        Some(good as f64 / total as f64),
        format!("{good} of {total} test e-mail(s) {what_en}."),
        format!("{good} e-mail(s) test sur {total} {what_fr}."),
    )
    .evidence(
        settled
            .iter()
            .take(EVIDENCE_ITEMS)
            .map(|p| probe_evidence(p))
            .collect(),
    )
    .details(json!({ "probes": settled.iter().map(|p| p.id).collect::<Vec<_>>(), "passed": good }))
}

fn email_answered(cx: &Context, _: &Rule) -> Verdict {
    let settled = match settled_probes(cx) {
        Ok(s) => s,
        Err(v) => return v,
    };
    let deadline = cx.campaign.map(|c| c.deadline_hours).unwrap_or(f64::MAX);
    share_verdict(
        &settled,
        |p| {
            !p.bounced
                && (p.ack_delay_hours.is_some_and(|h| h <= deadline)
                    || p.human_delay_hours.is_some_and(|h| h <= deadline))
        },
        "got any reply before the deadline",
        "ont reçu une réponse avant l'échéance",
    )
}

fn email_human_answer(cx: &Context, _: &Rule) -> Verdict {
    let settled = match settled_probes(cx) {
        Ok(s) => s,
        Err(v) => return v,
    };
    share_verdict(
        &settled,
        |p| p.outcome == crate::result::campaign::Outcome::Answered,
        "got an answer from a person, not only an acknowledgement",
        "ont reçu une réponse d'une personne, pas seulement un accusé de réception",
    )
}

fn email_within(cx: &Context, rule: &Rule) -> Verdict {
    let p: WithinParams = rule.params().unwrap();
    let settled = match settled_probes(cx) {
        Ok(s) => s,
        Err(v) => return v,
    };
    share_verdict(
        &settled,
        |probe| probe.human_delay_hours.is_some_and(|h| h <= p.within_hours),
        &format!("got a human answer within {} h", p.within_hours),
        &format!(
            "ont reçu une réponse humaine en moins de {} h",
            p.within_hours
        ),
    )
}

fn email_promise_kept(cx: &Context, _: &Rule) -> Verdict {
    let settled = match settled_probes(cx) {
        Ok(s) => s,
        Err(v) => return v,
    };
    let campaign = cx.campaign.expect("settled probes come from a campaign");
    let Some(promise) = campaign.promise_hours else {
        return Verdict::not_applicable(
            "The site promises no response time: nothing to keep.",
            "Le site n'annonce pas de délai de réponse : rien à tenir.",
        );
    };
    let business = campaign.promise_business_hours;
    let (unit_en, unit_fr) = if business {
        (" business", " ouvrées")
    } else {
        ("", "")
    };
    share_verdict(
        &settled,
        |p| {
            let delay = if business {
                p.business_hours_delay
            } else {
                p.human_delay_hours
            };
            delay.is_some_and(|h| h <= promise)
        },
        &format!("were answered within the promised {promise} h{unit_en}"),
        &format!("ont reçu une réponse dans les {promise} h{unit_fr} promises"),
    )
}

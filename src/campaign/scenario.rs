//! Probe scenarios (`checks/probes/*.toml`): what the mystery shopper asks, in French and English, with wording
//! variants picked per probe so that no two shops receive the same e-mail.

use std::collections::BTreeMap;
use std::path::Path;

use handlebars::Handlebars;
use regex::Regex;
use serde::Deserialize;

use crate::facts::lexicon::fold;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    #[error("no scenario named {name:?} (known: {known})")]
    Unknown { name: String, known: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    id: String,
    title: BTreeMap<String, String>,
    /// Key page kinds (`delivery`, `returns`…) whose page the customer says it read, the first the crawl found:
    /// `{{page}}` is its title.
    #[serde(default)]
    pages: Vec<String>,
    fr: Wording,
    en: Wording,
}

/// One language's texts: each list holds interchangeable variants.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wording {
    pub subjects: Vec<String>,
    pub greetings: Vec<String>,
    pub bodies: Vec<String>,
    pub closings: Vec<String>,
    pub signature: String,
    /// Words of a real answer, one alternation per point the answer should cover.
    pub key_terms: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub id: String,
    pub title: BTreeMap<String, String>,
    pub pages: Vec<String>,
    fr: Wording,
    en: Wording,
    key_terms_fr: Vec<Regex>,
    key_terms_en: Vec<Regex>,
}

/// Who writes: the persona of the `From` address.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Persona {
    pub first: String,
    pub last: String,
    pub full: String,
}

impl Persona {
    /// "Marie Dupont" → first Marie, last Dupont; a single word is both.
    pub fn from_name(full: &str) -> Persona {
        let full = full.trim();
        let (first, last) = match full.rsplit_once(' ') {
            Some((first, last)) => (first.trim(), last.trim()),
            None => (full, full),
        };
        Persona {
            first: first.to_string(),
            last: last.to_string(),
            full: full.to_string(),
        }
    }
}

/// A rendered e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

impl Scenario {
    fn wording(&self, lang: &str) -> &Wording {
        if lang == "fr" {
            &self.fr
        } else {
            &self.en
        }
    }

    /// The share of the question's points a reply covers (0..1).
    pub fn answer_coverage(&self, reply_text: &str, lang: &str) -> f64 {
        let terms = if lang == "fr" {
            &self.key_terms_fr
        } else {
            &self.key_terms_en
        };
        if terms.is_empty() {
            return 0.0;
        }
        let folded = fold(reply_text);
        terms.iter().filter(|t| t.is_match(&folded)).count() as f64 / terms.len() as f64
    }

    /// Renders the e-mail for one probe; `seed` picks the variants, `item` is the shop's product or page the
    /// customer asks about (none: the wording that names no product).
    pub fn render(
        &self,
        lang: &str,
        seed: u64,
        shop: &str,
        persona: &Persona,
        item: Option<&ShopItem>,
        page: Option<&str>,
    ) -> Rendered {
        let w = self.wording(lang);
        let pick = |list: &[String], salt: u64| -> String {
            let index = (seed.rotate_left(salt as u32 * 13)
                ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
                % list.len() as u64;
            list[index as usize].clone()
        };
        let mut handlebars = Handlebars::new();
        handlebars.set_strict_mode(true);
        // Plain text: nothing to escape, and the values are ours, the consultant's or the shop's own titles.
        handlebars.register_escape_fn(handlebars::no_escape);
        let data = serde_json::json!({
            "shop": shop,
            "persona": persona,
            "product": item.map(|i| i.name.as_str()),
            "product_url": item.map(|i| i.url.as_str()),
            "page": page,
        });
        let fill = |template: &str| {
            handlebars
                .render_template(template, &data)
                .unwrap_or_else(|_| template.to_string())
        };
        let subject = fill(&pick(&w.subjects, 1));
        let body = format!(
            "{}\n\n{}\n\n{}\n{}\n",
            fill(&pick(&w.greetings, 2)).trim_end(),
            fill(&pick(&w.bodies, 3)).trim(),
            fill(&pick(&w.closings, 4)),
            fill(&w.signature)
        );
        Rendered { subject, body }
    }
}

/// A product (or page) of the shop a customer can ask about: its name as the shop titles it, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShopItem {
    pub name: String,
    pub url: String,
}

/// The shop's products the crawl saw: pages whose JSON-LD describes a `Product` (its `name`), else pages under a
/// product path (`/product/`, `/produit/`, `/p/`…) by their title, the shop's name cut off. A structural signal,
/// no word list of products.
pub fn shop_items(audit: &crate::result::AuditResult) -> Vec<ShopItem> {
    let mut by_json_ld = Vec::new();
    let mut by_path = Vec::new();
    for page in &audit.crawl.pages {
        let Some(facts) = page.facts.as_ref() else {
            continue;
        };
        if page.status.is_some_and(|s| s >= 400) {
            continue;
        }
        let named = facts.json_ld.iter().find_map(product_name);
        if let Some(name) = named.and_then(|n| clean_title(&n)) {
            by_json_ld.push(ShopItem {
                name,
                url: page.final_url.clone(),
            });
            continue;
        }
        let product_path = url::Url::parse(&page.final_url).ok().is_some_and(|u| {
            u.path_segments().into_iter().flatten().any(|seg| {
                matches!(
                    seg.to_ascii_lowercase().as_str(),
                    "product"
                        | "products"
                        | "produit"
                        | "produits"
                        | "p"
                        | "item"
                        | "artikel"
                        | "producto"
                        | "prodotto"
                        | "article"
                        | "articles"
                )
            })
        });
        if let (true, Some(title)) = (product_path, facts.title.as_deref().and_then(clean_title)) {
            by_path.push(ShopItem {
                name: title,
                url: page.final_url.clone(),
            });
        }
    }
    let mut items = if by_json_ld.is_empty() {
        by_path
    } else {
        by_json_ld
    };
    items.sort_by(|a, b| a.url.cmp(&b.url));
    items.dedup_by(|a, b| a.name == b.name);
    items
}

/// The title of the shop's key page of one of `kinds` (the first the crawl found), as a customer would name it.
pub fn key_page_title(audit: &crate::result::AuditResult, kinds: &[String]) -> Option<String> {
    kinds.iter().find_map(|kind| {
        let url = audit.site.key_pages.get(kind)?;
        audit
            .crawl
            .pages
            .iter()
            .find(|p| p.final_url == url || p.url == url)
            .and_then(|p| p.facts.as_ref()?.title.as_deref())
            .and_then(clean_title)
    })
}

/// The `name` of a schema.org Product in a JSON-LD block (top level, a list, or an `@graph`).
fn product_name(block: &serde_json::Value) -> Option<String> {
    match block {
        serde_json::Value::Array(items) => items.iter().find_map(product_name),
        serde_json::Value::Object(map) => {
            if let Some(graph) = map.get("@graph") {
                return product_name(graph);
            }
            let is_product = match map.get("@type") {
                Some(serde_json::Value::String(t)) => t == "Product",
                Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "Product"),
                _ => false,
            };
            if !is_product {
                return None;
            }
            map.get("name").and_then(|n| n.as_str()).map(str::to_string)
        }
        _ => None,
    }
}

/// A page title as a customer would name the item: the part before the shop's name (" | Shop", " - Shop"), spaces
/// tidied; none when nothing plausible is left (too short, too long).
fn clean_title(title: &str) -> Option<String> {
    let first = [" | ", " – ", " — ", " - ", " :: ", " · "]
        .iter()
        .filter_map(|sep| title.find(sep))
        .min()
        .map(|at| &title[..at])
        .unwrap_or(title);
    let tidy = first.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars = tidy.chars().count();
    (3..=80).contains(&chars).then_some(tidy)
}

/// The bundled scenarios, or those of `dir/probes/` when a rule pack folder is given.
pub fn load(dir: Option<&Path>) -> Result<Vec<Scenario>, ScenarioError> {
    let files: Vec<(String, String)> = match dir {
        None => crate::files::BUNDLED_CHECKS
            .iter()
            .filter(|(p, _)| p.starts_with("probes/"))
            .map(|(p, t)| (format!("checks/{p}"), t.to_string()))
            .collect(),
        Some(dir) => {
            let folder = dir.join("probes");
            let entries =
                std::fs::read_dir(&folder).map_err(|source| crate::files::FileError::Read {
                    path: folder.display().to_string(),
                    source,
                })?;
            let mut files = Vec::new();
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let text = std::fs::read_to_string(&path).map_err(|source| {
                        crate::files::FileError::Read {
                            path: path.display().to_string(),
                            source,
                        }
                    })?;
                    files.push((path.display().to_string(), text));
                }
            }
            files.sort();
            files
        }
    };
    files.iter().map(|(path, text)| parse(path, text)).collect()
}

fn parse(path: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let invalid =
        |message: String| ScenarioError::from(crate::files::FileError::invalid(path, message));
    let file: ScenarioFile =
        toml::from_str(text).map_err(|e| invalid(crate::files::toml_problem(text, &e)))?;
    let stem = Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if file.id != stem {
        return Err(invalid(format!("id {:?} must be the file name", file.id)));
    }
    let mut compiled = Vec::new();
    for (lang, w) in [("fr", &file.fr), ("en", &file.en)] {
        for (field, list) in [
            ("subjects", &w.subjects),
            ("greetings", &w.greetings),
            ("bodies", &w.bodies),
            ("closings", &w.closings),
        ] {
            if list.is_empty() {
                return Err(invalid(format!("[{lang}] {field} is empty")));
            }
        }
        // A customer's e-mail carries no reference of ours: the cover would be blown (threads, the plus address
        // and the quoted question tie replies instead).
        if std::iter::once(&w.signature)
            .chain(&w.bodies)
            .chain(&w.subjects)
            .any(|t| t.contains("{{token}}"))
        {
            return Err(invalid(format!(
                "[{lang}] no text may carry {{{{token}}}}: it would tell the shop this is a test"
            )));
        }
        let mut regexes = Vec::new();
        for term in &w.key_terms {
            let regex = Regex::new(&format!(r"(?:^|[^a-z0-9])(?:{term})"))
                .map_err(|e| invalid(format!("[{lang}] key term {term:?}: {e}")))?;
            regexes.push(regex);
        }
        compiled.push(regexes);
    }
    let key_terms_en = compiled.pop().unwrap_or_default();
    let key_terms_fr = compiled.pop().unwrap_or_default();
    Ok(Scenario {
        id: file.id,
        title: file.title,
        pages: file.pages,
        fr: file.fr,
        en: file.en,
        key_terms_fr,
        key_terms_en,
    })
}

/// The scenarios named (all when none), in the order given.
pub fn choose<'a>(
    all: &'a [Scenario],
    names: &[String],
) -> Result<Vec<&'a Scenario>, ScenarioError> {
    if names.is_empty() {
        return Ok(all.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            all.iter()
                .find(|s| &s.id == name)
                .ok_or_else(|| ScenarioError::Unknown {
                    name: name.clone(),
                    known: all
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_scenarios_load_and_vary() {
        let all = load(None).unwrap();
        let ids: Vec<&str> = all.iter().map(|s| s.id.as_str()).collect();
        for id in [
            "delivery-question",
            "product-question",
            "order-tracking",
            "after-sales-complaint",
        ] {
            assert!(ids.contains(&id), "{ids:?}");
        }
        let persona = Persona::from_name("Marie Dupont");
        let delivery = all.iter().find(|s| s.id == "delivery-question").unwrap();
        let texts: std::collections::BTreeSet<String> = (0..40u64)
            .map(|seed| {
                delivery
                    .render("fr", seed * 7919, "atelier.example", &persona, None, None)
                    .body
            })
            .collect();
        assert!(texts.len() >= 10, "only {} distinct e-mails", texts.len());
        let one = delivery.render("fr", 1, "atelier.example", &persona, None, None);
        assert!(one.body.contains("Marie Dupont"), "{}", one.body);
        assert!(!one.body.contains("{{"), "{}", one.body);
    }

    #[test]
    fn every_scenario_names_the_shops_product_when_there_is_one() {
        let lamp = ShopItem {
            name: "Lampe Opaline 30 cm".into(),
            url: "https://atelier.example/produit/lampe-opaline".into(),
        };
        let persona = Persona::from_name("Marie Dupont");
        for scenario in load(None).unwrap() {
            for lang in ["fr", "en"] {
                let named: Vec<bool> = (0..24u64)
                    .map(|seed| {
                        let e = scenario.render(
                            lang,
                            seed * 104_729,
                            "atelier.example",
                            &persona,
                            Some(&lamp),
                            Some("Livraison et retours"),
                        );
                        assert!(!e.body.contains("{{") && !e.subject.contains("{{"), "{e:?}");
                        e.body.contains("Lampe Opaline 30 cm")
                    })
                    .collect();
                assert!(
                    named.iter().filter(|n| **n).count() >= 12,
                    "{} [{lang}] names the product in too few variants",
                    scenario.id
                );
                let plain = scenario.render(lang, 7, "atelier.example", &persona, None, None);
                assert!(
                    !plain.body.contains("Opaline") && !plain.body.contains("«  »"),
                    "{plain:?}"
                );
            }
        }
    }

    #[test]
    fn a_scenario_carrying_a_token_is_refused() {
        let text = include_str!("../../checks/probes/delivery-question.toml").replacen(
            "signature = \"{{persona.full}}\"",
            "signature = \"{{persona.full}}\\nRéf. {{token}}\"",
            1,
        );
        assert!(parse("checks/probes/delivery-question.toml", &text).is_err());
    }

    #[test]
    fn products_come_from_json_ld_else_product_paths() {
        let mut audit: crate::result::AuditResult =
            serde_json::from_str(include_str!("../../tests/data/minimal-audit.json")).unwrap();
        let page = |url: &str, title: &str, json_ld: Vec<serde_json::Value>| {
            serde_json::from_value::<crate::result::PageRecord>(serde_json::json!({
                "url": url, "final_url": url, "status": 200, "depth": 1, "discovered_by": "link",
                "content_type": "text/html", "charset": null, "bytes": 100, "elapsed_ms": 1, "redirects": [],
                "error": null,
                "facts": {
                    "title": title, "lang": "fr", "canonical": null, "meta_description": null, "meta_robots": null,
                    "hreflang": [], "text": serde_json::to_value(crate::result::RegionTexts::default()).unwrap(), "links": [], "forms": [], "scripts": [], "inline_scripts": [],
                    "iframes": [], "images": [], "json_ld": json_ld, "json_ld_errors": [],
                    "candidates": serde_json::to_value(crate::result::Candidates::default()).unwrap()
                }
            }))
            .unwrap()
        };
        audit.crawl.pages = vec![
            page(
                "https://a.example/produit/lampe",
                "Lampe Opaline | Atelier",
                vec![],
            ),
            page("https://a.example/livraison", "Livraison - Atelier", vec![]),
        ];
        assert_eq!(
            shop_items(&audit),
            vec![ShopItem {
                name: "Lampe Opaline".into(),
                url: "https://a.example/produit/lampe".into()
            }]
        );
        audit.crawl.pages.push(page(
            "https://a.example/vase-bleu",
            "Vase bleu – Atelier",
            vec![serde_json::json!({"@context": "https://schema.org", "@graph": [{"@type": "Product", "name": "Vase bleu en grès"}]})],
        ));
        let names: Vec<String> = shop_items(&audit).into_iter().map(|i| i.name).collect();
        assert_eq!(names, ["Vase bleu en grès"], "JSON-LD wins over paths");
    }

    #[test]
    fn coverage_counts_the_points_answered() {
        let all = load(None).unwrap();
        let delivery = all.iter().find(|s| s.id == "delivery-question").unwrap();
        let full = "Bonjour, nous livrons en 2 à 3 jours ouvrés, frais de port offerts dès 50 €.";
        assert_eq!(delivery.answer_coverage(full, "fr"), 1.0);
        let ack = "Nous avons bien reçu votre message et revenons vers vous rapidement.";
        assert_eq!(delivery.answer_coverage(ack, "fr"), 0.0);
    }
}

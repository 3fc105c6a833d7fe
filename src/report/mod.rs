//! Stage 6, the client's report: `audit.json` → one self-contained HTML file (inline CSS and SVG, no script, no
//! external request), rendered with handlebars from `report-templates/` (bundled; `--templates DIR` overrides any
//! template, partial or the string table). The report reads the audit result only, so a template change never needs
//! a re-crawl. Templates run in strict mode: a missing partial or a field the model lacks is an error, not a blank.
//! Everything scraped reaches the templates as data and is HTML-escaped by handlebars' `{{ }}`.

use std::collections::BTreeMap;
use std::path::Path;

use handlebars::Handlebars;
use serde_json::{json, Value};

use crate::result::{AuditResult, CheckResult, CheckStatus, ConsultantNotes};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled_templates.rs"));
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    #[error("strings.toml: {0}")]
    Strings(String),
    #[error("the report cannot be written in {0:?}: strings.toml has no such language")]
    Language(String),
}

/// The consultancy's branding, from the config file.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct Branding {
    /// Shown on the cover: "Prepared by …".
    pub consultancy: Option<String>,
    /// A logo as a `data:` URI (the report makes no external request).
    pub logo_data_uri: Option<String>,
    /// The accent colour, as `#rrggbb`.
    pub accent: Option<String>,
}

pub struct ReportOptions<'a> {
    pub lang: &'a str,
    /// A folder whose files replace the bundled ones of the same name.
    pub templates: Option<&'a Path>,
    pub branding: Branding,
}

/// The priorities the report lists at most; the string table's `priorities` names a full list ("Les cinq
/// priorités").
const PRIORITIES_SHOWN: usize = 5;

/// Evidence items and listed pages shown per rule.
const PAGES_SHOWN: usize = 12;

/// Renders the report.
pub fn render(result: &AuditResult, options: &ReportOptions) -> Result<String, ReportError> {
    render_with_notes(result, options, &ConsultantNotes::default())
}

/// Renders the report with the consultant's `notes.toml`: priorities ranked, dropped or annotated.
pub fn render_with_notes(
    result: &AuditResult,
    options: &ReportOptions,
    notes: &ConsultantNotes,
) -> Result<String, ReportError> {
    render_template("report", result, options, notes, false)
}

/// Renders the Markdown summary (`summary.md.hbs`), for an e-mail or a ticket.
pub fn render_markdown(
    result: &AuditResult,
    options: &ReportOptions,
) -> Result<String, ReportError> {
    render_template(
        "summary.md",
        result,
        options,
        &ConsultantNotes::default(),
        true,
    )
}

/// One template over the view model. Markdown gets its own escaping: scraped text must not become a link, an image
/// or a table cell there either.
fn render_template(
    name: &str,
    result: &AuditResult,
    options: &ReportOptions,
    notes: &ConsultantNotes,
    markdown: bool,
) -> Result<String, ReportError> {
    let files = template_files(options.templates)?;
    let strings = strings(&files, options.lang)?;
    let mut handlebars = Handlebars::new();
    handlebars.set_strict_mode(true);
    if markdown {
        handlebars.register_escape_fn(escape_markdown);
    }
    for (name, text) in &files {
        let Some(stem) = name.strip_suffix(".hbs") else {
            continue;
        };
        let stem = stem.trim_start_matches("partials/");
        handlebars
            .register_template_string(stem, text)
            .map_err(|e| ReportError::Template {
                name: name.clone(),
                message: e.to_string(),
            })?;
    }
    let css = files
        .iter()
        .find(|(n, _)| n == "report.css")
        .map(|(_, t)| t.clone())
        .unwrap_or_default();
    let model = model(result, &strings, options, notes, &css);
    handlebars
        .render(name, &model)
        .map_err(|e| ReportError::Template {
            name: e.template_name.clone().unwrap_or_else(|| name.into()),
            message: e.to_string(),
        })
}

/// Backslash-escapes the punctuation Markdown acts on, and keeps a value on one line (a newline could start a
/// heading or end a table row).
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '!' | '#' | '~' | '{'
            | '}' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// One row per rule, for a spreadsheet or a ticket tracker: `id, category, status, score, weight, title, finding,
/// fix, evidence_url, evidence`, texts in `lang`.
pub fn render_csv(result: &AuditResult, lang: &str) -> String {
    // The bundled strings word the headlines; a language they lack is said in English.
    let strings = template_files(None)
        .and_then(|files| strings(&files, lang).or_else(|_| strings(&files, "en")))
        .unwrap_or_default();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "category",
        "status",
        "score",
        "weight",
        "title",
        "finding",
        "fix",
        "evidence_url",
        "evidence",
    ];
    writer.write_record(header).expect("writing to memory");
    for check in &result.checks {
        let first = check.evidence.first();
        let evidence = first
            .map(|e| {
                let note = e.note.as_ref().map(|n| n.get(lang)).unwrap_or_default();
                match (note.is_empty(), e.text.is_empty()) {
                    (false, false) => format!("{note}: {}", e.text),
                    (false, true) => note.to_string(),
                    _ => e.text.clone(),
                }
            })
            .unwrap_or_default();
        let title = headline(check, lang, &strings);
        let title = title.as_str();
        let row = [
            check.id.clone(),
            check.category.clone(),
            status_key(check.status).to_string(),
            check.score.map(|s| format!("{s:.3}")).unwrap_or_default(),
            format!("{}", check.weight),
            spreadsheet_safe(title),
            spreadsheet_safe(&finding(check, lang)),
            spreadsheet_safe(text(&check.rule.fix, lang)),
            spreadsheet_safe(first.and_then(|e| e.url.as_deref()).unwrap_or_default()),
            spreadsheet_safe(&evidence),
        ];
        writer.write_record(&row).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}

/// A cell a spreadsheet would run as a formula (`=HYPERLINK(...)` scraped from a page) is prefixed with `'`, as
/// OWASP advises against CSV injection.
fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The bundled files, with any of `dir` replacing them by name.
fn template_files(dir: Option<&Path>) -> Result<Vec<(String, String)>, ReportError> {
    let mut files: BTreeMap<String, String> = bundled::BUNDLED_TEMPLATES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    if let Some(dir) = dir {
        for sub in ["", "partials"] {
            let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if !path.is_file() {
                    continue;
                }
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                let key = if sub.is_empty() {
                    name
                } else {
                    format!("{sub}/{name}")
                };
                let text = std::fs::read_to_string(&path).map_err(|source| ReportError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                files.insert(key, text);
            }
        }
    }
    Ok(files.into_iter().collect())
}

fn strings(files: &[(String, String)], lang: &str) -> Result<Value, ReportError> {
    let text = files
        .iter()
        .find(|(n, _)| n == "strings.toml")
        .map(|(_, t)| t.as_str())
        .ok_or_else(|| ReportError::Strings("missing".into()))?;
    let table: toml::Table =
        toml::from_str(text).map_err(|e| ReportError::Strings(e.to_string()))?;
    let chosen = table
        .get(lang)
        .and_then(toml::Value::as_table)
        .ok_or_else(|| ReportError::Language(lang.to_string()))?;
    // A language's table may be partial: what it lacks is said in English rather than failing the report.
    let mut merged = table
        .get("en")
        .and_then(toml::Value::as_table)
        .cloned()
        .unwrap_or_default();
    merged.extend(chosen.iter().map(|(k, v)| (k.clone(), v.clone())));
    let strings = serde_json::to_value(merged).map_err(|e| ReportError::Strings(e.to_string()))?;
    for (key, value) in strings.as_object().into_iter().flatten() {
        if let Some(template) = value.as_str() {
            crate::words::check_template(template)
                .map_err(|e| ReportError::Strings(format!("[{lang}] {key}: {e}")))?;
        }
    }
    Ok(strings)
}

/// A string of the table with its placeholders filled, plural forms by the language's `plural_one` counts.
fn say(strings: &Value, key: &str, args: &[(&str, f64)]) -> String {
    let args: Vec<(&str, crate::words::Arg)> = args
        .iter()
        .map(|(name, n)| (*name, crate::words::Arg::number(*n)))
        .collect();
    say_with(strings, key, &args)
}

/// "2026-12-01 13:40 UTC" for an RFC 3339 time: a reader needs no "T" and no seconds. Unparsable: as written.
fn readable_time(rfc3339: &str, strings: &Value) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(t) => {
            let at = strings["time_at"].as_str().unwrap_or(" ");
            format!("{}{at}{} UTC", t.strftime("%Y-%m-%d"), t.strftime("%H:%M"))
        }
        Err(_) => rfc3339.to_string(),
    }
}

/// A string of the table filled with numbers and texts.
fn say_with(strings: &Value, key: &str, args: &[(&str, crate::words::Arg)]) -> String {
    let template = strings[key].as_str().unwrap_or(key);
    let singular: Vec<i64> = strings["plural_one"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_else(|| vec![1]);
    // Numbers take the language's decimal mark ("0,8" in French); texts stay as they are.
    let decimal = strings["decimal"].as_str().unwrap_or(".");
    crate::words::fill(template, &singular, |name| {
        args.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| crate::words::Arg {
                text: if v.number.is_some() {
                    v.text.replace('.', decimal)
                } else {
                    v.text.clone()
                },
                number: v.number,
            })
    })
}

/// The shop's country as the audit established it, with how sure it is when it was not stated or read from the
/// domain: a reader must not take a guess for a fact.
fn country_line(result: &AuditResult, strings: &Value) -> String {
    let target = &result.target;
    let said = |key: &str| strings[key].as_str().unwrap_or(key).to_string();
    let mut line = match &target.country {
        None => said("country_unknown"),
        Some(c) if c.confidence == "inferred" => {
            said("country_inferred").replace("{country}", &c.value)
        }
        Some(c) if c.confidence == "weak" => said("country_weak").replace("{country}", &c.value),
        Some(c) => c.value.clone(),
    };
    if !target.country_candidates.is_empty() {
        line.push_str(" — ");
        line.push_str(
            &said("country_open").replace("{candidates}", &target.country_candidates.join(", ")),
        );
    }
    line
}

/// Only web addresses become links: a scraped `javascript:` URL stays text.
fn safe_url(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        url.trim().to_string()
    } else {
        String::new()
    }
}

fn text<'a>(map: &'a BTreeMap<String, String>, lang: &str) -> &'a str {
    map.get(lang)
        .or_else(|| map.get("en"))
        .or_else(|| map.values().next())
        .map(String::as_str)
        .unwrap_or_default()
}

fn status_key(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Pass => "pass",
        CheckStatus::Partial => "partial",
        CheckStatus::Fail => "fail",
        CheckStatus::NotApplicable => "not_applicable",
    }
}

/// Lighthouse's colour bands: 90+ good, 50+ average, below poor.
fn band(score: Option<f64>) -> &'static str {
    match score {
        Some(s) if s >= 90.0 => "good",
        Some(s) if s >= 50.0 => "average",
        Some(_) => "poor",
        None => "na",
    }
}

fn finding(check: &CheckResult, lang: &str) -> String {
    check.finding.get(lang).to_string()
}

/// The rule's headline for its status, so that it never contradicts the finding below it: the failure title for a
/// failure, the rule's partial title (else its title "in part") for a partial result, the title "with
/// reservations" for a pass that still lists shortcomings, the title otherwise.
pub fn headline(check: &CheckResult, lang: &str, strings: &Value) -> String {
    let title = text(&check.rule.title, lang);
    let compose = |key: &str| {
        strings[key]
            .as_str()
            .unwrap_or("{title}")
            .replace("{title}", title)
    };
    match check.status {
        CheckStatus::Fail => text(&check.rule.failure_title, lang).to_string(),
        CheckStatus::Partial => match check.rule.partial_title.get(lang) {
            Some(partial) if !partial.is_empty() => partial.clone(),
            _ => compose("partial_title"),
        },
        CheckStatus::Pass if check.reservations => compose("reserved_title"),
        _ => title.to_string(),
    }
}

fn rule_view(check: &CheckResult, lang: &str, strings: &Value, rendered_pages: &[String]) -> Value {
    let title = headline(check, lang, strings);
    let pages_without: Vec<String> = check
        .details
        .get("pages_without")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .take(PAGES_SHOWN)
                .map(safe_url)
                .collect()
        })
        .unwrap_or_default();
    let total_without = check
        .details
        .get("pages_without_count")
        .and_then(Value::as_u64)
        .unwrap_or(pages_without.len() as u64);
    let more = total_without.saturating_sub(pages_without.len() as u64);
    let and_more = say(strings, "and_more", &[("n", more as f64)]);
    // A missing fax is not a breach: failed minor rules (weight under 1) read as suggestions.
    let minor =
        matches!(check.status, CheckStatus::Fail | CheckStatus::Partial) && check.weight < 1.0;
    let look = if minor {
        "minor"
    } else {
        status_key(check.status)
    };
    json!({
        "id": check.id,
        "title": title,
        "status": status_key(check.status),
        "look": look,
        "status_label": strings[format!("status_{look}")],
        "score_pct": check.score.map(|s| (s * 100.0).round()),
        "weight": check.weight,
        // A test made by hand says what it found in the consultant's line: "not tested yet" would contradict it.
        "finding": if check.consultant.as_ref().is_some_and(|c| !c.stale) && untested_message(check) {
            String::new()
        } else {
            finding(check, lang)
        },
        "why": text(&check.rule.why, lang),
        "fix": text(&check.rule.fix, lang),
        "reference": check.rule.reference.clone().unwrap_or_default(),
        // The list of pages concerned says it all: no second copy of them among the evidence.
        "evidence": check.evidence.iter().filter(|e| {
            !(e.text.is_empty() && e.url.as_deref().is_some_and(|u| pages_without.iter().any(|p| p == u)))
        }).map(|e| json!({
            // Found on a page read from Chromium's rendering: what scripts wrote, which the HTML lacks.
            "rendered": e.url.as_deref().is_some_and(|u| rendered_pages.iter().any(|p| p == u)),
            "url": safe_url(e.url.as_deref().unwrap_or_default()),
            "text": e.text,
            "note": e.note.as_ref().map(|n| n.get(lang)).unwrap_or_default(),
            "region": e.region.map(|r| serde_json::to_value(r).unwrap_or(Value::Null)).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
        "pages_without": pages_without,
        "more_pages": if more > 0 { and_more } else { String::new() },
        "consultant": consultant_line(check, strings),
        "consultant_stale": check.consultant.as_ref().is_some_and(|c| c.stale),
        // A file beside the report; its name was made safe when it was written there.
        "attachment": check.consultant.as_ref().and_then(|c| c.attachment.clone()),
    })
}

/// The tool's word on a test only a person can make: not made yet.
fn untested_message(check: &CheckResult) -> bool {
    check.kind == crate::result::RuleKind::Manual
        && check
            .message
            .as_ref()
            .is_some_and(|m| m.key == "manual.untested")
}

/// A test only a person can make, never made: named in one sentence, not carded (one made and now to redo is
/// carded, with its call to redo it).
fn manual_untested(check: &CheckResult) -> bool {
    untested_message(check)
        && check.status == CheckStatus::NotApplicable
        && check.consultant.is_none()
}

/// A test only a person can make with no result in force: never made, or to redo.
fn manual_not_in_force(check: &CheckResult) -> bool {
    untested_message(check)
        && check.status == CheckStatus::NotApplicable
        && check.consultant.as_ref().is_none_or(|c| c.stale)
}

/// The name a rule goes by in a list ("réponse au téléphone"), its title when it has none.
fn rule_name<'a>(check: &'a CheckResult, lang: &str) -> &'a str {
    match text(&check.rule.name, lang) {
        "" => text(&check.rule.title, lang),
        name => name,
    }
}

/// The consultant's judgement on a rule, said as theirs (who, when, why), or the call to look at it again.
fn consultant_line(check: &CheckResult, strings: &Value) -> String {
    let Some(judgement) = &check.consultant else {
        return String::new();
    };
    let manual = judgement.kind == crate::result::JudgementKind::Manual;
    let key = match (manual, judgement.stale) {
        (false, true) => "consultant_stale",
        (false, false) => "consultant_judged",
        (true, true) => "consultant_manual_stale",
        (true, false) => "consultant_manual",
    };
    // A manual test is dated by the day it was made, an override by the day it was given.
    let date = judgement
        .tested_on
        .clone()
        .filter(|_| manual)
        .unwrap_or_else(|| judgement.at.get(..10).unwrap_or(&judgement.at).to_string());
    say_with(
        strings,
        key,
        &[
            ("by", crate::words::Arg::text(judgement.by.clone())),
            ("date", crate::words::Arg::text(date)),
            ("reason", crate::words::Arg::text(judgement.reason.clone())),
        ],
    )
}

/// The mystery-shopper section: a timeline (one lane per probe, scaled to the deadline) and a table.
fn campaign_view(
    campaign: &crate::result::campaign::CampaignStatus,
    lang: &str,
    strings: &Value,
) -> Value {
    let s = |key: &str| strings[key].as_str().unwrap_or(key).to_string();
    let hours = |h: Option<f64>| crate::words::hours_text(h, lang);
    let (left, lane_width, row_height) = (170.0, 600.0, 24.0);
    let deadline = campaign.deadline_hours.max(1.0);
    let x = |h: f64| left + (h.min(deadline) / deadline) * lane_width;
    let rows: Vec<Value> = campaign
        .probes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let y = 22.0 + i as f64 * row_height;
            let label = match text(&p.scenario_title, lang) {
                "" => p.scenario.clone(),
                t => t.to_string(),
            };
            // The timeline's label column is narrow; the table below has the full name.
            let short_label = shortened(&label, 26);
            let quality = p
                .replies
                .iter()
                .find(|r| r.class == crate::result::campaign::ReplyClass::Human)
                .and_then(|r| r.quality.as_ref())
                .map(|q| {
                    let mut parts = Vec::new();
                    if q["greets_by_name"] == true { parts.push(s("quality_greets")); }
                    if q["answers_question"].as_f64().unwrap_or(0.0) >= 0.5 { parts.push(s("quality_answers")); }
                    if q["signed_by_person"] == true { parts.push(s("quality_signed")); }
                    if q["gives_other_channel"] == true { parts.push(s("quality_channel")); }
                    let mistakes = q["spelling_mistakes"].as_u64().unwrap_or(0);
                    if mistakes > 0 { parts.push(say(strings, "quality_mistakes", &[("n", mistakes as f64)])); }
                    parts.join(", ")
                })
                .unwrap_or_default();
            json!({
                "label": label,
                "short_label": short_label,
                "to": p.to,
                "sent": p.sent_at.as_deref().map(|t| t.replace('T', " ").replace('Z', " UTC")).unwrap_or_else(|| "–".into()),
                "ack": hours(p.ack_delay_hours),
                "human": hours(p.human_delay_hours),
                "business": p.business_hours_delay.map(|h| s("campaign_business").replace("{h}", &hours(Some(h)))).unwrap_or_default(),
                "outcome": p.outcome,
                "outcome_label": s(&format!("outcome_{}", p.outcome.as_str().replace('-', "_"))),
                "quality": quality,
                "y": y,
                "label_y": y + 11.0,
                "mid_y": y + 7.0,
                "ack_x": p.ack_delay_hours.map(|h| format!("{:.1}", x(h))),
                "human_x": p.human_delay_hours.map(|h| format!("{:.1}", x(h))),
                "human_w": p.human_delay_hours.map(|h| format!("{:.1}", x(h) - left)),
            })
        })
        .collect();
    let height = 22.0 + campaign.probes.len() as f64 * row_height + 6.0;
    let ticks: Vec<Value> = (0..=(deadline / 24.0).floor() as i64)
        .map(|d| json!({ "x": format!("{:.1}", x(d as f64 * 24.0)), "label": if d == 0 { "0".to_string() } else { format!("{} h", d * 24) } }))
        .collect();
    let sent = campaign
        .probes
        .iter()
        .filter(|p| p.sent_at.is_some())
        .count();
    let answered = campaign
        .probes
        .iter()
        .filter(|p| p.outcome == crate::result::campaign::Outcome::Answered)
        .count();
    let promise = campaign.promise_hours.map(|h| {
        if campaign.promise_business_hours {
            s("campaign_business").replace("{h}", &hours(Some(h)))
        } else {
            hours(Some(h))
        }
    });
    json!({
        "summary": say(
            strings,
            "campaign_summary",
            &[
                ("sent", sent as f64),
                ("answered", answered as f64),
                ("deadline", (deadline / 24.0).round()),
            ],
        ),
        "promise": promise.unwrap_or_default(),
        // Not finished while a probe waits: the figures above count only what has settled.
        "waiting": campaign.waiting_until.as_deref().filter(|_| campaign.waiting() > 0).map(|until| {
            say_with(
                strings,
                "campaign_waiting",
                &[
                    ("waiting", crate::words::Arg::number(campaign.waiting() as f64)),
                    ("all", crate::words::Arg::number(campaign.probes.len() as f64)),
                    ("until", crate::words::Arg::text(crate::words::local_instant_text(until, lang))),
                ],
            )
        }),
        "finished": campaign.waiting() == 0,
        // A promise in business hours has no place on a calendar axis.
        "promise_x": campaign.promise_hours.filter(|_| !campaign.promise_business_hours).map(|h| format!("{:.1}", x(h))),
        "rows": rows,
        "ticks": ticks,
        "width": left + lane_width + 20.0,
        "height": height,
        "axis_bottom": height - 4.0,
        "left": left,
        "lane_width": lane_width,
    })
}

/// What to fix first, then what passes, then what did not apply; heavier rules first in each group.
fn in_reading_order<'a>(checks: impl Iterator<Item = &'a CheckResult>) -> Vec<&'a CheckResult> {
    let group = |c: &CheckResult| match c.status {
        CheckStatus::Fail | CheckStatus::Partial if c.weight >= 1.0 => 0,
        CheckStatus::Fail | CheckStatus::Partial => 1,
        CheckStatus::Pass => 2,
        CheckStatus::NotApplicable => 3,
    };
    let lost = |c: &CheckResult| c.weight * (1.0 - c.score.unwrap_or(1.0));
    let mut sorted: Vec<&CheckResult> = checks.collect();
    sorted.sort_by(|a, b| {
        group(a)
            .cmp(&group(b))
            .then(lost(b).total_cmp(&lost(a)))
            .then(b.weight.total_cmp(&a.weight))
            .then(a.id.cmp(&b.id))
    });
    sorted
}

/// At most `max` characters, cut at a word, with an ellipsis.
fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map(|(head, _)| head).unwrap_or(&cut);
    format!("{}…", cut.trim_end_matches([' ', ',', '-', '|', '–']))
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The view model the templates render: every text already in the report's language.
/// The cover's words on a site built with JavaScript: the rules not judged, why, and what the grade rests on.
/// "What changed": the score over the shop's audits (an inline SVG line), then the rules fixed and regressed since
/// the last one, each with its finding then and now. Null for a first audit.
fn history_view(result: &AuditResult, lang: &str, strings: &Value) -> Value {
    let Some(history) = &result.history else {
        return Value::Null;
    };
    let mut points: Vec<(String, Option<f64>)> = history
        .earlier
        .iter()
        .map(|a| {
            (
                a.finished_at
                    .get(..10)
                    .unwrap_or(&a.finished_at)
                    .to_string(),
                a.score,
            )
        })
        .collect();
    points.push((
        result
            .finished_at
            .get(..10)
            .unwrap_or(&result.finished_at)
            .to_string(),
        result.scores.overall,
    ));
    // 0–100 drawn in a 300 × 100 box, oldest on the left.
    let step = if points.len() > 1 {
        280.0 / (points.len() - 1) as f64
    } else {
        0.0
    };
    let dots: Vec<Value> = points
        .iter()
        .enumerate()
        .filter_map(|(i, (date, score))| {
            let score = (*score)?;
            Some(json!({
                "x": format!("{:.1}", 10.0 + step * i as f64),
                "y": format!("{:.1}", 95.0 - score * 0.9),
                "date": date,
                "score": format!("{score:.0}"),
            }))
        })
        .collect();
    let line = dots
        .iter()
        .map(|d| {
            format!(
                "{},{}",
                d["x"].as_str().unwrap_or("0"),
                d["y"].as_str().unwrap_or("0")
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let changes = |kind: &str| -> Vec<Value> {
        history
            .changes
            .iter()
            .filter(|c| c.change == kind)
            .filter_map(|c| {
                let now = result.checks.iter().find(|r| r.id == c.id)?;
                Some(json!({
                    "id": c.id,
                    "title": headline(now, lang, strings),
                    "before": c.finding_before.get(lang),
                    "now": now.finding.get(lang),
                }))
            })
            .collect()
    };
    let previous = history.earlier.last();
    // Fewer pages read (a lower page budget, pages that failed) makes rules fail that the shop did not break: the
    // reader is told before the lists.
    let pages_now = result.crawl.counts.html_pages as f64;
    let pages_then = previous.map(|p| p.html_pages as f64).unwrap_or(pages_now);
    let capped = result
        .crawl
        .counts
        .skipped_by_reason
        .get("max-pages")
        .copied()
        .unwrap_or(0)
        > 0;
    let caveat = if pages_now < pages_then * 0.8 || (capped && pages_now < pages_then) {
        say(
            strings,
            "history_fewer_pages",
            &[("now", pages_now), ("then", pages_then)],
        )
    } else {
        String::new()
    };
    json!({
        "caveat": caveat,
        "dots": dots,
        "line": line,
        "since": say_with(
            strings,
            "history_since",
            &[
                ("date", crate::words::Arg::text(previous.map(|p| p.finished_at.get(..10).unwrap_or(&p.finished_at).to_string()).unwrap_or_default())),
                ("audits", crate::words::Arg::number(history.earlier.len() as f64)),
            ],
        ),
        "fixed": changes("fixed"),
        "regressed": changes("regressed"),
        "replies": replies_over_time(result, lang),
    })
}

/// The e-mail replies audit after audit, once any audit had a campaign: one row per audit, "–" where none ran.
fn replies_over_time(result: &AuditResult, lang: &str) -> Vec<Value> {
    let Some(history) = &result.history else {
        return Vec::new();
    };
    let now = result
        .campaign
        .as_ref()
        .map(crate::figures::campaign_summary);
    let rows: Vec<(&str, Option<&crate::result::CampaignSummary>)> = history
        .earlier
        .iter()
        .map(|a| (a.finished_at.as_str(), a.campaign.as_ref()))
        .chain([(result.finished_at.as_str(), now.as_ref())])
        .collect();
    if rows.iter().all(|(_, c)| c.is_none()) {
        return Vec::new();
    }
    let hours = |h: Option<f64>| crate::words::hours_text(h, lang);
    rows.into_iter()
        .map(|(finished_at, c)| {
            json!({
                "date": finished_at.get(..10).unwrap_or(finished_at),
                "answered": c.map(|c| format!("{} / {}", c.answered, c.sent)).unwrap_or_else(|| "–".into()),
                "median": hours(c.and_then(|c| c.median_human_delay_hours)),
                "slowest": hours(c.and_then(|c| c.slowest_human_delay_hours)),
                "promise": hours(c.and_then(|c| c.promise_hours)),
            })
        })
        .collect()
}

/// The home and contact pages as Chromium showed them, embedded (only PNG data URIs of plain base64: an edited
/// audit.json cannot slip anything else into the page).
fn screenshots_view(result: &AuditResult) -> Vec<Value> {
    let Some(rendering) = &result.crawl.rendering else {
        return Vec::new();
    };
    rendering
        .screenshots
        .iter()
        .filter(|s| {
            s.data_uri
                .strip_prefix("data:image/png;base64,")
                .is_some_and(|b64| {
                    b64.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
                })
        })
        .map(|s| json!({"url": safe_url(&s.url), "data_uri": s.data_uri}))
        .collect()
}

/// What the audit did not read, said on the cover in the client's words: the page budget reached, pages too deep,
/// excluded by robots.txt, that failed or were cut short. Empty when the crawl read the whole site.
fn limits_view(result: &AuditResult, strings: &Value, lang: &str) -> Vec<String> {
    let counts = &result.crawl.counts;
    let skipped = |reason: &str| counts.skipped_by_reason.get(reason).copied().unwrap_or(0) as f64;
    let mut out = Vec::new();
    let left = skipped("max-pages");
    if left > 0.0 {
        out.push(say(
            strings,
            "limit_cap",
            &[
                ("pages", counts.html_pages as f64),
                ("max", result.crawl.settings.max_pages as f64),
                ("left", left),
            ],
        ));
    }
    let deep = skipped("max-depth");
    if deep > 0.0 {
        out.push(say(
            strings,
            "limit_depth",
            &[
                ("left", deep),
                ("depth", f64::from(result.crawl.settings.max_depth)),
            ],
        ));
    }
    let robots = skipped("robots-txt");
    if robots > 0.0 {
        out.push(say(strings, "limit_robots", &[("n", robots)]));
    }
    if result.crawl.robots.crawl_delay_asked.is_some() {
        let used = result.crawl.robots.crawl_delay_secs.unwrap_or(0.0);
        out.push(say(strings, "limit_crawl_delay", &[("secs", used)]));
    }
    let pages = &result.crawl.pages;
    let cut = pages
        .iter()
        .filter(|p| {
            p.error
                .as_ref()
                .is_some_and(|e| e.kind == crate::result::FetchErrorKind::TooLarge)
        })
        .count() as f64;
    // A 404 is the shop's broken link (a finding); a 5xx, a timeout or a network error is a page the audit missed.
    let failed = pages
        .iter()
        .filter(|p| {
            use crate::result::FetchErrorKind as Kind;
            !p.has_facts()
                && p.error.as_ref().is_some_and(|e| match e.kind {
                    Kind::HttpStatus => p.status.is_some_and(|s| s >= 500),
                    Kind::Dns
                    | Kind::Connect
                    | Kind::Tls
                    | Kind::Timeout
                    | Kind::Body
                    | Kind::Other
                    | Kind::Unreadable
                    | Kind::PrivateAddress => true,
                    _ => false,
                })
        })
        .count() as f64;
    if failed > 0.0 {
        out.push(say(strings, "limit_failed", &[("n", failed)]));
    }
    // Read in part for another reason than the size limit: the server cut the body short, or the markup was too
    // deep to parse. Like cut pages, they are left out of the rules about every page.
    let partial = pages
        .iter()
        .filter(|p| {
            p.has_facts()
                && p.error.as_ref().is_some_and(|e| {
                    e.kind.partly_read() && e.kind != crate::result::FetchErrorKind::TooLarge
                })
        })
        .count() as f64;
    if partial > 0.0 {
        out.push(say(strings, "limit_partial", &[("n", partial)]));
    }
    if cut > 0.0 {
        out.push(say(
            strings,
            "limit_cut",
            &[
                ("n", cut),
                (
                    "mib",
                    (result.crawl.settings.max_body_bytes / (1024 * 1024)) as f64,
                ),
            ],
        ));
    }
    if let Some(rendering) = &result.crawl.rendering {
        if rendering.browser.is_none() {
            out.push(
                strings["limit_render_missing"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        if rendering.failed_pages > 0 {
            out.push(say(
                strings,
                "limit_render_failed",
                &[("n", rendering.failed_pages as f64)],
            ));
        }
        if rendering.capped_pages > 0 {
            out.push(say(
                strings,
                "limit_render_capped",
                &[
                    ("n", rendering.capped_pages as f64),
                    (
                        "rendered",
                        (rendering.rendered_pages + rendering.failed_pages) as f64,
                    ),
                ],
            ));
        }
        for (key, n) in [
            ("limit_render_other_hosts", rendering.refused.other_host),
            ("limit_render_robots", rendering.refused.robots),
            ("limit_render_out_of_time", rendering.refused.out_of_time),
        ] {
            if n > 0 {
                out.push(say(strings, key, &[("n", n as f64)]));
            }
        }
    }
    let untested: Vec<&str> = result
        .checks
        .iter()
        .filter(|c| manual_not_in_force(c))
        .map(|c| rule_name(c, lang))
        .collect();
    if !untested.is_empty() {
        out.push(say_with(
            strings,
            "limit_manual",
            &[("names", crate::words::Arg::text(untested.join(", ")))],
        ));
    }
    out
}

fn coverage_view(result: &AuditResult, strings: &Value) -> Value {
    let (Some(coverage), Some(built)) = (&result.coverage, &result.site.script_built) else {
        return Value::Null;
    };
    json!({
        "unjudged": say(strings, "coverage_unjudged", &[("n", coverage.unjudged_rules.len() as f64)]),
        "home": if built.home_reaches_nothing { strings["coverage_home"].clone() } else { Value::Null },
        "pages": say(strings, "coverage_pages", &[("pages", built.script_built_pages as f64), ("total", built.html_pages as f64)]),
        "grade": coverage_sentence(strings, if coverage.score_withheld { "coverage_withheld" } else { "coverage_provisional" }, coverage),
        "provisional": coverage.grade_provisional && !coverage.score_withheld,
        "next": strings["coverage_next"],
    })
}

fn coverage_sentence(strings: &Value, key: &str, coverage: &crate::result::Coverage) -> String {
    say(
        strings,
        key,
        &[
            ("judged", f64::from(coverage.judged_rules)),
            ("total", f64::from(coverage.total_rules)),
        ],
    )
}

fn model(
    result: &AuditResult,
    strings: &Value,
    options: &ReportOptions,
    notes: &ConsultantNotes,
    css: &str,
) -> Value {
    let lang = options.lang;
    let checks = &result.checks;
    let rendered_pages: &[String] = result
        .crawl
        .rendering
        .as_ref()
        .map(|r| r.pages.as_slice())
        .unwrap_or_default();
    let overall = result.scores.overall;
    let verdict_key = match band(overall) {
        "good" => "verdict_good",
        "average" => "verdict_average",
        "poor" => "verdict_poor",
        _ => "verdict_none",
    };
    // The priorities: the same list the terminal prints.
    let priorities: Vec<Value> = crate::result::priorities(
        checks,
        crate::result::ShopProfile::of(&result.site),
        notes,
        PRIORITIES_SHOWN,
    )
    .into_iter()
    .map(|c| {
        let mut view = rule_view(c, lang, strings, rendered_pages);
        view["consultant_note"] = Value::String(
            notes
                .priorities
                .iter()
                .find(|n| n.rule == c.id)
                .and_then(|n| n.note.clone())
                .unwrap_or_default(),
        );
        view
    })
    .collect();

    // Without a campaign the rules on replies were never run: one sentence says so, not a card of advice each.
    let unjudged = |r: &&CheckResult| {
        result.campaign.is_none()
            && r.kind == crate::result::RuleKind::Campaign
            && r.status == CheckStatus::NotApplicable
    };
    let not_run: Vec<&CheckResult> = checks.iter().filter(unjudged).collect();
    let list_view = |key: &str, rules: &[&CheckResult]| {
        json!({
            "text": say(strings, key, &[("n", rules.len() as f64)]),
            "rules": rules.iter().map(|r| json!({"id": r.id, "name": rule_name(r, lang)})).collect::<Vec<_>>(),
        })
    };
    let not_run_view = (!not_run.is_empty()).then(|| list_view("campaign_not_run", &not_run));
    // Tests a person makes: listed in one sentence per category until made, not as a card of advice each.
    let untested_in = |category: &str| -> Option<Value> {
        let rules: Vec<&CheckResult> = checks
            .iter()
            .filter(|r| r.category == category && manual_untested(r))
            .collect();
        (!rules.is_empty()).then(|| list_view("manual_not_run", &rules))
    };
    let not_run_lists = |category: &str| -> Vec<Value> {
        let campaign = checks
            .iter()
            .any(|r| r.category == category && unjudged(&r))
            .then(|| not_run_view.clone())
            .flatten();
        campaign.into_iter().chain(untested_in(category)).collect()
    };
    let categories: Vec<Value> = result
        .scores
        .categories
        .iter()
        .map(|c| {
            let title = match text(&c.title, lang) {
                "" => c.id.as_str(),
                title => title,
            };
            json!({
                "id": c.id,
                "title": title,
                "score": c.score.map(|s| s.round() as i64),
                // A score of 0 is falsy in templates: they show this text instead.
                "score_text": c.score.map(|s| format!("{:.0}", s.round())).unwrap_or_else(|| strings["category_na"].as_str().unwrap_or("N/A").to_string()),
                "band": band(c.score),
                "passed": c.passed,
                "applicable": c.passed + c.partial + c.failed,
                "rules": in_reading_order(checks.iter().filter(|r| r.category == c.id && !unjudged(r) && !manual_untested(r))).into_iter().map(|r| rule_view(r, lang, strings, rendered_pages)).collect::<Vec<_>>(),
                "not_run": not_run_lists(&c.id),
            })
        })
        .collect();
    let channels: Vec<Value> = checks
        .iter()
        .filter(|c| c.kind == crate::result::RuleKind::Channel)
        .map(|c| {
            let name = match text(&c.rule.name, lang) {
                "" => text(&c.rule.title, lang),
                name => name,
            };
            json!({
                "id": c.id,
                "name": capitalized(name),
                "found": c.status == CheckStatus::Pass,
                "where": c.evidence.first().map(|e| safe_url(e.url.as_deref().unwrap_or_default())).unwrap_or_default(),
                "detail": c.evidence.first().map(|e| e.text.clone()).unwrap_or_default(),
            })
        })
        .collect();
    let days: Vec<String> = strings["days"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let hours = result.site.opening_hours.as_ref().map(|h| {
        json!({
            "url": safe_url(&h.url),
            "text": h.text,
            "rows": crate::result::DAYS.iter().enumerate().map(|(i, day)| {
                let ranges = h.week.get(*day).cloned().unwrap_or_default();
                json!({ "day": days.get(i).cloned().unwrap_or_else(|| day.to_string()), "ranges": ranges.join(" · "), "closed": ranges.is_empty() })
            }).collect::<Vec<_>>(),
        })
    });
    let promise = result.site.response_time_promise.as_ref().map(|p| {
        json!({ "hours": p.hours, "business": p.business_hours, "text": p.text, "url": safe_url(&p.url) })
    });
    let coverage = coverage_view(result, strings);
    let counts = &result.crawl.counts;
    let gauge_length = 2.0 * std::f64::consts::PI * 52.0;
    let accent = options
        .branding
        .accent
        .clone()
        .filter(|a| {
            a.len() == 7 && a.starts_with('#') && a[1..].chars().all(|c| c.is_ascii_hexdigit())
        })
        .unwrap_or_else(|| "#1f4e79".into());
    let mut model = json!({
        "lang": lang,
        "s": strings,
        "css": css,
        "accent": accent,
        "branding": {
            "consultancy": options.branding.consultancy.clone().unwrap_or_default(),
            "logo": options.branding.logo_data_uri.clone().filter(|l| l.starts_with("data:image/")).unwrap_or_default(),
        },
        "shop": {
            "host": result.target.host,
            // The home page's title, so the client recognises the shop; SEO titles can be long.
            "title": result.target.home_title.as_deref().map(|t| shortened(t.trim(), 90)).unwrap_or_default(),
            "url": result.target.final_url,
            "country": country_line(result, strings),
        },
        "date": result.finished_at.get(..10).unwrap_or(&result.finished_at),
        "score": {
            "overall": overall.map(|s| s.round() as i64),
            "text": overall.map(|s| format!("{:.0}", s.round())).unwrap_or_else(|| "–".into()),
            "grade": result.scores.grade.clone().unwrap_or_default(),
            "band": band(overall),
            "gauge_length": format!("{gauge_length:.1}"),
            "gauge_filled": format!("{:.1}", gauge_length * overall.unwrap_or(0.0) / 100.0),
        },
        // With no score for a site built with JavaScript, the verdict says why rather than "the site could not be read".
        "verdict": match (&result.coverage, overall) {
            (Some(_), None) => strings["verdict_unseen"].clone(),
            _ => strings[verdict_key].clone(),
        },
        "coverage": coverage,
        "limits": limits_view(result, strings, lang),
        // "Les cinq priorités" when the list is full, the count otherwise.
        "priorities_title": match priorities.len() {
            1 => say(strings, "priorities_one", &[]),
            PRIORITIES_SHOWN => say(strings, "priorities", &[]),
            n => say(strings, "priorities_many", &[("n", n as f64)]),
        },
        "priorities": priorities,
        "categories": categories,
        "channels": channels,
        "hours": hours,
        "promise": promise,
        "campaign": result.campaign.as_ref().map(|c| campaign_view(c, lang, strings)).unwrap_or(Value::Null),
        "campaign_not_run": not_run_view,
        "history": history_view(result, lang, strings),
        "appendix": {
            "screenshots": screenshots_view(result),
            "pages_fetched": counts.pages,
            "html_pages": counts.html_pages,
            "errors": counts.errors,
            "max_depth": counts.max_depth_seen,
            "robots_excluded": counts.skipped_by_reason.get("robots-txt").copied().unwrap_or(0),
            "broken_links": result.crawl.broken_links.len(),
            "settings": say(
                strings,
                "settings_text",
                &[
                    ("pages", result.crawl.settings.max_pages as f64),
                    ("depth", f64::from(result.crawl.settings.max_depth)),
                    ("concurrency", result.crawl.settings.concurrency as f64),
                    ("timeout", result.crawl.settings.timeout_secs as f64),
                ],
            ),
            "tool": format!("{} {}", result.tool.name, result.tool.version),
            "started_at": readable_time(&result.started_at, strings),
            "finished_at": readable_time(&result.finished_at, strings),
        },
    });
    document_view(result, strings, &mut model);
    model
}

/// What makes the report read like a document: a table of contents, a gauge per category, the rules to act on apart
/// from those that passed or did not apply, the estimated gain of fixing each rule, "learn more" links and the
/// running header printed on every page. Added to the model in this one place.
fn document_view(result: &AuditResult, strings: &Value, model: &mut Value) {
    let s = |key: &str| strings[key].as_str().unwrap_or(key).to_string();
    let gauge_length = 2.0 * std::f64::consts::PI * 52.0;
    // The weighted sums the scores are means of (`rules::score`), to say what fixing one rule would add.
    let sums = |category: Option<&str>| {
        result
            .checks
            .iter()
            .filter(|c| category.is_none_or(|id| c.category == id))
            .filter_map(|c| c.score.map(|score| (score * c.weight, c.weight)))
            .fold((0.0, 0.0), |(a, b), (x, w)| (a + x, b + w))
    };
    let gain = |(sum, weight): (f64, f64), check: &CheckResult| -> Option<f64> {
        let score = check.score?;
        (weight > 0.0).then(|| {
            let now = (sum / weight * 100.0).round();
            let fixed = ((sum + (1.0 - score) * check.weight) / weight * 100.0).round();
            fixed - now
        })
    };
    let overall = sums(None);
    let withheld = result.scores.overall.is_none();
    let add_rule_fields = |rule: &mut Value| {
        let Some(check) = result.checks.iter().find(|c| rule["id"] == c.id.as_str()) else {
            return;
        };
        let reference = check.rule.reference.clone().unwrap_or_default();
        rule["reference_url"] = json!(safe_url(&reference));
        let failing = matches!(check.status, CheckStatus::Fail | CheckStatus::Partial);
        let impact = match (failing, gain(sums(Some(&check.category)), check)) {
            (true, Some(category)) => {
                let overall = if withheld { None } else { gain(overall, check) };
                let args = [("category", category), ("overall", overall.unwrap_or(0.0))];
                let key = match overall {
                    Some(o) if o >= 1.0 => "impact",
                    // Rounded, the overall score would not move: said so rather than "+0".
                    Some(_) if category >= 1.0 => "impact_category",
                    None if category >= 1.0 => "impact_unscored",
                    _ => "impact_small",
                };
                say(strings, key, &args)
            }
            _ => String::new(),
        };
        rule["impact"] = json!(impact);
    };
    if let Some(priorities) = model["priorities"].as_array_mut() {
        priorities.iter_mut().for_each(add_rule_fields);
    }
    // The contents name the priorities as their section does ("Les 3 priorités").
    let priorities_title = match model["priorities_title"].as_str() {
        Some(title)
            if model["priorities"]
                .as_array()
                .is_some_and(|p| !p.is_empty()) =>
        {
            title.to_string()
        }
        _ => s("priorities").to_string(),
    };
    let mut toc = vec![json!({ "anchor": "report-priorities", "title": priorities_title })];
    if let Some(categories) = model["categories"].as_array_mut() {
        for category in categories.iter_mut() {
            let score = category["score"].as_f64();
            category["gauge_filled"] = json!(format!(
                "{:.1}",
                gauge_length * score.unwrap_or(0.0) / 100.0
            ));
            category["gauge_length"] = json!(format!("{gauge_length:.1}"));
            let Some(rules) = category["rules"].as_array_mut() else {
                continue;
            };
            rules.iter_mut().for_each(add_rule_fields);
            let (open, closed): (Vec<Value>, Vec<Value>) = rules
                .iter()
                .cloned()
                .partition(|r| matches!(r["status"].as_str(), Some("fail" | "partial")));
            let passed = closed.iter().filter(|r| r["status"] == "pass").count();
            let not_applicable = closed.len() - passed;
            let counted = [("closed_passed", passed), ("closed_na", not_applicable)]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(key, n)| say(strings, key, &[("n", n as f64)]))
                .collect::<Vec<_>>();
            category["closed_summary"] = json!(counted.join(", "));
            category["open_rules"] = json!(open);
            category["closed_rules"] = json!(closed);
            toc.push(json!({
                "anchor": format!("category-{}", category["id"].as_str().unwrap_or_default()),
                "title": category["title"],
                "score_text": category["score_text"],
                "band": category["band"],
            }));
        }
    }
    for (anchor, key) in [
        ("report-channels", "channels"),
        ("report-campaign", "campaign"),
        ("report-history", "history"),
        ("report-appendix", "appendix"),
    ] {
        toc.push(json!({ "anchor": anchor, "title": s(key) }));
    }
    for (i, entry) in toc.iter_mut().enumerate() {
        entry["number"] = json!(i + 1);
    }
    model["toc"] = json!(toc);
    model["running_head"] = json!(css_string(&format!(
        "{} — {}",
        s("report_title"),
        result.target.host
    )));
}

/// `text` as a quoted CSS string, for the print header a `<style>` element carries: everything but letters, digits
/// and spaces becomes a CSS escape, so scraped text can neither end the string nor the element.
fn css_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        if c.is_alphanumeric() || c == ' ' {
            out.push(c);
        } else {
            out.push_str(&format!("\\{:x} ", u32::from(c)));
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_markdown_punctuation_escaped() {
        assert_eq!(spreadsheet_safe("=1+1"), "'=1+1");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_safe("Réponse sous 24h"), "Réponse sous 24h");
        assert_eq!(
            escape_markdown("![a](b) <i>|\n# x"),
            "\\!\\[a\\](b) \\<i\\>\\| \\# x"
        );
    }

    #[test]
    fn a_template_naming_a_missing_field_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("partials")).unwrap();
        std::fs::write(
            dir.path().join("partials/cover.hbs"),
            "<p>{{shop.no_such_field}}</p>",
        )
        .unwrap();
        let result: AuditResult =
            serde_json::from_str(include_str!("../../tests/data/minimal-audit.json")).unwrap();
        let err = render(
            &result,
            &ReportOptions {
                lang: "en",
                templates: Some(dir.path()),
                branding: Branding::default(),
            },
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no_such_field"), "{err}");
    }
}

//! Reading the auditor's mailbox: each new message (by UID, from where the last run stopped) is tied to a probe or
//! left alone, then classified — the persona's own copy of a probe, a bounce, an automatic acknowledgement or a
//! human answer — and, for answers, judged. Only messages tied to a probe are kept.

use std::collections::BTreeSet;

use mail_parser::{Message, MessageParser, MimeHeaders};
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::scenario::{Persona, Scenario};
use super::CampaignError;
use crate::facts::lexicon::fold;
pub use crate::result::campaign::{Quality, ReplyClass};
pub use crate::store::ProbeKey;
use crate::store::{CampaignStore, MailboxPosition, NewReply, ReplyStore};

const BUNDLED_REPLIES: &str = include_str!("../../checks/replies.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyLexiconFile {
    ack_phrases: Vec<String>,
    auto_headers: Vec<(String, String)>,
    human_min_chars: usize,
    ticket_subjects: Vec<String>,
    quote_starts: Vec<String>,
    closings: Vec<String>,
    team_words: Vec<String>,
}

/// `checks/replies.toml`, compiled.
pub struct ReplyLexicon {
    ack: Vec<Regex>,
    auto_headers: Vec<(String, Option<Regex>)>,
    human_min_chars: usize,
    ticket_subjects: Vec<Regex>,
    quote_starts: Vec<Regex>,
    closings: Vec<String>,
    team_words: Vec<String>,
}

impl ReplyLexicon {
    pub fn bundled() -> ReplyLexicon {
        let file: ReplyLexiconFile =
            toml::from_str(BUNDLED_REPLIES).expect("checks/replies.toml is valid");
        let compile = |list: &[String]| -> Vec<Regex> {
            list.iter()
                .map(|p| Regex::new(p).expect("checks/replies.toml patterns are valid"))
                .collect()
        };
        ReplyLexicon {
            ack: compile(&file.ack_phrases),
            auto_headers: file
                .auto_headers
                .iter()
                .map(|(name, pattern)| {
                    (
                        name.to_ascii_lowercase(),
                        (!pattern.is_empty())
                            .then(|| Regex::new(&format!("(?i){pattern}")).expect("valid")),
                    )
                })
                .collect(),
            human_min_chars: file.human_min_chars,
            ticket_subjects: file
                .ticket_subjects
                .iter()
                .map(|p| Regex::new(&format!("(?i){p}")).expect("valid"))
                .collect(),
            quote_starts: file
                .quote_starts
                .iter()
                .map(|p| Regex::new(p).expect("valid"))
                .collect(),
            closings: file.closings,
            team_words: file.team_words,
        }
    }

    /// The reply's own words: quoted lines and everything after the quoted original are cut.
    pub fn new_text(&self, body: &str) -> String {
        let mut out = Vec::new();
        for line in body.lines() {
            let trimmed = line.trim();
            let folded = fold(trimmed);
            if self.quote_starts.iter().any(|r| r.is_match(&folded)) {
                break;
            }
            if trimmed.starts_with('>') || trimmed.starts_with("##-") {
                continue;
            }
            out.push(line);
        }
        out.join("\n").trim().to_string()
    }
}

fn bare_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_ascii_lowercase()
}

fn domain_of(address: &str) -> String {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
        .unwrap_or_default()
}

fn header_ids(message: &Message, name: &str) -> Vec<String> {
    message
        .header_raw(name)
        .map(|raw| {
            raw.split(|c: char| c.is_whitespace() || c == ',')
                .filter(|s| s.contains('@'))
                .map(bare_id)
                .collect()
        })
        .unwrap_or_default()
}

fn recipients(message: &Message) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for address in message.all_to().chain(message.all_cc()) {
        out.extend(
            address
                .iter()
                .filter_map(|a| a.address())
                .map(str::to_ascii_lowercase),
        );
    }
    for name in ["Delivered-To", "X-Original-To", "Envelope-To"] {
        if let Some(raw) = message.header_raw(name) {
            out.push(raw.trim().trim_matches(['<', '>']).to_ascii_lowercase());
        }
    }
    out
}

/// Which probe a message belongs to, and how we know.
pub fn match_probe<'a>(
    message: &Message,
    raw: &[u8],
    probes: &'a [ProbeKey],
    lexicon: &ReplyLexicon,
) -> Option<(&'a ProbeKey, &'static str)> {
    let threaded: BTreeSet<String> = header_ids(message, "In-Reply-To")
        .into_iter()
        .chain(header_ids(message, "References"))
        .collect();
    if let Some(p) = probes
        .iter()
        .find(|p| threaded.contains(&bare_id(&p.message_id)))
    {
        return Some((p, "in-reply-to"));
    }
    let to = recipients(message);
    // The probe's own reply address (its plus tag), or the token as a tag (probes planned before tags).
    if let Some(p) = probes.iter().find(|p| {
        let plus = format!("+{}@", p.token.to_ascii_lowercase());
        to.iter().any(|a| {
            a.contains(&plus)
                || p.reply_to
                    .as_deref()
                    .is_some_and(|r| r.contains('+') && a.eq_ignore_ascii_case(r))
        })
    }) {
        return Some((p, "plus-address"));
    }
    let text = format!(
        "{}\n{}",
        message.subject().unwrap_or_default(),
        message.body_text(0).unwrap_or_default()
    );
    // The token as a whole word; a plain search, not a regex compiled per probe and message.
    let token_word = |token: &str| {
        text.match_indices(token).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + token.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && !after.is_some_and(|c| c.is_ascii_alphanumeric())
        })
    };
    if let Some(p) = probes.iter().find(|p| token_word(&p.token)) {
        return Some((p, "token"));
    }
    // Helpdesks that break the thread: same domain as the address written to, after the probe was sent; the quoted
    // question or the subject picks among several probes.
    let sender = message
        .from()
        .and_then(|f| f.first())
        .and_then(|a| a.address())
        .map(domain_of)
        .unwrap_or_default();
    // Newsletters and mailing lists are not answers, whatever their timing.
    let bulk = ["List-Unsubscribe", "List-Id"]
        .iter()
        .any(|h| message.header_raw(*h).is_some());
    if bulk {
        return None;
    }
    // The question quoted back, from any domain (helpdesks send from their own): the decoded text, and the raw
    // message for clients that quote oddly. Body variants are shared between shops, so several quoted probes
    // are told apart by the sender's domain, or not at all.
    let quoting = fold(&format!(
        "{}\n{}",
        message.body_text(0).unwrap_or_default(),
        String::from_utf8_lossy(raw)
    ));
    let quoted: Vec<&ProbeKey> = probes
        .iter()
        .filter(|p| p.sent_at.is_some())
        .filter(|p| {
            p.body
                .lines()
                .map(str::trim)
                .filter(|l| l.chars().count() > 40)
                .any(|l| quoting.contains(&fold(&l.chars().take(40).collect::<String>())))
        })
        .collect();
    match quoted.as_slice() {
        [one] => return Some((one, "quoted-text")),
        [] => {}
        several => {
            return several
                .iter()
                .find(|p| domain_of(&p.to_addr) == sender)
                .map(|p| (*p, "quoted-text"));
        }
    }
    if sender.is_empty() {
        return None;
    }
    let candidates: Vec<&ProbeKey> = probes
        .iter()
        .filter(|p| p.sent_at.is_some() && domain_of(&p.to_addr) == sender)
        .collect();
    let subject = fold(message.subject().unwrap_or_default());
    let stripped = lexicon
        .ticket_subjects
        .iter()
        .fold(subject.clone(), |s, r| r.replace_all(&s, "").to_string());
    candidates
        .iter()
        .find(|p| {
            let probe_subject = fold(&p.subject);
            !probe_subject.is_empty() && stripped.contains(&probe_subject)
        })
        // One open probe to that domain, and the message reads as a reply or a ticket: it is the answer.
        .or_else(|| {
            let replying = subject.starts_with("re")
                || subject.starts_with("aw:")
                || subject.starts_with("tr:")
                || lexicon.ticket_subjects.iter().any(|r| r.is_match(&subject));
            (candidates.len() == 1 && replying).then(|| &candidates[0])
        })
        .map(|p| (*p, "sender-domain"))
}

/// A delivery failure report (RFC 3464), or a mailer daemon's return.
pub fn is_bounce(message: &Message) -> bool {
    let report = message.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
    });
    let daemon = message
        .from()
        .and_then(|f| f.first())
        .and_then(|a| a.address())
        .map(|a| {
            let local = a.split('@').next().unwrap_or_default().to_ascii_lowercase();
            local == "mailer-daemon" || local == "postmaster"
        })
        .unwrap_or(false);
    report || daemon
}

fn bounce_reason(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    text.lines()
        .find(|l| l.to_ascii_lowercase().starts_with("diagnostic-code:"))
        .or_else(|| {
            text.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("status:"))
        })
        .map(|l| {
            l.split_once(':')
                .map(|(_, v)| v.trim())
                .unwrap_or(l)
                .to_string()
        })
        .unwrap_or_else(|| "returned by the mail server".into())
}

/// Automatic (RFC 3834 headers, autoresponder markers, or a short receipt that answers nothing) or human.
pub fn classify(
    message: &Message,
    new_text: &str,
    coverage: f64,
    lexicon: &ReplyLexicon,
) -> ReplyClass {
    if let Some(value) = message.header_raw("Auto-Submitted") {
        if !value.trim().eq_ignore_ascii_case("no") {
            return ReplyClass::Ack;
        }
    }
    for (name, pattern) in &lexicon.auto_headers {
        if let Some(value) = message.header_raw(name.as_str()) {
            if pattern.as_ref().is_none_or(|p| p.is_match(value)) {
                return ReplyClass::Ack;
            }
        }
    }
    let folded = fold(new_text);
    let receipt = lexicon.ack.iter().any(|r| r.is_match(&folded));
    if receipt && coverage < 0.5 && new_text.chars().count() < lexicon.human_min_chars {
        return ReplyClass::Ack;
    }
    ReplyClass::Human
}

/// Reads one raw message as the collector does: a bounce, an acknowledgement or a human answer.
pub fn classify_raw(
    raw: &[u8],
    scenario: Option<&Scenario>,
    lang: &str,
    lexicon: &ReplyLexicon,
) -> Option<ReplyClass> {
    let message = MessageParser::default().parse(raw)?;
    if is_bounce(&message) {
        return Some(ReplyClass::Bounce);
    }
    let new_text = lexicon.new_text(&message.body_text(0).unwrap_or_default());
    let coverage = scenario
        .map(|s| s.answer_coverage(&new_text, lang))
        .unwrap_or(0.0);
    Some(classify(&message, &new_text, coverage, lexicon))
}

/// Judges a human answer.
pub fn quality(
    new_text: &str,
    persona: &Persona,
    scenario: Option<&Scenario>,
    lang: &str,
    lexicon: &ReplyLexicon,
) -> Quality {
    let lines: Vec<&str> = new_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let opening = fold(&lines.iter().take(3).copied().collect::<Vec<_>>().join(" "));
    let names: Vec<String> = [&persona.last, &persona.first]
        .iter()
        .map(|n| fold(n))
        .filter(|n| n.len() >= 2)
        .collect();
    let greets_by_name = names.iter().any(|n| {
        Regex::new(&format!(r"(?:^|[^a-z]){}(?:$|[^a-z])", regex::escape(n)))
            .is_ok_and(|r| r.is_match(&opening))
    });
    // The signature: the lines after the last closing formula, else the last two lines.
    let closing_at = lines.iter().rposition(|l| {
        let f = fold(l);
        lexicon.closings.iter().any(|c| f.starts_with(c.as_str()))
    });
    let signature: Vec<&str> = match closing_at {
        Some(i) => lines[i + 1..].iter().take(3).copied().collect(),
        None => lines.iter().rev().take(2).copied().collect(),
    };
    let person =
        Regex::new(r"^\p{Lu}[\p{Ll}'-]+(?:[ -]\p{Lu}[\p{Ll}'-]+|\s+\p{Lu}\.?)?$").expect("valid");
    let signed_by_person = signature.iter().any(|l| {
        let first = l.split([',', '—', '-', '|']).next().unwrap_or(l).trim();
        let f = fold(first);
        person.is_match(first)
            && !lexicon
                .team_words
                .iter()
                .any(|w| f.split(' ').any(|part| part == w))
    });
    let channel = Regex::new(
        r"(?:\+\d[\d .]{8,}\d|\b0\d(?:[ .]?\d\d){4}\b|https?://|www\.|[\w.+-]+@[\w-]+\.[\w.]+)",
    )
    .expect("valid");
    let spelling = crate::facts::spelling::check(new_text, Some(lang));
    Quality {
        greets_by_name,
        answers_question: scenario
            .map(|s| s.answer_coverage(new_text, lang))
            .unwrap_or(0.0),
        signed_by_person,
        gives_other_channel: channel.is_match(new_text),
        words_checked: spelling.as_ref().map(|s| s.words_checked).unwrap_or(0),
        spelling_mistakes: spelling.as_ref().map(|s| s.misspelt_count).unwrap_or(0),
    }
}

/// What a collection round did.
#[derive(Debug, Default, Serialize)]
pub struct CollectReport {
    pub scanned: usize,
    pub replies: usize,
    pub bounces: usize,
    /// Probes left `uncertain` by a crash, now known to have gone out (their copy arrived).
    pub confirmed: usize,
    /// Replies whose text was deleted (retention).
    pub expired: usize,
}

/// The first Received header's date: the arrival as the receiving server wrote it.
fn received_at(message: &Message) -> Option<jiff::Timestamp> {
    let raw = message.header_raw("Received")?;
    let date = raw.rsplit_once(';')?.1.trim();
    let date = date.split(" (").next().unwrap_or(date);
    jiff::fmt::rfc2822::parse(date).ok().map(|z| z.timestamp())
}

/// When a message arrived: its INTERNALDATE, unless the receiving server's own Received header says it came
/// earlier — a client that moves or copies a message can reset INTERNALDATE to the moment of the move.
pub fn arrival(
    internal: jiff::Timestamp,
    received: Option<jiff::Timestamp>,
) -> (jiff::Timestamp, &'static str) {
    match received {
        Some(r) if r.as_second() + 300 < internal.as_second() => (r, "received-header"),
        _ => (internal, "internaldate"),
    }
}

/// One new message of the mailbox.
pub struct Incoming<'a> {
    pub uidvalidity: u32,
    pub uid: u32,
    /// IMAP INTERNALDATE, seconds since the epoch.
    pub arrived: i64,
    pub raw: &'a [u8],
}

/// Files one message: ties it to a probe, classifies, judges, stores. Returns what it was.
pub fn file_message(
    store: &mut (impl ReplyStore + ?Sized),
    mailbox: &str,
    incoming: &Incoming,
    probes: &[ProbeKey],
    scenarios: &[Scenario],
    lexicon: &ReplyLexicon,
    report: &mut CollectReport,
) -> Result<(), CampaignError> {
    report.scanned += 1;
    let Some(message) = MessageParser::default().parse(incoming.raw) else {
        return Ok(());
    };
    let internal = jiff::Timestamp::from_second(incoming.arrived).unwrap_or_else(|_| super::now());
    let (arrived, _source) = arrival(internal, received_at(&message));
    // The persona's copy of a probe (Bcc): proof it went out, and when.
    if let Some(id) = message.message_id() {
        if let Some(probe) = probes
            .iter()
            .find(|p| bare_id(&p.message_id) == bare_id(id))
        {
            if store.confirm_sent_by_copy(probe.id, arrived)? {
                report.confirmed += 1;
            }
            return Ok(());
        }
    }
    let bounce = is_bounce(&message);
    let matched = if bounce {
        let raw_text = String::from_utf8_lossy(incoming.raw).to_ascii_lowercase();
        probes
            .iter()
            .find(|p| raw_text.contains(&bare_id(&p.message_id)))
            .map(|p| (p, "bounced-message-id"))
    } else {
        match_probe(&message, incoming.raw, probes, lexicon)
    };
    let Some((probe, matched_by)) = matched else {
        return Ok(());
    };
    let body = message.body_text(0).unwrap_or_default().into_owned();
    let new_text = lexicon.new_text(&body);
    let scenario = scenarios.iter().find(|s| s.id == probe.scenario);
    let lang = if probe.lang == "fr" { "fr" } else { "en" };
    let coverage = scenario
        .map(|s| s.answer_coverage(&new_text, lang))
        .unwrap_or(0.0);
    let class = if bounce {
        ReplyClass::Bounce
    } else {
        classify(&message, &new_text, coverage, lexicon)
    };
    let judged = (class == ReplyClass::Human).then(|| {
        quality(
            &new_text,
            &Persona::from_name(&probe.persona),
            scenario,
            lang,
            lexicon,
        )
    });
    if bounce {
        store.record_bounce(probe.id, arrived, &bounce_reason(incoming.raw))?;
        report.bounces += 1;
    } else {
        report.replies += 1;
    }
    // A probe may be confirmed by a reply as well as by its copy.
    store.confirm_sent_by_reply(probe.id)?;
    if let Some(id) = message.message_id() {
        if store.has_reply(probe.id, &bare_id(id))? {
            return Ok(());
        }
    }
    store.add_reply(&NewReply {
        probe_id: probe.id,
        mailbox: mailbox.to_string(),
        uidvalidity: incoming.uidvalidity,
        uid: incoming.uid,
        message_id: message.message_id().map(bare_id),
        from_addr: message
            .from()
            .and_then(|f| f.first())
            .and_then(|a| a.address())
            .map(str::to_string),
        subject: message.subject().map(str::to_string),
        arrived_at: arrived,
        received_at: received_at(&message),
        class,
        matched_by: matched_by.to_string(),
        quality: judged
            .as_ref()
            .map(|q| serde_json::to_string(q).unwrap_or_default()),
        text: new_text,
        stored_at: super::now(),
    })?;
    Ok(())
}

/// Sorted UIDs as an IMAP sequence set: runs become ranges ("3:7,9").
fn sequence_set(uids: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        i += 1;
    }
    parts.join(",")
}

/// Reads what arrived since the last run (UIDVALIDITY/UID), files it, and deletes reply texts past retention.
pub fn collect(
    store: &mut (impl CampaignStore + ReplyStore + ?Sized),
    settings: &super::mail::MailSettings,
    scenarios: &[Scenario],
    retention_days: u32,
) -> Result<CollectReport, CampaignError> {
    let server = settings.imap()?;
    let mut session = super::imap_client::connect(server, settings.ca_pem.as_deref())
        .map_err(CampaignError::Invalid)?;
    let mailbox_name = server.mailbox.clone();
    let mailbox = session.select(&mailbox_name).map_err(|e| {
        CampaignError::Invalid(format!("{server}: cannot open {mailbox_name}: {e}"))
    })?;
    let uidvalidity = mailbox.uid_validity.unwrap_or(0);
    let position = store.mailbox_position(&mailbox_name)?;
    // A new UIDVALIDITY means the UIDs were renumbered: read everything again (stored replies are not duplicated).
    let last_uid = match position {
        Some(p) if p.uidvalidity == uidvalidity => p.last_uid,
        _ => 0,
    };
    let lexicon = ReplyLexicon::bundled();
    let probes = store.probe_keys()?;
    let mut report = CollectReport::default();
    // The first time, only what arrived since the oldest campaign began: an auditor's mailbox may hold years.
    let wanted = if probes.is_empty() || mailbox.exists == 0 {
        None
    } else if last_uid > 0 {
        Some(format!("{}:*", last_uid + 1))
    } else {
        let oldest = store.oldest_campaign_start()?;
        let since = oldest
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .and_then(|t| t.checked_sub(jiff::SignedDuration::from_hours(24)).ok())
            .map(|t| t.strftime("%d-%b-%Y").to_string())
            .unwrap_or_else(|| "01-Jan-1970".into());
        let uids = session
            .uid_search(format!("SINCE {since}"))
            .map_err(|e| CampaignError::Invalid(format!("{server}: SEARCH failed: {e}")))?;
        let mut uids: Vec<u32> = uids.into_iter().collect();
        uids.sort_unstable();
        (!uids.is_empty()).then(|| sequence_set(&uids))
    };
    let mut new_last = last_uid;
    if let Some(wanted) = wanted {
        let fetches = session
            // The first 2 MiB of each message: the words are at the top; an attachment never fills memory.
            .uid_fetch(wanted, "(UID INTERNALDATE BODY.PEEK[]<0.2097152>)")
            .map_err(|e| CampaignError::Invalid(format!("{server}: FETCH failed: {e}")))?;
        for fetch in fetches.iter() {
            let Some(uid) = fetch.uid else { continue };
            // "n:*" returns the last message even when it is older than n.
            if uid <= last_uid {
                continue;
            }
            let arrived = fetch
                .internal_date()
                .map(|d| d.timestamp())
                .unwrap_or_else(|| super::now().as_second());
            let incoming = Incoming {
                uidvalidity,
                uid,
                arrived,
                raw: fetch.body().unwrap_or_default(),
            };
            file_message(
                store,
                &mailbox_name,
                &incoming,
                &probes,
                scenarios,
                &lexicon,
                &mut report,
            )?;
            new_last = new_last.max(uid);
            store.set_mailbox_position(
                &mailbox_name,
                MailboxPosition {
                    uidvalidity,
                    last_uid: new_last,
                },
            )?;
        }
    }
    // Everything below UIDNEXT at SELECT time was read or deliberately passed over (older than the campaigns).
    if let Some(next) = mailbox.uid_next.filter(|_| !probes.is_empty()) {
        if next > 1 && next - 1 > new_last {
            store.set_mailbox_position(
                &mailbox_name,
                MailboxPosition {
                    uidvalidity,
                    last_uid: next - 1,
                },
            )?;
        }
    }
    session.logout().ok();
    let kept_since = super::now()
        .checked_sub(jiff::SignedDuration::from_hours(
            24 * i64::from(retention_days),
        ))
        .unwrap_or_else(|_| super::now());
    report.expired = store.purge_reply_texts(kept_since)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_received_header_earlier_than_internaldate_wins() {
        let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        let internal = t("2026-11-20T10:00:00Z");
        // Moved into the folder three days after it arrived.
        assert_eq!(
            arrival(internal, Some(t("2026-11-17T09:00:00Z"))),
            (t("2026-11-17T09:00:00Z"), "received-header")
        );
        // A minute apart: the same arrival, INTERNALDATE kept.
        assert_eq!(
            arrival(internal, Some(t("2026-11-20T09:59:00Z"))).1,
            "internaldate"
        );
        assert_eq!(arrival(internal, None).1, "internaldate");
        let raw = b"Received: from mx.shop.test by mail.test with ESMTP; Tue, 17 Nov 2026 10:00:00 +0100\r\nSubject: x\r\n\r\nbody\r\n";
        let message = MessageParser::default().parse(&raw[..]).unwrap();
        assert_eq!(received_at(&message), Some(t("2026-11-17T09:00:00Z")));
    }

    fn probe(id: i64, subject: &str, body: &str) -> ProbeKey {
        ProbeKey {
            id,
            token: format!("TOKEN{id}"),
            message_id: format!("<cxaudit.token{id}@auditor.test>"),
            to_addr: "contact@shop.test".into(),
            subject: subject.into(),
            body: body.into(),
            scenario: "delivery-question".into(),
            lang: "fr".into(),
            persona: "Marie Dupont".into(),
            sent_at: Some("2026-11-13T16:00:00Z".into()),
            reply_to: None,
        }
    }

    #[test]
    fn the_shops_newsletter_is_not_an_answer() {
        let lexicon = ReplyLexicon::bundled();
        let probes = [probe(
            1,
            "Question sur la livraison",
            "Je souhaiterais savoir sous combien de jours la commande serait livrée.",
        )];
        let newsletter = b"From: Boutique <news@shop.test>\r\nSubject: -20 % ce week-end\r\nList-Unsubscribe: <mailto:u@shop.test>\r\n\r\nPromo !\r\n";
        let message = MessageParser::default().parse(&newsletter[..]).unwrap();
        assert!(match_probe(&message, newsletter, &probes, &lexicon).is_none());
        // Nor a message from the shop's domain that neither quotes nor replies.
        let unrelated = b"From: Boutique <hello@shop.test>\r\nSubject: Bienvenue\r\n\r\nMerci de votre inscription.\r\n";
        let message = MessageParser::default().parse(&unrelated[..]).unwrap();
        assert!(match_probe(&message, unrelated, &probes, &lexicon).is_none());
        // A helpdesk's new ticket quoting the question (accents and all, quoted-printable) is.
        let ticket = "From: Support <support@shop.test>\r\nSubject: [Ticket #12] Votre demande\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nBonjour, 3 jours.\r\n> Je souhaiterais savoir sous combien de jours la commande serait livr=C3=A9e.\r\n";
        let message = MessageParser::default().parse(ticket.as_bytes()).unwrap();
        let matched = match_probe(&message, ticket.as_bytes(), &probes, &lexicon);
        assert_eq!(
            matched.map(|(p, how)| (p.id, how)),
            Some((1, "quoted-text"))
        );
    }

    #[test]
    fn uid_runs_become_ranges() {
        assert_eq!(sequence_set(&[3, 4, 5, 6, 7, 9, 12, 13]), "3:7,9,12:13");
        assert_eq!(sequence_set(&[1]), "1");
    }

    #[test]
    fn new_text_stops_at_the_quoted_original() {
        let lexicon = ReplyLexicon::bundled();
        let body = "Bonjour,\nOui.\n\nLe lun. 23 nov. 2026, Marie Dupont a écrit :\n> Question ?\n";
        assert_eq!(lexicon.new_text(body), "Bonjour,\nOui.");
        let outlook = "Yes we do.\n\nFrom: Marie Dupont <auditor@auditor.test>\nSent: Monday\n";
        assert_eq!(lexicon.new_text(outlook), "Yes we do.");
    }
}

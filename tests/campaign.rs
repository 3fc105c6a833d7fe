//! Mystery-shopper campaigns against real mail servers on loopback (dovecot + postfix, started by the test): the
//! test plays the shop, reading the probes from shop@shop.test. Nothing is ever sent beyond 127.0.0.1: the audits
//! used here hold only *.test addresses.

#[path = "mail/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use harness::MailServers;
use serde_json::Value;

const SHOP: (&str, &str) = ("shop@shop.test", "shop-secret");
const AUDITOR: (&str, &str) = ("auditor@auditor.test", "auditor-secret");

struct Setup {
    servers: MailServers,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Option<Setup> {
        Some(Setup::with(MailServers::start()?, ""))
    }

    /// `config` is added to the cxaudit.toml the runs read.
    fn with(servers: MailServers, config: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        // The demo shop's audit, its address replaced by the test shop's.
        let mut audit: Value =
            serde_json::from_str(include_str!("data/minimal-audit.json")).unwrap();
        audit["site"]["emails"][0]["address"] = "shop@shop.test".into();
        std::fs::create_dir(dir.path().join("audit")).unwrap();
        std::fs::write(
            dir.path().join("audit/audit.json"),
            serde_json::to_string(&audit).unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("cxaudit.toml"),
            format!("[mail]\nplus_addressing = true\n{config}"),
        )
        .unwrap();
        Setup { servers, dir }
    }

    fn audit(&self) -> PathBuf {
        self.dir.path().join("audit")
    }

    fn cxaudit(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cxaudit"));
        command
            .env("XDG_CONFIG_HOME", "/nonexistent/cxaudit-tests")
            .env("CXAUDIT_CONFIG", self.dir.path().join("cxaudit.toml"))
            .env("CXAUDIT_DB", self.dir.path().join("store.sqlite"))
            .env("CXAUDIT_FROM", "Marie Dupont <auditor@auditor.test>")
            .env("CXAUDIT_SMTP_URL", self.servers.smtp_url())
            .env(
                "CXAUDIT_IMAP_URL",
                self.servers.imap_url(AUDITOR.0, AUDITOR.1),
            )
            .env_remove("CXAUDIT_FAILPOINT")
            .env_remove("CXAUDIT_TEST_SEND_LEASE_SECS");
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cxaudit().args(args).output().unwrap()
    }

    fn status(&self) -> Value {
        let output = self.run(&["campaign", "status", "--json"]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn header(raw: &[u8], name: &str) -> Option<String> {
    let message = mail_parser::MessageParser::default().parse(raw).unwrap();
    message.header_raw(name).map(|v| v.trim().to_string())
}

fn body(raw: &[u8]) -> String {
    let message = mail_parser::MessageParser::default().parse(raw).unwrap();
    message.body_text(0).unwrap_or_default().into_owned()
}

/// The e-mails of a dry run, each exactly as printed between its markers.
fn dry_run_messages(stdout: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = stdout;
    while let Some(at) = find(rest, b"==> probe ") {
        let after = &rest[at..];
        let start = find(after, b"\n").unwrap() + 1;
        let end = find(&after[start..], b"\n<==\n").unwrap() + start + 1;
        out.push(after[start..end].to_vec());
        rest = &after[end..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What the servers put in front of a delivered message (postfix's and dovecot's trace headers): the rest is what
/// the sender submitted.
fn as_submitted(raw: &[u8]) -> &[u8] {
    let mut at = 0;
    while at < raw.len() {
        let line_end = find(&raw[at..], b"\r\n")
            .map(|e| at + e + 2)
            .unwrap_or(raw.len());
        let line = &raw[at..line_end];
        let trace = [&b"Return-Path:"[..], b"Delivered-To:", b"Received:"]
            .iter()
            .any(|h| line.starts_with(h));
        let continued = at > 0 && (line.starts_with(b" ") || line.starts_with(b"\t"));
        if !(trace || continued) {
            break;
        }
        at = line_end;
    }
    &raw[at..]
}

/// A dry run prints, byte for byte, the e-mails `--send` then submits (read back from the shop's mailboxes, less
/// the servers' trace headers), and stores nothing; the probes read as one customer's: no word of the tool in any
/// header or body, a client's Message-ID, days apart, spread over the shop's addresses, none of the headers that
/// silence helpdesks; a second run sends nothing more.
#[test]
fn the_dry_run_is_what_leaves_and_the_probes_keep_their_cover() {
    let Some(setup) = Setup::new() else { return };
    // The shop publishes two addresses.
    let audit_json = setup.audit().join("audit.json");
    let mut audit: Value =
        serde_json::from_str(&std::fs::read_to_string(&audit_json).unwrap()).unwrap();
    let mut second = audit["site"]["emails"][0].clone();
    second["address"] = "sales@shop.test".into();
    audit["site"]["emails"].as_array_mut().unwrap().push(second);
    std::fs::write(&audit_json, serde_json::to_string(&audit).unwrap()).unwrap();
    let audit = setup.audit();
    let audit = audit.to_str().unwrap();
    // Planned as of twelve days ago: the default schedule (a day or two apart) is all due by now.
    let planned_at = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(12 * 24))
        .unwrap()
        .to_string();
    let run = |args: &[&str]| {
        setup
            .cxaudit()
            .env("CXAUDIT_TEST_NOW", &planned_at)
            .args(args)
            .output()
            .unwrap()
    };

    let dry = run(&["campaign", "start", audit]);
    ok(&dry);
    let previewed = dry_run_messages(&dry.stdout);
    assert_eq!(previewed.len(), 4, "{}", text(&dry.stdout));
    assert!(
        !Path::new(&setup.dir.path().join("store.sqlite")).exists() || {
            let status = setup.run(&["campaign", "status"]);
            !status.status.success()
        }
    );

    let first = ok(&run(&["campaign", "start", audit, "--send"]));
    assert!(
        first.contains("campaign 1 created") && first.contains("sent: 4"),
        "{first}"
    );
    let mut received = setup.servers.wait_for(SHOP.0, SHOP.1, 2);
    received.extend(setup.servers.wait_for("sales@shop.test", "sales-secret", 2));
    assert_eq!(received.len(), 4, "two probes to each address");
    let submitted: Vec<&[u8]> = received.iter().map(|r| as_submitted(r)).collect();
    for message in &previewed {
        assert!(
            submitted.iter().any(|s| s == message),
            "the dry run's e-mail was not delivered as shown:\n{}\n---- delivered:\n{}",
            text(message),
            submitted
                .iter()
                .map(|s| text(s))
                .collect::<Vec<_>>()
                .join("\n----\n")
        );
    }

    // No word of the tool, nor a probe's token, anywhere the shop can read (the test servers' own domains aside).
    let store = rusqlite::Connection::open(setup.dir.path().join("store.sqlite")).unwrap();
    let tokens: Vec<String> = store
        .prepare("SELECT token FROM probes")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tokens.len(), 4);
    let servers = regex::Regex::new(r"[a-z0-9.+-]*@?(?:auditor|shop)\.test").unwrap();
    let mut dates = std::collections::BTreeSet::new();
    let client_id = regex::Regex::new(
        r"^<[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@auditor\.test>$",
    )
    .unwrap();
    let plus_address = regex::Regex::new(r"^auditor\+[a-z0-9]+@auditor\.test$").unwrap();
    for raw in &submitted {
        let shown = text(raw).to_lowercase();
        let shown = servers.replace_all(&shown, "");
        for word in ["cxaudit", "audit", "probe", "test", "mystery", "mystère"]
            .into_iter()
            .map(str::to_string)
            .chain(tokens.iter().map(|t| t.to_lowercase()))
        {
            assert!(
                !shown.contains(&word),
                "{word:?} in what the shop reads:\n{shown}"
            );
        }
        for quiet in [
            "Auto-Submitted",
            "Precedence",
            "X-Auto-Response-Suppress",
            "Bcc",
            "User-Agent",
            "X-Mailer",
        ] {
            assert_eq!(header(raw, quiet), None, "{quiet} must not be sent");
        }
        let message_id = header(raw, "Message-ID").unwrap();
        assert!(client_id.is_match(&message_id), "{message_id}");
        let reply_to = header(raw, "Reply-To").unwrap();
        assert!(plus_address.is_match(&reply_to), "{reply_to}");
        // Written in the shop's time (Paris), as a client dates its mail.
        let date = header(raw, "Date").unwrap();
        assert!(date.ends_with("+0100") || date.ends_with("+0200"), "{date}");
        dates.insert(date.split(' ').take(4).collect::<Vec<_>>().join(" "));
        let text = body(raw);
        assert!(text.trim_end().ends_with("Marie Dupont"), "{text}");
        assert!(!text.contains("{{"), "{text}");
    }
    assert_eq!(dates.len(), 4, "one probe a day at most: {dates:?}");
    let status = setup.status();
    let probes = status["probes"].as_array().unwrap();
    assert_eq!(probes.len(), 4);
    for probe in probes {
        assert_eq!(probe["state"], "sent", "{probe}");
        assert!(probe["sent_at"].as_str().unwrap().ends_with('Z'));
    }
    // The persona keeps a copy of each probe, as proof of what was sent and when.
    assert_eq!(setup.servers.wait_for(AUDITOR.0, AUDITOR.1, 4).len(), 4);

    let again = ok(&setup.run(&["campaign", "start", audit, "--send"]));
    assert!(
        again.contains("already running") && again.contains("sent: 0"),
        "{again}"
    );
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(
        setup.servers.messages(SHOP.0, SHOP.1).len()
            + setup
                .servers
                .messages("sales@shop.test", "sales-secret")
                .len(),
        4,
        "nothing sent twice"
    );
}

/// Without a persona the dry run still shows the e-mails, with a placeholder marked in the terminal only; `--send`
/// refuses.
#[test]
fn a_dry_run_needs_no_persona_but_sending_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut audit: Value = serde_json::from_str(include_str!("data/minimal-audit.json")).unwrap();
    audit["site"]["emails"][0]["address"] = "shop@shop.test".into();
    std::fs::create_dir(dir.path().join("audit")).unwrap();
    std::fs::write(dir.path().join("audit/audit.json"), audit.to_string()).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cxaudit"))
            .env("XDG_CONFIG_HOME", "/nonexistent/cxaudit-tests")
            .env_remove("CXAUDIT_CONFIG")
            .env_remove("CXAUDIT_FROM")
            .env("CXAUDIT_DB", dir.path().join("store.sqlite"))
            .env("CXAUDIT_SMTP_URL", "smtp://127.0.0.1:9?tls=none")
            .args(args)
            .output()
            .unwrap()
    };
    let audit = dir.path().join("audit");
    let dry = run(&["campaign", "start", audit.to_str().unwrap()]);
    let shown = ok(&dry);
    assert!(shown.contains("placeholder persona"), "{shown}");
    let messages = dry_run_messages(&dry.stdout);
    assert_eq!(messages.len(), 4, "{shown}");
    for message in &messages {
        let from = header(message, "From").unwrap();
        assert!(from.contains("@example.invalid"), "{from}");
        assert!(
            !text(message).contains("placeholder"),
            "marked in the terminal only"
        );
    }
    let send = run(&["campaign", "start", audit.to_str().unwrap(), "--send"]);
    assert!(!send.status.success());
    assert!(
        text(&send.stderr).contains("CXAUDIT_FROM"),
        "{}",
        text(&send.stderr)
    );
    assert!(!dir.path().join("store.sqlite").exists(), "nothing stored");
}

/// The process dies after the server accepted a probe and before the store recorded it: once its claim has run out,
/// the next run does not send it again, and marks it uncertain instead of forgetting it.
#[test]
fn a_crash_between_sending_and_sent_never_sends_twice() {
    let Some(setup) = Setup::new() else { return };
    let audit = setup.audit();
    let audit = audit.to_str().unwrap();
    let crashed = setup
        .cxaudit()
        .env("CXAUDIT_FAILPOINT", "after-smtp-accept")
        // The claim's lease runs out after a second instead of a quarter of an hour.
        .env("CXAUDIT_TEST_SEND_LEASE_SECS", "1")
        .args([
            "campaign",
            "start",
            audit,
            "--send",
            "--spread-hours",
            "0",
            "--scenario",
            "delivery-question",
        ])
        .output()
        .unwrap();
    assert!(!crashed.status.success(), "the failpoint must kill the run");
    assert_eq!(setup.servers.wait_for(SHOP.0, SHOP.1, 1).len(), 1);
    assert_eq!(setup.status()["probes"][0]["state"], "sending");
    // Past the lease (to the second): the next run finds the claim run out.
    std::thread::sleep(std::time::Duration::from_millis(2100));

    let resumed = ok(&setup.run(&["campaign", "send"]));
    assert!(
        resumed.contains("interrupted") && resumed.contains("sent: 0"),
        "{resumed}"
    );
    let probe = &setup.status()["probes"][0];
    assert_eq!(probe["state"], "uncertain", "{probe}");
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(setup.servers.messages(SHOP.0, SHOP.1).len(), 1, "sent once");

    // The persona's copy in the mailbox proves it went out: collecting turns it back into a sent probe, timed.
    setup.servers.wait_for(AUDITOR.0, AUDITOR.1, 1);
    let collected = ok(&setup.run(&["campaign", "collect"]));
    assert!(
        collected.contains("1 probe(s) confirmed sent"),
        "{collected}"
    );
    let probe = &setup.status()["probes"][0];
    assert_eq!(probe["state"], "sent", "{probe}");
    assert!(
        probe["sent_at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{probe}"
    );
    assert_eq!(probe["outcome"], "pending");
}

fn plus_hours(rfc3339: &str, hours: f64) -> String {
    let t: jiff::Timestamp = rfc3339.parse().unwrap();
    let later = t
        .checked_add(jiff::SignedDuration::from_secs((hours * 3600.0) as i64))
        .unwrap();
    later.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A probe as the shop received it.
struct Received {
    message_id: String,
    subject: String,
    /// Where replies go: the probe's plus address.
    reply_to: String,
    body: String,
}

fn probe_in(raw: &[u8]) -> Received {
    Received {
        message_id: header(raw, "Message-ID").unwrap(),
        subject: header(raw, "Subject").unwrap(),
        reply_to: header(raw, "Reply-To").unwrap(),
        body: body(raw),
    }
}

/// End to end against the real servers: the shop acknowledges then answers one probe in its thread, answers another
/// through a helpdesk that breaks the thread (new subject, new Message-ID, quoting the question), one address
/// bounces and one probe gets nothing. Delays, classes and outcomes come out right, and a second collection changes
/// nothing.
#[test]
fn replies_are_tied_classified_and_timed() {
    let Some(setup) = Setup::new() else { return };
    let audit = setup.audit();
    let sent = ok(&setup.run(&[
        "campaign",
        "start",
        audit.to_str().unwrap(),
        "--send",
        "--spread-hours",
        "0",
        "--to",
        "shop@shop.test",
        "--to",
        "nobody@shop.test",
        "--to",
        "sales@shop.test",
    ]));
    assert!(sent.contains("sent: 4"), "{sent}");
    // Probes 1 and 4 reach shop@, 3 reaches sales@, 2 goes to an unknown user and bounces to the persona.
    let shop_mail = setup.servers.wait_for(SHOP.0, SHOP.1, 2);
    let sales_mail = setup.servers.wait_for("sales@shop.test", "sales-secret", 1);
    setup.servers.wait_for(AUDITOR.0, AUDITOR.1, 5);
    let status = setup.status();
    let probe = |n: usize| status["probes"][n - 1].clone();
    assert_eq!(probe(2)["to"], "nobody@shop.test");
    // Which of shop@'s two e-mails is probe 1: its scenario is the first one (after-sales-complaint).
    let (probe1, probe4) = {
        let a = probe_in(&shop_mail[0]);
        let b = probe_in(&shop_mail[1]);
        if a.body.contains("abîmé")
            || a.body.contains("défaut")
            || a.body.contains("fonctionne pas")
        {
            (a, b)
        } else {
            (b, a)
        }
    };
    let probe3 = probe_in(&sales_mail[0]);
    assert!(probe(1)["sent_at"].as_str().is_some());
    // The shop's answers must arrive in the past (dovecot dates an APPEND "in the future" now): the campaign is
    // moved back to a Friday, 17:00 in Paris, as if it had been started and sent then.
    let sent1 = "2026-11-13T16:00:00Z".to_string();
    let sent3 = sent1.clone();
    let store = rusqlite::Connection::open(setup.dir.path().join("store.sqlite")).unwrap();
    store
        .execute("UPDATE probes SET sent_at = ?1", [&sent1])
        .unwrap();
    store
        .execute(
            "UPDATE campaigns SET created_at = '2026-11-13T15:55:00Z'",
            [],
        )
        .unwrap();
    drop(store);

    // Probe 1: an autoresponder in the thread after 6 minutes, then a person after 30 hours.
    setup.servers.append(
        AUDITOR.0,
        AUDITOR.1,
        &format!(
            "From: Boutique <shop@shop.test>\nTo: {tok}\nSubject: Re: {subject}\n\
             Message-ID: <ack1@shop.test>\nIn-Reply-To: {id}\nReferences: {id}\nAuto-Submitted: auto-replied\n\
             Date: Mon, 23 Nov 2026 10:00:00 +0000\n\n\
             Bonjour,\nNous avons bien reçu votre message. Nous revenons vers vous rapidement.\nL'équipe\n",
            tok = probe1.reply_to,
            subject = probe1.subject,
            id = probe1.message_id
        ),
        &plus_hours(&sent1, 0.1),
    );
    setup.servers.append(
        AUDITOR.0,
        AUDITOR.1,
        &format!(
            "From: Julie Martin <shop@shop.test>\nTo: {tok}\nSubject: Re: {subject}\n\
             Message-ID: <human1@shop.test>\nIn-Reply-To: {id}\nReferences: {id}\n\
             Date: Mon, 23 Nov 2026 10:00:00 +0000\n\n\
             Bonjour Madame Dupont,\n\nNous sommes désolés pour ce désagrément. Vous pouvez nous retourner l'article \
             avec l'étiquette jointe : dès réception nous procéderons à l'échange ou au remboursement sous 5 jours. \
             Merci de nous envoyer une photo du défaut.\n\nCordialement,\nJulie Martin\nService client — 02 99 00 00 00\n\n\
             Le lundi 23 novembre, Marie Dupont a écrit :\n> {quoted}\n",
            tok = probe1.reply_to,
            subject = probe1.subject,
            id = probe1.message_id,
            quoted = probe1.body.lines().nth(2).unwrap_or_default()
        ),
        &plus_hours(&sent1, 30.0),
    );
    // Probe 3: a helpdesk that breaks the thread — new subject, new Message-ID, no In-Reply-To, sent to the plain
    // address — first an automatic receipt, then an agent quoting the question (without the signature).
    setup.servers.append(
        AUDITOR.0,
        AUDITOR.1,
        &format!(
            "From: Support <support@shop.test>\nTo: auditor@auditor.test\nSubject: [Ticket #4711] {subject}\n\
             Message-ID: <t4711-ack@helpdesk.shop.test>\nX-Autoreply: yes\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\n\
             Votre demande a bien été enregistrée sous le numéro 4711.\n",
            subject = probe3.subject
        ),
        &plus_hours(&sent3, 0.05),
    );
    setup.servers.append(
        AUDITOR.0,
        AUDITOR.1,
        &format!(
            "From: Support <support@shop.test>\nTo: auditor@auditor.test\nSubject: [Ticket #4711] Réponse à votre demande\n\
             Message-ID: <t4711-1@helpdesk.shop.test>\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\n\
             ##- Merci d'écrire au-dessus de cette ligne -##\n\
             Bonjour,\n\nVotre commande a été expédiée hier, voici le numéro de suivi Colissimo : 6A12345678901. \
             Vous pouvez suivre le colis sur laposte.fr.\n\nBien à vous,\nKarim\n\n\
             ---- Message d'origine ----\n{quoted}\n",
            quoted = probe3.body.lines().nth(2).unwrap_or_default()
        ),
        &plus_hours(&sent3, 5.0),
    );

    // Old mail of the auditor's is not read at all: the first collection starts the day before the campaign.
    setup.servers.append(
        AUDITOR.0,
        AUDITOR.1,
        "From: someone@else.test\nTo: auditor@auditor.test\nSubject: last year's newsletter\n\nHello\n",
        "2025-01-01T09:00:00Z",
    );

    // A 6 MB message (a catalogue in attachment) is read in part and gets in nobody's way.
    let attachment = "QUJDRA==\n".repeat(6 * 1024 * 1024 / 9);
    setup.servers.append(
        AUDITOR.0,
        AUDITOR.1,
        &format!(
            "From: catalogue@else.test\nTo: auditor@auditor.test\nSubject: catalogue\nMIME-Version: 1.0\n\
             Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nCatalogue attached.\n\
             --b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n{attachment}--b--\n"
        ),
        &plus_hours(&sent1, 2.0),
    );

    let collected = ok(&setup.run(&["campaign", "collect"]));
    // Four copies of the probes, one bounce, four replies, the catalogue.
    assert!(collected.contains("read 10 message(s)"), "{collected}");
    assert!(collected.contains("1 bounce(s)"), "{collected}");
    // Ten days on, past the 7-day deadline.
    let judged = |setup: &Setup| -> Value {
        let output = setup.run(&["campaign", "status", "--json"]);
        serde_json::from_slice(&ok_bytes(&output)).unwrap()
    };
    let status = judged(&setup);
    let probe = |n: usize| status["probes"][n - 1].clone();

    let p1 = probe(1);
    assert_eq!(p1["outcome"], "answered", "{p1}");
    let classes: Vec<&str> = p1["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["class"].as_str().unwrap())
        .collect();
    assert_eq!(classes, ["ack", "human"], "{p1}");
    assert_eq!(p1["ack_delay_hours"], 0.1);
    assert_eq!(p1["human_delay_hours"], 30.0);
    // Open Monday to Saturday 9:00-19:00 (the audit's week): Friday 17:00-19:00, then all of Saturday.
    assert_eq!(p1["business_hours_delay"], 12.0, "{p1}");
    assert_eq!(p1["ack_business_hours_delay"], 0.1, "{p1}");
    let quality = &p1["replies"][1]["quality"];
    assert_eq!(quality["greets_by_name"], true, "{quality}");
    assert_eq!(quality["signed_by_person"], true, "{quality}");
    assert_eq!(quality["gives_other_channel"], true, "{quality}");
    assert!(
        quality["answers_question"].as_f64().unwrap() >= 0.66,
        "{quality}"
    );
    assert_eq!(p1["replies"][1]["matched_by"], "in-reply-to");

    let p2 = probe(2);
    assert_eq!(p2["outcome"], "bounced", "{p2}");

    let p3 = probe(3);
    assert_eq!(p3["outcome"], "answered", "{p3}");
    let classes: Vec<(&str, &str)> = p3["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["class"].as_str().unwrap(),
                r["matched_by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        classes,
        [("ack", "sender-domain"), ("human", "quoted-text")],
        "{p3}"
    );
    assert_eq!(p3["human_delay_hours"], 5.0);
    assert_eq!(p3["business_hours_delay"], 2.0, "{p3}");
    // The helpdesk's "reply above this line" marker opens its message: the answer below it is read.
    let quality = &p3["replies"][1]["quality"];
    assert!(
        quality["answers_question"].as_f64().unwrap() >= 0.66,
        "{quality}"
    );
    assert_eq!(quality["signed_by_person"], true, "{quality}");
    assert_eq!(quality["greets_by_name"], false, "{quality}");
    assert_eq!(p3["ack_delay_hours"], 0.05);

    let p4 = probe(4);
    assert_eq!(p4["outcome"], "no-answer", "{p4}");
    assert!(p4["replies"].as_array().unwrap().is_empty());
    assert!(!probe4.message_id.is_empty());

    let text_status = ok(&setup.run(&["campaign", "status"]));
    assert!(
        text_status.contains("answered by a person 2, no answer 1, bounced 1, pending 0"),
        "{text_status}"
    );

    // As of one hour after sending, probe 1 had only its acknowledgement and was still within the deadline.
    let early = setup.run(&[
        "campaign",
        "status",
        "--json",
        "--as-of",
        &plus_hours(&sent1, 1.0),
    ]);
    let early: Value = serde_json::from_slice(&ok_bytes(&early)).unwrap();
    assert_eq!(early["probes"][0]["outcome"], "pending");
    assert_eq!(early["probes"][0]["first_human_at"], Value::Null);
    assert_eq!(early["probes"][0]["ack_delay_hours"], 0.1);
    // Not finished then: the last waiting probe settles at its deadline, said in the shop's time (Paris).
    assert_eq!(
        early["waiting_until"], "2026-11-20T17:00:00+01:00",
        "{early}"
    );
    assert!(status["waiting_until"].is_null(), "finished ten days on");

    // A report as of six hours after sending judges only what had settled (probe 3's answer) and says the rest
    // still waits, instead of passing the rules on two e-mails out of four without a word.
    let audit_json = setup.audit().join("audit.json");
    ok(&setup.run(&["campaign", "report", "--as-of", &plus_hours(&sent1, 6.0)]));
    let audit: Value =
        serde_json::from_str(&std::fs::read_to_string(&audit_json).unwrap()).unwrap();
    let answered = audit["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "email-answered")
        .unwrap();
    assert_eq!(
        answered["finding"]["en"],
        "1 of 1 test e-mail got any reply before the deadline. The campaign is not finished: 3 of 4 test e-mails \
         are still waiting (until 20 Nov 2026, 17:00 (UTC+01:00)).",
        "{answered}"
    );
    assert_eq!(
        audit["campaign"]["waiting_until"],
        "2026-11-20T17:00:00+01:00"
    );

    // Collecting again reads nothing new and changes nothing.
    let again = ok(&setup.run(&["campaign", "collect"]));
    assert!(again.contains("read 0 message(s)"), "{again}");
    assert_eq!(judged(&setup), status);

    // Into the audit and its report: the four rules on replies are judged, the report shows the campaign, and
    // staff addresses stay out of it.
    ok(&setup.run(&["report", audit_json.to_str().unwrap()]));
    let reported = ok(&setup.run(&["campaign", "report", "--redact"]));
    assert!(reported.contains("written into"), "{reported}");
    let audit: Value =
        serde_json::from_str(&std::fs::read_to_string(&audit_json).unwrap()).unwrap();
    assert_eq!(audit["campaign"]["probes"].as_array().unwrap().len(), 4);
    let rule = |id: &str| {
        audit["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} judged"))
            .clone()
    };
    // Settled: two answered by a person (5 h and 30 h, 2 and 12 business hours against 24 promised), one
    // bounce, one silence.
    for id in [
        "email-answered",
        "email-human-answer",
        "email-within-48h",
        "email-promise-kept",
    ] {
        let check = rule(id);
        assert_eq!(check["status"], "partial", "{check}");
        assert_eq!(check["score"], 0.5, "{check}");
    }
    let html = std::fs::read_to_string(setup.audit().join("report.html")).unwrap();
    assert!(html.contains("id=\"email-promise-kept\""));
    assert!(!html.contains("Campagne pas terminée"), "finished by now");
    assert!(
        html.contains("Sans réponse") && html.contains("Adresse en échec"),
        "outcomes in the report"
    );
    assert!(
        !html.contains("support@shop.test"),
        "staff address redacted"
    );
    // The Markdown summary carries the campaign too.
    ok(&setup.run(&["report", audit_json.to_str().unwrap(), "--format", "md"]));
    let md = std::fs::read_to_string(setup.audit().join("report.md")).unwrap();
    assert!(
        md.contains("## Client mystère") && md.contains("| Sans réponse |"),
        "{md}"
    );
    // Kept for a person to look at, beside the browser tests' screenshots.
    let artefacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    std::fs::write(artefacts.join("campaign-report.html"), &html).unwrap();
    let manifest = std::fs::read_to_string(setup.audit().join("manifest.sha256")).unwrap();
    assert!(manifest.contains("  audit.json\n") && manifest.contains("  report.html\n"));
}

fn ok_bytes(output: &Output) -> Vec<u8> {
    ok(output);
    output.stdout.clone()
}

/// Real providers speak TLS: STARTTLS (required, never a silent fallback to plain text) with authentication on
/// SMTP and IMAP, the server's certificate trusted through `[mail] ca_file`; an untrusted certificate sends nothing.
#[test]
fn sends_and_collects_over_starttls_with_authentication() {
    let Some(servers) = MailServers::start_tls() else {
        return;
    };
    let certificate = servers.tls_certificate();
    let setup = Setup::with(
        servers,
        &format!("ca_file = {:?}\n", certificate.display().to_string()),
    );
    let audit = setup.audit();
    let secure = |command: &mut Command| {
        command
            .env(
                "CXAUDIT_SMTP_URL",
                format!(
                    "smtp://auditor%40auditor.test:auditor-secret@127.0.0.1:{}",
                    setup.servers.smtp_port
                ),
            )
            .env(
                "CXAUDIT_IMAP_URL",
                format!(
                    "imap://auditor%40auditor.test:auditor-secret@127.0.0.1:{}/INBOX",
                    setup.servers.imap_port
                ),
            );
    };

    // Without the certificate trusted, the handshake fails and nothing leaves.
    let mut untrusted = setup.cxaudit();
    secure(&mut untrusted);
    let refused = untrusted
        .env("CXAUDIT_CONFIG", "/nonexistent/cxaudit.toml")
        .args([
            "campaign",
            "start",
            audit.to_str().unwrap(),
            "--send",
            "--spread-hours",
            "0",
            "--scenario",
            "delivery-question",
        ])
        .output()
        .unwrap();
    let said = format!("{}{}", text(&refused.stdout), text(&refused.stderr));
    assert!(
        !said.contains("auditor-secret"),
        "the password never shows: {said}"
    );
    assert!(
        said.contains("sent: 0") || !refused.status.success(),
        "{said}"
    );
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert!(setup.servers.messages(SHOP.0, SHOP.1).is_empty());

    // A fresh store, the certificate trusted: sent and collected over TLS.
    let store = setup.dir.path().join("tls.sqlite");
    let mut trusted = setup.cxaudit();
    secure(&mut trusted);
    let sent = ok(&trusted
        .env("CXAUDIT_DB", &store)
        .args([
            "campaign",
            "start",
            audit.to_str().unwrap(),
            "--send",
            "--spread-hours",
            "0",
            "--scenario",
            "delivery-question",
        ])
        .output()
        .unwrap());
    assert!(sent.contains("sent: 1"), "{sent}");
    assert_eq!(setup.servers.wait_for(SHOP.0, SHOP.1, 1).len(), 1);
    setup.servers.wait_for(AUDITOR.0, AUDITOR.1, 1);
    let mut collect = setup.cxaudit();
    secure(&mut collect);
    let collected = ok(&collect
        .env("CXAUDIT_DB", &store)
        .args(["campaign", "collect"])
        .output()
        .unwrap());
    assert!(collected.contains("read 1 message(s)"), "{collected}");
}

/// The hourly cap holds probes back (a typo in a loop cannot spam a shop); the next round sends nothing more
/// within the hour.
#[test]
fn the_hourly_cap_holds_probes_back() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    let setup = Setup::with(servers, "[campaign]\nmax_sends_per_hour = 2\n");
    let audit = setup.audit();
    let first = ok(&setup.run(&[
        "campaign",
        "start",
        audit.to_str().unwrap(),
        "--send",
        "--spread-hours",
        "0",
    ]));
    assert!(
        first.contains("sent: 2") && first.contains("2 probe(s) held back"),
        "{first}"
    );
    let second = ok(&setup.run(&["campaign", "send"]));
    assert!(
        second.contains("sent: 0") && second.contains("2 probe(s) held back"),
        "{second}"
    );
    assert_eq!(setup.servers.wait_for(SHOP.0, SHOP.1, 2).len(), 2);
    let planned = setup.status()["probes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "planned")
        .count();
    assert_eq!(planned, 2);
}

/// A temporary refusal (450) is retried later with backoff; a permanent one (550) fails with the server's reason
/// and is never retried.
#[test]
fn refusals_are_retried_or_failed_as_the_server_says() {
    let Some(setup) = Setup::new() else { return };
    let audit = setup.audit();
    let output = ok(&setup.run(&[
        "campaign",
        "start",
        audit.to_str().unwrap(),
        "--send",
        "--spread-hours",
        "0",
        "--to",
        "busy@shop.test",
        "--to",
        "gone@shop.test",
        "--scenario",
        "delivery-question",
        "--scenario",
        "product-question",
    ]));
    assert!(output.contains("sent: 0"), "{output}");
    assert!(
        output.contains("#1 will be retried") && output.contains("450"),
        "{output}"
    );
    assert!(
        output.contains("#2 failed") && output.contains("550"),
        "{output}"
    );
    let status = setup.status();
    let (busy, gone) = (&status["probes"][0], &status["probes"][1]);
    assert_eq!(busy["state"], "planned", "{busy}");
    assert_eq!(busy["attempts"], 1);
    assert_eq!(gone["state"], "failed", "{gone}");
    assert!(
        gone["failure"]
            .as_str()
            .unwrap()
            .contains("No such mailbox"),
        "{gone}"
    );
    // The retry waits its turn (5 minutes): an immediate round sends nothing and tries nothing.
    let again = ok(&setup.run(&["campaign", "send"]));
    assert!(
        again.contains("sent: 0") && !again.contains("retried"),
        "{again}"
    );
    assert_eq!(setup.status()["probes"][0]["attempts"], 1);
}

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
        let servers = MailServers::start()?;
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
            "[mail]\nplus_addressing = true\n",
        )
        .unwrap();
        Some(Setup { servers, dir })
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
            .env_remove("CXAUDIT_FAILPOINT");
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

/// A dry run prints the e-mails and stores nothing; `--send` sends one per scenario, each carrying its token, a
/// plus-addressed Reply-To and none of the headers that silence helpdesks; a second run sends nothing more.
#[test]
fn probes_go_out_once_as_an_ordinary_customer_would_write() {
    let Some(setup) = Setup::new() else { return };
    let audit = setup.audit();
    let audit = audit.to_str().unwrap();

    let dry = ok(&setup.run(&["campaign", "start", audit]));
    assert!(
        dry.contains("dry run") && dry.contains("To: shop@shop.test"),
        "{dry}"
    );
    assert!(
        !Path::new(&setup.dir.path().join("store.sqlite")).exists() || {
            let status = setup.run(&["campaign", "status"]);
            !status.status.success()
        }
    );

    let first = ok(&setup.run(&["campaign", "start", audit, "--send"]));
    assert!(
        first.contains("campaign 1 created") && first.contains("sent: 4"),
        "{first}"
    );
    let received = setup.servers.wait_for(SHOP.0, SHOP.1, 4);
    assert_eq!(received.len(), 4);
    let status = setup.status();
    let probes = status["probes"].as_array().unwrap();
    assert_eq!(probes.len(), 4);
    for raw in &received {
        for quiet in [
            "Auto-Submitted",
            "Precedence",
            "X-Auto-Response-Suppress",
            "Bcc",
        ] {
            assert_eq!(header(raw, quiet), None, "{quiet} must not be sent");
        }
        let text = body(raw);
        let token = text
            .lines()
            .find_map(|l| l.strip_prefix("Réf. "))
            .unwrap_or_else(|| panic!("no token in:\n{text}"))
            .trim()
            .to_string();
        let reply_to = header(raw, "Reply-To").unwrap();
        assert!(
            reply_to.contains(&format!("auditor+{}@auditor.test", token.to_lowercase())),
            "{reply_to}"
        );
        let message_id = header(raw, "Message-ID").unwrap();
        assert!(message_id.contains(&token.to_lowercase()), "{message_id}");
        assert!(text.contains("Marie Dupont"));
    }
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
        setup.servers.messages(SHOP.0, SHOP.1).len(),
        4,
        "nothing sent twice"
    );
}

/// The process dies after the server accepted a probe and before the store recorded it: the next run does not send
/// it again, and marks it uncertain instead of forgetting it.
#[test]
fn a_crash_between_sending_and_sent_never_sends_twice() {
    let Some(setup) = Setup::new() else { return };
    let audit = setup.audit();
    let audit = audit.to_str().unwrap();
    let crashed = setup
        .cxaudit()
        .env("CXAUDIT_FAILPOINT", "after-smtp-accept")
        .args([
            "campaign",
            "start",
            audit,
            "--send",
            "--scenario",
            "delivery-question",
        ])
        .output()
        .unwrap();
    assert!(!crashed.status.success(), "the failpoint must kill the run");
    assert_eq!(setup.servers.wait_for(SHOP.0, SHOP.1, 1).len(), 1);
    assert_eq!(setup.status()["probes"][0]["state"], "sending");

    let resumed = ok(&setup.run(&["campaign", "send"]));
    assert!(
        resumed.contains("interrupted") && resumed.contains("sent: 0"),
        "{resumed}"
    );
    let probe = &setup.status()["probes"][0];
    assert_eq!(probe["state"], "uncertain", "{probe}");
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(setup.servers.messages(SHOP.0, SHOP.1).len(), 1, "sent once");
}

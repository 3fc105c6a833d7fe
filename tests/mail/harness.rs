//! Real mail servers for a test: dovecot (IMAP) and postfix (SMTP) on free loopback ports, started by
//! `tests/mail/servers.sh` under a temporary folder and stopped when dropped. The test plays the shop through them.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct MailServers {
    /// Run the script through `sudo -n` (not root).
    sudo: bool,
    pub smtp_port: u16,
    pub imap_port: u16,
    lmtp_port: u16,
    root: PathBuf,
    _dir: tempfile::TempDir,
}

/// A free loopback port, never one handed to another test of this process (they run in parallel).
fn free_port() -> u16 {
    static TAKEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if TAKEN.lock().unwrap().insert(port) {
            return port;
        }
    }
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mail/servers.sh")
}

impl MailServers {
    /// None when dovecot or postfix is missing (or not root), unless `CXAUDIT_REQUIRE_MAIL=1`: then it panics.
    pub fn start() -> Option<MailServers> {
        Self::start_with(false)
    }

    /// With STARTTLS on both servers; their certificate's issuer is `tls_certificate()`.
    pub fn start_tls() -> Option<MailServers> {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Option<MailServers> {
        let installed = ["/usr/sbin/dovecot", "/usr/sbin/postfix"]
            .iter()
            .all(|p| std::path::Path::new(p).exists());
        let root_user = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        // postfix's queue wants root: as another user, password-less sudo will do.
        let sudo = !root_user
            && Command::new("sudo")
                .args(["-n", "true"])
                .status()
                .is_ok_and(|s| s.success());
        if !(installed && (root_user || sudo)) {
            if std::env::var("CXAUDIT_REQUIRE_MAIL").as_deref() == Ok("1") {
                panic!(
                    "dovecot and postfix, and root or sudo, are required (CXAUDIT_REQUIRE_MAIL=1)"
                );
            }
            eprintln!("skipped: dovecot/postfix not installed, or neither root nor sudo");
            return None;
        }
        // A port another program took in the meantime makes a start fail: then again, on other ports.
        for attempt in 1..=3 {
            let dir = tempfile::tempdir().unwrap();
            let servers = MailServers {
                sudo,
                smtp_port: free_port(),
                imap_port: free_port(),
                lmtp_port: free_port(),
                root: dir.path().join("mail"),
                _dir: dir,
            };
            let started = servers
                .command("start")
                .env("MAIL_TLS", if tls { "1" } else { "0" })
                .status()
                .unwrap()
                .success();
            let deadline = Instant::now() + Duration::from_secs(15);
            let listening = started
                && [servers.smtp_port, servers.imap_port]
                    .iter()
                    .all(|port| loop {
                        if TcpStream::connect(("127.0.0.1", *port)).is_ok() {
                            break true;
                        }
                        if Instant::now() > deadline {
                            break false;
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    });
            if listening {
                return Some(servers);
            }
            let logs = std::fs::read_to_string(servers.root.join("log/postfix.log"))
                .unwrap_or_default()
                + &std::fs::read_to_string(servers.root.join("log/dovecot.log"))
                    .unwrap_or_default();
            assert!(
                attempt < 3,
                "mail servers did not start three times; last logs:\n{logs}"
            );
            eprintln!("mail servers did not start (attempt {attempt}), trying other ports");
        }
        unreachable!("the loop returns or panics")
    }

    fn command(&self, action: &str) -> Command {
        let mut command = if self.sudo {
            let mut c = Command::new("sudo");
            c.args([
                "-n",
                "--preserve-env=MAIL_ROOT,SMTP_PORT,IMAP_PORT,LMTP_PORT,MAIL_TLS",
                "sh",
            ]);
            c
        } else {
            Command::new("sh")
        };
        command
            .arg(script())
            .arg(action)
            .env("MAIL_ROOT", &self.root)
            .env("SMTP_PORT", self.smtp_port.to_string())
            .env("IMAP_PORT", self.imap_port.to_string())
            .env("LMTP_PORT", self.lmtp_port.to_string());
        command
    }

    /// The authority that issued the servers' certificate.
    pub fn tls_certificate(&self) -> PathBuf {
        self.root.join("ca.crt")
    }

    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.smtp_port)
    }

    pub fn imap_url(&self, user: &str, password: &str) -> String {
        format!(
            "imap://{}:{password}@127.0.0.1:{}/INBOX?tls=none",
            user.replace('@', "%40"),
            self.imap_port
        )
    }

    fn session(&self, user: &str, password: &str) -> imap::Session<TcpStream> {
        let stream = TcpStream::connect(("127.0.0.1", self.imap_port)).unwrap();
        let mut client = imap::Client::new(stream);
        client.read_greeting().unwrap();
        client.login(user, password).map_err(|e| e.0).unwrap()
    }

    /// Every message of `user`'s INBOX, raw, waiting (delivery is asynchronous) until at least `count` are there.
    pub fn wait_for(&self, user: &str, password: &str, count: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let messages = self.messages(user, password);
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "{user}: {} message(s), {count} expected",
                messages.len()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn messages(&self, user: &str, password: &str) -> Vec<Vec<u8>> {
        let mut session = self.session(user, password);
        let mailbox = session.select("INBOX").unwrap();
        if mailbox.exists == 0 {
            session.logout().ok();
            return Vec::new();
        }
        let fetched = session.fetch("1:*", "BODY.PEEK[]").unwrap();
        let messages = fetched
            .iter()
            .filter_map(|m| m.body().map(<[u8]>::to_vec))
            .collect();
        session.logout().ok();
        messages
    }

    /// Puts a message in `user`'s INBOX as if it had arrived at `arrived` (RFC 3339), with IMAP APPEND's date.
    pub fn append(&self, user: &str, password: &str, raw: &str, arrived: &str) {
        let raw = raw.replace("\r\n", "\n").replace('\n', "\r\n");
        let date = chrono::DateTime::parse_from_rfc3339(arrived).unwrap();
        let mut session = self.session(user, password);
        session
            .append("INBOX", raw.as_bytes())
            .internal_date(date)
            .finish()
            .unwrap();
        session.logout().ok();
    }
}

impl Drop for MailServers {
    fn drop(&mut self) {
        // Signalled before the folder goes (the pid files are in it); their graceful exit needs no waiting.
        let _ = self.command("signal").status();
    }
}

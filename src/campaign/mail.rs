//! The auditor's mail servers: URLs from the config or the environment, SMTP sending with lettre. Credentials live
//! only in memory: `ServerUrl`'s Debug and Display never show the password.

use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::Body;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use url::Url;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("{what} is not set: give {env} or [mail] {key} in cxaudit.toml")]
    Missing {
        what: &'static str,
        env: &'static str,
        key: &'static str,
    },
    #[error("{what}: {message}")]
    BadUrl { what: &'static str, message: String },
    #[error("{0}")]
    Address(String),
    #[error("cannot read the certificate {path}: {message}")]
    Certificate { path: String, message: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (smtps, imaps).
    Implicit,
    /// STARTTLS, required: a server that does not offer it is an error, never a silent plain session.
    StartTls,
    /// Plain text (`?tls=none`): only for a server on loopback.
    None,
}

/// A mail server URL, parsed. The password is private and never displayed.
#[derive(Clone)]
pub struct ServerUrl {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: Option<String>,
    password: Option<String>,
    /// IMAP: the mailbox (default INBOX).
    pub mailbox: String,
}

impl std::fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

impl std::fmt::Display for ServerUrl {
    /// `host:port (user)`, without the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)?;
        if let Some(user) = &self.user {
            write!(f, " as {user}")?;
        }
        Ok(())
    }
}

impl ServerUrl {
    /// `smtp`/`smtps` or `imap`/`imaps` URLs; `what` names the setting in errors.
    pub fn parse(raw: &str, what: &'static str) -> Result<ServerUrl, MailError> {
        // Errors never echo the URL: it holds the password.
        let bad = |message: &str| MailError::BadUrl {
            what,
            message: message.to_string(),
        };
        let url = Url::parse(raw).map_err(|e| bad(&format!("not a URL ({e})")))?;
        let (default_port, mut tls) = match url.scheme() {
            "smtp" => (587, TlsMode::StartTls),
            "smtps" => (465, TlsMode::Implicit),
            "imap" => (143, TlsMode::StartTls),
            "imaps" => (993, TlsMode::Implicit),
            other => {
                return Err(bad(&format!(
                    "scheme {other}: use smtp, smtps, imap or imaps"
                )))
            }
        };
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "none") => tls = TlsMode::None,
                ("tls", "starttls") => tls = TlsMode::StartTls,
                ("tls", "implicit") => tls = TlsMode::Implicit,
                _ => return Err(bad(&format!("unknown option {key}"))),
            }
        }
        let host = url.host_str().ok_or_else(|| bad("no host"))?.to_string();
        let decode = |s: &str| {
            percent_decode(s)
                .ok_or_else(|| bad("the user or password is not valid percent-encoding"))
        };
        let user = match url.username() {
            "" => None,
            u => Some(decode(u)?),
        };
        let password = url.password().map(decode).transpose()?;
        let mailbox = match url.path().trim_start_matches('/') {
            "" => "INBOX".to_string(),
            path => decode(path)?,
        };
        Ok(ServerUrl {
            host,
            port: url.port().unwrap_or(default_port),
            tls,
            user,
            password,
            mailbox,
        })
    }

    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The persona a dry run shows when none is set: an address that can never be delivered (`.invalid`).
pub const PLACEHOLDER_PERSONA: &str = "Marie Dupont <persona@example.invalid>";

/// The auditor's identity and servers, resolved from env and config.
#[derive(Clone)]
pub struct MailSettings {
    pub from: Mailbox,
    pub smtp: Option<ServerUrl>,
    pub imap: Option<ServerUrl>,
    pub plus_addressing: bool,
    /// Extra trusted certificate (PEM).
    pub ca_pem: Option<Vec<u8>>,
}

impl MailSettings {
    /// Environment variables win over the file.
    pub fn resolve(config: &crate::config::Config) -> Result<MailSettings, MailError> {
        Self::resolve_with(config, None)
    }

    /// For a dry run: without a persona, a placeholder one (`true` says so, for the terminal to mark it).
    pub fn resolve_for_preview(
        config: &crate::config::Config,
    ) -> Result<(MailSettings, bool), MailError> {
        match Self::resolve(config) {
            Err(MailError::Missing {
                env: "CXAUDIT_FROM",
                ..
            }) => Ok((Self::resolve_with(config, Some(PLACEHOLDER_PERSONA))?, true)),
            other => other.map(|s| (s, false)),
        }
    }

    fn resolve_with(
        config: &crate::config::Config,
        fallback_from: Option<&str>,
    ) -> Result<MailSettings, MailError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let from = env("CXAUDIT_FROM")
            .or_else(|| config.mail.from.clone())
            .or_else(|| fallback_from.map(str::to_string))
            .ok_or(MailError::Missing {
                what: "the persona's address",
                env: "CXAUDIT_FROM",
                key: "from",
            })?;
        let from: Mailbox = from
            .parse()
            .map_err(|e| MailError::Address(format!("CXAUDIT_FROM {from:?}: {e}")))?;
        let smtp = env("CXAUDIT_SMTP_URL")
            .or_else(|| config.mail.smtp_url.clone())
            .map(|u| ServerUrl::parse(&u, "CXAUDIT_SMTP_URL"))
            .transpose()?;
        let imap = env("CXAUDIT_IMAP_URL")
            .or_else(|| config.mail.imap_url.clone())
            .map(|u| ServerUrl::parse(&u, "CXAUDIT_IMAP_URL"))
            .transpose()?;
        let ca_pem = config
            .mail
            .ca_file
            .as_deref()
            .map(|p| {
                let path = config.resolve(p);
                std::fs::read(&path).map_err(|e| MailError::Certificate {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })
            })
            .transpose()?;
        Ok(MailSettings {
            from,
            smtp,
            imap,
            plus_addressing: config.mail.plus_addressing,
            ca_pem,
        })
    }

    pub fn smtp(&self) -> Result<&ServerUrl, MailError> {
        self.smtp.as_ref().ok_or(MailError::Missing {
            what: "the SMTP server",
            env: "CXAUDIT_SMTP_URL",
            key: "smtp_url",
        })
    }

    pub fn imap(&self) -> Result<&ServerUrl, MailError> {
        self.imap.as_ref().ok_or(MailError::Missing {
            what: "the IMAP server",
            env: "CXAUDIT_IMAP_URL",
            key: "imap_url",
        })
    }

    /// The plus tags of a campaign's probes: the shop's name, as people tag the address they give a shop
    /// (`marie+atelier@`), numbered from the second probe on so each probe has its own.
    pub fn reply_tags(&self, shop: &str, count: usize) -> Vec<String> {
        let label: String = shop
            .split('.')
            .find(|l| l.chars().any(|c| c.is_ascii_alphabetic()))
            .unwrap_or("shop")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let label = if label.is_empty() {
            "shop".into()
        } else {
            label
        };
        (0..count)
            .map(|i| match i {
                0 => label.clone(),
                i => format!("{label}{}", i + 1),
            })
            .collect()
    }

    /// `local+tag@domain`, where replies come back when plus addressing is on.
    pub fn reply_address(&self, token: &str) -> Option<String> {
        if !self.plus_addressing {
            return None;
        }
        let address = self.from.email.to_string();
        let (local, domain) = address.split_once('@')?;
        Some(format!("{local}+{}@{domain}", token.to_ascii_lowercase()))
    }
}

/// One e-mail to send.
pub struct Outgoing<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub message_id: &'a str,
    pub reply_to: Option<&'a str>,
    /// The `Date` header: the planned send time, fixed when the probe is planned, so the dry run shows the bytes
    /// that leave.
    /// In the persona's time zone (the shop's: a customer writes from the shop's country), as a client writes it.
    pub date: jiff::Zoned,
}

/// What the SMTP server said.
pub enum SendOutcome {
    /// Accepted: the server's reply ("250 2.0.0 Ok: queued as …").
    Accepted(String),
    /// A 4xx or a network failure: try again later.
    Temporary(String),
    /// A 5xx or a message we could not build: do not retry.
    Permanent(String),
}

/// Builds the probe, the same for the dry run and the send (no `User-Agent` or `X-Mailer`: many clients write
/// none, and a tool's name would give the test away). It carries no `Auto-Submitted`, `Precedence` or `X-Auto-Response-Suppress`: a compliant
/// helpdesk would then stay quiet and skew the audit. A copy goes to the persona (Bcc) so the mailbox keeps proof
/// of what was sent and when.
pub fn build_message(settings: &MailSettings, out: &Outgoing) -> Result<Message, String> {
    let to: Mailbox = out
        .to
        .parse()
        .map_err(|e| format!("recipient {:?}: {e}", out.to))?;
    let mut builder = Message::builder()
        .from(settings.from.clone())
        .to(to)
        .bcc(settings.from.clone())
        .subject(out.subject)
        .message_id(Some(out.message_id.to_string()))
        .date(std::time::SystemTime::from(out.date.timestamp()))
        .header(
            ContentType::parse("text/plain; charset=UTF-8; format=flowed")
                .map_err(|e| format!("content type: {e}"))?,
        );
    if let Some(reply_to) = out.reply_to {
        let reply_to: Mailbox = reply_to
            .parse()
            .map_err(|e| format!("reply-to {reply_to:?}: {e}"))?;
        builder = builder.reply_to(reply_to);
    }
    // 8bit, as mail clients send UTF-8 text (the lines are short): the text stays readable in the dry run, and
    // every server the tests and users meet offers 8BITMIME.
    // Without its last line break: the SMTP client ends DATA with CRLF . CRLF, whose first CRLF ends the last line.
    let text = flowed(out.body.replace("\r\n", "\n").trim_end()).replace('\n', "\r\n");
    let body = Body::new_with_encoding(text, ContentTransferEncoding::EightBit)
        .or_else(|text| Body::new_with_encoding(text, ContentTransferEncoding::QuotedPrintable))
        .map_err(|_| "cannot encode the e-mail's text".to_string())?;
    let mut message = builder
        .body(body)
        .map_err(|e| format!("cannot build the e-mail: {e}"))?;
    message.headers_mut().insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("MIME-Version"),
        "1.0".into(),
    ));
    // lettre writes the Date in UTC; a client writes its local time and offset.
    message.headers_mut().insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("Date"),
        out.date.strftime("%a, %-d %b %Y %H:%M:%S %z").to_string(),
    ));
    Ok(message)
}

/// Text as clients send it (RFC 3676 format=flowed): lines wrapped at 72 bytes at a space, the space kept at
/// the end of each soft break so the reader's client joins them again.
pub fn flowed(text: &str) -> String {
    let mut out = String::new();
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        // A line starting with a space, "From " or ">" would be read as stuffed or quoted.
        let line = line.trim_end();
        let mut rest = line;
        // 72 bytes, not characters: a longer line (accents take two) would not travel as 8bit.
        while rest.len() > 72 {
            let mut limit = 72;
            while !rest.is_char_boundary(limit) {
                limit -= 1;
            }
            let Some(at) = rest[..limit].rfind(' ') else {
                break;
            };
            out.push_str(&rest[..=at]);
            out.push('\n');
            rest = &rest[at + 1..];
        }
        out.push_str(rest);
    }
    out
}

/// The bytes the SMTP server receives as the message: lettre's text and the line break that ends DATA before its
/// final dot.
pub fn submitted_bytes(message: &Message) -> Vec<u8> {
    let mut bytes = message.formatted();
    bytes.extend_from_slice(b"\r\n");
    bytes
}

pub fn transport(settings: &MailSettings) -> Result<SmtpTransport, MailError> {
    let server = settings.smtp()?;
    let tls_parameters = || -> Result<TlsParameters, MailError> {
        let mut builder = TlsParameters::builder(server.host.clone());
        if let Some(pem) = &settings.ca_pem {
            let cert = Certificate::from_pem(pem).map_err(|e| MailError::Certificate {
                path: "[mail] ca_file".into(),
                message: e.to_string(),
            })?;
            builder = builder.add_root_certificate(cert);
        }
        builder.build_rustls().map_err(|e| MailError::BadUrl {
            what: "CXAUDIT_SMTP_URL",
            message: format!("TLS: {e}"),
        })
    };
    let mut builder = SmtpTransport::builder_dangerous(server.host.as_str())
        .port(server.port)
        .timeout(Some(std::time::Duration::from_secs(60)));
    builder = match server.tls {
        TlsMode::None => builder.tls(Tls::None),
        TlsMode::StartTls => builder.tls(Tls::Required(tls_parameters()?)),
        TlsMode::Implicit => builder.tls(Tls::Wrapper(tls_parameters()?)),
    };
    if let (Some(user), Some(password)) = (&server.user, server.password()) {
        builder = builder.credentials(Credentials::new(user.clone(), password.to_string()));
    }
    Ok(builder.build())
}

pub fn send(transport: &SmtpTransport, message: &Message) -> SendOutcome {
    match transport.send(message) {
        Ok(response) => SendOutcome::Accepted(format!(
            "{} {}",
            response.code(),
            response.message().collect::<Vec<_>>().join(" ")
        )),
        Err(e) if e.is_permanent() => SendOutcome::Permanent(e.to_string()),
        Err(e) => SendOutcome::Temporary(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_never_show_the_password() {
        let url = ServerUrl::parse(
            "smtp://marie%40x.test:s3cr%3Ft@mail.x.test:2525",
            "CXAUDIT_SMTP_URL",
        )
        .unwrap();
        assert_eq!(url.user.as_deref(), Some("marie@x.test"));
        assert_eq!(url.password(), Some("s3cr?t"));
        assert_eq!(url.port, 2525);
        assert_eq!(url.tls, TlsMode::StartTls);
        let shown = format!("{url} {url:?}");
        assert!(!shown.contains("s3cr"), "{shown}");

        let imap = ServerUrl::parse("imaps://u:p@imap.x.test/Audits", "CXAUDIT_IMAP_URL").unwrap();
        assert_eq!(
            (imap.port, imap.tls, imap.mailbox.as_str()),
            (993, TlsMode::Implicit, "Audits")
        );
        let plain =
            ServerUrl::parse("imap://u:p@127.0.0.1:14143?tls=none", "CXAUDIT_IMAP_URL").unwrap();
        assert_eq!(
            (plain.tls, plain.mailbox.as_str()),
            (TlsMode::None, "INBOX")
        );

        let err = ServerUrl::parse("http://u:hunter2@x.test", "CXAUDIT_SMTP_URL")
            .err()
            .unwrap()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }
}

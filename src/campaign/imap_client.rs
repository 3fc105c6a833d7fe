//! An IMAP session to the auditor's mailbox over plain TCP, STARTTLS (required, never downgraded) or TLS, with
//! rustls and the system's roots plus an optional extra certificate.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};

use super::mail::{ServerUrl, TlsMode};

pub enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

fn tls(tcp: TcpStream, server: &ServerUrl, ca_pem: Option<&[u8]>) -> Result<Stream, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(pem) = ca_pem {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| format!("[mail] ca_file: {e}"))?;
            roots
                .add(cert)
                .map_err(|e| format!("[mail] ca_file: {e}"))?;
        }
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name =
        ServerName::try_from(server.host.clone()).map_err(|e| format!("{}: {e}", server.host))?;
    let connection =
        rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    Ok(Stream::Tls(Box::new(rustls::StreamOwned::new(
        connection, tcp,
    ))))
}

/// Logs in and returns the session.
pub fn connect(server: &ServerUrl, ca_pem: Option<&[u8]>) -> Result<imap::Session<Stream>, String> {
    let tcp = TcpStream::connect((server.host.as_str(), server.port))
        .map_err(|e| format!("cannot reach the IMAP server {server}: {e}"))?;
    tcp.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let (stream, greeted) = match server.tls {
        TlsMode::None => (Stream::Plain(tcp), false),
        TlsMode::Implicit => (tls(tcp, server, ca_pem)?, false),
        TlsMode::StartTls => {
            // STARTTLS by hand before the IMAP client takes the stream: the greeting, then the upgrade.
            let mut reader = BufReader::new(tcp.try_clone().map_err(|e| e.to_string())?);
            let mut line = String::new();
            reader.read_line(&mut line).map_err(|e| e.to_string())?;
            (&tcp)
                .write_all(b"a0 STARTTLS\r\n")
                .map_err(|e| e.to_string())?;
            loop {
                line.clear();
                if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                    return Err(format!("{server} closed the connection during STARTTLS"));
                }
                if let Some(status) = line.strip_prefix("a0 ") {
                    if !status.starts_with("OK") {
                        return Err(format!("{server} refuses STARTTLS: {}", status.trim()));
                    }
                    break;
                }
            }
            (tls(tcp, server, ca_pem)?, true)
        }
    };
    let mut client = imap::Client::new(stream);
    if !greeted {
        client
            .read_greeting()
            .map_err(|e| format!("{server}: {e}"))?;
    }
    let user = server.user.clone().unwrap_or_default();
    client
        .login(user, server.password().unwrap_or_default())
        .map_err(|(e, _)| format!("{server}: login refused ({e})"))
}

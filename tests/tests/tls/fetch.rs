//! `file_get_contents("https://…")`: the body from a server whose CA we trust, and each
//! refusal as its own `FetchError::Tls` variant.

use std::io;
use std::sync::Arc;

use ampere_reactor::net::TcpListener;
use ampere_reactor::rustls::server::{ClientHello, ResolvesServerCert};
use ampere_reactor::rustls::sign::CertifiedKey;
use ampere_reactor::rustls::{AlertDescription, ServerConfig};
use ampere_reactor::{
    fetch_with, file_get_contents, file_get_contents_with, spawn, tls_provider, FetchError, FetchLimits, JoinHandle,
    TlsAcceptor, TlsError, TlsOptions,
};
use futures::{AsyncReadExt, AsyncWriteExt};

use super::pki::{Ca, Validity};
use super::{block_on, listen};

/// Limits that trust `ca` besides Mozilla's roots.
fn trusting(ca: &Ca) -> FetchLimits {
    FetchLimits { tls: TlsOptions { extra_roots: vec![ca.root()], ..TlsOptions::default() }, ..FetchLimits::default() }
}

/// Serves one HTTPS connection on `listener`: reads the request head, answers `response`,
/// closes with `close_notify`. Resolves to the server's view of the handshake.
fn serve_once(listener: TcpListener, acceptor: TlsAcceptor, response: &'static [u8]) -> JoinHandle<io::Result<()>> {
    spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let mut tls = acceptor.accept(tcp).await?;
        let mut head = Vec::new();
        let mut byte = [0; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if tls.read(&mut byte).await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            head.push(byte[0]);
        }
        assert!(head.starts_with(b"GET /path HTTP/1.1\r\n"), "{}", String::from_utf8_lossy(&head));
        tls.write_all(response).await?;
        tls.close().await
    })
}

/// Fetches `https://{host}:{port}/path` from a server presenting `acceptor`'s certificate,
/// and returns the client's and the server's results.
fn fetch_from(
    acceptor: TlsAcceptor,
    host: &'static str,
    limits: FetchLimits,
    response: &'static [u8],
) -> (Result<Vec<u8>, FetchError>, io::Result<()>) {
    block_on(async move {
        let (listener, port) = listen();
        let server = serve_once(listener, acceptor, response);
        let body = file_get_contents_with(&format!("https://{host}:{port}/path"), limits).await;
        (body, server.await.expect("the server task"))
    })
}

const HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello, tls!\n";

#[test]
fn https_fetches_the_body_from_a_server_of_a_trusted_ca() {
    let ca = Ca::new("ampere test CA");
    let (body, server) = fetch_from(ca.acceptor(&["localhost"], Validity::Current), "localhost", trusting(&ca), HELLO);
    assert_eq!(body.expect("the body"), b"hello, tls!\n");
    server.expect("the server's side");
}

#[test]
fn https_reads_a_body_ended_by_the_close_when_the_server_sends_close_notify() {
    // No Content-Length: only the close ends the body, and TLS's close_notify proves that
    // the close is the server's and not a cut.
    let ca = Ca::new("ampere test CA");
    let response = b"HTTP/1.1 200 OK\r\n\r\nuntil the close";
    let (body, _) = fetch_from(ca.acceptor(&["127.0.0.1"], Validity::Current), "127.0.0.1", trusting(&ca), response);
    assert_eq!(body.expect("the body"), b"until the close");
}

#[test]
fn https_refuses_a_certificate_for_another_host_name() {
    let ca = Ca::new("ampere test CA");
    let (body, _) = fetch_from(ca.acceptor(&["other.test"], Validity::Current), "localhost", trusting(&ca), HELLO);
    let err = body.unwrap_err();
    println!("wrong host name: {err}");
    assert!(matches!(err, FetchError::Tls(TlsError::WrongHostName)), "{err:?}");
}

#[test]
fn https_refuses_a_server_whose_ca_is_not_trusted() {
    let ca = Ca::new("ampere test CA");
    let limits = FetchLimits::default(); // Mozilla's roots only
    let (body, server) = fetch_from(ca.acceptor(&["localhost"], Validity::Current), "localhost", limits, HELLO);
    let err = body.unwrap_err();
    println!("untrusted CA: {err}");
    assert!(matches!(err, FetchError::Tls(TlsError::UnknownIssuer)), "{err:?}");
    assert!(server.is_err(), "no request reached the server");
}

#[test]
fn https_refuses_an_expired_certificate() {
    let ca = Ca::new("ampere test CA");
    let (body, _) = fetch_from(ca.acceptor(&["localhost"], Validity::Expired), "localhost", trusting(&ca), HELLO);
    let err = body.unwrap_err();
    println!("expired: {err}");
    assert!(matches!(err, FetchError::Tls(TlsError::Expired)), "{err:?}");
}

/// A server that has no certificate for anyone: rustls answers the client's hello with the
/// fatal alert `access_denied`.
#[derive(Debug)]
struct NoCertificate;

impl ResolvesServerCert for NoCertificate {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        None
    }
}

#[test]
fn https_reports_the_servers_fatal_alert() {
    let config = ServerConfig::builder_with_provider(tls_provider())
        .with_safe_default_protocol_versions()
        .expect("TLS 1.2 and 1.3")
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(NoCertificate));
    let ca = Ca::new("ampere test CA");
    let (body, _) = fetch_from(TlsAcceptor::new(Arc::new(config)), "localhost", trusting(&ca), HELLO);
    let err = body.unwrap_err();
    println!("alert: {err}");
    assert!(matches!(err, FetchError::Tls(TlsError::Alert(AlertDescription::AccessDenied))), "{err:?}");
}

#[test]
fn a_garbage_extra_root_is_a_typed_error_not_a_panic() {
    let limits = FetchLimits {
        tls: TlsOptions { extra_roots: vec![vec![0x30, 0x03, 1, 2, 3].into()], ..TlsOptions::default() },
        ..FetchLimits::default()
    };
    let (listener, port) = block_on(async { listen() });
    let err = block_on(async move { fetch_with(&format!("https://127.0.0.1:{port}/"), limits).await }).unwrap_err();
    drop(listener);
    assert!(matches!(err, FetchError::Tls(TlsError::BadCertificate(_))), "{err:?}");
}

#[test]
fn other_schemes_are_still_unsupported() {
    let err = block_on(file_get_contents("ftp://example.invalid/")).unwrap_err();
    assert!(matches!(&err, FetchError::UnsupportedScheme { scheme, .. } if scheme == "ftp"), "{err:?}");
}

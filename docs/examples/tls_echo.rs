//! A TLS echo server and client on ampere: `TlsAcceptor` and `TlsConnector` (the `tls`
//! feature, on by default) over ampere's `TcpStream`.
//!
//! ```text
//! cargo run --example tls_echo
//! ```
//!
//! The certificates are made at start-up (rcgen): a private CA, and a certificate for
//! `localhost` that it signs. The server serves that certificate; the client trusts the CA
//! besides Mozilla's roots, verifies the server's certificate and name, sends three lines and
//! reads each echo. It exits when the client is done.

use std::net::SocketAddr;

use ampere_reactor::net::{TcpListener, TcpStream};
use ampere_reactor::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use ampere_reactor::{spawn, Reactor, TlsAcceptor, TlsConnector};
use futures::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

type BoxError = Box<dyn std::error::Error>;

/// A private CA's certificate, and a certificate for `localhost` it signed, with its key.
fn make_certificates() -> Result<(CertificateDer<'static>, CertificateDer<'static>, PrivateKeyDer<'static>), BoxError> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "tls_echo example CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?)?;
    let key = KeyPair::generate()?;
    let server = CertificateParams::new(vec!["localhost".to_owned()])?.signed_by(&key, &ca)?;
    Ok((ca.der().clone(), server.der().clone(), PrivateKeyDer::from(key)))
}

fn main() -> Result<(), BoxError> {
    let (ca, server_cert, server_key) = make_certificates()?;
    let reactor = Reactor::new()?;
    reactor.block_on(async {
        let acceptor = TlsAcceptor::with_single_cert(vec![server_cert], server_key)?;
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let port = listener.local_addr()?.port();

        let server = spawn(async move {
            let (tcp, peer) = listener.accept().await?;
            // The one line on the server's side.
            let tls = acceptor.accept(tcp).await?;
            let (reader, mut writer) = futures::io::AsyncReadExt::split(tls);
            let mut lines = BufReader::new(reader).lines();
            while let Some(line) = futures::StreamExt::next(&mut lines).await {
                writer.write_all(format!("{peer} said: {}\n", line?).as_bytes()).await?;
            }
            writer.close().await?; // close_notify: a clean end, not a cut
            Ok::<(), BoxError>(())
        });

        let connector = TlsConnector::with_extra_roots([ca])?;
        let tcp = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        // The one line on the client's side: handshake, chain and host name verified.
        let tls = connector.connect("localhost", tcp).await?;
        let (reader, mut writer) = futures::io::AsyncReadExt::split(tls);
        let mut replies = BufReader::new(reader).lines();
        for text in ["hello", "ampere speaks TLS through rustls", "bye"] {
            writer.write_all(format!("{text}\n").as_bytes()).await?;
            let reply = futures::StreamExt::next(&mut replies).await.ok_or("the server hung up")??;
            println!("> {text}\n< {reply}");
        }
        writer.close().await?; // the server's loop ends at our close_notify
        server.await??;
        println!("done");
        Ok::<(), BoxError>(())
    })??;
    Ok(())
}

#[test]
fn the_demo_echoes_three_lines_over_tls_and_exits() {
    main().unwrap();
}

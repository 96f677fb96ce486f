//! `just bench-tls`: TLS on ampere (`TlsAcceptor`/`TlsConnector`, futures-rustls) against
//! tokio-rustls on tokio's current-thread runtime, one run, with ampere ÷ tokio ratios.
//!
//! For each runtime, the server and the client run on 127.0.0.1 in the SAME runtime on one
//! thread, so both sides' rustls work is counted and the runtimes differ only in their own
//! overhead. Both use one rustls configuration: the `ring` provider
//! (`ampere_reactor::tls_provider()`), TLS 1.3 only, the same certificates (a private CA and an
//! ECDSA P-256 `localhost` certificate made once at start-up with rcgen), no session tickets
//! and no client session cache, so every handshake is a full one.
//!
//! - handshakes/s: for `DURATION` seconds, one after another: a new TCP connection, the TLS
//!   handshake, a 1-byte echo, the client's close (`close_notify`), the server reads the end.
//! - MB/s (10^6 bytes): one connection; the client writes 64 MiB in 64 KiB writes, again while
//!   `DURATION` seconds have not passed, then closes; the server reads into a 64 KiB buffer and
//!   discards. Timed from the end of the handshake to the server's end of stream.
//!
//! Environment: `DURATION` seconds per measure (default 5). The recipe pins the process to
//! CPU 0 with `taskset -c 0`.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ampere_reactor::rustls::client::Resumption;
use ampere_reactor::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use ampere_reactor::rustls::server::NoServerSessionStorage;
use ampere_reactor::rustls::{version, ClientConfig, RootCertStore, ServerConfig};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

type BoxError = Box<dyn Error>;

/// The bytes of one bulk round, and of one write.
const BULK_ROUND: usize = 64 << 20;
const CHUNK: usize = 64 << 10;
/// The name the server's certificate carries and the client asks for.
const NAME: &str = "localhost";

/// Both sides' rustls configurations, shared by both runtimes.
struct Tls {
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
}

/// What one runtime measured.
struct Figures {
    handshakes_per_s: f64,
    mb_per_s: f64,
}

fn main() -> Result<(), BoxError> {
    let seconds: f64 = match std::env::var("DURATION") {
        Ok(s) => s.parse().map_err(|e| format!("DURATION={s:?}: {e}"))?,
        Err(_) => 5.0,
    };
    let duration = Duration::from_secs_f64(seconds);
    let tls = configs()?;
    let load_start = load1();
    let ampere = Figures {
        handshakes_per_s: on_ampere::handshakes(&tls, duration)?,
        mb_per_s: on_ampere::bulk(&tls, duration)?,
    };
    let tokio =
        Figures { handshakes_per_s: on_tokio::handshakes(&tls, duration)?, mb_per_s: on_tokio::bulk(&tls, duration)? };
    let load_end = load1();
    println!("## TLS: ampere vs tokio-rustls\n");
    println!("CPU: {}; load1 {load_start:.2} at start, {load_end:.2} at end.", cpu_model());
    println!(
        "{seconds} s per measure; server and client on one thread per runtime; rustls (ring), \
         TLS 1.3, ECDSA P-256 certificate, no resumption; bulk in 64 KiB writes.\n"
    );
    println!("| runtime | handshakes/s | MB/s |");
    println!("| --- | ---: | ---: |");
    for (name, f) in [("ampere", &ampere), ("tokio (tokio-rustls)", &tokio)] {
        println!("| {name} | {:.0} | {:.0} |", f.handshakes_per_s, f.mb_per_s);
    }
    println!(
        "| ampere ÷ tokio | {:.2} | {:.2} |",
        ampere.handshakes_per_s / tokio.handshakes_per_s,
        ampere.mb_per_s / tokio.mb_per_s
    );
    Ok(())
}

/// A private CA and a `localhost` certificate it signed; both sides' configurations on them.
fn configs() -> Result<Tls, BoxError> {
    let (ca, cert, key) = certificates()?;
    let provider = ampere_reactor::tls_provider();
    let mut server = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)?;
    // No tickets and no session cache: no handshake can resume, every one is full.
    server.send_tls13_tickets = 0;
    server.session_storage = Arc::new(NoServerSessionStorage {});
    let mut roots = RootCertStore::empty();
    roots.add(ca)?;
    let mut client = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&version::TLS13])?
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.resumption = Resumption::disabled();
    Ok(Tls { server: Arc::new(server), client: Arc::new(client) })
}

type Certificates = (CertificateDer<'static>, CertificateDer<'static>, PrivateKeyDer<'static>);

/// The CA's certificate, the server's certificate, and the server's key.
fn certificates() -> Result<Certificates, BoxError> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "tls_bench CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?)?;
    let key = KeyPair::generate()?;
    let server = CertificateParams::new(vec![NAME.to_owned()])?.signed_by(&key, &ca)?;
    Ok((ca.der().clone(), server.der().clone(), PrivateKeyDer::from(key)))
}

fn localhost() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// `units` done in `elapsed`, per second.
fn rate(units: f64, elapsed: Duration) -> f64 {
    units / elapsed.as_secs_f64()
}

fn load1() -> f64 {
    let s = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    s.split_whitespace().next().and_then(|l| l.parse().ok()).unwrap_or(f64::NAN)
}

fn cpu_model() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, m)| m.trim()))
        .unwrap_or("unknown CPU");
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model} ({cpus} CPUs available to this process)")
}

/// ampere: `TcpListener`/`TcpStream`, `TlsAcceptor`/`TlsConnector`, futures-io.
mod on_ampere {
    use std::io;
    use std::time::{Duration, Instant};

    use ampere_reactor::net::{TcpListener, TcpStream};
    use ampere_reactor::{spawn, Reactor, TlsAcceptor, TlsConnector};
    use futures_lite::io::{AsyncReadExt, AsyncWriteExt};

    use super::{localhost, rate, BoxError, Tls, BULK_ROUND, CHUNK, NAME};

    pub(crate) fn handshakes(tls: &Tls, duration: Duration) -> Result<f64, BoxError> {
        // A fresh reactor per measure: dropping it drops the server task left in `accept`.
        let reactor = Reactor::new()?;
        reactor.block_on(async {
            let listener = TcpListener::bind(localhost())?;
            let addr = listener.local_addr()?;
            drop(spawn(serve_echoes(listener, TlsAcceptor::new(tls.server.clone()))));
            let connector = TlsConnector::new(tls.client.clone());
            let (start, mut done) = (Instant::now(), 0u64);
            while start.elapsed() < duration {
                let tcp = TcpStream::connect(addr).await?;
                tcp.set_nodelay(true)?;
                let mut tls = connector.connect(NAME, tcp).await?;
                let mut byte = [7u8];
                tls.write_all(&byte).await?;
                tls.read_exact(&mut byte).await?;
                tls.close().await?;
                done += 1;
            }
            Ok(rate(done as f64, start.elapsed()))
        })?
    }

    /// One connection at a time: handshake, echo one byte, read to the client's end.
    async fn serve_echoes(listener: TcpListener, acceptor: TlsAcceptor) -> io::Result<()> {
        loop {
            let (tcp, _) = listener.accept().await?;
            tcp.set_nodelay(true)?;
            let mut tls = acceptor.accept(tcp).await?;
            let mut byte = [0u8];
            tls.read_exact(&mut byte).await?;
            tls.write_all(&byte).await?;
            tls.flush().await?;
            while tls.read(&mut byte).await? != 0 {}
        }
    }

    pub(crate) fn bulk(tls: &Tls, duration: Duration) -> Result<f64, BoxError> {
        let reactor = Reactor::new()?;
        reactor.block_on(async {
            let listener = TcpListener::bind(localhost())?;
            let addr = listener.local_addr()?;
            let acceptor = TlsAcceptor::new(tls.server.clone());
            let server = spawn(async move {
                let (tcp, _) = listener.accept().await?;
                let mut tls = acceptor.accept(tcp).await?;
                let (mut buf, mut total) = (vec![0u8; CHUNK], 0usize);
                loop {
                    match tls.read(&mut buf).await? {
                        0 => return Ok::<usize, io::Error>(total),
                        n => total += n,
                    }
                }
            });
            let tcp = TcpStream::connect(addr).await?;
            let mut tls = TlsConnector::new(tls.client.clone()).connect(NAME, tcp).await?;
            let chunk = vec![0x5au8; CHUNK];
            let start = Instant::now();
            loop {
                for _ in 0..BULK_ROUND / CHUNK {
                    tls.write_all(&chunk).await?;
                }
                if start.elapsed() >= duration {
                    break;
                }
            }
            tls.close().await?;
            let total = server.await??;
            Ok(rate(total as f64 / 1e6, start.elapsed()))
        })?
    }
}

/// tokio current-thread: `tokio::net`, tokio-rustls.
mod on_tokio {
    use std::io;
    use std::time::{Duration, Instant};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio_rustls::{TlsAcceptor, TlsConnector};

    use super::{localhost, rate, BoxError, Tls, BULK_ROUND, CHUNK, NAME};

    fn runtime() -> io::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    }

    pub(crate) fn handshakes(tls: &Tls, duration: Duration) -> Result<f64, BoxError> {
        // A fresh runtime per measure: dropping it drops the server task left in `accept`.
        runtime()?.block_on(async {
            let listener = TcpListener::bind(localhost()).await?;
            let addr = listener.local_addr()?;
            drop(tokio::spawn(serve_echoes(listener, TlsAcceptor::from(tls.server.clone()))));
            let connector = TlsConnector::from(tls.client.clone());
            let (start, mut done) = (Instant::now(), 0u64);
            while start.elapsed() < duration {
                let tcp = TcpStream::connect(addr).await?;
                tcp.set_nodelay(true)?;
                let mut tls = connector.connect(NAME.try_into()?, tcp).await?;
                let mut byte = [7u8];
                tls.write_all(&byte).await?;
                tls.read_exact(&mut byte).await?;
                tls.shutdown().await?;
                done += 1;
            }
            Ok(rate(done as f64, start.elapsed()))
        })
    }

    /// One connection at a time: handshake, echo one byte, read to the client's end.
    async fn serve_echoes(listener: TcpListener, acceptor: TlsAcceptor) -> io::Result<()> {
        loop {
            let (tcp, _) = listener.accept().await?;
            tcp.set_nodelay(true)?;
            let mut tls = acceptor.accept(tcp).await?;
            let mut byte = [0u8];
            tls.read_exact(&mut byte).await?;
            tls.write_all(&byte).await?;
            tls.flush().await?;
            while tls.read(&mut byte).await? != 0 {}
        }
    }

    pub(crate) fn bulk(tls: &Tls, duration: Duration) -> Result<f64, BoxError> {
        runtime()?.block_on(async {
            let listener = TcpListener::bind(localhost()).await?;
            let addr = listener.local_addr()?;
            let acceptor = TlsAcceptor::from(tls.server.clone());
            let server = tokio::spawn(async move {
                let (tcp, _) = listener.accept().await?;
                let mut tls = acceptor.accept(tcp).await?;
                let (mut buf, mut total) = (vec![0u8; CHUNK], 0usize);
                loop {
                    match tls.read(&mut buf).await? {
                        0 => return Ok::<usize, io::Error>(total),
                        n => total += n,
                    }
                }
            });
            let tcp = TcpStream::connect(addr).await?;
            let mut tls = TlsConnector::from(tls.client.clone()).connect(NAME.try_into()?, tcp).await?;
            let chunk = vec![0x5au8; CHUNK];
            let start = Instant::now();
            loop {
                for _ in 0..BULK_ROUND / CHUNK {
                    tls.write_all(&chunk).await?;
                }
                if start.elapsed() >= duration {
                    break;
                }
            }
            tls.shutdown().await?;
            let total = server.await??;
            Ok(rate(total as f64 / 1e6, start.elapsed()))
        })
    }
}

//! TLS over ampere's streams (the `tls` feature, on by default): [`TlsConnector`] and
//! [`TlsAcceptor`], rustls through futures-rustls on any futures-io stream
//! ([`TcpStream`](crate::net::TcpStream), [`UnixStream`](crate::net::UnixStream),
//! [`Async<T>`](crate::Async)).
//!
//! The crypto provider is rustls's `ring` one, named explicitly rather than taken from the
//! process default, so a program whose other crates enable aws-lc-rs as well still gets one
//! provider here and no panic. The default roots are Mozilla's (webpki-roots, compiled in): no
//! file or network is read to verify a server.

use std::fmt;
use std::io;
use std::sync::{Arc, OnceLock};

use futures_io::{AsyncRead, AsyncWrite};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

use super::tls_error::TlsError;

/// A client TLS stream over `S`, as [`TlsConnector::connect`] returns it: futures-io's
/// `AsyncRead`/`AsyncWrite` of the plaintext. `get_ref()` gives the socket and the rustls
/// connection (negotiated ALPN protocol, peer certificates). Closing it sends `close_notify`.
pub type ClientTlsStream<S> = futures_rustls::client::TlsStream<S>;

/// A server TLS stream over `S`, as [`TlsAcceptor::accept`] returns it; as
/// [`ClientTlsStream`] otherwise.
pub type ServerTlsStream<S> = futures_rustls::server::TlsStream<S>;

/// The rustls crypto provider every configuration made here uses: rustls's `ring` one.
/// Build your own `ClientConfig`/`ServerConfig` on it with `builder_with_provider`, so that
/// no process-wide default provider is needed.
///
/// ring builds with a C compiler alone, where aws-lc-rs (rustls's default) needs more tools
/// and much longer to compile; rustls marks ring's provider deprecated because it offers no
/// post-quantum key exchange (X25519MLKEM768), and this is the price: the key exchange is
/// classical (X25519, P-256, P-384).
///
/// # Examples
///
/// ```
/// use ampere_reactor::rustls::{ClientConfig, RootCertStore};
///
/// let config = ClientConfig::builder_with_provider(ampere_reactor::tls_provider())
///     .with_safe_default_protocol_versions()?
///     .with_root_certificates(RootCertStore::empty())
///     .with_no_client_auth();
/// assert!(config.alpn_protocols.is_empty());
/// # Ok::<(), ampere_reactor::rustls::Error>(())
/// ```
pub fn tls_provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    // Deprecated for lacking post-quantum key exchange only: the reason is above.
    #[allow(deprecated)]
    PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())).clone()
}

/// Opens TLS connections as a client, verifying the server's certificate chain and host name.
///
/// [`TlsConnector::default()`] trusts Mozilla's roots; [`TlsConnector::with_extra_roots`]
/// trusts more (a private CA); [`TlsConnector::new`] takes any rustls `ClientConfig` (client
/// certificates, ALPN, another verifier). Cloning is cheap: the configuration is shared.
///
/// # Examples
///
/// The one line, over a connected [`TcpStream`](crate::net::TcpStream):
///
/// ```no_run
/// use ampere_reactor::net::TcpStream;
/// use ampere_reactor::TlsConnector;
/// use futures_io::AsyncWrite;
///
/// # #[allow(dead_code)]
/// # async fn demo() -> std::io::Result<()> {
/// let tcp = TcpStream::connect(std::net::SocketAddr::from(([93, 184, 215, 14], 443))).await?;
/// let tls = TlsConnector::default().connect("example.com", tcp).await?;
/// # let _: &dyn AsyncWrite = &tls;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
}

impl TlsConnector {
    /// A connector with this rustls configuration, used as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ampere_reactor::rustls::{ClientConfig, RootCertStore};
    /// use ampere_reactor::TlsConnector;
    ///
    /// let config = ClientConfig::builder_with_provider(ampere_reactor::tls_provider())
    ///     .with_safe_default_protocol_versions()?
    ///     .with_root_certificates(RootCertStore::empty())
    ///     .with_no_client_auth();
    /// let connector = TlsConnector::new(Arc::new(config));
    /// assert_eq!(connector.config().alpn_protocols.len(), 0);
    /// # Ok::<(), ampere_reactor::rustls::Error>(())
    /// ```
    pub fn new(config: Arc<ClientConfig>) -> TlsConnector {
        TlsConnector { config }
    }

    /// A connector that trusts Mozilla's roots and `roots` besides (DER certificates of
    /// private CAs, or self-signed servers').
    ///
    /// # Errors
    ///
    /// [`TlsError::BadCertificate`] (or [`TlsError::Other`]) when a root does not parse as an
    /// X.509 certificate that can be a trust anchor.
    ///
    /// # Examples
    ///
    /// ```
    /// use ampere_reactor::rustls::pki_types::CertificateDer;
    /// use ampere_reactor::{TlsConnector, TlsError};
    ///
    /// assert!(TlsConnector::with_extra_roots(Vec::new()).is_ok());
    /// let garbage = CertificateDer::from(vec![1, 2, 3]);
    /// assert!(matches!(TlsConnector::with_extra_roots([garbage]), Err(TlsError::BadCertificate(_))));
    /// ```
    pub fn with_extra_roots(
        roots: impl IntoIterator<Item = CertificateDer<'static>>,
    ) -> Result<TlsConnector, TlsError> {
        let mut roots = roots.into_iter().peekable();
        if roots.peek().is_none() {
            return Ok(TlsConnector::default());
        }
        let mut store = webpki_store();
        for root in roots {
            store.add(root)?;
        }
        client_config(store).map(|config| TlsConnector::new(Arc::new(config)))
    }

    /// The rustls configuration this connector uses.
    pub fn config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    /// Runs the TLS handshake as a client over `stream`, verifying that the server's
    /// certificate chains to a trusted root, is valid now, and names `server_name` (a DNS
    /// name, or an IP address, which must then be in the certificate's IP addresses).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `server_name` is neither a DNS name nor an IP address; the
    /// stream's own I/O errors; and a failed handshake as an `io::Error` of kind
    /// `InvalidData` carrying a rustls error: [`TlsError::from_io`] tells which
    /// ([`TlsError::UnknownIssuer`], [`TlsError::WrongHostName`], [`TlsError::Expired`], a
    /// [`TlsError::Alert`] from the server, ...).
    ///
    /// # Examples
    ///
    /// See [`TlsConnector`], and `docs/examples/tls_echo.rs` for a client and a server.
    pub async fn connect<S>(&self, server_name: &str, stream: S) -> io::Result<ClientTlsStream<S>>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        // An IPv6 literal may come bracketed, as it is in a URL.
        let bare = server_name.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(server_name);
        let name = ServerName::try_from(bare.to_owned())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("server name {server_name:?}: {e}")))?;
        futures_rustls::TlsConnector::from(self.config.clone()).connect(name, stream).await
    }
}

impl Default for TlsConnector {
    /// Mozilla's roots, no client certificate: built once per process, then shared.
    fn default() -> TlsConnector {
        static DEFAULT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
        let config = DEFAULT.get_or_init(|| {
            // The ring provider supports the safe default versions: this cannot fail.
            Arc::new(client_config(webpki_store()).expect("ring supports TLS 1.2 and 1.3"))
        });
        TlsConnector::new(config.clone())
    }
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector").field("alpn_protocols", &self.config.alpn_protocols).finish_non_exhaustive()
    }
}

/// Mozilla's roots, as compiled into webpki-roots.
fn webpki_store() -> RootCertStore {
    RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() }
}

/// A client configuration on the ring provider, trusting `roots`, without client auth.
fn client_config(roots: RootCertStore) -> Result<ClientConfig, TlsError> {
    Ok(ClientConfig::builder_with_provider(tls_provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Accepts TLS connections as a server.
///
/// [`TlsAcceptor::with_single_cert`] serves one certificate chain and key with no client
/// authentication; [`TlsAcceptor::new`] takes any rustls `ServerConfig` (client
/// certificates, ALPN, SNI-based certificates). Cloning is cheap.
///
/// # Examples
///
/// ```no_run
/// use ampere_reactor::net::TcpListener;
/// use ampere_reactor::rustls::pki_types::{CertificateDer, PrivateKeyDer};
/// use ampere_reactor::TlsAcceptor;
///
/// # #[allow(dead_code)]
/// # async fn demo(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> std::io::Result<()> {
/// let acceptor = TlsAcceptor::with_single_cert(chain, key)?;
/// let listener = TcpListener::bind(std::net::SocketAddr::from(([127, 0, 0, 1], 8443)))?;
/// let (tcp, _) = listener.accept().await?;
/// let tls = acceptor.accept(tcp).await?;
/// # drop(tls);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
}

impl TlsAcceptor {
    /// An acceptor with this rustls configuration, used as it is.
    ///
    /// # Examples
    ///
    /// See [`TlsAcceptor::with_single_cert`] for the common case.
    pub fn new(config: Arc<ServerConfig>) -> TlsAcceptor {
        TlsAcceptor { config }
    }

    /// An acceptor serving `chain` (the server's certificate first, then any intermediates)
    /// with its private `key`, on TLS 1.2 and 1.3, asking clients for no certificate.
    ///
    /// # Errors
    ///
    /// [`TlsError`] when the key is not usable (an unsupported algorithm) or does not match
    /// the certificate.
    ///
    /// # Examples
    ///
    /// ```
    /// use ampere_reactor::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    /// use ampere_reactor::TlsAcceptor;
    ///
    /// let not_a_key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(vec![0; 8]));
    /// assert!(TlsAcceptor::with_single_cert(vec![CertificateDer::from(vec![0; 8])], not_a_key).is_err());
    /// ```
    pub fn with_single_cert(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<TlsAcceptor, TlsError> {
        let config = ServerConfig::builder_with_provider(tls_provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        Ok(TlsAcceptor::new(Arc::new(config)))
    }

    /// The rustls configuration this acceptor uses.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    /// Runs the TLS handshake as a server over `stream` (an accepted connection).
    ///
    /// # Errors
    ///
    /// The stream's I/O errors, and a failed handshake as an `io::Error` of kind
    /// `InvalidData` carrying a rustls error ([`TlsError::from_io`] tells which: a client
    /// that rejects our certificate shows as a [`TlsError::Alert`]).
    ///
    /// # Examples
    ///
    /// See [`TlsAcceptor`], and `docs/examples/tls_echo.rs`.
    pub async fn accept<S>(&self, stream: S) -> io::Result<ServerTlsStream<S>>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        futures_rustls::TlsAcceptor::from(self.config.clone()).accept(stream).await
    }
}

impl fmt::Debug for TlsAcceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsAcceptor").field("alpn_protocols", &self.config.alpn_protocols).finish_non_exhaustive()
    }
}

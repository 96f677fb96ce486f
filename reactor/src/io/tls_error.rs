//! [`TlsError`]: why a TLS handshake or connection failed, sorted into the cases a caller
//! acts on differently (an untrusted issuer, a certificate for another name, an expired one,
//! the peer's alert), from rustls's detailed `Error`.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use rustls::{AlertDescription, CertificateError};

/// Why a TLS handshake (or a later TLS record) failed.
///
/// The certificate variants are what *we* found wrong with the peer's certificate; a peer
/// that found something wrong with ours, or with our handshake, says so with an
/// [`Alert`](TlsError::Alert). [`TlsError::from_io`] reads one out of the `io::Error`s of
/// [`TlsConnector::connect`](crate::TlsConnector::connect), [`TlsAcceptor::accept`](crate::TlsAcceptor::accept)
/// and the TLS streams; `https://` fetches give it as [`FetchError::Tls`](crate::FetchError::Tls).
///
/// # Examples
///
/// ```
/// use ampere_reactor::rustls::{CertificateError, Error};
/// use ampere_reactor::TlsError;
///
/// let io = std::io::Error::new(std::io::ErrorKind::InvalidData, Error::InvalidCertificate(CertificateError::UnknownIssuer));
/// assert!(matches!(TlsError::from_io(&io), Some(TlsError::UnknownIssuer)));
/// assert!(TlsError::from_io(&std::io::ErrorKind::ConnectionReset.into()).is_none());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TlsError {
    /// The peer's certificate does not chain to a trusted root: self-signed, or issued by a
    /// CA that is neither among Mozilla's roots nor an extra root you passed.
    UnknownIssuer,
    /// The server's certificate is valid, but for other names than the one we connected to.
    WrongHostName,
    /// The peer's certificate (or one in its chain) expired.
    Expired,
    /// The peer's certificate (or one in its chain) is not valid yet (or our clock is behind).
    NotYetValid,
    /// Anything else wrong with a certificate: a bad signature, a bad encoding, revoked, the
    /// wrong key usage, an unsupported algorithm. rustls's reason is kept.
    BadCertificate(CertificateError),
    /// The peer ended the handshake with a fatal alert: it rejected our certificate, or
    /// required one (`CertificateRequired`), or shares no protocol version or cipher suite
    /// with us (`HandshakeFailure`, `ProtocolVersion`).
    Alert(AlertDescription),
    /// Any other TLS failure (a malformed message, a peer that broke the protocol, a bad
    /// configuration), as rustls reports it.
    Other(rustls::Error),
}

impl TlsError {
    /// The TLS error inside an `io::Error` from a TLS stream or handshake, if there is one
    /// (futures-rustls reports rustls's errors as `InvalidData` I/O errors).
    ///
    /// # Examples
    ///
    /// See [`TlsError`].
    pub fn from_io(error: &io::Error) -> Option<TlsError> {
        let inner = error.get_ref()?;
        if let Some(tls) = inner.downcast_ref::<TlsError>() {
            return Some(tls.clone());
        }
        inner.downcast_ref::<rustls::Error>().map(|e| TlsError::from(e.clone()))
    }
}

impl From<rustls::Error> for TlsError {
    fn from(error: rustls::Error) -> TlsError {
        match error {
            rustls::Error::InvalidCertificate(cert) => match cert {
                CertificateError::UnknownIssuer => TlsError::UnknownIssuer,
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                    TlsError::WrongHostName
                }
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => TlsError::Expired,
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => TlsError::NotYetValid,
                other => TlsError::BadCertificate(other),
            },
            rustls::Error::AlertReceived(alert) => TlsError::Alert(alert),
            other => TlsError::Other(other),
        }
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::UnknownIssuer => f.write_str("certificate issued by an untrusted CA"),
            TlsError::WrongHostName => f.write_str("certificate is for another host name"),
            TlsError::Expired => f.write_str("certificate expired"),
            TlsError::NotYetValid => f.write_str("certificate not valid yet"),
            TlsError::BadCertificate(e) => write!(f, "bad certificate: {e:?}"),
            TlsError::Alert(alert) => write!(f, "the peer sent the fatal alert {alert:?}"),
            TlsError::Other(e) => write!(f, "TLS error: {e}"),
        }
    }
}

impl StdError for TlsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            TlsError::Other(e) => Some(e),
            _ => None,
        }
    }
}

impl From<TlsError> for io::Error {
    /// `InvalidData`, as futures-rustls reports handshake failures, with the `TlsError`
    /// inside ([`TlsError::from_io`] gets it back).
    fn from(error: TlsError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, error)
    }
}

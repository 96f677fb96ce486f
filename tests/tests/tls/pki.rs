//! A certificate authority made at test time (rcgen), and the certificates it signs.

use ampere_reactor::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use ampere_reactor::TlsAcceptor;
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// A root CA: its certificate (to trust) and its key (to sign with).
pub(crate) struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// Whether a leaf certificate is valid now.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Validity {
    /// The default window (1975 to 4096).
    Current,
    /// Expired in 2001.
    Expired,
}

impl Ca {
    /// A fresh CA named `name`.
    pub(crate) fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().expect("a key")).expect("CA cert");
        Ca { issuer }
    }

    /// The CA's certificate, to pass as an extra root.
    pub(crate) fn root(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    /// A server certificate for `names`, signed by this CA, with its key.
    pub(crate) fn leaf(
        &self,
        names: &[&str],
        validity: Validity,
    ) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("leaf params");
        if validity == Validity::Expired {
            params.not_before = date_time_ymd(2000, 1, 1);
            params.not_after = date_time_ymd(2001, 1, 1);
        }
        let key = KeyPair::generate().expect("a key");
        let cert = params.signed_by(&key, &self.issuer).expect("leaf cert");
        (vec![cert.der().clone()], PrivateKeyDer::from(key))
    }

    /// An acceptor serving a certificate of this CA for `names`.
    pub(crate) fn acceptor(&self, names: &[&str], validity: Validity) -> TlsAcceptor {
        let (chain, key) = self.leaf(names, validity);
        TlsAcceptor::with_single_cert(chain, key).expect("a usable certificate and key")
    }
}

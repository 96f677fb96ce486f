//! TLS on ampere (issue 17): `https://` in `file_get_contents` against a local server whose
//! certificates come from a CA made at test time, the refusals (wrong host name, untrusted
//! CA, expired certificate, the server's alert) as typed errors, and `TlsConnector` /
//! `TlsAcceptor` streams carrying a user's own protocol. Nothing here leaves 127.0.0.1.

mod fetch;
mod pki;
mod stream;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use ampere_reactor::net::TcpListener;
use ampere_reactor::Reactor;

/// An upper bound that only catches hangs.
const HANG: Duration = Duration::from_secs(10);

/// Runs `future` to its end on a fresh reactor, failing (not hanging) past [`HANG`].
fn block_on<T: 'static>(future: impl Future<Output = T> + 'static) -> T {
    let reactor = Reactor::new().expect("a reactor");
    let guarded = async move {
        let timeout = ampere_reactor::sleep(HANG);
        futures::pin_mut!(future, timeout);
        match futures::future::select(future, timeout).await {
            futures::future::Either::Left((value, _)) => value,
            futures::future::Either::Right(_) => panic!("hung for {HANG:?}"),
        }
    };
    reactor.block_on(guarded).expect("block_on")
}

/// A listener on a free loopback port.
fn listen() -> (TcpListener, u16) {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind");
    let port = listener.local_addr().expect("local_addr").port();
    (listener, port)
}

//! What every server of `just bench-servers` shares: the command line, the HTTP answer, the
//! echo, and the read/answer/write pump of the two callback servers (raw mio, ampere watchers).
//!
//! Each server binary (`benches/src/bin/server_*.rs`) is only its reactor's accept loop and
//! connection loop around these, so that the servers differ in nothing but the reactor.

use std::io::{self, Read, Write};
use std::time::Duration;

/// The one response of the HTTP workload: fixed, keep-alive (HTTP/1.1's default).
pub const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!";

/// The read buffer of every server, per read call: a 16-request pipelined batch of wrk's
/// requests and a 1 KB echo message both fit.
pub const READ_BUF: usize = 4096;

/// The idle timeout of the `idle` workload, reset on every request.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection that sends more than this without completing a request is dropped.
const MAX_PENDING: usize = 64 * 1024;

/// What a server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// HTTP/1.1 keep-alive: [`RESPONSE`] per request, pipelined requests answered in one write.
    Http,
    /// Every byte read is written back.
    Echo,
    /// [`Workload::Http`] with an [`IDLE_TIMEOUT`] per connection, reset on every request.
    Idle,
    /// HTTP/1.1 keep-alive served by hyper ([`crate::hyper_service`]): only the
    /// `server_hyper_*` binaries answer it, and they answer nothing else.
    Hyper,
}

impl Workload {
    /// `http`, `echo`, `idle` or `hyper`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for any other word.
    pub fn parse(word: &str) -> io::Result<Workload> {
        match word {
            "http" => Ok(Workload::Http),
            "echo" => Ok(Workload::Echo),
            "idle" => Ok(Workload::Idle),
            "hyper" => Ok(Workload::Hyper),
            _ => Err(io::Error::new(io::ErrorKind::InvalidInput, format!("workload {word:?}: http|echo|idle|hyper"))),
        }
    }

    /// The command-line word of the workload ([`Workload::parse`]'s input).
    pub fn word(self) -> &'static str {
        match self {
            Workload::Http => "http",
            Workload::Echo => "echo",
            Workload::Idle => "idle",
            Workload::Hyper => "hyper",
        }
    }

    /// The idle timeout to keep per connection, if any.
    pub fn idle_timeout(self) -> Option<Duration> {
        (self == Workload::Idle).then_some(IDLE_TIMEOUT)
    }
}

/// A server's command line: `server_X PORT http|echo|idle`.
#[derive(Debug, Clone, Copy)]
pub struct ServerArgs {
    /// The port to listen on (127.0.0.1).
    pub port: u16,
    /// What to answer.
    pub workload: Workload,
}

impl ServerArgs {
    /// Parses the command line, raises the fd limit (the idle workload holds 10k sockets) and
    /// makes SIGTERM and SIGINT exit with status 0, the same way in every server (no signal
    /// fd in any reactor, so none pays for one).
    ///
    /// # Errors
    ///
    /// `InvalidInput` with the usage for a bad command line.
    pub fn from_env() -> io::Result<ServerArgs> {
        ServerArgs::from_env_for(&[Workload::Http, Workload::Echo, Workload::Idle])
    }

    /// [`ServerArgs::from_env`] for a server that answers only the workloads in `accepted`
    /// (the hyper servers: [`Workload::Hyper`]).
    ///
    /// # Errors
    ///
    /// `InvalidInput` with the usage for a bad command line or a workload not in `accepted`.
    pub fn from_env_for(accepted: &[Workload]) -> io::Result<ServerArgs> {
        let args: Vec<String> = std::env::args().collect();
        let words: Vec<&str> = accepted.iter().map(|w| w.word()).collect();
        let usage =
            || io::Error::new(io::ErrorKind::InvalidInput, format!("usage: {} PORT {}", args[0], words.join("|")));
        if args.len() != 3 {
            return Err(usage());
        }
        let port = args[1].parse().map_err(|_| usage())?;
        let workload = Workload::parse(&args[2])?;
        if !accepted.contains(&workload) {
            return Err(usage());
        }
        crate::raise_fd_limit();
        crate::exit_on_termination()?;
        Ok(ServerArgs { port, workload })
    }

    /// The address to bind.
    pub fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Prints the line the driver waits for: the server is listening.
    pub fn ready(&self, name: &str, port: u16) {
        println!("{name} pid={} port={port} workload={:?}", std::process::id(), self.workload);
    }
}

/// One connection's protocol state: the start of an incomplete request, and the output not
/// yet written.
#[derive(Debug)]
pub struct Session {
    workload: Workload,
    pending: Vec<u8>,
    out: Vec<u8>,
    written: usize,
}

impl Session {
    /// A fresh connection.
    pub fn new(workload: Workload) -> Session {
        Session { workload, pending: Vec::new(), out: Vec::new(), written: 0 }
    }

    /// Answers `fresh` (just read): appends a response per complete request (or the echo)
    /// to the output. Returns whether a request (or echo) was answered.
    ///
    /// # Errors
    ///
    /// `InvalidData` for a malformed request or one longer than 64 KiB.
    pub fn answer(&mut self, fresh: &[u8]) -> io::Result<bool> {
        if self.workload == Workload::Echo {
            self.out.extend_from_slice(fresh);
            return Ok(!fresh.is_empty());
        }
        let before = self.out.len();
        if self.pending.is_empty() {
            // The common case: whole requests in one read, parsed where they were read.
            let used = answer_http(fresh, &mut self.out)?;
            self.pending.extend_from_slice(&fresh[used..]);
        } else {
            self.pending.extend_from_slice(fresh);
            let used = answer_http(&self.pending, &mut self.out)?;
            self.pending.drain(..used);
        }
        if self.pending.len() > MAX_PENDING {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "request too long"));
        }
        Ok(self.out.len() > before)
    }

    /// The output not yet written.
    pub fn output(&self) -> &[u8] {
        &self.out[self.written..]
    }

    /// Marks `n` bytes of [`output`](Session::output) written.
    pub fn wrote(&mut self, n: usize) {
        self.written += n;
        if self.written == self.out.len() {
            self.out.clear();
            self.written = 0;
        }
    }

    /// Reads what `stream` has, answers it and writes what the socket takes: the whole of
    /// a readiness callback of the non-blocking servers.
    ///
    /// Stops reading at a short read: the socket was empty then, and more data brings a new
    /// readiness event, edge-triggered or not, so the `EAGAIN` read is never made.
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` when the peer closed; the OS's; [`answer`](Session::answer)'s.
    pub fn pump(&mut self, stream: &mut (impl Read + Write), buf: &mut [u8]) -> io::Result<Pumped> {
        let mut answered = false;
        loop {
            match stream.read(buf) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    answered |= self.answer(&buf[..n])?;
                    if n < buf.len() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let flushed = self.flush(stream)?;
        Ok(Pumped { answered, flushed })
    }

    /// Writes what the socket takes; returns whether everything was written.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn flush(&mut self, stream: &mut impl Write) -> io::Result<bool> {
        while !self.output().is_empty() {
            match stream.write(self.output()) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.wrote(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

/// What one [`Session::pump`] did.
#[derive(Debug, Clone, Copy)]
pub struct Pumped {
    /// A request was answered: the idle timeout is to be reset.
    pub answered: bool,
    /// All output was written; if not, wait for writability and [`flush`](Session::flush).
    pub flushed: bool,
}

/// Appends [`RESPONSE`] to `out` for each complete request at the start of `input`; returns
/// how many bytes they took.
fn answer_http(input: &[u8], out: &mut Vec<u8>) -> io::Result<usize> {
    let mut used = 0;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&input[used..]) {
            Ok(httparse::Status::Complete(len)) => {
                used += len;
                out.extend_from_slice(RESPONSE);
            }
            Ok(httparse::Status::Partial) => return Ok(used),
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    #[test]
    fn pipelined_requests_split_across_reads_get_one_response_each() {
        let mut s = Session::new(Workload::Http);
        let batch = [GET, GET, GET].concat();
        let (first, rest) = batch.split_at(GET.len() + 5);
        assert!(s.answer(first).unwrap());
        assert_eq!(s.output(), RESPONSE);
        assert!(s.answer(rest).unwrap());
        assert_eq!(s.output(), [RESPONSE, RESPONSE, RESPONSE].concat());
    }

    #[test]
    fn echo_returns_the_bytes_read() {
        let mut s = Session::new(Workload::Echo);
        assert!(s.answer(b"abc").unwrap());
        s.wrote(1);
        assert_eq!(s.output(), b"bc");
    }

    #[test]
    fn malformed_request_is_an_error() {
        let mut s = Session::new(Workload::Http);
        assert!(s.answer(b"\x01\x02 nonsense\r\n\r\n").is_err());
    }
}

//! The async helpers (issue 4): `read_line` and `echo` on real pipes, files, sockets and a
//! terminal (in a child process, `src/bin/io_helpers_child.rs`, whose fds 0 and 1 we set
//! up); `flock` contention between tasks and between processes; `file_get_contents` against
//! a misbehaving loopback server, one bad input at a time.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use ampere_reactor::{
    file_get_contents, file_get_contents_with, flock, sleep, spawn, FetchError, FetchLimits, FlockError, LockMode,
    Reactor,
};
use futures::future::{select, Either};

// ---------------------------------------------------------------- shared helpers

/// The child program, with `args`.
fn child_cmd(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_io_helpers_child"));
    command.args(args);
    command
}

/// Waits for `child` to exit, killing it (and failing) if it takes longer than `limit`.
fn wait_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("the child hung for {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A fresh directory of this test, under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ampere-io-helpers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether the open file description behind `fd` has `O_NONBLOCK`.
fn nonblocking(fd: &impl AsRawFd) -> bool {
    // SAFETY: F_GETFL only reads the flags of an fd we hold open.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    assert_ne!(flags, -1);
    flags & libc::O_NONBLOCK != 0
}

/// Reads exactly `n` bytes (the prompt, which has no newline).
fn read_n(reader: &mut impl Read, n: usize) -> String {
    let mut buf = vec![0; n];
    reader.read_exact(&mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

/// Runs the `read-lines` child with `stdin`, feeding it with `feed` once its first prompt
/// appears, and returns its stdout after the first prompt. What `feed` returns is kept
/// until the child has exited.
fn read_lines_child<K>(stdin: impl Into<Stdio>, feed: impl FnOnce() -> K) -> String {
    let mut child = child_cmd(&["read-lines"]).stdin(stdin).stdout(Stdio::piped()).spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    assert_eq!(read_n(&mut out, 2), "> ", "the prompt is written before the wait");
    let _keep = feed();
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(wait_within(&mut child, Duration::from_secs(10)).success());
    rest
}

// ---------------------------------------------------------------- read_line and echo

#[test]
fn read_line_reads_a_pipe_while_other_tasks_run_and_leaves_its_flags_alone() {
    let (reader, mut writer) = std::io::pipe().unwrap();
    let shared = reader.try_clone().unwrap(); // the same open file description as the child's fd 0
    let out = read_lines_child(reader, || {
        std::thread::sleep(Duration::from_millis(30));
        // Three lines in one write: the second and third must not be lost to the first read.
        writer.write_all("first\nsecond\r\n\nthird ✓ no newline".as_bytes()).unwrap();
        drop(writer);
    });
    let lines: Vec<&str> = out.split("> ").collect();
    assert_eq!(lines[..4], ["line:first\n", "line:second\n", "line:\n", "line:third ✓ no newline\n"]);
    let ticks: u32 = out.split("ticks:").nth(1).unwrap().lines().next().unwrap().parse().unwrap();
    assert!(ticks >= 3, "the ticker ran while read_line waited 30 ms: {ticks} ticks");
    assert!(out.ends_with("nonblocking:false:false\n"), "{out}");
    assert!(!nonblocking(&shared), "O_NONBLOCK never reached the shared pipe");
}

#[test]
fn read_line_reads_a_regular_file_stdin_to_its_unterminated_end() {
    let dir = temp_dir("file-stdin");
    let path = dir.join("input");
    std::fs::write(&path, "a\nb\n\nlast").unwrap();
    let out = read_lines_child(File::open(&path).unwrap(), || {});
    assert!(out.starts_with("line:a\n> line:b\n> line:\n> line:last\n> eof\n"), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn read_line_reads_a_socket_stdin() {
    let (ours, theirs) = UnixStream::pair().unwrap();
    let out = read_lines_child(OwnedFd::from(theirs), move || {
        (&ours).write_all(b"over a socket\n").unwrap();
        ours.shutdown(std::net::Shutdown::Write).unwrap();
    });
    assert!(out.starts_with("line:over a socket\n> eof\n"), "{out}");
}

/// A pseudo-terminal pair `(master, slave)`, both close-on-exec.
fn open_pty() -> (File, File) {
    let open = |path: &str| OpenOptions::new().read(true).write(true).custom_flags(libc::O_NOCTTY).open(path);
    let master = open("/dev/ptmx").unwrap();
    let mut name = [0 as libc::c_char; 64];
    // SAFETY: `master` is an open pty master; ptsname_r writes at most `name.len()` bytes.
    let ok = unsafe {
        libc::unlockpt(master.as_raw_fd()) == 0
            && libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len()) == 0
    };
    assert!(ok, "cannot set up a pty: {}", std::io::Error::last_os_error());
    // SAFETY: ptsname_r succeeded, so `name` holds a NUL-terminated path.
    let name = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) };
    (master, open(name.to_str().unwrap()).unwrap())
}

#[test]
fn read_line_reads_a_terminal_and_leaves_its_flags_alone() {
    let (mut master, slave) = open_pty();
    let shared = slave.try_clone().unwrap();
    let out = read_lines_child(slave, move || {
        // Canonical mode: the line is delivered at the newline; ^D at a line start is EOF.
        master.write_all(b"typed on a tty\n\x04").unwrap();
        master // kept open until the child is done: closing it would hang up the terminal
    });
    assert!(out.starts_with("line:typed on a tty\n> eof\n"), "{out}");
    assert!(!nonblocking(&shared), "O_NONBLOCK never reached the shared terminal");
}

#[test]
fn dropping_the_reactor_while_read_line_waits_does_not_hang() {
    let (reader, writer) = std::io::pipe().unwrap();
    let mut child = child_cmd(&["shutdown-while-reading"]).stdin(reader).stdout(Stdio::piped()).spawn().unwrap();
    // `writer` stays open: the read would wait forever.
    let status = wait_within(&mut child, Duration::from_secs(5));
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(status.success() && out == "dropped\n", "{status:?} {out:?}");
    drop(writer);
}

#[test]
fn echo_writes_everything_to_a_slow_pipe_while_other_tasks_run() {
    const LEN: usize = 1 << 20; // sixteen times a pipe's default capacity
    let mut child =
        child_cmd(&["echo", &LEN.to_string()]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut got = read_n(&mut out, 1).into_bytes(); // echo has started
    std::thread::sleep(Duration::from_millis(30)); // the pipe fills; echo must wait, not spin
    out.read_to_end(&mut got).unwrap();
    assert!(wait_within(&mut child, Duration::from_secs(10)).success());
    assert_eq!(got.len(), LEN);
    assert!(got.iter().enumerate().all(|(i, &b)| b == b'a' + (i % 26) as u8), "every byte, in order");
    let mut report = String::new();
    child.stderr.take().unwrap().read_to_string(&mut report).unwrap();
    let ticks: u32 = report.trim().rsplit(':').next().unwrap().parse().unwrap();
    assert!(report.starts_with("result:Ok(())") && ticks >= 3, "the ticker ran while echo waited: {report}");
}

/// Runs `mode` with a stdout pipe whose reader goes away after the first bytes.
fn echo_into_closed_pipe(mode: &str) {
    let mut child = child_cmd(&[mode, "1048576"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let _ = read_n(&mut out, 1);
    drop(out);
    let status = wait_within(&mut child, Duration::from_secs(10));
    let mut report = String::new();
    child.stderr.take().unwrap().read_to_string(&mut report).unwrap();
    assert!(status.success(), "{mode}: the child was not killed by SIGPIPE: {status:?}");
    assert!(report.starts_with("result:Err(BrokenPipe)"), "{mode}: {report}");
}

#[test]
fn echo_into_a_closed_pipe_is_broken_pipe_not_a_crash() {
    echo_into_closed_pipe("echo");
    // With SIGPIPE back at its deadly default (as under a C main), echo ignores it first.
    echo_into_closed_pipe("echo-sigpipe-default");
}

#[test]
fn echo_writes_to_a_regular_file_stdout() {
    let dir = temp_dir("file-stdout");
    let path = dir.join("output");
    let stdout = File::create(&path).unwrap();
    let mut child = child_cmd(&["echo", "100000"]).stdout(stdout).stderr(Stdio::piped()).spawn().unwrap();
    assert!(wait_within(&mut child, Duration::from_secs(10)).success());
    let mut report = String::new();
    child.stderr.take().unwrap().read_to_string(&mut report).unwrap();
    assert!(report.starts_with("result:Ok(())"), "{report}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 100_000);
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------- flock

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    Reactor::new().unwrap().block_on(future).unwrap()
}

/// Whether some fd of this process is open on `path`.
fn has_open_fd(path: &Path) -> bool {
    std::fs::read_dir("/proc/self/fd").unwrap().flatten().any(|e| std::fs::read_link(e.path()).is_ok_and(|t| t == path))
}

#[test]
fn flock_creates_a_missing_file_and_never_truncates() {
    let dir = temp_dir("flock-create");
    let (fresh, kept) = (dir.join("fresh"), dir.join("kept"));
    std::fs::write(&kept, "keep me").unwrap();
    block_on(async {
        let a = flock(&fresh, LockMode::Exclusive, None).await.unwrap();
        let b = flock(&kept, LockMode::Exclusive, None).await.unwrap();
        assert_eq!((a.path(), a.mode()), (fresh.as_path(), LockMode::Exclusive));
        a.unlock().unwrap();
        drop(b);
    });
    assert_eq!(std::fs::read(&fresh).unwrap(), b"");
    assert_eq!(std::fs::read(&kept).unwrap(), b"keep me");
    assert!(!has_open_fd(&fresh) && !has_open_fd(&kept), "unlock and drop close the file");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn shared_locks_coexist_and_an_exclusive_one_waits_for_every_holder() {
    let dir = temp_dir("flock-tasks");
    let path = dir.join("lock");
    block_on(async {
        let first = flock(&path, LockMode::Shared, None).await.unwrap();
        let second = flock(&path, LockMode::Shared, None).await.unwrap();
        let start = Instant::now();
        let writer = spawn(flock(path.clone(), LockMode::Exclusive, Duration::from_millis(2))).unwrap();
        sleep(Duration::from_millis(20)).await;
        drop(first);
        sleep(Duration::from_millis(20)).await;
        assert!(!writer.is_finished(), "one shared holder is left");
        drop(second);
        let exclusive = writer.await.unwrap().unwrap();
        assert!(start.elapsed() >= Duration::from_millis(40));
        // And now a shared lock waits for the exclusive one.
        let reader = spawn(flock(path.clone(), LockMode::Shared, Duration::from_millis(2))).unwrap();
        sleep(Duration::from_millis(10)).await;
        assert!(!reader.is_finished());
        drop(exclusive);
        drop(reader.await.unwrap().unwrap());
    });
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn dropping_a_waiting_flock_closes_its_file_and_takes_no_lock() {
    let dir = temp_dir("flock-cancel");
    let path = dir.join("lock");
    block_on(async {
        let holder = flock(&path, LockMode::Exclusive, None).await.unwrap();
        let waiting = Box::pin(flock(&path, LockMode::Exclusive, Duration::from_millis(1)));
        match select(waiting, Box::pin(sleep(Duration::from_millis(20)))).await {
            Either::Left(_) => panic!("got a lock that is held"),
            Either::Right(((), waiting)) => drop(waiting), // the timeout wins: cancel
        }
        drop(holder);
    });
    assert!(!has_open_fd(&path), "the cancelled flock closed its file");
    File::open(&path).unwrap().try_lock().expect("nobody holds the lock");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Starts a child holding `mode` on `path`; returns it once it says it holds the lock.
fn lock_holder(path: &Path, mode: &str) -> (Child, BufReader<std::process::ChildStdout>) {
    let args = ["hold-lock", path.to_str().unwrap(), mode];
    let mut holder = child_cmd(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut out = BufReader::new(holder.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "locked\n");
    (holder, out)
}

#[test]
fn locks_contend_across_processes() {
    let dir = temp_dir("flock-processes");
    let path = dir.join("lock");
    let reactor = Reactor::new().unwrap();

    // Shared + shared: both hold at once; an exclusive one waits.
    let (mut holder, _out) = lock_holder(&path, "shared");
    reactor
        .block_on(async {
            let ours = flock(&path, LockMode::Shared, None).await.unwrap();
            drop(ours);
            let exclusive = Box::pin(flock(&path, LockMode::Exclusive, Duration::from_millis(2)));
            assert!(matches!(select(exclusive, Box::pin(sleep(Duration::from_millis(20)))).await, Either::Right(_)));
        })
        .unwrap();
    drop(holder.stdin.take()); // EOF: the child unlocks and exits
    assert!(wait_within(&mut holder, Duration::from_secs(5)).success());

    // Exclusive: we wait until the other process lets go.
    let (mut holder, mut out) = lock_holder(&path, "exclusive");
    let stdin = holder.stdin.take().unwrap();
    let start = Instant::now(); // before the releaser starts counting: the bound below holds
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        drop(stdin);
    });
    let lock = reactor.block_on(flock(&path, LockMode::Exclusive, Duration::from_millis(2))).unwrap().unwrap();
    assert!(start.elapsed() >= Duration::from_millis(30), "waited for the other process");
    drop(lock);
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "unlocked\n");
    releaser.join().unwrap();
    assert!(wait_within(&mut holder, Duration::from_secs(5)).success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn flock_on_a_directory_or_a_missing_directory_is_a_typed_error() {
    let dir = temp_dir("flock-bad");
    block_on(async {
        let err = flock(&dir, LockMode::Shared, None).await.unwrap_err();
        println!("flock(directory): {err}");
        assert!(matches!(&err, FlockError::IsADirectory(p) if *p == dir), "{err:?}");
        let err = flock(dir.join("no/such/dir"), LockMode::Shared, None).await.unwrap_err();
        println!("flock(missing directory): {err}");
        assert!(matches!(&err, FlockError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound));
        assert_eq!(std::io::Error::from(err).kind(), std::io::ErrorKind::NotFound);
    });
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_path_without_permission_is_a_typed_error_for_flock_and_reads() {
    let dir = temp_dir("denied");
    let path = dir.join("secret");
    std::fs::write(&path, "secret").unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut command = child_cmd(&["denied", path.to_str().unwrap()]);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        command.uid(65534).gid(65534); // root may open anything: try as nobody
    } else {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let out = command.output().unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    println!("{out}");
    assert!(out.contains("flock:Err(PermissionDenied {"), "{out}");
    assert!(out.contains("read:Err(File {") && out.contains("kind: PermissionDenied"), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------- file_get_contents

/// A loopback HTTP server on a std thread. Each connection: read the request head, send it
/// down `requests`, write `reply(target)` (byte by byte if `dribble`), close.
fn serve_with(dribble: bool, reply: impl Fn(&str) -> Vec<u8> + Send + 'static) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (requests, received) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let mut conn = conn.unwrap();
            let mut head = Vec::new();
            let mut byte = [0];
            while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).unwrap() == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8(head).unwrap();
            let response = reply(head.split(' ').nth(1).unwrap_or(""));
            let _ = requests.send(head);
            if dribble {
                conn.set_nodelay(true).unwrap();
                response.iter().try_for_each(|b| conn.write_all(&[*b])).unwrap();
            } else {
                let _ = conn.write_all(&response);
            }
        }
    });
    (base, received)
}

fn serve(reply: impl Fn(&str) -> Vec<u8> + Send + 'static) -> String {
    serve_with(false, reply).0
}

fn fetch(source: &str) -> Result<Vec<u8>, FetchError> {
    block_on(file_get_contents(source))
}

#[test]
fn http_content_length_body_with_a_well_formed_request() {
    let (base, requests) = serve_with(false, |_| b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA".to_vec());
    assert_eq!(fetch(&format!("{base}/a/b?q=1#fragment")).unwrap(), b"hello");
    let request = requests.recv().unwrap();
    let host = base.trim_start_matches("http://");
    assert!(request.starts_with("GET /a/b?q=1 HTTP/1.1\r\n"), "{request}");
    assert!(request.contains(&format!("\r\nHost: {host}\r\n")) && request.contains("\r\nConnection: close\r\n"));
}

#[test]
fn http_chunked_body_arriving_byte_by_byte() {
    // Transfer-Encoding wins over Content-Length; extensions and trailers are skipped.
    let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n\
                    5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n";
    let (base, _) = serve_with(true, move |_| response.as_bytes().to_vec());
    assert_eq!(fetch(&base).unwrap(), b"hello world");
}

#[test]
fn http_bodies_until_close_interim_responses_and_no_content() {
    let base = serve(|target| match target {
        "/close" => b"HTTP/1.0 200 OK\r\n\r\nuntil the close".to_vec(),
        "/interim" => b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
        _ => b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
    });
    assert_eq!(fetch(&format!("{base}/close")).unwrap(), b"until the close");
    assert_eq!(fetch(&format!("{base}/interim")).unwrap(), b"ok");
    assert_eq!(fetch(&format!("{base}/empty")).unwrap(), b"");
}

#[test]
fn http_follows_absolute_path_relative_and_absolute_url_redirects() {
    let own_base = Arc::new(OnceLock::<String>::new()); // known once the server is bound
    let (base, requests) = serve_with(false, {
        let own_base = Arc::clone(&own_base);
        move |target| {
            let redirect = |status: &str, to: &str| format!("HTTP/1.1 {status}\r\nLocation: {to}\r\n\r\n").into_bytes();
            match target {
                "/start" => redirect("302 Found", "/dir/page"),
                "/dir/page" => redirect("307 Temporary Redirect", "../other?x=1#frag"),
                "/other?x=1" => redirect("301 Moved Permanently", &format!("{}/final", own_base.get().unwrap())),
                _ => b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone".to_vec(),
            }
        }
    });
    own_base.set(base.clone()).unwrap();
    assert_eq!(fetch(&format!("{base}/start")).unwrap(), b"done");
    let targets: Vec<String> = requests.try_iter().map(|r| r.split(' ').nth(1).unwrap().to_owned()).collect();
    assert_eq!(targets, ["/start", "/dir/page", "/other?x=1", "/final"]);
}

#[test]
fn http_follows_five_redirects_but_not_six() {
    let base = serve(|target| {
        let n: u32 = target.trim_start_matches("/hop/").parse().unwrap();
        if n == 6 {
            b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\narrived".to_vec()
        } else {
            format!("HTTP/1.1 302 Found\r\nLocation: /hop/{}\r\n\r\n", n + 1).into_bytes()
        }
    });
    assert_eq!(fetch(&format!("{base}/hop/1")).unwrap(), b"arrive");
    let err = fetch(&format!("{base}/hop/0")).unwrap_err();
    println!("six redirects: {err}");
    assert!(matches!(&err, FetchError::TooManyRedirects { limit: 5, url } if url.ends_with("/hop/6")), "{err:?}");
    let no_redirects = FetchLimits { max_redirects: 0, ..FetchLimits::default() };
    let err = block_on(file_get_contents_with(&format!("{base}/hop/5"), no_redirects)).unwrap_err();
    assert!(matches!(err, FetchError::TooManyRedirects { limit: 0, .. }), "{err:?}");
}

#[test]
fn http_redirect_loops_are_typed_errors() {
    let base = serve(|target| {
        let to = match target {
            "/self" => "/self",
            "/a" => "/b",
            _ => "/a",
        };
        format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\n\r\n").into_bytes()
    });
    for start in ["/self", "/a"] {
        let err = fetch(&format!("{base}{start}")).unwrap_err();
        println!("redirect loop from {start}: {err}");
        assert!(matches!(&err, FetchError::RedirectLoop { url } if url.ends_with(start)), "{err:?}");
    }
}

/// The bad responses, one per path of one server, with what each must produce.
#[allow(clippy::type_complexity)]
fn bad_responses() -> Vec<(&'static str, Vec<u8>, fn(&FetchError) -> bool)> {
    let big_header = format!("HTTP/1.1 200 OK\r\nX-Big: {}\r\n\r\n", "x".repeat(40 * 1024));
    let many_headers = format!("HTTP/1.1 200 OK\r\n{}\r\n", "X-H: 1\r\n".repeat(101));
    vec![
        ("404", b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnope".to_vec(), |e| {
            matches!(e, FetchError::Status { status: 404, reason, .. } if reason == "Not Found")
                && e.status() == Some(404)
        }),
        ("500", b"HTTP/1.1 500 Internal Server Error\r\n\r\n".to_vec(), |e| e.status() == Some(500)),
        ("302 without Location", b"HTTP/1.1 302 Found\r\n\r\n".to_vec(), |e| e.status() == Some(302)),
        ("101 nobody asked for", b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec(), |e| e.status() == Some(101)),
        ("status not a number", b"HTTP/1.1 abc OK\r\n\r\n".to_vec(), malformed),
        ("not HTTP at all", b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec(), malformed),
        ("unknown version", b"HTTP/2.0 200 OK\r\n\r\n".to_vec(), malformed),
        ("header without a colon", b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n".to_vec(), malformed),
        ("Content-Length not a number", b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello".to_vec(), malformed),
        (
            "conflicting Content-Lengths",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!".to_vec(),
            malformed,
        ),
        ("invalid chunk size", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(), malformed),
        (
            "chunk longer than its size",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n".to_vec(),
            malformed,
        ),
        ("a 40 KiB header", big_header.into_bytes(), |e| matches!(e, FetchError::HeadTooLarge { limit: 32768 })),
        ("101 headers", many_headers.into_bytes(), |e| matches!(e, FetchError::TooManyHeaders { limit: 100 })),
        ("endless 100 Continue", b"HTTP/1.1 100 Continue\r\n\r\n".repeat(9), malformed),
        ("closed at once", Vec::new(), |e| matches!(e, FetchError::IncompleteHead { received: 0 })),
        ("closed inside the head", b"HTTP/1.1 200 OK\r\nContent-Le".to_vec(), |e| {
            matches!(e, FetchError::IncompleteHead { received: 27 })
        }),
        (
            "closed inside a Content-Length body",
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789".to_vec(),
            |e| matches!(e, FetchError::TruncatedBody { received: 10, expected: Some(100) }),
        ),
        (
            "chunked cut inside a chunk",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel".to_vec(),
            |e| matches!(e, FetchError::TruncatedBody { received: 3, expected: None }),
        ),
        (
            "chunked without its last chunk",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n".to_vec(),
            |e| matches!(e, FetchError::TruncatedBody { received: 5, expected: None }),
        ),
        (
            "chunked without the final CRLF",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n".to_vec(),
            |e| matches!(e, FetchError::TruncatedBody { received: 5, expected: None }),
        ),
        ("a 1 TB Content-Length", b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n".to_vec(), too_large),
        (
            "a 2^64-1 byte chunk",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n".to_vec(),
            too_large,
        ),
    ]
}

fn malformed(e: &FetchError) -> bool {
    matches!(e, FetchError::MalformedResponse { .. })
}

fn too_large(e: &FetchError) -> bool {
    matches!(e, FetchError::BodyTooLarge { limit: 67_108_864 })
}

#[test]
fn http_bad_responses_are_typed_errors() {
    let cases = bad_responses();
    let responses: Vec<Vec<u8>> = cases.iter().map(|(_, response, _)| response.clone()).collect();
    let base = serve(move |target| responses[target[1..].parse::<usize>().unwrap()].clone());
    for (i, (name, _, expected)) in cases.iter().enumerate() {
        let err = fetch(&format!("{base}/{i}")).unwrap_err();
        println!("{name}: {err}");
        assert!(expected(&err), "{name}: {err:?}");
    }
}

#[test]
fn http_bodies_over_the_limit_are_refused() {
    let base = serve(|target| match target {
        "/close" => [&b"HTTP/1.0 200 OK\r\n\r\n"[..], &[b'x'; 2000]].concat(),
        "/chunked" => b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n"
            .iter()
            .chain(&[b'x'; 1024])
            .copied()
            .collect(),
        _ => b"HTTP/1.1 200 OK\r\nContent-Length: 1001\r\n\r\n".to_vec(),
    });
    let limits = FetchLimits { max_body_bytes: 1000, ..FetchLimits::default() };
    for path in ["/close", "/chunked", "/length"] {
        let err = block_on(file_get_contents_with(&format!("{base}{path}"), limits)).unwrap_err();
        println!("body over 1000 bytes ({path}): {err}");
        assert!(matches!(err, FetchError::BodyTooLarge { limit: 1000 }), "{path}: {err:?}");
    }
    let small_head = FetchLimits { max_head_bytes: 16, ..FetchLimits::default() };
    let err = block_on(file_get_contents_with(&format!("{base}/length"), small_head)).unwrap_err();
    assert!(matches!(err, FetchError::HeadTooLarge { limit: 16 }), "{err:?}");
}

#[test]
fn bad_urls_schemes_hosts_and_ports_are_typed_errors() {
    let refused = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", listener.local_addr().unwrap()) // closed when `listener` drops here
    };
    let to_https = serve(|_| b"HTTP/1.1 302 Found\r\nLocation: https://example.invalid/\r\n\r\n".to_vec());
    #[allow(clippy::type_complexity)]
    let cases: [(&str, fn(&FetchError) -> bool); 7] = [
        (
            "https://example.invalid/",
            |e| matches!(e, FetchError::UnsupportedScheme { scheme, .. } if scheme == "https"),
        ),
        ("ftp://example.invalid/", |e| matches!(e, FetchError::UnsupportedScheme { scheme, .. } if scheme == "ftp")),
        ("http://", |e| matches!(e, FetchError::InvalidUrl { reason: "no host", .. })),
        ("http://localhost:99999/", |e| matches!(e, FetchError::InvalidUrl { reason: "invalid port", .. })),
        (
            "http://no-such-host.invalid/",
            |e| matches!(e, FetchError::Resolve { host, .. } if host == "no-such-host.invalid"),
        ),
        (
            &refused,
            |e| matches!(e, FetchError::Connect { source, .. } if source.kind() == std::io::ErrorKind::ConnectionRefused),
        ),
        (&to_https, |e| matches!(e, FetchError::UnsupportedScheme { .. })),
    ];
    for (url, expected) in cases {
        let err = fetch(url).unwrap_err();
        println!("{url}: {err}");
        assert!(expected(&err), "{url}: {err:?}");
    }
}

#[test]
fn local_paths_are_read_and_their_errors_typed() {
    let dir = temp_dir("local");
    let path = dir.join("file");
    std::fs::write(&path, b"local bytes").unwrap();
    assert_eq!(fetch(path.to_str().unwrap()).unwrap(), b"local bytes");
    for (what, source, kind) in [
        ("a directory", dir.to_str().unwrap().to_owned(), std::io::ErrorKind::IsADirectory),
        ("a missing file", dir.join("missing").to_str().unwrap().to_owned(), std::io::ErrorKind::NotFound),
    ] {
        let err = fetch(&source).unwrap_err();
        println!("file_get_contents({what}): {err}");
        assert!(matches!(&err, FetchError::File { source: e, .. } if e.kind() == kind), "{what}: {err:?}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

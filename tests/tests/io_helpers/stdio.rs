//! `read_line` and `echo` on pipes, files, sockets and terminals.

use super::*;

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

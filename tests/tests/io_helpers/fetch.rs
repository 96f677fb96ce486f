//! `file_get_contents`: local files and HTTP against misbehaving loopback servers.

use super::*;

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
        let err = block_on(file_get_contents_with(&format!("{base}{path}"), limits.clone())).unwrap_err();
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
        // https is fetched (the default `tls` feature, tests/tests/tls): this host does not resolve.
        ("https://example.invalid/", |e| matches!(e, FetchError::Resolve { host, .. } if host == "example.invalid")),
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
        (&to_https, |e| matches!(e, FetchError::Resolve { host, .. } if host == "example.invalid")),
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

#[test]
fn a_huge_content_length_with_no_body_limit_is_a_truncated_body_not_an_abort() {
    // 2^62 bytes announced, 9 sent: with the limit lifted nothing refuses the length up
    // front, so only the bytes that arrive may decide what is allocated.
    let base = serve(|_| b"HTTP/1.1 200 OK\r\nContent-Length: 4611686018427387904\r\n\r\nonly this".to_vec());
    let unlimited = FetchLimits { max_body_bytes: usize::MAX, ..FetchLimits::default() };
    let err = block_on(file_get_contents_with(&base, unlimited)).unwrap_err();
    assert!(
        matches!(err, FetchError::TruncatedBody { received: 9, expected: Some(4_611_686_018_427_387_904) }),
        "{err:?}"
    );
}

#[test]
fn a_server_that_accepts_and_never_answers_times_out() {
    // Never `accept`ed: the kernel completes the handshake and takes the request into the
    // backlog, and no answer ever comes.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", silent.local_addr().unwrap());
    let limits = FetchLimits { timeout: Some(Duration::from_millis(100)), ..FetchLimits::default() };
    let started = Instant::now();
    let err = block_on(file_get_contents_with(&url, limits)).unwrap_err();
    println!("silent server: {err}");
    assert!(
        matches!(&err, FetchError::TimedOut { timeout, url: u } if *timeout == Duration::from_millis(100) && *u == url),
        "{err:?}"
    );
    assert_eq!(std::io::Error::from(err).kind(), std::io::ErrorKind::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(10), "a hang, not a timeout");
    assert_eq!(FetchLimits::default().timeout, Some(Duration::from_secs(30)), "the default has a timeout");
}

#[test]
fn the_timeout_covers_the_whole_fetch_not_each_read() {
    // A byte every 30 ms never leaves a read waiting 150 ms, but the whole body takes ~1.5 s.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let _ = conn.read(&mut [0; 4096]);
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n");
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(30));
            if conn.write_all(b"x").is_err() {
                return; // the client gave up and closed
            }
        }
    });
    let limits = FetchLimits { timeout: Some(Duration::from_millis(150)), ..FetchLimits::default() };
    let err = block_on(file_get_contents_with(&url, limits)).unwrap_err();
    assert!(matches!(err, FetchError::TimedOut { .. }), "{err:?}");
}

#[test]
fn fetch_with_hands_over_the_body_and_status_of_any_final_response() {
    let base = serve(|target| match target {
        "/missing" => b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nno page!!".to_vec(),
        "/broken" => b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nboom\r\n0\r\n\r\n".to_vec(),
        "/moved" => b"HTTP/1.1 301 Moved Permanently\r\nLocation: /missing\r\n\r\n".to_vec(),
        "/nowhere" => b"HTTP/1.1 302 Found\r\nContent-Length: 4\r\n\r\nstay".to_vec(),
        "/switch" => b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec(),
        _ => b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
    });
    let get = |path: &str| block_on(fetch_with(&format!("{base}{path}"), FetchLimits::default()));
    let missing = get("/missing").unwrap();
    assert_eq!((missing.status, missing.reason.as_str(), &missing.body[..]), (404, "Not Found", &b"no page!!"[..]));
    assert!(!missing.is_success());
    assert_eq!(missing.url, format!("{base}/missing"));
    let broken = get("/broken").unwrap();
    assert_eq!((broken.status, &broken.body[..]), (500, &b"boom"[..]));
    let moved = get("/moved").unwrap(); // followed, then the 404 is the final response
    assert_eq!((moved.status, moved.url.as_str(), &moved.body[..]), (404, missing.url.as_str(), &b"no page!!"[..]));
    let nowhere = get("/nowhere").unwrap(); // a redirect without Location is final
    assert_eq!((nowhere.status, &nowhere.body[..]), (302, &b"stay"[..]));
    let ok = get("/ok").unwrap();
    assert!(ok.is_success() && ok.body == b"ok");
    let err = get("/switch").unwrap_err();
    assert_eq!(err.status(), Some(101), "{err:?}");
    // file_get_contents keeps refusing the 404.
    let err = fetch(&format!("{base}/missing")).unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
    let err = block_on(fetch_with("/etc/hostname", FetchLimits::default())).unwrap_err();
    assert!(matches!(err, FetchError::InvalidUrl { .. }), "a path is not a URL: {err:?}");
}

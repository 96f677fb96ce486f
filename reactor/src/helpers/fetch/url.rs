//! [`Url`]: `http[s]://host[:port][/path][?query]`, parsed just far enough to send a request,
//! and [`Url::join`] for `Location` headers (absolute, scheme-relative, absolute-path and
//! relative references, RFC 3986 §5.2 without the corner cases an HTTP client never meets).

use std::fmt;
use std::net::Ipv6Addr;

use super::FetchError;

/// An `http` (or, with the `tls` feature, `https`) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Url {
    /// `https`: the connection runs TLS, and the default port is 443.
    https: bool,
    /// Lowercased; an IPv6 literal keeps its brackets (as the `Host` header wants it).
    host: String,
    port: u16,
    /// The request target: path and query, always starting with `/`, dot segments removed,
    /// the fragment dropped (it is never sent).
    target: String,
}

/// The scheme of `source`, if it starts like a URL (`scheme://`, RFC 3986 scheme syntax).
pub(super) fn scheme(source: &str) -> Option<&str> {
    let (scheme, _) = source.split_once("://")?;
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    (first_ok && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))).then_some(scheme)
}

/// Whitespace and control characters are never valid in a URL (and would split the request
/// line if we sent them); non-ASCII has to be percent-encoded first.
fn has_forbidden_bytes(s: &str) -> bool {
    s.bytes().any(|b| b <= b' ' || b >= 0x7f)
}

/// What [`has_forbidden_bytes`] rejects.
const FORBIDDEN: &str = "contains whitespace, control or non-ASCII characters";

impl Url {
    /// Parses an absolute `http://` (or `https://`, with the `tls` feature) URL.
    ///
    /// # Errors
    ///
    /// [`FetchError::UnsupportedScheme`] for any other scheme, [`FetchError::InvalidUrl`]
    /// for the rest (no host, a bad port, user info, spaces).
    pub(super) fn parse(url: &str) -> Result<Url, FetchError> {
        let invalid = |reason| FetchError::InvalidUrl { url: url.to_owned(), reason };
        if has_forbidden_bytes(url) {
            return Err(invalid(FORBIDDEN));
        }
        let scheme = scheme(url).ok_or_else(|| invalid("not of the form scheme://host/path"))?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "http" => false,
            "https" if cfg!(feature = "tls") => true,
            other => return Err(FetchError::UnsupportedScheme { url: url.to_owned(), scheme: other.to_owned() }),
        };
        let rest = &url[scheme.len() + 3..];
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let (authority, target) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
        if authority.contains('@') {
            return Err(invalid("user info (user@host) is not supported"));
        }
        let (host, port) = split_host_port(authority, default_port(https)).map_err(invalid)?;
        // "" and "?q" have an empty path, which in a request is "/".
        let target = if target.starts_with('/') { remove_dot_segments(target) } else { format!("/{target}") };
        Ok(Url { https, host: host.to_ascii_lowercase(), port, target })
    }

    /// Resolves a `Location` header against this URL.
    ///
    /// # Errors
    ///
    /// As for [`Url::parse`] (an absolute `ftp://` location is `UnsupportedScheme`). A
    /// scheme-relative location (`//host/path`) keeps this URL's scheme.
    pub(super) fn join(&self, location: &str) -> Result<Url, FetchError> {
        let location = location.trim();
        if scheme(location).is_some() {
            return Url::parse(location);
        }
        if let Some(rest) = location.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", self.scheme()));
        }
        if has_forbidden_bytes(location) {
            return Err(FetchError::InvalidUrl { url: location.to_owned(), reason: FORBIDDEN });
        }
        let location = location.split_once('#').map_or(location, |(before, _)| before);
        let path = self.target.split_once('?').map_or(&*self.target, |(path, _)| path);
        let target = match location.as_bytes().first() {
            None => self.target.clone(),
            Some(b'/') => location.to_owned(),
            Some(b'?') => format!("{path}{location}"),
            // Relative: replaces the last segment of the path (`path` always has a '/').
            Some(_) => format!("{}{location}", &path[..=path.rfind('/').unwrap_or(0)]),
        };
        Ok(Url { https: self.https, host: self.host.clone(), port: self.port, target: remove_dot_segments(&target) })
    }

    /// `host:port`, as [`resolve`](crate::net::resolve) wants it.
    pub(super) fn socket_query(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The host, for error messages and as the TLS server name.
    pub(super) fn host(&self) -> &str {
        &self.host
    }

    /// Whether this is an `https` URL.
    pub(super) fn is_https(&self) -> bool {
        self.https
    }

    /// `http` or `https`.
    fn scheme(&self) -> &'static str {
        if self.https {
            "https"
        } else {
            "http"
        }
    }

    /// The `Host` header: the port only when it is not the scheme's default.
    pub(super) fn authority(&self) -> String {
        if self.port == default_port(self.https) {
            self.host.clone()
        } else {
            self.socket_query()
        }
    }

    /// Path and query, for the request line.
    pub(super) fn target(&self) -> &str {
        &self.target
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme(), self.authority(), self.target)
    }
}

/// 443 for `https`, 80 for `http`.
fn default_port(https: bool) -> u16 {
    if https {
        443
    } else {
        80
    }
}

/// Splits `host[:port]` or `[v6]:port`; the port defaults to `default`.
fn split_host_port(authority: &str, default: u16) -> Result<(&str, u16), &'static str> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let end = inner.find(']').ok_or("unclosed [ in the host")?;
        inner[..end].parse::<Ipv6Addr>().map_err(|_| "invalid IPv6 address")?;
        authority.split_at(end + 2) // keep the brackets with the host
    } else {
        authority.split_at(authority.rfind(':').unwrap_or(authority.len()))
    };
    if host.is_empty() {
        return Err("no host");
    }
    if !host.starts_with('[') && !host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)) {
        return Err("invalid character in the host");
    }
    let port = match port {
        // RFC 3986 allows an empty port: the default.
        "" | ":" => default,
        _ => match port[1..].parse::<u16>() {
            Ok(p) if p != 0 && port.starts_with(':') && port[1..].bytes().all(|b| b.is_ascii_digit()) => p,
            _ => return Err("invalid port"),
        },
    };
    Ok((host, port))
}

/// RFC 3986 §5.2.4 on the path of `target` (which starts with `/`): `.` segments go, `..`
/// removes the segment before it (never past the root), and a trailing `.` or `..` leaves
/// the path ending in `/`. The query is kept as it is.
fn remove_dot_segments(target: &str) -> String {
    let (path, query) = target.split_at(target.find('?').unwrap_or(target.len()));
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let mut out: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => {}
            ".." => {
                out.pop();
            }
            s => {
                out.push(s);
                continue;
            }
        }
        if last {
            out.push(""); // "/a/b/.." is "/a/", not "/a"
        }
    }
    format!("/{}{query}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn parses_host_port_and_target() {
        assert_eq!(url("http://Example.COM").to_string(), "http://example.com/");
        assert_eq!(url("HTTP://a:8080?q=1#frag").to_string(), "http://a:8080/?q=1");
        assert_eq!(url("http://a:/x/./y/../z").target(), "/x/z");
        assert_eq!(url("http://[::1]:81/p").socket_query(), "[::1]:81");
        assert_eq!(url("http://a:80/").authority(), "a");
    }

    #[test]
    fn rejects_bad_urls_with_a_reason() {
        for (bad, reason) in [
            ("http://", "no host"),
            ("http://:80/", "no host"),
            ("http://a:99999/", "invalid port"),
            ("http://a:0/", "invalid port"),
            ("http://a:+80/", "invalid port"),
            ("http://u:p@a/", "user info (user@host) is not supported"),
            ("http://a b/", FORBIDDEN),
            ("http://[::1]\u{e9}/", FORBIDDEN),
            ("http://[::1/", "unclosed [ in the host"),
            ("http://[nope]/", "invalid IPv6 address"),
            ("http://a,b/", "invalid character in the host"),
            ("example.com/x", "not of the form scheme://host/path"),
        ] {
            match Url::parse(bad) {
                Err(FetchError::InvalidUrl { reason: r, .. }) => assert_eq!(r, reason, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(matches!(Url::parse("ftp://a/"), Err(FetchError::UnsupportedScheme { scheme, .. }) if scheme == "ftp"));
        #[cfg(not(feature = "tls"))]
        assert!(
            matches!(Url::parse("https://a/"), Err(FetchError::UnsupportedScheme { scheme, .. }) if scheme == "https")
        );
    }

    #[test]
    fn joins_every_kind_of_location() {
        let base = url("http://h:81/a/b/c?q");
        for (location, joined) in [
            ("http://other/x", "http://other/x"),
            ("//other:82/y", "http://other:82/y"),
            ("/abs?z", "http://h:81/abs?z"),
            ("d", "http://h:81/a/b/d"),
            ("../d#f", "http://h:81/a/d"),
            ("../../../../d", "http://h:81/d"),
            ("./", "http://h:81/a/b/"),
            ("..", "http://h:81/a/"),
            ("?r", "http://h:81/a/b/c?r"),
            ("", "http://h:81/a/b/c?q"),
        ] {
            assert_eq!(base.join(location).unwrap().to_string(), joined, "{location}");
        }
        assert!(matches!(base.join("ftp://x/"), Err(FetchError::UnsupportedScheme { .. })));
    }

    #[cfg(feature = "tls")]
    #[test]
    fn https_urls_default_to_port_443_and_keep_their_scheme() {
        let secure = url("HTTPS://Example.com/a");
        assert!(secure.is_https());
        assert_eq!(secure.socket_query(), "example.com:443");
        assert_eq!(secure.to_string(), "https://example.com/a");
        assert_eq!(url("https://h:80/").to_string(), "https://h:80/");
        assert_eq!(secure.join("//other/b").unwrap().to_string(), "https://other/b");
        assert_eq!(secure.join("/c").unwrap().to_string(), "https://example.com/c");
        assert!(!secure.join("http://plain/").unwrap().is_https());
    }

    #[test]
    fn tells_urls_from_paths() {
        assert_eq!(scheme("http://x"), Some("http"));
        assert_eq!(scheme("svn+ssh://x"), Some("svn+ssh"));
        assert_eq!(scheme("/tmp/a://b"), None);
        assert_eq!(scheme("relative/path"), None);
    }
}

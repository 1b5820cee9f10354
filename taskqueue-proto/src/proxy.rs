//! HTTP proxies: the config's explicit one, or the environment's
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), resolved once for
//! the client's one server. Pure: the transports hand in the environment.
//!
//! ```
//! use taskqueue_proto::{Config, proxy};
//! let config = Config::new("https://tq.example.com")?;
//! let env = |name: &str| match name {
//!     "HTTPS_PROXY" => Some("http://user:s3cret@proxy.internal:3128".to_owned()),
//!     "NO_PROXY" => Some("localhost,.corp.example".to_owned()),
//!     _ => None,
//! };
//! let proxy = proxy::resolve(&config, env)?.expect("through the proxy");
//! assert_eq!(proxy.uri().to_string(), "http://proxy.internal:3128/");
//! assert!(!format!("{proxy:?}").contains("s3cret"), "credentials never in Debug");
//! # Ok::<(), taskqueue_proto::Error>(())
//! ```

use std::fmt;

use http::{HeaderValue, Uri};

use crate::{Config, Error, Secret};

/// Where a client's proxy comes from.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub enum ProxySetting {
    /// The environment's (`HTTPS_PROXY` for an `https` server, `HTTP_PROXY`
    /// for an `http` one, else `ALL_PROXY`; lowercase names first), unless
    /// `NO_PROXY` names the server or the server is `localhost` or a
    /// loopback address. The default.
    #[default]
    Environment,
    /// Never a proxy.
    Disabled,
    /// This proxy, whatever the environment says.
    Url(Proxy),
}

/// An HTTP proxy: its address, and the credentials of its URL if any.
///
/// Requests go through it in a `CONNECT` tunnel (for `https` and `http`
/// servers alike), with `Proxy-Authorization: Basic …` when it has
/// credentials. Its `Debug` never shows them.
#[derive(Clone, PartialEq)]
pub struct Proxy {
    uri: Uri,
    /// `user:password` as written in the URL (percent-encoded).
    userinfo: Option<Secret>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("uri", &self.uri.to_string())
            .field("credentials", &self.userinfo.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Proxy {
    /// Reads `http://[user:password@]host[:port]` (a bare `host:port` is
    /// `http`); `field` names where it came from in errors. Only plain-HTTP
    /// proxies are supported.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming `field`: not a URL, a scheme other than `http`, or credentials that cannot be sent.
    pub fn parse(field: &str, url: &str) -> Result<Proxy, Error> {
        let url = url.trim();
        let with_scheme = if url.contains("://") {
            url.to_owned()
        } else {
            format!("http://{url}")
        };
        let (scheme, rest) = with_scheme.split_once("://").unwrap_or(("http", &with_scheme));
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(Error::invalid_input(
                field,
                format!("a `{scheme}` proxy is not supported (only http:// proxies)"),
            ));
        }
        let authority = rest.split('/').next().unwrap_or("");
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((user, host)) => (Some(Secret::new(user)), host),
            None => (None, authority),
        };
        if host.is_empty() {
            return Err(Error::invalid_input(field, "the proxy URL has no host"));
        }
        let uri: Uri = format!("http://{host}/")
            .parse()
            .map_err(|e| Error::invalid_input(field, format!("not a proxy URL: {e}")))?;
        if uri.host().is_none_or(str::is_empty) {
            return Err(Error::invalid_input(field, "the proxy URL has no host"));
        }
        Ok(Proxy { uri, userinfo })
    }

    /// The proxy's address (`http://host:port/`), without credentials.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// `host:port` (port 80 when the URL had none).
    pub fn authority(&self) -> String {
        let host = self.uri.host().unwrap_or_default();
        format!("{host}:{}", self.uri.port_u16().unwrap_or(80))
    }

    /// Whether the URL carried credentials.
    pub fn has_credentials(&self) -> bool {
        self.userinfo.is_some()
    }

    /// The URL with its credentials, for a transport that takes a proxy URL.
    pub fn url_with_credentials(&self) -> String {
        match &self.userinfo {
            Some(user) => format!("http://{}@{}", user.expose(), self.authority()),
            None => format!("http://{}", self.authority()),
        }
    }

    /// `Basic base64(user:password)` (percent-decoded) for `Proxy-Authorization`.
    pub fn authorization(&self) -> Option<HeaderValue> {
        let raw = self.userinfo.as_ref()?.expose();
        let decoded = percent_decode(raw);
        let mut value = HeaderValue::from_str(&format!("Basic {}", base64(&decoded))).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

/// The proxy a client of `config` goes through, if any; `env` reads an
/// environment variable (the transports pass `std::env::var`).
///
/// # Errors
///
/// [`Error::InvalidInput`] naming the setting or variable (`proxy`, `HTTPS_PROXY`) whose URL cannot be used.
pub fn resolve(config: &Config, env: impl Fn(&str) -> Option<String>) -> Result<Option<Proxy>, Error> {
    let target: Uri = config
        .base_url()
        .parse()
        .map_err(|e| Error::invalid_input("base_url", format!("{e}")))?;
    let host = target
        .host()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    let https = target.scheme_str() == Some("https");
    let port = target.port_u16().unwrap_or(if https { 443 } else { 80 });
    let proxy = match config.proxy() {
        ProxySetting::Disabled => return Ok(None),
        ProxySetting::Url(proxy) => Some(proxy.clone()),
        ProxySetting::Environment => {
            // httpoxy: inside a CGI request, `HTTP_PROXY` may be the client's
            // `Proxy:` header; ignore it there, as curl and Go do.
            let in_cgi = env("REQUEST_METHOD").is_some();
            let var = |name: &'static str| {
                env(&name.to_ascii_lowercase())
                    .or_else(|| (name != "HTTP_PROXY" || !in_cgi).then(|| env(name)).flatten())
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (name, v))
            };
            let chosen = if https { var("HTTPS_PROXY") } else { var("HTTP_PROXY") }.or_else(|| var("ALL_PROXY"));
            let no_proxy = var("NO_PROXY").map(|(_, v)| v).unwrap_or_default();
            if bypassed(&no_proxy, &host, port) || is_loopback(&host) {
                return Ok(None);
            }
            chosen.map(|(name, url)| Proxy::parse(name, &url)).transpose()?
        }
    };
    if bypassed(config.no_proxy(), &host, port) {
        return Ok(None);
    }
    Ok(proxy)
}

/// `localhost` and loopback addresses: never through the environment's proxy.
pub(crate) fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether a `NO_PROXY` list names `host` (`*`; the host; a domain it is in,
/// written `example.com`, `.example.com` or `*.example.com`; optionally with
/// `:port`).
pub fn bypassed(no_proxy: &str, host: &str, port: u16) -> bool {
    no_proxy
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let (name, entry_port) = match entry.rsplit_once(':') {
                Some((n, p)) if !n.contains(':') || n.ends_with(']') => (n, p.parse::<u16>().ok()),
                _ => (entry, None),
            };
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            let name = name
                .trim_matches(['[', ']'])
                .trim_start_matches('*')
                .to_ascii_lowercase();
            let domain = name.trim_start_matches('.');
            host == domain || host.ends_with(&format!(".{domain}"))
        })
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn the_environment_picks_by_scheme_and_no_proxy_wins() {
        let https = Config::new("https://tq.example.com").unwrap();
        let http = Config::new("http://tq.example.com:8080").unwrap();
        let vars: &[(&str, &str)] = &[("HTTPS_PROXY", "http://secure:3128"), ("HTTP_PROXY", "plain:3128")];
        assert_eq!(
            resolve(&https, env_of(vars)).unwrap().unwrap().authority(),
            "secure:3128"
        );
        assert_eq!(resolve(&http, env_of(vars)).unwrap().unwrap().authority(), "plain:3128");
        let lower: &[(&str, &str)] = &[("https_proxy", "http://lower:1"), ("HTTPS_PROXY", "http://upper:2")];
        assert_eq!(resolve(&https, env_of(lower)).unwrap().unwrap().authority(), "lower:1");
        let all: &[(&str, &str)] = &[("ALL_PROXY", "http://all:9")];
        assert_eq!(resolve(&https, env_of(all)).unwrap().unwrap().authority(), "all:9");
        for no in [
            "tq.example.com",
            ".example.com",
            "*.example.com",
            "example.com",
            "*",
            "x, tq.example.com:443",
        ] {
            let vars: Vec<(&str, String)> = vec![("HTTPS_PROXY", "http://p:1".into()), ("NO_PROXY", no.into())];
            let env = move |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
            assert_eq!(resolve(&https, env).unwrap(), None, "NO_PROXY={no}");
        }
        assert!(!bypassed("example.org,tq.example.com:80", "tq.example.com", 443));
        assert!(!bypassed("ample.com", "tq.example.com", 443), "whole labels only");
        assert_eq!(resolve(&https, env_of(&[])).unwrap(), None);
        for local in ["http://localhost:8080", "http://127.0.0.1:9", "http://[::1]:9"] {
            let config = Config::new(local).unwrap();
            let vars: &[(&str, &str)] = &[("HTTP_PROXY", "http://p:1")];
            assert_eq!(resolve(&config, env_of(vars)).unwrap(), None, "{local}");
        }
    }

    #[test]
    fn uppercase_http_proxy_is_ignored_inside_a_cgi_request() {
        let plain = Config::new("http://tq.example.com").unwrap();
        let httpoxy: &[(&str, &str)] = &[("HTTP_PROXY", "http://attacker:1"), ("REQUEST_METHOD", "GET")];
        assert_eq!(resolve(&plain, env_of(httpoxy)).unwrap(), None);
        let lowercase: &[(&str, &str)] = &[("http_proxy", "http://ours:1"), ("REQUEST_METHOD", "GET")];
        assert_eq!(
            resolve(&plain, env_of(lowercase)).unwrap().unwrap().authority(),
            "ours:1"
        );
        let outside: &[(&str, &str)] = &[("HTTP_PROXY", "http://ours:1")];
        assert!(resolve(&plain, env_of(outside)).unwrap().is_some());
    }

    #[test]
    fn the_config_can_name_a_proxy_or_refuse_one() {
        let vars: &[(&str, &str)] = &[("HTTPS_PROXY", "http://env:1")];
        let explicit = Config::builder()
            .base_url("https://tq.example.com")
            .proxy("http://config:2")
            .build()
            .unwrap();
        assert_eq!(
            resolve(&explicit, env_of(vars)).unwrap().unwrap().authority(),
            "config:2"
        );
        let none = Config::builder()
            .base_url("https://tq.example.com")
            .without_proxy()
            .build()
            .unwrap();
        assert_eq!(resolve(&none, env_of(vars)).unwrap(), None);
        let bypass = Config::builder()
            .base_url("http://127.0.0.1:9")
            .proxy("http://config:2")
            .no_proxy("127.0.0.1")
            .build()
            .unwrap();
        assert_eq!(resolve(&bypass, env_of(vars)).unwrap(), None);
    }

    #[test]
    fn credentials_are_sent_and_never_shown() {
        let p = Proxy::parse("proxy", "http://al%40ice:p%3Ass@proxy:3128").unwrap();
        assert_eq!(p.authority(), "proxy:3128");
        assert_eq!(p.authorization().unwrap(), "Basic YWxAaWNlOnA6c3M=");
        assert!(p.authorization().unwrap().is_sensitive());
        assert_eq!(p.url_with_credentials(), "http://al%40ice:p%3Ass@proxy:3128");
        let shown = format!("{p:?}");
        assert!(!shown.contains("p%3Ass") && shown.contains("<redacted>"), "{shown}");
        let config = Config::builder().proxy("http://u:hunter2@proxy:1").build().unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn bad_proxy_urls_are_input_errors() {
        for (url, says) in [
            ("socks5://p:1", "not supported"),
            ("https://p:1", "not supported"),
            ("http://", "no host"),
        ] {
            let err = Proxy::parse("HTTPS_PROXY", url).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput { field, .. } if field == "HTTPS_PROXY"),
                "{err:?}"
            );
            assert!(err.to_string().contains(says), "{url}: {err}");
        }
        assert!(Config::builder().proxy("ftp://x").build().is_err());
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}

//! The `Host` header an HTTP/1 request needs: its value written as
//! hyper-util writes it, and made once for the server the client talks to.

use bytes::Bytes;
use http::header::HOST;
use http::uri::{Authority, Scheme};
use http::{HeaderMap, HeaderValue, Uri};

/// `Host` for a server: its host, and its port unless it is the scheme's
/// default (443 for `https`, 80 otherwise). `None` if that is not header
/// text (an authority's host always is).
pub(crate) fn host_value(authority: &Authority, secure: bool) -> Option<HeaderValue> {
    let host = authority.host();
    let value = match authority.port_u16() {
        Some(443) if secure => host.to_owned(),
        Some(80) if !secure => host.to_owned(),
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    HeaderValue::from_maybe_shared(Bytes::from(value)).ok()
}

/// The `Host` header of requests to the configured server, made once.
///
/// The pool formats `Host` for an HTTP/1 request that has none (`format!`
/// of host and port: about 2 300 instructions a request, 4 % of a whole
/// `get_task`), as hyper-util does; for the configured server it takes
/// this one. A request that carries it already is left as it is.
#[derive(Debug, Clone)]
pub(crate) struct HostHeader {
    authority: Authority,
    value: HeaderValue,
}

impl HostHeader {
    /// The header for `base_url`'s server. `None` for a URL it cannot read
    /// (the config has checked it; the pool then formats it).
    pub(crate) fn for_base_url(base_url: &str) -> Option<Self> {
        let uri = Uri::try_from(base_url).ok()?;
        let authority = uri.authority()?.clone();
        let value = host_value(&authority, uri.scheme() == Some(&Scheme::HTTPS))?;
        Some(HostHeader { authority, value })
    }

    /// Sets `Host` in `headers`, of a request to `authority`, if it is this
    /// server and they have none; whether it is this server.
    pub(crate) fn apply(&self, authority: &Authority, headers: &mut HeaderMap) -> bool {
        // The same bytes as the config's (its requests copy its authority):
        // a comparison of bytes, not `Authority`'s case-blind one.
        if authority.as_str() != self.authority.as_str() {
            return false;
        }
        headers.entry(HOST).or_insert_with(|| self.value.clone());
        true
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use http::Request;

    use super::*;

    fn host_of(base_url: &str) -> String {
        let host = HostHeader::for_base_url(base_url).unwrap();
        host.value.to_str().unwrap().to_owned()
    }

    #[test]
    fn the_host_header_is_written_as_hyper_util_writes_it() {
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1:8080");
        assert_eq!(host_of("http://example.com:80/base"), "example.com");
        assert_eq!(host_of("https://example.com:443"), "example.com");
        assert_eq!(host_of("https://example.com:80"), "example.com:80");
        assert_eq!(host_of("http://example.com:443"), "example.com:443");
        assert_eq!(host_of("https://example.com"), "example.com");
        assert_eq!(host_of("http://[::1]:9000/api"), "[::1]:9000");
        assert!(HostHeader::for_base_url("not a url").is_none());
    }

    #[test]
    fn only_a_request_to_the_server_without_a_host_gets_one() {
        let host = HostHeader::for_base_url("http://127.0.0.1:8080").unwrap();
        let request = |uri: &str| Request::get(uri).body(Vec::<u8>::new()).unwrap();
        let apply = |request: &mut Request<Vec<u8>>| {
            let authority = request.uri().authority().unwrap().clone();
            host.apply(&authority, request.headers_mut())
        };

        let mut ours = request("http://127.0.0.1:8080/api/health");
        apply(&mut ours);
        assert_eq!(
            ours.headers().get_all(HOST).iter().collect::<Vec<_>>(),
            ["127.0.0.1:8080"]
        );

        let mut elsewhere = request("http://127.0.0.1:9090/api/health");
        apply(&mut elsewhere);
        assert!(elsewhere.headers().get(HOST).is_none());

        let mut given = request("http://127.0.0.1:8080/api/health");
        given
            .headers_mut()
            .insert(HOST, HeaderValue::from_static("proxy.example"));
        apply(&mut given);
        assert_eq!(
            given.headers().get_all(HOST).iter().collect::<Vec<_>>(),
            ["proxy.example"]
        );
    }
}

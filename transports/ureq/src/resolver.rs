//! Name resolution without a thread where there is no name: ureq 3 resolves
//! the host before every request, pooled connection or not, and with a
//! timeout set (the SDK always sets one) its default resolver starts a
//! thread to do it. An IP literal (`127.0.0.1`, `[::1]`) is its own
//! address: it is answered in place, which saved a thread per call (measured
//! in docs/PERFORMANCE.md). A host name goes to ureq's resolver as before.

use std::net::{IpAddr, SocketAddr};

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// ureq's default resolver, IP literals first.
#[derive(Debug, Default)]
pub(crate) struct LiteralFirst(DefaultResolver);

impl Resolver for LiteralFirst {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        match literal(uri) {
            Some(addr) => {
                let mut addrs = self.empty();
                addrs.push(addr);
                Ok(addrs)
            }
            None => self.0.resolve(uri, config, timeout),
        }
    }
}

/// The socket address of a URI whose host is an IP literal, with its port
/// or the scheme's.
fn literal(uri: &Uri) -> Option<SocketAddr> {
    let host = uri.host()?;
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    let ip: IpAddr = host.parse().ok()?;
    let port = uri.port_u16().or_else(|| match uri.scheme_str()? {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    })?;
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(uri: &str) -> Option<SocketAddr> {
        literal(&uri.parse::<Uri>().ok()?)
    }

    #[test]
    fn ip_literals_are_their_own_address() {
        assert_eq!(
            resolved("http://127.0.0.1:8080/api/tasks"),
            "127.0.0.1:8080".parse().ok()
        );
        assert_eq!(resolved("https://10.0.0.1/x"), "10.0.0.1:443".parse().ok());
        assert_eq!(resolved("http://[::1]:9/"), "[::1]:9".parse().ok());
        assert_eq!(resolved("http://[::1]/"), "[::1]:80".parse().ok());
    }

    #[test]
    fn host_names_go_to_the_resolver() {
        assert_eq!(resolved("http://localhost:8080/"), None);
        assert_eq!(resolved("https://tq.example.com/"), None);
        assert_eq!(resolved("ftp://127.0.0.1/"), None, "no port to assume");
    }
}

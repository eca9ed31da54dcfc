//! A middleware for routes that must answer this machine only: the phone simulator (it signs
//! webhooks with the app secret) and the sandboxes' control and recording routes (they show
//! every message the bot sent and can make the next sends fail).
//!
//! ```text
//! Router::new().route("/_sim/info", get(info)).layer(axum::middleware::from_fn(local_only))
//! ```
//!
//! A request is answered only when all of these hold; otherwise it gets `403` and a short
//! plain-text reason:
//! - the server knows the socket's peer (the app is served with
//!   `into_make_service_with_connect_info::<SocketAddr>()`) and it is a loopback address: an
//!   unknown peer is refused, so forgetting the connect info fails closed;
//! - no forwarding header is present: a tunnel or reverse proxy on this machine connects from
//!   loopback on behalf of someone elsewhere, and says so in these headers;
//! - the `Host` header, if present, names a loopback host (`localhost`, `127.x.x.x`, `[::1]`,
//!   any port): a page on another site that rebinds its own name to 127.0.0.1 (DNS
//!   rebinding) still sends its own name here;
//! - the `Origin` header, if present, is a loopback origin: a page on another site may make
//!   the browser send a request here, and the browser names that site.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Headers that proxies, tunnels and CDNs add for the client they act for. Any header whose
/// name starts with `x-forwarded-` counts as well.
const FORWARDING_HEADERS: &[&str] = &[
    "forwarded",
    "x-real-ip",
    "x-client-ip",
    "x-cluster-client-ip",
    "x-original-forwarded-for",
    "x-originating-ip",
    "x-remote-ip",
    "x-remote-addr",
    "true-client-ip",
    "cf-connecting-ip",
    "cf-ray",
    "fastly-client-ip",
    "fly-client-ip",
    "via",
];

/// Answers the request only when it comes from this machine, directly (see the module docs).
pub async fn local_only(request: Request, next: Next) -> Response {
    match refusal(&request) {
        Some(reason) => {
            (StatusCode::FORBIDDEN, [(header::CACHE_CONTROL, "no-store")], reason).into_response()
        }
        None => next.run(request).await,
    }
}

/// Why the request is refused, or `None` when it may be answered.
fn refusal(request: &Request) -> Option<&'static str> {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    match peer {
        None => return Some("local only: the client's address is unknown"),
        Some(peer) if !is_loopback(peer.ip()) => return Some("local only: this answers this machine only"),
        Some(_) => {}
    }
    if has_forwarding_header(request.headers()) {
        return Some("local only: forwarded requests are refused");
    }
    if !host_is_loopback(request.headers(), request.uri()) {
        return Some("local only: the Host is not a loopback name");
    }
    if let Some(origin) = request.headers().get(header::ORIGIN)
        && !origin.to_str().is_ok_and(origin_is_loopback)
    {
        return Some("local only: the Origin is not a loopback origin");
    }
    None
}

fn is_loopback(ip: IpAddr) -> bool {
    // `::ffff:127.0.0.1` is how a dual-stack socket reports an IPv4 loopback peer.
    ip.to_canonical().is_loopback()
}

fn has_forwarding_header(headers: &HeaderMap) -> bool {
    headers.keys().any(|name| {
        let name = name.as_str();
        name.starts_with("x-forwarded-") || FORWARDING_HEADERS.contains(&name)
    })
}

/// The `Host` header (HTTP/1.1) and the request target's authority (absolute-form requests,
/// HTTP/2's `:authority`) must both name a loopback host when present.
fn host_is_loopback(headers: &HeaderMap, uri: &Uri) -> bool {
    let header_ok = match headers.get(header::HOST) {
        None => true,
        Some(value) => value.to_str().is_ok_and(authority_is_loopback),
    };
    let target_ok = uri.authority().is_none_or(|a| authority_is_loopback(a.as_str()));
    header_ok && target_ok
}

/// `localhost`, `127.0.0.1`, `[::1]`, each with an optional port.
fn authority_is_loopback(authority: &str) -> bool {
    // Credentials in an authority (`user@host`) never name this machine's browser page.
    if authority.contains('@') {
        return false;
    }
    if let Some(rest) = authority.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else { return false };
        let port_ok = after.is_empty() || after.strip_prefix(':').is_some_and(valid_port);
        return port_ok
            && host.parse::<Ipv6Addr>().is_ok_and(|ip| IpAddr::V6(ip).to_canonical().is_loopback());
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if valid_port(port) => host,
        Some(_) => return false,
        None => authority,
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    // Only the dotted-quad form: `2130706433` or `0x7f.1` resolve to loopback in some
    // resolvers, and no browser on this machine sends them for the simulator.
    host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

fn valid_port(port: &str) -> bool {
    !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

/// `http://127.0.0.1:3000`, `http://localhost`, `https://[::1]:8443`. `null` (a sandboxed
/// frame, a `file:` page) is not loopback.
fn origin_is_loopback(origin: &str) -> bool {
    let Some(authority) = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) else {
        return false;
    };
    !authority.contains('/') && authority_is_loopback(authority)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    fn app() -> Router {
        Router::new().route("/control", get(|| async { "ok" })).layer(axum::middleware::from_fn(local_only))
    }

    const LOOPBACK: &str = "127.0.0.1:50123";

    fn request(peer: Option<&str>, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::get("/control");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let mut request = builder.body(Body::empty()).unwrap();
        if let Some(peer) = peer {
            request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        }
        request
    }

    async fn answer(request: Request) -> (StatusCode, String) {
        let response = app().oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_plain_loopback_request_passes() {
        for (peer, host) in [
            (LOOPBACK, "127.0.0.1:3000"),
            (LOOPBACK, "localhost:3000"),
            (LOOPBACK, "LOCALHOST"),
            ("127.3.4.5:1", "127.3.4.5"),
            ("[::1]:50123", "[::1]:3000"),
            ("[::ffff:127.0.0.1]:50123", "127.0.0.1:3000"),
        ] {
            let (status, body) = answer(request(Some(peer), &[("host", host)])).await;
            assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"), "{peer} {host}");
        }
        // No Host and no Origin (HTTP/1.0, tools): the peer decides.
        assert_eq!(answer(request(Some(LOOPBACK), &[])).await.0, StatusCode::OK);
        let same_origin = [("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000")];
        assert_eq!(answer(request(Some(LOOPBACK), &same_origin)).await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn an_unknown_peer_is_refused() {
        let (status, body) = answer(request(None, &[("host", "127.0.0.1:3000")])).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(body.contains("unknown"), "{body}");
    }

    #[tokio::test]
    async fn a_peer_elsewhere_is_refused() {
        for peer in ["192.168.1.20:50000", "10.0.0.1:1", "[2001:db8::1]:443", "0.0.0.0:1"] {
            let (status, body) = answer(request(Some(peer), &[("host", "127.0.0.1:3000")])).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{peer}");
            assert!(body.contains("this machine only"), "{body}");
        }
    }

    #[tokio::test]
    async fn a_forwarded_request_is_refused() {
        for (name, value) in [
            ("forwarded", "for=203.0.113.7"),
            ("x-forwarded-for", "203.0.113.7"),
            ("x-forwarded-host", "example.com"),
            ("x-forwarded-proto", "https"),
            ("x-real-ip", "203.0.113.7"),
            ("cf-connecting-ip", "203.0.113.7"),
            ("true-client-ip", "203.0.113.7"),
            ("via", "1.1 tunnel"),
        ] {
            let headers = [("host", "127.0.0.1:3000"), (name, value)];
            let (status, body) = answer(request(Some(LOOPBACK), &headers)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
            assert!(body.contains("forwarded"), "{body}");
        }
    }

    #[tokio::test]
    async fn a_foreign_host_is_refused() {
        for host in [
            "attacker.example:3000",
            "127.0.0.1.nip.io",
            "localhost.attacker.example",
            "2130706433",
            "[2001:db8::1]:3000",
            "127.0.0.1:abc",
            "user@127.0.0.1",
            "",
        ] {
            let (status, body) = answer(request(Some(LOOPBACK), &[("host", host)])).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{host:?}");
            assert!(body.contains("Host"), "{body}");
        }
    }

    #[tokio::test]
    async fn a_foreign_origin_is_refused() {
        for origin in [
            "https://attacker.example",
            "http://127.0.0.1.attacker.example:3000",
            "null",
            "file://",
            "chrome-extension://abcdef",
            "http://127.0.0.1:3000/path",
        ] {
            let headers = [("host", "127.0.0.1:3000"), ("origin", origin)];
            let (status, body) = answer(request(Some(LOOPBACK), &headers)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{origin}");
            assert!(body.contains("Origin"), "{body}");
        }
    }

    #[test]
    fn loopback_authorities() {
        for ok in ["localhost", "localhost:1", "127.0.0.1", "127.255.0.9:65535", "[::1]", "[::1]:3000"] {
            assert!(authority_is_loopback(ok), "{ok}");
        }
        for bad in ["[::1", "[::1]x", "[::1]:", "localhost:", "127.0.0.1:123456", "::1", "0.0.0.0"] {
            assert!(!authority_is_loopback(bad), "{bad}");
        }
    }
}

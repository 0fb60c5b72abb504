//! Abuse limits: where a client's address comes from (the TCP peer, or a trusted proxy's
//! `X-Forwarded-For`), and the rate limits of the OAuth endpoints that authenticate clients
//! (`/oauth/token`, `/oauth/introspect`, `/oauth/revoke`), per source address and per client id.
//! A refused call gets `429 Too Many Requests` with `Retry-After` (whole seconds) and an
//! RFC 6749-shaped body `{ "error": "rate_limited", "error_description" }`.
//!
//! The sign-in form has its own throttle (`app::session::api::sign_in`), which reads the same
//! client address.

use app::session::server::ClientAddr;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A rate limit: `per_minute` calls a minute on average, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_minute: u32,
    pub burst: u32,
}

/// Default limit of the OAuth endpoints per source address.
pub const DEFAULT_OAUTH_PER_ADDRESS: RateLimit = RateLimit {
    per_minute: 300,
    burst: 100,
};
/// Default limit of the OAuth endpoints per client id (an agent id; ids that are not
/// well-formed fail authentication without costing anything and are limited by address only).
pub const DEFAULT_OAUTH_PER_CLIENT: RateLimit = RateLimit {
    per_minute: 60,
    burst: 30,
};
/// `X-Forwarded-For` entries read from the right at most (bounded work per request).
pub const MAX_FORWARDED_ENTRIES: usize = 16;
/// Past this many tracked keys in one limiter, keys back at full allowance are dropped.
pub const MAX_TRACKED_KEYS: usize = 100_000;

/// The limits a server runs with (`charter serve --oauth-rate-per-address …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub oauth_per_address: RateLimit,
    pub oauth_per_client: RateLimit,
    /// Proxies whose `X-Forwarded-For` is believed (`--trusted-proxy`). Empty: the client
    /// address is always the TCP peer and the header is ignored.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            oauth_per_address: DEFAULT_OAUTH_PER_ADDRESS,
            oauth_per_client: DEFAULT_OAUTH_PER_CLIENT,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The client address of a request from `peer`: the peer itself, unless it is a trusted proxy;
/// then the rightmost `X-Forwarded-For` address that is not itself a trusted proxy (entries
/// further left were written by the client and are not believed). A header that cannot be read
/// leaves the peer.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut entries = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    entries.reverse();
    for entry in entries.into_iter().take(MAX_FORWARDED_ENTRIES) {
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

/// Middleware: resolves the client address once and puts it on the request as [`ClientAddr`].
pub async fn resolve_client_addr(
    State(trusted): State<Arc<[IpAddr]>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip());
    if let Some(peer) = peer {
        let ip = client_addr(peer, req.headers(), &trusted);
        req.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(req).await
}

fn quota(limit: RateLimit) -> Quota {
    let per_minute = NonZeroU32::new(limit.per_minute).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(per_minute).allow_burst(burst)
}

/// The OAuth endpoints' rate limiters (in memory, per process).
pub struct OAuthLimiter {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_client: DefaultKeyedRateLimiter<String>,
    checks: AtomicU64,
}

/// A refused call: retry after this many whole seconds (≥ 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl OAuthLimiter {
    pub fn new(limits: &Limits) -> Self {
        OAuthLimiter {
            by_address: DefaultKeyedRateLimiter::keyed(quota(limits.oauth_per_address)),
            by_client: DefaultKeyedRateLimiter::keyed(quota(limits.oauth_per_client)),
            checks: AtomicU64::new(0),
        }
    }

    fn tidy(&self) {
        // Bounded memory: now and then, drop the keys that are back at full allowance.
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(1024)
            || self.by_address.len() > MAX_TRACKED_KEYS
            || self.by_client.len() > MAX_TRACKED_KEYS
        {
            self.by_address.retain_recent();
            self.by_client.retain_recent();
        }
    }

    fn verdict<K: std::hash::Hash + Eq + Clone>(
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
    ) -> Result<(), RetryAfter> {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(limiter.clock().now());
            RetryAfter((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1))
        })
    }

    /// Counts a call from `addr`.
    pub fn check_address(&self, addr: IpAddr) -> Result<(), RetryAfter> {
        self.tidy();
        Self::verdict(&self.by_address, &addr)
    }

    /// Counts a call by the client `id` (a well-formed agent id).
    pub fn check_client(&self, id: &str) -> Result<(), RetryAfter> {
        Self::verdict(&self.by_client, &id.to_string())
    }
}

/// The 429 answer: `Retry-After` and an RFC 6749-shaped body.
pub fn too_many(RetryAfter(secs): RetryAfter, what: &str) -> Response {
    let body = serde_json::json!({
        "error": "rate_limited",
        "error_description": format!("too many requests {what}; retry after {secs} s"),
    });
    let mut res = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    let headers = res.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Middleware on the authenticating OAuth routes: the per-address limit, before any work.
pub async fn limit_oauth_by_address(
    State(limiter): State<Arc<OAuthLimiter>>,
    req: Request,
    next: Next,
) -> Response {
    let addr = req.extensions().get::<ClientAddr>().map(|ClientAddr(a)| *a);
    if let Some(addr) = addr
        && let Err(retry) = limiter.check_address(addr)
    {
        return too_many(retry, "from this address");
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxy = IpAddr::from([10, 0, 0, 1]);
        let other_proxy = IpAddr::from([10, 0, 0, 2]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let cases: &[(&str, &[&str], &[IpAddr], &str)] = &[
            // No trusted proxy: the header is ignored.
            ("10.0.0.1", &["203.0.113.9"], &[], "10.0.0.1"),
            // A peer that is not trusted cannot set its address.
            ("198.51.100.1", &["203.0.113.9"], &[proxy], "198.51.100.1"),
            // The proxy's entry (rightmost) is believed, the client's own entries are not.
            (
                "10.0.0.1",
                &["1.2.3.4, 203.0.113.9"],
                &[proxy],
                "203.0.113.9",
            ),
            (
                "10.0.0.1",
                &["1.2.3.4", "203.0.113.9"],
                &[proxy],
                "203.0.113.9",
            ),
            // Chained trusted proxies are skipped.
            (
                "10.0.0.1",
                &["203.0.113.9, 10.0.0.2"],
                &[proxy, other_proxy],
                "203.0.113.9",
            ),
            ("10.0.0.1", &["2001:db8::7"], &[proxy], "2001:db8::7"),
            // Unreadable or missing: the peer.
            ("10.0.0.1", &["not-an-ip"], &[proxy], "10.0.0.1"),
            ("10.0.0.1", &[], &[proxy], "10.0.0.1"),
        ];
        for (peer, values, trusted, want) in cases {
            let mut headers = HeaderMap::new();
            for v in *values {
                if let Ok(v) = HeaderValue::from_str(v) {
                    headers.append("x-forwarded-for", v);
                }
            }
            assert_eq!(
                client_addr(ip(peer), &headers, trusted),
                ip(want),
                "{peer} {values:?}"
            );
        }
    }

    #[test]
    fn a_key_past_its_burst_waits() {
        let limits = Limits {
            oauth_per_address: RateLimit {
                per_minute: 60,
                burst: 3,
            },
            ..Limits::default()
        };
        let l = OAuthLimiter::new(&limits);
        let a = IpAddr::from([192, 0, 2, 1]);
        let b = IpAddr::from([192, 0, 2, 2]);
        for _ in 0..3 {
            assert_eq!(l.check_address(a), Ok(()));
        }
        let Err(RetryAfter(secs)) = l.check_address(a) else {
            panic!("the fourth call at once must be refused");
        };
        assert!((1..=1).contains(&secs), "one a second: {secs}");
        assert_eq!(l.check_address(b), Ok(()), "another address is not limited");
    }
}

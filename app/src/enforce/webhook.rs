//! Where the breaker-alert webhook may point (issue 10, item 9: server-side request forgery).
//!
//! The rules, checked when an owner saves the address and again before every delivery:
//! - the URL parses (WHATWG rules, the same parser the HTTP client uses), is at most
//!   [`MAX_WEBHOOK_URL_LEN`] characters and carries no credentials;
//! - it is `https://`; `http://` only when the server runs with `--allow-insecure-webhooks`;
//! - its host resolves, and every address it resolves to is public ([`is_public`]): loopback,
//!   private, link-local, unspecified, multicast, broadcast, documentation, benchmarking,
//!   CGNAT (100.64.0.0/10), IETF-reserved and unique-local addresses are refused, for IPv4 and
//!   IPv6 alike, including IPv4 addresses embedded in IPv6 (`::ffff:a.b.c.d`, NAT64, 6to4).
//!   `--allow-insecure-webhooks` lifts this rule too (a receiver on the developer's machine).
//! - A delivery connects to exactly the addresses it checked (no second DNS lookup) and follows
//!   no redirect.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The longest webhook URL accepted.
pub const MAX_WEBHOOK_URL_LEN: usize = 2000;

/// A webhook URL that passed the syntax and scheme rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    /// The URL as it will be requested.
    pub url: String,
    /// The host to resolve, or the literal address.
    pub host: WebhookHost,
    /// The port (the scheme's default when the URL names none).
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookHost {
    Name(String),
    Ip(IpAddr),
}

/// Checks a webhook address's syntax and scheme (not yet where it resolves: see
/// `resolve_webhook`). Errors start with "webhook URL:" and name the problem.
pub fn check_webhook_url(input: &str, allow_insecure: bool) -> Result<WebhookTarget, String> {
    let raw = input.trim();
    let shown: String = raw
        .chars()
        .take(80)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if raw.is_empty() {
        return Err(
            "webhook URL: enter an address such as https://example.com/charter-alerts".into(),
        );
    }
    if raw.len() > MAX_WEBHOOK_URL_LEN {
        return Err("webhook URL: longer than 2,000 characters".into());
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("webhook URL: `{shown}` contains spaces"));
    }
    let https = raw
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"));
    let http = raw
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("http://"));
    let allowed = https || (http && allow_insecure);
    if !allowed {
        return Err(if http {
            format!(
                "webhook URL: `{shown}` must start with https:// (plain http:// is refused: alerts \
                 carry account data)"
            )
        } else {
            format!("webhook URL: `{shown}` must start with https://")
        });
    }
    let url =
        url::Url::parse(raw).map_err(|e| format!("webhook URL: `{shown}` is invalid: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "webhook URL: `{shown}` carries credentials; the signature authenticates Charter instead"
        ));
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) if !d.is_empty() => {
            // A trailing dot names the same host; strip it so the name checked is the name
            // resolved.
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            match d.parse::<IpAddr>() {
                Ok(ip) => WebhookHost::Ip(ip),
                Err(_) => WebhookHost::Name(d),
            }
        }
        Some(url::Host::Ipv4(ip)) => WebhookHost::Ip(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => WebhookHost::Ip(IpAddr::V6(ip)),
        _ => return Err(format!("webhook URL: `{shown}` has no host")),
    };
    let port = url
        .port_or_known_default()
        .ok_or_else(|| format!("webhook URL: `{shown}` has no port"))?;
    Ok(WebhookTarget {
        url: url.to_string(),
        host,
        port,
    })
}

/// Whether `ip` is a public unicast address a webhook may be delivered to (see the module
/// documentation for what is refused).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], bits: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

/// IPv4 special-purpose ranges (RFC 6890 and its updates) that are not publicly routable.
const NON_PUBLIC_V4: &[([u8; 4], u32)] = &[
    ([0, 0, 0, 0], 8),       // "this network", unspecified
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // shared address space (CGNAT)
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local (cloud metadata services live here)
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // documentation (TEST-NET-1)
    ([192, 31, 196, 0], 24), // AS112
    ([192, 52, 193, 0], 24), // AMT
    ([192, 88, 99, 0], 24),  // 6to4 relay anycast (deprecated)
    ([192, 168, 0, 0], 16),  // private
    ([192, 175, 48, 0], 24), // direct delegation AS112
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24),  // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, and 255.255.255.255 broadcast
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    !NON_PUBLIC_V4
        .iter()
        .any(|(net, bits)| in_v4(ip, *net, *bits))
}

fn in_v6(ip: Ipv6Addr, net: [u16; 8], bits: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
    (u128::from(ip) & mask) == (u128::from(Ipv6Addr::from(net)) & mask)
}

/// IPv6 ranges inside global unicast (2000::/3) that are not publicly routable.
const NON_PUBLIC_V6: &[([u16; 8], u32)] = &[
    ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23), // IETF protocol assignments (Teredo, ORCHID, …)
    ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), // documentation (RFC 9637)
    ([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16), // SRv6 SIDs
];

fn is_public_v6(ip: Ipv6Addr) -> bool {
    // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d): the IPv4 address decides.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if in_v6(ip, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
        let [.., a, b, c, d] = ip.octets();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    // 6to4 (2002:AABB:CCDD::/48): the embedded IPv4 address decides.
    if in_v6(ip, [0x2002, 0, 0, 0, 0, 0, 0, 0], 16) {
        let o = ip.octets();
        return is_public_v4(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    // Only global unicast (2000::/3) is public; this excludes ::, ::1, IPv4-compatible ::/96,
    // 100::/64 discard, fc00::/7 unique-local, fe80::/10 link-local, fec0::/10 and ff00::/8.
    in_v6(ip, [0x2000, 0, 0, 0, 0, 0, 0, 0], 3)
        && !NON_PUBLIC_V6
            .iter()
            .any(|(net, bits)| in_v6(ip, *net, *bits))
}

#[cfg(feature = "ssr")]
pub use resolve::*;

#[cfg(feature = "ssr")]
mod resolve {
    use super::*;
    use std::future::Future;
    use std::net::SocketAddr;
    use std::pin::Pin;
    use std::sync::Arc;

    /// How long resolving a webhook's host may take.
    pub const WEBHOOK_RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

    /// The most addresses kept from one resolution.
    pub const MAX_WEBHOOK_ADDRS: usize = 16;

    /// A DNS lookup. The system resolver in production; tests substitute their own answers.
    pub trait Resolve: Send + Sync + 'static {
        fn lookup<'a>(
            &'a self,
            host: &'a str,
            port: u16,
        ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<SocketAddr>>> + Send + 'a>>;
    }

    /// The operating system's resolver (`getaddrinfo`, off the async workers).
    pub struct SystemResolver;

    impl Resolve for SystemResolver {
        fn lookup<'a>(
            &'a self,
            host: &'a str,
            port: u16,
        ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<SocketAddr>>> + Send + 'a>> {
            Box::pin(async move { Ok(tokio::net::lookup_host((host, port)).await?.collect()) })
        }
    }

    /// The server's webhook rules: `charter serve --allow-insecure-webhooks` and the resolver.
    /// Provided to server functions as context and used by every delivery.
    #[derive(Clone)]
    pub struct WebhookPolicy {
        /// Allow `http://` and non-public addresses (local development and tests only).
        pub allow_insecure: bool,
        pub resolver: Arc<dyn Resolve>,
    }

    impl Default for WebhookPolicy {
        fn default() -> Self {
            WebhookPolicy {
                allow_insecure: false,
                resolver: Arc::new(SystemResolver),
            }
        }
    }

    impl std::fmt::Debug for WebhookPolicy {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("WebhookPolicy")
                .field("allow_insecure", &self.allow_insecure)
                .finish_non_exhaustive()
        }
    }

    /// A webhook URL checked down to the addresses a delivery may connect to.
    #[derive(Debug, Clone)]
    pub struct ResolvedWebhook {
        pub target: WebhookTarget,
        /// Every address the host resolved to; each passed [`is_public`] (unless insecure).
        pub addrs: Vec<SocketAddr>,
    }

    impl WebhookPolicy {
        /// The check when an owner saves the address: [`resolve`](Self::resolve), or only the
        /// syntax with `--allow-insecure-webhooks` (a local receiver that may not run yet).
        /// Returns the URL to store.
        pub async fn check_on_save(&self, url: &str) -> Result<String, String> {
            if self.allow_insecure {
                return check_webhook_url(url, true).map(|t| t.url);
            }
            self.resolve(url).await.map(|r| r.target.url)
        }

        /// Checks `url` (syntax, scheme) and resolves its host once; refuses it when any address
        /// is not public. Errors start with "webhook URL:".
        pub async fn resolve(&self, url: &str) -> Result<ResolvedWebhook, String> {
            let target = check_webhook_url(url, self.allow_insecure)?;
            let addrs: Vec<SocketAddr> = match &target.host {
                WebhookHost::Ip(ip) => vec![SocketAddr::new(*ip, target.port)],
                WebhookHost::Name(name) => {
                    let shown: String = name.chars().take(80).collect();
                    let lookup = self.resolver.lookup(name, target.port);
                    match tokio::time::timeout(WEBHOOK_RESOLVE_TIMEOUT, lookup).await {
                        Ok(Ok(a)) => a.into_iter().take(MAX_WEBHOOK_ADDRS).collect(),
                        Ok(Err(_)) | Err(_) => {
                            return Err(format!("webhook URL: host `{shown}` does not resolve"));
                        }
                    }
                }
            };
            if addrs.is_empty() {
                return Err("webhook URL: the host has no address".into());
            }
            if !self.allow_insecure
                && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip()))
            {
                return Err(format!(
                    "webhook URL: the host resolves to {}, which is not a public address \
                     (loopback, private, link-local and reserved addresses are refused)",
                    bad.ip()
                ));
            }
            Ok(ResolvedWebhook { target, addrs })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        let t = check_webhook_url("https://Hooks.Example.com./charter?x=1", false).unwrap();
        assert_eq!(t.host, WebhookHost::Name("hooks.example.com".into()));
        assert_eq!(t.port, 443);
        let t = check_webhook_url("https://2130706433/", false).unwrap();
        assert_eq!(t.host, WebhookHost::Ip("127.0.0.1".parse().unwrap()));
        assert!(check_webhook_url("http://127.0.0.1:9000/x", true).is_ok());
        for (bad, fragment) in [
            ("", "enter an address"),
            ("ftp://x", "must start with https://"),
            ("http://example.com/", "plain http:// is refused"),
            ("https://", "invalid"),
            ("https://user:pw@example.com/", "carries credentials"),
            ("https://example.com/a b", "contains spaces"),
        ] {
            let e = check_webhook_url(bad, false).expect_err(bad);
            assert!(
                e.starts_with("webhook URL:") && e.contains(fragment),
                "{bad:?}: {e}"
            );
        }
    }

    #[test]
    fn only_public_addresses_pass() {
        for public in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.31.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "::127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
    }
}

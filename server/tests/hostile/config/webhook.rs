//! Item 9: SSRF through the alert webhook (see `docs/security.md`).

use super::*;
use crate::common::{self, Backend, spawn_app};
use app::enforce::webhook::Resolve;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

backend_tests!(
    webhook_save_refuses_non_public_addresses,
    webhook_send_rechecks_the_resolved_address,
);

/// A DNS server the test controls: answers from a table it can change, and tells the test
/// each time a name is looked up.
#[derive(Default)]
struct FakeDns {
    answers: Mutex<HashMap<String, Vec<IpAddr>>>,
    lookups: Mutex<Vec<String>>,
    looked_up: tokio::sync::Notify,
}

impl FakeDns {
    fn set(&self, name: &str, ips: &[&str]) {
        let ips = ips.iter().map(|i| i.parse().expect("ip")).collect();
        self.answers
            .lock()
            .expect("lock")
            .insert(name.to_string(), ips);
    }
    fn lookups_of(&self, name: &str) -> usize {
        let l = self.lookups.lock().expect("lock");
        l.iter().filter(|n| *n == name).count()
    }
}

impl Resolve for FakeDns {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = std::io::Result<Vec<SocketAddr>>> + Send + 'a>,
    > {
        Box::pin(async move {
            let answer = self.answers.lock().expect("lock").get(host).cloned();
            self.lookups.lock().expect("lock").push(host.to_string());
            self.looked_up.notify_waiters();
            match answer {
                Some(ips) => Ok(ips
                    .into_iter()
                    .map(|ip| SocketAddr::new(ip, port))
                    .collect()),
                None => Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such host",
                )),
            }
        })
    }
}

fn policy(dns: &Arc<FakeDns>, allow_insecure: bool) -> WebhookPolicy {
    WebhookPolicy {
        allow_insecure,
        resolver: dns.clone(),
    }
}

/// Saving a webhook that is not https, or whose host is (or resolves to) a non-public address,
/// is refused with a 400 naming the field, and nothing is stored; a public https one is saved.
async fn webhook_save_refuses_non_public_addresses(backend: Backend) {
    let app = spawn_app(backend).await;
    let dns = Arc::new(FakeDns::default());
    dns.set("public.example.test", &["93.184.215.14"]);
    dns.set("public6.example.test", &["2606:4700:4700::1111"]);
    dns.set("internal.example.test", &["10.0.0.5"]);
    dns.set("metadata.example.test", &["169.254.169.254"]);
    dns.set("mixed.example.test", &["93.184.215.14", "127.0.0.1"]);
    dns.set("mapped.example.test", &["::ffff:127.0.0.1"]);
    dns.set("localhost", &["127.0.0.1", "::1"]);
    let server = serve(&app.url, |c| c.webhooks = policy(&dns, false)).await;
    let adv = advertiser(&app.store, demo::NORTHWIND).await;
    let adv_id = adv.id.to_string();
    let (c, csrf) = signed_in(&server.base, demo::OWNER).await;

    const NOT_PUBLIC: &str = "not a public address";
    let cases: &[(&str, &str)] = &[
        (
            "http://public.example.test/hook",
            "must start with https://",
        ),
        ("https://127.0.0.1/hook", NOT_PUBLIC),
        ("https://127.1.2.3:8443/hook", NOT_PUBLIC),
        ("https://2130706433/hook", NOT_PUBLIC), // 127.0.0.1 as one number
        ("https://0x7f.1/hook", NOT_PUBLIC),     // 127.0.0.1 in hex shorthand
        ("https://[::1]/hook", NOT_PUBLIC),
        ("https://0.0.0.0/hook", NOT_PUBLIC),
        ("https://[::]/hook", NOT_PUBLIC),
        ("https://10.1.2.3/hook", NOT_PUBLIC),
        ("https://172.16.5.4/hook", NOT_PUBLIC),
        ("https://192.168.0.10/hook", NOT_PUBLIC),
        ("https://169.254.169.254/latest/meta-data/", NOT_PUBLIC),
        ("https://100.64.0.1/hook", NOT_PUBLIC),
        ("https://224.0.0.1/hook", NOT_PUBLIC),
        ("https://255.255.255.255/hook", NOT_PUBLIC),
        ("https://192.0.2.10/hook", NOT_PUBLIC),
        ("https://198.51.100.7/hook", NOT_PUBLIC),
        ("https://198.18.0.1/hook", NOT_PUBLIC),
        ("https://[fe80::1]/hook", NOT_PUBLIC),
        ("https://[fd12:3456::1]/hook", NOT_PUBLIC),
        ("https://[ff02::1]/hook", NOT_PUBLIC),
        ("https://[2001:db8::1]/hook", NOT_PUBLIC),
        ("https://[::ffff:127.0.0.1]/hook", NOT_PUBLIC),
        ("https://[::ffff:a9fe:a9fe]/hook", NOT_PUBLIC), // 169.254.169.254, IPv4-mapped
        ("https://[64:ff9b::a00:1]/hook", NOT_PUBLIC),   // 10.0.0.1 through NAT64
        ("https://localhost/hook", NOT_PUBLIC),
        ("https://internal.example.test/hook", NOT_PUBLIC),
        ("https://metadata.example.test/hook", NOT_PUBLIC),
        ("https://mixed.example.test/hook", NOT_PUBLIC),
        ("https://mapped.example.test/hook", NOT_PUBLIC),
        ("https://nowhere.example.test/hook", "does not resolve"),
    ];
    for (url, fragment) in cases {
        let res = common::post(
            &c,
            &csrf,
            "/api/set_alert_webhook",
            &[("advertiser_id", &adv_id), ("url", url)],
        )
        .await;
        let status = res.status().as_u16();
        let body = text(&res.text().await.expect("body"));
        assert_eq!(status, 400, "{url} must be refused");
        assert!(
            body.contains("webhook URL:") && body.contains(fragment),
            "{url}: the error names the field and says `{fragment}`"
        );
        assert!(
            app.store.webhook(&adv.id).await.expect("webhook").is_none(),
            "{url} must not be stored"
        );
    }
    // Public addresses are accepted (IPv4 and IPv6).
    for url in [
        "https://public.example.test/hook",
        "https://public6.example.test:8443/hook",
    ] {
        let res = common::post(
            &c,
            &csrf,
            "/api/set_alert_webhook",
            &[("advertiser_id", &adv_id), ("url", url)],
        )
        .await;
        assert_eq!(res.status(), 302, "{url} is public");
        let stored = app.store.webhook(&adv.id).await.expect("webhook");
        assert_eq!(stored.map(|w| w.url).as_deref(), Some(url));
    }
}

/// Bid Pilot's token on Northwind, through client credentials at `base`.
/// Sends PDP requests at `base` until the breaker answers `circuit_open` (it trips).
async fn trip_breaker(base: &str, token: &str, adv: &Advertiser) {
    let http = reqwest::Client::new();
    let body = json!({
        "action": "sp:GetCampaign",
        "resource": format!("arn:ads:us:{}:campaign/c-1", adv.id),
        "intent": "bid_optimization",
    });
    for _ in 0..20 {
        let v: Value = http
            .post(format!("{base}/v1/authorize"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("authorize")
            .json()
            .await
            .expect("decision");
        if v["reason"] == "circuit_open" {
            return;
        }
    }
    panic!("the breaker never tripped");
}

/// DNS rebinding: the name resolved to a public address when the owner saved it, and resolves
/// to 127.0.0.1 when the breaker trips. The secure server never connects to the receiver on
/// 127.0.0.1; the same trip on a server with `--allow-insecure-webhooks` does (the control:
/// the delivery really goes through the resolver and would reach that address).
async fn webhook_send_rechecks_the_resolved_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let store = app.store.clone();
    let adv = advertiser(&store, demo::NORTHWIND).await;
    // The "internal service": counts every TCP connection it receives.
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = receiver.local_addr().expect("addr").port();
    let (conn_tx, mut connections) = tokio::sync::mpsc::unbounded_channel::<()>();
    tokio::spawn(async move {
        while let Ok((_sock, _)) = receiver.accept().await {
            let _ = conn_tx.send(());
        }
    });
    let host = "hooks.example.test";
    let dns = Arc::new(FakeDns::default());
    dns.set(host, &["93.184.215.14"]);
    let secure = serve(&app.url, |c| c.webhooks = policy(&dns, false)).await;
    let (c, csrf) = signed_in(&secure.base, demo::OWNER).await;
    let url = format!("https://{host}:{port}/hook");
    let res = common::post(
        &c,
        &csrf,
        "/api/set_alert_webhook",
        &[("advertiser_id", adv.id.as_str()), ("url", &url)],
    )
    .await;
    assert_eq!(res.status(), 302, "public at save time");

    // Rebinding: from now on the name points at the internal service.
    dns.set(host, &["127.0.0.1"]);
    let pilot = bid_pilot(&store, &adv).await;
    let token = pilot.token(&secure.base).await;
    let grant = pilot.grant.clone();
    let config = charter_store::BreakerConfig {
        requests_per_minute: Some(2),
        denials_per_minute: None,
        spend_per_hour_minor: None,
        cooldown_seconds: Some(3600),
    };
    store
        .set_breaker_config(&actor(), &adv.id, &grant, config)
        .await
        .expect("breaker config");

    // The control: an insecure server trips the breaker and its delivery reaches 127.0.0.1.
    let insecure = serve(&app.url, |c| c.webhooks = policy(&dns, true)).await;
    trip_breaker(&insecure.base, &token, &adv).await;
    // The receiver speaks no TLS, so the delivery makes all its attempts; wait for each of them
    // so none is left to arrive later.
    for attempt in 0..3 {
        tokio::time::timeout(Duration::from_secs(15), connections.recv())
            .await
            .unwrap_or_else(|_| panic!("control attempt {attempt} connects to the rebound address"))
            .expect("receiver");
    }
    drop(insecure);

    // Reset the breaker, then trip it on the secure server.
    let open = store.breaker(&grant).await.expect("breaker");
    store
        .transition_breaker(
            &actor(),
            &grant,
            open.state,
            BreakerState::Closed,
            "test reset",
            chrono::Utc::now(),
        )
        .await
        .expect("reset")
        .expect("the breaker was open");
    let before = dns.lookups_of(host);
    let looked_up = dns.looked_up.notified();
    trip_breaker(&secure.base, &token, &adv).await;
    // The delivery resolves the name again (that is the check) ...
    if dns.lookups_of(host) == before {
        tokio::time::timeout(Duration::from_secs(10), looked_up)
            .await
            .expect("the send-time check resolves the name");
    }
    // ... and then connects nowhere: no connection reaches the internal service.
    let reached = tokio::time::timeout(Duration::from_secs(2), connections.recv()).await;
    assert!(
        reached.is_err(),
        "the secure server connected to 127.0.0.1 after the name was rebound"
    );
    let _ = store
        .webhook(&adv.id)
        .await
        .expect("webhook")
        .expect("kept");
}

//! Hostile tests: authentication under attack (issue 10, items 6, 7, 11 and 12).
//!
//! Each story is what an attacker would try from the outside: a crafted `next=` after sign-in,
//! a replayed `private_key_jwt` assertion, a flood of junk client credentials, and a storm of
//! password guesses (in parallel, and against an owner who signs in from elsewhere).

use crate::common::{self, Backend, location, spawn_app, spawn_app_configured};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use charter_server::demo::{self, OWNER, VIEWER};
use charter_server::limits::RateLimit;
use charter_store::model::*;
use chrono::Utc;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

backend_tests!(
    sign_in_next_never_leaves_the_site,
    replayed_assertion_inside_the_leeway_is_refused,
    long_lived_assertions_are_refused,
    junk_client_credentials_cost_no_argon2,
    argon2_client_secrets_from_before_still_work_and_are_rehashed,
    junk_flood_gets_429_with_retry_after,
    one_client_id_is_limited_across_addresses,
    parallel_wrong_guesses_cannot_all_pass_the_check,
    owner_signs_in_from_elsewhere_during_an_attack,
);

/// Bid Pilot (a demo agent) and an account it holds an active grant on.
async fn bid_pilot(app: &common::TestApp) -> (AgentId, PartnerId, AdvertiserId) {
    let (agent, partner) = crate::holder::bid_pilot(app).await;
    let mut account = None;
    for adv in app.store.search_advertisers("", 100).await.expect("list") {
        if let Some(g) = app.store.grant_for(&adv.id, &agent).await.expect("grant")
            && g.status == GrantStatus::Active
        {
            account = Some(adv.id);
            break;
        }
    }
    (agent, partner, account.expect("an active grant"))
}

fn system() -> Actor {
    Actor::System {
        label: "hostile test".into(),
    }
}

// --- item 11: open redirect after sign-in ---------------------------------------------------

/// A JavaScript-off sign-in form post with `next`: every hostile destination lands on
/// `/accounts` (302, never a 500); a local path is kept.
async fn sign_in_next_never_leaves_the_site(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases: &[(&str, &str)] = &[
        ("/\t/example.org", "/accounts"),
        ("/%09/example.org", "/%09/example.org"),
        ("/\n/example.org", "/accounts"),
        ("/accounts\r\nSet-Cookie: pwned=1", "/accounts"),
        ("//x", "/accounts"),
        ("/\\x", "/accounts"),
        ("https:example.org", "/accounts"),
        ("https://example.org/", "/accounts"),
        ("/.//example.org", "/accounts"),
        ("/accounts?page=2", "/accounts?page=2"),
    ];
    for (next, want) in cases {
        let c = app.client();
        let csrf = c.csrf().await;
        let res = c
            .post_html(
                "/api/sign_in",
                &[
                    ("email", OWNER.email),
                    ("password", OWNER.password),
                    ("csrf", &csrf),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(res.status(), 302, "next={next:?}");
        assert_eq!(location(&res), *want, "next={next:?}");
        // The browser-side oracle: the Location, resolved as a browser resolves it against
        // the site, stays on the site's origin.
        let site = reqwest::Url::parse(&app.base).expect("base");
        let landed = site.join(&location(&res)).expect("a URL");
        assert_eq!(landed.origin(), site.origin(), "next={next:?} → {landed}");
    }
    // A failed sign-in carries only a local `next` back to the form.
    let c = app.client();
    let csrf = c.csrf().await;
    let res = c
        .post_html(
            "/api/sign_in",
            &[
                ("email", OWNER.email),
                ("password", "wrong"),
                ("csrf", &csrf),
                ("next", "/\t/example.org"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(location(&res), "/signin?error=invalid");
}

// --- item 7: private_key_jwt replay ---------------------------------------------------------

/// An Ed25519 key registered for Bid Pilot, and a signer of assertions with given claims.
struct AssertionSigner {
    key: ed25519_dalek::SigningKey,
}

impl AssertionSigner {
    async fn register(app: &common::TestApp, agent: &AgentId, partner: &PartnerId) -> Self {
        let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes());
        app.store
            .add_client_key(&system(), partner, agent, "hostile", &x)
            .await
            .expect("add key");
        AssertionSigner { key }
    }

    fn sign(&self, claims: &Value) -> String {
        use ed25519_dalek::Signer;
        let h = URL_SAFE_NO_PAD
            .encode(json!({ "alg": "EdDSA", "kid": "hostile", "typ": "JWT" }).to_string());
        let b = URL_SAFE_NO_PAD.encode(claims.to_string());
        let sig = self.key.sign(format!("{h}.{b}").as_bytes());
        format!("{h}.{b}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }
}

async fn token_with_assertion(
    app: &common::TestApp,
    account: &AdvertiserId,
    jwt: &str,
) -> (u16, Value) {
    let resource = format!("urn:charter:account:{account}");
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("resource", resource.as_str()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", jwt),
        ])
        .send()
        .await
        .expect("POST /oauth/token");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// An assertion whose `exp` has passed but is still inside the leeway is accepted once; the
/// same assertion again is a replay and refused (it used to be forgotten at `exp`).
async fn replayed_assertion_inside_the_leeway_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (agent, partner, account) = bid_pilot(&app).await;
    let signer = AssertionSigner::register(&app, &agent, &partner).await;
    let aud = format!("{}/oauth/token", app.base);
    let leeway = charter_server::oauth::ASSERTION_LEEWAY_SECS;
    // Expired a third of the leeway ago: still accepted, and already past its `exp`.
    let exp = Utc::now().timestamp() - leeway / 3;
    let jwt = signer.sign(&json!({
        "iss": agent.as_str(), "sub": agent.as_str(), "aud": aud,
        "exp": exp, "iat": exp - 60, "jti": "replay-me",
    }));
    let (status, body) = token_with_assertion(&app, &account, &jwt).await;
    assert_eq!(status, 200, "first use inside the leeway: {body}");
    let (status, body) = token_with_assertion(&app, &account, &jwt).await;
    assert_eq!(status, 401, "the replay must be refused: {body}");
    assert_eq!(body["error"], "invalid_client", "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("replayed")),
        "{body}"
    );
}

/// Assertions living longer than `MAX_ASSERTION_LIFETIME_SECS` (by `exp − iat`, or by
/// `exp − now` without `iat`) are refused; one inside the limit is accepted.
async fn long_lived_assertions_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (agent, partner, account) = bid_pilot(&app).await;
    let signer = AssertionSigner::register(&app, &agent, &partner).await;
    let aud = format!("{}/oauth/token", app.base);
    let max = charter_server::oauth::MAX_ASSERTION_LIFETIME_SECS;
    let now = Utc::now().timestamp();
    let claims = |jti: &str, iat: Option<i64>, exp: i64| {
        let mut c = json!({
            "iss": agent.as_str(), "sub": agent.as_str(), "aud": aud, "exp": exp, "jti": jti,
        });
        if let Some(iat) = iat {
            c["iat"] = iat.into();
        }
        c
    };
    // exp − iat over the limit, though exp is near.
    let (s, v) = token_with_assertion(
        &app,
        &account,
        &signer.sign(&claims("long-iat", Some(now + 60 - max - 60), now + 60)),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (401, Some("invalid_client")),
        "{v}"
    );
    // No iat: exp − now over the limit.
    let (s, v) = token_with_assertion(
        &app,
        &account,
        &signer.sign(&claims("long-now", None, now + max + 120)),
    )
    .await;
    assert_eq!(
        (s, v["error"].as_str()),
        (401, Some("invalid_client")),
        "{v}"
    );
    // Inside the limit: accepted.
    let (s, v) = token_with_assertion(
        &app,
        &account,
        &signer.sign(&claims("short", Some(now), now + max / 2)),
    )
    .await;
    assert_eq!(s, 200, "{v}");
}

// --- item 6: unauthenticated work amplification at the OAuth endpoints ---------------------

/// `Authorization: Basic` with a random, well-formed client id and a junk secret.
fn junk_basic(i: usize) -> String {
    let id = AgentId::generate();
    let raw = format!("{id}:sec_{i}.{}", "x".repeat(43));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

async fn post_token(http: &reqwest::Client, base: &str, auth: &str) -> reqwest::Response {
    http.post(format!("{base}/oauth/token"))
        .header("authorization", auth)
        .form(&[
            ("grant_type", "client_credentials"),
            ("resource", "urn:charter:account:adv_x"),
        ])
        .send()
        .await
        .expect("POST /oauth/token")
}

/// The time of one argon2id verification in this build: the cost a junk request must no
/// longer carry (an independent oracle, measured here, not assumed).
fn one_argon2_verification() -> Duration {
    let phc = charter_store::hash_password("a password").expect("hash");
    let t = Instant::now();
    assert!(!charter_store::verify_password("another", &phc));
    t.elapsed()
}

/// 50 junk Basic credentials cost about what 50 `/healthz` calls cost: far less than one
/// argon2id verification each (they used to cost one each, about 19 MiB).
async fn junk_client_credentials_cost_no_argon2(backend: Backend) {
    let app = spawn_app(backend).await;
    let http = reqwest::Client::new();
    let argon2 = one_argon2_verification();
    let t = Instant::now();
    for _ in 0..50 {
        let res = http
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .expect("healthz");
        assert_eq!(res.status(), 200);
    }
    let healthz = t.elapsed();
    // The bound: the /healthz time plus a quarter of one argon2id verification per request.
    let bound = healthz + argon2 * 50 / 4;
    let t = Instant::now();
    for i in 0..50 {
        let res = post_token(&http, &app.base, &junk_basic(i)).await;
        assert_eq!(res.status(), 401, "junk credentials are refused as such");
        assert!(
            t.elapsed() < bound,
            "{} junk requests took {:?}, over {bound:?} (/healthz ×50: {healthz:?}, one argon2id: {argon2:?})",
            i + 1,
            t.elapsed()
        );
    }
}

/// The stored hash of a client secret, read straight from the database.
async fn stored_secret_hash(app: &common::TestApp, id: &SecretId) -> String {
    let sql = "SELECT secret_hash FROM client_secrets WHERE id = $1";
    let (hash,): (String,) = match &app.db.pool {
        charter_store::Pool::Sqlite(p) => sqlx::query_as(sql).bind(id.as_str()).fetch_one(p).await,
        charter_store::Pool::Postgres(p) => {
            sqlx::query_as(sql).bind(id.as_str()).fetch_one(p).await
        }
    }
    .expect("stored hash");
    hash
}

/// A client secret stored before keyed hashes (an argon2id PHC string) still authenticates;
/// that first use rewrites it to its keyed hash, which then authenticates too.
async fn argon2_client_secrets_from_before_still_work_and_are_rehashed(backend: Backend) {
    let app = spawn_app(backend).await;
    let (agent, partner, account) = bid_pilot(&app).await;
    let issued = app
        .store
        .create_client_secret(&system(), &partner, &agent)
        .await
        .expect("secret");
    let fresh = stored_secret_hash(&app, &issued.info.id).await;
    assert!(fresh.starts_with("hmac-sha256$"), "{fresh}");
    // Make it a secret from before: its argon2id hash, as the old code stored it.
    let legacy = charter_store::hash_password(&issued.secret).expect("argon2id");
    let sql = "UPDATE client_secrets SET secret_hash = $1 WHERE id = $2";
    match &app.db.pool {
        charter_store::Pool::Sqlite(p) => sqlx::query(sql)
            .bind(&legacy)
            .bind(issued.info.id.as_str())
            .execute(p)
            .await
            .map(|_| ()),
        charter_store::Pool::Postgres(p) => sqlx::query(sql)
            .bind(&legacy)
            .bind(issued.info.id.as_str())
            .execute(p)
            .await
            .map(|_| ()),
    }
    .expect("set the legacy hash");
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{agent}:{}", issued.secret))
    );
    let resource = format!("urn:charter:account:{account}");
    let http = reqwest::Client::new();
    for round in ["legacy", "rehashed"] {
        let res = http
            .post(format!("{}/oauth/token", app.base))
            .header("authorization", &basic)
            .form(&[
                ("grant_type", "client_credentials"),
                ("resource", resource.as_str()),
            ])
            .send()
            .await
            .expect("POST");
        assert_eq!(res.status(), 200, "{round}");
        let after = stored_secret_hash(&app, &issued.info.id).await;
        assert!(after.starts_with("hmac-sha256$"), "{round}: {after}");
        assert_eq!(
            after, fresh,
            "{round}: the keyed hash is the one made at creation"
        );
    }
}

/// Junk credentials sent in parallel from one address: past the per-address burst they get
/// 429 with `Retry-After`, before any authentication work; the server stays answerable.
async fn junk_flood_gets_429_with_retry_after(backend: Backend) {
    let burst = 20;
    let app = spawn_app_configured(backend, demo::SeedOptions::default(), |c| {
        c.limits.oauth_per_address = RateLimit {
            per_minute: 60,
            burst,
        };
    })
    .await;
    let http = reqwest::Client::new();
    let n = 120;
    let t = Instant::now();
    let calls = (0..n).map(|i| {
        let http = http.clone();
        let base = app.base.clone();
        async move {
            let res = post_token(&http, &base, &junk_basic(i)).await;
            let retry = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            (status, retry, body)
        }
    });
    let results = futures_util::future::join_all(calls).await;
    let elapsed = t.elapsed().as_secs();
    let refused = results.iter().filter(|(s, _, _)| *s == 429).count();
    let unauthorized = results.iter().filter(|(s, _, _)| *s == 401).count();
    assert_eq!(refused + unauthorized, n, "only 401 or 429: {results:?}");
    // At most the burst, plus one a second of refill while the flood lasted.
    let allowed = burst as usize + usize::try_from(elapsed).unwrap_or(usize::MAX) + 1;
    assert!(
        unauthorized <= allowed,
        "{unauthorized} calls reached authentication, at most {allowed} may"
    );
    for (status, retry, body) in &results {
        if *status == 429 {
            assert!(retry.is_some_and(|r| r >= 1), "Retry-After: {retry:?}");
            assert_eq!(body["error"], "rate_limited", "{body}");
        }
    }
    // The server still answers at once.
    let t = Instant::now();
    let res = http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("healthz");
    assert_eq!(res.status(), 200);
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
}

/// One real client id sprayed with wrong secrets from many addresses (through a trusted
/// proxy) is limited per client id; another client is not; and without a trusted proxy,
/// `X-Forwarded-For` does not let one address pass for many.
async fn one_client_id_is_limited_across_addresses(backend: Backend) {
    let per_client = 10;
    let app = spawn_app_configured(backend, demo::SeedOptions::default(), |c| {
        c.limits.oauth_per_client = RateLimit {
            per_minute: 60,
            burst: per_client,
        };
        c.limits.trusted_proxies = vec![std::net::IpAddr::from([127, 0, 0, 1])];
    })
    .await;
    let (agent, _, _) = bid_pilot(&app).await;
    let http = reqwest::Client::new();
    let wrong = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{agent}:sec_x.wrong"))
    );
    let mut statuses = Vec::new();
    for i in 0..(per_client + 10) {
        let res = http
            .post(format!("{}/oauth/token", app.base))
            .header("authorization", &wrong)
            .header("x-forwarded-for", format!("198.51.100.{}", i + 1))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("POST");
        statuses.push(res.status().as_u16());
    }
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        limited >= 9,
        "past {per_client} calls the client id is limited: {statuses:?}"
    );
    // Another client id from a fresh address is not limited.
    let res = post_token(&http, &app.base, &junk_basic(0)).await;
    assert_eq!(res.status(), 401);

    // Without a trusted proxy, a varying X-Forwarded-For is ignored: one address is one
    // address.
    let app = spawn_app_configured(backend, demo::SeedOptions::default(), |c| {
        c.limits.oauth_per_address = RateLimit {
            per_minute: 60,
            burst: 5,
        };
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..15 {
        let res = http
            .post(format!("{}/oauth/token", app.base))
            .header("authorization", junk_basic(i))
            .header("x-forwarded-for", format!("203.0.113.{}", i + 1))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("POST");
        statuses.push(res.status().as_u16());
    }
    assert!(
        statuses.iter().filter(|s| **s == 429).count() >= 9,
        "{statuses:?}"
    );
}

// --- item 12: sign-in limits ----------------------------------------------------------------

/// A sign-in form post (JavaScript off) from a client whose session and CSRF token are ready,
/// optionally through the trusted proxy as `from`.
async fn sign_in_from(
    c: &common::Client,
    csrf: &str,
    email: &str,
    password: &str,
    from: Option<&str>,
) -> String {
    let mut req = c
        .http
        .post(c.url("/api/sign_in"))
        .header("accept", "text/html")
        .header("referer", c.url("/signin"))
        .form(&[("email", email), ("password", password), ("csrf", csrf)]);
    if let Some(ip) = from {
        req = req.header("x-forwarded-for", ip);
    }
    let res = req.send().await.expect("POST /api/sign_in");
    assert_eq!(
        res.status(),
        302,
        "a sign-in always answers with a redirect"
    );
    location(&res)
}

/// 20 wrong guesses at once for one email from one address: no more than `MAX_FAILURES`
/// reach the password check; the rest are refused as `locked`.
async fn parallel_wrong_guesses_cannot_all_pass_the_check(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ready = Vec::new();
    for _ in 0..20 {
        let c = app.client();
        let csrf = c.csrf().await;
        ready.push((c, csrf));
    }
    // Every counted guess is made after this instant, so the wait it starts runs at least
    // until `started` + the first backoff.
    let started = Instant::now();
    let guesses = ready
        .iter()
        .map(|(c, csrf)| sign_in_from(c, csrf, VIEWER.email, "wrong guess", None));
    let outcomes = futures_util::future::join_all(guesses).await;
    let checked = outcomes
        .iter()
        .filter(|l| *l == "/signin?error=invalid")
        .count();
    let locked = outcomes
        .iter()
        .filter(|l| *l == "/signin?error=locked")
        .count();
    assert_eq!(checked + locked, 20, "{outcomes:?}");
    let max = usize::try_from(app::session::api::MAX_FAILURES).unwrap_or(usize::MAX);
    assert!(
        checked <= max,
        "{checked} parallel guesses reached the password check; at most {max} may"
    );
    // The real password from the attacking address must wait too, while the wait lasts: on a
    // machine so loaded that the 20 answers took longer than the first backoff (10 s; seen
    // once in a full run), the wait may be over and the assertion says nothing.
    let c = app.client();
    let csrf = c.csrf().await;
    let asked_after = started.elapsed();
    let real = sign_in_from(&c, &csrf, VIEWER.email, VIEWER.password, None).await;
    let first_wait = u64::try_from(app::session::api::SIGN_IN_BACKOFF_BASE_SECS).unwrap_or(0);
    if asked_after < Duration::from_secs(first_wait) {
        assert_eq!(
            real, "/signin?error=locked",
            "asked {asked_after:?} after the guesses began"
        );
    } else {
        eprintln!("the guesses took {asked_after:?}: past the first wait, the lock is not checked");
    }
}

/// An attacker fails 20 times on the owner's email from one address (through the trusted
/// proxy); the owner, from another address, signs in at once; the attacker is still slowed.
async fn owner_signs_in_from_elsewhere_during_an_attack(backend: Backend) {
    let app = spawn_app_configured(backend, demo::SeedOptions::default(), |c| {
        c.limits.trusted_proxies = vec![std::net::IpAddr::from([127, 0, 0, 1])];
    })
    .await;
    let attacker = app.client();
    let csrf = attacker.csrf().await;
    let mut outcomes = Vec::new();
    for i in 0..20 {
        let guess = format!("guess {i}");
        outcomes
            .push(sign_in_from(&attacker, &csrf, OWNER.email, &guess, Some("203.0.113.66")).await);
    }
    assert!(
        outcomes.iter().all(|l| l.starts_with("/signin?error=")),
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().any(|l| l == "/signin?error=locked"),
        "the attacker is slowed: {outcomes:?}"
    );
    let owner = app.client();
    let csrf = owner.csrf().await;
    let t = Instant::now();
    let landed = sign_in_from(
        &owner,
        &csrf,
        OWNER.email,
        OWNER.password,
        Some("198.51.100.20"),
    )
    .await;
    assert_eq!(landed, "/accounts", "the owner is not locked out");
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "at once: {:?}",
        t.elapsed()
    );
    // The owner's session works.
    assert_eq!(owner.get("/accounts").await.status(), 200);
    // The attacker's address still waits, even with the right password.
    let csrf = attacker.csrf().await;
    assert_eq!(
        sign_in_from(
            &attacker,
            &csrf,
            OWNER.email,
            OWNER.password,
            Some("203.0.113.66")
        )
        .await,
        "/signin?error=locked"
    );
}

//! Agent identity over real HTTP: client credentials, token exchange, introspection,
//! revocation, the tamper suite, RFC error shapes and cross-process revocation on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use charter_server::tokens::attenuation::{Restriction, attenuate};
use charter_server::tokens::{Claims, RequestFacts, TokenConfig, TokenError, TokenService};
use charter_store::model::*;
use charter_store::revocation::Revoked;
use charter_store::{DynStore, GrantChange, NewAgent, NewGrant};
use chrono::{Duration, Utc};
use common::{Backend, TestApp, spawn_app};
use serde_json::{Value, json};

const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";

/// A fresh partner with one application, three agents (parent, child, grandchild), a secret
/// for each, and a grant for the parent on Northwind with an explicit policy.
struct Fixture {
    app: TestApp,
    adv: Advertiser,
    partner: PartnerId,
    agents: Vec<(Agent, String)>,
}

fn actor() -> Actor {
    Actor::System {
        label: "identity test".into(),
    }
}

fn parent_policy(adv: &Advertiser) -> String {
    let acct = format!("arn:ads:us:{}", adv.id);
    json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Sid": "Read", "Effect": "Allow", "Action": ["sp:Get*", "sp:List*"], "Resource": format!("{acct}:*") },
            { "Sid": "Bids", "Effect": "Allow", "Action": "sp:UpdateKeywords", "Resource": format!("{acct}:keyword/*") },
            { "Sid": "NoDelete", "Effect": "Deny", "Action": "sp:Delete*", "Resource": "*" }
        ]
    })
    .to_string()
}

async fn fixture(backend: Backend) -> Fixture {
    fixture_with(backend, |_| {}).await
}

/// [`fixture`] on a server whose config `configure` adjusts (e.g. its rate limits).
async fn fixture_with(
    backend: Backend,
    configure: impl FnOnce(&mut charter_server::Config),
) -> Fixture {
    let app = common::spawn_app_configured(
        backend,
        charter_server::demo::SeedOptions::default(),
        configure,
    )
    .await;
    let store = app.store.clone();
    let adv = app.advertiser(charter_server::demo::NORTHWIND).await;
    let partner = store
        .create_partner(
            &actor(),
            &Name::parse("name", &format!("Test Partner {}", ulid::Ulid::new())).unwrap(),
            PartnerKind::ToolVendor,
        )
        .await
        .unwrap();
    let application = store
        .create_application(
            &actor(),
            &partner.id,
            &Name::parse("name", "Delegating App").unwrap(),
            "test",
        )
        .await
        .unwrap();
    let mut agents = Vec::new();
    for n in ["Parent", "Child", "Grandchild"] {
        let agent = store
            .create_agent(
                &actor(),
                &partner.id,
                NewAgent {
                    application: application.id.clone(),
                    name: Name::parse("name", n).unwrap(),
                    description: String::new(),
                    purposes: vec![Purpose::BidOptimization],
                    party: Party::ThirdParty,
                },
            )
            .await
            .unwrap();
        let secret = store
            .create_client_secret(&actor(), &partner.id, &agent.id)
            .await
            .unwrap();
        agents.push((agent, secret.secret));
    }
    store
        .create_grant(
            &actor(),
            NewGrant {
                advertiser_id: adv.id.clone(),
                agent_id: agents[0].0.id.clone(),
                purpose: Purpose::BidOptimization,
                status: GrantStatus::Active,
                created_at: Utc::now(),
                expires_at: Some(Utc::now() + Duration::days(30)),
                not_before: None,
                policy: Some(parent_policy(&adv)),
            },
        )
        .await
        .unwrap();
    Fixture {
        app,
        adv,
        partner: partner.id,
        agents,
    }
}

impl Fixture {
    fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }
    fn url(&self, p: &str) -> String {
        format!("{}{p}", self.app.base)
    }
    fn resource(&self) -> String {
        format!("urn:charter:account:{}", self.adv.id)
    }
    /// POSTs a form with client_secret_post for agent `i`.
    async fn post(&self, path: &str, i: usize, params: &[(&str, &str)]) -> (u16, Value) {
        let (agent, secret) = &self.agents[i];
        let mut form: Vec<(&str, &str)> =
            vec![("client_id", agent.id.as_str()), ("client_secret", secret)];
        form.extend_from_slice(params);
        let res = self
            .http()
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
    async fn root_token(&self) -> String {
        let (s, v) = self
            .post(
                "/oauth/token",
                0,
                &[
                    ("grant_type", "client_credentials"),
                    ("resource", &self.resource()),
                ],
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v["access_token"].as_str().unwrap().to_string()
    }
    async fn exchange(&self, i: usize, subject: &str, policy: &str) -> (u16, Value) {
        self.post(
            "/oauth/token",
            i,
            &[
                ("grant_type", TOKEN_EXCHANGE),
                ("subject_token", subject),
                ("subject_token_type", ACCESS),
                ("policy", policy),
            ],
        )
        .await
    }
    async fn introspect(&self, token: &str) -> Value {
        let (s, v) = self.post("/oauth/introspect", 0, &[("token", token)]).await;
        assert_eq!(s, 200, "{v}");
        v
    }
    /// A verifier over the same store and keys as the server.
    async fn service(&self, max_depth: u32) -> TokenService {
        TokenService::load(
            self.app.store.clone(),
            TokenConfig {
                max_depth,
                issuer: self.app.base.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
    }
}

fn child_policy(adv: &Advertiser, actions: &[&str], resource: &str) -> String {
    let _ = adv;
    json!({ "Statement": [{ "Sid": "Child", "Effect": "Allow", "Action": actions, "Resource": resource }] }).to_string()
}

async fn client_credentials_flow(backend: Backend) {
    let f = fixture(backend).await;
    // Basic authentication (RFC 6749 §2.3.1).
    let (agent, secret) = &f.agents[0];
    let res = f
        .http()
        .post(f.url("/oauth/token"))
        .basic_auth(agent.id.as_str(), Some(secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("resource", &f.resource()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    let ttl = body["expires_in"].as_i64().unwrap();
    assert!((1..=900).contains(&ttl), "ttl {ttl}");
    assert_eq!(body["scope"], "bid_optimization");
    let token = body["access_token"].as_str().unwrap();

    // The JWKS publishes the key the token names, and the token verifies offline with it.
    let jwks: Value = f
        .http()
        .get(f.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    let x = URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap()).unwrap();
    let public =
        biscuit_auth::PublicKey::from_bytes(&x, biscuit_auth::builder::Algorithm::Ed25519).unwrap();
    let parsed = biscuit_auth::Biscuit::from_base64(token, public).unwrap();
    assert_eq!(
        parsed.root_key_id().map(|k| k.to_string()),
        key["kid"].as_str().map(str::to_string)
    );

    // Introspection (RFC 7662) by a client of the same partner.
    let info = f.introspect(token).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["sub"], agent.id.as_str());
    assert_eq!(info["aud"], f.resource());
    assert_eq!(info["depth"], 0);

    // A wrong secret, a revoked secret, an unknown client: 401 invalid_client.
    let (s, v) = f
        .http()
        .post(f.url("/oauth/token"))
        .basic_auth(
            agent.id.as_str(),
            Some("sec_01JABCDEFGHJKMNPQRSTVWXYZ0.nope"),
        )
        .form(&[
            ("grant_type", "client_credentials"),
            ("resource", &f.resource()),
        ])
        .send()
        .await
        .map(|r| {
            (
                r.status().as_u16(),
                r.headers().get("www-authenticate").cloned(),
            )
        })
        .unwrap();
    assert_eq!(s, 401);
    assert_eq!(v.unwrap(), "Basic realm=\"charter\"");

    // Rotation: a second secret works alongside the first, a third is refused, and a
    // revoked secret stops working at once.
    let store = &f.app.store;
    let second = store
        .create_client_secret(&actor(), &f.partner, &agent.id)
        .await
        .unwrap();
    let third = store
        .create_client_secret(&actor(), &f.partner, &agent.id)
        .await;
    assert!(matches!(third, Err(charter_store::StoreError::Conflict(_))));
    let secrets = store.client_secrets(&f.partner, &agent.id).await.unwrap();
    let first_id = secrets
        .iter()
        .find(|s| s.id != second.info.id)
        .unwrap()
        .id
        .clone();
    store
        .revoke_client_secret(&actor(), &f.partner, &agent.id, &first_id)
        .await
        .unwrap();
    let (s, v) = f
        .post(
            "/oauth/token",
            0,
            &[
                ("grant_type", "client_credentials"),
                ("resource", &f.resource()),
            ],
        )
        .await;
    assert_eq!((s, v["error"].as_str()), (401, Some("invalid_client")));
    let res = f
        .http()
        .post(f.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("resource", &f.resource()),
            ("client_id", agent.id.as_str()),
            ("client_secret", &second.secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Secrets are stored only as argon2id hashes.
    let hashes: Vec<String> = match &f.app.db.pool {
        charter_store::Pool::Sqlite(p) => {
            sqlx::query_scalar("SELECT secret_hash FROM client_secrets")
                .fetch_all(p)
                .await
                .unwrap()
        }
        charter_store::Pool::Postgres(p) => {
            sqlx::query_scalar("SELECT secret_hash FROM client_secrets")
                .fetch_all(p)
                .await
                .unwrap()
        }
    };
    // Client secrets are stored as their keyed hash (issue 10, item 6), never in clear.
    assert!(
        hashes.iter().all(|h| h.starts_with("hmac-sha256$")),
        "{hashes:?}"
    );
    assert!(!hashes.iter().any(|h| h.contains(&second.secret)));

    // Every issued token is audited on the account.
    let events = f.app.events(&f.adv.id).await;
    assert!(events.iter().filter(|e| e.action == "token.issued").count() >= 2);
}

async fn rfc_error_shapes(backend: Backend) {
    let f = fixture(backend).await;
    let check = |(s, v): (u16, Value), status: u16, code: &str| {
        assert_eq!(s, status, "{v}");
        assert_eq!(v["error"], code, "{v}");
        assert!(
            v["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{v}"
        );
    };
    check(
        f.post("/oauth/token", 0, &[("grant_type", "password")])
            .await,
        400,
        "unsupported_grant_type",
    );
    check(f.post("/oauth/token", 0, &[]).await, 400, "invalid_request");
    check(
        f.post("/oauth/token", 0, &[("grant_type", "client_credentials")])
            .await,
        400,
        "invalid_target",
    );
    check(
        f.post(
            "/oauth/token",
            0,
            &[
                ("grant_type", "client_credentials"),
                (
                    "resource",
                    "urn:charter:account:adv_01JABCDEFGHJKMNPQRSTVWXYZ0",
                ),
            ],
        )
        .await,
        400,
        "invalid_target",
    );
    check(
        f.post(
            "/oauth/token",
            0,
            &[
                ("grant_type", "client_credentials"),
                ("resource", "https://elsewhere"),
            ],
        )
        .await,
        400,
        "invalid_target",
    );
    check(
        f.post(
            "/oauth/token",
            0,
            &[
                ("grant_type", "client_credentials"),
                ("resource", &f.resource()),
                ("scope", "reporting"),
            ],
        )
        .await,
        400,
        "invalid_scope",
    );
    // The child agent holds no grant of its own.
    check(
        f.post(
            "/oauth/token",
            1,
            &[
                ("grant_type", "client_credentials"),
                ("resource", &f.resource()),
            ],
        )
        .await,
        400,
        "invalid_target",
    );
    // Repeated parameters and a JSON body are invalid requests.
    let res = f
        .http()
        .post(f.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    check(
        (res.status().as_u16(), res.json().await.unwrap()),
        400,
        "invalid_request",
    );
    let res = f
        .http()
        .post(f.url("/oauth/token"))
        .json(&json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap();
    check(
        (res.status().as_u16(), res.json().await.unwrap()),
        400,
        "invalid_request",
    );
    // No client authentication at all: 401.
    let res = f
        .http()
        .post(f.url("/oauth/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("www-authenticate"));
    check(
        (res.status().as_u16(), res.json().await.unwrap()),
        401,
        "invalid_client",
    );
    // A revoked grant: invalid_grant.
    f.app
        .store
        .revoke_grant(&actor(), &f.adv.id, &f.agents[0].0.id, None)
        .await
        .unwrap();
    check(
        f.post(
            "/oauth/token",
            0,
            &[
                ("grant_type", "client_credentials"),
                ("resource", &f.resource()),
            ],
        )
        .await,
        400,
        "invalid_grant",
    );
}

async fn exchange_and_revocation(backend: Backend) {
    let f = fixture(backend).await;
    let acct = format!("arn:ads:us:{}", f.adv.id);
    let root = f.root_token().await;

    // A narrower child is minted, carries the act chain and is recorded as a delegation.
    let narrow = child_policy(&f.adv, &["sp:GetCampaign"], &format!("{acct}:campaign/*"));
    let (s, v) = f.exchange(1, &root, &narrow).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["issued_token_type"], ACCESS);
    let child = v["access_token"].as_str().unwrap().to_string();
    let info = f.introspect(&child).await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["sub"], f.agents[1].0.id.as_str());
    assert_eq!(info["act"]["sub"], f.agents[0].0.id.as_str());
    assert_eq!(info["depth"], 1);
    let tree = f
        .app
        .store
        .delegations(&f.adv.id, &f.agents[0].0.id, 10)
        .await
        .unwrap();
    assert_eq!(tree.len(), 1);
    assert_eq!(tree[0].parent_agent_id.as_ref(), Some(&f.agents[0].0.id));

    // A broader child is refused, naming the statement and an example request.
    let broad = child_policy(&f.adv, &["sp:DeleteCampaigns", "sp:GetCampaign"], "*");
    let (s, v) = f.exchange(1, &root, &broad).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("invalid_scope")),
        "{v}"
    );
    let reason = &v["check"]["reasons"][0];
    assert_eq!(reason["statementId"], "Child");
    assert!(reason["example"]["action"].as_str().is_some(), "{v}");
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .contains("statement 0 (`Child`)"),
        "{v}"
    );

    // The parent attenuates offline; an exchange must then also fit inside the attenuation.
    let svc = f.service(3).await;
    let parsed = svc.verify(&root, None, None, Utc::now()).await.unwrap();
    let attenuated = attenuate(
        &parsed.biscuit,
        &[Restriction::Operations(vec!["sp:ListCampaigns".into()])],
    )
    .unwrap()
    .to_base64()
    .unwrap();
    let (s, v) = f.exchange(1, &attenuated, &narrow).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("invalid_scope")),
        "{v}"
    );
    assert!(
        v["error_description"].as_str().unwrap().contains("block 1"),
        "{v}"
    );
    let list_only = child_policy(&f.adv, &["sp:ListCampaigns"], &format!("{acct}:*"));
    let (s, v) = f.exchange(1, &attenuated, &list_only).await;
    assert_eq!(s, 200, "{v}");

    // Grandchild, then depth over the limit with max depth 1 at verification.
    let (s, v) = f.exchange(2, &child, &narrow).await;
    assert_eq!(s, 200, "{v}");
    let grandchild = v["access_token"].as_str().unwrap().to_string();
    let strict = f.service(1).await;
    assert!(matches!(
        strict.verify(&grandchild, None, None, Utc::now()).await,
        Err(TokenError::DepthExceeded { depth: 2, max: 1 })
    ));
    // The holder itself cannot be the actor, nor can a former actor.
    let (s, _) = f.exchange(0, &child, &narrow).await;
    assert_eq!(s, 400);

    // RFC 7009: the child revokes its own token; its descendants die with it.
    let (s, _) = f.post("/oauth/revoke", 1, &[("token", &child)]).await;
    assert_eq!(s, 200);
    assert_eq!(f.introspect(&child).await["active"], false);
    assert_eq!(f.introspect(&grandchild).await["active"], false);
    assert_eq!(f.introspect(&root).await["active"], true);

    // Revoking the grant kills the root and everything delegated from it, on the next request.
    let (s, v) = f.exchange(1, &root, &narrow).await;
    assert_eq!(s, 200, "{v}");
    let second_child = v["access_token"].as_str().unwrap().to_string();
    f.app
        .store
        .revoke_grant(&actor(), &f.adv.id, &f.agents[0].0.id, Some("test"))
        .await
        .unwrap();
    for t in [&root, &second_child, &attenuated] {
        assert_eq!(f.introspect(t).await["active"], false);
        assert!(matches!(
            svc.verify(t, None, None, Utc::now()).await,
            Err(TokenError::Revoked(Revoked::GrantRevoked))
        ));
    }
}

async fn private_key_jwt(backend: Backend) {
    use ed25519_dalek::Signer;
    let f = fixture(backend).await;
    let signing = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes());
    let agent = &f.agents[0].0;
    f.app
        .store
        .add_client_key(&actor(), &f.partner, &agent.id, "k1", &x)
        .await
        .unwrap();
    let assertion = |jti: &str, aud: &str| {
        let h = URL_SAFE_NO_PAD
            .encode(json!({ "alg": "EdDSA", "kid": "k1", "typ": "JWT" }).to_string());
        let exp = (Utc::now() + Duration::minutes(2)).timestamp();
        let b = URL_SAFE_NO_PAD.encode(
            json!({ "iss": agent.id.as_str(), "sub": agent.id.as_str(), "aud": aud, "exp": exp, "jti": jti }).to_string(),
        );
        let sig = signing.sign(format!("{h}.{b}").as_bytes());
        format!("{h}.{b}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    };
    let token_url = f.url("/oauth/token");
    let send = |jwt: String| {
        let http = f.http();
        let url = token_url.clone();
        let resource = f.resource();
        async move {
            let res = http
                .post(url)
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("resource", resource.as_str()),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", jwt.as_str()),
                ])
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let ok = assertion("a1", &token_url);
    assert_eq!(send(ok.clone()).await.0, 200);
    // Replayed, wrong audience, tampered: all invalid_client.
    let (s, v) = send(ok).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (401, Some("invalid_client")),
        "{v}"
    );
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .contains("replayed")
    );
    assert_eq!(
        send(assertion("a2", "https://elsewhere/oauth/token"))
            .await
            .0,
        401
    );
    let mut tampered = assertion("a3", &token_url);
    tampered.replace_range(tampered.len() - 5.., "AAAAA");
    assert_eq!(send(tampered).await.0, 401);
}

/// The tamper suite: every altered or out-of-bounds token is rejected with a clear error.
async fn tamper_suite(backend: Backend) {
    let f = fixture(backend).await;
    let svc = f.service(3).await;
    let root = f.root_token().await;
    let now = Utc::now();
    let ok = svc.verify(&root, None, None, now).await.unwrap();
    assert_eq!(ok.claims.agent, f.agents[0].0.id);

    // An altered block: flip one byte in the middle of the serialized token.
    let mut bytes = URL_SAFE_NO_PAD
        .decode(root.trim_end_matches('='))
        .unwrap_or_else(|_| {
            base64::engine::general_purpose::URL_SAFE
                .decode(&root)
                .unwrap()
        });
    let mid = bytes.len() / 3;
    bytes[mid] ^= 0x01;
    let altered = base64::engine::general_purpose::URL_SAFE.encode(&bytes);
    let err = svc.verify(&altered, None, None, now).await.unwrap_err();
    assert!(
        matches!(err, TokenError::BadSignature | TokenError::Malformed(_)),
        "{err}"
    );

    // A wrong key: a token minted by another key ring with the same key id.
    let other_dir = common::spawn_app(Backend::Sqlite).await;
    let foreign = TokenService::load(other_dir.store.clone(), TokenConfig::default())
        .await
        .unwrap();
    let claims = ok.claims.clone();
    let forged = foreign.mint(&claims).unwrap();
    assert_eq!(
        svc.verify(&forged, None, None, now).await.unwrap_err(),
        TokenError::BadSignature
    );

    // Expired and not yet valid (time moves, the token does not).
    assert!(matches!(
        svc.verify(&root, None, None, now + Duration::minutes(16))
            .await,
        Err(TokenError::Expired(_))
    ));
    assert!(matches!(
        svc.verify(&root, None, None, now - Duration::minutes(5))
            .await,
        Err(TokenError::NotYetValid(_))
    ));

    // Wrong audience: presented for another account.
    let halcyon = f.app.advertiser(charter_server::demo::HALCYON).await;
    assert!(matches!(
        svc.verify(&root, Some(&halcyon.id), None, now).await,
        Err(TokenError::WrongAudience { .. })
    ));

    // Attenuation is enforced on requests: operations and amounts.
    let narrowed = attenuate(
        &ok.biscuit,
        &[
            Restriction::Operations(vec!["sp:GetCampaign".into()]),
            Restriction::MaxAmount(500),
        ],
    )
    .unwrap()
    .to_base64()
    .unwrap();
    let req = |op: &str, amount: i64| RequestFacts {
        operation: op.into(),
        resource: format!("arn:ads:us:{}:campaign/1", f.adv.id),
        amount,
        intent: Some(Purpose::BidOptimization),
    };
    assert!(
        svc.verify(&narrowed, None, Some(&req("sp:GetCampaign", 0)), now)
            .await
            .is_ok()
    );
    // A request declaring another intent than the grant's purpose is denied with that reason.
    let reporting = RequestFacts {
        intent: Some(Purpose::Reporting),
        ..req("sp:GetCampaign", 0)
    };
    let err = svc
        .verify(&narrowed, None, Some(&reporting), now)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "intent_outside_purpose");
    assert!(
        err.to_string()
            .contains("`reporting` is outside the grant's purpose `bid_optimization`"),
        "{err}"
    );
    assert!(matches!(
        svc.verify(&narrowed, None, Some(&req("sp:UpdateKeywords", 0)), now)
            .await,
        Err(TokenError::Attenuation { block: 1, .. })
    ));
    assert!(matches!(
        svc.verify(&narrowed, None, Some(&req("sp:GetCampaign", 501)), now)
            .await,
        Err(TokenError::Attenuation { block: 1, .. })
    ));
    // ...and token-wide attenuations (an earlier expiry) hold everywhere.
    let short = attenuate(
        &ok.biscuit,
        &[Restriction::ExpiresBefore(now + Duration::minutes(1))],
    )
    .unwrap()
    .to_base64()
    .unwrap();
    assert!(svc.verify(&short, None, None, now).await.is_ok());
    assert!(matches!(
        svc.verify(&short, None, None, now + Duration::minutes(2))
            .await,
        Err(TokenError::Attenuation { block: 1, .. })
    ));

    // An unverified third-party block.
    let external = biscuit_auth::KeyPair::new();
    let request = ok.biscuit.third_party_request().unwrap();
    let block = request
        .create_block(
            &external.private(),
            biscuit_auth::builder::BlockBuilder::new()
                .fact("external(true)")
                .unwrap(),
        )
        .unwrap();
    let third = ok
        .biscuit
        .append_third_party(external.public(), block)
        .unwrap()
        .to_base64()
        .unwrap();
    assert_eq!(
        svc.verify(&third, None, None, now).await.unwrap_err(),
        TokenError::ThirdPartyBlock
    );

    // Revoked, and an attenuated child of a revoked token.
    let (s, _) = f.post("/oauth/revoke", 0, &[("token", &root)]).await;
    assert_eq!(s, 200);
    let jti = ok.claims.jti.to_string();
    assert_eq!(
        svc.verify(&root, None, None, now).await.unwrap_err(),
        TokenError::Revoked(Revoked::TokenRevoked(jti.clone()))
    );
    assert_eq!(
        svc.verify(&short, None, None, now).await.unwrap_err(),
        TokenError::Revoked(Revoked::TokenRevoked(jti))
    );

    // Garbage never panics.
    for junk in ["", "not a token", "EiAA", &"A".repeat(20_000)] {
        assert!(svc.verify(junk, None, None, now).await.is_err());
    }
    // Depth over the limit.
    let deep = Claims { depth: 4, ..claims };
    let minted = svc.mint(&deep).unwrap();
    assert!(matches!(
        svc.verify(&minted, None, None, now).await,
        Err(TokenError::DepthExceeded { depth: 4, max: 3 })
    ));
}

/// A new grant version invalidates older tokens (they bind the version).
async fn grant_version_change(backend: Backend) {
    let f = fixture(backend).await;
    let root = f.root_token().await;
    let svc = f.service(3).await;
    assert!(svc.verify(&root, None, None, Utc::now()).await.is_ok());
    let narrowed = child_policy(&f.adv, &["sp:ListCampaigns"], "*");
    let g = f
        .app
        .store
        .update_grant(
            &actor(),
            &f.adv.id,
            &f.agents[0].0.id,
            GrantChange {
                purpose: Purpose::BidOptimization,
                policy: Some(narrowed),
                not_before: None,
                expires_at: None,
                note: Some("narrowed".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(g.version, 2);
    assert_eq!(
        svc.verify(&root, None, None, Utc::now()).await.unwrap_err(),
        TokenError::Revoked(Revoked::GrantChanged { current: 2 })
    );
    let versions = f
        .app
        .store
        .grant_versions(&f.adv.id, &f.agents[0].0.id)
        .await
        .unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    // A fresh token carries version 2.
    let fresh = f.root_token().await;
    assert_eq!(
        svc.verify(&fresh, None, None, Utc::now())
            .await
            .unwrap()
            .claims
            .grant_version,
        2
    );
}

/// Revoking all agents of a partner on the account kills their tokens on the next request.
async fn revoke_partner_on_account(backend: Backend) {
    let f = fixture(backend).await;
    let root = f.root_token().await;
    assert_eq!(f.introspect(&root).await["active"], true);
    let n = f
        .app
        .store
        .revoke_partner(&actor(), &f.adv.id, &f.partner, Some("offboarding"))
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(f.introspect(&root).await["active"], false);
    let events = f.app.events(&f.adv.id).await;
    assert!(events.iter().any(|e| e.action == "account.revoke_partner"));
}

backend_tests!(
    disabled_agent_is_stopped_everywhere,
    revoke_partner_on_account,
    client_credentials_flow,
    rfc_error_shapes,
    exchange_and_revocation,
    private_key_jwt,
    tamper_suite,
    grant_version_change,
);

/// Two `charter serve` processes' worth of state on one PostgreSQL database: a revocation
/// committed through one reaches the other's index by LISTEN/NOTIFY.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_process_revocation_on_postgres() {
    let f = fixture(Backend::Postgres).await;
    let url = match &f.app.db.pool {
        charter_store::Pool::Postgres(p) => p
            .connect_options()
            .get_database()
            .map(str::to_string)
            .unwrap(),
        charter_store::Pool::Sqlite(_) => unreachable!(),
    };
    // A second, independent server on the same database (its own pool, store and index).
    let second = common::serve_second(&format!("postgres://postgres@127.0.0.1:5432/{url}")).await;
    let root = f.root_token().await;
    let introspect_on = |base: String| {
        let (agent, secret) = f.agents[0].clone();
        let root = root.clone();
        async move {
            let v: Value = reqwest::Client::new()
                .post(format!("{base}/oauth/introspect"))
                .form(&[
                    ("client_id", agent.id.as_str()),
                    ("client_secret", secret.as_str()),
                    ("token", root.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["active"].as_bool().unwrap()
        }
    };
    assert!(introspect_on(second.base.clone()).await);
    let second_store: DynStore = second.store.clone();
    let svc_second = TokenService::load(second_store.clone(), TokenConfig::default())
        .await
        .unwrap();
    let parsed = svc_second
        .verify(&root, None, None, Utc::now())
        .await
        .unwrap();
    // Revoke through the first process's store; measure until the second denies.
    let start = std::time::Instant::now();
    f.app
        .store
        .revoke_grant(
            &actor(),
            &f.adv.id,
            &f.agents[0].0.id,
            Some("cross-process"),
        )
        .await
        .unwrap();
    loop {
        if svc_second
            .check_revocation(&parsed.claims, Utc::now())
            .await
            .is_err()
        {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "no notification within 2 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    eprintln!("cross-process revoke→deny: {:?}", start.elapsed());
    assert!(!introspect_on(second.base.clone()).await);
}

/// SplitMix64, seeded: the property test is reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() % v.len() as u64) as usize]
    }
}

/// Property: no exchange ever mints a child broader than its parent. Random child policies
/// are sent through the real endpoint; every minted child is checked against the parent by the
/// evaluator over a request universe, and every refusal's example request is confirmed to be
/// allowed by the child and denied by the parent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_exchange_mints_a_broader_child() {
    // 150 exchanges by one client from one address in a few seconds: far past the default
    // rate limits, which this property test is not about.
    let f = fixture_with(Backend::Sqlite, |c| {
        let generous = charter_server::limits::RateLimit {
            per_minute: 60_000,
            burst: 1_000,
        };
        c.limits.oauth_per_client = generous;
        c.limits.oauth_per_address = generous;
    })
    .await;
    let acct = format!("arn:ads:us:{}", f.adv.id);
    let parent = authz::parse_policy(&parent_policy(&f.adv)).unwrap();
    let root = f.root_token().await;
    let actions = [
        "sp:GetCampaign",
        "sp:ListCampaigns",
        "sp:UpdateKeywords",
        "sp:DeleteCampaigns",
        "sp:Get*",
        "sp:List*",
        "sp:*",
        "sp:Update*",
        "reports:GetReport",
        "*",
    ];
    let resources = [
        format!("{acct}:*"),
        format!("{acct}:keyword/*"),
        format!("{acct}:keyword/7"),
        format!("{acct}:campaign/1"),
        "arn:ads:us:adv_OTHER:*".to_string(),
        "*".to_string(),
    ];
    let universe_actions = [
        "sp:GetCampaign",
        "sp:ListCampaigns",
        "sp:UpdateKeywords",
        "sp:DeleteCampaigns",
        "sp:GetKeyword",
        "sp:UpdateCampaigns",
        "reports:GetReport",
        "billing:GetInvoice",
    ];
    let universe_resources = [
        format!("{acct}:keyword/7"),
        format!("{acct}:campaign/1"),
        format!("{acct}:report/3"),
        "arn:ads:us:adv_OTHER:campaign/1".to_string(),
        "x".to_string(),
    ];
    let mut rng = Rng(0x5EED_CAFE);
    let (mut minted, mut refused) = (0, 0);
    for _ in 0..150 {
        let n = 1 + rng.next() % 3;
        let mut statements = Vec::new();
        for i in 0..n {
            let effect = if i > 0 && rng.next().is_multiple_of(4) {
                "Deny"
            } else {
                "Allow"
            };
            let acts: Vec<&str> = (0..1 + rng.next() % 2)
                .map(|_| *rng.pick(&actions))
                .collect();
            statements.push(json!({ "Sid": format!("S{i}"), "Effect": effect, "Action": acts, "Resource": rng.pick(&resources) }));
        }
        let text = json!({ "Statement": statements }).to_string();
        let child = authz::parse_policy(&text).unwrap();
        let (s, v) = f.exchange(1, &root, &text).await;
        if s == 200 {
            minted += 1;
            for a in universe_actions {
                for r in &universe_resources {
                    let req = authz::Request::new(f.agents[1].0.id.as_str(), a, r);
                    if authz::is_allowed(&[&child], &req) {
                        assert!(
                            authz::is_allowed(&[&parent], &req),
                            "child {text} allows {a} on {r}, parent does not"
                        );
                    }
                }
            }
        } else {
            assert_eq!(
                (s, v["error"].as_str()),
                (400, Some("invalid_scope")),
                "{v}"
            );
            refused += 1;
            let ex = &v["check"]["reasons"][0]["example"];
            let req = authz::Request::new(
                ex["principal"].as_str().unwrap(),
                ex["action"].as_str().unwrap(),
                ex["resource"].as_str().unwrap(),
            );
            assert!(
                authz::is_allowed(&[&child], &req),
                "example not allowed by the child: {v}"
            );
            assert!(
                !authz::is_allowed(&[&parent], &req),
                "example allowed by the parent: {v}"
            );
        }
    }
    eprintln!("{minted} minted, {refused} refused");
    assert!(
        minted >= 10 && refused >= 10,
        "{minted} minted, {refused} refused: the generator must exercise both"
    );
}

/// A demo grant has no explicit policy: its scope is the purpose template for the account, and
/// delegation is proved against that template (the README's flow).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_grant_scope_is_the_purpose_template() {
    let app = spawn_app(Backend::Sqlite).await;
    let adv = app.advertiser(charter_server::demo::NORTHWIND).await;
    let q = AgentQuery::parse(Some("Bid Pilot"), None, Some("active"), None).unwrap();
    let row = app
        .store
        .list_agent_grants(&adv.id, &q)
        .await
        .unwrap()
        .items
        .remove(0);
    let ident = app
        .store
        .agent_identity(&row.agent_id)
        .await
        .unwrap()
        .unwrap();
    let apps = app
        .store
        .applications_with_agents(&ident.partner_id)
        .await
        .unwrap();
    let sibling = apps
        .iter()
        .flat_map(|a| a.agents.iter())
        .find(|a| a.application_id == ident.agent.application_id && a.id != row.agent_id)
        .unwrap()
        .clone();
    let mut secrets = Vec::new();
    for id in [&row.agent_id, &sibling.id] {
        secrets.push(
            app.store
                .create_client_secret(&actor(), &ident.partner_id, id)
                .await
                .unwrap()
                .secret,
        );
    }
    let http = reqwest::Client::new();
    let v: Value = http
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(row.agent_id.as_str(), Some(&secrets[0]))
        .form(&[
            ("grant_type", "client_credentials"),
            ("resource", &format!("urn:charter:account:{}", adv.id)),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = v["access_token"].as_str().unwrap().to_string();
    let exchange = |policy: String| {
        let http = http.clone();
        let url = format!("{}/oauth/token", app.base);
        let (id, secret, token) = (sibling.id.to_string(), secrets[1].clone(), token.clone());
        async move {
            let res = http
                .post(url)
                .basic_auth(id, Some(secret))
                .form(&[
                    ("grant_type", TOKEN_EXCHANGE),
                    ("subject_token", token.as_str()),
                    ("subject_token_type", ACCESS),
                    ("policy", policy.as_str()),
                ])
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let mkt = adv.marketplace.code().to_ascii_lowercase();
    let within = json!({ "Statement": [{ "Effect": "Allow", "Action": "sp:ListCampaigns", "Resource": format!("arn:ads:{mkt}:{}:*", adv.id) }] });
    let (s, v) = exchange(within.to_string()).await;
    assert_eq!(s, 200, "{v}");
    // Billing is outside bid optimization's template.
    let billing = json!({ "Statement": [{ "Sid": "Bill", "Effect": "Allow", "Action": "billing:*", "Resource": "*" }] });
    let (s, v) = exchange(billing.to_string()).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("invalid_scope")),
        "{v}"
    );
    assert_eq!(v["check"]["reasons"][0]["statementId"], "Bill");
}

/// Key rotation: new tokens carry the new key id, older tokens keep verifying until their key
/// is retired, and the JWKS publishes exactly the live keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_keys_rotate_and_retire() {
    let f = fixture(Backend::Sqlite).await;
    let old = f.root_token().await;
    let svc = f.service(3).await;
    let old_kid = svc.keys.active().0;
    let new_kid = svc.keys.rotate(&*f.app.store).await.unwrap();
    assert_ne!(old_kid, new_kid);
    let claims = svc
        .verify(&old, None, None, Utc::now())
        .await
        .unwrap()
        .claims;
    let fresh = svc
        .mint(&Claims {
            jti: TokenId::generate(),
            ..claims
        })
        .unwrap();
    let parsed = svc.verify(&fresh, None, None, Utc::now()).await.unwrap();
    assert_eq!(parsed.biscuit.root_key_id(), Some(new_kid));
    assert!(svc.verify(&old, None, None, Utc::now()).await.is_ok());
    let kids: Vec<String> = svc.keys.jwks()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kids, vec![old_kid.to_string(), new_kid.to_string()]);
    svc.keys.retire(&*f.app.store, old_kid).await.unwrap();
    assert_eq!(
        svc.verify(&old, None, None, Utc::now()).await.unwrap_err(),
        TokenError::UnknownKey(old_kid.to_string())
    );
    let kids = svc.keys.jwks()["keys"].as_array().unwrap().len();
    assert_eq!(kids, 1);
    // The running server (another key ring over the same database) learns the new key the
    // first time a token names it, and stops accepting the retired one after reloading.
    assert_eq!(f.introspect(&fresh).await["active"], true);
    let jwks: Value = reqwest::get(f.url("/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(f.introspect(&old).await["active"], false);
}

/// The same across two operating-system processes: a real `charter serve` child process on the
/// test's PostgreSQL database answers introspection; a revocation committed here reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_process_revocation_with_a_second_charter_process() {
    let f = fixture(Backend::Postgres).await;
    let name = match &f.app.db.pool {
        charter_store::Pool::Postgres(p) => p
            .connect_options()
            .get_database()
            .map(str::to_string)
            .unwrap(),
        charter_store::Pool::Sqlite(_) => unreachable!(),
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_charter"))
        .args(["serve", "--no-demo", "--addr", &format!("127.0.0.1:{port}")])
        .env(
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:5432/{name}"),
        )
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start a second charter process");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..300 {
        if let Ok(Some(_)) = child.try_wait() {
            panic!("the second charter process exited");
        }
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _guard = Kill(child);
    assert!(up, "the second charter process did not start");
    let root = f.root_token().await;
    let (agent, secret) = f.agents[0].clone();
    let active = || {
        let (base, root, id, secret) = (
            base.clone(),
            root.clone(),
            agent.id.to_string(),
            secret.clone(),
        );
        async move {
            let v: Value = reqwest::Client::new()
                .post(format!("{base}/oauth/introspect"))
                .form(&[
                    ("client_id", id.as_str()),
                    ("client_secret", secret.as_str()),
                    ("token", root.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["active"].as_bool().unwrap()
        }
    };
    assert!(
        active().await,
        "the second process accepts the first one's token"
    );
    let start = std::time::Instant::now();
    f.app
        .store
        .revoke_grant(&actor(), &f.adv.id, &agent.id, Some("cross-process"))
        .await
        .unwrap();
    // The next request to the other process is denied (argon2id client auth makes each call
    // take a few milliseconds, so poll a handful of times at most).
    let mut denied = false;
    for _ in 0..50 {
        if !active().await {
            denied = true;
            break;
        }
    }
    assert!(denied, "the second process still accepts a revoked token");
    eprintln!(
        "revoked here, denied by the other process after {:?}",
        start.elapsed()
    );
}

/// The partner's kill switch: a disabled agent's tokens (and those delegated from them) are
/// refused on the next request, it cannot authenticate, and enabling it restores both.
async fn disabled_agent_is_stopped_everywhere(backend: Backend) {
    let f = fixture(backend).await;
    let root = f.root_token().await;
    let acct = format!("arn:ads:us:{}", f.adv.id);
    let (s, v) = f
        .exchange(
            1,
            &root,
            &child_policy(&f.adv, &["sp:GetCampaign"], &format!("{acct}:*")),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let child = v["access_token"].as_str().unwrap().to_string();
    let store = &f.app.store;
    store
        .set_agent_status(
            &actor(),
            &f.partner,
            &f.agents[0].0.id,
            AgentStatus::Disabled,
        )
        .await
        .unwrap();
    let svc = f.service(3).await;
    for t in [&root, &child] {
        assert_eq!(
            svc.verify(t, None, None, Utc::now()).await.unwrap_err(),
            TokenError::Revoked(Revoked::AgentDisabled(f.agents[0].0.id.to_string()))
        );
    }
    // The child introspects its own token: inactive.
    let (s, v) = f.post("/oauth/introspect", 1, &[("token", &child)]).await;
    assert_eq!((s, v["active"].as_bool()), (200, Some(false)));
    let (s, v) = f
        .post(
            "/oauth/token",
            0,
            &[
                ("grant_type", "client_credentials"),
                ("resource", &f.resource()),
            ],
        )
        .await;
    assert_eq!((s, v["error"].as_str()), (401, Some("invalid_client")));
    store
        .set_agent_status(&actor(), &f.partner, &f.agents[0].0.id, AgentStatus::Active)
        .await
        .unwrap();
    assert!(svc.verify(&root, None, None, Utc::now()).await.is_ok());
    f.root_token().await;
    // Another partner cannot flip it.
    let other = store
        .create_partner(
            &actor(),
            &Name::parse("name", "Other Partner").unwrap(),
            PartnerKind::Agency,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .set_agent_status(
                &actor(),
                &other.id,
                &f.agents[0].0.id,
                AgentStatus::Disabled
            )
            .await,
        Err(charter_store::StoreError::NotFound)
    ));
}

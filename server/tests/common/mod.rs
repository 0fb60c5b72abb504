//! `spawn_app()`: the real router on 127.0.0.1:0 over a fresh database (a new SQLite file, or a
//! new PostgreSQL database at 127.0.0.1:5432), seeded with the demo data.
#![allow(dead_code)]

use charter_server::{Config, demo};
use charter_store::model::*;
use charter_store::{Db, DynStore};
use reqwest::header::{ACCEPT, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use std::net::SocketAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a story against both backends: `backend_tests!(story_a, story_b);` makes
/// `sqlite::story_a` and `postgres::story_a`, each with its own fresh database. Stories that
/// measure latency go after `alone:` (`backend_tests!(story_a; alone: story_t);`): each runs
/// while no other story of the test binary does.
#[macro_export]
macro_rules! backend_tests {
    ($($story:ident),* $(,)? $(; alone: $($alone:ident),+ $(,)?)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $story() {
                $crate::common::within_deadline(stringify!($story), super::$story(super::common::Backend::Sqlite)).await
            })*
            $($(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $alone() {
                $crate::common::alone_within_deadline(stringify!($alone), super::$alone(super::common::Backend::Sqlite)).await
            })+)?
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $story() {
                $crate::common::within_deadline(stringify!($story), super::$story(super::common::Backend::Postgres)).await
            })*
            $($(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $alone() {
                $crate::common::alone_within_deadline(stringify!($alone), super::$alone(super::common::Backend::Postgres)).await
            })+)?
        }
    };
}

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The longest a story may take. A story that hangs (a lock wait, a lost wakeup) fails with its
/// name instead of stalling the whole run until CI's own limit.
pub const STORY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(300);

/// The longest one HTTP call of a story's client may take. Generous on purpose: on a 2-core
/// machine loaded with builds a debug server's page has taken over 30 s (a slow call is not a
/// failure); a call that never answers still fails here, well inside [`STORY_DEADLINE`].
pub const CLIENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(90);

/// Held shared by every story and exclusively by a story that measures latency.
static MACHINE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

pub async fn within_deadline(name: &str, story: impl std::future::Future<Output = ()>) {
    let _shared = MACHINE.read().await;
    if tokio::time::timeout(STORY_DEADLINE, story).await.is_err() {
        panic!("story `{name}` did not finish within {STORY_DEADLINE:?}");
    }
}

/// [`within_deadline`] for a story that measures latency: no other story of the binary runs
/// meanwhile.
pub async fn alone_within_deadline(name: &str, story: impl std::future::Future<Output = ()>) {
    let _alone = MACHINE.write().await;
    if tokio::time::timeout(STORY_DEADLINE, story).await.is_err() {
        panic!("story `{name}` did not finish within {STORY_DEADLINE:?}");
    }
}

pub struct TestApp {
    /// The database URL (for a second server or the `charter` binary on the same database).
    pub url: String,
    pub addr: SocketAddr,
    pub base: String,
    pub store: DynStore,
    pub db: Db,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    _dir: Option<TempDir>,
    pg_name: Option<String>,
}

/// A temporary directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn database_url(backend: Backend) -> (String, Option<TempDir>, Option<String>) {
    let id = ulid::Ulid::new().to_string().to_lowercase();
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("charter-test-{id}"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let url = format!("sqlite://{}/charter.db", dir.display());
            (url, Some(TempDir(dir)), None)
        }
        Backend::Postgres => {
            let name = format!("charter_test_{id}");
            let admin = sqlx::PgPool::connect(PG_ADMIN_URL)
                .await
                .expect("PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth)");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create test database");
            admin.close().await;
            (
                format!("postgres://postgres@127.0.0.1:5432/{name}"),
                None,
                Some(name),
            )
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, demo::SeedOptions::default()).await
}

pub async fn spawn_app_with(backend: Backend, seed: demo::SeedOptions) -> TestApp {
    spawn_app_configured(backend, seed, |_| {}).await
}

/// [`spawn_app_with`], with the server's [`Config`] adjusted by `configure` (limits, trusted
/// proxies, …) before it starts.
pub async fn spawn_app_configured(
    backend: Backend,
    seed: demo::SeedOptions,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let (url, dir, pg_name) = database_url(backend).await;
    let db = charter_server::prepare_database(&url, false)
        .await
        .expect("prepare database");
    demo::seed(&db.store(), seed).await.expect("seed demo data");
    let (addr, tx) = serve_configured(&url, db.clone(), configure).await;
    TestApp {
        url: url.clone(),
        addr,
        base: format!("http://{addr}"),
        store: db.store(),
        db,
        _shutdown: tx,
        _dir: dir,
        pg_name,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            // Best effort: drop the per-test database from a separate thread and runtime.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                // Bounded: cleanup must never hold up the test run.
                rt.block_on(async move {
                    let drop = async {
                        if let Ok(admin) = sqlx::PgPool::connect(PG_ADMIN_URL).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&admin)
                            .await;
                            admin.close().await;
                        }
                    };
                    if tokio::time::timeout(std::time::Duration::from_secs(20), drop)
                        .await
                        .is_err()
                    {
                        eprintln!("warning: dropping test database {name} timed out");
                    }
                });
            })
            .join();
        }
    }
}

/// A browser-like client: a cookie jar, no automatic redirects.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

pub fn csrf_from_html(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[i..].chars().take_while(|c| *c != '"').collect())
}

impl TestApp {
    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                // No story waits on one call for ever: a call that hangs fails as a timeout.
                .timeout(CLIENT_TIMEOUT)
                .build()
                .expect("client"),
            base: self.base.clone(),
        }
    }

    /// A client signed in as a demo person, with its CSRF token.
    pub async fn signed_in(&self, who: demo::DemoPerson) -> (Client, String) {
        let c = self.client();
        let res = c.sign_in(who.email, who.password).await;
        assert_eq!(
            res.status(),
            302,
            "sign-in as {} should redirect",
            who.email
        );
        assert_eq!(
            res.headers().get(LOCATION).and_then(|v| v.to_str().ok()),
            Some("/accounts")
        );
        let csrf = c.csrf().await;
        (c, csrf)
    }

    pub async fn advertiser(&self, name: &str) -> Advertiser {
        self.store
            .search_advertisers(name, 5)
            .await
            .expect("search")
            .into_iter()
            .find(|a| a.name == name)
            .expect("demo advertiser")
    }

    /// The agent named `name` on the account, with its grant there.
    pub async fn agent_named(&self, adv: &Advertiser, name: &str) -> (Agent, Grant) {
        let q = AgentQuery::parse(Some(name), None, None, None).expect("query");
        let row = self
            .store
            .list_agent_grants(&adv.id, &q)
            .await
            .expect("list")
            .items
            .into_iter()
            .find(|r| r.agent_name == name)
            .unwrap_or_else(|| panic!("{name} on {}", adv.name));
        let detail = self
            .store
            .agent_detail(&adv.id, &row.agent_id)
            .await
            .expect("detail")
            .expect("agent");
        (detail.agent, detail.grant)
    }

    /// The first agent on an account with the given grant status.
    pub async fn agent_with_status(
        &self,
        adv: &AdvertiserId,
        status: GrantStatus,
    ) -> AgentGrantRow {
        let q = AgentQuery::parse(None, None, Some(status.as_str()), None).expect("query");
        self.store
            .list_agent_grants(adv, &q)
            .await
            .expect("list")
            .items
            .into_iter()
            .next()
            .expect("an agent with that status")
    }

    pub async fn events(&self, adv: &AdvertiserId) -> Vec<AuditEvent> {
        self.store
            .advertiser_events(adv, 1, 200)
            .await
            .expect("events")
            .items
    }
}

impl Client {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        let res = self
            .http
            .get(self.url(path))
            .header(ACCEPT, "text/html")
            .send()
            .await;
        self.answered("GET", path, res).await
    }

    /// The response, or a failure that says whether the whole server or only this call stalled
    /// (a fresh connection asks `/healthz` and `/signin`): the evidence a rare hang needs.
    async fn answered(
        &self,
        method: &str,
        path: &str,
        res: reqwest::Result<reqwest::Response>,
    ) -> reqwest::Response {
        let e = match res {
            Ok(r) => return r,
            Err(e) => e,
        };
        let probe = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .build()
            .expect("probe client");
        let mut seen = Vec::new();
        for p in ["/healthz", "/signin"] {
            let t = std::time::Instant::now();
            let r = probe.get(self.url(p)).send().await;
            seen.push(format!(
                "{p}: {} in {:?}",
                r.map_or_else(|e| e.to_string(), |r| r.status().to_string()),
                t.elapsed()
            ));
        }
        panic!(
            "{method} {path}: {e:?}; then, on a new connection, {}",
            seen.join(", ")
        )
    }

    /// The CSRF token of this client's session, as rendered into the sign-in page's form or
    /// the sign-out form.
    pub async fn csrf(&self) -> String {
        let html = self.get("/signin").await.text().await.expect("body");
        csrf_from_html(&html).expect("csrf field on /signin")
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        let csrf = self.csrf().await;
        self.post_html(
            "/api/sign_in",
            &[("email", email), ("password", password), ("csrf", &csrf)],
        )
        .await
    }

    /// A plain HTML form post, as a browser without JavaScript sends it.
    pub async fn post_html(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let res = self
            .http
            .post(self.url(path))
            .header(ACCEPT, "text/html")
            .header("referer", self.url("/accounts"))
            .form(form)
            .send()
            .await;
        self.answered("POST", path, res).await
    }

    /// A server function call as the hydrated app makes it (JSON back).
    pub async fn call(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let res = self
            .http
            .post(self.url(path))
            .header(ACCEPT, "application/json")
            .form(form)
            .send()
            .await;
        self.answered("POST", path, res).await
    }
}

/// The `Location` header of a redirect, or "".
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A no-JavaScript form post to a server function, with the session's CSRF token added.
pub async fn post(
    c: &Client,
    csrf: &str,
    endpoint: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = fields.to_vec();
    form.push(("csrf", csrf));
    c.post_html(endpoint, &form).await
}

pub fn cookie_value(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// A second server process's worth of state on an existing database: its own pool, store,
/// revocation index and listener. Shut down on drop.
pub struct SecondServer {
    pub base: String,
    pub store: DynStore,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub async fn serve_second(url: &str) -> SecondServer {
    let db = charter_server::prepare_database(url, false)
        .await
        .expect("prepare database");
    let store = db.store();
    let (addr, tx) = serve_on_port_0(url, db).await;
    // Wait until it answers (the listener and index are ready before the first request).
    for _ in 0..100 {
        if reqwest::get(format!("http://{addr}/healthz")).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    SecondServer {
        base: format!("http://{addr}"),
        store,
        _shutdown: tx,
    }
}

/// Serves the real router for `db` on 127.0.0.1:0; dropping the sender shuts it down.
async fn serve_on_port_0(url: &str, db: Db) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    serve_configured(url, db, |_| {}).await
}

async fn serve_configured(
    url: &str,
    db: Db,
    configure: impl FnOnce(&mut Config),
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("local addr");
    let mut config = Config {
        database_url: url.to_string(),
        addr,
        site_root: "target/site".into(),
        secure_cookies: false,
        seed_demo: false,
        session_idle: charter_server::time::Duration::hours(1),
        tokens: charter_server::tokens::TokenConfig {
            issuer: format!("http://{addr}"),
            ..Default::default()
        },
        webhooks: charter_server::WebhookPolicy {
            allow_insecure: true,
            ..Default::default()
        },
        limits: Default::default(),
    };
    configure(&mut config);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = charter_server::serve(listener, db, config, async {
            let _ = rx.await;
        })
        .await;
    });
    (addr, tx)
}

//! Charter's server: the axum router around the Leptos app, sessions, and the CLI commands.
//! The binary (`src/main.rs`) is a thin clap front end over this library, which the
//! integration tests drive directly (`spawn_app`).

pub mod alerts;
pub mod audit;
pub mod demo;
pub mod demo_agent;
pub mod gateway;
pub mod limits;
pub mod middleware;
pub mod oauth;
pub mod pdp;
pub mod routes;
pub mod sessions;
pub mod tokens;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use charter_store::{Db, DynStore};
use leptos::prelude::*;
use leptos_axum::LeptosRoutes;
use std::net::SocketAddr;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The default database: a SQLite file under `./data`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/charter.db";

/// Settings for `charter serve`.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub addr: SocketAddr,
    /// Where the compiled site (`pkg/`, static assets) lives.
    pub site_root: String,
    /// Mark cookies `Secure` even over an http issuer (they always are over an https one:
    /// [`Config::cookies_secure`]).
    pub secure_cookies: bool,
    /// Seed demo data into an empty database on start.
    pub seed_demo: bool,
    /// Idle time after which a session ends.
    pub session_idle: time::Duration,
    /// Token lifetime, delegation depth and the public base URL.
    pub tokens: tokens::TokenConfig,
    /// Where breaker-alert webhooks may point (`--allow-insecure-webhooks`), and the resolver.
    pub webhooks: app::enforce::webhook::WebhookPolicy,
    /// Rate limits of the OAuth endpoints and the trusted proxies (see [`limits`]).
    pub limits: limits::Limits,
}

impl Config {
    /// Whether session cookies are marked `Secure`: when asked (`--secure-cookies`), and
    /// whenever the public base URL (the issuer) is https.
    pub fn cookies_secure(&self) -> bool {
        self.secure_cookies || self.tokens.issuer.starts_with("https://")
    }
}

/// Production mode: `charter serve --production`, or an https issuer (Charter is public).
pub fn is_production(production_flag: bool, issuer: &str) -> bool {
    production_flag || issuer.starts_with("https://")
}

/// Whether `charter serve` seeds demo data (people with published passwords, a support login)
/// into an empty database: only with `--demo`, or on the default SQLite database
/// ([`DEFAULT_DATABASE_URL`], a developer's first run); never with `--no-demo` or in
/// production.
pub fn seeds_demo(demo: bool, no_demo: bool, production: bool, database_url: &str) -> bool {
    !no_demo && !production && (demo || database_url == DEFAULT_DATABASE_URL)
}

/// What production mode requires before anything is written: a key-encryption key for the
/// signing keys, and no demo data. The error names the setting to fix.
pub fn check_production(
    production: bool,
    demo: bool,
    key_encryption: Option<&tokens::sealing::KeyEncryptionKey>,
) -> Result<(), String> {
    if !production {
        return Ok(());
    }
    if key_encryption.is_none() {
        return Err(format!(
            "production mode (--production or an https issuer) needs a key-encryption key for \
             the token-signing keys: set {} or {} (generate one with `openssl rand -hex 32`)",
            tokens::sealing::ENV_KEY,
            tokens::sealing::ENV_KEY_FILE
        ));
    }
    if demo {
        return Err(
            "production mode (--production or an https issuer) refuses --demo: demo people have \
             published passwords"
                .into(),
        );
    }
    Ok(())
}

/// The axum state: Leptos options plus the store.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: DynStore,
    /// Decision events go through this group-commit writer (changes are audited by the store,
    /// in their own transaction).
    pub audit: audit::AuditWriter,
}

/// Leptos options from the environment cargo-leptos sets, with Charter's defaults for a plain
/// `cargo build`/`cargo run` (output name `charter`, site under `target/site`).
pub fn leptos_options(addr: SocketAddr, site_root: &str) -> LeptosOptions {
    let mut options = match leptos::config::get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(e) => {
            tracing::warn!(error = %e, "ignoring invalid LEPTOS_* settings");
            LeptosOptions::builder().output_name("charter").build()
        }
    };
    if options.output_name.is_empty() {
        options.output_name = "charter".into();
    }
    options.site_root = site_root.into();
    options.site_addr = addr;
    options
}

/// Connects, migrates (app tables and the session table) and, if asked, seeds demo data into
/// an empty database. A first signing key is stored in plain text: see
/// [`prepare_database_with`].
pub async fn prepare_database(url: &str, seed_demo: bool) -> anyhow_like::Result<Db> {
    prepare_database_with(url, seed_demo, None).await
}

/// [`prepare_database`], storing the first signing key encrypted under `key_encryption`.
pub async fn prepare_database_with(
    url: &str,
    seed_demo: bool,
    key_encryption: Option<tokens::sealing::KeyEncryptionKey>,
) -> anyhow_like::Result<Db> {
    let db = charter_store::connect(url).await?;
    db.migrate().await?;
    sessions::AnySessionStore::new(&db).migrate().await?;
    // The first token-signing key is made here, before any server starts.
    tokens::KeyRing::ensure_one(&*db.store(), key_encryption).await?;
    if seed_demo && db.store().is_empty().await? {
        tracing::info!("empty database: seeding demo data");
        demo::seed(&db.store(), demo::SeedOptions::default()).await?;
    }
    Ok(db)
}

/// Builds the whole application router over a prepared database. `tokens` serves the machine
/// endpoints (OAuth, JWKS), which sit outside the session, CSRF and sign-in layers.
pub fn router(
    db: &Db,
    options: LeptosOptions,
    config: &Config,
    tokens: std::sync::Arc<tokens::TokenService>,
    enforcer: gateway::Enforcer,
) -> Router {
    let store = db.store();
    let session_store = sessions::AnySessionStore::new(db);
    let session_layer = SessionManagerLayer::new(session_store)
        .with_name("charter_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.cookies_secure())
        .with_expiry(Expiry::OnInactivity(config.session_idle));

    let state = AppState {
        leptos_options: options.clone(),
        store: store.clone(),
        audit: enforcer.audit.clone(),
    };
    let context = {
        let store = store.clone();
        let webhooks = config.webhooks.clone();
        move || {
            provide_context(store.clone());
            provide_context(webhooks.clone());
        }
    };
    let ui = Router::new()
        .leptos_routes_with_context(&state, routes::pages(), context.clone(), {
            let options = options.clone();
            move || app::shell(options.clone())
        })
        .route(routes::ACTIVITY_EXPORT, get(audit::export_handler))
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, app::shell))
        .with_state(state)
        .layer(axum::middleware::from_fn(middleware::require_sign_in))
        .layer(axum::middleware::from_fn(middleware::server_fn_errors))
        .layer(session_layer)
        .layer(axum::middleware::from_fn(middleware::check_origin));
    Router::new()
        .route(routes::HEALTHZ, get(|| async { "ok" }))
        .merge(oauth::routes(
            tokens,
            std::sync::Arc::new(limits::OAuthLimiter::new(&config.limits)),
        ))
        // Machine endpoints: bearer tokens, no session or CSRF.
        .merge(pdp::routes(enforcer.clone()))
        .nest(
            gateway::layer::PREFIX,
            gateway::layer::sandbox_router(enforcer, store.clone()),
        )
        .merge(ui)
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::<[std::net::IpAddr]>::from(config.limits.trusted_proxies.clone()),
            limits::resolve_client_addr,
        ))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            middleware::panic_response,
        ))
}

/// Serves on an already-bound listener until the future `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    db: Db,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    let options = leptos_options(addr, &config.site_root);
    let store = db.store();
    // The revocation index is loaded before the first request; on PostgreSQL the listener
    // keeps it current with the other processes (and reloads it after every reconnect).
    store
        .reload_revocations()
        .await
        .map_err(std::io::Error::other)?;
    if let charter_store::Pool::Postgres(pool) = &db.pool {
        charter_store::spawn_revocation_listener(pool.clone(), store.clone());
    }
    let tokens = std::sync::Arc::new(
        tokens::TokenService::load(store.clone(), config.tokens.clone())
            .await
            .map_err(std::io::Error::other)?,
    );
    // Rotations and retirements made by any process reach this one within a second.
    tokens::keys::watch(&tokens, matches!(db.pool, charter_store::Pool::Postgres(_)));
    let audit = audit::AuditWriter::spawn(store.clone());
    let enforcer = gateway::Enforcer::new(tokens.clone(), store.clone(), audit.clone())
        .with_webhook_policy(config.webhooks.clone());
    let app = router(&db, options, &config, tokens, enforcer);
    tokio::spawn(
        sessions::AnySessionStore::new(&db)
            .delete_expired_every(std::time::Duration::from_secs(600)),
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    // Every decision recorded before shutdown is written before the process ends.
    if audit.flush().await.is_err() {
        tracing::error!("the audit writer stopped before its queue was written");
    }
    Ok(())
}

/// A tiny boxed-error alias for the CLI and start-up paths.
pub mod anyhow_like {
    pub type Error = Box<dyn std::error::Error + Send + Sync + 'static>;
    pub type Result<T> = std::result::Result<T, Error>;
}

pub use app::enforce::webhook::WebhookPolicy;
pub use tower_sessions::cookie::time;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_only_when_asked_or_on_the_default_database() {
        let other = "postgres://postgres@127.0.0.1/charter";
        assert!(!seeds_demo(false, false, false, other));
        assert!(seeds_demo(true, false, false, other));
        assert!(seeds_demo(false, false, false, DEFAULT_DATABASE_URL));
        assert!(!seeds_demo(false, true, false, DEFAULT_DATABASE_URL));
        assert!(!seeds_demo(true, false, true, other), "never in production");
        assert!(is_production(false, "https://charter.example"));
        assert!(is_production(true, "http://127.0.0.1:3000"));
        assert!(!is_production(false, "http://127.0.0.1:3000"));
    }
}

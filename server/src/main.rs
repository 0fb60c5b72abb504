//! `charter`: serve the app, apply migrations, seed demo data, and reason about policies.

mod audit_cli;
mod db_args;
mod policy_cli;

use charter_server::{Config, demo, prepare_database, serve};
use clap::{Parser, Subcommand};
use db_args::DbArgs;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "charter",
    version,
    about = "Charter: the trust layer between AI agents and advertisers' ad accounts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Reason about access policies, shaped like the AWS CLI: validate, check-no-new-access,
    /// check-access-not-granted, check-no-public-access, recommend, evaluate.
    Policy(policy_cli::PolicyArgs),
    /// The tamper-evident audit trail: `verify` the hash chains, `export` an account's activity.
    Audit(audit_cli::AuditArgs),
    /// Serve the web app and APIs. Migrates the database first. Demo data is seeded into an
    /// empty database only with --demo, or on the default SQLite database (never in
    /// production mode).
    Serve(ServeArgs),
    /// Create a client secret for an agent (an operator's shortcut; partners use the partner
    /// console). Prints shell variables: the client id, the secret (shown once) and the
    /// accounts the agent holds an active grant on.
    Credentials {
        #[command(flatten)]
        db: DbArgs,
        /// The agent: its id (`agt_…`) or its exact name (e.g. "Bid Pilot").
        agent: String,
    },
    /// Act as a third-party agent against a running server's sandbox API (same database):
    /// allowed and denied calls, money moving, an offline attenuation, a delegation, and a
    /// burst that trips the agent's circuit breaker. The UI then shows live activity.
    DemoAgent {
        #[command(flatten)]
        db: DbArgs,
        /// The running server.
        #[arg(long, env = "CHARTER_URL", default_value = "http://127.0.0.1:3000")]
        url: String,
    },
    /// Manage the token-signing keys: list, rotate, retire.
    Keys {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Seed demo data into an empty database and print the demo people's credentials.
    Demo {
        #[command(flatten)]
        db: DbArgs,
        /// Also generate this many extra agents with grants on Northwind Outdoor.
        #[arg(long, default_value_t = 0)]
        extra_agents: usize,
    },
}

/// `charter serve`'s settings.
#[derive(clap::Args, Debug)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "CHARTER_ADDR", default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// The compiled site (pkg/ and static assets), as built by cargo-leptos.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    site_root: String,
    /// Mark session cookies Secure even with an http issuer (they always are when the
    /// issuer is https, and in production mode).
    #[arg(long, env = "CHARTER_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Seed demo data (demo people with published passwords) into an empty database.
    #[arg(long, conflicts_with = "no_demo")]
    demo: bool,
    /// Do not seed demo data, even on the default SQLite database.
    #[arg(long)]
    no_demo: bool,
    /// Production mode (also implied by an https issuer): requires a key-encryption key
    /// (CHARTER_KEY_ENCRYPTION_KEY or CHARTER_KEY_ENCRYPTION_KEY_FILE), refuses --demo, and
    /// marks cookies Secure.
    #[arg(long, env = "CHARTER_PRODUCTION")]
    production: bool,
    /// The public base URL (token issuer; audience of client assertions). Defaults to
    /// http://<addr>.
    #[arg(long, env = "CHARTER_ISSUER")]
    issuer: Option<String>,
    /// Lifetime of access tokens in seconds (at most 900).
    #[arg(long, env = "CHARTER_TOKEN_TTL", default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..=900))]
    token_ttl: u32,
    /// How many times a token may be delegated (token exchange).
    #[arg(long, env = "CHARTER_MAX_DELEGATION_DEPTH", default_value_t = 3)]
    max_delegation_depth: u32,
    /// Let breaker-alert webhooks use http:// and loopback or private addresses (local
    /// development and tests only; by default they must be https to a public address).
    #[arg(long, env = "CHARTER_ALLOW_INSECURE_WEBHOOKS")]
    allow_insecure_webhooks: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Abuse limits of `charter serve` (see `charter_server::limits`).
#[derive(clap::Args, Debug)]
struct LimitArgs {
    /// Calls a minute to /oauth/token, /oauth/introspect and /oauth/revoke per client address
    /// (bursts up to --oauth-burst-per-address); over it: 429 with Retry-After.
    #[arg(long, env = "CHARTER_OAUTH_RATE_PER_ADDRESS", default_value_t = charter_server::limits::DEFAULT_OAUTH_PER_ADDRESS.per_minute)]
    oauth_rate_per_address: u32,
    #[arg(long, env = "CHARTER_OAUTH_BURST_PER_ADDRESS", default_value_t = charter_server::limits::DEFAULT_OAUTH_PER_ADDRESS.burst)]
    oauth_burst_per_address: u32,
    /// Calls a minute to the same endpoints per client id (bursts up to --oauth-burst-per-client).
    #[arg(long, env = "CHARTER_OAUTH_RATE_PER_CLIENT", default_value_t = charter_server::limits::DEFAULT_OAUTH_PER_CLIENT.per_minute)]
    oauth_rate_per_client: u32,
    #[arg(long, env = "CHARTER_OAUTH_BURST_PER_CLIENT", default_value_t = charter_server::limits::DEFAULT_OAUTH_PER_CLIENT.burst)]
    oauth_burst_per_client: u32,
    /// A reverse proxy in front of Charter (repeat for several): only requests from these
    /// addresses have their client address read from X-Forwarded-For. Without it the header is
    /// ignored.
    #[arg(
        long = "trusted-proxy",
        env = "CHARTER_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
}

impl LimitArgs {
    fn limits(self) -> charter_server::limits::Limits {
        use charter_server::limits::{Limits, RateLimit};
        Limits {
            oauth_per_address: RateLimit {
                per_minute: self.oauth_rate_per_address,
                burst: self.oauth_burst_per_address,
            },
            oauth_per_client: RateLimit {
                per_minute: self.oauth_rate_per_client,
                burst: self.oauth_burst_per_client,
            },
            trusted_proxies: self.trusted_proxies,
        }
    }
}

#[derive(Subcommand, Debug)]
enum KeysAction {
    /// List the keys and whether each is active, published or retired.
    List,
    /// Add a new signing key; it signs every token from now on. Old keys stay published.
    Rotate,
    /// Stop publishing and accepting a key (wait 15 minutes after rotating: its tokens expire).
    Retire { kid: u32 },
}

/// The key-encryption key of the token-signing keys, from `CHARTER_KEY_ENCRYPTION_KEY` or the
/// file named by `CHARTER_KEY_ENCRYPTION_KEY_FILE` (read from the environment only, so the key
/// never appears in a process listing).
fn key_encryption_key() -> Result<Option<charter_server::tokens::sealing::KeyEncryptionKey>, String>
{
    use charter_server::tokens::sealing::{ENV_KEY, ENV_KEY_FILE, KeyEncryptionKey};
    let value = std::env::var(ENV_KEY).ok();
    let file = std::env::var_os(ENV_KEY_FILE)
        .filter(|f| !f.is_empty())
        .map(std::path::PathBuf::from);
    KeyEncryptionKey::from_settings(value.as_deref(), file.as_deref())
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// `charter serve`: production checks, the database, then the server until a signal.
async fn serve_command(args: ServeArgs) -> charter_server::anyhow_like::Result<()> {
    let ServeArgs {
        db,
        addr,
        site_root,
        secure_cookies,
        demo,
        no_demo,
        production,
        issuer,
        token_ttl,
        max_delegation_depth,
        allow_insecure_webhooks,
        limits,
    } = args;
    let issuer = issuer.unwrap_or_else(|| format!("http://{addr}"));
    let production = charter_server::is_production(production, &issuer);
    let key_encryption = key_encryption_key()?;
    charter_server::check_production(production, demo, key_encryption.as_ref())?;
    let seed_demo = charter_server::seeds_demo(demo, no_demo, production, &db.database_url);
    let database =
        charter_server::prepare_database_with(&db.database_url, seed_demo, key_encryption.clone())
            .await?;
    let config = Config {
        database_url: db.database_url,
        addr,
        site_root,
        secure_cookies: secure_cookies || production,
        seed_demo,
        session_idle: charter_server::time::Duration::hours(8),
        tokens: charter_server::tokens::TokenConfig {
            ttl: chrono::Duration::seconds(i64::from(token_ttl)),
            max_depth: max_delegation_depth,
            issuer,
            key_encryption,
        },
        webhooks: charter_server::WebhookPolicy {
            allow_insecure: allow_insecure_webhooks,
            ..Default::default()
        },
        limits: limits.limits(),
    };
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    tracing::info!(addr = %listener.local_addr()?, backend = database.store().backend(), "Charter is listening");
    eprintln!("Charter is running at http://{}", listener.local_addr()?);
    serve(listener, database, config, shutdown_signal()).await?;
    Ok(())
}

async fn run(command: Command) -> charter_server::anyhow_like::Result<()> {
    match command {
        Command::Serve(args) => serve_command(args).await?,
        Command::DemoAgent { db, url } => {
            let database = prepare_database(&db.database_url, false).await?;
            let summary = charter_server::demo_agent::run(&database.store(), &url).await?;
            for call in &summary.calls {
                println!(
                    "{:<18} {:<48} {} {}",
                    call.agent, call.what, call.status, call.reason
                );
            }
            let counts: Vec<String> = summary
                .by_reason()
                .into_iter()
                .map(|(r, n)| format!("{r}: {n}"))
                .collect();
            eprintln!("{} calls ({})", summary.calls.len(), counts.join(", "));
        }
        Command::Keys { db, action } => {
            let key_encryption = key_encryption_key()?;
            let database = charter_server::prepare_database_with(
                &db.database_url,
                false,
                key_encryption.clone(),
            )
            .await?;
            let store = database.store();
            let ring =
                charter_server::tokens::KeyRing::load_or_create_sealed(&*store, key_encryption)
                    .await?;
            match action {
                KeysAction::List => {}
                KeysAction::Rotate => {
                    let kid = ring.rotate(&*store).await?;
                    eprintln!("key {kid} is now the active signing key");
                }
                KeysAction::Retire { kid } => {
                    ring.retire(&*store, kid).await?;
                    eprintln!("key {kid} is retired");
                }
            }
            for k in store.signing_keys().await? {
                println!(
                    "{}\t{}\t{}",
                    k.kid,
                    k.created_at.to_rfc3339(),
                    k.retired_at.map_or("live".to_string(), |r| format!(
                        "retired {}",
                        r.to_rfc3339()
                    ))
                );
            }
        }
        Command::Credentials { db, agent } => {
            let database = prepare_database(&db.database_url, false).await?;
            let store = database.store();
            let agent = charter_server::demo_agent::find_agent(&store, &agent).await?;
            let ident = store
                .agent_identity(&agent)
                .await?
                .ok_or_else(|| format!("no agent `{agent}`"))?;
            let actor = charter_store::model::Actor::System {
                label: "charter credentials (CLI)".into(),
            };
            let issued = store
                .create_client_secret(&actor, &ident.partner_id, &agent)
                .await?;
            println!("CLIENT_ID={agent}");
            println!("CLIENT_SECRET={}", issued.secret);
            for adv in store.search_advertisers("", 1000).await? {
                if let Some(g) = store.grant_for(&adv.id, &agent).await?
                    && g.is_effective(chrono::Utc::now())
                {
                    {
                        println!(
                            "RESOURCE=urn:charter:account:{}   # {} ({})",
                            adv.id,
                            adv.name,
                            g.purpose.as_str()
                        );
                    }
                }
            }
            eprintln!("the secret is shown once; Charter keeps only its argon2id hash");
        }
        Command::Migrate { db } => {
            prepare_database(&db.database_url, false).await?;
            eprintln!("migrations applied");
        }
        Command::Policy(_) | Command::Audit(_) => unreachable!("handled in main"),
        Command::Demo { db, extra_agents } => {
            let database = prepare_database(&db.database_url, false).await?;
            let store = database.store();
            if store.is_empty().await? {
                let seeded = demo::seed(
                    &store,
                    demo::SeedOptions {
                        extra_agents,
                        progress: true,
                    },
                )
                .await?;
                eprintln!(
                    "seeded {} advertisers, {} partners, {} agents, {} grants",
                    seeded.advertisers.len(),
                    seeded.partners.len(),
                    seeded.agents.len(),
                    seeded.grants
                );
            } else {
                eprintln!("the database already has data; demo data was not seeded again");
            }
            print!("{}", demo::credentials_table());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The policy commands are pure and synchronous: no runtime, no logging on stdout.
    let command = match cli.command {
        Command::Policy(args) => return policy_cli::run(args),
        other => other,
    };
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Command::Audit(args) = command {
        return runtime.block_on(audit_cli::run(args));
    }
    match runtime.block_on(run(command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `charter`: serve the app, apply migrations, seed demo data, and reason about policies.

mod policy_cli;

use charter_server::{Config, DEFAULT_DATABASE_URL, demo, prepare_database, serve};
use clap::{Parser, Subcommand};
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

#[derive(clap::Args, Debug)]
struct DbArgs {
    /// `sqlite://path/to/file.db` (created when missing) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Reason about access policies, shaped like the AWS CLI: validate, check-no-new-access,
    /// check-access-not-granted, check-no-public-access, recommend, evaluate.
    Policy(policy_cli::PolicyArgs),
    /// Serve the web app and APIs. Migrates the database first, and seeds demo data into an
    /// empty one unless --no-demo is given.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, env = "CHARTER_ADDR", default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
        /// The compiled site (pkg/ and static assets), as built by cargo-leptos.
        #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
        site_root: String,
        /// Mark session cookies Secure (set this whenever Charter is served over https).
        #[arg(long, env = "CHARTER_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Do not seed demo data into an empty database.
        #[arg(long)]
        no_demo: bool,
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

async fn run(command: Command) -> charter_server::anyhow_like::Result<()> {
    match command {
        Command::Serve {
            db,
            addr,
            site_root,
            secure_cookies,
            no_demo,
        } => {
            let database = prepare_database(&db.database_url, !no_demo).await?;
            let config = Config {
                database_url: db.database_url,
                addr,
                site_root,
                secure_cookies,
                seed_demo: !no_demo,
                session_idle: charter_server::time::Duration::hours(8),
            };
            let listener = tokio::net::TcpListener::bind(config.addr).await?;
            tracing::info!(addr = %listener.local_addr()?, backend = database.store().backend(), "Charter is listening");
            eprintln!("Charter is running at http://{}", listener.local_addr()?);
            serve(listener, database, config, shutdown_signal()).await?;
        }
        Command::Migrate { db } => {
            prepare_database(&db.database_url, false).await?;
            eprintln!("migrations applied");
        }
        Command::Policy(_) => unreachable!("handled in main"),
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
    match runtime.block_on(run(command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

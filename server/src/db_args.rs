//! The database every subcommand that touches one takes.

use charter_server::DEFAULT_DATABASE_URL;

/// Where the database is.
#[derive(clap::Args, Debug)]
pub struct DbArgs {
    /// `sqlite://path/to/file.db` (created when missing) or `postgres://user@host/db`.
    #[arg(long, alias = "database", env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

//! `charter audit verify` and `charter audit export`.

use charter_server::audit::{ExportFormat, export_to};
use charter_store::model::*;
use charter_store::{ChainReport, DynStore};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(clap::Subcommand, Debug)]
enum AuditCommand {
    /// Recompute every hash of the audit chains and report the first broken link of each.
    /// Exits 1 when a chain is broken.
    Verify {
        #[command(flatten)]
        db: crate::db_args::DbArgs,
        /// Verify only this account's chain: its id (`adv_…`) or its exact name. Without it,
        /// every chain is verified (each account's and the one for events without an account).
        #[arg(long)]
        advertiser: Option<String>,
    },
    /// Write an account's activity to stdout, oldest first, as CSV or JSON Lines.
    Export {
        #[command(flatten)]
        db: crate::db_args::DbArgs,
        /// The account: its id (`adv_…`) or its exact name.
        #[arg(long)]
        advertiser: String,
        #[arg(long, value_parser = ["csv", "jsonl"], default_value = "csv")]
        format: String,
        /// Only events about this agent (`agt_…`).
        #[arg(long)]
        agent: Option<String>,
        /// An event action (`grant.revoked`) or catalog action (`campaigns:UpdateBudget`); a
        /// trailing `*` matches a prefix.
        #[arg(long)]
        action: Option<String>,
        /// `allow`, `deny` or `change`.
        #[arg(long)]
        decision: Option<String>,
        /// From this time on (RFC 3339, or a date for the start of that day, UTC).
        #[arg(long)]
        since: Option<String>,
        /// Before this time (RFC 3339, or a date for the end of that day, UTC).
        #[arg(long)]
        until: Option<String>,
    },
}

type Error = charter_server::anyhow_like::Error;

/// Finds an account by id or exact name.
async fn resolve_advertiser(store: &DynStore, wanted: &str) -> Result<Advertiser, Error> {
    if let Ok(id) = AdvertiserId::parse(wanted) {
        return store
            .advertiser(&id)
            .await?
            .ok_or_else(|| format!("no advertiser `{id}`").into());
    }
    let mut found: Vec<Advertiser> = store
        .search_advertisers(wanted, 1000)
        .await?
        .into_iter()
        .filter(|a| a.name == wanted.trim())
        .collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!("no advertiser named `{wanted}`").into()),
        n => Err(format!("{n} advertisers are named `{wanted}`: pass the advertiser id").into()),
    }
}

pub async fn run(args: AuditArgs) -> ExitCode {
    match run_inner(args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn open(url: &str) -> Result<DynStore, Error> {
    let db = charter_store::connect(url).await?;
    db.migrate().await?;
    Ok(db.store())
}

async fn run_inner(args: AuditArgs) -> Result<ExitCode, Error> {
    match args.command {
        AuditCommand::Verify { db, advertiser } => {
            let store = open(&db.database_url).await?;
            let names: std::collections::HashMap<String, String> = store
                .search_advertisers("", u32::MAX)
                .await?
                .into_iter()
                .map(|a| (a.id.to_string(), a.name))
                .collect();
            let (chains, check_unchained) = match advertiser {
                Some(a) => (
                    vec![resolve_advertiser(&store, &a).await?.id.to_string()],
                    false,
                ),
                None => (store.audit_chains().await?, true),
            };
            let mut broken = 0usize;
            let started = std::time::Instant::now();
            let mut total = 0u64;
            for chain in &chains {
                let label = match names.get(chain) {
                    Some(name) => format!("{chain} ({name})"),
                    None if chain.is_empty() => "(events without an account)".to_string(),
                    None => chain.clone(),
                };
                let report = verify_one(&store, chain, &label).await?;
                total += report.events;
                match &report.first_break {
                    None => println!("ok      {label}: {} events", report.events),
                    Some(b) => {
                        broken += 1;
                        println!("BROKEN  {label}: {b} ({} events read)", report.events);
                    }
                }
            }
            if check_unchained {
                let outside = store.unchained_event_count().await?;
                if outside > 0 {
                    broken += 1;
                    println!(
                        "BROKEN  {outside} event(s) are outside every chain (written around the store)"
                    );
                }
            }
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "verified {} chain(s), {total} events in {secs:.2} s ({:.0} events/s)",
                chains.len(),
                total as f64 / secs.max(1e-9)
            );
            if broken > 0 {
                eprintln!("{broken} problem(s) found: the audit trail was altered");
                Ok(ExitCode::from(1))
            } else {
                Ok(ExitCode::SUCCESS)
            }
        }
        AuditCommand::Export {
            db,
            advertiser,
            format,
            agent,
            action,
            decision,
            since,
            until,
        } => {
            let format = ExportFormat::parse(&format)?;
            let filter = ActivityQuery {
                agent,
                action,
                decision,
                since,
                until,
            }
            .filter()?;
            let store = open(&db.database_url).await?;
            let adv = resolve_advertiser(&store, &advertiser).await?;
            let filters: serde_json::Map<String, serde_json::Value> = filter
                .query_pairs()
                .into_iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
                .collect();
            store
                .record_event(charter_store::NewAuditEvent {
                    advertiser_id: Some(adv.id.clone()),
                    partner_id: None,
                    actor: Actor::System {
                        label: "charter audit export (CLI)".into(),
                    },
                    action: "activity.exported",
                    target_kind: "advertiser",
                    target_id: adv.id.to_string(),
                    before: None,
                    after: Some(
                        serde_json::json!({ "format": format.as_str(), "filters": filters }),
                    ),
                    reason: None,
                })
                .await?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            let n = export_to(&*store, &adv.id, &filter, format, &mut out).await?;
            eprintln!("exported {n} event(s) of {}", adv.name);
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn verify_one(store: &DynStore, chain: &str, label: &str) -> Result<ChainReport, Error> {
    let expected = store.audit_chain_head(chain).await?.map_or(0, |h| h.seq);
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(expected).unwrap_or(0)),
        ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {human_pos}/{human_len} events, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(label.to_string());
    let progress = {
        let bar = bar.clone();
        move |n: u64| bar.set_position(n)
    };
    let report = store.verify_chain(chain, &progress).await;
    bar.finish_and_clear();
    Ok(report?)
}

//! On PostgreSQL, every process keeps its revocation index current from a `LISTEN` connection.

use super::DynStore;
use crate::revocation::{CHANNEL, Change};

/// On PostgreSQL: listens on [`CHANNEL`] and applies every change to `store`'s index. When the
/// connection drops, the listener reconnects and reloads the whole index, so nothing sent while
/// it was away is missed.
pub fn spawn_revocation_listener(
    pool: sqlx::PgPool,
    store: DynStore,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!("revocation listener cannot connect: {e}");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(CHANNEL).await {
                tracing::warn!("revocation listener cannot listen: {e}");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
            // Listening now: anything committed from here on arrives as a notification, so a
            // reload now cannot miss a change.
            if let Err(e) = store.reload_revocations().await {
                tracing::warn!("revocation index reload failed: {e}");
            }
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) => match serde_json::from_str::<Change>(n.payload()) {
                        Ok(change) => store.revocations().apply(&change),
                        Err(e) => tracing::warn!("unreadable revocation notification: {e}"),
                    },
                    Ok(None) => {
                        // The connection was lost and re-established: reload.
                        if let Err(e) = store.reload_revocations().await {
                            tracing::warn!("revocation index reload failed: {e}");
                        }
                    }
                    Err(e) => {
                        tracing::warn!("revocation listener error: {e}");
                        break;
                    }
                }
            }
        }
    })
}

use crate::error::AppError;
use charter_model::*;
use leptos::prelude::*;

/// Minimum length of the reason a support person gives before looking at an account.
pub const MIN_REASON: usize = 10;

/// Searches all accounts. Support staff only; anyone else gets 404, as if the page did not exist.
#[server(endpoint = "support_search")]
pub async fn support_search(query: Option<String>) -> Result<Vec<Advertiser>, AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person().await?;
    if !person.is_support {
        return Err(AppError::NotFound);
    }
    let q: String = query.unwrap_or_default().trim().chars().take(100).collect();
    Ok(store()?.search_advertisers(&q, 50).await?)
}

/// Opens a read-only view of an account for a support person, after a reason. The opening is
/// audited on the account, and so is every page looked at afterwards.
#[server(endpoint = "support_open")]
pub async fn open_support_view(
    advertiser_id: String,
    reason: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (session, person) = require_person_for_change(&csrf).await?;
    if !person.is_support {
        return Err(AppError::NotFound);
    }
    let id = AdvertiserId::parse(&advertiser_id).map_err(|_| AppError::NotFound)?;
    let store = store()?;
    let advertiser = store.advertiser(&id).await?.ok_or(AppError::NotFound)?;
    let Ok(reason) = parse_text("reason", &reason, MIN_REASON, 500) else {
        leptos_axum::redirect(&format!("/support?account={}&error=reason", advertiser.id));
        return Ok(());
    };
    store
        .record_event(charter_store::NewAuditEvent {
            advertiser_id: Some(advertiser.id.clone()),
            partner_id: None,
            actor: actor(&person),
            action: "support.view_opened",
            target_kind: "advertiser",
            target_id: advertiser.id.to_string(),
            before: None,
            after: Some(
                serde_json::json!({ "read_only": true, "minutes": SUPPORT_VIEW_TTL_MINUTES }),
            ),
            reason: Some(reason.clone()),
        })
        .await?;
    crate::session::server::open_support_view(&session, &advertiser.id, &reason).await?;
    leptos_axum::redirect(&format!("/accounts/{}/agents", advertiser.id));
    Ok(())
}

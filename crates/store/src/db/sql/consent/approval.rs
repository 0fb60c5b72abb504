//! What approving an access request writes besides the request itself, inside the decision's
//! transaction: the grant (a new one, or its next version) and the application's ceiling.
//! Instantiated for both backends by `approval_steps!`; `decide_access_request` in
//! `sql/consent.rs` calls them.

use super::*;

macro_rules! approval_steps {
    ($store:ident, $db:ty) => {
        impl $store {
            /// The grant an approval writes (a new one, or the next version of the agent's grant
            /// on the account) with its version row, its change and its audit event, in `tx`.
            pub(super) async fn approve_grant(
                tx: &mut WriteTx<Self>,
                actor: &Actor,
                advertiser: &AdvertiserId,
                req: &AccessRequest,
                policy: &str,
                expires_at: Option<DateTime<Utc>>,
                now: DateTime<Utc>,
            ) -> Result<()> {
                let before = Self::grant_in_tx(tx.conn(), advertiser, &req.agent_id).await?;
                let grant = match before.clone() {
                    None => {
                        let g = Grant {
                            id: GrantId::generate(),
                            advertiser_id: advertiser.clone(),
                            agent_id: req.agent_id.clone(),
                            status: GrantStatus::Active,
                            purpose: req.purpose,
                            policy: Some(policy.to_string()),
                            created_at: now,
                            expires_at,
                            revoked_at: None,
                            updated_at: now,
                            version: 1,
                            not_before: None,
                        };
                        sqlx::query(&format!("INSERT INTO grants ({GRANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"))
                            .bind(g.id.as_str())
                            .bind(g.advertiser_id.as_str())
                            .bind(g.agent_id.as_str())
                            .bind(g.status.as_str())
                            .bind(g.purpose.as_str())
                            .bind(&g.policy)
                            .bind(g.created_at)
                            .bind(g.expires_at)
                            .bind(g.revoked_at)
                            .bind(g.updated_at)
                            .bind(1_i32)
                            .bind(g.not_before)
                            .execute(tx.conn())
                            .await?;
                        g
                    }
                    Some(b) => {
                        let g = Grant {
                            status: GrantStatus::Active,
                            purpose: req.purpose,
                            policy: Some(policy.to_string()),
                            expires_at,
                            revoked_at: None,
                            updated_at: now,
                            version: b.version + 1,
                            ..b
                        };
                        sqlx::query("UPDATE grants SET status = 'active', purpose = $1, policy = $2, expires_at = $3, revoked_at = NULL, revoked_by = NULL, version = $4, updated_at = $5 WHERE id = $6")
                            .bind(g.purpose.as_str())
                            .bind(&g.policy)
                            .bind(g.expires_at)
                            .bind(i32::try_from(g.version).unwrap_or(i32::MAX))
                            .bind(now)
                            .bind(g.id.as_str())
                            .execute(tx.conn())
                            .await?;
                        g
                    }
                };
                Self::insert_grant_version(tx.conn(), &grant, actor.label(), Some(&format!("approved request {}", req.id))).await?;
                tx.changed(Change::Grant(GrantState::from(&grant))).await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: if before.is_some() { "grant.updated" } else { "grant.created" },
                    target_kind: "grant",
                    target_id: grant.id.to_string(),
                    before: before.as_ref().map(|b| json!({ "version": b.version, "status": b.status.as_str(), "purpose": b.purpose.as_str(), "policy": b.policy })),
                    after: Some(json!({ "agent_id": grant.agent_id.as_str(), "version": grant.version, "purpose": grant.purpose.as_str(), "policy": grant.policy, "expires_at": grant.expires_at })),
                    reason: Some(format!("access request {}", req.id)),
                })
                .await?;
                Ok(())
            }

            /// Sets the application's ceiling on the account to `ceiling` as part of approving
            /// `req`, with its audit event, in `tx`.
            pub(super) async fn set_ceiling_on_approval(
                tx: &mut WriteTx<Self>,
                actor: &Actor,
                advertiser: &AdvertiserId,
                req: &AccessRequest,
                ceiling: &str,
                now: DateTime<Utc>,
            ) -> Result<()> {
                let cur: Option<(i32, String)> = sqlx::query_as(&format!(
                    "SELECT version, policy FROM app_ceilings WHERE application_id = $1 AND advertiser_id = $2{}", Self::FOR_UPDATE
                ))
                .bind(req.application_id.as_str())
                .bind(advertiser.as_str())
                .fetch_optional(tx.conn())
                .await?;
                let version = cur.as_ref().map_or(1, |(v, _)| v + 1);
                sqlx::query(
                    "INSERT INTO app_ceilings (application_id, advertiser_id, policy, version, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (application_id, advertiser_id) DO UPDATE SET policy = $3, version = $4, updated_at = $5, updated_by = $6",
                )
                .bind(req.application_id.as_str())
                .bind(advertiser.as_str())
                .bind(ceiling)
                .bind(version)
                .bind(now)
                .bind(actor.label())
                .execute(tx.conn())
                .await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "ceiling.set",
                    target_kind: "application",
                    target_id: req.application_id.to_string(),
                    before: cur.map(|(v, p)| json!({ "version": v, "policy": p })),
                    after: Some(json!({ "version": version, "policy": ceiling })),
                    reason: Some(format!("access request {}", req.id)),
                })
                .await?;
                Ok(())
            }
        }
    };
}

approval_steps!(SqliteStore, sqlx::Sqlite);
approval_steps!(PgStore, sqlx::Postgres);

//! [`DirectoryStore`] for both backends, instantiated by `directory_store!`: advertisers,
//! people and their memberships; partners, their developers, applications and agents.

use super::super::directory::*;
use super::super::password::{bounded_argon2, dummy_hash, hash_password, verify_password};
use super::*;

/// A person with the hash their sign-in is checked against.
#[derive(FromRow)]
struct PersonRow {
    #[sqlx(flatten)]
    person: Person,
    password_hash: String,
}

#[derive(FromRow)]
struct MembershipRow {
    role: String,
    #[sqlx(flatten)]
    advertiser: AdvertiserRow,
}

fn purposes_json(purposes: &[Purpose]) -> String {
    serde_json::Value::from(purposes.iter().map(|p| p.as_str()).collect::<Vec<_>>()).to_string()
}

macro_rules! directory_store {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl DirectoryStore for $store {
            async fn create_advertiser(&self, actor: &Actor, name: &Name, marketplace: Marketplace) -> Result<Advertiser> {
                let adv = Advertiser {
                    id: AdvertiserId::generate(),
                    name: name.as_str().to_string(),
                    marketplace,
                    created_at: Utc::now(),
                };
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO advertisers (id, name, marketplace, currency, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(adv.id.as_str())
                    .bind(&adv.name)
                    .bind(adv.marketplace.code())
                    .bind(adv.currency().code())
                    .bind(adv.created_at)
                    .execute(&mut *tx)
                    .await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(adv.id.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "advertiser.created",
                    target_kind: "advertiser",
                    target_id: adv.id.to_string(),
                    before: None,
                    after: Some(json!({ "name": adv.name, "marketplace": adv.marketplace, "currency": adv.currency() })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(adv)
            }

            async fn advertiser(&self, id: &AdvertiserId) -> Result<Option<Advertiser>> {
                let row: Option<AdvertiserRow> = sqlx::query_as("SELECT id, name, marketplace, currency, created_at FROM advertisers WHERE id = $1")
                    .bind(id.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(Advertiser::try_from).transpose()
            }

            async fn search_advertisers(&self, query: &str, limit: u32) -> Result<Vec<Advertiser>> {
                let q = query.trim();
                let rows: Vec<AdvertiserRow> = sqlx::query_as(
                    r#"SELECT id, name, marketplace, currency, created_at FROM advertisers
                       WHERE $1 = '' OR id = $1 OR lower(name) LIKE $2 ESCAPE '\' OR lower(marketplace) = lower($1)
                       ORDER BY lower(name), id LIMIT $3"#,
                )
                .bind(q)
                .bind(like_pattern(q))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                collect(rows)
            }

            async fn create_person(&self, actor: &Actor, email: &Email, display_name: &Name, password: &str, is_support: bool) -> Result<Person> {
                let hash = {
                    let password = password.to_string();
                    bounded_argon2(move || hash_password(&password)).await??
                };
                let person = Person {
                    id: PersonId::generate(),
                    email: email.as_str().to_string(),
                    display_name: display_name.as_str().to_string(),
                    is_support,
                };
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO people (id, email, display_name, password_hash, is_support, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(person.id.as_str())
                    .bind(&person.email)
                    .bind(&person.display_name)
                    .bind(&hash)
                    .bind(is_support)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_unique("a person with this email"))?;
                tx.audit(NewAuditEvent {
                    advertiser_id: None,
                    partner_id: None,
                    actor: actor.clone(),
                    action: "person.created",
                    target_kind: "person",
                    target_id: person.id.to_string(),
                    before: None,
                    after: Some(json!({ "email": person.email, "display_name": person.display_name, "is_support": is_support })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(person)
            }

            async fn person(&self, id: &PersonId) -> Result<Option<Person>> {
                let row: Option<Person> = sqlx::query_as("SELECT id, email, display_name, is_support FROM people WHERE id = $1")
                    .bind(id.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row)
            }

            async fn authenticate(&self, email: &Email, password: &str) -> Result<Option<Person>> {
                let row: Option<PersonRow> = sqlx::query_as("SELECT id, email, display_name, is_support, password_hash FROM people WHERE email = $1")
                    .bind(email.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                // Verify against a dummy hash when the person is unknown, so both paths cost
                // one argon2id verification.
                let hash = row.as_ref().map_or_else(|| dummy_hash().to_string(), |r| r.password_hash.clone());
                let password = password.to_string();
                let ok = bounded_argon2(move || verify_password(&password, &hash)).await?;
                match row {
                    Some(r) if ok => Ok(Some(r.person)),
                    _ => Ok(None),
                }
            }

            async fn add_advertiser_member(&self, actor: &Actor, person: &PersonId, advertiser: &AdvertiserId, role: AdvertiserRole) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let before: Option<(String,)> = sqlx::query_as("SELECT role FROM advertiser_members WHERE person_id = $1 AND advertiser_id = $2")
                    .bind(person.as_str())
                    .bind(advertiser.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO advertiser_members (person_id, advertiser_id, role, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (person_id, advertiser_id) DO UPDATE SET role = excluded.role",
                )
                .bind(person.as_str())
                .bind(advertiser.as_str())
                .bind(role.as_str())
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
                tx.audit(NewAuditEvent {
                    advertiser_id: Some(advertiser.clone()),
                    partner_id: None,
                    actor: actor.clone(),
                    action: "member.role_set",
                    target_kind: "person",
                    target_id: person.to_string(),
                    before: before.map(|(r,)| json!({ "role": r })),
                    after: Some(json!({ "role": role.as_str() })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn memberships(&self, person: &PersonId) -> Result<Vec<Membership>> {
                let rows: Vec<MembershipRow> = sqlx::query_as(
                    "SELECT m.role, a.id, a.name, a.marketplace, a.currency, a.created_at \
                     FROM advertiser_members m JOIN advertisers a ON a.id = m.advertiser_id \
                     WHERE m.person_id = $1 ORDER BY lower(a.name), a.id",
                )
                .bind(person.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|r| Ok(Membership { role: AdvertiserRole::parse(&r.role).map_err(corrupt)?, advertiser: r.advertiser.try_into()? }))
                    .collect()
            }

            async fn membership_role(&self, person: &PersonId, advertiser: &AdvertiserId) -> Result<Option<AdvertiserRole>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT role FROM advertiser_members WHERE person_id = $1 AND advertiser_id = $2")
                    .bind(person.as_str())
                    .bind(advertiser.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|(r,)| AdvertiserRole::parse(&r).map_err(corrupt)).transpose()
            }

            async fn create_partner(&self, actor: &Actor, name: &Name, kind: PartnerKind) -> Result<Partner> {
                let partner = Partner { id: PartnerId::generate(), name: name.as_str().to_string(), kind };
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO partners (id, name, kind, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(partner.id.as_str())
                    .bind(&partner.name)
                    .bind(kind.as_str())
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_unique("a partner with this name"))?;
                tx.audit(NewAuditEvent {
                    advertiser_id: None,
                    partner_id: Some(partner.id.clone()),
                    actor: actor.clone(),
                    action: "partner.created",
                    target_kind: "partner",
                    target_id: partner.id.to_string(),
                    before: None,
                    after: Some(json!({ "name": partner.name, "kind": kind.as_str() })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(partner)
            }

            async fn add_partner_member(&self, actor: &Actor, person: &PersonId, partner: &PartnerId) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let inserted = sqlx::query(
                    "INSERT INTO partner_members (person_id, partner_id, role, created_at) VALUES ($1, $2, 'developer', $3) \
                     ON CONFLICT (person_id, partner_id) DO NOTHING",
                )
                .bind(person.as_str())
                .bind(partner.as_str())
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    return Ok(());
                }
                tx.audit(NewAuditEvent {
                    advertiser_id: None,
                    partner_id: Some(partner.clone()),
                    actor: actor.clone(),
                    action: "partner.member_added",
                    target_kind: "person",
                    target_id: person.to_string(),
                    before: None,
                    after: Some(json!({ "role": "developer" })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn partners_of(&self, person: &PersonId) -> Result<Vec<Partner>> {
                let rows: Vec<Partner> = sqlx::query_as(
                    "SELECT p.id, p.name, p.kind FROM partner_members m JOIN partners p ON p.id = m.partner_id \
                     WHERE m.person_id = $1 ORDER BY lower(p.name), p.id",
                )
                .bind(person.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows)
            }

            async fn partner_for_member(&self, person: &PersonId, partner: &PartnerId) -> Result<Option<Partner>> {
                let row: Option<Partner> = sqlx::query_as(
                    "SELECT p.id, p.name, p.kind FROM partner_members m JOIN partners p ON p.id = m.partner_id \
                     WHERE m.person_id = $1 AND p.id = $2",
                )
                .bind(person.as_str())
                .bind(partner.as_str())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row)
            }

            async fn create_application(&self, actor: &Actor, partner: &PartnerId, name: &Name, description: &str) -> Result<Application> {
                let app = Application {
                    id: ApplicationId::generate(),
                    partner_id: partner.clone(),
                    name: name.as_str().to_string(),
                    description: description.to_string(),
                    created_at: Utc::now(),
                };
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO applications (id, partner_id, name, description, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(app.id.as_str())
                    .bind(partner.as_str())
                    .bind(&app.name)
                    .bind(&app.description)
                    .bind(app.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_unique("an application with this name"))?;
                tx.audit(NewAuditEvent {
                    advertiser_id: None,
                    partner_id: Some(partner.clone()),
                    actor: actor.clone(),
                    action: "application.created",
                    target_kind: "application",
                    target_id: app.id.to_string(),
                    before: None,
                    after: Some(json!({ "name": app.name, "description": app.description })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(app)
            }

            async fn applications_with_agents(&self, partner: &PartnerId) -> Result<Vec<ApplicationWithAgents>> {
                let apps: Vec<Application> = sqlx::query_as(
                    "SELECT id, partner_id, name, description, created_at FROM applications WHERE partner_id = $1 ORDER BY lower(name), id",
                )
                .bind(partner.as_str())
                .fetch_all(&self.pool)
                .await?;
                let agents: Vec<AgentRow> = sqlx::query_as(
                    "SELECT ag.id, ag.application_id, ag.name, ag.description, ag.purposes, ag.party, ag.status, ag.created_at \
                     FROM agents ag JOIN applications ap ON ap.id = ag.application_id \
                     WHERE ap.partner_id = $1 ORDER BY lower(ag.name), ag.id",
                )
                .bind(partner.as_str())
                .fetch_all(&self.pool)
                .await?;
                let agents: Vec<Agent> = collect(agents)?;
                apps
                    .into_iter()
                    .map(|application| {
                        let agents = agents.iter().filter(|a| a.application_id == application.id).cloned().collect();
                        Ok(ApplicationWithAgents { application, agents })
                    })
                    .collect()
            }

            async fn create_agent(&self, actor: &Actor, partner: &PartnerId, new: NewAgent) -> Result<Agent> {
                let NewAgent { application, name, description, purposes, party } = new;
                let (application, purposes) = (&application, &purposes[..]);
                let mut tx = self.begin_write().await?;
                let owned: Option<(String,)> = sqlx::query_as("SELECT id FROM applications WHERE id = $1 AND partner_id = $2")
                    .bind(application.as_str())
                    .bind(partner.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                if owned.is_none() {
                    return Err(StoreError::NotFound);
                }
                let agent = Agent {
                    id: AgentId::generate(),
                    application_id: application.clone(),
                    name: name.as_str().to_string(),
                    description: description.to_string(),
                    purposes: purposes.to_vec(),
                    party,
                    status: AgentStatus::Active,
                    created_at: Utc::now(),
                };
                sqlx::query(
                    "INSERT INTO agents (id, application_id, name, description, purposes, party, status, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(agent.id.as_str())
                .bind(application.as_str())
                .bind(&agent.name)
                .bind(&agent.description)
                .bind(purposes_json(purposes))
                .bind(party.as_str())
                .bind(agent.status.as_str())
                .bind(agent.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_unique("an agent with this name in the application"))?;
                tx.audit(NewAuditEvent {
                    advertiser_id: None,
                    partner_id: Some(partner.clone()),
                    actor: actor.clone(),
                    action: "agent.registered",
                    target_kind: "agent",
                    target_id: agent.id.to_string(),
                    before: None,
                    after: Some(json!({
                        "name": agent.name,
                        "application_id": application.as_str(),
                        "purposes": purposes.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                        "party": party.as_str(),
                    })),
                    reason: None,
                })
                .await?;
                tx.commit().await?;
                Ok(agent)
            }
        }
    };
}

directory_store!(SqliteStore, sqlx::Sqlite);
directory_store!(PgStore, sqlx::Postgres);

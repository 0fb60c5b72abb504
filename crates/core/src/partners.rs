//! Changes a partner's developers make: applications, agents and their credentials, and what
//! the partner asks of accounts. Each takes the [`Develop`] proof and acts for that partner only
//! (an agent of another partner is `NotFound`).

use crate::access::Develop;
use crate::policy::template_json;
use crate::review::{ConsentError, parse_new_policy};
use charter_model::{
    AccessRequest, Advertiser, AdvertiserId, Agent, AgentId, AgentStatus, Application, ClientKeyId,
    Name, ParseError, Purpose, SecretId, parse_text,
};
use charter_store::{
    AgentIdentity, ClientKey, ClientSecretInfo, ConsentStore, DirectoryStore, IdentityStore,
    IssuedSecret, NewAccessRequest, NewAgent, StoreError,
};
use chrono::{DateTime, NaiveDate, Utc};

/// Creates an application of the partner.
pub async fn create_application<S: DirectoryStore + ?Sized>(
    store: &S,
    d: &Develop,
    name: &Name,
    description: &str,
) -> Result<Application, StoreError> {
    store
        .create_application(&d.actor(), d.id(), name, description)
        .await
}

/// Registers an agent under one of the partner's applications.
pub async fn register_agent<S: DirectoryStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: NewAgent,
) -> Result<Agent, StoreError> {
    store.create_agent(&d.actor(), d.id(), agent).await
}

/// The partner's own agent, or `NotFound` (an agent of another partner, or none).
pub async fn own_agent<S: IdentityStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: &AgentId,
) -> Result<AgentIdentity, StoreError> {
    store
        .agent_identity(agent)
        .await?
        .filter(|i| i.partner_id == *d.id())
        .ok_or(StoreError::NotFound)
}

/// One of the partner's agents with its credentials, as its developers see them.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The agent.
    pub agent: Agent,
    /// The name of its application (empty if it is not found).
    pub application_name: String,
    /// Its client secrets, never their values.
    pub secrets: Vec<ClientSecretInfo>,
    /// Its public keys.
    pub keys: Vec<ClientKey>,
}

impl Credentials {
    /// Whether `secret` is one of the agent's secrets and still live.
    pub fn is_live_secret(&self, secret: &str) -> bool {
        self.secrets
            .iter()
            .any(|s| s.id.as_str() == secret && s.revoked_at.is_none())
    }
}

/// The credentials of the partner's own agent ([`own_agent`], else `NotFound`).
pub async fn agent_credentials<S: IdentityStore + DirectoryStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: &AgentId,
) -> Result<Credentials, StoreError> {
    let identity = own_agent(store, d, agent).await?;
    let secrets = store.client_secrets(d.id(), agent).await?;
    let keys = store.client_keys(d.id(), agent).await?;
    let application_name = store
        .applications_with_agents(d.id())
        .await?
        .into_iter()
        .find(|a| a.application.id == identity.agent.application_id)
        .map(|a| a.application.name)
        .unwrap_or_default();
    Ok(Credentials {
        agent: identity.agent,
        application_name,
        secrets,
        keys,
    })
}

/// Creates a client secret for an agent of the partner; the secret is in the answer only.
pub async fn create_client_secret<S: IdentityStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: &AgentId,
) -> Result<IssuedSecret, StoreError> {
    store.create_client_secret(&d.actor(), d.id(), agent).await
}

/// Revokes a client secret of an agent of the partner.
pub async fn revoke_client_secret<S: IdentityStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: &AgentId,
    secret: &SecretId,
) -> Result<ClientSecretInfo, StoreError> {
    store
        .revoke_client_secret(&d.actor(), d.id(), agent, secret)
        .await
}

/// Registers a public key (`private_key_jwt`) for an agent of the partner.
pub async fn add_client_key<S: IdentityStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: &AgentId,
    kid: &str,
    public_key: &str,
) -> Result<ClientKey, StoreError> {
    store
        .add_client_key(&d.actor(), d.id(), agent, kid, public_key)
        .await
}

/// Revokes a registered public key of an agent of the partner.
pub async fn revoke_client_key<S: IdentityStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: &AgentId,
    key: &ClientKeyId,
) -> Result<ClientKey, StoreError> {
    store
        .revoke_client_key(&d.actor(), d.id(), agent, key)
        .await
}

/// Disables or re-enables an agent of the partner everywhere (its kill switch).
pub async fn set_agent_status<S: IdentityStore + ?Sized>(
    store: &S,
    d: &Develop,
    agent: &AgentId,
    status: AgentStatus,
) -> Result<(), StoreError> {
    store
        .set_agent_status(&d.actor(), d.id(), agent, status)
        .await
}

/// A partner's request for access as a developer filled it in: the ids parsed by the adapter
/// (a malformed one is `NotFound` there), the rest as typed.
#[derive(Debug, Clone)]
pub struct RequestDraft {
    /// The partner's agent that is to get the access.
    pub agent: AgentId,
    /// The account asked.
    pub advertiser: AdvertiserId,
    /// The purpose's code (`campaign_management`, …).
    pub purpose: String,
    /// The policy text; empty or `None` asks for exactly the purpose's template on the account.
    pub policy: Option<String>,
    /// The last day of access, `YYYY-MM-DD` (access ends at 23:59:59 UTC that day); empty or
    /// `None` for no end.
    pub expires_on: Option<String>,
    /// A note for the account's owners, up to 1,000 characters.
    pub note: String,
}

/// Why a request for access was not filed.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The requested policy is too long or does not parse.
    #[error(transparent)]
    Policy(#[from] ConsentError),
    /// No policy was given and the purpose has no template for the account.
    #[error("this account has no template for that purpose")]
    NoTemplate,
    /// The expiry is not a `YYYY-MM-DD` date.
    #[error("the expiry must be a date (YYYY-MM-DD)")]
    ExpiryNotADate,
    /// The expiry is today's end or earlier.
    #[error("the expiry must be in the future")]
    ExpiryPast,
    /// The purpose or the note is not valid.
    #[error(transparent)]
    Invalid(#[from] ParseError),
    /// The store failed, or the agent or the account is not there for this partner.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Files a request for one of the partner's agents on an account that knows the partner
/// (`ConsentStore::known_advertiser`). An agent of another partner, and an account that does
/// not know the partner, are `NotFound` before anything else is looked at, exactly as ones that
/// do not exist.
pub async fn file_access_request<S: ConsentStore + IdentityStore + ?Sized>(
    store: &S,
    d: &Develop,
    draft: RequestDraft,
    now: DateTime<Utc>,
) -> Result<AccessRequest, RequestError> {
    let owned = store
        .agent_identity(&draft.agent)
        .await?
        .is_some_and(|i| i.partner_id == *d.id());
    if !owned {
        return Err(StoreError::NotFound.into());
    }
    let advertiser = store
        .known_advertiser(d.id(), &draft.advertiser)
        .await?
        .ok_or(StoreError::NotFound)?;
    let purpose = Purpose::parse(&draft.purpose)?;
    let policy = match draft
        .policy
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(text) => {
            parse_new_policy("requested policy", text)?;
            text.to_string()
        }
        None => template_json(purpose, &advertiser).ok_or(RequestError::NoTemplate)?,
    };
    let expires_at = match draft
        .expires_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(day) => Some(end_of_day_after(day, now)?),
        None => None,
    };
    let request = NewAccessRequest {
        advertiser_id: advertiser.id,
        agent_id: draft.agent,
        purpose,
        policy,
        expires_at,
        note: parse_text("note", &draft.note, 0, 1000)?,
    };
    Ok(store
        .create_access_request(&d.actor_for_advertisers(), d.id(), request)
        .await?)
}

/// The end (23:59:59 UTC) of `day` (`YYYY-MM-DD`), which must be after `now`.
fn end_of_day_after(day: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, RequestError> {
    let date =
        NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| RequestError::ExpiryNotADate)?;
    let end = date
        .and_hms_opt(23, 59, 59)
        .ok_or(RequestError::ExpiryNotADate)?
        .and_utc();
    if end <= now {
        return Err(RequestError::ExpiryPast);
    }
    Ok(end)
}

/// Redeems an account's invitation code for the partner: the account now knows it.
pub async fn redeem_invitation<S: ConsentStore + ?Sized>(
    store: &S,
    d: &Develop,
    code: &str,
) -> Result<Advertiser, StoreError> {
    store
        .redeem_invitation(&d.actor_for_advertisers(), d.id(), code)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expiry_is_the_end_of_a_future_day() {
        let now = "2026-12-07T12:00:00Z"
            .parse::<DateTime<Utc>>()
            .unwrap_or_default();
        let end = end_of_day_after("2026-12-07", now).map(|t| t.to_rfc3339());
        assert_eq!(end.ok().as_deref(), Some("2026-12-07T23:59:59+00:00"));
        for (day, want) in [
            ("2026-12-06", "the expiry must be in the future"),
            ("07/12/2026", "the expiry must be a date (YYYY-MM-DD)"),
            ("2026-02-30", "the expiry must be a date (YYYY-MM-DD)"),
        ] {
            let got = end_of_day_after(day, now).err().map(|e| e.to_string());
            assert_eq!(got.as_deref(), Some(want), "{day}");
        }
        let late = "2026-12-07T23:59:59Z"
            .parse::<DateTime<Utc>>()
            .unwrap_or_default();
        assert!(
            end_of_day_after("2026-12-07", late).is_err(),
            "the day's last second is not after itself"
        );
    }
}

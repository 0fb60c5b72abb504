//! The directory: advertisers, people and their memberships; partners, their developers,
//! applications and agents. Implemented for both backends in `sql/directory.rs`.

use super::Result;
use crate::model::*;
use async_trait::async_trait;

/// An agent to register under an application.
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub application: ApplicationId,
    pub name: Name,
    pub description: String,
    pub purposes: Vec<Purpose>,
    pub party: Party,
}

/// Who is who: accounts and the people on them, partners and what they register.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    // --- directory -------------------------------------------------------------------
    async fn create_advertiser(
        &self,
        actor: &Actor,
        name: &Name,
        marketplace: Marketplace,
    ) -> Result<Advertiser>;
    async fn advertiser(&self, id: &AdvertiserId) -> Result<Option<Advertiser>>;
    /// Support search over all accounts by name, marketplace or exact id.
    async fn search_advertisers(&self, query: &str, limit: u32) -> Result<Vec<Advertiser>>;
    async fn create_person(
        &self,
        actor: &Actor,
        email: &Email,
        display_name: &Name,
        password: &str,
        is_support: bool,
    ) -> Result<Person>;
    async fn person(&self, id: &PersonId) -> Result<Option<Person>>;
    /// Verifies an email and password. Takes the same time whether or not the person exists.
    async fn authenticate(&self, email: &Email, password: &str) -> Result<Option<Person>>;
    async fn add_advertiser_member(
        &self,
        actor: &Actor,
        person: &PersonId,
        advertiser: &AdvertiserId,
        role: AdvertiserRole,
    ) -> Result<()>;
    async fn memberships(&self, person: &PersonId) -> Result<Vec<Membership>>;
    async fn membership_role(
        &self,
        person: &PersonId,
        advertiser: &AdvertiserId,
    ) -> Result<Option<AdvertiserRole>>;

    // --- partners, applications, agents ------------------------------------------------
    async fn create_partner(
        &self,
        actor: &Actor,
        name: &Name,
        kind: PartnerKind,
    ) -> Result<Partner>;
    async fn add_partner_member(
        &self,
        actor: &Actor,
        person: &PersonId,
        partner: &PartnerId,
    ) -> Result<()>;
    async fn partners_of(&self, person: &PersonId) -> Result<Vec<Partner>>;
    /// The partner, if `person` is one of its developers.
    async fn partner_for_member(
        &self,
        person: &PersonId,
        partner: &PartnerId,
    ) -> Result<Option<Partner>>;
    async fn create_application(
        &self,
        actor: &Actor,
        partner: &PartnerId,
        name: &Name,
        description: &str,
    ) -> Result<Application>;
    async fn applications_with_agents(
        &self,
        partner: &PartnerId,
    ) -> Result<Vec<ApplicationWithAgents>>;
    /// Registers an agent under an application of `partner`; `NotFound` if the application
    /// belongs to another partner.
    async fn create_agent(
        &self,
        actor: &Actor,
        partner: &PartnerId,
        agent: NewAgent,
    ) -> Result<Agent>;
}

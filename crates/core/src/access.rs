//! Who may change what. A use case that changes an advertiser account takes a [`Manage`], which
//! only [`manage`] makes, after checking that the person is an owner or an admin of it; one that
//! changes a partner's applications and agents, or asks accounts for access in its name, takes a
//! [`Develop`], which only [`develop`] makes, for the partner's developers. A change that forgot
//! the check does not compile.

use charter_model::{Actor, Advertiser, AdvertiserId, Partner, PartnerId, Person};
use charter_store::{DirectoryStore, StoreError};

/// Why a person may not act on an account.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// No such account, or the person has no relation to it (the two look the same).
    #[error("not found")]
    NotFound,
    /// The person sees the account (a viewer, or support staff) but may not change it.
    #[error("forbidden")]
    Forbidden,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Proof that a person may change one advertiser account: an owner or an admin of it. Only
/// [`manage`] makes one.
#[derive(Debug, Clone)]
pub struct Manage {
    advertiser: Advertiser,
    actor: Actor,
}

impl Manage {
    /// The account the person may change.
    pub fn advertiser(&self) -> &Advertiser {
        &self.advertiser
    }

    /// The account's id.
    pub fn account(&self) -> &AdvertiserId {
        &self.advertiser.id
    }

    /// Who the audit trail names for the change.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

/// How the audit trail names a person acting on an account: name and email.
pub fn person_actor(person: &Person) -> Actor {
    Actor::Person {
        id: person.id.clone(),
        label: format!("{} <{}>", person.display_name, person.email),
    }
}

/// Checks that `person` is an owner or an admin of the account `advertiser_id` (as typed in a
/// URL or a form). A viewer, or support staff, gets [`AccessError::Forbidden`]; anyone else,
/// or an id that is not an account's, [`AccessError::NotFound`].
pub async fn manage<S: DirectoryStore + ?Sized>(
    store: &S,
    person: &Person,
    advertiser_id: &str,
) -> Result<Manage, AccessError> {
    let id = AdvertiserId::parse(advertiser_id).map_err(|_| AccessError::NotFound)?;
    match store.membership_role(&person.id, &id).await? {
        Some(role) if role.can_manage() => {
            let advertiser = store.advertiser(&id).await?.ok_or(AccessError::NotFound)?;
            Ok(Manage {
                advertiser,
                actor: person_actor(person),
            })
        }
        Some(_) => Err(AccessError::Forbidden),
        None if person.is_support && store.advertiser(&id).await?.is_some() => {
            Err(AccessError::Forbidden)
        }
        None => Err(AccessError::NotFound),
    }
}

/// Proof that a person is a developer of one partner. Only [`develop`] makes one.
#[derive(Debug, Clone)]
pub struct Develop {
    partner: Partner,
    person: Person,
}

impl Develop {
    /// The partner the person works for.
    pub fn partner(&self) -> &Partner {
        &self.partner
    }

    /// The partner's id.
    pub fn id(&self) -> &PartnerId {
        &self.partner.id
    }

    /// Who the partner's own trail names for a change: name and email.
    pub fn actor(&self) -> Actor {
        person_actor(&self.person)
    }

    /// Who an advertiser's trail names for the partner's act (an access request, a redeemed
    /// invitation): the developer's name, not their email.
    pub fn actor_for_advertisers(&self) -> Actor {
        partner_actor(&self.person)
    }
}

/// How an advertiser's trail names a partner's developer: the name, not the email.
pub fn partner_actor(person: &Person) -> Actor {
    Actor::Person {
        id: person.id.clone(),
        label: format!("{} (partner)", person.display_name),
    }
}

/// Checks that `person` is a developer of the partner `partner_id` (as typed in a URL or a
/// form); anyone else, or an id that is not a partner's, gets [`AccessError::NotFound`].
pub async fn develop<S: DirectoryStore + ?Sized>(
    store: &S,
    person: &Person,
    partner_id: &str,
) -> Result<Develop, AccessError> {
    let id = PartnerId::parse(partner_id).map_err(|_| AccessError::NotFound)?;
    let partner = store
        .partner_for_member(&person.id, &id)
        .await?
        .ok_or(AccessError::NotFound)?;
    Ok(Develop {
        partner,
        person: person.clone(),
    })
}

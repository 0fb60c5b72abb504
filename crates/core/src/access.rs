//! Who may change an account. A use case that changes an advertiser account takes a [`Manage`],
//! which only [`manage`] makes, after checking that the person is an owner or an admin of it:
//! a change that forgot the check does not compile.

use charter_model::{Actor, Advertiser, AdvertiserId, Person};
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

//! Resource names: the one definition of how an account's resources are named.
//!
//! `arn:ads:<marketplace>:<advertiser id>:<kind>/<id>`, with the marketplace in lower case
//! (the account `US` is `us` in a name, [`Marketplace::arn_segment`]). The policy engine, the
//! gateway, the sandbox, the grant editor and the demo all name resources through these
//! functions.

use crate::Marketplace;

/// Every resource name starts with this.
pub const PREFIX: &str = "arn:ads:";

/// The account itself: `arn:ads:us:adv_…`.
pub fn account(marketplace: Marketplace, account: &str) -> String {
    format!("{PREFIX}{}:{account}", marketplace.arn_segment())
}

/// Every resource of the account: `arn:ads:us:adv_…:*`.
pub fn all_resources(marketplace: Marketplace, account_id: &str) -> String {
    format!("{}:*", account(marketplace, account_id))
}

/// One resource of the account: `arn:ads:us:adv_…:campaign/123`.
pub fn resource(marketplace: Marketplace, account_id: &str, kind: &str, id: &str) -> String {
    format!("{}:{kind}/{id}", account(marketplace, account_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_case_in_the_marketplace_only() {
        assert_eq!(account(Marketplace::Us, "adv_1"), "arn:ads:us:adv_1");
        assert_eq!(
            all_resources(Marketplace::De, "adv_X"),
            "arn:ads:de:adv_X:*"
        );
        assert_eq!(
            resource(Marketplace::Uk, "adv_AbC", "campaign", "42"),
            "arn:ads:uk:adv_AbC:campaign/42"
        );
    }
}

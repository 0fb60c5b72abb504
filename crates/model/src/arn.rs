//! Resource names: the one definition of how an account's resources are named.
//!
//! `arn:ads:<marketplace>:<advertiser id>:<kind>/<id>`, with the marketplace in lower case
//! (the account `US` is `us` in a name). The policy engine, the gateway, the sandbox, the grant
//! editor and the demo all name resources through these functions.

/// Every resource name starts with this.
pub const PREFIX: &str = "arn:ads:";

/// A marketplace code as it appears in a resource name: ASCII lower case (`US` → `us`).
pub fn marketplace_segment(marketplace: &str) -> String {
    marketplace.trim().to_ascii_lowercase()
}

/// The account itself: `arn:ads:us:adv_…`.
pub fn account(marketplace: &str, account: &str) -> String {
    format!("{PREFIX}{}:{account}", marketplace_segment(marketplace))
}

/// Every resource of the account: `arn:ads:us:adv_…:*`.
pub fn all_resources(marketplace: &str, account_id: &str) -> String {
    format!("{}:*", account(marketplace, account_id))
}

/// One resource of the account: `arn:ads:us:adv_…:campaign/123`.
pub fn resource(marketplace: &str, account_id: &str, kind: &str, id: &str) -> String {
    format!("{}:{kind}/{id}", account(marketplace, account_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_case_in_the_marketplace_only() {
        assert_eq!(account("US", "adv_1"), "arn:ads:us:adv_1");
        assert_eq!(account("us", "adv_1"), "arn:ads:us:adv_1");
        assert_eq!(all_resources("DE", "adv_X"), "arn:ads:de:adv_X:*");
        assert_eq!(
            resource("UK", "adv_AbC", "campaign", "42"),
            "arn:ads:uk:adv_AbC:campaign/42"
        );
        // ASCII only: a non-ASCII letter is not folded (the engine refuses such a marketplace).
        assert_eq!(marketplace_segment("İT"), "İt");
    }
}

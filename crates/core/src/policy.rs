//! What a grant allows: its own policy or its purpose's template for the account, and the
//! guardrails an account sets against it.

use authz::Policy;
use authz::consent::GuardrailSpec;
use charter_model::{Advertiser, Grant, Guardrail, Purpose};

/// A purpose's template policy for the account, as JSON: the purpose's actions over every
/// resource of the account. `None` for an account whose marketplace or id the engine refuses.
pub fn template_json(purpose: Purpose, advertiser: &Advertiser) -> Option<String> {
    authz::purpose::template_json(
        purpose.as_str(),
        &advertiser.marketplace.arn_segment(),
        advertiser.id.as_str(),
    )
}

/// [`template_json`], parsed.
pub fn template(purpose: Purpose, advertiser: &Advertiser) -> Option<Policy> {
    authz::parse_policy(&template_json(purpose, advertiser)?).ok()
}

/// The one definition of a grant's effective policy, as JSON: the grant's own policy, or else
/// its purpose's template for the account.
pub fn effective_policy_text(grant: &Grant, advertiser: &Advertiser) -> Option<String> {
    grant
        .policy
        .clone()
        .or_else(|| template_json(grant.purpose, advertiser))
}

/// Why a grant has no usable policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EffectivePolicyError {
    /// The grant has no policy and its purpose no template for the account.
    #[error("the grant's purpose `{0}` has no policy")]
    NoPolicy(Purpose),
    /// The stored policy does not parse (the engine's message).
    #[error("the grant's policy is not valid: {0}")]
    Invalid(String),
}

/// [`effective_policy_text`], parsed.
pub fn effective_policy(
    grant: &Grant,
    advertiser: &Advertiser,
) -> Result<Policy, EffectivePolicyError> {
    let text = effective_policy_text(grant, advertiser)
        .ok_or(EffectivePolicyError::NoPolicy(grant.purpose))?;
    authz::parse_policy(&text).map_err(|e| EffectivePolicyError::Invalid(e.to_string()))
}

/// A guardrail as the consent review reads it.
pub fn guardrail_spec(g: &Guardrail) -> GuardrailSpec {
    GuardrailSpec {
        id: g.id.to_string(),
        name: g.name.clone(),
        actions: g.actions.clone(),
        resources: g.resources.clone(),
    }
}

/// A guardrail as a policy: one statement, named after the guardrail, allowing what the
/// guardrail forbids any agent to hold (the gateway denies a request this policy allows).
pub fn guardrail_policy(g: &Guardrail) -> Result<Policy, String> {
    let doc = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Sid": g.name, "Effect": "Allow", "Action": g.actions, "Resource": g.resources }]
    });
    authz::parse_policy(&doc.to_string()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use charter_model::{AdvertiserId, AgentId, GrantId, GrantStatus};

    const ADV: &str = "adv_01HZX3Q7M4V5W6Y8Z9A0B1C2D3";

    fn advertiser(marketplace: &str) -> Advertiser {
        Advertiser {
            id: AdvertiserId::parse(ADV).expect("an id"),
            name: "Northwind".into(),
            marketplace: charter_model::Marketplace::parse(marketplace).expect("a marketplace"),
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn grant(purpose: Purpose, policy: Option<&str>) -> Grant {
        Grant {
            id: GrantId::parse("grt_01HZX3Q7M4V5W6Y8Z9A0B1C2D3").expect("an id"),
            advertiser_id: AdvertiserId::parse(ADV).expect("an id"),
            agent_id: AgentId::parse("agt_01HZX3Q7M4V5W6Y8Z9A0B1C2D3").expect("an id"),
            status: GrantStatus::Active,
            purpose,
            policy: policy.map(str::to_string),
            created_at: chrono::DateTime::UNIX_EPOCH,
            expires_at: None,
            revoked_at: None,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            version: 1,
            not_before: None,
        }
    }

    /// The resources a policy's statements name, in order.
    fn resources(text: &str) -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(text).expect("JSON");
        v["Statement"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| match &s["Resource"] {
                serde_json::Value::String(r) => vec![r.clone()],
                serde_json::Value::Array(rs) => rs
                    .iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn a_grant_without_a_policy_gets_its_purposes_template_over_the_whole_account() {
        let expected = format!("arn:ads:us:{ADV}:*");
        // The engine formats its template's pattern itself (it depends on no other crate):
        // it must name what the model calls the whole account.
        assert_eq!(
            charter_model::arn::all_resources(charter_model::Marketplace::Us, ADV),
            expected
        );
        // The marketplace's letter case does not matter: one lower-casing rule.
        for marketplace in ["US", "us", " Us "] {
            let text =
                effective_policy_text(&grant(Purpose::Reporting, None), &advertiser(marketplace))
                    .expect("a template");
            let named = resources(&text);
            assert!(!named.is_empty(), "{text}");
            assert!(
                named.iter().all(|r| *r == expected),
                "{marketplace}: {named:?}"
            );
        }
    }

    #[test]
    fn a_grants_own_policy_wins_over_the_template() {
        let own = r#"{"Statement":[{"Effect":"Allow","Action":"sp:ListCampaigns","Resource":"arn:ads:us:x:campaign/1"}]}"#;
        let g = grant(Purpose::BidOptimization, Some(own));
        assert_eq!(
            effective_policy_text(&g, &advertiser("US")).as_deref(),
            Some(own)
        );
        assert_eq!(
            effective_policy(&g, &advertiser("US")).map(|p| p.statements.len()),
            Ok(1)
        );
    }

    #[test]
    fn unusable_policies_are_errors_naming_why() {
        let bad = grant(Purpose::Reporting, Some("{not json"));
        let e = effective_policy(&bad, &advertiser("US")).expect_err("invalid");
        assert!(
            e.to_string().starts_with("the grant's policy is not valid"),
            "{e}"
        );
    }

    #[test]
    fn a_guardrail_is_one_statement_named_after_it() {
        let g = Guardrail {
            id: charter_model::GuardrailId::parse("grd_01HZX3Q7M4V5W6Y8Z9A0B1C2D3").expect("an id"),
            advertiser_id: AdvertiserId::parse(ADV).expect("an id"),
            name: "No deletions".into(),
            actions: vec!["sp:DeleteCampaign".into()],
            resources: vec!["*".into()],
            created_at: chrono::DateTime::UNIX_EPOCH,
            created_by: "owner".into(),
        };
        let p = guardrail_policy(&g).expect("a policy");
        assert_eq!(p.statements.len(), 1);
        assert_eq!(p.statements[0].sid.as_deref(), Some("No deletions"));
        assert_eq!(guardrail_spec(&g).actions, g.actions);
    }
}

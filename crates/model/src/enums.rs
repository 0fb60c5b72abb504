//! The closed sets of values: roles, states, kinds and purposes.

use super::*;

string_enum!(/** A person's role on one advertiser account. */ AdvertiserRole, "role" {
    Owner => "owner", "Owner";
    Admin => "admin", "Admin";
    Viewer => "viewer", "Viewer";
});

impl AdvertiserRole {
    /// Owners and admins change grants; viewers only look.
    pub fn can_manage(self) -> bool {
        matches!(self, AdvertiserRole::Owner | AdvertiserRole::Admin)
    }
}

string_enum!(/** The state of a grant. */ GrantStatus, "grant status" {
    Active => "active", "Active";
    Suspended => "suspended", "Suspended";
    Revoked => "revoked", "Revoked";
});

string_enum!(/** Who built an agent relative to the advertiser. */ Party, "party" {
    FirstParty => "first_party", "First-party";
    ThirdParty => "third_party", "Third-party";
});

string_enum!(/** Whether an agent may be used at all (set by its partner). */ AgentStatus, "agent status" {
    Active => "active", "Active";
    Disabled => "disabled", "Disabled";
});

string_enum!(/** A circuit breaker's state. */ BreakerState, "breaker state" {
    Closed => "closed", "Closed";
    Open => "open", "Open";
    HalfOpen => "half_open", "Half-open";
    Terminated => "terminated", "Terminated";
});

string_enum!(/** What became of a spend reservation. */ ReservationStatus, "reservation status" {
    Reserved => "reserved", "Reserved";
    Committed => "committed", "Committed";
    Released => "released", "Released";
});

string_enum!(/** The kind of partner company. */ PartnerKind, "partner kind" {
    Agency => "agency", "Agency";
    ToolVendor => "tool_vendor", "Tool vendor";
});

string_enum!(/** Where an access request stands. */ RequestStatus, "request status" {
    Pending => "pending", "Pending";
    Approved => "approved", "Approved";
    Denied => "denied", "Denied";
});

string_enum!(/** A declared purpose an agent can be granted for. */ Purpose, "purpose" {
    Reporting => "reporting", "Reporting";
    BidOptimization => "bid_optimization", "Bid optimization";
    BudgetPacing => "budget_pacing", "Budget pacing";
    CampaignLaunch => "campaign_launch", "Campaign launch";
    KeywordResearch => "keyword_research", "Keyword research";
    CreativeRotation => "creative_rotation", "Creative rotation";
    AudienceInsights => "audience_insights", "Audience insights";
    BillingReconciliation => "billing_reconciliation", "Billing reconciliation";
});

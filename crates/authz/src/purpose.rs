//! Purpose templates: the minimal policy each declared purpose of a Charter grant needs, over the
//! built-in catalog, limited to one account in one marketplace
//! (`Resource: arn:ads:<marketplace>:<account>:*`).
//!
//! The actions of a purpose are listed by name (no wildcards, so actions added to the catalog
//! later are never granted by an old template). A template has one statement per kind of
//! access: `Read` (List and Read actions), `Change` (Write) and `SpendMoney` (Spend). No
//! template grants permissions management, deletion or payment.
//!
//! `bid_optimization` and `budget_pacing` carry no bid cap by default: the grant editor adds one
//! with [`crate::matrix::MatrixSpec::max_bid`].

use serde::Serialize;

use crate::catalog::{AccessLevel, Catalog};
use crate::json::Json;
use crate::policy::{Policy, parse_policy};

/// A declared purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PurposeInfo {
    /// `reporting`, `bid_optimization`, …
    pub code: &'static str,
    /// The name shown to people.
    pub title: &'static str,
    /// One line for the consent screen.
    pub description: &'static str,
    /// The catalog actions the purpose needs, by name.
    pub actions: &'static [&'static str],
}

const PURPOSES: &[PurposeInfo] = &[
    PurposeInfo {
        code: "reporting",
        title: "Reporting",
        description: "Lists campaigns and requests, reads and downloads performance reports.",
        actions: &[
            "sp:ListCampaigns",
            "sp:GetCampaign",
            "sb:ListCampaigns",
            "sb:GetCampaign",
            "sd:ListCampaigns",
            "sd:GetCampaign",
            "reports:ListReports",
            "reports:GetReport",
            "reports:GetReportStatus",
            "reports:DownloadReport",
            "reports:CreateReport",
        ],
    },
    PurposeInfo {
        code: "bid_optimization",
        title: "Bid optimization",
        description: "Reads campaigns, keywords and targets and changes their bids.",
        actions: &[
            "sp:ListCampaigns",
            "sp:GetCampaign",
            "sp:ListKeywords",
            "sp:GetKeyword",
            "sp:ListTargets",
            "sp:GetTarget",
            "sp:GetBidRecommendations",
            "sp:UpdateKeywordBid",
            "sp:UpdateTargetBid",
            "sb:ListCampaigns",
            "sb:GetCampaign",
            "sb:ListKeywords",
            "sb:GetKeyword",
            "sb:GetBidRecommendations",
            "sb:UpdateKeywordBid",
            "sd:ListCampaigns",
            "sd:GetCampaign",
            "sd:ListTargets",
            "sd:GetTarget",
            "sd:UpdateTargetBid",
        ],
    },
    PurposeInfo {
        code: "budget_pacing",
        title: "Budget pacing",
        description: "Reads campaigns and portfolios and changes their budgets.",
        actions: &[
            "sp:ListCampaigns",
            "sp:GetCampaign",
            "sp:GetBudgetRecommendations",
            "sp:UpdateCampaignBudget",
            "sb:ListCampaigns",
            "sb:GetCampaign",
            "sb:UpdateCampaignBudget",
            "sd:ListCampaigns",
            "sd:GetCampaign",
            "sd:UpdateCampaignBudget",
            "portfolios:ListPortfolios",
            "portfolios:GetPortfolio",
            "portfolios:UpdatePortfolioBudget",
        ],
    },
    PurposeInfo {
        code: "campaign_launch",
        title: "Campaign launch",
        description: "Creates and updates Sponsored Products campaigns, ad groups, keywords, targets and ads.",
        actions: &[
            "sp:ListCampaigns",
            "sp:GetCampaign",
            "sp:CreateCampaigns",
            "sp:UpdateCampaigns",
            "sp:ListAdGroups",
            "sp:GetAdGroup",
            "sp:CreateAdGroups",
            "sp:UpdateAdGroups",
            "sp:ListKeywords",
            "sp:GetKeyword",
            "sp:CreateKeywords",
            "sp:UpdateKeywords",
            "sp:GetKeywordRecommendations",
            "sp:ListTargets",
            "sp:GetTarget",
            "sp:CreateTargets",
            "sp:UpdateTargets",
            "sp:ListProductAds",
            "sp:GetProductAd",
            "sp:CreateProductAds",
            "sp:UpdateProductAds",
        ],
    },
    PurposeInfo {
        code: "keyword_research",
        title: "Keyword research",
        description: "Reads keywords and keyword and bid recommendations; changes nothing.",
        actions: &[
            "sp:ListKeywords",
            "sp:GetKeyword",
            "sp:ListNegativeKeywords",
            "sp:GetNegativeKeyword",
            "sp:GetKeywordRecommendations",
            "sp:GetBidRecommendations",
            "sb:ListKeywords",
            "sb:GetKeyword",
            "sb:GetBidRecommendations",
        ],
    },
    PurposeInfo {
        code: "creative_rotation",
        title: "Creative rotation",
        description: "Reads creatives and ads and switches which creatives run.",
        actions: &[
            "creatives:ListCreatives",
            "creatives:GetCreative",
            "creatives:GetCreativeModeration",
            "creatives:UpdateCreative",
            "sd:ListCreatives",
            "sd:GetCreative",
            "sd:UpdateCreatives",
            "sb:ListAds",
            "sb:GetAd",
            "sb:UpdateAds",
        ],
    },
    PurposeInfo {
        code: "audience_insights",
        title: "Audience insights",
        description: "Reads audiences and audience segments; changes nothing.",
        actions: &[
            "audiences:ListAudiences",
            "audiences:GetAudience",
            "audiences:ListAudienceSegments",
            "audiences:GetAudienceSegment",
        ],
    },
    PurposeInfo {
        code: "billing_reconciliation",
        title: "Billing reconciliation",
        description: "Reads invoices and the billing status; pays nothing and changes nothing.",
        actions: &[
            "billing:ListInvoices",
            "billing:GetInvoice",
            "billing:DownloadInvoice",
            "billing:GetBillingStatus",
        ],
    },
];

/// Every purpose, in a stable order.
pub fn purposes() -> &'static [PurposeInfo] {
    PURPOSES
}

/// A purpose by code.
pub fn purpose(code: &str) -> Option<&'static PurposeInfo> {
    PURPOSES.iter().find(|p| p.code == code)
}

/// The namespaces a purpose touches (sorted), or `None` for an unknown code.
pub fn allowed_namespaces(code: &str) -> Option<Vec<&'static str>> {
    let p = purpose(code)?;
    let mut out: Vec<&'static str> = p
        .actions
        .iter()
        .map(|a| a.split_once(':').map_or(*a, |(ns, _)| ns))
        .collect();
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// A marketplace code: 2 to 8 lower-case letters.
pub fn is_marketplace(s: &str) -> bool {
    (2..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase())
}

/// An account id: 1 to 64 ASCII letters, digits, `_` or `-` (so it cannot widen the pattern).
pub fn is_account(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The template's statements: (Sid, actions) per kind of access, in catalog order.
fn statements(p: &PurposeInfo) -> Vec<(&'static str, Vec<String>)> {
    let catalog = Catalog::builtin();
    let kinds: [(&str, &[AccessLevel]); 3] = [
        ("Read", &[AccessLevel::List, AccessLevel::Read]),
        ("Change", &[AccessLevel::Write]),
        ("SpendMoney", &[AccessLevel::Spend]),
    ];
    kinds
        .iter()
        .map(|(sid, levels)| {
            let names: Vec<String> = catalog
                .actions
                .iter()
                .filter(|a| {
                    levels.contains(&a.access_level) && p.actions.contains(&a.name.as_str())
                })
                .map(|a| a.name.clone())
                .collect();
            (*sid, names)
        })
        .filter(|(_, names)| !names.is_empty())
        .collect()
}

/// The template as pretty JSON in the policy language, or `None` for an unknown code or an
/// invalid marketplace or account (see [`is_marketplace`], [`is_account`]).
pub fn template_json(code: &str, marketplace: &str, account: &str) -> Option<String> {
    let p = purpose(code)?;
    if !is_marketplace(marketplace) || !is_account(account) {
        return None;
    }
    let resource = format!("arn:ads:{marketplace}:{account}:*");
    let stmts = statements(p)
        .into_iter()
        .map(|(sid, names)| {
            Json::object(vec![
                ("Sid", Json::string(sid)),
                ("Effect", Json::string("Allow")),
                ("Action", Json::strings(&names)),
                ("Resource", Json::string(resource.clone())),
            ])
        })
        .collect();
    let doc = Json::object(vec![
        ("Version", Json::string("2012-10-17")),
        ("Id", Json::string(format!("charter-purpose-{code}"))),
        ("Statement", Json::array(stmts)),
    ]);
    Some(doc.to_pretty())
}

/// The template policy (see [`template_json`]).
pub fn template(code: &str, marketplace: &str, account: &str) -> Option<Policy> {
    parse_policy(&template_json(code, marketplace, account)?).ok()
}

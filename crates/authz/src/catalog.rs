//! The action catalog: built-in Amazon-Ads-API-shaped actions, or one loaded from a JSON array
//! of names (parsed from a string; no IO).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::json::{self, JsonValue};
use crate::policy::PolicyError;

/// Access level of an action. Levels are ordered from the least to the most powerful.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    Spend,
    PermissionsManagement,
}

impl AccessLevel {
    /// Every level, in order.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::Spend,
        AccessLevel::PermissionsManagement,
    ];

    /// Plain words for a consent screen: `list`, `read`, `change`, `spend money`,
    /// `manage permissions`.
    pub fn words(self) -> &'static str {
        match self {
            AccessLevel::List => "list",
            AccessLevel::Read => "read",
            AccessLevel::Write => "change",
            AccessLevel::Spend => "spend money",
            AccessLevel::PermissionsManagement => "manage permissions",
        }
    }

    /// The name as serialized (`List`, …, `PermissionsManagement`).
    pub fn name(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::Spend => "Spend",
            AccessLevel::PermissionsManagement => "PermissionsManagement",
        }
    }
}

/// One catalog action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// `namespace:ActionName` in CamelCase.
    pub name: String,
    pub access_level: AccessLevel,
    pub resource_type: String,
    pub commits_money: bool,
}

/// A set of actions, looked up case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub actions: Vec<Action>,
    index: HashMap<String, usize>,
    /// Lower-cased names, by action index.
    pub(crate) lower: Vec<String>,
    /// (lower-cased name, action index), sorted: names under a prefix form one range.
    pub(crate) sorted: Vec<(String, usize)>,
}

impl Catalog {
    pub fn new(actions: Vec<Action>) -> Catalog {
        let index = actions
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.to_ascii_lowercase(), i))
            .collect();
        let lower: Vec<String> = actions
            .iter()
            .map(|a| a.name.to_ascii_lowercase())
            .collect();
        let mut sorted: Vec<(String, usize)> = lower.iter().cloned().zip(0..).collect();
        sorted.sort_unstable();
        Catalog {
            actions,
            index,
            lower,
            sorted,
        }
    }

    /// The built-in Charter catalog (Amazon Ads API surface).
    pub fn builtin() -> &'static Catalog {
        static CELL: OnceLock<Catalog> = OnceLock::new();
        CELL.get_or_init(|| {
            Catalog::new(
                BUILTIN
                    .iter()
                    .map(|(n, l, r, m)| Action {
                        name: (*n).into(),
                        access_level: *l,
                        resource_type: (*r).into(),
                        commits_money: *m,
                    })
                    .collect(),
            )
        })
    }

    /// Loads a catalog from a JSON array of action names. Levels and resource types are inferred
    /// from the verb (`List…` → List, `Get…`/`Describe…`/`Download…` → Read, verbs that pay or bid →
    /// Spend, otherwise Write); such actions never commit money unless their level is Spend.
    pub fn from_json(src: &str) -> Result<Catalog, PolicyError> {
        let err = |path: String, offset: usize, message: String| {
            let (line, col) = json::line_col(src, offset);
            PolicyError {
                path,
                line,
                col,
                offset,
                message,
            }
        };
        let doc = json::parse(src).map_err(|e| err("$".into(), e.offset, e.message))?;
        let JsonValue::Array(items) = &doc.value else {
            return Err(err(
                "$".into(),
                doc.offset,
                "expected an array of action names".into(),
            ));
        };
        let mut actions = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, it) in items.iter().enumerate() {
            let JsonValue::String(name) = &it.value else {
                return Err(err(
                    format!("$[{i}]"),
                    it.offset,
                    "expected a string".into(),
                ));
            };
            let Some((ns, act)) = name.split_once(':') else {
                return Err(err(
                    format!("$[{i}]"),
                    it.offset,
                    format!("`{name}` is not of the form `namespace:Action`"),
                ));
            };
            if ns.is_empty() || act.is_empty() || name.contains(['*', '?']) {
                return Err(err(
                    format!("$[{i}]"),
                    it.offset,
                    format!("`{name}` is not of the form `namespace:Action`"),
                ));
            }
            if !seen.insert(name.to_ascii_lowercase()) {
                return Err(err(
                    format!("$[{i}]"),
                    it.offset,
                    format!("duplicate action `{name}`"),
                ));
            }
            let words = camel_words(act);
            let verb = words.first().copied().unwrap_or_default();
            let level = match verb {
                "List" => AccessLevel::List,
                "Get" | "Describe" | "Download" | "Read" => AccessLevel::Read,
                "Pay" | "Bid" | "Spend" | "Purchase" => AccessLevel::Spend,
                _ if act.ends_with("Budget") || act.ends_with("Bid") => AccessLevel::Spend,
                _ => AccessLevel::Write,
            };
            let resource_type = words.get(1..).map(|w| w.concat()).unwrap_or_default();
            actions.push(Action {
                name: name.clone(),
                access_level: level,
                resource_type,
                commits_money: level == AccessLevel::Spend,
            });
        }
        Ok(Catalog::new(actions))
    }

    /// Looks an action up case-insensitively.
    pub fn get(&self, name: &str) -> Option<&Action> {
        self.index
            .get(&name.to_ascii_lowercase())
            .and_then(|i| self.actions.get(*i))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The distinct namespaces (`sp` of `sp:GetCampaign`), sorted.
    pub fn namespaces(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.actions.iter().map(|a| a.namespace()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl Action {
    /// The namespace: the part of the name before `:`.
    pub fn namespace(&self) -> &str {
        self.name.split_once(':').map_or("", |(ns, _)| ns)
    }
}

/// Splits a CamelCase name into words: `GetBucketPolicy` → `Get`, `Bucket`, `Policy`;
/// `DSPOrder` → `DSP`, `Order`. Digits stay with the preceding word.
pub fn camel_words(s: &str) -> Vec<&str> {
    let b: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for k in 1..b.len() {
        let (i, c) = b[k];
        let prev = b[k - 1].1;
        let next = b.get(k + 1).map(|x| x.1);
        let boundary = c.is_uppercase()
            && (prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next.is_some_and(char::is_lowercase)));
        if boundary {
            out.push(&s[start..i]);
            start = i;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

// Generated table of the built-in catalog: (name, access level, resource type, commits money).
pub(crate) const BUILTIN: &[(&str, AccessLevel, &str, bool)] = &[
    ("sp:ListCampaigns", AccessLevel::List, "Campaign", false),
    ("sp:GetCampaign", AccessLevel::Read, "Campaign", false),
    ("sp:CreateCampaigns", AccessLevel::Write, "Campaign", true),
    ("sp:UpdateCampaigns", AccessLevel::Write, "Campaign", true),
    ("sp:DeleteCampaigns", AccessLevel::Write, "Campaign", false),
    ("sp:ListAdGroups", AccessLevel::List, "AdGroup", false),
    ("sp:GetAdGroup", AccessLevel::Read, "AdGroup", false),
    ("sp:CreateAdGroups", AccessLevel::Write, "AdGroup", false),
    ("sp:UpdateAdGroups", AccessLevel::Write, "AdGroup", false),
    ("sp:DeleteAdGroups", AccessLevel::Write, "AdGroup", false),
    ("sp:ListKeywords", AccessLevel::List, "Keyword", false),
    ("sp:GetKeyword", AccessLevel::Read, "Keyword", false),
    ("sp:CreateKeywords", AccessLevel::Write, "Keyword", true),
    ("sp:UpdateKeywords", AccessLevel::Write, "Keyword", false),
    ("sp:DeleteKeywords", AccessLevel::Write, "Keyword", false),
    (
        "sp:ListNegativeKeywords",
        AccessLevel::List,
        "NegativeKeyword",
        false,
    ),
    (
        "sp:GetNegativeKeyword",
        AccessLevel::Read,
        "NegativeKeyword",
        false,
    ),
    (
        "sp:CreateNegativeKeywords",
        AccessLevel::Write,
        "NegativeKeyword",
        false,
    ),
    (
        "sp:UpdateNegativeKeywords",
        AccessLevel::Write,
        "NegativeKeyword",
        false,
    ),
    (
        "sp:DeleteNegativeKeywords",
        AccessLevel::Write,
        "NegativeKeyword",
        false,
    ),
    (
        "sp:ListCampaignNegativeKeywords",
        AccessLevel::List,
        "CampaignNegativeKeyword",
        false,
    ),
    (
        "sp:GetCampaignNegativeKeyword",
        AccessLevel::Read,
        "CampaignNegativeKeyword",
        false,
    ),
    (
        "sp:CreateCampaignNegativeKeywords",
        AccessLevel::Write,
        "CampaignNegativeKeyword",
        false,
    ),
    (
        "sp:UpdateCampaignNegativeKeywords",
        AccessLevel::Write,
        "CampaignNegativeKeyword",
        false,
    ),
    (
        "sp:DeleteCampaignNegativeKeywords",
        AccessLevel::Write,
        "CampaignNegativeKeyword",
        false,
    ),
    ("sp:ListTargets", AccessLevel::List, "Target", false),
    ("sp:GetTarget", AccessLevel::Read, "Target", false),
    ("sp:CreateTargets", AccessLevel::Write, "Target", true),
    ("sp:UpdateTargets", AccessLevel::Write, "Target", false),
    ("sp:DeleteTargets", AccessLevel::Write, "Target", false),
    (
        "sp:ListNegativeTargets",
        AccessLevel::List,
        "NegativeTarget",
        false,
    ),
    (
        "sp:GetNegativeTarget",
        AccessLevel::Read,
        "NegativeTarget",
        false,
    ),
    (
        "sp:CreateNegativeTargets",
        AccessLevel::Write,
        "NegativeTarget",
        false,
    ),
    (
        "sp:UpdateNegativeTargets",
        AccessLevel::Write,
        "NegativeTarget",
        false,
    ),
    (
        "sp:DeleteNegativeTargets",
        AccessLevel::Write,
        "NegativeTarget",
        false,
    ),
    ("sp:ListProductAds", AccessLevel::List, "ProductAd", false),
    ("sp:GetProductAd", AccessLevel::Read, "ProductAd", false),
    (
        "sp:CreateProductAds",
        AccessLevel::Write,
        "ProductAd",
        false,
    ),
    (
        "sp:UpdateProductAds",
        AccessLevel::Write,
        "ProductAd",
        false,
    ),
    (
        "sp:DeleteProductAds",
        AccessLevel::Write,
        "ProductAd",
        false,
    ),
    ("sp:UpdateKeywordBid", AccessLevel::Spend, "Keyword", true),
    ("sp:UpdateTargetBid", AccessLevel::Spend, "Target", true),
    (
        "sp:UpdateCampaignBudget",
        AccessLevel::Spend,
        "Campaign",
        true,
    ),
    (
        "sp:GetBidRecommendations",
        AccessLevel::Read,
        "Keyword",
        false,
    ),
    (
        "sp:GetKeywordRecommendations",
        AccessLevel::Read,
        "Keyword",
        false,
    ),
    (
        "sp:GetBudgetRecommendations",
        AccessLevel::Read,
        "Campaign",
        false,
    ),
    (
        "sp:CreateBudgetRule",
        AccessLevel::Spend,
        "BudgetRule",
        true,
    ),
    ("sp:ListBudgetRules", AccessLevel::List, "BudgetRule", false),
    ("sp:GetBudgetRule", AccessLevel::Read, "BudgetRule", false),
    (
        "sp:UpdateBudgetRule",
        AccessLevel::Spend,
        "BudgetRule",
        true,
    ),
    (
        "sp:DeleteBudgetRule",
        AccessLevel::Write,
        "BudgetRule",
        false,
    ),
    ("sb:ListCampaigns", AccessLevel::List, "Campaign", false),
    ("sb:GetCampaign", AccessLevel::Read, "Campaign", false),
    ("sb:CreateCampaigns", AccessLevel::Write, "Campaign", true),
    ("sb:UpdateCampaigns", AccessLevel::Write, "Campaign", true),
    ("sb:DeleteCampaigns", AccessLevel::Write, "Campaign", false),
    ("sb:ListAdGroups", AccessLevel::List, "AdGroup", false),
    ("sb:GetAdGroup", AccessLevel::Read, "AdGroup", false),
    ("sb:CreateAdGroups", AccessLevel::Write, "AdGroup", false),
    ("sb:UpdateAdGroups", AccessLevel::Write, "AdGroup", false),
    ("sb:DeleteAdGroups", AccessLevel::Write, "AdGroup", false),
    ("sb:ListKeywords", AccessLevel::List, "Keyword", false),
    ("sb:GetKeyword", AccessLevel::Read, "Keyword", false),
    ("sb:CreateKeywords", AccessLevel::Write, "Keyword", true),
    ("sb:UpdateKeywords", AccessLevel::Write, "Keyword", false),
    ("sb:DeleteKeywords", AccessLevel::Write, "Keyword", false),
    (
        "sb:ListNegativeKeywords",
        AccessLevel::List,
        "NegativeKeyword",
        false,
    ),
    (
        "sb:GetNegativeKeyword",
        AccessLevel::Read,
        "NegativeKeyword",
        false,
    ),
    (
        "sb:CreateNegativeKeywords",
        AccessLevel::Write,
        "NegativeKeyword",
        false,
    ),
    (
        "sb:UpdateNegativeKeywords",
        AccessLevel::Write,
        "NegativeKeyword",
        false,
    ),
    (
        "sb:DeleteNegativeKeywords",
        AccessLevel::Write,
        "NegativeKeyword",
        false,
    ),
    ("sb:ListTargets", AccessLevel::List, "Target", false),
    ("sb:GetTarget", AccessLevel::Read, "Target", false),
    ("sb:CreateTargets", AccessLevel::Write, "Target", true),
    ("sb:UpdateTargets", AccessLevel::Write, "Target", false),
    ("sb:DeleteTargets", AccessLevel::Write, "Target", false),
    ("sb:ListAds", AccessLevel::List, "Ad", false),
    ("sb:GetAd", AccessLevel::Read, "Ad", false),
    ("sb:CreateAds", AccessLevel::Write, "Ad", false),
    ("sb:UpdateAds", AccessLevel::Write, "Ad", false),
    ("sb:DeleteAds", AccessLevel::Write, "Ad", false),
    ("sb:UpdateKeywordBid", AccessLevel::Spend, "Keyword", true),
    (
        "sb:UpdateCampaignBudget",
        AccessLevel::Spend,
        "Campaign",
        true,
    ),
    (
        "sb:GetBidRecommendations",
        AccessLevel::Read,
        "Keyword",
        false,
    ),
    ("sd:ListCampaigns", AccessLevel::List, "Campaign", false),
    ("sd:GetCampaign", AccessLevel::Read, "Campaign", false),
    ("sd:CreateCampaigns", AccessLevel::Write, "Campaign", true),
    ("sd:UpdateCampaigns", AccessLevel::Write, "Campaign", true),
    ("sd:DeleteCampaigns", AccessLevel::Write, "Campaign", false),
    ("sd:ListAdGroups", AccessLevel::List, "AdGroup", false),
    ("sd:GetAdGroup", AccessLevel::Read, "AdGroup", false),
    ("sd:CreateAdGroups", AccessLevel::Write, "AdGroup", false),
    ("sd:UpdateAdGroups", AccessLevel::Write, "AdGroup", false),
    ("sd:DeleteAdGroups", AccessLevel::Write, "AdGroup", false),
    ("sd:ListTargets", AccessLevel::List, "Target", false),
    ("sd:GetTarget", AccessLevel::Read, "Target", false),
    ("sd:CreateTargets", AccessLevel::Write, "Target", true),
    ("sd:UpdateTargets", AccessLevel::Write, "Target", false),
    ("sd:DeleteTargets", AccessLevel::Write, "Target", false),
    ("sd:ListProductAds", AccessLevel::List, "ProductAd", false),
    ("sd:GetProductAd", AccessLevel::Read, "ProductAd", false),
    (
        "sd:CreateProductAds",
        AccessLevel::Write,
        "ProductAd",
        false,
    ),
    (
        "sd:UpdateProductAds",
        AccessLevel::Write,
        "ProductAd",
        false,
    ),
    (
        "sd:DeleteProductAds",
        AccessLevel::Write,
        "ProductAd",
        false,
    ),
    ("sd:ListCreatives", AccessLevel::List, "Creative", false),
    ("sd:GetCreative", AccessLevel::Read, "Creative", false),
    ("sd:CreateCreatives", AccessLevel::Write, "Creative", false),
    ("sd:UpdateCreatives", AccessLevel::Write, "Creative", false),
    ("sd:DeleteCreatives", AccessLevel::Write, "Creative", false),
    ("sd:UpdateTargetBid", AccessLevel::Spend, "Target", true),
    (
        "sd:UpdateCampaignBudget",
        AccessLevel::Spend,
        "Campaign",
        true,
    ),
    (
        "portfolios:ListPortfolios",
        AccessLevel::List,
        "Portfolio",
        false,
    ),
    (
        "portfolios:GetPortfolio",
        AccessLevel::Read,
        "Portfolio",
        false,
    ),
    (
        "portfolios:CreatePortfolios",
        AccessLevel::Write,
        "Portfolio",
        false,
    ),
    (
        "portfolios:UpdatePortfolios",
        AccessLevel::Write,
        "Portfolio",
        false,
    ),
    (
        "portfolios:UpdatePortfolioBudget",
        AccessLevel::Spend,
        "Portfolio",
        true,
    ),
    (
        "portfolios:DeletePortfolios",
        AccessLevel::Write,
        "Portfolio",
        false,
    ),
    ("reports:ListReports", AccessLevel::List, "Report", false),
    ("reports:GetReport", AccessLevel::Read, "Report", false),
    (
        "reports:GetReportStatus",
        AccessLevel::Read,
        "Report",
        false,
    ),
    ("reports:DownloadReport", AccessLevel::Read, "Report", false),
    ("reports:CreateReport", AccessLevel::Write, "Report", false),
    ("reports:DeleteReport", AccessLevel::Write, "Report", false),
    (
        "reports:ListReportTemplates",
        AccessLevel::List,
        "Report",
        false,
    ),
    (
        "reports:GetReportTemplate",
        AccessLevel::Read,
        "Report",
        false,
    ),
    (
        "audiences:ListAudiences",
        AccessLevel::List,
        "Audience",
        false,
    ),
    (
        "audiences:GetAudience",
        AccessLevel::Read,
        "Audience",
        false,
    ),
    (
        "audiences:CreateAudience",
        AccessLevel::Write,
        "Audience",
        false,
    ),
    (
        "audiences:UpdateAudience",
        AccessLevel::Write,
        "Audience",
        false,
    ),
    (
        "audiences:DeleteAudience",
        AccessLevel::Write,
        "Audience",
        false,
    ),
    (
        "audiences:ListAudienceSegments",
        AccessLevel::List,
        "Audience",
        false,
    ),
    (
        "audiences:GetAudienceSegment",
        AccessLevel::Read,
        "Audience",
        false,
    ),
    ("dsp:ListOrders", AccessLevel::List, "Order", false),
    ("dsp:GetOrder", AccessLevel::Read, "Order", false),
    ("dsp:CreateOrder", AccessLevel::Spend, "Order", true),
    ("dsp:UpdateOrder", AccessLevel::Write, "Order", true),
    ("dsp:UpdateOrderBudget", AccessLevel::Spend, "Order", true),
    ("dsp:ArchiveOrder", AccessLevel::Write, "Order", false),
    ("dsp:ListLineItems", AccessLevel::List, "LineItem", false),
    ("dsp:GetLineItem", AccessLevel::Read, "LineItem", false),
    ("dsp:CreateLineItem", AccessLevel::Spend, "LineItem", true),
    ("dsp:UpdateLineItem", AccessLevel::Write, "LineItem", true),
    (
        "dsp:UpdateLineItemBudget",
        AccessLevel::Spend,
        "LineItem",
        true,
    ),
    ("dsp:ArchiveLineItem", AccessLevel::Write, "LineItem", false),
    (
        "dsp:ListLineItemCreatives",
        AccessLevel::List,
        "LineItem",
        false,
    ),
    (
        "dsp:AssociateCreativeWithLineItem",
        AccessLevel::Write,
        "LineItem",
        false,
    ),
    (
        "dsp:ListAdvertisers",
        AccessLevel::List,
        "Advertiser",
        false,
    ),
    ("dsp:GetAdvertiser", AccessLevel::Read, "Advertiser", false),
    ("dsp:GetInventory", AccessLevel::Read, "Inventory", false),
    (
        "creatives:ListCreatives",
        AccessLevel::List,
        "Creative",
        false,
    ),
    (
        "creatives:GetCreative",
        AccessLevel::Read,
        "Creative",
        false,
    ),
    (
        "creatives:CreateCreative",
        AccessLevel::Write,
        "Creative",
        false,
    ),
    (
        "creatives:UpdateCreative",
        AccessLevel::Write,
        "Creative",
        false,
    ),
    (
        "creatives:DeleteCreative",
        AccessLevel::Write,
        "Creative",
        false,
    ),
    ("creatives:ListAssets", AccessLevel::List, "Asset", false),
    ("creatives:GetAsset", AccessLevel::Read, "Asset", false),
    ("creatives:UploadAsset", AccessLevel::Write, "Asset", false),
    (
        "creatives:GetCreativeModeration",
        AccessLevel::Read,
        "Creative",
        false,
    ),
    ("stores:ListStores", AccessLevel::List, "Store", false),
    ("stores:GetStore", AccessLevel::Read, "Store", false),
    ("stores:CreateStorePage", AccessLevel::Write, "Store", false),
    ("stores:UpdateStorePage", AccessLevel::Write, "Store", false),
    ("stores:DeleteStorePage", AccessLevel::Write, "Store", false),
    ("stores:GetStoreInsights", AccessLevel::Read, "Store", false),
    ("stores:PublishStore", AccessLevel::Write, "Store", false),
    ("billing:ListInvoices", AccessLevel::List, "Invoice", false),
    ("billing:GetInvoice", AccessLevel::Read, "Invoice", false),
    (
        "billing:DownloadInvoice",
        AccessLevel::Read,
        "Invoice",
        false,
    ),
    ("billing:PayInvoice", AccessLevel::Spend, "Invoice", true),
    (
        "billing:GetBillingStatus",
        AccessLevel::Read,
        "BillingProfile",
        false,
    ),
    (
        "billing:UpdatePaymentMethod",
        AccessLevel::Spend,
        "BillingProfile",
        true,
    ),
    (
        "billing:ListPaymentMethods",
        AccessLevel::List,
        "BillingProfile",
        false,
    ),
    (
        "billing:GetBillingNotifications",
        AccessLevel::Read,
        "BillingProfile",
        false,
    ),
    (
        "billing:UpdateCreditLimit",
        AccessLevel::Spend,
        "BillingProfile",
        true,
    ),
    ("account:ListUsers", AccessLevel::List, "User", false),
    ("account:GetUser", AccessLevel::Read, "User", false),
    (
        "account:InviteUser",
        AccessLevel::PermissionsManagement,
        "User",
        false,
    ),
    (
        "account:RemoveUser",
        AccessLevel::PermissionsManagement,
        "User",
        false,
    ),
    (
        "account:UpdateUserRole",
        AccessLevel::PermissionsManagement,
        "User",
        false,
    ),
    ("account:ListRoles", AccessLevel::List, "Role", false),
    ("account:GetRole", AccessLevel::Read, "Role", false),
    ("account:ListProfiles", AccessLevel::List, "Profile", false),
    ("account:GetProfile", AccessLevel::Read, "Profile", false),
    (
        "account:UpdateProfile",
        AccessLevel::Write,
        "Profile",
        false,
    ),
    (
        "account:ListManagerAccounts",
        AccessLevel::List,
        "ManagerAccount",
        false,
    ),
    (
        "account:LinkManagerAccount",
        AccessLevel::PermissionsManagement,
        "ManagerAccount",
        false,
    ),
    (
        "account:UnlinkManagerAccount",
        AccessLevel::PermissionsManagement,
        "ManagerAccount",
        false,
    ),
];

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_is_well_formed() {
        let c = Catalog::builtin();
        assert!(c.actions.len() >= 150, "{}", c.actions.len());
        for a in &c.actions {
            let (ns, act) = a.name.split_once(':').unwrap_or_default();
            assert!(
                !ns.is_empty() && act.chars().next().is_some_and(char::is_uppercase),
                "{}",
                a.name
            );
            assert_eq!(
                a.commits_money,
                a.commits_money
                    && (a.access_level == AccessLevel::Spend
                        || a.access_level == AccessLevel::Write)
            );
        }
        assert!(c.contains("SP:updatekeywordbid"));
        for ns in [
            "sp:",
            "sb:",
            "sd:",
            "portfolios:",
            "reports:",
            "audiences:",
            "dsp:",
            "creatives:",
            "stores:",
            "billing:",
            "account:",
        ] {
            assert!(c.actions.iter().any(|a| a.name.starts_with(ns)), "{ns}");
        }
    }

    #[test]
    fn camel_case_words() {
        assert_eq!(camel_words("GetBucketPolicy"), ["Get", "Bucket", "Policy"]);
        assert_eq!(camel_words("ListDSPOrders"), ["List", "DSP", "Orders"]);
        assert_eq!(camel_words("Get2FACode"), ["Get2", "FA", "Code"]);
    }

    #[test]
    fn loads_from_json_with_errors_located() {
        let c = Catalog::from_json(r#"["s3:GetObject", "s3:PutObject"]"#).unwrap_or_default();
        assert_eq!(c.actions.len(), 2);
        assert_eq!(
            c.get("s3:getobject").map(|a| a.access_level),
            Some(AccessLevel::Read)
        );
        let e = Catalog::from_json("[\n \"s3:Get\", 3]")
            .err()
            .map(|e| (e.path, e.line, e.col));
        assert_eq!(e, Some(("$[1]".to_string(), 2, 12)));
    }
}

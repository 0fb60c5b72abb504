//! The Agents page's query and a page of results.

use super::*;

string_enum!(/** The Agents page's status filter: grant states, with expiry split out of "active". */ StatusFilter, "grant status" {
    Active => "active", "Active";
    Expired => "expired", "Expired";
    Suspended => "suspended", "Suspended";
    Revoked => "revoked", "Revoked";
});

/// Filters and page for the Agents page. Built with [`AgentQuery::parse`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentQuery {
    /// Case-insensitive text matched against agent, application and partner names, or an exact
    /// agent id.
    pub search: String,
    pub partner: Option<PartnerId>,
    pub status: Option<StatusFilter>,
    /// 1-based page number.
    pub page: u32,
    pub per_page: u32,
}

impl AgentQuery {
    pub const DEFAULT_PER_PAGE: u32 = 25;
    pub const MAX_PER_PAGE: u32 = 100;

    /// Builds a query from untrusted strings. Unknown partners or statuses are errors, so a typo
    /// never silently shows "no agents".
    pub fn parse(
        search: Option<&str>,
        partner: Option<&str>,
        status: Option<&str>,
        page: Option<&str>,
    ) -> Result<Self, ParseError> {
        let search: String = search.unwrap_or("").trim().chars().take(100).collect();
        let partner = match partner.map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => Some(PartnerId::parse(p)?),
            None => None,
        };
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(StatusFilter::parse(s)?),
            None => None,
        };
        let page = match page.map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => match p.parse::<u32>() {
                Ok(n) if (1..=100_000).contains(&n) => n,
                _ => {
                    return Err(ParseError::Invalid {
                        what: "page number",
                        value: p.chars().take(16).collect(),
                    });
                }
            },
            None => 1,
        };
        Ok(Self {
            search,
            partner,
            status,
            page,
            per_page: Self::DEFAULT_PER_PAGE,
        })
    }

    /// Every grant on one page, unfiltered (for tests and exports of small accounts).
    pub fn default_page() -> Self {
        Self {
            page: 1,
            per_page: Self::MAX_PER_PAGE,
            ..Self::default()
        }
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(self.per_page)
    }
}

/// One page of results and the total count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> u32 {
        if self.total == 0 {
            1
        } else {
            u32::try_from(self.total.div_ceil(u64::from(self.per_page.max(1)))).unwrap_or(u32::MAX)
        }
    }
}

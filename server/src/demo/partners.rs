//! The demo partners, their applications and agents, with the purposes each agent is granted.

use charter_store::model::*;

/// (partner, kind, [(application, description, [(agent, description, purposes, party)])])
pub(super) type AgentSpec = (&'static str, &'static str, &'static [Purpose], Party);
pub(super) type AppSpec = (&'static str, &'static str, &'static [AgentSpec]);
pub(super) type PartnerSpec = (&'static str, PartnerKind, &'static [AppSpec]);

use Party::{FirstParty as FP, ThirdParty as TP};
use Purpose::*;

pub(super) const PARTNERS: &[PartnerSpec] = &[
    (
        "Quantive Labs",
        PartnerKind::ToolVendor,
        &[
            (
                "Quantive Bidder",
                "Automated bid management for Sponsored Products",
                &[
                    (
                        "Bid Pilot",
                        "Adjusts keyword bids hourly toward a target ACoS",
                        &[BidOptimization],
                        TP,
                    ),
                    (
                        "Dayparting Agent",
                        "Raises and lowers bids by hour of day",
                        &[BidOptimization, BudgetPacing],
                        TP,
                    ),
                    (
                        "Negative Keyword Miner",
                        "Finds wasteful search terms and proposes negatives",
                        &[KeywordResearch],
                        TP,
                    ),
                    (
                        "Bid Guard",
                        "Caps runaway bids and alerts on anomalies",
                        &[BidOptimization],
                        TP,
                    ),
                ],
            ),
            (
                "Quantive Insights",
                "Reporting and analytics",
                &[
                    (
                        "Weekly Report Writer",
                        "Summarises performance every Monday",
                        &[Reporting],
                        TP,
                    ),
                    (
                        "Anomaly Watch",
                        "Flags sudden changes in spend or sales",
                        &[Reporting, AudienceInsights],
                        TP,
                    ),
                    (
                        "Share of Voice Tracker",
                        "Tracks brand visibility on key searches",
                        &[Reporting, KeywordResearch],
                        TP,
                    ),
                    (
                        "Search Term Reporter",
                        "Reports converting and wasted search terms",
                        &[Reporting, KeywordResearch],
                        TP,
                    ),
                ],
            ),
        ],
    ),
    (
        "Aurora Media Group",
        PartnerKind::Agency,
        &[
            (
                "Aurora Launchpad",
                "Campaign launch automation for agency clients",
                &[
                    (
                        "Launch Planner",
                        "Builds campaign structures from a media plan",
                        &[CampaignLaunch],
                        TP,
                    ),
                    (
                        "Creative Rotator",
                        "Rotates Sponsored Brands creatives by performance",
                        &[CreativeRotation],
                        TP,
                    ),
                    (
                        "Holiday Ramp",
                        "Scales budgets ahead of seasonal peaks",
                        &[BudgetPacing, CampaignLaunch],
                        TP,
                    ),
                    (
                        "Prime Day Launcher",
                        "Stages deal campaigns ahead of Prime Day",
                        &[CampaignLaunch, BudgetPacing],
                        TP,
                    ),
                ],
            ),
            (
                "Aurora Analyst",
                "Client reporting",
                &[
                    (
                        "Client Digest",
                        "Daily client digest e-mails",
                        &[Reporting],
                        TP,
                    ),
                    (
                        "Attribution Helper",
                        "Joins ad data with retail sales",
                        &[Reporting, AudienceInsights],
                        TP,
                    ),
                    (
                        "Brand Lift Reporter",
                        "Measures brand lift from DSP studies",
                        &[Reporting, AudienceInsights],
                        TP,
                    ),
                ],
            ),
            (
                "Aurora Finance Desk",
                "Invoice reconciliation",
                &[
                    (
                        "Invoice Matcher",
                        "Reconciles invoices with spend",
                        &[BillingReconciliation],
                        TP,
                    ),
                    (
                        "Budget Sentinel",
                        "Warns before budgets run out",
                        &[BudgetPacing],
                        TP,
                    ),
                ],
            ),
        ],
    ),
    (
        "Pacer Analytics",
        PartnerKind::ToolVendor,
        &[
            (
                "Pacer Budget",
                "Budget pacing across portfolios",
                &[
                    (
                        "Pacing Agent",
                        "Spreads daily budgets evenly across the month",
                        &[BudgetPacing],
                        TP,
                    ),
                    (
                        "Portfolio Balancer",
                        "Moves budget between portfolios by ROAS",
                        &[BudgetPacing, BidOptimization],
                        TP,
                    ),
                    (
                        "Overspend Stopper",
                        "Pauses campaigns over budget",
                        &[BudgetPacing],
                        TP,
                    ),
                    (
                        "Month-End Pacer",
                        "Lands monthly spend on target in the last week",
                        &[BudgetPacing],
                        TP,
                    ),
                ],
            ),
            (
                "Pacer Research",
                "Keyword and audience research",
                &[
                    (
                        "Keyword Scout",
                        "Suggests new keywords from search terms",
                        &[KeywordResearch],
                        TP,
                    ),
                    (
                        "Audience Builder",
                        "Proposes DSP audiences from purchase data",
                        &[AudienceInsights],
                        TP,
                    ),
                    (
                        "Category Explorer",
                        "Finds growing categories and their top keywords",
                        &[KeywordResearch],
                        TP,
                    ),
                    (
                        "ASIN Gap Finder",
                        "Finds products without advertising coverage",
                        &[KeywordResearch, CampaignLaunch],
                        TP,
                    ),
                ],
            ),
        ],
    ),
    (
        "Brightline Agency",
        PartnerKind::Agency,
        &[
            (
                "Brightline Ops",
                "Day-to-day account management",
                &[
                    (
                        "Ops Assistant",
                        "Handles routine campaign changes on request",
                        &[CampaignLaunch, BidOptimization],
                        TP,
                    ),
                    (
                        "Search Term Harvester",
                        "Moves converting search terms to exact match",
                        &[KeywordResearch, BidOptimization],
                        TP,
                    ),
                    (
                        "Catalog Sync",
                        "Keeps product ads in step with the catalog",
                        &[CampaignLaunch],
                        TP,
                    ),
                    (
                        "Store Page Editor",
                        "Updates Stores pages for promotions",
                        &[CreativeRotation],
                        TP,
                    ),
                ],
            ),
            (
                "Brightline Reports",
                "Reporting for Brightline clients",
                &[
                    (
                        "Monthly Review Bot",
                        "Prepares the monthly business review",
                        &[Reporting],
                        TP,
                    ),
                    (
                        "Competitor Watch",
                        "Tracks competitor share of voice",
                        &[Reporting, KeywordResearch],
                        TP,
                    ),
                    (
                        "Placement Analyst",
                        "Compares top-of-search and product-page placements",
                        &[Reporting, BidOptimization],
                        TP,
                    ),
                ],
            ),
            (
                "Brightline DSP",
                "Programmatic display",
                &[
                    (
                        "DSP Line Item Tuner",
                        "Tunes DSP line item bids and frequency caps",
                        &[BidOptimization],
                        TP,
                    ),
                    (
                        "Retargeting Planner",
                        "Builds retargeting audiences and orders",
                        &[AudienceInsights, CampaignLaunch],
                        TP,
                    ),
                    (
                        "Creative QA",
                        "Checks creatives against policy before launch",
                        &[CreativeRotation],
                        TP,
                    ),
                ],
            ),
        ],
    ),
    (
        "Helix Commerce AI",
        PartnerKind::ToolVendor,
        &[
            (
                "Helix Copilot",
                "A general assistant for advertisers",
                &[
                    (
                        "Helix Chat Agent",
                        "Answers questions about performance in chat",
                        &[Reporting],
                        TP,
                    ),
                    (
                        "Helix Action Agent",
                        "Makes changes the advertiser approves in chat",
                        &[CampaignLaunch, BidOptimization, BudgetPacing],
                        TP,
                    ),
                    (
                        "Helix Summariser",
                        "Writes weekly summaries",
                        &[Reporting],
                        TP,
                    ),
                    (
                        "Helix Budget Agent",
                        "Moves budget on the advertiser's instruction",
                        &[BudgetPacing],
                        TP,
                    ),
                ],
            ),
            (
                "Helix In-house",
                "Agents advertisers run themselves",
                &[
                    (
                        "In-house Bid Script",
                        "The advertiser's own bidding rules",
                        &[BidOptimization],
                        FP,
                    ),
                    (
                        "In-house Reporting",
                        "The advertiser's own dashboards",
                        &[Reporting],
                        FP,
                    ),
                    (
                        "In-house Launcher",
                        "The advertiser's own launch checklist",
                        &[CampaignLaunch],
                        FP,
                    ),
                    (
                        "In-house Billing Export",
                        "Exports invoices to the finance system",
                        &[BillingReconciliation],
                        FP,
                    ),
                ],
            ),
        ],
    ),
];

//! The sandbox Ads API data of every demo advertiser: profiles, campaigns, ad groups, keywords,
//! targets, reports and invoices, generated deterministically from the account.

use charter_store::model::*;
use charter_store::{DynStore, StoreError};
use chrono::{Datelike, Duration, Utc};

use super::names::{BERGFELD, HALCYON, NORTHWIND};
use super::rng::DemoRng;

use charter_store::{
    AdGroup, AdGroupId, Campaign, CampaignId, EntityName, EntityState, ExpressionType, Invoice,
    InvoiceId, InvoiceStatus, Keyword, KeywordId, KeywordText, MatchType, Profile, ProfileId,
    Program, ReportId, ReportJob, ReportStatus, ReportType, SandboxSeed, Target, TargetExpression,
    TargetId, TargetingType, TimeUnit,
};

struct AdGroupPlan {
    name: &'static str,
    /// Minor units.
    default_bid: i64,
    keywords: &'static [(&'static str, MatchType)],
    targets: &'static [(ExpressionType, Option<&'static str>)],
}

struct CampaignPlan {
    program: Program,
    name: &'static str,
    state: EntityState,
    /// Daily budget, minor units.
    budget: i64,
    targeting: TargetingType,
    /// Days since it started.
    age_days: i64,
    ad_groups: &'static [AdGroupPlan],
}

struct AccountPlan {
    advertiser: &'static str,
    timezone: &'static str,
    marketplace_id: &'static str,
    account_type: &'static str,
    /// VAT on the invoices, in percent.
    tax_percent: i64,
    campaigns: &'static [CampaignPlan],
}

use EntityState::{Archived, Enabled, Paused};
use ExpressionType as X;
use MatchType::{Broad, Exact, Phrase};
use Program::{Sb, Sd, Sp};
use TargetingType::{Auto, Manual};

const AUTO_TARGETS: &[(ExpressionType, Option<&str>)] = &[
    (X::QueryHighRelMatches, None),
    (X::QueryBroadRelMatches, None),
    (X::AsinSubstituteRelated, None),
    (X::AsinAccessoryRelated, None),
];

const ACCOUNTS: &[AccountPlan] = &[
    AccountPlan {
        advertiser: NORTHWIND,
        timezone: "America/Los_Angeles",
        marketplace_id: "ATVPDKIKX0DER",
        account_type: "seller",
        tax_percent: 0,
        campaigns: &[
            CampaignPlan {
                program: Sp,
                name: "Northwind - TrailBlaze Hiking Boots - Exact",
                state: Enabled,
                budget: 7_500,
                targeting: Manual,
                age_days: 410,
                ad_groups: &[
                    AdGroupPlan {
                        name: "Hiking boots - exact",
                        default_bid: 135,
                        keywords: &[
                            ("hiking boots", Exact),
                            ("waterproof hiking boots", Exact),
                            ("mens hiking boots", Exact),
                            ("womens hiking boots", Exact),
                            ("trail boots", Exact),
                        ],
                        targets: &[],
                    },
                    AdGroupPlan {
                        name: "Competitor boots",
                        default_bid: 110,
                        keywords: &[],
                        targets: &[
                            (X::AsinSameAs, Some("B07HKT4Q2M")),
                            (X::AsinSameAs, Some("B08L5R9XJ1")),
                        ],
                    },
                ],
            },
            CampaignPlan {
                program: Sp,
                name: "Northwind - Summit 2P Tent - Broad",
                state: Enabled,
                budget: 6_000,
                targeting: Manual,
                age_days: 300,
                ad_groups: &[
                    AdGroupPlan {
                        name: "Tents - broad",
                        default_bid: 95,
                        keywords: &[
                            ("backpacking tent", Broad),
                            ("2 person tent", Broad),
                            ("ultralight tent", Phrase),
                            ("camping tent waterproof", Phrase),
                        ],
                        targets: &[],
                    },
                    AdGroupPlan {
                        name: "Camping category",
                        default_bid: 80,
                        keywords: &[],
                        targets: &[(X::AsinCategorySameAs, Some("3400371"))],
                    },
                ],
            },
            CampaignPlan {
                program: Sp,
                name: "Northwind - Auto - All Products",
                state: Enabled,
                budget: 4_000,
                targeting: Auto,
                age_days: 500,
                ad_groups: &[AdGroupPlan {
                    name: "Auto targeting",
                    default_bid: 75,
                    keywords: &[],
                    targets: AUTO_TARGETS,
                }],
            },
            CampaignPlan {
                program: Sp,
                name: "Northwind - Ridgeline Daypack - Phrase",
                state: Paused,
                budget: 2_500,
                targeting: Manual,
                age_days: 200,
                ad_groups: &[AdGroupPlan {
                    name: "Daypacks",
                    default_bid: 85,
                    keywords: &[
                        ("hiking daypack", Phrase),
                        ("20l backpack", Phrase),
                        ("lightweight daypack", Exact),
                    ],
                    targets: &[],
                }],
            },
            CampaignPlan {
                program: Sp,
                name: "Northwind - Holiday Gifts 2025",
                state: Archived,
                budget: 12_000,
                targeting: Manual,
                age_days: 120,
                ad_groups: &[AdGroupPlan {
                    name: "Gift ideas",
                    default_bid: 120,
                    keywords: &[("gifts for hikers", Broad), ("camping gifts", Broad)],
                    targets: &[],
                }],
            },
            CampaignPlan {
                program: Sb,
                name: "Northwind - Brand Defense",
                state: Enabled,
                budget: 5_000,
                targeting: Manual,
                age_days: 365,
                ad_groups: &[],
            },
            CampaignPlan {
                program: Sd,
                name: "Northwind - Product View Retargeting",
                state: Enabled,
                budget: 3_000,
                targeting: Auto,
                age_days: 150,
                ad_groups: &[],
            },
        ],
    },
    AccountPlan {
        advertiser: HALCYON,
        timezone: "Europe/London",
        marketplace_id: "A1F83G8C2ARO7P",
        account_type: "seller",
        tax_percent: 20,
        campaigns: &[
            CampaignPlan {
                program: Sp,
                name: "Halcyon - Linen Bedding - Exact",
                state: Enabled,
                budget: 5_500,
                targeting: Manual,
                age_days: 380,
                ad_groups: &[AdGroupPlan {
                    name: "Linen bedding",
                    default_bid: 90,
                    keywords: &[
                        ("linen duvet cover", Exact),
                        ("linen bedding double", Exact),
                        ("stonewashed linen sheets", Exact),
                        ("king size linen bedding", Phrase),
                    ],
                    targets: &[],
                }],
            },
            CampaignPlan {
                program: Sp,
                name: "Halcyon - Cloud Duvet - Broad",
                state: Enabled,
                budget: 4_500,
                targeting: Manual,
                age_days: 260,
                ad_groups: &[
                    AdGroupPlan {
                        name: "Duvets",
                        default_bid: 80,
                        keywords: &[
                            ("hotel quality duvet", Broad),
                            ("13.5 tog duvet", Phrase),
                            ("hollowfibre duvet king", Broad),
                        ],
                        targets: &[],
                    },
                    AdGroupPlan {
                        name: "Duvet competitors",
                        default_bid: 70,
                        keywords: &[],
                        targets: &[(X::AsinSameAs, Some("B09ZQ7K3TR"))],
                    },
                ],
            },
            CampaignPlan {
                program: Sp,
                name: "Halcyon - Auto - Bedroom",
                state: Enabled,
                budget: 3_000,
                targeting: Auto,
                age_days: 330,
                ad_groups: &[AdGroupPlan {
                    name: "Auto bedroom",
                    default_bid: 60,
                    keywords: &[],
                    targets: &[
                        (X::QueryHighRelMatches, None),
                        (X::QueryBroadRelMatches, None),
                        (X::AsinSubstituteRelated, None),
                    ],
                }],
            },
            CampaignPlan {
                program: Sp,
                name: "Halcyon - Eucalyptus Towels",
                state: Paused,
                budget: 2_000,
                targeting: Manual,
                age_days: 180,
                ad_groups: &[AdGroupPlan {
                    name: "Towels",
                    default_bid: 70,
                    keywords: &[("bath towels set", Broad), ("eucalyptus towels", Exact)],
                    targets: &[],
                }],
            },
            CampaignPlan {
                program: Sb,
                name: "Halcyon - Brand Store Spotlight",
                state: Enabled,
                budget: 3_500,
                targeting: Manual,
                age_days: 240,
                ad_groups: &[],
            },
            CampaignPlan {
                program: Sd,
                name: "Halcyon - Audiences - Home Decor",
                state: Paused,
                budget: 2_500,
                targeting: Auto,
                age_days: 90,
                ad_groups: &[],
            },
        ],
    },
    AccountPlan {
        advertiser: BERGFELD,
        timezone: "Europe/Berlin",
        marketplace_id: "A1PA6795UKMFR9",
        account_type: "vendor",
        tax_percent: 19,
        campaigns: &[
            CampaignPlan {
                program: Sp,
                name: "Bergfeld - Messerblock - Exakt",
                state: Enabled,
                budget: 6_500,
                targeting: Manual,
                age_days: 420,
                ad_groups: &[AdGroupPlan {
                    name: "Messerblock",
                    default_bid: 105,
                    keywords: &[
                        ("messerblock mit messer", Exact),
                        ("kochmesser set", Exact),
                        ("messerset edelstahl", Phrase),
                        ("santoku messer", Exact),
                    ],
                    targets: &[],
                }],
            },
            CampaignPlan {
                program: Sp,
                name: "Bergfeld - Gusseisen Bräter - Broad",
                state: Enabled,
                budget: 5_000,
                targeting: Manual,
                age_days: 310,
                ad_groups: &[
                    AdGroupPlan {
                        name: "Bräter",
                        default_bid: 90,
                        keywords: &[
                            ("gusseisen bräter", Broad),
                            ("dutch oven gusseisen", Broad),
                            ("schmortopf mit deckel", Phrase),
                        ],
                        targets: &[],
                    },
                    AdGroupPlan {
                        name: "Kategorie Kochgeschirr",
                        default_bid: 75,
                        keywords: &[],
                        targets: &[(X::AsinCategorySameAs, Some("3169011"))],
                    },
                ],
            },
            CampaignPlan {
                program: Sp,
                name: "Bergfeld - Auto - Küche",
                state: Enabled,
                budget: 3_500,
                targeting: Auto,
                age_days: 450,
                ad_groups: &[AdGroupPlan {
                    name: "Auto Küche",
                    default_bid: 65,
                    keywords: &[],
                    targets: &[
                        (X::QueryHighRelMatches, None),
                        (X::AsinAccessoryRelated, None),
                    ],
                }],
            },
            CampaignPlan {
                program: Sp,
                name: "Bergfeld - Espressokocher",
                state: Archived,
                budget: 4_000,
                targeting: Manual,
                age_days: 200,
                ad_groups: &[AdGroupPlan {
                    name: "Espresso",
                    default_bid: 95,
                    keywords: &[("espressokocher induktion", Exact)],
                    targets: &[],
                }],
            },
            CampaignPlan {
                program: Sb,
                name: "Bergfeld - Markenschutz",
                state: Enabled,
                budget: 4_000,
                targeting: Manual,
                age_days: 365,
                ad_groups: &[],
            },
            CampaignPlan {
                program: Sd,
                name: "Bergfeld - Retargeting Käufer",
                state: Enabled,
                budget: 2_000,
                targeting: Auto,
                age_days: 140,
                ad_groups: &[],
            },
        ],
    },
];

/// Whether a campaign delivered on `day` (for invoices).
fn delivered(c: &Campaign, day: chrono::NaiveDate) -> bool {
    day >= c.start_date
        && c.end_date.is_none_or(|e| day <= e)
        && (c.state == Enabled || day < c.updated_at.date_naive())
}

/// The sandbox data of one demo account, as of `now`: its profile, campaigns with ad groups,
/// keywords (bids around each ad group's default bid) and targets, three completed reports and
/// six months of invoices. Deterministic apart from timestamps: ids, bids and amounts come from
/// a generator seeded with the account's name.
pub fn sandbox_seed(
    advertiser: &Advertiser,
    now: chrono::DateTime<Utc>,
) -> Result<SandboxSeed, StoreError> {
    let Some(plan) = ACCOUNTS.iter().find(|a| a.advertiser == advertiser.name) else {
        return Ok(SandboxSeed::default());
    };
    let mut rng = DemoRng::for_name(plan.advertiser);
    let mut seed = SandboxSeed {
        profile: Some(Profile {
            id: ProfileId::parse(&rng.id())?,
            advertiser_id: advertiser.id.clone(),
            country_code: advertiser.marketplace.code().into(),
            currency_code: advertiser.currency().code().into(),
            timezone: plan.timezone.into(),
            account_name: advertiser.name.clone(),
            account_type: plan.account_type.into(),
            marketplace_string_id: plan.marketplace_id.into(),
            created_at: now - Duration::days(600),
        }),
        ..SandboxSeed::default()
    };
    seed_campaigns(&mut seed, &mut rng, plan, &advertiser.id, now)?;
    seed_history(&mut seed, now);
    seed_reports(&mut seed, &mut rng, advertiser, now)?;
    seed_invoices(&mut seed, &mut rng, plan, advertiser, now)?;
    Ok(seed)
}

/// The plan's campaigns with their ad groups, keywords (bids around each ad group's default
/// bid) and targets.
fn seed_campaigns(
    seed: &mut SandboxSeed,
    rng: &mut DemoRng,
    plan: &AccountPlan,
    adv: &AdvertiserId,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    let changed = |state: EntityState, created: chrono::DateTime<Utc>| match state {
        Enabled => created.max(now - Duration::days(3)),
        Paused => now - Duration::days(20),
        Archived => now - Duration::days(45),
    };
    for cp in plan.campaigns {
        let created = now - Duration::days(cp.age_days);
        let campaign = Campaign {
            id: CampaignId::parse(&rng.id())?,
            advertiser_id: adv.clone(),
            program: cp.program,
            name: EntityName::parse(cp.name)?,
            state: cp.state,
            daily_budget_minor: cp.budget,
            start_date: created.date_naive(),
            end_date: None,
            targeting_type: cp.targeting,
            created_at: created,
            updated_at: changed(cp.state, created),
        };
        for gp in cp.ad_groups {
            let group = AdGroup {
                id: AdGroupId::parse(&rng.id())?,
                advertiser_id: adv.clone(),
                campaign_id: campaign.id,
                name: EntityName::parse(gp.name)?,
                state: Enabled,
                default_bid_minor: gp.default_bid,
                created_at: created,
                updated_at: created,
            };
            let bid =
                |rng: &mut DemoRng| (gp.default_bid * rng.range(80, 140) / 100 / 5 * 5).max(2);
            for (text, match_type) in gp.keywords {
                seed.keywords.push(Keyword {
                    id: KeywordId::parse(&rng.id())?,
                    advertiser_id: adv.clone(),
                    campaign_id: campaign.id,
                    ad_group_id: group.id,
                    text: KeywordText::parse(text)?,
                    match_type: *match_type,
                    state: Enabled,
                    bid_minor: bid(rng),
                    created_at: created,
                    updated_at: created,
                });
            }
            for (kind, value) in gp.targets {
                seed.targets.push(Target {
                    id: TargetId::parse(&rng.id())?,
                    advertiser_id: adv.clone(),
                    campaign_id: campaign.id,
                    ad_group_id: group.id,
                    expression: TargetExpression::parse(*kind, *value)?,
                    state: Enabled,
                    bid_minor: bid(rng),
                    created_at: created,
                    updated_at: created,
                });
            }
            seed.ad_groups.push(group);
        }
        seed.campaigns.push(campaign);
    }
    Ok(())
}

/// Some history: in the first ad group, the last keyword was archived and another paused.
fn seed_history(seed: &mut SandboxSeed, now: chrono::DateTime<Utc>) {
    let first_group = seed.ad_groups.first().map(|g| g.id);
    let in_first: Vec<usize> = (0..seed.keywords.len())
        .filter(|i| Some(seed.keywords[*i].ad_group_id) == first_group)
        .collect();
    if let [.., paused, archived] = in_first.as_slice() {
        seed.keywords[*archived].state = Archived;
        seed.keywords[*archived].updated_at = now - Duration::days(60);
        seed.keywords[*paused].state = Paused;
        seed.keywords[*paused].updated_at = now - Duration::days(10);
    }
}

/// Three completed reports, computed from the account's entities.
fn seed_reports(
    seed: &mut SandboxSeed,
    rng: &mut DemoRng,
    advertiser: &Advertiser,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    let adv = &advertiser.id;
    let today = now.date_naive();
    let yesterday = today - Duration::days(1);
    let reports = [
        (
            "Weekly campaign summary",
            ReportType::SpCampaigns,
            TimeUnit::Summary,
            7,
            1,
        ),
        (
            "Daily campaign trend",
            ReportType::SpCampaigns,
            TimeUnit::Daily,
            14,
            2,
        ),
        (
            "Targeting review",
            ReportType::SpTargeting,
            TimeUnit::Summary,
            30,
            3,
        ),
    ];
    for (name, kind, unit, span, age) in reports {
        let created = now - Duration::days(age);
        let mut job = ReportJob {
            id: ReportId::parse(&format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                rng.next() as u32,
                rng.next() as u16,
                rng.next() % 0x1000,
                rng.next() % 0x1000,
                rng.next() % 0x1_0000_0000_0000
            ))?,
            advertiser_id: adv.clone(),
            name: EntityName::parse(name)?,
            report_type: kind,
            time_unit: unit,
            columns: charter_sandbox::reports::default_columns(kind, unit),
            start_date: yesterday - Duration::days(span - 1),
            end_date: yesterday,
            status: ReportStatus::Completed,
            created_at: created,
            updated_at: created + Duration::seconds(4),
            completed_at: Some(created + Duration::seconds(4)),
            payload: None,
        };
        let data = charter_sandbox::reports::ReportData {
            campaigns: &seed.campaigns,
            ad_groups: &seed.ad_groups,
            keywords: &seed.keywords,
            targets: &seed.targets,
            currency: advertiser.currency(),
        };
        let rows = charter_sandbox::reports::compute_rows(&job, &data);
        job.payload = Some(serde_json::Value::Array(rows).to_string());
        seed.reports.push(job);
    }

    Ok(())
}

/// Six months of invoices: what the campaigns delivered each month, the last one unpaid.
fn seed_invoices(
    seed: &mut SandboxSeed,
    rng: &mut DemoRng,
    plan: &AccountPlan,
    advertiser: &Advertiser,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    let adv = &advertiser.id;
    let today = now.date_naive();
    let this_month = today.with_day(1).unwrap_or(today);
    for back in (1..=6).rev() {
        let start = this_month
            .checked_sub_months(chrono::Months::new(back))
            .unwrap_or(this_month);
        let end = start
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(start);
        let mut amount = 0;
        for c in &seed.campaigns {
            let pacing = rng.range(55, 90);
            let days = start
                .iter_days()
                .take_while(|d| *d <= end)
                .filter(|d| delivered(c, *d))
                .count() as i64;
            amount += c.daily_budget_minor * days * pacing / 100;
        }
        let issued = (end + Duration::days(1))
            .and_hms_opt(6, 0, 0)
            .map_or(now, |t| t.and_utc())
            .min(now);
        let last = back == 1;
        seed.invoices.push(Invoice {
            id: InvoiceId::parse(&rng.id())?,
            advertiser_id: adv.clone(),
            period_start: start,
            period_end: end,
            amount_minor: amount,
            tax_minor: amount * plan.tax_percent / 100,
            currency: advertiser.currency(),
            status: if last {
                InvoiceStatus::Issued
            } else {
                InvoiceStatus::Paid
            },
            issued_at: issued,
            due_date: issued.date_naive() + Duration::days(30),
            paid_at: (!last).then(|| issued + Duration::days(9)),
        });
    }
    Ok(())
}

/// Gives every demo advertiser its sandbox Ads data (see [`sandbox_seed`]).
pub(super) async fn seed_sandbox(
    store: &DynStore,
    advertisers: &[&Advertiser],
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    for adv in advertisers {
        store
            .seed_sandbox(&adv.id, &sandbox_seed(adv, now)?)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advertiser(name: &str, marketplace: &str) -> Advertiser {
        Advertiser {
            id: AdvertiserId::generate(),
            name: name.into(),
            marketplace: Marketplace::parse(marketplace).unwrap(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn sandbox_seed_is_deterministic_and_complete() {
        let now = Utc::now();
        for (name, mkt, cur) in [
            (NORTHWIND, "US", "USD"),
            (HALCYON, "UK", "GBP"),
            (BERGFELD, "DE", "EUR"),
        ] {
            let a = sandbox_seed(&advertiser(name, mkt), now).unwrap();
            let b = sandbox_seed(&advertiser(name, mkt), now).unwrap();
            let shape = |s: &SandboxSeed| {
                (
                    s.profile.as_ref().map(|p| p.id),
                    s.campaigns
                        .iter()
                        .map(|c| (c.id, c.name.clone(), c.daily_budget_minor, c.state))
                        .collect::<Vec<_>>(),
                    s.keywords
                        .iter()
                        .map(|k| (k.id, k.bid_minor, k.state))
                        .collect::<Vec<_>>(),
                    s.targets
                        .iter()
                        .map(|t| (t.id, t.bid_minor))
                        .collect::<Vec<_>>(),
                    s.reports
                        .iter()
                        .map(|r| r.payload.clone())
                        .collect::<Vec<_>>(),
                    s.invoices
                        .iter()
                        .map(|i| (i.id, i.amount_minor, i.tax_minor))
                        .collect::<Vec<_>>(),
                )
            };
            assert_eq!(shape(&a), shape(&b), "{name}");
            assert!((4..=8).contains(&a.campaigns.len()), "{name}");
            for p in [Sp, Sb, Sd] {
                assert!(a.campaigns.iter().any(|c| c.program == p), "{name} {p}");
            }
            assert!(!a.ad_groups.is_empty() && !a.keywords.is_empty() && !a.targets.is_empty());
            assert!(a.keywords.iter().any(|k| k.state == Archived));
            assert_eq!(a.reports.len(), 3);
            for r in &a.reports {
                let rows: Vec<serde_json::Value> =
                    serde_json::from_str(r.payload.as_deref().unwrap()).unwrap();
                assert!(!rows.is_empty(), "{name}: {}", r.name.as_str());
            }
            assert_eq!(a.invoices.len(), 6);
            assert!(
                a.invoices
                    .iter()
                    .all(|i| i.amount_minor > 0 && i.currency.code() == cur)
            );
            assert_eq!(
                a.invoices
                    .iter()
                    .filter(|i| i.status == InvoiceStatus::Issued)
                    .count(),
                1
            );
        }
    }
}

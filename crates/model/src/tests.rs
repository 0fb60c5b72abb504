//! Unit tests of the model's parsers.

use super::*;

#[test]
fn secret_hint_keeps_the_last_four_characters() {
    for (secret, hint) in [
        ("whsec_0123abcd", "abcd"),
        ("abc", "abc"),
        ("", ""),
        ("ünï€ode", "€ode"),
    ] {
        assert_eq!(secret_hint(secret), hint, "{secret:?}");
    }
}

#[test]
fn ids_round_trip_and_reject_garbage() {
    let id = AgentId::parse("agt_01HZX3Q7M4V5W6Y8Z9A0B1C2D3").expect("a well-formed id");
    assert!(id.as_str().starts_with("agt_"));
    assert_eq!(AgentId::parse(id.as_str()), Ok(id.clone()));
    for bad in [
        "",
        "agt_",
        "agt_123",
        "adv_01HZZZZZZZZZZZZZZZZZZZZZZZ",
        "agt_01hzzzzzzzzzzzzzzzzzzzzzzz!",
        "../etc",
    ] {
        assert!(AgentId::parse(bad).is_err(), "{bad:?} should be rejected");
    }
    // ULIDs are case-insensitive: any casing parses to the canonical id
    let lower = format!("agt_{}", id.as_str()[4..].to_lowercase());
    assert_eq!(AgentId::parse(&lower), Ok(id.clone()));
    // another kind's id never parses as this kind
    let adv = AdvertiserId::parse("adv_01HZX3Q7M4V5W6Y8Z9A0B1C2D3").expect("a well-formed id");
    assert!(AgentId::parse(adv.as_str()).is_err());
    let json = serde_json::to_string(&id).unwrap_or_default();
    assert_eq!(serde_json::from_str::<AgentId>(&json).ok(), Some(id));
    assert!(serde_json::from_str::<AgentId>("\"agt_nope\"").is_err());
}

#[test]
fn emails_are_normalised_and_checked() {
    let cases: &[(&str, Option<&str>)] = &[
        ("  Owner@Example.COM ", Some("owner@example.com")),
        ("a@b.co", Some("a@b.co")),
        ("", None),
        ("no-at-sign", None),
        ("@example.com", None),
        ("a@nodot", None),
        ("a@.example.com", None),
        ("a b@example.com", None),
        ("a@b@example.com", None),
    ];
    for (input, expect) in cases {
        assert_eq!(
            Email::parse(input)
                .ok()
                .map(|e| e.as_str().to_string())
                .as_deref(),
            *expect,
            "{input:?}"
        );
    }
}

#[test]
fn agent_query_parses_untrusted_input() {
    let q = AgentQuery::parse(Some("  bid "), None, Some("revoked"), Some("3")).unwrap_or_default();
    assert_eq!(q.search, "bid");
    assert_eq!(q.status, Some(StatusFilter::Revoked));
    assert_eq!(q.page, 3);
    assert_eq!(q.offset(), 50);
    assert!(AgentQuery::parse(None, None, Some("gone"), None).is_err());
    assert!(AgentQuery::parse(None, Some("ptn_x"), None, None).is_err());
    assert!(AgentQuery::parse(None, None, None, Some("0")).is_err());
    assert!(AgentQuery::parse(None, None, None, Some("-1")).is_err());
    assert!(AgentQuery::parse(None, None, None, Some("1e9")).is_err());
    assert_eq!(
        AgentQuery::parse(Some(""), Some(""), Some(""), Some("")).map(|q| q.page),
        Ok(1)
    );
}

#[test]
fn names_and_text_are_bounded() {
    assert!(Name::parse("name", "  ").is_err());
    assert!(Name::parse("name", &"x".repeat(81)).is_err());
    assert!(Name::parse("name", "tab\there").is_err());
    assert_eq!(
        Name::parse("name", " Bid Bot ").map(|n| n.as_str().to_string()),
        Ok("Bid Bot".into())
    );
    assert!(parse_text("reason", "short", 10, 500).is_err());
    assert!(parse_text("reason", "customer ticket #4411", 10, 500).is_ok());
}

#[test]
fn page_count_rounds_up() {
    let p = Page::<u8> {
        items: vec![],
        total: 1000,
        page: 1,
        per_page: 25,
    };
    assert_eq!(p.page_count(), 40);
    let p = Page::<u8> {
        items: vec![],
        total: 1001,
        page: 1,
        per_page: 25,
    };
    assert_eq!(p.page_count(), 41);
    let p = Page::<u8> {
        items: vec![],
        total: 0,
        page: 1,
        per_page: 25,
    };
    assert_eq!(p.page_count(), 1);
}

#[test]
fn a_grant_is_effective_only_between_its_bounds_and_while_active() {
    use chrono::TimeZone;
    let at = |d: u32| Utc.with_ymd_and_hms(2026, 6, d, 0, 0, 0).single();
    let now = at(15).expect("a date");
    let grant = |status, not_before, expires_at| Grant {
        id: GrantId::parse("grt_01HZX3Q7M4V5W6Y8Z9A0B1C2D3").expect("an id"),
        advertiser_id: AdvertiserId::parse("adv_01HZX3Q7M4V5W6Y8Z9A0B1C2D3").expect("an id"),
        agent_id: AgentId::parse("agt_01HZX3Q7M4V5W6Y8Z9A0B1C2D3").expect("an id"),
        status,
        purpose: Purpose::Reporting,
        policy: None,
        created_at: now,
        expires_at,
        revoked_at: None,
        updated_at: now,
        version: 1,
        not_before,
    };
    use GrantStatus::*;
    for (status, not_before, expires_at, expect) in [
        (Active, None, None, true),
        (Active, at(1), at(30), true),
        (Active, at(15), None, true),
        (Active, at(16), None, false),
        (Active, None, at(15), false),
        (Active, None, at(14), false),
        (Suspended, None, None, false),
        (Revoked, at(1), at(30), false),
    ] {
        assert_eq!(
            grant(status, not_before, expires_at).is_effective(now),
            expect,
            "{status:?} from {not_before:?} until {expires_at:?}"
        );
    }
}

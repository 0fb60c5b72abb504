//! Consent, guardrails and ceilings in the store, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use charter_store::model::*;
use charter_store::{ConsentDecision, NewAccessRequest, NewAgent, StoreError};
use chrono::{Duration, Utc};
use common::{Backend, spawn_app};

fn actor(label: &str) -> Actor {
    Actor::System {
        label: label.into(),
    }
}

async fn consent_lifecycle(backend: Backend) {
    let app = spawn_app(backend).await;
    let store = app.store.clone();
    let adv = app.advertiser(charter_server::demo::NORTHWIND).await;
    let partner = store
        .create_partner(
            &actor("t"),
            &Name::parse("name", "Consent Partner").unwrap(),
            PartnerKind::Agency,
        )
        .await
        .unwrap();
    let application = store
        .create_application(
            &actor("t"),
            &partner.id,
            &Name::parse("name", "Consent App").unwrap(),
            "",
        )
        .await
        .unwrap();
    let agent = store
        .create_agent(
            &actor("t"),
            &partner.id,
            NewAgent {
                application: application.id.clone(),
                name: Name::parse("name", "Reporter").unwrap(),
                description: String::new(),
                purposes: vec![Purpose::Reporting],
                party: Party::ThirdParty,
            },
        )
        .await
        .unwrap();
    let read = r#"{"Statement":[{"Effect":"Allow","Action":"reports:GetReport","Resource":"*"}]}"#;
    let new = |policy: &str| NewAccessRequest {
        advertiser_id: adv.id.clone(),
        agent_id: agent.id.clone(),
        purpose: Purpose::Reporting,
        policy: policy.into(),
        expires_at: Some(Utc::now() + Duration::days(90)),
        note: "weekly reports".into(),
    };

    // Another partner cannot file for this agent; an unknown account is not found either.
    let other = store
        .create_partner(
            &actor("t"),
            &Name::parse("name", "Stranger").unwrap(),
            PartnerKind::Agency,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_access_request(&actor("x"), &other.id, new(read))
            .await,
        Err(StoreError::NotFound)
    ));
    let mut bad = new(read);
    bad.advertiser_id = AdvertiserId::parse("adv_01JABCDEFGHJKMNPQRSTVWXYZ0").unwrap();
    assert!(matches!(
        store
            .create_access_request(&actor("x"), &partner.id, bad)
            .await,
        Err(StoreError::NotFound)
    ));

    // Northwind does not know the new partner yet: as absent as an account that does not
    // exist, until it introduces the partner with an invitation.
    assert!(matches!(
        store
            .create_access_request(&actor("dev"), &partner.id, new(read))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .known_advertiser(&partner.id, &adv.id)
            .await
            .unwrap()
            .is_none()
    );
    let issued = store
        .create_invitation(&actor("owner"), &adv.id, "for Consent Partner")
        .await
        .unwrap();
    let introduced = store
        .redeem_invitation(&actor("dev"), &partner.id, &issued.code)
        .await
        .unwrap();
    assert_eq!(introduced.id, adv.id);
    assert_eq!(
        store
            .known_advertisers(&partner.id)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id.clone())
            .collect::<Vec<_>>(),
        vec![adv.id.clone()]
    );
    let listed = store.invitations(&adv.id).await.unwrap();
    assert_eq!(listed[0].state(Utc::now()), InvitationState::Redeemed);
    assert_eq!(listed[0].partner_name.as_deref(), Some("Consent Partner"));

    let req = store
        .create_access_request(&actor("dev"), &partner.id, new(read))
        .await
        .unwrap();
    assert_eq!(req.status, RequestStatus::Pending);
    let rows = store.access_requests(&adv.id).await.unwrap();
    assert_eq!(rows[0].request.id, req.id);
    assert_eq!(rows[0].agent_name, "Reporter");
    assert_eq!(
        store
            .partner_access_requests(&partner.id)
            .await
            .unwrap()
            .len(),
        1
    );
    // Scoped to the account.
    let halcyon = app.advertiser(charter_server::demo::HALCYON).await;
    assert!(
        store
            .access_request(&halcyon.id, &req.id)
            .await
            .unwrap()
            .is_none()
    );

    // Approval creates the grant (version 1) and the ceiling in one transaction.
    let approved = store
        .decide_access_request(
            &actor("owner"),
            &adv.id,
            &req.id,
            ConsentDecision::Approve {
                policy: read.into(),
                expires_at: req.expires_at,
                ceiling: Some(read.into()),
                note: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(approved.status, RequestStatus::Approved);
    let grant = store.grant_for(&adv.id, &agent.id).await.unwrap().unwrap();
    assert_eq!(
        (grant.version, grant.status, grant.policy.as_deref()),
        (1, GrantStatus::Active, Some(read))
    );
    let ceiling = store
        .app_ceiling(&adv.id, &application.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((ceiling.version, ceiling.policy.as_str()), (1, read));
    assert_eq!(
        store
            .application_grants(&adv.id, &application.id)
            .await
            .unwrap()
            .len(),
        1
    );
    // A second decision on the same request conflicts.
    assert!(matches!(
        store
            .decide_access_request(
                &actor("owner"),
                &adv.id,
                &req.id,
                ConsentDecision::Deny { note: None }
            )
            .await,
        Err(StoreError::Conflict(_))
    ));

    // An upgrade request becomes version 2; a denied one changes nothing.
    let wider = r#"{"Statement":[{"Effect":"Allow","Action":["reports:GetReport","reports:RequestReport"],"Resource":"*"}]}"#;
    let up = store
        .create_access_request(&actor("dev"), &partner.id, new(wider))
        .await
        .unwrap();
    let denied = store
        .create_access_request(&actor("dev"), &partner.id, new(wider))
        .await
        .unwrap();
    store
        .decide_access_request(
            &actor("owner"),
            &adv.id,
            &denied.id,
            ConsentDecision::Deny {
                note: Some("no".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .grant_for(&adv.id, &agent.id)
            .await
            .unwrap()
            .unwrap()
            .version,
        1
    );
    store
        .decide_access_request(
            &actor("owner"),
            &adv.id,
            &up.id,
            ConsentDecision::Approve {
                policy: wider.into(),
                expires_at: None,
                ceiling: Some(wider.into()),
                note: None,
            },
        )
        .await
        .unwrap();
    let grant = store.grant_for(&adv.id, &agent.id).await.unwrap().unwrap();
    assert_eq!(grant.version, 2);
    let versions = store.grant_versions(&adv.id, &agent.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert_eq!(
        store
            .app_ceiling(&adv.id, &application.id)
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );

    // A revoked grant comes back only through a new approval, as a newer version, and the
    // revocation index follows.
    store
        .revoke_grant(&actor("owner"), &adv.id, &agent.id, None)
        .await
        .unwrap();
    let again = store
        .create_access_request(&actor("dev"), &partner.id, new(read))
        .await
        .unwrap();
    store
        .decide_access_request(
            &actor("owner"),
            &adv.id,
            &again.id,
            ConsentDecision::Approve {
                policy: read.into(),
                expires_at: None,
                ceiling: None,
                note: None,
            },
        )
        .await
        .unwrap();
    let grant = store.grant_for(&adv.id, &agent.id).await.unwrap().unwrap();
    assert_eq!((grant.version, grant.status), (3, GrantStatus::Active));
    let idx = store.revocations();
    assert_eq!(
        idx.check(grant.id.as_str(), 3, &[], &[], Utc::now()),
        charter_store::revocation::Lookup::Valid
    );

    // Guardrails: add, list, remove (scoped). The demo data already has one.
    let before = store.guardrails(&adv.id).await.unwrap();
    let g = store
        .add_guardrail(
            &actor("owner"),
            &adv.id,
            "No billing",
            &["billing:*".into()],
            &["*".into()],
        )
        .await
        .unwrap();
    let with = store.guardrails(&adv.id).await.unwrap();
    assert_eq!(with.len(), before.len() + 1);
    assert!(with.contains(&g));
    assert!(matches!(
        store
            .remove_guardrail(&actor("x"), &halcyon.id, &g.id)
            .await,
        Err(StoreError::NotFound)
    ));
    store
        .remove_guardrail(&actor("owner"), &adv.id, &g.id)
        .await
        .unwrap();
    assert_eq!(store.guardrails(&adv.id).await.unwrap(), before);

    // Every step is in the account's audit trail.
    let actions: Vec<String> = app
        .events(&adv.id)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "access.requested",
        "access.approved",
        "access.denied",
        "grant.created",
        "grant.updated",
        "ceiling.set",
        "guardrail.added",
        "guardrail.removed",
    ] {
        assert!(actions.iter().any(|x| x == a), "missing {a} in {actions:?}");
    }
}

backend_tests!(consent_lifecycle);

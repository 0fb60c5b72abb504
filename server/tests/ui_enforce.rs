//! The spend and breaker pages over real HTTP, as a browser without JavaScript uses them: the
//! agent page's gauges, chart and ledger (figures from the store, not from fixtures), caps and
//! thresholds (bad input named, roles enforced, audited), the breaker banner and its manual
//! reset, and the alerts page with a webhook secret shown exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use app::enforce::money::format_minor;
use charter_server::demo;
use charter_store::model::*;
use chrono::Utc;
use common::{Backend, Client, location, post, spawn_app};

/// Text with the HTML entities Leptos writes for text nodes decoded (enough for these pages).
fn text(html: &str) -> String {
    html.replace("&amp;", "&")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

async fn page(c: &Client, path: &str) -> String {
    let res = c.get(path).await;
    assert_eq!(res.status(), 200, "GET {path}");
    text(&res.text().await.expect("body"))
}

async fn agent_page_shows_spend_ledger_and_breaker(backend: Backend) {
    let app = spawn_app(backend).await;
    let adv = app.advertiser(demo::NORTHWIND).await;
    let (pilot, pilot_grant) = app.agent_named(&adv, "Bid Pilot").await;
    let (c, _csrf) = app.signed_in(demo::OWNER).await;
    let html = page(&c, &format!("/accounts/{}/agents/{}", adv.id, pilot.id)).await;

    // The gauges carry the store's own figures.
    let usage = app
        .store
        .spend_usage(&pilot_grant.id, Utc::now())
        .await
        .unwrap();
    let limits = app
        .store
        .spend_limits(&adv.id, &pilot_grant.id)
        .await
        .unwrap();
    let cur = adv.currency();
    let daily = limits
        .daily_minor
        .expect("the demo gives Bid Pilot a daily cap");
    for (label, used, cap) in [
        ("Today", usage.day_minor, daily),
        (
            "This month",
            usage.month_minor,
            limits.monthly_minor.unwrap(),
        ),
        (
            "Lifetime",
            usage.lifetime_minor,
            limits.lifetime_minor.unwrap(),
        ),
    ] {
        let aria = format!(
            "aria-label=\"{label}: {} of {}\"",
            format_minor(used, cur),
            format_minor(cap, cur)
        );
        assert!(html.contains(&aria), "gauge {aria} missing");
    }
    assert!(usage.lifetime_minor > usage.day_minor, "30 days of history");

    // The chart: 30 bars, the cap line, and a summary whose total is the ledger's committed sum.
    let since = Utc::now() - chrono::Duration::days(40);
    let series = app
        .store
        .spend_series(&adv.id, &pilot_grant.id, since)
        .await
        .unwrap();
    let first = Utc::now().date_naive() - chrono::Duration::days(29);
    let total: i64 = series
        .iter()
        .filter(|p| p.day >= first)
        .map(|p| p.committed_minor)
        .sum();
    assert!(total > 0);
    assert_eq!(html.matches("class=\"chart__bar\"").count(), 30);
    assert!(html.contains(&format!("Daily cap {}", format_minor(daily, cur))));
    assert!(
        html.contains(&format!(
            "{} committed over 30 days",
            format_minor(total, cur)
        )),
        "chart summary with the total {}",
        format_minor(total, cur)
    );

    // The ledger lists the newest reservations, released ones included.
    let ledger = app
        .store
        .ledger(&adv.id, &pilot_grant.id, 12)
        .await
        .unwrap();
    assert!(!ledger.is_empty());
    for e in &ledger {
        assert!(html.contains(&e.resource), "ledger row {}", e.resource);
    }
    assert!(html.contains("Closed · calls flow"));
    assert!(html.contains("Save caps"), "owners can change caps");

    // Bid Guard's breaker is terminated in the demo: banner on every account page, a reset.
    let (guard, guard_grant) = app.agent_named(&adv, "Bid Guard").await;
    let rec = app.store.breaker(&guard_grant.id).await.unwrap();
    assert_eq!(rec.state, BreakerState::Terminated);
    assert_eq!(rec.trips, 3);
    let agents = page(&c, &format!("/accounts/{}/agents", adv.id)).await;
    assert!(
        agents.contains("Circuit breaker terminated: Bid Guard"),
        "banner"
    );
    assert!(agents.contains(&format!("/accounts/{}/agents/{}#safety", adv.id, guard.id)));
    assert!(agents.contains("Spend today"));
    assert!(agents.contains(&format!(
        "Today: {} of {}",
        format_minor(usage.day_minor, cur),
        format_minor(daily, cur)
    )));
    let guard_html = page(&c, &format!("/accounts/{}/agents/{}", adv.id, guard.id)).await;
    assert!(guard_html.contains("Terminated · calls denied"));
    assert!(guard_html.contains("Reset breaker for Bid Guard"));
    assert!(guard_html.contains(rec.reason.as_deref().unwrap()));
    assert!(
        guard_html.contains("trips above 120"),
        "the configured threshold"
    );

    // A viewer sees it all, without the forms.
    let (v, _) = app.signed_in(demo::VIEWER).await;
    let viewer_html = page(&v, &format!("/accounts/{}/agents/{}", adv.id, guard.id)).await;
    assert!(viewer_html.contains("Terminated · calls denied"));
    assert!(!viewer_html.contains("Reset breaker for"));
    assert!(!viewer_html.contains("Save caps"));
}

async fn caps_and_thresholds_are_checked_and_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let adv = app.advertiser(demo::NORTHWIND).await;
    let (pilot, grant) = app.agent_named(&adv, "Bid Pilot").await;
    let (c, csrf) = app.signed_in(demo::OWNER).await;
    let (adv_id, agent_id) = (adv.id.to_string(), pilot.id.to_string());
    let caps = |d: &'static str, m: &'static str, l: &'static str| {
        vec![
            ("advertiser_id", adv_id.clone()),
            ("agent_id", agent_id.clone()),
            ("daily", d.to_string()),
            ("monthly", m.to_string()),
            ("lifetime", l.to_string()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let c = &c;
        let csrf = &csrf;
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(c, csrf, "/api/set_spend_limits", &f).await
        }
    };
    let before = app.store.spend_limits(&adv.id, &grant.id).await.unwrap();

    // Bad input: 400, the field and the input named, nothing changed.
    for (fields, fragment) in [
        (caps("abc", "", ""), "daily cap: `abc` is not an amount"),
        (caps("10", "-5", ""), "monthly cap: `-5` is negative"),
        (
            caps("1.005", "", ""),
            "daily cap: `1.005` has more than 2 decimal",
        ),
        (
            caps("900", "800", ""),
            "the daily cap is above the monthly cap",
        ),
    ] {
        let res = send(fields).await;
        assert_eq!(res.status(), 400);
        let body = text(&res.text().await.unwrap());
        assert!(body.contains(fragment), "{fragment}: {body}");
    }
    assert_eq!(
        app.store.spend_limits(&adv.id, &grant.id).await.unwrap(),
        before
    );

    // A good change: redirect back to the panel, stored, audited with before and after.
    let res = send(caps("$1,250.50", "20000", "")).await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        location(&res),
        format!("/accounts/{adv_id}/agents/{agent_id}?notice=caps_saved#safety")
    );
    let after = app.store.spend_limits(&adv.id, &grant.id).await.unwrap();
    assert_eq!(after.daily_minor, Some(125_050));
    assert_eq!(after.monthly_minor, Some(2_000_000));
    assert_eq!(after.lifetime_minor, None);
    let ev = app.events(&adv.id).await;
    let set = ev
        .iter()
        .find(|e| e.action == "spend_limits.set")
        .expect("audited");
    assert_eq!(set.actor_kind, "person");
    assert!(set.after.as_deref().unwrap_or_default().contains("125050"));
    let html = page(
        &c,
        &format!("/accounts/{adv_id}/agents/{agent_id}?notice=caps_saved"),
    )
    .await;
    assert!(
        html.contains("value=\"1250.50\""),
        "the form shows the saved cap"
    );
    assert!(html.contains("Spend caps saved"));

    // Thresholds: bad counts refused, good ones stored and shown.
    let thresholds = |rpm: &str, cool: &str| {
        vec![
            ("advertiser_id", adv_id.clone()),
            ("agent_id", agent_id.clone()),
            ("requests_per_minute", rpm.to_string()),
            ("denials_per_minute", String::new()),
            ("spend_per_hour", "75".to_string()),
            ("cooldown_seconds", cool.to_string()),
        ]
    };
    for (fields, fragment) in [
        (
            thresholds("0", ""),
            "requests per minute: `0` must be between 1",
        ),
        (
            thresholds("ten", ""),
            "requests per minute: `ten` is not a whole number",
        ),
        (
            thresholds("60", "100000"),
            "cooldown seconds: `100000` must be between 1 and 86400",
        ),
    ] {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = post(&c, &csrf, "/api/set_breaker_config", &f).await;
        assert_eq!(res.status(), 400);
        let body = text(&res.text().await.unwrap());
        assert!(body.contains(fragment), "{fragment}: {body}");
    }
    let fields = thresholds("60", "90");
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = post(&c, &csrf, "/api/set_breaker_config", &f).await;
    assert_eq!(res.status(), 302);
    let cfg = app.store.breaker(&grant.id).await.unwrap().config;
    assert_eq!(cfg.requests_per_minute, Some(60));
    assert_eq!(cfg.denials_per_minute, None, "empty keeps the default");
    assert_eq!(cfg.spend_per_hour_minor, Some(7_500));
    assert_eq!(cfg.cooldown_seconds, Some(90));
    let html = page(&c, &format!("/accounts/{adv_id}/agents/{agent_id}")).await;
    assert!(html.contains("trips above 60"));
    assert!(html.contains(&format!(
        "trips above {}",
        format_minor(7_500, adv.currency())
    )));

    // Roles, CSRF and tenancy.
    let (v, vcsrf) = app.signed_in(demo::VIEWER).await;
    let good = caps("10", "", "");
    let f: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        post(&v, &vcsrf, "/api/set_spend_limits", &f).await.status(),
        403
    );
    assert_eq!(
        post(&c, "not-the-token", "/api/set_spend_limits", &f)
            .await
            .status(),
        403
    );
    let (b, bcsrf) = app.signed_in(demo::BERGFELD_OWNER).await;
    assert_eq!(
        post(&b, &bcsrf, "/api/set_spend_limits", &f).await.status(),
        404,
        "a stranger to the account"
    );
    let foreign = vec![
        ("advertiser_id", adv_id.as_str()),
        ("agent_id", "agt_01J00000000000000000000000"),
        ("daily", "10"),
        ("monthly", ""),
        ("lifetime", ""),
    ];
    assert_eq!(
        post(&c, &csrf, "/api/set_spend_limits", &foreign)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.store.spend_limits(&adv.id, &grant.id).await.unwrap(),
        after
    );
}

async fn owner_resets_a_terminated_breaker(backend: Backend) {
    let app = spawn_app(backend).await;
    let adv = app.advertiser(demo::NORTHWIND).await;
    let (guard, grant) = app.agent_named(&adv, "Bid Guard").await;
    let fields = [
        ("advertiser_id", adv.id.as_str()),
        ("agent_id", guard.id.as_str()),
    ];
    let (v, vcsrf) = app.signed_in(demo::VIEWER).await;
    assert_eq!(
        post(&v, &vcsrf, "/api/reset_breaker", &fields)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.store.breaker(&grant.id).await.unwrap().state,
        BreakerState::Terminated
    );

    let (c, csrf) = app.signed_in(demo::ADMIN).await;
    let res = post(&c, &csrf, "/api/reset_breaker", &fields).await;
    assert_eq!(res.status(), 302);
    assert!(location(&res).contains("notice=breaker_reset"));
    let rec = app.store.breaker(&grant.id).await.unwrap();
    assert_eq!(rec.state, BreakerState::Closed);
    assert_eq!(rec.trips, 0, "a manual reset clears the trip count");
    let ev = app.events(&adv.id).await;
    let reset = ev
        .iter()
        .find(|e| e.action == "breaker.transition" && e.actor_kind == "person")
        .expect("the reset is audited as the person's");
    assert!(
        reset
            .reason
            .as_deref()
            .unwrap_or_default()
            .starts_with("manual reset by")
    );

    // The banner is gone; a second reset says so.
    let agents = page(&c, &format!("/accounts/{}/agents", adv.id)).await;
    assert!(
        !agents.contains("Circuit breaker"),
        "no banner after the reset"
    );
    let res = post(&c, &csrf, "/api/reset_breaker", &fields).await;
    assert!(location(&res).contains("notice=breaker_already_closed"));

    // The alerts page keeps the whole story, newest first.
    let alerts = page(&c, &format!("/accounts/{}/alerts", adv.id)).await;
    assert!(alerts.contains("Breaker history"));
    assert!(alerts.contains("manual reset by"));
    assert!(alerts.contains("14 denied requests in the last minute (limit 10)"));
    let first_reset = alerts.find("manual reset by").unwrap();
    let first_trip = alerts.find("14 denied requests").unwrap();
    assert!(first_reset < first_trip, "newest first");
}

async fn webhook_secret_is_shown_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let adv = app.advertiser(demo::NORTHWIND).await;
    let (c, csrf) = app.signed_in(demo::OWNER).await;
    let adv_id = adv.id.to_string();
    for (url, fragment) in [
        (
            "ftp://example.com/x",
            "webhook URL: `ftp://example.com/x` must start with https://",
        ),
        ("https://user:pw@example.com/", "carries credentials"),
    ] {
        let res = post(
            &c,
            &csrf,
            "/api/set_alert_webhook",
            &[("advertiser_id", &adv_id), ("url", url)],
        )
        .await;
        assert_eq!(res.status(), 400);
        assert!(
            text(&res.text().await.unwrap()).contains(fragment),
            "{fragment}"
        );
    }
    assert!(app.store.webhook(&adv.id).await.unwrap().is_none());

    let url = "https://hooks.example.com/charter";
    let res = post(
        &c,
        &csrf,
        "/api/set_alert_webhook",
        &[("advertiser_id", &adv_id), ("url", url)],
    )
    .await;
    assert_eq!(res.status(), 302);
    let stored = app.store.webhook(&adv.id).await.unwrap().expect("stored");
    assert_eq!(stored.url, url);
    assert!(stored.secret.starts_with("whsec_") && stored.secret.len() == 6 + 48);

    let first = page(&c, &format!("/accounts/{adv_id}/alerts?notice=webhook_set")).await;
    assert!(first.contains(&stored.secret), "shown on the first load");
    assert!(first.contains("It is not shown again"));
    let second = page(&c, &format!("/accounts/{adv_id}/alerts")).await;
    assert!(!second.contains(&stored.secret), "never again");
    let hint = secret_hint(&stored.secret);
    assert!(second.contains(&format!("whsec_…{hint}")));
    assert!(second.contains(url));
    let ev = app.events(&adv.id).await;
    let set = ev
        .iter()
        .find(|e| e.action == "webhook.set")
        .expect("audited");
    assert!(
        !set.after
            .as_deref()
            .unwrap_or_default()
            .contains(&stored.secret),
        "the secret is never audited"
    );

    // Viewers see the address, not the forms; only managers remove it.
    let (v, vcsrf) = app.signed_in(demo::VIEWER).await;
    let vhtml = page(&v, &format!("/accounts/{adv_id}/alerts")).await;
    assert!(vhtml.contains(url) && !vhtml.contains("Save webhook"));
    assert_eq!(
        post(
            &v,
            &vcsrf,
            "/api/remove_alert_webhook",
            &[("advertiser_id", &adv_id)]
        )
        .await
        .status(),
        403
    );
    let res = post(
        &c,
        &csrf,
        "/api/remove_alert_webhook",
        &[("advertiser_id", &adv_id)],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert!(app.store.webhook(&adv.id).await.unwrap().is_none());
}

backend_tests!(
    agent_page_shows_spend_ledger_and_breaker,
    caps_and_thresholds_are_checked_and_audited,
    owner_resets_a_terminated_breaker,
    webhook_secret_is_shown_once,
);

//! Item 8: key rotation reaches every running server (see `docs/security.md`).

use super::*;
use crate::common::{self, Backend, spawn_app};

backend_tests!(key_rotation_reaches_every_running_server);

/// How soon every server must follow a rotation or retirement made elsewhere.
const KEY_PROPAGATION: Duration = Duration::from_secs(1);

/// Two running servers on one database; `charter keys rotate` and `keys retire` run as a third
/// process. Within a second both servers publish the new key, sign with it, and refuse tokens
/// of the retired key (also one the gateway had cached).
async fn key_rotation_reaches_every_running_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let b = serve(&app.url, |_| {}).await;
    let adv = advertiser(&app.store, demo::NORTHWIND).await;
    let servers = [app.base.as_str(), b.base.as_str()];
    for base in servers {
        assert_eq!(jwks_kids(base).await, ["1"], "{base} starts with key 1");
    }
    let pilot = bid_pilot(&app.store, &adv).await;
    let old_token = pilot.token(&b.base).await;
    assert_eq!(token_kid(&old_token), Some(1));
    // The old token works on both servers (and is now in their gateways' caches).
    for base in servers {
        let reason = pdp_reason(base, &old_token, &adv).await;
        assert!(
            !reason.starts_with("token_"),
            "key 1's token is accepted before retirement, got {reason}"
        );
    }

    charter_cli(&["keys", "--database-url", &app.url, "rotate"], &[]).await;
    let took = until_all(&servers, "key 2", |kids| kids.iter().any(|k| k == "2")).await;
    assert!(
        took <= KEY_PROPAGATION,
        "the rotation reached both servers after {took:?}"
    );
    for base in servers {
        let token = pilot.token(base).await;
        assert_eq!(token_kid(&token), Some(2), "{base} signs with the new key");
    }

    charter_cli(&["keys", "--database-url", &app.url, "retire", "1"], &[]).await;
    let took = until_all(&servers, "key 1 retired", |kids| kids == ["2"]).await;
    assert!(
        took <= KEY_PROPAGATION,
        "the retirement reached both servers after {took:?}"
    );
    for base in servers {
        assert_eq!(
            pdp_reason(base, &old_token, &adv).await,
            "token_invalid",
            "{base} refuses the retired key's token"
        );
    }
}

// ---------------------------------------------------------------------------------------------

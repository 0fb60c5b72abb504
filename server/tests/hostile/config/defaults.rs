//! Item 13: insecure defaults (see `docs/security.md`).

use super::*;
use crate::common::{self, Backend, spawn_app};

backend_tests!(
    serve_seeds_demo_data_only_when_asked,
    cookies_are_secure_whenever_the_issuer_is_https,
    signing_keys_are_encrypted_at_rest,
    production_mode_refuses_to_start_without_a_key_encryption_key,
);

// Item 13: insecure defaults.

/// A new, empty database (nothing migrated), removed on drop.
struct FreshDb {
    url: String,
    _dir: Option<common::TempDir>,
    pg_name: Option<String>,
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(admin) = sqlx::PgPool::connect(common::PG_ADMIN_URL).await {
                        let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = tokio::time::timeout(
                            Duration::from_secs(20),
                            sqlx::query(&drop).execute(&admin),
                        )
                        .await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

async fn fresh_db(backend: Backend) -> FreshDb {
    let id = ulid::Ulid::new().to_string().to_lowercase();
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("charter-hostile-{id}"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            FreshDb {
                url: format!("sqlite://{}/charter.db", dir.display()),
                _dir: Some(common::TempDir(dir)),
                pg_name: None,
            }
        }
        Backend::Postgres => {
            let name = format!("charter_hostile_{id}");
            let admin = sqlx::PgPool::connect(common::PG_ADMIN_URL)
                .await
                .expect("PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create database");
            admin.close().await;
            FreshDb {
                url: format!("postgres://postgres@127.0.0.1:5432/{name}"),
                _dir: None,
                pg_name: Some(name),
            }
        }
    }
}

/// A `charter serve` process; killed on drop.
struct ServeProcess {
    child: std::process::Child,
    base: String,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `charter serve --addr 127.0.0.1:0 ARGS` on `url`. `Ok` once it listens, `Err(stderr)`
/// when it exits instead.
async fn charter_serve(
    url: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<ServeProcess, String> {
    use std::io::BufRead;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_charter"));
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--database-url", url])
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("CHARTER_ISSUER")
        .env_remove("CHARTER_PRODUCTION")
        .env_remove("CHARTER_SECURE_COOKIES")
        .env_remove("CHARTER_KEY_ENCRYPTION_KEY")
        .env_remove("CHARTER_KEY_ENCRYPTION_KEY_FILE")
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn charter serve");
    let stderr = child.stderr.take().expect("stderr");
    let (child, found) = tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(stderr).lines();
        let mut seen = String::new();
        let mut found = Err(String::new());
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.strip_prefix("Charter is running at ") {
                found = Ok(addr.trim().to_string());
                break;
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        if found.is_err() {
            found = Err(seen);
        } else {
            // Keep draining so the server never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
        }
        (child, found)
    })
    .await
    .expect("join");
    let mut process = ServeProcess {
        child,
        base: String::new(),
    };
    match found {
        Ok(base) => {
            process.base = base;
            Ok(process)
        }
        Err(stderr) => {
            let status = process.child.wait().expect("wait");
            assert!(!status.success(), "serve exited 0 without listening");
            Err(stderr)
        }
    }
}

async fn open_store(url: &str) -> DynStore {
    let db = charter_store::connect(url).await.expect("connect");
    db.migrate().await.expect("migrate");
    db.store()
}

/// `charter serve` on an empty database that is not the default SQLite file seeds nothing
/// (in particular no demo support login); with `--demo` it seeds the demo data.
async fn serve_seeds_demo_data_only_when_asked(backend: Backend) {
    let plain = fresh_db(backend).await;
    let server = charter_serve(&plain.url, &[], &[]).await.expect("serve");
    let c = client(&server.base);
    let res = c.sign_in(demo::SUPPORT.email, demo::SUPPORT.password).await;
    assert_ne!(
        common::location(&res),
        "/accounts",
        "the demo support login must not exist without --demo"
    );
    drop(server);
    let store = open_store(&plain.url).await;
    assert!(
        store.is_empty().await.expect("is_empty"),
        "no demo data was seeded without --demo"
    );

    let asked = fresh_db(backend).await;
    let server = charter_serve(&asked.url, &["--demo"], &[])
        .await
        .expect("serve --demo");
    let c = client(&server.base);
    let res = c.sign_in(demo::OWNER.email, demo::OWNER.password).await;
    assert_eq!(
        common::location(&res),
        "/accounts",
        "--demo seeds the demo people"
    );
}

fn session_cookie(res: &reqwest::Response) -> String {
    common::cookie_value(res, "charter_session").expect("a session cookie")
}

fn is_secure(cookie: &str) -> bool {
    cookie
        .split(';')
        .any(|attr| attr.trim().eq_ignore_ascii_case("secure"))
}

/// With an https issuer the session cookie is `Secure` without any extra flag; with an http
/// issuer (local development) it is not.
async fn cookies_are_secure_whenever_the_issuer_is_https(backend: Backend) {
    let app = spawn_app(backend).await;
    let https = serve(&app.url, |c| {
        c.tokens.issuer = "https://charter.example".into();
    })
    .await;
    for (base, secure) in [(https.base.as_str(), true), (app.base.as_str(), false)] {
        // The sign-in page starts the session (its form carries the session's CSRF token).
        let res = client(base).get("/signin").await;
        assert_eq!(res.status(), 200, "sign-in page at {base}");
        let cookie = session_cookie(&res);
        assert_eq!(
            is_secure(&cookie),
            secure,
            "{base}: the session cookie `Secure` is {secure}"
        );
    }
}

fn parses_as_plain_key(stored: &str) -> bool {
    biscuit_auth::PrivateKey::from_bytes_hex(stored, biscuit_auth::builder::Algorithm::Ed25519)
        .is_ok()
}

fn new_kek() -> String {
    use rand::RngCore;
    let mut k = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut k);
    hex::encode(k)
}

/// A database whose signing key was stored in plain text: the first start with a key-encryption
/// key encrypts it in place (the same key: tokens it signed still verify), keys created later
/// are stored encrypted, and the CLI cannot use them without the key (or with a wrong one).
async fn signing_keys_are_encrypted_at_rest(backend: Backend) {
    let app = spawn_app(backend).await;
    let adv = advertiser(&app.store, demo::NORTHWIND).await;
    let before = app.store.signing_keys().await.expect("keys");
    assert_eq!(before.len(), 1);
    let plain = before[0].private_key.clone();
    assert!(parses_as_plain_key(&plain), "stored in plain text so far");
    let pilot = bid_pilot(&app.store, &adv).await;
    let old_token = pilot.token(&app.base).await;

    let kek_hex = new_kek();
    let kek = charter_server::tokens::sealing::KeyEncryptionKey::parse(&kek_hex).expect("kek");
    let sealed_server = serve(&app.url, |c| c.tokens.key_encryption = Some(kek.clone())).await;
    let after = app.store.signing_keys().await.expect("keys");
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].public_key, before[0].public_key, "the same key");
    assert!(
        !after[0].private_key.contains(&plain) && !parses_as_plain_key(&after[0].private_key),
        "the private key is no longer stored in plain text"
    );
    let reason = pdp_reason(&sealed_server.base, &old_token, &adv).await;
    assert!(
        !reason.starts_with("token_"),
        "a token signed before the encryption still verifies: {reason}"
    );

    let (ok, stderr) =
        charter_cli_status(&["keys", "--database-url", &app.url, "rotate"], &[]).await;
    assert!(
        !ok && stderr.contains("CHARTER_KEY_ENCRYPTION_KEY"),
        "rotating without the key fails and says which setting is missing: {stderr}"
    );
    let wrong = new_kek();
    let (ok, stderr) = charter_cli_status(
        &["keys", "--database-url", &app.url, "rotate"],
        &[("CHARTER_KEY_ENCRYPTION_KEY", &wrong)],
    )
    .await;
    assert!(!ok && stderr.contains("does not decrypt"), "{stderr}");
    assert_eq!(app.store.signing_keys().await.expect("keys").len(), 1);

    charter_cli(
        &["keys", "--database-url", &app.url, "rotate"],
        &[("CHARTER_KEY_ENCRYPTION_KEY", &kek_hex)],
    )
    .await;
    let keys = app.store.signing_keys().await.expect("keys");
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter().all(|k| !parses_as_plain_key(&k.private_key)),
        "the new key is stored encrypted"
    );
    // The server with the key follows the rotation and signs with the new key.
    until_all(&[sealed_server.base.as_str()], "key 2", |kids| {
        kids.iter().any(|k| k == "2")
    })
    .await;
    let token = pilot.token(&sealed_server.base).await;
    assert_eq!(token_kid(&token), Some(2));
    let reason = pdp_reason(&sealed_server.base, &token, &adv).await;
    assert!(!reason.starts_with("token_"), "{reason}");
}

/// Production mode (`--production`, or an https issuer) refuses to start without a
/// key-encryption key, before writing anything, and refuses `--demo`; with a key it starts,
/// stores its first key encrypted and seeds nothing.
async fn production_mode_refuses_to_start_without_a_key_encryption_key(backend: Backend) {
    let db = fresh_db(backend).await;
    for args in [
        &["--production"][..],
        &["--issuer", "https://charter.example"][..],
    ] {
        let err = charter_serve(&db.url, args, &[])
            .await
            .err()
            .unwrap_or_else(|| panic!("serve {args:?} must refuse to start without a key"));
        assert!(
            err.contains("CHARTER_KEY_ENCRYPTION_KEY"),
            "{args:?}: the error names the missing setting: {err}"
        );
    }
    let kek = new_kek();
    let env = [("CHARTER_KEY_ENCRYPTION_KEY", kek.as_str())];
    let err = charter_serve(&db.url, &["--production", "--demo"], &env)
        .await
        .err()
        .expect("--production --demo is refused");
    assert!(err.contains("--demo"), "{err}");
    let err = charter_serve(
        &db.url,
        &["--production"],
        &[("CHARTER_KEY_ENCRYPTION_KEY", "short")],
    )
    .await
    .err()
    .expect("a malformed key is refused");
    assert!(err.contains("CHARTER_KEY_ENCRYPTION_KEY"), "{err}");
    let store = open_store(&db.url).await;
    assert!(
        store.signing_keys().await.expect("keys").is_empty(),
        "nothing was written by the refused starts"
    );

    let server = charter_serve(&db.url, &["--production"], &env)
        .await
        .expect("production with a key starts");
    let c = client(&server.base);
    let res = c.get("/signin").await;
    assert_eq!(res.status(), 200);
    let keys = store.signing_keys().await.expect("keys");
    assert_eq!(keys.len(), 1);
    assert!(
        !parses_as_plain_key(&keys[0].private_key),
        "stored encrypted"
    );
    assert!(store.is_empty().await.expect("is_empty"), "no demo data");
}

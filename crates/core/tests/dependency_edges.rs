//! The crates' dependency edges, read from `cargo metadata`: each workspace crate may depend
//! only on the workspace crates its layer allows (ARCHITECTURE.md, "Crates and their edges").
//! A new edge fails here, naming it; an allowed edge that disappears is reported too, so the
//! table stays true.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

/// Who may depend on whom (normal and build dependencies; dev-dependencies are free).
const ALLOWED: &[(&str, &[&str])] = &[
    ("charter-model", &[]),
    ("authz", &[]),
    ("charter-store", &["charter-model"]),
    // The use cases run over the store's traits (model ← store ← core).
    ("charter-core", &["charter-model", "authz", "charter-store"]),
    ("charter-tokens", &["charter-store", "authz"]),
    // The simulated Ads API: its entities live in the store; the gateway (in the server) wraps
    // its routes.
    ("charter-sandbox", &["charter-model", "charter-store"]),
    // The UI: the model and the engine in the browser too (the grant editor's live preview);
    // the core and the store on the server only (the `ssr` feature).
    (
        "app",
        &["charter-model", "authz", "charter-core", "charter-store"],
    ),
    (
        "charter-server",
        &[
            "app",
            "authz",
            "charter-core",
            "charter-model",
            "charter-sandbox",
            "charter-store",
            "charter-tokens",
        ],
    ),
];

/// Edges still in place that the target layout removes (issue 11): the UI's server functions
/// and the token service reach the store directly until their use cases move into the core.
const TRANSITIONAL: &[(&str, &str)] = &[
    ("app", "charter-store"),
    ("charter-tokens", "charter-store"),
];

#[test]
fn workspace_crates_depend_only_along_the_allowed_edges() {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let members: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut actual: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in packages {
        let name = p["name"].as_str().expect("a name");
        let deps = actual.entry(name).or_default();
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let dep = d["name"].as_str().unwrap_or_default();
            if members.contains(dep) && d["kind"].as_str() != Some("dev") {
                deps.insert(dep);
            }
        }
    }
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(c, deps)| (*c, deps.iter().copied().collect()))
        .collect();
    let mut problems = Vec::new();
    for (krate, deps) in &actual {
        let Some(ok) = allowed.get(krate) else {
            problems.push(format!("`{krate}` is not in the table of allowed edges"));
            continue;
        };
        for dep in deps.difference(ok) {
            problems.push(format!("`{krate}` → `{dep}` is not an allowed edge"));
        }
        for gone in ok.difference(deps) {
            problems.push(format!(
                "`{krate}` → `{gone}` is allowed but absent: update the table"
            ));
        }
    }
    for (from, to) in TRANSITIONAL {
        assert!(
            allowed.get(from).is_some_and(|d| d.contains(to)),
            "transitional edge `{from}` → `{to}` must also be in the allowed table"
        );
    }
    // Nothing but the server depends on the UI crate.
    for (krate, deps) in &actual {
        if deps.contains("app") && *krate != "charter-server" {
            problems.push(format!("`{krate}` depends on `app`; only the server may"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

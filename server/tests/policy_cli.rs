//! End-to-end tests of `charter policy …` (exit codes, JSON shapes, error locations).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    let p: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "crates",
        "authz",
        "tests",
        "fixtures",
        "cli",
        name,
    ]
    .iter()
    .collect();
    p.to_string_lossy().into_owned()
}

fn charter(args: &[&str]) -> (i32, serde_json::Value, String, String) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_charter"))
        .arg("policy")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run charter: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn new_access_fails_with_statement_and_example() {
    let (old, new) = (fixture("reporting-old.json"), fixture("reporting-new.json"));
    let (rc, j, _, _) = charter(&[
        "check-no-new-access",
        "--existing-policy-document",
        &old,
        "--new-policy-document",
        &new,
    ]);
    assert_eq!(rc, 1);
    assert_eq!(j["result"], "FAIL");
    let reasons = j["reasons"].as_array().cloned().unwrap_or_default();
    assert_eq!(reasons.len(), 1, "{j}");
    assert_eq!(reasons[0]["statementIndex"], 1);
    assert_eq!(reasons[0]["statementId"], "TuneBids");
    assert_eq!(
        reasons[0]["description"],
        "New access in the statement with index: 1."
    );
    let ex = &reasons[0]["example"];
    assert_eq!(ex["action"], "sp:UpdateKeywordBid");
    // The example really is new access: the new policy allows it, the old one does not.
    let mut args = vec![
        "evaluate".to_string(),
        "--policy-document".into(),
        new.clone(),
        "--principal".into(),
        ex["principal"].as_str().unwrap_or_default().into(),
        "--action".into(),
        ex["action"].as_str().unwrap_or_default().into(),
        "--resource".into(),
        ex["resource"].as_str().unwrap_or_default().into(),
    ];
    for (k, v) in ex["context"].as_object().cloned().unwrap_or_default() {
        args.push("--context".into());
        args.push(format!("{k}={}", v.as_str().unwrap_or_default()));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(charter(&refs).0, 0, "new policy must allow the example");
    args[2] = old;
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(charter(&refs).0, 1, "old policy must deny the example");
}

#[test]
fn narrowing_passes() {
    let (rc, j, _, _) = charter(&[
        "check-no-new-access",
        "--existing-policy-document",
        &fixture("reporting-new.json"),
        "--new-policy-document",
        &fixture("reporting-old.json"),
    ]);
    assert_eq!((rc, j["result"].as_str()), (0, Some("PASS")));
    assert_eq!(j["reasons"].as_array().map(Vec::len), Some(0));
}

#[test]
fn access_not_granted() {
    let p = fixture("reporting-new.json");
    let (rc, j, _, _) = charter(&[
        "check-access-not-granted",
        "--policy-document",
        &p,
        "--actions",
        "sp:UpdateKeywordBid",
    ]);
    assert_eq!((rc, j["result"].as_str()), (1, Some("FAIL")));
    assert_eq!(j["reasons"][0]["statementIndex"], 1);
    let (rc, j, _, _) = charter(&[
        "check-access-not-granted",
        "--policy-document",
        &p,
        "--actions",
        "sp:DeleteCampaigns,sp:UpdateKeywordBid",
        "--resources",
        "arn:ads:us:2002:keyword/1",
    ]);
    assert_eq!((rc, j["result"].as_str()), (0, Some("PASS")));
}

#[test]
fn public_access() {
    let (rc, j, _, _) = charter(&[
        "check-no-public-access",
        "--policy-document",
        &fixture("public.json"),
    ]);
    assert_eq!((rc, j["result"].as_str()), (1, Some("FAIL")));
    assert_eq!(j["reasons"][0]["statementId"], "Anyone");
    let (rc, j, _, _) = charter(&[
        "check-no-public-access",
        "--policy-document",
        &fixture("confined.json"),
    ]);
    assert_eq!((rc, j["result"].as_str()), (0, Some("PASS")));
}

#[test]
fn invalid_input_names_file_path_and_position() {
    let (rc, _, _, err) = charter(&["validate", "--policy-document", &fixture("broken.json")]);
    assert_eq!(rc, 2);
    assert!(err.contains("broken.json"), "{err}");
    assert!(err.contains("$.Statement[0].Condtion"), "{err}");
    assert!(err.contains("4:74"), "{err}");
    let (rc, _, _, err) = charter(&["validate", "--policy-document", &fixture("missing.json")]);
    assert_eq!(rc, 2);
    assert!(err.contains("missing.json"), "{err}");
}

#[test]
fn validate_reports_findings() {
    let (rc, j, _, _) = charter(&["validate", "--policy-document", &fixture("public.json")]);
    assert_eq!(rc, 0);
    assert_eq!(j["findings"][0]["level"], "SECURITY_WARNING");
    assert_eq!(j["findings"][0]["code"], "PUBLIC_PRINCIPAL");
    let (rc, j, _, _) = charter(&[
        "--catalog",
        &fixture("catalog.json"),
        "validate",
        "--policy-document",
        &fixture("s3.json"),
    ]);
    assert_eq!(rc, 1, "{j}");
    assert_eq!(j["findings"][0]["code"], "UNKNOWN_ACTION");
}

#[test]
fn recommend_prints_a_policy_and_a_diff() {
    let (rc, j, out, err) = charter(&[
        "recommend",
        "--policy-document",
        &fixture("broad.json"),
        "--unused",
        &fixture("unused.json"),
    ]);
    assert_eq!(rc, 0, "{err}");
    let stmts = j["Statement"].as_array().cloned().unwrap_or_default();
    assert_eq!(stmts.len(), 1, "{out}");
    assert_eq!(stmts[0]["Sid"], "Reporting");
    let acts: Vec<String> = stmts[0]["Action"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert!(!acts.iter().any(|a| a.contains("reports:*")), "{out}");
    assert!(
        err.contains("- reports:*") && err.contains("Statement 1 (Bids): dropped"),
        "{err}"
    );
}

#[test]
fn evaluate_explains() {
    let p = fixture("reporting-new.json");
    let base = [
        "evaluate",
        "--policy-document",
        &p,
        "--principal",
        "agt_x",
        "--action",
        "sp:UpdateKeywordBid",
        "--resource",
        "arn:ads:us:1001:keyword/7",
    ];
    let mut ok = base.to_vec();
    ok.extend(["--context", "ads:BidAmount=4"]);
    let (rc, j, _, _) = charter(&ok);
    assert_eq!((rc, j["decision"].as_str()), (0, Some("ALLOW")));
    assert_eq!(j["deciding"][0]["statementId"], "TuneBids");
    let mut too_high = base.to_vec();
    too_high.extend(["--context", "ads:BidAmount=9"]);
    let (rc, j, _, _) = charter(&too_high);
    assert_eq!((rc, j["decision"].as_str()), (1, Some("DENY")));
    assert_eq!(j["nearestMiss"]["statement"]["statementId"], "TuneBids");
    assert!(
        j["nearestMiss"]["failed"][0]
            .as_str()
            .unwrap_or_default()
            .contains("ads:BidAmount")
    );
    let mut bad = base.to_vec();
    bad.extend(["--context", "novalue"]);
    assert_eq!(charter(&bad).0, 2);
}

//! The built-in catalog is well formed; CamelCase words; catalogs from JSON.

use super::{AccessLevel, Catalog, camel_words};

#[test]
fn builtin_catalog_is_well_formed() {
    let c = Catalog::builtin();
    assert!(c.actions.len() >= 150, "{}", c.actions.len());
    for a in &c.actions {
        let (ns, act) = a.name.split_once(':').unwrap_or_default();
        assert!(
            !ns.is_empty() && act.chars().next().is_some_and(char::is_uppercase),
            "{}",
            a.name
        );
        assert_eq!(
            a.commits_money,
            a.commits_money
                && (a.access_level == AccessLevel::Spend || a.access_level == AccessLevel::Write)
        );
    }
    assert!(c.contains("SP:updatekeywordbid"));
    for ns in [
        "sp:",
        "sb:",
        "sd:",
        "portfolios:",
        "reports:",
        "audiences:",
        "dsp:",
        "creatives:",
        "stores:",
        "billing:",
        "account:",
    ] {
        assert!(c.actions.iter().any(|a| a.name.starts_with(ns)), "{ns}");
    }
}

#[test]
fn camel_case_words() {
    assert_eq!(camel_words("GetBucketPolicy"), ["Get", "Bucket", "Policy"]);
    assert_eq!(camel_words("ListDSPOrders"), ["List", "DSP", "Orders"]);
    assert_eq!(camel_words("Get2FACode"), ["Get2", "FA", "Code"]);
}

#[test]
fn loads_from_json_with_errors_located() {
    let c = Catalog::from_json(r#"["s3:GetObject", "s3:PutObject"]"#).unwrap_or_default();
    assert_eq!(c.actions.len(), 2);
    assert_eq!(
        c.get("s3:getobject").map(|a| a.access_level),
        Some(AccessLevel::Read)
    );
    let e = Catalog::from_json("[\n \"s3:Get\", 3]")
        .err()
        .map(|e| (e.path, e.line, e.col));
    assert_eq!(e, Some(("$[1]".to_string(), 2, 12)));
}

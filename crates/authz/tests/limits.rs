//! Parser limits: every limit is accepted exactly at its value and rejected one past it, with
//! the JSON path and `line:col` of the offending value (table-driven).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use authz::{
    MAX_LIST_VALUES, MAX_POLICY_BYTES, MAX_STATEMENTS, MAX_STRING_CHARS, MAX_VALUES, parse_policy,
};

/// One statement per line after a header line, so statement `i` starts on line `i + 2`.
fn doc(statements: &[String]) -> String {
    format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [\n{}\n]}}",
        statements.join(",\n")
    )
}

fn allow(action: &str) -> String {
    format!(r#"{{"Effect": "Allow", "Action": "{action}", "Resource": "*"}}"#)
}

fn actions(n: usize) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"sp:A{i}\"")).collect();
    format!(
        r#"{{"Effect": "Allow", "Action": [{}], "Resource": "*"}}"#,
        list.join(", ")
    )
}

/// `(name, source, expected error)`: `None` means the source must parse; otherwise the path,
/// the byte offset and the start of the message.
type Row = (&'static str, String, Option<(String, usize, String)>);

/// The offset of the `nth` occurrence of `needle` in `src`.
fn at(src: &str, needle: &str, nth: usize) -> usize {
    src.match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("`{needle}` not found"))
}

/// 1-based line and column (in characters) of a byte offset, computed independently.
fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn rows() -> Vec<Row> {
    let long = "a".repeat(MAX_STRING_CHARS);
    let longer = "a".repeat(MAX_STRING_CHARS + 1);
    // Multi-byte characters count as one character each.
    let wide = "é".repeat(MAX_STRING_CHARS);
    let too_long = format!(
        "the value is {} characters long; at most {MAX_STRING_CHARS} are allowed",
        MAX_STRING_CHARS + 1
    );
    let shown = format!("{}…", &longer[..64]);
    let mut out: Vec<Row> = Vec::new();
    let mut row = |name: &'static str, src: String, err: Option<(String, &str, String)>| {
        let want = err.map(|(path, needle, msg)| {
            let off = at(&src, needle, 0);
            (path, off, msg)
        });
        out.push((name, src, want));
    };
    row(
        "pattern at the limit",
        doc(&[allow(&format!("sp:{}", &long[3..]))]),
        None,
    );
    row(
        "multi-byte pattern at the limit",
        doc(&[allow(&wide)]),
        None,
    );
    row(
        "pattern one past the limit",
        doc(&[allow(&format!("sp:{}", &longer[3..]))]),
        Some(("$.Statement[0].Action".into(), "\"sp:", too_long.clone())),
    );
    row(
        "resource list entry",
        doc(&[format!(
            r#"{{"Effect": "Allow", "Action": "sp:GetCampaign", "Resource": ["arn:ads:us:1:*", "{longer}"]}}"#
        )]),
        Some((
            "$.Statement[0].Resource[1]".into(),
            "\"aaa",
            too_long.clone(),
        )),
    );
    row(
        "condition value",
        doc(&[format!(
            r#"{{"Effect": "Allow", "Action": "*", "Condition": {{"StringLike": {{"ads:Market": ["{longer}"]}}}}}}"#
        )]),
        Some((
            "$.Statement[0].Condition.StringLike.ads:Market[0]".into(),
            "\"aaa",
            too_long.clone(),
        )),
    );
    row(
        "condition number",
        doc(&[format!(
            r#"{{"Effect": "Allow", "Action": "*", "Condition": {{"NumericLessThan": {{"n": {}}}}}}}"#,
            "9".repeat(MAX_STRING_CHARS + 1)
        )]),
        Some((
            "$.Statement[0].Condition.NumericLessThan.n".into(),
            "999",
            too_long.clone(),
        )),
    );
    row(
        "condition key (shown shortened in the path)",
        doc(&[format!(
            r#"{{"Effect": "Allow", "Action": "*", "Condition": {{"Null": {{"{longer}": "true"}}}}}}"#
        )]),
        Some((
            format!("$.Statement[0].Condition.Null.{shown}"),
            "\"aaa",
            too_long.clone(),
        )),
    );
    row(
        "sid",
        doc(&[format!(
            r#"{{"Sid": "{longer}", "Effect": "Allow", "Action": "*"}}"#
        )]),
        Some(("$.Statement[0].Sid".into(), "\"aaa", too_long.clone())),
    );
    row(
        "principal kind",
        doc(&[format!(
            r#"{{"Effect": "Allow", "Principal": {{"{longer}": "agt_1"}}, "Action": "*"}}"#
        )]),
        Some((
            format!("$.Statement[0].Principal.{shown}"),
            "\"aaa",
            too_long.clone(),
        )),
    );
    row(
        "unknown key with a huge name is shown shortened",
        doc(&[format!(
            r#"{{"Effect": "Allow", "Action": "*", "{longer}": 1}}"#
        )]),
        Some((
            format!("$.Statement[0].{shown}"),
            "\"aaa",
            format!("unknown key `{shown}`"),
        )),
    );
    row(
        "statements at the limit",
        doc(&vec![allow("sp:GetCampaign"); MAX_STATEMENTS]),
        None,
    );
    let src = doc(&vec![allow("sp:GetCampaign"); MAX_STATEMENTS + 1]);
    let off = at(&src, "{\"Effect\"", MAX_STATEMENTS);
    out.push((
        "statements one past the limit",
        src,
        Some((
            format!("$.Statement[{MAX_STATEMENTS}]"),
            off,
            format!("too many statements: a policy may hold at most {MAX_STATEMENTS}"),
        )),
    ));
    out.push(("list at the limit", doc(&[actions(MAX_LIST_VALUES)]), None));
    let src = doc(&[actions(MAX_LIST_VALUES + 1)]);
    let off = at(&src, &format!("\"sp:A{MAX_LIST_VALUES}\""), 0);
    out.push((
        "list one past the limit",
        src,
        Some((
            format!("$.Statement[0].Action[{MAX_LIST_VALUES}]"),
            off,
            format!("too many values: a list may hold at most {MAX_LIST_VALUES}"),
        )),
    ));
    // Total values: statements of 255 actions and one resource hold 256 values each; four of
    // them are exactly the limit and one more value anywhere is too many.
    let per = MAX_VALUES / MAX_LIST_VALUES;
    out.push((
        "values at the limit",
        doc(&vec![actions(MAX_LIST_VALUES - 1); per]),
        None,
    ));
    // 4 × 255 values, then Action, Resource, the `ads:Mfa` condition and its value make 1024;
    // the next condition is one too many.
    let mut over = vec![actions(MAX_LIST_VALUES - 2); per];
    over.push(
        r#"{"Effect": "Deny", "Action": "sp:GetCampaign", "Resource": "*", "Condition": {"Bool": {"ads:Mfa": "false", "ads:Other": "true"}}}"#
            .to_string(),
    );
    let src = doc(&over);
    let off = at(&src, "\"ads:Other\"", 0);
    out.push((
        "values one past the limit (a condition counts)",
        src,
        Some((
            format!("$.Statement[{per}].Condition.Bool.ads:Other"),
            off,
            format!(
                "too many values: a policy may hold at most {MAX_VALUES} patterns, conditions and condition values"
            ),
        )),
    ));
    // Document size: leading whitespace keeps the policy valid.
    let small = doc(&[allow("sp:GetCampaign")]);
    let pad = |n: usize| format!("{}{small}", " ".repeat(n - small.len()));
    out.push(("document at the limit", pad(MAX_POLICY_BYTES), None));
    out.push((
        "document one past the limit",
        pad(MAX_POLICY_BYTES + 1),
        Some((
            "$".into(),
            MAX_POLICY_BYTES,
            format!(
                "the policy is {} bytes long; at most {MAX_POLICY_BYTES} are allowed",
                MAX_POLICY_BYTES + 1
            ),
        )),
    ));
    out
}

#[test]
fn limits_are_enforced_with_locations() {
    let mut failures = Vec::new();
    for (name, src, want) in rows() {
        let got = parse_policy(&src)
            .err()
            .map(|e| (e.path, e.offset, (e.line, e.col), e.message));
        let ok = match (&got, &want) {
            (None, None) => true,
            (Some((p, o, lc, m)), Some((wp, wo, wm))) => {
                p == wp && o == wo && *lc == line_col(&src, *wo) && m.starts_with(wm.as_str())
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{name}:\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn errors_point_inside_the_input() {
    for (name, src, _) in rows() {
        if let Err(e) = parse_policy(&src) {
            assert!(e.offset <= src.len(), "{name}");
            assert!(src.is_char_boundary(e.offset), "{name}");
        }
    }
}

//! Fuzz target: the policy parser must never panic, and every policy it accepts must be
//! evaluable, validatable and equivalent to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    match authz::parse_policy(src) {
        Err(e) => {
            // Errors must point inside the input.
            assert!(e.offset <= src.len(), "offset {} beyond input", e.offset);
            assert!(e.line >= 1 && e.col >= 1);
        }
        Ok(p) => {
            let req = authz::Request::new("agt_1", "sp:GetCampaign", "arn:ads:us:1:campaign/1").with("ads:BidAmount", "4");
            let _ = authz::evaluate(&[&p], &req);
            // Every check is bounded by the analyzer's budget, so no size filter is needed.
            let _ = authz::validate::validate(&p, authz::Catalog::builtin());
            match authz::try_check_no_new_access(&p, &p) {
                Ok(r) => assert!(r.passed(), "a policy must not grant new access over itself"),
                // Too complex: the infallible form must then fail closed.
                Err(_) => assert!(!authz::check_no_new_access(&p, &p).passed()),
            }
        }
    }
    let _ = authz::Catalog::from_json(src);
    let _ = authz::recommend::parse_unused(src);
});

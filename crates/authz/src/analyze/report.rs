//! What a check reports: PASS or FAIL, reasons with example requests, and how a run that ran
//! out of budget finishes (fail closed, or an error).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::budget::{AnalysisError, Meter};
use crate::eval::{Principal, Request};
use crate::policy::Statement;

/// PASS or FAIL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Nothing to report: the property holds.
    #[serde(rename = "PASS")]
    Pass,
    /// The property does not hold (or was not proved): see the reasons.
    #[serde(rename = "FAIL")]
    Fail,
}

/// A concrete example request, in the CLI's JSON shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// The principal, `Kind::id` or a plain id.
    pub principal: String,
    /// The action name.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// Context keys and their values.
    pub context: BTreeMap<String, String>,
}

impl Example {
    /// The example of a request.
    pub fn from_request(r: &Request) -> Example {
        Example {
            principal: r.principal.to_string(),
            action: r.action.clone(),
            resource: r.resource.clone(),
            context: r.context.clone(),
        }
    }

    /// The request of this example.
    pub fn to_request(&self) -> Request {
        Request {
            principal: Principal::parse(&self.principal),
            action: self.action.clone(),
            resource: self.resource.clone(),
            context: self.context.clone(),
        }
    }
}

/// One reason for a FAIL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reason {
    /// What the reason says, naming the statement.
    pub description: String,
    /// The index of the statement at fault.
    pub statement_index: usize,
    /// Its `Sid`, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_id: Option<String>,
    /// A concrete request that shows the reason.
    pub example: Example,
}

impl Reason {
    /// One line naming the statement and its example: "statement 1 (`Sid`) allows `a` on `r`".
    pub fn summary(&self) -> String {
        format!(
            "statement {}{} allows `{}` on `{}`",
            self.statement_index,
            self.statement_id
                .as_deref()
                .map(|s| format!(" (`{s}`)"))
                .unwrap_or_default(),
            self.example.action,
            self.example.resource
        )
    }
}

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// PASS or FAIL.
    pub result: Verdict,
    /// One sentence on the outcome.
    pub message: String,
    /// For a FAIL: one reason per statement at fault (none or only some when the analysis ran
    /// out of budget).
    pub reasons: Vec<Reason>,
}

impl CheckResult {
    /// True for PASS.
    pub fn passed(&self) -> bool {
        self.result == Verdict::Pass
    }

    fn from(reasons: Vec<Reason>, pass: &str, fail: &str) -> CheckResult {
        if reasons.is_empty() {
            CheckResult {
                result: Verdict::Pass,
                message: pass.into(),
                reasons,
            }
        } else {
            CheckResult {
                result: Verdict::Fail,
                message: fail.into(),
                reasons,
            }
        }
    }
}

pub(super) fn reason(desc: String, idx: usize, s: &Statement, r: &Request) -> Reason {
    Reason {
        description: desc,
        statement_index: idx,
        statement_id: s.sid.clone(),
        example: Example::from_request(r),
    }
}

/// The message of a check that ran out of budget (the infallible functions fail closed).
pub const TOO_COMPLEX_MESSAGE: &str = "The analysis is too complex to finish within its work budget, so the check fails closed: nothing was proved.";

/// Reasons proved so far and the meter (exhausted when the run was cut short).
pub(super) type Run = (Vec<Reason>, Meter);

pub(super) fn finish(run: Run, pass: &str, fail: &str) -> CheckResult {
    let (reasons, meter) = run;
    if meter.exhausted() {
        CheckResult {
            result: Verdict::Fail,
            message: TOO_COMPLEX_MESSAGE.into(),
            reasons,
        }
    } else {
        CheckResult::from(reasons, pass, fail)
    }
}

pub(super) fn try_finish(
    run: Run,
    check: &'static str,
    pass: &str,
    fail: &str,
) -> Result<CheckResult, AnalysisError> {
    let (reasons, meter) = run;
    if meter.exhausted() {
        Err(meter.error(check))
    } else {
        Ok(CheckResult::from(reasons, pass, fail))
    }
}

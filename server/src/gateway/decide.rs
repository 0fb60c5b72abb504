//! The decision itself, one function per step of the order documented on the module
//! ([`super`]): each step either passes (and hands the next step what it learned) or ends the
//! decision with its denial. Only [`Verdicted::allow`] makes an allowed verdict, at the end.

// A step's denial *is* the answer (one per request, returned at once), so it is not boxed.
#![allow(clippy::result_large_err)]

use super::breaker::Verdict;
use super::{
    CachedToken, Enforcer, GrantView, Reason, Subject, Verdicted, limits, statement_name,
    token_reason,
};
use crate::tokens::{Claims, TokenError};
use authz::{Decision, Outcome, Policy, Request};
use charter_store::model::*;
use charter_store::revocation::Revoked;
use charter_store::{LedgerEntry, NewReservation, ReserveOutcome};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// A step's denial (the subject is added by [`Enforcer::decide_inner`] once it is known).
type Step<T> = Result<T, Verdicted>;

/// What a verified, unrevoked token is for.
struct Holder {
    cached: Arc<CachedToken>,
    view: Arc<GrantView>,
    subject: Subject,
    /// The grant's time bounds failed: reported after the intent (step 4), not at step 2.
    time_bounds: Option<Revoked>,
}

impl Enforcer {
    pub(super) async fn decide_inner(
        &self,
        token: Option<&str>,
        req: &super::AuthzRequest,
        now: DateTime<Utc>,
    ) -> Verdicted {
        let holder = match self.holder(token, now).await {
            Ok(h) => h,
            Err(v) => return v,
        };
        let token = token.unwrap_or_default();
        match self.authorize(&holder, token, req, now).await {
            Ok(v) => v,
            Err(v) => Verdicted {
                subject: Some(holder.subject),
                ..v
            },
        }
    }

    /// Steps 1 and 2: the token is valid and not revoked; the grant it is for.
    async fn holder(&self, token: Option<&str>, now: DateTime<Utc>) -> Step<Holder> {
        let Some(token) = token.filter(|t| !t.trim().is_empty()) else {
            return Err(Verdicted::deny(
                Reason::TokenMissing,
                "send the agent's access token as `Authorization: Bearer <token>`",
            ));
        };
        let cached = self
            .token(token, now)
            .await
            .map_err(|e| Verdicted::deny(token_reason(&e), e.to_string()))?;
        let claims = &cached.claims;
        let mut time_bounds = None;
        match self.tokens.check_revocation(claims, now).await {
            Ok(()) => {}
            Err(TokenError::Revoked(r @ (Revoked::GrantNotYetValid | Revoked::GrantExpired))) => {
                time_bounds = Some(r)
            }
            Err(e) => return Err(Verdicted::deny(token_reason(&e), e.to_string())),
        }
        let view = self.grant_view(claims).await.map_err(|e| {
            tracing::warn!(grant = %claims.grant, error = %e, "grant unreadable at decision");
            Verdicted::deny(Reason::Revoked, format!("the grant cannot be used: {e}"))
        })?;
        let subject = subject_of(claims, &view);
        Ok(Holder {
            cached,
            view,
            subject,
            time_bounds,
        })
    }

    /// Steps 3 to 7 for a known holder.
    async fn authorize(
        &self,
        h: &Holder,
        token: &str,
        req: &super::AuthzRequest,
        now: DateTime<Utc>,
    ) -> Step<Verdicted> {
        let claims = &h.cached.claims;
        check_intent(claims, req)?;
        if let Some(r) = &h.time_bounds {
            return Err(Verdicted::deny(Reason::OutsideTimeBounds, r.to_string()));
        }
        let policy = self.check_request(&h.view, req)?;
        let areq = engine_request(claims, req, now);
        let allowing = check_grant_policy(policy, &areq, req)?;
        self.check_delegated_scope(claims, &areq, req).await?;
        self.check_holder_blocks(&h.cached, token, &areq, req, now)
            .await?;
        self.check_guardrails(&h.view.advertiser.id, &areq, req, now)
            .await?;
        let reservation = self.breaker_and_spend(claims, &h.view, req, now).await?;
        Ok(Verdicted::allow(
            format!(
                "`{}` on `{}` is allowed by statement `{}` of the grant",
                req.action,
                req.resource,
                allowing.join("`, `")
            ),
            allowing,
            reservation,
            h.subject.clone(),
        ))
    }

    /// Step 5's preconditions: a catalog action, a resource of the token's account, an amount
    /// within bounds, and a usable grant policy.
    fn check_request<'v>(
        &self,
        view: &'v GrantView,
        req: &super::AuthzRequest,
    ) -> Step<&'v Policy> {
        if self.catalog.get(&req.action).is_none() {
            return Err(Verdicted::deny(
                Reason::UnknownAction,
                format!("`{}` is not an action of the catalog", req.action),
            ));
        }
        // The resource is in the token's account: a broad grant (`*`) of one advertiser says
        // nothing about another's, whose guardrails this decision never reads.
        if limits::arn_account(&req.resource) != Some(view.advertiser.id.as_str()) {
            return Err(Verdicted::deny(
                Reason::PolicyDenied,
                format!(
                    "the resource is not in the token's account `{}`: it must be `arn:ads:<marketplace>:{}:<type>/<id>`",
                    view.advertiser.id, view.advertiser.id
                ),
            ));
        }
        match req.amount_minor {
            Some(a) if a < 0 => {
                return Err(Verdicted::deny(
                    Reason::PolicyDenied,
                    format!("the amount `{a}` is negative"),
                ));
            }
            Some(a) if a > MAX_AMOUNT_MINOR => {
                return Err(Verdicted::deny(
                    Reason::PolicyDenied,
                    format!(
                        "the amount `{a}` is above the largest one call may commit ({MAX_AMOUNT_MINOR})"
                    ),
                ));
            }
            _ => {}
        }
        view.policy.as_ref().map_err(|e| {
            Verdicted::deny(
                Reason::PolicyDenied,
                format!("the grant policy is unusable: {e}"),
            )
        })
    }

    /// A delegated token holds the scope proved at its exchange (⊆ its parent's): it must
    /// allow the request too.
    async fn check_delegated_scope(
        &self,
        claims: &Claims,
        areq: &Request,
        req: &super::AuthzRequest,
    ) -> Step<()> {
        if claims.depth == 0 {
            return Ok(());
        }
        let scope = self
            .delegated_scope(&claims.jti)
            .await
            .map_err(|e| Verdicted::deny(Reason::PolicyDenied, e))?;
        let p = scope.as_ref().as_ref().map_err(|e| {
            Verdicted::deny(
                Reason::PolicyDenied,
                format!("the delegated scope is unusable: {e}"),
            )
        })?;
        let d = authz::evaluate(&[p], areq);
        if d.outcome == Outcome::Allow {
            return Ok(());
        }
        let miss = d.nearest_miss.as_ref().map(|m| {
            format!(
                "statement `{}` of the delegated scope came closest but did not match: {}",
                statement_name(p, &m.statement),
                m.failed.join("; ")
            )
        });
        Err(Verdicted {
            nearest_miss: miss,
            ..Verdicted::deny(
                Reason::PolicyDenied,
                format!(
                    "the scope delegated to this token does not allow `{}` on `{}`",
                    req.action, req.resource
                ),
            )
        })
    }

    /// Every block the holder appended allows the request.
    async fn check_holder_blocks(
        &self,
        cached: &CachedToken,
        token: &str,
        areq: &Request,
        req: &super::AuthzRequest,
        now: DateTime<Utc>,
    ) -> Step<()> {
        match &cached.blocks {
            Ok(blocks) => {
                for (index, policies) in blocks {
                    if policies
                        .iter()
                        .any(|p| !authz::eval::is_allowed(&[p], areq))
                    {
                        return Err(Verdicted::deny(
                            Reason::AttenuationDenied,
                            format!(
                                "block {index} of the token, appended by its holder, does not allow `{}` on `{}`{}",
                                req.action,
                                req.resource,
                                req.amount_minor
                                    .map(|a| format!(" for {a}"))
                                    .unwrap_or_default()
                            ),
                        ));
                    }
                }
                Ok(())
            }
            Err(_) => {
                // A block Charter cannot read as a policy: let the Biscuit authorizer decide.
                let facts = crate::tokens::RequestFacts {
                    operation: req.action.clone(),
                    resource: req.resource.clone(),
                    amount: req.amount_minor.unwrap_or(0),
                    intent: None,
                };
                self.tokens
                    .verify_offline(token, None, Some(&facts), now)
                    .await
                    .map(|_| ())
                    .map_err(|e| Verdicted::deny(token_reason(&e), e.to_string()))
            }
        }
    }

    /// No guardrail of the account forbids the request.
    async fn check_guardrails(
        &self,
        advertiser: &AdvertiserId,
        areq: &Request,
        req: &super::AuthzRequest,
        now: DateTime<Utc>,
    ) -> Step<()> {
        let rails = self
            .guardrails(advertiser, now)
            .await
            .map_err(|e| Verdicted::deny(Reason::GuardrailDenied, e))?;
        match rails
            .rails
            .iter()
            .find(|(_, p)| authz::eval::is_allowed(&[p], areq))
        {
            None => Ok(()),
            Some((g, _)) => Err(Verdicted {
                statements: vec![g.id.to_string()],
                ..Verdicted::deny(
                    Reason::GuardrailDenied,
                    format!(
                        "the account's guardrail \u{201c}{}\u{201d} forbids `{}` on `{}` for every agent",
                        g.name, req.action, req.resource
                    ),
                )
            }),
        }
    }

    /// Steps 6 and 7: the breaker verdict is read first (no side effects), the reservation made
    /// second, so that the reported reason follows the documented order; a reservation made for
    /// a call the breaker then stops is released.
    async fn breaker_and_spend(
        &self,
        claims: &Claims,
        view: &GrantView,
        req: &super::AuthzRequest,
        now: DateTime<Utc>,
    ) -> Step<Option<LedgerEntry>> {
        let breaker = self
            .breakers
            .check(&claims.grant, &view.advertiser.id, now)
            .await;
        let reservation = match req.amount_minor.filter(|a| *a > 0) {
            Some(amount) => Some(self.reserve(claims, view, req, amount, now).await?),
            None => None,
        };
        let stopped = match breaker {
            Verdict::Pass => return Ok(reservation),
            Verdict::Open { retry_after, why } => Verdicted {
                retry_after: Some(retry_after),
                ..Verdicted::deny(Reason::CircuitOpen, why)
            },
            Verdict::Terminated { why } => Verdicted::deny(Reason::CircuitTerminated, why),
        };
        if let Some(r) = reservation {
            let _ = self
                .store
                .settle_reservation(&r.grant_id, None, &r.id, false, Utc::now())
                .await;
        }
        Err(stopped)
    }

    /// Step 6: the amount fits every spend cap, reserved atomically.
    async fn reserve(
        &self,
        claims: &Claims,
        view: &GrantView,
        req: &super::AuthzRequest,
        amount: i64,
        now: DateTime<Utc>,
    ) -> Step<LedgerEntry> {
        let new = NewReservation {
            advertiser_id: view.advertiser.id.clone(),
            grant_id: claims.grant.clone(),
            agent_id: claims.agent.clone(),
            action: req.action.clone(),
            resource: req.resource.clone(),
            amount_minor: amount,
            token_id: Some(claims.jti.clone()),
        };
        match self.store.reserve_spend(new, now).await {
            Ok(ReserveOutcome::Reserved(r)) => Ok(r),
            Ok(ReserveOutcome::Exceeded {
                window,
                limit_minor,
                used_minor,
                requested_minor,
            }) => Err(Verdicted::deny(
                Reason::SpendLimitExceeded,
                format!(
                    "{requested_minor} would take the {} spend to {} of its {limit_minor} cap ({used_minor} already held or spent, in {} minor units)",
                    window.as_str(),
                    used_minor.saturating_add(requested_minor),
                    view.advertiser.currency(),
                ),
            )),
            Err(e) => {
                tracing::error!(error = %e, "spend reservation failed");
                Err(Verdicted::deny(
                    Reason::SpendLimitExceeded,
                    "the spend reservation could not be made; nothing was spent",
                ))
            }
        }
    }
}

/// Who is asking, from the token's claims and its grant.
fn subject_of(claims: &Claims, view: &GrantView) -> Subject {
    Subject {
        advertiser: view.advertiser.clone(),
        agent_id: claims.agent.clone(),
        agent_name: view.agent_name.clone(),
        partner_id: view.partner_id.clone(),
        grant_id: claims.grant.clone(),
        grant_version: claims.grant_version,
        purpose: claims.purpose,
        token_chain: claims
            .ancestors
            .iter()
            .cloned()
            .chain(std::iter::once(claims.jti.clone()))
            .collect(),
        agent_chain: claims
            .actor_chain
            .iter()
            .cloned()
            .chain(std::iter::once(claims.agent.clone()))
            .collect(),
    }
}

/// Step 3: the request declares the grant's purpose as its intent.
fn check_intent(claims: &Claims, req: &super::AuthzRequest) -> Step<()> {
    match req.intent.as_deref().map(str::trim) {
        None | Some("") => Err(Verdicted::deny(
            Reason::IntentMismatch,
            format!(
                "the request declares no intent; this grant's purpose is `{}`",
                claims.purpose
            ),
        )),
        Some(i) if i != claims.purpose.as_str() => Err(Verdicted::deny(
            Reason::IntentMismatch,
            format!(
                "the request's intent `{i}` is outside the grant's purpose `{}`",
                claims.purpose
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// The request as the engine reads it, with the context Charter supplies.
fn engine_request(claims: &Claims, req: &super::AuthzRequest, now: DateTime<Utc>) -> Request {
    let mut areq = Request::new(claims.agent.as_str(), &req.action, &req.resource);
    for (k, val) in &req.context {
        areq.context.insert(k.clone(), val.clone());
    }
    areq.context.insert(
        "ads:CurrentTime".into(),
        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    areq.context
        .insert("ads:Intent".into(), claims.purpose.as_str().to_string());
    if let Some(a) = req.amount_minor {
        areq.context.insert("ads:AmountMinor".into(), a.to_string());
    }
    areq
}

/// Step 5: the grant policy allows the request; the statements that allow it.
fn check_grant_policy(
    policy: &Policy,
    areq: &Request,
    req: &super::AuthzRequest,
) -> Step<Vec<String>> {
    let decision: Decision = authz::evaluate(&[policy], areq);
    let names = |d: &Decision| -> Vec<String> {
        d.deciding
            .iter()
            .map(|r| statement_name(policy, r))
            .collect()
    };
    match decision.outcome {
        Outcome::Allow => Ok(names(&decision)),
        Outcome::ExplicitDeny => {
            let names = names(&decision);
            Err(Verdicted {
                statements: names.clone(),
                ..Verdicted::deny(
                    Reason::ExplicitDeny,
                    format!(
                        "`{}` on `{}` is denied by statement `{}` of the grant",
                        req.action,
                        req.resource,
                        names.join("`, `")
                    ),
                )
            })
        }
        Outcome::ImplicitDeny => Err(Verdicted {
            nearest_miss: decision.nearest_miss.as_ref().map(|m| {
                format!(
                    "statement `{}` came closest but did not match: {}",
                    statement_name(policy, &m.statement),
                    m.failed.join("; ")
                )
            }),
            ..Verdicted::deny(
                Reason::PolicyDenied,
                format!(
                    "no statement of the grant allows `{}` on `{}`",
                    req.action, req.resource
                ),
            )
        }),
    }
}

//! Billing, read-only (`/sandbox/v1/billing`): invoices and the billing status.

use super::common::*;
use super::profiles::own;
use super::spec::{BoxFuture, DescribeInput, Operation, Route, SandboxError};
use axum::Json;
use axum::extract::{Path, Query};
use charter_store::model::Advertiser;
use charter_store::{Invoice, InvoiceId, InvoiceStatus, SandboxDb, SandboxQuery};
use chrono::Utc;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn routes() -> Vec<Route> {
    vec![
        Route::get(
            "/sandbox/v1/billing/invoices",
            "billing:ListInvoices",
            describe_list,
            list,
        ),
        Route::get(
            "/sandbox/v1/billing/invoices/{invoiceId}",
            "billing:GetInvoice",
            describe_get,
            get_one,
        ),
        Route::get(
            "/sandbox/v1/billing/status",
            "billing:GetBillingStatus",
            describe_status,
            status,
        ),
    ]
}

pub fn view(i: &Invoice) -> Value {
    let total = i.amount_minor + i.tax_minor;
    json!({
        "invoiceId": i.id.to_string(),
        "status": i.status.api(),
        "invoicePeriod": { "start": i.period_start.to_string(), "end": i.period_end.to_string() },
        "currencyCode": i.currency.code(),
        "fees": money(i.amount_minor, i.currency),
        "taxAmount": money(i.tax_minor, i.currency),
        "totalAmount": money(total, i.currency),
        "amountDue": money(if i.status == InvoiceStatus::Issued { total } else { 0 }, i.currency),
        "issuedAt": i.issued_at.to_rfc3339(),
        "dueDate": i.due_date.to_string(),
        "paidAt": i.paid_at.map(|t| t.to_rfc3339()),
    })
}

async fn find(
    store: &SandboxDb,
    advertiser: &Advertiser,
    params: &BTreeMap<String, String>,
) -> Result<Invoice, SandboxError> {
    let id = path_id(params, "invoiceId", InvoiceId::parse)?;
    store
        .invoice(&advertiser.id, id)
        .await?
        .ok_or(SandboxError::NotFound("invoice"))
}

/// `count` (1–100, default 25) and `cursor` (from an earlier page); nothing else.
fn window(query: &BTreeMap<String, String>) -> Result<Window, SandboxError> {
    if let Some(k) = query
        .keys()
        .find(|k| !matches!(k.as_str(), "count" | "cursor"))
    {
        return Err(SandboxError::BadRequest(format!(
            "`{}`: unknown query parameter (use `count` and `cursor`)",
            k.chars().take(40).collect::<String>()
        )));
    }
    let count = match query.get("count") {
        None => 25,
        Some(c) => c
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| {
                SandboxError::BadRequest("`count`: expected a number from 1 to 100".into())
            })?,
    };
    Window::parse(
        Some(count),
        query.get("cursor").map(String::as_str),
        ("count", "cursor"),
    )
}

fn describe_list(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        Ok(op(
            "billing:ListInvoices",
            collection(input.advertiser, "invoice"),
            None,
        ))
    })
}

fn describe_get(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let i = find(input.store, input.advertiser, input.params).await?;
        Ok(op(
            "billing:GetInvoice",
            resource(input.advertiser, "invoice", i.id),
            None,
        ))
    })
}

fn describe_status(input: DescribeInput<'_>) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let p = own(input.store, input.advertiser).await?;
        Ok(op(
            "billing:GetBillingStatus",
            resource(input.advertiser, "billingProfile", p.id),
            None,
        ))
    })
}

async fn list(
    account: Account,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Json<Value>, SandboxError> {
    let w = window(&query)?;
    let found = account
        .store
        .invoices(&account.advertiser().id, w.offset, w.limit)
        .await?;
    let mut out = serde_json::Map::new();
    out.insert("invoices".into(), found.items.iter().map(view).collect());
    out.insert("totalResults".into(), found.total.into());
    if let Some(next) = w.next_token(found.total) {
        out.insert("nextCursor".into(), next.into());
    }
    Ok(Json(Value::Object(out)))
}

async fn get_one(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
) -> Result<Json<Value>, SandboxError> {
    let i = find(&account.store, account.advertiser(), &params).await?;
    Ok(Json(view(&i)))
}

async fn status(account: Account) -> Result<Json<Value>, SandboxError> {
    let p = own(&account.store, account.advertiser()).await?;
    let all = account
        .store
        .invoices(&account.advertiser().id, 0, SandboxQuery::MAX_LIMIT)
        .await?
        .items;
    let today = Utc::now().date_naive();
    let open = || all.iter().filter(|i| i.status == InvoiceStatus::Issued);
    let outstanding: i64 = open().map(|i| i.amount_minor + i.tax_minor).sum();
    let overdue: i64 = open()
        .filter(|i| i.due_date < today)
        .map(|i| i.amount_minor + i.tax_minor)
        .sum();
    let last_payment = all.iter().filter_map(|i| i.paid_at).max();
    Ok(Json(json!({
        "profileId": p.id.get(),
        "billingStatus": if overdue > 0 { "PAYMENT_OVERDUE" } else { "ACTIVE" },
        "paymentMethod": "INVOICE",
        "currencyCode": account.currency().code(),
        "outstandingBalance": money(outstanding, account.currency()),
        "overdueBalance": money(overdue, account.currency()),
        "lastInvoiceId": all.first().map(|i| i.id.to_string()),
        "lastPaymentDate": last_payment.map(|t| t.date_naive().to_string()),
    })))
}

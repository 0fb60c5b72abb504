//! Sandbox report jobs and invoices (billing, read-only). Implemented for both backends in
//! `sql/sandbox/reports.rs`.

use super::*;
use chrono::NaiveDate;

/// A report job. `payload` (JSON rows) is set when it completes.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportJob {
    pub id: ReportId,
    pub advertiser_id: AdvertiserId,
    pub name: EntityName,
    pub report_type: ReportType,
    pub time_unit: TimeUnit,
    /// The requested columns, in order.
    pub columns: Vec<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub status: ReportStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub payload: Option<String>,
}

/// A report to request (it starts pending).
#[derive(Debug, Clone)]
pub struct NewReport {
    pub name: EntityName,
    pub report_type: ReportType,
    pub time_unit: TimeUnit,
    pub columns: Vec<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Invoice {
    pub id: InvoiceId,
    pub advertiser_id: AdvertiserId,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Before tax.
    pub amount_minor: i64,
    pub tax_minor: i64,
    pub currency: Currency,
    pub status: InvoiceStatus,
    pub issued_at: DateTime<Utc>,
    pub due_date: NaiveDate,
    pub paid_at: Option<DateTime<Utc>>,
}

/// Report jobs and invoices.
#[async_trait]
pub trait SandboxReportStore: Send + Sync {
    async fn create_report(&self, advertiser: &AdvertiserId, new: NewReport) -> Result<ReportJob>;
    async fn report(&self, advertiser: &AdvertiserId, id: &ReportId) -> Result<Option<ReportJob>>;
    /// Moves a job forward to `status` (with its payload when completing). A completed job is
    /// never changed again: the job is returned as stored.
    async fn advance_report(
        &self,
        advertiser: &AdvertiserId,
        id: &ReportId,
        status: ReportStatus,
        payload: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<ReportJob>;

    // --- billing (read-only) ---------------------------------------------------------------
    /// Invoices, newest period first.
    async fn invoices(
        &self,
        advertiser: &AdvertiserId,
        offset: u32,
        limit: u32,
    ) -> Result<Listing<Invoice>>;
    async fn invoice(&self, advertiser: &AdvertiserId, id: InvoiceId) -> Result<Option<Invoice>>;
}

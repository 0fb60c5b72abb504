//! [`SandboxReportStore`] for both backends, instantiated by `sandbox_report_store!`: report
//! jobs and invoices, and their inserts.

use super::*;
use chrono::NaiveDate;

#[derive(FromRow)]
struct ReportRow {
    id: String,
    advertiser_id: String,
    name: String,
    report_type: String,
    time_unit: String,
    columns: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    status: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    payload: Option<String>,
}

impl TryFrom<ReportRow> for ReportJob {
    type Error = StoreError;
    fn try_from(r: ReportRow) -> Result<Self> {
        Ok(ReportJob {
            id: ReportId::parse(&r.id).map_err(corrupt)?,
            advertiser_id: AdvertiserId::parse(&r.advertiser_id).map_err(corrupt)?,
            name: EntityName::parse(&r.name).map_err(corrupt)?,
            report_type: ReportType::parse(&r.report_type).map_err(corrupt)?,
            time_unit: TimeUnit::parse(&r.time_unit).map_err(corrupt)?,
            columns: serde_json::from_str(&r.columns)
                .map_err(|e| StoreError::Corrupt(format!("report columns: {e}")))?,
            start_date: r.start_date,
            end_date: r.end_date,
            status: ReportStatus::parse(&r.status).map_err(corrupt)?,
            created_at: r.created_at,
            updated_at: r.updated_at,
            completed_at: r.completed_at,
            payload: r.payload,
        })
    }
}

const REPORT_COLUMNS: &str = "id, advertiser_id, name, report_type, time_unit, columns, start_date, end_date, status, created_at, updated_at, completed_at, payload";
const INVOICE_COLUMNS: &str = "id, advertiser_id, period_start, period_end, amount_minor, tax_minor, currency, status, issued_at, due_date, paid_at";

macro_rules! sandbox_report_store {
    ($store:ident, $db:ty) => {
        impl $store {
            pub(super) async fn insert_report(conn: &mut <$db as sqlx::Database>::Connection, r: &ReportJob) -> Result<()> {
                let columns = serde_json::Value::from(r.columns.clone()).to_string();
                sqlx::query(
                    "INSERT INTO sandbox_reports (id, advertiser_id, name, report_type, time_unit, columns, start_date, end_date, status, created_at, updated_at, completed_at, payload) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(r.id.as_str())
                .bind(r.advertiser_id.as_str())
                .bind(r.name.as_str())
                .bind(r.report_type.as_str())
                .bind(r.time_unit.as_str())
                .bind(columns)
                .bind(r.start_date)
                .bind(r.end_date)
                .bind(r.status.as_str())
                .bind(r.created_at)
                .bind(r.updated_at)
                .bind(r.completed_at)
                .bind(&r.payload)
                .execute(&mut *conn)
                .await
                .map_err(map_unique("report"))?;
                Ok(())
            }

            pub(super) async fn insert_invoice(conn: &mut <$db as sqlx::Database>::Connection, i: &Invoice) -> Result<()> {
                sqlx::query(&format!(
                    "INSERT INTO sandbox_invoices ({INVOICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                ))
                .bind(i.id.get())
                .bind(i.advertiser_id.as_str())
                .bind(i.period_start)
                .bind(i.period_end)
                .bind(i.amount_minor)
                .bind(i.tax_minor)
                .bind(i.currency.code())
                .bind(i.status.as_str())
                .bind(i.issued_at)
                .bind(i.due_date)
                .bind(i.paid_at)
                .execute(&mut *conn)
                .await
                .map_err(map_unique("invoice"))?;
                Ok(())
            }
        }

        #[async_trait]
        impl SandboxReportStore for $store {
            async fn create_report(&self, advertiser: &AdvertiserId, new: NewReport) -> Result<ReportJob> {
                let r = ReportJob {
                    id: ReportId::generate(),
                    advertiser_id: advertiser.clone(),
                    name: new.name,
                    report_type: new.report_type,
                    time_unit: new.time_unit,
                    columns: new.columns,
                    start_date: new.start_date,
                    end_date: new.end_date,
                    status: ReportStatus::Pending,
                    created_at: new.created_at,
                    updated_at: new.created_at,
                    completed_at: None,
                    payload: None,
                };
                let mut tx = self.begin_bookkeeping().await?;
                Self::insert_report(&mut *tx, &r).await?;
                tx.commit().await?;
                Ok(r)
            }

            async fn report(&self, advertiser: &AdvertiserId, id: &ReportId) -> Result<Option<ReportJob>> {
                let row: Option<ReportRow> =
                    sqlx::query_as(&format!("SELECT {REPORT_COLUMNS} FROM sandbox_reports WHERE advertiser_id = $1 AND id = $2"))
                        .bind(advertiser.as_str())
                        .bind(id.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(ReportJob::try_from).transpose()
            }

            async fn advance_report(
                &self,
                advertiser: &AdvertiserId,
                id: &ReportId,
                status: ReportStatus,
                payload: Option<String>,
                now: DateTime<Utc>,
            ) -> Result<ReportJob> {
                let mut tx = self.begin_bookkeeping().await?;
                let row: Option<ReportRow> = sqlx::query_as(&format!(
                    "SELECT {REPORT_COLUMNS} FROM sandbox_reports WHERE advertiser_id = $1 AND id = $2{}",
                    Self::FOR_UPDATE
                ))
                .bind(advertiser.as_str())
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(before) = row.map(ReportJob::try_from).transpose()? else {
                    return Err(StoreError::NotFound);
                };
                if before.status == ReportStatus::Completed || status <= before.status {
                    return Ok(before);
                }
                let completed = status == ReportStatus::Completed;
                let after = ReportJob {
                    status,
                    updated_at: now,
                    completed_at: if completed { Some(now) } else { None },
                    payload: if completed { payload } else { None },
                    ..before
                };
                sqlx::query(
                    "UPDATE sandbox_reports SET status = $1, updated_at = $2, completed_at = $3, payload = $4 WHERE advertiser_id = $5 AND id = $6",
                )
                .bind(after.status.as_str())
                .bind(after.updated_at)
                .bind(after.completed_at)
                .bind(&after.payload)
                .bind(advertiser.as_str())
                .bind(id.as_str())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn invoices(&self, advertiser: &AdvertiserId, offset: u32, limit: u32) -> Result<Listing<Invoice>> {
                let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sandbox_invoices WHERE advertiser_id = $1")
                    .bind(advertiser.as_str())
                    .fetch_one(&self.pool)
                    .await?;
                let rows: Vec<Invoice> = sqlx::query_as(&format!(
                    "SELECT {INVOICE_COLUMNS} FROM sandbox_invoices WHERE advertiser_id = $1 ORDER BY period_start DESC, id DESC LIMIT $2 OFFSET $3"
                ))
                .bind(advertiser.as_str())
                .bind(i64::from(limit.min(SandboxQuery::MAX_LIMIT)))
                .bind(i64::from(offset))
                .fetch_all(&self.pool)
                .await?;
                Ok(Listing { items: rows, total: u64::try_from(total).unwrap_or(0) })
            }

            async fn invoice(&self, advertiser: &AdvertiserId, id: InvoiceId) -> Result<Option<Invoice>> {
                let row: Option<Invoice> =
                    sqlx::query_as(&format!("SELECT {INVOICE_COLUMNS} FROM sandbox_invoices WHERE advertiser_id = $1 AND id = $2"))
                        .bind(advertiser.as_str())
                        .bind(id.get())
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row)
            }
        }
    };
}

sandbox_report_store!(SqliteStore, sqlx::Sqlite);
sandbox_report_store!(PgStore, sqlx::Postgres);

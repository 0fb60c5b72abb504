//! TEMPORARY stub until the audit-chain branch lands.
#[derive(Clone, Default)]
pub struct AuditWriter;
impl AuditWriter {
    pub fn record_stub(&self) -> String {
        String::new()
    }
}
impl AuditWriter {
    pub fn spawn(_store: charter_store::DynStore) -> AuditWriter {
        AuditWriter
    }
}

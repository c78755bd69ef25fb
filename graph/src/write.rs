//! Writing a scan: one transaction, appenders for the bulk tables.

use duckdb::{
    Appender, Transaction, params,
    types::{TimeUnit, Value},
};
use jiff::Timestamp;
use nhiscope_model::{Finding, Inventory, Location, Node, ScanRecord};

use crate::{Store, StoreError};

impl Store {
    /// Writes a scan and its inventory in one transaction and returns the
    /// scan's number in this store. If anything fails (or the process dies)
    /// before the commit, the store is as it was.
    pub fn write_scan(
        &mut self,
        record: &ScanRecord,
        inventory: &Inventory,
    ) -> Result<u64, StoreError> {
        let path = self.path.clone();
        let database = |error: duckdb::Error| StoreError::Database {
            path: path.clone(),
            message: crate::error::one_line(&error),
        };
        let tx = self.conn.transaction().map_err(database)?;
        let number = write_all(&tx, record, inventory).map_err(database)?;
        #[cfg(test)]
        if record.tool_version == crate::tests::FAIL_BEFORE_COMMIT {
            // Dropping the transaction rolls it back, as a crash would.
            return Err(StoreError::Database {
                path,
                message: "injected failure before commit".into(),
            });
        }
        tx.commit().map_err(database)?;
        Ok(number)
    }
}

fn write_all(
    tx: &Transaction<'_>,
    record: &ScanRecord,
    inventory: &Inventory,
) -> duckdb::Result<u64> {
    let number: i64 = tx.query_row(
        "SELECT coalesce(max(number), 0) + 1 FROM scans",
        [],
        |row| row.get(0),
    )?;
    let scan_id = record.id.to_string();
    tx.execute(
        "INSERT INTO scans (id, number, started_at, finished_at, tool_version, status, sources) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        params![
            scan_id,
            number,
            timestamp(Some(record.started_at)),
            timestamp(Some(record.finished_at)),
            record.tool_version,
            record.status.as_str(),
            json(&record.sources),
        ],
    )?;

    let mut errors = tx.appender("source_errors")?;
    for error in &record.errors {
        errors.append_row(params![
            scan_id,
            error.collector,
            error.location,
            error.message,
            error.fatal
        ])?;
    }
    errors.flush()?;

    let mut skipped = tx.appender("skipped")?;
    for item in &record.skipped {
        skipped.append_row(params![
            scan_id,
            item.collector,
            item.location,
            item.reason,
            item.size
                .map(|size| i64::try_from(size).unwrap_or(i64::MAX))
        ])?;
    }
    skipped.flush()?;

    let mut nodes = tx.appender("nodes")?;
    for node in inventory.nodes() {
        append_node(&mut nodes, &scan_id, node)?;
    }
    nodes.flush()?;

    let mut edges = tx.appender("edges")?;
    for edge in inventory.edges() {
        edges.append_row(params![
            scan_id,
            edge.from.as_str(),
            edge.kind.as_str(),
            edge.to.as_str(),
            json(&edge.attributes)
        ])?;
    }
    edges.flush()?;

    let mut findings = tx.appender("findings")?;
    for finding in inventory.findings() {
        append_finding(&mut findings, &scan_id, finding)?;
    }
    findings.flush()?;

    Ok(u64::try_from(number).unwrap_or(0))
}

fn append_node(appender: &mut Appender<'_>, scan_id: &str, node: &Node) -> duckdb::Result<()> {
    let secret = node.secret.as_ref();
    appender.append_row(params![
        scan_id,
        node.id.as_str(),
        node.kind.class_name(),
        node.kind.type_name(),
        node.name,
        node.provider,
        node.native_id,
        node.scope,
        node.collector,
        timestamp(node.timestamps.created_at),
        timestamp(node.timestamps.last_used_at),
        timestamp(node.timestamps.expires_at),
        timestamp(node.timestamps.rotated_at),
        json(&node.labels),
        json(&node.attributes),
        secret.map(|s| s.fingerprint().to_hex()),
        secret.map(|s| s.preview().to_string()),
        secret.map(|s| i64::try_from(s.len()).unwrap_or(i64::MAX)),
    ])
}

fn append_finding(
    appender: &mut Appender<'_>,
    scan_id: &str,
    finding: &Finding,
) -> duckdb::Result<()> {
    let (path, line, resource) = match &finding.location {
        Location::File { path, line, .. } => (Some(path.as_str()), Some(*line), None),
        Location::Resource { resource, .. } => (None, None, Some(resource.as_str())),
    };
    let evidence = finding.evidence.as_ref();
    appender.append_row(params![
        scan_id,
        finding.fingerprint.to_string(),
        finding.rule_id,
        finding.severity.as_str(),
        severity_rank(finding.severity),
        finding.title,
        finding.message,
        json(&finding.nodes),
        json(&finding.location),
        path,
        line,
        resource,
        finding.remediation,
        evidence.map(|e| e.fingerprint().to_hex()),
        evidence.map(|e| e.preview().to_string()),
        evidence.map(|e| i64::try_from(e.len()).unwrap_or(i64::MAX)),
        json(&finding.tags),
        finding.provenance.as_ref().map(json),
    ])
}

/// 4 for critical down to 0 for info, for ordering in SQL.
pub(crate) fn severity_rank(severity: nhiscope_model::Severity) -> i32 {
    use nhiscope_model::Severity;
    match severity {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

fn timestamp(value: Option<Timestamp>) -> Value {
    match value {
        Some(ts) => Value::Timestamp(TimeUnit::Microsecond, ts.as_microsecond()),
        None => Value::Null,
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("model types always serialise to JSON")
}

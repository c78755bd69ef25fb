//! The stored scans with their totals, and what changed between two.

use jiff::Timestamp;
use nhiscope_model::{Severity, SeverityCounts};

use super::{Session, text, timestamp};
use crate::TuiError;

/// A stored scan and its totals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanInfo {
    /// The scan id (UUID v7).
    pub id: String,
    /// Its number in the store.
    pub number: u64,
    /// When it started.
    pub started_at: Option<Timestamp>,
    /// `complete`, `incomplete` or `interrupted`.
    pub status: String,
    /// The nhiscope version that ran it.
    pub tool_version: String,
    /// Its collectors, in order.
    pub collectors: Vec<String>,
    /// How many nodes it stored.
    pub nodes: u64,
    /// Its findings by severity.
    pub findings: SeverityCounts,
}

impl ScanInfo {
    /// The first eight characters of the id, as the CLI shows them.
    pub fn short_id(&self) -> &str {
        self.id.get(..8).unwrap_or(&self.id)
    }
}

/// A severity from its stored rank (4 critical … 0 info).
pub(crate) fn severity_of_rank(rank: i64) -> Severity {
    match rank {
        4.. => Severity::Critical,
        3 => Severity::High,
        2 => Severity::Medium,
        1 => Severity::Low,
        _ => Severity::Info,
    }
}

/// Every stored scan, oldest first, with its totals.
pub fn list(session: &Session<'_>) -> Result<Vec<ScanInfo>, TuiError> {
    let mut scans = session.rows(
        "SELECT id, number, epoch_us(started_at), status, tool_version, sources::VARCHAR \
         FROM store.scans ORDER BY number",
        &[],
        |row| {
            let sources: String = row.get(5)?;
            let collectors = serde_json::from_str::<Vec<serde_json::Value>>(&sources)
                .unwrap_or_default()
                .iter()
                .filter_map(|s| s["collector"].as_str().map(str::to_string))
                .collect();
            Ok(ScanInfo {
                id: row.get(0)?,
                number: row.get::<_, i64>(1)?.unsigned_abs(),
                started_at: timestamp(row.get(2)?),
                status: row.get(3)?,
                tool_version: row.get(4)?,
                collectors,
                nodes: 0,
                findings: SeverityCounts::default(),
            })
        },
    )?;
    let nodes = session.rows(
        "SELECT scan_id, count(*) FROM store.node_rows GROUP BY scan_id",
        &[],
        |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)),
    )?;
    let findings = session.rows(
        "SELECT scan_id, severity_rank, count(*) FROM store.findings GROUP BY ALL",
        &[],
        |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
            ))
        },
    )?;
    for scan in &mut scans {
        scan.nodes = nodes
            .iter()
            .find(|(id, _)| *id == scan.id)
            .map_or(0, |(_, n)| n.unsigned_abs());
        for (_, rank, count) in findings.iter().filter(|(id, _, _)| *id == scan.id) {
            scan.findings
                .add(severity_of_rank(*rank), count.unsigned_abs());
        }
    }
    Ok(scans)
}

/// What changed between two scans, in totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiffSummary {
    /// The older scan's number.
    pub older: u64,
    /// The newer scan's number.
    pub newer: u64,
    /// Findings only in the newer scan.
    pub new: u64,
    /// Findings in both whose severity changed.
    pub rerated: u64,
    /// Findings only in the older scan.
    pub resolved: u64,
    /// Findings in both.
    pub unchanged: u64,
    /// Nodes only in the newer scan.
    pub nodes_added: u64,
    /// Nodes only in the older scan.
    pub nodes_removed: u64,
}

/// One changed finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow {
    /// `new`, `re-rated` or `resolved`.
    pub change: &'static str,
    /// Its severity (in the newer scan, or the older for a resolved one).
    pub severity: Severity,
    /// Its severity before, when re-rated.
    pub was: Option<Severity>,
    /// Its risk.
    pub risk: Option<i64>,
    /// The rule.
    pub rule_id: String,
    /// The title.
    pub title: String,
    /// The finding's fingerprint.
    pub fingerprint: String,
}

const CHANGES: [&str; 3] = ["new", "re-rated", "resolved"];

/// Compares two scans into the in-memory `diff` table (sorted: new, then
/// re-rated, then resolved, most severe first) and returns the totals.
pub fn build_diff(
    session: &Session<'_>,
    older: &ScanInfo,
    newer: &ScanInfo,
) -> Result<DiffSummary, TuiError> {
    let ids = [text(&older.id), text(&newer.id)];
    session.execute(
        "CREATE OR REPLACE TABLE diff AS \
         WITH o AS (SELECT fingerprint, severity_rank, risk, rule_id, title FROM store.findings WHERE scan_id = ?1), \
              n AS (SELECT fingerprint, severity_rank, risk, rule_id, title FROM store.findings WHERE scan_id = ?2) \
         SELECT * FROM ( \
           SELECT 0 AS change, n.severity_rank AS sev, NULL::INTEGER AS was, n.risk, n.rule_id, n.title, n.fingerprint \
             FROM n ANTI JOIN o USING (fingerprint) \
           UNION ALL \
           SELECT 1, n.severity_rank, o.severity_rank, n.risk, n.rule_id, n.title, n.fingerprint \
             FROM n JOIN o USING (fingerprint) WHERE n.severity_rank <> o.severity_rank \
           UNION ALL \
           SELECT 2, o.severity_rank, NULL, o.risk, o.rule_id, o.title, o.fingerprint \
             FROM o ANTI JOIN n USING (fingerprint)) \
         ORDER BY change, sev DESC, risk DESC NULLS LAST, fingerprint",
        &ids,
    )?;
    let counts = session.rows("SELECT change, count(*) FROM diff GROUP BY 1", &[], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?.unsigned_abs()))
    })?;
    let count = |change: i64| {
        counts
            .iter()
            .find(|(c, _)| *c == change)
            .map_or(0, |(_, n)| *n)
    };
    let nodes = session.rows(
        "SELECT \
           (SELECT count(*) FROM (SELECT id FROM store.node_rows WHERE scan_id = ?2 EXCEPT SELECT id FROM store.node_rows WHERE scan_id = ?1)), \
           (SELECT count(*) FROM (SELECT id FROM store.node_rows WHERE scan_id = ?1 EXCEPT SELECT id FROM store.node_rows WHERE scan_id = ?2))",
        &ids,
        |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
    )?;
    let (added, removed) = nodes.first().copied().unwrap_or_default();
    let new = count(0);
    Ok(DiffSummary {
        older: older.number,
        newer: newer.number,
        new,
        rerated: count(1),
        resolved: count(2),
        unchanged: newer.findings.total().saturating_sub(new),
        nodes_added: added.unsigned_abs(),
        nodes_removed: removed.unsigned_abs(),
    })
}

/// Rows `offset..offset + limit` of the last comparison.
pub fn diff_page(session: &Session<'_>, offset: u64, limit: u64) -> Result<Vec<DiffRow>, TuiError> {
    let first = i64::try_from(offset).unwrap_or(i64::MAX);
    let last = first.saturating_add(i64::try_from(limit).unwrap_or(0));
    session.rows(
        "SELECT change, sev, was, risk, rule_id, title, fingerprint FROM diff \
         WHERE rowid >= ? AND rowid < ? ORDER BY rowid",
        &[first.into(), last.into()],
        |row| {
            let change: i64 = row.get(0)?;
            Ok(DiffRow {
                change: CHANGES[usize::try_from(change).unwrap_or(0).min(2)],
                severity: severity_of_rank(row.get(1)?),
                was: row.get::<_, Option<i64>>(2)?.map(severity_of_rank),
                risk: row.get(3)?,
                rule_id: row.get(4)?,
                title: row.get(5)?,
                fingerprint: row.get(6)?,
            })
        },
    )
}

//! The totals of one scan for the Overview: identities and credentials by
//! type, findings by source, source errors.

use super::{Session, text};
use crate::TuiError;
use nhiscope_graph::{node_class_sql, node_type_sql};

/// A failure a collector recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceErrorRow {
    /// The collector.
    pub collector: String,
    /// The file, account or API it concerns.
    pub location: Option<String>,
    /// What failed.
    pub message: String,
    /// Whether the whole collector stopped.
    pub fatal: bool,
}

/// A scan's totals (findings by severity are in its [`super::ScanInfo`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overview {
    /// Identities and credentials by class and type, most first.
    pub by_type: Vec<(String, String, u64)>,
    /// Findings by source (`files`, `git`, `aws`, ...), most first; `None`
    /// until the findings are indexed.
    pub by_source: Option<Vec<(String, u64)>>,
    /// The scan's source errors.
    pub errors: Vec<SourceErrorRow>,
    /// How many items the collectors skipped.
    pub skipped: u64,
}

/// The totals of scan `scan_id` that come straight from the store.
pub fn load(session: &Session<'_>, scan_id: &str) -> Result<Overview, TuiError> {
    let scan = [text(scan_id)];
    let by_type = session.rows(
        &format!(
            "SELECT kind, type, n FROM (SELECT {} AS kind, {} AS type, count(*) AS n \
             FROM store.node_rows WHERE scan_id = ? GROUP BY kind_code) \
             WHERE kind IN ('identity', 'credential') ORDER BY 3 DESC, 1, 2",
            node_class_sql("kind_code"),
            node_type_sql("kind_code"),
        ),
        &scan,
        |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get::<_, i64>(2)?.unsigned_abs(),
            ))
        },
    )?;
    let errors = session.rows(
        "SELECT collector, location, message, fatal FROM store.source_errors \
         WHERE scan_id = ? ORDER BY fatal DESC, collector, location",
        &scan,
        |row| {
            Ok(SourceErrorRow {
                collector: row.get(0)?,
                location: row.get(1)?,
                message: row.get(2)?,
                fatal: row.get(3)?,
            })
        },
    )?;
    let skipped = session
        .rows(
            "SELECT count(*) FROM store.skipped WHERE scan_id = ?",
            &scan,
            |row| row.get::<_, i64>(0),
        )?
        .first()
        .map_or(0, |n| n.unsigned_abs());
    Ok(Overview {
        by_type,
        by_source: None,
        errors,
        skipped,
    })
}

/// Findings by source, from the findings index.
pub fn by_source(session: &Session<'_>) -> Result<Vec<(String, u64)>, TuiError> {
    session.rows(
        "SELECT source, count(*) FROM fk GROUP BY 1 ORDER BY 2 DESC, 1",
        &[],
        |row| Ok((row.get(0)?, row.get::<_, i64>(1)?.unsigned_abs())),
    )
}

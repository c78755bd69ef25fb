//! The findings of a scan as a sorted, filtered list read a page at a time.
//!
//! `fk`, built once per scan in the in-memory database, holds only what the
//! list sorts and filters on (risk, severity, rule, source, the age of the
//! node a finding is about, a lowercase search text) and the finding's
//! `rowid` in the store; a page is its rows of `fk` joined back to the store
//! by `rowid`.

use duckdb::types::Value;
use nhiscope_model::Severity;

use super::{
    KeyValue, PageRequest, Session, SortColumn, UNKNOWN_LATE, and_search, count_list,
    keyset::{order_by, page_sql},
    list_table,
    scans::severity_of_rank,
    text,
};
use crate::TuiError;

/// What the findings list is sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FindingSort {
    /// Riskiest first (then most severe).
    #[default]
    Risk,
    /// Most severe first (then riskiest).
    Severity,
    /// Oldest first: the age of the identity or credential it is about.
    Age,
    /// By source (`aws`, `files`, `git`, `kubernetes`, ...), riskiest first within one.
    Source,
}

impl FindingSort {
    /// Every sort, in the order `s` cycles through them.
    pub const ALL: [FindingSort; 4] = [
        FindingSort::Risk,
        FindingSort::Severity,
        FindingSort::Age,
        FindingSort::Source,
    ];

    /// Its name in the header.
    pub fn label(self) -> &'static str {
        match self {
            FindingSort::Risk => "risk",
            FindingSort::Severity => "severity",
            FindingSort::Age => "age",
            FindingSort::Source => "source",
        }
    }

    /// The index columns, in forward order (integers but the source, so
    /// a page of a million rows sorts in milliseconds; ties go by the
    /// order the scan stored them in).
    pub fn columns(self) -> &'static [SortColumn] {
        const RISK: SortColumn = SortColumn::desc("risk");
        const SEV: SortColumn = SortColumn::desc("sev");
        const ROW: SortColumn = SortColumn::asc("row");
        const BORN: SortColumn = SortColumn::asc("born");
        const SOURCE: SortColumn = SortColumn::asc("source");
        match self {
            FindingSort::Risk => &[RISK, SEV, ROW],
            FindingSort::Severity => &[SEV, RISK, ROW],
            FindingSort::Age => &[BORN, RISK, ROW],
            FindingSort::Source => &[SOURCE, RISK, ROW],
        }
    }
}

/// Which findings the list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FindingFilter {
    /// Only findings at or above this severity.
    pub min_severity: Option<Severity>,
    /// Only findings of this rule.
    pub rule: Option<String>,
    /// Only findings from this source.
    pub source: Option<String>,
    /// Only findings whose rule, title, location, fingerprint or evidence
    /// preview contain every word of this text (case-insensitive).
    pub search: String,
}

impl FindingFilter {
    /// Whether it lets every finding through.
    pub fn is_empty(&self) -> bool {
        self.min_severity.is_none()
            && self.rule.is_none()
            && self.source.is_none()
            && self.search.trim().is_empty()
    }

    /// Its parts, for the header: `severity ≥ high`, `rule x`, `"text"`.
    pub fn describe(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if let Some(severity) = self.min_severity {
            parts.push(if severity == Severity::Critical {
                "critical".to_string()
            } else {
                format!("≥{severity}")
            });
        }
        if let Some(source) = &self.source {
            parts.push(format!("source {source}"));
        }
        if let Some(rule) = &self.rule {
            parts.push(format!("rule {rule}"));
        }
        if !self.search.trim().is_empty() {
            parts.push(format!("\"{}\"", self.search.trim()));
        }
        parts
    }

    /// The WHERE clause over the index `fk`, and its parameters.
    pub(crate) fn sql(&self) -> (String, Vec<Value>) {
        let (mut clause, mut params) = self.sql_without_search();
        and_search(&mut clause, &mut params, &self.search);
        (clause, params)
    }

    /// The table the list reads: `fk`, or `fh` (the rows the search found).
    fn table(&self) -> &'static str {
        list_table(&self.search, "fk", "fh")
    }

    /// The WHERE clause but the search (which [`count`] applies once, into
    /// `fh`).
    fn sql_without_search(&self) -> (String, Vec<Value>) {
        let mut clauses = vec!["TRUE".to_string()];
        let mut params = Vec::new();
        if let Some(severity) = self.min_severity {
            clauses.push("sev >= ?".into());
            params.push(Value::BigInt(rank(severity)));
        }
        if let Some(rule) = &self.rule {
            clauses.push("rule = ?".into());
            params.push(text(rule));
        }
        if let Some(source) = &self.source {
            clauses.push("source = ?".into());
            params.push(text(source));
        }
        (clauses.join(" AND "), params)
    }
}

/// The stored rank of a severity.
pub(crate) fn rank(severity: Severity) -> i64 {
    match severity {
        Severity::Critical => 4,
        Severity::High => 3,
        Severity::Medium => 2,
        Severity::Low => 1,
        Severity::Info => 0,
    }
}

/// One row of the findings list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingRow {
    /// The finding's `rowid` in the store.
    pub row: i64,
    /// Its fingerprint (hex).
    pub fingerprint: String,
    /// Its severity.
    pub severity: Severity,
    /// Its risk (0-100), -1 when the scan has none.
    pub risk: i64,
    /// The rule.
    pub rule_id: String,
    /// The title.
    pub title: String,
    /// `path:line` or the resource.
    pub place: String,
    /// Where it was seen: `files`, `git`, `aws`, `kubernetes`, ...
    pub source: String,
    /// When the node it is about was created (Unix seconds;
    /// `i64::MAX` when unknown).
    pub born: i64,
}

impl FindingRow {
    /// Its sort key under `sort`.
    pub fn key(&self, sort: FindingSort) -> Vec<KeyValue> {
        sort.columns()
            .iter()
            .map(|c| match c.column {
                "risk" => KeyValue::Int(self.risk),
                "sev" => KeyValue::Int(rank(self.severity)),
                "born" => KeyValue::Int(self.born),
                "source" => KeyValue::Text(self.source.clone()),
                _ => KeyValue::Int(self.row),
            })
            .collect()
    }
}

/// Builds `fk` for scan `scan_id` and returns how many findings it has.
pub fn build_index(session: &Session<'_>, scan_id: &str) -> Result<u64, TuiError> {
    session.execute(
        &format!(
            "CREATE OR REPLACE TABLE fk AS \
             SELECT f.rowid AS row, \
               coalesce(f.risk, -1)::BIGINT AS risk, \
               f.severity_rank::BIGINT AS sev, \
               f.rule_id AS rule, \
               CASE WHEN f.path IS NOT NULL THEN (CASE WHEN f.provenance IS NULL THEN 'files' ELSE 'git' END) \
                    ELSE coalesce(json_extract_string(f.location, '$.provider'), 'other') END AS source, \
               coalesce(epoch(n.created_at)::BIGINT, {UNKNOWN_LATE}) AS born, \
               lower(concat_ws(' ', f.rule_id, f.title, coalesce(f.path, f.resource), \
                 left(f.fingerprint, 16), f.evidence_preview)) AS hay \
             FROM store.findings f \
             LEFT JOIN store.node_rows n \
               ON n.scan_id = f.scan_id AND n.id = json_extract_string(f.node_ids, '$[0]') \
             WHERE f.scan_id = ?"
        ),
        &[text(scan_id)],
    )?;
    count(session, &FindingFilter::default())
}

/// How many findings pass `filter`. A search is run here, once, into `fh`
/// (the rows it found), which the pages of the list then read.
pub fn count(session: &Session<'_>, filter: &FindingFilter) -> Result<u64, TuiError> {
    count_list(
        session,
        &filter.search,
        ("fk", "fh", "* EXCLUDE (hay)"),
        filter.sql_without_search(),
    )
}

/// The sort columns, reversed when the user flipped the order.
pub(crate) fn oriented(columns: &[SortColumn], reversed: bool) -> Vec<SortColumn> {
    columns
        .iter()
        .map(|c| SortColumn {
            column: c.column,
            ascending: c.ascending != reversed,
        })
        .collect()
}

/// The rows `request` asks for, in list order.
pub fn page(
    session: &Session<'_>,
    sort: FindingSort,
    reversed: bool,
    filter: &FindingFilter,
    request: &PageRequest,
) -> Result<Vec<FindingRow>, TuiError> {
    let columns = oriented(sort.columns(), reversed);
    let sql = page_sql(&columns, request);
    let (clause, mut params) = filter.sql_without_search();
    params.extend(sql.params.iter().cloned());
    let query = format!(
        "WITH page AS (SELECT row, risk, sev, source, born FROM {} \
           WHERE {clause} AND {} ORDER BY {} LIMIT {} OFFSET {}) \
         SELECT p.row, p.risk, p.sev, p.source, p.born, f.fingerprint, f.rule_id, f.title, \
           coalesce(f.path || ':' || f.line, f.path, f.resource, '') \
         FROM page p JOIN store.findings f ON f.rowid = p.row \
         ORDER BY {}",
        filter.table(),
        sql.predicate,
        sql.order,
        sql.limit,
        sql.offset,
        order_by(&columns, sql.reversed, "p."),
    );
    let mut rows = session.rows(&query, &params, |row| {
        Ok(FindingRow {
            row: row.get(0)?,
            risk: row.get(1)?,
            severity: severity_of_rank(row.get(2)?),
            source: row.get(3)?,
            born: row.get(4)?,
            fingerprint: row.get(5)?,
            rule_id: row.get(6)?,
            title: row.get(7)?,
            place: row.get(8)?,
        })
    })?;
    if sql.reversed {
        rows.reverse();
    }
    Ok(rows)
}

/// The values of one filter dimension with their counts, most first.
pub fn facet(session: &Session<'_>, column: &str) -> Result<Vec<(String, u64)>, TuiError> {
    let column = match column {
        "rule" => "rule",
        "source" => "source",
        _ => "sev::VARCHAR",
    };
    session.rows(
        &format!("SELECT {column}, count(*) FROM fk GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 500"),
        &[],
        |row| Ok((row.get(0)?, row.get::<_, i64>(1)?.unsigned_abs())),
    )
}

//! The identities and credentials of a scan as a sorted, filtered list read
//! a page at a time, like the findings: `nk` holds the sort and filter keys
//! of each node (with its risk from the stored analysis) and its `rowid` in
//! the store.

use duckdb::types::Value;

use super::{
    KeyValue, PageRequest, Session, SortColumn, UNKNOWN_EARLY, UNKNOWN_LATE, and_search,
    count_list,
    findings::oriented,
    keyset::{order_by, page_sql},
    list_table, text,
};
use crate::TuiError;
use nhiscope_graph::{node_class_sql, node_type_sql};

/// What the inventory is sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InventorySort {
    /// Riskiest first.
    #[default]
    Risk,
    /// Oldest first.
    Age,
    /// Least recently used first (never used before all).
    LastUsed,
    /// By name.
    Name,
}

impl InventorySort {
    /// Every sort, in the order `s` cycles through them.
    pub const ALL: [InventorySort; 4] = [
        InventorySort::Risk,
        InventorySort::Age,
        InventorySort::LastUsed,
        InventorySort::Name,
    ];

    /// Its name in the header.
    pub fn label(self) -> &'static str {
        match self {
            InventorySort::Risk => "risk",
            InventorySort::Age => "age",
            InventorySort::LastUsed => "last used",
            InventorySort::Name => "name",
        }
    }

    /// The index columns, in forward order (ties go by the order the scan
    /// stored the nodes in).
    pub fn columns(self) -> &'static [SortColumn] {
        const ROW: SortColumn = SortColumn::asc("row");
        const RISK: SortColumn = SortColumn::desc("risk");
        const BORN: SortColumn = SortColumn::asc("born");
        const USED: SortColumn = SortColumn::asc("used");
        const NAME: SortColumn = SortColumn::asc("hay");
        match self {
            InventorySort::Risk => &[RISK, ROW],
            InventorySort::Age => &[BORN, ROW],
            InventorySort::LastUsed => &[USED, ROW],
            InventorySort::Name => &[NAME, ROW],
        }
    }
}

/// Which identities and credentials the list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InventoryFilter {
    /// `identity` or `credential`.
    pub class: Option<String>,
    /// One type (`access_key`, `iam_role`, ...).
    pub type_name: Option<String>,
    /// One provider.
    pub provider: Option<String>,
    /// Only credentials whose value was found in content.
    pub exposed: bool,
    /// Only names containing every word of this text (case-insensitive).
    pub search: String,
}

impl InventoryFilter {
    /// Whether it lets every node through.
    pub fn is_empty(&self) -> bool {
        self.class.is_none()
            && self.type_name.is_none()
            && self.provider.is_none()
            && !self.exposed
            && self.search.trim().is_empty()
    }

    /// Its parts, for the header.
    pub fn describe(&self) -> Vec<String> {
        let mut parts: Vec<String> = [&self.class, &self.type_name, &self.provider]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        if self.exposed {
            parts.push("exposed".into());
        }
        if !self.search.trim().is_empty() {
            parts.push(format!("\"{}\"", self.search.trim()));
        }
        parts
    }

    /// The WHERE clause over the index `nk`, and its parameters.
    pub(crate) fn sql(&self) -> (String, Vec<Value>) {
        let (mut clause, mut params) = self.sql_without_search();
        and_search(&mut clause, &mut params, &self.search);
        (clause, params)
    }

    /// The table the list reads: `nk`, or `nh` (the rows the search found).
    fn table(&self) -> &'static str {
        list_table(&self.search, "nk", "nh")
    }

    /// The WHERE clause but the search (which [`count`] applies once, into
    /// `nh`).
    fn sql_without_search(&self) -> (String, Vec<Value>) {
        let mut clauses = vec!["TRUE".to_string()];
        let mut params = Vec::new();
        for (column, value) in [
            ("class", &self.class),
            ("type", &self.type_name),
            ("provider", &self.provider),
        ] {
            if let Some(value) = value {
                clauses.push(format!("{column} = ?"));
                params.push(text(value));
            }
        }
        if self.exposed {
            clauses.push("flags & 1 <> 0".into());
        }
        (clauses.join(" AND "), params)
    }
}

/// One identity or credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventoryRow {
    /// Its `rowid` in the store.
    pub row: i64,
    /// Its index in the scan's access graph.
    pub idx: Option<u32>,
    /// Its node id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `identity` or `credential`.
    pub class: String,
    /// Its type.
    pub type_name: String,
    /// Its provider.
    pub provider: String,
    /// Its risk (0-100), -1 when not scored.
    pub risk: i64,
    /// Created (Unix seconds; `i64::MAX` when unknown).
    pub born: i64,
    /// Last used (Unix seconds; `i64::MIN` when never or unknown).
    pub used: i64,
    /// The graph flags (exposed 1, admin 2, crown jewel 4, live 8, ...).
    pub flags: u8,
    /// Its lowercase name (the name sort's key).
    pub hay: String,
}

impl InventoryRow {
    /// Its sort key under `sort`.
    pub fn key(&self, sort: InventorySort) -> Vec<KeyValue> {
        sort.columns()
            .iter()
            .map(|c| match c.column {
                "risk" => KeyValue::Int(self.risk),
                "born" => KeyValue::Int(self.born),
                "used" => KeyValue::Int(self.used),
                "hay" => KeyValue::Text(self.hay.clone()),
                _ => KeyValue::Int(self.row),
            })
            .collect()
    }
}

/// Builds `nk` for scan `scan_id` and returns how many nodes it lists.
pub fn build_index(session: &Session<'_>, scan_id: &str) -> Result<u64, TuiError> {
    session.execute(
        &format!(
            "CREATE OR REPLACE TABLE nk AS \
             SELECT n.rowid AS row, n.idx, coalesce(a.risk, -1)::BIGINT AS risk, \
               {class} AS class, {type_name} AS type, n.provider, \
               coalesce(epoch(n.created_at)::BIGINT, {UNKNOWN_LATE}) AS born, \
               coalesce(epoch(n.last_used_at)::BIGINT, {UNKNOWN_EARLY}) AS used, \
               coalesce(n.graph_flags, 0)::BIGINT AS flags, lower(n.name) AS hay \
             FROM store.node_rows n \
             LEFT JOIN (SELECT idx, risk FROM store.analysis_rows WHERE scan_id = ?1) a ON a.idx = n.idx \
             WHERE n.scan_id = ?1 AND {class} IN ('identity', 'credential')",
            class = node_class_sql("n.kind_code"),
            type_name = node_type_sql("n.kind_code"),
        ),
        &[text(scan_id)],
    )?;
    count(session, &InventoryFilter::default())
}

/// How many nodes pass `filter`. A search is run here, once, into `nh`.
pub fn count(session: &Session<'_>, filter: &InventoryFilter) -> Result<u64, TuiError> {
    count_list(
        session,
        &filter.search,
        ("nk", "nh", "*"),
        filter.sql_without_search(),
    )
}

/// The rows `request` asks for, in list order.
pub fn page(
    session: &Session<'_>,
    sort: InventorySort,
    reversed: bool,
    filter: &InventoryFilter,
    request: &PageRequest,
) -> Result<Vec<InventoryRow>, TuiError> {
    let columns = oriented(sort.columns(), reversed);
    let sql = page_sql(&columns, request);
    let (clause, mut params) = filter.sql_without_search();
    params.extend(sql.params.iter().cloned());
    let query = format!(
        "WITH page AS (SELECT row, idx, risk, born, used, flags, hay FROM {} \
           WHERE {clause} AND {} ORDER BY {} LIMIT {} OFFSET {}) \
         SELECT p.row, p.idx, p.risk, p.born, p.used, p.flags, p.hay, \
           n.id, n.name, {class}, {type_name}, n.provider \
         FROM page p JOIN store.node_rows n ON n.rowid = p.row \
         ORDER BY {}",
        filter.table(),
        sql.predicate,
        sql.order,
        sql.limit,
        sql.offset,
        order_by(&columns, sql.reversed, "p."),
        class = node_class_sql("n.kind_code"),
        type_name = node_type_sql("n.kind_code"),
    );
    let mut rows = session.rows(&query, &params, |row| {
        Ok(InventoryRow {
            row: row.get(0)?,
            idx: row
                .get::<_, Option<i64>>(1)?
                .and_then(|i| u32::try_from(i).ok()),
            risk: row.get(2)?,
            born: row.get(3)?,
            used: row.get(4)?,
            flags: u8::try_from(row.get::<_, i64>(5)?).unwrap_or(0),
            hay: row.get(6)?,
            id: row.get(7)?,
            name: row.get(8)?,
            class: row.get(9)?,
            type_name: row.get(10)?,
            provider: row.get(11)?,
        })
    })?;
    if sql.reversed {
        rows.reverse();
    }
    Ok(rows)
}

/// The values of one filter dimension (`class`, `type`, `provider`) with
/// their counts, most first.
pub fn facet(session: &Session<'_>, column: &str) -> Result<Vec<(String, u64)>, TuiError> {
    let column = match column {
        "class" => "class",
        "type" => "type",
        _ => "provider",
    };
    session.rows(
        &format!("SELECT {column}, count(*) FROM nk GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 500"),
        &[],
        |row| Ok((row.get(0)?, row.get::<_, i64>(1)?.unsigned_abs())),
    )
}

//! Reloading a scan's access graph and its analyses from the store, in
//! columns (Arrow batches): nodes in index order with their kinds and flags,
//! edges as index pairs, so no id is hashed twice.

use duckdb::arrow::{
    array::{Array, Int32Array, Int64Array, StringArray, UInt8Array},
    record_batch::RecordBatch,
};
use nhiscope_model::{EdgeKind, NodeKind, ScanId};

use crate::{
    Graph, GraphBuilder, NodeFacts, Store, StoreError, build::graph_of, compact::kind_code,
};

/// One node analysis as stored, for the CLI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredScore {
    /// The node.
    pub node_id: String,
    /// 0-100.
    pub risk: i64,
    /// The factors' names.
    pub factors: Vec<String>,
    /// Nodes reached.
    pub reach: i64,
    /// Whether reach stopped at the limit.
    pub reach_truncated: bool,
    /// The nearest high-value target.
    pub target: Option<String>,
    /// Edges to it.
    pub distance: Option<i64>,
}

/// Why the edges of a graph scan could not be read.
enum EdgeLoadError {
    Database(duckdb::Error),
    UnknownKind,
    Columns,
}

/// The edges of graph scan `scan_id` as index pairs with kind codes (the
/// kind mapped to its code by DuckDB, so no kind text crosses over).
fn load_edges(
    conn: &duckdb::Connection,
    scan_id: &str,
) -> Result<Vec<(u32, u32, u8)>, EdgeLoadError> {
    let cases: String = EdgeKind::ALL
        .iter()
        .map(|kind| format!(" WHEN '{}' THEN {}", kind.as_str(), kind_code(*kind)))
        .collect();
    let count: i64 = conn
        .query_row(
            "SELECT count(*) FROM edges WHERE scan_id = ? AND src_idx IS NOT NULL AND dst_idx IS NOT NULL",
            [scan_id],
            |row| row.get(0),
        )
        .map_err(EdgeLoadError::Database)?;
    let mut edges = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut statement = conn
        .prepare(&format!(
            "SELECT src_idx, dst_idx, (CASE kind{cases} END)::INTEGER FROM edges \
             WHERE scan_id = ? AND src_idx IS NOT NULL AND dst_idx IS NOT NULL"
        ))
        .map_err(EdgeLoadError::Database)?;
    let batches = statement
        .query_arrow([scan_id])
        .map_err(EdgeLoadError::Database)?;
    for batch in batches {
        let (Some(from), Some(to), Some(codes)) = (
            column::<Int32Array>(&batch, 0),
            column::<Int32Array>(&batch, 1),
            column::<Int32Array>(&batch, 2),
        ) else {
            return Err(EdgeLoadError::Columns);
        };
        if codes.null_count() > 0 {
            return Err(EdgeLoadError::UnknownKind);
        }
        edges.extend((0..batch.num_rows()).map(|row| {
            (
                u32::try_from(from.value(row)).unwrap_or(u32::MAX),
                u32::try_from(to.value(row)).unwrap_or(u32::MAX),
                u8::try_from(codes.value(row)).unwrap_or(u8::MAX),
            )
        }));
    }
    Ok(edges)
}

fn column<T: 'static>(batch: &RecordBatch, index: usize) -> Option<&T> {
    batch.column(index).as_any().downcast_ref::<T>()
}

impl Store {
    /// The access graph of a scan. Scans written with their graph reload
    /// from the stored indices; older scans are rebuilt from their inventory.
    pub fn load_graph(&self, scan: &ScanId) -> Result<Graph, StoreError> {
        let scan_id = scan.to_string();
        let indexed: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM nodes WHERE scan_id = ? AND idx IS NOT NULL",
                [&scan_id],
                |row| row.get(0),
            )
            .map_err(|e| self.database(&e))?;
        if indexed == 0 {
            let inventory = self.load_inventory(scan)?;
            return Ok(graph_of(&inventory, &[]));
        }
        // The edges load on a second connection while the nodes load here.
        let edge_conn = self.conn.try_clone().map_err(|e| self.database(&e))?;
        let edge_scan = scan_id.clone();
        let (nodes, edges) = std::thread::scope(|scope| {
            let edges = scope.spawn(move || load_edges(&edge_conn, &edge_scan));
            let nodes = self.load_nodes(scan, &scan_id, usize::try_from(indexed).unwrap_or(0));
            let edges = edges
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (nodes, edges)
        });
        let mut builder = nodes?;
        let edges = edges.map_err(|error| match error {
            EdgeLoadError::Database(e) => self.database(&e),
            EdgeLoadError::UnknownKind => self.corrupt("an edge has an unknown kind"),
            EdgeLoadError::Columns => self.corrupt("the edges table has unexpected column types"),
        })?;
        builder.add_edge_codes(edges);
        builder
            .finish_checked()
            .map_err(|message| self.corrupt(format!("scan {scan}: {message}")))
    }

    /// The nodes of a graph scan, in index order, in a builder.
    fn load_nodes(
        &self,
        scan: &ScanId,
        scan_id: &str,
        indexed: usize,
    ) -> Result<GraphBuilder, StoreError> {
        let mut builder = GraphBuilder::with_capacity(indexed, 0);
        let mut kinds: Vec<((String, String), NodeKind)> = Vec::new();
        let mut statement = self
            .conn
            .prepare(
                "SELECT idx, id, name, kind, type, coalesce(graph_flags, 0), \
                 epoch(created_at)::BIGINT, epoch(last_used_at)::BIGINT \
                 FROM nodes WHERE scan_id = ? AND idx IS NOT NULL ORDER BY idx",
            )
            .map_err(|e| self.database(&e))?;
        let batches = statement
            .query_arrow([&scan_id])
            .map_err(|e| self.database(&e))?;
        for batch in batches {
            let (Some(idx), Some(ids), Some(names), Some(classes), Some(types)) = (
                column::<Int32Array>(&batch, 0),
                column::<StringArray>(&batch, 1),
                column::<StringArray>(&batch, 2),
                column::<StringArray>(&batch, 3),
                column::<StringArray>(&batch, 4),
            ) else {
                return Err(self.corrupt("the nodes table has unexpected column types"));
            };
            let flags = column::<UInt8Array>(&batch, 5);
            let created = column::<Int64Array>(&batch, 6);
            let used = column::<Int64Array>(&batch, 7);
            for row in 0..batch.num_rows() {
                let (class, type_name) = (classes.value(row), types.value(row));
                let kind = match kinds
                    .iter()
                    .find(|((c, t), _)| c == class && t == type_name)
                {
                    Some((_, kind)) => *kind,
                    None => {
                        let kind = NodeKind::parse(class, type_name).ok_or_else(|| {
                            self.corrupt(format!("unknown node kind {class}/{type_name}"))
                        })?;
                        kinds.push(((class.to_string(), type_name.to_string()), kind));
                        kind
                    }
                };
                let mut facts = NodeFacts::of(kind);
                facts.flags = flags.map_or(0, |f| f.value(row));
                let time = |array: Option<&Int64Array>| {
                    array
                        .filter(|a| !a.is_null(row))
                        .map_or(i64::MIN, |a| a.value(row))
                };
                facts.created_at = time(created);
                facts.last_used_at = time(used);
                let at = builder.add_node(ids.value(row), names.value(row), facts);
                if i64::from(at) != i64::from(idx.value(row)) {
                    return Err(self.corrupt(format!(
                        "node indices of scan {scan} are not dense (node {} at {})",
                        ids.value(row),
                        idx.value(row)
                    )));
                }
            }
        }
        Ok(builder)
    }

    /// The nodes of a scan that `text` names: the node with that id, else
    /// those whose native id or name it is (at most 20).
    pub fn find_nodes(
        &self,
        scan: &ScanId,
        text: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let scan_id = scan.to_string();
        let mut found = Vec::new();
        for sql in [
            "SELECT id, name FROM nodes WHERE scan_id = ? AND id = ? ORDER BY id",
            "SELECT id, name FROM nodes WHERE scan_id = ? AND (native_id = ?2 OR name = ?2) ORDER BY id LIMIT 20",
        ] {
            let mut statement = self.conn.prepare(sql).map_err(|e| self.database(&e))?;
            let mut rows = statement
                .query([scan_id.as_str(), text])
                .map_err(|e| self.database(&e))?;
            while let Some(row) = rows.next().map_err(|e| self.database(&e))? {
                found.push((
                    row.get(0).map_err(|e| self.database(&e))?,
                    row.get(1).map_err(|e| self.database(&e))?,
                ));
            }
            if !found.is_empty() {
                break;
            }
        }
        Ok(found)
    }

    /// Runs a read-only SQL query and returns its column names and rows, each
    /// value as JSON (for `nhiscope query`).
    pub fn query(
        &self,
        sql: &str,
    ) -> Result<(Vec<String>, Vec<Vec<serde_json::Value>>), StoreError> {
        let mut statement = self.conn.prepare(sql).map_err(|e| self.database(&e))?;
        let mut rows = statement.query([]).map_err(|e| self.database(&e))?;
        let mut table = Vec::new();
        let mut width = 0;
        while let Some(row) = rows.next().map_err(|e| self.database(&e))? {
            let statement = row.as_ref();
            width = statement.column_count();
            let mut values = Vec::with_capacity(width);
            for column in 0..width {
                let value: duckdb::types::Value = row.get(column).map_err(|e| self.database(&e))?;
                values.push(json_of(value));
            }
            table.push(values);
        }
        drop(rows);
        let names: Vec<String> = statement.column_names();
        let _ = width;
        Ok((names, table))
    }

    /// The stored analysis of one node of a scan.
    pub fn score(&self, scan: &ScanId, node_id: &str) -> Result<Option<StoredScore>, StoreError> {
        let mut found = None;
        let mut statement = self
            .conn
            .prepare(
                "SELECT node_id, risk, factors::VARCHAR[], reach, reach_truncated, target, distance \
                 FROM node_analysis WHERE scan_id = ? AND node_id = ?",
            )
            .map_err(|e| self.database(&e))?;
        let mut rows = statement
            .query([scan.to_string(), node_id.to_string()])
            .map_err(|e| self.database(&e))?;
        if let Some(row) = rows.next().map_err(|e| self.database(&e))? {
            let factors: duckdb::types::Value = row.get(2).map_err(|e| self.database(&e))?;
            let factors = match factors {
                duckdb::types::Value::List(items) => items
                    .into_iter()
                    .filter_map(|item| match item {
                        duckdb::types::Value::Text(text) => Some(text),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let get = |i: usize| row.get::<_, Option<i64>>(i);
            found = Some(StoredScore {
                node_id: row.get(0).map_err(|e| self.database(&e))?,
                risk: get(1).map_err(|e| self.database(&e))?.unwrap_or(0),
                factors,
                reach: get(3).map_err(|e| self.database(&e))?.unwrap_or(0),
                reach_truncated: row.get(4).map_err(|e| self.database(&e))?,
                target: row.get(5).map_err(|e| self.database(&e))?,
                distance: get(6).map_err(|e| self.database(&e))?,
            });
        }
        Ok(found)
    }
}

/// A DuckDB value as JSON (timestamps as RFC 3339, lists as arrays).
fn json_of(value: duckdb::types::Value) -> serde_json::Value {
    use duckdb::types::{TimeUnit, Value};
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Boolean(flag) => flag.into(),
        Value::TinyInt(n) => n.into(),
        Value::SmallInt(n) => n.into(),
        Value::Int(n) => n.into(),
        Value::BigInt(n) => n.into(),
        Value::HugeInt(n) => serde_json::Value::String(n.to_string()),
        Value::UTinyInt(n) => n.into(),
        Value::USmallInt(n) => n.into(),
        Value::UInt(n) => n.into(),
        Value::UBigInt(n) => n.into(),
        Value::Float(n) => {
            serde_json::Number::from_f64(f64::from(n)).map_or(serde_json::Value::Null, Into::into)
        }
        Value::Double(n) => {
            serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, Into::into)
        }
        Value::Text(text) | Value::Enum(text) => text.into(),
        Value::Timestamp(unit, amount) => {
            let micros = match unit {
                TimeUnit::Second => amount.saturating_mul(1_000_000),
                TimeUnit::Millisecond => amount.saturating_mul(1_000),
                TimeUnit::Microsecond => amount,
                TimeUnit::Nanosecond => amount / 1_000,
            };
            jiff::Timestamp::from_microsecond(micros)
                .map_or(serde_json::Value::Null, |t| t.to_string().into())
        }
        Value::List(items) | Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(json_of).collect())
        }
        other => serde_json::Value::String(format!("{other:?}")),
    }
}

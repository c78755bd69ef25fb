//! Reloading a scan's access graph and its analyses from the store, in
//! columns (Arrow batches): nodes in index order with their kinds and flags,
//! edges as index pairs, so no id is hashed twice.

use duckdb::arrow::{
    array::{Array, Int32Array, Int64Array, StringArray, UInt8Array, UInt16Array},
    record_batch::RecordBatch,
};
use nhiscope_model::{EdgeKind, NodeKind, ScanId};

use crate::{
    Graph, GraphBuilder, NodeFacts, Store, StoreError, build::graph_of, compact::node_kind_of,
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

/// The edges of graph scan `scan_id` as index pairs with kind codes.
fn load_edges(
    conn: &duckdb::Connection,
    scan_id: &str,
) -> Result<Vec<(u32, u32, u8)>, EdgeLoadError> {
    let mut edges = Vec::new();
    let mut statement = conn
        .prepare(
            "SELECT src_idx, dst_idx, kind_code FROM edge_rows \
             WHERE scan_id = ? AND src_idx IS NOT NULL AND dst_idx IS NOT NULL",
        )
        .map_err(EdgeLoadError::Database)?;
    let batches = statement
        .query_arrow([scan_id])
        .map_err(EdgeLoadError::Database)?;
    for batch in batches {
        let (Some(from), Some(to), Some(codes)) = (
            column::<Int32Array>(&batch, 0),
            column::<Int32Array>(&batch, 1),
            column::<UInt8Array>(&batch, 2),
        ) else {
            return Err(EdgeLoadError::Columns);
        };
        if codes
            .values()
            .iter()
            .any(|code| usize::from(*code) >= EdgeKind::ALL.len())
        {
            return Err(EdgeLoadError::UnknownKind);
        }
        edges.extend((0..batch.num_rows()).map(|row| {
            (
                u32::try_from(from.value(row)).unwrap_or(u32::MAX),
                u32::try_from(to.value(row)).unwrap_or(u32::MAX),
                codes.value(row),
            )
        }));
    }
    Ok(edges)
}

/// Which nodes [`node_batches`] reads.
#[derive(Clone, Copy)]
enum NodeRange {
    /// Those with an index below this, as stored.
    Before(usize),
    /// Those with an index from this on, as stored.
    From(usize),
    /// Every node, sorted by index.
    AllSorted,
}

/// The nodes of graph scan `scan_id` in `range` as Arrow batches: index,
/// id, name, kind code, flags, created and last used.
fn node_batches(
    conn: &duckdb::Connection,
    scan_id: &str,
    range: NodeRange,
) -> duckdb::Result<Vec<RecordBatch>> {
    let (range, order) = match range {
        NodeRange::Before(end) => (format!(" AND idx < {end}"), ""),
        NodeRange::From(start) => (format!(" AND idx >= {start}"), ""),
        NodeRange::AllSorted => (String::new(), " ORDER BY idx"),
    };
    let mut statement = conn.prepare(&format!(
        "SELECT idx, id, name, kind_code, coalesce(graph_flags, 0), \
         epoch(created_at)::BIGINT, epoch(last_used_at)::BIGINT \
         FROM node_rows WHERE scan_id = ? AND idx IS NOT NULL{range}{order}"
    ))?;
    Ok(statement.query_arrow([scan_id])?.collect())
}

fn column<T: 'static>(batch: &RecordBatch, index: usize) -> Option<&T> {
    batch.column(index).as_any().downcast_ref::<T>()
}

impl Store {
    /// The access graph of a scan. Scans written with their graph reload
    /// from the stored indices; older scans are rebuilt from their inventory.
    pub fn load_graph(&self, scan: &ScanId) -> Result<Graph, StoreError> {
        let scan_id = scan.to_string();
        let (kinds, indexed) = self.node_kinds(&scan_id)?;
        if indexed == 0 {
            let inventory = self.load_inventory(scan)?;
            return Ok(graph_of(&inventory, &[]));
        }
        // A second connection loads the edges, then fetches the later half
        // of the nodes, while this one loads the first half into the
        // builder.
        let half = indexed / 2;
        let other_conn = self.conn.try_clone().map_err(|e| self.database(&e))?;
        let (first, rest) = std::thread::scope(|scope| {
            let scan_ref = &scan_id;
            let rest = scope.spawn(move || {
                let edges = load_edges(&other_conn, scan_ref)?;
                let tail = node_batches(&other_conn, scan_ref, NodeRange::From(half))
                    .map_err(EdgeLoadError::Database)?;
                Ok::<_, EdgeLoadError>((edges, tail))
            });
            let first = node_batches(&self.conn, &scan_id, NodeRange::Before(half))
                .map_err(|e| self.database(&e))
                .and_then(|batches| {
                    let mut builder = GraphBuilder::with_capacity(indexed, 0);
                    let in_order = self.add_nodes(&mut builder, &batches, &kinds, scan, false)?;
                    Ok(in_order.then_some(builder))
                });
            let rest = rest
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (first, rest)
        });
        let (edges, tail) = rest.map_err(|error| match error {
            EdgeLoadError::Database(e) => self.database(&e),
            EdgeLoadError::UnknownKind => self.corrupt("an edge has an unknown kind"),
            EdgeLoadError::Columns => self.corrupt("the edges table has unexpected column types"),
        })?;
        let mut complete = None;
        if let Some(mut builder) = first?
            && self.add_nodes(&mut builder, &tail, &kinds, scan, false)?
        {
            complete = Some(builder);
        }
        drop(tail);
        let mut builder = match complete {
            Some(builder) => builder,
            // Nodes are stored in index order; when that does not hold
            // (a store rewritten by hand), they are read again, sorted.
            None => {
                let batches = node_batches(&self.conn, &scan_id, NodeRange::AllSorted)
                    .map_err(|e| self.database(&e))?;
                let mut builder = GraphBuilder::with_capacity(indexed, 0);
                self.add_nodes(&mut builder, &batches, &kinds, scan, true)?;
                builder
            }
        };
        if builder.node_count() != indexed {
            return Err(self.corrupt(format!("node indices of scan {scan} are not dense")));
        }
        builder.add_edge_codes(edges);
        builder
            .finish_checked()
            .map_err(|message| self.corrupt(format!("scan {scan}: {message}")))
    }

    /// The node kinds of a graph scan by stored code, and how many nodes
    /// have an index (none: a scan stored without its graph).
    fn node_kinds(&self, scan_id: &str) -> Result<(Vec<Option<NodeKind>>, usize), StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT kind_code, count(*) FROM node_rows \
                 WHERE scan_id = ? AND idx IS NOT NULL GROUP BY ALL ORDER BY 1",
            )
            .map_err(|e| self.database(&e))?;
        let codes: Vec<(u16, i64)> = statement
            .query_map([scan_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.database(&e))?;
        let indexed = codes
            .iter()
            .map(|(_, count)| usize::try_from(*count).unwrap_or(0))
            .sum();
        let mut kinds = vec![None; codes.last().map_or(0, |(code, _)| usize::from(*code) + 1)];
        for (code, _) in codes {
            let kind = node_kind_of(code)
                .ok_or_else(|| self.corrupt(format!("unknown node kind code {code}")))?;
            kinds[usize::from(code)] = Some(kind);
        }
        Ok((kinds, indexed))
    }

    /// Adds the nodes of `batches` (from [`node_batches`]) to `builder`;
    /// false when they do not come in index order (an error when they were
    /// read `sorted`).
    fn add_nodes(
        &self,
        builder: &mut GraphBuilder,
        batches: &[RecordBatch],
        kinds: &[Option<NodeKind>],
        scan: &ScanId,
        sorted: bool,
    ) -> Result<bool, StoreError> {
        for batch in batches {
            let (Some(idx), Some(ids), Some(names), Some(codes)) = (
                column::<Int32Array>(batch, 0),
                column::<StringArray>(batch, 1),
                column::<StringArray>(batch, 2),
                column::<UInt16Array>(batch, 3),
            ) else {
                return Err(self.corrupt("the nodes table has unexpected column types"));
            };
            let flags = column::<UInt8Array>(batch, 4);
            let created = column::<Int64Array>(batch, 5);
            let used = column::<Int64Array>(batch, 6);
            let first = builder.node_count();
            // Each row must have the next index: checked for the whole batch
            // before any of it is added.
            for row in 0..batch.num_rows() {
                if i64::from(idx.value(row)) != (first + row) as i64 {
                    if sorted {
                        return Err(self.corrupt(format!(
                            "node indices of scan {scan} are not dense (node {} at {})",
                            ids.value(row),
                            idx.value(row)
                        )));
                    }
                    return Ok(false);
                }
                if kinds
                    .get(usize::from(codes.value(row)))
                    .copied()
                    .flatten()
                    .is_none()
                {
                    return Err(self.corrupt("a node has an unknown kind"));
                }
            }
            let time = |array: Option<&Int64Array>, row: usize| {
                array
                    .filter(|a| !a.is_null(row))
                    .map_or(i64::MIN, |a| a.value(row))
            };
            builder.add_nodes((0..batch.num_rows()).map(|row| {
                let kind = kinds[usize::from(codes.value(row))].expect("checked above");
                let mut facts = NodeFacts::of(kind);
                facts.flags = flags.map_or(0, |f| f.value(row));
                facts.created_at = time(created, row);
                facts.last_used_at = time(used, row);
                (ids.value(row), names.value(row), facts)
            }));
            if builder.node_count() != first + batch.num_rows() {
                return Err(self.corrupt(format!("scan {scan} stores a node id twice")));
            }
        }
        Ok(true)
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

//! Bulk writes in columns: nodes, edges, analysis rows and paths are built
//! into Arrow record batches of a few tens of thousands of rows and handed to
//! DuckDB's appender whole, which is what makes storing millions of rows take
//! seconds rather than minutes (a row at a time costs a call per value).
//!
//! Every value handed over costs a call into DuckDB, so what is the same in
//! every row is not handed over at all: the scan's id becomes the column's
//! default while its rows are appended, and columns the writer knows to be
//! empty (`omit`) are left to their default, NULL.

use std::sync::Arc;

use duckdb::{
    Connection,
    arrow::{
        array::{
            ArrayRef, BooleanBuilder, Int32Builder, StringBuilder, TimestampMicrosecondBuilder,
            UInt8Builder, UInt16Builder,
        },
        datatypes::{DataType, Field, Schema, TimeUnit},
        record_batch::RecordBatch,
    },
};

/// Rows per record batch.
pub(crate) const BATCH_ROWS: usize = 32_768;

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn int32(name: &str) -> Field {
    Field::new(name, DataType::Int32, true)
}

fn timestamp(name: &str) -> Field {
    Field::new(name, DataType::Timestamp(TimeUnit::Microsecond, None), true)
}

/// Appends the batches `next_batch` builds (columns in the order of
/// `fields`, at most [`BATCH_ROWS`] rows, `None` when done) to `table`, for
/// scan `scan_id`, leaving out the columns named in `omit`. The batches are
/// built on a second thread while DuckDB takes the previous ones.
fn append_batches(
    conn: &Connection,
    table: &str,
    scan_id: &str,
    fields: &[Field],
    omit: &[&str],
    next_batch: impl FnMut() -> Option<Vec<ArrayRef>> + Send,
) -> duckdb::Result<()> {
    let kept: Vec<bool> = fields
        .iter()
        .map(|field| !omit.contains(&field.name().as_str()))
        .collect();
    let schema = Arc::new(Schema::new(
        fields
            .iter()
            .zip(&kept)
            .filter(|(_, keep)| **keep)
            .map(|(field, _)| field.clone())
            .collect::<Vec<_>>(),
    ));
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    conn.execute_batch(&format!(
        "ALTER TABLE {table} ALTER COLUMN scan_id SET DEFAULT '{}'",
        scan_id.replace('\'', "''")
    ))?;
    let mut appender = conn.appender_with_columns(table, &names)?;
    std::thread::scope(|scope| {
        // Two batches in flight: one being built, one waiting.
        let (sender, batches) = std::sync::mpsc::sync_channel(1);
        let kept = &kept;
        let schema = &schema;
        scope.spawn(move || {
            let mut next_batch = next_batch;
            while let Some(columns) = next_batch() {
                let columns: Vec<ArrayRef> = columns
                    .into_iter()
                    .zip(kept)
                    .filter(|(_, keep)| **keep)
                    .map(|(column, _)| column)
                    .collect();
                let batch = RecordBatch::try_new(schema.clone(), columns)
                    .expect("the columns match the schema by construction");
                if sender.send(batch).is_err() {
                    // The appender failed and stopped listening.
                    break;
                }
            }
        });
        for batch in batches {
            appender.append_record_batch(batch)?;
        }
        appender.flush()
    })?;
    drop(appender);
    conn.execute_batch(&format!(
        "ALTER TABLE {table} ALTER COLUMN scan_id DROP DEFAULT"
    ))
}

/// One `node_rows` row.
pub(crate) struct NodeRow<'a> {
    pub idx: Option<i32>,
    pub id: &'a str,
    /// [`crate::compact::node_kind_code`].
    pub kind_code: u16,
    pub name: &'a str,
    pub provider: &'a str,
    pub collector: &'a str,
    /// created, last used: microseconds.
    pub times: [Option<i64>; 2],
    pub flags: Option<u8>,
    /// The details that are not empty, as a JSON object (`None`: none).
    pub details: Option<&'a str>,
}

/// Appends `rows` to the `node_rows` table of scan `scan_id`.
pub(crate) fn append_nodes<'a>(
    conn: &Connection,
    scan_id: &str,
    omit: &[&str],
    rows: impl Iterator<Item = NodeRow<'a>> + Send,
) -> duckdb::Result<()> {
    let fields = [
        int32("idx"),
        utf8("id"),
        Field::new("kind_code", DataType::UInt16, false),
        utf8("name"),
        utf8("provider"),
        utf8("collector"),
        timestamp("created_at"),
        timestamp("last_used_at"),
        Field::new("graph_flags", DataType::UInt8, true),
        utf8("details"),
    ];
    let mut rows = rows.peekable();
    append_batches(conn, "node_rows", scan_id, &fields, omit, || {
        rows.peek()?;
        let mut idx = Int32Builder::new();
        let mut code = UInt16Builder::new();
        let mut strings: Vec<StringBuilder> = (0..4).map(|_| StringBuilder::new()).collect();
        let mut times: Vec<TimestampMicrosecondBuilder> =
            (0..2).map(|_| TimestampMicrosecondBuilder::new()).collect();
        let mut flags = UInt8Builder::new();
        let mut details = StringBuilder::new();
        for row in rows.by_ref().take(BATCH_ROWS) {
            idx.append_option(row.idx);
            code.append_value(row.kind_code);
            for (builder, value) in
                strings
                    .iter_mut()
                    .zip([row.id, row.name, row.provider, row.collector])
            {
                builder.append_value(value);
            }
            for (builder, value) in times.iter_mut().zip(row.times) {
                builder.append_option(value);
            }
            flags.append_option(row.flags);
            details.append_option(row.details);
        }
        let [id, name, provider, collector] = &mut strings[..] else {
            unreachable!("four text columns")
        };
        let [created, used] = &mut times[..] else {
            unreachable!("two time columns")
        };
        Some(vec![
            Arc::new(idx.finish()),
            Arc::new(id.finish()),
            Arc::new(code.finish()),
            Arc::new(name.finish()),
            Arc::new(provider.finish()),
            Arc::new(collector.finish()),
            Arc::new(created.finish()),
            Arc::new(used.finish()),
            Arc::new(flags.finish()),
            Arc::new(details.finish()),
        ])
    })
}

/// One `edge_rows` row.
pub(crate) struct EdgeRow<'a> {
    pub from_idx: Option<i32>,
    /// [`crate::compact::kind_code`].
    pub kind_code: u8,
    pub to_idx: Option<i32>,
    /// The ends' ids when they cannot be found by index, and the
    /// attributes when there are any, as a JSON object (`None`: none).
    pub details: Option<&'a str>,
}

/// Appends `rows` to the `edge_rows` table.
pub(crate) fn append_edges<'a>(
    conn: &Connection,
    scan_id: &str,
    omit: &[&str],
    rows: impl Iterator<Item = EdgeRow<'a>> + Send,
) -> duckdb::Result<()> {
    let fields = [
        int32("src_idx"),
        Field::new("kind_code", DataType::UInt8, false),
        int32("dst_idx"),
        utf8("details"),
    ];
    let mut rows = rows.peekable();
    append_batches(conn, "edge_rows", scan_id, &fields, omit, || {
        rows.peek()?;
        let mut from_idx = Int32Builder::new();
        let mut kind = UInt8Builder::new();
        let mut to_idx = Int32Builder::new();
        let mut details = StringBuilder::new();
        for row in rows.by_ref().take(BATCH_ROWS) {
            from_idx.append_option(row.from_idx);
            kind.append_value(row.kind_code);
            to_idx.append_option(row.to_idx);
            details.append_option(row.details);
        }
        Some(vec![
            Arc::new(from_idx.finish()),
            Arc::new(kind.finish()),
            Arc::new(to_idx.finish()),
            Arc::new(details.finish()),
        ])
    })
}

/// One `analysis_rows` row.
pub(crate) struct AnalysisRow<'a> {
    pub idx: i32,
    pub risk: i32,
    pub factor_bits: i32,
    pub reach: i32,
    pub reach_truncated: bool,
    pub target_idx: Option<i32>,
    pub distance: Option<i32>,
    /// The node's and the target's ids, when they are not stored nodes.
    pub node_ref: Option<&'a str>,
    pub target_ref: Option<&'a str>,
}

/// Appends `rows` to the `analysis_rows` table.
pub(crate) fn append_analysis<'a>(
    conn: &Connection,
    scan_id: &str,
    omit: &[&str],
    rows: impl Iterator<Item = AnalysisRow<'a>> + Send,
) -> duckdb::Result<()> {
    let fields = [
        int32("idx"),
        int32("risk"),
        int32("factor_bits"),
        int32("reach"),
        Field::new("reach_truncated", DataType::Boolean, false),
        int32("target_idx"),
        int32("distance"),
        utf8("node_ref"),
        utf8("target_ref"),
    ];
    let mut rows = rows.peekable();
    append_batches(conn, "analysis_rows", scan_id, &fields, omit, || {
        rows.peek()?;
        let mut ints: Vec<Int32Builder> = (0..4).map(|_| Int32Builder::new()).collect();
        let mut truncated = BooleanBuilder::new();
        let mut target = Int32Builder::new();
        let mut distance = Int32Builder::new();
        let mut node_ref = StringBuilder::new();
        let mut target_ref = StringBuilder::new();
        for row in rows.by_ref().take(BATCH_ROWS) {
            for (builder, value) in
                ints.iter_mut()
                    .zip([row.idx, row.risk, row.factor_bits, row.reach])
            {
                builder.append_value(value);
            }
            truncated.append_value(row.reach_truncated);
            target.append_option(row.target_idx);
            distance.append_option(row.distance);
            node_ref.append_option(row.node_ref);
            target_ref.append_option(row.target_ref);
        }
        let mut columns: Vec<ArrayRef> = ints
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        columns.push(Arc::new(truncated.finish()));
        columns.push(Arc::new(target.finish()));
        columns.push(Arc::new(distance.finish()));
        columns.push(Arc::new(node_ref.finish()));
        columns.push(Arc::new(target_ref.finish()));
        Some(columns)
    })
}

/// One `attack_paths` row.
pub(crate) struct PathRow<'a> {
    pub source: &'a str,
    pub target: &'a str,
    pub length: i32,
    pub path: String,
}

/// Appends `rows` to the `attack_paths` table.
pub(crate) fn append_paths<'a>(
    conn: &Connection,
    scan_id: &str,
    rows: impl Iterator<Item = PathRow<'a>> + Send,
) -> duckdb::Result<()> {
    let fields = [
        utf8("source"),
        utf8("target"),
        int32("length"),
        utf8("path"),
    ];
    let mut rows = rows.peekable();
    append_batches(conn, "attack_paths", scan_id, &fields, &[], || {
        rows.peek()?;
        let mut source = StringBuilder::new();
        let mut target = StringBuilder::new();
        let mut length = Int32Builder::new();
        let mut path = StringBuilder::new();
        for row in rows.by_ref().take(BATCH_ROWS) {
            source.append_value(row.source);
            target.append_value(row.target);
            length.append_value(row.length);
            path.append_value(&row.path);
        }
        Some(vec![
            Arc::new(source.finish()),
            Arc::new(target.finish()),
            Arc::new(length.finish()),
            Arc::new(path.finish()),
        ])
    })
}

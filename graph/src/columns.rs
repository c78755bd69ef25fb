//! Bulk writes in columns: nodes, edges and analysis rows are built into
//! Arrow record batches of a few tens of thousands of rows and handed to
//! DuckDB's appender whole, which is what makes storing millions of rows take
//! seconds rather than minutes (a row at a time costs a call per value).

use std::{fmt::Write as _, sync::Arc};

use duckdb::{
    Appender,
    arrow::{
        array::{
            ArrayRef, BooleanBuilder, Int32Builder, Int64Builder, StringBuilder,
            TimestampMicrosecondBuilder, UInt8Builder,
        },
        datatypes::{DataType, Field, Schema, TimeUnit},
        record_batch::RecordBatch,
    },
};

/// Rows per record batch.
pub(crate) const BATCH_ROWS: usize = 32_768;

/// One `nodes` row.
pub(crate) struct NodeRow<'a> {
    pub id: &'a str,
    pub class: &'static str,
    pub type_name: &'static str,
    pub name: &'a str,
    pub provider: &'a str,
    pub native_id: Option<&'a str>,
    pub scope: Option<&'a str>,
    pub collector: &'a str,
    /// created, last used, expires, rotated: microseconds.
    pub times: [Option<i64>; 4],
    pub labels: &'a str,
    pub attributes: &'a str,
    pub secret: Option<(String, &'a str, i64)>,
    pub idx: Option<i32>,
    pub flags: Option<u8>,
}

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn timestamp(name: &str) -> Field {
    Field::new(name, DataType::Timestamp(TimeUnit::Microsecond, None), true)
}

/// Appends `rows` to the `nodes` table of scan `scan_id`.
pub(crate) fn append_nodes<'a>(
    appender: &mut Appender<'_>,
    scan_id: &str,
    rows: impl Iterator<Item = NodeRow<'a>>,
) -> duckdb::Result<()> {
    let schema = Arc::new(Schema::new(vec![
        utf8("scan_id", false),
        utf8("id", false),
        utf8("kind", false),
        utf8("type", false),
        utf8("name", false),
        utf8("provider", false),
        utf8("native_id", true),
        utf8("scope", true),
        utf8("collector", false),
        timestamp("created_at"),
        timestamp("last_used_at"),
        timestamp("expires_at"),
        timestamp("rotated_at"),
        utf8("labels", false),
        utf8("attributes", false),
        utf8("secret_fingerprint", true),
        utf8("secret_preview", true),
        Field::new("secret_length", DataType::Int64, true),
        Field::new("idx", DataType::Int32, true),
        Field::new("graph_flags", DataType::UInt8, true),
    ]));
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let mut strings: Vec<StringBuilder> = (0..9).map(|_| StringBuilder::new()).collect();
        let mut times: Vec<TimestampMicrosecondBuilder> =
            (0..4).map(|_| TimestampMicrosecondBuilder::new()).collect();
        let mut labels = StringBuilder::new();
        let mut attributes = StringBuilder::new();
        let mut fingerprint = StringBuilder::new();
        let mut preview = StringBuilder::new();
        let mut length = Int64Builder::new();
        let mut idx = Int32Builder::new();
        let mut flags = UInt8Builder::new();
        for row in rows.by_ref().take(BATCH_ROWS) {
            strings[0].append_value(scan_id);
            strings[1].append_value(row.id);
            strings[2].append_value(row.class);
            strings[3].append_value(row.type_name);
            strings[4].append_value(row.name);
            strings[5].append_value(row.provider);
            strings[6].append_option(row.native_id);
            strings[7].append_option(row.scope);
            strings[8].append_value(row.collector);
            for (builder, value) in times.iter_mut().zip(row.times) {
                builder.append_option(value);
            }
            labels.append_value(row.labels);
            attributes.append_value(row.attributes);
            match &row.secret {
                Some((hex, shown, len)) => {
                    fingerprint.append_value(hex);
                    preview.append_value(shown);
                    length.append_value(*len);
                }
                None => {
                    fingerprint.append_null();
                    preview.append_null();
                    length.append_null();
                }
            }
            idx.append_option(row.idx);
            flags.append_option(row.flags);
        }
        let mut columns: Vec<ArrayRef> = strings
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        columns.extend(times.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
        columns.push(Arc::new(labels.finish()));
        columns.push(Arc::new(attributes.finish()));
        columns.push(Arc::new(fingerprint.finish()));
        columns.push(Arc::new(preview.finish()));
        columns.push(Arc::new(length.finish()));
        columns.push(Arc::new(idx.finish()));
        columns.push(Arc::new(flags.finish()));
        let batch = RecordBatch::try_new(schema.clone(), columns)
            .expect("the columns match the schema by construction");
        appender.append_record_batch(batch)?;
    }
    Ok(())
}

/// One `edges` row.
pub(crate) struct EdgeRow<'a> {
    pub from: &'a str,
    pub kind: &'static str,
    pub to: &'a str,
    pub attributes: &'a str,
    pub from_idx: Option<i32>,
    pub to_idx: Option<i32>,
}

/// Appends `rows` to the `edges` table.
pub(crate) fn append_edges<'a>(
    appender: &mut Appender<'_>,
    scan_id: &str,
    rows: impl Iterator<Item = EdgeRow<'a>>,
) -> duckdb::Result<()> {
    let schema = Arc::new(Schema::new(vec![
        utf8("scan_id", false),
        utf8("src", false),
        utf8("kind", false),
        utf8("dst", false),
        utf8("attributes", false),
        Field::new("src_idx", DataType::Int32, true),
        Field::new("dst_idx", DataType::Int32, true),
    ]));
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let mut strings: Vec<StringBuilder> = (0..5).map(|_| StringBuilder::new()).collect();
        let mut from_idx = Int32Builder::new();
        let mut to_idx = Int32Builder::new();
        for row in rows.by_ref().take(BATCH_ROWS) {
            strings[0].append_value(scan_id);
            strings[1].append_value(row.from);
            strings[2].append_value(row.kind);
            strings[3].append_value(row.to);
            strings[4].append_value(row.attributes);
            from_idx.append_option(row.from_idx);
            to_idx.append_option(row.to_idx);
        }
        let mut columns: Vec<ArrayRef> = strings
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        columns.push(Arc::new(from_idx.finish()));
        columns.push(Arc::new(to_idx.finish()));
        let batch = RecordBatch::try_new(schema.clone(), columns)
            .expect("the columns match the schema by construction");
        appender.append_record_batch(batch)?;
    }
    Ok(())
}

/// One `node_analysis` row.
pub(crate) struct AnalysisRow<'a> {
    pub node_id: &'a str,
    pub idx: i32,
    pub risk: i32,
    pub factors: Vec<&'static str>,
    pub reach: i32,
    pub reach_truncated: bool,
    pub target: Option<&'a str>,
    pub distance: Option<i32>,
}

/// Appends `rows` to a staging copy of the `node_analysis` table whose
/// `factors` column is comma-separated text ([`ANALYSIS_STAGING`]).
pub(crate) fn append_analysis<'a>(
    appender: &mut Appender<'_>,
    scan_id: &str,
    rows: impl Iterator<Item = AnalysisRow<'a>>,
) -> duckdb::Result<()> {
    let schema = Arc::new(Schema::new(vec![
        utf8("scan_id", false),
        utf8("node_id", false),
        Field::new("idx", DataType::Int32, false),
        Field::new("risk", DataType::Int32, false),
        // Comma-separated: DuckDB takes a text column far faster than an
        // Arrow list of texts; the staging table's INSERT splits it.
        utf8("factors", false),
        Field::new("reach", DataType::Int32, false),
        Field::new("reach_truncated", DataType::Boolean, false),
        utf8("target", true),
        Field::new("distance", DataType::Int32, true),
    ]));
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let mut scan = StringBuilder::new();
        let mut node = StringBuilder::new();
        let mut idx = Int32Builder::new();
        let mut risk = Int32Builder::new();
        let mut factors = StringBuilder::new();
        let mut reach = Int32Builder::new();
        let mut truncated = BooleanBuilder::new();
        let mut target = StringBuilder::new();
        let mut distance = Int32Builder::new();
        for row in rows.by_ref().take(BATCH_ROWS) {
            scan.append_value(scan_id);
            node.append_value(row.node_id);
            idx.append_value(row.idx);
            risk.append_value(row.risk);
            for (i, factor) in row.factors.iter().enumerate() {
                if i > 0 {
                    factors.write_str(",").expect("writes to memory");
                }
                factors.write_str(factor).expect("writes to memory");
            }
            factors.append_value("");
            reach.append_value(row.reach);
            truncated.append_value(row.reach_truncated);
            target.append_option(row.target);
            distance.append_option(row.distance);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(scan.finish()),
            Arc::new(node.finish()),
            Arc::new(idx.finish()),
            Arc::new(risk.finish()),
            Arc::new(factors.finish()),
            Arc::new(reach.finish()),
            Arc::new(truncated.finish()),
            Arc::new(target.finish()),
            Arc::new(distance.finish()),
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns)
            .expect("the columns match the schema by construction");
        appender.append_record_batch(batch)?;
    }
    Ok(())
}

/// The staging table `append_analysis` fills, how it becomes
/// `node_analysis` rows (3.5 s less at a million identities than an Arrow
/// list column), and its removal: run in the writing transaction, so it
/// never outlives it.
pub(crate) const ANALYSIS_STAGING: [&str; 3] = [
    "CREATE TABLE node_analysis_staging (scan_id VARCHAR, node_id VARCHAR, idx INTEGER, \
     risk INTEGER, factors VARCHAR, reach INTEGER, reach_truncated BOOLEAN, target VARCHAR, \
     distance INTEGER)",
    "INSERT INTO node_analysis SELECT scan_id, node_id, idx, risk, \
     CASE WHEN factors = '' THEN []::VARCHAR[] ELSE string_split(factors, ',') END, \
     reach, reach_truncated, target, distance FROM node_analysis_staging ORDER BY rowid",
    "DROP TABLE node_analysis_staging",
];

/// One `attack_paths` row.
pub(crate) struct PathRow<'a> {
    pub source: &'a str,
    pub target: &'a str,
    pub length: i32,
    pub path: String,
}

/// Appends `rows` to the `attack_paths` table.
pub(crate) fn append_paths<'a>(
    appender: &mut Appender<'_>,
    scan_id: &str,
    rows: impl Iterator<Item = PathRow<'a>>,
) -> duckdb::Result<()> {
    let schema = Arc::new(Schema::new(vec![
        utf8("scan_id", false),
        utf8("source", false),
        utf8("target", false),
        Field::new("length", DataType::Int32, false),
        utf8("path", false),
    ]));
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let mut strings: Vec<StringBuilder> = (0..3).map(|_| StringBuilder::new()).collect();
        let mut length = Int32Builder::new();
        let mut path = StringBuilder::new();
        for row in rows.by_ref().take(BATCH_ROWS) {
            strings[0].append_value(scan_id);
            strings[1].append_value(row.source);
            strings[2].append_value(row.target);
            length.append_value(row.length);
            path.append_value(&row.path);
        }
        let mut columns: Vec<ArrayRef> = strings
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        columns.push(Arc::new(length.finish()));
        columns.push(Arc::new(path.finish()));
        let batch = RecordBatch::try_new(schema.clone(), columns)
            .expect("the columns match the schema by construction");
        appender.append_record_batch(batch)?;
    }
    Ok(())
}

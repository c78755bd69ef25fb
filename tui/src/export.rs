//! `e`: the current list, as filtered and sorted, written to a CSV or JSON
//! file (by the file's extension), streamed from the store row by row.
//! Only what the store holds leaves: fingerprints and redacted previews.

use std::{
    fs::File,
    io::{BufWriter, Write},
    path::Path,
};

use duckdb::types::Value;
use nhiscope_graph::{node_class_sql, node_type_sql};
use serde_json::Value as Json;

use crate::{
    TuiError,
    db::{
        Db, FindingFilter, FindingSort, InventoryFilter, InventorySort, ScanInfo,
        order_by_for_export,
    },
};

/// Rows out, as CSV (formula-safe) or as a JSON array of objects.
struct Writer<'a> {
    out: BufWriter<File>,
    columns: &'a [&'a str],
    json: bool,
    rows: u64,
    path: &'a Path,
}

impl<'a> Writer<'a> {
    fn create(path: &'a Path, columns: &'a [&'a str]) -> Result<Self, TuiError> {
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let file = File::create(path).map_err(|e| failed(path, &e))?;
        let mut writer = Self {
            out: BufWriter::new(file),
            columns,
            json,
            rows: 0,
            path,
        };
        if json {
            writer.put("[")?;
        } else {
            let header = columns.join(",");
            writer.put(&header)?;
            writer.put("\n")?;
        }
        Ok(writer)
    }

    fn put(&mut self, text: &str) -> Result<(), TuiError> {
        self.out
            .write_all(text.as_bytes())
            .map_err(|e| failed(self.path, &e))
    }

    fn row(&mut self, values: Vec<Json>) -> Result<(), TuiError> {
        if self.json {
            let object: serde_json::Map<String, Json> = self
                .columns
                .iter()
                .map(|c| (*c).to_string())
                .zip(values)
                .collect();
            let text = format!(
                "{}\n  {}",
                if self.rows == 0 { "" } else { "," },
                Json::Object(object)
            );
            self.put(&text)?;
        } else {
            let line = values.iter().map(csv_cell).collect::<Vec<_>>().join(",");
            self.put(&line)?;
            self.put("\n")?;
        }
        self.rows += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<u64, TuiError> {
        if self.json {
            self.put("\n]\n")?;
        }
        self.out.flush().map_err(|e| failed(self.path, &e))?;
        Ok(self.rows)
    }
}

fn failed(path: &Path, error: &std::io::Error) -> TuiError {
    TuiError::Export {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// A CSV cell: quoted when needed, and text that a spreadsheet would run as
/// a formula (`=`, `+`, `-`, `@`, tab, carriage return) prefixed with `'`.
fn csv_cell(value: &Json) -> String {
    let text = match value {
        Json::Null => return String::new(),
        Json::String(text) => {
            if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{text}")
            } else {
                text.clone()
            }
        }
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn json_of(value: Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Boolean(flag) => flag.into(),
        Value::TinyInt(n) => n.into(),
        Value::SmallInt(n) => n.into(),
        Value::Int(n) => n.into(),
        Value::BigInt(n) => n.into(),
        Value::UTinyInt(n) => n.into(),
        Value::USmallInt(n) => n.into(),
        Value::UInt(n) => n.into(),
        Value::UBigInt(n) => n.into(),
        Value::Text(text) | Value::Enum(text) => text.into(),
        other => format!("{other:?}").into(),
    }
}

fn stream(
    db: &Db,
    sql: &str,
    params: &[Value],
    path: &Path,
    columns: &[&str],
) -> Result<u64, TuiError> {
    let session = db.session()?;
    let error = |e: duckdb::Error| TuiError::query(db.path(), &e);
    let mut writer = Writer::create(path, columns)?;
    let mut statement = session.conn().prepare(sql).map_err(error)?;
    let mut rows = statement
        .query(duckdb::params_from_iter(params.iter()))
        .map_err(error)?;
    while let Some(row) = rows.next().map_err(error)? {
        let values = (0..columns.len())
            .map(|i| row.get::<_, Value>(i).map(json_of))
            .collect::<Result<Vec<_>, _>>()
            .map_err(error)?;
        writer.row(values)?;
    }
    writer.finish()
}

const FINDING_COLUMNS: [&str; 11] = [
    "fingerprint",
    "severity",
    "risk",
    "rule_id",
    "title",
    "source",
    "location",
    "evidence_preview",
    "evidence_fingerprint",
    "remediation",
    "message",
];

/// Writes the findings that pass `filter`, in the list's order.
pub fn findings(
    db: &Db,
    sort: FindingSort,
    reversed: bool,
    filter: &FindingFilter,
    path: &Path,
) -> Result<u64, TuiError> {
    let (clause, params) = filter.sql();
    let sql = format!(
        "SELECT f.fingerprint, f.severity, f.risk, f.rule_id, f.title, k.source, \
           coalesce(f.path || ':' || f.line, f.path, f.resource, ''), f.evidence_preview, \
           f.evidence_fingerprint, f.remediation, f.message \
         FROM (SELECT * FROM fk WHERE {clause}) k JOIN store.findings f ON f.rowid = k.row \
         ORDER BY {}",
        order_by_for_export(sort.columns(), reversed)
    );
    stream(db, &sql, &params, path, &FINDING_COLUMNS)
}

const NODE_COLUMNS: [&str; 13] = [
    "id",
    "name",
    "class",
    "type",
    "provider",
    "native_id",
    "scope",
    "risk",
    "created_at",
    "last_used_at",
    "exposed",
    "live",
    "secret_preview",
];

/// Writes the identities and credentials that pass `filter`, in the list's
/// order.
pub fn inventory(
    db: &Db,
    sort: InventorySort,
    reversed: bool,
    filter: &InventoryFilter,
    path: &Path,
) -> Result<u64, TuiError> {
    let (clause, params) = filter.sql();
    let sql = format!(
        "SELECT n.id, n.name, {class}, {type_name}, n.provider, n.details->>'native_id', n.details->>'scope', \
           CASE WHEN k.risk < 0 THEN NULL ELSE k.risk END, \
           strftime(n.created_at, '%Y-%m-%dT%H:%M:%SZ'), strftime(n.last_used_at, '%Y-%m-%dT%H:%M:%SZ'), \
           k.flags & 1 <> 0, k.flags & 8 <> 0, n.details->>'secret_preview' \
         FROM (SELECT * FROM nk WHERE {clause}) k JOIN store.node_rows n ON n.rowid = k.row \
         ORDER BY {}",
        order_by_for_export(sort.columns(), reversed),
        class = node_class_sql("n.kind_code"),
        type_name = node_type_sql("n.kind_code"),
    );
    stream(db, &sql, &params, path, &NODE_COLUMNS)
}

/// Writes the scan history.
pub fn scans(scans: &[ScanInfo], path: &Path) -> Result<u64, TuiError> {
    const COLUMNS: [&str; 11] = [
        "number",
        "id",
        "started_at",
        "status",
        "collectors",
        "nodes",
        "critical",
        "high",
        "medium",
        "low",
        "info",
    ];
    let mut writer = Writer::create(path, &COLUMNS)?;
    for scan in scans {
        let counts = scan.findings;
        writer.row(vec![
            scan.number.into(),
            scan.id.clone().into(),
            scan.started_at.map(|t| t.to_string()).into(),
            scan.status.clone().into(),
            scan.collectors.join(" ").into(),
            scan.nodes.into(),
            counts.critical.into(),
            counts.high.into(),
            counts.medium.into(),
            counts.low.into(),
            counts.info.into(),
        ])?;
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formula_safe() {
        assert_eq!(csv_cell(&Json::from("a,b")), "\"a,b\"");
        assert_eq!(csv_cell(&Json::from("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell(&Json::from("=cmd()")), "'=cmd()");
        assert_eq!(csv_cell(&Json::from(-1)), "-1");
        assert_eq!(csv_cell(&Json::Null), "");
    }
}

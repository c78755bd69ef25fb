//! `nhiscope query`: read-only SQL over the store.

use super::{open_store, write_output};
use crate::{
    cli::{GlobalArgs, QueryArgs, TableFormatArg},
    exit::Exit,
};

fn cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn csv_field(text: &str) -> String {
    // Formula-safe for spreadsheets, quoted when needed.
    let safe = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if safe.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

/// Runs `nhiscope query`.
pub fn run(global: &GlobalArgs, args: &QueryArgs) -> anyhow::Result<Exit> {
    let store = open_store(global)?;
    let (columns, rows) = store.query(&args.sql)?;
    write_output(None, |out| {
        match args.format {
            TableFormatArg::Json => {
                let objects: Vec<serde_json::Map<String, serde_json::Value>> = rows
                    .iter()
                    .map(|row| columns.iter().cloned().zip(row.iter().cloned()).collect())
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &objects)?;
                writeln!(out)?;
            }
            TableFormatArg::Csv => {
                let header: Vec<String> = columns.iter().map(|c| csv_field(c)).collect();
                writeln!(out, "{}", header.join(","))?;
                for row in &rows {
                    let fields: Vec<String> = row.iter().map(|v| csv_field(&cell(v))).collect();
                    writeln!(out, "{}", fields.join(","))?;
                }
            }
            TableFormatArg::Table => {
                let mut table: Vec<Vec<String>> =
                    vec![columns.iter().map(|c| c.to_ascii_uppercase()).collect()];
                table.extend(rows.iter().map(|row| row.iter().map(cell).collect()));
                nhiscope_reports::write_columns(out, &table, 0)?;
                if rows.is_empty() {
                    writeln!(out, "(no rows)")?;
                }
            }
        }
        Ok(())
    })?;
    Ok(Exit::Clean)
}

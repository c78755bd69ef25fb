//! `nhiscope scans`: the scan history.

use nhiscope_model::Severity;
use serde_json::json;

use super::{open_store, write_output};
use crate::{
    cli::{FormatArg, GlobalArgs, ScansArgs},
    exit::Exit,
};

/// Runs `nhiscope scans`.
pub fn run(global: &GlobalArgs, args: &ScansArgs) -> anyhow::Result<Exit> {
    let store = open_store(global)?;
    let scans = store.scans()?;
    write_output(None, |out| {
        match args.format {
            FormatArg::Json => {
                let rows: Vec<serde_json::Value> = scans
                    .iter()
                    .map(|scan| {
                        json!({
                            "number": scan.record.number,
                            "id": scan.record.id.to_string(),
                            "started_at": scan.record.started_at,
                            "finished_at": scan.record.finished_at,
                            "status": scan.record.status,
                            "tool_version": scan.record.tool_version,
                            "sources": scan.record.sources,
                            "nodes": scan.nodes,
                            "findings": scan.findings,
                            "source_errors": scan.record.errors.len(),
                            "skipped": scan.record.skipped.len(),
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &rows)?;
                writeln!(out)?;
            }
            FormatArg::Text => {
                if scans.is_empty() {
                    writeln!(out, "No scans stored in {}.", store.path().display())?;
                    return Ok(());
                }
                let mut rows = vec![[
                    "#".to_string(),
                    "ID".into(),
                    "STARTED (UTC)".into(),
                    "STATUS".into(),
                    "NODES".into(),
                    "FINDINGS C/H/M/L/I".into(),
                    "SOURCES".into(),
                ]];
                for scan in &scans {
                    let counts: Vec<String> = Severity::DESCENDING
                        .iter()
                        .map(|s| scan.findings.get(*s).to_string())
                        .collect();
                    let sources: Vec<&str> = scan
                        .record
                        .sources
                        .iter()
                        .map(|s| s.collector.as_str())
                        .collect();
                    rows.push([
                        scan.record.number.unwrap_or(0).to_string(),
                        scan.record.id.to_string()[..13].to_string(),
                        scan.record
                            .started_at
                            .strftime("%Y-%m-%d %H:%M:%S")
                            .to_string(),
                        scan.record.status.as_str().to_string(),
                        scan.nodes.to_string(),
                        counts.join("/"),
                        sources.join(","),
                    ]);
                }
                nhiscope_reports::write_columns(out, &rows, 0)?;
            }
        }
        Ok(())
    })?;
    Ok(Exit::Clean)
}

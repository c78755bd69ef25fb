//! The JSON report: everything a scan found, versioned.

use std::{collections::BTreeMap, io};

use jiff::Timestamp;
use nhiscope_model::{
    Edge, Finding, Node, ScanStatus, SeverityCounts, Skipped, SourceError, SourceSummary,
};
use serde::Serialize;

use crate::{Report, ReportError, ScanView};

/// The version of the JSON report's shape. Adding fields keeps it; renaming or
/// removing one bumps it. docs/report-json.md describes every field.
pub const JSON_SCHEMA_VERSION: &str = "1";

/// Writes the JSON report (docs/report-json.md).
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonReport;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: &'static str,
    tool: Tool<'a>,
    scan: Scan<'a>,
    summary: Summary,
    findings: Vec<&'a Finding>,
    inventory: InventorySection<'a>,
    source_errors: &'a [SourceError],
    skipped: &'a [Skipped],
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct Scan<'a> {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<u64>,
    started_at: Timestamp,
    finished_at: Timestamp,
    status: ScanStatus,
    sources: &'a [SourceSummary],
}

#[derive(Serialize)]
struct Summary {
    nodes: usize,
    edges: usize,
    nodes_by_kind: BTreeMap<&'static str, BTreeMap<&'static str, usize>>,
    findings: usize,
    findings_by_severity: SeverityCounts,
    baselined: usize,
    source_errors: usize,
    skipped: usize,
    skipped_by_reason: BTreeMap<String, usize>,
}

#[derive(Serialize)]
struct InventorySection<'a> {
    nodes: Vec<&'a Node>,
    edges: Vec<&'a Edge>,
}

impl Report for JsonReport {
    fn write(&self, scan: &ScanView<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
        let inventory = scan.inventory;
        let record = scan.record;
        let mut nodes_by_kind: BTreeMap<&'static str, BTreeMap<&'static str, usize>> =
            BTreeMap::new();
        for ((class, type_name), count) in inventory.node_counts() {
            nodes_by_kind
                .entry(class)
                .or_default()
                .insert(type_name, count);
        }
        let findings = inventory.findings_by_risk();
        let findings_by_severity = SeverityCounts::of(findings.iter().copied());
        let mut skipped_by_reason: BTreeMap<String, usize> = BTreeMap::new();
        for item in &record.skipped {
            *skipped_by_reason.entry(item.reason.clone()).or_default() += 1;
        }
        let document = Document {
            schema_version: JSON_SCHEMA_VERSION,
            tool: Tool {
                name: "nhiscope",
                version: &record.tool_version,
            },
            scan: Scan {
                id: record.id.to_string(),
                number: record.number,
                started_at: record.started_at,
                finished_at: record.finished_at,
                status: record.status,
                sources: &record.sources,
            },
            summary: Summary {
                nodes: inventory.nodes().len(),
                edges: inventory.edges().len(),
                nodes_by_kind,
                findings: findings.len(),
                findings_by_severity,
                baselined: scan.baselined,
                source_errors: record.errors.len(),
                skipped: record.skipped.len(),
                skipped_by_reason,
            },
            findings,
            inventory: InventorySection {
                nodes: inventory.nodes().collect(),
                edges: inventory.edges().collect(),
            },
            source_errors: &record.errors,
            skipped: &record.skipped,
        };
        serde_json::to_writer_pretty(&mut *out, &document)?;
        out.write_all(b"\n")?;
        Ok(())
    }
}

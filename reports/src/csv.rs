//! One row per finding, for spreadsheets (RFC 4180).

use std::io;

use nhiscope_model::Location;

use crate::{Report, ReportError, ScanView};

/// Writes the findings as CSV, most severe first.
#[derive(Debug, Default, Clone, Copy)]
pub struct CsvReport;

const HEADER: [&str; 15] = [
    "severity",
    "rule_id",
    "title",
    "path_or_resource",
    "line",
    "column",
    "scope",
    "evidence_preview",
    "evidence_sha256",
    "commit",
    "author",
    "date",
    "fingerprint",
    "remediation",
    "message",
];

impl Report for CsvReport {
    fn write(&self, scan: &ScanView<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
        write_row(out, HEADER.iter().map(|h| h.to_string()))?;
        for finding in scan.inventory.findings_by_risk() {
            let (place, line, column, scope) = match &finding.location {
                Location::File {
                    path, line, column, ..
                } => (
                    path.clone(),
                    line.to_string(),
                    column.to_string(),
                    String::new(),
                ),
                Location::Resource {
                    resource, scope, ..
                } => (
                    resource.clone(),
                    String::new(),
                    String::new(),
                    scope.clone().unwrap_or_default(),
                ),
            };
            let provenance = finding.provenance.as_ref();
            write_row(
                out,
                [
                    finding.severity.as_str().to_string(),
                    finding.rule_id.clone(),
                    finding.title.clone(),
                    place,
                    line,
                    column,
                    scope,
                    finding
                        .evidence
                        .as_ref()
                        .map(|e| e.preview().to_string())
                        .unwrap_or_default(),
                    finding
                        .evidence
                        .as_ref()
                        .map(|e| e.fingerprint().to_hex())
                        .unwrap_or_default(),
                    provenance.map(|p| p.commit.clone()).unwrap_or_default(),
                    provenance.map(|p| p.author.clone()).unwrap_or_default(),
                    provenance.map(|p| p.date.to_string()).unwrap_or_default(),
                    finding.fingerprint.to_string(),
                    finding.remediation.clone(),
                    finding.message.clone(),
                ]
                .into_iter(),
            )?;
        }
        Ok(())
    }
}

pub(crate) fn write_row(
    out: &mut dyn io::Write,
    fields: impl Iterator<Item = String>,
) -> io::Result<()> {
    let fields: Vec<String> = fields.map(|field| escape(&field)).collect();
    write!(out, "{}\r\n", fields.join(","))
}

/// Quotes a field when it needs it, and defuses values a spreadsheet would
/// run as a formula (`=`, `+`, `-`, `@` at the start).
fn escape(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_string()
    };
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("a,b"), "\"a,b\"");
        assert_eq!(escape("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(escape("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(escape("-----BEGIN…"), "'-----BEGIN…");
    }
}

//! What changed between two scans, as text, JSON or Markdown.

use std::io;

use nhiscope_model::{Finding, ScanDiff, ScanRecord};
use serde_json::json;

use crate::{ReportError, ReportFormat, write_columns};

/// Writes `diff` (from `older` to `newer`) in `format`.
pub fn write_diff(
    format: ReportFormat,
    older: &ScanRecord,
    newer: &ScanRecord,
    diff: &ScanDiff,
    out: &mut dyn io::Write,
) -> Result<(), ReportError> {
    let name = |record: &ScanRecord| {
        record
            .number
            .map_or_else(|| record.id.to_string(), |n| format!("#{n}"))
    };
    match format {
        ReportFormat::Json => {
            let document = json!({
                "older": { "id": older.id.to_string(), "number": older.number, "started_at": older.started_at },
                "newer": { "id": newer.id.to_string(), "number": newer.number, "started_at": newer.started_at },
                "summary": {
                    "new_findings": diff.new_findings.len(),
                    "resolved_findings": diff.resolved_findings.len(),
                    "changed_findings": diff.changed_findings.len(),
                    "unchanged_findings": diff.unchanged_findings,
                    "added_nodes": diff.added_nodes.len(),
                    "removed_nodes": diff.removed_nodes.len(),
                    "changed_nodes": diff.changed_nodes.len(),
                },
                "new_findings": diff.new_findings,
                "resolved_findings": diff.resolved_findings,
                "changed_findings": diff.changed_findings,
                "added_nodes": diff.added_nodes,
                "removed_nodes": diff.removed_nodes,
                "changed_nodes": diff.changed_nodes,
            });
            serde_json::to_writer_pretty(&mut *out, &document)?;
            writeln!(out)?;
        }
        ReportFormat::Text => {
            writeln!(
                out,
                "Scan {} → {}: {} new, {} resolved, {} changed, {} unchanged findings; {} nodes added, {} removed, {} changed",
                name(older),
                name(newer),
                diff.new_findings.len(),
                diff.resolved_findings.len(),
                diff.changed_findings.len(),
                diff.unchanged_findings,
                diff.added_nodes.len(),
                diff.removed_nodes.len(),
                diff.changed_nodes.len()
            )?;
            for (title, findings) in [
                ("New", &diff.new_findings),
                ("Resolved", &diff.resolved_findings),
            ] {
                if findings.is_empty() {
                    continue;
                }
                writeln!(out)?;
                writeln!(out, "{title} findings:")?;
                write_columns(out, &finding_rows(findings), 2)?;
            }
            if !diff.changed_findings.is_empty() {
                writeln!(out)?;
                writeln!(out, "Changed severity:")?;
                for change in &diff.changed_findings {
                    writeln!(
                        out,
                        "  {} {} → {} ({})",
                        change.rule_id, change.before, change.after, change.fingerprint
                    )?;
                }
            }
            for (title, nodes) in [
                ("Added", &diff.added_nodes),
                ("Removed", &diff.removed_nodes),
            ] {
                if nodes.is_empty() {
                    continue;
                }
                writeln!(out)?;
                writeln!(out, "{title} nodes:")?;
                let rows: Vec<[String; 3]> = nodes
                    .iter()
                    .map(|node| {
                        [
                            format!("{}/{}", node.kind.class_name(), node.kind.type_name()),
                            node.name.clone(),
                            node.id.to_string(),
                        ]
                    })
                    .collect();
                write_columns(out, &rows, 2)?;
            }
            if !diff.changed_nodes.is_empty() {
                writeln!(out)?;
                writeln!(out, "Changed nodes:")?;
                for change in &diff.changed_nodes {
                    writeln!(out, "  {} ({})", change.id, change.fields.join(", "))?;
                }
            }
        }
        ReportFormat::Markdown => {
            writeln!(out, "## nhiscope: scan {} → {}", name(older), name(newer))?;
            writeln!(out)?;
            writeln!(out, "| | Findings | Nodes |")?;
            writeln!(out, "| --- | ---: | ---: |")?;
            writeln!(
                out,
                "| New / added | {} | {} |",
                diff.new_findings.len(),
                diff.added_nodes.len()
            )?;
            writeln!(
                out,
                "| Resolved / removed | {} | {} |",
                diff.resolved_findings.len(),
                diff.removed_nodes.len()
            )?;
            writeln!(
                out,
                "| Changed | {} | {} |",
                diff.changed_findings.len(),
                diff.changed_nodes.len()
            )?;
            writeln!(out, "| Unchanged | {} | |", diff.unchanged_findings)?;
            for (title, findings) in [
                ("New findings", &diff.new_findings),
                ("Resolved findings", &diff.resolved_findings),
            ] {
                if findings.is_empty() {
                    continue;
                }
                writeln!(out)?;
                writeln!(out, "### {title}")?;
                writeln!(out)?;
                for finding in findings {
                    writeln!(
                        out,
                        "- {} `{}` at `{}`",
                        finding.severity,
                        finding.rule_id,
                        finding.location.display().replace('`', "'")
                    )?;
                }
            }
        }
        other => {
            return Err(ReportError::Unsupported(format!(
                "a diff cannot be written as {other}: use text, json or markdown"
            )));
        }
    }
    Ok(())
}

fn finding_rows(findings: &[Finding]) -> Vec<[String; 3]> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    sorted
        .iter()
        .map(|finding| {
            [
                finding.severity.as_str().to_ascii_uppercase(),
                finding.rule_id.clone(),
                finding.location.display(),
            ]
        })
        .collect()
}

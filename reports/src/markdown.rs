//! A Markdown summary for `$GITHUB_STEP_SUMMARY` and pull-request comments.

use std::{collections::BTreeMap, io};

use nhiscope_model::{Finding, Severity, SeverityCounts};

use crate::{Report, ReportError, ScanView};

/// Writes the summary: totals by severity and source, the top findings with
/// remediation, what changed since the previous scan, and source errors.
#[derive(Debug, Clone, Copy)]
pub struct MarkdownReport {
    /// How many findings are listed in full (the rest are counted).
    pub top: usize,
}

impl Default for MarkdownReport {
    fn default() -> Self {
        Self { top: 20 }
    }
}

impl Report for MarkdownReport {
    fn write(&self, scan: &ScanView<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
        let record = scan.record;
        let findings = scan.inventory.findings_by_risk();
        let counts = SeverityCounts::of(findings.iter().copied());
        let number = record.number.map_or_else(String::new, |n| format!(" #{n}"));
        writeln!(out, "## nhiscope scan{number}: {}", counts.summary())?;
        writeln!(out)?;
        let items: u64 = record.sources.iter().map(|s| s.items_scanned).sum();
        writeln!(
            out,
            "Scan `{}` ({}), {} nodes in the inventory, {items} items scanned, nhiscope {}.",
            record.id,
            record.status.as_str(),
            scan.inventory.nodes().len(),
            record.tool_version
        )?;
        if scan.baselined > 0 {
            writeln!(
                out,
                "{} known findings were left out by the baseline.",
                scan.baselined
            )?;
        }
        writeln!(out)?;

        writeln!(out, "| Severity | Findings |")?;
        writeln!(out, "| --- | ---: |")?;
        for severity in Severity::DESCENDING {
            writeln!(
                out,
                "| {} {} | {} |",
                icon(severity),
                severity,
                counts.get(severity)
            )?;
        }
        writeln!(out)?;

        let mut by_source: BTreeMap<String, SeverityCounts> = BTreeMap::new();
        for finding in &findings {
            by_source
                .entry(source_of(finding))
                .or_default()
                .add(finding.severity, 1);
        }
        if !by_source.is_empty() {
            writeln!(out, "| Source | Critical | High | Medium | Low | Info |")?;
            writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: |")?;
            for (source, counts) in &by_source {
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    cell(source),
                    counts.critical,
                    counts.high,
                    counts.medium,
                    counts.low,
                    counts.info
                )?;
            }
            writeln!(out)?;
        }

        if let Some(comparison) = scan.comparison {
            let diff = comparison.diff;
            let against = comparison
                .against
                .number
                .map_or_else(|| comparison.against.id.to_string(), |n| format!("#{n}"));
            writeln!(out, "### Since scan {against}")?;
            writeln!(out)?;
            writeln!(
                out,
                "{} new, {} resolved, {} unchanged findings; {} nodes added, {} removed.",
                diff.new_findings.len(),
                diff.resolved_findings.len(),
                diff.unchanged_findings,
                diff.added_nodes.len(),
                diff.removed_nodes.len()
            )?;
            writeln!(out)?;
            if !diff.new_findings.is_empty() {
                writeln!(out, "New:")?;
                writeln!(out)?;
                for finding in diff.new_findings.iter().take(self.top) {
                    writeln!(out, "- {}", one_line(finding))?;
                }
                writeln!(out)?;
            }
            if !diff.resolved_findings.is_empty() {
                writeln!(out, "Resolved:")?;
                writeln!(out)?;
                for finding in diff.resolved_findings.iter().take(self.top) {
                    writeln!(out, "- ~~{}~~", one_line(finding))?;
                }
                writeln!(out)?;
            }
        }

        if !findings.is_empty() {
            writeln!(out, "### Top findings")?;
            writeln!(out)?;
            writeln!(
                out,
                "| Risk | Severity | Rule | Where | Evidence | What to do |"
            )?;
            writeln!(out, "| ---: | --- | --- | --- | --- | --- |")?;
            for finding in findings.iter().take(self.top) {
                let evidence = finding
                    .evidence
                    .as_ref()
                    .map_or_else(String::new, |e| format!("`{}`", e.preview()));
                writeln!(
                    out,
                    "| {} | {} {} | `{}` | `{}` | {} | {} |",
                    finding
                        .risk
                        .map_or_else(|| "-".to_string(), |risk| risk.to_string()),
                    icon(finding.severity),
                    finding.severity,
                    finding.rule_id,
                    cell(&finding.location.display()),
                    evidence,
                    cell(&finding.remediation)
                )?;
            }
            if findings.len() > self.top {
                writeln!(out)?;
                writeln!(
                    out,
                    "…and {} more: see the SARIF upload or the JSON report.",
                    findings.len() - self.top
                )?;
            }
            writeln!(out)?;
        }

        if !record.errors.is_empty() {
            writeln!(out, "### Source errors")?;
            writeln!(out)?;
            for error in &record.errors {
                let scope = if error.fatal {
                    "source failed"
                } else {
                    "item failed"
                };
                writeln!(
                    out,
                    "- **{}** ({scope}): {}",
                    error.collector,
                    cell(&error.message)
                )?;
            }
            writeln!(out)?;
        }
        if !record.skipped.is_empty() {
            writeln!(
                out,
                "{} items were skipped (binary, too large, ignored); the JSON report names them.",
                record.skipped.len()
            )?;
        }
        Ok(())
    }
}

fn icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🟥",
        Severity::High => "🟧",
        Severity::Medium => "🟨",
        Severity::Low => "🟦",
        Severity::Info => "⬜",
    }
}

/// The collector behind a finding, from its tags and location.
fn source_of(finding: &Finding) -> String {
    match &finding.location {
        nhiscope_model::Location::File {
            commit: Some(_), ..
        } => "git history".to_string(),
        nhiscope_model::Location::File { .. } => "files".to_string(),
        nhiscope_model::Location::Resource { provider, .. } => provider.clone(),
    }
}

fn one_line(finding: &Finding) -> String {
    format!(
        "{} `{}` at `{}`",
        finding.severity,
        finding.rule_id,
        cell(&finding.location.display())
    )
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
}

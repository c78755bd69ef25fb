//! The human summary printed to a terminal.

use std::{collections::BTreeMap, io};

use nhiscope_model::SeverityCounts;

use crate::{Report, ReportError, ScanView};

/// Writes a plain-text summary: the scan, the inventory counts, every finding
/// (most severe first), source errors and skipped items.
#[derive(Debug, Clone, Copy)]
pub struct TextReport {
    /// At most this many skipped items are named; the rest are counted.
    pub max_skipped_listed: usize,
}

impl Default for TextReport {
    fn default() -> Self {
        Self {
            max_skipped_listed: 10,
        }
    }
}

impl Report for TextReport {
    fn write(&self, scan: &ScanView<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
        let record = scan.record;
        let inventory = scan.inventory;
        let items: u64 = record.sources.iter().map(|s| s.items_scanned).sum();
        let seconds = record
            .finished_at
            .duration_since(record.started_at)
            .as_secs_f64();
        let number = record
            .number
            .map_or_else(String::new, |number| format!(" #{number}"));
        writeln!(
            out,
            "Scan{number} {} ({}): {items} items scanned in {seconds:.1}s",
            record.id,
            record.status.as_str()
        )?;
        for source in record.sources.iter().filter(|s| !s.objects_read.is_empty()) {
            let kinds: Vec<String> = source
                .objects_read
                .iter()
                .map(|(kind, count)| format!("{count} {kind}"))
                .collect();
            writeln!(out, "Read by {}: {}", source.collector, kinds.join(", "))?;
        }

        let mut by_class: BTreeMap<&str, usize> = BTreeMap::new();
        for ((class, _), count) in inventory.node_counts() {
            *by_class.entry(class).or_default() += count;
        }
        let classes: Vec<String> = by_class
            .iter()
            .map(|(class, count)| format!("{count} {class}"))
            .collect();
        writeln!(
            out,
            "Inventory: {} nodes{}, {} edges",
            inventory.nodes().len(),
            if classes.is_empty() {
                String::new()
            } else {
                format!(" ({})", classes.join(", "))
            },
            inventory.edges().len()
        )?;

        let findings = inventory.findings_by_risk();
        let counts = SeverityCounts::of(findings.iter().copied());
        writeln!(out)?;
        let baselined = if scan.baselined > 0 {
            format!("; {} more left out by the baseline", scan.baselined)
        } else {
            String::new()
        };
        if findings.is_empty() {
            writeln!(out, "Findings: none{baselined}")?;
        } else {
            writeln!(
                out,
                "Findings: {} ({}){baselined}, highest risk first",
                findings.len(),
                counts.describe()
            )?;
            // Ordered by risk (the graph analyses' score), shown first.
            let rows: Vec<[String; 5]> = findings
                .iter()
                .map(|f| {
                    [
                        f.risk
                            .map_or_else(|| "-".to_string(), |risk| risk.to_string()),
                        f.severity.as_str().to_ascii_uppercase(),
                        f.rule_id.clone(),
                        f.location.display(),
                        f.evidence
                            .as_ref()
                            .map_or_else(String::new, |e| e.preview().to_string()),
                    ]
                })
                .collect();
            crate::write_columns(out, &rows, 2)?;
        }

        if !record.errors.is_empty() {
            writeln!(out)?;
            writeln!(out, "Source errors: {}", record.errors.len())?;
            for error in &record.errors {
                let scope = if error.fatal {
                    "source failed"
                } else {
                    "item failed"
                };
                writeln!(out, "  {} ({scope}): {}", error.collector, error.message)?;
            }
        }
        if !record.skipped.is_empty() {
            let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
            for item in &record.skipped {
                *reasons.entry(item.reason.as_str()).or_default() += 1;
            }
            let reasons: Vec<String> = reasons
                .iter()
                .map(|(reason, count)| format!("{count} {reason}"))
                .collect();
            writeln!(out)?;
            writeln!(
                out,
                "Skipped: {} ({})",
                record.skipped.len(),
                reasons.join(", ")
            )?;
            for item in record.skipped.iter().take(self.max_skipped_listed) {
                writeln!(out, "  {} ({})", item.location, item.reason)?;
            }
            let rest = record.skipped.len().saturating_sub(self.max_skipped_listed);
            if rest > 0 {
                writeln!(out, "  … and {rest} more (the JSON report lists them all)")?;
            }
        }
        Ok(())
    }
}

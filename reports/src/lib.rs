//! Report formats. Each format is one implementation of the small [`Report`]
//! trait over a [`ScanView`] (a scan's record and inventory); [`report_for`]
//! picks the implementation for a [`ReportFormat`]. Reports never contain a
//! secret: the inventory they render carries only fingerprints and previews.

mod code_scanning;
mod csv;
mod diff;
mod inventory;
mod json;
mod markdown;
mod sarif;
mod text;

use std::{fmt, io, path::Path, str::FromStr};

use nhiscope_model::{Inventory, RuleDescriptor, ScanDiff, ScanRecord, ScanRef};

pub use code_scanning::code_scanning_problems;
pub use csv::CsvReport;
pub use diff::write_diff;
pub use inventory::{INVENTORY_COLUMNS, InventoryFormat, inventory_nodes, write_inventory};
pub use json::{JSON_SCHEMA_VERSION, JsonReport};
pub use markdown::MarkdownReport;
pub use sarif::{MAX_SARIF_RESULTS, MAX_SARIF_UPLOAD_BYTES, SarifReport, security_severity};
pub use text::TextReport;

/// A scan as reports see it.
#[derive(Debug, Clone, Copy)]
pub struct ScanView<'a> {
    /// When, how and with what errors the scan ran.
    pub record: &'a ScanRecord,
    /// What it found (without baselined findings).
    pub inventory: &'a Inventory,
    /// How many findings a baseline left out.
    pub baselined: usize,
    /// Every rule and detector that can fire (for SARIF's rule list).
    pub rules: &'a [RuleDescriptor],
    /// The previous scan of the same sources and what changed since.
    pub comparison: Option<Comparison<'a>>,
    /// File paths in SARIF are made relative to this directory (the checkout
    /// a CI job runs in); `None` keeps them as scanned.
    pub source_root: Option<&'a Path>,
    /// The config file the scan used, the place cloud and cluster findings
    /// point at in SARIF when they came from no export file.
    pub config_file: Option<&'a str>,
    /// SARIF's `automationDetails.id` category (`nhiscope/nightly`).
    pub category: Option<&'a str>,
}

impl<'a> ScanView<'a> {
    /// A view of a scan with no rules, comparison or SARIF settings.
    pub fn new(record: &'a ScanRecord, inventory: &'a Inventory) -> Self {
        Self {
            record,
            inventory,
            baselined: 0,
            rules: &[],
            comparison: None,
            source_root: None,
            config_file: None,
            category: None,
        }
    }
}

/// A scan compared with an earlier one.
#[derive(Debug, Clone, Copy)]
pub struct Comparison<'a> {
    /// The earlier scan.
    pub against: &'a ScanRef,
    /// What changed.
    pub diff: &'a ScanDiff,
}

/// A report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing to the output failed.
    #[error("writing the report: {0}")]
    Io(#[from] io::Error),
    /// Serialising failed.
    #[error("serialising the report: {0}")]
    Serialize(#[from] serde_json::Error),
    /// The format does not apply to what was asked.
    #[error("{0}")]
    Unsupported(String),
}

/// Renders a scan in one format.
pub trait Report {
    /// Writes the report for `scan` to `out`.
    fn write(&self, scan: &ScanView<'_>, out: &mut dyn io::Write) -> Result<(), ReportError>;
}

/// The formats nhiscope can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// A human summary for the terminal.
    Text,
    /// The versioned JSON report (docs/report-json.md).
    Json,
    /// SARIF 2.1.0, for code scanning (docs/sarif.md).
    Sarif,
    /// A Markdown summary for `$GITHUB_STEP_SUMMARY` and pull requests.
    Markdown,
    /// One row per finding, for spreadsheets.
    Csv,
}

impl ReportFormat {
    /// Every format, for help texts.
    pub const ALL: &'static [ReportFormat] = &[
        ReportFormat::Text,
        ReportFormat::Json,
        ReportFormat::Sarif,
        ReportFormat::Markdown,
        ReportFormat::Csv,
    ];

    /// The format's name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Text => "text",
            ReportFormat::Json => "json",
            ReportFormat::Sarif => "sarif",
            ReportFormat::Markdown => "markdown",
            ReportFormat::Csv => "csv",
        }
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|format| format.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown format `{text}`: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// The report implementation for a format.
pub fn report_for(format: ReportFormat) -> Box<dyn Report> {
    match format {
        ReportFormat::Text => Box::new(TextReport::default()),
        ReportFormat::Json => Box::new(JsonReport),
        ReportFormat::Sarif => Box::new(SarifReport::default()),
        ReportFormat::Markdown => Box::new(MarkdownReport::default()),
        ReportFormat::Csv => Box::new(CsvReport),
    }
}

/// Writes rows as left-aligned columns two spaces apart, each line indented by
/// `indent` spaces; the last column is not padded. Shared by every plain-text
/// listing so they all look alike.
pub fn write_columns<R: AsRef<[String]>>(
    out: &mut dyn io::Write,
    rows: &[R],
    indent: usize,
) -> io::Result<()> {
    let columns = rows.iter().map(|row| row.as_ref().len()).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row.as_ref()) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in rows {
        let row = row.as_ref();
        let mut line = " ".repeat(indent);
        for (index, (cell, width)) in row.iter().zip(&widths).enumerate() {
            line.push_str(cell);
            if index + 1 < row.len() {
                line.push_str(&" ".repeat(width - cell.chars().count() + 2));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

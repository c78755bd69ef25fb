//! `nhiscope findings`: the findings of a stored scan.

use nhiscope_model::{Finding, Severity};

use super::{open_store, write_output};
use crate::{
    cli::{FindingsArgs, FormatArg, GlobalArgs},
    exit::Exit,
};

/// Runs `nhiscope findings`.
pub fn run(global: &GlobalArgs, args: &FindingsArgs) -> anyhow::Result<Exit> {
    let store = open_store(global)?;
    let record = store.resolve(&args.scan)?;
    let inventory = store.load_inventory(&record.id)?;
    let threshold: Severity = args.severity.map_or(Severity::Info, Into::into);
    let baseline = args
        .baseline
        .as_deref()
        .map(super::baseline::read)
        .transpose()?;
    let findings: Vec<&Finding> = inventory
        .findings_by_risk()
        .into_iter()
        .filter(|finding| finding.severity >= threshold)
        .filter(|finding| !baseline.as_ref().is_some_and(|b| b.contains(finding)))
        .collect();
    write_output(None, |out| {
        match args.format {
            FormatArg::Json => {
                serde_json::to_writer_pretty(&mut *out, &findings)?;
                writeln!(out)?;
            }
            FormatArg::Text => {
                let number = record.number.unwrap_or(0);
                if findings.is_empty() {
                    writeln!(out, "Scan #{number}: no findings at or above {threshold}.")?;
                    return Ok(());
                }
                let mut rows = vec![[
                    "SEVERITY".to_string(),
                    "RULE".into(),
                    "LOCATION".into(),
                    "EVIDENCE".into(),
                    "TITLE".into(),
                ]];
                for finding in &findings {
                    rows.push([
                        finding.severity.as_str().to_ascii_uppercase(),
                        finding.rule_id.clone(),
                        finding.location.display(),
                        finding
                            .evidence
                            .as_ref()
                            .map_or_else(String::new, |e| e.preview().to_string()),
                        finding.title.clone(),
                    ]);
                }
                nhiscope_reports::write_columns(out, &rows, 0)?;
            }
        }
        Ok(())
    })?;
    Ok(Exit::Clean)
}

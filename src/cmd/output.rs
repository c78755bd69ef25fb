//! Report outputs: which formats go where, several in one run.

use std::path::PathBuf;

use anyhow::bail;
use nhiscope_reports::{ReportFormat, ScanView, report_for};

use super::write_output;
use crate::cli::ReportOutputArgs;

/// One report to write: a format and a file (`None` for stdout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputTarget {
    pub format: ReportFormat,
    pub path: Option<PathBuf>,
}

/// The reports `--format` and `--output` ask for. With no `--output`, one
/// report in `--format` on stdout.
pub fn targets(args: &ReportOutputArgs) -> anyhow::Result<Vec<OutputTarget>> {
    let mut targets = Vec::new();
    for output in &args.output {
        let (format, path) = match output.split_once('=') {
            Some((name, path)) if name.parse::<ReportFormat>().is_ok() => (
                name.parse::<ReportFormat>().map_err(anyhow::Error::msg)?,
                path,
            ),
            _ => (args.format, output.as_str()),
        };
        if path.is_empty() {
            bail!("--output {output} names no file: use FORMAT=FILE, or FORMAT=- for stdout");
        }
        let path = (path != "-").then(|| PathBuf::from(path));
        targets.push(OutputTarget { format, path });
    }
    if targets.is_empty() {
        targets.push(OutputTarget {
            format: args.format,
            path: None,
        });
    }
    if targets
        .iter()
        .filter(|target| target.path.is_none())
        .count()
        > 1
    {
        bail!("more than one report goes to stdout: give all but one --output a file");
    }
    Ok(targets)
}

/// Writes every target's report of `view`.
pub fn write_reports(targets: &[OutputTarget], view: &ScanView<'_>) -> anyhow::Result<()> {
    for target in targets {
        write_output(target.path.as_deref(), |out| {
            report_for(target.format).write(view, out)?;
            Ok(())
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(format: ReportFormat, outputs: &[&str]) -> ReportOutputArgs {
        ReportOutputArgs {
            format,
            output: outputs.iter().map(|o| o.to_string()).collect(),
            category: None,
        }
    }

    #[test]
    fn outputs_name_formats_and_files() {
        let parsed = targets(&args(
            ReportFormat::Json,
            &["sarif=out.sarif", "report.json", "markdown=-"],
        ))
        .expect("valid");
        assert_eq!(
            parsed,
            [
                OutputTarget {
                    format: ReportFormat::Sarif,
                    path: Some("out.sarif".into())
                },
                OutputTarget {
                    format: ReportFormat::Json,
                    path: Some("report.json".into())
                },
                OutputTarget {
                    format: ReportFormat::Markdown,
                    path: None
                },
            ]
        );
        // A file whose name has `=` but no format before it is a file.
        let parsed = targets(&args(ReportFormat::Csv, &["a=b.csv"])).expect("valid");
        assert_eq!(
            parsed[0].path.as_deref(),
            Some(std::path::Path::new("a=b.csv"))
        );
        assert!(targets(&args(ReportFormat::Json, &["json=-", "sarif=-"])).is_err());
        assert!(targets(&args(ReportFormat::Json, &["sarif="])).is_err());
    }
}

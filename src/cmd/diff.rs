//! `nhiscope diff`: what changed between two stored scans.

use anyhow::bail;
use nhiscope_graph::ScanSelector;
use nhiscope_model::{ScanDiff, Severity};

use super::{open_store, write_output};
use crate::{
    cli::{DiffArgs, GlobalArgs},
    exit::Exit,
};

/// Runs `nhiscope diff`.
pub fn run(global: &GlobalArgs, args: &DiffArgs) -> anyhow::Result<Exit> {
    let store = open_store(global)?;
    // With one scan named, it is the older one and the newer is the latest.
    let newer = store.resolve(args.newer.as_ref().unwrap_or(&ScanSelector::Latest))?;
    let older = match &args.older {
        Some(selector) => store.resolve(selector)?,
        None => match store.previous(&newer)? {
            Some(previous) => previous,
            None => bail!(
                "scan #{} has no earlier scan of the same sources to compare with; name both scans (`nhiscope diff 1 3`)",
                newer.number.unwrap_or(0)
            ),
        },
    };
    let diff = ScanDiff::between(
        &store.load_inventory(&older.id)?,
        &store.load_inventory(&newer.id)?,
    );
    write_output(None, |out| {
        nhiscope_reports::write_diff(args.format, &older, &newer, &diff, out)?;
        Ok(())
    })?;
    let threshold: Option<Severity> = args.fail_on.map(Into::into);
    let failing = threshold.is_some_and(|threshold| {
        diff.new_findings
            .iter()
            .any(|finding| finding.severity >= threshold)
    });
    Ok(if failing { Exit::Findings } else { Exit::Clean })
}

//! `nhiscope report`: render a stored scan again, in any format.

use nhiscope_reports::{ScanView, report_for};

use super::{open_store, write_output};
use crate::{
    cli::{GlobalArgs, ReportArgs},
    exit::Exit,
};

/// Runs `nhiscope report`.
pub fn run(global: &GlobalArgs, args: &ReportArgs) -> anyhow::Result<Exit> {
    let store = open_store(global)?;
    let record = store.resolve(&args.scan)?;
    let inventory = store.load_inventory(&record.id)?;
    let view = ScanView {
        record: &record,
        inventory: &inventory,
        baselined: 0,
    };
    write_output(args.output.as_deref(), |out| {
        report_for(args.format.into()).write(&view, out)?;
        Ok(())
    })?;
    Ok(Exit::Clean)
}

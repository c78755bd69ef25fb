//! `nhiscope report`: render a stored scan again, in any format.

use nhiscope_reports::{Comparison, ScanView};

use super::{compare_with_previous, load_config, load_rules, open_store};
use crate::{
    cli::{GlobalArgs, ReportArgs},
    exit::Exit,
    registry,
};

/// Runs `nhiscope report`.
pub fn run(global: &GlobalArgs, args: &ReportArgs) -> anyhow::Result<Exit> {
    let outputs = super::output::targets(&args.report)?;
    let config = load_config(global)?;
    let descriptors = registry::rule_descriptors(&*load_rules(global, &config)?);
    let store = open_store(global)?;
    let record = store.resolve(&args.scan)?;
    let inventory = store.load_inventory(&record.id)?;
    let comparison = if args.compare {
        compare_with_previous(&store, &record, &inventory)?
    } else {
        None
    };
    let source_root = std::env::current_dir().ok();
    let config_file = config
        .origin
        .as_ref()
        .map(|path| path.display().to_string());
    let view = ScanView {
        rules: &descriptors,
        comparison: comparison
            .as_ref()
            .map(|(against, diff)| Comparison { against, diff }),
        source_root: source_root.as_deref(),
        config_file: config_file.as_deref(),
        category: args.report.category.as_deref(),
        ..ScanView::new(&record, &inventory)
    };
    super::output::write_reports(&outputs, &view)?;
    Ok(Exit::Clean)
}

//! `nhiscope baseline create`, and reading baselines for other commands.

use std::path::Path;

use anyhow::{Context, bail};
use jiff::Timestamp;
use nhiscope_model::{BASELINE_VERSION, Baseline};

use super::open_store;
use crate::{
    cli::{BaselineCommand, BaselineCreateArgs, GlobalArgs},
    exit::Exit,
};

/// Runs `nhiscope baseline ...`.
pub fn run(global: &GlobalArgs, command: &BaselineCommand) -> anyhow::Result<Exit> {
    match command {
        BaselineCommand::Create(args) => create(global, args),
    }
}

fn create(global: &GlobalArgs, args: &BaselineCreateArgs) -> anyhow::Result<Exit> {
    let store = open_store(global)?;
    let record = store.resolve(&args.scan)?;
    let inventory = store.load_inventory(&record.id)?;
    let baseline = Baseline::record(
        record.id.to_string(),
        Timestamp::now(),
        inventory.findings(),
    );
    let mut text = serde_json::to_string_pretty(&baseline)?;
    text.push('\n');
    std::fs::write(&args.file, text)
        .with_context(|| format!("cannot write the baseline {}", args.file.display()))?;
    if !global.quiet {
        eprintln!(
            "recorded {} findings of scan #{} in {}",
            baseline.findings.len(),
            record.number.unwrap_or(0),
            args.file.display()
        );
    }
    Ok(Exit::Clean)
}

/// Reads a baseline file, refusing other versions with a clear message.
pub fn read(path: &Path) -> anyhow::Result<Baseline> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the baseline {}", path.display()))?;
    let baseline: Baseline = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not an nhiscope baseline; make one with `nhiscope baseline create FILE`",
            path.display()
        )
    })?;
    if baseline.version != BASELINE_VERSION {
        bail!(
            "the baseline {} has version {} and this nhiscope reads version {BASELINE_VERSION}; recreate it with `nhiscope baseline create`",
            path.display(),
            baseline.version
        );
    }
    Ok(baseline)
}

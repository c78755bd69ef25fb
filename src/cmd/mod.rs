//! One module per subcommand.

mod baseline;
mod blast_radius;
mod diff;
mod findings;
mod graph;
mod inventory;
mod output;
mod path;
mod query;
mod report;
mod rules;
mod scan;
mod scans;
mod tui;

use std::{
    fs::File,
    io::{self, BufWriter, Write},
    path::{Path, PathBuf},
};

use std::sync::Arc;

use anyhow::Context;
use nhiscope_graph::{DEFAULT_STORE_PATH, Store};
use nhiscope_secrets::RuleSet;

use crate::{
    cli::{Cli, Command, GlobalArgs},
    config::Config,
    exit::Exit,
    registry,
};

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Scan(args) => scan::run(&cli.global, *args).await,
        Command::Scans(args) => scans::run(&cli.global, &args),
        Command::Findings(args) => findings::run(&cli.global, &args),
        Command::Report(args) => report::run(&cli.global, &args),
        Command::Rules(command) => rules::run(&cli.global, &command),
        Command::Baseline(command) => baseline::run(&cli.global, &command),
        Command::Diff(args) => diff::run(&cli.global, &args),
        Command::Inventory(args) => inventory::run(&cli.global, &args),
        Command::Query(args) => query::run(&cli.global, &args),
        Command::Path(args) => path::run(&cli.global, &args),
        Command::BlastRadius(args) => blast_radius::run(&cli.global, &args),
        Command::Graph(args) => graph::run(&cli.global, &args),
        Command::Tui(args) => tui::run(&cli.global, &args),
    }
}

/// The store path: `--db`, else the config's `[scan] db`, else the default.
fn store_path(global: &GlobalArgs, from_config: Option<&Path>) -> PathBuf {
    global
        .db
        .clone()
        .or_else(|| from_config.map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_STORE_PATH))
}

/// Loads the config (`--config`, or ./nhiscope.toml) against every collector.
fn load_config(global: &GlobalArgs) -> anyhow::Result<Config> {
    Config::load(
        global.config.as_deref(),
        &registry::collectors(RuleSet::builtin()),
    )
}

/// The active rules: the built-in rules (unless `--no-default-rules` or
/// `[scan] default_rules = false`) plus every `[scan] rules` and `--rules` file.
fn load_rules(global: &GlobalArgs, config: &Config) -> anyhow::Result<Arc<RuleSet>> {
    let mut files: Vec<PathBuf> = config.scan.rules.clone();
    files.extend(global.rule_files.iter().cloned());
    let use_default = !global.no_default_rules && config.scan.default_rules.unwrap_or(true);
    if files.is_empty() && use_default {
        return Ok(RuleSet::builtin());
    }
    if files.is_empty() {
        anyhow::bail!("--no-default-rules leaves no rules: pass rule files with --rules FILE");
    }
    let mut texts = Vec::with_capacity(files.len());
    for file in &files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the rules file {}", file.display()))?;
        texts.push((file.display().to_string(), text));
    }
    let mut sources: Vec<(&str, &str)> = Vec::new();
    if use_default {
        sources.extend(RuleSet::builtin_sources().iter().copied());
    }
    sources.extend(
        texts
            .iter()
            .map(|(origin, text)| (origin.as_str(), text.as_str())),
    );
    Ok(Arc::new(RuleSet::from_sources(&sources)?))
}

/// The scan before `record` of the same sources, and what changed since.
fn compare_with_previous(
    store: &Store,
    record: &nhiscope_model::ScanRecord,
    inventory: &nhiscope_model::Inventory,
) -> anyhow::Result<Option<(nhiscope_model::ScanRef, nhiscope_model::ScanDiff)>> {
    let Some(previous) = store.previous(record)? else {
        return Ok(None);
    };
    let older = store.load_inventory(&previous.id)?;
    Ok(Some((
        nhiscope_model::ScanRef {
            id: previous.id,
            number: previous.number,
        },
        nhiscope_model::ScanDiff::between(&older, inventory),
    )))
}

/// Opens the store for reading, for commands that show stored scans.
fn open_store(global: &GlobalArgs) -> anyhow::Result<Store> {
    let config = load_config(global)?;
    Ok(Store::open_read_only(&store_path(
        global,
        config.scan.db.as_deref(),
    ))?)
}

/// Writes to `path` (or stdout when `None` or `-`) through a buffer, flushing
/// at the end so errors are not lost.
fn write_output(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match path {
        Some(path) if path != Path::new("-") => {
            let file = File::create(path)
                .with_context(|| format!("cannot create the output file {}", path.display()))?;
            let mut out = BufWriter::new(file);
            write(&mut out)?;
            out.flush()
                .with_context(|| format!("writing {}", path.display()))?;
        }
        _ => {
            let stdout = io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            write(&mut out)?;
            match out.flush() {
                // A closed pipe (`| head`) is the reader's choice, not an error.
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {}
                other => other.context("writing to stdout")?,
            }
        }
    }
    Ok(())
}

/// The graph node a user names: an id, a native id (ARN, key id) or a name.
/// Several matches are an error that lists them, so the user can pick one.
fn resolve_node(
    store: &Store,
    scan: &nhiscope_model::ScanId,
    graph: &nhiscope_graph::Graph,
    text: &str,
) -> anyhow::Result<nhiscope_graph::NodeIndex> {
    if let Some(node) = graph.find(text) {
        return Ok(node);
    }
    let found = store.find_nodes(scan, text)?;
    match found.as_slice() {
        [] => anyhow::bail!(
            "no node of this scan is `{text}`: give a node id, a native id (ARN, key id) or a name; `nhiscope inventory` lists them"
        ),
        [(id, _)] => graph
            .find(id)
            .with_context(|| format!("node {id} is not in the scan's graph")),
        many => {
            let shown: Vec<&str> = many.iter().take(5).map(|(id, _)| id.as_str()).collect();
            anyhow::bail!(
                "`{text}` names {} nodes ({}{}); give the node id",
                many.len(),
                shown.join(", "),
                if many.len() > 5 { ", ..." } else { "" }
            )
        }
    }
}

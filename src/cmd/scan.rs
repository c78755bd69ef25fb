//! `nhiscope scan`: run the collectors, store the scan, write the report.

use std::{io::IsTerminal, path::PathBuf, sync::Arc, time::Duration};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::Timestamp;
use nhiscope_collect::{
    CollectContext, CollectorRun, FixedClock, Limits, Progress, ScanOutcome, SystemClock,
    run_collectors,
};
use nhiscope_collector_git::is_repository_root;
use nhiscope_graph::{
    AnalysisSettings, GraphResults, Pattern, Store, analyse, correlate, graph_of,
};
use nhiscope_model::{ScanId, ScanRecord, ScanStatus, Severity, SeverityCounts};
use nhiscope_reports::{Comparison, ScanView};
use tokio_util::sync::CancellationToken;

use super::{load_config, load_rules, store_path};
use crate::{
    cli::{GlobalArgs, ScanArgs},
    config::Config,
    exit::Exit,
    registry,
};

/// Runs `nhiscope scan`.
pub async fn run(global: &GlobalArgs, args: ScanArgs) -> anyhow::Result<Exit> {
    let mut config = load_config(global)?;
    let rules = load_rules(global, &config)?;
    apply_arguments(&mut config, &args)?;
    let collectors = registry::collectors(rules.clone());
    for collector in &collectors {
        if let Some(toml::Value::Table(section)) = config.collectors.get(collector.id()) {
            // The arguments may have changed the section (a bad --exclude glob).
            collector.check_config(section)?;
        }
    }
    check_paths(&config)?;
    let outputs = super::output::targets(&args.report)?;
    let descriptors = registry::rule_descriptors(&rules);
    let baseline = args
        .baseline
        .as_deref()
        .or(config.scan.baseline.as_deref())
        .map(super::baseline::read)
        .transpose()?;

    let store_path = store_path(global, config.scan.db.as_deref());
    // Open the store before scanning, so a bad store fails in a second, not
    // after a long scan; and so a refused store is never written.
    let mut store = if args.no_store {
        None
    } else {
        Some(Store::open_or_create(&store_path)?)
    };

    let started_at = Timestamp::now();
    let scan_id = ScanId::new(started_at);
    let cancel = CancellationToken::new();
    watch_interrupts(cancel.clone())?;
    let mut limits = Limits::default();
    if let Some(size) = config.scan.max_file_size {
        limits.max_file_size = size;
    }
    if let Some(concurrency) = config.scan.concurrency {
        limits.concurrency = concurrency;
    }
    let mut runs = Vec::new();
    for collector in collectors {
        let Some(toml::Value::Table(section)) = config.collectors.get(collector.id()) else {
            continue;
        };
        runs.push(CollectorRun {
            targets: targets(section),
            context: CollectContext {
                scan_id,
                clock: match args.as_of {
                    Some(as_of) => Arc::new(FixedClock(as_of)),
                    None => Arc::new(SystemClock),
                },
                limits,
                cancel: cancel.clone(),
                config: section.clone(),
            },
            collector,
        });
    }
    tracing::info!(%scan_id, collectors = runs.len(), "scan started");

    let progress = progress_bar(global.quiet);
    let bar = progress.clone();
    let outcome = run_collectors(
        runs,
        Arc::new(move |p: Progress| {
            bar.set_message(format!(
                "{} items scanned, {} nodes, {} findings",
                p.items_scanned, p.nodes, p.findings
            ));
        }),
    )
    .await;
    progress.finish_and_clear();

    // Join what several collectors saw of one credential, then analyse the
    // access graph of everything collected.
    let mut outcome = outcome;
    let analysis_started = std::time::Instant::now();
    let correlation = correlate(&mut outcome.inventory);
    for finding in correlation.findings {
        outcome.inventory.add_finding(finding);
    }
    let crown_jewels: Vec<Pattern> = config
        .analysis
        .crown_jewels
        .iter()
        .map(|glob| Pattern::new(glob.as_str()))
        .collect();
    let graph = graph_of(&outcome.inventory, &crown_jewels);
    let mut settings = AnalysisSettings::new(args.as_of.unwrap_or_else(Timestamp::now));
    if let Some(limit) = config.analysis.reach_limit {
        settings.reach_limit = limit;
    }
    let analysis = analyse(&graph, &settings);
    rank_findings(&mut outcome.inventory, &graph, &analysis);
    tracing::info!(
        merged = correlation.merged.len(),
        nodes = graph.node_count(),
        edges = graph.edge_count(),
        scored = analysis.scores.len(),
        attack_paths = analysis.paths.len(),
        elapsed_ms = analysis_started.elapsed().as_millis() as u64,
        "graph analysed"
    );

    let record = scan_record(scan_id, started_at, &outcome);
    let record = match store.as_mut() {
        Some(store) => {
            let results = GraphResults {
                graph: &graph,
                analysis: &analysis,
            };
            let number = store
                .write_scan(&record, &outcome.inventory, Some(results))
                .context("the scan was not stored; earlier scans are intact")?;
            ScanRecord {
                number: Some(number),
                ..record
            }
        }
        None => record,
    };

    // What changed since the previous scan of the same sources.
    let comparison = match store.as_ref() {
        Some(store) => super::compare_with_previous(store, &record, &outcome.inventory)?,
        None => None,
    };

    // The store keeps every finding; the report and the exit code leave out
    // what the baseline accepted.
    let baselined = baseline.as_ref().map_or(0, |baseline| {
        outcome
            .inventory
            .retain_findings(|finding| !baseline.contains(finding))
    });
    let source_root = std::env::current_dir().ok();
    let config_file = config
        .origin
        .as_ref()
        .map(|path| path.display().to_string());
    let view = ScanView {
        baselined,
        rules: &descriptors,
        comparison: comparison
            .as_ref()
            .map(|(against, diff)| Comparison { against, diff }),
        source_root: source_root.as_deref(),
        config_file: config_file.as_deref(),
        category: args.report.category.as_deref(),
        ..ScanView::new(&record, &outcome.inventory)
    };
    super::output::write_reports(&outputs, &view)?;

    if !global.quiet {
        eprintln!("{}", summary_line(&record, &outcome, store.as_ref()));
    }
    let fail_on: Option<Severity> = args.fail_on.map(Into::into).or(config.scan.fail_on);
    // With --new-only, only findings the previous scan did not have count.
    let new = comparison.as_ref().map(|(_, diff)| {
        diff.new_findings
            .iter()
            .map(|finding| finding.fingerprint)
            .collect::<std::collections::HashSet<_>>()
    });
    let gating: Vec<&nhiscope_model::Finding> = outcome
        .inventory
        .findings()
        .filter(|finding| {
            !args.new_only
                || new
                    .as_ref()
                    .is_none_or(|new| new.contains(&finding.fingerprint))
        })
        .collect();
    Ok(exit_for(&record, &gating, fail_on))
}

/// The lowest risk a finding of each severity ranks at, so a critical
/// finding about a node the graph did not score still ranks high.
fn severity_floor(severity: Severity) -> u8 {
    match severity {
        Severity::Critical => 50,
        Severity::High => 35,
        Severity::Medium => 20,
        Severity::Low => 10,
        Severity::Info => 0,
    }
}

/// Gives each finding the risk of the riskiest node it is about (at least
/// its severity's floor), which is how reports order them.
fn rank_findings(
    inventory: &mut nhiscope_model::Inventory,
    graph: &nhiscope_graph::Graph,
    analysis: &nhiscope_graph::Analysis,
) {
    for finding in inventory.findings_mut() {
        let nodes = finding
            .nodes
            .iter()
            .filter_map(|id| graph.find(id.as_str()))
            .filter_map(|node| analysis.score(node))
            .map(|score| score.risk)
            .max()
            .unwrap_or(0);
        finding.risk = Some(nodes.max(severity_floor(finding.severity)));
    }
}

/// Folds the command-line arguments into the config.
///
/// The `fs` collector runs when PATH arguments are given, when `[fs]` is
/// configured, or when nothing at all is configured (then it scans `.`); PATH
/// arguments replace `[fs] paths`. Every PATH that is a repository root also
/// has its history read by the `git` collector, unless `--no-history`; a bare
/// repository is read only that way. `--staged` reads only the index.
fn apply_arguments(config: &mut Config, args: &ScanArgs) -> anyhow::Result<()> {
    if let Some(size) = args.max_file_size {
        config.scan.max_file_size = Some(size);
    }
    apply_aws_arguments(config, &args.aws);
    apply_k8s_arguments(config, &args.k8s);
    let paths: Vec<PathBuf> = if args.paths.is_empty() && config.collectors.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let repos: Vec<&PathBuf> = paths
        .iter()
        .filter(|path| path.as_os_str() != "-" && is_repository_root(path))
        .collect();
    let text = |value: String| toml::Value::String(value);
    let path_list = |paths: &[&PathBuf]| {
        toml::Value::Array(
            paths
                .iter()
                .map(|p| text(p.display().to_string()))
                .collect(),
        )
    };

    if args.staged {
        if repos.is_empty() {
            bail!("--staged needs a git repository: pass the repository's root as PATH");
        }
        config.collectors.remove("fs");
        let git = section(config, "git");
        git.insert("repos".into(), path_list(&repos));
        git.insert("staged".into(), toml::Value::Boolean(true));
        return Ok(());
    }

    if !paths.is_empty() || config.collectors.contains_key("fs") {
        let fs = section(config, "fs");
        if !paths.is_empty() {
            // A bare repository has no files to walk, only history.
            let files: Vec<&PathBuf> = paths
                .iter()
                .filter(|path| !is_repository_root(path) || path.join(".git").exists())
                .collect();
            fs.insert("paths".into(), path_list(&files));
        }
        fs.entry("paths")
            .or_insert_with(|| toml::Value::Array(vec![text(".".into())]));
        if args.include_ignored {
            fs.insert("include_ignored".into(), toml::Value::Boolean(true));
        }
        if let Some(size) = args.max_file_size {
            let size = i64::try_from(size).unwrap_or(i64::MAX);
            fs.insert("max_file_size".into(), toml::Value::Integer(size));
        }
        if !args.exclude.is_empty()
            && let toml::Value::Array(excludes) = fs
                .entry("exclude")
                .or_insert_with(|| toml::Value::Array(Vec::new()))
        {
            excludes.extend(args.exclude.iter().cloned().map(text));
        }
        if fs
            .get("paths")
            .and_then(toml::Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            config.collectors.remove("fs");
        }
    }

    manifests_from_paths(config);

    if args.no_history {
        config.collectors.remove("git");
        return Ok(());
    }
    if !repos.is_empty() {
        section(config, "git").insert("repos".into(), path_list(&repos));
    }
    if let Some(since) = &args.since {
        if !config.collectors.contains_key("git") {
            bail!("--since needs a git repository: pass the repository's root as PATH");
        }
        section(config, "git").insert("since".into(), text(since.clone()));
    }
    if let Some(size) = args.max_file_size
        && let Some(toml::Value::Table(git)) = config.collectors.get_mut("git")
    {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        git.insert("max_file_size".into(), toml::Value::Integer(size));
    }
    Ok(())
}

/// `--aws*` flags into the `[aws]` section: any of them enables the collector;
/// exports are added to the configured ones.
fn apply_aws_arguments(config: &mut Config, aws: &crate::cli::AwsArgs) {
    let live = aws.aws
        || aws.aws_profile.is_some()
        || !aws.aws_assume_role.is_empty()
        || aws.aws_organization;
    if !live && aws.aws_export.is_empty() {
        return;
    }
    let text = |value: String| toml::Value::String(value);
    let section = section(config, "aws");
    if live {
        section.insert("live".into(), toml::Value::Boolean(true));
    }
    if let Some(profile) = &aws.aws_profile {
        section.insert("profile".into(), text(profile.clone()));
    }
    if aws.aws_organization {
        section.insert("organization".into(), toml::Value::Boolean(true));
    }
    extend_list(section, "assume_roles", aws.aws_assume_role.clone());
    extend_list(
        section,
        "exports",
        aws.aws_export
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
    );
}

/// `--k8s*` flags into the `[kubernetes]` section: any of them enables the
/// collector; exports and contexts are added to the configured ones.
fn apply_k8s_arguments(config: &mut Config, k8s: &crate::cli::K8sArgs) {
    let live = k8s.k8s || !k8s.context.is_empty() || k8s.all_contexts || k8s.in_cluster;
    if !live && k8s.k8s_export.is_empty() && k8s.kubeconfig.is_none() {
        return;
    }
    let text = |value: String| toml::Value::String(value);
    let section = section(config, "kubernetes");
    if live || k8s.kubeconfig.is_some() {
        section.insert("live".into(), toml::Value::Boolean(true));
    }
    if k8s.all_contexts {
        section.insert("all_contexts".into(), toml::Value::Boolean(true));
    }
    if k8s.in_cluster {
        section.insert("in_cluster".into(), toml::Value::Boolean(true));
    }
    if let Some(kubeconfig) = &k8s.kubeconfig {
        section.insert("kubeconfig".into(), text(kubeconfig.display().to_string()));
    }
    extend_list(section, "contexts", k8s.context.clone());
    extend_list(
        section,
        "exports",
        k8s.k8s_export
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
    );
}

/// The directories and files the `fs` collector walks are searched for
/// Kubernetes manifests and exports too (`[kubernetes] manifests`), with the
/// same exclusions, unless the config names `manifests` itself (an empty
/// list turns the search off).
fn manifests_from_paths(config: &mut Config) {
    let Some(toml::Value::Table(fs)) = config.collectors.get("fs").cloned() else {
        return;
    };
    let paths: Vec<toml::Value> = fs
        .get("paths")
        .and_then(toml::Value::as_array)
        .map(|paths| {
            paths
                .iter()
                .filter(|path| path.as_str() != Some("-"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if paths.is_empty() {
        return;
    }
    let section = section(config, "kubernetes");
    if section.contains_key("manifests") {
        return;
    }
    section.insert("manifests".into(), toml::Value::Array(paths));
    for key in ["exclude", "include_ignored", "max_file_size"] {
        if let Some(value) = fs.get(key) {
            section.entry(key).or_insert_with(|| value.clone());
        }
    }
}

/// Adds `values` to the list `key` of a section (made when missing).
fn extend_list(section: &mut toml::Table, key: &str, values: Vec<String>) {
    if values.is_empty() {
        return;
    }
    if let toml::Value::Array(list) = section
        .entry(key)
        .or_insert_with(|| toml::Value::Array(Vec::new()))
    {
        list.extend(values.into_iter().map(toml::Value::String));
    }
}

/// The collector section `name`, created empty when missing.
fn section<'a>(config: &'a mut Config, name: &str) -> &'a mut toml::Table {
    let value = config
        .collectors
        .entry(name)
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if !value.is_table() {
        *value = toml::Value::Table(toml::Table::new());
    }
    value.as_table_mut().expect("just made a table")
}

/// Refuses to start when a path to scan does not exist (exit 2).
fn check_paths(config: &Config) -> anyhow::Result<()> {
    let Some(toml::Value::Table(fs)) = config.collectors.get("fs") else {
        return Ok(());
    };
    let Some(toml::Value::Array(paths)) = fs.get("paths") else {
        return Ok(());
    };
    for path in paths.iter().filter_map(toml::Value::as_str) {
        if path != "-" && std::fs::symlink_metadata(path).is_err() {
            bail!(
                "the path to scan `{path}` does not exist; check the spelling or the working directory"
            );
        }
    }
    Ok(())
}

/// What a collector's section says it scans, for the scan summary.
fn targets(section: &toml::Table) -> Vec<String> {
    let mut targets: Vec<String> = ["paths", "repos", "exports", "manifests", "contexts"]
        .iter()
        .filter_map(|key| section.get(*key).and_then(toml::Value::as_array))
        .flatten()
        .filter_map(toml::Value::as_str)
        .map(str::to_string)
        .collect();
    targets.dedup();
    if section.get("live").and_then(toml::Value::as_bool) == Some(true) {
        targets.push("live".to_string());
    }
    targets
}

/// The first Ctrl-C cancels the scan (collectors stop, what was collected is
/// stored); a second one exits at once. The handler is installed before this
/// returns, so no interrupt after it is missed.
fn watch_interrupts(cancel: CancellationToken) -> anyhow::Result<()> {
    #[cfg(unix)]
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("cannot install the Ctrl-C handler")?;
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut next = async || interrupts.recv().await.is_some();
        #[cfg(not(unix))]
        let mut next = async || tokio::signal::ctrl_c().await.is_ok();
        if next().await {
            eprintln!(
                "interrupted: stopping collectors and storing what was collected (Ctrl-C again to abort)"
            );
            cancel.cancel();
            if next().await {
                std::process::exit(130);
            }
        }
    });
    Ok(())
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn scan_record(scan_id: ScanId, started_at: Timestamp, outcome: &ScanOutcome) -> ScanRecord {
    let status = if outcome.interrupted {
        ScanStatus::Interrupted
    } else if outcome.is_incomplete() {
        ScanStatus::Incomplete
    } else {
        ScanStatus::Complete
    };
    ScanRecord {
        id: scan_id,
        number: None,
        started_at,
        finished_at: Timestamp::now(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        status,
        sources: outcome.sources.clone(),
        errors: outcome.errors.clone(),
        skipped: outcome.skipped.clone(),
    }
}

fn summary_line(record: &ScanRecord, outcome: &ScanOutcome, store: Option<&Store>) -> String {
    let counts = SeverityCounts::of(outcome.inventory.findings());
    let findings_text = counts.summary();
    let stored = match (store, record.number) {
        (Some(store), Some(number)) => {
            format!("stored as scan #{number} in {}", store.path().display())
        }
        _ => "not stored (--no-store)".to_string(),
    };
    let mut line = format!(
        "scan {}: {findings_text}, {} nodes; {stored}",
        record.status.as_str(),
        outcome.inventory.nodes().len()
    );
    if !record.errors.is_empty() {
        line.push_str(&format!(
            "; {} error(s), listed in the report",
            record.errors.len()
        ));
    }
    if !record.skipped.is_empty() {
        line.push_str(&format!("; {} item(s) skipped", record.skipped.len()));
    }
    line
}

fn exit_for(
    record: &ScanRecord,
    gating: &[&nhiscope_model::Finding],
    fail_on: Option<Severity>,
) -> Exit {
    match record.status {
        ScanStatus::Interrupted => Exit::Interrupted,
        ScanStatus::Incomplete => Exit::Incomplete,
        ScanStatus::Complete => {
            let failing = fail_on.is_some_and(|threshold| {
                gating.iter().any(|finding| finding.severity >= threshold)
            });
            if failing { Exit::Findings } else { Exit::Clean }
        }
    }
}

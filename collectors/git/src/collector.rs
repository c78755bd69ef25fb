//! The collector: repositories in, exposures with provenance out.

use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
    sync::Arc,
};

use async_trait::async_trait;
use gix::{ObjectId, Repository};
use nhiscope_collect::{CollectContext, CollectError, Collector, ConfigError, NodeSink};
use nhiscope_collector_fs::{ContentPlace, IgnoreList, emit_hits};
use nhiscope_model::{Fingerprint, Node, NodeId, NodeKind, Provenance, SourceType};
use nhiscope_secrets::{RuleSet, SecretMatch};

use crate::{
    GitConfig,
    blobs::{BlobToScan, scan_blobs},
    history::{self, History, WalkError},
};

const COLLECTOR_ID: &str = "git";

/// Finds credentials in git history (or in what is staged). Holds the rules it
/// matches with.
pub struct GitCollector {
    rules: Arc<RuleSet>,
}

impl GitCollector {
    /// A collector matching with `rules`.
    pub fn new(rules: Arc<RuleSet>) -> Self {
        Self { rules }
    }
}

#[async_trait]
impl Collector for GitCollector {
    fn id(&self) -> &'static str {
        COLLECTOR_ID
    }

    fn describe(&self) -> &'static str {
        "git repositories: credentials anywhere in their history, or in what is staged"
    }

    fn check_config(&self, section: &toml::Table) -> Result<(), ConfigError> {
        let config = GitConfig::from_section(section)
            .map_err(|e| ConfigError::from_toml(COLLECTOR_ID, &e))?;
        if config.staged && config.since.is_some() {
            return Err(ConfigError::new(
                COLLECTOR_ID,
                "`staged` and `since` cannot be combined: staged scans read only the index",
            ));
        }
        Ok(())
    }

    async fn collect(&self, cx: &CollectContext, out: &dyn NodeSink) -> Result<(), CollectError> {
        let config = GitConfig::from_section(&cx.config)
            .map_err(|e| ConfigError::from_toml(COLLECTOR_ID, &e))?;
        if config.repos.is_empty() {
            return Err(
                ConfigError::new(COLLECTOR_ID, "no repositories: set `repos` in [git]").into(),
            );
        }
        tokio::task::block_in_place(|| {
            let mut failures = Vec::new();
            for root in &config.repos {
                match self.collect_repo(root, &config, cx, out) {
                    Ok(()) => {}
                    Err(CollectError::Cancelled) => return Err(CollectError::Cancelled),
                    Err(error) => {
                        out.error(Some(root.display().to_string()), error.to_string());
                        failures.push(root.display().to_string());
                    }
                }
            }
            if !failures.is_empty() && failures.len() == config.repos.len() {
                return Err(CollectError::Unavailable {
                    target: failures.join(", "),
                    message: "no repository could be read".into(),
                });
            }
            Ok(())
        })
    }
}

/// One opened repository and what every emission from it shares.
struct RepoScan<'a> {
    source: NodeId,
    native: String,
    display: String,
    ignore: IgnoreList,
    rules: &'a RuleSet,
}

impl GitCollector {
    fn collect_repo(
        &self,
        root: &Path,
        config: &GitConfig,
        cx: &CollectContext,
        out: &dyn NodeSink,
    ) -> Result<(), CollectError> {
        let unavailable = |message: String| CollectError::Unavailable {
            target: root.display().to_string(),
            message,
        };
        let mut repo = gix::open(root).map_err(|error| {
            unavailable(format!(
                "not a readable git repository ({error}); check the path"
            ))
        })?;
        repo.object_cache_size_if_unset(64 * 1024 * 1024);
        let base: PathBuf = repo
            .workdir()
            .unwrap_or_else(|| repo.git_dir())
            .to_path_buf();
        let native = base
            .canonicalize()
            .unwrap_or_else(|_| base.clone())
            .display()
            .to_string();
        let kind = NodeKind::Source(SourceType::Repository);
        let mut source = Node::new(
            NodeId::new("local", &kind, &native),
            kind,
            root.display().to_string(),
            "local",
            COLLECTOR_ID,
        );
        source.native_id = Some(native.clone());
        source.attributes.insert(
            "bare".into(),
            serde_json::Value::Bool(repo.workdir().is_none()),
        );
        let scan = RepoScan {
            source: source.id.clone(),
            native,
            display: root.display().to_string(),
            ignore: repo
                .workdir()
                .map(IgnoreList::read)
                .transpose()
                .unwrap_or_default()
                .unwrap_or_default(),
            rules: &self.rules,
        };
        out.node(source);
        let max_size = config.max_file_size.unwrap_or(cx.limits.max_file_size);
        if config.staged {
            return self
                .collect_staged(&repo, &scan, max_size, out)
                .map_err(|error| match error {
                    WalkError::Cancelled => CollectError::Cancelled,
                    WalkError::Read(message) => unavailable(message),
                });
        }
        let since = match &config.since {
            Some(revision) => Some(
                repo.rev_parse_single(revision.as_str())
                    .map_err(|error| {
                        unavailable(format!(
                            "`since = {revision}` names no revision here ({error})"
                        ))
                    })?
                    .detach(),
            ),
            None => None,
        };
        let history = history::walk(&repo, since, &cx.cancel).map_err(|error| match error {
            WalkError::Cancelled => CollectError::Cancelled,
            WalkError::Read(message) => unavailable(message),
        })?;
        tracing::info!(
            repo = %scan.display,
            commits = history.commits.len(),
            blobs = history.blobs.len(),
            missing = history.missing,
            "history walked"
        );
        if history.missing > 0 {
            out.skipped(
                format!(
                    "{}: {} commits and trees missing (a shallow or partial clone)",
                    scan.display, history.missing
                ),
                "missing_objects",
                None,
            );
        }
        self.scan_history(repo, &scan, &history, max_size, cx, out)
    }

    fn scan_history(
        &self,
        repo: Repository,
        scan: &RepoScan<'_>,
        history: &History,
        max_size: u64,
        cx: &CollectContext,
        out: &dyn NodeSink,
    ) -> Result<(), CollectError> {
        let to_scan: Vec<BlobToScan<'_>> = history
            .blobs
            .iter()
            .map(|(id, introductions)| {
                let first = &introductions[0];
                BlobToScan {
                    id: *id,
                    path: &first.path,
                    commit: history.commits[first.commit].id,
                }
            })
            .collect();
        let sync = repo.into_sync();
        let scanned = scan_blobs(
            &sync,
            &to_scan,
            scan.rules,
            max_size,
            cx.limits.concurrency,
            &cx.cancel,
            out,
        );
        tracing::info!(repo = %scan.display, bytes = scanned.bytes, blobs_with_hits = scanned.hits.len(), "history scanned");
        if cx.cancel.is_cancelled() {
            return Err(CollectError::Cancelled);
        }

        // How far each secret spread: the commits that introduced it and the
        // paths it appeared at.
        let mut spread: HashMap<Fingerprint, (HashSet<usize>, HashSet<&str>)> = HashMap::new();
        for (blob, hits) in &scanned.hits {
            for introduction in &history.blobs[*blob].1 {
                for hit in hits {
                    let entry = spread.entry(hit.secret.fingerprint()).or_default();
                    entry.0.insert(introduction.commit);
                    entry.1.insert(&introduction.path);
                }
            }
        }
        // Emit oldest introduction first: the first finding with a fingerprint
        // is the one kept, so each carries its earliest commit.
        let mut places: Vec<(usize, &str, &[SecretMatch])> = Vec::new();
        for (blob, hits) in &scanned.hits {
            for introduction in &history.blobs[*blob].1 {
                places.push((introduction.commit, &introduction.path, hits));
            }
        }
        places.sort_by_key(|(commit, path, _)| (*commit, *path));
        for (commit, path, hits) in places {
            let meta = &history.commits[commit];
            let display = format!("{}/{path}", scan.display.trim_end_matches('/'));
            let mut groups: Vec<(Fingerprint, Vec<SecretMatch>)> = Vec::new();
            for hit in hits {
                let fingerprint = hit.secret.fingerprint();
                match groups.iter_mut().find(|(f, _)| *f == fingerprint) {
                    Some((_, group)) => group.push(hit.clone()),
                    None => groups.push((fingerprint, vec![hit.clone()])),
                }
            }
            for (fingerprint, group) in groups {
                let (commits, paths) = &spread[&fingerprint];
                let provenance = Provenance {
                    commit: meta.id.to_string(),
                    author: meta.author.clone(),
                    date: meta.date,
                    path: path.to_string(),
                    commits: commits.len() as u64,
                    paths: paths.len() as u64,
                };
                let place = ContentPlace {
                    collector: COLLECTOR_ID,
                    provider: "local",
                    source: &scan.source,
                    source_native: &scan.native,
                    relative: path,
                    display: &display,
                    provenance: Some(&provenance),
                };
                emit_hits(scan.rules, &place, &group, &scan.ignore, out);
            }
        }
        Ok(())
    }

    /// Scans the index entries that differ from `HEAD`: what the next commit
    /// would add.
    fn collect_staged(
        &self,
        repo: &Repository,
        scan: &RepoScan<'_>,
        max_size: u64,
        out: &dyn NodeSink,
    ) -> Result<(), WalkError> {
        let read =
            |what: &str, error: &dyn std::fmt::Display| WalkError::Read(format!("{what}: {error}"));
        let head: HashMap<String, ObjectId> = match repo.head_tree_id() {
            Ok(tree) => history::tree_blobs(repo, tree.detach())?,
            // An unborn HEAD (no commit yet): everything staged is new.
            Err(_) => HashMap::new(),
        };
        let index = repo
            .open_index()
            .map_err(|e| read("reading the index", &e))?;
        for entry in index.entries() {
            if entry.stage_raw() != 0
                || !entry
                    .mode
                    .to_tree_entry_mode()
                    .is_some_and(|mode| mode.is_blob())
            {
                continue;
            }
            let path = entry.path(&index).to_string();
            if head.get(&path) == Some(&entry.id) {
                continue;
            }
            let display = format!("{}/{path}", scan.display.trim_end_matches('/'));
            let object = match repo.find_object(entry.id) {
                Ok(object) => object,
                Err(error) => {
                    out.error(
                        Some(display.clone()),
                        format!("cannot read the staged {display}: {error}"),
                    );
                    continue;
                }
            };
            if object.data.len() as u64 > max_size {
                out.skipped(display, "too_large", Some(object.data.len() as u64));
                continue;
            }
            if object.data[..object.data.len().min(8000)].contains(&0) {
                out.skipped(display, "binary", Some(object.data.len() as u64));
                continue;
            }
            out.scanned(1);
            let hits = scan.rules.scan(Some(&path), &object.data);
            if hits.is_empty() {
                continue;
            }
            let place = ContentPlace {
                collector: COLLECTOR_ID,
                provider: "local",
                source: &scan.source,
                source_native: &scan.native,
                relative: &path,
                display: &display,
                provenance: None,
            };
            emit_hits(scan.rules, &place, &hits, &scan.ignore, out);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;

//! The walk: which files are read and what happens to each.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use async_trait::async_trait;
use ignore::{WalkBuilder, WalkState, overrides::OverrideBuilder};
use nhiscope_collect::{CollectContext, CollectError, Collector, ConfigError, NodeSink};
use nhiscope_model::{Node, NodeId, NodeKind, SourceType};
use nhiscope_secrets::RuleSet;

use crate::{ContentPlace, FsConfig, IgnoreList, emit_hits};

/// How many leading bytes are checked for a NUL to call a file binary (the
/// same heuristic as git and ripgrep).
const BINARY_SNIFF_BYTES: usize = 8000;

/// The collector id, also its config section.
const COLLECTOR_ID: &str = "fs";

/// The name of nhiscope's own ignore file, read like `.gitignore`.
pub const IGNORE_FILE_NAME: &str = ".nhiscopeignore";

/// Finds credentials exposed in files. Holds the compiled rules it matches with.
pub struct FsCollector {
    rules: Arc<RuleSet>,
}

impl FsCollector {
    /// A collector matching with `rules`.
    pub fn new(rules: Arc<RuleSet>) -> Self {
        Self { rules }
    }
}

#[async_trait]
impl Collector for FsCollector {
    fn id(&self) -> &'static str {
        COLLECTOR_ID
    }

    fn describe(&self) -> &'static str {
        "files and directories: credentials exposed in their content"
    }

    fn check_config(&self, section: &toml::Table) -> Result<(), ConfigError> {
        let config = FsConfig::from_section(section)
            .map_err(|e| ConfigError::from_toml(COLLECTOR_ID, &e))?;
        excludes(Path::new("."), &config.exclude)?;
        if config.max_file_size == Some(0) {
            return Err(ConfigError::new(
                COLLECTOR_ID,
                "max_file_size must be at least 1 byte",
            ));
        }
        Ok(())
    }

    async fn collect(&self, cx: &CollectContext, out: &dyn NodeSink) -> Result<(), CollectError> {
        let config = FsConfig::from_section(&cx.config)
            .map_err(|e| ConfigError::from_toml(COLLECTOR_ID, &e))?;
        if config.paths.is_empty() {
            return Err(ConfigError::new(
                COLLECTOR_ID,
                "no paths to scan: pass PATH arguments or set `paths` in [fs]",
            )
            .into());
        }
        tokio::task::block_in_place(|| self.walk_roots(&config, cx, out))
    }
}

impl FsCollector {
    fn walk_roots(
        &self,
        config: &FsConfig,
        cx: &CollectContext,
        out: &dyn NodeSink,
    ) -> Result<(), CollectError> {
        let mut readable_roots = 0;
        for root in &config.paths {
            if root.as_os_str() == "-" {
                readable_roots += 1;
                self.scan_stdin(config.max_file_size.unwrap_or(cx.limits.max_file_size), out);
                continue;
            }
            let canonical = match root.canonicalize() {
                Ok(canonical) => canonical,
                Err(error) => {
                    out.error(
                        Some(root.display().to_string()),
                        format!("cannot open {}: {error}; check the path", root.display()),
                    );
                    continue;
                }
            };
            readable_roots += 1;
            let native = canonical.display().to_string();
            let source = source_node(&native, &root.display().to_string());
            let ignore_dir = if canonical.is_dir() {
                canonical.clone()
            } else {
                canonical
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
            };
            let ignore = match IgnoreList::read(&ignore_dir) {
                Ok(ignore) => ignore,
                Err(error) => {
                    out.error(
                        Some(ignore_dir.join(crate::GITLEAKSIGNORE).display().to_string()),
                        format!(
                            "cannot read the ignore file: {error}; its entries were not applied"
                        ),
                    );
                    IgnoreList::default()
                }
            };
            let root_place = Root {
                source: &source.id,
                native: &native,
                ignore: &ignore,
            };
            out.node(source.clone());
            self.walk(root, &canonical, &root_place, config, cx, out)?;
            if cx.cancel.is_cancelled() {
                return Err(CollectError::Cancelled);
            }
        }
        if readable_roots == 0 {
            let names: Vec<String> = config
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            return Err(CollectError::Unavailable {
                target: names.join(", "),
                message: "none of the paths can be opened; check that they exist".into(),
            });
        }
        Ok(())
    }

    fn walk(
        &self,
        root: &Path,
        canonical: &Path,
        source: &Root<'_>,
        config: &FsConfig,
        cx: &CollectContext,
        out: &dyn NodeSink,
    ) -> Result<(), CollectError> {
        let max_file_size = config.max_file_size.unwrap_or(cx.limits.max_file_size);
        let mut builder = WalkBuilder::new(root);
        builder
            .hidden(false)
            .follow_links(config.follow_symlinks)
            .require_git(false)
            .threads(cx.limits.concurrency.max(1))
            // Git's object store is read by the git collector; nhiscope's own state
            // (the default store) is not worth scanning.
            .filter_entry(|entry| entry.file_name() != ".git" && entry.file_name() != ".nhiscope");
        if config.include_ignored {
            builder
                .git_ignore(false)
                .git_global(false)
                .git_exclude(false)
                .ignore(false)
                .parents(false);
        } else {
            builder.add_custom_ignore_filename(IGNORE_FILE_NAME);
        }
        if !config.exclude.is_empty() {
            builder.overrides(excludes(root, &config.exclude)?);
        }
        let root_is_file = canonical.is_file();
        builder.build_parallel().run(|| {
            Box::new(|entry| {
                if cx.cancel.is_cancelled() {
                    return WalkState::Quit;
                }
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(error) => {
                        out.error(None, format!("{error}; the walk went on without it"));
                        return WalkState::Continue;
                    }
                };
                let path = entry.path();
                match entry.file_type() {
                    Some(kind) if kind.is_file() => {}
                    Some(kind) if kind.is_dir() => return WalkState::Continue,
                    Some(kind) if kind.is_symlink() => {
                        out.skipped(path.display().to_string(), "symlink_not_followed", None);
                        return WalkState::Continue;
                    }
                    _ => {
                        out.skipped(path.display().to_string(), "not_a_regular_file", None);
                        return WalkState::Continue;
                    }
                }
                let relative = relative_path(root, path, root_is_file);
                self.scan_file(path, &relative, source, max_file_size, out);
                WalkState::Continue
            })
        });
        Ok(())
    }

    fn scan_file(
        &self,
        path: &Path,
        relative: &str,
        source: &Root<'_>,
        max_file_size: u64,
        out: &dyn NodeSink,
    ) {
        let display = path.display().to_string();
        if self.rules.is_path_allowlisted(relative) {
            out.skipped(display, "allowlisted_path", None);
            return;
        }
        let size = match path.metadata() {
            Ok(metadata) => metadata.len(),
            Err(error) => {
                out.error(
                    Some(display.clone()),
                    format!("cannot read {display}: {error}; check its permissions or exclude it"),
                );
                return;
            }
        };
        if size > max_file_size {
            out.skipped(display, "too_large", Some(size));
            return;
        }
        let content = match std::fs::read(path) {
            Ok(content) => content,
            Err(error) => {
                out.error(
                    Some(display.clone()),
                    format!("cannot read {display}: {error}; check its permissions or exclude it"),
                );
                return;
            }
        };
        let sniff = &content[..content.len().min(BINARY_SNIFF_BYTES)];
        if sniff.contains(&0) {
            out.skipped(display, "binary", Some(size));
            return;
        }
        out.scanned(1);
        let hits = self.rules.scan(Some(relative), &content);
        if hits.is_empty() {
            return;
        }
        let place = ContentPlace {
            collector: COLLECTOR_ID,
            provider: "local",
            source: source.source,
            source_native: source.native,
            relative,
            display: &display,
            provenance: None,
        };
        emit_hits(&self.rules, &place, &hits, source.ignore, out);
    }
}

impl FsCollector {
    /// Reads stdin to its end and scans it as one file named `<stdin>`.
    fn scan_stdin(&self, max_file_size: u64, out: &dyn NodeSink) {
        use std::io::Read;
        let mut content = Vec::new();
        let mut limited = std::io::stdin().lock().take(max_file_size + 1);
        if let Err(error) = limited.read_to_end(&mut content) {
            out.error(Some(STDIN.into()), format!("cannot read stdin: {error}"));
            return;
        }
        if content.len() as u64 > max_file_size {
            out.skipped(STDIN.into(), "too_large", Some(content.len() as u64));
            return;
        }
        if content[..content.len().min(BINARY_SNIFF_BYTES)].contains(&0) {
            out.skipped(STDIN.into(), "binary", Some(content.len() as u64));
            return;
        }
        let kind = NodeKind::Source(SourceType::File);
        let mut source = Node::new(
            NodeId::new("local", &kind, STDIN),
            kind,
            STDIN,
            "local",
            COLLECTOR_ID,
        );
        source.native_id = Some(STDIN.into());
        let source_id = source.id.clone();
        out.node(source);
        out.scanned(1);
        let hits = self.rules.scan(None, &content);
        let place = ContentPlace {
            collector: COLLECTOR_ID,
            provider: "local",
            source: &source_id,
            source_native: STDIN,
            relative: STDIN,
            display: STDIN,
            provenance: None,
        };
        emit_hits(&self.rules, &place, &hits, &IgnoreList::default(), out);
    }
}

/// How stdin is named in reports.
const STDIN: &str = "<stdin>";

/// One scanned root: its source node, its canonical path and its ignore list.
struct Root<'a> {
    source: &'a NodeId,
    native: &'a str,
    ignore: &'a IgnoreList,
}

/// The source node of one scanned root.
fn source_node(canonical: &str, display: &str) -> Node {
    let kind = NodeKind::Source(SourceType::Directory);
    let mut node = Node::new(
        NodeId::new("local", &kind, canonical),
        kind,
        display,
        "local",
        COLLECTOR_ID,
    );
    node.native_id = Some(canonical.to_string());
    node
}

/// The path relative to the scan root, `/`-separated; for a file root, its name.
fn relative_path(root: &Path, path: &Path, root_is_file: bool) -> String {
    let relative: PathBuf = if root_is_file {
        path.file_name().map(PathBuf::from).unwrap_or_default()
    } else {
        path.strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf())
    };
    relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Compiles `[fs] exclude` globs into ignore overrides.
fn excludes(root: &Path, globs: &[String]) -> Result<ignore::overrides::Override, ConfigError> {
    let mut builder = OverrideBuilder::new(root);
    for glob in globs {
        builder.add(&format!("!{glob}")).map_err(|error| {
            ConfigError::new(COLLECTOR_ID, format!("exclude pattern `{glob}`: {error}"))
        })?;
    }
    builder
        .build()
        .map_err(|error| ConfigError::new(COLLECTOR_ID, format!("exclude patterns: {error}")))
}

#[cfg(test)]
mod tests;

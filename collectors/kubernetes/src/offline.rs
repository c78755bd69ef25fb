//! Offline input: `kubectl get -o json|yaml` exports, manifest files and
//! directories named explicitly (each path one cluster), and manifests found
//! while walking the directories of a `nhiscope scan PATH` (the manifests
//! under one path form one cluster; each `kubectl` export found is a cluster
//! of its own). Bad files are named, one line each; the rest is read.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use ignore::{WalkBuilder, overrides::OverrideBuilder};
use nhiscope_collect::NodeSink;
use nhiscope_k8s::{Cluster, Origin, ParsedFile, parse};

use crate::K8sConfig;

/// The file extensions read as Kubernetes input.
const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

fn has_input_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The name a cluster read from `path` gets: the configured one, else the
/// file's stem or the directory's name.
fn cluster_name(path: &Path, names: &BTreeMap<String, String>) -> String {
    let shown = path.display().to_string();
    if let Some(name) = names.get(&shown) {
        return name.clone();
    }
    let stem = if path.is_dir() {
        path.canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
    } else {
        path.file_stem().map(|n| n.to_string_lossy().into_owned())
    };
    stem.filter(|s| !s.is_empty()).unwrap_or(shown)
}

/// Reads one file; a file that cannot be read or parsed is named in an error.
fn read_file(path: &Path, max_file_size: u64, out: &dyn NodeSink) -> Option<ParsedFile> {
    let display = path.display().to_string();
    let size = match path.metadata() {
        Ok(metadata) => metadata.len(),
        Err(error) => {
            out.error(
                Some(display.clone()),
                format!("cannot read {display}: {error}; check the path and its permissions"),
            );
            return None;
        }
    };
    if size > max_file_size {
        out.skipped(display, "too_large", Some(size));
        return None;
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            out.error(
                Some(display.clone()),
                format!("cannot read {display}: {error}; check its permissions"),
            );
            return None;
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        out.error(
            Some(display.clone()),
            format!("{display} is not UTF-8 text, so not a JSON or YAML export; leave it out of the export list"),
        );
        return None;
    };
    match parse(&display, &text) {
        Ok(parsed) => Some(parsed),
        Err(error) => {
            out.error(Some(display), error.to_string());
            None
        }
    }
}

/// Adds a parsed file's objects to `cluster`, naming each bad object.
fn add_objects(cluster: &mut Cluster, parsed: ParsedFile, path: &str, out: &dyn NodeSink) {
    cluster.add_pod_identity_associations(parsed.pod_identity_associations);
    for object in parsed.objects {
        if let Err(error) = cluster.insert(object, Some(path)) {
            out.error(
                Some(path.to_string()),
                format!("{path}: {error}; the object was left out"),
            );
        }
    }
}

/// Every input file under `dir`, sorted (for stable reports).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = WalkBuilder::new(dir)
        .hidden(false)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
        .map(|entry| entry.into_path())
        .collect();
    files.sort();
    files
}

/// Reads explicitly named exports: each path (file or directory) is one
/// cluster.
pub fn read_exports(config: &K8sConfig, max_file_size: u64, out: &dyn NodeSink) -> Vec<Cluster> {
    let mut clusters = Vec::new();
    for path in &config.exports {
        let display = path.display().to_string();
        let name = cluster_name(path, &config.cluster_names);
        let files = if path.is_dir() {
            files_under(path)
        } else if path.exists() {
            vec![path.clone()]
        } else {
            out.error(
                Some(display.clone()),
                format!("{display} does not exist; check the path of the Kubernetes export"),
            );
            continue;
        };
        let mut cluster = Cluster::new(name, Origin::Manifests);
        let mut read_any = false;
        let mut lists = 0;
        for file in files {
            let file_display = file.display().to_string();
            if path.is_dir() && !has_input_extension(&file) {
                out.skipped(file_display, "not_yaml_or_json", None);
                continue;
            }
            let Some(parsed) = read_file(&file, max_file_size, out) else {
                continue;
            };
            if !parsed.is_kubernetes() {
                if path.is_dir() {
                    out.skipped(file_display, "not_kubernetes", None);
                } else {
                    out.error(
                        Some(file_display.clone()),
                        format!(
                            "{file_display} holds no Kubernetes object (no document with apiVersion and kind); pass what `kubectl get ... -o json` writes, or manifests"
                        ),
                    );
                }
                continue;
            }
            lists += parsed.lists;
            read_any = true;
            add_objects(&mut cluster, parsed, &file_display, out);
        }
        if read_any {
            if lists > 0 {
                cluster.origin = Origin::Export;
            }
            clusters.push(cluster);
        }
    }
    clusters
}

fn excludes(root: &Path, globs: &[String]) -> Option<ignore::overrides::Override> {
    let mut builder = OverrideBuilder::new(root);
    for glob in globs {
        // Validated by the fs collector's check of the same globs.
        builder.add(&format!("!{glob}")).ok()?;
    }
    builder.build().ok()
}

/// Searches the directories of a `scan PATH` for manifests and exports.
pub fn discover(config: &K8sConfig, max_file_size: u64, out: &dyn NodeSink) -> Vec<Cluster> {
    let mut clusters = Vec::new();
    for root in &config.manifests {
        // Named after the directory, not its full path: finding fingerprints
        // include the cluster's name and must not change with the checkout's
        // location (a CI runner's workspace, a developer's clone).
        let display_root = root.display().to_string();
        let mut manifests = Cluster::new(
            config
                .cluster_names
                .get(&display_root)
                .cloned()
                .unwrap_or_else(|| cluster_name(root, &BTreeMap::new())),
            Origin::Manifests,
        );
        let mut found_manifests = false;
        let mut builder = WalkBuilder::new(root);
        builder
            .hidden(false)
            .require_git(false)
            .filter_entry(|entry| entry.file_name() != ".git" && entry.file_name() != ".nhiscope");
        if config.include_ignored {
            builder
                .git_ignore(false)
                .git_global(false)
                .git_exclude(false)
                .ignore(false)
                .parents(false);
        } else {
            builder.add_custom_ignore_filename(".nhiscopeignore");
        }
        if !config.exclude.is_empty()
            && let Some(overrides) = excludes(root, &config.exclude)
        {
            builder.overrides(overrides);
        }
        let mut files: Vec<PathBuf> = builder
            .build()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
            .map(|entry| entry.into_path())
            .filter(|path| has_input_extension(path))
            .collect();
        files.sort();
        for file in files {
            let display = file.display().to_string();
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            if size > max_file_size {
                // The fs collector names oversized files; a manifest that
                // large is not one.
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            let looks_kubernetes = text.contains("apiVersion") && text.contains("kind");
            if !looks_kubernetes {
                continue;
            }
            let in_templates = file.components().any(|c| c.as_os_str() == "templates");
            if in_templates && text.contains("{{") {
                out.skipped(display, "helm_template", Some(size));
                continue;
            }
            let parsed = match parse(&display, &text) {
                Ok(parsed) => parsed,
                Err(error) => {
                    out.error(Some(display), error.to_string());
                    continue;
                }
            };
            if !parsed.is_kubernetes() {
                continue;
            }
            if parsed.lists > 0 {
                let mut export =
                    Cluster::new(cluster_name(&file, &config.cluster_names), Origin::Export);
                add_objects(&mut export, parsed, &display, out);
                clusters.push(export);
            } else {
                found_manifests = true;
                add_objects(&mut manifests, parsed, &display, out);
            }
        }
        if found_manifests {
            clusters.push(manifests);
        }
    }
    clusters
}

//! The `[kubernetes]` config section.

use std::{collections::BTreeMap, path::PathBuf};

use nhiscope_k8s::federation::Cloud;
use serde::Deserialize;

/// What the `kubernetes` collector reads and how it judges it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct K8sConfig {
    /// Offline: `kubectl get ... -o json|yaml` exports, manifest files, or
    /// directories of them. Each path is one cluster, named after the file
    /// (without extension) or directory.
    #[serde(default)]
    pub exports: Vec<PathBuf>,
    /// Directories (from `nhiscope scan PATH`) searched for manifests and
    /// exports among other files; files that are not Kubernetes are passed
    /// over. Manifests under one path form one cluster named after the path;
    /// each `kubectl` export found is a cluster of its own.
    #[serde(default)]
    pub manifests: Vec<PathBuf>,
    /// Live: list the cluster's objects through the API.
    #[serde(default)]
    pub live: bool,
    /// The kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[serde(default)]
    pub kubeconfig: Option<PathBuf>,
    /// Contexts to scan (default: the current context).
    #[serde(default)]
    pub contexts: Vec<String>,
    /// Scan every context of the kubeconfig.
    #[serde(default)]
    pub all_contexts: bool,
    /// Use the pod's own service account (when nhiscope runs in a cluster).
    #[serde(default)]
    pub in_cluster: bool,
    /// Cluster names by context or export path (default: the context's
    /// cluster, the export's file name).
    #[serde(default)]
    pub cluster_names: BTreeMap<String, String>,
    /// Namespaces where running a pod means running with the cluster's most
    /// powerful identities.
    #[serde(default = "default_privileged_namespaces")]
    pub privileged_namespaces: Vec<String>,
    /// Clouds whose workload federation the clusters offer (`aws`, `gcp`,
    /// `azure`), in addition to what the input shows.
    #[serde(default)]
    pub federation: Vec<String>,
    /// Objects per page of live list calls (`limit`).
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// How many list calls run at once per cluster.
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// How many times a throttled or failed list call is tried.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Seconds to wait for one API response.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Globs of paths left out of `manifests` directories.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Also read files that .gitignore excludes, in `manifests` directories.
    #[serde(default)]
    pub include_ignored: bool,
    /// Files larger than this many bytes are skipped (and named).
    #[serde(default)]
    pub max_file_size: Option<u64>,
}

fn default_privileged_namespaces() -> Vec<String> {
    vec!["kube-system".to_string()]
}
fn default_page_size() -> u32 {
    500
}
fn default_attempts() -> u32 {
    4
}
fn default_timeout() -> u64 {
    60
}

impl K8sConfig {
    /// Parses the `[kubernetes]` section.
    pub fn from_section(section: &toml::Table) -> Result<Self, toml::de::Error> {
        toml::Value::Table(section.clone()).try_into()
    }

    /// Checks values serde cannot: one line naming the key.
    pub fn validate(&self) -> Result<(), String> {
        if !self.live && self.exports.is_empty() && self.manifests.is_empty() {
            return Err("nothing to collect: set `live = true` or list `exports`".into());
        }
        if !self.live && (!self.contexts.is_empty() || self.all_contexts || self.in_cluster) {
            return Err("contexts, all_contexts and in_cluster need `live = true`".into());
        }
        if self.in_cluster && (!self.contexts.is_empty() || self.all_contexts) {
            return Err(
                "in_cluster uses the pod's own account; it cannot be combined with contexts".into(),
            );
        }
        if self.page_size == 0 {
            return Err("page_size must be at least 1".into());
        }
        if self.concurrency == Some(0) {
            return Err("concurrency must be at least 1".into());
        }
        if self.max_attempts == 0 {
            return Err("max_attempts must be at least 1".into());
        }
        if self.timeout_seconds == 0 {
            return Err("timeout_seconds must be at least 1".into());
        }
        self.clouds()?;
        Ok(())
    }

    /// The declared federation clouds.
    pub fn clouds(&self) -> Result<Vec<Cloud>, String> {
        self.federation
            .iter()
            .map(|name| {
                Cloud::parse(name)
                    .ok_or_else(|| format!("federation: `{name}` is not one of aws, gcp, azure"))
            })
            .collect()
    }
}

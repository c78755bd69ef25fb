//! The `[git]` config section.

use std::path::PathBuf;

use serde::Deserialize;

/// Which repositories to read and how.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitConfig {
    /// Repository roots (work trees or bare repositories).
    #[serde(default)]
    pub repos: Vec<PathBuf>,
    /// Only commits not reachable from this revision (`main`, `v1.2`, a sha).
    #[serde(default)]
    pub since: Option<String>,
    /// Scan only what is staged in the index and differs from `HEAD`.
    #[serde(default)]
    pub staged: bool,
    /// Skip blobs larger than this many bytes (default: the scan's limit).
    #[serde(default)]
    pub max_file_size: Option<u64>,
}

impl GitConfig {
    /// Parses the `[git]` section.
    pub fn from_section(section: &toml::Table) -> Result<Self, toml::de::Error> {
        toml::Value::Table(section.clone()).try_into()
    }
}

//! The `[fs]` config section.

use std::path::PathBuf;

use serde::Deserialize;

/// What the `fs` collector scans and how.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FsConfig {
    /// Files and directories to scan.
    #[serde(default)]
    pub paths: Vec<PathBuf>,
    /// Also scan files that `.gitignore`, `.ignore` or `.nhiscopeignore` exclude.
    #[serde(default)]
    pub include_ignored: bool,
    /// Skip files larger than this many bytes (default: the scan's limit, 10 MiB).
    #[serde(default)]
    pub max_file_size: Option<u64>,
    /// Follow symbolic links.
    #[serde(default)]
    pub follow_symlinks: bool,
    /// Extra glob patterns to exclude (gitignore syntax, such as `vendor/**`).
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl FsConfig {
    /// Parses the `[fs]` section.
    pub fn from_section(section: &toml::Table) -> Result<Self, toml::de::Error> {
        toml::Value::Table(section.clone()).try_into()
    }
}

//! `nhiscope.toml`: one `[scan]` section for the scan itself and one section per
//! collector, named by its id. Unknown sections and keys are errors.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use nhiscope_collect::Collector;
use nhiscope_model::Severity;
use serde::Deserialize;

/// The config file looked for in the working directory when `--config` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "nhiscope.toml";

/// The `[scan]` section.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    /// The store path (relative to the config file).
    #[serde(default)]
    pub db: Option<PathBuf>,
    /// The default for `--fail-on`.
    #[serde(default)]
    pub fail_on: Option<Severity>,
    /// Skip files larger than this many bytes.
    #[serde(default)]
    pub max_file_size: Option<u64>,
    /// How many files or requests each collector works on at once.
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// Rule files added to the built-in rules (relative to the config file).
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// A baseline file whose findings are left out (relative to the config file).
    #[serde(default)]
    pub baseline: Option<PathBuf>,
    /// Whether the built-in rules are used (default true).
    #[serde(default)]
    pub default_rules: Option<bool>,
}

/// The `[analysis]` section: what the graph analyses treat as high-value.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSection {
    /// Globs over node ids and native ids of resources and identities that
    /// count as crown jewels (besides nodes labelled `crown-jewel: true`).
    #[serde(default)]
    pub crown_jewels: Vec<String>,
    /// Blast radii are counted up to this many nodes in a scan (default
    /// 10,000); `nhiscope blast-radius` counts without limit.
    #[serde(default)]
    pub reach_limit: Option<usize>,
}

/// A loaded, checked config.
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// The file it came from, if any.
    pub origin: Option<PathBuf>,
    /// The `[scan]` section.
    pub scan: ScanSection,
    /// The `[analysis]` section.
    pub analysis: AnalysisSection,
    /// Every collector section, by collector id.
    pub collectors: toml::Table,
}

impl Config {
    /// Loads `explicit`, or `./nhiscope.toml` when it exists, or nothing.
    /// Every section is checked against the collectors that exist.
    pub fn load(
        explicit: Option<&Path>,
        collectors: &[std::sync::Arc<dyn Collector>],
    ) -> anyhow::Result<Self> {
        let path = match explicit {
            Some(path) => {
                if !path.is_file() {
                    bail!("config file {} does not exist", path.display());
                }
                path.to_path_buf()
            }
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => PathBuf::from(DEFAULT_CONFIG_FILE),
            None => return Ok(Self::default()),
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        Self::parse(&text, &path, collectors)
    }

    fn parse(
        text: &str,
        path: &Path,
        collectors: &[std::sync::Arc<dyn Collector>],
    ) -> anyhow::Result<Self> {
        let shown = path.display();
        let mut table: toml::Table = toml::from_str(text).map_err(|error| {
            let (line, column) = error
                .span()
                .map_or((1, 1), |span| line_column(text, span.start));
            anyhow::anyhow!("{shown}:{line}:{column}: {}", error.message().trim())
        })?;
        let scan =
            match table.remove("scan") {
                None => ScanSection::default(),
                Some(toml::Value::Table(section)) => toml::Value::Table(section)
                    .try_into()
                    .map_err(|error: toml::de::Error| {
                        anyhow::anyhow!("{shown}: [scan] {}", error.message().trim())
                    })?,
                Some(_) => bail!("{shown}: `scan` must be a section ([scan])"),
            };
        let analysis: AnalysisSection =
            match table.remove("analysis") {
                None => AnalysisSection::default(),
                Some(toml::Value::Table(section)) => toml::Value::Table(section)
                    .try_into()
                    .map_err(|error: toml::de::Error| {
                        anyhow::anyhow!("{shown}: [analysis] {}", error.message().trim())
                    })?,
                Some(_) => bail!("{shown}: `analysis` must be a section ([analysis])"),
            };
        if analysis.reach_limit == Some(0) {
            bail!("{shown}: [analysis] reach_limit must be at least 1");
        }
        let base = path.parent().unwrap_or(Path::new(""));
        let mut sections = toml::Table::new();
        for (name, value) in table {
            let Some(collector) = collectors.iter().find(|c| c.id() == name) else {
                let mut known: Vec<&str> = vec!["scan", "analysis"];
                known.extend(collectors.iter().map(|c| c.id()));
                bail!(
                    "{shown}: unknown section [{name}]; the sections are {}",
                    known.join(", ")
                );
            };
            let toml::Value::Table(mut section) = value else {
                bail!("{shown}: `{name}` must be a section ([{name}])");
            };
            collector
                .check_config(&section)
                .map_err(|error| anyhow::anyhow!("{shown}: {error}"))?;
            resolve_paths(&mut section, base);
            sections.insert(name, toml::Value::Table(section));
        }
        let mut scan: ScanSection = scan;
        if let Some(db) = &scan.db
            && db.is_relative()
        {
            scan.db = Some(base.join(db));
        }
        if let Some(baseline) = &scan.baseline
            && baseline.is_relative()
        {
            scan.baseline = Some(base.join(baseline));
        }
        for file in &mut scan.rules {
            if file.is_relative() {
                *file = base.join(&*file);
            }
        }
        if scan.concurrency == Some(0) {
            bail!("{shown}: [scan] concurrency must be at least 1");
        }
        tracing::info!(config = %shown, "loaded the config");
        Ok(Self {
            origin: Some(path.to_path_buf()),
            scan,
            analysis,
            collectors: sections,
        })
    }
}

/// Makes a section's relative `paths` relative to the config file's directory.
fn resolve_paths(section: &mut toml::Table, base: &Path) {
    if base.as_os_str().is_empty() {
        return;
    }
    for key in ["paths", "exports", "manifests", "kubeconfig"] {
        if let Some(toml::Value::String(text)) = section.get_mut(key)
            && Path::new(text.as_str()).is_relative()
        {
            *text = base.join(text.as_str()).display().to_string();
            continue;
        }
        let Some(toml::Value::Array(paths)) = section.get_mut(key) else {
            continue;
        };
        for path in paths.iter_mut() {
            if let toml::Value::String(text) = path
                && Path::new(text.as_str()).is_relative()
            {
                *text = base.join(text.as_str()).display().to_string();
            }
        }
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;

    fn parse(text: &str) -> anyhow::Result<Config> {
        let collectors = registry::collectors(nhiscope_secrets::RuleSet::builtin());
        Config::parse(text, Path::new("conf/nhiscope.toml"), &collectors)
    }

    fn error(text: &str) -> String {
        crate::exit::one_line(&parse(text).expect_err("invalid"))
    }

    #[test]
    fn a_valid_config_resolves_paths_against_its_directory() {
        let config = parse("[scan]\nfail_on = \"high\"\ndb = \"store.duckdb\"\n[fs]\npaths = [\"repo\", \"/abs\"]\n")
            .expect("valid");
        assert_eq!(config.scan.fail_on, Some(Severity::High));
        assert_eq!(config.scan.db, Some(PathBuf::from("conf/store.duckdb")));
        let paths = config.collectors["fs"]["paths"].as_array().expect("array");
        assert_eq!(paths[0].as_str(), Some("conf/repo"));
        assert_eq!(paths[1].as_str(), Some("/abs"));
    }

    #[test]
    fn errors_name_the_file_and_the_key() {
        assert_eq!(
            error("[fs]\npathz = [\"x\"]\n"),
            "conf/nhiscope.toml: [fs] unknown field `pathz`, expected one of `paths`, `include_ignored`, `max_file_size`, `follow_symlinks`, `exclude`"
        );
        assert_eq!(
            error("[azure]\ntenant = \"x\"\n"),
            "conf/nhiscope.toml: unknown section [azure]; the sections are scan, analysis, fs, git, aws, kubernetes"
        );
        assert!(
            error("[scan]\nfail_on = \"severe\"\n")
                .starts_with("conf/nhiscope.toml: [scan] unknown variant `severe`")
        );
        assert!(
            error("[fs]\nmax_file_size = \"big\"\n")
                .starts_with("conf/nhiscope.toml: [fs] invalid type")
        );
        assert_eq!(
            error("[fs\npaths = 1\n"),
            "conf/nhiscope.toml:1:4: unclosed table, expected `]`"
        );
    }
}

//! The TOML schema of a rule file, as written (gitleaks' fields plus ours).

use serde::Deserialize;

/// A whole rule file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFileSpec {
    #[serde(default)]
    #[allow(dead_code, reason = "part of the gitleaks schema, shown by nobody")]
    pub title: Option<String>,
    #[serde(default, rename = "minVersion")]
    #[allow(dead_code, reason = "gitleaks' version gate; nhiscope has its own")]
    pub min_version: Option<String>,
    /// gitleaks' `[extend]`: build on another config.
    #[serde(default)]
    pub extend: Option<ExtendSpec>,
    /// gitleaks' older single global allowlist.
    #[serde(default)]
    pub allowlist: Option<AllowlistSpec>,
    /// gitleaks' newer list of global allowlists.
    #[serde(default)]
    pub allowlists: Vec<AllowlistSpec>,
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

/// One `[[rules]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSpec {
    pub id: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default, rename = "secretGroup")]
    pub secret_group: Option<usize>,
    #[serde(default)]
    pub entropy: Option<f64>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// gitleaks' older single per-rule allowlist.
    #[serde(default)]
    pub allowlist: Option<AllowlistSpec>,
    #[serde(default)]
    pub allowlists: Vec<AllowlistSpec>,
    // nhiscope's extensions.
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub credential: Option<String>,
    #[serde(default)]
    pub remediation: Option<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
    #[serde(default)]
    pub validators: Vec<String>,
    /// gitleaks' `skipReport`: the rule exists for composite rules only.
    #[serde(default, rename = "skipReport")]
    pub skip_report: Option<bool>,
}

/// gitleaks' `[extend]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExtendSpec {
    /// Build on the default rules (nhiscope's built-in rules).
    #[serde(default, rename = "useDefault")]
    pub use_default: Option<bool>,
    /// Build on another config file, relative to this one.
    #[serde(default)]
    pub path: Option<String>,
    /// Rule ids to drop from what is extended.
    #[serde(default, rename = "disabledRules")]
    pub disabled_rules: Vec<String>,
}

/// One allowlist, global or per rule.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AllowlistSpec {
    #[serde(default)]
    #[allow(dead_code, reason = "documentation inside the rule file")]
    pub description: Option<String>,
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default)]
    pub commits: Vec<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default, rename = "regexTarget")]
    pub regex_target: Option<String>,
    #[serde(default)]
    pub regexes: Vec<String>,
    #[serde(default)]
    pub stopwords: Vec<String>,
}

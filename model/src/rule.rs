//! What reports say about a rule or detector, independent of how it matches.

use serde::{Deserialize, Serialize};

use crate::Severity;

/// A rule or detector as reports describe it (SARIF's `reportingDescriptor`):
/// every rule that can fire, whether it fired or not, so code scanning can show
/// its help and rank its results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleDescriptor {
    /// The stable id (`aws-access-key-id`), the finding's `rule_id`.
    pub id: String,
    /// What it finds, one line (`AWS access key ID`).
    pub description: String,
    /// What to do about a finding, one paragraph.
    pub remediation: String,
    /// Its default severity.
    pub severity: Severity,
    /// Tags (`aws`, `key`, ...).
    pub tags: Vec<String>,
}

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

/// A governance detector's catalogue entry (`aws-access-key-unrotated`,
/// `k8s-rbac-secret-read`): what reports say about its findings. Detector
/// crates list theirs in a static table; the binary turns each into a
/// [`RuleDescriptor`] with [`Detector::descriptor`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detector {
    /// The stable id.
    pub id: &'static str,
    /// One line saying what it flags.
    pub description: &'static str,
    /// The default severity.
    pub severity: Severity,
    /// What to do.
    pub remediation: &'static str,
}

impl Detector {
    /// A catalogue entry.
    pub const fn new(
        id: &'static str,
        severity: Severity,
        description: &'static str,
        remediation: &'static str,
    ) -> Self {
        Self {
            id,
            description,
            severity,
            remediation,
        }
    }

    /// The entry as reports describe rules, with `tags`.
    pub fn descriptor(&self, tags: &[&str]) -> RuleDescriptor {
        RuleDescriptor {
            id: self.id.to_string(),
            description: self.description.to_string(),
            remediation: self.remediation.to_string(),
            severity: self.severity,
            tags: tags.iter().map(|tag| tag.to_string()).collect(),
        }
    }
}

//! Baselines: findings a team has accepted as known debt, by fingerprint.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{Finding, FindingFingerprint};

/// The version of the baseline file format.
pub const BASELINE_VERSION: u32 = 1;

/// A set of finding fingerprints recorded from a scan. A scan run with it
/// leaves those findings out of its report and its exit code, so a CI job
/// fails only on new findings. Fingerprints are stable across scans (they do
/// not include line numbers), so edits elsewhere in a file do not resurrect a
/// baselined finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// The file format version, [`BASELINE_VERSION`].
    pub version: u32,
    /// When it was recorded.
    pub created_at: Timestamp,
    /// The scan it was recorded from.
    pub scan_id: String,
    /// Each accepted finding, by fingerprint, with what it was (for people
    /// reading the file; only the fingerprint is matched).
    pub findings: BTreeMap<FindingFingerprint, BaselineEntry>,
}

/// What a baselined finding was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// The rule that raised it.
    pub rule_id: String,
    /// Where it was, as shown in reports.
    pub location: String,
}

impl Baseline {
    /// Records `findings` as accepted.
    pub fn record<'a>(
        scan_id: String,
        created_at: Timestamp,
        findings: impl IntoIterator<Item = &'a Finding>,
    ) -> Self {
        Self {
            version: BASELINE_VERSION,
            created_at,
            scan_id,
            findings: findings
                .into_iter()
                .map(|finding| {
                    (
                        finding.fingerprint,
                        BaselineEntry {
                            rule_id: finding.rule_id.clone(),
                            location: finding.location.display(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// Whether the finding is accepted.
    pub fn contains(&self, finding: &Finding) -> bool {
        self.findings.contains_key(&finding.fingerprint)
    }
}

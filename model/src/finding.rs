//! Findings: what is wrong, where, and what to do.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{Fingerprint, NodeId, Redacted};

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, nothing to fix.
    Info,
    /// Fix when convenient.
    Low,
    /// Fix soon.
    Medium,
    /// Fix now.
    High,
    /// Fix now and assume compromise.
    Critical,
}

impl Severity {
    /// Every severity from most to least severe, the order reports list them in.
    pub const DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity name that is not one of `critical`, `high`, `medium`, `low`, `info`.
#[derive(Debug, thiserror::Error)]
#[error("unknown severity `{0}`: expected one of critical, high, medium, low, info")]
pub struct ParseSeverityError(String);

impl FromStr for Severity {
    type Err = ParseSeverityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text.to_ascii_lowercase().as_str() {
            "info" | "informational" => Severity::Info,
            "low" => Severity::Low,
            "medium" | "moderate" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return Err(ParseSeverityError(text.to_string())),
        })
    }
}

/// How many findings there are of each severity; serialised most severe first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    /// Critical findings.
    pub critical: u64,
    /// High findings.
    pub high: u64,
    /// Medium findings.
    pub medium: u64,
    /// Low findings.
    pub low: u64,
    /// Informational findings.
    pub info: u64,
}

impl SeverityCounts {
    /// Counts the severities of `findings`.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Self {
        let mut counts = Self::default();
        for finding in findings {
            counts.add(finding.severity, 1);
        }
        counts
    }

    /// Adds `count` findings of `severity`.
    pub fn add(&mut self, severity: Severity, count: u64) {
        *self.slot(severity) += count;
    }

    /// How many findings have `severity`.
    pub fn get(&self, severity: Severity) -> u64 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    /// How many findings in all.
    pub fn total(&self) -> u64 {
        self.critical + self.high + self.medium + self.low + self.info
    }

    /// The non-zero counts, most severe first: `2 critical, 1 high`.
    pub fn describe(&self) -> String {
        Severity::DESCENDING
            .iter()
            .filter(|severity| self.get(**severity) > 0)
            .map(|severity| format!("{} {severity}", self.get(*severity)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The total and its breakdown, as summaries print it: `no findings`,
    /// `1 finding (1 high)`, `3 findings (2 critical, 1 high)`.
    pub fn summary(&self) -> String {
        match self.total() {
            0 => "no findings".to_string(),
            1 => format!("1 finding ({})", self.describe()),
            total => format!("{total} findings ({})", self.describe()),
        }
    }

    fn slot(&mut self, severity: Severity) -> &mut u64 {
        match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }
}

/// Where a finding was observed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Location {
    /// A place in a file (working tree or a git commit).
    File {
        /// The path as scanned, relative to the scan root when one is known.
        path: String,
        /// 1-based line of the first byte of the match.
        line: u32,
        /// 1-based column (in characters) of the first character of the match.
        column: u32,
        /// 1-based line of the last byte of the match.
        end_line: u32,
        /// 1-based column just after the last character of the match.
        end_column: u32,
        /// The commit, for a finding in git history.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
        /// The matched line with the secret replaced by its preview.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        snippet: Option<String>,
    },
    /// A resource in a cloud, cluster or service.
    Resource {
        /// The provider slug (`aws`, `kubernetes`, ...).
        provider: String,
        /// The account, project, cluster or namespace.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
        /// The resource's native name (ARN, `namespace/kind/name`).
        resource: String,
        /// The offline export the resource was read from, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        export_file: Option<String>,
    },
}

impl Location {
    /// A short human form: `path:line:column` or the resource name.
    pub fn display(&self) -> String {
        match self {
            Location::File {
                path,
                line,
                column,
                commit,
                ..
            } => match commit {
                Some(commit) => format!("{path}:{line}:{column} @{}", short(commit)),
                None => format!("{path}:{line}:{column}"),
            },
            Location::Resource {
                scope, resource, ..
            } => match scope {
                Some(scope) if !resource.contains(scope.as_str()) => format!("{scope}/{resource}"),
                _ => resource.clone(),
            },
        }
    }
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// The fingerprint of a finding: the same problem in the same place has the same
/// fingerprint in every scan, which is what baselines and diffs key on.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FindingFingerprint(pub Fingerprint);

impl FindingFingerprint {
    /// Derives the fingerprint from the rule and the parts that identify the
    /// problem's place (never a line number, which shifts with unrelated edits).
    pub fn derive(rule_id: &str, identity: &[&str]) -> Self {
        let mut parts: Vec<&[u8]> = vec![rule_id.as_bytes()];
        parts.extend(identity.iter().map(|part| part.as_bytes()));
        Self(Fingerprint::of_parts(&parts))
    }
}

impl fmt::Display for FindingFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Something wrong with the inventory: an exposed, orphaned, over-privileged or
/// unrotated credential or identity, with where it is and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable across scans (see [`FindingFingerprint`]).
    pub fingerprint: FindingFingerprint,
    /// The rule or detector id, such as `aws-access-key-id`.
    pub rule_id: String,
    /// How bad it is.
    pub severity: Severity,
    /// A one-line title.
    pub title: String,
    /// What was found, in a sentence or two.
    pub message: String,
    /// The nodes the finding is about.
    pub nodes: Vec<NodeId>,
    /// Where it was observed.
    pub location: Location,
    /// What to do about it.
    pub remediation: String,
    /// The secret involved, redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Redacted>,
    /// Free-form tags (`aws`, `key`, `exposed`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// For a secret found in version control: who introduced it, when, where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// The risk score (0-100) of the riskiest identity or credential the
    /// finding is about, from the graph analyses; reports order findings by
    /// it. Absent when the graph was not analysed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<u8>,
}

/// Where a secret in version control came from: the commit that introduced it
/// and how far it spread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The commit that first carried the secret at this path.
    pub commit: String,
    /// That commit's author, `Name <email>`.
    pub author: String,
    /// That commit's author date.
    pub date: jiff::Timestamp,
    /// The path the commit added it at.
    pub path: String,
    /// How many commits carry the secret (at any path).
    pub commits: u64,
    /// How many distinct paths carry it.
    pub paths: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Info < Severity::Low);
        assert_eq!("HIGH".parse::<Severity>().ok(), Some(Severity::High));
        let error = "severe".parse::<Severity>().expect_err("not a severity");
        assert_eq!(
            error.to_string(),
            "unknown severity `severe`: expected one of critical, high, medium, low, info"
        );
    }

    #[test]
    fn counts_summarise_in_one_phrase() {
        let mut counts = SeverityCounts::default();
        assert_eq!(counts.summary(), "no findings");
        counts.add(Severity::High, 1);
        assert_eq!(counts.summary(), "1 finding (1 high)");
        counts.add(Severity::Critical, 2);
        assert_eq!(counts.summary(), "3 findings (2 critical, 1 high)");
    }

    #[test]
    fn fingerprint_depends_on_every_part() {
        let a = FindingFingerprint::derive("rule", &["path", "secret"]);
        assert_eq!(a, FindingFingerprint::derive("rule", &["path", "secret"]));
        assert_ne!(a, FindingFingerprint::derive("rule2", &["path", "secret"]));
        assert_ne!(a, FindingFingerprint::derive("rule", &["path2", "secret"]));
    }

    #[test]
    fn location_displays_compactly() {
        let location = Location::File {
            path: "app/.env".into(),
            line: 3,
            column: 15,
            end_line: 3,
            end_column: 35,
            commit: None,
            snippet: None,
        };
        assert_eq!(location.display(), "app/.env:3:15");
    }
}

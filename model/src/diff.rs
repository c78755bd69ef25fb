//! What changed between two scans.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Finding, FindingFingerprint, Inventory, Node, NodeId, ScanId, Severity};

/// How a finding of the newer scan relates to the older one (SARIF's
/// `baselineState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingState {
    /// Not in the older scan.
    New,
    /// In both.
    Unchanged,
    /// In the older scan only: resolved.
    Absent,
}

/// The scan a comparison is against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRef {
    /// Its id.
    pub id: ScanId,
    /// Its number in the store.
    pub number: Option<u64>,
}

/// A finding whose severity changed between the scans.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityChange {
    /// The finding's fingerprint.
    pub fingerprint: FindingFingerprint,
    /// The rule.
    pub rule_id: String,
    /// Its severity before.
    pub before: Severity,
    /// Its severity now.
    pub after: Severity,
}

/// A node whose facts changed between the scans.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeChange {
    /// The node's id.
    pub id: NodeId,
    /// The fields that differ (`timestamps`, `attributes`, `labels`, ...).
    pub fields: Vec<String>,
}

/// What changed from an older scan to a newer one: findings by fingerprint,
/// nodes by id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanDiff {
    /// Findings only in the newer scan.
    pub new_findings: Vec<Finding>,
    /// Findings only in the older scan.
    pub resolved_findings: Vec<Finding>,
    /// Findings in both whose severity changed.
    pub changed_findings: Vec<SeverityChange>,
    /// How many findings are in both.
    pub unchanged_findings: usize,
    /// Nodes only in the newer scan.
    pub added_nodes: Vec<Node>,
    /// Nodes only in the older scan.
    pub removed_nodes: Vec<Node>,
    /// Nodes in both whose facts changed.
    pub changed_nodes: Vec<NodeChange>,
}

impl ScanDiff {
    /// Compares `older` with `newer`.
    pub fn between(older: &Inventory, newer: &Inventory) -> Self {
        let old_findings: BTreeMap<FindingFingerprint, &Finding> =
            older.findings().map(|f| (f.fingerprint, f)).collect();
        let new_findings: BTreeMap<FindingFingerprint, &Finding> =
            newer.findings().map(|f| (f.fingerprint, f)).collect();
        let mut diff = ScanDiff::default();
        for (fingerprint, finding) in &new_findings {
            match old_findings.get(fingerprint) {
                None => diff.new_findings.push((*finding).clone()),
                Some(before) => {
                    diff.unchanged_findings += 1;
                    if before.severity != finding.severity {
                        diff.changed_findings.push(SeverityChange {
                            fingerprint: *fingerprint,
                            rule_id: finding.rule_id.clone(),
                            before: before.severity,
                            after: finding.severity,
                        });
                    }
                }
            }
        }
        diff.resolved_findings = old_findings
            .iter()
            .filter(|(fingerprint, _)| !new_findings.contains_key(fingerprint))
            .map(|(_, finding)| (*finding).clone())
            .collect();
        for node in newer.nodes() {
            match older.node(&node.id) {
                None => diff.added_nodes.push(node.clone()),
                Some(before) => {
                    let fields = changed_fields(before, node);
                    if !fields.is_empty() {
                        diff.changed_nodes.push(NodeChange {
                            id: node.id.clone(),
                            fields,
                        });
                    }
                }
            }
        }
        diff.removed_nodes = older
            .nodes()
            .filter(|node| newer.node(&node.id).is_none())
            .cloned()
            .collect();
        diff
    }

    /// Each newer finding's state, and the resolved ones as absent.
    pub fn states(&self) -> BTreeMap<FindingFingerprint, FindingState> {
        let new: BTreeSet<FindingFingerprint> =
            self.new_findings.iter().map(|f| f.fingerprint).collect();
        let mut states: BTreeMap<FindingFingerprint, FindingState> = new
            .into_iter()
            .map(|fingerprint| (fingerprint, FindingState::New))
            .collect();
        for finding in &self.resolved_findings {
            states.insert(finding.fingerprint, FindingState::Absent);
        }
        states
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.new_findings.is_empty()
            && self.resolved_findings.is_empty()
            && self.changed_findings.is_empty()
            && self.added_nodes.is_empty()
            && self.removed_nodes.is_empty()
            && self.changed_nodes.is_empty()
    }
}

fn changed_fields(before: &Node, after: &Node) -> Vec<String> {
    let mut fields = Vec::new();
    let mut check = |name: &str, differ: bool| {
        if differ {
            fields.push(name.to_string());
        }
    };
    check("kind", before.kind != after.kind);
    check("name", before.name != after.name);
    check("native_id", before.native_id != after.native_id);
    check("scope", before.scope != after.scope);
    check("timestamps", before.timestamps != after.timestamps);
    check("labels", before.labels != after.labels);
    check("attributes", before.attributes != after.attributes);
    check("secret", before.secret != after.secret);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FindingFingerprint, IdentityType, Location, NodeKind};

    fn finding(rule: &str, severity: Severity) -> Finding {
        Finding {
            fingerprint: FindingFingerprint::derive(rule, &["p"]),
            rule_id: rule.into(),
            severity,
            title: "t".into(),
            message: "m".into(),
            nodes: vec![],
            location: Location::Resource {
                provider: "aws".into(),
                scope: None,
                resource: "r".into(),
                export_file: None,
            },
            remediation: "r".into(),
            evidence: None,
            tags: vec![],
            provenance: None,
            risk: None,
        }
    }

    fn user(name: &str) -> Node {
        let kind = NodeKind::Identity(IdentityType::IamUser);
        Node::new(NodeId::new("aws", &kind, name), kind, name, "aws", "aws")
    }

    #[test]
    fn findings_and_nodes_are_compared() {
        let mut older = Inventory::new();
        older.add_finding(finding("kept", Severity::Low));
        older.add_finding(finding("fixed", Severity::High));
        older.add_node(user("alice"));
        older.add_node(user("bob"));
        let mut newer = Inventory::new();
        newer.add_finding(finding("kept", Severity::High));
        newer.add_finding(finding("fresh", Severity::Medium));
        let mut bob = user("bob");
        bob.labels.insert("team".into(), "x".into());
        newer.add_node(bob);
        newer.add_node(user("carol"));
        let diff = ScanDiff::between(&older, &newer);
        assert_eq!(diff.new_findings.len(), 1);
        assert_eq!(diff.new_findings[0].rule_id, "fresh");
        assert_eq!(diff.resolved_findings[0].rule_id, "fixed");
        assert_eq!(diff.unchanged_findings, 1);
        assert_eq!(diff.changed_findings[0].before, Severity::Low);
        assert_eq!(diff.added_nodes[0].name, "carol");
        assert_eq!(diff.removed_nodes[0].name, "alice");
        assert_eq!(diff.changed_nodes[0].fields, ["labels"]);
        let states = diff.states();
        assert_eq!(states[&diff.new_findings[0].fingerprint], FindingState::New);
        assert_eq!(
            states[&diff.resolved_findings[0].fingerprint],
            FindingState::Absent
        );
        assert!(ScanDiff::between(&newer, &newer).is_empty());
    }
}

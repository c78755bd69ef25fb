//! The inventory of one scan: every node, edge and finding, deduplicated.

use std::collections::{BTreeMap, btree_map::Entry};

use serde::{Deserialize, Serialize};

use crate::{Edge, EdgeKind, Finding, FindingFingerprint, Node, NodeId};

/// Everything one scan found. Adding the same node, edge or finding twice keeps
/// one copy: nodes merge their facts ([`Node::absorb`]), edges are keyed by
/// `(from, kind, to)` and findings by fingerprint. Iteration order is stable
/// (sorted by key), so reports and snapshots are deterministic.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    nodes: BTreeMap<NodeId, Node>,
    edges: BTreeMap<(NodeId, EdgeKind, NodeId), Edge>,
    findings: BTreeMap<FindingFingerprint, Finding>,
}

impl Inventory {
    /// An empty inventory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node, merging it into an existing node with the same id.
    pub fn add_node(&mut self, node: Node) {
        match self.nodes.entry(node.id.clone()) {
            Entry::Vacant(slot) => {
                slot.insert(node);
            }
            Entry::Occupied(mut slot) => slot.get_mut().absorb(node),
        }
    }

    /// Adds an edge; a second edge with the same key adds its missing attributes.
    pub fn add_edge(&mut self, edge: Edge) {
        let key = (edge.from.clone(), edge.kind, edge.to.clone());
        match self.edges.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(edge);
            }
            Entry::Occupied(mut slot) => {
                for (name, value) in edge.attributes {
                    slot.get_mut().attributes.entry(name).or_insert(value);
                }
            }
        }
    }

    /// Adds a finding. A finding with a fingerprint already present is the same
    /// problem in the same place: the first is kept, and takes the second's
    /// provenance if it had none (the working tree shows where a secret is, the
    /// history who put it there).
    pub fn add_finding(&mut self, finding: Finding) {
        match self.findings.entry(finding.fingerprint) {
            Entry::Vacant(slot) => {
                slot.insert(finding);
            }
            Entry::Occupied(mut slot) => {
                let existing = slot.get_mut();
                if existing.provenance.is_none() {
                    existing.provenance = finding.provenance;
                }
            }
        }
    }

    /// Removes the findings `keep` rejects and returns how many were removed.
    pub fn retain_findings(&mut self, mut keep: impl FnMut(&Finding) -> bool) -> usize {
        let before = self.findings.len();
        self.findings.retain(|_, finding| keep(finding));
        before - self.findings.len()
    }

    /// Merges nodes into others: each `from → into` pair removes node `from`,
    /// folds its facts into `into` ([`Node::absorb`]; `into` wins), and
    /// repoints every edge and finding that named `from`. Used when two
    /// sightings turn out to be one thing (a key found in a file and the
    /// same key listed by its cloud). Edges that become loops are dropped.
    pub fn merge_nodes(&mut self, renames: &BTreeMap<NodeId, NodeId>) {
        if renames.is_empty() {
            return;
        }
        let target = |id: &NodeId| renames.get(id).unwrap_or(id).clone();
        for (from, into) in renames {
            if from == into {
                continue;
            }
            if let Some(node) = self.nodes.remove(from) {
                match self.nodes.get_mut(into) {
                    Some(existing) => existing.absorb(node),
                    None => {
                        let mut node = node;
                        node.id = into.clone();
                        self.nodes.insert(into.clone(), node);
                    }
                }
            }
        }
        let edges = std::mem::take(&mut self.edges);
        for (_, mut edge) in edges {
            edge.from = target(&edge.from);
            edge.to = target(&edge.to);
            if edge.from != edge.to {
                self.add_edge(edge);
            }
        }
        for finding in self.findings.values_mut() {
            for node in &mut finding.nodes {
                *node = target(node);
            }
            finding.nodes.dedup();
        }
    }

    /// Moves everything from `other` into this inventory.
    pub fn extend(&mut self, other: Inventory) {
        for node in other.nodes.into_values() {
            self.add_node(node);
        }
        for edge in other.edges.into_values() {
            self.add_edge(edge);
        }
        for finding in other.findings.into_values() {
            self.add_finding(finding);
        }
    }

    /// The node with this id.
    pub fn node(&self, id: &NodeId) -> Option<&Node> {
        self.nodes.get(id)
    }

    /// Every node, sorted by id.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Node> {
        self.nodes.values()
    }

    /// Every edge, sorted by `(from, kind, to)`.
    pub fn edges(&self) -> impl ExactSizeIterator<Item = &Edge> {
        self.edges.values()
    }

    /// Every finding, sorted by fingerprint.
    pub fn findings(&self) -> impl ExactSizeIterator<Item = &Finding> {
        self.findings.values()
    }

    /// Findings ordered for people: highest risk first (findings the graph
    /// was not analysed for rank as risk 0), then most severe, then by place
    /// and rule.
    pub fn findings_by_risk(&self) -> Vec<&Finding> {
        let mut findings: Vec<&Finding> = self.findings.values().collect();
        findings.sort_by(|a, b| {
            b.risk
                .unwrap_or(0)
                .cmp(&a.risk.unwrap_or(0))
                .then_with(|| b.severity.cmp(&a.severity))
                .then_with(|| a.location.display().cmp(&b.location.display()))
                .then_with(|| a.rule_id.cmp(&b.rule_id))
        });
        findings
    }

    /// Every finding, to fill in what later analyses conclude (their risk).
    pub fn findings_mut(&mut self) -> impl Iterator<Item = &mut Finding> {
        self.findings.values_mut()
    }

    /// Counts of nodes per `(class, type)`, sorted.
    pub fn node_counts(&self) -> BTreeMap<(&'static str, &'static str), usize> {
        let mut counts = BTreeMap::new();
        for node in self.nodes.values() {
            *counts
                .entry((node.kind.class_name(), node.kind.type_name()))
                .or_insert(0) += 1;
        }
        counts
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.edges.is_empty() && self.findings.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CredentialType, Location, NodeKind, Severity, SourceType};

    fn finding(rule: &str, severity: Severity, path: &str) -> Finding {
        Finding {
            fingerprint: FindingFingerprint::derive(rule, &[path]),
            rule_id: rule.into(),
            severity,
            title: "t".into(),
            message: "m".into(),
            nodes: vec![],
            location: Location::File {
                path: path.into(),
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 2,
                commit: None,
                snippet: None,
            },
            remediation: "r".into(),
            evidence: None,
            tags: vec![],
            provenance: None,
            risk: None,
        }
    }

    #[test]
    fn duplicates_collapse() {
        let mut inventory = Inventory::new();
        let kind = NodeKind::Credential(CredentialType::Token);
        let id = NodeId::from_stored("github:token:sha256:1");
        let source = NodeId::from_stored("generic:directory:/repo");
        inventory.add_node(Node::new(id.clone(), kind, "token", "github", "fs"));
        inventory.add_node(Node::new(id.clone(), kind, "token", "github", "fs"));
        inventory.add_node(Node::new(
            source.clone(),
            NodeKind::Source(SourceType::Directory),
            "/repo",
            "generic",
            "fs",
        ));
        inventory.add_edge(Edge::new(id.clone(), EdgeKind::ExposedIn, source.clone()));
        inventory.add_edge(Edge::new(id, EdgeKind::ExposedIn, source));
        inventory.add_finding(finding("r", Severity::High, "a"));
        inventory.add_finding(finding("r", Severity::High, "a"));
        assert_eq!(inventory.nodes().len(), 2);
        assert_eq!(inventory.edges().len(), 1);
        assert_eq!(inventory.findings().len(), 1);
    }

    #[test]
    fn merged_nodes_keep_one_copy_and_their_edges() {
        let mut inventory = Inventory::new();
        let kind = NodeKind::Credential(CredentialType::AccessKey);
        let found = NodeId::from_stored("aws:access_key:sha256:ab");
        let live = NodeId::from_stored("aws:access_key:AKIA");
        let file = NodeId::from_stored("local:file:/repo/a");
        let mut exposed = Node::new(found.clone(), kind, "key in a file", "aws", "fs");
        exposed.labels.insert("from".into(), "fs".into());
        inventory.add_node(exposed);
        inventory.add_node(Node::new(live.clone(), kind, "AKIA", "aws", "aws"));
        inventory.add_edge(Edge::new(found.clone(), EdgeKind::ExposedIn, file.clone()));
        let mut finding = finding("r", Severity::High, "a");
        finding.nodes = vec![found.clone(), file.clone()];
        inventory.add_finding(finding);
        inventory.merge_nodes(&BTreeMap::from([(found.clone(), live.clone())]));
        assert!(inventory.node(&found).is_none());
        let merged = inventory.node(&live).expect("the live key stays");
        assert_eq!(merged.name, "AKIA");
        assert_eq!(merged.labels["from"], "fs");
        assert_eq!(inventory.edges().next().map(|e| &e.from), Some(&live));
        let nodes = &inventory.findings().next().expect("a finding").nodes;
        assert_eq!(nodes, &vec![live, file]);
    }

    #[test]
    fn findings_sort_most_severe_first() {
        let mut inventory = Inventory::new();
        inventory.add_finding(finding("low", Severity::Low, "b"));
        inventory.add_finding(finding("crit", Severity::Critical, "c"));
        inventory.add_finding(finding("high", Severity::High, "a"));
        let order: Vec<&str> = inventory
            .findings_by_risk()
            .iter()
            .map(|f| f.rule_id.as_str())
            .collect();
        assert_eq!(order, ["crit", "high", "low"]);
    }
}

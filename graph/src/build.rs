//! From a scan's inventory to the compact access graph: the facts the
//! analyses read are derived here, once — exposure (a credential with an
//! `exposed_in` edge), admin-equivalence (AWS `admin_equivalent`, `*`
//! actions, Kubernetes `*`/`*`/`*` rules), crown jewels (a `crown-jewel`
//! label or a configured pattern), liveness, and whether a credential
//! expires.

use std::collections::BTreeSet;

use nhiscope_model::{EdgeKind, Inventory, Node, NodeKind, PermissionType};
use serde_json::Value;

use crate::compact::{Graph, GraphBuilder, NodeFacts, flags};

/// A `*` glob over node ids and native ids (`aws:*:arn:aws:s3:::payments-*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern(String);

impl Pattern {
    /// A pattern; `*` matches any run of characters.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// Whether `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        glob(self.0.as_bytes(), text.as_bytes())
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && pattern[p] != b'*' && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(at) = star {
            p = at + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|b| *b == b'*')
}

fn attribute<'a>(node: &'a Node, key: &str) -> Option<&'a Value> {
    node.attributes.get(key)
}

fn is_admin(node: &Node) -> bool {
    match node.kind {
        NodeKind::Identity(_) => attribute(node, "admin_equivalent").is_some(),
        NodeKind::Permission(PermissionType::Policy | PermissionType::InlinePolicy) => {
            attribute(node, "allowed_actions")
                .and_then(Value::as_array)
                .is_some_and(|actions| {
                    actions
                        .iter()
                        .any(|a| matches!(a.as_str(), Some("*" | "*:*" | "iam:*")))
                })
                && attribute(node, "denied_actions").is_none()
        }
        NodeKind::Permission(PermissionType::Role) => attribute(node, "rules")
            .and_then(Value::as_array)
            .is_some_and(|rules| {
                rules
                    .iter()
                    .any(|rule| rule.as_str() == Some("apiGroups [*] resources [*] verbs [*]"))
            }),
        _ => false,
    }
}

fn is_crown_jewel(node: &Node, patterns: &[Pattern]) -> bool {
    let labelled = ["crown-jewel", "crown_jewel", "nhiscope/crown-jewel"]
        .iter()
        .any(|key| {
            node.labels
                .get(*key)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        });
    labelled
        || patterns.iter().any(|pattern| {
            pattern.matches(node.id.as_str())
                || node
                    .native_id
                    .as_deref()
                    .is_some_and(|native| pattern.matches(native))
        })
}

/// The facts of one node, given whether it was found exposed.
pub fn facts_of(node: &Node, exposed: bool, crown_jewels: &[Pattern]) -> NodeFacts {
    let mut facts = NodeFacts::of(node.kind);
    facts.created_at = node
        .timestamps
        .created_at
        .map_or(i64::MIN, |t| t.as_second());
    facts.last_used_at = node
        .timestamps
        .last_used_at
        .map_or(i64::MIN, |t| t.as_second());
    if exposed {
        facts.flags |= flags::EXPOSED;
    }
    if is_admin(node) {
        facts.flags |= flags::ADMIN;
    }
    if is_crown_jewel(node, crown_jewels) {
        facts.flags |= flags::CROWN_JEWEL;
    }
    if let NodeKind::Credential(_) = node.kind {
        match attribute(node, "status").and_then(Value::as_str) {
            Some("active") => facts.flags |= flags::LIVE,
            Some("inactive") => facts.flags |= flags::INACTIVE,
            _ => {}
        }
        // A cluster's token Secret authenticates for as long as it exists.
        if node.collector == "kubernetes" && attribute(node, "expires") == Some(&Value::Bool(false))
        {
            facts.flags |= flags::LIVE;
        }
        if node.timestamps.expires_at.is_none() {
            facts.flags |= flags::LONG_LIVED;
        }
    }
    facts
}

/// Builds the access graph of an inventory. `crown_jewels` name the nodes
/// (by id or native id) that count as high-value targets besides those
/// labelled `crown-jewel: true`.
pub fn graph_of(inventory: &Inventory, crown_jewels: &[Pattern]) -> Graph {
    let exposed: BTreeSet<&str> = inventory
        .edges()
        .filter(|edge| edge.kind == EdgeKind::ExposedIn)
        .map(|edge| edge.from.as_str())
        .collect();
    let mut builder = GraphBuilder::with_capacity(inventory.nodes().len(), inventory.edges().len());
    builder.add_nodes(inventory.nodes().map(|node| {
        let facts = facts_of(node, exposed.contains(node.id.as_str()), crown_jewels);
        (node.id.as_str(), node.name.as_str(), facts)
    }));
    builder.add_edges(
        inventory
            .edges()
            .map(|edge| (edge.from.as_str(), edge.to.as_str(), edge.kind)),
    );
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_ids() {
        let pattern = Pattern::new("aws:*:arn:aws:s3:::payments-*");
        assert!(pattern.matches("aws:bucket:arn:aws:s3:::payments-ledger"));
        assert!(!pattern.matches("aws:bucket:arn:aws:s3:::marketing"));
        assert!(Pattern::new("*").matches("anything"));
        assert!(Pattern::new("a*b*c").matches("aXXbYYc"));
        assert!(!Pattern::new("a*b*c").matches("aXXbYY"));
    }
}

//! Turning matches into nodes, edges and findings (pure).

use nhiscope_model::{
    Edge, EdgeKind, Finding, FindingFingerprint, Location, Node, NodeId, NodeKind, SourceType,
};
use nhiscope_secrets::{RuleSet, SecretMatch};
use serde_json::json;

/// The collector id, used on every node it emits.
pub(crate) const COLLECTOR_ID: &str = "fs";

/// The source node of one scanned root.
pub(crate) fn source_node(canonical: &str, display: &str) -> Node {
    let kind = NodeKind::Source(SourceType::Directory);
    let mut node = Node::new(
        NodeId::new("local", &kind, canonical),
        kind,
        display,
        "local",
        COLLECTOR_ID,
    );
    node.native_id = Some(canonical.to_string());
    node
}

/// Where a file sits, for ids, fingerprints and display.
pub(crate) struct FileRef<'a> {
    /// The path relative to the scan root, `/`-separated.
    pub relative: &'a str,
    /// The path as the user would type it (root as given, joined).
    pub display: &'a str,
}

/// The credential node, its exposure edge and the finding for one match.
/// `occurrence` counts earlier matches of the same secret by the same rule in
/// the same file, so repeated values get distinct, stable fingerprints.
pub(crate) fn emit_match(
    rules: &RuleSet,
    source: &NodeId,
    file: &FileRef<'_>,
    hit: &SecretMatch,
    occurrence: usize,
) -> (Node, Edge, Finding) {
    let rule = rules.rule(hit.rule);
    let kind = NodeKind::Credential(rule.credential());
    let id = NodeId::from_fingerprint(rule.provider(), &kind, &hit.secret.fingerprint());
    let mut node = Node::new(
        id.clone(),
        kind,
        rule.description(),
        rule.provider(),
        COLLECTOR_ID,
    );
    node.secret = Some(hit.secret.clone());
    node.scope = Some(file.display.to_string());
    node.attributes.insert("rule_id".into(), json!(rule.id()));

    let mut edge = Edge::new(id.clone(), EdgeKind::ExposedIn, source.clone());
    edge.attributes.insert("path".into(), json!(file.display));
    edge.attributes.insert("line".into(), json!(hit.line));

    let fingerprint_hex = hit.secret.fingerprint().to_hex();
    let occurrence_text = occurrence.to_string();
    let finding = Finding {
        fingerprint: FindingFingerprint::derive(
            rule.id(),
            &[file.relative, &fingerprint_hex, &occurrence_text],
        ),
        rule_id: rule.id().to_string(),
        severity: rule.severity(),
        title: format!("{} exposed in a file", rule.description()),
        message: format!(
            "{} `{}` found in {}:{}:{}.",
            rule.description(),
            hit.secret.preview(),
            file.display,
            hit.line,
            hit.column
        ),
        nodes: vec![id, source.clone()],
        location: Location::File {
            path: file.display.to_string(),
            line: hit.line,
            column: hit.column,
            end_line: hit.end_line,
            end_column: hit.end_column,
            commit: None,
            snippet: Some(hit.snippet.clone()),
        },
        remediation: rule.remediation().to_string(),
        evidence: Some(hit.secret.clone()),
        tags: rule
            .tags()
            .iter()
            .cloned()
            .chain(["exposed".to_string()])
            .collect(),
    };
    (node, edge, finding)
}

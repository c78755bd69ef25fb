//! Turning secret matches in content into inventory: a credential node per
//! secret, a file node per place, `exposed_in` edges between them, and a
//! finding per occurrence. Shared by every collector that reads content (the
//! working tree here, git history in the `git` collector).

use nhiscope_collect::NodeSink;
use nhiscope_model::{
    Edge, EdgeKind, Finding, FindingFingerprint, Fingerprint, Location, Node, NodeId, NodeKind,
    Provenance, SourceType,
};
use nhiscope_secrets::{RuleSet, SecretMatch};
use serde_json::json;
use std::collections::HashMap;

use crate::IgnoreList;

/// The place content came from.
pub struct ContentPlace<'a> {
    /// The collector reading it (`fs`, `git`).
    pub collector: &'static str,
    /// The provider slug of the place's nodes (`local`, `git`).
    pub provider: &'static str,
    /// The directory or repository source node.
    pub source: &'a NodeId,
    /// The source's native id (its canonical path or URL), prefix of file ids.
    pub source_native: &'a str,
    /// The path relative to the source root, `/`-separated: fingerprints and
    /// ignore files use it.
    pub relative: &'a str,
    /// The path as shown to people.
    pub display: &'a str,
    /// For content from version control: the commit and who made it.
    pub provenance: Option<&'a Provenance>,
}

impl ContentPlace<'_> {
    /// The node of the file itself, contained in the source.
    pub fn file_node(&self) -> Node {
        let kind = NodeKind::Source(SourceType::File);
        let native = format!(
            "{}/{}",
            self.source_native.trim_end_matches('/'),
            self.relative
        );
        let mut node = Node::new(
            NodeId::new(self.provider, &kind, &native),
            kind,
            self.display,
            self.provider,
            self.collector,
        );
        node.native_id = Some(self.relative.to_string());
        node.scope = Some(self.source_native.to_string());
        node
    }
}

/// Emits what `hits` found in one file: its file node (once, if anything was
/// found), and per hit the credential node, the `exposed_in` edge and the
/// finding. Hits listed in the ignore list are recorded as skipped, not
/// dropped silently.
pub fn emit_hits(
    rules: &RuleSet,
    place: &ContentPlace<'_>,
    hits: &[SecretMatch],
    ignore: &IgnoreList,
    out: &dyn NodeSink,
) {
    let mut file: Option<NodeId> = None;
    let mut occurrences: HashMap<(usize, Fingerprint), usize> = HashMap::new();
    for hit in hits {
        let rule = rules.rule(hit.rule);
        let occurrence = occurrences
            .entry((hit.rule, hit.secret.fingerprint()))
            .or_insert(0);
        let fingerprint = finding_fingerprint(rule.id(), place.relative, hit, *occurrence);
        *occurrence += 1;
        let commit = place.provenance.map(|p| p.commit.as_str());
        if ignore.ignores(commit, place.relative, rule.id(), hit.line, &fingerprint) {
            out.skipped(
                format!("{}:{}:{}", place.display, hit.line, rule.id()),
                "ignored_finding",
                None,
            );
            continue;
        }
        let file_id = file.get_or_insert_with(|| {
            let node = place.file_node();
            let id = node.id.clone();
            out.node(node);
            out.edge(Edge::new(
                place.source.clone(),
                EdgeKind::Contains,
                id.clone(),
            ));
            id
        });
        let (node, edge, finding) = exposure(rule, place, file_id, hit, fingerprint);
        out.node(node);
        out.edge(edge);
        out.finding(finding);
    }
}

fn finding_fingerprint(
    rule_id: &str,
    relative: &str,
    hit: &SecretMatch,
    occurrence: usize,
) -> FindingFingerprint {
    FindingFingerprint::derive(
        rule_id,
        &[
            relative,
            &hit.secret.fingerprint().to_hex(),
            &occurrence.to_string(),
        ],
    )
}

fn exposure(
    rule: &nhiscope_secrets::Rule,
    place: &ContentPlace<'_>,
    file: &NodeId,
    hit: &SecretMatch,
    fingerprint: FindingFingerprint,
) -> (Node, Edge, Finding) {
    let kind = NodeKind::Credential(rule.credential());
    let id = NodeId::from_fingerprint(rule.provider(), &kind, &hit.secret.fingerprint());
    let mut node = Node::new(
        id.clone(),
        kind,
        rule.description(),
        rule.provider(),
        place.collector,
    );
    node.secret = Some(hit.secret.clone());
    node.attributes.insert("rule_id".into(), json!(rule.id()));
    for (fact, value) in &hit.facts {
        node.attributes.insert((*fact).to_string(), json!(value));
    }
    if let Some(provenance) = place.provenance {
        // The earliest sighting the collector reports is when it was exposed.
        node.timestamps.created_at = Some(provenance.date);
    }

    let mut edge = Edge::new(id.clone(), EdgeKind::ExposedIn, file.clone());
    edge.attributes.insert("line".into(), json!(hit.line));
    if let Some(encoding) = hit.encoding {
        edge.attributes.insert("encoding".into(), json!(encoding));
    }
    if let Some(provenance) = place.provenance {
        edge.attributes
            .insert("commit".into(), json!(provenance.commit));
        edge.attributes
            .insert("author".into(), json!(provenance.author));
        edge.attributes
            .insert("date".into(), json!(provenance.date));
    }

    let encoded = hit
        .encoding
        .map_or_else(String::new, |encoding| format!(" ({encoding}-encoded)"));
    let introduced = place.provenance.map_or_else(String::new, |p| {
        format!(
            " It was introduced in commit {} by {} on {}.",
            p.commit.get(..12).unwrap_or(&p.commit),
            p.author,
            p.date.strftime("%Y-%m-%d")
        )
    });
    let mut tags: Vec<String> = rule.tags().to_vec();
    tags.push("exposed".into());
    if let Some(encoding) = hit.encoding {
        tags.push(encoding.into());
    }
    if place.provenance.is_some() {
        tags.push("git-history".into());
    }
    let finding = Finding {
        fingerprint,
        rule_id: rule.id().to_string(),
        severity: rule.severity(),
        title: format!("{} exposed in a file", rule.description()),
        message: format!(
            "{}{encoded} `{}` found in {}:{}:{}.{introduced}",
            rule.description(),
            hit.secret.preview(),
            place.display,
            hit.line,
            hit.column
        ),
        nodes: vec![id, file.clone()],
        location: Location::File {
            path: place.display.to_string(),
            line: hit.line,
            column: hit.column,
            end_line: hit.end_line,
            end_column: hit.end_column,
            commit: place.provenance.map(|p| p.commit.clone()),
            snippet: Some(hit.snippet.clone()),
        },
        remediation: rule.remediation().to_string(),
        evidence: Some(hit.secret.clone()),
        tags,
        provenance: place.provenance.cloned(),
        risk: None,
    };
    (node, edge, finding)
}

//! Correlation across collectors: sightings of the same credential become
//! one node, and an exposed credential is judged by what its provider says
//! about it. A secret's sha256 fingerprint is its identity wherever it was
//! found (a file, git history, a Kubernetes Secret, a cluster export), and an
//! AWS access key id found in content has the fingerprint of the live key
//! the AWS collector lists — so the leaked key, the live key, its user and
//! everything the user can reach join up.

use std::collections::{BTreeMap, BTreeSet};

use nhiscope_model::{
    CredentialType, Detector, EdgeKind, Finding, FindingFingerprint, Fingerprint, IdentityType,
    Inventory, Location, Node, NodeId, NodeKind, Severity,
};
use serde_json::Value;

/// The correlation detectors.
pub static DETECTORS: &[Detector] = &[
    Detector::new(
        "exposed-credential-live",
        Severity::Critical,
        "A credential found in content that its provider lists as active: the leak is exploitable now",
        "Deactivate or revoke the credential at its provider now, check its use since the exposure (CloudTrail, audit logs), replace it with a short-lived or federated credential, and remove it from the content and its history.",
    ),
    Detector::new(
        "exposed-credential-revoked",
        Severity::Info,
        "A credential found in content that its provider lists as inactive or no longer has",
        "Nothing to rotate: the credential no longer works. Remove it from the content and its history so it stops being reported, and delete the inactive key at the provider.",
    ),
];

fn remediation(id: &str) -> String {
    DETECTORS
        .iter()
        .find(|d| d.id == id)
        .map_or_else(String::new, |d| d.remediation.to_string())
}

/// What correlation did.
#[derive(Clone, Debug, Default)]
pub struct Correlation {
    /// The nodes merged into another: `from → into`.
    pub merged: BTreeMap<NodeId, NodeId>,
    /// The findings it raised.
    pub findings: Vec<Finding>,
}

/// Whether `text` is an AWS access key id (the value the key-id rule matches).
fn is_aws_key_id(text: &str) -> bool {
    text.len() == 20
        && ["AKIA", "ASIA", "ABIA", "ACCA"]
            .iter()
            .any(|prefix| text.starts_with(prefix))
        && text[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
}

/// The fingerprint of the value a node stands for, if known.
fn value_fingerprint(node: &Node) -> Option<Fingerprint> {
    if let Some(secret) = &node.secret {
        return Some(secret.fingerprint());
    }
    let native = node.native_id.as_deref()?;
    (matches!(node.kind, NodeKind::Credential(CredentialType::AccessKey)) && is_aws_key_id(native))
        .then(|| Fingerprint::of(native.as_bytes()))
}

/// Known by a provider's own id rather than only by its value's fingerprint.
fn is_native(id: &NodeId) -> bool {
    !id.as_str().contains(":sha256:")
}

fn is_generic(node: &Node) -> bool {
    matches!(
        node.kind,
        NodeKind::Credential(CredentialType::GenericSecret)
    ) || node.provider == "generic"
}

fn status(node: &Node) -> Option<&str> {
    node.attributes.get("status").and_then(Value::as_str)
}

/// Where a provider's credential lives, as messages say it.
fn place(node: &Node) -> String {
    let scope = node.scope.clone().unwrap_or_default();
    match node.provider.as_str() {
        "aws" => format!("AWS account {scope}"),
        "kubernetes" => format!("Kubernetes cluster {scope}"),
        other => format!("{other} {scope}").trim().to_string(),
    }
}

fn text(node: &Node, key: &str) -> Option<String> {
    node.attributes
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Merges the sightings of each credential value into one node, then judges
/// exposed credentials against what their providers list.
pub fn correlate(inventory: &mut Inventory) -> Correlation {
    let mut groups: BTreeMap<Fingerprint, Vec<&Node>> = BTreeMap::new();
    for node in inventory.nodes() {
        if !matches!(node.kind, NodeKind::Credential(_)) {
            continue;
        }
        if let Some(fingerprint) = value_fingerprint(node) {
            groups.entry(fingerprint).or_default().push(node);
        }
    }
    let mut merged: BTreeMap<NodeId, NodeId> = BTreeMap::new();
    for nodes in groups.values().filter(|nodes| nodes.len() > 1) {
        let canonical = nodes
            .iter()
            .min_by_key(|node| (!is_native(&node.id), is_generic(node), node.id.clone()))
            .expect("a group has nodes");
        for node in nodes {
            if node.id != canonical.id {
                merged.insert(node.id.clone(), canonical.id.clone());
            }
        }
    }
    inventory.merge_nodes(&merged);
    let findings = judge_exposures(inventory);
    Correlation { merged, findings }
}

/// The accounts whose access keys were listed with their ids, so a key of
/// theirs that is not listed no longer exists.
fn accounts_with_key_ids(inventory: &Inventory) -> BTreeSet<String> {
    inventory
        .nodes()
        .filter(|node| {
            node.collector == "aws"
                && matches!(node.kind, NodeKind::Credential(CredentialType::AccessKey))
                && node.native_id.as_deref().is_some_and(is_aws_key_id)
        })
        .filter_map(|node| node.scope.clone())
        .collect()
}

fn judge_exposures(inventory: &Inventory) -> Vec<Finding> {
    let mut places: BTreeMap<&NodeId, Vec<&NodeId>> = BTreeMap::new();
    for edge in inventory.edges().filter(|e| e.kind == EdgeKind::ExposedIn) {
        places.entry(&edge.from).or_default().push(&edge.to);
    }
    let holders: BTreeMap<&NodeId, &NodeId> = inventory
        .edges()
        .filter(|e| e.kind == EdgeKind::AuthenticatesAs)
        .map(|e| (&e.from, &e.to))
        .collect();
    let known_accounts = accounts_with_key_ids(inventory);
    let mut findings = Vec::new();
    for (id, files) in places {
        let Some(node) = inventory.node(id) else {
            continue;
        };
        // Where it was seen: the exposure findings about this credential.
        let exposures: Vec<&Finding> = inventory
            .findings()
            .filter(|f| f.nodes.first() == Some(id) && matches!(f.location, Location::File { .. }))
            .collect();
        let Some(first) = exposures.first() else {
            continue;
        };
        let seen = exposures
            .iter()
            .map(|f| f.location.display())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>();
        let seen_text = if seen.len() > 3 {
            format!(
                "{} and {} more places",
                seen[..3].join(", "),
                seen.len() - 3
            )
        } else {
            seen.join(", ")
        };
        let holder = holders
            .get(id)
            .and_then(|holder| inventory.node(holder))
            .map(|identity| {
                let kind = match identity.kind {
                    NodeKind::Identity(IdentityType::IamUser) => "IAM user",
                    NodeKind::Identity(IdentityType::IamRole) => "IAM role",
                    NodeKind::Identity(IdentityType::KubernetesServiceAccount) => "ServiceAccount",
                    _ => identity.kind.type_name(),
                };
                format!(", authenticating as {kind} {}", identity.name)
            });
        let where_live = place(node);
        let preview = node
            .secret
            .as_ref()
            .map_or_else(|| node.name.clone(), |s| format!("`{}`", s.preview()));
        let live_token = node.collector == "kubernetes"
            && node.attributes.get("expires") == Some(&Value::Bool(false));
        let verdict: Option<(&str, String)> = match (status(node), is_native(id)) {
            (Some("active"), true) => {
                let used = node.timestamps.last_used_at.map_or_else(
                    || " It has no recorded use.".to_string(),
                    |at| format!(" It was last used on {}.", at.strftime("%Y-%m-%d")),
                );
                Some((
                    "exposed-credential-live",
                    format!(
                        "{} {preview} found in {seen_text} is active in {where_live}{}.{used}",
                        node.kind.type_name().replace('_', " "),
                        holder.clone().unwrap_or_default()
                    ),
                ))
            }
            (Some("inactive"), true) => Some((
                "exposed-credential-revoked",
                format!(
                    "{} {preview} found in {seen_text} is inactive in {where_live}{}: it no longer authenticates.",
                    node.kind.type_name().replace('_', " "),
                    holder.clone().unwrap_or_default()
                ),
            )),
            _ if live_token && is_native(id) => Some((
                "exposed-credential-live",
                format!(
                    "The {} ({preview}), found in {seen_text}, is live in {where_live}{}: it authenticates for as long as its Secret exists.",
                    node.name,
                    holder.clone().unwrap_or_default()
                ),
            )),
            _ => text(node, "aws_account")
                .filter(|account| !is_native(id) && known_accounts.contains(account))
                .map(|account| {
                    (
                        "exposed-credential-revoked",
                        format!(
                            "AWS access key {preview} found in {seen_text} belongs to account {account}, which was scanned and has no such key: it was deleted."
                        ),
                    )
                }),
        };
        let Some((rule_id, message)) = verdict else {
            continue;
        };
        let severity = DETECTORS
            .iter()
            .find(|d| d.id == rule_id)
            .map_or(Severity::Info, |d| d.severity);
        let mut nodes = vec![id.clone()];
        nodes.extend(files.iter().map(|f| (*f).clone()));
        if let Some(holder) = holders.get(id) {
            nodes.push((*holder).clone());
        }
        let title = if rule_id == "exposed-credential-live" {
            format!(
                "Exposed {} is live",
                node.kind.type_name().replace('_', " ")
            )
        } else {
            format!(
                "Exposed {} no longer works",
                node.kind.type_name().replace('_', " ")
            )
        };
        findings.push(Finding {
            fingerprint: FindingFingerprint::derive(rule_id, &[id.as_str()]),
            rule_id: rule_id.to_string(),
            severity,
            title,
            message,
            nodes,
            location: first.location.clone(),
            remediation: remediation(rule_id),
            evidence: node.secret.clone(),
            tags: vec!["correlation".to_string(), "exposed".to_string()],
            provenance: first.provenance.clone(),
            risk: None,
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhiscope_model::{Edge, IdentityType, Redacted, SourceType};

    fn exposure(inventory: &mut Inventory, value: &str, path: &str) -> NodeId {
        let kind = NodeKind::Credential(CredentialType::AccessKey);
        let secret = Redacted::new(value.as_bytes());
        let id = NodeId::from_fingerprint("aws", &kind, &secret.fingerprint());
        let mut node = Node::new(id.clone(), kind, "AWS access key ID", "aws", "fs");
        node.secret = Some(secret);
        node.attributes
            .insert("aws_account".into(), Value::from("210987654321"));
        inventory.add_node(node);
        let file = NodeId::from_stored(format!("local:file:{path}"));
        inventory.add_node(Node::new(
            file.clone(),
            NodeKind::Source(SourceType::File),
            path,
            "local",
            "fs",
        ));
        inventory.add_edge(Edge::new(id.clone(), EdgeKind::ExposedIn, file.clone()));
        inventory.add_finding(Finding {
            fingerprint: FindingFingerprint::derive("aws-access-key-id", &[path]),
            rule_id: "aws-access-key-id".into(),
            severity: Severity::High,
            title: "t".into(),
            message: "m".into(),
            nodes: vec![id.clone(), file],
            location: Location::File {
                path: path.into(),
                line: 8,
                column: 1,
                end_line: 8,
                end_column: 21,
                commit: None,
                snippet: None,
            },
            remediation: String::new(),
            evidence: None,
            tags: vec![],
            provenance: None,
            risk: None,
        });
        id
    }

    fn live_key(inventory: &mut Inventory, key_id: &str, status: &str) -> NodeId {
        let kind = NodeKind::Credential(CredentialType::AccessKey);
        let id = NodeId::new("aws", &kind, key_id);
        let mut node = Node::new(id.clone(), kind, key_id, "aws", "aws");
        node.native_id = Some(key_id.into());
        node.scope = Some("210987654321".into());
        node.attributes.insert("status".into(), Value::from(status));
        inventory.add_node(node);
        let user = NodeId::from_stored("aws:iam_user:arn:aws:iam::210987654321:user/ci");
        inventory.add_node(Node::new(
            user.clone(),
            NodeKind::Identity(IdentityType::IamUser),
            "ci",
            "aws",
            "aws",
        ));
        inventory.add_edge(Edge::new(id.clone(), EdgeKind::AuthenticatesAs, user));
        id
    }

    #[test]
    fn a_leaked_key_joins_the_live_key_and_is_critical() {
        let mut inventory = Inventory::new();
        let found = exposure(&mut inventory, "AKIAUJZDEGXDNCF32EPF", "settings.py");
        let live = live_key(&mut inventory, "AKIAUJZDEGXDNCF32EPF", "active");
        let correlation = correlate(&mut inventory);
        assert_eq!(correlation.merged.get(&found), Some(&live));
        assert!(inventory.node(&found).is_none());
        let node = inventory.node(&live).expect("one node");
        assert!(
            node.secret.is_some(),
            "the exposure's redacted value joins the live key"
        );
        assert_eq!(correlation.findings.len(), 1);
        let finding = &correlation.findings[0];
        assert_eq!(finding.rule_id, "exposed-credential-live");
        assert_eq!(finding.severity, Severity::Critical);
        assert!(
            finding
                .message
                .contains("active in AWS account 210987654321, authenticating as IAM user ci"),
            "{}",
            finding.message
        );
        assert!(matches!(finding.location, Location::File { line: 8, .. }));
    }

    #[test]
    fn inactive_and_deleted_keys_are_informational() {
        let mut inventory = Inventory::new();
        exposure(&mut inventory, "AKIAUJZDEGXDNCF32EPF", "old.env");
        live_key(&mut inventory, "AKIAUJZDEGXDNCF32EPF", "inactive");
        // A key of the same (scanned) account that it no longer has.
        exposure(&mut inventory, "AKIAZZZZZZZZZZZZZZZZ", "ancient.env");
        let correlation = correlate(&mut inventory);
        let rules: Vec<(&str, Severity)> = correlation
            .findings
            .iter()
            .map(|f| (f.rule_id.as_str(), f.severity))
            .collect();
        assert_eq!(
            rules,
            [
                ("exposed-credential-revoked", Severity::Info),
                ("exposed-credential-revoked", Severity::Info)
            ]
        );
        assert!(
            correlation
                .findings
                .iter()
                .any(|f| f.message.contains("it was deleted"))
        );
    }

    #[test]
    fn the_same_value_in_two_places_is_one_credential() {
        let mut inventory = Inventory::new();
        let a = exposure(&mut inventory, "AKIAUJZDEGXDNCF32EPF", "a.env");
        let b = exposure(&mut inventory, "AKIAUJZDEGXDNCF32EPF", "b.env");
        assert_eq!(a, b, "the same fingerprint id already");
        let correlation = correlate(&mut inventory);
        assert!(correlation.merged.is_empty());
        assert!(
            correlation.findings.is_empty(),
            "no provider knows it: nothing to judge"
        );
    }
}

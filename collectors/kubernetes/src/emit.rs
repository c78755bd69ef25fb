//! A cluster and its assessment, as inventory: the cluster and its
//! namespaces, every service account (with its federation links, roles and
//! tokens), every workload (with the account it runs as, its pods, its host
//! access and the Secrets it consumes), roles and what they reach, Secrets
//! and ConfigMaps that hold credentials (names and fingerprints only), the
//! credentials themselves, and the detectors' findings.

use std::collections::{BTreeMap, BTreeSet};

use nhiscope_collect::NodeSink;
use nhiscope_k8s::{
    Assessment, Cluster, NamespacedName, ObjectKind, Origin, Role, Sighting, WorkloadKey, ids,
    rbac, references, token_mounted,
};
use nhiscope_model::{
    CredentialType, Edge, EdgeKind, IdentityType, Node, NodeId, NodeKind, PermissionType, Redacted,
    ResourceType, SourceType,
};
use serde_json::{Value, json};

/// The collector id nodes are stamped with.
const COLLECTOR: &str = "kubernetes";

/// Rules listed per role node before the rest are only counted.
const MAX_RULES_LISTED: usize = 40;

fn node(id: NodeId, kind: NodeKind, name: &str, scope: &str) -> Node {
    let mut node = Node::new(id, kind, name, ids::PROVIDER, COLLECTOR);
    node.scope = Some(scope.to_string());
    node
}

fn set(node: &mut Node, key: &str, value: impl Into<Value>) {
    let value = value.into();
    let empty = match &value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    };
    if !empty {
        node.attributes.insert(key.to_string(), value);
    }
}

fn edge(out: &dyn NodeSink, from: &NodeId, kind: EdgeKind, to: &NodeId, attributes: Value) {
    let mut edge = Edge::new(from.clone(), kind, to.clone());
    if let Value::Object(map) = attributes {
        edge.attributes = map.into_iter().collect();
    }
    out.edge(edge);
}

fn meta_into(node: &mut Node, meta: &nhiscope_k8s::ObjectMeta, fallback_native: String) {
    node.native_id = Some(meta.uid.clone().unwrap_or(fallback_native));
    node.timestamps.created_at = meta.created_at();
    node.labels = meta.labels.clone();
}

/// Emits everything known about `cluster`.
pub fn emit(cluster: &Cluster, assessment: &Assessment, out: &dyn NodeSink) {
    let name = cluster.name.as_str();
    let cluster_id = ids::cluster(name);
    let mut cluster_node = node(
        cluster_id.clone(),
        NodeKind::Source(SourceType::KubernetesCluster),
        &format!("Kubernetes cluster {name}"),
        name,
    );
    cluster_node.native_id = Some(name.to_string());
    let (origin, context) = match &cluster.origin {
        Origin::Live { context } => ("live", Some(context.clone())),
        Origin::Export => ("export", None),
        Origin::Manifests => ("manifests", None),
    };
    set(&mut cluster_node, "origin", origin);
    set(&mut cluster_node, "context", json!(context));
    set(
        &mut cluster_node,
        "objects_read",
        json!(cluster.objects_read),
    );
    set(
        &mut cluster_node,
        "unreadable_resources",
        json!(cluster.unreadable),
    );
    set(
        &mut cluster_node,
        "federation_available",
        json!(
            assessment
                .federation_available
                .iter()
                .map(|(cloud, evidence)| (cloud.as_str(), evidence))
                .collect::<BTreeMap<_, _>>()
        ),
    );
    set(
        &mut cluster_node,
        "privileged_namespaces",
        json!(assessment.privileged_namespaces),
    );
    out.node(cluster_node);
    let cluster_resource = ids::cluster_resource(name);
    let mut resource_node = node(
        cluster_resource.clone(),
        NodeKind::Resource(ResourceType::Cluster),
        &format!("every namespace of {name}"),
        name,
    );
    resource_node.native_id = Some(name.to_string());
    out.node(resource_node);
    edge(
        out,
        &cluster_id,
        EdgeKind::Contains,
        &cluster_resource,
        Value::Null,
    );

    namespaces(cluster, out);
    roles(cluster, out);
    service_accounts(cluster, assessment, out);
    workloads(cluster, assessment, out);
    secrets(cluster, assessment, out);
    credentials(cluster, &assessment.sightings, out);
    for finding in &assessment.findings {
        out.finding(finding.clone());
    }
}

fn namespaces(cluster: &Cluster, out: &dyn NodeSink) {
    let name = cluster.name.as_str();
    let mut seen: BTreeSet<String> = cluster.namespaces.keys().cloned().collect();
    seen.extend(cluster.service_accounts.keys().map(|k| k.namespace.clone()));
    seen.extend(cluster.workloads.keys().map(|k| k.name.namespace.clone()));
    seen.extend(cluster.role_bindings.keys().map(|k| k.namespace.clone()));
    for namespace in seen {
        let id = ids::namespace(name, &namespace);
        let mut namespace_node = node(
            id.clone(),
            NodeKind::Resource(ResourceType::Namespace),
            &namespace,
            name,
        );
        match cluster.namespaces.get(&namespace) {
            Some(object) => meta_into(&mut namespace_node, &object.meta, namespace.clone()),
            None => namespace_node.native_id = Some(namespace.clone()),
        }
        out.node(namespace_node);
        edge(
            out,
            &ids::cluster(name),
            EdgeKind::Contains,
            &id,
            Value::Null,
        );
    }
}

fn role_node(cluster: &Cluster, role: &Role) -> Node {
    let id = ids::role(&cluster.name, role);
    let role_name = role.meta.name.clone().unwrap_or_default();
    let label = match (role.namespaced, role.meta.namespace.as_deref()) {
        (true, Some(namespace)) => format!("{namespace}/{role_name}"),
        _ => role_name.clone(),
    };
    let mut role_node = node(
        id,
        NodeKind::Permission(PermissionType::Role),
        &label,
        &cluster.name,
    );
    meta_into(&mut role_node, &role.meta, label.clone());
    let rules = rbac::effective_rules(cluster, role);
    set(
        &mut role_node,
        "kind",
        if role.namespaced {
            "Role"
        } else {
            "ClusterRole"
        },
    );
    set(&mut role_node, "builtin", role.builtin);
    set(&mut role_node, "aggregated", role.aggregation.is_some());
    set(&mut role_node, "rule_count", rules.len());
    set(
        &mut role_node,
        "rules",
        json!(
            rules
                .iter()
                .take(MAX_RULES_LISTED)
                .map(|rule| rule.describe())
                .collect::<Vec<_>>()
        ),
    );
    set(&mut role_node, "file", json!(role.origin));
    role_node
}

fn roles(cluster: &Cluster, out: &dyn NodeSink) {
    for role in cluster.roles.values().chain(cluster.cluster_roles.values()) {
        out.node(role_node(cluster, role));
    }
    // Built-in roles that bindings name but the input does not hold.
    let mut emitted: BTreeSet<String> = BTreeSet::new();
    for grant in rbac::grants(cluster) {
        if let Some(role) = grant.role
            && role.builtin
            && emitted.insert(role.describe())
        {
            out.node(role_node(cluster, role));
        }
    }
}

fn service_accounts(cluster: &Cluster, assessment: &Assessment, out: &dyn NodeSink) {
    let name = cluster.name.as_str();
    let grants = rbac::grants(cluster);
    let mut bindings_of: BTreeMap<&NamespacedName, Vec<String>> = BTreeMap::new();
    for account in cluster.service_accounts.keys() {
        for grant in grants.iter().filter(|g| g.grantee.covers(account)) {
            bindings_of
                .entry(account)
                .or_default()
                .push(grant.binding.describe());
        }
    }
    for (account, service_account) in &cluster.service_accounts {
        let id = ids::service_account(name, account);
        let mut account_node = node(
            id.clone(),
            NodeKind::Identity(IdentityType::KubernetesServiceAccount),
            &account.to_string(),
            name,
        );
        meta_into(
            &mut account_node,
            &service_account.meta,
            account.to_string(),
        );
        set(&mut account_node, "namespace", account.namespace.as_str());
        set(
            &mut account_node,
            "automount_token",
            json!(service_account.automount),
        );
        set(&mut account_node, "implicit", service_account.implicit);
        set(
            &mut account_node,
            "bindings",
            json!(bindings_of.get(account)),
        );
        set(
            &mut account_node,
            "rbac_risk",
            json!(assessment.account_risk.get(account).map(|s| s.as_str())),
        );
        let workloads: Vec<String> = assessment
            .usage
            .workloads_of(account)
            .map(|key| key.to_string())
            .collect();
        set(&mut account_node, "workloads", json!(workloads));
        set(&mut account_node, "file", json!(service_account.origin));
        let links: Vec<Value> = assessment
            .federation_links
            .iter()
            .filter(|link| &link.account == account)
            .map(|link| json!({"cloud": link.cloud.as_str(), "mechanism": link.mechanism, "target": link.target}))
            .collect();
        set(&mut account_node, "federated_to", json!(links));
        out.node(account_node);
        edge(
            out,
            &ids::namespace(name, &account.namespace),
            EdgeKind::Contains,
            &id,
            Value::Null,
        );
    }

    for grant in &grants {
        let Some(role) = grant.role else { continue };
        let role_id = ids::role(name, role);
        let target = match &grant.scope {
            rbac::Scope::Cluster => ids::cluster_resource(name),
            rbac::Scope::Namespace(namespace) => ids::namespace(name, namespace),
        };
        edge(
            out,
            &role_id,
            EdgeKind::Grants,
            &target,
            json!({"binding": grant.binding.describe()}),
        );
        for account in cluster.service_accounts.keys() {
            if grant.grantee.covers(account) {
                edge(
                    out,
                    &ids::service_account(name, account),
                    EdgeKind::HasPermission,
                    &role_id,
                    json!({"binding": grant.binding.describe(), "scope": grant.scope.describe(), "via": grant.grantee.describe()}),
                );
            }
        }
    }

    for link in &assessment.federation_links {
        let mut target = Node::new(
            link.target_id.clone(),
            NodeKind::Identity(match link.cloud {
                nhiscope_k8s::federation::Cloud::Aws => IdentityType::IamRole,
                nhiscope_k8s::federation::Cloud::Gcp => IdentityType::GcpServiceAccount,
                nhiscope_k8s::federation::Cloud::Azure => IdentityType::AzureServicePrincipal,
            }),
            link.target.rsplit(['/']).next().unwrap_or(&link.target),
            link.cloud.as_str(),
            COLLECTOR,
        );
        target.native_id = Some(link.target.clone());
        if link.target.starts_with("arn:") {
            target.scope = link.target.split(':').nth(4).map(str::to_string);
        }
        out.node(target);
        edge(
            out,
            &ids::service_account(name, &link.account),
            EdgeKind::CanAssume,
            &link.target_id,
            json!({"mechanism": link.mechanism}),
        );
    }
}

fn workloads(cluster: &Cluster, assessment: &Assessment, out: &dyn NodeSink) {
    let name = cluster.name.as_str();
    let consumed = consumed_secrets(cluster, assessment);
    for (key, workload) in &cluster.workloads {
        let top = assessment.usage.top.get(key).unwrap_or(key);
        let id = ids::workload(name, key);
        let mut workload_node = node(
            id.clone(),
            NodeKind::Workload(key.kind.workload_type()),
            &key.name.to_string(),
            name,
        );
        meta_into(&mut workload_node, &workload.meta, workload.resource());
        let account =
            NamespacedName::new(key.name.namespace.clone(), workload.spec.service_account());
        let mounted = token_mounted(cluster, &workload.spec, &account);
        set(&mut workload_node, "kind", key.kind.as_str());
        set(&mut workload_node, "namespace", key.name.namespace.as_str());
        set(&mut workload_node, "service_account", account.to_string());
        set(&mut workload_node, "token_mounted", mounted);
        set(&mut workload_node, "replicas", json!(workload.replicas));
        set(&mut workload_node, "phase", json!(workload.phase));
        set(&mut workload_node, "node", json!(workload.spec.node_name));
        set(&mut workload_node, "file", json!(workload.origin));
        let images: Vec<&str> = workload
            .spec
            .all_containers()
            .filter_map(|c| c.image.as_deref())
            .collect();
        set(&mut workload_node, "images", json!(images));
        let host_paths: Vec<Value> = workload
            .spec
            .volumes
            .iter()
            .filter_map(|v| {
                v.host_path
                    .as_ref()
                    .map(|h| json!({"volume": v.name, "path": h.path}))
            })
            .collect();
        set(&mut workload_node, "host_paths", json!(host_paths));
        if workload.spec.host_pid == Some(true) {
            set(&mut workload_node, "host_pid", true);
        }
        let privileged: Vec<&str> = workload
            .spec
            .all_containers()
            .filter(|c| c.security_context.as_ref().and_then(|s| s.privileged) == Some(true))
            .map(|c| c.name.as_str())
            .collect();
        set(
            &mut workload_node,
            "privileged_containers",
            json!(privileged),
        );
        if top != key {
            set(
                &mut workload_node,
                "controller",
                ids::workload(name, top).to_string(),
            );
        } else if let Some(summary) = assessment.usage.pods.get(key)
            && key.kind != nhiscope_k8s::WorkloadKind::Pod
        {
            set(&mut workload_node, "pods", summary.count);
            set(&mut workload_node, "nodes", json!(summary.nodes));
        }
        if let Some(secrets) = consumed.get(key) {
            set(&mut workload_node, "secrets", json!(secrets));
        }
        out.node(workload_node);
        edge(
            out,
            &ids::namespace(name, &key.name.namespace),
            EdgeKind::Contains,
            &id,
            Value::Null,
        );
        edge(
            out,
            &id,
            EdgeKind::Uses,
            &ids::service_account(name, &account),
            json!({"token_mounted": mounted}),
        );
        if top == key
            && let Some(secrets) = consumed.get(key)
        {
            for secret in secrets {
                let secret_name = NamespacedName::new(
                    key.name.namespace.clone(),
                    secret["secret"].as_str().unwrap_or_default(),
                );
                if cluster.secrets.contains_key(&secret_name) {
                    edge(
                        out,
                        &id,
                        EdgeKind::Uses,
                        &ids::secret(name, &secret_name),
                        json!({"how": secret["how"]}),
                    );
                }
            }
        }
    }
}

/// The Secrets each top-level workload consumes, and how.
fn consumed_secrets(
    cluster: &Cluster,
    assessment: &Assessment,
) -> BTreeMap<WorkloadKey, Vec<Value>> {
    let mut consumed: BTreeMap<WorkloadKey, Vec<Value>> = BTreeMap::new();
    for key in assessment.usage.top_level() {
        let list: BTreeSet<(String, String)> = references(&cluster.workloads[key].spec)
            .into_iter()
            .filter(|reference| reference.kind == ObjectKind::Secret)
            .map(|reference| {
                let how = match &reference.key {
                    Some(secret_key) => format!("{} (key {secret_key})", reference.how),
                    None => reference.how,
                };
                (reference.name, how)
            })
            .collect();
        if !list.is_empty() {
            consumed.insert(
                key.clone(),
                list.into_iter()
                    .map(|(secret, how)| json!({"secret": secret, "how": how}))
                    .collect(),
            );
        }
    }
    consumed
}

fn secrets(cluster: &Cluster, assessment: &Assessment, out: &dyn NodeSink) {
    let name = cluster.name.as_str();
    for (secret_name, secret) in &cluster.secrets {
        let id = ids::secret(name, secret_name);
        let mut secret_node = node(
            id.clone(),
            NodeKind::Resource(ResourceType::Secret),
            &secret_name.to_string(),
            name,
        );
        meta_into(&mut secret_node, &secret.meta, secret_name.to_string());
        set(&mut secret_node, "type", secret.secret_type.as_str());
        set(&mut secret_node, "file", json!(secret.origin));
        // Names, lengths and fingerprints only: never a value.
        let values: BTreeMap<&String, Value> = secret
            .values
            .iter()
            .map(|(key, value)| {
                let redacted = nhiscope_model::Fingerprint::of(value);
                (
                    key,
                    json!({"sha256": redacted.to_hex(), "length": value.len()}),
                )
            })
            .collect();
        set(&mut secret_node, "values", json!(values));
        set(
            &mut secret_node,
            "undecodable_keys",
            json!(secret.undecodable),
        );
        out.node(secret_node);
        edge(
            out,
            &ids::namespace(name, &secret_name.namespace),
            EdgeKind::Contains,
            &id,
            Value::Null,
        );

        if secret.secret_type == "kubernetes.io/service-account-token" {
            let account_name = secret
                .meta
                .annotations
                .get("kubernetes.io/service-account.name")
                .cloned()
                .unwrap_or_default();
            let token_id = ids::token_secret(name, secret_name);
            let mut token = node(
                token_id.clone(),
                NodeKind::Credential(CredentialType::Token),
                &format!(
                    "long-lived token of {}/{account_name}",
                    secret_name.namespace
                ),
                name,
            );
            token.native_id = Some(format!("{secret_name}#token"));
            token.timestamps.created_at = secret.meta.created_at();
            token.secret = secret.values.get("token").map(|value| Redacted::new(value));
            set(&mut token, "secret", secret_name.to_string());
            set(&mut token, "expires", false);
            out.node(token);
            edge(out, &id, EdgeKind::Contains, &token_id, Value::Null);
            if !account_name.is_empty() {
                let account = ids::service_account(
                    name,
                    &NamespacedName::new(secret_name.namespace.clone(), account_name),
                );
                edge(
                    out,
                    &token_id,
                    EdgeKind::AuthenticatesAs,
                    &account,
                    Value::Null,
                );
                edge(out, &account, EdgeKind::Holds, &token_id, Value::Null);
            }
        }
    }
    // ConfigMaps appear only when they hold a credential.
    let maps: BTreeSet<&NamespacedName> = assessment
        .sightings
        .iter()
        .filter_map(|s| match &s.place {
            nhiscope_k8s::CredentialPlace::ConfigMapValue { config_map, .. } => Some(config_map),
            _ => None,
        })
        .collect();
    for map_name in maps {
        let Some(map) = cluster.config_maps.get(map_name) else {
            continue;
        };
        let id = ids::config_map(name, map_name);
        let mut map_node = node(
            id.clone(),
            NodeKind::Resource(ResourceType::Other),
            &map_name.to_string(),
            name,
        );
        meta_into(&mut map_node, &map.meta, map_name.to_string());
        set(&mut map_node, "kind", "ConfigMap");
        set(
            &mut map_node,
            "keys",
            json!(map.data.keys().collect::<Vec<_>>()),
        );
        set(&mut map_node, "file", json!(map.origin));
        out.node(map_node);
        edge(
            out,
            &ids::namespace(name, &map_name.namespace),
            EdgeKind::Contains,
            &id,
            Value::Null,
        );
    }
}

fn credentials(cluster: &Cluster, sightings: &[Sighting], out: &dyn NodeSink) {
    let name = cluster.name.as_str();
    for sighting in sightings {
        let id = sighting.node_id();
        let mut credential = Node::new(
            id.clone(),
            NodeKind::Credential(sighting.credential),
            sighting.description.as_str(),
            sighting.provider.as_str(),
            COLLECTOR,
        );
        credential.secret = Some(sighting.secret.clone());
        credential
            .attributes
            .insert("rule_id".into(), json!(sighting.rule_id));
        for (fact, value) in &sighting.facts {
            credential
                .attributes
                .insert((*fact).to_string(), json!(value));
        }
        out.node(credential);
        let holder = match &sighting.place {
            nhiscope_k8s::CredentialPlace::SecretValue { secret, key } => {
                Some((ids::secret(name, secret), key.clone()))
            }
            nhiscope_k8s::CredentialPlace::ConfigMapValue { config_map, key } => {
                Some((ids::config_map(name, config_map), key.clone()))
            }
            nhiscope_k8s::CredentialPlace::EnvLiteral { .. } => None,
        };
        if let Some((holder, key)) = holder {
            edge(out, &holder, EdgeKind::Contains, &id, json!({"key": key}));
        }
        for (workload, how) in &sighting.consumers {
            edge(
                out,
                &ids::workload(name, workload),
                EdgeKind::Uses,
                &id,
                json!({"how": how}),
            );
        }
    }
}

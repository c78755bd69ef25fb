//! The node ids of Kubernetes things, shared by the collector (which emits
//! the nodes) and the detectors (whose findings point at them), and the ids
//! of the cloud identities service accounts federate to — the same ids the
//! cloud collectors give them, so the graph joins.

use nhiscope_model::{
    CredentialType, IdentityType, NodeId, NodeKind, PermissionType, ResourceType, SourceType,
};

use crate::cluster::{NamespacedName, Role, WorkloadKey};

/// The provider slug of everything Kubernetes.
pub const PROVIDER: &str = "kubernetes";

/// The cluster itself.
pub fn cluster(cluster: &str) -> NodeId {
    NodeId::new(
        PROVIDER,
        &NodeKind::Source(SourceType::KubernetesCluster),
        cluster,
    )
}

/// A namespace.
pub fn namespace(cluster: &str, namespace: &str) -> NodeId {
    NodeId::new(
        PROVIDER,
        &NodeKind::Resource(ResourceType::Namespace),
        &format!("{cluster}/{namespace}"),
    )
}

/// The cluster as a resource that cluster-wide grants reach.
pub fn cluster_resource(cluster: &str) -> NodeId {
    NodeId::new(
        PROVIDER,
        &NodeKind::Resource(ResourceType::Cluster),
        cluster,
    )
}

/// A service account.
pub fn service_account(cluster: &str, account: &NamespacedName) -> NodeId {
    NodeId::new(
        PROVIDER,
        &NodeKind::Identity(IdentityType::KubernetesServiceAccount),
        &format!("{cluster}/{account}"),
    )
}

/// A workload (Pod or controller).
pub fn workload(cluster: &str, key: &WorkloadKey) -> NodeId {
    NodeId::new(
        PROVIDER,
        &NodeKind::Workload(key.kind.workload_type()),
        &format!("{cluster}/{}", key.name),
    )
}

/// A Role (`cluster/ns/name`) or ClusterRole (`cluster/name`).
pub fn role(cluster: &str, role: &Role) -> NodeId {
    let name = role.meta.name.as_deref().unwrap_or_default();
    let native = match (role.namespaced, role.meta.namespace.as_deref()) {
        (true, Some(namespace)) => format!("{cluster}/{namespace}/{name}"),
        _ => format!("{cluster}/{name}"),
    };
    NodeId::new(
        PROVIDER,
        &NodeKind::Permission(PermissionType::Role),
        &native,
    )
}

/// A Secret.
pub fn secret(cluster: &str, secret: &NamespacedName) -> NodeId {
    NodeId::new(
        PROVIDER,
        &NodeKind::Resource(ResourceType::Secret),
        &format!("{cluster}/{secret}"),
    )
}

/// A ConfigMap that holds a credential.
pub fn config_map(cluster: &str, config_map: &NamespacedName) -> NodeId {
    NodeId::new(
        PROVIDER,
        &NodeKind::Resource(ResourceType::Other),
        &format!(
            "{cluster}/{}/ConfigMap/{}",
            config_map.namespace, config_map.name
        ),
    )
}

/// The long-lived token a `kubernetes.io/service-account-token` Secret holds.
pub fn token_secret(cluster: &str, secret: &NamespacedName) -> NodeId {
    NodeId::new(
        PROVIDER,
        &NodeKind::Credential(CredentialType::Token),
        &format!("{cluster}/{secret}"),
    )
}

/// An AWS IAM role by ARN (the AWS collector's id for it).
pub fn aws_role(arn: &str) -> NodeId {
    NodeId::new("aws", &NodeKind::Identity(IdentityType::IamRole), arn)
}

/// A GCP service account by email (the id the GCP collector gives it).
pub fn gcp_service_account(email: &str) -> NodeId {
    NodeId::new(
        "gcp",
        &NodeKind::Identity(IdentityType::GcpServiceAccount),
        email,
    )
}

/// An Azure identity by client (application) id. Workload identity names a
/// client id, which belongs to an app registration or a user-assigned managed
/// identity; both have a service principal with that client id, so that is
/// the node.
pub fn azure_client(client_id: &str) -> NodeId {
    NodeId::new(
        "azure",
        &NodeKind::Identity(IdentityType::AzureServicePrincipal),
        &client_id.to_ascii_lowercase(),
    )
}

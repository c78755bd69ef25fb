//! Nodes of the inventory: what exists.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::{Attributes, NodeId, Redacted};

/// Declares a closed list of snake_case type names with `as_str` and `parse`,
/// so the store and the CLI can name them without a serde round trip.
macro_rules! type_names {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The snake_case name used in ids, the store and reports.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// Parses the snake_case name back.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

type_names! {
    /// What kind of workload runs code that uses an identity.
    WorkloadType {
        /// A Kubernetes pod.
        Pod = "pod",
        /// A Kubernetes deployment.
        Deployment = "deployment",
        /// A Kubernetes stateful set.
        StatefulSet = "stateful_set",
        /// A Kubernetes daemon set.
        DaemonSet = "daemon_set",
        /// A Kubernetes replica set.
        ReplicaSet = "replica_set",
        /// A Kubernetes replication controller (the replica set's predecessor).
        ReplicationController = "replication_controller",
        /// A Kubernetes job.
        Job = "job",
        /// A Kubernetes cron job.
        CronJob = "cron_job",
        /// A CI job or workflow (GitHub Actions, GitLab CI, ...).
        CiJob = "ci_job",
        /// A serverless function (Lambda, Cloud Functions, Azure Functions).
        Function = "function",
        /// A virtual machine or instance (through its instance profile).
        Vm = "vm",
        /// An AI agent acting with its own credentials.
        AiAgent = "ai_agent",
        /// An application known from a repository or configuration.
        Application = "application",
    }
}

type_names! {
    /// What kind of non-human principal an identity is.
    IdentityType {
        /// An AWS IAM user.
        IamUser = "iam_user",
        /// An AWS IAM role.
        IamRole = "iam_role",
        /// An AWS IAM group.
        IamGroup = "iam_group",
        /// A Kubernetes service account.
        KubernetesServiceAccount = "kubernetes_service_account",
        /// A GCP service account.
        GcpServiceAccount = "gcp_service_account",
        /// An Azure service principal (app registration).
        AzureServicePrincipal = "azure_service_principal",
        /// An Azure managed identity.
        AzureManagedIdentity = "azure_managed_identity",
        /// A GitHub App.
        GithubApp = "github_app",
        /// A GitHub deploy key's principal.
        GithubDeployKey = "github_deploy_key",
        /// A Vault/OpenBao role.
        VaultRole = "vault_role",
        /// An external identity provider principal (OIDC or SAML) that a role trusts.
        FederatedPrincipal = "federated_principal",
        /// A principal known only from a credential (the owner of a leaked token).
        Unknown = "unknown",
    }
}

type_names! {
    /// What kind of credential proves an identity.
    CredentialType {
        /// A cloud access key (AWS access key id and secret).
        AccessKey = "access_key",
        /// A service-account key file (GCP JSON key).
        ServiceAccountKey = "service_account_key",
        /// An OAuth client secret (Azure app secret).
        ClientSecret = "client_secret",
        /// A bearer or personal access token.
        Token = "token",
        /// An API key for a SaaS or cloud API.
        ApiKey = "api_key",
        /// A password, including one embedded in a connection URL.
        Password = "password",
        /// An X.509 certificate.
        Certificate = "certificate",
        /// A private key (PEM, PKCS#8, ...).
        PrivateKey = "private_key",
        /// An SSH key.
        SshKey = "ssh_key",
        /// A webhook URL that embeds its own secret.
        Webhook = "webhook",
        /// A secret found in content whose kind is not known more precisely.
        GenericSecret = "generic_secret",
    }
}

type_names! {
    /// What kind of permission grants access.
    PermissionType {
        /// A managed policy (AWS managed or customer managed).
        Policy = "policy",
        /// A policy embedded in one principal.
        InlinePolicy = "inline_policy",
        /// A role in the RBAC sense (Kubernetes Role/ClusterRole, GCP/Azure role).
        Role = "role",
        /// An OAuth or token scope.
        Scope = "scope",
    }
}

type_names! {
    /// What kind of resource a permission reaches.
    ResourceType {
        /// A cloud account, subscription or project as a whole.
        Account = "account",
        /// An object store bucket.
        Bucket = "bucket",
        /// A database.
        Database = "database",
        /// A secret store or secret (Vault path, Secrets Manager secret, Kubernetes Secret).
        Secret = "secret",
        /// A Kubernetes cluster.
        Cluster = "cluster",
        /// A Kubernetes namespace.
        Namespace = "namespace",
        /// A source repository.
        Repository = "repository",
        /// Every resource (a `*` grant).
        Any = "any",
        /// A resource of another kind, named in attributes.
        Other = "other",
    }
}

type_names! {
    /// Who is accountable for a node.
    OwnerType {
        /// A person.
        Person = "person",
        /// A team or group of people.
        Team = "team",
    }
}

type_names! {
    /// Where the collector found things.
    SourceType {
        /// A directory on disk.
        Directory = "directory",
        /// A git repository.
        Repository = "repository",
        /// An AWS account.
        AwsAccount = "aws_account",
        /// A Kubernetes cluster.
        KubernetesCluster = "kubernetes_cluster",
        /// A GCP project.
        GcpProject = "gcp_project",
        /// An Azure tenant.
        AzureTenant = "azure_tenant",
        /// A GitHub organization or account.
        GithubOrganization = "github_organization",
        /// A Vault or OpenBao server.
        Vault = "vault",
        /// An offline export file.
        ExportFile = "export_file",
        /// A file in a directory or repository, where a secret was found.
        File = "file",
    }
}

/// The class of a node and its type within the class.
///
/// Serialised as two fields, `"kind": "credential", "type": "access_key"`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", content = "type", rename_all = "snake_case")]
pub enum NodeKind {
    /// Something that runs code.
    Workload(WorkloadType),
    /// A principal that authenticates.
    Identity(IdentityType),
    /// A thing that proves an identity.
    Credential(CredentialType),
    /// A policy, role or scope.
    Permission(PermissionType),
    /// A thing access is granted to.
    Resource(ResourceType),
    /// A person or team accountable for a node.
    Owner(OwnerType),
    /// A place things were found in.
    Source(SourceType),
}

impl NodeKind {
    /// The class name: `workload`, `identity`, `credential`, `permission`,
    /// `resource`, `owner` or `source`.
    pub fn class_name(&self) -> &'static str {
        match self {
            NodeKind::Workload(_) => "workload",
            NodeKind::Identity(_) => "identity",
            NodeKind::Credential(_) => "credential",
            NodeKind::Permission(_) => "permission",
            NodeKind::Resource(_) => "resource",
            NodeKind::Owner(_) => "owner",
            NodeKind::Source(_) => "source",
        }
    }

    /// The type name within the class, such as `access_key`.
    pub fn type_name(&self) -> &'static str {
        match self {
            NodeKind::Workload(t) => t.as_str(),
            NodeKind::Identity(t) => t.as_str(),
            NodeKind::Credential(t) => t.as_str(),
            NodeKind::Permission(t) => t.as_str(),
            NodeKind::Resource(t) => t.as_str(),
            NodeKind::Owner(t) => t.as_str(),
            NodeKind::Source(t) => t.as_str(),
        }
    }

    /// Rebuilds a kind from its class and type names, as stored.
    pub fn parse(class: &str, type_name: &str) -> Option<Self> {
        Some(match class {
            "workload" => NodeKind::Workload(WorkloadType::parse(type_name)?),
            "identity" => NodeKind::Identity(IdentityType::parse(type_name)?),
            "credential" => NodeKind::Credential(CredentialType::parse(type_name)?),
            "permission" => NodeKind::Permission(PermissionType::parse(type_name)?),
            "resource" => NodeKind::Resource(ResourceType::parse(type_name)?),
            "owner" => NodeKind::Owner(OwnerType::parse(type_name)?),
            "source" => NodeKind::Source(SourceType::parse(type_name)?),
            _ => return None,
        })
    }
}

/// When things happened to a node, as far as the provider tells.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamps {
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// When it was last used to authenticate or act.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<Timestamp>,
    /// When it stops being valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// When its secret material was last replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotated_at: Option<Timestamp>,
}

impl Timestamps {
    /// Whether no timestamp is known.
    pub fn is_empty(&self) -> bool {
        *self == Timestamps::default()
    }

    /// Fills each unknown timestamp from `other`.
    pub fn fill_from(&mut self, other: &Timestamps) {
        self.created_at = self.created_at.or(other.created_at);
        self.last_used_at = self.last_used_at.or(other.last_used_at);
        self.expires_at = self.expires_at.or(other.expires_at);
        self.rotated_at = self.rotated_at.or(other.rotated_at);
    }
}

/// One thing in the inventory: a workload, identity, credential, permission,
/// resource, owner or source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// The stable id (see [`NodeId`]).
    pub id: NodeId,
    /// The class and type.
    #[serde(flatten)]
    pub kind: NodeKind,
    /// A human label: a user name, `namespace/name`, a rule's description.
    pub name: String,
    /// The provider slug: `aws`, `kubernetes`, `github`, `slack`, `generic`, ...
    pub provider: String,
    /// The provider's own id (ARN, uid, key id), when it is not a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_id: Option<String>,
    /// The account, project, cluster, namespace or path the node lives in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The id of the collector that found it.
    pub collector: String,
    /// What the provider tells about its life.
    #[serde(default, skip_serializing_if = "Timestamps::is_empty")]
    pub timestamps: Timestamps,
    /// Provider tags and labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Provider-specific facts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: Attributes,
    /// For a credential whose value was seen: its fingerprint and preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<Redacted>,
}

impl Node {
    /// Starts a node with the required fields; the rest are filled by the caller.
    pub fn new(
        id: NodeId,
        kind: NodeKind,
        name: impl Into<String>,
        provider: impl Into<String>,
        collector: impl Into<String>,
    ) -> Self {
        Self {
            id,
            kind,
            name: name.into(),
            provider: provider.into(),
            native_id: None,
            scope: None,
            collector: collector.into(),
            timestamps: Timestamps::default(),
            labels: BTreeMap::new(),
            attributes: Attributes::new(),
            secret: None,
        }
    }

    /// Merges what another sighting of the same node adds: unknown fields are
    /// filled, labels and attributes are united (this node's values win).
    pub fn absorb(&mut self, other: Node) {
        if self.native_id.is_none() {
            self.native_id = other.native_id;
        }
        if self.scope.is_none() {
            self.scope = other.scope;
        }
        if self.secret.is_none() {
            self.secret = other.secret;
        }
        self.timestamps.fill_from(&other.timestamps);
        for (key, value) in other.labels {
            self.labels.entry(key).or_insert(value);
        }
        for (key, value) in other.attributes {
            self.attributes.entry(key).or_insert(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_serialises_as_two_fields() {
        let node = Node::new(
            NodeId::from_stored("aws:iam_user:arn:aws:iam::1:user/ci"),
            NodeKind::Identity(IdentityType::IamUser),
            "ci",
            "aws",
            "aws",
        );
        let json = serde_json::to_value(&node).expect("serialises");
        assert_eq!(json["kind"], "identity");
        assert_eq!(json["type"], "iam_user");
        let back: Node = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, node);
    }

    #[test]
    fn every_type_name_parses_back() {
        for kind in WorkloadType::ALL
            .iter()
            .map(|t| NodeKind::Workload(*t))
            .chain(IdentityType::ALL.iter().map(|t| NodeKind::Identity(*t)))
            .chain(CredentialType::ALL.iter().map(|t| NodeKind::Credential(*t)))
            .chain(PermissionType::ALL.iter().map(|t| NodeKind::Permission(*t)))
            .chain(ResourceType::ALL.iter().map(|t| NodeKind::Resource(*t)))
            .chain(OwnerType::ALL.iter().map(|t| NodeKind::Owner(*t)))
            .chain(SourceType::ALL.iter().map(|t| NodeKind::Source(*t)))
        {
            assert_eq!(
                NodeKind::parse(kind.class_name(), kind.type_name()),
                Some(kind)
            );
            let json = serde_json::to_value(kind).expect("serialises");
            assert_eq!(json["type"], kind.type_name());
        }
    }

    #[test]
    fn absorb_fills_gaps_without_overwriting() {
        let id = NodeId::from_stored("x");
        let kind = NodeKind::Owner(OwnerType::Team);
        let mut first = Node::new(id.clone(), kind, "a", "generic", "fs");
        first.labels.insert("team".into(), "blue".into());
        let mut second = Node::new(id, kind, "b", "generic", "fs");
        second.labels.insert("team".into(), "red".into());
        second.labels.insert("env".into(), "prod".into());
        second.scope = Some("repo".into());
        first.absorb(second);
        assert_eq!(first.name, "a");
        assert_eq!(first.labels["team"], "blue");
        assert_eq!(first.labels["env"], "prod");
        assert_eq!(first.scope.as_deref(), Some("repo"));
    }
}

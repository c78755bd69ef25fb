//! The cluster model: every object identity analysis needs, keyed the way
//! Kubernetes keys them, filled one object at a time from exports, manifests
//! or API lists.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
};

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

use crate::object::{
    AggregationRule, ObjectMeta, PodSpec, PolicyRule, RoleRef, ServiceAccountSpec, Subject,
};

/// `namespace/name`: how namespaced objects are keyed.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NamespacedName {
    /// The namespace.
    pub namespace: String,
    /// The name.
    pub name: String,
}

impl NamespacedName {
    /// Builds a key.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for NamespacedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Where the cluster's objects came from, which decides what their absence
/// means (a manifest directory is not the whole cluster).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Listed live from the API server through a kubeconfig context.
    Live {
        /// The kubeconfig context, or `in-cluster`.
        context: String,
    },
    /// Read from `kubectl get -o json|yaml` exports of a running cluster.
    Export,
    /// Read from manifests (a repository, Helm output): the desired state,
    /// possibly only part of the cluster.
    Manifests,
}

impl Origin {
    /// Whether the input is a cluster's complete state (so an object missing
    /// from it does not exist), as opposed to a set of manifests.
    pub fn is_complete_state(&self) -> bool {
        !matches!(self, Origin::Manifests)
    }
}

/// A namespace.
#[derive(Clone, Debug, Default)]
pub struct Namespace {
    /// Its metadata.
    pub meta: ObjectMeta,
    /// The file it was read from.
    pub origin: Option<String>,
}

/// A ServiceAccount.
#[derive(Clone, Debug, Default)]
pub struct ServiceAccount {
    /// Its metadata.
    pub meta: ObjectMeta,
    /// The file it was read from.
    pub origin: Option<String>,
    /// Whether pods get its token unless they say otherwise (`None`: yes).
    pub automount: Option<bool>,
    /// The Secrets it lists.
    pub secrets: Vec<String>,
    /// Whether it was not in the input but exists implicitly (the `default`
    /// service account of a namespace seen in manifests).
    pub implicit: bool,
}

/// A Secret. Its values live only in memory, for the secret matcher; nothing
/// emitted from here carries them.
#[derive(Clone, Default)]
pub struct Secret {
    /// Its metadata.
    pub meta: ObjectMeta,
    /// The file it was read from.
    pub origin: Option<String>,
    /// `Opaque`, `kubernetes.io/service-account-token`, ...
    pub secret_type: String,
    /// Its values, base64-decoded (`data`) or as written (`stringData`).
    pub values: BTreeMap<String, Vec<u8>>,
    /// Keys whose `data` value was not valid base64 (kept as written).
    pub undecodable: Vec<String>,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print values.
        f.debug_struct("Secret")
            .field("meta", &self.meta)
            .field("secret_type", &self.secret_type)
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A ConfigMap (only its string data is read, for credentials).
#[derive(Clone, Default)]
pub struct ConfigMap {
    /// Its metadata.
    pub meta: ObjectMeta,
    /// The file it was read from.
    pub origin: Option<String>,
    /// Its string values.
    pub data: BTreeMap<String, String>,
}

impl fmt::Debug for ConfigMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigMap")
            .field("meta", &self.meta)
            .field("keys", &self.data.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A Role or ClusterRole.
#[derive(Clone, Debug, Default)]
pub struct Role {
    /// Its metadata.
    pub meta: ObjectMeta,
    /// The file it was read from (none for built-in roles not in the input).
    pub origin: Option<String>,
    /// Whether it is a (namespaced) Role rather than a ClusterRole.
    pub namespaced: bool,
    /// Its rules as written.
    pub rules: Vec<PolicyRule>,
    /// For aggregated ClusterRoles, the selectors of the roles aggregated.
    pub aggregation: Option<AggregationRule>,
    /// Whether the definition comes from nhiscope's copy of Kubernetes'
    /// built-in roles because the input did not have it.
    pub builtin: bool,
}

impl Role {
    /// `Role ns/name` or `ClusterRole name`.
    pub fn describe(&self) -> String {
        let name = self.meta.name.as_deref().unwrap_or_default();
        if self.namespaced {
            format!(
                "Role {}/{name}",
                self.meta.namespace.as_deref().unwrap_or("default")
            )
        } else if self.builtin {
            format!("ClusterRole {name} (built-in)")
        } else {
            format!("ClusterRole {name}")
        }
    }
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Clone, Debug, Default)]
pub struct Binding {
    /// Its metadata.
    pub meta: ObjectMeta,
    /// The file it was read from.
    pub origin: Option<String>,
    /// Whether it is a ClusterRoleBinding (grants everywhere).
    pub cluster_wide: bool,
    /// The role it grants.
    pub role_ref: RoleRef,
    /// Who it grants it to.
    pub subjects: Vec<Subject>,
}

impl Binding {
    /// The binding's name.
    pub fn name(&self) -> &str {
        self.meta.name.as_deref().unwrap_or_default()
    }

    /// The namespace of a RoleBinding.
    pub fn namespace(&self) -> Option<&str> {
        if self.cluster_wide {
            None
        } else {
            Some(self.meta.namespace.as_deref().unwrap_or("default"))
        }
    }

    /// `RoleBinding ns/name` or `ClusterRoleBinding name`.
    pub fn describe(&self) -> String {
        match self.namespace() {
            Some(namespace) => format!("RoleBinding {namespace}/{}", self.name()),
            None => format!("ClusterRoleBinding {}", self.name()),
        }
    }

    /// The object path used in finding locations: `ns/RoleBinding/name` or
    /// `ClusterRoleBinding/name`.
    pub fn resource(&self) -> String {
        match self.namespace() {
            Some(namespace) => format!("{namespace}/RoleBinding/{}", self.name()),
            None => format!("ClusterRoleBinding/{}", self.name()),
        }
    }
}

/// The kinds of object that run pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadKind {
    /// A Pod.
    Pod,
    /// A Deployment.
    Deployment,
    /// A StatefulSet.
    StatefulSet,
    /// A DaemonSet.
    DaemonSet,
    /// A ReplicaSet.
    ReplicaSet,
    /// A ReplicationController.
    ReplicationController,
    /// A Job.
    Job,
    /// A CronJob.
    CronJob,
}

impl WorkloadKind {
    /// Every kind.
    pub const ALL: [WorkloadKind; 8] = [
        WorkloadKind::Pod,
        WorkloadKind::Deployment,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
        WorkloadKind::ReplicaSet,
        WorkloadKind::ReplicationController,
        WorkloadKind::Job,
        WorkloadKind::CronJob,
    ];

    /// The Kubernetes kind name.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "Pod",
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::ReplicationController => "ReplicationController",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
        }
    }

    /// Parses a kind name.
    pub fn parse(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    /// The inventory's workload type.
    pub fn workload_type(self) -> nhiscope_model::WorkloadType {
        use nhiscope_model::WorkloadType;
        match self {
            WorkloadKind::Pod => WorkloadType::Pod,
            WorkloadKind::Deployment => WorkloadType::Deployment,
            WorkloadKind::StatefulSet => WorkloadType::StatefulSet,
            WorkloadKind::DaemonSet => WorkloadType::DaemonSet,
            WorkloadKind::ReplicaSet => WorkloadType::ReplicaSet,
            WorkloadKind::ReplicationController => WorkloadType::ReplicationController,
            WorkloadKind::Job => WorkloadType::Job,
            WorkloadKind::CronJob => WorkloadType::CronJob,
        }
    }
}

/// The key of a workload: kind, namespace, name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkloadKey {
    /// The kind.
    pub kind: WorkloadKind,
    /// Namespace and name.
    pub name: NamespacedName,
}

impl fmt::Display for WorkloadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.name)
    }
}

/// Something that runs pods: a Pod or a controller's pod template.
#[derive(Clone, Debug)]
pub struct Workload {
    /// What it is.
    pub key: WorkloadKey,
    /// Its metadata.
    pub meta: ObjectMeta,
    /// The file it was read from.
    pub origin: Option<String>,
    /// The pod spec (a Pod's own, or the template's).
    pub spec: PodSpec,
    /// The desired replicas, for controllers that have them.
    pub replicas: Option<i64>,
    /// A Pod's phase (`Running`, `Succeeded`).
    pub phase: Option<String>,
}

impl Workload {
    /// The object path used in finding locations: `ns/Kind/name`.
    pub fn resource(&self) -> String {
        format!(
            "{}/{}/{}",
            self.key.name.namespace,
            self.key.kind.as_str(),
            self.key.name.name
        )
    }
}

/// An EKS Pod Identity association (from `aws eks
/// describe-pod-identity-association`): the IAM role pods of a service
/// account receive.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodIdentityAssociation {
    /// The EKS cluster's name.
    pub cluster_name: String,
    /// The service account's namespace.
    pub namespace: String,
    /// The service account's name.
    pub service_account: String,
    /// The IAM role.
    pub role_arn: String,
    /// The association's ARN.
    pub association_arn: Option<String>,
}

/// One object that could not be taken into the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {name}: {message}")]
pub struct ObjectError {
    /// The object's kind.
    pub kind: String,
    /// `namespace/name` or `name`, as far as known.
    pub name: String,
    /// What is wrong.
    pub message: String,
}

/// Everything identity analysis knows about one cluster.
#[derive(Debug)]
pub struct Cluster {
    /// The cluster's name, part of every node id.
    pub name: String,
    /// Where the objects came from.
    pub origin: Origin,
    /// Namespaces.
    pub namespaces: BTreeMap<String, Namespace>,
    /// ServiceAccounts.
    pub service_accounts: BTreeMap<NamespacedName, ServiceAccount>,
    /// Secrets.
    pub secrets: BTreeMap<NamespacedName, Secret>,
    /// ConfigMaps.
    pub config_maps: BTreeMap<NamespacedName, ConfigMap>,
    /// Roles.
    pub roles: BTreeMap<NamespacedName, Role>,
    /// ClusterRoles.
    pub cluster_roles: BTreeMap<String, Role>,
    /// RoleBindings.
    pub role_bindings: BTreeMap<NamespacedName, Binding>,
    /// ClusterRoleBindings.
    pub cluster_role_bindings: BTreeMap<String, Binding>,
    /// Pods and pod controllers.
    pub workloads: BTreeMap<WorkloadKey, Workload>,
    /// EKS Pod Identity associations.
    pub pod_identity_associations: Vec<PodIdentityAssociation>,
    /// How many objects of each kind were read, including kinds not analysed.
    pub objects_read: BTreeMap<String, u64>,
    /// Resources (plural, lowercase: `secrets`) that could not be read, so
    /// conclusions that need them are not drawn.
    pub unreadable: BTreeSet<String>,
    /// Kinds listed completely (see [`Cluster::knows_all`]).
    pub listed: BTreeSet<String>,
}

/// The namespace of manifests that do not name one, as `kubectl apply` does.
const DEFAULT_NAMESPACE: &str = "default";

fn meta_name(meta: &ObjectMeta) -> Result<String, String> {
    meta.name
        .clone()
        .filter(|name| !name.is_empty())
        .ok_or_else(|| "it has no metadata.name".to_string())
}

fn namespace_of(meta: &ObjectMeta) -> String {
    meta.namespace
        .clone()
        .filter(|namespace| !namespace.is_empty())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Raw<T: Default> {
    metadata: ObjectMeta,
    #[serde(flatten)]
    body: T,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SecretBody {
    #[serde(rename = "type")]
    secret_type: Option<String>,
    data: Option<BTreeMap<String, Value>>,
    string_data: Option<BTreeMap<String, Value>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ConfigMapBody {
    data: Option<BTreeMap<String, Value>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RoleBody {
    rules: Option<Vec<PolicyRule>>,
    aggregation_rule: Option<AggregationRule>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct BindingBody {
    role_ref: Option<RoleRef>,
    subjects: Option<Vec<Subject>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct PodBody {
    spec: PodSpec,
    status: PodStatus,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct PodStatus {
    phase: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TemplateBody {
    spec: TemplateSpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TemplateSpec {
    replicas: Option<i64>,
    template: PodTemplate,
    job_template: JobTemplate,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct PodTemplate {
    spec: PodSpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct JobTemplate {
    spec: JobSpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct JobSpec {
    template: PodTemplate,
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

impl Cluster {
    /// An empty cluster.
    pub fn new(name: impl Into<String>, origin: Origin) -> Self {
        Self {
            name: name.into(),
            origin,
            namespaces: BTreeMap::new(),
            service_accounts: BTreeMap::new(),
            secrets: BTreeMap::new(),
            config_maps: BTreeMap::new(),
            roles: BTreeMap::new(),
            cluster_roles: BTreeMap::new(),
            role_bindings: BTreeMap::new(),
            cluster_role_bindings: BTreeMap::new(),
            workloads: BTreeMap::new(),
            pod_identity_associations: Vec::new(),
            objects_read: BTreeMap::new(),
            unreadable: BTreeSet::new(),
            listed: BTreeSet::new(),
        }
    }

    /// Takes one object (with its `kind`) into the model and counts it. Kinds
    /// identity analysis does not use are counted and otherwise ignored.
    pub fn insert(&mut self, object: Value, origin: Option<&str>) -> Result<(), ObjectError> {
        let kind = object
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let label = object
            .get("metadata")
            .map(|meta| {
                let name = meta.get("name").and_then(Value::as_str).unwrap_or("?");
                match meta.get("namespace").and_then(Value::as_str) {
                    Some(namespace) => format!("{namespace}/{name}"),
                    None => name.to_string(),
                }
            })
            .unwrap_or_else(|| "?".to_string());
        if kind.is_empty() {
            return Err(ObjectError {
                kind: "object".into(),
                name: label,
                message: "it has no `kind`, so it is not a Kubernetes object".into(),
            });
        }
        *self.objects_read.entry(kind.clone()).or_insert(0) += 1;
        let origin = origin.map(str::to_string);
        self.insert_kind(&kind, object, origin)
            .map_err(|message| ObjectError {
                kind,
                name: label,
                message,
            })
    }

    fn insert_kind(
        &mut self,
        kind: &str,
        object: Value,
        origin: Option<String>,
    ) -> Result<(), String> {
        let parse_error = |e: serde_json::Error| format!("unreadable: {e}");
        match kind {
            "Namespace" => {
                let raw: Raw<()> = serde_json::from_value(object).map_err(parse_error)?;
                let name = meta_name(&raw.metadata)?;
                self.namespaces.insert(
                    name,
                    Namespace {
                        meta: raw.metadata,
                        origin,
                    },
                );
            }
            "ServiceAccount" => {
                let raw: Raw<ServiceAccountSpec> =
                    serde_json::from_value(object).map_err(parse_error)?;
                let key =
                    NamespacedName::new(namespace_of(&raw.metadata), meta_name(&raw.metadata)?);
                self.service_accounts.insert(
                    key,
                    ServiceAccount {
                        automount: raw.body.automount_service_account_token,
                        secrets: raw
                            .body
                            .secrets
                            .into_iter()
                            .filter_map(|reference| reference.name)
                            .collect(),
                        meta: raw.metadata,
                        origin,
                        implicit: false,
                    },
                );
            }
            "Secret" => {
                let raw: Raw<SecretBody> = serde_json::from_value(object).map_err(parse_error)?;
                let key =
                    NamespacedName::new(namespace_of(&raw.metadata), meta_name(&raw.metadata)?);
                let mut secret = Secret {
                    secret_type: raw.body.secret_type.unwrap_or_else(|| "Opaque".into()),
                    meta: raw.metadata,
                    origin,
                    ..Secret::default()
                };
                for (name, value) in raw.body.data.unwrap_or_default() {
                    let Some(text) = scalar_text(&value) else {
                        continue;
                    };
                    let compact: String = text.split_whitespace().collect();
                    match base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) {
                        Ok(bytes) => {
                            secret.values.insert(name, bytes);
                        }
                        Err(_) => {
                            secret.undecodable.push(name.clone());
                            secret.values.insert(name, text.into_bytes());
                        }
                    }
                }
                // stringData wins over data for the same key, as on the server.
                for (name, value) in raw.body.string_data.unwrap_or_default() {
                    if let Some(text) = scalar_text(&value) {
                        secret.values.insert(name, text.into_bytes());
                    }
                }
                self.secrets.insert(key, secret);
            }
            "ConfigMap" => {
                let raw: Raw<ConfigMapBody> =
                    serde_json::from_value(object).map_err(parse_error)?;
                let key =
                    NamespacedName::new(namespace_of(&raw.metadata), meta_name(&raw.metadata)?);
                let data = raw
                    .body
                    .data
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|(k, v)| scalar_text(&v).map(|text| (k, text)))
                    .collect();
                self.config_maps.insert(
                    key,
                    ConfigMap {
                        meta: raw.metadata,
                        origin,
                        data,
                    },
                );
            }
            "Role" | "ClusterRole" => {
                let raw: Raw<RoleBody> = serde_json::from_value(object).map_err(parse_error)?;
                let name = meta_name(&raw.metadata)?;
                let namespaced = kind == "Role";
                let mut meta = raw.metadata;
                if namespaced {
                    meta.namespace = Some(namespace_of(&meta));
                }
                let role = Role {
                    origin,
                    namespaced,
                    rules: raw.body.rules.unwrap_or_default(),
                    aggregation: raw.body.aggregation_rule,
                    builtin: false,
                    meta,
                };
                if namespaced {
                    let key = NamespacedName::new(namespace_of(&role.meta), name);
                    self.roles.insert(key, role);
                } else {
                    self.cluster_roles.insert(name, role);
                }
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                let raw: Raw<BindingBody> = serde_json::from_value(object).map_err(parse_error)?;
                let name = meta_name(&raw.metadata)?;
                let role_ref = raw
                    .body
                    .role_ref
                    .filter(|role_ref| !role_ref.name.is_empty())
                    .ok_or_else(|| "it has no roleRef".to_string())?;
                let cluster_wide = kind == "ClusterRoleBinding";
                let mut meta = raw.metadata;
                if !cluster_wide {
                    meta.namespace = Some(namespace_of(&meta));
                }
                let binding = Binding {
                    origin,
                    cluster_wide,
                    role_ref,
                    subjects: raw.body.subjects.unwrap_or_default(),
                    meta,
                };
                if cluster_wide {
                    self.cluster_role_bindings.insert(name, binding);
                } else {
                    let key = NamespacedName::new(namespace_of(&binding.meta), name);
                    self.role_bindings.insert(key, binding);
                }
            }
            "Pod" => {
                let raw: Raw<PodBody> = serde_json::from_value(object).map_err(parse_error)?;
                let key = WorkloadKey {
                    kind: WorkloadKind::Pod,
                    name: NamespacedName::new(
                        namespace_of(&raw.metadata),
                        meta_name(&raw.metadata)?,
                    ),
                };
                self.workloads.insert(
                    key.clone(),
                    Workload {
                        key,
                        meta: raw.metadata,
                        origin,
                        spec: raw.body.spec,
                        replicas: None,
                        phase: raw.body.status.phase,
                    },
                );
            }
            _ => {
                if let Some(workload_kind) = WorkloadKind::parse(kind) {
                    let raw: Raw<TemplateBody> =
                        serde_json::from_value(object).map_err(parse_error)?;
                    let key = WorkloadKey {
                        kind: workload_kind,
                        name: NamespacedName::new(
                            namespace_of(&raw.metadata),
                            meta_name(&raw.metadata)?,
                        ),
                    };
                    let spec = raw.body.spec;
                    let pod_spec = if workload_kind == WorkloadKind::CronJob {
                        spec.job_template.spec.template.spec
                    } else {
                        spec.template.spec
                    };
                    self.workloads.insert(
                        key.clone(),
                        Workload {
                            key,
                            meta: raw.metadata,
                            origin,
                            spec: pod_spec,
                            replicas: spec.replicas,
                            phase: None,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    /// Adds EKS Pod Identity associations.
    pub fn add_pod_identity_associations(
        &mut self,
        associations: impl IntoIterator<Item = PodIdentityAssociation>,
    ) {
        for association in associations {
            *self
                .objects_read
                .entry("PodIdentityAssociation".into())
                .or_insert(0) += 1;
            self.pod_identity_associations.push(association);
        }
    }

    /// Adds the objects Kubernetes creates implicitly that manifests never
    /// carry: each namespace's `default` service account, for every namespace
    /// any manifest names. A live cluster or an export lists them already.
    /// Called once all objects are in.
    pub fn complete_implicit_objects(&mut self) {
        if self.origin.is_complete_state() {
            return;
        }
        let mut namespaces: BTreeSet<String> = self.namespaces.keys().cloned().collect();
        namespaces.extend(self.service_accounts.keys().map(|k| k.namespace.clone()));
        namespaces.extend(self.workloads.keys().map(|k| k.name.namespace.clone()));
        namespaces.extend(self.role_bindings.keys().map(|k| k.namespace.clone()));
        namespaces.extend(self.secrets.keys().map(|k| k.namespace.clone()));
        for namespace in namespaces {
            let key = NamespacedName::new(namespace.clone(), "default");
            self.service_accounts
                .entry(key)
                .or_insert_with(|| ServiceAccount {
                    meta: ObjectMeta {
                        name: Some("default".into()),
                        namespace: Some(namespace),
                        ..ObjectMeta::default()
                    },
                    implicit: true,
                    ..ServiceAccount::default()
                });
        }
    }

    /// Records that every object of `kind` was listed (live: the list call
    /// succeeded, even when empty), so an object of that kind missing from
    /// the model does not exist.
    pub fn mark_listed(&mut self, kind: &str) {
        self.listed.insert(kind.to_string());
    }

    /// Whether the input holds the complete list of `kind` objects, so the
    /// absence of one means it does not exist: a live list that succeeded, or
    /// an export that has objects of that kind.
    pub fn knows_all(&self, kind: &str) -> bool {
        self.origin.is_complete_state()
            && (self.listed.contains(kind) || self.objects_read.contains_key(kind))
    }

    /// How many objects were read in all.
    pub fn object_count(&self) -> u64 {
        self.objects_read.values().sum()
    }

    /// Whether `resource` (plural, `secrets`) could be read.
    pub fn can_read(&self, resource: &str) -> bool {
        !self.unreadable.contains(resource)
    }
}

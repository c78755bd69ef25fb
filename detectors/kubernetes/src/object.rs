//! The parts of Kubernetes objects that identity analysis reads, deserialised
//! tolerantly: every field is optional, unknown fields are ignored, and label,
//! annotation and env values written as YAML numbers or booleans are read as
//! the strings Kubernetes would make of them.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};

/// Reads a scalar (string, number, boolean) as a string; null as `None`.
fn scalar_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value.and_then(|value| match value {
        serde_json::Value::String(text) => Some(text),
        serde_json::Value::Number(number) => Some(number.to_string()),
        serde_json::Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }))
}

/// Reads a map of scalars (labels, annotations, ConfigMap data) as strings;
/// null values and a null map are dropped.
fn string_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let map = Option::<BTreeMap<String, serde_json::Value>>::deserialize(deserializer)?;
    Ok(map
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(key, value)| {
            let text = match value {
                serde_json::Value::String(text) => text,
                serde_json::Value::Number(number) => number.to_string(),
                serde_json::Value::Bool(flag) => flag.to_string(),
                _ => return None,
            };
            Some((key, text))
        })
        .collect())
}

/// Reads a list that may be written as null.
fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// `metadata` of any object.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectMeta {
    /// The object's name.
    #[serde(deserialize_with = "scalar_string")]
    pub name: Option<String>,
    /// Its namespace, for namespaced kinds.
    #[serde(deserialize_with = "scalar_string")]
    pub namespace: Option<String>,
    /// The server-assigned uid (absent in manifests).
    #[serde(deserialize_with = "scalar_string")]
    pub uid: Option<String>,
    /// When the server created it (absent in manifests).
    #[serde(deserialize_with = "scalar_string")]
    pub creation_timestamp: Option<String>,
    /// Labels.
    #[serde(deserialize_with = "string_map")]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(deserialize_with = "string_map")]
    pub annotations: BTreeMap<String, String>,
    /// The objects that own this one (a ReplicaSet owns its Pods).
    #[serde(deserialize_with = "list")]
    pub owner_references: Vec<OwnerReference>,
}

impl ObjectMeta {
    /// The creation time, when present and well formed.
    pub fn created_at(&self) -> Option<Timestamp> {
        self.creation_timestamp.as_deref()?.parse().ok()
    }
}

/// One entry of `metadata.ownerReferences`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OwnerReference {
    /// The owner's kind (`ReplicaSet`).
    pub kind: String,
    /// The owner's name.
    pub name: String,
    /// The owner's uid.
    pub uid: Option<String>,
    /// Whether the owner is the managing controller.
    pub controller: Option<bool>,
}

/// A ServiceAccount.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceAccountSpec {
    /// Whether pods get its token mounted unless they say otherwise.
    pub automount_service_account_token: Option<bool>,
    /// Secrets it lists (legacy token secrets among them).
    #[serde(deserialize_with = "list")]
    pub secrets: Vec<NameReference>,
}

/// A `{name: ...}` reference.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NameReference {
    /// The name referred to.
    #[serde(deserialize_with = "scalar_string")]
    pub name: Option<String>,
}

/// One rule of a Role or ClusterRole.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PolicyRule {
    /// API groups (`""` is the core group, `*` every group).
    #[serde(deserialize_with = "list")]
    pub api_groups: Vec<String>,
    /// Resources, with `resource/subresource` for subresources and `*` for all.
    #[serde(deserialize_with = "list")]
    pub resources: Vec<String>,
    /// Verbs (`get`, `list`, `create`, `*`, ...).
    #[serde(deserialize_with = "list")]
    pub verbs: Vec<String>,
    /// When not empty, the rule applies only to objects of these names.
    #[serde(deserialize_with = "list")]
    pub resource_names: Vec<String>,
    /// Non-resource URLs (`/healthz`, `*`), for ClusterRoles.
    #[serde(rename = "nonResourceURLs", deserialize_with = "list")]
    pub non_resource_urls: Vec<String>,
}

impl PolicyRule {
    /// The rule as people read it: `apiGroups [""] resources [secrets] verbs [get list]`.
    pub fn describe(&self) -> String {
        let list = |items: &[String]| {
            items
                .iter()
                .map(|item| {
                    if item.is_empty() {
                        "\"\"".to_string()
                    } else {
                        item.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut text = if self.non_resource_urls.is_empty() {
            format!(
                "apiGroups [{}] resources [{}] verbs [{}]",
                list(&self.api_groups),
                list(&self.resources),
                list(&self.verbs)
            )
        } else {
            format!(
                "nonResourceURLs [{}] verbs [{}]",
                list(&self.non_resource_urls),
                list(&self.verbs)
            )
        };
        if !self.resource_names.is_empty() {
            text.push_str(&format!(" resourceNames [{}]", list(&self.resource_names)));
        }
        text
    }
}

/// `aggregationRule` of a ClusterRole.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AggregationRule {
    /// The label selectors whose matching ClusterRoles' rules are aggregated.
    #[serde(deserialize_with = "list")]
    pub cluster_role_selectors: Vec<LabelSelector>,
}

/// A label selector.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelSelector {
    /// Labels that must have these values.
    #[serde(deserialize_with = "string_map")]
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements.
    #[serde(deserialize_with = "list")]
    pub match_expressions: Vec<LabelRequirement>,
}

/// One `matchExpressions` entry.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelRequirement {
    /// The label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: String,
    /// The values for `In` and `NotIn`.
    #[serde(deserialize_with = "list")]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Whether `labels` satisfy the selector. An empty selector matches
    /// everything, as in Kubernetes; an unknown operator matches nothing.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value))
            && self.match_expressions.iter().all(|requirement| {
                let value = labels.get(&requirement.key);
                match requirement.operator.as_str() {
                    "In" => value.is_some_and(|v| requirement.values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !requirement.values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }
}

/// `roleRef` of a binding.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleRef {
    /// `Role` or `ClusterRole`.
    pub kind: String,
    /// The role's name.
    pub name: String,
}

/// One subject of a binding.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Subject {
    /// `ServiceAccount`, `User` or `Group`.
    pub kind: String,
    /// The subject's name.
    pub name: String,
    /// For service accounts, their namespace.
    #[serde(deserialize_with = "scalar_string")]
    pub namespace: Option<String>,
}

/// A pod spec, from a Pod or a workload's pod template.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodSpec {
    /// The service account the pod runs as.
    #[serde(deserialize_with = "scalar_string")]
    pub service_account_name: Option<String>,
    /// The deprecated spelling of `serviceAccountName`.
    #[serde(deserialize_with = "scalar_string")]
    pub service_account: Option<String>,
    /// Whether the service account token is mounted (overrides the SA's setting).
    pub automount_service_account_token: Option<bool>,
    /// The containers.
    #[serde(deserialize_with = "list")]
    pub containers: Vec<Container>,
    /// Init containers.
    #[serde(deserialize_with = "list")]
    pub init_containers: Vec<Container>,
    /// Ephemeral (debug) containers.
    #[serde(deserialize_with = "list")]
    pub ephemeral_containers: Vec<Container>,
    /// Volumes.
    #[serde(deserialize_with = "list")]
    pub volumes: Vec<Volume>,
    /// Whether the pod shares the node's process namespace.
    #[serde(rename = "hostPID")]
    pub host_pid: Option<bool>,
    /// Whether the pod uses the node's network namespace.
    pub host_network: Option<bool>,
    /// The node a pod was scheduled on.
    #[serde(deserialize_with = "scalar_string")]
    pub node_name: Option<String>,
}

impl PodSpec {
    /// The service account the pod runs as: `default` when none is named.
    pub fn service_account(&self) -> &str {
        self.service_account_name
            .as_deref()
            .or(self.service_account.as_deref())
            .filter(|name| !name.is_empty())
            .unwrap_or("default")
    }

    /// Every container: regular, init and ephemeral.
    pub fn all_containers(&self) -> impl Iterator<Item = &Container> {
        self.containers
            .iter()
            .chain(&self.init_containers)
            .chain(&self.ephemeral_containers)
    }

    /// The volume named `name`.
    pub fn volume(&self, name: &str) -> Option<&Volume> {
        self.volumes.iter().find(|volume| volume.name == name)
    }
}

/// A container.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Container {
    /// Its name.
    pub name: String,
    /// Its image.
    #[serde(deserialize_with = "scalar_string")]
    pub image: Option<String>,
    /// Environment variables.
    #[serde(deserialize_with = "list")]
    pub env: Vec<EnvVar>,
    /// Whole Secrets or ConfigMaps as environment.
    #[serde(deserialize_with = "list")]
    pub env_from: Vec<EnvFromSource>,
    /// Where volumes are mounted.
    #[serde(deserialize_with = "list")]
    pub volume_mounts: Vec<VolumeMount>,
    /// Its security context.
    pub security_context: Option<SecurityContext>,
}

/// An environment variable.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvVar {
    /// The variable's name.
    pub name: String,
    /// A literal value.
    #[serde(deserialize_with = "scalar_string")]
    pub value: Option<String>,
    /// Where the value comes from instead.
    pub value_from: Option<EnvVarSource>,
}

/// `valueFrom` of an environment variable.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvVarSource {
    /// A key of a Secret.
    pub secret_key_ref: Option<KeyReference>,
    /// A key of a ConfigMap.
    pub config_map_key_ref: Option<KeyReference>,
}

/// A key of a Secret or ConfigMap.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KeyReference {
    /// The Secret or ConfigMap.
    #[serde(deserialize_with = "scalar_string")]
    pub name: Option<String>,
    /// The key.
    #[serde(deserialize_with = "scalar_string")]
    pub key: Option<String>,
}

/// One `envFrom` entry.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvFromSource {
    /// A prefix added to every variable.
    #[serde(deserialize_with = "scalar_string")]
    pub prefix: Option<String>,
    /// A whole Secret.
    pub secret_ref: Option<NameReference>,
    /// A whole ConfigMap.
    pub config_map_ref: Option<NameReference>,
}

/// Where a volume is mounted in a container.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumeMount {
    /// The volume's name.
    pub name: String,
    /// The path in the container.
    pub mount_path: String,
    /// Whether the mount is read-only.
    pub read_only: Option<bool>,
    /// The sub-path of the volume mounted, if any.
    #[serde(deserialize_with = "scalar_string")]
    pub sub_path: Option<String>,
}

/// A container's security context.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecurityContext {
    /// Whether the container runs privileged (all devices, all capabilities).
    pub privileged: Option<bool>,
}

/// A pod volume.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Volume {
    /// Its name.
    pub name: String,
    /// A directory or file of the node.
    pub host_path: Option<HostPathSource>,
    /// A Secret's keys as files.
    pub secret: Option<SecretVolumeSource>,
    /// Several sources in one directory.
    pub projected: Option<ProjectedSource>,
    /// A ConfigMap's keys as files.
    pub config_map: Option<NameReference>,
}

/// `hostPath` of a volume.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HostPathSource {
    /// The path on the node.
    pub path: String,
}

/// `secret` of a volume.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecretVolumeSource {
    /// The Secret.
    #[serde(deserialize_with = "scalar_string")]
    pub secret_name: Option<String>,
}

/// `projected` of a volume.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProjectedSource {
    /// Its sources.
    #[serde(deserialize_with = "list")]
    pub sources: Vec<ProjectionSource>,
}

/// One source of a projected volume.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProjectionSource {
    /// A Secret.
    pub secret: Option<NameReference>,
    /// A ConfigMap.
    pub config_map: Option<NameReference>,
    /// A bound service-account token.
    pub service_account_token: Option<ServiceAccountTokenProjection>,
}

/// A projected, bound service-account token.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceAccountTokenProjection {
    /// Who the token is for (`sts.amazonaws.com`, `pods.eks.amazonaws.com`).
    #[serde(deserialize_with = "scalar_string")]
    pub audience: Option<String>,
    /// How long it lives.
    pub expiration_seconds: Option<i64>,
}

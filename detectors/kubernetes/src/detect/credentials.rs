//! Credentials in objects: Secret and ConfigMap values and literal env
//! values pass through the secret matcher (in memory; only fingerprints and
//! previews leave), each linked to the workloads that consume it. Raises
//! committed credentials (Secret manifests with values, credentials in
//! ConfigMaps or env) and static cloud keys where the cluster could federate.

use std::collections::{BTreeMap, BTreeSet};

use nhiscope_model::{CredentialType, NodeId, NodeKind, Redacted, Severity};
use nhiscope_secrets::RuleSet;

use super::{Builder, Draft, name_list, object_path};
use crate::{
    cluster::{Cluster, NamespacedName, WorkloadKey},
    federation::Cloud,
    ids,
    references::{ObjectKind, references},
    usage::Usage,
};

/// Where a credential value was found.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CredentialPlace {
    /// A key of a Secret.
    SecretValue {
        /// The Secret.
        secret: NamespacedName,
        /// The key.
        key: String,
    },
    /// A key of a ConfigMap.
    ConfigMapValue {
        /// The ConfigMap.
        config_map: NamespacedName,
        /// The key.
        key: String,
    },
    /// A literal `env` value of a workload's container.
    EnvLiteral {
        /// The workload.
        workload: WorkloadKey,
        /// The container.
        container: String,
        /// The variable.
        variable: String,
    },
}

impl CredentialPlace {
    /// How messages name the place.
    pub fn describe(&self) -> String {
        match self {
            CredentialPlace::SecretValue { secret, key } => format!("Secret {secret} key `{key}`"),
            CredentialPlace::ConfigMapValue { config_map, key } => {
                format!("ConfigMap {config_map} key `{key}`")
            }
            CredentialPlace::EnvLiteral {
                workload,
                container,
                variable,
            } => format!("{workload} container {container} env {variable}"),
        }
    }

    /// The object path of the object holding it.
    pub fn resource(&self, cluster: &Cluster) -> String {
        match self {
            CredentialPlace::SecretValue { secret, .. } => object_path("Secret", secret),
            CredentialPlace::ConfigMapValue { config_map, .. } => {
                object_path("ConfigMap", config_map)
            }
            CredentialPlace::EnvLiteral { workload, .. } => cluster
                .workloads
                .get(workload)
                .map_or_else(|| workload.to_string(), |w| w.resource()),
        }
    }

    /// The file the holding object came from.
    pub fn origin(&self, cluster: &Cluster) -> Option<String> {
        match self {
            CredentialPlace::SecretValue { secret, .. } => {
                cluster.secrets.get(secret).and_then(|s| s.origin.clone())
            }
            CredentialPlace::ConfigMapValue { config_map, .. } => cluster
                .config_maps
                .get(config_map)
                .and_then(|c| c.origin.clone()),
            CredentialPlace::EnvLiteral { workload, .. } => cluster
                .workloads
                .get(workload)
                .and_then(|w| w.origin.clone()),
        }
    }
}

/// One credential value found in an object.
#[derive(Clone, Debug)]
pub struct Sighting {
    /// Where.
    pub place: CredentialPlace,
    /// The value, redacted.
    pub secret: Redacted,
    /// The rule that recognised it.
    pub rule_id: String,
    /// What the rule calls it (`AWS access key ID`).
    pub description: String,
    /// The rule's provider (`aws`, `github`).
    pub provider: String,
    /// The credential's type.
    pub credential: CredentialType,
    /// The rule's severity.
    pub severity: Severity,
    /// The top-level workloads that consume it, with how.
    pub consumers: Vec<(WorkloadKey, String)>,
    /// What the rule read off the value that is not secret (`aws_account`).
    pub facts: Vec<(&'static str, String)>,
}

impl Sighting {
    /// The credential's node id: the same as a secret scan of a file with
    /// the same value gives it, so the two sightings are one credential.
    pub fn node_id(&self) -> NodeId {
        NodeId::from_fingerprint(
            &self.provider,
            &NodeKind::Credential(self.credential),
            &self.secret.fingerprint(),
        )
    }

    /// The static cloud key's cloud, if it is one.
    pub fn static_cloud(&self) -> Option<Cloud> {
        let cloud = Cloud::parse(&self.provider)?;
        matches!(
            self.credential,
            CredentialType::AccessKey
                | CredentialType::ServiceAccountKey
                | CredentialType::ClientSecret
        )
        .then_some(cloud)
    }
}

/// How workloads consume Secrets and ConfigMaps: object → key (`None`: all
/// keys) → consumers.
#[derive(Default)]
struct Consumption {
    secrets: BTreeMap<NamespacedName, Vec<(Option<String>, WorkloadKey, String)>>,
    config_maps: BTreeMap<NamespacedName, Vec<(Option<String>, WorkloadKey, String)>>,
}

impl Consumption {
    fn of(cluster: &Cluster, usage: &Usage) -> Self {
        let mut consumption = Consumption::default();
        for key in usage.top_level() {
            let workload = &cluster.workloads[key];
            for reference in references(&workload.spec) {
                let object = NamespacedName::new(key.name.namespace.clone(), reference.name);
                let list = match reference.kind {
                    ObjectKind::Secret => &mut consumption.secrets,
                    ObjectKind::ConfigMap => &mut consumption.config_maps,
                };
                list.entry(object)
                    .or_default()
                    .push((reference.key, key.clone(), reference.how));
            }
        }
        consumption
    }

    fn consumers(
        list: Option<&Vec<(Option<String>, WorkloadKey, String)>>,
        key: &str,
    ) -> Vec<(WorkloadKey, String)> {
        list.into_iter()
            .flatten()
            .filter(|(wanted, _, _)| wanted.as_deref().is_none_or(|k| k == key))
            .map(|(_, workload, how)| (workload.clone(), how.clone()))
            .collect()
    }
}

/// Secret types whose values are not credentials worth matching.
const UNSCANNED_SECRET_TYPES: &[&str] = &[
    "kubernetes.io/service-account-token",
    "helm.sh/release.v1",
    "bootstrap.kubernetes.io/token",
];

/// Variable names that carry a cloud's static credential.
const CLOUD_VARIABLES: &[(&str, Cloud)] = &[
    ("AWS_ACCESS_KEY_ID", Cloud::Aws),
    ("AWS_SECRET_ACCESS_KEY", Cloud::Aws),
    ("GOOGLE_APPLICATION_CREDENTIALS", Cloud::Gcp),
    ("AZURE_CLIENT_SECRET", Cloud::Azure),
    ("AZURE_CLIENT_CERTIFICATE_PATH", Cloud::Azure),
];

fn scan(
    rules: &RuleSet,
    place: &CredentialPlace,
    label: &str,
    separator: &[u8],
    value: &[u8],
    consumers: &[(WorkloadKey, String)],
    sightings: &mut Vec<Sighting>,
) -> usize {
    let mut content = label.as_bytes().to_vec();
    content.extend_from_slice(separator);
    content.extend_from_slice(value);
    let hits = rules.scan(None, &content);
    let mut seen = BTreeSet::new();
    for hit in &hits {
        if !seen.insert(hit.secret.fingerprint()) {
            continue;
        }
        let rule = rules.rule(hit.rule);
        sightings.push(Sighting {
            place: place.clone(),
            secret: hit.secret.clone(),
            rule_id: rule.id().to_string(),
            description: rule.description().to_string(),
            provider: rule.provider().to_string(),
            credential: rule.credential(),
            severity: rule.severity(),
            consumers: consumers.to_vec(),
            facts: hit.facts.clone(),
        });
    }
    hits.len()
}

/// Whether a Secret value committed in a manifest looks like a real value,
/// not a placeholder, an encrypted value or an empty string.
fn looks_real(value: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(value) else {
        return !value.is_empty();
    };
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    text.len() >= 6
        && !text.starts_with("ENC[")
        && !text.starts_with("${")
        && !text.starts_with("{{")
        && !text.starts_with('<')
        && ![
            "changeme",
            "change-me",
            "replace",
            "placeholder",
            "example",
            "xxxxxx",
            "todo",
        ]
        .iter()
        .any(|word| lower.contains(word))
        && text.chars().collect::<BTreeSet<_>>().len() > 2
}

fn consumers_text(consumers: &[(WorkloadKey, String)]) -> String {
    if consumers.is_empty() {
        " No workload in the input consumes it.".to_string()
    } else {
        let names: Vec<String> = consumers
            .iter()
            .map(|(workload, how)| format!("{workload} ({how})"))
            .collect();
        format!(" Consumed by {}.", name_list(&names, 4))
    }
}

pub(super) fn detect(
    builder: &mut Builder<'_>,
    rules: &RuleSet,
    usage: &Usage,
    federation: &BTreeMap<Cloud, String>,
) -> Vec<Sighting> {
    let cluster = builder.cluster;
    let consumption = Consumption::of(cluster, usage);
    let committed = !cluster.origin.is_complete_state();
    let mut sightings = Vec::new();

    for (name, secret) in &cluster.secrets {
        if UNSCANNED_SECRET_TYPES.contains(&secret.secret_type.as_str()) {
            continue;
        }
        let mut plain_keys = Vec::new();
        for (key, value) in &secret.values {
            let place = CredentialPlace::SecretValue {
                secret: name.clone(),
                key: key.clone(),
            };
            let consumers = Consumption::consumers(consumption.secrets.get(name), key);
            let hits = scan(rules, &place, key, b": ", value, &consumers, &mut sightings);
            if hits == 0 && committed && looks_real(value) {
                plain_keys.push(key.clone());
            }
        }
        if !plain_keys.is_empty() {
            let consumers: Vec<(WorkloadKey, String)> = plain_keys
                .iter()
                .flat_map(|key| Consumption::consumers(consumption.secrets.get(name), key))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            builder.push(Draft {
                rule_id: "k8s-credential-in-manifest",
                severity: Severity::Medium,
                title: format!("Secret {name} commits values in a manifest"),
                message: format!(
                    "Secret {name} is written with {} value(s) in plain text (base64 is an encoding, not encryption): {}. Whoever reads the manifest or its history has them.{}",
                    plain_keys.len(),
                    plain_keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                    consumers_text(&consumers)
                ),
                resource: object_path("Secret", name),
                origin: secret.origin.clone(),
                nodes: vec![ids::secret(&cluster.name, name)],
                identity: plain_keys.clone(),
                evidence: None,
                tags: vec!["secret", "committed"],
            });
        }
    }
    for (name, config_map) in &cluster.config_maps {
        for (key, value) in &config_map.data {
            let place = CredentialPlace::ConfigMapValue {
                config_map: name.clone(),
                key: key.clone(),
            };
            let consumers = Consumption::consumers(consumption.config_maps.get(name), key);
            scan(
                rules,
                &place,
                key,
                b": ",
                value.as_bytes(),
                &consumers,
                &mut sightings,
            );
        }
    }
    for key in usage.top_level() {
        let workload = &cluster.workloads[key];
        for container in workload.spec.all_containers() {
            for env in &container.env {
                let Some(value) = &env.value else { continue };
                let place = CredentialPlace::EnvLiteral {
                    workload: key.clone(),
                    container: container.name.clone(),
                    variable: env.name.clone(),
                };
                let consumers = vec![(
                    key.clone(),
                    format!("env {} of container {}", env.name, container.name),
                )];
                scan(
                    rules,
                    &place,
                    &env.name,
                    b"=",
                    value.as_bytes(),
                    &consumers,
                    &mut sightings,
                );
            }
        }
    }

    for sighting in &sightings {
        let committed_here = match &sighting.place {
            CredentialPlace::SecretValue { .. } => committed,
            CredentialPlace::ConfigMapValue { .. } | CredentialPlace::EnvLiteral { .. } => true,
        };
        if !committed_here {
            continue;
        }
        let why = match &sighting.place {
            CredentialPlace::SecretValue { .. } => {
                "is committed in a manifest in plain text (base64 is an encoding, not encryption)"
            }
            CredentialPlace::ConfigMapValue { .. } => {
                "sits in a ConfigMap, which is not secret: anyone who can read ConfigMaps sees it, and it is shown in plain text"
            }
            CredentialPlace::EnvLiteral { .. } => {
                "is written literally into the pod spec, visible to anyone who can read the workload"
            }
        };
        builder.push(Draft {
            rule_id: "k8s-credential-in-manifest",
            severity: sighting.severity,
            title: format!("{} in {}", sighting.description, sighting.place.describe()),
            message: format!(
                "{} `{}` in {} {why}.{}",
                sighting.description,
                sighting.secret.preview(),
                sighting.place.describe(),
                consumers_text(&sighting.consumers)
            ),
            resource: sighting.place.resource(cluster),
            origin: sighting.place.origin(cluster),
            nodes: vec![sighting.node_id()],
            identity: vec![
                sighting.place.describe(),
                sighting.secret.fingerprint().to_hex(),
            ],
            evidence: Some(sighting.secret.clone()),
            tags: vec!["secret", "committed"],
        });
    }

    static_cloud_credentials(builder, &sightings, usage, federation);
    sightings
}

fn federation_text(cloud: Cloud, federation: &BTreeMap<Cloud, String>) -> (Severity, String) {
    match federation.get(&cloud) {
        Some(evidence) => (
            Severity::High,
            format!(
                " The cluster already offers {} ({evidence}): give the workload's service account a federated identity and revoke the key.",
                cloud.mechanism()
            ),
        ),
        None => (
            Severity::Medium,
            format!(
                " No {cloud} workload federation was seen in the input; if the cluster runs on {cloud}, {} replaces the key.",
                cloud.mechanism()
            ),
        ),
    }
}

fn static_cloud_credentials(
    builder: &mut Builder<'_>,
    sightings: &[Sighting],
    usage: &Usage,
    federation: &BTreeMap<Cloud, String>,
) {
    let cluster = builder.cluster;
    // Per holding object and cloud.
    let mut by_object: BTreeMap<(String, Cloud), Vec<&Sighting>> = BTreeMap::new();
    for sighting in sightings {
        if let Some(cloud) = sighting.static_cloud() {
            by_object
                .entry((sighting.place.resource(cluster), cloud))
                .or_default()
                .push(sighting);
        }
    }
    let mut covered: BTreeSet<(WorkloadKey, Cloud)> = BTreeSet::new();
    for ((resource, cloud), found) in &by_object {
        let (severity, advice) = federation_text(*cloud, federation);
        let consumers: Vec<(WorkloadKey, String)> = found
            .iter()
            .flat_map(|s| s.consumers.iter().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for (workload, _) in &consumers {
            covered.insert((workload.clone(), *cloud));
        }
        let what: Vec<String> = found
            .iter()
            .map(|s| {
                format!(
                    "{} `{}` ({})",
                    s.description,
                    s.secret.preview(),
                    s.place.describe()
                )
            })
            .collect();
        let mut nodes: Vec<NodeId> = found.iter().map(|s| s.node_id()).collect();
        nodes.extend(
            consumers
                .iter()
                .map(|(w, _)| ids::workload(&cluster.name, w)),
        );
        builder.push(Draft {
            rule_id: "k8s-static-cloud-credential",
            severity,
            title: format!("Static {cloud} credential in {}", found[0].place.describe()),
            message: format!(
                "{} holds a long-lived {cloud} credential: {}.{}{advice}",
                resource,
                what.join("; "),
                consumers_text(&consumers)
            ),
            resource: resource.clone(),
            origin: found[0].place.origin(cluster),
            nodes,
            identity: vec![cloud.as_str().to_string()],
            evidence: Some(found[0].secret.clone()),
            tags: vec!["cloud", "federation-candidate"],
        });
    }
    // Workloads that take a cloud's key variables from Secrets whose values
    // were not seen (not in the input, or not readable).
    for key in usage.top_level() {
        let workload = &cluster.workloads[key];
        let mut by_cloud: BTreeMap<Cloud, Vec<String>> = BTreeMap::new();
        for container in workload.spec.all_containers() {
            for env in &container.env {
                let Some((_, cloud)) = CLOUD_VARIABLES.iter().find(|(name, _)| *name == env.name)
                else {
                    continue;
                };
                let from_secret = env
                    .value_from
                    .as_ref()
                    .and_then(|from| from.secret_key_ref.as_ref())
                    .and_then(|reference| reference.name.clone());
                if let Some(secret) = from_secret {
                    by_cloud
                        .entry(*cloud)
                        .or_default()
                        .push(format!("{} from Secret {secret}", env.name));
                }
            }
        }
        for (cloud, variables) in by_cloud {
            if covered.contains(&(key.clone(), cloud)) {
                continue;
            }
            let (severity, advice) = federation_text(cloud, federation);
            builder.push(Draft {
                rule_id: "k8s-static-cloud-credential",
                severity,
                title: format!("{key} authenticates to {cloud} with a static key"),
                message: format!(
                    "{key} takes a long-lived {cloud} credential from a Secret ({}).{advice}",
                    variables.join(", ")
                ),
                resource: workload.resource(),
                origin: workload.origin.clone(),
                nodes: vec![ids::workload(&cluster.name, key)],
                identity: vec![cloud.as_str().to_string()],
                evidence: None,
                tags: vec!["cloud", "federation-candidate"],
            });
        }
    }
}

//! The Kubernetes detectors: one cluster in, findings out. RBAC risks of
//! service accounts (each naming the binding, role and rule), token hygiene
//! (default service account automounted, long-lived token Secrets), orphaned
//! service accounts and dangling bindings, identity theft through the node
//! (host paths, privileged, hostPID), and credentials in objects (committed
//! Secret values, credentials in ConfigMaps and env, static cloud keys where
//! federation is available). Ids are stable.

mod credentials;
mod host;
mod lifecycle;
mod rbac_risk;

use std::collections::BTreeMap;

use jiff::Timestamp;
use nhiscope_model::{Detector, Finding, FindingFingerprint, Location, NodeId, Severity};
use nhiscope_secrets::RuleSet;

pub use credentials::{CredentialPlace, Sighting};
pub use lifecycle::token_mounted;
pub use rbac_risk::{RiskMatch, risks_of};

use crate::{
    cluster::{Cluster, NamespacedName},
    federation::{self, Cloud, FederationLink},
    rbac::{self, Grant},
    usage::Usage,
};

/// Context of the detectors.
#[derive(Clone, Debug)]
pub struct Settings {
    /// "Now", for ages.
    pub as_of: Timestamp,
    /// Namespaces where running a pod means running with the cluster's most
    /// powerful identities (default `kube-system`); namespaces whose service
    /// accounts hold critical grants are added automatically.
    pub privileged_namespaces: Vec<String>,
    /// Clouds whose workload federation the cluster offers, declared by the
    /// user in addition to what the input shows.
    pub federation: Vec<Cloud>,
}

impl Settings {
    /// The defaults.
    pub fn new(as_of: Timestamp) -> Self {
        Self {
            as_of,
            privileged_namespaces: vec!["kube-system".to_string()],
            federation: Vec::new(),
        }
    }
}

/// Everything the detectors concluded about one cluster, for the findings
/// and for the inventory the collector emits.
#[derive(Debug, Default)]
pub struct Assessment {
    /// The findings.
    pub findings: Vec<Finding>,
    /// Which workloads run as which service account.
    pub usage: Usage,
    /// Service accounts' links to cloud identities.
    pub federation_links: Vec<FederationLink>,
    /// The clouds whose federation the cluster offers, with evidence.
    pub federation_available: BTreeMap<Cloud, String>,
    /// Credentials found in Secret and ConfigMap values and env literals.
    pub sightings: Vec<Sighting>,
    /// The most severe RBAC risk of each service account.
    pub account_risk: BTreeMap<NamespacedName, Severity>,
    /// Namespaces judged privileged, with the reason.
    pub privileged_namespaces: BTreeMap<String, String>,
}

const fn detector(
    id: &'static str,
    severity: Severity,
    description: &'static str,
    remediation: &'static str,
) -> Detector {
    Detector::new(id, severity, description, remediation)
}

/// Every Kubernetes detector.
pub static DETECTORS: &[Detector] = &[
    detector(
        "k8s-rbac-cluster-admin",
        Severity::Critical,
        "A service account bound to cluster-admin or to every verb on every resource",
        "Bind a role that lists only the resources and verbs the workload uses (kubectl auth can-i --list --as=system:serviceaccount:NS:NAME shows what it has; audit logs show what it uses), and delete the binding to cluster-admin.",
    ),
    detector(
        "k8s-rbac-secret-read",
        Severity::Critical,
        "A service account that can read Secrets (get, list or watch), and so every credential stored in them",
        "Remove get/list/watch on secrets from the role, or limit it with resourceNames to the Secrets the workload needs; list and watch return every Secret's values.",
    ),
    detector(
        "k8s-rbac-impersonate",
        Severity::Critical,
        "A service account that can impersonate users, groups or service accounts",
        "Remove the impersonate verb; a workload almost never needs it. Where a proxy does, limit it with resourceNames to the identities it may act as.",
    ),
    detector(
        "k8s-rbac-escalate",
        Severity::Critical,
        "A service account that can escalate: edit roles to grant permissions it does not hold",
        "Remove the escalate verb (and * verbs) on roles and clusterroles.",
    ),
    detector(
        "k8s-rbac-bind",
        Severity::High,
        "A service account that can bind roles it does not hold to any subject",
        "Remove the bind verb on roles and clusterroles, or limit it with resourceNames to roles that grant no more than the account already has.",
    ),
    detector(
        "k8s-rbac-token-create",
        Severity::Critical,
        "A service account that can create tokens for other service accounts (serviceaccounts/token)",
        "Remove create on serviceaccounts/token; only the kubelet and token-issuing controllers need it.",
    ),
    detector(
        "k8s-rbac-pod-exec",
        Severity::High,
        "A service account that can exec into or attach to pods, and so act with their identities",
        "Remove create on pods/exec and pods/attach; debugging access belongs to people through short-lived, audited access, not to workloads.",
    ),
    detector(
        "k8s-rbac-workload-create",
        Severity::High,
        "A service account that can create or change pods or workloads, and so run code as any service account of the namespace",
        "Limit create/update/patch on pods and workload controllers to deployment tooling, in namespaces whose service accounts hold no more than the tooling itself; never in kube-system.",
    ),
    detector(
        "k8s-rbac-nodes-proxy",
        Severity::Critical,
        "A service account that can reach the kubelet API through nodes/proxy (exec into any pod on any node)",
        "Remove access to nodes/proxy; monitoring agents need nodes/metrics or nodes/stats, not nodes/proxy.",
    ),
    detector(
        "k8s-rbac-csr-approval",
        Severity::High,
        "A service account that can approve certificate signing requests, minting client certificates for any user",
        "Remove update on certificatesigningrequests/approval and approve on signers from the role; leave approval to the controller manager.",
    ),
    detector(
        "k8s-rbac-webhook-write",
        Severity::High,
        "A service account that can create or change admission webhook configurations, and so intercept or rewrite every object",
        "Remove write access to mutatingwebhookconfigurations and validatingwebhookconfigurations; only the operator that owns a webhook should manage it.",
    ),
    detector(
        "k8s-rbac-wildcard",
        Severity::Critical,
        "A service account granted every verb on sensitive resources, or write access to every resource (wildcards also grant what future versions add)",
        "Replace * in verbs and resources with the explicit verbs and resources the workload uses.",
    ),
    detector(
        "k8s-rbac-rbac-write",
        Severity::Medium,
        "A service account that can create or change roles and bindings",
        "Remove write access to roles, clusterroles, rolebindings and clusterrolebindings from workloads; RBAC belongs in reviewed manifests.",
    ),
    detector(
        "k8s-default-service-account-automount",
        Severity::Low,
        "A workload running as the namespace's default service account with its API token mounted",
        "Give the workload its own service account, and set automountServiceAccountToken: false on the default service account (and on pods that never call the API).",
    ),
    detector(
        "k8s-service-account-token-secret",
        Severity::Medium,
        "A long-lived service-account token stored in a Secret (kubernetes.io/service-account-token), which never expires",
        "Delete the Secret and let consumers use bound, expiring tokens (projected volumes, or kubectl create token for external systems).",
    ),
    detector(
        "k8s-service-account-orphaned",
        Severity::Low,
        "A service account with role bindings that no workload runs as",
        "If nothing uses it, delete the service account and its bindings; if something outside the cluster uses its token, replace that with a federated identity.",
    ),
    detector(
        "k8s-binding-dangling-subject",
        Severity::Medium,
        "A binding whose service-account subject does not exist, so whoever creates a service account of that name receives the role",
        "Delete the binding, or remove the subject from it.",
    ),
    detector(
        "k8s-static-cloud-credential",
        Severity::Medium,
        "A static cloud credential (AWS access key, GCP key file, Azure client secret) in a Secret, ConfigMap or env on a cluster that could federate instead",
        "Replace the static key with the cluster's workload identity (EKS IRSA or Pod Identity, GKE Workload Identity, Azure Workload Identity) for the workload's service account, then revoke the key.",
    ),
    detector(
        "k8s-host-identity-exposure",
        Severity::Critical,
        "A workload that can read other identities' credentials through the node (container runtime socket, host root, kubelet or etcd directories, privileged, hostPID)",
        "Remove the hostPath mount, privileged mode or hostPID; if an agent truly needs node access, run it in a dedicated, locked-down namespace and node pool, and review what it can reach.",
    ),
    detector(
        "k8s-credential-in-manifest",
        Severity::High,
        "A credential written into an object: a Secret manifest with values, a ConfigMap value or a literal env value",
        "Rotate the credential, remove it from the manifest and its history, and deliver it at run time (an external secret store, sealed or encrypted Secrets, or a federated identity instead).",
    ),
];

/// The remediation of detector `id`.
pub(crate) fn remediation(id: &str) -> String {
    DETECTORS
        .iter()
        .find(|d| d.id == id)
        .map_or_else(String::new, |d| d.remediation.to_string())
}

/// Collects findings with locations in one cluster.
pub(crate) struct Builder<'a> {
    pub(crate) cluster: &'a Cluster,
    pub(crate) as_of: Timestamp,
    pub(crate) findings: Vec<Finding>,
}

/// What a finding says, before it is placed.
pub(crate) struct Draft {
    pub(crate) rule_id: &'static str,
    pub(crate) severity: Severity,
    pub(crate) title: String,
    pub(crate) message: String,
    /// The object path: `ns/Kind/name` or `Kind/name`.
    pub(crate) resource: String,
    /// The file the object came from.
    pub(crate) origin: Option<String>,
    pub(crate) nodes: Vec<NodeId>,
    /// What, beyond rule and resource, makes the finding unique.
    pub(crate) identity: Vec<String>,
    pub(crate) evidence: Option<nhiscope_model::Redacted>,
    pub(crate) tags: Vec<&'static str>,
}

impl Builder<'_> {
    pub(crate) fn push(&mut self, draft: Draft) {
        let mut parts: Vec<&str> = vec![self.cluster.name.as_str(), draft.resource.as_str()];
        parts.extend(draft.identity.iter().map(String::as_str));
        let mut tags = vec!["kubernetes".to_string()];
        tags.extend(draft.tags.iter().map(|tag| tag.to_string()));
        self.findings.push(Finding {
            fingerprint: FindingFingerprint::derive(draft.rule_id, &parts),
            rule_id: draft.rule_id.to_string(),
            severity: draft.severity,
            title: draft.title,
            message: draft.message,
            nodes: draft.nodes,
            location: Location::Resource {
                provider: crate::ids::PROVIDER.to_string(),
                scope: Some(self.cluster.name.clone()),
                resource: draft.resource,
                export_file: draft.origin,
            },
            remediation: remediation(draft.rule_id),
            evidence: draft.evidence,
            tags,
            provenance: None,
            risk: None,
        });
    }
}

/// Runs every detector on `cluster`. `rules` is the secret matcher that
/// Secret, ConfigMap and env values pass through (in memory only).
pub fn assess(cluster: &Cluster, settings: &Settings, rules: &RuleSet) -> Assessment {
    let usage = Usage::of(cluster);
    let grants: Vec<Grant<'_>> = rbac::grants(cluster);
    let mut builder = Builder {
        cluster,
        as_of: settings.as_of,
        findings: Vec::new(),
    };
    let privileged = rbac_risk::privileged_namespaces(cluster, settings, &grants, &usage);
    let account_risk = rbac_risk::detect(&mut builder, &grants, &privileged);
    lifecycle::detect(&mut builder, &grants, &usage, &account_risk);
    host::detect(&mut builder, &usage);
    let federation_available = federation::availability(cluster, &usage, &settings.federation);
    let sightings = credentials::detect(&mut builder, rules, &usage, &federation_available);
    let mut findings = builder.findings;
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.location.display().cmp(&b.location.display()))
    });
    Assessment {
        findings,
        federation_links: federation::links(cluster),
        federation_available,
        sightings,
        account_risk,
        privileged_namespaces: privileged,
        usage,
    }
}

/// `ns/Kind/name` for a namespaced object.
pub(crate) fn object_path(kind: &str, name: &NamespacedName) -> String {
    format!("{}/{kind}/{}", name.namespace, name.name)
}

/// A list of names for a message: the first `limit`, then how many more.
pub(crate) fn name_list<T: std::fmt::Display>(items: &[T], limit: usize) -> String {
    let shown: Vec<String> = items.iter().take(limit).map(|i| i.to_string()).collect();
    if items.len() > limit {
        format!("{} and {} more", shown.join(", "), items.len() - limit)
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests;

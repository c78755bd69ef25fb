//! Cloud workload-identity federation: the links from service accounts to
//! the cloud identities they become (EKS IRSA and Pod Identity, GKE Workload
//! Identity, Azure Workload Identity), and whether the cluster offers
//! federation at all, with the evidence — what makes a static cloud key in the
//! cluster a migration candidate.

use std::{collections::BTreeMap, fmt};

use nhiscope_model::NodeId;

use crate::{
    cluster::{Cluster, NamespacedName},
    ids,
    usage::Usage,
};

/// A cloud provider with workload-identity federation for pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cloud {
    /// AWS: EKS IRSA or EKS Pod Identity.
    Aws,
    /// Google Cloud: GKE Workload Identity.
    Gcp,
    /// Azure: Azure Workload Identity.
    Azure,
}

impl Cloud {
    /// Every cloud.
    pub const ALL: [Cloud; 3] = [Cloud::Aws, Cloud::Gcp, Cloud::Azure];

    /// The provider slug (`aws`, `gcp`, `azure`), as rules name providers.
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
        }
    }

    /// Parses a provider slug.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|cloud| cloud.as_str() == text)
    }

    /// How pods on this cloud get short-lived credentials instead.
    pub fn mechanism(self) -> &'static str {
        match self {
            Cloud::Aws => "EKS IRSA (eks.amazonaws.com/role-arn) or EKS Pod Identity",
            Cloud::Gcp => "GKE Workload Identity (iam.gke.io/gcp-service-account)",
            Cloud::Azure => "Azure Workload Identity (azure.workload.identity/client-id)",
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a service account reaches a cloud identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FederationLink {
    /// The service account.
    pub account: NamespacedName,
    /// The cloud.
    pub cloud: Cloud,
    /// The mechanism (`irsa`, `eks-pod-identity`, `gke-workload-identity`,
    /// `azure-workload-identity`).
    pub mechanism: &'static str,
    /// The cloud identity's native id (role ARN, GCP SA email, client id).
    pub target: String,
    /// The cloud identity's node id, as the cloud collector builds it.
    pub target_id: NodeId,
}

/// The annotation EKS IRSA reads.
pub const IRSA_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// The annotation GKE Workload Identity reads.
pub const GKE_ANNOTATION: &str = "iam.gke.io/gcp-service-account";
/// The annotation Azure Workload Identity reads.
pub const AZURE_ANNOTATION: &str = "azure.workload.identity/client-id";

/// Every federation link of the cluster's service accounts.
pub fn links(cluster: &Cluster) -> Vec<FederationLink> {
    let mut links = Vec::new();
    for (account, service_account) in &cluster.service_accounts {
        let annotations = &service_account.meta.annotations;
        if let Some(arn) = annotations.get(IRSA_ANNOTATION).map(|a| a.trim())
            && arn.starts_with("arn:")
        {
            links.push(FederationLink {
                account: account.clone(),
                cloud: Cloud::Aws,
                mechanism: "irsa",
                target: arn.to_string(),
                target_id: ids::aws_role(arn),
            });
        }
        if let Some(email) = annotations.get(GKE_ANNOTATION).map(|a| a.trim())
            && email.contains('@')
        {
            links.push(FederationLink {
                account: account.clone(),
                cloud: Cloud::Gcp,
                mechanism: "gke-workload-identity",
                target: email.to_string(),
                target_id: ids::gcp_service_account(email),
            });
        }
        if let Some(client_id) = annotations.get(AZURE_ANNOTATION).map(|a| a.trim())
            && !client_id.is_empty()
        {
            links.push(FederationLink {
                account: account.clone(),
                cloud: Cloud::Azure,
                mechanism: "azure-workload-identity",
                target: client_id.to_string(),
                target_id: ids::azure_client(client_id),
            });
        }
    }
    for association in &cluster.pod_identity_associations {
        if association.role_arn.is_empty() {
            continue;
        }
        links.push(FederationLink {
            account: NamespacedName::new(
                association.namespace.clone(),
                association.service_account.clone(),
            ),
            cloud: Cloud::Aws,
            mechanism: "eks-pod-identity",
            target: association.role_arn.clone(),
            target_id: ids::aws_role(&association.role_arn),
        });
    }
    links
}

/// Which clouds' federation the cluster offers, each with the first
/// evidence seen (or `declared in [kubernetes] federation`).
pub fn availability(
    cluster: &Cluster,
    usage: &Usage,
    declared: &[Cloud],
) -> BTreeMap<Cloud, String> {
    let mut available: BTreeMap<Cloud, String> = BTreeMap::new();
    let mut note = |cloud: Cloud, evidence: String| {
        available.entry(cloud).or_insert(evidence);
    };
    for cloud in declared {
        note(
            *cloud,
            "declared in the [kubernetes] federation setting".into(),
        );
    }
    for link in links(cluster) {
        note(
            link.cloud,
            format!(
                "ServiceAccount {} already federates to {} ({})",
                link.account, link.target, link.mechanism
            ),
        );
    }
    for (key, workload) in &cluster.workloads {
        let name = key.name.name.as_str();
        if key.name.namespace == "kube-system" {
            if name.starts_with("eks-pod-identity-agent") || name.starts_with("aws-node") {
                note(Cloud::Aws, format!("{key} runs (an EKS add-on)"));
            }
            if name.starts_with("gke-metadata-server") {
                note(Cloud::Gcp, format!("{key} runs (GKE's metadata server)"));
            }
        }
        if name.starts_with("azure-wi-webhook") {
            note(
                Cloud::Azure,
                format!("{key} runs (the Azure Workload Identity webhook)"),
            );
        }
        for volume in &workload.spec.volumes {
            let audiences = volume
                .projected
                .iter()
                .flat_map(|projected| &projected.sources)
                .filter_map(|source| source.service_account_token.as_ref())
                .filter_map(|token| token.audience.as_deref());
            for audience in audiences {
                match audience {
                    "sts.amazonaws.com" | "pods.eks.amazonaws.com" => {
                        note(Cloud::Aws, format!("{key} receives a token for {audience}"))
                    }
                    "api://AzureADTokenExchange" => note(
                        Cloud::Azure,
                        format!("{key} receives a token for {audience}"),
                    ),
                    _ => {}
                }
            }
        }
    }
    for summary in usage.pods.values() {
        if let Some(node) = summary
            .nodes
            .iter()
            .find(|node| node.ends_with(".ec2.internal") || node.ends_with(".compute.internal"))
        {
            note(Cloud::Aws, format!("node {node} is an EC2 instance (EKS)"));
        }
        if let Some(node) = summary.nodes.iter().find(|node| node.starts_with("gke-")) {
            note(Cloud::Gcp, format!("node {node} is a GKE node"));
        }
        if let Some(node) = summary.nodes.iter().find(|node| node.starts_with("aks-")) {
            note(Cloud::Azure, format!("node {node} is an AKS node"));
        }
    }
    available
}

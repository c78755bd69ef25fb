//! Service-account and token hygiene: workloads on the default service
//! account with its token mounted, long-lived token Secrets, service accounts
//! with bindings that nothing runs as (orphaned), and bindings to service
//! accounts that do not exist (dangling).

use std::collections::{BTreeMap, BTreeSet};

use nhiscope_model::Severity;

use super::{Builder, Draft, name_list, object_path};
use crate::{
    cluster::NamespacedName,
    ids,
    rbac::{Grant, Grantee},
    usage::Usage,
};

/// The annotation naming a token Secret's service account.
const TOKEN_SA_ANNOTATION: &str = "kubernetes.io/service-account.name";

pub(super) fn detect(
    builder: &mut Builder<'_>,
    grants: &[Grant<'_>],
    usage: &Usage,
    account_risk: &BTreeMap<NamespacedName, Severity>,
) {
    default_automount(builder, usage, account_risk);
    token_secrets(builder, account_risk);
    orphaned(builder, grants, usage, account_risk);
    dangling(builder, grants);
}

/// Whether a pod of `spec` running as `account` gets the API token mounted.
/// A scheduled pod shows it (the injected projected token volume, or a
/// legacy token Secret volume); a template says it through
/// automountServiceAccountToken on the pod or the account.
pub fn token_mounted(
    cluster: &crate::cluster::Cluster,
    spec: &crate::object::PodSpec,
    account: &NamespacedName,
) -> bool {
    if spec.node_name.is_some() {
        return spec.volumes.iter().any(|volume| {
            let projected_token = volume.projected.iter().flat_map(|p| &p.sources).any(|s| {
                s.service_account_token
                    .as_ref()
                    .is_some_and(|token| token.audience.is_none())
            });
            let legacy_token = volume.secret.as_ref().is_some_and(|secret| {
                secret.secret_name.as_deref().is_some_and(|name| {
                    cluster
                        .secrets
                        .get(&NamespacedName::new(account.namespace.clone(), name))
                        .is_some_and(|s| s.secret_type == "kubernetes.io/service-account-token")
                        || name.starts_with(&format!("{}-token-", account.name))
                })
            });
            projected_token || legacy_token
        });
    }
    spec.automount_service_account_token
        .or_else(|| {
            cluster
                .service_accounts
                .get(account)
                .and_then(|sa| sa.automount)
        })
        .unwrap_or(true)
}

fn default_automount(
    builder: &mut Builder<'_>,
    usage: &Usage,
    account_risk: &BTreeMap<NamespacedName, Severity>,
) {
    let cluster = builder.cluster;
    for key in usage.top_level() {
        let workload = &cluster.workloads[key];
        if workload.spec.service_account() != "default" {
            continue;
        }
        let account = NamespacedName::new(key.name.namespace.clone(), "default");
        if !token_mounted(cluster, &workload.spec, &account) {
            continue;
        }
        let risk = account_risk.get(&account).copied();
        let (severity, power) = match risk {
            Some(severity) if severity >= Severity::Medium => (
                Severity::Medium,
                format!(
                    " The default service account holds {severity} RBAC permissions, which every pod of the namespace that does not name another account gets too."
                ),
            ),
            _ => (Severity::Low, String::new()),
        };
        builder.push(Draft {
            rule_id: "k8s-default-service-account-automount",
            severity,
            title: format!("{key} runs as the default service account with its token mounted"),
            message: format!(
                "{key} names no service account, so it runs as {account} and its pods get that account's API token (automountServiceAccountToken is not false on the pod or the account).{power}"
            ),
            resource: workload.resource(),
            origin: workload.origin.clone(),
            nodes: vec![
                ids::workload(&cluster.name, key),
                ids::service_account(&cluster.name, &account),
            ],
            identity: Vec::new(),
            evidence: None,
            tags: vec!["service-account", "token"],
        });
    }
}

fn token_secrets(builder: &mut Builder<'_>, account_risk: &BTreeMap<NamespacedName, Severity>) {
    let cluster = builder.cluster;
    for (name, secret) in &cluster.secrets {
        if secret.secret_type != "kubernetes.io/service-account-token" {
            continue;
        }
        let account_name = secret
            .meta
            .annotations
            .get(TOKEN_SA_ANNOTATION)
            .cloned()
            .unwrap_or_default();
        let account = NamespacedName::new(name.namespace.clone(), account_name.clone());
        let exists = cluster.service_accounts.contains_key(&account);
        let risk = account_risk.get(&account).copied();
        let severity = match risk {
            Some(severity) if severity >= Severity::High => Severity::High,
            _ => Severity::Medium,
        };
        let age = secret
            .meta
            .created_at()
            .map_or_else(String::new, |created| {
                let days = builder.as_of.duration_since(created).as_secs() / 86_400;
                format!(
                    " It was created on {} ({days} days ago).",
                    created.strftime("%Y-%m-%d")
                )
            });
        let power = risk.map_or_else(String::new, |severity| {
            format!(" The account holds {severity} RBAC permissions.")
        });
        let missing = if account_name.is_empty() {
            " It names no service account.".to_string()
        } else if !exists && cluster.knows_all("ServiceAccount") {
            format!(
                " ServiceAccount {account} does not exist, so the token no longer authenticates; delete the Secret."
            )
        } else {
            String::new()
        };
        let mut nodes = vec![
            ids::token_secret(&cluster.name, name),
            ids::secret(&cluster.name, name),
        ];
        if !account_name.is_empty() {
            nodes.push(ids::service_account(&cluster.name, &account));
        }
        builder.push(Draft {
            rule_id: "k8s-service-account-token-secret",
            severity,
            title: format!("Secret {name} holds a long-lived token of ServiceAccount {account}"),
            message: format!(
                "Secret {name} (type kubernetes.io/service-account-token) holds a token for ServiceAccount {account} that never expires and works from anywhere the API server is reachable.{age}{power}{missing}"
            ),
            resource: object_path("Secret", name),
            origin: secret.origin.clone(),
            nodes,
            identity: Vec::new(),
            evidence: None,
            tags: vec!["service-account", "token", "long-lived"],
        });
    }
}

/// Bindings granted only to the control plane's own accounts (the
/// controller manager's per-controller service accounts in kube-system run
/// no pods of their own).
fn is_control_plane_grant(grant: &Grant<'_>) -> bool {
    grant.binding.name().starts_with("system:")
        || grant.role.is_some_and(|role| {
            role.meta
                .name
                .as_deref()
                .is_some_and(|name| name.starts_with("system:"))
        })
}

fn orphaned(
    builder: &mut Builder<'_>,
    grants: &[Grant<'_>],
    usage: &Usage,
    account_risk: &BTreeMap<NamespacedName, Severity>,
) {
    let cluster = builder.cluster;
    let mut bindings: BTreeMap<&NamespacedName, BTreeSet<String>> = BTreeMap::new();
    let mut control_plane_only: BTreeMap<&NamespacedName, bool> = BTreeMap::new();
    for grant in grants {
        if let Grantee::ServiceAccount(account) = &grant.grantee
            && cluster.service_accounts.contains_key(account)
        {
            bindings
                .entry(account)
                .or_default()
                .insert(grant.binding.describe());
            let only = control_plane_only.entry(account).or_insert(true);
            *only &= is_control_plane_grant(grant);
        }
    }
    // Without the workloads, nothing can be called unused.
    if !cluster.knows_all("Pod") && cluster.workloads.is_empty() {
        return;
    }
    for (account, bound_by) in bindings {
        if usage.workloads_of(account).next().is_some() {
            continue;
        }
        if control_plane_only.get(account) == Some(&true) && account.namespace == "kube-system" {
            continue;
        }
        let service_account = &cluster.service_accounts[account];
        let risk = account_risk.get(account).copied();
        let severity = match risk {
            Some(Severity::Critical) => Severity::High,
            Some(Severity::High) => Severity::Medium,
            _ => Severity::Low,
        };
        let tokens: Vec<String> = cluster
            .secrets
            .iter()
            .filter(|(name, secret)| {
                name.namespace == account.namespace
                    && secret.secret_type == "kubernetes.io/service-account-token"
                    && secret.meta.annotations.get(TOKEN_SA_ANNOTATION) == Some(&account.name)
            })
            .map(|(name, _)| name.to_string())
            .collect();
        let bound: Vec<String> = bound_by.into_iter().collect();
        let scope = if cluster.origin.is_complete_state() {
            "the cluster"
        } else {
            "the scanned manifests"
        };
        let power = risk.map_or_else(String::new, |severity| {
            format!(" It holds {severity} RBAC permissions.")
        });
        let token_note = if tokens.is_empty() {
            String::new()
        } else {
            format!(
                " Its long-lived token Secret ({}) may be what uses it, from outside the cluster.",
                tokens.join(", ")
            )
        };
        builder.push(Draft {
            rule_id: "k8s-service-account-orphaned",
            severity,
            title: format!("ServiceAccount {account} has bindings but no workload runs as it"),
            message: format!(
                "ServiceAccount {account} is granted roles by {} but no workload in {scope} runs as it.{power}{token_note}",
                name_list(&bound, 5)
            ),
            resource: object_path("ServiceAccount", account),
            origin: service_account.origin.clone(),
            nodes: vec![ids::service_account(&cluster.name, account)],
            identity: Vec::new(),
            evidence: None,
            tags: vec!["service-account", "orphaned"],
        });
    }
}

fn dangling(builder: &mut Builder<'_>, grants: &[Grant<'_>]) {
    let cluster = builder.cluster;
    let complete = cluster.knows_all("ServiceAccount");
    for grant in grants {
        let Grantee::ServiceAccount(account) = &grant.grantee else {
            continue;
        };
        if cluster.service_accounts.contains_key(account) {
            continue;
        }
        // In manifests, an account may be created elsewhere; in an export
        // without ServiceAccounts nothing can be said.
        if !complete && cluster.origin.is_complete_state() {
            continue;
        }
        let risks = grant
            .role
            .map(|_| super::risks_of(&grant.rules, &grant.scope, None))
            .unwrap_or_default();
        let worst = risks.iter().map(|risk| risk.severity).max();
        let base = if complete {
            Severity::Medium
        } else {
            Severity::Low
        };
        let severity = match worst {
            Some(Severity::Critical) if complete => Severity::High,
            _ => base,
        };
        let namespace_note = if !cluster.namespaces.is_empty()
            && !cluster.namespaces.contains_key(&account.namespace)
        {
            format!(" Namespace {} does not exist either.", account.namespace)
        } else {
            String::new()
        };
        let role = grant.role.map_or_else(
            || {
                format!(
                    "{} {} (not found)",
                    grant.binding.role_ref.kind, grant.binding.role_ref.name
                )
            },
            |role| role.describe(),
        );
        let grants_text = match risks.first() {
            Some(risk) => format!(", which lets it {}", risk.what),
            None => String::new(),
        };
        let where_text = if complete {
            "does not exist"
        } else {
            "is not defined in the scanned manifests"
        };
        builder.push(Draft {
            rule_id: "k8s-binding-dangling-subject",
            severity,
            title: format!(
                "{} grants {role} to ServiceAccount {account}, which {where_text}",
                grant.binding.describe()
            ),
            message: format!(
                "{} grants {role}{grants_text} to ServiceAccount {account}, which {where_text}: whoever can create service accounts in namespace {} gets the role by creating one with that name.{namespace_note}",
                grant.binding.describe(),
                account.namespace
            ),
            resource: grant.binding.resource(),
            origin: grant.binding.origin.clone(),
            nodes: grant
                .role
                .map(|role| ids::role(&cluster.name, role))
                .into_iter()
                .collect(),
            identity: vec![account.to_string()],
            evidence: None,
            tags: vec!["rbac", "dangling"],
        });
    }
}

//! RBAC risks of service accounts: what a binding's role lets its subjects do
//! that amounts to more identity (cluster-admin, reading Secrets,
//! impersonation, escalate/bind, minting tokens, exec, creating workloads in
//! privileged namespaces, the kubelet API, certificate approval, admission
//! webhooks, wildcards). Each finding names the binding, the role and the
//! rule that grant it.

use std::collections::BTreeMap;

use nhiscope_model::Severity;

use super::{Builder, Draft, object_path};
use crate::{
    cluster::NamespacedName,
    ids,
    object::PolicyRule,
    rbac::{Grant, Grantee, Scope, is_cluster_scoped, rule_allows},
    usage::Usage,
};

/// One risk a set of rules carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskMatch {
    /// The detector id (`k8s-rbac-secret-read`).
    pub id: &'static str,
    /// How severe, in this scope.
    pub severity: Severity,
    /// What it lets the subject do, as a phrase (`read Secrets`).
    pub what: String,
    /// The index of the rule that grants it.
    pub rule_index: usize,
    /// That rule.
    pub rule: PolicyRule,
    /// Why the severity was raised, if it was.
    pub raised_because: Option<String>,
}

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "update", "patch"];
const CORE: &str = "";
const APPS: &str = "apps";
const RBAC: &str = "rbac.authorization.k8s.io";

const WORKLOADS: &[(&str, &str)] = &[
    (CORE, "pods"),
    (APPS, "deployments"),
    (APPS, "daemonsets"),
    (APPS, "statefulsets"),
    (APPS, "replicasets"),
    ("extensions", "deployments"),
    ("extensions", "daemonsets"),
    ("extensions", "replicasets"),
    (CORE, "replicationcontrollers"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
];

/// Resources where `*` verbs hand over identities or control.
const SENSITIVE: &[(&str, &str)] = &[
    (CORE, "secrets"),
    (CORE, "pods"),
    (CORE, "serviceaccounts"),
    (CORE, "configmaps"),
    (CORE, "nodes"),
    (CORE, "users"),
    (CORE, "groups"),
    (CORE, "replicationcontrollers"),
    (APPS, "deployments"),
    (APPS, "daemonsets"),
    (APPS, "statefulsets"),
    (APPS, "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    (RBAC, "roles"),
    (RBAC, "rolebindings"),
    (RBAC, "clusterroles"),
    (RBAC, "clusterrolebindings"),
    (
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
    ),
    ("certificates.k8s.io", "certificatesigningrequests"),
];

/// A rule that allows one of `verbs` on one of `targets` in `scope`,
/// preferring one without resourceNames: (index, verbs allowed, target).
fn find<'r>(
    rules: &'r [PolicyRule],
    scope: &Scope,
    verbs: &[&'static str],
    targets: &[(&'static str, &'static str)],
) -> Option<(usize, &'r PolicyRule, Vec<&'static str>, &'static str)> {
    let mut best: Option<(usize, &PolicyRule, Vec<&str>, &str)> = None;
    for (index, rule) in rules.iter().enumerate() {
        for (group, resource) in targets {
            let allowed: Vec<&str> = verbs
                .iter()
                .copied()
                .filter(|verb| rule_allows(rule, verb, group, resource))
                .filter(|verb| applies_in(scope, verb, group, resource))
                .collect();
            if allowed.is_empty() {
                continue;
            }
            let unrestricted = rule.resource_names.is_empty();
            let better = match &best {
                None => true,
                Some((_, current, _, _)) => unrestricted && !current.resource_names.is_empty(),
            };
            if better {
                best = Some((index, rule, allowed, resource));
            }
            if unrestricted {
                return best;
            }
        }
    }
    best
}

/// Whether a grant in `scope` covers requests for `verb` on `resource`: a
/// RoleBinding's rules apply only to requests made in its namespace, which
/// requests about cluster-scoped resources never are — except binding a
/// ClusterRole in a RoleBinding, which is checked in the binding's namespace.
fn applies_in(scope: &Scope, verb: &str, group: &str, resource: &str) -> bool {
    match scope {
        Scope::Cluster => true,
        Scope::Namespace(_) => {
            !is_cluster_scoped(group, resource) || (verb == "bind" && resource == "clusterroles")
        }
    }
}

fn names(rule: &PolicyRule) -> String {
    if rule.resource_names.is_empty() {
        String::new()
    } else {
        format!(" (only those named {})", rule.resource_names.join(", "))
    }
}

/// The risks `rules` carry when granted in `scope`. `privileged` says
/// whether the scope's namespace is privileged (a cluster-wide grant always
/// reaches kube-system).
pub fn risks_of(rules: &[PolicyRule], scope: &Scope, privileged: Option<&str>) -> Vec<RiskMatch> {
    let mut risks = Vec::new();
    let push = |risks: &mut Vec<RiskMatch>,
                id: &'static str,
                severity: Severity,
                what: String,
                index: usize,
                rule: &PolicyRule,
                raised: Option<String>| {
        risks.push(RiskMatch {
            id,
            severity,
            what,
            rule_index: index,
            rule: rule.clone(),
            raised_because: raised,
        });
    };

    if let Some((index, rule)) = rules.iter().enumerate().find(|(_, rule)| {
        rule.verbs.iter().any(|v| v == "*")
            && rule.resources.iter().any(|r| r == "*")
            && rule.api_groups.iter().any(|g| g == "*")
            && rule.resource_names.is_empty()
    }) {
        let what = match scope {
            Scope::Cluster => "do anything to any resource (cluster-admin)".to_string(),
            Scope::Namespace(_) => "do anything to any resource of the namespace".to_string(),
        };
        push(
            &mut risks,
            "k8s-rbac-cluster-admin",
            Severity::Critical,
            what,
            index,
            rule,
            None,
        );
        return risks;
    }

    let cluster_wide = matches!(scope, Scope::Cluster);
    let raise = |base: Severity| -> (Severity, Option<String>) {
        if cluster_wide {
            (
                Severity::Critical,
                Some("the grant is cluster-wide, so it reaches kube-system".into()),
            )
        } else if let Some(reason) = privileged {
            (Severity::Critical, Some(reason.to_string()))
        } else {
            (base, None)
        }
    };

    if let Some((index, rule, verbs, _)) = find(rules, scope, READ, &[(CORE, "secrets")]) {
        let severity = if rule.resource_names.is_empty() {
            Severity::Critical
        } else {
            Severity::High
        };
        let what = format!("{} Secrets{}", verbs.join("/"), names(rule));
        push(
            &mut risks,
            "k8s-rbac-secret-read",
            severity,
            what,
            index,
            rule,
            None,
        );
    }
    let identities = [
        (CORE, "users"),
        (CORE, "groups"),
        (CORE, "serviceaccounts"),
        ("authentication.k8s.io", "uids"),
        ("authentication.k8s.io", "userextras"),
    ];
    if let Some((index, rule, _, resource)) = find(rules, scope, &["impersonate"], &identities) {
        let what = format!("impersonate {resource}{}", names(rule));
        push(
            &mut risks,
            "k8s-rbac-impersonate",
            Severity::Critical,
            what,
            index,
            rule,
            None,
        );
    }
    let roles = [(RBAC, "roles"), (RBAC, "clusterroles")];
    let escalate = find(rules, scope, &["escalate"], &roles);
    if let Some((index, rule, _, resource)) = &escalate {
        let what = format!("escalate {resource}: grant any permission by editing them");
        push(
            &mut risks,
            "k8s-rbac-escalate",
            Severity::Critical,
            what,
            *index,
            rule,
            None,
        );
    }
    let bind = find(rules, scope, &["bind"], &roles);
    if let Some((index, rule, _, resource)) = &bind {
        let (severity, raised) = if cluster_wide {
            (
                Severity::Critical,
                Some("the grant is cluster-wide, so any role can be bound anywhere".to_string()),
            )
        } else {
            (Severity::High, None)
        };
        let what = format!("bind {resource}{} it does not hold", names(rule));
        push(
            &mut risks,
            "k8s-rbac-bind",
            severity,
            what,
            *index,
            rule,
            raised,
        );
    }
    if let Some((index, rule, _, _)) = find(
        rules,
        scope,
        &["create"],
        &[(CORE, "serviceaccounts/token")],
    ) {
        let what = format!("create tokens for service accounts{}", names(rule));
        push(
            &mut risks,
            "k8s-rbac-token-create",
            Severity::Critical,
            what,
            index,
            rule,
            None,
        );
    }
    let exec_targets = [(CORE, "pods/exec"), (CORE, "pods/attach")];
    if let Some((index, rule, _, resource)) = find(rules, scope, &["create", "get"], &exec_targets)
    {
        let (severity, raised) = raise(Severity::High);
        let what = format!("use {resource} on pods{}", names(rule));
        push(
            &mut risks,
            "k8s-rbac-pod-exec",
            severity,
            what,
            index,
            rule,
            raised,
        );
    }
    if let Some((index, rule, verbs, resource)) = find(rules, scope, WRITE, WORKLOADS) {
        let (severity, raised) = raise(Severity::High);
        let what = format!("{} {resource}{}", verbs.join("/"), names(rule));
        push(
            &mut risks,
            "k8s-rbac-workload-create",
            severity,
            what,
            index,
            rule,
            raised,
        );
    }
    if let Some((index, rule, verbs, _)) =
        find(rules, scope, &["get", "create"], &[(CORE, "nodes/proxy")])
    {
        let what = format!(
            "{} nodes/proxy (the kubelet API of every node)",
            verbs.join("/")
        );
        push(
            &mut risks,
            "k8s-rbac-nodes-proxy",
            Severity::Critical,
            what,
            index,
            rule,
            None,
        );
    }
    let approval = find(
        rules,
        scope,
        &["update", "patch"],
        &[("certificates.k8s.io", "certificatesigningrequests/approval")],
    );
    let signers = find(
        rules,
        scope,
        &["approve"],
        &[("certificates.k8s.io", "signers")],
    );
    if let (Some((index, rule, _, _)), Some(_)) = (&approval, &signers) {
        let what = "approve certificate signing requests".to_string();
        push(
            &mut risks,
            "k8s-rbac-csr-approval",
            Severity::High,
            what,
            *index,
            rule,
            None,
        );
    }
    let admission = "admissionregistration.k8s.io";
    if let Some((index, rule, verbs, _)) = find(
        rules,
        scope,
        WRITE,
        &[(admission, "mutatingwebhookconfigurations")],
    ) {
        let what = format!("{} mutating admission webhooks", verbs.join("/"));
        push(
            &mut risks,
            "k8s-rbac-webhook-write",
            Severity::Critical,
            what,
            index,
            rule,
            None,
        );
    } else if let Some((index, rule, verbs, _)) = find(
        rules,
        scope,
        WRITE,
        &[(admission, "validatingwebhookconfigurations")],
    ) {
        let what = format!("{} validating admission webhooks", verbs.join("/"));
        push(
            &mut risks,
            "k8s-rbac-webhook-write",
            Severity::High,
            what,
            index,
            rule,
            None,
        );
    }

    // Wildcards the specific checks did not already account for.
    let critical_rules: Vec<usize> = risks
        .iter()
        .filter(|risk| risk.severity == Severity::Critical)
        .map(|risk| risk.rule_index)
        .collect();
    for (index, rule) in rules.iter().enumerate() {
        if critical_rules.contains(&index) {
            continue;
        }
        let every_verb = rule.verbs.iter().any(|v| v == "*");
        let every_resource = rule.resources.iter().any(|r| r == "*");
        let sensitive = SENSITIVE.iter().find(|(group, resource)| {
            !(matches!(scope, Scope::Namespace(_)) && is_cluster_scoped(group, resource))
                && rule.api_groups.iter().any(|g| g == "*" || g == group)
                && rule.resources.iter().any(|r| r == resource)
        });
        let what = if every_verb && (every_resource || sensitive.is_some()) {
            let resource = sensitive.map_or("*", |(_, resource)| resource);
            format!("use every verb on {resource}{}", names(rule))
        } else if every_resource
            && let Some(verb) = ["create", "update", "patch", "delete", "deletecollection"]
                .into_iter()
                .find(|verb| rule.verbs.iter().any(|v| v == verb))
        {
            format!("{verb} every kind of resource{}", names(rule))
        } else {
            continue;
        };
        push(
            &mut risks,
            "k8s-rbac-wildcard",
            Severity::Critical,
            what,
            index,
            rule,
            None,
        );
        break;
    }

    if escalate.is_none() && bind.is_none() {
        let rbac_objects = [
            (RBAC, "roles"),
            (RBAC, "rolebindings"),
            (RBAC, "clusterroles"),
            (RBAC, "clusterrolebindings"),
        ];
        if let Some((index, rule, verbs, resource)) = find(
            rules,
            scope,
            &["create", "update", "patch", "delete"],
            &rbac_objects,
        ) {
            let what = format!("{} {resource}{}", verbs.join("/"), names(rule));
            push(
                &mut risks,
                "k8s-rbac-rbac-write",
                Severity::Medium,
                what,
                index,
                rule,
                None,
            );
        }
    }
    risks
}

/// Whether a binding is one of Kubernetes' own defaults (the bootstrap
/// policy's `system:` bindings, labelled `kubernetes.io/bootstrapping:
/// rbac-defaults`): the control plane's controllers hold powerful grants by
/// design, so they are listed, not judged.
pub(crate) fn is_default_grant(grant: &Grant<'_>) -> bool {
    grant
        .binding
        .meta
        .labels
        .get("kubernetes.io/bootstrapping")
        .is_some_and(|value| value == "rbac-defaults")
}

/// Namespaces where creating a pod means running as a powerful identity: the
/// configured ones, and those whose service accounts hold critical grants.
pub(super) fn privileged_namespaces(
    cluster: &crate::cluster::Cluster,
    settings: &super::Settings,
    grants: &[Grant<'_>],
    _usage: &Usage,
) -> BTreeMap<String, String> {
    let mut privileged: BTreeMap<String, String> = settings
        .privileged_namespaces
        .iter()
        .map(|namespace| {
            (
                namespace.clone(),
                format!("namespace {namespace} is privileged (control-plane identities run there)"),
            )
        })
        .collect();
    for grant in grants {
        let Grantee::ServiceAccount(account) = &grant.grantee else {
            continue;
        };
        if grant.role.is_none()
            || privileged.contains_key(&account.namespace)
            || is_default_grant(grant)
        {
            continue;
        }
        if !cluster.service_accounts.contains_key(account) && cluster.knows_all("ServiceAccount") {
            continue;
        }
        let critical = risks_of(&grant.rules, &grant.scope, None)
            .into_iter()
            .find(|risk| risk.severity == Severity::Critical);
        if let Some(risk) = critical {
            privileged.insert(
                account.namespace.clone(),
                format!(
                    "namespace {} is privileged: its ServiceAccount {} can {}",
                    account.namespace, account.name, risk.what
                ),
            );
        }
    }
    privileged
}

/// Raises a finding per risk per grant; returns each service account's most
/// severe risk.
pub(super) fn detect(
    builder: &mut Builder<'_>,
    grants: &[Grant<'_>],
    privileged: &BTreeMap<String, String>,
) -> BTreeMap<NamespacedName, Severity> {
    let cluster = builder.cluster;
    let mut account_risk: BTreeMap<NamespacedName, Severity> = BTreeMap::new();
    for grant in grants {
        let Some(role) = grant.role else {
            continue;
        };
        if let Grantee::ServiceAccount(account) = &grant.grantee
            && !cluster.service_accounts.contains_key(account)
            && cluster.knows_all("ServiceAccount")
        {
            // A subject that does not exist: the dangling-binding detector says so.
            continue;
        }
        let namespace_privileged = match &grant.scope {
            Scope::Namespace(namespace) => privileged.get(namespace).map(String::as_str),
            Scope::Cluster => None,
        };
        let default_grant = is_default_grant(grant);
        let risks = risks_of(&grant.rules, &grant.scope, namespace_privileged);
        let role_id = ids::role(&cluster.name, role);
        for mut risk in risks {
            if default_grant {
                risk.severity = Severity::Info;
                risk.raised_because = None;
            }
            match &grant.grantee {
                _ if default_grant => {}
                Grantee::ServiceAccount(account) => {
                    let entry = account_risk.entry(account.clone()).or_insert(risk.severity);
                    *entry = (*entry).max(risk.severity);
                }
                Grantee::Group { .. } => {
                    for account in cluster.service_accounts.keys() {
                        if grant.grantee.covers(account) {
                            let entry =
                                account_risk.entry(account.clone()).or_insert(risk.severity);
                            *entry = (*entry).max(risk.severity);
                        }
                    }
                }
            }
            let (resource, origin, mut nodes) = match &grant.grantee {
                Grantee::ServiceAccount(account) => (
                    object_path("ServiceAccount", account),
                    cluster
                        .service_accounts
                        .get(account)
                        .and_then(|sa| sa.origin.clone())
                        .or_else(|| grant.binding.origin.clone()),
                    vec![ids::service_account(&cluster.name, account)],
                ),
                Grantee::Group { .. } => (
                    grant.binding.resource(),
                    grant.binding.origin.clone(),
                    Vec::new(),
                ),
            };
            nodes.push(role_id.clone());
            let builtin = if role.builtin {
                format!(
                    " ({} is not in the input; Kubernetes' built-in definition was used.)",
                    role.describe().trim_end_matches(" (built-in)")
                )
            } else {
                String::new()
            };
            let raised = if default_grant {
                " This is one of Kubernetes' default grants (labelled kubernetes.io/bootstrapping: rbac-defaults): listed, not judged.".to_string()
            } else {
                risk.raised_because
                    .as_ref()
                    .map_or_else(String::new, |reason| format!(" Critical because {reason}."))
            };
            let title = format!(
                "{} can {} {}",
                grant.grantee.describe(),
                risk.what,
                grant.scope.describe()
            );
            let message = format!(
                "{title}: {} binds {}, whose rule #{} ({}) grants it.{raised}{builtin}",
                grant.binding.describe(),
                role.describe(),
                risk.rule_index + 1,
                risk.rule.describe(),
            );
            builder.push(Draft {
                rule_id: risk.id,
                severity: risk.severity,
                title,
                message,
                resource,
                origin,
                nodes,
                identity: vec![
                    grant.grantee.describe(),
                    grant.binding.describe(),
                    role.describe(),
                ],
                evidence: None,
                tags: vec!["rbac"],
            });
        }
    }
    account_risk
}

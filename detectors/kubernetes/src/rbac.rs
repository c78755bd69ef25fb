//! RBAC as the API server evaluates it: rule matching (verbs, API groups,
//! resources and subresources, resource names, wildcards), ClusterRole
//! aggregation, built-in roles resolved by name when the input lacks them,
//! and the grants each service account receives through bindings, directly
//! or through the groups every service account belongs to.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::OnceLock,
};

use crate::{
    cluster::{Binding, Cluster, NamespacedName, Role},
    import,
    object::{PolicyRule, Subject},
};

/// Kubernetes' default ClusterRoles (the bootstrap policy), used when a
/// binding names one the input does not contain.
const BUILTIN_CLUSTER_ROLES: &str = include_str!("../data/builtin-cluster-roles.yaml");

/// The built-in ClusterRoles by name.
pub fn builtin_cluster_roles() -> &'static BTreeMap<String, Role> {
    static ROLES: OnceLock<BTreeMap<String, Role>> = OnceLock::new();
    ROLES.get_or_init(|| {
        let parsed = import::parse("builtin-cluster-roles.yaml", BUILTIN_CLUSTER_ROLES)
            .expect("the built-in roles file is checked by a unit test");
        let mut cluster = Cluster::new("builtin", crate::Origin::Export);
        for object in parsed.objects {
            cluster
                .insert(object, None)
                .expect("the built-in roles file is checked by a unit test");
        }
        cluster
            .cluster_roles
            .into_iter()
            .map(|(name, mut role)| {
                role.builtin = true;
                (name, role)
            })
            .collect()
    })
}

/// Whether `rule` allows `verb` on `resource` (`pods`, `pods/exec`) of
/// `group`, for some object (resource names are reported by the caller).
pub fn rule_allows(rule: &PolicyRule, verb: &str, group: &str, resource: &str) -> bool {
    if !rule.non_resource_urls.is_empty() && rule.resources.is_empty() {
        return false;
    }
    let verb_ok = rule.verbs.iter().any(|v| v == "*" || v == verb);
    let group_ok = rule.api_groups.iter().any(|g| g == "*" || g == group);
    let resource_ok = rule.resources.iter().any(|r| {
        r == "*"
            || r == resource
            || resource
                .split_once('/')
                .is_some_and(|(_, sub)| r.strip_prefix("*/") == Some(sub))
    });
    verb_ok && group_ok && resource_ok
}

/// The rules a role grants, with aggregation resolved: an aggregated
/// ClusterRole grants its own rules plus those of every ClusterRole its
/// selectors match (transitively), as the aggregation controller fills them.
pub fn effective_rules(cluster: &Cluster, role: &Role) -> Vec<PolicyRule> {
    let mut rules: Vec<PolicyRule> = Vec::new();
    let mut seen_roles: BTreeSet<String> = BTreeSet::new();
    collect_rules(cluster, role, &mut rules, &mut seen_roles);
    let mut unique = BTreeSet::new();
    rules.retain(|rule| unique.insert(rule.clone()));
    rules
}

fn collect_rules(
    cluster: &Cluster,
    role: &Role,
    rules: &mut Vec<PolicyRule>,
    seen: &mut BTreeSet<String>,
) {
    rules.extend(role.rules.iter().cloned());
    let Some(aggregation) = &role.aggregation else {
        return;
    };
    let candidates = cluster.cluster_roles.values().chain(
        builtin_cluster_roles()
            .iter()
            .filter(|(name, _)| !cluster.cluster_roles.contains_key(*name))
            .map(|(_, role)| role),
    );
    let matched: Vec<&Role> = candidates
        .filter(|candidate| {
            aggregation
                .cluster_role_selectors
                .iter()
                .any(|selector| selector.matches(&candidate.meta.labels))
        })
        .collect();
    for candidate in matched {
        let name = candidate.meta.name.clone().unwrap_or_default();
        if seen.insert(name) {
            collect_rules(cluster, candidate, rules, seen);
        }
    }
}

/// Where a grant applies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Every namespace and the cluster-scoped resources (a ClusterRoleBinding).
    Cluster,
    /// One namespace (a RoleBinding).
    Namespace(String),
}

impl Scope {
    /// `in every namespace` or `in namespace x`.
    pub fn describe(&self) -> String {
        match self {
            Scope::Cluster => "in every namespace".to_string(),
            Scope::Namespace(namespace) => format!("in namespace {namespace}"),
        }
    }
}

/// How a binding names the service accounts it grants to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grantee {
    /// One service account, by a `ServiceAccount` subject or a `User`
    /// subject spelled `system:serviceaccount:ns:name`.
    ServiceAccount(NamespacedName),
    /// A group every service account (of a namespace) belongs to:
    /// `system:serviceaccounts`, `system:serviceaccounts:ns`,
    /// `system:authenticated`.
    Group {
        /// The group's name.
        name: String,
        /// The namespace whose service accounts it covers; `None`: all.
        namespace: Option<String>,
    },
}

impl Grantee {
    /// Whether the grantee covers the service account `account`.
    pub fn covers(&self, account: &NamespacedName) -> bool {
        match self {
            Grantee::ServiceAccount(name) => name == account,
            Grantee::Group { namespace, .. } => namespace
                .as_deref()
                .is_none_or(|ns| ns == account.namespace),
        }
    }

    /// How findings name it.
    pub fn describe(&self) -> String {
        match self {
            Grantee::ServiceAccount(name) => format!("ServiceAccount {name}"),
            Grantee::Group {
                name,
                namespace: Some(namespace),
            } => format!("every service account in namespace {namespace} (group {name})"),
            Grantee::Group { name, .. } => {
                format!("every service account in the cluster (group {name})")
            }
        }
    }
}

/// The service accounts a binding subject stands for, if any.
pub fn grantee(subject: &Subject, binding: &Binding) -> Option<Grantee> {
    match subject.kind.as_str() {
        "ServiceAccount" => {
            let namespace = subject
                .namespace
                .clone()
                .filter(|ns| !ns.is_empty())
                .or_else(|| binding.namespace().map(str::to_string))?;
            Some(Grantee::ServiceAccount(NamespacedName::new(
                namespace,
                subject.name.clone(),
            )))
        }
        "User" => {
            let rest = subject.name.strip_prefix("system:serviceaccount:")?;
            let (namespace, name) = rest.split_once(':')?;
            Some(Grantee::ServiceAccount(NamespacedName::new(
                namespace, name,
            )))
        }
        "Group" => match subject.name.as_str() {
            "system:serviceaccounts" | "system:authenticated" => Some(Grantee::Group {
                name: subject.name.clone(),
                namespace: None,
            }),
            name => name
                .strip_prefix("system:serviceaccounts:")
                .map(|namespace| Grantee::Group {
                    name: subject.name.clone(),
                    namespace: Some(namespace.to_string()),
                }),
        },
        _ => None,
    }
}

/// The role a binding refers to, as found.
#[derive(Clone, Debug)]
pub enum RoleResolution<'a> {
    /// The role object (from the input, or a built-in ClusterRole).
    Found(&'a Role),
    /// Neither in the input nor a built-in role.
    Missing,
}

/// Resolves a binding's `roleRef`: a Role in the binding's namespace, or a
/// ClusterRole from the input or, failing that, the built-in one.
pub fn resolve_role<'a>(cluster: &'a Cluster, binding: &Binding) -> RoleResolution<'a> {
    let name = &binding.role_ref.name;
    let found = if binding.role_ref.kind == "Role" {
        binding.namespace().and_then(|namespace| {
            cluster
                .roles
                .get(&NamespacedName::new(namespace, name.clone()))
        })
    } else {
        cluster
            .cluster_roles
            .get(name)
            .or_else(|| builtin_cluster_roles().get(name))
    };
    found.map_or(RoleResolution::Missing, RoleResolution::Found)
}

/// One binding's grant, resolved.
#[derive(Clone, Debug)]
pub struct Grant<'a> {
    /// The binding.
    pub binding: &'a Binding,
    /// The role it binds (`None`: it names a role that does not exist).
    pub role: Option<&'a Role>,
    /// The role's rules with aggregation resolved, as the binding applies
    /// them (a Role's rules, or a ClusterRole's).
    pub rules: Vec<PolicyRule>,
    /// Where they apply.
    pub scope: Scope,
    /// Who receives them.
    pub grantee: Grantee,
}

/// Every grant of every binding to service accounts (directly or through
/// groups), in a stable order: ClusterRoleBindings, then RoleBindings.
pub fn grants(cluster: &Cluster) -> Vec<Grant<'_>> {
    let mut grants = Vec::new();
    let bindings = cluster
        .cluster_role_bindings
        .values()
        .chain(cluster.role_bindings.values());
    let mut rules_cache: BTreeMap<String, Vec<PolicyRule>> = BTreeMap::new();
    for binding in bindings {
        let role = match resolve_role(cluster, binding) {
            RoleResolution::Found(role) => Some(role),
            RoleResolution::Missing => None,
        };
        let rules = role.map_or_else(Vec::new, |role| {
            rules_cache
                .entry(role.describe())
                .or_insert_with(|| effective_rules(cluster, role))
                .clone()
        });
        let scope = match binding.namespace() {
            Some(namespace) => Scope::Namespace(namespace.to_string()),
            None => Scope::Cluster,
        };
        for subject in &binding.subjects {
            if let Some(grantee) = grantee(subject, binding) {
                grants.push(Grant {
                    binding,
                    role,
                    rules: rules.clone(),
                    scope: scope.clone(),
                    grantee,
                });
            }
        }
    }
    grants
}

/// Resources that exist outside namespaces: a Role's rules for them have no
/// effect, so they count only in cluster-wide grants.
pub fn is_cluster_scoped(group: &str, resource: &str) -> bool {
    let base = resource.split('/').next().unwrap_or(resource);
    matches!(
        (group, base),
        (
            "",
            "nodes" | "namespaces" | "persistentvolumes" | "users" | "groups" | "componentstatuses"
        ) | (
            "rbac.authorization.k8s.io",
            "clusterroles" | "clusterrolebindings"
        ) | (
            "admissionregistration.k8s.io",
            "mutatingwebhookconfigurations"
                | "validatingwebhookconfigurations"
                | "validatingadmissionpolicies"
                | "validatingadmissionpolicybindings"
                | "mutatingadmissionpolicies"
                | "mutatingadmissionpolicybindings"
        ) | (
            "certificates.k8s.io",
            "certificatesigningrequests" | "signers" | "clustertrustbundles"
        ) | ("authentication.k8s.io", "userextras" | "uids")
            | ("apiextensions.k8s.io", "customresourcedefinitions")
            | ("apiregistration.k8s.io", "apiservices")
            | ("storage.k8s.io", _)
            | ("scheduling.k8s.io", "priorityclasses")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
        let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
        PolicyRule {
            api_groups: strings(groups),
            resources: strings(resources),
            verbs: strings(verbs),
            ..PolicyRule::default()
        }
    }

    #[test]
    fn matching_follows_the_api_server() {
        let secrets = rule(&[""], &["secrets"], &["get", "list"]);
        assert!(rule_allows(&secrets, "get", "", "secrets"));
        assert!(!rule_allows(&secrets, "watch", "", "secrets"));
        assert!(!rule_allows(&secrets, "get", "apps", "secrets"));
        let everything = rule(&["*"], &["*"], &["*"]);
        assert!(rule_allows(&everything, "create", "", "pods/exec"));
        let pods = rule(&[""], &["pods"], &["*"]);
        assert!(
            !rule_allows(&pods, "create", "", "pods/exec"),
            "pods does not cover its subresources"
        );
        let any_exec = rule(&[""], &["*/exec"], &["create"]);
        assert!(rule_allows(&any_exec, "create", "", "pods/exec"));
    }

    #[test]
    fn builtin_roles_parse_and_include_the_user_facing_ones() {
        let roles = builtin_cluster_roles();
        for name in ["cluster-admin", "admin", "edit", "view", "system:node"] {
            assert!(roles.contains_key(name), "{name} missing");
        }
        assert!(roles.len() > 50, "only {} built-in roles", roles.len());
        let cluster = Cluster::new("c", crate::Origin::Manifests);
        let edit = effective_rules(&cluster, &roles["edit"]);
        assert!(
            edit.iter().any(|r| rule_allows(r, "get", "", "secrets")),
            "edit reads secrets"
        );
        let view = effective_rules(&cluster, &roles["view"]);
        assert!(
            !view.iter().any(|r| rule_allows(r, "get", "", "secrets")),
            "view does not read secrets"
        );
    }

    #[test]
    fn service_account_subjects_in_all_spellings() {
        let binding = Binding {
            meta: crate::object::ObjectMeta {
                name: Some("b".into()),
                namespace: Some("apps".into()),
                ..Default::default()
            },
            ..Binding::default()
        };
        let subject = |kind: &str, name: &str, namespace: Option<&str>| Subject {
            kind: kind.into(),
            name: name.into(),
            namespace: namespace.map(str::to_string),
        };
        assert_eq!(
            grantee(&subject("ServiceAccount", "ci", None), &binding),
            Some(Grantee::ServiceAccount(NamespacedName::new("apps", "ci")))
        );
        assert_eq!(
            grantee(
                &subject("User", "system:serviceaccount:ops:bot", None),
                &binding
            ),
            Some(Grantee::ServiceAccount(NamespacedName::new("ops", "bot")))
        );
        let group = grantee(
            &subject("Group", "system:serviceaccounts:ops", None),
            &binding,
        )
        .expect("a service-account group");
        assert!(group.covers(&NamespacedName::new("ops", "anything")));
        assert!(!group.covers(&NamespacedName::new("apps", "anything")));
        assert_eq!(grantee(&subject("User", "alice", None), &binding), None);
    }
}

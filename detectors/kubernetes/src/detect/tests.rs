//! Detector tests on the real exports in ../shared/testdata/k8s and on small
//! clusters built for one situation each.

use std::collections::BTreeMap;

use nhiscope_model::{Finding, Severity};
use nhiscope_secrets::RuleSet;
use serde_json::{Value, json};

use super::{Settings, assess};
use crate::{Cluster, Origin, parse};

fn shared(name: &str) -> String {
    let path = format!(
        "{}/../../../shared/testdata/k8s/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn settings() -> Settings {
    Settings::new("2026-11-20T00:00:00Z".parse().expect("a timestamp"))
}

fn cluster_of(objects: Vec<Value>, origin: Origin) -> Cluster {
    let mut cluster = Cluster::new("test", origin);
    for object in objects {
        cluster.insert(object, Some("input.yaml")).expect("inserts");
    }
    cluster.complete_implicit_objects();
    cluster
}

fn findings_on<'a>(findings: &'a [Finding], rule: &str, resource: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .filter(|f| match &f.location {
            nhiscope_model::Location::Resource { resource: r, .. } => r == resource,
            nhiscope_model::Location::File { .. } => false,
        })
        .collect()
}

fn kubiscan_dump() -> Cluster {
    let parsed = parse(
        "kubiscan-cluster-dump.json",
        &shared("kubiscan-cluster-dump.json"),
    )
    .expect("the dump parses");
    let mut cluster = Cluster::new("minikube", Origin::Export);
    for object in parsed.objects {
        cluster
            .insert(object, Some("kubiscan-cluster-dump.json"))
            .expect("every object is read");
    }
    cluster
}

#[test]
fn the_cluster_dump_is_read_whole() {
    let cluster = kubiscan_dump();
    let expected: BTreeMap<String, u64> = [
        ("ClusterRole", 68),
        ("ClusterRoleBinding", 55),
        ("Pod", 11),
        ("Role", 12),
        ("RoleBinding", 12),
        ("Secret", 1),
    ]
    .into_iter()
    .map(|(kind, count)| (kind.to_string(), count))
    .collect();
    assert_eq!(cluster.objects_read, expected);
    assert_eq!(cluster.cluster_roles.len(), 68);
    assert_eq!(cluster.workloads.len(), 11);
}

#[test]
fn the_cluster_dump_findings_are_what_a_reader_expects() {
    let cluster = kubiscan_dump();
    let assessment = assess(&cluster, &settings(), &RuleSet::builtin());
    let findings = &assessment.findings;

    // minikube-rbac binds cluster-admin to kube-system's default account.
    let admin = findings_on(
        findings,
        "k8s-rbac-cluster-admin",
        "kube-system/ServiceAccount/default",
    );
    assert_eq!(admin.len(), 1, "{findings:#?}");
    assert_eq!(admin[0].severity, Severity::Critical);
    assert!(
        admin[0]
            .message
            .contains("ClusterRoleBinding minikube-rbac")
    );
    assert!(admin[0].message.contains("ClusterRole cluster-admin"));
    assert!(admin[0].message.contains("rule #1"));

    // risky-pod runs there as that account, privileged, token mounted.
    let pod = "kube-system/Pod/risky-pod";
    let automount = findings_on(findings, "k8s-default-service-account-automount", pod);
    assert_eq!(automount.len(), 1);
    assert_eq!(
        automount[0].severity,
        Severity::Medium,
        "the default SA is cluster-admin"
    );
    let host = findings_on(findings, "k8s-host-identity-exposure", pod);
    assert!(
        host.iter()
            .any(|f| f.severity == Severity::Critical && f.message.contains("privileged"))
    );

    // The plain pods of default run as its default account, which holds nothing.
    let plain = findings_on(
        findings,
        "k8s-default-service-account-automount",
        "default/Pod/my-pod",
    );
    assert_eq!(plain[0].severity, Severity::Low);

    // The long-lived token Secret of kubiscan-sa.
    let token = findings_on(
        findings,
        "k8s-service-account-token-secret",
        "default/Secret/kubiscan-sa-secret",
    );
    assert_eq!(token.len(), 1);
    assert!(token[0].message.contains("2024-07-15"));

    // The controllers' own grants are listed at info, not judged.
    let cleaner = findings_on(
        findings,
        "k8s-rbac-secret-read",
        "kube-system/ServiceAccount/token-cleaner",
    );
    assert_eq!(cleaner.len(), 1);
    assert_eq!(cleaner[0].severity, Severity::Info);

    // Static control-plane pods hold node credentials by design.
    let scheduler = findings_on(
        findings,
        "k8s-host-identity-exposure",
        "kube-system/Pod/kube-scheduler-minikube",
    );
    assert!(scheduler.iter().all(|f| f.severity == Severity::Info));

    // An unbound ClusterRole is not an identity finding; kubiscan-sa's role reads no Secrets.
    assert!(!findings.iter().any(|f| f.message.contains("risky-role")));
    assert!(
        !findings
            .iter()
            .any(|f| f.rule_id.starts_with("k8s-rbac") && f.message.contains("kubiscan-sa"))
    );
    // Without ServiceAccounts in the export, no subject is called dangling.
    assert!(
        !findings
            .iter()
            .any(|f| f.rule_id == "k8s-binding-dangling-subject")
    );
}

/// Roles whose rules only name cluster-scoped resources mean something only
/// in a ClusterRole bound cluster-wide; the catalogue writes them as Roles.
fn cluster_scoped_only(role: &Value) -> bool {
    const CLUSTER_SCOPED: &[&str] = &[
        "users",
        "groups",
        "clusterroles",
        "clusterrolebindings",
        "nodes",
        "nodes/proxy",
    ];
    role["rules"].as_array().expect("rules").iter().all(|rule| {
        rule["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .all(|r| CLUSTER_SCOPED.contains(&r.as_str().unwrap_or_default()))
    })
}

fn bound_cluster(role: &Value, cluster_wide: bool) -> (Cluster, String) {
    let mut role = role.clone();
    let name = role["metadata"]["name"]
        .as_str()
        .expect("a name")
        .to_string();
    let (role_kind, binding_kind) = if cluster_wide {
        role["kind"] = json!("ClusterRole");
        role["metadata"]
            .as_object_mut()
            .expect("metadata")
            .remove("namespace");
        ("ClusterRole", "ClusterRoleBinding")
    } else {
        ("Role", "RoleBinding")
    };
    role["apiVersion"] = json!("rbac.authorization.k8s.io/v1");
    let objects = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": {"name": "subject", "namespace": "default"}}),
        role,
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": binding_kind,
               "metadata": {"name": format!("bind-{name}"), "namespace": "default"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": name},
               "subjects": [{"kind": "ServiceAccount", "name": "subject", "namespace": "default"}]}),
    ];
    (cluster_of(objects, Origin::Export), name)
}

#[test]
fn every_risky_role_of_the_kubiscan_catalogue_is_flagged_at_its_priority() {
    let parsed = parse(
        "kubiscan-risky-roles.fixed.yaml",
        &shared("kubiscan-risky-roles.fixed.yaml"),
    )
    .expect("the mended catalogue parses");
    assert_eq!(parsed.objects.len(), 47);
    let mut by_priority: BTreeMap<String, usize> = BTreeMap::new();
    for role in &parsed.objects {
        let priority: Severity = role["metadata"]["priority"]
            .as_str()
            .expect("a priority")
            .parse()
            .expect("a severity name");
        *by_priority.entry(priority.to_string()).or_default() += 1;
        let cluster_wide = cluster_scoped_only(role);
        let (cluster, name) = bound_cluster(role, cluster_wide);
        let assessment = assess(&cluster, &settings(), &RuleSet::builtin());
        let worst = assessment
            .findings
            .iter()
            .filter(|f| f.rule_id.starts_with("k8s-rbac-"))
            .filter(|f| f.message.contains("ServiceAccount default/subject"))
            .map(|f| f.severity)
            .max();
        assert!(
            worst.is_some_and(|worst| worst >= priority),
            "{name} (priority {priority}, bound {}) got {worst:?}: {:#?}",
            if cluster_wide {
                "cluster-wide"
            } else {
                "in namespace default"
            },
            assessment.findings
        );
    }
    assert_eq!(by_priority["critical"], 25);
    assert_eq!(by_priority["high"], 21);
    assert_eq!(by_priority["low"], 1);
}

#[test]
fn a_role_cannot_grant_cluster_scoped_resources() {
    let role = json!({"kind": "Role", "metadata": {"name": "node-proxy", "namespace": "default"},
        "rules": [{"apiGroups": ["*"], "resources": ["nodes/proxy"], "verbs": ["get", "create"]}]});
    let (cluster, _) = bound_cluster(&role, false);
    let assessment = assess(&cluster, &settings(), &RuleSet::builtin());
    assert!(
        !assessment
            .findings
            .iter()
            .any(|f| f.rule_id == "k8s-rbac-nodes-proxy"),
        "RoleBindings never authorise requests about nodes"
    );
    let (cluster, _) = bound_cluster(&role, true);
    let assessment = assess(&cluster, &settings(), &RuleSet::builtin());
    assert!(
        assessment
            .findings
            .iter()
            .any(|f| f.rule_id == "k8s-rbac-nodes-proxy")
    );
}

#[test]
fn the_original_catalogue_is_a_clear_error() {
    let error = parse(
        "kubiscan-risky-roles.yaml",
        &shared("kubiscan-risky-roles.yaml"),
    )
    .expect_err("duplicate keys");
    let text = error.to_string();
    assert!(text.starts_with("kubiscan-risky-roles.yaml:"), "{text}");
    assert!(text.contains("duplicate"), "{text}");
    assert!(!text.contains('\n'), "{text}");
}

#[test]
fn built_in_roles_are_judged_by_what_they_grant() {
    let objects = vec![
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "ci", "namespace": "apps"}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "ci-edit", "namespace": "apps"},
               "roleRef": {"kind": "ClusterRole", "name": "edit"},
               "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "apps"}]}),
    ];
    let cluster = cluster_of(objects, Origin::Manifests);
    let assessment = assess(&cluster, &settings(), &RuleSet::builtin());
    let read = findings_on(
        &assessment.findings,
        "k8s-rbac-secret-read",
        "apps/ServiceAccount/ci",
    );
    assert_eq!(read.len(), 1, "{:#?}", assessment.findings);
    assert!(read[0].message.contains("built-in definition"));
    assert!(
        !findings_on(
            &assessment.findings,
            "k8s-rbac-workload-create",
            "apps/ServiceAccount/ci"
        )
        .is_empty()
    );
}

#[test]
fn orphaned_accounts_and_dangling_subjects() {
    let objects = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ops"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "unused", "namespace": "ops"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "worker", "namespace": "ops"}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "w", "namespace": "ops"},
               "spec": {"serviceAccountName": "worker", "containers": [{"name": "c"}]}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "unused-admin"},
               "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
               "subjects": [{"kind": "ServiceAccount", "name": "unused", "namespace": "ops"},
                            {"kind": "ServiceAccount", "name": "ghost", "namespace": "ops"}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "worker-view", "namespace": "ops"},
               "roleRef": {"kind": "ClusterRole", "name": "view"},
               "subjects": [{"kind": "ServiceAccount", "name": "worker"}]}),
    ];
    let cluster = cluster_of(objects, Origin::Export);
    let assessment = assess(&cluster, &settings(), &RuleSet::builtin());
    let findings = &assessment.findings;
    let orphan = findings_on(
        findings,
        "k8s-service-account-orphaned",
        "ops/ServiceAccount/unused",
    );
    assert_eq!(orphan.len(), 1);
    assert_eq!(
        orphan[0].severity,
        Severity::High,
        "an unused cluster-admin"
    );
    assert!(
        findings_on(
            findings,
            "k8s-service-account-orphaned",
            "ops/ServiceAccount/worker"
        )
        .is_empty()
    );
    let dangling = findings_on(
        findings,
        "k8s-binding-dangling-subject",
        "ClusterRoleBinding/unused-admin",
    );
    assert_eq!(dangling.len(), 1);
    assert_eq!(dangling[0].severity, Severity::High);
    assert!(dangling[0].message.contains("ops/ghost"));
    // The ghost is not also reported as a cluster-admin.
    assert!(
        findings_on(
            findings,
            "k8s-rbac-cluster-admin",
            "ops/ServiceAccount/ghost"
        )
        .is_empty()
    );
}

#[test]
fn create_pods_in_a_namespace_with_a_powerful_account_is_critical() {
    let objects = vec![
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "admin", "namespace": "tools"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "deployer", "namespace": "tools"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "deployer", "namespace": "apps"}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "tools-admin"}, "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
               "subjects": [{"kind": "ServiceAccount", "name": "admin", "namespace": "tools"}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
               "metadata": {"name": "pods", "namespace": "tools"},
               "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
               "metadata": {"name": "pods", "namespace": "apps"},
               "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "deployer", "namespace": "tools"}, "roleRef": {"kind": "Role", "name": "pods"},
               "subjects": [{"kind": "ServiceAccount", "name": "deployer"}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "deployer", "namespace": "apps"}, "roleRef": {"kind": "Role", "name": "pods"},
               "subjects": [{"kind": "ServiceAccount", "name": "deployer"}]}),
    ];
    let cluster = cluster_of(objects, Origin::Manifests);
    let assessment = assess(&cluster, &settings(), &RuleSet::builtin());
    let tools = findings_on(
        &assessment.findings,
        "k8s-rbac-workload-create",
        "tools/ServiceAccount/deployer",
    );
    assert_eq!(tools[0].severity, Severity::Critical);
    assert!(
        tools[0].message.contains("tools/admin")
            || tools[0].message.contains("ServiceAccount admin")
    );
    let apps = findings_on(
        &assessment.findings,
        "k8s-rbac-workload-create",
        "apps/ServiceAccount/deployer",
    );
    assert_eq!(apps[0].severity, Severity::High);
}

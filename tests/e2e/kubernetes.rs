//! The Kubernetes collector end to end: the real cluster dump exactly as
//! shipped, the demo estate's EKS export and manifests, bad inputs, and live
//! collection from tests/servers/k8s_api.py (real API JSON, paginated, one
//! resource forbidden) whose answers the real kubectl reads the same way.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

use crate::support::{Run, Scratch, json, run};

fn shared(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata/k8s")
        .join(name)
}

fn demo_export() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/demo-estate/exports/k8s/payments-prod.json")
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

fn finding<'a>(report: &'a Value, rule: &str, resource: &str) -> &'a Value {
    let all = findings(report, rule);
    all.iter()
        .copied()
        .find(|f| f["location"]["resource"] == resource)
        .unwrap_or_else(|| {
            let seen: Vec<&Value> = all.iter().map(|f| &f["location"]["resource"]).collect();
            panic!("no {rule} finding on {resource}; {rule} is on {seen:?}")
        })
}

fn no_finding_on(report: &Value, resource_part: &str) {
    let on: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["location"]["resource"]
                .as_str()
                .is_some_and(|r| r.contains(resource_part))
        })
        .collect();
    assert!(
        on.is_empty(),
        "unexpected findings on {resource_part}: {on:#?}"
    );
}

fn node<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["inventory"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("no node {id}"))
}

fn has_edge(report: &Value, from: &str, kind: &str, to: &str) -> bool {
    report["inventory"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .any(|e| e["from"] == from && e["kind"] == kind && e["to"] == to)
}

fn source<'a>(report: &'a Value, collector: &str) -> &'a Value {
    report["scan"]["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["collector"] == collector)
        .unwrap_or_else(|| panic!("no {collector} source"))
}

fn scan(scratch: &Scratch, args: &[&str]) -> Run {
    run(scratch
        .nhiscope()
        .args(["scan", "-q", "--as-of", "2026-11-20", "-f", "json"])
        .args(args))
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn the_cluster_dump_is_read_whole_as_shipped() {
    let scratch = Scratch::new();
    let dump = shared("kubiscan-cluster-dump.json");
    let result = scan(&scratch, &["--k8s-export", path_arg(&dump)]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    let read: BTreeMap<String, u64> =
        serde_json::from_value(source(&report, "kubernetes")["objects_read"].clone())
            .expect("counts");
    assert_eq!(
        read,
        BTreeMap::from([
            ("ClusterRole".to_string(), 68),
            ("ClusterRoleBinding".to_string(), 55),
            ("Pod".to_string(), 11),
            ("Role".to_string(), 12),
            ("RoleBinding".to_string(), 12),
            ("Secret".to_string(), 1),
        ])
    );
    let admin = finding(
        &report,
        "k8s-rbac-cluster-admin",
        "kube-system/ServiceAccount/default",
    );
    assert_eq!(admin["severity"], "critical");
    assert!(
        admin["message"]
            .as_str()
            .is_some_and(|m| m.contains("ClusterRoleBinding minikube-rbac"))
    );
    assert_eq!(
        admin["location"]["export_file"]
            .as_str()
            .map(|f| f.ends_with("kubiscan-cluster-dump.json")),
        Some(true)
    );
    finding(
        &report,
        "k8s-service-account-token-secret",
        "default/Secret/kubiscan-sa-secret",
    );
    let host = finding(
        &report,
        "k8s-host-identity-exposure",
        "kube-system/Pod/risky-pod",
    );
    assert_eq!(host["severity"], "critical");

    // The inventory: every pod is a workload with its uid and creation time,
    // the token Secret's token is a credential without its value.
    let pod = node(
        &report,
        "kubernetes:pod:kubiscan-cluster-dump/kube-system/risky-pod",
    );
    assert!(
        pod["native_id"].as_str().is_some_and(|id| id.len() == 36),
        "{pod}"
    );
    assert!(pod["timestamps"]["created_at"].is_string());
    let token = node(
        &report,
        "kubernetes:token:kubiscan-cluster-dump/default/kubiscan-sa-secret",
    );
    assert!(token["secret"]["fingerprint"].is_string());
    assert!(
        !result.stdout.contains("eyJhbGciOi"),
        "a token value leaked into the report"
    );

    // The text report says what was read, kind by kind.
    let text = run(scratch
        .nhiscope()
        .args(["scan", "-q", "--no-store", "--k8s-export"])
        .arg(&dump));
    assert!(
        text.stdout.contains(
            "Read by kubernetes: 68 ClusterRole, 55 ClusterRoleBinding, 11 Pod, 12 Role, 12 RoleBinding, 1 Secret"
        ),
        "{}",
        text.stdout
    );
}

/// What a careful reviewer finds in the demo estate's EKS cluster
/// (fixtures/demo-estate/exports/README.md), and nothing on what is fine.
fn assert_demo_cluster(report: &Value, configmaps_readable: bool) {
    let cluster = "payments-prod";
    // IRSA joins the AWS role's node id.
    let api_sa = format!("kubernetes:kubernetes_service_account:{cluster}/payments/payments-api");
    assert!(
        has_edge(
            report,
            &api_sa,
            "can_assume",
            "aws:iam_role:arn:aws:iam::210987654321:role/payments-api"
        ),
        "IRSA link"
    );
    assert!(has_edge(
        report,
        &format!("kubernetes:deployment:{cluster}/payments/payments-api"),
        "uses",
        &api_sa
    ));
    // Static AWS key in a Secret on a cluster that has IRSA.
    let static_key = finding(
        report,
        "k8s-static-cloud-credential",
        "reporting/Secret/legacy-reporting-aws",
    );
    assert_eq!(static_key["severity"], "high");
    assert!(
        static_key["message"]
            .as_str()
            .is_some_and(|m| m.contains("CronJob reporting/nightly-export"))
    );
    // A Slack token written literally into the CronJob's env.
    let literal = finding(
        report,
        "k8s-credential-in-manifest",
        "reporting/CronJob/nightly-export",
    );
    assert!(
        literal["message"]
            .as_str()
            .is_some_and(|m| m.contains("REPORT_API_TOKEN"))
    );
    // The node agent: the runtime socket (spelled with //), the kubelet's pods, hostPID, and it reads every Secret.
    let agent = "monitoring/DaemonSet/node-agent";
    let host: Vec<&Value> = findings(report, "k8s-host-identity-exposure")
        .into_iter()
        .filter(|f| f["location"]["resource"] == agent)
        .collect();
    let messages: Vec<&str> = host.iter().filter_map(|f| f["message"].as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("/var/run//docker.sock") && m.contains("read-only")),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("/var/lib/kubelet/pods")),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("hostPID")),
        "{messages:#?}"
    );
    let read = finding(
        report,
        "k8s-rbac-secret-read",
        "monitoring/ServiceAccount/node-agent",
    );
    assert_eq!(read["severity"], "critical");
    assert!(
        read["message"]
            .as_str()
            .is_some_and(|m| m.contains("ClusterRoleBinding node-agent-reader")
                && m.contains("ClusterRole node-agent-reader"))
    );
    // ci-deployer: cluster-admin, unused, with a long-lived token.
    assert_eq!(
        finding(
            report,
            "k8s-rbac-cluster-admin",
            "ci/ServiceAccount/ci-deployer"
        )["severity"],
        "critical"
    );
    assert_eq!(
        finding(
            report,
            "k8s-service-account-orphaned",
            "ci/ServiceAccount/ci-deployer"
        )["severity"],
        "high"
    );
    assert_eq!(
        finding(
            report,
            "k8s-service-account-token-secret",
            "ci/Secret/ci-deployer-token"
        )["severity"],
        "high"
    );
    // deploy-bot can create workloads in kube-system.
    assert_eq!(
        finding(
            report,
            "k8s-rbac-workload-create",
            "kube-system/ServiceAccount/deploy-bot"
        )["severity"],
        "critical"
    );
    // A binding to a service account that does not exist.
    let dangling = finding(
        report,
        "k8s-binding-dangling-subject",
        "payments/RoleBinding/old-migrator-edit",
    );
    assert!(
        dangling["message"]
            .as_str()
            .is_some_and(|m| m.contains("payments/old-migrator"))
    );
    // The bare debug pod on the default account.
    finding(
        report,
        "k8s-default-service-account-automount",
        "default/Pod/debug-shell",
    );
    // The GitHub token in an innocently named ConfigMap key, when ConfigMaps could be read.
    let in_config = findings(report, "k8s-credential-in-manifest")
        .into_iter()
        .any(|f| f["location"]["resource"] == "payments/ConfigMap/payments-api-settings");
    assert_eq!(in_config, configmaps_readable);
    // What is fine is not flagged.
    no_finding_on(report, "payments/ServiceAccount/ledger-exporter");
    no_finding_on(report, "payments/Deployment/ledger-exporter");
    assert!(
        findings(report, "k8s-rbac-secret-read")
            .iter()
            .all(|f| f["location"]["resource"] != "payments/ServiceAccount/payments-api")
    );
    // Secret values never leave the matcher.
    let text = report.to_string();
    assert!(
        !text.contains(
            "hvs.iLGsZqGuzN8XTyXZjdURlSDWqbqt0hdhzwP3M79Ntow1Uxd1i_0c0pJ3eG7SIVyAaGqdXghYA_9RNTvGU"
        ),
        "a Vault token leaked"
    );
}

#[test]
fn the_demo_estate_cluster_export() {
    let scratch = Scratch::new();
    let result = scan(&scratch, &["--k8s-export", path_arg(&demo_export())]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    assert_demo_cluster(&report, true);
    let cluster = node(&report, "kubernetes:kubernetes_cluster:payments-prod");
    assert!(
        cluster["attributes"]["federation_available"]["aws"].is_string(),
        "{cluster}"
    );
}

#[test]
fn irsa_joins_the_aws_collectors_role() {
    let scratch = Scratch::new();
    let aws = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-estate/exports/aws");
    let result = scan(
        &scratch,
        &[
            "--k8s-export",
            path_arg(&demo_export()),
            "--aws-export",
            path_arg(&aws),
        ],
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    let role = node(
        &report,
        "aws:iam_role:arn:aws:iam::210987654321:role/payments-api",
    );
    assert_eq!(role["name"], "payments-api");
    assert!(has_edge(
        &report,
        "kubernetes:kubernetes_service_account:payments-prod/payments/payments-api",
        "can_assume",
        "aws:iam_role:arn:aws:iam::210987654321:role/payments-api"
    ));
}

#[test]
fn a_repository_scan_reads_its_manifests() {
    let scratch = Scratch::new();
    let repo = crate::support::demo_estate().join("payments-service");
    let result = scan(&scratch, &["--no-history", path_arg(&repo)]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    let committed = findings(&report, "k8s-credential-in-manifest");
    let resources: BTreeSet<&str> = committed
        .iter()
        .filter_map(|f| f["location"]["resource"].as_str())
        .collect();
    assert!(
        resources.contains("payments/Secret/payments-notifications"),
        "{resources:?}"
    );
    let vault = committed
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("VAULT_TOKEN"))
        })
        .expect("the Vault token in the Secret manifest");
    assert!(
        vault["message"]
            .as_str()
            .is_some_and(|m| m.contains("Deployment payments/payments-api (envFrom")),
        "{vault}"
    );
    assert!(
        vault["location"]["export_file"]
            .as_str()
            .is_some_and(|f| f.ends_with("k8s/secrets.yaml"))
    );
    // The same credential node as the file scan's: one credential, two views.
    let vault_id = vault["nodes"][0].as_str().expect("a node id");
    assert!(
        has_edge(
            &report,
            vault_id,
            "exposed_in",
            &format!(
                "local:file:{}",
                repo.canonicalize()
                    .expect("exists")
                    .join("k8s/secrets.yaml")
                    .display()
            )
        ),
        "the k8s credential is the fs collector's node {vault_id}"
    );
    finding(
        &report,
        "k8s-default-service-account-automount",
        "payments/Deployment/payments-api",
    );
}

#[test]
fn bad_kubernetes_inputs_are_named_and_the_rest_is_read() {
    let scratch = Scratch::new();
    let not_k8s = scratch.write("exports/aws-like.json", "{\"UserDetailList\": []}");
    let broken = scratch.write(
        "exports/broken.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n",
    );
    let original = shared("kubiscan-risky-roles.yaml");
    let dir = scratch.path().join("dir");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(demo_export(), dir.join("cluster.json")).expect("copy");
    std::fs::write(dir.join("notes.txt"), "not an export").expect("write");
    let result = scan(
        &scratch,
        &[
            "--k8s-export",
            path_arg(&not_k8s),
            "--k8s-export",
            path_arg(&broken),
            "--k8s-export",
            path_arg(&original),
            "--k8s-export",
            path_arg(&dir),
        ],
    );
    assert_eq!(
        result.code, 3,
        "a bad input makes the scan incomplete: {}",
        result.stderr
    );
    let report = json(&result);
    let errors: Vec<&str> = report["source_errors"]
        .as_array()
        .expect("source errors")
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(errors.iter().all(|e| !e.contains('\n')), "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("aws-like.json holds no Kubernetes object")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("broken.yaml:4:")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("kubiscan-risky-roles.yaml:162:3")
                && e.contains("duplicate key `metadata`")),
        "{errors:#?}"
    );
    let skipped: Vec<&Value> = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .collect();
    assert!(skipped.iter().any(|s| {
        s["location"]
            .as_str()
            .is_some_and(|l| l.ends_with("notes.txt"))
    }));
    // The good directory was read and judged.
    finding(
        &report,
        "k8s-rbac-cluster-admin",
        "ci/ServiceAccount/ci-deployer",
    );
}

/// tests/servers/k8s_api.py serving exports, stopped when dropped.
struct ApiServer {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python3() -> PathBuf {
    std::env::var_os("NHISCOPE_TEST_PYTHON").map_or_else(|| PathBuf::from("python3"), PathBuf::from)
}

impl ApiServer {
    fn start(scratch: &Scratch, name: &str, exports: &[&Path], extra: &[&str]) -> Self {
        let log = scratch.path().join(format!("{name}-requests.log"));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/k8s_api.py");
        let mut command = Command::new(python3());
        command
            .arg(script)
            .args(["--port", "0", "--request-log"])
            .arg(&log);
        for export in exports {
            command.arg("--export").arg(export);
        }
        let mut child = command
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("the Kubernetes replay server cannot start ({e}); it needs python3")
            });
        let stdout = child.stdout.take().expect("stdout");
        let mut server = Self {
            child,
            url: String::new(),
            log,
        };
        let mut stdout = BufReader::new(stdout);
        let started = Instant::now();
        let mut line = String::new();
        while server.url.is_empty() {
            line.clear();
            let read = stdout
                .read_line(&mut line)
                .expect("reading the server's stdout");
            assert!(
                read > 0,
                "the Kubernetes replay server exited before listening (its stderr is above)"
            );
            if let Some(url) = line.trim().strip_prefix("listening on ") {
                server.url = url.to_string();
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the replay server did not listen in 30 s"
            );
        }
        server
    }

    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// A kubeconfig whose contexts point at the given servers (no credentials).
fn kubeconfig(scratch: &Scratch, contexts: &[(&str, &str, &str)]) -> PathBuf {
    let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (_, cluster, url) in contexts {
        text.push_str(&format!(
            "- name: {cluster}\n  cluster:\n    server: {url}\n"
        ));
    }
    text.push_str("users:\n- name: tester\n  user: {}\ncontexts:\n");
    for (context, cluster, _) in contexts {
        text.push_str(&format!(
            "- name: {context}\n  context:\n    cluster: {cluster}\n    user: tester\n"
        ));
    }
    text.push_str(&format!("current-context: {}\n", contexts[0].0));
    scratch.write("kubeconfig", &text)
}

fn kubectl() -> PathBuf {
    let path = std::env::var_os("NHISCOPE_KUBECTL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").expect("HOME"))
                .join(".cache/nhiscope-test/bin/kubectl")
        });
    assert!(
        path.is_file(),
        "kubectl is not at {}: run scripts/test (or scripts/install-kubectl)",
        path.display()
    );
    path
}

/// Counts by kind of what the real kubectl lists from `server`.
fn kubectl_counts(scratch: &Scratch, config: &Path, resources: &str) -> BTreeMap<String, usize> {
    let output = Command::new(kubectl())
        .arg("--kubeconfig")
        .arg(config)
        .arg("--cache-dir")
        .arg(scratch.path().join("kubectl-cache"))
        .args(["get", resources, "-A", "-o", "json", "--chunk-size=4"])
        .output()
        .expect("kubectl runs");
    assert!(
        output.status.success(),
        "kubectl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let list: Value = serde_json::from_slice(&output.stdout).expect("kubectl prints JSON");
    let mut counts = BTreeMap::new();
    for item in list["items"].as_array().expect("items") {
        *counts
            .entry(item["kind"].as_str().expect("kind").to_string())
            .or_insert(0) += 1;
    }
    counts
}

const KUBECTL_RESOURCES: &str = "namespaces,serviceaccounts,secrets,roles,rolebindings,clusterroles,clusterrolebindings,pods,deployments,replicasets,daemonsets,statefulsets,jobs,cronjobs";

#[test]
fn a_live_cluster_paginated_with_one_resource_forbidden() {
    let scratch = Scratch::new();
    let export = demo_export();
    let server = ApiServer::start(
        &scratch,
        "demo",
        &[&export],
        &["--page-size-cap", "3", "--forbid", "configmaps"],
    );
    let config = kubeconfig(
        &scratch,
        &[(
            "eks-prod",
            "arn:aws:eks:us-east-1:210987654321:cluster/payments-prod",
            &server.url,
        )],
    );

    // The replayed API is what a real client reads: kubectl sees every object of the export.
    let exported: Value =
        serde_json::from_str(&std::fs::read_to_string(&export).expect("read")).expect("json");
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for item in exported["items"].as_array().expect("items") {
        let kind = item["kind"].as_str().expect("kind");
        if kind != "ConfigMap" {
            *expected.entry(kind.to_string()).or_insert(0) += 1;
        }
    }
    assert_eq!(
        kubectl_counts(&scratch, &config, KUBECTL_RESOURCES),
        expected
    );

    let before = server.requests().len();
    let result = scan(
        &scratch,
        &["--kubeconfig", path_arg(&config), "--context", "eks-prod"],
    );
    assert_eq!(
        result.code, 3,
        "the forbidden resource makes the scan incomplete: {}",
        result.stderr
    );
    let report = json(&result);
    assert_demo_cluster(&report, false);
    let gap: Vec<&Value> = report["source_errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter(|e| {
            e["location"]
                .as_str()
                .is_some_and(|l| l.ends_with("/configmaps"))
        })
        .collect();
    assert_eq!(gap.len(), 1, "{:#?}", report["source_errors"]);
    assert!(
        gap[0]["message"].as_str().is_some_and(
            |m| m.contains("forbidden") && m.contains("docs/permissions/kubernetes.md")
        )
    );

    let requests = &server.requests()[before..];
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r.starts_with("GET ")),
        "only reads: {requests:#?}"
    );
    assert!(
        requests.iter().any(|r| r.contains("continue=")),
        "pages were followed"
    );
    let pod_pages = requests
        .iter()
        .filter(|r| r.starts_with("GET /api/v1/pods?"))
        .count();
    assert!(pod_pages > 1, "pods came in several pages: {requests:#?}");
    let read: BTreeMap<String, u64> =
        serde_json::from_value(source(&report, "kubernetes")["objects_read"].clone())
            .expect("counts");
    let expected: BTreeMap<String, u64> =
        expected.into_iter().map(|(k, v)| (k, v as u64)).collect();
    assert_eq!(read, expected, "every object kubectl saw, nhiscope read");
}

#[test]
fn all_contexts_with_one_unreachable() {
    let scratch = Scratch::new();
    let dump = shared("kubiscan-cluster-dump.json");
    let demo = demo_export();
    let first = ApiServer::start(&scratch, "dump", &[&dump], &["--page-size-cap", "10"]);
    let second = ApiServer::start(&scratch, "demo", &[&demo], &[]);
    let config = kubeconfig(
        &scratch,
        &[
            ("minikube", "minikube", &first.url),
            ("prod", "payments-prod", &second.url),
            ("gone", "gone", "http://127.0.0.1:9"),
        ],
    );
    let result = scan(
        &scratch,
        &["--kubeconfig", path_arg(&config), "--all-contexts"],
    );
    assert_eq!(result.code, 3, "{}", result.stderr);
    let report = json(&result);
    // The dump has no ServiceAccounts, so its server lists none: its
    // cluster-admin binding names an account that does not exist there.
    finding(
        &report,
        "k8s-binding-dangling-subject",
        "ClusterRoleBinding/minikube-rbac",
    );
    finding(
        &report,
        "k8s-service-account-token-secret",
        "default/Secret/kubiscan-sa-secret",
    );
    finding(
        &report,
        "k8s-rbac-cluster-admin",
        "ci/ServiceAccount/ci-deployer",
    );
    let unreachable: Vec<&Value> = report["source_errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter(|e| e["location"] == "kubernetes:gone")
        .collect();
    assert_eq!(unreachable.len(), 1, "{:#?}", report["source_errors"]);
    assert!(
        unreachable[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot reach the API server of context `gone`"))
    );
    // Both reachable clusters are in the inventory under their own names.
    node(&report, "kubernetes:kubernetes_cluster:minikube");
    node(&report, "kubernetes:kubernetes_cluster:payments-prod");
}

#[test]
fn kubernetes_findings_in_sarif_are_accepted_by_code_scanning() {
    let scratch = Scratch::new();
    let sarif = scratch.path().join("k8s.sarif");
    let result = run(scratch
        .nhiscope()
        .args(["scan", "-q", "--as-of", "2026-11-20", "--k8s-export"])
        .arg(demo_export())
        .arg("-o")
        .arg(format!("sarif={}", sarif.display())));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let document = crate::ci::read_json(&sarif);
    crate::ci::assert_schema_valid(&document);
    crate::ci::assert_multitool_clean(&sarif, &scratch);
    let rules = document["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "k8s-host-identity-exposure")
    );
    let results = document["runs"][0]["results"].as_array().expect("results");
    let admin = results
        .iter()
        .find(|r| r["ruleId"] == "k8s-rbac-cluster-admin")
        .expect("a cluster-admin result");
    let uri = admin["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .expect("uri");
    assert!(uri.ends_with("payments-prod.json"), "{uri}");
}

#[test]
fn the_risky_role_catalogue_is_read_but_unbound_roles_are_no_identity_findings() {
    let scratch = Scratch::new();
    let catalogue = shared("kubiscan-risky-roles.fixed.yaml");
    let result = scan(&scratch, &["--k8s-export", path_arg(&catalogue)]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    assert_eq!(source(&report, "kubernetes")["objects_read"]["Role"], 47);
    assert!(
        report["findings"].as_array().expect("findings").is_empty(),
        "a role bound to nobody gives nobody access"
    );
    let roles = report["inventory"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["type"] == "role")
        .count();
    // 47 entries, three names twice: 44 roles.
    assert_eq!(roles, 44);
}

//! The README's first command: a scan of the demo estate.

use crate::support::{Scratch, demo_estate, json, run};

/// Every credential planted in the demo estate's files, as (rule, file, line):
/// the application repository's, and those in the cluster export (a `kubectl
/// get -o json` export carries Secret values, base64-encoded, and env values).
const PLANTED: &[(&str, &str, u64)] = &[
    ("jwt", "exports/k8s/payments-prod.json", 475),
    (
        "generic-secret-assignment",
        "exports/k8s/payments-prod.json",
        497,
    ),
    ("slack-webhook-url", "exports/k8s/payments-prod.json", 523),
    ("vault-service-token", "exports/k8s/payments-prod.json", 524),
    ("aws-access-key-id", "exports/k8s/payments-prod.json", 549),
    (
        "generic-secret-assignment",
        "exports/k8s/payments-prod.json",
        550,
    ),
    ("github-pat", "exports/k8s/payments-prod.json", 739),
    ("slack-bot-token", "exports/k8s/payments-prod.json", 6408),
    ("slack-bot-token", "exports/k8s/payments-prod.json", 8529),
    ("slack-bot-token", "exports/k8s/payments-prod.json", 8653),
    ("stripe-secret-key", "payments-service/.env", 2),
    ("slack-bot-token", "payments-service/.env", 3),
    ("openai-api-key", "payments-service/.env", 4),
    (
        "gcp-service-account-key",
        "payments-service/config/gcp-ledger-exporter.json",
        4,
    ),
    (
        "private-key-pkcs8",
        "payments-service/config/gcp-ledger-exporter.json",
        5,
    ),
    (
        "aws-access-key-id",
        "payments-service/config/settings.py",
        8,
    ),
    (
        "aws-secret-access-key",
        "payments-service/config/settings.py",
        9,
    ),
    (
        "database-url-password",
        "payments-service/config/settings.py",
        13,
    ),
    ("npm-access-token", "payments-service/deploy/.npmrc", 2),
    (
        "private-key-openssh",
        "payments-service/deploy/deploy_key",
        1,
    ),
    ("github-pat", "payments-service/deploy/release.sh", 5),
    ("aws-access-key-id", "payments-service/deploy/release.sh", 8),
    ("slack-webhook-url", "payments-service/k8s/secrets.yaml", 8),
    (
        "vault-service-token",
        "payments-service/k8s/secrets.yaml",
        9,
    ),
];

/// What correlation adds where a credential another collector knows was
/// exposed: the cluster's long-lived token, live, found in its export.
const CORRELATED: &[(&str, &str, u64)] = &[(
    "exposed-credential-live",
    "exports/k8s/payments-prod.json",
    475,
)];

/// The files that hold the planted credentials.
const FILES_WITH_FINDINGS: usize = 8;

/// What the Kubernetes collector finds in the estate, as (rule, cluster,
/// object): the EKS cluster export (fixtures/demo-estate/exports/README.md
/// says why each is there) and the repository's manifests.
const CLUSTER_FINDINGS: &[(&str, &str, &str)] = &[
    (
        "k8s-binding-dangling-subject",
        "payments-prod",
        "payments/RoleBinding/old-migrator-edit",
    ),
    (
        "k8s-credential-in-manifest",
        "payments-prod",
        "payments/ConfigMap/payments-api-settings",
    ),
    (
        "k8s-credential-in-manifest",
        "payments-prod",
        "reporting/CronJob/nightly-export",
    ),
    (
        "k8s-credential-in-manifest",
        "demo-estate",
        "payments/Secret/payments-notifications",
    ),
    (
        "k8s-credential-in-manifest",
        "demo-estate",
        "payments/Secret/payments-notifications",
    ),
    (
        "k8s-default-service-account-automount",
        "demo-estate",
        "payments/Deployment/payments-api",
    ),
    (
        "k8s-default-service-account-automount",
        "payments-prod",
        "default/Pod/debug-shell",
    ),
    (
        "k8s-default-service-account-automount",
        "payments-prod",
        "kube-system/DaemonSet/eks-pod-identity-agent",
    ),
    (
        "k8s-host-identity-exposure",
        "payments-prod",
        "kube-system/DaemonSet/aws-node",
    ),
    (
        "k8s-host-identity-exposure",
        "payments-prod",
        "kube-system/DaemonSet/eks-pod-identity-agent",
    ),
    (
        "k8s-host-identity-exposure",
        "payments-prod",
        "kube-system/DaemonSet/kube-proxy",
    ),
    (
        "k8s-host-identity-exposure",
        "payments-prod",
        "monitoring/DaemonSet/node-agent",
    ),
    (
        "k8s-host-identity-exposure",
        "payments-prod",
        "monitoring/DaemonSet/node-agent",
    ),
    (
        "k8s-host-identity-exposure",
        "payments-prod",
        "monitoring/DaemonSet/node-agent",
    ),
    (
        "k8s-rbac-cluster-admin",
        "payments-prod",
        "ci/ServiceAccount/ci-deployer",
    ),
    (
        "k8s-rbac-secret-read",
        "payments-prod",
        "monitoring/ServiceAccount/node-agent",
    ),
    (
        "k8s-rbac-workload-create",
        "payments-prod",
        "kube-system/ServiceAccount/deploy-bot",
    ),
    (
        "k8s-service-account-orphaned",
        "payments-prod",
        "ci/ServiceAccount/ci-deployer",
    ),
    (
        "k8s-service-account-orphaned",
        "payments-prod",
        "kube-system/ServiceAccount/deploy-bot",
    ),
    (
        "k8s-service-account-token-secret",
        "payments-prod",
        "ci/Secret/ci-deployer-token",
    ),
    (
        "k8s-static-cloud-credential",
        "payments-prod",
        "reporting/Secret/legacy-reporting-aws",
    ),
];

#[test]
fn the_demo_estate_yields_every_planted_credential_and_nothing_else() {
    let scratch = Scratch::new();
    let estate = demo_estate();
    let result = run(scratch
        .nhiscope()
        .arg("scan")
        .arg(&estate)
        .args(["--format", "json"]));
    assert_eq!(result.code, 0, "stderr: {}", result.stderr);
    let report = json(&result);
    let all_findings = report["findings"].as_array().expect("findings");
    let (file_findings, cluster_findings): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) =
        all_findings
            .iter()
            .filter(|finding| {
                finding["tags"]
                    .as_array()
                    .is_none_or(|tags| !tags.iter().any(|t| t == "correlation"))
            })
            .partition(|finding| finding["location"]["type"] == "file");
    let correlated: Vec<(String, String, u64)> = all_findings
        .iter()
        .filter(|finding| {
            finding["tags"]
                .as_array()
                .is_some_and(|tags| tags.iter().any(|t| t == "correlation"))
        })
        .map(|finding| {
            let path = finding["location"]["path"].as_str().expect("a path");
            (
                finding["rule_id"].as_str().expect("a rule").to_string(),
                path.strip_prefix(&format!("{}/", estate.display()))
                    .unwrap_or(path)
                    .to_string(),
                finding["location"]["line"].as_u64().expect("a line"),
            )
        })
        .collect();
    assert_eq!(
        correlated,
        CORRELATED
            .iter()
            .map(|(rule, path, line)| (rule.to_string(), path.to_string(), *line))
            .collect::<Vec<_>>()
    );

    let prefix = format!("{}/", estate.display());
    let mut found: Vec<(String, String, u64)> = file_findings
        .iter()
        .map(|finding| {
            let location = &finding["location"];
            let path = location["path"].as_str().expect("a path");
            (
                finding["rule_id"].as_str().expect("a rule").to_string(),
                path.strip_prefix(&prefix).unwrap_or(path).to_string(),
                location["line"].as_u64().expect("a line"),
            )
        })
        .collect();
    found.sort_by(|a, b| (&a.1, a.2).cmp(&(&b.1, b.2)));
    let expected: Vec<(String, String, u64)> = PLANTED
        .iter()
        .map(|(rule, path, line)| (rule.to_string(), path.to_string(), *line))
        .collect();
    assert_eq!(found, expected);

    let mut clusters: Vec<(String, String, String)> = cluster_findings
        .iter()
        .map(|finding| {
            let location = &finding["location"];
            assert_eq!(location["type"], "resource");
            assert_eq!(location["provider"], "kubernetes");
            let scope = location["scope"].as_str().expect("a cluster");
            (
                finding["rule_id"].as_str().expect("a rule").to_string(),
                scope.to_string(),
                location["resource"]
                    .as_str()
                    .expect("an object")
                    .to_string(),
            )
        })
        .collect();
    clusters.sort();
    let mut expected: Vec<(String, String, String)> = CLUSTER_FINDINGS
        .iter()
        .map(|(rule, cluster, object)| (rule.to_string(), cluster.to_string(), object.to_string()))
        .collect();
    expected.sort();
    assert_eq!(clusters, expected);

    // Every file finding's credential is in the inventory, exposed in its
    // file, and every file is in the scanned directory; a credential found
    // in several places (a Secret manifest, the export, a cluster object) is
    // one node.
    let nodes = report["inventory"]["nodes"].as_array().expect("nodes");
    let of_type = |kind: &str, type_name: &str| -> Vec<&serde_json::Value> {
        nodes
            .iter()
            .filter(|n| n["kind"] == kind && n["type"] == type_name)
            .collect()
    };
    let fingerprints: std::collections::BTreeSet<&str> = file_findings
        .iter()
        .filter_map(|f| f["evidence"]["fingerprint"].as_str())
        .collect();
    let credential_nodes: Vec<&serde_json::Value> =
        nodes.iter().filter(|n| n["kind"] == "credential").collect();
    for fingerprint in &fingerprints {
        let holders: Vec<&str> = credential_nodes
            .iter()
            .filter(|n| n["secret"]["fingerprint"] == *fingerprint)
            .filter_map(|n| n["id"].as_str())
            .collect();
        // The same value found by the file scan and by the cluster collector
        // (and a cluster token known by its Secret) is one node.
        assert_eq!(
            holders.len(),
            1,
            "one node per credential value: {holders:?}"
        );
    }
    let directories = of_type("source", "directory");
    assert_eq!(directories.len(), 1);
    assert_eq!(of_type("source", "file").len(), FILES_WITH_FINDINGS);
    let edges = report["inventory"]["edges"].as_array().expect("edges");
    let exposed: Vec<&serde_json::Value> =
        edges.iter().filter(|e| e["kind"] == "exposed_in").collect();
    for finding in &file_findings {
        let (credential, file) = (&finding["nodes"][0], &finding["nodes"][1]);
        assert!(
            exposed
                .iter()
                .any(|e| &e["from"] == credential && &e["to"] == file)
        );
    }
    let contains_files = edges
        .iter()
        .filter(|e| e["kind"] == "contains" && e["from"] == directories[0]["id"])
        .count();
    assert_eq!(contains_files, FILES_WITH_FINDINGS);

    assert_eq!(report["summary"]["findings_by_severity"]["critical"], 14);
    assert_eq!(report["scan"]["status"], "complete");
    assert_eq!(report["scan"]["number"], 1);
    assert_eq!(report["scan"]["sources"][0]["items_scanned"], 18);
    assert_eq!(
        report["scan"]["sources"][1]["objects_read"]["ServiceAccount"], 23,
        "the export's accounts, read by the cluster collector"
    );
    let skipped = report["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0]["location"]
            .as_str()
            .expect("a path")
            .ends_with("static/logo.png")
    );
    assert_eq!(skipped[0]["reason"], "binary");
    assert!(
        result.stderr.contains("stored as scan #1 in "),
        "{}",
        result.stderr
    );
}

#[test]
fn the_text_report_of_the_demo_estate() {
    let scratch = Scratch::new();
    // From the repository's root with a relative path, so the columns are
    // as wide wherever the repository is checked out.
    let result = run(scratch
        .nhiscope()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["scan", "fixtures/demo-estate"]));
    assert_eq!(result.code, 0, "stderr: {}", result.stderr);
    let mut settings = insta::Settings::clone_current();
    settings.add_filter("fixtures/demo-estate/", "[ESTATE]/");
    settings.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[SCAN-ID]",
    );
    settings.add_filter(r"in \d+\.\ds", "in [SECONDS]s");
    settings.bind(|| insta::assert_snapshot!(result.stdout));
}

#[test]
fn scans_are_appended_and_listed() {
    let scratch = Scratch::new();
    let estate = demo_estate();
    for _ in 0..2 {
        let result = run(scratch.nhiscope().arg("scan").arg(&estate).arg("-q"));
        assert_eq!(result.code, 0, "{}", result.stderr);
        assert_eq!(result.stderr, "", "-q keeps stderr quiet");
    }
    let listing = run(scratch.nhiscope().args(["scans", "--format", "json"]));
    assert_eq!(listing.code, 0, "{}", listing.stderr);
    let scans = json(&listing);
    let scans = scans.as_array().expect("a list");
    assert_eq!(scans.len(), 2);
    assert_eq!(scans[0]["number"], 1);
    assert_eq!(scans[1]["number"], 2);
    for scan in scans {
        assert_eq!(scan["nodes"], 115);
        assert_eq!(scan["findings"]["critical"], 14);
        assert_eq!(scan["status"], "complete");
    }
    let text = run(scratch.nhiscope().arg("scans"));
    assert_eq!(text.stdout.lines().count(), 3, "{}", text.stdout);
    assert!(text.stdout.starts_with("#  ID"), "{}", text.stdout);

    let findings = run(scratch.nhiscope().args([
        "findings",
        "--scan",
        "1",
        "--severity",
        "critical",
        "--format",
        "json",
    ]));
    assert_eq!(findings.code, 0, "{}", findings.stderr);
    let findings = json(&findings);
    assert_eq!(findings.as_array().expect("a list").len(), 14);

    let report = run(scratch
        .nhiscope()
        .args(["report", "--scan", "latest", "--format", "json"]));
    let report = json(&report);
    assert_eq!(report["scan"]["number"], 2);
    assert_eq!(
        report["findings"].as_array().expect("a list").len(),
        PLANTED.len() + CLUSTER_FINDINGS.len() + CORRELATED.len()
    );
}

#[test]
fn fail_on_turns_findings_into_exit_1() {
    let scratch = Scratch::new();
    let estate = demo_estate();
    let result =
        run(scratch
            .nhiscope()
            .arg("scan")
            .arg(&estate)
            .args(["--fail-on", "critical", "-q"]));
    assert_eq!(result.code, 1);
    let clean = scratch.write("clean/readme.txt", "nothing to see\n");
    let result = run(scratch
        .nhiscope()
        .arg("scan")
        .arg(clean.parent().expect("dir"))
        .args(["--fail-on", "info", "-q"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
}

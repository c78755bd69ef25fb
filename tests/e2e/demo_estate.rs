//! The README's first command: a scan of the demo estate.

use crate::support::{Scratch, demo_estate, json, run};

/// Every credential planted in the demo estate, as (rule, file, line).
const PLANTED: &[(&str, &str, u64)] = &[
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
    ("slack-webhook-url", "payments-service/k8s/secrets.yaml", 8),
    (
        "vault-service-token",
        "payments-service/k8s/secrets.yaml",
        9,
    ),
];

/// The files that hold the planted credentials.
const FILES_WITH_FINDINGS: usize = 7;

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

    let prefix = format!("{}/", estate.display());
    let mut found: Vec<(String, String, u64)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| {
            let location = &finding["location"];
            assert_eq!(location["type"], "file");
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

    // Every finding's credential is in the inventory, exposed in its file,
    // and every file is in the scanned directory.
    let nodes = report["inventory"]["nodes"].as_array().expect("nodes");
    let of_type = |kind: &str, type_name: &str| -> Vec<&serde_json::Value> {
        nodes
            .iter()
            .filter(|n| n["kind"] == kind && n["type"] == type_name)
            .collect()
    };
    let credentials = nodes.iter().filter(|n| n["kind"] == "credential").count();
    assert_eq!(credentials, PLANTED.len());
    let directories = of_type("source", "directory");
    assert_eq!(directories.len(), 1);
    assert_eq!(of_type("source", "file").len(), FILES_WITH_FINDINGS);
    let edges = report["inventory"]["edges"].as_array().expect("edges");
    let of_kind = |kind: &str| -> Vec<&serde_json::Value> {
        edges.iter().filter(|e| e["kind"] == kind).collect()
    };
    let exposed = of_kind("exposed_in");
    assert_eq!(exposed.len(), PLANTED.len());
    for finding in report["findings"].as_array().expect("findings") {
        let (credential, file) = (&finding["nodes"][0], &finding["nodes"][1]);
        assert!(
            exposed
                .iter()
                .any(|e| &e["from"] == credential && &e["to"] == file)
        );
    }
    let contains = of_kind("contains");
    assert_eq!(contains.len(), FILES_WITH_FINDINGS);
    assert!(contains.iter().all(|e| e["from"] == directories[0]["id"]));

    assert_eq!(report["summary"]["findings_by_severity"]["critical"], 5);
    assert_eq!(report["scan"]["status"], "complete");
    assert_eq!(report["scan"]["number"], 1);
    assert_eq!(report["scan"]["sources"][0]["items_scanned"], 15);
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
    let estate = demo_estate();
    let result = run(scratch.nhiscope().arg("scan").arg(&estate));
    assert_eq!(result.code, 0, "stderr: {}", result.stderr);
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        &regex_escape(&format!("{}/", estate.display())),
        "[ESTATE]/",
    );
    settings.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[SCAN-ID]",
    );
    settings.add_filter(r"in \d+\.\ds", "in [SECONDS]s");
    settings.bind(|| insta::assert_snapshot!(result.stdout));
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$#&-~".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
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
        assert_eq!(scan["nodes"], 1 + FILES_WITH_FINDINGS + PLANTED.len());
        assert_eq!(scan["findings"]["critical"], 5);
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
    assert_eq!(findings.as_array().expect("a list").len(), 5);

    let report = run(scratch
        .nhiscope()
        .args(["report", "--scan", "latest", "--format", "json"]));
    let report = json(&report);
    assert_eq!(report["scan"]["number"], 2);
    assert_eq!(
        report["findings"].as_array().expect("a list").len(),
        PLANTED.len()
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

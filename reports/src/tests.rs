use jiff::Timestamp;
use nhiscope_model::{
    CredentialType, Edge, EdgeKind, Finding, FindingFingerprint, Inventory, Location, Node, NodeId,
    NodeKind, Redacted, ScanId, ScanRecord, ScanStatus, Severity, Skipped, SourceError,
    SourceSummary, SourceType,
};

use crate::{ReportFormat, ScanView, report_for};

const SECRET: &[u8] = b"nyVmihA/2O76UMFxFkM/R5Kjp1vRt+1fjORS/6il";

fn at(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp")
}

fn scan() -> (ScanRecord, Inventory) {
    let record = ScanRecord {
        id: ScanId::parse("019ab8a2-3c00-7000-8000-000000000001").expect("uuid"),
        number: Some(2),
        started_at: at("2026-11-25T10:00:00Z"),
        finished_at: at("2026-11-25T10:00:01.5Z"),
        tool_version: "0.1.0".into(),
        status: ScanStatus::Incomplete,
        sources: vec![SourceSummary {
            collector: "fs".into(),
            targets: vec!["repo".into()],
            succeeded: true,
            items_scanned: 41,
            duration_ms: 1480,
            objects_read: Default::default(),
        }],
        errors: vec![SourceError {
            collector: "fs".into(),
            location: Some("repo/core.dump".into()),
            message: "cannot read repo/core.dump: Input/output error (os error 5); check its permissions or exclude it".into(),
            fatal: false,
        }],
        skipped: vec![
            Skipped {
                collector: "fs".into(),
                location: "repo/logo.png".into(),
                reason: "binary".into(),
                size: Some(5120),
            },
            Skipped {
                collector: "fs".into(),
                location: "repo/dump.sql".into(),
                reason: "too_large".into(),
                size: Some(52_428_800),
            },
        ],
    };
    let mut inventory = Inventory::new();
    let source_kind = NodeKind::Source(SourceType::Directory);
    let source = NodeId::new("local", &source_kind, "/work/repo");
    inventory.add_node(Node::new(
        source.clone(),
        source_kind,
        "repo",
        "local",
        "fs",
    ));
    let kind = NodeKind::Credential(CredentialType::AccessKey);
    let secret = Redacted::new(SECRET);
    let key = NodeId::from_fingerprint("aws", &kind, &secret.fingerprint());
    let mut node = Node::new(key.clone(), kind, "AWS secret access key", "aws", "fs");
    node.secret = Some(secret.clone());
    node.scope = Some("repo/config/aws.ini".into());
    inventory.add_node(node);
    inventory.add_edge(Edge::new(key.clone(), EdgeKind::ExposedIn, source.clone()));
    inventory.add_finding(Finding {
        fingerprint: FindingFingerprint::derive("aws-secret-access-key", &["config/aws.ini"]),
        rule_id: "aws-secret-access-key".into(),
        severity: Severity::Critical,
        title: "AWS secret access key exposed in a file".into(),
        message: "AWS secret access key `nyVm…/6il` found in repo/config/aws.ini:3:25.".into(),
        nodes: vec![key, source],
        location: Location::File {
            path: "repo/config/aws.ini".into(),
            line: 3,
            column: 25,
            end_line: 3,
            end_column: 65,
            commit: None,
            snippet: Some("aws_secret_access_key = nyVm…/6il".into()),
        },
        remediation: "Deactivate and delete the access key pair.".into(),
        evidence: Some(secret),
        tags: vec!["aws".into(), "exposed".into()],
        provenance: None,
        risk: None,
    });
    (record, inventory)
}

fn render(format: ReportFormat) -> String {
    let (record, inventory) = scan();
    let mut out = Vec::new();
    report_for(format)
        .write(&ScanView::new(&record, &inventory), &mut out)
        .expect("renders");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(!text.contains(std::str::from_utf8(SECRET).expect("ascii")));
    text
}

#[test]
fn json_report() {
    let text = render(ReportFormat::Json);
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(value["schema_version"], "1");
    insta::assert_snapshot!(text);
}

#[test]
fn text_report() {
    insta::assert_snapshot!(render(ReportFormat::Text));
}

#[test]
fn formats_parse_by_name() {
    assert_eq!("JSON".parse::<ReportFormat>(), Ok(ReportFormat::Json));
    assert_eq!(
        "xml".parse::<ReportFormat>(),
        Err("unknown format `xml`: expected one of text, json, sarif, markdown, csv".to_string())
    );
}

/// The official OASIS SARIF 2.1.0 schema, from ../shared beside the repo.
fn sarif_schema() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/testdata/sarif/sarif-schema-2.1.0.json"
    );
    serde_json::from_str(
        &std::fs::read_to_string(path).expect("../shared/testdata is beside the repo"),
    )
    .expect("the schema is JSON")
}

/// Validates SARIF against the official schema and code scanning's rules.
pub(crate) fn assert_valid_sarif(sarif: &serde_json::Value) {
    let validator = jsonschema::validator_for(&sarif_schema()).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    let problems = crate::code_scanning_problems(sarif);
    assert!(
        problems.is_empty(),
        "code scanning problems:\n{}",
        problems.join("\n")
    );
}

fn sarif_of(view: &ScanView<'_>) -> serde_json::Value {
    let mut out = Vec::new();
    crate::Report::write(&crate::SarifReport::default(), view, &mut out).expect("renders");
    serde_json::from_slice(&out).expect("JSON")
}

#[test]
fn sarif_is_valid_and_complete() {
    use nhiscope_model::{RuleDescriptor, ScanDiff, ScanRef};
    let (record, inventory) = scan();
    let rules = vec![
        RuleDescriptor {
            id: "aws-secret-access-key".into(),
            description: "AWS secret access key".into(),
            remediation: "Deactivate and delete the access key pair.".into(),
            severity: Severity::Critical,
            tags: vec!["aws".into()],
        },
        RuleDescriptor {
            id: "github-pat".into(),
            description: "GitHub personal access token (classic)".into(),
            remediation: "Revoke the token.".into(),
            severity: Severity::High,
            tags: vec!["github".into()],
        },
    ];
    let against = ScanRef {
        id: ScanId::parse("019ab8a2-3c00-7000-8000-000000000000").expect("uuid"),
        number: Some(1),
    };
    let diff = ScanDiff::between(&Inventory::new(), &inventory);
    let root = std::path::Path::new("/work");
    let view = ScanView {
        rules: &rules,
        comparison: Some(crate::Comparison {
            against: &against,
            diff: &diff,
        }),
        source_root: Some(root),
        category: Some("nhiscope/nightly"),
        ..ScanView::new(&record, &inventory)
    };
    let sarif = sarif_of(&view);
    assert_valid_sarif(&sarif);
    let run = &sarif["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules")
            .len(),
        2
    );
    assert_eq!(run["results"][0]["baselineState"], "new");
    assert_eq!(
        run["results"][0]["partialFingerprints"]["nhiscope/v1"]
            .as_str()
            .map(str::len),
        Some(64)
    );
    assert_eq!(
        run["automationDetails"]["id"],
        "nhiscope/nightly/019ab8a2-3c00-7000-8000-000000000001"
    );
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"][0]["level"],
        "warning"
    );
    insta::assert_json_snapshot!(sarif);
}

#[test]
fn sarif_respects_the_result_limit() {
    let (record, base) = scan();
    let template = base.findings().next().expect("a finding").clone();
    let mut inventory = Inventory::new();
    for index in 0..crate::MAX_SARIF_RESULTS + 3 {
        let mut finding = template.clone();
        finding.fingerprint = FindingFingerprint::derive("x", &[&index.to_string()]);
        finding.severity = if index < 3 {
            Severity::Low
        } else {
            Severity::High
        };
        inventory.add_finding(finding);
    }
    let sarif = sarif_of(&ScanView::new(&record, &inventory));
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), crate::MAX_SARIF_RESULTS);
    assert!(
        results.iter().all(|result| result["level"] == "error"),
        "the low ones were dropped"
    );
    let notifications = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notes");
    assert!(notifications.iter().any(|n| {
        n["message"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("3 results of severity low"))
    }));
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!(render(ReportFormat::Markdown));
}

#[test]
fn csv_report() {
    insta::assert_snapshot!(render(ReportFormat::Csv));
}

#[test]
fn sarif_fits_the_upload_size_limit() {
    let (record, base) = scan();
    let template = base.findings().next().expect("a finding").clone();
    let mut inventory = Inventory::new();
    for index in 0..200 {
        let mut finding = template.clone();
        finding.fingerprint = FindingFingerprint::derive("x", &[&index.to_string()]);
        finding.severity = if index % 2 == 0 {
            Severity::Low
        } else {
            Severity::Critical
        };
        inventory.add_finding(finding);
    }
    let report = crate::SarifReport {
        max_upload_bytes: 6_000,
    };
    let mut out = Vec::new();
    crate::Report::write(&report, &ScanView::new(&record, &inventory), &mut out).expect("renders");
    let sarif: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(
        results.len() < 200 && !results.is_empty(),
        "{}",
        results.len()
    );
    assert!(
        results.iter().all(|r| r["level"] == "error"),
        "lowest severity dropped first"
    );
    let text =
        sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][1]["message"]["text"]
            .as_str()
            .expect("a notification");
    assert!(text.contains("were left out"), "{text}");
}

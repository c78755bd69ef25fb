//! The AWS collector end to end: offline imports of real and demo exports,
//! live collection from a real IAM API server (moto, seeded through the AWS
//! API by tests/servers/aws_estate.py), and the same behind a proxy that
//! throttles, fails, denies and cuts responses short.

use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

use crate::support::{Scratch, json, run};

fn cloudsplaining_export() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata/aws/cloudsplaining-authz-details.json")
}

fn demo_exports() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-estate/exports/aws")
}

/// (rule id, the resource's last path segment) of every finding.
fn findings(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let resource = f["location"]["resource"].as_str().unwrap_or("");
            let name = resource.rsplit(['/', ':']).next().unwrap_or(resource);
            (
                f["rule_id"].as_str().unwrap_or("").to_string(),
                name.to_string(),
            )
        })
        .collect()
}

fn has(set: &BTreeSet<(String, String)>, rule: &str, name: &str) -> bool {
    set.contains(&(rule.to_string(), name.to_string()))
}

fn finding<'a>(report: &'a Value, rule: &str, name_suffix: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| {
            f["rule_id"] == rule
                && f["location"]["resource"]
                    .as_str()
                    .is_some_and(|r| r.ends_with(name_suffix))
        })
        .unwrap_or_else(|| panic!("no {rule} finding on {name_suffix}"))
}

/// `nhiscope scan` judging ages as of a fixed day, reporting JSON.
fn offline_scan(scratch: &Scratch) -> assert_cmd::Command {
    let mut command = scratch.nhiscope();
    command.args(["scan", "-q", "--as-of", "2026-11-20", "-f", "json"]);
    command
}

/// Points `command` at `endpoint` with test credentials and none of the
/// developer's AWS setup (profiles, config files, instance metadata).
fn isolated_aws<'c>(
    command: &'c mut assert_cmd::Command,
    endpoint: &str,
    scratch: &Scratch,
) -> &'c mut assert_cmd::Command {
    let empty = scratch.write("aws/empty", "");
    command
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_DEFAULT_REGION")
}

fn nodes_of<'a>(report: &'a Value, class: &str, kind: &str) -> Vec<&'a Value> {
    report["inventory"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["kind"] == class && n["type"] == kind && n["provider"] == "aws")
        .collect()
}

#[test]
fn the_cloudsplaining_export_is_imported_and_judged() {
    let scratch = Scratch::new();
    let result = run(offline_scan(&scratch)
        .arg("--aws-export")
        .arg(cloudsplaining_export()));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    let users: BTreeSet<&str> = nodes_of(&report, "identity", "iam_user")
        .iter()
        .filter_map(|n| n["native_id"].as_str())
        .collect();
    assert_eq!(
        users,
        BTreeSet::from([
            "arn:aws:iam::012345678901:user/biden",
            "arn:aws:iam::012345678901:user/obama",
            "arn:aws:iam::012345678901:user/userwithlotsofpermissions",
        ])
    );
    assert_eq!(nodes_of(&report, "identity", "iam_role").len(), 3);
    assert_eq!(nodes_of(&report, "identity", "iam_group").len(), 2);
    assert_eq!(
        nodes_of(&report, "workload", "vm").len(),
        1,
        "the instance profile"
    );
    let created = nodes_of(&report, "identity", "iam_user")[0]["timestamps"]["created_at"].as_str();
    assert_eq!(created, Some("2019-12-18T19:10:08Z"));
    let set = findings(&report);
    assert!(
        has(&set, "aws-iam-privilege-escalation", "OverprivilegedEC2"),
        "{set:?}"
    );
    let escalation = finding(
        &report,
        "aws-iam-privilege-escalation",
        "role/OverprivilegedEC2",
    );
    let message = escalation["message"].as_str().expect("message");
    assert!(
        message.contains("create-access-key")
            && message.contains("user/obama (it is admin-equivalent)"),
        "{message}"
    );
    assert!(message.contains("Reasoning: iam:CreateAccessKey on arn:aws:iam::012345678901:user/obama: allowed by statement `VisualEditor0` of inline policy SupYo"), "{message}");
    assert_eq!(
        escalation["location"]["export_file"].as_str(),
        Some(cloudsplaining_export().display().to_string().as_str())
    );
    // Admin users with no human signal are judged as machine identities.
    assert!(has(&set, "aws-iam-admin-machine-identity", "obama"));
    // biden may pass roles to Lambda, but no role trusts Lambda.
    assert!(
        !set.iter()
            .any(|(rule, name)| rule == "aws-iam-privilege-escalation" && name == "biden"),
        "{set:?}"
    );
}

#[test]
fn the_demo_estate_account_and_its_inventory() {
    let scratch = Scratch::new();
    let result = run(offline_scan(&scratch)
        .arg("--aws-export")
        .arg(demo_exports()));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    let set = findings(&report);
    let expected = [
        ("aws-root-access-key", "root"),
        ("aws-user-orphaned", "legacy-reporting"),
        ("aws-iam-admin-machine-identity", "legacy-reporting"),
        ("aws-user-multiple-active-keys", "payments-ci"),
        ("aws-access-key-unrotated", "payments-ci"),
        ("aws-access-key-unused", "payments-ci"),
        ("aws-long-lived-key-federation-candidate", "payments-ci"),
        ("aws-iam-privilege-escalation", "payments-ci"),
        ("aws-iam-privilege-escalation", "terraform"),
        ("aws-iam-privilege-escalation-chain", "terraform"),
        ("aws-access-key-inactive", "backup-agent"),
        ("aws-access-key-unrotated", "backup-agent"),
        ("aws-iam-oidc-trust-without-subject", "gha-infra"),
        (
            "aws-iam-cross-account-trust-without-external-id",
            "vendor-monitoring",
        ),
    ];
    for (rule, name) in expected {
        assert!(
            has(&set, rule, name),
            "missing {rule} on {name}; found {set:?}"
        );
    }
    // What must not be flagged: the human admin, the scoped GitHub role,
    // the EC2 role (passed, not a confused deputy), the service-linked role.
    for (rule, name) in [
        ("aws-iam-admin-machine-identity", "maria.garcia"),
        ("aws-iam-oidc-trust-without-subject", "gha-payments-deploy"),
        ("aws-iam-oidc-trust-wildcard-subject", "gha-payments-deploy"),
        ("aws-iam-service-trust-confused-deputy", "payments-api"),
        (
            "aws-iam-service-trust-confused-deputy",
            "AWSServiceRoleForSupport",
        ),
        ("aws-access-key-unused", "terraform"),
    ] {
        assert!(!has(&set, rule, name), "unexpected {rule} on {name}");
    }
    let pass_role = finding(
        &report,
        "aws-iam-privilege-escalation",
        "user/service/payments-ci",
    );
    let message = pass_role["message"].as_str().expect("message");
    assert!(
        message.contains("pass-role-lambda-invoke")
            && message.contains("role/payments-lambda-admin"),
        "{message}"
    );
    assert!(
        message.contains("inline policy deploy-functions of group deployers"),
        "{message}"
    );
    let chain = finding(
        &report,
        "aws-iam-privilege-escalation-chain",
        "user/automation/terraform",
    );
    assert!(
        chain["message"]
            .as_str()
            .expect("message")
            .contains("role/break-glass (which is admin-equivalent)")
    );

    // The inventory lists every identity and credential with native ids and timestamps.
    let inventory = run(scratch
        .nhiscope()
        .args(["inventory", "--provider", "aws", "-f", "csv"]));
    assert_eq!(inventory.code, 0, "{}", inventory.stderr);
    insta::assert_snapshot!("aws_demo_inventory_csv", inventory.stdout);
}

#[test]
fn bad_exports_are_named_and_the_rest_is_collected() {
    let scratch = Scratch::new();
    let broken = scratch.write("exports/broken.json", "{\"UserDetailList\": [");
    let wrong = scratch.write("exports/other.json", "{\"kind\": \"List\", \"items\": []}");
    let result = run(offline_scan(&scratch)
        .arg("--aws-export")
        .arg(&broken)
        .arg("--aws-export")
        .arg(scratch.path().join("exports"))
        .arg("--aws-export")
        .arg(demo_exports())
        .arg("--aws-export")
        .arg(cloudsplaining_export()));
    assert_eq!(
        result.code, 3,
        "a failed file makes the scan incomplete: {}",
        result.stderr
    );
    let report = json(&result);
    let errors: Vec<&str> = report["source_errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&format!("{}: not JSON", broken.display()))),
        "{errors:?}"
    );
    let skipped: Vec<&str> = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .filter_map(|s| s["location"].as_str())
        .collect();
    assert!(
        skipped.contains(&wrong.display().to_string().as_str()),
        "a directory entry that is not an export is skipped and named: {skipped:?}"
    );
    let accounts: BTreeSet<&str> = nodes_of(&report, "source", "aws_account")
        .iter()
        .filter_map(|n| n["native_id"].as_str())
        .collect();
    assert_eq!(
        accounts,
        BTreeSet::from(["012345678901", "210987654321"]),
        "both good accounts were still collected"
    );
    let store = run(scratch.nhiscope().args(["findings", "-f", "json"]));
    assert_eq!(store.code, 0, "the store stays readable: {}", store.stderr);
}

/// A running fake AWS account.
struct Estate {
    child: Child,
    _stdin: ChildStdin,
    endpoint: String,
    log: PathBuf,
}

impl Drop for Estate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> PathBuf {
    let path = std::env::var_os("NHISCOPE_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").expect("HOME"))
                .join(".cache/nhiscope-test/venv/bin/python")
        });
    assert!(
        path.is_file(),
        "the test venv's python is not at {}: run scripts/test (or scripts/test-venv), which installs moto",
        path.display()
    );
    path
}

impl Estate {
    fn start(scratch: &Scratch, faults: bool) -> Self {
        let log = scratch.path().join("requests.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/aws_estate.py");
        let mut command = Command::new(python());
        command.arg(script).arg("--request-log").arg(&log);
        if faults {
            command.arg("--faults");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the estate starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        // Owned from here on, so a failed start still stops the process.
        let mut estate = Self {
            child,
            _stdin: stdin,
            endpoint: String::new(),
            log,
        };
        let mut stdout = BufReader::new(stdout);
        let started = Instant::now();
        let mut line = String::new();
        while estate.endpoint.is_empty() {
            line.clear();
            let read = stdout
                .read_line(&mut line)
                .expect("reading the estate's stdout");
            assert!(
                read > 0,
                "the AWS estate exited before it was ready (its stderr is above)"
            );
            if let Some(ready) = line.strip_prefix("READY ") {
                let ready: Value = serde_json::from_str(ready).expect("READY carries JSON");
                estate.endpoint = ready["endpoint"].as_str().expect("endpoint").to_string();
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the AWS estate did not get ready in 2 minutes"
            );
        }
        estate
    }

    /// nhiscope pointed at the estate, with nothing of the developer's AWS setup.
    fn scan(&self, scratch: &Scratch) -> crate::support::Run {
        self.scan_with(scratch, &[])
    }

    fn scan_with(&self, scratch: &Scratch, extra: &[&str]) -> crate::support::Run {
        let mut command = scratch.nhiscope();
        command
            .args(["scan", "-q", "--aws", "-f", "json"])
            .args(extra);
        run(isolated_aws(&mut command, &self.endpoint, scratch))
    }

    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON log line"))
            .collect()
    }
}

/// The IAM and STS actions that only read (the collector's whole vocabulary).
fn is_read_only(action: &str) -> bool {
    ["List", "Get", "Describe"]
        .iter()
        .any(|prefix| action.starts_with(prefix))
        || action == "GenerateCredentialReport"
}

fn assert_live_estate(report: &Value, ssh_keys_readable: bool) {
    let set = findings(report);
    let users: BTreeSet<&str> = nodes_of(report, "identity", "iam_user")
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    for user in [
        "ci-deploy",
        "terraform-bot",
        "alice",
        "legacy-batch",
        "auditor",
        "mfa-guarded",
    ] {
        assert!(users.contains(user), "{user} missing from {users:?}");
    }
    let keys = nodes_of(report, "credential", "access_key");
    assert!(
        keys.iter()
            .filter(|k| k["name"]
                .as_str()
                .is_some_and(|n| n.ends_with("of ci-deploy")))
            .count()
            == 2
    );
    assert!(
        keys.iter().all(|k| k["native_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("AKIA"))),
        "live keys carry their ids"
    );
    assert!(
        keys.iter()
            .all(|k| k["timestamps"]["created_at"].is_string())
    );
    if ssh_keys_readable {
        assert!(!nodes_of(report, "credential", "ssh_key").is_empty());
    }
    for (rule, name) in [
        ("aws-iam-oidc-trust-without-subject", "gha-deploy"),
        ("aws-iam-oidc-trust-wildcard-subject", "gha-wildcard"),
        (
            "aws-iam-cross-account-trust-without-external-id",
            "partner-access",
        ),
        ("aws-iam-role-trusts-anyone", "open-role"),
        ("aws-iam-privilege-escalation", "ci-deploy"),
        ("aws-iam-privilege-escalation", "terraform-bot"),
        ("aws-user-multiple-active-keys", "ci-deploy"),
        ("aws-access-key-unrotated", "ci-deploy"),
        ("aws-access-key-inactive", "terraform-bot"),
        ("aws-user-orphaned", "legacy-batch"),
        ("aws-server-certificate-expired", "expired-cert"),
        ("aws-iam-admin-machine-identity", "legacy-batch"),
    ] {
        assert!(
            has(&set, rule, name),
            "missing {rule} on {name}; found {set:?}"
        );
    }
    for (rule, name) in [
        ("aws-iam-oidc-trust-without-subject", "gha-scoped"),
        ("aws-iam-oidc-trust-wildcard-subject", "gha-scoped"),
        (
            "aws-iam-cross-account-trust-without-external-id",
            "partner-with-external-id",
        ),
        ("aws-iam-privilege-escalation", "mfa-guarded"),
    ] {
        assert!(!has(&set, rule, name), "unexpected {rule} on {name}");
    }
    let pass_role = finding(
        report,
        "aws-iam-privilege-escalation",
        "user/service/ci-deploy",
    );
    let message = pass_role["message"].as_str().expect("message");
    assert!(
        message.contains("role/lambda-admin") && !message.contains("role/lambda-harmless"),
        "{message}"
    );
}

#[test]
fn a_live_account_on_a_real_iam_server() {
    let scratch = Scratch::new();
    let estate = Estate::start(&scratch, false);
    // Small pages, so every list call is drained over several pages.
    let config = scratch.write("nhiscope.toml", "[aws]\nlive = true\npage_size = 2\n");
    let result = estate.scan_with(&scratch, &["--config", config.to_str().expect("utf-8")]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    assert_live_estate(&report, true);
    let requests = estate.requests();
    let actions: BTreeSet<&str> = requests
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    let pages = requests
        .iter()
        .filter(|r| r["action"] == "GetAccountAuthorizationDetails")
        .count();
    assert!(
        pages > 5,
        "the authorization details came in {pages} pages of 2"
    );
    let mutating: Vec<&&str> = actions.iter().filter(|a| !is_read_only(a)).collect();
    assert!(
        mutating.is_empty(),
        "the collector made mutating calls: {mutating:?}"
    );
    for expected in [
        "GetAccountAuthorizationDetails",
        "ListAccessKeys",
        "GetAccessKeyLastUsed",
        "GenerateCredentialReport",
        "GetCredentialReport",
        "ListSSHPublicKeys",
        "ListServiceSpecificCredentials",
        "ListSigningCertificates",
        "ListServerCertificates",
        "ListOpenIDConnectProviders",
        "GetOpenIDConnectProvider",
        "ListSAMLProviders",
        "GetAccountSummary",
        "ListInstanceProfiles",
    ] {
        assert!(
            actions.contains(expected),
            "{expected} was not called: {actions:?}"
        );
    }
}

#[test]
fn throttling_errors_denials_and_cut_responses_lose_nothing() {
    let scratch = Scratch::new();
    let estate = Estate::start(&scratch, true);
    let result = estate.scan(&scratch);
    assert_eq!(
        result.code, 3,
        "a denied API leaves a gap: exit 3\n{}",
        result.stderr
    );
    let report = json(&result);
    assert_eq!(report["scan"]["status"], "incomplete");
    // Everything but the denied API's data is there, as without faults.
    assert_live_estate(&report, false);
    let errors: Vec<&str> = report["source_errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert_eq!(errors.len(), 1, "only the denied API is a gap: {errors:?}");
    assert!(
        errors[0].contains("iam:ListSSHPublicKeys failed")
            && errors[0].contains("AccessDenied")
            && errors[0].contains("docs/permissions/aws.md"),
        "{}",
        errors[0]
    );
    assert!(
        nodes_of(&report, "credential", "ssh_key").is_empty(),
        "the denied API's data is missing, not invented"
    );
    let requests = estate.requests();
    let faults: BTreeSet<&str> = requests
        .iter()
        .filter_map(|r| r["fault"].as_str())
        .collect();
    assert_eq!(
        faults,
        BTreeSet::from([
            "denied",
            "internal",
            "throttling",
            "truncated",
            "unavailable"
        ]),
        "every fault fired"
    );
    let details: Vec<i64> = requests
        .iter()
        .filter(|r| r["action"] == "GetAccountAuthorizationDetails")
        .filter_map(|r| r["status"].as_i64())
        .collect();
    assert_eq!(
        &details[..3],
        [400, 400, 200],
        "throttled calls were retried"
    );
    assert!(!result.stderr.contains("panicked"));
    let store = run(scratch
        .nhiscope()
        .args(["inventory", "--provider", "aws", "-f", "json"]));
    assert_eq!(store.code, 0, "the store stays readable: {}", store.stderr);
}

#[test]
fn aws_findings_in_sarif_are_accepted_by_code_scanning() {
    let scratch = Scratch::new();
    let sarif = scratch.path().join("aws.sarif");
    let result = run(scratch
        .nhiscope()
        .args(["scan", "-q", "--as-of", "2026-11-20", "--aws-export"])
        .arg(demo_exports())
        .arg("-o")
        .arg(format!("sarif={}", sarif.display())));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let document = crate::ci::read_json(&sarif);
    crate::ci::assert_schema_valid(&document);
    crate::ci::assert_multitool_clean(&sarif, &scratch);
    let results = document["runs"][0]["results"].as_array().expect("results");
    let escalation = results
        .iter()
        .find(|r| r["ruleId"] == "aws-iam-privilege-escalation")
        .expect("an escalation result");
    assert_eq!(
        escalation["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .map(|n| n.starts_with("aws/")),
        Some(true)
    );
    let uri = escalation["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .expect("uri");
    assert!(uri.ends_with("authorization-details.json"), "{uri}");
    let rules = document["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "aws-iam-oidc-trust-without-subject"),
        "every AWS detector is a SARIF rule"
    );
}

#[test]
fn several_accounts_through_assumed_roles() {
    let scratch = Scratch::new();
    let estate = Estate::start(&scratch, false);
    let result = estate.scan_with(
        &scratch,
        &[
            "--aws-assume-role",
            "arn:aws:iam::123456789012:role/app-instance",
            "--aws-assume-role",
            "arn:aws:iam::210987654321:role/audit",
        ],
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    let accounts: BTreeSet<&str> = nodes_of(&report, "source", "aws_account")
        .iter()
        .filter_map(|n| n["native_id"].as_str())
        .collect();
    assert_eq!(
        accounts,
        BTreeSet::from(["123456789012", "210987654321"]),
        "both accounts, the second one empty"
    );
    assert_live_estate(&report, true);
    let actions: BTreeSet<String> = estate
        .requests()
        .iter()
        .filter_map(|r| r["action"].as_str().map(str::to_string))
        .collect();
    assert!(actions.contains("AssumeRole"), "{actions:?}");
}

#[test]
fn a_live_account_that_cannot_be_reached_does_not_stop_the_others() {
    let scratch = Scratch::new();
    // Nothing listens on port 9 of the loopback: every call fails.
    let mut command = offline_scan(&scratch);
    command.arg("--aws").arg("--aws-export").arg(demo_exports());
    let result = run(isolated_aws(&mut command, "http://127.0.0.1:9", &scratch));
    assert_eq!(result.code, 3, "{}", result.stderr);
    let report = json(&result);
    let errors: Vec<&str> = report["source_errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("cannot authenticate with the default credentials"),
        "{}",
        errors[0]
    );
    let accounts: Vec<&str> = nodes_of(&report, "source", "aws_account")
        .iter()
        .filter_map(|n| n["native_id"].as_str())
        .collect();
    assert_eq!(
        accounts,
        ["210987654321"],
        "the offline account is still there"
    );
}

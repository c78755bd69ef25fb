//! The collector on the demo estate's export: what the inventory holds, how
//! bad config is refused, and how bad files are reported.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use nhiscope_collect::{FixedClock, Limits, RecordingSink};
use nhiscope_model::{EdgeKind, Node, ScanId};
use tokio_util::sync::CancellationToken;

use super::*;

fn demo_exports() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo-estate/exports/aws")
}

fn context(config: toml::Table) -> CollectContext {
    CollectContext {
        scan_id: ScanId::new(Timestamp::UNIX_EPOCH),
        clock: Arc::new(FixedClock("2026-11-20T00:00:00Z".parse().expect("a time"))),
        limits: Limits::default(),
        cancel: CancellationToken::new(),
        config,
    }
}

fn exports(paths: &[&Path]) -> toml::Table {
    let list: Vec<String> = paths
        .iter()
        .map(|p| format!("{:?}", p.display().to_string()))
        .collect();
    toml::from_str(&format!("exports = [{}]", list.join(", "))).expect("valid toml")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_export_becomes_an_inventory() {
    let sink = RecordingSink::default();
    AwsCollector
        .collect(&context(exports(&[&demo_exports()])), &sink)
        .await
        .expect("collected");
    let recorded = sink.into_recorded();
    assert!(recorded.errors.is_empty(), "{:?}", recorded.errors);
    let node = |native: &str| {
        recorded
            .nodes
            .iter()
            .find(|n| {
                n.native_id.as_deref() == Some(native)
                    && !matches!(n.kind, nhiscope_model::NodeKind::Resource(_))
            })
            .unwrap_or_else(|| panic!("no node {native}"))
    };
    let ci = node("arn:aws:iam::210987654321:user/service/payments-ci");
    assert_eq!(ci.attributes["classification"], "machine");
    assert_eq!(ci.attributes["federation_candidate"], true);
    assert_eq!(ci.labels["team"], "payments");
    assert_eq!(
        ci.timestamps.created_at,
        Some("2024-02-12T09:14:03Z".parse().expect("a time"))
    );
    let maria = node("arn:aws:iam::210987654321:user/maria.garcia");
    assert_eq!(maria.attributes["classification"], "human");
    let keys: Vec<&Node> = recorded
        .nodes
        .iter()
        .filter(|n| n.name.ends_with("of payments-ci"))
        .collect();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter()
            .all(|k| k.secret.is_none() && k.attributes["status"] == "active")
    );
    let edge = |from: &Node, kind: EdgeKind, to: &Node| {
        recorded
            .edges
            .iter()
            .any(|e| e.from == from.id && e.kind == kind && e.to == to.id)
    };
    assert!(edge(ci, EdgeKind::Holds, keys[0]) && edge(keys[0], EdgeKind::AuthenticatesAs, ci));
    assert!(edge(
        ci,
        EdgeKind::MemberOf,
        node("arn:aws:iam::210987654321:group/deployers")
    ));
    let terraform = node("arn:aws:iam::210987654321:user/automation/terraform");
    let break_glass = node("arn:aws:iam::210987654321:role/break-glass");
    assert!(edge(terraform, EdgeKind::CanAssume, break_glass));
    let gha = node("arn:aws:iam::210987654321:role/gha-infra");
    assert_eq!(
        gha.attributes["role_types"],
        serde_json::json!(["oidc-federated"])
    );
    assert!(edge(
        gha,
        EdgeKind::Trusts,
        node("arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com")
    ));
    let profile = node("arn:aws:iam::210987654321:instance-profile/payments-api");
    assert!(edge(
        profile,
        EdgeKind::Uses,
        node("arn:aws:iam::210987654321:role/payments-api")
    ));
    let admin = node("arn:aws:iam::aws:policy/AdministratorAccess");
    assert_eq!(
        admin.attributes["allowed_actions"],
        serde_json::json!(["*"])
    );
    assert!(
        recorded
            .findings
            .iter()
            .any(|f| f.rule_id == "aws-root-access-key")
    );
}

#[test]
fn bad_config_names_the_key() {
    let check = |text: &str| {
        let table: toml::Table = toml::from_str(text).expect("valid toml");
        AwsCollector.check_config(&table).map_err(|e| e.to_string())
    };
    assert_eq!(
        check("live = false").expect_err("nothing to do"),
        "[aws] nothing to collect: set `live = true` or list `exports`"
    );
    assert_eq!(
        check("live = true\nmax_key_age_days = 0").expect_err("zero"),
        "[aws] max_key_age_days must be at least 1, not 0"
    );
    assert_eq!(
        check("live = true\nassume_roles = [\"admin\"]").expect_err("not an arn"),
        "[aws] assume_roles: `admin` is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
    );
    assert!(
        check("live = true\nprofle = \"x\"")
            .expect_err("typo")
            .contains("unknown field `profle`")
    );
    assert!(
        check("live = true\ntrusted_accounts = [\"123\"]")
            .expect_err("short")
            .contains("12-digit")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_file_is_named_and_a_missing_one_too() {
    let dir = std::env::temp_dir().join(format!("nhiscope-aws-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let bad = dir.join("authz.json");
    std::fs::write(&bad, "{\"RoleDetailList\": [{\"RoleName\": \"r\"}]}").expect("write");
    let missing = dir.join("nope.json");
    let sink = RecordingSink::default();
    let result = AwsCollector
        .collect(&context(exports(&[&bad, &missing, &demo_exports()])), &sink)
        .await;
    assert!(result.is_ok(), "one account was collected");
    let recorded = sink.into_recorded();
    let messages: Vec<&str> = recorded.errors.iter().map(|(_, m)| m.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with(&format!("{}: role r: no `Arn`", bad.display()))),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with(&format!("{}: cannot open", missing.display()))),
        "{messages:?}"
    );
    assert!(recorded.skipped.is_empty());
    // Only bad files: the source as a whole failed.
    let sink = RecordingSink::default();
    let result = AwsCollector
        .collect(&context(exports(&[&bad])), &sink)
        .await;
    assert!(matches!(result, Err(CollectError::Unavailable { .. })));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

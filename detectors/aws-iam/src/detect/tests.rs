//! The credential-lifecycle detectors against a fixed clock, and the
//! thresholds that tune them.

use jiff::Timestamp;

use super::*;
use crate::{AccessKey, RootUser, ServerCertificate};

fn at(text: &str) -> Timestamp {
    text.parse().expect("a timestamp")
}

fn key(id: &str, active: bool, created: &str, last_used: Option<&str>) -> AccessKey {
    AccessKey {
        id: Some(id.into()),
        active,
        created_at: Some(at(created)),
        last_used_at: last_used.map(at),
        ..AccessKey::default()
    }
}

fn user(name: &str, keys: Vec<AccessKey>) -> User {
    User {
        name: name.into(),
        arn: format!("arn:aws:iam::111122223333:user/{name}"),
        path: "/".into(),
        created_at: Some(at("2024-01-01T00:00:00Z")),
        password_enabled: Some(false),
        access_keys: keys,
        ..User::default()
    }
}

fn rules_on(assessment: &Assessment, name: &str) -> Vec<String> {
    let mut rules: Vec<String> = assessment
        .findings
        .iter()
        .filter(|f| matches!(&f.location, Location::Resource { resource, .. } if resource.ends_with(&format!("/{name}")) || resource.ends_with(&format!(":{name}"))))
        .map(|f| f.rule_id.clone())
        .collect();
    rules.sort();
    rules
}

fn account(users: Vec<User>) -> Account {
    Account {
        id: "111122223333".into(),
        partition: "aws".into(),
        users,
        ..Account::default()
    }
}

const NOW: &str = "2026-11-20T00:00:00Z";

#[test]
fn key_age_use_and_grace() {
    let estate = account(vec![
        user(
            "fresh-bot",
            vec![key("AKIAFRESH", true, "2026-11-17T00:00:00Z", None)],
        ),
        user(
            "idle-bot",
            vec![key("AKIAIDLE", true, "2026-10-01T00:00:00Z", None)],
        ),
        user(
            "old-bot",
            vec![key(
                "AKIAOLD",
                true,
                "2025-01-01T00:00:00Z",
                Some("2026-11-19T00:00:00Z"),
            )],
        ),
        user(
            "quiet-bot",
            vec![key(
                "AKIAQUIET",
                true,
                "2026-09-01T00:00:00Z",
                Some("2026-09-20T00:00:00Z"),
            )],
        ),
        user(
            "spare-bot",
            vec![
                key(
                    "AKIASPARE1",
                    true,
                    "2026-11-01T00:00:00Z",
                    Some("2026-11-19T00:00:00Z"),
                ),
                key("AKIASPARE2", false, "2026-06-01T00:00:00Z", None),
            ],
        ),
    ]);
    let assessment = assess(&estate, &Settings::new(at(NOW)));
    let candidate = "aws-long-lived-key-federation-candidate".to_string();
    // Three days old and unused: inside the grace period.
    assert_eq!(
        rules_on(&assessment, "fresh-bot"),
        std::slice::from_ref(&candidate)
    );
    assert_eq!(
        rules_on(&assessment, "idle-bot"),
        ["aws-access-key-unused".to_string(), candidate.clone()]
    );
    assert_eq!(
        rules_on(&assessment, "old-bot"),
        ["aws-access-key-unrotated".to_string(), candidate.clone()]
    );
    assert_eq!(
        rules_on(&assessment, "quiet-bot"),
        ["aws-access-key-unused".to_string(), candidate.clone()]
    );
    assert_eq!(
        rules_on(&assessment, "spare-bot"),
        ["aws-access-key-inactive".to_string(), candidate]
    );
    let unused = assessment
        .findings
        .iter()
        .find(|f| f.rule_id == "aws-access-key-unused" && f.title.contains("idle-bot"))
        .expect("found");
    assert_eq!(
        unused.message,
        "The active access key AKIAIDLE of user idle-bot has never been used since it was created on 2026-10-01 (50 days ago)."
    );
}

#[test]
fn thresholds_are_configurable() {
    let estate = account(vec![user(
        "old-bot",
        vec![key(
            "AKIAOLD",
            true,
            "2026-07-01T00:00:00Z",
            Some("2026-11-19T00:00:00Z"),
        )],
    )]);
    let strict = assess(&estate, &Settings::new(at(NOW)));
    assert!(rules_on(&strict, "old-bot").contains(&"aws-access-key-unrotated".to_string()));
    let lenient = assess(
        &estate,
        &Settings {
            max_key_age_days: 365,
            ..Settings::new(at(NOW))
        },
    );
    assert!(!rules_on(&lenient, "old-bot").contains(&"aws-access-key-unrotated".to_string()));
}

#[test]
fn an_orphaned_user_is_one_finding_not_one_per_key() {
    let estate = account(vec![
        user(
            "ghost",
            vec![key(
                "AKIAGHOST1",
                true,
                "2024-02-01T00:00:00Z",
                Some("2025-01-01T00:00:00Z"),
            )],
        ),
        user(
            "alive",
            vec![key(
                "AKIAALIVE",
                true,
                "2026-10-01T00:00:00Z",
                Some("2026-11-19T00:00:00Z"),
            )],
        ),
    ]);
    let assessment = assess(&estate, &Settings::new(at(NOW)));
    let ghost = rules_on(&assessment, "ghost");
    assert!(ghost.contains(&"aws-user-orphaned".to_string()));
    assert!(
        !ghost.contains(&"aws-access-key-unused".to_string()),
        "the orphan finding covers its idle key"
    );
    assert!(!rules_on(&assessment, "alive").contains(&"aws-user-orphaned".to_string()));
}

#[test]
fn root_keys_and_expired_certificates() {
    let mut estate = account(Vec::new());
    estate.root = Some(RootUser {
        access_keys_present: Some(1),
        ..RootUser::default()
    });
    estate.server_certificates = vec![
        ServerCertificate {
            name: "old".into(),
            arn: "arn:aws:iam::111122223333:server-certificate/old".into(),
            expires_at: Some(at("2026-10-01T00:00:00Z")),
            ..ServerCertificate::default()
        },
        ServerCertificate {
            name: "current".into(),
            arn: "arn:aws:iam::111122223333:server-certificate/current".into(),
            expires_at: Some(at("2027-10-01T00:00:00Z")),
            ..ServerCertificate::default()
        },
    ];
    let assessment = assess(&estate, &Settings::new(at(NOW)));
    assert_eq!(rules_on(&assessment, "root"), ["aws-root-access-key"]);
    assert_eq!(
        rules_on(&assessment, "old"),
        ["aws-server-certificate-expired"]
    );
    assert!(rules_on(&assessment, "current").is_empty());
    let root = assessment
        .findings
        .iter()
        .find(|f| f.rule_id == "aws-root-access-key")
        .expect("found");
    assert_eq!(root.severity, Severity::Critical);
}

#[test]
fn humans_are_not_federation_candidates_and_every_detector_has_remediation() {
    let mut person = user(
        "jane.doe",
        vec![key(
            "AKIAJANE",
            true,
            "2026-11-01T00:00:00Z",
            Some("2026-11-19T00:00:00Z"),
        )],
    );
    person.password_enabled = Some(true);
    person.mfa_active = Some(true);
    let assessment = assess(&account(vec![person]), &Settings::new(at(NOW)));
    assert!(assessment.federation_candidates.is_empty());
    for detector in DETECTORS {
        assert!(
            !detector.remediation.is_empty() && !detector.description.is_empty(),
            "{}",
            detector.id
        );
    }
    let ids: std::collections::BTreeSet<&str> = DETECTORS.iter().map(|d| d.id).collect();
    assert_eq!(ids.len(), DETECTORS.len(), "ids are unique");
}

//! Machine or human: an IAM user is classified from the signals a reviewer
//! would use — console password, MFA, its name and path, its tags, its keys —
//! and the classification keeps its reasons.

use crate::{Role, User};

/// What kind of principal an identity most likely is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nature {
    /// A workload, pipeline or integration.
    Machine,
    /// A person.
    Human,
    /// No signal either way.
    Unknown,
}

impl Nature {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Nature::Machine => "machine",
            Nature::Human => "human",
            Nature::Unknown => "unknown",
        }
    }
}

/// A classification and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    /// The verdict.
    pub nature: Nature,
    /// The signals, as "name matches `deploy`; no console password; ...".
    pub reason: String,
}

/// Name fragments that mark an automation account.
const MACHINE_WORDS: &[&str] = &[
    "svc",
    "service",
    "bot",
    "ci",
    "cd",
    "deploy",
    "deployer",
    "automation",
    "terraform",
    "tf",
    "jenkins",
    "github",
    "gitlab",
    "circleci",
    "pipeline",
    "batch",
    "etl",
    "backup",
    "sync",
    "integration",
    "system",
    "robot",
    "agent",
    "app",
    "api",
    "k8s",
    "lambda",
    "job",
    "cron",
    "worker",
    "sa",
    "monitor",
    "datadog",
    "splunk",
    "ansible",
    "packer",
    "legacy",
    "s3",
    "ses",
    "smtp",
    "sftp",
    "upload",
    "ingest",
    "exporter",
];

/// Tag values that declare what a principal is.
const MACHINE_TAG_VALUES: &[&str] = &[
    "service",
    "machine",
    "automation",
    "bot",
    "application",
    "workload",
    "system",
];
const HUMAN_TAG_VALUES: &[&str] = &["human", "person", "employee", "user", "contractor"];
const KIND_TAG_KEYS: &[&str] = &[
    "type",
    "kind",
    "usage",
    "principal-type",
    "account-type",
    "identity-type",
];

fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Classifies an IAM user.
pub fn classify_user(user: &User) -> Classification {
    let mut machine = 0i32;
    let mut human = 0i32;
    let mut reasons = Vec::new();
    for (key, value) in &user.tags {
        if KIND_TAG_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
            let value = value.to_ascii_lowercase();
            if MACHINE_TAG_VALUES.contains(&value.as_str()) {
                machine += 4;
                reasons.push(format!("tag {key}={value}"));
            } else if HUMAN_TAG_VALUES.contains(&value.as_str()) {
                human += 4;
                reasons.push(format!("tag {key}={value}"));
            }
        }
    }
    if let Some(word) = words(&user.name)
        .into_iter()
        .find(|w| MACHINE_WORDS.contains(&w.as_str()))
    {
        machine += 2;
        reasons.push(format!("name contains `{word}`"));
    }
    if user.name.contains('@') || looks_like_person(&user.name) {
        human += 2;
        reasons.push("name looks like a person's".to_string());
    }
    let path = user.path.to_ascii_lowercase();
    if ["/service", "/system", "/automation", "/bot", "/app"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        machine += 2;
        reasons.push(format!("path {}", user.path));
    }
    match user.password_enabled {
        Some(true) => {
            human += 2;
            reasons.push("console password".to_string());
        }
        Some(false) => {
            machine += 1;
            reasons.push("no console password".to_string());
        }
        None => {}
    }
    if user.mfa_active == Some(true) {
        human += 1;
        reasons.push("MFA device".to_string());
    }
    if user.access_keys.iter().any(|k| k.active) && user.password_enabled != Some(true) {
        machine += 1;
        reasons.push("active access key".to_string());
    }
    let nature = if machine > human {
        Nature::Machine
    } else if human > machine {
        Nature::Human
    } else {
        Nature::Unknown
    };
    let reason = if reasons.is_empty() {
        "no signal".to_string()
    } else {
        reasons.join("; ")
    };
    Classification { nature, reason }
}

/// `first.last` or `flast`-style names with a dot between two words of letters.
fn looks_like_person(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() == 2
        && parts
            .iter()
            .all(|p| p.len() > 1 && p.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Classifies a role: roles are workloads' unless people sign in through
/// them (IAM Identity Center's `AWSReservedSSO_` roles, SAML-federated roles).
pub fn classify_role(role: &Role) -> Classification {
    if role.name.starts_with("AWSReservedSSO_") {
        return Classification {
            nature: Nature::Human,
            reason: "IAM Identity Center permission set role".into(),
        };
    }
    let saml_only = role.trust_policy.as_ref().is_some_and(|trust| {
        let mut any = false;
        let all_saml = trust
            .statements
            .iter()
            .filter_map(|s| s.principals.as_ref())
            .all(|p| {
                any = true;
                !p.federated.is_empty()
                    && p.federated.iter().all(|f| f.contains(":saml-provider/"))
                    && p.aws.is_empty()
                    && p.services.is_empty()
            });
        any && all_saml
    });
    if saml_only {
        return Classification {
            nature: Nature::Human,
            reason: "trusted only by a SAML identity provider".into(),
        };
    }
    Classification {
        nature: Nature::Machine,
        reason: "a role assumed by workloads, services or other principals".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccessKey;

    #[test]
    fn signals_decide_and_are_kept() {
        let bot = User {
            name: "ci-deploy".into(),
            path: "/service/".into(),
            password_enabled: Some(false),
            access_keys: vec![AccessKey {
                active: true,
                ..AccessKey::default()
            }],
            ..User::default()
        };
        let verdict = classify_user(&bot);
        assert_eq!(verdict.nature, Nature::Machine);
        assert_eq!(
            verdict.reason,
            "name contains `ci`; path /service/; no console password; active access key"
        );
        let person = User {
            name: "jane.doe".into(),
            path: "/".into(),
            password_enabled: Some(true),
            mfa_active: Some(true),
            ..User::default()
        };
        assert_eq!(classify_user(&person).nature, Nature::Human);
        let tagged = User {
            name: "jane.doe".into(),
            tags: [("type".to_string(), "service".to_string())].into(),
            ..User::default()
        };
        assert_eq!(classify_user(&tagged).nature, Nature::Machine);
        assert_eq!(
            classify_user(&User {
                name: "obama".into(),
                ..User::default()
            })
            .nature,
            Nature::Unknown
        );
    }
}

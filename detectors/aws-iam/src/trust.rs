//! Trust policies: who may assume a role, and which trusts are dangerous —
//! anyone, foreign accounts without an external id, services without a
//! source condition (confused deputy), and OIDC issuers (GitHub Actions
//! above all) without a subject condition or with a wildcard one.

use crate::principal::Principal;
use crate::{
    ConditionResult, Context, Effect, PolicyDocument, Request, Statement, action_matches, glob,
    statement_conditions,
};

/// Whether a trust policy admits a principal, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    /// It names the principal (or anyone): no identity policy is needed.
    Named(String),
    /// It names the principal's account: the principal's own policies must
    /// also allow `sts:AssumeRole`.
    ViaAccount(String),
    /// It does not admit the principal.
    No,
}

fn assumes(statement: &Statement, action: &str) -> bool {
    match &statement.actions {
        crate::PatternList::Only(patterns) => patterns.iter().any(|p| action_matches(p, action)),
        crate::PatternList::AllBut(patterns) => !patterns.iter().any(|p| action_matches(p, action)),
    }
}

/// Whether `trust` admits `principal` (same account) for `sts:AssumeRole`.
pub fn admits_principal(
    trust: &PolicyDocument,
    principal: &Principal<'_>,
    context: &Context,
) -> Admission {
    let account = principal.account_id();
    let root = format!("arn:aws:iam::{account}:root");
    let request = Request {
        action: "sts:AssumeRole",
        resource: "*",
        context,
    };
    let mut admission = Admission::No;
    for (index, statement) in trust.statements.iter().enumerate() {
        let Some(principals) = &statement.principals else {
            continue;
        };
        if !assumes(statement, "sts:AssumeRole") || principals.negated {
            continue;
        }
        let named = principals.anyone
            || principals
                .aws
                .iter()
                .any(|p| p == principal.arn || glob(p, principal.arn, false) && p.contains('*'));
        let via_account = principals.aws.iter().any(|p| p == &root || p == account);
        if !named && !via_account {
            continue;
        }
        match (statement.effect, statement_conditions(statement, &request)) {
            (Effect::Deny, ConditionResult::Holds(_)) if named || via_account => {
                return Admission::No;
            }
            (Effect::Allow, ConditionResult::Holds(notes)) => {
                let mut reason = statement.label(index);
                if !notes.is_empty() {
                    reason = format!("{reason}; {}", notes.join("; "));
                }
                if named {
                    admission = Admission::Named(reason);
                } else if admission == Admission::No {
                    admission = Admission::ViaAccount(reason);
                }
            }
            _ => {}
        }
    }
    admission
}

/// Whether `trust` lets `service` assume the role.
pub fn trusts_service(trust: &PolicyDocument, service: &str) -> bool {
    trust.statements.iter().any(|statement| {
        statement.effect == Effect::Allow
            && assumes(statement, "sts:AssumeRole")
            && statement
                .principals
                .as_ref()
                .is_some_and(|p| !p.negated && (p.services.iter().any(|s| s == service)))
    })
}

/// Condition keys that tie an `anyone` or foreign-account trust to a known
/// party.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "sts:externalid",
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:userid",
    "aws:username",
];

/// Services whose roles are only ever used through `iam:PassRole` in the
/// same account (instance profiles, execution roles): the confused-deputy
/// problem does not arise, so they are not flagged.
const PASSED_ROLE_SERVICES: &[&str] = &[
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "edgelambda.amazonaws.com",
    "eks.amazonaws.com",
    "eks-fargate-pods.amazonaws.com",
    "pods.eks.amazonaws.com",
];

/// Public OIDC issuers anyone can get a token from.
const PUBLIC_ISSUERS: &[&str] = &[
    "token.actions.githubusercontent.com",
    "gitlab.com",
    "app.terraform.io",
    "oidc.circleci.com",
    "accounts.google.com",
    "cognito-identity.amazonaws.com",
];

/// A dangerous trust, found in one statement of a role's trust policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustIssue {
    /// The detector id.
    pub rule_id: &'static str,
    /// What is wrong, in a sentence naming the principal.
    pub message: String,
    /// The statement (label) it was found in.
    pub statement: String,
    /// How bad: `critical`, `high`, `medium`, `low`.
    pub severity: nhiscope_model::Severity,
    /// The trusted party (account, service, issuer, `*`).
    pub trusted: String,
}

/// Checks one trust policy. `own_account` is the role's account;
/// `trusted_accounts` the accounts the user declared as trusted.
pub fn trust_issues(
    trust: &PolicyDocument,
    own_account: &str,
    trusted_accounts: &[String],
    service_linked: bool,
) -> Vec<TrustIssue> {
    use nhiscope_model::Severity;
    let mut issues = Vec::new();
    for (index, statement) in trust.statements.iter().enumerate() {
        if statement.effect != Effect::Allow {
            continue;
        }
        let Some(principals) = &statement.principals else {
            continue;
        };
        let label = statement.label(index);
        let keys: Vec<String> = statement
            .conditions
            .iter()
            .map(|c| c.key.to_ascii_lowercase())
            .collect();
        let restricted = keys
            .iter()
            .any(|key| RESTRICTING_KEYS.contains(&key.as_str()));
        if principals.anyone && !restricted {
            issues.push(TrustIssue {
                rule_id: "aws-iam-role-trusts-anyone",
                message: "trusts any AWS principal (`*`) without a condition that restricts who (aws:PrincipalOrgID, aws:PrincipalAccount, sts:ExternalId, ...): any AWS account in the world can assume it".into(),
                statement: label.clone(),
                severity: Severity::Critical,
                trusted: "*".into(),
            });
        }
        let has_external_id = keys.iter().any(|key| key == "sts:externalid");
        for aws in &principals.aws {
            let account = aws_account(aws);
            if account.is_empty()
                || account == own_account
                || trusted_accounts.iter().any(|t| t == account)
            {
                continue;
            }
            if !has_external_id {
                issues.push(TrustIssue {
                    rule_id: "aws-iam-cross-account-trust-without-external-id",
                    message: format!("trusts account {account} ({aws}), which is not in the trusted account list, without an sts:ExternalId condition"),
                    statement: label.clone(),
                    severity: Severity::High,
                    trusted: aws.clone(),
                });
            }
        }
        if !service_linked {
            let source_bound = keys.iter().any(|key| {
                matches!(
                    key.as_str(),
                    "aws:sourcearn"
                        | "aws:sourceaccount"
                        | "aws:sourceorgid"
                        | "aws:sourceorgpaths"
                )
            });
            for service in &principals.services {
                if source_bound || PASSED_ROLE_SERVICES.contains(&service.as_str()) {
                    continue;
                }
                issues.push(TrustIssue {
                    rule_id: "aws-iam-service-trust-confused-deputy",
                    message: format!("trusts the service {service} without an aws:SourceArn or aws:SourceAccount condition: the service could be made to use this role on another account's behalf (confused deputy)"),
                    statement: label.clone(),
                    severity: Severity::Low,
                    trusted: service.clone(),
                });
            }
        }
        for federated in &principals.federated {
            let Some(issuer) = federated
                .split_once(":oidc-provider/")
                .map(|(_, issuer)| issuer)
            else {
                continue;
            };
            if !assumes(statement, "sts:AssumeRoleWithWebIdentity") {
                continue;
            }
            if let Some(issue) = oidc_subject_issue(statement, issuer) {
                issues.push(TrustIssue {
                    statement: label.clone(),
                    trusted: federated.clone(),
                    ..issue
                });
            }
        }
    }
    issues
}

/// The account id in an AWS principal (an ARN or a bare account id).
fn aws_account(principal: &str) -> &str {
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return principal;
    }
    principal.split(':').nth(4).unwrap_or("")
}

/// The subject check for an OIDC trust: none, or one that any token passes.
fn oidc_subject_issue(statement: &Statement, issuer: &str) -> Option<TrustIssue> {
    use nhiscope_model::Severity;
    let sub_key = format!("{}:sub", issuer.to_ascii_lowercase());
    let github = issuer == "token.actions.githubusercontent.com";
    let public = PUBLIC_ISSUERS.contains(&issuer);
    let subjects: Vec<&str> = statement
        .conditions
        .iter()
        .filter(|c| c.key.to_ascii_lowercase() == sub_key && !c.base_operator().contains("Not"))
        .flat_map(|c| c.values.iter().map(String::as_str))
        .collect();
    let whose = if github {
        "any GitHub repository's workflow"
    } else {
        "any identity the issuer signs tokens for"
    };
    if subjects.is_empty() {
        return Some(TrustIssue {
            rule_id: "aws-iam-oidc-trust-without-subject",
            message: format!(
                "trusts the OIDC issuer {issuer} with no condition on `{issuer}:sub`: {whose} can assume it"
            ),
            statement: String::new(),
            severity: if public {
                Severity::Critical
            } else {
                Severity::High
            },
            trusted: String::new(),
        });
    }
    // The subjects that admit anyone: `*`, or for GitHub a wildcard owner.
    let open: Vec<&str> = subjects
        .iter()
        .copied()
        .filter(|subject| {
            if github {
                let owner = subject
                    .strip_prefix("repo:")
                    .map_or(*subject, |rest| rest.split('/').next().unwrap_or(rest));
                subject.starts_with('*') || owner.contains('*') || owner.contains('?')
            } else {
                subject.trim_matches('*').is_empty()
            }
        })
        .collect();
    if !open.is_empty() {
        return Some(TrustIssue {
            rule_id: "aws-iam-oidc-trust-wildcard-subject",
            message: format!(
                "trusts the OIDC issuer {issuer} for the subject {}: {whose} can assume it",
                open.join(", ")
            ),
            statement: String::new(),
            severity: if public {
                Severity::Critical
            } else {
                Severity::High
            },
            trusted: String::new(),
        });
    }
    let broad: Vec<&str> = subjects
        .iter()
        .copied()
        .filter(|s| s.contains('*') || s.contains('?'))
        .collect();
    (github && !broad.is_empty()).then(|| TrustIssue {
        rule_id: "aws-iam-oidc-trust-wildcard-subject",
        message: format!(
            "trusts the OIDC issuer {issuer} for the subject {}: every repository, branch or environment it matches can assume it; name the exact repository and ref",
            broad.join(", ")
        ),
        statement: String::new(),
        severity: Severity::Medium,
        trusted: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn issues(trust: serde_json::Value) -> Vec<TrustIssue> {
        let document = PolicyDocument::from_value(&trust).expect("valid");
        trust_issues(
            &document,
            "111122223333",
            &["444455556666".to_string()],
            false,
        )
    }

    fn github(condition: serde_json::Value) -> serde_json::Value {
        json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
            "Condition": condition}]})
    }

    #[test]
    fn github_oidc_without_or_with_a_wildcard_subject() {
        let none = issues(github(
            json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}),
        ));
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].rule_id, "aws-iam-oidc-trust-without-subject");
        assert_eq!(none[0].severity, nhiscope_model::Severity::Critical);
        let any_repo = issues(github(
            json!({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}),
        ));
        assert_eq!(any_repo[0].rule_id, "aws-iam-oidc-trust-wildcard-subject");
        assert_eq!(any_repo[0].severity, nhiscope_model::Severity::Critical);
        let any_branch = issues(github(
            json!({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}),
        ));
        assert_eq!(any_branch[0].severity, nhiscope_model::Severity::Medium);
        let exact = issues(github(
            json!({"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}),
        ));
        assert!(exact.is_empty(), "{exact:?}");
        // A negated subject test restricts nothing.
        let negated = issues(github(
            json!({"StringNotEquals": {"token.actions.githubusercontent.com:sub": "repo:evil/x:ref:refs/heads/main"}}),
        ));
        assert_eq!(negated[0].rule_id, "aws-iam-oidc-trust-without-subject");
    }

    #[test]
    fn anyone_foreign_accounts_and_services() {
        let anyone = issues(
            json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}),
        );
        assert_eq!(anyone[0].rule_id, "aws-iam-role-trusts-anyone");
        let org_bound = issues(
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}}]}),
        );
        assert!(org_bound.is_empty());
        let foreign = issues(
            json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::999988887777:root", "444455556666", "arn:aws:iam::111122223333:root"]}, "Action": "sts:AssumeRole"}]}),
        );
        assert_eq!(foreign.len(), 1, "{foreign:?}");
        assert!(foreign[0].message.contains("999988887777"));
        let with_id = issues(
            json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}]}),
        );
        assert!(with_id.is_empty());
        let config = issues(
            json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": ["config.amazonaws.com", "lambda.amazonaws.com"]}, "Action": "sts:AssumeRole"}]}),
        );
        assert_eq!(config.len(), 1);
        assert_eq!(config[0].trusted, "config.amazonaws.com");
    }
}

//! The AWS detectors: one account in, findings out. Credential lifecycle
//! (age, use, orphans, root keys, certificates), privileges (admin machine
//! identities, escalation paths and chains, each with the evaluator's
//! reasoning) and trust policies. Ids are stable; thresholds come from
//! [`Settings`].

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use nhiscope_model::{
    Detector, Finding, FindingFingerprint, IdentityType, Location, NodeId, Severity,
};

use crate::classify::{Classification, Nature, classify_role, classify_user};
use crate::ids;
use crate::privilege::{AdminKind, PrivilegeReport, analyse};
use crate::trust::trust_issues;
use crate::{AccessKey, Account, User};

/// Thresholds and context of the detectors.
#[derive(Clone, Debug)]
pub struct Settings {
    /// "Now", for ages (`--as-of` makes reports reproducible).
    pub as_of: Timestamp,
    /// An active access key older than this many days is unrotated.
    pub max_key_age_days: i64,
    /// An active key unused for this many days is unused.
    pub unused_key_days: i64,
    /// A key younger than this many days is not yet "never used".
    pub new_key_grace_days: i64,
    /// A user with credentials and no activity for this many days is orphaned.
    pub inactive_user_days: i64,
    /// Accounts whose trust is expected (no cross-account finding).
    pub trusted_accounts: Vec<String>,
    /// The export file the account was read from, for finding locations.
    pub export_file: Option<String>,
}

impl Settings {
    /// The documented defaults (CIS AWS Foundations: 90-day rotation, 45 days unused).
    pub fn new(as_of: Timestamp) -> Self {
        Self {
            as_of,
            max_key_age_days: 90,
            unused_key_days: 45,
            new_key_grace_days: 7,
            inactive_user_days: 90,
            trusted_accounts: Vec::new(),
            export_file: None,
        }
    }
}

/// Everything the detectors concluded about one account.
#[derive(Clone, Debug, Default)]
pub struct Assessment {
    /// The findings.
    pub findings: Vec<Finding>,
    /// Each user's and role's classification, by ARN.
    pub classifications: BTreeMap<String, Classification>,
    /// The privilege analysis under the privilege findings.
    pub privileges: PrivilegeReport,
    /// Users whose long-lived keys could be replaced by federation.
    pub federation_candidates: BTreeSet<String>,
}

const fn detector(
    id: &'static str,
    severity: Severity,
    description: &'static str,
    remediation: &'static str,
) -> Detector {
    Detector::new(id, severity, description, remediation)
}

/// Every AWS detector.
pub static DETECTORS: &[Detector] = &[
    detector(
        "aws-access-key-unrotated",
        Severity::Medium,
        "An active access key older than the rotation limit (90 days)",
        "Create a new key, move every consumer to it, deactivate the old key, watch for errors, then delete it. Better: replace the key with a role (see aws-long-lived-key-federation-candidate).",
    ),
    detector(
        "aws-access-key-unused",
        Severity::Medium,
        "An active access key unused for 45 days or never used",
        "Deactivate the key now and delete it after a grace period; nothing uses it, so nothing breaks.",
    ),
    detector(
        "aws-user-multiple-active-keys",
        Severity::Low,
        "A user with two active access keys",
        "Keep one active key per user; a second key is only for the hours of a rotation. Deactivate and delete the older key.",
    ),
    detector(
        "aws-access-key-inactive",
        Severity::Low,
        "An inactive access key that was never deleted",
        "Delete inactive keys: they can be reactivated by anyone with iam:UpdateAccessKey.",
    ),
    detector(
        "aws-user-orphaned",
        Severity::High,
        "A user with active credentials and no activity for 90 days",
        "Find the owner; if nobody claims the user, deactivate its keys and password, then delete the user.",
    ),
    detector(
        "aws-root-access-key",
        Severity::Critical,
        "The root user has an access key",
        "Delete the root user's access keys; use roles for automation and keep root for the few tasks that need it, with MFA.",
    ),
    detector(
        "aws-server-certificate-expired",
        Severity::Medium,
        "An expired server certificate stored in IAM",
        "Delete expired certificates (aws iam delete-server-certificate); use ACM, which renews certificates.",
    ),
    detector(
        "aws-long-lived-key-federation-candidate",
        Severity::Medium,
        "A machine user authenticating with a long-lived access key",
        "Replace the key with short-lived credentials: an IAM role assumed through OIDC federation (GitHub Actions, GitLab, EKS IRSA/Pod Identity), an instance profile, or IAM Roles Anywhere; then delete the user.",
    ),
    detector(
        "aws-iam-admin-machine-identity",
        Severity::Critical,
        "A machine identity with admin-equivalent permissions (*:*, AdministratorAccess, iam:*)",
        "Replace admin policies with least-privilege ones (IAM Access Analyzer can generate them from CloudTrail); a workload never needs iam:* or *:*.",
    ),
    detector(
        "aws-iam-privilege-escalation",
        Severity::High,
        "A principal whose permissions let it gain more (CreatePolicyVersion, PassRole with a service, CreateAccessKey on others, ...)",
        "Remove the action from the policy, or restrict its Resource to targets that are no more privileged than the principal, or add a condition that blocks it (e.g. iam:PassedToService, iam:PermissionsBoundary).",
    ),
    detector(
        "aws-iam-privilege-escalation-chain",
        Severity::High,
        "A principal that can assume a role that is admin or can escalate",
        "Break the chain: tighten the trust policy of the role, or the principal's sts:AssumeRole permission, or the role's own permissions.",
    ),
    detector(
        "aws-iam-role-trusts-anyone",
        Severity::Critical,
        "A role whose trust policy admits any AWS principal",
        "Name the principals allowed to assume the role, or add aws:PrincipalOrgID / aws:PrincipalAccount / sts:ExternalId conditions.",
    ),
    detector(
        "aws-iam-cross-account-trust-without-external-id",
        Severity::High,
        "A role trusted by an account outside the trusted list, without sts:ExternalId",
        "Add an sts:ExternalId condition agreed with the third party, or add the account to the trusted list if it is yours.",
    ),
    detector(
        "aws-iam-service-trust-confused-deputy",
        Severity::Low,
        "A role trusting an AWS service without aws:SourceArn or aws:SourceAccount",
        "Add aws:SourceAccount (and aws:SourceArn where the service supports it) conditions to the trust policy.",
    ),
    detector(
        "aws-iam-oidc-trust-without-subject",
        Severity::Critical,
        "A role trusting an OIDC issuer (GitHub Actions, ...) without a sub condition",
        "Add a StringEquals condition on <issuer>:sub naming the exact repository and ref or environment (repo:ORG/REPO:ref:refs/heads/main).",
    ),
    detector(
        "aws-iam-oidc-trust-wildcard-subject",
        Severity::Critical,
        "A role trusting an OIDC issuer with a wildcard sub condition",
        "Replace the wildcard with the exact subjects (repo:ORG/REPO:environment:prod); never a wildcard owner.",
    ),
];

fn remediation(id: &str) -> String {
    DETECTORS
        .iter()
        .find(|d| d.id == id)
        .map_or_else(String::new, |d| d.remediation.to_string())
}

fn days(from: Timestamp, to: Timestamp) -> i64 {
    to.duration_since(from).as_secs() / 86_400
}

fn date(timestamp: Timestamp) -> String {
    timestamp.strftime("%Y-%m-%d").to_string()
}

struct Builder<'a> {
    account: &'a Account,
    settings: &'a Settings,
    findings: Vec<Finding>,
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule_id: &str,
        severity: Severity,
        title: String,
        message: String,
        resource: &str,
        nodes: Vec<NodeId>,
        identity: &[&str],
    ) {
        let mut parts = vec![resource];
        parts.extend_from_slice(identity);
        self.findings.push(Finding {
            fingerprint: FindingFingerprint::derive(rule_id, &parts),
            rule_id: rule_id.to_string(),
            severity,
            title,
            message,
            nodes,
            location: Location::Resource {
                provider: ids::PROVIDER.to_string(),
                scope: Some(self.account.id.clone()),
                resource: resource.to_string(),
                export_file: self.settings.export_file.clone(),
            },
            remediation: remediation(rule_id),
            evidence: None,
            tags: vec!["aws".to_string(), "iam".to_string()],
            provenance: None,
            risk: None,
        });
    }
}

/// Runs every detector on `account`.
pub fn assess(account: &Account, settings: &Settings) -> Assessment {
    let mut builder = Builder {
        account,
        settings,
        findings: Vec::new(),
    };
    let mut classifications = BTreeMap::new();
    for user in &account.users {
        classifications.insert(user.arn.clone(), classify_user(user));
    }
    for role in &account.roles {
        classifications.insert(role.arn.clone(), classify_role(role));
    }
    let mut federation_candidates = BTreeSet::new();
    for user in &account.users {
        let nature = classifications[&user.arn].nature;
        if credential_findings(&mut builder, user, nature) {
            federation_candidates.insert(user.arn.clone());
        }
    }
    root_findings(&mut builder);
    for certificate in &account.server_certificates {
        if let Some(expires) = certificate.expires_at.filter(|e| *e < settings.as_of) {
            builder.push(
                "aws-server-certificate-expired",
                Severity::Medium,
                format!("Server certificate {} expired", certificate.name),
                format!(
                    "The server certificate {} expired on {} and is still stored in IAM.",
                    certificate.name,
                    date(expires)
                ),
                &certificate.arn,
                vec![ids::server_certificate(&certificate.arn)],
                &[],
            );
        }
    }
    let privileges = analyse(account);
    privilege_findings(&mut builder, &privileges, &classifications);
    for role in &account.roles {
        let Some(trust) = &role.trust_policy else {
            continue;
        };
        for issue in trust_issues(
            trust,
            &account.id,
            &settings.trusted_accounts,
            role.is_service_linked(),
        ) {
            let message = format!(
                "The role {} {} ({} of its trust policy).",
                role.name, issue.message, issue.statement
            );
            let title = match issue.rule_id {
                "aws-iam-role-trusts-anyone" => {
                    format!("Role {} can be assumed by anyone", role.name)
                }
                "aws-iam-cross-account-trust-without-external-id" => format!(
                    "Role {} trusts a foreign account without an external id",
                    role.name
                ),
                "aws-iam-service-trust-confused-deputy" => format!(
                    "Role {} trusts {} without a source condition",
                    role.name, issue.trusted
                ),
                _ => format!("Role {} trusts an OIDC issuer too broadly", role.name),
            };
            builder.push(
                issue.rule_id,
                issue.severity,
                title,
                message,
                &role.arn,
                vec![
                    ids::identity(IdentityType::IamRole, &role.arn),
                    ids::federated(&issue.trusted),
                ],
                &[&issue.trusted],
            );
        }
    }
    let mut findings = builder.findings;
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    Assessment {
        findings,
        classifications,
        privileges,
        federation_candidates,
    }
}

/// The lifecycle findings of one user's credentials; returns whether the
/// user is a federation candidate.
fn credential_findings(builder: &mut Builder<'_>, user: &User, nature: Nature) -> bool {
    let settings = builder.settings;
    let now = settings.as_of;
    let user_node = ids::identity(IdentityType::IamUser, &user.arn);
    let active: Vec<&AccessKey> = user.access_keys.iter().filter(|k| k.active).collect();

    // Orphaned: credentials, and no sign of life for the whole window.
    let last_activity = user
        .access_keys
        .iter()
        .filter_map(|k| k.last_used_at)
        .chain(user.password_last_used)
        .max();
    let has_credentials = !active.is_empty() || user.password_enabled == Some(true);
    // Idle since the last sign of life: its last use, or the creation of its
    // newest credential (a new key has had no chance to be used), or the
    // user's creation.
    let newest_key = active.iter().filter_map(|k| k.created_at).max();
    let idle_since = [last_activity, newest_key, user.created_at]
        .into_iter()
        .flatten()
        .max();
    let orphaned = has_credentials
        && idle_since.is_some_and(|since| days(since, now) >= settings.inactive_user_days);
    if orphaned {
        let since = idle_since.map(date).unwrap_or_default();
        let activity = match last_activity {
            Some(last) => format!("was last active on {}", date(last)),
            None => format!("has never been used (its newest credential dates from {since})"),
        };
        builder.push(
            "aws-user-orphaned",
            Severity::High,
            format!("User {} looks orphaned", user.name),
            format!(
                "The user {} {activity} ({} days before {}) yet still has {} active credential(s).",
                user.name,
                idle_since.map_or(0, |s| days(s, now)),
                date(now),
                active.len() + usize::from(user.password_enabled == Some(true))
            ),
            &user.arn,
            std::iter::once(user_node.clone())
                .chain(active.iter().map(|k| ids::access_key(&user.arn, k)))
                .collect(),
            &[],
        );
    }

    for key in &user.access_keys {
        let key_node = ids::access_key(&user.arn, key);
        let label = key.label();
        let nodes = vec![key_node.clone(), user_node.clone()];
        if !key.active {
            builder.push(
                "aws-access-key-inactive",
                Severity::Low,
                format!("Inactive access key {label} of {} was never deleted", user.name),
                format!("The access key {label} of user {} is inactive but still exists; anyone allowed iam:UpdateAccessKey can revive it.", user.name),
                &user.arn,
                nodes,
                &[&label],
            );
            continue;
        }
        if let Some(created) = key.created_at {
            let age = days(created, now);
            if age > settings.max_key_age_days {
                builder.push(
                    "aws-access-key-unrotated",
                    Severity::Medium,
                    format!("Access key {label} of {} is {age} days old", user.name),
                    format!("The active access key {label} of user {} was created on {} ({age} days ago); the rotation limit is {} days.", user.name, date(created), settings.max_key_age_days),
                    &user.arn,
                    nodes.clone(),
                    &[&label],
                );
            }
            if !orphaned {
                let unused = match key.last_used_at {
                    Some(last) if days(last, now) >= settings.unused_key_days => Some(format!(
                        "has not been used since {} ({} days)",
                        date(last),
                        days(last, now)
                    )),
                    None if age >= settings.new_key_grace_days => Some(format!(
                        "has never been used since it was created on {} ({age} days ago)",
                        date(created)
                    )),
                    _ => None,
                };
                if let Some(unused) = unused {
                    builder.push(
                        "aws-access-key-unused",
                        Severity::Medium,
                        format!("Access key {label} of {} is unused", user.name),
                        format!(
                            "The active access key {label} of user {} {unused}.",
                            user.name
                        ),
                        &user.arn,
                        nodes.clone(),
                        &[&label],
                    );
                }
            }
        }
    }
    if active.len() > 1 {
        builder.push(
            "aws-user-multiple-active-keys",
            Severity::Low,
            format!("User {} has {} active access keys", user.name, active.len()),
            format!(
                "The user {} has {} active access keys ({}); one is the rule outside a rotation.",
                user.name,
                active.len(),
                active
                    .iter()
                    .map(|k| k.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            &user.arn,
            std::iter::once(user_node.clone())
                .chain(active.iter().map(|k| ids::access_key(&user.arn, k)))
                .collect(),
            &[],
        );
    }
    let candidate = !active.is_empty() && nature != Nature::Human;
    if candidate {
        builder.push(
            "aws-long-lived-key-federation-candidate",
            Severity::Medium,
            format!("Machine user {} uses long-lived access keys", user.name),
            format!(
                "The user {} ({} identity) authenticates with {} long-lived access key(s); a role with short-lived, federated credentials can replace it.",
                user.name,
                nature.as_str(),
                active.len()
            ),
            &user.arn,
            std::iter::once(user_node).chain(active.iter().map(|k| ids::access_key(&user.arn, k))).collect(),
            &[],
        );
    }
    candidate
}

fn root_findings(builder: &mut Builder<'_>) {
    let account = builder.account;
    let Some(root) = &account.root else { return };
    if !root.has_active_keys() {
        return;
    }
    let root_arn = account.root_arn();
    let keys: Vec<&AccessKey> = root.access_keys.iter().filter(|k| k.active).collect();
    let described = if keys.is_empty() {
        format!(
            "{} access key(s) (GetAccountSummary)",
            root.access_keys_present.unwrap_or(1)
        )
    } else {
        keys.iter()
            .map(|k| match k.created_at {
                Some(created) => format!("{} created {}", k.label(), date(created)),
                None => k.label(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    builder.push(
        "aws-root-access-key",
        Severity::Critical,
        format!("The root user of account {} has access keys", account.id),
        format!("The root user of account {} has active access keys: {described}. Root keys cannot be limited by any policy.", account.id),
        &root_arn,
        std::iter::once(ids::identity(IdentityType::IamUser, &root_arn))
            .chain(keys.iter().map(|k| ids::access_key(&root_arn, k)))
            .collect(),
        &[],
    );
}

fn node_of(account: &Account, arn: &str) -> NodeId {
    if account.roles.iter().any(|r| r.arn == arn) {
        ids::identity(IdentityType::IamRole, arn)
    } else {
        ids::identity(IdentityType::IamUser, arn)
    }
}

fn name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn privilege_findings(
    builder: &mut Builder<'_>,
    privileges: &PrivilegeReport,
    classifications: &BTreeMap<String, Classification>,
) {
    let account = builder.account;
    for (arn, grant) in &privileges.admins {
        let Some(classification) = classifications.get(arn) else {
            continue;
        };
        if classification.nature == Nature::Human {
            continue;
        }
        let user = account.users.iter().find(|u| &u.arn == arn);
        let has_keys = user.is_some_and(|u| u.access_keys.iter().any(|k| k.active));
        let severity = if has_keys || user.is_none() {
            Severity::Critical
        } else {
            Severity::High
        };
        let what = match grant.kind {
            AdminKind::Full => "full administrator access (every action on every resource)",
            AdminKind::Iam => {
                "IAM administrator access (every IAM action, so it can grant itself anything)"
            }
        };
        builder.push(
            "aws-iam-admin-machine-identity",
            severity,
            format!("{} has admin-equivalent permissions", name_of(arn)),
            format!(
                "{} ({} identity: {}) has {what}: {}.",
                arn,
                classification.nature.as_str(),
                classification.reason,
                grant.reasoning
            ),
            arn,
            vec![node_of(account, arn)],
            &[],
        );
    }
    // One finding per principal and method, naming every target.
    let mut grouped: BTreeMap<(&str, &str), Vec<&crate::Escalation>> = BTreeMap::new();
    for escalation in &privileges.escalations {
        grouped
            .entry((escalation.principal.as_str(), escalation.method.id))
            .or_default()
            .push(escalation);
    }
    for ((principal, method_id), escalations) in grouped {
        let first = escalations[0];
        let certain: Vec<&&crate::Escalation> = escalations
            .iter()
            .filter(|e| e.undecided.is_empty())
            .collect();
        let severity = if certain.is_empty() {
            Severity::Medium
        } else {
            Severity::High
        };
        let targets: Vec<String> = escalations
            .iter()
            .map(|e| match &e.gain {
                Some(gain) => format!("{} ({gain})", e.target),
                None => e.target.clone(),
            })
            .collect();
        let steps: Vec<String> = first
            .steps
            .iter()
            .map(|step| format!("{} on {}: {}", step.action, step.resource, step.reasoning))
            .collect();
        let mut message = format!(
            "{principal} can {} — combination {} ({}). Targets: {}. Reasoning: {}.",
            first.method.how,
            method_id,
            first.method.actions.join(" + "),
            targets.join("; "),
            steps.join(" | ")
        );
        if certain.is_empty() {
            message.push_str(&format!(" Undecided: {}.", first.undecided.join("; ")));
        }
        let mut nodes = vec![node_of(account, principal)];
        nodes.extend(
            escalations
                .iter()
                .filter(|e| e.target != principal)
                .map(|e| {
                    if e.target.contains(":policy/") {
                        ids::managed_policy(&e.target)
                    } else if e.target.contains(":group/") {
                        ids::identity(IdentityType::IamGroup, &e.target)
                    } else {
                        node_of(account, &e.target)
                    }
                }),
        );
        builder.push(
            "aws-iam-privilege-escalation",
            severity,
            format!(
                "{} can escalate privileges via {method_id}",
                name_of(principal)
            ),
            message,
            principal,
            nodes,
            &[method_id],
        );
    }
    for chain in &privileges.chains {
        let path: Vec<&str> = chain.hops.iter().map(|(role, _)| role.as_str()).collect();
        let end = if chain.ends_in == "admin" {
            "which is admin-equivalent".to_string()
        } else {
            format!("which can escalate via {}", chain.ends_in)
        };
        let reasons: Vec<&str> = chain
            .hops
            .iter()
            .scan(chain.principal.as_str(), |from, (to, _)| {
                let reason = privileges
                    .assumptions
                    .iter()
                    .find(|a| a.from == *from && &a.to == to)
                    .map(|a| a.reasoning.as_str());
                *from = to.as_str();
                Some(reason.unwrap_or(""))
            })
            .collect();
        let mut nodes = vec![node_of(account, &chain.principal)];
        nodes.extend(
            path.iter()
                .map(|role| ids::identity(IdentityType::IamRole, role)),
        );
        builder.push(
            "aws-iam-privilege-escalation-chain",
            Severity::High,
            format!(
                "{} reaches {} through role assumption",
                name_of(&chain.principal),
                name_of(path.last().copied().unwrap_or(""))
            ),
            format!(
                "{} → {} ({end}). Each hop: {}.",
                chain.principal,
                path.join(" → "),
                reasons.join(" | ")
            ),
            &chain.principal,
            nodes,
            &[&path.join(">")],
        );
    }
}

#[cfg(test)]
mod tests;

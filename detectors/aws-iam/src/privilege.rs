//! Privilege analysis over a whole account: who is admin-equivalent, who can
//! escalate (the known action combinations, checked against the resources
//! that make them work), who can assume whom, and the chains that lead from a
//! principal to admin through roles it can assume or pass.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::principal::{Principal, PrincipalKind, principals};
use crate::trust::{Admission, admits_principal, trusts_service};
use crate::{Account, CALLER_NAMED, Context, Decision, Outcome, Request, evaluate};

/// How a principal holds everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminKind {
    /// Every action on every resource (`*:*`, AdministratorAccess).
    Full,
    /// Every IAM write on every resource (`iam:*`): it can grant itself anything.
    Iam,
}

/// An admin-equivalent grant, with the reasoning.
#[derive(Clone, Debug)]
pub struct AdminGrant {
    /// Full or IAM admin.
    pub kind: AdminKind,
    /// Why: the statements that grant it.
    pub reasoning: String,
}

/// What an escalation needs from the account besides the actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A customer-managed policy attached to the principal (or its groups).
    OwnPolicy {
        /// Whether the policy must have non-default versions to switch to.
        needs_versions: bool,
    },
    /// The principal itself (a user).
    SelfUser,
    /// The principal itself (a role) or a role it can assume.
    SelfOrAssumableRole,
    /// A group the principal is in.
    OwnGroup,
    /// A group with more privileges than the principal.
    PrivilegedGroup,
    /// Another user with more privileges than the principal.
    PrivilegedUser {
        /// `Some(true)`: the user must have a console password; `Some(false)`:
        /// must not have one.
        password: Option<bool>,
    },
    /// A role with more privileges than the principal.
    PrivilegedRole,
    /// The principal's own permissions boundary.
    OwnBoundary,
    /// A more privileged role that trusts one of these services.
    PassableRole {
        /// The services (`lambda.amazonaws.com`).
        services: &'static [&'static str],
        /// Whether the role must be in an instance profile (EC2).
        instance_profile: bool,
    },
}

/// A known privilege-escalation combination.
#[derive(Debug)]
pub struct Method {
    /// The stable id (`create-policy-version`).
    pub id: &'static str,
    /// The actions it needs; the first applies to the target, the others to
    /// a resource the caller creates.
    pub actions: &'static [&'static str],
    /// What it needs to act on.
    pub target: Target,
    /// How the attack works, in a sentence.
    pub how: &'static str,
}

const fn method(
    id: &'static str,
    actions: &'static [&'static str],
    target: Target,
    how: &'static str,
) -> Method {
    Method {
        id,
        actions,
        target,
        how,
    }
}

/// The privilege-escalation combinations nhiscope checks (after Rhino
/// Security Labs' catalogue and PMapper's edge checks).
pub static METHODS: &[Method] = &[
    method(
        "create-policy-version",
        &["iam:CreatePolicyVersion"],
        Target::OwnPolicy {
            needs_versions: false,
        },
        "write a new default version of a policy attached to itself that allows everything",
    ),
    method(
        "set-default-policy-version",
        &["iam:SetDefaultPolicyVersion"],
        Target::OwnPolicy {
            needs_versions: true,
        },
        "switch a policy attached to itself to an older, broader version",
    ),
    method(
        "attach-user-policy",
        &["iam:AttachUserPolicy"],
        Target::SelfUser,
        "attach AdministratorAccess to itself",
    ),
    method(
        "put-user-policy",
        &["iam:PutUserPolicy"],
        Target::SelfUser,
        "write an inline policy on itself that allows everything",
    ),
    method(
        "attach-group-policy",
        &["iam:AttachGroupPolicy"],
        Target::OwnGroup,
        "attach AdministratorAccess to a group it is in",
    ),
    method(
        "put-group-policy",
        &["iam:PutGroupPolicy"],
        Target::OwnGroup,
        "write an inline policy that allows everything on a group it is in",
    ),
    method(
        "attach-role-policy",
        &["iam:AttachRolePolicy"],
        Target::SelfOrAssumableRole,
        "attach AdministratorAccess to a role it is or can assume",
    ),
    method(
        "put-role-policy",
        &["iam:PutRolePolicy"],
        Target::SelfOrAssumableRole,
        "write an inline policy that allows everything on a role it is or can assume",
    ),
    method(
        "add-user-to-group",
        &["iam:AddUserToGroup"],
        Target::PrivilegedGroup,
        "add itself to a more privileged group",
    ),
    method(
        "create-access-key",
        &["iam:CreateAccessKey"],
        Target::PrivilegedUser { password: None },
        "create an access key for a more privileged user and act as that user",
    ),
    method(
        "create-login-profile",
        &["iam:CreateLoginProfile"],
        Target::PrivilegedUser {
            password: Some(false),
        },
        "set a console password on a more privileged user that has none and sign in as it",
    ),
    method(
        "update-login-profile",
        &["iam:UpdateLoginProfile"],
        Target::PrivilegedUser {
            password: Some(true),
        },
        "reset a more privileged user's console password and sign in as it",
    ),
    method(
        "update-assume-role-policy",
        &["iam:UpdateAssumeRolePolicy"],
        Target::PrivilegedRole,
        "rewrite a more privileged role's trust policy to admit itself, then assume it",
    ),
    method(
        "delete-permissions-boundary",
        &["iam:Delete*PermissionsBoundary"],
        Target::OwnBoundary,
        "remove its own permissions boundary",
    ),
    method(
        "put-permissions-boundary",
        &["iam:Put*PermissionsBoundary"],
        Target::OwnBoundary,
        "replace its own permissions boundary with a broader policy",
    ),
    method(
        "pass-role-lambda-invoke",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction",
        ],
        Target::PassableRole {
            services: &["lambda.amazonaws.com"],
            instance_profile: false,
        },
        "create a Lambda function running as a more privileged role and invoke it",
    ),
    method(
        "pass-role-lambda-event-source",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
        ],
        Target::PassableRole {
            services: &["lambda.amazonaws.com"],
            instance_profile: false,
        },
        "create a Lambda function running as a more privileged role, triggered by an event source",
    ),
    method(
        "pass-role-ec2",
        &["iam:PassRole", "ec2:RunInstances"],
        Target::PassableRole {
            services: &["ec2.amazonaws.com"],
            instance_profile: true,
        },
        "launch an instance with a more privileged role's instance profile and read its credentials",
    ),
    method(
        "pass-role-glue",
        &["iam:PassRole", "glue:CreateDevEndpoint"],
        Target::PassableRole {
            services: &["glue.amazonaws.com"],
            instance_profile: false,
        },
        "create a Glue development endpoint running as a more privileged role",
    ),
    method(
        "pass-role-cloudformation",
        &["iam:PassRole", "cloudformation:CreateStack"],
        Target::PassableRole {
            services: &["cloudformation.amazonaws.com"],
            instance_profile: false,
        },
        "create a CloudFormation stack that runs as a more privileged role",
    ),
    method(
        "pass-role-codebuild",
        &[
            "iam:PassRole",
            "codebuild:CreateProject",
            "codebuild:StartBuild",
        ],
        Target::PassableRole {
            services: &["codebuild.amazonaws.com"],
            instance_profile: false,
        },
        "create and start a CodeBuild project running as a more privileged role",
    ),
    method(
        "pass-role-sagemaker",
        &[
            "iam:PassRole",
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
        ],
        Target::PassableRole {
            services: &["sagemaker.amazonaws.com"],
            instance_profile: false,
        },
        "create a SageMaker notebook running as a more privileged role and open it",
    ),
    method(
        "pass-role-datapipeline",
        &[
            "iam:PassRole",
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
        ],
        Target::PassableRole {
            services: &[
                "datapipeline.amazonaws.com",
                "elasticmapreduce.amazonaws.com",
            ],
            instance_profile: false,
        },
        "create a Data Pipeline that runs commands as a more privileged role",
    ),
];

/// Actions whose grant makes one principal more privileged than another.
const SENSITIVE_ACTIONS: &[&str] = &[
    "iam:CreateUser",
    "iam:CreateRole",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AddUserToGroup",
    "iam:UpdateAssumeRolePolicy",
    "iam:PassRole",
    "sts:AssumeRole",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "kms:Decrypt",
    "s3:GetObject",
    "s3:PutObject",
    "s3:PutBucketPolicy",
    "dynamodb:Scan",
    "rds:ModifyDBInstance",
    "ec2:RunInstances",
    "ec2:CreateSnapshot",
    "lambda:CreateFunction",
    "lambda:UpdateFunctionCode",
    "lambda:InvokeFunction",
    "cloudformation:CreateStack",
    "glue:CreateDevEndpoint",
    "codebuild:StartBuild",
    "organizations:LeaveOrganization",
    "cloudtrail:StopLogging",
    "logs:DeleteLogGroup",
];

/// Probes that every full admin passes (any service, any resource).
const FULL_ADMIN_PROBES: &[&str] = &[
    "iam:CreateUser",
    "ec2:RunInstances",
    "s3:DeleteBucket",
    "kms:ScheduleKeyDeletion",
    "lambda:CreateFunction",
    "organizations:LeaveOrganization",
    "cloudtrail:StopLogging",
    "sts:AssumeRole",
];

/// Probes that every IAM admin passes.
const IAM_ADMIN_PROBES: &[&str] = &[
    "iam:CreateUser",
    "iam:CreateRole",
    "iam:CreateAccessKey",
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:PassRole",
];

/// One request an escalation makes, and why it is allowed.
#[derive(Clone, Debug)]
pub struct Step {
    /// The action.
    pub action: String,
    /// The resource (an ARN, or "a resource it creates").
    pub resource: String,
    /// The evaluator's reasoning.
    pub reasoning: String,
}

/// A principal that can escalate by one method on one target.
#[derive(Clone, Debug)]
pub struct Escalation {
    /// The principal's ARN.
    pub principal: String,
    /// The method.
    pub method: &'static Method,
    /// The target's ARN.
    pub target: String,
    /// What makes it more privileged, when that is the point.
    pub gain: Option<String>,
    /// One step per action.
    pub steps: Vec<Step>,
    /// Undecided conditions on the way (empty when certain).
    pub undecided: Vec<String>,
}

/// How one principal can become another.
#[derive(Clone, Debug)]
pub struct Assumption {
    /// Who assumes.
    pub from: String,
    /// The role assumed.
    pub to: String,
    /// Why it is allowed (trust policy and identity policy).
    pub reasoning: String,
}

/// A chain from a principal, through roles it can assume or pass, to admin
/// or to a principal that can escalate.
#[derive(Clone, Debug)]
pub struct Chain {
    /// The principal at the start.
    pub principal: String,
    /// Each hop: the role reached and how (`assume`, or an escalation id).
    pub hops: Vec<(String, String)>,
    /// What the last hop gives: "admin" or an escalation method id.
    pub ends_in: String,
}

/// Everything the privilege analysis found in one account.
#[derive(Clone, Debug, Default)]
pub struct PrivilegeReport {
    /// Admin-equivalent principals, by ARN.
    pub admins: BTreeMap<String, AdminGrant>,
    /// Direct escalations.
    pub escalations: Vec<Escalation>,
    /// Who can assume which role.
    pub assumptions: Vec<Assumption>,
    /// Multi-hop paths to admin or to an escalation.
    pub chains: Vec<Chain>,
    /// For each principal, the sensitive actions it may perform.
    pub capabilities: BTreeMap<String, BTreeSet<&'static str>>,
}

/// Analyses every principal of `account`.
pub fn analyse(account: &Account) -> PrivilegeReport {
    let principals = principals(account);
    let contexts: Vec<Context> = principals
        .iter()
        .map(|p| tagging_context(p, p.context()))
        .collect();
    let mut report = PrivilegeReport::default();
    for (principal, context) in principals.iter().zip(&contexts) {
        if let Some(grant) = admin_grant(principal, context) {
            report.admins.insert(principal.arn.to_string(), grant);
        }
        report
            .capabilities
            .insert(principal.arn.to_string(), capabilities(principal, context));
    }
    let mut group_capabilities: BTreeMap<&str, BTreeSet<&'static str>> = BTreeMap::new();
    let mut group_admins: BTreeSet<&str> = BTreeSet::new();
    for group in &account.groups {
        let holder = group_as_principal(account, group);
        let context = holder.context();
        if admin_grant(&holder, &context).is_some() {
            group_admins.insert(group.name.as_str());
        }
        group_capabilities.insert(group.name.as_str(), capabilities(&holder, &context));
    }
    for (principal, context) in principals.iter().zip(&contexts) {
        for role in &account.roles {
            if role.arn == principal.arn {
                continue;
            }
            if let Some(reasoning) = can_assume(principal, context, role) {
                report.assumptions.push(Assumption {
                    from: principal.arn.to_string(),
                    to: role.arn.clone(),
                    reasoning,
                });
            }
        }
    }
    let mut escalations = Vec::new();
    let analysis = Analysis {
        account,
        report: &report,
        group_capabilities: &group_capabilities,
        group_admins: &group_admins,
    };
    for (principal, context) in principals.iter().zip(&contexts) {
        if report.admins.contains_key(principal.arn) {
            continue;
        }
        for method in METHODS {
            escalations.extend(analysis.check(method, principal, context));
        }
    }
    report.escalations = escalations;
    report.chains = chains(&report);
    report
}

/// A group's policies as if a principal held only them.
fn group_as_principal<'a>(account: &'a Account, group: &'a crate::Group) -> Principal<'a> {
    static NO_TAGS: std::sync::OnceLock<BTreeMap<String, String>> = std::sync::OnceLock::new();
    let mut holder = Principal {
        kind: PrincipalKind::User,
        name: &group.name,
        arn: &group.arn,
        id: &group.id,
        tags: NO_TAGS.get_or_init(BTreeMap::new),
        groups: &[],
        policies: Vec::new(),
        boundary: None,
        boundary_arn: None,
        missing_policies: Vec::new(),
        managed_arns: Vec::new(),
        mfa_active: Some(false),
    };
    for inline in &group.inline_policies {
        holder
            .policies
            .push((format!("inline policy {}", inline.name), &inline.document));
    }
    for arn in &group.attached_policies {
        if let Some((policy, document)) = account
            .policies
            .get(arn)
            .and_then(|p| Some((p, p.document.as_ref()?)))
        {
            holder
                .policies
                .push((format!("managed policy {}", policy.name), document));
        }
    }
    holder
}

/// A principal that may tag itself controls its own `aws:PrincipalTag` keys.
fn tagging_context(principal: &Principal<'_>, mut context: Context) -> Context {
    let action = match principal.kind {
        PrincipalKind::User => "iam:TagUser",
        PrincipalKind::Role => "iam:TagRole",
    };
    let decision = decide(principal, &context, action, principal.arn);
    if decision.is_allowed() {
        context.set_caller_chosen(
            "aws:PrincipalTag/",
            format!("it may tag itself ({action}: {})", decision.reasoning()),
        );
    }
    context
}

fn decide(principal: &Principal<'_>, context: &Context, action: &str, resource: &str) -> Decision {
    evaluate(
        &principal.policy_set(),
        &Request {
            action,
            resource,
            context,
        },
    )
}

fn admin_grant(principal: &Principal<'_>, context: &Context) -> Option<AdminGrant> {
    let all_allowed = |probes: &[&str]| {
        let decisions: Vec<Decision> = probes
            .iter()
            .map(|action| decide(principal, context, action, "*"))
            .collect();
        decisions
            .iter()
            .all(Decision::is_allowed)
            .then(|| decisions[0].reasoning())
    };
    if let Some(reasoning) = all_allowed(FULL_ADMIN_PROBES) {
        return Some(AdminGrant {
            kind: AdminKind::Full,
            reasoning,
        });
    }
    all_allowed(IAM_ADMIN_PROBES).map(|reasoning| AdminGrant {
        kind: AdminKind::Iam,
        reasoning,
    })
}

fn capabilities(principal: &Principal<'_>, context: &Context) -> BTreeSet<&'static str> {
    SENSITIVE_ACTIONS
        .iter()
        .copied()
        .filter(|action| decide(principal, context, action, CALLER_NAMED).is_allowed())
        .collect()
}

/// Whether `principal` may assume `role`: the trust policy must admit it,
/// and unless it names the principal itself, the principal's own policies
/// must allow `sts:AssumeRole` on the role.
fn can_assume(principal: &Principal<'_>, context: &Context, role: &crate::Role) -> Option<String> {
    let trust = role.trust_policy.as_ref()?;
    match admits_principal(trust, principal, context) {
        Admission::Named(reasoning) => Some(format!(
            "the trust policy of {} names it: {reasoning}",
            role.name
        )),
        Admission::ViaAccount(reasoning) => {
            let decision = decide(principal, context, "sts:AssumeRole", &role.arn);
            decision.is_allowed().then(|| {
                format!(
                    "the trust policy of {} admits its account ({reasoning}) and its policies allow sts:AssumeRole: {}",
                    role.name,
                    decision.reasoning()
                )
            })
        }
        Admission::No => None,
    }
}

struct Analysis<'r> {
    account: &'r Account,
    report: &'r PrivilegeReport,
    group_capabilities: &'r BTreeMap<&'r str, BTreeSet<&'static str>>,
    group_admins: &'r BTreeSet<&'r str>,
}

impl Analysis<'_> {
    fn is_admin(&self, arn: &str) -> bool {
        self.report.admins.contains_key(arn)
    }

    /// What `other` may do that `principal` may not: admin, or sensitive actions.
    fn gain(
        &self,
        principal: &str,
        other: &str,
        other_caps: Option<&BTreeSet<&'static str>>,
    ) -> Option<String> {
        if self.is_admin(other) && !self.is_admin(principal) {
            return Some("it is admin-equivalent".to_string());
        }
        let mine = self.report.capabilities.get(principal)?;
        let extra: Vec<&str> = other_caps?.difference(mine).copied().collect();
        (!extra.is_empty())
            .then(|| format!("it may {} and the principal may not", extra.join(", ")))
    }

    /// `target` with what it gains the principal, when it is more privileged.
    fn privileged_target(&self, principal: &str, target: &str) -> Option<(String, Option<String>)> {
        let gain = self.gain(principal, target, self.report.capabilities.get(target))?;
        Some((target.to_string(), Some(gain)))
    }

    fn check(
        &self,
        method: &'static Method,
        principal: &Principal<'_>,
        context: &Context,
    ) -> Vec<Escalation> {
        let mut found = Vec::new();
        for (target, gain) in self.targets(method, principal, context) {
            let mut target_context = context.clone();
            self.describe_target(&mut target_context, principal, &target);
            let mut steps = Vec::new();
            let mut undecided = Vec::new();
            let mut possible = true;
            for (index, action) in method.actions.iter().enumerate() {
                let resource = if index == 0 {
                    target.as_str()
                } else {
                    CALLER_NAMED
                };
                let mut request_context = target_context.clone();
                if *action == "iam:PassRole"
                    && let Target::PassableRole { services, .. } = method.target
                {
                    request_context.set("iam:PassedToService", services.iter().copied());
                }
                let action_name = self.concrete_action(action, principal);
                let decision = if action.starts_with("iam:Attach") {
                    // Any policy that makes the target admin will do: the
                    // first one a condition on iam:PolicyARN lets through.
                    let partition = self.account.partition_or_default();
                    let mut best: Option<Decision> = None;
                    for policy in ["AdministratorAccess", "IAMFullAccess"] {
                        request_context.set(
                            "iam:PolicyARN",
                            [format!("arn:{partition}:iam::aws:policy/{policy}")],
                        );
                        let mut decision =
                            decide(principal, &request_context, &action_name, resource);
                        decision.notes.push(format!("attaching {policy}"));
                        let better = match (&best, decision.outcome) {
                            (None, _) => true,
                            (Some(_), Outcome::Allowed) => true,
                            (Some(previous), Outcome::Uncertain) => {
                                previous.outcome != Outcome::Allowed
                            }
                            _ => false,
                        };
                        let allowed = decision.outcome == Outcome::Allowed;
                        if better {
                            best = Some(decision);
                        }
                        if allowed {
                            break;
                        }
                    }
                    best.expect("two candidates were tried")
                } else {
                    decide(principal, &request_context, &action_name, resource)
                };
                match decision.outcome {
                    Outcome::Allowed => {}
                    Outcome::Uncertain => {
                        undecided.push(format!("{action_name}: {}", decision.reasoning()))
                    }
                    Outcome::ExplicitDeny | Outcome::ImplicitDeny => {
                        possible = false;
                        break;
                    }
                }
                steps.push(Step {
                    action: action_name,
                    resource: if index == 0 {
                        target.clone()
                    } else {
                        "a resource it creates".into()
                    },
                    reasoning: decision.reasoning(),
                });
            }
            if possible {
                found.push(Escalation {
                    principal: principal.arn.to_string(),
                    method,
                    target,
                    gain,
                    steps,
                    undecided,
                });
            }
        }
        found
    }

    fn concrete_action(&self, action: &str, principal: &Principal<'_>) -> String {
        let kind = match principal.kind {
            PrincipalKind::User => "User",
            PrincipalKind::Role => "Role",
        };
        action.replace('*', kind)
    }

    /// The condition keys a target decides: its tags (unless the principal
    /// can retag it), the policy an attach would attach, the boundary.
    fn describe_target(&self, context: &mut Context, principal: &Principal<'_>, target: &str) {
        let admin_policy = format!(
            "arn:{}:iam::aws:policy/AdministratorAccess",
            self.account.partition_or_default()
        );
        context.set("iam:PolicyARN", [admin_policy]);
        match principal.boundary_arn {
            Some(boundary) => context.set("iam:PermissionsBoundary", [boundary]),
            None => context.set_absent("iam:PermissionsBoundary"),
        };
        context
            .set_absent("aws:ResourceTag/")
            .set_absent("iam:ResourceTag/");
        let (tags, tag_action) =
            if let Some(user) = self.account.users.iter().find(|u| u.arn == target) {
                (Some(&user.tags), "iam:TagUser")
            } else if let Some(role) = self.account.roles.iter().find(|r| r.arn == target) {
                (Some(&role.tags), "iam:TagRole")
            } else {
                (None, "iam:TagPolicy")
            };
        for (key, value) in tags.into_iter().flatten() {
            context.set(&format!("aws:ResourceTag/{key}"), [value.as_str()]);
            context.set(&format!("iam:ResourceTag/{key}"), [value.as_str()]);
        }
        let tagging = decide(principal, context, tag_action, target);
        if tagging.is_allowed() {
            let reason = format!(
                "it may tag the target ({tag_action}: {})",
                tagging.reasoning()
            );
            context.set_caller_chosen("aws:ResourceTag/", reason.clone());
            context.set_caller_chosen("iam:ResourceTag/", reason);
        }
    }

    fn targets(
        &self,
        method: &Method,
        principal: &Principal<'_>,
        context: &Context,
    ) -> Vec<(String, Option<String>)> {
        let account = self.account;
        let is_user = principal.kind == PrincipalKind::User;
        match method.target {
            Target::OwnPolicy { needs_versions } => principal
                .managed_arns
                .iter()
                .filter_map(|arn| account.policies.get(*arn))
                .filter(|policy| {
                    !policy.is_aws_managed() && (!needs_versions || policy.other_versions > 0)
                })
                .map(|policy| (policy.arn.clone(), None))
                .collect::<BTreeMap<_, _>>()
                .into_iter()
                .collect(),
            Target::SelfUser if is_user => vec![(principal.arn.to_string(), None)],
            Target::SelfUser => Vec::new(),
            Target::OwnGroup => principal
                .groups
                .iter()
                .filter_map(|name| account.group(name))
                .map(|group| (group.arn.clone(), None))
                .collect(),
            Target::SelfOrAssumableRole => {
                let mut roles: Vec<(String, Option<String>)> = Vec::new();
                if !is_user {
                    roles.push((principal.arn.to_string(), None));
                }
                roles.extend(
                    self.report
                        .assumptions
                        .iter()
                        .filter(|a| a.from == principal.arn)
                        .map(|a| {
                            (
                                a.to.clone(),
                                Some(format!("it can assume the role: {}", a.reasoning)),
                            )
                        }),
                );
                roles
            }
            Target::PrivilegedGroup if is_user => account
                .groups
                .iter()
                .filter(|group| !principal.groups.contains(&group.name))
                .filter_map(|group| {
                    let gain = self
                        .gain(
                            principal.arn,
                            &group.arn,
                            self.group_capabilities.get(group.name.as_str()),
                        )
                        .or_else(|| {
                            (self.group_admins.contains(group.name.as_str())
                                && !self.is_admin(principal.arn))
                            .then(|| "it is admin-equivalent".to_string())
                        })?;
                    Some((group.arn.clone(), Some(gain)))
                })
                .collect(),
            Target::PrivilegedGroup => Vec::new(),
            Target::PrivilegedUser { password } => account
                .users
                .iter()
                .filter(|user| user.arn != principal.arn)
                .filter(|user| match password {
                    None => true,
                    Some(wanted) => user.password_enabled.is_none_or(|has| has == wanted),
                })
                // A user can hold two access keys: with both slots taken, a
                // new key needs one deleted first.
                .filter(|user| {
                    method.id != "create-access-key"
                        || user.access_keys.len() < 2
                        || decide(principal, context, "iam:DeleteAccessKey", &user.arn).is_allowed()
                })
                .filter_map(|user| self.privileged_target(principal.arn, &user.arn))
                .collect(),
            Target::PrivilegedRole => account
                .roles
                .iter()
                .filter(|role| role.arn != principal.arn && !role.is_service_linked())
                .filter_map(|role| self.privileged_target(principal.arn, &role.arn))
                .collect(),
            Target::OwnBoundary if principal.boundary_arn.is_some() => {
                vec![(principal.arn.to_string(), None)]
            }
            Target::OwnBoundary => Vec::new(),
            Target::PassableRole {
                services,
                instance_profile,
            } => account
                .roles
                .iter()
                .filter(|role| role.arn != principal.arn && !role.is_service_linked())
                .filter(|role| !instance_profile || !role.instance_profiles.is_empty())
                .filter(|role| {
                    role.trust_policy.as_ref().is_some_and(|trust| {
                        services
                            .iter()
                            .any(|service| trusts_service(trust, service))
                    })
                })
                .filter_map(|role| self.privileged_target(principal.arn, &role.arn))
                .collect(),
        }
    }
}

/// Paths of two or more hops from each principal to a role that is admin or
/// can escalate, following the roles it can assume (breadth first, shortest
/// path per destination).
fn chains(report: &PrivilegeReport) -> Vec<Chain> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for assumption in &report.assumptions {
        next.entry(&assumption.from)
            .or_default()
            .push(&assumption.to);
    }
    let escalating: BTreeMap<&str, &str> = report
        .escalations
        .iter()
        .map(|e| (e.principal.as_str(), e.method.id))
        .collect();
    let mut chains = Vec::new();
    for start in report.capabilities.keys() {
        if report.admins.contains_key(start) {
            continue;
        }
        let mut seen: BTreeSet<&str> = BTreeSet::from([start.as_str()]);
        let mut queue: VecDeque<(&str, Vec<&str>)> = VecDeque::from([(start.as_str(), Vec::new())]);
        while let Some((at, path)) = queue.pop_front() {
            for &to in next.get(at).into_iter().flatten() {
                if !seen.insert(to) {
                    continue;
                }
                let mut hops = path.clone();
                hops.push(to);
                let ends_in = if report.admins.contains_key(to) {
                    Some("admin".to_string())
                } else {
                    escalating.get(to).map(|id| (*id).to_string())
                };
                if let Some(ends_in) = ends_in {
                    chains.push(Chain {
                        principal: start.clone(),
                        hops: hops
                            .iter()
                            .map(|role| ((*role).to_string(), "sts:AssumeRole".to_string()))
                            .collect(),
                        ends_in,
                    });
                } else {
                    queue.push_back((to, hops));
                }
            }
        }
    }
    chains
}

#[cfg(test)]
mod tests;

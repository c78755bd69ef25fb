//! A principal (user or role) with every policy that applies to it, and what
//! is known about its requests, ready for the evaluator.

use std::collections::BTreeMap;

use crate::{Account, AppliedPolicy, Context, PolicyDocument, PolicySet, Role, User};

/// Whether a principal is a user or a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKind {
    /// An IAM user (long-term credentials).
    User,
    /// An IAM role (temporary credentials).
    Role,
}

/// A user or role with its policies resolved.
#[derive(Clone, Debug)]
pub struct Principal<'a> {
    /// User or role.
    pub kind: PrincipalKind,
    /// The name.
    pub name: &'a str,
    /// The ARN.
    pub arn: &'a str,
    /// The unique id.
    pub id: &'a str,
    /// Its tags.
    pub tags: &'a BTreeMap<String, String>,
    /// The names of its groups (users only).
    pub groups: &'a [String],
    /// Its identity policies, own and inherited, with labels.
    pub policies: Vec<(String, &'a PolicyDocument)>,
    /// Its permissions boundary, when set and exported.
    pub boundary: Option<(String, &'a PolicyDocument)>,
    /// The ARN of its permissions boundary, when set.
    pub boundary_arn: Option<&'a str>,
    /// Managed policies it has whose documents were not exported.
    pub missing_policies: Vec<String>,
    /// The ARNs of every managed policy attached to it or its groups.
    pub managed_arns: Vec<&'a str>,
    /// Whether it has an MFA device (users; `None` when not known).
    pub mfa_active: Option<bool>,
}

impl<'a> Principal<'a> {
    /// Resolves a user's policies: inline, attached, and its groups'.
    pub fn user(account: &'a Account, user: &'a User) -> Self {
        let mut principal = Self {
            kind: PrincipalKind::User,
            name: &user.name,
            arn: &user.arn,
            id: &user.id,
            tags: &user.tags,
            groups: &user.groups,
            policies: Vec::new(),
            boundary: None,
            boundary_arn: user.permissions_boundary.as_deref(),
            missing_policies: Vec::new(),
            managed_arns: Vec::new(),
            mfa_active: user.mfa_active,
        };
        for inline in &user.inline_policies {
            principal
                .policies
                .push((format!("inline policy {}", inline.name), &inline.document));
        }
        principal.attach(account, &user.attached_policies, None);
        for group_name in &user.groups {
            let Some(group) = account.group(group_name) else {
                continue;
            };
            for inline in &group.inline_policies {
                principal.policies.push((
                    format!("inline policy {} of group {}", inline.name, group.name),
                    &inline.document,
                ));
            }
            principal.attach(account, &group.attached_policies, Some(&group.name));
        }
        principal.resolve_boundary(account);
        principal
    }

    /// Resolves a role's policies: inline and attached.
    pub fn role(account: &'a Account, role: &'a Role) -> Self {
        let mut principal = Self {
            kind: PrincipalKind::Role,
            name: &role.name,
            arn: &role.arn,
            id: &role.id,
            tags: &role.tags,
            groups: &[],
            policies: Vec::new(),
            boundary: None,
            boundary_arn: role.permissions_boundary.as_deref(),
            missing_policies: Vec::new(),
            managed_arns: Vec::new(),
            mfa_active: None,
        };
        for inline in &role.inline_policies {
            principal
                .policies
                .push((format!("inline policy {}", inline.name), &inline.document));
        }
        principal.attach(account, &role.attached_policies, None);
        principal.resolve_boundary(account);
        principal
    }

    fn attach(&mut self, account: &'a Account, arns: &'a [String], group: Option<&str>) {
        for arn in arns {
            self.managed_arns.push(arn);
            match account
                .policies
                .get(arn)
                .and_then(|policy| Some((policy, policy.document.as_ref()?)))
            {
                Some((policy, document)) => {
                    let label = match group {
                        Some(group) => format!("managed policy {} of group {group}", policy.name),
                        None => format!("managed policy {}", policy.name),
                    };
                    self.policies.push((label, document));
                }
                None => self.missing_policies.push(arn.clone()),
            }
        }
    }

    fn resolve_boundary(&mut self, account: &'a Account) {
        if let Some(arn) = self.boundary_arn {
            match account
                .policies
                .get(arn)
                .and_then(|policy| Some((policy, policy.document.as_ref()?)))
            {
                Some((policy, document)) => {
                    self.boundary = Some((format!("managed policy {}", policy.name), document));
                }
                None => self.missing_policies.push(arn.to_string()),
            }
        }
    }

    /// The policy set the evaluator reads.
    pub fn policy_set(&self) -> PolicySet<'_> {
        PolicySet {
            identity: self
                .policies
                .iter()
                .map(|(label, document)| AppliedPolicy { label, document })
                .collect(),
            boundary: self
                .boundary
                .as_ref()
                .map(|(label, document)| AppliedPolicy { label, document }),
        }
    }

    /// The account id from the ARN.
    pub fn account_id(&self) -> &str {
        self.arn.split(':').nth(4).unwrap_or("")
    }

    /// What is known about any request this principal makes with its own
    /// credentials: its name, id, account and tags; no MFA (long-term keys
    /// carry no MFA key at all, role sessions of workloads carry `false`);
    /// the network and the tags it sends are its own choice.
    pub fn context(&self) -> Context {
        let mut context = Context::default();
        context
            .set("aws:PrincipalArn", [self.arn])
            .set("aws:PrincipalAccount", [self.account_id()])
            .set("aws:userid", [self.id])
            .set_absent("aws:PrincipalTag/")
            .set_absent("aws:CalledVia")
            .set_absent("aws:CalledViaFirst")
            .set_absent("aws:CalledViaLast")
            .set("aws:ViaAWSService", ["false"]);
        match self.kind {
            PrincipalKind::User => {
                context
                    .set("aws:username", [self.name])
                    .set("aws:PrincipalType", ["User"]);
                // Requests signed with long-term keys carry no MFA key; a
                // user with an MFA device can also sign in with it, so the
                // key is then the caller's choice; without a credential
                // report nobody knows.
                match self.mfa_active {
                    Some(false) => {
                        context
                            .set_absent("aws:MultiFactorAuthPresent")
                            .set_absent("aws:MultiFactorAuthAge");
                    }
                    Some(true) => {
                        let reason = "it has an MFA device and can make requests with it";
                        context
                            .set_caller_chosen("aws:MultiFactorAuthPresent", reason)
                            .set_caller_chosen("aws:MultiFactorAuthAge", reason);
                    }
                    None => {}
                }
            }
            PrincipalKind::Role => {
                context
                    .set("aws:PrincipalType", ["AssumedRole"])
                    .set("aws:MultiFactorAuthPresent", ["false"])
                    .set_absent("aws:MultiFactorAuthAge");
            }
        }
        for (key, value) in self.tags {
            context.set(&format!("aws:PrincipalTag/{key}"), [value.as_str()]);
        }
        let network = "the caller can send the request from the allowed network (from the workload whose credentials it holds)";
        for key in [
            "aws:SourceIp",
            "aws:SourceVpc",
            "aws:SourceVpce",
            "aws:VpcSourceIp",
        ] {
            context.set_caller_chosen(key, network);
        }
        context
            .set_caller_chosen("aws:SecureTransport", "the caller chooses HTTPS")
            .set_caller_chosen("aws:RequestTag/", "the caller chooses the tags it sends")
            .set_caller_chosen("aws:TagKeys", "the caller chooses the tags it sends")
            .set_caller_chosen("aws:RequestedRegion", "the caller chooses the region")
            .set_caller_chosen(
                "sts:ExternalId",
                "an external id is no secret to principals of the same account",
            );
        context
    }
}

/// Every user and role of an account, resolved.
pub fn principals(account: &Account) -> Vec<Principal<'_>> {
    account
        .users
        .iter()
        .map(|user| Principal::user(account, user))
        .chain(
            account
                .roles
                .iter()
                .map(|role| Principal::role(account, role)),
        )
        .collect()
}

//! An account and its assessment, as inventory: nodes for every user, role,
//! group, credential, policy, provider and instance profile (with native ids
//! and timestamps), edges for who holds, belongs to, is granted, trusts and
//! can assume what, and the detectors' findings.

use std::collections::BTreeSet;

use nhiscope_aws_iam::{
    Account, Assessment, PatternList, PolicyDocument, Role, classify_role, ids,
};
use nhiscope_collect::NodeSink;
use nhiscope_model::{
    CredentialType, Edge, EdgeKind, IdentityType, Node, NodeId, NodeKind, PermissionType,
    ResourceType, SourceType, Timestamps, WorkloadType,
};
use serde_json::{Value, json};

/// The collector id nodes are stamped with.
const COLLECTOR: &str = "aws";

/// Resource patterns listed per policy before the rest are counted only.
const MAX_RESOURCES_PER_POLICY: usize = 50;

fn node(id: NodeId, kind: NodeKind, name: &str, native: Option<&str>, scope: &str) -> Node {
    let mut node = Node::new(id, kind, name, ids::PROVIDER, COLLECTOR);
    node.native_id = native.map(str::to_string);
    node.scope = Some(scope.to_string());
    node
}

fn edge(out: &dyn NodeSink, from: &NodeId, kind: EdgeKind, to: &NodeId) {
    out.edge(Edge::new(from.clone(), kind, to.clone()));
}

fn edge_with(out: &dyn NodeSink, from: &NodeId, kind: EdgeKind, to: &NodeId, attributes: Value) {
    let mut edge = Edge::new(from.clone(), kind, to.clone());
    if let Value::Object(map) = attributes {
        edge.attributes = map.into_iter().collect();
    }
    out.edge(edge);
}

fn set(node: &mut Node, key: &str, value: impl Into<Value>) {
    let value = value.into();
    if !value.is_null() {
        node.attributes.insert(key.to_string(), value);
    }
}

/// Emits everything known about `account`.
pub fn emit(account: &Account, assessment: &Assessment, out: &dyn NodeSink) {
    let scope = account.id.as_str();
    let account_id = ids::account(scope);
    let mut account_node = node(
        account_id.clone(),
        NodeKind::Source(SourceType::AwsAccount),
        &format!("AWS account {scope}"),
        Some(scope),
        scope,
    );
    set(
        &mut account_node,
        "partition",
        account.partition_or_default(),
    );
    set(&mut account_node, "sources", json!(account.sources));
    out.node(account_node);

    for policy in account.policies.values() {
        let id = ids::managed_policy(&policy.arn);
        let mut policy_node = node(
            id.clone(),
            NodeKind::Permission(PermissionType::Policy),
            &policy.name,
            Some(&policy.arn),
            scope,
        );
        policy_node.timestamps = Timestamps {
            created_at: policy.created_at,
            rotated_at: policy.updated_at,
            ..Timestamps::default()
        };
        set(&mut policy_node, "policy_id", policy.id.as_str());
        set(&mut policy_node, "aws_managed", policy.is_aws_managed());
        set(
            &mut policy_node,
            "default_version",
            json!(policy.default_version),
        );
        set(&mut policy_node, "other_versions", policy.other_versions);
        if let Some(document) = &policy.document {
            describe_document(&mut policy_node, document);
        }
        out.node(policy_node);
        if let Some(document) = &policy.document {
            grants(out, &id, document, scope);
        }
    }

    let user_ids: BTreeSet<&str> = account.users.iter().map(|u| u.arn.as_str()).collect();
    for group in &account.groups {
        let id = ids::identity(IdentityType::IamGroup, &group.arn);
        let mut group_node = node(
            id.clone(),
            NodeKind::Identity(IdentityType::IamGroup),
            &group.name,
            Some(&group.arn),
            scope,
        );
        group_node.timestamps.created_at = group.created_at;
        set(&mut group_node, "group_id", group.id.as_str());
        out.node(group_node);
        edge(out, &account_id, EdgeKind::Contains, &id);
        permissions(
            out,
            &id,
            &group.arn,
            &group.inline_policies,
            &group.attached_policies,
            None,
            scope,
        );
    }

    for user in &account.users {
        let id = ids::identity(IdentityType::IamUser, &user.arn);
        let mut user_node = node(
            id.clone(),
            NodeKind::Identity(IdentityType::IamUser),
            &user.name,
            Some(&user.arn),
            scope,
        );
        let last_used = user
            .access_keys
            .iter()
            .filter_map(|k| k.last_used_at)
            .chain(user.password_last_used)
            .max();
        user_node.timestamps = Timestamps {
            created_at: user.created_at,
            last_used_at: last_used,
            ..Timestamps::default()
        };
        user_node.labels = user.tags.clone();
        set(&mut user_node, "user_id", user.id.as_str());
        set(&mut user_node, "path", user.path.as_str());
        set(
            &mut user_node,
            "console_password",
            json!(user.password_enabled),
        );
        set(
            &mut user_node,
            "password_last_used",
            json!(user.password_last_used.map(|t| t.to_string())),
        );
        set(&mut user_node, "mfa_active", json!(user.mfa_active));
        set(&mut user_node, "groups", json!(user.groups));
        set(
            &mut user_node,
            "permissions_boundary",
            json!(user.permissions_boundary),
        );
        if let Some(classification) = assessment.classifications.get(&user.arn) {
            set(
                &mut user_node,
                "classification",
                classification.nature.as_str(),
            );
            set(
                &mut user_node,
                "classification_reason",
                classification.reason.as_str(),
            );
        }
        set(
            &mut user_node,
            "federation_candidate",
            assessment.federation_candidates.contains(&user.arn),
        );
        if let Some(admin) = assessment.privileges.admins.get(&user.arn) {
            set(
                &mut user_node,
                "admin_equivalent",
                format!("{:?}", admin.kind).to_ascii_lowercase(),
            );
        }
        out.node(user_node);
        edge(out, &account_id, EdgeKind::Contains, &id);
        for group in &user.groups {
            if let Some(group) = account.group(group) {
                edge(
                    out,
                    &id,
                    EdgeKind::MemberOf,
                    &ids::identity(IdentityType::IamGroup, &group.arn),
                );
            }
        }
        permissions(
            out,
            &id,
            &user.arn,
            &user.inline_policies,
            &user.attached_policies,
            user.permissions_boundary.as_deref(),
            scope,
        );
        for key in &user.access_keys {
            access_key(out, &id, &user.arn, &user.name, key, scope);
        }
        for ssh in &user.ssh_keys {
            let key_id =
                ids::user_credential(CredentialType::SshKey, &user.arn, "ssh-key", &ssh.id);
            let mut key_node = node(
                key_id.clone(),
                NodeKind::Credential(CredentialType::SshKey),
                &format!("SSH key {} of {}", ssh.id, user.name),
                Some(&ssh.id),
                scope,
            );
            key_node.timestamps.created_at = ssh.uploaded_at;
            set(
                &mut key_node,
                "status",
                if ssh.active { "active" } else { "inactive" },
            );
            out.node(key_node);
            holds(out, &id, &key_id);
        }
        for credential in &user.service_credentials {
            let cred_id = ids::user_credential(
                CredentialType::Password,
                &user.arn,
                "service-credential",
                &credential.id,
            );
            let mut cred_node = node(
                cred_id.clone(),
                NodeKind::Credential(CredentialType::Password),
                &format!("{} credential of {}", credential.service, user.name),
                Some(&credential.id),
                scope,
            );
            cred_node.timestamps.created_at = credential.created_at;
            set(
                &mut cred_node,
                "status",
                if credential.active {
                    "active"
                } else {
                    "inactive"
                },
            );
            set(&mut cred_node, "service", credential.service.as_str());
            set(
                &mut cred_node,
                "service_user_name",
                credential.service_user_name.as_str(),
            );
            out.node(cred_node);
            holds(out, &id, &cred_id);
        }
        for certificate in &user.signing_certificates {
            let cert_id = ids::user_credential(
                CredentialType::Certificate,
                &user.arn,
                "signing-certificate",
                &certificate.id,
            );
            let mut cert_node = node(
                cert_id.clone(),
                NodeKind::Credential(CredentialType::Certificate),
                &format!("signing certificate {} of {}", certificate.id, user.name),
                Some(&certificate.id),
                scope,
            );
            cert_node.timestamps.created_at = certificate.uploaded_at;
            set(
                &mut cert_node,
                "status",
                if certificate.active {
                    "active"
                } else {
                    "inactive"
                },
            );
            out.node(cert_node);
            holds(out, &id, &cert_id);
        }
    }

    if let Some(root) = &account.root {
        let root_arn = account.root_arn();
        let id = ids::identity(IdentityType::IamUser, &root_arn);
        let mut root_node = node(
            id.clone(),
            NodeKind::Identity(IdentityType::IamUser),
            "root",
            Some(&root_arn),
            scope,
        );
        root_node.timestamps.last_used_at = root.password_last_used;
        set(&mut root_node, "root", true);
        set(&mut root_node, "mfa_active", json!(root.mfa_active));
        set(
            &mut root_node,
            "access_keys_present",
            json!(root.access_keys_present),
        );
        out.node(root_node);
        edge(out, &account_id, EdgeKind::Contains, &id);
        for key in &root.access_keys {
            access_key(out, &id, &root_arn, "root", key, scope);
        }
    }

    for provider in &account.oidc_providers {
        let id = ids::federated(&provider.arn);
        let mut provider_node = node(
            id.clone(),
            NodeKind::Identity(IdentityType::FederatedPrincipal),
            &provider.url,
            Some(&provider.arn),
            scope,
        );
        provider_node.timestamps.created_at = provider.created_at;
        set(&mut provider_node, "protocol", "oidc");
        set(&mut provider_node, "client_ids", json!(provider.client_ids));
        out.node(provider_node);
        edge(out, &account_id, EdgeKind::Contains, &id);
    }
    for provider in &account.saml_providers {
        let id = ids::federated(&provider.arn);
        let name = provider.arn.rsplit('/').next().unwrap_or(&provider.arn);
        let mut provider_node = node(
            id.clone(),
            NodeKind::Identity(IdentityType::FederatedPrincipal),
            name,
            Some(&provider.arn),
            scope,
        );
        provider_node.timestamps = Timestamps {
            created_at: provider.created_at,
            expires_at: provider.valid_until,
            ..Timestamps::default()
        };
        set(&mut provider_node, "protocol", "saml");
        out.node(provider_node);
        edge(out, &account_id, EdgeKind::Contains, &id);
    }
    for certificate in &account.server_certificates {
        let id = ids::server_certificate(&certificate.arn);
        let mut cert_node = node(
            id.clone(),
            NodeKind::Credential(CredentialType::Certificate),
            &certificate.name,
            Some(&certificate.arn),
            scope,
        );
        cert_node.timestamps = Timestamps {
            created_at: certificate.uploaded_at,
            expires_at: certificate.expires_at,
            ..Timestamps::default()
        };
        set(&mut cert_node, "certificate_id", certificate.id.as_str());
        set(&mut cert_node, "kind", "server_certificate");
        out.node(cert_node);
        edge(out, &account_id, EdgeKind::Contains, &id);
    }

    for role in &account.roles {
        role_node(
            out,
            account,
            assessment,
            role,
            &account_id,
            &user_ids,
            scope,
        );
    }
    for profile in &account.instance_profiles {
        let id = ids::instance_profile(&profile.arn);
        let mut profile_node = node(
            id.clone(),
            NodeKind::Workload(WorkloadType::Vm),
            &format!("instance profile {}", profile.name),
            Some(&profile.arn),
            scope,
        );
        profile_node.timestamps.created_at = profile.created_at;
        set(
            &mut profile_node,
            "instance_profile_id",
            profile.id.as_str(),
        );
        out.node(profile_node);
        for role_name in &profile.roles {
            if let Some(role) = account.role(role_name) {
                edge(
                    out,
                    &id,
                    EdgeKind::Uses,
                    &ids::identity(IdentityType::IamRole, &role.arn),
                );
            }
        }
    }
    for assumption in &assessment.privileges.assumptions {
        let from = principal_id(account, &assumption.from);
        edge_with(
            out,
            &from,
            EdgeKind::CanAssume,
            &ids::identity(IdentityType::IamRole, &assumption.to),
            json!({"reasoning": assumption.reasoning}),
        );
    }
    // An escalation to another identity is a way to become it: the graph
    // follows it like an assumption, so blast radii and attack paths see it.
    for escalation in &assessment.privileges.escalations {
        let target = if account.roles.iter().any(|r| r.arn == escalation.target) {
            ids::identity(IdentityType::IamRole, &escalation.target)
        } else if account.users.iter().any(|u| u.arn == escalation.target) {
            ids::identity(IdentityType::IamUser, &escalation.target)
        } else {
            continue;
        };
        let is_principal = account.roles.iter().any(|r| r.arn == escalation.principal)
            || account.users.iter().any(|u| u.arn == escalation.principal);
        let from = principal_id(account, &escalation.principal);
        if !is_principal || from == target {
            continue;
        }
        edge_with(
            out,
            &from,
            EdgeKind::CanAssume,
            &target,
            json!({"escalation": escalation.method.id, "how": escalation.method.how}),
        );
    }
    for finding in &assessment.findings {
        out.finding(finding.clone());
    }
}

fn principal_id(account: &Account, arn: &str) -> NodeId {
    if account.roles.iter().any(|r| r.arn == arn) {
        ids::identity(IdentityType::IamRole, arn)
    } else {
        ids::identity(IdentityType::IamUser, arn)
    }
}

fn holds(out: &dyn NodeSink, owner: &NodeId, credential: &NodeId) {
    edge(out, owner, EdgeKind::Holds, credential);
    edge(out, credential, EdgeKind::AuthenticatesAs, owner);
}

fn access_key(
    out: &dyn NodeSink,
    owner: &NodeId,
    owner_arn: &str,
    owner_name: &str,
    key: &nhiscope_aws_iam::AccessKey,
    scope: &str,
) {
    let id = ids::access_key(owner_arn, key);
    let mut key_node = node(
        id.clone(),
        NodeKind::Credential(CredentialType::AccessKey),
        &format!("{} of {owner_name}", key.label()),
        key.id.as_deref(),
        scope,
    );
    key_node.timestamps = Timestamps {
        created_at: key.created_at,
        last_used_at: key.last_used_at,
        rotated_at: key.created_at,
        ..Timestamps::default()
    };
    set(
        &mut key_node,
        "status",
        if key.active { "active" } else { "inactive" },
    );
    set(&mut key_node, "slot", json!(key.slot));
    set(
        &mut key_node,
        "last_used_service",
        json!(key.last_used_service),
    );
    set(
        &mut key_node,
        "last_used_region",
        json!(key.last_used_region),
    );
    set(&mut key_node, "long_lived", true);
    out.node(key_node);
    holds(out, owner, &id);
}

fn permissions(
    out: &dyn NodeSink,
    principal: &NodeId,
    owner_arn: &str,
    inline: &[nhiscope_aws_iam::InlinePolicy],
    attached: &[String],
    boundary: Option<&str>,
    scope: &str,
) {
    for policy in inline {
        let id = ids::inline_policy(owner_arn, &policy.name);
        let mut policy_node = node(
            id.clone(),
            NodeKind::Permission(PermissionType::InlinePolicy),
            &policy.name,
            None,
            scope,
        );
        set(&mut policy_node, "owner", owner_arn);
        describe_document(&mut policy_node, &policy.document);
        out.node(policy_node);
        edge(out, principal, EdgeKind::HasPermission, &id);
        grants(out, &id, &policy.document, scope);
    }
    for arn in attached {
        edge(
            out,
            principal,
            EdgeKind::HasPermission,
            &ids::managed_policy(arn),
        );
    }
    if let Some(arn) = boundary {
        edge_with(
            out,
            principal,
            EdgeKind::HasPermission,
            &ids::managed_policy(arn),
            json!({"permissions_boundary": true}),
        );
    }
}

/// The actions a document allows and denies, as attributes.
fn describe_document(node: &mut Node, document: &PolicyDocument) {
    let mut allowed = BTreeSet::new();
    let mut allowed_except = BTreeSet::new();
    let mut denied = BTreeSet::new();
    for statement in &document.statements {
        let target = match (statement.effect, &statement.actions) {
            (nhiscope_aws_iam::Effect::Allow, PatternList::Only(_)) => &mut allowed,
            (nhiscope_aws_iam::Effect::Allow, PatternList::AllBut(_)) => &mut allowed_except,
            (nhiscope_aws_iam::Effect::Deny, _) => &mut denied,
        };
        target.extend(statement.actions.patterns().iter().cloned());
    }
    set(node, "allowed_actions", json!(allowed));
    if !allowed_except.is_empty() {
        set(node, "allowed_all_actions_except", json!(allowed_except));
    }
    if !denied.is_empty() {
        set(node, "denied_actions", json!(denied));
    }
    set(node, "statements", document.statements.len());
    set(
        node,
        "conditional",
        document.statements.iter().any(|s| !s.conditions.is_empty()),
    );
}

fn resource_type(pattern: &str) -> ResourceType {
    if pattern == "*" {
        return ResourceType::Any;
    }
    match pattern.split(':').nth(2).unwrap_or("") {
        "s3" => ResourceType::Bucket,
        "secretsmanager" | "ssm" | "kms" => ResourceType::Secret,
        "dynamodb" | "rds" | "redshift" => ResourceType::Database,
        "eks" => ResourceType::Cluster,
        "codecommit" => ResourceType::Repository,
        _ => ResourceType::Other,
    }
}

/// permission → resource edges for what the Allow statements name.
fn grants(out: &dyn NodeSink, permission: &NodeId, document: &PolicyDocument, scope: &str) {
    let patterns: BTreeSet<&str> = document
        .statements
        .iter()
        .filter(|s| s.effect == nhiscope_aws_iam::Effect::Allow)
        .filter_map(|s| match &s.resources {
            Some(PatternList::Only(patterns)) => Some(patterns.iter().map(String::as_str)),
            _ => None,
        })
        .flatten()
        .collect();
    for pattern in patterns.iter().take(MAX_RESOURCES_PER_POLICY) {
        let kind = NodeKind::Resource(resource_type(pattern));
        let native = if *pattern == "*" {
            format!("{scope}:*")
        } else {
            (*pattern).to_string()
        };
        let id = NodeId::new(ids::PROVIDER, &kind, &native);
        let name = if *pattern == "*" {
            format!("every resource in {scope}")
        } else {
            (*pattern).to_string()
        };
        out.node(node(id.clone(), kind, &name, Some(pattern), scope));
        edge(out, permission, EdgeKind::Grants, &id);
    }
}

/// What kind of role it is, from who its trust policy admits.
fn role_types(role: &Role, own_account: &str) -> Vec<&'static str> {
    let mut types = BTreeSet::new();
    let Some(trust) = &role.trust_policy else {
        return Vec::new();
    };
    for statement in &trust.statements {
        let Some(principals) = &statement.principals else {
            continue;
        };
        if !principals.services.is_empty() {
            types.insert("service");
        }
        for federated in &principals.federated {
            types.insert(if federated.contains(":saml-provider/") {
                "saml"
            } else {
                "oidc-federated"
            });
        }
        if principals.anyone {
            types.insert("public");
        }
        for aws in &principals.aws {
            let account = if aws.len() == 12 {
                aws.as_str()
            } else {
                aws.split(':').nth(4).unwrap_or("")
            };
            types.insert(if account == own_account {
                "same-account"
            } else {
                "cross-account"
            });
        }
    }
    if role.is_service_linked() {
        types.insert("service-linked");
    }
    types.into_iter().collect()
}

fn role_node(
    out: &dyn NodeSink,
    account: &Account,
    assessment: &Assessment,
    role: &Role,
    account_id: &NodeId,
    user_ids: &BTreeSet<&str>,
    scope: &str,
) {
    let id = ids::identity(IdentityType::IamRole, &role.arn);
    let mut role_node = node(
        id.clone(),
        NodeKind::Identity(IdentityType::IamRole),
        &role.name,
        Some(&role.arn),
        scope,
    );
    role_node.timestamps = Timestamps {
        created_at: role.created_at,
        last_used_at: role.last_used_at,
        ..Timestamps::default()
    };
    role_node.labels = role.tags.clone();
    set(&mut role_node, "role_id", role.id.as_str());
    set(&mut role_node, "path", role.path.as_str());
    set(
        &mut role_node,
        "role_types",
        json!(role_types(role, &account.id)),
    );
    set(
        &mut role_node,
        "last_used_region",
        json!(role.last_used_region),
    );
    set(
        &mut role_node,
        "permissions_boundary",
        json!(role.permissions_boundary),
    );
    let classification = assessment
        .classifications
        .get(&role.arn)
        .cloned()
        .unwrap_or_else(|| classify_role(role));
    set(
        &mut role_node,
        "classification",
        classification.nature.as_str(),
    );
    set(
        &mut role_node,
        "classification_reason",
        classification.reason.as_str(),
    );
    if let Some(admin) = assessment.privileges.admins.get(&role.arn) {
        set(
            &mut role_node,
            "admin_equivalent",
            format!("{:?}", admin.kind).to_ascii_lowercase(),
        );
    }
    out.node(role_node);
    edge(out, account_id, EdgeKind::Contains, &id);
    permissions(
        out,
        &id,
        &role.arn,
        &role.inline_policies,
        &role.attached_policies,
        role.permissions_boundary.as_deref(),
        scope,
    );
    let Some(trust) = &role.trust_policy else {
        return;
    };
    for statement in trust
        .statements
        .iter()
        .filter(|s| s.effect == nhiscope_aws_iam::Effect::Allow)
    {
        let Some(principals) = &statement.principals else {
            continue;
        };
        let conditions: Vec<String> = statement
            .conditions
            .iter()
            .map(ToString::to_string)
            .collect();
        let mut trusted: Vec<NodeId> = Vec::new();
        for aws in &principals.aws {
            if user_ids.contains(aws.as_str()) {
                trusted.push(ids::identity(IdentityType::IamUser, aws));
            } else if account.roles.iter().any(|r| &r.arn == aws) {
                trusted.push(ids::identity(IdentityType::IamRole, aws));
            } else {
                let native = aws.as_str();
                let mut external = node(
                    ids::federated(native),
                    NodeKind::Identity(IdentityType::FederatedPrincipal),
                    native,
                    Some(native),
                    scope,
                );
                set(&mut external, "protocol", "aws");
                out.node(external);
                trusted.push(ids::federated(native));
            }
        }
        for service in &principals.services {
            let mut service_node = node(
                ids::federated(service),
                NodeKind::Identity(IdentityType::FederatedPrincipal),
                service,
                Some(service),
                scope,
            );
            set(&mut service_node, "protocol", "aws-service");
            out.node(service_node);
            trusted.push(ids::federated(service));
        }
        for federated in &principals.federated {
            if !account.oidc_providers.iter().any(|p| &p.arn == federated)
                && !account.saml_providers.iter().any(|p| &p.arn == federated)
            {
                let name = federated.rsplit('/').next().unwrap_or(federated);
                out.node(node(
                    ids::federated(federated),
                    NodeKind::Identity(IdentityType::FederatedPrincipal),
                    name,
                    Some(federated),
                    scope,
                ));
            }
            trusted.push(ids::federated(federated));
        }
        if principals.anyone {
            out.node(node(
                ids::federated("*"),
                NodeKind::Identity(IdentityType::FederatedPrincipal),
                "any AWS principal",
                Some("*"),
                scope,
            ));
            trusted.push(ids::federated("*"));
        }
        for to in trusted {
            edge_with(
                out,
                &id,
                EdgeKind::Trusts,
                &to,
                json!({"conditions": conditions}),
            );
        }
    }
}

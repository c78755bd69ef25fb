//! AWS's own export formats to an [`Account`]: the JSON of `aws iam
//! get-account-authorization-details` (also what the API returns, with
//! URL-encoded documents) and the credential report CSV (`aws iam
//! get-credential-report`, base64-decoded). Pure functions: text in, model out.

mod access_keys;

use std::collections::BTreeMap;

pub use access_keys::{access_key_list_users, apply_access_key_list, is_access_key_list};

use jiff::Timestamp;
use serde_json::Value;

use crate::{
    AccessKey, Account, Group, InlinePolicy, InstanceProfile, ManagedPolicy, PolicyDocument, Role,
    RootUser, User,
};

/// An export that cannot be read; the message names the item and the field.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not JSON at all.
    #[error("not JSON ({0}); expected the output of `aws iam get-account-authorization-details`")]
    Json(String),
    /// JSON, but not an authorization-details export.
    #[error("not an authorization-details export: {0}")]
    Shape(String),
    /// One item is malformed.
    #[error("{item}: {message}")]
    Item {
        /// The user, role, group or policy.
        item: String,
        /// What is wrong.
        message: String,
    },
    /// A credential report that cannot be read.
    #[error("credential report line {line}: {message}")]
    CredentialReport {
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Parses a timestamp as AWS tools print them: RFC 3339 with `T` or a
/// space, with `Z` or an offset, or a bare date.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Some(timestamp);
    }
    let with_t = text.replacen(' ', "T", 1);
    if let Ok(timestamp) = with_t.parse::<Timestamp>() {
        return Some(timestamp);
    }
    if let Ok(timestamp) = format!("{with_t}Z").parse::<Timestamp>() {
        return Some(timestamp);
    }
    format!("{text}T00:00:00Z").parse::<Timestamp>().ok()
}

fn text<'v>(value: &'v Value, field: &str) -> Option<&'v str> {
    value.get(field).and_then(Value::as_str)
}

fn required(value: &Value, field: &str, item: &str) -> Result<String, ImportError> {
    text(value, field)
        .map(str::to_string)
        .ok_or_else(|| ImportError::Item {
            item: item.to_string(),
            message: format!("no `{field}`"),
        })
}

fn timestamp(value: &Value, field: &str) -> Option<Timestamp> {
    text(value, field).and_then(parse_timestamp)
}

fn list<'v>(value: &'v Value, field: &str) -> &'v [Value] {
    value
        .get(field)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn tags(value: &Value) -> BTreeMap<String, String> {
    list(value, "Tags")
        .iter()
        .filter_map(|tag| {
            Some((
                text(tag, "Key")?.to_string(),
                text(tag, "Value").unwrap_or("").to_string(),
            ))
        })
        .collect()
}

fn document(value: &Value, field: &str, item: &str) -> Result<PolicyDocument, ImportError> {
    let raw = value.get(field).ok_or_else(|| ImportError::Item {
        item: item.to_string(),
        message: format!("no `{field}`"),
    })?;
    PolicyDocument::from_value(raw).map_err(|error| ImportError::Item {
        item: item.to_string(),
        message: error.to_string(),
    })
}

fn inline_policies(
    value: &Value,
    field: &str,
    owner: &str,
) -> Result<Vec<InlinePolicy>, ImportError> {
    list(value, field)
        .iter()
        .map(|policy| {
            let name = required(policy, "PolicyName", owner)?;
            let item = format!("{owner}, inline policy {name}");
            Ok(InlinePolicy {
                document: document(policy, "PolicyDocument", &item)?,
                name,
            })
        })
        .collect()
}

fn attached(value: &Value) -> Vec<String> {
    list(value, "AttachedManagedPolicies")
        .iter()
        .filter_map(|policy| text(policy, "PolicyArn").map(str::to_string))
        .collect()
}

fn boundary(value: &Value) -> Option<String> {
    value
        .get("PermissionsBoundary")
        .and_then(|b| text(b, "PermissionsBoundaryArn"))
        .map(str::to_string)
}

/// The account id and partition in an ARN (`arn:aws:iam::123456789012:user/x`).
pub fn arn_account(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (_, partition, _, _, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .then_some((account, partition))
}

/// Reads an authorization-details export (one account).
pub fn parse_authorization_details(json: &str) -> Result<Account, ImportError> {
    parse_authorization_details_of(json, None)
}

/// Reads an authorization-details export of a known account: an account with
/// nothing in it (no user, group, role or customer policy) is then still an
/// account, not an error.
pub fn parse_authorization_details_of(
    json: &str,
    known_account: Option<&str>,
) -> Result<Account, ImportError> {
    let root: Value =
        serde_json::from_str(json).map_err(|error| ImportError::Json(error.to_string()))?;
    let known = [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ];
    if !root.is_object() || !known.iter().any(|field| root.get(field).is_some()) {
        return Err(ImportError::Shape(
            "none of UserDetailList, GroupDetailList, RoleDetailList, Policies is present".into(),
        ));
    }
    let mut account = Account::default();
    for user in list(&root, "UserDetailList") {
        let name = required(user, "UserName", "a user")?;
        let item = format!("user {name}");
        account.users.push(User {
            arn: required(user, "Arn", &item)?,
            id: text(user, "UserId").unwrap_or("").to_string(),
            path: text(user, "Path").unwrap_or("/").to_string(),
            created_at: timestamp(user, "CreateDate"),
            groups: list(user, "GroupList")
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            inline_policies: inline_policies(user, "UserPolicyList", &item)?,
            attached_policies: attached(user),
            permissions_boundary: boundary(user),
            tags: tags(user),
            name,
            ..User::default()
        });
    }
    for group in list(&root, "GroupDetailList") {
        let name = required(group, "GroupName", "a group")?;
        let item = format!("group {name}");
        account.groups.push(Group {
            arn: required(group, "Arn", &item)?,
            id: text(group, "GroupId").unwrap_or("").to_string(),
            created_at: timestamp(group, "CreateDate"),
            inline_policies: inline_policies(group, "GroupPolicyList", &item)?,
            attached_policies: attached(group),
            name,
        });
    }
    for role in list(&root, "RoleDetailList") {
        let name = required(role, "RoleName", "a role")?;
        let item = format!("role {name}");
        let trust_policy = match role.get("AssumeRolePolicyDocument") {
            Some(_) => Some(document(
                role,
                "AssumeRolePolicyDocument",
                &format!("{item}, trust policy"),
            )?),
            None => None,
        };
        let mut instance_profiles = Vec::new();
        for profile in list(role, "InstanceProfileList") {
            let profile_name = required(profile, "InstanceProfileName", &item)?;
            let arn = required(profile, "Arn", &item)?;
            instance_profiles.push(arn.clone());
            if !account.instance_profiles.iter().any(|p| p.arn == arn) {
                account.instance_profiles.push(InstanceProfile {
                    id: text(profile, "InstanceProfileId").unwrap_or("").to_string(),
                    created_at: timestamp(profile, "CreateDate"),
                    roles: list(profile, "Roles")
                        .iter()
                        .filter_map(|r| text(r, "RoleName"))
                        .map(str::to_string)
                        .collect(),
                    name: profile_name,
                    arn,
                });
            }
        }
        let last_used = role.get("RoleLastUsed");
        account.roles.push(Role {
            arn: required(role, "Arn", &item)?,
            id: text(role, "RoleId").unwrap_or("").to_string(),
            path: text(role, "Path").unwrap_or("/").to_string(),
            created_at: timestamp(role, "CreateDate"),
            trust_policy,
            inline_policies: inline_policies(role, "RolePolicyList", &item)?,
            attached_policies: attached(role),
            permissions_boundary: boundary(role),
            tags: tags(role),
            last_used_at: last_used.and_then(|l| timestamp(l, "LastUsedDate")),
            last_used_region: last_used
                .and_then(|l| text(l, "Region"))
                .map(str::to_string),
            instance_profiles,
            name,
        });
    }
    for policy in list(&root, "Policies") {
        let name = required(policy, "PolicyName", "a policy")?;
        let item = format!("policy {name}");
        let arn = required(policy, "Arn", &item)?;
        let default_version = text(policy, "DefaultVersionId").map(str::to_string);
        let versions = list(policy, "PolicyVersionList");
        let default = versions
            .iter()
            .find(|v| v.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true))
            .or_else(|| {
                versions
                    .iter()
                    .find(|v| text(v, "VersionId") == default_version.as_deref())
            });
        let document = match default {
            Some(version) => Some(document(version, "Document", &item)?),
            None => None,
        };
        account.policies.insert(
            arn.clone(),
            ManagedPolicy {
                id: text(policy, "PolicyId").unwrap_or("").to_string(),
                document,
                default_version,
                other_versions: versions.len().saturating_sub(1),
                created_at: timestamp(policy, "CreateDate"),
                updated_at: timestamp(policy, "UpdateDate"),
                name,
                arn,
            },
        );
    }
    let (id, partition) = account
        .users
        .iter()
        .map(|u| u.arn.as_str())
        .chain(account.roles.iter().map(|r| r.arn.as_str()))
        .chain(account.groups.iter().map(|g| g.arn.as_str()))
        .chain(account.policies.keys().map(String::as_str))
        .find_map(arn_account)
        .or(known_account.map(|id| (id, "aws")))
        .ok_or_else(|| {
            ImportError::Shape(
                "no ARN names the account (no users, groups, roles or customer policies)".into(),
            )
        })?;
    account.id = id.to_string();
    account.partition = partition.to_string();
    Ok(account)
}

/// The account a credential report describes (from its first ARN).
pub fn credential_report_account(csv: &str) -> Option<String> {
    csv.lines().skip(1).find_map(|line| {
        let fields = split_csv(line);
        fields
            .get(1)
            .and_then(|arn| arn_account(arn))
            .map(|(account, _)| account.to_string())
    })
}

/// Whether `text` looks like a credential report (by its header).
pub fn is_credential_report(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .starts_with("user,arn,user_creation_time")
}

/// Adds what a credential report tells to `account`: console passwords, MFA,
/// and access keys by slot (a report has no key ids). Users the report names
/// but the account lacks are added; keys already known (from a live
/// ListAccessKeys) are kept, the report only fills their gaps.
pub fn apply_credential_report(account: &mut Account, csv: &str) -> Result<(), ImportError> {
    let mut lines = csv.trim_start_matches('\u{feff}').lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(ImportError::CredentialReport {
            line: 1,
            message: "empty".into(),
        });
    };
    let header: Vec<String> = split_csv(header);
    let column = |name: &str| header.iter().position(|h| h == name);
    let user_column = column("user").ok_or_else(|| ImportError::CredentialReport {
        line: 1,
        message: "no `user` column; expected the CSV of `aws iam get-credential-report`".into(),
    })?;
    for (index, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields = split_csv(line);
        if fields.len() != header.len() {
            return Err(ImportError::CredentialReport {
                line: index + 1,
                message: format!(
                    "{} fields where the header has {}",
                    fields.len(),
                    header.len()
                ),
            });
        }
        let get = |name: &str| column(name).map(|c| fields[c].as_str()).unwrap_or("");
        let flag = |name: &str| match get(name) {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        let when = |name: &str| parse_timestamp(get(name));
        let mut keys = Vec::new();
        for slot in [1u8, 2] {
            let active = flag(&format!("access_key_{slot}_active"));
            let rotated = when(&format!("access_key_{slot}_last_rotated"));
            // A slot never used holds no key: inactive and never rotated.
            if active != Some(true) && rotated.is_none() {
                continue;
            }
            let text_or_none =
                |value: &str| (!matches!(value, "" | "N/A")).then(|| value.to_string());
            keys.push(AccessKey {
                id: None,
                slot: Some(slot),
                active: active == Some(true),
                created_at: rotated,
                last_used_at: when(&format!("access_key_{slot}_last_used_date")),
                last_used_service: text_or_none(get(&format!(
                    "access_key_{slot}_last_used_service"
                ))),
                last_used_region: text_or_none(get(&format!("access_key_{slot}_last_used_region"))),
            });
        }
        let name = fields[user_column].as_str();
        if name == "<root_account>" {
            account.root = Some(RootUser {
                access_keys: keys,
                access_keys_present: account.root.as_ref().and_then(|r| r.access_keys_present),
                mfa_active: flag("mfa_active"),
                password_last_used: when("password_last_used"),
            });
            continue;
        }
        let position = match account.users.iter().position(|u| u.name == name) {
            Some(position) => position,
            None => {
                account.users.push(User {
                    name: name.to_string(),
                    arn: get("arn").to_string(),
                    created_at: when("user_creation_time"),
                    path: "/".into(),
                    ..User::default()
                });
                account.users.len() - 1
            }
        };
        let user = &mut account.users[position];
        user.password_enabled = flag("password_enabled").or(user.password_enabled);
        user.password_last_used = when("password_last_used").or(user.password_last_used);
        user.mfa_active = flag("mfa_active").or(user.mfa_active);
        if user.access_keys.is_empty() {
            user.access_keys = keys;
        } else {
            // Live keys are known by id; match report slots by creation time.
            for key in keys {
                if let Some(known) = user
                    .access_keys
                    .iter_mut()
                    .find(|k| k.created_at == key.created_at)
                {
                    known.slot = known.slot.or(key.slot);
                    known.last_used_at = known.last_used_at.or(key.last_used_at);
                    known.last_used_service =
                        known.last_used_service.clone().or(key.last_used_service);
                    known.last_used_region =
                        known.last_used_region.clone().or(key.last_used_region);
                }
            }
        }
    }
    Ok(())
}

/// Splits one CSV line, honouring double quotes.
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
pub(crate) mod tests;

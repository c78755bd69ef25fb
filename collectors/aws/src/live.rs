//! Live collection through the official SDK. Read-only calls only (the list
//! is in docs/permissions/aws.md): the authorization details are fetched page
//! by page and rebuilt in the shape the CLI exports, so live and offline
//! scans share one tested importer; keys, their last use, other user
//! credentials, the credential report, providers, certificates and the
//! account summary are added on top. Throttling and 5xx answers are retried
//! with backoff by the SDK's standard retry mode; a call that still fails is
//! recorded as a named gap and the rest of the account is collected.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig, retry::RetryConfig};
use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_iam::primitives::DateTime;
use aws_sdk_iam::types::{ReportStateType, StatusType};
use futures::StreamExt;
use nhiscope_aws_iam::{
    AccessKey, Account, OidcProvider, SamlProvider, ServerCertificate, ServiceCredential,
    SigningCertificate, SshPublicKey, apply_credential_report, parse_authorization_details_of,
    parse_timestamp,
};
use nhiscope_collect::{CollectContext, NodeSink};
use serde_json::{Value, json};

use crate::AwsConfig;

/// Why an account could not be collected at all.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AccountError(pub String);

/// One account to collect: the SDK config to reach it, and how it was reached.
pub struct Target {
    /// The SDK config (credentials of the account).
    pub sdk: SdkConfig,
    /// How it was reached (`default credentials`, `role arn:...`).
    pub via: String,
}

/// Loads the base SDK config: the default chain, a profile, a region, an endpoint.
pub async fn base_config(config: &AwsConfig) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(
        RetryConfig::standard()
            .with_max_attempts(config.max_attempts)
            .with_initial_backoff(Duration::from_millis(200)),
    );
    if let Some(profile) = &config.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(endpoint) = &config.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    let mut sdk = loader.load().await;
    if sdk.region().is_none() || config.region.is_some() {
        let region = config
            .region
            .clone()
            .unwrap_or_else(|| "us-east-1".to_string());
        sdk = sdk
            .into_builder()
            .region(aws_config::Region::new(region))
            .build();
    }
    sdk
}

/// The accounts to collect: the caller's own (unless only roles are listed),
/// every `assume_roles` ARN, and every organization account.
pub async fn targets(config: &AwsConfig, base: &SdkConfig, out: &dyn NodeSink) -> Vec<Target> {
    let mut targets = Vec::new();
    let mut roles = config.assume_roles.clone();
    if config.organization {
        match organization_roles(config, base).await {
            Ok(found) => roles.extend(found),
            Err(message) => out.error(Some("aws:organizations".into()), message),
        }
    }
    if config.assume_roles.is_empty() {
        targets.push(Target {
            sdk: base.clone(),
            via: "the default credentials".into(),
        });
    }
    roles.sort();
    roles.dedup();
    for role in roles {
        let mut provider = aws_config::sts::AssumeRoleProvider::builder(&role)
            .session_name("nhiscope")
            .configure(base);
        if let Some(external_id) = &config.external_id {
            provider = provider.external_id(external_id);
        }
        let provider = provider.build().await;
        let sdk = base
            .clone()
            .into_builder()
            .credentials_provider(aws_sdk_iam::config::SharedCredentialsProvider::new(
                provider,
            ))
            .build();
        targets.push(Target {
            sdk,
            via: format!("role {role}"),
        });
    }
    targets
}

async fn organization_roles(config: &AwsConfig, base: &SdkConfig) -> Result<Vec<String>, String> {
    let client = aws_sdk_organizations::Client::new(base);
    let sts = aws_sdk_sts::Client::new(base);
    let me = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| format!("sts:GetCallerIdentity failed: {}", describe(&e)))?;
    let own = me.account().unwrap_or_default().to_string();
    let mut pages = client.list_accounts().into_paginator().send();
    let mut roles = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            format!(
                "organizations:ListAccounts failed ({}); run from the management or a delegated administrator account, or list the roles in assume_roles",
                describe(&e)
            )
        })?;
        for account in page.accounts() {
            let Some(id) = account.id() else { continue };
            let active = account.state().is_none_or(|s| s.as_str() == "ACTIVE");
            if active && id != own {
                roles.push(format!(
                    "arn:aws:iam::{id}:role/{}",
                    config.organization_role
                ));
            }
        }
    }
    Ok(roles)
}

/// One line for an SDK error: the service's code and message when it
/// answered, else the whole error chain.
pub fn describe<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            match (inner.code(), inner.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_string(),
                _ => DisplayErrorContext(error).to_string(),
            }
        }
        other => DisplayErrorContext(other).to_string().replace('\n', " "),
    }
}

fn is_access_denied<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    matches!(error, SdkError::ServiceError(s) if s.err().code().is_some_and(|c| c.contains("AccessDenied") || c == "UnauthorizedOperation"))
}

fn date(value: &DateTime) -> String {
    value
        .fmt(aws_sdk_iam::primitives::DateTimeFormat::DateTime)
        .unwrap_or_default()
}

fn timestamp(value: Option<&DateTime>) -> Option<jiff::Timestamp> {
    value.and_then(|d| parse_timestamp(&date(d)))
}

/// API calls that failed, grouped by action, so a denied per-user call is one
/// named gap, not one error per user.
#[derive(Default)]
struct Gaps {
    by_action: BTreeMap<&'static str, (usize, String, bool)>,
}

impl Gaps {
    fn record<E, R>(&mut self, action: &'static str, error: &SdkError<E, R>)
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let entry = self
            .by_action
            .entry(action)
            .or_insert_with(|| (0, describe(error), is_access_denied(error)));
        entry.0 += 1;
    }

    fn report(self, account: &str, out: &dyn NodeSink) {
        for (action, (count, message, denied)) in self.by_action {
            let times = if count == 1 {
                String::new()
            } else {
                format!(" ({count} calls)")
            };
            let advice = if denied {
                format!(
                    "grant {action} to the scanning principal (docs/permissions/aws.md lists the read-only policy)"
                )
            } else {
                "the call failed after retries; run the scan again, and report it if it persists"
                    .to_string()
            };
            out.error(
                Some(format!("aws:{account}:{action}")),
                format!("account {account}: {action} failed{times}: {message}; what it reads is missing from this scan: {advice}"),
            );
        }
    }
}

/// Collects one account. Only a failure of GetAccountAuthorizationDetails
/// (without which there is no account to speak of) is an error; every other
/// failed call becomes a named gap on `out`.
pub async fn collect_account(
    target: &Target,
    cx: &CollectContext,
    concurrency: usize,
    page_size: Option<i32>,
    out: &dyn NodeSink,
) -> Result<Account, AccountError> {
    // Who we are, and in which account: also where an assumed role that
    // cannot be assumed fails, naming the role.
    let caller = aws_sdk_sts::Client::new(&target.sdk)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            AccountError(format!(
                "cannot authenticate with {}: {}",
                target.via,
                describe(&e)
            ))
        })?;
    let account_id = caller.account().unwrap_or_default().to_string();
    let iam = aws_sdk_iam::Client::new(&target.sdk);
    let export = authorization_details(&iam, page_size)
        .await
        .map_err(|message| {
            AccountError(format!(
                "{} (reached with {}): {message}",
                "iam:GetAccountAuthorizationDetails failed", target.via
            ))
        })?;
    let known = (!account_id.is_empty()).then_some(account_id.as_str());
    let mut account =
        parse_authorization_details_of(&export.to_string(), known).map_err(|error| {
            AccountError(format!(
                "the authorization details returned through {} cannot be read: {error}",
                target.via
            ))
        })?;
    account.sources.push(format!("live ({})", target.via));
    out.scanned(1);
    let mut gaps = Gaps::default();

    // Per-user credentials, a bounded number of users at a time.
    let users: Vec<String> = account.users.iter().map(|u| u.name.clone()).collect();
    let mut per_user = futures::stream::iter(users.into_iter().map(|name| {
        let iam = iam.clone();
        async move {
            let credentials = user_credentials(&iam, &name, page_size).await;
            (name, credentials)
        }
    }))
    .buffer_unordered(concurrency.max(1));
    while let Some((name, credentials)) = per_user.next().await {
        if cx.cancel.is_cancelled() {
            break;
        }
        out.scanned(1);
        let Some(user) = account.users.iter_mut().find(|u| u.name == name) else {
            continue;
        };
        let UserCredentials {
            access_keys,
            ssh_keys,
            service_credentials,
            signing_certificates,
            failures,
        } = credentials;
        if let Some(keys) = access_keys {
            user.access_keys = keys;
        }
        user.ssh_keys = ssh_keys;
        user.service_credentials = service_credentials;
        user.signing_certificates = signing_certificates;
        for (action, error) in failures {
            gaps.record_boxed(action, error);
        }
    }
    drop(per_user);

    match credential_report(&iam).await {
        Ok(Some(csv)) => {
            if let Err(error) = apply_credential_report(&mut account, &csv) {
                out.error(Some(format!("aws:{}:GetCredentialReport", account.id)), format!("account {}: the credential report cannot be read: {error}", account.id));
            }
        }
        Ok(None) => out.error(
            Some(format!("aws:{}:GenerateCredentialReport", account.id)),
            format!("account {}: the credential report was not ready after waiting; passwords, MFA and root keys are missing from this scan — run it again", account.id),
        ),
        Err((action, error)) => gaps.record_boxed(action, error),
    }
    account_extras(&iam, &mut account, page_size, &mut gaps).await;
    gaps.report(&account.id, out);
    Ok(account)
}

/// An SDK error reduced to what a gap needs, so different operations'
/// errors share a list.
struct BoxedError {
    message: String,
    denied: bool,
}

impl BoxedError {
    fn of<E, R>(error: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        Self {
            message: describe(error),
            denied: is_access_denied(error),
        }
    }
}

impl Gaps {
    fn record_boxed(&mut self, action: &'static str, error: BoxedError) {
        let entry = self
            .by_action
            .entry(action)
            .or_insert_with(|| (0, error.message, error.denied));
        entry.0 += 1;
    }
}

struct UserCredentials {
    access_keys: Option<Vec<AccessKey>>,
    ssh_keys: Vec<SshPublicKey>,
    service_credentials: Vec<ServiceCredential>,
    signing_certificates: Vec<SigningCertificate>,
    failures: Vec<(&'static str, BoxedError)>,
}

async fn user_credentials(
    iam: &aws_sdk_iam::Client,
    user: &str,
    page_size: Option<i32>,
) -> UserCredentials {
    let mut result = UserCredentials {
        access_keys: None,
        ssh_keys: Vec::new(),
        service_credentials: Vec::new(),
        signing_certificates: Vec::new(),
        failures: Vec::new(),
    };
    let mut keys = Vec::new();
    let mut pages = iam
        .list_access_keys()
        .user_name(user)
        .set_max_items(page_size)
        .into_paginator()
        .send();
    let mut complete = true;
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                for metadata in page.access_key_metadata() {
                    keys.push(AccessKey {
                        id: metadata.access_key_id().map(str::to_string),
                        slot: None,
                        active: metadata.status() == Some(&StatusType::Active),
                        created_at: timestamp(metadata.create_date()),
                        ..AccessKey::default()
                    });
                }
            }
            Err(error) => {
                result
                    .failures
                    .push(("iam:ListAccessKeys", BoxedError::of(&error)));
                complete = false;
                break;
            }
        }
    }
    for key in &mut keys {
        let Some(id) = key.id.clone() else { continue };
        match iam
            .get_access_key_last_used()
            .access_key_id(&id)
            .send()
            .await
        {
            Ok(answer) => {
                if let Some(last) = answer.access_key_last_used() {
                    key.last_used_at = timestamp(last.last_used_date());
                    key.last_used_service =
                        Some(last.service_name().to_string()).filter(|s| s != "N/A");
                    key.last_used_region = Some(last.region().to_string()).filter(|s| s != "N/A");
                }
            }
            Err(error) => result
                .failures
                .push(("iam:GetAccessKeyLastUsed", BoxedError::of(&error))),
        }
    }
    if complete || !keys.is_empty() {
        result.access_keys = Some(keys);
    }
    let mut pages = iam
        .list_ssh_public_keys()
        .user_name(user)
        .set_max_items(page_size)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => result
                .ssh_keys
                .extend(page.ssh_public_keys().iter().map(|key| SshPublicKey {
                    id: key.ssh_public_key_id().to_string(),
                    active: key.status() == &StatusType::Active,
                    uploaded_at: timestamp(Some(key.upload_date())),
                })),
            Err(error) => {
                result
                    .failures
                    .push(("iam:ListSSHPublicKeys", BoxedError::of(&error)));
                break;
            }
        }
    }
    match iam
        .list_service_specific_credentials()
        .user_name(user)
        .send()
        .await
    {
        Ok(answer) => {
            result
                .service_credentials
                .extend(
                    answer
                        .service_specific_credentials()
                        .iter()
                        .map(|c| ServiceCredential {
                            id: c.service_specific_credential_id().to_string(),
                            service: c.service_name().to_string(),
                            service_user_name: c.service_user_name().to_string(),
                            active: c.status() == &StatusType::Active,
                            created_at: timestamp(Some(c.create_date())),
                        }),
                )
        }
        Err(error) => result
            .failures
            .push(("iam:ListServiceSpecificCredentials", BoxedError::of(&error))),
    }
    let mut pages = iam
        .list_signing_certificates()
        .user_name(user)
        .set_max_items(page_size)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => result
                .signing_certificates
                .extend(page.certificates().iter().map(|c| SigningCertificate {
                    id: c.certificate_id().to_string(),
                    active: c.status() == &StatusType::Active,
                    uploaded_at: timestamp(c.upload_date()),
                })),
            Err(error) => {
                result
                    .failures
                    .push(("iam:ListSigningCertificates", BoxedError::of(&error)));
                break;
            }
        }
    }
    result
}

/// Fetches every page of GetAccountAuthorizationDetails and rebuilds the
/// JSON the CLI would print (documents decoded by the importer).
async fn authorization_details(
    iam: &aws_sdk_iam::Client,
    page_size: Option<i32>,
) -> Result<Value, String> {
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut roles = Vec::new();
    let mut policies = Vec::new();
    let mut pages = iam
        .get_account_authorization_details()
        .set_max_items(page_size)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e))?;
        for user in page.user_detail_list() {
            users.push(json!({
                "UserName": user.user_name(), "UserId": user.user_id(), "Arn": user.arn(), "Path": user.path(),
                "CreateDate": user.create_date().map(date),
                "GroupList": user.group_list(),
                "UserPolicyList": user.user_policy_list().iter().map(|p| json!({"PolicyName": p.policy_name(), "PolicyDocument": p.policy_document()})).collect::<Vec<_>>(),
                "AttachedManagedPolicies": user.attached_managed_policies().iter().map(|p| json!({"PolicyName": p.policy_name(), "PolicyArn": p.policy_arn()})).collect::<Vec<_>>(),
                "PermissionsBoundary": user.permissions_boundary().map(|b| json!({"PermissionsBoundaryArn": b.permissions_boundary_arn()})),
                "Tags": user.tags().iter().map(|t| json!({"Key": t.key(), "Value": t.value()})).collect::<Vec<_>>(),
            }));
        }
        for group in page.group_detail_list() {
            groups.push(json!({
                "GroupName": group.group_name(), "GroupId": group.group_id(), "Arn": group.arn(), "Path": group.path(),
                "CreateDate": group.create_date().map(date),
                "GroupPolicyList": group.group_policy_list().iter().map(|p| json!({"PolicyName": p.policy_name(), "PolicyDocument": p.policy_document()})).collect::<Vec<_>>(),
                "AttachedManagedPolicies": group.attached_managed_policies().iter().map(|p| json!({"PolicyName": p.policy_name(), "PolicyArn": p.policy_arn()})).collect::<Vec<_>>(),
            }));
        }
        for role in page.role_detail_list() {
            roles.push(json!({
                "RoleName": role.role_name(), "RoleId": role.role_id(), "Arn": role.arn(), "Path": role.path(),
                "CreateDate": role.create_date().map(date),
                "AssumeRolePolicyDocument": role.assume_role_policy_document(),
                "RolePolicyList": role.role_policy_list().iter().map(|p| json!({"PolicyName": p.policy_name(), "PolicyDocument": p.policy_document()})).collect::<Vec<_>>(),
                "AttachedManagedPolicies": role.attached_managed_policies().iter().map(|p| json!({"PolicyName": p.policy_name(), "PolicyArn": p.policy_arn()})).collect::<Vec<_>>(),
                "PermissionsBoundary": role.permissions_boundary().map(|b| json!({"PermissionsBoundaryArn": b.permissions_boundary_arn()})),
                "Tags": role.tags().iter().map(|t| json!({"Key": t.key(), "Value": t.value()})).collect::<Vec<_>>(),
                "RoleLastUsed": role.role_last_used().map(|l| json!({"LastUsedDate": l.last_used_date().map(date), "Region": l.region()})),
                "InstanceProfileList": role.instance_profile_list().iter().map(|p| json!({
                    "InstanceProfileName": p.instance_profile_name(), "InstanceProfileId": p.instance_profile_id(),
                    "Arn": p.arn(), "CreateDate": date(p.create_date()),
                    "Roles": p.roles().iter().map(|r| json!({"RoleName": r.role_name()})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            }));
        }
        for policy in page.policies() {
            policies.push(json!({
                "PolicyName": policy.policy_name(), "PolicyId": policy.policy_id(), "Arn": policy.arn(),
                "DefaultVersionId": policy.default_version_id(),
                "CreateDate": policy.create_date().map(date), "UpdateDate": policy.update_date().map(date),
                "PolicyVersionList": policy.policy_version_list().iter().map(|v| json!({
                    "Document": v.document(), "VersionId": v.version_id(), "IsDefaultVersion": v.is_default_version(),
                })).collect::<Vec<_>>(),
            }));
        }
    }
    Ok(
        json!({"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}),
    )
}

/// Generates the credential report and reads it; `None` when it never
/// became ready.
async fn credential_report(
    iam: &aws_sdk_iam::Client,
) -> Result<Option<String>, (&'static str, BoxedError)> {
    for attempt in 0..15u32 {
        let state = iam
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| ("iam:GenerateCredentialReport", BoxedError::of(&e)))?;
        if state.state() == Some(&ReportStateType::Complete) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt + 1))).await;
        if attempt == 14 {
            return Ok(None);
        }
    }
    let report = iam
        .get_credential_report()
        .send()
        .await
        .map_err(|e| ("iam:GetCredentialReport", BoxedError::of(&e)))?;
    let content = report
        .content()
        .map(|blob| blob.as_ref().to_vec())
        .unwrap_or_default();
    Ok(Some(String::from_utf8_lossy(&content).into_owned()))
}

/// Providers, server certificates, the account summary's root keys.
async fn account_extras(
    iam: &aws_sdk_iam::Client,
    account: &mut Account,
    page_size: Option<i32>,
    gaps: &mut Gaps,
) {
    match iam.list_open_id_connect_providers().send().await {
        Ok(answer) => {
            for entry in answer.open_id_connect_provider_list() {
                let Some(arn) = entry.arn() else { continue };
                match iam
                    .get_open_id_connect_provider()
                    .open_id_connect_provider_arn(arn)
                    .send()
                    .await
                {
                    Ok(provider) => account.oidc_providers.push(OidcProvider {
                        arn: arn.to_string(),
                        url: provider
                            .url()
                            .unwrap_or_default()
                            .trim_start_matches("https://")
                            .to_string(),
                        client_ids: provider.client_id_list().to_vec(),
                        created_at: timestamp(provider.create_date()),
                    }),
                    Err(error) => gaps.record("iam:GetOpenIDConnectProvider", &error),
                }
            }
        }
        Err(error) => gaps.record("iam:ListOpenIDConnectProviders", &error),
    }
    match iam.list_saml_providers().send().await {
        Ok(answer) => account
            .saml_providers
            .extend(answer.saml_provider_list().iter().filter_map(|p| {
                Some(SamlProvider {
                    arn: p.arn()?.to_string(),
                    created_at: timestamp(p.create_date()),
                    valid_until: timestamp(p.valid_until()),
                })
            })),
        Err(error) => gaps.record("iam:ListSAMLProviders", &error),
    }
    let mut pages = iam
        .list_server_certificates()
        .set_max_items(page_size)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => account.server_certificates.extend(
                page.server_certificate_metadata_list()
                    .iter()
                    .map(|c| ServerCertificate {
                        name: c.server_certificate_name().to_string(),
                        arn: c.arn().to_string(),
                        id: c.server_certificate_id().to_string(),
                        uploaded_at: timestamp(c.upload_date()),
                        expires_at: timestamp(c.expiration()),
                    }),
            ),
            Err(error) => {
                gaps.record("iam:ListServerCertificates", &error);
                break;
            }
        }
    }
    match iam.get_account_summary().send().await {
        Ok(summary) => {
            let present = summary.summary_map().and_then(|map| {
                map.iter()
                    .find(|(key, _)| key.as_str() == "AccountAccessKeysPresent")
                    .map(|(_, v)| *v)
            });
            if let Some(present) = present {
                let root = account.root.get_or_insert_with(Default::default);
                root.access_keys_present = u32::try_from(present).ok();
            }
        }
        Err(error) => gaps.record("iam:GetAccountSummary", &error),
    }
    let mut pages = iam
        .list_instance_profiles()
        .set_max_items(page_size)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                for profile in page.instance_profiles() {
                    if account
                        .instance_profiles
                        .iter()
                        .any(|p| p.arn == profile.arn())
                    {
                        continue;
                    }
                    account
                        .instance_profiles
                        .push(nhiscope_aws_iam::InstanceProfile {
                            name: profile.instance_profile_name().to_string(),
                            arn: profile.arn().to_string(),
                            id: profile.instance_profile_id().to_string(),
                            created_at: timestamp(Some(profile.create_date())),
                            roles: profile
                                .roles()
                                .iter()
                                .map(|r| r.role_name().to_string())
                                .collect(),
                        });
                }
            }
            Err(error) => {
                gaps.record("iam:ListInstanceProfiles", &error);
                break;
            }
        }
    }
}

//! The `[aws]` config section.

use std::path::PathBuf;

use serde::Deserialize;

/// What the `aws` collector reads and how it judges it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    /// Offline: `aws iam get-account-authorization-details` JSON files and
    /// credential report CSVs, or directories holding them (several accounts at once).
    #[serde(default)]
    pub exports: Vec<PathBuf>,
    /// Live: call the IAM API with the default credential chain.
    #[serde(default)]
    pub live: bool,
    /// The named profile of ~/.aws/config to use (live).
    #[serde(default)]
    pub profile: Option<String>,
    /// The region for STS and Organizations calls (IAM is global); default from the chain, else us-east-1.
    #[serde(default)]
    pub region: Option<String>,
    /// An endpoint to send every call to (a test server, a VPC endpoint).
    #[serde(default)]
    pub endpoint_url: Option<String>,
    /// Roles to assume, one per account, for multi-account scans (live).
    #[serde(default)]
    pub assume_roles: Vec<String>,
    /// Also scan every account of the AWS Organization, assuming `organization_role` in each.
    #[serde(default)]
    pub organization: bool,
    /// The role assumed in each member account (default OrganizationAccountAccessRole).
    #[serde(default = "default_organization_role")]
    pub organization_role: String,
    /// An external id to pass when assuming roles.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Accounts whose trust is expected (no cross-account trust finding).
    #[serde(default)]
    pub trusted_accounts: Vec<String>,
    /// Rotation limit for active access keys, in days.
    #[serde(default = "default_max_key_age")]
    pub max_key_age_days: i64,
    /// An active key unused this many days is flagged.
    #[serde(default = "default_unused")]
    pub unused_key_days: i64,
    /// A key younger than this is not yet "never used".
    #[serde(default = "default_grace")]
    pub new_key_grace_days: i64,
    /// A user with credentials idle this many days is orphaned.
    #[serde(default = "default_inactive")]
    pub inactive_user_days: i64,
    /// How many API calls run at once per account.
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// Items per page of IAM's list calls (`MaxItems`; AWS's default 100).
    #[serde(default)]
    pub page_size: Option<i32>,
    /// How many times a throttled or failed call is retried.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
}

fn default_organization_role() -> String {
    "OrganizationAccountAccessRole".into()
}
fn default_max_key_age() -> i64 {
    90
}
fn default_unused() -> i64 {
    45
}
fn default_grace() -> i64 {
    7
}
fn default_inactive() -> i64 {
    90
}
fn default_attempts() -> u32 {
    6
}

impl AwsConfig {
    /// Parses the `[aws]` section.
    pub fn from_section(section: &toml::Table) -> Result<Self, toml::de::Error> {
        toml::Value::Table(section.clone()).try_into()
    }

    /// Checks values serde cannot: one line naming the key.
    pub fn validate(&self) -> Result<(), String> {
        if !self.live && self.exports.is_empty() {
            return Err("nothing to collect: set `live = true` or list `exports`".into());
        }
        for (key, value) in [
            ("max_key_age_days", self.max_key_age_days),
            ("unused_key_days", self.unused_key_days),
            ("new_key_grace_days", self.new_key_grace_days),
            ("inactive_user_days", self.inactive_user_days),
        ] {
            if value < 1 {
                return Err(format!("{key} must be at least 1, not {value}"));
            }
        }
        if self.concurrency == Some(0) {
            return Err("concurrency must be at least 1".into());
        }
        if self.page_size.is_some_and(|n| !(1..=1000).contains(&n)) {
            return Err("page_size must be between 1 and 1000".into());
        }
        if self.max_attempts == 0 {
            return Err("max_attempts must be at least 1".into());
        }
        for arn in &self.assume_roles {
            if !arn.starts_with("arn:") || !arn.contains(":role/") {
                return Err(format!(
                    "assume_roles: `{arn}` is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
                ));
            }
        }
        for account in &self.trusted_accounts {
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "trusted_accounts: `{account}` is not a 12-digit account id"
                ));
            }
        }
        if !self.live && (!self.assume_roles.is_empty() || self.organization) {
            return Err("assume_roles and organization need `live = true`".into());
        }
        Ok(())
    }
}

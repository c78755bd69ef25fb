//! One AWS account's IAM, as collected live or imported from exports: the
//! shape every detector reads. Collectors fill it; nothing here does I/O.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::PolicyDocument;

/// An AWS account's IAM estate.
#[derive(Clone, Debug, Default)]
pub struct Account {
    /// The 12-digit account id.
    pub id: String,
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
    /// Where it was read from: export files, or `live` with the caller's ARN.
    pub sources: Vec<String>,
    /// IAM users.
    pub users: Vec<User>,
    /// IAM groups.
    pub groups: Vec<Group>,
    /// IAM roles.
    pub roles: Vec<Role>,
    /// Managed policies (AWS and customer managed), by ARN.
    pub policies: BTreeMap<String, ManagedPolicy>,
    /// OpenID Connect identity providers.
    pub oidc_providers: Vec<OidcProvider>,
    /// SAML identity providers.
    pub saml_providers: Vec<SamlProvider>,
    /// Server certificates stored in IAM.
    pub server_certificates: Vec<ServerCertificate>,
    /// Instance profiles (the link from EC2 instances to roles).
    pub instance_profiles: Vec<InstanceProfile>,
    /// The root user, when the credential report or account summary told.
    pub root: Option<RootUser>,
}

impl Account {
    /// The user named `name`.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|user| user.name == name)
    }

    /// The group named `name`.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|group| group.name == name)
    }

    /// The role named `name`.
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|role| role.name == name)
    }

    /// The account root's ARN (`arn:aws:iam::123456789012:root`).
    pub fn root_arn(&self) -> String {
        format!("arn:{}:iam::{}:root", self.partition_or_default(), self.id)
    }

    /// The partition, `aws` when unknown.
    pub fn partition_or_default(&self) -> &str {
        if self.partition.is_empty() {
            "aws"
        } else {
            &self.partition
        }
    }
}

/// A policy embedded in one user, group or role.
#[derive(Clone, Debug)]
pub struct InlinePolicy {
    /// Its name within its owner.
    pub name: String,
    /// Its document.
    pub document: PolicyDocument,
}

/// An IAM user.
#[derive(Clone, Debug, Default)]
pub struct User {
    /// The user name.
    pub name: String,
    /// The ARN.
    pub arn: String,
    /// The unique id (`AIDA...`).
    pub id: String,
    /// The IAM path (`/service/`).
    pub path: String,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// The groups it belongs to, by name.
    pub groups: Vec<String>,
    /// Its inline policies.
    pub inline_policies: Vec<InlinePolicy>,
    /// The ARNs of its attached managed policies.
    pub attached_policies: Vec<String>,
    /// The ARN of its permissions boundary.
    pub permissions_boundary: Option<String>,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// Whether it can sign in to the console; `None` when not known.
    pub password_enabled: Option<bool>,
    /// When the console password was last used.
    pub password_last_used: Option<Timestamp>,
    /// Whether an MFA device is active; `None` when not known.
    pub mfa_active: Option<bool>,
    /// Its access keys.
    pub access_keys: Vec<AccessKey>,
    /// Its SSH public keys (CodeCommit).
    pub ssh_keys: Vec<SshPublicKey>,
    /// Its service-specific credentials (CodeCommit, Keyspaces, Bedrock).
    pub service_credentials: Vec<ServiceCredential>,
    /// Its X.509 signing certificates.
    pub signing_certificates: Vec<SigningCertificate>,
}

/// An access key: a long-lived credential of a user (or the root user).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessKey {
    /// The access key id (`AKIA...`): an identifier, not a secret. Unknown
    /// when imported from a credential report, which names keys by slot.
    pub id: Option<String>,
    /// The credential report slot (1 or 2), when known.
    pub slot: Option<u8>,
    /// Whether the key is active.
    pub active: bool,
    /// When it was created (the credential report's "last rotated").
    pub created_at: Option<Timestamp>,
    /// When it was last used.
    pub last_used_at: Option<Timestamp>,
    /// The service it was last used with.
    pub last_used_service: Option<String>,
    /// The region it was last used in.
    pub last_used_region: Option<String>,
}

impl AccessKey {
    /// How reports name the key: its id, or its slot when the id is unknown.
    pub fn label(&self) -> String {
        match (&self.id, self.slot) {
            (Some(id), _) => id.clone(),
            (None, Some(slot)) => format!("access key {slot}"),
            (None, None) => "an access key".to_string(),
        }
    }
}

/// An SSH public key uploaded for CodeCommit.
#[derive(Clone, Debug, Default)]
pub struct SshPublicKey {
    /// The key id (`APKA...`).
    pub id: String,
    /// Whether it is active.
    pub active: bool,
    /// When it was uploaded.
    pub uploaded_at: Option<Timestamp>,
}

/// A service-specific credential (a user name and password for one service).
#[derive(Clone, Debug, Default)]
pub struct ServiceCredential {
    /// The credential id (`ACCA...`).
    pub id: String,
    /// The service (`codecommit.amazonaws.com`).
    pub service: String,
    /// The service user name (not a secret).
    pub service_user_name: String,
    /// Whether it is active.
    pub active: bool,
    /// When it was created.
    pub created_at: Option<Timestamp>,
}

/// An X.509 signing certificate of a user.
#[derive(Clone, Debug, Default)]
pub struct SigningCertificate {
    /// The certificate id.
    pub id: String,
    /// Whether it is active.
    pub active: bool,
    /// When it was uploaded.
    pub uploaded_at: Option<Timestamp>,
}

/// An IAM group.
#[derive(Clone, Debug, Default)]
pub struct Group {
    /// The group name.
    pub name: String,
    /// The ARN.
    pub arn: String,
    /// The unique id.
    pub id: String,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// Its inline policies.
    pub inline_policies: Vec<InlinePolicy>,
    /// The ARNs of its attached managed policies.
    pub attached_policies: Vec<String>,
}

/// An IAM role.
#[derive(Clone, Debug, Default)]
pub struct Role {
    /// The role name.
    pub name: String,
    /// The ARN.
    pub arn: String,
    /// The unique id (`AROA...`).
    pub id: String,
    /// The IAM path (`/aws-service-role/` for service-linked roles).
    pub path: String,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// Who may assume it.
    pub trust_policy: Option<PolicyDocument>,
    /// Its inline policies.
    pub inline_policies: Vec<InlinePolicy>,
    /// The ARNs of its attached managed policies.
    pub attached_policies: Vec<String>,
    /// The ARN of its permissions boundary.
    pub permissions_boundary: Option<String>,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// When it was last assumed.
    pub last_used_at: Option<Timestamp>,
    /// Where it was last assumed.
    pub last_used_region: Option<String>,
    /// The ARNs of the instance profiles it is in.
    pub instance_profiles: Vec<String>,
}

impl Role {
    /// Whether AWS created and manages it for a service (it cannot be changed).
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with("/aws-service-role/")
    }
}

/// A managed policy.
#[derive(Clone, Debug, Default)]
pub struct ManagedPolicy {
    /// The ARN (`arn:aws:iam::aws:policy/...` for AWS managed).
    pub arn: String,
    /// The name.
    pub name: String,
    /// The unique id (`ANPA...`).
    pub id: String,
    /// The default (effective) version's document; `None` when not exported.
    pub document: Option<PolicyDocument>,
    /// The default version id (`v3`).
    pub default_version: Option<String>,
    /// How many versions exist besides the default.
    pub other_versions: usize,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// When it was last updated.
    pub updated_at: Option<Timestamp>,
}

impl ManagedPolicy {
    /// Whether AWS manages it (its ARN's account is `aws`).
    pub fn is_aws_managed(&self) -> bool {
        self.arn.contains(":iam::aws:policy/")
    }
}

/// An OpenID Connect identity provider that roles may trust.
#[derive(Clone, Debug, Default)]
pub struct OidcProvider {
    /// The ARN.
    pub arn: String,
    /// The issuer URL without scheme (`token.actions.githubusercontent.com`).
    pub url: String,
    /// The audiences (client ids) it accepts.
    pub client_ids: Vec<String>,
    /// When it was created.
    pub created_at: Option<Timestamp>,
}

/// A SAML identity provider.
#[derive(Clone, Debug, Default)]
pub struct SamlProvider {
    /// The ARN.
    pub arn: String,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// When its metadata stops being valid.
    pub valid_until: Option<Timestamp>,
}

/// A TLS server certificate stored in IAM.
#[derive(Clone, Debug, Default)]
pub struct ServerCertificate {
    /// The name.
    pub name: String,
    /// The ARN.
    pub arn: String,
    /// The unique id.
    pub id: String,
    /// When it was uploaded.
    pub uploaded_at: Option<Timestamp>,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
}

/// An instance profile: how an EC2 instance runs as a role.
#[derive(Clone, Debug, Default)]
pub struct InstanceProfile {
    /// The name.
    pub name: String,
    /// The ARN.
    pub arn: String,
    /// The unique id.
    pub id: String,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// The names of its roles.
    pub roles: Vec<String>,
}

/// The account's root user.
#[derive(Clone, Debug, Default)]
pub struct RootUser {
    /// Its access keys (from the credential report).
    pub access_keys: Vec<AccessKey>,
    /// How many access keys it has, from GetAccountSummary (`AccountAccessKeysPresent`).
    pub access_keys_present: Option<u32>,
    /// Whether MFA is active.
    pub mfa_active: Option<bool>,
    /// When the root password was last used.
    pub password_last_used: Option<Timestamp>,
}

impl RootUser {
    /// Whether the root user has at least one active access key.
    pub fn has_active_keys(&self) -> bool {
        self.access_keys.iter().any(|key| key.active)
            || self.access_keys_present.is_some_and(|n| n > 0)
    }
}

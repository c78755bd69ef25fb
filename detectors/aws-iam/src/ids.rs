//! The node ids of AWS things, shared by the collector (which emits the
//! nodes) and the detectors (whose findings point at them).

use nhiscope_model::{
    CredentialType, IdentityType, NodeId, NodeKind, PermissionType, SourceType, WorkloadType,
};

use crate::AccessKey;

/// The provider slug of everything AWS.
pub const PROVIDER: &str = "aws";

/// An IAM user, role or group by ARN.
pub fn identity(kind: IdentityType, arn: &str) -> NodeId {
    NodeId::new(PROVIDER, &NodeKind::Identity(kind), arn)
}

/// An access key: by its id, or by its owner and credential-report slot.
pub fn access_key(owner_arn: &str, key: &AccessKey) -> NodeId {
    let native = match (&key.id, key.slot) {
        (Some(id), _) => id.clone(),
        (None, Some(slot)) => format!("{owner_arn}#access-key-{slot}"),
        (None, None) => format!("{owner_arn}#access-key"),
    };
    NodeId::new(
        PROVIDER,
        &NodeKind::Credential(CredentialType::AccessKey),
        &native,
    )
}

/// Another credential of a user (`ssh-key`, `service-credential`, `signing-certificate`).
pub fn user_credential(kind: CredentialType, owner_arn: &str, what: &str, id: &str) -> NodeId {
    NodeId::new(
        PROVIDER,
        &NodeKind::Credential(kind),
        &format!("{owner_arn}#{what}/{id}"),
    )
}

/// A server certificate by ARN.
pub fn server_certificate(arn: &str) -> NodeId {
    NodeId::new(
        PROVIDER,
        &NodeKind::Credential(CredentialType::Certificate),
        arn,
    )
}

/// A managed policy by ARN.
pub fn managed_policy(arn: &str) -> NodeId {
    NodeId::new(PROVIDER, &NodeKind::Permission(PermissionType::Policy), arn)
}

/// An inline policy by its owner and name.
pub fn inline_policy(owner_arn: &str, name: &str) -> NodeId {
    NodeId::new(
        PROVIDER,
        &NodeKind::Permission(PermissionType::InlinePolicy),
        &format!("{owner_arn}#inline/{name}"),
    )
}

/// An instance profile, the workload link of EC2 instances.
pub fn instance_profile(arn: &str) -> NodeId {
    NodeId::new(PROVIDER, &NodeKind::Workload(WorkloadType::Vm), arn)
}

/// A federated principal (an OIDC or SAML provider, an AWS service, a
/// foreign account) that a trust policy admits.
pub fn federated(native: &str) -> NodeId {
    NodeId::new(
        PROVIDER,
        &NodeKind::Identity(IdentityType::FederatedPrincipal),
        native,
    )
}

/// The account itself.
pub fn account(id: &str) -> NodeId {
    NodeId::new(PROVIDER, &NodeKind::Source(SourceType::AwsAccount), id)
}

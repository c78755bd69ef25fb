//! Stable node ids.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Fingerprint, NodeKind};

/// The id of a node, the same in every scan for the same real-world thing.
///
/// An id is `provider:type:native`, where `native` is the provider's own id for the
/// thing (an ARN, a Kubernetes `namespace/name`, a key id) or, for a value that must
/// not be stored (a secret found in content), `sha256:` and its fingerprint. Two
/// collectors that meet the same thing build the same id, which is what lets the
/// graph join them.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(String);

impl NodeId {
    /// Builds the id of a thing the provider names with `native`.
    pub fn new(provider: &str, kind: &NodeKind, native: &str) -> Self {
        Self(format!("{provider}:{}:{native}", kind.type_name()))
    }

    /// Builds the id of a thing known only by the fingerprint of its value.
    pub fn from_fingerprint(provider: &str, kind: &NodeKind, fingerprint: &Fingerprint) -> Self {
        Self(format!(
            "{provider}:{}:sha256:{}",
            kind.type_name(),
            fingerprint.to_hex()
        ))
    }

    /// Wraps an id read back from the store or a report.
    pub fn from_stored(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CredentialType, IdentityType};

    #[test]
    fn ids_are_built_from_native_ids() {
        let role = NodeKind::Identity(IdentityType::IamRole);
        assert_eq!(
            NodeId::new("aws", &role, "arn:aws:iam::123456789012:role/deploy").as_str(),
            "aws:iam_role:arn:aws:iam::123456789012:role/deploy"
        );
        let key = NodeKind::Credential(CredentialType::AccessKey);
        let id = NodeId::from_fingerprint("aws", &key, &Fingerprint::of(b"abc"));
        assert_eq!(
            id.as_str(),
            "aws:access_key:sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

//! Edges of the inventory: how things relate.

use serde::{Deserialize, Serialize};

use crate::{Attributes, NodeId};

/// How one node relates to another. Each variant documents its direction as
/// `from → to`; analyses rely on these directions.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// workload → identity or credential: the workload runs as or uses it.
    Uses,
    /// credential → identity: presenting the credential authenticates as the identity.
    AuthenticatesAs,
    /// identity → credential: the identity owns the credential (an IAM user's key).
    Holds,
    /// identity → identity: the first may assume the second (sts:AssumeRole, IRSA).
    CanAssume,
    /// identity → permission: the identity is granted the policy or role.
    HasPermission,
    /// permission → resource: the policy or role grants access to the resource.
    Grants,
    /// identity → identity: membership of a group.
    MemberOf,
    /// credential → source: the credential's value was found in the source.
    ExposedIn,
    /// any → owner: who is accountable.
    OwnedBy,
    /// identity → identity: the first's trust policy admits the second.
    Trusts,
    /// source → any: the source holds the node (an account holds its users).
    Contains,
}

impl EdgeKind {
    /// Every edge kind, in declaration order.
    pub const ALL: &'static [EdgeKind] = &[
        EdgeKind::Uses,
        EdgeKind::AuthenticatesAs,
        EdgeKind::Holds,
        EdgeKind::CanAssume,
        EdgeKind::HasPermission,
        EdgeKind::Grants,
        EdgeKind::MemberOf,
        EdgeKind::ExposedIn,
        EdgeKind::OwnedBy,
        EdgeKind::Trusts,
        EdgeKind::Contains,
    ];

    /// The snake_case name used in the store and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Uses => "uses",
            EdgeKind::AuthenticatesAs => "authenticates_as",
            EdgeKind::Holds => "holds",
            EdgeKind::CanAssume => "can_assume",
            EdgeKind::HasPermission => "has_permission",
            EdgeKind::Grants => "grants",
            EdgeKind::MemberOf => "member_of",
            EdgeKind::ExposedIn => "exposed_in",
            EdgeKind::OwnedBy => "owned_by",
            EdgeKind::Trusts => "trusts",
            EdgeKind::Contains => "contains",
        }
    }

    /// Parses the snake_case name back.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.as_str() == text)
    }
}

/// A directed, typed relation between two nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    /// Where the edge starts.
    pub from: NodeId,
    /// Where the edge ends.
    pub to: NodeId,
    /// What the relation is.
    pub kind: EdgeKind,
    /// Facts about the relation (the binding that grants a role, the line a
    /// secret was found on).
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    pub attributes: Attributes,
}

impl Edge {
    /// An edge without attributes.
    pub fn new(from: NodeId, kind: EdgeKind, to: NodeId) -> Self {
        Self {
            from,
            to,
            kind,
            attributes: Attributes::new(),
        }
    }

    /// The key that makes an edge unique in an inventory.
    pub fn key(&self) -> (&NodeId, EdgeKind, &NodeId) {
        (&self.from, self.kind, &self.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in EdgeKind::ALL {
            assert_eq!(EdgeKind::parse(kind.as_str()), Some(*kind));
            assert_eq!(
                serde_json::to_value(kind).expect("serialises"),
                kind.as_str()
            );
        }
    }
}

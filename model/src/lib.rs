//! The inventory vocabulary of nhiscope, shared by every other crate.
//!
//! Collectors describe what they find as [`Node`]s joined by [`Edge`]s, detectors
//! describe what is wrong as [`Finding`]s, and the store and reports persist and
//! render exactly these types. Nothing here does I/O. Secrets never appear in any of
//! these types in plain text: a secret value becomes a [`Redacted`] (a sha256
//! fingerprint plus a short preview) the moment it leaves the matcher.

mod baseline;
mod diff;
mod edge;
mod finding;
mod id;
mod inventory;
mod node;
mod redacted;
mod rule;
mod scan;

pub use baseline::{BASELINE_VERSION, Baseline, BaselineEntry};
pub use diff::{FindingState, NodeChange, ScanDiff, ScanRef, SeverityChange};
pub use edge::{Edge, EdgeKind};
pub use finding::{
    Finding, FindingFingerprint, Location, ParseSeverityError, Provenance, Severity, SeverityCounts,
};
pub use id::NodeId;
pub use inventory::Inventory;
pub use node::{
    CredentialType, IdentityType, Node, NodeKind, OwnerType, PermissionType, ResourceType,
    SourceType, Timestamps, WorkloadType,
};
pub use redacted::{Fingerprint, Redacted};
pub use rule::{Detector, RuleDescriptor};
pub use scan::{ScanId, ScanRecord, ScanStatus, Skipped, SourceError, SourceSummary};

/// The attribute map carried by nodes and edges: provider-specific facts that do
/// not deserve a typed field (an IAM user's path, a rule's tags, a file's size).
pub type Attributes = std::collections::BTreeMap<String, serde_json::Value>;

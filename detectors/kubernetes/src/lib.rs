//! Kubernetes identities without I/O. The [`Cluster`] model is what the
//! Kubernetes collector fills — live from the API, or from `kubectl get`
//! exports and manifests through [`parse`]; [`rbac`] evaluates RBAC as the
//! API server does (aggregation, built-in roles by name, service-account
//! groups); and [`assess`] turns a cluster into findings about RBAC risks,
//! tokens, orphaned and dangling service accounts, identity theft through
//! the node, committed credentials and static cloud keys that federation
//! could replace, plus the usage and federation facts the inventory needs.

mod cluster;
mod detect;
pub mod federation;
pub mod ids;
mod import;
mod object;
pub mod rbac;
mod references;
mod usage;

pub use cluster::{
    Binding, Cluster, ConfigMap, Namespace, NamespacedName, ObjectError, Origin,
    PodIdentityAssociation, Role, Secret, ServiceAccount, Workload, WorkloadKey, WorkloadKind,
};
pub use detect::{
    Assessment, CredentialPlace, DETECTORS, RiskMatch, Settings, Sighting, assess, risks_of,
    token_mounted,
};
pub use import::{ImportError, ParsedFile, parse};
pub use object::{
    Container, EnvVar, ObjectMeta, OwnerReference, PodSpec, PolicyRule, RoleRef, Subject, Volume,
};
pub use references::{ObjectKind, Reference, references};
pub use usage::{PodSummary, Usage};

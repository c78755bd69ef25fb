//! The Kubernetes collector: reads clusters live through the `kube` client
//! (get/list only, every context or the selected ones, or in-cluster) or
//! offline from `kubectl get -o json|yaml` exports and manifests (including
//! those a `nhiscope scan PATH` walks past), runs the Kubernetes detectors
//! (nhiscope-k8s) on each cluster, and emits the inventory and findings.
//! Secret values pass through the secret matcher in memory and are never
//! emitted.

mod collector;
mod config;
mod emit;
mod live;
mod offline;

pub use collector::K8sCollector;
pub use config::K8sConfig;
pub use live::listed_resources;

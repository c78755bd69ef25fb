//! Which workloads run as which service account: pods are folded into the
//! controller that owns them (Pod → ReplicaSet → Deployment, Pod → Job →
//! CronJob) as far as the owners are in the input, so a Deployment's three
//! pods are one workload; a pod whose owner is not in the input stands for
//! itself.

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::{Cluster, NamespacedName, Workload, WorkloadKey, WorkloadKind};

/// What runs where, as one top-level workload per controller.
#[derive(Clone, Debug, Default)]
pub struct Usage {
    /// For every workload in the input, the top-level workload it belongs to.
    pub top: BTreeMap<WorkloadKey, WorkloadKey>,
    /// Top-level workloads by the service account they run as.
    pub by_service_account: BTreeMap<NamespacedName, BTreeSet<WorkloadKey>>,
    /// Per top-level workload: its pods in the input and the nodes they run on.
    pub pods: BTreeMap<WorkloadKey, PodSummary>,
}

/// The pods of one top-level workload.
#[derive(Clone, Debug, Default)]
pub struct PodSummary {
    /// How many pods of it the input has.
    pub count: u64,
    /// The nodes they are scheduled on.
    pub nodes: BTreeSet<String>,
}

impl Usage {
    /// Works out the top-level workloads of `cluster`.
    pub fn of(cluster: &Cluster) -> Self {
        let mut usage = Usage::default();
        for key in cluster.workloads.keys() {
            let top = top_level(cluster, key);
            usage.top.insert(key.clone(), top);
        }
        for (key, top) in &usage.top {
            let workload = &cluster.workloads[key];
            if key == top {
                let account = NamespacedName::new(
                    key.name.namespace.clone(),
                    workload.spec.service_account(),
                );
                usage
                    .by_service_account
                    .entry(account)
                    .or_default()
                    .insert(top.clone());
            }
            if key.kind == WorkloadKind::Pod {
                let summary = usage.pods.entry(top.clone()).or_default();
                summary.count += 1;
                if let Some(node) = &workload.spec.node_name {
                    summary.nodes.insert(node.clone());
                }
            }
        }
        // A pod folded into its controller may run as another account than
        // the controller's template says (an edited template, a rollout in
        // progress): the account it actually runs as uses the controller too.
        for (key, top) in &usage.top {
            if key != top {
                let workload = &cluster.workloads[key];
                let account = NamespacedName::new(
                    key.name.namespace.clone(),
                    workload.spec.service_account(),
                );
                usage
                    .by_service_account
                    .entry(account)
                    .or_default()
                    .insert(top.clone());
            }
        }
        usage
    }

    /// The top-level workloads, in order.
    pub fn top_level(&self) -> BTreeSet<&WorkloadKey> {
        self.top.values().collect()
    }

    /// The top-level workloads running as `account`.
    pub fn workloads_of(&self, account: &NamespacedName) -> impl Iterator<Item = &WorkloadKey> {
        self.by_service_account.get(account).into_iter().flatten()
    }
}

/// Follows controller owner references while the owner is in the input.
fn top_level(cluster: &Cluster, key: &WorkloadKey) -> WorkloadKey {
    let mut current = key.clone();
    let mut seen = BTreeSet::new();
    while seen.insert(current.clone()) {
        let Some(workload) = cluster.workloads.get(&current) else {
            break;
        };
        match owner(cluster, workload) {
            Some(owner) => current = owner,
            None => break,
        }
    }
    current
}

fn owner(cluster: &Cluster, workload: &Workload) -> Option<WorkloadKey> {
    let references = &workload.meta.owner_references;
    let reference = references
        .iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| references.first())?;
    let kind = WorkloadKind::parse(&reference.kind)?;
    let key = WorkloadKey {
        kind,
        name: NamespacedName::new(workload.key.name.namespace.clone(), reference.name.clone()),
    };
    cluster.workloads.contains_key(&key).then_some(key)
}

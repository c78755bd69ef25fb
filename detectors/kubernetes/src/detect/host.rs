//! Identity theft through the node: a workload that mounts a host path
//! holding other identities' credentials (the container runtime's socket,
//! the host root, the kubelet's directory, /etc/kubernetes and its PKI,
//! etcd's data), runs privileged, or shares the host's process namespace can
//! read the service-account tokens of every pod on its node and the node's
//! own credentials. Paths are compared after normalisation (`//`, `.`, `..`,
//! trailing slashes, `/var/run` → `/run`), ancestors of a sensitive path
//! expose it too, and a read-only mount is not safe.

use std::collections::BTreeSet;

use nhiscope_model::Severity;

use super::{Builder, Draft, name_list};
use crate::{
    cluster::{NamespacedName, Workload, WorkloadKey},
    ids,
    usage::Usage,
};

/// What a host path exposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostExposure {
    /// The node's whole file system.
    HostRoot,
    /// A container runtime's API socket.
    RuntimeSocket,
    /// The kubelet's directory (every pod's mounted tokens and secrets).
    Kubelet,
    /// /etc/kubernetes (kubelet and admin kubeconfigs).
    KubernetesConfig,
    /// /etc/kubernetes/pki (the cluster CA's keys).
    KubernetesPki,
    /// etcd's data (every Secret as stored).
    Etcd,
}

impl HostExposure {
    /// What reading it yields.
    pub fn identities(self) -> &'static str {
        match self {
            HostExposure::HostRoot => {
                "the whole node: every pod's service-account tokens and mounted secrets, the kubelet's credentials and the node's cloud credentials"
            }
            HostExposure::RuntimeSocket => {
                "the container runtime: it can start a privileged container or exec into any container on the node, taking every pod's service-account token and secrets"
            }
            HostExposure::Kubelet => {
                "the service-account tokens and secret volumes of every pod on the node, and the kubelet's client credentials"
            }
            HostExposure::KubernetesConfig => {
                "the kubelet's kubeconfig and, on control-plane nodes, the admin and controller kubeconfigs"
            }
            HostExposure::KubernetesPki => {
                "the cluster's certificate authority keys, with which any identity (system:masters included) can be minted"
            }
            HostExposure::Etcd => "etcd's data: every Secret of the cluster as stored",
        }
    }
}

/// Sensitive host paths, normalised.
const SENSITIVE: &[(&str, HostExposure)] = &[
    ("/run/docker.sock", HostExposure::RuntimeSocket),
    (
        "/run/containerd/containerd.sock",
        HostExposure::RuntimeSocket,
    ),
    ("/run/crio/crio.sock", HostExposure::RuntimeSocket),
    ("/run/cri-dockerd.sock", HostExposure::RuntimeSocket),
    ("/run/dockershim.sock", HostExposure::RuntimeSocket),
    (
        "/run/k3s/containerd/containerd.sock",
        HostExposure::RuntimeSocket,
    ),
    ("/var/lib/kubelet", HostExposure::Kubelet),
    ("/etc/kubernetes/pki", HostExposure::KubernetesPki),
    ("/etc/kubernetes", HostExposure::KubernetesConfig),
    ("/var/lib/etcd", HostExposure::Etcd),
];

/// Socket file names of container runtimes, wherever they live.
const SOCKET_NAMES: &[&str] = &[
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
    "dockershim.sock",
];

/// Normalises a host path: collapses `//` and `.`, resolves `..`, drops the
/// trailing slash, and maps `/var/run` to `/run` (a symlink on every
/// distribution Kubernetes nodes run).
pub fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    if parts.len() >= 2 && parts[0] == "var" && parts[1] == "run" {
        parts.remove(0);
    }
    format!("/{}", parts.join("/"))
}

/// What mounting host path `path` exposes: the path itself, what it
/// contains, or (for directories) what it is inside.
pub fn exposures(path: &str) -> Vec<(HostExposure, String)> {
    let normalised = normalise(path);
    if normalised == "/" {
        return vec![(HostExposure::HostRoot, "/".to_string())];
    }
    let mut found: Vec<(HostExposure, String)> = Vec::new();
    for (sensitive, exposure) in SENSITIVE {
        let equal = normalised == *sensitive;
        let ancestor = sensitive.starts_with(&format!("{normalised}/"));
        let inside = *exposure != HostExposure::RuntimeSocket
            && normalised.starts_with(&format!("{sensitive}/"));
        if (equal || ancestor || inside) && !found.iter().any(|(e, _)| e == exposure) {
            found.push((*exposure, (*sensitive).to_string()));
        }
    }
    let file_name = normalised.rsplit('/').next().unwrap_or_default();
    if SOCKET_NAMES.contains(&file_name)
        && !found.iter().any(|(e, _)| *e == HostExposure::RuntimeSocket)
    {
        found.push((HostExposure::RuntimeSocket, normalised.clone()));
    }
    // /etc/kubernetes/pki is inside /etc/kubernetes: name the narrower one.
    if found.iter().any(|(e, _)| *e == HostExposure::KubernetesPki)
        && normalised.starts_with("/etc/kubernetes/pki")
    {
        found.retain(|(e, _)| *e != HostExposure::KubernetesConfig);
    }
    found
}

/// Other service accounts whose pods may share this workload's nodes.
fn neighbours(builder: &Builder<'_>, usage: &Usage, key: &WorkloadKey) -> Vec<String> {
    let cluster = builder.cluster;
    let own_nodes: BTreeSet<&String> = usage
        .pods
        .get(key)
        .map(|summary| summary.nodes.iter().collect())
        .unwrap_or_default();
    let daemon = key.kind == crate::cluster::WorkloadKind::DaemonSet;
    let mut accounts: BTreeSet<String> = BTreeSet::new();
    for other in usage.top_level() {
        if other == key {
            continue;
        }
        let shares = daemon
            || own_nodes.is_empty()
            || usage.pods.get(other).is_none_or(|summary| {
                summary.nodes.is_empty() || summary.nodes.iter().any(|n| own_nodes.contains(n))
            });
        if shares {
            let workload = &cluster.workloads[other];
            accounts.insert(
                NamespacedName::new(
                    other.name.namespace.clone(),
                    workload.spec.service_account(),
                )
                .to_string(),
            );
        }
    }
    accounts.into_iter().collect()
}

fn identities_text(accounts: &[String]) -> String {
    if accounts.is_empty() {
        String::new()
    } else {
        format!(
            " Service accounts whose pods can share its nodes: {}.",
            name_list(accounts, 6)
        )
    }
}

pub(super) fn detect(builder: &mut Builder<'_>, usage: &Usage) {
    let cluster = builder.cluster;
    for key in usage.top_level() {
        let workload = &cluster.workloads[key];
        let accounts = neighbours(builder, usage, key);
        let identities = identities_text(&accounts);
        let mut drafts = Vec::new();
        mounts(builder, key, workload, &identities, &mut drafts);
        settings(builder, key, workload, &identities, &mut drafts);
        // Static pods of the control plane (mirror pods, owned by their Node)
        // need the node's credentials by design: listed, not judged.
        let control_plane = workload
            .meta
            .owner_references
            .iter()
            .any(|owner| owner.kind == "Node");
        for mut draft in drafts {
            if control_plane {
                draft.severity = Severity::Info;
                draft.message.push_str(
                    " It is a static pod of the node (a control-plane component), which holds these credentials by design.",
                );
            }
            builder.push(draft);
        }
    }
}

fn draft(
    builder: &Builder<'_>,
    key: &WorkloadKey,
    workload: &Workload,
    severity: Severity,
    title: String,
    message: String,
    identity: String,
) -> Draft {
    let cluster = builder.cluster;
    let account = NamespacedName::new(key.name.namespace.clone(), workload.spec.service_account());
    Draft {
        rule_id: "k8s-host-identity-exposure",
        severity,
        title,
        message,
        resource: workload.resource(),
        origin: workload.origin.clone(),
        nodes: vec![
            ids::workload(&cluster.name, key),
            ids::service_account(&cluster.name, &account),
        ],
        identity: vec![identity],
        evidence: None,
        tags: vec!["host", "node"],
    }
}

fn mounts(
    builder: &Builder<'_>,
    key: &WorkloadKey,
    workload: &Workload,
    identities: &str,
    drafts: &mut Vec<Draft>,
) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for container in workload.spec.all_containers() {
        for mount in &container.volume_mounts {
            let Some(volume) = workload.spec.volume(&mount.name) else {
                continue;
            };
            let Some(host_path) = &volume.host_path else {
                continue;
            };
            let path = match mount.sub_path.as_deref().filter(|s| !s.is_empty()) {
                Some(sub) => format!("{}/{sub}", host_path.path),
                None => host_path.path.clone(),
            };
            for (exposure, sensitive) in exposures(&path) {
                if !seen.insert(format!("{path}|{exposure:?}")) {
                    continue;
                }
                let read_only = if mount.read_only == Some(true) {
                    " The mount is read-only, which does not help: a socket still accepts connections and credentials can still be read."
                } else {
                    ""
                };
                let through = if normalise(&path) == sensitive {
                    String::new()
                } else {
                    format!(" (which reaches {sensitive})")
                };
                drafts.push(draft(
                    builder,
                    key,
                    workload,
                    Severity::Critical,
                    format!("{key} mounts host path {path}, exposing other identities"),
                    format!(
                        "{key} mounts host path `{path}`{through} at {} in container {}, exposing {}.{read_only}{identities}",
                        mount.mount_path,
                        container.name,
                        exposure.identities()
                    ),
                    format!("hostPath:{}", normalise(&path)),
                ));
            }
        }
    }
}

fn settings(
    builder: &Builder<'_>,
    key: &WorkloadKey,
    workload: &Workload,
    identities: &str,
    drafts: &mut Vec<Draft>,
) {
    let privileged: Vec<&str> = workload
        .spec
        .all_containers()
        .filter(|c| c.security_context.as_ref().and_then(|s| s.privileged) == Some(true))
        .map(|c| c.name.as_str())
        .collect();
    if !privileged.is_empty() {
        drafts.push(draft(
            builder,
            key,
            workload,
            Severity::Critical,
            format!("{key} runs privileged containers, exposing the node's identities"),
            format!(
                "{key} runs container(s) {} privileged: they can mount the node's disks and reach {}.{identities}",
                privileged.join(", "),
                HostExposure::HostRoot.identities()
            ),
            "privileged".to_string(),
        ));
    }
    if workload.spec.host_pid == Some(true) {
        drafts.push(draft(
            builder,
            key,
            workload,
            Severity::High,
            format!("{key} shares the node's process namespace (hostPID)"),
            format!(
                "{key} sets hostPID: it sees every process on the node, can read their environment, and as root reaches their files (service-account tokens included) through /proc/PID/root.{identities}"
            ),
            "hostPID".to_string(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised() {
        assert_eq!(normalise("/var/run//docker.sock"), "/run/docker.sock");
        assert_eq!(normalise("/var/./lib/kubelet/"), "/var/lib/kubelet");
        assert_eq!(
            normalise("/etc/kubernetes/../kubernetes/pki"),
            "/etc/kubernetes/pki"
        );
        assert_eq!(normalise("//"), "/");
        assert_eq!(normalise("/var/run"), "/run");
    }

    #[test]
    fn sockets_under_any_spelling_and_their_directories() {
        for path in [
            "/var/run/docker.sock",
            "/run/docker.sock",
            "/var/run//docker.sock",
            "/var/run/",
            "/run/containerd",
            "/run/containerd/containerd.sock",
            "/var/run/crio/crio.sock",
            "/custom/place/docker.sock",
        ] {
            assert!(
                exposures(path)
                    .iter()
                    .any(|(e, _)| *e == HostExposure::RuntimeSocket),
                "{path}"
            );
        }
    }

    #[test]
    fn sensitive_directories_their_ancestors_and_insides() {
        let kinds = |path: &str| -> Vec<HostExposure> {
            exposures(path).into_iter().map(|(e, _)| e).collect()
        };
        assert_eq!(kinds("/"), vec![HostExposure::HostRoot]);
        assert_eq!(kinds("/var/lib/kubelet/pods"), vec![HostExposure::Kubelet]);
        assert!(kinds("/var/lib").contains(&HostExposure::Kubelet));
        assert!(kinds("/var/lib").contains(&HostExposure::Etcd));
        assert_eq!(
            kinds("/etc/kubernetes/pki/"),
            vec![HostExposure::KubernetesPki]
        );
        assert!(kinds("/etc").contains(&HostExposure::KubernetesConfig));
        assert!(kinds("/var/log").is_empty());
        assert!(
            kinds("/var")
                .iter()
                .all(|e| *e != HostExposure::RuntimeSocket)
        );
    }
}

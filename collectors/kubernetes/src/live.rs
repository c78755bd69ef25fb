//! Live collection through the `kube` client: for each kubeconfig context
//! (or the pod's own account in-cluster), every resource identity analysis
//! needs is listed cluster-wide with `list` calls only, page by page
//! (`limit`/`continue`), several resources at once. A forbidden or missing
//! resource is a recorded gap; throttling and server errors are retried with
//! backoff; an unreachable cluster is one error and the others go on.

use std::time::Duration;

use futures::{StreamExt, stream};
use kube::{
    Client, Config,
    api::{Api, ApiResource, DynamicObject, ListParams},
    config::{KubeConfigOptions, Kubeconfig},
    core::GroupVersionKind,
};
use nhiscope_collect::{CollectContext, NodeSink};
use nhiscope_k8s::{Cluster, Origin};
use serde_json::Value;

use crate::K8sConfig;

/// One resource the collector lists: group, version, kind, plural.
struct Resource {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
}

/// Everything listed, in order. `get`/`list` on these is the whole of the
/// collector's access (docs/permissions/kubernetes.md).
const RESOURCES: &[Resource] = &[
    Resource {
        group: "",
        version: "v1",
        kind: "Namespace",
        plural: "namespaces",
    },
    Resource {
        group: "",
        version: "v1",
        kind: "ServiceAccount",
        plural: "serviceaccounts",
    },
    Resource {
        group: "",
        version: "v1",
        kind: "Secret",
        plural: "secrets",
    },
    Resource {
        group: "",
        version: "v1",
        kind: "ConfigMap",
        plural: "configmaps",
    },
    Resource {
        group: "",
        version: "v1",
        kind: "Pod",
        plural: "pods",
    },
    Resource {
        group: "",
        version: "v1",
        kind: "ReplicationController",
        plural: "replicationcontrollers",
    },
    Resource {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        kind: "Role",
        plural: "roles",
    },
    Resource {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        kind: "ClusterRole",
        plural: "clusterroles",
    },
    Resource {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        kind: "RoleBinding",
        plural: "rolebindings",
    },
    Resource {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        kind: "ClusterRoleBinding",
        plural: "clusterrolebindings",
    },
    Resource {
        group: "apps",
        version: "v1",
        kind: "Deployment",
        plural: "deployments",
    },
    Resource {
        group: "apps",
        version: "v1",
        kind: "StatefulSet",
        plural: "statefulsets",
    },
    Resource {
        group: "apps",
        version: "v1",
        kind: "DaemonSet",
        plural: "daemonsets",
    },
    Resource {
        group: "apps",
        version: "v1",
        kind: "ReplicaSet",
        plural: "replicasets",
    },
    Resource {
        group: "batch",
        version: "v1",
        kind: "Job",
        plural: "jobs",
    },
    Resource {
        group: "batch",
        version: "v1",
        kind: "CronJob",
        plural: "cronjobs",
    },
];

/// The resources listed, for documentation and tests.
pub fn listed_resources() -> Vec<(&'static str, &'static str)> {
    RESOURCES.iter().map(|r| (r.group, r.plural)).collect()
}

/// A cluster to read: how to reach it and what to call it.
pub struct Target {
    /// The context name (`in-cluster` for the pod's own account).
    pub context: String,
    /// The cluster's name in node ids.
    pub cluster: String,
    /// The client configuration.
    pub config: Config,
}

/// Why a context could not be turned into a client.
#[derive(Debug)]
pub struct TargetError {
    /// The context.
    pub context: String,
    /// One line: what failed and what to do.
    pub message: String,
}

/// EKS context clusters are ARNs (`arn:aws:eks:REGION:ACCOUNT:cluster/NAME`):
/// the cluster's name is the part after `cluster/`.
fn short_cluster_name(cluster: &str) -> String {
    match cluster.rsplit_once(":cluster/") {
        Some((_, name)) if cluster.starts_with("arn:") => name.to_string(),
        _ => cluster.to_string(),
    }
}

/// The contexts to read, as client configurations.
pub async fn targets(config: &K8sConfig) -> (Vec<Target>, Vec<TargetError>) {
    let timeout = Duration::from_secs(config.timeout_seconds);
    let tune = |mut client_config: Config| {
        client_config.read_timeout = Some(timeout);
        client_config.connect_timeout = Some(timeout.min(Duration::from_secs(15)));
        client_config
    };
    if config.in_cluster {
        return match Config::incluster() {
            Ok(client_config) => {
                let cluster = config
                    .cluster_names
                    .get("in-cluster")
                    .cloned()
                    .unwrap_or_else(|| "in-cluster".into());
                (
                    vec![Target {
                        context: "in-cluster".into(),
                        cluster,
                        config: tune(client_config),
                    }],
                    Vec::new(),
                )
            }
            Err(error) => (
                Vec::new(),
                vec![TargetError {
                    context: "in-cluster".into(),
                    message: format!(
                        "cannot use the in-cluster account ({error}); in_cluster works only inside a pod with a mounted service-account token"
                    ),
                }],
            ),
        };
    }
    let kubeconfig = match &config.kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    };
    let kubeconfig = match kubeconfig {
        Ok(kubeconfig) => kubeconfig,
        Err(error) => {
            let which = config.kubeconfig.as_ref().map_or_else(
                || "the default kubeconfig ($KUBECONFIG or ~/.kube/config)".to_string(),
                |p| p.display().to_string(),
            );
            return (
                Vec::new(),
                vec![TargetError {
                    context: "kubeconfig".into(),
                    message: format!(
                        "cannot read {which}: {error}; pass --kubeconfig or set KUBECONFIG"
                    ),
                }],
            );
        }
    };
    let names: Vec<String> = if config.all_contexts {
        kubeconfig.contexts.iter().map(|c| c.name.clone()).collect()
    } else if !config.contexts.is_empty() {
        config.contexts.clone()
    } else {
        match &kubeconfig.current_context {
            Some(current) => vec![current.clone()],
            None => {
                return (
                    Vec::new(),
                    vec![TargetError {
                        context: "kubeconfig".into(),
                        message: "the kubeconfig has no current context; name one with --context"
                            .into(),
                    }],
                );
            }
        }
    };
    let mut targets = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        let Some(named) = kubeconfig.contexts.iter().find(|c| c.name == name) else {
            let known: Vec<&str> = kubeconfig
                .contexts
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            errors.push(TargetError {
                context: name.clone(),
                message: format!(
                    "context `{name}` is not in the kubeconfig (it has: {}); check --context",
                    known.join(", ")
                ),
            });
            continue;
        };
        let cluster = config.cluster_names.get(&name).cloned().unwrap_or_else(|| {
            named
                .context
                .as_ref()
                .map_or_else(|| name.clone(), |c| short_cluster_name(&c.cluster))
        });
        let options = KubeConfigOptions {
            context: Some(name.clone()),
            ..KubeConfigOptions::default()
        };
        match Config::from_custom_kubeconfig(kubeconfig.clone(), &options).await {
            Ok(client_config) => targets.push(Target {
                context: name,
                cluster,
                config: tune(client_config),
            }),
            Err(error) => errors.push(TargetError {
                context: name.clone(),
                message: format!("cannot configure context `{name}`: {error}"),
            }),
        }
    }
    (targets, errors)
}

/// How one list call ended.
enum ListFailure {
    /// 403: the account may not list it.
    Forbidden(String),
    /// 404: the server does not serve the resource (an older version).
    NotServed,
    /// Anything else, after retries.
    Failed(String),
}

fn describe_error(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => {
            format!("{} {}: {}", status.code, status.reason, status.message)
        }
        other => other.to_string(),
    }
}

fn retryable(error: &kube::Error) -> bool {
    match error {
        kube::Error::Api(status) => status.code == 429 || status.code >= 500,
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

/// Lists every object of `resource`, following `continue` tokens; a 410
/// (the continue token expired) restarts the list once.
async fn list_all(
    client: &Client,
    resource: &Resource,
    config: &K8sConfig,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<Vec<Value>, ListFailure> {
    let gvk = GroupVersionKind::gvk(resource.group, resource.version, resource.kind);
    let api: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(&gvk, resource.plural),
    );
    let api_version = if resource.group.is_empty() {
        resource.version.to_string()
    } else {
        format!("{}/{}", resource.group, resource.version)
    };
    let mut restarted = false;
    'restart: loop {
        let mut objects = Vec::new();
        let mut token: Option<String> = None;
        loop {
            if cancel.is_cancelled() {
                return Err(ListFailure::Failed("cancelled".into()));
            }
            let mut params = ListParams::default().limit(config.page_size);
            if let Some(token) = &token {
                params = params.continue_token(token);
            }
            let mut attempt = 0;
            let page = loop {
                attempt += 1;
                match api.list(&params).await {
                    Ok(page) => break page,
                    Err(kube::Error::Api(status)) if status.code == 403 => {
                        return Err(ListFailure::Forbidden(status.message.clone()));
                    }
                    Err(kube::Error::Api(status)) if status.code == 404 => {
                        return Err(ListFailure::NotServed);
                    }
                    Err(kube::Error::Api(status)) if status.code == 410 && !restarted => {
                        tracing::info!(
                            resource = resource.plural,
                            "continue token expired; listing again"
                        );
                        restarted = true;
                        continue 'restart;
                    }
                    Err(error) if retryable(&error) && attempt < config.max_attempts => {
                        let delay = Duration::from_millis(200 * 2u64.pow(attempt.min(6)));
                        tracing::warn!(
                            resource = resource.plural,
                            attempt,
                            "{}; retrying",
                            describe_error(&error)
                        );
                        tokio::time::sleep(delay).await;
                    }
                    Err(error) => {
                        return Err(ListFailure::Failed(format!(
                            "{} (after {attempt} attempt(s))",
                            describe_error(&error)
                        )));
                    }
                }
            };
            for item in page.items {
                let mut value = serde_json::to_value(&item)
                    .map_err(|e| ListFailure::Failed(format!("unreadable object: {e}")))?;
                if let Some(fields) = value.as_object_mut() {
                    fields.insert("kind".into(), Value::String(resource.kind.to_string()));
                    fields.insert("apiVersion".into(), Value::String(api_version.clone()));
                }
                objects.push(value);
            }
            token = page.metadata.continue_.filter(|t| !t.is_empty());
            if token.is_none() {
                return Ok(objects);
            }
        }
    }
}

async fn list_resource<'a>(
    client: Client,
    resource: &'static Resource,
    config: &'a K8sConfig,
    cancel: &'a tokio_util::sync::CancellationToken,
) -> (&'static Resource, Result<Vec<Value>, ListFailure>) {
    (resource, list_all(&client, resource, config, cancel).await)
}

/// Reads one cluster. Returns `None` when nothing could be listed at all
/// (the error says why); otherwise the cluster, with gaps recorded.
pub async fn collect(
    target: &Target,
    config: &K8sConfig,
    cx: &CollectContext,
    out: &dyn NodeSink,
) -> Option<Cluster> {
    let location = format!("kubernetes:{}", target.context);
    let client = match Client::try_from(target.config.clone()) {
        Ok(client) => client,
        Err(error) => {
            out.error(
                Some(location),
                format!(
                    "cannot create a client for context `{}`: {error}",
                    target.context
                ),
            );
            return None;
        }
    };
    let concurrency = config.concurrency.unwrap_or(cx.limits.concurrency).max(1);
    // A Vec, not a lazy map: the future must not hold a closure over a
    // borrowed resource (async_trait needs it Send for every lifetime).
    let mut calls = Vec::with_capacity(RESOURCES.len());
    for resource in RESOURCES {
        calls.push(list_resource(client.clone(), resource, config, &cx.cancel));
    }
    let results: Vec<(&Resource, Result<Vec<Value>, ListFailure>)> = stream::iter(calls)
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut cluster = Cluster::new(
        target.cluster.clone(),
        Origin::Live {
            context: target.context.clone(),
        },
    );
    let mut listed_any = false;
    let mut failures = Vec::new();
    // Insert in the fixed resource order, whatever order the calls finished in.
    let mut results = results;
    results.sort_by_key(|(resource, _)| RESOURCES.iter().position(|r| r.plural == resource.plural));
    for (resource, result) in results {
        match result {
            Ok(objects) => {
                listed_any = true;
                cluster.mark_listed(resource.kind);
                for object in objects {
                    if let Err(error) = cluster.insert(object, None) {
                        out.error(
                            Some(format!("{location}/{}", resource.plural)),
                            format!("{error}; the object was left out"),
                        );
                    }
                }
            }
            Err(ListFailure::Forbidden(message)) => {
                cluster.unreadable.insert(resource.plural.to_string());
                out.error(
                    Some(format!("{location}/{}", resource.plural)),
                    format!(
                        "cannot list {} in context `{}`: forbidden ({message}); grant list on {} (docs/permissions/kubernetes.md) — conclusions that need them were not drawn",
                        resource.plural, target.context, resource.plural
                    ),
                );
            }
            Err(ListFailure::NotServed) => {
                out.skipped(
                    format!("{location}/{}", resource.plural),
                    "not_served_by_cluster",
                    None,
                );
            }
            Err(ListFailure::Failed(message)) => {
                cluster.unreadable.insert(resource.plural.to_string());
                failures.push((resource.plural, message));
            }
        }
    }
    if !listed_any {
        let detail = failures
            .first()
            .map_or_else(String::new, |(_, message)| format!(": {message}"));
        out.error(
            Some(location),
            format!(
                "cannot reach the API server of context `{}`{detail}; check the context, the network and the credentials",
                target.context
            ),
        );
        return None;
    }
    for (plural, message) in failures {
        out.error(
            Some(format!("{location}/{plural}")),
            format!(
                "cannot list {plural} in context `{}`: {message}",
                target.context
            ),
        );
    }
    Some(cluster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eks_context_clusters_are_named_by_their_last_segment() {
        assert_eq!(
            short_cluster_name("arn:aws:eks:us-east-1:210987654321:cluster/payments-prod"),
            "payments-prod"
        );
        assert_eq!(short_cluster_name("kind-dev"), "kind-dev");
    }
}

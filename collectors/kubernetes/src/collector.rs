//! The `kubernetes` collector: offline exports, manifests found in scanned
//! directories and live clusters, each assessed by the Kubernetes detectors
//! (nhiscope-k8s) and emitted as inventory.

use std::sync::Arc;

use async_trait::async_trait;
use nhiscope_collect::{CollectContext, CollectError, Collector, ConfigError, NodeSink};
use nhiscope_k8s::{Cluster, Settings, assess};
use nhiscope_secrets::RuleSet;
use tracing::Instrument;

use crate::{K8sConfig, emit::emit, live, offline};

/// The collector id, also its config section.
const COLLECTOR_ID: &str = "kubernetes";

/// Collects Kubernetes service accounts, RBAC, workloads and Secrets.
#[derive(Debug, Clone)]
pub struct K8sCollector {
    rules: Arc<RuleSet>,
}

impl K8sCollector {
    /// A collector whose Secret, ConfigMap and env values pass through `rules`.
    pub fn new(rules: Arc<RuleSet>) -> Self {
        Self { rules }
    }
}

fn config(section: &toml::Table) -> Result<K8sConfig, ConfigError> {
    let config =
        K8sConfig::from_section(section).map_err(|e| ConfigError::from_toml(COLLECTOR_ID, &e))?;
    config
        .validate()
        .map_err(|message| ConfigError::new(COLLECTOR_ID, message))?;
    Ok(config)
}

impl K8sCollector {
    fn assess_and_emit(
        &self,
        mut cluster: Cluster,
        config: &K8sConfig,
        cx: &CollectContext,
        out: &dyn NodeSink,
    ) {
        let _span = tracing::info_span!("cluster", name = %cluster.name).entered();
        cluster.complete_implicit_objects();
        for (kind, count) in &cluster.objects_read {
            out.objects_read(kind, *count);
        }
        let mut settings = Settings::new(cx.clock.now());
        settings.privileged_namespaces = config.privileged_namespaces.clone();
        settings.federation = config.clouds().unwrap_or_default();
        let assessment = assess(&cluster, &settings, &self.rules);
        tracing::info!(
            objects = cluster.object_count(),
            findings = assessment.findings.len(),
            "assessed"
        );
        emit(&cluster, &assessment, out);
    }
}

#[async_trait]
impl Collector for K8sCollector {
    fn id(&self) -> &'static str {
        COLLECTOR_ID
    }

    fn describe(&self) -> &'static str {
        "Kubernetes: service accounts, RBAC, workloads and Secrets, live or from exports and manifests"
    }

    fn check_config(&self, section: &toml::Table) -> Result<(), ConfigError> {
        config(section).map(|_| ())
    }

    async fn collect(&self, cx: &CollectContext, out: &dyn NodeSink) -> Result<(), CollectError> {
        let config = config(&cx.config)?;
        let max_file_size = config.max_file_size.unwrap_or(cx.limits.max_file_size);
        let mut assessed = 0usize;
        let mut attempted = 0usize;
        if !config.exports.is_empty() {
            attempted += config.exports.len();
            let clusters =
                tokio::task::block_in_place(|| offline::read_exports(&config, max_file_size, out));
            for cluster in clusters {
                self.assess_and_emit(cluster, &config, cx, out);
                assessed += 1;
            }
        }
        if !config.manifests.is_empty() {
            // Manifests are looked for, not required: finding none is fine.
            let clusters =
                tokio::task::block_in_place(|| offline::discover(&config, max_file_size, out));
            for cluster in clusters {
                self.assess_and_emit(cluster, &config, cx, out);
            }
        }
        if config.live {
            let (targets, errors) = live::targets(&config).await;
            attempted += targets.len() + errors.len();
            for error in errors {
                out.error(Some(format!("kubernetes:{}", error.context)), error.message);
            }
            for target in targets {
                if cx.cancel.is_cancelled() {
                    return Err(CollectError::Cancelled);
                }
                let span = tracing::info_span!("context", name = %target.context);
                if let Some(cluster) = live::collect(&target, &config, cx, out)
                    .instrument(span)
                    .await
                {
                    self.assess_and_emit(cluster, &config, cx, out);
                    assessed += 1;
                }
            }
        }
        if cx.cancel.is_cancelled() {
            return Err(CollectError::Cancelled);
        }
        if assessed == 0 && attempted > 0 {
            return Err(CollectError::Unavailable {
                target: "kubernetes".into(),
                message: "no cluster could be read; the errors above say why for each source"
                    .into(),
            });
        }
        Ok(())
    }
}

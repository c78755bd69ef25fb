//! The explicit, ordered list of collectors.

use std::sync::Arc;

use nhiscope_collect::Collector;
use nhiscope_collector_aws::AwsCollector;
use nhiscope_collector_fs::FsCollector;
use nhiscope_collector_git::GitCollector;
use nhiscope_collector_k8s::K8sCollector;
use nhiscope_model::RuleDescriptor;
use nhiscope_secrets::RuleSet;

/// Every collector nhiscope has, in the order scans run and list them. Adding a
/// collector means adding it here (CONTRIBUTING.md, "Adding a collector").
pub fn collectors(rules: Arc<RuleSet>) -> Vec<Arc<dyn Collector>> {
    vec![
        Arc::new(FsCollector::new(rules.clone())),
        Arc::new(GitCollector::new(rules.clone())),
        Arc::new(AwsCollector),
        Arc::new(K8sCollector::new(rules)),
    ]
}

/// Every rule and detector that can fire, as reports describe them (SARIF's
/// rule list).
pub fn rule_descriptors(rules: &RuleSet) -> Vec<RuleDescriptor> {
    let secret_rules = rules.rules().iter().map(|rule| RuleDescriptor {
        id: rule.id().to_string(),
        description: rule.description().to_string(),
        remediation: rule.remediation().to_string(),
        severity: rule.severity(),
        tags: rule.tags().to_vec(),
    });
    let aws_detectors = nhiscope_aws_iam::DETECTORS
        .iter()
        .map(|detector| detector.descriptor(&["aws", "iam"]));
    let k8s_detectors = nhiscope_k8s::DETECTORS
        .iter()
        .map(|detector| detector.descriptor(&["kubernetes"]));
    let correlation = nhiscope_graph::CORRELATION_DETECTORS
        .iter()
        .map(|detector| detector.descriptor(&["correlation"]));
    secret_rules
        .chain(aws_detectors)
        .chain(k8s_detectors)
        .chain(correlation)
        .collect()
}

//! The explicit, ordered list of collectors.

use std::sync::Arc;

use nhiscope_collect::Collector;
use nhiscope_collector_fs::FsCollector;
use nhiscope_collector_git::GitCollector;
use nhiscope_secrets::RuleSet;

/// Every collector nhiscope has, in the order scans run and list them. Adding a
/// collector means adding it here (CONTRIBUTING.md, "Adding a collector").
pub fn collectors(rules: Arc<RuleSet>) -> Vec<Arc<dyn Collector>> {
    vec![
        Arc::new(FsCollector::new(rules.clone())),
        Arc::new(GitCollector::new(rules)),
    ]
}

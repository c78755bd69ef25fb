//! A sink that keeps everything, for tests of collectors (and for embedding
//! a collector without the runner).

use std::sync::Mutex;

use nhiscope_model::{Edge, Finding, Node};

use crate::NodeSink;

/// Everything one collector emitted, in the order it came.
#[derive(Debug, Default)]
pub struct Recorded {
    /// The nodes.
    pub nodes: Vec<Node>,
    /// The edges.
    pub edges: Vec<Edge>,
    /// The findings.
    pub findings: Vec<Finding>,
    /// Per-item failures: location and message.
    pub errors: Vec<(Option<String>, String)>,
    /// Items not read: location and reason.
    pub skipped: Vec<(String, String)>,
    /// How many items were examined.
    pub scanned: u64,
    /// How many objects of each kind were read.
    pub objects_read: std::collections::BTreeMap<String, u64>,
}

/// A [`NodeSink`] that records what it receives.
#[derive(Debug, Default)]
pub struct RecordingSink(Mutex<Recorded>);

impl RecordingSink {
    /// What was recorded.
    pub fn into_recorded(self) -> Recorded {
        self.0
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn with(&self, record: impl FnOnce(&mut Recorded)) {
        let mut recorded = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        record(&mut recorded);
    }
}

impl NodeSink for RecordingSink {
    fn node(&self, node: Node) {
        self.with(|r| r.nodes.push(node));
    }

    fn edge(&self, edge: Edge) {
        self.with(|r| r.edges.push(edge));
    }

    fn finding(&self, finding: Finding) {
        self.with(|r| r.findings.push(finding));
    }

    fn error(&self, location: Option<String>, message: String) {
        self.with(|r| r.errors.push((location, message)));
    }

    fn skipped(&self, location: String, reason: &str, _size: Option<u64>) {
        self.with(|r| r.skipped.push((location, reason.to_string())));
    }

    fn scanned(&self, count: u64) {
        self.with(|r| r.scanned += count);
    }

    fn objects_read(&self, kind: &str, count: u64) {
        self.with(|r| {
            r.scanned += count;
            *r.objects_read.entry(kind.to_string()).or_insert(0) += count;
        });
    }
}

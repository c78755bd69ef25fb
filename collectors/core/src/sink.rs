//! Where collectors put what they find.

use nhiscope_model::{Edge, Finding, Node};

/// Receives a collector's output as it is produced. Shared by reference across
/// the collector's threads, so every method takes `&self`.
pub trait NodeSink: Send + Sync {
    /// A node was found.
    fn node(&self, node: Node);

    /// An edge was found.
    fn edge(&self, edge: Edge);

    /// A finding was raised.
    fn finding(&self, finding: Finding);

    /// One item (a file, an object) could not be read; the collector goes on.
    /// `message` is one line saying what failed and what to do.
    fn error(&self, location: Option<String>, message: String);

    /// One item was deliberately not read (`reason`: `binary`, `too_large`, ...).
    fn skipped(&self, location: String, reason: &str, size: Option<u64>);

    /// `count` more items were examined (for progress and the scan summary).
    fn scanned(&self, count: u64);

    /// `count` more objects of kind `kind` were read (`ClusterRole`), for the
    /// scan summary's per-kind counts. Defaults to counting them as scanned.
    fn objects_read(&self, kind: &str, count: u64) {
        let _ = kind;
        self.scanned(count);
    }
}

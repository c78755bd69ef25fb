//! The inventory store and the access graph.
//!
//! [`Store`] persists each scan (its record, nodes, edges, findings, source
//! errors, skipped items and the graph analyses) in a DuckDB file whose
//! schema is `schema.sql`, guarded by a schema-version row; a scan is written
//! in one transaction, so an interrupted write leaves every earlier scan
//! intact. [`correlate`] joins what several collectors saw of one credential;
//! [`graph_of`] turns an inventory into the compact [`Graph`] the analyses
//! ([`analyse`], [`Reach`]) walk; [`AccessGraph`] is the typed petgraph view
//! of a neighbourhood, for exports.

mod access_graph;
mod analysis;
mod build;
mod columns;
mod compact;
mod correlate;
mod error;
pub mod export;
mod reach;
mod read;
mod read_graph;
mod store;
mod write;

pub use access_graph::AccessGraph;
pub use analysis::{
    Analysis, AnalysisSettings, AttackPath, FACTORS, Factor, Score, analyse, factor_names,
};
pub use build::{Pattern, facts_of, graph_of};
pub use compact::{
    Graph, GraphBuilder, NodeFacts, NodeIndex, flags, kind_code, kind_of, node_kind_code,
    node_kind_of,
};
pub use correlate::{Correlation, DETECTORS as CORRELATION_DETECTORS, correlate};
pub use error::StoreError;
pub use reach::{ACCESS_EDGES, NearestTargets, Reach, Step};
pub use read::{ScanListing, ScanSelector};
pub use read_graph::StoredScore;
pub use store::{DEFAULT_STORE_PATH, SCHEMA_VERSION, Store, node_class_sql, node_type_sql};
pub use write::GraphResults;

#[cfg(test)]
mod tests;

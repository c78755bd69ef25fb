//! The inventory store and the access graph.
//!
//! [`Store`] persists each scan (its record, nodes, edges, findings, source errors
//! and skipped items) in a DuckDB file whose schema is `schema.sql`, guarded by a
//! schema-version row; a scan is written in one transaction, so an interrupted
//! write leaves every earlier scan intact. [`AccessGraph`] loads an inventory into
//! a petgraph graph for the analyses that walk it.

mod access_graph;
mod error;
mod read;
mod store;
mod write;

pub use access_graph::AccessGraph;
pub use error::StoreError;
pub use read::{ScanListing, ScanSelector};
pub use store::{DEFAULT_STORE_PATH, SCHEMA_VERSION, Store};

#[cfg(test)]
mod tests;

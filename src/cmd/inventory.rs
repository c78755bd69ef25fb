//! `nhiscope inventory`: the identities, credentials and workloads of a
//! stored scan, with native ids and timestamps.

use nhiscope_reports::{InventoryFormat, inventory_nodes, write_inventory};

use super::{open_store, write_output};
use crate::{
    cli::{GlobalArgs, InventoryArgs, InventoryFormatArg},
    exit::Exit,
};

/// Runs `nhiscope inventory`.
pub fn run(global: &GlobalArgs, args: &InventoryArgs) -> anyhow::Result<Exit> {
    let store = open_store(global)?;
    let record = store.resolve(&args.scan)?;
    let inventory = store.load_inventory(&record.id)?;
    let classes: Vec<&str> = if args.kind.is_empty() {
        vec!["identity", "credential", "workload"]
    } else {
        args.kind.iter().map(|kind| kind.as_str()).collect()
    };
    let nodes = inventory_nodes(&inventory, &classes, args.provider.as_deref());
    let format = match args.format {
        InventoryFormatArg::Text => InventoryFormat::Text,
        InventoryFormatArg::Json => InventoryFormat::Json,
        InventoryFormatArg::Csv => InventoryFormat::Csv,
    };
    write_output(None, |out| {
        write_inventory(out, &nodes, format)?;
        Ok(())
    })?;
    Ok(Exit::Clean)
}

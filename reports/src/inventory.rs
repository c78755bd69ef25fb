//! The inventory listing (`nhiscope inventory`): every identity, credential
//! and workload of a scan, one row each, with native ids and timestamps — the
//! answer to "what non-human identities exist", findings or not.

use std::io;

use nhiscope_model::{Inventory, Node};
use serde_json::{Value, json};

use crate::ReportError;

/// The columns of the listing, in order.
pub const INVENTORY_COLUMNS: [&str; 11] = [
    "kind",
    "type",
    "provider",
    "name",
    "native_id",
    "scope",
    "status",
    "created_at",
    "last_used_at",
    "expires_at",
    "id",
];

/// Formats of the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryFormat {
    /// Aligned columns.
    Text,
    /// A JSON array of objects.
    Json,
    /// CSV with a header row.
    Csv,
}

/// What the listing says a node's state is: a credential's status, or an
/// identity's classification.
fn status(node: &Node) -> String {
    let text = |key: &str| {
        node.attributes
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    text("status")
        .or_else(|| text("classification"))
        .unwrap_or_default()
}

fn row(node: &Node) -> [String; 11] {
    let when = |t: Option<jiff::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    [
        node.kind.class_name().to_string(),
        node.kind.type_name().to_string(),
        node.provider.clone(),
        node.name.clone(),
        node.native_id.clone().unwrap_or_default(),
        node.scope.clone().unwrap_or_default(),
        status(node),
        when(node.timestamps.created_at),
        when(node.timestamps.last_used_at),
        when(node.timestamps.expires_at),
        node.id.to_string(),
    ]
}

/// The nodes of `inventory` whose class is in `classes`, and whose provider
/// is `provider` when given, sorted by class, type and name.
pub fn inventory_nodes<'a>(
    inventory: &'a Inventory,
    classes: &[&str],
    provider: Option<&str>,
) -> Vec<&'a Node> {
    let mut nodes: Vec<&Node> = inventory
        .nodes()
        .filter(|node| classes.contains(&node.kind.class_name()))
        .filter(|node| provider.is_none_or(|p| node.provider == p))
        .collect();
    nodes.sort_by(|a, b| {
        (a.kind.class_name(), a.kind.type_name(), &a.name, &a.id).cmp(&(
            b.kind.class_name(),
            b.kind.type_name(),
            &b.name,
            &b.id,
        ))
    });
    nodes
}

/// Writes the listing of `nodes`.
pub fn write_inventory(
    out: &mut dyn io::Write,
    nodes: &[&Node],
    format: InventoryFormat,
) -> Result<(), ReportError> {
    match format {
        InventoryFormat::Json => {
            let rows: Vec<Value> = nodes
                .iter()
                .map(|node| {
                    let mut value = json!({});
                    for (column, cell) in INVENTORY_COLUMNS.iter().zip(row(node)) {
                        value[*column] = if cell.is_empty() {
                            Value::Null
                        } else {
                            Value::String(cell)
                        };
                    }
                    value["labels"] = json!(node.labels);
                    value["attributes"] = json!(node.attributes);
                    value
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            out.write_all(b"\n")?;
        }
        InventoryFormat::Csv => {
            crate::csv::write_row(out, INVENTORY_COLUMNS.iter().map(|c| (*c).to_string()))?;
            for node in nodes {
                crate::csv::write_row(out, row(node).into_iter())?;
            }
        }
        InventoryFormat::Text => {
            let mut rows = vec![[
                "KIND".to_string(),
                "TYPE".into(),
                "NAME".into(),
                "NATIVE ID".into(),
                "STATUS".into(),
                "CREATED".into(),
                "LAST USED".into(),
            ]];
            let day = |text: &str| text.get(..10).unwrap_or(text).to_string();
            for node in nodes {
                let cells = row(node);
                rows.push([
                    cells[0].clone(),
                    cells[1].clone(),
                    cells[3].clone(),
                    cells[4].clone(),
                    cells[6].clone(),
                    day(&cells[7]),
                    day(&cells[8]),
                ]);
            }
            crate::write_columns(out, &rows, 0)?;
        }
    }
    Ok(())
}

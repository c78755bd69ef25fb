//! `nhiscope path FROM TO`: how one node reaches another over access edges.

use nhiscope_graph::{Graph, Reach, Step};

use super::{open_store, resolve_node, write_output};
use crate::{
    cli::{FormatArg, GlobalArgs, PathArgs},
    exit::Exit,
};

/// A path as JSON: `[{"node", "name", "kind", "type", "via"?}]`.
pub(super) fn steps_json(graph: &Graph, steps: &[Step]) -> serde_json::Value {
    steps
        .iter()
        .map(|step| {
            let facts = graph.facts(step.node);
            let mut value = serde_json::json!({
                "node": graph.id(step.node),
                "name": graph.name(step.node),
                "kind": facts.kind.class_name(),
                "type": facts.kind.type_name(),
            });
            if let Some(via) = step.via {
                value["via"] = via.as_str().into();
            }
            value
        })
        .collect()
}

/// A path on one line: `key (access_key) -authenticates_as-> ci (iam_user) -can_assume-> ...`.
pub(super) fn steps_text(graph: &Graph, steps: &[Step]) -> String {
    let mut text = String::new();
    for step in steps {
        if let Some(via) = step.via {
            text.push_str(&format!(" -{}-> ", via.as_str()));
        }
        text.push_str(&format!(
            "{} ({})",
            graph.name(step.node),
            graph.facts(step.node).kind.type_name()
        ));
    }
    text
}

/// Runs `nhiscope path`.
pub fn run(global: &GlobalArgs, args: &PathArgs) -> anyhow::Result<Exit> {
    let store = open_store(global)?;
    let record = store.resolve(&args.scan)?;
    let graph = store.load_graph(&record.id)?;
    let from = resolve_node(&store, &record.id, &graph, &args.from)?;
    let to = resolve_node(&store, &record.id, &graph, &args.to)?;
    let mut reach = Reach::new(&graph);
    reach.from(from, usize::MAX);
    let steps = reach.path_to(to);
    write_output(None, |out| {
        match args.format {
            FormatArg::Json => {
                let value = serde_json::json!({
                    "from": graph.id(from),
                    "to": graph.id(to),
                    "path": if steps.is_empty() { serde_json::Value::Null } else { steps_json(&graph, &steps) },
                });
                serde_json::to_writer_pretty(&mut *out, &value)?;
                writeln!(out)?;
            }
            FormatArg::Text if steps.is_empty() => {
                writeln!(
                    out,
                    "No access path from {} to {} in scan #{}.",
                    graph.id(from),
                    graph.id(to),
                    record.number.unwrap_or(0)
                )?;
            }
            FormatArg::Text => {
                writeln!(out, "{} edge(s):", steps.len() - 1)?;
                for step in &steps {
                    let via = step
                        .via
                        .map_or_else(|| "  ".to_string(), |via| format!("  -{}-> ", via.as_str()));
                    writeln!(
                        out,
                        "{via}{} ({}) {}",
                        graph.name(step.node),
                        graph.facts(step.node).kind.type_name(),
                        graph.id(step.node)
                    )?;
                }
            }
        }
        Ok(())
    })?;
    Ok(if steps.is_empty() {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

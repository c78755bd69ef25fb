//! `nhiscope blast-radius NODE`: everything a credential or identity can
//! reach over access edges, with one (shortest) path to each node.

use std::collections::BTreeMap;

use nhiscope_graph::{Reach, flags};

use super::{open_store, path::steps_json, path::steps_text, resolve_node, write_output};
use crate::{
    cli::{BlastRadiusArgs, FormatArg, GlobalArgs},
    exit::Exit,
};

/// Runs `nhiscope blast-radius`.
pub fn run(global: &GlobalArgs, args: &BlastRadiusArgs) -> anyhow::Result<Exit> {
    let store = open_store(global)?;
    let record = store.resolve(&args.scan)?;
    let graph = store.load_graph(&record.id)?;
    let start = resolve_node(&store, &record.id, &graph, &args.node)?;
    let score = store.score(&record.id, graph.id(start))?;
    let mut reach = Reach::new(&graph);
    let reached: Vec<_> = reach.from(start, args.limit.unwrap_or(usize::MAX)).to_vec();
    let truncated = reach.truncated();
    let mut by_kind: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for node in reached.iter().skip(1) {
        let kind = graph.facts(*node).kind;
        *by_kind
            .entry((kind.class_name(), kind.type_name()))
            .or_default() += 1;
    }
    // Positions in `reached`, which is how paths are read.
    let high_value: Vec<usize> = (0..reached.len())
        .filter(|&at| {
            let facts = graph.facts(reached[at]);
            facts.has(flags::ADMIN) || facts.has(flags::CROWN_JEWEL)
        })
        .collect();
    write_output(None, |out| {
        match args.format {
            FormatArg::Json => {
                let nodes: Vec<serde_json::Value> = reached
                    .iter()
                    .enumerate()
                    .map(|(at, node)| {
                        let facts = graph.facts(*node);
                        let path = reach.path_at(at);
                        serde_json::json!({
                            "id": graph.id(*node),
                            "name": graph.name(*node),
                            "kind": facts.kind.class_name(),
                            "type": facts.kind.type_name(),
                            "depth": path.len().saturating_sub(1),
                            "admin": facts.has(flags::ADMIN),
                            "crown_jewel": facts.has(flags::CROWN_JEWEL),
                            "path": steps_json(&graph, &path),
                        })
                    })
                    .collect();
                let value = serde_json::json!({
                    "node": graph.id(start),
                    "scan": record.id.to_string(),
                    "reached": reached.len(),
                    "truncated": truncated,
                    "risk": score.as_ref().map(|s| s.risk),
                    "factors": score.as_ref().map(|s| s.factors.clone()),
                    "nodes": nodes,
                });
                serde_json::to_writer_pretty(&mut *out, &value)?;
                writeln!(out)?;
            }
            FormatArg::Text => {
                let kinds: Vec<String> = by_kind
                    .iter()
                    .map(|((class, type_name), count)| format!("{count} {class}/{type_name}"))
                    .collect();
                writeln!(
                    out,
                    "{} ({}) reaches {}{} node(s){}",
                    graph.name(start),
                    graph.facts(start).kind.type_name(),
                    reached.len() - 1,
                    if truncated { "+" } else { "" },
                    if kinds.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", kinds.join(", "))
                    }
                )?;
                if let Some(score) = &score {
                    writeln!(out, "risk {} ({})", score.risk, score.factors.join(", "))?;
                }
                for &at in &high_value {
                    let what = if graph.facts(reached[at]).has(flags::ADMIN) {
                        "admin-equivalent"
                    } else {
                        "crown jewel"
                    };
                    writeln!(out, "{what}: {}", steps_text(&graph, &reach.path_at(at)))?;
                }
                writeln!(out)?;
                let mut rows = vec![[
                    "DEPTH".to_string(),
                    "TYPE".into(),
                    "NAME".into(),
                    "VIA".into(),
                    "ID".into(),
                ]];
                for (at, node) in reached.iter().enumerate().skip(1) {
                    let path = reach.path_at(at);
                    let via = path
                        .last()
                        .and_then(|step| step.via)
                        .map_or("", |via| via.as_str());
                    let from = path
                        .len()
                        .checked_sub(2)
                        .map_or_else(String::new, |i| graph.name(path[i].node).to_string());
                    rows.push([
                        (path.len() - 1).to_string(),
                        graph.facts(*node).kind.type_name().to_string(),
                        graph.name(*node).to_string(),
                        format!("{from} -{via}->"),
                        graph.id(*node).to_string(),
                    ]);
                }
                nhiscope_reports::write_columns(out, &rows, 0)?;
            }
        }
        Ok(())
    })?;
    Ok(Exit::Clean)
}

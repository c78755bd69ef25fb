//! The access graph, or the neighbourhood of one node, in formats other
//! tools open: Graphviz DOT, GraphML (Gephi, yEd) and JSON.

use std::{collections::BTreeSet, fmt::Write};

use nhiscope_model::{NodeKind, ResourceType};

use crate::compact::{Graph, NodeIndex, kind_of};

/// Whether a node gathers everything of a place (an account, a cluster, a
/// directory, a namespace): shown in a neighbourhood, but not expanded, or
/// one hop would pull in the whole account.
fn is_container(kind: &NodeKind) -> bool {
    matches!(
        kind,
        NodeKind::Source(_)
            | NodeKind::Resource(
                ResourceType::Namespace
                    | ResourceType::Cluster
                    | ResourceType::Account
                    | ResourceType::Any
            )
    )
}

/// The nodes within `depth` edges of `center`, following edges either way
/// (places such as accounts and directories are included but not expanded,
/// unless they are the center).
pub fn neighbourhood(graph: &Graph, center: NodeIndex, depth: usize) -> Vec<NodeIndex> {
    let mut seen: BTreeSet<NodeIndex> = BTreeSet::from([center]);
    let mut frontier = vec![center];
    for _ in 0..depth {
        let mut next = Vec::new();
        for node in frontier {
            if node != center && is_container(&graph.facts(node).kind) {
                continue;
            }
            let (out, _) = graph.outgoing(node);
            let (incoming, _) = graph.incoming(node);
            for &other in out.iter().chain(incoming) {
                if seen.insert(other) {
                    next.push(other);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    seen.into_iter().collect()
}

/// The edges among `nodes`: (from, to, kind).
fn edges_among(graph: &Graph, nodes: &[NodeIndex]) -> Vec<(NodeIndex, NodeIndex, &'static str)> {
    let set: BTreeSet<NodeIndex> = nodes.iter().copied().collect();
    let mut edges = Vec::new();
    for &from in nodes {
        let (targets, kinds) = graph.outgoing(from);
        for (&to, &code) in targets.iter().zip(kinds) {
            if set.contains(&to) {
                edges.push((from, to, kind_of(code).as_str()));
            }
        }
    }
    edges
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn style(kind: &NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::Workload(_) => ("box3d", "#dbeafe"),
        NodeKind::Identity(_) => ("ellipse", "#fde68a"),
        NodeKind::Credential(_) => ("note", "#fecaca"),
        NodeKind::Permission(_) => ("hexagon", "#ddd6fe"),
        NodeKind::Resource(_) => ("cylinder", "#bbf7d0"),
        NodeKind::Owner(_) => ("house", "#e5e7eb"),
        NodeKind::Source(_) => ("folder", "#f3f4f6"),
    }
}

/// Graphviz DOT of `nodes` and the edges among them; `highlight` is drawn
/// bold.
pub fn to_dot(graph: &Graph, nodes: &[NodeIndex], highlight: Option<NodeIndex>) -> String {
    let mut dot = String::from(
        "digraph nhiscope {\n  rankdir=LR;\n  node [style=filled, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=8, color=\"#6b7280\"];\n",
    );
    for &node in nodes {
        let facts = graph.facts(node);
        let (shape, fill) = style(&facts.kind);
        let bold = if Some(node) == highlight {
            ", penwidth=3"
        } else {
            ""
        };
        let _ = writeln!(
            dot,
            "  n{node} [label=\"{}\\n({})\", shape={shape}, fillcolor=\"{fill}\", tooltip=\"{}\"{bold}];",
            dot_escape(graph.name(node)),
            facts.kind.type_name(),
            dot_escape(graph.id(node)),
        );
    }
    for (from, to, kind) in edges_among(graph, nodes) {
        let _ = writeln!(dot, "  n{from} -> n{to} [label=\"{kind}\"];");
    }
    dot.push_str("}\n");
    dot
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// GraphML of `nodes` and the edges among them, with kind, type and name as
/// data keys.
pub fn to_graphml(graph: &Graph, nodes: &[NodeIndex]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n  <key id=\"name\" for=\"node\" attr.name=\"name\" attr.type=\"string\"/>\n  <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n  <key id=\"type\" for=\"node\" attr.name=\"type\" attr.type=\"string\"/>\n  <key id=\"edge_kind\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n  <graph id=\"nhiscope\" edgedefault=\"directed\">\n",
    );
    for &node in nodes {
        let facts = graph.facts(node);
        let _ = writeln!(
            xml,
            "    <node id=\"{}\"><data key=\"name\">{}</data><data key=\"kind\">{}</data><data key=\"type\">{}</data></node>",
            xml_escape(graph.id(node)),
            xml_escape(graph.name(node)),
            facts.kind.class_name(),
            facts.kind.type_name(),
        );
    }
    for (index, (from, to, kind)) in edges_among(graph, nodes).into_iter().enumerate() {
        let _ = writeln!(
            xml,
            "    <edge id=\"e{index}\" source=\"{}\" target=\"{}\"><data key=\"edge_kind\">{kind}</data></edge>",
            xml_escape(graph.id(from)),
            xml_escape(graph.id(to)),
        );
    }
    xml.push_str("  </graph>\n</graphml>\n");
    xml
}

/// JSON of `nodes` and the edges among them.
pub fn to_json(graph: &Graph, nodes: &[NodeIndex]) -> serde_json::Value {
    let node_list: Vec<serde_json::Value> = nodes
        .iter()
        .map(|&node| {
            let facts = graph.facts(node);
            serde_json::json!({
                "id": graph.id(node),
                "name": graph.name(node),
                "kind": facts.kind.class_name(),
                "type": facts.kind.type_name(),
            })
        })
        .collect();
    let edge_list: Vec<serde_json::Value> = edges_among(graph, nodes)
        .into_iter()
        .map(|(from, to, kind)| {
            serde_json::json!({"from": graph.id(from), "to": graph.id(to), "kind": kind})
        })
        .collect();
    serde_json::json!({"nodes": node_list, "edges": edge_list})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compact::{GraphBuilder, NodeFacts};
    use nhiscope_model::{CredentialType, EdgeKind, IdentityType};

    #[test]
    fn a_neighbourhood_in_every_format() {
        let mut builder = GraphBuilder::with_capacity(4, 3);
        let key = NodeFacts::of(NodeKind::Credential(CredentialType::AccessKey));
        let user = NodeFacts::of(NodeKind::Identity(IdentityType::IamUser));
        builder.add_node("k", "key \"1\"", key);
        builder.add_node("u", "user <ci>", user);
        builder.add_node("r", "role", user);
        builder.add_node("far", "far away", user);
        builder.add_edge("k", "u", EdgeKind::AuthenticatesAs);
        builder.add_edge("u", "r", EdgeKind::CanAssume);
        builder.add_edge("r", "far", EdgeKind::CanAssume);
        let graph = builder.finish();
        let u = graph.find("u").expect("u");
        let around = neighbourhood(&graph, u, 1);
        assert_eq!(around.len(), 3, "k, u and r, not far");
        let dot = to_dot(&graph, &around, Some(u));
        assert!(
            dot.contains("label=\"key \\\"1\\\"\\n(access_key)\""),
            "{dot}"
        );
        assert!(dot.contains("-> n2 [label=\"can_assume\"]"), "{dot}");
        assert!(!dot.contains("far away"));
        let xml = to_graphml(&graph, &around);
        assert!(xml.contains("user &lt;ci&gt;"));
        assert_eq!(xml.matches("<edge ").count(), 2);
        let json = to_json(&graph, &around);
        assert_eq!(json["edges"].as_array().map(Vec::len), Some(2));
    }
}

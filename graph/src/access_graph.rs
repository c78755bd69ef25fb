//! The inventory as a petgraph graph, for analyses that walk relations.

use std::collections::HashMap;

use nhiscope_model::{Edge, Inventory, Node, NodeId};
use petgraph::{
    Direction,
    graph::{DiGraph, NodeIndex},
    visit::EdgeRef,
};

/// A directed graph of the inventory's nodes and edges.
///
/// Edges whose endpoints are not in the inventory (a role named by an
/// annotation but not collected) are kept aside in [`AccessGraph::dangling`]
/// rather than invented as nodes.
#[derive(Debug, Default)]
pub struct AccessGraph {
    graph: DiGraph<Node, Edge>,
    index: HashMap<NodeId, NodeIndex>,
    dangling: Vec<Edge>,
}

impl AccessGraph {
    /// Builds the graph of an inventory.
    pub fn from_inventory(inventory: &Inventory) -> Self {
        let mut graph = DiGraph::with_capacity(inventory.nodes().len(), inventory.edges().len());
        let mut index = HashMap::with_capacity(inventory.nodes().len());
        for node in inventory.nodes() {
            let at = graph.add_node(node.clone());
            index.insert(node.id.clone(), at);
        }
        let mut dangling = Vec::new();
        for edge in inventory.edges() {
            match (index.get(&edge.from), index.get(&edge.to)) {
                (Some(from), Some(to)) => {
                    graph.add_edge(*from, *to, edge.clone());
                }
                _ => dangling.push(edge.clone()),
            }
        }
        Self {
            graph,
            index,
            dangling,
        }
    }

    /// The node with this id.
    pub fn node(&self, id: &NodeId) -> Option<&Node> {
        self.index.get(id).map(|at| &self.graph[*at])
    }

    /// How many nodes the graph has.
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// How many edges join two known nodes.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Edges whose endpoints are not both in the inventory.
    pub fn dangling(&self) -> &[Edge] {
        &self.dangling
    }

    /// The edges leaving `id`, with the node each reaches.
    pub fn outgoing(&self, id: &NodeId) -> Vec<(&Edge, &Node)> {
        self.neighbours(id, Direction::Outgoing)
    }

    /// The edges arriving at `id`, with the node each comes from.
    pub fn incoming(&self, id: &NodeId) -> Vec<(&Edge, &Node)> {
        self.neighbours(id, Direction::Incoming)
    }

    fn neighbours(&self, id: &NodeId, direction: Direction) -> Vec<(&Edge, &Node)> {
        let Some(at) = self.index.get(id) else {
            return Vec::new();
        };
        let mut found: Vec<(&Edge, &Node)> = self
            .graph
            .edges_directed(*at, direction)
            .map(|edge| {
                let other = match direction {
                    Direction::Outgoing => edge.target(),
                    Direction::Incoming => edge.source(),
                };
                (edge.weight(), &self.graph[other])
            })
            .collect();
        found.sort_by(|a, b| (a.0.kind, &a.1.id).cmp(&(b.0.kind, &b.1.id)));
        found
    }

    /// The underlying petgraph graph, for analyses.
    pub fn graph(&self) -> &DiGraph<Node, Edge> {
        &self.graph
    }

    /// Back to an inventory of nodes and edges (findings are not part of the
    /// graph).
    pub fn to_inventory(&self) -> Inventory {
        let mut inventory = Inventory::new();
        for node in self.graph.node_weights() {
            inventory.add_node(node.clone());
        }
        for edge in self.graph.edge_weights().chain(self.dangling.iter()) {
            inventory.add_edge(edge.clone());
        }
        inventory
    }
}

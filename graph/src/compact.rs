//! The access graph for analysis at scale: every node a dense `u32`, its
//! kind and a few facts in flat arrays, and the edges in compressed sparse
//! rows both ways (outgoing and incoming), each with its kind. A million
//! identities (3.5 million nodes, 5 million edges) take a few hundred
//! megabytes, and a traversal costs in proportion to what it reaches, not to
//! the size of the graph.

use std::{
    collections::HashMap,
    hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hasher},
};

use nhiscope_model::{EdgeKind, NodeKind};

/// A node's index in a [`Graph`].
pub type NodeIndex = u32;

/// Facts about a node the analyses use, packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeFacts {
    /// The class and type.
    pub kind: NodeKind,
    /// [`flags`] bits.
    pub flags: u8,
    /// When it was created, in Unix seconds (`i64::MIN`: unknown).
    pub created_at: i64,
    /// When it was last used, in Unix seconds (`i64::MIN`: unknown).
    pub last_used_at: i64,
}

/// Bits of [`NodeFacts::flags`].
pub mod flags {
    /// A credential whose value was found in content (files, history).
    pub const EXPOSED: u8 = 1;
    /// Admin-equivalent: `*:*`, AdministratorAccess, `iam:*`, cluster-admin.
    pub const ADMIN: u8 = 1 << 1;
    /// A resource or identity the configuration names as a crown jewel.
    pub const CROWN_JEWEL: u8 = 1 << 2;
    /// A credential its provider lists as active (a live cloud key).
    pub const LIVE: u8 = 1 << 3;
    /// A credential its provider lists as inactive or revoked.
    pub const INACTIVE: u8 = 1 << 4;
    /// A credential that never expires (access keys, legacy tokens, keys).
    pub const LONG_LIVED: u8 = 1 << 5;
}

impl NodeFacts {
    /// Facts with nothing known but the kind.
    pub fn of(kind: NodeKind) -> Self {
        Self {
            kind,
            flags: 0,
            created_at: i64::MIN,
            last_used_at: i64::MIN,
        }
    }

    /// Whether a flag is set.
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// Edges in compressed sparse rows: the neighbours of node `n` are
/// `targets[offsets[n]..offsets[n + 1]]`, with their kinds alongside.
#[derive(Clone, Debug, Default)]
pub struct Adjacency {
    offsets: Vec<u32>,
    targets: Vec<NodeIndex>,
    kinds: Vec<u8>,
}

impl Adjacency {
    fn build(nodes: usize, edges: &[(NodeIndex, NodeIndex, u8)], reverse: bool) -> Self {
        let mut offsets = vec![0u32; nodes + 1];
        for &(from, to, _) in edges {
            let row = if reverse { to } else { from };
            offsets[row as usize + 1] += 1;
        }
        for i in 0..nodes {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor: Vec<u32> = offsets[..nodes].to_vec();
        let mut targets = vec![0 as NodeIndex; edges.len()];
        let mut kinds = vec![0u8; edges.len()];
        for &(from, to, kind) in edges {
            let (row, column) = if reverse { (to, from) } else { (from, to) };
            let slot = &mut cursor[row as usize];
            targets[*slot as usize] = column;
            kinds[*slot as usize] = kind;
            *slot += 1;
        }
        Self {
            offsets,
            targets,
            kinds,
        }
    }

    /// The neighbours of `node` and the kinds of the edges to them.
    pub fn of(&self, node: NodeIndex) -> (&[NodeIndex], &[u8]) {
        let start = self.offsets[node as usize] as usize;
        let end = self.offsets[node as usize + 1] as usize;
        (&self.targets[start..end], &self.kinds[start..end])
    }

    fn bytes(&self) -> usize {
        self.offsets.capacity() * 4 + self.targets.capacity() * 4 + self.kinds.capacity()
    }
}

/// The code of an edge kind in the adjacency arrays.
pub fn kind_code(kind: EdgeKind) -> u8 {
    EdgeKind::ALL
        .iter()
        .position(|k| *k == kind)
        .expect("every kind is in ALL") as u8
}

/// The edge kind of a code.
pub fn kind_of(code: u8) -> EdgeKind {
    EdgeKind::ALL[code as usize]
}

/// Hashes node ids (with fixed keys, so runs are repeatable).
type IdHasher = BuildHasherDefault<DefaultHasher>;

/// Keys that are already hashes pass through unchanged.
#[derive(Clone, Copy, Debug, Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// Node ids by the 64-bit hash of their text, with a side table for the
/// rare ids whose hash collides with another's.
#[derive(Clone, Debug, Default)]
struct IdIndex {
    by_hash: HashMap<u64, NodeIndex, BuildHasherDefault<PassThrough>>,
    collided: HashMap<Box<str>, NodeIndex>,
}

fn hash_of(id: &str) -> u64 {
    IdHasher::default().hash_one(id)
}

/// The access graph: ids, names and facts of every node, and the edges both
/// ways.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    ids: Vec<Box<str>>,
    names: Vec<Box<str>>,
    facts: Vec<NodeFacts>,
    index: IdIndex,
    out: Adjacency,
    incoming: Adjacency,
    dangling: usize,
}

impl Graph {
    /// How many nodes.
    pub fn node_count(&self) -> usize {
        self.ids.len()
    }

    /// How many edges (between known nodes).
    pub fn edge_count(&self) -> usize {
        self.out.targets.len()
    }

    /// Edges left out because an endpoint is not a node.
    pub fn dangling_edges(&self) -> usize {
        self.dangling
    }

    /// The index of the node with this id.
    pub fn find(&self, id: &str) -> Option<NodeIndex> {
        if let Some(index) = self.index.collided.get(id) {
            return Some(*index);
        }
        let index = *self.index.by_hash.get(&hash_of(id))?;
        (self.ids[index as usize].as_ref() == id).then_some(index)
    }

    /// The node's id.
    pub fn id(&self, node: NodeIndex) -> &str {
        &self.ids[node as usize]
    }

    /// The node's name.
    pub fn name(&self, node: NodeIndex) -> &str {
        &self.names[node as usize]
    }

    /// The node's facts.
    pub fn facts(&self, node: NodeIndex) -> &NodeFacts {
        &self.facts[node as usize]
    }

    /// Outgoing neighbours and edge kind codes.
    pub fn outgoing(&self, node: NodeIndex) -> (&[NodeIndex], &[u8]) {
        self.out.of(node)
    }

    /// Incoming neighbours and edge kind codes.
    pub fn incoming(&self, node: NodeIndex) -> (&[NodeIndex], &[u8]) {
        self.incoming.of(node)
    }

    /// Every node index.
    pub fn nodes(&self) -> std::ops::Range<NodeIndex> {
        0..self.ids.len() as NodeIndex
    }

    /// Roughly how many bytes the graph holds on the heap.
    pub fn heap_bytes(&self) -> usize {
        let strings: usize = self
            .ids
            .iter()
            .chain(&self.names)
            .map(|s| s.len() + std::mem::size_of::<Box<str>>())
            .sum();
        strings
            + self.facts.capacity() * std::mem::size_of::<NodeFacts>()
            + self.index.by_hash.capacity() * 16
            + self.out.bytes()
            + self.incoming.bytes()
    }
}

/// Builds a [`Graph`]: nodes first (an id seen twice merges its flags),
/// then edges by id or index; `finish` lays out the rows.
#[derive(Debug, Default)]
pub struct GraphBuilder {
    graph: Graph,
    edges: Vec<(NodeIndex, NodeIndex, u8)>,
}

impl GraphBuilder {
    /// A builder with room for `nodes` and `edges`.
    pub fn with_capacity(nodes: usize, edges: usize) -> Self {
        let mut graph = Graph::default();
        graph.ids.reserve(nodes);
        graph.names.reserve(nodes);
        graph.facts.reserve(nodes);
        graph.index.by_hash.reserve(nodes);
        Self {
            graph,
            edges: Vec::with_capacity(edges),
        }
    }

    /// Adds a node, or merges the facts of a node with the same id.
    pub fn add_node(&mut self, id: &str, name: &str, facts: NodeFacts) -> NodeIndex {
        if let Some(existing) = self.graph.find(id) {
            let known = &mut self.graph.facts[existing as usize];
            known.flags |= facts.flags;
            if known.created_at == i64::MIN {
                known.created_at = facts.created_at;
            }
            known.last_used_at = known.last_used_at.max(facts.last_used_at);
            return existing;
        }
        let index = self.graph.ids.len() as NodeIndex;
        match self.graph.index.by_hash.entry(hash_of(id)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(index);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.graph.index.collided.insert(id.into(), index);
            }
        }
        self.graph.ids.push(id.into());
        self.graph.names.push(name.into());
        self.graph.facts.push(facts);
        index
    }

    /// Adds an edge between two known nodes by id; an edge with an unknown
    /// endpoint is counted as dangling and left out.
    pub fn add_edge(&mut self, from: &str, to: &str, kind: EdgeKind) -> bool {
        match (self.graph.find(from), self.graph.find(to)) {
            (Some(from), Some(to)) => {
                self.add_edge_at(from, to, kind);
                true
            }
            _ => {
                self.graph.dangling += 1;
                false
            }
        }
    }

    /// Adds an edge by node indices.
    pub fn add_edge_at(&mut self, from: NodeIndex, to: NodeIndex, kind: EdgeKind) {
        self.edges.push((from, to, kind_code(kind)));
    }

    /// Adds an edge by node indices and kind code (as stored).
    pub fn add_edge_code(&mut self, from: NodeIndex, to: NodeIndex, code: u8) {
        self.edges.push((from, to, code));
    }

    /// Like [`GraphBuilder::finish`], but refuses edges whose endpoints or
    /// kinds are out of range (a damaged store) instead of panicking.
    pub fn finish_checked(self) -> Result<Graph, String> {
        let nodes = self.graph.ids.len() as u64;
        if let Some((from, to, _)) = self.edges.iter().find(|(from, to, code)| {
            u64::from(*from) >= nodes
                || u64::from(*to) >= nodes
                || usize::from(*code) >= EdgeKind::ALL.len()
        }) {
            return Err(format!(
                "an edge {from} -> {to} names a node or kind that does not exist"
            ));
        }
        Ok(self.finish())
    }

    /// The index of a node already added.
    pub fn find(&self, id: &str) -> Option<NodeIndex> {
        self.graph.find(id)
    }

    /// Lays out the adjacency rows and returns the graph.
    pub fn finish(mut self) -> Graph {
        let nodes = self.graph.ids.len();
        self.graph.out = Adjacency::build(nodes, &self.edges, false);
        self.graph.incoming = Adjacency::build(nodes, &self.edges, true);
        self.graph
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhiscope_model::{CredentialType, IdentityType};

    #[test]
    fn rows_hold_each_nodes_edges_both_ways() {
        let mut builder = GraphBuilder::with_capacity(3, 3);
        let key = NodeFacts::of(NodeKind::Credential(CredentialType::AccessKey));
        let user = NodeFacts::of(NodeKind::Identity(IdentityType::IamUser));
        let a = builder.add_node("a", "key", key);
        let b = builder.add_node("b", "user", user);
        let c = builder.add_node("c", "role", user);
        assert!(builder.add_edge("a", "b", EdgeKind::AuthenticatesAs));
        assert!(builder.add_edge("b", "c", EdgeKind::CanAssume));
        assert!(!builder.add_edge("b", "missing", EdgeKind::CanAssume));
        let graph = builder.finish();
        assert_eq!(graph.node_count(), 3);
        assert_eq!(graph.edge_count(), 2);
        assert_eq!(graph.dangling_edges(), 1);
        assert_eq!(graph.outgoing(b).0, &[c]);
        assert_eq!(kind_of(graph.outgoing(b).1[0]), EdgeKind::CanAssume);
        assert_eq!(graph.incoming(b).0, &[a]);
        assert_eq!(graph.find("c"), Some(c));
        assert_eq!(graph.find("d"), None);
        assert_eq!(graph.name(a), "key");
    }
}

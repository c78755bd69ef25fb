//! The access graph for analysis at scale: every node a dense `u32`, its
//! kind and a few facts in flat arrays, and the edges in compressed sparse
//! rows both ways (outgoing and incoming), each with its kind, plus the
//! edges that carry access packed one word each for traversals. A million
//! identities (3.5 million nodes, 5 million edges) take a few hundred
//! megabytes, and a traversal costs in proportion to what it reaches, not to
//! the size of the graph.

use std::collections::HashMap;

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

/// The edges along which access flows (see [`crate::reach::ACCESS_EDGES`]),
/// in compressed sparse rows of one word per edge ([`edge_target`],
/// [`edge_code`]): what every traversal walks, so expanding a node reads
/// one row and no edge that carries nothing.
#[derive(Clone, Debug, Default)]
struct AccessRows {
    offsets: Vec<u32>,
    edges: Vec<u64>,
    /// A bit per node: set when its row is not empty. Small enough to stay
    /// in cache, so a traversal skips the nodes that lead nowhere (most
    /// resources) without fetching their rows.
    has_edges: Vec<u64>,
}

impl AccessRows {
    fn build(out: &Adjacency, facts: &[NodeFacts]) -> Self {
        let mask = crate::reach::access_mask();
        let contains = kind_code(EdgeKind::Contains);
        let mut offsets = Vec::with_capacity(facts.len() + 1);
        let mut edges = Vec::with_capacity(out.targets.len());
        offsets.push(0);
        for (node, node_facts) in facts.iter().enumerate() {
            let (targets, kinds) = out.of(node as NodeIndex);
            for (&target, &code) in targets.iter().zip(kinds) {
                if crate::reach::edge_carries_access(mask, contains, &node_facts.kind, code) {
                    edges.push(u64::from(code) << 32 | u64::from(target));
                }
            }
            offsets.push(edges.len() as u32);
        }
        edges.shrink_to_fit();
        let mut has_edges = vec![0u64; facts.len().div_ceil(64)];
        for (node, row) in offsets.windows(2).enumerate() {
            if row[0] != row[1] {
                has_edges[node / 64] |= 1 << (node % 64);
            }
        }
        Self {
            offsets,
            edges,
            has_edges,
        }
    }

    fn has_edges(&self, node: NodeIndex) -> bool {
        self.has_edges[node as usize / 64] & 1 << (node % 64) != 0
    }

    fn of(&self, node: NodeIndex) -> &[u64] {
        let start = self.offsets[node as usize] as usize;
        let end = self.offsets[node as usize + 1] as usize;
        &self.edges[start..end]
    }

    fn bytes(&self) -> usize {
        self.offsets.capacity() * 4 + self.edges.capacity() * 8 + self.has_edges.capacity() * 8
    }
}

/// The node an access edge word leads to.
pub fn edge_target(edge: u64) -> NodeIndex {
    edge as NodeIndex
}

/// The kind code of an access edge word.
pub fn edge_code(edge: u64) -> u8 {
    (edge >> 32) as u8
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

/// Marks a vacant slot of an [`IdIndex`].
const VACANT: NodeIndex = NodeIndex::MAX;

/// Where a node id's hash points: 96 bits of the id's hash and the node.
#[derive(Clone, Copy, Debug)]
struct Slot {
    key: u64,
    check: u32,
    index: NodeIndex,
}

const EMPTY_SLOT: Slot = Slot {
    key: 0,
    check: 0,
    index: VACANT,
};

/// How many ids [`GraphBuilder::add_nodes`] and
/// [`GraphBuilder::add_edges`] hash ahead, so the slots they will touch are
/// on their way from memory while earlier ones are placed.
const LOOKAHEAD: usize = 32;

/// The hash an id is known by: XXH3-128 (fixed seed, so runs are
/// repeatable), as the slot key and a check.
fn hash_of(id: &str) -> (u64, u32) {
    let hash = xxhash_rust::xxh3::xxh3_128(id.as_bytes());
    (hash as u64, (hash >> 96) as u32)
}

/// Node ids by 96 bits of their hash, in an open-addressing table (linear
/// probing, at most half full): one hash and, nearly always, one cache line
/// per lookup, without reading the id text back, which at millions of
/// nodes would be a cache miss per lookup. Two different ids with the same
/// 96 bits would be taken for one node; at a million identities (3.5
/// million nodes) the odds are about 10^-16.
#[derive(Clone, Debug, Default)]
struct IdIndex {
    slots: Vec<Slot>,
    len: usize,
}

impl IdIndex {
    /// Room for `more` ids without growing.
    fn reserve(&mut self, more: usize) {
        let wanted = ((self.len + more) * 2).next_power_of_two().max(16);
        if wanted > self.slots.len() {
            let old = std::mem::replace(&mut self.slots, vec![EMPTY_SLOT; wanted]);
            let mask = wanted - 1;
            for slot in old.into_iter().filter(|slot| slot.index != VACANT) {
                let mut at = slot.key as usize & mask;
                while self.slots[at].index != VACANT {
                    at = (at + 1) & mask;
                }
                self.slots[at] = slot;
            }
        }
    }

    /// Asks the processor to fetch the slot an id of hash `key` starts at.
    fn prefetch(&self, key: u64) {
        if !self.slots.is_empty() {
            prefetch_index::prefetch_index(&self.slots, key as usize & (self.slots.len() - 1));
        }
    }

    fn find(&self, id: &str) -> Option<NodeIndex> {
        let (key, check) = hash_of(id);
        self.find_hashed(key, check)
    }

    fn find_hashed(&self, key: u64, check: u32) -> Option<NodeIndex> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = key as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot.index == VACANT {
                return None;
            }
            if slot.key == key && slot.check == check {
                return Some(slot.index);
            }
            at = (at + 1) & mask;
        }
    }

    /// The node with the id of this hash, or `index` newly given to it
    /// (`Err`).
    fn find_or_insert(
        &mut self,
        key: u64,
        check: u32,
        index: NodeIndex,
    ) -> Result<NodeIndex, NodeIndex> {
        self.reserve(1);
        let mask = self.slots.len() - 1;
        let mut at = key as usize & mask;
        loop {
            let slot = &mut self.slots[at];
            if slot.index == VACANT {
                *slot = Slot { key, check, index };
                self.len += 1;
                return Err(index);
            }
            if slot.key == key && slot.check == check {
                return Ok(slot.index);
            }
            at = (at + 1) & mask;
        }
    }

    fn bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
    }
}

/// Texts end to end in large chunks: millions of ids and names without an
/// allocation (and its overhead) each.
#[derive(Clone, Debug, Default)]
struct Texts {
    chunks: Vec<String>,
    /// Per text: its chunk, start and end.
    spans: Vec<(u32, u32, u32)>,
}

/// The size of a chunk (a longer text gets a chunk of its own).
const CHUNK: usize = 1 << 20;

impl Texts {
    fn reserve(&mut self, texts: usize) {
        self.spans.reserve(texts);
    }

    fn push(&mut self, text: &str) {
        let fits = self
            .chunks
            .last()
            .is_some_and(|chunk| chunk.capacity() - chunk.len() >= text.len());
        if !fits {
            self.chunks
                .push(String::with_capacity(CHUNK.max(text.len())));
        }
        let chunk_index = self.chunks.len() - 1;
        let chunk = &mut self.chunks[chunk_index];
        let start = chunk.len();
        chunk.push_str(text);
        // A chunk never exceeds CHUNK unless it holds one text, and a text
        // of 4 GiB is not an id; saturate rather than wrap all the same.
        let narrow = |value: usize| u32::try_from(value).unwrap_or(u32::MAX);
        self.spans
            .push((narrow(chunk_index), narrow(start), narrow(chunk.len())));
    }

    fn get(&self, index: usize) -> &str {
        let (chunk, start, end) = self.spans[index];
        &self.chunks[chunk as usize][start as usize..end as usize]
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    fn bytes(&self) -> usize {
        self.chunks.iter().map(String::capacity).sum::<usize>()
            + self.spans.capacity() * std::mem::size_of::<(u32, u32, u32)>()
    }
}

/// The access graph: ids, names and facts of every node, and the edges both
/// ways.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    ids: Texts,
    names: Texts,
    facts: Vec<NodeFacts>,
    index: IdIndex,
    out: Adjacency,
    incoming: Adjacency,
    access: AccessRows,
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
        self.index.find(id)
    }

    /// The node's id.
    pub fn id(&self, node: NodeIndex) -> &str {
        self.ids.get(node as usize)
    }

    /// The node's name.
    pub fn name(&self, node: NodeIndex) -> &str {
        self.names.get(node as usize)
    }

    /// The node's facts.
    pub fn facts(&self, node: NodeIndex) -> &NodeFacts {
        &self.facts[node as usize]
    }

    /// Outgoing neighbours and edge kind codes.
    pub fn outgoing(&self, node: NodeIndex) -> (&[NodeIndex], &[u8]) {
        self.out.of(node)
    }

    /// The outgoing edges that carry access, one word each
    /// ([`edge_target`], [`edge_code`]), in the order of [`Graph::outgoing`].
    pub fn access_edges(&self, node: NodeIndex) -> &[u64] {
        self.access.of(node)
    }

    /// Whether `node` has access edges (answered from a bitmap that stays
    /// in cache).
    pub fn has_access_edges(&self, node: NodeIndex) -> bool {
        self.access.has_edges(node)
    }

    /// Asks the processor to fetch where the access row of `node` starts,
    /// ahead of [`Graph::prefetch_access_row`] for it.
    pub(crate) fn prefetch_access_offset(&self, node: NodeIndex) {
        prefetch_index::prefetch_index(&self.access.offsets, node as usize);
    }

    /// Asks the processor to fetch the access row of `node`, which a
    /// traversal will read a few nodes later.
    pub(crate) fn prefetch_access_row(&self, node: NodeIndex) {
        let start = self.access.offsets[node as usize] as usize;
        prefetch_index::prefetch_index(&self.access.edges, start);
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
        self.ids.bytes()
            + self.names.bytes()
            + self.facts.capacity() * std::mem::size_of::<NodeFacts>()
            + self.index.bytes()
            + self.out.bytes()
            + self.incoming.bytes()
            + self.access.bytes()
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
        graph.index.reserve(nodes);
        Self {
            graph,
            edges: Vec::with_capacity(edges),
        }
    }

    /// Adds a node, or merges the facts of a node with the same id.
    pub fn add_node(&mut self, id: &str, name: &str, facts: NodeFacts) -> NodeIndex {
        let (key, check) = hash_of(id);
        self.add_hashed(id, name, facts, key, check)
    }

    fn add_hashed(
        &mut self,
        id: &str,
        name: &str,
        facts: NodeFacts,
        key: u64,
        check: u32,
    ) -> NodeIndex {
        let next = self.graph.ids.len() as NodeIndex;
        match self.graph.index.find_or_insert(key, check, next) {
            Ok(existing) => {
                let known = &mut self.graph.facts[existing as usize];
                known.flags |= facts.flags;
                if known.created_at == i64::MIN {
                    known.created_at = facts.created_at;
                }
                known.last_used_at = known.last_used_at.max(facts.last_used_at);
                existing
            }
            Err(index) => {
                self.graph.ids.push(id);
                self.graph.names.push(name);
                self.graph.facts.push(facts);
                index
            }
        }
    }

    /// Adds nodes as [`GraphBuilder::add_node`] does, a batch at a time:
    /// the ids of a batch are hashed and their slots fetched before any is
    /// placed, which at millions of nodes is several times faster.
    pub fn add_nodes<'a>(
        &mut self,
        nodes: impl IntoIterator<Item = (&'a str, &'a str, NodeFacts)>,
    ) {
        let mut nodes = nodes.into_iter();
        let mut batch = Vec::with_capacity(LOOKAHEAD);
        loop {
            batch.clear();
            batch.extend(nodes.by_ref().take(LOOKAHEAD).map(|(id, name, facts)| {
                let (key, check) = hash_of(id);
                (id, name, facts, key, check)
            }));
            if batch.is_empty() {
                return;
            }
            self.graph.index.reserve(batch.len());
            for &(_, _, _, key, _) in &batch {
                self.graph.index.prefetch(key);
            }
            for &(id, name, facts, key, check) in &batch {
                self.add_hashed(id, name, facts, key, check);
            }
        }
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

    /// Adds edges as [`GraphBuilder::add_edge`] does, a batch at a time
    /// (as [`GraphBuilder::add_nodes`]); returns how many were added.
    pub fn add_edges<'a>(
        &mut self,
        edges: impl IntoIterator<Item = (&'a str, &'a str, EdgeKind)>,
    ) -> usize {
        let mut edges = edges.into_iter();
        let mut batch = Vec::with_capacity(LOOKAHEAD);
        let mut added = 0;
        loop {
            batch.clear();
            batch.extend(
                edges
                    .by_ref()
                    .take(LOOKAHEAD)
                    .map(|(from, to, kind)| (hash_of(from), hash_of(to), kind)),
            );
            if batch.is_empty() {
                return added;
            }
            for &((from, _), (to, _), _) in &batch {
                self.graph.index.prefetch(from);
                self.graph.index.prefetch(to);
            }
            for &((from, from_check), (to, to_check), kind) in &batch {
                match (
                    self.graph.index.find_hashed(from, from_check),
                    self.graph.index.find_hashed(to, to_check),
                ) {
                    (Some(from), Some(to)) => {
                        self.add_edge_at(from, to, kind);
                        added += 1;
                    }
                    _ => self.graph.dangling += 1,
                }
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

    /// Adds edges by node indices and kind codes, in bulk.
    pub fn add_edge_codes(&mut self, edges: Vec<(NodeIndex, NodeIndex, u8)>) {
        if self.edges.is_empty() {
            self.edges = edges;
        } else {
            self.edges.extend(edges);
        }
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

    /// How many nodes so far.
    pub fn node_count(&self) -> usize {
        self.graph.ids.len()
    }

    /// The index of a node already added.
    pub fn find(&self, id: &str) -> Option<NodeIndex> {
        self.graph.find(id)
    }

    /// Lays out the adjacency rows and returns the graph.
    pub fn finish(mut self) -> Graph {
        let nodes = self.graph.ids.len();
        // The two directions are independent: on two cores, side by side.
        let edges = &self.edges;
        let facts = &self.graph.facts;
        let ((out, access), incoming) = std::thread::scope(|scope| {
            let out = scope.spawn(|| {
                let out = Adjacency::build(nodes, edges, false);
                let access = AccessRows::build(&out, facts);
                (out, access)
            });
            let incoming = Adjacency::build(nodes, edges, true);
            let out = out
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (out, incoming)
        });
        self.graph.out = out;
        self.graph.incoming = incoming;
        self.graph.access = access;
        self.graph
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhiscope_model::{CredentialType, IdentityType};

    #[test]
    fn nodes_and_edges_added_in_batches_make_the_same_graph_as_one_by_one() {
        let key = NodeFacts::of(NodeKind::Credential(CredentialType::AccessKey));
        let mut exposed = key;
        exposed.flags = flags::EXPOSED;
        // More ids than a batch and than the table's first size, with
        // repeats inside a batch and across batches, and dangling edges.
        let ids: Vec<String> = (0..1000).map(|i| format!("id-{}", i % 700)).collect();
        let nodes = || {
            ids.iter().enumerate().map(|(i, id)| {
                (
                    id.as_str(),
                    id.as_str(),
                    if i % 7 == 0 { exposed } else { key },
                )
            })
        };
        let edges: Vec<(String, String)> = (0..900)
            .map(|i| {
                (
                    format!("id-{}", i * 13 % 750),
                    format!("id-{}", i * 7 % 700),
                )
            })
            .collect();
        let edge_iter = || {
            edges
                .iter()
                .map(|(from, to)| (from.as_str(), to.as_str(), EdgeKind::CanAssume))
        };
        let mut one_by_one = GraphBuilder::default();
        for (id, name, facts) in nodes() {
            one_by_one.add_node(id, name, facts);
        }
        let added = edge_iter()
            .filter(|&(from, to, kind)| one_by_one.add_edge(from, to, kind))
            .count();
        let one_by_one = one_by_one.finish();
        let mut batched = GraphBuilder::default();
        batched.add_nodes(nodes());
        assert_eq!(batched.add_edges(edge_iter()), added);
        let batched = batched.finish();
        assert_eq!(batched.node_count(), 700);
        assert!(one_by_one.dangling_edges() > 0);
        assert_eq!(batched.dangling_edges(), one_by_one.dangling_edges());
        for node in one_by_one.nodes() {
            assert_eq!(batched.id(node), one_by_one.id(node));
            assert_eq!(batched.find(one_by_one.id(node)), Some(node));
            assert_eq!(batched.facts(node), one_by_one.facts(node));
            assert_eq!(batched.outgoing(node), one_by_one.outgoing(node));
        }
        assert_eq!(batched.find("id-700"), None);
    }

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

    #[test]
    fn an_id_added_twice_is_one_node_and_long_texts_survive() {
        let mut builder = GraphBuilder::with_capacity(2, 0);
        let key = NodeFacts::of(NodeKind::Credential(CredentialType::AccessKey));
        let mut exposed = key;
        exposed.flags = 1;
        let long = "x".repeat(CHUNK + 5);
        let a = builder.add_node("a", "first", key);
        let b = builder.add_node(&long, &long, key);
        assert_eq!(builder.add_node("a", "again", exposed), a);
        let c = builder.add_node("c", "after the long one", key);
        let graph = builder.finish();
        assert_eq!(graph.node_count(), 3);
        assert_eq!(graph.name(a), "first", "the first name stays");
        assert!(graph.facts(a).has(1), "flags merge");
        assert_eq!(graph.id(b), long);
        assert_eq!(graph.find(&long), Some(b));
        assert_eq!((graph.id(c), graph.name(c)), ("c", "after the long one"));
        assert_eq!(graph.find("b"), None);
    }
}

/// The node classes in the order of their stored codes (see
/// [`node_kind_code`]). New classes go at the end.
const NODE_CLASSES: [&str; 7] = [
    "workload",
    "identity",
    "credential",
    "permission",
    "resource",
    "owner",
    "source",
];

/// The type names of each class in [`NODE_CLASSES`], in the order of the
/// type enums' `ALL` lists.
pub(crate) fn node_type_names() -> &'static [Vec<&'static str>; 7] {
    use nhiscope_model::{
        CredentialType, IdentityType, OwnerType, PermissionType, ResourceType, SourceType,
        WorkloadType,
    };
    static NAMES: std::sync::OnceLock<[Vec<&'static str>; 7]> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        [
            WorkloadType::ALL.iter().map(|t| t.as_str()).collect(),
            IdentityType::ALL.iter().map(|t| t.as_str()).collect(),
            CredentialType::ALL.iter().map(|t| t.as_str()).collect(),
            PermissionType::ALL.iter().map(|t| t.as_str()).collect(),
            ResourceType::ALL.iter().map(|t| t.as_str()).collect(),
            OwnerType::ALL.iter().map(|t| t.as_str()).collect(),
            SourceType::ALL.iter().map(|t| t.as_str()).collect(),
        ]
    })
}

/// The code a node kind is stored as (`node_rows.kind_code`): its class's
/// position times 256 plus its type's position within the class, so a type
/// added at the end of its class leaves every stored code meaning what it
/// meant (a test pins the codes).
pub fn node_kind_code(kind: NodeKind) -> u16 {
    static CODES: std::sync::OnceLock<HashMap<NodeKind, u16>> = std::sync::OnceLock::new();
    let codes = CODES.get_or_init(|| {
        let mut codes = HashMap::new();
        for (class, names) in node_type_names().iter().enumerate() {
            for (position, type_name) in names.iter().enumerate() {
                if let Some(kind) = NodeKind::parse(NODE_CLASSES[class], type_name) {
                    codes.insert(kind, (class as u16) << 8 | position as u16);
                }
            }
        }
        codes
    });
    *codes.get(&kind).expect("every node kind has a code")
}

/// The node kind of a stored code, if it names one.
pub fn node_kind_of(code: u16) -> Option<NodeKind> {
    let class = usize::from(code >> 8);
    let type_name = node_type_names()
        .get(class)?
        .get(usize::from(code & 0xff))?;
    NodeKind::parse(NODE_CLASSES[class], type_name)
}

/// SQL list literals the store's views decode codes with: the classes, the
/// type names of each class (a list of lists), and the edge kinds, each in
/// code order.
pub(crate) fn code_lists_sql() -> [(&'static str, String); 3] {
    let list = |names: &[&str]| {
        let quoted: Vec<String> = names.iter().map(|name| format!("'{name}'")).collect();
        format!("[{}]", quoted.join(", "))
    };
    let types: Vec<String> = node_type_names().iter().map(|names| list(names)).collect();
    let edges: Vec<&str> = EdgeKind::ALL.iter().map(|kind| kind.as_str()).collect();
    [
        ("{NODE_CLASSES}", list(&NODE_CLASSES)),
        ("{NODE_TYPES}", format!("[{}]", types.join(", "))),
        ("{EDGE_KINDS}", list(&edges)),
    ]
}

#[cfg(test)]
mod code_tests {
    use nhiscope_model::EdgeKind;

    use super::{NODE_CLASSES, node_kind_code, node_kind_of, node_type_names};

    /// The codes stores written so far hold. Kinds may be added at the end
    /// of their class (and edge kinds at the end); none may move.
    const STORED_TYPES: [&[&str]; 7] = [
        &[
            "pod",
            "deployment",
            "stateful_set",
            "daemon_set",
            "replica_set",
            "replication_controller",
            "job",
            "cron_job",
            "ci_job",
            "function",
            "vm",
            "ai_agent",
            "application",
        ],
        &[
            "iam_user",
            "iam_role",
            "iam_group",
            "kubernetes_service_account",
            "gcp_service_account",
            "azure_service_principal",
            "azure_managed_identity",
            "github_app",
            "github_deploy_key",
            "vault_role",
            "federated_principal",
            "unknown",
        ],
        &[
            "access_key",
            "service_account_key",
            "client_secret",
            "token",
            "api_key",
            "password",
            "certificate",
            "private_key",
            "ssh_key",
            "webhook",
            "generic_secret",
        ],
        &["policy", "inline_policy", "role", "scope"],
        &[
            "account",
            "bucket",
            "database",
            "secret",
            "cluster",
            "namespace",
            "repository",
            "any",
            "other",
        ],
        &["person", "team"],
        &[
            "directory",
            "repository",
            "aws_account",
            "kubernetes_cluster",
            "gcp_project",
            "azure_tenant",
            "github_organization",
            "vault",
            "export_file",
            "file",
        ],
    ];
    const STORED_EDGE_KINDS: [&str; 11] = [
        "uses",
        "authenticates_as",
        "holds",
        "can_assume",
        "has_permission",
        "grants",
        "member_of",
        "exposed_in",
        "owned_by",
        "trusts",
        "contains",
    ];

    #[test]
    fn stored_kind_codes_keep_their_meaning() {
        for (class, (stored, now)) in STORED_TYPES.iter().zip(node_type_names()).enumerate() {
            assert_eq!(
                &now[..stored.len()],
                *stored,
                "the types of {} moved: add new types at the end",
                NODE_CLASSES[class]
            );
            for (position, type_name) in now.iter().enumerate() {
                let code = (class as u16) << 8 | position as u16;
                let kind = node_kind_of(code).expect("every listed kind has a code");
                assert_eq!(
                    (kind.class_name(), kind.type_name()),
                    (NODE_CLASSES[class], *type_name)
                );
                assert_eq!(node_kind_code(kind), code);
            }
        }
        assert_eq!(node_kind_of(0x0700), None);
        assert_eq!(node_kind_of(0x00ff), None);
        let now: Vec<&str> = EdgeKind::ALL.iter().map(|kind| kind.as_str()).collect();
        assert_eq!(&now[..STORED_EDGE_KINDS.len()], STORED_EDGE_KINDS);
    }
}

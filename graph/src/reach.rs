//! Reachability over access edges: what a credential or identity can reach
//! (its blast radius), with one path to each node, and, the other way round,
//! the nearest high-value target of every node at once. Visited sets are
//! reused between traversals (a bit per node, and only the bits a traversal
//! set are cleared), so a traversal costs what it reaches.

use nhiscope_model::{EdgeKind, NodeKind, ResourceType};

use crate::compact::{Graph, NodeIndex, edge_code, edge_target, kind_code, kind_of};

/// Marks "no node" in parent and hop arrays.
pub const NONE: NodeIndex = NodeIndex::MAX;

/// How many places ahead in the queue a traversal fetches a node's row.
const PREFETCH_DISTANCE: usize = 16;

/// The edges along which access flows, from the node that has it to what it
/// gets: a credential authenticates as its identity, an identity assumes
/// roles, joins groups and holds permissions, a permission grants
/// resources, a workload uses identities and credentials, and a Secret (or
/// ConfigMap) that holds a credential hands it to whoever reads it.
pub const ACCESS_EDGES: [EdgeKind; 6] = [
    EdgeKind::AuthenticatesAs,
    EdgeKind::CanAssume,
    EdgeKind::MemberOf,
    EdgeKind::HasPermission,
    EdgeKind::Grants,
    EdgeKind::Uses,
];

pub(crate) fn access_mask() -> u16 {
    ACCESS_EDGES
        .iter()
        .fold(0u16, |mask, kind| mask | (1 << kind_code(*kind)))
}

/// Whether an edge of kind `code` leaving `from` carries access.
fn carries_access(graph: &Graph, mask: u16, contains: u8, from: NodeIndex, code: u8) -> bool {
    edge_carries_access(mask, contains, &graph.facts(from).kind, code)
}

/// Whether an edge of kind `code` leaving a node of kind `from` carries
/// access: one of `mask`'s kinds, or `contains` out of a Secret or ConfigMap.
pub(crate) fn edge_carries_access(mask: u16, contains: u8, from: &NodeKind, code: u8) -> bool {
    if mask & (1 << code) != 0 {
        return true;
    }
    code == contains
        && matches!(
            from,
            NodeKind::Resource(ResourceType::Secret) | NodeKind::Resource(ResourceType::Other)
        )
}

/// One step of a path: the node, and the edge kind that led to it (none for
/// the start).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The node.
    pub node: NodeIndex,
    /// The kind of the edge into it.
    pub via: Option<EdgeKind>,
}

/// A reusable breadth-first traversal over access edges.
#[derive(Debug)]
pub struct Reach<'g> {
    graph: &'g Graph,
    /// One bit per node: reached by the last traversal. Small enough to stay
    /// in cache, so checking a node costs no trip to memory; only the
    /// nodes the last traversal reached are cleared.
    seen: Vec<u64>,
    /// The nodes the last traversal reached, in the order it reached them.
    order: Vec<NodeIndex>,
    /// Beside each of `order`: the kind of the edge it came by (bits
    /// 32-39) and where in `order` the node it came from is (low 32 bits;
    /// [`NONE`] for the start). Written in order, never scattered, which
    /// is what keeps a traversal of a million nodes within milliseconds.
    parents: Vec<u64>,
    truncated: bool,
}

impl<'g> Reach<'g> {
    /// Scratch space for traversals of `graph`.
    pub fn new(graph: &'g Graph) -> Self {
        let nodes = graph.node_count();
        Self {
            graph,
            seen: vec![0; nodes.div_ceil(64)],
            order: Vec::new(),
            parents: Vec::new(),
            truncated: false,
        }
    }

    /// Everything `start` reaches over access edges, in breadth-first order
    /// (start first, so each node's path is shortest), stopping once `limit`
    /// nodes are reached.
    pub fn from(&mut self, start: NodeIndex, limit: usize) -> &[NodeIndex] {
        self.traverse(start, limit, |_| false);
        &self.order
    }

    /// Counts what `start` reaches like [`Reach::from`], but also stops — as
    /// truncated, counting `limit` — on reaching a node for which
    /// `saturated` holds (one already known to reach `limit` nodes: whatever
    /// reaches it reaches at least as much).
    pub fn count_until(
        &mut self,
        start: NodeIndex,
        limit: usize,
        saturated: impl Fn(NodeIndex) -> bool,
    ) -> usize {
        if self.traverse(start, limit, saturated) {
            limit
        } else {
            self.order.len()
        }
    }

    /// The breadth-first traversal behind [`Reach::from`] and
    /// [`Reach::count_until`]; returns whether it stopped early.
    fn traverse(
        &mut self,
        start: NodeIndex,
        limit: usize,
        saturated: impl Fn(NodeIndex) -> bool,
    ) -> bool {
        for &node in &self.order {
            self.seen[node as usize / 64] = 0;
        }
        self.order.clear();
        self.parents.clear();
        self.truncated = false;
        self.seen[start as usize / 64] |= 1 << (start % 64);
        self.order.push(start);
        self.parents.push(u64::from(NONE));
        let mut head = 0;
        while head < self.order.len() {
            let node = self.order[head];
            // The rows of the nodes a few places ahead are fetched while
            // this one is worked on; nodes without access edges are
            // skipped without a look at their rows.
            if let Some(&ahead) = self.order.get(head + 2 * PREFETCH_DISTANCE)
                && self.graph.has_access_edges(ahead)
            {
                self.graph.prefetch_access_offset(ahead);
            }
            if let Some(&ahead) = self.order.get(head + PREFETCH_DISTANCE)
                && self.graph.has_access_edges(ahead)
            {
                self.graph.prefetch_access_row(ahead);
            }
            let from = head as u64;
            head += 1;
            if !self.graph.has_access_edges(node) {
                continue;
            }
            for &edge in self.graph.access_edges(node) {
                let (target, code) = (edge_target(edge), edge_code(edge));
                let (word, bit) = (target as usize / 64, 1u64 << (target % 64));
                if self.seen[word] & bit != 0 {
                    continue;
                }
                if self.order.len() >= limit || saturated(target) {
                    self.truncated = true;
                    return true;
                }
                self.seen[word] |= bit;
                self.order.push(target);
                self.parents.push(u64::from(code) << 32 | from);
            }
        }
        false
    }

    /// Whether the last traversal stopped at its limit.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Whether the last traversal reached `node`.
    pub fn reached(&self, node: NodeIndex) -> bool {
        self.seen[node as usize / 64] & 1 << (node % 64) != 0
    }

    /// The path of the last traversal from its start to `node` (empty when
    /// not reached). Finding `node` costs a pass over what was reached:
    /// for the path of every reached node, use [`Reach::path_at`].
    pub fn path_to(&self, node: NodeIndex) -> Vec<Step> {
        if !self.reached(node) {
            return Vec::new();
        }
        self.order
            .iter()
            .position(|&reached| reached == node)
            .map_or_else(Vec::new, |position| self.path_at(position))
    }

    /// The path of the last traversal from its start to the node at
    /// `position` in its order (what [`Reach::from`] returned); empty when
    /// there is no such position.
    pub fn path_at(&self, position: usize) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut at = position;
        while let (Some(&node), Some(&parent)) = (self.order.get(at), self.parents.get(at)) {
            let from = parent as NodeIndex;
            if from == NONE {
                steps.push(Step { node, via: None });
                break;
            }
            steps.push(Step {
                node,
                via: Some(kind_of((parent >> 32) as u8)),
            });
            at = from as usize;
        }
        steps.reverse();
        steps
    }
}

/// For every node, its nearest target along access edges (a multi-source
/// breadth-first search on the reversed edges): the next hop towards it, the
/// target and the distance. `NONE` where no target is reachable.
#[derive(Debug, Clone)]
pub struct NearestTargets {
    next: Vec<NodeIndex>,
    via: Vec<u8>,
    target: Vec<NodeIndex>,
    distance: Vec<u16>,
}

impl NearestTargets {
    /// Computes the nearest targets of every node of `graph`.
    pub fn compute(graph: &Graph, is_target: impl Fn(NodeIndex) -> bool) -> Self {
        let nodes = graph.node_count();
        let mask = access_mask();
        let contains = kind_code(EdgeKind::Contains);
        let mut result = Self {
            next: vec![NONE; nodes],
            via: vec![0; nodes],
            target: vec![NONE; nodes],
            distance: vec![u16::MAX; nodes],
        };
        let mut queue: Vec<NodeIndex> = graph.nodes().filter(|n| is_target(*n)).collect();
        for &node in &queue {
            result.target[node as usize] = node;
            result.distance[node as usize] = 0;
        }
        let mut head = 0;
        while head < queue.len() {
            let node = queue[head];
            head += 1;
            let (sources, kinds) = graph.incoming(node);
            for (&source, &code) in sources.iter().zip(kinds) {
                if result.target[source as usize] != NONE
                    || !carries_access(graph, mask, contains, source, code)
                {
                    continue;
                }
                result.target[source as usize] = result.target[node as usize];
                result.next[source as usize] = node;
                result.via[source as usize] = code;
                result.distance[source as usize] = result.distance[node as usize].saturating_add(1);
                queue.push(source);
            }
        }
        result
    }

    /// The nearest target of `node`, if any.
    pub fn target(&self, node: NodeIndex) -> Option<NodeIndex> {
        let target = self.target[node as usize];
        (target != NONE).then_some(target)
    }

    /// How many edges away the nearest target is.
    pub fn distance(&self, node: NodeIndex) -> Option<u16> {
        self.target(node).map(|_| self.distance[node as usize])
    }

    /// The path from `node` to its nearest target (empty when none).
    pub fn path(&self, node: NodeIndex) -> Vec<Step> {
        if self.target(node).is_none() {
            return Vec::new();
        }
        let mut steps = vec![Step { node, via: None }];
        let mut current = node;
        while self.next[current as usize] != NONE {
            let via = kind_of(self.via[current as usize]);
            current = self.next[current as usize];
            steps.push(Step {
                node: current,
                via: Some(via),
            });
        }
        steps
    }
}

/// Every node in an order where, outside cycles, what a node reaches over
/// access edges comes before it (a depth-first post-order), so reach counts
/// computed in this order can reuse what later nodes need.
pub fn post_order(graph: &Graph) -> Vec<NodeIndex> {
    let nodes = graph.node_count();
    let mut visited = vec![false; nodes];
    let mut order = Vec::with_capacity(nodes);
    let mut stack: Vec<(NodeIndex, usize)> = Vec::new();
    for root in graph.nodes() {
        if visited[root as usize] {
            continue;
        }
        visited[root as usize] = true;
        stack.push((root, 0));
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            let edges = graph.access_edges(node);
            let mut descended = false;
            while *next < edges.len() {
                let target = edge_target(edges[*next]);
                *next += 1;
                if !visited[target as usize] {
                    visited[target as usize] = true;
                    stack.push((target, 0));
                    descended = true;
                    break;
                }
            }
            if !descended {
                order.push(node);
                stack.pop();
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compact::{GraphBuilder, NodeFacts};
    use nhiscope_model::{CredentialType, IdentityType, PermissionType};

    fn chain() -> Graph {
        let mut builder = GraphBuilder::with_capacity(6, 6);
        let key = NodeFacts::of(NodeKind::Credential(CredentialType::AccessKey));
        let user = NodeFacts::of(NodeKind::Identity(IdentityType::IamUser));
        let role = NodeFacts::of(NodeKind::Identity(IdentityType::IamRole));
        let policy = NodeFacts::of(NodeKind::Permission(PermissionType::Policy));
        let secret = NodeFacts::of(NodeKind::Resource(ResourceType::Secret));
        builder.add_node("key", "key", key);
        builder.add_node("user", "user", user);
        builder.add_node("role", "role", role);
        builder.add_node("admin", "admin policy", policy);
        builder.add_node("secret", "k8s secret", secret);
        builder.add_node("other-key", "key in the secret", key);
        builder.add_edge("key", "user", EdgeKind::AuthenticatesAs);
        builder.add_edge("user", "key", EdgeKind::Holds);
        builder.add_edge("user", "role", EdgeKind::CanAssume);
        builder.add_edge("role", "admin", EdgeKind::HasPermission);
        builder.add_edge("role", "secret", EdgeKind::Grants);
        builder.add_edge("secret", "other-key", EdgeKind::Contains);
        builder.finish()
    }

    #[test]
    fn reach_follows_access_edges_with_one_path_each() {
        let graph = chain();
        let mut reach = Reach::new(&graph);
        let key = graph.find("key").expect("key");
        let reached: Vec<&str> = reach.from(key, 100).iter().map(|n| graph.id(*n)).collect();
        assert_eq!(
            reached,
            ["key", "user", "role", "admin", "secret", "other-key"]
        );
        let admin = graph.find("admin").expect("admin");
        let path: Vec<(&str, Option<EdgeKind>)> = reach
            .path_to(admin)
            .iter()
            .map(|s| (graph.id(s.node), s.via))
            .collect();
        assert_eq!(
            path,
            [
                ("key", None),
                ("user", Some(EdgeKind::AuthenticatesAs)),
                ("role", Some(EdgeKind::CanAssume)),
                ("admin", Some(EdgeKind::HasPermission)),
            ]
        );
        // The user holds the key, but holding is not access: from the role
        // nothing leads back.
        let role = graph.find("role").expect("role");
        assert_eq!(reach.from(role, 100).len(), 4);
        assert!(!reach.reached(key));
        assert_eq!(reach.from(key, 3).len(), 3);
        assert!(reach.truncated());
    }

    #[test]
    fn every_reached_node_has_its_path_by_position_and_traversals_forget_each_other() {
        let graph = chain();
        let mut reach = Reach::new(&graph);
        let key = graph.find("key").expect("key");
        let order = reach.from(key, 100).to_vec();
        for (at, &node) in order.iter().enumerate() {
            let path = reach.path_at(at);
            assert_eq!(path.first().map(|s| s.node), Some(key));
            assert_eq!(path.last().map(|s| s.node), Some(node));
            assert_eq!(path, reach.path_to(node));
            for pair in path.windows(2) {
                let (targets, kinds) = graph.outgoing(pair[0].node);
                assert!(
                    targets
                        .iter()
                        .zip(kinds)
                        .any(|(&t, &k)| t == pair[1].node && Some(kind_of(k)) == pair[1].via),
                    "each step follows an edge of its kind"
                );
            }
        }
        assert!(reach.path_at(order.len()).is_empty());
        // A later traversal from elsewhere knows nothing of this one.
        let other = graph.find("other-key").expect("other key");
        assert_eq!(reach.from(other, 100), [other]);
        assert!(
            order
                .iter()
                .filter(|&&n| n != other)
                .all(|&n| !reach.reached(n))
        );
        assert!(reach.path_to(key).is_empty());
    }

    #[test]
    fn nearest_targets_give_every_node_its_path() {
        let graph = chain();
        let admin = graph.find("admin").expect("admin");
        let nearest = NearestTargets::compute(&graph, |n| n == admin);
        let key = graph.find("key").expect("key");
        assert_eq!(nearest.target(key), Some(admin));
        assert_eq!(nearest.distance(key), Some(3));
        let path: Vec<&str> = nearest.path(key).iter().map(|s| graph.id(s.node)).collect();
        assert_eq!(path, ["key", "user", "role", "admin"]);
        let other = graph.find("other-key").expect("other key");
        assert_eq!(nearest.target(other), None);
    }
}

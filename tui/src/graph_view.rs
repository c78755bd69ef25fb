//! The Graph view's model: one node's edges, grouped by what they mean
//! (what it uses, what it can assume, what it grants, who owns it, ...),
//! and its blast radius with a path to each high-value node it reaches.

use nhiscope_graph::{Graph, Reach, Step, flags, kind_of};
use nhiscope_model::EdgeKind;

use crate::db::NodeScore;

/// Blast radii are listed up to this many nodes (a hub reaches millions).
pub const REACH_LIMIT: usize = 10_000;

/// Edge lists longer than this are shown in stored order, not by name.
const SORT_LIMIT: usize = 20_000;

/// One kind of edge in one direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group {
    /// From the center (true) or into it.
    pub outgoing: bool,
    /// The edge kind.
    pub kind: EdgeKind,
}

/// Groups in the order the view lists them: the access the node has, who
/// owns it, who has access to it, then where it was seen and trust.
const ORDER: [(bool, EdgeKind, &str); 22] = [
    (true, EdgeKind::AuthenticatesAs, "authenticates as"),
    (true, EdgeKind::Uses, "uses"),
    (true, EdgeKind::CanAssume, "can assume"),
    (true, EdgeKind::MemberOf, "member of"),
    (true, EdgeKind::HasPermission, "has permission"),
    (true, EdgeKind::Grants, "grants"),
    (true, EdgeKind::Contains, "contains"),
    (true, EdgeKind::OwnedBy, "owned by"),
    (false, EdgeKind::Holds, "held by"),
    (true, EdgeKind::Holds, "holds"),
    (false, EdgeKind::Uses, "used by"),
    (false, EdgeKind::AuthenticatesAs, "authenticated by"),
    (false, EdgeKind::CanAssume, "assumable by"),
    (false, EdgeKind::MemberOf, "members"),
    (false, EdgeKind::HasPermission, "granted to"),
    (false, EdgeKind::Grants, "granted by"),
    (false, EdgeKind::Contains, "contained in"),
    (true, EdgeKind::ExposedIn, "exposed in"),
    (false, EdgeKind::ExposedIn, "exposes"),
    (true, EdgeKind::Trusts, "trusts"),
    (false, EdgeKind::Trusts, "trusted by"),
    (false, EdgeKind::OwnedBy, "owns"),
];

impl Group {
    fn rank(self) -> usize {
        ORDER
            .iter()
            .position(|(out, kind, _)| *out == self.outgoing && *kind == self.kind)
            .unwrap_or(ORDER.len())
    }

    /// What the group means, from the center's side.
    pub fn label(self) -> &'static str {
        ORDER
            .get(self.rank())
            .map_or(self.kind.as_str(), |(_, _, label)| label)
    }
}

/// An edge of the center.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EdgeRow {
    /// What the edge means.
    pub group: Group,
    /// The node at its other end.
    pub node: u32,
}

/// A node of the blast radius.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReachRow {
    /// The node.
    pub node: u32,
    /// Edges from the center.
    pub depth: usize,
    /// The last edge of the path to it.
    pub via: Option<EdgeKind>,
    /// The node before it on that path.
    pub from: Option<u32>,
    /// Admin-equivalent or a crown jewel.
    pub high_value: bool,
}

/// Which list of the Graph view has the keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pane {
    /// The center's edges.
    #[default]
    Edges,
    /// Its blast radius.
    Reach,
}

/// The Graph view.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GraphView {
    /// The node in the middle.
    pub center: Option<u32>,
    /// Its stored analysis.
    pub score: Option<NodeScore>,
    /// Its edges, grouped.
    pub edges: Vec<EdgeRow>,
    /// The selected edge.
    pub selected: usize,
    /// Its blast radius, high-value nodes first (at most [`REACH_LIMIT`]).
    pub reach: Vec<ReachRow>,
    /// How many nodes it reaches (itself excluded).
    pub reached: usize,
    /// Whether the traversal stopped at [`REACH_LIMIT`].
    pub truncated: bool,
    /// Paths to the nearest high-value nodes it reaches (at most three).
    pub paths: Vec<Vec<Step>>,
    /// The selected blast-radius row.
    pub reach_selected: usize,
    /// Which list has the keys.
    pub focus: Pane,
}

impl GraphView {
    /// The view centered on `center`.
    pub fn around(graph: &Graph, center: u32) -> Self {
        let mut edges = Vec::new();
        for (outgoing, (nodes, kinds)) in [
            (true, graph.outgoing(center)),
            (false, graph.incoming(center)),
        ] {
            edges.extend(nodes.iter().zip(kinds).map(|(&node, &code)| EdgeRow {
                group: Group {
                    outgoing,
                    kind: kind_of(code),
                },
                node,
            }));
        }
        if edges.len() <= SORT_LIMIT {
            edges.sort_by(|a, b| {
                (a.group.rank(), graph.name(a.node), a.node).cmp(&(
                    b.group.rank(),
                    graph.name(b.node),
                    b.node,
                ))
            });
        } else {
            edges.sort_by_key(|e| e.group.rank());
        }
        let mut walk = Reach::new(graph);
        let order: Vec<u32> = walk.from(center, REACH_LIMIT + 1).to_vec();
        let truncated = walk.truncated();
        let mut reach: Vec<ReachRow> = order
            .iter()
            .enumerate()
            .skip(1)
            .map(|(at, &node)| {
                let path = walk.path_at(at);
                let last = path.last().and_then(|s| s.via);
                let from = path.len().checked_sub(2).map(|i| path[i].node);
                let facts = graph.facts(node);
                ReachRow {
                    node,
                    depth: path.len().saturating_sub(1),
                    via: last,
                    from,
                    high_value: facts.has(flags::ADMIN) || facts.has(flags::CROWN_JEWEL),
                }
            })
            .collect();
        reach.sort_by_key(|r| (!r.high_value, r.depth));
        let paths = reach
            .iter()
            .filter(|r| r.high_value)
            .take(3)
            .map(|r| walk.path_to(r.node))
            .collect();
        Self {
            center: Some(center),
            score: None,
            edges,
            selected: 0,
            reached: order.len().saturating_sub(1),
            reach,
            truncated,
            paths,
            reach_selected: 0,
            focus: Pane::Edges,
        }
    }

    /// The node the selected row leads to.
    pub fn selected_node(&self) -> Option<u32> {
        match self.focus {
            Pane::Edges => self.edges.get(self.selected).map(|e| e.node),
            Pane::Reach => self.reach.get(self.reach_selected).map(|r| r.node),
        }
    }
}

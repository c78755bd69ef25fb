//! The analyses over the access graph: for every identity and credential,
//! what it reaches (blast radius, counted up to a limit), its nearest
//! high-value target (admin-equivalent permissions or a crown jewel) with the
//! path to it, whether it is orphaned (no workload uses it, nobody assumes
//! it, no owner), and a risk score that adds up exposure, privilege, reach,
//! age and usage — with the factors kept, so every score can be explained.

use jiff::Timestamp;
use nhiscope_model::{EdgeKind, NodeKind};

use crate::{
    compact::{Graph, NodeIndex, flags, kind_code},
    reach::{NearestTargets, Reach, Step, post_order},
};

/// What the analyses need to know beyond the graph.
#[derive(Clone, Debug)]
pub struct AnalysisSettings {
    /// "Now", for ages.
    pub as_of: Timestamp,
    /// Traversals stop after this many nodes (the count is then a lower
    /// bound); `nhiscope blast-radius` counts without limit.
    pub reach_limit: usize,
}

impl AnalysisSettings {
    /// The defaults: reach counted up to 10,000 nodes.
    pub fn new(as_of: Timestamp) -> Self {
        Self {
            as_of,
            reach_limit: 10_000,
        }
    }
}

/// One contribution to a risk score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Factor {
    /// The bit in [`Score::factors`].
    pub bit: u16,
    /// Its stable name (`exposed`, `reaches-admin`).
    pub name: &'static str,
    /// The points it adds.
    pub points: u8,
    /// What it means, for people.
    pub meaning: &'static str,
}

/// Every risk factor, in the order they are listed.
pub const FACTORS: &[Factor] = &[
    Factor {
        bit: 1,
        name: "exposed",
        points: 35,
        meaning: "its value (or a credential of it) was found in content",
    },
    Factor {
        bit: 1 << 1,
        name: "exposed-live",
        points: 15,
        meaning: "the exposed credential is active at its provider",
    },
    Factor {
        bit: 1 << 2,
        name: "admin",
        points: 25,
        meaning: "it is, or reaches, an admin-equivalent identity or permission",
    },
    Factor {
        bit: 1 << 3,
        name: "crown-jewel",
        points: 15,
        meaning: "it reaches a resource named as a crown jewel",
    },
    Factor {
        bit: 1 << 4,
        name: "wide-reach",
        points: 10,
        meaning: "it reaches 100 or more nodes",
    },
    Factor {
        bit: 1 << 5,
        name: "very-wide-reach",
        points: 5,
        meaning: "it reaches 1,000 or more nodes",
    },
    Factor {
        bit: 1 << 6,
        name: "long-lived",
        points: 5,
        meaning: "a credential that never expires",
    },
    Factor {
        bit: 1 << 7,
        name: "old",
        points: 5,
        meaning: "created more than 90 days ago",
    },
    Factor {
        bit: 1 << 8,
        name: "very-old",
        points: 5,
        meaning: "created more than a year ago",
    },
    Factor {
        bit: 1 << 9,
        name: "dormant",
        points: 5,
        meaning: "not used for 90 days, or never used",
    },
    Factor {
        bit: 1 << 10,
        name: "orphaned",
        points: 5,
        meaning: "no workload uses it, nobody assumes it, and it has no owner",
    },
    Factor {
        bit: 1 << 11,
        name: "inactive",
        points: 0,
        meaning: "a credential its provider lists as inactive: the score is capped at 20",
    },
];

fn factor(name: &str) -> u16 {
    FACTORS.iter().find(|f| f.name == name).map_or(0, |f| f.bit)
}

/// The names of the factors in `bits`.
pub fn factor_names(bits: u16) -> Vec<&'static str> {
    FACTORS
        .iter()
        .filter(|f| bits & f.bit != 0)
        .map(|f| f.name)
        .collect()
}

/// The analysis of one identity or credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Score {
    /// The node.
    pub node: NodeIndex,
    /// 0 (nothing to see) to 100.
    pub risk: u8,
    /// [`FACTORS`] bits.
    pub factors: u16,
    /// How many nodes it reaches over access edges (itself included).
    pub reach: u32,
    /// Whether `reach` stopped at the limit (the true count is larger).
    pub reach_truncated: bool,
    /// Its nearest high-value target.
    pub target: Option<NodeIndex>,
    /// How many edges away that target is.
    pub distance: Option<u16>,
}

/// A path from an exposed or long-lived credential to a high-value target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttackPath {
    /// The credential.
    pub source: NodeIndex,
    /// The target (admin-equivalent or crown jewel).
    pub target: NodeIndex,
    /// The steps, source first.
    pub steps: Vec<Step>,
}

/// Everything the analyses concluded.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// One score per identity and credential, by node index.
    pub scores: Vec<Score>,
    /// Attack paths of exposed and long-lived credentials that reach a target.
    pub paths: Vec<AttackPath>,
}

impl Analysis {
    /// The score of `node`, if it was scored.
    pub fn score(&self, node: NodeIndex) -> Option<&Score> {
        self.scores
            .binary_search_by_key(&node, |score| score.node)
            .ok()
            .map(|at| &self.scores[at])
    }
}

fn is_scored(kind: &NodeKind) -> bool {
    matches!(kind, NodeKind::Identity(_) | NodeKind::Credential(_))
}

/// Whether anything uses, assumes or joins `node`, or it has an owner.
fn is_orphaned(graph: &Graph, node: NodeIndex, codes: &OrphanCodes) -> bool {
    let (sources, kinds) = graph.incoming(node);
    let claimed_in = sources.iter().zip(kinds).any(|(&source, &code)| {
        code == codes.uses
            || code == codes.can_assume
            || code == codes.member_of
            || (code == codes.authenticates_as && graph.incoming(source).1.contains(&codes.uses))
    });
    let (targets, kinds) = graph.outgoing(node);
    let owned = kinds.contains(&codes.owned_by);
    let via_identity = targets.iter().zip(kinds).any(|(&target, &code)| {
        code == codes.authenticates_as && graph.incoming(target).1.contains(&codes.uses)
    });
    !(claimed_in || owned || via_identity)
}

struct OrphanCodes {
    uses: u8,
    can_assume: u8,
    member_of: u8,
    authenticates_as: u8,
    owned_by: u8,
}

const DAY: i64 = 86_400;

/// How many nodes each scored node reaches (up to `limit`; `u32::MAX` for
/// nodes that are not scored), computed in post-order so that a node
/// reaching one already known to reach the limit stops at once.
fn reach_counts(graph: &Graph, limit: usize) -> Vec<u32> {
    let mut reach = Reach::new(graph);
    let mut counts: Vec<u32> = vec![u32::MAX; graph.node_count()];
    for node in post_order(graph) {
        if !is_scored(&graph.facts(node).kind) {
            continue;
        }
        let count = reach.count_until(node, limit, |other| {
            counts[other as usize] != u32::MAX && counts[other as usize] as usize >= limit
        });
        counts[node as usize] = count as u32;
    }
    counts
}

/// Runs every analysis on `graph`.
pub fn analyse(graph: &Graph, settings: &AnalysisSettings) -> Analysis {
    let now = settings.as_of.as_second();
    let limit = settings.reach_limit.max(1);
    // The nearest targets and the reach counts are independent whole-graph
    // passes: on two cores they run side by side.
    let ((nearest, crown, admin), counts) = std::thread::scope(|scope| {
        let targets = scope.spawn(|| {
            (
                NearestTargets::compute(graph, |node| {
                    graph.facts(node).has(flags::ADMIN) || graph.facts(node).has(flags::CROWN_JEWEL)
                }),
                NearestTargets::compute(graph, |node| graph.facts(node).has(flags::CROWN_JEWEL)),
                NearestTargets::compute(graph, |node| graph.facts(node).has(flags::ADMIN)),
            )
        });
        let counts = reach_counts(graph, limit);
        let targets = targets
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (targets, counts)
    });
    let codes = OrphanCodes {
        uses: kind_code(EdgeKind::Uses),
        can_assume: kind_code(EdgeKind::CanAssume),
        member_of: kind_code(EdgeKind::MemberOf),
        authenticates_as: kind_code(EdgeKind::AuthenticatesAs),
        owned_by: kind_code(EdgeKind::OwnedBy),
    };
    let authenticates_as = codes.authenticates_as;
    let mut analysis = Analysis::default();
    for node in graph.nodes() {
        let facts = graph.facts(node);
        if !is_scored(&facts.kind) {
            continue;
        }
        let reached = counts[node as usize];
        let truncated = reached as usize >= limit;
        let mut bits = 0u16;
        let credential = matches!(facts.kind, NodeKind::Credential(_));
        let exposed_credential = |n: NodeIndex| {
            let f = graph.facts(n);
            f.has(flags::EXPOSED).then_some(f.has(flags::LIVE))
        };
        let exposure = if credential {
            exposed_credential(node)
        } else {
            let (sources, kinds) = graph.incoming(node);
            sources
                .iter()
                .zip(kinds)
                .filter(|(_, code)| **code == authenticates_as)
                .filter_map(|(source, _)| exposed_credential(*source))
                .max()
        };
        if let Some(live) = exposure {
            bits |= factor("exposed");
            if live {
                bits |= factor("exposed-live");
            }
        }
        if admin.target(node).is_some() {
            bits |= factor("admin");
        }
        if crown.target(node).is_some() {
            bits |= factor("crown-jewel");
        }
        if reached >= 100 {
            bits |= factor("wide-reach");
        }
        if reached >= 1000 {
            bits |= factor("very-wide-reach");
        }
        if credential && facts.has(flags::LONG_LIVED) {
            bits |= factor("long-lived");
        }
        if facts.created_at != i64::MIN {
            let age = (now - facts.created_at) / DAY;
            if age > 90 {
                bits |= factor("old");
            }
            if age > 365 {
                bits |= factor("very-old");
            }
        }
        let idle = if facts.last_used_at == i64::MIN {
            facts.created_at != i64::MIN && (now - facts.created_at) / DAY > 30
        } else {
            (now - facts.last_used_at) / DAY > 90
        };
        if idle {
            bits |= factor("dormant");
        }
        if is_orphaned(graph, node, &codes) {
            bits |= factor("orphaned");
        }
        if credential && facts.has(flags::INACTIVE) {
            bits |= factor("inactive");
        }
        let mut risk: u32 = FACTORS
            .iter()
            .filter(|f| bits & f.bit != 0)
            .map(|f| u32::from(f.points))
            .sum();
        if bits & factor("inactive") != 0 {
            risk = risk.min(20);
        }
        let target = nearest.target(node);
        analysis.scores.push(Score {
            node,
            risk: risk.min(100) as u8,
            factors: bits,
            reach: reached,
            reach_truncated: truncated,
            target,
            distance: nearest.distance(node),
        });
        if credential
            && (facts.has(flags::EXPOSED) || facts.has(flags::LONG_LIVED))
            && let Some(target) = target
        {
            analysis.paths.push(AttackPath {
                source: node,
                target,
                steps: nearest.path(node),
            });
        }
    }
    analysis
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_counts_stop_at_nodes_known_to_reach_the_limit() {
        // A chain of roles r0 -> r1 -> ... -> r9: each reaches the rest.
        let mut builder = GraphBuilder::with_capacity(10, 9);
        let role = NodeFacts::of(NodeKind::Identity(IdentityType::IamRole));
        for i in 0..10 {
            builder.add_node(&format!("r{i}"), &format!("r{i}"), role);
        }
        for i in 0..9 {
            builder.add_edge(
                &format!("r{i}"),
                &format!("r{}", i + 1),
                EdgeKind::CanAssume,
            );
        }
        let graph = builder.finish();
        let mut settings = AnalysisSettings::new("2026-11-20T00:00:00Z".parse().expect("now"));
        settings.reach_limit = 4;
        let analysis = analyse(&graph, &settings);
        let reach = |id: &str| {
            let score = analysis
                .score(graph.find(id).expect("node"))
                .expect("scored");
            (score.reach, score.reach_truncated)
        };
        assert_eq!(reach("r9"), (1, false));
        assert_eq!(reach("r7"), (3, false));
        assert_eq!(reach("r6"), (4, true), "reaches exactly the limit");
        assert_eq!(reach("r0"), (4, true));
        settings.reach_limit = 100;
        let exact = analyse(&graph, &settings);
        let r0 = exact.score(graph.find("r0").expect("r0")).expect("scored");
        assert_eq!((r0.reach, r0.reach_truncated), (10, false));
    }
    use crate::compact::{GraphBuilder, NodeFacts};
    use nhiscope_model::{CredentialType, IdentityType, PermissionType, WorkloadType};

    fn at(text: &str) -> i64 {
        text.parse::<Timestamp>().expect("a timestamp").as_second()
    }

    #[test]
    fn an_exposed_live_key_to_admin_scores_highest_and_has_a_path() {
        let mut builder = GraphBuilder::with_capacity(8, 8);
        let mut key = NodeFacts::of(NodeKind::Credential(CredentialType::AccessKey));
        key.flags = flags::EXPOSED | flags::LIVE | flags::LONG_LIVED;
        key.created_at = at("2023-01-01T00:00:00Z");
        key.last_used_at = at("2026-11-01T00:00:00Z");
        let user = NodeFacts::of(NodeKind::Identity(IdentityType::IamUser));
        let mut policy = NodeFacts::of(NodeKind::Permission(PermissionType::Policy));
        policy.flags = flags::ADMIN;
        let mut quiet = NodeFacts::of(NodeKind::Credential(CredentialType::AccessKey));
        quiet.flags = flags::LONG_LIVED;
        quiet.created_at = at("2026-11-10T00:00:00Z");
        let pod = NodeFacts::of(NodeKind::Workload(WorkloadType::Pod));
        builder.add_node("key", "leaked key", key);
        builder.add_node("user", "ci", user);
        builder.add_node("admin", "AdministratorAccess", policy);
        builder.add_node("quiet-key", "a fresh key", quiet);
        builder.add_node("app", "app user", user);
        builder.add_node("pod", "pod", pod);
        builder.add_edge("key", "user", EdgeKind::AuthenticatesAs);
        builder.add_edge("user", "admin", EdgeKind::HasPermission);
        builder.add_edge("quiet-key", "app", EdgeKind::AuthenticatesAs);
        builder.add_edge("pod", "quiet-key", EdgeKind::Uses);
        let graph = builder.finish();
        let analysis = analyse(
            &graph,
            &AnalysisSettings::new("2026-11-20T00:00:00Z".parse().expect("now")),
        );
        let score = |id: &str| {
            *analysis
                .score(graph.find(id).expect("node"))
                .expect("scored")
        };
        let leaked = score("key");
        assert_eq!(
            factor_names(leaked.factors),
            [
                "exposed",
                "exposed-live",
                "admin",
                "long-lived",
                "old",
                "very-old",
                "orphaned"
            ]
        );
        assert_eq!(leaked.risk, 35 + 15 + 25 + 5 + 5 + 5 + 5);
        assert_eq!(leaked.reach, 3);
        let user = score("user");
        assert!(
            factor_names(user.factors).contains(&"exposed"),
            "an identity whose key leaked"
        );
        let fresh = score("quiet-key");
        assert_eq!(
            factor_names(fresh.factors),
            ["long-lived"],
            "used by a pod, new, no admin"
        );
        assert_eq!(analysis.paths.len(), 1);
        let path: Vec<&str> = analysis.paths[0]
            .steps
            .iter()
            .map(|s| graph.id(s.node))
            .collect();
        assert_eq!(path, ["key", "user", "admin"]);
    }
}

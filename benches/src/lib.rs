//! Synthetic estates for the graph benchmark: realistic shapes from a fixed
//! seed, so every run (and every peer) gets the same graph.
//!
//! Per identity, about 3.5 nodes and 5.2 edges. Accounts of about 1,000
//! identities hold IAM users (38 %), roles (45 %), groups (2 %) and
//! Kubernetes service accounts (15 %). Roles form a tree under each
//! account's admin role (trust chains up to depth 4); users join a group and
//! may assume a role (2 % of them the account's admin role, the entry points
//! of attack paths); users hold one or two access keys and some an API key;
//! half the service accounts have a long-lived token; workloads run as
//! service accounts and roles; policies come from a power-law popular set
//! (a few of them admin-equivalent) and grant resources; some identities
//! have owners; a fifth of the roles can be assumed from a role of the
//! previous account (shared services). One hub, an organisation admin, can assume the
//! admin role of half the accounts and through them reaches every role and
//! what their policies grant: about a third of the estate's nodes, the most
//! any node reaches.

use nhiscope_graph::{Graph, GraphBuilder, NodeFacts, NodeIndex, flags};
use nhiscope_model::{
    CredentialType, EdgeKind, IdentityType, NodeKind, OwnerType, PermissionType, ResourceType,
    SourceType, WorkloadType,
};

/// SplitMix64: small, fast, and the same everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// A rank in `0..n` drawn from a Zipf-like distribution: rank r with
    /// weight 1/(r+1) (the popular-policy curve).
    pub fn zipf(&mut self, n: usize) -> usize {
        // Inverse of the harmonic CDF, approximated by exp(u * ln(n+1)) - 1.
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let rank = ((u * ((n + 1) as f64).ln()).exp() - 1.0) as usize;
        rank.min(n - 1)
    }
}

/// A generated estate: the node records and edges a collector would emit,
/// as plain data (the benchmark times building the graph from them).
#[derive(Debug, Default)]
pub struct Estate {
    /// Node ids.
    pub ids: Vec<String>,
    /// Node names.
    pub names: Vec<String>,
    /// Node facts.
    pub facts: Vec<NodeFacts>,
    /// Edges by position in `ids`.
    pub edges: Vec<(u32, u32, EdgeKind)>,
    /// A typical credential: a user's access key.
    pub typical: u32,
    /// The hub: the organisation admin.
    pub hub: u32,
}

impl Estate {
    fn node(&mut self, id: String, name: String, kind: NodeKind, flags: u8, rng: &mut Rng) -> u32 {
        let at = self.ids.len() as u32;
        let mut facts = NodeFacts::of(kind);
        facts.flags = flags;
        // Created between 2020 and 2026; half used in the last year.
        facts.created_at = 1_577_836_800 + (rng.below(6 * 365) as i64) * 86_400;
        if rng.chance(0.5) {
            facts.last_used_at = 1_764_000_000 - (rng.below(365) as i64) * 86_400;
        }
        self.ids.push(id);
        self.names.push(name);
        self.facts.push(facts);
        at
    }

    fn edge(&mut self, from: u32, kind: EdgeKind, to: u32) {
        self.edges.push((from, to, kind));
    }

    /// Builds the access graph from the records, as a scan would from its
    /// inventory: nodes by id, edges by the ids of their ends.
    pub fn build(&self) -> Graph {
        let mut builder = GraphBuilder::with_capacity(self.ids.len(), self.edges.len());
        // By id, as a scan's inventory is: every edge end is looked up.
        builder.add_nodes(
            self.ids
                .iter()
                .zip(&self.names)
                .zip(&self.facts)
                .map(|((id, name), facts)| (id.as_str(), name.as_str(), *facts)),
        );
        builder.add_edges(self.edges.iter().map(|&(from, to, kind)| {
            (
                self.ids[from as usize].as_str(),
                self.ids[to as usize].as_str(),
                kind,
            )
        }));
        builder.finish()
    }
}

/// Generates an estate of about `identities` identities.
pub fn generate(identities: usize, seed: u64) -> Estate {
    let mut rng = Rng::new(seed);
    let mut estate = Estate::default();
    let accounts = (identities / 1000).max(1);
    let per_account = identities / accounts;
    let policies = (identities / 20).max(50);

    // The popular policy set, shared by every account (AWS-managed style);
    // the first two are admin-equivalent.
    let mut policy_ids = Vec::with_capacity(policies);
    for p in 0..policies {
        let admin = if p < 2 { flags::ADMIN } else { 0 };
        let name = match p {
            0 => "AdministratorAccess".to_string(),
            1 => "IAMFullAccess".to_string(),
            _ => format!("policy-{p}"),
        };
        let id = format!("aws:policy:arn:aws:iam::aws:policy/{name}");
        policy_ids.push(estate.node(
            id,
            name,
            NodeKind::Permission(PermissionType::Policy),
            admin,
            &mut rng,
        ));
    }
    // Resources: about 1.1 per identity, granted by policies (15 each on
    // average, popular policies first).
    let resources = identities * 8 / 10;
    let mut resource_ids = Vec::with_capacity(resources);
    for r in 0..resources {
        let (kind, what) = match r % 3 {
            0 => (ResourceType::Bucket, "s3"),
            1 => (ResourceType::Database, "rds"),
            _ => (ResourceType::Secret, "secretsmanager"),
        };
        let id = format!("aws:{}:arn:aws:{what}:::r{r}", kind.as_str());
        resource_ids.push(estate.node(id, format!("r{r}"), NodeKind::Resource(kind), 0, &mut rng));
    }
    for (p, &policy) in policy_ids.iter().enumerate() {
        let grants = if p < 2 { 2 } else { 1 + rng.below(29) };
        for _ in 0..grants {
            let resource = resource_ids[rng.below(resource_ids.len())];
            estate.edge(policy, EdgeKind::Grants, resource);
        }
    }
    let owners = (identities / 12).max(1);
    let mut owner_ids = Vec::with_capacity(owners);
    for o in 0..owners {
        owner_ids.push(estate.node(
            format!("generic:team:team-{o}"),
            format!("team-{o}"),
            NodeKind::Owner(OwnerType::Team),
            0,
            &mut rng,
        ));
    }

    let mut admin_roles = Vec::with_capacity(accounts);
    let mut previous_roles: Option<Vec<u32>> = None;
    let mut typical = None;
    for a in 0..accounts {
        let account = format!("{a:012}");
        let account_node = estate.node(
            format!("aws:aws_account:{account}"),
            format!("account {account}"),
            NodeKind::Source(SourceType::AwsAccount),
            0,
            &mut rng,
        );
        let roles = per_account * 45 / 100;
        let users = per_account * 38 / 100;
        let groups = (per_account * 2 / 100).max(1);
        let service_accounts = per_account - roles - users - groups;

        let mut role_ids = Vec::with_capacity(roles);
        for r in 0..roles {
            let id = format!("aws:iam_role:arn:aws:iam::{account}:role/r{r}");
            let role = estate.node(
                id,
                format!("r{r}"),
                NodeKind::Identity(IdentityType::IamRole),
                0,
                &mut rng,
            );
            if r == 0 {
                estate.edge(account_node, EdgeKind::Contains, role);
                estate.edge(role, EdgeKind::HasPermission, policy_ids[0]);
                admin_roles.push(role);
            } else {
                // A tree of fan-out 8 under the admin role: depth <= 4.
                let parent = role_ids[(r - 1) / 8];
                estate.edge(parent, EdgeKind::CanAssume, role);
                for _ in 0..2 {
                    let policy = policy_ids[2 + rng.zipf(policies - 2)];
                    estate.edge(role, EdgeKind::HasPermission, policy);
                }
            }
            role_ids.push(role);
        }
        let mut group_ids = Vec::with_capacity(groups);
        for g in 0..groups {
            let id = format!("aws:iam_group:arn:aws:iam::{account}:group/g{g}");
            let group = estate.node(
                id,
                format!("g{g}"),
                NodeKind::Identity(IdentityType::IamGroup),
                0,
                &mut rng,
            );
            for _ in 0..3 {
                let policy = policy_ids[2 + rng.zipf(policies - 2)];
                estate.edge(group, EdgeKind::HasPermission, policy);
            }
            group_ids.push(group);
        }
        for u in 0..users {
            let id = format!("aws:iam_user:arn:aws:iam::{account}:user/u{u}");
            let user = estate.node(
                id,
                format!("u{u}"),
                NodeKind::Identity(IdentityType::IamUser),
                0,
                &mut rng,
            );
            estate.edge(
                user,
                EdgeKind::MemberOf,
                group_ids[rng.below(group_ids.len())],
            );
            if rng.chance(0.02) {
                // Break-glass and deploy users: the admin role.
                estate.edge(user, EdgeKind::CanAssume, role_ids[0]);
            } else if rng.chance(0.6) && role_ids.len() > 1 {
                // Entry points are mostly leaves of the role tree.
                let role = role_ids[role_ids.len() / 2 + rng.below(role_ids.len() / 2)];
                estate.edge(user, EdgeKind::CanAssume, role);
            }
            let keys = if rng.chance(0.3) { 2 } else { 1 };
            for k in 0..keys {
                let exposed = if rng.chance(0.01) { flags::EXPOSED } else { 0 };
                let key_id = format!("aws:access_key:AKIA{a:06}{u:06}{k:02}SY");
                let key = estate.node(
                    key_id,
                    format!("key {k} of u{u}"),
                    NodeKind::Credential(CredentialType::AccessKey),
                    flags::LONG_LIVED | flags::LIVE | exposed,
                    &mut rng,
                );
                estate.edge(key, EdgeKind::AuthenticatesAs, user);
                estate.edge(user, EdgeKind::Holds, key);
                if typical.is_none() && k == 0 && u > 0 {
                    typical = Some(key);
                }
            }
            if rng.chance(0.53) {
                let api = estate.node(
                    format!("generic:api_key:sha256:{a:06}{u:08}"),
                    format!("api key of u{u}"),
                    NodeKind::Credential(CredentialType::ApiKey),
                    flags::LONG_LIVED,
                    &mut rng,
                );
                estate.edge(api, EdgeKind::AuthenticatesAs, user);
            }
            if rng.chance(0.1) {
                estate.edge(
                    user,
                    EdgeKind::OwnedBy,
                    owner_ids[rng.below(owner_ids.len())],
                );
            }
        }
        for s in 0..service_accounts {
            let sa_id = format!(
                "kubernetes:kubernetes_service_account:cluster-{a}/ns-{}/sa-{s}",
                s % 20
            );
            let sa = estate.node(
                sa_id,
                format!("ns-{}/sa-{s}", s % 20),
                NodeKind::Identity(IdentityType::KubernetesServiceAccount),
                0,
                &mut rng,
            );
            let policy = policy_ids[2 + rng.zipf(policies - 2)];
            estate.edge(sa, EdgeKind::HasPermission, policy);
            // The account's admin role is the cluster's admin: it can act
            // as any of its service accounts.
            estate.edge(role_ids[0], EdgeKind::CanAssume, sa);
            if rng.chance(0.5) {
                let token = estate.node(
                    format!("kubernetes:token:cluster-{a}/ns-{}/sa-{s}-token", s % 20),
                    format!("token of sa-{s}"),
                    NodeKind::Credential(CredentialType::Token),
                    flags::LONG_LIVED | flags::LIVE,
                    &mut rng,
                );
                estate.edge(token, EdgeKind::AuthenticatesAs, sa);
            }
            for w in 0..3 {
                let workload = estate.node(
                    format!(
                        "kubernetes:deployment:cluster-{a}/ns-{}/app-{s}-{w}",
                        s % 20
                    ),
                    format!("app-{s}-{w}"),
                    NodeKind::Workload(WorkloadType::Deployment),
                    0,
                    &mut rng,
                );
                estate.edge(workload, EdgeKind::Uses, sa);
            }
        }
        // Cross-account trust: a role of the previous account can assume
        // some roles of this one (shared-services patterns), chaining the
        // accounts together.
        if let Some(previous) = previous_roles.take() {
            // The previous account's admin role administers this one too.
            estate.edge(previous[0], EdgeKind::CanAssume, role_ids[0]);
            for &role in role_ids.iter().skip(1) {
                if rng.chance(0.2) {
                    let from = previous[1 + rng.below(previous.len() - 1)];
                    estate.edge(from, EdgeKind::CanAssume, role);
                }
            }
        }
        // Instances running as roles.
        for v in 0..(per_account * 3 / 10) {
            let vm = estate.node(
                format!("aws:vm:arn:aws:iam::{account}:instance-profile/p{v}"),
                format!("p{v}"),
                NodeKind::Workload(WorkloadType::Vm),
                0,
                &mut rng,
            );
            let role = role_ids[1 + rng.below(role_ids.len() - 1)];
            estate.edge(vm, EdgeKind::Uses, role);
        }
        previous_roles = Some(role_ids);
    }
    // The hub: an organisation admin who can assume the admin role of half
    // the accounts.
    let hub = estate.node(
        "aws:iam_user:arn:aws:iam::000000000000:user/org-admin".to_string(),
        "org-admin".to_string(),
        NodeKind::Identity(IdentityType::IamUser),
        0,
        &mut rng,
    );
    for role in admin_roles.iter().take(accounts.div_ceil(2)) {
        estate.edge(hub, EdgeKind::CanAssume, *role);
    }
    estate.typical = typical.unwrap_or(0);
    estate.hub = hub;
    estate
}

/// The `queries.json` peers read: typical and hub starts and the reach
/// nhiscope computed, so each peer checks it answers the same.
pub fn queries_json(
    typical: NodeIndex,
    hub: NodeIndex,
    typical_reach: usize,
    hub_reach: usize,
) -> String {
    serde_json::json!({
        "typical": typical,
        "hub": hub,
        "follow": ["authenticates_as", "can_assume", "member_of", "has_permission", "grants", "uses"],
        "follow_contains_from": ["resource:secret", "resource:other"],
        "expected": {"typical": typical_reach, "hub": hub_reach},
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estates_have_the_documented_shape_and_are_repeatable() {
        let estate = generate(10_000, 7);
        let per_identity_nodes = estate.ids.len() as f64 / 10_000.0;
        let per_identity_edges = estate.edges.len() as f64 / 10_000.0;
        assert!(
            (3.2..3.8).contains(&per_identity_nodes),
            "{per_identity_nodes} nodes, {per_identity_edges} edges per identity"
        );
        assert!(
            (4.7..5.7).contains(&per_identity_edges),
            "{per_identity_edges} edges per identity"
        );
        let again = generate(10_000, 7);
        assert_eq!(estate.ids, again.ids);
        assert_eq!(estate.edges, again.edges);
        let graph = estate.build();
        assert_eq!(graph.node_count(), estate.ids.len(), "ids are unique");
        let mut reach = nhiscope_graph::Reach::new(&graph);
        let typical = reach.from(estate.typical, usize::MAX).len();
        assert!(
            (5..500).contains(&typical),
            "a typical key reaches {typical}"
        );
        let analysis = nhiscope_graph::analyse(
            &graph,
            &nhiscope_graph::AnalysisSettings::new(
                jiff::Timestamp::from_second(1_764_000_000).expect("a valid timestamp"),
            ),
        );
        let keys = estate
            .facts
            .iter()
            .filter(|facts| facts.kind == NodeKind::Credential(CredentialType::AccessKey))
            .count();
        assert!(
            (keys / 200..keys / 20).contains(&analysis.paths.len()),
            "{} attack paths from {keys} access keys",
            analysis.paths.len()
        );
        let hub = reach.from(estate.hub, usize::MAX).len();
        assert!(
            hub > graph.node_count() / 4,
            "the hub reaches {hub} of {}",
            graph.node_count()
        );
    }
}

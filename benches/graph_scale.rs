//! The graph benchmark: synthetic estates of 10k, 100k and 1M identities
//! through nhiscope's access graph — build, every analysis, store, reload,
//! and blast-radius queries from a typical node and from a hub — and the same
//! graph through a plain serde_json file (store and reload), each size in its
//! own process so peak memory is its own. It writes, per size, the graph as
//! TSV for the Python peers (scripts/bench-graph.sh runs them) and a JSON
//! result per tool.
//!
//! ```sh
//! cargo bench -p nhiscope-benches --bench graph_scale -- --sizes 10000,100000,1000000 --out /tmp/graph-bench
//! # one size, keeping its store with a second scan of a million synthetic
//! # findings, for the TUI benchmark:
//! cargo bench -p nhiscope-benches --bench graph_scale -- --one 1000000 --out /tmp/graph-bench --keep-store --findings 1000000
//! ```

use std::{
    io::{BufWriter, Write},
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use nhiscope_benches::{generate, queries_json};
use nhiscope_graph::{
    AnalysisSettings, Graph, GraphBuilder, GraphResults, NodeFacts, Reach, Store, analyse, kind_of,
};
use nhiscope_model::{NodeKind, ScanId, ScanRecord, ScanStatus};
use serde::{Deserialize, Serialize};

const SEED: u64 = 20_261_204;

fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64()
}

fn timed<T>(what: &str, run: impl FnOnce() -> T) -> (T, f64) {
    let started = Instant::now();
    let value = run();
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("  {what}: {seconds:.3} s");
    (value, seconds)
}

fn record() -> ScanRecord {
    let now = jiff::Timestamp::now();
    ScanRecord {
        id: ScanId::new(now),
        number: None,
        started_at: now,
        finished_at: now,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        status: ScanStatus::Complete,
        sources: Vec::new(),
        errors: Vec::new(),
        skipped: Vec::new(),
    }
}

/// Blast-radius timings: (median seconds, nodes reached).
fn query(graph: &Graph, start: u32, runs: usize) -> (f64, usize) {
    let mut reach = Reach::new(graph);
    let reached = reach.from(start, usize::MAX).len();
    let samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            // One path per node is part of the answer (the traversal keeps
            // each node's parent); the last node's is read back.
            let reached = reach.from(start, usize::MAX).len();
            std::hint::black_box(reach.path_at(reached - 1));
            started.elapsed()
        })
        .collect();
    (median(samples), reached)
}

fn write_tsv(graph: &Graph, dir: &Path) -> std::io::Result<()> {
    let mut nodes = BufWriter::new(std::fs::File::create(dir.join("nodes.tsv"))?);
    writeln!(nodes, "idx\tid\tkind\ttype")?;
    for node in graph.nodes() {
        let kind = graph.facts(node).kind;
        writeln!(
            nodes,
            "{node}\t{}\t{}\t{}",
            graph.id(node),
            kind.class_name(),
            kind.type_name()
        )?;
    }
    nodes.flush()?;
    let mut edges = BufWriter::new(std::fs::File::create(dir.join("edges.tsv"))?);
    writeln!(edges, "src\tdst\tkind")?;
    for from in graph.nodes() {
        let (targets, kinds) = graph.outgoing(from);
        for (to, code) in targets.iter().zip(kinds) {
            writeln!(edges, "{from}\t{to}\t{}", kind_of(*code).as_str())?;
        }
    }
    edges.flush()
}

/// nhiscope on one size. With `keep = Some(findings)`, the store is kept
/// (for the TUI benchmark) with a second scan of the same graph and that many
/// synthetic findings, written after the timed store.
fn one(size: usize, dir: &Path, keep: Option<usize>) -> serde_json::Value {
    eprintln!("nhiscope, {size} identities:");
    let (estate, generate_s) = timed("generate", || generate(size, SEED));
    let (graph, build_s) = timed("build", || estate.build());
    let (typical, hub) = (estate.typical, estate.hub);
    drop(estate);
    let settings = AnalysisSettings::new("2026-11-20T00:00:00Z".parse().expect("a timestamp"));
    let (analysis, analyses_s) = timed("analyses", || analyse(&graph, &settings));
    let (typical_s, typical_reach) = query(&graph, typical, 2000);
    let (hub_s, hub_reach) = query(&graph, hub, 20);
    eprintln!(
        "  typical query: {:.1} µs ({typical_reach} nodes); hub: {:.2} ms ({hub_reach} nodes)",
        typical_s * 1e6,
        hub_s * 1e3
    );
    write_tsv(&graph, dir).expect("writes the TSV");
    std::fs::write(
        dir.join("queries.json"),
        queries_json(typical, hub, typical_reach, hub_reach),
    )
    .expect("writes queries.json");
    let store_path = dir.join("store.duckdb");
    let _ = std::fs::remove_file(&store_path);
    let scan = record();
    let (_, store_s) = timed("store", || {
        let mut store = Store::open_or_create(&store_path).expect("creates the store");
        store
            .write_graph(
                &scan,
                GraphResults {
                    graph: &graph,
                    analysis: &analysis,
                },
                std::iter::empty(),
            )
            .expect("stores the graph");
    });
    if let Some(count) = keep {
        timed("synthetic findings (not part of the benchmark)", || {
            let mut store = Store::open_or_create(&store_path).expect("opens the store");
            store
                .write_graph(
                    &record(),
                    GraphResults {
                        graph: &graph,
                        analysis: &analysis,
                    },
                    synthetic_findings(&graph, &analysis, count),
                )
                .expect("stores the findings");
        });
    }
    let (nodes, edges, heap) = (graph.node_count(), graph.edge_count(), graph.heap_bytes());
    let scored = analysis.scores.len();
    let paths = analysis.paths.len();
    drop(analysis);
    drop(graph);
    let (reloaded, reload_s) = timed("reload", || {
        let store = Store::open_read_only(&store_path).expect("opens the store");
        store.load_graph(&scan.id).expect("reloads the graph")
    });
    assert_eq!(reloaded.node_count(), nodes, "the reload has every node");
    assert_eq!(reloaded.edge_count(), edges, "the reload has every edge");
    let store_bytes = std::fs::metadata(&store_path).map_or(0, |m| m.len());
    if keep.is_none() {
        let _ = std::fs::remove_file(&store_path);
        let _ = std::fs::remove_file(store_path.with_extension("duckdb.wal"));
    }
    serde_json::json!({
        "peer": "nhiscope",
        "version": env!("CARGO_PKG_VERSION"),
        "identities": size,
        "nodes": nodes,
        "edges": edges,
        "generate_s": generate_s,
        "build_s": build_s,
        "analyses_s": analyses_s,
        "store_s": store_s,
        "reload_s": reload_s,
        "build_analyses_store_s": build_s + analyses_s + store_s,
        "peak_rss_bytes": peak_rss_bytes(),
        "graph_heap_bytes": heap,
        "store_file_bytes": store_bytes,
        "scored": scored,
        "attack_paths": paths,
        "typical_s": typical_s,
        "hub_s": hub_s,
        "typical_runs": 2000,
        "hub_runs": 20,
        "query": "Reach::from (CSR adjacency, breadth-first)",
        "typical_reach": typical_reach,
        "hub_reach": hub_reach,
    })
}

/// `count` findings about the scored nodes of `graph`, in the shapes
/// collectors raise (an exposed key in a file, a privilege, an unrotated
/// key), each with its node's risk: a store filled as a large estate's would be.
fn synthetic_findings<'a>(
    graph: &'a Graph,
    analysis: &'a nhiscope_graph::Analysis,
    count: usize,
) -> impl Iterator<Item = nhiscope_model::Finding> + 'a {
    use nhiscope_model::{Finding, FindingFingerprint, Location, NodeId, Severity};
    const RULES: [(&str, Severity); 5] = [
        ("aws-access-key-unrotated", Severity::Medium),
        ("aws-iam-privilege-escalation", Severity::High),
        ("exposed-credential-live", Severity::Critical),
        ("aws-access-key-unused", Severity::Low),
        ("k8s-default-service-account-automount", Severity::Info),
    ];
    (0..count).map(move |i| {
        let score = &analysis.scores[i % analysis.scores.len()];
        let (rule, severity) = RULES[i % RULES.len()];
        let id = graph.id(score.node);
        let location = if i % 3 == 0 {
            Location::File {
                path: format!("repo-{}/config/settings-{}.py", i % 997, i % 13),
                line: (i % 400) as u32 + 1,
                column: 5,
                end_line: (i % 400) as u32 + 1,
                end_column: 25,
                commit: None,
                snippet: Some("AWS_ACCESS_KEY_ID = \"AKIA…XXXX\"".into()),
            }
        } else {
            Location::Resource {
                provider: id.split(':').next().unwrap_or("aws").to_string(),
                scope: Some(format!("{:012}", i % 1000)),
                resource: id.to_string(),
                export_file: None,
            }
        };
        Finding {
            fingerprint: FindingFingerprint::derive(rule, &[id, &i.to_string()]),
            rule_id: rule.to_string(),
            severity,
            title: format!("{rule} on {}", graph.name(score.node)),
            message: format!(
                "{} ({id}): synthetic finding {i} of the benchmark estate.",
                graph.name(score.node)
            ),
            nodes: vec![NodeId::from_stored(id)],
            location,
            remediation: "Rotate it.".into(),
            evidence: None,
            tags: vec!["synthetic".into()],
            provenance: None,
            risk: Some(score.risk),
        }
    })
}

#[derive(Serialize, Deserialize)]
struct JsonNode {
    id: String,
    name: String,
    kind: String,
    #[serde(rename = "type")]
    type_name: String,
    flags: u8,
    created_at: i64,
    last_used_at: i64,
}

#[derive(Serialize, Deserialize)]
struct JsonGraph {
    nodes: Vec<JsonNode>,
    edges: Vec<(u32, u32, String)>,
}

/// The same graph stored as a plain serde_json file and reloaded into a graph.
fn serde_json_peer(size: usize, dir: &Path) -> serde_json::Value {
    eprintln!("serde_json, {size} identities:");
    let estate = generate(size, SEED);
    let graph = estate.build();
    drop(estate);
    let path = dir.join("graph.json");
    let (_, store_s) = timed("store", || {
        let document = JsonGraph {
            nodes: graph
                .nodes()
                .map(|node| {
                    let facts = graph.facts(node);
                    JsonNode {
                        id: graph.id(node).to_string(),
                        name: graph.name(node).to_string(),
                        kind: facts.kind.class_name().to_string(),
                        type_name: facts.kind.type_name().to_string(),
                        flags: facts.flags,
                        created_at: facts.created_at,
                        last_used_at: facts.last_used_at,
                    }
                })
                .collect(),
            edges: graph
                .nodes()
                .flat_map(|from| {
                    let (targets, kinds) = graph.outgoing(from);
                    targets
                        .iter()
                        .zip(kinds)
                        .map(move |(to, code)| (from, *to, kind_of(*code).as_str().to_string()))
                })
                .collect(),
        };
        let file = BufWriter::new(std::fs::File::create(&path).expect("creates the file"));
        serde_json::to_writer(file, &document).expect("writes JSON");
    });
    let (nodes, edges) = (graph.node_count(), graph.edge_count());
    drop(graph);
    let (reloaded, reload_s) = timed("reload", || {
        let text = std::fs::read(&path).expect("reads the file");
        let document: JsonGraph = serde_json::from_slice(&text).expect("parses");
        drop(text);
        let mut builder = GraphBuilder::with_capacity(document.nodes.len(), document.edges.len());
        for node in &document.nodes {
            let mut facts =
                NodeFacts::of(NodeKind::parse(&node.kind, &node.type_name).expect("a kind"));
            facts.flags = node.flags;
            facts.created_at = node.created_at;
            facts.last_used_at = node.last_used_at;
            builder.add_node(&node.id, &node.name, facts);
        }
        for (from, to, kind) in &document.edges {
            let kind = nhiscope_model::EdgeKind::parse(kind).expect("an edge kind");
            builder.add_edge_at(*from, *to, kind);
        }
        builder.finish()
    });
    assert_eq!(reloaded.node_count(), nodes);
    assert_eq!(reloaded.edge_count(), edges);
    let file_bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    let _ = std::fs::remove_file(&path);
    serde_json::json!({
        "peer": "serde_json",
        "version": "1",
        "identities": size,
        "nodes": nodes,
        "edges": edges,
        "store_s": store_s,
        "reload_s": reload_s,
        "peak_rss_bytes": peak_rss_bytes(),
        "store_file_bytes": file_bytes,
    })
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|at| args.get(at + 1))
            .cloned()
    };
    let out = PathBuf::from(value("--out").unwrap_or_else(|| "target/graph-bench".into()));
    if let Some(size) = value("--one") {
        let size: usize = size.parse().expect("--one takes a number of identities");
        let dir = out.join(size.to_string());
        std::fs::create_dir_all(&dir).expect("creates the output directory");
        let keep = args.iter().any(|a| a == "--keep-store").then(|| {
            value("--findings").map_or(0, |n| n.parse().expect("--findings takes a number"))
        });
        let result = one(size, &dir, keep);
        std::fs::write(dir.join("nhiscope.json"), format!("{result:#}\n"))
            .expect("writes the result");
        return;
    }
    if let Some(size) = value("--serde-json") {
        let size: usize = size
            .parse()
            .expect("--serde-json takes a number of identities");
        let dir = out.join(size.to_string());
        std::fs::create_dir_all(&dir).expect("creates the output directory");
        let result = serde_json_peer(size, &dir);
        std::fs::write(dir.join("serde_json.json"), format!("{result:#}\n"))
            .expect("writes the result");
        return;
    }
    let sizes: Vec<usize> = value("--sizes")
        .unwrap_or_else(|| "10000,100000,1000000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("--sizes takes numbers"))
        .collect();
    let exe = std::env::current_exe().expect("the benchmark knows its path");
    for size in sizes {
        for mode in ["--one", "--serde-json"] {
            let status = Command::new(&exe)
                .args([mode, &size.to_string(), "--out"])
                .arg(&out)
                .status()
                .expect("runs a size");
            assert!(status.success(), "{mode} {size} failed");
        }
        let dir = out.join(size.to_string());
        let nhiscope: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("nhiscope.json")).expect("reads the result"),
        )
        .expect("JSON");
        println!(
            "{size} identities: {} nodes, {} edges; build {:.2} s, analyses {:.2} s, store {:.2} s (sum {:.2} s), reload {:.2} s, peak {:.0} MiB; blast radius typical {:.1} µs ({} nodes), hub {:.2} ms ({} nodes)",
            nhiscope["nodes"],
            nhiscope["edges"],
            nhiscope["build_s"].as_f64().unwrap_or(0.0),
            nhiscope["analyses_s"].as_f64().unwrap_or(0.0),
            nhiscope["store_s"].as_f64().unwrap_or(0.0),
            nhiscope["build_analyses_store_s"].as_f64().unwrap_or(0.0),
            nhiscope["reload_s"].as_f64().unwrap_or(0.0),
            nhiscope["peak_rss_bytes"].as_f64().unwrap_or(0.0) / 1_048_576.0,
            nhiscope["typical_s"].as_f64().unwrap_or(0.0) * 1e6,
            nhiscope["typical_reach"],
            nhiscope["hub_s"].as_f64().unwrap_or(0.0) * 1e3,
            nhiscope["hub_reach"],
        );
    }
}

use std::path::Path;

use jiff::Timestamp;
use nhiscope_model::{
    CredentialType, Edge, EdgeKind, Finding, FindingFingerprint, IdentityType, Inventory, Location,
    Node, NodeId, NodeKind, Provenance, Redacted, ScanId, ScanRecord, ScanStatus, Severity,
    Skipped, SourceError, SourceSummary, SourceType,
};
use serde_json::json;

use crate::{AccessGraph, ScanSelector, Store, StoreError};

/// A tool version that makes `write_scan` fail after writing, before commit.
pub(crate) const FAIL_BEFORE_COMMIT: &str = "fail-before-commit";

fn at(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp")
}

fn record(started: &str, tool_version: &str) -> ScanRecord {
    ScanRecord {
        id: ScanId::new(at(started)),
        number: None,
        started_at: at(started),
        finished_at: at(started),
        tool_version: tool_version.into(),
        status: ScanStatus::Incomplete,
        sources: vec![SourceSummary {
            collector: "fs".into(),
            targets: vec!["repo".into()],
            succeeded: true,
            items_scanned: 12,
            duration_ms: 34,
            objects_read: Default::default(),
        }],
        errors: vec![SourceError {
            collector: "fs".into(),
            location: Some("repo/locked".into()),
            message: "cannot read repo/locked: permission denied".into(),
            fatal: false,
        }],
        skipped: vec![Skipped {
            collector: "fs".into(),
            location: "repo/logo.png".into(),
            reason: "binary".into(),
            size: Some(2048),
        }],
    }
}

fn inventory() -> Inventory {
    let mut inventory = Inventory::new();
    let user_kind = NodeKind::Identity(IdentityType::IamUser);
    let user_id = NodeId::new("aws", &user_kind, "arn:aws:iam::123456789012:user/ci");
    let mut user = Node::new(user_id.clone(), user_kind, "ci", "aws", "aws");
    user.native_id = Some("AIDAEXAMPLEUSERID".into());
    user.scope = Some("123456789012".into());
    user.timestamps.created_at = Some(at("2023-01-02T03:04:05.123456Z"));
    user.timestamps.last_used_at = Some(at("2026-11-01T00:00:00Z"));
    user.labels.insert("team".into(), "platform".into());
    user.attributes.insert("path".into(), json!("/service/"));
    user.attributes.insert("mfa".into(), json!(false));
    inventory.add_node(user);

    let key_kind = NodeKind::Credential(CredentialType::AccessKey);
    let secret = Redacted::new(b"AKIAUJZDEGXDNCF32EPF");
    let key_id = NodeId::from_fingerprint("aws", &key_kind, &secret.fingerprint());
    let mut key = Node::new(key_id.clone(), key_kind, "AWS access key ID", "aws", "fs");
    key.secret = Some(secret.clone());
    key.timestamps.expires_at = Some(at("2027-01-01T00:00:00Z"));
    key.timestamps.rotated_at = Some(at("2025-01-01T00:00:00Z"));
    inventory.add_node(key);

    let source_kind = NodeKind::Source(SourceType::Directory);
    let source_id = NodeId::new("local", &source_kind, "/repo");
    inventory.add_node(Node::new(
        source_id.clone(),
        source_kind,
        "repo",
        "local",
        "fs",
    ));

    let mut exposed = Edge::new(key_id.clone(), EdgeKind::ExposedIn, source_id.clone());
    exposed.attributes.insert("line".into(), json!(3));
    inventory.add_edge(exposed);
    inventory.add_edge(Edge::new(user_id.clone(), EdgeKind::Holds, key_id.clone()));
    // An edge to a node nobody collected.
    inventory.add_edge(Edge::new(
        user_id.clone(),
        EdgeKind::CanAssume,
        NodeId::from_stored("aws:iam_role:arn:aws:iam::210987654321:role/other"),
    ));

    inventory.add_finding(Finding {
        fingerprint: FindingFingerprint::derive("aws-access-key-id", &["config.ini"]),
        rule_id: "aws-access-key-id".into(),
        severity: Severity::High,
        title: "AWS access key ID exposed in a file".into(),
        message: "AWS access key ID `AKIA…2EPF` found in repo/config.ini:3:21.".into(),
        nodes: vec![key_id, source_id],
        location: Location::File {
            path: "repo/config.ini".into(),
            line: 3,
            column: 21,
            end_line: 3,
            end_column: 41,
            commit: None,
            snippet: Some("aws_access_key_id = AKIA…2EPF".into()),
        },
        remediation: "Deactivate it.".into(),
        evidence: Some(secret),
        tags: vec!["aws".into(), "exposed".into()],
        provenance: Some(Provenance {
            commit: "5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c".into(),
            author: "Dev <dev@example.org>".into(),
            date: at("2025-06-01T12:00:00Z"),
            path: "config.ini".into(),
            commits: 4,
            paths: 2,
        }),
        risk: None,
    });
    inventory.add_finding(Finding {
        fingerprint: FindingFingerprint::derive("aws-user-unrotated", &["ci"]),
        rule_id: "aws-user-unrotated".into(),
        severity: Severity::Critical,
        title: "t".into(),
        message: "m".into(),
        nodes: vec![user_id],
        location: Location::Resource {
            provider: "aws".into(),
            scope: Some("123456789012".into()),
            resource: "arn:aws:iam::123456789012:user/ci".into(),
            export_file: Some("authz.json".into()),
        },
        remediation: "r".into(),
        evidence: None,
        tags: vec![],
        provenance: None,
        risk: None,
    });
    inventory
}

#[test]
fn a_scan_round_trips_through_the_store_and_the_graph() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested/store.duckdb");
    let mut store = Store::open_or_create(&path).expect("creates");
    let written = record("2026-11-25T10:00:00Z", "0.1.0");
    let inventory = inventory();
    assert_eq!(
        store
            .write_scan(&written, &inventory, None)
            .expect("writes"),
        1
    );
    drop(store);

    let store = Store::open_read_only(&path).expect("opens");
    let read = store.resolve(&ScanSelector::Latest).expect("a scan");
    assert_eq!(
        read,
        ScanRecord {
            number: Some(1),
            ..written
        }
    );
    let loaded = store.load_inventory(&read.id).expect("loads");
    assert_eq!(loaded, inventory);

    let graph = AccessGraph::from_inventory(&loaded);
    assert_eq!(graph.node_count(), 3);
    assert_eq!(graph.edge_count(), 2);
    assert_eq!(graph.dangling().len(), 1);
    let mut without_findings = inventory.clone();
    without_findings = {
        let mut copy = Inventory::new();
        for node in without_findings.nodes() {
            copy.add_node(node.clone());
        }
        for edge in without_findings.edges() {
            copy.add_edge(edge.clone());
        }
        copy
    };
    assert_eq!(graph.to_inventory(), without_findings);
    let user = NodeId::new(
        "aws",
        &NodeKind::Identity(IdentityType::IamUser),
        "arn:aws:iam::123456789012:user/ci",
    );
    let held: Vec<&str> = graph
        .outgoing(&user)
        .iter()
        .map(|(edge, node)| {
            assert_eq!(edge.kind, EdgeKind::Holds);
            node.name.as_str()
        })
        .collect();
    assert_eq!(held, ["AWS access key ID"]);
}

#[test]
fn scans_are_appended_and_selected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.duckdb");
    let mut store = Store::open_or_create(&path).expect("creates");
    let first = record("2026-11-25T10:00:00Z", "0.1.0");
    let second = record("2026-11-25T11:00:00Z", "0.1.0");
    store
        .write_scan(&first, &inventory(), None)
        .expect("writes");
    assert_eq!(
        store
            .write_scan(&second, &Inventory::new(), None)
            .expect("writes"),
        2
    );
    let listing = store.scans().expect("lists");
    assert_eq!(listing.len(), 2);
    assert_eq!(listing[0].nodes, 3);
    assert_eq!(listing[0].findings.critical, 1);
    assert_eq!(listing[1].nodes, 0);
    assert_eq!(listing[1].findings.total(), 0);
    assert_eq!(listing[0].record.errors.len(), 1);
    assert_eq!(listing[0].record.skipped.len(), 1);

    assert_eq!(
        store.resolve(&ScanSelector::Latest).expect("latest").id,
        second.id
    );
    assert_eq!(
        store.resolve(&ScanSelector::Number(1)).expect("#1").id,
        first.id
    );
    let prefix = first.id.to_string()[..30].to_string();
    let by_prefix: ScanSelector = prefix.parse().expect("a prefix");
    assert_eq!(store.resolve(&by_prefix).expect("prefix").id, first.id);
    let error = store.resolve(&ScanSelector::Number(7)).expect_err("no #7");
    assert!(error.to_string().starts_with("no scan #7 in "), "{error}");
    assert!("no-such".parse::<ScanSelector>().is_err());
}

#[test]
fn a_failed_write_leaves_earlier_scans_intact() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.duckdb");
    let mut store = Store::open_or_create(&path).expect("creates");
    store
        .write_scan(&record("2026-11-25T10:00:00Z", "0.1.0"), &inventory(), None)
        .expect("writes");
    let failing = record("2026-11-25T11:00:00Z", FAIL_BEFORE_COMMIT);
    store
        .write_scan(&failing, &inventory(), None)
        .expect_err("injected failure");
    drop(store);
    let store = Store::open_read_only(&path).expect("opens");
    let listing = store.scans().expect("lists");
    assert_eq!(listing.len(), 1);
    assert_eq!(listing[0].nodes, 3);
    let orphans: i64 = store
        .conn
        .query_row(
            "SELECT count(*) FROM nodes WHERE scan_id = ?",
            [failing.id.to_string()],
            |row| row.get(0),
        )
        .expect("counts");
    assert_eq!(orphans, 0);
}

fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("readable")
}

#[test]
fn another_schema_version_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.duckdb");
    drop(Store::open_or_create(&path).expect("creates"));
    {
        let conn = duckdb::Connection::open(&path).expect("opens");
        conn.execute(
            "UPDATE schema_version SET version = 99, written_by = 'nhiscope 9.0.0'",
            [],
        )
        .expect("updates");
    }
    let before = file_bytes(&path);
    for result in [Store::open_or_create(&path), Store::open_read_only(&path)] {
        let error = result.expect_err("refused");
        assert!(matches!(error, StoreError::SchemaVersion { found: 99, .. }));
        let text = error.to_string();
        assert!(
            text.contains("has schema version 99 and this nhiscope reads version 3")
                && text.contains("nhiscope 9.0.0")
                && !text.contains('\n'),
            "{text}"
        );
    }
    assert_eq!(file_bytes(&path), before);
}

#[test]
fn files_that_are_not_stores_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let other = dir.path().join("other.duckdb");
    {
        let conn = duckdb::Connection::open(&other).expect("opens");
        conn.execute_batch("CREATE TABLE t (x INTEGER)")
            .expect("creates");
    }
    let error = Store::open_or_create(&other).expect_err("not a store");
    assert!(matches!(error, StoreError::NotAStore { .. }), "{error}");

    let garbage = dir.path().join("garbage.duckdb");
    std::fs::write(&garbage, "this is not a database\n".repeat(200)).expect("writes");
    let before = file_bytes(&garbage);
    let error = Store::open_or_create(&garbage).expect_err("not a database");
    assert!(matches!(error, StoreError::Open { .. }), "{error}");
    assert!(!error.to_string().contains('\n'));
    assert_eq!(file_bytes(&garbage), before);

    let error = Store::open_read_only(&dir.path().join("missing.duckdb")).expect_err("missing");
    assert!(error.to_string().starts_with("no store at "), "{error}");
}

/// A store at `path` holding one scan of [`inventory`] with its graph and
/// analyses: the store, the graph, the analyses and the scan.
fn stored_graph(path: &std::path::Path) -> (Store, crate::Graph, crate::Analysis, ScanRecord) {
    let mut store = Store::open_or_create(path).expect("creates");
    let inventory = inventory();
    let graph = crate::graph_of(&inventory, &[]);
    let analysis = crate::analyse(
        &graph,
        &crate::AnalysisSettings::new(at("2026-11-25T10:00:00Z")),
    );
    let written = record("2026-11-25T10:00:00Z", "0.1.0");
    let results = crate::GraphResults {
        graph: &graph,
        analysis: &analysis,
    };
    store
        .write_scan(&written, &inventory, Some(results))
        .expect("writes");
    (store, graph, analysis, written)
}

#[test]
fn a_scan_stored_with_its_graph_reads_back_the_same_inventory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, graph, analysis, written) = stored_graph(&dir.path().join("store.duckdb"));
    // The inventory's dangling edge points at a node that is not in the
    // graph: its row keeps both ends by id.
    assert_eq!(graph.dangling_edges(), 1);
    assert_eq!(
        store.load_inventory(&written.id).expect("loads"),
        inventory()
    );
    let rows: Vec<(String, String, String)> = {
        let mut statement = store
            .conn
            .prepare("SELECT src, kind, dst FROM edges ORDER BY ALL")
            .expect("prepares");
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .and_then(|rows| rows.collect())
            .expect("reads")
    };
    let mut expected: Vec<(String, String, String)> = inventory()
        .edges()
        .map(|e| {
            (
                e.from.to_string(),
                e.kind.as_str().to_string(),
                e.to.to_string(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(rows, expected);
    let analysed: i64 = store
        .conn
        .query_row(
            "SELECT count(*) FROM node_analysis WHERE node_id IS NOT NULL",
            [],
            |row| row.get(0),
        )
        .expect("counts");
    assert_eq!(analysed, analysis.scores.len() as i64);
}

#[test]
fn the_graph_and_its_analyses_are_stored_and_reloaded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.duckdb");
    let (store, graph, analysis, written) = stored_graph(&path);
    drop(store);

    let store = Store::open_read_only(&path).expect("opens");
    let reloaded = store.load_graph(&written.id).expect("reloads");
    assert_eq!(reloaded.node_count(), graph.node_count());
    assert_eq!(reloaded.edge_count(), graph.edge_count());
    for node in graph.nodes() {
        assert_eq!(reloaded.id(node), graph.id(node));
        assert_eq!(reloaded.facts(node), graph.facts(node));
        assert_eq!(reloaded.outgoing(node), graph.outgoing(node));
    }
    let scored = &analysis.scores[0];
    let stored = store
        .score(&written.id, graph.id(scored.node))
        .expect("reads")
        .expect("a stored score");
    assert_eq!(stored.risk, i64::from(scored.risk));
    assert_eq!(
        stored.factors,
        crate::factor_names(scored.factors)
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
    );
    let rows: i64 = store
        .conn
        .query_row("SELECT count(*) FROM latest_risk", [], |row| row.get(0))
        .expect("the view works");
    assert_eq!(rows, analysis.scores.len() as i64);
}

#[test]
fn a_graph_reloads_from_rows_out_of_order_and_a_damaged_index_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, graph, _, written) = stored_graph(&dir.path().join("store.duckdb"));
    // Rewritten by hand in reverse order: read as stored, the indices do
    // not come in order, so the nodes are read again sorted.
    store
        .conn
        .execute_batch(
            "CREATE TABLE shuffled AS SELECT * FROM node_rows ORDER BY idx DESC; \
             DELETE FROM node_rows; INSERT INTO node_rows SELECT * FROM shuffled; DROP TABLE shuffled;",
        )
        .expect("rewrites");
    let reloaded = store.load_graph(&written.id).expect("reloads");
    assert_eq!(reloaded.node_count(), graph.node_count());
    for node in graph.nodes() {
        assert_eq!(reloaded.id(node), graph.id(node));
        assert_eq!(reloaded.facts(node), graph.facts(node));
        assert_eq!(reloaded.outgoing(node), graph.outgoing(node));
    }
    // Two nodes with one id: named, not a graph with a node missing.
    store
        .conn
        .execute_batch(
            "UPDATE node_rows SET id = (SELECT id FROM node_rows WHERE idx = 0) WHERE idx = 1",
        )
        .expect("damages");
    let error = store.load_graph(&written.id).expect_err("damaged");
    assert!(error.to_string().contains("a node id twice"), "{error}");
    // Two nodes with one index: named, not a panic or a wrong graph.
    store
        .conn
        .execute_batch("UPDATE node_rows SET idx = 0 WHERE idx = 1")
        .expect("damages");
    let error = store.load_graph(&written.id).expect_err("damaged");
    assert!(error.to_string().contains("not dense"), "{error}");
    assert!(!error.to_string().contains('\n'));
}

#[test]
fn a_schema_1_store_is_upgraded_and_keeps_its_scans() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.duckdb");
    {
        let conn = duckdb::Connection::open(&path).expect("opens");
        conn.execute_batch(include_str!("testdata/schema-v1.sql"))
            .expect("the old schema");
        conn.execute_batch(
            "INSERT INTO schema_version VALUES (1, 'nhiscope 0.0.9'); \
             INSERT INTO scans VALUES ('0193a5f0-0000-7000-8000-000000000000', 1, \
               TIMESTAMP '2026-11-01 10:00:00', TIMESTAMP '2026-11-01 10:00:01', '0.0.9', 'complete', '[]'); \
             INSERT INTO nodes VALUES ('0193a5f0-0000-7000-8000-000000000000', 'generic:directory:/repo', \
               'source', 'directory', '/repo', 'generic', NULL, NULL, 'fs', NULL, NULL, NULL, NULL, '{}', '{}', NULL, NULL, NULL);",
        )
        .expect("an old scan");
    }
    // Read-only commands upgrade it too.
    let store = Store::open_read_only(&path).expect("upgrades and opens");
    let scan = store.resolve(&ScanSelector::Latest).expect("the old scan");
    let inventory = store.load_inventory(&scan.id).expect("loads");
    assert_eq!(inventory.nodes().len(), 1);
    let graph = store
        .load_graph(&scan.id)
        .expect("rebuilt from the inventory");
    assert_eq!(graph.node_count(), 1);
    let version: i64 = store
        .conn
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .expect("a version");
    assert_eq!(version, crate::SCHEMA_VERSION);
}

#[test]
fn a_schema_2_store_is_upgraded_and_its_views_show_the_same_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.duckdb");
    let scan = "0193a5f0-0000-7000-8000-000000000000";
    {
        let conn = duckdb::Connection::open(&path).expect("opens");
        conn.execute_batch(include_str!("testdata/schema-v1.sql"))
            .expect("the old schema");
        conn.execute_batch(include_str!("migrations/1-to-2.sql"))
            .expect("schema 2");
        conn.execute_batch(&format!(
            "INSERT INTO schema_version VALUES (2, 'nhiscope 0.1.0'); \
             INSERT INTO scans VALUES ('{scan}', 1, TIMESTAMP '2026-11-01 10:00:00', \
               TIMESTAMP '2026-11-01 10:00:01', '0.1.0', 'complete', '[]'); \
             INSERT INTO nodes VALUES \
               ('{scan}', 'aws:iam_user:arn:aws:iam::1:user/ci', 'identity', 'iam_user', 'ci', 'aws', \
                'AIDA1', '1', 'aws', TIMESTAMP '2025-01-01 00:00:00', NULL, TIMESTAMP '2027-01-01 00:00:00', NULL, \
                '{{\"team\":\"ci\"}}', '{{\"path\":\"/\"}}', NULL, NULL, NULL, 0, 2), \
               ('{scan}', 'aws:access_key:AKIA1', 'credential', 'access_key', 'AKIA1', 'aws', \
                NULL, NULL, 'files', NULL, NULL, NULL, NULL, '{{}}', '{{}}', 'ab12', 'AKIA****', 20, 1, 1); \
             INSERT INTO edges VALUES \
               ('{scan}', 'aws:access_key:AKIA1', 'authenticates_as', 'aws:iam_user:arn:aws:iam::1:user/ci', '{{}}', 1, 0), \
               ('{scan}', 'aws:iam_user:arn:aws:iam::1:user/ci', 'can_assume', 'aws:iam_role:arn:aws:iam::1:role/stub', \
                '{{\"via\":\"trust\"}}', 0, 2); \
             INSERT INTO node_analysis VALUES \
               ('{scan}', 'aws:access_key:AKIA1', 1, 80, ['exposed', 'admin'], 3, false, \
                'aws:iam_role:arn:aws:iam::1:role/stub', 2), \
               ('{scan}', 'aws:iam_role:arn:aws:iam::1:role/stub', 2, 10, [], 1, false, NULL, NULL);"
        ))
        .expect("a schema 2 scan");
    }
    let text = |conn: &duckdb::Connection, sql: &str| -> Vec<String> {
        let mut statement = conn.prepare(sql).expect("prepares");
        statement
            .query_map([], |row| row.get::<_, String>(0))
            .and_then(|rows| rows.collect())
            .expect("reads")
    };
    let columns = |table: &str| {
        format!(
            "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '{table}'"
        )
    };
    let (before_nodes, before_edges, before_analysis, before_columns) = {
        let conn = duckdb::Connection::open(&path).expect("opens");
        (
            text(&conn, "SELECT nodes::VARCHAR FROM nodes ORDER BY id"),
            text(&conn, "SELECT edges::VARCHAR FROM edges ORDER BY src, dst"),
            text(
                &conn,
                "SELECT node_analysis::VARCHAR FROM node_analysis ORDER BY node_id",
            ),
            ["nodes", "edges", "node_analysis"].map(|table| text(&conn, &columns(table))),
        )
    };
    let store = Store::open_or_create(&path).expect("upgrades");
    assert_eq!(
        text(&store.conn, "SELECT nodes::VARCHAR FROM nodes ORDER BY id"),
        before_nodes
    );
    assert_eq!(
        text(
            &store.conn,
            "SELECT edges::VARCHAR FROM edges ORDER BY src, dst"
        ),
        before_edges
    );
    assert_eq!(
        text(
            &store.conn,
            "SELECT node_analysis::VARCHAR FROM node_analysis ORDER BY node_id"
        ),
        before_analysis
    );
    assert_eq!(
        ["nodes", "edges", "node_analysis"].map(|table| text(&store.conn, &columns(table))),
        before_columns
    );
    // Only what cannot be found by index is kept as text.
    let refs = text(
        &store.conn,
        "SELECT concat_ws('|', src, dst, node_ref, target_ref) FROM \
         (SELECT details->>'src' AS src, details->>'dst' AS dst, NULL AS node_ref, NULL AS target_ref \
          FROM edge_rows UNION ALL SELECT NULL, NULL, node_ref, target_ref FROM analysis_rows) ORDER BY 1",
    );
    assert_eq!(
        refs,
        [
            "",
            "aws:iam_role:arn:aws:iam::1:role/stub",
            "aws:iam_role:arn:aws:iam::1:role/stub",
            "aws:iam_role:arn:aws:iam::1:role/stub"
        ]
    );
    let id = ScanId::parse(scan).expect("a scan id");
    let score = store
        .score(&id, "aws:access_key:AKIA1")
        .expect("reads")
        .expect("a score");
    assert_eq!(score.factors, ["exposed", "admin"]);
    assert_eq!(
        score.target.as_deref(),
        Some("aws:iam_role:arn:aws:iam::1:role/stub")
    );
}

//! The access graph end to end on the demo estate: correlation across
//! collectors (a leaked key that is live, one that was rotated), risk
//! ordering, and the graph commands (blast-radius, path, query, graph).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Run, Scratch, demo_estate, json, run};

fn aws_exports() -> PathBuf {
    demo_estate().join("exports/aws")
}

/// Scans the whole demo estate (files, cluster, AWS) into the scratch store.
fn scan_demo(scratch: &Scratch) -> Value {
    let result = run(scratch
        .nhiscope()
        .args(["scan", "-q", "--as-of", "2026-11-20", "-f", "json"])
        .arg(demo_estate())
        .arg("--aws-export")
        .arg(aws_exports()));
    assert_eq!(result.code, 0, "{}", result.stderr);
    json(&result)
}

fn nhiscope(scratch: &Scratch, args: &[&str]) -> Run {
    run(scratch.nhiscope().args(args))
}

#[test]
fn a_leaked_key_that_is_live_is_correlated_and_ranked_first() {
    let scratch = Scratch::new();
    let report = scan_demo(&scratch);
    let findings = report["findings"].as_array().expect("findings");
    let correlated: Vec<&Value> = findings
        .iter()
        .filter(|f| {
            f["rule_id"]
                .as_str()
                .is_some_and(|r| r.starts_with("exposed-credential-"))
        })
        .collect();
    let of = |path_end: &str| -> &Value {
        correlated
            .iter()
            .copied()
            .find(|f| {
                f["location"]["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with(path_end))
            })
            .unwrap_or_else(|| panic!("no correlation finding in {path_end}: {correlated:#?}"))
    };
    let settings = of("config/settings.py");
    assert_eq!(settings["rule_id"], "exposed-credential-live");
    assert_eq!(settings["severity"], "critical");
    assert!(
        settings["message"].as_str().is_some_and(|m| m.contains(
            "is active in AWS account 210987654321, authenticating as IAM user payments-ci"
        )),
        "{settings}"
    );
    // The key in the cluster's Secret, and the export that holds it, is
    // legacy-reporting's: an admin key.
    let export = correlated
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("legacy-reporting"))
        })
        .expect("the cluster's static key is legacy-reporting's");
    assert_eq!(export["rule_id"], "exposed-credential-live");
    let rotated = of("deploy/release.sh");
    assert_eq!(rotated["rule_id"], "exposed-credential-revoked");
    assert_eq!(rotated["severity"], "info");

    // One node for the leaked key: the live key, with the exposure's
    // redacted value and its place.
    let nodes = report["inventory"]["nodes"].as_array().expect("nodes");
    let key = nodes
        .iter()
        .find(|n| n["id"] == "aws:access_key:AKIACBSLFPR3UPXXRUBU")
        .expect("the live key");
    assert_eq!(key["secret"]["preview"], "AKIA…RUBU");
    assert!(!nodes.iter().any(|n| {
        n["type"] == "access_key"
            && n["id"].as_str().is_some_and(|id| id.contains(":sha256:"))
            && n["secret"]["preview"] == "AKIA…RUBU"
    }));

    // Findings come ordered by risk, and every one has it.
    let risks: Vec<u64> = findings
        .iter()
        .map(|f| f["risk"].as_u64().expect("a risk"))
        .collect();
    assert!(risks.windows(2).all(|w| w[0] >= w[1]), "{risks:?}");
    assert!(risks[0] >= 90, "{risks:?}");
}

#[test]
fn blast_radius_path_and_query_answer_from_the_store() {
    let scratch = Scratch::new();
    scan_demo(&scratch);

    let radius = nhiscope(
        &scratch,
        &["blast-radius", "AKIAXQIUQF7OIJKXP3ZY", "-f", "json"],
    );
    assert_eq!(radius.code, 0, "{}", radius.stderr);
    let radius = json(&radius);
    assert_eq!(radius["node"], "aws:access_key:AKIAXQIUQF7OIJKXP3ZY");
    let admin = radius["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["name"] == "AdministratorAccess")
        .expect("the key reaches AdministratorAccess");
    assert_eq!(admin["admin"], true);
    let vias: Vec<&str> = admin["path"]
        .as_array()
        .expect("a path")
        .iter()
        .filter_map(|s| s["via"].as_str())
        .collect();
    assert_eq!(vias, ["authenticates_as", "has_permission"]);
    assert!(
        radius["factors"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f == "exposed-live"))
    );
    let text = nhiscope(&scratch, &["blast-radius", "AKIAXQIUQF7OIJKXP3ZY"]);
    assert!(
        text.stdout.contains("admin-equivalent: AKIAXQIUQF7OIJKXP3ZY of legacy-reporting (access_key) -authenticates_as-> legacy-reporting (iam_user) -has_permission-> AdministratorAccess (policy)"),
        "{}",
        text.stdout
    );

    let path = nhiscope(
        &scratch,
        &[
            "path",
            "AKIAXQIUQF7OIJKXP3ZY",
            "arn:aws:iam::aws:policy/AdministratorAccess",
        ],
    );
    assert_eq!(path.code, 0, "{}", path.stderr);
    assert!(path.stdout.starts_with("2 edge(s):"), "{}", path.stdout);
    let none = nhiscope(
        &scratch,
        &[
            "path",
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "AKIAXQIUQF7OIJKXP3ZY",
        ],
    );
    assert_eq!(none.code, 1, "no path is exit 1: {}", none.stdout);
    assert!(none.stdout.starts_with("No access path"), "{}", none.stdout);
    let ambiguous = nhiscope(
        &scratch,
        &["path", "payments/payments-api", "AKIAXQIUQF7OIJKXP3ZY"],
    );
    assert_eq!(ambiguous.code, 2);
    assert!(ambiguous.stderr.contains("names"), "{}", ambiguous.stderr);

    let query = nhiscope(
        &scratch,
        &[
            "query",
            "SELECT node_id, risk, list_contains(factors, 'exposed-live') AS live FROM latest_risk ORDER BY risk DESC, node_id LIMIT 3",
            "-f",
            "json",
        ],
    );
    assert_eq!(query.code, 0, "{}", query.stderr);
    let rows = json(&query);
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|row| row["live"] == true), "{rows:#?}");
    let csv = nhiscope(
        &scratch,
        &[
            "query",
            "SELECT rule_id, count(*) AS n FROM latest_findings WHERE rule_id LIKE 'exposed-%' GROUP BY ALL ORDER BY 1",
            "-f",
            "csv",
        ],
    );
    assert_eq!(
        csv.stdout,
        "rule_id,n\nexposed-credential-live,3\nexposed-credential-revoked,1\n"
    );
    let write = nhiscope(&scratch, &["query", "DELETE FROM findings"]);
    assert_eq!(write.code, 2, "the store is opened read-only");
    assert!(
        !write.stderr.contains('\n') || write.stderr.lines().count() == 1,
        "{}",
        write.stderr
    );
}

fn dot_installed() -> bool {
    std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn neighbourhoods_export_for_graphviz_gephi_and_browsers() {
    let scratch = Scratch::new();
    scan_demo(&scratch);
    let around = ["--around", "AKIAXQIUQF7OIJKXP3ZY", "--depth", "2"];
    let dot = nhiscope(&scratch, &[&["graph", "-f", "dot"][..], &around].concat());
    assert_eq!(dot.code, 0, "{}", dot.stderr);
    assert!(dot.stdout.starts_with("digraph nhiscope {"));
    assert!(
        dot.stdout.contains("legacy-reporting\\n(iam_user)"),
        "{}",
        dot.stdout
    );
    assert!(
        dot.stdout.contains("penwidth=3"),
        "the center is drawn bold"
    );
    let graphml = nhiscope(
        &scratch,
        &[&["graph", "-f", "graphml"][..], &around].concat(),
    );
    assert!(graphml.stdout.contains("<graphml"));
    let listing = nhiscope(&scratch, &[&["graph", "-f", "json"][..], &around].concat());
    let listing = json(&listing);
    assert!(
        listing["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .any(|e| e["kind"] == "authenticates_as")
    );

    assert!(
        dot_installed(),
        "Graphviz's `dot` is not installed: scripts/test installs it (apt-get install graphviz)"
    );
    let svg = scratch.path().join("around.svg");
    let drawn = run(scratch.nhiscope().args(
        [
            &["graph", "-f", "svg", "-o"][..],
            &[svg.to_str().expect("utf-8")],
            &around,
        ]
        .concat(),
    ));
    assert_eq!(drawn.code, 0, "{}", drawn.stderr);
    let text = std::fs::read_to_string(&svg).expect("an SVG");
    assert!(text.contains("<svg"), "{text}");
    assert!(
        text.contains("legacy&#45;reporting"),
        "dot escapes the dash"
    );

    // Without Graphviz, the error says how to get it.
    let empty = scratch.path().join("no-tools");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let missing = run(scratch
        .nhiscope()
        .env("PATH", &empty)
        .args([&["graph", "-f", "svg"][..], &around].concat()));
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("apt-get install graphviz"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_store_of_the_previous_schema_is_upgraded_in_place() {
    // A store written by the previous release (schema 1) is read by this
    // one after an automatic upgrade; its scans keep their findings.
    let scratch = Scratch::new();
    let old = Path::new(env!("CARGO_MANIFEST_DIR")).join("graph/src/testdata/schema-v1.sql");
    let db = scratch.db();
    {
        let conn = duckdb::Connection::open(&db).expect("creates");
        conn.execute_batch(&std::fs::read_to_string(old).expect("the old schema"))
            .expect("applies");
        conn.execute_batch(
            "INSERT INTO schema_version VALUES (1, 'nhiscope 0.0.9'); \
             INSERT INTO scans VALUES ('0193a5f0-0000-7000-8000-000000000000', 1, \
               TIMESTAMP '2026-11-01 10:00:00', TIMESTAMP '2026-11-01 10:00:01', '0.0.9', 'complete', '[]');",
        )
        .expect("an old scan");
    }
    let scans = nhiscope(&scratch, &["scans", "-f", "json"]);
    assert_eq!(scans.code, 0, "{}", scans.stderr);
    assert_eq!(json(&scans).as_array().map(Vec::len), Some(1));
    let after = scan_demo(&scratch);
    assert_eq!(after["scan"]["number"], 2);
}

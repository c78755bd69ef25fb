//! Writing a scan: one transaction, appenders for the bulk tables.

use duckdb::{
    Appender, Transaction, params,
    types::{TimeUnit, Value},
};
use jiff::Timestamp;
use nhiscope_model::{Finding, Inventory, Location, NodeId, ScanRecord};

use crate::{
    Analysis, Graph, NodeIndex, Store, StoreError,
    columns::{
        AnalysisRow, EdgeRow, NodeRow, PathRow, append_analysis, append_edges, append_nodes,
        append_paths,
    },
    compact::{kind_code, node_kind_code},
};

/// The access graph of a scan and what the analyses concluded, stored with it.
#[derive(Clone, Copy, Debug)]
pub struct GraphResults<'a> {
    /// The graph (built from the scan's inventory).
    pub graph: &'a Graph,
    /// Its analysis.
    pub analysis: &'a Analysis,
}

impl Store {
    /// Writes a scan, its inventory and (when given) its graph analyses in
    /// one transaction and returns the scan's number in this store. If
    /// anything fails (or the process dies) before the commit, the store is
    /// as it was.
    pub fn write_scan(
        &mut self,
        record: &ScanRecord,
        inventory: &Inventory,
        graph: Option<GraphResults<'_>>,
    ) -> Result<u64, StoreError> {
        let path = self.path.clone();
        let database = |error: duckdb::Error| StoreError::Database {
            path: path.clone(),
            message: crate::error::one_line(&error),
        };
        let tx = self.conn.transaction().map_err(database)?;
        let number = write_all(&tx, record, inventory, graph).map_err(database)?;
        #[cfg(test)]
        if record.tool_version == crate::tests::FAIL_BEFORE_COMMIT {
            // Dropping the transaction rolls it back, as a crash would.
            return Err(StoreError::Database {
                path,
                message: "injected failure before commit".into(),
            });
        }
        tx.commit().map_err(database)?;
        Ok(number)
    }

    /// Writes a scan that exists only as a graph (a synthetic estate of the
    /// benchmarks): its nodes, edges, analyses and `findings`, in one
    /// transaction.
    pub fn write_graph(
        &mut self,
        record: &ScanRecord,
        results: GraphResults<'_>,
        findings: impl Iterator<Item = Finding>,
    ) -> Result<u64, StoreError> {
        let path = self.path.clone();
        let database = |error: duckdb::Error| StoreError::Database {
            path: path.clone(),
            message: crate::error::one_line(&error),
        };
        let tx = self.conn.transaction().map_err(database)?;
        let number = write_record(&tx, record).map_err(database)?;
        let scan_id = record.id.to_string();
        let graph = results.graph;
        // Every node of a synthetic estate is stored, with no details.
        append_nodes(
            &tx,
            &scan_id,
            &["details"],
            graph.nodes().map(|node| {
                let id = graph.id(node);
                let facts = graph.facts(node);
                let provider = id.split(':').next().unwrap_or(id);
                NodeRow {
                    idx: Some(node as i32),
                    id,
                    kind_code: node_kind_code(facts.kind),
                    name: graph.name(node),
                    provider,
                    collector: "synthetic",
                    times: [
                        seconds_to_micros(facts.created_at),
                        seconds_to_micros(facts.last_used_at),
                    ],
                    flags: Some(facts.flags),
                    details: None,
                }
            }),
        )
        .map_err(database)?;
        append_edges(
            &tx,
            &scan_id,
            &["details"],
            graph.nodes().flat_map(|from| {
                let (targets, kinds) = graph.outgoing(from);
                targets.iter().zip(kinds).map(move |(&to, &code)| EdgeRow {
                    from_idx: Some(from as i32),
                    kind_code: code,
                    to_idx: Some(to as i32),
                    details: None,
                })
            }),
        )
        .map_err(database)?;
        write_analysis(&tx, &scan_id, results, None).map_err(database)?;
        let mut appender = tx.appender("findings").map_err(database)?;
        for finding in findings {
            append_finding(&mut appender, &scan_id, &finding).map_err(database)?;
        }
        appender.flush().map_err(database)?;
        drop(appender);
        tx.commit().map_err(database)?;
        Ok(u64::try_from(number).unwrap_or(0))
    }
}

fn seconds_to_micros(seconds: i64) -> Option<i64> {
    (seconds != i64::MIN).then(|| seconds.saturating_mul(1_000_000))
}

fn write_record(tx: &Transaction<'_>, record: &ScanRecord) -> duckdb::Result<i64> {
    let number: i64 = tx.query_row(
        "SELECT coalesce(max(number), 0) + 1 FROM scans",
        [],
        |row| row.get(0),
    )?;
    let scan_id = record.id.to_string();
    tx.execute(
        "INSERT INTO scans (id, number, started_at, finished_at, tool_version, status, sources) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        params![
            scan_id,
            number,
            timestamp(Some(record.started_at)),
            timestamp(Some(record.finished_at)),
            record.tool_version,
            record.status.as_str(),
            json(&record.sources),
        ],
    )?;

    let mut errors = tx.appender("source_errors")?;
    for error in &record.errors {
        errors.append_row(params![
            scan_id,
            error.collector,
            error.location,
            error.message,
            error.fatal
        ])?;
    }
    errors.flush()?;

    let mut skipped = tx.appender("skipped")?;
    for item in &record.skipped {
        skipped.append_row(params![
            scan_id,
            item.collector,
            item.location,
            item.reason,
            item.size
                .map(|size| i64::try_from(size).unwrap_or(i64::MAX))
        ])?;
    }
    skipped.flush()?;
    Ok(number)
}

fn write_all(
    tx: &Transaction<'_>,
    record: &ScanRecord,
    inventory: &Inventory,
    graph: Option<GraphResults<'_>>,
) -> duckdb::Result<u64> {
    let number = write_record(tx, record)?;
    let scan_id = record.id.to_string();
    let index = |id: &NodeId| -> Option<i32> {
        graph
            .and_then(|results| results.graph.find(id.as_str()))
            .map(|idx| idx as i32)
    };

    // A graph built from another inventory may hold nodes this one lacks:
    // rows that point at them keep their ids.
    let indices: Vec<Option<i32>> = inventory.nodes().map(|node| index(&node.id)).collect();
    let mut stored = vec![false; graph.map_or(0, |results| results.graph.node_count())];
    for at in indices.iter().flatten() {
        stored[*at as usize] = true;
    }
    let details: Vec<Option<String>> = inventory.nodes().map(node_details).collect();
    append_nodes(
        tx,
        &scan_id,
        &[],
        inventory
            .nodes()
            .zip(&indices)
            .zip(&details)
            .map(|((node, &idx), details)| NodeRow {
                idx,
                id: node.id.as_str(),
                kind_code: node_kind_code(node.kind),
                name: &node.name,
                provider: &node.provider,
                collector: &node.collector,
                times: [
                    node.timestamps.created_at.map(|t| t.as_microsecond()),
                    node.timestamps.last_used_at.map(|t| t.as_microsecond()),
                ],
                flags: graph
                    .zip(idx)
                    .map(|(results, at)| results.graph.facts(at as NodeIndex).flags),
                details: details.as_deref(),
            }),
    )?;
    let is_stored = |idx: Option<i32>| {
        idx.and_then(|at| stored.get(at as usize).copied())
            .unwrap_or(false)
    };

    let edges: Vec<(Option<i32>, Option<i32>, Option<String>)> = inventory
        .edges()
        .map(|edge| {
            let (from_idx, to_idx) = (index(&edge.from), index(&edge.to));
            let both = from_idx.is_some() && to_idx.is_some();
            let (from_idx, to_idx) = (from_idx.filter(|_| both), to_idx.filter(|_| both));
            let mut details = serde_json::Map::new();
            if !is_stored(from_idx) {
                details.insert("src".into(), edge.from.as_str().into());
            }
            if !is_stored(to_idx) {
                details.insert("dst".into(), edge.to.as_str().into());
            }
            if !edge.attributes.is_empty() {
                details.insert(
                    "attributes".into(),
                    serde_json::to_value(&edge.attributes).expect("attributes serialise"),
                );
            }
            let details =
                (!details.is_empty()).then(|| serde_json::Value::Object(details).to_string());
            (from_idx, to_idx, details)
        })
        .collect();
    append_edges(
        tx,
        &scan_id,
        &[],
        inventory
            .edges()
            .zip(&edges)
            .map(|(edge, (from_idx, to_idx, details))| EdgeRow {
                from_idx: *from_idx,
                kind_code: kind_code(edge.kind),
                to_idx: *to_idx,
                details: details.as_deref(),
            }),
    )?;

    let mut findings = tx.appender("findings")?;
    for finding in inventory.findings() {
        append_finding(&mut findings, &scan_id, finding)?;
    }
    findings.flush()?;
    drop(findings);

    if let Some(results) = graph {
        write_analysis(tx, &scan_id, results, Some(&stored))?;
    }
    Ok(u64::try_from(number).unwrap_or(0))
}

/// The path as stored: `[{"node": id}, {"via": kind, "node": id}, ...]`.
pub(crate) fn path_json(graph: &Graph, steps: &[crate::Step]) -> String {
    let steps: Vec<serde_json::Value> = steps
        .iter()
        .map(|step| match step.via {
            Some(via) => serde_json::json!({"via": via.as_str(), "node": graph.id(step.node)}),
            None => serde_json::json!({"node": graph.id(step.node)}),
        })
        .collect();
    serde_json::to_string(&steps).expect("JSON values serialise")
}

/// Writes the analysis rows and attack paths; `stored` says which graph
/// nodes are stored nodes (the others' ids go in the rows), `None` that all
/// are.
fn write_analysis(
    tx: &Transaction<'_>,
    scan_id: &str,
    results: GraphResults<'_>,
    stored: Option<&[bool]>,
) -> duckdb::Result<()> {
    let graph = results.graph;
    let reference = |node: NodeIndex| {
        stored
            .is_some_and(|stored| !stored.get(node as usize).copied().unwrap_or(false))
            .then(|| graph.id(node))
    };
    let omit: &[&str] = if stored.is_none() {
        &["node_ref", "target_ref"]
    } else {
        &[]
    };
    append_analysis(
        tx,
        scan_id,
        omit,
        results.analysis.scores.iter().map(|score| AnalysisRow {
            idx: score.node as i32,
            risk: i32::from(score.risk),
            factor_bits: i32::from(score.factors),
            reach: i32::try_from(score.reach).unwrap_or(i32::MAX),
            reach_truncated: score.reach_truncated,
            target_idx: score.target.map(|target| target as i32),
            distance: score.distance.map(i32::from),
            node_ref: reference(score.node),
            target_ref: score.target.and_then(reference),
        }),
    )?;
    append_paths(
        tx,
        scan_id,
        results.analysis.paths.iter().map(|path| PathRow {
            source: graph.id(path.source),
            target: graph.id(path.target),
            length: path.steps.len().saturating_sub(1) as i32,
            path: path_json(graph, &path.steps),
        }),
    )
}

/// The details of a node that are not empty, as stored in
/// `node_rows.details` (`None` when there are none).
fn node_details(node: &nhiscope_model::Node) -> Option<String> {
    let mut details = serde_json::Map::new();
    let mut put = |key: &str, value: serde_json::Value| {
        details.insert(key.to_string(), value);
    };
    if let Some(native_id) = &node.native_id {
        put("native_id", native_id.as_str().into());
    }
    if let Some(scope) = &node.scope {
        put("scope", scope.as_str().into());
    }
    if let Some(at) = node.timestamps.expires_at {
        put("expires_at", at.as_microsecond().into());
    }
    if let Some(at) = node.timestamps.rotated_at {
        put("rotated_at", at.as_microsecond().into());
    }
    if !node.labels.is_empty() {
        put(
            "labels",
            serde_json::to_value(&node.labels).expect("labels serialise"),
        );
    }
    if !node.attributes.is_empty() {
        put(
            "attributes",
            serde_json::to_value(&node.attributes).expect("attributes serialise"),
        );
    }
    if let Some(secret) = &node.secret {
        put("secret_fingerprint", secret.fingerprint().to_hex().into());
        put("secret_preview", secret.preview().into());
        put(
            "secret_length",
            i64::try_from(secret.len()).unwrap_or(i64::MAX).into(),
        );
    }
    (!details.is_empty()).then(|| serde_json::Value::Object(details).to_string())
}

fn append_finding(
    appender: &mut Appender<'_>,
    scan_id: &str,
    finding: &Finding,
) -> duckdb::Result<()> {
    let (path, line, resource) = match &finding.location {
        Location::File { path, line, .. } => (Some(path.as_str()), Some(*line), None),
        Location::Resource { resource, .. } => (None, None, Some(resource.as_str())),
    };
    let evidence = finding.evidence.as_ref();
    appender.append_row(params![
        scan_id,
        finding.fingerprint.to_string(),
        finding.rule_id,
        finding.severity.as_str(),
        severity_rank(finding.severity),
        finding.title,
        finding.message,
        json(&finding.nodes),
        json(&finding.location),
        path,
        line,
        resource,
        finding.remediation,
        evidence.map(|e| e.fingerprint().to_hex()),
        evidence.map(|e| e.preview().to_string()),
        evidence.map(|e| i64::try_from(e.len()).unwrap_or(i64::MAX)),
        json(&finding.tags),
        finding.provenance.as_ref().map(json),
        finding.risk.map(i32::from),
    ])
}

/// 4 for critical down to 0 for info, for ordering in SQL.
pub(crate) fn severity_rank(severity: nhiscope_model::Severity) -> i32 {
    use nhiscope_model::Severity;
    match severity {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

fn timestamp(value: Option<Timestamp>) -> Value {
    match value {
        Some(ts) => Value::Timestamp(TimeUnit::Microsecond, ts.as_microsecond()),
        None => Value::Null,
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("model types always serialise to JSON")
}

//! One finding or one node in full, for the Detail pane. Only what the
//! store holds: fingerprints and redacted previews, never a secret.

use jiff::Timestamp;
use nhiscope_graph::factor_names;
use nhiscope_model::{Location, Provenance, Severity};

use super::{Session, scans::severity_of_rank, text, timestamp};
use crate::TuiError;

/// A finding in full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingDetail {
    /// Its `rowid` in the store.
    pub row: i64,
    /// Its fingerprint (hex).
    pub fingerprint: String,
    /// The rule.
    pub rule_id: String,
    /// Its severity.
    pub severity: Severity,
    /// Its risk.
    pub risk: Option<i64>,
    /// The title.
    pub title: String,
    /// The message.
    pub message: String,
    /// What to do.
    pub remediation: String,
    /// The nodes it is about.
    pub node_ids: Vec<String>,
    /// Where it was seen, short.
    pub location: String,
    /// The redacted line, for a file.
    pub snippet: Option<String>,
    /// The export a resource was read from.
    pub export_file: Option<String>,
    /// The secret's redacted preview, fingerprint and length.
    pub evidence: Option<(String, String, i64)>,
    /// Tags.
    pub tags: Vec<String>,
    /// For a secret in git history: the commit that introduced it.
    pub provenance: Option<String>,
}

/// A finding by its `rowid` in the store.
pub fn finding(session: &Session<'_>, row: i64) -> Result<Option<FindingDetail>, TuiError> {
    let mut found = session.rows(
        "SELECT rowid, fingerprint, rule_id, severity_rank, risk, title, message, remediation, \
           node_ids::VARCHAR, location::VARCHAR, evidence_preview, evidence_fingerprint, \
           evidence_length, tags::VARCHAR, provenance::VARCHAR \
         FROM store.findings WHERE rowid = ?",
        &[row.into()],
        |row| {
            let location: String = row.get(9)?;
            let location = serde_json::from_str::<Location>(&location).ok();
            let (snippet, export_file) = match &location {
                Some(Location::File { snippet, .. }) => (snippet.clone(), None),
                Some(Location::Resource { export_file, .. }) => (None, export_file.clone()),
                None => (None, None),
            };
            let evidence = match (row.get(10)?, row.get(11)?, row.get(12)?) {
                (Some(preview), Some(fingerprint), Some(length)) => {
                    Some((preview, fingerprint, length))
                }
                _ => None,
            };
            let provenance = row
                .get::<_, Option<String>>(14)?
                .and_then(|text| serde_json::from_str::<Provenance>(&text).ok())
                .map(|p| {
                    format!(
                        "introduced by {} in {} on {} at {}; in {} commit(s), {} path(s)",
                        p.author,
                        p.commit.get(..12).unwrap_or(&p.commit),
                        p.date.strftime("%Y-%m-%d"),
                        p.path,
                        p.commits,
                        p.paths
                    )
                });
            Ok(FindingDetail {
                row: row.get(0)?,
                fingerprint: row.get(1)?,
                rule_id: row.get(2)?,
                severity: severity_of_rank(row.get(3)?),
                risk: row.get(4)?,
                title: row.get(5)?,
                message: row.get(6)?,
                remediation: row.get(7)?,
                node_ids: serde_json::from_str(&row.get::<_, String>(8)?).unwrap_or_default(),
                location: location
                    .as_ref()
                    .map_or_else(String::new, Location::display),
                snippet,
                export_file,
                evidence,
                tags: serde_json::from_str(&row.get::<_, String>(13)?).unwrap_or_default(),
                provenance,
            })
        },
    )?;
    Ok(found.pop())
}

/// The stored analysis of a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeScore {
    /// 0-100.
    pub risk: i64,
    /// Why.
    pub factors: Vec<String>,
    /// Nodes reached over access edges.
    pub reach: i64,
    /// Whether reach stopped at the limit.
    pub truncated: bool,
    /// The nearest admin-equivalent or crown-jewel node.
    pub target: Option<String>,
    /// Edges to it.
    pub distance: Option<i64>,
}

/// A node in full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeDetail {
    /// Its id.
    pub id: String,
    /// Its index in the scan's graph.
    pub idx: Option<u32>,
    /// `identity`, `credential`, ...
    pub class: String,
    /// Its type.
    pub type_name: String,
    /// Its name.
    pub name: String,
    /// Its provider.
    pub provider: String,
    /// The provider's own id (ARN, key id, uid).
    pub native_id: Option<String>,
    /// Account, project, cluster or namespace.
    pub scope: Option<String>,
    /// The collector that saw it.
    pub collector: String,
    /// Created, last used, expires, rotated.
    pub times: [Option<Timestamp>; 4],
    /// Labels and attributes, `key: value`.
    pub attributes: Vec<(String, String)>,
    /// The secret's redacted preview, fingerprint and length.
    pub secret: Option<(String, String, i64)>,
    /// Graph flags.
    pub flags: u8,
    /// Its stored analysis.
    pub score: Option<NodeScore>,
}

/// How a node is looked up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKey<'a> {
    /// By its index in the scan's graph.
    Idx(u32),
    /// By its id.
    Id(&'a str),
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, value, out);
            }
        }
        serde_json::Value::String(text) => out.push((prefix.to_string(), text.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// A node of scan `scan_id`.
pub fn node(
    session: &Session<'_>,
    scan_id: &str,
    key: &NodeKey<'_>,
) -> Result<Option<NodeDetail>, TuiError> {
    let (clause, value) = match key {
        NodeKey::Idx(idx) => ("idx = ?", i64::from(*idx).into()),
        NodeKey::Id(id) => ("id = ?", text(id)),
    };
    let mut found = session.rows(
        &format!(
            "SELECT id, idx, kind, type, name, provider, native_id, scope, collector, \
               epoch_us(created_at), epoch_us(last_used_at), epoch_us(expires_at), epoch_us(rotated_at), \
               labels::VARCHAR, attributes::VARCHAR, secret_preview, secret_fingerprint, secret_length, \
               coalesce(graph_flags, 0)::INTEGER \
             FROM store.nodes WHERE scan_id = ? AND {clause} LIMIT 1"
        ),
        &[text(scan_id), value],
        |row| {
            let mut attributes = Vec::new();
            for (column, prefix) in [(13, "label"), (14, "")] {
                let json: String = row.get(column)?;
                if let Ok(value) = serde_json::from_str::<serde_json::Value>(&json) {
                    flatten(prefix, &value, &mut attributes);
                }
            }
            let secret = match (row.get(15)?, row.get(16)?, row.get(17)?) {
                (Some(preview), Some(fingerprint), Some(length)) => {
                    Some((preview, fingerprint, length))
                }
                _ => None,
            };
            Ok(NodeDetail {
                id: row.get(0)?,
                idx: row
                    .get::<_, Option<i64>>(1)?
                    .and_then(|i| u32::try_from(i).ok()),
                class: row.get(2)?,
                type_name: row.get(3)?,
                name: row.get(4)?,
                provider: row.get(5)?,
                native_id: row.get(6)?,
                scope: row.get(7)?,
                collector: row.get(8)?,
                times: [
                    timestamp(row.get(9)?),
                    timestamp(row.get(10)?),
                    timestamp(row.get(11)?),
                    timestamp(row.get(12)?),
                ],
                attributes,
                secret,
                flags: u8::try_from(row.get::<_, i32>(18)?).unwrap_or(0),
                score: None,
            })
        },
    )?;
    let Some(mut node) = found.pop() else {
        return Ok(None);
    };
    node.score = score(session, scan_id, &node)?;
    Ok(Some(node))
}

fn score(
    session: &Session<'_>,
    scan_id: &str,
    node: &NodeDetail,
) -> Result<Option<NodeScore>, TuiError> {
    // Only nodes of the scan's graph (with an index) are analysed. The
    // stored rows are read by index, not through the `node_analysis` view,
    // whose joins would cost a pass over every node of the scan.
    let Some(idx) = node.idx else {
        return Ok(None);
    };
    let mut found = session.rows(
        "SELECT risk, factor_bits, reach, reach_truncated, target_ref, target_idx, distance \
         FROM store.analysis_rows WHERE scan_id = ? AND idx = ? LIMIT 1",
        &[text(scan_id), i64::from(idx).into()],
        |row| {
            let bits: i64 = row.get(1)?;
            Ok((
                NodeScore {
                    risk: row.get(0)?,
                    factors: factor_names(u16::try_from(bits).unwrap_or(0))
                        .into_iter()
                        .map(str::to_string)
                        .collect(),
                    reach: row.get(2)?,
                    truncated: row.get(3)?,
                    target: row.get(4)?,
                    distance: row.get(6)?,
                },
                row.get::<_, Option<i64>>(5)?,
            ))
        },
    )?;
    let Some((mut score, target_idx)) = found.pop() else {
        return Ok(None);
    };
    if let (None, Some(target)) = (&score.target, target_idx) {
        score.target = session
            .rows(
                "SELECT id FROM store.node_rows WHERE scan_id = ? AND idx = ? LIMIT 1",
                &[text(scan_id), target.into()],
                |row| row.get::<_, String>(0),
            )?
            .pop();
    }
    Ok(Some(score))
}

/// A finding about a node, listed in its detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFinding {
    /// Its `rowid` in the store.
    pub row: i64,
    /// Its severity.
    pub severity: Severity,
    /// The rule.
    pub rule_id: String,
    /// The title.
    pub title: String,
}

/// The findings about a node: how many, and the riskiest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeFindings {
    /// How many findings name the node.
    pub total: u64,
    /// The riskiest of them (at most 50).
    pub top: Vec<NodeFinding>,
}

/// The findings of scan `scan_id` that name node `id`.
pub fn node_findings(
    session: &Session<'_>,
    scan_id: &str,
    id: &str,
) -> Result<NodeFindings, TuiError> {
    let needle = serde_json::Value::String(id.to_string()).to_string();
    let params = [text(scan_id), text(&needle)];
    let filter = "scan_id = ? AND contains(node_ids::VARCHAR, ?)";
    let top = session.rows(
        &format!(
            "SELECT rowid, severity_rank, rule_id, title FROM store.findings WHERE {filter} \
             ORDER BY risk DESC NULLS LAST, severity_rank DESC, rowid LIMIT 50"
        ),
        &params,
        |row| {
            Ok(NodeFinding {
                row: row.get(0)?,
                severity: severity_of_rank(row.get(1)?),
                rule_id: row.get(2)?,
                title: row.get(3)?,
            })
        },
    )?;
    let total = if top.len() < 50 {
        top.len() as u64
    } else {
        session
            .rows(
                &format!("SELECT count(*) FROM store.findings WHERE {filter}"),
                &params,
                |row| row.get::<_, i64>(0),
            )?
            .first()
            .map_or(0, |n| n.unsigned_abs())
    };
    Ok(NodeFindings { total, top })
}

//! Reading scans back.

use std::{collections::BTreeMap, fmt, str::FromStr};

use jiff::Timestamp;
use nhiscope_model::{
    Edge, EdgeKind, Finding, FindingFingerprint, Fingerprint, Inventory, Node, NodeId, NodeKind,
    Redacted, ScanId, ScanRecord, ScanStatus, Severity, SeverityCounts, Skipped, SourceError,
    Timestamps,
};

use crate::{Store, StoreError};

/// Which stored scan a command means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanSelector {
    /// The most recent scan.
    Latest,
    /// The scan with this number (`nhiscope scans` shows them).
    Number(u64),
    /// The scan whose id starts with this text.
    IdPrefix(String),
}

impl FromStr for ScanSelector {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("latest") {
            return Ok(Self::Latest);
        }
        if let Ok(number) = text.parse::<u64>() {
            return Ok(Self::Number(number));
        }
        if text.len() >= 4 && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Ok(Self::IdPrefix(text.to_ascii_lowercase()));
        }
        Err(format!(
            "`{text}` is not a scan: use `latest`, a scan number, or the start of a scan id"
        ))
    }
}

impl fmt::Display for ScanSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanSelector::Latest => f.write_str("latest (the store has no scans)"),
            ScanSelector::Number(number) => write!(f, "#{number}"),
            ScanSelector::IdPrefix(prefix) => write!(f, "with an id starting `{prefix}`"),
        }
    }
}

/// A stored scan with its totals, for `nhiscope scans`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanListing {
    /// The scan's record.
    pub record: ScanRecord,
    /// How many nodes it stored.
    pub nodes: u64,
    /// How many findings of each severity it stored.
    pub findings: SeverityCounts,
}

const SCAN_COLUMNS: &str = "id, number, epoch_us(started_at), epoch_us(finished_at), tool_version, status, sources::VARCHAR";

impl Store {
    /// Every stored scan, oldest first, with totals.
    pub fn scans(&self) -> Result<Vec<ScanListing>, StoreError> {
        let records = self.query_records("", [])?;
        let mut nodes: BTreeMap<String, u64> = BTreeMap::new();
        self.for_each_row(
            "SELECT scan_id, count(*) FROM node_rows GROUP BY scan_id",
            [],
            |row| {
                nodes.insert(row.get(0)?, row.get::<_, i64>(1)?.unsigned_abs());
                Ok(())
            },
        )?;
        let mut findings: BTreeMap<String, SeverityCounts> = BTreeMap::new();
        let mut bad_severity = None;
        self.for_each_row(
            "SELECT scan_id, severity, count(*) FROM findings GROUP BY scan_id, severity",
            [],
            |row| {
                let severity: String = row.get(1)?;
                match severity.parse::<Severity>() {
                    Ok(severity) => {
                        findings
                            .entry(row.get(0)?)
                            .or_default()
                            .add(severity, row.get::<_, i64>(2)?.unsigned_abs());
                    }
                    Err(error) => bad_severity = Some(error.to_string()),
                }
                Ok(())
            },
        )?;
        if let Some(error) = bad_severity {
            return Err(self.corrupt(error));
        }
        Ok(records
            .into_iter()
            .map(|record| {
                let id = record.id.to_string();
                ScanListing {
                    nodes: nodes.get(&id).copied().unwrap_or(0),
                    findings: findings.remove(&id).unwrap_or_default(),
                    record,
                }
            })
            .collect())
    }

    /// The scan a selector means.
    pub fn resolve(&self, selector: &ScanSelector) -> Result<ScanRecord, StoreError> {
        let mut records = match selector {
            ScanSelector::Latest => self.query_records("ORDER BY number DESC LIMIT 1", [])?,
            ScanSelector::Number(number) => self.query_records(
                "WHERE number = ?",
                [i64::try_from(*number).unwrap_or(i64::MAX)],
            )?,
            ScanSelector::IdPrefix(prefix) => {
                let records = self.query_records("WHERE starts_with(id, ?)", [prefix.clone()])?;
                if records.len() > 1 {
                    return Err(StoreError::NoSuchScan {
                        path: self.path.clone(),
                        selector: format!(
                            "{selector} (it matches {} scans; give more of the id)",
                            records.len()
                        ),
                    });
                }
                records
            }
        };
        records.pop().ok_or_else(|| StoreError::NoSuchScan {
            path: self.path.clone(),
            selector: selector.to_string(),
        })
    }

    /// The inventory stored with a scan.
    pub fn load_inventory(&self, scan: &ScanId) -> Result<Inventory, StoreError> {
        let scan_id = scan.to_string();
        let mut inventory = Inventory::new();
        let mut problems: Vec<String> = Vec::new();
        self.for_each_row(
            "SELECT id, kind, type, name, provider, native_id, scope, collector, \
             epoch_us(created_at), epoch_us(last_used_at), epoch_us(expires_at), epoch_us(rotated_at), \
             labels::VARCHAR, attributes::VARCHAR, secret_fingerprint, secret_preview, secret_length \
             FROM nodes WHERE scan_id = ? ORDER BY id",
            [scan_id.clone()],
            |row| {
                let class: String = row.get(1)?;
                let type_name: String = row.get(2)?;
                let Some(kind) = NodeKind::parse(&class, &type_name) else {
                    problems.push(format!("unknown node kind {class}/{type_name}"));
                    return Ok(());
                };
                let mut node = Node::new(
                    NodeId::from_stored(row.get::<_, String>(0)?),
                    kind,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(7)?,
                );
                node.native_id = row.get(5)?;
                node.scope = row.get(6)?;
                node.timestamps = Timestamps {
                    created_at: micros(row.get(8)?),
                    last_used_at: micros(row.get(9)?),
                    expires_at: micros(row.get(10)?),
                    rotated_at: micros(row.get(11)?),
                };
                match (
                    serde_json::from_str(&row.get::<_, String>(12)?),
                    serde_json::from_str(&row.get::<_, String>(13)?),
                ) {
                    (Ok(labels), Ok(attributes)) => {
                        node.labels = labels;
                        node.attributes = attributes;
                    }
                    _ => problems.push(format!("unreadable labels or attributes of {}", node.id)),
                }
                node.secret = redacted(row.get(14)?, row.get(15)?, row.get(16)?, &mut problems);
                inventory.add_node(node);
                Ok(())
            },
        )?;
        self.for_each_row(
            "SELECT coalesce(e.details->>'src', s.id), e.kind_code, coalesce(e.details->>'dst', d.id), \
             coalesce(e.details->'attributes', '{}')::VARCHAR FROM edge_rows e \
             LEFT JOIN node_rows s ON s.scan_id = e.scan_id AND s.idx = e.src_idx \
             LEFT JOIN node_rows d ON d.scan_id = e.scan_id AND d.idx = e.dst_idx \
             WHERE e.scan_id = ?1 ORDER BY e.rowid",
            [scan_id.clone()],
            |row| {
                let code: u8 = row.get(1)?;
                let Some(&kind) = EdgeKind::ALL.get(usize::from(code)) else {
                    problems.push(format!("unknown edge kind code {code}"));
                    return Ok(());
                };
                let mut edge = Edge::new(
                    NodeId::from_stored(row.get::<_, String>(0)?),
                    kind,
                    NodeId::from_stored(row.get::<_, String>(2)?),
                );
                match serde_json::from_str(&row.get::<_, String>(3)?) {
                    Ok(attributes) => edge.attributes = attributes,
                    Err(_) => problems.push("unreadable edge attributes".into()),
                }
                inventory.add_edge(edge);
                Ok(())
            },
        )?;
        self.for_each_row(
            "SELECT fingerprint, rule_id, severity, title, message, node_ids::VARCHAR, location::VARCHAR, \
             remediation, evidence_fingerprint, evidence_preview, evidence_length, tags::VARCHAR, provenance::VARCHAR, risk \
             FROM findings WHERE scan_id = ?",
            [scan_id],
            |row| {
                let fingerprint: String = row.get(0)?;
                let severity: String = row.get(2)?;
                let parsed = (
                    Fingerprint::from_hex(&fingerprint),
                    severity.parse::<Severity>(),
                    serde_json::from_str::<Vec<NodeId>>(&row.get::<_, String>(5)?),
                    serde_json::from_str(&row.get::<_, String>(6)?),
                    serde_json::from_str::<Vec<String>>(&row.get::<_, String>(11)?),
                    row.get::<_, Option<String>>(12)?
                        .map(|text| serde_json::from_str::<nhiscope_model::Provenance>(&text))
                        .transpose(),
                );
                let (
                    Some(fingerprint),
                    Ok(severity),
                    Ok(nodes),
                    Ok(location),
                    Ok(tags),
                    Ok(provenance),
                ) = parsed
                else {
                    problems.push(format!("unreadable finding {fingerprint}"));
                    return Ok(());
                };
                inventory.add_finding(Finding {
                    fingerprint: FindingFingerprint(fingerprint),
                    rule_id: row.get(1)?,
                    severity,
                    title: row.get(3)?,
                    message: row.get(4)?,
                    nodes,
                    location,
                    remediation: row.get(7)?,
                    evidence: redacted(row.get(8)?, row.get(9)?, row.get(10)?, &mut problems),
                    tags,
                    provenance,
                    risk: row
                        .get::<_, Option<i32>>(13)?
                        .and_then(|risk| u8::try_from(risk).ok()),
                });
                Ok(())
            },
        )?;
        match problems.first() {
            Some(problem) => Err(self.corrupt(format!(
                "{problem} ({} problem(s) in scan {scan})",
                problems.len()
            ))),
            None => Ok(inventory),
        }
    }

    fn query_records<P: duckdb::Params>(
        &self,
        clause: &str,
        params: P,
    ) -> Result<Vec<ScanRecord>, StoreError> {
        let mut records = Vec::new();
        let mut problems = Vec::new();
        self.for_each_row(
            &format!("SELECT {SCAN_COLUMNS} FROM scans {} ", if clause.is_empty() { "ORDER BY number" } else { clause }),
            params,
            |row| {
                let id: String = row.get(0)?;
                let status: String = row.get(5)?;
                let sources: String = row.get(6)?;
                let (Some(scan_id), Some(status), Ok(sources), Some(started_at), Some(finished_at)) = (
                    ScanId::parse(&id),
                    ScanStatus::parse(&status),
                    serde_json::from_str(&sources),
                    micros(row.get(2)?),
                    micros(row.get(3)?),
                ) else {
                    problems.push(format!("unreadable scan record {id}"));
                    return Ok(());
                };
                records.push(ScanRecord {
                    id: scan_id,
                    number: Some(row.get::<_, i64>(1)?.unsigned_abs()),
                    started_at,
                    finished_at,
                    tool_version: row.get(4)?,
                    status,
                    sources,
                    errors: Vec::new(),
                    skipped: Vec::new(),
                });
                Ok(())
            },
        )?;
        if let Some(problem) = problems.first() {
            return Err(self.corrupt(problem.clone()));
        }
        for record in &mut records {
            let scan_id = record.id.to_string();
            self.for_each_row(
                "SELECT collector, location, message, fatal FROM source_errors WHERE scan_id = ?",
                [scan_id.clone()],
                |row| {
                    record.errors.push(SourceError {
                        collector: row.get(0)?,
                        location: row.get(1)?,
                        message: row.get(2)?,
                        fatal: row.get(3)?,
                    });
                    Ok(())
                },
            )?;
            self.for_each_row(
                "SELECT collector, location, reason, size FROM skipped WHERE scan_id = ?",
                [scan_id],
                |row| {
                    record.skipped.push(Skipped {
                        collector: row.get(0)?,
                        location: row.get(1)?,
                        reason: row.get(2)?,
                        size: row.get::<_, Option<i64>>(3)?.map(i64::unsigned_abs),
                    });
                    Ok(())
                },
            )?;
        }
        Ok(records)
    }

    fn for_each_row<P: duckdb::Params>(
        &self,
        sql: &str,
        params: P,
        mut each: impl FnMut(&duckdb::Row<'_>) -> duckdb::Result<()>,
    ) -> Result<(), StoreError> {
        let mut statement = self.conn.prepare(sql).map_err(|e| self.database(&e))?;
        let mut rows = statement.query(params).map_err(|e| self.database(&e))?;
        while let Some(row) = rows.next().map_err(|e| self.database(&e))? {
            each(row).map_err(|e| self.database(&e))?;
        }
        Ok(())
    }
}

fn micros(value: Option<i64>) -> Option<Timestamp> {
    value.and_then(|micros| Timestamp::from_microsecond(micros).ok())
}

fn redacted(
    fingerprint: Option<String>,
    preview: Option<String>,
    length: Option<i64>,
    problems: &mut Vec<String>,
) -> Option<Redacted> {
    let (fingerprint, preview, length) = (fingerprint?, preview?, length?);
    match Fingerprint::from_hex(&fingerprint) {
        Some(fingerprint) => Some(Redacted::from_parts(
            fingerprint,
            preview,
            usize::try_from(length).unwrap_or(0),
        )),
        None => {
            problems.push(format!("unreadable fingerprint {fingerprint}"));
            None
        }
    }
}

impl Store {
    /// The latest scan before `scan` of the same sources (the same collectors
    /// over the same targets), which is what "since the previous scan" means.
    pub fn previous(&self, scan: &ScanRecord) -> Result<Option<ScanRecord>, StoreError> {
        let signature = |record: &ScanRecord| -> Vec<(String, Vec<String>)> {
            record
                .sources
                .iter()
                .map(|source| (source.collector.clone(), source.targets.clone()))
                .collect()
        };
        let wanted = signature(scan);
        let before = scan.number.unwrap_or(u64::MAX);
        Ok(self
            .scans()?
            .into_iter()
            .map(|listing| listing.record)
            .filter(|record| record.number.is_some_and(|n| n < before) && record.id != scan.id)
            .filter(|record| signature(record) == wanted)
            .max_by_key(|record| record.number))
    }
}

//! SARIF 2.1.0 for code scanning (docs/sarif.md).
//!
//! Every rule that can fire is listed with help and a `security-severity`
//! score; each result carries a stable partial fingerprint and a location code
//! scanning accepts: a repo-relative file region for secrets in files, and for
//! cloud and cluster findings a logical location plus the export file (or the
//! scan's config) as the physical one. GitHub's per-run result limit is
//! respected by dropping the lowest-severity results, with a notification.

use std::{collections::BTreeMap, io, path::Path};

use nhiscope_model::{Finding, FindingState, Location, Severity};
use serde_json::{Value, json};

use crate::{Report, ReportError, ScanView};

/// The most results code scanning accepts in one run.
pub const MAX_SARIF_RESULTS: usize = 25_000;

/// The SARIF schema the document declares.
const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Where users read about nhiscope.
const INFORMATION_URI: &str = "https://github.com/nhiscope/nhiscope";

/// The key of nhiscope's fingerprint in `partialFingerprints`.
const FINGERPRINT_KEY: &str = "nhiscope/v1";

/// The largest upload code scanning accepts: 10 MB, gzip-compressed.
pub const MAX_SARIF_UPLOAD_BYTES: usize = 10 * 1000 * 1000;

/// Writes SARIF 2.1.0.
#[derive(Debug, Clone, Copy)]
pub struct SarifReport {
    /// The most compressed bytes a document may take; results are left out,
    /// lowest severity first, until it fits.
    pub max_upload_bytes: usize,
}

impl Default for SarifReport {
    fn default() -> Self {
        Self {
            max_upload_bytes: MAX_SARIF_UPLOAD_BYTES,
        }
    }
}

/// The score code scanning ranks security results by: critical above 9.0,
/// high 7.0 to 8.9, medium 4.0 to 6.9, low 0.1 to 3.9.
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// SARIF's level for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

impl Report for SarifReport {
    fn write(&self, scan: &ScanView<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
        let mut limit = MAX_SARIF_RESULTS;
        loop {
            let mut bytes = serde_json::to_vec_pretty(&document(scan, limit))?;
            bytes.push(b'\n');
            let results = scan.inventory.findings().len().min(limit);
            if limit == 0 || results == 0 || compressed_len(&bytes)? <= self.max_upload_bytes {
                out.write_all(&bytes)?;
                return Ok(());
            }
            // Too big to upload: keep the most severe nine tenths and retry.
            limit = results * 9 / 10;
        }
    }
}

/// The gzip-compressed size of `bytes`, as code scanning measures an upload.
fn compressed_len(bytes: &[u8]) -> io::Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    io::Write::write_all(&mut encoder, bytes)?;
    Ok(encoder.finish()?.len())
}

fn document(scan: &ScanView<'_>, max_results: usize) -> Value {
    let record = scan.record;
    // The rules: every descriptor, plus any rule id that fired without one.
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    for rule in scan.rules {
        rules.insert(
            &rule.id,
            rule_descriptor(
                &rule.id,
                &rule.description,
                &rule.remediation,
                rule.severity,
                &rule.tags,
            ),
        );
    }
    for finding in scan.inventory.findings() {
        rules.entry(&finding.rule_id).or_insert_with(|| {
            rule_descriptor(
                &finding.rule_id,
                &finding.title,
                &finding.remediation,
                finding.severity,
                &finding.tags,
            )
        });
    }
    let rule_index: BTreeMap<&str, usize> = rules
        .keys()
        .enumerate()
        .map(|(index, id)| (*id, index))
        .collect();

    let states = scan.comparison.map(|comparison| comparison.diff.states());
    let mut findings = scan.inventory.findings_by_risk();
    let mut notifications: Vec<Value> = record
        .errors
        .iter()
        .map(|error| {
            let location = error
                .location
                .as_deref()
                .map_or_else(String::new, |location| format!(" ({location})"));
            json!({
                "level": if error.fatal { "error" } else { "warning" },
                "message": { "text": format!("{}{location}: {}", error.collector, error.message) },
            })
        })
        .collect();
    if findings.len() > max_results {
        let dropped = findings.len() - max_results;
        let threshold = findings[max_results].severity;
        findings.truncate(max_results);
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!(
                "{dropped} results of severity {threshold} and below were left out: code scanning accepts at most {MAX_SARIF_RESULTS} results per run and {} MB compressed per upload; the JSON report lists them all",
                MAX_SARIF_UPLOAD_BYTES / 1_000_000
            ) },
        }));
    }
    let results: Vec<Value> = findings
        .iter()
        .map(|finding| {
            let state = states.as_ref().map(|states| {
                states
                    .get(&finding.fingerprint)
                    .copied()
                    .unwrap_or(FindingState::Unchanged)
            });
            result(scan, finding, rule_index[finding.rule_id.as_str()], state)
        })
        .collect();

    let mut invocation = json!({
        "executionSuccessful": record.errors.iter().all(|error| !error.fatal),
        "startTimeUtc": record.started_at.to_string(),
        "endTimeUtc": record.finished_at.to_string(),
    });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    let category = scan.category.unwrap_or("nhiscope");
    let mut run = json!({
        "tool": { "driver": {
            "name": "nhiscope",
            "semanticVersion": record.tool_version,
            "version": record.tool_version,
            "informationUri": INFORMATION_URI,
            "rules": rules.into_values().collect::<Vec<_>>(),
        } },
        "automationDetails": { "id": format!("{}/{}", category.trim_end_matches('/'), record.id) },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(comparison) = scan.comparison {
        // SARIF's baselineGuid must be a version 1-5 UUID; scan ids are v7,
        // so the baseline scan is named in the run's properties instead.
        run["properties"] = json!({
            "baselineScan": comparison.against.id.to_string(),
            "baselineScanNumber": comparison.against.number,
        });
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
    })
}

fn rule_descriptor(
    id: &str,
    description: &str,
    remediation: &str,
    severity: Severity,
    tags: &[String],
) -> Value {
    let mut tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    tags.push("security");
    tags.sort_unstable();
    tags.dedup();
    json!({
        "id": id,
        "name": rule_name(id, description),
        "helpUri": format!("{INFORMATION_URI}/blob/main/docs/rules.md#{id}"),
        "shortDescription": { "text": description },
        "fullDescription": { "text": format!("{description}. Severity {severity}.") },
        "help": {
            "text": format!("{description}\n\n{remediation}"),
            "markdown": format!("**{}**\n\n{}\n\nDefault severity: **{severity}**.", escape_markdown(description), escape_markdown(remediation)),
        },
        "defaultConfiguration": { "level": level(severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(severity),
            "precision": "high",
        },
    })
}

fn result(
    scan: &ScanView<'_>,
    finding: &Finding,
    rule_index: usize,
    state: Option<FindingState>,
) -> Value {
    let location = match &finding.location {
        Location::File {
            path,
            line,
            column,
            end_line,
            end_column,
            snippet,
            ..
        } => {
            let mut region = json!({
                "startLine": line,
                "startColumn": column,
                "endLine": end_line,
                "endColumn": end_column,
            });
            if let Some(snippet) = snippet {
                region["snippet"] = json!({ "text": snippet });
            }
            json!({ "physicalLocation": {
                "artifactLocation": { "uri": file_uri(scan, finding, path) },
                "region": region,
            } })
        }
        Location::Resource {
            provider,
            scope,
            resource,
            export_file,
        } => {
            let file = export_file
                .as_deref()
                .or(scan.config_file)
                .unwrap_or("nhiscope.toml");
            let qualified = match scope {
                Some(scope) if !resource.contains(scope.as_str()) => {
                    format!("{provider}/{scope}/{resource}")
                }
                _ => format!("{provider}/{resource}"),
            };
            // An export outside the scanned root has no place in the
            // repository: its file name stands in, as code scanning needs a
            // relative URI.
            let outside = Path::new(file).is_absolute()
                && !scan
                    .source_root
                    .is_some_and(|root| Path::new(file).starts_with(root));
            let uri = if outside {
                let name = Path::new(file)
                    .file_name()
                    .map_or_else(|| file.into(), |n| n.to_string_lossy());
                artifact_uri(&name, None)
            } else {
                artifact_uri(file, scan.source_root)
            };
            json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri },
                    "region": { "startLine": 1 },
                },
                "logicalLocations": [{
                    "name": resource,
                    "fullyQualifiedName": qualified,
                    "kind": "resource",
                }],
            })
        }
    };
    let mut text = finding.message.clone();
    if !text.ends_with('.') {
        text.push('.');
    }
    let mut result = json!({
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": { "text": text },
        "locations": [location],
        "partialFingerprints": { FINGERPRINT_KEY: finding.fingerprint.to_string() },
        "properties": {
            "security-severity": security_severity(finding.severity),
            "severity": finding.severity.as_str(),
            "tags": finding.tags,
        },
    });
    if let Some(state) = state {
        result["baselineState"] = json!(match state {
            FindingState::New => "new",
            FindingState::Unchanged => "unchanged",
            FindingState::Absent => "absent",
        });
    }
    if let Some(provenance) = &finding.provenance {
        result["properties"]["provenance"] = json!(provenance);
    }
    result
}

/// The URI of a finding's file: relative to the source root when under it,
/// else relative to the scanned directory or repository (the file node's
/// native id), so an upload never carries an absolute path.
fn file_uri(scan: &ScanView<'_>, finding: &Finding, path: &str) -> String {
    let under_root = scan
        .source_root
        .is_some_and(|root| Path::new(path).starts_with(root));
    if Path::new(path).is_absolute() && !under_root {
        let relative = finding
            .nodes
            .iter()
            .filter_map(|id| scan.inventory.node(id))
            .find(|node| {
                matches!(
                    node.kind,
                    nhiscope_model::NodeKind::Source(nhiscope_model::SourceType::File)
                )
            })
            .and_then(|node| node.native_id.as_deref());
        if let Some(relative) = relative {
            return artifact_uri(relative, None);
        }
    }
    artifact_uri(path, scan.source_root)
}

/// A URI reference relative to `root` when the path is under it, with `/`
/// separators and unsafe characters percent-encoded.
fn artifact_uri(path: &str, root: Option<&Path>) -> String {
    let path = Path::new(path);
    let relative = match root {
        Some(root) if path.is_absolute() => path.strip_prefix(root).unwrap_or(path),
        _ => path,
    };
    let text = relative.to_string_lossy().replace('\\', "/");
    let text = text.trim_start_matches("./");
    let mut uri = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'@'
            | b'+'
            | b'='
            | b','
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b';'
            | b':' => {
                uri.push(byte as char);
            }
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri
}

/// SARIF's friendly `name`: the description in PascalCase (`AWS access key
/// ID` → `AwsAccessKeyId`), which must differ from the id.
fn rule_name(id: &str, description: &str) -> String {
    let name = pascal_case(description);
    if name.is_empty() || name.eq_ignore_ascii_case(id) {
        format!("{}Rule", pascal_case(id))
    } else {
        name
    }
}

/// `aws-access-key-id` → `AwsAccessKeyId`.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| {
                    first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                })
                .unwrap_or_default()
        })
        .collect()
}

fn escape_markdown(text: &str) -> String {
    text.replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        let root = Path::new("/work/repo");
        assert_eq!(artifact_uri("/work/repo/app/.env", Some(root)), "app/.env");
        assert_eq!(artifact_uri("./a b/c#1.txt", None), "a%20b/c%231.txt");
        assert_eq!(artifact_uri("app/config.py", Some(root)), "app/config.py");
    }

    #[test]
    fn names_are_pascal_case_and_differ_from_ids() {
        assert_eq!(
            rule_name("aws-access-key-id", "AWS access key ID"),
            "AwsAccessKeyId"
        );
        assert_eq!(rule_name("jwt", "JSON Web Token"), "JsonWebToken");
        assert_eq!(rule_name("jwt", "jwt"), "JwtRule");
    }
}

//! Reading files into Kubernetes objects: `kubectl get -o json|yaml` exports
//! (a `List`, or a JSON array of Lists as some tools write them), API list
//! responses (`RoleList`, whose items carry no `kind`), multi-document YAML
//! manifests and Helm-rendered output, and EKS Pod Identity association
//! exports. Syntax errors name the file, line and column.

use serde_json::Value;

use crate::cluster::PodIdentityAssociation;

/// Why a file could not be read as Kubernetes objects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The file is not well-formed JSON or YAML.
    #[error("{path}:{line}:{column}: {message}; fix the file or leave it out of the scan")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// What the parser said.
        message: String,
    },
    /// The file is well formed but holds no Kubernetes object.
    #[error("{path}: {message}")]
    NotKubernetes {
        /// The file.
        path: String,
        /// What it holds instead.
        message: String,
    },
}

/// The kinds the cluster model reads.
const ANALYSED_KINDS: &[&str] = &[
    "Namespace",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// What one file holds.
#[derive(Debug, Default)]
pub struct ParsedFile {
    /// Objects with a `kind` (list items flattened), in file order.
    pub objects: Vec<Value>,
    /// Documents or list items that are not objects with a `kind`.
    pub other_documents: usize,
    /// EKS Pod Identity associations.
    pub pod_identity_associations: Vec<PodIdentityAssociation>,
    /// How many `List` documents the file held: a file of Lists is what
    /// `kubectl get -o json|yaml` writes from a running cluster, as opposed
    /// to manifests.
    pub lists: usize,
}

impl ParsedFile {
    /// Whether the file looks like Kubernetes input: at least one object
    /// with both `apiVersion` and `kind`, or of a kind identity analysis
    /// reads (catalogues such as KubiScan's write Roles without
    /// `apiVersion`), or an association export.
    pub fn is_kubernetes(&self) -> bool {
        !self.pod_identity_associations.is_empty()
            || self.objects.iter().any(|object| {
                object.get("apiVersion").is_some() && object.get("kind").is_some()
                    || object
                        .get("kind")
                        .and_then(Value::as_str)
                        .is_some_and(|kind| ANALYSED_KINDS.contains(&kind))
            })
    }
}

/// Parses `text` (the content of `path`) into objects.
pub fn parse(path: &str, text: &str) -> Result<ParsedFile, ImportError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let looks_json = trimmed.starts_with('{') || trimmed.starts_with('[');
    let is_json_file = path.to_ascii_lowercase().ends_with(".json");
    let documents: Vec<Value> = if looks_json || is_json_file {
        match serde_json::from_str::<Value>(trimmed) {
            Ok(value) => vec![value],
            Err(error) if is_json_file || !looks_yaml_friendly(&error) => {
                // Line numbers count from the trimmed start; add what was trimmed.
                let skipped_lines = text[..text.len() - trimmed.len()].matches('\n').count();
                return Err(ImportError::Syntax {
                    path: path.to_string(),
                    line: error.line() as u64 + skipped_lines as u64,
                    column: error.column() as u64,
                    message: format!("invalid JSON: {}", strip_position(&error.to_string())),
                });
            }
            Err(_) => parse_yaml(path, text)?,
        }
    } else {
        parse_yaml(path, text)?
    };
    let mut parsed = ParsedFile::default();
    for document in documents {
        if let Some(associations) = pod_identity_associations(&document) {
            parsed.pod_identity_associations.extend(associations);
            continue;
        }
        flatten(document, &mut parsed);
    }
    Ok(parsed)
}

/// A JSON error that YAML might not share (JSON is YAML, but a YAML file can
/// start with `{` as a flow mapping followed by more documents).
fn looks_yaml_friendly(error: &serde_json::Error) -> bool {
    matches!(error.classify(), serde_json::error::Category::Syntax)
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

fn parse_yaml(path: &str, text: &str) -> Result<Vec<Value>, ImportError> {
    serde_saphyr::from_multiple::<Value>(text).map_err(|error| {
        let (line, column) = error
            .location()
            .map_or((0, 0), |location| (location.line(), location.column()));
        let rendered = error.to_string();
        let first_line = rendered
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or("invalid YAML");
        ImportError::Syntax {
            path: path.to_string(),
            line,
            column,
            message: format!("invalid YAML: {}", strip_yaml_position(first_line)),
        }
    })
}

/// serde-saphyr's first line repeats the position (`line 3 column 7: ...`)
/// and may end with advice about its own options; keep what the user needs.
fn strip_yaml_position(line: &str) -> String {
    let mut line = line.trim_start_matches("error:").trim();
    if line.starts_with("line ")
        && let Some((_, rest)) = line.split_once(": ")
    {
        line = rest;
    }
    if let Some(at) = line.rfind(" at line ") {
        line = &line[..at];
    }
    if let Some(key) = line.strip_prefix("duplicate mapping key: ") {
        let key = key.split(',').next().unwrap_or(key).trim();
        return format!(
            "duplicate key `{key}` in one mapping (often a list item indented under the previous one)"
        );
    }
    line.trim_end_matches(',').to_string()
}

/// `aws eks describe-pod-identity-association` (`{"association": {...}}`) or
/// `list-pod-identity-associations` (`{"associations": [...]}`) output.
fn pod_identity_associations(document: &Value) -> Option<Vec<PodIdentityAssociation>> {
    let object = document.as_object()?;
    if object.contains_key("kind") {
        return None;
    }
    let items: Vec<&Value> = if let Some(one) = object.get("association") {
        vec![one]
    } else {
        object.get("associations")?.as_array()?.iter().collect()
    };
    Some(
        items
            .into_iter()
            .filter(|item| item.get("serviceAccount").is_some())
            .filter_map(|item| serde_json::from_value(item.clone()).ok())
            .collect(),
    )
}

/// Flattens Lists and arrays into single objects. A list's items inherit its
/// item kind when they carry none (API list responses omit it).
fn flatten(value: Value, parsed: &mut ParsedFile) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for item in items {
                flatten(item, parsed);
            }
        }
        Value::Object(mut map) => {
            let kind = map.get("kind").and_then(Value::as_str).map(str::to_string);
            let is_list = map.get("items").is_some_and(Value::is_array)
                && kind.as_deref().is_none_or(|kind| kind.ends_with("List"));
            if !is_list {
                if kind.is_some() {
                    parsed.objects.push(Value::Object(map));
                } else {
                    parsed.other_documents += 1;
                }
                return;
            }
            parsed.lists += 1;
            let item_kind = kind
                .as_deref()
                .filter(|kind| *kind != "List")
                .map(|kind| kind.trim_end_matches("List").to_string());
            let api_version = map.get("apiVersion").cloned();
            let Some(Value::Array(items)) = map.remove("items") else {
                return;
            };
            for mut item in items {
                if let (Some(item_kind), Some(fields)) = (&item_kind, item.as_object_mut())
                    && !fields.contains_key("kind")
                {
                    fields.insert("kind".into(), Value::String(item_kind.clone()));
                    if let Some(api_version) = &api_version {
                        fields
                            .entry("apiVersion")
                            .or_insert_with(|| api_version.clone());
                    }
                }
                flatten(item, parsed);
            }
        }
        _ => parsed.other_documents += 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_array_of_lists_is_read_whole() {
        let text = r#"[
          {"apiVersion":"v1","kind":"List","items":[
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"a"}}]},
          {"apiVersion":"v1","kind":"List","items":[
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}},
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"q"}}]}
        ]"#;
        let parsed = parse("dump.json", text).expect("parses");
        assert_eq!(parsed.objects.len(), 3);
        assert!(parsed.is_kubernetes());
    }

    #[test]
    fn api_list_items_inherit_their_kind() {
        let text = r#"{"kind":"RoleList","apiVersion":"rbac.authorization.k8s.io/v1",
            "metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"a","namespace":"x"}}]}"#;
        let parsed = parse("roles.json", text).expect("parses");
        assert_eq!(parsed.objects[0]["kind"], "Role");
        assert_eq!(
            parsed.objects[0]["apiVersion"],
            "rbac.authorization.k8s.io/v1"
        );
    }

    #[test]
    fn multi_document_yaml_with_helm_comments() {
        let text = "---\n# Source: chart/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n---\n# Source: chart/templates/empty.yaml\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  port: 8080\n";
        let parsed = parse("out.yaml", text).expect("parses");
        assert_eq!(parsed.objects.len(), 2);
    }

    #[test]
    fn syntax_errors_name_file_line_and_column() {
        let error = parse("bad.json", "{\n  \"kind\": \"Pod\",\n  oops\n}").expect_err("invalid");
        let text = error.to_string();
        assert!(text.starts_with("bad.json:3:"), "{text}");
        assert!(!text.contains('\n'), "{text}");

        let yaml = "kind: Role\nmetadata:\n  name: a\nmetadata:\n  name: b\n";
        let error = parse("dup.yaml", yaml).expect_err("duplicate key");
        let text = error.to_string();
        assert!(text.starts_with("dup.yaml:4:"), "{text}");
        assert!(text.contains("duplicate"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn pod_identity_associations_are_recognised() {
        let text = r#"{"association":{"clusterName":"prod","namespace":"payments",
            "serviceAccount":"api","roleArn":"arn:aws:iam::1:role/api","associationArn":"arn:x"}}"#;
        let parsed = parse("assoc.json", text).expect("parses");
        assert_eq!(parsed.pod_identity_associations.len(), 1);
        assert_eq!(
            parsed.pod_identity_associations[0].role_arn,
            "arn:aws:iam::1:role/api"
        );
        assert!(parsed.is_kubernetes());
    }

    #[test]
    fn yaml_that_is_not_kubernetes_is_told_apart() {
        let parsed = parse("ci.yaml", "jobs:\n  build:\n    runs-on: ubuntu\n").expect("parses");
        assert!(!parsed.is_kubernetes());
        assert_eq!(parsed.other_documents, 1);
    }
}

//! Quality on a generated, labelled corpus (scripts/corpus/generate.py): every
//! planted secret is found at its path and line by an accepted rule, with the
//! commit that introduced it; no decoy and nothing unlabelled is reported.

use std::{collections::HashSet, path::Path, process::Command};

use crate::support::{Scratch, json, run};

fn generate(out: &Path) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/corpus/generate.py");
    let output = Command::new("python3")
        .arg(&script)
        .args(["--out"])
        .arg(out)
        .args(["--seed", "1"])
        .output()
        .expect("python3 must be installed (scripts/test installs the test prerequisites)");
    assert!(
        output.status.success(),
        "the corpus generator failed (it needs git, openssl and ssh-keygen):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out.join("labels.json")).expect("labels.json"))
        .expect("labels are JSON")
}

/// The path of a finding relative to the repository root.
fn relative(path: &str, root: &str) -> String {
    path.strip_prefix(root)
        .map(|rest| rest.trim_start_matches('/').to_string())
        .unwrap_or_else(|| path.to_string())
}

#[test]
fn every_planted_secret_is_found_and_no_decoy_is() {
    let scratch = Scratch::new();
    let out = scratch.path().join("corpus");
    let labels = generate(&out);
    let repo = out.join(labels["repo"].as_str().unwrap_or("repo"));
    let result =
        run(scratch
            .nhiscope()
            .arg("scan")
            .arg(&repo)
            .args(["--format", "json", "--no-store"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    let root = repo.display().to_string();
    // The corpus is about secrets in files; what the Kubernetes collector
    // says about manifests it meets is judged by its own tests.
    let findings: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|finding| finding["location"]["type"] == "file")
        .collect();

    // Where each finding is: its place in the working tree, or in history.
    let places = |finding: &serde_json::Value| -> Vec<(String, u64)> {
        let line = finding["location"]["line"].as_u64().expect("a line");
        let mut places = vec![(
            relative(finding["location"]["path"].as_str().expect("a path"), &root),
            line,
        )];
        if let Some(path) = finding["provenance"]["path"].as_str() {
            places.push((path.to_string(), line));
        }
        places
    };

    // A site (one place in one file) may carry several labels: a Docker
    // `auth` value is a credential and also hides one. A site is found when one
    // of its labels is: the same value, at the place, by an accepted rule.
    let mut problems: Vec<String> = Vec::new();
    let mut label_sites: HashSet<(String, u64)> = HashSet::new();
    let mut sites: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for secret in labels["secrets"].as_array().expect("secrets") {
        let path = secret["path"].as_str().expect("path").to_string();
        let line = secret["line"].as_u64().expect("line");
        let last = secret["span"][1].as_u64().unwrap_or(line);
        for covered in line..=last {
            label_sites.insert((path.clone(), covered));
        }
        let accept: Vec<&str> = secret["accept"]
            .as_array()
            .expect("accept")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let value = secret["value_sha256"].as_str().expect("value_sha256");
        let matching: Vec<&serde_json::Value> = findings
            .iter()
            .copied()
            .filter(|f| f["evidence"]["fingerprint"] == value)
            .filter(|f| {
                places(f)
                    .iter()
                    .any(|(p, l)| *p == path && (line..=last).contains(l))
            })
            .collect();
        let site = secret["site"].as_str().expect("site").to_string();
        let outcome = sites.entry(site).or_default();
        let Some(finding) = matching.first() else {
            outcome.push(format!("missed {} at {path}:{line}", secret["kind"]));
            continue;
        };
        let rule = finding["rule_id"].as_str().expect("rule");
        if !accept.contains(&rule) {
            outcome.push(format!(
                "{path}:{line} found by {rule}, expected one of {accept:?}"
            ));
            continue;
        }
        outcome.push(String::new());
        if let (Some(introduced), Some(commit)) = (
            secret["introduced_in"].as_str(),
            finding["provenance"]["commit"].as_str(),
        ) && finding["provenance"]["path"] == path.as_str()
            && introduced != commit
        {
            problems.push(format!(
                "{path}:{line} attributed to {commit}, introduced in {introduced}"
            ));
        }
    }
    for (site, outcomes) in &sites {
        if !outcomes.iter().any(String::is_empty) {
            problems.push(format!("site {site}: {}", outcomes.join("; ")));
        }
    }
    for decoy in labels["decoys"].as_array().expect("decoys") {
        let site = (
            decoy["path"].as_str().expect("path").to_string(),
            decoy["line"].as_u64().expect("line"),
        );
        if let Some(finding) = findings.iter().find(|f| places(f).contains(&site)) {
            problems.push(format!(
                "decoy {} at {}:{} reported by {}",
                decoy["kind"], site.0, site.1, finding["rule_id"]
            ));
        }
    }
    for finding in findings {
        if !places(finding)
            .iter()
            .any(|site| label_sites.contains(site))
        {
            problems.push(format!(
                "unlabelled finding {} at {:?}",
                finding["rule_id"],
                places(finding)
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(labels["secrets"].as_array().expect("secrets").len() > 100);
}

//! GitHub code scanning's rules for an upload, beyond the SARIF schema.

use serde_json::Value;

use crate::MAX_SARIF_RESULTS;

/// Checks what GitHub code scanning requires of an upload beyond the SARIF
/// schema ("SARIF support for code scanning", docs.github.com, sections
/// "Supported SARIF output file properties" and "Limits"). Returns one line
/// per problem; empty means an upload would be accepted.
pub fn code_scanning_problems(sarif: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    // "Code scanning supports SARIF 2.1.0."
    if sarif["version"] != "2.1.0" {
        problems.push(format!("version is {}, not 2.1.0", sarif["version"]));
    }
    let runs = sarif["runs"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    // Limits: at most 20 runs per file.
    if runs.is_empty() || runs.len() > 20 {
        problems.push(format!("{} runs; code scanning takes 1 to 20", runs.len()));
    }
    for (r, run) in runs.iter().enumerate() {
        // `tool.driver.name` is required.
        if run["tool"]["driver"]["name"]
            .as_str()
            .is_none_or(str::is_empty)
        {
            problems.push(format!("runs[{r}]: tool.driver.name is missing"));
        }
        let rules = run["tool"]["driver"]["rules"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        // Limits: at most 25,000 rules and 25,000 results per run.
        if rules.len() > 25_000 {
            problems.push(format!("runs[{r}]: {} rules, over 25,000", rules.len()));
        }
        for (i, rule) in rules.iter().enumerate() {
            // `security-severity` must be a number from 0.0 to 10.0 as a string.
            if let Some(score) = rule["properties"]["security-severity"].as_str()
                && !score
                    .parse::<f64>()
                    .is_ok_and(|score| (0.0..=10.0).contains(&score))
            {
                problems.push(format!(
                    "runs[{r}].rules[{i}]: security-severity `{score}` is not 0.0-10.0"
                ));
            }
            // Limits: at most 20 tags per rule.
            if rule["properties"]["tags"]
                .as_array()
                .is_some_and(|tags| tags.len() > 20)
            {
                problems.push(format!("runs[{r}].rules[{i}]: more than 20 tags"));
            }
        }
        let results = run["results"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if results.len() > MAX_SARIF_RESULTS {
            problems.push(format!(
                "runs[{r}]: {} results, over {MAX_SARIF_RESULTS}",
                results.len()
            ));
        }
        for (i, result) in results.iter().enumerate() {
            let at = format!("runs[{r}].results[{i}]");
            // A result's rule must be in `tool.driver.rules` (ruleId, and
            // ruleIndex when given, must agree).
            let rule_id = result["ruleId"].as_str();
            match (rule_id, result["ruleIndex"].as_u64()) {
                (None, _) => problems.push(format!("{at}: ruleId is missing")),
                (Some(id), Some(index)) => {
                    if rules
                        .get(usize::try_from(index).unwrap_or(usize::MAX))
                        .map(|rule| &rule["id"])
                        != Some(&Value::from(id))
                    {
                        problems.push(format!("{at}: ruleIndex {index} is not rule {id}"));
                    }
                }
                (Some(id), None) => {
                    if !rules.iter().any(|rule| rule["id"] == id) {
                        problems.push(format!("{at}: rule {id} is not in tool.driver.rules"));
                    }
                }
            }
            // `message.text` is required.
            if result["message"]["text"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{at}: message.text is missing"));
            }
            // `level`: error, warning, note or none.
            if let Some(level) = result["level"].as_str()
                && !["error", "warning", "note", "none"].contains(&level)
            {
                problems.push(format!(
                    "{at}: level `{level}` is not one code scanning knows"
                ));
            }
            // `partialFingerprints` keep alerts matched across runs.
            if result["partialFingerprints"]
                .as_object()
                .is_none_or(|f| f.is_empty())
            {
                problems.push(format!("{at}: partialFingerprints are missing"));
            }
            // At least one location with a physical location; at most 1,000.
            let locations = result["locations"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            if locations.is_empty() || locations.len() > 1000 {
                problems.push(format!(
                    "{at}: {} locations; code scanning takes 1 to 1,000",
                    locations.len()
                ));
            }
            for location in locations {
                let physical = &location["physicalLocation"];
                match physical["artifactLocation"]["uri"].as_str() {
                    None => problems.push(format!(
                        "{at}: a location has no physicalLocation.artifactLocation.uri"
                    )),
                    // URIs relative to the repository root.
                    Some(uri)
                        if uri.starts_with('/')
                            || uri.contains("://")
                            || uri.starts_with("file:") =>
                    {
                        problems.push(format!("{at}: uri `{uri}` is not relative"));
                    }
                    Some(_) => {}
                }
                if let Some(line) = physical["region"]["startLine"].as_i64()
                    && line < 1
                {
                    problems.push(format!("{at}: region.startLine {line} is below 1"));
                }
            }
        }
    }
    problems
}

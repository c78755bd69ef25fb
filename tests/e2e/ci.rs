//! The scheduled-CI path: SARIF that code scanning accepts, several reports in
//! one run, gating on new findings only, diffs, and the shipped CI recipes.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::support::{Scratch, demo_estate, json, run};

const NPM_TOKEN: &str = "npm_tH8LmyqoYMaaItDr9uP14pEHpJpb9ATPtdbm";

pub(crate) fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the report exists")).expect("JSON")
}

/// The official OASIS SARIF 2.1.0 schema from ../shared.
pub(crate) fn assert_schema_valid(sarif: &serde_json::Value) {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata/sarif/sarif-schema-2.1.0.json");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(schema_path).expect("../shared is beside the repo"),
    )
    .expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let problems = nhiscope_reports::code_scanning_problems(sarif);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Microsoft's SARIF Multitool with GitHub's ingestion rules (installed by
/// scripts/test).
fn multitool() -> PathBuf {
    let path = std::env::var_os("NHISCOPE_SARIF_MULTITOOL").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("HOME").expect("HOME"))
            .join(".cache/nhiscope-test/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool")
    });
    assert!(
        path.is_file(),
        "the SARIF Multitool is not installed at {}: run scripts/test, which installs it",
        path.display()
    );
    path
}

pub(crate) fn assert_multitool_clean(sarif: &Path, scratch: &Scratch) {
    let log = scratch.path().join("validation.sarif");
    let output = Command::new(multitool())
        .args(["validate", "--rule-kind", "Sarif;Gh", "--output"])
        .arg(&log)
        .arg(sarif)
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("the Multitool runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let validation = read_json(&log);
    let problems: Vec<String> = validation["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|result| result["level"] != "note")
        .map(|result| format!("{} {}", result["ruleId"], result["message"]))
        .collect();
    assert!(
        problems.is_empty(),
        "the Multitool reports:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_demo_estate_sarif_is_accepted_by_code_scanning() {
    let scratch = Scratch::new();
    let sarif_path = scratch.path().join("demo.sarif");
    let result = run(scratch
        .nhiscope()
        .arg("scan")
        .arg(demo_estate())
        .arg("--output")
        .arg(format!("sarif={}", sarif_path.display()))
        .args(["--category", "nhiscope/demo"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let sarif = read_json(&sarif_path);
    assert_schema_valid(&sarif);
    assert_multitool_clean(&sarif_path, &scratch);
    let run = &sarif["runs"][0];
    assert!(
        run["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules")
            .len()
            >= 150,
        "every rule that can fire is listed"
    );
    assert_eq!(run["results"].as_array().expect("results").len(), 46);
    let text = serde_json::to_string(&sarif).expect("serialises");
    assert!(
        !text.contains("4Y7p4tD14z4gzM+jppZxO4z7KdcwjOoGUI01iEFT"),
        "no secret in SARIF"
    );

    // A snapshot of the results (the rule catalogue is pinned by docs/rules.md).
    let results: Vec<serde_json::Value> = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| {
            serde_json::json!({
                "ruleId": result["ruleId"],
                "level": result["level"],
                "uri": result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                "region": result["locations"][0]["physicalLocation"]["region"],
                "security-severity": result["properties"]["security-severity"],
                "fingerprint": result["partialFingerprints"]["nhiscope/v1"],
            })
        })
        .collect();
    insta::assert_json_snapshot!(results);
}

#[test]
fn one_run_writes_several_reports() {
    let scratch = Scratch::new();
    let result = run(scratch
        .nhiscope()
        .arg("scan")
        .arg(demo_estate())
        .current_dir(scratch.path())
        .args([
            "-o",
            "sarif=out.sarif",
            "-o",
            "json=out.json",
            "-o",
            "csv=out.csv",
            "-o",
            "markdown=-",
        ]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(
        result.stdout.starts_with(
            "## nhiscope scan #1: 46 findings (14 critical, 23 high, 6 medium, 3 low)"
        ),
        "{}",
        result.stdout
    );
    assert_eq!(
        read_json(&scratch.path().join("out.json"))["summary"]["findings"],
        46
    );
    assert_eq!(
        read_json(&scratch.path().join("out.sarif"))["version"],
        "2.1.0"
    );
    let csv = std::fs::read_to_string(scratch.path().join("out.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 47, "a header and a row per finding");
    let result = run(scratch
        .nhiscope()
        .args(["scan", ".", "-o", "json=-", "-o", "sarif=-"]));
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .contains("more than one report goes to stdout"),
        "{}",
        result.stderr
    );
}

#[test]
fn new_only_passes_known_debt_and_fails_on_a_new_secret() {
    let scratch = Scratch::new();
    let app = scratch.path().join("app");
    copy_tree(&demo_estate(), &app);
    let gate = |scratch: &Scratch| {
        run(scratch.nhiscope().arg("scan").arg(&app).args([
            "--new-only",
            "--fail-on",
            "high",
            "--format",
            "sarif",
        ]))
    };
    // The first scan has nothing to compare with: everything is new.
    assert_eq!(gate(&scratch).code, 1);
    // Unchanged estate: known debt only.
    let unchanged = gate(&scratch);
    assert_eq!(unchanged.code, 0, "{}", unchanged.stderr);
    let sarif = json(&unchanged);
    let states: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["baselineState"].as_str().expect("a state"))
        .collect();
    assert!(
        !states.is_empty() && states.iter().all(|s| *s == "unchanged"),
        "{states:?}"
    );
    // A new secret: fail, and only it is new.
    std::fs::write(
        app.join("payments-service/.npmrc"),
        format!("//registry.npmjs.org/:_authToken={NPM_TOKEN}\n"),
    )
    .expect("write");
    let regressed = gate(&scratch);
    assert_eq!(regressed.code, 1, "{}", regressed.stderr);
    let sarif = json(&regressed);
    let new: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["baselineState"] == "new")
        .map(|r| r["ruleId"].as_str().expect("rule"))
        .collect();
    assert_eq!(new, ["npm-access-token"]);

    // The diff between the last two scans says the same.
    let diff = run(scratch
        .nhiscope()
        .args(["diff", "--format", "json", "--fail-on", "high"]));
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    let diff = json(&diff);
    assert_eq!(diff["summary"]["new_findings"], 1);
    assert_eq!(diff["summary"]["resolved_findings"], 0);
    assert_eq!(diff["older"]["number"], 2);
    assert_eq!(diff["newer"]["number"], 3);
    let text = run(scratch.nhiscope().args(["diff", "1", "3"]));
    assert!(
        text.stdout.starts_with("Scan #1 → #3: 1 new, 0 resolved"),
        "{}",
        text.stdout
    );
    let markdown = run(scratch
        .nhiscope()
        .args(["report", "--compare", "--format", "markdown"]));
    assert!(
        markdown.stdout.contains("### Since scan #2"),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown.stdout.contains("1 new, 0 resolved"),
        "{}",
        markdown.stdout
    );
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("readable") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn the_rule_catalogue_in_docs_is_current() {
    let scratch = Scratch::new();
    let listing = run(scratch
        .nhiscope()
        .args(["rules", "list", "--format", "markdown"]));
    assert_eq!(listing.code, 0);
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md"))
            .expect("docs/rules.md");
    assert!(
        committed == listing.stdout,
        "docs/rules.md is stale: run `nhiscope rules list --format markdown > docs/rules.md`"
    );
}

/// Every `nhiscope` flag the shipped recipes use exists.
#[test]
fn the_ci_recipes_use_real_flags() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workflow: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root.join("docs/ci/github-actions.yml")).expect("the workflow"),
    )
    .expect("the workflow is YAML");
    let steps = workflow["jobs"]["scan"]["steps"].as_array().expect("steps");
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    for action in [
        "actions/checkout@",
        "actions/cache@",
        "github/codeql-action/upload-sarif@",
    ] {
        assert!(
            uses.iter().any(|u| u.starts_with(action)),
            "the workflow uses {action}"
        );
    }
    let mut commands: Vec<String> = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .filter(|r| r.trim_start().starts_with("nhiscope "))
        .map(str::to_string)
        .collect();
    assert_eq!(commands.len(), 1, "one scan step");
    let hooks: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).expect("the hooks"),
    )
    .expect("YAML");
    commands.push(hooks[0]["entry"].as_str().expect("an entry").to_string());
    let scratch = Scratch::new();
    for command in commands {
        let words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(&words[..2], ["nhiscope", "scan"], "{command}");
        let help = run(scratch.nhiscope().args(["scan", "--help"])).stdout;
        for flag in words.iter().filter(|w| w.starts_with("--")) {
            let flag = flag.split('=').next().expect("a flag");
            assert!(
                help.contains(&format!("{flag} "))
                    || help.contains(&format!("{flag}\n"))
                    || help.contains(&format!("{flag} <")),
                "`{flag}` in `{command}` is not a flag of nhiscope scan"
            );
        }
        let outputs: Vec<&str> = words
            .windows(2)
            .filter(|w| w[0] == "--output")
            .map(|w| w[1])
            .collect();
        for output in outputs {
            let format = output.split('=').next().expect("a format");
            assert!(
                format.parse::<nhiscope_reports::ReportFormat>().is_ok(),
                "{output}"
            );
        }
    }
}

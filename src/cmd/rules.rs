//! `nhiscope rules list` and `nhiscope rules check`.

use std::sync::Arc;

use anyhow::Context;
use nhiscope_secrets::RuleSet;
use serde_json::json;

use super::{load_config, load_rules, write_output};
use crate::{
    cli::{GlobalArgs, RulesCheckArgs, RulesCommand, RulesFormat, RulesListArgs},
    exit::Exit,
};

/// Runs `nhiscope rules ...`.
pub fn run(global: &GlobalArgs, command: &RulesCommand) -> anyhow::Result<Exit> {
    match command {
        RulesCommand::List(args) => list(global, args),
        RulesCommand::Check(args) => check(global, args),
    }
}

fn list(global: &GlobalArgs, args: &RulesListArgs) -> anyhow::Result<Exit> {
    let config = load_config(global)?;
    let rules = load_rules(global, &config)?;
    write_output(None, |out| {
        match args.format {
            RulesFormat::Json => {
                let rows: Vec<serde_json::Value> = rules
                    .rules()
                    .iter()
                    .map(|rule| {
                        json!({
                            "id": rule.id(),
                            "description": rule.description(),
                            "severity": rule.severity(),
                            "provider": rule.provider(),
                            "credential": rule.credential().as_str(),
                            "keywords": rule.keywords(),
                            "tags": rule.tags(),
                            "validators": rule.validators().iter().map(|v| v.name()).collect::<Vec<_>>(),
                            "remediation": rule.remediation(),
                            "examples": rule.examples().len(),
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &rows)?;
                writeln!(out)?;
            }
            RulesFormat::Markdown => {
                write_catalogue(out, &rules)?;
            }
            RulesFormat::Text => {
                let mut rows = vec![[
                    "ID".to_string(),
                    "SEVERITY".into(),
                    "PROVIDER".into(),
                    "CREDENTIAL".into(),
                    "DESCRIPTION".into(),
                ]];
                for rule in rules.rules() {
                    rows.push([
                        rule.id().to_string(),
                        rule.severity().to_string(),
                        rule.provider().to_string(),
                        rule.credential().as_str().to_string(),
                        rule.description().to_string(),
                    ]);
                }
                nhiscope_reports::write_columns(out, &rows, 0)?;
                writeln!(out, "{} rules", rules.rules().len())?;
            }
        }
        Ok(())
    })?;
    Ok(Exit::Clean)
}

fn check(global: &GlobalArgs, args: &RulesCheckArgs) -> anyhow::Result<Exit> {
    let sets: Vec<(String, Arc<RuleSet>)> = if args.files.is_empty() {
        let config = load_config(global)?;
        vec![("the active rules".to_string(), load_rules(global, &config)?)]
    } else {
        let mut sets = Vec::new();
        for file in &args.files {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the rules file {}", file.display()))?;
            let origin = file.display().to_string();
            sets.push((
                origin.clone(),
                Arc::new(RuleSet::from_toml(&text, &origin)?),
            ));
        }
        sets
    };
    let mut failed = false;
    write_output(None, |out| {
        for (origin, rules) in &sets {
            let failures = rules.check_examples();
            let examples: usize = rules.rules().iter().map(|rule| rule.examples().len()).sum();
            let without: Vec<&str> = rules
                .rules()
                .iter()
                .filter(|rule| rule.examples().is_empty())
                .map(|rule| rule.id())
                .collect();
            for failure in &failures {
                let what = if failure.negative {
                    "matches its negative example"
                } else {
                    "misses its example"
                };
                writeln!(out, "FAIL {}: {what}: {}", failure.rule_id, failure.example)?;
            }
            writeln!(
                out,
                "{origin}: {} rules, {examples} examples, {} failures{}",
                rules.rules().len(),
                failures.len(),
                if without.is_empty() {
                    String::new()
                } else {
                    format!("; {} rules have no examples", without.len())
                }
            )?;
            failed |= !failures.is_empty();
        }
        Ok(())
    })?;
    Ok(if failed { Exit::Findings } else { Exit::Clean })
}

/// The rule catalogue in Markdown: docs/rules.md, which SARIF's `helpUri`
/// points into (one anchor per rule id).
fn write_catalogue(out: &mut dyn std::io::Write, rules: &RuleSet) -> std::io::Result<()> {
    writeln!(out, "# Secret-detection rules")?;
    writeln!(out)?;
    writeln!(
        out,
        "The {} built-in rules, generated by `nhiscope rules list --format markdown` (a test keeps this file current). Each rule's examples live in `rules/*.toml`.",
        rules.rules().len()
    )?;
    for rule in rules.rules() {
        writeln!(out)?;
        writeln!(out, "## {}", rule.id())?;
        writeln!(out)?;
        writeln!(out, "{}.", rule.description().trim_end_matches('.'))?;
        writeln!(out)?;
        writeln!(
            out,
            "- severity: {}; provider: {}; credential: {}",
            rule.severity(),
            rule.provider(),
            rule.credential().as_str()
        )?;
        if !rule.keywords().is_empty() {
            writeln!(out, "- keywords: `{}`", rule.keywords().join("`, `"))?;
        }
        if !rule.validators().is_empty() {
            let names: Vec<&str> = rule.validators().iter().map(|v| v.name()).collect();
            writeln!(out, "- validators: {}", names.join(", "))?;
        }
        writeln!(out)?;
        writeln!(out, "{}", rule.remediation())?;
    }
    Ok(())
}

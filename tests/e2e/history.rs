//! Git history, staged changes, stdin, baselines and rule files, through the CLI.

use std::{path::Path, process::Command};

use crate::support::{Scratch, json, run};

const KEY_ID: &str = "AKIAUJZDEGXDNCF32EPF";
const TOKEN: &str = "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";
const NPM: &str = "npm_tH8LmyqoYMaaItDr9uP14pEHpJpb9ATPtdbm";

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Dana Dev")
        .env("GIT_AUTHOR_EMAIL", "dana@example.org")
        .env("GIT_COMMITTER_NAME", "Dana Dev")
        .env("GIT_COMMITTER_EMAIL", "dana@example.org")
        .env("GIT_AUTHOR_DATE", "2024-03-01T09:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-03-01T09:00:00Z")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A repository whose history holds a key that was deleted, and whose working
/// tree holds a token.
fn repository(scratch: &Scratch) -> std::path::PathBuf {
    let repo = scratch.path().join("repo");
    std::fs::create_dir(&repo).expect("mkdir");
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(
        repo.join("old.env"),
        format!("AWS_ACCESS_KEY_ID={KEY_ID}\n"),
    )
    .expect("write");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "config"]);
    std::fs::remove_file(repo.join("old.env")).expect("rm");
    std::fs::write(repo.join("ci.sh"), format!("GITHUB_TOKEN={TOKEN}\n")).expect("write");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "ci"]);
    repo
}

fn rules_found(report: &serde_json::Value) -> Vec<String> {
    let mut rules: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule_id"].as_str().expect("rule").to_string())
        .collect();
    rules.sort();
    rules
}

#[test]
fn a_repository_path_has_its_history_scanned() {
    let scratch = Scratch::new();
    let repo = repository(&scratch);
    let result =
        run(scratch
            .nhiscope()
            .arg("scan")
            .arg(&repo)
            .args(["--format", "json", "--no-store"]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    assert_eq!(rules_found(&report), ["aws-access-key-id", "github-pat"]);
    let deleted = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "aws-access-key-id")
        .expect("the deleted key");
    assert_eq!(
        deleted["provenance"]["author"],
        "Dana Dev <dana@example.org>"
    );
    assert_eq!(deleted["provenance"]["path"], "old.env");
    assert_eq!(deleted["provenance"]["date"], "2024-03-01T09:00:00Z");
    assert!(
        deleted["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .any(|t| t == "git-history")
    );
    // The token is in the working tree and in history: one finding, with the
    // commit that introduced it.
    let token = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "github-pat")
        .expect("the token");
    assert_eq!(token["provenance"]["path"], "ci.sh");
    let collectors: Vec<&str> = report["scan"]["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["collector"].as_str().expect("id"))
        .collect();
    assert_eq!(collectors, ["fs", "git", "kubernetes"]);

    let result = run(scratch.nhiscope().arg("scan").arg(&repo).args([
        "--format",
        "json",
        "--no-store",
        "--no-history",
    ]));
    assert_eq!(rules_found(&json(&result)), ["github-pat"]);
}

#[test]
fn staged_and_since_narrow_the_scan() {
    let scratch = Scratch::new();
    let repo = repository(&scratch);
    std::fs::write(
        repo.join(".npmrc"),
        format!("//registry.npmjs.org/:_authToken={NPM}\n"),
    )
    .expect("write");
    git(&repo, &["add", ".npmrc"]);
    let result = run(scratch.nhiscope().arg("scan").arg(&repo).args([
        "--staged",
        "--format",
        "json",
        "--no-store",
        "--fail-on",
        "high",
    ]));
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(rules_found(&json(&result)), ["npm-access-token"]);
    git(&repo, &["commit", "-q", "-m", "npmrc"]);
    let result =
        run(scratch
            .nhiscope()
            .arg("scan")
            .arg(&repo)
            .args(["--since", "main~1", "--no-history"]));
    assert_eq!(result.code, 2, "--since and --no-history conflict");
    let result = run(scratch.nhiscope().arg("scan").arg(&repo).args([
        "--since",
        "main~1",
        "--format",
        "json",
        "--no-store",
    ]));
    assert_eq!(result.code, 0, "{}", result.stderr);
    // History since main~1 holds only the npmrc commit; the working tree still
    // holds the token and the npm token.
    assert_eq!(
        rules_found(&json(&result)),
        ["github-pat", "npm-access-token"]
    );
    let plain = scratch.path().join("plain");
    std::fs::create_dir(&plain).expect("mkdir");
    let result = run(scratch.nhiscope().arg("scan").arg(&plain).arg("--staged"));
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("--staged needs a git repository"),
        "{}",
        result.stderr
    );
}

#[test]
fn stdin_is_scanned_with_a_dash() {
    let scratch = Scratch::new();
    let result = run(scratch
        .nhiscope()
        .args(["scan", "-", "--format", "json", "--no-store"])
        .write_stdin(format!("token: {TOKEN}\n")));
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    assert_eq!(rules_found(&report), ["github-pat"]);
    assert_eq!(report["findings"][0]["location"]["path"], "<stdin>");
}

#[test]
fn a_baseline_leaves_known_findings_out_and_fails_on_new_ones() {
    let scratch = Scratch::new();
    let dir = scratch.path().join("app");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("ci.sh"), format!("GITHUB_TOKEN={TOKEN}\n")).expect("write");
    let first = run(scratch.nhiscope().arg("scan").arg(&dir).arg("-q"));
    assert_eq!(first.code, 0);
    let baseline = scratch.path().join("baseline.json");
    let created = run(scratch
        .nhiscope()
        .args(["baseline", "create"])
        .arg(&baseline));
    assert_eq!(created.code, 0, "{}", created.stderr);
    assert!(
        created.stderr.contains("recorded 1 findings of scan #1"),
        "{}",
        created.stderr
    );
    // The line moves; the finding is still the baselined one.
    std::fs::write(
        dir.join("ci.sh"),
        format!("#!/bin/sh\n\nGITHUB_TOKEN={TOKEN}\n"),
    )
    .expect("write");
    let known = run(scratch
        .nhiscope()
        .arg("scan")
        .arg(&dir)
        .args(["--baseline"])
        .arg(&baseline)
        .args(["--fail-on", "low", "--format", "json"]));
    assert_eq!(known.code, 0, "{}", known.stderr);
    let report = json(&known);
    assert_eq!(report["summary"]["baselined"], 1);
    assert_eq!(report["findings"].as_array().expect("list").len(), 0);
    std::fs::write(
        dir.join(".npmrc"),
        format!("//registry.npmjs.org/:_authToken={NPM}\n"),
    )
    .expect("write");
    let new = run(scratch
        .nhiscope()
        .arg("scan")
        .arg(&dir)
        .args(["--baseline"])
        .arg(&baseline)
        .args(["--fail-on", "low", "--format", "json"]));
    assert_eq!(new.code, 1);
    assert_eq!(rules_found(&json(&new)), ["npm-access-token"]);
    std::fs::write(&baseline, "{}").expect("write");
    let bad = run(scratch
        .nhiscope()
        .arg("scan")
        .arg(&dir)
        .args(["--baseline"])
        .arg(&baseline));
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("is not an nhiscope baseline"),
        "{}",
        bad.stderr
    );
}

#[test]
fn rule_files_are_listed_checked_and_used() {
    let scratch = Scratch::new();
    let listing = run(scratch
        .nhiscope()
        .args(["rules", "list", "--format", "json"]));
    assert_eq!(listing.code, 0, "{}", listing.stderr);
    let rules = json(&listing);
    assert!(rules.as_array().expect("list").len() >= 150);
    let check = run(scratch.nhiscope().args(["rules", "check"]));
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert!(check.stdout.contains(", 0 failures"), "{}", check.stdout);

    // A negative example the rule does match: the check fails and says so.
    let custom = scratch.write(
        "custom.toml",
        r#"[[rules]]
id = "acme-token"
regex = '''\b(acme_[a-z0-9]{24})\b'''
keywords = ["acme_"]
examples = ["acme_0123456789abcdefghijklmn"]
negative_examples = ["acme_zzzzzzzzzzzzzzzzzzzzzzzz"]
"#,
    );
    let check = run(scratch.nhiscope().args(["rules", "check"]).arg(&custom));
    assert_eq!(check.code, 1, "{}", check.stdout);
    assert!(
        check.stdout.starts_with(
            "FAIL acme-token: matches its negative example: acme_zzzzzzzzzzzzzzzzzzzzzzzz\n"
        ),
        "{}",
        check.stdout
    );

    let fixed = scratch.write(
        "fixed.toml",
        "[[rules]]\nid = \"acme-token\"\nregex = '''\\b(acme_[a-z0-9]{24})\\b'''\nkeywords = [\"acme_\"]\nseverity = \"high\"\nexamples = [\"acme_0123456789abcdefghijklmn\"]\nnegative_examples = [\"acme_short\"]\n",
    );
    assert_eq!(
        run(scratch.nhiscope().args(["rules", "check"]).arg(&fixed)).code,
        0
    );
    let target = scratch.write(
        "app/deploy.sh",
        "curl -H 'X-Token: acme_0123456789abcdefghijklmn'\n",
    );
    let used = run(scratch
        .nhiscope()
        .arg("--rules")
        .arg(&fixed)
        .arg("scan")
        .arg(target.parent().expect("dir"))
        .args(["--format", "json", "--no-store"]));
    assert_eq!(rules_found(&json(&used)), ["acme-token"]);
    let only = run(scratch
        .nhiscope()
        .arg("--rules")
        .arg(&fixed)
        .arg("--no-default-rules")
        .args(["rules", "list"]));
    assert!(only.stdout.ends_with("1 rules\n"), "{}", only.stdout);
}

use std::{path::Path, process::Command, sync::Arc};

use jiff::Timestamp;
use nhiscope_collect::{FixedClock, Limits, Recorded, RecordingSink};
use nhiscope_model::{Finding, Location, ScanId};
use tokio_util::sync::CancellationToken;

use super::*;

const KEY_ID: &str = "AKIAUJZDEGXDNCF32EPF";
const SECRET: &str = "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";
const TOKEN: &str = "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";

fn git(dir: &Path, args: &[&str], date: &str) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Dana Dev")
        .env("GIT_AUTHOR_EMAIL", "dana@example.org")
        .env("GIT_COMMITTER_NAME", "Dana Dev")
        .env("GIT_COMMITTER_EMAIL", "dana@example.org")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn rev(dir: &Path, name: &str) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args(["rev-parse", name])
        .output()
        .expect("git runs");
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

fn commit_all(dir: &Path, message: &str, date: &str) {
    git(dir, &["add", "-A"], date);
    git(dir, &["commit", "-q", "-m", message], date);
}

/// A repository whose history holds an AWS key pair that was deleted, a token
/// that moved between files and lives on a branch, and a binary blob.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"], "2024-01-01T00:00:00Z");
    std::fs::write(root.join("README.md"), "# app\n").expect("write");
    std::fs::write(
        root.join("aws.ini"),
        format!("[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"),
    )
    .expect("write");
    commit_all(root, "add config", "2024-01-02T10:00:00Z");
    std::fs::remove_file(root.join("aws.ini")).expect("rm");
    std::fs::write(root.join("logo.bin"), b"\x89PNG\0\0\0binary").expect("write");
    commit_all(root, "remove the key", "2024-01-03T10:00:00Z");
    git(
        root,
        &["checkout", "-q", "-b", "feature"],
        "2024-01-04T10:00:00Z",
    );
    std::fs::write(root.join("ci.sh"), format!("export GITHUB_TOKEN={TOKEN}\n")).expect("write");
    commit_all(root, "ci", "2024-01-04T10:00:00Z");
    std::fs::create_dir(root.join("scripts")).expect("mkdir");
    std::fs::write(
        root.join("scripts/ci.sh"),
        format!("export GITHUB_TOKEN={TOKEN}\n"),
    )
    .expect("write");
    commit_all(root, "copy ci", "2024-01-05T10:00:00Z");
    git(root, &["checkout", "-q", "main"], "2024-01-06T10:00:00Z");
    dir
}

fn context(config: toml::Table) -> CollectContext {
    CollectContext {
        scan_id: ScanId::new(Timestamp::UNIX_EPOCH),
        clock: Arc::new(FixedClock(Timestamp::UNIX_EPOCH)),
        limits: Limits {
            max_file_size: 1024 * 1024,
            concurrency: 2,
        },
        cancel: CancellationToken::new(),
        config,
    }
}

async fn collect(repo: &Path, extra: &str) -> (Result<(), CollectError>, Recorded) {
    let section: toml::Table = toml::from_str(&format!(
        "repos = [{:?}]\n{extra}",
        repo.display().to_string()
    ))
    .expect("toml");
    let collector = GitCollector::new(RuleSet::builtin());
    let sink = RecordingSink::default();
    let result = collector.collect(&context(section), &sink).await;
    (result, sink.into_recorded())
}

fn summary(findings: &[Finding]) -> Vec<(String, String, String, u64, u64)> {
    let mut rows: Vec<(String, String, String, u64, u64)> = findings
        .iter()
        .map(|f| {
            let provenance = f
                .provenance
                .as_ref()
                .expect("history findings have provenance");
            let Location::File { commit, .. } = &f.location else {
                panic!("a file location")
            };
            assert_eq!(commit.as_deref(), Some(provenance.commit.as_str()));
            (
                f.rule_id.clone(),
                provenance.path.clone(),
                provenance.date.to_string(),
                provenance.commits,
                provenance.paths,
            )
        })
        .collect();
    rows.sort();
    rows.dedup();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_findings_carry_the_commit_that_introduced_them() {
    let dir = repository();
    let (result, recorded) = collect(dir.path(), "").await;
    result.expect("collects");
    assert!(recorded.errors.is_empty(), "{:?}", recorded.errors);
    assert_eq!(
        summary(&recorded.findings),
        [
            (
                "aws-access-key-id".into(),
                "aws.ini".into(),
                "2024-01-02T10:00:00Z".into(),
                1,
                1
            ),
            (
                "aws-secret-access-key".into(),
                "aws.ini".into(),
                "2024-01-02T10:00:00Z".into(),
                1,
                1
            ),
            (
                "github-pat".into(),
                "ci.sh".into(),
                "2024-01-04T10:00:00Z".into(),
                2,
                2
            ),
            (
                "github-pat".into(),
                "scripts/ci.sh".into(),
                "2024-01-05T10:00:00Z".into(),
                2,
                2
            ),
        ]
    );
    let first = &recorded.findings[0];
    let provenance = first.provenance.as_ref().expect("provenance");
    assert_eq!(provenance.author, "Dana Dev <dana@example.org>");
    let introduced = rev(dir.path(), "main~1");
    assert!(
        recorded
            .findings
            .iter()
            .filter(|f| f.rule_id.starts_with("aws"))
            .all(|f| f
                .provenance
                .as_ref()
                .is_some_and(|p| p.commit == introduced))
    );
    // Each unique blob is scanned once: README, aws.ini, ci.sh (the copy is the
    // same blob); the binary blob is skipped and named.
    assert_eq!(recorded.scanned, 3);
    assert_eq!(recorded.skipped.len(), 1, "{:?}", recorded.skipped);
    assert!(recorded.skipped[0].0.starts_with("logo.bin @") && recorded.skipped[0].1 == "binary");
    // One credential node for the token, exposed in both files.
    let token_edges = recorded
        .edges
        .iter()
        .filter(|e| {
            e.kind == nhiscope_model::EdgeKind::ExposedIn && e.from.as_str().starts_with("github:")
        })
        .count();
    assert_eq!(token_edges, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_clones_give_the_same_findings() {
    let dir = repository();
    let bare = tempfile::tempdir().expect("temp dir");
    let target = bare.path().join("repo.git");
    let status = Command::new("git")
        .args(["clone", "-q", "--mirror"])
        .arg(dir.path())
        .arg(&target)
        .status()
        .expect("git runs");
    assert!(status.success());
    assert!(crate::is_repository_root(&target));
    let (result, bare_found) = collect(&target, "").await;
    result.expect("collects");
    let (_, work_found) = collect(dir.path(), "").await;
    assert_eq!(summary(&bare_found.findings), summary(&work_found.findings));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_reads_only_newer_commits() {
    let dir = repository();
    let (result, recorded) = collect(dir.path(), "since = \"main\"").await;
    result.expect("collects");
    let rules: Vec<String> = summary(&recorded.findings)
        .into_iter()
        .map(|row| row.0)
        .collect();
    assert_eq!(rules, ["github-pat", "github-pat"]);
    let (result, _) = collect(dir.path(), "since = \"no-such-branch\"").await;
    let error = result.expect_err("unknown revision");
    assert!(
        error.to_string().contains("no repository could be read"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staged_reads_only_what_differs_from_head() {
    let dir = repository();
    let root = dir.path();
    std::fs::write(
        root.join("new.env"),
        format!("AWS_ACCESS_KEY_ID={KEY_ID}\n"),
    )
    .expect("write");
    std::fs::write(root.join("unstaged.env"), format!("TOKEN={TOKEN}\n")).expect("write");
    git(root, &["add", "new.env"], "2024-02-01T00:00:00Z");
    let (result, recorded) = collect(root, "staged = true").await;
    result.expect("collects");
    let found: Vec<(&str, bool)> = recorded
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.provenance.is_none()))
        .collect();
    assert_eq!(found, [("aws-access-key-id", true)]);
    assert_eq!(recorded.scanned, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_that_is_not_a_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (result, recorded) = collect(dir.path(), "").await;
    assert!(result.is_err());
    assert_eq!(recorded.errors.len(), 1);
    assert!(
        recorded.errors[0]
            .1
            .contains("not a readable git repository"),
        "{:?}",
        recorded.errors
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shallow_clones_are_read_as_far_as_they_go() {
    let dir = repository();
    let shallow = tempfile::tempdir().expect("temp dir");
    let target = shallow.path().join("shallow");
    let status = Command::new("git")
        .args(["clone", "-q", "--depth", "1", "--no-single-branch"])
        .arg(format!("file://{}", dir.path().display()))
        .arg(&target)
        .status()
        .expect("git runs");
    assert!(status.success());
    let (result, recorded) = collect(&target, "").await;
    result.expect("a shallow clone is readable");
    assert!(recorded.errors.is_empty(), "{:?}", recorded.errors);
    // The feature branch's tip still holds the token; the deleted AWS key
    // lived in commits the clone does not have.
    let rules: Vec<String> = summary(&recorded.findings)
        .into_iter()
        .map(|row| row.0)
        .collect();
    assert!(rules.contains(&"github-pat".to_string()), "{rules:?}");
    assert!(
        !rules.iter().any(|rule| rule.starts_with("aws")),
        "{rules:?}"
    );
    assert!(
        recorded
            .skipped
            .iter()
            .any(|(_, reason)| reason == "missing_objects"),
        "{:?}",
        recorded.skipped
    );
}

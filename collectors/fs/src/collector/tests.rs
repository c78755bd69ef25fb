use std::sync::Arc;

use jiff::Timestamp;
use nhiscope_collect::{FixedClock, Limits, Recorded, RecordingSink};
use nhiscope_model::{Location, ScanId};
use tokio_util::sync::CancellationToken;

use super::*;

const KEY_ID: &str = "AKIAUJZDEGXDNCF32EPF";
const SECRET: &str = "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";

fn context(config: toml::Table) -> CollectContext {
    CollectContext {
        scan_id: ScanId::new(Timestamp::UNIX_EPOCH),
        clock: Arc::new(FixedClock(Timestamp::UNIX_EPOCH)),
        limits: Limits {
            max_file_size: 1024,
            concurrency: 2,
        },
        cancel: CancellationToken::new(),
        config,
    }
}

fn section(paths: &[&Path], extra: &str) -> toml::Table {
    let paths: Vec<String> = paths
        .iter()
        .map(|p| format!("{:?}", p.display().to_string()))
        .collect();
    toml::from_str(&format!("paths = [{}]\n{extra}", paths.join(", "))).expect("valid toml")
}

async fn collect(config: toml::Table) -> (Result<(), CollectError>, Recorded) {
    let collector = FsCollector::new(RuleSet::builtin());
    let sink = RecordingSink::default();
    let result = collector.collect(&context(config), &sink).await;
    (result, sink.into_recorded())
}

fn estate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("app/config")).expect("mkdir");
    std::fs::write(
        root.join("app/config/aws.ini"),
        format!("[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"),
    )
    .expect("write");
    std::fs::write(root.join(".gitignore"), "ignored.env\n").expect("write");
    std::fs::write(
        root.join("ignored.env"),
        "GITHUB_TOKEN=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\n",
    )
    .expect("write");
    std::fs::write(
        root.join("logo.png"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR AKIAUJZDEGXDNCF32EPF",
    )
    .expect("write");
    std::fs::write(root.join("big.log"), "x".repeat(2048)).expect("write");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_planted_keys_and_names_what_it_skips() {
    let dir = estate();
    let (result, recorded) = collect(section(&[dir.path()], "")).await;
    result.expect("collects");
    let mut found: Vec<(String, u32, String)> = recorded
        .findings
        .iter()
        .map(|f| match &f.location {
            Location::File { path, line, .. } => (
                path.strip_prefix(&dir.path().display().to_string())
                    .unwrap_or(path)
                    .to_string(),
                *line,
                f.rule_id.clone(),
            ),
            other => panic!("unexpected location {other:?}"),
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "/app/config/aws.ini".to_string(),
                2,
                "aws-access-key-id".to_string()
            ),
            (
                "/app/config/aws.ini".to_string(),
                3,
                "aws-secret-access-key".to_string()
            ),
        ]
    );
    let mut skipped: Vec<String> = recorded
        .skipped
        .iter()
        .map(|(path, reason)| {
            format!(
                "{}:{reason}",
                Path::new(path)
                    .file_name()
                    .expect("a file")
                    .to_string_lossy()
            )
        })
        .collect();
    skipped.sort();
    assert_eq!(skipped, ["big.log:too_large", "logo.png:binary"]);
    assert_eq!(recorded.scanned, 2, ".gitignore and aws.ini");
    assert!(recorded.errors.is_empty(), "{:?}", recorded.errors);
    // the directory, the file, and two credentials exposed in the file
    assert_eq!(recorded.nodes.len(), 4);
    let kinds: Vec<&str> = recorded.edges.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["contains", "exposed_in", "exposed_in"]);
    let debug = format!(
        "{:?}{:?}{:?}",
        recorded.nodes, recorded.edges, recorded.findings
    );
    assert!(!debug.contains(KEY_ID) && !debug.contains(SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_ignored_reads_gitignored_files() {
    let dir = estate();
    let (_, recorded) = collect(section(&[dir.path()], "include_ignored = true")).await;
    assert!(recorded.findings.iter().any(|f| f.rule_id == "github-pat"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excludes_and_single_files() {
    let dir = estate();
    let (_, recorded) = collect(section(&[dir.path()], "exclude = [\"app/**\"]")).await;
    assert!(recorded.findings.is_empty());
    let file = dir.path().join("app/config/aws.ini");
    let (_, recorded) = collect(section(&[&file], "")).await;
    assert_eq!(recorded.findings.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_root_is_an_error_and_the_others_are_scanned() {
    let dir = estate();
    let missing = dir.path().join("nope");
    let (result, recorded) = collect(section(&[&missing, dir.path()], "")).await;
    result.expect("one root was readable");
    assert_eq!(recorded.findings.len(), 2);
    assert_eq!(recorded.errors.len(), 1);
    assert!(
        recorded.errors[0].1.contains("cannot open"),
        "{:?}",
        recorded.errors
    );
    let (result, _) = collect(section(&[&missing], "")).await;
    let error = result.expect_err("nothing readable");
    assert!(
        error
            .to_string()
            .contains("none of the paths can be opened")
    );
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_file_is_a_per_file_error() {
    // Reading /proc/self/mem from offset 0 fails with EIO for every user,
    // root included, which chmod cannot arrange.
    let dir = estate();
    std::os::unix::fs::symlink("/proc/self/mem", dir.path().join("core.dump")).expect("symlink");
    let (result, recorded) = collect(section(&[dir.path()], "follow_symlinks = true")).await;
    result.expect("the other files are scanned");
    assert_eq!(recorded.findings.len(), 2);
    assert_eq!(recorded.errors.len(), 1, "{:?}", recorded.errors);
    let (location, message) = &recorded.errors[0];
    assert!(
        location
            .as_deref()
            .is_some_and(|l| l.ends_with("core.dump"))
    );
    assert!(message.starts_with("cannot read "), "{message}");
    assert!(
        message.ends_with("check its permissions or exclude it"),
        "{message}"
    );

    let (_, recorded) = collect(section(&[dir.path()], "")).await;
    assert!(recorded.errors.is_empty());
    assert!(
        recorded
            .skipped
            .iter()
            .any(|(path, reason)| path.ends_with("core.dump") && reason == "symlink_not_followed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitleaksignore_entries_are_skipped_and_named() {
    let dir = estate();
    std::fs::write(
        dir.path().join(".gitleaksignore"),
        "# reviewed: rotated long ago\napp/config/aws.ini:aws-access-key-id:2\n",
    )
    .expect("write");
    let (_, recorded) = collect(section(&[dir.path()], "")).await;
    let rules: Vec<&str> = recorded
        .findings
        .iter()
        .map(|f| f.rule_id.as_str())
        .collect();
    assert_eq!(rules, ["aws-secret-access-key"]);
    assert!(
        recorded.skipped.iter().any(
            |(what, reason)| what.ends_with("aws.ini:2:aws-access-key-id")
                && reason == "ignored_finding"
        ),
        "{:?}",
        recorded.skipped
    );
}

#[test]
fn config_is_checked() {
    let collector = FsCollector::new(RuleSet::builtin());
    let bad: toml::Table = toml::from_str("pathz = [\"x\"]").expect("toml");
    let error = collector.check_config(&bad).expect_err("unknown key");
    assert!(
        error.to_string().starts_with("[fs] unknown field `pathz`"),
        "{error}"
    );
    let bad: toml::Table = toml::from_str("exclude = [\"a/{b\"]").expect("toml");
    let error = collector.check_config(&bad).expect_err("bad glob");
    assert!(
        error.to_string().contains("exclude pattern `a/{b`"),
        "{error}"
    );
}

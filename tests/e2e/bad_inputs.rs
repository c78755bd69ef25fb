//! Bad inputs get one clear line on stderr and a documented exit code, and
//! never damage the store.

use crate::support::{Scratch, demo_estate, json, run};

/// Asserts stderr is exactly one `error: ...` line and returns it.
fn one_error_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "expected one line on stderr, got:\n{stderr}"
    );
    assert!(lines[0].starts_with("error: "), "{stderr}");
    lines[0]
}

fn store_bytes(scratch: &Scratch) -> Vec<u8> {
    std::fs::read(scratch.db()).expect("the store exists")
}

/// A store holding one scan of the demo estate.
fn scratch_with_a_scan() -> Scratch {
    let scratch = Scratch::new();
    let result = run(scratch.nhiscope().arg("scan").arg(demo_estate()).arg("-q"));
    assert_eq!(result.code, 0, "{}", result.stderr);
    scratch
}

#[test]
fn a_missing_path_is_a_usage_error_and_creates_no_store() {
    let scratch = Scratch::new();
    let result = run(scratch.nhiscope().args(["scan", "no/such/dir"]));
    assert_eq!(result.code, 2);
    assert_eq!(
        one_error_line(&result.stderr),
        "error: the path to scan `no/such/dir` does not exist; check the spelling or the working directory"
    );
    assert_eq!(result.stdout, "");
    assert!(!scratch.db().exists());
}

#[test]
fn a_malformed_config_names_the_file_and_key_and_leaves_the_store_alone() {
    let scratch = scratch_with_a_scan();
    let before = store_bytes(&scratch);
    scratch.write(
        "nhiscope.toml",
        "[fs]\npaths = [\".\"]\nfollow_symlink = true\n",
    );
    let result = run(scratch.nhiscope().arg("scan"));
    assert_eq!(result.code, 2);
    let line = one_error_line(&result.stderr);
    assert!(
        line.starts_with("error: nhiscope.toml: [fs] unknown field `follow_symlink`"),
        "{line}"
    );
    scratch.write("nhiscope.toml", "[fs\n");
    let result = run(scratch.nhiscope().arg("scan"));
    assert_eq!(result.code, 2);
    assert!(one_error_line(&result.stderr).starts_with("error: nhiscope.toml:1:4: "));
    let explicit = scratch.write("other.toml", "[scan]\nfail_on = \"sometimes\"\n");
    let result = run(scratch
        .nhiscope()
        .arg("scan")
        .arg("--config")
        .arg(&explicit));
    assert_eq!(result.code, 2);
    assert!(
        one_error_line(&result.stderr).contains("other.toml: [scan] unknown variant `sometimes`"),
        "{}",
        result.stderr
    );
    assert_eq!(store_bytes(&scratch), before);
}

#[test]
fn a_store_of_another_schema_version_is_refused_untouched() {
    let scratch = scratch_with_a_scan();
    {
        let conn = duckdb::Connection::open(scratch.db()).expect("opens");
        conn.execute("UPDATE schema_version SET version = 4", [])
            .expect("updates");
    }
    let before = store_bytes(&scratch);
    for args in [vec!["scan", "."], vec!["scans"], vec!["findings"]] {
        let result = run(scratch.nhiscope().args(&args));
        assert_eq!(result.code, 2, "{args:?}");
        let line = one_error_line(&result.stderr);
        assert!(
            line.contains("has schema version 4 and this nhiscope reads version 3"),
            "{line}"
        );
        assert_eq!(store_bytes(&scratch), before, "{args:?} changed the store");
    }
}

#[test]
fn a_file_that_is_not_a_store_is_refused_untouched() {
    let scratch = Scratch::new();
    std::fs::write(scratch.db(), "not a database at all\n".repeat(100)).expect("writes");
    let before = store_bytes(&scratch);
    let result = run(scratch.nhiscope().args(["scan", "."]));
    assert_eq!(result.code, 2);
    assert!(one_error_line(&result.stderr).starts_with("error: cannot open the store "));
    assert_eq!(store_bytes(&scratch), before);
}

#[test]
fn listing_without_a_store_says_how_to_make_one() {
    let scratch = Scratch::new();
    let result = run(scratch.nhiscope().arg("scans"));
    assert_eq!(result.code, 2);
    assert!(
        one_error_line(&result.stderr)
            .ends_with("run `nhiscope scan` first, or pass --db with the store's path")
    );
    let result = run(scratch.nhiscope().args(["findings", "--scan", "bogus!"]));
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("is not a scan"), "{}", result.stderr);
}

#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_file_makes_the_scan_incomplete_but_keeps_everything_else() {
    let scratch = Scratch::new();
    scratch.write(
        "repo/app.env",
        "GITHUB_TOKEN=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\n",
    );
    // Reading /proc/self/mem fails with EIO for every user, root included.
    std::os::unix::fs::symlink("/proc/self/mem", scratch.path().join("repo/core.dump"))
        .expect("symlink");
    scratch.write(
        "nhiscope.toml",
        "[fs]\npaths = [\"repo\"]\nfollow_symlinks = true\n",
    );
    let result = run(scratch.nhiscope().args(["scan", "--format", "json"]));
    assert_eq!(result.code, 3, "{}", result.stderr);
    let report = json(&result);
    assert_eq!(report["scan"]["status"], "incomplete");
    assert_eq!(report["findings"].as_array().expect("a list").len(), 1);
    let errors = report["source_errors"].as_array().expect("a list");
    assert_eq!(errors.len(), 1);
    let message = errors[0]["message"].as_str().expect("a message");
    assert!(
        message.starts_with("cannot read repo/core.dump: ")
            && message.ends_with("check its permissions or exclude it")
            && !message.contains('\n'),
        "{message}"
    );
    assert!(result.stderr.contains(message), "{}", result.stderr);
    // The incomplete scan was stored with its error.
    let scans = json(&run(scratch.nhiscope().args(["scans", "--format", "json"])));
    assert_eq!(scans[0]["status"], "incomplete");
    assert_eq!(scans[0]["source_errors"], 1);
}

#[test]
fn bad_arguments_are_usage_errors() {
    let scratch = Scratch::new();
    let result = run(scratch.nhiscope().args(["scan", "--fail-on", "severe"]));
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("invalid value 'severe'"),
        "{}",
        result.stderr
    );
    let result = run(scratch.nhiscope().arg("--version"));
    assert_eq!(result.code, 0);
    assert_eq!(
        result.stdout,
        format!("nhiscope {}\n", env!("CARGO_PKG_VERSION"))
    );
}

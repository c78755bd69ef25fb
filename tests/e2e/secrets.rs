//! No plaintext secret is ever written: not to stdout, stderr, report files,
//! logs or the store.

use std::path::Path;

use crate::support::{Scratch, run};

/// Planted secrets, each in the form its rule recognises.
const PLANTED: &[(&str, &str)] = &[
    ("AKIA4TQZ6KNVHOPEJM2W", "aws_access_key_id = {}"),
    (
        "Vb9zq3QmTfE2wXo8Rk1s/Yu7Lp4HcN6dGj0aZiKe",
        "aws_secret_access_key = {}",
    ),
    ("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", "token = {}"),
    (
        "xoxb-771993046288-4815162342108-Q7mZp2LkR9sT4vWx8YbN3cDf",
        "SLACK={}",
    ),
    ("sk_live_9fK2mQ7xR4tW8zB1nC6vJ3pL5sD0gH", "STRIPE={}"),
    (
        "npm_8hQ2kV7mX4pR9tZ3wL6nB1cF5jD0sG2yT8uE",
        "//registry.npmjs.org/:_authToken={}",
    ),
    ("T7mQ2pX9kL4vR8zN3wB6", "postgres://svc:{}@db.internal/app"),
    ("Zq8Rm3Tp7Xk2Wv9Ln4Bc6Hd1Jf5Gs0Yt", "SESSION_SECRET={}"),
];

const PRIVATE_KEY: &str = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIETVfWJDDtN//jg3riVZOLfafdLB5A0ajANQFfqZ2W5GoAoGCCqGSM49
AwEHoUQDQgAESaVvsOwnRjBdzes6OeOE8vOSZ98rmandZQjD5Uxn7Au8bFI28h4/
ekO0q69ze+7SuYtuu97bq/nfaST4357BKw==
-----END EC PRIVATE KEY-----";

/// Every secret and its 10-character windows: no rendering may contain one.
fn forbidden() -> Vec<String> {
    let mut all: Vec<&str> = PLANTED.iter().map(|(secret, _)| *secret).collect();
    let body: String = PRIVATE_KEY
        .lines()
        .skip(1)
        .take(3)
        .collect::<Vec<_>>()
        .join("");
    let body_owned = body;
    let mut windows: Vec<String> = Vec::new();
    all.push(&body_owned);
    for secret in all {
        let chars: Vec<char> = secret.chars().collect();
        for window in chars.windows(10) {
            windows.push(window.iter().collect());
        }
    }
    windows
}

fn assert_clean(what: &str, text: &str, forbidden: &[String]) {
    for window in forbidden {
        assert!(
            !text.contains(window.as_str()),
            "{what} contains `{window}`:\n{text}"
        );
    }
}

fn plant(scratch: &Scratch) -> std::path::PathBuf {
    let mut content = String::new();
    for (secret, template) in PLANTED {
        content.push_str(&template.replace("{}", secret));
        content.push('\n');
    }
    scratch.write("repo/config/all.env", &content);
    scratch.write("repo/keys/service.pem", PRIVATE_KEY);
    scratch.path().join("repo")
}

/// Every value in every table of the store, as text.
fn dump_store(path: &Path) -> String {
    let conn = duckdb::Connection::open(path).expect("the store opens");
    let mut tables = Vec::new();
    {
        let mut statement = conn
            .prepare("SELECT table_name FROM information_schema.tables ORDER BY table_name")
            .expect("prepares");
        let mut rows = statement.query([]).expect("queries");
        while let Some(row) = rows.next().expect("a row") {
            tables.push(row.get::<_, String>(0).expect("a name"));
        }
    }
    assert!(tables.len() >= 7, "{tables:?}");
    let mut dump = String::new();
    for table in tables {
        let mut statement = conn
            .prepare(&format!("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM {table}"))
            .expect("prepares");
        let mut rows = statement.query([]).expect("queries");
        while let Some(row) = rows.next().expect("a row") {
            let mut index = 0;
            while let Ok(value) = row.get::<_, Option<String>>(index) {
                dump.push_str(&value.unwrap_or_default());
                dump.push('\t');
                index += 1;
            }
            dump.push('\n');
        }
    }
    dump
}

#[test]
fn no_output_of_any_command_contains_a_planted_secret() {
    let scratch = Scratch::new();
    let repo = plant(&scratch);
    let forbidden = forbidden();

    let mut runs = Vec::new();
    for (format, verbosity) in [
        ("text", "-v"),
        ("json", "-vvv"),
        ("text", "-vv"),
        ("json", "-q"),
    ] {
        let output = scratch
            .path()
            .join(format!("report-{format}{verbosity}.out"));
        let to_stdout = run(scratch
            .nhiscope()
            .arg("scan")
            .arg(&repo)
            .args(["--format", format, verbosity]));
        assert_eq!(to_stdout.code, 0, "{}", to_stdout.stderr);
        let to_file = run(scratch
            .nhiscope()
            .arg("scan")
            .arg(&repo)
            .args(["--format", format, verbosity, "--output"])
            .arg(&output));
        assert_eq!(to_file.code, 0, "{}", to_file.stderr);
        let file = std::fs::read_to_string(&output).expect("the report file");
        runs.push((format!("{format} {verbosity} stdout"), to_stdout.stdout));
        runs.push((format!("{format} {verbosity} stderr"), to_stdout.stderr));
        runs.push((format!("{format} {verbosity} file"), file));
        runs.push((
            format!("{format} {verbosity} file-run stderr"),
            to_file.stderr,
        ));
    }
    for args in [
        vec!["scans"],
        vec!["scans", "--format", "json"],
        vec!["findings", "-vvv"],
        vec!["findings", "--format", "json"],
        vec!["report", "--format", "json"],
        vec!["report", "--format", "text"],
    ] {
        let result = run(scratch.nhiscope().args(&args));
        assert_eq!(result.code, 0, "{args:?}: {}", result.stderr);
        runs.push((format!("{args:?} stdout"), result.stdout));
        runs.push((format!("{args:?} stderr"), result.stderr));
    }
    // The scans found what was planted (so the check above is not vacuous).
    let report = &runs
        .iter()
        .find(|(what, _)| what == "json -q file")
        .expect("a run")
        .1;
    let report: serde_json::Value = serde_json::from_str(report).expect("JSON");
    assert_eq!(
        report["findings"].as_array().expect("a list").len(),
        PLANTED.len() + 1
    );

    for (what, text) in &runs {
        assert_clean(what, text, &forbidden);
    }
    assert_clean("the store's tables", &dump_store(&scratch.db()), &forbidden);
    for entry in std::fs::read_dir(scratch.path()).expect("lists") {
        let path = entry.expect("an entry").path();
        if path
            .extension()
            .is_some_and(|ext| ext == "duckdb" || ext == "wal")
        {
            let bytes = std::fs::read(&path).expect("readable");
            assert_clean(
                &format!("the bytes of {}", path.display()),
                &String::from_utf8_lossy(&bytes),
                &forbidden,
            );
        }
    }
}

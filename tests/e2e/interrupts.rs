//! Interrupted and killed scans never damage the store.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

use crate::support::{Scratch, demo_estate, json, run};

/// A directory with many files, each holding a credential, so a scan of it
/// takes long enough to be interrupted and writes a lot.
fn big_tree(scratch: &Scratch, files: usize) -> std::path::PathBuf {
    let root = scratch.path().join("big");
    for index in 0..files {
        let dir = root.join(format!("d{}", index / 500));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(
            dir.join(format!("f{index}.env")),
            format!("SESSION_SECRET=Zq8Rm3Tp7Xk2Wv9Ln4Bc6H{index:010}\nnothing else here\n"),
        )
        .expect("write");
    }
    root
}

fn stored_scans(scratch: &Scratch) -> Vec<serde_json::Value> {
    let listing = run(scratch.nhiscope().args(["scans", "--format", "json"]));
    assert_eq!(
        listing.code, 0,
        "the store must still open: {}",
        listing.stderr
    );
    json(&listing).as_array().expect("a list").clone()
}

#[test]
fn ctrl_c_stores_what_was_collected_and_exits_130() {
    let scratch = Scratch::new();
    let tree = big_tree(&scratch, 20_000);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("nhiscope"))
        .current_dir(scratch.path())
        .env("NO_COLOR", "1")
        .env_remove("NHISCOPE_LOG")
        .arg("--db")
        .arg(scratch.db())
        .args(["scan", "-v", "--format", "json", "--output", "report.json"])
        .arg(&tree)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    let mut line = String::new();
    while stderr.read_line(&mut line).expect("reads") > 0 && !line.contains("scan started") {
        line.clear();
    }
    assert!(line.contains("scan started"), "the scan did not start");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("reads");
    let code = child.wait().expect("exits").code();
    assert_eq!(code, Some(130), "stderr: {rest}");
    assert!(rest.contains("interrupted: stopping collectors"), "{rest}");
    let scans = stored_scans(&scratch);
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0]["status"], "interrupted");
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(scratch.path().join("report.json")).expect("the report"),
    )
    .expect("JSON");
    assert_eq!(report["scan"]["status"], "interrupted");
    let findings = report["findings"].as_array().expect("a list").len();
    assert!(
        findings < 20_000,
        "the scan stopped early ({findings} findings)"
    );
    assert_eq!(scans[0]["findings"]["medium"], findings);
}

#[test]
fn a_scan_killed_while_writing_leaves_earlier_scans_intact() {
    let scratch = Scratch::new();
    let first = run(scratch.nhiscope().arg("scan").arg(demo_estate()).arg("-q"));
    assert_eq!(first.code, 0, "{}", first.stderr);
    let tree = big_tree(&scratch, 8_000);
    for delay_ms in [300u64, 700, 1500, 3000] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("nhiscope"))
            .current_dir(scratch.path())
            .arg("--db")
            .arg(scratch.db())
            .args(["scan", "-q"])
            .arg(&tree)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let scans = stored_scans(&scratch);
        assert_eq!(scans[0]["number"], 1, "after {delay_ms} ms");
        assert_eq!(scans[0]["nodes"], 115, "scan #1 intact after {delay_ms} ms");
        for scan in &scans[1..] {
            // Any scan that made it in is whole.
            // the directory, and a file and a credential per file
            assert_eq!(scan["nodes"], 16_001, "after {delay_ms} ms: {scan}");
        }
    }
}

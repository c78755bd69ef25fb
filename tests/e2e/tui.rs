//! The explorer (`nhiscope tui`) on the demo estate: every view as the user
//! sees it (TestBackend snapshots), the newcomer's path from the top finding
//! to the identity's graph and back, a scan written while it is open, and
//! the real binary in a real terminal under tmux.

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use nhiscope_tui::{Headless, Options};

use crate::support::{Scratch, run};

const AS_OF: &str = "2026-11-20";

/// Scans from the repository's root, so paths read `fixtures/...` as in
/// the README.
fn scan(scratch: &Scratch, args: &[&str]) {
    let result = run(scratch
        .nhiscope()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["scan", "-q", "--as-of", AS_OF, "-f", "json"])
        .args(args));
    assert_eq!(result.code, 0, "{}", result.stderr);
}

const ESTATE: [&str; 3] = [
    "fixtures/demo-estate",
    "--aws-export",
    "fixtures/demo-estate/exports/aws",
];

/// The whole demo estate (files, cluster, AWS) in a scratch store.
fn demo_store() -> Scratch {
    let scratch = Scratch::new();
    scan(&scratch, &ESTATE);
    scratch
}

fn options(scratch: &Scratch) -> Options {
    Options {
        db: scratch.db(),
        scan: nhiscope_graph::ScanSelector::Latest,
        color: false,
        as_of: Some(format!("{AS_OF}T00:00:00Z").parse().expect("a time")),
    }
}

fn open(scratch: &Scratch, size: (u16, u16)) -> Headless {
    let mut tui = Headless::open(&options(scratch), size).expect("the explorer opens");
    tui.settle();
    tui
}

fn press(tui: &mut Headless, keys: &[&str]) {
    for key in keys {
        tui.press(key).expect("a key");
        tui.settle();
    }
}

fn type_text(tui: &mut Headless, text: &str) {
    for c in text.chars() {
        let key = if c == ',' {
            "Comma".to_string()
        } else {
            c.to_string()
        };
        press(tui, &[&key]);
    }
}

/// Screens with what changes between runs (scan ids, the checkout's path)
/// replaced; clock times and the version are filtered by [`snapshot`].
fn stable(screen: &str, scratch: &Scratch) -> String {
    let mut text = screen.replace(env!("CARGO_MANIFEST_DIR"), "[repo]");
    let scans = crate::support::json(&run(scratch.nhiscope().args(["scans", "-f", "json"])));
    for scan in scans.as_array().expect("scans") {
        let id = scan["id"].as_str().expect("an id");
        // Replacements as wide as what they replace keep the boxes intact.
        text = text
            .replace(id, "[scan-id...........................]")
            .replace(&id[..8], "[scanid]");
    }
    text
}

/// Snapshots a screen with times and the version filtered.
macro_rules! snapshot {
    ($name:expr, $screen:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.add_filter(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "YYYY-MM-DD hh:mm");
        settings.add_filter(r"nhiscope \d+\.\d+\.\d+", "nhiscope x.y.z");
        settings.bind(|| insta::assert_snapshot!($name, $screen));
    }};
}

#[test]
fn every_view_of_the_demo_estate() {
    let scratch = demo_store();
    let mut tui = open(&scratch, (80, 24));
    let mut shots = Vec::new();
    shots.push(("overview", tui.screen()));
    press(&mut tui, &["2"]);
    shots.push(("findings", tui.screen()));
    press(&mut tui, &["Enter"]);
    shots.push(("finding detail", tui.screen()));
    press(&mut tui, &["Enter"]);
    shots.push(("graph of its identity", tui.screen()));
    press(&mut tui, &["3"]);
    shots.push(("inventory", tui.screen()));
    press(&mut tui, &["Enter"]);
    shots.push(("node detail", tui.screen()));
    press(&mut tui, &["5"]);
    shots.push(("scans", tui.screen()));
    press(&mut tui, &["2", "f"]);
    shots.push(("filter picker", tui.screen()));
    press(&mut tui, &["Esc", "?"]);
    shots.push(("help", tui.screen()));
    for (name, screen) in shots {
        snapshot!(
            format!("tui_80x24_{}", name.replace(' ', "_")),
            stable(&screen, &scratch)
        );
    }

    // A larger terminal gets more columns and panes side by side.
    let mut wide = open(&scratch, (140, 36));
    press(&mut wide, &["2"]);
    snapshot!("tui_140x36_findings", stable(&wide.screen(), &scratch));
    press(&mut wide, &["Enter", "j", "j", "Enter"]);
    snapshot!("tui_140x36_graph", stable(&wide.screen(), &scratch));
}

#[test]
fn from_a_leaked_key_to_its_user_what_it_reaches_and_back() {
    let scratch = demo_store();
    let mut tui = open(&scratch, (100, 30));
    // Findings, searched for the leaked key's preview.
    press(&mut tui, &["2", "/"]);
    type_text(&mut tui, "p3zy");
    press(&mut tui, &["Enter"]);
    let list = tui.screen();
    assert!(list.contains("\"p3zy\""), "{list}");
    let first = list
        .lines()
        .find(|l| l.contains("CRIT") || l.contains("HIGH"))
        .expect("a finding row");
    assert!(first.contains("exposed-credential-live"), "{list}");

    // Its detail: what to do first, the nodes it is about, the identity
    // among them selected.
    press(&mut tui, &["Enter"]);
    let detail = tui.screen();
    assert!(detail.contains("Exposed access key is live"), "{detail}");
    assert!(detail.contains("What to do"), "{detail}");
    assert!(
        detail.contains("AKIA…P3ZY"),
        "the redacted evidence: {detail}"
    );
    assert!(
        detail.contains("> legacy-reporting (iam_user)"),
        "the identity is selected: {detail}"
    );

    // Enter: the user's neighbourhood — the leaked key authenticates as it,
    // and it holds AdministratorAccess.
    press(&mut tui, &["Enter"]);
    let user = tui.screen();
    assert!(user.contains("legacy-reporting (iam_user)"), "{user}");
    assert!(
        user.lines()
            .any(|l| l.contains("has permission") && l.contains("AdministratorAccess")),
        "{user}"
    );
    assert!(
        user.lines()
            .any(|l| l.contains("authenticated by") && l.contains("AKIAXQIUQF7OIJKXP3ZY")),
        "{user}"
    );
    assert!(
        user.contains("★ AdministratorAccess"),
        "the blast radius: {user}"
    );

    // Back to the finding, to its key's neighbourhood, and along the edge
    // from the key to the user that owns it.
    press(&mut tui, &["Esc"]);
    assert!(tui.screen().contains("What to do"), "{}", tui.screen());
    press(&mut tui, &["k", "k", "Enter"]);
    let key = tui.screen();
    assert!(
        key.contains("AKIAXQIUQF7OIJKXP3ZY of legacy-reporting (access_key)"),
        "{key}"
    );
    let line = key
        .lines()
        .find(|l| l.contains("authenticates as"))
        .unwrap_or_else(|| panic!("an authenticates_as edge: {key}"));
    assert!(line.contains("legacy-reporting"), "{key}");
    press(&mut tui, &["Enter"]);
    assert!(
        tui.screen().contains("legacy-reporting (iam_user)"),
        "{}",
        tui.screen()
    );
    press(&mut tui, &["Esc"]);
    assert!(tui.screen().contains("(access_key)"), "{}", tui.screen());
    press(&mut tui, &["Esc"]);
    assert!(tui.screen().contains("What to do"), "{}", tui.screen());
    press(&mut tui, &["Esc"]);
    let back = tui.screen();
    assert!(
        back.contains("\"p3zy\""),
        "the list keeps its search: {back}"
    );
    press(&mut tui, &["Esc"]);
    assert!(!tui.screen().contains("\"p3zy\""), "a last Esc clears it");

    // y copies the fingerprint of the selected finding (OSC 52 in a terminal).
    press(&mut tui, &["y"]);
    let copied = tui.copied().last().expect("a copy");
    assert_eq!(copied.len(), 64, "{copied}");
    assert!(copied.chars().all(|c| c.is_ascii_hexdigit()));

    // Sort, severity filter and the filter picker narrow the list.
    press(&mut tui, &["v"]);
    assert!(tui.screen().contains("· critical"), "{}", tui.screen());
    press(&mut tui, &["s", "s"]);
    assert!(tui.screen().contains("sort age"), "{}", tui.screen());
    press(&mut tui, &["x"]);
    assert!(tui.screen().contains("Findings 70 ·"), "{}", tui.screen());

    // e exports the filtered list.
    press(&mut tui, &["/"]);
    type_text(&mut tui, "legacy-reporting");
    press(&mut tui, &["Enter", "e"]);
    for _ in 0..40 {
        press(&mut tui, &["Backspace"]);
    }
    let file = scratch.path().join("legacy.json");
    type_text(&mut tui, file.to_str().expect("utf-8"));
    press(&mut tui, &["Enter"]);
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("exported")).expect("JSON");
    let rows = exported.as_array().expect("an array");
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["fingerprint"].as_str().is_some_and(|f| f.len() == 64)),
        "{exported:#}"
    );
    assert!(
        !std::fs::read_to_string(&file)
            .expect("exported")
            .contains("AKIAXQIUQF7OIJKXP3ZY\""),
        "an export holds previews, not raw key values"
    );
}

#[test]
fn a_scan_written_while_the_explorer_is_open_shows_up_on_refresh() {
    let scratch = Scratch::new();
    scan(&scratch, &ESTATE[1..]);
    let mut tui = open(&scratch, (100, 30));
    assert!(tui.screen().contains("scan #1"), "{}", tui.screen());
    // The explorer lets go of the store when idle: a scan can write it.
    tui.idle();
    scan(&scratch, &ESTATE);
    press(&mut tui, &["r"]);
    let screen = tui.screen();
    assert!(screen.contains("opened scan #2"), "{screen}");
    // Compare the two scans.
    press(&mut tui, &["5", "d"]);
    let scans = stable(&tui.screen(), &scratch);
    snapshot!("tui_100x30_scan_comparison", scans);
}

#[test]
fn a_scripted_run_prints_the_screen_or_the_timings() {
    let scratch = demo_store();
    let screen = run(scratch.nhiscope().args([
        "tui",
        "--as-of",
        AS_OF,
        "--keys",
        "2,j,Enter",
        "--size",
        "80x24",
    ]));
    assert_eq!(screen.code, 0, "{}", screen.stderr);
    assert!(screen.stdout.contains("What to do"), "{}", screen.stdout);
    assert_eq!(screen.stdout.lines().count(), 24);

    let timed = run(scratch
        .nhiscope()
        .args(["tui", "--keys", "2,j,G,s,/,a,Enter,q", "--timings"]));
    assert_eq!(timed.code, 0, "{}", timed.stderr);
    let timings = crate::support::json(&timed);
    let keys = timings["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 8, "{timings:#}");
    assert_eq!(keys[3]["action"], "sort");
    assert_eq!(keys[7]["action"], "quit");
    assert!(timings["first_frame_ms"].as_f64().is_some());

    let bad = run(scratch.nhiscope().args(["tui", "--keys", "2,Entr"]));
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("`Entr` is not a key"), "{}", bad.stderr);
    let no_terminal = run(scratch.nhiscope().arg("tui"));
    assert_eq!(no_terminal.code, 2);
    assert!(
        no_terminal.stderr.contains("--keys"),
        "{}",
        no_terminal.stderr
    );
}

// --- a real terminal ---------------------------------------------------------------

struct Tmux {
    session: String,
}

impl Tmux {
    fn tmux(args: &[&str]) -> std::process::Output {
        Command::new("tmux").args(args).output().expect("tmux runs")
    }

    fn start(name: &str, dir: &Path, command: &str) -> Self {
        let installed = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            installed,
            "tmux is not installed: scripts/test installs it (Debian/Ubuntu: apt-get install tmux)"
        );
        let session = format!("nhiscope-{name}-{}", std::process::id());
        let dir = dir.to_str().expect("utf-8");
        let started = Self::tmux(&[
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "100",
            "-y",
            "30",
            "-c",
            dir,
            command,
        ]);
        assert!(started.status.success(), "{started:?}");
        Self { session }
    }

    fn capture(&self) -> String {
        let out = Self::tmux(&["capture-pane", "-p", "-t", &self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend(keys);
        assert!(Self::tmux(&args).status.success());
    }

    /// Waits until the pane shows `text` (the debug build loads slowly).
    fn wait_for(&self, text: &str) -> String {
        let started = Instant::now();
        loop {
            let screen = self.capture();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the pane never showed {text:?}; it shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Self::tmux(&["kill-session", "-t", &self.session]);
    }
}

/// A shell line that records the terminal's modes before and after the
/// explorer, runs it, and prints how it ended.
fn wrapped(binary: &Path, db: &Path) -> String {
    format!(
        "stty -g > modes.before; NO_COLOR=1 '{}' --db '{}' tui --as-of {AS_OF}; \
         echo \"EXIT=$?\"; stty -g > modes.after; \
         cmp -s modes.before modes.after && echo MODES=restored || echo MODES=changed; sleep 60",
        binary.display(),
        db.display()
    )
}

#[test]
fn the_real_binary_starts_navigates_and_quits_cleanly_in_tmux() {
    let scratch = demo_store();
    let binary = assert_cmd::cargo::cargo_bin("nhiscope");
    let tmux = Tmux::start("tui", scratch.path(), &wrapped(&binary, &scratch.db()));
    tmux.wait_for("Findings by severity");
    tmux.send(&["2"]);
    tmux.wait_for("Findings 70");
    tmux.send(&["Enter"]);
    tmux.wait_for("What to do");
    tmux.send(&["Enter"]);
    let graph = tmux.wait_for("Blast radius");
    assert!(graph.contains("Edges ("), "{graph}");
    tmux.send(&["Escape"]);
    tmux.wait_for("What to do");
    tmux.send(&["?"]);
    tmux.wait_for("Keys (j/k scroll");
    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    let end = tmux.wait_for("MODES=");
    assert!(end.contains("EXIT=0"), "{end}");
    assert!(end.contains("MODES=restored"), "raw mode left on:\n{end}");
    assert!(
        !end.contains("Findings by severity"),
        "the alternate screen was left:\n{end}"
    );

    // Ctrl-C quits as cleanly.
    let tmux = Tmux::start(
        "tui-ctrl-c",
        scratch.path(),
        &wrapped(&binary, &scratch.db()),
    );
    tmux.wait_for("Findings by severity");
    tmux.send(&["C-c"]);
    let end = tmux.wait_for("MODES=");
    assert!(end.contains("EXIT=0"), "{end}");
    assert!(end.contains("MODES=restored"), "{end}");
}

#[test]
fn the_readme_lists_every_key() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    for (place, keys, what) in nhiscope_tui::KEYS {
        let row = format!("| {place} | {keys} | {what} |");
        assert!(
            readme.contains(&row),
            "README.md's key map (\"Explore interactively\") lacks `{row}`"
        );
    }
}

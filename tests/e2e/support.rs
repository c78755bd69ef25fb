//! Running the binary in a scratch directory.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The demo estate shipped in fixtures/.
pub fn demo_estate() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-estate")
}

/// A scratch directory with a store path inside it.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("store.duckdb")
    }

    /// `nhiscope` run in the scratch directory, with its store there and the
    /// environment cleared of anything that changes behaviour.
    pub fn nhiscope(&self) -> Command {
        let mut command = Command::cargo_bin("nhiscope").expect("the binary builds");
        command
            .current_dir(self.path())
            .env_remove("NHISCOPE_DB")
            .env_remove("NHISCOPE_CONFIG")
            .env_remove("NHISCOPE_LOG")
            .env("NO_COLOR", "1")
            .arg("--db")
            .arg(self.db());
        command
    }

    /// Writes a file (and its directories) under the scratch directory.
    pub fn write(&self, relative: &str, content: &str) -> PathBuf {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&path, content).expect("write");
        path
    }
}

/// What a finished command printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(command: &mut Command) -> Run {
    let output = command.output().expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    }
}

/// Parses stdout as JSON.
pub fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not JSON ({error}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    })
}

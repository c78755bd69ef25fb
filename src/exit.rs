//! Exit codes (README.md, "Exit codes") and how errors map to them.

use std::process::ExitCode;

/// How a command ended, as the shell sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success, and no finding at or above `--fail-on`.
    Clean,
    /// 1: a finding at or above `--fail-on`.
    Findings,
    /// 2: the command could not run: bad arguments, config, paths or store.
    Usage,
    /// 3: the scan finished but a source or item failed; everything collected
    /// was stored and reported.
    Incomplete,
    /// 130: interrupted by Ctrl-C; what was collected was stored.
    Interrupted,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(match exit {
            Exit::Clean => 0,
            Exit::Findings => 1,
            Exit::Usage => 2,
            Exit::Incomplete => 3,
            Exit::Interrupted => 130,
        })
    }
}

/// The exit code for an error that stopped a command. Every error that stops a
/// command means it could not run as asked.
pub fn code_for(_error: &anyhow::Error) -> Exit {
    Exit::Usage
}

/// An error and its causes on one line, `outer: inner: innermost`, with
/// repeated parts dropped (library errors often repeat their source's text).
pub fn one_line(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string().replace('\n', " ");
        if parts.last().is_some_and(|last| last.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

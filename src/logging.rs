//! Logs go to stderr through `tracing`; `-v`/`-q` and `NHISCOPE_LOG` set the level.

use tracing_subscriber::EnvFilter;

/// Sets up the subscriber: warnings by default, `-v` info, `-vv` debug, `-vvv`
/// trace, `-q` errors only. `NHISCOPE_LOG` (an `EnvFilter` directive) wins.
pub fn init(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_env("NHISCOPE_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},ignore=warn,globset=warn")));
    let ansi = std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .init();
}

//! `nhiscope tui`: the interactive explorer over the store, or (with
//! `--keys`) a scripted run of it without a terminal, printing its last
//! screen or its timings.

use std::{
    io::IsTerminal,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Instant,
};

use nhiscope_tui::Options;

use super::{load_config, store_path, write_output};
use crate::{
    cli::{GlobalArgs, TuiArgs},
    exit::Exit,
};

/// Runs `nhiscope tui`.
pub fn run(global: &GlobalArgs, args: &TuiArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let config = load_config(global)?;
    let options = Options {
        db: store_path(global, config.scan.db.as_deref()),
        scan: args.scan.clone(),
        color: std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty()),
        as_of: args.as_of,
    };
    if let Some(keys) = &args.keys {
        let size = nhiscope_tui::parse_size(&args.size)?;
        let (timings, screen) = nhiscope_tui::measure(&options, size, keys, started)?;
        write_output(None, |out| {
            if args.timings {
                serde_json::to_writer_pretty(&mut *out, &timings)?;
                writeln!(out)?;
            } else {
                out.write_all(screen.as_bytes())?;
            }
            Ok(())
        })?;
        return Ok(Exit::Clean);
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "nhiscope tui needs a terminal; for a scripted run without one, pass --keys (e.g. --keys 2,Enter)"
        );
    }
    // SIGINT and SIGTERM stop the explorer like `q` does, so the terminal is
    // restored (in the explorer, Ctrl-C is a key, not a signal).
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    tokio::spawn(async move {
        wait_for_signal().await;
        flag.store(true, Ordering::Relaxed);
    });
    tokio::task::block_in_place(|| nhiscope_tui::run(&options, &interrupted))?;
    Ok(Exit::Clean)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

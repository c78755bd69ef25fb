//! nhiscope: the inventory and governance of non-human identities.
//!
//! This binary is the CLI: it parses arguments, loads `nhiscope.toml`, runs the
//! collectors, stores each scan and renders reports. Library crates do the work;
//! this crate wires them together, prints, and chooses the exit code
//! (documented in README.md, "Exit codes").

mod cli;
mod cmd;
mod config;
mod exit;
mod logging;
mod registry;

use std::process::ExitCode;

use clap::Parser;

use crate::{cli::Cli, exit::Exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.global.verbose, cli.global.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return Exit::Usage.into();
        }
    };
    match runtime.block_on(cmd::run(cli)) {
        Ok(exit) => exit.into(),
        Err(error) => {
            eprintln!("error: {}", exit::one_line(&error));
            exit::code_for(&error).into()
        }
    }
}

//! `conversocial`: exports of the Conversocial API to JSON Lines or CSV that resume after
//! a crash without duplicating a line, and quick lookups of single objects.
//!
//! Built on the generated `conversocial` crate: its runtime owns credentials, the rate
//! limit, retries, pagination and drift; this crate owns files, checkpoints and progress.

mod args;
mod client;
mod exit;
mod export;
mod get;
mod lines;
mod output;
mod progress;
mod resources;
mod state;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::exit::Failure;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("conversocial: error: {failure}");
            ExitCode::from(failure.code as u8)
        }
    }
}

fn run(cli: &Cli) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(exit::Code::Io, format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let client = client::build(cli)?;
        match &cli.command {
            Command::Export(what) => resources::export(cli, what, &client).await,
            Command::Get(args) => get::get(args, &client).await,
        }
    })
}

//! `usher`: the thin binary over `usher_server::cli`.

use std::process::ExitCode;

use clap::Parser;
use usher_server::cli::{Cli, run};
use usher_server::telemetry;

// Many small allocations per request from many threads: mimalloc spends a
// fraction of what glibc's malloc does on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("usher: {error:#}");
            ExitCode::FAILURE
        }
    }
}

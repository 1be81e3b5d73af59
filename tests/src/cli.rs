//! The `usher` command line, run in this process (against a test's
//! database) rather than as a separate binary.

use clap::Parser as _;
use usher_server::cli::{Cli, run};

/// Runs `usher <arguments>` as the binary would.
pub async fn usher(arguments: &[&str]) -> anyhow::Result<()> {
    let cli = Cli::try_parse_from(std::iter::once("usher").chain(arguments.iter().copied()))?;
    run(cli.command).await
}

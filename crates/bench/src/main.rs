//! usher-bench: the load generator of Usher. It prepares its data through
//! the public API (and `usher user add` for the first admin), then runs a
//! scenario against a server it starts itself (the release `usher` binary
//! beside it) or one at a URL, prints a table, writes JSON, and exits
//! non-zero when an invariant breaks.
//!
//! `ceiling` runs the same conditional updates straight on the store, in
//! process, without HTTP or GraphQL: the raw figure the HTTP ones are
//! compared with.

mod api;
mod ceiling;
mod measure;
mod scenarios;
mod subscribers;
mod target;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

// The allocator the server uses, so that the ceiling runs the store's code
// as the server does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Load scenarios for Usher.
#[derive(Parser)]
#[command(name = "usher-bench")]
struct Cli {
    /// Benchmark the server at this URL instead of starting one.
    #[arg(long, env = "USHER_BENCH_URL", global = true)]
    url: Option<String>,
    /// The database of the server the bench starts (default: SQLite in a
    /// temporary directory). With --url, the database behind that server,
    /// where the bench adds its admin.
    #[arg(long, env = "USHER_BENCH_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Also write the results as JSON here.
    #[arg(long, global = true)]
    json: Option<PathBuf>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// N attendees reserve 1 ticket each on one item of C tickets, K at a time.
    Rush {
        #[arg(long, default_value_t = 10_000)]
        attendees: usize,
        #[arg(long, default_value_t = 1_000)]
        tickets: u32,
        #[arg(long, default_value_t = 256)]
        concurrency: usize,
    },
    /// M tickets scanned once each by G scanners, plus a share of repeat scans.
    Door {
        #[arg(long, default_value_t = 10_000)]
        tickets: u32,
        #[arg(long, default_value_t = 64)]
        scanners: usize,
        /// Repeat scans, as a share of M.
        #[arg(long, default_value_t = 0.1)]
        repeats: f64,
    },
    /// M tickets, all but P scanned; P walk-ups in the standby line; the
    /// release of the P unscanned tickets; the line called at G gates.
    Standby {
        #[arg(long, default_value_t = 10_000)]
        tickets: u32,
        #[arg(long, default_value_t = 500)]
        places: u32,
        #[arg(long, default_value_t = 16)]
        gates: usize,
    },
    /// N attendees enter a ballot of C places, K at a time; its draw; then
    /// the draw of a ballot of D entries made straight through the store;
    /// then both claim deadlines passed with no claim, the places rolled down.
    Ballot {
        #[arg(long, default_value_t = 10_000)]
        attendees: usize,
        #[arg(long, default_value_t = 1_000)]
        tickets: u32,
        #[arg(long, default_value_t = 256)]
        concurrency: usize,
        #[arg(long, default_value_t = 100_000)]
        draw_entries: usize,
    },
    /// Browsing, reserving, cancelling, scanning and reading attendance at once.
    Mixed {
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
    /// The festival attendance report over T tickets in I items.
    Report {
        #[arg(long, default_value_t = 100_000)]
        tickets: u32,
        #[arg(long, default_value_t = 500)]
        items: u32,
    },
    /// S subscribers of one item's availability (50 per connection), then
    /// C changes to it, each timed until every subscriber has it.
    Subscribers {
        #[arg(long, default_value_t = 10_000)]
        subscribers: usize,
        #[arg(long, default_value_t = 20)]
        changes: usize,
    },
    /// The conditional updates of a rush and a door rush straight on the
    /// store, with 1 task and with K.
    Ceiling {
        #[arg(long, default_value_t = 10_000)]
        operations: usize,
        #[arg(long, default_value_t = 256)]
        concurrency: usize,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("usher-bench: an invariant failed");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("usher-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<bool> {
    let connect = || async {
        let target = target::Target::new(cli.url.clone(), cli.database_url.clone())?;
        let api = api::Api::connect(&target).await?;
        anyhow::Ok((target, api))
    };
    let results = match cli.scenario {
        Scenario::Ceiling {
            operations,
            concurrency,
        } => ceiling::run(cli.database_url.as_deref(), operations, concurrency).await?,
        Scenario::Rush {
            attendees,
            tickets,
            concurrency,
        } => {
            let (target, api) = connect().await?;
            scenarios::rush(&api, &target, attendees, tickets, concurrency).await?
        }
        Scenario::Door {
            tickets,
            scanners,
            repeats,
        } => {
            let (target, api) = connect().await?;
            scenarios::door(&api, &target, tickets, scanners, repeats).await?
        }
        Scenario::Standby {
            tickets,
            places,
            gates,
        } => {
            let (target, api) = connect().await?;
            scenarios::standby(&api, &target, tickets, places, gates).await?
        }
        Scenario::Ballot {
            attendees,
            tickets,
            concurrency,
            draw_entries,
        } => {
            let (target, api) = connect().await?;
            scenarios::ballot(&api, &target, attendees, tickets, concurrency, draw_entries).await?
        }
        Scenario::Mixed {
            seconds,
            concurrency,
        } => {
            let (target, api) = connect().await?;
            scenarios::mixed(&api, &target, seconds, concurrency).await?
        }
        Scenario::Subscribers {
            subscribers,
            changes,
        } => {
            let (target, api) = connect().await?;
            subscribers::run(&api, &target, subscribers, changes).await?
        }
        Scenario::Report { tickets, items } => {
            let (target, api) = connect().await?;
            scenarios::report(&api, &target, tickets, items).await?
        }
    };
    measure::finish(&results, cli.json.as_deref())
}

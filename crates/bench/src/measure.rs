//! Timing many requests at a fixed concurrency, and reporting the figures.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// Latencies and outcomes of one run.
pub struct Recorder {
    latencies: Histogram<u64>,
    outcomes: BTreeMap<String, u64>,
}

impl Recorder {
    pub fn new() -> Self {
        Self {
            // Microseconds, up to a minute, three significant figures.
            latencies: Histogram::new_with_bounds(1, 60_000_000, 3)
                .unwrap_or_else(|error| panic!("these histogram bounds are valid: {error}")),
            outcomes: BTreeMap::new(),
        }
    }

    pub fn record(&mut self, took: Duration, outcome: String) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
        let _ = self.latencies.record(micros);
        *self.outcomes.entry(outcome).or_default() += 1;
    }

    fn merge(&mut self, other: &Recorder) {
        let _ = self.latencies.add(&other.latencies);
        for (outcome, count) in &other.outcomes {
            *self.outcomes.entry(outcome.clone()).or_default() += count;
        }
    }
}

/// Runs `operation(i)` for every i below `count`, `concurrency` at a time,
/// timing each; the operation returns its outcome (a code, or "ok").
pub async fn run<F, Fut>(
    label: &str,
    count: usize,
    concurrency: usize,
    operation: F,
) -> (Recorder, Duration)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = String> + Send,
{
    run_within(label, count, None, concurrency, operation).await
}

/// Like `run`, for as many operations as fit before `deadline`.
pub async fn run_until<F, Fut>(
    label: &str,
    deadline: Instant,
    concurrency: usize,
    operation: F,
) -> (Recorder, Duration)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = String> + Send,
{
    run_within(label, usize::MAX, Some(deadline), concurrency, operation).await
}

async fn run_within<F, Fut>(
    label: &str,
    count: usize,
    deadline: Option<Instant>,
    concurrency: usize,
    operation: F,
) -> (Recorder, Duration)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = String> + Send,
{
    let progress = match deadline {
        Some(_) => ProgressBar::new_spinner(),
        None => ProgressBar::new(u64::try_from(count).unwrap_or(u64::MAX)),
    };
    progress.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    progress.set_message(label.to_owned());
    let next = Arc::new(AtomicUsize::new(0));
    let operation = Arc::new(operation);
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let next = next.clone();
            let operation = operation.clone();
            let progress = progress.clone();
            tokio::spawn(async move {
                let mut recorder = Recorder::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= count || deadline.is_some_and(|deadline| Instant::now() >= deadline)
                    {
                        break;
                    }
                    let began = Instant::now();
                    let outcome = operation(index).await;
                    recorder.record(began.elapsed(), outcome);
                    progress.inc(1);
                }
                recorder
            })
        })
        .collect();
    let mut total = Recorder::new();
    for worker in workers {
        if let Ok(recorder) = worker.await {
            total.merge(&recorder);
        }
    }
    let elapsed = started.elapsed();
    progress.finish_and_clear();
    (total, elapsed)
}

/// The figures of one run, as printed and written to JSON.
#[derive(Serialize)]
pub struct Results {
    pub scenario: String,
    pub requests: u64,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub outcomes: BTreeMap<String, u64>,
    pub server_rss_mib: Option<f64>,
    pub server_peak_rss_mib: Option<f64>,
    /// Invariants checked after the run, and whether each held.
    pub checks: Vec<(String, bool)>,
}

impl Results {
    /// The figures of a run.
    pub fn new(
        scenario: &str,
        recorder: &Recorder,
        elapsed: Duration,
        memory: Option<(f64, f64)>,
    ) -> Self {
        let quantile = |q: f64| recorder.latencies.value_at_quantile(q) as f64 / 1000.0;
        let requests = recorder.latencies.len();
        Self {
            scenario: scenario.to_owned(),
            requests,
            seconds: elapsed.as_secs_f64(),
            requests_per_second: requests as f64 / elapsed.as_secs_f64().max(f64::EPSILON),
            p50_ms: quantile(0.5),
            p95_ms: quantile(0.95),
            p99_ms: quantile(0.99),
            max_ms: recorder.latencies.max() as f64 / 1000.0,
            outcomes: recorder.outcomes.clone(),
            server_rss_mib: memory.map(|(now, _)| now),
            server_peak_rss_mib: memory.map(|(_, peak)| peak),
            checks: Vec::new(),
        }
    }

    /// Records an invariant.
    pub fn check(&mut self, what: impl Into<String>, held: bool) {
        self.checks.push((what.into(), held));
    }

    /// How many requests ended with `outcome`.
    pub fn count(&self, outcome: &str) -> u64 {
        self.outcomes.get(outcome).copied().unwrap_or(0)
    }
}

/// Prints every result as a table, writes the JSON, and says whether every
/// invariant held.
pub fn finish(results: &[Results], json: Option<&Path>) -> anyhow::Result<bool> {
    println!(
        "{:<22} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8} {:>10}",
        "scenario", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "peak RSS"
    );
    for result in results {
        println!(
            "{:<22} {:>9} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>10}",
            result.scenario,
            result.requests,
            result.requests_per_second,
            result.p50_ms,
            result.p95_ms,
            result.p99_ms,
            result.max_ms,
            result
                .server_peak_rss_mib
                .map_or_else(|| "-".to_owned(), |mib| format!("{mib:.0} MiB")),
        );
        let outcomes: Vec<String> = result
            .outcomes
            .iter()
            .map(|(code, n)| format!("{code}={n}"))
            .collect();
        println!("  outcomes: {}", outcomes.join(" "));
        for (what, held) in &result.checks {
            println!("  [{}] {what}", if *held { "ok" } else { "FAILED" });
        }
    }
    if let Some(path) = json {
        std::fs::write(path, serde_json::to_string_pretty(results)?)?;
        println!("wrote {}", path.display());
    }
    Ok(results
        .iter()
        .all(|result| result.checks.iter().all(|(_, held)| *held)))
}

//! Prometheus metrics at GET /metrics: HTTP requests by route and status,
//! GraphQL operations by name and outcome, check-in and reservation
//! outcomes, latency histograms, and the database pool.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use async_graphql::Response;
use std::collections::HashSet;

use async_graphql::parser::types::{ExecutableDocument, Selection, TypeKind, TypeSystemDefinition};
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response as HttpResponse;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::Services;

/// Latency buckets in seconds, from a fraction of a millisecond up.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The process-wide recorder (metrics are per process, whatever the number
/// of servers a test starts in it).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        match builder.install_recorder() {
            Ok(handle) => {
                keep_up(handle.clone());
                handle
            }
            Err(error) => {
                tracing::warn!(%error, "metrics recorder not installed");
                PrometheusBuilder::new().build_recorder().handle()
            }
        }
    })
}

/// How often histograms fold their samples into buckets: the recorder keeps
/// every sample until then.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Runs the recorder's upkeep for as long as the process lives, so that a
/// server nobody scrapes does not hold every latency it ever measured.
fn keep_up(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                handle.run_upkeep();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "metrics upkeep not started");
    }
}

/// Installs the recorder; call once at start-up (later calls do nothing).
pub fn install() {
    handle();
}

/// The metrics in Prometheus text format, with the pool's state and the
/// open subscriptions now.
pub fn render(services: &Services) -> String {
    let store = &services.store;
    metrics::gauge!("usher_subscriptions_open").set(services.live.open_subscriptions() as f64);
    let (open, idle) = store.pool_status();
    metrics::gauge!("usher_db_pool_connections", "state" => "open").set(f64::from(open));
    metrics::gauge!("usher_db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::counter!("usher_db_statements_total").absolute(store.statements_executed());
    for writer in store.writer_stats() {
        metrics::counter!("usher_group_commit_batches_total", "writer" => writer.name)
            .absolute(writer.batches);
        metrics::counter!("usher_group_commit_requests_total", "writer" => writer.name)
            .absolute(writer.requests);
    }
    handle().render()
}

/// Counts and times every HTTP request by matched route and status.
pub async fn track_requests(request: Request, next: Next) -> HttpResponse {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("usher_http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("usher_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The root fields of the schema, the only names operations are labelled
/// with: whatever clients send, the labels stay few.
pub struct RootFields(HashSet<String>);

impl RootFields {
    /// The root fields of the schema written as `sdl`.
    pub fn of_sdl(sdl: &str) -> Self {
        let mut names = HashSet::new();
        if let Ok(schema) = async_graphql::parser::parse_schema(sdl) {
            for definition in schema.definitions {
                if let TypeSystemDefinition::Type(definition) = definition
                    && ["QueryRoot", "MutationRoot", "SubscriptionRoot"]
                        .contains(&definition.node.name.node.as_str())
                    && let TypeKind::Object(object) = &definition.node.kind
                {
                    names.extend(
                        object
                            .fields
                            .iter()
                            .map(|field| field.node.name.node.to_string()),
                    );
                }
            }
        }
        Self(names)
    }

    /// The label of an operation: its root field (`checkIn`), two joined
    /// (`festival+me`), `multiple` for more, and `unknown` when it names a
    /// field the schema does not have.
    pub fn label(&self, document: &ExecutableDocument) -> String {
        let mut fields: Vec<&str> = document
            .operations
            .iter()
            .flat_map(|(_, operation)| operation.node.selection_set.node.items.iter())
            .filter_map(|selection| match &selection.node {
                Selection::Field(field) => Some(field.node.name.node.as_str()),
                _ => None,
            })
            .collect();
        if fields
            .iter()
            .any(|field| *field != "__typename" && !self.0.contains(*field))
        {
            return "unknown".to_owned();
        }
        fields.sort_unstable();
        fields.dedup();
        if fields.len() > 2 {
            return "multiple".to_owned();
        }
        fields.join("+")
    }
}

/// Counts and times a GraphQL operation, labelled by its root fields and
/// its outcome (ok, or the first error's code); one that did not validate
/// is labelled `invalid`, whatever it named.
pub fn operation(root_fields: String, response: &Response, took: Duration) {
    let did_not_run = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty());
    let root_fields = if did_not_run {
        "invalid".to_owned()
    } else {
        root_fields
    };
    let outcome = response.errors.first().map_or_else(
        || "ok".to_owned(),
        |error| {
            error
                .extensions
                .as_ref()
                .and_then(|extensions| extensions.get("code"))
                .map_or_else(
                    || "BAD_USER_INPUT".to_owned(),
                    |code| code.to_string().trim_matches('"').to_owned(),
                )
        },
    );
    metrics::histogram!("usher_graphql_operation_duration_seconds", "operation" => root_fields.clone())
        .record(took.as_secs_f64());
    metrics::counter!("usher_graphql_operations_total", "operation" => root_fields, "outcome" => outcome)
        .increment(1);
}

/// Records a door decision.
pub fn check_in(outcome: &'static str) {
    metrics::counter!("usher_check_ins_total", "outcome" => outcome).increment(1);
}

/// Records a reservation's outcome: ok, or the refusal's code.
pub fn reservation(outcome: &'static str) {
    metrics::counter!("usher_reservations_total", "outcome" => outcome).increment(1);
}

//! The GraphQL schema: roots merged from one part per feature. It knows
//! nothing of HTTP; `crate::http` serves it.

mod accounts;
mod attendance;
mod catalogue;
mod door;
mod programme;
mod scalars;
mod tickets;
mod types;

use std::str::FromStr;
use std::sync::Arc;

use async_graphql::{Context, ID, MergedObject, Schema, SchemaBuilder};

use crate::Services;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::loaders::Loaders;
pub(crate) use attendance::{CountsOf, may_watch};

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    catalogue::CatalogueQuery,
    accounts::AccountsQuery,
    tickets::TicketsQuery,
    door::DoorQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    catalogue::CatalogueMutation,
    accounts::AccountsMutation,
    tickets::TicketsMutation,
    door::DoorMutation,
);

/// The schema type served at /graphql.
pub type UsherSchema = Schema<QueryRoot, MutationRoot, attendance::SubscriptionRoot>;

/// Nesting deeper than this is refused before it runs (below `__schema`
/// and `__type`, `MAX_INTROSPECTION_DEPTH`; see `crate::documents`).
pub const MAX_DEPTH: usize = 12;
/// Fields nested below and including `__schema` or `__type`: the standard
/// introspection query of graphql-js nests about 15 (`ofType` within
/// `ofType`); async-graphql holds every query to this.
pub const MAX_INTROSPECTION_DEPTH: usize = 20;
/// A query costing more than this (one per field, times list sizes) is refused.
pub const MAX_COMPLEXITY: usize = 5_000;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, attendance::SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        attendance::SubscriptionRoot,
    )
    .limit_depth(MAX_INTROSPECTION_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
}

/// The schema, serving with `services`.
pub fn build_schema(services: Arc<Services>) -> UsherSchema {
    builder().data(services).finish()
}

/// The schema in SDL, as `usher schema` prints it and schema.graphql holds it.
pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().sorted_fields())
}

pub(crate) fn services<'a>(ctx: &Context<'a>) -> ApiResult<&'a Services> {
    ctx.data::<Arc<Services>>()
        .map(Arc::as_ref)
        .map_err(|_| ApiError::internal(anyhow::anyhow!("schema built without services")))
}

pub(crate) fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    ctx.data_opt::<Viewer>().unwrap_or(&Viewer::Anonymous)
}

pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> ApiResult<&'a Arc<Loaders>> {
    ctx.data::<Arc<Loaders>>()
        .map_err(|_| ApiError::internal(anyhow::anyhow!("request without loaders")))
}

/// Parses a GraphQL ID argument as a typed id; `field` names the argument.
pub(crate) fn parse_id<T: FromStr>(field: &str, id: &ID) -> ApiResult<T> {
    id.as_str()
        .parse()
        .map_err(|_| ApiError::malformed_id(field))
}

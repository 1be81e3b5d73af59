//! What a resolver takes from its context: the services, who is asking,
//! the request's loaders, and what its headers say (its language, its
//! origin).

use std::sync::Arc;

use async_graphql::Context;
use usher_domain::language::Language;

use crate::Services;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::loaders::Loaders;
use crate::pairing::{Origin, RequestHost};

pub(crate) fn services<'a>(ctx: &Context<'a>) -> ApiResult<&'a Services> {
    ctx.data::<Arc<Services>>()
        .map(Arc::as_ref)
        .map_err(|_| ApiError::internal(anyhow::anyhow!("schema built without services")))
}

/// Who is asking; anonymous when the request carries no viewer.
pub(crate) fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    ctx.data_opt::<Viewer>().unwrap_or(&Viewer::Anonymous)
}

pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> ApiResult<&'a Arc<Loaders>> {
    ctx.data::<Arc<Loaders>>()
        .map_err(|_| ApiError::internal(anyhow::anyhow!("request without loaders")))
}

/// The language the request asks its sentences in.
pub(crate) fn language(ctx: &Context<'_>) -> Language {
    ctx.data_opt::<Language>().copied().unwrap_or_default()
}

/// The origin the request's pairing URLs start with, or why it has none
/// (no usable Host header and no `--public-url`).
pub(crate) fn origin(ctx: &Context<'_>) -> ApiResult<Origin> {
    let public = services(ctx)?.public_origin.as_ref();
    ctx.data_opt::<RequestHost>()
        .cloned()
        .unwrap_or_default()
        .origin(public)
}

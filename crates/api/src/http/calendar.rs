//! A programme item for an attendee's calendar: `GET
//! /items/{id}/calendar.ics`, public like the programme.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use usher_domain::ids::ItemId;
use usher_domain::time;

use crate::calendar::{self, ItemEvent};
use crate::error::ApiError;
use crate::http::AppState;
use crate::pairing::RequestHost;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/items/{id}/calendar.ics", get(calendar_ics))
}

/// The item as an iCalendar file (RFC 5545) in the festival's time zone;
/// 404 for an id that names no item.
async fn calendar_ics(
    State(state): State<AppState>,
    Path(id): Path<String>,
    host: RequestHost,
) -> Result<Response, ApiError> {
    let services = &state.services;
    let item_id: ItemId = id.parse().map_err(|_| ApiError::not_found("item"))?;
    let store = &services.store;
    let item = store
        .item(item_id)
        .await?
        .ok_or_else(|| ApiError::not_found("item"))?;
    let festival = services
        .catalogue
        .festival(store, item.festival_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("item without its festival")))?;
    let venue = store
        .venues_by_id(&[item.venue_id])
        .await?
        .into_iter()
        .next();
    let film = match item.film_id {
        Some(film_id) => store.films_by_id(&[film_id]).await?.into_iter().next(),
        None => None,
    };
    // Without a usable Host (and no --public-url) the file goes without
    // its link to the festival app rather than not at all.
    let origin = host.origin(services.public_origin.as_ref()).ok();
    let ics = ItemEvent {
        item: &item,
        festival: &festival,
        venue: venue.as_ref(),
        film: film.as_ref(),
        origin: origin.as_ref(),
    }
    .to_ics(time::now());
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        calendar::file_name(item.title.as_str())
    ))
    .map_err(ApiError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            // A cancellation must reach the next download.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        ics,
    )
        .into_response())
}

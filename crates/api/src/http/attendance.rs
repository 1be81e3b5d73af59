//! Attendance for organizers outside GraphQL: a festival's report as CSV
//! and an item's arrivals chart as SVG.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use usher_domain::catalogue::Festival;
use usher_domain::ids::{FestivalId, ItemId};
use usher_domain::input::Timezone;

use crate::Services;
use crate::charts;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::viewer::Downloader;
use crate::reports::FestivalReport;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/festivals/{id}/attendance.csv", get(attendance_csv))
        .route("/items/{id}/arrivals.svg", get(arrivals_svg))
}

/// The attendance report of a festival as CSV (RFC 4180), one row per
/// item, for its organizers (a Bearer token or a signed link); the
/// festival named by its id or its slug.
async fn attendance_csv(
    State(state): State<AppState>,
    Path(id_or_slug): Path<String>,
    downloader: Downloader,
) -> Result<Response, ApiError> {
    let services = &state.services;
    let festival = festival_by_id_or_slug(services, &id_or_slug)
        .await?
        .ok_or_else(|| ApiError::not_found("festival"))?;
    downloader.organizer(festival.id)?;
    let report = FestivalReport::load(&services.store, festival.id, |_| true).await?;
    let text = attendance_csv_text(&report, festival.timezone).map_err(ApiError::internal)?;
    let response = (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}-attendance.csv\"",
                    festival.slug.as_str()
                ),
            ),
        ],
        text,
    )
        .into_response();
    Ok(kept_private(&downloader, response))
}

/// The answer to a signed link, marked for the browser that opened it
/// alone and for no cache at all: a shared cache keyed on the URL would
/// otherwise hand it to whoever comes with the same link.
fn kept_private(downloader: &Downloader, mut response: Response) -> Response {
    if downloader.by_link() {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    response
}

/// The festival with this id or, failing that, this slug (a slug may look
/// like an id: both are tried).
async fn festival_by_id_or_slug(
    services: &Services,
    id_or_slug: &str,
) -> Result<Option<Festival>, ApiError> {
    if let Ok(id) = id_or_slug.parse::<FestivalId>()
        && let Some(festival) = services.catalogue.festival(&services.store, id).await?
    {
        return Ok(Some(festival));
    }
    Ok(services.store.festival_by_slug(id_or_slug).await?)
}

/// A text cell that a spreadsheet program shows as text: one starting like
/// a formula (`=`, `+`, `-`, `@`, a tab or a carriage return) gets a single
/// quote before it, as OWASP's "CSV Injection" page recommends, so that an
/// item titled `=HYPERLINK(…)` is not run when the report is opened.
fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn attendance_csv_text(report: &FestivalReport, timezone: Timezone) -> anyhow::Result<String> {
    // RFC 4180 ends every line with CRLF; the csv crate's default is LF.
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record([
        "item_id",
        "title",
        "kind",
        "venue",
        "starts_at",
        "film",
        "countries",
        "ticket_capacity",
        "venue_capacity",
        "issued",
        "checked_in",
        "cancelled",
        "no_shows",
        "waitlisted",
        "check_in_rate",
        "released",
        "standby_admitted",
        "standby_waiting",
        "ballot_entries",
        "ballot_won",
    ])?;
    for row in report.rows() {
        let numbers = row.attendance;
        writer.write_record([
            row.item.id.to_string(),
            text_cell(row.item.title.as_str()),
            row.item.kind.as_str().to_owned(),
            text_cell(row.venue_name),
            row.item
                .schedule
                .starts_at()
                .with_timezone(&timezone.tz())
                .to_rfc3339(),
            row.film
                .map(|film| text_cell(film.title.as_str()))
                .unwrap_or_default(),
            row.film
                .map(|film| {
                    film.countries
                        .iter()
                        .map(|code| code.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default(),
            numbers.ticket_capacity.to_string(),
            numbers.venue_capacity.to_string(),
            numbers.issued.to_string(),
            numbers.checked_in.to_string(),
            numbers.cancelled.to_string(),
            numbers.no_shows.to_string(),
            numbers.waitlisted.to_string(),
            format!("{:.4}", numbers.check_in_rate()),
            numbers.released.to_string(),
            numbers.standby_admitted.to_string(),
            numbers.standby_waiting.to_string(),
            numbers.ballot_entries.to_string(),
            numbers.ballot_won.to_string(),
        ])?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

/// The arrivals chart of an item, for organizers and its door staff (a
/// Bearer token), or a signed link made for an organizer.
async fn arrivals_svg(
    State(state): State<AppState>,
    Path(id): Path<String>,
    downloader: Downloader,
) -> Result<Response, ApiError> {
    let services = &state.services;
    let item_id: ItemId = id.parse().map_err(|_| ApiError::not_found("item"))?;
    let item = services
        .store
        .item(item_id)
        .await?
        .ok_or_else(|| ApiError::not_found("item"))?;
    downloader.watcher_of(&item)?;
    let timezone = services
        .catalogue
        .festival(&services.store, item.festival_id)
        .await?
        .map_or(Timezone::UTC, |festival| festival.timezone);
    let times = services.store.check_in_times(item_id).await?;
    let svg = charts::arrivals_svg(&item, &times, timezone)
        .map_err(|error| ApiError::internal(anyhow::anyhow!("cannot draw: {error}")))?;
    let response = ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response();
    Ok(kept_private(&downloader, response))
}

#[cfg(test)]
mod tests {
    use super::text_cell;

    #[test]
    fn cells_that_would_run_as_formulas_are_quoted() {
        for formula in [
            "=HYPERLINK(\"http://evil.example\",\"Click\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(text_cell(formula), format!("'{formula}"));
        }
        assert_eq!(text_cell("Ròm"), "Ròm");
        assert_eq!(text_cell("Ilo Ilo - a film"), "Ilo Ilo - a film");
        assert_eq!(text_cell(""), "");
    }
}

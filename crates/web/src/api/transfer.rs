//! Import and export of registries as xlsx or csv: templates, all-or-nothing imports with a
//! row-by-row report, and exports of any filtered list in the template's layout.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gaodi_domain::access::{Capability, Role};
use gaodi_store::import::ImportReport;
use gaodi_store::organisation::organisation_rows;
use gaodi_store::tabular::{read_table, write_table, Format};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{tf, Lang};
use crate::AppState;

/// Largest import file accepted.
pub const UPLOAD_LIMIT: usize = 50 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/exports/{kind}", get(export))
        .route("/api/v1/imports/{kind}/template", get(template))
        .route("/api/v1/imports/{kind}", post(import).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
}

/// The registries that can be imported and exported (the list lives in the store).
pub use gaodi_store::transfer::RegistryKind as Kind;

fn kind_of(s: &str) -> AppResult<Kind> {
    Kind::parse(s).ok_or_else(AppError::not_found)
}

#[derive(Deserialize)]
pub struct FormatQuery {
    pub format: Option<String>,
}

fn format_of(q: Option<&str>) -> AppResult<Format> {
    match q.unwrap_or("xlsx") {
        "xlsx" => Ok(Format::Xlsx),
        "csv" => Ok(Format::Csv),
        other => Err(AppError::bad_request("error.bad_query")
            .arg("name", "format")
            .arg("value", other)
            .arg("expected", "xlsx, csv")),
    }
}

/// A file download.
pub fn file_response(bytes: Vec<u8>, format: Format, stem: &str) -> Response {
    let (mime, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Xlsx => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    };
    let date = time::OffsetDateTime::now_utc().date();
    let name = format!("{stem}-{}{:02}{:02}.{ext}", date.year(), u8::from(date.month()), date.day());
    ([(CONTENT_TYPE, mime.to_owned()), (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))], bytes)
        .into_response()
}

fn tabular_error(e: &gaodi_store::tabular::TabularError) -> AppError {
    AppError::invalid(e.code(), e.args(), "file")
}

async fn template(me: Me, Path(kind): Path<String>, Query(q): Query<FormatQuery>) -> AppResult<Response> {
    let _ = me;
    let kind = kind_of(&kind)?;
    let format = format_of(q.format.as_deref())?;
    let bytes = write_table(&kind.headers(), &[], kind.as_str(), format).map_err(|e| tabular_error(&e))?;
    Ok(file_response(bytes, format, &format!("{}-template", kind.as_str())))
}

/// Each registry's list filters, read from the export's query string.
fn filters<T: serde::de::DeserializeOwned>(uri: &axum::http::Uri) -> AppResult<T> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(q)| q)
        .map_err(|e| AppError::bad_request("error.bad_body").arg("detail", e.body_text()))
}

async fn export(
    State(state): State<AppState>,
    me: Me,
    Path(kind): Path<String>,
    Query(q): Query<FormatQuery>,
    uri: axum::http::Uri,
) -> AppResult<Response> {
    let kind = kind_of(&kind)?;
    let format = format_of(q.format.as_deref())?;
    let scope = me.scope();
    let store = &state.store;
    let (headers, rows) = match kind {
        Kind::Organisation => {
            let (filter, _, _) = filters::<crate::pages::OrganisationQuery>(&uri)?.parse()?;
            organisation_rows(&store.list_organisations_filtered(&scope, &filter).await?)
        }
        Kind::Person => super::people::export_rows(&state, &me, &filters(&uri)?).await?,
        Kind::Award => {
            let (f, _, _) = filters::<super::activity::ActivityQuery>(&uri)?.award_filter()?;
            gaodi_store::activity::award_rows(&store.list_awards_filtered(&scope, &f).await?)
        }
        Kind::Contract => {
            let (f, _, _) = filters::<super::activity::ActivityQuery>(&uri)?.contract_filter()?;
            gaodi_store::activity::contract_rows(&store.list_contracts_filtered(&scope, &f).await?)
        }
        Kind::Loan => {
            let (f, _, _) = filters::<super::activity::ActivityQuery>(&uri)?.loan_filter()?;
            gaodi_store::activity::loan_rows(&store.list_loans_filtered(&scope, &f).await?)
        }
        Kind::Event => {
            let (f, _, _) = filters::<super::activity::ActivityQuery>(&uri)?.event_filter()?;
            gaodi_store::activity::event_rows(&store.list_events_filtered(&scope, &f).await?)
        }
        Kind::Tier | Kind::Financials | Kind::Ip | Kind::Fact | Kind::Target => {
            store.export_registry(kind, &scope, super::people::id_view(&me)).await?
        }
        Kind::Platform => {
            let (filter, _, _) = filters::<super::registry::PlatformQuery>(&uri)?.parse()?;
            store.platform_rows(&scope, &filter).await?
        }
    };
    let bytes = write_table(&headers, &rows, kind.as_str(), format).map_err(|e| tabular_error(&e))?;
    Ok(file_response(bytes, format, &format!("{}s", kind.as_str())))
}

/// The report as JSON, with each error's message in the caller's language.
pub fn report_json(lang: Lang, r: &ImportReport) -> Value {
    let errors: Vec<Value> = r
        .errors
        .iter()
        .map(|e| {
            json!({
                "sheet": e.sheet, "line": e.line, "column": e.column, "value": e.value,
                "code": e.code, "message": tf(lang, e.code, &e.args),
            })
        })
        .collect();
    json!({
        "kind": r.kind, "ok": r.is_ok(), "rows": r.rows, "inserted": r.inserted, "updated": r.updated,
        "unchanged": r.unchanged, "errors": errors,
        "summary": if r.is_ok() {
            tf(lang, "import.done", &[("rows", r.rows.to_string()), ("inserted", r.inserted.to_string()),
                ("updated", r.updated.to_string()), ("unchanged", r.unchanged.to_string())])
        } else {
            tf(lang, "import.refused", &[("rows", r.rows.to_string()), ("errors", r.errors.len().to_string())])
        },
    })
}

async fn import(
    State(state): State<AppState>,
    me: Me,
    Path(kind): Path<String>,
    Query(q): Query<FormatQuery>,
    body: Bytes,
) -> AppResult<Response> {
    me.require(Capability::WriteData)?;
    if me.role() == Role::EnterpriseUser {
        return Err(AppError::forbidden());
    }
    let kind = kind_of(&kind)?;
    let format = format_of(q.format.as_deref())?;
    let table = read_table(&body, format).map_err(|e| tabular_error(&e))?;
    let report = state.store.import_registry(kind, &me.actor(), &me.scope(), &table).await?;
    let status = if report.is_ok() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(report_json(me.lang, &report))).into_response())
}

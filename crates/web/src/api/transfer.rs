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
use gaodi_store::organisation::{organisation_rows, ORGANISATION_COLUMNS};
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

/// The registries that can be imported and exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Organisation,
}

impl Kind {
    pub const ALL: [Kind; 1] = [Kind::Organisation];

    pub fn parse(s: &str) -> AppResult<Kind> {
        match s {
            "organisation" => Ok(Kind::Organisation),
            _ => Err(AppError::not_found()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Organisation => "organisation",
        }
    }

    fn headers(self) -> Vec<String> {
        match self {
            Kind::Organisation => ORGANISATION_COLUMNS.iter().map(|c| c.zh.to_owned()).collect(),
        }
    }
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
    let kind = Kind::parse(&kind)?;
    let format = format_of(q.format.as_deref())?;
    let bytes = write_table(&kind.headers(), &[], kind.as_str(), format).map_err(|e| tabular_error(&e))?;
    Ok(file_response(bytes, format, &format!("{}-template", kind.as_str())))
}

#[derive(Deserialize)]
struct ExportQuery {
    format: Option<String>,
    #[serde(flatten)]
    filter: crate::pages::OrganisationQuery,
}

async fn export(
    State(state): State<AppState>,
    me: Me,
    Path(kind): Path<String>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    let kind = Kind::parse(&kind)?;
    let format = format_of(q.format.as_deref())?;
    let (headers, rows) = match kind {
        Kind::Organisation => {
            let (filter, _, _) = q.filter.parse()?;
            organisation_rows(&state.store.list_organisations_filtered(&me.scope(), &filter).await?)
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
    let kind = Kind::parse(&kind)?;
    let format = format_of(q.format.as_deref())?;
    let table = read_table(&body, format).map_err(|e| tabular_error(&e))?;
    let report = match kind {
        Kind::Organisation => state.store.import_organisations(&me.actor(), &me.scope(), &table).await?,
    };
    let status = if report.is_ok() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(report_json(me.lang, &report))).into_response())
}

//! The import page: pick a registry, download its template, upload a filled file with a
//! progress bar, and read the report (every bad row with sheet, row, column, value and why).

use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gaodi_domain::access::{Capability, Role};
use serde::Deserialize;

use super::{html, Chrome};
use crate::api::ImportKind;
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/imports", get(imports_page))
}

#[derive(Deserialize)]
struct KindQuery {
    kind: Option<String>,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    c: Chrome,
    kinds: Vec<(String, String, bool)>,
    kind: String,
}

async fn imports_page(me: Me, Query(q): Query<KindQuery>) -> AppResult<Response> {
    if !me.role().may(Capability::WriteData) || me.role() == Role::EnterpriseUser {
        return Err(AppError::forbidden());
    }
    let kind = match q.kind.as_deref() {
        Some(k) => ImportKind::parse(k).ok_or_else(AppError::not_found)?,
        None => ImportKind::Organisation,
    };
    html(&ImportsPage {
        c: Chrome::for_user(&me, &format!("/imports?kind={}", kind.as_str())).crumb(t(me.lang, "imports.title"), ""),
        kinds: ImportKind::ALL
            .iter()
            .map(|k| {
                (k.as_str().to_owned(), t(me.lang, &format!("imports.kind_{}", k.as_str())).to_owned(), *k == kind)
            })
            .collect(),
        kind: kind.as_str().to_owned(),
    })
}

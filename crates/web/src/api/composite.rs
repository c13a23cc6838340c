//! The district innovation index (composite index) computed from the regions' indicator values.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use gaodi_domain::indicator::engine::Engine;
use serde_json::Value;

use super::openapi::ApiRoute;
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::indicators::{check_reader, inputs, resolve, INDICATOR_READERS};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/composite-index", get(index))
}

pub const ROUTES: &[ApiRoute] = &[ApiRoute {
    method: "get",
    path: "/api/v1/composite-index",
    tag: "indicators",
    summary: "The district innovation index of a region's children (?region=430200&year=2022&compare=2021): scores, ranks, pillar scores, rank intervals under ±25 % weight perturbations (1,000 seeded runs), rank change and the indicators behind it; what-if weights as w_<code>=<weight> (nothing stored)",
    body: None,
    roles: INDICATOR_READERS,
}];

/// The parameters of an index request: region, year, comparison year, weight overrides.
pub struct IndexQuery {
    pub region: Option<String>,
    pub year: Option<String>,
    pub compare: Option<i32>,
    pub overrides: Vec<(String, f64)>,
}

impl IndexQuery {
    /// Reads the query; a comparison year that is not a year is an error naming it.
    pub fn parse(q: &HashMap<String, String>) -> AppResult<IndexQuery> {
        let compare =
            match q.get("compare").map(|c| c.trim()).filter(|c| !c.is_empty()) {
                Some(c) => Some(c.parse::<i32>().map_err(|_| {
                    AppError::invalid("activity.invalid_year", vec![("value", c.to_owned())], "compare")
                })?),
                None => None,
            };
        Ok(IndexQuery {
            region: q.get("region").cloned(),
            year: q.get("year").cloned(),
            compare,
            overrides: crate::composite::overrides(q)?,
        })
    }
}

/// Computes the index as the query asks.
pub async fn compute(state: &AppState, me: &Me, q: &IndexQuery) -> AppResult<crate::composite::IndexResult> {
    check_reader(me)?;
    let stored = state.store.index_definitions().await?;
    let Some(index) = stored.into_iter().next() else { return Err(AppError::not_found()) };
    let inputs = inputs(state, me).await?;
    let (engine, _) = Engine::new(&inputs);
    let (region, period) = resolve(&engine, me, q.region.as_deref(), q.year.as_deref())?;
    let year = period.year();
    let compare = q.compare.or(Some(year - 1)).filter(|c| *c != year);
    crate::composite::compute(&engine, &index.definition, index.version, &region, year, compare, &q.overrides, me.lang)
}

async fn index(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Json<Value>> {
    let q = IndexQuery::parse(&q)?;
    let result = compute(&state, &me, &q).await?;
    Ok(Json(serde_json::to_value(result).map_err(|_| AppError::internal())?))
}

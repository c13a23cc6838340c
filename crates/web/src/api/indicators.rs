//! Indicators, facts, targets and the cockpit, computed live from the caller's scope.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use gaodi_domain::indicator::engine::{table, Engine};
use gaodi_domain::indicator::status::check_decomposition;
use gaodi_domain::indicator::{format_e4, Comparator};
use serde::Deserialize;
use serde_json::{json, Value};

use super::openapi::ApiRoute;
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::indicators::{
    check_reader, cockpit_json, detail_base, inputs, resolve, row_json, sources_json, targets, INDICATOR_READERS,
};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cockpit", get(cockpit))
        .route("/api/v1/indicators", get(list))
        .route("/api/v1/indicators/{indicator}", get(detail))
        .route("/api/v1/facts", get(facts))
        .route("/api/v1/targets", get(target_list))
}

pub const ROUTES: &[ApiRoute] = &[
    ApiRoute {
        method: "get",
        path: "/api/v1/cockpit",
        tag: "indicators",
        summary: "The cockpit of a region and period (?region=430200&period=2021; defaults: the caller's top region, the latest year with data; ?indicator= picks the ranking and map): cards, trends, monthly lines, district ranking, map values, targets",
        body: None,
        roles: INDICATOR_READERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/indicators",
        tag: "indicators",
        summary: "Every indicator of a region and period with value (or the reason for none), target, comparator, completion and status",
        body: None,
        roles: INDICATOR_READERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/indicators/{indicator}",
        tag: "indicators",
        summary: "One indicator at a region and period: definition, value, target, trend, children ranked, and the facts and registry records behind it (drill-down)",
        body: None,
        roles: INDICATOR_READERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/facts",
        tag: "indicators",
        summary: "Every revision of the facts of a measure, region and period (?measure=&region=&period=), with provenance: source, origin, who and when",
        body: None,
        roles: INDICATOR_READERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/targets",
        tag: "indicators",
        summary: "The targets of a year (?year=2022) of the newest plan versions, with the check that district targets make up the city's",
        body: None,
        roles: INDICATOR_READERS,
    },
];

#[derive(Deserialize, Default)]
pub struct Where {
    region: Option<String>,
    period: Option<String>,
    indicator: Option<String>,
}

async fn cockpit(State(state): State<AppState>, me: Me, Query(q): Query<Where>) -> AppResult<Json<Value>> {
    check_reader(&me)?;
    let inputs = inputs(&state, &me).await?;
    let (engine, _) = Engine::new(&inputs);
    let (region, period) = resolve(&engine, &me, q.region.as_deref(), q.period.as_deref())?;
    let code = q.indicator.as_deref().filter(|c| !c.is_empty()).unwrap_or("hte_count");
    if engine.definition(code, period.year()).is_none() {
        return Err(AppError::invalid("indicator.unknown_indicator", vec![("code", code.to_owned())], "indicator"));
    }
    let targets = targets(&state, &me, period.year()).await?;
    Ok(Json(cockpit_json(&engine, &me, &region, period, &targets, code)))
}

async fn list(State(state): State<AppState>, me: Me, Query(q): Query<Where>) -> AppResult<Json<Value>> {
    check_reader(&me)?;
    let inputs = inputs(&state, &me).await?;
    let (engine, errors) = Engine::new(&inputs);
    let (region, period) = resolve(&engine, &me, q.region.as_deref(), q.period.as_deref())?;
    let targets = targets(&state, &me, period.year()).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let rows: Vec<Value> = table(&engine, &region, period, &targets, today)
        .iter()
        .map(|r| row_json(r, me.lang, &region, period))
        .collect();
    Ok(Json(json!({
        "region": region,
        "period": period.to_string(),
        "indicators": rows,
        "definition_errors": errors,
    })))
}

async fn detail(
    State(state): State<AppState>,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<Where>,
) -> AppResult<Json<Value>> {
    check_reader(&me)?;
    let inputs = inputs(&state, &me).await?;
    let (region, period) = resolve(&Engine::new(&inputs).0, &me, q.region.as_deref(), q.period.as_deref())?;
    let targets = targets(&state, &me, period.year()).await?;
    // The engine is not shared across threads: everything it computes is taken before any
    // further database access.
    let (mut base, sources) = detail_base(&Engine::new(&inputs).0, me.lang, &code, &region, period, &targets)?;
    base["sources"] = Value::Array(sources_json(&state, &inputs, me.lang, sources).await?);
    Ok(Json(base))
}

#[derive(Deserialize)]
struct FactQuery {
    measure: Option<String>,
    region: Option<String>,
    period: Option<String>,
}

async fn facts(State(state): State<AppState>, me: Me, Query(q): Query<FactQuery>) -> AppResult<Json<Value>> {
    check_reader(&me)?;
    let measure = q
        .measure
        .filter(|m| !m.is_empty())
        .ok_or_else(|| AppError::invalid("import.required", vec![("column", "measure".to_owned())], "measure"))?;
    let inputs = inputs(&state, &me).await?;
    let (engine, _) = Engine::new(&inputs);
    let (region, period) = resolve(&engine, &me, q.region.as_deref(), q.period.as_deref())?;
    let history = state.store.fact_history(&me.scope(), &measure, &region, &period.to_string()).await?;
    Ok(Json(
        json!({"measure": measure, "region": region, "period": period.to_string(), "facts": history.iter().map(|f| json!({
        "fact_id": f.fact_id, "value": f.value_text(), "source": f.source, "revision": f.revision,
        "is_current": f.is_current, "origin": f.origin, "note": f.note, "created_by": f.created_by,
        "created_at": f.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
    })).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<i32>,
}

async fn target_list(State(state): State<AppState>, me: Me, Query(q): Query<YearQuery>) -> AppResult<Json<Value>> {
    check_reader(&me)?;
    let inputs = inputs(&state, &me).await?;
    let (engine, _) = Engine::new(&inputs);
    let year = q.year.unwrap_or_else(|| crate::indicators::default_year(&inputs));
    let list = state.store.targets_for_year(&me.scope(), year).await?;
    // Decomposition: for each city target of an additive indicator, do the children's
    // targets of the same period make it up?
    let mut checks = Vec::new();
    for t in &list {
        let children = engine.children(&t.region_code, year);
        let parts: Vec<i64> = list
            .iter()
            .filter(|c| {
                c.indicator_code == t.indicator_code
                    && c.period == t.period
                    && children.contains(&c.region_code.as_str())
            })
            .map(|c| c.value_e4)
            .collect();
        let additive = engine
            .definition(&t.indicator_code, year)
            .is_some_and(|d| d.space == gaodi_domain::indicator::SpaceAggregation::Sum);
        if parts.is_empty() || !additive {
            continue;
        }
        let Ok(cmp) = Comparator::parse(&t.comparator) else { continue };
        let c = check_decomposition((cmp, t.value_e4), &parts);
        checks.push(json!({
            "indicator": t.indicator_code, "region": t.region_code, "period": t.period,
            "whole": format_e4(c.whole_e4, 4), "parts_sum": format_e4(c.parts_sum_e4, 4), "parts": parts.len(),
            "of_children": children.len(), "ok": c.ok, "shortfall": format_e4(c.shortfall_e4, 4),
        }));
    }
    Ok(Json(json!({
        "year": year,
        "targets": list.iter().map(|t| json!({
            "plan": t.plan_code, "plan_version": t.plan_version, "indicator": t.indicator_code, "region": t.region_code,
            "period": t.period, "comparator": t.comparator,
            "value": gaodi_domain::indicator::format_e4_plain(t.value_e4), "note": t.note,
        })).collect::<Vec<_>>(),
        "decomposition": checks,
    })))
}

//! Registry records hanging off organisations (tiers, yearly figures, IP) and platforms.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gaodi_domain::access::{Capability, Role};
use gaodi_domain::region::RegionCode;
use gaodi_domain::registry::{Level, PlatformKind, Tier, TierKind, YearlyFacts};
use gaodi_store::platform::{NewPlatform, PlatformFilter};
use serde::Deserialize;
use serde_json::{json, Value};

use super::openapi::{ApiRoute, DATA_WRITERS};
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/organisations/{id}/tiers", get(list_tiers).post(add_tier))
        .route("/api/v1/tiers/{id}/retire", post(retire_tier))
        .route("/api/v1/organisations/{id}/financials", get(financials))
        .route("/api/v1/organisations/{id}/financials/{year}", axum::routing::put(set_financials))
        .route("/api/v1/organisations/{id}/ip", get(ip_items))
        .route("/api/v1/platforms", get(list_platforms).post(create_platform))
        .route("/api/v1/platforms/stats", get(platform_stats))
        .route("/api/v1/platforms/{id}", get(platform).put(update_platform))
        .route("/api/v1/platforms/{id}/evaluations", get(evaluations).post(add_evaluation))
}

fn tier_body() -> Value {
    json!({"type": "object", "required": ["kind", "valid_from", "evidence"], "properties": {
        "kind": {"type": "string", "enum": TierKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()},
        "reference": {"type": "string", "description": "certificate (GR202143001234) or registration number"},
        "level": {"type": "string", "enum": ["national", "provincial", "municipal"]},
        "valid_from": {"type": "string", "format": "date"},
        "valid_to": {"type": "string", "format": "date", "description": "last day, inclusive; defaults by kind"},
        "evidence": {"type": "string"}}})
}
fn facts_body() -> Value {
    json!({"type": "object", "description": "fields of YEARLY_FIELDS as in policy-input.md: money as decimal strings (\"50000000.00\"), headcounts as numbers, rd_hnte / rd_sd as objects of their categories"})
}
fn platform_body() -> Value {
    json!({"type": "object", "required": ["name", "kind", "level", "region_code", "status"], "properties": {
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": PlatformKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()},
        "level": {"type": "string", "enum": ["national", "provincial", "municipal"]},
        "host_organisation_id": {"type": "integer"},
        "region_code": {"type": "string"},
        "reference": {"type": "string", "description": "approval document number"},
        "approved_on": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": gaodi_store::platform::PLATFORM_STATUSES}}})
}

fn evaluation_body() -> Value {
    json!({"type": "object", "required": ["year", "result"], "properties": {
        "year": {"type": "integer"}, "result": {"type": "string", "enum": gaodi_store::platform::EVALUATION_RESULTS},
        "note": {"type": "string"}}})
}

pub const ROUTES: &[ApiRoute] = &[
    ApiRoute {
        method: "get",
        path: "/api/v1/organisations/{id}/tiers",
        tag: "organisations",
        summary: "An organisation's dated tiers (高企, 科小, 专精特新, …)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/organisations/{id}/tiers",
        tag: "organisations",
        summary: "Record a tier, checked by the rules of its kind",
        body: Some(tier_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/tiers/{id}/retire",
        tag: "organisations",
        summary: "Retire a tier record",
        body: None,
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/organisations/{id}/financials",
        tag: "organisations",
        summary: "Yearly figures by year",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "put",
        path: "/api/v1/organisations/{id}/financials/{year}",
        tag: "organisations",
        summary: "Set the yearly figures of one year (checked as a whole)",
        body: Some(facts_body),
        roles: &["admin", "city_staff", "district_staff", "enterprise_user"],
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/organisations/{id}/ip",
        tag: "organisations",
        summary: "IP items",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/platforms",
        tag: "platforms",
        summary: "Platforms in scope (query: q, region, kind, level, host, date, page, per_page)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/platforms",
        tag: "platforms",
        summary: "Create a platform",
        body: Some(platform_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/platforms/stats",
        tag: "platforms",
        summary: "Platforms by level at a date (query: date)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/platforms/{id}",
        tag: "platforms",
        summary: "One platform",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "put",
        path: "/api/v1/platforms/{id}",
        tag: "platforms",
        summary: "Change a platform",
        body: Some(platform_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/platforms/{id}/evaluations",
        tag: "platforms",
        summary: "A platform's evaluation history",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/platforms/{id}/evaluations",
        tag: "platforms",
        summary: "Record a year's evaluation result (excellent, good, pass, fail)",
        body: Some(evaluation_body),
        roles: DATA_WRITERS,
    },
];

fn date(field: &'static str, v: Option<&str>) -> AppResult<Option<time::Date>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => gaodi_store::import::parse_date(s)
            .map(Some)
            .ok_or_else(|| AppError::invalid("import.bad_date", vec![("value", s.to_owned())], field)),
    }
}

fn may_write_registry(me: &Me) -> AppResult<()> {
    me.require(Capability::WriteData)?;
    if me.role() == Role::EnterpriseUser {
        return Err(AppError::forbidden());
    }
    Ok(())
}

async fn list_tiers(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    Ok(Json(json!({ "tiers": state.store.tiers(&me.scope(), id).await? })))
}

#[derive(Deserialize)]
pub struct TierBody {
    pub kind: String,
    pub reference: Option<String>,
    pub level: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    #[serde(default)]
    pub evidence: String,
}

impl TierBody {
    pub fn parse(&self) -> AppResult<Tier> {
        let kind = gaodi_store::tier::parse_tier_kind(&self.kind).ok_or_else(|| {
            AppError::invalid("registry.unknown_tier_kind", vec![("value", self.kind.clone())], "kind")
        })?;
        let level =
            match self.level.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(l) => Some(gaodi_store::tier::parse_level(l).ok_or_else(|| {
                    AppError::invalid("registry.unknown_level", vec![("value", l.to_owned())], "level")
                })?),
            };
        let from = date("valid_from", self.valid_from.as_deref())?.ok_or_else(|| {
            AppError::invalid("import.required", vec![("column", "valid_from".to_owned())], "valid_from")
        })?;
        let to = date("valid_to", self.valid_to.as_deref())?;
        Tier::new(kind, self.reference.as_deref(), level, from, to, &self.evidence)
            .map_err(|e| AppError::invalid(e.code(), e.args(), "reference"))
    }
}

async fn add_tier(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Json(b): Json<TierBody>,
) -> AppResult<Response> {
    may_write_registry(&me)?;
    let t = state.store.add_tier(&me.actor(), &me.scope(), id, &b.parse()?).await?;
    Ok((StatusCode::CREATED, Json(json!(t))).into_response())
}

async fn retire_tier(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<StatusCode> {
    may_write_registry(&me)?;
    state.store.retire_tier(&me.actor(), &me.scope(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn financials(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    let years: serde_json::Map<String, Value> =
        state.store.yearly_facts(&me.scope(), id).await?.into_iter().map(|(y, f)| (y.to_string(), json!(f))).collect();
    Ok(Json(json!({ "organisation_id": id, "years": years })))
}

async fn set_financials(
    State(state): State<AppState>,
    me: Me,
    Path((id, year)): Path<(i64, i32)>,
    Json(facts): Json<YearlyFacts>,
) -> AppResult<StatusCode> {
    me.require(Capability::WriteData)?;
    if !(1978..=2100).contains(&year) {
        return Err(AppError::bad_request("error.bad_query")
            .arg("name", "year")
            .arg("value", year)
            .arg("expected", "1978-2100"));
    }
    state.store.set_yearly_facts(&me.actor(), &me.scope(), id, year, &facts).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn ip_items(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    Ok(Json(json!({ "ip_items": state.store.ip_items(&me.scope(), id).await? })))
}

/// The platform list's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlatformQuery {
    pub q: Option<String>,
    pub region: Option<String>,
    pub kind: Option<String>,
    pub level: Option<String>,
    pub host: Option<String>,
    pub date: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl PlatformQuery {
    pub fn parse(&self) -> AppResult<(PlatformFilter, i64, i64)> {
        let bad = |name: &str, value: &str, expected: &str| {
            AppError::bad_request("error.bad_query").arg("name", name).arg("value", value).arg("expected", expected)
        };
        let mut f = PlatformFilter { q: non_empty(&self.q).map(str::to_owned), ..PlatformFilter::default() };
        if let Some(r) = non_empty(&self.region) {
            f.region = Some(RegionCode::parse(r).map_err(|e| AppError::bad_request(e.code()).arg("value", r))?);
        }
        if let Some(k) = non_empty(&self.kind) {
            f.kind =
                Some(gaodi_store::platform::parse_platform_kind(k).ok_or_else(|| bad("kind", k, "state_key_lab, …"))?);
        }
        if let Some(l) = non_empty(&self.level) {
            f.level = Some(Level::parse(l).map_err(|_| bad("level", l, "national, provincial, municipal"))?);
        }
        if let Some(h) = non_empty(&self.host) {
            f.host_organisation_id = Some(h.parse().map_err(|_| bad("host", h, "an organisation id"))?);
        }
        f.approved_by = date("date", self.date.as_deref())?;
        let page = non_empty(&self.page)
            .map_or(Ok(1), |p| p.parse::<i64>().ok().filter(|p| *p >= 1).ok_or_else(|| bad("page", p, "1, 2, …")))?;
        let per_page = non_empty(&self.per_page).map_or(Ok(50), |p| {
            p.parse::<i64>().ok().filter(|p| (1..=500).contains(p)).ok_or_else(|| bad("per_page", p, "1-500"))
        })?;
        Ok((f, page, per_page))
    }
}

async fn list_platforms(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<PlatformQuery>,
) -> AppResult<Json<Value>> {
    let (f, page, per_page) = q.parse()?;
    let p = state.store.list_platforms(&me.scope(), &f, page, per_page).await?;
    Ok(Json(json!({ "total": p.total, "page": p.page, "per_page": p.per_page, "platforms": p.items })))
}

#[derive(Deserialize)]
struct DateQuery {
    date: Option<String>,
}

async fn platform_stats(State(state): State<AppState>, me: Me, Query(q): Query<DateQuery>) -> AppResult<Json<Value>> {
    let d = date("date", q.date.as_deref())?.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let counts = state.store.count_platforms_by_level(&me.scope(), d).await?;
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    Ok(Json(
        json!({ "date": d.to_string(), "total": total, "by_level": counts.into_iter().collect::<std::collections::BTreeMap<_, _>>() }),
    ))
}

async fn platform(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    Ok(Json(json!(state.store.platform(&me.scope(), id).await?)))
}

#[derive(Deserialize)]
pub struct PlatformBody {
    pub name: String,
    pub kind: String,
    pub level: String,
    pub host_organisation_id: Option<i64>,
    pub region_code: String,
    pub reference: Option<String>,
    pub approved_on: Option<String>,
    pub status: Option<String>,
}

impl PlatformBody {
    pub fn parse(&self) -> AppResult<NewPlatform> {
        Ok(NewPlatform {
            name: self.name.trim().to_owned(),
            kind: gaodi_store::platform::parse_platform_kind(&self.kind).ok_or_else(|| {
                AppError::invalid("registry.unknown_platform_kind", vec![("value", self.kind.clone())], "kind")
            })?,
            level: gaodi_store::tier::parse_level(&self.level).ok_or_else(|| {
                AppError::invalid("registry.unknown_level", vec![("value", self.level.clone())], "level")
            })?,
            host_organisation_id: self.host_organisation_id,
            region_code: RegionCode::parse(&self.region_code)
                .map_err(|e| AppError::invalid(e.code(), e.args(), "region_code"))?,
            reference: self.reference.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
            approved_on: date("approved_on", self.approved_on.as_deref())?,
            status: self.status.clone().unwrap_or_else(|| "operating".to_owned()),
        })
    }
}

async fn create_platform(State(state): State<AppState>, me: Me, Json(b): Json<PlatformBody>) -> AppResult<Response> {
    may_write_registry(&me)?;
    let p = state.store.create_platform(&me.actor(), &me.scope(), &b.parse()?).await?;
    Ok((StatusCode::CREATED, Json(json!(p))).into_response())
}

async fn update_platform(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Json(b): Json<PlatformBody>,
) -> AppResult<Json<Value>> {
    may_write_registry(&me)?;
    Ok(Json(json!(state.store.update_platform(&me.actor(), &me.scope(), id, &b.parse()?).await?)))
}

async fn evaluations(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    Ok(Json(json!({ "evaluations": state.store.platform_evaluations(&me.scope(), id).await? })))
}

#[derive(Deserialize)]
pub struct EvaluationBody {
    pub year: i32,
    pub result: String,
    #[serde(default)]
    pub note: String,
}

async fn add_evaluation(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Json(b): Json<EvaluationBody>,
) -> AppResult<Response> {
    may_write_registry(&me)?;
    let e = state.store.add_platform_evaluation(&me.actor(), &me.scope(), id, b.year, &b.result, &b.note).await?;
    Ok((StatusCode::CREATED, Json(json!(e))).into_response())
}

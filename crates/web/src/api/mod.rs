//! The JSON API under `/api/v1`. Authentication: the session cookie (with the `x-csrf-token`
//! header on writes) or `Authorization: Bearer <token>`. Errors are
//! `{"error": {"code", "message", "field", "args", "request_id"}}` in the caller's language.

pub mod activity;
pub mod composite;
pub mod indicators;
pub mod openapi;
pub mod people;
pub mod policy;
pub mod projects;
pub mod registry;
mod transfer;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gaodi_domain::access::{Capability, Role, Username};
use gaodi_domain::organisation::{OrganisationKind, Uscc};
use gaodi_domain::period::Period;
use gaodi_domain::region::RegionCode;
use gaodi_store::organisation::NewOrganisation;
use gaodi_store::user::{generate_password, NewUser};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::pages::regions_query;
use crate::AppState;

pub use openapi::{openapi_document, ApiRoute, ADMIN, AUDIT_READERS, DATA_WRITERS};
pub use transfer::Kind as ImportKind;

/// Every operation of the API, from every feature's table (documented and role-tested).
pub fn routes() -> Vec<&'static ApiRoute> {
    // One line per feature's table.
    let tables: &[&'static [ApiRoute]] = &[
        openapi::ROUTES,
        registry::ROUTES,
        people::ROUTES,
        activity::ROUTES,
        indicators::ROUTES,
        composite::ROUTES,
        policy::ROUTES,
        projects::ROUTES,
        // more feature tables here
    ];
    tables.iter().flat_map(|t| t.iter()).collect()
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi::serve_document))
        .route("/api/docs", get(openapi::docs_page))
        .route("/api/v1/me", get(me))
        .route("/api/v1/me/password", post(change_password))
        .route("/api/v1/me/api-tokens", post(create_token))
        .route("/api/v1/periods/{code}", get(period))
        .route("/api/v1/regions", get(regions))
        .route("/api/v1/regions/{code}", get(region).patch(rename_region))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/users/{id}/disable", post(disable_user))
        .route("/api/v1/users/{id}/enable", post(enable_user))
        .route("/api/v1/users/{id}/password", post(reset_password))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/audit/verify", post(verify_audit))
        .route("/api/v1/organisations", get(list_organisations).post(create_organisation))
        .route("/api/v1/organisations/{id}", get(organisation).put(update_organisation))
        .route("/api/v1/organisations/{id}/retire", post(retire_organisation))
        .merge(transfer::router())
        .merge(registry::router())
        .merge(people::router())
        .merge(activity::router())
        .merge(indicators::router())
        .merge(composite::router())
        .merge(policy::router())
        .merge(projects::router())
}

fn invalid<E>(field: &'static str) -> impl Fn(E) -> AppError
where
    E: DomainError,
{
    move |e: E| AppError::invalid(e.code(), e.args(), field)
}

/// Domain errors all carry an i18n key and arguments.
pub trait DomainError {
    fn code(&self) -> &'static str;
    fn args(&self) -> Vec<(&'static str, String)>;
}

macro_rules! domain_error {
    ($($t:ty),*) => {$(
        impl DomainError for $t {
            fn code(&self) -> &'static str { <$t>::code(self) }
            fn args(&self) -> Vec<(&'static str, String)> { <$t>::args(self) }
        }
    )*};
}
domain_error!(
    gaodi_domain::access::AccessError,
    gaodi_domain::region::RegionError,
    gaodi_domain::period::PeriodError,
    gaodi_domain::organisation::OrganisationError
);

async fn me(me: Me) -> Json<Value> {
    Json(json!({ "user": me.user, "scope": me.scope(), "csrf_token": me.csrf() }))
}

#[derive(Deserialize)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

async fn change_password(State(state): State<AppState>, me: Me, Json(b): Json<PasswordBody>) -> AppResult<StatusCode> {
    let sid = me.session.as_ref().map(|(id, _)| *id);
    state.store.change_own_password(&me.actor(), me.user.user_id, &b.current_password, &b.new_password, sid).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct TokenBody {
    name: String,
}

async fn create_token(State(state): State<AppState>, me: Me, Json(b): Json<TokenBody>) -> AppResult<Response> {
    let name = b.name.trim();
    if name.is_empty() {
        return Err(AppError::invalid(
            "error.bad_query",
            vec![("name", "name".into()), ("value", String::new()), ("expected", "a label".into())],
            "name",
        ));
    }
    let token = state.store.create_api_token(&me.actor(), me.user.user_id, name).await?;
    Ok((StatusCode::CREATED, Json(json!({ "token": token, "name": name }))).into_response())
}

async fn period(me: Me, Path(code): Path<String>) -> AppResult<Json<Value>> {
    let _ = me;
    let p = Period::parse(&code).map_err(invalid("code"))?;
    Ok(Json(json!({
        "code": p.to_string(),
        "kind": p.kind().as_str(),
        "year": p.year(),
        "start": p.start_date().to_string(),
        "end": p.end_date().to_string(),
        "months": p.months().iter().map(ToString::to_string).collect::<Vec<_>>(),
        "previous": p.prev().to_string(),
        "next": p.next().to_string(),
        "same_period_last_year": p.same_period_last_year().to_string(),
    })))
}

#[derive(Deserialize)]
struct TreeQuery {
    year: Option<String>,
    hierarchy: Option<String>,
}

async fn regions(State(state): State<AppState>, me: Me, Query(q): Query<TreeQuery>) -> AppResult<Json<Value>> {
    me.require(Capability::ReadRegions)?;
    let (year, hierarchy) = regions_query(q.year.as_deref(), q.hierarchy.as_deref())?;
    let tree = state.store.region_tree(year, hierarchy).await?;
    Ok(Json(json!({ "year": year, "hierarchy": hierarchy.as_str(), "tree": tree })))
}

fn region_code(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| AppError::bad_request(e.code()).field("code").arg("value", code))
}

async fn region(State(state): State<AppState>, me: Me, Path(code): Path<String>) -> AppResult<Json<Value>> {
    me.require(Capability::ReadRegions)?;
    let detail = state.store.region_detail(&region_code(&code)?).await?;
    Ok(Json(json!(detail)))
}

#[derive(Deserialize)]
struct RenameBody {
    name_zh: String,
    name_en: String,
}

async fn rename_region(
    State(state): State<AppState>,
    me: Me,
    Path(code): Path<String>,
    Json(b): Json<RenameBody>,
) -> AppResult<Json<Value>> {
    me.require(Capability::EditRegions)?;
    let r = state.store.rename_region(&me.actor(), &region_code(&code)?, &b.name_zh, &b.name_en).await?;
    Ok(Json(json!(r)))
}

async fn list_users(State(state): State<AppState>, me: Me) -> AppResult<Json<Value>> {
    me.require(Capability::ManageUsers)?;
    Ok(Json(json!({ "users": state.store.list_users().await? })))
}

#[derive(Deserialize)]
struct NewUserBody {
    username: String,
    display_name: Option<String>,
    role: String,
    #[serde(default)]
    regions: Vec<String>,
    organisation_id: Option<i64>,
}

async fn create_user(State(state): State<AppState>, me: Me, Json(b): Json<NewUserBody>) -> AppResult<Response> {
    me.require(Capability::ManageUsers)?;
    let username = Username::parse(&b.username).map_err(invalid("username"))?;
    let role = Role::parse(&b.role).map_err(invalid("role"))?;
    let regions =
        b.regions.iter().map(|r| RegionCode::parse(r)).collect::<Result<Vec<_>, _>>().map_err(invalid("regions"))?;
    let new = NewUser {
        display_name: b.display_name.filter(|d| !d.trim().is_empty()).unwrap_or_else(|| username.to_string()),
        username,
        role,
        regions,
        organisation_id: b.organisation_id,
    };
    let password = generate_password();
    let user = state.store.create_user(&me.actor(), &new, &password).await?;
    Ok((StatusCode::CREATED, Json(json!({ "user": user, "one_time_password": password }))).into_response())
}

async fn set_disabled(state: &AppState, me: &Me, id: i64, disabled: bool) -> AppResult<Json<Value>> {
    me.require(Capability::ManageUsers)?;
    Ok(Json(json!(state.store.set_user_disabled(&me.actor(), id, disabled).await?)))
}

async fn disable_user(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    set_disabled(&state, &me, id, true).await
}

async fn enable_user(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    set_disabled(&state, &me, id, false).await
}

async fn reset_password(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    me.require(Capability::ManageUsers)?;
    let password = generate_password();
    state.store.set_password(&me.actor(), id, &password, true, None).await?;
    Ok(Json(json!({ "user_id": id, "one_time_password": password })))
}

async fn audit(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<crate::pages::AuditQuery>,
) -> AppResult<Json<Value>> {
    me.require(Capability::ReadAudit)?;
    let events = state.store.list_audit(&me.scope(), &q.filter(200)).await?;
    Ok(Json(json!({ "events": events })))
}

async fn verify_audit(State(state): State<AppState>, me: Me) -> AppResult<Json<Value>> {
    me.require(Capability::VerifyAudit)?;
    match state.store.verify_audit().await {
        Ok(n) => Ok(Json(json!({ "intact": true, "events_checked": n }))),
        Err(gaodi_store::StoreError::AuditChain(b)) => Ok(Json(json!({ "intact": false, "break": b.to_string() }))),
        Err(e) => Err(e.into()),
    }
}

async fn list_organisations(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<crate::pages::OrganisationQuery>,
) -> AppResult<Json<Value>> {
    let (filter, page, per_page) = q.parse()?;
    let p = state.store.list_organisations_page(&me.scope(), &filter, page, per_page).await?;
    Ok(Json(json!({ "total": p.total, "page": p.page, "per_page": p.per_page, "organisations": p.items })))
}

async fn organisation(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    Ok(Json(json!(state.store.organisation(&me.scope(), id).await?)))
}

#[derive(Deserialize)]
struct NewOrganisationBody {
    uscc: String,
    name: String,
    kind: String,
    region_code: String,
    park_code: Option<String>,
    industry_code: Option<String>,
    founded_on: Option<String>,
}

async fn create_organisation(
    State(state): State<AppState>,
    me: Me,
    Json(b): Json<NewOrganisationBody>,
) -> AppResult<Response> {
    me.require(Capability::WriteData)?;
    if me.role() == Role::EnterpriseUser {
        return Err(AppError::forbidden());
    }
    let o = state.store.create_organisation(&me.actor(), &me.scope(), &b.parse()?).await?;
    Ok((StatusCode::CREATED, Json(json!(o))).into_response())
}

impl NewOrganisationBody {
    /// Parses the body into domain values, naming the first bad field.
    fn parse(self) -> AppResult<NewOrganisation> {
        let park_code = match self.park_code.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => Some(RegionCode::parse(p).map_err(invalid("park_code"))?),
            None => None,
        };
        let industry_code = match self.industry_code.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(v) => Some(
                gaodi_store::organisation::check_industry(v)
                    .map_err(|(code, args)| AppError::invalid(code, args, "industry_code"))?,
            ),
            None => None,
        };
        let founded_on = match self.founded_on.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(v) => Some(
                gaodi_store::import::parse_date(v)
                    .ok_or_else(|| AppError::invalid("import.bad_date", vec![("value", v.to_owned())], "founded_on"))?,
            ),
            None => None,
        };
        Ok(NewOrganisation {
            uscc: Uscc::parse(self.uscc.trim()).map_err(invalid("uscc"))?,
            name: self.name,
            kind: OrganisationKind::parse(&self.kind).map_err(invalid("kind"))?,
            region_code: RegionCode::parse(&self.region_code).map_err(invalid("region_code"))?,
            park_code,
            industry_code,
            founded_on,
        })
    }
}

async fn update_organisation(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Json(b): Json<NewOrganisationBody>,
) -> AppResult<Json<Value>> {
    me.require(Capability::WriteData)?;
    if me.role() == Role::EnterpriseUser {
        return Err(AppError::forbidden());
    }
    let o = state.store.update_organisation(&me.actor(), &me.scope(), id, &b.parse()?).await?;
    Ok(Json(json!(o)))
}

async fn retire_organisation(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    me.require(Capability::WriteData)?;
    if me.role() == Role::EnterpriseUser {
        return Err(AppError::forbidden());
    }
    Ok(Json(json!(state.store.retire_organisation(&me.actor(), &me.scope(), id).await?)))
}

//! The activity registries' API: awards, technology contracts, loans (with their events) and
//! S&T events, each with list (filters, paging), create, read, update and retire.
//!
//! Writes check the role before they read the body, so a role that may not write gets 403
//! whatever it sends. Amounts travel as yuan in text (`"1234.50"`; whole numbers are accepted
//! too), dates as `YYYY-MM-DD`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gaodi_domain::access::{Capability, Role};
use gaodi_domain::activity::{
    parse_level, ActivityError, AwardCategory, AwardGrade, ContractKind, EventKind, LoanEventKind, LoanScheme,
    LoanStatus, FIRST_YEAR, LAST_YEAR,
};
use gaodi_domain::money::Money;
use gaodi_domain::region::RegionCode;
use gaodi_store::activity::{
    AwardFilter, ContractFilter, LoanFilter, NewAward, NewLoan, NewLoanEvent, NewStEvent, NewTechContract,
    StEventFilter,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use time::Date;

use super::openapi::{ApiRoute, DATA_WRITERS};
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/awards", get(list_awards).post(create_award))
        .route("/api/v1/awards/{id}", get(award).put(update_award))
        .route("/api/v1/awards/{id}/retire", post(retire_award))
        .route("/api/v1/contracts", get(list_contracts).post(create_contract))
        .route("/api/v1/contracts/{id}", get(contract).put(update_contract))
        .route("/api/v1/contracts/{id}/retire", post(retire_contract))
        .route("/api/v1/loans", get(list_loans).post(create_loan))
        .route("/api/v1/loans/{id}", get(loan).put(update_loan))
        .route("/api/v1/loans/{id}/retire", post(retire_loan))
        .route("/api/v1/loans/{id}/events", post(add_loan_event))
        .route("/api/v1/events", get(list_events).post(create_event))
        .route("/api/v1/events/{id}", get(event).put(update_event))
        .route("/api/v1/events/{id}/retire", post(retire_event))
}

// ---------------------------------------------------------------------------------------
// Query strings
// ---------------------------------------------------------------------------------------

/// The query string of the four lists (shared by the API, the pages and the exports); each
/// registry reads the parameters that apply to it and ignores the others.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActivityQuery {
    pub q: Option<String>,
    pub region: Option<String>,
    pub year: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Award level (national, provincial, municipal).
    pub level: Option<String>,
    /// Award grade.
    pub grade: Option<String>,
    /// Award category.
    pub category: Option<String>,
    /// Contract or event kind.
    pub kind: Option<String>,
    /// Loan scheme.
    pub scheme: Option<String>,
    /// Loan status.
    pub status: Option<String>,
    /// Records of this organisation.
    pub organisation: Option<String>,
    pub sort: Option<String>,
    pub desc: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
    pub retired: Option<String>,
}

fn bad(name: &str, value: &str, expected: &str) -> AppError {
    AppError::bad_request("error.bad_query").arg("name", name).arg("value", value).arg("expected", expected)
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn bad_code(name: &'static str, e: &ActivityError) -> AppError {
    AppError { status: StatusCode::BAD_REQUEST, code: e.code(), args: e.args(), field: Some(name) }
}

fn query_code<T>(
    name: &'static str,
    v: &Option<String>,
    parse: fn(&str) -> Result<T, ActivityError>,
) -> AppResult<Option<T>> {
    non_empty(v).map(|v| parse(v).map_err(|e| bad_code(name, &e))).transpose()
}

/// The common part of every list's query.
pub struct Common {
    pub q: Option<String>,
    pub region: Option<RegionCode>,
    pub year: Option<i32>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub organisation_id: Option<i64>,
    pub include_retired: bool,
    pub sort: Option<String>,
    pub descending: bool,
    pub page: i64,
    pub per_page: i64,
}

impl ActivityQuery {
    /// Parses the parameters every list shares; names the first bad one.
    pub fn common(&self) -> AppResult<Common> {
        let region = match non_empty(&self.region) {
            Some(r) => Some(RegionCode::parse(r).map_err(|e| AppError::bad_request(e.code()).arg("value", r))?),
            None => None,
        };
        let year = match non_empty(&self.year) {
            Some(y) => Some(
                y.parse::<i32>()
                    .ok()
                    .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
                    .ok_or_else(|| bad("year", y, &format!("{FIRST_YEAR}-{LAST_YEAR}")))?,
            ),
            None => None,
        };
        let date = |name: &str, v: &Option<String>| -> AppResult<Option<Date>> {
            non_empty(v)
                .map(|d| gaodi_store::import::parse_date(d).ok_or_else(|| bad(name, d, "YYYY-MM-DD")))
                .transpose()
        };
        let organisation_id = match non_empty(&self.organisation) {
            Some(o) => Some(o.parse::<i64>().map_err(|_| bad("organisation", o, "an organisation id"))?),
            None => None,
        };
        let sort = non_empty(&self.sort);
        if let Some(s) = sort {
            if !s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                return Err(bad("sort", s, "a column key"));
            }
        }
        let page = match non_empty(&self.page) {
            Some(p) => p.parse::<i64>().ok().filter(|p| *p >= 1).ok_or_else(|| bad("page", p, "1, 2, …"))?,
            None => 1,
        };
        let per_page = match non_empty(&self.per_page) {
            Some(p) => {
                p.parse::<i64>().ok().filter(|p| (1..=500).contains(p)).ok_or_else(|| bad("per_page", p, "1-500"))?
            }
            None => 50,
        };
        let flag = |v: &Option<String>| non_empty(v).is_some_and(|d| d == "1" || d == "true");
        Ok(Common {
            q: non_empty(&self.q).map(str::to_owned),
            region,
            year,
            from: date("from", &self.from)?,
            to: date("to", &self.to)?,
            organisation_id,
            include_retired: flag(&self.retired),
            sort: sort.map(str::to_owned),
            descending: flag(&self.desc),
            page,
            per_page,
        })
    }

    /// The award filter, page and page size.
    pub fn award_filter(&self) -> AppResult<(AwardFilter, i64, i64)> {
        let c = self.common()?;
        let f = AwardFilter {
            q: c.q,
            region: c.region,
            year: c.year,
            level: query_code("level", &self.level, parse_level)?,
            grade: query_code("grade", &self.grade, AwardGrade::parse)?,
            category: query_code("category", &self.category, AwardCategory::parse)?,
            organisation_id: c.organisation_id,
            include_retired: c.include_retired,
            sort: c.sort,
            descending: c.descending,
        };
        Ok((f, c.page, c.per_page))
    }

    /// The contract filter, page and page size.
    pub fn contract_filter(&self) -> AppResult<(ContractFilter, i64, i64)> {
        let c = self.common()?;
        let f = ContractFilter {
            q: c.q,
            region: c.region,
            year: c.year,
            from: c.from,
            to: c.to,
            kind: query_code("kind", &self.kind, ContractKind::parse)?,
            organisation_id: c.organisation_id,
            include_retired: c.include_retired,
            sort: c.sort,
            descending: c.descending,
        };
        Ok((f, c.page, c.per_page))
    }

    /// The loan filter, page and page size.
    pub fn loan_filter(&self) -> AppResult<(LoanFilter, i64, i64)> {
        let c = self.common()?;
        let f = LoanFilter {
            q: c.q,
            region: c.region,
            year: c.year,
            from: c.from,
            to: c.to,
            scheme: query_code("scheme", &self.scheme, LoanScheme::parse)?,
            status: query_code("status", &self.status, LoanStatus::parse)?,
            organisation_id: c.organisation_id,
            include_retired: c.include_retired,
            sort: c.sort,
            descending: c.descending,
        };
        Ok((f, c.page, c.per_page))
    }

    /// The event filter, page and page size.
    pub fn event_filter(&self) -> AppResult<(StEventFilter, i64, i64)> {
        let c = self.common()?;
        let f = StEventFilter {
            q: c.q,
            region: c.region,
            year: c.year,
            from: c.from,
            to: c.to,
            kind: query_code("kind", &self.kind, EventKind::parse)?,
            organisation_id: c.organisation_id,
            include_retired: c.include_retired,
            sort: c.sort,
            descending: c.descending,
        };
        Ok((f, c.page, c.per_page))
    }

    /// The query string without paging (for export and page links), optionally without the
    /// sort (for column header links that set their own).
    pub fn filters_qs(&self, with_sort: bool) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        let mut pairs = vec![
            ("q", &self.q),
            ("region", &self.region),
            ("year", &self.year),
            ("from", &self.from),
            ("to", &self.to),
            ("level", &self.level),
            ("grade", &self.grade),
            ("category", &self.category),
            ("kind", &self.kind),
            ("scheme", &self.scheme),
            ("status", &self.status),
            ("organisation", &self.organisation),
            ("retired", &self.retired),
        ];
        if with_sort {
            pairs.push(("sort", &self.sort));
            pairs.push(("desc", &self.desc));
        }
        for (k, v) in pairs {
            if let Some(v) = non_empty(v) {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

// ---------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------

/// Reads a JSON body after the role check (so a forbidden caller never learns more than 403).
fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> AppResult<T> {
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !json {
        return Err(AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "error.unsupported_media_type"));
    }
    serde_json::from_slice(body).map_err(|e| AppError::bad_request("error.bad_body").arg("detail", e))
}

/// The parsed body of a write, read only once the caller may write.
fn write_body<B: DeserializeOwned, N>(
    me: &Me,
    headers: &HeaderMap,
    body: &Bytes,
    parse: fn(B) -> AppResult<N>,
) -> AppResult<N> {
    may_write(me)?;
    parse(json_body(headers, body)?)
}

/// Only bureau staff write these registries (enterprise users read their own records).
fn may_write(me: &Me) -> AppResult<()> {
    me.require(Capability::WriteData)?;
    if me.role() == Role::EnterpriseUser {
        return Err(AppError::forbidden());
    }
    Ok(())
}

fn invalid(field: &'static str, e: &ActivityError) -> AppError {
    AppError::invalid(e.code(), e.args(), field)
}

fn required(field: &'static str) -> AppError {
    invalid(field, &ActivityError::Required)
}

fn text(v: Option<String>) -> String {
    v.unwrap_or_default().trim().to_owned()
}

fn code<T>(field: &'static str, v: Option<&str>, parse: fn(&str) -> Result<T, ActivityError>) -> AppResult<T> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => parse(v).map_err(|e| invalid(field, &e)),
        None => Err(required(field)),
    }
}

/// An amount in yuan: text (`"1234.50"`) or a whole number; `None` when absent or empty.
fn amount(field: &'static str, v: Option<&Value>) -> AppResult<Option<Money>> {
    let text = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) if n.is_i64() => n.to_string(),
        Some(other) => {
            return Err(AppError::invalid("activity.amount_as_text", vec![("value", other.to_string())], field))
        }
    };
    Money::parse(&text).map(Some).map_err(|e| AppError::invalid(e.code(), e.args(), field))
}

fn required_amount(field: &'static str, v: Option<&Value>) -> AppResult<Money> {
    amount(field, v)?.ok_or_else(|| required(field))
}

fn date(field: &'static str, v: Option<&str>) -> AppResult<Option<Date>> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => gaodi_store::import::parse_date(v)
            .map(Some)
            .ok_or_else(|| AppError::invalid("import.bad_date", vec![("value", v.to_owned())], field)),
        None => Ok(None),
    }
}

fn required_date(field: &'static str, v: Option<&str>) -> AppResult<Date> {
    date(field, v)?.ok_or_else(|| required(field))
}

fn region(field: &'static str, v: Option<&str>) -> AppResult<Option<RegionCode>> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => RegionCode::parse(v).map(Some).map_err(|e| AppError::invalid(e.code(), e.args(), field)),
        None => Ok(None),
    }
}

fn required_region(field: &'static str, v: Option<&str>) -> AppResult<RegionCode> {
    region(field, v)?.ok_or_else(|| required(field))
}

/// A whole number given as a JSON number or as digits in text.
fn whole(field: &'static str, v: Option<&Value>) -> AppResult<Option<i64>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => {
            s.trim().parse().map(Some).map_err(|_| invalid(field, &ActivityError::InvalidCount { value: s.clone() }))
        }
        Some(other) => Err(invalid(field, &ActivityError::InvalidCount { value: other.to_string() })),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AwardBody {
    pub name: Option<String>,
    pub category: Option<String>,
    pub level: Option<String>,
    pub grade: Option<String>,
    pub year: Option<Value>,
    pub project_title: Option<String>,
    pub region_code: Option<String>,
    pub reference: Option<String>,
    #[serde(default)]
    pub organisation_ids: Vec<i64>,
    pub person_names: Option<String>,
}

impl AwardBody {
    /// Parses the body into domain values, naming the first bad field (the store checks the
    /// rules and the references).
    pub fn parse(self) -> AppResult<NewAward> {
        let year = match self.year.as_ref() {
            Some(Value::String(s)) => gaodi_domain::activity::parse_year(s.trim()).map_err(|e| invalid("year", &e))?,
            v => whole("year", v)?.and_then(|y| i32::try_from(y).ok()).ok_or_else(|| required("year"))?,
        };
        Ok(NewAward {
            name: text(self.name),
            category: code("category", self.category.as_deref(), AwardCategory::parse)?,
            level: code("level", self.level.as_deref(), parse_level)?,
            grade: code("grade", self.grade.as_deref(), AwardGrade::parse)?,
            year,
            project_title: text(self.project_title),
            region_code: required_region("region_code", self.region_code.as_deref())?,
            reference: text(self.reference),
            organisation_ids: self.organisation_ids,
            person_names: self.person_names,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ContractBody {
    pub contract_no: Option<String>,
    pub kind: Option<String>,
    pub title: Option<String>,
    pub amount: Option<Value>,
    pub technical_income: Option<Value>,
    pub seller_organisation_id: Option<i64>,
    pub seller_name: Option<String>,
    pub seller_region_code: Option<String>,
    pub buyer_organisation_id: Option<i64>,
    pub buyer_name: Option<String>,
    pub buyer_region_code: Option<String>,
    pub registered_on: Option<String>,
    pub field: Option<String>,
}

impl ContractBody {
    pub fn parse(self) -> AppResult<NewTechContract> {
        Ok(NewTechContract {
            contract_no: text(self.contract_no),
            kind: code("kind", self.kind.as_deref(), ContractKind::parse)?,
            title: text(self.title),
            amount: required_amount("amount", self.amount.as_ref())?,
            technical_income: amount("technical_income", self.technical_income.as_ref())?,
            seller_organisation_id: self.seller_organisation_id,
            seller_name: text(self.seller_name),
            seller_region_code: required_region("seller_region_code", self.seller_region_code.as_deref())?,
            buyer_organisation_id: self.buyer_organisation_id,
            buyer_name: text(self.buyer_name),
            buyer_region_code: region("buyer_region_code", self.buyer_region_code.as_deref())?,
            registered_on: required_date("registered_on", self.registered_on.as_deref())?,
            field: self.field,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LoanBody {
    pub contract_no: Option<String>,
    pub scheme: Option<String>,
    pub bank: Option<String>,
    pub borrower_organisation_id: Option<i64>,
    pub amount: Option<Value>,
    pub start_on: Option<String>,
    pub due_on: Option<String>,
    pub status: Option<String>,
}

impl LoanBody {
    pub fn parse(self) -> AppResult<NewLoan> {
        let status = match self.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => LoanStatus::parse(s).map_err(|e| invalid("status", &e))?,
            None => LoanStatus::Active,
        };
        Ok(NewLoan {
            contract_no: text(self.contract_no),
            scheme: code("scheme", self.scheme.as_deref(), LoanScheme::parse)?,
            bank: text(self.bank),
            borrower_organisation_id: self
                .borrower_organisation_id
                .ok_or_else(|| required("borrower_organisation_id"))?,
            amount: required_amount("amount", self.amount.as_ref())?,
            start_on: required_date("start_on", self.start_on.as_deref())?,
            due_on: required_date("due_on", self.due_on.as_deref())?,
            status,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LoanEventBody {
    pub kind: Option<String>,
    pub occurred_on: Option<String>,
    pub amount: Option<Value>,
    pub note: Option<String>,
}

impl LoanEventBody {
    pub fn parse(self) -> AppResult<NewLoanEvent> {
        Ok(NewLoanEvent {
            kind: code("kind", self.kind.as_deref(), LoanEventKind::parse)?,
            occurred_on: required_date("occurred_on", self.occurred_on.as_deref())?,
            amount: required_amount("amount", self.amount.as_ref())?,
            note: self.note,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct EventBody {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub held_on: Option<String>,
    pub ends_on: Option<String>,
    pub organiser: Option<String>,
    pub organiser_organisation_id: Option<i64>,
    pub region_code: Option<String>,
    pub participants: Option<Value>,
    pub outcome: Option<String>,
}

impl EventBody {
    pub fn parse(self) -> AppResult<NewStEvent> {
        Ok(NewStEvent {
            kind: code("kind", self.kind.as_deref(), EventKind::parse)?,
            title: text(self.title),
            held_on: required_date("held_on", self.held_on.as_deref())?,
            ends_on: date("ends_on", self.ends_on.as_deref())?,
            organiser: text(self.organiser),
            organiser_organisation_id: self.organiser_organisation_id,
            region_code: required_region("region_code", self.region_code.as_deref())?,
            participants: whole("participants", self.participants.as_ref())?.unwrap_or(0),
            outcome: self.outcome,
        })
    }
}

fn page_json<T: serde::Serialize>(key: &str, p: &gaodi_store::organisation::Page<T>) -> Json<Value> {
    let mut v = json!({ "total": p.total, "page": p.page, "per_page": p.per_page });
    v[key] = json!(p.items);
    Json(v)
}

fn created(v: impl serde::Serialize) -> Response {
    (StatusCode::CREATED, Json(json!(v))).into_response()
}

// ---------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------

async fn list_awards(State(state): State<AppState>, me: Me, Query(q): Query<ActivityQuery>) -> AppResult<Json<Value>> {
    let (f, page, per_page) = q.award_filter()?;
    Ok(page_json("awards", &state.store.list_awards_page(&me.scope(), &f, page, per_page).await?))
}

async fn award(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    Ok(Json(json!(state.store.award(&me.scope(), id).await?)))
}

async fn create_award(State(state): State<AppState>, me: Me, headers: HeaderMap, body: Bytes) -> AppResult<Response> {
    let new = write_body(&me, &headers, &body, AwardBody::parse)?;
    Ok(created(state.store.create_award(&me.actor(), &me.scope(), &new).await?))
}

async fn update_award(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<Value>> {
    let new = write_body(&me, &headers, &body, AwardBody::parse)?;
    Ok(Json(json!(state.store.update_award(&me.actor(), &me.scope(), id, &new).await?)))
}

async fn retire_award(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    may_write(&me)?;
    Ok(Json(json!(state.store.retire_award(&me.actor(), &me.scope(), id).await?)))
}

async fn list_contracts(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<ActivityQuery>,
) -> AppResult<Json<Value>> {
    let (f, page, per_page) = q.contract_filter()?;
    Ok(page_json("contracts", &state.store.list_contracts_page(&me.scope(), &f, page, per_page).await?))
}

async fn contract(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    Ok(Json(json!(state.store.contract(&me.scope(), id).await?)))
}

async fn create_contract(
    State(state): State<AppState>,
    me: Me,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let new = write_body(&me, &headers, &body, ContractBody::parse)?;
    Ok(created(state.store.create_contract(&me.actor(), &me.scope(), &new).await?))
}

async fn update_contract(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<Value>> {
    let new = write_body(&me, &headers, &body, ContractBody::parse)?;
    Ok(Json(json!(state.store.update_contract(&me.actor(), &me.scope(), id, &new).await?)))
}

async fn retire_contract(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    may_write(&me)?;
    Ok(Json(json!(state.store.retire_contract(&me.actor(), &me.scope(), id).await?)))
}

async fn list_loans(State(state): State<AppState>, me: Me, Query(q): Query<ActivityQuery>) -> AppResult<Json<Value>> {
    let (f, page, per_page) = q.loan_filter()?;
    Ok(page_json("loans", &state.store.list_loans_page(&me.scope(), &f, page, per_page).await?))
}

/// A loan with its events.
async fn loan(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    let mut v = json!(state.store.loan(&me.scope(), id).await?);
    v["events"] = json!(state.store.loan_events(&me.scope(), id).await?);
    Ok(Json(v))
}

async fn create_loan(State(state): State<AppState>, me: Me, headers: HeaderMap, body: Bytes) -> AppResult<Response> {
    let new = write_body(&me, &headers, &body, LoanBody::parse)?;
    Ok(created(state.store.create_loan(&me.actor(), &me.scope(), &new).await?))
}

async fn update_loan(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<Value>> {
    let new = write_body(&me, &headers, &body, LoanBody::parse)?;
    Ok(Json(json!(state.store.update_loan(&me.actor(), &me.scope(), id, &new).await?)))
}

async fn retire_loan(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    may_write(&me)?;
    Ok(Json(json!(state.store.retire_loan(&me.actor(), &me.scope(), id).await?)))
}

async fn add_loan_event(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let new = write_body(&me, &headers, &body, LoanEventBody::parse)?;
    let (loan, event) = state.store.add_loan_event(&me.actor(), &me.scope(), id, &new).await?;
    Ok(created(json!({ "loan": loan, "event": event })))
}

async fn list_events(State(state): State<AppState>, me: Me, Query(q): Query<ActivityQuery>) -> AppResult<Json<Value>> {
    let (f, page, per_page) = q.event_filter()?;
    Ok(page_json("events", &state.store.list_events_page(&me.scope(), &f, page, per_page).await?))
}

async fn event(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    Ok(Json(json!(state.store.event(&me.scope(), id).await?)))
}

async fn create_event(State(state): State<AppState>, me: Me, headers: HeaderMap, body: Bytes) -> AppResult<Response> {
    let new = write_body(&me, &headers, &body, EventBody::parse)?;
    Ok(created(state.store.create_event(&me.actor(), &me.scope(), &new).await?))
}

async fn update_event(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<Value>> {
    let new = write_body(&me, &headers, &body, EventBody::parse)?;
    Ok(Json(json!(state.store.update_event(&me.actor(), &me.scope(), id, &new).await?)))
}

async fn retire_event(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    may_write(&me)?;
    Ok(Json(json!(state.store.retire_event(&me.actor(), &me.scope(), id).await?)))
}

// ---------------------------------------------------------------------------------------
// Route table
// ---------------------------------------------------------------------------------------

fn yuan_schema(description: &str) -> Value {
    json!({"type": ["string", "integer"], "description": description, "examples": ["1234.50"]})
}

fn award_body() -> Value {
    json!({"type": "object", "required": ["name", "category", "level", "grade", "year", "project_title", "region_code", "reference"],
        "properties": {
        "name": {"type": "string", "description": "the award as announced, e.g. 湖南省科学技术进步奖"},
        "category": {"type": "string", "enum": AwardCategory::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()},
        "level": {"type": "string", "enum": ["national", "provincial", "municipal"]},
        "grade": {"type": "string", "enum": AwardGrade::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()},
        "year": {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
        "project_title": {"type": "string"},
        "region_code": {"type": "string"},
        "reference": {"type": "string", "description": "certificate or announcement number, unique within the year"},
        "organisation_ids": {"type": "array", "items": {"type": "integer"}, "description": "organisations credited, in announced order; the first is the lead and must lie in the caller's scope"},
        "person_names": {"type": "string"}}})
}

fn contract_body() -> Value {
    json!({"type": "object", "required": ["contract_no", "kind", "title", "amount", "seller_name", "seller_region_code", "buyer_name", "registered_on"],
        "properties": {
        "contract_no": {"type": "string", "description": "registration number of the technology market"},
        "kind": {"type": "string", "enum": ContractKind::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()},
        "title": {"type": "string"},
        "amount": yuan_schema("成交金额 in yuan, more than 0"),
        "technical_income": yuan_schema("技术性收入 in yuan, 0 to amount"),
        "seller_organisation_id": {"type": "integer"},
        "seller_name": {"type": "string"},
        "seller_region_code": {"type": "string", "description": "the contract counts here; must lie in the caller's scope"},
        "buyer_organisation_id": {"type": "integer"},
        "buyer_name": {"type": "string"},
        "buyer_region_code": {"type": "string", "description": "omit when the buyer is outside the region tree"},
        "registered_on": {"type": "string", "format": "date"},
        "field": {"type": "string", "description": "技术领域"}}})
}

fn loan_body() -> Value {
    json!({"type": "object", "required": ["contract_no", "scheme", "bank", "borrower_organisation_id", "amount", "start_on", "due_on"],
        "properties": {
        "contract_no": {"type": "string"},
        "scheme": {"type": "string", "enum": LoanScheme::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()},
        "bank": {"type": "string"},
        "borrower_organisation_id": {"type": "integer", "description": "must lie in the caller's scope"},
        "amount": yuan_schema("in yuan, more than 0"),
        "start_on": {"type": "string", "format": "date"},
        "due_on": {"type": "string", "format": "date", "description": "after start_on"},
        "status": {"type": "string", "enum": LoanStatus::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(), "default": "active"}}})
}

fn loan_event_body() -> Value {
    json!({"type": "object", "required": ["kind", "occurred_on", "amount"], "properties": {
        "kind": {"type": "string", "enum": LoanEventKind::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "description": "a default needs an active loan, a compensation a defaulted one; a full repayment closes an active loan"},
        "occurred_on": {"type": "string", "format": "date"},
        "amount": yuan_schema("in yuan, more than 0"),
        "note": {"type": "string"}}})
}

fn event_body() -> Value {
    json!({"type": "object", "required": ["kind", "title", "held_on", "organiser", "region_code"], "properties": {
        "kind": {"type": "string", "enum": EventKind::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()},
        "title": {"type": "string"},
        "held_on": {"type": "string", "format": "date", "description": "first day"},
        "ends_on": {"type": "string", "format": "date", "description": "last day, not before held_on"},
        "organiser": {"type": "string"},
        "organiser_organisation_id": {"type": "integer"},
        "region_code": {"type": "string"},
        "participants": {"type": "integer", "minimum": 0},
        "outcome": {"type": "string"}}})
}

/// The activity registries' operations.
pub const ROUTES: &[ApiRoute] = &[
    ApiRoute {
        method: "get",
        path: "/api/v1/awards",
        tag: "awards",
        summary: "S&T awards in the caller's scope (query: q, region, year, level, grade, category, organisation, sort=year|name|project_title|region, desc, page, per_page, retired)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/awards",
        tag: "awards",
        summary: "Record an award in a region of the caller's scope",
        body: Some(award_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/awards/{id}",
        tag: "awards",
        summary: "One award with the organisations credited (404 outside the caller's scope)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "put",
        path: "/api/v1/awards/{id}",
        tag: "awards",
        summary: "Change an award",
        body: Some(award_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/awards/{id}/retire",
        tag: "awards",
        summary: "Retire an award (kept, with its history, but no longer listed or counted)",
        body: None,
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/contracts",
        tag: "contracts",
        summary: "Technology contracts sold from the caller's scope (query: q, region, year, from, to, kind, organisation, sort=registered_on|amount|contract_no|seller, desc, page, per_page, retired)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/contracts",
        tag: "contracts",
        summary: "Register a technology contract sold from a region of the caller's scope",
        body: Some(contract_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/contracts/{id}",
        tag: "contracts",
        summary: "One technology contract (404 outside the caller's scope)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "put",
        path: "/api/v1/contracts/{id}",
        tag: "contracts",
        summary: "Change a technology contract",
        body: Some(contract_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/contracts/{id}/retire",
        tag: "contracts",
        summary: "Retire a technology contract (kept, but no longer listed or in the turnover)",
        body: None,
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/loans",
        tag: "loans",
        summary: "Tech-finance loans to organisations in the caller's scope (query: q, region, year, from, to, scheme, status, organisation, sort=start_on|due_on|amount|contract_no, desc, page, per_page, retired)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/loans",
        tag: "loans",
        summary: "Record a loan to an organisation in the caller's scope",
        body: Some(loan_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/loans/{id}",
        tag: "loans",
        summary: "One loan with its events (404 outside the caller's scope)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "put",
        path: "/api/v1/loans/{id}",
        tag: "loans",
        summary: "Change a loan",
        body: Some(loan_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/loans/{id}/retire",
        tag: "loans",
        summary: "Retire a loan (kept, with its events, but no longer listed or in the totals)",
        body: None,
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/loans/{id}/events",
        tag: "loans",
        summary: "Record a default, a compensation or a repayment; moves the loan's status",
        body: Some(loan_event_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/events",
        tag: "events",
        summary: "Popularisation and other S&T events in the caller's scope (query: q, region, year, from, to, kind, organisation, sort=held_on|participants|title, desc, page, per_page, retired)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/events",
        tag: "events",
        summary: "Record an event held in a region of the caller's scope",
        body: Some(event_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/events/{id}",
        tag: "events",
        summary: "One event (404 outside the caller's scope)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "put",
        path: "/api/v1/events/{id}",
        tag: "events",
        summary: "Change an event",
        body: Some(event_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/events/{id}/retire",
        tag: "events",
        summary: "Retire an event (kept, but no longer listed or counted)",
        body: None,
        roles: DATA_WRITERS,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_of_the_table_is_a_list_item_or_write_of_four_registries() {
        assert_eq!(ROUTES.len(), 21);
        for r in ROUTES {
            let writes = r.method != "get";
            assert_eq!(r.roles.is_empty(), !writes, "{} {}", r.method, r.path);
            assert!(r.body.is_some() == (r.method == "put" || (writes && !r.path.ends_with("/retire"))));
        }
    }

    #[test]
    fn amounts_are_text_or_whole_numbers() {
        assert_eq!(amount("a", Some(&json!("0.10"))).unwrap(), Some(Money::from_fen(10)));
        assert_eq!(amount("a", Some(&json!(12))).unwrap(), Some(Money::from_fen(1200)));
        assert_eq!(amount("a", Some(&json!(""))).unwrap(), None);
        assert_eq!(amount("a", Some(&json!(0.1))).unwrap_err().code, "activity.amount_as_text");
        assert_eq!(amount("a", Some(&json!("1.234"))).unwrap_err().code, "money.too_many_decimals");
    }

    #[test]
    fn filters_keep_what_was_asked() {
        let q = ActivityQuery {
            q: Some("光召".into()),
            year: Some("2021".into()),
            sort: Some("year".into()),
            page: Some("2".into()),
            ..ActivityQuery::default()
        };
        assert_eq!(q.filters_qs(false), "q=%E5%85%89%E5%8F%AC&year=2021");
        assert_eq!(q.filters_qs(true), "q=%E5%85%89%E5%8F%AC&year=2021&sort=year");
        let (f, page, _) = q.award_filter().unwrap();
        assert_eq!((f.year, page), (Some(2021), 2));
        let bad = ActivityQuery { grade: Some("头等".into()), ..ActivityQuery::default() };
        assert_eq!(bad.award_filter().unwrap_err().code, "activity.unknown_code");
    }
}

//! The people registry under `/api/v1/people`: one identity across roles (experts,
//! commissioners, talents, applicants, …), their dated roles and affiliations, and counts by
//! role on a day. ID numbers are shown in full to administrators only ([`id_view`]).

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gaodi_domain::access::{Capability, Role};
use gaodi_domain::person::{is_masked, Gender, IdKind, IdNumber, PersonRole, PersonRoleKind, RoleDetails};
use gaodi_domain::region::RegionCode;
use gaodi_store::import::parse_date;
use gaodi_store::person::{person_rows, IdNumberEdit, IdView, NewAffiliation, NewPerson, PersonFilter, PersonSort};
use serde::Deserialize;
use serde_json::{json, Value};
use time::Date;

use super::{ApiRoute, DATA_WRITERS};
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/people", get(list).post(create))
        .route("/api/v1/people/stats", get(stats))
        .route("/api/v1/people/{id}", get(detail).put(update))
        .route("/api/v1/people/{id}/retire", post(retire))
        .route("/api/v1/people/{id}/roles", post(add_role))
        .route("/api/v1/people/{id}/affiliations", post(add_affiliation))
}

fn person_body() -> Value {
    json!({"type": "object", "required": ["name", "region_code"], "properties": {
        "name": {"type": "string"},
        "id_number": {"type": "string", "description": "resident ID (18 characters with its check character) or passport number; on PUT omit it or send the masked value to keep the stored number, send \"\" to remove it"},
        "id_kind": {"type": "string", "enum": ["resident", "foreign"], "description": "needed only for an all-digit passport number"},
        "gender": {"type": "string", "enum": ["male", "female"], "description": "filled from a resident ID when omitted"},
        "birth_year": {"type": "integer", "description": "filled from a resident ID when omitted"},
        "region_code": {"type": "string"},
        "organisation_id": {"type": "integer", "description": "current employer"},
        "title": {"type": "string", "description": "职称"},
        "email": {"type": "string"},
        "phone": {"type": "string"}}})
}

fn role_body() -> Value {
    json!({"type": "object", "required": ["kind", "valid_from"], "properties": {
        "kind": {"type": "string", "enum": PersonRoleKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()},
        "valid_from": {"type": "string", "format": "date"},
        "valid_to": {"type": "string", "format": "date", "description": "required for foreign_expert (last day of the work permit)"},
        "reference": {"type": "string", "description": "document number; the work permit number for foreign_expert (required)"},
        "fields": {"description": "expert: fields of expertise (required)", "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "assignment": {"type": "string", "description": "commissioner: village or firm served (required)"},
        "nationality": {"type": "string", "description": "foreign_expert (required)"}}})
}

fn affiliation_body() -> Value {
    json!({"type": "object", "required": ["organisation_id", "valid_from"], "properties": {
        "organisation_id": {"type": "integer"},
        "position": {"type": "string"},
        "valid_from": {"type": "string", "format": "date"},
        "valid_to": {"type": "string", "format": "date"}}})
}

/// The operations of this module, for the OpenAPI document and the route-by-role test.
pub const ROUTES: &[ApiRoute] = &[
    ApiRoute {
        method: "get",
        path: "/api/v1/people",
        tag: "people",
        summary: "People in the caller's scope (query: q, region, role, date or year, organisation, sort, desc, page, per_page, retired); ID numbers masked except for admins",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/people",
        tag: "people",
        summary: "Register a person in a region of the caller's scope",
        body: Some(person_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/people/stats",
        tag: "people",
        summary: "People holding each role kind on a day (query: date=YYYY-MM-DD or year, default today), in the caller's scope",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/people/{id}",
        tag: "people",
        summary: "One person with roles and affiliations (404 outside the caller's scope)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "put",
        path: "/api/v1/people/{id}",
        tag: "people",
        summary: "Change a person",
        body: Some(person_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/people/{id}/retire",
        tag: "people",
        summary: "Retire a person (kept for the record)",
        body: None,
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/people/{id}/roles",
        tag: "people",
        summary: "Add a dated role (talent, expert, commissioner, foreign expert, …) to a person",
        body: Some(role_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/people/{id}/affiliations",
        tag: "people",
        summary: "Record that a person worked for an organisation over a period",
        body: Some(affiliation_body),
        roles: DATA_WRITERS,
    },
];

/// ID numbers in full for administrators, masked for everyone else.
pub fn id_view(me: &Me) -> IdView {
    if me.role() == Role::Admin {
        IdView::Full
    } else {
        IdView::Masked
    }
}

/// Whether the caller may change people (like organisations: data writers other than
/// enterprise users).
pub fn may_write(me: &Me) -> bool {
    me.role().may(Capability::WriteData) && me.role() != Role::EnterpriseUser
}

fn require_writer(me: &Me) -> AppResult<()> {
    if may_write(me) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// The body, read only after the role check (so a role that may not write gets 403 whatever
/// it sends).
fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    match body {
        Ok(Json(b)) => Ok(b),
        Err(e) => {
            let code = if e.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
                "error.unsupported_media_type"
            } else {
                "error.bad_body"
            };
            Err(AppError::new(e.status(), code).arg("detail", e.body_text()))
        }
    }
}

fn bad(name: &str, value: &str, expected: &str) -> AppError {
    AppError::bad_request("error.bad_query").arg("name", name).arg("value", value).arg("expected", expected)
}

fn non_empty(s: Option<&String>) -> Option<&str> {
    s.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// The register's query string (shared by the API, the pages and the export).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonQuery {
    pub q: Option<String>,
    pub region: Option<String>,
    /// A role kind, e.g. `expert`.
    pub role: Option<String>,
    /// The day roles are held on (`YYYY-MM-DD`)…
    pub date: Option<String>,
    /// …or the last day of this year.
    pub year: Option<String>,
    pub organisation: Option<String>,
    pub sort: Option<String>,
    pub desc: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
    pub retired: Option<String>,
}

/// A `date` (`YYYY-MM-DD`) or a `year` (its last day).
fn day_of(date: Option<&String>, year: Option<&String>) -> AppResult<Option<Date>> {
    if let Some(d) = non_empty(date) {
        return parse_date(d).map(Some).ok_or_else(|| bad("date", d, "YYYY-MM-DD"));
    }
    match non_empty(year) {
        Some(y) => {
            let year: i32 =
                y.parse().ok().filter(|y| (1949..=2100).contains(y)).ok_or_else(|| bad("year", y, "1949-2100"))?;
            Ok(Date::from_calendar_date(year, time::Month::December, 31).ok())
        }
        None => Ok(None),
    }
}

impl PersonQuery {
    /// Parses into a filter, a page number and a page size; names the first bad parameter.
    pub fn parse(&self) -> AppResult<(PersonFilter, i64, i64)> {
        let mut f = PersonFilter { q: non_empty(self.q.as_ref()).map(str::to_owned), ..PersonFilter::default() };
        if let Some(r) = non_empty(self.region.as_ref()) {
            f.region = Some(RegionCode::parse(r).map_err(|e| AppError::bad_request(e.code()).arg("value", r))?);
        }
        if let Some(k) = non_empty(self.role.as_ref()) {
            f.role = Some(PersonRoleKind::parse(k).map_err(|e| AppError {
                status: StatusCode::BAD_REQUEST,
                code: e.code(),
                args: e.args(),
                field: Some("role"),
            })?);
        }
        f.role_date = day_of(self.date.as_ref(), self.year.as_ref())?;
        if let Some(o) = non_empty(self.organisation.as_ref()) {
            f.organisation_id = Some(o.parse().map_err(|_| bad("organisation", o, "an organisation id"))?);
        }
        if let Some(s) = non_empty(self.sort.as_ref()) {
            f.sort = PersonSort::parse(s).ok_or_else(|| bad("sort", s, "name, region, birth_year, created"))?;
        }
        f.descending = non_empty(self.desc.as_ref()).is_some_and(|d| d == "1" || d == "true");
        f.include_retired = non_empty(self.retired.as_ref()).is_some_and(|d| d == "1" || d == "true");
        let page = match non_empty(self.page.as_ref()) {
            Some(p) => p.parse::<i64>().ok().filter(|p| *p >= 1).ok_or_else(|| bad("page", p, "1, 2, …"))?,
            None => 1,
        };
        let per_page = match non_empty(self.per_page.as_ref()) {
            Some(p) => {
                p.parse::<i64>().ok().filter(|p| (1..=500).contains(p)).ok_or_else(|| bad("per_page", p, "1-500"))?
            }
            None => 50,
        };
        Ok((f, page, per_page))
    }

    /// The query string without paging (for export links and page links).
    pub fn filters_qs(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("region", &self.region),
            ("role", &self.role),
            ("date", &self.date),
            ("year", &self.year),
            ("organisation", &self.organisation),
            ("sort", &self.sort),
            ("desc", &self.desc),
            ("retired", &self.retired),
        ] {
            if let Some(v) = non_empty(v.as_ref()) {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

/// The export of the people register for the caller's filter: headers and rows in the import
/// template's layout, ID numbers masked unless the caller is an administrator.
pub async fn export_rows(state: &AppState, me: &Me, q: &PersonQuery) -> AppResult<(Vec<String>, Vec<Vec<String>>)> {
    let (filter, _, _) = q.parse()?;
    Ok(person_rows(&state.store.list_people_with_roles(&me.scope(), &filter, id_view(me)).await?))
}

async fn list(State(state): State<AppState>, me: Me, Query(q): Query<PersonQuery>) -> AppResult<Json<Value>> {
    let (filter, page, per_page) = q.parse()?;
    let p = state.store.list_people_page(&me.scope(), &filter, page, per_page, id_view(&me)).await?;
    Ok(Json(json!({ "total": p.total, "page": p.page, "per_page": p.per_page, "people": p.items })))
}

async fn detail(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    Ok(Json(json!(state.store.person_detail(&me.scope(), id, id_view(&me)).await?)))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatsQuery {
    pub date: Option<String>,
    pub year: Option<String>,
}

async fn stats(State(state): State<AppState>, me: Me, Query(q): Query<StatsQuery>) -> AppResult<Json<Value>> {
    let date = day_of(q.date.as_ref(), q.year.as_ref())?.unwrap_or_else(|| gaodi_store::now().date());
    let counts = state.store.count_people_by_role(&me.scope(), date).await?;
    let counts: Vec<Value> = counts
        .iter()
        .map(|(k, n)| json!({"kind": k.as_str(), "name_zh": k.name_zh(), "name_en": k.name_en(), "count": n}))
        .collect();
    Ok(Json(json!({ "date": date.to_string(), "counts": counts })))
}

/// A person as sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonBody {
    pub name: String,
    pub id_number: Option<String>,
    pub id_kind: Option<String>,
    pub gender: Option<String>,
    pub birth_year: Option<i32>,
    pub region_code: String,
    pub organisation_id: Option<i64>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl PersonBody {
    /// Parses the body into domain values, naming the first bad field, and says what to do with
    /// a stored number: an absent or masked number keeps it, an empty one removes it. A new
    /// person (`creating`) cannot be given a masked number.
    pub fn parse(&self, creating: bool) -> AppResult<(NewPerson, IdNumberEdit)> {
        let invalid = |e: gaodi_domain::person::PersonError| AppError::invalid(e.code(), e.args(), e.field());
        let kind = match non_empty(self.id_kind.as_ref()) {
            Some(k) => Some(IdKind::parse(k).ok_or_else(|| {
                AppError::invalid(
                    "error.bad_query",
                    vec![("name", "id_kind".into()), ("value", k.to_owned()), ("expected", "resident, foreign".into())],
                    "id_kind",
                )
            })?),
            None => None,
        };
        let (id_number, edit) = match self.id_number.as_deref().map(str::trim) {
            None => (None, IdNumberEdit::Keep),
            Some(v) if is_masked(v) && creating => {
                return Err(AppError::invalid("person.masked_id_number", vec![], "id_number"))
            }
            Some(v) if is_masked(v) => (None, IdNumberEdit::Keep),
            Some("") => (None, IdNumberEdit::Replace),
            Some(v) => {
                let id = match kind {
                    Some(k) => IdNumber::parse_as(v, k),
                    None => IdNumber::parse(v),
                };
                (Some(id.map_err(invalid)?), IdNumberEdit::Replace)
            }
        };
        let gender = match non_empty(self.gender.as_ref()) {
            Some(g) => Some(Gender::parse(g).map_err(invalid)?),
            None => None,
        };
        let new = NewPerson {
            name: self.name.clone(),
            id_number,
            gender,
            birth_year: self.birth_year,
            region_code: RegionCode::parse(self.region_code.trim())
                .map_err(|e| AppError::invalid(e.code(), e.args(), "region_code"))?,
            organisation_id: self.organisation_id,
            title: self.title.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
        };
        Ok((new, edit))
    }
}

async fn create(
    State(state): State<AppState>,
    me: Me,
    body: Result<Json<PersonBody>, JsonRejection>,
) -> AppResult<Response> {
    require_writer(&me)?;
    let (new, _) = json_body(body)?.parse(true)?;
    let p = state.store.create_person(&me.actor(), &me.scope(), &new, id_view(&me)).await?;
    Ok((StatusCode::CREATED, Json(json!(p))).into_response())
}

async fn update(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    body: Result<Json<PersonBody>, JsonRejection>,
) -> AppResult<Json<Value>> {
    require_writer(&me)?;
    let (new, edit) = json_body(body)?.parse(false)?;
    let p = state.store.update_person(&me.actor(), &me.scope(), id, &new, edit, id_view(&me)).await?;
    Ok(Json(json!(p)))
}

async fn retire(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    require_writer(&me)?;
    Ok(Json(json!(state.store.retire_person(&me.actor(), &me.scope(), id, id_view(&me)).await?)))
}

/// Fields of expertise as one comma-separated text or a list.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FieldsInput {
    Text(String),
    List(Vec<String>),
}

/// A role as sent to the API.
#[derive(Debug, Clone, Deserialize)]
pub struct RoleBody {
    pub kind: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub reference: Option<String>,
    pub fields: Option<FieldsInput>,
    pub assignment: Option<String>,
    pub nationality: Option<String>,
}

fn date_field(v: &str, field: &'static str) -> AppResult<Date> {
    parse_date(v.trim()).ok_or_else(|| AppError::invalid("import.bad_date", vec![("value", v.to_owned())], field))
}

impl RoleBody {
    /// Parses and checks the role, naming the first bad field.
    pub fn parse(&self) -> AppResult<PersonRole> {
        let kind = PersonRoleKind::parse(&self.kind).map_err(|e| AppError::invalid(e.code(), e.args(), "kind"))?;
        let valid_from = date_field(&self.valid_from, "valid_from")?;
        let valid_to = match non_empty(self.valid_to.as_ref()) {
            Some(v) => Some(date_field(v, "valid_to")?),
            None => None,
        };
        let fields = match &self.fields {
            Some(FieldsInput::Text(t)) => Some(t.clone()),
            Some(FieldsInput::List(l)) => Some(l.join(",")),
            None => None,
        };
        let details = RoleDetails {
            reference: self.reference.as_deref(),
            fields: fields.as_deref(),
            assignment: self.assignment.as_deref(),
            nationality: self.nationality.as_deref(),
        };
        PersonRole::new(kind, valid_from, valid_to, &details)
            .map_err(|e| AppError::invalid(e.code(), e.args(), e.field()))
    }
}

async fn add_role(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    body: Result<Json<RoleBody>, JsonRejection>,
) -> AppResult<Response> {
    require_writer(&me)?;
    let role = json_body(body)?.parse()?;
    let r = state.store.add_person_role(&me.actor(), &me.scope(), id, &role).await?;
    Ok((StatusCode::CREATED, Json(json!(r))).into_response())
}

#[derive(Debug, Clone, Deserialize)]
struct AffiliationBody {
    organisation_id: i64,
    position: Option<String>,
    valid_from: String,
    valid_to: Option<String>,
}

async fn add_affiliation(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    body: Result<Json<AffiliationBody>, JsonRejection>,
) -> AppResult<Response> {
    require_writer(&me)?;
    let b = json_body(body)?;
    let new = NewAffiliation {
        organisation_id: b.organisation_id,
        position: b.position,
        valid_from: date_field(&b.valid_from, "valid_from")?,
        valid_to: match non_empty(b.valid_to.as_ref()) {
            Some(v) => Some(date_field(v, "valid_to")?),
            None => None,
        },
    };
    let a = state.store.add_affiliation(&me.actor(), &me.scope(), id, &new).await?;
    Ok((StatusCode::CREATED, Json(json!(a))).into_response())
}

//! The people registry: list with filters, paging, counts by category and export; detail with
//! roles, affiliations and history; create, edit, retire; add and end roles; add affiliations.
//! ID numbers are shown in full to administrators only.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use gaodi_domain::person::{Gender, PersonRoleKind};
use gaodi_store::person::{NewAffiliation, Person};
use time::Date;

use super::{html, message, see_other, Chrome};
use crate::api::people::{id_view, may_write, PersonBody, PersonQuery, RoleBody};
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang, Tr};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people", get(list_page).post(create))
        .route("/people/new", get(new_page))
        .route("/people/{id}", get(detail_page).post(update))
        .route("/people/{id}/edit", get(edit_page))
        .route("/people/{id}/retire", post(retire))
        .route("/people/{id}/roles", post(add_role))
        .route("/people/{id}/roles/{role_id}/end", post(end_role))
        .route("/people/{id}/affiliations", post(add_affiliation))
}

/// A role kind's name in the page's language.
pub fn role_name(lang: Lang, kind: &str) -> String {
    PersonRoleKind::parse(kind)
        .map_or_else(|_| kind.to_owned(), |k| if lang == Lang::En { k.name_en() } else { k.name_zh() }.to_owned())
}

fn gender_name(lang: Lang, g: Option<&str>) -> String {
    g.map(|g| t(lang, &format!("gender.{g}")).to_owned()).unwrap_or_default()
}

fn forbid_unless_writer(me: &Me) -> AppResult<()> {
    if may_write(me) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

async fn region_names(state: &AppState, lang: Lang) -> AppResult<Vec<(String, String)>> {
    Ok(state
        .store
        .regions()
        .await?
        .into_iter()
        .map(|r| (r.code.to_string(), if lang == Lang::En { r.name_en } else { r.name_zh }))
        .collect())
}

fn name_in(names: &[(String, String)], code: &str) -> String {
    names.iter().find(|(c, _)| c == code).map_or_else(|| code.to_owned(), |(_, n)| n.clone())
}

struct PersonRow {
    id: i64,
    name: String,
    id_number: String,
    gender: String,
    birth_year: String,
    region: String,
    organisation: String,
    organisation_id: Option<i64>,
    title: String,
    roles: String,
    retired: bool,
}

fn person_row(lang: Lang, p: &Person, names: &[(String, String)], roles: &[String]) -> PersonRow {
    PersonRow {
        id: p.person_id,
        name: p.name.clone(),
        id_number: p.id_number.clone().unwrap_or_default(),
        gender: gender_name(lang, p.gender.as_deref()),
        birth_year: p.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        region: name_in(names, &p.region_code),
        organisation: p.organisation_name.clone().unwrap_or_default(),
        organisation_id: p.organisation_id,
        title: p.title.clone().unwrap_or_default(),
        roles: roles.iter().map(|k| role_name(lang, k)).collect::<Vec<_>>().join("、"),
        retired: p.retired_at.is_some(),
    }
}

#[derive(Template)]
#[template(path = "people.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<PersonRow>,
    count_text: String,
    stats_title: String,
    stats: Vec<(String, i64)>,
    q: String,
    region_options: Vec<(String, String, bool)>,
    role_options: Vec<(String, String, bool)>,
    year: String,
    date: String,
    can_write: bool,
    export_qs: String,
    prev: Option<String>,
    next: Option<String>,
    page_text: String,
}

fn role_options(lang: Lang, selected: &str) -> Vec<(String, String, bool)> {
    PersonRoleKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), role_name(lang, k.as_str()), k.as_str() == selected))
        .collect()
}

async fn list_page(State(state): State<AppState>, me: Me, Query(q): Query<PersonQuery>) -> AppResult<Response> {
    let (filter, page, per_page) = q.parse()?;
    let lang = me.lang;
    let result = state.store.list_people_page(&me.scope(), &filter, page, per_page, id_view(&me)).await?;
    let names = region_names(&state, lang).await?;
    let rows = result.items.iter().map(|i| person_row(lang, &i.person, &names, &i.role_kinds)).collect();
    let day = filter.role_date.unwrap_or_else(|| gaodi_store::now().date());
    let stats = state
        .store
        .count_people_by_role(&me.scope(), day)
        .await?
        .into_iter()
        .map(|(k, n)| (role_name(lang, k.as_str()), n))
        .collect();
    let qs = q.filters_qs();
    let pages = (result.total + per_page - 1) / per_page;
    let link = |p: i64| format!("/people?{qs}{}page={p}&per_page={per_page}", if qs.is_empty() { "" } else { "&" });
    let sel = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
    let (region_sel, role_sel) = (sel(&q.region), sel(&q.role));
    html(&ListPage {
        c: Chrome::for_user(&me, &format!("/people?{qs}")).crumb(t(lang, "nav.people"), ""),
        rows,
        count_text: tf(lang, "people.count", &[("count", result.total.to_string())]),
        stats_title: tf(lang, "people.stats", &[("date", Tr(lang).date(day))]),
        stats,
        q: sel(&q.q),
        region_options: names.iter().map(|(c, n)| (c.clone(), format!("{n} {c}"), *c == region_sel)).collect(),
        role_options: role_options(lang, &role_sel),
        year: sel(&q.year),
        date: sel(&q.date),
        can_write: may_write(&me),
        export_qs: qs.clone(),
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        page_text: tf(lang, "common.page_of", &[("page", page.to_string()), ("pages", pages.max(1).to_string())]),
    })
}

/// The create/edit form's values as typed.
#[derive(Default, Clone)]
struct PersonForm {
    name: String,
    id_number: String,
    foreign: bool,
    gender: String,
    birth_year: String,
    region_code: String,
    organisation_uscc: String,
    title: String,
    email: String,
    phone: String,
}

fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.trim().to_owned())).collect()
}

fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty())
}

impl PersonForm {
    fn parse(body: &[u8]) -> PersonForm {
        let f = form_fields(body);
        let get = |k: &str| field(&f, k).unwrap_or_default();
        PersonForm {
            name: get("name"),
            id_number: get("id_number").to_uppercase(),
            foreign: field(&f, "foreign").is_some(),
            gender: get("gender"),
            birth_year: get("birth_year"),
            region_code: get("region_code"),
            organisation_uscc: get("organisation_uscc").to_uppercase(),
            title: get("title"),
            email: get("email"),
            phone: get("phone"),
        }
    }

    fn from(p: &Person) -> PersonForm {
        PersonForm {
            name: p.name.clone(),
            id_number: p.id_number.clone().unwrap_or_default(),
            foreign: p.id_kind.as_deref() == Some("foreign"),
            gender: p.gender.clone().unwrap_or_default(),
            birth_year: p.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            region_code: p.region_code.clone(),
            organisation_uscc: p.organisation_uscc.clone().unwrap_or_default(),
            title: p.title.clone().unwrap_or_default(),
            email: p.email.clone().unwrap_or_default(),
            phone: p.phone.clone().unwrap_or_default(),
        }
    }

    /// Every problem the form alone shows, each as (field, message); else the API body.
    async fn to_body(&self, state: &AppState, me: &Me) -> AppResult<Result<PersonBody, Vec<(String, String)>>> {
        let lang = me.lang;
        let mut errors: Vec<(String, String)> = Vec::new();
        if self.name.is_empty() {
            errors.push(("name".into(), t(lang, "person.empty_name").to_owned()));
        }
        let birth_year = if self.birth_year.is_empty() {
            None
        } else {
            let y = self.birth_year.parse::<i32>().ok();
            if y.is_none() {
                errors
                    .push(("birth_year".into(), tf(lang, "person.birth_year", &[("value", self.birth_year.clone())])));
            }
            y
        };
        let organisation_id = if self.organisation_uscc.is_empty() {
            None
        } else {
            // Only an organisation the caller can see (the store checks it again).
            match state.store.organisation_by_uscc(&self.organisation_uscc).await? {
                Some(o) if state.store.organisation(&me.scope(), o.organisation_id).await.is_ok() => {
                    Some(o.organisation_id)
                }
                _ => {
                    errors.push((
                        "organisation_uscc".into(),
                        tf(lang, "person.unknown_organisation", &[("value", self.organisation_uscc.clone())]),
                    ));
                    None
                }
            }
        };
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        Ok(Ok(PersonBody {
            name: self.name.clone(),
            id_number: Some(self.id_number.clone()),
            id_kind: self.foreign.then(|| "foreign".to_owned()),
            gender: Some(self.gender.clone()),
            birth_year,
            region_code: self.region_code.clone(),
            organisation_id,
            title: Some(self.title.clone()),
            email: Some(self.email.clone()),
            phone: Some(self.phone.clone()),
        }))
    }
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct FormPage {
    c: Chrome,
    title: String,
    action: String,
    f: PersonForm,
    editing: bool,
    id_masked: bool,
    errors: Vec<(String, String)>,
    gender_options: Vec<(String, String, bool)>,
    region_options: Vec<(String, String, bool)>,
}

impl FormPage {
    /// The message for a field, if it has one (for inline display).
    fn error_for(&self, field: &str) -> String {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

async fn render_form(
    state: &AppState,
    me: &Me,
    f: PersonForm,
    id: Option<i64>,
    errors: Vec<(String, String)>,
) -> AppResult<Response> {
    let lang = me.lang;
    let regions = state.store.regions().await?;
    let scope_codes = state.store.scope_regions(&me.scope()).await?;
    let title = match id {
        Some(_) => tf(lang, "people.edit_title", &[("name", f.name.clone())]),
        None => t(lang, "people.new").to_owned(),
    };
    let page = FormPage {
        c: Chrome::for_user(me, &id.map_or_else(|| "/people/new".to_owned(), |i| format!("/people/{i}/edit")))
            .crumb(t(lang, "nav.people"), "/people")
            .crumb(title.clone(), ""),
        title,
        action: id.map_or_else(|| "/people".to_owned(), |i| format!("/people/{i}")),
        gender_options: Gender::ALL
            .iter()
            .map(|g| (g.as_str().to_owned(), gender_name(lang, Some(g.as_str())), g.as_str() == f.gender))
            .collect(),
        region_options: regions
            .iter()
            .filter(|r| !r.kind.is_park() && scope_codes.as_ref().is_none_or(|s| s.contains(r.code.as_str())))
            .map(|r| {
                let name = if lang == Lang::En { &r.name_en } else { &r.name_zh };
                (r.code.to_string(), format!("{name} {}", r.code), r.code.as_str() == f.region_code)
            })
            .collect(),
        editing: id.is_some(),
        id_masked: gaodi_domain::person::is_masked(&f.id_number),
        f,
        errors: errors.clone(),
    };
    let mut res = html(&page)?;
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn new_page(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    forbid_unless_writer(&me)?;
    render_form(&state, &me, PersonForm::default(), None, Vec::new()).await
}

async fn edit_page(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    forbid_unless_writer(&me)?;
    let p = state.store.person(&me.scope(), id, id_view(&me)).await?;
    render_form(&state, &me, PersonForm::from(&p), Some(id), Vec::new()).await
}

/// Shows a refused write inside the form (or the detail page) rather than on an error page,
/// unless it is a refusal of the role or scope, or a failure of the server.
fn shown_in_form(e: &AppError) -> bool {
    e.status.is_client_error() && e.status != StatusCode::FORBIDDEN && e.status != StatusCode::NOT_FOUND
}

async fn save(state: &AppState, me: &Me, id: Option<i64>, body: &[u8]) -> AppResult<Response> {
    forbid_unless_writer(me)?;
    let form = PersonForm::parse(body);
    let b = match form.to_body(state, me).await? {
        Ok(b) => b,
        Err(errors) => return render_form(state, me, form, id, errors).await,
    };
    let result = match b.parse(id.is_none()) {
        Ok((new, edit)) => match id {
            None => state.store.create_person(&me.actor(), &me.scope(), &new, id_view(me)).await,
            Some(id) => state.store.update_person(&me.actor(), &me.scope(), id, &new, edit, id_view(me)).await,
        }
        .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(see_other(&format!("/people/{}", p.person_id))),
        Err(e) if shown_in_form(&e) => {
            let field = e.field.unwrap_or("name").to_owned();
            let field = if field == "organisation_id" { "organisation_uscc".to_owned() } else { field };
            render_form(state, me, form, id, vec![(field, message(me.lang, &e))]).await
        }
        Err(e) => Err(e),
    }
}

async fn create(State(state): State<AppState>, me: Me, RawForm(body): RawForm) -> AppResult<Response> {
    save(&state, &me, None, &body).await
}

async fn update(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    save(&state, &me, Some(id), &body).await
}

async fn retire(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    forbid_unless_writer(&me)?;
    state.store.retire_person(&me.actor(), &me.scope(), id, id_view(&me)).await?;
    Ok(see_other(&format!("/people/{id}")))
}

struct RoleRow {
    id: i64,
    kind: String,
    valid_from: String,
    valid_to: String,
    reference: String,
    detail: String,
    /// `valid`, `ended`, `future` or `retired`.
    status: &'static str,
    /// Still open or ending later than today: it can be ended.
    can_end: bool,
}

struct AffiliationRow {
    organisation_id: i64,
    organisation: String,
    position: String,
    valid_from: String,
    valid_to: String,
}

struct HistoryRow {
    at: String,
    actor: String,
    action: String,
}

#[derive(Template)]
#[template(path = "person.html")]
struct DetailPage {
    c: Chrome,
    p: PersonRow,
    id_kind: String,
    email: String,
    phone: String,
    can_write: bool,
    roles: Vec<RoleRow>,
    affiliations: Vec<AffiliationRow>,
    history: Vec<HistoryRow>,
    role_options: Vec<(String, String, bool)>,
    role_errors: Vec<String>,
    affiliation_errors: Vec<String>,
    today: String,
    /// The bureau's staff record experts' absences and relations (`pages::projects`).
    staff: bool,
}

async fn detail_page(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    render_detail(&state, &me, id, Vec::new(), Vec::new()).await
}

async fn render_detail(
    state: &AppState,
    me: &Me,
    id: i64,
    role_errors: Vec<String>,
    affiliation_errors: Vec<String>,
) -> AppResult<Response> {
    let lang = me.lang;
    let d = state.store.person_detail(&me.scope(), id, id_view(me)).await?;
    let names = region_names(state, lang).await?;
    let today = gaodi_store::now().date();
    let current: Vec<String> = d.roles.iter().filter(|r| r.is_valid_on(today)).map(|r| r.kind.clone()).collect();
    let date = |d: Date| Tr(lang).date(d);
    let roles = d
        .roles
        .iter()
        .map(|r| RoleRow {
            id: r.person_role_id,
            kind: role_name(lang, &r.kind),
            valid_from: date(r.valid_from),
            valid_to: r.valid_to.map(date).unwrap_or_default(),
            reference: r.reference.clone().unwrap_or_default(),
            detail: [r.fields.as_deref(), r.assignment.as_deref(), r.nationality.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("；"),
            status: if r.retired_at.is_some() {
                "retired"
            } else if r.valid_from > today {
                "future"
            } else if r.valid_to.is_some_and(|to| to < today) {
                "ended"
            } else {
                "valid"
            },
            can_end: r.retired_at.is_none() && r.valid_to.is_none_or(|to| to > today),
        })
        .collect();
    let affiliations = d
        .affiliations
        .iter()
        .map(|a| AffiliationRow {
            organisation_id: a.organisation_id,
            organisation: a.organisation_name.clone(),
            position: a.position.clone().unwrap_or_default(),
            valid_from: date(a.valid_from),
            valid_to: a.valid_to.map(date).unwrap_or_default(),
        })
        .collect();
    let events = state
        .store
        .list_audit(
            &me.scope(),
            &gaodi_store::audit::AuditFilter {
                entity_kind: Some("person".into()),
                entity_id: Some(id.to_string()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap_or_default();
    let history = events
        .iter()
        .map(|e| HistoryRow {
            at: time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.at_micros) * 1000)
                .map(|t| Tr(lang).datetime(t))
                .unwrap_or_default(),
            actor: e.actor_name.clone(),
            action: t(lang, &format!("action.{}", e.action)).to_owned(),
        })
        .collect();
    let p = &d.person;
    let mut res = html(&DetailPage {
        c: Chrome::for_user(me, &format!("/people/{id}"))
            .crumb(t(lang, "nav.people"), "/people")
            .crumb(p.name.clone(), ""),
        p: person_row(lang, p, &names, &current),
        id_kind: p.id_kind.as_deref().map(|k| t(lang, &format!("id_kind.{k}")).to_owned()).unwrap_or_default(),
        email: p.email.clone().unwrap_or_default(),
        phone: p.phone.clone().unwrap_or_default(),
        can_write: may_write(me),
        roles,
        affiliations,
        history,
        role_options: role_options(lang, "expert"),
        today: today.to_string(),
        staff: crate::projects::require_staff(me).is_ok(),
        role_errors: role_errors.clone(),
        affiliation_errors: affiliation_errors.clone(),
    })?;
    if !role_errors.is_empty() || !affiliation_errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// Runs a write of the detail page; a refused value re-renders the page with the message in the
/// form's error box (`roles` or `affiliations`).
async fn detail_write(state: &AppState, me: &Me, id: i64, box_: &str, result: AppResult<()>) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(see_other(&format!("/people/{id}#{box_}"))),
        Err(e) if shown_in_form(&e) => {
            let m = vec![message(me.lang, &e)];
            if box_ == "roles" {
                render_detail(state, me, id, m, Vec::new()).await
            } else {
                render_detail(state, me, id, Vec::new(), m).await
            }
        }
        Err(e) => Err(e),
    }
}

async fn add_role(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    forbid_unless_writer(&me)?;
    let f = form_fields(&body);
    let b = RoleBody {
        kind: field(&f, "kind").unwrap_or_default(),
        valid_from: field(&f, "valid_from").unwrap_or_default(),
        valid_to: field(&f, "valid_to"),
        reference: field(&f, "reference"),
        fields: field(&f, "fields").map(crate::api::people::FieldsInput::Text),
        assignment: field(&f, "assignment"),
        nationality: field(&f, "nationality"),
    };
    let result = match b.parse() {
        Ok(role) => {
            state.store.add_person_role(&me.actor(), &me.scope(), id, &role).await.map(|_| ()).map_err(Into::into)
        }
        Err(e) => Err(e),
    };
    detail_write(&state, &me, id, "roles", result).await
}

async fn end_role(
    State(state): State<AppState>,
    me: Me,
    Path((id, role_id)): Path<(i64, i64)>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    forbid_unless_writer(&me)?;
    let f = form_fields(&body);
    let v = field(&f, "valid_to").unwrap_or_default();
    let result = match gaodi_store::import::parse_date(&v) {
        Some(day) => state
            .store
            .end_person_role(&me.actor(), &me.scope(), id, role_id, day)
            .await
            .map(|_| ())
            .map_err(Into::into),
        None => Err(AppError::invalid("import.bad_date", vec![("value", v)], "valid_to")),
    };
    detail_write(&state, &me, id, "roles", result).await
}

async fn add_affiliation(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    forbid_unless_writer(&me)?;
    let f = form_fields(&body);
    let lang = me.lang;
    let uscc = field(&f, "organisation_uscc").unwrap_or_default().to_uppercase();
    let org = match state.store.organisation_by_uscc(&uscc).await? {
        Some(o) => Ok(o.organisation_id),
        None => Err(AppError::invalid("person.unknown_organisation", vec![("value", uscc)], "organisation_id")),
    };
    let date = |name: &'static str| -> AppResult<Option<Date>> {
        match field(&f, name) {
            None => Ok(None),
            Some(v) => gaodi_store::import::parse_date(&v)
                .map(Some)
                .ok_or_else(|| AppError::invalid("import.bad_date", vec![("value", v)], name)),
        }
    };
    let result = async {
        let organisation_id = org?;
        let valid_from = date("valid_from")?.ok_or_else(|| {
            AppError::invalid(
                "import.required",
                vec![("column", t(lang, "people.valid_from").to_owned())],
                "valid_from",
            )
        })?;
        let new = NewAffiliation {
            organisation_id,
            position: field(&f, "position"),
            valid_from,
            valid_to: date("valid_to")?,
        };
        state.store.add_affiliation(&me.actor(), &me.scope(), id, &new).await?;
        Ok(())
    }
    .await;
    detail_write(&state, &me, id, "affiliations", result).await
}

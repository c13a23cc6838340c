//! Pages of the activity registries: awards, technology contracts, loans and S&T events. Each
//! has a list (filters, sortable columns, paging, count, export links), a detail page (facts,
//! linked records, history) and create/edit forms with every problem shown beside its field.
//!
//! The four registries share three templates (`activity_list.html`, `activity_detail.html`,
//! `activity_form.html`, with `activity_field.html` for one form field): the pages differ only
//! in their columns, facts and fields, which are built here. Money is shown in 万元 and entered
//! in 元.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use gaodi_domain::access::{Capability, Role};
use gaodi_domain::activity::{
    check_required, parse_level, parse_participants, parse_year, ActivityError, AwardCategory, AwardGrade,
    ContractKind, EventKind, LoanEventKind, LoanScheme, LoanStatus,
};
use gaodi_domain::money::Money;
use gaodi_domain::region::RegionCode;
use gaodi_domain::registry::Level;
use gaodi_store::activity::{
    Award, Loan, NewAward, NewLoan, NewLoanEvent, NewStEvent, NewTechContract, Problem, StEvent, TechContract,
};
use time::Date;

use super::{html, message, see_other, Chrome};
use crate::api::activity::ActivityQuery;
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang, Tr};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/awards", get(award_list).post(award_create))
        .route("/awards/new", get(award_new))
        .route("/awards/{id}", get(award_detail).post(award_update))
        .route("/awards/{id}/edit", get(award_edit))
        .route("/awards/{id}/retire", post(award_retire))
        .route("/contracts", get(contract_list).post(contract_create))
        .route("/contracts/new", get(contract_new))
        .route("/contracts/{id}", get(contract_detail).post(contract_update))
        .route("/contracts/{id}/edit", get(contract_edit))
        .route("/contracts/{id}/retire", post(contract_retire))
        .route("/loans", get(loan_list).post(loan_create))
        .route("/loans/new", get(loan_new))
        .route("/loans/{id}", get(loan_detail).post(loan_update))
        .route("/loans/{id}/edit", get(loan_edit))
        .route("/loans/{id}/retire", post(loan_retire))
        .route("/loans/{id}/events", post(loan_add_event))
        .route("/events", get(event_list).post(event_create))
        .route("/events/new", get(event_new))
        .route("/events/{id}", get(event_detail).post(event_update))
        .route("/events/{id}/edit", get(event_edit))
        .route("/events/{id}/retire", post(event_retire))
}

// ---------------------------------------------------------------------------------------
// What the templates show
// ---------------------------------------------------------------------------------------

/// A table cell, optionally a link.
struct Cell {
    text: String,
    href: Option<String>,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell { text: text.into(), href: None }
}

fn link(text: impl Into<String>, href: String) -> Cell {
    Cell { text: text.into(), href: Some(href) }
}

/// A column header; sortable columns link to the list sorted by them.
struct Column {
    label: String,
    href: Option<String>,
}

struct ListRow {
    cells: Vec<Cell>,
    retired: bool,
}

/// A field of the filter row: a text or date input, or a select when it has options.
struct FilterField {
    name: &'static str,
    label: String,
    value: String,
    input: &'static str,
    options: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "activity_list.html")]
struct ListPage {
    c: Chrome,
    /// `award`, `contract`, `loan` or `event`: element ids and the export kind.
    kind: &'static str,
    base: &'static str,
    title: String,
    filters: Vec<FilterField>,
    count_text: String,
    export_qs: String,
    can_write: bool,
    new_label: String,
    columns: Vec<Column>,
    rows: Vec<ListRow>,
    prev: Option<String>,
    next: Option<String>,
    page_text: String,
}

/// One key fact of a record.
struct Fact {
    label: String,
    value: Cell,
}

/// A table of linked records on a detail page.
struct Section {
    id: &'static str,
    title: String,
    columns: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

struct HistoryRow {
    at: String,
    actor: String,
    action: String,
}

/// A form field, its value as typed, and its problem if any.
struct FormField {
    name: &'static str,
    label: String,
    /// `text`, `date`, `number`, `select` or `textarea`.
    input: &'static str,
    value: String,
    options: Vec<(String, String, bool)>,
    required: bool,
    readonly: bool,
    /// The unit shown beside the field (元, 人).
    unit: String,
    help: String,
    error: String,
}

/// The form on a loan's page that records an event.
struct EventForm {
    fields: Vec<FormField>,
    errors: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "activity_detail.html")]
struct DetailPage {
    c: Chrome,
    kind: &'static str,
    base: &'static str,
    id: i64,
    title: String,
    status: String,
    retired: bool,
    facts: Vec<Fact>,
    sections: Vec<Section>,
    event_form: Option<EventForm>,
    can_write: bool,
    history: Vec<HistoryRow>,
}

impl DetailPage {
    /// A record's page as awards, contracts and events show it: no status line, no event
    /// form, no sections; the caller adds the history (and any sections).
    fn plain(
        me: &Me,
        kind: &'static str,
        base: &'static str,
        id: i64,
        title: &str,
        retired: bool,
        facts: Vec<Fact>,
    ) -> Self {
        DetailPage {
            c: detail_chrome(me, base, &format!("{kind}.title"), id, title),
            kind,
            base,
            id,
            title: title.to_owned(),
            status: String::new(),
            retired,
            facts,
            sections: Vec::new(),
            event_form: None,
            can_write: may_write(me),
            history: Vec::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "activity_form.html")]
struct FormPage {
    c: Chrome,
    kind: &'static str,
    title: String,
    action: String,
    fields: Vec<FormField>,
    errors: Vec<(String, String)>,
}

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

fn may_write(me: &Me) -> bool {
    me.role().may(Capability::WriteData) && me.role() != Role::EnterpriseUser
}

fn require_write(me: &Me) -> AppResult<()> {
    if may_write(me) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::En {
        en
    } else {
        zh
    }
}

fn level_name(lang: Lang, l: Level) -> &'static str {
    pick(lang, l.name_zh(), l.name_en())
}

fn wan(m: Money) -> String {
    m.format_wan()
}

/// Region names for the lists and facts, and the options of the region pickers.
struct Regions {
    names: Vec<(String, String)>,
    /// Regions the caller may write in (`None`: all).
    writable: Option<std::collections::BTreeSet<String>>,
}

impl Regions {
    async fn load(state: &AppState, me: &Me) -> AppResult<Regions> {
        let names = state
            .store
            .regions()
            .await?
            .into_iter()
            .map(|r| (r.code.to_string(), if me.lang == Lang::En { r.name_en } else { r.name_zh }))
            .collect();
        Ok(Regions { names, writable: state.store.scope_regions(&me.scope()).await? })
    }

    fn name(&self, code: &str) -> String {
        self.names.iter().find(|(c, _)| c == code).map_or_else(|| code.to_owned(), |(_, n)| n.clone())
    }

    fn options(&self, selected: &str, only_writable: bool) -> Vec<(String, String, bool)> {
        self.names
            .iter()
            .filter(|(c, _)| !only_writable || self.writable.as_ref().is_none_or(|w| w.contains(c)))
            .map(|(c, n)| (c.clone(), format!("{n} {c}"), c == selected))
            .collect()
    }
}

/// Options for a closed list: (code, name in the user's language, selected).
fn list_options<T: Copy>(
    lang: Lang,
    all: &[T],
    code: fn(T) -> &'static str,
    zh: fn(T) -> &'static str,
    en: fn(T) -> &'static str,
    selected: &str,
) -> Vec<(String, String, bool)> {
    all.iter().map(|v| (code(*v).to_owned(), pick(lang, zh(*v), en(*v)).to_owned(), code(*v) == selected)).collect()
}

fn level_options(lang: Lang, selected: &str) -> Vec<(String, String, bool)> {
    list_options(lang, &Level::ALL, Level::as_str, Level::name_zh, Level::name_en, selected)
}

async fn organisation_options(state: &AppState, me: &Me, selected: &str) -> AppResult<Vec<(String, String, bool)>> {
    Ok(state
        .store
        .list_organisations(&me.scope())
        .await?
        .into_iter()
        .map(|o| {
            let id = o.organisation_id.to_string();
            let sel = id == selected;
            (id, format!("{} {}", o.name, o.uscc), sel)
        })
        .collect())
}

async fn history(state: &AppState, me: &Me, entity_kind: &str, id: i64) -> Vec<HistoryRow> {
    let filter = gaodi_store::audit::AuditFilter {
        entity_kind: Some(entity_kind.to_owned()),
        entity_id: Some(id.to_string()),
        limit: 50,
        ..Default::default()
    };
    let events = state.store.list_audit(&me.scope(), &filter).await.unwrap_or_default();
    events
        .iter()
        .map(|e| HistoryRow {
            at: time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.at_micros) * 1000)
                .map(|t| Tr(me.lang).datetime(t))
                .unwrap_or_default(),
            actor: e.actor_name.clone(),
            action: t(me.lang, &format!("action.{}", e.action)).to_owned(),
        })
        .collect()
}

fn non_empty(s: &Option<String>) -> &str {
    s.as_deref().map_or("", str::trim)
}

/// The common filters of every list: search, region, year and (for dated registries) a range.
fn common_filters(lang: Lang, q: &ActivityQuery, regions: &Regions, dated: bool) -> Vec<FilterField> {
    let mut f = vec![
        FilterField {
            name: "q",
            label: t(lang, "activity.search").to_owned(),
            value: non_empty(&q.q).to_owned(),
            input: "text",
            options: Vec::new(),
        },
        FilterField {
            name: "region",
            label: t(lang, "activity.region").to_owned(),
            value: String::new(),
            input: "select",
            options: regions.options(non_empty(&q.region), false),
        },
        FilterField {
            name: "year",
            label: t(lang, "activity.year").to_owned(),
            value: non_empty(&q.year).to_owned(),
            input: "number",
            options: Vec::new(),
        },
    ];
    if dated {
        for (name, key, v) in [("from", "activity.from", &q.from), ("to", "activity.to", &q.to)] {
            f.push(FilterField {
                name,
                label: t(lang, key).to_owned(),
                value: non_empty(v).to_owned(),
                input: "date",
                options: Vec::new(),
            });
        }
    }
    f
}

fn select_filter(name: &'static str, label: &str, options: Vec<(String, String, bool)>) -> FilterField {
    FilterField { name, label: label.to_owned(), value: String::new(), input: "select", options }
}

/// Column headers; `(label key, Some(sort key))` for sortable ones.
fn columns(lang: Lang, base: &str, q: &ActivityQuery, spec: &[(&str, Option<&str>)]) -> Vec<Column> {
    let qs = q.filters_qs(false);
    let current = non_empty(&q.sort);
    let desc = matches!(non_empty(&q.desc), "1" | "true");
    spec.iter()
        .map(|(key, sort)| Column {
            label: t(lang, key).to_owned(),
            href: sort.map(|s| {
                let flip = if s == current && !desc { "&desc=1" } else { "" };
                format!("{base}?{qs}{}sort={s}{flip}", if qs.is_empty() { "" } else { "&" })
            }),
        })
        .collect()
}

struct Paging {
    prev: Option<String>,
    next: Option<String>,
    text: String,
}

fn paging(lang: Lang, base: &str, q: &ActivityQuery, total: i64, page: i64, per_page: i64) -> Paging {
    let qs = q.filters_qs(true);
    let pages = (total + per_page - 1) / per_page;
    let link = |p: i64| format!("{base}?{qs}{}page={p}&per_page={per_page}", if qs.is_empty() { "" } else { "&" });
    Paging {
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        text: tf(lang, "common.page_of", &[("page", page.to_string()), ("pages", pages.max(1).to_string())]),
    }
}

/// What differs between the registries' list pages.
struct Listing<'a> {
    /// `award`, `contract`, `loan` or `event`; also the prefix of the page's message keys
    /// (`{kind}.title`, `{kind}.count`, `{kind}.new`).
    kind: &'static str,
    base: &'static str,
    filters: Vec<FilterField>,
    /// The column headers: message key and, for a sortable column, its sort key.
    columns: &'a [(&'a str, Option<&'a str>)],
    rows: Vec<ListRow>,
}

fn list_page(me: &Me, q: &ActivityQuery, l: Listing<'_>, total: i64, page: i64, per_page: i64) -> AppResult<Response> {
    let lang = me.lang;
    let p = paging(lang, l.base, q, total, page, per_page);
    let qs = q.filters_qs(true);
    let title = t(lang, &format!("{}.title", l.kind)).to_owned();
    html(&ListPage {
        c: Chrome::for_user(me, &format!("{}?{qs}", l.base)).crumb(&title, ""),
        kind: l.kind,
        base: l.base,
        title,
        filters: l.filters,
        count_text: tf(lang, &format!("{}.count", l.kind), &[("count", total.to_string())]),
        export_qs: qs,
        can_write: may_write(me),
        new_label: t(lang, &format!("{}.new", l.kind)).to_owned(),
        columns: columns(lang, l.base, q, l.columns),
        rows: l.rows,
        prev: p.prev,
        next: p.next,
        page_text: p.text,
    })
}

/// The values of a submitted form, trimmed.
#[derive(Default, Clone)]
struct Values(HashMap<String, String>);

impl Values {
    fn parse(body: &[u8]) -> Values {
        Values(url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.trim().to_owned())).collect())
    }

    fn get(&self, k: &str) -> &str {
        self.0.get(k).map_or("", String::as_str)
    }

    fn set(&mut self, k: &str, v: impl Into<String>) {
        self.0.insert(k.to_owned(), v.into());
    }
}

/// Reads form values into domain values, keeping every problem as (field, message).
struct Checker<'a> {
    v: &'a Values,
    lang: Lang,
    errors: Vec<(String, String)>,
}

impl<'a> Checker<'a> {
    fn new(v: &'a Values, lang: Lang) -> Checker<'a> {
        Checker { v, lang, errors: Vec::new() }
    }

    fn fail(&mut self, field: &str, code: &str, args: &[(&'static str, String)]) {
        if !self.errors.iter().any(|(f, _)| f == field) {
            self.errors.push((field.to_owned(), tf(self.lang, code, args)));
        }
    }

    fn activity(&mut self, field: &str, e: &ActivityError) {
        self.fail(field, e.code(), &e.args());
    }

    /// Free text that must be there.
    fn text(&mut self, field: &str) -> String {
        let v = self.v.get(field);
        if let Err(e) = check_required(v) {
            self.activity(field, &e);
        }
        v.to_owned()
    }

    fn opt_text(&self, field: &str) -> Option<String> {
        Some(self.v.get(field)).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    fn code<T>(&mut self, field: &str, parse: fn(&str) -> Result<T, ActivityError>) -> Option<T> {
        match self.v.get(field) {
            "" => {
                self.activity(field, &ActivityError::Required);
                None
            }
            v => parse(v).map_err(|e| self.activity(field, &e)).ok(),
        }
    }

    fn year(&mut self, field: &str) -> Option<i32> {
        self.code(field, parse_year)
    }

    fn opt_money(&mut self, field: &str) -> Option<Option<Money>> {
        match self.v.get(field) {
            "" => Some(None),
            v => Money::parse(v).map(Some).map_err(|e| self.fail(field, e.code(), &e.args())).ok(),
        }
    }

    fn money(&mut self, field: &str) -> Option<Money> {
        match self.opt_money(field) {
            Some(None) => {
                self.activity(field, &ActivityError::Required);
                None
            }
            other => other.flatten(),
        }
    }

    fn opt_date(&mut self, field: &str) -> Option<Option<Date>> {
        match self.v.get(field) {
            "" => Some(None),
            v => {
                let d = gaodi_store::import::parse_date(v);
                if d.is_none() {
                    self.fail(field, "import.bad_date", &[("value", v.to_owned())]);
                }
                d.map(Some)
            }
        }
    }

    fn date(&mut self, field: &str) -> Option<Date> {
        match self.opt_date(field) {
            Some(None) => {
                self.activity(field, &ActivityError::Required);
                None
            }
            other => other.flatten(),
        }
    }

    fn opt_region(&mut self, field: &str) -> Option<Option<RegionCode>> {
        match self.v.get(field) {
            "" => Some(None),
            v => RegionCode::parse(v).map(Some).map_err(|e| self.fail(field, e.code(), &e.args())).ok(),
        }
    }

    fn region(&mut self, field: &str) -> Option<RegionCode> {
        match self.opt_region(field) {
            Some(None) => {
                self.activity(field, &ActivityError::Required);
                None
            }
            other => other.flatten(),
        }
    }

    /// An id picked from a select (empty: none).
    fn opt_id(&mut self, field: &str) -> Option<Option<i64>> {
        match self.v.get(field) {
            "" => Some(None),
            v => v
                .parse()
                .map(Some)
                .map_err(|_| self.fail(field, "activity.unknown_organisation", &[("value", v.to_owned())]))
                .ok(),
        }
    }

    fn problems(&mut self, problems: Vec<Problem>) {
        for (field, e) in problems {
            self.activity(field, &e);
        }
    }

    fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Turns the codes typed in a field (separated by ；, ;, 、 or ,) into organisation ids.
async fn resolve_usccs(state: &AppState, ch: &mut Checker<'_>, field: &str) -> AppResult<Vec<i64>> {
    let mut ids = Vec::new();
    let text = ch.v.get(field).to_owned();
    for code in text.split([';', '；', '、', ',', '，']).map(str::trim).filter(|s| !s.is_empty()) {
        match state.store.organisation_by_uscc(&code.to_uppercase()).await? {
            Some(o) => ids.push(o.organisation_id),
            None => ch.fail(field, "activity.unknown_organisation", &[("value", code.to_owned())]),
        }
    }
    Ok(ids)
}

/// A form field builder.
fn field(name: &'static str, label: &str, input: &'static str, v: &Values, errors: &[(String, String)]) -> FormField {
    FormField {
        name,
        label: label.to_owned(),
        input,
        value: v.get(name).to_owned(),
        options: Vec::new(),
        required: false,
        readonly: false,
        unit: String::new(),
        help: String::new(),
        error: errors.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone()).unwrap_or_default(),
    }
}

impl FormField {
    fn required(mut self) -> FormField {
        self.required = true;
        self
    }

    fn options(mut self, options: Vec<(String, String, bool)>) -> FormField {
        self.options = options;
        self
    }

    fn unit(mut self, unit: &str) -> FormField {
        self.unit = unit.to_owned();
        self
    }

    fn help(mut self, help: &str) -> FormField {
        self.help = help.to_owned();
        self
    }

    /// An amount entered in 元, shown in 万元 elsewhere: says so beside the field.
    fn yuan(self, lang: Lang) -> FormField {
        self.unit(t(lang, "activity.yuan")).help(t(lang, "activity.amount_help"))
    }
}

async fn render_form(
    me: &Me,
    kind: &'static str,
    base: &str,
    id: Option<i64>,
    (title, crumb): (String, String),
    fields: Vec<FormField>,
    errors: Vec<(String, String)>,
) -> AppResult<Response> {
    let path = id.map_or_else(|| format!("{base}/new"), |i| format!("{base}/{i}/edit"));
    let page = FormPage {
        c: Chrome::for_user(me, &path).crumb(crumb, base).crumb(title.clone(), ""),
        kind,
        title,
        action: id.map_or_else(|| base.to_owned(), |i| format!("{base}/{i}")),
        fields,
        errors: errors.clone(),
    };
    let mut res = html(&page)?;
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// After a store write from a form: the record's page, or the form again with the problem
/// beside its field. Scope and server errors are errors, not form messages.
fn store_error(me: &Me, e: gaodi_store::StoreError, default_field: &str) -> AppResult<Vec<(String, String)>> {
    let e = AppError::from(e);
    if e.status.is_server_error() || matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
        return Err(e);
    }
    Ok(vec![(e.field.unwrap_or(default_field).to_owned(), message(me.lang, &e))])
}

fn detail_chrome(me: &Me, base: &str, list_key: &str, id: i64, title: &str) -> Chrome {
    Chrome::for_user(me, &format!("{base}/{id}")).crumb(t(me.lang, list_key), base).crumb(title.to_owned(), "")
}

fn org_link(name: &str, id: Option<i64>) -> Cell {
    match id {
        Some(id) => link(name, format!("/organisations/{id}")),
        None => cell(name),
    }
}

// =======================================================================================
// Awards
// =======================================================================================

const AWARDS: &str = "/awards";

async fn award_list(State(state): State<AppState>, me: Me, Query(q): Query<ActivityQuery>) -> AppResult<Response> {
    let (filter, page, per_page) = q.award_filter()?;
    let lang = me.lang;
    let result = state.store.list_awards_page(&me.scope(), &filter, page, per_page).await?;
    let regions = Regions::load(&state, &me).await?;
    let mut filters = common_filters(lang, &q, &regions, false);
    filters.push(select_filter("level", t(lang, "award.level"), level_options(lang, non_empty(&q.level))));
    filters.push(select_filter(
        "grade",
        t(lang, "award.grade"),
        list_options(
            lang,
            AwardGrade::ALL,
            AwardGrade::as_str,
            AwardGrade::name_zh,
            AwardGrade::name_en,
            non_empty(&q.grade),
        ),
    ));
    filters.push(select_filter(
        "category",
        t(lang, "award.category"),
        list_options(
            lang,
            AwardCategory::ALL,
            AwardCategory::as_str,
            AwardCategory::name_zh,
            AwardCategory::name_en,
            non_empty(&q.category),
        ),
    ));
    let rows = result
        .items
        .iter()
        .map(|a| ListRow {
            cells: vec![
                cell(a.year.to_string()),
                link(&a.project_title, format!("{AWARDS}/{}", a.award_id)),
                cell(&a.name),
                cell(level_name(lang, a.level)),
                cell(pick(lang, a.grade.name_zh(), a.grade.name_en())),
                cell(regions.name(&a.region_code)),
                a.organisations.first().map_or_else(|| cell(""), |o| org_link(&o.name, Some(o.organisation_id))),
            ],
            retired: a.retired_at.is_some(),
        })
        .collect();
    let listing = Listing {
        kind: "award",
        base: AWARDS,
        filters,
        columns: &[
            ("award.year", Some("year")),
            ("award.project_title", Some("project_title")),
            ("award.name", Some("name")),
            ("award.level", None),
            ("award.grade", None),
            ("activity.region", Some("region")),
            ("award.lead", None),
        ],
        rows,
    };
    list_page(&me, &q, listing, result.total, page, per_page)
}

async fn award_detail(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    let lang = me.lang;
    let a = state.store.award(&me.scope(), id).await?;
    let regions = Regions::load(&state, &me).await?;
    let fact = |key: &str, value: Cell| Fact { label: t(lang, key).to_owned(), value };
    let facts = vec![
        fact("award.name", cell(&a.name)),
        fact("award.year", cell(a.year.to_string())),
        fact("award.category", cell(pick(lang, a.category.name_zh(), a.category.name_en()))),
        fact("award.level", cell(level_name(lang, a.level))),
        fact("award.grade", cell(pick(lang, a.grade.name_zh(), a.grade.name_en()))),
        fact("award.reference", cell(&a.reference)),
        fact(
            "activity.region",
            link(
                format!("{} ({})", regions.name(&a.region_code), a.region_code),
                format!("/regions/{}", a.region_code),
            ),
        ),
        fact("award.person_names", cell(a.person_names.clone().unwrap_or_default())),
    ];
    let sections = vec![Section {
        id: "award-organisations",
        title: t(lang, "award.organisations").to_owned(),
        columns: vec![
            t(lang, "award.rank").to_owned(),
            t(lang, "organisations.name").to_owned(),
            t(lang, "organisations.uscc").to_owned(),
        ],
        rows: a
            .organisations
            .iter()
            .map(|o| vec![cell(o.rank.to_string()), org_link(&o.name, Some(o.organisation_id)), cell(&o.uscc)])
            .collect(),
    }];
    let page = DetailPage::plain(&me, "award", AWARDS, id, &a.project_title, a.retired_at.is_some(), facts);
    html(&DetailPage { sections, history: history(&state, &me, "award", id).await, ..page })
}

fn award_values(a: &Award) -> Values {
    let mut v = Values::default();
    v.set("name", &a.name);
    v.set("category", a.category.as_str());
    v.set("level", a.level.as_str());
    v.set("grade", a.grade.as_str());
    v.set("year", a.year.to_string());
    v.set("project_title", &a.project_title);
    v.set("region_code", &a.region_code);
    v.set("reference", &a.reference);
    let mut orgs = a.organisations.iter();
    v.set("organisation_id", orgs.next().map(|o| o.organisation_id.to_string()).unwrap_or_default());
    v.set("partner_usccs", orgs.map(|o| o.uscc.clone()).collect::<Vec<_>>().join("；"));
    v.set("person_names", a.person_names.clone().unwrap_or_default());
    v
}

async fn award_form(
    state: &AppState,
    me: &Me,
    v: &Values,
    id: Option<i64>,
    errors: Vec<(String, String)>,
) -> AppResult<Response> {
    let lang = me.lang;
    let regions = Regions::load(state, me).await?;
    let e = &errors;
    let fields = vec![
        field("name", t(lang, "award.name"), "text", v, e).required().help(t(lang, "award.name_help")),
        field("category", t(lang, "award.category"), "select", v, e).required().options(list_options(
            lang,
            AwardCategory::ALL,
            AwardCategory::as_str,
            AwardCategory::name_zh,
            AwardCategory::name_en,
            v.get("category"),
        )),
        field("level", t(lang, "award.level"), "select", v, e).required().options(level_options(lang, v.get("level"))),
        field("grade", t(lang, "award.grade"), "select", v, e).required().options(list_options(
            lang,
            AwardGrade::ALL,
            AwardGrade::as_str,
            AwardGrade::name_zh,
            AwardGrade::name_en,
            v.get("grade"),
        )),
        field("year", t(lang, "award.year"), "number", v, e).required(),
        field("project_title", t(lang, "award.project_title"), "text", v, e).required(),
        field("reference", t(lang, "award.reference"), "text", v, e).required(),
        field("region_code", t(lang, "activity.region"), "select", v, e)
            .required()
            .options(regions.options(v.get("region_code"), true)),
        field("organisation_id", t(lang, "award.lead"), "select", v, e)
            .options(organisation_options(state, me, v.get("organisation_id")).await?),
        field("partner_usccs", t(lang, "award.partners"), "text", v, e).help(t(lang, "award.partners_help")),
        field("person_names", t(lang, "award.person_names"), "textarea", v, e),
    ];
    let title = match id {
        Some(_) => tf(lang, "activity.edit_title", &[("name", v.get("project_title").to_owned())]),
        None => t(lang, "award.new").to_owned(),
    };
    render_form(me, "award", AWARDS, id, (title, t(lang, "award.title").to_owned()), fields, errors).await
}

async fn award_new(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    require_write(&me)?;
    let mut v = Values::default();
    v.set("grade", "first");
    v.set("level", "municipal");
    v.set("category", "st_progress");
    award_form(&state, &me, &v, None, Vec::new()).await
}

async fn award_edit(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    require_write(&me)?;
    let a = state.store.award(&me.scope(), id).await?;
    award_form(&state, &me, &award_values(&a), Some(id), Vec::new()).await
}

async fn award_save(state: &AppState, me: &Me, id: Option<i64>, body: &[u8]) -> AppResult<Response> {
    require_write(me)?;
    let v = Values::parse(body);
    let mut ch = Checker::new(&v, me.lang);
    let partners = resolve_usccs(state, &mut ch, "partner_usccs").await?;
    let name = ch.text("name");
    let project_title = ch.text("project_title");
    let reference = ch.text("reference");
    let (year, category, level, grade) = (
        ch.year("year"),
        ch.code("category", AwardCategory::parse),
        ch.code("level", parse_level),
        ch.code("grade", AwardGrade::parse),
    );
    let (region, lead) = (ch.region("region_code"), ch.opt_id("organisation_id"));
    let new = match (year, category, level, grade, region, lead) {
        (Some(year), Some(category), Some(level), Some(grade), Some(region_code), Some(lead)) => {
            let new = NewAward {
                name,
                category,
                level,
                grade,
                year,
                project_title,
                region_code,
                reference,
                organisation_ids: lead.into_iter().chain(partners).collect(),
                person_names: ch.opt_text("person_names"),
            };
            ch.problems(new.problems());
            Some(new)
        }
        _ => None,
    };
    let Some(new) = new.filter(|_| ch.ok()) else {
        let errors = ch.errors;
        return award_form(state, me, &v, id, errors).await;
    };
    let result = match id {
        None => state.store.create_award(&me.actor(), &me.scope(), &new).await,
        Some(id) => state.store.update_award(&me.actor(), &me.scope(), id, &new).await,
    };
    match result {
        Ok(a) => Ok(see_other(&format!("{AWARDS}/{}", a.award_id))),
        Err(e) => award_form(state, me, &v, id, store_error(me, e, "reference")?).await,
    }
}

async fn award_create(State(state): State<AppState>, me: Me, RawForm(body): RawForm) -> AppResult<Response> {
    award_save(&state, &me, None, &body).await
}

async fn award_update(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    award_save(&state, &me, Some(id), &body).await
}

async fn award_retire(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    require_write(&me)?;
    state.store.retire_award(&me.actor(), &me.scope(), id).await?;
    Ok(see_other(&format!("{AWARDS}/{id}")))
}

// =======================================================================================
// Technology contracts
// =======================================================================================

const CONTRACTS: &str = "/contracts";

fn contract_kind_options(lang: Lang, selected: &str) -> Vec<(String, String, bool)> {
    list_options(lang, ContractKind::ALL, ContractKind::as_str, ContractKind::name_zh, ContractKind::name_en, selected)
}

async fn contract_list(State(state): State<AppState>, me: Me, Query(q): Query<ActivityQuery>) -> AppResult<Response> {
    let (filter, page, per_page) = q.contract_filter()?;
    let lang = me.lang;
    let result = state.store.list_contracts_page(&me.scope(), &filter, page, per_page).await?;
    let regions = Regions::load(&state, &me).await?;
    let mut filters = common_filters(lang, &q, &regions, true);
    filters.push(select_filter("kind", t(lang, "contract.kind"), contract_kind_options(lang, non_empty(&q.kind))));
    let rows = result
        .items
        .iter()
        .map(|c| ListRow {
            cells: vec![
                cell(Tr(lang).date(c.registered_on)),
                link(&c.contract_no, format!("{CONTRACTS}/{}", c.tech_contract_id)),
                cell(&c.title),
                cell(pick(lang, c.kind.name_zh(), c.kind.name_en())),
                cell(wan(c.amount)),
                org_link(&c.seller_name, c.seller_organisation_id),
                cell(regions.name(&c.seller_region_code)),
                cell(&c.buyer_name),
            ],
            retired: c.retired_at.is_some(),
        })
        .collect();
    let listing = Listing {
        kind: "contract",
        base: CONTRACTS,
        filters,
        columns: &[
            ("contract.registered_on", Some("registered_on")),
            ("contract.contract_no", Some("contract_no")),
            ("contract.name", None),
            ("contract.kind", None),
            ("contract.amount_wan", Some("amount")),
            ("contract.seller", Some("seller")),
            ("contract.seller_region", None),
            ("contract.buyer", None),
        ],
        rows,
    };
    list_page(&me, &q, listing, result.total, page, per_page)
}

async fn contract_detail(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    let lang = me.lang;
    let c = state.store.contract(&me.scope(), id).await?;
    let regions = Regions::load(&state, &me).await?;
    let region = |code: &str| format!("{} ({code})", regions.name(code));
    let fact = |key: &str, value: Cell| Fact { label: t(lang, key).to_owned(), value };
    let facts = vec![
        fact("contract.contract_no", cell(&c.contract_no)),
        fact("contract.kind", cell(pick(lang, c.kind.name_zh(), c.kind.name_en()))),
        fact("contract.amount", cell(wan(c.amount))),
        fact("contract.technical_income", cell(c.technical_income.map(wan).unwrap_or_default())),
        fact("contract.seller", org_link(&c.seller_name, c.seller_organisation_id)),
        fact("contract.seller_region", cell(region(&c.seller_region_code))),
        fact("contract.buyer", org_link(&c.buyer_name, c.buyer_organisation_id)),
        fact(
            "contract.buyer_region",
            cell(c.buyer_region_code.as_deref().map_or_else(|| t(lang, "contract.outside_tree").to_owned(), region)),
        ),
        fact("contract.registered_on", cell(Tr(lang).date(c.registered_on))),
        fact("contract.field", cell(c.field.clone().unwrap_or_default())),
    ];
    let page = DetailPage::plain(&me, "contract", CONTRACTS, id, &c.title, c.retired_at.is_some(), facts);
    html(&DetailPage { history: history(&state, &me, "tech_contract", id).await, ..page })
}

fn contract_values(c: &TechContract) -> Values {
    let mut v = Values::default();
    v.set("contract_no", &c.contract_no);
    v.set("kind", c.kind.as_str());
    v.set("title", &c.title);
    v.set("amount", c.amount.to_string());
    v.set("technical_income", c.technical_income.map(|m| m.to_string()).unwrap_or_default());
    v.set("seller_organisation_id", c.seller_organisation_id.map(|i| i.to_string()).unwrap_or_default());
    v.set("seller_name", &c.seller_name);
    v.set("seller_region_code", &c.seller_region_code);
    v.set("buyer_uscc", c.buyer_uscc.clone().unwrap_or_default());
    v.set("buyer_name", &c.buyer_name);
    v.set("buyer_region_code", c.buyer_region_code.clone().unwrap_or_default());
    v.set("registered_on", c.registered_on.to_string());
    v.set("field", c.field.clone().unwrap_or_default());
    v
}

async fn contract_form(
    state: &AppState,
    me: &Me,
    v: &Values,
    id: Option<i64>,
    errors: Vec<(String, String)>,
) -> AppResult<Response> {
    let lang = me.lang;
    let regions = Regions::load(state, me).await?;
    let e = &errors;
    let fields = vec![
        field("contract_no", t(lang, "contract.contract_no"), "text", v, e).required(),
        field("kind", t(lang, "contract.kind"), "select", v, e)
            .required()
            .options(contract_kind_options(lang, v.get("kind"))),
        field("title", t(lang, "contract.name"), "text", v, e).required(),
        field("amount", t(lang, "contract.amount"), "text", v, e).required().yuan(lang),
        field("technical_income", t(lang, "contract.technical_income"), "text", v, e).yuan(lang),
        field("seller_organisation_id", t(lang, "contract.seller_organisation"), "select", v, e)
            .options(organisation_options(state, me, v.get("seller_organisation_id")).await?),
        field("seller_name", t(lang, "contract.seller"), "text", v, e).required(),
        field("seller_region_code", t(lang, "contract.seller_region"), "select", v, e)
            .required()
            .options(regions.options(v.get("seller_region_code"), true)),
        field("buyer_uscc", t(lang, "contract.buyer_uscc"), "text", v, e).help(t(lang, "contract.buyer_uscc_help")),
        field("buyer_name", t(lang, "contract.buyer"), "text", v, e).required(),
        field("buyer_region_code", t(lang, "contract.buyer_region"), "select", v, e)
            .options(regions.options(v.get("buyer_region_code"), false))
            .help(t(lang, "contract.buyer_region_help")),
        field("registered_on", t(lang, "contract.registered_on"), "date", v, e).required(),
        field("field", t(lang, "contract.field"), "text", v, e),
    ];
    let title = match id {
        Some(_) => tf(lang, "activity.edit_title", &[("name", v.get("title").to_owned())]),
        None => t(lang, "contract.new").to_owned(),
    };
    render_form(me, "contract", CONTRACTS, id, (title, t(lang, "contract.title").to_owned()), fields, errors).await
}

async fn contract_new(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    require_write(&me)?;
    let mut v = Values::default();
    v.set("kind", "development");
    contract_form(&state, &me, &v, None, Vec::new()).await
}

async fn contract_edit(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    require_write(&me)?;
    let c = state.store.contract(&me.scope(), id).await?;
    contract_form(&state, &me, &contract_values(&c), Some(id), Vec::new()).await
}

async fn contract_save(state: &AppState, me: &Me, id: Option<i64>, body: &[u8]) -> AppResult<Response> {
    require_write(me)?;
    let v = Values::parse(body);
    let mut ch = Checker::new(&v, me.lang);
    let buyer = resolve_usccs(state, &mut ch, "buyer_uscc").await?;
    let (contract_no, title) = (ch.text("contract_no"), ch.text("title"));
    let (seller_name, buyer_name) = (ch.text("seller_name"), ch.text("buyer_name"));
    let kind = ch.code("kind", ContractKind::parse);
    let (amount, income) = (ch.money("amount"), ch.opt_money("technical_income"));
    let (seller, seller_region) = (ch.opt_id("seller_organisation_id"), ch.region("seller_region_code"));
    let (buyer_region, registered_on) = (ch.opt_region("buyer_region_code"), ch.date("registered_on"));
    let new = match (kind, amount, income, seller, seller_region, buyer_region, registered_on) {
        (
            Some(kind),
            Some(amount),
            Some(technical_income),
            Some(seller),
            Some(seller_region_code),
            Some(buyer_region_code),
            Some(registered_on),
        ) => {
            let new = NewTechContract {
                contract_no,
                kind,
                title,
                amount,
                technical_income,
                seller_organisation_id: seller,
                seller_name,
                seller_region_code,
                buyer_organisation_id: buyer.first().copied(),
                buyer_name,
                buyer_region_code,
                registered_on,
                field: ch.opt_text("field"),
            };
            ch.problems(new.problems());
            Some(new)
        }
        _ => None,
    };
    let Some(new) = new.filter(|_| ch.ok()) else {
        let errors = ch.errors;
        return contract_form(state, me, &v, id, errors).await;
    };
    let result = match id {
        None => state.store.create_contract(&me.actor(), &me.scope(), &new).await,
        Some(id) => state.store.update_contract(&me.actor(), &me.scope(), id, &new).await,
    };
    match result {
        Ok(c) => Ok(see_other(&format!("{CONTRACTS}/{}", c.tech_contract_id))),
        Err(e) => contract_form(state, me, &v, id, store_error(me, e, "contract_no")?).await,
    }
}

async fn contract_create(State(state): State<AppState>, me: Me, RawForm(body): RawForm) -> AppResult<Response> {
    contract_save(&state, &me, None, &body).await
}

async fn contract_update(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    contract_save(&state, &me, Some(id), &body).await
}

async fn contract_retire(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    require_write(&me)?;
    state.store.retire_contract(&me.actor(), &me.scope(), id).await?;
    Ok(see_other(&format!("{CONTRACTS}/{id}")))
}

// =======================================================================================
// Loans
// =======================================================================================

const LOANS: &str = "/loans";

fn scheme_options(lang: Lang, selected: &str) -> Vec<(String, String, bool)> {
    list_options(lang, LoanScheme::ALL, LoanScheme::as_str, LoanScheme::name_zh, LoanScheme::name_en, selected)
}

fn status_options(lang: Lang, selected: &str) -> Vec<(String, String, bool)> {
    list_options(lang, LoanStatus::ALL, LoanStatus::as_str, LoanStatus::name_zh, LoanStatus::name_en, selected)
}

async fn loan_list(State(state): State<AppState>, me: Me, Query(q): Query<ActivityQuery>) -> AppResult<Response> {
    let (filter, page, per_page) = q.loan_filter()?;
    let lang = me.lang;
    let result = state.store.list_loans_page(&me.scope(), &filter, page, per_page).await?;
    let regions = Regions::load(&state, &me).await?;
    let mut filters = common_filters(lang, &q, &regions, true);
    filters.push(select_filter("scheme", t(lang, "loan.scheme"), scheme_options(lang, non_empty(&q.scheme))));
    filters.push(select_filter("status", t(lang, "loan.status"), status_options(lang, non_empty(&q.status))));
    let rows = result
        .items
        .iter()
        .map(|l| ListRow {
            cells: vec![
                cell(Tr(lang).date(l.start_on)),
                link(&l.contract_no, format!("{LOANS}/{}", l.loan_id)),
                org_link(&l.borrower_name, Some(l.borrower_organisation_id)),
                cell(pick(lang, l.scheme.name_zh(), l.scheme.name_en())),
                cell(&l.bank),
                cell(wan(l.amount)),
                cell(Tr(lang).date(l.due_on)),
                cell(pick(lang, l.status.name_zh(), l.status.name_en())),
                cell(regions.name(&l.region_code)),
            ],
            retired: l.retired_at.is_some(),
        })
        .collect();
    let listing = Listing {
        kind: "loan",
        base: LOANS,
        filters,
        columns: &[
            ("loan.start_on", Some("start_on")),
            ("loan.contract_no", Some("contract_no")),
            ("loan.borrower", None),
            ("loan.scheme", None),
            ("loan.bank", None),
            ("loan.amount_wan", Some("amount")),
            ("loan.due_on", Some("due_on")),
            ("loan.status", None),
            ("activity.region", None),
        ],
        rows,
    };
    list_page(&me, &q, listing, result.total, page, per_page)
}

fn loan_event_fields(lang: Lang, v: &Values, e: &[(String, String)]) -> Vec<FormField> {
    vec![
        field("kind", t(lang, "loan.event_kind"), "select", v, e).required().options(list_options(
            lang,
            LoanEventKind::ALL,
            LoanEventKind::as_str,
            LoanEventKind::name_zh,
            LoanEventKind::name_en,
            v.get("kind"),
        )),
        field("occurred_on", t(lang, "loan.occurred_on"), "date", v, e).required(),
        field("amount", t(lang, "loan.event_amount"), "text", v, e).required().yuan(lang),
        field("note", t(lang, "loan.note"), "text", v, e),
    ]
}

async fn loan_page(
    state: &AppState,
    me: &Me,
    id: i64,
    event_values: &Values,
    event_errors: Vec<(String, String)>,
) -> AppResult<Response> {
    let lang = me.lang;
    let l = state.store.loan(&me.scope(), id).await?;
    let events = state.store.loan_events(&me.scope(), id).await?;
    let regions = Regions::load(state, me).await?;
    let fact = |key: &str, value: Cell| Fact { label: t(lang, key).to_owned(), value };
    let facts = vec![
        fact("loan.contract_no", cell(&l.contract_no)),
        fact(
            "loan.borrower",
            org_link(&format!("{} {}", l.borrower_name, l.borrower_uscc), Some(l.borrower_organisation_id)),
        ),
        fact("activity.region", cell(format!("{} ({})", regions.name(&l.region_code), l.region_code))),
        fact("loan.scheme", cell(pick(lang, l.scheme.name_zh(), l.scheme.name_en()))),
        fact("loan.bank", cell(&l.bank)),
        fact("loan.amount", cell(wan(l.amount))),
        fact("loan.start_on", cell(Tr(lang).date(l.start_on))),
        fact("loan.due_on", cell(Tr(lang).date(l.due_on))),
    ];
    let sections = vec![Section {
        id: "loan-events",
        title: t(lang, "loan.events").to_owned(),
        columns: vec![
            t(lang, "loan.occurred_on").to_owned(),
            t(lang, "loan.event_kind").to_owned(),
            t(lang, "loan.event_amount_wan").to_owned(),
            t(lang, "loan.note").to_owned(),
        ],
        rows: events
            .iter()
            .map(|e| {
                vec![
                    cell(Tr(lang).date(e.occurred_on)),
                    cell(pick(lang, e.kind.name_zh(), e.kind.name_en())),
                    cell(wan(e.amount)),
                    cell(e.note.clone().unwrap_or_default()),
                ]
            })
            .collect(),
    }];
    let can_write = may_write(me);
    let event_form = (can_write && l.retired_at.is_none() && l.status != LoanStatus::Repaid).then(|| EventForm {
        fields: loan_event_fields(lang, event_values, &event_errors),
        errors: event_errors.clone(),
    });
    let mut res = html(&DetailPage {
        c: detail_chrome(me, LOANS, "loan.title", id, &l.contract_no),
        kind: "loan",
        base: LOANS,
        id,
        title: format!("{} · {}", l.borrower_name, l.contract_no),
        status: pick(lang, l.status.name_zh(), l.status.name_en()).to_owned(),
        retired: l.retired_at.is_some(),
        facts,
        sections,
        event_form,
        can_write,
        history: history(state, me, "loan", id).await,
    })?;
    if !event_errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn loan_detail(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    let mut v = Values::default();
    v.set("kind", "repayment");
    loan_page(&state, &me, id, &v, Vec::new()).await
}

async fn loan_add_event(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    require_write(&me)?;
    let v = Values::parse(&body);
    let mut ch = Checker::new(&v, me.lang);
    let (kind, occurred_on, amount) =
        (ch.code("kind", LoanEventKind::parse), ch.date("occurred_on"), ch.money("amount"));
    let new = match (kind, occurred_on, amount, ch.ok()) {
        (Some(kind), Some(occurred_on), Some(amount), true) => {
            NewLoanEvent { kind, occurred_on, amount, note: ch.opt_text("note") }
        }
        _ => return loan_page(&state, &me, id, &v, ch.errors).await,
    };
    match state.store.add_loan_event(&me.actor(), &me.scope(), id, &new).await {
        Ok(_) => Ok(see_other(&format!("{LOANS}/{id}"))),
        Err(e) => {
            let errors = store_error(&me, e, "kind")?;
            loan_page(&state, &me, id, &v, errors).await
        }
    }
}

fn loan_values(l: &Loan) -> Values {
    let mut v = Values::default();
    v.set("contract_no", &l.contract_no);
    v.set("scheme", l.scheme.as_str());
    v.set("bank", &l.bank);
    v.set("borrower_organisation_id", l.borrower_organisation_id.to_string());
    v.set("amount", l.amount.to_string());
    v.set("start_on", l.start_on.to_string());
    v.set("due_on", l.due_on.to_string());
    v.set("status", l.status.as_str());
    v
}

async fn loan_form(
    state: &AppState,
    me: &Me,
    v: &Values,
    id: Option<i64>,
    errors: Vec<(String, String)>,
) -> AppResult<Response> {
    let lang = me.lang;
    let e = &errors;
    let fields = vec![
        field("contract_no", t(lang, "loan.contract_no"), "text", v, e).required(),
        field("scheme", t(lang, "loan.scheme"), "select", v, e)
            .required()
            .options(scheme_options(lang, v.get("scheme"))),
        field("bank", t(lang, "loan.bank"), "text", v, e).required(),
        field("borrower_organisation_id", t(lang, "loan.borrower"), "select", v, e)
            .required()
            .options(organisation_options(state, me, v.get("borrower_organisation_id")).await?),
        field("amount", t(lang, "loan.amount"), "text", v, e).required().yuan(lang),
        field("start_on", t(lang, "loan.start_on"), "date", v, e).required(),
        field("due_on", t(lang, "loan.due_on"), "date", v, e).required(),
        field("status", t(lang, "loan.status"), "select", v, e)
            .required()
            .options(status_options(lang, v.get("status"))),
    ];
    let title = match id {
        Some(_) => tf(lang, "activity.edit_title", &[("name", v.get("contract_no").to_owned())]),
        None => t(lang, "loan.new").to_owned(),
    };
    render_form(me, "loan", LOANS, id, (title, t(lang, "loan.title").to_owned()), fields, errors).await
}

async fn loan_new(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    require_write(&me)?;
    let mut v = Values::default();
    v.set("scheme", "knowledge_value_loan");
    v.set("status", "active");
    loan_form(&state, &me, &v, None, Vec::new()).await
}

async fn loan_edit(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    require_write(&me)?;
    let l = state.store.loan(&me.scope(), id).await?;
    loan_form(&state, &me, &loan_values(&l), Some(id), Vec::new()).await
}

async fn loan_save(state: &AppState, me: &Me, id: Option<i64>, body: &[u8]) -> AppResult<Response> {
    require_write(me)?;
    let v = Values::parse(body);
    let mut ch = Checker::new(&v, me.lang);
    let (contract_no, bank) = (ch.text("contract_no"), ch.text("bank"));
    let (scheme, status) = (ch.code("scheme", LoanScheme::parse), ch.code("status", LoanStatus::parse));
    let borrower = match ch.opt_id("borrower_organisation_id") {
        Some(None) => {
            ch.activity("borrower_organisation_id", &ActivityError::Required);
            None
        }
        other => other.flatten(),
    };
    let (amount, start_on, due_on) = (ch.money("amount"), ch.date("start_on"), ch.date("due_on"));
    let new = match (scheme, status, borrower, amount, start_on, due_on) {
        (Some(scheme), Some(status), Some(borrower), Some(amount), Some(start_on), Some(due_on)) => {
            let new = NewLoan {
                contract_no,
                scheme,
                bank,
                borrower_organisation_id: borrower,
                amount,
                start_on,
                due_on,
                status,
            };
            ch.problems(new.problems());
            Some(new)
        }
        _ => None,
    };
    let Some(new) = new.filter(|_| ch.ok()) else {
        let errors = ch.errors;
        return loan_form(state, me, &v, id, errors).await;
    };
    let result = match id {
        None => state.store.create_loan(&me.actor(), &me.scope(), &new).await,
        Some(id) => state.store.update_loan(&me.actor(), &me.scope(), id, &new).await,
    };
    match result {
        Ok(l) => Ok(see_other(&format!("{LOANS}/{}", l.loan_id))),
        Err(e) => loan_form(state, me, &v, id, store_error(me, e, "contract_no")?).await,
    }
}

async fn loan_create(State(state): State<AppState>, me: Me, RawForm(body): RawForm) -> AppResult<Response> {
    loan_save(&state, &me, None, &body).await
}

async fn loan_update(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    loan_save(&state, &me, Some(id), &body).await
}

async fn loan_retire(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    require_write(&me)?;
    state.store.retire_loan(&me.actor(), &me.scope(), id).await?;
    Ok(see_other(&format!("{LOANS}/{id}")))
}

// =======================================================================================
// S&T events
// =======================================================================================

const EVENTS: &str = "/events";

fn event_kind_options(lang: Lang, selected: &str) -> Vec<(String, String, bool)> {
    list_options(lang, EventKind::ALL, EventKind::as_str, EventKind::name_zh, EventKind::name_en, selected)
}

async fn event_list(State(state): State<AppState>, me: Me, Query(q): Query<ActivityQuery>) -> AppResult<Response> {
    let (filter, page, per_page) = q.event_filter()?;
    let lang = me.lang;
    let result = state.store.list_events_page(&me.scope(), &filter, page, per_page).await?;
    let regions = Regions::load(&state, &me).await?;
    let mut filters = common_filters(lang, &q, &regions, true);
    filters.push(select_filter("kind", t(lang, "event.kind"), event_kind_options(lang, non_empty(&q.kind))));
    let rows = result
        .items
        .iter()
        .map(|e| ListRow {
            cells: vec![
                cell(event_days(lang, e)),
                link(&e.title, format!("{EVENTS}/{}", e.st_event_id)),
                cell(pick(lang, e.kind.name_zh(), e.kind.name_en())),
                org_link(&e.organiser, e.organiser_organisation_id),
                cell(regions.name(&e.region_code)),
                cell(e.participants.to_string()),
            ],
            retired: e.retired_at.is_some(),
        })
        .collect();
    let listing = Listing {
        kind: "event",
        base: EVENTS,
        filters,
        columns: &[
            ("event.held_on", Some("held_on")),
            ("event.name", Some("title")),
            ("event.kind", None),
            ("event.organiser", None),
            ("activity.region", None),
            ("event.participants", Some("participants")),
        ],
        rows,
    };
    list_page(&me, &q, listing, result.total, page, per_page)
}

/// The day of an event, or its first and last day.
fn event_days(lang: Lang, e: &StEvent) -> String {
    match e.ends_on {
        Some(end) if end != e.held_on => format!("{} – {}", Tr(lang).date(e.held_on), Tr(lang).date(end)),
        _ => Tr(lang).date(e.held_on),
    }
}

async fn event_detail(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    let lang = me.lang;
    let e = state.store.event(&me.scope(), id).await?;
    let regions = Regions::load(&state, &me).await?;
    let fact = |key: &str, value: Cell| Fact { label: t(lang, key).to_owned(), value };
    let facts = vec![
        fact("event.kind", cell(pick(lang, e.kind.name_zh(), e.kind.name_en()))),
        fact("event.held_on", cell(event_days(lang, &e))),
        fact("event.organiser", org_link(&e.organiser, e.organiser_organisation_id)),
        fact("activity.region", cell(format!("{} ({})", regions.name(&e.region_code), e.region_code))),
        fact("event.participants", cell(tf(lang, "event.people", &[("count", e.participants.to_string())]))),
        fact("event.outcome", cell(e.outcome.clone().unwrap_or_default())),
    ];
    let page = DetailPage::plain(&me, "event", EVENTS, id, &e.title, e.retired_at.is_some(), facts);
    html(&DetailPage { history: history(&state, &me, "st_event", id).await, ..page })
}

fn event_values(e: &StEvent) -> Values {
    let mut v = Values::default();
    v.set("kind", e.kind.as_str());
    v.set("title", &e.title);
    v.set("held_on", e.held_on.to_string());
    v.set("ends_on", e.ends_on.map(|d| d.to_string()).unwrap_or_default());
    v.set("organiser", &e.organiser);
    v.set("organiser_organisation_id", e.organiser_organisation_id.map(|i| i.to_string()).unwrap_or_default());
    v.set("region_code", &e.region_code);
    v.set("participants", e.participants.to_string());
    v.set("outcome", e.outcome.clone().unwrap_or_default());
    v
}

async fn event_form(
    state: &AppState,
    me: &Me,
    v: &Values,
    id: Option<i64>,
    errors: Vec<(String, String)>,
) -> AppResult<Response> {
    let lang = me.lang;
    let regions = Regions::load(state, me).await?;
    let e = &errors;
    let fields = vec![
        field("kind", t(lang, "event.kind"), "select", v, e)
            .required()
            .options(event_kind_options(lang, v.get("kind"))),
        field("title", t(lang, "event.name"), "text", v, e).required(),
        field("held_on", t(lang, "event.held_on"), "date", v, e).required(),
        field("ends_on", t(lang, "event.ends_on"), "date", v, e).help(t(lang, "event.ends_on_help")),
        field("organiser", t(lang, "event.organiser"), "text", v, e).required(),
        field("organiser_organisation_id", t(lang, "event.organiser_organisation"), "select", v, e)
            .options(organisation_options(state, me, v.get("organiser_organisation_id")).await?),
        field("region_code", t(lang, "activity.region"), "select", v, e)
            .required()
            .options(regions.options(v.get("region_code"), true)),
        field("participants", t(lang, "event.participants"), "number", v, e).unit(t(lang, "event.people_unit")),
        field("outcome", t(lang, "event.outcome"), "textarea", v, e),
    ];
    let title = match id {
        Some(_) => tf(lang, "activity.edit_title", &[("name", v.get("title").to_owned())]),
        None => t(lang, "event.new").to_owned(),
    };
    render_form(me, "event", EVENTS, id, (title, t(lang, "event.title").to_owned()), fields, errors).await
}

async fn event_new(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    require_write(&me)?;
    let mut v = Values::default();
    v.set("kind", "popularisation");
    v.set("participants", "0");
    event_form(&state, &me, &v, None, Vec::new()).await
}

async fn event_edit(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    require_write(&me)?;
    let e = state.store.event(&me.scope(), id).await?;
    event_form(&state, &me, &event_values(&e), Some(id), Vec::new()).await
}

async fn event_save(state: &AppState, me: &Me, id: Option<i64>, body: &[u8]) -> AppResult<Response> {
    require_write(me)?;
    let v = Values::parse(body);
    let mut ch = Checker::new(&v, me.lang);
    let (title, organiser) = (ch.text("title"), ch.text("organiser"));
    let kind = ch.code("kind", EventKind::parse);
    let (held_on, ends_on) = (ch.date("held_on"), ch.opt_date("ends_on"));
    let (organiser_id, region) = (ch.opt_id("organiser_organisation_id"), ch.region("region_code"));
    let participants = match v.get("participants") {
        "" => Some(0),
        p => parse_participants(p).map_err(|e| ch.activity("participants", &e)).ok(),
    };
    let new = match (kind, held_on, ends_on, organiser_id, region, participants) {
        (
            Some(kind),
            Some(held_on),
            Some(ends_on),
            Some(organiser_organisation_id),
            Some(region_code),
            Some(participants),
        ) => {
            let new = NewStEvent {
                kind,
                title,
                held_on,
                ends_on,
                organiser,
                organiser_organisation_id,
                region_code,
                participants,
                outcome: ch.opt_text("outcome"),
            };
            ch.problems(new.problems());
            Some(new)
        }
        _ => None,
    };
    let Some(new) = new.filter(|_| ch.ok()) else {
        let errors = ch.errors;
        return event_form(state, me, &v, id, errors).await;
    };
    let result = match id {
        None => state.store.create_event(&me.actor(), &me.scope(), &new).await,
        Some(id) => state.store.update_event(&me.actor(), &me.scope(), id, &new).await,
    };
    match result {
        Ok(e) => Ok(see_other(&format!("{EVENTS}/{}", e.st_event_id))),
        Err(e) => event_form(state, me, &v, id, store_error(me, e, "title")?).await,
    }
}

async fn event_create(State(state): State<AppState>, me: Me, RawForm(body): RawForm) -> AppResult<Response> {
    event_save(&state, &me, None, &body).await
}

async fn event_update(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    event_save(&state, &me, Some(id), &body).await
}

async fn event_retire(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    require_write(&me)?;
    state.store.retire_event(&me.actor(), &me.scope(), id).await?;
    Ok(see_other(&format!("{EVENTS}/{id}")))
}

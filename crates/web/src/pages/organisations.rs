//! The organisation register: list with filters, sorting, paging and export; detail; create,
//! edit and retire.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use gaodi_domain::access::{Capability, Role};
use gaodi_domain::organisation::{OrganisationKind, Uscc};
use gaodi_domain::region::RegionCode;
use gaodi_store::organisation::{check_industry, NewOrganisation, Organisation, OrganisationFilter, OrganisationSort};
use serde::Deserialize;

use super::{html, message, see_other, Chrome};
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang, Tr};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organisations", get(list_page).post(create))
        .route("/organisations/new", get(new_page))
        .route("/organisations/{id}", get(detail_page).post(update))
        .route("/organisations/{id}/edit", get(edit_page))
        .route("/organisations/{id}/retire", post(retire))
        .route("/organisations/{id}/tiers", post(add_tier))
}

/// The register's query string (shared by the page, the API and the export).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrganisationQuery {
    pub q: Option<String>,
    pub region: Option<String>,
    pub kind: Option<String>,
    pub tier: Option<String>,
    pub year: Option<String>,
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

impl OrganisationQuery {
    /// Parses into a filter, a page number and a page size; names the first bad parameter.
    pub fn parse(&self) -> AppResult<(OrganisationFilter, i64, i64)> {
        let mut f = OrganisationFilter { q: non_empty(&self.q).map(str::to_owned), ..OrganisationFilter::default() };
        if let Some(r) = non_empty(&self.region) {
            f.region = Some(RegionCode::parse(r).map_err(|e| AppError::bad_request(e.code()).arg("value", r))?);
        }
        if let Some(k) = non_empty(&self.kind) {
            f.kind = Some(OrganisationKind::parse(k).map_err(|e| AppError::bad_request(e.code()).arg("value", k))?);
        }
        if let Some(tier) = non_empty(&self.tier) {
            if !tier.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                return Err(bad("tier", tier, "hte, tech_sme, …"));
            }
            f.tier = Some(tier.to_owned());
        }
        if let Some(y) = non_empty(&self.year) {
            let year: i32 =
                y.parse().ok().filter(|y| (1949..=2100).contains(y)).ok_or_else(|| bad("year", y, "1949-2100"))?;
            f.tier_date = time::Date::from_calendar_date(year, time::Month::December, 31).ok();
        }
        if let Some(s) = non_empty(&self.sort) {
            f.sort = OrganisationSort::parse(s).ok_or_else(|| bad("sort", s, "name, uscc, region, founded_on"))?;
        }
        f.descending = non_empty(&self.desc).is_some_and(|d| d == "1" || d == "true");
        f.include_retired = non_empty(&self.retired).is_some_and(|d| d == "1" || d == "true");
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
        Ok((f, page, per_page))
    }

    /// The query string without paging (for export links and page links).
    fn filters_qs(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("region", &self.region),
            ("kind", &self.kind),
            ("tier", &self.tier),
            ("year", &self.year),
            ("sort", &self.sort),
            ("desc", &self.desc),
            ("retired", &self.retired),
        ] {
            if let Some(v) = non_empty(v) {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

struct OrgRow {
    id: i64,
    uscc: String,
    name: String,
    kind: String,
    region: String,
    park: String,
    industry: String,
    founded: String,
    retired: bool,
}

#[derive(Template)]
#[template(path = "organisations.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<OrgRow>,
    count_text: String,
    q: String,
    region_options: Vec<(String, String, bool)>,
    kind_options: Vec<(String, String, bool)>,
    tier_options: Vec<(String, String, bool)>,
    year: String,
    can_write: bool,
    export_qs: String,
    prev: Option<String>,
    next: Option<String>,
    page_text: String,
}

/// The name of a level (`national` → 国家级).
pub fn t_level(lang: Lang, level: &str) -> String {
    gaodi_domain::registry::Level::parse(level)
        .map_or_else(|_| level.to_owned(), |l| if lang == Lang::En { l.name_en() } else { l.name_zh() }.to_owned())
}

pub fn kind_name(lang: Lang, kind: &str) -> String {
    OrganisationKind::parse(kind)
        .map_or_else(|_| kind.to_owned(), |k| if lang == Lang::En { k.name_en() } else { k.name_zh() }.to_owned())
}

/// Tier kinds offered as filters (their names come from the locale files).
pub const TIER_KINDS: [&str; 9] = [
    "hte",
    "tech_sme",
    "srdi_sme",
    "little_giant",
    "single_champion",
    "gazelle",
    "unicorn",
    "chain_leader",
    "rd_reserve_filing",
];

fn may_write(me: &Me) -> bool {
    me.role().may(Capability::WriteData) && me.role() != Role::EnterpriseUser
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

async fn list_page(State(state): State<AppState>, me: Me, Query(q): Query<OrganisationQuery>) -> AppResult<Response> {
    let (filter, page, per_page) = q.parse()?;
    let lang = me.lang;
    let result = state.store.list_organisations_page(&me.scope(), &filter, page, per_page).await?;
    let names = region_names(&state, lang).await?;
    let name_of =
        |code: &str| names.iter().find(|(c, _)| c == code).map_or_else(|| code.to_owned(), |(_, n)| n.clone());
    let rows = result
        .items
        .iter()
        .map(|o| OrgRow {
            id: o.organisation_id,
            uscc: o.uscc.clone(),
            name: o.name.clone(),
            kind: kind_name(lang, &o.kind),
            region: name_of(&o.region_code),
            park: o.park_code.as_deref().map(name_of).unwrap_or_default(),
            industry: o.industry_code.clone().unwrap_or_default(),
            founded: o.founded_on.map(|d| Tr(lang).date(d)).unwrap_or_default(),
            retired: o.retired_at.is_some(),
        })
        .collect();
    let qs = q.filters_qs();
    let pages = (result.total + per_page - 1) / per_page;
    let link =
        |p: i64| format!("/organisations?{qs}{}page={p}&per_page={per_page}", if qs.is_empty() { "" } else { "&" });
    let sel = |v: &Option<String>| non_empty(v).unwrap_or("").to_owned();
    let (region_sel, kind_sel, tier_sel) = (sel(&q.region), sel(&q.kind), sel(&q.tier));
    html(&ListPage {
        c: Chrome::for_user(&me, &format!("/organisations?{qs}")).crumb(t(lang, "nav.organisations"), ""),
        rows,
        count_text: tf(lang, "organisations.count", &[("count", result.total.to_string())]),
        q: sel(&q.q),
        region_options: names.iter().map(|(c, n)| (c.clone(), format!("{n} {c}"), *c == region_sel)).collect(),
        kind_options: OrganisationKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), kind_name(lang, k.as_str()), k.as_str() == kind_sel))
            .collect(),
        tier_options: TIER_KINDS
            .iter()
            .map(|k| ((*k).to_owned(), t(lang, &format!("tier.{k}")).to_owned(), *k == tier_sel))
            .collect(),
        year: sel(&q.year),
        can_write: may_write(&me),
        export_qs: qs.clone(),
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        page_text: tf(lang, "common.page_of", &[("page", page.to_string()), ("pages", pages.max(1).to_string())]),
    })
}

/// The create/edit form's values as typed.
#[derive(Default, Clone)]
struct OrgForm {
    uscc: String,
    name: String,
    kind: String,
    region_code: String,
    park_code: String,
    industry_code: String,
    founded_on: String,
}

impl OrgForm {
    fn parse(body: &[u8]) -> OrgForm {
        let mut f = OrgForm::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.trim().to_owned();
            match k.as_ref() {
                "uscc" => f.uscc = v.to_uppercase(),
                "name" => f.name = v,
                "kind" => f.kind = v,
                "region_code" => f.region_code = v,
                "park_code" => f.park_code = v,
                "industry_code" => f.industry_code = v,
                "founded_on" => f.founded_on = v,
                _ => {}
            }
        }
        f
    }

    fn from(o: &Organisation) -> OrgForm {
        OrgForm {
            uscc: o.uscc.clone(),
            name: o.name.clone(),
            kind: o.kind.clone(),
            region_code: o.region_code.clone(),
            park_code: o.park_code.clone().unwrap_or_default(),
            industry_code: o.industry_code.clone().unwrap_or_default(),
            founded_on: o.founded_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    /// Every problem, each as (field, message), so the form can show them all at once.
    fn to_new(&self, lang: Lang) -> Result<NewOrganisation, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let uscc = Uscc::parse(&self.uscc).map_err(|e| errors.push(("uscc", tf(lang, e.code(), &e.args())))).ok();
        if self.name.is_empty() {
            errors.push(("name", t(lang, "organisation.empty_name").to_owned()));
        }
        let kind =
            OrganisationKind::parse(&self.kind).map_err(|e| errors.push(("kind", tf(lang, e.code(), &e.args())))).ok();
        let region = RegionCode::parse(&self.region_code)
            .map_err(|e| errors.push(("region_code", tf(lang, e.code(), &e.args()))))
            .ok();
        let park = if self.park_code.is_empty() {
            None
        } else {
            RegionCode::parse(&self.park_code)
                .map_err(|e| errors.push(("park_code", tf(lang, e.code(), &e.args()))))
                .ok()
        };
        let industry = if self.industry_code.is_empty() {
            None
        } else {
            check_industry(&self.industry_code).map_err(|(c, a)| errors.push(("industry_code", tf(lang, c, &a)))).ok()
        };
        let founded = if self.founded_on.is_empty() {
            None
        } else {
            let d = gaodi_store::import::parse_date(&self.founded_on);
            if d.is_none() {
                errors.push(("founded_on", tf(lang, "import.bad_date", &[("value", self.founded_on.clone())])));
            }
            d
        };
        match (uscc, kind, region, errors.is_empty()) {
            (Some(uscc), Some(kind), Some(region_code), true) => Ok(NewOrganisation {
                uscc,
                name: self.name.clone(),
                kind,
                region_code,
                park_code: park,
                industry_code: industry,
                founded_on: founded,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "organisation_form.html")]
struct FormPage {
    c: Chrome,
    title: String,
    action: String,
    f: OrgForm,
    editing: bool,
    errors: Vec<(String, String)>,
    kind_options: Vec<(String, String, bool)>,
    region_options: Vec<(String, String, bool)>,
    park_options: Vec<(String, String, bool)>,
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
    f: OrgForm,
    id: Option<i64>,
    errors: Vec<(String, String)>,
) -> AppResult<Response> {
    let lang = me.lang;
    let regions = state.store.regions().await?;
    let scope_codes = state.store.scope_regions(&me.scope()).await?;
    let opt = |r: &gaodi_domain::region::Region, sel: &str| {
        let name = if lang == Lang::En { &r.name_en } else { &r.name_zh };
        (r.code.to_string(), format!("{name} {}", r.code), r.code.as_str() == sel)
    };
    let title = match id {
        Some(_) => tf(lang, "organisations.edit_title", &[("name", f.name.clone())]),
        None => t(lang, "organisations.new").to_owned(),
    };
    let page = FormPage {
        c: Chrome::for_user(
            me,
            id.map_or_else(|| "/organisations/new".to_owned(), |i| format!("/organisations/{i}/edit")).as_str(),
        )
        .crumb(t(lang, "nav.organisations"), "/organisations")
        .crumb(title.clone(), ""),
        title,
        action: id.map_or_else(|| "/organisations".to_owned(), |i| format!("/organisations/{i}")),
        kind_options: OrganisationKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), kind_name(lang, k.as_str()), k.as_str() == f.kind))
            .collect(),
        region_options: regions
            .iter()
            .filter(|r| !r.kind.is_park() && scope_codes.as_ref().is_none_or(|s| s.contains(r.code.as_str())))
            .map(|r| opt(r, &f.region_code))
            .collect(),
        park_options: regions.iter().filter(|r| r.kind.is_park()).map(|r| opt(r, &f.park_code)).collect(),
        editing: id.is_some(),
        f,
        errors: errors.clone(),
    };
    let mut res = html(&page)?;
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn new_page(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    if !may_write(&me) {
        return Err(AppError::forbidden());
    }
    render_form(&state, &me, OrgForm { kind: "enterprise".into(), ..OrgForm::default() }, None, Vec::new()).await
}

async fn edit_page(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    if !may_write(&me) {
        return Err(AppError::forbidden());
    }
    let o = state.store.organisation(&me.scope(), id).await?;
    render_form(&state, &me, OrgForm::from(&o), Some(id), Vec::new()).await
}

async fn save(state: &AppState, me: &Me, id: Option<i64>, body: &[u8]) -> AppResult<Response> {
    if !may_write(me) {
        return Err(AppError::forbidden());
    }
    let form = OrgForm::parse(body);
    let new = match form.to_new(me.lang) {
        Ok(n) => n,
        Err(errors) => {
            let errors = errors.into_iter().map(|(f, m)| (f.to_owned(), m)).collect();
            return render_form(state, me, form, id, errors).await;
        }
    };
    let result = match id {
        None => state.store.create_organisation(&me.actor(), &me.scope(), &new).await,
        Some(id) => state.store.update_organisation(&me.actor(), &me.scope(), id, &new).await,
    };
    match result {
        Ok(o) => Ok(see_other(&format!("/organisations/{}", o.organisation_id))),
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error() || e.status == axum::http::StatusCode::FORBIDDEN {
                return Err(e);
            }
            let field = e.field.unwrap_or("uscc").to_owned();
            render_form(state, me, form, id, vec![(field, message(me.lang, &e))]).await
        }
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
    if !may_write(&me) {
        return Err(AppError::forbidden());
    }
    state.store.retire_organisation(&me.actor(), &me.scope(), id).await?;
    Ok(see_other(&format!("/organisations/{id}")))
}

struct HistoryRow {
    at: String,
    actor: String,
    action: String,
}

struct TierRow {
    kind: String,
    reference: String,
    level: String,
    valid_from: String,
    valid_to: String,
    evidence: String,
    valid_now: bool,
}

struct IpRow {
    registration_no: String,
    kind: String,
    title: String,
    grant_date: String,
    class: String,
}

struct PlatformRow {
    id: i64,
    name: String,
    kind: String,
    level: String,
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct DetailPage {
    c: Chrome,
    o: OrgRow,
    can_write: bool,
    history: Vec<HistoryRow>,
    tiers: Vec<TierRow>,
    tier_options: Vec<(String, String, bool)>,
    tier_errors: Vec<String>,
    years: Vec<i32>,
    /// (label, value per year)
    figures: Vec<(String, Vec<String>)>,
    ip: Vec<IpRow>,
    platforms: Vec<PlatformRow>,
    /// Other records linked to the organisation: (title, headers, rows of (link, cells)).
    linked: Vec<LinkedSection>,
    policy: Vec<PolicySection>,
    policy_as_of: String,
    /// A link to a date that uses the figures held, when the chosen one does not: (text, href).
    policy_hint: Option<(String, String)>,
}

/// A table of records of another registry that name this organisation.
struct LinkedSection {
    id: &'static str,
    title: String,
    headers: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
}

/// Awards, contracts, loans and people that name the organisation.
async fn linked_sections(state: &AppState, me: &Me, id: i64) -> AppResult<Vec<LinkedSection>> {
    use gaodi_store::activity::{AwardFilter, ContractFilter, LoanFilter};
    let (lang, scope, store) = (me.lang, me.scope(), &state.store);
    let name = |zh: &'static str, en: &'static str| if lang == Lang::En { en } else { zh };
    let awards = store
        .list_awards_filtered(&scope, &AwardFilter { organisation_id: Some(id), ..AwardFilter::default() })
        .await?;
    let contracts = store
        .list_contracts_filtered(&scope, &ContractFilter { organisation_id: Some(id), ..ContractFilter::default() })
        .await?;
    let loans =
        store.list_loans_filtered(&scope, &LoanFilter { organisation_id: Some(id), ..LoanFilter::default() }).await?;
    let people = store
        .list_people_filtered(
            &scope,
            &gaodi_store::person::PersonFilter { organisation_id: Some(id), ..Default::default() },
            crate::api::people::id_view(me),
        )
        .await?;
    Ok(vec![
        LinkedSection {
            id: "org-awards",
            title: t(lang, "nav.awards").to_owned(),
            headers: vec![
                name("奖项", "Award").into(),
                name("年度", "Year").into(),
                name("级别与等级", "Level and grade").into(),
                name("项目", "Project").into(),
            ],
            rows: awards
                .iter()
                .map(|a| {
                    let lv = if lang == Lang::En { a.level.name_en() } else { a.level.name_zh() };
                    let gr = if lang == Lang::En { a.grade.name_en() } else { a.grade.name_zh() };
                    (
                        format!("/awards/{}", a.award_id),
                        vec![a.name.clone(), a.year.to_string(), format!("{lv} {gr}"), a.project_title.clone()],
                    )
                })
                .collect(),
        },
        LinkedSection {
            id: "org-contracts",
            title: t(lang, "nav.contracts").to_owned(),
            headers: vec![
                name("合同编号", "Contract no.").into(),
                name("名称", "Title").into(),
                name("成交额", "Amount").into(),
            ],
            rows: contracts
                .iter()
                .map(|c| {
                    (
                        format!("/contracts/{}", c.tech_contract_id),
                        vec![c.contract_no.clone(), c.title.clone(), c.amount.format_wan()],
                    )
                })
                .collect(),
        },
        LinkedSection {
            id: "org-loans",
            title: t(lang, "nav.loans").to_owned(),
            headers: vec![
                name("合同编号", "Contract no.").into(),
                name("银行", "Bank").into(),
                name("金额", "Amount").into(),
                name("起始日期", "Start").into(),
            ],
            rows: loans
                .iter()
                .map(|l| {
                    (
                        format!("/loans/{}", l.loan_id),
                        vec![l.contract_no.clone(), l.bank.clone(), l.amount.format_wan(), Tr(lang).date(l.start_on)],
                    )
                })
                .collect(),
        },
        LinkedSection {
            id: "org-people",
            title: t(lang, "nav.people").to_owned(),
            headers: vec![name("姓名", "Name").into(), name("职称", "Title").into()],
            rows: people
                .iter()
                .map(|p| {
                    (format!("/people/{}", p.person_id), vec![p.name.clone(), p.title.clone().unwrap_or_default()])
                })
                .collect(),
        },
    ])
}

async fn detail_page(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Query(q): Query<crate::api::policy::PolicyQuery>,
) -> AppResult<Response> {
    let as_of = crate::api::policy::parse_as_of(q.as_of.as_ref())?;
    render_detail(&state, &me, id, Vec::new(), as_of).await
}

/// One condition of the self-check panel.
struct PolicyCond {
    id: &'static str,
    name: &'static str,
    outcome: &'static str,
    class: &'static str,
    value: String,
    threshold: String,
    missing: String,
    gap: String,
}

/// One policy of the self-check panel.
struct PolicySection {
    rule: &'static str,
    name: &'static str,
    outcome: String,
    outcome_class: &'static str,
    version: String,
    score: String,
    amount: String,
    conditions: Vec<PolicyCond>,
    gaps: Vec<String>,
    error: String,
}

/// The self-check panel: every rule on the register's data as of `as_of`.
async fn policy_sections(state: &AppState, me: &Me, id: i64, as_of: time::Date) -> AppResult<Vec<PolicySection>> {
    use crate::api::policy::{check_label, failed_in_words, outcome_class, rules_lang};
    use gaodi_domain::rules::explain::{condition_name, gap_text, outcome_label};
    use gaodi_domain::rules::{firm_input, Check, Evaluator, RuleKind};
    let lang = me.lang;
    let rl = rules_lang(lang);
    let firm = state.store.policy_firm(&me.scope(), id).await?;
    let input = firm_input(&firm.firm);
    let mut evaluator = Evaluator::new();
    let mut sections = Vec::new();
    for rule in RuleKind::ALL {
        let name = if lang == Lang::En { rule.name_en() } else { rule.name_zh() };
        let mut section = PolicySection {
            rule: rule.as_str(),
            name,
            outcome: String::new(),
            outcome_class: "grey",
            version: String::new(),
            score: String::new(),
            amount: String::new(),
            conditions: Vec::new(),
            gaps: Vec::new(),
            error: String::new(),
        };
        match evaluator.evaluate(rule, &input, Some(as_of)) {
            Err(e) => {
                let e = crate::api::policy::rule_error(&e);
                section.error = tf(lang, "policy.error", &[("message", message(lang, &e))]);
            }
            Ok(eval) => {
                section.outcome = outcome_label(eval.outcome, rl).to_owned();
                section.outcome_class = outcome_class(eval.outcome);
                section.version = format!("{} ({})", eval.version.id, eval.version.documents);
                section.score = eval
                    .score
                    .map(|s| if s.min == s.max { s.min.to_string() } else { format!("[{}, {}]", s.min, s.max) })
                    .unwrap_or_default();
                section.amount = eval.extra_deduction.or(eval.amount).map(|m| m.to_string()).unwrap_or_default();
                for c in &eval.conditions {
                    section.conditions.push(PolicyCond {
                        id: c.id.as_str(),
                        name: condition_name(c.id, rl),
                        outcome: check_label(lang, c.outcome),
                        class: match c.outcome {
                            Check::Pass => "ok",
                            Check::Fail => "bad",
                            Check::NeedsExpert => "warn",
                            Check::Unknown | Check::NotApplicable => "grey",
                        },
                        value: c.value.map(|v| v.text()).unwrap_or_default(),
                        threshold: c.threshold.map(|t| t.to_string()).unwrap_or_default(),
                        missing: c.missing.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                        gap: c.gap.iter().map(|g| gap_text(g, rl)).collect::<Vec<_>>().join(t(lang, "policy.or")),
                    });
                    if c.outcome == Check::Fail {
                        section.gaps.push(failed_in_words(lang, c.id, c.value, c.threshold, &c.gap));
                    }
                }
                evaluator.recycle(eval);
            }
        }
        sections.push(section);
    }
    Ok(sections)
}

async fn add_tier(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    if !may_write(&me) {
        return Err(AppError::forbidden());
    }
    let field = |name: &str| {
        url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let b = crate::api::registry::TierBody {
        kind: field("kind").unwrap_or_default(),
        reference: field("reference"),
        level: field("level"),
        valid_from: field("valid_from"),
        valid_to: field("valid_to"),
        evidence: field("evidence").unwrap_or_default(),
    };
    let result = match b.parse() {
        Ok(t) => state.store.add_tier(&me.actor(), &me.scope(), id, &t).await.map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/organisations/{id}#tiers"))),
        Err(e)
            if e.status.is_client_error()
                && e.status != axum::http::StatusCode::FORBIDDEN
                && e.status != axum::http::StatusCode::NOT_FOUND =>
        {
            let today = time::OffsetDateTime::now_utc().date();
            let mut res = render_detail(&state, &me, id, vec![message(me.lang, &e)], today).await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// Key yearly figures shown on the organisation's page (all are in the API and the export).
const SHOWN_FIGURES: [&str; 7] = [
    "main_business_revenue",
    "hightech_revenue",
    "total_assets_ye",
    "rd_hnte_domestic",
    "staff_total",
    "staff_st",
    "rd_staff",
];

async fn render_detail(
    state: &AppState,
    me: &Me,
    id: i64,
    tier_errors: Vec<String>,
    as_of: time::Date,
) -> AppResult<Response> {
    let lang = me.lang;
    let scope = me.scope();
    let today = time::OffsetDateTime::now_utc().date();
    let tiers = state
        .store
        .tiers(&scope, id)
        .await?
        .into_iter()
        .map(|tier| TierRow {
            kind: t(lang, &format!("tier.{}", tier.kind)).to_owned(),
            reference: tier.reference.clone().unwrap_or_default(),
            level: tier.level.as_deref().map(|l| t_level(lang, l)).unwrap_or_default(),
            valid_from: Tr(lang).date(tier.valid_from),
            valid_to: tier.valid_to.map(|d| Tr(lang).date(d)).unwrap_or_default(),
            evidence: tier.evidence.clone(),
            valid_now: tier.valid_from <= today && tier.valid_to.is_none_or(|d| d >= today),
        })
        .collect();
    let facts = state.store.yearly_facts(&scope, id).await?;
    let years: Vec<i32> = facts.iter().map(|(y, _)| *y).collect();
    // The rules read the year before the evaluation date's; point to a date that uses the
    // latest figures held when the chosen one does not.
    let policy_hint = years.last().filter(|&&latest| as_of.year() != latest + 1).map(|&latest| {
        let date = format!("{}-06-30", latest + 1);
        (
            tf(lang, "policy.figures_hint", &[("year", latest.to_string()), ("date", date.clone())]),
            format!("/organisations/{id}?as_of={date}#policy"),
        )
    });
    let figures = SHOWN_FIGURES
        .iter()
        .filter_map(|key| gaodi_domain::registry::yearly_field(key))
        .map(|spec| {
            let label = if lang == Lang::En { spec.label_en } else { spec.label_zh };
            let values = facts
                .iter()
                .map(|(_, f)| match f.get(spec.key) {
                    Some(gaodi_domain::registry::FieldValue::Money(m)) => m.format_wan(),
                    Some(gaodi_domain::registry::FieldValue::Count(c)) => c.to_string(),
                    None => "—".to_owned(),
                })
                .collect();
            (label.replace("（元）", "（万元）").replace("(yuan)", "(10k yuan)"), values)
        })
        .collect();
    let ip = state
        .store
        .ip_items(&scope, id)
        .await?
        .iter()
        .map(|r| IpRow {
            registration_no: r.item.registration_no().to_owned(),
            kind: if lang == Lang::En { r.item.kind().name_en() } else { r.item.kind().name_zh() }.to_owned(),
            title: r.item.title().to_owned(),
            grant_date: r.item.grant_date().map(|d| Tr(lang).date(d)).unwrap_or_default(),
            class: r.item.ip_class().as_str().to_owned(),
        })
        .collect();
    let platforms = state
        .store
        .list_platforms(
            &scope,
            &gaodi_store::platform::PlatformFilter { host_organisation_id: Some(id), ..Default::default() },
            1,
            200,
        )
        .await?
        .items
        .into_iter()
        .map(|p| PlatformRow {
            id: p.platform_id,
            kind: gaodi_domain::registry::PlatformKind::parse(&p.kind)
                .map_or(p.kind.clone(), |k| if lang == Lang::En { k.name_en() } else { k.name_zh() }.to_owned()),
            level: t_level(lang, &p.level),
            name: p.name,
        })
        .collect();
    let lang = me.lang;
    let o = state.store.organisation(&me.scope(), id).await?;
    let names = region_names(state, lang).await?;
    let name_of = |code: &str| {
        names.iter().find(|(c, _)| c == code).map_or_else(|| code.to_owned(), |(_, n)| format!("{n} ({code})"))
    };
    let events = state
        .store
        .list_audit(
            &me.scope(),
            &gaodi_store::audit::AuditFilter { organisation_id: Some(id), limit: 50, ..Default::default() },
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
    let row = OrgRow {
        id: o.organisation_id,
        uscc: o.uscc.clone(),
        name: o.name.clone(),
        kind: kind_name(lang, &o.kind),
        region: name_of(&o.region_code),
        park: o.park_code.as_deref().map(name_of).unwrap_or_default(),
        industry: o.industry_code.clone().unwrap_or_default(),
        founded: o.founded_on.map(|d| Tr(lang).date(d)).unwrap_or_default(),
        retired: o.retired_at.is_some(),
    };
    let can_write = may_write(me);
    let policy_as_of = format!("{:04}-{:02}-{:02}", as_of.year(), u8::from(as_of.month()), as_of.day());
    html(&DetailPage {
        // The date stays when the language is switched.
        c: Chrome::for_user(me, &format!("/organisations/{id}?as_of={policy_as_of}"))
            .crumb(t(lang, "nav.organisations"), "/organisations")
            .crumb(o.name.clone(), ""),
        o: row,
        can_write,
        history,
        tiers,
        tier_options: TIER_KINDS
            .iter()
            .map(|k| ((*k).to_owned(), t(lang, &format!("tier.{k}")).to_owned(), *k == "hte"))
            .collect(),
        tier_errors,
        years,
        figures,
        ip,
        platforms,
        linked: linked_sections(state, me, id).await?,
        policy: policy_sections(state, me, id, as_of).await?,
        policy_as_of,
        policy_hint,
    })
}

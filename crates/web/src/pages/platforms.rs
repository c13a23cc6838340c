//! Innovation platforms: list with filters and counts by level, detail, create and edit.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gaodi_domain::access::{Capability, Role};
use gaodi_domain::registry::{Level, PlatformKind};
use gaodi_store::platform::{Platform, PLATFORM_STATUSES};

use super::organisations::t_level;
use super::{html, message, see_other, Chrome};
use crate::api::registry::{PlatformBody, PlatformQuery};
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang, Tr};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/platforms", get(list_page).post(create))
        .route("/platforms/new", get(new_page))
        .route("/platforms/{id}", get(detail_page).post(update))
        .route("/platforms/{id}/evaluations", axum::routing::post(add_evaluation))
}

fn may_write(me: &Me) -> bool {
    me.role().may(Capability::WriteData) && me.role() != Role::EnterpriseUser
}

fn kind_label(lang: Lang, kind: &str) -> String {
    PlatformKind::parse(kind)
        .map_or_else(|_| kind.to_owned(), |k| if lang == Lang::En { k.name_en() } else { k.name_zh() }.to_owned())
}

fn status_label(lang: Lang, status: &str) -> String {
    t(lang, &format!("platforms.status_{status}")).to_owned()
}

struct Row {
    id: i64,
    name: String,
    kind: String,
    level: String,
    region: String,
    approved_on: String,
    status: String,
}

#[derive(Template)]
#[template(path = "platforms.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
    count_text: String,
    levels_text: String,
    q: String,
    kind_options: Vec<(String, String, bool)>,
    level_options: Vec<(String, String, bool)>,
    region_options: Vec<(String, String, bool)>,
    export_qs: String,
    can_write: bool,
    prev: Option<String>,
    next: Option<String>,
}

async fn names(state: &AppState, lang: Lang) -> AppResult<Vec<(String, String)>> {
    Ok(state
        .store
        .regions()
        .await?
        .into_iter()
        .map(|r| (r.code.to_string(), if lang == Lang::En { r.name_en } else { r.name_zh }))
        .collect())
}

fn row(lang: Lang, p: &Platform, names: &[(String, String)]) -> Row {
    Row {
        id: p.platform_id,
        name: p.name.clone(),
        kind: kind_label(lang, &p.kind),
        level: t_level(lang, &p.level),
        region: names
            .iter()
            .find(|(c, _)| *c == p.region_code)
            .map_or_else(|| p.region_code.clone(), |(_, n)| n.clone()),
        approved_on: p.approved_on.map(|d| Tr(lang).date(d)).unwrap_or_default(),
        status: status_label(lang, &p.status),
    }
}

fn qs(q: &PlatformQuery) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("q", &q.q), ("region", &q.region), ("kind", &q.kind), ("level", &q.level), ("date", &q.date)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

async fn list_page(State(state): State<AppState>, me: Me, Query(q): Query<PlatformQuery>) -> AppResult<Response> {
    let lang = me.lang;
    let (f, page, per_page) = q.parse()?;
    let result = state.store.list_platforms(&me.scope(), &f, page, per_page).await?;
    let by_level = state
        .store
        .count_platforms_by_level(&me.scope(), f.approved_by.unwrap_or_else(|| time::OffsetDateTime::now_utc().date()))
        .await?;
    let names = names(&state, lang).await?;
    let query = qs(&q);
    let pages = (result.total + per_page - 1) / per_page;
    let link = |p: i64| format!("/platforms?{query}&page={p}&per_page={per_page}");
    let sel = |v: &Option<String>| v.clone().unwrap_or_default();
    let (kind_sel, level_sel, region_sel) = (sel(&q.kind), sel(&q.level), sel(&q.region));
    html(&ListPage {
        c: Chrome::for_user(&me, &format!("/platforms?{query}")).crumb(t(lang, "nav.platforms"), ""),
        rows: result.items.iter().map(|p| row(lang, p, &names)).collect(),
        count_text: tf(lang, "platforms.count", &[("count", result.total.to_string())]),
        levels_text: by_level.iter().map(|(l, n)| format!("{} {n}", t_level(lang, l))).collect::<Vec<_>>().join(" · "),
        q: sel(&q.q),
        kind_options: PlatformKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), kind_label(lang, k.as_str()), k.as_str() == kind_sel))
            .collect(),
        level_options: Level::ALL
            .iter()
            .map(|l| (l.as_str().to_owned(), t_level(lang, l.as_str()), l.as_str() == level_sel))
            .collect(),
        region_options: names.iter().map(|(c, n)| (c.clone(), format!("{n} {c}"), *c == region_sel)).collect(),
        export_qs: query.clone(),
        can_write: may_write(&me),
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
    })
}

#[derive(Template)]
#[template(path = "platform.html")]
struct DetailPage {
    c: Chrome,
    title: String,
    p: Option<Row>,
    host: Option<(i64, String)>,
    can_write: bool,
    action: String,
    f: FormValues,
    errors: Vec<String>,
    kind_options: Vec<(String, String, bool)>,
    level_options: Vec<(String, String, bool)>,
    status_options: Vec<(String, String, bool)>,
    region_options: Vec<(String, String, bool)>,
    /// (year, result label, note)
    evaluations: Vec<(i32, String, String)>,
    result_options: Vec<(String, String)>,
    this_year: i32,
}

#[derive(Default, Clone)]
struct FormValues {
    name: String,
    kind: String,
    level: String,
    host_organisation_id: String,
    region_code: String,
    reference: String,
    approved_on: String,
    status: String,
}

impl FormValues {
    fn parse(body: &[u8]) -> FormValues {
        let mut f = FormValues::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.trim().to_owned();
            match k.as_ref() {
                "name" => f.name = v,
                "kind" => f.kind = v,
                "level" => f.level = v,
                "host_organisation_id" => f.host_organisation_id = v,
                "region_code" => f.region_code = v,
                "reference" => f.reference = v,
                "approved_on" => f.approved_on = v,
                "status" => f.status = v,
                _ => {}
            }
        }
        f
    }

    fn from(p: &Platform) -> FormValues {
        FormValues {
            name: p.name.clone(),
            kind: p.kind.clone(),
            level: p.level.clone(),
            host_organisation_id: p.host_organisation_id.map(|h| h.to_string()).unwrap_or_default(),
            region_code: p.region_code.clone(),
            reference: p.reference.clone().unwrap_or_default(),
            approved_on: p.approved_on.map(|d| d.to_string()).unwrap_or_default(),
            status: p.status.clone(),
        }
    }

    fn body(&self) -> AppResult<PlatformBody> {
        let host = if self.host_organisation_id.is_empty() {
            None
        } else {
            Some(self.host_organisation_id.parse::<i64>().map_err(|_| {
                AppError::invalid(
                    "platform.unknown_host",
                    vec![("value", self.host_organisation_id.clone())],
                    "host_organisation_id",
                )
            })?)
        };
        Ok(PlatformBody {
            name: self.name.clone(),
            kind: self.kind.clone(),
            level: self.level.clone(),
            host_organisation_id: host,
            region_code: self.region_code.clone(),
            reference: Some(self.reference.clone()),
            approved_on: Some(self.approved_on.clone()),
            status: Some(self.status.clone()),
        })
    }
}

async fn render(state: &AppState, me: &Me, id: Option<i64>, f: FormValues, errors: Vec<String>) -> AppResult<Response> {
    let lang = me.lang;
    let names = names(state, lang).await?;
    let (p, host, title) = match id {
        Some(id) => {
            let p = state.store.platform(&me.scope(), id).await?;
            let host = match p.host_organisation_id {
                Some(h) => {
                    state.store.organisation(&gaodi_domain::access::Scope::All, h).await.ok().map(|o| (h, o.name))
                }
                None => None,
            };
            (Some(row(lang, &p, &names)), host, p.name.clone())
        }
        None => (None, None, t(lang, "platforms.new").to_owned()),
    };
    let scope_codes = state.store.scope_regions(&me.scope()).await?;
    let evaluations = match id {
        Some(id) => state
            .store
            .platform_evaluations(&me.scope(), id)
            .await?
            .into_iter()
            .map(|e| (e.year, t(lang, &format!("platforms.result_{}", e.result)).to_owned(), e.note))
            .collect(),
        None => Vec::new(),
    };
    let mut res = html(&DetailPage {
        evaluations,
        result_options: gaodi_store::platform::EVALUATION_RESULTS
            .iter()
            .map(|r| ((*r).to_owned(), t(lang, &format!("platforms.result_{r}")).to_owned()))
            .collect(),
        this_year: time::OffsetDateTime::now_utc().year() - 1,
        c: Chrome::for_user(me, &id.map_or_else(|| "/platforms/new".to_owned(), |i| format!("/platforms/{i}")))
            .crumb(t(lang, "nav.platforms"), "/platforms")
            .crumb(title.clone(), ""),
        title,
        p,
        host,
        can_write: may_write(me),
        action: id.map_or_else(|| "/platforms".to_owned(), |i| format!("/platforms/{i}")),
        kind_options: PlatformKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), kind_label(lang, k.as_str()), k.as_str() == f.kind))
            .collect(),
        level_options: Level::ALL
            .iter()
            .map(|l| (l.as_str().to_owned(), t_level(lang, l.as_str()), l.as_str() == f.level))
            .collect(),
        status_options: PLATFORM_STATUSES
            .iter()
            .map(|s| ((*s).to_owned(), status_label(lang, s), *s == f.status))
            .collect(),
        region_options: names
            .iter()
            .filter(|(c, _)| scope_codes.as_ref().is_none_or(|s| s.contains(c)))
            .map(|(c, n)| (c.clone(), format!("{n} {c}"), *c == f.region_code))
            .collect(),
        f,
        errors: errors.clone(),
    })?;
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn detail_page(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    let p = state.store.platform(&me.scope(), id).await?;
    render(&state, &me, Some(id), FormValues::from(&p), Vec::new()).await
}

async fn new_page(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    if !may_write(&me) {
        return Err(AppError::forbidden());
    }
    let f = FormValues {
        kind: "enterprise_tech_centre".into(),
        level: "municipal".into(),
        status: "operating".into(),
        ..FormValues::default()
    };
    render(&state, &me, None, f, Vec::new()).await
}

async fn save(state: &AppState, me: &Me, id: Option<i64>, body: &[u8]) -> AppResult<Response> {
    if !may_write(me) {
        return Err(AppError::forbidden());
    }
    let f = FormValues::parse(body);
    let result = match f.body().and_then(|b| b.parse()) {
        Ok(new) => match id {
            None => state.store.create_platform(&me.actor(), &me.scope(), &new).await.map_err(AppError::from),
            Some(id) => state.store.update_platform(&me.actor(), &me.scope(), id, &new).await.map_err(AppError::from),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(see_other(&format!("/platforms/{}", p.platform_id))),
        Err(e)
            if e.status.is_client_error()
                && e.status != axum::http::StatusCode::FORBIDDEN
                && e.status != axum::http::StatusCode::NOT_FOUND =>
        {
            let msg = message(me.lang, &e);
            render(state, me, id, f, vec![msg]).await
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

async fn add_evaluation(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    if !may_write(&me) {
        return Err(AppError::forbidden());
    }
    let field =
        |name: &str| url::form_urlencoded::parse(&body).find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned());
    let year = field("year").unwrap_or_default();
    let result = match year.parse::<i32>() {
        Ok(y) => state
            .store
            .add_platform_evaluation(
                &me.actor(),
                &me.scope(),
                id,
                y,
                &field("result").unwrap_or_default(),
                &field("note").unwrap_or_default(),
            )
            .await
            .map_err(AppError::from),
        Err(_) => Err(AppError::invalid("import.bad_year", vec![("value", year)], "year")),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/platforms/{id}#evaluations"))),
        Err(e)
            if e.status.is_client_error()
                && e.status != axum::http::StatusCode::FORBIDDEN
                && e.status != axum::http::StatusCode::NOT_FOUND =>
        {
            let p = state.store.platform(&me.scope(), id).await?;
            let msg = message(me.lang, &e);
            render(&state, &me, Some(id), FormValues::from(&p), vec![msg]).await
        }
        Err(e) => Err(e),
    }
}

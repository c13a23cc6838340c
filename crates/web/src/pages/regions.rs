//! The region tree with a year picker, and a region's page.

use std::fmt::Write as _;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use gaodi_domain::access::Capability;
use gaodi_domain::region::{Hierarchy, RegionCode, TreeNode};
use serde::Deserialize;

use super::{html, message, see_other, Chrome};
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/regions", get(tree_page)).route("/regions/{code}", get(region_page).post(rename))
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn kind_label(lang: Lang, kind: &str) -> String {
    t(lang, &format!("kind.{kind}")).to_owned()
}

fn render_tree(lang: Lang, nodes: &[TreeNode], out: &mut String) {
    out.push_str("<ul>");
    for n in nodes {
        let r = &n.region;
        let name = if lang == Lang::En { &r.name_en } else { &r.name_zh };
        let level =
            r.park_level.map(|l| format!(" · {}", t(lang, &format!("park_level.{}", l.as_str())))).unwrap_or_default();
        let _ = write!(
            out,
            r#"<li data-code="{code}"><a href="/regions/{code}">{name}</a> <span class="muted">{code} · {kind}{level}</span>"#,
            code = esc(r.code.as_str()),
            name = esc(name),
            kind = esc(&kind_label(lang, r.kind.as_str())),
            level = esc(&level),
        );
        if !n.children.is_empty() {
            render_tree(lang, &n.children, out);
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

#[derive(Deserialize)]
struct TreeQuery {
    year: Option<String>,
    hierarchy: Option<String>,
}

#[derive(Template)]
#[template(path = "regions.html")]
struct TreePage {
    c: Chrome,
    years: Vec<(i32, bool)>,
    hierarchy: String,
    tree_html: String,
    count_text: String,
}

/// Parses the `year` and `hierarchy` query parameters (defaults: this year, administrative).
pub fn parse_tree_query(year: Option<&str>, hierarchy: Option<&str>) -> AppResult<(i32, Hierarchy)> {
    let this_year = time::OffsetDateTime::now_utc().year();
    let year = match year.filter(|y| !y.is_empty()) {
        None => this_year,
        Some(y) => y.parse::<i32>().ok().filter(|y| (1949..=2100).contains(y)).ok_or_else(|| {
            AppError::bad_request("error.bad_query").arg("name", "year").arg("value", y).arg("expected", "1949-2100")
        })?,
    };
    let hierarchy = match hierarchy.filter(|h| !h.is_empty()) {
        None => Hierarchy::Administrative,
        Some(h) => Hierarchy::parse(h).map_err(|e| AppError::bad_request(e.code()).field("hierarchy"))?,
    };
    Ok((year, hierarchy))
}

async fn tree_page(State(state): State<AppState>, me: Me, Query(q): Query<TreeQuery>) -> AppResult<Response> {
    me.require(Capability::ReadRegions)?;
    let (year, hierarchy) = parse_tree_query(q.year.as_deref(), q.hierarchy.as_deref())?;
    let tree = state.store.region_tree(year, hierarchy).await?;
    fn count(n: &[TreeNode]) -> usize {
        n.iter().map(|x| 1 + count(&x.children)).sum()
    }
    let mut tree_html = String::new();
    render_tree(me.lang, &tree, &mut tree_html);
    let this_year = time::OffsetDateTime::now_utc().year();
    let mut years: Vec<i32> = (2010..=this_year.max(year)).rev().collect();
    if !years.contains(&year) {
        years.push(year);
    }
    let path = format!("/regions?year={year}&hierarchy={}", hierarchy.as_str());
    html(&TreePage {
        c: Chrome::for_user(&me, &path).crumb(t(me.lang, "regions.title"), ""),
        years: years.iter().map(|y| (*y, *y == year)).collect(),
        hierarchy: hierarchy.as_str().to_owned(),
        tree_html,
        count_text: tf(me.lang, "regions.count", &[("year", year.to_string()), ("count", count(&tree).to_string())]),
    })
}

struct MembershipRow {
    relation: String,
    hierarchy: String,
    other_code: String,
    other_name: String,
    valid_from: i32,
    valid_to: String,
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    c: Chrome,
    code: String,
    name: String,
    name_zh: String,
    name_en: String,
    kind: String,
    park_level: String,
    memberships: Vec<MembershipRow>,
    can_edit: bool,
    errors: Vec<String>,
}

fn parse_code(code: &str) -> AppResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| AppError::bad_request(e.code()).field("code").arg("value", code))
}

async fn render_region(state: &AppState, me: &Me, code: &RegionCode, errors: Vec<String>) -> AppResult<Response> {
    let d = state.store.region_detail(code).await?;
    let regions = state.store.regions().await?;
    let name_of = |c: &RegionCode| {
        regions
            .iter()
            .find(|r| r.code == *c)
            .map(|r| if me.lang == Lang::En { r.name_en.clone() } else { r.name_zh.clone() })
            .unwrap_or_default()
    };
    let lang = me.lang;
    let row = |relation: &str, other: &RegionCode, m: &gaodi_domain::region::Membership| MembershipRow {
        relation: t(lang, relation).to_owned(),
        hierarchy: t(lang, &format!("hierarchy.{}", m.hierarchy.as_str())).to_owned(),
        other_code: other.to_string(),
        other_name: name_of(other),
        valid_from: m.valid_from,
        valid_to: m.valid_to.map(|y| y.to_string()).unwrap_or_default(),
    };
    let mut memberships: Vec<MembershipRow> = d.parents.iter().map(|m| row("regions.child_of", &m.parent, m)).collect();
    memberships.extend(d.children.iter().map(|m| row("regions.parent_of", &m.child, m)));
    let r = &d.region;
    let name = if lang == Lang::En { r.name_en.clone() } else { r.name_zh.clone() };
    let c = Chrome::for_user(me, &format!("/regions/{code}"))
        .crumb(t(lang, "regions.title"), "/regions")
        .crumb(name.clone(), "");
    let mut res = html(&RegionPage {
        c,
        code: r.code.to_string(),
        name,
        name_zh: r.name_zh.clone(),
        name_en: r.name_en.clone(),
        kind: kind_label(lang, r.kind.as_str()),
        park_level: r.park_level.map(|l| t(lang, &format!("park_level.{}", l.as_str())).to_owned()).unwrap_or_default(),
        memberships,
        can_edit: me.role().may(Capability::EditRegions),
        errors: errors.clone(),
    })?;
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn region_page(State(state): State<AppState>, me: Me, Path(code): Path<String>) -> AppResult<Response> {
    me.require(Capability::ReadRegions)?;
    let code = parse_code(&code)?;
    render_region(&state, &me, &code, Vec::new()).await
}

#[derive(Deserialize)]
struct RenameForm {
    name_zh: String,
    name_en: String,
}

async fn rename(
    State(state): State<AppState>,
    me: Me,
    Path(code): Path<String>,
    Form(f): Form<RenameForm>,
) -> AppResult<Response> {
    me.require(Capability::EditRegions)?;
    let code = parse_code(&code)?;
    match state.store.rename_region(&me.actor(), &code, &f.name_zh, &f.name_en).await {
        Ok(_) => Ok(see_other(&format!("/regions/{code}"))),
        Err(gaodi_store::StoreError::Invalid { code: c, args, field }) => {
            let e = AppError { status: axum::http::StatusCode::UNPROCESSABLE_ENTITY, code: c, args, field };
            render_region(&state, &me, &code, vec![message(me.lang, &e)]).await
        }
        Err(e) => Err(e.into()),
    }
}

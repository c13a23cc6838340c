//! The cultivation pool (培育库): the near misses of next year's HNTE and S&T SME screening,
//! ranked by gap size, and the 高企 certificates expiring in the next 12 months. The screening
//! itself is `api::policy::screen` (shared with the API and the export); who sees the page is
//! said there.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gaodi_domain::rules::cultivation::NEAR_MISS_MAX_FAILED;
use gaodi_domain::rules::explain::outcome_label;

use super::{html, Chrome};
use crate::api::policy::{outcome_class, page_of, rules_lang, screen, PoolQuery};
use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::{t, tf, Lang, Tr};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/cultivation", get(pool_page))
}

struct EntryRow {
    rank: usize,
    organisation_id: i64,
    name: String,
    uscc: String,
    region: String,
    rule: String,
    outcome: String,
    outcome_class: &'static str,
    failed: u32,
    shortfall: String,
    gaps: Vec<String>,
}

struct ExpiringRow {
    organisation_id: i64,
    name: String,
    uscc: String,
    region: String,
    number: String,
    issued_on: String,
    expires_on: String,
}

#[derive(Template)]
#[template(path = "cultivation.html")]
struct PoolPage {
    c: Chrome,
    year: String,
    rule: String,
    region_options: Vec<(String, String, bool)>,
    ranking: String,
    summaries: Vec<String>,
    hint: Option<(String, String)>,
    count_text: String,
    rows: Vec<EntryRow>,
    export_qs: String,
    prev: Option<String>,
    next: Option<String>,
    page_text: String,
    expiring_title: String,
    expiring: Vec<ExpiringRow>,
}

async fn pool_page(State(state): State<AppState>, me: Me, Query(q): Query<PoolQuery>) -> AppResult<Response> {
    let lang = me.lang;
    let rl = rules_lang(lang);
    let filter = q.parse()?;
    let pool = screen(&state, &me, filter).await?;
    let regions = state.store.regions().await?;
    let name_of = |code: &str| {
        regions
            .iter()
            .find(|r| r.code.as_str() == code)
            .map_or_else(|| code.to_owned(), |r| if lang == Lang::En { r.name_en.clone() } else { r.name_zh.clone() })
    };
    let f = &pool.filter;
    let first = (f.page - 1) * f.per_page;
    let rows = page_of(&pool)
        .iter()
        .enumerate()
        .map(|(i, e)| EntryRow {
            rank: first + i + 1,
            organisation_id: e.organisation_id,
            name: e.name.clone(),
            uscc: e.uscc.clone(),
            region: name_of(&e.region_code),
            rule: if lang == Lang::En { e.rule.name_en() } else { e.rule.name_zh() }.to_owned(),
            outcome: outcome_label(e.outcome, rl).to_owned(),
            outcome_class: outcome_class(e.outcome),
            failed: e.size.failed,
            shortfall: e.shortfall_text(),
            gaps: e.gaps_in_words(lang),
        })
        .collect();
    let summaries = pool
        .summaries
        .iter()
        .map(|s| {
            let rule = gaodi_domain::rules::RuleKind::parse(s.rule).map_or(s.rule, |r| {
                if lang == Lang::En {
                    r.name_en()
                } else {
                    r.name_zh()
                }
            });
            tf(
                lang,
                "cultivation.summary",
                &[
                    ("rule", rule.to_owned()),
                    ("screened", s.screened.to_string()),
                    ("not_screened", s.not_screened.to_string()),
                    ("year", (f.year - 1).to_string()),
                    ("eligible", s.eligible.to_string()),
                    ("near", s.near_misses.to_string()),
                    ("unknown", s.unknown_no_failure.to_string()),
                    ("far", s.far.to_string()),
                ],
            )
        })
        .collect();
    let qs = q.filters_qs();
    let hint = pool.latest_figures.filter(|latest| latest + 1 != f.year).map(|latest| {
        let mut link = PoolQuery { year: Some((latest + 1).to_string()), ..q.clone() };
        link.page = None;
        (
            tf(lang, "cultivation.figures_hint", &[("year", latest.to_string()), ("next", (latest + 1).to_string())]),
            format!("/cultivation?{}", link.filters_qs()),
        )
    });
    let total = pool.entries.len();
    let pages = total.div_ceil(f.per_page).max(1);
    let link =
        |p: usize| format!("/cultivation?{qs}{}page={p}&per_page={}", if qs.is_empty() { "" } else { "&" }, f.per_page);
    let region_sel = q.region.clone().unwrap_or_default();
    let expiring = pool
        .expiring
        .iter()
        .map(|c| ExpiringRow {
            organisation_id: c.organisation_id,
            name: c.organisation_name.clone(),
            uscc: c.uscc.clone(),
            region: name_of(&c.region_code),
            number: c.number.clone().unwrap_or_default(),
            issued_on: Tr(lang).date(c.issued_on),
            expires_on: Tr(lang).date(c.expires_on),
        })
        .collect();
    html(&PoolPage {
        c: Chrome::for_user(&me, &format!("/cultivation?{qs}")).crumb(t(lang, "nav.cultivation"), ""),
        year: f.year.to_string(),
        rule: q.rule.clone().unwrap_or_default(),
        region_options: regions
            .iter()
            .map(|r| {
                let code = r.code.to_string();
                let name = if lang == Lang::En { &r.name_en } else { &r.name_zh };
                (code.clone(), format!("{name} {code}"), code == region_sel)
            })
            .collect(),
        ranking: tf(lang, "cultivation.ranking", &[("max", NEAR_MISS_MAX_FAILED.to_string())]),
        summaries,
        hint,
        count_text: tf(lang, "cultivation.count", &[("count", total.to_string())]),
        rows,
        export_qs: qs.clone(),
        prev: (f.page > 1).then(|| link(f.page - 1)),
        next: (f.page < pages).then(|| link(f.page + 1)),
        page_text: tf(lang, "common.page_of", &[("page", f.page.to_string()), ("pages", pages.to_string())]),
        expiring_title: tf(
            lang,
            "cultivation.expiring",
            &[("from", Tr(lang).date(pool.expiring_from)), ("to", Tr(lang).date(pool.expiring_to))],
        ),
        expiring,
    })
}

//! The district innovation index page: scores, ranks and pillar bars per district, what-if
//! weights recomputed at once (htmx swaps the result), rank intervals under perturbed weights,
//! and which indicators moved each district between two years.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{html, Chrome};
use crate::api::composite::{compute, IndexQuery};
use crate::auth::Me;
use crate::composite::IndexResult;
use crate::error::AppResult;
use crate::i18n::t;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/composite-index", get(page))
}

/// A district's line as the page shows it.
pub struct Line {
    pub rank: String,
    pub name: String,
    pub href: String,
    pub score: String,
    pub bar: u32,
    pub pillars: Vec<(String, u32)>,
    pub interval: String,
    pub change: String,
    pub change_class: &'static str,
    pub drivers: String,
}

/// A weight input.
pub struct WeightInput {
    pub code: String,
    pub name: String,
    pub value: String,
    pub defined: String,
    pub is_aggregate: bool,
    pub changed: bool,
}

#[derive(Template)]
#[template(path = "composite.html")]
struct Page {
    c: Chrome,
    r: IndexResult,
    lines: Vec<Line>,
    weights: Vec<WeightInput>,
    region: String,
    years: Vec<(String, bool)>,
    compare_years: Vec<(String, bool)>,
    what_if: bool,
    api: String,
}

fn fmt1(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn bar(v: Option<f64>) -> u32 {
    v.map_or(0, |v| v.clamp(0.0, 100.0).round() as u32)
}

fn trim_weight(w: f64) -> String {
    let s = format!("{w:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

async fn page(
    State(state): State<AppState>,
    me: Me,
    Query(raw): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let q = IndexQuery::parse(&raw)?;
    let r = compute(&state, &me, &q).await?;
    let lang = me.lang;
    let region = raw.get("region").cloned().unwrap_or_default();
    let lines = r
        .units
        .iter()
        .map(|u| Line {
            rank: u.rank.map(|x| x.to_string()).unwrap_or_default(),
            name: u.name.clone(),
            href: format!("/indicators?region={}&period={}", u.region, r.year),
            score: fmt1(u.score),
            bar: bar(u.score),
            pillars: u.pillars.iter().map(|p| (fmt1(*p), bar(*p))).collect(),
            interval: match (u.rank_low, u.rank_high, u.rank_kept) {
                (Some(l), Some(h), Some(k)) => format!("{l}–{h} · {:.0}%", k * 100.0),
                _ => String::new(),
            },
            change: match (u.compare_rank, u.rank_change) {
                (Some(c), Some(d)) if d > 0 => format!("{c} → ↑{d}"),
                (Some(c), Some(d)) if d < 0 => format!("{c} → ↓{}", -d),
                (Some(c), Some(_)) => format!("{c} → ="),
                _ => String::new(),
            },
            change_class: match u.rank_change {
                Some(d) if d > 0 => "ok",
                Some(d) if d < 0 => "bad",
                _ => "grey",
            },
            drivers: u
                .top_contributions
                .iter()
                .map(|c| format!("{} {:+.1}", c.name, c.total))
                .collect::<Vec<_>>()
                .join("；"),
        })
        .collect();
    let weights = r
        .weights
        .iter()
        .map(|w| WeightInput {
            code: w.code.clone(),
            name: w.name.clone(),
            value: trim_weight(w.used),
            defined: trim_weight(w.defined),
            is_aggregate: w.is_aggregate,
            changed: (w.used - w.defined).abs() > 1e-12,
        })
        .collect();
    let years: Vec<(String, bool)> = (r.year - 5..=r.year + 1).rev().map(|y| (y.to_string(), y == r.year)).collect();
    let compare_years: Vec<(String, bool)> =
        (r.year - 6..r.year).rev().map(|y| (y.to_string(), Some(y) == r.compare)).collect();
    let mut qs: Vec<String> = raw.iter().map(|(k, v)| format!("{k}={v}")).collect();
    qs.sort();
    html(&Page {
        c: Chrome::for_user(&me, &format!("/composite-index?{}", qs.join("&"))).crumb(t(lang, "composite.title"), ""),
        what_if: !q.overrides.is_empty(),
        api: format!("/api/v1/composite-index?{}", qs.join("&")),
        r,
        lines,
        weights,
        region,
        years,
        compare_years,
    })
}

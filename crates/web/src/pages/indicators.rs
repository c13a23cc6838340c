//! The indicator pages: every indicator of a region and period with its target and status,
//! and one indicator with everything behind its value (drill-down to facts and records).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gaodi_domain::indicator::engine::{ranking, row, table, Engine, Row, Source};
use gaodi_domain::period::Period;
use serde::Deserialize;

use super::{html, Chrome};
use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::{t, tf, Lang};
use crate::indicators::{check_reader, inputs, record_href, region_name, resolve, targets};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/indicators", get(list_page)).route("/indicators/{indicator}", get(detail_page))
}

#[derive(Deserialize, Default)]
pub struct Where {
    region: Option<String>,
    period: Option<String>,
}

/// One line of the indicator table as the page shows it.
pub struct RowView {
    pub code: String,
    pub name: String,
    pub value: String,
    pub unit: String,
    pub target: String,
    pub completion: String,
    pub status: String,
    pub status_label: String,
    /// The CSS class of the status badge (colour comes with the text label, never alone).
    pub status_class: &'static str,
    pub reason: String,
    pub href: String,
}

fn status_label(lang: Lang, status: &str) -> String {
    t(lang, &format!("indicators.status_{status}")).to_owned()
}

fn reason_text(lang: Lang, code: &str, args: &[(String, String)]) -> String {
    let args: Vec<(&str, String)> = args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    tf(lang, code, &args)
}

fn view(lang: Lang, r: &Row, region: &str, period: Period) -> RowView {
    let zh = lang == Lang::Zh;
    RowView {
        code: r.code.clone(),
        name: if zh { r.name_zh.clone() } else { r.name_en.clone() },
        value: r.cell.value.clone().unwrap_or_default(),
        unit: if zh { r.unit_zh.clone() } else { r.unit_en.clone() },
        target: match (&r.comparator, &r.target) {
            (Some(c), Some(v)) => format!("{} {v}", c.symbol()),
            _ => String::new(),
        },
        completion: r.completion.clone().map(|c| format!("{c}%")).unwrap_or_default(),
        status: r.assessment.status.as_str().to_owned(),
        status_label: status_label(lang, r.assessment.status.as_str()),
        status_class: match r.assessment.status.as_str() {
            "achieved" => "ok",
            "on_track" => "info",
            "at_risk" => "warn",
            "off_track" => "bad",
            _ => "grey",
        },
        reason: r.cell.no_value.as_ref().map(|n| reason_text(lang, &n.code, &n.args)).unwrap_or_default(),
        href: format!("/indicators/{}?region={region}&period={period}", r.code),
    }
}

/// (value, label, selected) options of the region picker: the parent, the region, its
/// children and parks.
fn region_options(engine: &Engine<'_>, lang: Lang, region: &str, year: i32) -> Vec<(String, String, bool)> {
    let name = |c: &str| region_name(engine.inputs(), c, lang);
    let mut codes: Vec<&str> = Vec::new();
    if let Some(p) = engine.parent(region, year) {
        codes.push(p);
        codes.extend(engine.children(p, year));
        codes.extend(engine.parks(p, year));
    }
    if !codes.contains(&region) {
        codes.push(region);
    }
    for c in engine.children(region, year).into_iter().chain(engine.parks(region, year)) {
        if !codes.contains(&c) {
            codes.push(c);
        }
    }
    codes.into_iter().map(|c| (c.to_owned(), name(c), c == region)).collect()
}

fn period_options(engine: &Engine<'_>, period: Period) -> Vec<(String, bool)> {
    let last = crate::indicators::default_year(engine.inputs()).max(period.year());
    let first = engine.inputs().facts.iter().map(|f| f.period.year()).min().unwrap_or(last).min(period.year());
    let mut out: Vec<(String, bool)> =
        (first.max(last - 9)..=last).rev().map(|y| (y.to_string(), y.to_string() == period.to_string())).collect();
    if !out.iter().any(|(_, s)| *s) {
        out.insert(0, (period.to_string(), true));
    }
    out
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct ListPage {
    c: Chrome,
    region: String,
    region_name: String,
    period: String,
    regions: Vec<(String, String, bool)>,
    periods: Vec<(String, bool)>,
    rows: Vec<RowView>,
    errors: Vec<String>,
}

async fn list_page(State(state): State<AppState>, me: Me, Query(q): Query<Where>) -> AppResult<Response> {
    check_reader(&me)?;
    let inputs = inputs(&state, &me).await?;
    let (engine, errors) = Engine::new(&inputs);
    let (region, period) = resolve(&engine, &me, q.region.as_deref(), q.period.as_deref())?;
    let targets = targets(&state, &me, period.year()).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let rows =
        table(&engine, &region, period, &targets, today).iter().map(|r| view(me.lang, r, &region, period)).collect();
    let name = region_name(&inputs, &region, me.lang);
    html(&ListPage {
        c: Chrome::for_user(&me, &format!("/indicators?region={region}&period={period}"))
            .crumb(t(me.lang, "indicators.title"), ""),
        region: region.clone(),
        region_name: name,
        period: period.to_string(),
        regions: region_options(&engine, me.lang, &region, period.year()),
        periods: period_options(&engine, period),
        rows,
        errors: errors.iter().map(|e| format!("{} ({}): {}", e.code, e.valid_from, e.message)).collect(),
    })
}

/// A fact behind a value, with its provenance.
pub struct FactView {
    pub region: String,
    pub period: String,
    pub value: String,
    pub source: String,
    pub revision: i64,
    pub current: bool,
    pub origin: String,
    pub by: String,
    pub at: String,
}

/// A group of sources of one kind.
pub struct SourceView {
    pub title: String,
    pub facts: Vec<FactView>,
    pub records: Vec<(String, Option<String>)>,
    pub count: usize,
    pub link: Option<(String, String)>,
}

/// A line of the children table.
pub struct ChildView {
    pub name: String,
    pub value: String,
    pub rank: String,
    pub href: String,
    /// Bar width in percent of the largest value.
    pub bar: u32,
}

#[derive(Template)]
#[template(path = "indicator.html")]
struct DetailPage {
    c: Chrome,
    row: RowView,
    region_name: String,
    period: String,
    formula: String,
    aggregation: String,
    regions: Vec<(String, String, bool)>,
    periods: Vec<(String, bool)>,
    trend: Vec<(String, String)>,
    children: Vec<ChildView>,
    sources: Vec<SourceView>,
    api: String,
}

#[allow(clippy::too_many_lines)]
async fn detail_page(
    State(state): State<AppState>,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<Where>,
) -> AppResult<Response> {
    check_reader(&me)?;
    let lang = me.lang;
    let zh = lang == Lang::Zh;
    let inputs = inputs(&state, &me).await?;
    let (region, period) = resolve(&Engine::new(&inputs).0, &me, q.region.as_deref(), q.period.as_deref())?;
    let targets = targets(&state, &me, period.year()).await?;
    let name = |c: &str| region_name(&inputs, c, lang);
    // Everything the engine computes, before any further database access (the engine is not
    // shared across threads).
    let (def, line, trend, children, regions, periods, sources) = {
        let (engine, _) = Engine::new(&inputs);
        let Some(def) = engine.definition(&code, period.year()).cloned() else {
            return Err(crate::error::AppError::not_found());
        };
        let today = time::OffsetDateTime::now_utc().date();
        let line = row(&engine, &code, &region, period, &targets, today);
        let trend: Vec<(String, String)> = (period.year() - 4..=period.year())
            .filter_map(|y| Period::parse(&y.to_string()).ok())
            .map(|p| (p.to_string(), engine.cell(&code, &region, p).value.unwrap_or_else(|| "—".to_owned())))
            .collect();
        let ranked = ranking(&engine, &code, &region, period);
        let max = ranked.iter().filter_map(|(c, _)| c.value_e4).map(i64::abs).max().unwrap_or(0);
        let children: Vec<ChildView> = ranked
            .iter()
            .map(|(cell, rank)| ChildView {
                name: name(&cell.region),
                value: cell.value.clone().unwrap_or_else(|| "—".to_owned()),
                rank: rank.map(|r| r.to_string()).unwrap_or_default(),
                href: format!("/indicators/{code}?region={}&period={period}", cell.region),
                bar: match (cell.value_e4, max) {
                    (Some(v), m) if m > 0 => u32::try_from(v.abs() * 100 / m).unwrap_or(0),
                    _ => 0,
                },
            })
            .collect();
        let sources = engine.sources(&code, &region, period);
        let regions = region_options(&engine, lang, &region, period.year());
        let periods = period_options(&engine, period);
        (def, line, trend, children, regions, periods, sources)
    };
    let mut views = Vec::new();
    for s in sources {
        match s {
            Source::Facts { measure, region: r, period: p, fact_ids } => {
                let mut facts = Vec::new();
                let mine: Vec<&gaodi_domain::indicator::engine::FactIn> =
                    inputs.facts.iter().filter(|f| fact_ids.contains(&f.fact_id)).collect();
                let keys: std::collections::BTreeSet<(String, String)> =
                    mine.iter().map(|f| (f.region.clone(), f.period.to_string())).collect();
                for (reg, per) in &keys {
                    for f in state.store.fact_history(&me.scope(), &measure, reg, per).await?.into_iter().take(20) {
                        facts.push(FactView {
                            region: name(reg),
                            period: f.period.clone(),
                            value: f.value_text(),
                            source: f.source.clone(),
                            revision: f.revision,
                            current: f.is_current,
                            origin: f.origin.clone(),
                            by: f.created_by.clone(),
                            at: f.created_at.date().to_string(),
                        });
                    }
                }
                let mname = inputs
                    .measures
                    .iter()
                    .find(|m| m.code == measure)
                    .map_or_else(|| measure.clone(), |m| if zh { m.name_zh.clone() } else { m.name_en.clone() });
                views.push(SourceView {
                    title: tf(
                        lang,
                        "indicators.source_facts",
                        &[("measure", mname), ("region", name(&r)), ("period", p)],
                    ),
                    count: facts.len(),
                    facts,
                    records: Vec::new(),
                    link: None,
                });
            }
            Source::Records { entity, query, region: r, period: p, ids } => {
                let shown: Vec<i64> = ids.iter().copied().take(crate::indicators::MAX_LISTED).collect();
                let labels = state.store.record_labels(entity, &shown).await?;
                views.push(SourceView {
                    title: tf(
                        lang,
                        "indicators.source_records",
                        &[("query", query), ("region", name(&r)), ("period", p)],
                    ),
                    count: ids.len(),
                    facts: Vec::new(),
                    records: shown
                        .iter()
                        .map(|id| {
                            (labels.get(id).cloned().unwrap_or_else(|| format!("#{id}")), record_href(entity, *id))
                        })
                        .collect(),
                    link: None,
                });
            }
            Source::Indicator { code: c, region: r, period: p, value } => {
                let iname = inputs
                    .definitions
                    .iter()
                    .filter(|d| d.code == c && d.valid_in(period.year()))
                    .max_by_key(|d| d.valid_from)
                    .map_or_else(|| c.clone(), |d| d.name(zh).to_owned());
                let text = format!("{iname}: {}", value.unwrap_or_else(|| "—".to_owned()));
                views.push(SourceView {
                    title: tf(lang, "indicators.source_indicator", &[("name", iname)]),
                    count: 1,
                    facts: Vec::new(),
                    records: Vec::new(),
                    link: Some((text, format!("/indicators/{c}?region={r}&period={p}"))),
                });
            }
        }
    }
    let sources = views;
    let aggregation = tf(
        lang,
        "indicators.aggregation_text",
        &[
            ("space", t(lang, &format!("indicators.space_{}", def.space.as_str())).to_owned()),
            ("time", t(lang, &format!("indicators.time_{}", def.time.as_str())).to_owned()),
            ("decimals", def.decimals.to_string()),
        ],
    );
    html(&DetailPage {
        c: Chrome::for_user(&me, &format!("/indicators/{code}?region={region}&period={period}"))
            .crumb(t(lang, "indicators.title"), &format!("/indicators?region={region}&period={period}"))
            .crumb(def.name(zh), ""),
        row: view(lang, &line, &region, period),
        region_name: name(&region),
        period: period.to_string(),
        formula: def.formula.clone().unwrap_or_else(|| t(lang, "indicators.reported").to_owned()),
        aggregation,
        regions,
        periods,
        trend,
        children,
        sources,
        api: format!("/api/v1/indicators/{code}?region={region}&period={period}"),
    })
}

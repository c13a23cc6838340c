//! What the indicator API and pages share: the engine's inputs for a caller's scope (cached
//! until the next write anywhere), the default region and period, and the cockpit's content.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use gaodi_domain::access::Scope;
use gaodi_domain::indicator::engine::{ranking, row, table, Engine, Inputs, Row, TargetIn};
use gaodi_domain::period::{Period, PeriodKind};
use serde_json::{json, Value};

use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::AppState;

/// How many records a drill-down lists by name (a city's registries stay below it; beyond it
/// the count is exact and the list is cut, said on the page).
pub const MAX_LISTED: usize = 5000;

/// Who may read indicators, targets and the cockpit: everyone with a region scope.
pub const INDICATOR_READERS: &[&str] = &["admin", "city_staff", "district_staff", "leader"];

/// The engine inputs per scope, valid while the audit log's head stays where it was (every
/// write moves it, so no figure is ever stale).
#[derive(Default)]
pub struct IndicatorCache {
    inner: Mutex<HashMap<String, (i64, Arc<Inputs>)>>,
}

fn scope_key(scope: &Scope) -> String {
    format!("{scope:?}")
}

/// Refuses callers who may not read indicators.
pub fn check_reader(me: &Me) -> AppResult<()> {
    if INDICATOR_READERS.contains(&me.role().as_str()) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// The engine inputs for the caller's scope.
pub async fn inputs(state: &AppState, me: &Me) -> AppResult<Arc<Inputs>> {
    let scope = me.scope();
    let key = scope_key(&scope);
    let generation = state.store.write_generation().await?;
    if let Some((g, inputs)) = state.indicators.inner.lock().map_err(|_| AppError::internal())?.get(&key) {
        if *g == generation {
            return Ok(inputs.clone());
        }
    }
    let inputs = Arc::new(state.store.indicator_inputs(&scope).await?);
    state.indicators.inner.lock().map_err(|_| AppError::internal())?.insert(key, (generation, inputs.clone()));
    Ok(inputs)
}

/// The region a caller sees first: the highest region with more than one child in `year`
/// (the city), or the first region of a district user's scope.
pub fn default_region(engine: &Engine<'_>, me: &Me, year: i32) -> Option<String> {
    if let Scope::Regions { regions } = me.scope() {
        return regions.first().map(ToString::to_string);
    }
    let inputs = engine.inputs();
    let mut best: Option<(usize, &str)> = None;
    for r in inputs.regions.iter().filter(|r| !r.is_park) {
        let children = engine.children(&r.code, year).len();
        if children > 1 {
            // Depth: the number of ancestors; the highest wins.
            let mut depth = 0;
            let mut at = r.code.as_str();
            while let Some(p) = engine.parent(at, year) {
                depth += 1;
                at = p;
                if depth > 16 {
                    break;
                }
            }
            if best.is_none_or(|(d, _)| depth < d) {
                best = Some((depth, &r.code));
            }
        }
    }
    best.map(|(_, c)| c.to_owned())
}

/// The latest year with reported facts (not after this year), or last year.
pub fn default_year(inputs: &Inputs) -> i32 {
    let this_year = time::OffsetDateTime::now_utc().year();
    inputs.facts.iter().map(|f| f.period.year()).filter(|y| *y <= this_year).max().unwrap_or(this_year - 1)
}

/// The region and period asked for, or the defaults; an unknown region or a bad period is a
/// clear error.
pub fn resolve(
    engine: &Engine<'_>,
    me: &Me,
    region: Option<&str>,
    period: Option<&str>,
) -> AppResult<(String, Period)> {
    let period = match period.filter(|p| !p.is_empty()) {
        Some(p) => Period::parse(p).map_err(|e| AppError::invalid(e.code(), e.args(), "period"))?,
        None => Period::parse(&default_year(engine.inputs()).to_string()).map_err(|_| AppError::internal())?,
    };
    let region = match region.filter(|r| !r.is_empty()) {
        Some(r) => {
            if engine.region(r).is_none() {
                return Err(AppError::not_found());
            }
            r.to_owned()
        }
        None => default_region(engine, me, period.year()).ok_or_else(AppError::not_found)?,
    };
    Ok((region, period))
}

/// The targets of the caller's scope for a year.
pub async fn targets(state: &AppState, me: &Me, year: i32) -> AppResult<Vec<TargetIn>> {
    Ok(state.store.target_inputs(&me.scope(), year).await?)
}

fn zh(lang: Lang) -> bool {
    lang == Lang::Zh
}

/// A row as JSON in the caller's language.
pub fn row_json(r: &Row, lang: Lang, region: &str, period: Period) -> Value {
    let zh = zh(lang);
    json!({
        "code": r.code,
        "name": if zh { &r.name_zh } else { &r.name_en },
        "unit": if zh { &r.unit_zh } else { &r.unit_en },
        "value": r.cell.value,
        "no_value_reason": r.cell.no_value.as_ref().map(|n| crate::i18n::tf(lang, &n.code, &n.args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect::<Vec<_>>())),
        "target": r.target,
        "comparator": r.comparator.map(gaodi_domain::indicator::Comparator::symbol),
        "completion": r.completion,
        "status": r.assessment.status.as_str(),
        "formula": r.formula,
        "href": format!("/indicators/{}?region={region}&period={period}", r.code),
    })
}

/// The indicators the cockpit shows as cards, in order.
pub const CARDS: &[&str] = &[
    "hte_count",
    "tech_sme_count",
    "rd_expenditure",
    "rd_intensity",
    "tech_contract_turnover",
    "hti_value_added",
    "hti_va_growth",
    "st_platforms_total",
    "fiscal_st_expenditure_share",
    "ip_credit_loans",
    "natl_prov_projects_approved",
    "invention_patents_per_10k",
];

/// The indicators with a yearly trend line.
pub const TRENDS: &[&str] = &["hte_count", "rd_intensity", "tech_contract_turnover", "st_platforms_total"];

/// The cockpit's content for a region and period (the JSON of `GET /api/v1/cockpit`).
pub fn cockpit_json(
    engine: &Engine<'_>,
    me: &Me,
    region: &str,
    period: Period,
    targets: &[TargetIn],
    ranking_code: &str,
) -> Value {
    let lang = me.lang;
    let zhl = zh(lang);
    let today = time::OffsetDateTime::now_utc().date();
    let year = period.year();
    let name = |code: &str| region_name(engine.inputs(), code, lang);
    let mut regions = vec![json!({"code": region, "name": name(region), "level": 0})];
    if let Some(parent) = engine.parent(region, year) {
        regions.insert(0, json!({"code": parent, "name": name(parent), "level": -1}));
    }
    for c in engine.children(region, year).into_iter().chain(engine.parks(region, year)) {
        regions.push(json!({"code": c, "name": name(c), "level": 1}));
    }
    let first_year = engine.inputs().facts.iter().map(|f| f.period.year()).min().unwrap_or(year).min(year);
    let last_year = default_year(engine.inputs()).max(year);
    let periods: Vec<String> = (first_year.max(year - 6)..=last_year).map(|y| y.to_string()).collect();
    let cards: Vec<Value> = CARDS
        .iter()
        .filter(|c| engine.definition(c, year).is_some())
        .map(|c| row_json(&row(engine, c, region, period, targets, today), lang, region, period))
        .collect();
    let def_name =
        |code: &str| engine.definition(code, year).map_or_else(|| code.to_owned(), |d| d.name(zhl).to_owned());
    let def_unit = |code: &str| engine.definition(code, year).map_or_else(String::new, |d| d.unit(zhl).to_owned());
    let trends: Vec<Value> = TRENDS
        .iter()
        .filter(|c| engine.definition(c, year).is_some())
        .map(|c| {
            let points: Vec<Value> = periods
                .iter()
                .filter_map(|p| Period::parse(p).ok())
                .map(|p| json!({"period": p.to_string(), "value": engine.cell(c, region, p).value}))
                .collect();
            json!({"code": c, "name": def_name(c), "unit": def_unit(c), "points": points})
        })
        .collect();
    let monthly_year = if period.kind() == PeriodKind::Year { year } else { period.year() };
    let monthly: Vec<Value> = ["tech_contract_turnover", "tech_contracts_registered"]
        .iter()
        .filter(|c| engine.definition(c, monthly_year).is_some())
        .map(|c| {
            let points: Vec<Value> = Period::parse(&monthly_year.to_string())
                .map(Period::months)
                .unwrap_or_default()
                .into_iter()
                .map(|m| json!({"period": m.to_string(), "value": engine.cell(c, region, m).value}))
                .collect();
            json!({"code": c, "name": def_name(c), "unit": def_unit(c), "points": points})
        })
        .collect();
    let ranked = ranking(engine, ranking_code, region, period);
    let rows: Vec<Value> = ranked
        .iter()
        .map(|(cell, rank)| {
            json!({"region": cell.region, "name": name(&cell.region), "value": cell.value, "rank": rank,
                   "href": format!("/indicators/{ranking_code}?region={}&period={period}", cell.region)})
        })
        .collect();
    let map_values: Vec<Value> = ranked
        .iter()
        .map(|(cell, _)| json!({"region": cell.region, "name": name(&cell.region), "value": cell.value}))
        .collect();
    let target_rows: Vec<Value> = table(engine, region, period, targets, today)
        .iter()
        .filter(|r| r.target.is_some())
        .map(|r| {
            let mut v = row_json(r, lang, region, period);
            v["actual"] = v["value"].clone();
            v
        })
        .collect();
    json!({
        "region": {"code": region, "name": name(region)},
        "period": period.to_string(),
        "regions": regions,
        "periods": periods,
        "cards": cards,
        "trends": trends,
        "monthly": monthly,
        "ranking": {"code": ranking_code, "name": def_name(ranking_code), "unit": def_unit(ranking_code), "rows": rows},
        "map": {"code": ranking_code, "name": def_name(ranking_code), "unit": def_unit(ranking_code), "values": map_values},
        "targets": target_rows,
    })
}

/// The link of a registry record's page.
pub fn record_href(entity: gaodi_domain::indicator::registry::Entity, id: i64) -> Option<String> {
    use gaodi_domain::indicator::registry::Entity;
    let base = match entity {
        Entity::Org => "/organisations",
        Entity::Person => "/people",
        Entity::Platform => "/platforms",
        Entity::Award => "/awards",
        Entity::Contract => "/contracts",
        Entity::Loan => "/loans",
        Entity::Application => "/applications",
        Entity::Project => "/projects",
        Entity::Ip => return None,
    };
    Some(format!("{base}/{id}"))
}

/// A region's name in a language, from the engine's inputs.
pub fn region_name(inputs: &Inputs, code: &str, lang: Lang) -> String {
    inputs
        .regions
        .iter()
        .find(|r| r.code == code)
        .map_or_else(|| code.to_owned(), |r| if zh(lang) { r.name_zh.clone() } else { r.name_en.clone() })
}

/// The part of an indicator's drill-down the engine computes (no database access), and the
/// sources still to be described.
pub fn detail_base(
    engine: &Engine<'_>,
    lang: Lang,
    code: &str,
    region: &str,
    period: Period,
    targets: &[TargetIn],
) -> AppResult<(Value, Vec<gaodi_domain::indicator::engine::Source>)> {
    let year = period.year();
    let Some(def) = engine.definition(code, year) else { return Err(AppError::not_found()) };
    let today = time::OffsetDateTime::now_utc().date();
    let line = row_json(&row(engine, code, region, period, targets, today), lang, region, period);
    let name = |c: &str| region_name(engine.inputs(), c, lang);
    let trend: Vec<Value> = (year - 4..=year)
        .filter_map(|y| Period::parse(&y.to_string()).ok())
        .map(|p| json!({"period": p.to_string(), "value": engine.cell(code, region, p).value}))
        .collect();
    let ranked: Vec<Value> = ranking(engine, code, region, period)
        .iter()
        .map(|(cell, rank)| {
            json!({"region": cell.region, "name": name(&cell.region), "value": cell.value, "rank": rank,
                   "href": format!("/indicators/{code}?region={}&period={period}", cell.region)})
        })
        .collect();
    let sources = engine.sources(code, region, period);
    let base = json!({
        "indicator": {
            "code": def.code, "name": def.name(zh(lang)), "unit": def.unit(zh(lang)), "formula": def.formula,
            "space_aggregation": def.space.as_str(), "time_aggregation": def.time.as_str(),
            "direction": def.direction.as_str(), "decimals": def.decimals, "valid_from": def.valid_from,
            "valid_to": def.valid_to,
        },
        "region": {"code": region, "name": name(region)},
        "period": period.to_string(),
        "row": line,
        "trend": trend,
        "children": ranked,
    });
    Ok((base, sources))
}

/// The sources of a drill-down as JSON: facts with their provenance link, registry records
/// with labels and links, indicators read with their values.
pub async fn sources_json(
    state: &AppState,
    inputs: &Inputs,
    lang: Lang,
    sources: Vec<gaodi_domain::indicator::engine::Source>,
) -> AppResult<Vec<Value>> {
    use gaodi_domain::indicator::engine::Source;
    let mut out = Vec::new();
    for s in sources {
        match s {
            Source::Facts { measure, region: r, period: p, fact_ids } => {
                let wanted: std::collections::BTreeSet<i64> = fact_ids.iter().copied().collect();
                let facts: Vec<Value> = inputs
                    .facts
                    .iter()
                    .filter(|f| wanted.contains(&f.fact_id))
                    .map(|f| {
                        json!({"fact_id": f.fact_id, "region": f.region, "region_name": region_name(inputs, &f.region, lang),
                               "period": f.period.to_string(), "source": f.source,
                               "value": gaodi_domain::indicator::format_e4_plain(f.value_e4),
                               "history": format!("/api/v1/facts?measure={}&region={}&period={}", f.measure, f.region, f.period)})
                    })
                    .collect();
                out.push(json!({"kind": "facts", "measure": measure, "region": r, "period": p, "facts": facts}));
            }
            Source::Records { entity, query, region: r, period: p, ids } => {
                let shown: Vec<i64> = ids.iter().copied().take(MAX_LISTED).collect();
                let labels = state.store.record_labels(entity, &shown).await?;
                let records: Vec<Value> = shown
                    .iter()
                    .map(|id| json!({"id": id, "label": labels.get(id), "href": record_href(entity, *id)}))
                    .collect();
                out.push(json!({"kind": "records", "entity": entity, "query": query, "region": r, "period": p,
                                "count": ids.len(), "records": records}));
            }
            Source::Indicator { code: c, region: r, period: p, value } => {
                out.push(json!({"kind": "indicator", "code": c, "region": r, "period": p, "value": value,
                                "href": format!("/indicators/{c}?region={r}&period={p}")}));
            }
        }
    }
    Ok(out)
}

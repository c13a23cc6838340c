//! The district innovation index in gaodi: a stored definition computed from the regions'
//! indicator values (the indicator engine), with what-if weights, rank intervals under weight
//! perturbations and the indicators that moved a district's rank between two years. Shared by
//! `api::composite` and `pages::composite`.

use std::collections::HashMap;

use gaodi_domain::index::attribution::attribute;
use gaodi_domain::index::definition::{panel_from_values, IndexDefinition};
use gaodi_domain::index::sensitivity::{sensitivity, Settings};
use gaodi_domain::index::whatif::{reweight, Weights};
use gaodi_domain::index::{build, Child};
use gaodi_domain::indicator::engine::Engine;
use gaodi_domain::period::Period;
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

/// A node of the index tree with its weight (as defined, and as used).
#[derive(Debug, Clone, Serialize)]
pub struct WeightView {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub is_aggregate: bool,
    pub defined: f64,
    pub used: f64,
}

/// One indicator's share of a district's score change.
#[derive(Debug, Clone, Serialize)]
pub struct ContributionView {
    pub code: String,
    pub name: String,
    /// Points of the index.
    pub total: f64,
}

/// One district's result.
#[derive(Debug, Clone, Serialize)]
pub struct UnitResult {
    pub region: String,
    pub name: String,
    pub score: Option<f64>,
    pub rank: Option<u32>,
    /// Scores of the first-level aggregates (pillars), in `IndexResult::pillars` order.
    pub pillars: Vec<Option<f64>>,
    /// Normalised indicator scores, in `IndexResult::indicators` order.
    pub indicators: Vec<Option<f64>>,
    /// 5th-95th percentile of the rank under perturbed weights, and the share of runs that
    /// kept the rank.
    pub rank_low: Option<u32>,
    pub rank_high: Option<u32>,
    pub rank_kept: Option<f64>,
    /// In the comparison year.
    pub compare_score: Option<f64>,
    pub compare_rank: Option<u32>,
    /// Positive: moved up.
    pub rank_change: Option<i64>,
    pub top_contributions: Vec<ContributionView>,
}

/// The index for a region's children in a year.
#[derive(Debug, Clone, Serialize)]
pub struct IndexResult {
    pub code: String,
    pub version: i64,
    pub name: String,
    pub year: i32,
    pub compare: Option<i32>,
    pub pillars: Vec<(String, String)>,
    pub indicators: Vec<(String, String)>,
    pub weights: Vec<WeightView>,
    pub units: Vec<UnitResult>,
    pub perturbation_runs: usize,
    pub perturbation_spread: f64,
    /// Notices of the pipeline (an indicator without values, constant columns, …).
    pub notices: Vec<String>,
}

fn invalid(e: &impl std::fmt::Display) -> AppError {
    AppError::invalid("index.compute_failed", vec![("reason", e.to_string())], "index")
}

/// Computes the index for the children of `region` in `year` (and `compare`), with weights
/// changed as `overrides` says (`code → weight`, what-if only: nothing is stored).
///
/// # Errors
/// An unknown node or a bad weight in `overrides` (naming it); a pipeline failure.
#[allow(clippy::too_many_lines, clippy::too_many_arguments)]
pub fn compute(
    engine: &Engine<'_>,
    def: &IndexDefinition,
    version: i64,
    region: &str,
    year: i32,
    compare: Option<i32>,
    overrides: &[(String, f64)],
    lang: Lang,
) -> AppResult<IndexResult> {
    let zh = lang == Lang::Zh;
    let units: Vec<&str> = engine.children(region, year);
    let periods: Vec<i32> = compare.into_iter().chain([year]).collect();
    let codes = def.value_codes();
    let mut values = Vec::new();
    for unit in &units {
        for y in &periods {
            let Ok(p) = Period::parse(&y.to_string()) else { continue };
            for code in &codes {
                #[allow(clippy::cast_precision_loss)]
                let v = engine.cell(code, unit, p).value_e4.map(|v| v as f64 / 10_000.0);
                values.push(((*unit).to_owned(), y.to_string(), (*code).to_owned(), v));
            }
        }
    }
    let panel = panel_from_values(&values, def).map_err(|e| invalid(&e))?;
    let framework = def.framework();
    let method = def.method();
    let base = build(&panel, framework, method).map_err(|e| invalid(&e))?;
    let mut weights = Weights::of(framework);
    for (code, w) in overrides {
        weights.set(framework, code, *w).map_err(|e| AppError::invalid(e.code(), e.args(), "weights"))?;
    }
    let board = if overrides.is_empty() {
        base
    } else {
        reweight(&base, framework, method, &weights).map_err(|e| AppError::invalid(e.code(), e.args(), "weights"))?
    };
    let settings = Settings::default();
    let intervals = sensitivity(&board, framework, method, &weights, &settings)
        .map_err(|e| AppError::invalid(e.code(), e.args(), "weights"))?;
    let name_of = |code: &str| engine.definition(code, year).map_or_else(|| code.to_owned(), |d| d.name(zh).to_owned());
    let agg_name = |i: usize| {
        let spec = def.spec().aggregates.iter().find(|a| a.code == framework.aggregates()[i].code);
        spec.map_or_else(
            || framework.aggregates()[i].code.clone(),
            |a| if zh { a.name_zh.clone() } else { a.name_en.clone() },
        )
    };
    let root = framework.root();
    let pillar_index: Vec<usize> = framework
        .children(root)
        .iter()
        .filter_map(|c| match c {
            Child::Aggregate(a) => Some(*a),
            Child::Indicator(_) => None,
        })
        .collect();
    let pillars: Vec<(String, String)> =
        pillar_index.iter().map(|a| (framework.aggregates()[*a].code.clone(), agg_name(*a))).collect();
    let indicators: Vec<(String, String)> =
        framework.indicators().iter().map(|x| (x.code.clone(), name_of(&x.code))).collect();
    let agg_pos: HashMap<&str, usize> = board.aggregates.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
    let row_of = |unit: &str, y: i32| {
        board.rows.iter().position(|r| r.unit == unit && r.period.as_deref() == Some(&y.to_string()))
    };
    let mut out_units = Vec::new();
    for unit in &units {
        let Some(r) = row_of(unit, year) else { continue };
        let interval = intervals.iter().find(|i| i.unit == *unit && i.period.as_deref() == Some(&year.to_string()));
        let (compare_score, compare_rank, rank_change, top) = match compare
            .and_then(|c| row_of(unit, c).map(|cr| (c, cr)))
        {
            Some((c, cr)) => {
                let attribution = attribute(&board, framework, method, unit, &c.to_string(), &year.to_string()).ok();
                (
                    board.root_scores()[cr],
                    board.rank[cr],
                    attribution.as_ref().and_then(|a| a.rank_change),
                    attribution
                        .map(|a| {
                            a.top(3)
                                .into_iter()
                                .filter(|c| c.total.abs() > 1e-9)
                                .map(|c| ContributionView {
                                    code: c.indicator.clone(),
                                    name: name_of(&c.indicator),
                                    total: c.total,
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                )
            }
            None => (None, None, None, Vec::new()),
        };
        out_units.push(UnitResult {
            region: (*unit).to_owned(),
            name: crate::indicators::region_name(engine.inputs(), unit, lang),
            score: board.root_scores()[r],
            rank: board.rank[r],
            pillars: pillars
                .iter()
                .map(|(code, _)| agg_pos.get(code.as_str()).and_then(|a| board.aggregated[*a][r]))
                .collect(),
            indicators: (0..framework.indicators().len()).map(|i| board.normalised[i][r]).collect(),
            rank_low: interval.and_then(|i| i.low),
            rank_high: interval.and_then(|i| i.high),
            rank_kept: interval.and_then(|i| i.kept),
            compare_score,
            compare_rank,
            rank_change,
            top_contributions: top,
        });
    }
    out_units.sort_by_key(|u| (u.rank.is_none(), u.rank, u.region.clone()));
    let mut weight_views = Vec::new();
    for (a, agg) in framework.aggregates().iter().enumerate() {
        if a == root {
            continue;
        }
        let parent = def.spec().aggregates.iter().find(|s| s.code == agg.code).and_then(|s| s.parent.clone());
        weight_views.push(WeightView {
            code: agg.code.clone(),
            name: agg_name(a),
            parent,
            is_aggregate: true,
            defined: agg.weight,
            used: weights.aggregates[a],
        });
    }
    for (i, x) in framework.indicators().iter().enumerate() {
        let parent = def.spec().indicators.iter().find(|s| s.code == x.code).map(|s| s.parent.clone());
        weight_views.push(WeightView {
            code: x.code.clone(),
            name: name_of(&x.code),
            parent,
            is_aggregate: false,
            defined: x.weight,
            used: weights.indicators[i],
        });
    }
    Ok(IndexResult {
        code: def.spec().code.clone(),
        version,
        name: if zh { def.spec().name_zh.clone() } else { def.spec().name_en.clone() },
        year,
        compare,
        pillars,
        indicators,
        weights: weight_views,
        units: out_units,
        perturbation_runs: settings.runs,
        perturbation_spread: settings.spread,
        notices: board.notices.iter().map(ToString::to_string).collect(),
    })
}

/// Weight overrides from a query: `w_<code>=<weight>`; a value that is not a number is an
/// error naming the field.
///
/// # Errors
/// `index.bad_weight` naming the parameter.
pub fn overrides(query: &HashMap<String, String>) -> AppResult<Vec<(String, f64)>> {
    let mut out = Vec::new();
    for (k, v) in query {
        if let Some(code) = k.strip_prefix("w_") {
            if v.trim().is_empty() {
                continue;
            }
            let w: f64 = v.trim().parse().map_err(|_| {
                AppError::invalid("index.bad_weight", vec![("code", code.to_owned()), ("value", v.clone())], "weights")
            })?;
            out.push((code.to_owned(), w));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

//! The indicator engine: every indicator for any region and period, computed live from the
//! facts and the registries, with the reason when there is no value and the sources of every
//! value (drill-down).
//!
//! # How a value is found
//!
//! - An indicator with a formula evaluates it (gaodi-expr) at the region and period; names in
//!   the formula are indicators first, then measures; registry aggregates are counted by
//!   [`super::registry`] in the tree of the period's year.
//! - A figure reported for the region and period itself wins over the formula, when the
//!   indicator's code is also a measure's (the project figures, counted from the registry from
//!   2021, may still be reported for a year the registry does not hold): the official figure,
//!   as a parent's own figure wins in the roll-up. Only the region's own fact of exactly that
//!   period counts; sub-periods and children are left to the formula.
//! - An indicator without a formula, and a measure named in a formula, is the reported fact:
//!   1. the region's own current fact for the period; where several sources report it, the
//!      first of `statistics_bureau`, `bureau`, `district`, then any other in code order;
//!   2. otherwise, for a year or a quarter, the months (or quarters) aggregated by the
//!      measure's time aggregation: `sum` needs every sub-period, `last` the last one,
//!      `average` at least one;
//!   3. otherwise, for a measure summed over space, the sum of the region's administrative
//!      children as the tree stood in that year, if every child has a value (a city total is
//!      never made of part of its districts silently).
//!      Parks are never summed into their host region: firms in a park are already counted in
//!      their district.
//! - Missing data, division by zero and the like are "no value" with the reason, never 0.
//! - A value is rounded half-up to the indicator's decimals, in decimal.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::registry::{Aggregate, Entity, Filter, Placement, RegistryQuery, Snapshot, ValidAt};
use super::status::{assess, Assessment, Progress};
use super::{round_to_e4, Comparator, IndicatorDef, MeasureDef, SpaceAggregation, TimeAggregation};
use crate::period::{Period, PeriodKind};
use crate::region::{Hierarchy, Membership};

/// A current fact as the engine reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactIn {
    pub fact_id: i64,
    pub measure: String,
    pub region: String,
    pub period: Period,
    pub source: String,
    pub value_e4: i64,
}

/// A region as the engine shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionInfo {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub is_park: bool,
}

/// Everything the engine computes from (loaded by the store, inside the caller's scope).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub regions: Vec<RegionInfo>,
    pub memberships: Vec<Membership>,
    pub measures: Vec<MeasureDef>,
    pub definitions: Vec<IndicatorDef>,
    pub facts: Vec<FactIn>,
    pub snapshot: Snapshot,
}

/// Why there is no value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoValueReason {
    /// i18n key, e.g. `indicator.no_value.missing`.
    pub code: String,
    pub args: Vec<(String, String)>,
    /// The reason in English.
    pub message: String,
}

/// Where a value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// Reported facts (ids), of a measure in a region and period.
    Facts { measure: String, region: String, period: String, fact_ids: Vec<i64> },
    /// Registry records matching a query (entity and ids).
    Records { entity: Entity, query: String, region: String, period: String, ids: Vec<i64> },
    /// Another indicator, with its value there.
    Indicator { code: String, region: String, period: String, value: Option<String> },
}

/// One indicator's result for a region and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub code: String,
    pub region: String,
    pub period: String,
    /// Exact value, rounded to the indicator's decimals, in units of 1e-4.
    pub value_e4: Option<i64>,
    /// The value as text with the indicator's decimals.
    pub value: Option<String>,
    pub no_value: Option<NoValueReason>,
}

/// A definition that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefinitionError {
    pub code: String,
    pub valid_from: i32,
    pub message: String,
    /// The source line with a caret under the problem.
    pub caret: String,
}

const SOURCE_ORDER: [&str; 3] = ["statistics_bureau", "bureau", "district"];

type Memo = HashMap<(String, usize, Period), Result<f64, NoValueReason>>;

/// The engine over one set of inputs. Values are memoised, so asking for many indicators,
/// regions and periods costs each computation once.
pub struct Engine<'a> {
    inputs: &'a Inputs,
    region_index: HashMap<&'a str, usize>,
    measures: HashMap<&'a str, &'a MeasureDef>,
    formulas: HashMap<(String, i32), gaodi_expr::Expr>,
    facts: HashMap<(&'a str, usize, Period), Vec<&'a FactIn>>,
    placements: RefCell<HashMap<i32, Placement>>,
    registry: RefCell<HashMap<(String, Period), HashMap<String, f64>>>,
    memo: RefCell<Memo>,
    /// Indicators being evaluated (guards against cycles that slipped past the check).
    active: RefCell<BTreeSet<(String, usize, Period)>>,
}

impl<'a> Engine<'a> {
    /// Parses every formula and checks the definitions: a formula that does not parse or a
    /// cycle among indicators is returned as errors (the engine still works for the rest).
    #[must_use]
    pub fn new(inputs: &'a Inputs) -> (Engine<'a>, Vec<DefinitionError>) {
        let mut errors = Vec::new();
        let mut formulas = HashMap::new();
        for d in &inputs.definitions {
            if let Some(src) = &d.formula {
                match gaodi_expr::parse(src) {
                    Ok(expr) => {
                        formulas.insert((d.code.clone(), d.valid_from), expr);
                    }
                    Err(e) => errors.push(DefinitionError {
                        code: d.code.clone(),
                        valid_from: d.valid_from,
                        message: e.to_string(),
                        caret: gaodi_expr::render_caret(src, e.span),
                    }),
                }
            }
        }
        // Cycles, per definition year band: check the newest version of each code.
        let newest: Vec<(String, gaodi_expr::Expr)> = {
            let mut by_code: HashMap<&str, &IndicatorDef> = HashMap::new();
            for d in &inputs.definitions {
                if by_code.get(d.code.as_str()).is_none_or(|o| o.valid_from < d.valid_from) {
                    by_code.insert(&d.code, d);
                }
            }
            by_code
                .values()
                .filter_map(|d| formulas.get(&(d.code.clone(), d.valid_from)).map(|e| (d.code.clone(), e.clone())))
                .collect()
        };
        if let Err(cycle) = gaodi_expr::dependency_order(&newest) {
            let text = cycle.to_string();
            for code in &cycle.cycle {
                formulas.retain(|(c, _), _| c != code);
                errors.push(DefinitionError {
                    code: code.clone(),
                    valid_from: 0,
                    message: text.clone(),
                    caret: String::new(),
                });
            }
        }
        let region_index: HashMap<&str, usize> =
            inputs.regions.iter().enumerate().map(|(i, r)| (r.code.as_str(), i)).collect();
        let mut facts: HashMap<(&str, usize, Period), Vec<&FactIn>> = HashMap::new();
        for f in &inputs.facts {
            if let Some(&r) = region_index.get(f.region.as_str()) {
                facts.entry((f.measure.as_str(), r, f.period)).or_default().push(f);
            }
        }
        for list in facts.values_mut() {
            list.sort_by_key(|f| {
                (SOURCE_ORDER.iter().position(|s| *s == f.source).unwrap_or(SOURCE_ORDER.len()), f.source.clone())
            });
        }
        let engine = Engine {
            inputs,
            region_index,
            measures: inputs.measures.iter().map(|m| (m.code.as_str(), m)).collect(),
            formulas,
            facts,
            placements: RefCell::new(HashMap::new()),
            registry: RefCell::new(HashMap::new()),
            memo: RefCell::new(HashMap::new()),
            active: RefCell::new(BTreeSet::new()),
        };
        (engine, errors)
    }

    /// The inputs.
    #[must_use]
    pub fn inputs(&self) -> &'a Inputs {
        self.inputs
    }

    /// The definition of `code` in force in `year`.
    #[must_use]
    pub fn definition(&self, code: &str, year: i32) -> Option<&'a IndicatorDef> {
        self.inputs.definitions.iter().filter(|d| d.code == code && d.valid_in(year)).max_by_key(|d| d.valid_from)
    }

    /// The codes of the indicators in force in `year`, in definition order.
    #[must_use]
    pub fn codes(&self, year: i32) -> Vec<&'a str> {
        let mut seen = BTreeSet::new();
        self.inputs
            .definitions
            .iter()
            .filter(|d| d.valid_in(year) && seen.insert(d.code.as_str()))
            .map(|d| d.code.as_str())
            .collect()
    }

    /// The region with this code.
    #[must_use]
    pub fn region(&self, code: &str) -> Option<&'a RegionInfo> {
        self.region_index.get(code).map(|&i| &self.inputs.regions[i])
    }

    fn placement(&self, year: i32) -> std::cell::Ref<'_, Placement> {
        if !self.placements.borrow().contains_key(&year) {
            let mut p = Placement::default();
            for m in self.inputs.memberships.iter().filter(|m| m.in_force(year)) {
                match m.hierarchy {
                    Hierarchy::Administrative => {
                        p.parent.insert(m.child.to_string(), m.parent.to_string());
                    }
                    Hierarchy::Park if m.parent.is_park() => {
                        p.park_parent.insert(m.child.to_string(), m.parent.to_string());
                    }
                    Hierarchy::Park => {}
                }
            }
            self.placements.borrow_mut().insert(year, p);
        }
        std::cell::Ref::map(self.placements.borrow(), |m| &m[&year])
    }

    /// The members of a region in `year` in one hierarchy, by code.
    fn members(&self, region: &str, year: i32, hierarchy: Hierarchy) -> Vec<&'a str> {
        let mut out: Vec<&str> = self
            .inputs
            .memberships
            .iter()
            .filter(|m| m.hierarchy == hierarchy && m.in_force(year) && m.parent.as_str() == region)
            .filter_map(|m| self.region(m.child.as_str()).map(|r| r.code.as_str()))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The administrative children of a region in `year`, by code.
    #[must_use]
    pub fn children(&self, region: &str, year: i32) -> Vec<&'a str> {
        self.members(region, year, Hierarchy::Administrative)
    }

    /// The parks hosted by a region (or under a park) in `year`.
    #[must_use]
    pub fn parks(&self, region: &str, year: i32) -> Vec<&'a str> {
        self.members(region, year, Hierarchy::Park)
    }

    /// The administrative parent of a region in `year` (for a park: its host).
    #[must_use]
    pub fn parent(&self, region: &str, year: i32) -> Option<&'a str> {
        self.inputs
            .memberships
            .iter()
            .filter(|m| m.in_force(year) && m.child.as_str() == region)
            .min_by_key(|m| (m.hierarchy != Hierarchy::Administrative, m.parent.to_string()))
            .and_then(|m| self.region(m.parent.as_str()).map(|r| r.code.as_str()))
    }

    /// The value of an indicator (or measure) at a region and period, unrounded.
    ///
    /// # Errors
    /// The reason there is no value.
    pub fn raw(&self, code: &str, region: &str, period: Period) -> Result<f64, NoValueReason> {
        let Some(&r) = self.region_index.get(region) else {
            return Err(reason(
                "indicator.no_value.unknown_region",
                &[("region", region)],
                format!("Region {region} is not known or lies outside your scope."),
            ));
        };
        self.value_at(code, r, period)
    }

    /// The value of an indicator, rounded to its decimals, or the reason there is none.
    #[must_use]
    pub fn cell(&self, code: &str, region: &str, period: Period) -> Cell {
        let decimals = self.definition(code, period.year()).map_or(4, |d| d.decimals);
        let result = self.raw(code, region, period).and_then(|v| {
            round_to_e4(v, decimals).ok_or_else(|| {
                reason("indicator.no_value.not_finite", &[("code", code)], format!("{code} is not a finite number."))
            })
        });
        let (value_e4, no_value) = match result {
            Ok(v) => (Some(v), None),
            Err(e) => (None, Some(e)),
        };
        Cell {
            code: code.to_owned(),
            region: region.to_owned(),
            period: period.to_string(),
            value_e4,
            value: value_e4.map(|v| super::format_e4(v, decimals)),
            no_value,
        }
    }

    fn value_at(&self, code: &str, r: usize, period: Period) -> Result<f64, NoValueReason> {
        let key = (code.to_owned(), r, period);
        if let Some(v) = self.memo.borrow().get(&key) {
            return v.clone();
        }
        if !self.active.borrow_mut().insert(key.clone()) {
            return Err(reason("indicator.no_value.cycle", &[("code", code)], format!("{code} depends on itself.")));
        }
        let result = self.compute(code, r, period);
        self.active.borrow_mut().remove(&key);
        self.memo.borrow_mut().insert(key, result.clone());
        result
    }

    fn compute(&self, code: &str, r: usize, period: Period) -> Result<f64, NoValueReason> {
        if let Some(def) = self.definition(code, period.year()) {
            if let Some(expr) = self.formulas.get(&(def.code.clone(), def.valid_from)) {
                if let Some(v) = self.reported_override(code, r, period) {
                    return Ok(v);
                }
                return self.eval_formula(expr, r, period);
            }
            if def.formula.is_some() {
                return Err(reason(
                    "indicator.no_value.bad_definition",
                    &[("code", code)],
                    format!("The formula of {code} cannot be used; see the indicator's definition."),
                ));
            }
        }
        if self.measures.contains_key(code) {
            return self.measure_value(code, r, period);
        }
        Err(reason(
            "indicator.no_value.unknown_name",
            &[("code", code)],
            format!("{code} is neither an indicator nor a measure."),
        ))
    }

    /// A measure's value: own fact, then sub-periods, then children (see the module docs).
    fn measure_value(&self, code: &str, r: usize, period: Period) -> Result<f64, NoValueReason> {
        let region = self.inputs.regions[r].code.as_str();
        if let Some(list) = self.facts.get(&(code, r, period)) {
            if let Some(f) = list.first() {
                #[allow(clippy::cast_precision_loss)] // values below 2^53 units are exact
                return Ok(f.value_e4 as f64 / 10_000.0);
            }
        }
        let measure = self.measures[code];
        if matches!(period.kind(), PeriodKind::Year | PeriodKind::Half | PeriodKind::Quarter) {
            let subs: Vec<Period> = if period.kind() == PeriodKind::Year {
                let quarters: Vec<Period> =
                    (1..=4).filter_map(|q| Period::parse(&format!("{}Q{q}", period.year())).ok()).collect();
                if quarters.iter().any(|q| self.facts.contains_key(&(code, r, *q))) {
                    quarters
                } else {
                    period.months()
                }
            } else {
                period.months()
            };
            let values: Vec<Option<f64>> = subs.iter().map(|p| self.measure_value_own(code, r, *p)).collect();
            let present: Vec<f64> = values.iter().flatten().copied().collect();
            if !present.is_empty() {
                match measure.time {
                    TimeAggregation::Sum if present.len() == values.len() => return Ok(present.iter().sum()),
                    TimeAggregation::Last => {
                        if let Some(Some(v)) = values.last() {
                            return Ok(*v);
                        }
                    }
                    TimeAggregation::Average => {
                        #[allow(clippy::cast_precision_loss)]
                        return Ok(present.iter().sum::<f64>() / present.len() as f64);
                    }
                    TimeAggregation::Sum => {
                        return Err(reason(
                            "indicator.no_value.incomplete_periods",
                            &[
                                ("code", code),
                                ("region", region),
                                ("period", &period.to_string()),
                                ("have", &present.len().to_string()),
                                ("need", &values.len().to_string()),
                            ],
                            format!(
                                "{code} of {region} for {period}: {} of {} sub-periods reported.",
                                present.len(),
                                values.len()
                            ),
                        ))
                    }
                }
            }
        }
        if measure.space == SpaceAggregation::Sum && !self.inputs.regions[r].is_park {
            let children = self.children(region, period.year());
            if !children.is_empty() {
                let mut sum = 0.0;
                let mut missing = Vec::new();
                for c in &children {
                    match self.value_at(code, self.region_index[c], period) {
                        Ok(v) => sum += v,
                        Err(_) => missing.push(*c),
                    }
                }
                if missing.is_empty() {
                    return Ok(sum);
                }
                return Err(reason(
                    "indicator.no_value.incomplete_children",
                    &[
                        ("code", code),
                        ("region", region),
                        ("period", &period.to_string()),
                        ("missing", &missing.join(", ")),
                    ],
                    format!("{code} of {region} for {period}: no value for {}.", missing.join(", ")),
                ));
            }
        }
        Err(reason(
            "indicator.no_value.missing",
            &[("code", code), ("region", region), ("period", &period.to_string())],
            format!("No {code} reported for {region}, {period}."),
        ))
    }

    /// The region's own reported figure of an indicator that is also a measure (see the module
    /// docs): it wins over the indicator's formula.
    fn reported_override(&self, code: &str, r: usize, period: Period) -> Option<f64> {
        if self.measures.contains_key(code) {
            self.measure_value_own(code, r, period)
        } else {
            None
        }
    }

    fn measure_value_own(&self, code: &str, r: usize, period: Period) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)]
        self.facts.get(&(code, r, period)).and_then(|l| l.first()).map(|f| f.value_e4 as f64 / 10_000.0)
    }

    /// A registry aggregate for every region of the period's tree, memoised. A registry that
    /// holds no record at all is no data, not a count of 0.
    fn registry_value(&self, query: &RegistryQuery, r: usize, period: Period) -> Result<f64, NoValueReason> {
        if self.inputs.snapshot.records.get(&query.entity).is_none_or(Vec::is_empty) {
            let entity = query.entity.as_str();
            return Err(reason(
                "indicator.no_value.empty_registry",
                &[("entity", entity)],
                format!("The {entity} registry holds no records yet."),
            ));
        }
        let key = (format!("{query:?}"), period);
        if !self.registry.borrow().contains_key(&key) {
            let values = self.inputs.snapshot.aggregate(query, period, &self.placement(period.year()));
            self.registry.borrow_mut().insert(key.clone(), values);
        }
        Ok(self.registry.borrow()[&key].get(&self.inputs.regions[r].code).copied().unwrap_or(0.0))
    }

    /// The sources behind a value: the facts of the measures it reads and the registry
    /// records it counts, for the region and period (indicators it reads are listed, so the
    /// caller can follow them).
    #[must_use]
    pub fn sources(&self, code: &str, region: &str, period: Period) -> Vec<Source> {
        let Some(&r) = self.region_index.get(region) else { return Vec::new() };
        let mut out = Vec::new();
        let Some(def) = self.definition(code, period.year()) else {
            self.measure_sources(code, r, period, &mut out);
            return out;
        };
        let Some(expr) = self.formulas.get(&(def.code.clone(), def.valid_from)) else {
            self.measure_sources(code, r, period, &mut out);
            return out;
        };
        if self.reported_override(code, r, period).is_some() {
            self.measure_sources(code, r, period, &mut out);
            return out;
        }
        let refs = expr.references();
        for name in &refs.codes {
            if self.definition(name, period.year()).is_some() {
                out.push(Source::Indicator {
                    code: name.clone(),
                    region: region.to_owned(),
                    period: period.to_string(),
                    value: self.cell(name, region, period).value,
                });
            } else {
                self.measure_sources(name, r, period, &mut out);
            }
        }
        for q in &refs.registry {
            if let Some(query) = registry_query(q) {
                let ids = self.inputs.snapshot.matching(&query, period, &self.placement(period.year()), region);
                out.push(Source::Records {
                    entity: query.entity,
                    query: q.to_string(),
                    region: region.to_owned(),
                    period: period.to_string(),
                    ids,
                });
            }
        }
        out
    }

    fn measure_sources(&self, code: &str, r: usize, period: Period, out: &mut Vec<Source>) {
        let region = &self.inputs.regions[r].code;
        let mut ids: Vec<i64> =
            self.facts.get(&(code, r, period)).map(|l| l.iter().map(|f| f.fact_id).collect()).unwrap_or_default();
        if ids.is_empty() {
            // Made of sub-periods or children: list those facts.
            let year = period.year();
            for f in &self.inputs.facts {
                if f.measure == code && period.contains(&f.period) && f.period != period {
                    if f.region == *region {
                        ids.push(f.fact_id);
                    }
                } else if f.measure == code
                    && f.period == period
                    && self.parent(&f.region, year) == Some(region.as_str())
                {
                    ids.push(f.fact_id);
                }
            }
        }
        out.push(Source::Facts {
            measure: code.to_owned(),
            region: region.clone(),
            period: period.to_string(),
            fact_ids: ids,
        });
    }
}

fn reason(code: &str, args: &[(&str, &str)], message: String) -> NoValueReason {
    NoValueReason {
        code: code.to_owned(),
        args: args.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        message,
    }
}

/// Months of `period` that are over on `today` (a finished period has all of them).
#[must_use]
pub fn progress(period: Period, today: time::Date) -> Progress {
    let months = period.months();
    let total = u32::try_from(months.len()).unwrap_or(12);
    let elapsed = u32::try_from(months.iter().filter(|m| m.end_date() < today).count()).unwrap_or(0);
    Progress { elapsed, total }
}

// ---------------------------------------------------------------------------------------
// gaodi-expr glue: the environment formulas are evaluated in.
// ---------------------------------------------------------------------------------------

/// Turns a formula's registry aggregate into the registry module's query; `None` for an
/// entity, field, comparison or aggregate the registries do not have.
fn registry_query(q: &gaodi_expr::RegistryQuery) -> Option<RegistryQuery> {
    let entity = Entity::parse(&q.entity)?;
    let aggregate = match &q.aggregate {
        gaodi_expr::Aggregate::Count => Aggregate::Count,
        gaodi_expr::Aggregate::Sum(field) if field == "amount" && entity.has_amount() => Aggregate::SumAmount,
        gaodi_expr::Aggregate::Sum(_) => return None,
    };
    let mut filters = Vec::new();
    for f in &q.filters {
        if !entity.fields().contains(&f.field.as_str()) {
            return None;
        }
        let equal = match f.op {
            gaodi_expr::BinaryOp::Eq => true,
            gaodi_expr::BinaryOp::Ne => false,
            _ => return None,
        };
        let gaodi_expr::Literal::Str(value) = &f.literal else { return None };
        filters.push(Filter { field: f.field.clone(), equal, value: value.clone() });
    }
    let valid_at = match q.valid_at {
        None => ValidAt::Period,
        Some(gaodi_expr::PeriodPoint::PeriodEnd) => ValidAt::PeriodEnd,
        Some(gaodi_expr::PeriodPoint::PeriodStart) => ValidAt::PeriodStart,
        Some(gaodi_expr::PeriodPoint::Started) => ValidAt::Started,
    };
    Some(RegistryQuery { entity, aggregate, filters, valid_at })
}

/// The period `shift` steps from `period` (negative: earlier), of the same kind.
fn shifted(period: Period, shift: i32) -> Period {
    let mut p = period;
    for _ in 0..shift.unsigned_abs() {
        p = if shift < 0 { p.prev() } else { p.next() };
    }
    p
}

/// The environment of one evaluation: the engine and the evaluated period. Units are region
/// indices. The engine's own reason for a missing value (e.g. which districts did not report)
/// is kept aside, so that the formula's "no value" can carry it instead of a bare "missing".
struct EvalEnv<'e, 'a> {
    engine: &'e Engine<'a>,
    period: Period,
    reasons: RefCell<Vec<NoValueReason>>,
}

impl gaodi_expr::Env for EvalEnv<'_, '_> {
    type Unit = usize;

    fn value(&self, code: &str, unit: usize, period_shift: i32) -> Result<f64, gaodi_expr::NoValue> {
        self.engine.value_at(code, unit, shifted(self.period, period_shift)).map_err(|r| {
            self.reasons.borrow_mut().push(r);
            gaodi_expr::NoValue::Missing { code: code.to_owned(), unit: self.label(unit), shift: period_shift }
        })
    }

    fn registry(
        &self,
        q: &gaodi_expr::RegistryQuery,
        unit: usize,
        period_shift: i32,
    ) -> Result<f64, gaodi_expr::NoValue> {
        let Some(query) = registry_query(q) else {
            self.reasons.borrow_mut().push(reason(
                "indicator.no_value.bad_query",
                &[("query", &q.to_string())],
                format!("The registries cannot answer {q}."),
            ));
            return Err(gaodi_expr::NoValue::Missing {
                code: q.to_string(),
                unit: self.label(unit),
                shift: period_shift,
            });
        };
        self.engine.registry_value(&query, unit, shifted(self.period, period_shift)).map_err(|r| {
            self.reasons.borrow_mut().push(r);
            gaodi_expr::NoValue::Missing { code: q.to_string(), unit: self.label(unit), shift: period_shift }
        })
    }

    fn children(&self, unit: usize, period_shift: i32) -> Vec<usize> {
        let year = shifted(self.period, period_shift).year();
        let code = &self.engine.inputs.regions[unit].code;
        self.engine.children(code, year).into_iter().map(|c| self.engine.region_index[c]).collect()
    }

    fn parent(&self, unit: usize, period_shift: i32) -> Option<usize> {
        let year = shifted(self.period, period_shift).year();
        let code = &self.engine.inputs.regions[unit].code;
        self.engine.parent(code, year).map(|p| self.engine.region_index[p])
    }

    fn periods_per_year(&self) -> i32 {
        match self.period.kind() {
            PeriodKind::Year => 1,
            PeriodKind::Half => 2,
            PeriodKind::Quarter => 4,
            PeriodKind::Month => 12,
        }
    }

    fn label(&self, unit: usize) -> String {
        self.engine.inputs.regions[unit].code.clone()
    }
}

impl Engine<'_> {
    fn eval_formula(&self, expr: &gaodi_expr::Expr, r: usize, period: Period) -> Result<f64, NoValueReason> {
        let env = EvalEnv { engine: self, period, reasons: RefCell::new(Vec::new()) };
        match gaodi_expr::eval(expr, &env, r) {
            Ok(gaodi_expr::Value::Number(v)) => Ok(v),
            Ok(gaodi_expr::Value::Bool(b)) => Ok(if b { 1.0 } else { 0.0 }),
            Err(e @ gaodi_expr::NoValue::Missing { .. }) => {
                Err(env.reasons.borrow_mut().pop().unwrap_or_else(|| expr_reason(&e)))
            }
            Err(e) => Err(expr_reason(&e)),
        }
    }
}

fn expr_reason(e: &gaodi_expr::NoValue) -> NoValueReason {
    NoValueReason {
        code: e.code().to_owned(),
        args: e.args().into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        message: e.to_string(),
    }
}

/// A target as the engine reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetIn {
    pub indicator: String,
    pub region: String,
    pub period: Period,
    pub comparator: Comparator,
    pub value_e4: i64,
}

/// One line of an indicator table: the value, its target and status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub formula: Option<String>,
    pub decimals: u8,
    pub cell: Cell,
    /// The target value as text (trailing zeros trimmed), with its comparator.
    pub target: Option<String>,
    pub target_e4: Option<i64>,
    pub comparator: Option<Comparator>,
    pub assessment: Assessment,
    /// Completion in percent with one decimal.
    pub completion: Option<String>,
}

/// The target of an indicator at a region and period, if the plans set one.
#[must_use]
pub fn target_for<'t>(targets: &'t [TargetIn], code: &str, region: &str, period: Period) -> Option<&'t TargetIn> {
    targets.iter().find(|t| t.indicator == code && t.region == region && t.period == period)
}

/// Every indicator in force for `region` and `period`, with its target and status as of
/// `today`.
#[must_use]
pub fn table(engine: &Engine<'_>, region: &str, period: Period, targets: &[TargetIn], today: time::Date) -> Vec<Row> {
    engine.codes(period.year()).into_iter().map(|code| row(engine, code, region, period, targets, today)).collect()
}

/// One indicator's line (see [`table`]).
#[must_use]
pub fn row(
    engine: &Engine<'_>,
    code: &str,
    region: &str,
    period: Period,
    targets: &[TargetIn],
    today: time::Date,
) -> Row {
    let def = engine.definition(code, period.year());
    let cell = engine.cell(code, region, period);
    let target = target_for(targets, code, region, period);
    let time = def.map_or(TimeAggregation::Last, |d| d.time);
    let assessment = assess(cell.value_e4, target.map(|t| (t.comparator, t.value_e4)), progress(period, today), time);
    Row {
        code: code.to_owned(),
        name_zh: def.map(|d| d.name_zh.clone()).unwrap_or_else(|| code.to_owned()),
        name_en: def.map(|d| d.name_en.clone()).unwrap_or_else(|| code.to_owned()),
        unit_zh: def.map(|d| d.unit_zh.clone()).unwrap_or_default(),
        unit_en: def.map(|d| d.unit_en.clone()).unwrap_or_default(),
        formula: def.and_then(|d| d.formula.clone()),
        decimals: def.map_or(4, |d| d.decimals),
        cell,
        target: target.map(|t| super::format_e4_plain(t.value_e4)),
        target_e4: target.map(|t| t.value_e4),
        comparator: target.map(|t| t.comparator),
        assessment,
        completion: assessment.completion_e4.map(|c| super::format_e4(c, 1)),
    }
}

/// The children of `region` ranked by an indicator's value in `period` (min-rank, higher is
/// better unless the indicator's direction is down; regions without a value last, unranked).
#[must_use]
pub fn ranking(engine: &Engine<'_>, code: &str, region: &str, period: Period) -> Vec<(Cell, Option<u32>)> {
    let down = engine.definition(code, period.year()).is_some_and(|d| d.direction == super::Direction::Down);
    let mut cells: Vec<Cell> =
        engine.children(region, period.year()).into_iter().map(|c| engine.cell(code, c, period)).collect();
    cells.sort_by(|a, b| match (a.value_e4, b.value_e4) {
        (Some(x), Some(y)) => {
            let ord = if down { x.cmp(&y) } else { y.cmp(&x) };
            ord.then_with(|| a.region.cmp(&b.region))
        }
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.region.cmp(&b.region),
    });
    let mut out: Vec<(Cell, Option<u32>)> = Vec::with_capacity(cells.len());
    for (i, c) in cells.into_iter().enumerate() {
        let rank = c.value_e4.map(|v| match out.last() {
            Some((prev, Some(r))) if prev.value_e4 == Some(v) => *r,
            _ => u32::try_from(i + 1).unwrap_or(u32::MAX),
        });
        out.push((c, rank));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::catalogue;
    use crate::indicator::registry::{Record, Span, PROJECT_RUN};
    use time::macros::date;

    fn fact(id: i64, year: &str, value_e4: i64) -> FactIn {
        FactIn {
            fact_id: id,
            measure: "project_funding".into(),
            region: "430200".into(),
            period: Period::parse(year).unwrap(),
            source: "bureau".into(),
            value_e4,
        }
    }

    #[test]
    fn a_later_version_counts_the_registry_and_a_reported_figure_wins() {
        let project = Record {
            id: 7,
            region: "430200".into(),
            park: None,
            attrs: vec![("level", "provincial".into()), ("kind", "ordinary".into()), ("status", "approved".into())],
            date: Some(date!(2021 - 11 - 30)),
            until: None,
            amount_fen: Some(52_000 * 1_000_000),
            spans: vec![Span {
                kind: PROJECT_RUN.into(),
                from: date!(2022 - 01 - 01),
                to: Some(date!(2024 - 12 - 31)),
            }],
        };
        let inputs = Inputs {
            regions: vec![RegionInfo {
                code: "430200".into(),
                name_zh: "株洲市".into(),
                name_en: "Zhuzhou".into(),
                is_park: false,
            }],
            memberships: vec![],
            measures: catalogue::measures(),
            definitions: catalogue::indicators(),
            facts: vec![fact(1, "2020", 45_600 * 10_000), fact(2, "2022", 63_440 * 10_000)],
            snapshot: Snapshot { records: HashMap::from([(Entity::Project, vec![project])]) },
        };
        let (engine, errors) = Engine::new(&inputs);
        assert!(errors.is_empty(), "{errors:?}");
        let value = |code: &str, year: &str| engine.cell(code, "430200", Period::parse(year).unwrap()).value;
        // Reported to 2020; counted in 2021; reported again for 2022, which wins over the count of 0.
        assert_eq!(value("project_funding", "2020").as_deref(), Some("45600.00"));
        assert_eq!(value("project_funding", "2021").as_deref(), Some("52000.00"));
        assert_eq!(value("project_funding", "2022").as_deref(), Some("63440.00"));
        assert_eq!(value("natl_prov_projects_approved", "2021").as_deref(), Some("1"));
        assert_eq!(value("project_funding_growth", "2021").as_deref(), Some("14.0"));
        // Sources follow: records in 2021, the fact in 2022.
        let y2021 = engine.sources("project_funding", "430200", Period::parse("2021").unwrap());
        assert!(matches!(&y2021[..], [Source::Records { ids, .. }] if ids == &vec![7]), "{y2021:?}");
        let y2022 = engine.sources("project_funding", "430200", Period::parse("2022").unwrap());
        assert!(matches!(&y2022[..], [Source::Facts { fact_ids, .. }] if fact_ids == &vec![2]), "{y2022:?}");
        // A formula indicator without a measure of its code has nothing to be overridden by.
        assert_eq!(engine.reported_override("hte_count", 0, Period::parse("2022").unwrap()), None);
    }
}

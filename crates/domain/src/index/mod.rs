//! Composite indices by the JRC/OECD method (`shared/domain/composite-index.md`, cited as §N).
//!
//! [`build`] runs one configurable pipeline over a [`Panel`] of raw values, a [`Framework`]
//! (indicators and the aggregation tree) and a [`Method`], and keeps every intermediate table
//! with per-cell [`CellFlags`] (§0.2, §1 "Pipeline state"):
//!
//! | step | function | § |
//! |---|---|---|
//! | denominate | [`impute::denominate`] | 3.1 |
//! | impute (group mean, carry forward/back, or none) | [`impute::group_mean`], [`impute::carry`] | 3.2, 6.1 |
//! | treat (winsorise + CT log fallback, or mean ± k·SD) then the indicator's transform | [`treat`] | 3.3–3.5, 6.2, 6.7 |
//! | normalise (min-max, goalposts, z-score, percentile rank) | [`normalise`] | 3.6, 6.3, 6.8 |
//! | aggregate level by level, weights renormalised over present children | [`aggregate`] | 3.7, 6.5 |
//! | rank the root per period (min-rank, descending, exclusions) | [`rank::min_rank`] | 3.8, 6.9 |
//!
//! Imputation and treatment may swap places (`[pipeline] order`, §2). Relative scores
//! ([`Scoreboard::relative_to`]) and performance groups ([`rank::performance_group`]) are
//! offered as functions over a built scoreboard.
//!
//! # Determinism and summation order
//!
//! The engine first sorts the rows into its canonical order, by period and then unit code
//! (byte order), and all its tables are in that order. Every sum over units (group means,
//! mean and SD of the SD rule and z-scores) runs in canonical row order; the moments of
//! winsorisation run in ascending value order; aggregation sums the children in framework order
//! (indicators in indicator-file order, then aggregates in aggregate-file order). The result
//! is therefore bit-for-bit the same whatever the order of the input rows. Periods order as
//! strings, which is chronological for the canonical codes of one kind (`2021`, `2021Q3`, …).
//!
//! # Not covered (settings of the methodology left for later)
//!
//! Coverage screening (§3.2), minimum coverage of a parent (§3.7), whether excluded
//! (aggregate) units take part in statistics (§1: here they always do; `[rank] exclude` only
//! removes them from ranking), upstream-imputed flags (§3.2), an output factor (§3.8).

pub mod aggregate;
pub mod attribution;
pub mod definition;
pub mod framework;
pub mod impute;
pub mod method;
pub mod normalise;
pub mod rank;
pub mod sensitivity;
pub mod stats;
pub mod treat;
pub mod whatif;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Range;

pub use framework::{Aggregate, Bounds, Child, Direction, Framework, FrameworkError, Indicator, Transform};
use method::{AggregateMethod, ImputeMethod, NormaliseMethod, StepOrder, TransformErrors, TreatMethod};
pub use method::{Method, MethodError};
pub use treat::{Outcome, TreatStatus};

/// Per-cell flags of one indicator (§1 "Pipeline state"), a small bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct CellFlags(pub u16);

impl CellFlags {
    /// Filled by imputation.
    pub const IMPUTED: u16 = 1;
    /// Missing, and imputation found no donor.
    pub const NO_DONOR: u16 = 1 << 1;
    /// The denominator was 0 (a data error); the value is missing.
    pub const ZERO_DENOMINATOR: u16 = 1 << 2;
    pub const WINSORISED_HIGH: u16 = 1 << 3;
    pub const WINSORISED_LOW: u16 = 1 << 4;
    /// Transformed (CT log fallback or the indicator's transform).
    pub const TRANSFORMED: u16 = 1 << 5;
    /// The indicator's transform was not applicable; left untransformed.
    pub const TRANSFORM_ERROR: u16 = 1 << 6;
    /// A goalpost score was clipped.
    pub const CLIPPED: u16 = 1 << 7;
    /// Observed max = min: the normalised score is missing (or the stated constant).
    pub const CONSTANT: u16 = 1 << 8;

    const NAMES: [(u16, &'static str); 9] = [
        (Self::IMPUTED, "imputed"),
        (Self::NO_DONOR, "no_donor"),
        (Self::ZERO_DENOMINATOR, "zero_denominator"),
        (Self::WINSORISED_HIGH, "winsorised_high"),
        (Self::WINSORISED_LOW, "winsorised_low"),
        (Self::TRANSFORMED, "transformed"),
        (Self::TRANSFORM_ERROR, "transform_error"),
        (Self::CLIPPED, "clipped"),
        (Self::CONSTANT, "constant"),
    ];

    pub fn insert(&mut self, flag: u16) {
        self.0 |= flag;
    }

    #[must_use]
    pub fn contains(self, flag: u16) -> bool {
        self.0 & flag == flag
    }

    /// The names of the flags set, e.g. `["imputed", "winsorised_high"]`.
    #[must_use]
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES.iter().filter(|(bit, _)| self.contains(*bit)).map(|(_, name)| *name).collect()
    }
}

/// A row of the data: a unit, in a period when the data is a panel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowKey {
    pub unit: String,
    pub period: Option<String>,
}

/// The raw data: one row per unit and period, numeric columns (indicators, denominators; a
/// missing cell is `None`) and text columns (grouping), each as long as `rows`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Panel {
    pub rows: Vec<RowKey>,
    pub numbers: BTreeMap<String, Vec<Option<f64>>>,
    pub labels: BTreeMap<String, Vec<Option<String>>>,
}

/// What treatment did to one indicator in one cross-section (`period` is `None` without
/// periods or when treatment pools them).
#[derive(Debug, Clone, PartialEq)]
pub struct TreatmentSummary {
    pub indicator: String,
    pub period: Option<String>,
    pub outcome: Outcome,
    /// The indicator's own transform, if it has one and it was applied.
    pub transform: Option<Transform>,
    /// Why the indicator's transform could not be applied.
    pub transform_error: Option<String>,
}

/// Something the build did that a user should know about; the build went on.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// §3.1: a zero denominator, a data error; the value is missing.
    ZeroDenominator { indicator: String, unit: String, period: Option<String> },
    /// §3.2: no value in the unit's group (or the unit has no group); the cell stays missing.
    NoDonor { indicator: String, unit: String, period: Option<String> },
    /// §3.4b, §5: G1/G2 undefined (constant column, or fewer than 4 values); not treated.
    NotTreated { indicator: String, period: Option<String>, status: TreatStatus },
    /// §3.4b: winmax passes did not meet the thresholds and the fallback is `none`.
    NotConverged { indicator: String, period: Option<String> },
    /// §3.5: the indicator's transform was not applicable; left untransformed.
    TransformNotApplied { indicator: String, period: Option<String>, reason: String },
    /// §3.6: observed max = min; the scores are missing (or the stated constant).
    ConstantIndicator { indicator: String, period: Option<String> },
    /// `[rank] exclude` names a unit that is not in the data.
    UnknownExcludedUnit { unit: String },
}

fn at(period: Option<&String>) -> String {
    period.map_or_else(String::new, |p| format!(" in {p}"))
}

impl Notice {
    /// The stable i18n key, e.g. `index.notice.zero_denominator`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Notice::ZeroDenominator { .. } => "index.notice.zero_denominator",
            Notice::NoDonor { .. } => "index.notice.no_donor",
            Notice::NotTreated { .. } => "index.notice.not_treated",
            Notice::NotConverged { .. } => "index.notice.not_converged",
            Notice::TransformNotApplied { .. } => "index.notice.transform_not_applied",
            Notice::ConstantIndicator { .. } => "index.notice.constant_indicator",
            Notice::UnknownExcludedUnit { .. } => "index.notice.unknown_excluded_unit",
        }
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::ZeroDenominator { indicator, unit, period } => write!(
                f,
                "{indicator}: unit {unit}{} has a zero denominator (a data error); its value is left missing.",
                at(period.as_ref())
            ),
            Notice::NoDonor { indicator, unit, period } => write!(
                f,
                "{indicator}: unit {unit}{} has no value and its group has none to impute from; it stays missing.",
                at(period.as_ref())
            ),
            Notice::NotTreated { indicator, period, status } => write!(
                f,
                "{indicator}{}: skewness and kurtosis are undefined ({}); the values are left untreated.",
                at(period.as_ref()),
                match status {
                    TreatStatus::Constant => "every value is equal",
                    _ => "fewer than 4 values",
                }
            ),
            Notice::NotConverged { indicator, period } => write!(
                f,
                "{indicator}{}: winsorisation reached its maximum of points without meeting the skewness and \
                 kurtosis thresholds; the winsorised values are kept (fallback = \"none\").",
                at(period.as_ref())
            ),
            Notice::TransformNotApplied { indicator, period, reason } => {
                write!(f, "{indicator}{}: {reason}; the values are left untransformed.", at(period.as_ref()))
            }
            Notice::ConstantIndicator { indicator, period } => write!(
                f,
                "{indicator}{}: every value is equal, so it carries no information; its scores are missing \
                 (set [normalise] constant to give them a score).",
                at(period.as_ref())
            ),
            Notice::UnknownExcludedUnit { unit } => {
                write!(f, "[rank] exclude names unit {unit}, which is not in the data.")
            }
        }
    }
}

/// Why a build stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexError {
    Method(MethodError),
    /// A numeric or text column does not have one value per row.
    ColumnLength {
        column: String,
        len: usize,
        rows: usize,
    },
    /// A column the framework or method needs is not in the data; `needed_by` says why.
    MissingColumn {
        column: String,
        needed_by: String,
    },
    /// Two rows for the same unit and period.
    DuplicateRow {
        unit: String,
        period: Option<String>,
    },
    /// `method = "bounds"` and the indicator has no `lower`/`upper`.
    NoBounds {
        indicator: String,
    },
    /// §3.4b: a winsorisation pass left fewer than two distinct values.
    TwoDistinctValues {
        indicator: String,
        period: Option<String>,
    },
    /// §5: fewer than 4 values with `few_values = "error"`.
    TooFewValues {
        indicator: String,
        period: Option<String>,
        count: usize,
    },
    /// §3.5 with `transform_errors = "stop"`.
    TransformUndefined {
        indicator: String,
        period: Option<String>,
        reason: String,
    },
    /// §3.7: a score ≤ 0 in a geometric mean.
    NonPositiveGeometric {
        node: String,
        child: String,
        unit: String,
        period: Option<String>,
        score: f64,
    },
}

impl IndexError {
    /// The stable i18n key, e.g. `index.duplicate_row`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            IndexError::Method(e) => e.code(),
            IndexError::ColumnLength { .. } => "index.column_length",
            IndexError::MissingColumn { .. } => "index.missing_column",
            IndexError::DuplicateRow { .. } => "index.duplicate_row",
            IndexError::NoBounds { .. } => "index.no_bounds",
            IndexError::TwoDistinctValues { .. } => "index.two_distinct_values",
            IndexError::TooFewValues { .. } => "index.too_few_values",
            IndexError::TransformUndefined { .. } => "index.transform_undefined",
            IndexError::NonPositiveGeometric { .. } => "index.non_positive_geometric",
        }
    }

    /// The named arguments of the message template.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        let p = |period: &Option<String>| ("period", period.clone().unwrap_or_default());
        match self {
            IndexError::Method(e) => e.args(),
            IndexError::ColumnLength { column, len, rows } => {
                vec![("column", column.clone()), ("len", len.to_string()), ("rows", rows.to_string())]
            }
            IndexError::MissingColumn { column, needed_by } => {
                vec![("column", column.clone()), ("needed_by", needed_by.clone())]
            }
            IndexError::DuplicateRow { unit, period } => vec![("unit", unit.clone()), p(period)],
            IndexError::NoBounds { indicator } => vec![("indicator", indicator.clone())],
            IndexError::TwoDistinctValues { indicator, period } => vec![("indicator", indicator.clone()), p(period)],
            IndexError::TooFewValues { indicator, period, count } => {
                vec![("indicator", indicator.clone()), p(period), ("count", count.to_string())]
            }
            IndexError::TransformUndefined { indicator, period, reason } => {
                vec![("indicator", indicator.clone()), p(period), ("reason", reason.clone())]
            }
            IndexError::NonPositiveGeometric { node, child, unit, period, score } => vec![
                ("node", node.clone()),
                ("child", child.clone()),
                ("unit", unit.clone()),
                p(period),
                ("score", score.to_string()),
            ],
        }
    }
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexError::Method(e) => e.fmt(f),
            IndexError::ColumnLength { column, len, rows } => {
                write!(f, "Column {column} has {len} values for {rows} rows; every column needs one value per row.")
            }
            IndexError::MissingColumn { column, needed_by } => {
                write!(f, "The data has no column \"{column}\", needed by {needed_by}.")
            }
            IndexError::DuplicateRow { unit, period } => {
                write!(f, "Unit {unit}{} appears twice; each unit may have one row per period.", at(period.as_ref()))
            }
            IndexError::NoBounds { indicator } => write!(
                f,
                "Indicator {indicator} has no lower and upper bounds, which [normalise] method = \"bounds\" needs."
            ),
            IndexError::TwoDistinctValues { indicator, period } => write!(
                f,
                "{indicator}{}: winsorisation left fewer than two distinct values; lower [treat] max_points or \
                 max_fraction, or treat this indicator with a transform.",
                at(period.as_ref())
            ),
            IndexError::TooFewValues { indicator, period, count } => write!(
                f,
                "{indicator}{} has {count} values; skewness and kurtosis need at least 4 (or set [treat] \
                 few_values = \"skip\").",
                at(period.as_ref())
            ),
            IndexError::TransformUndefined { indicator, period, reason } => {
                write!(f, "{indicator}{}: {reason} (or set [treat] transform_errors = \"flag\").", at(period.as_ref()))
            }
            IndexError::NonPositiveGeometric { node, child, unit, period, score } => write!(
                f,
                "{node}: the geometric mean for unit {unit}{} meets score {score} of {child}; every score must be \
                 > 0, so normalise to a strictly positive range such as [1, 100].",
                at(period.as_ref())
            ),
        }
    }
}

impl std::error::Error for IndexError {}

impl From<MethodError> for IndexError {
    fn from(e: MethodError) -> Self {
        IndexError::Method(e)
    }
}

/// Every table of a build, rows in canonical order (period, then unit). Indicator tables are
/// indexed `[indicator][row]` in framework order, aggregate tables `[aggregate][row]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scoreboard {
    pub rows: Vec<RowKey>,
    pub indicators: Vec<String>,
    pub aggregates: Vec<String>,
    /// The index of the root in `aggregates`.
    pub root: usize,
    pub denominated: Vec<Vec<Option<f64>>>,
    pub imputed: Vec<Vec<Option<f64>>>,
    pub treated: Vec<Vec<Option<f64>>>,
    pub normalised: Vec<Vec<Option<f64>>>,
    pub aggregated: Vec<Vec<Option<f64>>>,
    /// Rank of the root score within its period.
    pub rank: Vec<Option<u32>>,
    pub flags: Vec<Vec<CellFlags>>,
    /// One per indicator and cross-section of treatment, indicators in framework order.
    pub treatment: Vec<TreatmentSummary>,
    pub notices: Vec<Notice>,
}

/// Normalised indicators and aggregates relative to a reference row (§3.8).
#[derive(Debug, Clone, PartialEq)]
pub struct Relative {
    pub indicators: Vec<Vec<Option<f64>>>,
    pub aggregates: Vec<Vec<Option<f64>>>,
}

impl Scoreboard {
    /// The composite index (the root), per row.
    #[must_use]
    pub fn root_scores(&self) -> &[Option<f64>] {
        &self.aggregated[self.root]
    }

    /// The row of a unit in a period.
    #[must_use]
    pub fn row(&self, unit: &str, period: Option<&str>) -> Option<usize> {
        self.rows.iter().position(|r| r.unit == unit && r.period.as_deref() == period)
    }

    /// Every normalised indicator and aggregate as `100 · v / v[reference, base period]`, each
    /// column divided by its own reference value (§3.8, EIS/RIS). `None` if the reference row
    /// does not exist; a reference value that is 0 or missing makes its column missing.
    #[must_use]
    pub fn relative_to(&self, unit: &str, period: Option<&str>) -> Option<Relative> {
        let r = self.row(unit, period)?;
        let relative = |table: &Vec<Vec<Option<f64>>>| {
            table.iter().map(|column| rank::relative_to_reference(column, column[r])).collect()
        };
        Some(Relative { indicators: relative(&self.normalised), aggregates: relative(&self.aggregated) })
    }
}

/// Runs the pipeline.
///
/// Inputs: the raw data, a checked framework and a method. Output: every intermediate table,
/// flags, treatment summaries and notices. Fails on an invalid method, a column the framework
/// or method needs that is missing or of the wrong length, a unit twice in a period, missing
/// goalposts with `method = "bounds"`, a winsorisation that collapses a column, fewer than 4
/// values or an inapplicable transform when configured to stop, or a score ≤ 0 in a geometric
/// mean.
pub fn build(panel: &Panel, framework: &Framework, method: &Method) -> Result<Scoreboard, IndexError> {
    method.validate()?;
    let n = panel.rows.len();
    for (column, values) in &panel.numbers {
        if values.len() != n {
            return Err(IndexError::ColumnLength { column: column.clone(), len: values.len(), rows: n });
        }
    }
    for (column, values) in &panel.labels {
        if values.len() != n {
            return Err(IndexError::ColumnLength { column: column.clone(), len: values.len(), rows: n });
        }
    }
    let number = |column: &str, needed_by: String| {
        panel.numbers.get(column).ok_or_else(|| IndexError::MissingColumn { column: column.to_owned(), needed_by })
    };
    let indicators = framework.indicators();
    let mut raw = Vec::with_capacity(indicators.len());
    let mut denominators = Vec::with_capacity(indicators.len());
    for x in indicators {
        raw.push(number(&x.code, format!("indicator {}", x.code))?);
        denominators.push(match (&x.denominator, method.denominate.enabled) {
            (Some(d), true) => Some(number(d, format!("the denominator of indicator {}", x.code))?),
            _ => None,
        });
        if method.normalise.method == NormaliseMethod::Bounds && x.bounds.is_none() {
            return Err(IndexError::NoBounds { indicator: x.code.clone() });
        }
    }
    let groups =
        match (&method.impute.method, &method.impute.group) {
            (ImputeMethod::GroupMean, Some(group)) => Some(panel.labels.get(group).ok_or_else(|| {
                IndexError::MissingColumn { column: group.clone(), needed_by: "[impute] group".into() }
            })?),
            _ => None,
        };

    // Canonical order: by period, then unit.
    let mut order: Vec<usize> = (0..n).collect();
    let key = |i: usize| (&panel.rows[i].period, &panel.rows[i].unit);
    order.sort_by(|&a, &b| key(a).cmp(&key(b)));
    if let Some(pair) = order.windows(2).find(|w| key(w[0]) == key(w[1])) {
        let row = &panel.rows[pair[0]];
        return Err(IndexError::DuplicateRow { unit: row.unit.clone(), period: row.period.clone() });
    }
    let rows: Vec<RowKey> = order.iter().map(|&i| panel.rows[i].clone()).collect();
    let sections = sections(&rows);
    let all_rows = 0..n;
    let whole = std::slice::from_ref(&all_rows);
    let pick = |column: &[Option<f64>]| -> Vec<Option<f64>> { order.iter().map(|&i| column[i]).collect() };

    let mut run = Run { framework, method, rows: &rows, flags: vec![vec![CellFlags::default(); n]; indicators.len()] };
    let mut notices = Vec::new();

    // §3.1 Denominate.
    let mut denominated: Vec<Vec<Option<f64>>> = raw.iter().map(|column| pick(column)).collect();
    for (i, d) in denominators.iter().enumerate() {
        if let Some(d) = d {
            for row in impute::denominate(&mut denominated[i], &pick(d), &mut run.flags[i]) {
                notices.push(Notice::ZeroDenominator {
                    indicator: indicators[i].code.clone(),
                    unit: rows[row].unit.clone(),
                    period: rows[row].period.clone(),
                });
            }
        }
    }

    // §3.2 / §3.4 in the configured order (§2, §6.1).
    let group_labels: Option<Vec<Option<&str>>> =
        groups.map(|g| order.iter().map(|&i| g[i].as_deref().filter(|s| !s.is_empty())).collect());
    let treat_pools = if method.treat.pool_periods { whole } else { sections.as_slice() };
    let mut current = denominated.clone();
    let (imputed, treated, treatment);
    match method.pipeline.order {
        StepOrder::ImputeThenTreat => {
            run.impute(&mut current, group_labels.as_deref(), &sections, &mut notices);
            imputed = current.clone();
            treatment = run.treat(&mut current, treat_pools, &mut notices)?;
            treated = current;
        }
        StepOrder::TreatThenImpute => {
            treatment = run.treat(&mut current, treat_pools, &mut notices)?;
            treated = current.clone();
            run.impute(&mut current, group_labels.as_deref(), &sections, &mut notices);
            imputed = current;
        }
    }
    let input = match method.pipeline.order {
        StepOrder::ImputeThenTreat => &treated,
        StepOrder::TreatThenImpute => &imputed,
    };

    // §3.6 Normalise.
    let normalise_pools = if method.normalise.pool_periods { whole } else { sections.as_slice() };
    let normalised = run.normalise(input, normalise_pools, &mut notices);

    // §3.7 Aggregate, bottom-up.
    let aggregated = run.aggregate(&normalised)?;

    // §3.8 Rank the root within each period.
    let exclude: HashSet<&str> = method.rank.exclude.iter().map(String::as_str).collect();
    for unit in &method.rank.exclude {
        if !rows.iter().any(|r| &r.unit == unit) {
            notices.push(Notice::UnknownExcludedUnit { unit: unit.clone() });
        }
    }
    let excluded: Vec<bool> = rows.iter().map(|r| exclude.contains(r.unit.as_str())).collect();
    let root = &aggregated[framework.root()];
    let mut ranks = vec![None; n];
    for section in &sections {
        let r = rank::min_rank(&root[section.clone()], &excluded[section.clone()]);
        ranks[section.clone()].copy_from_slice(&r);
    }

    let flags = run.flags;
    Ok(Scoreboard {
        indicators: indicators.iter().map(|x| x.code.clone()).collect(),
        aggregates: framework.aggregates().iter().map(|a| a.code.clone()).collect(),
        root: framework.root(),
        rows,
        denominated,
        imputed,
        treated,
        normalised,
        aggregated,
        rank: ranks,
        flags,
        treatment,
        notices,
    })
}

/// The contiguous ranges of rows sharing a period (rows in canonical order).
fn sections(rows: &[RowKey]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        if i == rows.len() || rows[i].period != rows[start].period {
            out.push(start..i);
            start = i;
        }
    }
    out
}

/// State shared by the steps of one build.
struct Run<'a> {
    framework: &'a Framework,
    method: &'a Method,
    rows: &'a [RowKey],
    flags: Vec<Vec<CellFlags>>,
}

impl Run<'_> {
    fn period(&self, pool: &Range<usize>, pooled: bool) -> Option<String> {
        if pooled {
            None
        } else {
            self.rows.get(pool.start).and_then(|r| r.period.clone())
        }
    }

    /// §3.2: group means within each period, or carry forward/back along each unit's periods.
    fn impute(
        &mut self,
        table: &mut [Vec<Option<f64>>],
        groups: Option<&[Option<&str>]>,
        sections: &[Range<usize>],
        notices: &mut Vec<Notice>,
    ) {
        match self.method.impute.method {
            ImputeMethod::None => {}
            ImputeMethod::GroupMean => {
                let groups = groups.unwrap_or_default();
                for (i, column) in table.iter_mut().enumerate() {
                    for section in sections {
                        let flags = &mut self.flags[i][section.clone()];
                        let without = impute::group_mean(&mut column[section.clone()], &groups[section.clone()], flags);
                        for row in without {
                            let row = &self.rows[section.start + row];
                            notices.push(Notice::NoDonor {
                                indicator: self.framework.indicators()[i].code.clone(),
                                unit: row.unit.clone(),
                                period: row.period.clone(),
                            });
                        }
                    }
                }
            }
            ImputeMethod::Carry => {
                // Rows are sorted by period first, so each unit's rows come in period order.
                let mut series: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
                for (row, key) in self.rows.iter().enumerate() {
                    series.entry(key.unit.as_str()).or_default().push(row);
                }
                let series: Vec<Vec<usize>> = series.into_values().collect();
                for (i, column) in table.iter_mut().enumerate() {
                    impute::carry(column, &series, &mut self.flags[i]);
                }
            }
        }
    }

    /// §3.4 then §3.5, per indicator and pool.
    fn treat(
        &mut self,
        table: &mut [Vec<Option<f64>>],
        pools: &[Range<usize>],
        notices: &mut Vec<Notice>,
    ) -> Result<Vec<TreatmentSummary>, IndexError> {
        let settings = &self.method.treat;
        let pooled = settings.pool_periods;
        let mut summaries = Vec::with_capacity(table.len() * pools.len());
        for (i, column) in table.iter_mut().enumerate() {
            let x = &self.framework.indicators()[i];
            for pool in pools {
                let period = self.period(pool, pooled);
                let cells = &mut column[pool.clone()];
                let flags = &mut self.flags[i][pool.clone()];
                let outcome = match settings.method {
                    TreatMethod::None => Outcome::default(),
                    TreatMethod::Winsorise => {
                        treat::winsorise(cells, flags, pool.len(), settings).map_err(|failure| match failure {
                            treat::TreatFailure::TwoDistinctValues => {
                                IndexError::TwoDistinctValues { indicator: x.code.clone(), period: period.clone() }
                            }
                            treat::TreatFailure::TooFewValues { count } => {
                                IndexError::TooFewValues { indicator: x.code.clone(), period: period.clone(), count }
                            }
                        })?
                    }
                    TreatMethod::SdOutliers => treat::replace_sd_outliers(cells, flags, settings.sd_k, settings.sd),
                };
                match outcome.status {
                    TreatStatus::Checked => {}
                    TreatStatus::NotConverged => {
                        notices.push(Notice::NotConverged { indicator: x.code.clone(), period: period.clone() });
                    }
                    status @ (TreatStatus::Constant | TreatStatus::TooFewValues) => {
                        if settings.method == TreatMethod::Winsorise {
                            notices.push(Notice::NotTreated {
                                indicator: x.code.clone(),
                                period: period.clone(),
                                status,
                            });
                        }
                    }
                }
                let mut summary = TreatmentSummary {
                    indicator: x.code.clone(),
                    period: period.clone(),
                    outcome,
                    transform: None,
                    transform_error: None,
                };
                if let Some(t) = x.transform {
                    match treat::transform(cells, flags, t) {
                        Ok(()) => summary.transform = Some(t),
                        Err(reason) if settings.transform_errors == TransformErrors::Stop => {
                            return Err(IndexError::TransformUndefined { indicator: x.code.clone(), period, reason });
                        }
                        Err(reason) => {
                            notices.push(Notice::TransformNotApplied {
                                indicator: x.code.clone(),
                                period: period.clone(),
                                reason: reason.clone(),
                            });
                            summary.transform_error = Some(reason);
                        }
                    }
                }
                summaries.push(summary);
            }
        }
        Ok(summaries)
    }

    /// §3.6 per indicator and pool; constant columns by the configured rule.
    fn normalise(
        &mut self,
        table: &[Vec<Option<f64>>],
        pools: &[Range<usize>],
        notices: &mut Vec<Notice>,
    ) -> Vec<Vec<Option<f64>>> {
        let s = &self.method.normalise;
        let mut out = Vec::with_capacity(table.len());
        for (i, column) in table.iter().enumerate() {
            let x = &self.framework.indicators()[i];
            let sign = x.direction.sign();
            let mut scores = vec![None; column.len()];
            for pool in pools {
                let cells = &column[pool.clone()];
                let period = self.period(pool, s.pool_periods);
                let flags = &mut self.flags[i][pool.clone()];
                let result = match (s.method, x.bounds) {
                    (NormaliseMethod::Minmax, _) => normalise::minmax(cells, sign, s.range),
                    (NormaliseMethod::Zscore, _) => normalise::zscore(cells, sign, s.sd, s.centre, s.spread),
                    (NormaliseMethod::Rank, _) => normalise::percentile_rank(cells, sign, s.ties, s.range),
                    (NormaliseMethod::Bounds, Some(bounds)) => {
                        let (values, clipped) = normalise::goalposts(cells, bounds, x.direction, s.range, s.clip);
                        for (flag, _) in flags.iter_mut().zip(clipped).filter(|(_, c)| *c) {
                            flag.insert(CellFlags::CLIPPED);
                        }
                        Some(values)
                    }
                    // Checked before the pipeline ran.
                    (NormaliseMethod::Bounds, None) => Some(vec![None; cells.len()]),
                };
                let values = result.unwrap_or_else(|| {
                    if s.constant.is_none() {
                        notices.push(Notice::ConstantIndicator { indicator: x.code.clone(), period });
                    }
                    cells
                        .iter()
                        .zip(flags.iter_mut())
                        .map(|(cell, flag)| {
                            cell.and_then(|_| {
                                flag.insert(CellFlags::CONSTANT);
                                s.constant
                            })
                        })
                        .collect()
                });
                scores[pool.clone()].copy_from_slice(&values);
            }
            out.push(scores);
        }
        out
    }

    /// §3.7: each aggregate from its children's scores, children before parents.
    fn aggregate(&self, normalised: &[Vec<Option<f64>>]) -> Result<Vec<Vec<Option<f64>>>, IndexError> {
        let f = self.framework;
        let n = self.rows.len();
        let mut aggregated: Vec<Vec<Option<f64>>> = vec![vec![None; n]; f.aggregates().len()];
        for &a in f.bottom_up() {
            let children = f.children(a);
            let mut scores = vec![None; n];
            for (row, score) in scores.iter_mut().enumerate() {
                let present = children.iter().map(|&c| {
                    let s = match c {
                        Child::Indicator(i) => normalised[i][row],
                        Child::Aggregate(b) => aggregated[b][row],
                    };
                    (f.weight(c), s)
                });
                *score = match self.method.aggregate.method {
                    AggregateMethod::Arithmetic => aggregate::arithmetic(present),
                    AggregateMethod::Geometric => aggregate::geometric(present).map_err(|score| {
                        let child = children
                            .iter()
                            .find_map(|&c| {
                                let (code, s) = match c {
                                    Child::Indicator(i) => (&f.indicators()[i].code, normalised[i][row]),
                                    Child::Aggregate(b) => (&f.aggregates()[b].code, aggregated[b][row]),
                                };
                                #[allow(clippy::float_cmp)]
                                (s == Some(score)).then(|| code.clone())
                            })
                            .unwrap_or_default();
                        IndexError::NonPositiveGeometric {
                            node: f.aggregates()[a].code.clone(),
                            child,
                            unit: self.rows[row].unit.clone(),
                            period: self.rows[row].period.clone(),
                            score,
                        }
                    })?,
                };
            }
            aggregated[a] = scores;
        }
        Ok(aggregated)
    }
}

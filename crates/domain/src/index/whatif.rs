//! What-if weights: scores and ranks again with other weights, from a built [`Scoreboard`],
//! without running treatment and normalisation again.
//!
//! # Why re-aggregating is the full build
//!
//! In the pipeline of [`super::build`] the weights enter at one step only, aggregation (§3.7).
//! Denomination divides by a data column; imputation takes group means or carries values of
//! the same indicator; treatment (winsorisation, the CT log fallback, the mean ± k·SD rule,
//! transforms) looks at one indicator's column; normalisation maps one indicator's column with
//! its own bounds, mean/SD or ranks. None of them reads a weight, so the normalised table of a
//! build is the same whatever the weights, and so are the notices and the treatment log. Only
//! the aggregates and the ranks of the root depend on the weights. [`reweight`] therefore
//! keeps every table of the scoreboard, recomputes the aggregates bottom-up with the same
//! functions ([`super::aggregate::arithmetic`] / [`super::aggregate::geometric`]) over the
//! children in the same order, and ranks the root per period with [`super::rank::min_rank`]:
//! the result is bit-for-bit the scoreboard a full build with the new weights gives (a property
//! test checks this). The scoreboard must come from a build with the same framework (codes and
//! tree, checked) and the same method (not checkable from the scoreboard: pass the same one).
//!
//! Weights are relative (§1): only their ratios within each parent matter. A weight of 0 is
//! accepted here (a slider at zero) and takes the child out: it counts neither in the weighted
//! mean nor in the sum of the weights, exactly as if the child were not in the tree; a parent
//! whose present children all weigh 0 is missing. [`Weights::apply`], for a full build or
//! to save the weights as a new definition, needs every weight > 0.
//!
//! # Error codes
//!
//! The errors of what-if weights, sensitivity ([`super::sensitivity`]) and attribution
//! ([`super::attribution`]).
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `index.whatif.mismatch` | The scores were not built with this index's indicators and aggregates ({detail}); build the index again. | 得分不是按该指数的指标和汇总节点计算的（{detail}）；请重新计算指数。 |
//! | `index.whatif.unknown_node` | No indicator or aggregate has code {code} in this index. | 该指数中没有代码为 {code} 的指标或汇总节点。 |
//! | `index.whatif.bad_weight` | {node} has weight {weight}; accepted: a finite number of 0 or more. | {node} 的权重为 {weight}；可接受：0 或以上的有限数。 |
//! | `index.whatif.non_positive_geometric` | {node}: the geometric mean for unit {unit}{period} meets a score of {score}; every score must be > 0. | {node}：单位 {unit}{period} 的几何平均遇到得分 {score}；所有得分都必须大于 0。 |
//! | `index.whatif.bad_spread` | The weight spread {value} is not accepted; accepted: a number from 0 to below 1, e.g. 0.25 for ±25 %. | 权重扰动幅度 {value} 无效；可接受：0 至小于 1 的数，如 0.25 表示 ±25%。 |
//! | `index.whatif.no_runs` | The number of runs is 0; accepted: 1 or more, e.g. 1000. | 模拟次数为 0；可接受：1 或以上，如 1000。 |
//! | `index.whatif.no_row` | Unit {unit} has no row in {period}. | 单位 {unit} 在 {period} 没有数据行。 |
//! | `index.whatif.no_score` | Unit {unit} has no index score in {period} (every indicator is missing). | 单位 {unit} 在 {period} 没有指数得分（所有指标均缺失）。 |

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

use super::aggregate;
use super::framework::{Child, Framework, FrameworkError};
use super::method::{AggregateMethod, Method};
use super::rank::min_rank;
use super::{RowKey, Scoreboard};

/// Why a what-if, sensitivity or attribution could not be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum WhatIfError {
    /// The scoreboard's indicators, aggregates or tables do not fit the framework.
    Mismatch {
        detail: String,
    },
    UnknownNode {
        code: String,
    },
    /// Negative, NaN or infinite.
    BadWeight {
        node: String,
        weight: f64,
    },
    /// A score ≤ 0 under geometric aggregation (a scoreboard built with another method).
    NonPositiveGeometric {
        node: String,
        unit: String,
        period: Option<String>,
        score: f64,
    },
    BadSpread {
        value: f64,
    },
    NoRuns,
    NoRow {
        unit: String,
        period: String,
    },
    NoScore {
        unit: String,
        period: String,
    },
}

fn in_period(period: Option<&String>) -> String {
    period.map_or_else(String::new, |p| format!(" in {p}"))
}

impl WhatIfError {
    /// The stable i18n key, e.g. `index.whatif.bad_weight`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            WhatIfError::Mismatch { .. } => "index.whatif.mismatch",
            WhatIfError::UnknownNode { .. } => "index.whatif.unknown_node",
            WhatIfError::BadWeight { .. } => "index.whatif.bad_weight",
            WhatIfError::NonPositiveGeometric { .. } => "index.whatif.non_positive_geometric",
            WhatIfError::BadSpread { .. } => "index.whatif.bad_spread",
            WhatIfError::NoRuns => "index.whatif.no_runs",
            WhatIfError::NoRow { .. } => "index.whatif.no_row",
            WhatIfError::NoScore { .. } => "index.whatif.no_score",
        }
    }

    /// The named arguments of the message template.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            WhatIfError::Mismatch { detail } => vec![("detail", detail.clone())],
            WhatIfError::UnknownNode { code } => vec![("code", code.clone())],
            WhatIfError::BadWeight { node, weight } => vec![("node", node.clone()), ("weight", weight.to_string())],
            WhatIfError::NonPositiveGeometric { node, unit, period, score } => vec![
                ("node", node.clone()),
                ("unit", unit.clone()),
                ("period", in_period(period.as_ref())),
                ("score", score.to_string()),
            ],
            WhatIfError::BadSpread { value } => vec![("value", value.to_string())],
            WhatIfError::NoRuns => Vec::new(),
            WhatIfError::NoRow { unit, period } | WhatIfError::NoScore { unit, period } => {
                vec![("unit", unit.clone()), ("period", period.clone())]
            }
        }
    }
}

impl fmt::Display for WhatIfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WhatIfError::Mismatch { detail } => write!(
                f,
                "The scores were not built with this index's indicators and aggregates ({detail}); build the index \
                 again."
            ),
            WhatIfError::UnknownNode { code } => write!(f, "No indicator or aggregate has code {code} in this index."),
            WhatIfError::BadWeight { node, weight } => {
                write!(f, "{node} has weight {weight}; accepted: a finite number of 0 or more.")
            }
            WhatIfError::NonPositiveGeometric { node, unit, period, score } => write!(
                f,
                "{node}: the geometric mean for unit {unit}{} meets a score of {score}; every score must be > 0.",
                in_period(period.as_ref())
            ),
            WhatIfError::BadSpread { value } => write!(
                f,
                "The weight spread {value} is not accepted; accepted: a number from 0 to below 1, e.g. 0.25 for ±25 %."
            ),
            WhatIfError::NoRuns => write!(f, "The number of runs is 0; accepted: 1 or more, e.g. 1000."),
            WhatIfError::NoRow { unit, period } => write!(f, "Unit {unit} has no row in {period}."),
            WhatIfError::NoScore { unit, period } => {
                write!(f, "Unit {unit} has no index score in {period} (every indicator is missing).")
            }
        }
    }
}

impl std::error::Error for WhatIfError {}

/// A weight for every node, in framework order (the root's weight is never used).
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub indicators: Vec<f64>,
    pub aggregates: Vec<f64>,
}

impl Weights {
    /// The framework's own weights.
    #[must_use]
    pub fn of(framework: &Framework) -> Weights {
        Weights {
            indicators: framework.indicators().iter().map(|x| x.weight).collect(),
            aggregates: framework.aggregates().iter().map(|a| a.weight).collect(),
        }
    }

    /// Sets the weight of the indicator or aggregate `code`.
    ///
    /// # Errors
    /// [`WhatIfError::UnknownNode`], or [`WhatIfError::BadWeight`] for a weight that is
    /// negative, NaN or infinite (nothing is changed then).
    pub fn set(&mut self, framework: &Framework, code: &str, weight: f64) -> Result<(), WhatIfError> {
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(WhatIfError::BadWeight { node: code.to_owned(), weight });
        }
        if let Some(i) = framework.indicators().iter().position(|x| x.code == code) {
            self.indicators[i] = weight;
        } else if let Some(a) = framework.aggregates().iter().position(|a| a.code == code) {
            self.aggregates[a] = weight;
        } else {
            return Err(WhatIfError::UnknownNode { code: code.to_owned() });
        }
        Ok(())
    }

    /// The weight of a child.
    #[must_use]
    pub fn of_child(&self, child: Child) -> f64 {
        match child {
            Child::Indicator(i) => self.indicators[i],
            Child::Aggregate(a) => self.aggregates[a],
        }
    }

    /// The framework with these weights, for a full build or a new definition version.
    ///
    /// # Errors
    /// [`FrameworkError::BadWeight`] for a weight that is not > 0 (a zero weight is a what-if
    /// only).
    pub fn apply(&self, framework: &Framework) -> Result<Framework, FrameworkError> {
        let mut indicators = framework.indicators().to_vec();
        for (x, w) in indicators.iter_mut().zip(&self.indicators) {
            x.weight = *w;
        }
        let mut aggregates = framework.aggregates().to_vec();
        for (a, w) in aggregates.iter_mut().zip(&self.aggregates) {
            a.weight = *w;
        }
        Framework::new(indicators, aggregates)
    }

    fn check(&self, framework: &Framework) -> Result<(), WhatIfError> {
        if self.indicators.len() != framework.indicators().len()
            || self.aggregates.len() != framework.aggregates().len()
        {
            return Err(WhatIfError::Mismatch {
                detail: format!(
                    "{} indicator and {} aggregate weights for {} indicators and {} aggregates",
                    self.indicators.len(),
                    self.aggregates.len(),
                    framework.indicators().len(),
                    framework.aggregates().len()
                ),
            });
        }
        let nodes = framework
            .indicators()
            .iter()
            .map(|x| &x.code)
            .zip(&self.indicators)
            .chain(framework.aggregates().iter().map(|a| &a.code).zip(&self.aggregates))
            .enumerate();
        for (k, (code, &weight)) in nodes {
            let is_root = k == framework.indicators().len() + framework.root();
            let accepted = weight.is_finite() && weight >= 0.0;
            if !(is_root || accepted) {
                return Err(WhatIfError::BadWeight { node: code.clone(), weight });
            }
        }
        Ok(())
    }
}

/// Re-aggregation of one scoreboard, reusable for many weight sets (a slider, the runs of
/// [`super::sensitivity`]).
#[derive(Debug, Clone)]
pub struct Reweighter<'a> {
    board: &'a Scoreboard,
    framework: &'a Framework,
    method: &'a Method,
    sections: Vec<Range<usize>>,
    excluded: Vec<bool>,
}

impl<'a> Reweighter<'a> {
    /// Checks that `board` was built with `framework` (same indicator and aggregate codes in
    /// the same order, same root, tables of the right size).
    ///
    /// # Errors
    /// [`WhatIfError::Mismatch`] naming the first difference.
    pub fn new(board: &'a Scoreboard, framework: &'a Framework, method: &'a Method) -> Result<Self, WhatIfError> {
        let mismatch = |detail: String| Err(WhatIfError::Mismatch { detail });
        let codes = |v: &[String]| v.join(", ");
        let indicators: Vec<String> = framework.indicators().iter().map(|x| x.code.clone()).collect();
        let aggregates: Vec<String> = framework.aggregates().iter().map(|a| a.code.clone()).collect();
        if board.indicators != indicators {
            return mismatch(format!("indicators {} for {}", codes(&board.indicators), codes(&indicators)));
        }
        if board.aggregates != aggregates || board.root != framework.root() {
            return mismatch(format!("aggregates {} for {}", codes(&board.aggregates), codes(&aggregates)));
        }
        let n = board.rows.len();
        if board.normalised.len() != indicators.len() || board.normalised.iter().any(|c| c.len() != n) {
            return mismatch("normalised table of another size".into());
        }
        let exclude: HashSet<&str> = method.rank.exclude.iter().map(String::as_str).collect();
        Ok(Reweighter {
            board,
            framework,
            method,
            sections: sections(&board.rows),
            excluded: board.rows.iter().map(|r| exclude.contains(r.unit.as_str())).collect(),
        })
    }

    /// The aggregates with `weights`, `[aggregate][row]`, into `out` (resized as needed).
    ///
    /// # Errors
    /// [`WhatIfError::Mismatch`] / [`WhatIfError::BadWeight`] for weights that do not fit,
    /// [`WhatIfError::NonPositiveGeometric`] for a score ≤ 0 under geometric aggregation.
    pub fn aggregate(&self, weights: &Weights, out: &mut Vec<Vec<Option<f64>>>) -> Result<(), WhatIfError> {
        weights.check(self.framework)?;
        self.aggregate_unchecked(weights, out)
    }

    /// As [`Reweighter::aggregate`], for weights already checked.
    pub(crate) fn aggregate_unchecked(
        &self,
        weights: &Weights,
        out: &mut Vec<Vec<Option<f64>>>,
    ) -> Result<(), WhatIfError> {
        let f = self.framework;
        let normalised = &self.board.normalised;
        let n = self.board.rows.len();
        out.resize_with(f.aggregates().len(), Vec::new);
        for &a in f.bottom_up() {
            let children = f.children(a);
            let mut scores = std::mem::take(&mut out[a]);
            scores.clear();
            scores.resize(n, None);
            for (row, score) in scores.iter_mut().enumerate() {
                // The same children in the same order as the build: the same sums.
                let present = children.iter().map(|&c| {
                    let s = match c {
                        Child::Indicator(i) => normalised[i][row],
                        Child::Aggregate(b) => out[b][row],
                    };
                    (weights.of_child(c), s)
                });
                *score = match self.method.aggregate.method {
                    AggregateMethod::Arithmetic => aggregate::arithmetic(present),
                    AggregateMethod::Geometric => aggregate::geometric(present).map_err(|score| {
                        let r = &self.board.rows[row];
                        WhatIfError::NonPositiveGeometric {
                            node: f.aggregates()[a].code.clone(),
                            unit: r.unit.clone(),
                            period: r.period.clone(),
                            score,
                        }
                    })?,
                };
            }
            out[a] = scores;
        }
        Ok(())
    }

    /// Ranks of the root scores within each period (min-rank, descending, `[rank] exclude`),
    /// into `out`.
    pub fn rank(&self, root: &[Option<f64>], out: &mut Vec<Option<u32>>) {
        out.clear();
        out.resize(root.len(), None);
        for section in &self.sections {
            let ranks = min_rank(&root[section.clone()], &self.excluded[section.clone()]);
            out[section.clone()].copy_from_slice(&ranks);
        }
    }

    /// The scoreboard with `weights`: aggregates and ranks recomputed, every other table kept.
    ///
    /// # Errors
    /// As [`Reweighter::aggregate`].
    pub fn scoreboard(&self, weights: &Weights) -> Result<Scoreboard, WhatIfError> {
        let mut aggregated = Vec::new();
        self.aggregate(weights, &mut aggregated)?;
        let mut rank = Vec::new();
        self.rank(&aggregated[self.framework.root()], &mut rank);
        Ok(Scoreboard { aggregated, rank, ..self.board.clone() })
    }

    #[must_use]
    pub fn board(&self) -> &'a Scoreboard {
        self.board
    }

    #[must_use]
    pub fn framework(&self) -> &'a Framework {
        self.framework
    }
}

/// The scoreboard a full [`super::build`] with `weights` gives, from `board` built with
/// `framework` and `method`: aggregates and ranks recomputed, the other tables kept.
///
/// # Errors
/// As [`Reweighter::new`] and [`Reweighter::aggregate`].
pub fn reweight(
    board: &Scoreboard,
    framework: &Framework,
    method: &Method,
    weights: &Weights,
) -> Result<Scoreboard, WhatIfError> {
    Reweighter::new(board, framework, method)?.scoreboard(weights)
}

/// The contiguous ranges of rows sharing a period (rows in canonical order, as the build).
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

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::index::framework::tests::{agg, ind};
    use crate::index::{build, Panel};

    #[test]
    fn error_messages_match_the_doc_table() {
        let samples = [
            WhatIfError::Mismatch { detail: "indicators a for b".into() },
            WhatIfError::UnknownNode { code: "nope".into() },
            WhatIfError::BadWeight { node: "a".into(), weight: -1.0 },
            WhatIfError::NonPositiveGeometric {
                node: "index".into(),
                unit: "430202".into(),
                period: Some("2024".into()),
                score: 0.0,
            },
            WhatIfError::BadSpread { value: 1.5 },
            WhatIfError::NoRuns,
            WhatIfError::NoRow { unit: "430202".into(), period: "2024".into() },
            WhatIfError::NoScore { unit: "430202".into(), period: "2024".into() },
        ];
        crate::message_table::assert_doc_table_matches(
            include_str!("whatif.rs"),
            &samples,
            WhatIfError::code,
            WhatIfError::args,
        );
        let codes: Vec<&str> = samples.iter().map(WhatIfError::code).collect();
        crate::index::definition::tests::assert_in_locales(&codes);
    }

    /// A two-pillar framework: a, b under p1 (weights 1, 2); c, d under p2 (1, 1); p1, p2
    /// under the root (1, 1); d has a negative direction.
    pub(crate) fn small_framework() -> Framework {
        let mut d = ind("d", "p2", 1.0);
        d.direction = crate::index::Direction::Negative;
        Framework::new(
            vec![ind("a", "p1", 1.0), ind("b", "p1", 2.0), ind("c", "p2", 1.0), d],
            vec![agg("root", None, 1.0), agg("p1", Some("root"), 1.0), agg("p2", Some("root"), 1.0)],
        )
        .unwrap()
    }

    /// A panel of units × periods for `small_framework`, values from `cells` in row order.
    pub(crate) fn panel(units: usize, periods: usize, cells: &[Option<f64>]) -> Panel {
        let mut rows = Vec::new();
        for p in 0..periods {
            for u in 0..units {
                rows.push(RowKey { unit: format!("u{u}"), period: Some(format!("{}", 2020 + p)) });
            }
        }
        let mut numbers = BTreeMap::new();
        for (k, code) in ["a", "b", "c", "d"].iter().enumerate() {
            numbers.insert((*code).to_owned(), (0..rows.len()).map(|r| cells[(r * 4 + k) % cells.len()]).collect());
        }
        Panel { rows, numbers, labels: BTreeMap::new() }
    }

    #[test]
    fn new_weights_change_scores_and_ranks_as_by_hand() {
        let f = small_framework();
        let method = Method::default();
        // Two units, one period; scores after min-max: u0 = (100, 0, 100, 0), u1 = (0, 100, 0, 100)
        // (d is negative: u1 has the lower d).
        let p = panel(2, 1, &[Some(9.0), Some(1.0), Some(5.0), Some(8.0), Some(2.0), Some(4.0), Some(3.0), Some(6.0)]);
        let board = build(&p, &f, &method).unwrap();
        assert_eq!(board.normalised[0], vec![Some(100.0), Some(0.0)]);
        assert_eq!(board.normalised[3], vec![Some(0.0), Some(100.0)]);
        // Base: p1 = (100·1 + 0·2)/3 for u0; root = mean of pillars.
        let u0 = (100.0 / 3.0 + 50.0) / 2.0;
        assert!((board.root_scores()[0].unwrap() - u0).abs() < 1e-12);
        assert_eq!(board.rank, vec![Some(2), Some(1)]);
        let mut w = Weights::of(&f);
        w.set(&f, "a", 5.0).unwrap();
        let r = reweight(&board, &f, &method, &w).unwrap();
        // p1 = (100·5 + 0·2)/7 = 500/7 for u0, 200/7 for u1; p2 = 50 for both.
        assert!((r.root_scores()[0].unwrap() - (500.0 / 7.0 + 50.0) / 2.0).abs() < 1e-12);
        assert_eq!(r.rank, vec![Some(1), Some(2)]);
        assert_eq!(r.normalised, board.normalised);
        assert_eq!(r.notices, board.notices);
    }

    #[test]
    fn zero_weight_removes_the_child() {
        let f = small_framework();
        let method = Method::default();
        let p = panel(
            3,
            2,
            &[Some(9.0), Some(1.0), Some(5.0), Some(8.0), Some(2.0), Some(4.0), Some(3.0), Some(6.0), Some(7.0)],
        );
        let board = build(&p, &f, &method).unwrap();
        let mut w = Weights::of(&f);
        w.set(&f, "b", 0.0).unwrap();
        let zero = reweight(&board, &f, &method, &w).unwrap();
        // The same tree without b.
        let without = Framework::new(
            vec![ind("a", "p1", 1.0), ind("c", "p2", 1.0), {
                let mut d = ind("d", "p2", 1.0);
                d.direction = crate::index::Direction::Negative;
                d
            }],
            vec![agg("root", None, 1.0), agg("p1", Some("root"), 1.0), agg("p2", Some("root"), 1.0)],
        )
        .unwrap();
        let reference = build(&p, &without, &method).unwrap();
        assert_eq!(zero.aggregated, reference.aggregated);
        assert_eq!(zero.rank, reference.rank);
        // A pillar whose children all weigh 0 is missing; the root renormalises over the other.
        w.set(&f, "a", 0.0).unwrap();
        let none = reweight(&board, &f, &method, &w).unwrap();
        assert!(none.aggregated[1].iter().all(Option::is_none));
        assert_eq!(none.root_scores(), &none.aggregated[2][..]);
    }

    #[test]
    fn bad_weights_and_mismatches_are_refused() {
        let f = small_framework();
        let method = Method::default();
        let p = panel(3, 1, &[Some(1.0), Some(2.0), Some(3.0), Some(5.0), Some(8.0)]);
        let board = build(&p, &f, &method).unwrap();
        let mut w = Weights::of(&f);
        assert_eq!(w.set(&f, "zz", 1.0), Err(WhatIfError::UnknownNode { code: "zz".into() }));
        assert_eq!(w.set(&f, "a", -1.0).unwrap_err().code(), "index.whatif.bad_weight");
        assert_eq!(w.set(&f, "a", f64::NAN).unwrap_err().code(), "index.whatif.bad_weight");
        assert_eq!(w, Weights::of(&f), "nothing changed");
        w.indicators[1] = f64::INFINITY;
        assert_eq!(reweight(&board, &f, &method, &w).unwrap_err().code(), "index.whatif.bad_weight");
        w.indicators.pop();
        assert_eq!(reweight(&board, &f, &method, &w).unwrap_err().code(), "index.whatif.mismatch");
        let other = Framework::new(vec![ind("a", "root", 1.0)], vec![agg("root", None, 1.0)]).unwrap();
        let e = reweight(&board, &other, &method, &Weights::of(&other)).unwrap_err();
        assert_eq!(e, WhatIfError::Mismatch { detail: "indicators a, b, c, d for a".into() });
        // The root's weight is never used.
        let mut w = Weights::of(&f);
        w.aggregates[0] = f64::NAN;
        assert!(reweight(&board, &f, &method, &w).is_ok());
        // apply refuses a zero weight (a what-if only).
        let mut w = Weights::of(&f);
        w.set(&f, "c", 0.0).unwrap();
        assert_eq!(w.apply(&f).unwrap_err().code(), "index.framework.bad_weight");
    }

    #[test]
    fn geometric_aggregation_is_reweighted_too() {
        let f = small_framework();
        let mut method = Method::default();
        method.aggregate.method = AggregateMethod::Geometric;
        method.normalise.range = [1.0, 100.0];
        let p = panel(4, 2, &[Some(9.0), Some(1.0), Some(5.0), Some(8.0), Some(2.0), Some(4.0), Some(3.0)]);
        let board = build(&p, &f, &method).unwrap();
        let mut w = Weights::of(&f);
        w.set(&f, "p2", 3.0).unwrap();
        w.set(&f, "c", 0.5).unwrap();
        let r = reweight(&board, &f, &method, &w).unwrap();
        assert_eq!(r, build(&p, &w.apply(&f).unwrap(), &method).unwrap());
        // A board built with min-max onto [0, 100] has zeros, which a geometric mean refuses.
        let arithmetic = build(&p, &f, &Method::default()).unwrap();
        assert_eq!(reweight(&arithmetic, &f, &method, &w).unwrap_err().code(), "index.whatif.non_positive_geometric");
    }

    fn cell() -> impl Strategy<Value = Option<f64>> {
        prop_oneof![1 => Just(None), 6 => (-50.0..500.0_f64).prop_map(Some), 1 => (0_u8..3).prop_map(|k| Some(f64::from(k)))]
    }

    proptest! {
        #[test]
        fn reweighting_equals_a_full_build(
            units in 1_usize..12,
            periods in 1_usize..3,
            cells in proptest::collection::vec(cell(), 8..60),
            weights in proptest::collection::vec(0.01..10.0_f64, 7),
            geometric in proptest::bool::ANY,
            exclude in proptest::bool::ANY,
        ) {
            let f = small_framework();
            let mut method = Method::default();
            if geometric {
                method.aggregate.method = AggregateMethod::Geometric;
                method.normalise.range = [1.0, 100.0];
            }
            if exclude {
                method.rank.exclude = vec!["u0".into()];
            }
            let p = panel(units, periods, &cells);
            let board = build(&p, &f, &method);
            // Winsorising a column of many ties may stop the build (§3.4b); nothing to compare then.
            prop_assume!(board.is_ok());
            let board = board.unwrap();
            let w = Weights { indicators: weights[..4].to_vec(), aggregates: vec![1.0, weights[4], weights[5]] };
            let full = build(&p, &w.apply(&f).unwrap(), &method).unwrap();
            prop_assert_eq!(reweight(&board, &f, &method, &w).unwrap(), full);
            // And back: the original weights give the original board.
            prop_assert_eq!(reweight(&board, &f, &method, &Weights::of(&f)).unwrap(), board);
        }
    }
}

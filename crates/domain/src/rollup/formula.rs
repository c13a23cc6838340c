//! Indicator formulas over the rolled-up cube, evaluated a column at a time.
//!
//! [`BatchFormula`] is the seam to the expression language: an implementation reads some
//! measures (columns over the nodes of one period) and writes one value per node.
//! [`ExprFormula`] is a gaodi-expr formula bound to the cube's measures and evaluated with
//! `gaodi_expr::eval_batch`; [`Ratio`] is a hand-written `factor * a / b` (the floor the
//! benchmark compares the expression evaluator with).
//!
//! Inputs are `f64` columns with a missing mask (the exact sums converted once); outputs are
//! `f64` with NaN for "no value" (a missing fact, a division by zero). The reason is not kept
//! per cell: drill-down evaluates the one cell again and asks the cube ([`super::Rollup::cell`]).

use std::thread;

use gaodi_expr::{eval_batch, Column, Expr, RowStatus};

use super::cube::{decode, Rollup, MISSING};
use super::RollupError;

/// A formula evaluated over whole columns.
pub trait BatchFormula: Sync {
    /// The measures read (indices on the cube's measure axis), in the order of `columns`.
    fn inputs(&self) -> &[usize];

    /// Writes one value per row into `out` (NaN: no value). `columns[i]` holds input `i`;
    /// every column and `out` have the same length.
    fn eval(&self, columns: &[Input<'_>], out: &mut [f64]);
}

/// One input column: a value per row, and whether the row has none (its value is then 0).
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub values: &'a [f64],
    pub missing: &'a [bool],
}

/// `factor * numerator / denominator`, left to right (as written `100 * e10 / e0`); no
/// value when an input is missing or the denominator is zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    inputs: [usize; 2],
    factor: f64,
}

impl Ratio {
    /// `factor * measure numerator / measure denominator`.
    #[must_use]
    pub fn new(factor: f64, numerator: usize, denominator: usize) -> Ratio {
        Ratio { inputs: [numerator, denominator], factor }
    }
}

impl BatchFormula for Ratio {
    fn inputs(&self) -> &[usize] {
        &self.inputs
    }

    fn eval(&self, columns: &[Input<'_>], out: &mut [f64]) {
        let (numerator, denominator) = (columns[0], columns[1]);
        let rows =
            numerator.values.iter().zip(numerator.missing).zip(denominator.values.iter().zip(denominator.missing));
        for (value, ((&n, &n_missing), (&d, &d_missing))) in out.iter_mut().zip(rows) {
            *value = if n_missing || d_missing || d == 0.0 { f64::NAN } else { self.factor * n / d };
        }
    }
}

/// A gaodi-expr formula over the cube's measures (`100 * e10 / e0`), evaluated over whole
/// columns with `gaodi_expr::eval_batch`; a row without a value (missing input, division by
/// zero, non-finite result) becomes NaN.
#[derive(Debug, Clone)]
pub struct ExprFormula {
    expr: Expr,
    /// The codes the formula references, sorted, and the measure index of each.
    codes: Vec<String>,
    inputs: Vec<usize>,
}

impl ExprFormula {
    /// Binds `expr` to the measure axis `measures`.
    ///
    /// Fails with `rollup.unknown_measure` for a referenced code that is not a measure, and
    /// with `rollup.formula_not_columnar` for a formula using period, tree or registry
    /// functions (`yoy`, `sum_children`, `count(…)`: they are evaluated cell by cell with
    /// `gaodi_expr::eval`).
    pub fn new(expr: Expr, measures: &[String]) -> Result<ExprFormula, RollupError> {
        let codes: Vec<String> = expr.references().codes.into_iter().collect();
        let mut inputs = Vec::with_capacity(codes.len());
        for code in &codes {
            let index = measures
                .iter()
                .position(|m| m == code)
                .ok_or_else(|| RollupError::UnknownMeasure { formula: expr.to_string(), code: code.clone() })?;
            inputs.push(index);
        }
        // A dry run over no rows reports unsupported functions before any evaluation.
        let empty = |_: &str| Some(Column { values: &[], missing: None });
        if let Err(gaodi_expr::BatchError::Unsupported { function, .. }) = eval_batch(&expr, &empty, 0) {
            return Err(RollupError::FormulaNotColumnar { formula: expr.to_string(), function });
        }
        Ok(ExprFormula { expr, codes, inputs })
    }

    /// The formula.
    #[must_use]
    pub fn expr(&self) -> &Expr {
        &self.expr
    }
}

impl BatchFormula for ExprFormula {
    fn inputs(&self) -> &[usize] {
        &self.inputs
    }

    fn eval(&self, columns: &[Input<'_>], out: &mut [f64]) {
        let lookup = |code: &str| {
            let at = self.codes.binary_search_by(|c| c.as_str().cmp(code)).ok()?;
            Some(Column { values: columns[at].values, missing: Some(columns[at].missing) })
        };
        match eval_batch(&self.expr, &lookup, out.len()) {
            Ok(batch) if batch.all_ok() => out.copy_from_slice(&batch.values),
            Ok(batch) => {
                for (row, value) in out.iter_mut().enumerate() {
                    *value = if batch.status(row) == RowStatus::Ok { batch.values[row] } else { f64::NAN };
                }
            }
            // `new` refused unsupported functions and every column has `out.len()` rows.
            Err(_) => out.fill(f64::NAN),
        }
    }
}

/// Indicator values: period × formula × node, NaN for no value.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorValues {
    nodes: usize,
    formulas: usize,
    values: Vec<f64>,
}

impl IndicatorValues {
    /// The value of `formula` for `node` in `period` (indices), `None` for no value.
    #[must_use]
    pub fn get(&self, node: usize, period: usize, formula: usize) -> Option<f64> {
        let value = self.column(period, formula)[node];
        (!value.is_nan()).then_some(value)
    }

    /// The values of `formula` in `period`, one per node (NaN: no value).
    #[must_use]
    pub fn column(&self, period: usize, formula: usize) -> &[f64] {
        let start = (period * self.formulas + formula) * self.nodes;
        &self.values[start..start + self.nodes]
    }
}

/// Evaluates `formulas` for every node and period of `rollup`, periods shared out between
/// up to `threads` threads. Each measure a formula reads is taken out of the cube once per
/// period as an `f64` column (exact sums, converted at the end).
#[must_use]
pub fn evaluate(rollup: &Rollup, formulas: &[&dyn BatchFormula], threads: usize) -> IndicatorValues {
    let nodes = rollup.tree().len();
    let periods = rollup.periods().len();
    let mut needed: Vec<usize> = formulas.iter().flat_map(|f| f.inputs().iter().copied()).collect();
    needed.sort_unstable();
    needed.dedup();
    let per_period = formulas.len() * nodes;
    let mut values = vec![f64::NAN; periods * per_period];
    let threads = threads.clamp(1, periods.max(1));
    let chunk = periods.div_ceil(threads).max(1);
    if per_period > 0 {
        thread::scope(|scope| {
            for (part, out) in values.chunks_mut(chunk * per_period).enumerate() {
                let needed = &needed;
                scope.spawn(move || {
                    let mut columns = vec![(vec![0.0; nodes], vec![false; nodes]); needed.len()];
                    for (offset, out) in out.chunks_mut(per_period).enumerate() {
                        let period = part * chunk + offset;
                        fill_columns(rollup, period, needed, &mut columns);
                        for (formula, out) in formulas.iter().zip(out.chunks_mut(nodes)) {
                            let inputs: Vec<Input<'_>> = formula
                                .inputs()
                                .iter()
                                .map(|m| {
                                    let (values, missing) = &columns[needed.binary_search(m).expect("input listed")];
                                    Input { values, missing }
                                })
                                .collect();
                            formula.eval(&inputs, out);
                        }
                    }
                });
            }
        });
    }
    IndicatorValues { nodes, formulas: formulas.len(), values }
}

/// Copies the `needed` measures of `period` into `columns` (values, missing mask).
fn fill_columns(rollup: &Rollup, period: usize, needed: &[usize], columns: &mut [(Vec<f64>, Vec<bool>)]) {
    for node in 0..rollup.tree().len() {
        let row = rollup.row(node, period);
        for ((values, missing), &measure) in columns.iter_mut().zip(needed) {
            (values[node], missing[node]) = match row {
                #[allow(clippy::cast_precision_loss)]
                Some(row) if row[measure] != MISSING => (decode(row[measure]) as f64 / 1e4, false),
                _ => (0.0, true),
            };
        }
    }
}

//! The cultivation pool (培育库): how far a firm is from qualifying, as a size that can be
//! compared across firms and conditions ([`GapSize`]), and which firms are near misses.
//!
//! # Gap size
//!
//! Firms are ranked by, in order:
//!
//! 1. `failed`: the number of failed conditions (fewer first). Closing a condition is a
//!    separate piece of work, so one failed condition is nearer than two small ones.
//! 2. `shortfall_ppm`: the relative shortfall summed over the failed conditions, in parts per
//!    million. For a condition whose value and threshold are numbers of the same unit (a
//!    share, an amount, a headcount, days, points) it is `|threshold − value| / |threshold|`,
//!    capped at 1: an R&D share of 4.2% against 5% is 0.16, a high-tech revenue share of 55%
//!    against 60% is 0.0833, a score range `[50, 60]` against `> 70` uses its top, 60
//!    (0.1429). A failed condition without such a pair (a legal status, a missing licence)
//!    counts as a whole, 1. With one failed condition this is the single quantitative gap.
//! 3. `unknown`: the number of conditions left unknown for missing data (fewer first).
//!
//! Ties keep the caller's order (the register's, by name). Integer arithmetic throughout, so
//! the order is exact and the same on every machine.
//!
//! # Near misses
//!
//! A near miss is a firm whose outcome is `not_eligible` or `needs_expert` with at most
//! [`NEAR_MISS_MAX_FAILED`] failed conditions.

use std::cmp::Ordering;

use super::{Check, Cmp, Evaluation, Outcome, Value};

/// The most failed conditions a near miss may have.
pub const NEAR_MISS_MAX_FAILED: u32 = 2;

/// One whole condition, in parts per million.
const WHOLE: i64 = 1_000_000;

/// How far a firm is from qualifying under one rule (see the module docs); ordered nearest
/// first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct GapSize {
    pub failed: u32,
    pub shortfall_ppm: i64,
    pub unknown: u32,
}

impl Ord for GapSize {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.failed, self.shortfall_ppm, self.unknown).cmp(&(other.failed, other.shortfall_ppm, other.unknown))
    }
}

impl PartialOrd for GapSize {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The number behind a value on the scale its variant uses, if it is a plain quantity.
fn scalar(value: Value, top: bool) -> Option<i128> {
    Some(i128::from(match value {
        Value::Money(m) => m.fen(),
        Value::Percent(n)
        | Value::PercentPoints(n)
        | Value::Number(n)
        | Value::NumberUp(n)
        | Value::Rate(n)
        | Value::Days(n)
        | Value::Count(n) => n,
        Value::Points(n) => i64::from(n),
        Value::PointRange(lo, hi) => i64::from(if top { hi } else { lo }),
        Value::Flag(_) | Value::Date(_) | Value::Year(_) | Value::TechField(_) | Value::TaxMethod(_) => return None,
    }))
}

/// Whether two values are on the same scale (same variant, a score and a range of points).
fn same_scale(a: Value, b: Value) -> bool {
    std::mem::discriminant(&a) == std::mem::discriminant(&b)
        || matches!((a, b), (Value::PointRange(..) | Value::Points(_), Value::Points(_) | Value::PointRange(..)))
}

/// The relative shortfall of one failed condition, in parts per million (at most one whole).
fn shortfall(value: Option<Value>, threshold: Option<super::Threshold>) -> i64 {
    let (Some(value), Some(threshold)) = (value, threshold) else {
        return WHOLE;
    };
    if !same_scale(value, threshold.value) {
        return WHOLE;
    }
    // A range needs its best end to pass: the top for `>`, the bottom for `<`.
    let top = matches!(threshold.cmp, Cmp::Ge | Cmp::Gt | Cmp::Eq);
    let (Some(v), Some(t)) = (scalar(value, top), scalar(threshold.value, true)) else {
        return WHOLE;
    };
    if t == 0 {
        return WHOLE;
    }
    let ppm = ((t - v).abs() * i128::from(WHOLE)) / t.abs();
    i64::try_from(ppm.min(i128::from(WHOLE))).unwrap_or(WHOLE)
}

/// The gap size of an evaluation.
#[must_use]
pub fn gap_size(eval: &Evaluation) -> GapSize {
    let mut size = GapSize { failed: 0, shortfall_ppm: 0, unknown: 0 };
    for condition in &eval.conditions {
        match condition.outcome {
            Check::Fail => {
                size.failed += 1;
                size.shortfall_ppm += shortfall(condition.value, condition.threshold);
            }
            Check::Unknown => size.unknown += 1,
            Check::Pass | Check::NeedsExpert | Check::NotApplicable => {}
        }
    }
    size
}

/// Whether the evaluation is a near miss (see the module docs).
#[must_use]
pub fn is_near_miss(eval: &Evaluation) -> bool {
    matches!(eval.outcome, Outcome::NotEligible | Outcome::NeedsExpert) && gap_size(eval).failed <= NEAR_MISS_MAX_FAILED
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::rules::{Ratio, Threshold};

    #[test]
    fn relative_shortfall_of_shares_amounts_and_scores() {
        let ge = |v| Some(Threshold::new(Cmp::Ge, v));
        // 4.2% against 5%: 0.16.
        assert_eq!(
            shortfall(Some(Value::percent(Ratio::new(42, 1000).unwrap())), ge(Value::percent(Ratio::percent(5)))),
            160_000
        );
        // 55% against 60%: 0.083333.
        assert_eq!(shortfall(Some(Value::percent(Ratio::percent(55))), ge(Value::percent(Ratio::percent(60)))), 83_333);
        // Sales 2.5 亿 against at most 2 亿: 0.25.
        assert_eq!(
            shortfall(
                Some(Value::Money(Money::from_fen(25_000_000_000))),
                Some(Threshold::new(Cmp::Le, Value::Money(Money::from_fen(20_000_000_000))))
            ),
            250_000
        );
        // Score [50, 60] against > 70: its top counts, 10/70.
        assert_eq!(
            shortfall(Some(Value::PointRange(50, 60)), Some(Threshold::new(Cmp::Gt, Value::Points(70)))),
            142_857
        );
        // No value, or a flag: a whole condition.
        assert_eq!(shortfall(None, ge(Value::Points(60))), WHOLE);
        assert_eq!(shortfall(Some(Value::Flag(false)), ge(Value::Flag(true))), WHOLE);
        // Far off: capped at one.
        assert_eq!(
            shortfall(
                Some(Value::Money(Money::from_fen(300))),
                Some(Threshold::new(Cmp::Le, Value::Money(Money::from_fen(100))))
            ),
            WHOLE
        );
    }

    #[test]
    fn fewer_failures_rank_first_then_the_smaller_shortfall_then_fewer_unknowns() {
        let a = GapSize { failed: 1, shortfall_ppm: 900_000, unknown: 5 };
        let b = GapSize { failed: 2, shortfall_ppm: 10, unknown: 0 };
        let c = GapSize { failed: 1, shortfall_ppm: 100, unknown: 5 };
        let d = GapSize { failed: 1, shortfall_ppm: 100, unknown: 1 };
        let mut v = vec![a, b, c, d];
        v.sort();
        assert_eq!(v, vec![d, c, a, b]);
    }
}

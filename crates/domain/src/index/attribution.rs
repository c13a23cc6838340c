//! Which indicators moved a unit's score and rank between two periods: the change of its
//! composite score split exactly into one contribution per indicator.
//!
//! # Effective weights
//!
//! With arithmetic aggregation a parent's score is `Σ w_c·s_c / Σ w_c` over its children
//! present (§3.7), so, unrolled down the tree, the root score of a row is `Σ_i e_i·n_i` over the
//! normalised indicator scores `n_i`, where the effective weight `e_i` is the product, along the
//! path from the indicator to the root, of its share among the children present at each level
//! ([`effective_weights`]). A missing indicator has `e_i = 0` and its siblings' shares grow
//! (the renormalisation over missing children). The effective weights of a row with a score add
//! up to 1. With geometric aggregation the same holds for logarithms: `ln S = Σ_i e_i·ln n_i`.
//!
//! # The split
//!
//! For the periods `a` (from) and `b` (to), `S_b − S_a = Σ_i (e_i^b·n_i^b − e_i^a·n_i^a)`, and
//! each term is the contribution of indicator `i`. For an indicator present in both years it is
//! split symmetrically (the two-factor Shapley split, which needs no choice of base year):
//!
//! - score effect `ē_i·Δn_i`, with `ē_i = (e_i^a + e_i^b)/2`: the indicator's own movement;
//! - weight effect `n̄_i·Δe_i`, with `n̄_i = (n_i^a + n_i^b)/2`: its effective weight changed
//!   because another indicator is missing in one year only.
//!
//! When the same indicators are present in both years the weight effects are 0 and each
//! contribution is exactly `e_i·Δn_i`. **Missing in one year**: an indicator present only in
//! `a` contributes `−e_i^a·n_i^a` (it left the index, its weight went to the others), one
//! present only in `b` contributes `e_i^b·n_i^b`, both as weight effects with a score effect
//! of 0; the other indicators' weight effects carry the renormalisation. Missing in both years:
//! 0. The contributions therefore always add up to the score change (to rounding, ~1e-12; a
//! test checks 1e-9).
//!
//! With geometric aggregation the split applies to `ln S` and is scaled by the logarithmic mean
//! `L = (S_b − S_a)/(ln S_b − ln S_a)` (`L = S_a` when equal), which makes the terms add up to
//! `S_b − S_a` exactly (the LMDI decomposition).
//!
//! Normalised scores are relative to the other units of the same period (unless `[normalise]
//! pool_periods`): a contribution reflects the unit's position among the others on that
//! indicator, which can move when the others move.

use std::collections::HashMap;

use super::framework::{Child, Framework};
use super::method::{AggregateMethod, Method};
use super::whatif::{Reweighter, WhatIfError};
use super::Scoreboard;

/// One indicator's share of the change.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub indicator: String,
    /// Normalised scores in the two periods.
    pub from_score: Option<f64>,
    pub to_score: Option<f64>,
    /// Effective weights in the two periods (0 when missing).
    pub from_weight: f64,
    pub to_weight: f64,
    /// `ē·Δn` (0 unless present in both periods).
    pub score_effect: f64,
    /// `n̄·Δe`, or the whole term when present in one period only.
    pub weight_effect: f64,
    /// `score_effect + weight_effect`.
    pub total: f64,
}

/// The change of one unit's index between two periods, split by indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    pub unit: String,
    pub from: String,
    pub to: String,
    pub from_score: f64,
    pub to_score: f64,
    /// `to_score − from_score`.
    pub change: f64,
    pub from_rank: Option<u32>,
    pub to_rank: Option<u32>,
    /// `from_rank − to_rank`: positive when the unit moved up (rank 5 → 3 is +2); `None` if
    /// it is unranked in either period (`[rank] exclude`).
    pub rank_change: Option<i64>,
    /// Per indicator, in framework order.
    pub contributions: Vec<Contribution>,
    /// Per aggregate (framework order): the sum of the contributions of the indicators below
    /// it; the root's is the whole change.
    pub aggregates: Vec<(String, f64)>,
}

impl Attribution {
    /// The `k` indicators with the largest absolute contribution, largest first (ties in
    /// framework order).
    #[must_use]
    pub fn top(&self, k: usize) -> Vec<&Contribution> {
        let mut order: Vec<&Contribution> = self.contributions.iter().collect();
        order.sort_by(|p, q| q.total.abs().total_cmp(&p.total.abs()));
        order.truncate(k);
        order
    }
}

/// The effective weight of every indicator (framework order) in row `row` of `board`: the
/// product of its shares among the children present along its path to the root; 0 for a
/// missing indicator, and all 0 when the row has no index score.
#[must_use]
pub fn effective_weights(board: &Scoreboard, framework: &Framework, row: usize) -> Vec<f64> {
    let mut indicators = vec![0.0; framework.indicators().len()];
    let mut aggregates = vec![0.0; framework.aggregates().len()];
    let root = framework.root();
    if board.aggregated[root][row].is_some() {
        aggregates[root] = 1.0;
    }
    let present = |c: Child| match c {
        Child::Indicator(i) => board.normalised[i][row].is_some(),
        Child::Aggregate(b) => board.aggregated[b][row].is_some(),
    };
    // Parents before children.
    for &a in framework.bottom_up().iter().rev() {
        let share = aggregates[a];
        if share == 0.0 {
            continue;
        }
        let children = framework.children(a);
        let total: f64 = children.iter().filter(|&&c| present(c)).map(|&c| framework.weight(c)).sum();
        for &c in children.iter().filter(|&&c| present(c)) {
            let e = share * framework.weight(c) / total;
            match c {
                Child::Indicator(i) => indicators[i] = e,
                Child::Aggregate(b) => aggregates[b] = e,
            }
        }
    }
    indicators
}

/// Splits the change of `unit`'s index from period `from` to period `to` into per-indicator
/// contributions (see the module documentation). `board` must come from a build with
/// `framework` and `method` (or from [`super::whatif::reweight`] with the framework of those
/// weights).
///
/// # Errors
/// [`WhatIfError::Mismatch`] if `board` does not fit `framework`; [`WhatIfError::NoRow`] if
/// the unit has no row in a period; [`WhatIfError::NoScore`] if it has no index score there.
pub fn attribute(
    board: &Scoreboard,
    framework: &Framework,
    method: &Method,
    unit: &str,
    from: &str,
    to: &str,
) -> Result<Attribution, WhatIfError> {
    Reweighter::new(board, framework, method)?;
    let find = |period: &str| -> Result<(usize, f64), WhatIfError> {
        let missing = || (unit.to_owned(), period.to_owned());
        let row = board.row(unit, Some(period)).ok_or_else(|| {
            let (unit, period) = missing();
            WhatIfError::NoRow { unit, period }
        })?;
        let score = board.root_scores()[row].ok_or_else(|| {
            let (unit, period) = missing();
            WhatIfError::NoScore { unit, period }
        })?;
        Ok((row, score))
    };
    let (a, from_score) = find(from)?;
    let (b, to_score) = find(to)?;
    let (ea, eb) = (effective_weights(board, framework, a), effective_weights(board, framework, b));
    let geometric = method.aggregate.method == AggregateMethod::Geometric;
    // Geometric: split ln S and scale by the logarithmic mean of the two scores.
    let scale = if geometric {
        let d = to_score.ln() - from_score.ln();
        if d == 0.0 {
            from_score
        } else {
            (to_score - from_score) / d
        }
    } else {
        1.0
    };
    let term = |s: f64| if geometric { s.ln() } else { s };
    let contributions: Vec<Contribution> = framework
        .indicators()
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let (na, nb) = (board.normalised[i][a], board.normalised[i][b]);
            let (score_effect, weight_effect) = match (na, nb) {
                (Some(na), Some(nb)) => {
                    let (ta, tb) = (term(na), term(nb));
                    ((ea[i] + eb[i]) / 2.0 * (tb - ta), (ta + tb) / 2.0 * (eb[i] - ea[i]))
                }
                (Some(na), None) => (0.0, -ea[i] * term(na)),
                (None, Some(nb)) => (0.0, eb[i] * term(nb)),
                (None, None) => (0.0, 0.0),
            };
            let (score_effect, weight_effect) = (scale * score_effect, scale * weight_effect);
            Contribution {
                indicator: x.code.clone(),
                from_score: na,
                to_score: nb,
                from_weight: ea[i],
                to_weight: eb[i],
                score_effect,
                weight_effect,
                total: score_effect + weight_effect,
            }
        })
        .collect();
    let aggregates = aggregate_sums(framework, &contributions);
    let (from_rank, to_rank) = (board.rank[a], board.rank[b]);
    Ok(Attribution {
        unit: unit.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
        from_score,
        to_score,
        change: to_score - from_score,
        from_rank,
        to_rank,
        rank_change: from_rank.zip(to_rank).map(|(f, t)| i64::from(f) - i64::from(t)),
        contributions,
        aggregates,
    })
}

/// Per aggregate, the sum of the contributions of the indicators below it (indicator order).
fn aggregate_sums(framework: &Framework, contributions: &[Contribution]) -> Vec<(String, f64)> {
    let aggs = framework.aggregates();
    let index: HashMap<&str, usize> = aggs.iter().enumerate().map(|(k, a)| (a.code.as_str(), k)).collect();
    let mut sums = vec![0.0; aggs.len()];
    for (x, c) in framework.indicators().iter().zip(contributions) {
        let mut node = index.get(x.parent.as_str()).copied();
        while let Some(k) = node {
            sums[k] += c.total;
            node = aggs[k].parent.as_deref().and_then(|p| index.get(p).copied());
        }
    }
    aggs.iter().map(|a| a.code.clone()).zip(sums).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::index::build;
    use crate::index::whatif::tests::{panel, small_framework};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn same_indicators_present_gives_weight_times_change() {
        let f = small_framework();
        let m = Method::default();
        // Three units, two periods (rows 0-2 in 2020, 3-5 in 2021).
        let cells = [
            Some(1.0),
            Some(2.0),
            Some(3.0),
            Some(4.0), // u0 2020
            Some(5.0),
            Some(6.0),
            Some(7.0),
            Some(8.0), // u1 2020
            Some(9.0),
            Some(1.0),
            Some(2.0),
            Some(3.0), // u2 2020
            Some(8.0),
            Some(2.0),
            Some(6.0),
            Some(1.0), // u0 2021
            Some(4.0),
            Some(7.0),
            Some(5.0),
            Some(9.0), // u1 2021
            Some(2.0),
            Some(3.0),
            Some(7.0),
            Some(5.0), // u2 2021
        ];
        let board = build(&panel(3, 2, &cells), &f, &m).unwrap();
        let at = attribute(&board, &f, &m, "u0", "2020", "2021").unwrap();
        // Effective weights: a 1/6, b 2/6 (p1 shares 1:2, half of the root), c 1/4, d 1/4.
        let e = [1.0 / 6.0, 2.0 / 6.0, 0.25, 0.25];
        for (c, e) in at.contributions.iter().zip(e) {
            assert!(close(c.from_weight, e) && close(c.to_weight, e), "{c:?}");
            assert_eq!(c.weight_effect, 0.0);
            let by_hand = e * (c.to_score.unwrap() - c.from_score.unwrap());
            assert!(close(c.total, by_hand), "{c:?}");
        }
        // u0: a 0 → 100 (1 of 1..9 → 8 of 2..8), so +100/6 from a.
        assert!(close(at.contributions[0].total, 100.0 / 6.0));
        let sum: f64 = at.contributions.iter().map(|c| c.total).sum();
        assert!(close(sum, at.change), "{sum} vs {}", at.change);
        assert_eq!(at.aggregates[0].0, "root");
        assert!(close(at.aggregates[0].1, at.change));
        assert!(close(at.aggregates[1].1, at.contributions[0].total + at.contributions[1].total));
        assert_eq!(at.rank_change, Some(i64::from(at.from_rank.unwrap()) - i64::from(at.to_rank.unwrap())));
        assert_eq!(at.top(1)[0].indicator, "a", "a moved most: {:?}", at.top(4));
        assert_eq!(at.top(10).len(), 4);
    }

    #[test]
    fn indicator_missing_in_one_year() {
        let f = small_framework();
        let m = Method::default();
        let cells = [
            Some(1.0),
            Some(2.0),
            Some(3.0),
            Some(4.0),
            Some(5.0),
            Some(6.0),
            Some(7.0),
            Some(8.0),
            Some(8.0),
            None,
            Some(6.0),
            Some(1.0), // u0 2021: b missing
            Some(4.0),
            Some(7.0),
            Some(5.0),
            Some(9.0),
        ];
        let board = build(&panel(2, 2, &cells), &f, &m).unwrap();
        let at = attribute(&board, &f, &m, "u0", "2020", "2021").unwrap();
        let b = &at.contributions[1];
        assert_eq!(b.to_weight, 0.0);
        assert_eq!(b.score_effect, 0.0);
        assert!(close(b.total, -b.from_weight * b.from_score.unwrap()));
        // a takes all of p1 in 2021: 1/2 instead of 1/6.
        let a = &at.contributions[0];
        assert!(close(a.to_weight, 0.5) && close(a.from_weight, 1.0 / 6.0));
        assert!(a.weight_effect != 0.0);
        let sum: f64 = at.contributions.iter().map(|c| c.total).sum();
        assert!(close(sum, at.change), "{sum} vs {}", at.change);
    }

    #[test]
    fn unknown_row_and_missing_score() {
        let f = small_framework();
        let m = Method::default();
        let cells = [
            Some(1.0),
            Some(2.0),
            Some(3.0),
            Some(4.0),
            Some(5.0),
            Some(6.0),
            Some(7.0),
            Some(8.0),
            None,
            None,
            None,
            None,
        ];
        let board = build(&panel(3, 1, &cells), &f, &m).unwrap();
        assert_eq!(
            attribute(&board, &f, &m, "u9", "2020", "2020").unwrap_err(),
            WhatIfError::NoRow { unit: "u9".into(), period: "2020".into() }
        );
        assert_eq!(attribute(&board, &f, &m, "u0", "2020", "2021").unwrap_err().code(), "index.whatif.no_row");
        assert_eq!(
            attribute(&board, &f, &m, "u2", "2020", "2020").unwrap_err(),
            WhatIfError::NoScore { unit: "u2".into(), period: "2020".into() }
        );
        assert_eq!(effective_weights(&board, &f, 2), vec![0.0; 4]);
    }

    proptest! {
        #[test]
        fn contributions_add_up_to_the_change(
            units in 2_usize..7,
            cells in proptest::collection::vec(proptest::option::weighted(0.85, 0.0..100.0_f64), 8..50),
            geometric in proptest::bool::ANY,
        ) {
            let f = small_framework();
            let mut m = Method::default();
            if geometric {
                m.aggregate.method = AggregateMethod::Geometric;
                m.normalise.range = [1.0, 100.0];
            }
            let board = build(&panel(units, 2, &cells), &f, &m);
            prop_assume!(board.is_ok());
            let board = board.unwrap();
            for row in 0..board.rows.len() {
                let e = effective_weights(&board, &f, row);
                if let Some(score) = board.root_scores()[row] {
                    prop_assert!(close(e.iter().sum::<f64>(), 1.0));
                    let unrolled: f64 = e.iter().zip(&board.normalised).filter(|(w, _)| **w > 0.0).map(|(w, n)| {
                        let n = n[row].unwrap();
                        if geometric { w * n.ln() } else { w * n }
                    }).sum();
                    let expected = if geometric { score.ln() } else { score };
                    prop_assert!(close(unrolled, expected), "{unrolled} vs {expected}");
                }
            }
            for u in 0..units {
                let unit = format!("u{u}");
                let Ok(at) = attribute(&board, &f, &m, &unit, "2020", "2021") else { continue };
                let sum: f64 = at.contributions.iter().map(|c| c.total).sum();
                prop_assert!(close(sum, at.change), "{} vs {}", sum, at.change);
                prop_assert!(close(at.aggregates[f.root()].1, at.change));
                let same_presence = at.contributions.iter().all(|c| c.from_score.is_some() == c.to_score.is_some());
                if same_presence && !geometric {
                    for c in &at.contributions {
                        prop_assert!(c.weight_effect.abs() <= 1e-9, "{:?}", c);
                    }
                }
                // Reversing the periods negates every contribution.
                let back = attribute(&board, &f, &m, &unit, "2021", "2020").unwrap();
                for (c, r) in at.contributions.iter().zip(&back.contributions) {
                    prop_assert!(close(c.total, -r.total), "{:?} vs {:?}", c, r);
                }
            }
        }
    }
}

//! Weighting and aggregation of one node for one unit and period (§3.7).
//!
//! Only the children with a score take part and their weights are renormalised over them; a
//! node with no child present is missing, never 0. Sums run over the children in framework
//! order (indicators in indicator-file order, then aggregates in aggregate-file order). A mean
//! lies between its smallest and largest child; the result is clamped to that interval so that
//! rounding (of the order of 1e-16) never takes an aggregate outside its children's range.

/// Weighted arithmetic mean `Σ w·s / Σ w` over the children present, `None` if none is.
#[must_use]
pub fn arithmetic(children: impl Iterator<Item = (f64, Option<f64>)>) -> Option<f64> {
    let (mut total, mut weights) = (0.0, 0.0);
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    for (w, s) in children {
        if let Some(s) = s {
            total += w * s;
            weights += w;
            (low, high) = (low.min(s), high.max(s));
        }
    }
    (weights > 0.0).then(|| (total / weights).clamp(low, high))
}

/// Weighted geometric mean `exp(Σ w·ln s / Σ w)` over the children present, `None` if none
/// is. Fails with the first score ≤ 0 (its logarithm is undefined: normalise to a strictly
/// positive range first).
pub fn geometric(children: impl Iterator<Item = (f64, Option<f64>)>) -> Result<Option<f64>, f64> {
    let (mut total, mut weights) = (0.0, 0.0);
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    for (w, s) in children {
        if let Some(s) = s {
            if s <= 0.0 {
                return Err(s);
            }
            total += w * s.ln();
            weights += w;
            (low, high) = (low.min(s), high.max(s));
        }
    }
    Ok((weights > 0.0).then(|| (total / weights).exp().clamp(low, high)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_child_renormalises_weights() {
        let full = arithmetic([(1.0, Some(40.0)), (3.0, Some(80.0)), (1.0, Some(10.0))].into_iter()).unwrap();
        assert!((full - 58.0).abs() < 1e-12);
        // Without the third child the weights 1 and 3 become 1/4 and 3/4.
        let gap = arithmetic([(1.0, Some(40.0)), (3.0, Some(80.0)), (1.0, None)].into_iter()).unwrap();
        assert!((gap - 70.0).abs() < 1e-12);
        // Only ratios matter: shares 0.25/0.75 give the same.
        let shares = arithmetic([(0.25, Some(40.0)), (0.75, Some(80.0))].into_iter()).unwrap();
        assert!((shares - gap).abs() < 1e-12);
    }

    #[test]
    fn all_children_missing_parent_missing() {
        assert_eq!(arithmetic([(1.0, None), (2.0, None)].into_iter()), None);
        assert_eq!(geometric([(1.0, None)].into_iter()), Ok(None));
    }

    #[test]
    fn arithmetic_versus_geometric() {
        let children = [(1.0, Some(16.0)), (1.0, Some(64.0)), (2.0, Some(4.0))];
        assert!((arithmetic(children.into_iter()).unwrap() - 22.0).abs() < 1e-12);
        // (16 · 64 · 4²)^(1/4) = 16384^(1/4) = 8√2.
        let g = geometric(children.into_iter()).unwrap().unwrap();
        assert!((g - 8.0 * 2f64.sqrt()).abs() < 1e-12, "{g}");
        assert!(g < 22.0, "the geometric mean is below the arithmetic mean");
        let gap = geometric([(1.0, Some(16.0)), (1.0, None), (1.0, Some(4.0))].into_iter()).unwrap().unwrap();
        assert!((gap - 8.0).abs() < 1e-12);
    }

    #[test]
    fn geometric_rejects_non_positive_score() {
        assert_eq!(geometric([(1.0, Some(5.0)), (1.0, Some(0.0))].into_iter()), Err(0.0));
        assert_eq!(geometric([(1.0, Some(-2.0))].into_iter()), Err(-2.0));
    }
}

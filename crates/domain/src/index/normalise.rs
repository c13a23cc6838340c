//! Normalisation of one column onto a common scale with a common direction (§3.6).
//!
//! Direction is applied first, by negating x (`sign = -1`); for min-max this gives exactly
//! the reversed formula `(max − x)/(max − min)`. Functions over observed values return `None`
//! when the column carries no information (observed max = min, or SD = 0), so that the caller
//! applies the configured rule (missing and flagged by default, or a stated constant); they
//! never divide by zero.

use super::framework::{Bounds, Direction};
use super::method::{Clip, SdKind, Ties};
use super::stats::{mean, sd};

fn extremes(values: impl Iterator<Item = f64> + Clone) -> Option<(f64, f64)> {
    Some((values.clone().min_by(f64::total_cmp)?, values.max_by(f64::total_cmp)?))
}

/// Maps `t` in [0, 1] onto `[a, b]` as `a + t·(b − a)`, kept inside the range against rounding.
fn onto(t: f64, [a, b]: [f64; 2]) -> f64 {
    (a + t * (b - a)).clamp(a, b)
}

/// Min-max with observed bounds: `a + (s·x − min)/(max − min) · (b − a)`, min and max of
/// `s·x` over the column. `None` if max = min; every cell missing if the column is empty.
#[must_use]
pub fn minmax(column: &[Option<f64>], sign: f64, range: [f64; 2]) -> Option<Vec<Option<f64>>> {
    let present = column.iter().flatten().map(|x| sign * x);
    let Some((min, max)) = extremes(present) else { return Some(vec![None; column.len()]) };
    #[allow(clippy::float_cmp)]
    if max == min {
        return None;
    }
    Some(column.iter().map(|cell| cell.map(|x| onto((sign * x - min) / (max - min), range))).collect())
}

/// Min-max with fixed goalposts: `a + (x − L)/(U − L) · (b − a)`, L the worst and U the best
/// value (`lower`/`upper`, swapped for a negative direction). Unclipped by default, so values
/// outside the goalposts score outside the range; returns the scores and whether each was
/// clipped.
#[must_use]
pub fn goalposts(
    column: &[Option<f64>],
    bounds: Bounds,
    direction: Direction,
    [a, b]: [f64; 2],
    clip: Clip,
) -> (Vec<Option<f64>>, Vec<bool>) {
    let (worst, best) = match direction {
        Direction::Positive => (bounds.lower, bounds.upper),
        Direction::Negative => (bounds.upper, bounds.lower),
    };
    let mut clipped = vec![false; column.len()];
    let scores = column
        .iter()
        .zip(&mut clipped)
        .map(|(cell, was_clipped)| {
            cell.map(|x| {
                let raw = a + (x - worst) / (best - worst) * (b - a);
                let kept = match clip {
                    Clip::None => raw,
                    Clip::Top => raw.min(b),
                    Clip::Both => raw.clamp(a, b),
                };
                #[allow(clippy::float_cmp)]
                if kept != raw {
                    *was_clipped = true;
                }
                kept
            })
        })
        .collect();
    (scores, clipped)
}

/// z-score `centre + spread · (s·x − mean)/SD` (§3.6), SD sample or population. `None` if the
/// SD is 0 or undefined (fewer than two values for the sample SD).
#[must_use]
pub fn zscore(column: &[Option<f64>], sign: f64, kind: SdKind, centre: f64, spread: f64) -> Option<Vec<Option<f64>>> {
    let values: Vec<f64> = column.iter().flatten().map(|x| sign * x).collect();
    if values.is_empty() {
        return Some(vec![None; column.len()]);
    }
    let m = mean(&values)?;
    let s = sd(&values, kind).filter(|s| *s > 0.0)?;
    Some(column.iter().map(|cell| cell.map(|x| centre + spread * (sign * x - m) / s)).collect())
}

/// Percentile rank onto the range: `a + (r − 1)/(n − 1) · (b − a)`, r the ascending rank of
/// `s·x` among the n values with the given tie rule. `None` if every value is equal.
#[must_use]
pub fn percentile_rank(column: &[Option<f64>], sign: f64, ties: Ties, range: [f64; 2]) -> Option<Vec<Option<f64>>> {
    let mut sorted: Vec<(f64, usize)> =
        column.iter().enumerate().filter_map(|(row, cell)| cell.map(|x| (sign * x, row))).collect();
    if sorted.is_empty() {
        return Some(vec![None; column.len()]);
    }
    sorted.sort_by(|p, q| p.0.total_cmp(&q.0));
    #[allow(clippy::float_cmp)]
    if sorted[0].0 == sorted[sorted.len() - 1].0 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let top = (sorted.len() - 1) as f64;
    let mut out = vec![None; column.len()];
    let mut start = 0;
    while start < sorted.len() {
        let end = sorted[start..]
            .iter()
            .position(|p| p.0.total_cmp(&sorted[start].0).is_ne())
            .map_or(sorted.len(), |k| start + k);
        // Zero-based ranks of the tie group start..end.
        #[allow(clippy::cast_precision_loss)]
        let r = match ties {
            Ties::Min => start as f64,
            Ties::Max => (end - 1) as f64,
            Ties::Average => (start + end - 1) as f64 / 2.0,
        };
        for p in &sorted[start..end] {
            out[p.1] = Some(onto(r / top, range));
        }
        start = end;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(values: &[f64]) -> Vec<Option<f64>> {
        values.iter().copied().map(Some).collect()
    }

    #[test]
    fn minmax_onto_range_with_missing() {
        let s = minmax(&[Some(2.0), None, Some(4.0), Some(3.0)], 1.0, [0.0, 100.0]).unwrap();
        assert_eq!(s, vec![Some(0.0), None, Some(100.0), Some(50.0)]);
        assert_eq!(minmax(&[None, None], 1.0, [0.0, 1.0]), Some(vec![None, None]));
    }

    #[test]
    fn negative_direction_minus_x_equals_reversed_formula() {
        let values = [3.7, 1.2, 9.9, 4.4, 0.3];
        let scores = minmax(&col(&values), -1.0, [0.0, 1.0]).unwrap();
        let (min, max) = (0.3, 9.9);
        for (x, s) in values.iter().zip(&scores) {
            assert_eq!(s.unwrap(), (max - x) / (max - min), "{x}");
        }
        // Goalposts of a negative indicator: upper is the worst value, lower the best.
        let (g, _) = goalposts(
            &col(&[10.0, 20.0, 30.0]),
            Bounds { lower: 10.0, upper: 30.0 },
            Direction::Negative,
            [0.0, 1.0],
            Clip::None,
        );
        assert_eq!(g, col(&[1.0, 0.5, 0.0]));
    }

    #[test]
    fn constant_indicator_has_no_observed_scale() {
        assert_eq!(minmax(&col(&[5.0, 5.0, 5.0]), 1.0, [0.0, 100.0]), None);
        assert_eq!(minmax(&[Some(5.0), None], 1.0, [0.0, 100.0]), None);
        assert_eq!(zscore(&col(&[5.0, 5.0]), 1.0, SdKind::Sample, 0.0, 1.0), None);
        assert_eq!(percentile_rank(&col(&[5.0, 5.0]), 1.0, Ties::Min, [0.0, 1.0]), None);
    }

    #[test]
    fn goalpost_below_lower_is_negative_without_clipping_zero_with_clipping() {
        let bounds = Bounds { lower: 10.0, upper: 20.0 };
        let values = col(&[5.0, 15.0, 25.0]);
        let (s, clipped) = goalposts(&values, bounds, Direction::Positive, [0.0, 1.0], Clip::None);
        assert_eq!(s, col(&[-0.5, 0.5, 1.5]));
        assert_eq!(clipped, vec![false; 3]);
        let (s, clipped) = goalposts(&values, bounds, Direction::Positive, [0.0, 1.0], Clip::Both);
        assert_eq!(s, col(&[0.0, 0.5, 1.0]));
        assert_eq!(clipped, vec![true, false, true]);
    }

    #[test]
    fn goalpost_cap_top_only() {
        let (s, _) = goalposts(
            &col(&[5.0, 25.0]),
            Bounds { lower: 10.0, upper: 20.0 },
            Direction::Positive,
            [0.0, 100.0],
            Clip::Top,
        );
        assert_eq!(s, col(&[-50.0, 100.0]));
    }

    #[test]
    fn zscore_sample_and_population() {
        let values = col(&[1.0, 2.0, 3.0, 4.0]);
        let s = zscore(&values, 1.0, SdKind::Sample, 100.0, 10.0).unwrap();
        let sd = (5.0f64 / 3.0).sqrt();
        assert!((s[0].unwrap() - (100.0 - 15.0 / sd)).abs() < 1e-12);
        let p = zscore(&values, 1.0, SdKind::Population, 0.0, 1.0).unwrap();
        assert!((p[3].unwrap() - 1.5 / 1.25f64.sqrt()).abs() < 1e-12);
        let neg = zscore(&values, -1.0, SdKind::Population, 0.0, 1.0).unwrap();
        assert!((neg[3].unwrap() + 1.5 / 1.25f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn percentile_rank_ties() {
        let values = [Some(9.0), Some(8.0), None, Some(8.0), Some(7.0)];
        let min = percentile_rank(&values, 1.0, Ties::Min, [0.0, 3.0]).unwrap();
        assert_eq!(min, vec![Some(3.0), Some(1.0), None, Some(1.0), Some(0.0)]);
        let avg = percentile_rank(&values, 1.0, Ties::Average, [0.0, 3.0]).unwrap();
        assert_eq!(avg, vec![Some(3.0), Some(1.5), None, Some(1.5), Some(0.0)]);
        let max = percentile_rank(&values, -1.0, Ties::Max, [0.0, 3.0]).unwrap();
        assert_eq!(max, vec![Some(0.0), Some(2.0), None, Some(2.0), Some(3.0)]);
    }
}

//! Outlier treatment and transforms of one column (one cross-section, or the pooled panel):
//! iterative skew/kurtosis winsorisation with the CT log fallback (§3.4b), the mean ± k·SD
//! replacement rule of the EIS/RIS (§3.4a), and the per-indicator transforms (§3.5).
//!
//! Each function takes the column as `Option<f64>` cells (missing stays missing) with its
//! per-cell flags, changes them in place and reports what it did.

use super::framework::Transform;
use super::method::{Fallback, FewValues, SdKind, TreatSettings};
use super::stats::{mean, sd, skew_kurtosis};
use super::CellFlags;

/// What treatment did to one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Passes on the low / high side ("points winsorised"); for the SD rule, cells replaced.
    pub points_low: usize,
    pub points_high: usize,
    /// Cells flagged winsorised low / high (with ties, more than the points).
    pub cells_low: usize,
    pub cells_high: usize,
    /// The CT log fallback replaced the column.
    pub log: bool,
    pub status: TreatStatus,
}

/// How a column left treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TreatStatus {
    /// The statistics were computed and the column treated as needed (possibly not at all).
    #[default]
    Checked,
    /// Every value equal: G1/G2 undefined, left untreated (§5).
    Constant,
    /// Fewer than 4 values: G1/G2 undefined, left untreated (§5).
    TooFewValues,
    /// winmax passes did not meet the thresholds and the fallback is `none`: winsorised values kept.
    NotConverged,
}

impl TreatStatus {
    /// The text of the `status` column of `treatment.csv` (empty when checked).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TreatStatus::Checked => "",
            TreatStatus::Constant => "constant",
            TreatStatus::TooFewValues => "too_few_values",
            TreatStatus::NotConverged => "not_converged",
        }
    }
}

/// Why treatment stopped the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreatFailure {
    /// A pass left fewer than two distinct values (§3.4b step 2).
    TwoDistinctValues,
    /// Fewer than 4 values with `few_values = "error"` (§5).
    TooFewValues { count: usize },
}

/// Iterative skew/kurtosis winsorisation of one column (§3.4b), with winmax computed from
/// `units` (every unit of the cross-section, with or without a value).
///
/// While |G1| > `skew` and G2 > `kurtosis` and fewer than winmax passes were made, every cell
/// at the current extreme of the chosen side moves to the next value inwards (one pass,
/// however many tied cells). If the thresholds are still exceeded after winmax passes, the
/// winsorised values are discarded and the original column is CT-log transformed (fallback
/// `log`), or the winsorised values are kept and the status says so (fallback `none`).
///
/// Fails when a pass leaves fewer than two distinct values, or on fewer than 4 values with
/// `few_values = "error"`.
pub fn winsorise(
    column: &mut [Option<f64>],
    flags: &mut [CellFlags],
    units: usize,
    settings: &TreatSettings,
) -> Result<Outcome, TreatFailure> {
    // Sorted (value, row) pairs: the extremes and "the next value inwards" are neighbours, and
    // the moments are summed in ascending value order whatever the order of the rows.
    let mut sorted: Vec<(f64, usize)> =
        column.iter().enumerate().filter_map(|(row, cell)| cell.map(|x| (x, row))).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut y: Vec<f64> = sorted.iter().map(|p| p.0).collect();
    let Some((mut g1, mut g2)) = skew_kurtosis(&y) else {
        if y.len() < 4 {
            if settings.few_values == FewValues::Error {
                return Err(TreatFailure::TooFewValues { count: y.len() });
            }
            return Ok(Outcome { status: TreatStatus::TooFewValues, ..Outcome::default() });
        }
        return Ok(Outcome { status: TreatStatus::Constant, ..Outcome::default() });
    };
    let exceeds = |g1: f64, g2: f64| g1.abs() > settings.skew && g2 > settings.kurtosis;
    let winmax = settings.winmax(units);
    let initial_high = g1 > 0.0;
    // 0: untouched, 1: moved by a low pass, 2: moved by a high pass (per sorted position).
    let mut moved = vec![0u8; y.len()];
    let mut outcome = Outcome::default();
    let last = y.len() - 1;
    while outcome.points_low + outcome.points_high < winmax && exceeds(g1, g2) {
        let high = if settings.winchange { g1 >= 0.0 } else { initial_high };
        if high {
            let top = y[last];
            let start = y.iter().rposition(|&v| v < top).map_or(0, |p| p + 1);
            let next = y[start - 1];
            for k in start..=last {
                y[k] = next;
                moved[k] = 2;
            }
            outcome.points_high += 1;
        } else {
            let bottom = y[0];
            let end = y.iter().position(|&v| v > bottom).unwrap_or(last);
            let next = y[end];
            for k in 0..end {
                y[k] = next;
                moved[k] = 1;
            }
            outcome.points_low += 1;
        }
        // Sorted, so one distinct value is left exactly when the ends meet.
        #[allow(clippy::float_cmp)]
        if y[0] == y[last] {
            return Err(TreatFailure::TwoDistinctValues);
        }
        (g1, g2) = skew_kurtosis(&y).ok_or(TreatFailure::TwoDistinctValues)?;
    }
    if exceeds(g1, g2) && settings.fallback == Fallback::Log {
        // §3.4b step 3, §6.2: the winsorised values are discarded; the original column is
        // transformed with its own min and max.
        let (min, max) = (sorted[0].0, sorted[last].0);
        for &(x, row) in &sorted {
            column[row] = Some((x - min + 0.01 * (max - min)).ln());
            flags[row].insert(CellFlags::TRANSFORMED);
        }
        return Ok(Outcome { log: true, ..Outcome::default() });
    }
    if exceeds(g1, g2) {
        outcome.status = TreatStatus::NotConverged;
    }
    for ((&(_, row), &value), &side) in sorted.iter().zip(&y).zip(&moved) {
        match side {
            1 => {
                column[row] = Some(value);
                flags[row].insert(CellFlags::WINSORISED_LOW);
                outcome.cells_low += 1;
            }
            2 => {
                column[row] = Some(value);
                flags[row].insert(CellFlags::WINSORISED_HIGH);
                outcome.cells_high += 1;
            }
            _ => {}
        }
    }
    Ok(outcome)
}

/// The EIS/RIS outlier rule (§3.4a): a value above mean + k·SD takes the largest value among
/// the non-outliers, one below mean − k·SD the smallest. Mean and SD are over the column's
/// values in row order. Columns with fewer than two values or SD = 0 are left as they are.
pub fn replace_sd_outliers(column: &mut [Option<f64>], flags: &mut [CellFlags], k: f64, kind: SdKind) -> Outcome {
    let values: Vec<f64> = column.iter().flatten().copied().collect();
    let (Some(m), Some(s)) = (mean(&values), sd(&values, kind)) else {
        return Outcome { status: TreatStatus::TooFewValues, ..Outcome::default() };
    };
    if s <= 0.0 {
        return Outcome { status: TreatStatus::Constant, ..Outcome::default() };
    }
    let (low, high) = (m - k * s, m + k * s);
    let inside = values.iter().copied().filter(|x| (low..=high).contains(x));
    let (Some(inner_min), Some(inner_max)) = (inside.clone().min_by(f64::total_cmp), inside.max_by(f64::total_cmp))
    else {
        return Outcome::default();
    };
    let mut outcome = Outcome::default();
    for (cell, flag) in column.iter_mut().zip(flags.iter_mut()) {
        match *cell {
            Some(x) if x > high => {
                *cell = Some(inner_max);
                flag.insert(CellFlags::WINSORISED_HIGH);
                outcome.cells_high += 1;
            }
            Some(x) if x < low => {
                *cell = Some(inner_min);
                flag.insert(CellFlags::WINSORISED_LOW);
                outcome.cells_low += 1;
            }
            _ => {}
        }
    }
    outcome.points_high = outcome.cells_high;
    outcome.points_low = outcome.cells_low;
    outcome
}

/// Applies a transform to a column (§3.5), min and max taken over the column. When a value is
/// outside the transform's domain (≤ 0 before log/log10, < 0 before sqrt, max = min for the
/// CT and GII logs, max ≤ 0 for the GII log) the column is left untouched, every value is
/// flagged [`CellFlags::TRANSFORM_ERROR`] and the reason is returned; never NaN or −∞.
pub fn transform(column: &mut [Option<f64>], flags: &mut [CellFlags], t: Transform) -> Result<(), String> {
    let present = column.iter().flatten().copied();
    let min = present.clone().min_by(f64::total_cmp);
    let max = present.max_by(f64::total_cmp);
    let (Some(min), Some(max)) = (min, max) else { return Ok(()) };
    let problem = match t {
        Transform::Sqrt if min < 0.0 => Some(format!("sqrt needs values ≥ 0; the smallest is {min}")),
        Transform::Log | Transform::Log10 if min <= 0.0 => {
            Some(format!("{} needs values > 0; the smallest is {min}", t.name()))
        }
        Transform::CtLog | Transform::GiiLog if max <= min => {
            Some(format!("{} is undefined when every value is equal ({min})", t.name()))
        }
        Transform::GiiLog if max <= 0.0 => Some(format!("gii_log needs a maximum > 0; it is {max}")),
        _ => None,
    };
    if let Some(reason) = problem {
        for (cell, flag) in column.iter().zip(flags.iter_mut()) {
            if cell.is_some() {
                flag.insert(CellFlags::TRANSFORM_ERROR);
            }
        }
        return Err(reason);
    }
    let f = |x: f64| match t {
        Transform::Sqrt => x.sqrt(),
        Transform::Log => x.ln(),
        Transform::Log10 => x.log10(),
        Transform::CtLog => (x - min + 0.01 * (max - min)).ln(),
        Transform::CtLogOriginal => (x - min + 1.0).ln(),
        Transform::GiiLog => ((max - 1.0) * (x - min) / (max - min) + 1.0).ln(),
        Transform::BoxCox(lambda) => {
            let shifted = x - min + 1.0;
            if lambda == 0.0 {
                shifted.ln()
            } else {
                (shifted.powf(lambda) - 1.0) / lambda
            }
        }
    };
    for (cell, flag) in column.iter_mut().zip(flags.iter_mut()) {
        if let Some(x) = *cell {
            *cell = Some(f(x));
            flag.insert(CellFlags::TRANSFORMED);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(values: &[f64]) -> Vec<Option<f64>> {
        values.iter().copied().map(Some).collect()
    }

    fn run(values: &[f64], settings: &TreatSettings) -> (Vec<Option<f64>>, Vec<CellFlags>, Outcome) {
        let mut c = col(values);
        let mut f = vec![CellFlags::default(); c.len()];
        let out = winsorise(&mut c, &mut f, values.len(), settings).unwrap();
        (c, f, out)
    }

    fn points(n: u32) -> TreatSettings {
        TreatSettings { max_points: Some(n), ..TreatSettings::default() }
    }

    #[test]
    fn winsorise_single_outlier_moves_to_next_value() {
        // G1 = 3.12, G2 = 9.80 exceed 2 and 3.5; after one pass 100 → 9 they do not.
        let (c, f, out) = run(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0], &TreatSettings::default());
        assert_eq!(c[9], Some(9.0));
        assert!(f[9].contains(CellFlags::WINSORISED_HIGH));
        assert_eq!((out.points_high, out.cells_high, out.points_low, out.log), (1, 1, 0, false));
        assert!(f[..9].iter().all(|x| *x == CellFlags::default()));
    }

    #[test]
    fn winsorise_tie_moves_both_cells_in_one_pass() {
        // Two cells share the maximum 60: one pass moves both to 4; G1 = 0.41 afterwards.
        let mut values = vec![1.0, 2.0, 3.0, 4.0, 60.0, 60.0];
        values.extend([1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 1.0, 2.0, 3.0, 4.0, 2.0, 3.0]);
        let (c, f, out) = run(&values, &points(5));
        assert_eq!((c[4], c[5]), (Some(4.0), Some(4.0)));
        assert_eq!((out.points_high, out.cells_high), (1, 2));
        assert!(f[4].contains(CellFlags::WINSORISED_HIGH) && f[5].contains(CellFlags::WINSORISED_HIGH));
        assert!(!f[3].contains(CellFlags::WINSORISED_HIGH), "cells already at the new value are not changed");
    }

    #[test]
    fn winsorise_side_switches_between_passes() {
        // First pass takes the high outlier 1000 (G1 > 0); the column is then skewed to the
        // left by -400 and the second pass takes the low side.
        let mut values = vec![-400.0, 1000.0];
        values.extend((0..18).map(f64::from));
        let first = skew_kurtosis(&values).unwrap();
        assert!(first.0 > 2.0 && first.1 > 3.5, "{first:?}");
        let (c, f, out) = run(&values, &points(5));
        assert_eq!((out.points_high, out.points_low), (1, 1));
        assert_eq!(c[1], Some(17.0));
        assert_eq!(c[0], Some(0.0));
        assert!(f[0].contains(CellFlags::WINSORISED_LOW) && f[1].contains(CellFlags::WINSORISED_HIGH));
        // With winchange off the side is fixed by the first G1: both passes take the high side.
        let fixed = TreatSettings { winchange: false, ..points(2) };
        let (_, _, out) = run(&values, &fixed);
        assert_eq!(out.points_low, 0);
    }

    #[test]
    fn winsorise_meets_thresholds_on_last_allowed_pass_keeps_values() {
        // Needs exactly two passes (1000 → 500 → 9); winmax = 2 keeps the winsorised column.
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 500.0, 1000.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let (c, _, out) = run(&values, &points(2));
        assert_eq!((out.points_high, out.log, out.status), (2, false, TreatStatus::Checked));
        assert_eq!((c[9], c[10]), (Some(9.0), Some(9.0)));
        // One pass is not enough: with winmax = 1 the CT log fallback replaces the column.
        let (_, _, out) = run(&values, &points(1));
        assert!(out.log);
    }

    #[test]
    fn winsorise_two_distinct_values_guard() {
        // [0 × 40, 1, 1, 5]: 5 → 1 leaves two values still skewed; 1 → 0 leaves one value.
        let mut values = vec![0.0; 40];
        values.extend([1.0, 1.0, 5.0]);
        let mut c = col(&values);
        let mut f = vec![CellFlags::default(); c.len()];
        let err = winsorise(&mut c, &mut f, values.len(), &points(10)).unwrap_err();
        assert_eq!(err, TreatFailure::TwoDistinctValues);
    }

    #[test]
    fn winsorise_ct_log_fallback_uses_original_column() {
        // [1 × 20, 10, 100, 1000]: after 2 passes (1000 → 100 → 10) G1 = 2.35 and G2 = 3.86 still
        // exceed the thresholds, so with winmax = 2 the winsorised column is discarded.
        let mut values = vec![1.0; 20];
        values.extend([10.0, 100.0, 1000.0]);
        let mut c = col(&values);
        c.push(None);
        let mut f = vec![CellFlags::default(); c.len()];
        let out = winsorise(&mut c, &mut f, 24, &points(2)).unwrap();
        assert!(out.log);
        assert_eq!((out.points_high, out.cells_high), (0, 0));
        let (min, max) = (1.0, 1000.0);
        for (i, x) in values.iter().enumerate() {
            let expected = (x - min + 0.01 * (max - min)).ln();
            assert!((c[i].unwrap() - expected).abs() < 1e-15, "{i}");
            assert_eq!(f[i], CellFlags(CellFlags::TRANSFORMED));
        }
        assert_eq!((c[23], f[23]), (None, CellFlags::default()));
        // With fallback "none" the winsorised column stays, flagged not converged.
        let none = TreatSettings { fallback: Fallback::None, ..points(2) };
        let mut c = col(&values);
        let mut f = vec![CellFlags::default(); c.len()];
        let out = winsorise(&mut c, &mut f, 23, &none).unwrap();
        assert_eq!((out.status, out.points_high, out.cells_high), (TreatStatus::NotConverged, 2, 2));
        assert_eq!((c[21], c[22]), (Some(10.0), Some(10.0)));
    }

    #[test]
    fn constant_column_is_not_winsorised() {
        let (c, _, out) = run(&[3.0; 8], &TreatSettings::default());
        assert_eq!(out.status, TreatStatus::Constant);
        assert_eq!(c, col(&[3.0; 8]));
    }

    #[test]
    fn too_few_values_skip_or_error() {
        let (_, _, out) = run(&[1.0, 2.0, 1000.0], &TreatSettings::default());
        assert_eq!(out.status, TreatStatus::TooFewValues);
        let error = TreatSettings { few_values: FewValues::Error, ..TreatSettings::default() };
        let mut c = col(&[1.0, 2.0, 1000.0]);
        let mut f = vec![CellFlags::default(); 3];
        assert_eq!(winsorise(&mut c, &mut f, 3, &error), Err(TreatFailure::TooFewValues { count: 3 }));
    }

    #[test]
    fn sd_outlier_replaced_by_largest_non_outlier_scores_one() {
        // mean 11.8, sample SD 28.5…: 100 > mean + 2·SD; the largest non-outlier is 9.
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0];
        let mut c = col(&values);
        let mut f = vec![CellFlags::default(); c.len()];
        let out = replace_sd_outliers(&mut c, &mut f, 2.0, SdKind::Sample);
        assert_eq!((c[9], out.cells_high, out.cells_low), (Some(9.0), 1, 0));
        let scores = super::super::normalise::minmax(&c, 1.0, [0.0, 1.0]).unwrap();
        assert_eq!(scores[9], Some(1.0));
        assert_eq!(scores[8], Some(1.0));
        assert_eq!(scores[0], Some(0.0));
    }

    #[test]
    fn plain_log_with_non_positive_value_left_untreated_with_flag() {
        let mut c = col(&[0.0, 1.0, 10.0]);
        let mut f = vec![CellFlags::default(); 3];
        let err = transform(&mut c, &mut f, Transform::Log).unwrap_err();
        assert!(err.contains("> 0"), "{err}");
        assert_eq!(c, col(&[0.0, 1.0, 10.0]));
        assert!(f.iter().all(|x| x.contains(CellFlags::TRANSFORM_ERROR)));
        let mut c = col(&[-1.0, 4.0]);
        assert!(transform(&mut c, &mut f[..2], Transform::Sqrt).is_err());
        let mut c = col(&[0.5, 0.0]);
        assert!(transform(&mut c, &mut f[..2], Transform::Log10).is_err());
        // CT log and GII log are undefined on a constant column; GII log needs max > 0.
        let mut c = col(&[2.0, 2.0]);
        assert!(transform(&mut c, &mut f[..2], Transform::CtLog).is_err());
        assert!(transform(&mut c, &mut f[..2], Transform::GiiLog).is_err());
        let mut c = col(&[-3.0, -1.0]);
        assert!(transform(&mut c, &mut f[..2], Transform::GiiLog).is_err());
        assert_eq!(c, col(&[-3.0, -1.0]));
        let mut c = col(&[-1.0, 4.0]);
        transform(&mut c, &mut f[..2], Transform::CtLog).unwrap();
        assert!((c[0].unwrap() - 0.05f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn sqrt_then_minmax_matches_formula() {
        let values = [4.0, 9.0, 2.0, 49.0, 16.0];
        let mut c = col(&values);
        let mut f = vec![CellFlags::default(); c.len()];
        transform(&mut c, &mut f, Transform::Sqrt).unwrap();
        let scores = super::super::normalise::minmax(&c, 1.0, [0.0, 1.0]).unwrap();
        let (min, max) = (2.0f64, 49.0f64);
        for (x, s) in values.iter().zip(&scores) {
            let expected = (x.sqrt() - min.sqrt()) / (max.sqrt() - min.sqrt());
            assert!((s.unwrap() - expected).abs() < 1e-15);
        }
    }

    #[test]
    fn other_transforms_follow_their_formulas() {
        let values = [-2.0, 0.0, 3.0, 8.0];
        let check = |t: Transform, f: &dyn Fn(f64) -> f64| {
            let mut c = col(&values);
            let mut flags = vec![CellFlags::default(); 4];
            transform(&mut c, &mut flags, t).unwrap();
            for (x, y) in values.iter().zip(&c) {
                assert!((y.unwrap() - f(*x)).abs() < 1e-14, "{t:?} {x}");
            }
        };
        check(Transform::CtLogOriginal, &|x| (x + 2.0 + 1.0).ln());
        check(Transform::GiiLog, &|x| (7.0 * (x + 2.0) / 10.0 + 1.0).ln());
        check(Transform::BoxCox(0.5), &|x| ((x + 3.0).sqrt() - 1.0) / 0.5);
        check(Transform::BoxCox(0.0), &|x| (x + 3.0).ln());
        let mut c = col(&[1.0, 100.0]);
        let mut f = vec![CellFlags::default(); 2];
        transform(&mut c, &mut f, Transform::Log10).unwrap();
        assert_eq!(c, col(&[0.0, 2.0]));
    }
}

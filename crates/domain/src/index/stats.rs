//! Column statistics (§3.3, §5 "Mean and SD").
//!
//! Summation order: sums run over the slice in the order given. The engine passes values in
//! its canonical row order (period, then unit code) or, inside winsorisation, in ascending
//! value order; both are independent of the order of the input file. Means and moments are
//! two-pass (mean first, then central sums).

use super::method::SdKind;

/// The mean, or `None` for an empty slice.
#[must_use]
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let n = values.len() as f64;
    Some(values.iter().sum::<f64>() / n)
}

/// The standard deviation (sample: n − 1, population: n), or `None` below 2 values (sample)
/// or 1 value (population).
#[must_use]
pub fn sd(values: &[f64], kind: SdKind) -> Option<f64> {
    let m = mean(values)?;
    let divisor = match kind {
        SdKind::Sample if values.len() < 2 => return None,
        SdKind::Sample => values.len() - 1,
        SdKind::Population => values.len(),
    };
    #[allow(clippy::cast_precision_loss)]
    let d = divisor as f64;
    Some((values.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / d).sqrt())
}

/// Bias-adjusted skewness G1 and excess kurtosis G2, as Excel `SKEW`/`KURT`, R
/// `e1071::skewness/kurtosis(type = 2)` and SciPy `skew/kurtosis(bias=False)` (§3.3).
/// `None` when they are undefined: fewer than 4 values, or every value equal (m2 = 0).
#[must_use]
pub fn skew_kurtosis(values: &[f64]) -> Option<(f64, f64)> {
    let count = values.len();
    if count < 4 {
        return None;
    }
    let m = mean(values)?;
    let (mut s2, mut s3, mut s4) = (0.0, 0.0, 0.0);
    for x in values {
        let d = x - m;
        let d2 = d * d;
        s2 += d2;
        s3 += d2 * d;
        s4 += d2 * d2;
    }
    #[allow(clippy::cast_precision_loss)]
    let n = count as f64;
    let (m2, m3, m4) = (s2 / n, s3 / n, s4 / n);
    if m2 <= 0.0 {
        return None;
    }
    let g1 = m3 / m2.powf(1.5);
    let g2 = m4 / (m2 * m2) - 3.0;
    let skew = g1 * (n * (n - 1.0)).sqrt() / (n - 2.0);
    let kurt = ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0));
    Some((skew, kurt))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    // Reference values from SciPy 1.17.1: scipy.stats.skew(x, bias=False) and
    // scipy.stats.kurtosis(x, bias=False) (Fisher, excess), which equal Excel SKEW/KURT.
    #[test]
    fn skewness_and_kurtosis_match_scipy() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0];
        let (g1, g2) = skew_kurtosis(&x).unwrap();
        assert!(close(g1, 3.118_895_745_239_087), "{g1}");
        assert!(close(g2, 9.799_244_716_163_662), "{g2}");
        let y = [2.5, -1.0, 0.0, 7.25, 3.0, 3.0, 11.0];
        let (g1, g2) = skew_kurtosis(&y).unwrap();
        assert!(close(g1, 0.915_662_863_395_307_7), "{g1}");
        assert!(close(g2, 0.338_121_644_426_631_3), "{g2}");
    }

    #[test]
    fn skewness_and_kurtosis_n4_match_scipy() {
        let (g1, g2) = skew_kurtosis(&[1.0, 2.0, 4.0, 10.0]).unwrap();
        assert!(close(g1, 1.469_334_548_210_623_3), "{g1}");
        assert!(close(g2, 2.030_769_230_769_230_7), "{g2}");
    }

    #[test]
    fn moments_undefined_below_four_values_or_constant() {
        assert_eq!(skew_kurtosis(&[1.0, 2.0, 30.0]), None);
        assert_eq!(skew_kurtosis(&[5.0; 6]), None);
        assert_eq!(mean(&[]), None);
        assert_eq!(sd(&[3.0], SdKind::Sample), None);
        assert_eq!(sd(&[3.0], SdKind::Population), Some(0.0));
        assert!(close(sd(&[1.0, 2.0, 3.0, 4.0], SdKind::Sample).unwrap(), (5.0f64 / 3.0).sqrt()));
        assert!(close(sd(&[1.0, 2.0, 3.0, 4.0], SdKind::Population).unwrap(), 1.25f64.sqrt()));
    }
}

//! Exact arithmetic for the rules: rationals over `i128`, compared by cross-multiplication.
//!
//! Every threshold test of `policy-rules.md` §0.2 goes through [`Ratio`]: `rd * 100 >= sales * 5`,
//! never a float. The input check ([`super::input::FirmInput::check`]) bounds every amount to
//! ±10^15 yuan (10^17 fen) and every headcount to 10^9 persons, so that no product formed here
//! (at most a sum of three squared amounts times a few hundred) leaves the range of `i128`.

use std::cmp::Ordering;

/// An exact fraction `num / den` with `den > 0`. Not reduced: equality of value is
/// [`Ratio::cmp_value`], not `==`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    num: i128,
    den: i128,
}

impl Ratio {
    /// `num / den`; a negative denominator moves its sign to the numerator. `None` if `den` is 0.
    #[must_use]
    pub fn new(num: i128, den: i128) -> Option<Ratio> {
        match den.cmp(&0) {
            Ordering::Greater => Some(Ratio { num, den }),
            Ordering::Less => Some(Ratio { num: -num, den: -den }),
            Ordering::Equal => None,
        }
    }

    /// The whole number `n`.
    #[must_use]
    pub const fn int(n: i128) -> Ratio {
        Ratio { num: n, den: 1 }
    }

    /// `percent`% as a fraction, e.g. `percent(5)` is 5/100.
    #[must_use]
    pub const fn percent(percent: i128) -> Ratio {
        Ratio { num: percent, den: 100 }
    }

    #[must_use]
    pub fn num(self) -> i128 {
        self.num
    }

    #[must_use]
    pub fn den(self) -> i128 {
        self.den
    }

    /// Compares the values exactly (cross-multiplication).
    #[must_use]
    pub fn cmp_value(self, other: Ratio) -> Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }

    /// `self >= other`, exactly.
    #[must_use]
    pub fn ge(self, other: Ratio) -> bool {
        self.cmp_value(other) != Ordering::Less
    }

    /// `self > other`, exactly.
    #[must_use]
    pub fn gt(self, other: Ratio) -> bool {
        self.cmp_value(other) == Ordering::Greater
    }

    /// `self <= other`, exactly.
    #[must_use]
    pub fn le(self, other: Ratio) -> bool {
        self.cmp_value(other) != Ordering::Greater
    }

    /// The largest integer not above the value.
    #[must_use]
    pub fn floor(self) -> i128 {
        floor_div(self.num, self.den)
    }

    /// The smallest integer not below the value.
    #[must_use]
    pub fn ceil(self) -> i128 {
        -floor_div(-self.num, self.den)
    }

    /// The nearest integer, halves rounded up (towards +∞): 0.5 → 1, -0.5 → 0.
    #[must_use]
    pub fn round_half_up(self) -> i128 {
        floor_div(2 * self.num + self.den, 2 * self.den)
    }

    /// The value times a whole number.
    #[must_use]
    pub fn times(self, factor: i128) -> Ratio {
        Ratio { num: self.num * factor, den: self.den }
    }

    /// The value scaled by 10^`decimals` and floored: `floor_scaled(2)` of 1/3 is 33.
    #[must_use]
    pub fn floor_scaled(self, decimals: u32) -> i128 {
        self.times(10_i128.pow(decimals)).floor()
    }

    /// The value scaled by 10^`decimals` and rounded up.
    #[must_use]
    pub fn ceil_scaled(self, decimals: u32) -> i128 {
        self.times(10_i128.pow(decimals)).ceil()
    }

    /// The exact decimal if it ends within `max_decimals` places, else `None`; at least
    /// `min_decimals` places are printed: 3/4 → `0.75`, 13/16 → `0.8125`, 1 → `1.00`.
    #[must_use]
    pub fn exact_decimal(self, min_decimals: u32, max_decimals: u32) -> Option<String> {
        let scaled = self.times(10_i128.pow(max_decimals));
        (scaled.num % scaled.den == 0).then(|| decimal_string(scaled.num / scaled.den, max_decimals, min_decimals))
    }
}

/// `⌊n / d⌋` for `d > 0`. Most figures fit in 64 bits, where division is a machine
/// instruction; 128-bit division is a library call, kept for the rest.
fn floor_div(n: i128, d: i128) -> i128 {
    match (i64::try_from(n), i64::try_from(d)) {
        (Ok(n), Ok(d)) => i128::from(n.div_euclid(d)),
        _ => n.div_euclid(d),
    }
}

/// `scaled / 10^decimals` as a decimal string with trailing zeros trimmed down to
/// `min_decimals` places: (49000, 4, 0) → `4.9`, (1000000, 4, 2) → `100.00`.
#[must_use]
pub fn decimal_string(scaled: i128, decimals: u32, min_decimals: u32) -> String {
    let sign = if scaled < 0 { "-" } else { "" };
    let magnitude = scaled.unsigned_abs();
    let unit = 10_u128.pow(decimals);
    let integer = magnitude / unit;
    if decimals == 0 {
        return format!("{sign}{integer}");
    }
    let fraction = format!("{:0width$}", magnitude % unit, width = decimals as usize);
    let keep = fraction.trim_end_matches('0').len().max(min_decimals as usize);
    if keep == 0 {
        format!("{sign}{integer}")
    } else {
        format!("{sign}{integer}.{}", &fraction[..keep])
    }
}

/// `n / d` rounded half up, `d > 0`.
#[must_use]
pub fn div_round(n: i128, d: i128) -> i128 {
    Ratio { num: n, den: d }.round_half_up()
}

/// `n / d` rounded up, `d > 0`.
#[must_use]
pub fn div_ceil(n: i128, d: i128) -> i128 {
    Ratio { num: n, den: d }.ceil()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn compares_without_rounding() {
        // 6,615,000 / 135,000,000 = 4.9% < 5%.
        let ratio = Ratio::new(6_615_000, 135_000_000).unwrap();
        assert!(!ratio.ge(Ratio::percent(5)));
        assert!(ratio.ge(Ratio::percent(4)));
        // One fen below 4% of 100,000,000.00 yuan is below, though it prints as 4.0000%.
        let below = Ratio::new(399_999_999, 10_000_000_000).unwrap();
        assert!(!below.ge(Ratio::percent(4)));
        assert_eq!(below.floor_scaled(6), 39_999);
    }

    #[test]
    fn rounding_directions() {
        let third = Ratio::new(1, 3).unwrap();
        assert_eq!((third.floor(), third.ceil(), third.round_half_up()), (0, 1, 0));
        let minus_half = Ratio::new(-1, 2).unwrap();
        assert_eq!((minus_half.floor(), minus_half.ceil(), minus_half.round_half_up()), (-1, 0, 0));
        assert_eq!(div_round(5, 10), 1);
        assert_eq!(div_round(50_000_000_000, 9), 5_555_555_556);
        assert_eq!(div_ceil(7, 2), 4);
        assert_eq!(Ratio::new(3, -4), Ratio::new(-3, 4));
        assert_eq!(Ratio::new(1, 0), None);
    }

    #[test]
    fn decimals() {
        assert_eq!(Ratio::new(13, 16).unwrap().exact_decimal(2, 6).as_deref(), Some("0.8125"));
        assert_eq!(Ratio::int(1).exact_decimal(2, 6).as_deref(), Some("1.00"));
        assert_eq!(Ratio::new(1, 3).unwrap().exact_decimal(2, 6), None);
        assert_eq!(decimal_string(49_000, 4, 0), "4.9");
        assert_eq!(decimal_string(-5, 4, 0), "-0.0005");
        assert_eq!(decimal_string(600_000, 4, 0), "60");
    }

    proptest! {
        #[test]
        fn ceil_and_floor_bracket_the_value(num in -1_000_000_i128..1_000_000, den in 1_i128..1000) {
            let ratio = Ratio::new(num, den).unwrap();
            prop_assert!(ratio.floor() * den <= num && num <= ratio.ceil() * den);
            prop_assert!(ratio.ceil() - ratio.floor() <= 1);
        }
    }
}

//! `Quantity`: an exact decimal with 4 places, the value type of facts and roll-ups.

use std::fmt;
use std::str::FromStr;

use super::RollupError;
use crate::money::Money;

/// Units of a [`Quantity`] in one: values are held in units of 1e-4.
pub const SCALE: i64 = 10_000;

/// An exact fixed-point number with 4 decimals, held as a whole number of 1e-4 units in an
/// `i64`. Build it with [`Quantity::parse`], [`Quantity::from_units`],
/// [`Quantity::from_money`] or [`Quantity::from_f64_exact`].
///
/// The range is ±922337203685477.5807; `i64::MIN` units is not a quantity (the roll-up
/// uses it to mark a missing cell). Sums are checked ([`Quantity::checked_add`]): nothing
/// here wraps or saturates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quantity(i64);

impl Quantity {
    /// Zero.
    pub const ZERO: Quantity = Quantity(0);
    /// The largest quantity, 922337203685477.5807.
    pub const MAX: Quantity = Quantity(i64::MAX);
    /// The smallest quantity, -922337203685477.5807.
    pub const MIN: Quantity = Quantity(i64::MIN + 1);

    /// Parses a plain decimal: `1234`, `-0.5`, `1234.5678`, `0.0001`.
    ///
    /// Fails on the empty string, on anything but an optional leading `-`, digits, and a
    /// decimal point with 1 to 4 digits after it (`+1`, `.5`, `5.`, `1e5`, `1,234`, `1.23456`,
    /// spaces), and on values beyond [`Quantity::MAX`] or [`Quantity::MIN`].
    pub fn parse(input: &str) -> Result<Quantity, RollupError> {
        if input.is_empty() {
            return Err(RollupError::EmptyQuantity);
        }
        let invalid = || RollupError::InvalidQuantity { value: input.to_owned() };
        let (negative, body) = match input.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, input),
        };
        let (integer, fraction) = match body.split_once('.') {
            Some((integer, fraction)) => (integer, Some(fraction)),
            None => (body, None),
        };
        let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        if !digits(integer) || fraction.is_some_and(|fraction| !digits(fraction) || fraction.len() > 4) {
            return Err(invalid());
        }
        let out_of_range = || RollupError::QuantityOutOfRange { value: input.to_owned() };
        let mut units: i128 = 0;
        for byte in integer.bytes() {
            units = units * 10 + i128::from(byte - b'0');
            if units > i128::from(i64::MAX) {
                return Err(out_of_range());
            }
        }
        let fraction = fraction.unwrap_or("");
        let mut fraction_units: i128 = 0;
        for position in 0..4 {
            let digit = fraction.as_bytes().get(position).map_or(0, |b| i128::from(b - b'0'));
            fraction_units = fraction_units * 10 + digit;
        }
        let magnitude = units * i128::from(SCALE) + fraction_units;
        let signed = if negative { -magnitude } else { magnitude };
        i64::try_from(signed).ok().and_then(Quantity::from_units).ok_or_else(out_of_range)
    }

    /// The quantity of `units` × 1e-4; `None` for `i64::MIN` (outside the range).
    #[must_use]
    pub const fn from_units(units: i64) -> Option<Quantity> {
        if units == i64::MIN {
            None
        } else {
            Some(Quantity(units))
        }
    }

    /// The value in units of 1e-4.
    #[must_use]
    pub const fn units(self) -> i64 {
        self.0
    }

    /// An amount of money in yuan, exactly (1 fen = 100 units of 1e-4). Fails with
    /// `rollup.quantity_out_of_range` beyond ±922337203685477.5807 yuan.
    pub fn from_money(money: Money) -> Result<Quantity, RollupError> {
        money
            .fen()
            .checked_mul(100)
            .and_then(Quantity::from_units)
            .ok_or_else(|| RollupError::QuantityOutOfRange { value: money.to_exact_string(crate::money::Unit::Yuan) })
    }

    /// The quantity a 64-bit float stands for, when the float is the double nearest to a
    /// decimal with at most 4 places (what a CSV or Parquet writer produces from such a
    /// decimal); `None` otherwise (`0.12345`, `NaN`, infinities, beyond the range, or beyond
    /// 2^53 units). Up to 2^51 units (about 2.25e11) every 4-decimal number has a double of
    /// its own; above, neighbouring ones may share a double and the result is one of them.
    #[must_use]
    pub fn from_f64_exact(value: f64) -> Option<Quantity> {
        const LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
                                                    // Adding and taking away 1.5 * 2^52 rounds any |x| < 2^51 to an integer (floats are
                                                    // never reassociated), without a call to the C library's `round`: loaders convert
                                                    // millions of values. Larger values take `round`.
        const SHIFT: f64 = 6_755_399_441_055_744.0;
        let scaled = value * 1e4;
        let scaled = if scaled.abs() < LIMIT / 4.0 { (scaled + SHIFT) - SHIFT } else { scaled.round() };
        if scaled.is_nan() || scaled.abs() >= LIMIT {
            return None;
        }
        // Exact: |scaled| < 2^53 is an integer, so the cast loses nothing, and the division
        // is correctly rounded, so it gives back `value` exactly when `value` is the double
        // nearest to scaled / 10^4.
        #[allow(clippy::cast_possible_truncation, clippy::float_cmp)]
        {
            let units = scaled as i64;
            #[allow(clippy::cast_precision_loss)]
            let back = units as f64 / 1e4;
            (back == value).then_some(Quantity(units))
        }
    }

    /// The nearest double (for formulas, which compute in floating point).
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / 1e4
    }

    /// `self + other`, or `None` when the sum leaves the range.
    #[must_use]
    pub const fn checked_add(self, other: Quantity) -> Option<Quantity> {
        match self.0.checked_add(other.0) {
            Some(units) => Quantity::from_units(units),
            None => None,
        }
    }

    /// `self - other`, or `None` when the difference leaves the range.
    #[must_use]
    pub const fn checked_sub(self, other: Quantity) -> Option<Quantity> {
        match self.0.checked_sub(other.0) {
            Some(units) => Quantity::from_units(units),
            None => None,
        }
    }
}

impl fmt::Display for Quantity {
    /// Exact, shortest form: `1234.56`, `-0.5`, `7`, `0.0001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let magnitude = self.0.unsigned_abs();
        let sign = if self.0 < 0 { "-" } else { "" };
        let scale = SCALE.unsigned_abs();
        let (integer, fraction) = (magnitude / scale, magnitude % scale);
        if fraction == 0 {
            write!(f, "{sign}{integer}")
        } else {
            let digits = format!("{fraction:04}");
            write!(f, "{sign}{integer}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl FromStr for Quantity {
    type Err = RollupError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

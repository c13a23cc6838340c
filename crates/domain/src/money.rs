//! Money: exact amounts of yuan (元), stored as a whole number of fen (分, 0.01 yuan).
//!
//! Floating point never touches an amount. Amounts enter through [`Money::parse`] (yuan) or
//! [`Money::parse_unit`] (元 / 万元 / 亿元, see [`Unit`]); both refuse anything that is not exact
//! to the fen. They leave as a plain yuan string with two decimals (`1234567.89`, the
//! `Display` and serde form, the form of `policy-input.md`), or rounded for reading through
//! [`Money::format_wan`] (`123.46万元`) and [`Money::format_yi`] (`1,016.11亿元`).
//!
//! Accepted input: an optional leading `-`, digits, at most one `.` with digits on both sides,
//! and optionally commas grouping the integer part by thousands, ASCII `,` or full-width `，`
//! (`1,234,567.89`, `1，234，567.89`). Nothing is trimmed: an importer trims cells before
//! parsing, so that a stored amount is exactly the text that was checked.
//!
//! # Error codes
//!
//! Each [`MoneyError`] has a stable i18n key ([`MoneyError::code`]) and named arguments
//! ([`MoneyError::args`]). Suggested message templates for the locale files; the English one is
//! exactly what `Display` prints (a unit test checks this table against the code). `{unit}`
//! receives the unit symbol `元`, `万元` or `亿元` in both languages.
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `money.empty` | The amount is empty; accepted forms: 1234, 1234.5, -12.30, 1,234,567.89. | 金额为空；可接受的格式：1234、1234.5、-12.30、1,234,567.89。 |
//! | `money.invalid_character` | Amount "{value}" contains "{ch}", which is not allowed; accepted: digits, a leading minus sign, one decimal point, and commas (, or ，) grouping the integer part by thousands. | 金额“{value}”含有不允许的字符“{ch}”；只能包含数字、开头的负号、一个小数点，以及按千位分组的逗号（, 或 ，）。 |
//! | `money.invalid_format` | Amount "{value}" is not a number in a recognised form; accepted forms: 1234, 1234.5, -12.30, 1,234,567.89 (digits on both sides of the decimal point, the minus sign only at the start). | 金额“{value}”格式不正确；可接受的格式：1234、1234.5、-12.30、1,234,567.89（小数点两侧都要有数字，负号只能在开头）。 |
//! | `money.invalid_grouping` | Amount "{value}" has misplaced commas; commas may only separate groups of three digits before the decimal point, e.g. 1,234,567.89. | 金额“{value}”中的逗号位置不正确；逗号只能在小数点前按每三位数字分组，如 1,234,567.89。 |
//! | `money.too_many_decimals` | Amount "{value}" has {decimals} decimals; an amount in {unit} takes at most {max} decimals (exact to the fen). | 金额“{value}”有 {decimals} 位小数；以{unit}为单位的金额最多 {max} 位小数（精确到分）。 |
//! | `money.overflow` | Amount "{value}" ({unit}) is too large; accepted amounts lie between -92233720368547758.08 and 92233720368547758.07 yuan. | 金额“{value}”（{unit}）超出范围；金额应在 -92233720368547758.08 元至 92233720368547758.07 元之间。 |
//! | `money.unknown_unit` | Unit "{value}" is not recognised; accepted units: yuan (元), wan_yuan (万元), yi_yuan (亿元). | 金额单位“{value}”无法识别；可接受：yuan（元）、wan_yuan（万元）、yi_yuan（亿元）。 |

use std::fmt;
use std::iter::Sum;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Fen in one yuan.
const FEN_PER_YUAN: i64 = 100;

/// The unit an amount is written in. Amounts are always stored in yuan (as fen); the unit
/// only says how to read or show a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// 元.
    Yuan,
    /// 万元 = 10,000 yuan.
    WanYuan,
    /// 亿元 = 100,000,000 yuan.
    YiYuan,
}

impl Unit {
    /// Every unit, smallest first.
    pub const ALL: [Unit; 3] = [Unit::Yuan, Unit::WanYuan, Unit::YiYuan];

    /// The stable snake_case form: `yuan`, `wan_yuan` or `yi_yuan`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Yuan => "yuan",
            Unit::WanYuan => "wan_yuan",
            Unit::YiYuan => "yi_yuan",
        }
    }

    /// The symbol users see: `元`, `万元` or `亿元`.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Yuan => "元",
            Unit::WanYuan => "万元",
            Unit::YiYuan => "亿元",
        }
    }

    /// Parses the snake_case form or the symbol (`wan_yuan` or `万元`); fails with
    /// `money.unknown_unit`.
    pub fn parse(input: &str) -> Result<Unit, MoneyError> {
        Unit::ALL
            .into_iter()
            .find(|unit| unit.as_str() == input || unit.symbol() == input)
            .ok_or_else(|| MoneyError::UnknownUnit { value: input.to_owned() })
    }

    /// How many decimals of this unit make exactly one fen: 2, 6 or 10.
    #[must_use]
    pub fn max_decimals(self) -> u32 {
        match self {
            Unit::Yuan => 2,
            Unit::WanYuan => 6,
            Unit::YiYuan => 10,
        }
    }

    /// Fen in one of this unit: 100, 1,000,000 or 10,000,000,000.
    fn fen_per_unit(self) -> u128 {
        10_u128.pow(self.max_decimals())
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An exact amount of yuan, held as a whole number of fen. Build it with [`Money::parse`],
/// [`Money::parse_unit`] or [`Money::from_fen`].
///
/// Amounts may be negative (losses, corrections). Ordering is by value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Money(i64);

/// Why a string is not an exact amount. See the module docs for the message templates of
/// each [`code`](MoneyError::code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// The input was the empty string.
    Empty,
    /// A character other than digits, `-`, `.`, `,` and `，`.
    InvalidCharacter { value: String, ch: char },
    /// Only allowed characters, but not a number: `1.2.3`, `1-2`, `.5`, `5.`, `-`.
    InvalidFormat { value: String },
    /// Commas that do not group the integer part by thousands: `1,23`, `12345,678`, `1.234,5`.
    InvalidGrouping { value: String },
    /// More decimals than make one fen in the unit: `1.234` yuan, `0.1234567` 万元.
    TooManyDecimals { value: String, unit: Unit, decimals: usize },
    /// Beyond the range of `i64` fen.
    Overflow { value: String, unit: Unit },
    /// [`Unit::parse`] met neither a code nor a symbol.
    UnknownUnit { value: String },
}

impl MoneyError {
    /// The stable i18n key of this error, e.g. `money.too_many_decimals`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            MoneyError::Empty => "money.empty",
            MoneyError::InvalidCharacter { .. } => "money.invalid_character",
            MoneyError::InvalidFormat { .. } => "money.invalid_format",
            MoneyError::InvalidGrouping { .. } => "money.invalid_grouping",
            MoneyError::TooManyDecimals { .. } => "money.too_many_decimals",
            MoneyError::Overflow { .. } => "money.overflow",
            MoneyError::UnknownUnit { .. } => "money.unknown_unit",
        }
    }

    /// The named arguments of the message template, e.g.
    /// `[("value", "1.234"), ("decimals", "3"), ("unit", "元"), ("max", "2")]`.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            MoneyError::Empty => Vec::new(),
            MoneyError::InvalidCharacter { value, ch } => vec![("value", value.clone()), ("ch", ch.to_string())],
            MoneyError::InvalidFormat { value }
            | MoneyError::InvalidGrouping { value }
            | MoneyError::UnknownUnit { value } => vec![("value", value.clone())],
            MoneyError::TooManyDecimals { value, unit, decimals } => vec![
                ("value", value.clone()),
                ("decimals", decimals.to_string()),
                ("unit", unit.symbol().to_owned()),
                ("max", unit.max_decimals().to_string()),
            ],
            MoneyError::Overflow { value, unit } => vec![("value", value.clone()), ("unit", unit.symbol().to_owned())],
        }
    }
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::Empty => write!(f, "The amount is empty; accepted forms: 1234, 1234.5, -12.30, 1,234,567.89."),
            MoneyError::InvalidCharacter { value, ch } => write!(
                f,
                "Amount \"{value}\" contains \"{ch}\", which is not allowed; accepted: digits, a leading minus \
                 sign, one decimal point, and commas (, or ，) grouping the integer part by thousands."
            ),
            MoneyError::InvalidFormat { value } => write!(
                f,
                "Amount \"{value}\" is not a number in a recognised form; accepted forms: 1234, 1234.5, -12.30, \
                 1,234,567.89 (digits on both sides of the decimal point, the minus sign only at the start)."
            ),
            MoneyError::InvalidGrouping { value } => write!(
                f,
                "Amount \"{value}\" has misplaced commas; commas may only separate groups of three digits \
                 before the decimal point, e.g. 1,234,567.89."
            ),
            MoneyError::TooManyDecimals { value, unit, decimals } => write!(
                f,
                "Amount \"{value}\" has {decimals} decimals; an amount in {} takes at most {} decimals (exact \
                 to the fen).",
                unit.symbol(),
                unit.max_decimals()
            ),
            MoneyError::Overflow { value, unit } => write!(
                f,
                "Amount \"{value}\" ({}) is too large; accepted amounts lie between -92233720368547758.08 and \
                 92233720368547758.07 yuan.",
                unit.symbol()
            ),
            MoneyError::UnknownUnit { value } => write!(
                f,
                "Unit \"{value}\" is not recognised; accepted units: yuan (元), wan_yuan (万元), yi_yuan (亿元)."
            ),
        }
    }
}

impl std::error::Error for MoneyError {}

/// The comma characters accepted as thousands separators: ASCII and full-width.
fn is_group_separator(ch: char) -> bool {
    ch == ',' || ch == '，'
}

/// Digits of an integer part, with thousands separators checked and removed.
fn ungroup(integer: &str) -> Option<String> {
    if !integer.contains(is_group_separator) {
        return Some(integer.to_owned());
    }
    let groups: Vec<&str> = integer.split(is_group_separator).collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|group| group.len() == 3);
    (first_ok && rest_ok).then(|| groups.concat())
}

impl Money {
    /// Zero yuan.
    pub const ZERO: Money = Money(0);
    /// The largest amount, 92233720368547758.07 yuan.
    pub const MAX: Money = Money(i64::MAX);
    /// The smallest amount, -92233720368547758.08 yuan.
    pub const MIN: Money = Money(i64::MIN);

    /// Parses an amount of yuan: `1234`, `1234.5`, `1234.56`, `-12.30`, `1,234,567.89`,
    /// `1，234，567.89`.
    ///
    /// Fails on the empty string, on any character other than digits, `-`, `.`, `,`, `，`
    /// (letters, spaces, `¥`), on a misplaced sign or point, on commas that do not group by
    /// thousands, on more than 2 decimals, and on amounts beyond [`Money::MIN`]..=[`Money::MAX`].
    pub fn parse(input: &str) -> Result<Money, MoneyError> {
        Money::parse_unit(input, Unit::Yuan)
    }

    /// Parses an amount written in `unit`, exactly: `"1016.11"` 亿元 is 101611000000.00 yuan,
    /// `"0.123456"` 万元 is 1234.56 yuan.
    ///
    /// Accepts the same forms as [`Money::parse`], with up to [`Unit::max_decimals`] decimals
    /// (2 for 元, 6 for 万元, 10 for 亿元), so that the value is always a whole number of fen;
    /// more decimals fail with `money.too_many_decimals`, even when they are zeros.
    pub fn parse_unit(input: &str, unit: Unit) -> Result<Money, MoneyError> {
        if input.is_empty() {
            return Err(MoneyError::Empty);
        }
        if let Some(ch) =
            input.chars().find(|&ch| !(ch.is_ascii_digit() || matches!(ch, '-' | '.') || is_group_separator(ch)))
        {
            return Err(MoneyError::InvalidCharacter { value: input.to_owned(), ch });
        }
        let invalid_format = || MoneyError::InvalidFormat { value: input.to_owned() };
        let (negative, unsigned) = match input.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, input),
        };
        if unsigned.contains('-') {
            return Err(invalid_format());
        }
        let (integer, fraction) = match unsigned.split_once('.') {
            Some((integer, fraction)) => (integer, Some(fraction)),
            None => (unsigned, None),
        };
        if fraction.is_some_and(|fraction| fraction.contains('.')) {
            return Err(invalid_format());
        }
        if fraction.is_some_and(|fraction| fraction.contains(is_group_separator)) {
            return Err(MoneyError::InvalidGrouping { value: input.to_owned() });
        }
        if integer.is_empty() || fraction == Some("") {
            return Err(invalid_format());
        }
        let digits = ungroup(integer).ok_or_else(|| MoneyError::InvalidGrouping { value: input.to_owned() })?;
        let fraction = fraction.unwrap_or("");
        if fraction.len() > unit.max_decimals() as usize {
            return Err(MoneyError::TooManyDecimals { value: input.to_owned(), unit, decimals: fraction.len() });
        }

        // Every character left is an ASCII digit. Leading zeros are dropped so that only
        // genuinely large numbers are refused before the i128 arithmetic below, which cannot
        // overflow with at most 20 integer digits and 10 decimals.
        let overflow = || MoneyError::Overflow { value: input.to_owned(), unit };
        let significant = digits.trim_start_matches('0');
        if significant.len() > 20 {
            return Err(overflow());
        }
        let to_number = |text: &str| text.bytes().fold(0_u128, |acc, d| acc * 10 + u128::from(d - b'0'));
        let padding = 10_u128.pow(unit.max_decimals() - u32::try_from(fraction.len()).map_err(|_| overflow())?);
        let magnitude = to_number(significant) * unit.fen_per_unit() + to_number(fraction) * padding;
        let signed = i128::try_from(magnitude).map_err(|_| overflow())?;
        let fen = i64::try_from(if negative { -signed } else { signed }).map_err(|_| overflow())?;
        Ok(Money(fen))
    }

    /// The amount with exactly this many fen.
    #[must_use]
    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    /// The amount in fen.
    #[must_use]
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Whether the amount is below zero.
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// `self + other`, or `None` if the sum leaves the range of [`Money`].
    #[must_use]
    pub const fn checked_add(self, other: Money) -> Option<Money> {
        match self.0.checked_add(other.0) {
            Some(fen) => Some(Money(fen)),
            None => None,
        }
    }

    /// `self - other`, or `None` if the difference leaves the range of [`Money`].
    #[must_use]
    pub const fn checked_sub(self, other: Money) -> Option<Money> {
        match self.0.checked_sub(other.0) {
            Some(fen) => Some(Money(fen)),
            None => None,
        }
    }

    /// The sum of all amounts, or `None` if it (or any partial sum) leaves the range.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(amounts: I) -> Option<Money> {
        amounts.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }

    /// The exact amount written in `unit`, without grouping or unit symbol, with at least two
    /// decimals and no trailing zeros beyond them: 1234.56 yuan is `0.123456` in 万元 and
    /// `1234.56` in 元. [`Money::parse_unit`] reads it back to the same amount.
    #[must_use]
    pub fn to_exact_string(self, unit: Unit) -> String {
        let scale = unit.fen_per_unit();
        let magnitude = u128::from(self.0.unsigned_abs());
        let width = unit.max_decimals() as usize;
        let fraction = format!("{:0width$}", magnitude % scale);
        let trimmed = fraction.trim_end_matches('0');
        let fraction = if trimmed.len() < 2 { &fraction[..2] } else { trimmed };
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{}.{fraction}", magnitude / scale)
    }

    /// The amount in 万元, rounded to 2 decimals, thousands grouped, with the unit:
    /// 123456789.00 yuan is `12,345.68万元`.
    ///
    /// A display helper only, never an input to a calculation: rounding is half up, away from
    /// zero (四舍五入: 0.005万元 becomes 0.01万元, -0.005万元 becomes -0.01万元), and an amount
    /// that rounds to zero is shown as `0.00万元` without a sign.
    #[must_use]
    pub fn format_wan(self) -> String {
        self.format_rounded(Unit::WanYuan)
    }

    /// The amount in 亿元, rounded to 2 decimals, thousands grouped, with the unit:
    /// 101611000000.00 yuan is `1,016.11亿元`. Rounds like [`Money::format_wan`].
    #[must_use]
    pub fn format_yi(self) -> String {
        self.format_rounded(Unit::YiYuan)
    }

    /// Rounds half away from zero to hundredths of `unit` and groups the integer part.
    fn format_rounded(self, unit: Unit) -> String {
        // One hundredth of the unit, in fen.
        let step = unit.fen_per_unit() / 100;
        let hundredths = (u128::from(self.0.unsigned_abs()) + step / 2) / step;
        let sign = if self.0 < 0 && hundredths > 0 { "-" } else { "" };
        format!("{sign}{}.{:02}{}", group_thousands(hundredths / 100), hundredths % 100, unit.symbol())
    }
}

/// `1234567` → `1,234,567`.
fn group_thousands(number: u128) -> String {
    let digits = number.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    // Digits left before the next separator; the first group takes the remainder.
    let mut left_in_group = (digits.len() + 2) % 3 + 1;
    for digit in digits.chars() {
        if left_in_group == 0 {
            grouped.push(',');
            left_in_group = 3;
        }
        grouped.push(digit);
        left_in_group -= 1;
    }
    grouped
}

impl fmt::Display for Money {
    /// Prints plain yuan with exactly two decimals and no grouping: `1234567.89`, `-12.30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let per_yuan = FEN_PER_YUAN.unsigned_abs();
        write!(f, "{sign}{}.{:02}", magnitude / per_yuan, magnitude % per_yuan)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

impl Sum for Money {
    /// # Panics
    ///
    /// If the sum leaves the range of [`Money`] (about ±9.2 × 10^16 yuan); use
    /// [`Money::checked_sum`] where that can happen.
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money::checked_sum(iter).expect("sum of amounts exceeds the range of Money")
    }
}

impl<'a> Sum<&'a Money> for Money {
    /// # Panics
    ///
    /// As `Sum<Money>`.
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

impl Serialize for Money {
    /// The `Display` string, e.g. `"1234567.89"`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    /// A string accepted by [`Money::parse`]; JSON numbers are refused, because a float
    /// cannot be trusted to the fen.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Money::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    fn code_of(text: &str) -> &'static str {
        Money::parse(text).unwrap_err().code()
    }

    // --- accepted forms -------------------------------------------------------------

    #[test]
    fn parses_whole_yuan() {
        assert_eq!(m("1234").fen(), 123_400);
        assert_eq!(m("0").fen(), 0);
        assert_eq!(m("007").fen(), 700);
    }

    #[test]
    fn parses_one_and_two_decimals() {
        assert_eq!(m("1234.5").fen(), 123_450);
        assert_eq!(m("1234.56").fen(), 123_456);
        assert_eq!(m("0.01").fen(), 1);
    }

    #[test]
    fn parses_negative_amounts() {
        assert_eq!(m("-12.30").fen(), -1230);
        assert_eq!(m("-0.01").fen(), -1);
        assert_eq!(m("-0"), Money::ZERO);
    }

    #[test]
    fn parses_ascii_and_full_width_grouping() {
        assert_eq!(m("1,234,567.89").fen(), 123_456_789);
        assert_eq!(m("1，234，567.89").fen(), 123_456_789);
        assert_eq!(m("-1,234").fen(), -123_400);
        assert_eq!(m("123,456").fen(), 12_345_600);
    }

    #[test]
    fn parses_the_extremes() {
        assert_eq!(m("92233720368547758.07"), Money::MAX);
        assert_eq!(m("-92233720368547758.08"), Money::MIN);
        assert_eq!(m("0000000000000000000000000001"), Money::from_fen(100));
    }

    // --- one test per rejection rule -------------------------------------------------

    #[test]
    fn rejects_empty() {
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
    }

    #[test]
    fn rejects_more_than_two_decimals_naming_value_and_limit() {
        let error = Money::parse("1.234").unwrap_err();
        assert_eq!(error, MoneyError::TooManyDecimals { value: "1.234".into(), unit: Unit::Yuan, decimals: 3 });
        let message = error.to_string();
        assert!(message.contains("\"1.234\"") && message.contains("at most 2 decimals"), "{message}");
        // Trailing zeros count too: the rule is about the text, not the value.
        assert_eq!(code_of("1.230"), "money.too_many_decimals");
    }

    #[test]
    fn rejects_letters_and_symbols_naming_the_character() {
        assert_eq!(Money::parse("12a"), Err(MoneyError::InvalidCharacter { value: "12a".into(), ch: 'a' }));
        for text in ["1e5", "¥12", "12元", " 12", "12 ", "+12", "1_000", "１２", "NaN", "inf"] {
            assert_eq!(code_of(text), "money.invalid_character", "{text:?}");
        }
    }

    #[test]
    fn rejects_misplaced_points_and_signs() {
        for text in ["-", ".", ".5", "5.", "1.2.3", "1-2", "--1", "12-", "-.5", "1..2"] {
            assert_eq!(code_of(text), "money.invalid_format", "{text:?}");
        }
    }

    #[test]
    fn rejects_misplaced_commas() {
        for text in ["1,23", "1234,567", ",123", "123,", "1,,234", "1,2345", "1.234,5", "1,234.5,6", "-,123"] {
            assert_eq!(code_of(text), "money.invalid_grouping", "{text:?}");
        }
    }

    #[test]
    fn rejects_overflow_on_both_sides() {
        assert_eq!(
            Money::parse("92233720368547758.08"),
            Err(MoneyError::Overflow { value: "92233720368547758.08".into(), unit: Unit::Yuan })
        );
        assert_eq!(code_of("-92233720368547758.09"), "money.overflow");
        assert_eq!(code_of("999999999999999999999999999999"), "money.overflow");
        assert_eq!(Money::parse_unit("922337203685477.59", Unit::YiYuan).unwrap_err().code(), "money.overflow");
    }

    // --- units -----------------------------------------------------------------------

    #[test]
    fn parse_unit_scales_exactly() {
        assert_eq!(Money::parse_unit("1016.11", Unit::YiYuan).unwrap(), m("101611000000.00"));
        assert_eq!(Money::parse_unit("0.123456", Unit::WanYuan).unwrap(), m("1234.56"));
        assert_eq!(Money::parse_unit("1,234.5", Unit::WanYuan).unwrap(), m("12345000"));
        assert_eq!(Money::parse_unit("-0.0000000001", Unit::YiYuan).unwrap(), Money::from_fen(-1));
        assert_eq!(Money::parse_unit("12.34", Unit::Yuan).unwrap(), m("12.34"));
    }

    #[test]
    fn parse_unit_rejects_what_is_not_exact_to_the_fen() {
        let error = Money::parse_unit("0.1234567", Unit::WanYuan).unwrap_err();
        assert_eq!(error, MoneyError::TooManyDecimals { value: "0.1234567".into(), unit: Unit::WanYuan, decimals: 7 });
        assert!(error.to_string().contains("at most 6 decimals"), "{error}");
        assert_eq!(Money::parse_unit("1.00000000001", Unit::YiYuan).unwrap_err().code(), "money.too_many_decimals");
    }

    #[test]
    fn units_parse_from_code_and_symbol() {
        for unit in Unit::ALL {
            assert_eq!(Unit::parse(unit.as_str()), Ok(unit));
            assert_eq!(Unit::parse(unit.symbol()), Ok(unit));
            assert_eq!(serde_json::to_string(&unit).unwrap(), format!("\"{}\"", unit.as_str()));
        }
        assert_eq!(Unit::parse("wan"), Err(MoneyError::UnknownUnit { value: "wan".into() }));
    }

    #[test]
    fn exact_string_in_each_unit() {
        assert_eq!(m("1234.56").to_exact_string(Unit::WanYuan), "0.123456");
        assert_eq!(m("1234.56").to_exact_string(Unit::Yuan), "1234.56");
        assert_eq!(m("101611000000").to_exact_string(Unit::YiYuan), "1016.11");
        assert_eq!(m("-5").to_exact_string(Unit::WanYuan), "-0.0005");
        assert_eq!(Money::ZERO.to_exact_string(Unit::YiYuan), "0.00");
        assert_eq!(Money::MIN.to_exact_string(Unit::Yuan), "-92233720368547758.08");
    }

    // --- display ---------------------------------------------------------------------

    #[test]
    fn display_is_plain_yuan_with_two_decimals() {
        assert_eq!(m("1,234,567.89").to_string(), "1234567.89");
        assert_eq!(m("-12.3").to_string(), "-12.30");
        assert_eq!(m("-0.05").to_string(), "-0.05");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money::MIN.to_string(), "-92233720368547758.08");
        assert_eq!(Money::MAX.to_string(), "92233720368547758.07");
    }

    #[test]
    fn format_wan_rounds_half_up_and_groups() {
        assert_eq!(m("123456789.00").format_wan(), "12,345.68万元");
        assert_eq!(m("123456749.99").format_wan(), "12,345.67万元");
        assert_eq!(m("50").format_wan(), "0.01万元");
        assert_eq!(m("49.99").format_wan(), "0.00万元");
        assert_eq!(m("-50").format_wan(), "-0.01万元");
        assert_eq!(m("-49.99").format_wan(), "0.00万元");
        assert_eq!(m("10000").format_wan(), "1.00万元");
        assert_eq!(Money::MAX.format_wan(), "9,223,372,036,854.78万元");
        assert_eq!(Money::MIN.format_wan(), "-9,223,372,036,854.78万元");
    }

    #[test]
    fn format_yi_rounds_half_up_and_groups() {
        assert_eq!(m("101611000000").format_yi(), "1,016.11亿元");
        assert_eq!(m("500000").format_yi(), "0.01亿元");
        assert_eq!(m("499999.99").format_yi(), "0.00亿元");
        assert_eq!(m("-123456789012.34").format_yi(), "-1,234.57亿元");
    }

    #[test]
    fn thousands_grouping_starts_from_the_right() {
        let grouped: Vec<String> =
            [0, 12, 123, 1234, 12345, 123456, 1234567].into_iter().map(group_thousands).collect();
        assert_eq!(grouped, ["0", "12", "123", "1,234", "12,345", "123,456", "1,234,567"]);
    }

    // --- arithmetic ------------------------------------------------------------------

    #[test]
    fn checked_arithmetic_reports_overflow() {
        assert_eq!(m("1.10").checked_add(m("2.25")), Some(m("3.35")));
        assert_eq!(m("1.10").checked_sub(m("2.25")), Some(m("-1.15")));
        assert_eq!(Money::MAX.checked_add(Money::from_fen(1)), None);
        assert_eq!(Money::MIN.checked_sub(Money::from_fen(1)), None);
        assert_eq!(Money::checked_sum([Money::MAX, Money::from_fen(1)]), None);
    }

    #[test]
    fn sum_adds_every_fen() {
        let amounts = [m("0.10"), m("0.20"), m("0.30")];
        assert_eq!(amounts.iter().sum::<Money>(), m("0.60"));
        assert_eq!(amounts.into_iter().sum::<Money>(), m("0.60"));
        assert_eq!(std::iter::empty::<Money>().sum::<Money>(), Money::ZERO);
    }

    #[test]
    #[should_panic(expected = "exceeds the range")]
    fn sum_panics_on_overflow() {
        let _ = [Money::MAX, Money::from_fen(1)].into_iter().sum::<Money>();
    }

    #[test]
    fn orders_by_value() {
        let mut amounts = vec![m("10"), m("-1"), m("0.5"), m("9.99")];
        amounts.sort();
        assert_eq!(amounts, [m("-1"), m("0.5"), m("9.99"), m("10")]);
    }

    #[test]
    fn serde_uses_the_display_string() {
        assert_eq!(serde_json::to_string(&m("1,234.5")).unwrap(), "\"1234.50\"");
        assert_eq!(serde_json::from_str::<Money>("\"50000000.00\"").unwrap(), m("50000000"));
        let error = serde_json::from_str::<Money>("\"1.234\"").unwrap_err();
        assert!(error.to_string().contains("at most 2 decimals"), "{error}");
        assert!(serde_json::from_str::<Money>("1.5").is_err(), "JSON numbers are refused");
    }

    // --- messages --------------------------------------------------------------------

    /// Every variant has a template row in the module docs whose English text, filled in with
    /// `args()`, is exactly the `Display` output, and whose Chinese text uses only named
    /// arguments that `args()` provides.
    #[test]
    fn module_doc_templates_match_display_and_args() {
        let samples = [
            Money::parse("").unwrap_err(),
            Money::parse("1a").unwrap_err(),
            Money::parse("1.2.3").unwrap_err(),
            Money::parse("1,23").unwrap_err(),
            Money::parse_unit("0.1234567", Unit::WanYuan).unwrap_err(),
            Money::parse("99999999999999999999").unwrap_err(),
            Unit::parse("wan").unwrap_err(),
        ];
        crate::message_table::assert_doc_table_matches(
            include_str!("money.rs"),
            &samples,
            MoneyError::code,
            MoneyError::args,
        );
    }

    // --- properties ------------------------------------------------------------------

    fn any_unit() -> impl Strategy<Value = Unit> {
        prop_oneof![Just(Unit::Yuan), Just(Unit::WanYuan), Just(Unit::YiYuan)]
    }

    proptest! {
        #[test]
        fn parse_of_display_round_trips(fen in any::<i64>()) {
            let money = Money::from_fen(fen);
            prop_assert_eq!(Money::parse(&money.to_string()), Ok(money));
        }

        #[test]
        fn parse_unit_of_exact_string_round_trips(fen in any::<i64>(), unit in any_unit()) {
            let money = Money::from_fen(fen);
            prop_assert_eq!(Money::parse_unit(&money.to_exact_string(unit), unit), Ok(money));
        }

        #[test]
        fn grouped_input_means_the_same_amount(fen in any::<i64>(), full_width in any::<bool>()) {
            let money = Money::from_fen(fen);
            let plain = money.to_string();
            let (sign, unsigned) = plain.split_at(usize::from(fen < 0));
            let (integer, fraction) = unsigned.split_once('.').unwrap();
            let separator = if full_width { "，" } else { "," };
            let grouped = group_thousands(integer.parse().unwrap()).replace(',', separator);
            prop_assert_eq!(Money::parse(&format!("{sign}{grouped}.{fraction}")), Ok(money));
        }

        #[test]
        fn sums_never_lose_a_fen(fens in proptest::collection::vec(-1_000_000_000_000_i64..1_000_000_000_000, 0..50)) {
            let total: Money = fens.iter().copied().map(Money::from_fen).sum();
            prop_assert_eq!(i128::from(total.fen()), fens.iter().map(|&f| i128::from(f)).sum::<i128>());
            // Summing displayed strings parsed back gives the same total.
            let reparsed: Money = fens.iter().map(|&f| Money::parse(&Money::from_fen(f).to_string()).unwrap()).sum();
            prop_assert_eq!(reparsed, total);
        }

        #[test]
        fn checked_sum_is_exact_or_none(fens in proptest::collection::vec(any::<i64>(), 0..8)) {
            let exact: i128 = fens.iter().map(|&f| i128::from(f)).sum();
            let checked = Money::checked_sum(fens.iter().copied().map(Money::from_fen));
            if let Some(total) = checked {
                prop_assert_eq!(i128::from(total.fen()), exact);
            } else {
                // Some partial sum left the range (the final one may be back inside).
                let mut partial = 0_i128;
                let left = fens.iter().any(|&f| { partial += i128::from(f); i64::try_from(partial).is_err() });
                prop_assert!(left);
            }
        }

        #[test]
        fn format_wan_is_within_half_a_step(fen in -1_000_000_000_000_000_000_i64..1_000_000_000_000_000_000) {
            let shown = Money::from_fen(fen).format_wan();
            let number = shown.trim_end_matches("万元").replace(',', "");
            let shown_fen = Money::parse_unit(&number, Unit::WanYuan).unwrap().fen();
            let error = (i128::from(shown_fen) - i128::from(fen)).abs();
            prop_assert!(error <= 5_000, "{} -> {}", fen, shown);
        }

        #[test]
        fn order_agrees_with_fen(a in any::<i64>(), b in any::<i64>()) {
            prop_assert_eq!(Money::from_fen(a).cmp(&Money::from_fen(b)), a.cmp(&b));
        }

        #[test]
        fn parse_never_panics(input in "\\PC{0,30}", unit in any_unit()) {
            let _ = Money::parse_unit(&input, unit);
        }

        #[test]
        fn parse_print_parse_is_stable(input in "-?[0-9]{1,6}(\\.[0-9]{1,2})?") {
            let money = Money::parse(&input).unwrap();
            // The printed form differs from the input only by leading zeros and decimal padding.
            prop_assert_eq!(Money::parse(&money.to_string()), Ok(money));
        }
    }
}

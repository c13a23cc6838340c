//! Indicators, measures, targets and their status (issue 5).
//!
//! - A **measure** is what a reported number is (全社会研发经费, 地区生产总值); its facts are
//!   exact values in units of 1e-4 ([`parse_e4`], [`format_e4`]) with provenance (in the store).
//! - An **indicator** ([`IndicatorDef`]) has a code (the `indicator_code` of `seed-facts.csv`
//!   where the article has the figure), names, a unit, a gaodi-expr formula over measures,
//!   registry aggregates and other indicators (or none: the measure of the same code as
//!   reported), aggregation over space and time, a direction and its decimals; definitions are
//!   versioned by year ([`IndicatorDef::valid_in`]). [`catalogue`] is the set gaodi ships.
//! - A **target** has a comparator ([`Comparator`]) and a value; [`status`] decides its state
//!   by the stated method there (achieved, on track, at risk, off track, no data) and checks
//!   that district targets add up to the city's.
//!
//! # Error codes
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `indicator.invalid_code` | Code "{value}" is not valid; accepted: lower-case letters, digits and _, starting with a letter, at most 64 characters. | 代码“{value}”无效：只能由小写字母、数字和下划线组成，以字母开头，最长 64 个字符。 |
//! | `indicator.invalid_comparator` | Comparator "{value}" is not recognised; accepted: >=, >, =, <=, <. | 比较符“{value}”无法识别；可接受：>=、>、=、<=、<。 |
//! | `indicator.invalid_number` | "{value}" is not a number with at most 4 decimals, e.g. 1100 or 3.4. | “{value}”不是最多 4 位小数的数字，如 1100 或 3.4。 |
//! | `indicator.invalid_aggregation` | Aggregation "{value}" is not recognised; accepted: {accepted}. | 汇总方式“{value}”无法识别；可接受：{accepted}。 |
//! | `indicator.invalid_direction` | Direction "{value}" is not recognised; accepted: up, down. | 方向“{value}”无法识别；可接受：up、down。 |

pub mod catalogue;
pub mod engine;
pub mod registry;
pub mod status;

use std::fmt;

use serde::Serialize;

/// Why an indicator value could not be parsed or built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndicatorError {
    InvalidCode(String),
    InvalidComparator(String),
    InvalidNumber(String),
    InvalidAggregation { value: String, accepted: &'static str },
    InvalidDirection(String),
}

impl IndicatorError {
    /// The i18n key.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            IndicatorError::InvalidCode(_) => "indicator.invalid_code",
            IndicatorError::InvalidComparator(_) => "indicator.invalid_comparator",
            IndicatorError::InvalidNumber(_) => "indicator.invalid_number",
            IndicatorError::InvalidAggregation { .. } => "indicator.invalid_aggregation",
            IndicatorError::InvalidDirection(_) => "indicator.invalid_direction",
        }
    }

    /// The named arguments of the message.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            IndicatorError::InvalidCode(v)
            | IndicatorError::InvalidComparator(v)
            | IndicatorError::InvalidNumber(v)
            | IndicatorError::InvalidDirection(v) => vec![("value", v.clone())],
            IndicatorError::InvalidAggregation { value, accepted } => {
                vec![("value", value.clone()), ("accepted", (*accepted).to_owned())]
            }
        }
    }
}

impl fmt::Display for IndicatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndicatorError::InvalidCode(v) => write!(
                f,
                "Code \"{v}\" is not valid; accepted: lower-case letters, digits and _, starting with a letter, at most 64 characters."
            ),
            IndicatorError::InvalidComparator(v) => {
                write!(f, "Comparator \"{v}\" is not recognised; accepted: >=, >, =, <=, <.")
            }
            IndicatorError::InvalidNumber(v) => {
                write!(f, "\"{v}\" is not a number with at most 4 decimals, e.g. 1100 or 3.4.")
            }
            IndicatorError::InvalidAggregation { value, accepted } => {
                write!(f, "Aggregation \"{value}\" is not recognised; accepted: {accepted}.")
            }
            IndicatorError::InvalidDirection(v) => {
                write!(f, "Direction \"{v}\" is not recognised; accepted: up, down.")
            }
        }
    }
}

impl std::error::Error for IndicatorError {}

/// Checks an indicator or measure code: `[a-z][a-z0-9_]{0,63}`.
///
/// # Errors
/// [`IndicatorError::InvalidCode`] naming the text.
pub fn parse_code(text: &str) -> Result<String, IndicatorError> {
    let ok = (1..=64).contains(&text.len())
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(text.to_owned())
    } else {
        Err(IndicatorError::InvalidCode(text.to_owned()))
    }
}

/// The scale of exact values: 1 = 0.0001.
pub const E4: i64 = 10_000;

/// Parses a decimal with at most 4 decimals (`1100`, `3.4`, `-0.25`, `1,016.11`) into units of
/// 1e-4, exactly.
///
/// # Errors
/// [`IndicatorError::InvalidNumber`] for anything else (more decimals, exponents, overflow).
pub fn parse_e4(text: &str) -> Result<i64, IndicatorError> {
    let bad = || IndicatorError::InvalidNumber(text.to_owned());
    let t: String = text.trim().chars().filter(|c| *c != ',').collect();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || frac.len() > 4
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (digits.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    let mut value: i64 = 0;
    for b in int.bytes().chain(frac.bytes()).chain(std::iter::repeat_n(b'0', 4 - frac.len())) {
        value = value.checked_mul(10).and_then(|v| v.checked_add(i64::from(b - b'0'))).ok_or_else(bad)?;
    }
    Ok(if neg { -value } else { value })
}

/// Formats a value in units of 1e-4 with exactly `decimals` places (0..=4), rounding half away
/// from zero in decimal when fewer places are asked for.
#[must_use]
pub fn format_e4(value: i64, decimals: u8) -> String {
    let decimals = decimals.min(4);
    let drop = 10_i128.pow(4 - u32::from(decimals));
    let v = i128::from(value);
    let rounded = (v.abs() + drop / 2) / drop * v.signum();
    let scale = 10_i128.pow(u32::from(decimals));
    let sign = if rounded < 0 { "-" } else { "" };
    let (int, frac) = (rounded.abs() / scale, rounded.abs() % scale);
    if decimals == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac:0width$}", width = usize::from(decimals))
    }
}

/// Formats a value in units of 1e-4 exactly, without trailing zeros: `12.34`, `5`, `-0.25`.
#[must_use]
pub fn format_e4_plain(value: i64) -> String {
    let text = format_e4(value, 4);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Rounds a computed value half-up (away from zero) in decimal to `decimals` places and
/// returns it in units of 1e-4; `None` if it is not finite or out of range. The rounding works
/// on the shortest decimal representation of the float, so 2.675 rounds to 2.68.
#[must_use]
pub fn round_to_e4(value: f64, decimals: u8) -> Option<i64> {
    if !value.is_finite() || value.abs() > 9.0e14 {
        return None;
    }
    let decimals = decimals.min(4);
    // `{:?}`-style shortest repr; scientific notation only for tiny/huge values.
    let text = format!("{value}");
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.to_owned()),
        None => (false, text),
    };
    let (int, frac) =
        digits.split_once('.').map_or((digits.clone(), String::new()), |(a, b)| (a.to_owned(), b.to_owned()));
    let keep = usize::from(decimals);
    let mut units: i128 = 0;
    for b in int.bytes().chain(frac.bytes().chain(std::iter::repeat(b'0')).take(keep)) {
        units = units * 10 + i128::from(b - b'0');
    }
    if frac.as_bytes().get(keep).is_some_and(|d| *d >= b'5') {
        units += 1;
    }
    let e4 = units * 10_i128.pow(4 - u32::from(decimals));
    let e4 = i64::try_from(e4).ok()?;
    Some(if neg { -e4 } else { e4 })
}

/// How a target compares the actual value with the target value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Comparator {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "=")]
    Equal,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "<")]
    Below,
}

impl Comparator {
    pub const ALL: [Comparator; 5] =
        [Comparator::AtLeast, Comparator::Above, Comparator::Equal, Comparator::AtMost, Comparator::Below];

    /// The symbol: `>=`, `>`, `=`, `<=`, `<`.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::AtLeast => ">=",
            Comparator::Above => ">",
            Comparator::Equal => "=",
            Comparator::AtMost => "<=",
            Comparator::Below => "<",
        }
    }

    /// Parses a symbol (also `≥`, `≤`, `==`).
    ///
    /// # Errors
    /// [`IndicatorError::InvalidComparator`].
    pub fn parse(text: &str) -> Result<Comparator, IndicatorError> {
        match text.trim() {
            ">=" | "≥" => Ok(Comparator::AtLeast),
            ">" => Ok(Comparator::Above),
            "=" | "==" => Ok(Comparator::Equal),
            "<=" | "≤" => Ok(Comparator::AtMost),
            "<" => Ok(Comparator::Below),
            other => Err(IndicatorError::InvalidComparator(other.to_owned())),
        }
    }

    /// Whether `actual` meets `target` (both in the same units).
    #[must_use]
    pub fn holds(self, actual: i64, target: i64) -> bool {
        match self {
            Comparator::AtLeast => actual >= target,
            Comparator::Above => actual > target,
            Comparator::Equal => actual == target,
            Comparator::AtMost => actual <= target,
            Comparator::Below => actual < target,
        }
    }

    /// Whether more is better for this target (`=` counts as "reach it").
    #[must_use]
    pub fn more_is_better(self) -> bool {
        matches!(self, Comparator::AtLeast | Comparator::Above | Comparator::Equal)
    }
}

/// Whether a higher value is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }

    /// # Errors
    /// [`IndicatorError::InvalidDirection`].
    pub fn parse(text: &str) -> Result<Direction, IndicatorError> {
        match text {
            "up" => Ok(Direction::Up),
            "down" => Ok(Direction::Down),
            other => Err(IndicatorError::InvalidDirection(other.to_owned())),
        }
    }
}

/// How a parent region's value is made from its children's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpaceAggregation {
    /// The sum of the children (counts, amounts).
    Sum,
    /// The formula evaluated again on the parent's own (rolled-up) components (ratios).
    Recompute,
    /// Not aggregated: only the region's own reported value counts.
    None,
}

impl SpaceAggregation {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SpaceAggregation::Sum => "sum",
            SpaceAggregation::Recompute => "recompute",
            SpaceAggregation::None => "none",
        }
    }

    /// # Errors
    /// [`IndicatorError::InvalidAggregation`].
    pub fn parse(text: &str) -> Result<SpaceAggregation, IndicatorError> {
        match text {
            "sum" => Ok(SpaceAggregation::Sum),
            "recompute" => Ok(SpaceAggregation::Recompute),
            "none" => Ok(SpaceAggregation::None),
            other => {
                Err(IndicatorError::InvalidAggregation { value: other.to_owned(), accepted: "sum, recompute, none" })
            }
        }
    }
}

/// How a year's value is made from its months or quarters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeAggregation {
    /// Flows: the sum of the sub-periods (contract turnover).
    Sum,
    /// Stocks: the value at the end of the period (valid HTE certificates).
    Last,
    /// The mean of the sub-periods that have a value.
    Average,
}

impl TimeAggregation {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TimeAggregation::Sum => "sum",
            TimeAggregation::Last => "last",
            TimeAggregation::Average => "average",
        }
    }

    /// # Errors
    /// [`IndicatorError::InvalidAggregation`].
    pub fn parse(text: &str) -> Result<TimeAggregation, IndicatorError> {
        match text {
            "sum" => Ok(TimeAggregation::Sum),
            "last" => Ok(TimeAggregation::Last),
            "average" => Ok(TimeAggregation::Average),
            other => {
                Err(IndicatorError::InvalidAggregation { value: other.to_owned(), accepted: "sum, last, average" })
            }
        }
    }
}

/// What a reported number is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureDef {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    pub decimals: u8,
    pub time: TimeAggregation,
    pub space: SpaceAggregation,
}

/// One version of an indicator's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorDef {
    pub code: String,
    /// First year this version applies to.
    pub valid_from: i32,
    /// First year it no longer applies to (exclusive); `None`: still in force.
    pub valid_to: Option<i32>,
    pub name_zh: String,
    pub name_en: String,
    pub unit_zh: String,
    pub unit_en: String,
    /// gaodi-expr source; `None`: the measure of the same code, as reported.
    pub formula: Option<String>,
    pub space: SpaceAggregation,
    pub time: TimeAggregation,
    pub direction: Direction,
    pub decimals: u8,
}

impl IndicatorDef {
    /// Whether this version applies to `year`.
    #[must_use]
    pub fn valid_in(&self, year: i32) -> bool {
        self.valid_from <= year && self.valid_to.is_none_or(|to| year < to)
    }

    /// The name in a language (`zh` or anything else for English).
    #[must_use]
    pub fn name(&self, zh: bool) -> &str {
        if zh {
            &self.name_zh
        } else {
            &self.name_en
        }
    }

    /// The unit in a language.
    #[must_use]
    pub fn unit(&self, zh: bool) -> &str {
        if zh {
            &self.unit_zh
        } else {
            &self.unit_en
        }
    }
}

/// The version of each indicator that applies to `year`, in the order given.
#[must_use]
pub fn definitions_for_year(defs: &[IndicatorDef], year: i32) -> Vec<&IndicatorDef> {
    defs.iter().filter(|d| d.valid_in(year)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn error_messages_match_the_doc_table() {
        crate::message_table::assert_doc_table_matches(
            include_str!("mod.rs"),
            &[
                IndicatorError::InvalidCode("X".into()),
                IndicatorError::InvalidComparator("~".into()),
                IndicatorError::InvalidNumber("1e3".into()),
                IndicatorError::InvalidAggregation { value: "max".into(), accepted: "sum, last, average" },
                IndicatorError::InvalidDirection("left".into()),
            ],
            IndicatorError::code,
            IndicatorError::args,
        );
    }

    #[test]
    fn codes() {
        assert!(parse_code("hte_count").is_ok());
        assert!(parse_code("rd_intensity2").is_ok());
        for bad in ["", "HTE", "1abc", "a-b", "_a", &"a".repeat(65)] {
            assert!(parse_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn exact_decimals() {
        assert_eq!(parse_e4("1100"), Ok(11_000_000));
        assert_eq!(parse_e4("3.4"), Ok(34_000));
        assert_eq!(parse_e4("-0.25"), Ok(-2_500));
        assert_eq!(parse_e4("1,016.11"), Ok(10_161_100));
        assert_eq!(parse_e4("0.0001"), Ok(1));
        for bad in ["", "1.23456", "1e3", "abc", "1.", ".", "99999999999999999999"] {
            assert!(parse_e4(bad).is_err(), "{bad}");
        }
        assert_eq!(format_e4(34_000, 2), "3.40");
        assert_eq!(format_e4(11_000_000, 0), "1100");
        assert_eq!(format_e4(-2_500, 1), "-0.3");
        assert_eq!(format_e4(-2_400, 1), "-0.2");
        assert_eq!(format_e4(10_161_100, 2), "1016.11");
        assert_eq!(format_e4_plain(10_161_100), "1016.11");
        assert_eq!(format_e4_plain(11_000_000), "1100");
        assert_eq!(format_e4_plain(-2_500), "-0.25");
        assert_eq!(format_e4_plain(0), "0");
    }

    #[test]
    fn rounding_is_decimal_half_up() {
        assert_eq!(round_to_e4(2.675, 2), Some(26_800));
        assert_eq!(round_to_e4(1.005, 2), Some(10_100));
        assert_eq!(round_to_e4(25.0, 1), Some(250_000));
        assert_eq!(round_to_e4(-2.5, 0), Some(-30_000));
        assert_eq!(round_to_e4(0.1 + 0.2, 4), Some(3_000));
        assert_eq!(round_to_e4(f64::NAN, 2), None);
        assert_eq!(round_to_e4(f64::INFINITY, 2), None);
    }

    #[test]
    fn comparators() {
        for c in Comparator::ALL {
            assert_eq!(Comparator::parse(c.symbol()), Ok(c));
        }
        assert!(Comparator::AtLeast.holds(10, 10));
        assert!(!Comparator::Above.holds(10, 10));
        assert!(Comparator::AtMost.holds(9, 10));
        assert!(Comparator::parse("~").is_err());
    }

    proptest! {
        #[test]
        fn e4_round_trip(v in -900_000_000_000_000_000_i64..900_000_000_000_000_000) {
            prop_assert_eq!(parse_e4(&format_e4(v, 4)), Ok(v));
        }

        #[test]
        fn rounding_agrees_with_exact_integers(units in -1_000_000_000_i64..1_000_000_000, decimals in 0_u8..=4) {
            // A value that is exactly representable as a 4-decimal number rounds like format_e4.
            let text = format_e4(units, 4);
            let f: f64 = text.parse().unwrap();
            let rounded = round_to_e4(f, decimals).unwrap();
            prop_assert_eq!(format_e4(rounded, decimals), format_e4(units, decimals));
        }
    }
}

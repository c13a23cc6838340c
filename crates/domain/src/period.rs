//! Reporting periods: a year, a half-year, a quarter or a month, written as canonical codes.
//!
//! | kind    | code      | meaning                  |
//! |---------|-----------|--------------------------|
//! | year    | `2021`    | the calendar year 2021   |
//! | half    | `2021H1`  | January to June 2021     |
//! | quarter | `2021Q3`  | July to September 2021   |
//! | month   | `2021-07` | July 2021 (always 2 digits) |
//!
//! [`Period::parse`] accepts exactly these forms: a four-digit year in
//! [`MIN_YEAR`]`..=`[`MAX_YEAR`], an uppercase `H` or `Q`, a two-digit month. Nothing is
//! trimmed or normalised, so a code read back from the database or a URL is the code that
//! was written.
//!
//! # Error codes
//!
//! Each [`PeriodError`] has a stable i18n key ([`PeriodError::code`]) and named arguments
//! ([`PeriodError::args`]). Suggested message templates for the locale files; the English
//! one is exactly what `Display` prints (a unit test checks this table against the code):
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `period.empty` | The period is empty; accepted forms: 2021, 2021H1, 2021Q3, 2021-07. | 期间为空；可接受的格式：2021、2021H1、2021Q3、2021-07。 |
//! | `period.invalid_format` | Period "{value}" is not in a recognised form; accepted forms: 2021, 2021H1, 2021Q3, 2021-07 (four-digit year, uppercase H or Q, two-digit month). | 期间“{value}”格式不正确；可接受的格式：2021、2021H1、2021Q3、2021-07（四位年份，大写 H 或 Q，两位月份）。 |
//! | `period.year_out_of_range` | Period "{value}" has year {year}; accepted years are {min} to {max}. | 期间“{value}”的年份 {year} 超出范围；年份应在 {min} 至 {max} 之间。 |
//! | `period.invalid_half` | Period "{value}" has half-year {half}; accepted half-years are H1 and H2. | 期间“{value}”的半年序号 {half} 无效；只能是 H1 或 H2。 |
//! | `period.invalid_quarter` | Period "{value}" has quarter {quarter}; accepted quarters are Q1 to Q4. | 期间“{value}”的季度序号 {quarter} 无效；只能是 Q1 至 Q4。 |
//! | `period.invalid_month` | Period "{value}" has month {month}; accepted months are 01 to 12. | 期间“{value}”的月份 {month} 无效；只能是 01 至 12。 |

use std::cmp::{Ordering, Reverse};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month};

/// Earliest year [`Period::parse`] accepts.
pub const MIN_YEAR: i32 = 1900;
/// Latest year [`Period::parse`] accepts.
pub const MAX_YEAR: i32 = 2200;

/// A reporting period. Build it with [`Period::parse`]; the variants are public so that
/// callers can match on them.
///
/// The index of `Half` (1..=2), `Quarter` (1..=4) and `Month` (1..=12) is always in range
/// for a parsed value. A value built by hand with an out-of-range index is a logic error:
/// methods do not panic on it but treat the index as the nearest valid one.
///
/// # Ordering
///
/// Periods order by start date, then by length, longer first, so a sorted list reads like
/// a report: `2021`, `2021H1`, `2021Q1`, `2021-01`, `2021-02`, `2021-03`, `2021Q2`, ...
/// Two different periods never compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// A calendar year, e.g. `2021`.
    Year(i32),
    /// A half-year (1 or 2), e.g. `2021H1`.
    Half(i32, u8),
    /// A quarter (1 to 4), e.g. `2021Q3`.
    Quarter(i32, u8),
    /// A month (1 to 12), e.g. `2021-07`.
    Month(i32, u8),
}

/// The kind of a [`Period`]; serialised as `year`, `half`, `quarter` or `month`.
///
/// Kinds order from longest to shortest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Year,
    Half,
    Quarter,
    Month,
}

impl PeriodKind {
    /// Every kind, longest first.
    pub const ALL: [PeriodKind; 4] = [PeriodKind::Year, PeriodKind::Half, PeriodKind::Quarter, PeriodKind::Month];

    /// The stable string form: `year`, `half`, `quarter` or `month`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Year => "year",
            PeriodKind::Half => "half",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Month => "month",
        }
    }

    /// Number of months in a period of this kind: 12, 6, 3 or 1.
    #[must_use]
    pub fn month_count(self) -> u8 {
        match self {
            PeriodKind::Year => 12,
            PeriodKind::Half => 6,
            PeriodKind::Quarter => 3,
            PeriodKind::Month => 1,
        }
    }
}

impl fmt::Display for PeriodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a canonical period code. See the module docs for the message
/// templates of each [`code`](PeriodError::code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodError {
    /// The input was the empty string.
    Empty,
    /// The input has none of the four accepted shapes.
    InvalidFormat { value: String },
    /// The shape is right but the year is outside [`MIN_YEAR`]`..=`[`MAX_YEAR`].
    YearOutOfRange { value: String, year: i32 },
    /// `YYYYHn` with `n` not 1 or 2.
    InvalidHalf { value: String, half: u8 },
    /// `YYYYQn` with `n` not 1 to 4.
    InvalidQuarter { value: String, quarter: u8 },
    /// `YYYY-MM` with `MM` not 01 to 12.
    InvalidMonth { value: String, month: u8 },
}

impl PeriodError {
    /// The stable i18n key of this error, e.g. `period.invalid_quarter`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            PeriodError::Empty => "period.empty",
            PeriodError::InvalidFormat { .. } => "period.invalid_format",
            PeriodError::YearOutOfRange { .. } => "period.year_out_of_range",
            PeriodError::InvalidHalf { .. } => "period.invalid_half",
            PeriodError::InvalidQuarter { .. } => "period.invalid_quarter",
            PeriodError::InvalidMonth { .. } => "period.invalid_month",
        }
    }

    /// The named arguments of the message template, e.g. `[("value", "2021Q5"), ("quarter", "5")]`.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            PeriodError::Empty => Vec::new(),
            PeriodError::InvalidFormat { value } => vec![("value", value.clone())],
            PeriodError::YearOutOfRange { value, year } => vec![
                ("value", value.clone()),
                ("year", year.to_string()),
                ("min", MIN_YEAR.to_string()),
                ("max", MAX_YEAR.to_string()),
            ],
            PeriodError::InvalidHalf { value, half } => {
                vec![("value", value.clone()), ("half", half.to_string())]
            }
            PeriodError::InvalidQuarter { value, quarter } => {
                vec![("value", value.clone()), ("quarter", quarter.to_string())]
            }
            PeriodError::InvalidMonth { value, month } => {
                vec![("value", value.clone()), ("month", format!("{month:02}"))]
            }
        }
    }
}

impl fmt::Display for PeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeriodError::Empty => write!(f, "The period is empty; accepted forms: 2021, 2021H1, 2021Q3, 2021-07."),
            PeriodError::InvalidFormat { value } => write!(
                f,
                "Period \"{value}\" is not in a recognised form; accepted forms: 2021, 2021H1, \
                 2021Q3, 2021-07 (four-digit year, uppercase H or Q, two-digit month)."
            ),
            PeriodError::YearOutOfRange { value, year } => {
                write!(f, "Period \"{value}\" has year {year}; accepted years are {MIN_YEAR} to {MAX_YEAR}.")
            }
            PeriodError::InvalidHalf { value, half } => {
                write!(f, "Period \"{value}\" has half-year {half}; accepted half-years are H1 and H2.")
            }
            PeriodError::InvalidQuarter { value, quarter } => {
                write!(f, "Period \"{value}\" has quarter {quarter}; accepted quarters are Q1 to Q4.")
            }
            PeriodError::InvalidMonth { value, month } => {
                write!(f, "Period \"{value}\" has month {month:02}; accepted months are 01 to 12.")
            }
        }
    }
}

impl std::error::Error for PeriodError {}

impl Period {
    /// Parses a canonical code (`2021`, `2021H1`, `2021Q3`, `2021-07`).
    ///
    /// Fails with a [`PeriodError`] on the empty string, on any other shape (lowercase
    /// `2021q3`, one-digit month `2021-7`, surrounding spaces, ...), on a year outside
    /// [`MIN_YEAR`]`..=`[`MAX_YEAR`], and on an out-of-range half, quarter or month.
    pub fn parse(input: &str) -> Result<Period, PeriodError> {
        if input.is_empty() {
            return Err(PeriodError::Empty);
        }
        let invalid_format = || PeriodError::InvalidFormat { value: input.to_owned() };
        // Work on bytes: every accepted form is ASCII, and slicing bytes cannot split a
        // multi-byte character the way slicing the &str could.
        let Some((year_digits, rest)) = input.as_bytes().split_at_checked(4) else {
            return Err(invalid_format());
        };
        if !year_digits.iter().all(u8::is_ascii_digit) {
            return Err(invalid_format());
        }
        let year = year_digits.iter().fold(0_i32, |acc, d| acc * 10 + i32::from(d - b'0'));

        // Shape first, so that "2021Q5x" is a format error rather than a quarter error.
        let period = match *rest {
            [] => Period::Year(year),
            [b'H', d] if d.is_ascii_digit() => Period::Half(year, d - b'0'),
            [b'Q', d] if d.is_ascii_digit() => Period::Quarter(year, d - b'0'),
            [b'-', d1, d2] if d1.is_ascii_digit() && d2.is_ascii_digit() => {
                Period::Month(year, (d1 - b'0') * 10 + (d2 - b'0'))
            }
            _ => return Err(invalid_format()),
        };

        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(PeriodError::YearOutOfRange { value: input.to_owned(), year });
        }
        match period {
            Period::Half(_, half) if !(1..=2).contains(&half) => {
                Err(PeriodError::InvalidHalf { value: input.to_owned(), half })
            }
            Period::Quarter(_, quarter) if !(1..=4).contains(&quarter) => {
                Err(PeriodError::InvalidQuarter { value: input.to_owned(), quarter })
            }
            Period::Month(_, month) if !(1..=12).contains(&month) => {
                Err(PeriodError::InvalidMonth { value: input.to_owned(), month })
            }
            _ => Ok(period),
        }
    }

    /// The calendar year the period lies in.
    #[must_use]
    pub fn year(self) -> i32 {
        match self {
            Period::Year(year) | Period::Half(year, _) | Period::Quarter(year, _) | Period::Month(year, _) => year,
        }
    }

    /// Whether this is a year, half, quarter or month.
    #[must_use]
    pub fn kind(self) -> PeriodKind {
        match self {
            Period::Year(_) => PeriodKind::Year,
            Period::Half(..) => PeriodKind::Half,
            Period::Quarter(..) => PeriodKind::Quarter,
            Period::Month(..) => PeriodKind::Month,
        }
    }

    /// The number (1..=12) of the first month of the period.
    fn first_month_number(self) -> u8 {
        match self {
            Period::Year(_) => 1,
            Period::Half(_, half) => (half.clamp(1, 2) - 1) * 6 + 1,
            Period::Quarter(_, quarter) => (quarter.clamp(1, 4) - 1) * 3 + 1,
            Period::Month(_, month) => month.clamp(1, 12),
        }
    }

    /// Months since year 0 of the first and last month of the period, both inclusive.
    /// Comparing these spans is how containment and ordering are decided.
    fn month_span(self) -> (i64, i64) {
        let first = i64::from(self.year()) * 12 + i64::from(self.first_month_number()) - 1;
        (first, first + i64::from(self.kind().month_count()) - 1)
    }

    /// The first month of the period, as a `Period::Month` (`2021Q3` → `2021-07`).
    #[must_use]
    pub fn first_month(self) -> Period {
        Period::Month(self.year(), self.first_month_number())
    }

    /// The last month of the period, as a `Period::Month` (`2021Q3` → `2021-09`).
    #[must_use]
    pub fn last_month(self) -> Period {
        Period::Month(self.year(), self.first_month_number() + self.kind().month_count() - 1)
    }

    /// The first day of the period (`2021Q3` → 2021-07-01).
    ///
    /// # Panics
    ///
    /// Only for a hand-built year outside the range of `time::Date` (±9999).
    #[must_use]
    pub fn start_date(self) -> Date {
        Date::from_calendar_date(self.year(), month_of(self.first_month_number()), 1)
            .expect("period year within the range of time::Date")
    }

    /// The last day of the period, inclusive (`2021Q3` → 2021-09-30, `2024-02` → 2024-02-29).
    ///
    /// # Panics
    ///
    /// Only for a hand-built year outside the range of `time::Date` (±9999).
    #[must_use]
    pub fn end_date(self) -> Date {
        let year = self.year();
        let month = month_of(self.first_month_number() + self.kind().month_count() - 1);
        Date::from_calendar_date(year, month, month.length(year)).expect("period year within the range of time::Date")
    }

    /// Whether every month of `other` lies in `self`. A period contains itself; `2021`
    /// contains `2021Q3` and `2021-07`; `2021-07` does not contain `2021Q3`.
    #[must_use]
    pub fn contains(self, other: &Period) -> bool {
        let (first, last) = self.month_span();
        let (other_first, other_last) = other.month_span();
        first <= other_first && other_last <= last
    }

    /// Whether `date` falls between the first and last day of the period, both inclusive.
    #[must_use]
    pub fn contains_date(self, date: Date) -> bool {
        let (first, last) = self.month_span();
        let month = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1;
        (first..=last).contains(&month)
    }

    /// The following period of the same kind (`2021Q4` → `2022Q1`, `2021-12` → `2022-01`).
    /// The result may lie after [`MAX_YEAR`]; it is then printable but not parseable.
    #[must_use]
    pub fn next(self) -> Period {
        match self {
            Period::Year(year) => Period::Year(year + 1),
            Period::Half(year, half) if half >= 2 => Period::Half(year + 1, 1),
            Period::Half(year, half) => Period::Half(year, half.max(1) + 1),
            Period::Quarter(year, quarter) if quarter >= 4 => Period::Quarter(year + 1, 1),
            Period::Quarter(year, quarter) => Period::Quarter(year, quarter.max(1) + 1),
            Period::Month(year, month) if month >= 12 => Period::Month(year + 1, 1),
            Period::Month(year, month) => Period::Month(year, month.max(1) + 1),
        }
    }

    /// The preceding period of the same kind (`2022Q1` → `2021Q4`, `2022-01` → `2021-12`).
    /// The result may lie before [`MIN_YEAR`]; it is then printable but not parseable.
    #[must_use]
    pub fn prev(self) -> Period {
        match self {
            Period::Year(year) => Period::Year(year - 1),
            Period::Half(year, half) if half <= 1 => Period::Half(year - 1, 2),
            Period::Half(year, half) => Period::Half(year, half.min(2) - 1),
            Period::Quarter(year, quarter) if quarter <= 1 => Period::Quarter(year - 1, 4),
            Period::Quarter(year, quarter) => Period::Quarter(year, quarter.min(4) - 1),
            Period::Month(year, month) if month <= 1 => Period::Month(year - 1, 12),
            Period::Month(year, month) => Period::Month(year, month.min(12) - 1),
        }
    }

    /// The same period one year earlier (`2021Q3` → `2020Q3`), the base of 同比 growth.
    #[must_use]
    pub fn same_period_last_year(self) -> Period {
        match self {
            Period::Year(year) => Period::Year(year - 1),
            Period::Half(year, half) => Period::Half(year - 1, half),
            Period::Quarter(year, quarter) => Period::Quarter(year - 1, quarter),
            Period::Month(year, month) => Period::Month(year - 1, month),
        }
    }

    /// The months of the period in calendar order: 12, 6, 3 or 1 `Period::Month` values.
    #[must_use]
    pub fn months(self) -> Vec<Period> {
        let first = self.first_month_number();
        (0..self.kind().month_count()).map(|offset| Period::Month(self.year(), first + offset)).collect()
    }

    /// Sort key implementing the documented order: start, then longer first. The kind and
    /// raw index only break ties between hand-built out-of-range values, keeping `Ord`
    /// consistent with `Eq`.
    fn sort_key(self) -> (i64, Reverse<u8>, PeriodKind, u8) {
        let raw_index = match self {
            Period::Year(_) => 0,
            Period::Half(_, index) | Period::Quarter(_, index) | Period::Month(_, index) => index,
        };
        (self.month_span().0, Reverse(self.kind().month_count()), self.kind(), raw_index)
    }
}

/// `time::Month` for a month number already clamped to 1..=12.
fn month_of(number: u8) -> Month {
    Month::try_from(number).expect("month number clamped to 1..=12")
}

impl Ord for Period {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Period {
    /// Prints the canonical code: `2021`, `2021H1`, `2021Q3`, `2021-07`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(year) => write!(f, "{year}"),
            Period::Half(year, half) => write!(f, "{year}H{half}"),
            Period::Quarter(year, quarter) => write!(f, "{year}Q{quarter}"),
            Period::Month(year, month) => write!(f, "{year}-{month:02}"),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Period::parse(&code).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn p(code: &str) -> Period {
        Period::parse(code).unwrap()
    }

    // --- accepted forms -------------------------------------------------------------

    #[test]
    fn parses_each_canonical_form() {
        assert_eq!(p("2021"), Period::Year(2021));
        assert_eq!(p("2021H1"), Period::Half(2021, 1));
        assert_eq!(p("2021Q3"), Period::Quarter(2021, 3));
        assert_eq!(p("2021-07"), Period::Month(2021, 7));
        assert_eq!(p("1900"), Period::Year(1900));
        assert_eq!(p("2200-12"), Period::Month(2200, 12));
    }

    #[test]
    fn from_str_and_display_agree_with_parse() {
        let period: Period = "2021Q3".parse().unwrap();
        assert_eq!(period.to_string(), "2021Q3");
        assert_eq!(Period::Month(2021, 7).to_string(), "2021-07");
    }

    // --- one test per rejection rule -------------------------------------------------

    #[test]
    fn rejects_empty() {
        assert_eq!(Period::parse(""), Err(PeriodError::Empty));
    }

    #[test]
    fn rejects_one_digit_month() {
        assert_eq!(Period::parse("2021-7").unwrap_err().code(), "period.invalid_format");
    }

    #[test]
    fn rejects_quarter_five() {
        assert_eq!(Period::parse("2021Q5"), Err(PeriodError::InvalidQuarter { value: "2021Q5".into(), quarter: 5 }));
        assert_eq!(Period::parse("2021Q0").unwrap_err().code(), "period.invalid_quarter");
    }

    #[test]
    fn rejects_half_three() {
        assert_eq!(Period::parse("2021H3"), Err(PeriodError::InvalidHalf { value: "2021H3".into(), half: 3 }));
        assert_eq!(Period::parse("2021H0").unwrap_err().code(), "period.invalid_half");
    }

    #[test]
    fn rejects_month_thirteen_and_zero() {
        assert_eq!(Period::parse("2021-13"), Err(PeriodError::InvalidMonth { value: "2021-13".into(), month: 13 }));
        assert_eq!(Period::parse("2021-00").unwrap_err().code(), "period.invalid_month");
    }

    #[test]
    fn rejects_years_outside_range() {
        assert_eq!(Period::parse("1899"), Err(PeriodError::YearOutOfRange { value: "1899".into(), year: 1899 }));
        assert_eq!(Period::parse("2201Q1").unwrap_err().code(), "period.year_out_of_range");
        assert_eq!(Period::parse("0000-01").unwrap_err().code(), "period.year_out_of_range");
    }

    #[test]
    fn rejects_lowercase_letters() {
        for code in ["2021q3", "2021h1"] {
            assert_eq!(Period::parse(code).unwrap_err().code(), "period.invalid_format", "{code}");
        }
    }

    #[test]
    fn rejects_surrounding_whitespace() {
        for code in [" 2021", "2021 ", "2021Q3\n"] {
            assert_eq!(Period::parse(code).unwrap_err().code(), "period.invalid_format", "{code:?}");
        }
    }

    #[test]
    fn rejects_other_shapes() {
        for code in [
            "21",
            "02021",
            "20210",
            "2021Q",
            "2021Q05",
            "2021-007",
            "2021/07",
            "2021M07",
            "+2021",
            "-2021",
            "2021年",
            "２０２１",
            "2021-1a",
        ] {
            assert_eq!(Period::parse(code).unwrap_err().code(), "period.invalid_format", "{code}");
        }
    }

    #[test]
    fn error_message_names_value_and_accepted_forms() {
        let message = Period::parse("2021q3").unwrap_err().to_string();
        assert!(message.contains("\"2021q3\""), "{message}");
        assert!(message.contains("2021Q3, 2021-07"), "{message}");
    }

    /// Every variant has a template row in the module docs whose English text, filled in
    /// with `args()`, is exactly the `Display` output, and whose Chinese text uses only
    /// named arguments that `args()` provides.
    #[test]
    fn module_doc_templates_match_display_and_args() {
        let samples = [
            Period::parse("").unwrap_err(),
            Period::parse("2021q3").unwrap_err(),
            Period::parse("1899").unwrap_err(),
            Period::parse("2021H3").unwrap_err(),
            Period::parse("2021Q5").unwrap_err(),
            Period::parse("2021-13").unwrap_err(),
        ];
        crate::message_table::assert_doc_table_matches(
            include_str!("period.rs"),
            &samples,
            PeriodError::code,
            PeriodError::args,
        );
    }

    // --- calendar arithmetic -----------------------------------------------------------

    #[test]
    fn first_and_last_month() {
        assert_eq!(p("2021").first_month(), p("2021-01"));
        assert_eq!(p("2021").last_month(), p("2021-12"));
        assert_eq!(p("2021H2").first_month(), p("2021-07"));
        assert_eq!(p("2021Q3").last_month(), p("2021-09"));
        assert_eq!(p("2021-07").first_month(), p("2021-07"));
    }

    #[test]
    fn start_and_end_dates_are_inclusive() {
        assert_eq!(p("2021Q3").start_date(), date!(2021 - 07 - 01));
        assert_eq!(p("2021Q3").end_date(), date!(2021 - 09 - 30));
        assert_eq!(p("2024-02").end_date(), date!(2024 - 02 - 29));
        assert_eq!(p("2100-02").end_date(), date!(2100 - 02 - 28));
        assert_eq!(p("2021").end_date(), date!(2021 - 12 - 31));
    }

    #[test]
    fn containment_examples() {
        assert!(p("2021").contains(&p("2021Q3")));
        assert!(p("2021").contains(&p("2021-07")));
        assert!(p("2021Q3").contains(&p("2021-08")));
        assert!(p("2021Q3").contains(&p("2021Q3")));
        assert!(!p("2021-07").contains(&p("2021Q3")));
        assert!(!p("2021H1").contains(&p("2021Q3")));
        assert!(!p("2021").contains(&p("2022-01")));
        assert!(p("2021Q3").contains_date(date!(2021 - 09 - 30)));
        assert!(!p("2021Q3").contains_date(date!(2021 - 10 - 01)));
    }

    #[test]
    fn next_and_prev_cross_year_boundaries() {
        assert_eq!(p("2021Q4").next(), p("2022Q1"));
        assert_eq!(p("2021H2").next(), p("2022H1"));
        assert_eq!(p("2021-12").next(), p("2022-01"));
        assert_eq!(p("2022-01").prev(), p("2021-12"));
        assert_eq!(p("2021").prev(), p("2020"));
        assert_eq!(p("2021Q3").same_period_last_year(), p("2020Q3"));
    }

    #[test]
    fn order_is_start_then_longer_first() {
        let mut periods: Vec<Period> =
            ["2021-02", "2021Q2", "2021-01", "2021", "2021Q1", "2021H1", "2020-12"].into_iter().map(p).collect();
        periods.sort();
        let codes: Vec<String> = periods.iter().map(ToString::to_string).collect();
        assert_eq!(codes, ["2020-12", "2021", "2021H1", "2021Q1", "2021-01", "2021-02", "2021Q2"]);
    }

    #[test]
    fn serde_uses_the_code_string() {
        assert_eq!(serde_json::to_string(&p("2021-07")).unwrap(), "\"2021-07\"");
        assert_eq!(serde_json::from_str::<Period>("\"2021H1\"").unwrap(), p("2021H1"));
        let error = serde_json::from_str::<Period>("\"2021Q5\"").unwrap_err();
        assert!(error.to_string().contains("accepted quarters"), "{error}");
        assert_eq!(serde_json::to_string(&PeriodKind::Quarter).unwrap(), "\"quarter\"");
    }

    #[test]
    fn hand_built_out_of_range_values_do_not_panic() {
        let odd = Period::Quarter(2021, 9);
        assert_eq!(odd.months().len(), 3);
        assert_eq!(odd.next(), Period::Quarter(2022, 1));
        assert!(odd > Period::Quarter(2021, 4));
        let _ = (odd.start_date(), odd.end_date(), Period::Half(2021, 0).prev());
    }

    // --- properties --------------------------------------------------------------------

    /// Any parseable period, every kind, years kept one inside the range so that
    /// `next`/`prev`/`same_period_last_year` stay parseable too.
    fn any_period() -> impl Strategy<Value = Period> {
        let year = MIN_YEAR + 1..MAX_YEAR;
        prop_oneof![
            year.clone().prop_map(Period::Year),
            (year.clone(), 1_u8..=2).prop_map(|(y, h)| Period::Half(y, h)),
            (year.clone(), 1_u8..=4).prop_map(|(y, q)| Period::Quarter(y, q)),
            (year, 1_u8..=12).prop_map(|(y, m)| Period::Month(y, m)),
        ]
    }

    proptest! {
        #[test]
        fn print_then_parse_round_trips(period in any_period()) {
            prop_assert_eq!(Period::parse(&period.to_string()), Ok(period));
        }

        #[test]
        fn next_of_prev_is_identity(period in any_period()) {
            prop_assert_eq!(period.prev().next(), period);
            prop_assert_eq!(period.next().prev(), period);
            prop_assert_eq!(period.next().kind(), period.kind());
            prop_assert!(period < period.next());
        }

        #[test]
        fn months_are_contained_and_counted(period in any_period()) {
            let months = period.months();
            let expected = match period.kind() {
                PeriodKind::Year => 12,
                PeriodKind::Half => 6,
                PeriodKind::Quarter => 3,
                PeriodKind::Month => 1,
            };
            prop_assert_eq!(months.len(), expected);
            prop_assert!(months.iter().all(|month| period.contains(month)));
            prop_assert_eq!(months.first(), Some(&period.first_month()));
            prop_assert_eq!(months.last(), Some(&period.last_month()));
            prop_assert!(months.windows(2).all(|pair| pair[0].next() == pair[1]));
        }

        #[test]
        fn same_period_last_year_keeps_kind(period in any_period()) {
            let last_year = period.same_period_last_year();
            prop_assert_eq!(last_year.year(), period.year() - 1);
            prop_assert_eq!(last_year.kind(), period.kind());
        }

        #[test]
        fn contains_agrees_with_months(a in any_period(), b in any_period()) {
            let a_months = a.months();
            let by_months = b.months().iter().all(|month| a_months.contains(month));
            prop_assert_eq!(a.contains(&b), by_months);
        }

        #[test]
        fn contains_agrees_with_months_for_nearby_periods(
            year in MIN_YEAR + 1..MAX_YEAR,
            a_kind in 0_usize..4, a_index in 1_u8..=12,
            b_kind in 0_usize..4, b_index in 1_u8..=12,
        ) {
            // Same year, so containment is actually exercised (random pairs rarely overlap).
            let build = |kind: usize, index: u8| match PeriodKind::ALL[kind] {
                PeriodKind::Year => Period::Year(year),
                PeriodKind::Half => Period::Half(year, (index - 1) % 2 + 1),
                PeriodKind::Quarter => Period::Quarter(year, (index - 1) % 4 + 1),
                PeriodKind::Month => Period::Month(year, index),
            };
            let (a, b) = (build(a_kind, a_index), build(b_kind, b_index));
            let a_months = a.months();
            let by_months = b.months().iter().all(|month| a_months.contains(month));
            prop_assert_eq!(a.contains(&b), by_months);
        }

        #[test]
        fn dates_agree_with_containment(period in any_period()) {
            prop_assert!(period.contains_date(period.start_date()));
            prop_assert!(period.contains_date(period.end_date()));
            prop_assert!(!period.contains_date(period.start_date().previous_day().unwrap()));
            prop_assert!(!period.contains_date(period.end_date().next_day().unwrap()));
            prop_assert_eq!(period.end_date().next_day().unwrap(), period.next().start_date());
        }

        #[test]
        fn order_is_by_start_then_longer_first(a in any_period(), b in any_period()) {
            let expected = a
                .start_date()
                .cmp(&b.start_date())
                .then(b.end_date().cmp(&a.end_date()));
            prop_assert_eq!(a.cmp(&b), expected);
        }

        #[test]
        fn parse_never_panics(input in "\\PC{0,10}") {
            let _ = Period::parse(&input);
        }

        #[test]
        fn parse_accepts_only_what_it_prints(input in "[0-9HQ-]{4,8}") {
            if let Ok(period) = Period::parse(&input) {
                prop_assert_eq!(period.to_string(), input);
            }
        }
    }
}

//! Policy rules: for one firm, from its own data, whether it qualifies for each policy, why,
//! and exactly what it lacks. The specification is `policy-rules.md` (sections cited as §);
//! the input is the JSON of `policy-input.md` ([`input::FirmInput`]).
//!
//! - [`evaluate`] runs one rule ([`RuleKind`]: HNTE recognition §2, S&T SME evaluation §3,
//!   R&D super-deduction §4, Hunan R&D reward §5) and returns an [`Evaluation`]; its JSON is
//!   the output of `gaodi rules check`, [`explain::explain`] renders it as zh/en text.
//!   [`Evaluator`] does the same for many firms, reusing the result buffers (a batch over the
//!   register allocates nothing once warm; `benches/rules.rs` times 500,000 firms).
//! - The rule version ([`RuleVersion`], [`RULE_VERSIONS`]) is chosen by the evaluation date:
//!   the application date for HNTE, the evaluation year for SME, the tax year for the
//!   super-deduction, the award year for Hunan (§0.3).
//! - Every threshold test is exact: amounts in fen, headcounts in 1/10,000 persons, ratios
//!   compared by cross-multiplication ([`Ratio`]). No float decides anything.
//! - Where the spec is unsure (§7, and the \[L\]/\[M\] tags), the result says so in `notes`
//!   ([`NoteKind`]) and in its `confidence`, instead of guessing silently.
//!
//! # Outcomes
//!
//! A condition is `pass`, `fail`, `needs_expert` (it turns on a reviewer's judgement),
//! `unknown` (data missing, named in `missing`) or `not_applicable` (§0.2: Met, NotMet,
//! NeedsExpert, MissingData, NotApplicable). A rule is `eligible` only if every hard condition
//! passes; any failure makes it `not_eligible`; otherwise the weakest state left wins,
//! `unknown` before `needs_expert`. Each failed quantitative condition carries a `gap`: the
//! smallest change of one input that would make it pass, computed (not described).
//!
//! # Error codes
//!
//! A [`RuleError`] means the rule could not be evaluated at all. Each has a stable i18n key
//! ([`RuleError::code`]) and named arguments ([`RuleError::args`]); the English template filled
//! in is exactly what `Display` prints (a unit test checks this table against the code).
//! `{message}` of `rules.invalid_input` is the parser's English text.
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `rules.invalid_input` | {location}{message} | 输入数据有误：{location_zh}{message} |
//! | `rules.unknown_rule` | Rule "{value}" is not recognised; accepted: hnte, sme, super-deduction, hunan-reward. | 规则“{value}”无法识别；可接受：hnte、sme、super-deduction、hunan-reward。 |
//! | `rules.invalid_date` | Date "{value}" is not a date; accepted form: YYYY-MM-DD, e.g. 2025-06-15. | 日期“{value}”格式不正确；应为 YYYY-MM-DD，如 2025-06-15。 |
//! | `rules.no_evaluation_date` | No evaluation date for the {rule} rule; give --as-of, or {fields} in the input. | {rule_zh}缺少评价日期；请用 --as-of 指定，或在输入中填写 {fields}。 |
//! | `rules.no_rule_version` | No version of the {rule} rule covers {year}; the versions start: {versions}. | {rule_zh}没有适用于 {year} 年的规则版本；各版本起始：{versions}。 |
//! | `rules.evaluation_year_conflict` | The evaluation date {as_of} is not in sme_evaluation_year {year}; give a date inside that year. | 评价日期 {as_of} 不在评价年度 sme_evaluation_year（{year}）内；请给出该年度内的日期。 |
//! | `rules.expert_score_outside_band` | Expert score expert_scores.{key} = {score} lies outside the band the data allows, {min} to {max} (policy-rules.md §0.2); correct the score or the data. | 专家评分 expert_scores.{key} = {score} 超出数据所定分档 {min} 至 {max}（policy-rules.md §0.2）；请更正评分或数据。 |

mod arith;
pub mod cultivation;
pub mod explain;
pub mod hnte;
pub mod hunan;
pub mod input;
pub mod registry_input;
pub mod sme;
pub mod super_deduction;

use std::fmt;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use time::macros::date;
use time::Date;

pub use arith::Ratio;
pub use input::{FirmInput, InputError};
pub use registry_input::{firm_input, RegistryFirm, RegistryPlatform, RegistryTier};

use crate::money::Money;
use input::ByYear;

// ---------------------------------------------------------------------------------------
// Rules and their versions
// ---------------------------------------------------------------------------------------

/// The four rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    /// 高新技术企业认定 (§2).
    Hnte,
    /// 科技型中小企业评价 (§3).
    Sme,
    /// 研发费用加计扣除 (§4).
    SuperDeduction,
    /// 湖南省企业研发财政奖补 (§5).
    HunanReward,
}

impl RuleKind {
    pub const ALL: [RuleKind; 4] = [RuleKind::Hnte, RuleKind::Sme, RuleKind::SuperDeduction, RuleKind::HunanReward];

    /// `hnte`, `sme`, `super-deduction` or `hunan-reward` (the `--rule` values).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Hnte => "hnte",
            RuleKind::Sme => "sme",
            RuleKind::SuperDeduction => "super-deduction",
            RuleKind::HunanReward => "hunan-reward",
        }
    }

    /// Parses [`RuleKind::as_str`]; fails with `rules.unknown_rule`.
    pub fn parse(text: &str) -> Result<RuleKind, RuleError> {
        RuleKind::ALL
            .into_iter()
            .find(|rule| rule.as_str() == text)
            .ok_or_else(|| RuleError::UnknownRule { value: text.to_owned() })
    }

    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            RuleKind::Hnte => "高新技术企业认定",
            RuleKind::Sme => "科技型中小企业评价",
            RuleKind::SuperDeduction => "研发费用加计扣除",
            RuleKind::HunanReward => "湖南省企业研发财政奖补",
        }
    }

    #[must_use]
    pub fn name_en(self) -> &'static str {
        match self {
            RuleKind::Hnte => "High and new technology enterprise (HNTE) recognition",
            RuleKind::Sme => "S&T-based SME evaluation",
            RuleKind::SuperDeduction => "R&D expense super-deduction",
            RuleKind::HunanReward => "Hunan provincial R&D reward",
        }
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// How far the spec can be trusted on a point (§0.1): \[H\], \[M\] or \[L\].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    /// `H`, `M` or `L`, the tags of §0.1.
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            Confidence::High => "H",
            Confidence::Medium => "M",
            Confidence::Low => "L",
        }
    }
}

/// One version of a rule's texts, in force for evaluation dates from `effective_from` to
/// `effective_to` (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleVersion {
    /// Stable id, e.g. `hnte-2016`.
    pub id: &'static str,
    pub rule: RuleKind,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    /// The governing documents, as cited in §1.1.
    pub documents: &'static str,
    /// Where the spec describes the version.
    pub spec: &'static str,
    /// How sure the spec is of the version's dates and texts.
    pub confidence: Confidence,
}

/// Every rule version, by rule and date (§1.1, §1.2, §3.1, §4.2, §5).
pub const RULE_VERSIONS: [RuleVersion; 9] = [
    // §1.1-1.2: the 2008 Measures, repealed on 2016-01-01; the 2008 guideline's number is [M].
    RuleVersion {
        id: "hnte-2008",
        rule: RuleKind::Hnte,
        effective_from: date!(2008 - 01 - 01),
        effective_to: Some(date!(2015 - 12 - 31)),
        documents: "国科发火〔2008〕172号; 国科发火〔2008〕362号",
        spec: "§1.1, §1.2",
        confidence: Confidence::Medium,
    },
    RuleVersion {
        id: "hnte-2016",
        rule: RuleKind::Hnte,
        effective_from: date!(2016 - 01 - 01),
        effective_to: None,
        documents: "国科发火〔2016〕32号; 国科发火〔2016〕195号",
        spec: "§1.1, §2",
        confidence: Confidence::High,
    },
    // §3.1: 2017 wording before evaluation year 2022; the switch in 2022 itself is [M].
    RuleVersion {
        id: "sme-2017",
        rule: RuleKind::Sme,
        effective_from: date!(2017 - 01 - 01),
        effective_to: Some(date!(2021 - 12 - 31)),
        documents: "国科发政〔2017〕115号",
        spec: "§3.1, §3.2",
        confidence: Confidence::High,
    },
    RuleVersion {
        id: "sme-2022",
        rule: RuleKind::Sme,
        effective_from: date!(2022 - 01 - 01),
        effective_to: None,
        documents: "国科发政〔2017〕115号; 国科火字〔2022〕67号",
        spec: "§3.1, §3.2",
        confidence: Confidence::High,
    },
    // §4.2: the rate table by tax year; each version is the base rate of its period.
    RuleVersion {
        id: "sd-2008",
        rule: RuleKind::SuperDeduction,
        effective_from: date!(2008 - 01 - 01),
        effective_to: Some(date!(2017 - 12 - 31)),
        documents: "企业所得税法实施条例第九十五条; 财税〔2015〕119号; 财税〔2017〕34号",
        spec: "§4.2, §4.4",
        confidence: Confidence::High,
    },
    RuleVersion {
        id: "sd-2018",
        rule: RuleKind::SuperDeduction,
        effective_from: date!(2018 - 01 - 01),
        effective_to: Some(date!(2022 - 12 - 31)),
        documents: "财税〔2018〕99号; 财税〔2018〕64号; 2021年第13号; 2022年第16号; 2022年第28号",
        spec: "§4.2, §4.4",
        confidence: Confidence::High,
    },
    RuleVersion {
        id: "sd-2023",
        rule: RuleKind::SuperDeduction,
        effective_from: date!(2023 - 01 - 01),
        effective_to: None,
        documents: "财政部 税务总局公告2023年第7号; 2023年第44号",
        spec: "§4.1, §4.2",
        confidence: Confidence::High,
    },
    // §5: both schemes known from news reports only; the switch year is an engine choice.
    RuleVersion {
        id: "hunan-2018",
        rule: RuleKind::HunanReward,
        effective_from: date!(2018 - 01 - 01),
        effective_to: Some(date!(2022 - 12 - 31)),
        documents: "《湖南省支持企业研发财政奖补办法》(2018)",
        spec: "§5.1",
        confidence: Confidence::Low,
    },
    RuleVersion {
        id: "hunan-2022",
        rule: RuleKind::HunanReward,
        effective_from: date!(2023 - 01 - 01),
        effective_to: None,
        documents: "《湖南省财政支持企业科技创新若干政策措施》(2022)",
        spec: "§5.2",
        confidence: Confidence::Low,
    },
];

/// The version of `rule` in force on `date`, if any.
#[must_use]
pub fn rule_version(rule: RuleKind, date: Date) -> Option<&'static RuleVersion> {
    RULE_VERSIONS.iter().find(|version| {
        version.rule == rule
            && version.effective_from <= date
            && version.effective_to.is_none_or(|effective_to| date <= effective_to)
    })
}

/// The version of `rule` for a year-based rule (SME, super-deduction, Hunan): the one in
/// force on 1 January of `year`. Fails with `rules.no_rule_version`.
fn version_for_year(rule: RuleKind, year: i32) -> Result<&'static RuleVersion, RuleError> {
    Date::from_calendar_date(year, time::Month::January, 1)
        .ok()
        .and_then(|first| rule_version(rule, first))
        .ok_or(RuleError::NoRuleVersion { rule, year })
}

// ---------------------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------------------

/// The outcome of a rule for a firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Eligible,
    NotEligible,
    NeedsExpert,
    Unknown,
}

/// The outcome of one condition (§0.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Pass,
    Fail,
    NeedsExpert,
    /// Data is missing; the condition names it.
    Unknown,
    NotApplicable,
}

impl Check {
    /// `pass` if `ok`, else `fail`.
    #[must_use]
    pub fn from_bool(ok: bool) -> Check {
        if ok {
            Check::Pass
        } else {
            Check::Fail
        }
    }

    /// All must hold (§0.2): any failure fails; then missing data; then expert judgement.
    /// `not_applicable` is ignored; nothing at all passes.
    #[must_use]
    pub fn all<I: IntoIterator<Item = Check>>(checks: I) -> Check {
        let (mut unknown, mut expert) = (false, false);
        for check in checks {
            match check {
                Check::Fail => return Check::Fail,
                Check::Unknown => unknown = true,
                Check::NeedsExpert => expert = true,
                Check::Pass | Check::NotApplicable => {}
            }
        }
        if unknown {
            Check::Unknown
        } else if expert {
            Check::NeedsExpert
        } else {
            Check::Pass
        }
    }

    /// One suffices: any pass passes; then missing data; then expert judgement; else fail.
    #[must_use]
    pub fn any<I: IntoIterator<Item = Check>>(checks: I) -> Check {
        let (mut unknown, mut expert) = (false, false);
        for check in checks {
            match check {
                Check::Pass => return Check::Pass,
                Check::Unknown => unknown = true,
                Check::NeedsExpert => expert = true,
                Check::Fail | Check::NotApplicable => {}
            }
        }
        if unknown {
            Check::Unknown
        } else if expert {
            Check::NeedsExpert
        } else {
            Check::Fail
        }
    }

    /// The rule outcome this check amounts to.
    #[must_use]
    pub fn outcome(self) -> Outcome {
        match self {
            Check::Pass | Check::NotApplicable => Outcome::Eligible,
            Check::Fail => Outcome::NotEligible,
            Check::NeedsExpert => Outcome::NeedsExpert,
            Check::Unknown => Outcome::Unknown,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

/// A figure in a result, for display. Every test is decided on exact values before a figure
/// is made; a share is kept as a percentage floored to 4 decimals (an upper-limit headcount
/// rounded up), so that a printed value compares with a printed threshold exactly as the
/// exact values do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Money(Money),
    /// A share as a percentage × 10^4, floored: `4.9%` is 49,000.
    Percent(i64),
    /// Percentage points × 100, rounded up: `3.1` is 310.
    PercentPoints(i64),
    /// A headcount or an average × 10^4, floored: `30.5` is 305,000.
    Number(i64),
    /// A headcount tested against an upper limit × 10^4, rounded up.
    NumberUp(i64),
    /// A rate × 10^8 (every rate of the rules ends within 8 decimals): `0.8125`.
    Rate(i64),
    Days(i64),
    Count(i64),
    Points(u32),
    PointRange(u32, u32),
    Flag(bool),
    Date(Date),
    Year(i32),
    /// A field of 《国家重点支持的高新技术领域》 (HNTE-03), shown in Chinese.
    TechField(input::TechField),
    /// A tax-assessment method, shown as in the input (`ActualProfit`).
    TaxMethod(input::TaxAssessment),
}

/// An `i128` display figure as `i64`, saturating (only absurd growth rates get there).
fn saturate(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

impl Value {
    /// A share `ratio` (0.049 for 4.9%) as a percentage.
    #[must_use]
    pub fn percent(ratio: Ratio) -> Value {
        Value::Percent(saturate(ratio.floor_scaled(6)))
    }

    /// A difference of shares `ratio` (0.031) as percentage points (3.1), rounded up.
    #[must_use]
    pub fn percent_points(ratio: Ratio) -> Value {
        Value::PercentPoints(saturate(ratio.ceil_scaled(4)))
    }

    /// A number of persons or an average, floored to 4 decimals.
    #[must_use]
    pub fn number(ratio: Ratio) -> Value {
        Value::Number(saturate(ratio.floor_scaled(4)))
    }

    /// A number of persons, rounded up to 4 decimals.
    #[must_use]
    pub fn number_up(ratio: Ratio) -> Value {
        Value::NumberUp(saturate(ratio.ceil_scaled(4)))
    }

    /// A rate (0.75).
    #[must_use]
    pub fn rate(ratio: Ratio) -> Value {
        Value::Rate(saturate(ratio.floor_scaled(8)))
    }

    /// The language-neutral text of the value, as in the JSON.
    #[must_use]
    pub fn text(&self) -> String {
        match *self {
            Value::Money(money) => money.to_string(),
            Value::Percent(scaled) => format!("{}%", arith::decimal_string(i128::from(scaled), 4, 0)),
            Value::PercentPoints(scaled) => arith::decimal_string(i128::from(scaled), 2, 0),
            Value::Number(scaled) | Value::NumberUp(scaled) => arith::decimal_string(i128::from(scaled), 4, 0),
            Value::Rate(scaled) => arith::decimal_string(i128::from(scaled), 8, 2),
            Value::Days(n) | Value::Count(n) => n.to_string(),
            Value::Points(n) => n.to_string(),
            Value::PointRange(lo, hi) => format!("[{lo}, {hi}]"),
            Value::Flag(flag) => flag.to_string(),
            Value::Date(date) => iso(date),
            Value::Year(year) => year.to_string(),
            Value::TechField(field) => field.name_zh().to_owned(),
            Value::TaxMethod(input::TaxAssessment::ActualProfit) => "ActualProfit".to_owned(),
            Value::TaxMethod(input::TaxAssessment::Deemed) => "Deemed".to_owned(),
        }
    }
}

/// `YYYY-MM-DD`.
fn iso(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Value::Days(n) | Value::Count(n) => serializer.serialize_i64(n),
            Value::Points(n) => serializer.serialize_u32(n),
            Value::Year(year) => serializer.serialize_i32(year),
            Value::Flag(flag) => serializer.serialize_bool(flag),
            Value::PointRange(lo, hi) => {
                let mut seq = serializer.serialize_seq(Some(2))?;
                seq.serialize_element(&lo)?;
                seq.serialize_element(&hi)?;
                seq.end()
            }
            _ => serializer.serialize_str(&self.text()),
        }
    }
}

/// A comparison of a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmp {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

impl Cmp {
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Ge => ">=",
            Cmp::Gt => ">",
            Cmp::Le => "<=",
            Cmp::Lt => "<",
            Cmp::Eq => "=",
        }
    }
}

/// What a condition's value is tested against: `>= 5%`, `> 70`, `<= 200000000.00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold {
    pub cmp: Cmp,
    pub value: Value,
}

impl Threshold {
    #[must_use]
    pub fn new(cmp: Cmp, value: Value) -> Threshold {
        Threshold { cmp, value }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.cmp.symbol(), self.value.text())
    }
}

impl Serialize for Threshold {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A field of the input: `rd_hnte.2024.other`, `ip_items[2].kind`, `incidents`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldRef {
    pub field: &'static str,
    pub year: Option<i32>,
    pub index: Option<u32>,
    pub key: Option<&'static str>,
}

impl FieldRef {
    /// A whole field.
    #[must_use]
    pub const fn field(field: &'static str) -> FieldRef {
        FieldRef { field, year: None, index: None, key: None }
    }

    /// A field of one year.
    #[must_use]
    pub const fn year(field: &'static str, year: i32) -> FieldRef {
        FieldRef { field, year: Some(year), index: None, key: None }
    }

    /// A key inside a field of one year (`rd_hnte.2024.other`).
    #[must_use]
    pub const fn year_key(field: &'static str, year: i32, key: &'static str) -> FieldRef {
        FieldRef { field, year: Some(year), index: None, key: Some(key) }
    }

    /// A key of one item of a list (`ip_items[2].kind`).
    #[must_use]
    pub fn item(field: &'static str, index: usize, key: &'static str) -> FieldRef {
        FieldRef { field, year: None, index: Some(u32::try_from(index).unwrap_or(u32::MAX)), key: Some(key) }
    }
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field)?;
        if let Some(year) = self.year {
            write!(f, ".{year}")?;
        }
        if let Some(index) = self.index {
            write!(f, "[{index}]")?;
        }
        if let Some(key) = self.key {
            write!(f, ".{key}")?;
        }
        Ok(())
    }
}

impl Serialize for FieldRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An input a condition used, with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InputUsed {
    pub field: FieldRef,
    pub value: Value,
}

// ---------------------------------------------------------------------------------------
// Gaps
// ---------------------------------------------------------------------------------------

/// How a gap changes an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Add this much (new spending, revenue, staff, items or points).
    Increase,
    /// Reduce by this much.
    Decrease,
    /// Count this much of an existing total in this category instead (the total stays).
    Reclassify,
    /// Let this many days pass (apply on or after `to`).
    Wait,
}

/// Why a gap option works when it is not the obvious one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GapNote {
    /// Latest-year sales move into the next R&D tier, whose rate is lower (§2.3, H1′).
    NextTier { percent: u8 },
    /// The firm's R&D is part of its costs and expenses, which grow with it (SME cost basis).
    CostsGrowWithRd,
    /// The S&T SME R&D points on the sales basis.
    SalesBasis,
}

impl GapNote {
    #[must_use]
    pub fn code(self) -> String {
        match self {
            GapNote::NextTier { percent } => format!("next_tier_{percent}_percent"),
            GapNote::CostsGrowWithRd => "costs_grow_with_rd".to_owned(),
            GapNote::SalesBasis => "sales_basis".to_owned(),
        }
    }
}

/// One way to close a failed condition: the smallest change of one input that makes it pass,
/// everything else unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GapOption {
    /// The input (or derived figure, e.g. `sales_revenue`, `score`) to change.
    pub field: FieldRef,
    pub change: Change,
    /// The size of the change (always positive; `change` gives the direction).
    pub amount: Value,
    /// The value the input reaches, when useful (a total, a date).
    pub to: Option<Value>,
    pub note: Option<GapNote>,
}

impl GapOption {
    /// The signed change, e.g. `+135000.00`.
    #[must_use]
    pub fn delta(&self) -> String {
        let sign = if self.change == Change::Decrease { "-" } else { "+" };
        format!("{sign}{}", self.amount.text())
    }
}

impl Serialize for GapOption {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("field", &self.field)?;
        map.serialize_entry("change", &self.change)?;
        map.serialize_entry("delta", &self.delta())?;
        if let Some(to) = &self.to {
            map.serialize_entry("to", to)?;
        }
        if let Some(note) = self.note {
            map.serialize_entry("note", &note.code())?;
        }
        map.serialize_entry("text", &explain::gap_text(self, explain::Lang::En))?;
        map.end()
    }
}

// ---------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------

/// The conditions of every rule, each tracing to a row of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CondId {
    Hnte00,
    Hnte01,
    Hnte02,
    Hnte03,
    Hnte04,
    Hnte05,
    Hnte06,
    Hnte07,
    Hnte08,
    Hnte09,
    SmeB1,
    SmeB2,
    SmeB3,
    SmeB4,
    SmeB5,
    SmeD1,
    SmeD2,
    SmeD3,
    SmeD4,
    SdE1,
    SdE2,
    SdE5,
    SdRate,
    SdBase,
    HunanE1,
    HunanE2,
    HunanE3,
    HunanE4,
    HunanA1,
    HunanA2,
}

impl CondId {
    /// The id of the spec (`HNTE-05`, `SME-B2`, `SD-E1`); `SD-RATE`, `SD-BASE` and the
    /// `HUNAN-*` ids are this engine's names for §4.2, §4.5 and the rows of §5, which have none.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CondId::Hnte00 => "HNTE-00",
            CondId::Hnte01 => "HNTE-01",
            CondId::Hnte02 => "HNTE-02",
            CondId::Hnte03 => "HNTE-03",
            CondId::Hnte04 => "HNTE-04",
            CondId::Hnte05 => "HNTE-05",
            CondId::Hnte06 => "HNTE-06",
            CondId::Hnte07 => "HNTE-07",
            CondId::Hnte08 => "HNTE-08",
            CondId::Hnte09 => "HNTE-09",
            CondId::SmeB1 => "SME-B1",
            CondId::SmeB2 => "SME-B2",
            CondId::SmeB3 => "SME-B3",
            CondId::SmeB4 => "SME-B4",
            CondId::SmeB5 => "SME-B5",
            CondId::SmeD1 => "SME-D1",
            CondId::SmeD2 => "SME-D2",
            CondId::SmeD3 => "SME-D3",
            CondId::SmeD4 => "SME-D4",
            CondId::SdE1 => "SD-E1",
            CondId::SdE2 => "SD-E2",
            CondId::SdE5 => "SD-E5",
            CondId::SdRate => "SD-RATE",
            CondId::SdBase => "SD-BASE",
            CondId::HunanE1 => "HUNAN-E1",
            CondId::HunanE2 => "HUNAN-E2",
            CondId::HunanE3 => "HUNAN-E3",
            CondId::HunanE4 => "HUNAN-E4",
            CondId::HunanA1 => "HUNAN-A1",
            CondId::HunanA2 => "HUNAN-A2",
        }
    }

    /// The section of `policy-rules.md` the condition comes from.
    #[must_use]
    pub fn spec(self) -> &'static str {
        match self {
            CondId::Hnte00 | CondId::Hnte02 | CondId::Hnte03 => "§2.2",
            CondId::Hnte01 | CondId::Hnte09 => "§2.1, §2.2",
            CondId::Hnte04 => "§2.2, §2.4",
            CondId::Hnte05 | CondId::Hnte06 => "§2.2, §2.3",
            CondId::Hnte07 => "§2.2, §2.5",
            CondId::Hnte08 => "§2.7",
            CondId::SmeB1 | CondId::SmeB2 | CondId::SmeB3 | CondId::SmeB4 => "§3.2",
            CondId::SmeB5 => "§3.2, §3.3, §3.7",
            CondId::SmeD1 | CondId::SmeD2 | CondId::SmeD3 | CondId::SmeD4 => "§3.4",
            CondId::SdE1 | CondId::SdE2 | CondId::SdE5 => "§4.3",
            CondId::SdRate => "§4.2",
            CondId::SdBase => "§4.4, §4.5",
            CondId::HunanE1
            | CondId::HunanE2
            | CondId::HunanE3
            | CondId::HunanE4
            | CondId::HunanA1
            | CondId::HunanA2 => "§5.1, §5.2",
        }
    }

    /// The confidence tag of the condition's row in the spec.
    #[must_use]
    pub fn confidence(self) -> Confidence {
        match self {
            CondId::Hnte00 => Confidence::Medium,
            CondId::Hnte01
            | CondId::Hnte02
            | CondId::Hnte03
            | CondId::Hnte04
            | CondId::Hnte05
            | CondId::Hnte06
            | CondId::Hnte07
            | CondId::Hnte08
            | CondId::Hnte09
            | CondId::SmeB1
            | CondId::SmeB2
            | CondId::SmeB3
            | CondId::SmeB4
            | CondId::SmeB5
            | CondId::SmeD1
            | CondId::SmeD2
            | CondId::SmeD3
            | CondId::SmeD4
            | CondId::SdE1
            | CondId::SdE2
            | CondId::SdE5
            | CondId::SdRate
            | CondId::SdBase => Confidence::High,
            CondId::HunanE1
            | CondId::HunanE2
            | CondId::HunanE3
            | CondId::HunanE4
            | CondId::HunanA1
            | CondId::HunanA2 => Confidence::Low,
        }
    }
}

impl Serialize for CondId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The result of one condition: its outcome, the value computed, the threshold, the inputs
/// used, the inputs missing, and for a failure the gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub id: CondId,
    pub outcome: Check,
    pub value: Option<Value>,
    pub threshold: Option<Threshold>,
    pub inputs: Vec<InputUsed>,
    pub missing: Vec<FieldRef>,
    /// Ways to make a failed condition pass; empty when it passes or nothing computable helps.
    pub gap: Vec<GapOption>,
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("name", explain::condition_name(self.id, explain::Lang::En))?;
        map.serialize_entry("spec", self.id.spec())?;
        map.serialize_entry("confidence", &self.id.confidence())?;
        map.serialize_entry("outcome", &self.outcome)?;
        map.serialize_entry("value", &self.value)?;
        map.serialize_entry("threshold", &self.threshold)?;
        map.serialize_entry("inputs", &self.inputs)?;
        if !self.missing.is_empty() {
            map.serialize_entry("missing", &self.missing)?;
        }
        if self.gap.is_empty() {
            map.serialize_entry("gap", &None::<()>)?;
        } else {
            map.serialize_entry("gap", &self.gap)?;
        }
        map.end()
    }
}

/// Collects the inputs a condition used and the ones it missed. Its buffers come from the
/// evaluation's [`Pool`] ([`Evaluation::trace`]), so that a batch allocates nothing once warm.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    pub inputs: Vec<InputUsed>,
    pub missing: Vec<FieldRef>,
    gap: Vec<GapOption>,
    /// Whether `inputs` is kept ([`Evaluator::without_inputs`] turns it off).
    record: bool,
}

impl Trace {
    /// The (empty) gap buffer of this trace, to fill and pass to [`Trace::condition`].
    pub fn take_gap(&mut self) -> Vec<GapOption> {
        std::mem::take(&mut self.gap)
    }

    /// A gap of one option, in this trace's buffer.
    pub fn one_gap(&mut self, option: GapOption) -> Vec<GapOption> {
        let mut gap = self.take_gap();
        gap.push(option);
        gap
    }

    pub fn used(&mut self, field: FieldRef, value: Value) {
        if self.record {
            self.inputs.push(InputUsed { field, value });
        }
    }

    pub fn miss(&mut self, field: FieldRef) {
        self.missing.push(field);
    }

    /// A per-year amount, recorded as used or missing.
    pub fn money(&mut self, field: &'static str, by_year: &ByYear<Money>, year: i32) -> Option<Money> {
        let value = by_year.at(year);
        match value {
            Some(money) => self.used(FieldRef::year(field, year), Value::Money(money)),
            None => self.miss(FieldRef::year(field, year)),
        }
        value
    }

    /// A per-year flag, recorded as used or missing.
    pub fn flag(&mut self, field: &'static str, by_year: &ByYear<bool>, year: i32) -> Option<bool> {
        let value = by_year.at(year);
        match value {
            Some(flag) => self.used(FieldRef::year(field, year), Value::Flag(flag)),
            None => self.miss(FieldRef::year(field, year)),
        }
        value
    }

    /// A flag of the firm, recorded as used or missing.
    pub fn bool(&mut self, field: &'static str, value: Option<bool>) -> Option<bool> {
        match value {
            Some(flag) => self.used(FieldRef::field(field), Value::Flag(flag)),
            None => self.miss(FieldRef::field(field)),
        }
        value
    }

    /// A list of the firm: recorded as missing when absent.
    pub fn list<'a, T>(&mut self, field: &'static str, value: Option<&'a Vec<T>>) -> Option<&'a [T]> {
        match value {
            Some(items) => {
                self.used(FieldRef::field(field), Value::Count(i64::try_from(items.len()).unwrap_or(i64::MAX)));
                Some(items.as_slice())
            }
            None => {
                self.miss(FieldRef::field(field));
                None
            }
        }
    }

    /// The condition, with this trace's inputs and missing fields. An empty `gap` that was
    /// not taken from the trace is replaced by the trace's own buffer.
    pub fn condition(
        self,
        id: CondId,
        outcome: Check,
        value: Option<Value>,
        threshold: Option<Threshold>,
        gap: Vec<GapOption>,
    ) -> Condition {
        let gap = if gap.capacity() == 0 { self.gap } else { gap };
        Condition { id, outcome, value, threshold, inputs: self.inputs, missing: self.missing, gap }
    }
}

/// Reads a per-year amount into a [`Trace`] under the field's own name.
macro_rules! year_money {
    ($trace:expr, $input:expr, $field:ident, $year:expr) => {
        $trace.money(stringify!($field), &$input.$field, $year)
    };
}
pub(crate) use year_money;

/// Reads a per-year flag into a [`Trace`] under the field's own name.
macro_rules! year_flag {
    ($trace:expr, $input:expr, $field:ident, $year:expr) => {
        $trace.flag(stringify!($field), &$input.$field, $year)
    };
}
pub(crate) use year_flag;

// ---------------------------------------------------------------------------------------
// Scores, steps, notes
// ---------------------------------------------------------------------------------------

/// A score: one number, or an interval while expert-scored parts are open (§0.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Score {
    pub min: u32,
    pub max: u32,
}

impl Serialize for Score {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.min == self.max {
            serializer.serialize_u32(self.min)
        } else {
            Value::PointRange(self.min, self.max).serialize(serializer)
        }
    }
}

/// Where the points of a score item come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreSource {
    /// Fixed by the data.
    Computed,
    /// The band computed from the data; the point within it is an expert's.
    Band,
    /// Given by an expert (`expert_scores`).
    Expert,
    /// An expert judgement not given yet: the whole range.
    Open,
    /// The data the band needs is missing: the whole range.
    Missing,
}

/// One item of a score (§2.7, §3.3): the points it may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScoreItem {
    /// 1-4 for the HNTE parts (§2.7), 1-3 for the SME parts (§3.3).
    pub part: u8,
    /// The `expert_scores` key for HNTE, `st_staff` / `rd_sales` / `rd_cost` / `ip` for SME.
    pub key: &'static str,
    pub min: u32,
    pub max: u32,
    pub source: ScoreSource,
    /// The figure the band was chosen from (growth rate, average conversions, share).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// One step of a computed amount (super-deduction, Hunan reward).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The spec row, e.g. `SD-C1`.
    pub id: &'static str,
    /// What the step computes, e.g. `other_allowed`.
    pub key: &'static str,
    pub value: Value,
}

/// A point where the spec is unsure (§7, the \[M\] and \[L\] tags) and the result depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoteKind {
    HnteOtherCostCap,
    HnteCommissioned80,
    HnteZeroSales,
    HnteStaffDivisor,
    HnteBranch,
    HnteConversionDivisor,
    HnteConversionBelowOne,
    HnteGrowthBands,
    HnteGrowthTwoYears,
    HnteGrowthOneYear,
    HnteGrowthNonPositive,
    HnteWindowUnknown,
    Hnte2008Rules,
    Hnte2008TierOverlap,
    Hnte2008Licence,
    Sme2022Boundary,
    SmeQuarterlyAveraging,
    SmeCostBasis,
    SmeFoundedInYear,
    SmeFiveYearWindow,
    SmeAsOfDefaulted,
    SmeRdBasis,
    SdExcludedActivities,
    SdPerProjectCap,
    SdAbroadBefore2018,
    SdOverseasCapBase,
    SdQ4Split2022,
    SdIcRate,
    SdManufacturingTest,
    SdTakenAsZero,
    SdIntangibleYears,
    SdTaxYearDefaulted,
    HunanNewsOnly,
    HunanIncrementBase,
    HunanSchemeSwitch,
    Hunan2018Caps,
    Hunan2022KeyFields,
    Hunan2022Conditions,
    HunanFirstTime,
}

impl NoteKind {
    /// Every note, in declaration order (the order of [`NoteSet`]).
    pub const ALL: [NoteKind; 39] = [
        NoteKind::HnteOtherCostCap,
        NoteKind::HnteCommissioned80,
        NoteKind::HnteZeroSales,
        NoteKind::HnteStaffDivisor,
        NoteKind::HnteBranch,
        NoteKind::HnteConversionDivisor,
        NoteKind::HnteConversionBelowOne,
        NoteKind::HnteGrowthBands,
        NoteKind::HnteGrowthTwoYears,
        NoteKind::HnteGrowthOneYear,
        NoteKind::HnteGrowthNonPositive,
        NoteKind::HnteWindowUnknown,
        NoteKind::Hnte2008Rules,
        NoteKind::Hnte2008TierOverlap,
        NoteKind::Hnte2008Licence,
        NoteKind::Sme2022Boundary,
        NoteKind::SmeQuarterlyAveraging,
        NoteKind::SmeCostBasis,
        NoteKind::SmeFoundedInYear,
        NoteKind::SmeFiveYearWindow,
        NoteKind::SmeAsOfDefaulted,
        NoteKind::SmeRdBasis,
        NoteKind::SdExcludedActivities,
        NoteKind::SdPerProjectCap,
        NoteKind::SdAbroadBefore2018,
        NoteKind::SdOverseasCapBase,
        NoteKind::SdQ4Split2022,
        NoteKind::SdIcRate,
        NoteKind::SdManufacturingTest,
        NoteKind::SdTakenAsZero,
        NoteKind::SdIntangibleYears,
        NoteKind::SdTaxYearDefaulted,
        NoteKind::HunanNewsOnly,
        NoteKind::HunanIncrementBase,
        NoteKind::HunanSchemeSwitch,
        NoteKind::Hunan2018Caps,
        NoteKind::Hunan2022KeyFields,
        NoteKind::Hunan2022Conditions,
        NoteKind::HunanFirstTime,
    ];

    /// The stable code, e.g. `hnte.other_cost_cap`.
    #[must_use]
    pub fn code(self) -> &'static str {
        self.info().0
    }

    /// The sections of the spec the point comes from.
    #[must_use]
    pub fn spec(self) -> &'static str {
        self.info().1
    }

    #[must_use]
    pub fn confidence(self) -> Confidence {
        self.info().2
    }

    fn info(self) -> (&'static str, &'static str, Confidence) {
        use Confidence::{Low, Medium};
        match self {
            NoteKind::HnteOtherCostCap => ("hnte.other_cost_cap", "§2.3, §7.4", Low),
            NoteKind::HnteCommissioned80 => ("hnte.commissioned_80", "§2.3, §7.5", Medium),
            NoteKind::HnteZeroSales => ("hnte.zero_sales", "§2.3", Low),
            NoteKind::HnteStaffDivisor => ("hnte.staff_divisor", "§2.4, §2.9", Medium),
            NoteKind::HnteBranch => ("hnte.branch", "§2.2", Medium),
            NoteKind::HnteConversionDivisor => ("hnte.conversion_divisor", "§2.7.2, §2.9, §7.3", Low),
            NoteKind::HnteConversionBelowOne => ("hnte.conversion_below_one", "§2.7.2, §7.3", Low),
            NoteKind::HnteGrowthBands => ("hnte.growth_bands", "§2.7.4, §7.1", Medium),
            NoteKind::HnteGrowthTwoYears => ("hnte.growth_two_years", "§2.7.4, §2.9, §7.2", Low),
            NoteKind::HnteGrowthOneYear => ("hnte.growth_one_year", "§2.7.4, §2.9, §7.2", Low),
            NoteKind::HnteGrowthNonPositive => ("hnte.growth_non_positive", "§2.7.4, §7.2", Low),
            NoteKind::HnteWindowUnknown => ("hnte.window_unknown", "§2.1, §2.9", Medium),
            NoteKind::Hnte2008Rules => ("hnte.rules_2008", "§1.2, §7.6", Medium),
            NoteKind::Hnte2008TierOverlap => ("hnte.tier_overlap_2008", "§1.2", Low),
            NoteKind::Hnte2008Licence => ("hnte.licence_2008", "§1.2", Medium),
            NoteKind::Sme2022Boundary => ("sme.version_2022", "§3.1", Medium),
            NoteKind::SmeQuarterlyAveraging => ("sme.quarterly_averaging", "§3.5, §7.9", Medium),
            NoteKind::SmeCostBasis => ("sme.cost_basis", "§3.5, §7.8", Low),
            NoteKind::SmeFoundedInYear => ("sme.founded_in_year", "§3.6, §7.10", Low),
            NoteKind::SmeFiveYearWindow => ("sme.five_year_window", "§3.4", Low),
            NoteKind::SmeAsOfDefaulted => ("sme.as_of_defaulted", "§6.2", Medium),
            NoteKind::SmeRdBasis => ("sme.rd_basis", "§3.5, §4.4", Medium),
            NoteKind::SdExcludedActivities => ("sd.excluded_activities", "§4.3", Medium),
            NoteKind::SdPerProjectCap => ("sd.per_project_cap", "§4.4", Medium),
            NoteKind::SdAbroadBefore2018 => ("sd.abroad_before_2018", "§4.4", Medium),
            NoteKind::SdOverseasCapBase => ("sd.overseas_cap_base", "§4.4, §7.14", Low),
            NoteKind::SdQ4Split2022 => ("sd.q4_split_2022", "§4.2, §7.14", Low),
            NoteKind::SdIcRate => ("sd.ic_rate", "§4.2, §7.15", Medium),
            NoteKind::SdManufacturingTest => ("sd.manufacturing_test", "§4.2", Low),
            NoteKind::SdTakenAsZero => ("sd.taken_as_zero", "§4.5", Medium),
            NoteKind::SdIntangibleYears => ("sd.intangible_years", "§4.5", Low),
            NoteKind::SdTaxYearDefaulted => ("sd.tax_year_defaulted", "§4.2", Medium),
            NoteKind::HunanNewsOnly => ("hunan.news_only", "§5, §7.16", Low),
            NoteKind::HunanIncrementBase => ("hunan.increment_base", "§5.3", Low),
            NoteKind::HunanSchemeSwitch => ("hunan.scheme_switch", "§1.1, §5.3", Low),
            NoteKind::Hunan2018Caps => ("hunan.caps_2018", "§5.1", Low),
            NoteKind::Hunan2022KeyFields => ("hunan.key_fields", "§5.3", Low),
            NoteKind::Hunan2022Conditions => ("hunan.conditions_2022", "§5.3", Low),
            NoteKind::HunanFirstTime => ("hunan.first_time", "§5.3", Low),
        }
    }
}

impl Serialize for NoteKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("code", self.code())?;
        map.serialize_entry("spec", self.spec())?;
        map.serialize_entry("confidence", &self.confidence())?;
        map.serialize_entry("text", explain::note_text(*self, explain::Lang::En))?;
        map.end()
    }
}

/// A set of notes, in declaration order (a bit set: raising a note allocates nothing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NoteSet(u64);

impl NoteSet {
    fn bit(note: NoteKind) -> u64 {
        1 << (note as u32)
    }

    /// Adds `note` (once).
    pub fn insert(&mut self, note: NoteKind) {
        self.0 |= NoteSet::bit(note);
    }

    #[must_use]
    pub fn contains(self, note: NoteKind) -> bool {
        self.0 & NoteSet::bit(note) != 0
    }

    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The notes, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = NoteKind> {
        NoteKind::ALL.into_iter().filter(move |note| self.contains(*note))
    }
}

impl Serialize for NoteSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// Buffers of finished evaluations, cleared, for the next ones ([`Evaluator::recycle`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Pool {
    /// Leave the `inputs` of conditions empty.
    skip_inputs: bool,
    inputs: Vec<Vec<InputUsed>>,
    missing: Vec<Vec<FieldRef>>,
    gaps: Vec<Vec<GapOption>>,
    conditions: Vec<Vec<Condition>>,
    items: Vec<Vec<ScoreItem>>,
    steps: Vec<Vec<Step>>,
}

/// Puts a cleared buffer back, if it holds memory.
fn keep<T>(pool: &mut Vec<Vec<T>>, mut buffer: Vec<T>) {
    if buffer.capacity() > 0 {
        buffer.clear();
        pool.push(buffer);
    }
}

impl Pool {
    fn recycle(&mut self, evaluation: Evaluation) {
        let Evaluation { mut conditions, score_items, steps, .. } = evaluation;
        for condition in conditions.drain(..) {
            keep(&mut self.inputs, condition.inputs);
            keep(&mut self.missing, condition.missing);
            keep(&mut self.gaps, condition.gap);
        }
        keep(&mut self.conditions, conditions);
        keep(&mut self.items, score_items);
        keep(&mut self.steps, steps);
    }
}

// ---------------------------------------------------------------------------------------
// The evaluation
// ---------------------------------------------------------------------------------------

/// The result of one rule for one firm. Its JSON (`Serialize`) is the output of
/// `gaodi rules check`: `rule`, `rule_version`, `outcome`, `score`, `conditions`, and for the
/// super-deduction `base`, `rate`, `extra_deduction`, for the Hunan reward `amount`.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub rule: RuleKind,
    pub version: &'static RuleVersion,
    /// The evaluation date (the HNTE application date `A`).
    pub as_of: Date,
    /// The year that selects the data: `N` for HNTE, SME and Hunan, `Y` for the super-deduction.
    pub year: i32,
    pub outcome: Outcome,
    /// The lowest confidence of the version and of every note raised.
    pub confidence: Confidence,
    pub score: Option<Score>,
    pub conditions: Vec<Condition>,
    pub score_items: Vec<ScoreItem>,
    pub steps: Vec<Step>,
    /// Super-deduction: the base (§4.5).
    pub base: Option<Money>,
    /// Super-deduction: the extra-deduction rate (§4.2).
    pub rate: Option<Ratio>,
    /// Super-deduction: the extra deduction of the expensed R&D (§4.5).
    pub extra_deduction: Option<Money>,
    /// Super-deduction: the extra amortisation of R&D intangibles in the year (§4.5).
    pub extra_amortisation: Option<Money>,
    /// Hunan: the reward (§5).
    pub amount: Option<Money>,
    pub notes: NoteSet,
    /// Buffers lent by the [`Evaluator`] while the evaluation is built.
    pool: Option<Box<Pool>>,
}

impl Evaluation {
    /// The condition `id`, if the rule has it.
    #[must_use]
    pub fn condition(&self, id: CondId) -> Option<&Condition> {
        self.conditions.iter().find(|condition| condition.id == id)
    }

    /// Whether the spec point `note` was raised.
    #[must_use]
    pub fn has_note(&self, note: NoteKind) -> bool {
        self.notes.contains(note)
    }

    /// A fresh evaluation of `rule` under `version`, outcome `unknown`, to be filled in with
    /// the buffers of `pool`.
    pub(crate) fn start(
        rule: RuleKind,
        version: &'static RuleVersion,
        as_of: Date,
        year: i32,
        pool: &mut Option<Box<Pool>>,
    ) -> Evaluation {
        Evaluation {
            rule,
            version,
            as_of,
            year,
            outcome: Outcome::Unknown,
            confidence: version.confidence,
            score: None,
            conditions: Vec::new(),
            score_items: Vec::new(),
            steps: Vec::new(),
            base: None,
            rate: None,
            extra_deduction: None,
            extra_amortisation: None,
            amount: None,
            notes: NoteSet::default(),
            pool: Some(pool.take().unwrap_or_default()),
        }
    }

    /// A trace for the next condition, with pooled buffers.
    pub(crate) fn trace(&mut self) -> Trace {
        let pool = self.pool.get_or_insert_with(Box::default);
        Trace {
            inputs: pool.inputs.pop().unwrap_or_else(|| Vec::with_capacity(8)),
            missing: pool.missing.pop().unwrap_or_default(),
            gap: pool.gaps.pop().unwrap_or_default(),
            record: !pool.skip_inputs,
        }
    }

    /// An empty list of conditions, pooled.
    pub(crate) fn new_conditions(&mut self) -> Vec<Condition> {
        let pool = self.pool.get_or_insert_with(Box::default);
        pool.conditions.pop().unwrap_or_else(|| Vec::with_capacity(10))
    }

    /// An empty list of score items, pooled.
    pub(crate) fn new_items(&mut self) -> Vec<ScoreItem> {
        let pool = self.pool.get_or_insert_with(Box::default);
        pool.items.pop().unwrap_or_else(|| Vec::with_capacity(12))
    }

    /// An empty list of steps, pooled.
    pub(crate) fn new_steps(&mut self) -> Vec<Step> {
        let pool = self.pool.get_or_insert_with(Box::default);
        pool.steps.pop().unwrap_or_else(|| Vec::with_capacity(16))
    }

    /// Raises a note once.
    pub(crate) fn note(&mut self, note: NoteKind) {
        self.notes.insert(note);
    }

    /// Sets the confidence from the notes and gives the unused buffers back; call last.
    pub(crate) fn finish(mut self, pool: &mut Option<Box<Pool>>) -> Evaluation {
        *pool = self.pool.take();
        self.confidence = self.notes.iter().map(NoteKind::confidence).fold(self.version.confidence, std::cmp::Ord::min);
        self
    }
}

impl Serialize for Evaluation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("rule", &self.rule)?;
        map.serialize_entry("rule_version", self.version.id)?;
        map.serialize_entry("rule_documents", self.version.documents)?;
        map.serialize_entry("as_of", &iso(self.as_of))?;
        map.serialize_entry("year", &self.year)?;
        map.serialize_entry("outcome", &self.outcome)?;
        map.serialize_entry("confidence", &self.confidence)?;
        map.serialize_entry("score", &self.score)?;
        map.serialize_entry("conditions", &self.conditions)?;
        if !self.score_items.is_empty() {
            map.serialize_entry("score_items", &self.score_items)?;
        }
        if !self.steps.is_empty() {
            map.serialize_entry("steps", &self.steps)?;
        }
        if let Some(base) = self.base {
            map.serialize_entry("base", &base)?;
        }
        if let Some(rate) = self.rate {
            map.serialize_entry("rate", &Value::rate(rate))?;
        }
        if let Some(extra) = self.extra_deduction {
            map.serialize_entry("extra_deduction", &extra)?;
        }
        if let Some(extra) = self.extra_amortisation {
            map.serialize_entry("extra_amortisation", &extra)?;
        }
        if let Some(amount) = self.amount {
            map.serialize_entry("amount", &amount)?;
        }
        map.serialize_entry("notes", &self.notes)?;
        map.end()
    }
}

// ---------------------------------------------------------------------------------------
// Errors and the entry point
// ---------------------------------------------------------------------------------------

/// Why a rule could not be evaluated at all (as opposed to a result of `unknown`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    /// The input is malformed or out of range.
    Input(InputError),
    /// `--rule` names no rule.
    UnknownRule { value: String },
    /// A date given as text is not `YYYY-MM-DD`.
    InvalidDate { value: String },
    /// Neither `--as-of` nor a date or year of the input says when to evaluate.
    NoEvaluationDate { rule: RuleKind },
    /// No version of the rule covers the year (HNTE before 2008, SME before 2017, …).
    NoRuleVersion { rule: RuleKind, year: i32 },
    /// `as_of` lies outside `sme_evaluation_year`.
    EvaluationYearConflict { as_of: Date, year: i32 },
    /// An expert score lies outside the band the data allows (§0.2: reject the input).
    ExpertScoreOutsideBand { key: &'static str, score: u8, min: u32, max: u32 },
}

impl RuleError {
    /// The stable i18n key, e.g. `rules.expert_score_outside_band`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::Input(error) => error.code(),
            RuleError::UnknownRule { .. } => "rules.unknown_rule",
            RuleError::InvalidDate { .. } => "rules.invalid_date",
            RuleError::NoEvaluationDate { .. } => "rules.no_evaluation_date",
            RuleError::NoRuleVersion { .. } => "rules.no_rule_version",
            RuleError::EvaluationYearConflict { .. } => "rules.evaluation_year_conflict",
            RuleError::ExpertScoreOutsideBand { .. } => "rules.expert_score_outside_band",
        }
    }
}

impl RuleError {
    /// The named arguments of the message template, e.g. `[("value", "hte")]`.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            RuleError::Input(error) => error.args(),
            RuleError::UnknownRule { value } | RuleError::InvalidDate { value } => vec![("value", value.clone())],
            RuleError::NoEvaluationDate { rule } => {
                let fields = match rule {
                    RuleKind::Hnte => "hnte_application_date or as_of",
                    RuleKind::Sme => "sme_evaluation_year or as_of",
                    RuleKind::SuperDeduction => "tax_year or as_of",
                    RuleKind::HunanReward => "award_year or as_of",
                };
                vec![
                    ("rule", rule.as_str().to_owned()),
                    ("rule_zh", rule.name_zh().to_owned()),
                    ("fields", fields.to_owned()),
                ]
            }
            RuleError::NoRuleVersion { rule, year } => {
                let versions: Vec<String> = RULE_VERSIONS
                    .iter()
                    .filter(|version| version.rule == *rule)
                    .map(|version| format!("{} {}", version.id, iso(version.effective_from)))
                    .collect();
                vec![
                    ("rule", rule.as_str().to_owned()),
                    ("rule_zh", rule.name_zh().to_owned()),
                    ("year", year.to_string()),
                    ("versions", versions.join(", ")),
                ]
            }
            RuleError::EvaluationYearConflict { as_of, year } => {
                vec![("as_of", iso(*as_of)), ("year", year.to_string())]
            }
            RuleError::ExpertScoreOutsideBand { key, score, min, max } => vec![
                ("key", (*key).to_owned()),
                ("score", score.to_string()),
                ("min", min.to_string()),
                ("max", max.to_string()),
            ],
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arg = |name: &str| {
            self.args().into_iter().find(|(key, _)| *key == name).map(|(_, value)| value).unwrap_or_default()
        };
        match self {
            RuleError::Input(error) => write!(f, "{error}"),
            RuleError::UnknownRule { value } => {
                write!(f, "Rule \"{value}\" is not recognised; accepted: hnte, sme, super-deduction, hunan-reward.")
            }
            RuleError::InvalidDate { value } => {
                write!(f, "Date \"{value}\" is not a date; accepted form: YYYY-MM-DD, e.g. 2025-06-15.")
            }
            RuleError::NoEvaluationDate { rule } => {
                write!(f, "No evaluation date for the {rule} rule; give --as-of, or {} in the input.", arg("fields"))
            }
            RuleError::NoRuleVersion { rule, year } => {
                write!(f, "No version of the {rule} rule covers {year}; the versions start: {}.", arg("versions"))
            }
            RuleError::EvaluationYearConflict { as_of, year } => write!(
                f,
                "The evaluation date {} is not in sme_evaluation_year {year}; give a date inside that year.",
                iso(*as_of)
            ),
            RuleError::ExpertScoreOutsideBand { key, score, min, max } => write!(
                f,
                "Expert score expert_scores.{key} = {score} lies outside the band the data allows, {min} to {max} \
                 (policy-rules.md §0.2); correct the score or the data."
            ),
        }
    }
}

impl std::error::Error for RuleError {}

impl From<InputError> for RuleError {
    fn from(error: InputError) -> Self {
        RuleError::Input(error)
    }
}

/// Parses an ISO date `YYYY-MM-DD` (the `--as-of` value); fails with `rules.invalid_date`.
pub fn parse_date(text: &str) -> Result<Date, RuleError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, format).map_err(|_| RuleError::InvalidDate { value: text.to_owned() })
}

/// Evaluates `rule` for the firm `input`, on the date `as_of` if given (otherwise the date or
/// year the input carries: `hnte_application_date`, `sme_evaluation_year`, `tax_year`,
/// `award_year`, `as_of`).
///
/// Returns the evaluation, whose outcome may be `unknown` when data is missing. Fails when
/// the input is out of range, no date is known, no rule version covers the date, or an
/// expert score lies outside its computed band. For many firms, [`Evaluator`] reuses memory.
pub fn evaluate(rule: RuleKind, input: &FirmInput, as_of: Option<Date>) -> Result<Evaluation, RuleError> {
    Evaluator::new().evaluate(rule, input, as_of)
}

/// Evaluates every rule (in [`RuleKind::ALL`] order) for one firm; checks the input once.
/// Fails only when the input is out of range; each rule's own failure is in its slot.
pub fn evaluate_all(input: &FirmInput, as_of: Option<Date>) -> Result<[Result<Evaluation, RuleError>; 4], RuleError> {
    Evaluator::new().evaluate_all(input, as_of)
}

/// Evaluates many firms without allocating once warm: hand each finished [`Evaluation`] back
/// with [`Evaluator::recycle`] and its buffers serve the next one. Results are the same as
/// [`evaluate`]'s.
#[derive(Debug, Default)]
pub struct Evaluator {
    pool: Option<Box<Pool>>,
    skip_inputs: bool,
}

impl Evaluator {
    #[must_use]
    pub fn new() -> Evaluator {
        Evaluator::default()
    }

    /// An evaluator whose results leave each condition's `inputs` empty; everything else
    /// (outcomes, values, thresholds, missing data, gaps, scores, notes) is the same. For
    /// batches over the register, where the firm's own figures are at hand anyway.
    #[must_use]
    pub fn without_inputs() -> Evaluator {
        Evaluator { pool: None, skip_inputs: true }
    }

    /// As [`evaluate`].
    pub fn evaluate(
        &mut self,
        rule: RuleKind,
        input: &FirmInput,
        as_of: Option<Date>,
    ) -> Result<Evaluation, RuleError> {
        input.check()?;
        self.evaluate_checked(rule, input, as_of)
    }

    /// As [`evaluate_all`].
    pub fn evaluate_all(
        &mut self,
        input: &FirmInput,
        as_of: Option<Date>,
    ) -> Result<[Result<Evaluation, RuleError>; 4], RuleError> {
        input.check()?;
        Ok(RuleKind::ALL.map(|rule| self.evaluate_checked(rule, input, as_of)))
    }

    /// Takes the buffers of a finished evaluation back for the next ones.
    pub fn recycle(&mut self, evaluation: Evaluation) {
        self.pool.get_or_insert_with(Box::default).recycle(evaluation);
    }

    fn evaluate_checked(
        &mut self,
        rule: RuleKind,
        input: &FirmInput,
        as_of: Option<Date>,
    ) -> Result<Evaluation, RuleError> {
        let skip_inputs = self.skip_inputs;
        // A rule that failed midway kept the pool: start a new one with the same setting.
        self.pool.get_or_insert_with(|| Box::new(Pool { skip_inputs, ..Pool::default() }));
        let pool = &mut self.pool;
        match rule {
            RuleKind::Hnte => hnte::evaluate(input, as_of, pool),
            RuleKind::Sme => sme::evaluate(input, as_of, pool),
            RuleKind::SuperDeduction => super_deduction::evaluate(input, as_of, pool),
            RuleKind::HunanReward => hunan::evaluate(input, as_of, pool),
        }
    }
}

#[cfg(test)]
mod tests;

//! S&T activity registries: awards (科技奖励), technology contracts (技术合同), tech-finance
//! loans (科技金融贷款) and popularisation and other events (科普与活动).
//!
//! - Closed lists ([`AwardCategory`], [`AwardGrade`], [`ContractKind`], [`LoanScheme`],
//!   [`LoanStatus`], [`LoanEventKind`], [`EventKind`]) with their snake_case code (storage, API)
//!   and their names in both languages; `parse` accepts the code or the Chinese name, as import
//!   files carry either. [`parse_level`] does the same for [`Level`].
//! - The rules every record obeys, one function each, each with its own test: [`check_year`],
//!   [`check_date`], [`check_amount`], [`check_technical_income`], [`check_term`],
//!   [`check_event_span`], [`check_participants`], [`check_required`], and
//!   [`loan_status_after`] for the life of a loan.
//!
//! # Error codes
//!
//! Each [`ActivityError`] has a stable i18n key ([`ActivityError::code`]) and named arguments
//! ([`ActivityError::args`]). Message templates for the locale files; the English one is exactly
//! what `Display` prints (a unit test checks this table against the code). Amounts are plain
//! yuan (`1234.50`), dates `YYYY-MM-DD`.
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `activity.unknown_code` | {list_en} "{value}" is not recognised; accepted: {accepted_en}. | {list_zh}“{value}”无法识别；可接受：{accepted_zh}。 |
//! | `activity.invalid_year` | Year "{value}" is not a year; write four digits, e.g. 2021. | 年度“{value}”不是有效年份；请填写四位数字，如 2021。 |
//! | `activity.year_out_of_range` | Year {year} is out of range; accepted years are 1978 to 2100. | 年度 {year} 超出范围；应在 1978 至 2100 之间。 |
//! | `activity.date_out_of_range` | Date {date} is out of range; accepted dates lie in the years 1978 to 2100. | 日期 {date} 超出范围；应在 1978 年至 2100 年之间。 |
//! | `activity.amount_not_positive` | The amount is {value} yuan; it must be more than 0. | 金额为 {value} 元，必须大于 0。 |
//! | `activity.negative_technical_income` | The technical income is {value} yuan; it cannot be negative. | 技术性收入为 {value} 元，不能为负数。 |
//! | `activity.income_exceeds_amount` | The technical income ({income} yuan) is more than the contract amount ({amount} yuan); it is a part of the amount and cannot exceed it. | 技术性收入（{income} 元）大于合同成交金额（{amount} 元）；技术性收入是成交金额的一部分，不能超过成交金额。 |
//! | `activity.due_not_after_start` | The due date {due} is not after the start date {start}; a loan falls due after it starts. | 到期日期 {due} 不晚于放款日期 {start}；到期日期必须晚于放款日期。 |
//! | `activity.end_before_start` | The end date {end} is before the start date {start}; the last day cannot come before the first. | 结束日期 {end} 早于开始日期 {start}；结束日期不能早于开始日期。 |
//! | `activity.invalid_count` | "{value}" is not a whole number of people; write digits, e.g. 120. | “{value}”不是有效的人数；请填写整数，如 120。 |
//! | `activity.negative_participants` | The number of participants is {value}; it cannot be negative. | 参与人数为 {value}，不能为负数。 |
//! | `activity.required` | This field is required; it is empty. | 此项为必填项，不能为空。 |
//! | `activity.loan_event_not_allowed` | A {kind_en} cannot be recorded on a loan that is {status_en}; a default needs an active loan, a compensation a defaulted one, and a repaid loan takes no further events. | 状态为“{status_zh}”的贷款不能登记“{kind_zh}”；登记违约需贷款处于正常状态，登记代偿需贷款已违约，已还清的贷款不能再登记事项。 |
//! | `activity.loan_event_before_start` | The event date {date} is before the loan started on {start}. | 事项日期 {date} 早于放款日期 {start}。 |

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::money::Money;
use crate::registry::Level;

/// The first year a record may belong to (the National Science Conference of 1978 restored the
/// awards; no registry of the bureau goes back further).
pub const FIRST_YEAR: i32 = 1978;
/// The last year a record may belong to.
pub const LAST_YEAR: i32 = 2100;

/// Declares a closed list: the enum, `ALL`, `as_str` (the stable code), `name_zh`, `name_en`,
/// `parse` (code or Chinese name), `Display` and serde through the code. One table per list, so
/// code and names cannot drift apart.
macro_rules! code_list {
    (
        $(#[$meta:meta])*
        $name:ident ($list:literal, $list_zh:literal, $list_en:literal) {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal, $zh:literal, $en:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in the order users see them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable snake_case code used in storage and the API.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The name users see in Chinese.
            #[must_use]
            pub fn name_zh(self) -> &'static str {
                match self {
                    $($name::$variant => $zh,)+
                }
            }

            /// The name in English.
            #[must_use]
            pub fn name_en(self) -> &'static str {
                match self {
                    $($name::$variant => $en,)+
                }
            }

            /// Parses the code or the Chinese name; fails with `activity.unknown_code`, listing
            /// what is accepted.
            pub fn parse(input: &str) -> Result<$name, ActivityError> {
                $name::ALL.iter().copied().find(|v| v.as_str() == input || v.name_zh() == input).ok_or_else(|| {
                    ActivityError::unknown_code(
                        ($list, $list_zh, $list_en),
                        input,
                        $name::ALL.iter().map(|v| (v.as_str(), v.name_zh(), v.name_en())),
                    )
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

code_list! {
    /// The category of an S&T award (奖励类别).
    AwardCategory ("award_category", "奖励类别", "Award category") {
        NaturalScience = "natural_science", "自然科学奖", "natural science award";
        TechnologicalInvention = "technological_invention", "技术发明奖", "technological invention award";
        StProgress = "st_progress", "科技进步奖", "S&T progress award";
        InternationalCooperation = "international_cooperation", "国际科技合作奖", "international S&T cooperation award";
        Personal = "personal", "个人奖", "personal award";
        Other = "other", "其他", "other";
    }
}

code_list! {
    /// The grade of an award (等级); some awards have none.
    AwardGrade ("award_grade", "奖励等级", "Award grade") {
        Special = "special", "特等奖", "special prize";
        First = "first", "一等奖", "first prize";
        Second = "second", "二等奖", "second prize";
        Third = "third", "三等奖", "third prize";
        /// Awards without grades (e.g. most personal awards).
        Ungraded = "none", "无等级", "no grade";
    }
}

code_list! {
    /// The kind of a registered technology contract (合同类别).
    ContractKind ("contract_kind", "合同类别", "Contract kind") {
        Development = "development", "技术开发", "technology development";
        Transfer = "transfer", "技术转让", "technology transfer";
        Consulting = "consulting", "技术咨询", "technical consulting";
        Service = "service", "技术服务", "technical service";
    }
}

code_list! {
    /// The tech-finance scheme a loan belongs to (贷款类型).
    LoanScheme ("loan_scheme", "贷款类型", "Loan scheme") {
        KnowledgeValueLoan = "knowledge_value_loan", "知识价值信用贷款", "knowledge-value credit loan";
        LoanRiskPool = "loan_risk_pool", "科技信贷风险补偿", "S&T loan risk compensation";
        IpPledgeLoan = "ip_pledge_loan", "知识产权质押贷款", "IP pledge loan";
        Other = "other", "其他", "other";
    }
}

code_list! {
    /// Where a loan stands (贷款状态).
    LoanStatus ("loan_status", "贷款状态", "Loan status") {
        Active = "active", "正常", "active";
        Repaid = "repaid", "已还清", "repaid";
        Defaulted = "defaulted", "已违约", "defaulted";
        /// The risk pool has paid the bank its share of the loss.
        Compensated = "compensated", "已代偿", "compensated";
    }
}

code_list! {
    /// Something that happened to a loan (贷款事项), with a date and an amount.
    LoanEventKind ("loan_event_kind", "贷款事项", "Loan event") {
        Default = "default", "违约", "default";
        Compensation = "compensation", "风险补偿代偿", "compensation";
        Repayment = "repayment", "还款", "repayment";
    }
}

code_list! {
    /// The kind of a popularisation or other S&T event (活动类型).
    EventKind ("event_kind", "活动类型", "Event kind") {
        StWeek = "st_week", "科技活动周", "S&T week";
        Popularisation = "popularisation", "科普进校园/进社区", "popularisation in schools and communities";
        Countryside = "countryside", "科技下乡", "S&T to the countryside";
        Lecture = "lecture", "创新讲堂", "innovation lecture";
        Conference = "conference", "会议/论坛", "conference or forum";
        Training = "training", "培训", "training";
        Other = "other", "其他", "other";
    }
}

/// Parses a level by its code (`national`) or its Chinese name (`国家级`); fails with
/// `activity.unknown_code`.
pub fn parse_level(input: &str) -> Result<Level, ActivityError> {
    Level::ALL.into_iter().find(|l| l.as_str() == input || l.name_zh() == input).ok_or_else(|| {
        ActivityError::unknown_code(
            ("level", "级别", "Level"),
            input,
            Level::ALL.into_iter().map(|l| (l.as_str(), l.name_zh(), l.name_en())),
        )
    })
}

/// A year of a record: [`FIRST_YEAR`] to [`LAST_YEAR`]; fails with `activity.year_out_of_range`.
pub fn check_year(year: i32) -> Result<i32, ActivityError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(ActivityError::YearOutOfRange { year })
    }
}

/// Parses a year written as four digits and checks it with [`check_year`]; fails with
/// `activity.invalid_year` for anything else.
pub fn parse_year(input: &str) -> Result<i32, ActivityError> {
    let year = if input.len() == 4 && input.bytes().all(|b| b.is_ascii_digit()) { input.parse().ok() } else { None };
    check_year(year.ok_or_else(|| ActivityError::InvalidYear { value: input.to_owned() })?)
}

/// A date of a record must lie in a year [`check_year`] accepts; fails with
/// `activity.date_out_of_range` (a typo such as 0202-03-05 is caught here).
pub fn check_date(date: Date) -> Result<Date, ActivityError> {
    check_year(date.year()).map(|_| date).map_err(|_| ActivityError::DateOutOfRange { date })
}

/// A contract, loan or loan-event amount is more than zero; fails with
/// `activity.amount_not_positive`.
pub fn check_amount(amount: Money) -> Result<Money, ActivityError> {
    if amount > Money::ZERO {
        Ok(amount)
    } else {
        Err(ActivityError::AmountNotPositive { value: amount })
    }
}

/// The technical income of a contract (技术性收入) is part of its amount: from zero to the
/// amount. Fails with `activity.negative_technical_income` or `activity.income_exceeds_amount`.
pub fn check_technical_income(income: Money, amount: Money) -> Result<Money, ActivityError> {
    if income.is_negative() {
        Err(ActivityError::NegativeTechnicalIncome { value: income })
    } else if income > amount {
        Err(ActivityError::IncomeExceedsAmount { income, amount })
    } else {
        Ok(income)
    }
}

/// A loan falls due strictly after it starts; fails with `activity.due_not_after_start`.
pub fn check_term(start: Date, due: Date) -> Result<(), ActivityError> {
    if due > start {
        Ok(())
    } else {
        Err(ActivityError::DueNotAfterStart { start, due })
    }
}

/// An event's last day, if given, is not before its first (one-day events have none or the same
/// day); fails with `activity.end_before_start`.
pub fn check_event_span(start: Date, end: Option<Date>) -> Result<(), ActivityError> {
    match end {
        Some(end) if end < start => Err(ActivityError::EndBeforeStart { start, end }),
        _ => Ok(()),
    }
}

/// A number of participants is zero or more; fails with `activity.negative_participants`.
pub fn check_participants(count: i64) -> Result<i64, ActivityError> {
    if count >= 0 {
        Ok(count)
    } else {
        Err(ActivityError::NegativeParticipants { value: count })
    }
}

/// Parses a number of participants (digits, with an optional leading minus that
/// [`check_participants`] then refuses); fails with `activity.invalid_count` for anything else.
pub fn parse_participants(input: &str) -> Result<i64, ActivityError> {
    check_participants(input.parse::<i64>().map_err(|_| ActivityError::InvalidCount { value: input.to_owned() })?)
}

/// Free text that must be there (a title, a contract number, a bank): trimmed, and not empty;
/// fails with `activity.required`.
pub fn check_required(text: &str) -> Result<String, ActivityError> {
    let text = text.trim();
    if text.is_empty() {
        Err(ActivityError::Required)
    } else {
        Ok(text.to_owned())
    }
}

/// The status of a loan after an event, given the amount repaid so far (this event included) and
/// the loan's amount:
/// - a default needs an active loan and makes it defaulted;
/// - a compensation (the risk pool paying the bank) needs a defaulted or already compensated loan
///   and makes it compensated;
/// - a repayment is accepted on any loan not yet repaid; an active loan repaid in full becomes
///   repaid, a defaulted or compensated one keeps its status (recoveries do not undo a default).
///
/// Fails with `activity.loan_event_not_allowed` naming the event and the status.
pub fn loan_status_after(
    status: LoanStatus,
    event: LoanEventKind,
    repaid: Money,
    amount: Money,
) -> Result<LoanStatus, ActivityError> {
    let refused = Err(ActivityError::LoanEventNotAllowed { kind: event, status });
    match (event, status) {
        (_, LoanStatus::Repaid) => refused,
        (LoanEventKind::Default, LoanStatus::Active) => Ok(LoanStatus::Defaulted),
        (LoanEventKind::Compensation, LoanStatus::Defaulted | LoanStatus::Compensated) => Ok(LoanStatus::Compensated),
        (LoanEventKind::Repayment, LoanStatus::Active) if repaid >= amount => Ok(LoanStatus::Repaid),
        (LoanEventKind::Repayment, s) => Ok(s),
        (LoanEventKind::Default | LoanEventKind::Compensation, _) => refused,
    }
}

/// An event on a loan happens on or after the day it started; fails with
/// `activity.loan_event_before_start`.
pub fn check_loan_event_date(start: Date, date: Date) -> Result<(), ActivityError> {
    if date >= start {
        Ok(())
    } else {
        Err(ActivityError::LoanEventBeforeStart { start, date })
    }
}

/// Why a value of an activity record was refused. See the module docs for the message
/// templates of each [`code`](ActivityError::code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivityError {
    /// A value outside one of the closed lists.
    UnknownCode {
        /// The list's code, e.g. `award_grade`.
        list: &'static str,
        list_zh: &'static str,
        list_en: &'static str,
        value: String,
        accepted_zh: String,
        accepted_en: String,
    },
    InvalidYear {
        value: String,
    },
    YearOutOfRange {
        year: i32,
    },
    DateOutOfRange {
        date: Date,
    },
    AmountNotPositive {
        value: Money,
    },
    NegativeTechnicalIncome {
        value: Money,
    },
    IncomeExceedsAmount {
        income: Money,
        amount: Money,
    },
    DueNotAfterStart {
        start: Date,
        due: Date,
    },
    EndBeforeStart {
        start: Date,
        end: Date,
    },
    InvalidCount {
        value: String,
    },
    NegativeParticipants {
        value: i64,
    },
    Required,
    LoanEventNotAllowed {
        kind: LoanEventKind,
        status: LoanStatus,
    },
    LoanEventBeforeStart {
        start: Date,
        date: Date,
    },
}

impl ActivityError {
    fn unknown_code<'a>(
        (list, list_zh, list_en): (&'static str, &'static str, &'static str),
        value: &str,
        accepted: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> ActivityError {
        let (zh, en): (Vec<String>, Vec<String>) =
            accepted.map(|(code, zh, en)| (format!("{code}（{zh}）"), format!("{code} ({en})"))).unzip();
        ActivityError::UnknownCode {
            list,
            list_zh,
            list_en,
            value: value.to_owned(),
            accepted_zh: zh.join("、"),
            accepted_en: en.join(", "),
        }
    }

    /// The stable i18n key of this error, e.g. `activity.income_exceeds_amount`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ActivityError::UnknownCode { .. } => "activity.unknown_code",
            ActivityError::InvalidYear { .. } => "activity.invalid_year",
            ActivityError::YearOutOfRange { .. } => "activity.year_out_of_range",
            ActivityError::DateOutOfRange { .. } => "activity.date_out_of_range",
            ActivityError::AmountNotPositive { .. } => "activity.amount_not_positive",
            ActivityError::NegativeTechnicalIncome { .. } => "activity.negative_technical_income",
            ActivityError::IncomeExceedsAmount { .. } => "activity.income_exceeds_amount",
            ActivityError::DueNotAfterStart { .. } => "activity.due_not_after_start",
            ActivityError::EndBeforeStart { .. } => "activity.end_before_start",
            ActivityError::InvalidCount { .. } => "activity.invalid_count",
            ActivityError::NegativeParticipants { .. } => "activity.negative_participants",
            ActivityError::Required => "activity.required",
            ActivityError::LoanEventNotAllowed { .. } => "activity.loan_event_not_allowed",
            ActivityError::LoanEventBeforeStart { .. } => "activity.loan_event_before_start",
        }
    }

    /// The named arguments of the message template.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            ActivityError::UnknownCode { list, list_zh, list_en, value, accepted_zh, accepted_en } => vec![
                ("list", (*list).to_owned()),
                ("list_zh", (*list_zh).to_owned()),
                ("list_en", (*list_en).to_owned()),
                ("value", value.clone()),
                ("accepted_zh", accepted_zh.clone()),
                ("accepted_en", accepted_en.clone()),
            ],
            ActivityError::InvalidYear { value } | ActivityError::InvalidCount { value } => {
                vec![("value", value.clone())]
            }
            ActivityError::YearOutOfRange { year } => vec![("year", year.to_string())],
            ActivityError::DateOutOfRange { date } => vec![("date", date.to_string())],
            ActivityError::AmountNotPositive { value } | ActivityError::NegativeTechnicalIncome { value } => {
                vec![("value", value.to_string())]
            }
            ActivityError::IncomeExceedsAmount { income, amount } => {
                vec![("income", income.to_string()), ("amount", amount.to_string())]
            }
            ActivityError::DueNotAfterStart { start, due } => {
                vec![("start", start.to_string()), ("due", due.to_string())]
            }
            ActivityError::EndBeforeStart { start, end } => {
                vec![("start", start.to_string()), ("end", end.to_string())]
            }
            ActivityError::NegativeParticipants { value } => vec![("value", value.to_string())],
            ActivityError::Required => Vec::new(),
            ActivityError::LoanEventNotAllowed { kind, status } => vec![
                ("kind", kind.as_str().to_owned()),
                ("kind_zh", kind.name_zh().to_owned()),
                ("kind_en", kind.name_en().to_owned()),
                ("status", status.as_str().to_owned()),
                ("status_zh", status.name_zh().to_owned()),
                ("status_en", status.name_en().to_owned()),
            ],
            ActivityError::LoanEventBeforeStart { start, date } => {
                vec![("start", start.to_string()), ("date", date.to_string())]
            }
        }
    }
}

impl fmt::Display for ActivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActivityError::UnknownCode { list_en, value, accepted_en, .. } => {
                write!(f, "{list_en} \"{value}\" is not recognised; accepted: {accepted_en}.")
            }
            ActivityError::InvalidYear { value } => {
                write!(f, "Year \"{value}\" is not a year; write four digits, e.g. 2021.")
            }
            ActivityError::YearOutOfRange { year } => {
                write!(f, "Year {year} is out of range; accepted years are {FIRST_YEAR} to {LAST_YEAR}.")
            }
            ActivityError::DateOutOfRange { date } => {
                write!(f, "Date {date} is out of range; accepted dates lie in the years {FIRST_YEAR} to {LAST_YEAR}.")
            }
            ActivityError::AmountNotPositive { value } => {
                write!(f, "The amount is {value} yuan; it must be more than 0.")
            }
            ActivityError::NegativeTechnicalIncome { value } => {
                write!(f, "The technical income is {value} yuan; it cannot be negative.")
            }
            ActivityError::IncomeExceedsAmount { income, amount } => write!(
                f,
                "The technical income ({income} yuan) is more than the contract amount ({amount} yuan); it is a \
                 part of the amount and cannot exceed it."
            ),
            ActivityError::DueNotAfterStart { start, due } => {
                write!(f, "The due date {due} is not after the start date {start}; a loan falls due after it starts.")
            }
            ActivityError::EndBeforeStart { start, end } => write!(
                f,
                "The end date {end} is before the start date {start}; the last day cannot come before the first."
            ),
            ActivityError::InvalidCount { value } => {
                write!(f, "\"{value}\" is not a whole number of people; write digits, e.g. 120.")
            }
            ActivityError::NegativeParticipants { value } => {
                write!(f, "The number of participants is {value}; it cannot be negative.")
            }
            ActivityError::Required => f.write_str("This field is required; it is empty."),
            ActivityError::LoanEventNotAllowed { kind, status } => write!(
                f,
                "A {} cannot be recorded on a loan that is {}; a default needs an active loan, a compensation a \
                 defaulted one, and a repaid loan takes no further events.",
                kind.name_en(),
                status.name_en()
            ),
            ActivityError::LoanEventBeforeStart { start, date } => {
                write!(f, "The event date {date} is before the loan started on {start}.")
            }
        }
    }
}

impl std::error::Error for ActivityError {}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    fn yuan(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    // --- closed lists ---------------------------------------------------------------

    #[test]
    fn lists_parse_their_codes_and_chinese_names() {
        assert_eq!(AwardCategory::parse("st_progress"), Ok(AwardCategory::StProgress));
        assert_eq!(AwardCategory::parse("科技进步奖"), Ok(AwardCategory::StProgress));
        assert_eq!(AwardGrade::parse("一等奖"), Ok(AwardGrade::First));
        assert_eq!(AwardGrade::parse("none"), Ok(AwardGrade::Ungraded));
        assert_eq!(ContractKind::parse("技术转让"), Ok(ContractKind::Transfer));
        assert_eq!(LoanScheme::parse("知识价值信用贷款"), Ok(LoanScheme::KnowledgeValueLoan));
        assert_eq!(LoanStatus::parse("compensated"), Ok(LoanStatus::Compensated));
        assert_eq!(LoanEventKind::parse("还款"), Ok(LoanEventKind::Repayment));
        assert_eq!(EventKind::parse("科技下乡"), Ok(EventKind::Countryside));
        assert_eq!(parse_level("省级"), Ok(Level::Provincial));
        assert_eq!(parse_level("municipal"), Ok(Level::Municipal));
    }

    #[test]
    fn every_list_round_trips_and_has_distinct_codes_and_names() {
        fn check<T: Copy + PartialEq + fmt::Debug>(
            all: &[T],
            code: fn(T) -> &'static str,
            zh: fn(T) -> &'static str,
            parse: fn(&str) -> Result<T, ActivityError>,
        ) {
            let codes: BTreeSet<_> = all.iter().map(|v| code(*v)).collect();
            let names: BTreeSet<_> = all.iter().map(|v| zh(*v)).collect();
            assert_eq!((codes.len(), names.len()), (all.len(), all.len()));
            for v in all {
                assert_eq!(parse(code(*v)), Ok(*v));
                assert_eq!(parse(zh(*v)), Ok(*v));
            }
        }
        check(AwardCategory::ALL, AwardCategory::as_str, AwardCategory::name_zh, AwardCategory::parse);
        check(AwardGrade::ALL, AwardGrade::as_str, AwardGrade::name_zh, AwardGrade::parse);
        check(ContractKind::ALL, ContractKind::as_str, ContractKind::name_zh, ContractKind::parse);
        check(LoanScheme::ALL, LoanScheme::as_str, LoanScheme::name_zh, LoanScheme::parse);
        check(LoanStatus::ALL, LoanStatus::as_str, LoanStatus::name_zh, LoanStatus::parse);
        check(LoanEventKind::ALL, LoanEventKind::as_str, LoanEventKind::name_zh, LoanEventKind::parse);
        check(EventKind::ALL, EventKind::as_str, EventKind::name_zh, EventKind::parse);
    }

    #[test]
    fn unknown_values_list_what_is_accepted() {
        let e = AwardGrade::parse("1等").unwrap_err();
        assert_eq!(e.code(), "activity.unknown_code");
        let args = e.args();
        let arg = |k: &str| args.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(arg("list"), "award_grade");
        assert_eq!(arg("value"), "1等");
        assert!(arg("accepted_zh").contains("first（一等奖）"));
        assert!(e.to_string().contains("none (no grade)"), "{e}");
        assert_eq!(parse_level("区级").unwrap_err().args()[0].1, "level");
    }

    #[test]
    fn codes_are_case_sensitive_and_untrimmed() {
        assert!(ContractKind::parse("Transfer").is_err());
        assert!(ContractKind::parse(" transfer").is_err());
    }

    #[test]
    fn serde_uses_the_code() {
        assert_eq!(serde_json::to_string(&AwardGrade::Ungraded).unwrap(), "\"none\"");
        assert_eq!(serde_json::from_str::<EventKind>("\"st_week\"").unwrap(), EventKind::StWeek);
        assert!(serde_json::from_str::<EventKind>("\"week\"").is_err());
    }

    // --- rules ------------------------------------------------------------------------

    #[test]
    fn year_lies_between_1978_and_2100() {
        assert_eq!(check_year(1978), Ok(1978));
        assert_eq!(check_year(2100), Ok(2100));
        assert_eq!(check_year(1977), Err(ActivityError::YearOutOfRange { year: 1977 }));
        assert_eq!(check_year(2101), Err(ActivityError::YearOutOfRange { year: 2101 }));
    }

    #[test]
    fn year_text_is_four_digits() {
        assert_eq!(parse_year("2021"), Ok(2021));
        assert_eq!(parse_year("21"), Err(ActivityError::InvalidYear { value: "21".into() }));
        assert_eq!(parse_year("2021年"), Err(ActivityError::InvalidYear { value: "2021年".into() }));
        assert_eq!(parse_year("+202"), Err(ActivityError::InvalidYear { value: "+202".into() }));
        assert_eq!(parse_year("1900"), Err(ActivityError::YearOutOfRange { year: 1900 }));
    }

    #[test]
    fn dates_lie_in_accepted_years() {
        assert!(check_date(date!(2021 - 03 - 05)).is_ok());
        assert_eq!(
            check_date(date!(0202 - 03 - 05)),
            Err(ActivityError::DateOutOfRange { date: date!(0202 - 03 - 05) })
        );
    }

    #[test]
    fn amount_is_more_than_zero() {
        assert_eq!(check_amount(yuan("0.01")), Ok(yuan("0.01")));
        assert_eq!(check_amount(Money::ZERO), Err(ActivityError::AmountNotPositive { value: Money::ZERO }));
        assert!(check_amount(yuan("-5")).is_err());
    }

    #[test]
    fn technical_income_is_part_of_the_amount() {
        let amount = yuan("1000000");
        assert_eq!(check_technical_income(Money::ZERO, amount), Ok(Money::ZERO));
        assert_eq!(check_technical_income(amount, amount), Ok(amount));
        assert_eq!(
            check_technical_income(yuan("1000000.01"), amount),
            Err(ActivityError::IncomeExceedsAmount { income: yuan("1000000.01"), amount })
        );
        assert_eq!(
            check_technical_income(yuan("-1"), amount),
            Err(ActivityError::NegativeTechnicalIncome { value: yuan("-1") })
        );
    }

    #[test]
    fn loan_falls_due_after_it_starts() {
        assert!(check_term(date!(2021 - 03 - 05), date!(2022 - 03 - 04)).is_ok());
        assert_eq!(
            check_term(date!(2021 - 03 - 05), date!(2021 - 03 - 05)),
            Err(ActivityError::DueNotAfterStart { start: date!(2021 - 03 - 05), due: date!(2021 - 03 - 05) })
        );
    }

    #[test]
    fn event_ends_on_or_after_its_first_day() {
        let d = date!(2021 - 05 - 22);
        assert!(check_event_span(d, None).is_ok());
        assert!(check_event_span(d, Some(d)).is_ok());
        assert_eq!(
            check_event_span(d, Some(date!(2021 - 05 - 21))),
            Err(ActivityError::EndBeforeStart { start: d, end: date!(2021 - 05 - 21) })
        );
    }

    #[test]
    fn participants_are_zero_or_more() {
        assert_eq!(check_participants(0), Ok(0));
        assert_eq!(check_participants(-1), Err(ActivityError::NegativeParticipants { value: -1 }));
        assert_eq!(parse_participants("120"), Ok(120));
        assert_eq!(parse_participants("-3"), Err(ActivityError::NegativeParticipants { value: -3 }));
        assert_eq!(parse_participants("约100"), Err(ActivityError::InvalidCount { value: "约100".into() }));
    }

    #[test]
    fn required_text_is_trimmed_and_not_empty() {
        assert_eq!(check_required("  湖南光召科技奖 "), Ok("湖南光召科技奖".to_owned()));
        assert_eq!(check_required(" \t"), Err(ActivityError::Required));
    }

    #[test]
    fn loan_status_follows_its_events() {
        let amount = yuan("1000000");
        let part = yuan("400000");
        use LoanEventKind as E;
        use LoanStatus as S;
        assert_eq!(loan_status_after(S::Active, E::Repayment, part, amount), Ok(S::Active));
        assert_eq!(loan_status_after(S::Active, E::Repayment, amount, amount), Ok(S::Repaid));
        assert_eq!(loan_status_after(S::Active, E::Default, part, amount), Ok(S::Defaulted));
        assert_eq!(loan_status_after(S::Defaulted, E::Compensation, part, amount), Ok(S::Compensated));
        assert_eq!(loan_status_after(S::Compensated, E::Compensation, part, amount), Ok(S::Compensated));
        assert_eq!(loan_status_after(S::Compensated, E::Repayment, amount, amount), Ok(S::Compensated));
        assert_eq!(
            loan_status_after(S::Active, E::Compensation, part, amount),
            Err(ActivityError::LoanEventNotAllowed { kind: E::Compensation, status: S::Active })
        );
        assert!(loan_status_after(S::Defaulted, E::Default, part, amount).is_err());
        assert!(loan_status_after(S::Repaid, E::Repayment, amount, amount).is_err());
    }

    #[test]
    fn loan_events_are_not_before_the_start() {
        let start = date!(2021 - 03 - 05);
        assert!(check_loan_event_date(start, start).is_ok());
        assert_eq!(
            check_loan_event_date(start, date!(2021 - 03 - 04)),
            Err(ActivityError::LoanEventBeforeStart { start, date: date!(2021 - 03 - 04) })
        );
    }

    // --- messages ---------------------------------------------------------------------

    /// Every variant has a template row in the module docs whose English text, filled in with
    /// `args()`, is exactly the `Display` output, and whose Chinese text uses only named
    /// arguments that `args()` provides.
    #[test]
    fn module_doc_templates_match_display_and_args() {
        let samples = [
            AwardCategory::parse("x").unwrap_err(),
            parse_year("x").unwrap_err(),
            check_year(1900).unwrap_err(),
            check_date(date!(0202 - 01 - 01)).unwrap_err(),
            check_amount(Money::ZERO).unwrap_err(),
            check_technical_income(yuan("-1"), yuan("1")).unwrap_err(),
            check_technical_income(yuan("2"), yuan("1")).unwrap_err(),
            check_term(date!(2021 - 01 - 02), date!(2021 - 01 - 01)).unwrap_err(),
            check_event_span(date!(2021 - 01 - 02), Some(date!(2021 - 01 - 01))).unwrap_err(),
            parse_participants("x").unwrap_err(),
            check_participants(-1).unwrap_err(),
            check_required("").unwrap_err(),
            loan_status_after(LoanStatus::Repaid, LoanEventKind::Default, Money::ZERO, yuan("1")).unwrap_err(),
            check_loan_event_date(date!(2021 - 01 - 02), date!(2021 - 01 - 01)).unwrap_err(),
        ];
        crate::message_table::assert_doc_table_matches(
            include_str!("activity.rs"),
            &samples,
            ActivityError::code,
            ActivityError::args,
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(input in "\\PC{0,20}") {
            let _ = AwardCategory::parse(&input);
            let _ = parse_level(&input);
            let _ = parse_year(&input);
            let _ = parse_participants(&input);
        }

        #[test]
        fn technical_income_within_amount_is_accepted(amount in 1i64..i64::MAX, share in 0u32..=100) {
            let income = i64::try_from(i128::from(amount) * i128::from(share) / 100).unwrap();
            prop_assert!(check_technical_income(Money::from_fen(income), Money::from_fen(amount)).is_ok());
        }
    }
}

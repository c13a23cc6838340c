//! Hunan provincial R&D reward (湖南省企业研发财政奖补): `policy-rules.md` §5.
//!
//! Both schemes are known only from news reports (§5, §7.16), so every result is tagged low
//! confidence and carries the notes of §5.3.
//!
//! - 2018 scheme (§5.1): firms registered in Hunan, independent legal persons, with an R&D
//!   reserve fund filed and the super-deduction claimed; 10% of the increase of the
//!   tax-checked super-deductible R&D, capped at 5,000,000 (10,000,000 for HNTEs and firms
//!   with a provincial-or-higher R&D platform; draft figures).
//! - 2022 scheme (§5.2): 12% of the increase for firms in the province's key high-tech
//!   fields, 8% for others; nothing below 200,000; capped at 10,000,000.
//!
//! Award year `N` (`award_year`, or the year of the evaluation date): the increase is
//! `sd_base_assessed[N-1] - sd_base_assessed[N-2]` (the "base" reading of §5.3). The engine
//! applies the 2018 scheme to award years 2018-2022 and the 2022 scheme from 2023 (the 2022
//! measures were reported in October 2022; the switch is a judgement \[L\]).

use time::{Date, Month};

use super::arith::{div_ceil, div_round, Ratio};
use super::input::{FirmInput, InstitutionLevel};
use super::{
    version_for_year, year_flag, year_money, Change, Check, Cmp, CondId, Evaluation, FieldRef, GapOption, NoteKind,
    Pool, RuleError, RuleKind, Step, Threshold, Value,
};
use crate::money::Money;

/// §5.2: no award when the computed amount is below 200,000 yuan (in fen).
const FLOOR_FEN: i128 = 20_000_000;
/// §5.1, §5.2: caps in fen.
const CAP_HIGH_FEN: i128 = 1_000_000_000;
const CAP_LOW_FEN: i128 = 500_000_000;

fn money(fen: i128) -> Money {
    Money::from_fen(i64::try_from(fen).unwrap_or(if fen < 0 { i64::MIN } else { i64::MAX }))
}

fn flag_is(value: Option<bool>, wanted: bool) -> Check {
    value.map_or(Check::Unknown, |flag| Check::from_bool(flag == wanted))
}

/// Evaluates the Hunan reward for award year `award_year` (else the year of the evaluation
/// date). The input must have been checked.
pub(crate) fn evaluate(
    input: &FirmInput,
    as_of: Option<Date>,
    pool: &mut Option<Box<Pool>>,
) -> Result<Evaluation, RuleError> {
    let date = as_of.or(input.as_of);
    let n =
        input.award_year.or(date.map(Date::year)).ok_or(RuleError::NoEvaluationDate { rule: RuleKind::HunanReward })?;
    let version = version_for_year(RuleKind::HunanReward, n)?;
    let scheme_2018 = version.id == "hunan-2018";
    let as_of = date
        .or_else(|| Date::from_calendar_date(n, Month::December, 31).ok())
        .ok_or(RuleError::NoRuleVersion { rule: RuleKind::HunanReward, year: n })?;
    let mut eval = Evaluation::start(RuleKind::HunanReward, version, as_of, n, pool);
    for note in [NoteKind::HunanNewsOnly, NoteKind::HunanIncrementBase, NoteKind::HunanSchemeSwitch] {
        eval.note(note);
    }
    eval.note(if scheme_2018 { NoteKind::Hunan2018Caps } else { NoteKind::Hunan2022Conditions });

    let mut conditions = eval.new_conditions();
    // HUNAN-E1: registered in Hunan (GB/T 2260 codes 43xxxx).
    let mut trace = eval.trace();
    let codes = [("province", &input.province), ("city", &input.city), ("county", &input.county)];
    let mut seen = false;
    let mut in_hunan = false;
    for (field, code) in codes {
        if let Some(code) = code {
            seen = true;
            in_hunan |= code.starts_with("43");
            trace.used(FieldRef::field(field), Value::Flag(code.starts_with("43")));
        }
    }
    if !seen {
        trace.miss(FieldRef::field("province"));
    }
    let outcome = if seen { Check::from_bool(in_hunan) } else { Check::Unknown };
    conditions.push(trace.condition(CondId::HunanE1, outcome, None, None, Vec::new()));

    // HUNAN-E2: an independent legal person.
    let mut trace = eval.trace();
    let branch = trace.bool("is_branch_without_legal_person", input.is_branch_without_legal_person);
    conditions.push(trace.condition(CondId::HunanE2, flag_is(branch, false), None, None, Vec::new()));

    // HUNAN-E3 (2018 only): an R&D reserve fund filed for N-1.
    if scheme_2018 {
        let mut trace = eval.trace();
        let filed = year_flag!(trace, input, rd_reserve_fund_filed, n - 1);
        conditions.push(trace.condition(CondId::HunanE3, flag_is(filed, true), None, None, Vec::new()));
    }

    // HUNAN-E4: the super-deduction was claimed for N-1 (a tax-checked base above zero).
    let mut trace = eval.trace();
    let latest = year_money!(trace, input, sd_base_assessed, n - 1).map(|amount| i128::from(amount.fen()));
    let claimed = latest.map_or(Check::Unknown, |base| Check::from_bool(base > 0));
    conditions.push(trace.condition(
        CondId::HunanE4,
        claimed,
        latest.map(|base| Value::Money(money(base))),
        Some(Threshold::new(Cmp::Gt, Value::Money(Money::ZERO))),
        Vec::new(),
    ));

    // HUNAN-A1: the increase over the previous year.
    let mut trace = eval.trace();
    let previous = year_money!(trace, input, sd_base_assessed, n - 2).map(|amount| i128::from(amount.fen()));
    if previous.is_none_or(|base| base == 0) {
        eval.note(NoteKind::HunanFirstTime);
    }
    let increment = latest.zip(previous).map(|(latest, previous)| latest - previous);
    let grows = increment.map_or(Check::Unknown, |increment| Check::from_bool(increment > 0));
    let gap = match (increment, latest) {
        (Some(increment), Some(latest)) if increment <= 0 => trace.one_gap(GapOption {
            field: FieldRef::year("sd_base_assessed", n - 1),
            change: Change::Increase,
            amount: Value::Money(money(1 - increment)),
            to: Some(Value::Money(money(latest + 1 - increment))),
            note: None,
        }),
        _ => Vec::new(),
    };
    conditions.push(trace.condition(
        CondId::HunanA1,
        grows,
        increment.map(|increment| Value::Money(money(increment))),
        Some(Threshold::new(Cmp::Gt, Value::Money(Money::ZERO))),
        gap,
    ));
    let increment = increment.unwrap_or(0).max(0);

    // The rate, the raw amount and the cap.
    let (rate, cap) = if scheme_2018 {
        // §5.1 draft: 10,000,000 for HNTEs and firms with a provincial-or-higher platform
        // (rated excellent: not in the data), 5,000,000 otherwise [L].
        let hnte = input.hnte_certificates.iter().flatten().any(|certificate| {
            certificate.issue_date <= as_of
                && certificate.expiry_date.is_none_or(|expiry| expiry >= as_of)
                && certificate.cancelled_date.is_none_or(|cancelled| cancelled > as_of)
        });
        let platform = input.rd_institutions.iter().flatten().any(|institution| {
            matches!(institution.level, InstitutionLevel::National | InstitutionLevel::Provincial)
                && institution.valid != Some(false)
        });
        (Ratio::percent(10), if hnte || platform { CAP_HIGH_FEN } else { CAP_LOW_FEN })
    } else {
        eval.note(NoteKind::Hunan2022KeyFields);
        let mut trace = eval.trace();
        let key_field = year_flag!(trace, input, hunan_key_hightech_field, n - 1);
        let rate = Ratio::percent(if key_field == Some(true) { 12 } else { 8 });
        // HUNAN-A2 (2022): nothing below 200,000.
        let floor_met = increment * rate.num() >= FLOOR_FEN * rate.den();
        let outcome = match key_field {
            Some(_) => Check::from_bool(floor_met),
            // Below the floor even at 12%: fails whatever the field.
            None if increment * 12 < FLOOR_FEN * 100 => Check::Fail,
            None => Check::Unknown,
        };
        let gap = if outcome == Check::Fail {
            let needed = div_ceil(FLOOR_FEN * rate.den(), rate.num()) - increment;
            trace.one_gap(GapOption {
                field: FieldRef::year("sd_base_assessed", n - 1),
                change: Change::Increase,
                amount: Value::Money(money(needed)),
                to: None,
                note: None,
            })
        } else {
            Vec::new()
        };
        conditions.push(trace.condition(
            CondId::HunanA2,
            outcome,
            Some(Value::Money(money(div_round(increment * rate.num(), rate.den())))),
            Some(Threshold::new(Cmp::Ge, Value::Money(money(FLOOR_FEN)))),
            gap,
        ));
        (rate, CAP_HIGH_FEN)
    };
    let raw = div_round(increment * rate.num(), rate.den());
    let overall = Check::all(conditions.iter().map(|condition| condition.outcome));
    let amount = if overall == Check::Fail { 0 } else { raw.min(cap) };
    let mut steps = eval.new_steps();
    steps.extend([
        Step { id: "§5", key: "increment", value: Value::Money(money(increment)) },
        Step { id: "§5", key: "rate", value: Value::rate(rate) },
        Step { id: "§5", key: "raw_amount", value: Value::Money(money(raw)) },
        Step { id: "§5", key: "cap", value: Value::Money(money(cap)) },
        Step { id: "§5", key: "amount", value: Value::Money(money(amount)) },
    ]);
    eval.steps = steps;
    eval.outcome = overall.outcome();
    eval.conditions = conditions;
    eval.amount = Some(money(amount));
    Ok(eval.finish(pool))
}

#[cfg(test)]
mod tests {
    use super::super::input::ByYear;
    use super::super::tests::{hunan_firm, run};
    use super::super::*;
    use super::*;

    fn ids(eval: &Evaluation) -> Vec<&'static str> {
        eval.conditions.iter().map(|condition: &Condition| condition.id.as_str()).collect()
    }

    /// §5.2 illustration: key-field firm, base 30,000,000 (2023) → 38,000,000 (2024):
    /// increment 8,000,000 → 960,000; other firm → 640,000; increment 2,000,000 at 8% →
    /// 160,000 < 200,000 → 0.
    #[test]
    fn illustration_2022_scheme() {
        let mut input = hunan_firm();
        let eval = run(RuleKind::HunanReward, &input);
        assert_eq!(eval.version.id, "hunan-2022");
        assert_eq!(ids(&eval), ["HUNAN-E1", "HUNAN-E2", "HUNAN-E4", "HUNAN-A1", "HUNAN-A2"]);
        assert_eq!(eval.amount.unwrap().to_string(), "960000.00");
        assert_eq!(eval.outcome, Outcome::Eligible);
        assert_eq!(eval.confidence, Confidence::Low);

        input.hunan_key_hightech_field.insert(2024, false);
        assert_eq!(run(RuleKind::HunanReward, &input).amount.unwrap().to_string(), "640000.00");

        input.sd_base_assessed.insert(2024, Money::parse("32000000").unwrap());
        let eval = run(RuleKind::HunanReward, &input);
        assert_eq!(eval.amount, Some(Money::ZERO));
        assert_eq!(eval.outcome, Outcome::NotEligible);
        let floor = eval.condition(CondId::HunanA2).unwrap();
        assert_eq!(floor.value.unwrap().text(), "160000.00");
        // 2,500,000 × 8% = 200,000: 500,000 more base reaches the floor.
        assert_eq!(floor.gap[0].delta(), "+500000.00");
    }

    /// The 200,000 floor exactly and one fen below.
    #[test]
    fn floor_boundary() {
        let mut input = hunan_firm();
        input.hunan_key_hightech_field.insert(2024, false);
        input.sd_base_assessed =
            ByYear::from_pairs([(2023, Money::parse("30000000").unwrap()), (2024, Money::parse("32500000").unwrap())]);
        let eval = run(RuleKind::HunanReward, &input);
        assert_eq!(eval.amount.unwrap().to_string(), "200000.00");
        input.sd_base_assessed.insert(2024, Money::parse("32499999.99").unwrap());
        let eval = run(RuleKind::HunanReward, &input);
        assert_eq!(eval.condition(CondId::HunanA2).unwrap().outcome, Check::Fail);
        assert_eq!(eval.amount, Some(Money::ZERO));
    }

    /// 2018 scheme: 10% of the increment, capped at 5,000,000 without HNTE status.
    #[test]
    fn scheme_2018_rate_and_cap() {
        let mut input = hunan_firm();
        input.award_year = Some(2020);
        input.sd_base_assessed =
            ByYear::from_pairs([(2018, Money::parse("10000000").unwrap()), (2019, Money::parse("90000000").unwrap())]);
        input.rd_reserve_fund_filed.insert(2019, true);
        let eval = run(RuleKind::HunanReward, &input);
        assert_eq!(eval.version.id, "hunan-2018");
        assert_eq!(eval.amount.unwrap().to_string(), "5000000.00");
        assert!(eval.has_note(NoteKind::Hunan2018Caps));
        input.rd_reserve_fund_filed.insert(2019, false);
        let eval = run(RuleKind::HunanReward, &input);
        assert_eq!(eval.condition(CondId::HunanE3).unwrap().outcome, Check::Fail);
        assert_eq!(eval.amount, Some(Money::ZERO));
    }

    /// No increase: not eligible, with the gap to a one-fen increase.
    #[test]
    fn no_increase() {
        let mut input = hunan_firm();
        input.sd_base_assessed.insert(2024, Money::parse("30000000").unwrap());
        let eval = run(RuleKind::HunanReward, &input);
        let a1 = eval.condition(CondId::HunanA1).unwrap();
        assert_eq!(a1.outcome, Check::Fail);
        assert_eq!(a1.gap[0].delta(), "+0.01");
    }
}

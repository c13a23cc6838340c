//! R&D expense super-deduction (研发费用加计扣除): `policy-rules.md` §4.
//!
//! Eligibility SD-E1, SD-E2/E3 (the negative list), SD-E5 (§4.3); the base of §4.5 with the
//! caps of §4.4 (SD-C1 other costs ≤ 10% of the total, SD-C2 commissioned R&D at 80%, SD-C3
//! R&D commissioned abroad within two-thirds of the domestic base and not before 2018, SD-C4
//! non-taxable grants out); the rate by tax year (§4.2); the extra deduction, and the extra
//! amortisation of R&D intangibles.
//!
//! Amounts are exact in fen; a product with a fraction (80%, 10%/90%, 2/3, the rate) is
//! rounded half up to the fen, as the spec's worked example does (§4.6: 555,555.56).

use time::Date;

use super::arith::{div_round, Ratio};
use super::input::{FirmInput, TaxAssessment};
use super::{
    version_for_year, year_flag, year_money, Check, Cmp, CondId, Evaluation, FieldRef, NoteKind, Pool, RuleError,
    RuleKind, Step, Threshold, Trace, Value,
};
use crate::money::Money;
use crate::registry::IndustryCode;

/// SD-E3 (§4.3): an excluded industry is the main business when its revenue is more than
/// 50% (not including 50%) of gross income less non-taxable income less investment income.
const MAIN_BUSINESS_PERCENT: i128 = 50;

/// The excluded industries of SD-E2 (§4.3), by GB/T 4754-2017 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Excluded {
    /// 烟草制品业, C16.
    Tobacco,
    /// 住宿和餐饮业, section H.
    AccommodationCatering,
    /// 批发和零售业, section F.
    WholesaleRetail,
    /// 房地产业, section K.
    RealEstate,
    /// 租赁和商务服务业, section L.
    LeasingBusinessServices,
    /// 娱乐业, R90.
    Entertainment,
}

const EXCLUDED: [Excluded; 6] = [
    Excluded::Tobacco,
    Excluded::AccommodationCatering,
    Excluded::WholesaleRetail,
    Excluded::RealEstate,
    Excluded::LeasingBusinessServices,
    Excluded::Entertainment,
];

/// Which excluded industry a code is in: `Ok(Some(_))`, `Ok(None)` (not excluded), or
/// `Err(())` when a bare section letter cannot tell (C holds tobacco, R entertainment).
fn excluded_industry(code: IndustryCode) -> Result<Option<Excluded>, ()> {
    match (code.section(), code.division()) {
        ('F', _) => Ok(Some(Excluded::WholesaleRetail)),
        ('H', _) => Ok(Some(Excluded::AccommodationCatering)),
        ('K', _) => Ok(Some(Excluded::RealEstate)),
        ('L', _) => Ok(Some(Excluded::LeasingBusinessServices)),
        ('C', Some(16)) => Ok(Some(Excluded::Tobacco)),
        ('R', Some(90)) => Ok(Some(Excluded::Entertainment)),
        ('C' | 'R', None) => Err(()),
        _ => Ok(None),
    }
}

fn money(fen: i128) -> Money {
    Money::from_fen(i64::try_from(fen).unwrap_or(if fen < 0 { i64::MIN } else { i64::MAX }))
}

fn fen(amount: Money) -> i128 {
    i128::from(amount.fen())
}

/// The income base of SD-E3 and of the manufacturing test: gross income − non-taxable income
/// − investment income of `year`, in fen.
fn income_base(input: &FirmInput, year: i32, trace: &mut Trace) -> Option<i128> {
    let gross = year_money!(trace, input, gross_income_cit, year);
    let non_taxable = year_money!(trace, input, non_taxable_income, year);
    let investment = year_money!(trace, input, investment_income, year);
    Some(fen(gross?) - fen(non_taxable?) - fen(investment?))
}

/// SD-E2/E3 (§4.3) for `year`: not mainly in an excluded industry. Also SME-B3 under the 2022
/// wording (§3.2). Returns the check and the largest excluded share.
pub(crate) fn negative_list(input: &FirmInput, year: i32, trace: &mut Trace) -> (Check, Option<Value>) {
    let base = income_base(input, year, trace);
    let Some(revenues) = input.revenue_by_industry.get(year) else {
        trace.miss(FieldRef::year("revenue_by_industry", year));
        return (Check::Unknown, None);
    };
    let mut by_item = [0_i128; EXCLUDED.len()];
    let mut ambiguous = 0_i128;
    for (code, amount) in revenues {
        trace.used(FieldRef::year("revenue_by_industry", year), Value::Money(*amount));
        match excluded_industry(*code) {
            Ok(Some(item)) => {
                let index = EXCLUDED.iter().position(|excluded| *excluded == item).unwrap_or(0);
                by_item[index] += fen(*amount);
            }
            Ok(None) => {}
            Err(()) => ambiguous += fen(*amount),
        }
    }
    let Some(base) = base else {
        return (Check::Unknown, None);
    };
    let largest = by_item.iter().copied().max().unwrap_or(0);
    if base <= 0 {
        let check = if largest == 0 && ambiguous == 0 { Check::Pass } else { Check::Unknown };
        return (check, None);
    }
    let share = Ratio::new(largest, base).map(Value::percent);
    if largest * 100 > base * MAIN_BUSINESS_PERCENT {
        (Check::Fail, share)
    } else if (largest + ambiguous) * 100 > base * MAIN_BUSINESS_PERCENT {
        // A bare section letter (C, R) may hide tobacco or entertainment: the division decides.
        trace.miss(FieldRef::year_key("revenue_by_industry", year, "division"));
        (Check::Unknown, share)
    } else {
        (Check::Pass, share)
    }
}

/// The super-deduction base of one year (§4.4, §4.5), each step in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Base {
    /// Items 1-5 of all projects.
    pub items_1_5: i128,
    pub other_actual: i128,
    /// SD-C1: items 1-5 × 10% ÷ 90%.
    pub other_cap: i128,
    pub other_allowed: i128,
    /// SD-C2: 80% of the amount paid for R&D commissioned in China.
    pub commissioned_domestic: i128,
    /// SD-C4: non-taxable grants spent on R&D.
    pub grants: i128,
    pub domestic: i128,
    /// SD-C3: 80% of the amount paid for R&D commissioned abroad.
    pub abroad_counted: i128,
    /// SD-C3: two-thirds of the domestic base.
    pub abroad_cap: i128,
    pub abroad_allowed: i128,
    pub base: i128,
}

/// The base of `year` (§4.5). `None` when a category of `rd_sd` is missing (named in
/// `trace`); absent commissioned amounts and grants are taken as 0, and a note says so.
pub(crate) fn base_of(input: &FirmInput, year: i32, trace: &mut Trace, eval: &mut Evaluation) -> Option<Base> {
    let Some(rd) = input.rd_sd.get(year) else {
        trace.miss(FieldRef::year("rd_sd", year));
        return None;
    };
    let mut complete = true;
    for (key, amount) in super::input::RD_SD_KEYS.iter().zip(rd.categories()) {
        match amount {
            Some(amount) => trace.used(FieldRef::year_key("rd_sd", year, key), Value::Money(amount)),
            None => {
                trace.miss(FieldRef::year_key("rd_sd", year, key));
                complete = false;
            }
        }
    }
    if !complete {
        return None;
    }
    let category = |amount: Option<Money>| fen(amount.unwrap_or_default());
    let items_1_5: i128 = rd.categories()[..5].iter().map(|amount| category(*amount)).sum();
    let other_actual = category(rd.other_related);
    // SD-C1: from 2021 one cap for all projects; before, per project [§4.4 SD-C1-old], which
    // the aggregated input cannot apply.
    let other_cap = div_round(items_1_5 * 10, 90);
    if year < 2021 && other_actual > 0 {
        eval.note(NoteKind::SdPerProjectCap);
    }
    let other_allowed = other_actual.min(other_cap);

    let mut taken_as_zero = false;
    let mut optional = |field: &'static str, by_year: &super::input::ByYear<Money>, trace: &mut Trace| {
        by_year.at(year).map_or_else(
            || {
                taken_as_zero = true;
                0
            },
            |amount| {
                trace.used(FieldRef::year(field, year), Value::Money(amount));
                fen(amount)
            },
        )
    };
    let domestic_paid = optional("rd_commissioned_domestic_paid", &input.rd_commissioned_domestic_paid, trace);
    let abroad_paid = optional("rd_commissioned_abroad_paid", &input.rd_commissioned_abroad_paid, trace);
    let grants = optional("rd_nontaxable_grants_used", &input.rd_nontaxable_grants_used, trace);
    if taken_as_zero {
        eval.note(NoteKind::SdTakenAsZero);
    }

    let commissioned_domestic = div_round(domestic_paid * 80, 100);
    let domestic = items_1_5 + other_allowed + commissioned_domestic - grants;
    // SD-C3-old: nothing commissioned abroad before 2018 (财税〔2018〕64号 opened it) [M].
    let abroad_counted = if year <= 2017 { 0 } else { div_round(abroad_paid * 80, 100) };
    if abroad_paid > 0 {
        eval.note(if year <= 2017 { NoteKind::SdAbroadBefore2018 } else { NoteKind::SdOverseasCapBase });
    }
    // SD-C3: "domestic eligible" read as the domestic base above [L].
    let abroad_cap = div_round(domestic.max(0) * 2, 3);
    let abroad_allowed = abroad_counted.min(abroad_cap);
    Some(Base {
        items_1_5,
        other_actual,
        other_cap,
        other_allowed,
        commissioned_domestic,
        grants,
        domestic,
        abroad_counted,
        abroad_cap,
        abroad_allowed,
        base: domestic + abroad_allowed,
    })
}

/// Whether the firm is a manufacturer in `year` (2021 No. 13: manufacturing revenue ≥ 50% of
/// revenue; the income base of SD-E3 is used as "revenue" \[L\]).
fn manufacturer(input: &FirmInput, year: i32, trace: &mut Trace, eval: &mut Evaluation) -> Option<bool> {
    eval.note(NoteKind::SdManufacturingTest);
    let base = income_base(input, year, trace);
    let Some(revenues) = input.revenue_by_industry.get(year) else {
        trace.miss(FieldRef::year("revenue_by_industry", year));
        return None;
    };
    let manufacturing: i128 =
        revenues.iter().filter(|(code, _)| code.is_manufacturing()).map(|(_, amount)| fen(*amount)).sum();
    let base = base?;
    Some(base > 0 && manufacturing * 100 >= base * MAIN_BUSINESS_PERCENT)
}

/// Whether the firm holds an S&T SME registration for `year`, not revoked.
fn registered_sme(input: &FirmInput, year: i32, trace: &mut Trace) -> Option<bool> {
    match &input.sme_registrations {
        Some(registrations) => {
            let registered = registrations.iter().any(|r| r.year == year && r.revoked_date.is_none());
            trace.used(FieldRef::field("sme_registrations"), Value::Flag(registered));
            Some(registered)
        }
        None => {
            trace.miss(FieldRef::field("sme_registrations"));
            None
        }
    }
}

/// The extra-deduction rate of tax year `year` for this firm (§4.2), and whether every fact it
/// turns on is known. When one is missing the general rate of the year is returned.
fn rate_of(input: &FirmInput, year: i32, trace: &mut Trace, eval: &mut Evaluation) -> (Ratio, Check) {
    let known = |fact: Option<bool>| if fact.is_some() { Check::Pass } else { Check::Unknown };
    match year {
        // CIT Implementation Regulations art. 95: 50%.
        ..=2016 => (Ratio::percent(50), Check::Pass),
        // 财税〔2017〕34号: 75% for registered S&T SMEs, 50% for the others.
        2017 => {
            let sme = registered_sme(input, year, trace);
            let rate = if sme == Some(true) { 75 } else { 50 };
            (Ratio::percent(rate), known(sme))
        }
        // 财税〔2018〕99号: 75% for all.
        2018..=2020 => (Ratio::percent(75), Check::Pass),
        // 2021 No. 13: 100% for manufacturers.
        2021 => {
            let manufacturing = manufacturer(input, year, trace, eval);
            let rate = if manufacturing == Some(true) { 100 } else { 75 };
            (Ratio::percent(rate), known(manufacturing))
        }
        // 2022: manufacturers (No. 13) and S&T SMEs (No. 16) 100%; others 75% for Jan-Sep
        // and 100% for Oct-Dec (No. 28), split pro rata by months [L]: 13/16 = 81.25%.
        2022 => {
            let manufacturing = manufacturer(input, year, trace, eval);
            let sme = if manufacturing == Some(true) { Some(false) } else { registered_sme(input, year, trace) };
            if manufacturing == Some(true) || sme == Some(true) {
                (Ratio::percent(100), Check::Pass)
            } else {
                eval.note(NoteKind::SdQ4Split2022);
                (Ratio::new(13, 16).unwrap_or(Ratio::percent(100)), Check::all([known(manufacturing), known(sme)]))
            }
        }
        // 2023 No. 7: 100%; 2023 No. 44: 120% for listed IC and machine-tool firms until 2027 [M].
        _ => {
            if year > 2027 {
                return (Ratio::percent(100), Check::Pass);
            }
            let listed = year_flag!(trace, input, on_ic_or_machine_tool_list, year);
            if listed == Some(true) {
                eval.note(NoteKind::SdIcRate);
                (Ratio::percent(120), Check::Pass)
            } else {
                (Ratio::percent(100), known(listed))
            }
        }
    }
}

/// A per-year tax-assessment method, recorded in `trace`.
pub(crate) fn tax_method(input: &FirmInput, year: i32, trace: &mut Trace) -> Option<TaxAssessment> {
    let method = input.tax_assessment_method.at(year);
    match method {
        Some(method) => trace.used(FieldRef::year("tax_assessment_method", year), Value::TaxMethod(method)),
        None => trace.miss(FieldRef::year("tax_assessment_method", year)),
    }
    method
}

fn flag_is(value: Option<bool>, wanted: bool) -> Check {
    value.map_or(Check::Unknown, |flag| Check::from_bool(flag == wanted))
}

/// Evaluates the super-deduction for tax year `tax_year` (else the year of the evaluation
/// date). The input must have been checked.
pub(crate) fn evaluate(
    input: &FirmInput,
    as_of: Option<Date>,
    pool: &mut Option<Box<Pool>>,
) -> Result<Evaluation, RuleError> {
    let date = as_of.or(input.as_of);
    let year = input
        .tax_year
        .or(date.map(Date::year))
        .ok_or(RuleError::NoEvaluationDate { rule: RuleKind::SuperDeduction })?;
    let version = version_for_year(RuleKind::SuperDeduction, year)?;
    let as_of = date
        .or_else(|| Date::from_calendar_date(year, time::Month::December, 31).ok())
        .ok_or(RuleError::NoRuleVersion { rule: RuleKind::SuperDeduction, year })?;
    let mut eval = Evaluation::start(RuleKind::SuperDeduction, version, as_of, year, pool);
    if input.tax_year.is_none() {
        eval.note(NoteKind::SdTaxYearDefaulted);
    }
    // SD-E4: the figures are taken to hold R&D activities only [M].
    eval.note(NoteKind::SdExcludedActivities);

    // SD-E1: resident, sound accounts, taxed on actual profit.
    let mut trace = eval.trace();
    let resident = trace.bool("resident_enterprise", input.resident_enterprise);
    let method = tax_method(input, year, &mut trace);
    let sound = year_flag!(trace, input, accounting_sound, year);
    let actual_profit = method.map_or(Check::Unknown, |method| Check::from_bool(method == TaxAssessment::ActualProfit));
    let outcome = Check::all([flag_is(resident, true), actual_profit, flag_is(sound, true)]);
    let e1 = trace.condition(CondId::SdE1, outcome, None, None, Vec::new());

    // SD-E2/E3: not mainly in an excluded industry.
    let mut trace = eval.trace();
    let (outcome, share) = negative_list(input, year, &mut trace);
    let threshold = Some(Threshold::new(Cmp::Le, Value::percent(Ratio::percent(MAIN_BUSINESS_PERCENT))));
    let e2 = trace.condition(CondId::SdE2, outcome, share, threshold, Vec::new());

    // SD-E5: costs recorded per project.
    let mut trace = eval.trace();
    let tracked = year_flag!(trace, input, rd_costs_tracked_by_project, year);
    let e5 = trace.condition(CondId::SdE5, flag_is(tracked, true), None, None, Vec::new());

    // §4.2: the rate.
    let mut trace = eval.trace();
    let (rate, rate_known) = rate_of(input, year, &mut trace, &mut eval);
    let rate_condition = trace.condition(CondId::SdRate, rate_known, Some(Value::rate(rate)), None, Vec::new());

    // §4.5: the base.
    let mut trace = eval.trace();
    let base = base_of(input, year, &mut trace, &mut eval);
    let base_condition = trace.condition(
        CondId::SdBase,
        if base.is_some() { Check::Pass } else { Check::Unknown },
        base.map(|base| Value::Money(money(base.base))),
        None,
        Vec::new(),
    );

    let mut conditions = eval.new_conditions();
    conditions.extend([e1, e2, e5, rate_condition, base_condition]);
    let overall = Check::all(conditions.iter().map(|condition| condition.outcome));
    eval.outcome = overall.outcome();
    eval.conditions = conditions;
    eval.rate = Some(rate);

    let Some(base) = base else {
        return Ok(eval.finish(pool));
    };
    let eligible = overall != Check::Fail;
    let extra = if eligible { div_round(base.base * rate.num(), rate.den()) } else { 0 };
    // Capitalised R&D: amortisation on cost × (1 + rate); the extra part is cost × rate / years
    // for each year of the amortisation period (no pro-rating of a partial first year [L]).
    let mut extra_amortisation = 0;
    let mut tax_amortisation = 0;
    for intangible in input.rd_intangibles.iter().flatten() {
        let first = intangible.formed_date.year();
        let years = i128::from(intangible.amortisation_years);
        if first <= year && i128::from(year - first) < years {
            eval.note(NoteKind::SdIntangibleYears);
            if eligible {
                extra_amortisation += div_round(fen(intangible.cost) * rate.num(), rate.den() * years);
                tax_amortisation += div_round(fen(intangible.cost) * (rate.num() + rate.den()), rate.den() * years);
            }
        }
    }
    let total_extra = extra + extra_amortisation;
    let steps = [
        ("SD-C1", "items_1_5", base.items_1_5),
        ("SD-C1", "other_actual", base.other_actual),
        ("SD-C1", "other_cap", base.other_cap),
        ("SD-C1", "other_allowed", base.other_allowed),
        ("SD-C2", "commissioned_domestic_counted", base.commissioned_domestic),
        ("SD-C4", "nontaxable_grants_subtracted", base.grants),
        ("§4.5", "domestic", base.domestic),
        ("SD-C3", "abroad_counted", base.abroad_counted),
        ("SD-C3", "abroad_cap", base.abroad_cap),
        ("SD-C3", "abroad_allowed", base.abroad_allowed),
        ("§4.5", "base", base.base),
        ("§4.5", "extra_deduction", extra),
        ("§4.5", "intangible_tax_amortisation", tax_amortisation),
        ("§4.5", "extra_amortisation", extra_amortisation),
        ("§4.6", "tax_saving_at_25_percent", div_round(total_extra * 25, 100)),
        ("§4.6", "tax_saving_at_15_percent", div_round(total_extra * 15, 100)),
    ];
    let mut list = eval.new_steps();
    list.extend(steps.iter().map(|&(id, key, amount)| Step { id, key, value: Value::Money(money(amount)) }));
    eval.steps = list;
    eval.base = Some(money(base.base));
    eval.extra_deduction = Some(money(extra));
    if input.rd_intangibles.as_ref().is_some_and(|list| !list.is_empty()) {
        eval.extra_amortisation = Some(money(extra_amortisation));
    }
    Ok(eval.finish(pool))
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use super::super::tests::{run, sd_46};
    use super::super::*;
    use super::*;

    fn step(eval: &Evaluation, key: &str) -> String {
        eval.steps.iter().find(|step| step.key == key).unwrap().value.text()
    }

    /// §4.6: cap 555,555.56, domestic commissioned 800,000, domestic 6,355,555.56, abroad
    /// 1,600,000 within 4,237,037.04, base 7,955,555.56, extra 7,955,555.56 at 100%, tax
    /// effect 1,988,888.89 at 25% and 1,193,333.33 at 15%.
    #[test]
    fn worked_example_4_6_tax_year_2024() {
        let eval = run(RuleKind::SuperDeduction, &sd_46(2024));
        assert_eq!(eval.version.id, "sd-2023");
        assert_eq!(eval.outcome, Outcome::Eligible);
        assert_eq!(step(&eval, "items_1_5"), "5000000.00");
        assert_eq!(step(&eval, "other_cap"), "555555.56");
        assert_eq!(step(&eval, "other_allowed"), "555555.56");
        assert_eq!(step(&eval, "commissioned_domestic_counted"), "800000.00");
        assert_eq!(step(&eval, "domestic"), "6355555.56");
        assert_eq!(step(&eval, "abroad_counted"), "1600000.00");
        assert_eq!(step(&eval, "abroad_cap"), "4237037.04");
        assert_eq!(step(&eval, "abroad_allowed"), "1600000.00");
        assert_eq!(eval.base.unwrap().to_string(), "7955555.56");
        assert_eq!(Value::rate(eval.rate.unwrap()).text(), "1.00");
        assert_eq!(eval.extra_deduction.unwrap().to_string(), "7955555.56");
        assert_eq!(step(&eval, "tax_saving_at_25_percent"), "1988888.89");
        assert_eq!(step(&eval, "tax_saving_at_15_percent"), "1193333.33");
        assert!(eval.has_note(NoteKind::SdOverseasCapBase));
    }

    /// §4.6: 2021 non-manufacturer non-SME → 75% → 5,966,666.67; 2021 manufacturer → 100%.
    #[test]
    fn worked_example_4_6_in_2021() {
        let mut input = sd_46(2021);
        let eval = run(RuleKind::SuperDeduction, &input);
        assert_eq!(eval.version.id, "sd-2018");
        assert_eq!(Value::rate(eval.rate.unwrap()).text(), "0.75");
        assert_eq!(eval.extra_deduction.unwrap().to_string(), "5966666.67");
        // The same firm as a manufacturer (all revenue in C39).
        let revenue = input.revenue_by_industry.get(2021).unwrap().values().copied().sum::<Money>();
        input.revenue_by_industry.insert(2021, [(IndustryCode::parse("C39").unwrap(), revenue)].into_iter().collect());
        let eval = run(RuleKind::SuperDeduction, &input);
        assert_eq!(Value::rate(eval.rate.unwrap()).text(), "1.00");
        assert_eq!(eval.extra_deduction.unwrap().to_string(), "7955555.56");
    }

    /// §4.6: 2016 → 50%, the foreign-lab payment does not count: base 6,355,555.56, extra
    /// 3,177,777.78.
    #[test]
    fn worked_example_4_6_in_2016() {
        let eval = run(RuleKind::SuperDeduction, &sd_46(2016));
        assert_eq!(eval.version.id, "sd-2008");
        assert_eq!(eval.base.unwrap().to_string(), "6355555.56");
        assert_eq!(Value::rate(eval.rate.unwrap()).text(), "0.50");
        assert_eq!(eval.extra_deduction.unwrap().to_string(), "3177777.78");
        assert!(eval.has_note(NoteKind::SdAbroadBefore2018));
        assert!(eval.has_note(NoteKind::SdPerProjectCap));
    }

    /// §4.6 capitalised variant: cost 3,000,000 over 10 years → tax amortisation 600,000 a
    /// year (200%), i.e. 300,000 more than the books.
    #[test]
    fn worked_example_4_6_capitalised() {
        let mut input = sd_46(2024);
        input.rd_intangibles = Some(vec![super::super::input::RdIntangible {
            cost: Money::parse("3000000").unwrap(),
            formed_date: time::macros::date!(2023 - 07 - 01),
            amortisation_years: 10,
        }]);
        let eval = run(RuleKind::SuperDeduction, &input);
        assert_eq!(step(&eval, "intangible_tax_amortisation"), "600000.00");
        assert_eq!(eval.extra_amortisation.unwrap().to_string(), "300000.00");
    }

    #[test]
    fn rates_by_tax_year() {
        let rate = |year: i32, input: &FirmInput| {
            let mut input = input.clone();
            input.tax_year = Some(year);
            let eval = run(RuleKind::SuperDeduction, &input);
            Value::rate(eval.rate.unwrap()).text()
        };
        let mut input = sd_46(2024);
        assert_eq!(rate(2008, &input), "0.50");
        assert_eq!(rate(2017, &input), "0.50");
        assert_eq!(rate(2018, &input), "0.75");
        assert_eq!(rate(2022, &input), "0.8125");
        assert_eq!(rate(2023, &input), "1.00");
        assert_eq!(rate(2030, &input), "1.00");
        input.sme_registrations =
            Some(vec![super::super::input::SmeRegistration { year: 2017, number: None, revoked_date: None }]);
        assert_eq!(rate(2017, &input), "0.75");
        input.sme_registrations.as_mut().unwrap()[0].year = 2022;
        assert_eq!(rate(2022, &input), "1.00");
        input.on_ic_or_machine_tool_list.insert(2025, true);
        assert_eq!(rate(2025, &input), "1.20");
        input.on_ic_or_machine_tool_list.insert(2028, true);
        assert_eq!(rate(2028, &input), "1.00");
        let error = evaluate(RuleKind::SuperDeduction, &FirmInput { tax_year: Some(2007), ..input }, None);
        assert_eq!(error.unwrap_err().code(), "rules.no_rule_version");
    }

    /// SD-E3: more than 50% (not including 50%) of the income base from an excluded industry.
    #[test]
    fn negative_list_boundary_at_half() {
        let mut input = sd_46(2024);
        let code = |text| IndustryCode::parse(text).unwrap();
        let base = Money::parse("81000000").unwrap();
        let set = |input: &mut FirmInput, wholesale_fen: i64| {
            let rest = Money::from_fen(base.fen() - wholesale_fen);
            input.revenue_by_industry.insert(
                2024,
                [(code("F51"), Money::from_fen(wholesale_fen)), (code("I65"), rest)].into_iter().collect(),
            );
        };
        set(&mut input, base.fen() / 2);
        assert_eq!(run(RuleKind::SuperDeduction, &input).condition(CondId::SdE2).unwrap().outcome, Check::Pass);
        set(&mut input, base.fen() / 2 + 1);
        let eval = run(RuleKind::SuperDeduction, &input);
        assert_eq!(eval.condition(CondId::SdE2).unwrap().outcome, Check::Fail);
        assert_eq!(eval.outcome, Outcome::NotEligible);
        assert_eq!(eval.extra_deduction, Some(Money::ZERO));
        // A bare "C" may be tobacco: unknown when it could tip the balance.
        input.revenue_by_industry.insert(2024, [(code("C"), base)].into_iter().collect());
        assert_eq!(run(RuleKind::SuperDeduction, &input).condition(CondId::SdE2).unwrap().outcome, Check::Unknown);
    }

    /// SD-C1: other costs exactly at the cap are allowed whole; one fen more is cut.
    #[test]
    fn other_costs_cap_boundary() {
        let mut input = sd_46(2024);
        let mut rd = *input.rd_sd.get(2024).unwrap();
        rd.other_related = Some(Money::parse("555555.56").unwrap());
        input.rd_sd.insert(2024, rd);
        let eval = run(RuleKind::SuperDeduction, &input);
        assert_eq!(step(&eval, "other_allowed"), "555555.56");
        rd.other_related = Some(Money::parse("555555.57").unwrap());
        input.rd_sd.insert(2024, rd);
        let eval = run(RuleKind::SuperDeduction, &input);
        assert_eq!(step(&eval, "other_allowed"), "555555.56");
    }

    /// SD-C3: R&D commissioned abroad counts whole up to two-thirds of the domestic base, and
    /// is cut at it beyond.
    #[test]
    fn overseas_cap_boundary() {
        // Domestic base 6,355,555.56: the cap is 4,237,037.04, reached by paying 5,296,296.30.
        let mut input = sd_46(2024);
        input.rd_commissioned_abroad_paid.insert(2024, Money::parse("5296296.30").unwrap());
        let eval = run(RuleKind::SuperDeduction, &input);
        assert_eq!(step(&eval, "abroad_counted"), "4237037.04");
        assert_eq!(step(&eval, "abroad_allowed"), "4237037.04");
        input.rd_commissioned_abroad_paid.insert(2024, Money::parse("5296296.32").unwrap());
        let eval = run(RuleKind::SuperDeduction, &input);
        assert_eq!(step(&eval, "abroad_counted"), "4237037.06");
        assert_eq!(step(&eval, "abroad_allowed"), "4237037.04");
    }

    /// Deemed-basis taxpayers cannot claim (SD-E1).
    #[test]
    fn deemed_basis_is_not_eligible() {
        let mut input = sd_46(2024);
        input.tax_assessment_method.insert(2024, TaxAssessment::Deemed);
        let eval = run(RuleKind::SuperDeduction, &input);
        assert_eq!(eval.condition(CondId::SdE1).unwrap().outcome, Check::Fail);
        assert_eq!(eval.outcome, Outcome::NotEligible);
    }
}

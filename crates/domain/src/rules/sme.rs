//! S&T-based SME (科技型中小企业) evaluation: `policy-rules.md` §3.
//!
//! Basic conditions SME-B1 to SME-B4 (§3.2, in the 2017 or the 2022 wording by evaluation
//! year, §3.1), then either a direct route SME-D1 to SME-D4 (§3.4) or the 100-point score
//! with the S&T-staff zero rule (SME-B5, §3.3, §3.7).
//!
//! Evaluation year `N` (`sme_evaluation_year`, or the year of the evaluation date); size and
//! score use FY `N-1` (SME-P1, §3.6); IP validity and the direct routes are tested on the
//! evaluation date. Staff are quarterly averages (§3.5 \[M\]); R&D is the super-deduction base
//! of §4.5 (§3.5).

use time::{Date, Month};

use super::arith::{div_ceil, Ratio};
use super::input::{FirmInput, Headcount, IncidentKind, InstitutionLevel, IpStatus, StaffCount, TaxAssessment};
use super::super_deduction::{base_of, negative_list, tax_method};
use super::{
    version_for_year, year_flag, year_money, Change, Check, Cmp, CondId, Condition, Evaluation, FieldRef, GapNote,
    GapOption, NoteKind, Pool, RuleError, RuleKind, Score, ScoreItem, ScoreSource, Threshold, Trace, Value,
};
use crate::money::Money;
use crate::registry::IpClass;

/// SME-B2 (§3.2): at most 500 staff, 200,000,000 sales, 200,000,000 total assets (inclusive).
const MAX_STAFF: i128 = 500;
const MAX_SALES_FEN: i128 = 20_000_000_000;
const MAX_ASSETS_FEN: i128 = 20_000_000_000;
/// SME-B5 (§3.2, §3.7): a score of at least 60.
const PASS_SCORE: u32 = 60;
/// §3.4: the direct routes look back five years from the evaluation date \[L\].
const DIRECT_ROUTE_YEARS: i32 = 5;

/// §3.3: S&T staff share → points (lower bounds inclusive).
const STAFF_BANDS: [(i128, u32); 5] = [(30, 20), (25, 16), (20, 12), (15, 8), (10, 4)];
/// §3.3: R&D ÷ sales → points.
const RD_SALES_BANDS: [(i128, u32); 5] = [(6, 50), (5, 40), (4, 30), (3, 20), (2, 10)];
/// §3.3: R&D ÷ total costs and expenses → points.
const RD_COST_BANDS: [(i128, u32); 5] = [(30, 50), (25, 40), (20, 30), (15, 20), (10, 10)];

/// Points for a share `num / den` in percent bands (highest first); 0 below the last band.
fn band_points(num: i128, den: i128, bands: &[(i128, u32)]) -> u32 {
    bands.iter().find(|(percent, _)| num * 100 >= den * percent).map_or(0, |(_, points)| *points)
}

/// §3.3: IP points: ≥ 1 Class I → 30; Class II ≥ 4 → 24, 3 → 18, 2 → 12, 1 → 6; none → 0.
fn ip_points(class1: u32, class2: u32) -> u32 {
    if class1 >= 1 {
        30
    } else {
        6 * class2.min(4)
    }
}

fn money(fen: i128) -> Money {
    Money::from_fen(i64::try_from(fen).unwrap_or(if fen < 0 { i64::MIN } else { i64::MAX }))
}

fn fen(amount: Money) -> i128 {
    i128::from(amount.fen())
}

fn flag_is(value: Option<bool>, wanted: bool) -> Check {
    value.map_or(Check::Unknown, |flag| Check::from_bool(flag == wanted))
}

fn ratio(num: i128, den: i128) -> Ratio {
    Ratio::new(num, den).unwrap_or(Ratio::int(0))
}

/// Which wording of the basic conditions applies (§3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wording {
    Y2017,
    Y2022,
}

/// Evaluates the S&T SME rule. The evaluation date is `as_of`, else the input's `as_of`, else
/// 31 December of `sme_evaluation_year` (with a note). The input must have been checked.
pub(crate) fn evaluate(
    input: &FirmInput,
    as_of: Option<Date>,
    pool: &mut Option<Box<Pool>>,
) -> Result<Evaluation, RuleError> {
    let (n, as_of, defaulted) = match (as_of, input.as_of, input.sme_evaluation_year) {
        (None, Some(date), Some(year)) if date.year() != year => {
            return Err(RuleError::EvaluationYearConflict { as_of: date, year });
        }
        (Some(date), _, _) | (None, Some(date), _) => (date.year(), date, false),
        (None, None, Some(year)) => {
            let last = Date::from_calendar_date(year, Month::December, 31)
                .map_err(|_| RuleError::NoRuleVersion { rule: RuleKind::Sme, year })?;
            (year, last, true)
        }
        (None, None, None) => return Err(RuleError::NoEvaluationDate { rule: RuleKind::Sme }),
    };
    let version = version_for_year(RuleKind::Sme, n)?;
    let wording = if version.id == "sme-2017" { Wording::Y2017 } else { Wording::Y2022 };
    let mut eval = Evaluation::start(RuleKind::Sme, version, as_of, n, pool);
    if n == 2022 {
        eval.note(NoteKind::Sme2022Boundary);
    }
    if defaulted {
        eval.note(NoteKind::SmeAsOfDefaulted);
    }
    // SME-P1: FY N-1 data; a firm founded in year N is evaluated on year N [L].
    let data_year = if input.registration_date.is_some_and(|registered| registered.year() >= n) {
        eval.note(NoteKind::SmeFoundedInYear);
        n
    } else {
        n - 1
    };

    let b1 = b1_legal_and_tax(input, n, data_year, wording, &mut eval);
    let b2 = b2_size(input, data_year, &mut eval);
    let b3 = b3_industry(input, n, data_year, wording, &mut eval);
    let b4 = b4_conduct(input, n, as_of, wording, &mut eval);
    let (mut b5, score, items) = b5_score(input, data_year, as_of, &mut eval);
    let direct = [
        d1_hnte_certificate(input, as_of, &mut eval),
        d2_national_award(input, as_of, &mut eval),
        d3_rd_institution(input, as_of, &mut eval),
        d4_standard_led(input, as_of, &mut eval),
    ];
    let direct_route = Check::any(direct.iter().map(|condition| condition.outcome));
    if direct_route == Check::Pass {
        // §3.4: a direct route skips the score test.
        b5.outcome = Check::NotApplicable;
        b5.gap.clear();
    }
    let route = Check::any([direct_route, b5.outcome]);
    let basic = Check::all([b1.outcome, b2.outcome, b3.outcome, b4.outcome]);
    eval.outcome = Check::all([basic, route]).outcome();
    let mut conditions = eval.new_conditions();
    conditions.extend([b1, b2, b3, b4, b5]);
    conditions.extend(direct);
    eval.conditions = conditions;
    eval.score = Some(score);
    eval.score_items = items;
    Ok(eval.finish(pool))
}

/// SME-B1 (§3.2): resident enterprise in mainland China; from 2022 also a foreign-law firm
/// managed in China, with sound accounts, taxed on actual profit, tracking R&D costs.
fn b1_legal_and_tax(input: &FirmInput, n: i32, data_year: i32, wording: Wording, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let mainland = trace.bool("registered_in_mainland", input.registered_in_mainland);
    let resident = trace.bool("resident_enterprise", input.resident_enterprise);
    let domestic = Check::all([flag_is(mainland, true), flag_is(resident, true)]);
    if wording == Wording::Y2017 {
        return trace.condition(CondId::SmeB1, domestic, None, None, Vec::new());
    }
    let registered = if domestic == Check::Pass {
        Check::Pass
    } else {
        let foreign = trace.bool(
            "foreign_law_with_effective_management_in_china",
            input.foreign_law_with_effective_management_in_china,
        );
        Check::any([domestic, flag_is(foreign, true)])
    };
    let mut taxed = [Check::NotApplicable; 2];
    for (slot, year) in taxed.iter_mut().zip([data_year, n]) {
        if year != data_year && input.tax_assessment_method.get(year).is_none() {
            // The current year is checked when given; the data year is required.
            continue;
        }
        let method = tax_method(input, year, &mut trace);
        *slot = method.map_or(Check::Unknown, |method| Check::from_bool(method == TaxAssessment::ActualProfit));
    }
    let sound = year_flag!(trace, input, accounting_sound, data_year);
    let tracked = year_flag!(trace, input, rd_costs_tracked_by_project, data_year);
    let outcome = Check::all([registered, taxed[0], taxed[1], flag_is(sound, true), flag_is(tracked, true)]);
    trace.condition(CondId::SmeB1, outcome, None, None, Vec::new())
}

/// Sum of `(start + end)` over the periods of a staff list, in 1/10,000 persons.
fn staff_sum(counts: &[StaffCount]) -> i128 {
    counts.iter().map(|count| i128::from(count.start.units()) + i128::from(count.end.units())).sum()
}

/// Quarterly staff averages need `2 × 4 × 10,000` per person (§3.5).
const QUARTER_UNITS: i128 = 2 * 4 * Headcount::SCALE as i128;

/// SME-B2 (§3.2): staff ≤ 500, sales ≤ 200,000,000, total assets ≤ 200,000,000.
fn b2_size(input: &FirmInput, year: i32, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    eval.note(NoteKind::SmeQuarterlyAveraging);
    let staff = input.staff_quarterly.get(year).map(|counts| staff_sum(counts));
    match staff {
        Some(sum) => trace.used(FieldRef::year("staff_quarterly", year), Value::number_up(ratio(sum, QUARTER_UNITS))),
        None => trace.miss(FieldRef::year("staff_quarterly", year)),
    }
    let main = year_money!(trace, input, main_business_revenue, year);
    let other = year_money!(trace, input, other_business_revenue, year);
    let sales = main.zip(other).map(|(main, other)| fen(main) + fen(other));
    let assets = year_money!(trace, input, total_assets_ye, year).map(fen);

    let mut checks = [Check::NotApplicable; 3];
    let mut gap = trace.take_gap();
    let mut first_failure: Option<(Value, Threshold)> = None;
    let limit = MAX_STAFF * QUARTER_UNITS;
    let tests = [
        (staff, limit, FieldRef::year("staff_quarterly", year), true),
        (sales, MAX_SALES_FEN, FieldRef::year("sales_revenue", year), false),
        (assets, MAX_ASSETS_FEN, FieldRef::year("total_assets_ye", year), false),
    ];
    for (slot, (value, limit, field, persons)) in checks.iter_mut().zip(tests) {
        let Some(value) = value else {
            *slot = Check::Unknown;
            continue;
        };
        let pass = value <= limit;
        *slot = Check::from_bool(pass);
        if !pass {
            let (shown, threshold, excess) = if persons {
                (
                    Value::number_up(ratio(value, QUARTER_UNITS)),
                    Value::Count(i64::try_from(MAX_STAFF).unwrap_or(0)),
                    Value::number_up(ratio(value - limit, QUARTER_UNITS)),
                )
            } else {
                (Value::Money(money(value)), Value::Money(money(limit)), Value::Money(money(value - limit)))
            };
            first_failure.get_or_insert((shown, Threshold::new(Cmp::Le, threshold)));
            gap.push(GapOption { field, change: Change::Decrease, amount: excess, to: Some(threshold), note: None });
        }
    }
    let (value, threshold) = first_failure.map_or((None, None), |(value, threshold)| (Some(value), Some(threshold)));
    trace.condition(CondId::SmeB2, Check::all(checks), value, threshold, gap)
}

/// SME-B3 (§3.2): not in the restricted or eliminated catalogue; from 2022 also not mainly in
/// an industry excluded from the super-deduction (§4.3).
fn b3_industry(input: &FirmInput, n: i32, data_year: i32, wording: Wording, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let mut checks = [Check::NotApplicable; 3];
    for (slot, year) in checks.iter_mut().zip([data_year, n]) {
        if year != data_year && input.in_restricted_or_eliminated_catalogue.get(year).is_none() {
            continue;
        }
        let listed = year_flag!(trace, input, in_restricted_or_eliminated_catalogue, year);
        *slot = flag_is(listed, false);
    }
    let mut value = None;
    let mut threshold = None;
    if wording == Wording::Y2022 {
        let (check, share) = negative_list(input, data_year, &mut trace);
        checks[2] = check;
        value = share;
        threshold = Some(Threshold::new(Cmp::Le, Value::percent(Ratio::percent(50))));
    }
    trace.condition(CondId::SmeB3, Check::all(checks), value, threshold, Vec::new())
}

/// SME-B4 (§3.2): in the previous and the current year no major safety or quality accident,
/// no serious environmental violation, no serious research misconduct (2022: no serious fraud
/// either); not on the abnormal-operations or the serious-dishonesty list (2017: on the
/// evaluation date; 2022: at any time in those years).
fn b4_conduct(input: &FirmInput, n: i32, as_of: Date, wording: Wording, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let threshold = Some(Threshold::new(Cmp::Eq, Value::Count(0)));
    let start = Date::from_calendar_date(n - 1, Month::January, 1).unwrap_or(as_of);
    let mut events: i64 = 0;
    let mut checks = [Check::NotApplicable; 3];
    match trace.list("incidents", input.incidents.as_ref()) {
        Some(incidents) => {
            let counted = incidents
                .iter()
                .filter(|incident| incident.date >= start && incident.date <= as_of)
                .filter(|incident| wording == Wording::Y2022 || incident.kind != IncidentKind::SeriousFraud)
                .count();
            events += i64::try_from(counted).unwrap_or(i64::MAX);
            checks[0] = Check::from_bool(counted == 0);
        }
        None => checks[0] = Check::Unknown,
    }
    for (slot, (field, list)) in checks[1..].iter_mut().zip([
        ("abnormal_list_periods", input.abnormal_list_periods.as_ref()),
        ("serious_dishonesty_list_periods", input.serious_dishonesty_list_periods.as_ref()),
    ]) {
        match trace.list(field, list) {
            Some(periods) => {
                let on = periods
                    .iter()
                    .filter(|period| match wording {
                        Wording::Y2017 => period.overlaps(as_of, as_of),
                        Wording::Y2022 => period.overlaps(start, as_of),
                    })
                    .count();
                events += i64::try_from(on).unwrap_or(i64::MAX);
                *slot = Check::from_bool(on == 0);
            }
            None => *slot = Check::Unknown,
        }
    }
    let outcome = Check::all(checks);
    let value = (outcome != Check::Unknown || events > 0).then_some(Value::Count(events));
    trace.condition(CondId::SmeB4, outcome, value, threshold, Vec::new())
}

/// The IP items counted for the SME score (§3.3, §3.5): Class I or II, owned, in force on the
/// evaluation date, related to the main products, undisputed. Returns counted Class I and II
/// and the items that might count but lack data.
fn sme_ip(input: &FirmInput, as_of: Date, trace: &mut Trace) -> Option<(u32, u32, u32, u32)> {
    let items = trace.list("ip_items", input.ip_items.as_ref())?;
    let (mut class1, mut class2, mut unknown1, mut unknown2) = (0, 0, 0, 0);
    for (index, item) in items.iter().enumerate() {
        let mut unknown = false;
        let mut miss = |key: &'static str, trace: &mut Trace| {
            trace.miss(FieldRef::item("ip_items", index, key));
            unknown = true;
        };
        let class = match item.ip_class() {
            Some(IpClass::NotCounted) => continue,
            Some(class) => Some(class),
            None => {
                miss("kind", trace);
                None
            }
        };
        if item.status_as_of == Some(IpStatus::Expired) || item.expiry_date.is_some_and(|expiry| expiry < as_of) {
            continue;
        }
        match item.grant_date {
            Some(granted) if granted > as_of => continue,
            Some(_) => {}
            None if item.status_as_of == Some(IpStatus::InForce) => {}
            None => miss("grant_date", trace),
        }
        let mut excluded = false;
        for (key, value, wanted) in [
            ("owner_is_applicant", item.owner_is_applicant, true),
            ("related_to_main_product", item.related_to_main_product, true),
            ("in_dispute", item.in_dispute, false),
        ] {
            match value {
                Some(flag) if flag != wanted => excluded = true,
                Some(_) => {}
                None => miss(key, trace),
            }
        }
        if excluded {
            continue;
        }
        match (class, unknown) {
            (Some(IpClass::I), false) => class1 += 1,
            (_, false) => class2 += 1,
            (Some(IpClass::II), true) => unknown2 += 1,
            (_, true) => unknown1 += 1,
        }
    }
    Some((class1, class2, unknown1, unknown2))
}

/// SME-B5 (§3.3, §3.7): the 100-point score ≥ 60 and S&T-staff points ≠ 0. Returns the
/// condition, the score and its items.
fn b5_score(input: &FirmInput, year: i32, as_of: Date, eval: &mut Evaluation) -> (Condition, Score, Vec<ScoreItem>) {
    let mut trace = eval.trace();
    let threshold = Some(Threshold::new(Cmp::Ge, Value::Points(PASS_SCORE)));

    // S&T staff share (≤ 20).
    let total = input.staff_quarterly.get(year).map(|counts| staff_sum(counts));
    let tech = input.tech_staff_quarterly.get(year).map(|counts| staff_sum(counts));
    match tech {
        Some(sum) => trace.used(FieldRef::year("tech_staff_quarterly", year), Value::number(ratio(sum, QUARTER_UNITS))),
        None => trace.miss(FieldRef::year("tech_staff_quarterly", year)),
    }
    if total.is_none() {
        trace.miss(FieldRef::year("staff_quarterly", year));
    }
    let staff = total.zip(tech).map(|(total, tech)| {
        let points = if total > 0 { band_points(tech, total, &STAFF_BANDS) } else { 0 };
        (points, total, tech)
    });
    let staff_item = ScoreItem {
        part: 1,
        key: "st_staff",
        min: staff.map_or(0, |s| s.0),
        max: staff.map_or(20, |s| s.0),
        source: if staff.is_some() { ScoreSource::Computed } else { ScoreSource::Missing },
        value: staff.filter(|s| s.1 > 0).map(|(_, total, tech)| Value::percent(ratio(tech, total))),
    };

    // R&D (≤ 50): the better of the sales and the cost basis; R&D on the super-deduction basis.
    eval.note(NoteKind::SmeRdBasis);
    let rd = base_of(input, year, &mut trace, eval).map(|base| base.base);
    let main = year_money!(trace, input, main_business_revenue, year);
    let other = year_money!(trace, input, other_business_revenue, year);
    let sales = main.zip(other).map(|(main, other)| fen(main) + fen(other));
    let cost = year_money!(trace, input, cost_expense_total, year).map(fen);
    if cost.is_some() {
        eval.note(NoteKind::SmeCostBasis);
    }
    let basis = |den: Option<i128>, bands: &[(i128, u32)]| -> Option<(u32, Option<Value>)> {
        let (rd, den) = (rd?, den?);
        Some(if den > 0 { (band_points(rd, den, bands), Some(Value::percent(ratio(rd, den)))) } else { (0, None) })
    };
    let on_sales = basis(sales, &RD_SALES_BANDS);
    let on_cost = basis(cost, &RD_COST_BANDS);
    let basis_item = |key, found: Option<(u32, Option<Value>)>| ScoreItem {
        part: 2,
        key,
        min: found.map_or(0, |f| f.0),
        max: found.map_or(50, |f| f.0),
        source: if found.is_some() { ScoreSource::Computed } else { ScoreSource::Missing },
        value: found.and_then(|f| f.1),
    };
    let sales_item = basis_item("rd_sales", on_sales);
    let cost_item = basis_item("rd_cost", on_cost);
    // The firm may pick either basis: a missing one could still be the better.
    let rd_min = sales_item.min.max(cost_item.min);
    let rd_max = sales_item.max.max(cost_item.max);

    // S&T results (≤ 30).
    let ip = sme_ip(input, as_of, &mut trace);
    let ip_item = ScoreItem {
        part: 3,
        key: "ip",
        min: ip.map_or(0, |(c1, c2, _, _)| ip_points(c1, c2)),
        max: ip.map_or(30, |(c1, c2, u1, u2)| ip_points(c1 + u1, c2 + u2)),
        source: match ip {
            Some((_, _, 0, 0)) => ScoreSource::Computed,
            _ => ScoreSource::Missing,
        },
        value: ip.map(|(c1, c2, _, _)| Value::Count(i64::from(c1 + c2))),
    };

    let min = staff_item.min + rd_min + ip_item.min;
    let max = staff_item.max + rd_max + ip_item.max;
    let score = Score { min, max };
    let staff_zero = staff.is_some_and(|s| s.0 == 0);
    let outcome = if staff_zero || max < PASS_SCORE {
        Check::Fail
    } else if min >= PASS_SCORE && staff.is_some() {
        Check::Pass
    } else {
        Check::Unknown
    };

    let mut gap = trace.take_gap();
    if outcome == Check::Fail {
        if let Some((staff_points, total, tech)) = staff {
            let needed = PASS_SCORE.saturating_sub(min);
            // S&T staff: the lowest band that alone closes the gap (and is not 0).
            if let Some((percent, _)) = STAFF_BANDS
                .iter()
                .rev()
                .find(|(_, points)| *points > staff_points && points - staff_points >= needed)
                .filter(|_| total > 0)
            {
                gap.push(GapOption {
                    field: FieldRef::year("tech_staff_quarterly", year),
                    change: Change::Reclassify,
                    amount: Value::number_up(ratio(percent * total - 100 * tech, 100 * QUARTER_UNITS)),
                    to: Some(Value::percent(Ratio::percent(*percent))),
                    note: None,
                });
            }
            if staff_points > 0 {
                if let (Some(rd), Some(sales)) = (rd, sales.filter(|s| *s > 0)) {
                    let points = on_sales.map_or(0, |f| f.0);
                    if let Some((percent, _)) =
                        RD_SALES_BANDS.iter().rev().find(|(_, p)| *p > points && (min - rd_min) + p >= PASS_SCORE)
                    {
                        gap.push(GapOption {
                            field: FieldRef::year("rd_sd", year),
                            change: Change::Increase,
                            amount: Value::Money(money(div_ceil(sales * percent, 100) - rd)),
                            to: Some(Value::percent(Ratio::percent(*percent))),
                            note: Some(GapNote::SalesBasis),
                        });
                    }
                }
                if let (Some(rd), Some(cost)) = (rd, cost.filter(|c| *c > 0)) {
                    let points = on_cost.map_or(0, |f| f.0);
                    if let Some((percent, _)) =
                        RD_COST_BANDS.iter().rev().find(|(_, p)| *p > points && (min - rd_min) + p >= PASS_SCORE)
                    {
                        // R&D is part of costs: (rd + x) / (cost + x) ≥ p.
                        gap.push(GapOption {
                            field: FieldRef::year("rd_sd", year),
                            change: Change::Increase,
                            amount: Value::Money(money(div_ceil(cost * percent - rd * 100, 100 - percent))),
                            to: Some(Value::percent(Ratio::percent(*percent))),
                            note: Some(GapNote::CostsGrowWithRd),
                        });
                    }
                }
                if let Some((class1, class2, _, _)) = ip {
                    let base = min - ip_item.min;
                    let more = (1..=4).find(|k| base + ip_points(class1, class2 + k) >= PASS_SCORE);
                    if let Some(more) = more.filter(|_| class1 == 0) {
                        gap.push(GapOption {
                            field: FieldRef { field: "ip_items", year: None, index: None, key: Some("class_ii") },
                            change: Change::Increase,
                            amount: Value::Count(i64::from(more)),
                            to: None,
                            note: None,
                        });
                    } else if class1 == 0 && base + 30 >= PASS_SCORE {
                        gap.push(GapOption {
                            field: FieldRef { field: "ip_items", year: None, index: None, key: Some("class_i") },
                            change: Change::Increase,
                            amount: Value::Count(1),
                            to: None,
                            note: None,
                        });
                    }
                }
            }
        }
    }
    let value = if min == max { Value::Points(min) } else { Value::PointRange(min, max) };
    let mut items = eval.new_items();
    items.extend([staff_item, sales_item, cost_item, ip_item]);
    (trace.condition(CondId::SmeB5, outcome, Some(value), threshold, gap), score, items)
}

/// The date `years` years before `date` (29 February falls back to the 28th).
fn years_before(date: Date, years: i32) -> Date {
    Date::from_calendar_date(date.year() - years, date.month(), date.day())
        .or_else(|_| Date::from_calendar_date(date.year() - years, date.month(), date.day() - 1))
        .unwrap_or(date)
}

/// SME-D1 (§3.4): a valid HNTE certificate on the evaluation date (three years from issue
/// when no expiry date is given, HNTE-V1).
fn d1_hnte_certificate(input: &FirmInput, as_of: Date, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let outcome = trace.list("hnte_certificates", input.hnte_certificates.as_ref()).map_or(Check::Unknown, |list| {
        Check::from_bool(list.iter().any(|certificate| {
            let last = certificate.expiry_date.unwrap_or_else(|| {
                years_before(certificate.issue_date, -3).previous_day().unwrap_or(certificate.issue_date)
            });
            certificate.issue_date <= as_of
                && as_of <= last
                && certificate.cancelled_date.is_none_or(|cancelled| cancelled > as_of)
        }))
    });
    trace.condition(CondId::SmeD1, outcome, None, None, Vec::new())
}

/// SME-D2 (§3.4): a national S&T award in the last five years (以内: the day five years back
/// included, §0.2), among the first three units.
fn d2_national_award(input: &FirmInput, as_of: Date, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let since = years_before(as_of, DIRECT_ROUTE_YEARS);
    let outcome = trace.list("national_st_awards", input.national_st_awards.as_ref()).map_or(Check::Unknown, |list| {
        if !list.is_empty() {
            eval.note(NoteKind::SmeFiveYearWindow);
        }
        Check::from_bool(
            list.iter().any(|award| award.date >= since && award.date <= as_of && (1..=3).contains(&award.unit_rank)),
        )
    });
    trace.condition(CondId::SmeD2, outcome, None, None, Vec::new())
}

/// SME-D3 (§3.4): an R&D institution recognised at provincial/ministerial level or above.
fn d3_rd_institution(input: &FirmInput, as_of: Date, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let outcome = trace.list("rd_institutions", input.rd_institutions.as_ref()).map_or(Check::Unknown, |list| {
        Check::any(list.iter().enumerate().map(|(index, institution)| {
            let level = matches!(institution.level, InstitutionLevel::National | InstitutionLevel::Provincial);
            let recognised = institution.recognised_date.is_none_or(|date| date <= as_of);
            match institution.valid {
                _ if !level || !recognised => Check::Fail,
                Some(valid) => Check::from_bool(valid),
                None => {
                    trace.miss(FieldRef::item("rd_institutions", index, "valid"));
                    Check::Unknown
                }
            }
        }))
    });
    trace.condition(CondId::SmeD3, outcome, None, None, Vec::new())
}

/// SME-D4 (§3.4): led the drafting of an international, national or industry standard in the
/// last five years.
fn d4_standard_led(input: &FirmInput, as_of: Date, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let since = years_before(as_of, DIRECT_ROUTE_YEARS);
    let outcome = trace.list("standards_led", input.standards_led.as_ref()).map_or(Check::Unknown, |list| {
        if !list.is_empty() {
            eval.note(NoteKind::SmeFiveYearWindow);
        }
        Check::from_bool(list.iter().any(|standard| standard.led && standard.date >= since && standard.date <= as_of))
    });
    trace.condition(CondId::SmeD4, outcome, None, None, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use super::super::input::{ByYear, HnteCertificate, IpRecord};
    use super::super::tests::{run, sme_s1};
    use super::super::*;
    use super::*;
    use crate::registry::{IndustryCode, IpKind};

    fn points(eval: &Evaluation) -> Vec<(&'static str, u32)> {
        eval.score_items.iter().map(|item| (item.key, item.min)).collect()
    }

    /// §3.8 S1: staff 22% → 12; R&D/sales 4.8% → 30 (costs 5.33% → 0); 3 software
    /// copyrights → 18; total 60 with staff points > 0 → Met.
    #[test]
    fn s1_passes_exactly_at_60() {
        let eval = run(RuleKind::Sme, &sme_s1());
        assert_eq!(eval.version.id, "sme-2022");
        assert_eq!(points(&eval), [("st_staff", 12), ("rd_sales", 30), ("rd_cost", 0), ("ip", 18)]);
        let values: Vec<String> = eval.score_items[..3].iter().map(|item| item.value.unwrap().text()).collect();
        assert_eq!(values, ["22%", "4.8%", "5.3333%"]);
        assert_eq!(eval.score, Some(Score { min: 60, max: 60 }));
        assert_eq!(eval.condition(CondId::SmeB5).unwrap().outcome, Check::Pass);
        assert_eq!(eval.outcome, Outcome::Eligible);
    }

    /// §3.8 S1 variant: one copyright lapsed before evaluation → 12 → 54 → NotMet.
    #[test]
    fn s1_variant_one_copyright_lapsed() {
        let mut input = sme_s1();
        input.ip_items.as_mut().unwrap()[0].expiry_date = Some(time::macros::date!(2025 - 03 - 31));
        let eval = run(RuleKind::Sme, &input);
        assert_eq!(points(&eval)[3], ("ip", 12));
        assert_eq!(eval.score, Some(Score { min: 54, max: 54 }));
        assert_eq!(eval.outcome, Outcome::NotEligible);
        // What would close it: 30% S&T staff (+4 persons), or R&D to 5% of sales
        // (+20,000.00), or to 25% of costs (+2,360,000.00), or one more Class II item.
        let gap: Vec<String> =
            eval.condition(CondId::SmeB5).unwrap().gap.iter().map(|g| format!("{} {}", g.field, g.delta())).collect();
        assert_eq!(
            gap,
            ["tech_staff_quarterly.2024 +4", "rd_sd.2024 +20000.00", "rd_sd.2024 +2360000.00", "ip_items.class_ii +1"]
        );
    }

    /// §3.8 S2: S&T staff 9.5% → 0 points; total 80 but staff points 0 → NotMet; with a
    /// valid HNTE certificate → SME-D1 → Met without the score.
    #[test]
    fn s2_zero_staff_points_and_the_hnte_route() {
        let mut input = sme_s1();
        let quarters = |persons: i64| vec![StaffCount::flat(Headcount::from_units(persons)); 4];
        input.staff_quarterly = ByYear::from_pairs([(2024, quarters(1_000_000))]);
        input.tech_staff_quarterly = ByYear::from_pairs([(2024, quarters(95_000))]);
        let mut rd = *input.rd_sd.get(2024).unwrap();
        rd.personnel = Some(Money::parse("700000").unwrap());
        input.rd_sd.insert(2024, rd);
        input.ip_items =
            Some(vec![IpRecord { kind: Some(IpKind::InventionPatent), ..input.ip_items.unwrap()[0].clone() }]);
        input.total_assets_ye.insert(2024, Money::parse("15000000").unwrap());
        let eval = run(RuleKind::Sme, &input);
        assert_eq!(points(&eval), [("st_staff", 0), ("rd_sales", 50), ("rd_cost", 0), ("ip", 30)]);
        assert_eq!(eval.score, Some(Score { min: 80, max: 80 }));
        let b5 = eval.condition(CondId::SmeB5).unwrap();
        assert_eq!(b5.outcome, Check::Fail);
        assert_eq!(b5.gap[0].delta(), "+0.5");
        assert_eq!(eval.outcome, Outcome::NotEligible);

        input.hnte_certificates = Some(vec![HnteCertificate {
            number: Some("GR202343001234".into()),
            issue_date: time::macros::date!(2023 - 12 - 08),
            expiry_date: None,
            cancelled_date: None,
        }]);
        let eval = run(RuleKind::Sme, &input);
        assert_eq!(eval.condition(CondId::SmeD1).unwrap().outcome, Check::Pass);
        assert_eq!(eval.condition(CondId::SmeB5).unwrap().outcome, Check::NotApplicable);
        assert_eq!(eval.outcome, Outcome::Eligible);
    }

    /// §3.8 S3 a and b: staff 500.0, sales 200,000,000, assets 180,000,000 → B2 Met;
    /// assets 200,000,000.01 → NotMet.
    #[test]
    fn s3_size_limits_are_inclusive() {
        let mut input = sme_s1();
        let quarters = |persons: i64| vec![StaffCount::flat(Headcount::persons(persons)); 4];
        input.staff_quarterly = ByYear::from_pairs([(2024, quarters(500))]);
        input.main_business_revenue.insert(2024, Money::parse("200000000").unwrap());
        input.total_assets_ye.insert(2024, Money::parse("180000000").unwrap());
        assert_eq!(run(RuleKind::Sme, &input).condition(CondId::SmeB2).unwrap().outcome, Check::Pass);
        input.total_assets_ye.insert(2024, Money::parse("200000000.01").unwrap());
        let eval = run(RuleKind::Sme, &input);
        let b2 = eval.condition(CondId::SmeB2).unwrap();
        assert_eq!(b2.outcome, Check::Fail);
        assert_eq!(b2.gap[0].delta(), "-0.01");
        // One person-unit above 500 on average fails too.
        input.total_assets_ye.insert(2024, Money::parse("180000000").unwrap());
        let mut q = quarters(500);
        q[3].end = Headcount::from_units(500 * Headcount::SCALE + 1);
        input.staff_quarterly = ByYear::from_pairs([(2024, q)]);
        let eval = run(RuleKind::Sme, &input);
        let b2 = eval.condition(CondId::SmeB2).unwrap();
        assert_eq!((b2.outcome, b2.value.unwrap().text()), (Check::Fail, "500.0001".to_owned()));
    }

    /// SME-B2: sales exactly 200,000,000 pass, one fen more fails.
    #[test]
    fn sales_limit_boundary() {
        let mut input = sme_s1();
        input.main_business_revenue.insert(2024, Money::parse("200000000").unwrap());
        assert_eq!(run(RuleKind::Sme, &input).condition(CondId::SmeB2).unwrap().outcome, Check::Pass);
        input.other_business_revenue.insert(2024, Money::parse("0.01").unwrap());
        let eval = run(RuleKind::Sme, &input);
        let b2 = eval.condition(CondId::SmeB2).unwrap();
        assert_eq!(b2.outcome, Check::Fail);
        assert_eq!(b2.gap[0].delta(), "-0.01");
    }

    /// SME-D1: a certificate is valid through its last day; SME-D2 and SME-D4: the day five
    /// years back is inside the window (以内), the day before outside.
    #[test]
    fn direct_route_date_boundaries() {
        use super::super::input::{NationalAward, StandardLed, StandardLevel};
        let mut input = sme_s1();
        input.hnte_certificates = Some(vec![HnteCertificate {
            number: None,
            issue_date: time::macros::date!(2022 - 07 - 01),
            expiry_date: None,
            cancelled_date: None,
        }]);
        let d1 = |date: Date, input: &FirmInput| {
            evaluate(RuleKind::Sme, input, Some(date)).unwrap().condition(CondId::SmeD1).unwrap().outcome
        };
        assert_eq!(d1(time::macros::date!(2025 - 06 - 30), &input), Check::Pass);
        assert_eq!(d1(time::macros::date!(2025 - 07 - 01), &input), Check::Fail);

        let as_of = time::macros::date!(2025 - 07 - 01);
        let award = |date: Date, rank: u32| Some(vec![NationalAward { date, unit_rank: rank }]);
        let outcome = |input: &FirmInput, id: CondId| {
            evaluate(RuleKind::Sme, input, Some(as_of)).unwrap().condition(id).unwrap().outcome
        };
        input.national_st_awards = award(time::macros::date!(2020 - 07 - 01), 3);
        assert_eq!(outcome(&input, CondId::SmeD2), Check::Pass);
        input.national_st_awards = award(time::macros::date!(2020 - 06 - 30), 3);
        assert_eq!(outcome(&input, CondId::SmeD2), Check::Fail);
        input.national_st_awards = award(time::macros::date!(2024 - 01 - 01), 4);
        assert_eq!(outcome(&input, CondId::SmeD2), Check::Fail);
        input.standards_led = Some(vec![StandardLed {
            level: StandardLevel::Industry,
            date: time::macros::date!(2020 - 07 - 01),
            led: true,
        }]);
        assert_eq!(outcome(&input, CondId::SmeD4), Check::Pass);
        input.standards_led.as_mut().unwrap()[0].led = false;
        assert_eq!(outcome(&input, CondId::SmeD4), Check::Fail);
    }

    /// §3.8 S3 c and d: 60% of revenue from wholesale → B3 NotMet in 2025 (2022 wording);
    /// the same firm in 2020 is not failed on this ground.
    #[test]
    fn s3_wholesale_revenue_2025_and_2020() {
        let mut input = sme_s1();
        let code = |text| IndustryCode::parse(text).unwrap();
        let revenue = |input: &mut FirmInput, year: i32| {
            input.revenue_by_industry.insert(
                year,
                [(code("F51"), Money::parse("6000000").unwrap()), (code("I65"), Money::parse("4000000").unwrap())]
                    .into_iter()
                    .collect(),
            );
        };
        revenue(&mut input, 2024);
        let eval = run(RuleKind::Sme, &input);
        assert_eq!(eval.condition(CondId::SmeB3).unwrap().outcome, Check::Fail);
        assert_eq!(eval.outcome, Outcome::NotEligible);

        let mut old = input.clone();
        old.sme_evaluation_year = Some(2020);
        old.as_of = Some(time::macros::date!(2020 - 07 - 01));
        old.in_restricted_or_eliminated_catalogue.insert(2019, false);
        let eval = run(RuleKind::Sme, &old);
        assert_eq!(eval.version.id, "sme-2017");
        assert_eq!(eval.condition(CondId::SmeB3).unwrap().outcome, Check::Pass);
    }

    /// §3.8 S3 e: taxed on a deemed basis in 2025 → B1 NotMet.
    #[test]
    fn s3_deemed_basis_fails_b1() {
        let mut input = sme_s1();
        input.tax_assessment_method.insert(2024, TaxAssessment::Deemed);
        let eval = run(RuleKind::Sme, &input);
        assert_eq!(eval.condition(CondId::SmeB1).unwrap().outcome, Check::Fail);
        assert_eq!(eval.outcome, Outcome::NotEligible);
    }

    /// Score bands at their lower bounds, and one unit below.
    #[test]
    fn score_band_boundaries() {
        for (percent, points, below) in [(30, 20, 16), (25, 16, 12), (20, 12, 8), (15, 8, 4), (10, 4, 0)] {
            assert_eq!(band_points(percent, 100, &STAFF_BANDS), points);
            assert_eq!(band_points(percent * 10_000 - 1, 1_000_000, &STAFF_BANDS), below);
        }
        for (percent, points) in [(6, 50), (5, 40), (4, 30), (3, 20), (2, 10)] {
            assert_eq!(band_points(percent, 100, &RD_SALES_BANDS), points);
            assert_eq!(band_points(percent * 100 - 1, 10_000, &RD_SALES_BANDS), points - 10);
        }
        for (percent, points) in [(30, 50), (25, 40), (20, 30), (15, 20), (10, 10)] {
            assert_eq!(band_points(percent, 100, &RD_COST_BANDS), points);
            assert_eq!(band_points(percent * 100 - 1, 10_000, &RD_COST_BANDS), points - 10);
        }
        assert_eq!([0, 1, 2, 3, 4, 5].map(|n| ip_points(0, n)), [0, 6, 12, 18, 24, 24]);
        assert_eq!(ip_points(1, 0), 30);
    }

    /// The S&T-staff zero rule at its edge: exactly 10% gives 4 points; one unit below 0.
    #[test]
    fn staff_share_ten_percent_edge() {
        let mut input = sme_s1();
        let quarters = |units: i64| vec![StaffCount::flat(Headcount::from_units(units)); 4];
        input.tech_staff_quarterly = ByYear::from_pairs([(2024, quarters(50_000))]);
        assert_eq!(points(&run(RuleKind::Sme, &input))[0], ("st_staff", 4));
        input.tech_staff_quarterly = ByYear::from_pairs([(2024, quarters(49_999))]);
        let eval = run(RuleKind::Sme, &input);
        assert_eq!(points(&eval)[0], ("st_staff", 0));
        assert_eq!(eval.condition(CondId::SmeB5).unwrap().outcome, Check::Fail);
    }
}

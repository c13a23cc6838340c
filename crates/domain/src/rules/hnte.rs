//! High and new technology enterprise (HNTE, 高新技术企业) recognition: `policy-rules.md` §2.
//!
//! Conditions HNTE-00 to HNTE-09 (§2.2), each with its own function below; the
//! innovation-capability score (HNTE-08, §2.7) is an interval built from the computed bands
//! and the expert-scored items, decided only when the whole interval lies on one side of 70.
//!
//! Windows (§2.1, §2.9): `A` is the application date and `N = year(A)`; the latest year is FY
//! `N-1`; the three-year window FY `N-3..N-1` shrinks to the fiscal years in which the firm
//! operated (from the year of its registration).
//!
//! Versions: `hnte-2016` (国科发火〔2016〕32号 / 195号) from 2016-01-01, `hnte-2008` before
//! (§1.2: 6% tier below 50,000,000, S&T staff ≥ 30%, IP obtained within three years or an
//! exclusive licence, total-asset growth).

use time::{Date, Duration};

use super::arith::{div_ceil, div_round, Ratio};
use super::input::{FirmInput, IncidentKind, IpStatus, StandardLevel};
use super::{
    rule_version, year_money, Change, Check, Cmp, CondId, Condition, Evaluation, FieldRef, GapNote, GapOption,
    NoteKind, Pool, RuleError, RuleKind, Score, ScoreItem, ScoreSource, Threshold, Trace, Value,
};
use crate::money::Money;
use crate::registry::{Acquisition, IpClass};

/// HNTE-01 and HNTE-09 (§2.1): 365 calendar days, the start day not counted.
const ONE_YEAR_DAYS: i64 = 365;
/// HNTE-06 (§2.2): domestic R&D ≥ 60% of all R&D.
const DOMESTIC_MIN_PERCENT: i128 = 60;
/// HNTE-07 (§2.2, §2.5): high-tech revenue ≥ 60% of total revenue.
const HIGHTECH_MIN_PERCENT: i128 = 60;
/// HNTE-08 (§2.7, §0.4): the score must be more than 70.
const SCORE_PASS_ABOVE: u32 = 70;
/// §2.3: sales tier boundaries, in fen (50,000,000 and 200,000,000 yuan).
const TIER_50M_FEN: i128 = 5_000_000_000;
const TIER_200M_FEN: i128 = 20_000_000_000;

/// Which version's parameters apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edition {
    /// 国科发火〔2008〕172号 and its guideline (§1.2).
    Y2008,
    /// 国科发火〔2016〕32号 and 195号 (§2).
    Y2016,
}

impl Edition {
    /// HNTE-04: the minimum S&T staff share in percent (§2.2: 10%; 2008: 30% \[M\], §1.2).
    fn staff_min_percent(self) -> i128 {
        match self {
            Edition::Y2008 => 30,
            Edition::Y2016 => 10,
        }
    }

    /// HNTE-05: the R&D rate in percent for the latest-year sales, and the sales at which the
    /// next (lower) tier starts with its rate (§2.3; 2008: §1.2).
    fn tier(self, sales_fen: i128) -> (i128, Option<(i128, u8)>) {
        match self {
            // ≤ 50,000,000 (含) → 5%; ≤ 200,000,000 (含) → 4%; more → 3%.
            Edition::Y2016 => {
                if sales_fen <= TIER_50M_FEN {
                    (5, Some((TIER_50M_FEN + 1, 4)))
                } else if sales_fen <= TIER_200M_FEN {
                    (4, Some((TIER_200M_FEN + 1, 3)))
                } else {
                    (3, None)
                }
            }
            // < 50,000,000 → 6%; 50,000,000 to 200,000,000 → 4%; above → 3%.
            Edition::Y2008 => {
                if sales_fen < TIER_50M_FEN {
                    (6, Some((TIER_50M_FEN, 4)))
                } else if sales_fen <= TIER_200M_FEN {
                    (4, Some((TIER_200M_FEN + 1, 3)))
                } else {
                    (3, None)
                }
            }
        }
    }
}

/// The fiscal years of the window: `first..=last`, empty when `first > last`.
#[derive(Debug, Clone, Copy)]
struct Years {
    first: i32,
    last: i32,
}

impl Years {
    fn len(self) -> i32 {
        (self.last - self.first + 1).max(0)
    }

    fn iter(self) -> impl Iterator<Item = i32> {
        self.first..=self.last
    }
}

/// Evaluates HNTE recognition on the application date `A` = `as_of`, else
/// `hnte_application_date`, else `as_of` of the input. The input must have been checked.
pub(crate) fn evaluate(
    input: &FirmInput,
    as_of: Option<Date>,
    pool: &mut Option<Box<Pool>>,
) -> Result<Evaluation, RuleError> {
    let a = as_of
        .or(input.hnte_application_date)
        .or(input.as_of)
        .ok_or(RuleError::NoEvaluationDate { rule: RuleKind::Hnte })?;
    let n = a.year();
    let version = rule_version(RuleKind::Hnte, a).ok_or(RuleError::NoRuleVersion { rule: RuleKind::Hnte, year: n })?;
    let edition = if version.id == "hnte-2008" { Edition::Y2008 } else { Edition::Y2016 };
    let mut eval = Evaluation::start(RuleKind::Hnte, version, a, n, pool);
    if edition == Edition::Y2008 {
        eval.note(NoteKind::Hnte2008Rules);
    }

    // §2.1: FY N-3..N-1, only the years the firm operated (§2.9).
    let first = match input.registration_date {
        Some(registered) => registered.year().max(n - 3),
        None => {
            eval.note(NoteKind::HnteWindowUnknown);
            n - 3
        }
    };
    let years = Years { first, last: n - 1 };
    let ip = IpAssessment::new(input, a, edition);

    let (score_condition, score, items) = hnte08_score(input, a, years, &ip, edition, &mut eval)?;
    let mut conditions = eval.new_conditions();
    conditions.push(hnte00_legal_status(input, &mut eval));
    conditions.push(hnte01_registration_age(input, a, &mut eval));
    conditions.push(hnte02_ip(&ip, edition, &mut eval));
    conditions.push(hnte03_tech_field(input, &mut eval));
    conditions.push(hnte04_staff(input, n - 1, edition, &mut eval));
    conditions.push(hnte05_rd_ratio(input, years, edition, &mut eval));
    conditions.push(hnte06_domestic_rd(input, years, &mut eval));
    conditions.push(hnte07_hightech_revenue(input, n - 1, &mut eval));
    conditions.push(score_condition);
    conditions.push(hnte09_incidents(input, a, &mut eval));
    eval.outcome = Check::all(conditions.iter().map(|condition| condition.outcome)).outcome();
    eval.conditions = conditions;
    eval.score = Some(score);
    eval.score_items = items;
    Ok(eval.finish(pool))
}

/// `Pass` when the flag has the wanted value, `Fail` when it has the other, `Unknown` when absent.
fn flag_is(value: Option<bool>, wanted: bool) -> Check {
    match value {
        Some(flag) => Check::from_bool(flag == wanted),
        None => Check::Unknown,
    }
}

fn count(n: usize) -> Value {
    Value::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

/// HNTE-00 (§2.2): resident enterprise registered in mainland China; a branch without legal
/// personality cannot apply on its own \[M\].
fn hnte00_legal_status(input: &FirmInput, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let mainland = trace.bool("registered_in_mainland", input.registered_in_mainland);
    let resident = trace.bool("resident_enterprise", input.resident_enterprise);
    let branch = trace.bool("is_branch_without_legal_person", input.is_branch_without_legal_person);
    if branch == Some(true) {
        eval.note(NoteKind::HnteBranch);
    }
    let outcome = Check::all([flag_is(mainland, true), flag_is(resident, true), flag_is(branch, false)]);
    trace.condition(CondId::Hnte00, outcome, None, None, Vec::new())
}

/// HNTE-01 (§2.1): registered at least 365 days before `A` (start day not counted).
fn hnte01_registration_age(input: &FirmInput, a: Date, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let threshold = Some(Threshold::new(Cmp::Ge, Value::Days(ONE_YEAR_DAYS)));
    let Some(registered) = input.registration_date else {
        trace.miss(FieldRef::field("registration_date"));
        return trace.condition(CondId::Hnte01, Check::Unknown, None, threshold, Vec::new());
    };
    trace.used(FieldRef::field("registration_date"), Value::Date(registered));
    let days = (a - registered).whole_days();
    let pass = days >= ONE_YEAR_DAYS;
    let gap = if pass {
        Vec::new()
    } else {
        trace.one_gap(GapOption {
            field: FieldRef::field("hnte_application_date"),
            change: Change::Wait,
            amount: Value::Days(ONE_YEAR_DAYS - days),
            to: registered.checked_add(Duration::days(ONE_YEAR_DAYS)).map(Value::Date),
            note: None,
        })
    };
    trace.condition(CondId::Hnte01, Check::from_bool(pass), Some(Value::Days(days)), threshold, gap)
}

/// The IP items as HNTE sees them (§2.6): which are counted, which are not, which lack data.
#[derive(Debug, Default)]
struct IpAssessment {
    /// `ip_items` is given.
    known: bool,
    listed: usize,
    class1: u32,
    class2: u32,
    self_developed: bool,
    /// Counted items judged to support the main products, and those not judged yet.
    related: u32,
    related_unknown: u32,
    /// Items that might count, but lack data.
    unknown_class1: u32,
    unknown_class2: u32,
    /// 2008: licensed items, countable only as exclusive licences of 5+ years (§1.2).
    licences_2008: u32,
    missing: Vec<FieldRef>,
}

impl IpAssessment {
    fn new(input: &FirmInput, a: Date, edition: Edition) -> IpAssessment {
        let mut ip = IpAssessment::default();
        let Some(items) = &input.ip_items else {
            return ip;
        };
        ip.known = true;
        ip.listed = items.len();
        let n = a.year();
        // §1.2 (2008): IP obtained within the three years before applying.
        let three_years_before = Date::from_calendar_date(n - 3, a.month(), a.day())
            .or_else(|_| Date::from_calendar_date(n - 3, a.month(), a.day() - 1))
            .ok();
        for (index, item) in items.iter().enumerate() {
            let mut unknown = false;
            let mut miss = |key: &'static str, missing: &mut Vec<FieldRef>| {
                missing.push(FieldRef::item("ip_items", index, key));
                unknown = true;
            };
            // Class (§2.6): trademarks and other kinds never count.
            let class = match item.ip_class() {
                Some(IpClass::NotCounted) => continue,
                Some(class) => Some(class),
                None => {
                    miss("kind", &mut ip.missing);
                    None
                }
            };
            let licence = match item.acquisition {
                Some(Acquisition::Licence) if edition == Edition::Y2016 => continue,
                Some(Acquisition::Licence) => true,
                Some(_) => false,
                None => {
                    miss("acquisition", &mut ip.missing);
                    false
                }
            };
            match item.granted_in_china {
                Some(false) => continue,
                Some(true) => {}
                None => miss("granted_in_china", &mut ip.missing),
            }
            match item.owner_is_applicant {
                Some(false) => continue,
                Some(true) => {}
                None => miss("owner_is_applicant", &mut ip.missing),
            }
            // In force on A: granted by then, not expired (§2.6 "where granted", "evidence date").
            if item.status_as_of == Some(IpStatus::Expired) {
                continue;
            }
            match item.grant_date {
                Some(granted) if granted > a => continue,
                Some(granted) => {
                    if edition == Edition::Y2008 && !licence && three_years_before.is_some_and(|limit| granted < limit)
                    {
                        continue;
                    }
                }
                None if item.status_as_of == Some(IpStatus::InForce) && edition == Edition::Y2016 => {}
                None => miss("grant_date", &mut ip.missing),
            }
            if item.expiry_date.is_some_and(|expiry| expiry < a) {
                continue;
            }
            // Class II may serve one application only; Class I may be reused (§2.6).
            if class == Some(IpClass::II) && item.used_in_prior_hnte_application.is_some_and(|year| year < n) {
                continue;
            }
            // Co-owned IP: only one owner may use it (§2.6).
            match item.used_by_co_owner_for_hnte {
                Some(true) => continue,
                None if item.co_owners.as_ref().is_some_and(|owners| !owners.is_empty()) => {
                    miss("used_by_co_owner_for_hnte", &mut ip.missing);
                }
                Some(false) | None => {}
            }
            if licence {
                ip.licences_2008 += 1;
                continue;
            }
            if unknown {
                match class {
                    Some(IpClass::II) => ip.unknown_class2 += 1,
                    _ => ip.unknown_class1 += 1,
                }
                continue;
            }
            match class {
                Some(IpClass::I) => ip.class1 += 1,
                _ => ip.class2 += 1,
            }
            if item.acquisition == Some(Acquisition::SelfDeveloped) {
                ip.self_developed = true;
            }
            match item.related_to_main_product {
                Some(true) => ip.related += 1,
                Some(false) => {}
                None => ip.related_unknown += 1,
            }
        }
        ip
    }

    fn counted(&self) -> u32 {
        self.class1 + self.class2
    }

    fn unknown(&self) -> u32 {
        self.unknown_class1 + self.unknown_class2
    }
}

/// HNTE-02 (§2.2, §2.6): at least one counted IP item giving core support to the main
/// products; "core support" is an expert judgement (`related_to_main_product`).
fn hnte02_ip(ip: &IpAssessment, edition: Edition, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let threshold = Some(Threshold::new(Cmp::Ge, Value::Count(1)));
    if !ip.known {
        trace.miss(FieldRef::field("ip_items"));
        return trace.condition(CondId::Hnte02, Check::Unknown, None, threshold, Vec::new());
    }
    trace.used(FieldRef::field("ip_items"), count(ip.listed));
    trace.missing.extend_from_slice(&ip.missing);
    if ip.licences_2008 > 0 {
        eval.note(NoteKind::Hnte2008Licence);
    }
    let outcome = if ip.related > 0 {
        Check::Pass
    } else if ip.unknown() > 0 {
        Check::Unknown
    } else if ip.related_unknown > 0 || ip.licences_2008 > 0 {
        Check::NeedsExpert
    } else {
        Check::Fail
    };
    let gap = if outcome == Check::Fail {
        trace.one_gap(GapOption {
            field: FieldRef::field("ip_items"),
            change: Change::Increase,
            amount: Value::Count(1),
            to: None,
            note: None,
        })
    } else {
        Vec::new()
    };
    let _ = edition;
    trace.condition(CondId::Hnte02, outcome, Some(Value::Count(i64::from(ip.counted()))), threshold, gap)
}

/// HNTE-03 (§2.2): the supporting technology is in one of the eight fields. The input's
/// classification is taken as given (mapping a product to a field is the experts' call).
fn hnte03_tech_field(input: &FirmInput, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    match input.tech_field {
        Some(field) => {
            trace.used(FieldRef::field("tech_field"), Value::TechField(field));
            trace.condition(CondId::Hnte03, Check::Pass, Some(Value::TechField(field)), None, Vec::new())
        }
        None => {
            trace.miss(FieldRef::field("tech_field"));
            trace.condition(CondId::Hnte03, Check::Unknown, None, None, Vec::new())
        }
    }
}

/// HNTE-04 (§2.2, §2.4): S&T staff ≥ 10% of total staff in FY N-1, monthly averages
/// `(start + end) / 2`, the year's figure their mean over the operating months.
fn hnte04_staff(input: &FirmInput, year: i32, edition: Edition, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let min_percent = edition.staff_min_percent();
    let threshold = Some(Threshold::new(Cmp::Ge, Value::percent(Ratio::percent(min_percent))));
    let sum = |counts: &[super::input::StaffCount]| -> i128 {
        counts.iter().map(|count| i128::from(count.start.units()) + i128::from(count.end.units())).sum()
    };
    let total = input.staff_monthly.get(year).map(|counts| sum(counts));
    let tech = input.tech_staff_monthly.get(year).map(|counts| sum(counts));
    // §2.4: divide by the operating months [M]; a firm registered in the year without
    // `operating_months` counts from its registration month.
    let months = i128::from(input.operating_months.at(year).unwrap_or_else(|| {
        input
            .registration_date
            .filter(|registered| registered.year() == year)
            .map_or(12, |registered| 13 - u8::from(registered.month()))
    }));
    if months < 12 {
        eval.note(NoteKind::HnteStaffDivisor);
    }
    let per_person = 2 * months * i128::from(super::input::Headcount::SCALE);
    match total {
        Some(total) => trace.used(FieldRef::year("staff_monthly", year), Value::number(ratio(total, per_person))),
        None => trace.miss(FieldRef::year("staff_monthly", year)),
    }
    match tech {
        Some(tech) => trace.used(FieldRef::year("tech_staff_monthly", year), Value::number(ratio(tech, per_person))),
        None => trace.miss(FieldRef::year("tech_staff_monthly", year)),
    }
    let (Some(total), Some(tech)) = (total, tech) else {
        return trace.condition(CondId::Hnte04, Check::Unknown, None, threshold, Vec::new());
    };
    if total <= 0 {
        return trace.condition(CondId::Hnte04, Check::Fail, None, threshold, Vec::new());
    }
    let pass = tech * 100 >= total * min_percent;
    let mut gap = trace.take_gap();
    if !pass {
        let short = min_percent * total - 100 * tech;
        gap.push(GapOption {
            field: FieldRef::year("tech_staff_monthly", year),
            change: Change::Reclassify,
            amount: Value::number_up(ratio(short, 100 * per_person)),
            to: None,
            note: None,
        });
        gap.push(GapOption {
            field: FieldRef::year("tech_staff_monthly", year),
            change: Change::Increase,
            amount: Value::number_up(ratio(short, (100 - min_percent) * per_person)),
            to: None,
            note: None,
        });
    }
    trace.condition(CondId::Hnte04, Check::from_bool(pass), Some(Value::percent(ratio(tech, total))), threshold, gap)
}

fn ratio(num: i128, den: i128) -> Ratio {
    Ratio::new(num, den).unwrap_or(Ratio::int(0))
}

/// Sales revenue (§2.3) of one year, main + other business revenue, recorded in `trace`.
fn sales_of(input: &FirmInput, year: i32, trace: &mut Trace) -> Option<i128> {
    let main = year_money!(trace, input, main_business_revenue, year);
    let other = year_money!(trace, input, other_business_revenue, year);
    Some(i128::from(main?.fen()) + i128::from(other?.fen()))
}

/// R&D of one year on the HNTE basis (§2.3): the eight categories, "other" capped at 20% of
/// the total [L: read as other ≤ ¼ of the other seven, §7.4], in fen.
fn rd_of(input: &FirmInput, year: i32, trace: &mut Trace, eval: &mut Evaluation) -> Option<i128> {
    let Some(rd) = input.rd_hnte.get(year) else {
        trace.miss(FieldRef::year("rd_hnte", year));
        return None;
    };
    let mut complete = true;
    for (key, amount) in super::input::RD_HNTE_KEYS.iter().zip(rd.categories()) {
        if amount.is_none() {
            trace.miss(FieldRef::year_key("rd_hnte", year, key));
            complete = false;
        }
    }
    if !complete {
        return None;
    }
    let fen = |amount: Option<Money>| i128::from(amount.unwrap_or_default().fen());
    let other = fen(rd.other);
    let seven: i128 = rd.categories()[..7].iter().map(|amount| fen(*amount)).sum();
    let cap = div_round(seven, 4);
    if other > cap {
        eval.note(NoteKind::HnteOtherCostCap);
    }
    if fen(rd.commissioned_external_counted) > 0 {
        eval.note(NoteKind::HnteCommissioned80);
    }
    let total = seven + other.min(cap);
    trace.used(FieldRef::year("rd_hnte", year), Value::Money(money(total)));
    Some(total)
}

/// Fen (in range after the input check) as [`Money`].
fn money(fen: i128) -> Money {
    Money::from_fen(i64::try_from(fen).unwrap_or(if fen < 0 { i64::MIN } else { i64::MAX }))
}

/// HNTE-05 (§2.2, §2.3): R&D of the window ÷ sales of the window ≥ the tier rate of the
/// latest-year sales (ratio of sums).
fn hnte05_rd_ratio(input: &FirmInput, years: Years, edition: Edition, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let latest = years.last;
    let tier_sales = sales_of(input, latest, &mut trace);
    let (mut sales_sum, mut rd_sum, mut complete) = (0_i128, 0_i128, tier_sales.is_some());
    let mut rd_latest = 0_i128;
    for year in years.iter() {
        let sales = if year == latest { tier_sales } else { sales_of(input, year, &mut trace) };
        let rd = rd_of(input, year, &mut trace, eval);
        match (sales, rd) {
            (Some(sales), Some(rd)) => {
                sales_sum += sales;
                rd_sum += rd;
                if year == latest {
                    rd_latest = rd;
                }
            }
            _ => complete = false,
        }
    }
    let Some(tier_sales) = tier_sales else {
        return trace.condition(CondId::Hnte05, Check::Unknown, None, None, Vec::new());
    };
    let (rate, next_tier) = edition.tier(tier_sales);
    if edition == Edition::Y2008 && tier_sales == TIER_200M_FEN {
        eval.note(NoteKind::Hnte2008TierOverlap);
    }
    let threshold = Some(Threshold::new(Cmp::Ge, Value::percent(Ratio::percent(rate))));
    if !complete {
        return trace.condition(CondId::Hnte05, Check::Unknown, None, threshold, Vec::new());
    }
    if sales_sum <= 0 {
        // §2.3: no sales, no ratio → NotMet [L].
        eval.note(NoteKind::HnteZeroSales);
        return trace.condition(CondId::Hnte05, Check::Fail, None, threshold, Vec::new());
    }
    let pass = rd_sum * 100 >= sales_sum * rate;
    let mut gap = trace.take_gap();
    if !pass {
        let needed = div_ceil(sales_sum * rate, 100) - rd_sum;
        gap.push(GapOption {
            field: FieldRef::year("rd_hnte", latest),
            change: Change::Increase,
            amount: Value::Money(money(needed)),
            to: Some(Value::Money(money(rd_latest + needed))),
            note: None,
        });
        // H1′: more latest-year sales may move the firm into a lower tier; offer the first
        // lower tier whose rate the R&D already meets.
        let mut next = next_tier;
        while let Some((start, percent)) = next {
            let added = start - tier_sales;
            if rd_sum * 100 >= (sales_sum + added) * i128::from(percent) {
                gap.push(GapOption {
                    field: FieldRef::year("sales_revenue", latest),
                    change: Change::Increase,
                    amount: Value::Money(money(added)),
                    to: Some(Value::Money(money(start))),
                    note: Some(GapNote::NextTier { percent }),
                });
                break;
            }
            next = edition.tier(start).1;
        }
    }
    trace.condition(
        CondId::Hnte05,
        Check::from_bool(pass),
        Some(Value::percent(ratio(rd_sum, sales_sum))),
        threshold,
        gap,
    )
}

/// HNTE-06 (§2.2, §2.3): R&D incurred in China ≥ 60% of all R&D of the window.
fn hnte06_domestic_rd(input: &FirmInput, years: Years, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let threshold = Some(Threshold::new(Cmp::Ge, Value::percent(Ratio::percent(DOMESTIC_MIN_PERCENT))));
    let (mut domestic_sum, mut rd_sum, mut complete) = (0_i128, 0_i128, true);
    for year in years.iter() {
        let domestic = year_money!(trace, input, rd_hnte_domestic, year);
        let rd = rd_of(input, year, &mut trace, eval);
        match (domestic, rd) {
            (Some(domestic), Some(rd)) => {
                domestic_sum += i128::from(domestic.fen());
                rd_sum += rd;
            }
            _ => complete = false,
        }
    }
    if !complete {
        return trace.condition(CondId::Hnte06, Check::Unknown, None, threshold, Vec::new());
    }
    if rd_sum <= 0 {
        return trace.condition(CondId::Hnte06, Check::Fail, None, threshold, Vec::new());
    }
    if domestic_sum < rd_sum {
        // Some R&D was commissioned abroad: the domestic definition is [M] (§7.5).
        eval.note(NoteKind::HnteCommissioned80);
    }
    let pass = domestic_sum * 100 >= rd_sum * DOMESTIC_MIN_PERCENT;
    let mut gap = trace.take_gap();
    if !pass {
        let field = FieldRef::year("rd_hnte_domestic", years.last);
        let shifted = div_ceil(rd_sum * DOMESTIC_MIN_PERCENT, 100) - domestic_sum;
        gap.push(GapOption {
            field,
            change: Change::Reclassify,
            amount: Value::Money(money(shifted)),
            to: None,
            note: None,
        });
        let added = div_ceil(rd_sum * DOMESTIC_MIN_PERCENT - domestic_sum * 100, 100 - DOMESTIC_MIN_PERCENT);
        gap.push(GapOption {
            field,
            change: Change::Increase,
            amount: Value::Money(money(added)),
            to: None,
            note: None,
        });
    }
    trace.condition(
        CondId::Hnte06,
        Check::from_bool(pass),
        Some(Value::percent(ratio(domestic_sum, rd_sum))),
        threshold,
        gap,
    )
}

/// HNTE-07 (§2.2, §2.5): high-tech revenue ≥ 60% of total revenue (gross income − non-taxable
/// income) in FY N-1.
fn hnte07_hightech_revenue(input: &FirmInput, year: i32, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let threshold = Some(Threshold::new(Cmp::Ge, Value::percent(Ratio::percent(HIGHTECH_MIN_PERCENT))));
    let hightech = year_money!(trace, input, hightech_revenue, year);
    let gross = year_money!(trace, input, gross_income_cit, year);
    let non_taxable = year_money!(trace, input, non_taxable_income, year);
    let (Some(hightech), Some(gross), Some(non_taxable)) = (hightech, gross, non_taxable) else {
        return trace.condition(CondId::Hnte07, Check::Unknown, None, threshold, Vec::new());
    };
    let hightech = i128::from(hightech.fen());
    let total = i128::from(gross.fen()) - i128::from(non_taxable.fen());
    if total <= 0 {
        return trace.condition(CondId::Hnte07, Check::Fail, None, threshold, Vec::new());
    }
    let pass = hightech * 100 >= total * HIGHTECH_MIN_PERCENT;
    let mut gap = trace.take_gap();
    if !pass {
        let field = FieldRef::year("hightech_revenue", year);
        let short = total * HIGHTECH_MIN_PERCENT - hightech * 100;
        gap.push(GapOption {
            field,
            change: Change::Reclassify,
            amount: Value::Money(money(div_ceil(short, 100))),
            to: None,
            note: None,
        });
        gap.push(GapOption {
            field: FieldRef::year("hightech_share", year),
            change: Change::Increase,
            amount: Value::percent_points(ratio(short, 100 * total)),
            to: Some(Value::percent(Ratio::percent(HIGHTECH_MIN_PERCENT))),
            note: None,
        });
        gap.push(GapOption {
            field,
            change: Change::Increase,
            amount: Value::Money(money(div_ceil(short, 100 - HIGHTECH_MIN_PERCENT))),
            to: None,
            note: None,
        });
    }
    trace.condition(
        CondId::Hnte07,
        Check::from_bool(pass),
        Some(Value::percent(ratio(hightech, total))),
        threshold,
        gap,
    )
}

/// HNTE-09 (§2.2): no major safety or quality accident or serious environmental violation in
/// the 365 days before `A` (a day 365 days before is inside, 366 outside: H4).
fn hnte09_incidents(input: &FirmInput, a: Date, eval: &mut Evaluation) -> Condition {
    let mut trace = eval.trace();
    let threshold = Some(Threshold::new(Cmp::Eq, Value::Count(0)));
    let Some(incidents) = trace.list("incidents", input.incidents.as_ref()) else {
        return trace.condition(CondId::Hnte09, Check::Unknown, None, threshold, Vec::new());
    };
    let (mut inside, mut latest) = (0_usize, None::<Date>);
    for incident in incidents {
        let relevant = matches!(
            incident.kind,
            IncidentKind::MajorSafety | IncidentKind::MajorQuality | IncidentKind::SeriousEnvironmental
        );
        if relevant && incident.date <= a && (a - incident.date).whole_days() <= ONE_YEAR_DAYS {
            inside += 1;
            latest = latest.max(Some(incident.date));
        }
    }
    let gap = latest.map_or_else(Vec::new, |latest| {
        trace.one_gap(GapOption {
            field: FieldRef::field("hnte_application_date"),
            change: Change::Wait,
            amount: Value::Days(ONE_YEAR_DAYS + 1 - (a - latest).whole_days()),
            to: latest.checked_add(Duration::days(ONE_YEAR_DAYS + 1)).map(Value::Date),
            note: None,
        })
    });
    trace.condition(CondId::Hnte09, Check::from_bool(inside == 0), Some(count(inside)), threshold, gap)
}

// ---------------------------------------------------------------------------------------
// HNTE-08: the innovation-capability score (§2.7)
// ---------------------------------------------------------------------------------------

/// The points a score item may give before any expert score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Band {
    /// Chosen by the data: `[lo, hi]`.
    Computed(u32, u32),
    /// A judgement only experts make: `[0, max]`.
    Open,
    /// The data the band needs is missing: `[0, max]`.
    Missing,
}

/// One score item, checking an expert score against the band (§0.2: outside → reject).
fn score_item(
    part: u8,
    key: &'static str,
    max: u32,
    band: Band,
    value: Option<Value>,
    expert: Option<u8>,
) -> Result<ScoreItem, RuleError> {
    let (min, max, source) = match (band, expert.map(u32::from)) {
        (Band::Computed(lo, hi), Some(score)) if (lo..=hi).contains(&score) => (score, score, ScoreSource::Expert),
        (Band::Computed(lo, hi), Some(_)) => {
            return Err(RuleError::ExpertScoreOutsideBand { key, score: expert.unwrap_or(0), min: lo, max: hi });
        }
        (Band::Open | Band::Missing, Some(score)) => (score, score, ScoreSource::Expert),
        (Band::Computed(lo, hi), None) => (lo, hi, if lo == hi { ScoreSource::Computed } else { ScoreSource::Band }),
        (Band::Open, None) => (0, max, ScoreSource::Open),
        (Band::Missing, None) => (0, max, ScoreSource::Missing),
    };
    Ok(ScoreItem { part, key, min, max, source, value })
}

/// §2.7.1: number of IP items: ≥ 1 Class I → 7-8; else Class II ≥ 5 → 5-6, 3-4 → 3-4,
/// 1-2 → 1-2; none → 0.
fn ip_count_band(class1: u32, class2: u32) -> (u32, u32) {
    if class1 >= 1 {
        (7, 8)
    } else if class2 >= 5 {
        (5, 6)
    } else if class2 >= 3 {
        (3, 4)
    } else if class2 >= 1 {
        (1, 2)
    } else {
        (0, 0)
    }
}

/// §2.7.1: how obtained: some self-developed → 1-6; only transfer/gift/M&A → 1-3; none → 0.
fn acquisition_band(counted: u32, self_developed: bool) -> (u32, u32) {
    match (counted, self_developed) {
        (0, _) => (0, 0),
        (_, true) => (1, 6),
        (_, false) => (1, 3),
    }
}

/// §2.7.2: the band of the annual average number of conversions, `distinct / years`.
fn conversion_band(distinct: i128, years: i128) -> (u32, u32) {
    let at_least = |k: i128| distinct >= k * years;
    if distinct == 0 {
        (0, 0)
    } else if at_least(5) {
        (25, 30)
    } else if at_least(4) {
        (19, 24)
    } else if at_least(3) {
        (13, 18)
    } else if at_least(2) {
        (7, 12)
    } else if at_least(1) {
        (1, 6)
    } else {
        // 0 < average < 1 is not covered by the bands: [0, 6] for the experts [L].
        (0, 6)
    }
}

/// §2.7.4: the band of a growth rate (each indicator): ≥ 35% → 9-10, ≥ 25% → 7-8,
/// ≥ 15% → 5-6, ≥ 5% → 3-4, > 0 → 1-2, ≤ 0 → 0 (thresholds \[H\], points \[M\]).
fn growth_band(rate: Ratio) -> (u32, u32) {
    if rate.ge(Ratio::percent(35)) {
        (9, 10)
    } else if rate.ge(Ratio::percent(25)) {
        (7, 8)
    } else if rate.ge(Ratio::percent(15)) {
        (5, 6)
    } else if rate.ge(Ratio::percent(5)) {
        (3, 4)
    } else if rate.gt(Ratio::int(0)) {
        (1, 2)
    } else {
        (0, 0)
    }
}

/// §2.7.4: the growth rate of one indicator from its values over the window (earliest
/// first), or `None` when it scores 0 without a rate. Raises the notes of the \[L\] readings.
fn growth_rate(values: &[i128], eval: &mut Evaluation) -> Option<Ratio> {
    match *values {
        [v1, v2, v3] => {
            if v1 < 0 || v2 < 0 {
                eval.note(NoteKind::HnteGrowthNonPositive);
            }
            if v2 <= 0 {
                // Second-year value zero (or negative [L]): the indicator scores 0.
                None
            } else if v1 <= 0 {
                // First-year value zero (or negative [L]): the last two years only.
                Ratio::new(v3 - v2, v2)
            } else {
                // ((V2/V1 + V3/V2) / 2) - 1 = (V2² + V3·V1 - 2·V1·V2) / (2·V1·V2).
                Ratio::new(v2 * v2 + v3 * v1 - 2 * v1 * v2, 2 * v1 * v2)
            }
        }
        [v1, v2] => {
            // Two operating years: one ratio [L]; a first value ≤ 0 scores 0.
            eval.note(NoteKind::HnteGrowthTwoYears);
            if v1 <= 0 {
                if v1 < 0 {
                    eval.note(NoteKind::HnteGrowthNonPositive);
                }
                None
            } else {
                Ratio::new(v2 - v1, v1)
            }
        }
        [_] => {
            eval.note(NoteKind::HnteGrowthOneYear);
            None
        }
        _ => None,
    }
}

/// The growth item of one indicator: its band and rate, or missing data.
fn growth_item(values: Option<([i128; 3], usize)>, eval: &mut Evaluation) -> (Band, Option<Value>) {
    let Some((values, len)) = values else {
        return (Band::Missing, None);
    };
    eval.note(NoteKind::HnteGrowthBands);
    match growth_rate(&values[..len], eval) {
        Some(rate) => {
            let (lo, hi) = growth_band(rate);
            (Band::Computed(lo, hi), Some(Value::percent(rate)))
        }
        None => (Band::Computed(0, 0), None),
    }
}

/// HNTE-08 (§2.7): the score interval and its decision; also the score and its items.
fn hnte08_score(
    input: &FirmInput,
    a: Date,
    years: Years,
    ip: &IpAssessment,
    edition: Edition,
    eval: &mut Evaluation,
) -> Result<(Condition, Score, Vec<ScoreItem>), RuleError> {
    let mut trace = eval.trace();
    let experts = &input.expert_scores;
    let mut items = eval.new_items();

    // Part 1, IP (§2.7.1).
    items.push(score_item(1, "advancement", 8, Band::Open, None, experts.advancement)?);
    items.push(score_item(1, "core_support", 8, Band::Open, None, experts.core_support)?);
    let (count_band, acquisition) = if ip.known {
        trace.missing.extend_from_slice(&ip.missing);
        let (lo, _) = ip_count_band(ip.class1, ip.class2);
        let (_, hi) = ip_count_band(ip.class1 + ip.unknown_class1, ip.class2 + ip.unknown_class2);
        let (acq_lo, _) = acquisition_band(ip.counted(), ip.self_developed);
        let (_, acq_hi) = acquisition_band(ip.counted() + ip.unknown(), ip.self_developed || ip.unknown() > 0);
        (Band::Computed(lo, hi), Band::Computed(acq_lo, acq_hi))
    } else {
        trace.miss(FieldRef::field("ip_items"));
        (Band::Missing, Band::Missing)
    };
    let counted = Some(Value::Count(i64::from(ip.counted())));
    items.push(score_item(1, "ip_count", 8, count_band, counted, experts.ip_count)?);
    items.push(score_item(1, "ip_acquisition", 6, acquisition, None, experts.ip_acquisition)?);
    // Bonus: national or industry standards → 1-2; none → 0; anything else is the experts' call.
    let standards = match &input.standards_participation {
        Some(list)
            if list
                .iter()
                .any(|s| matches!(s.level, StandardLevel::National | StandardLevel::Industry) && s.date <= a) =>
        {
            Band::Computed(1, 2)
        }
        Some(list) if list.is_empty() => Band::Computed(0, 0),
        _ => Band::Open,
    };
    items.push(score_item(1, "standards", 2, standards, None, experts.standards)?);

    // Part 2, conversions (§2.7.2): distinct results over the operating years of the window.
    let conversion = match &input.conversions {
        Some(conversions) if years.len() > 0 => {
            // Distinct results in the window: a result converted twice counts once (§2.7.2).
            let in_window =
                |conversion: &&super::input::Conversion| (years.first..=years.last).contains(&conversion.year);
            let distinct_count = conversions
                .iter()
                .enumerate()
                .filter(|(_, conversion)| in_window(conversion))
                .filter(|(index, conversion)| {
                    !conversions[..*index]
                        .iter()
                        .any(|earlier| in_window(&earlier) && earlier.achievement_id == conversion.achievement_id)
                })
                .count();
            let distinct = i128::try_from(distinct_count).unwrap_or(i128::MAX);
            let divisor = i128::from(years.len());
            trace.used(FieldRef::field("conversions"), count(distinct_count));
            if divisor < 3 {
                eval.note(NoteKind::HnteConversionDivisor);
            }
            if distinct > 0 && distinct < divisor {
                eval.note(NoteKind::HnteConversionBelowOne);
            }
            let (lo, hi) = conversion_band(distinct, divisor);
            (Band::Computed(lo, hi), Some(Value::number(ratio(distinct, divisor))))
        }
        Some(_) => (Band::Computed(0, 0), None),
        None => {
            trace.miss(FieldRef::field("conversions"));
            (Band::Missing, None)
        }
    };
    items.push(score_item(2, "conversion", 30, conversion.0, conversion.1, experts.conversion)?);

    // Part 3, R&D organisation (§2.7.3): expert judgement only.
    items.push(score_item(3, "mgmt_1", 6, Band::Open, None, experts.mgmt_1)?);
    items.push(score_item(3, "mgmt_2", 6, Band::Open, None, experts.mgmt_2)?);
    items.push(score_item(3, "mgmt_3", 4, Band::Open, None, experts.mgmt_3)?);
    items.push(score_item(3, "mgmt_4", 4, Band::Open, None, experts.mgmt_4)?);

    // Part 4, growth (§2.7.4): net assets (2008: total assets) and sales over the window.
    let push = |values: Option<([i128; 3], usize)>, value: Option<i128>| {
        values.zip(value).map(|((mut values, len), value)| {
            values[len.min(2)] = value;
            (values, len + 1)
        })
    };
    let mut net_values = Some(([0; 3], 0));
    let mut sales_values = Some(([0; 3], 0));
    for year in years.iter() {
        let assets = year_money!(trace, input, total_assets_ye, year);
        let net = match edition {
            Edition::Y2008 => assets.map(|assets| i128::from(assets.fen())),
            Edition::Y2016 => {
                let liabilities = year_money!(trace, input, total_liabilities_ye, year);
                assets
                    .zip(liabilities)
                    .map(|(assets, liabilities)| i128::from(assets.fen()) - i128::from(liabilities.fen()))
            }
        };
        net_values = push(net_values, net);
        let sales = sales_of(input, year, &mut trace);
        sales_values = push(sales_values, sales);
    }
    let (net_band, net_rate) = growth_item(net_values, eval);
    items.push(score_item(4, "growth_net", 10, net_band, net_rate, experts.growth_net)?);
    let (sales_band, sales_rate) = growth_item(sales_values, eval);
    items.push(score_item(4, "growth_sales", 10, sales_band, sales_rate, experts.growth_sales)?);

    // §2.7.1: part 1 is capped at 30 even with the bonus; §2.7.5: decide on the interval.
    let (mut lo, mut hi, mut part1_lo, mut part1_hi) = (0, 0, 0, 0);
    for item in &items {
        if item.part == 1 {
            part1_lo += item.min;
            part1_hi += item.max;
        } else {
            lo += item.min;
            hi += item.max;
        }
    }
    lo += part1_lo.min(30);
    hi += part1_hi.min(30);
    let score = Score { min: lo, max: hi };
    let outcome = if lo > SCORE_PASS_ABOVE {
        Check::Pass
    } else if hi <= SCORE_PASS_ABOVE {
        Check::Fail
    } else if items.iter().any(|item| item.source == ScoreSource::Missing) || !trace.missing.is_empty() {
        Check::Unknown
    } else {
        Check::NeedsExpert
    };
    let gap = if outcome == Check::Fail {
        trace.one_gap(GapOption {
            field: FieldRef::field("score"),
            change: Change::Increase,
            amount: Value::Points(SCORE_PASS_ABOVE + 1 - hi),
            to: Some(Value::Points(SCORE_PASS_ABOVE + 1)),
            note: None,
        })
    } else {
        Vec::new()
    };
    let value = if lo == hi { Value::Points(lo) } else { Value::PointRange(lo, hi) };
    let threshold = Some(Threshold::new(Cmp::Gt, Value::Points(SCORE_PASS_ABOVE)));
    Ok((trace.condition(CondId::Hnte08, outcome, Some(value), threshold, gap), score, items))
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use super::super::tests::{hnte_h1, hnte_h2, hnte_h3, run};
    use super::super::*;
    use super::*;

    fn gap_text(condition: &Condition) -> Vec<String> {
        condition
            .gap
            .iter()
            .map(|gap| format!("{} {} {}", gap.field, gap.delta(), gap.note.map(GapNote::code).unwrap_or_default()))
            .collect()
    }

    /// §2.10 H1: sales 50,000,000 in FY2024 → 5% tier; 6,615,000 / 135,000,000 = 4.90% → NotMet.
    #[test]
    fn h1_tier_boundary_at_50_million_not_met() {
        let eval = run(RuleKind::Hnte, &hnte_h1());
        let rd = eval.condition(CondId::Hnte05).unwrap();
        assert_eq!(rd.outcome, Check::Fail);
        assert_eq!(rd.value.unwrap().text(), "4.9%");
        assert_eq!(rd.threshold.unwrap().to_string(), ">= 5%");
        // Staff exactly 10% and high-tech revenue exactly 60% pass (boundaries included).
        let staff = eval.condition(CondId::Hnte04).unwrap();
        assert_eq!((staff.outcome, staff.value.unwrap().text()), (Check::Pass, "10%".to_owned()));
        let hightech = eval.condition(CondId::Hnte07).unwrap();
        assert_eq!((hightech.outcome, hightech.value.unwrap().text()), (Check::Pass, "60%".to_owned()));
        // Only HNTE-05 fails.
        let failed: Vec<CondId> = eval.conditions.iter().filter(|c| c.outcome == Check::Fail).map(|c| c.id).collect();
        assert_eq!(failed, [CondId::Hnte05]);
        assert_eq!(eval.outcome, Outcome::NotEligible);
        // The gap: 135,000 more R&D in 2024 (6,750,000 = 5% of 135,000,000), or one fen more
        // sales, which moves the firm to the 4% tier.
        assert_eq!(gap_text(rd), ["rd_hnte.2024 +135000.00 ", "sales_revenue.2024 +0.01 next_tier_4_percent"]);
    }

    /// §2.10 H1′: FY2024 sales 50,000,001 → 4% tier; 6,615,000 / 135,000,001 ≥ 4% → Met.
    #[test]
    fn h1_prime_one_yuan_more_revenue_lowers_the_bar() {
        let mut input = hnte_h1();
        input.main_business_revenue.insert(2024, Money::parse("50000001.00").unwrap());
        let eval = run(RuleKind::Hnte, &input);
        let rd = eval.condition(CondId::Hnte05).unwrap();
        assert_eq!(rd.outcome, Check::Pass);
        assert_eq!(rd.threshold.unwrap().to_string(), ">= 4%");
        assert_eq!(rd.value.unwrap().text(), "4.8999%");
        // The firm proceeds to scoring: every hard condition but the open score passes.
        assert!(eval.conditions.iter().all(|c| c.outcome != Check::Fail));
    }

    /// §2.10 H2: fixed subtotal 62, growth [8, 10] → [70, 72] → NeedsExpert; 5 + 3 → 70
    /// NotMet; 6 + 3 or 5 + 4 → 71 Met.
    #[test]
    fn h2_score_exactly_70_fails_71_passes() {
        let input = hnte_h2();
        let eval = run(RuleKind::Hnte, &input);
        assert_eq!(eval.score, Some(Score { min: 70, max: 72 }));
        let growth: Vec<(u32, u32, String)> = eval
            .score_items
            .iter()
            .filter(|item| item.part == 4)
            .map(|item| (item.min, item.max, item.value.unwrap().text()))
            .collect();
        assert_eq!(growth, [(5, 6, "15%".to_owned()), (3, 4, "5%".to_owned())]);
        assert_eq!(eval.condition(CondId::Hnte08).unwrap().outcome, Check::NeedsExpert);
        assert_eq!(eval.outcome, Outcome::NeedsExpert);

        let with_growth = |net: u8, sales: u8| {
            let mut input = input.clone();
            input.expert_scores.growth_net = Some(net);
            input.expert_scores.growth_sales = Some(sales);
            run(RuleKind::Hnte, &input)
        };
        let seventy = with_growth(5, 3);
        assert_eq!(seventy.score, Some(Score { min: 70, max: 70 }));
        assert_eq!(seventy.outcome, Outcome::NotEligible);
        let score = seventy.condition(CondId::Hnte08).unwrap();
        assert_eq!(gap_text(score), ["score +1 "]);
        for (net, sales) in [(6, 3), (5, 4)] {
            let seventy_one = with_growth(net, sales);
            assert_eq!(seventy_one.score, Some(Score { min: 71, max: 71 }));
            assert_eq!(seventy_one.outcome, Outcome::Eligible);
        }
        // An expert score outside the computed band is refused (§0.2).
        let mut wrong = input.clone();
        wrong.expert_scores.growth_net = Some(7);
        let error = evaluate(RuleKind::Hnte, &wrong, None).unwrap_err();
        assert_eq!(error, RuleError::ExpertScoreOutsideBand { key: "growth_net", score: 7, min: 5, max: 6 });
    }

    /// §2.10 H3: two operating years; ratio 6.00%, domestic 88.9%, staff 29.5%, HT 73.2%;
    /// score [35, 86] → NeedsExpert; with the expert scores 72 → Met.
    #[test]
    fn h3_young_firm_two_operating_years() {
        let input = hnte_h3();
        let eval = run(RuleKind::Hnte, &input);
        let days = eval.condition(CondId::Hnte01).unwrap();
        assert_eq!((days.outcome, days.value), (Check::Pass, Some(Value::Days(771))));
        let texts: Vec<(CondId, Check, String)> = eval
            .conditions
            .iter()
            .filter(|c| matches!(c.id, CondId::Hnte04 | CondId::Hnte05 | CondId::Hnte06 | CondId::Hnte07))
            .map(|c| (c.id, c.outcome, c.value.unwrap().text()))
            .collect();
        assert_eq!(
            texts,
            [
                (CondId::Hnte04, Check::Pass, "29.5081%".to_owned()),
                (CondId::Hnte05, Check::Pass, "6%".to_owned()),
                (CondId::Hnte06, Check::Pass, "88.8888%".to_owned()),
                (CondId::Hnte07, Check::Pass, "73.1707%".to_owned()),
            ]
        );
        let bands: Vec<(&str, u32, u32)> = eval.score_items.iter().map(|i| (i.key, i.min, i.max)).collect();
        assert_eq!(
            bands,
            [
                ("advancement", 0, 8),
                ("core_support", 0, 8),
                ("ip_count", 5, 6),
                ("ip_acquisition", 1, 6),
                ("standards", 0, 2),
                ("conversion", 13, 18),
                ("mgmt_1", 0, 6),
                ("mgmt_2", 0, 6),
                ("mgmt_3", 0, 4),
                ("mgmt_4", 0, 4),
                ("growth_net", 7, 8),
                ("growth_sales", 9, 10),
            ]
        );
        assert_eq!(eval.score, Some(Score { min: 35, max: 86 }));
        assert_eq!(eval.outcome, Outcome::NeedsExpert);
        for note in [NoteKind::HnteConversionDivisor, NoteKind::HnteGrowthTwoYears, NoteKind::HnteGrowthBands] {
            assert!(eval.has_note(note), "{note:?}");
        }
        assert_eq!(eval.confidence, Confidence::Low);

        let mut scored = input;
        scored.expert_scores = super::super::input::ExpertScores {
            advancement: Some(5),
            core_support: Some(6),
            ip_count: Some(6),
            ip_acquisition: Some(5),
            standards: Some(0),
            conversion: Some(16),
            mgmt_1: Some(6),
            mgmt_2: Some(5),
            mgmt_3: Some(3),
            mgmt_4: Some(3),
            growth_net: Some(8),
            growth_sales: Some(9),
        };
        let eval = run(RuleKind::Hnte, &scored);
        assert_eq!(eval.score, Some(Score { min: 72, max: 72 }));
        assert_eq!(eval.outcome, Outcome::Eligible);
    }

    /// §2.10 H4: registration age 364 days → NotMet, 365 → Met.
    #[test]
    fn h4_registration_age_364_and_365_days() {
        let mut input = hnte_h1();
        input.registration_date = Some(time::macros::date!(2024 - 06 - 01));
        let at = |a: Date| {
            let eval = evaluate(RuleKind::Hnte, &input, Some(a)).unwrap();
            let condition = eval.condition(CondId::Hnte01).unwrap().clone();
            (condition.outcome, condition.value.unwrap().text())
        };
        assert_eq!(at(time::macros::date!(2025 - 05 - 31)), (Check::Fail, "364".to_owned()));
        assert_eq!(at(time::macros::date!(2025 - 06 - 01)), (Check::Pass, "365".to_owned()));
        let eval = evaluate(RuleKind::Hnte, &input, Some(time::macros::date!(2025 - 05 - 31))).unwrap();
        assert_eq!(gap_text(eval.condition(CondId::Hnte01).unwrap()), ["hnte_application_date +1 "]);
        assert_eq!(
            eval.condition(CondId::Hnte01).unwrap().gap[0].to,
            Some(Value::Date(time::macros::date!(2025 - 06 - 01)))
        );
    }

    /// §2.10 H4: 9.99% S&T staff → NotMet (and 10.00% Met, see H1).
    #[test]
    fn h4_staff_just_below_ten_percent() {
        let mut input = hnte_h1();
        let flat =
            |units| vec![super::super::input::StaffCount::flat(super::super::input::Headcount::from_units(units)); 12];
        input.staff_monthly = super::super::input::ByYear::from_pairs([(2024, flat(1_000_000))]);
        input.tech_staff_monthly = super::super::input::ByYear::from_pairs([(2024, flat(99_900))]);
        let eval = run(RuleKind::Hnte, &input);
        let staff = eval.condition(CondId::Hnte04).unwrap();
        assert_eq!((staff.outcome, staff.value.unwrap().text()), (Check::Fail, "9.99%".to_owned()));
        // 0.01 of 100 persons reclassified, or 0.0112 (0.01/0.9, rounded up) hired.
        assert_eq!(gap_text(staff), ["tech_staff_monthly.2024 +0.01 ", "tech_staff_monthly.2024 +0.0112 "]);
    }

    /// §2.10 H4: domestic R&D 59.99% → NotMet; 60% → Met.
    #[test]
    fn h4_domestic_rd_just_below_sixty_percent() {
        let mut input = hnte_h1();
        // Window R&D 6,615,000; 60% is 3,969,000.
        let set = |input: &mut FirmInput, fen_2024: i64| {
            input.rd_hnte_domestic = super::super::input::ByYear::from_pairs([
                (2022, Money::ZERO),
                (2023, Money::ZERO),
                (2024, Money::from_fen(fen_2024)),
            ]);
        };
        set(&mut input, 396_900_000);
        assert_eq!(run(RuleKind::Hnte, &input).condition(CondId::Hnte06).unwrap().outcome, Check::Pass);
        set(&mut input, 396_900_000 - 1);
        let eval = run(RuleKind::Hnte, &input);
        let domestic = eval.condition(CondId::Hnte06).unwrap();
        assert_eq!((domestic.outcome, domestic.value.unwrap().text()), (Check::Fail, "59.9999%".to_owned()));
        assert_eq!(gap_text(domestic), ["rd_hnte_domestic.2024 +0.01 ", "rd_hnte_domestic.2024 +0.03 "]);
        // 59.99% exactly, as in the table.
        set(&mut input, 396_833_850);
        let eval = run(RuleKind::Hnte, &input);
        assert_eq!(eval.condition(CondId::Hnte06).unwrap().value.unwrap().text(), "59.99%");
        assert_eq!(eval.condition(CondId::Hnte06).unwrap().outcome, Check::Fail);
    }

    /// §2.10 H4: a serious environmental penalty 366 days before A is outside the window,
    /// 365 days before inside.
    #[test]
    fn h4_incident_window_365_days() {
        let mut input = hnte_h1();
        let a = time::macros::date!(2025 - 06 - 15);
        let with_incident = |input: &mut FirmInput, days: i64| {
            input.incidents = Some(vec![super::super::input::Incident {
                date: a - Duration::days(days),
                kind: IncidentKind::SeriousEnvironmental,
            }]);
        };
        with_incident(&mut input, 366);
        assert_eq!(run(RuleKind::Hnte, &input).condition(CondId::Hnte09).unwrap().outcome, Check::Pass);
        with_incident(&mut input, 365);
        let eval = run(RuleKind::Hnte, &input);
        let incidents = eval.condition(CondId::Hnte09).unwrap();
        assert_eq!(incidents.outcome, Check::Fail);
        assert_eq!(gap_text(incidents), ["hnte_application_date +1 "]);
    }

    /// §2.10 H4: IP rules: only trademarks → NotMet; only Class II used in 2022 → NotMet;
    /// an invention patent used in 2022 still counts.
    #[test]
    fn h4_ip_items() {
        use crate::registry::IpKind;
        let item = |kind: IpKind, used: Option<i32>| super::super::input::IpRecord {
            kind: Some(kind),
            granted_in_china: Some(true),
            grant_date: Some(time::macros::date!(2020 - 01 - 01)),
            owner_is_applicant: Some(true),
            acquisition: Some(Acquisition::SelfDeveloped),
            used_in_prior_hnte_application: used,
            related_to_main_product: Some(true),
            ..Default::default()
        };
        let mut input = hnte_h1();
        let outcome = |input: &FirmInput| run(RuleKind::Hnte, input).condition(CondId::Hnte02).unwrap().outcome;
        input.ip_items = Some(vec![item(IpKind::Trademark, None), item(IpKind::Trademark, None)]);
        assert_eq!(outcome(&input), Check::Fail);
        let eval = run(RuleKind::Hnte, &input);
        assert_eq!(gap_text(eval.condition(CondId::Hnte02).unwrap()), ["ip_items +1 "]);
        input.ip_items =
            Some(vec![item(IpKind::SoftwareCopyright, Some(2022)), item(IpKind::UtilityModel, Some(2022))]);
        assert_eq!(outcome(&input), Check::Fail);
        input.ip_items = Some(vec![item(IpKind::InventionPatent, Some(2022))]);
        assert_eq!(outcome(&input), Check::Pass);
        // Not yet judged as supporting the main products → the experts' call.
        input.ip_items = Some(vec![super::super::input::IpRecord {
            related_to_main_product: None,
            ..item(IpKind::InventionPatent, None)
        }]);
        assert_eq!(outcome(&input), Check::NeedsExpert);
        // A licence never qualifies under the 2016 rules.
        input.ip_items = Some(vec![super::super::input::IpRecord {
            acquisition: Some(Acquisition::Licence),
            ..item(IpKind::InventionPatent, None)
        }]);
        assert_eq!(outcome(&input), Check::Fail);
        // Missing data is named.
        input.ip_items =
            Some(vec![super::super::input::IpRecord { granted_in_china: None, ..item(IpKind::InventionPatent, None) }]);
        let eval = run(RuleKind::Hnte, &input);
        let ip = eval.condition(CondId::Hnte02).unwrap();
        assert_eq!(ip.outcome, Check::Unknown);
        assert_eq!(ip.missing[0].to_string(), "ip_items[0].granted_in_china");
    }

    /// §2.10 H4: NA1 = 0 → the last two years: 5/4 - 1 = 25% → band B (7-8); S2 = 0 → 0.
    #[test]
    fn h4_zero_first_year_net_assets_and_zero_second_year_sales() {
        let mut input = hnte_h2();
        let m = |yuan: &str| Money::parse(yuan).unwrap();
        input.total_assets_ye =
            super::super::input::ByYear::from_pairs([(2022, m("0")), (2023, m("4000000")), (2024, m("5000000"))]);
        input.total_liabilities_ye =
            super::super::input::ByYear::from_pairs([(2022, m("0")), (2023, m("0")), (2024, m("0"))]);
        input.main_business_revenue.insert(2023, m("0"));
        input.other_business_revenue.insert(2023, m("0"));
        let eval = run(RuleKind::Hnte, &input);
        let growth: Vec<(&str, u32, u32)> =
            eval.score_items.iter().filter(|i| i.part == 4).map(|i| (i.key, i.min, i.max)).collect();
        assert_eq!(growth, [("growth_net", 7, 8), ("growth_sales", 0, 0)]);
        assert_eq!(eval.score_items.iter().find(|i| i.key == "growth_net").unwrap().value.unwrap().text(), "25%");
    }

    #[test]
    fn tier_boundaries_2016_and_2008() {
        let fen = |yuan: i128| yuan * 100;
        assert_eq!(Edition::Y2016.tier(fen(50_000_000)).0, 5);
        assert_eq!(Edition::Y2016.tier(fen(50_000_000) + 1).0, 4);
        assert_eq!(Edition::Y2016.tier(fen(200_000_000)).0, 4);
        assert_eq!(Edition::Y2016.tier(fen(200_000_000) + 1).0, 3);
        assert_eq!(Edition::Y2008.tier(fen(50_000_000) - 1).0, 6);
        assert_eq!(Edition::Y2008.tier(fen(50_000_000)).0, 4);
        assert_eq!(Edition::Y2008.tier(fen(200_000_000)).0, 4);
        assert_eq!(Edition::Y2008.tier(fen(200_000_000) + 1).0, 3);
    }

    /// Boundary at each R&D tier rate: exactly at it passes, one fen below fails.
    #[test]
    fn rd_ratio_exactly_at_and_one_fen_below_each_rate() {
        for (sales_2024, rate) in [("50000000.00", 5), ("200000000.00", 4), ("300000000.00", 3)] {
            let mut input = hnte_h1();
            let sales = Money::parse(sales_2024).unwrap();
            input.main_business_revenue.insert(2024, sales);
            let window: i128 = 4_000_000_000 + 4_500_000_000 + i128::from(sales.fen());
            let needed = window * rate / 100;
            let other: i128 = 200_000_000 + 220_000_000;
            let set = |input: &mut FirmInput, fen: i128| {
                let mut rd = *input.rd_hnte.get(2024).unwrap();
                rd.personnel = Some(money(fen - other));
                input.rd_hnte.insert(2024, rd);
            };
            set(&mut input, needed);
            let eval = run(RuleKind::Hnte, &input);
            assert_eq!(eval.condition(CondId::Hnte05).unwrap().outcome, Check::Pass, "{sales_2024}");
            set(&mut input, needed - 1);
            let eval = run(RuleKind::Hnte, &input);
            let rd = eval.condition(CondId::Hnte05).unwrap();
            assert_eq!(rd.outcome, Check::Fail, "{sales_2024}");
            assert_eq!(rd.gap[0].delta(), "+0.01");
        }
    }

    /// HNTE-07 one fen below 60% fails and names the gap as share points and amounts.
    #[test]
    fn hightech_share_one_fen_below_sixty_percent() {
        let mut input = hnte_h1();
        input.hightech_revenue.insert(2024, Money::parse("29999999.99").unwrap());
        let eval = run(RuleKind::Hnte, &input);
        let hightech = eval.condition(CondId::Hnte07).unwrap();
        assert_eq!(hightech.outcome, Check::Fail);
        assert_eq!(hightech.value.unwrap().text(), "59.9999%");
        assert_eq!(
            gap_text(hightech),
            ["hightech_revenue.2024 +0.01 ", "hightech_share.2024 +0.01 ", "hightech_revenue.2024 +0.03 "]
        );
    }

    /// The innovation score decides only on a whole interval: 71 and above pass, 70 fails.
    #[test]
    fn score_boundary_71() {
        let mut input = hnte_h2();
        input.expert_scores.growth_net = Some(6);
        input.expert_scores.growth_sales = Some(3);
        assert_eq!(run(RuleKind::Hnte, &input).condition(CondId::Hnte08).unwrap().outcome, Check::Pass);
        input.expert_scores.growth_net = Some(5);
        assert_eq!(run(RuleKind::Hnte, &input).condition(CondId::Hnte08).unwrap().outcome, Check::Fail);
    }

    /// HNTE-04 one unit (1/10,000 person) below exactly 10% fails.
    #[test]
    fn staff_share_one_unit_below_ten_percent() {
        let mut input = hnte_h1();
        let mut months = vec![super::super::input::StaffCount::flat(super::super::input::Headcount::persons(8)); 12];
        months[11].end = super::super::input::Headcount::from_units(79_999);
        input.tech_staff_monthly = super::super::input::ByYear::from_pairs([(2024, months)]);
        let eval = run(RuleKind::Hnte, &input);
        let staff = eval.condition(CondId::Hnte04).unwrap();
        assert_eq!((staff.outcome, staff.value.unwrap().text()), (Check::Fail, "9.9999%".to_owned()));
    }

    /// §2.7.4 growth bands at each threshold and just below it.
    #[test]
    fn growth_band_boundaries() {
        let below = |percent: i128| Ratio::new(percent * 1_000_000 - 1, 100_000_000).unwrap();
        for (percent, band, under) in
            [(35, (9, 10), (7, 8)), (25, (7, 8), (5, 6)), (15, (5, 6), (3, 4)), (5, (3, 4), (1, 2))]
        {
            assert_eq!(growth_band(Ratio::percent(percent)), band, "{percent}%");
            assert_eq!(growth_band(below(percent)), under, "below {percent}%");
        }
        assert_eq!(growth_band(Ratio::new(1, 1_000_000).unwrap()), (1, 2));
        assert_eq!(growth_band(Ratio::int(0)), (0, 0));
        assert_eq!(growth_band(Ratio::percent(-10)), (0, 0));
    }

    /// §2.7.2 and §2.7.1 bands at each threshold and one below.
    #[test]
    fn conversion_and_ip_count_band_boundaries() {
        for (k, band, under) in
            [(5, (25, 30), (19, 24)), (4, (19, 24), (13, 18)), (3, (13, 18), (7, 12)), (2, (7, 12), (1, 6))]
        {
            assert_eq!(conversion_band(3 * k, 3), band, "{k} a year");
            assert_eq!(conversion_band(3 * k - 1, 3), under, "just under {k} a year");
        }
        assert_eq!(conversion_band(3, 3), (1, 6));
        assert_eq!(conversion_band(2, 3), (0, 6));
        assert_eq!(conversion_band(0, 3), (0, 0));
        assert_eq!(ip_count_band(1, 0), (7, 8));
        for (class2, band) in [(5, (5, 6)), (4, (3, 4)), (3, (3, 4)), (2, (1, 2)), (1, (1, 2)), (0, (0, 0))] {
            assert_eq!(ip_count_band(0, class2), band, "{class2} Class II");
        }
        assert_eq!(acquisition_band(2, true), (1, 6));
        assert_eq!(acquisition_band(2, false), (1, 3));
    }

    /// 2008 rules: 6% below 50,000,000 and 30% S&T staff.
    #[test]
    fn rules_of_2008_are_chosen_by_the_application_date() {
        let input = hnte_h1();
        let eval = evaluate(RuleKind::Hnte, &input, Some(time::macros::date!(2015 - 06 - 15))).unwrap();
        assert_eq!(eval.version.id, "hnte-2008");
        assert!(eval.has_note(NoteKind::Hnte2008Rules));
        // Data years 2012-2014 are absent from H1: unknown, named.
        let rd = eval.condition(CondId::Hnte05).unwrap();
        assert_eq!(rd.outcome, Check::Unknown);
        assert!(rd.missing.iter().any(|field| field.to_string() == "main_business_revenue.2014"));
        let eval = evaluate(RuleKind::Hnte, &input, Some(time::macros::date!(2016 - 01 - 01))).unwrap();
        assert_eq!(eval.version.id, "hnte-2016");
        let error = evaluate(RuleKind::Hnte, &input, Some(time::macros::date!(2007 - 12 - 31))).unwrap_err();
        assert_eq!(error.code(), "rules.no_rule_version");
    }
}

//! From the registries to the rules: [`firm_input`] builds the engine's [`FirmInput`] from what
//! the register holds about one organisation ([`RegistryFirm`]: its record, dated tiers, yearly
//! figures, IP items and hosted platforms). Pure; the store loads a `RegistryFirm`.
//!
//! What the register does not hold stays absent, and the engine names it as missing data:
//! `resident_enterprise`, `is_branch_without_legal_person`, `tech_field`, `incidents`, the tax
//! profile, expert scores, conversions, … No value is invented. What is mapped, and how:
//!
//! | input field | from |
//! |---|---|
//! | `uscc` | the organisation's code |
//! | `registered_in_mainland` | `true`: every organisation of the register has a checked 统一社会信用代码, which only mainland registration authorities issue (GB 32100) |
//! | `registration_date` | `founded_on` |
//! | `province`, `city`, `county` | the GB/T 2260 region code (`430202` → `430000`, `430200`, `430202`); nothing for a park code |
//! | `main_industry_gb4754` | the organisation's industry code, for each year with figures (the register keeps one code, not one per year) |
//! | per-year amounts, `rd_hnte`, `rd_sd` | `YearlyFacts` of each year, field by field (absent fields stay absent) |
//! | `staff_monthly`, `staff_quarterly` | `staff_total` (the yearly average) as 12 months / 4 quarters at that average, zero before the registration month in the year of registration, so the rules' average is exactly the registered one (§2.4, §3.5) |
//! | `tech_staff_monthly`, `tech_staff_quarterly` | `staff_st` likewise |
//! | `ip_items` | the IP items; absent (unknown) when the firm has none recorded, since the IP register is filled by import and an empty one is not a statement of "no IP" |
//! | `hnte_certificates` | `hte` tiers: number, issue date (`valid_from`), last day (`valid_to`) |
//! | `sme_registrations` | `tech_sme` tiers: the year of the number, the number; a record ending before 31 December is revoked the day after |
//! | `rd_reserve_fund_filed` | `true` for each year with figures in which an `rd_reserve_filing` tier is valid (otherwise absent) |
//! | `rd_institutions` | hosted platforms of the R&D kinds (key labs, research and technology centres, new R&D institutions): level, approval date, valid when operating or accepted, not valid when revoked, unknown while under construction |
//!
//! The tier and platform registers are the bureau's records of recognitions, so those lists
//! are always given (an empty list means "none recorded").

use time::{Date, Month};

use super::input::{
    Headcount, HnteCertificate, InstitutionLevel, IpRecord, RdInstitution, SmeRegistration, StaffCount,
};
use super::FirmInput;
use crate::registry::{tech_sme_registration_year, IndustryCode, IpItem, Level, PlatformKind, TierKind, YearlyFacts};

/// A dated tier as the register holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryTier {
    pub kind: TierKind,
    pub reference: Option<String>,
    pub valid_from: Date,
    /// Last day, inclusive; `None` for open-ended.
    pub valid_to: Option<Date>,
}

/// A platform hosted by the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryPlatform {
    pub kind: PlatformKind,
    pub level: Level,
    pub approved_on: Option<Date>,
    /// `operating`, `under_construction`, `accepted` or `revoked`.
    pub status: String,
}

/// Everything the register holds about one organisation that the rules can use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryFirm {
    pub uscc: String,
    pub founded_on: Option<Date>,
    /// GB/T 2260 code of the administrative region (or a park code `P…`).
    pub region_code: Option<String>,
    pub industry: Option<IndustryCode>,
    pub tiers: Vec<RegistryTier>,
    /// Yearly figures, by year.
    pub years: Vec<(i32, YearlyFacts)>,
    pub ip_items: Vec<IpItem>,
    pub platforms: Vec<RegistryPlatform>,
}

/// Platform kinds that are R&D institutions in the sense of SME-D3 and the Hunan rules.
fn is_rd_institution(kind: PlatformKind) -> bool {
    matches!(
        kind,
        PlatformKind::StateKeyLab
            | PlatformKind::ProvincialKeyLab
            | PlatformKind::EngineeringResearchCentre
            | PlatformKind::EnterpriseTechCentre
            | PlatformKind::NewRdInstitution
            | PlatformKind::TechInnovationCentre
            | PlatformKind::IndustrialTechInstitute
    )
}

/// Months (1-12) the firm operated in `year`: from its registration month in the year it was
/// registered, all twelve otherwise.
fn first_operating_month(founded_on: Option<Date>, year: i32) -> u8 {
    founded_on.filter(|d| d.year() == year).map_or(1, |d| u8::from(d.month()))
}

/// `periods` counts at `average` (persons), zero for the periods that end before `first`
/// (1-based index of the first operating period).
fn flat_counts(average: u32, periods: u8, first: u8) -> Vec<StaffCount> {
    (1..=periods)
        .map(|p| {
            let n = if p < first { 0 } else { i64::from(average) };
            StaffCount::flat(Headcount::persons(n))
        })
        .collect()
}

/// The engine's input for one firm of the register (see the module docs for the mapping).
#[must_use]
pub fn firm_input(firm: &RegistryFirm) -> FirmInput {
    let mut input = FirmInput {
        uscc: Some(firm.uscc.clone()).filter(|u| !u.is_empty()),
        registered_in_mainland: Some(true),
        registration_date: firm.founded_on,
        ..FirmInput::default()
    };
    if let Some(code) = firm.region_code.as_deref().filter(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())) {
        input.province = Some(format!("{}0000", &code[..2]));
        if &code[2..4] != "00" {
            input.city = Some(format!("{}00", &code[..4]));
        }
        if &code[4..] != "00" {
            input.county = Some(code.to_owned());
        }
    }
    for (year, facts) in &firm.years {
        let year = *year;
        let money = [
            (&mut input.main_business_revenue, facts.main_business_revenue),
            (&mut input.other_business_revenue, facts.other_business_revenue),
            (&mut input.gross_income_cit, facts.gross_income_cit),
            (&mut input.non_taxable_income, facts.non_taxable_income),
            (&mut input.investment_income, facts.investment_income),
            (&mut input.hightech_revenue, facts.hightech_revenue),
            (&mut input.main_products_revenue, facts.main_products_revenue),
            (&mut input.total_assets_ye, facts.total_assets_ye),
            (&mut input.total_liabilities_ye, facts.total_liabilities_ye),
            (&mut input.cost_expense_total, facts.cost_expense_total),
            (&mut input.rd_hnte_domestic, facts.rd_hnte_domestic),
            (&mut input.rd_commissioned_domestic_paid, facts.rd_commissioned_domestic_paid),
            (&mut input.rd_commissioned_abroad_paid, facts.rd_commissioned_abroad_paid),
            (&mut input.rd_nontaxable_grants_used, facts.rd_nontaxable_grants_used),
        ];
        for (field, value) in money {
            if let Some(value) = value {
                field.insert(year, value);
            }
        }
        if !facts.rd_hnte.is_empty() {
            input.rd_hnte.insert(year, facts.rd_hnte);
        }
        if !facts.rd_sd.is_empty() {
            input.rd_sd.insert(year, facts.rd_sd);
        }
        let month = first_operating_month(firm.founded_on, year);
        let quarter = (month - 1) / 3 + 1;
        if let Some(staff) = facts.staff_total {
            input.staff_monthly.insert(year, flat_counts(staff, 12, month));
            input.staff_quarterly.insert(year, flat_counts(staff, 4, quarter));
        }
        if let Some(staff) = facts.staff_st {
            input.tech_staff_monthly.insert(year, flat_counts(staff, 12, month));
            input.tech_staff_quarterly.insert(year, flat_counts(staff, 4, quarter));
        }
        if let Some(industry) = firm.industry {
            input.main_industry_gb4754.insert(year, industry);
        }
        let (first, last) = year_bounds(year);
        let filed = firm.tiers.iter().any(|t| {
            t.kind == TierKind::RdReserveFiling && t.valid_from <= last && t.valid_to.is_none_or(|to| to >= first)
        });
        if filed {
            input.rd_reserve_fund_filed.insert(year, true);
        }
    }
    if !firm.ip_items.is_empty() {
        input.ip_items = Some(firm.ip_items.iter().map(ip_record).collect());
    }
    input.hnte_certificates = Some(
        firm.tiers
            .iter()
            .filter(|t| t.kind == TierKind::Hte)
            .map(|t| HnteCertificate {
                number: t.reference.clone(),
                issue_date: t.valid_from,
                expiry_date: t.valid_to,
                cancelled_date: None,
            })
            .collect(),
    );
    input.sme_registrations = Some(
        firm.tiers
            .iter()
            .filter(|t| t.kind == TierKind::TechSme)
            .map(|t| {
                let year = t
                    .reference
                    .as_deref()
                    .and_then(|n| tech_sme_registration_year(n).ok())
                    .unwrap_or(t.valid_from.year());
                let year_end = year_bounds(year).1;
                SmeRegistration {
                    year,
                    number: t.reference.clone(),
                    revoked_date: t.valid_to.filter(|to| *to < year_end).and_then(Date::next_day),
                }
            })
            .collect(),
    );
    input.rd_institutions = Some(
        firm.platforms
            .iter()
            .filter(|p| is_rd_institution(p.kind))
            .map(|p| RdInstitution {
                level: match p.level {
                    Level::National => InstitutionLevel::National,
                    Level::Provincial => InstitutionLevel::Provincial,
                    Level::Municipal => InstitutionLevel::Municipal,
                },
                recognised_date: p.approved_on,
                valid: match p.status.as_str() {
                    "operating" | "accepted" => Some(true),
                    "revoked" => Some(false),
                    _ => None,
                },
            })
            .collect(),
    );
    input
}

/// 1 January and 31 December of `year` (clamped to what `time::Date` holds).
fn year_bounds(year: i32) -> (Date, Date) {
    let first = Date::from_calendar_date(year, Month::January, 1).unwrap_or(Date::MIN);
    let last = Date::from_calendar_date(year, Month::December, 31).unwrap_or(Date::MAX);
    (first, last)
}

fn ip_record(item: &IpItem) -> IpRecord {
    IpRecord {
        registration_no: Some(item.registration_no().to_owned()),
        kind: Some(item.kind()),
        granted_in_china: Some(item.granted_in_china()),
        grant_date: item.grant_date(),
        expiry_date: item.expiry_date(),
        owner_is_applicant: Some(item.owner_is_applicant()),
        acquisition: Some(item.acquisition()),
        in_dispute: Some(item.in_dispute()),
        ..IpRecord::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::registry::{Acquisition, IpItemFields, IpKind, RdHnte};
    use crate::rules::{evaluate, RuleKind};
    use time::macros::date;

    fn facts(revenue: i64, rd: i64, staff: u32, st: u32) -> YearlyFacts {
        YearlyFacts {
            main_business_revenue: Some(Money::from_fen(revenue)),
            other_business_revenue: Some(Money::from_fen(0)),
            gross_income_cit: Some(Money::from_fen(revenue + 100_000)),
            non_taxable_income: Some(Money::from_fen(0)),
            hightech_revenue: Some(Money::from_fen(revenue * 7 / 10)),
            total_assets_ye: Some(Money::from_fen(revenue)),
            total_liabilities_ye: Some(Money::from_fen(revenue / 2)),
            rd_hnte: RdHnte {
                personnel: Some(Money::from_fen(rd)),
                direct_inputs: Some(Money::ZERO),
                depreciation_and_lt_prepaid: Some(Money::ZERO),
                intangible_amort: Some(Money::ZERO),
                design: Some(Money::ZERO),
                equipment_testing: Some(Money::ZERO),
                commissioned_external_counted: Some(Money::ZERO),
                other: Some(Money::ZERO),
            },
            rd_hnte_domestic: Some(Money::from_fen(rd)),
            staff_total: Some(staff),
            staff_st: Some(st),
            ..YearlyFacts::default()
        }
    }

    fn firm() -> RegistryFirm {
        RegistryFirm {
            uscc: "91430202MA4T00001X".to_owned(),
            founded_on: Some(date!(2022 - 04 - 10)),
            region_code: Some("430202".to_owned()),
            industry: Some(IndustryCode::parse("C39").unwrap()),
            tiers: vec![
                RegistryTier {
                    kind: TierKind::Hte,
                    reference: Some("GR202143000123".to_owned()),
                    valid_from: date!(2021 - 12 - 15),
                    valid_to: Some(date!(2024 - 12 - 14)),
                },
                RegistryTier {
                    kind: TierKind::TechSme,
                    reference: Some("2023430202A0001234".to_owned()),
                    valid_from: date!(2023 - 05 - 01),
                    valid_to: Some(date!(2023 - 08 - 31)),
                },
                RegistryTier {
                    kind: TierKind::Gazelle,
                    reference: None,
                    valid_from: date!(2021 - 07 - 01),
                    valid_to: None,
                },
            ],
            years: vec![
                (2022, facts(4_000_000_000, 200_000_000, 80, 12)),
                (2023, facts(4_500_000_000, 210_000_000, 90, 12)),
                (2024, facts(5_000_000_000, 240_000_000, 100, 9)),
            ],
            ip_items: vec![IpItem::new(IpItemFields {
                registration_no: "ZL202310000001.1".to_owned(),
                kind: IpKind::InventionPatent,
                title: "测试专利".to_owned(),
                granted_in_china: true,
                grant_date: Some(date!(2023 - 06 - 01)),
                expiry_date: Some(date!(2043 - 05 - 31)),
                acquisition: Acquisition::SelfDeveloped,
                owner_is_applicant: true,
                in_dispute: false,
            })
            .unwrap()],
            platforms: vec![
                RegistryPlatform {
                    kind: PlatformKind::EngineeringResearchCentre,
                    level: Level::Provincial,
                    approved_on: Some(date!(2023 - 03 - 01)),
                    status: "operating".to_owned(),
                },
                RegistryPlatform {
                    kind: PlatformKind::Incubator,
                    level: Level::National,
                    approved_on: None,
                    status: "operating".to_owned(),
                },
            ],
        }
    }

    /// The same firm, written by hand in the JSON of `policy-input.md`.
    fn firm_json() -> String {
        let months = |first: usize, n: u32| {
            let v: Vec<String> = (1..=12)
                .map(|m| {
                    let c = if m < first { 0 } else { n };
                    format!("{{\"start\": {c}, \"end\": {c}}}")
                })
                .collect();
            format!("[{}]", v.join(", "))
        };
        let quarters = |first: usize, n: u32| {
            let v: Vec<String> = (1..=4)
                .map(|q| {
                    let c = if q < first { 0 } else { n };
                    format!("{{\"start\": {c}, \"end\": {c}}}")
                })
                .collect();
            format!("[{}]", v.join(", "))
        };
        let rd = |p: &str| {
            format!(
                "{{\"personnel\": \"{p}\", \"direct_inputs\": \"0.00\", \"depreciation_and_lt_prepaid\": \"0.00\", \
                 \"intangible_amort\": \"0.00\", \"design\": \"0.00\", \"equipment_testing\": \"0.00\", \
                 \"commissioned_external_counted\": \"0.00\", \"other\": \"0.00\"}}"
            )
        };
        format!(
            r#"{{
  "uscc": "91430202MA4T00001X", "registered_in_mainland": true, "registration_date": "2022-04-10",
  "province": "430000", "city": "430200", "county": "430202",
  "main_industry_gb4754": {{"2022": "C39", "2023": "C39", "2024": "C39"}},
  "main_business_revenue": {{"2022": "40000000.00", "2023": "45000000.00", "2024": "50000000.00"}},
  "other_business_revenue": {{"2022": "0.00", "2023": "0.00", "2024": "0.00"}},
  "gross_income_cit": {{"2022": "40001000.00", "2023": "45001000.00", "2024": "50001000.00"}},
  "non_taxable_income": {{"2022": "0.00", "2023": "0.00", "2024": "0.00"}},
  "hightech_revenue": {{"2022": "28000000.00", "2023": "31500000.00", "2024": "35000000.00"}},
  "total_assets_ye": {{"2022": "40000000.00", "2023": "45000000.00", "2024": "50000000.00"}},
  "total_liabilities_ye": {{"2022": "20000000.00", "2023": "22500000.00", "2024": "25000000.00"}},
  "rd_hnte": {{"2022": {rd22}, "2023": {rd23}, "2024": {rd24}}},
  "rd_hnte_domestic": {{"2022": "2000000.00", "2023": "2100000.00", "2024": "2400000.00"}},
  "staff_monthly": {{"2022": {sm22}, "2023": {sm23}, "2024": {sm24}}},
  "tech_staff_monthly": {{"2022": {tm22}, "2023": {tm23}, "2024": {tm24}}},
  "staff_quarterly": {{"2022": {sq22}, "2023": {sq23}, "2024": {sq24}}},
  "tech_staff_quarterly": {{"2022": {tq22}, "2023": {tq23}, "2024": {tq24}}},
  "ip_items": [{{"registration_no": "ZL202310000001.1", "kind": "InventionPatent", "granted_in_china": true,
    "grant_date": "2023-06-01", "expiry_date": "2043-05-31", "owner_is_applicant": true,
    "acquisition": "SelfDeveloped", "in_dispute": false}}],
  "hnte_certificates": [{{"number": "GR202143000123", "issue_date": "2021-12-15", "expiry_date": "2024-12-14"}}],
  "sme_registrations": [{{"year": 2023, "number": "2023430202A0001234", "revoked_date": "2023-09-01"}}],
  "rd_institutions": [{{"level": "Provincial", "recognised_date": "2023-03-01", "valid": true}}]
}}"#,
            rd22 = rd("2000000.00"),
            rd23 = rd("2100000.00"),
            rd24 = rd("2400000.00"),
            sm22 = months(4, 80),
            sm23 = months(1, 90),
            sm24 = months(1, 100),
            tm22 = months(4, 12),
            tm23 = months(1, 12),
            tm24 = months(1, 9),
            sq22 = quarters(2, 80),
            sq23 = quarters(1, 90),
            sq24 = quarters(1, 100),
            tq22 = quarters(2, 12),
            tq23 = quarters(1, 12),
            tq24 = quarters(1, 9),
        )
    }

    /// A firm built from the register and the same firm written by hand give the same input
    /// and the same evaluation under every rule.
    #[test]
    fn registry_firm_matches_hand_written_json() {
        let from_registry = firm_input(&firm());
        let by_hand = FirmInput::from_json(&firm_json()).unwrap();
        assert_eq!(from_registry, by_hand);
        for rule in RuleKind::ALL {
            for as_of in [date!(2025 - 06 - 30), date!(2024 - 03 - 01)] {
                let a = evaluate(rule, &from_registry, Some(as_of));
                let b = evaluate(rule, &by_hand, Some(as_of));
                match (a, b) {
                    (Ok(a), Ok(b)) => assert_eq!(
                        serde_json::to_value(&a).unwrap(),
                        serde_json::to_value(&b).unwrap(),
                        "{rule} {as_of}"
                    ),
                    (Err(a), Err(b)) => assert_eq!(a, b),
                    (a, b) => panic!("{rule} {as_of}: {a:?} vs {b:?}"),
                }
            }
        }
    }

    /// The staff average the rules compute is the registered one, also in the year the firm
    /// was founded (zero months before registration, divided by the months operated).
    #[test]
    fn staff_ratio_uses_the_registered_average() {
        let eval = evaluate(RuleKind::Hnte, &firm_input(&firm()), Some(date!(2023 - 06 - 30))).unwrap();
        let staff = eval.condition(crate::rules::CondId::Hnte04).unwrap();
        // 12 of 80 in 2022 (operating April to December) = 15%.
        assert_eq!(staff.value.unwrap().text(), "15%");
        let eval = evaluate(RuleKind::Hnte, &firm_input(&firm()), Some(date!(2025 - 06 - 30))).unwrap();
        let staff = eval.condition(crate::rules::CondId::Hnte04).unwrap();
        assert_eq!((staff.outcome, staff.value.unwrap().text()), (crate::rules::Check::Fail, "9%".to_owned()));
        assert!(!staff.gap.is_empty());
    }

    /// Fields the register does not hold stay absent and are named as missing data.
    #[test]
    fn what_the_register_lacks_is_reported_missing() {
        let eval = evaluate(RuleKind::Hnte, &firm_input(&firm()), Some(date!(2025 - 06 - 30))).unwrap();
        let legal = eval.condition(crate::rules::CondId::Hnte00).unwrap();
        let missing: Vec<String> = legal.missing.iter().map(ToString::to_string).collect();
        assert_eq!(missing, ["resident_enterprise", "is_branch_without_legal_person"]);
        let field = eval.condition(crate::rules::CondId::Hnte03).unwrap();
        assert_eq!(field.missing.iter().map(ToString::to_string).collect::<Vec<_>>(), ["tech_field"]);
        // No IP recorded: unknown, not "none".
        let mut bare = firm();
        bare.ip_items.clear();
        let input = firm_input(&bare);
        assert!(input.ip_items.is_none());
        let eval = evaluate(RuleKind::Hnte, &input, Some(date!(2025 - 06 - 30))).unwrap();
        assert_eq!(eval.condition(crate::rules::CondId::Hnte02).unwrap().outcome, crate::rules::Check::Unknown);
    }

    #[test]
    fn park_codes_give_no_place_and_regions_split_by_level() {
        let mut f =
            RegistryFirm { uscc: "X".to_owned(), region_code: Some("P43001".to_owned()), ..RegistryFirm::default() };
        let input = firm_input(&f);
        assert_eq!((input.province, input.city, input.county), (None, None, None));
        f.region_code = Some("430200".to_owned());
        let input = firm_input(&f);
        assert_eq!(
            (input.province.as_deref(), input.city.as_deref(), input.county.as_deref()),
            (Some("430000"), Some("430200"), None)
        );
    }
}

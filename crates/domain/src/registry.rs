//! The registry of innovation actors: what an organisation is recognised as, what it reports
//! each year, what it owns, where it works.
//!
//! - [`TierKind`] and [`Tier`]: a recognition held for a span of days (高企 certificate, 科小
//!   registration, 专精特新 lists, ...), checked against the rules of each kind.
//! - [`YearlyFacts`]: the per-fiscal-year figures of `policy-rules.md` §6.4 and §6.3, with
//!   [`YEARLY_FIELDS`], the table from which the import template and the store are generated.
//! - [`IpKind`], [`Acquisition`] and [`IpItem`]: one item of intellectual property (§6.5) and
//!   its class for the HNTE rules (§2.6).
//! - [`IndustryCode`]: a GB/T 4754-2017 section letter with an optional division (`C39`).
//! - [`Level`], [`PlatformKind`]: levels of recognition and kinds of S&T platform.
//!
//! Strings for kinds are the snake_case names of `GLOSSARY.md`; `parse` accepts exactly those
//! (IP kinds and acquisitions also accept the PascalCase spellings of `policy-input.md`). Free
//! text (references, evidence, titles) is trimmed of surrounding whitespace; codes are not.
//!
//! # Error codes
//!
//! Each [`RegistryError`] has a stable i18n key ([`RegistryError::code`]) and named arguments
//! ([`RegistryError::args`]). Suggested message templates for the locale files; the English one
//! is exactly what `Display` prints (a unit test checks this table against the code). Where a
//! template names a kind, a level or a field, `args()` gives its code (`{kind}`, `{field}`) and
//! its English and Chinese names (`{kind_en}`, `{kind_zh}`, ...). Dates are `YYYY-MM-DD`,
//! amounts plain yuan (`1234.50`).
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `registry.unknown_tier_kind` | Tier kind "{value}" is not recognised; accepted kinds: hte, tech_sme, srdi_sme, little_giant, single_champion, gazelle, unicorn, chain_leader, rd_reserve_filing. | 企业资质类型“{value}”无法识别；可接受：hte、tech_sme、srdi_sme、little_giant、single_champion、gazelle、unicorn、chain_leader、rd_reserve_filing。 |
//! | `registry.unknown_level` | Level "{value}" is not recognised; accepted levels: national, provincial, municipal. | 级别“{value}”无法识别；可接受：national（国家级）、provincial（省级）、municipal（市级）。 |
//! | `registry.unknown_platform_kind` | Platform kind "{value}" is not recognised; accepted kinds: state_key_lab, provincial_key_lab, engineering_research_centre, enterprise_tech_centre, new_rd_institution, incubator, maker_space, tech_innovation_centre, industrial_tech_institute, academician_workstation, overseas_talent_station, school_enterprise_lab, demo_base, other. | 平台类型“{value}”无法识别；可接受：state_key_lab、provincial_key_lab、engineering_research_centre、enterprise_tech_centre、new_rd_institution、incubator、maker_space、tech_innovation_centre、industrial_tech_institute、academician_workstation、overseas_talent_station、school_enterprise_lab、demo_base、other。 |
//! | `registry.unknown_ip_kind` | IP kind "{value}" is not recognised; accepted kinds: invention_patent, defence_patent, plant_variety, national_crop_variety, national_new_drug, tcm_protected_grade1, ic_layout_design, utility_model, design_patent, software_copyright, trademark, other, or the same in PascalCase (InventionPatent). | 知识产权类型“{value}”无法识别；可接受：invention_patent、defence_patent、plant_variety、national_crop_variety、national_new_drug、tcm_protected_grade1、ic_layout_design、utility_model、design_patent、software_copyright、trademark、other，或相应的 PascalCase 写法（如 InventionPatent）。 |
//! | `registry.unknown_acquisition` | IP acquisition "{value}" is not recognised; accepted: self_developed, transfer, gift, merger_acquisition, licence, or the same in PascalCase (SelfDeveloped). | 知识产权获得方式“{value}”无法识别；可接受：self_developed、transfer、gift、merger_acquisition、licence，或相应的 PascalCase 写法（如 SelfDeveloped）。 |
//! | `registry.level_not_applicable` | A {kind_en} record cannot have a level ({level}); levels apply only to srdi_sme, little_giant, single_champion, gazelle, unicorn and chain_leader. | {kind_zh}记录不能设置级别（{level_zh}）；只有专精特新中小企业、专精特新“小巨人”企业、制造业单项冠军企业、瞪羚企业、独角兽企业和链主企业设置级别。 |
//! | `registry.reference_required` | A {kind_en} record needs its {reference_en}; it is missing. | {kind_zh}记录必须填写{reference_zh}。 |
//! | `registry.evidence_required` | A {kind_en} record needs evidence (a document number or a note on where the record comes from); it is empty. | {kind_zh}记录必须填写依据（文件文号或数据来源说明）。 |
//! | `registry.validity_reversed` | A {kind_en} record is valid from {valid_from} to {valid_to}; the last day cannot be before the first. | {kind_zh}记录的有效期 {valid_from} 至 {valid_to} 无效；截止日期不能早于起始日期。 |
//! | `registry.invalid_hte_number` | High-tech enterprise certificate number "{value}" is not in the recognised form; accepted: GR, a four-digit year, a two-digit province code and six digits, e.g. GR202143001234. | 高新技术企业证书编号“{value}”格式不正确；应为 GR 加四位年份、两位省级代码和六位数字，如 GR202143001234。 |
//! | `registry.hte_number_year_out_of_range` | High-tech enterprise certificate number "{value}" has year {year}; accepted years are 2008 to 2100. | 高新技术企业证书编号“{value}”中的年份 {year} 超出范围；应在 2008 至 2100 之间。 |
//! | `registry.hte_number_unknown_province` | High-tech enterprise certificate number "{value}" has province code {province}, which is no mainland province of GB/T 2260; accepted: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65. | 高新技术企业证书编号“{value}”中的省级代码 {province} 不是 GB/T 2260 中的内地省级代码；可接受：11-15、21-23、31-37、41-46、50-54、61-65。 |
//! | `registry.hte_year_mismatch` | High-tech enterprise certificate "{value}" is of {year}, but the record starts on {valid_from}; the certificate year and the issue date (the first day of validity) must fall in the same year. | 高新技术企业证书“{value}”的年份为 {year}，但有效期起始日为 {valid_from}；证书年份应与发证日期（有效期起始日）在同一年。 |
//! | `registry.hte_validity_too_long` | A high-tech enterprise certificate issued on {valid_from} is valid for three years, at most until {max_valid_to}; {valid_to} is too late. | 发证日期为 {valid_from} 的高新技术企业证书有效期为三年，最迟至 {max_valid_to}；{valid_to} 超出有效期。 |
//! | `registry.invalid_tech_sme_number` | Tech-based SME registration number "{value}" is not in the recognised form; accepted: 18 characters, a four-digit year and 14 digits (the 11th character may also be A or B), e.g. 202143020100001234. | 科技型中小企业入库登记编号“{value}”格式不正确；应为 18 位：四位年份加 14 位数字（第 11 位也可以是 A 或 B），如 202143020100001234。 |
//! | `registry.tech_sme_number_year_out_of_range` | Tech-based SME registration number "{value}" has year {year}; accepted years are 2017 to 2100. | 科技型中小企业入库登记编号“{value}”中的年份 {year} 超出范围；应在 2017 至 2100 之间。 |
//! | `registry.tech_sme_year_mismatch` | Tech-based SME registration number "{value}" is of {year}, but the record starts on {valid_from}; a registration is valid only in the calendar year of its number. | 科技型中小企业入库登记编号“{value}”的年份为 {year}，但有效期起始日为 {valid_from}；入库登记编号仅在编号所属年度内有效。 |
//! | `registry.tech_sme_validity_too_long` | A tech-based SME registration of {year} is valid only in that calendar year, at most until {max_valid_to}; {valid_to} is too late. | {year} 年的科技型中小企业入库登记仅在当年有效，最迟至 {max_valid_to}；{valid_to} 超出有效期。 |
//! | `registry.negative_amount` | {field_en} ({field}) is {value}; it cannot be negative. | {field_zh}（{field}）为 {value}，不能为负数。 |
//! | `registry.part_exceeds_whole` | {part_en} ({part}) is {part_value}, more than {whole_en} ({whole}), {whole_value}; it is a part of it and cannot exceed it. | {part_zh}（{part}）为 {part_value}，大于{whole_zh}（{whole}）{whole_value}；前者是后者的一部分，不能超过后者。 |
//! | `registry.total_overflow` | {total_en} ({total}) is too large to compute; check the amounts it adds up. | {total_zh}（{total}）过大，无法计算；请检查参与合计的各项金额。 |
//! | `registry.unknown_field` | Field "{key}" is not a yearly figure; accepted keys are those of YEARLY_FIELDS, e.g. main_business_revenue, rd_hnte.personnel, staff_total. | 字段“{key}”不是年度数据项；可用字段见 YEARLY_FIELDS，如 main_business_revenue、rd_hnte.personnel、staff_total。 |
//! | `registry.field_kind_mismatch` | Field "{key}" takes a {expected} value, not a {actual} value. | 字段“{key}”应填写{expected_zh}，而不是{actual_zh}。 |
//! | `registry.ip_registration_no_required` | IP item "{title}" has no registration number; every item needs its patent, registration or certificate number. | 知识产权“{title}”缺少登记号；每一项都必须填写专利号、登记号或证书号。 |
//! | `registry.ip_expiry_not_after_grant` | IP item {registration_no} expires on {expiry_date}, which is not after its grant date {grant_date}; the expiry date must be later than the grant date. | 知识产权 {registration_no} 的到期日 {expiry_date} 不晚于授权日 {grant_date}；到期日必须晚于授权日。 |
//! | `registry.invalid_industry_code` | Industry code "{value}" is not in the recognised form; accepted: a GB/T 4754-2017 section letter A to T, optionally followed by a two-digit division, e.g. C39, I65, M. | 行业代码“{value}”格式不正确；应为 GB/T 4754-2017 门类字母 A 至 T，可再加两位大类代码，如 C39、I65、M。 |
//! | `registry.industry_division_out_of_section` | Industry code "{value}": division {division} does not belong to section {section} ({section_en}); section {section} has divisions {min} to {max}. | 行业代码“{value}”中的大类 {division} 不属于门类 {section}（{section_zh}）；门类 {section} 的大类为 {min} 至 {max}。 |

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month};

use crate::money::Money;
use crate::region::RegionCode;

// Dates travel as ISO `YYYY-MM-DD`, as in `policy-input.md`.
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

// ---------------------------------------------------------------------------------------
// Levels
// ---------------------------------------------------------------------------------------

/// The level of a recognition, a list or a platform: 国家级, 省级 or 市级.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 国家级
    National,
    /// 省级
    Provincial,
    /// 市级
    Municipal,
}

/// The level of a platform; the same three levels as any other recognition.
pub type PlatformLevel = Level;

impl Level {
    /// Every level, highest first.
    pub const ALL: [Level; 3] = [Level::National, Level::Provincial, Level::Municipal];

    /// `national`, `provincial` or `municipal`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Provincial => "provincial",
            Level::Municipal => "municipal",
        }
    }

    /// Parses the snake_case form; fails with `registry.unknown_level`.
    pub fn parse(input: &str) -> Result<Level, RegistryError> {
        Level::ALL
            .into_iter()
            .find(|level| level.as_str() == input)
            .ok_or_else(|| RegistryError::UnknownLevel { value: input.to_owned() })
    }

    /// 国家级, 省级 or 市级.
    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            Level::National => "国家级",
            Level::Provincial => "省级",
            Level::Municipal => "市级",
        }
    }

    /// National, Provincial or Municipal.
    #[must_use]
    pub fn name_en(self) -> &'static str {
        match self {
            Level::National => "National",
            Level::Provincial => "Provincial",
            Level::Municipal => "Municipal",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------
// Tiers
// ---------------------------------------------------------------------------------------

/// What an organisation is recognised as (its "tier"), in the words of `GLOSSARY.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierKind {
    /// 高新技术企业: a certificate valid for three years.
    Hte,
    /// 科技型中小企业: a registration number valid for one calendar year.
    TechSme,
    /// 专精特新中小企业
    SrdiSme,
    /// 专精特新“小巨人”企业
    LittleGiant,
    /// 制造业单项冠军企业
    SingleChampion,
    /// 瞪羚企业
    Gazelle,
    /// 独角兽企业
    Unicorn,
    /// 链主企业
    ChainLeader,
    /// 研发准备金备案 (Hunan)
    RdReserveFiling,
}

impl TierKind {
    /// Every kind, in the order of `GLOSSARY.md`.
    pub const ALL: [TierKind; 9] = [
        TierKind::Hte,
        TierKind::TechSme,
        TierKind::SrdiSme,
        TierKind::LittleGiant,
        TierKind::SingleChampion,
        TierKind::Gazelle,
        TierKind::Unicorn,
        TierKind::ChainLeader,
        TierKind::RdReserveFiling,
    ];

    /// The stable snake_case form, e.g. `tech_sme`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TierKind::Hte => "hte",
            TierKind::TechSme => "tech_sme",
            TierKind::SrdiSme => "srdi_sme",
            TierKind::LittleGiant => "little_giant",
            TierKind::SingleChampion => "single_champion",
            TierKind::Gazelle => "gazelle",
            TierKind::Unicorn => "unicorn",
            TierKind::ChainLeader => "chain_leader",
            TierKind::RdReserveFiling => "rd_reserve_filing",
        }
    }

    /// Parses the snake_case form; fails with `registry.unknown_tier_kind`.
    pub fn parse(input: &str) -> Result<TierKind, RegistryError> {
        TierKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input)
            .ok_or_else(|| RegistryError::UnknownTierKind { value: input.to_owned() })
    }

    /// The name users see, e.g. 高新技术企业.
    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            TierKind::Hte => "高新技术企业",
            TierKind::TechSme => "科技型中小企业",
            TierKind::SrdiSme => "专精特新中小企业",
            TierKind::LittleGiant => "专精特新“小巨人”企业",
            TierKind::SingleChampion => "制造业单项冠军企业",
            TierKind::Gazelle => "瞪羚企业",
            TierKind::Unicorn => "独角兽企业",
            TierKind::ChainLeader => "链主企业",
            TierKind::RdReserveFiling => "研发准备金备案",
        }
    }

    /// The English name, e.g. `high-tech enterprise` (lower case, to sit inside a sentence).
    #[must_use]
    pub fn name_en(self) -> &'static str {
        match self {
            TierKind::Hte => "high-tech enterprise",
            TierKind::TechSme => "tech-based SME",
            TierKind::SrdiSme => "specialised and innovative SME",
            TierKind::LittleGiant => "\"little giant\" enterprise",
            TierKind::SingleChampion => "manufacturing single champion",
            TierKind::Gazelle => "gazelle enterprise",
            TierKind::Unicorn => "unicorn enterprise",
            TierKind::ChainLeader => "chain leader enterprise",
            TierKind::RdReserveFiling => "R&D reserve fund filing",
        }
    }

    /// Whether a record of this kind may carry a [`Level`]: the lists kept at several levels
    /// (专精特新, 小巨人, 单项冠军, 瞪羚, 独角兽, 链主). 高企, 科小 and the Hunan R&D reserve filing
    /// exist at one level only and take none.
    #[must_use]
    pub fn takes_level(self) -> bool {
        !matches!(self, TierKind::Hte | TierKind::TechSme | TierKind::RdReserveFiling)
    }

    /// Whether a record of this kind must name its certificate or registration number.
    #[must_use]
    pub fn requires_reference(self) -> bool {
        matches!(self, TierKind::Hte | TierKind::TechSme)
    }

    /// What the reference of this kind is called: (English, Chinese).
    fn reference_names(self) -> (&'static str, &'static str) {
        match self {
            TierKind::Hte => ("certificate number", "证书编号"),
            TierKind::TechSme => ("registration number", "入库登记编号"),
            _ => ("reference", "证书或登记编号"),
        }
    }
}

impl fmt::Display for TierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Earliest and latest year of a 高企 certificate number (the 2008 Measures started the
/// `GR` numbering).
const HTE_YEARS: std::ops::RangeInclusive<i32> = 2008..=2100;
/// Earliest and latest year of a 科小 registration number (the 2017 Measures).
const TECH_SME_YEARS: std::ops::RangeInclusive<i32> = 2017..=2100;

/// The four-digit year at the start of `digits` (the caller has checked they are digits).
fn year_of(digits: &[u8]) -> i32 {
    digits.iter().take(4).fold(0, |acc, d| acc * 10 + i32::from(d - b'0'))
}

/// Checks a 高企 certificate number and returns its year.
///
/// The form is `GR`, a four-digit year (2008 to 2100), a two-digit mainland province code of
/// GB/T 2260 and six digits (a batch digit and a serial number): `GR202143001234`. Nothing is
/// trimmed. Fails with `registry.invalid_hte_number`, `registry.hte_number_year_out_of_range`
/// or `registry.hte_number_unknown_province`.
pub fn hte_certificate_year(number: &str) -> Result<i32, RegistryError> {
    let Some(digits) = number.strip_prefix("GR").map(str::as_bytes) else {
        return Err(RegistryError::InvalidHteNumber { value: number.to_owned() });
    };
    if digits.len() != 12 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(RegistryError::InvalidHteNumber { value: number.to_owned() });
    }
    let year = year_of(digits);
    if !HTE_YEARS.contains(&year) {
        return Err(RegistryError::HteNumberYearOutOfRange { value: number.to_owned(), year });
    }
    let province = &number[6..8];
    // Hong Kong, Macao and Taiwan (71, 81, 82) have GB/T 2260 codes but no 高企 (HNTE-00).
    let mainland = RegionCode::parse(&format!("{province}0000")).is_ok() && !matches!(province, "71" | "81" | "82");
    if !mainland {
        return Err(RegistryError::HteNumberUnknownProvince {
            value: number.to_owned(),
            province: province.to_owned(),
        });
    }
    Ok(year)
}

/// Checks a 科小 registration number (入库登记编号) and returns its year.
///
/// The form is 18 characters: a four-digit year (2017 to 2100) and 14 digits, e.g.
/// `202143020100001234`. The 11th character may also be `A` or `B`: the 2018 coding marks
/// firms filed from 1 June (`A`) or founded in the evaluation year (`B`) there
/// (`policy-rules.md` SME-P3). Fails with `registry.invalid_tech_sme_number` or
/// `registry.tech_sme_number_year_out_of_range`.
pub fn tech_sme_registration_year(number: &str) -> Result<i32, RegistryError> {
    let bytes = number.as_bytes();
    let well_formed = bytes.len() == 18
        && bytes.iter().enumerate().all(|(index, &b)| b.is_ascii_digit() || (index == 10 && matches!(b, b'A' | b'B')));
    if !well_formed {
        return Err(RegistryError::InvalidTechSmeNumber { value: number.to_owned() });
    }
    let year = year_of(bytes);
    if !TECH_SME_YEARS.contains(&year) {
        return Err(RegistryError::TechSmeNumberYearOutOfRange { value: number.to_owned(), year });
    }
    Ok(year)
}

/// The last day of a 高企 certificate issued on `issue_date`: valid for three years
/// (HNTE-V1), so the day before the third anniversary (2021-12-15 → 2024-12-14).
///
/// The anniversary of 29 February in a common year is taken as 1 March, so a certificate of
/// 2020-02-29 runs to 2023-02-28. `None` only for dates at the edge of `time::Date`.
#[must_use]
pub fn hte_last_valid_day(issue_date: Date) -> Option<Date> {
    // The anniversary, with 29 February moved to 1 March in a common year, then one day back.
    let year = issue_date.year().checked_add(3)?;
    let anniversary = Date::from_calendar_date(year, issue_date.month(), issue_date.day())
        .or_else(|_| Date::from_calendar_date(year, Month::March, 1))
        .ok()?;
    anniversary.previous_day()
}

/// 31 December of `year`, if `time::Date` can hold it.
fn last_day_of_year(year: i32) -> Option<Date> {
    Date::from_calendar_date(year, Month::December, 31).ok()
}

/// One recognition held by an organisation for a span of days. Build it with [`Tier::new`]
/// (or deserialise it, which calls `new`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Tier {
    kind: TierKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<Level>,
    #[serde(with = "iso_date")]
    valid_from: Date,
    #[serde(with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    valid_to: Option<Date>,
    evidence: String,
}

impl Tier {
    /// Checks and builds a tier record.
    ///
    /// - `reference`: certificate or registration number, trimmed; empty counts as missing.
    ///   Required for `hte` ([`hte_certificate_year`]) and `tech_sme`
    ///   ([`tech_sme_registration_year`]), free text for the other kinds.
    /// - `level`: only for kinds that [take one](TierKind::takes_level).
    /// - `valid_from`: the first day (for `hte`, the issue date); `valid_to`: the last day,
    ///   inclusive, `None` for open-ended. `valid_to` is never before `valid_from`.
    /// - `hte`: the certificate year is the year of `valid_from`; `valid_to` defaults to and
    ///   may not exceed [`hte_last_valid_day`] (three years).
    /// - `tech_sme`: `valid_from` lies in the year of the number; `valid_to` defaults to and
    ///   may not exceed 31 December of that year (SME-P2).
    /// - `evidence`: where the record comes from (a list, a document number), trimmed,
    ///   required.
    ///
    /// Fails with the first broken rule, in the order above.
    pub fn new(
        kind: TierKind,
        reference: Option<&str>,
        level: Option<Level>,
        valid_from: Date,
        valid_to: Option<Date>,
        evidence: &str,
    ) -> Result<Tier, RegistryError> {
        let reference = reference.map(str::trim).filter(|text| !text.is_empty());
        let evidence = evidence.trim();
        if kind.requires_reference() && reference.is_none() {
            return Err(RegistryError::ReferenceRequired { kind });
        }
        if let Some(level) = level.filter(|_| !kind.takes_level()) {
            return Err(RegistryError::LevelNotApplicable { kind, level });
        }
        if let Some(valid_to) = valid_to.filter(|&valid_to| valid_to < valid_from) {
            return Err(RegistryError::ValidityReversed { kind, valid_from, valid_to });
        }
        let valid_to = match (kind, reference) {
            (TierKind::Hte, Some(number)) => {
                let year = hte_certificate_year(number)?;
                if year != valid_from.year() {
                    return Err(RegistryError::HteYearMismatch { value: number.to_owned(), year, valid_from });
                }
                let max_valid_to = hte_last_valid_day(valid_from).expect("an issue date in 2008..=2100 has a last day");
                match valid_to {
                    Some(valid_to) if valid_to > max_valid_to => {
                        return Err(RegistryError::HteValidityTooLong { valid_from, valid_to, max_valid_to });
                    }
                    Some(valid_to) => valid_to,
                    None => max_valid_to,
                }
                .into()
            }
            (TierKind::TechSme, Some(number)) => {
                let year = tech_sme_registration_year(number)?;
                if year != valid_from.year() {
                    return Err(RegistryError::TechSmeYearMismatch { value: number.to_owned(), year, valid_from });
                }
                let max_valid_to = last_day_of_year(year).expect("years 2017..=2100 are valid dates");
                match valid_to {
                    Some(valid_to) if valid_to > max_valid_to => {
                        return Err(RegistryError::TechSmeValidityTooLong { year, valid_to, max_valid_to });
                    }
                    Some(valid_to) => valid_to,
                    None => max_valid_to,
                }
                .into()
            }
            _ => valid_to,
        };
        if evidence.is_empty() {
            return Err(RegistryError::EvidenceRequired { kind });
        }
        Ok(Tier {
            kind,
            reference: reference.map(str::to_owned),
            level,
            valid_from,
            valid_to,
            evidence: evidence.to_owned(),
        })
    }

    #[must_use]
    pub fn kind(&self) -> TierKind {
        self.kind
    }

    /// The certificate or registration number, if any (always present for `hte`, `tech_sme`).
    #[must_use]
    pub fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    #[must_use]
    pub fn level(&self) -> Option<Level> {
        self.level
    }

    /// The first day of validity (for `hte`, the issue date).
    #[must_use]
    pub fn valid_from(&self) -> Date {
        self.valid_from
    }

    /// The last day of validity, inclusive; `None` for open-ended (never for `hte`, `tech_sme`).
    #[must_use]
    pub fn valid_to(&self) -> Option<Date> {
        self.valid_to
    }

    #[must_use]
    pub fn evidence(&self) -> &str {
        &self.evidence
    }

    /// Whether the record is in force on `date`: `valid_from <= date <= valid_to`.
    #[must_use]
    pub fn valid_on(&self, date: Date) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|valid_to| date <= valid_to)
    }

    /// Whether the record is in force on 31 December of `year` (the usual "at year end" count).
    #[must_use]
    pub fn valid_at_end_of(&self, year: i32) -> bool {
        last_day_of_year(year).is_some_and(|date| self.valid_on(date))
    }
}

impl<'de> Deserialize<'de> for Tier {
    /// The fields of the serialised form, checked by [`Tier::new`] (so `valid_to` may be left
    /// out for `hte` and `tech_sme`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Fields {
            kind: TierKind,
            #[serde(default)]
            reference: Option<String>,
            #[serde(default)]
            level: Option<Level>,
            #[serde(with = "iso_date")]
            valid_from: Date,
            #[serde(default, with = "iso_date::option")]
            valid_to: Option<Date>,
            evidence: String,
        }
        let fields = Fields::deserialize(deserializer)?;
        Tier::new(
            fields.kind,
            fields.reference.as_deref(),
            fields.level,
            fields.valid_from,
            fields.valid_to,
            &fields.evidence,
        )
        .map_err(serde::de::Error::custom)
    }
}

/// How many of `tiers` are of `kind` and in force on `date`.
///
/// Counts records, not organisations: pass one organisation's records to ask whether it holds
/// the tier, or records of distinct organisations to count firms (a renewed certificate and
/// the one it replaces never overlap, since `hte` validity ends the day before the third
/// anniversary, but hand-entered records may).
#[must_use]
pub fn count_valid_at(tiers: &[Tier], kind: TierKind, date: Date) -> usize {
    tiers.iter().filter(|tier| tier.kind == kind && tier.valid_on(date)).count()
}

// ---------------------------------------------------------------------------------------
// Yearly facts
// ---------------------------------------------------------------------------------------

/// R&D expenses on the HNTE basis (高企口径, eight categories, `policy-rules.md` §2.3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RdHnte {
    /// 人员人工费用
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personnel: Option<Money>,
    /// 直接投入费用
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direct_inputs: Option<Money>,
    /// 折旧费用与长期待摊费用
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depreciation_and_lt_prepaid: Option<Money>,
    /// 无形资产摊销费用
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intangible_amort: Option<Money>,
    /// 设计费用
    #[serde(skip_serializing_if = "Option::is_none")]
    pub design: Option<Money>,
    /// 装备调试费用与试验费用
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equipment_testing: Option<Money>,
    /// 委托外部研究开发费用, already counted at 80% of the amount paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commissioned_external_counted: Option<Money>,
    /// 其他费用
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<Money>,
}

impl RdHnte {
    /// The eight categories, in the order of the HNTE R&D schedule.
    #[must_use]
    pub fn categories(&self) -> [Option<Money>; 8] {
        [
            self.personnel,
            self.direct_inputs,
            self.depreciation_and_lt_prepaid,
            self.intangible_amort,
            self.design,
            self.equipment_testing,
            self.commissioned_external_counted,
            self.other,
        ]
    }

    /// The sum of the eight categories; `None` unless every category is present (a category
    /// without expenses is entered as 0) and the sum fits.
    #[must_use]
    pub fn total(&self) -> Option<Money> {
        self.categories().into_iter().collect::<Option<Vec<Money>>>().and_then(Money::checked_sum)
    }

    /// Whether no category is filled in.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.categories().iter().all(Option::is_none)
    }
}

/// R&D expenses on the super-deduction basis (加计扣除口径, six categories of 财税〔2015〕119号,
/// `policy-rules.md` §4.4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RdSd {
    /// 人员人工费用
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personnel: Option<Money>,
    /// 直接投入费用
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direct_inputs: Option<Money>,
    /// 折旧费用
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depreciation: Option<Money>,
    /// 无形资产摊销
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intangible_amort: Option<Money>,
    /// 新产品设计费、新工艺规程制定费、新药研制的临床试验费、勘探开发技术的现场试验费
    #[serde(skip_serializing_if = "Option::is_none")]
    pub design_trials: Option<Money>,
    /// 其他相关费用
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_related: Option<Money>,
}

impl RdSd {
    /// The six categories, in the order of the super-deduction schedule.
    #[must_use]
    pub fn categories(&self) -> [Option<Money>; 6] {
        [
            self.personnel,
            self.direct_inputs,
            self.depreciation,
            self.intangible_amort,
            self.design_trials,
            self.other_related,
        ]
    }

    /// The sum of the six categories; `None` unless every category is present and the sum fits.
    #[must_use]
    pub fn total(&self) -> Option<Money> {
        self.categories().into_iter().collect::<Option<Vec<Money>>>().and_then(Money::checked_sum)
    }

    /// Whether no category is filled in.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.categories().iter().all(Option::is_none)
    }
}

/// The scalar figures of one organisation for one fiscal (calendar) year: `policy-rules.md`
/// §6.4 and the staff headcounts of §6.3. Every field is optional, so that a rule can report
/// missing data; the serde names are those of `policy-input.md`.
///
/// A plain record: build it freely (from JSON, field by field, or through
/// [`set`](YearlyFacts::set)), then [`check`](YearlyFacts::check) it before storing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct YearlyFacts {
    /// 主营业务收入 (CIT-return basis, excluding deemed sales).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_business_revenue: Option<Money>,
    /// 其他业务收入
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_business_revenue: Option<Money>,
    /// 收入总额 (CIT Law).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gross_income_cit: Option<Money>,
    /// 不征税收入
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_taxable_income: Option<Money>,
    /// 投资收益; may be negative (a loss).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub investment_income: Option<Money>,
    /// 高新技术产品（服务）收入, including technical revenue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hightech_revenue: Option<Money>,
    /// 主要产品（服务）收入
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_products_revenue: Option<Money>,
    /// 年末资产总额
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_assets_ye: Option<Money>,
    /// 年末负债总额
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_liabilities_ye: Option<Money>,
    /// 成本费用支出总额
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_expense_total: Option<Money>,
    /// R&D expenses, HNTE basis.
    #[serde(skip_serializing_if = "RdHnte::is_empty")]
    pub rd_hnte: RdHnte,
    /// R&D incurred in China, HNTE basis (HNTE-06).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rd_hnte_domestic: Option<Money>,
    /// R&D expenses, super-deduction basis.
    #[serde(skip_serializing_if = "RdSd::is_empty")]
    pub rd_sd: RdSd,
    /// R&D commissioned to institutions or individuals in China, amount paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rd_commissioned_domestic_paid: Option<Money>,
    /// R&D commissioned abroad, amount paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rd_commissioned_abroad_paid: Option<Money>,
    /// Non-taxable government grants spent on R&D (SD-C4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rd_nontaxable_grants_used: Option<Money>,
    /// 职工总数, yearly average.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff_total: Option<u32>,
    /// 科技人员数, yearly average.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff_st: Option<u32>,
    /// 研发人员数
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rd_staff: Option<u32>,
}

/// What a yearly field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// An amount of yuan ([`Money`]).
    Money,
    /// A headcount (persons).
    Count,
}

impl FieldKind {
    /// `money` or `count`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Money => "money",
            FieldKind::Count => "count",
        }
    }

    /// 金额 or 人数.
    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            FieldKind::Money => "金额",
            FieldKind::Count => "人数",
        }
    }

    /// The unit at the end of a zh label: `（元）` or `（人）`.
    fn label_suffix_zh(self) -> &'static str {
        match self {
            FieldKind::Money => "（元）",
            FieldKind::Count => "（人）",
        }
    }

    /// The unit at the end of an en label: ` (yuan)` or ` (persons)`.
    fn label_suffix_en(self) -> &'static str {
        match self {
            FieldKind::Money => " (yuan)",
            FieldKind::Count => " (persons)",
        }
    }
}

/// The value of one yearly field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldValue {
    Money(Money),
    Count(u32),
}

impl FieldValue {
    /// Which kind of field can hold this value.
    #[must_use]
    pub fn kind(self) -> FieldKind {
        match self {
            FieldValue::Money(_) => FieldKind::Money,
            FieldValue::Count(_) => FieldKind::Count,
        }
    }
}

impl fmt::Display for FieldValue {
    /// An amount as plain yuan (`1234.50`), a count as a number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Money(money) => money.fmt(f),
            FieldValue::Count(count) => count.fmt(f),
        }
    }
}

/// One flat field of [`YearlyFacts`]: what the import template, the store and the forms need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldSpec {
    /// Stable key, the serde path with a dot for nested fields: `rd_hnte.personnel`.
    pub key: &'static str,
    /// Column header of the import template, with the unit: `主营业务收入（元）`.
    pub label_zh: &'static str,
    /// English header, with the unit: `Main business revenue (yuan)`.
    pub label_en: &'static str,
    pub kind: FieldKind,
    /// Whether a negative value is plausible (only investment income, which may be a loss).
    pub allow_negative: bool,
}

impl FieldSpec {
    /// The label without its unit, for sentences: `主营业务收入`.
    #[must_use]
    pub fn name_zh(&self) -> &'static str {
        self.label_zh.strip_suffix(self.kind.label_suffix_zh()).unwrap_or(self.label_zh)
    }

    /// The English label without its unit: `Main business revenue`.
    #[must_use]
    pub fn name_en(&self) -> &'static str {
        self.label_en.strip_suffix(self.kind.label_suffix_en()).unwrap_or(self.label_en)
    }
}

const fn money(key: &'static str, label_zh: &'static str, label_en: &'static str) -> FieldSpec {
    FieldSpec { key, label_zh, label_en, kind: FieldKind::Money, allow_negative: false }
}

const fn count(key: &'static str, label_zh: &'static str, label_en: &'static str) -> FieldSpec {
    FieldSpec { key, label_zh, label_en, kind: FieldKind::Count, allow_negative: false }
}

/// Every flat field of [`YearlyFacts`], in import-template order: revenue, balance sheet,
/// R&D on the HNTE basis, R&D on the super-deduction basis, staff. Labels end with the unit,
/// `（元）` / `（人）` and ` (yuan)` / ` (persons)`.
pub const YEARLY_FIELDS: &[FieldSpec] = &[
    money("main_business_revenue", "主营业务收入（元）", "Main business revenue (yuan)"),
    money("other_business_revenue", "其他业务收入（元）", "Other business revenue (yuan)"),
    money("gross_income_cit", "收入总额（企业所得税口径）（元）", "Gross income, CIT basis (yuan)"),
    money("non_taxable_income", "不征税收入（元）", "Non-taxable income (yuan)"),
    FieldSpec {
        allow_negative: true, ..money("investment_income", "投资收益（元）", "Investment income (yuan)")
    },
    money("hightech_revenue", "高新技术产品（服务）收入（元）", "High-tech products and services revenue (yuan)"),
    money("main_products_revenue", "主要产品（服务）收入（元）", "Main products and services revenue (yuan)"),
    money("total_assets_ye", "年末资产总额（元）", "Total assets at year end (yuan)"),
    money("total_liabilities_ye", "年末负债总额（元）", "Total liabilities at year end (yuan)"),
    money("cost_expense_total", "成本费用支出总额（元）", "Total costs and expenses (yuan)"),
    money("rd_hnte.personnel", "研发费用（高企口径）-人员人工费用（元）", "R&D, HNTE basis: personnel (yuan)"),
    money("rd_hnte.direct_inputs", "研发费用（高企口径）-直接投入费用（元）", "R&D, HNTE basis: direct inputs (yuan)"),
    money(
        "rd_hnte.depreciation_and_lt_prepaid",
        "研发费用（高企口径）-折旧费用与长期待摊费用（元）",
        "R&D, HNTE basis: depreciation and long-term prepaid expenses (yuan)",
    ),
    money(
        "rd_hnte.intangible_amort",
        "研发费用（高企口径）-无形资产摊销费用（元）",
        "R&D, HNTE basis: amortisation of intangibles (yuan)",
    ),
    money("rd_hnte.design", "研发费用（高企口径）-设计费用（元）", "R&D, HNTE basis: design (yuan)"),
    money(
        "rd_hnte.equipment_testing",
        "研发费用（高企口径）-装备调试费用与试验费用（元）",
        "R&D, HNTE basis: equipment commissioning and testing (yuan)",
    ),
    money(
        "rd_hnte.commissioned_external_counted",
        "研发费用（高企口径）-委托外部研究开发费用（按80%计入）（元）",
        "R&D, HNTE basis: commissioned external R&D, counted at 80% (yuan)",
    ),
    money("rd_hnte.other", "研发费用（高企口径）-其他费用（元）", "R&D, HNTE basis: other (yuan)"),
    money("rd_hnte_domestic", "境内研发费用（高企口径）（元）", "R&D incurred in China, HNTE basis (yuan)"),
    money(
        "rd_sd.personnel",
        "研发费用（加计扣除口径）-人员人工费用（元）",
        "R&D, super-deduction basis: personnel (yuan)",
    ),
    money(
        "rd_sd.direct_inputs",
        "研发费用（加计扣除口径）-直接投入费用（元）",
        "R&D, super-deduction basis: direct inputs (yuan)",
    ),
    money(
        "rd_sd.depreciation",
        "研发费用（加计扣除口径）-折旧费用（元）",
        "R&D, super-deduction basis: depreciation (yuan)",
    ),
    money(
        "rd_sd.intangible_amort",
        "研发费用（加计扣除口径）-无形资产摊销（元）",
        "R&D, super-deduction basis: amortisation of intangibles (yuan)",
    ),
    money(
        "rd_sd.design_trials",
        "研发费用（加计扣除口径）-新产品设计费等（元）",
        "R&D, super-deduction basis: new product design, process and trial costs (yuan)",
    ),
    money(
        "rd_sd.other_related",
        "研发费用（加计扣除口径）-其他相关费用（元）",
        "R&D, super-deduction basis: other related costs (yuan)",
    ),
    money(
        "rd_commissioned_domestic_paid",
        "委托境内机构或个人研发实际支付费用（元）",
        "R&D commissioned in China, amount paid (yuan)",
    ),
    money(
        "rd_commissioned_abroad_paid",
        "委托境外机构或个人研发实际支付费用（元）",
        "R&D commissioned abroad, amount paid (yuan)",
    ),
    money(
        "rd_nontaxable_grants_used",
        "用于研发的不征税财政资金（元）",
        "Non-taxable government grants spent on R&D (yuan)",
    ),
    count("staff_total", "年平均职工总数（人）", "Total staff, yearly average (persons)"),
    count("staff_st", "年平均科技人员数（人）", "S&T staff, yearly average (persons)"),
    count("rd_staff", "研发人员数（人）", "R&D staff (persons)"),
];

/// Totals computed from several fields, named in error messages: (key, English, Chinese).
const DERIVED_FIELDS: [(&str, &str, &str); 3] = [
    ("sales_revenue", "Sales revenue", "销售收入"),
    ("rd_hnte_total", "Total R&D, HNTE basis", "研发费用合计（高企口径）"),
    ("rd_sd_total", "Total R&D, super-deduction basis", "研发费用合计（加计扣除口径）"),
];

/// The English and Chinese names of a field or derived total, for messages.
fn field_names(key: &str) -> (&'static str, &'static str) {
    if let Some(spec) = YEARLY_FIELDS.iter().find(|spec| spec.key == key) {
        return (spec.name_en(), spec.name_zh());
    }
    DERIVED_FIELDS.iter().find(|(derived, _, _)| *derived == key).map_or(("", ""), |&(_, en, zh)| (en, zh))
}

/// The [`FieldSpec`] of `key`, if it is a yearly field.
#[must_use]
pub fn yearly_field(key: &str) -> Option<&'static FieldSpec> {
    YEARLY_FIELDS.iter().find(|spec| spec.key == key)
}

/// A mutable place for one field's value.
enum Slot<'a> {
    Money(&'a mut Option<Money>),
    Count(&'a mut Option<u32>),
}

impl YearlyFacts {
    /// Sales revenue (销售收入) = main-business + other-business revenue; `None` unless both
    /// are present.
    #[must_use]
    pub fn sales_revenue(&self) -> Option<Money> {
        self.main_business_revenue?.checked_add(self.other_business_revenue?)
    }

    /// Total revenue for HNTE-07 (总收入) = gross income − non-taxable income; `None` unless
    /// both are present.
    #[must_use]
    pub fn total_revenue(&self) -> Option<Money> {
        self.gross_income_cit?.checked_sub(self.non_taxable_income?)
    }

    /// Net assets at year end = total assets − total liabilities; may be negative.
    #[must_use]
    pub fn net_assets_ye(&self) -> Option<Money> {
        self.total_assets_ye?.checked_sub(self.total_liabilities_ye?)
    }

    /// R&D expenses on the HNTE basis, the sum of the eight categories ([`RdHnte::total`]).
    #[must_use]
    pub fn rd_hnte_total(&self) -> Option<Money> {
        self.rd_hnte.total()
    }

    /// R&D expenses on the super-deduction basis, the sum of the six categories
    /// ([`RdSd::total`]).
    #[must_use]
    pub fn rd_sd_total(&self) -> Option<Money> {
        self.rd_sd.total()
    }

    /// The value of the field `key` (see [`YEARLY_FIELDS`]); `None` if it is not filled in or
    /// `key` is not a yearly field.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<FieldValue> {
        let money = |value: Option<Money>| value.map(FieldValue::Money);
        let count = |value: Option<u32>| value.map(FieldValue::Count);
        match key {
            "main_business_revenue" => money(self.main_business_revenue),
            "other_business_revenue" => money(self.other_business_revenue),
            "gross_income_cit" => money(self.gross_income_cit),
            "non_taxable_income" => money(self.non_taxable_income),
            "investment_income" => money(self.investment_income),
            "hightech_revenue" => money(self.hightech_revenue),
            "main_products_revenue" => money(self.main_products_revenue),
            "total_assets_ye" => money(self.total_assets_ye),
            "total_liabilities_ye" => money(self.total_liabilities_ye),
            "cost_expense_total" => money(self.cost_expense_total),
            "rd_hnte.personnel" => money(self.rd_hnte.personnel),
            "rd_hnte.direct_inputs" => money(self.rd_hnte.direct_inputs),
            "rd_hnte.depreciation_and_lt_prepaid" => money(self.rd_hnte.depreciation_and_lt_prepaid),
            "rd_hnte.intangible_amort" => money(self.rd_hnte.intangible_amort),
            "rd_hnte.design" => money(self.rd_hnte.design),
            "rd_hnte.equipment_testing" => money(self.rd_hnte.equipment_testing),
            "rd_hnte.commissioned_external_counted" => money(self.rd_hnte.commissioned_external_counted),
            "rd_hnte.other" => money(self.rd_hnte.other),
            "rd_hnte_domestic" => money(self.rd_hnte_domestic),
            "rd_sd.personnel" => money(self.rd_sd.personnel),
            "rd_sd.direct_inputs" => money(self.rd_sd.direct_inputs),
            "rd_sd.depreciation" => money(self.rd_sd.depreciation),
            "rd_sd.intangible_amort" => money(self.rd_sd.intangible_amort),
            "rd_sd.design_trials" => money(self.rd_sd.design_trials),
            "rd_sd.other_related" => money(self.rd_sd.other_related),
            "rd_commissioned_domestic_paid" => money(self.rd_commissioned_domestic_paid),
            "rd_commissioned_abroad_paid" => money(self.rd_commissioned_abroad_paid),
            "rd_nontaxable_grants_used" => money(self.rd_nontaxable_grants_used),
            "staff_total" => count(self.staff_total),
            "staff_st" => count(self.staff_st),
            "rd_staff" => count(self.rd_staff),
            _ => None,
        }
    }

    /// Sets the field `key` to `value`. Fails with `registry.unknown_field` if `key` is not in
    /// [`YEARLY_FIELDS`] and with `registry.field_kind_mismatch` if `value` is of the other
    /// kind. No range check: call [`check`](YearlyFacts::check) when all fields are set.
    pub fn set(&mut self, key: &str, value: FieldValue) -> Result<(), RegistryError> {
        match (self.slot(key)?, value) {
            (Slot::Money(slot), FieldValue::Money(money)) => *slot = Some(money),
            (Slot::Count(slot), FieldValue::Count(count)) => *slot = Some(count),
            (Slot::Money(_), FieldValue::Count(_)) | (Slot::Count(_), FieldValue::Money(_)) => {
                let expected = yearly_field(key).map_or(FieldKind::Money, |spec| spec.kind);
                return Err(RegistryError::FieldKindMismatch { key: key.to_owned(), expected, actual: value.kind() });
            }
        }
        Ok(())
    }

    /// Empties the field `key`. Fails with `registry.unknown_field` like [`set`](YearlyFacts::set).
    pub fn clear(&mut self, key: &str) -> Result<(), RegistryError> {
        match self.slot(key)? {
            Slot::Money(slot) => *slot = None,
            Slot::Count(slot) => *slot = None,
        }
        Ok(())
    }

    fn slot(&mut self, key: &str) -> Result<Slot<'_>, RegistryError> {
        Ok(match key {
            "main_business_revenue" => Slot::Money(&mut self.main_business_revenue),
            "other_business_revenue" => Slot::Money(&mut self.other_business_revenue),
            "gross_income_cit" => Slot::Money(&mut self.gross_income_cit),
            "non_taxable_income" => Slot::Money(&mut self.non_taxable_income),
            "investment_income" => Slot::Money(&mut self.investment_income),
            "hightech_revenue" => Slot::Money(&mut self.hightech_revenue),
            "main_products_revenue" => Slot::Money(&mut self.main_products_revenue),
            "total_assets_ye" => Slot::Money(&mut self.total_assets_ye),
            "total_liabilities_ye" => Slot::Money(&mut self.total_liabilities_ye),
            "cost_expense_total" => Slot::Money(&mut self.cost_expense_total),
            "rd_hnte.personnel" => Slot::Money(&mut self.rd_hnte.personnel),
            "rd_hnte.direct_inputs" => Slot::Money(&mut self.rd_hnte.direct_inputs),
            "rd_hnte.depreciation_and_lt_prepaid" => Slot::Money(&mut self.rd_hnte.depreciation_and_lt_prepaid),
            "rd_hnte.intangible_amort" => Slot::Money(&mut self.rd_hnte.intangible_amort),
            "rd_hnte.design" => Slot::Money(&mut self.rd_hnte.design),
            "rd_hnte.equipment_testing" => Slot::Money(&mut self.rd_hnte.equipment_testing),
            "rd_hnte.commissioned_external_counted" => Slot::Money(&mut self.rd_hnte.commissioned_external_counted),
            "rd_hnte.other" => Slot::Money(&mut self.rd_hnte.other),
            "rd_hnte_domestic" => Slot::Money(&mut self.rd_hnte_domestic),
            "rd_sd.personnel" => Slot::Money(&mut self.rd_sd.personnel),
            "rd_sd.direct_inputs" => Slot::Money(&mut self.rd_sd.direct_inputs),
            "rd_sd.depreciation" => Slot::Money(&mut self.rd_sd.depreciation),
            "rd_sd.intangible_amort" => Slot::Money(&mut self.rd_sd.intangible_amort),
            "rd_sd.design_trials" => Slot::Money(&mut self.rd_sd.design_trials),
            "rd_sd.other_related" => Slot::Money(&mut self.rd_sd.other_related),
            "rd_commissioned_domestic_paid" => Slot::Money(&mut self.rd_commissioned_domestic_paid),
            "rd_commissioned_abroad_paid" => Slot::Money(&mut self.rd_commissioned_abroad_paid),
            "rd_nontaxable_grants_used" => Slot::Money(&mut self.rd_nontaxable_grants_used),
            "staff_total" => Slot::Count(&mut self.staff_total),
            "staff_st" => Slot::Count(&mut self.staff_st),
            "rd_staff" => Slot::Count(&mut self.rd_staff),
            _ => return Err(RegistryError::UnknownField { key: key.to_owned() }),
        })
    }

    /// Checks the figures against each other; fails with the first problem of
    /// [`problems`](YearlyFacts::problems).
    pub fn check(&self) -> Result<(), RegistryError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every problem of the record, so that a form can show them all at once, in this order:
    ///
    /// 1. `registry.negative_amount`: an amount below zero in any field but investment income
    ///    (revenue, assets, liabilities, costs, R&D categories, payments, grants).
    /// 2. `registry.total_overflow`: sales revenue or an R&D total beyond the range of [`Money`].
    /// 3. `registry.part_exceeds_whole`, each only when both figures are present:
    ///    S&T staff ≤ total staff; R&D staff ≤ total staff; domestic R&D ≤ total R&D (HNTE
    ///    basis, all eight categories present); non-taxable income ≤ gross income; high-tech
    ///    revenue ≤ gross income; main-products revenue ≤ high-tech revenue.
    ///
    /// Missing figures are never a problem here: the rules report them as missing data.
    #[must_use]
    pub fn problems(&self) -> Vec<RegistryError> {
        let mut problems = Vec::new();
        for spec in YEARLY_FIELDS.iter().filter(|spec| !spec.allow_negative) {
            if let Some(FieldValue::Money(value)) = self.get(spec.key).filter(|_| spec.kind == FieldKind::Money) {
                if value.is_negative() {
                    problems.push(RegistryError::NegativeAmount { field: spec.key, value });
                }
            }
        }

        let overflows = |present: bool, total: Option<Money>| present && total.is_none();
        let sales_present = self.main_business_revenue.is_some() && self.other_business_revenue.is_some();
        let rd_hnte_present = self.rd_hnte.categories().iter().all(Option::is_some);
        let rd_sd_present = self.rd_sd.categories().iter().all(Option::is_some);
        for (key, present, total) in [
            ("sales_revenue", sales_present, self.sales_revenue()),
            ("rd_hnte_total", rd_hnte_present, self.rd_hnte_total()),
            ("rd_sd_total", rd_sd_present, self.rd_sd_total()),
        ] {
            if overflows(present, total) {
                problems.push(RegistryError::TotalOverflow { total: key });
            }
        }

        let counts = [("staff_st", self.staff_st, "staff_total"), ("rd_staff", self.rd_staff, "staff_total")];
        for (part, part_value, whole) in counts {
            if let (Some(part_value), Some(whole_value)) = (part_value, self.staff_total) {
                if part_value > whole_value {
                    problems.push(RegistryError::PartExceedsWhole {
                        part,
                        part_value: part_value.to_string(),
                        whole,
                        whole_value: whole_value.to_string(),
                    });
                }
            }
        }
        let amounts = [
            ("rd_hnte_domestic", self.rd_hnte_domestic, "rd_hnte_total", self.rd_hnte_total()),
            ("non_taxable_income", self.non_taxable_income, "gross_income_cit", self.gross_income_cit),
            ("hightech_revenue", self.hightech_revenue, "gross_income_cit", self.gross_income_cit),
            ("main_products_revenue", self.main_products_revenue, "hightech_revenue", self.hightech_revenue),
        ];
        for (part, part_value, whole, whole_value) in amounts {
            if let (Some(part_value), Some(whole_value)) = (part_value, whole_value) {
                if part_value > whole_value {
                    problems.push(RegistryError::PartExceedsWhole {
                        part,
                        part_value: part_value.to_string(),
                        whole,
                        whole_value: whole_value.to_string(),
                    });
                }
            }
        }
        problems
    }
}

// ---------------------------------------------------------------------------------------
// Intellectual property
// ---------------------------------------------------------------------------------------

/// The kind of an item of intellectual property (`policy-rules.md` §6.5).
///
/// Serialised as the snake_case form; [`IpKind::parse`] (and so deserialisation) also accepts
/// the PascalCase spelling of `policy-input.md` (`InventionPatent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpKind {
    InventionPatent,
    DefencePatent,
    PlantVariety,
    NationalCropVariety,
    NationalNewDrug,
    TcmProtectedGrade1,
    IcLayoutDesign,
    UtilityModel,
    DesignPatent,
    SoftwareCopyright,
    Trademark,
    Other,
}

impl IpKind {
    /// Every kind, Class I first, in the order of §6.5.
    pub const ALL: [IpKind; 12] = [
        IpKind::InventionPatent,
        IpKind::DefencePatent,
        IpKind::PlantVariety,
        IpKind::NationalCropVariety,
        IpKind::NationalNewDrug,
        IpKind::TcmProtectedGrade1,
        IpKind::IcLayoutDesign,
        IpKind::UtilityModel,
        IpKind::DesignPatent,
        IpKind::SoftwareCopyright,
        IpKind::Trademark,
        IpKind::Other,
    ];

    /// The stable snake_case form used in storage, e.g. `invention_patent`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            IpKind::InventionPatent => "invention_patent",
            IpKind::DefencePatent => "defence_patent",
            IpKind::PlantVariety => "plant_variety",
            IpKind::NationalCropVariety => "national_crop_variety",
            IpKind::NationalNewDrug => "national_new_drug",
            IpKind::TcmProtectedGrade1 => "tcm_protected_grade1",
            IpKind::IcLayoutDesign => "ic_layout_design",
            IpKind::UtilityModel => "utility_model",
            IpKind::DesignPatent => "design_patent",
            IpKind::SoftwareCopyright => "software_copyright",
            IpKind::Trademark => "trademark",
            IpKind::Other => "other",
        }
    }

    /// The PascalCase spelling of `policy-input.md`, e.g. `InventionPatent`.
    #[must_use]
    pub fn as_pascal(self) -> &'static str {
        match self {
            IpKind::InventionPatent => "InventionPatent",
            IpKind::DefencePatent => "DefencePatent",
            IpKind::PlantVariety => "PlantVariety",
            IpKind::NationalCropVariety => "NationalCropVariety",
            IpKind::NationalNewDrug => "NationalNewDrug",
            IpKind::TcmProtectedGrade1 => "TcmProtectedGrade1",
            IpKind::IcLayoutDesign => "IcLayoutDesign",
            IpKind::UtilityModel => "UtilityModel",
            IpKind::DesignPatent => "DesignPatent",
            IpKind::SoftwareCopyright => "SoftwareCopyright",
            IpKind::Trademark => "Trademark",
            IpKind::Other => "Other",
        }
    }

    /// Parses the snake_case or the PascalCase form; fails with `registry.unknown_ip_kind`.
    pub fn parse(input: &str) -> Result<IpKind, RegistryError> {
        IpKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input || kind.as_pascal() == input)
            .ok_or_else(|| RegistryError::UnknownIpKind { value: input.to_owned() })
    }

    /// The name users see, e.g. 发明专利.
    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            IpKind::InventionPatent => "发明专利",
            IpKind::DefencePatent => "国防专利",
            IpKind::PlantVariety => "植物新品种",
            IpKind::NationalCropVariety => "国家级农作物品种",
            IpKind::NationalNewDrug => "国家新药",
            IpKind::TcmProtectedGrade1 => "国家一级中药保护品种",
            IpKind::IcLayoutDesign => "集成电路布图设计专有权",
            IpKind::UtilityModel => "实用新型专利",
            IpKind::DesignPatent => "外观设计专利",
            IpKind::SoftwareCopyright => "软件著作权",
            IpKind::Trademark => "商标",
            IpKind::Other => "其他",
        }
    }

    /// The English name, e.g. `invention patent`.
    #[must_use]
    pub fn name_en(self) -> &'static str {
        match self {
            IpKind::InventionPatent => "invention patent",
            IpKind::DefencePatent => "defence patent",
            IpKind::PlantVariety => "plant variety right",
            IpKind::NationalCropVariety => "national crop variety",
            IpKind::NationalNewDrug => "national new drug",
            IpKind::TcmProtectedGrade1 => "national grade-1 protected TCM variety",
            IpKind::IcLayoutDesign => "IC layout-design right",
            IpKind::UtilityModel => "utility model patent",
            IpKind::DesignPatent => "design patent",
            IpKind::SoftwareCopyright => "software copyright",
            IpKind::Trademark => "trademark",
            IpKind::Other => "other",
        }
    }

    /// The class of §2.6: Class I (invention and defence patents, plant varieties, national
    /// crop varieties, national new drugs, grade-1 protected TCM, IC layouts), Class II
    /// (utility models, design patents, software copyrights), or not counted: trademarks never
    /// count, and `Other` is not counted because the engine cannot tell whether it is "similar"
    /// to Class II; an expert may still judge it so.
    #[must_use]
    pub fn ip_class(self) -> IpClass {
        match self {
            IpKind::InventionPatent
            | IpKind::DefencePatent
            | IpKind::PlantVariety
            | IpKind::NationalCropVariety
            | IpKind::NationalNewDrug
            | IpKind::TcmProtectedGrade1
            | IpKind::IcLayoutDesign => IpClass::I,
            IpKind::UtilityModel | IpKind::DesignPatent | IpKind::SoftwareCopyright => IpClass::II,
            IpKind::Trademark | IpKind::Other => IpClass::NotCounted,
        }
    }
}

impl fmt::Display for IpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for IpKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for IpKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        IpKind::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The HNTE class of an IP item (§2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum IpClass {
    /// Ⅰ类: may be reused in later HNTE applications.
    #[serde(rename = "class_i")]
    I,
    /// Ⅱ类: may be used in one HNTE application only.
    #[serde(rename = "class_ii")]
    II,
    /// Not counted (trademarks, other).
    #[serde(rename = "not_counted")]
    NotCounted,
}

impl IpClass {
    /// `class_i`, `class_ii` or `not_counted`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            IpClass::I => "class_i",
            IpClass::II => "class_ii",
            IpClass::NotCounted => "not_counted",
        }
    }

    /// Ⅰ类, Ⅱ类 or 不计入.
    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            IpClass::I => "Ⅰ类",
            IpClass::II => "Ⅱ类",
            IpClass::NotCounted => "不计入",
        }
    }
}

/// How the organisation obtained an IP item (§6.5).
///
/// Serialised as the snake_case form; [`Acquisition::parse`] also accepts PascalCase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Acquisition {
    /// 自主研发
    SelfDeveloped,
    /// 受让
    Transfer,
    /// 受赠
    Gift,
    /// 并购
    MergerAcquisition,
    /// 许可 (does not qualify for HNTE-02)
    Licence,
}

impl Acquisition {
    pub const ALL: [Acquisition; 5] = [
        Acquisition::SelfDeveloped,
        Acquisition::Transfer,
        Acquisition::Gift,
        Acquisition::MergerAcquisition,
        Acquisition::Licence,
    ];

    /// The stable snake_case form, e.g. `self_developed`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Acquisition::SelfDeveloped => "self_developed",
            Acquisition::Transfer => "transfer",
            Acquisition::Gift => "gift",
            Acquisition::MergerAcquisition => "merger_acquisition",
            Acquisition::Licence => "licence",
        }
    }

    /// The PascalCase spelling of `policy-input.md`, e.g. `SelfDeveloped`.
    #[must_use]
    pub fn as_pascal(self) -> &'static str {
        match self {
            Acquisition::SelfDeveloped => "SelfDeveloped",
            Acquisition::Transfer => "Transfer",
            Acquisition::Gift => "Gift",
            Acquisition::MergerAcquisition => "MergerAcquisition",
            Acquisition::Licence => "Licence",
        }
    }

    /// Parses the snake_case or the PascalCase form; fails with `registry.unknown_acquisition`.
    pub fn parse(input: &str) -> Result<Acquisition, RegistryError> {
        Acquisition::ALL
            .into_iter()
            .find(|acquisition| acquisition.as_str() == input || acquisition.as_pascal() == input)
            .ok_or_else(|| RegistryError::UnknownAcquisition { value: input.to_owned() })
    }

    /// 自主研发, 受让, 受赠, 并购 or 许可.
    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            Acquisition::SelfDeveloped => "自主研发",
            Acquisition::Transfer => "受让",
            Acquisition::Gift => "受赠",
            Acquisition::MergerAcquisition => "并购",
            Acquisition::Licence => "许可",
        }
    }

    /// Whether IP obtained this way can support an HNTE application (HNTE-02: own R&D,
    /// transfer, gift, merger or acquisition; a licence does not).
    #[must_use]
    pub fn qualifies_for_hnte(self) -> bool {
        self != Acquisition::Licence
    }
}

impl fmt::Display for Acquisition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Acquisition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Acquisition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Acquisition::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The fields of an [`IpItem`] before they are checked; named, so that the three booleans
/// cannot be swapped by position.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpItemFields {
    /// Patent number, registration number or certificate number.
    pub registration_no: String,
    pub kind: IpKind,
    #[serde(default)]
    pub title: String,
    pub granted_in_china: bool,
    #[serde(default, with = "iso_date::option")]
    pub grant_date: Option<Date>,
    /// The last day of protection, inclusive.
    #[serde(default, with = "iso_date::option")]
    pub expiry_date: Option<Date>,
    pub acquisition: Acquisition,
    pub owner_is_applicant: bool,
    #[serde(default)]
    pub in_dispute: bool,
}

/// One item of intellectual property held by an organisation. Build it with [`IpItem::new`]
/// (or deserialise it, which calls `new`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct IpItem {
    registration_no: String,
    kind: IpKind,
    title: String,
    granted_in_china: bool,
    #[serde(with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    grant_date: Option<Date>,
    #[serde(with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    expiry_date: Option<Date>,
    acquisition: Acquisition,
    owner_is_applicant: bool,
    in_dispute: bool,
}

impl IpItem {
    /// Checks and builds an IP item: the registration number and title are trimmed, the
    /// registration number must not be empty (`registry.ip_registration_no_required`), and
    /// when both dates are known the expiry date must be later than the grant date
    /// (`registry.ip_expiry_not_after_grant`).
    pub fn new(fields: IpItemFields) -> Result<IpItem, RegistryError> {
        let IpItemFields {
            registration_no,
            kind,
            title,
            granted_in_china,
            grant_date,
            expiry_date,
            acquisition,
            owner_is_applicant,
            in_dispute,
        } = fields;
        let registration_no = registration_no.trim();
        let title = title.trim();
        if registration_no.is_empty() {
            return Err(RegistryError::IpRegistrationNoRequired { title: title.to_owned() });
        }
        if let (Some(grant_date), Some(expiry_date)) = (grant_date, expiry_date) {
            if expiry_date <= grant_date {
                return Err(RegistryError::IpExpiryNotAfterGrant {
                    registration_no: registration_no.to_owned(),
                    grant_date,
                    expiry_date,
                });
            }
        }
        Ok(IpItem {
            registration_no: registration_no.to_owned(),
            kind,
            title: title.to_owned(),
            granted_in_china,
            grant_date,
            expiry_date,
            acquisition,
            owner_is_applicant,
            in_dispute,
        })
    }

    #[must_use]
    pub fn registration_no(&self) -> &str {
        &self.registration_no
    }

    #[must_use]
    pub fn kind(&self) -> IpKind {
        self.kind
    }

    #[must_use]
    pub fn title(&self) -> &str {
        &self.title
    }

    #[must_use]
    pub fn granted_in_china(&self) -> bool {
        self.granted_in_china
    }

    #[must_use]
    pub fn grant_date(&self) -> Option<Date> {
        self.grant_date
    }

    /// The last day of protection, inclusive.
    #[must_use]
    pub fn expiry_date(&self) -> Option<Date> {
        self.expiry_date
    }

    #[must_use]
    pub fn acquisition(&self) -> Acquisition {
        self.acquisition
    }

    #[must_use]
    pub fn owner_is_applicant(&self) -> bool {
        self.owner_is_applicant
    }

    #[must_use]
    pub fn in_dispute(&self) -> bool {
        self.in_dispute
    }

    /// The class of the item's kind ([`IpKind::ip_class`]).
    #[must_use]
    pub fn ip_class(&self) -> IpClass {
        self.kind.ip_class()
    }

    /// Whether the item is in force on `date`: granted on or before it, and not expired
    /// (`date <= expiry_date`; no expiry date means no known end). An item without a grant
    /// date is an application, never in force. Where it was granted and who owns it are
    /// separate questions ([`granted_in_china`](IpItem::granted_in_china),
    /// [`owner_is_applicant`](IpItem::owner_is_applicant)).
    #[must_use]
    pub fn in_force_on(&self, date: Date) -> bool {
        self.grant_date.is_some_and(|grant_date| grant_date <= date)
            && self.expiry_date.is_none_or(|expiry_date| date <= expiry_date)
    }
}

impl<'de> Deserialize<'de> for IpItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IpItem::new(IpItemFields::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------
// Industry codes
// ---------------------------------------------------------------------------------------

/// A section (门类) of GB/T 4754-2017 and the divisions (大类) it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndustrySection {
    /// `A` to `T`.
    pub letter: char,
    pub first_division: u8,
    pub last_division: u8,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

const fn section(
    letter: char,
    first_division: u8,
    last_division: u8,
    name_zh: &'static str,
    name_en: &'static str,
) -> IndustrySection {
    IndustrySection { letter, first_division, last_division, name_zh, name_en }
}

/// The 20 sections of GB/T 4754-2017 (国民经济行业分类), with their division ranges.
pub const INDUSTRY_SECTIONS: [IndustrySection; 20] = [
    section('A', 1, 5, "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    section('B', 6, 12, "采矿业", "Mining"),
    section('C', 13, 43, "制造业", "Manufacturing"),
    section('D', 44, 46, "电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water production and supply"),
    section('E', 47, 50, "建筑业", "Construction"),
    section('F', 51, 52, "批发和零售业", "Wholesale and retail trade"),
    section('G', 53, 60, "交通运输、仓储和邮政业", "Transport, storage and postal services"),
    section('H', 61, 62, "住宿和餐饮业", "Accommodation and catering"),
    section('I', 63, 65, "信息传输、软件和信息技术服务业", "Information transmission, software and IT services"),
    section('J', 66, 69, "金融业", "Finance"),
    section('K', 70, 70, "房地产业", "Real estate"),
    section('L', 71, 72, "租赁和商务服务业", "Leasing and business services"),
    section('M', 73, 75, "科学研究和技术服务业", "Scientific research and technical services"),
    section(
        'N',
        76,
        79,
        "水利、环境和公共设施管理业",
        "Water conservancy, environment and public facilities management",
    ),
    section('O', 80, 82, "居民服务、修理和其他服务业", "Resident services, repair and other services"),
    section('P', 83, 83, "教育", "Education"),
    section('Q', 84, 85, "卫生和社会工作", "Health and social work"),
    section('R', 86, 90, "文化、体育和娱乐业", "Culture, sports and entertainment"),
    section(
        'S',
        91,
        96,
        "公共管理、社会保障和社会组织",
        "Public administration, social security and social organisations",
    ),
    section('T', 97, 97, "国际组织", "International organisations"),
];

/// An industry code of GB/T 4754-2017: a section letter (`M`) or a section and division
/// (`C39`). Build it with [`IndustryCode::parse`].
///
/// Codes order by section, then division, with the bare section first: `C`, `C13`, `C39`, `D`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndustryCode {
    /// Index into [`INDUSTRY_SECTIONS`].
    section: u8,
    division: Option<u8>,
}

impl IndustryCode {
    /// Parses `C39`, `I65`, `M`: an uppercase section letter `A` to `T` and optionally two
    /// digits of a division that belongs to that section. Nothing is trimmed.
    ///
    /// Fails with `registry.invalid_industry_code` on any other shape (lowercase, `U`, one or
    /// three digits, group or class codes like `C391`), and with
    /// `registry.industry_division_out_of_section` when the division is in another section
    /// (`C44`, `I39`) or in none (`A00`, `T98`).
    pub fn parse(input: &str) -> Result<IndustryCode, RegistryError> {
        let invalid = || RegistryError::InvalidIndustryCode { value: input.to_owned() };
        let (letter, division) = match *input.as_bytes() {
            [letter] => (letter, None),
            [letter, d1, d2] if d1.is_ascii_digit() && d2.is_ascii_digit() => {
                (letter, Some((d1 - b'0') * 10 + (d2 - b'0')))
            }
            _ => return Err(invalid()),
        };
        let index =
            INDUSTRY_SECTIONS.iter().position(|section| section.letter == char::from(letter)).ok_or_else(invalid)?;
        let section = INDUSTRY_SECTIONS[index];
        if let Some(division) = division {
            if !(section.first_division..=section.last_division).contains(&division) {
                return Err(RegistryError::IndustryDivisionOutOfSection { value: input.to_owned(), section, division });
            }
        }
        let section = u8::try_from(index).map_err(|_| invalid())?;
        Ok(IndustryCode { section, division })
    }

    fn section_info(self) -> &'static IndustrySection {
        &INDUSTRY_SECTIONS[usize::from(self.section)]
    }

    /// The section letter, `A` to `T`.
    #[must_use]
    pub fn section(self) -> char {
        self.section_info().letter
    }

    /// The two-digit division, if the code has one.
    #[must_use]
    pub fn division(self) -> Option<u8> {
        self.division
    }

    /// Whether the code is in section C, manufacturing (制造业).
    #[must_use]
    pub fn is_manufacturing(self) -> bool {
        self.section() == 'C'
    }

    /// The Chinese name of the section, e.g. 制造业.
    #[must_use]
    pub fn section_name_zh(self) -> &'static str {
        self.section_info().name_zh
    }

    /// The English name of the section, e.g. `Manufacturing`.
    #[must_use]
    pub fn section_name_en(self) -> &'static str {
        self.section_info().name_en
    }
}

impl fmt::Display for IndustryCode {
    /// `C39`, `M`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.division {
            Some(division) => write!(f, "{}{division:02}", self.section()),
            None => write!(f, "{}", self.section()),
        }
    }
}

impl FromStr for IndustryCode {
    type Err = RegistryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IndustryCode::parse(s)
    }
}

impl Serialize for IndustryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IndustryCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        IndustryCode::parse(&code).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------
// Platforms
// ---------------------------------------------------------------------------------------

/// The kind of an S&T innovation platform (科技创新平台).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformKind {
    StateKeyLab,
    ProvincialKeyLab,
    EngineeringResearchCentre,
    EnterpriseTechCentre,
    NewRdInstitution,
    Incubator,
    MakerSpace,
    TechInnovationCentre,
    IndustrialTechInstitute,
    AcademicianWorkstation,
    OverseasTalentStation,
    SchoolEnterpriseLab,
    DemoBase,
    Other,
}

impl PlatformKind {
    pub const ALL: [PlatformKind; 14] = [
        PlatformKind::StateKeyLab,
        PlatformKind::ProvincialKeyLab,
        PlatformKind::EngineeringResearchCentre,
        PlatformKind::EnterpriseTechCentre,
        PlatformKind::NewRdInstitution,
        PlatformKind::Incubator,
        PlatformKind::MakerSpace,
        PlatformKind::TechInnovationCentre,
        PlatformKind::IndustrialTechInstitute,
        PlatformKind::AcademicianWorkstation,
        PlatformKind::OverseasTalentStation,
        PlatformKind::SchoolEnterpriseLab,
        PlatformKind::DemoBase,
        PlatformKind::Other,
    ];

    /// The stable snake_case form, e.g. `state_key_lab`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformKind::StateKeyLab => "state_key_lab",
            PlatformKind::ProvincialKeyLab => "provincial_key_lab",
            PlatformKind::EngineeringResearchCentre => "engineering_research_centre",
            PlatformKind::EnterpriseTechCentre => "enterprise_tech_centre",
            PlatformKind::NewRdInstitution => "new_rd_institution",
            PlatformKind::Incubator => "incubator",
            PlatformKind::MakerSpace => "maker_space",
            PlatformKind::TechInnovationCentre => "tech_innovation_centre",
            PlatformKind::IndustrialTechInstitute => "industrial_tech_institute",
            PlatformKind::AcademicianWorkstation => "academician_workstation",
            PlatformKind::OverseasTalentStation => "overseas_talent_station",
            PlatformKind::SchoolEnterpriseLab => "school_enterprise_lab",
            PlatformKind::DemoBase => "demo_base",
            PlatformKind::Other => "other",
        }
    }

    /// Parses the snake_case form; fails with `registry.unknown_platform_kind`.
    pub fn parse(input: &str) -> Result<PlatformKind, RegistryError> {
        PlatformKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input)
            .ok_or_else(|| RegistryError::UnknownPlatformKind { value: input.to_owned() })
    }

    /// The name users see, e.g. 工程技术研究中心.
    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            PlatformKind::StateKeyLab => "全国/国家重点实验室",
            PlatformKind::ProvincialKeyLab => "省重点实验室",
            PlatformKind::EngineeringResearchCentre => "工程技术研究中心",
            PlatformKind::EnterpriseTechCentre => "企业技术中心",
            PlatformKind::NewRdInstitution => "新型研发机构",
            PlatformKind::Incubator => "孵化器",
            PlatformKind::MakerSpace => "众创空间",
            PlatformKind::TechInnovationCentre => "技术创新中心",
            PlatformKind::IndustrialTechInstitute => "产业技术研究院",
            PlatformKind::AcademicianWorkstation => "院士工作站",
            PlatformKind::OverseasTalentStation => "海外人才（海智）工作站",
            PlatformKind::SchoolEnterpriseLab => "校企联合实验室",
            PlatformKind::DemoBase => "示范基地",
            PlatformKind::Other => "其他",
        }
    }

    /// The English name, e.g. `engineering research centre`.
    #[must_use]
    pub fn name_en(self) -> &'static str {
        match self {
            PlatformKind::StateKeyLab => "state key laboratory",
            PlatformKind::ProvincialKeyLab => "provincial key laboratory",
            PlatformKind::EngineeringResearchCentre => "engineering research centre",
            PlatformKind::EnterpriseTechCentre => "enterprise technology centre",
            PlatformKind::NewRdInstitution => "new R&D institution",
            PlatformKind::Incubator => "incubator",
            PlatformKind::MakerSpace => "maker space",
            PlatformKind::TechInnovationCentre => "technology innovation centre",
            PlatformKind::IndustrialTechInstitute => "industrial technology institute",
            PlatformKind::AcademicianWorkstation => "academician workstation",
            PlatformKind::OverseasTalentStation => "overseas talent workstation",
            PlatformKind::SchoolEnterpriseLab => "school-enterprise joint laboratory",
            PlatformKind::DemoBase => "demonstration base",
            PlatformKind::Other => "other",
        }
    }
}

impl fmt::Display for PlatformKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// Why a registry value was refused. See the module docs for the message templates of each
/// [`code`](RegistryError::code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryError {
    UnknownTierKind {
        value: String,
    },
    UnknownLevel {
        value: String,
    },
    UnknownPlatformKind {
        value: String,
    },
    UnknownIpKind {
        value: String,
    },
    UnknownAcquisition {
        value: String,
    },
    /// A level on a kind that does not [take one](TierKind::takes_level).
    LevelNotApplicable {
        kind: TierKind,
        level: Level,
    },
    /// No certificate or registration number where the kind requires one.
    ReferenceRequired {
        kind: TierKind,
    },
    /// Empty evidence.
    EvidenceRequired {
        kind: TierKind,
    },
    /// `valid_to` before `valid_from`.
    ValidityReversed {
        kind: TierKind,
        valid_from: Date,
        valid_to: Date,
    },
    /// Not `GR` and 12 digits.
    InvalidHteNumber {
        value: String,
    },
    HteNumberYearOutOfRange {
        value: String,
        year: i32,
    },
    HteNumberUnknownProvince {
        value: String,
        province: String,
    },
    /// Certificate year differs from the year of the issue date.
    HteYearMismatch {
        value: String,
        year: i32,
        valid_from: Date,
    },
    /// `valid_to` beyond three years.
    HteValidityTooLong {
        valid_from: Date,
        valid_to: Date,
        max_valid_to: Date,
    },
    /// Not 18 characters of the accepted shape.
    InvalidTechSmeNumber {
        value: String,
    },
    TechSmeNumberYearOutOfRange {
        value: String,
        year: i32,
    },
    /// Registration year differs from the year of `valid_from`.
    TechSmeYearMismatch {
        value: String,
        year: i32,
        valid_from: Date,
    },
    /// `valid_to` beyond 31 December of the registration year.
    TechSmeValidityTooLong {
        year: i32,
        valid_to: Date,
        max_valid_to: Date,
    },
    /// A negative amount in a field that cannot be negative (`field` is a [`FieldSpec::key`]).
    NegativeAmount {
        field: &'static str,
        value: Money,
    },
    /// A figure larger than the figure it is part of. Keys are [`FieldSpec::key`]s or
    /// `rd_hnte_total`.
    PartExceedsWhole {
        part: &'static str,
        part_value: String,
        whole: &'static str,
        whole_value: String,
    },
    /// `sales_revenue`, `rd_hnte_total` or `rd_sd_total` beyond the range of [`Money`].
    TotalOverflow {
        total: &'static str,
    },
    /// A key that is not in [`YEARLY_FIELDS`].
    UnknownField {
        key: String,
    },
    /// A money value for a count field or the reverse.
    FieldKindMismatch {
        key: String,
        expected: FieldKind,
        actual: FieldKind,
    },
    IpRegistrationNoRequired {
        title: String,
    },
    IpExpiryNotAfterGrant {
        registration_no: String,
        grant_date: Date,
        expiry_date: Date,
    },
    InvalidIndustryCode {
        value: String,
    },
    IndustryDivisionOutOfSection {
        value: String,
        section: IndustrySection,
        division: u8,
    },
}

impl RegistryError {
    /// The stable i18n key of this error, e.g. `registry.hte_validity_too_long`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RegistryError::UnknownTierKind { .. } => "registry.unknown_tier_kind",
            RegistryError::UnknownLevel { .. } => "registry.unknown_level",
            RegistryError::UnknownPlatformKind { .. } => "registry.unknown_platform_kind",
            RegistryError::UnknownIpKind { .. } => "registry.unknown_ip_kind",
            RegistryError::UnknownAcquisition { .. } => "registry.unknown_acquisition",
            RegistryError::LevelNotApplicable { .. } => "registry.level_not_applicable",
            RegistryError::ReferenceRequired { .. } => "registry.reference_required",
            RegistryError::EvidenceRequired { .. } => "registry.evidence_required",
            RegistryError::ValidityReversed { .. } => "registry.validity_reversed",
            RegistryError::InvalidHteNumber { .. } => "registry.invalid_hte_number",
            RegistryError::HteNumberYearOutOfRange { .. } => "registry.hte_number_year_out_of_range",
            RegistryError::HteNumberUnknownProvince { .. } => "registry.hte_number_unknown_province",
            RegistryError::HteYearMismatch { .. } => "registry.hte_year_mismatch",
            RegistryError::HteValidityTooLong { .. } => "registry.hte_validity_too_long",
            RegistryError::InvalidTechSmeNumber { .. } => "registry.invalid_tech_sme_number",
            RegistryError::TechSmeNumberYearOutOfRange { .. } => "registry.tech_sme_number_year_out_of_range",
            RegistryError::TechSmeYearMismatch { .. } => "registry.tech_sme_year_mismatch",
            RegistryError::TechSmeValidityTooLong { .. } => "registry.tech_sme_validity_too_long",
            RegistryError::NegativeAmount { .. } => "registry.negative_amount",
            RegistryError::PartExceedsWhole { .. } => "registry.part_exceeds_whole",
            RegistryError::TotalOverflow { .. } => "registry.total_overflow",
            RegistryError::UnknownField { .. } => "registry.unknown_field",
            RegistryError::FieldKindMismatch { .. } => "registry.field_kind_mismatch",
            RegistryError::IpRegistrationNoRequired { .. } => "registry.ip_registration_no_required",
            RegistryError::IpExpiryNotAfterGrant { .. } => "registry.ip_expiry_not_after_grant",
            RegistryError::InvalidIndustryCode { .. } => "registry.invalid_industry_code",
            RegistryError::IndustryDivisionOutOfSection { .. } => "registry.industry_division_out_of_section",
        }
    }

    /// The named arguments of the message template, e.g.
    /// `[("valid_from", "2021-12-15"), ("valid_to", "2024-12-15"), ("max_valid_to", "2024-12-14")]`.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        let kind_args = |kind: &TierKind| {
            vec![
                ("kind", kind.as_str().to_owned()),
                ("kind_en", kind.name_en().to_owned()),
                ("kind_zh", kind.name_zh().to_owned()),
            ]
        };
        let field_args = |names: [&'static str; 3], key: &str| {
            let (en, zh) = field_names(key);
            vec![(names[0], key.to_owned()), (names[1], en.to_owned()), (names[2], zh.to_owned())]
        };
        match self {
            RegistryError::UnknownTierKind { value }
            | RegistryError::UnknownLevel { value }
            | RegistryError::UnknownPlatformKind { value }
            | RegistryError::UnknownIpKind { value }
            | RegistryError::UnknownAcquisition { value }
            | RegistryError::InvalidHteNumber { value }
            | RegistryError::InvalidTechSmeNumber { value }
            | RegistryError::InvalidIndustryCode { value } => vec![("value", value.clone())],
            RegistryError::LevelNotApplicable { kind, level } => {
                let mut args = kind_args(kind);
                args.extend([("level", level.as_str().to_owned()), ("level_zh", level.name_zh().to_owned())]);
                args
            }
            RegistryError::ReferenceRequired { kind } => {
                let (reference_en, reference_zh) = kind.reference_names();
                let mut args = kind_args(kind);
                args.extend([("reference_en", reference_en.to_owned()), ("reference_zh", reference_zh.to_owned())]);
                args
            }
            RegistryError::EvidenceRequired { kind } => kind_args(kind),
            RegistryError::ValidityReversed { kind, valid_from, valid_to } => {
                let mut args = kind_args(kind);
                args.extend([("valid_from", valid_from.to_string()), ("valid_to", valid_to.to_string())]);
                args
            }
            RegistryError::HteNumberYearOutOfRange { value, year }
            | RegistryError::TechSmeNumberYearOutOfRange { value, year } => {
                vec![("value", value.clone()), ("year", year.to_string())]
            }
            RegistryError::HteNumberUnknownProvince { value, province } => {
                vec![("value", value.clone()), ("province", province.clone())]
            }
            RegistryError::HteYearMismatch { value, year, valid_from }
            | RegistryError::TechSmeYearMismatch { value, year, valid_from } => {
                vec![("value", value.clone()), ("year", year.to_string()), ("valid_from", valid_from.to_string())]
            }
            RegistryError::HteValidityTooLong { valid_from, valid_to, max_valid_to } => vec![
                ("valid_from", valid_from.to_string()),
                ("valid_to", valid_to.to_string()),
                ("max_valid_to", max_valid_to.to_string()),
            ],
            RegistryError::TechSmeValidityTooLong { year, valid_to, max_valid_to } => vec![
                ("year", year.to_string()),
                ("valid_to", valid_to.to_string()),
                ("max_valid_to", max_valid_to.to_string()),
            ],
            RegistryError::NegativeAmount { field, value } => {
                let mut args = field_args(["field", "field_en", "field_zh"], field);
                args.push(("value", value.to_string()));
                args
            }
            RegistryError::PartExceedsWhole { part, part_value, whole, whole_value } => {
                let mut args = field_args(["part", "part_en", "part_zh"], part);
                args.push(("part_value", part_value.clone()));
                args.extend(field_args(["whole", "whole_en", "whole_zh"], whole));
                args.push(("whole_value", whole_value.clone()));
                args
            }
            RegistryError::TotalOverflow { total } => field_args(["total", "total_en", "total_zh"], total),
            RegistryError::UnknownField { key } => vec![("key", key.clone())],
            RegistryError::FieldKindMismatch { key, expected, actual } => vec![
                ("key", key.clone()),
                ("expected", expected.as_str().to_owned()),
                ("actual", actual.as_str().to_owned()),
                ("expected_zh", expected.name_zh().to_owned()),
                ("actual_zh", actual.name_zh().to_owned()),
            ],
            RegistryError::IpRegistrationNoRequired { title } => vec![("title", title.clone())],
            RegistryError::IpExpiryNotAfterGrant { registration_no, grant_date, expiry_date } => vec![
                ("registration_no", registration_no.clone()),
                ("grant_date", grant_date.to_string()),
                ("expiry_date", expiry_date.to_string()),
            ],
            RegistryError::IndustryDivisionOutOfSection { value, section, division } => vec![
                ("value", value.clone()),
                ("section", section.letter.to_string()),
                ("section_en", section.name_en.to_owned()),
                ("section_zh", section.name_zh.to_owned()),
                ("division", format!("{division:02}")),
                ("min", format!("{:02}", section.first_division)),
                ("max", format!("{:02}", section.last_division)),
            ],
        }
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::UnknownTierKind { value } => write!(
                f,
                "Tier kind \"{value}\" is not recognised; accepted kinds: hte, tech_sme, srdi_sme, little_giant, \
                 single_champion, gazelle, unicorn, chain_leader, rd_reserve_filing."
            ),
            RegistryError::UnknownLevel { value } => {
                write!(f, "Level \"{value}\" is not recognised; accepted levels: national, provincial, municipal.")
            }
            RegistryError::UnknownPlatformKind { value } => write!(
                f,
                "Platform kind \"{value}\" is not recognised; accepted kinds: state_key_lab, provincial_key_lab, \
                 engineering_research_centre, enterprise_tech_centre, new_rd_institution, incubator, maker_space, \
                 tech_innovation_centre, industrial_tech_institute, academician_workstation, \
                 overseas_talent_station, school_enterprise_lab, demo_base, other."
            ),
            RegistryError::UnknownIpKind { value } => write!(
                f,
                "IP kind \"{value}\" is not recognised; accepted kinds: invention_patent, defence_patent, \
                 plant_variety, national_crop_variety, national_new_drug, tcm_protected_grade1, ic_layout_design, \
                 utility_model, design_patent, software_copyright, trademark, other, or the same in PascalCase \
                 (InventionPatent)."
            ),
            RegistryError::UnknownAcquisition { value } => write!(
                f,
                "IP acquisition \"{value}\" is not recognised; accepted: self_developed, transfer, gift, \
                 merger_acquisition, licence, or the same in PascalCase (SelfDeveloped)."
            ),
            RegistryError::LevelNotApplicable { kind, level } => write!(
                f,
                "A {} record cannot have a level ({level}); levels apply only to srdi_sme, little_giant, \
                 single_champion, gazelle, unicorn and chain_leader.",
                kind.name_en()
            ),
            RegistryError::ReferenceRequired { kind } => {
                write!(f, "A {} record needs its {}; it is missing.", kind.name_en(), kind.reference_names().0)
            }
            RegistryError::EvidenceRequired { kind } => write!(
                f,
                "A {} record needs evidence (a document number or a note on where the record comes from); it \
                 is empty.",
                kind.name_en()
            ),
            RegistryError::ValidityReversed { kind, valid_from, valid_to } => write!(
                f,
                "A {} record is valid from {valid_from} to {valid_to}; the last day cannot be before the first.",
                kind.name_en()
            ),
            RegistryError::InvalidHteNumber { value } => write!(
                f,
                "High-tech enterprise certificate number \"{value}\" is not in the recognised form; accepted: GR, \
                 a four-digit year, a two-digit province code and six digits, e.g. GR202143001234."
            ),
            RegistryError::HteNumberYearOutOfRange { value, year } => write!(
                f,
                "High-tech enterprise certificate number \"{value}\" has year {year}; accepted years are 2008 to \
                 2100."
            ),
            RegistryError::HteNumberUnknownProvince { value, province } => write!(
                f,
                "High-tech enterprise certificate number \"{value}\" has province code {province}, which is no \
                 mainland province of GB/T 2260; accepted: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65."
            ),
            RegistryError::HteYearMismatch { value, year, valid_from } => write!(
                f,
                "High-tech enterprise certificate \"{value}\" is of {year}, but the record starts on {valid_from}; \
                 the certificate year and the issue date (the first day of validity) must fall in the same year."
            ),
            RegistryError::HteValidityTooLong { valid_from, valid_to, max_valid_to } => write!(
                f,
                "A high-tech enterprise certificate issued on {valid_from} is valid for three years, at most until \
                 {max_valid_to}; {valid_to} is too late."
            ),
            RegistryError::InvalidTechSmeNumber { value } => write!(
                f,
                "Tech-based SME registration number \"{value}\" is not in the recognised form; accepted: 18 \
                 characters, a four-digit year and 14 digits (the 11th character may also be A or B), e.g. \
                 202143020100001234."
            ),
            RegistryError::TechSmeNumberYearOutOfRange { value, year } => write!(
                f,
                "Tech-based SME registration number \"{value}\" has year {year}; accepted years are 2017 to 2100."
            ),
            RegistryError::TechSmeYearMismatch { value, year, valid_from } => write!(
                f,
                "Tech-based SME registration number \"{value}\" is of {year}, but the record starts on \
                 {valid_from}; a registration is valid only in the calendar year of its number."
            ),
            RegistryError::TechSmeValidityTooLong { year, valid_to, max_valid_to } => write!(
                f,
                "A tech-based SME registration of {year} is valid only in that calendar year, at most until \
                 {max_valid_to}; {valid_to} is too late."
            ),
            RegistryError::NegativeAmount { field, value } => {
                write!(f, "{} ({field}) is {value}; it cannot be negative.", field_names(field).0)
            }
            RegistryError::PartExceedsWhole { part, part_value, whole, whole_value } => write!(
                f,
                "{} ({part}) is {part_value}, more than {} ({whole}), {whole_value}; it is a part of it and cannot \
                 exceed it.",
                field_names(part).0,
                field_names(whole).0
            ),
            RegistryError::TotalOverflow { total } => {
                write!(f, "{} ({total}) is too large to compute; check the amounts it adds up.", field_names(total).0)
            }
            RegistryError::UnknownField { key } => write!(
                f,
                "Field \"{key}\" is not a yearly figure; accepted keys are those of YEARLY_FIELDS, e.g. \
                 main_business_revenue, rd_hnte.personnel, staff_total."
            ),
            RegistryError::FieldKindMismatch { key, expected, actual } => {
                write!(f, "Field \"{key}\" takes a {} value, not a {} value.", expected.as_str(), actual.as_str())
            }
            RegistryError::IpRegistrationNoRequired { title } => write!(
                f,
                "IP item \"{title}\" has no registration number; every item needs its patent, registration or \
                 certificate number."
            ),
            RegistryError::IpExpiryNotAfterGrant { registration_no, grant_date, expiry_date } => write!(
                f,
                "IP item {registration_no} expires on {expiry_date}, which is not after its grant date \
                 {grant_date}; the expiry date must be later than the grant date."
            ),
            RegistryError::InvalidIndustryCode { value } => write!(
                f,
                "Industry code \"{value}\" is not in the recognised form; accepted: a GB/T 4754-2017 section \
                 letter A to T, optionally followed by a two-digit division, e.g. C39, I65, M."
            ),
            RegistryError::IndustryDivisionOutOfSection { value, section, division } => write!(
                f,
                "Industry code \"{value}\": division {division:02} does not belong to section {letter} \
                 ({name}); section {letter} has divisions {min:02} to {max:02}.",
                letter = section.letter,
                name = section.name_en,
                min = section.first_division,
                max = section.last_division
            ),
        }
    }
}

impl std::error::Error for RegistryError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;
    use time::macros::date;
    use time::Duration;

    fn yuan(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    fn hte(number: &str, valid_from: Date, valid_to: Option<Date>) -> Result<Tier, RegistryError> {
        Tier::new(TierKind::Hte, Some(number), None, valid_from, valid_to, "湖南省2021年第二批高新技术企业名单")
    }

    fn tech_sme(number: &str, valid_from: Date, valid_to: Option<Date>) -> Result<Tier, RegistryError> {
        Tier::new(TierKind::TechSme, Some(number), None, valid_from, valid_to, "全国科技型中小企业信息服务平台")
    }

    fn other(kind: TierKind, valid_from: Date, valid_to: Option<Date>) -> Tier {
        Tier::new(kind, None, None, valid_from, valid_to, "株洲市科技局公示").unwrap()
    }

    // --- kinds and levels ----------------------------------------------------------------

    #[test]
    fn tier_kind_strings_round_trip_and_match_serde() {
        for kind in TierKind::ALL {
            assert_eq!(TierKind::parse(kind.as_str()), Ok(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
            assert!(!kind.name_zh().is_empty() && !kind.name_en().is_empty());
        }
        assert_eq!(TierKind::Hte.name_zh(), "高新技术企业");
        assert_eq!(TierKind::RdReserveFiling.as_str(), "rd_reserve_filing");
    }

    #[test]
    fn rejects_unknown_tier_kind() {
        assert_eq!(TierKind::parse("HTE"), Err(RegistryError::UnknownTierKind { value: "HTE".into() }));
        assert_eq!(TierKind::parse("高企").unwrap_err().code(), "registry.unknown_tier_kind");
    }

    #[test]
    fn levels_round_trip_and_reject_unknown() {
        for level in Level::ALL {
            assert_eq!(Level::parse(level.as_str()), Ok(level));
            assert_eq!(serde_json::to_string(&level).unwrap(), format!("\"{level}\""));
        }
        assert_eq!(Level::Municipal.name_zh(), "市级");
        assert_eq!(Level::parse("city"), Err(RegistryError::UnknownLevel { value: "city".into() }));
    }

    // --- tiers: high-tech enterprise ----------------------------------------------------

    #[test]
    fn hte_accepts_a_published_certificate_number() {
        let tier = hte("GR202231005683", date!(2022 - 11 - 15), None).unwrap();
        assert_eq!(tier.reference(), Some("GR202231005683"));
        assert_eq!(tier.valid_to(), Some(date!(2025 - 11 - 14)));
        assert_eq!(hte_certificate_year("GR202143001234"), Ok(2021));
    }

    #[test]
    fn hte_valid_to_defaults_to_three_years_minus_one_day() {
        let tier = hte("GR202143001234", date!(2021 - 12 - 15), None).unwrap();
        assert_eq!(tier.valid_to(), Some(date!(2024 - 12 - 14)));
    }

    #[test]
    fn hte_valid_to_of_exactly_three_years_minus_one_day_is_accepted() {
        let tier = hte("GR202143001234", date!(2021 - 12 - 15), Some(date!(2024 - 12 - 14))).unwrap();
        assert_eq!(tier.valid_to(), Some(date!(2024 - 12 - 14)));
    }

    #[test]
    fn hte_valid_to_one_day_later_is_rejected() {
        assert_eq!(
            hte("GR202143001234", date!(2021 - 12 - 15), Some(date!(2024 - 12 - 15))),
            Err(RegistryError::HteValidityTooLong {
                valid_from: date!(2021 - 12 - 15),
                valid_to: date!(2024 - 12 - 15),
                max_valid_to: date!(2024 - 12 - 14),
            })
        );
    }

    #[test]
    fn hte_validity_may_end_early() {
        // A certificate cancelled during its validity (HNTE-V8) ends before the three years.
        let tier = hte("GR202143001234", date!(2021 - 12 - 15), Some(date!(2022 - 06 - 30))).unwrap();
        assert!(!tier.valid_on(date!(2022 - 07 - 01)));
    }

    #[test]
    fn hte_last_valid_day_around_leap_days() {
        assert_eq!(hte_last_valid_day(date!(2020 - 02 - 29)), Some(date!(2023 - 02 - 28)));
        assert_eq!(hte_last_valid_day(date!(2020 - 03 - 01)), Some(date!(2023 - 02 - 28)));
        assert_eq!(hte_last_valid_day(date!(2021 - 03 - 01)), Some(date!(2024 - 02 - 29)));
        assert_eq!(hte_last_valid_day(date!(2021 - 01 - 01)), Some(date!(2023 - 12 - 31)));
    }

    #[test]
    fn hte_requires_a_certificate_number() {
        for reference in [None, Some(""), Some("   ")] {
            let result = Tier::new(TierKind::Hte, reference, None, date!(2021 - 12 - 15), None, "名单");
            assert_eq!(result, Err(RegistryError::ReferenceRequired { kind: TierKind::Hte }), "{reference:?}");
        }
    }

    #[test]
    fn hte_rejects_malformed_certificate_numbers() {
        for number in [
            "GR20214300123",
            "GR2021430012345",
            "gr202143001234",
            "GR20214300123A",
            "202143001234",
            "GF202143001234",
            " GR202143001234",
            "GR２０２１43001234",
        ] {
            assert_eq!(hte_certificate_year(number).unwrap_err().code(), "registry.invalid_hte_number", "{number}");
        }
    }

    #[test]
    fn hte_trims_the_certificate_number_of_a_record() {
        let tier = hte(" GR202143001234\t", date!(2021 - 12 - 15), None).unwrap();
        assert_eq!(tier.reference(), Some("GR202143001234"));
    }

    #[test]
    fn hte_rejects_certificate_years_outside_2008_to_2100() {
        assert_eq!(
            hte_certificate_year("GR200743001234"),
            Err(RegistryError::HteNumberYearOutOfRange { value: "GR200743001234".into(), year: 2007 })
        );
        assert_eq!(hte_certificate_year("GR210143001234").unwrap_err().code(), "registry.hte_number_year_out_of_range");
        assert_eq!(hte_certificate_year("GR200843001234"), Ok(2008));
        assert_eq!(hte_certificate_year("GR210043001234"), Ok(2100));
    }

    #[test]
    fn hte_rejects_province_codes_outside_the_mainland() {
        for (number, province) in
            [("GR202100001234", "00"), ("GR202181001234", "81"), ("GR202171001234", "71"), ("GR202199001234", "99")]
        {
            assert_eq!(
                hte_certificate_year(number),
                Err(RegistryError::HteNumberUnknownProvince { value: number.into(), province: province.into() })
            );
        }
        assert_eq!(hte_certificate_year("GR202165001234"), Ok(2021));
        assert_eq!(hte_certificate_year("GR202111004043"), Ok(2021));
    }

    #[test]
    fn hte_certificate_year_must_be_the_issue_year() {
        assert_eq!(
            hte("GR202143001234", date!(2022 - 01 - 05), None),
            Err(RegistryError::HteYearMismatch {
                value: "GR202143001234".into(),
                year: 2021,
                valid_from: date!(2022 - 01 - 05),
            })
        );
    }

    // --- tiers: tech-based SME -----------------------------------------------------------

    #[test]
    fn tech_sme_is_valid_for_the_calendar_year_of_its_number() {
        let tier = tech_sme("202143020100001234", date!(2021 - 05 - 20), None).unwrap();
        assert_eq!(tier.valid_to(), Some(date!(2021 - 12 - 31)));
        assert!(tier.valid_at_end_of(2021));
        assert!(!tier.valid_at_end_of(2022));
    }

    #[test]
    fn tech_sme_valid_to_of_december_31_is_accepted_and_a_day_later_rejected() {
        assert!(tech_sme("202143020100001234", date!(2021 - 05 - 20), Some(date!(2021 - 12 - 31))).is_ok());
        assert_eq!(
            tech_sme("202143020100001234", date!(2021 - 05 - 20), Some(date!(2022 - 01 - 01))),
            Err(RegistryError::TechSmeValidityTooLong {
                year: 2021,
                valid_to: date!(2022 - 01 - 01),
                max_valid_to: date!(2021 - 12 - 31),
            })
        );
    }

    #[test]
    fn tech_sme_number_year_must_be_the_year_of_valid_from() {
        assert_eq!(
            tech_sme("202143020100001234", date!(2022 - 03 - 01), None),
            Err(RegistryError::TechSmeYearMismatch {
                value: "202143020100001234".into(),
                year: 2021,
                valid_from: date!(2022 - 03 - 01),
            })
        );
    }

    #[test]
    fn tech_sme_accepts_the_2018_marks_in_the_eleventh_character() {
        assert_eq!(tech_sme_registration_year("2018430201A0000123"), Ok(2018));
        assert_eq!(tech_sme_registration_year("2018430201B0000123"), Ok(2018));
    }

    #[test]
    fn tech_sme_rejects_malformed_numbers() {
        for number in [
            "20214302010000123",
            "2021430201000012345",
            "2021430201C0001234",
            "20214302010A001234",
            "A02143020100001234",
            "202143020100001234 ",
            "",
        ] {
            assert_eq!(
                tech_sme_registration_year(number).unwrap_err().code(),
                "registry.invalid_tech_sme_number",
                "{number:?}"
            );
        }
    }

    #[test]
    fn tech_sme_rejects_years_outside_2017_to_2100() {
        assert_eq!(
            tech_sme_registration_year("201643020100001234"),
            Err(RegistryError::TechSmeNumberYearOutOfRange { value: "201643020100001234".into(), year: 2016 })
        );
        assert_eq!(
            tech_sme_registration_year("210143020100001234").unwrap_err().code(),
            "registry.tech_sme_number_year_out_of_range"
        );
        assert_eq!(tech_sme_registration_year("201743020100001234"), Ok(2017));
    }

    #[test]
    fn tech_sme_requires_a_registration_number() {
        let result = Tier::new(TierKind::TechSme, None, None, date!(2021 - 05 - 20), None, "平台");
        assert_eq!(result, Err(RegistryError::ReferenceRequired { kind: TierKind::TechSme }));
    }

    // --- tiers: rules for every kind -----------------------------------------------------

    #[test]
    fn validity_may_not_end_before_it_starts() {
        let result =
            Tier::new(TierKind::Gazelle, None, None, date!(2023 - 06 - 01), Some(date!(2023 - 05 - 31)), "名单");
        assert_eq!(
            result,
            Err(RegistryError::ValidityReversed {
                kind: TierKind::Gazelle,
                valid_from: date!(2023 - 06 - 01),
                valid_to: date!(2023 - 05 - 31),
            })
        );
        assert_eq!(
            hte("GR202143001234", date!(2021 - 12 - 15), Some(date!(2021 - 12 - 14))).unwrap_err().code(),
            "registry.validity_reversed"
        );
        // A single day is a valid span.
        let one_day = other(TierKind::Gazelle, date!(2023 - 06 - 01), Some(date!(2023 - 06 - 01)));
        assert!(one_day.valid_on(date!(2023 - 06 - 01)));
    }

    #[test]
    fn level_only_on_kinds_that_take_one() {
        let result = Tier::new(
            TierKind::Hte,
            Some("GR202143001234"),
            Some(Level::National),
            date!(2021 - 12 - 15),
            None,
            "名单",
        );
        assert_eq!(result, Err(RegistryError::LevelNotApplicable { kind: TierKind::Hte, level: Level::National }));
        for kind in [TierKind::TechSme, TierKind::RdReserveFiling] {
            assert!(!kind.takes_level(), "{kind}");
        }
        let giant = Tier::new(
            TierKind::LittleGiant,
            Some("第五批"),
            Some(Level::National),
            date!(2023 - 07 - 01),
            None,
            "工信部公告",
        );
        assert_eq!(giant.unwrap().level(), Some(Level::National));
        let gazelle = Tier::new(TierKind::Gazelle, None, Some(Level::Municipal), date!(2023 - 07 - 01), None, "市公示");
        assert_eq!(gazelle.unwrap().level(), Some(Level::Municipal));
    }

    #[test]
    fn evidence_is_required_and_trimmed() {
        for evidence in ["", " \t "] {
            let result = Tier::new(TierKind::Unicorn, None, None, date!(2023 - 01 - 01), None, evidence);
            assert_eq!(result, Err(RegistryError::EvidenceRequired { kind: TierKind::Unicorn }), "{evidence:?}");
        }
        let tier = Tier::new(TierKind::Unicorn, None, None, date!(2023 - 01 - 01), None, "  长沙市名单 ").unwrap();
        assert_eq!(tier.evidence(), "长沙市名单");
    }

    #[test]
    fn other_kinds_take_free_references_and_open_ends() {
        let tier =
            Tier::new(TierKind::ChainLeader, Some("  "), None, date!(2022 - 03 - 01), None, "株洲市链主企业名单")
                .unwrap();
        assert_eq!(tier.reference(), None);
        assert_eq!(tier.valid_to(), None);
        assert!(tier.valid_on(date!(2099 - 12 - 31)));
        assert!(!tier.valid_on(date!(2022 - 02 - 28)));
    }

    #[test]
    fn valid_on_includes_both_ends() {
        let tier = hte("GR202143001234", date!(2021 - 12 - 15), None).unwrap();
        assert!(!tier.valid_on(date!(2021 - 12 - 14)));
        assert!(tier.valid_on(date!(2021 - 12 - 15)));
        assert!(tier.valid_on(date!(2024 - 12 - 14)));
        assert!(!tier.valid_on(date!(2024 - 12 - 15)));
    }

    #[test]
    fn valid_at_end_of_year_is_december_31() {
        let tier = hte("GR202143001234", date!(2021 - 12 - 15), None).unwrap();
        assert!(!tier.valid_at_end_of(2020));
        assert!(tier.valid_at_end_of(2021));
        assert!(tier.valid_at_end_of(2023));
        assert!(!tier.valid_at_end_of(2024), "ends 2024-12-14");
        assert!(!tier.valid_at_end_of(i32::MAX), "no such date, no panic");
    }

    #[test]
    fn count_valid_at_counts_records_of_the_kind_in_force() {
        let tiers = [
            hte("GR202143001234", date!(2021 - 12 - 15), None).unwrap(),
            hte("GR201843000001", date!(2018 - 10 - 17), None).unwrap(),
            hte("GR202243000002", date!(2022 - 12 - 01), None).unwrap(),
            tech_sme("202243020100001234", date!(2022 - 04 - 01), None).unwrap(),
        ];
        assert_eq!(count_valid_at(&tiers, TierKind::Hte, date!(2022 - 12 - 31)), 2);
        assert_eq!(count_valid_at(&tiers, TierKind::Hte, date!(2021 - 10 - 16)), 1);
        assert_eq!(count_valid_at(&tiers, TierKind::TechSme, date!(2022 - 12 - 31)), 1);
        assert_eq!(count_valid_at(&tiers, TierKind::Gazelle, date!(2022 - 12 - 31)), 0);
        assert_eq!(count_valid_at(&[], TierKind::Hte, date!(2022 - 12 - 31)), 0);
    }

    #[test]
    fn tier_serde_round_trips_and_validates() {
        let tier = hte("GR202143001234", date!(2021 - 12 - 15), None).unwrap();
        let json = serde_json::to_string(&tier).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"hte","reference":"GR202143001234","valid_from":"2021-12-15","valid_to":"2024-12-14","evidence":"湖南省2021年第二批高新技术企业名单"}"#
        );
        assert_eq!(serde_json::from_str::<Tier>(&json).unwrap(), tier);
        let defaulted: Tier = serde_json::from_str(
            r#"{"kind":"tech_sme","reference":"202143020100001234","valid_from":"2021-05-20","evidence":"平台"}"#,
        )
        .unwrap();
        assert_eq!(defaulted.valid_to(), Some(date!(2021 - 12 - 31)));
        let error = serde_json::from_str::<Tier>(
            r#"{"kind":"hte","reference":"GR202143001234","valid_from":"2021-12-15","valid_to":"2024-12-15","evidence":"x"}"#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("valid for three years"), "{error}");
    }

    // --- yearly facts ------------------------------------------------------------------

    fn full_rd_hnte(amount: &str) -> RdHnte {
        let a = Some(yuan(amount));
        RdHnte {
            personnel: a,
            direct_inputs: a,
            depreciation_and_lt_prepaid: a,
            intangible_amort: a,
            design: a,
            equipment_testing: a,
            commissioned_external_counted: a,
            other: a,
        }
    }

    #[test]
    fn sales_revenue_is_main_plus_other_when_both_are_present() {
        let mut facts = YearlyFacts { main_business_revenue: Some(yuan("48000000.10")), ..YearlyFacts::default() };
        assert_eq!(facts.sales_revenue(), None);
        facts.other_business_revenue = Some(yuan("2000000.05"));
        assert_eq!(facts.sales_revenue(), Some(yuan("50000000.15")));
    }

    #[test]
    fn derived_totals_need_both_figures() {
        let facts = YearlyFacts {
            gross_income_cit: Some(yuan("81000000")),
            non_taxable_income: Some(yuan("1000000")),
            total_assets_ye: Some(yuan("100")),
            total_liabilities_ye: Some(yuan("150")),
            ..YearlyFacts::default()
        };
        assert_eq!(facts.total_revenue(), Some(yuan("80000000")));
        assert_eq!(facts.net_assets_ye(), Some(yuan("-50")));
        assert_eq!(YearlyFacts::default().total_revenue(), None);
    }

    #[test]
    fn rd_totals_sum_every_category_or_nothing() {
        let mut facts = YearlyFacts { rd_hnte: full_rd_hnte("0.01"), ..YearlyFacts::default() };
        assert_eq!(facts.rd_hnte_total(), Some(yuan("0.08")));
        facts.rd_hnte.other = None;
        assert_eq!(facts.rd_hnte_total(), None);
        facts.rd_sd = RdSd {
            personnel: Some(yuan("3000000")),
            direct_inputs: Some(yuan("900000")),
            depreciation: Some(yuan("400000")),
            intangible_amort: Some(yuan("100000")),
            design_trials: Some(yuan("100000")),
            other_related: Some(yuan("300000")),
        };
        assert_eq!(facts.rd_sd_total(), Some(yuan("4800000")));
    }

    #[test]
    fn serde_uses_the_policy_input_names() {
        let json = r#"{"gross_income_cit": "81000000.00", "non_taxable_income": "0.00",
            "rd_sd": {"personnel": "3000000.00", "direct_inputs": "900000.00", "depreciation": "400000.00",
              "intangible_amort": "100000.00", "design_trials": "100000.00", "other_related": "300000.00"},
            "rd_hnte": {"commissioned_external_counted": "80.00"},
            "staff_total": 120, "staff_st": 30}"#;
        let facts: YearlyFacts = serde_json::from_str(json).unwrap();
        assert_eq!(facts.rd_sd_total(), Some(yuan("4800000")));
        assert_eq!(facts.rd_hnte.commissioned_external_counted, Some(yuan("80")));
        assert_eq!(facts.staff_st, Some(30));
        let back: YearlyFacts = serde_json::from_str(&serde_json::to_string(&facts).unwrap()).unwrap();
        assert_eq!(back, facts);
        assert_eq!(serde_json::to_string(&YearlyFacts::default()).unwrap(), "{}");
    }

    #[test]
    fn serde_rejects_misspelt_fields() {
        assert!(serde_json::from_str::<YearlyFacts>(r#"{"main_bussiness_revenue": "1.00"}"#).is_err());
        assert!(serde_json::from_str::<YearlyFacts>(r#"{"rd_hnte": {"personel": "1.00"}}"#).is_err());
    }

    #[test]
    fn yearly_fields_keys_and_labels_are_unique_and_carry_units() {
        let keys: BTreeSet<&str> = YEARLY_FIELDS.iter().map(|spec| spec.key).collect();
        let zh: BTreeSet<&str> = YEARLY_FIELDS.iter().map(|spec| spec.label_zh).collect();
        let en: BTreeSet<&str> = YEARLY_FIELDS.iter().map(|spec| spec.label_en).collect();
        assert_eq!(keys.len(), YEARLY_FIELDS.len());
        assert_eq!(zh.len(), YEARLY_FIELDS.len());
        assert_eq!(en.len(), YEARLY_FIELDS.len());
        for spec in YEARLY_FIELDS {
            assert!(spec.label_zh.ends_with(spec.kind.label_suffix_zh()), "{}", spec.label_zh);
            assert!(spec.label_en.ends_with(spec.kind.label_suffix_en()), "{}", spec.label_en);
            assert!(spec.name_zh().len() < spec.label_zh.len() && spec.name_en().len() < spec.label_en.len());
            assert_eq!(yearly_field(spec.key), Some(spec));
        }
        assert_eq!(yearly_field("rd_hnte.personnel").unwrap().label_zh, "研发费用（高企口径）-人员人工费用（元）");
        assert_eq!(yearly_field("main_business_revenue").unwrap().name_zh(), "主营业务收入");
        assert_eq!(yearly_field("nope"), None);
    }

    /// A fully filled record: every field a different value, taken from its position.
    fn every_field_set() -> YearlyFacts {
        let mut facts = YearlyFacts::default();
        for (index, spec) in (1_u32..).zip(YEARLY_FIELDS) {
            let value = match spec.kind {
                FieldKind::Money => FieldValue::Money(Money::from_fen(i64::from(index) * 101)),
                FieldKind::Count => FieldValue::Count(index),
            };
            facts.set(spec.key, value).unwrap();
        }
        facts
    }

    #[test]
    fn get_returns_what_set_stored_for_every_field() {
        let facts = every_field_set();
        for (index, spec) in (1_u32..).zip(YEARLY_FIELDS) {
            let expected = match spec.kind {
                FieldKind::Money => FieldValue::Money(Money::from_fen(i64::from(index) * 101)),
                FieldKind::Count => FieldValue::Count(index),
            };
            assert_eq!(facts.get(spec.key), Some(expected), "{}", spec.key);
        }
    }

    #[test]
    fn yearly_fields_list_every_serialised_leaf() {
        let json = serde_json::to_value(every_field_set()).unwrap();
        let mut leaves = BTreeSet::new();
        for (key, value) in json.as_object().unwrap() {
            match value.as_object() {
                Some(nested) => leaves.extend(nested.keys().map(|inner| format!("{key}.{inner}"))),
                None => {
                    leaves.insert(key.clone());
                }
            }
        }
        let keys: BTreeSet<String> = YEARLY_FIELDS.iter().map(|spec| spec.key.to_owned()).collect();
        assert_eq!(leaves, keys);
    }

    #[test]
    fn clear_empties_a_field_and_unknown_keys_are_refused() {
        let mut facts = every_field_set();
        facts.clear("rd_sd.design_trials").unwrap();
        assert_eq!(facts.get("rd_sd.design_trials"), None);
        facts.clear("staff_st").unwrap();
        assert_eq!(facts.staff_st, None);
        assert_eq!(facts.get("profit"), None);
        assert_eq!(facts.clear("profit"), Err(RegistryError::UnknownField { key: "profit".into() }));
        assert_eq!(
            facts.set("rd_sd", FieldValue::Money(Money::ZERO)),
            Err(RegistryError::UnknownField { key: "rd_sd".into() })
        );
    }

    #[test]
    fn set_refuses_a_value_of_the_other_kind() {
        let mut facts = YearlyFacts::default();
        assert_eq!(
            facts.set("staff_total", FieldValue::Money(Money::ZERO)),
            Err(RegistryError::FieldKindMismatch {
                key: "staff_total".into(),
                expected: FieldKind::Count,
                actual: FieldKind::Money,
            })
        );
        assert_eq!(
            facts.set("hightech_revenue", FieldValue::Count(3)).unwrap_err().code(),
            "registry.field_kind_mismatch"
        );
        assert_eq!(facts, YearlyFacts::default());
    }

    #[test]
    fn empty_facts_pass_the_check() {
        assert_eq!(YearlyFacts::default().check(), Ok(()));
        // The positional values of `every_field_set` break five part-of rules: staff_st and
        // rd_staff exceed staff_total, non-taxable and high-tech revenue exceed gross income,
        // main-products revenue exceeds high-tech revenue.
        assert_eq!(every_field_set().problems().len(), 5);
    }

    #[test]
    fn negative_amounts_are_refused_in_every_field_but_investment_income() {
        for spec in YEARLY_FIELDS.iter().filter(|spec| spec.kind == FieldKind::Money) {
            let mut facts = YearlyFacts::default();
            facts.set(spec.key, FieldValue::Money(yuan("-0.01"))).unwrap();
            if spec.key == "investment_income" {
                assert_eq!(facts.check(), Ok(()));
            } else {
                assert_eq!(
                    facts.check(),
                    Err(RegistryError::NegativeAmount { field: spec.key, value: yuan("-0.01") }),
                    "{}",
                    spec.key
                );
            }
        }
    }

    #[test]
    fn st_staff_may_not_exceed_total_staff() {
        let mut facts = YearlyFacts { staff_total: Some(100), staff_st: Some(100), ..YearlyFacts::default() };
        assert_eq!(facts.check(), Ok(()));
        facts.staff_st = Some(101);
        assert_eq!(
            facts.check(),
            Err(RegistryError::PartExceedsWhole {
                part: "staff_st",
                part_value: "101".into(),
                whole: "staff_total",
                whole_value: "100".into(),
            })
        );
    }

    #[test]
    fn rd_staff_may_not_exceed_total_staff() {
        let facts = YearlyFacts { staff_total: Some(10), rd_staff: Some(11), ..YearlyFacts::default() };
        assert_eq!(facts.check().unwrap_err().code(), "registry.part_exceeds_whole");
        let facts = YearlyFacts { rd_staff: Some(11), ..YearlyFacts::default() };
        assert_eq!(facts.check(), Ok(()), "no total, no comparison");
    }

    #[test]
    fn domestic_rd_may_not_exceed_total_rd() {
        let mut facts = YearlyFacts {
            rd_hnte: full_rd_hnte("1.00"),
            rd_hnte_domestic: Some(yuan("8.00")),
            ..YearlyFacts::default()
        };
        assert_eq!(facts.check(), Ok(()));
        facts.rd_hnte_domestic = Some(yuan("8.01"));
        assert_eq!(
            facts.check(),
            Err(RegistryError::PartExceedsWhole {
                part: "rd_hnte_domestic",
                part_value: "8.01".into(),
                whole: "rd_hnte_total",
                whole_value: "8.00".into(),
            })
        );
        facts.rd_hnte.design = None;
        assert_eq!(facts.check(), Ok(()), "incomplete total, no comparison");
    }

    #[test]
    fn hightech_revenue_may_not_exceed_gross_income() {
        let mut facts = YearlyFacts {
            gross_income_cit: Some(yuan("1000")),
            hightech_revenue: Some(yuan("1000")),
            ..YearlyFacts::default()
        };
        assert_eq!(facts.check(), Ok(()));
        facts.hightech_revenue = Some(yuan("1000.01"));
        assert_eq!(
            facts.check(),
            Err(RegistryError::PartExceedsWhole {
                part: "hightech_revenue",
                part_value: "1000.01".into(),
                whole: "gross_income_cit",
                whole_value: "1000.00".into(),
            })
        );
    }

    #[test]
    fn non_taxable_income_may_not_exceed_gross_income() {
        let facts = YearlyFacts {
            gross_income_cit: Some(yuan("1000")),
            non_taxable_income: Some(yuan("1000.01")),
            ..YearlyFacts::default()
        };
        assert_eq!(facts.check().unwrap_err().args()[0], ("part", "non_taxable_income".to_owned()));
    }

    #[test]
    fn main_products_revenue_may_not_exceed_hightech_revenue() {
        let facts = YearlyFacts {
            hightech_revenue: Some(yuan("500")),
            main_products_revenue: Some(yuan("500.01")),
            ..YearlyFacts::default()
        };
        assert_eq!(facts.check().unwrap_err().args()[0], ("part", "main_products_revenue".to_owned()));
    }

    #[test]
    fn totals_beyond_the_range_of_money_are_reported() {
        let facts = YearlyFacts {
            main_business_revenue: Some(Money::MAX),
            other_business_revenue: Some(Money::from_fen(1)),
            rd_hnte: RdHnte { personnel: Some(Money::MAX), ..full_rd_hnte("1") },
            ..YearlyFacts::default()
        };
        assert_eq!(
            facts.problems(),
            [
                RegistryError::TotalOverflow { total: "sales_revenue" },
                RegistryError::TotalOverflow { total: "rd_hnte_total" },
            ]
        );
    }

    #[test]
    fn problems_lists_every_problem_in_order() {
        let facts = YearlyFacts {
            main_business_revenue: Some(yuan("-1")),
            staff_total: Some(1),
            staff_st: Some(2),
            rd_staff: Some(3),
            ..YearlyFacts::default()
        };
        let codes: Vec<&str> = facts.problems().iter().map(RegistryError::code).collect();
        assert_eq!(codes, ["registry.negative_amount", "registry.part_exceeds_whole", "registry.part_exceeds_whole"]);
        assert_eq!(facts.check().unwrap_err().code(), "registry.negative_amount");
    }

    #[test]
    fn messages_name_the_field_in_both_languages() {
        let error = RegistryError::NegativeAmount { field: "rd_hnte.design", value: yuan("-5") };
        assert_eq!(error.to_string(), "R&D, HNTE basis: design (rd_hnte.design) is -5.00; it cannot be negative.");
        assert!(error.args().contains(&("field_zh", "研发费用（高企口径）-设计费用".to_owned())));
    }

    // --- intellectual property ------------------------------------------------------------

    #[test]
    fn ip_kinds_parse_both_spellings_and_store_snake_case() {
        for kind in IpKind::ALL {
            assert_eq!(IpKind::parse(kind.as_str()), Ok(kind));
            assert_eq!(IpKind::parse(kind.as_pascal()), Ok(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<IpKind>(&format!("\"{}\"", kind.as_pascal())).unwrap(), kind);
        }
        assert_eq!(IpKind::parse("TcmProtectedGrade1"), Ok(IpKind::TcmProtectedGrade1));
        assert_eq!(IpKind::parse("tcm_protected_grade1"), Ok(IpKind::TcmProtectedGrade1));
    }

    #[test]
    fn rejects_unknown_ip_kind() {
        assert_eq!(IpKind::parse("Patent"), Err(RegistryError::UnknownIpKind { value: "Patent".into() }));
        assert_eq!(IpKind::parse("inventionPatent").unwrap_err().code(), "registry.unknown_ip_kind");
    }

    #[test]
    fn ip_kind_chinese_names() {
        let names: Vec<&str> = IpKind::ALL.iter().map(|kind| kind.name_zh()).collect();
        assert_eq!(
            names,
            [
                "发明专利",
                "国防专利",
                "植物新品种",
                "国家级农作物品种",
                "国家新药",
                "国家一级中药保护品种",
                "集成电路布图设计专有权",
                "实用新型专利",
                "外观设计专利",
                "软件著作权",
                "商标",
                "其他",
            ]
        );
    }

    #[test]
    fn ip_classes_follow_section_2_6() {
        let class_i: Vec<IpKind> = IpKind::ALL.into_iter().filter(|kind| kind.ip_class() == IpClass::I).collect();
        assert_eq!(class_i, IpKind::ALL[..7]);
        let class_ii: Vec<IpKind> = IpKind::ALL.into_iter().filter(|kind| kind.ip_class() == IpClass::II).collect();
        assert_eq!(class_ii, [IpKind::UtilityModel, IpKind::DesignPatent, IpKind::SoftwareCopyright]);
        assert_eq!(IpKind::Trademark.ip_class(), IpClass::NotCounted);
        assert_eq!(IpKind::Other.ip_class(), IpClass::NotCounted);
        assert_eq!(serde_json::to_string(&IpClass::II).unwrap(), "\"class_ii\"");
        assert_eq!(IpClass::I.name_zh(), "Ⅰ类");
    }

    #[test]
    fn acquisitions_parse_both_spellings_and_licences_do_not_qualify() {
        for acquisition in Acquisition::ALL {
            assert_eq!(Acquisition::parse(acquisition.as_str()), Ok(acquisition));
            assert_eq!(Acquisition::parse(acquisition.as_pascal()), Ok(acquisition));
            assert_eq!(acquisition.qualifies_for_hnte(), acquisition != Acquisition::Licence);
        }
        assert_eq!(Acquisition::MergerAcquisition.name_zh(), "并购");
        assert_eq!(Acquisition::parse("bought"), Err(RegistryError::UnknownAcquisition { value: "bought".into() }));
    }

    fn patent() -> IpItemFields {
        IpItemFields {
            registration_no: "ZL202110123456.7".into(),
            kind: IpKind::InventionPatent,
            title: "一种轨道交通牵引变流器散热装置".into(),
            granted_in_china: true,
            grant_date: Some(date!(2023 - 03 - 10)),
            expiry_date: Some(date!(2041 - 03 - 09)),
            acquisition: Acquisition::SelfDeveloped,
            owner_is_applicant: true,
            in_dispute: false,
        }
    }

    #[test]
    fn ip_item_requires_a_registration_number() {
        for registration_no in ["", "  "] {
            let fields = IpItemFields { registration_no: registration_no.into(), ..patent() };
            assert_eq!(
                IpItem::new(fields),
                Err(RegistryError::IpRegistrationNoRequired {
                    title: "一种轨道交通牵引变流器散热装置".into()
                })
            );
        }
        let item = IpItem::new(IpItemFields { registration_no: " ZL1 ".into(), ..patent() }).unwrap();
        assert_eq!(item.registration_no(), "ZL1");
    }

    #[test]
    fn ip_item_expiry_must_be_after_grant() {
        let same_day = IpItemFields { expiry_date: Some(date!(2023 - 03 - 10)), ..patent() };
        assert_eq!(
            IpItem::new(same_day),
            Err(RegistryError::IpExpiryNotAfterGrant {
                registration_no: "ZL202110123456.7".into(),
                grant_date: date!(2023 - 03 - 10),
                expiry_date: date!(2023 - 03 - 10),
            })
        );
        assert!(IpItem::new(IpItemFields { expiry_date: Some(date!(2023 - 03 - 11)), ..patent() }).is_ok());
        assert!(IpItem::new(IpItemFields { grant_date: None, ..patent() }).is_ok());
    }

    #[test]
    fn ip_item_in_force_from_grant_to_expiry_inclusive() {
        let item = IpItem::new(patent()).unwrap();
        assert!(!item.in_force_on(date!(2023 - 03 - 09)));
        assert!(item.in_force_on(date!(2023 - 03 - 10)));
        assert!(item.in_force_on(date!(2041 - 03 - 09)));
        assert!(!item.in_force_on(date!(2041 - 03 - 10)));
        let pending = IpItem::new(IpItemFields { grant_date: None, expiry_date: None, ..patent() }).unwrap();
        assert!(!pending.in_force_on(date!(2030 - 01 - 01)));
        let no_end = IpItem::new(IpItemFields { expiry_date: None, ..patent() }).unwrap();
        assert!(no_end.in_force_on(date!(2099 - 01 - 01)));
    }

    #[test]
    fn ip_item_reads_policy_input_json() {
        let json = r#"{"registration_no": "2022SR0123456", "kind": "SoftwareCopyright", "title": "调度软件V1.0",
            "granted_in_china": true, "grant_date": "2022-01-20", "acquisition": "Transfer",
            "owner_is_applicant": true, "in_dispute": false}"#;
        let item: IpItem = serde_json::from_str(json).unwrap();
        assert_eq!(item.kind(), IpKind::SoftwareCopyright);
        assert_eq!(item.ip_class(), IpClass::II);
        assert_eq!(item.acquisition(), Acquisition::Transfer);
        assert_eq!(item.expiry_date(), None);
        let stored = serde_json::to_string(&item).unwrap();
        assert!(stored.contains(r#""kind":"software_copyright""#), "{stored}");
        assert_eq!(serde_json::from_str::<IpItem>(&stored).unwrap(), item);
        let bad = json.replace("2022SR0123456", " ");
        assert!(serde_json::from_str::<IpItem>(&bad).unwrap_err().to_string().contains("no registration number"));
    }

    // --- industry codes ------------------------------------------------------------------

    #[test]
    fn parses_sections_and_divisions() {
        for code in ["C39", "I65", "M", "F51", "C30", "A01", "T97", "K70", "P83"] {
            assert_eq!(IndustryCode::parse(code).unwrap().to_string(), code);
        }
        let code = IndustryCode::parse("C39").unwrap();
        assert_eq!((code.section(), code.division()), ('C', Some(39)));
        assert_eq!(IndustryCode::parse("M").unwrap().division(), None);
    }

    #[test]
    fn every_section_accepts_its_first_and_last_division_only() {
        for section in INDUSTRY_SECTIONS {
            for division in [section.first_division, section.last_division] {
                assert!(IndustryCode::parse(&format!("{}{division:02}", section.letter)).is_ok());
            }
            for division in [section.first_division - 1, section.last_division + 1] {
                let code = format!("{}{division:02}", section.letter);
                assert_eq!(
                    IndustryCode::parse(&code).unwrap_err().code(),
                    "registry.industry_division_out_of_section",
                    "{code}"
                );
            }
        }
    }

    #[test]
    fn sections_cover_divisions_01_to_97_without_gaps() {
        let mut next = 1;
        for section in INDUSTRY_SECTIONS {
            assert_eq!(section.first_division, next, "{}", section.letter);
            assert!(section.last_division >= section.first_division);
            next = section.last_division + 1;
        }
        assert_eq!(next, 98);
        let letters: String = INDUSTRY_SECTIONS.iter().map(|section| section.letter).collect();
        assert_eq!(letters, "ABCDEFGHIJKLMNOPQRST");
    }

    #[test]
    fn rejects_a_division_of_another_section() {
        assert_eq!(
            IndustryCode::parse("C44"),
            Err(RegistryError::IndustryDivisionOutOfSection {
                value: "C44".into(),
                section: INDUSTRY_SECTIONS[2],
                division: 44,
            })
        );
        assert_eq!(IndustryCode::parse("I39").unwrap_err().code(), "registry.industry_division_out_of_section");
        assert_eq!(IndustryCode::parse("A00").unwrap_err().code(), "registry.industry_division_out_of_section");
    }

    #[test]
    fn rejects_other_industry_code_shapes() {
        for code in ["", "c39", "U", "Z01", "C3", "C391", "C3911", "39", " C39", "C39 ", "CC", "C3a", "Ｃ39"] {
            assert_eq!(IndustryCode::parse(code).unwrap_err().code(), "registry.invalid_industry_code", "{code:?}");
        }
    }

    #[test]
    fn manufacturing_is_section_c() {
        for code in ["C", "C13", "C39", "C43"] {
            assert!(IndustryCode::parse(code).unwrap().is_manufacturing(), "{code}");
        }
        for code in ["D44", "I65", "B12"] {
            assert!(!IndustryCode::parse(code).unwrap().is_manufacturing(), "{code}");
        }
    }

    #[test]
    fn section_names_in_chinese() {
        let name = |code: &str| IndustryCode::parse(code).unwrap().section_name_zh();
        assert_eq!(name("A01"), "农、林、牧、渔业");
        assert_eq!(name("C39"), "制造业");
        assert_eq!(name("I65"), "信息传输、软件和信息技术服务业");
        assert_eq!(name("M"), "科学研究和技术服务业");
        assert_eq!(name("T"), "国际组织");
        assert_eq!(IndustryCode::parse("C39").unwrap().section_name_en(), "Manufacturing");
    }

    #[test]
    fn industry_codes_order_by_section_then_division() {
        let mut codes: Vec<IndustryCode> =
            ["D", "C39", "C", "C13", "A05"].into_iter().map(|code| IndustryCode::parse(code).unwrap()).collect();
        codes.sort();
        let printed: Vec<String> = codes.iter().map(ToString::to_string).collect();
        assert_eq!(printed, ["A05", "C", "C13", "C39", "D"]);
    }

    #[test]
    fn industry_code_serde_uses_the_code() {
        let code = IndustryCode::parse("C38").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"C38\"");
        assert_eq!(serde_json::from_str::<IndustryCode>("\"C38\"").unwrap(), code);
        assert!(serde_json::from_str::<IndustryCode>("\"C44\"").is_err());
    }

    // --- platforms -----------------------------------------------------------------------

    #[test]
    fn platform_kinds_round_trip_with_chinese_names() {
        for kind in PlatformKind::ALL {
            assert_eq!(PlatformKind::parse(kind.as_str()), Ok(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
            assert!(!kind.name_en().is_empty());
        }
        assert_eq!(PlatformKind::StateKeyLab.name_zh(), "全国/国家重点实验室");
        assert_eq!(PlatformKind::OverseasTalentStation.name_zh(), "海外人才（海智）工作站");
        assert_eq!(PlatformKind::SchoolEnterpriseLab.name_zh(), "校企联合实验室");
        assert_eq!(PlatformLevel::Provincial.name_zh(), "省级");
        assert_eq!(PlatformKind::parse("lab"), Err(RegistryError::UnknownPlatformKind { value: "lab".into() }));
    }

    // --- messages ------------------------------------------------------------------------

    /// Every variant has a template row in the module docs whose English text, filled in with
    /// `args()`, is exactly the `Display` output, and whose Chinese text uses only named
    /// arguments that `args()` provides.
    #[test]
    fn module_doc_templates_match_display_and_args() {
        let mut facts = YearlyFacts::default();
        let samples = [
            TierKind::parse("x").unwrap_err(),
            Level::parse("x").unwrap_err(),
            PlatformKind::parse("x").unwrap_err(),
            IpKind::parse("x").unwrap_err(),
            Acquisition::parse("x").unwrap_err(),
            Tier::new(TierKind::Hte, Some("GR202143001234"), Some(Level::National), date!(2021 - 12 - 15), None, "x")
                .unwrap_err(),
            Tier::new(TierKind::Hte, None, None, date!(2021 - 12 - 15), None, "x").unwrap_err(),
            Tier::new(TierKind::Gazelle, None, None, date!(2021 - 12 - 15), None, "").unwrap_err(),
            Tier::new(TierKind::Gazelle, None, None, date!(2021 - 12 - 15), Some(date!(2021 - 12 - 14)), "x")
                .unwrap_err(),
            hte_certificate_year("GR2021").unwrap_err(),
            hte_certificate_year("GR200743001234").unwrap_err(),
            hte_certificate_year("GR202100001234").unwrap_err(),
            hte("GR202143001234", date!(2022 - 01 - 05), None).unwrap_err(),
            hte("GR202143001234", date!(2021 - 12 - 15), Some(date!(2024 - 12 - 15))).unwrap_err(),
            tech_sme_registration_year("2021").unwrap_err(),
            tech_sme_registration_year("201643020100001234").unwrap_err(),
            tech_sme("202143020100001234", date!(2022 - 03 - 01), None).unwrap_err(),
            tech_sme("202143020100001234", date!(2021 - 03 - 01), Some(date!(2022 - 01 - 01))).unwrap_err(),
            RegistryError::NegativeAmount { field: "main_business_revenue", value: yuan("-1") },
            RegistryError::PartExceedsWhole {
                part: "rd_hnte_domestic",
                part_value: "2.00".into(),
                whole: "rd_hnte_total",
                whole_value: "1.00".into(),
            },
            RegistryError::TotalOverflow { total: "rd_sd_total" },
            facts.set("x", FieldValue::Count(1)).unwrap_err(),
            facts.set("staff_st", FieldValue::Money(Money::ZERO)).unwrap_err(),
            IpItem::new(IpItemFields { registration_no: String::new(), ..patent() }).unwrap_err(),
            IpItem::new(IpItemFields { expiry_date: Some(date!(2020 - 01 - 01)), ..patent() }).unwrap_err(),
            IndustryCode::parse("c39").unwrap_err(),
            IndustryCode::parse("C44").unwrap_err(),
        ];
        crate::message_table::assert_doc_table_matches(
            include_str!("registry.rs"),
            &samples,
            RegistryError::code,
            RegistryError::args,
        );
        for error in &samples {
            let args = error.args();
            assert!(args.iter().all(|(_, value)| !value.is_empty()), "empty argument in {args:?}");
        }
    }

    // --- properties ----------------------------------------------------------------------

    fn any_date_in(years: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = Date> {
        (years, 1_u16..=366).prop_map(|(year, ordinal)| {
            Date::from_ordinal_date(year, ordinal).unwrap_or_else(|_| Date::from_ordinal_date(year, 365).unwrap())
        })
    }

    proptest! {
        #[test]
        fn hte_default_validity_is_three_years_to_the_day(issue in any_date_in(2008..=2100), serial in 0_u32..1_000_000) {
            let number = format!("GR{}43{serial:06}", issue.year());
            let tier = hte(&number, issue, None).unwrap();
            let last = tier.valid_to().unwrap();
            prop_assert!(tier.valid_on(issue) && tier.valid_on(last));
            prop_assert!(!tier.valid_on(last + Duration::days(1)));
            // The day after the last day is the third anniversary (1 March for 29 February).
            let anniversary = last + Duration::days(1);
            prop_assert_eq!(anniversary.year(), issue.year() + 3);
            if (issue.month(), issue.day()) == (Month::February, 29) {
                prop_assert_eq!((anniversary.month(), anniversary.day()), (Month::March, 1));
            } else {
                prop_assert_eq!((anniversary.month(), anniversary.day()), (issue.month(), issue.day()));
            }
            // And a valid_to one day later is refused.
            prop_assert!(hte(&number, issue, Some(anniversary)).is_err());
        }

        #[test]
        fn tech_sme_is_valid_at_the_end_of_its_year_only(valid_from in any_date_in(2017..=2100), serial in 0_u64..100_000_000_000_000) {
            let number = format!("{}{serial:014}", valid_from.year());
            let tier = tech_sme(&number, valid_from, None).unwrap();
            prop_assert!(tier.valid_at_end_of(valid_from.year()));
            prop_assert!(!tier.valid_at_end_of(valid_from.year() + 1));
            prop_assert!(!tier.valid_at_end_of(valid_from.year() - 1));
        }

        #[test]
        fn valid_on_agrees_with_the_span(from in any_date_in(2000..=2030), days in 0_i64..4000, probe in any_date_in(1999..=2042)) {
            let to = from + Duration::days(days);
            let tier = other(TierKind::Gazelle, from, Some(to));
            prop_assert_eq!(tier.valid_on(probe), from <= probe && probe <= to);
        }

        #[test]
        fn industry_codes_print_as_parsed(letter in 0_usize..20, division in proptest::option::of(0_u8..100)) {
            let section = INDUSTRY_SECTIONS[letter];
            let code = match division {
                Some(division) => format!("{}{division:02}", section.letter),
                None => section.letter.to_string(),
            };
            match IndustryCode::parse(&code) {
                Ok(parsed) => {
                    prop_assert_eq!(parsed.to_string(), code);
                    prop_assert_eq!(parsed.section(), section.letter);
                }
                Err(error) => {
                    prop_assert_eq!(error.code(), "registry.industry_division_out_of_section");
                    let division = division.unwrap();
                    prop_assert!(division < section.first_division || division > section.last_division);
                }
            }
        }

        #[test]
        fn industry_parse_never_panics(input in "\\PC{0,5}") {
            let _ = IndustryCode::parse(&input);
        }

        #[test]
        fn certificate_checks_never_panic(input in "\\PC{0,20}") {
            let _ = hte_certificate_year(&input);
            let _ = tech_sme_registration_year(&input);
        }

        #[test]
        fn yearly_facts_round_trip_through_json_and_get_set(
            values in proptest::collection::vec(proptest::option::of(0_i64..1_000_000_000_000), YEARLY_FIELDS.len())
        ) {
            let mut facts = YearlyFacts::default();
            for (spec, value) in YEARLY_FIELDS.iter().zip(&values) {
                if let Some(value) = *value {
                    let value = match spec.kind {
                        FieldKind::Money => FieldValue::Money(Money::from_fen(value)),
                        FieldKind::Count => FieldValue::Count(u32::try_from(value % 100_000).unwrap()),
                    };
                    facts.set(spec.key, value).unwrap();
                }
            }
            let back: YearlyFacts = serde_json::from_str(&serde_json::to_string(&facts).unwrap()).unwrap();
            prop_assert_eq!(&back, &facts);
            let mut rebuilt = YearlyFacts::default();
            for spec in YEARLY_FIELDS {
                if let Some(value) = facts.get(spec.key) {
                    rebuilt.set(spec.key, value).unwrap();
                }
            }
            prop_assert_eq!(rebuilt, facts);
        }
    }
}

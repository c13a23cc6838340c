//! The input of the rules engine: everything known about one firm, in the JSON format of
//! `policy-input.md` (the field names of `policy-rules.md` §6, per-year figures keyed by year,
//! money as 2-decimal strings), published as `docs/policy-input.schema.json`.
//!
//! Every field is optional: a rule that needs a missing field reports it by name
//! (`missing`) instead of guessing. A list that is absent is unknown; an empty list means
//! "none" (no incidents, no IP). Unknown fields are refused, so that a misspelt name cannot
//! silently become "missing".
//!
//! Read a file with [`FirmInput::from_json`]: its errors name the line, column and field path
//! (`line 7, column 31, at rd_hnte.2024.personnel: Amount "1.234" has 3 decimals…`).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::money::Money;
use crate::registry::{Acquisition, IndustryCode, IpClass, IpKind, RdHnte, RdSd};

// Dates travel as ISO `YYYY-MM-DD`, as in `policy-input.md`.
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// The largest amount the rules accept, in fen: ±10^15 yuan. Far above any firm's figures,
/// and low enough that every product of `super::arith` fits in `i128`.
pub const MAX_AMOUNT_FEN: i64 = 100_000_000_000_000_000;

/// The largest headcount the rules accept, in persons.
pub const MAX_HEADCOUNT: i64 = 1_000_000_000;

// ---------------------------------------------------------------------------------------
// Per-year values
// ---------------------------------------------------------------------------------------

/// Values keyed by fiscal (calendar) year, in JSON an object keyed by the year as a string:
/// `{"2023": "1.00", "2024": "2.00"}`. Kept sorted by year; a year appears at most once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ByYear<T>(Vec<(i32, T)>);

impl<T> Default for ByYear<T> {
    fn default() -> Self {
        ByYear(Vec::new())
    }
}

impl<T> ByYear<T> {
    /// No years.
    #[must_use]
    pub fn new() -> Self {
        ByYear(Vec::new())
    }

    /// The value of each year given; a later pair for the same year replaces an earlier one.
    pub fn from_pairs<I: IntoIterator<Item = (i32, T)>>(pairs: I) -> Self {
        let mut by_year = ByYear::new();
        for (year, value) in pairs {
            by_year.insert(year, value);
        }
        by_year
    }

    /// Sets the value of `year`.
    pub fn insert(&mut self, year: i32, value: T) {
        match self.0.binary_search_by_key(&year, |(y, _)| *y) {
            Ok(index) => self.0[index].1 = value,
            Err(index) => self.0.insert(index, (year, value)),
        }
    }

    /// The value of `year`, if given.
    #[must_use]
    pub fn get(&self, year: i32) -> Option<&T> {
        self.0.iter().find(|(y, _)| *y == year).map(|(_, value)| value)
    }

    /// Whether no year is given.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The years and values, earliest first.
    pub fn iter(&self) -> impl Iterator<Item = (i32, &T)> {
        self.0.iter().map(|(year, value)| (*year, value))
    }
}

impl<T: Copy> ByYear<T> {
    /// The value of `year`, copied.
    #[must_use]
    pub fn at(&self, year: i32) -> Option<T> {
        self.get(year).copied()
    }
}

impl<T: Serialize> Serialize for ByYear<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(year, value)| (year.to_string(), value)))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ByYear<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct YearsVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for YearsVisitor<T> {
            type Value = ByYear<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object keyed by four-digit years, e.g. {\"2024\": ...}")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut by_year = ByYear::new();
                while let Some(key) = map.next_key::<String>()? {
                    let year = parse_year_key(&key).map_err(de::Error::custom)?;
                    if by_year.get(year).is_some() {
                        return Err(de::Error::custom(format!("year {year} is given twice")));
                    }
                    let value = map.next_value::<T>()?;
                    by_year.insert(year, value);
                }
                Ok(by_year)
            }
        }

        deserializer.deserialize_map(YearsVisitor(std::marker::PhantomData))
    }
}

/// A year key: four digits, 1900 to 2100.
fn parse_year_key(key: &str) -> Result<i32, String> {
    let year = (key.len() == 4 && key.bytes().all(|b| b.is_ascii_digit())).then(|| key.parse::<i32>().ok()).flatten();
    match year {
        Some(year) if (1900..=2100).contains(&year) => Ok(year),
        _ => Err(format!("\"{key}\" is not a year; per-year objects are keyed by four-digit years 1900 to 2100")),
    }
}

// ---------------------------------------------------------------------------------------
// Headcounts
// ---------------------------------------------------------------------------------------

/// A number of persons, possibly fractional (an average), exact to 1/10,000 of a person.
/// In JSON a number (`30.5`) or a decimal string (`"30.5"`) with at most 4 decimals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Headcount(i64);

impl Headcount {
    /// Units in one person.
    pub const SCALE: i64 = 10_000;

    /// A whole number of persons.
    #[must_use]
    pub const fn persons(n: i64) -> Headcount {
        Headcount(n * Headcount::SCALE)
    }

    /// A headcount in 1/10,000 persons.
    #[must_use]
    pub const fn from_units(units: i64) -> Headcount {
        Headcount(units)
    }

    /// The headcount in 1/10,000 persons.
    #[must_use]
    pub const fn units(self) -> i64 {
        self.0
    }

    /// Parses `30`, `30.5`, `9.9999`: digits with at most 4 decimals, not negative, at most
    /// [`MAX_HEADCOUNT`].
    pub fn parse(text: &str) -> Result<Headcount, String> {
        let invalid = || {
            format!(
                "headcount \"{text}\" is not accepted; a headcount is a number of persons, not negative, with at most \
                 4 decimals (30, 30.5)"
            )
        };
        let (integer, fraction) = text.split_once('.').unwrap_or((text, ""));
        if integer.is_empty()
            || integer.len() > 12
            || fraction.len() > 4
            || (text.contains('.') && fraction.is_empty())
            || !integer.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        let whole: i64 = integer.parse().map_err(|_| invalid())?;
        let padded = format!("{fraction:0<4}");
        let part: i64 = padded.parse().map_err(|_| invalid())?;
        if whole > MAX_HEADCOUNT {
            return Err(invalid());
        }
        Ok(Headcount(whole * Headcount::SCALE + part))
    }
}

impl fmt::Display for Headcount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::arith::decimal_string(i128::from(self.0), 4, 0))
    }
}

impl Serialize for Headcount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A float only to print a JSON number; the value itself is exact.
        if self.0 % Headcount::SCALE == 0 {
            serializer.serialize_i64(self.0 / Headcount::SCALE)
        } else {
            #[allow(clippy::cast_precision_loss)]
            let shown = self.0 as f64 / 10_000.0;
            serializer.serialize_f64(shown)
        }
    }
}

impl<'de> Deserialize<'de> for Headcount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeadcountVisitor;

        impl Visitor<'_> for HeadcountVisitor {
            type Value = Headcount;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a headcount: a number of persons, not negative, at most 4 decimals")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Headcount, E> {
                Headcount::parse(&v.to_string()).map_err(E::custom)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Headcount, E> {
                Headcount::parse(&v.to_string()).map_err(E::custom)
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Headcount, E> {
                // The shortest decimal that reads back as this float is the literal written in
                // the JSON (for any literal of up to 15 significant digits), so `30.5` stays
                // exactly 30.5 and `9.99` exactly 9.99.
                Headcount::parse(&format!("{v}")).map_err(E::custom)
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Headcount, E> {
                Headcount::parse(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(HeadcountVisitor)
    }
}

/// A headcount at the start and at the end of a month or quarter (§6.3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCount {
    pub start: Headcount,
    pub end: Headcount,
}

impl StaffCount {
    /// The same count at the start and the end.
    #[must_use]
    pub const fn flat(count: Headcount) -> StaffCount {
        StaffCount { start: count, end: count }
    }
}

// ---------------------------------------------------------------------------------------
// Enumerations of §6
// ---------------------------------------------------------------------------------------

/// How corporate income tax is assessed (§6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TaxAssessment {
    /// 查账征收: on actual profit.
    ActualProfit,
    /// 核定征收: on a deemed basis.
    Deemed,
}

/// Status of an IP item on the evaluation date (§6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IpStatus {
    InForce,
    Expired,
}

/// The eight fields of 《国家重点支持的高新技术领域》 (HNTE-03, §2.2), written in Chinese in
/// the input (`"电子信息"`); the snake_case English names are accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TechField {
    #[serde(rename = "电子信息", alias = "electronic_information")]
    ElectronicInformation,
    #[serde(rename = "生物与新医药", alias = "biology_and_new_medicine")]
    BiologyAndNewMedicine,
    #[serde(rename = "航空航天", alias = "aerospace")]
    Aerospace,
    #[serde(rename = "新材料", alias = "new_materials")]
    NewMaterials,
    #[serde(rename = "高技术服务", alias = "high_tech_services")]
    HighTechServices,
    #[serde(rename = "新能源与节能", alias = "new_energy_and_energy_saving")]
    NewEnergyAndEnergySaving,
    #[serde(rename = "资源与环境", alias = "resources_and_environment")]
    ResourcesAndEnvironment,
    #[serde(rename = "先进制造与自动化", alias = "advanced_manufacturing_and_automation")]
    AdvancedManufacturingAndAutomation,
}

impl TechField {
    /// The Chinese name, as written in the input.
    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            TechField::ElectronicInformation => "电子信息",
            TechField::BiologyAndNewMedicine => "生物与新医药",
            TechField::Aerospace => "航空航天",
            TechField::NewMaterials => "新材料",
            TechField::HighTechServices => "高技术服务",
            TechField::NewEnergyAndEnergySaving => "新能源与节能",
            TechField::ResourcesAndEnvironment => "资源与环境",
            TechField::AdvancedManufacturingAndAutomation => "先进制造与自动化",
        }
    }
}

/// How a result was converted (§2.7.2, `policy-input.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConversionForm {
    OwnImplementation,
    Transfer,
    Licensing,
    JointImplementation,
    CapitalContribution,
}

/// The kinds of incident of §6.7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IncidentKind {
    MajorSafety,
    MajorQuality,
    SeriousEnvironmental,
    ResearchMisconduct,
    SeriousFraud,
}

/// Level of a recognised R&D institution (SME-D3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InstitutionLevel {
    National,
    Provincial,
    Municipal,
}

/// Level of a standard (SME-D4, HNTE IP bonus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StandardLevel {
    International,
    National,
    Industry,
}

// ---------------------------------------------------------------------------------------
// Records of lists
// ---------------------------------------------------------------------------------------

/// One IP item with the fields of §6.5. Every field is optional; an item that lacks what a
/// rule needs is reported as missing data, never counted by guess.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IpRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_no: Option<String>,
    #[serde(serialize_with = "pascal_kind", skip_serializing_if = "Option::is_none")]
    pub kind: Option<IpKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted_in_china: Option<bool>,
    #[serde(with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub grant_date: Option<Date>,
    /// The last day of protection, inclusive.
    #[serde(with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_as_of: Option<IpStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_is_applicant: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub co_owners: Option<Vec<String>>,
    #[serde(serialize_with = "pascal_acquisition", skip_serializing_if = "Option::is_none")]
    pub acquisition: Option<Acquisition>,
    /// The year of an earlier HNTE application that used this item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_in_prior_hnte_application: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_by_co_owner_for_hnte: Option<bool>,
    /// Expert input: whether the item supports the main products or services.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_to_main_product: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_dispute: Option<bool>,
}

// `kind` and `acquisition` are written in the PascalCase of `policy-input.md`; both
// spellings are read.
#[allow(clippy::ref_option)]
fn pascal_kind<S: Serializer>(kind: &Option<IpKind>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind.map_or("", IpKind::as_pascal))
}

#[allow(clippy::ref_option)]
fn pascal_acquisition<S: Serializer>(acquisition: &Option<Acquisition>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(acquisition.map_or("", Acquisition::as_pascal))
}

impl IpRecord {
    /// The class of §2.6 ([`IpKind::ip_class`]), if the kind is known.
    #[must_use]
    pub fn ip_class(&self) -> Option<IpClass> {
        self.kind.map(IpKind::ip_class)
    }
}

/// One conversion of an S&T result (§2.7.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conversion {
    pub achievement_id: String,
    pub year: i32,
    pub form: ConversionForm,
}

/// Participation in drafting a standard (§6.6; HNTE IP bonus, §2.7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardParticipation {
    pub level: StandardLevel,
    #[serde(with = "iso_date")]
    pub date: Date,
}

/// The scores experts gave (§6.6). A key that is absent is not scored yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExpertScores {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advancement: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub core_support: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_count: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_acquisition: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standards: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversion: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mgmt_1: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mgmt_2: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mgmt_3: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mgmt_4: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub growth_net: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub growth_sales: Option<u8>,
}

impl ExpertScores {
    /// Every key with its value and the maximum of its item (§2.7.1-2.7.4).
    #[must_use]
    pub fn entries(&self) -> [(&'static str, Option<u8>, u8); 12] {
        [
            ("advancement", self.advancement, 8),
            ("core_support", self.core_support, 8),
            ("ip_count", self.ip_count, 8),
            ("ip_acquisition", self.ip_acquisition, 6),
            ("standards", self.standards, 2),
            ("conversion", self.conversion, 30),
            ("mgmt_1", self.mgmt_1, 6),
            ("mgmt_2", self.mgmt_2, 6),
            ("mgmt_3", self.mgmt_3, 4),
            ("mgmt_4", self.mgmt_4, 4),
            ("growth_net", self.growth_net, 10),
            ("growth_sales", self.growth_sales, 10),
        ]
    }
}

/// A change reported to the authorities (§6.6, HNTE-V6; accepted, not evaluated here).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeReported {
    pub kind: String,
    #[serde(with = "iso_date")]
    pub date: Date,
    #[serde(default, with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub reported_date: Option<Date>,
}

/// An incident (§6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    #[serde(with = "iso_date")]
    pub date: Date,
    pub kind: IncidentKind,
}

/// A span of days on a list, both ends inclusive; no end means still on it (§6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateRange {
    #[serde(with = "iso_date")]
    pub start: Date,
    #[serde(default, with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub end: Option<Date>,
}

impl DateRange {
    /// Whether the span shares a day with `first..=last`.
    #[must_use]
    pub fn overlaps(&self, first: Date, last: Date) -> bool {
        self.start <= last && self.end.is_none_or(|end| end >= first)
    }
}

/// An HNTE certificate (§6.7).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HnteCertificate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(with = "iso_date")]
    pub issue_date: Date,
    /// The last valid day; when absent, three years from the issue date (HNTE-V1).
    #[serde(default, with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<Date>,
    #[serde(default, with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub cancelled_date: Option<Date>,
}

/// A national S&T award (§6.7, SME-D2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NationalAward {
    #[serde(with = "iso_date")]
    pub date: Date,
    /// The firm's rank among the award-winning units, 1 = first.
    pub unit_rank: u32,
}

/// A recognised R&D institution (§6.7, SME-D3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdInstitution {
    pub level: InstitutionLevel,
    #[serde(default, with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub recognised_date: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
}

/// A standard the firm drafted (§6.7, SME-D4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardLed {
    pub level: StandardLevel,
    #[serde(with = "iso_date")]
    pub date: Date,
    /// Whether the firm led the drafting (not only took part).
    pub led: bool,
}

/// An S&T SME registration number (§6.7).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmeRegistration {
    pub year: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub revoked_date: Option<Date>,
}

/// An intangible asset formed by R&D (§6.4, capitalised super-deduction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdIntangible {
    pub cost: Money,
    #[serde(with = "iso_date")]
    pub formed_date: Date,
    pub amortisation_years: u32,
}

// ---------------------------------------------------------------------------------------
// The firm
// ---------------------------------------------------------------------------------------

/// Everything the rules know about one firm: the fields of `policy-rules.md` §6 as named in
/// `policy-input.md`, plus `tax_year` and `award_year`. See the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FirmInput {
    // --- §6.1 identity, status, tax profile ---
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uscc: Option<String>,
    #[serde(with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub registration_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_in_mainland: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resident_enterprise: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreign_law_with_effective_management_in_china: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_branch_without_legal_person: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_office_uscc: Option<String>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub tax_assessment_method: ByYear<TaxAssessment>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub accounting_sound: ByYear<bool>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub rd_costs_tracked_by_project: ByYear<bool>,
    /// GB/T 2260 code, e.g. `430000`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub main_industry_gb4754: ByYear<IndustryCode>,
    /// Revenue by GB/T 4754 code, per year.
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub revenue_by_industry: ByYear<BTreeMap<IndustryCode, Money>>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub in_restricted_or_eliminated_catalogue: ByYear<bool>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub on_ic_or_machine_tool_list: ByYear<bool>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub hunan_key_hightech_field: ByYear<bool>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub rd_reserve_fund_filed: ByYear<bool>,

    // --- §6.2 application context, and the years of policy-input.md ---
    #[serde(with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub hnte_application_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sme_evaluation_year: Option<i32>,
    #[serde(with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
    /// The year Y of the super-deduction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_year: Option<i32>,
    /// The year N of the Hunan reward.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub award_year: Option<i32>,

    // --- §6.3 staff ---
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub staff_monthly: ByYear<Vec<StaffCount>>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub tech_staff_monthly: ByYear<Vec<StaffCount>>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub operating_months: ByYear<u8>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub staff_quarterly: ByYear<Vec<StaffCount>>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub tech_staff_quarterly: ByYear<Vec<StaffCount>>,

    // --- §6.4 financial statements and tax figures ---
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub main_business_revenue: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub other_business_revenue: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub gross_income_cit: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub non_taxable_income: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub investment_income: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub hightech_revenue: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub main_products_revenue: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub total_assets_ye: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub total_liabilities_ye: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub cost_expense_total: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub rd_hnte: ByYear<RdHnte>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub rd_hnte_domestic: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub rd_sd: ByYear<RdSd>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub rd_commissioned_domestic_paid: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub rd_commissioned_abroad_paid: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub rd_commissioned_related_party: ByYear<bool>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub rd_nontaxable_grants_used: ByYear<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rd_intangibles: Option<Vec<RdIntangible>>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub sd_base_assessed: ByYear<Money>,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub sd_extra_deduction_claimed: ByYear<Money>,

    // --- §6.5 intellectual property ---
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_items: Option<Vec<IpRecord>>,

    // --- §6.6 HNTE qualitative inputs ---
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tech_field: Option<TechField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversions: Option<Vec<Conversion>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standards_participation: Option<Vec<StandardParticipation>>,
    #[serde(skip_serializing_if = "is_default_scores")]
    pub expert_scores: ExpertScores,
    #[serde(skip_serializing_if = "ByYear::is_empty")]
    pub annual_reports_filed: ByYear<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes_reported: Option<Vec<ChangeReported>>,

    // --- §6.7 compliance, certificates, awards ---
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<Vec<Incident>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abnormal_list_periods: Option<Vec<DateRange>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serious_dishonesty_list_periods: Option<Vec<DateRange>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hnte_certificates: Option<Vec<HnteCertificate>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub national_st_awards: Option<Vec<NationalAward>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rd_institutions: Option<Vec<RdInstitution>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standards_led: Option<Vec<StandardLed>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sme_registrations: Option<Vec<SmeRegistration>>,
}

fn is_default_scores(scores: &ExpertScores) -> bool {
    *scores == ExpertScores::default()
}

/// Why an input is not accepted: where (line and column when it came from JSON; the field
/// path always) and what is wrong. Code `rules.invalid_input`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// 1-based line of the JSON text, when known.
    pub line: Option<usize>,
    /// 1-based column (bytes) of the JSON text, when known.
    pub column: Option<usize>,
    /// The field path, e.g. `rd_hnte.2024.personnel` or `ip_items[2].kind`; empty for the
    /// document as a whole.
    pub path: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl InputError {
    /// The stable i18n key, `rules.invalid_input`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        "rules.invalid_input"
    }

    /// The named arguments of the `rules.invalid_input` template: `location` (`line 3, column
    /// 25, at rd_hnte.2024.personnel: `), its Chinese form `location_zh`, and `message`.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        let mut location = String::new();
        let mut location_zh = String::new();
        if let (Some(line), Some(column)) = (self.line, self.column) {
            location = format!("line {line}, column {column}, ");
            location_zh = format!("第 {line} 行第 {column} 列，");
        }
        if !self.path.is_empty() {
            location.push_str(&format!("at {}: ", self.path));
            location_zh.push_str(&format!("字段 {}：", self.path));
        }
        vec![("location", location), ("location_zh", location_zh), ("message", self.message.clone())]
    }

    fn at(path: String, message: String) -> InputError {
        InputError { line: None, column: None, path, message }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, "line {line}, column {column}, ")?;
        }
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "at {}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for InputError {}

impl FirmInput {
    /// Reads one firm from the JSON of `policy-input.md` and [checks](FirmInput::check) it.
    ///
    /// Fails on malformed JSON, unknown fields, values of the wrong form (an amount with three
    /// decimals, a year key that is not a year, a month list of 11 entries) and amounts beyond
    /// the accepted range; the error names the line, column and field path.
    pub fn from_json(text: &str) -> Result<FirmInput, InputError> {
        let input: FirmInput = serde_json::from_str(text).map_err(|error| json_error(text, &error))?;
        input.check()?;
        Ok(input)
    }

    /// Checks what serde cannot: amounts within ±10^15 yuan ([`MAX_AMOUNT_FEN`]), 12 monthly
    /// and 4 quarterly staff counts, operating months 1 to 12, expert scores within their
    /// item's maximum, amortisation of at least one year. The rules run it before evaluating.
    pub fn check(&self) -> Result<(), InputError> {
        let money_fields: [(&str, &ByYear<Money>); 16] = [
            ("main_business_revenue", &self.main_business_revenue),
            ("other_business_revenue", &self.other_business_revenue),
            ("gross_income_cit", &self.gross_income_cit),
            ("non_taxable_income", &self.non_taxable_income),
            ("investment_income", &self.investment_income),
            ("hightech_revenue", &self.hightech_revenue),
            ("main_products_revenue", &self.main_products_revenue),
            ("total_assets_ye", &self.total_assets_ye),
            ("total_liabilities_ye", &self.total_liabilities_ye),
            ("cost_expense_total", &self.cost_expense_total),
            ("rd_hnte_domestic", &self.rd_hnte_domestic),
            ("rd_commissioned_domestic_paid", &self.rd_commissioned_domestic_paid),
            ("rd_commissioned_abroad_paid", &self.rd_commissioned_abroad_paid),
            ("rd_nontaxable_grants_used", &self.rd_nontaxable_grants_used),
            ("sd_base_assessed", &self.sd_base_assessed),
            ("sd_extra_deduction_claimed", &self.sd_extra_deduction_claimed),
        ];
        for (name, by_year) in money_fields {
            for (year, amount) in by_year.iter() {
                check_amount(*amount, || format!("{name}.{year}"))?;
            }
        }
        for (year, rd) in self.rd_hnte.iter() {
            for (key, amount) in RD_HNTE_KEYS.iter().zip(rd.categories()) {
                if let Some(amount) = amount {
                    check_amount(amount, || format!("rd_hnte.{year}.{key}"))?;
                }
            }
        }
        for (year, rd) in self.rd_sd.iter() {
            for (key, amount) in RD_SD_KEYS.iter().zip(rd.categories()) {
                if let Some(amount) = amount {
                    check_amount(amount, || format!("rd_sd.{year}.{key}"))?;
                }
            }
        }
        for (year, revenues) in self.revenue_by_industry.iter() {
            for (code, amount) in revenues {
                check_amount(*amount, || format!("revenue_by_industry.{year}.{code}"))?;
            }
        }
        for (index, intangible) in self.rd_intangibles.iter().flatten().enumerate() {
            check_amount(intangible.cost, || format!("rd_intangibles[{index}].cost"))?;
            if intangible.amortisation_years == 0 {
                return Err(InputError::at(
                    format!("rd_intangibles[{index}].amortisation_years"),
                    "amortisation_years is 0; an intangible is amortised over at least one year".to_owned(),
                ));
            }
        }
        for (name, by_year, expected) in [
            ("staff_monthly", &self.staff_monthly, 12),
            ("tech_staff_monthly", &self.tech_staff_monthly, 12),
            ("staff_quarterly", &self.staff_quarterly, 4),
            ("tech_staff_quarterly", &self.tech_staff_quarterly, 4),
        ] {
            for (year, counts) in by_year.iter() {
                if counts.len() != expected {
                    return Err(InputError::at(
                        format!("{name}.{year}"),
                        format!(
                            "{} entries given; {name} takes exactly {expected} {{\"start\", \"end\"}} entries per year, \
                             the first period first",
                            counts.len()
                        ),
                    ));
                }
            }
        }
        for (year, months) in self.operating_months.iter() {
            if !(1..=12).contains(months) {
                return Err(InputError::at(
                    format!("operating_months.{year}"),
                    format!("{months} is not a number of months; accepted: 1 to 12"),
                ));
            }
        }
        for (key, score, max) in self.expert_scores.entries() {
            if let Some(score) = score {
                if score > max {
                    return Err(InputError::at(
                        format!("expert_scores.{key}"),
                        format!("score {score} is above the item's maximum {max}; accepted: 0 to {max}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The serde names of the eight HNTE R&D categories, in [`RdHnte::categories`] order.
pub const RD_HNTE_KEYS: [&str; 8] = [
    "personnel",
    "direct_inputs",
    "depreciation_and_lt_prepaid",
    "intangible_amort",
    "design",
    "equipment_testing",
    "commissioned_external_counted",
    "other",
];

/// The serde names of the six super-deduction categories, in [`RdSd::categories`] order.
pub const RD_SD_KEYS: [&str; 6] =
    ["personnel", "direct_inputs", "depreciation", "intangible_amort", "design_trials", "other_related"];

fn check_amount(amount: Money, path: impl FnOnce() -> String) -> Result<(), InputError> {
    if amount.fen().unsigned_abs() > MAX_AMOUNT_FEN.unsigned_abs() {
        return Err(InputError::at(
            path(),
            format!(
                "amount {amount} is beyond the range the rules accept, -1000000000000000.00 to 1000000000000000.00 \
                 yuan"
            ),
        ));
    }
    Ok(())
}

/// Turns a serde_json error into an [`InputError`] naming the line, column and the field path
/// at the error's position.
fn json_error(text: &str, error: &serde_json::Error) -> InputError {
    let (line, column) = (error.line(), error.column());
    let mut message = error.to_string();
    let suffix = format!(" at line {line} column {column}");
    if let Some(stripped) = message.strip_suffix(&suffix) {
        message = stripped.to_owned();
    }
    // The list of every accepted field is long; the schema is the better reference.
    if message.starts_with("unknown field") {
        if let Some((head, _)) = message.split_once(", expected") {
            message = format!("{head}; the accepted fields are listed in docs/policy-input.schema.json");
        }
    }
    if line == 0 {
        return InputError { line: None, column: None, path: String::new(), message };
    }
    let offset = byte_offset(text, line, column);
    InputError { line: Some(line), column: Some(column), path: json_path_at(text, offset), message }
}

/// The byte offset of the character before a 1-based line and byte column (serde_json
/// reports the position just after what it read), clamped to the text.
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.bytes().enumerate().filter(|(_, b)| *b == b'\n').nth(line - 2).map_or(text.len(), |(index, _)| index + 1)
    };
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// The path of the value being read at byte `offset`: object keys joined by `.`, array
/// indices in brackets (`ip_items[2].kind`). A small scanner, enough for the error position
/// serde_json reports in text it has already read.
fn json_path_at(text: &str, offset: usize) -> String {
    enum Frame {
        Object { key: Option<String>, expecting_key: bool },
        Array { index: usize },
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < offset.min(bytes.len()) {
        match bytes[i] {
            b'{' => stack.push(Frame::Object { key: None, expecting_key: true }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            b'"' => {
                let start = i + 1;
                let mut end = start;
                while end < bytes.len() && bytes[end] != b'"' {
                    end += if bytes[end] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object { key, expecting_key }) = stack.last_mut() {
                    if *expecting_key {
                        *key = Some(text.get(start..end.min(bytes.len())).unwrap_or("").to_owned());
                        *expecting_key = false;
                    }
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(key), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_example_of_policy_input_md() {
        let text = r#"{"tax_year": 2024, "resident_enterprise": true,
 "tax_assessment_method": {"2024": "ActualProfit"}, "accounting_sound": {"2024": true},
 "rd_costs_tracked_by_project": {"2024": true}, "main_industry_gb4754": {"2024": "C38"},
 "revenue_by_industry": {"2024": {"C38": "80000000.00"}},
 "gross_income_cit": {"2024": "81000000.00"}, "non_taxable_income": {"2024": "0.00"},
 "investment_income": {"2024": "0.00"}, "on_ic_or_machine_tool_list": {"2024": false},
 "sme_registrations": [],
 "rd_sd": {"2024": {"personnel": "3000000.00", "direct_inputs": "900000.00",
   "depreciation": "400000.00", "intangible_amort": "100000.00", "design_trials": "100000.00",
   "other_related": "300000.00"}},
 "rd_commissioned_domestic_paid": {"2024": "0.00"}, "rd_commissioned_abroad_paid": {"2024": "0.00"},
 "rd_commissioned_related_party": {"2024": false}, "rd_nontaxable_grants_used": {"2024": "0.00"}}"#;
        let input = FirmInput::from_json(text).unwrap();
        assert_eq!(input.tax_year, Some(2024));
        assert_eq!(input.rd_sd.get(2024).unwrap().total(), Some(Money::parse("4800000").unwrap()));
        assert_eq!(input.revenue_by_industry.get(2024).unwrap().keys().next().unwrap().to_string(), "C38");
        // And back: the same JSON value.
        let again: serde_json::Value = serde_json::to_value(&input).unwrap();
        let original: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(again, original);
    }

    #[test]
    fn errors_name_line_column_and_field() {
        let text = "{\n  \"rd_hnte\": {\"2024\": {\n    \"personnel\": \"1.234\"}}}";
        let error = FirmInput::from_json(text).unwrap_err();
        assert_eq!(error.path, "rd_hnte.2024.personnel");
        assert_eq!(error.line, Some(3));
        assert!(error.message.contains("1.234") && error.message.contains("at most 2 decimals"), "{error}");

        let error = FirmInput::from_json("{\"main_business_revenue\": {\"20x4\": \"1.00\"}}").unwrap_err();
        assert_eq!(error.path, "main_business_revenue.20x4");
        assert!(error.message.contains("is not a year"), "{error}");

        let error = FirmInput::from_json("{\"ip_items\": [{\"kind\": \"InventionPatent\"}, {\"kind\": \"Patent\"}]}")
            .unwrap_err();
        assert_eq!(error.path, "ip_items[1].kind");
        assert!(error.message.contains("\"Patent\""), "{error}");

        let error = FirmInput::from_json("{\"sales_revenue\": {}}").unwrap_err();
        assert_eq!(error.path, "sales_revenue");
        assert!(error.message.contains("unknown field `sales_revenue`"), "{error}");
        assert!(error.message.contains("policy-input.schema.json"), "{error}");

        let error = FirmInput::from_json("{\"registration_date\": \"2024-13-01\"}").unwrap_err();
        assert_eq!(error.path, "registration_date");

        let error = FirmInput::from_json("{\"staff_monthly\": {\"2024\": [{\"start\": 1, \"end\": -2}]}}").unwrap_err();
        assert_eq!(error.path, "staff_monthly.2024[0].end");

        let error = FirmInput::from_json("{\"staff_monthly\": {\"2024\": [{\"start\": 1, \"end\": 2}]}}").unwrap_err();
        assert_eq!((error.path.as_str(), error.line), ("staff_monthly.2024", None));
        assert!(error.message.contains("exactly 12"), "{error}");

        let error = FirmInput::from_json("{\"expert_scores\": {\"advancement\": 9}}").unwrap_err();
        assert_eq!(error.path, "expert_scores.advancement");

        let error = FirmInput::from_json("{\"tax_year\": 2024,}").unwrap_err();
        assert_eq!(error.line, Some(1));
    }

    #[test]
    fn headcounts_are_exact() {
        let count: StaffCount = serde_json::from_str(r#"{"start": 9.99, "end": "30.5"}"#).unwrap();
        assert_eq!(count.start, Headcount::from_units(99_900));
        assert_eq!(count.end, Headcount::from_units(305_000));
        assert!(serde_json::from_str::<Headcount>("1.00001").is_err());
        assert!(serde_json::from_str::<Headcount>("-1").is_err());
        assert!(serde_json::from_str::<Headcount>("\"1.\"").is_err());
        assert_eq!(serde_json::to_string(&Headcount::from_units(305_000)).unwrap(), "30.5");
        assert_eq!(serde_json::to_string(&Headcount::persons(12)).unwrap(), "12");
    }

    #[test]
    fn amounts_beyond_the_range_are_refused() {
        let error = FirmInput::from_json("{\"hightech_revenue\": {\"2024\": \"1000000000000000.01\"}}").unwrap_err();
        assert_eq!(error.path, "hightech_revenue.2024");
        assert!(FirmInput::from_json("{\"hightech_revenue\": {\"2024\": \"1000000000000000.00\"}}").is_ok());
    }

    #[test]
    fn tech_field_in_chinese_or_english() {
        let input = FirmInput::from_json("{\"tech_field\": \"电子信息\"}").unwrap();
        assert_eq!(input.tech_field, Some(TechField::ElectronicInformation));
        let input = FirmInput::from_json("{\"tech_field\": \"new_materials\"}").unwrap();
        assert_eq!(input.tech_field.map(TechField::name_zh), Some("新材料"));
        assert!(FirmInput::from_json("{\"tech_field\": \"软件\"}").is_err());
    }
}

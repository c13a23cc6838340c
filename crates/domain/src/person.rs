//! People: one identity across roles (expert, commissioner, talent, applicant, …).
//!
//! - [`IdNumber`]: a Chinese resident ID (居民身份证号码, GB 11643-1999: 17 digits and a check
//!   character) or a passport / foreign ID number, with [`IdNumber::masked`] for display.
//! - [`Gender`], read from a resident ID when not given ([`reconcile_identity`]).
//! - [`PersonRoleKind`] and [`PersonRole`]: a dated role (市级领军人才, 评审专家, 科技特派员, …)
//!   with its reference (document number, work-permit number) and the details of its kind.
//! - [`check_span`], [`check_email`], [`check_phone`], [`check_birth_year`]: the small rules.
//!
//! # Error codes
//!
//! Each [`PersonError`] has a stable i18n key ([`PersonError::code`]) and named arguments
//! ([`PersonError::args`]); where a message names a role kind, `args()` gives its code
//! (`{kind}`) and its names (`{kind_en}`, `{kind_zh}`). The English text is what `Display`
//! prints.
//!
//! | code | English |
//! |---|---|
//! | `id.length` | A resident ID number has 18 characters; {value} has {len}. |
//! | `id.character` | Character {pos} of ID number {value} is {ch}: positions 1-17 are digits, position 18 a digit or X. |
//! | `id.birth_date` | Characters 7-14 of ID number {value} ({date}) are not a valid date of birth. |
//! | `id.check` | The check character (position 18) of ID number {value} should be {expected}, not {actual}. |
//! | `id.foreign_format` | Passport or foreign ID number {value} is not accepted: use 5 to 20 letters and digits. |
//! | `person.unknown_gender` | Gender {value} is not recognised: use male (男) or female (女). |
//! | `person.unknown_role_kind` | Person category {value} is not recognised: use one of leading_talent, …, applicant (or the Chinese name). |
//! | `person.birth_year` | Year of birth {value} is out of range: use a year from 1900 to 2100. |
//! | `person.gender_mismatch` | The ID number gives gender {expected_en}, but {actual_en} was entered. |
//! | `person.birth_year_mismatch` | The ID number gives year of birth {expected}, but {actual} was entered. |
//! | `person.validity_reversed` | A {kind_en} record runs from {valid_from} to {valid_to}; the last day cannot be before the first. |
//! | `person.span_reversed` | The period {valid_from} to {valid_to} ends before it starts. |
//! | `person.reference_required` | A {kind_en} record needs its {reference_en}; it is missing. |
//! | `person.valid_to_required` | A {kind_en} record needs the last day of its permit. |
//! | `person.nationality_required` | A {kind_en} record needs the person's nationality. |
//! | `person.assignment_required` | A {kind_en} record needs the village or firm served. |
//! | `person.fields_required` | A {kind_en} record needs at least one field of expertise. |
//! | `person.detail_not_applicable` | A {kind_en} record has no {field_en}; leave it empty. |
//! | `person.empty_name` | The name is empty. |
//! | `person.bad_email` | E-mail address {value} is not valid: write it as name@example.cn. |
//! | `person.bad_phone` | Phone number {value} is not valid: use 5 to 20 digits, with +, - or spaces. |

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

// Dates travel as ISO `YYYY-MM-DD`.
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Weights of positions 1-17 of a resident ID (2^(18-i) mod 11).
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for a weighted sum mod 11.
const ID_CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Whether an ID number is a resident ID or a passport / foreign ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// 居民身份证
    Resident,
    /// 护照或外国人身份证件
    Foreign,
}

impl IdKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Resident => "resident",
            IdKind::Foreign => "foreign",
        }
    }

    pub fn parse(s: &str) -> Option<IdKind> {
        match s {
            "resident" => Some(IdKind::Resident),
            "foreign" => Some(IdKind::Foreign),
            _ => None,
        }
    }
}

/// Computes the check character of a resident ID from its first 17 characters; `None` unless
/// they are 17 digits.
pub fn resident_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17.bytes().zip(ID_WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(char::from(ID_CHECK_CHARS[(sum % 11) as usize]))
}

/// An identity document number: a resident ID with a valid date of birth and check character,
/// or a passport / foreign ID of 5-20 letters and digits. Stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdNumber {
    value: String,
    kind: IdKind,
}

impl IdNumber {
    /// Parses a number, trimmed and upper-cased. Digits only (the last may be `X`) is read as a
    /// resident ID and checked as one; anything else as a passport / foreign ID. Use
    /// [`IdNumber::parse_foreign`] for an all-digit passport number.
    pub fn parse(s: &str) -> Result<IdNumber, PersonError> {
        let v = s.trim().to_uppercase();
        let body = v.strip_suffix('X').unwrap_or(&v);
        if !v.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
            IdNumber::parse_resident(&v)
        } else {
            IdNumber::parse_foreign(&v)
        }
    }

    /// Parses a resident ID: 18 characters, 17 digits then a digit or `X`, a valid date of
    /// birth in characters 7-14, and the GB 11643 check character. Fails naming the position
    /// or the expected character.
    pub fn parse_resident(s: &str) -> Result<IdNumber, PersonError> {
        let v = s.trim().to_uppercase();
        let len = v.chars().count();
        if len != 18 {
            return Err(PersonError::IdLength { value: v, len });
        }
        for (i, ch) in v.chars().enumerate() {
            if !(ch.is_ascii_digit() || (i == 17 && ch == 'X')) {
                return Err(PersonError::IdCharacter { value: v.clone(), pos: i + 1, ch });
            }
        }
        if birth_date_of(&v).is_none() {
            return Err(PersonError::IdBirthDate { date: v[6..14].to_owned(), value: v });
        }
        let expected = resident_check_char(&v[..17]).unwrap_or('?');
        let actual = v.chars().nth(17).unwrap_or('?');
        if expected != actual {
            return Err(PersonError::IdCheck { value: v, expected, actual });
        }
        Ok(IdNumber { value: v, kind: IdKind::Resident })
    }

    /// Parses a passport or foreign ID: 5-20 ASCII letters and digits, upper-cased.
    pub fn parse_foreign(s: &str) -> Result<IdNumber, PersonError> {
        let v = s.trim().to_uppercase();
        if (5..=20).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(IdNumber { value: v, kind: IdKind::Foreign })
        } else {
            Err(PersonError::IdForeignFormat { value: v })
        }
    }

    /// Parses as the given kind.
    pub fn parse_as(s: &str, kind: IdKind) -> Result<IdNumber, PersonError> {
        match kind {
            IdKind::Resident => IdNumber::parse_resident(s),
            IdKind::Foreign => IdNumber::parse_foreign(s),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn kind(&self) -> IdKind {
        self.kind
    }

    pub fn is_foreign(&self) -> bool {
        self.kind == IdKind::Foreign
    }

    /// The number for people who may not see it: see [`mask_id_number`].
    pub fn masked(&self) -> String {
        mask_id_number(&self.value)
    }

    /// The date of birth a resident ID carries.
    pub fn birth_date(&self) -> Option<Date> {
        (self.kind == IdKind::Resident).then(|| birth_date_of(&self.value)).flatten()
    }

    /// The gender a resident ID carries (character 17: odd for men, even for women).
    pub fn gender(&self) -> Option<Gender> {
        if self.kind != IdKind::Resident {
            return None;
        }
        let d = self.value.as_bytes().get(16).map(|b| b - b'0')?;
        Some(if d % 2 == 1 { Gender::Male } else { Gender::Female })
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

/// Masks a stored number, keeping its length: a number of 10 characters or more shows its
/// first 3 and last 2 (`430*************2X`); one of 5-9 its first and last only (`E*****7`);
/// a shorter one nothing. At least three characters are always hidden.
pub fn mask_id_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let (head, tail) = match chars.len() {
        10.. => (3, 2),
        5..=9 => (1, 1),
        _ => (0, 0),
    };
    chars.iter().enumerate().map(|(i, c)| if i < head || i >= chars.len() - tail { *c } else { '*' }).collect()
}

/// Whether a value is a masked number (as shown to people who may not see it).
pub fn is_masked(s: &str) -> bool {
    s.contains('*')
}

fn birth_date_of(v: &str) -> Option<Date> {
    let year: i32 = v.get(6..10)?.parse().ok()?;
    let month: u8 = v.get(10..12)?.parse().ok()?;
    let day: u8 = v.get(12..14)?.parse().ok()?;
    if year < 1900 {
        return None;
    }
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// Gender, optional on a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub const ALL: [Gender; 2] = [Gender::Male, Gender::Female];

    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }

    /// Parses `male`/`female`, `男`/`女` or `M`/`F` (import files use any of them).
    pub fn parse(s: &str) -> Result<Gender, PersonError> {
        match s.trim() {
            "male" | "男" | "M" | "m" => Ok(Gender::Male),
            "female" | "女" | "F" | "f" => Ok(Gender::Female),
            other => Err(PersonError::UnknownGender { value: other.to_owned() }),
        }
    }
}

/// Checks a year of birth (1900-2100).
pub fn check_birth_year(year: i32) -> Result<i32, PersonError> {
    if (1900..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(PersonError::BirthYear { value: year.to_string() })
    }
}

/// Gender and year of birth, filled from a resident ID where not given. A given value that
/// contradicts the ID is refused (the ID is the better source).
pub fn reconcile_identity(
    id: Option<&IdNumber>,
    gender: Option<Gender>,
    birth_year: Option<i32>,
) -> Result<(Option<Gender>, Option<i32>), PersonError> {
    let from_id_gender = id.and_then(IdNumber::gender);
    let from_id_year = id.and_then(IdNumber::birth_date).map(Date::year);
    if let (Some(expected), Some(actual)) = (from_id_gender, gender) {
        if expected != actual {
            return Err(PersonError::GenderMismatch { expected, actual });
        }
    }
    if let (Some(expected), Some(actual)) = (from_id_year, birth_year) {
        if expected != actual {
            return Err(PersonError::BirthYearMismatch { expected, actual });
        }
    }
    Ok((gender.or(from_id_gender), birth_year.or(from_id_year)))
}

/// Checks that a span does not end before it starts.
pub fn check_span(valid_from: Date, valid_to: Option<Date>) -> Result<(), PersonError> {
    match valid_to {
        Some(to) if to < valid_from => Err(PersonError::SpanReversed { valid_from, valid_to: to }),
        _ => Ok(()),
    }
}

/// Checks an e-mail address (one `@`, text on both sides, a dot in the domain, no spaces);
/// returns it trimmed.
pub fn check_email(s: &str) -> Result<String, PersonError> {
    let v = s.trim();
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(v.to_owned())
    } else {
        Err(PersonError::BadEmail { value: v.to_owned() })
    }
}

/// Checks a phone number (5-20 digits, with `+`, `-`, spaces or brackets); returns it trimmed.
pub fn check_phone(s: &str) -> Result<String, PersonError> {
    let v = s.trim();
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let ok = (5..=20).contains(&digits) && v.chars().all(|c| c.is_ascii_digit() || "+- ()".contains(c));
    if ok {
        Ok(v.to_owned())
    } else {
        Err(PersonError::BadPhone { value: v.to_owned() })
    }
}

/// The role a person holds, in the words of `GLOSSARY.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonRoleKind {
    /// 市级领军人才
    LeadingTalent,
    /// 双聘精英人才
    DualAppointedTalent,
    /// 中国动力谷产业领军专家
    IndustryLeadingExpert,
    /// 评审专家 (the expert pool)
    Expert,
    /// 科技特派员
    Commissioner,
    /// 科技专家服务团成员
    ExpertServiceTeam,
    /// 外国专家 (with a foreign work permit)
    ForeignExpert,
    /// 平台负责人
    PlatformDirector,
    /// 项目申报人
    Applicant,
}

/// The detail fields a role record may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleDetail {
    /// Fields of expertise (experts).
    Fields,
    /// The village or firm served (commissioners).
    Assignment,
    /// Nationality (foreign experts).
    Nationality,
}

impl RoleDetail {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleDetail::Fields => "fields",
            RoleDetail::Assignment => "assignment",
            RoleDetail::Nationality => "nationality",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            RoleDetail::Fields => "专业领域",
            RoleDetail::Assignment => "服务对象",
            RoleDetail::Nationality => "国籍",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            RoleDetail::Fields => "fields of expertise",
            RoleDetail::Assignment => "village or firm served",
            RoleDetail::Nationality => "nationality",
        }
    }
}

impl PersonRoleKind {
    pub const ALL: [PersonRoleKind; 9] = [
        PersonRoleKind::LeadingTalent,
        PersonRoleKind::DualAppointedTalent,
        PersonRoleKind::IndustryLeadingExpert,
        PersonRoleKind::Expert,
        PersonRoleKind::Commissioner,
        PersonRoleKind::ExpertServiceTeam,
        PersonRoleKind::ForeignExpert,
        PersonRoleKind::PlatformDirector,
        PersonRoleKind::Applicant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PersonRoleKind::LeadingTalent => "leading_talent",
            PersonRoleKind::DualAppointedTalent => "dual_appointed_talent",
            PersonRoleKind::IndustryLeadingExpert => "industry_leading_expert",
            PersonRoleKind::Expert => "expert",
            PersonRoleKind::Commissioner => "commissioner",
            PersonRoleKind::ExpertServiceTeam => "expert_service_team",
            PersonRoleKind::ForeignExpert => "foreign_expert",
            PersonRoleKind::PlatformDirector => "platform_director",
            PersonRoleKind::Applicant => "applicant",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            PersonRoleKind::LeadingTalent => "市级领军人才",
            PersonRoleKind::DualAppointedTalent => "双聘精英人才",
            PersonRoleKind::IndustryLeadingExpert => "中国动力谷产业领军专家",
            PersonRoleKind::Expert => "评审专家",
            PersonRoleKind::Commissioner => "科技特派员",
            PersonRoleKind::ExpertServiceTeam => "科技专家服务团成员",
            PersonRoleKind::ForeignExpert => "外国专家",
            PersonRoleKind::PlatformDirector => "平台负责人",
            PersonRoleKind::Applicant => "项目申报人",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            PersonRoleKind::LeadingTalent => "municipal leading talent",
            PersonRoleKind::DualAppointedTalent => "dual-appointed elite talent",
            PersonRoleKind::IndustryLeadingExpert => "China Power Valley industry-leading expert",
            PersonRoleKind::Expert => "review expert",
            PersonRoleKind::Commissioner => "S&T commissioner",
            PersonRoleKind::ExpertServiceTeam => "S&T expert service team member",
            PersonRoleKind::ForeignExpert => "foreign expert",
            PersonRoleKind::PlatformDirector => "platform director",
            PersonRoleKind::Applicant => "project applicant",
        }
    }

    /// Parses the code (`expert`) or the Chinese name (`评审专家`), as import files use either.
    pub fn parse(s: &str) -> Result<PersonRoleKind, PersonError> {
        let s = s.trim();
        PersonRoleKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.name_zh() == s)
            .ok_or_else(|| PersonError::UnknownRoleKind { value: s.to_owned() })
    }

    /// The detail this kind requires, if any (and the only detail it may carry).
    pub fn detail(self) -> Option<RoleDetail> {
        match self {
            PersonRoleKind::Expert => Some(RoleDetail::Fields),
            PersonRoleKind::Commissioner => Some(RoleDetail::Assignment),
            PersonRoleKind::ForeignExpert => Some(RoleDetail::Nationality),
            _ => None,
        }
    }

    /// What the reference of this kind is called (English, Chinese).
    pub fn reference_names(self) -> (&'static str, &'static str) {
        match self {
            PersonRoleKind::ForeignExpert => ("work permit number", "外国人来华工作许可证号"),
            _ => ("document number", "文号"),
        }
    }
}

impl fmt::Display for PersonRoleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The detail values of a role as entered (each trimmed; empty counts as absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleDetails<'a> {
    pub reference: Option<&'a str>,
    /// Fields of expertise, separated by commas (`,`, `，`, `、`) or semicolons.
    pub fields: Option<&'a str>,
    pub assignment: Option<&'a str>,
    pub nationality: Option<&'a str>,
}

/// A role held from `valid_from` to `valid_to` (inclusive; open-ended when `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRole {
    kind: PersonRoleKind,
    #[serde(with = "iso_date")]
    valid_from: Date,
    #[serde(with = "iso_date::option")]
    valid_to: Option<Date>,
    reference: Option<String>,
    fields: Vec<String>,
    assignment: Option<String>,
    nationality: Option<String>,
}

fn present(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// Splits a list of fields of expertise on `,` `，` `、` `;` `；`, trimmed, empty and repeated
/// items dropped, order kept.
pub fn split_fields(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in s.split([',', '，', '、', ';', '；']).map(str::trim).filter(|f| !f.is_empty()) {
        if !out.iter().any(|o| o == f) {
            out.push(f.to_owned());
        }
    }
    out
}

impl PersonRole {
    /// Checks and builds a role record. Rules, in order (the first broken one is reported):
    /// 1. `valid_to` is not before `valid_from`;
    /// 2. a detail that does not belong to the kind is refused (fields only for experts,
    ///    assignment only for commissioners, nationality only for foreign experts);
    /// 3. experts need at least one field, commissioners an assignment;
    /// 4. foreign experts need the work permit number (`reference`), the permit's last day
    ///    (`valid_to`) and a nationality.
    pub fn new(
        kind: PersonRoleKind,
        valid_from: Date,
        valid_to: Option<Date>,
        details: &RoleDetails<'_>,
    ) -> Result<PersonRole, PersonError> {
        if let Some(to) = valid_to.filter(|to| *to < valid_from) {
            return Err(PersonError::ValidityReversed { kind, valid_from, valid_to: to });
        }
        let reference = present(details.reference);
        let fields = details.fields.map(split_fields).unwrap_or_default();
        let assignment = present(details.assignment);
        let nationality = present(details.nationality);
        for (detail, given) in [
            (RoleDetail::Fields, !fields.is_empty()),
            (RoleDetail::Assignment, assignment.is_some()),
            (RoleDetail::Nationality, nationality.is_some()),
        ] {
            if given && kind.detail() != Some(detail) {
                return Err(PersonError::DetailNotApplicable { kind, detail });
            }
        }
        match kind {
            PersonRoleKind::Expert if fields.is_empty() => return Err(PersonError::FieldsRequired { kind }),
            PersonRoleKind::Commissioner if assignment.is_none() => {
                return Err(PersonError::AssignmentRequired { kind })
            }
            PersonRoleKind::ForeignExpert if reference.is_none() => {
                return Err(PersonError::ReferenceRequired { kind })
            }
            PersonRoleKind::ForeignExpert if valid_to.is_none() => return Err(PersonError::ValidToRequired { kind }),
            PersonRoleKind::ForeignExpert if nationality.is_none() => {
                return Err(PersonError::NationalityRequired { kind })
            }
            _ => {}
        }
        Ok(PersonRole { kind, valid_from, valid_to, reference, fields, assignment, nationality })
    }

    pub fn kind(&self) -> PersonRoleKind {
        self.kind
    }

    pub fn valid_from(&self) -> Date {
        self.valid_from
    }

    pub fn valid_to(&self) -> Option<Date> {
        self.valid_to
    }

    pub fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The fields joined with `,` as stored (`None` when there are none).
    pub fn fields_text(&self) -> Option<String> {
        (!self.fields.is_empty()).then(|| self.fields.join(","))
    }

    pub fn assignment(&self) -> Option<&str> {
        self.assignment.as_deref()
    }

    pub fn nationality(&self) -> Option<&str> {
        self.nationality.as_deref()
    }

    /// Whether the role is held on `date`.
    pub fn is_valid_on(&self, date: Date) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| to >= date)
    }
}

/// Why a person value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonError {
    IdLength { value: String, len: usize },
    IdCharacter { value: String, pos: usize, ch: char },
    IdBirthDate { value: String, date: String },
    IdCheck { value: String, expected: char, actual: char },
    IdForeignFormat { value: String },
    UnknownGender { value: String },
    UnknownRoleKind { value: String },
    BirthYear { value: String },
    GenderMismatch { expected: Gender, actual: Gender },
    BirthYearMismatch { expected: i32, actual: i32 },
    ValidityReversed { kind: PersonRoleKind, valid_from: Date, valid_to: Date },
    SpanReversed { valid_from: Date, valid_to: Date },
    ReferenceRequired { kind: PersonRoleKind },
    ValidToRequired { kind: PersonRoleKind },
    NationalityRequired { kind: PersonRoleKind },
    AssignmentRequired { kind: PersonRoleKind },
    FieldsRequired { kind: PersonRoleKind },
    DetailNotApplicable { kind: PersonRoleKind, detail: RoleDetail },
    EmptyName,
    BadEmail { value: String },
    BadPhone { value: String },
}

impl PersonError {
    /// The stable i18n key.
    pub fn code(&self) -> &'static str {
        match self {
            PersonError::IdLength { .. } => "id.length",
            PersonError::IdCharacter { .. } => "id.character",
            PersonError::IdBirthDate { .. } => "id.birth_date",
            PersonError::IdCheck { .. } => "id.check",
            PersonError::IdForeignFormat { .. } => "id.foreign_format",
            PersonError::UnknownGender { .. } => "person.unknown_gender",
            PersonError::UnknownRoleKind { .. } => "person.unknown_role_kind",
            PersonError::BirthYear { .. } => "person.birth_year",
            PersonError::GenderMismatch { .. } => "person.gender_mismatch",
            PersonError::BirthYearMismatch { .. } => "person.birth_year_mismatch",
            PersonError::ValidityReversed { .. } => "person.validity_reversed",
            PersonError::SpanReversed { .. } => "person.span_reversed",
            PersonError::ReferenceRequired { .. } => "person.reference_required",
            PersonError::ValidToRequired { .. } => "person.valid_to_required",
            PersonError::NationalityRequired { .. } => "person.nationality_required",
            PersonError::AssignmentRequired { .. } => "person.assignment_required",
            PersonError::FieldsRequired { .. } => "person.fields_required",
            PersonError::DetailNotApplicable { .. } => "person.detail_not_applicable",
            PersonError::EmptyName => "person.empty_name",
            PersonError::BadEmail { .. } => "person.bad_email",
            PersonError::BadPhone { .. } => "person.bad_phone",
        }
    }

    /// The named arguments of the message.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        let kind_args = |k: &PersonRoleKind| {
            vec![
                ("kind", k.as_str().to_owned()),
                ("kind_en", k.name_en().to_owned()),
                ("kind_zh", k.name_zh().to_owned()),
            ]
        };
        match self {
            PersonError::IdLength { value, len } => vec![("value", value.clone()), ("len", len.to_string())],
            PersonError::IdCharacter { value, pos, ch } => {
                vec![("value", value.clone()), ("pos", pos.to_string()), ("ch", ch.to_string())]
            }
            PersonError::IdBirthDate { value, date } => vec![("value", value.clone()), ("date", date.clone())],
            PersonError::IdCheck { value, expected, actual } => {
                vec![("value", value.clone()), ("expected", expected.to_string()), ("actual", actual.to_string())]
            }
            PersonError::IdForeignFormat { value }
            | PersonError::UnknownGender { value }
            | PersonError::UnknownRoleKind { value }
            | PersonError::BirthYear { value }
            | PersonError::BadEmail { value }
            | PersonError::BadPhone { value } => vec![("value", value.clone())],
            PersonError::GenderMismatch { expected, actual } => vec![
                ("expected_en", expected.as_str().to_owned()),
                ("expected_zh", expected.name_zh().to_owned()),
                ("actual_en", actual.as_str().to_owned()),
                ("actual_zh", actual.name_zh().to_owned()),
            ],
            PersonError::BirthYearMismatch { expected, actual } => {
                vec![("expected", expected.to_string()), ("actual", actual.to_string())]
            }
            PersonError::ValidityReversed { kind, valid_from, valid_to } => {
                let mut a = kind_args(kind);
                a.extend([("valid_from", valid_from.to_string()), ("valid_to", valid_to.to_string())]);
                a
            }
            PersonError::SpanReversed { valid_from, valid_to } => {
                vec![("valid_from", valid_from.to_string()), ("valid_to", valid_to.to_string())]
            }
            PersonError::ReferenceRequired { kind } => {
                let (en, zh) = kind.reference_names();
                let mut a = kind_args(kind);
                a.extend([("reference_en", en.to_owned()), ("reference_zh", zh.to_owned())]);
                a
            }
            PersonError::ValidToRequired { kind }
            | PersonError::NationalityRequired { kind }
            | PersonError::AssignmentRequired { kind }
            | PersonError::FieldsRequired { kind } => kind_args(kind),
            PersonError::DetailNotApplicable { kind, detail } => {
                let mut a = kind_args(kind);
                a.extend([
                    ("field", detail.as_str().to_owned()),
                    ("field_en", detail.name_en().to_owned()),
                    ("field_zh", detail.name_zh().to_owned()),
                ]);
                a
            }
            PersonError::EmptyName => vec![],
        }
    }

    /// The input field an error concerns (for forms and API errors).
    pub fn field(&self) -> &'static str {
        match self {
            PersonError::IdLength { .. }
            | PersonError::IdCharacter { .. }
            | PersonError::IdBirthDate { .. }
            | PersonError::IdCheck { .. }
            | PersonError::IdForeignFormat { .. } => "id_number",
            PersonError::UnknownGender { .. } | PersonError::GenderMismatch { .. } => "gender",
            PersonError::BirthYear { .. } | PersonError::BirthYearMismatch { .. } => "birth_year",
            PersonError::UnknownRoleKind { .. } => "kind",
            PersonError::ValidityReversed { .. }
            | PersonError::SpanReversed { .. }
            | PersonError::ValidToRequired { .. } => "valid_to",
            PersonError::ReferenceRequired { .. } => "reference",
            PersonError::NationalityRequired { .. } => "nationality",
            PersonError::AssignmentRequired { .. } => "assignment",
            PersonError::FieldsRequired { .. } => "fields",
            PersonError::DetailNotApplicable { detail, .. } => detail.as_str(),
            PersonError::EmptyName => "name",
            PersonError::BadEmail { .. } => "email",
            PersonError::BadPhone { .. } => "phone",
        }
    }
}

impl fmt::Display for PersonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PersonError::IdLength { value, len } => {
                write!(f, "A resident ID number has 18 characters; {value} has {len}.")
            }
            PersonError::IdCharacter { value, pos, ch } => write!(
                f,
                "Character {pos} of ID number {value} is {ch}: positions 1-17 are digits, position 18 a digit or X."
            ),
            PersonError::IdBirthDate { value, date } => {
                write!(f, "Characters 7-14 of ID number {value} ({date}) are not a valid date of birth.")
            }
            PersonError::IdCheck { value, expected, actual } => {
                write!(f, "The check character (position 18) of ID number {value} should be {expected}, not {actual}.")
            }
            PersonError::IdForeignFormat { value } => {
                write!(f, "Passport or foreign ID number {value} is not accepted: use 5 to 20 letters and digits.")
            }
            PersonError::UnknownGender { value } => {
                write!(f, "Gender {value} is not recognised: use male (男) or female (女).")
            }
            PersonError::UnknownRoleKind { value } => write!(
                f,
                "Person category {value} is not recognised: use one of leading_talent, dual_appointed_talent, \
                 industry_leading_expert, expert, commissioner, expert_service_team, foreign_expert, \
                 platform_director, applicant (or the Chinese name)."
            ),
            PersonError::BirthYear { value } => {
                write!(f, "Year of birth {value} is out of range: use a year from 1900 to 2100.")
            }
            PersonError::GenderMismatch { expected, actual } => {
                write!(f, "The ID number gives gender {}, but {} was entered.", expected.as_str(), actual.as_str())
            }
            PersonError::BirthYearMismatch { expected, actual } => {
                write!(f, "The ID number gives year of birth {expected}, but {actual} was entered.")
            }
            PersonError::ValidityReversed { kind, valid_from, valid_to } => write!(
                f,
                "A {} record runs from {valid_from} to {valid_to}; the last day cannot be before the first.",
                kind.name_en()
            ),
            PersonError::SpanReversed { valid_from, valid_to } => {
                write!(f, "The period {valid_from} to {valid_to} ends before it starts.")
            }
            PersonError::ReferenceRequired { kind } => {
                write!(f, "A {} record needs its {}; it is missing.", kind.name_en(), kind.reference_names().0)
            }
            PersonError::ValidToRequired { kind } => {
                write!(f, "A {} record needs the last day of its permit.", kind.name_en())
            }
            PersonError::NationalityRequired { kind } => {
                write!(f, "A {} record needs the person's nationality.", kind.name_en())
            }
            PersonError::AssignmentRequired { kind } => {
                write!(f, "A {} record needs the village or firm served.", kind.name_en())
            }
            PersonError::FieldsRequired { kind } => {
                write!(f, "A {} record needs at least one field of expertise.", kind.name_en())
            }
            PersonError::DetailNotApplicable { kind, detail } => {
                write!(f, "A {} record has no {}; leave it empty.", kind.name_en(), detail.name_en())
            }
            PersonError::EmptyName => f.write_str("The name is empty."),
            PersonError::BadEmail { value } => {
                write!(f, "E-mail address {value} is not valid: write it as name@example.cn.")
            }
            PersonError::BadPhone { value } => {
                write!(f, "Phone number {value} is not valid: use 5 to 20 digits, with +, - or spaces.")
            }
        }
    }
}

impl std::error::Error for PersonError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    /// The sample number of GB 11643-1999.
    const SAMPLE: &str = "11010519491231002X";

    #[test]
    fn accepts_the_standard_sample_number() {
        let id = IdNumber::parse(SAMPLE).unwrap();
        assert_eq!(id.kind(), IdKind::Resident);
        assert_eq!(id.birth_date(), Some(date!(1949 - 12 - 31)));
        assert_eq!(id.gender(), Some(Gender::Female));
    }

    #[test]
    fn accepts_a_lower_case_x_and_stores_it_upper_case() {
        assert_eq!(IdNumber::parse("11010519491231002x").unwrap().as_str(), SAMPLE);
    }

    #[test]
    fn rejects_a_wrong_check_character_naming_the_expected_one() {
        let e = IdNumber::parse("110105194912310021").unwrap_err();
        assert_eq!(e, PersonError::IdCheck { value: "110105194912310021".into(), expected: 'X', actual: '1' });
        assert_eq!(e.code(), "id.check");
    }

    #[test]
    fn rejects_a_resident_number_of_the_wrong_length() {
        assert!(matches!(IdNumber::parse("11010519491231"), Err(PersonError::IdLength { len: 14, .. })));
    }

    #[test]
    fn rejects_an_x_before_the_last_position_naming_it() {
        let e = IdNumber::parse_resident("1101051949123100X2").unwrap_err();
        assert!(matches!(e, PersonError::IdCharacter { pos: 17, ch: 'X', .. }), "{e:?}");
    }

    #[test]
    fn rejects_an_impossible_date_of_birth() {
        let body = "11010519490231002";
        let id = format!("{body}{}", resident_check_char(body).unwrap());
        assert!(matches!(IdNumber::parse(&id), Err(PersonError::IdBirthDate { .. })));
    }

    #[test]
    fn letters_make_a_foreign_number() {
        let id = IdNumber::parse("e12345678").unwrap();
        assert_eq!(id.kind(), IdKind::Foreign);
        assert!(id.is_foreign());
        assert_eq!(id.as_str(), "E12345678");
        assert_eq!(id.gender(), None);
    }

    #[test]
    fn an_all_digit_passport_needs_the_foreign_kind() {
        assert!(IdNumber::parse("123456789").is_err());
        assert!(IdNumber::parse_as("123456789", IdKind::Foreign).unwrap().is_foreign());
    }

    #[test]
    fn foreign_numbers_are_5_to_20_letters_and_digits() {
        assert!(IdNumber::parse_foreign("AB12").is_err());
        assert!(IdNumber::parse_foreign("AB123456789012345678X").is_err());
        assert!(matches!(IdNumber::parse("AB-12345"), Err(PersonError::IdForeignFormat { .. })));
    }

    #[test]
    fn masking_keeps_length_and_shows_three_then_two() {
        let id = IdNumber::parse(SAMPLE).unwrap();
        assert_eq!(id.masked(), "110*************2X");
        assert_eq!(id.masked().len(), 18);
        assert!(is_masked(&id.masked()));
    }

    #[test]
    fn masking_a_short_number_hides_at_least_three_characters() {
        assert_eq!(mask_id_number("E1234567"), "E******7");
        assert_eq!(mask_id_number("E1234"), "E***4");
        assert_eq!(mask_id_number("AB12"), "****");
    }

    #[test]
    fn gender_parses_codes_and_chinese() {
        assert_eq!(Gender::parse("男").unwrap(), Gender::Male);
        assert_eq!(Gender::parse("female").unwrap(), Gender::Female);
        assert_eq!(Gender::parse("x").unwrap_err().code(), "person.unknown_gender");
    }

    #[test]
    fn identity_is_filled_from_a_resident_id() {
        let id = IdNumber::parse(SAMPLE).unwrap();
        assert_eq!(reconcile_identity(Some(&id), None, None).unwrap(), (Some(Gender::Female), Some(1949)));
    }

    #[test]
    fn identity_contradicting_the_id_is_refused() {
        let id = IdNumber::parse(SAMPLE).unwrap();
        assert_eq!(
            reconcile_identity(Some(&id), Some(Gender::Male), None).unwrap_err().code(),
            "person.gender_mismatch"
        );
        assert_eq!(reconcile_identity(Some(&id), None, Some(1950)).unwrap_err().code(), "person.birth_year_mismatch");
    }

    #[test]
    fn birth_year_must_be_plausible() {
        assert!(check_birth_year(1899).is_err());
        assert_eq!(check_birth_year(1975).unwrap(), 1975);
    }

    #[test]
    fn role_kinds_parse_code_or_chinese_name() {
        for k in PersonRoleKind::ALL {
            assert_eq!(PersonRoleKind::parse(k.as_str()).unwrap(), k);
            assert_eq!(PersonRoleKind::parse(k.name_zh()).unwrap(), k);
        }
        assert_eq!(PersonRoleKind::parse("院士").unwrap_err().code(), "person.unknown_role_kind");
    }

    fn details<'a>(reference: &'a str, fields: &'a str, assignment: &'a str, nationality: &'a str) -> RoleDetails<'a> {
        RoleDetails {
            reference: Some(reference),
            fields: Some(fields),
            assignment: Some(assignment),
            nationality: Some(nationality),
        }
    }

    #[test]
    fn role_valid_to_may_not_precede_valid_from() {
        let e = PersonRole::new(
            PersonRoleKind::Applicant,
            date!(2021 - 05 - 01),
            Some(date!(2021 - 04 - 30)),
            &RoleDetails::default(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "person.validity_reversed");
        assert!(PersonRole::new(
            PersonRoleKind::Applicant,
            date!(2021 - 05 - 01),
            Some(date!(2021 - 05 - 01)),
            &RoleDetails::default()
        )
        .is_ok());
    }

    #[test]
    fn foreign_expert_requires_permit_number() {
        let e = PersonRole::new(
            PersonRoleKind::ForeignExpert,
            date!(2021 - 01 - 01),
            Some(date!(2022 - 12 - 31)),
            &details("", "", "", "德国"),
        )
        .unwrap_err();
        assert_eq!(e.code(), "person.reference_required");
        assert_eq!(e.field(), "reference");
    }

    #[test]
    fn foreign_expert_requires_permit_expiry_and_nationality() {
        let no_end =
            PersonRole::new(PersonRoleKind::ForeignExpert, date!(2021 - 01 - 01), None, &details("P1", "", "", "德国"));
        assert_eq!(no_end.unwrap_err().code(), "person.valid_to_required");
        let no_nat = PersonRole::new(
            PersonRoleKind::ForeignExpert,
            date!(2021 - 01 - 01),
            Some(date!(2022 - 12 - 31)),
            &details("P1", "", "", " "),
        );
        assert_eq!(no_nat.unwrap_err().code(), "person.nationality_required");
    }

    #[test]
    fn expert_requires_fields_and_splits_them() {
        let e =
            PersonRole::new(PersonRoleKind::Expert, date!(2021 - 01 - 01), None, &RoleDetails::default()).unwrap_err();
        assert_eq!(e.code(), "person.fields_required");
        let r = PersonRole::new(
            PersonRoleKind::Expert,
            date!(2021 - 01 - 01),
            None,
            &details("", "轨道交通，新材料、轨道交通", "", ""),
        )
        .unwrap();
        assert_eq!(r.fields(), ["轨道交通", "新材料"]);
        assert_eq!(r.fields_text().as_deref(), Some("轨道交通,新材料"));
    }

    #[test]
    fn commissioner_requires_assignment() {
        let e = PersonRole::new(PersonRoleKind::Commissioner, date!(2021 - 01 - 01), None, &RoleDetails::default())
            .unwrap_err();
        assert_eq!(e.code(), "person.assignment_required");
    }

    #[test]
    fn details_of_another_kind_are_refused() {
        let e = PersonRole::new(PersonRoleKind::Applicant, date!(2021 - 01 - 01), None, &details("", "", "某村", ""))
            .unwrap_err();
        assert_eq!(
            e,
            PersonError::DetailNotApplicable { kind: PersonRoleKind::Applicant, detail: RoleDetail::Assignment }
        );
        assert_eq!(e.field(), "assignment");
    }

    #[test]
    fn a_role_is_valid_between_its_days_inclusive() {
        let r = PersonRole::new(
            PersonRoleKind::Applicant,
            date!(2021 - 01 - 01),
            Some(date!(2021 - 12 - 31)),
            &RoleDetails::default(),
        )
        .unwrap();
        assert!(r.is_valid_on(date!(2021 - 12 - 31)));
        assert!(!r.is_valid_on(date!(2022 - 01 - 01)));
        assert!(!r.is_valid_on(date!(2020 - 12 - 31)));
    }

    #[test]
    fn spans_email_and_phone() {
        assert_eq!(
            check_span(date!(2021 - 02 - 01), Some(date!(2021 - 01 - 01))).unwrap_err().code(),
            "person.span_reversed"
        );
        assert!(check_email("zhang.san@example.cn").is_ok());
        assert!(check_email("zhang san@example.cn").is_err());
        assert!(check_email("zhang@localhost").is_err());
        assert!(check_phone("+86 731-2888 0000").is_ok());
        assert!(check_phone("12a45").is_err());
    }

    #[test]
    fn every_error_has_a_code_and_a_message() {
        let e = PersonError::ReferenceRequired { kind: PersonRoleKind::ForeignExpert };
        assert_eq!(e.to_string(), "A foreign expert record needs its work permit number; it is missing.");
        assert!(e.args().iter().any(|(k, v)| *k == "reference_zh" && v == "外国人来华工作许可证号"));
    }

    proptest! {
        #[test]
        fn a_computed_check_character_always_validates(region in 110000u32..660000, y in 1900i32..2030, doy in 1u16..365, seq in 0u32..1000) {
            let d = Date::from_ordinal_date(y, doy).unwrap();
            let body = format!("{region:06}{}{:02}{:02}{seq:03}", d.year(), u8::from(d.month()), d.day());
            let id = format!("{body}{}", resident_check_char(&body).unwrap());
            let parsed = IdNumber::parse(&id).unwrap();
            prop_assert_eq!(parsed.birth_date(), Some(d));
            prop_assert_eq!(parsed.masked().len(), 18);
        }

        #[test]
        fn changing_one_digit_is_caught(pos in 0usize..17, delta in 1u8..10) {
            let mut bytes = SAMPLE.as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(IdNumber::parse(&changed).is_err());
        }

        #[test]
        fn masking_never_shows_more_than_five_characters(s in "[A-Z0-9]{1,20}") {
            let m = mask_id_number(&s);
            prop_assert_eq!(m.chars().count(), s.chars().count());
            prop_assert!(m.chars().filter(|c| *c != '*').count() <= 5);
            prop_assert!(m.chars().filter(|c| *c == '*').count() >= 3.min(s.len()));
        }
    }
}

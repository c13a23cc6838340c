//! Organisations: the 统一社会信用代码 (unified social credit code, `uscc`) and kinds.
//!
//! Error codes:
//! - `uscc.length`: en "A unified social credit code has 18 characters; {value} has {len}." /
//!   zh "统一社会信用代码应为18位，{value} 为 {len} 位。"
//! - `uscc.character`: en "Character {pos} of {value} is {ch}, which is not allowed (digits and capital letters except I, O, Z, S, V)." /
//!   zh "{value} 的第 {pos} 位 {ch} 不是允许的字符（数字及除 I、O、Z、S、V 外的大写字母）。"
//! - `uscc.check`: en "The check character (position 18) of {value} should be {expected}, not {actual}." /
//!   zh "{value} 的校验码（第18位）应为 {expected}，而不是 {actual}。"
//! - `organisation.unknown_kind`: en "Unknown organisation kind {value}: use enterprise (企业), university (高校), institute (科研院所), hospital (医院) or government_body (政府机关)." /
//!   zh "未知的单位类型“{value}”：可填 企业、高校、科研院所、医院、政府机关。"

use std::fmt;

use serde::{Deserialize, Serialize};

/// The 31 characters of GB 32100-2015, in value order.
const USCC_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1-17 (3^(i-1) mod 31).
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A unified social credit code (GB 32100-2015): 18 characters, the last a check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

/// Computes the check character for the first 17 characters; `None` if one is not allowed.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    for (i, b) in first17.bytes().enumerate().take(17) {
        let v = USCC_CHARSET.iter().position(|&c| c == b)?;
        sum += u32::try_from(v).ok()? * USCC_WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    Some(char::from(USCC_CHARSET[check as usize]))
}

impl Uscc {
    /// Parses a code: 18 characters from the GB 32100 set, with the right check character.
    /// Fails naming the position and the expected character.
    pub fn parse(s: &str) -> Result<Uscc, OrganisationError> {
        let len = s.chars().count();
        if len != 18 {
            return Err(OrganisationError::UsccLength { value: s.to_owned(), len });
        }
        for (i, ch) in s.chars().enumerate() {
            if !ch.is_ascii() || !USCC_CHARSET.contains(&(ch as u8)) {
                return Err(OrganisationError::UsccCharacter { value: s.to_owned(), pos: i + 1, ch });
            }
        }
        let expected = uscc_check_char(&s[..17]).unwrap_or('?');
        let actual = s.chars().nth(17).unwrap_or('?');
        if expected != actual {
            return Err(OrganisationError::UsccCheck { value: s.to_owned(), expected, actual });
        }
        Ok(Uscc(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Uscc {
    type Error = OrganisationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Kinds of organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    Enterprise,
    University,
    Institute,
    Hospital,
    GovernmentBody,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 5] = [
        OrganisationKind::Enterprise,
        OrganisationKind::University,
        OrganisationKind::Institute,
        OrganisationKind::Hospital,
        OrganisationKind::GovernmentBody,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Enterprise => "enterprise",
            OrganisationKind::University => "university",
            OrganisationKind::Institute => "institute",
            OrganisationKind::Hospital => "hospital",
            OrganisationKind::GovernmentBody => "government_body",
        }
    }

    /// The name users see.
    pub fn name_zh(self) -> &'static str {
        match self {
            OrganisationKind::Enterprise => "企业",
            OrganisationKind::University => "高校",
            OrganisationKind::Institute => "科研院所",
            OrganisationKind::Hospital => "医院",
            OrganisationKind::GovernmentBody => "政府机关",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            OrganisationKind::Enterprise => "enterprise",
            OrganisationKind::University => "university",
            OrganisationKind::Institute => "research institute",
            OrganisationKind::Hospital => "hospital",
            OrganisationKind::GovernmentBody => "government body",
        }
    }

    /// Parses the code (`enterprise`) or the Chinese name (`企业`), as import files use either.
    pub fn parse(s: &str) -> Result<OrganisationKind, OrganisationError> {
        OrganisationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.name_zh() == s)
            .ok_or_else(|| OrganisationError::UnknownKind(s.to_owned()))
    }
}

/// Why an organisation value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganisationError {
    UsccLength { value: String, len: usize },
    UsccCharacter { value: String, pos: usize, ch: char },
    UsccCheck { value: String, expected: char, actual: char },
    UnknownKind(String),
}

impl OrganisationError {
    pub fn code(&self) -> &'static str {
        match self {
            OrganisationError::UsccLength { .. } => "uscc.length",
            OrganisationError::UsccCharacter { .. } => "uscc.character",
            OrganisationError::UsccCheck { .. } => "uscc.check",
            OrganisationError::UnknownKind(_) => "organisation.unknown_kind",
        }
    }

    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            OrganisationError::UsccLength { value, len } => vec![("value", value.clone()), ("len", len.to_string())],
            OrganisationError::UsccCharacter { value, pos, ch } => {
                vec![("value", value.clone()), ("pos", pos.to_string()), ("ch", ch.to_string())]
            }
            OrganisationError::UsccCheck { value, expected, actual } => {
                vec![("value", value.clone()), ("expected", expected.to_string()), ("actual", actual.to_string())]
            }
            OrganisationError::UnknownKind(v) => vec![("value", v.clone())],
        }
    }
}

impl fmt::Display for OrganisationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrganisationError::UsccLength { value, len } => {
                write!(f, "a unified social credit code has 18 characters; {value:?} has {len}")
            }
            OrganisationError::UsccCharacter { value, pos, ch } => write!(
                f,
                "character {pos} of {value:?} is {ch:?}, not allowed (digits and capital letters except I, O, Z, S, V)"
            ),
            OrganisationError::UsccCheck { value, expected, actual } => {
                write!(f, "the check character (position 18) of {value:?} should be {expected}, not {actual}")
            }
            OrganisationError::UnknownKind(v) => write!(
                f,
                "unknown organisation kind {v:?}: use enterprise, university, institute, hospital or government_body"
            ),
        }
    }
}

impl std::error::Error for OrganisationError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_a_published_code() {
        // The code of a well-known company as printed on its business licence.
        assert!(Uscc::parse("91350100M000100Y43").is_ok());
    }

    #[test]
    fn rejects_wrong_check_character_naming_the_expected_one() {
        let e = Uscc::parse("91350100M000100Y44").unwrap_err();
        assert_eq!(e, OrganisationError::UsccCheck { value: "91350100M000100Y44".into(), expected: '3', actual: '4' });
    }

    #[test]
    fn rejects_wrong_length_and_letters_outside_the_set() {
        assert!(matches!(Uscc::parse("9135"), Err(OrganisationError::UsccLength { len: 4, .. })));
        assert!(matches!(
            Uscc::parse("91350100I000100Y43"),
            Err(OrganisationError::UsccCharacter { pos: 9, ch: 'I', .. })
        ));
    }

    proptest! {
        #[test]
        fn a_computed_check_character_always_validates(body in "[0-9A-HJ-NPQRTUWXY]{17}") {
            let c = uscc_check_char(&body).unwrap();
            let code = format!("{body}{c}");
            prop_assert!(Uscc::parse(&code).is_ok());
        }

        #[test]
        fn changing_one_character_is_caught(body in "[0-9A-HJ-NPQRTUWXY]{17}", pos in 0usize..17, delta in 1usize..31) {
            let c = uscc_check_char(&body).unwrap();
            let mut bytes = body.into_bytes();
            let old = USCC_CHARSET.iter().position(|&x| x == bytes[pos]).unwrap();
            bytes[pos] = USCC_CHARSET[(old + delta) % 31];
            let code = format!("{}{c}", String::from_utf8(bytes).unwrap());
            prop_assert!(Uscc::parse(&code).is_err());
        }
    }
}

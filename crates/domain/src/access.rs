//! Who may do what: roles, their scope, usernames and password rules.
//!
//! Error codes (i18n keys in `locales/*.toml`):
//! - `user.invalid_username`: a username is 3-32 characters of a-z, 0-9, `.`, `_`, `-`, starting with a letter
//! - `user.weak_password`: a password has at least 12 characters and three of: lower, upper, digit, symbol
//! - `user.unknown_role`: the role is none of the six roles
//! - `user.scope_mismatch`: district staff need at least one region, enterprise users one organisation

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::region::RegionCode;

/// The six roles of gaodi. A user has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the system: users, settings, the region tree.
    Admin,
    /// City bureau staff: read and write everything of the city's programme.
    CityStaff,
    /// District bureau staff: read and write their own regions' data only.
    DistrictStaff,
    /// An enterprise (or university, institute) user: their own organisation only.
    EnterpriseUser,
    /// A reviewer: sees what is assigned to them.
    Expert,
    /// A leader: reads everything in scope, changes nothing.
    Leader,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::CityStaff, Role::DistrictStaff, Role::EnterpriseUser, Role::Expert, Role::Leader];

    /// The stable string form used in the database, the API and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CityStaff => "city_staff",
            Role::DistrictStaff => "district_staff",
            Role::EnterpriseUser => "enterprise_user",
            Role::Expert => "expert",
            Role::Leader => "leader",
        }
    }

    /// Parses the string form; fails with `user.unknown_role`.
    pub fn parse(s: &str) -> Result<Role, AccessError> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| AccessError::UnknownRole(s.to_owned()))
    }

    /// Whether this role may perform `cap` at all (scope is checked separately, in the store).
    pub fn may(self, cap: Capability) -> bool {
        use Capability as C;
        match self {
            Role::Admin => true,
            Role::CityStaff => matches!(cap, C::ReadRegions | C::ReadAudit | C::WriteData),
            Role::DistrictStaff | Role::EnterpriseUser => {
                matches!(cap, C::ReadRegions | C::ReadAudit | C::WriteData)
            }
            Role::Expert => matches!(cap, C::ReadRegions),
            Role::Leader => matches!(cap, C::ReadRegions | C::ReadAudit),
        }
    }

    /// Whether the role can change anything at all (a leader cannot).
    pub fn is_read_only(self) -> bool {
        self == Role::Leader
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A coarse capability checked before any data is touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    ReadRegions,
    EditRegions,
    ManageUsers,
    ReadAudit,
    VerifyAudit,
    /// Write programme data (registries, submissions, …) within one's scope.
    WriteData,
}

/// What part of the data a user sees. The store turns it into a SQL filter in one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// Everything (admin, city staff, leaders).
    All,
    /// These regions and everything below them in the tree.
    Regions { regions: Vec<RegionCode> },
    /// One organisation's own records.
    Organisation { organisation_id: i64 },
    /// Nothing but what is explicitly assigned to the user (experts).
    Assigned,
}

impl Scope {
    /// Checks that a role and its scope fit together: district staff need regions, enterprise
    /// users an organisation, every other role sees all or its own assignments.
    pub fn for_role(role: Role, regions: Vec<RegionCode>, organisation_id: Option<i64>) -> Result<Scope, AccessError> {
        match role {
            Role::DistrictStaff if regions.is_empty() => Err(AccessError::ScopeMismatch(role)),
            Role::DistrictStaff => Ok(Scope::Regions { regions }),
            Role::EnterpriseUser => organisation_id
                .map(|organisation_id| Scope::Organisation { organisation_id })
                .ok_or(AccessError::ScopeMismatch(role)),
            Role::Expert => Ok(Scope::Assigned),
            Role::Admin | Role::CityStaff | Role::Leader => Ok(Scope::All),
        }
    }
}

/// A login name: 3-32 characters `[a-z0-9._-]`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    /// Parses a username; fails with `user.invalid_username` naming the value.
    pub fn parse(s: &str) -> Result<Username, AccessError> {
        let ok_len = (3..=32).contains(&s.len());
        let ok_first = s.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let ok_chars = s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if ok_len && ok_first && ok_chars {
            Ok(Username(s.to_owned()))
        } else {
            Err(AccessError::InvalidUsername(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = AccessError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Username::parse(&s)
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Minimum password length.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Checks a new password: at least [`MIN_PASSWORD_LEN`] characters and at least three of the
/// four classes lower case, upper case, digit, other. Fails with `user.weak_password`.
pub fn check_password_strength(password: &str) -> Result<(), AccessError> {
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    let count = classes.iter().filter(|&&c| c).count();
    if password.chars().count() >= MIN_PASSWORD_LEN && count >= 3 {
        Ok(())
    } else {
        Err(AccessError::WeakPassword)
    }
}

/// Why an access-related value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessError {
    InvalidUsername(String),
    WeakPassword,
    UnknownRole(String),
    ScopeMismatch(Role),
}

impl AccessError {
    /// The i18n key of the message.
    pub fn code(&self) -> &'static str {
        match self {
            AccessError::InvalidUsername(_) => "user.invalid_username",
            AccessError::WeakPassword => "user.weak_password",
            AccessError::UnknownRole(_) => "user.unknown_role",
            AccessError::ScopeMismatch(_) => "user.scope_mismatch",
        }
    }

    /// Named arguments of the message.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            AccessError::InvalidUsername(v) | AccessError::UnknownRole(v) => {
                vec![("value", v.clone())]
            }
            AccessError::WeakPassword => vec![("min", MIN_PASSWORD_LEN.to_string())],
            AccessError::ScopeMismatch(r) => vec![("role", r.as_str().to_owned())],
        }
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessError::InvalidUsername(v) => write!(
                f,
                "invalid username {v:?}: use 3-32 characters a-z, 0-9, '.', '_', '-', starting with a letter"
            ),
            AccessError::WeakPassword => write!(
                f,
                "password too weak: use at least {MIN_PASSWORD_LEN} characters with three of lower case, upper case, digits, symbols"
            ),
            AccessError::UnknownRole(v) => write!(
                f,
                "unknown role {v:?}: use admin, city_staff, district_staff, enterprise_user, expert or leader"
            ),
            AccessError::ScopeMismatch(r) => write!(
                f,
                "role {r} needs a scope: district staff need at least one region, enterprise users an organisation"
            ),
        }
    }
}

impl std::error::Error for AccessError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_accepts_plain_names() {
        assert!(Username::parse("zhang.san-01").is_ok());
    }

    #[test]
    fn username_rejects_upper_case_short_and_leading_digit() {
        for bad in ["ab", "Admin", "1admin", "a b c", "zhang@x", &"a".repeat(33)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_needs_length_and_three_classes() {
        assert!(check_password_strength("Short1!").is_err());
        assert!(check_password_strength("alllowercaseletters").is_err());
        assert!(check_password_strength("lowerUPPER1234").is_ok());
        assert!(check_password_strength("lower-case-1234").is_ok());
    }

    #[test]
    fn role_round_trips_through_its_string_form() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn leader_can_change_nothing() {
        use Capability as C;
        for cap in [C::EditRegions, C::ManageUsers, C::WriteData, C::VerifyAudit] {
            assert!(!Role::Leader.may(cap));
        }
    }

    #[test]
    fn district_staff_need_a_region() {
        assert!(Scope::for_role(Role::DistrictStaff, vec![], None).is_err());
        assert!(Scope::for_role(Role::EnterpriseUser, vec![], None).is_err());
        assert_eq!(Scope::for_role(Role::Leader, vec![], None).unwrap(), Scope::All);
    }
}

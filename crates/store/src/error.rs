//! The store's error type. Messages for users are rendered by the web layer from `code` and
//! `args` (i18n keys); the `Display` text is for logs and the command line.

use std::fmt;

/// Why a store call failed.
#[derive(Debug)]
pub enum StoreError {
    /// The thing asked for does not exist (or is outside the caller's scope: the two are not
    /// told apart, so a scope never leaks what exists outside it).
    NotFound,
    /// The caller may not do this.
    Forbidden,
    /// Input was refused: an i18n key, its arguments, and the field it concerns if any.
    Invalid {
        code: &'static str,
        args: Vec<(&'static str, String)>,
        field: Option<&'static str>,
    },
    /// A unique key already exists (e.g. a username).
    Duplicate {
        what: &'static str,
        value: String,
    },
    /// Bad configuration (e.g. an unknown database URL scheme).
    Config(String),
    /// The database cannot be reached.
    Unavailable(String),
    /// A column did not decode to the expected type.
    Decode(String),
    /// The audit log's hash chain is broken.
    AuditChain(gaodi_domain::audit::ChainBreak),
    Migrate(sqlx::migrate::MigrateError),
    Database(sqlx::Error),
}

impl StoreError {
    /// Wraps a domain validation error that has `code()` and `args()`.
    pub fn invalid(code: &'static str, args: Vec<(&'static str, String)>, field: Option<&'static str>) -> Self {
        StoreError::Invalid { code, args, field }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound => f.write_str("not found"),
            StoreError::Forbidden => f.write_str("forbidden"),
            StoreError::Invalid { code, args, field } => {
                write!(f, "invalid input {code}")?;
                if let Some(field) = field {
                    write!(f, " in field {field}")?;
                }
                for (k, v) in args {
                    write!(f, " {k}={v:?}")?;
                }
                Ok(())
            }
            StoreError::Duplicate { what, value } => write!(f, "{what} {value:?} already exists"),
            StoreError::Config(m) | StoreError::Unavailable(m) | StoreError::Decode(m) => f.write_str(m),
            StoreError::AuditChain(b) => write!(f, "audit chain broken: {b}"),
            StoreError::Migrate(e) => write!(f, "migration failed: {e}"),
            StoreError::Database(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Database(e),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(e)
    }
}

/// Turns a unique-key violation into [`StoreError::Duplicate`], leaves other errors as they are.
pub(crate) fn on_duplicate(e: StoreError, what: &'static str, value: &str) -> StoreError {
    if let StoreError::Database(db) = &e {
        if db.as_database_error().is_some_and(sqlx::error::DatabaseError::is_unique_violation) {
            return StoreError::Duplicate { what, value: value.to_owned() };
        }
    }
    e
}

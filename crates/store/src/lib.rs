//! gaodi-store: the only crate that talks to the database.
//!
//! [`Store`] wraps a pool of either backend ([`db::Db`]). Reads take the caller's
//! [`gaodi_domain::access::Scope`] and filter by it inside the store ([`scope`]); writes go
//! through [`Store::write`], which opens one transaction for the change and its audit event.

pub mod activity;
pub mod audit;
pub mod composite;
pub mod db;
pub mod error;
pub mod facts;
pub mod import;
pub mod indicator;
pub mod organisation;
pub mod person;
pub mod platform;
pub mod policy;
pub mod project;
pub mod project_follow;
pub mod region;
pub mod review;
pub mod scope;
pub mod tabular;
pub mod tier;
pub mod transfer;
pub mod user;

pub use audit::{Actor, AuditEntry};
pub use db::{Backend, Db};
pub use error::StoreError;

/// The database and everything stored in it.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`) and runs the migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        Ok(Store { db })
    }

    /// Connects without migrating (for `healthcheck`-style callers).
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Ok(Store { db: Db::connect(url).await? })
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }
}

/// The current time, truncated to microseconds (both backends keep microseconds).
pub fn now() -> time::OffsetDateTime {
    let t = time::OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

impl Store {
    /// Opens a write transaction. Only store functions write, and each records its audit event
    /// with [`db::Tx::audit`] before it commits.
    pub(crate) async fn begin(&self) -> Result<db::Tx, StoreError> {
        self.db.begin().await
    }
}

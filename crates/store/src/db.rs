//! The one place where SQLite and PostgreSQL differ.
//!
//! Everything above this module writes SQL once (lower case, `$N` placeholders, which both
//! backends accept) and binds [`Arg`] values; this module turns them into the backend's own
//! queries and rows. Backend-specific SQL (locking, upserts that differ) lives here and nowhere
//! else, so the differences are easy to find.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Decode, Postgres, Row as _, Sqlite, Type};
use time::OffsetDateTime;

use crate::error::StoreError;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Picks the backend from the URL scheme: `sqlite://PATH` or `postgres://…` (`postgresql://`
    /// too). Any other scheme is an error naming the accepted ones.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            let scheme = url.split(':').next().unwrap_or("");
            Err(StoreError::Config(format!(
                "unsupported database URL scheme {scheme:?} in {url:?}: use sqlite://PATH or postgres://USER@HOST:PORT/DB"
            )))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A value bound to a `$N` placeholder.
#[derive(Debug, Clone)]
pub enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Time(Option<OffsetDateTime>),
    Date(Option<time::Date>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($t:ty, $variant:ident, $conv:expr) => {
        impl From<$t> for Arg {
            fn from(v: $t) -> Arg {
                Arg::$variant(Some($conv(v)))
            }
        }
        impl From<Option<$t>> for Arg {
            fn from(v: Option<$t>) -> Arg {
                Arg::$variant(v.map($conv))
            }
        }
    };
}
arg_from!(i64, Int, |v| v);
arg_from!(i32, Int, i64::from);
arg_from!(bool, Bool, |v| v);
arg_from!(String, Text, |v| v);
arg_from!(&str, Text, str::to_owned);
arg_from!(&String, Text, String::clone);
arg_from!(OffsetDateTime, Time, |v| v);
arg_from!(time::Date, Date, |v| v);
arg_from!(Vec<u8>, Bytes, |v| v);

/// A query: SQL written once for both backends, with its arguments.
#[derive(Debug, Clone)]
pub struct Query {
    sql: String,
    args: Vec<Arg>,
}

/// Starts a query.
pub fn query(sql: impl Into<String>) -> Query {
    Query { sql: sql.into(), args: Vec::new() }
}

impl Query {
    /// Binds the next `$N` placeholder.
    #[must_use]
    pub fn bind(mut self, v: impl Into<Arg>) -> Query {
        self.args.push(v.into());
        self
    }

    /// Binds a list of values and returns the placeholders for them, e.g. `$3, $4, $5`, to put
    /// inside `in (…)`. An empty list yields `null`, so `x in (null)` matches nothing.
    pub fn bind_list<T: Into<Arg>>(&mut self, values: impl IntoIterator<Item = T>) -> String {
        let mut marks = Vec::new();
        for v in values {
            self.args.push(v.into());
            marks.push(format!("${}", self.args.len()));
        }
        if marks.is_empty() {
            "null".to_owned()
        } else {
            marks.join(", ")
        }
    }

    /// The number of arguments bound so far (the next placeholder is this plus one).
    pub fn arg_count(&self) -> usize {
        self.args.len()
    }

    /// Appends SQL text.
    pub fn push_sql(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }
}

/// A row of either backend, read by column name.
pub enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl Row {
    /// Reads a column; the type must decode on both backends.
    pub fn get<T>(&self, column: &str) -> Result<T, StoreError>
    where
        T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>,
    {
        let r = match self {
            Row::Sqlite(r) => r.try_get(column),
            Row::Postgres(r) => r.try_get(column),
        };
        r.map_err(|e| StoreError::Decode(format!("column {column}: {e}")))
    }
}

/// A pool of either backend.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Applies the backend's query to its pool or transaction: the single dispatch point.
macro_rules! run {
    ($q:expr, $exec:expr, $method:ident, $ty:ident) => {{
        let q = $q;
        let mut sq = sqlx::query::<$ty>(&q.sql);
        for a in q.args {
            sq = match a {
                Arg::Int(v) => sq.bind(v),
                Arg::Text(v) => sq.bind(v),
                Arg::Bool(v) => sq.bind(v),
                Arg::Time(v) => sq.bind(v),
                Arg::Date(v) => sq.bind(v),
                Arg::Bytes(v) => sq.bind(v),
            };
        }
        sq.$method($exec).await
    }};
}

impl Db {
    /// Connects and configures the pool. SQLite: the file is created if missing, WAL journal,
    /// foreign keys on, 5 s busy timeout. PostgreSQL: an optional `schema` query parameter sets
    /// the search path (the test harness gives each test its own schema).
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        match Backend::from_url(url)? {
            Backend::Sqlite => {
                let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
                if path.is_empty() {
                    return Err(StoreError::Config(format!(
                        "database URL {url:?} names no file: use sqlite://PATH, e.g. sqlite://./gaodi.db"
                    )));
                }
                let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
                    .map_err(|e| StoreError::Config(format!("bad SQLite URL {url:?}: {e}")))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(opts)
                    .await
                    .map_err(|e| StoreError::Unavailable(format!("cannot open SQLite database {path:?}: {e}")))?;
                Ok(Db::Sqlite(pool))
            }
            Backend::Postgres => {
                let mut parsed =
                    url::Url::parse(url).map_err(|e| StoreError::Config(format!("bad PostgreSQL URL {url:?}: {e}")))?;
                let schema = parsed.query_pairs().find(|(k, _)| k == "schema").map(|(_, v)| v.into_owned());
                let rest: Vec<(String, String)> = parsed
                    .query_pairs()
                    .filter(|(k, _)| k != "schema")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                parsed.set_query(None);
                if !rest.is_empty() {
                    parsed.query_pairs_mut().extend_pairs(rest);
                }
                let mut opts = PgConnectOptions::from_str(parsed.as_str())
                    .map_err(|e| StoreError::Config(format!("bad PostgreSQL URL {url:?}: {e}")))?;
                if let Some(s) = schema {
                    opts = opts.options([("search_path", s)]);
                }
                let pool = PgPoolOptions::new()
                    .max_connections(10)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await
                    .map_err(|e| StoreError::Unavailable(format!("cannot connect to PostgreSQL: {e}")))?;
                Ok(Db::Postgres(pool))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs the migrations of the backend's own folder.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// The migration versions that this binary carries, with their descriptions.
    pub fn known_migrations(&self) -> Vec<(i64, String)> {
        let m = match self {
            Db::Sqlite(_) => sqlx::migrate!("./migrations/sqlite"),
            Db::Postgres(_) => sqlx::migrate!("./migrations/postgres"),
        };
        m.iter().map(|m| (m.version, m.description.to_string())).collect()
    }

    pub async fn fetch_all(&self, q: Query) -> Result<Vec<Row>, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => run!(q, p, fetch_all, Sqlite)?.into_iter().map(Row::Sqlite).collect(),
            Db::Postgres(p) => run!(q, p, fetch_all, Postgres)?.into_iter().map(Row::Postgres).collect(),
        })
    }

    pub async fn fetch_optional(&self, q: Query) -> Result<Option<Row>, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => run!(q, p, fetch_optional, Sqlite)?.map(Row::Sqlite),
            Db::Postgres(p) => run!(q, p, fetch_optional, Postgres)?.map(Row::Postgres),
        })
    }

    pub async fn fetch_one(&self, q: Query) -> Result<Row, StoreError> {
        self.fetch_optional(q).await?.ok_or(StoreError::NotFound)
    }

    pub async fn execute(&self, q: Query) -> Result<u64, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => run!(q, p, execute, Sqlite)?.rows_affected(),
            Db::Postgres(p) => run!(q, p, execute, Postgres)?.rows_affected(),
        })
    }

    /// Opens a write transaction. SQLite: `BEGIN IMMEDIATE`, so the write lock is taken at the
    /// start and two writers never deadlock on a lock upgrade.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("begin immediate").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.fetch_one(query("select 1 as one")).await.map(|_| ())
    }

    /// Tables and their columns, sorted, of the current schema (used to compare the backends).
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        let q = match self {
            Db::Sqlite(_) => query(
                "select m.name as table_name, p.name as column_name \
                 from sqlite_master m join pragma_table_info(m.name) p \
                 where m.type = 'table' and m.name not like 'sqlite_%' and m.name <> '_sqlx_migrations' \
                 order by 1, 2",
            ),
            Db::Postgres(_) => query(
                "select table_name::text as table_name, column_name::text as column_name \
                 from information_schema.columns \
                 where table_schema = current_schema() and table_name <> '_sqlx_migrations' \
                 order by 1, 2",
            ),
        };
        let rows = self.fetch_all(q).await?;
        rows.iter().map(|r| Ok((r.get::<String>("table_name")?, r.get::<String>("column_name")?))).collect()
    }

    /// Closes the pool (graceful shutdown).
    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// A write transaction of either backend. Dropped without [`Tx::commit`], it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub async fn fetch_all(&mut self, q: Query) -> Result<Vec<Row>, StoreError> {
        Ok(match self {
            Tx::Sqlite(t) => run!(q, &mut **t, fetch_all, Sqlite)?.into_iter().map(Row::Sqlite).collect(),
            Tx::Postgres(t) => run!(q, &mut **t, fetch_all, Postgres)?.into_iter().map(Row::Postgres).collect(),
        })
    }

    pub async fn fetch_optional(&mut self, q: Query) -> Result<Option<Row>, StoreError> {
        Ok(match self {
            Tx::Sqlite(t) => run!(q, &mut **t, fetch_optional, Sqlite)?.map(Row::Sqlite),
            Tx::Postgres(t) => run!(q, &mut **t, fetch_optional, Postgres)?.map(Row::Postgres),
        })
    }

    pub async fn fetch_one(&mut self, q: Query) -> Result<Row, StoreError> {
        self.fetch_optional(q).await?.ok_or(StoreError::NotFound)
    }

    pub async fn execute(&mut self, q: Query) -> Result<u64, StoreError> {
        Ok(match self {
            Tx::Sqlite(t) => run!(q, &mut **t, execute, Sqlite)?.rows_affected(),
            Tx::Postgres(t) => run!(q, &mut **t, execute, Postgres)?.rows_affected(),
        })
    }

    /// Reads the audit chain head, locked for this transaction. SQLite's `begin immediate`
    /// already holds the database's write lock; PostgreSQL locks the head row.
    pub(crate) async fn lock_audit_head(&mut self) -> Result<Row, StoreError> {
        let sql = match self {
            Tx::Sqlite(_) => "select seq, hash from audit_head where audit_head_id = 1",
            Tx::Postgres(_) => "select seq, hash from audit_head where audit_head_id = 1 for update",
        };
        self.fetch_one(query(sql)).await
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

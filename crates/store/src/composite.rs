//! Composite index definitions, stored and versioned (the TOML text of
//! `gaodi_domain::index::definition`): a change is a new version, earlier ones are kept.

use gaodi_domain::index::definition::IndexDefinition;

use crate::db::query;
use crate::{now, Actor, AuditEntry, Store, StoreError};

/// A stored definition.
#[derive(Debug, Clone)]
pub struct StoredIndex {
    pub code: String,
    pub version: i64,
    pub year: i32,
    pub definition: IndexDefinition,
    pub created_by: String,
}

impl Store {
    /// Stores a definition as the next version of its code (its own version number is
    /// replaced by the next free one). Returns the version.
    pub async fn save_index_definition(&self, actor: &Actor, def: &IndexDefinition) -> Result<i64, StoreError> {
        let spec = def.spec();
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_one(
                query("select coalesce(max(version), 0) as v from composite_index where index_code = $1")
                    .bind(spec.code.as_str()),
            )
            .await?;
        let version: i64 = row.get::<i64>("v")? + 1;
        let mut spec = spec.clone();
        spec.version = u32::try_from(version).unwrap_or(u32::MAX);
        let def =
            IndexDefinition::new(spec).map_err(|e| StoreError::invalid(e.code(), e.args(), Some("definition")))?;
        tx.execute(
            query(
                "insert into composite_index (index_code, version, year, name_zh, name_en, definition, created_by, \
                 created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(def.spec().code.as_str())
            .bind(version)
            .bind(def.spec().year)
            .bind(def.spec().name_zh.as_str())
            .bind(def.spec().name_en.as_str())
            .bind(def.to_toml())
            .bind(actor.username.as_str())
            .bind(now()),
        )
        .await?;
        tx.audit(
            actor,
            AuditEntry::new("composite_index.create", "composite_index", format!("{}@{version}", def.spec().code))
                .after(&def.to_toml()),
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Installs the shipped district innovation index if no definition of its code exists.
    pub async fn install_index_definitions(&self, actor: &Actor) -> Result<(), StoreError> {
        let shipped = IndexDefinition::district_innovation();
        let row = self
            .db()
            .fetch_one(
                query("select count(*) as n from composite_index where index_code = $1")
                    .bind(shipped.spec().code.as_str()),
            )
            .await?;
        if row.get::<i64>("n")? == 0 {
            self.save_index_definition(actor, &shipped).await?;
        }
        Ok(())
    }

    /// The newest version of every index, by code.
    pub async fn index_definitions(&self) -> Result<Vec<StoredIndex>, StoreError> {
        let rows = self
            .db()
            .fetch_all(query(
                "select index_code, version, year, definition, created_by from composite_index c \
                 where version = (select max(version) from composite_index d where d.index_code = c.index_code) \
                 order by index_code",
            ))
            .await?;
        rows.iter()
            .map(|r| {
                let text: String = r.get("definition")?;
                Ok(StoredIndex {
                    code: r.get("index_code")?,
                    version: r.get("version")?,
                    year: i32::try_from(r.get::<i64>("year")?).unwrap_or(0),
                    definition: IndexDefinition::from_toml(&text).map_err(|e| StoreError::Decode(e.to_string()))?,
                    created_by: r.get("created_by")?,
                })
            })
            .collect()
    }
}

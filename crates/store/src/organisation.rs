//! Organisations, keyed by 统一社会信用代码. The foundation keeps the minimum that users are
//! scoped to; the registries extend it.

use gaodi_domain::access::Scope;
use gaodi_domain::organisation::{OrganisationKind, Uscc};
use gaodi_domain::region::RegionCode;
use serde::Serialize;
use time::OffsetDateTime;

use crate::db::{query, Row};
use crate::{now, scope, Actor, AuditEntry, Store, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    pub organisation_id: i64,
    pub uscc: String,
    pub name: String,
    pub kind: String,
    pub region_code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A new organisation.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub uscc: Uscc,
    pub name: String,
    pub kind: OrganisationKind,
    pub region_code: RegionCode,
}

fn organisation(r: &Row) -> Result<Organisation, StoreError> {
    Ok(Organisation {
        organisation_id: r.get("organisation_id")?,
        uscc: r.get("uscc")?,
        name: r.get("name")?,
        kind: r.get("kind")?,
        region_code: r.get("region_code")?,
        created_at: r.get("created_at")?,
    })
}

const COLUMNS: &str = "organisation_id, uscc, name, kind, region_code, created_at";

impl Store {
    /// Creates an organisation in a region inside the caller's scope. Fails with `Forbidden`
    /// outside the scope, `Duplicate` for a known code, `Invalid` for an unknown region or an
    /// empty name.
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        scope: &Scope,
        new: &NewOrganisation,
    ) -> Result<Organisation, StoreError> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(StoreError::invalid("organisation.empty_name", vec![], Some("name")));
        }
        if !scope::allows(self, scope, Some(new.region_code.as_str()), None).await? {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        let known = tx
            .fetch_optional(
                query("select region_code from region where region_code = $1").bind(new.region_code.as_str()),
            )
            .await?;
        if known.is_none() {
            return Err(StoreError::invalid(
                "region.unknown",
                vec![("code", new.region_code.to_string())],
                Some("region_code"),
            ));
        }
        let t = now();
        let row = tx
            .fetch_one(
                query(
                    "insert into organisation (uscc, name, kind, region_code, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $5) returning organisation_id",
                )
                .bind(new.uscc.as_str())
                .bind(name)
                .bind(new.kind.as_str())
                .bind(new.region_code.as_str())
                .bind(t),
            )
            .await
            .map_err(|e| crate::error::on_duplicate(e, "uscc", new.uscc.as_str()))?;
        let id: i64 = row.get("organisation_id")?;
        let mut entry = AuditEntry::new("organisation.create", "organisation", id)
            .region(Some(new.region_code.to_string()))
            .after(&serde_json::json!({
                "uscc": new.uscc.as_str(), "name": name, "kind": new.kind.as_str(),
                "region_code": new.region_code.as_str(),
            }));
        entry.organisation_id = Some(id);
        tx.audit(actor, entry).await?;
        tx.commit().await?;
        self.organisation(&Scope::All, id).await
    }

    /// One organisation, if it is inside the scope (`NotFound` otherwise).
    pub async fn organisation(&self, scope: &Scope, id: i64) -> Result<Organisation, StoreError> {
        let mut q = query(format!("select {COLUMNS} from organisation where organisation_id = $1")).bind(id);
        scope::restrict(self, &mut q, scope, Some("region_code"), Some("organisation_id")).await?;
        organisation(&self.db().fetch_one(q).await?)
    }

    /// Organisations inside the scope, by name.
    pub async fn list_organisations(&self, scope: &Scope) -> Result<Vec<Organisation>, StoreError> {
        let mut q = query(format!("select {COLUMNS} from organisation where retired_at is null"));
        scope::restrict(self, &mut q, scope, Some("region_code"), Some("organisation_id")).await?;
        q.push_sql(" order by name, organisation_id");
        self.db().fetch_all(q).await?.iter().map(organisation).collect()
    }

    /// An organisation by its code (any scope; for seeding and imports).
    pub async fn organisation_by_uscc(&self, uscc: &str) -> Result<Option<Organisation>, StoreError> {
        let row = self
            .db()
            .fetch_optional(query(format!("select {COLUMNS} from organisation where uscc = $1")).bind(uscc))
            .await?;
        row.as_ref().map(organisation).transpose()
    }
}

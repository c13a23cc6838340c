//! Regions and their dated memberships.

use gaodi_domain::region::{
    tree_as_of, validate_memberships, Hierarchy, Membership, ParkLevel, Region, RegionCode, RegionKind, TreeNode,
};
use serde::Serialize;

use crate::db::{query, Row};
use crate::{now, Actor, AuditEntry, Store, StoreError};

fn decode<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Decode(e.to_string()))
}

fn region(r: &Row) -> Result<Region, StoreError> {
    let park_level: Option<String> = r.get("park_level")?;
    Ok(Region {
        code: decode(RegionCode::parse(&r.get::<String>("region_code")?))?,
        name_zh: r.get("name_zh")?,
        name_en: r.get("name_en")?,
        kind: decode(RegionKind::parse(&r.get::<String>("kind")?))?,
        park_level: park_level
            .as_deref()
            .map(ParkLevel::parse)
            .transpose()
            .map_err(|e| StoreError::Decode(e.to_string()))?,
    })
}

fn membership(r: &Row) -> Result<Membership, StoreError> {
    Ok(Membership {
        child: decode(RegionCode::parse(&r.get::<String>("child_code")?))?,
        parent: decode(RegionCode::parse(&r.get::<String>("parent_code")?))?,
        hierarchy: decode(Hierarchy::parse(&r.get::<String>("hierarchy")?))?,
        valid_from: r.get::<i32>("valid_from")?,
        valid_to: r.get::<Option<i32>>("valid_to")?,
    })
}

/// A region with its memberships over time (for the detail page and API).
#[derive(Debug, Clone, Serialize)]
pub struct RegionDetail {
    pub region: Region,
    /// Where it hung, and when.
    pub parents: Vec<Membership>,
    /// What hung under it, and when.
    pub children: Vec<Membership>,
}

impl Store {
    /// Every region, by code.
    pub async fn regions(&self) -> Result<Vec<Region>, StoreError> {
        let rows = self.db().fetch_all(query("select * from region order by region_code")).await?;
        rows.iter().map(region).collect()
    }

    /// Every membership.
    pub async fn memberships(&self) -> Result<Vec<Membership>, StoreError> {
        let rows = self
            .db()
            .fetch_all(query("select * from region_membership order by hierarchy, parent_code, child_code, valid_from"))
            .await?;
        rows.iter().map(membership).collect()
    }

    /// The forest of a hierarchy as it stood in `year`.
    pub async fn region_tree(&self, year: i32, hierarchy: Hierarchy) -> Result<Vec<TreeNode>, StoreError> {
        Ok(tree_as_of(&self.regions().await?, &self.memberships().await?, year, hierarchy))
    }

    /// One region with its memberships.
    pub async fn region_detail(&self, code: &RegionCode) -> Result<RegionDetail, StoreError> {
        let row = self.db().fetch_one(query("select * from region where region_code = $1").bind(code.as_str())).await?;
        let all = self.memberships().await?;
        Ok(RegionDetail {
            region: region(&row)?,
            parents: all.iter().filter(|m| m.child == *code).cloned().collect(),
            children: all.iter().filter(|m| m.parent == *code).cloned().collect(),
        })
    }

    /// Loads regions and memberships (the reference tree) idempotently: new regions are
    /// inserted, changed names are updated, memberships already present are left alone. The
    /// whole set is validated first and written in one audited transaction; returns how many
    /// regions and memberships were added.
    pub async fn load_regions(
        &self,
        actor: &Actor,
        regions: &[Region],
        memberships: &[Membership],
    ) -> Result<(usize, usize), StoreError> {
        let mut all_regions = self.regions().await?;
        for r in regions {
            if !all_regions.iter().any(|x| x.code == r.code) {
                all_regions.push(r.clone());
            }
        }
        let mut all_memberships = self.memberships().await?;
        let new_memberships: Vec<&Membership> = memberships.iter().filter(|m| !all_memberships.contains(m)).collect();
        all_memberships.extend(new_memberships.iter().map(|m| (*m).clone()));
        validate_memberships(&all_regions, &all_memberships)
            .map_err(|e| StoreError::invalid(e.code(), e.args(), Some("memberships")))?;

        let t = now();
        let mut tx = self.begin().await?;
        let mut added_regions = 0;
        for r in regions {
            let existing =
                tx.fetch_optional(query("select * from region where region_code = $1").bind(r.code.as_str())).await?;
            match existing {
                None => {
                    tx.execute(
                        query(
                            "insert into region (region_code, name_zh, name_en, kind, park_level, created_at, updated_at) \
                             values ($1, $2, $3, $4, $5, $6, $6)",
                        )
                        .bind(r.code.as_str())
                        .bind(&r.name_zh)
                        .bind(&r.name_en)
                        .bind(r.kind.as_str())
                        .bind(r.park_level.map(ParkLevel::as_str))
                        .bind(t),
                    )
                    .await?;
                    tx.audit(
                        actor,
                        AuditEntry::new("region.create", "region", &r.code).region(Some(r.code.to_string())).after(r),
                    )
                    .await?;
                    added_regions += 1;
                }
                Some(row) => {
                    let before = region(&row)?;
                    if before != *r {
                        update_region_row(&mut tx, r, t).await?;
                        tx.audit(
                            actor,
                            AuditEntry::new("region.update", "region", &r.code)
                                .region(Some(r.code.to_string()))
                                .before(&before)
                                .after(r),
                        )
                        .await?;
                    }
                }
            }
        }
        for m in &new_memberships {
            tx.execute(
                query(
                    "insert into region_membership (child_code, parent_code, hierarchy, valid_from, valid_to) \
                     values ($1, $2, $3, $4, $5)",
                )
                .bind(m.child.as_str())
                .bind(m.parent.as_str())
                .bind(m.hierarchy.as_str())
                .bind(m.valid_from)
                .bind(m.valid_to),
            )
            .await?;
            tx.audit(
                actor,
                AuditEntry::new("region_membership.create", "region", &m.child)
                    .region(Some(m.child.to_string()))
                    .after(m),
            )
            .await?;
        }
        tx.commit().await?;
        Ok((added_regions, new_memberships.len()))
    }

    /// Changes a region's names (the code, kind and memberships are reference data, changed by
    /// loading a new tree). Audited with before and after.
    pub async fn rename_region(
        &self,
        actor: &Actor,
        code: &RegionCode,
        name_zh: &str,
        name_en: &str,
    ) -> Result<Region, StoreError> {
        let (name_zh, name_en) = (name_zh.trim(), name_en.trim());
        if name_zh.is_empty() {
            return Err(StoreError::invalid("region.empty_name", vec![], Some("name_zh")));
        }
        if name_en.is_empty() {
            return Err(StoreError::invalid("region.empty_name", vec![], Some("name_en")));
        }
        let mut tx = self.begin().await?;
        let row = tx.fetch_one(query("select * from region where region_code = $1").bind(code.as_str())).await?;
        let before = region(&row)?;
        let after = Region { name_zh: name_zh.to_owned(), name_en: name_en.to_owned(), ..before.clone() };
        update_region_row(&mut tx, &after, now()).await?;
        tx.audit(
            actor,
            AuditEntry::new("region.update", "region", code)
                .region(Some(code.to_string()))
                .before(&before)
                .after(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

async fn update_region_row(tx: &mut crate::db::Tx, r: &Region, t: time::OffsetDateTime) -> Result<(), StoreError> {
    tx.execute(
        query("update region set name_zh = $1, name_en = $2, kind = $3, park_level = $4, updated_at = $5 where region_code = $6")
            .bind(&r.name_zh)
            .bind(&r.name_en)
            .bind(r.kind.as_str())
            .bind(r.park_level.map(ParkLevel::as_str))
            .bind(t)
            .bind(r.code.as_str()),
    )
    .await?;
    Ok(())
}

//! What the policy rules need from the registries, loaded in scope: one organisation's record,
//! tiers, yearly figures, IP items and hosted platforms as a [`RegistryFirm`]
//! ([`Store::policy_firm`]), the same for every enterprise in the caller's scope in five
//! queries ([`Store::policy_firms`], for the cultivation pool), and the 高企 certificates that
//! expire in a window ([`Store::expiring_hte_certificates`]).

use std::collections::HashMap;

use gaodi_domain::access::Scope;
use gaodi_domain::organisation::OrganisationKind;
use gaodi_domain::region::RegionCode;
use gaodi_domain::registry::{IndustryCode, Level, PlatformKind, TierKind};
use gaodi_domain::rules::{RegistryFirm, RegistryPlatform, RegistryTier};
use serde::Serialize;
use time::Date;

use crate::db::{query, Query, Row};
use crate::facts::{facts_from_row, ip_record};
use crate::organisation::{Organisation, OrganisationFilter};
use crate::tier::{record, TierRecord};
use crate::{scope, Store, StoreError};

/// An organisation and what the register holds about it for the rules.
#[derive(Debug, Clone)]
pub struct PolicyFirm {
    pub organisation: Organisation,
    pub firm: RegistryFirm,
}

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// A 高企 certificate expiring in a window, with its holder.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExpiringCertificate {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub uscc: String,
    pub region_code: String,
    pub number: Option<String>,
    #[serde(with = "iso_date")]
    pub issued_on: Date,
    #[serde(with = "iso_date")]
    pub expires_on: Date,
}

fn registry_tier(t: &TierRecord) -> Option<RegistryTier> {
    Some(RegistryTier {
        kind: TierKind::parse(&t.kind).ok()?,
        reference: t.reference.clone(),
        valid_from: t.valid_from,
        valid_to: t.valid_to,
    })
}

fn registry_platform(r: &Row) -> Result<Option<RegistryPlatform>, StoreError> {
    let kind: String = r.get("kind")?;
    let level: String = r.get("level")?;
    let (Ok(kind), Ok(level)) = (PlatformKind::parse(&kind), Level::parse(&level)) else {
        return Ok(None);
    };
    Ok(Some(RegistryPlatform { kind, level, approved_on: r.get("approved_on")?, status: r.get("status")? }))
}

fn empty_firm(o: &Organisation) -> RegistryFirm {
    RegistryFirm {
        uscc: o.uscc.clone(),
        founded_on: o.founded_on,
        region_code: Some(o.region_code.clone()),
        industry: o.industry_code.as_deref().and_then(|c| IndustryCode::parse(c).ok()),
        ..RegistryFirm::default()
    }
}

/// `select … from TABLE x join organisation o … where <cond>` restricted to the scope.
async fn scoped(store: &Store, sql: &str, scope: &Scope) -> Result<Query, StoreError> {
    let mut q = query(sql);
    scope::restrict(store, &mut q, scope, Some("o.region_code"), Some("o.organisation_id")).await?;
    Ok(q)
}

impl Store {
    /// What the rules need about one organisation inside the scope (`NotFound` otherwise).
    pub async fn policy_firm(&self, scope: &Scope, organisation_id: i64) -> Result<PolicyFirm, StoreError> {
        let organisation = self.organisation(scope, organisation_id).await?;
        let mut firm = empty_firm(&organisation);
        firm.tiers = self.tiers(scope, organisation_id).await?.iter().filter_map(registry_tier).collect();
        firm.years = self.yearly_facts(scope, organisation_id).await?;
        firm.ip_items = self.ip_items(scope, organisation_id).await?.into_iter().map(|r| r.item).collect();
        let rows = self
            .db()
            .fetch_all(
                query(
                    "select kind, level, approved_on, status from platform where host_organisation_id = $1 \
                     and retired_at is null order by platform_id",
                )
                .bind(organisation_id),
            )
            .await?;
        for r in &rows {
            firm.platforms.extend(registry_platform(r)?);
        }
        Ok(PolicyFirm { organisation, firm })
    }

    /// What the rules need about every enterprise inside the scope (and below `region`, when
    /// given), not retired, by name: five queries whatever the number of firms.
    pub async fn policy_firms(
        &self,
        scope: &Scope,
        region: Option<&RegionCode>,
    ) -> Result<Vec<PolicyFirm>, StoreError> {
        let filter = OrganisationFilter {
            region: region.cloned(),
            kind: Some(OrganisationKind::Enterprise),
            ..OrganisationFilter::default()
        };
        let organisations = self.list_organisations_filtered(scope, &filter).await?;
        let index: HashMap<i64, usize> =
            organisations.iter().enumerate().map(|(i, o)| (o.organisation_id, i)).collect();
        let mut firms: Vec<RegistryFirm> = organisations.iter().map(empty_firm).collect();

        let q = scoped(
            self,
            "select t.* from organisation_tier t join organisation o on o.organisation_id = t.organisation_id \
             where t.retired_at is null and o.retired_at is null",
            scope,
        )
        .await?;
        for r in self.db().fetch_all(q).await? {
            let t = record(&r)?;
            if let (Some(&i), Some(tier)) = (index.get(&t.organisation_id), registry_tier(&t)) {
                firms[i].tiers.push(tier);
            }
        }
        let mut q = scoped(
            self,
            "select y.* from organisation_year y join organisation o on o.organisation_id = y.organisation_id \
             where o.retired_at is null",
            scope,
        )
        .await?;
        q.push_sql(" order by y.organisation_id, y.year");
        for r in self.db().fetch_all(q).await? {
            if let Some(&i) = index.get(&r.get::<i64>("organisation_id")?) {
                firms[i].years.push((r.get("year")?, facts_from_row(&r)?));
            }
        }
        let mut q = scoped(
            self,
            "select x.* from ip_item x join organisation o on o.organisation_id = x.organisation_id \
             where x.retired_at is null and o.retired_at is null",
            scope,
        )
        .await?;
        q.push_sql(" order by x.organisation_id, x.grant_date desc, x.registration_no");
        for r in self.db().fetch_all(q).await? {
            let item = ip_record(&r)?;
            if let Some(&i) = index.get(&item.organisation_id) {
                firms[i].ip_items.push(item.item);
            }
        }
        let mut q = scoped(
            self,
            "select p.host_organisation_id, p.kind, p.level, p.approved_on, p.status from platform p \
             join organisation o on o.organisation_id = p.host_organisation_id \
             where p.retired_at is null and o.retired_at is null",
            scope,
        )
        .await?;
        q.push_sql(" order by p.platform_id");
        for r in self.db().fetch_all(q).await? {
            if let Some(&i) = index.get(&r.get::<i64>("host_organisation_id")?) {
                firms[i].platforms.extend(registry_platform(&r)?);
            }
        }
        Ok(organisations.into_iter().zip(firms).map(|(organisation, firm)| PolicyFirm { organisation, firm }).collect())
    }

    /// 高企 certificates (`hte` tiers) of organisations inside the scope (and below `region`,
    /// when given) whose last valid day lies in `from..=to`, soonest first.
    pub async fn expiring_hte_certificates(
        &self,
        scope: &Scope,
        region: Option<&RegionCode>,
        from: Date,
        to: Date,
    ) -> Result<Vec<ExpiringCertificate>, StoreError> {
        let mut q = query(
            "select o.organisation_id, o.name, o.uscc, o.region_code, t.reference, t.valid_from, t.valid_to \
             from organisation_tier t join organisation o on o.organisation_id = t.organisation_id \
             where t.kind = $1 and t.retired_at is null and o.retired_at is null and t.valid_to >= $2 and t.valid_to <= $3",
        )
        .bind(TierKind::Hte.as_str())
        .bind(from)
        .bind(to);
        scope::restrict(self, &mut q, scope, Some("o.region_code"), Some("o.organisation_id")).await?;
        if let Some(region) = region {
            let codes =
                self.scope_regions(&Scope::Regions { regions: vec![region.clone()] }).await?.unwrap_or_default();
            let a = q.bind_list(codes.clone());
            let b = q.bind_list(codes);
            q.push_sql(&format!(" and (o.region_code in ({a}) or o.park_code in ({b}))"));
        }
        q.push_sql(" order by t.valid_to, o.name, t.reference");
        self.db()
            .fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                Ok(ExpiringCertificate {
                    organisation_id: r.get("organisation_id")?,
                    organisation_name: r.get("name")?,
                    uscc: r.get("uscc")?,
                    region_code: r.get("region_code")?,
                    number: r.get("reference")?,
                    issued_on: r.get("valid_from")?,
                    expires_on: r.get("valid_to")?,
                })
            })
            .collect()
    }

    /// The latest year for which an organisation inside the scope has yearly figures.
    pub async fn latest_figures_year(&self, scope: &Scope) -> Result<Option<i32>, StoreError> {
        let q = scoped(
            self,
            "select max(y.year) as y from organisation_year y join organisation o on o.organisation_id = y.organisation_id \
             where o.retired_at is null",
            scope,
        )
        .await?;
        self.db().fetch_one(q).await?.get::<Option<i32>>("y")
    }
}

//! Organisations, keyed by 统一社会信用代码: the register, its filters, and its import.

use std::collections::{BTreeSet, HashMap};

use gaodi_domain::access::Scope;
use gaodi_domain::organisation::{OrganisationKind, Uscc};
use gaodi_domain::region::RegionCode;
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::db::{query, Query, Row};
use crate::import::{ColumnMap, ColumnSpec, ImportReport, RowError};
use crate::tabular::Table;
use crate::{now, scope, Actor, AuditEntry, Store, StoreError};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Organisation {
    pub organisation_id: i64,
    pub uscc: String,
    pub name: String,
    pub kind: String,
    pub region_code: String,
    pub park_code: Option<String>,
    pub industry_code: Option<String>,
    pub founded_on: Option<Date>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

/// The fields of an organisation a user sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewOrganisation {
    pub uscc: Uscc,
    pub name: String,
    pub kind: OrganisationKind,
    pub region_code: RegionCode,
    pub park_code: Option<RegionCode>,
    pub industry_code: Option<String>,
    pub founded_on: Option<Date>,
}

impl NewOrganisation {
    /// The minimum: code, name, kind, region.
    pub fn basic(uscc: Uscc, name: &str, kind: OrganisationKind, region_code: RegionCode) -> NewOrganisation {
        NewOrganisation {
            uscc,
            name: name.to_owned(),
            kind,
            region_code,
            park_code: None,
            industry_code: None,
            founded_on: None,
        }
    }

    fn differs_from(&self, o: &Organisation) -> bool {
        self.name != o.name
            || self.kind.as_str() != o.kind
            || self.region_code.as_str() != o.region_code
            || self.park_code.as_ref().map(RegionCode::as_str) != o.park_code.as_deref()
            || self.industry_code != o.industry_code
            || self.founded_on != o.founded_on
            || o.retired_at.is_some()
    }
}

fn organisation(r: &Row) -> Result<Organisation, StoreError> {
    Ok(Organisation {
        organisation_id: r.get("organisation_id")?,
        uscc: r.get("uscc")?,
        name: r.get("name")?,
        kind: r.get("kind")?,
        region_code: r.get("region_code")?,
        park_code: r.get("park_code")?,
        industry_code: r.get("industry_code")?,
        founded_on: r.get("founded_on")?,
        created_at: r.get("created_at")?,
        retired_at: r.get("retired_at")?,
    })
}

const COLUMNS: &str =
    "organisation_id, uscc, name, kind, region_code, park_code, industry_code, founded_on, created_at, retired_at";

/// How to sort the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrganisationSort {
    #[default]
    Name,
    Uscc,
    Region,
    FoundedOn,
}

impl OrganisationSort {
    pub fn parse(s: &str) -> Option<OrganisationSort> {
        match s {
            "name" => Some(OrganisationSort::Name),
            "uscc" => Some(OrganisationSort::Uscc),
            "region" => Some(OrganisationSort::Region),
            "founded_on" => Some(OrganisationSort::FoundedOn),
            _ => None,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            OrganisationSort::Name => "name, organisation_id",
            OrganisationSort::Uscc => "uscc",
            OrganisationSort::Region => "region_code, name, organisation_id",
            OrganisationSort::FoundedOn => "founded_on, name, organisation_id",
        }
    }
}

/// Filters of the register's list (all optional; they combine with `and`).
#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    /// Part of the name or the code.
    pub q: Option<String>,
    /// This region and everything below it.
    pub region: Option<RegionCode>,
    pub kind: Option<OrganisationKind>,
    /// Holding a valid tier of this kind (e.g. `hte`) on `tier_date`.
    pub tier: Option<String>,
    pub tier_date: Option<Date>,
    pub include_retired: bool,
    pub sort: OrganisationSort,
    pub descending: bool,
}

/// A page of results and the total.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<T>,
}

/// The columns of the organisation import template and export, in order.
pub const ORGANISATION_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("uscc", "统一社会信用代码", "USCC"),
    ColumnSpec::required("name", "单位名称", "Name"),
    ColumnSpec::required("kind", "单位类型", "Kind"),
    ColumnSpec::required("region_code", "所在区划代码", "Region code"),
    ColumnSpec::optional("park_code", "所在园区代码", "Park code"),
    ColumnSpec::optional("industry_code", "行业代码", "Industry code"),
    ColumnSpec::optional("founded_on", "成立日期", "Founded on"),
];

impl Store {
    async fn apply_filter(&self, q: &mut Query, scope: &Scope, f: &OrganisationFilter) -> Result<(), StoreError> {
        scope::restrict(self, q, scope, Some("region_code"), Some("organisation_id")).await?;
        if !f.include_retired {
            q.push_sql(" and retired_at is null");
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let like = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            let a = q.bind_list([like.clone()]);
            let b = q.bind_list([like.to_uppercase()]);
            q.push_sql(&format!(" and (name like {a} escape '\\' or uscc like {b} escape '\\')"));
        }
        if let Some(region) = &f.region {
            let codes =
                self.scope_regions(&Scope::Regions { regions: vec![region.clone()] }).await?.unwrap_or_default();
            let marks = q.bind_list(codes.clone());
            let marks2 = q.bind_list(codes);
            q.push_sql(&format!(" and (region_code in ({marks}) or park_code in ({marks2}))"));
        }
        if let Some(kind) = f.kind {
            let m = q.bind_list([kind.as_str()]);
            q.push_sql(&format!(" and kind = {m}"));
        }
        if let Some(tier) = &f.tier {
            let date = f.tier_date.unwrap_or_else(|| now().date());
            let k = q.bind_list([tier.as_str()]);
            let d1 = q.bind_list([date]);
            let d2 = q.bind_list([date]);
            q.push_sql(&format!(
                " and exists (select 1 from organisation_tier t where t.organisation_id = organisation.organisation_id \
                 and t.kind = {k} and t.retired_at is null and t.valid_from <= {d1} and (t.valid_to is null or t.valid_to >= {d2}))"
            ));
        }
        Ok(())
    }

    /// A page of the register inside the scope.
    pub async fn list_organisations_page(
        &self,
        scope: &Scope,
        f: &OrganisationFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<Organisation>, StoreError> {
        let per_page = per_page.clamp(1, 500);
        let page = page.max(1);
        let mut count = query("select count(*) as n from organisation where 1 = 1");
        self.apply_filter(&mut count, scope, f).await?;
        let total: i64 = self.db().fetch_one(count).await?.get("n")?;
        let mut q = query(format!("select {COLUMNS} from organisation where 1 = 1"));
        self.apply_filter(&mut q, scope, f).await?;
        let dir = if f.descending { " desc" } else { "" };
        let order = f.sort.sql().split(", ").map(|c| format!("{c}{dir}")).collect::<Vec<_>>().join(", ");
        let lim = q.bind_list([per_page]);
        let off = q.bind_list([(page - 1) * per_page]);
        q.push_sql(&format!(" order by {order} limit {lim} offset {off}"));
        let items = self.db().fetch_all(q).await?.iter().map(organisation).collect::<Result<_, _>>()?;
        Ok(Page { total, page, per_page, items })
    }

    /// Every organisation matching the filter (for exports), in the filter's order.
    pub async fn list_organisations_filtered(
        &self,
        scope: &Scope,
        f: &OrganisationFilter,
    ) -> Result<Vec<Organisation>, StoreError> {
        let mut q = query(format!("select {COLUMNS} from organisation where 1 = 1"));
        self.apply_filter(&mut q, scope, f).await?;
        q.push_sql(&format!(" order by {}", f.sort.sql()));
        self.db().fetch_all(q).await?.iter().map(organisation).collect()
    }

    /// Organisations inside the scope that are not retired, by name.
    pub async fn list_organisations(&self, scope: &Scope) -> Result<Vec<Organisation>, StoreError> {
        self.list_organisations_filtered(scope, &OrganisationFilter::default()).await
    }

    /// Checks the parts of an organisation that need the database: the region and park exist
    /// (the park being a park), and both lie in the caller's scope.
    async fn check_places(&self, scope: &Scope, new: &NewOrganisation) -> Result<(), StoreError> {
        let regions = self.regions().await?;
        let known = |c: &RegionCode| regions.iter().find(|r| r.code == *c);
        match known(&new.region_code) {
            Some(r) if !r.kind.is_park() => {}
            _ => {
                return Err(StoreError::invalid(
                    "region.unknown",
                    vec![("code", new.region_code.to_string())],
                    Some("region_code"),
                ))
            }
        }
        if let Some(p) = &new.park_code {
            if !known(p).is_some_and(|r| r.kind.is_park()) {
                return Err(StoreError::invalid(
                    "organisation.unknown_park",
                    vec![("code", p.to_string())],
                    Some("park_code"),
                ));
            }
        }
        if !scope::allows(self, scope, Some(new.region_code.as_str()), None).await? {
            return Err(StoreError::Forbidden);
        }
        Ok(())
    }

    /// Creates an organisation in a region inside the caller's scope. Fails with `Forbidden`
    /// outside the scope, `Duplicate` for a known code, `Invalid` for an unknown region or park
    /// or an empty name.
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        scope: &Scope,
        new: &NewOrganisation,
    ) -> Result<Organisation, StoreError> {
        let new = NewOrganisation { name: new.name.trim().to_owned(), ..new.clone() };
        if new.name.is_empty() {
            return Err(StoreError::invalid("organisation.empty_name", vec![], Some("name")));
        }
        self.check_places(scope, &new).await?;
        let mut tx = self.begin().await?;
        let t = now();
        let row = tx
            .fetch_one(
                query(
                    "insert into organisation (uscc, name, kind, region_code, park_code, industry_code, founded_on, \
                     created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning organisation_id",
                )
                .bind(new.uscc.as_str())
                .bind(&new.name)
                .bind(new.kind.as_str())
                .bind(new.region_code.as_str())
                .bind(new.park_code.as_ref().map(RegionCode::as_str))
                .bind(new.industry_code.clone())
                .bind(new.founded_on)
                .bind(t),
            )
            .await
            .map_err(|e| crate::error::on_duplicate(e, "uscc", new.uscc.as_str()))?;
        let id: i64 = row.get("organisation_id")?;
        let mut entry = AuditEntry::new("organisation.create", "organisation", id)
            .region(Some(new.region_code.to_string()))
            .after(&new);
        entry.organisation_id = Some(id);
        tx.audit(actor, entry).await?;
        tx.commit().await?;
        self.organisation(&Scope::All, id).await
    }

    /// Changes an organisation inside the caller's scope (its code stays).
    pub async fn update_organisation(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        new: &NewOrganisation,
    ) -> Result<Organisation, StoreError> {
        let before = self.organisation(scope, id).await?;
        if before.uscc != new.uscc.as_str() {
            return Err(StoreError::invalid("organisation.uscc_fixed", vec![], Some("uscc")));
        }
        let new = NewOrganisation { name: new.name.trim().to_owned(), ..new.clone() };
        if new.name.is_empty() {
            return Err(StoreError::invalid("organisation.empty_name", vec![], Some("name")));
        }
        self.check_places(scope, &new).await?;
        let mut tx = self.begin().await?;
        update_row(&mut tx, id, &new).await?;
        let mut entry = AuditEntry::new("organisation.update", "organisation", id)
            .region(Some(new.region_code.to_string()))
            .before(&before)
            .after(&new);
        entry.organisation_id = Some(id);
        tx.audit(actor, entry).await?;
        tx.commit().await?;
        self.organisation(&Scope::All, id).await
    }

    /// Retires an organisation (records are never erased: figures and the audit log refer to it).
    pub async fn retire_organisation(&self, actor: &Actor, scope: &Scope, id: i64) -> Result<Organisation, StoreError> {
        let before = self.organisation(scope, id).await?;
        if !scope::allows(self, scope, Some(&before.region_code), Some(id)).await? {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        tx.execute(
            query("update organisation set retired_at = $1, updated_at = $1 where organisation_id = $2")
                .bind(now())
                .bind(id),
        )
        .await?;
        let mut entry = AuditEntry::new("organisation.retire", "organisation", id)
            .region(Some(before.region_code.clone()))
            .before(&before);
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

    /// An organisation by its code (any scope; for seeding and imports).
    pub async fn organisation_by_uscc(&self, uscc: &str) -> Result<Option<Organisation>, StoreError> {
        let row = self
            .db()
            .fetch_optional(query(format!("select {COLUMNS} from organisation where uscc = $1")).bind(uscc))
            .await?;
        row.as_ref().map(organisation).transpose()
    }

    /// Imports organisations from a table, all or nothing. Every row is checked first (code and
    /// its check character, name, kind, region and park, industry, date, scope, duplicates in
    /// the file); if any row is bad, nothing is written and the report lists every bad row.
    /// Otherwise new codes are inserted, changed rows updated and identical rows left alone, in
    /// one transaction with an audit event per change.
    pub async fn import_organisations(
        &self,
        actor: &Actor,
        scope: &Scope,
        table: &Table,
    ) -> Result<ImportReport, StoreError> {
        let mut report =
            ImportReport { kind: "organisation".to_owned(), rows: table.rows.len(), ..ImportReport::default() };
        let map = match ColumnMap::new(table, ORGANISATION_COLUMNS) {
            Ok(m) => m,
            Err(errors) => {
                report.errors = errors;
                return Ok(report);
            }
        };
        let regions = self.regions().await?;
        let region_kind: HashMap<&str, bool> = regions.iter().map(|r| (r.code.as_str(), r.kind.is_park())).collect();
        let in_scope: Option<BTreeSet<String>> = self.scope_regions(scope).await?;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut parsed: Vec<NewOrganisation> = Vec::with_capacity(table.rows.len());
        let mut errors: Vec<RowError> = Vec::new();
        for row in &table.rows {
            let before = errors.len();
            let uscc = map.required(row, "uscc", &mut errors).and_then(|v| {
                Uscc::parse(&v.to_uppercase()).map_err(|e| errors.push(map.error(row, "uscc", e.code(), e.args()))).ok()
            });
            if let Some(u) = &uscc {
                if let Some(first) = seen.insert(u.to_string(), row.line) {
                    errors.push(map.error(
                        row,
                        "uscc",
                        "import.duplicate_key",
                        vec![("first_line", first.to_string())],
                    ));
                }
            }
            let name = map.required(row, "name", &mut errors).map(str::to_owned);
            let kind = map.required(row, "kind", &mut errors).and_then(|v| {
                OrganisationKind::parse(v).map_err(|e| errors.push(map.error(row, "kind", e.code(), e.args()))).ok()
            });
            let region = map.required(row, "region_code", &mut errors).and_then(|v| match RegionCode::parse(v) {
                Err(e) => {
                    errors.push(map.error(row, "region_code", e.code(), e.args()));
                    None
                }
                Ok(c) if region_kind.get(c.as_str()) != Some(&false) => {
                    errors.push(map.error(row, "region_code", "region.unknown", vec![("code", c.to_string())]));
                    None
                }
                Ok(c) if in_scope.as_ref().is_some_and(|s| !s.contains(c.as_str())) => {
                    errors.push(map.error(row, "region_code", "import.out_of_scope", vec![("code", c.to_string())]));
                    None
                }
                Ok(c) => Some(c),
            });
            let park = match map.get(row, "park_code") {
                "" => None,
                v => match RegionCode::parse(v) {
                    Ok(c) if region_kind.get(c.as_str()) == Some(&true) => Some(c),
                    Ok(c) => {
                        errors.push(map.error(
                            row,
                            "park_code",
                            "organisation.unknown_park",
                            vec![("code", c.to_string())],
                        ));
                        None
                    }
                    Err(e) => {
                        errors.push(map.error(row, "park_code", e.code(), e.args()));
                        None
                    }
                },
            };
            let industry = match map.get(row, "industry_code") {
                "" => None,
                v => crate::organisation::check_industry(v)
                    .map_err(|(code, args)| errors.push(map.error(row, "industry_code", code, args)))
                    .ok(),
            };
            let founded_on = map.optional_date(row, "founded_on", &mut errors);
            if errors.len() == before {
                if let (Some(uscc), Some(name), Some(kind), Some(region_code)) = (uscc, name, kind, region) {
                    parsed.push(NewOrganisation {
                        uscc,
                        name,
                        kind,
                        region_code,
                        park_code: park,
                        industry_code: industry,
                        founded_on,
                    });
                }
            }
        }
        if !errors.is_empty() {
            report.errors = errors;
            return Ok(report);
        }
        self.write_organisations(actor, &parsed, &mut report).await?;
        Ok(report)
    }

    async fn write_organisations(
        &self,
        actor: &Actor,
        rows: &[NewOrganisation],
        report: &mut ImportReport,
    ) -> Result<(), StoreError> {
        let mut existing: HashMap<String, Organisation> = HashMap::new();
        for chunk in rows.chunks(500) {
            let mut q = query(format!("select {COLUMNS} from organisation where uscc in ("));
            let marks = q.bind_list(chunk.iter().map(|r| r.uscc.to_string()));
            q.push_sql(&format!("{marks})"));
            for r in self.db().fetch_all(q).await? {
                let o = organisation(&r)?;
                existing.insert(o.uscc.clone(), o);
            }
        }
        let t = now();
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        let new_rows: Vec<&NewOrganisation> = rows.iter().filter(|r| !existing.contains_key(r.uscc.as_str())).collect();
        for chunk in new_rows.chunks(200) {
            let mut q = query(
                "insert into organisation (uscc, name, kind, region_code, park_code, industry_code, founded_on, \
                 created_at, updated_at) values ",
            );
            let mut values = Vec::with_capacity(chunk.len());
            for r in chunk {
                let marks = q.bind_list([
                    r.uscc.to_string(),
                    r.name.clone(),
                    r.kind.as_str().to_owned(),
                    r.region_code.to_string(),
                ]);
                let park = q.bind_list([r.park_code.as_ref().map(RegionCode::to_string)]);
                let ind = q.bind_list([r.industry_code.clone()]);
                let founded = q.bind_list([r.founded_on]);
                let created = q.bind_list([t]);
                values.push(format!("({marks}, {park}, {ind}, {founded}, {created}, {created})"));
            }
            q.push_sql(&values.join(", "));
            q.push_sql(" returning organisation_id, uscc");
            let ids: HashMap<String, i64> = tx
                .fetch_all(q)
                .await?
                .iter()
                .map(|r| Ok((r.get::<String>("uscc")?, r.get::<i64>("organisation_id")?)))
                .collect::<Result<_, StoreError>>()?;
            for r in chunk {
                let id = ids[r.uscc.as_str()];
                let mut e = AuditEntry::new("organisation.create", "organisation", id)
                    .region(Some(r.region_code.to_string()))
                    .after(r);
                e.organisation_id = Some(id);
                audit.push(e);
            }
            report.inserted += chunk.len();
        }
        for r in rows {
            if let Some(o) = existing.get(r.uscc.as_str()) {
                if r.differs_from(o) {
                    update_row(&mut tx, o.organisation_id, r).await?;
                    tx.execute(
                        query("update organisation set retired_at = null where organisation_id = $1")
                            .bind(o.organisation_id),
                    )
                    .await?;
                    let mut e = AuditEntry::new("organisation.update", "organisation", o.organisation_id)
                        .region(Some(r.region_code.to_string()))
                        .before(o)
                        .after(r);
                    e.organisation_id = Some(o.organisation_id);
                    audit.push(e);
                    report.updated += 1;
                } else {
                    report.unchanged += 1;
                }
            }
        }
        tx.audit_batch(actor, audit).await?;
        tx.commit().await
    }
}

async fn update_row(tx: &mut crate::db::Tx, id: i64, new: &NewOrganisation) -> Result<(), StoreError> {
    tx.execute(
        query(
            "update organisation set name = $1, kind = $2, region_code = $3, park_code = $4, industry_code = $5, \
             founded_on = $6, updated_at = $7 where organisation_id = $8",
        )
        .bind(&new.name)
        .bind(new.kind.as_str())
        .bind(new.region_code.as_str())
        .bind(new.park_code.as_ref().map(RegionCode::as_str))
        .bind(new.industry_code.clone())
        .bind(new.founded_on)
        .bind(now())
        .bind(id),
    )
    .await?;
    Ok(())
}

/// Checks an industry code (GB/T 4754-2017: a section letter, optionally with its two-digit
/// division, e.g. `C39`); lower case is accepted and upper-cased.
pub fn check_industry(v: &str) -> Result<String, crate::import::Reason> {
    gaodi_domain::registry::IndustryCode::parse(&v.trim().to_uppercase())
        .map(|c| c.to_string())
        .map_err(|e| (e.code(), e.args()))
}

/// Writes organisations back into the template's layout (an export re-imports unchanged).
pub fn organisation_rows(items: &[Organisation]) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = ORGANISATION_COLUMNS.iter().map(|c| c.zh.to_owned()).collect();
    let rows = items
        .iter()
        .map(|o| {
            vec![
                o.uscc.clone(),
                o.name.clone(),
                OrganisationKind::parse(&o.kind).map_or_else(|_| o.kind.clone(), |k| k.name_zh().to_owned()),
                o.region_code.clone(),
                o.park_code.clone().unwrap_or_default(),
                o.industry_code.clone().unwrap_or_default(),
                o.founded_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    (headers, rows)
}

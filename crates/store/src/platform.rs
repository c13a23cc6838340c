//! Innovation platforms (labs, centres, incubators, …) by kind and level, hosted by an
//! organisation in a region.

use std::collections::HashMap;

use gaodi_domain::access::Scope;
use gaodi_domain::region::RegionCode;
use gaodi_domain::registry::{Level, PlatformKind};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::db::{query, Query, Row};
use crate::import::{ColumnMap, ColumnSpec, ImportReport, RowError};
use crate::organisation::Page;
use crate::tabular::Table;
use crate::{now, scope, Actor, AuditEntry, Store, StoreError};

/// The states a platform can be in.
pub const PLATFORM_STATUSES: [&str; 4] = ["operating", "under_construction", "accepted", "revoked"];

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Platform {
    pub platform_id: i64,
    pub name: String,
    pub kind: String,
    pub level: String,
    pub host_organisation_id: Option<i64>,
    pub region_code: String,
    pub reference: Option<String>,
    pub approved_on: Option<Date>,
    pub status: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

/// The fields of a platform a user sets.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NewPlatform {
    pub name: String,
    pub kind: PlatformKind,
    pub level: Level,
    pub host_organisation_id: Option<i64>,
    pub region_code: RegionCode,
    pub reference: Option<String>,
    pub approved_on: Option<Date>,
    pub status: String,
}

impl NewPlatform {
    fn differs_from(&self, p: &Platform) -> bool {
        self.name != p.name
            || self.kind.as_str() != p.kind
            || self.level.as_str() != p.level
            || self.host_organisation_id != p.host_organisation_id
            || self.region_code.as_str() != p.region_code
            || self.approved_on != p.approved_on
            || self.status != p.status
            || p.retired_at.is_some()
    }
}

fn platform(r: &Row) -> Result<Platform, StoreError> {
    Ok(Platform {
        platform_id: r.get("platform_id")?,
        name: r.get("name")?,
        kind: r.get("kind")?,
        level: r.get("level")?,
        host_organisation_id: r.get("host_organisation_id")?,
        region_code: r.get("region_code")?,
        reference: r.get("reference")?,
        approved_on: r.get("approved_on")?,
        status: r.get("status")?,
        retired_at: r.get("retired_at")?,
    })
}

const COLUMNS: &str =
    "platform_id, name, kind, level, host_organisation_id, region_code, reference, approved_on, status, retired_at";

/// Filters of the platform list.
#[derive(Debug, Clone, Default)]
pub struct PlatformFilter {
    pub q: Option<String>,
    pub region: Option<RegionCode>,
    pub kind: Option<PlatformKind>,
    pub level: Option<Level>,
    pub host_organisation_id: Option<i64>,
    /// Approved on or before this day (the stock at a date).
    pub approved_by: Option<Date>,
    pub include_retired: bool,
}

/// The columns of the platform import template and export.
pub const PLATFORM_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("name", "平台名称", "Name"),
    ColumnSpec::required("kind", "平台类型", "Kind"),
    ColumnSpec::required("level", "级别", "Level"),
    ColumnSpec::optional("host_uscc", "依托单位统一社会信用代码", "Host USCC"),
    ColumnSpec::required("region_code", "所在区划代码", "Region code"),
    ColumnSpec::required("reference", "批准文号", "Approval reference"),
    ColumnSpec::optional("approved_on", "批准日期", "Approved on"),
    ColumnSpec::optional("status", "状态", "Status"),
];

/// Parses a platform kind by code or Chinese name.
pub fn parse_platform_kind(s: &str) -> Option<PlatformKind> {
    PlatformKind::parse(s).ok().or_else(|| PlatformKind::ALL.into_iter().find(|k| k.name_zh() == s))
}

/// Chinese names of the statuses (the import accepts either form).
pub fn status_name_zh(s: &str) -> &'static str {
    match s {
        "operating" => "运行",
        "under_construction" => "建设中",
        "accepted" => "已验收",
        "revoked" => "已撤销",
        _ => "",
    }
}

fn parse_status(s: &str) -> Option<&'static str> {
    PLATFORM_STATUSES.into_iter().find(|st| *st == s || status_name_zh(st) == s)
}

impl Store {
    async fn platform_filter(&self, q: &mut Query, scope: &Scope, f: &PlatformFilter) -> Result<(), StoreError> {
        scope::restrict(self, q, scope, Some("region_code"), Some("host_organisation_id")).await?;
        if !f.include_retired {
            q.push_sql(" and retired_at is null");
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let m = q.bind_list([format!("%{text}%")]);
            q.push_sql(&format!(" and name like {m}"));
        }
        if let Some(region) = &f.region {
            let codes =
                self.scope_regions(&Scope::Regions { regions: vec![region.clone()] }).await?.unwrap_or_default();
            let m = q.bind_list(codes);
            q.push_sql(&format!(" and region_code in ({m})"));
        }
        if let Some(k) = f.kind {
            let m = q.bind_list([k.as_str()]);
            q.push_sql(&format!(" and kind = {m}"));
        }
        if let Some(l) = f.level {
            let m = q.bind_list([l.as_str()]);
            q.push_sql(&format!(" and level = {m}"));
        }
        if let Some(h) = f.host_organisation_id {
            let m = q.bind_list([h]);
            q.push_sql(&format!(" and host_organisation_id = {m}"));
        }
        if let Some(d) = f.approved_by {
            let m = q.bind_list([d]);
            q.push_sql(&format!(" and (approved_on is null or approved_on <= {m}) and status <> 'revoked'"));
        }
        Ok(())
    }

    /// A page of platforms inside the scope, by level then name.
    pub async fn list_platforms(
        &self,
        scope: &Scope,
        f: &PlatformFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<Platform>, StoreError> {
        let per_page = per_page.clamp(1, 500);
        let page = page.max(1);
        let mut count = query("select count(*) as n from platform where 1 = 1");
        self.platform_filter(&mut count, scope, f).await?;
        let total: i64 = self.db().fetch_one(count).await?.get("n")?;
        let mut q = query(format!("select {COLUMNS} from platform where 1 = 1"));
        self.platform_filter(&mut q, scope, f).await?;
        let lim = q.bind_list([per_page]);
        let off = q.bind_list([(page - 1) * per_page]);
        q.push_sql(&format!(" order by level, name, platform_id limit {lim} offset {off}"));
        let items = self.db().fetch_all(q).await?.iter().map(platform).collect::<Result<_, _>>()?;
        Ok(Page { total, page, per_page, items })
    }

    /// Counts of platforms inside the scope by level (approved by `date`, not revoked).
    pub async fn count_platforms_by_level(&self, scope: &Scope, date: Date) -> Result<Vec<(String, i64)>, StoreError> {
        let mut q = query("select level, count(*) as n from platform where 1 = 1");
        self.platform_filter(&mut q, scope, &PlatformFilter { approved_by: Some(date), ..PlatformFilter::default() })
            .await?;
        q.push_sql(" group by level order by level");
        self.db().fetch_all(q).await?.iter().map(|r| Ok((r.get::<String>("level")?, r.get::<i64>("n")?))).collect()
    }

    /// One platform inside the scope.
    pub async fn platform(&self, scope: &Scope, id: i64) -> Result<Platform, StoreError> {
        let mut q = query(format!("select {COLUMNS} from platform where platform_id = $1")).bind(id);
        scope::restrict(self, &mut q, scope, Some("region_code"), Some("host_organisation_id")).await?;
        platform(&self.db().fetch_one(q).await?)
    }

    async fn check_platform(&self, scope: &Scope, new: &NewPlatform) -> Result<(), StoreError> {
        if new.name.trim().is_empty() {
            return Err(StoreError::invalid("platform.empty_name", vec![], Some("name")));
        }
        if !PLATFORM_STATUSES.contains(&new.status.as_str()) {
            return Err(StoreError::invalid(
                "platform.unknown_status",
                vec![("value", new.status.clone())],
                Some("status"),
            ));
        }
        if !scope::allows(self, scope, Some(new.region_code.as_str()), new.host_organisation_id).await? {
            return Err(StoreError::Forbidden);
        }
        if let Some(h) = new.host_organisation_id {
            self.organisation(scope, h).await.map_err(|_| {
                StoreError::invalid(
                    "platform.unknown_host",
                    vec![("value", h.to_string())],
                    Some("host_organisation_id"),
                )
            })?;
        }
        Ok(())
    }

    /// Creates a platform in the scope.
    pub async fn create_platform(
        &self,
        actor: &Actor,
        scope: &Scope,
        new: &NewPlatform,
    ) -> Result<Platform, StoreError> {
        self.check_platform(scope, new).await?;
        let mut tx = self.begin().await?;
        let id = insert_platform(&mut tx, new).await?;
        tx.audit(
            actor,
            AuditEntry::new("platform.create", "platform", id).region(Some(new.region_code.to_string())).after(new),
        )
        .await?;
        tx.commit().await?;
        self.platform(&Scope::All, id).await
    }

    /// Changes a platform in the scope.
    pub async fn update_platform(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        new: &NewPlatform,
    ) -> Result<Platform, StoreError> {
        let before = self.platform(scope, id).await?;
        self.check_platform(scope, new).await?;
        let mut tx = self.begin().await?;
        update_platform_row(&mut tx, id, new).await?;
        tx.audit(
            actor,
            AuditEntry::new("platform.update", "platform", id)
                .region(Some(new.region_code.to_string()))
                .before(&before)
                .after(new),
        )
        .await?;
        tx.commit().await?;
        self.platform(&Scope::All, id).await
    }

    /// Imports platforms, all or nothing; the approval reference is the natural key.
    pub async fn import_platforms(
        &self,
        actor: &Actor,
        scope: &Scope,
        table: &Table,
    ) -> Result<ImportReport, StoreError> {
        let mut report =
            ImportReport { kind: "platform".to_owned(), rows: table.rows.len(), ..ImportReport::default() };
        let map = match ColumnMap::new(table, PLATFORM_COLUMNS) {
            Ok(m) => m,
            Err(errors) => {
                report.errors = errors;
                return Ok(report);
            }
        };
        let orgs = self.organisation_ids_by_uscc(scope).await?;
        let in_scope = self.scope_regions(scope).await?;
        let regions = self.regions().await?;
        let mut errors: Vec<RowError> = Vec::new();
        let mut parsed: Vec<NewPlatform> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for row in &table.rows {
            let before = errors.len();
            let name = map.required(row, "name", &mut errors).map(str::to_owned);
            let kind = map.required(row, "kind", &mut errors).and_then(|v| {
                let k = parse_platform_kind(v);
                if k.is_none() {
                    errors.push(map.error(
                        row,
                        "kind",
                        "registry.unknown_platform_kind",
                        vec![("value", v.to_owned())],
                    ));
                }
                k
            });
            let level = map.required(row, "level", &mut errors).and_then(|v| {
                let l = crate::tier::parse_level(v);
                if l.is_none() {
                    errors.push(map.error(row, "level", "registry.unknown_level", vec![("value", v.to_owned())]));
                }
                l
            });
            let host = map.organisation(row, "host_uscc", &orgs, &mut errors).map(|(id, _)| id);
            let region = map.required(row, "region_code", &mut errors).and_then(|v| match RegionCode::parse(v) {
                Ok(c) if !regions.iter().any(|r| r.code == c) => {
                    errors.push(map.error(row, "region_code", "region.unknown", vec![("code", c.to_string())]));
                    None
                }
                Ok(c) if in_scope.as_ref().is_some_and(|s| !s.contains(c.as_str())) => {
                    errors.push(map.error(row, "region_code", "import.out_of_scope", vec![("code", c.to_string())]));
                    None
                }
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push(map.error(row, "region_code", e.code(), e.args()));
                    None
                }
            });
            let reference = map.required(row, "reference", &mut errors).map(str::to_owned);
            if let Some(r) = &reference {
                if let Some(first) = seen.insert(r.clone(), row.line) {
                    errors.push(map.error(
                        row,
                        "reference",
                        "import.duplicate_key",
                        vec![("first_line", first.to_string())],
                    ));
                }
            }
            let approved_on = map.optional_date(row, "approved_on", &mut errors);
            let status = match map.get(row, "status") {
                "" => Some("operating"),
                v => {
                    let s = parse_status(v);
                    if s.is_none() {
                        errors.push(map.error(row, "status", "platform.unknown_status", vec![("value", v.to_owned())]));
                    }
                    s
                }
            };
            if errors.len() == before {
                if let (Some(name), Some(kind), Some(level), Some(region_code), Some(status)) =
                    (name, kind, level, region, status)
                {
                    parsed.push(NewPlatform {
                        name,
                        kind,
                        level,
                        host_organisation_id: host,
                        region_code,
                        reference,
                        approved_on,
                        status: status.to_owned(),
                    });
                }
            }
        }
        if !errors.is_empty() {
            report.errors = errors;
            return Ok(report);
        }
        let mut existing: HashMap<String, Platform> = HashMap::new();
        for chunk in parsed.chunks(500) {
            let mut q = query(format!("select {COLUMNS} from platform where reference in ("));
            let m = q.bind_list(chunk.iter().filter_map(|p| p.reference.clone()));
            q.push_sql(&format!("{m})"));
            for r in self.db().fetch_all(q).await? {
                let p = platform(&r)?;
                existing.insert(p.reference.clone().unwrap_or_default(), p);
            }
        }
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        for p in &parsed {
            let key = p.reference.clone().unwrap_or_default();
            match existing.get(&key) {
                Some(old) if !p.differs_from(old) => report.unchanged += 1,
                Some(old) => {
                    update_platform_row(&mut tx, old.platform_id, p).await?;
                    audit.push(
                        AuditEntry::new("platform.update", "platform", old.platform_id)
                            .region(Some(p.region_code.to_string()))
                            .before(old)
                            .after(p),
                    );
                    report.updated += 1;
                }
                None => {
                    let id = insert_platform(&mut tx, p).await?;
                    audit.push(
                        AuditEntry::new("platform.create", "platform", id)
                            .region(Some(p.region_code.to_string()))
                            .after(p),
                    );
                    report.inserted += 1;
                }
            }
        }
        tx.audit_batch(actor, audit).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Platforms inside the scope in the template's layout.
    pub async fn platform_rows(
        &self,
        scope: &Scope,
        f: &PlatformFilter,
    ) -> Result<(Vec<String>, Vec<Vec<String>>), StoreError> {
        let mut q = query(format!(
            "select {COLUMNS}, (select uscc from organisation o where o.organisation_id = platform.host_organisation_id) as host_uscc \
             from platform where 1 = 1"
        ));
        self.platform_filter(&mut q, scope, f).await?;
        q.push_sql(" order by level, name, platform_id");
        let headers = PLATFORM_COLUMNS.iter().map(|c| c.zh.to_owned()).collect();
        let rows = self
            .db()
            .fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                let p = platform(r)?;
                Ok(vec![
                    p.name,
                    PlatformKind::parse(&p.kind).map_or(p.kind.clone(), |k| k.name_zh().to_owned()),
                    Level::parse(&p.level).map_or(p.level.clone(), |l| l.name_zh().to_owned()),
                    r.get::<Option<String>>("host_uscc")?.unwrap_or_default(),
                    p.region_code,
                    p.reference.unwrap_or_default(),
                    p.approved_on.map(|d| d.to_string()).unwrap_or_default(),
                    status_name_zh(&p.status).to_owned(),
                ])
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((headers, rows))
    }
}

async fn insert_platform(tx: &mut crate::db::Tx, p: &NewPlatform) -> Result<i64, StoreError> {
    let t = now();
    let row = tx
        .fetch_one(
            query(
                "insert into platform (name, kind, level, host_organisation_id, region_code, reference, approved_on, \
                 status, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning platform_id",
            )
            .bind(p.name.trim())
            .bind(p.kind.as_str())
            .bind(p.level.as_str())
            .bind(p.host_organisation_id)
            .bind(p.region_code.as_str())
            .bind(p.reference.clone())
            .bind(p.approved_on)
            .bind(&p.status)
            .bind(t),
        )
        .await
        .map_err(|e| crate::error::on_duplicate(e, "reference", p.reference.as_deref().unwrap_or("")))?;
    row.get("platform_id")
}

async fn update_platform_row(tx: &mut crate::db::Tx, id: i64, p: &NewPlatform) -> Result<(), StoreError> {
    tx.execute(
        query(
            "update platform set name = $1, kind = $2, level = $3, host_organisation_id = $4, region_code = $5, \
             approved_on = $6, status = $7, updated_at = $8, retired_at = null where platform_id = $9",
        )
        .bind(p.name.trim())
        .bind(p.kind.as_str())
        .bind(p.level.as_str())
        .bind(p.host_organisation_id)
        .bind(p.region_code.as_str())
        .bind(p.approved_on)
        .bind(&p.status)
        .bind(now())
        .bind(id),
    )
    .await?;
    Ok(())
}

/// The results a platform evaluation can have.
pub const EVALUATION_RESULTS: [&str; 4] = ["excellent", "good", "pass", "fail"];

/// One evaluation of a platform.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PlatformEvaluation {
    pub platform_evaluation_id: i64,
    pub platform_id: i64,
    pub year: i32,
    pub result: String,
    pub note: String,
}

impl Store {
    /// The evaluation history of a platform inside the scope, newest first.
    pub async fn platform_evaluations(
        &self,
        scope: &Scope,
        platform_id: i64,
    ) -> Result<Vec<PlatformEvaluation>, StoreError> {
        let p = self.platform(scope, platform_id).await?;
        let rows = self
            .db()
            .fetch_all(
                query("select * from platform_evaluation where platform_id = $1 order by year desc")
                    .bind(p.platform_id),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PlatformEvaluation {
                    platform_evaluation_id: r.get("platform_evaluation_id")?,
                    platform_id: r.get("platform_id")?,
                    year: r.get("year")?,
                    result: r.get("result")?,
                    note: r.get("note")?,
                })
            })
            .collect()
    }

    /// Records the evaluation of a platform for a year (one per year; a second is `Duplicate`).
    pub async fn add_platform_evaluation(
        &self,
        actor: &Actor,
        scope: &Scope,
        platform_id: i64,
        year: i32,
        result: &str,
        note: &str,
    ) -> Result<PlatformEvaluation, StoreError> {
        let p = self.platform(scope, platform_id).await?;
        if !scope::allows(self, scope, Some(&p.region_code), p.host_organisation_id).await? {
            return Err(StoreError::Forbidden);
        }
        if !EVALUATION_RESULTS.contains(&result) {
            return Err(StoreError::invalid(
                "platform.unknown_result",
                vec![("value", result.to_owned())],
                Some("result"),
            ));
        }
        if !(1978..=2100).contains(&year) {
            return Err(StoreError::invalid("import.bad_year", vec![("value", year.to_string())], Some("year")));
        }
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_one(
                query(
                    "insert into platform_evaluation (platform_id, year, result, note, created_at) \
                     values ($1, $2, $3, $4, $5) returning platform_evaluation_id",
                )
                .bind(platform_id)
                .bind(year)
                .bind(result)
                .bind(note.trim())
                .bind(now()),
            )
            .await
            .map_err(|e| crate::error::on_duplicate(e, "evaluation", &format!("{} {year}", p.name)))?;
        let e = PlatformEvaluation {
            platform_evaluation_id: row.get("platform_evaluation_id")?,
            platform_id,
            year,
            result: result.to_owned(),
            note: note.trim().to_owned(),
        };
        tx.audit(
            actor,
            AuditEntry::new("platform.evaluate", "platform", platform_id).region(Some(p.region_code.clone())).after(&e),
        )
        .await?;
        tx.commit().await?;
        Ok(e)
    }
}

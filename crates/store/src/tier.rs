//! Dated tiers of organisations (高新技术企业, 科技型中小企业, 专精特新, …): records with
//! their certificate or registration number, validity and evidence, never flags.

use std::collections::HashMap;

use gaodi_domain::access::Scope;
use gaodi_domain::registry::{Level, Tier, TierKind};
use serde::Serialize;
use time::Date;

use crate::db::{query, Row, Tx};
use crate::import::{ColumnMap, ColumnSpec, ImportReport, RowError};
use crate::tabular::Table;
use crate::{now, scope, Actor, AuditEntry, Store, StoreError};

/// A stored tier.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TierRecord {
    pub organisation_tier_id: i64,
    pub organisation_id: i64,
    pub kind: String,
    pub reference: Option<String>,
    pub level: Option<String>,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub evidence: String,
}

pub(crate) fn record(r: &Row) -> Result<TierRecord, StoreError> {
    Ok(TierRecord {
        organisation_tier_id: r.get("organisation_tier_id")?,
        organisation_id: r.get("organisation_id")?,
        kind: r.get("kind")?,
        reference: r.get("reference")?,
        level: r.get("level")?,
        valid_from: r.get("valid_from")?,
        valid_to: r.get("valid_to")?,
        evidence: r.get("evidence")?,
    })
}

impl TierRecord {
    fn same_as(&self, t: &Tier) -> bool {
        self.kind == t.kind().as_str()
            && self.reference.as_deref() == t.reference()
            && self.level.as_deref() == t.level().map(Level::as_str)
            && self.valid_from == t.valid_from()
            && self.valid_to == t.valid_to()
            && self.evidence == t.evidence()
    }
}

const COLUMNS: &str = "organisation_tier_id, organisation_id, kind, reference, level, valid_from, valid_to, evidence";

/// The columns of the tier import template and export.
pub const TIER_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("uscc", "统一社会信用代码", "USCC"),
    ColumnSpec::required("kind", "资质类型", "Tier"),
    ColumnSpec::optional("reference", "证书或登记编号", "Reference"),
    ColumnSpec::optional("level", "级别", "Level"),
    ColumnSpec::required("valid_from", "有效期起", "Valid from"),
    ColumnSpec::optional("valid_to", "有效期止", "Valid to"),
    ColumnSpec::required("evidence", "依据", "Evidence"),
];

/// Parses a tier kind by code (`hte`) or Chinese name (`高新技术企业`).
pub fn parse_tier_kind(s: &str) -> Option<TierKind> {
    TierKind::parse(s).ok().or_else(|| TierKind::ALL.into_iter().find(|k| k.name_zh() == s))
}

/// Parses a level by code (`national`) or Chinese name (`国家级`).
pub fn parse_level(s: &str) -> Option<Level> {
    Level::parse(s).ok().or_else(|| Level::ALL.into_iter().find(|l| l.name_zh() == s))
}

async fn insert_tier(tx: &mut Tx, org: i64, t: &Tier) -> Result<i64, StoreError> {
    let row = tx
        .fetch_one(
            query(
                "insert into organisation_tier (organisation_id, kind, reference, level, valid_from, valid_to, \
                 evidence, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8) returning organisation_tier_id",
            )
            .bind(org)
            .bind(t.kind().as_str())
            .bind(t.reference())
            .bind(t.level().map(Level::as_str))
            .bind(t.valid_from())
            .bind(t.valid_to())
            .bind(t.evidence())
            .bind(now()),
        )
        .await
        .map_err(|e| crate::error::on_duplicate(e, "reference", t.reference().unwrap_or("")))?;
    row.get("organisation_tier_id")
}

impl Store {
    /// The tiers of an organisation inside the scope (retired ones left out), newest first.
    pub async fn tiers(&self, scope: &Scope, organisation_id: i64) -> Result<Vec<TierRecord>, StoreError> {
        let org = self.organisation(scope, organisation_id).await?;
        let rows = self
            .db()
            .fetch_all(
                query(format!(
                    "select {COLUMNS} from organisation_tier where organisation_id = $1 and retired_at is null \
                     order by valid_from desc, kind"
                ))
                .bind(org.organisation_id),
            )
            .await?;
        rows.iter().map(record).collect()
    }

    /// Records a tier for an organisation inside the scope.
    pub async fn add_tier(
        &self,
        actor: &Actor,
        scope: &Scope,
        organisation_id: i64,
        tier: &Tier,
    ) -> Result<TierRecord, StoreError> {
        let org = self.organisation(scope, organisation_id).await?;
        if !scope::allows(self, scope, Some(&org.region_code), Some(org.organisation_id)).await? {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        let id = insert_tier(&mut tx, organisation_id, tier).await?;
        let mut e =
            AuditEntry::new("tier.create", "organisation_tier", id).region(Some(org.region_code.clone())).after(tier);
        e.organisation_id = Some(organisation_id);
        tx.audit(actor, e).await?;
        tx.commit().await?;
        let row = self
            .db()
            .fetch_one(
                query(format!("select {COLUMNS} from organisation_tier where organisation_tier_id = $1")).bind(id),
            )
            .await?;
        record(&row)
    }

    /// Retires a tier record (kept for history and figures of past years).
    pub async fn retire_tier(&self, actor: &Actor, scope: &Scope, tier_id: i64) -> Result<(), StoreError> {
        let row = self
            .db()
            .fetch_one(
                query(format!("select {COLUMNS} from organisation_tier where organisation_tier_id = $1")).bind(tier_id),
            )
            .await?;
        let before = record(&row)?;
        let org = self.organisation(scope, before.organisation_id).await?;
        let mut tx = self.begin().await?;
        tx.execute(
            query("update organisation_tier set retired_at = $1 where organisation_tier_id = $2")
                .bind(now())
                .bind(tier_id),
        )
        .await?;
        let mut e =
            AuditEntry::new("tier.retire", "organisation_tier", tier_id).region(Some(org.region_code)).before(&before);
        e.organisation_id = Some(before.organisation_id);
        tx.audit(actor, e).await?;
        tx.commit().await
    }

    /// How many organisations in the scope hold a valid tier of `kind` on `date`, by region
    /// code of the organisation (retired organisations and tiers left out).
    pub async fn count_tier_holders(
        &self,
        scope: &Scope,
        kind: TierKind,
        date: Date,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut q = query(
            "select o.region_code, count(distinct o.organisation_id) as n from organisation o \
             join organisation_tier t on t.organisation_id = o.organisation_id \
             where t.kind = $1 and t.retired_at is null and o.retired_at is null and t.valid_from <= $2 \
             and (t.valid_to is null or t.valid_to >= $3)",
        )
        .bind(kind.as_str())
        .bind(date)
        .bind(date);
        scope::restrict(self, &mut q, scope, Some("o.region_code"), Some("o.organisation_id")).await?;
        q.push_sql(" group by o.region_code order by o.region_code");
        self.db()
            .fetch_all(q)
            .await?
            .iter()
            .map(|r| Ok((r.get::<String>("region_code")?, r.get::<i64>("n")?)))
            .collect()
    }

    /// Imports tiers, all or nothing. Rows name the organisation by its code (it must exist and
    /// lie in the scope) and are checked by the rules of their kind; a row with the same
    /// reference (or, without one, the same organisation, kind and first day) as a stored
    /// record updates it, an identical one changes nothing.
    pub async fn import_tiers(&self, actor: &Actor, scope: &Scope, table: &Table) -> Result<ImportReport, StoreError> {
        let mut report = ImportReport { kind: "tier".to_owned(), rows: table.rows.len(), ..ImportReport::default() };
        let map = match ColumnMap::new(table, TIER_COLUMNS) {
            Ok(m) => m,
            Err(errors) => {
                report.errors = errors;
                return Ok(report);
            }
        };
        let orgs = self.organisation_ids_by_uscc(scope).await?;
        let mut errors: Vec<RowError> = Vec::new();
        let mut parsed: Vec<(i64, String, Tier)> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for row in &table.rows {
            let before = errors.len();
            let org =
                map.required(row, "uscc", &mut errors).and_then(|_| map.organisation(row, "uscc", &orgs, &mut errors));
            let kind = map.required(row, "kind", &mut errors).and_then(|k| {
                let found = parse_tier_kind(k);
                if found.is_none() {
                    errors.push(map.error(row, "kind", "registry.unknown_tier_kind", vec![("value", k.to_owned())]));
                }
                found
            });
            let level = match map.get(row, "level") {
                "" => None,
                v => {
                    let l = parse_level(v);
                    if l.is_none() {
                        errors.push(map.error(row, "level", "registry.unknown_level", vec![("value", v.to_owned())]));
                    }
                    l
                }
            };
            let valid_from = map
                .required(row, "valid_from", &mut errors)
                .and_then(|_| map.optional_date(row, "valid_from", &mut errors));
            let valid_to = map.optional_date(row, "valid_to", &mut errors);
            let reference = map.get(row, "reference");
            if errors.len() == before {
                if let (Some(org), Some(kind), Some(from)) = (org, kind, valid_from) {
                    match Tier::new(kind, Some(reference), level, from, valid_to, map.get(row, "evidence")) {
                        Ok(t) => {
                            let key = natural_key(org.0, &t);
                            if let Some(first) = seen.insert(key, row.line) {
                                errors.push(map.error(
                                    row,
                                    "reference",
                                    "import.duplicate_key",
                                    vec![("first_line", first.to_string())],
                                ));
                            } else {
                                parsed.push((org.0, org.1.clone(), t));
                            }
                        }
                        Err(e) => {
                            let column = match e.code() {
                                "registry.evidence_required" => "evidence",
                                "registry.level_not_applicable" => "level",
                                "registry.validity_reversed"
                                | "registry.hte_validity_too_long"
                                | "registry.tech_sme_validity_too_long" => "valid_to",
                                "registry.hte_year_mismatch" | "registry.tech_sme_year_mismatch" => "valid_from",
                                _ => "reference",
                            };
                            errors.push(map.error(row, column, e.code(), e.args()));
                        }
                    }
                }
            }
        }
        if !errors.is_empty() {
            report.errors = errors;
            return Ok(report);
        }
        // Existing records of these organisations, by natural key.
        let mut existing: HashMap<String, TierRecord> = HashMap::new();
        let org_ids: Vec<i64> = {
            let mut v: Vec<i64> = parsed.iter().map(|(o, _, _)| *o).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        for chunk in org_ids.chunks(500) {
            let mut q = query(format!(
                "select {COLUMNS} from organisation_tier where retired_at is null and organisation_id in ("
            ));
            let marks = q.bind_list(chunk.iter().copied());
            q.push_sql(&format!("{marks})"));
            for r in self.db().fetch_all(q).await? {
                let rec = record(&r)?;
                let key = match &rec.reference {
                    Some(reference) => format!("{}|{reference}", rec.kind),
                    None => format!("{}|{}|{}", rec.organisation_id, rec.kind, rec.valid_from),
                };
                existing.insert(key, rec);
            }
        }
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        for (org, region, t) in &parsed {
            match existing.get(&natural_key(*org, t)) {
                Some(rec) if rec.same_as(t) && rec.organisation_id == *org => report.unchanged += 1,
                Some(rec) => {
                    tx.execute(
                        query(
                            "update organisation_tier set organisation_id = $1, level = $2, valid_from = $3, valid_to = $4, \
                             evidence = $5 where organisation_tier_id = $6",
                        )
                        .bind(*org)
                        .bind(t.level().map(Level::as_str))
                        .bind(t.valid_from())
                        .bind(t.valid_to())
                        .bind(t.evidence())
                        .bind(rec.organisation_tier_id),
                    )
                    .await?;
                    let mut e = AuditEntry::new("tier.update", "organisation_tier", rec.organisation_tier_id)
                        .region(Some(region.clone()))
                        .before(rec)
                        .after(t);
                    e.organisation_id = Some(*org);
                    audit.push(e);
                    report.updated += 1;
                }
                None => {
                    let id = insert_tier(&mut tx, *org, t).await?;
                    let mut e =
                        AuditEntry::new("tier.create", "organisation_tier", id).region(Some(region.clone())).after(t);
                    e.organisation_id = Some(*org);
                    audit.push(e);
                    report.inserted += 1;
                }
            }
        }
        tx.audit_batch(actor, audit).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Code → (id, region) of the organisations inside the scope.
    pub async fn organisation_ids_by_uscc(&self, scope: &Scope) -> Result<HashMap<String, (i64, String)>, StoreError> {
        let mut q = query("select organisation_id, uscc, region_code from organisation where 1 = 1");
        scope::restrict(self, &mut q, scope, Some("region_code"), Some("organisation_id")).await?;
        self.db()
            .fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                Ok((r.get::<String>("uscc")?, (r.get::<i64>("organisation_id")?, r.get::<String>("region_code")?)))
            })
            .collect()
    }

    /// Every live tier of the organisations inside the scope, with the organisation's code, in
    /// the template's layout.
    pub async fn tier_rows(&self, scope: &Scope) -> Result<(Vec<String>, Vec<Vec<String>>), StoreError> {
        let mut q = query(
            "select o.uscc, t.kind, t.reference, t.level, t.valid_from, t.valid_to, t.evidence \
             from organisation_tier t join organisation o on o.organisation_id = t.organisation_id \
             where t.retired_at is null",
        );
        scope::restrict(self, &mut q, scope, Some("o.region_code"), Some("o.organisation_id")).await?;
        q.push_sql(" order by o.uscc, t.kind, t.valid_from");
        let headers = TIER_COLUMNS.iter().map(|c| c.zh.to_owned()).collect();
        let rows = self
            .db()
            .fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                let kind: String = r.get("kind")?;
                let level: Option<String> = r.get("level")?;
                Ok(vec![
                    r.get::<String>("uscc")?,
                    TierKind::parse(&kind).map_or(kind.clone(), |k| k.name_zh().to_owned()),
                    r.get::<Option<String>>("reference")?.unwrap_or_default(),
                    level
                        .as_deref()
                        .and_then(|l| Level::parse(l).ok())
                        .map(|l| l.name_zh().to_owned())
                        .unwrap_or_default(),
                    r.get::<Date>("valid_from")?.to_string(),
                    r.get::<Option<Date>>("valid_to")?.map(|d| d.to_string()).unwrap_or_default(),
                    r.get::<String>("evidence")?,
                ])
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((headers, rows))
    }
}

fn natural_key(org: i64, t: &Tier) -> String {
    match t.reference() {
        Some(reference) => format!("{}|{reference}", t.kind().as_str()),
        None => format!("{org}|{}|{}", t.kind().as_str(), t.valid_from()),
    }
}

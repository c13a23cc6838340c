//! What organisations report each year (revenue, R&D by category, staff: one row per
//! organisation and year, one column per field of [`YEARLY_FIELDS`]) and the IP they own.

use std::collections::HashMap;

use gaodi_domain::access::Scope;
use gaodi_domain::money::Money;
use gaodi_domain::registry::{
    Acquisition, FieldKind, FieldSpec, FieldValue, IpItem, IpItemFields, IpKind, YearlyFacts, YEARLY_FIELDS,
};
use serde::Serialize;
use time::Date;

use crate::db::{query, Row, Tx};
use crate::import::{ColumnMap, ColumnSpec, ImportReport, RowError};
use crate::tabular::Table;
use crate::{now, scope, Actor, AuditEntry, Store, StoreError};

/// The database column of a yearly field: `rd_hnte.personnel` → `rd_hnte_personnel_fen`.
pub fn column(spec: &FieldSpec) -> String {
    let base = spec.key.replace('.', "_");
    match spec.kind {
        FieldKind::Money => format!("{base}_fen"),
        FieldKind::Count => base,
    }
}

pub(crate) fn facts_from_row(r: &Row) -> Result<YearlyFacts, StoreError> {
    let mut f = YearlyFacts::default();
    for spec in YEARLY_FIELDS {
        let v: Option<i64> = r.get(&column(spec))?;
        if let Some(v) = v {
            let value = match spec.kind {
                FieldKind::Money => FieldValue::Money(Money::from_fen(v)),
                FieldKind::Count => {
                    FieldValue::Count(u32::try_from(v).map_err(|_| StoreError::Decode(format!("{} = {v}", spec.key)))?)
                }
            };
            f.set(spec.key, value).map_err(|e| StoreError::Decode(e.to_string()))?;
        }
    }
    Ok(f)
}

fn field_arg(f: &YearlyFacts, spec: &FieldSpec) -> Option<i64> {
    match f.get(spec.key) {
        Some(FieldValue::Money(m)) => Some(m.fen()),
        Some(FieldValue::Count(c)) => Some(i64::from(c)),
        None => None,
    }
}

async fn upsert_year(tx: &mut Tx, org: i64, year: i32, f: &YearlyFacts, source: &str) -> Result<(), StoreError> {
    let cols: Vec<String> = YEARLY_FIELDS.iter().map(column).collect();
    let mut q = query("insert into organisation_year (organisation_id, year, source, updated_at, ");
    q.push_sql(&cols.join(", "));
    q.push_sql(") values (");
    let head = q.bind_list([org, i64::from(year)]);
    let src = q.bind_list([source]);
    let at = q.bind_list([now()]);
    let vals = q.bind_list(YEARLY_FIELDS.iter().map(|s| field_arg(f, s)));
    q.push_sql(&format!("{head}, {src}, {at}, {vals}) on conflict (organisation_id, year) do update set source = excluded.source, updated_at = excluded.updated_at"));
    for c in &cols {
        q.push_sql(&format!(", {c} = excluded.{c}"));
    }
    tx.execute(q).await?;
    Ok(())
}

/// The columns of the yearly-figures import template: the code, the year, then every field.
pub fn financial_columns() -> Vec<ColumnSpec> {
    let mut v =
        vec![ColumnSpec::required("uscc", "统一社会信用代码", "USCC"), ColumnSpec::required("year", "年度", "Year")];
    v.extend(YEARLY_FIELDS.iter().map(|s| ColumnSpec::optional(s.key, s.label_zh, s.label_en)));
    v
}

/// A stored IP item.
#[derive(Debug, Clone, Serialize)]
pub struct IpRecord {
    pub ip_item_id: i64,
    pub organisation_id: i64,
    pub item: IpItem,
}

/// The columns of the IP import template.
pub const IP_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("uscc", "统一社会信用代码", "USCC"),
    ColumnSpec::required("registration_no", "专利号或登记号", "Registration number"),
    ColumnSpec::required("kind", "知识产权类型", "Kind"),
    ColumnSpec::optional("title", "名称", "Title"),
    ColumnSpec::required("granted_in_china", "境内授权", "Granted in China"),
    ColumnSpec::optional("grant_date", "授权日期", "Grant date"),
    ColumnSpec::optional("expiry_date", "到期日期", "Expiry date"),
    ColumnSpec::required("acquisition", "获得方式", "Acquisition"),
    ColumnSpec::required("owner_is_applicant", "权利人为本单位", "Owned by the organisation"),
    ColumnSpec::optional("in_dispute", "存在权属纠纷", "In dispute"),
];

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "是" | "true" | "yes" | "y" | "1" => Some(true),
        "否" | "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
    }
}

pub(crate) fn ip_record(r: &Row) -> Result<IpRecord, StoreError> {
    let kind: String = r.get("kind")?;
    let acquisition: String = r.get("acquisition")?;
    let item = IpItem::new(IpItemFields {
        registration_no: r.get("registration_no")?,
        kind: IpKind::parse(&kind).map_err(|e| StoreError::Decode(e.to_string()))?,
        title: r.get("title")?,
        granted_in_china: r.get("granted_in_china")?,
        grant_date: r.get("grant_date")?,
        expiry_date: r.get("expiry_date")?,
        acquisition: Acquisition::parse(&acquisition).map_err(|e| StoreError::Decode(e.to_string()))?,
        owner_is_applicant: r.get("owner_is_applicant")?,
        in_dispute: r.get("in_dispute")?,
    })
    .map_err(|e| StoreError::Decode(e.to_string()))?;
    Ok(IpRecord { ip_item_id: r.get("ip_item_id")?, organisation_id: r.get("organisation_id")?, item })
}

fn same_ip(a: &IpItem, b: &IpItem) -> bool {
    a.kind() == b.kind()
        && a.title() == b.title()
        && a.granted_in_china() == b.granted_in_china()
        && a.grant_date() == b.grant_date()
        && a.expiry_date() == b.expiry_date()
        && a.acquisition() == b.acquisition()
        && a.owner_is_applicant() == b.owner_is_applicant()
        && a.in_dispute() == b.in_dispute()
}

impl Store {
    /// The yearly figures of an organisation inside the scope, by year.
    pub async fn yearly_facts(
        &self,
        scope: &Scope,
        organisation_id: i64,
    ) -> Result<Vec<(i32, YearlyFacts)>, StoreError> {
        let org = self.organisation(scope, organisation_id).await?;
        let rows = self
            .db()
            .fetch_all(
                query("select * from organisation_year where organisation_id = $1 order by year")
                    .bind(org.organisation_id),
            )
            .await?;
        rows.iter().map(|r| Ok((r.get::<i32>("year")?, facts_from_row(r)?))).collect()
    }

    /// Records an organisation's figures for a year (replacing what was there), after checking
    /// them; audited with before and after.
    pub async fn set_yearly_facts(
        &self,
        actor: &Actor,
        scope: &Scope,
        organisation_id: i64,
        year: i32,
        facts: &YearlyFacts,
    ) -> Result<(), StoreError> {
        let org = self.organisation(scope, organisation_id).await?;
        if !scope::allows(self, scope, Some(&org.region_code), Some(organisation_id)).await? {
            return Err(StoreError::Forbidden);
        }
        facts.check().map_err(|e| StoreError::invalid(e.code(), e.args(), None))?;
        let before =
            self.yearly_facts(scope, organisation_id).await?.into_iter().find(|(y, _)| *y == year).map(|(_, f)| f);
        let mut tx = self.begin().await?;
        upsert_year(&mut tx, organisation_id, year, facts, "form").await?;
        let mut e = AuditEntry::new("financials.set", "organisation_year", format!("{organisation_id}/{year}"))
            .region(Some(org.region_code))
            .after(facts);
        if let Some(b) = before {
            e = e.before(&b);
        }
        e.organisation_id = Some(organisation_id);
        tx.audit(actor, e).await?;
        tx.commit().await
    }

    /// Imports yearly figures, all or nothing: one row per organisation (by code) and year;
    /// empty cells mean "not reported". Each row is checked as a whole (parts never exceed their
    /// totals, no negative revenue, …).
    pub async fn import_financials(
        &self,
        actor: &Actor,
        scope: &Scope,
        table: &Table,
    ) -> Result<ImportReport, StoreError> {
        let mut report =
            ImportReport { kind: "financials".to_owned(), rows: table.rows.len(), ..ImportReport::default() };
        let specs = financial_columns();
        let map = match ColumnMap::new(table, &specs) {
            Ok(m) => m,
            Err(errors) => {
                report.errors = errors;
                return Ok(report);
            }
        };
        let orgs = self.organisation_ids_by_uscc(scope).await?;
        let mut errors: Vec<RowError> = Vec::new();
        let mut parsed: Vec<(i64, String, i32, YearlyFacts)> = Vec::new();
        let mut seen: HashMap<(i64, i32), usize> = HashMap::new();
        for row in &table.rows {
            let before = errors.len();
            let org =
                map.required(row, "uscc", &mut errors).and_then(|_| map.organisation(row, "uscc", &orgs, &mut errors));
            let year = map.required(row, "year", &mut errors).and_then(|y| {
                let v = y.trim_end_matches('年').parse::<i32>().ok().filter(|y| (1978..=2100).contains(y));
                if v.is_none() {
                    errors.push(map.error(row, "year", "import.bad_year", vec![("value", y.to_owned())]));
                }
                v
            });
            let mut facts = YearlyFacts::default();
            for spec in YEARLY_FIELDS {
                let cell = map.get(row, spec.key);
                if cell.is_empty() {
                    continue;
                }
                let value = match spec.kind {
                    FieldKind::Money => Money::parse(cell).map(FieldValue::Money).map_err(|e| (e.code(), e.args())),
                    FieldKind::Count => cell
                        .parse::<u32>()
                        .map(FieldValue::Count)
                        .map_err(|_| ("import.bad_count", vec![("value", cell.to_owned())])),
                };
                match value {
                    Ok(v) => {
                        if let Err(e) = facts.set(spec.key, v) {
                            errors.push(map.error(row, spec.key, e.code(), e.args()));
                        }
                    }
                    Err((code, args)) => errors.push(map.error(row, spec.key, code, args)),
                }
            }
            if errors.len() == before {
                for problem in facts.problems() {
                    let field =
                        problem.args().iter().find(|(k, _)| *k == "field" || *k == "part").map(|(_, v)| v.clone());
                    let key = field
                        .as_deref()
                        .and_then(|f| YEARLY_FIELDS.iter().find(|s| s.key == f))
                        .map_or("year", |s| s.key);
                    errors.push(map.error(row, key, problem.code(), problem.args()));
                }
            }
            if errors.len() == before {
                if let (Some((org, region)), Some(year)) = (org, year) {
                    if let Some(first) = seen.insert((org, year), row.line) {
                        errors.push(map.error(
                            row,
                            "year",
                            "import.duplicate_key",
                            vec![("first_line", first.to_string())],
                        ));
                    } else {
                        parsed.push((org, region, year, facts));
                    }
                }
            }
        }
        if !errors.is_empty() {
            report.errors = errors;
            return Ok(report);
        }
        let mut existing: HashMap<(i64, i32), YearlyFacts> = HashMap::new();
        let mut ids: Vec<i64> = parsed.iter().map(|p| p.0).collect();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(500) {
            let mut q = query("select * from organisation_year where organisation_id in (");
            let m = q.bind_list(chunk.iter().copied());
            q.push_sql(&format!("{m})"));
            for r in self.db().fetch_all(q).await? {
                existing.insert((r.get("organisation_id")?, r.get("year")?), facts_from_row(&r)?);
            }
        }
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        for (org, region, year, facts) in &parsed {
            let old = existing.get(&(*org, *year));
            if old == Some(facts) {
                report.unchanged += 1;
                continue;
            }
            upsert_year(&mut tx, *org, *year, facts, "import").await?;
            let mut e = AuditEntry::new("financials.set", "organisation_year", format!("{org}/{year}"))
                .region(Some(region.clone()))
                .after(facts);
            if let Some(o) = old {
                e = e.before(o);
                report.updated += 1;
            } else {
                report.inserted += 1;
            }
            e.organisation_id = Some(*org);
            audit.push(e);
        }
        tx.audit_batch(actor, audit).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Yearly figures of the organisations inside the scope, in the template's layout.
    pub async fn financial_rows(&self, scope: &Scope) -> Result<(Vec<String>, Vec<Vec<String>>), StoreError> {
        let mut q = query("select y.*, o.uscc from organisation_year y join organisation o on o.organisation_id = y.organisation_id where 1 = 1");
        scope::restrict(self, &mut q, scope, Some("o.region_code"), Some("o.organisation_id")).await?;
        q.push_sql(" order by o.uscc, y.year");
        let headers = financial_columns().iter().map(|c| c.zh.to_owned()).collect();
        let rows = self
            .db()
            .fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                let f = facts_from_row(r)?;
                let mut v = vec![r.get::<String>("uscc")?, r.get::<i32>("year")?.to_string()];
                v.extend(YEARLY_FIELDS.iter().map(|s| match f.get(s.key) {
                    Some(FieldValue::Money(m)) => m.to_string(),
                    Some(FieldValue::Count(c)) => c.to_string(),
                    None => String::new(),
                }));
                Ok(v)
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((headers, rows))
    }

    /// The IP items of an organisation inside the scope.
    pub async fn ip_items(&self, scope: &Scope, organisation_id: i64) -> Result<Vec<IpRecord>, StoreError> {
        let org = self.organisation(scope, organisation_id).await?;
        let rows = self
            .db()
            .fetch_all(
                query("select * from ip_item where organisation_id = $1 and retired_at is null order by grant_date desc, registration_no")
                    .bind(org.organisation_id),
            )
            .await?;
        rows.iter().map(ip_record).collect()
    }

    /// Imports IP items, all or nothing; the registration number is the natural key.
    pub async fn import_ip(&self, actor: &Actor, scope: &Scope, table: &Table) -> Result<ImportReport, StoreError> {
        let mut report = ImportReport { kind: "ip".to_owned(), rows: table.rows.len(), ..ImportReport::default() };
        let map = match ColumnMap::new(table, IP_COLUMNS) {
            Ok(m) => m,
            Err(errors) => {
                report.errors = errors;
                return Ok(report);
            }
        };
        let orgs = self.organisation_ids_by_uscc(scope).await?;
        let mut errors: Vec<RowError> = Vec::new();
        let mut parsed: Vec<(i64, String, IpItem)> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for row in &table.rows {
            let before = errors.len();
            let org =
                map.required(row, "uscc", &mut errors).and_then(|_| map.organisation(row, "uscc", &orgs, &mut errors));
            let kind = map.required(row, "kind", &mut errors).and_then(|v| {
                let k = IpKind::parse(v).ok().or_else(|| IpKind::ALL.into_iter().find(|k| k.name_zh() == v));
                if k.is_none() {
                    errors.push(map.error(row, "kind", "registry.unknown_ip_kind", vec![("value", v.to_owned())]));
                }
                k
            });
            let acquisition = map.required(row, "acquisition", &mut errors).and_then(|v| {
                let a = Acquisition::parse(v).ok().or_else(|| Acquisition::ALL.into_iter().find(|a| a.name_zh() == v));
                if a.is_none() {
                    errors.push(map.error(
                        row,
                        "acquisition",
                        "registry.unknown_acquisition",
                        vec![("value", v.to_owned())],
                    ));
                }
                a
            });
            let flag = |key: &str, default: Option<bool>, errors: &mut Vec<RowError>| match map.get(row, key) {
                "" => {
                    if default.is_none() {
                        errors.push(map.error(row, key, "import.required", vec![("column", key.to_owned())]));
                    }
                    default
                }
                v => {
                    let b = parse_bool(v);
                    if b.is_none() {
                        errors.push(map.error(row, key, "import.bad_bool", vec![("value", v.to_owned())]));
                    }
                    b
                }
            };
            let granted = flag("granted_in_china", None, &mut errors);
            let owner = flag("owner_is_applicant", None, &mut errors);
            let dispute = flag("in_dispute", Some(false), &mut errors);
            let grant_date: Option<Date> = map.optional_date(row, "grant_date", &mut errors);
            let expiry_date: Option<Date> = map.optional_date(row, "expiry_date", &mut errors);
            let registration_no = map.get(row, "registration_no").to_owned();
            if errors.len() == before {
                if let (Some((org, region)), Some(kind), Some(acquisition), Some(g), Some(o), Some(d)) =
                    (org, kind, acquisition, granted, owner, dispute)
                {
                    match IpItem::new(IpItemFields {
                        registration_no: registration_no.clone(),
                        kind,
                        title: map.get(row, "title").to_owned(),
                        granted_in_china: g,
                        grant_date,
                        expiry_date,
                        acquisition,
                        owner_is_applicant: o,
                        in_dispute: d,
                    }) {
                        Ok(item) => {
                            if let Some(first) = seen.insert(registration_no, row.line) {
                                errors.push(map.error(
                                    row,
                                    "registration_no",
                                    "import.duplicate_key",
                                    vec![("first_line", first.to_string())],
                                ));
                            } else {
                                parsed.push((org, region, item));
                            }
                        }
                        Err(e) => errors.push(map.error(
                            row,
                            if e.code() == "registry.ip_expiry_not_after_grant" {
                                "expiry_date"
                            } else {
                                "registration_no"
                            },
                            e.code(),
                            e.args(),
                        )),
                    }
                }
            }
        }
        if !errors.is_empty() {
            report.errors = errors;
            return Ok(report);
        }
        let mut existing: HashMap<String, IpRecord> = HashMap::new();
        for chunk in parsed.chunks(500) {
            let mut q = query("select * from ip_item where registration_no in (");
            let m = q.bind_list(chunk.iter().map(|p| p.2.registration_no().to_owned()));
            q.push_sql(&format!("{m})"));
            for r in self.db().fetch_all(q).await? {
                let rec = ip_record(&r)?;
                existing.insert(rec.item.registration_no().to_owned(), rec);
            }
        }
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        let t = now();
        for (org, region, item) in &parsed {
            let old = existing.get(item.registration_no());
            if old.is_some_and(|o| o.organisation_id == *org && same_ip(&o.item, item)) {
                report.unchanged += 1;
                continue;
            }
            let values = |q: crate::db::Query| {
                q.bind(*org)
                    .bind(item.kind().as_str())
                    .bind(item.title())
                    .bind(item.granted_in_china())
                    .bind(item.grant_date())
                    .bind(item.expiry_date())
                    .bind(item.acquisition().as_str())
                    .bind(item.owner_is_applicant())
                    .bind(item.in_dispute())
                    .bind(t)
                    .bind(item.registration_no())
            };
            let id = match old {
                Some(o) => {
                    tx.execute(values(query(
                        "update ip_item set organisation_id = $1, kind = $2, title = $3, granted_in_china = $4, grant_date = $5, \
                         expiry_date = $6, acquisition = $7, owner_is_applicant = $8, in_dispute = $9, updated_at = $10, \
                         retired_at = null where registration_no = $11",
                    )))
                    .await?;
                    report.updated += 1;
                    o.ip_item_id
                }
                None => {
                    report.inserted += 1;
                    tx.fetch_one(values(query(
                        "insert into ip_item (organisation_id, kind, title, granted_in_china, grant_date, expiry_date, \
                         acquisition, owner_is_applicant, in_dispute, created_at, updated_at, registration_no) \
                         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) returning ip_item_id",
                    )))
                    .await?
                    .get("ip_item_id")?
                }
            };
            let mut e = AuditEntry::new(if old.is_some() { "ip.update" } else { "ip.create" }, "ip_item", id)
                .region(Some(region.clone()))
                .after(item);
            if let Some(o) = old {
                e = e.before(&o.item);
            }
            e.organisation_id = Some(*org);
            audit.push(e);
        }
        tx.audit_batch(actor, audit).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// IP items of the organisations inside the scope, in the template's layout.
    pub async fn ip_rows(&self, scope: &Scope) -> Result<(Vec<String>, Vec<Vec<String>>), StoreError> {
        let mut q = query("select i.*, o.uscc from ip_item i join organisation o on o.organisation_id = i.organisation_id where i.retired_at is null");
        scope::restrict(self, &mut q, scope, Some("o.region_code"), Some("o.organisation_id")).await?;
        q.push_sql(" order by o.uscc, i.registration_no");
        let headers = IP_COLUMNS.iter().map(|c| c.zh.to_owned()).collect();
        let rows = self
            .db()
            .fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                let rec = ip_record(r)?;
                let i = &rec.item;
                Ok(vec![
                    r.get::<String>("uscc")?,
                    i.registration_no().to_owned(),
                    i.kind().name_zh().to_owned(),
                    i.title().to_owned(),
                    yes_no(i.granted_in_china()).to_owned(),
                    i.grant_date().map(|d| d.to_string()).unwrap_or_default(),
                    i.expiry_date().map(|d| d.to_string()).unwrap_or_default(),
                    i.acquisition().name_zh().to_owned(),
                    yes_no(i.owner_is_applicant()).to_owned(),
                    yes_no(i.in_dispute()).to_owned(),
                ])
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((headers, rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The migration's columns are generated from the field table; this keeps them in step.
    #[test]
    fn every_yearly_field_has_its_column_in_both_migrations() {
        for dir in ["sqlite", "postgres"] {
            let sql = std::fs::read_to_string(format!(
                "{}/migrations/{dir}/0005_organisation_facts.sql",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap();
            for spec in YEARLY_FIELDS {
                assert!(sql.contains(&format!("    {} ", column(spec))), "{dir}: no column for {}", spec.key);
            }
        }
    }
}

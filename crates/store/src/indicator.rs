//! Measures, facts (with provenance and revisions), indicator definitions, plans and targets,
//! and the registry snapshot indicator formulas count from.
//!
//! A fact is never overwritten: a different value for the same (measure, region or
//! organisation, period, source) is a new revision and the old one stays, no longer current.

use std::collections::{BTreeSet, HashMap};

use gaodi_domain::access::Scope;
use gaodi_domain::indicator::registry::{Entity, Record, Snapshot, Span, PROJECT_RUN};
use gaodi_domain::indicator::{
    catalogue, format_e4_plain, parse_code, parse_e4, Comparator, Direction, IndicatorDef, MeasureDef,
    SpaceAggregation, TimeAggregation,
};
use gaodi_domain::period::Period;
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::db::{query, Row};
use crate::import::{ColumnMap, ColumnSpec, ImportReport, RowError};
use crate::tabular::Table;
use crate::{now, scope, Actor, AuditEntry, Store, StoreError};

/// A stored fact.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FactRecord {
    pub fact_id: i64,
    pub measure_code: String,
    pub region_code: Option<String>,
    pub organisation_id: Option<i64>,
    pub period: String,
    pub source: String,
    /// Exact value in units of 1e-4.
    pub value_e4: i64,
    pub revision: i64,
    pub is_current: bool,
    pub origin: String,
    pub note: String,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl FactRecord {
    /// The value as an exact decimal without trailing zeros.
    #[must_use]
    pub fn value_text(&self) -> String {
        format_e4_plain(self.value_e4)
    }
}

fn fact_record(r: &Row) -> Result<FactRecord, StoreError> {
    Ok(FactRecord {
        fact_id: r.get("fact_id")?,
        measure_code: r.get("measure_code")?,
        region_code: r.get("region_code")?,
        organisation_id: r.get("organisation_id")?,
        period: r.get("period")?,
        source: r.get("source")?,
        value_e4: r.get("value_e4")?,
        revision: r.get("revision")?,
        is_current: r.get("is_current")?,
        origin: r.get("origin")?,
        note: r.get("note")?,
        created_by: r.get("created_by")?,
        created_at: r.get("created_at")?,
    })
}

const FACT_COLUMNS: &str = "fact_id, measure_code, region_code, organisation_id, period, source, value_e4, revision, \
     is_current, origin, note, created_by, created_at";

/// A fact to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewFact {
    pub measure_code: String,
    pub region_code: Option<String>,
    pub organisation_id: Option<i64>,
    pub period: String,
    pub source: String,
    pub value_e4: i64,
    pub note: String,
}

impl NewFact {
    fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.measure_code,
            self.region_code.as_deref().unwrap_or(""),
            self.organisation_id.map(|i| i.to_string()).unwrap_or_default(),
            self.period,
            self.source
        )
    }
}

/// What recording facts did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FactCounts {
    pub inserted: usize,
    pub revised: usize,
    pub unchanged: usize,
}

/// A stored plan version.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PlanRecord {
    pub plan_id: i64,
    pub plan_code: String,
    pub version: i64,
    pub name_zh: String,
    pub name_en: String,
    pub year: i32,
    pub status: String,
}

/// A stored target.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TargetRecord {
    pub target_id: i64,
    pub plan_id: i64,
    pub plan_code: String,
    pub plan_version: i64,
    pub indicator_code: String,
    pub region_code: String,
    pub period: String,
    pub comparator: String,
    pub value_e4: i64,
    pub note: String,
}

/// A target to set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewTarget {
    pub indicator_code: String,
    pub region_code: String,
    pub period: String,
    pub comparator: Comparator,
    pub value_e4: i64,
    pub note: String,
}

/// The columns of the fact import template and export.
pub const FACT_COLUMNS_SPEC: &[ColumnSpec] = &[
    ColumnSpec::required("measure", "数据项代码", "Measure"),
    ColumnSpec::optional("region", "行政区划代码", "Region"),
    ColumnSpec::optional("uscc", "统一社会信用代码", "USCC"),
    ColumnSpec::required("period", "期间", "Period"),
    ColumnSpec::required("value", "数值", "Value"),
    ColumnSpec::required("source", "来源", "Source"),
    ColumnSpec::optional("note", "备注", "Note"),
];

/// The columns of the target import template and export.
pub const TARGET_COLUMNS_SPEC: &[ColumnSpec] = &[
    ColumnSpec::required("plan", "计划代码", "Plan"),
    ColumnSpec::required("indicator", "指标代码", "Indicator"),
    ColumnSpec::required("region", "行政区划代码", "Region"),
    ColumnSpec::required("period", "期间", "Period"),
    ColumnSpec::required("comparator", "比较符", "Comparator"),
    ColumnSpec::required("value", "目标值", "Target"),
    ColumnSpec::optional("note", "备注", "Note"),
];

fn measure_def(r: &Row) -> Result<MeasureDef, StoreError> {
    let decode = |e: gaodi_domain::indicator::IndicatorError| StoreError::Decode(e.to_string());
    Ok(MeasureDef {
        code: r.get("measure_code")?,
        name_zh: r.get("name_zh")?,
        name_en: r.get("name_en")?,
        unit_zh: r.get("unit_zh")?,
        unit_en: r.get("unit_en")?,
        decimals: u8::try_from(r.get::<i64>("decimals")?).unwrap_or(4),
        time: TimeAggregation::parse(&r.get::<String>("time_aggregation")?).map_err(decode)?,
        space: SpaceAggregation::parse(&r.get::<String>("space_aggregation")?).map_err(decode)?,
    })
}

fn indicator_def(r: &Row) -> Result<IndicatorDef, StoreError> {
    let decode = |e: gaodi_domain::indicator::IndicatorError| StoreError::Decode(e.to_string());
    Ok(IndicatorDef {
        code: r.get("indicator_code")?,
        valid_from: i32::try_from(r.get::<i64>("valid_from")?).unwrap_or(0),
        valid_to: r.get::<Option<i64>>("valid_to")?.and_then(|v| i32::try_from(v).ok()),
        name_zh: r.get("name_zh")?,
        name_en: r.get("name_en")?,
        unit_zh: r.get("unit_zh")?,
        unit_en: r.get("unit_en")?,
        formula: r.get("formula")?,
        space: SpaceAggregation::parse(&r.get::<String>("space_aggregation")?).map_err(decode)?,
        time: TimeAggregation::parse(&r.get::<String>("time_aggregation")?).map_err(decode)?,
        direction: Direction::parse(&r.get::<String>("direction")?).map_err(decode)?,
        decimals: u8::try_from(r.get::<i64>("decimals")?).unwrap_or(4),
    })
}

/// The required cell `key` of `row` read by `parse`; a missing or refused cell is reported in
/// `errors` (with the parser's reason) and gives `None`.
fn parse_required<T, E: ErrorCode>(
    map: &ColumnMap,
    row: &crate::tabular::TableRow,
    key: &str,
    errors: &mut Vec<RowError>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    let text = map.required(row, key, errors)?;
    match parse(text) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(map.error(row, key, e.code(), e.args()));
            None
        }
    }
}

/// A code that is not one of those it must be (a measure, an indicator, a region in scope).
struct Unknown {
    code: &'static str,
    arg: &'static str,
    value: String,
}

impl ErrorCode for Unknown {
    fn code(&self) -> &'static str {
        self.code
    }
    fn args(&self) -> Vec<(&'static str, String)> {
        vec![(self.arg, self.value.clone())]
    }
}

/// `value` if `known` holds it, else the error `code` naming it as `arg`.
fn known(known: &BTreeSet<String>, value: &str, code: &'static str, arg: &'static str) -> Result<String, Unknown> {
    if known.contains(value) {
        Ok(value.to_owned())
    } else {
        Err(Unknown { code, arg, value: value.to_owned() })
    }
}

/// Errors with an i18n key and arguments.
trait ErrorCode {
    fn code(&self) -> &'static str;
    fn args(&self) -> Vec<(&'static str, String)>;
}

impl ErrorCode for gaodi_domain::indicator::IndicatorError {
    fn code(&self) -> &'static str {
        gaodi_domain::indicator::IndicatorError::code(self)
    }
    fn args(&self) -> Vec<(&'static str, String)> {
        gaodi_domain::indicator::IndicatorError::args(self)
    }
}

impl ErrorCode for gaodi_domain::period::PeriodError {
    fn code(&self) -> &'static str {
        gaodi_domain::period::PeriodError::code(self)
    }
    fn args(&self) -> Vec<(&'static str, String)> {
        gaodi_domain::period::PeriodError::args(self)
    }
}

impl Store {
    /// The codes of every region inside the scope (all regions for an unrestricted scope).
    async fn region_codes_in(&self, scope: &Scope) -> Result<BTreeSet<String>, StoreError> {
        Ok(match self.scope_regions(scope).await? {
            Some(set) => set,
            None if matches!(scope, Scope::All) => {
                self.regions().await?.into_iter().map(|r| r.code.to_string()).collect()
            }
            None => BTreeSet::new(),
        })
    }

    /// Installs the shipped measures and indicator definitions that are not there yet
    /// (existing ones, possibly edited by the bureau, are left alone). Returns how many were
    /// added.
    pub async fn install_catalogue(&self, actor: &Actor) -> Result<usize, StoreError> {
        let have_measures: BTreeSet<String> = self
            .db()
            .fetch_all(query("select measure_code from measure"))
            .await?
            .iter()
            .map(|r| r.get("measure_code"))
            .collect::<Result<_, _>>()?;
        let have_indicators: BTreeSet<(String, i64)> = self
            .db()
            .fetch_all(query("select indicator_code, valid_from from indicator"))
            .await?
            .iter()
            .map(|r| Ok((r.get("indicator_code")?, r.get("valid_from")?)))
            .collect::<Result<_, StoreError>>()?;
        let measures: Vec<MeasureDef> =
            catalogue::measures().into_iter().filter(|m| !have_measures.contains(&m.code)).collect();
        let indicators: Vec<IndicatorDef> = catalogue::indicators()
            .into_iter()
            .filter(|d| !have_indicators.contains(&(d.code.clone(), i64::from(d.valid_from))))
            .collect();
        self.install_index_definitions(actor).await?;
        if measures.is_empty() && indicators.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        let at = now();
        for m in &measures {
            tx.execute(
                query(
                    "insert into measure (measure_code, name_zh, name_en, unit_zh, unit_en, decimals, time_aggregation, \
                     space_aggregation, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(m.code.as_str())
                .bind(m.name_zh.as_str())
                .bind(m.name_en.as_str())
                .bind(m.unit_zh.as_str())
                .bind(m.unit_en.as_str())
                .bind(i64::from(m.decimals))
                .bind(m.time.as_str())
                .bind(m.space.as_str())
                .bind(at)
                .bind(at),
            )
            .await?;
            audit.push(AuditEntry::new("measure.create", "measure", &m.code).after(m));
        }
        for d in &indicators {
            tx.execute(
                query(
                    "insert into indicator (indicator_code, valid_from, valid_to, name_zh, name_en, unit_zh, unit_en, \
                     formula, space_aggregation, time_aggregation, direction, decimals, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(d.code.as_str())
                .bind(d.valid_from)
                .bind(d.valid_to)
                .bind(d.name_zh.as_str())
                .bind(d.name_en.as_str())
                .bind(d.unit_zh.as_str())
                .bind(d.unit_en.as_str())
                .bind(d.formula.as_deref())
                .bind(d.space.as_str())
                .bind(d.time.as_str())
                .bind(d.direction.as_str())
                .bind(i64::from(d.decimals))
                .bind(at)
                .bind(at),
            )
            .await?;
            audit.push(
                AuditEntry::new("indicator.create", "indicator", format!("{}@{}", d.code, d.valid_from)).after(d),
            );
        }
        let n = audit.len();
        tx.audit_batch(actor, audit).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Every measure, by code.
    pub async fn measures(&self) -> Result<Vec<MeasureDef>, StoreError> {
        self.db()
            .fetch_all(query(
                "select measure_code, name_zh, name_en, unit_zh, unit_en, decimals, time_aggregation, space_aggregation \
                 from measure order by measure_code",
            ))
            .await?
            .iter()
            .map(measure_def)
            .collect()
    }

    /// Every version of every indicator definition, by code and first year.
    pub async fn indicator_definitions(&self) -> Result<Vec<IndicatorDef>, StoreError> {
        self.db()
            .fetch_all(query(
                "select indicator_code, valid_from, valid_to, name_zh, name_en, unit_zh, unit_en, formula, \
                 space_aggregation, time_aggregation, direction, decimals from indicator \
                 order by indicator_code, valid_from",
            ))
            .await?
            .iter()
            .map(indicator_def)
            .collect()
    }

    /// Records facts in one transaction: a new key is inserted (revision 1); a different value
    /// for a known key becomes the next revision, the previous one kept but no longer
    /// current; the same value changes nothing. Each change has its audit event.
    pub async fn record_facts(&self, actor: &Actor, origin: &str, facts: &[NewFact]) -> Result<FactCounts, StoreError> {
        let mut counts = FactCounts::default();
        if facts.is_empty() {
            return Ok(counts);
        }
        let measures: BTreeSet<String> = self.measures().await?.into_iter().map(|m| m.code).collect();
        for f in facts {
            if !measures.contains(&f.measure_code) {
                return Err(StoreError::invalid(
                    "indicator.unknown_measure",
                    vec![("code", f.measure_code.clone())],
                    Some("measure_code"),
                ));
            }
        }
        // Current facts of the measures and periods concerned, by key.
        let mut current: HashMap<String, FactRecord> = HashMap::new();
        let codes: BTreeSet<&str> = facts.iter().map(|f| f.measure_code.as_str()).collect();
        let periods: BTreeSet<&str> = facts.iter().map(|f| f.period.as_str()).collect();
        let mut q =
            query(format!("select {FACT_COLUMNS} from fact where is_current = $1 and measure_code in (")).bind(true);
        let marks = q.bind_list(codes.iter().copied());
        q.push_sql(&format!("{marks}) and period in ("));
        let marks = q.bind_list(periods.iter().copied());
        q.push_sql(&format!("{marks})"));
        for r in self.db().fetch_all(q).await? {
            let rec = fact_record(&r)?;
            let key = NewFact {
                measure_code: rec.measure_code.clone(),
                region_code: rec.region_code.clone(),
                organisation_id: rec.organisation_id,
                period: rec.period.clone(),
                source: rec.source.clone(),
                value_e4: 0,
                note: String::new(),
            }
            .key();
            current.insert(key, rec);
        }
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        let at = now();
        for f in facts {
            let previous = current.get(&f.key());
            if previous.is_some_and(|p| p.value_e4 == f.value_e4) {
                counts.unchanged += 1;
                continue;
            }
            let revision = previous.map_or(1, |p| p.revision + 1);
            if let Some(p) = previous {
                tx.execute(query("update fact set is_current = $1 where fact_id = $2").bind(false).bind(p.fact_id))
                    .await?;
                counts.revised += 1;
            } else {
                counts.inserted += 1;
            }
            let row = tx
                .fetch_one(
                    query(
                        "insert into fact (measure_code, region_code, organisation_id, period, source, value_e4, \
                         revision, is_current, origin, note, created_by, created_at) \
                         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning fact_id",
                    )
                    .bind(f.measure_code.as_str())
                    .bind(f.region_code.as_deref())
                    .bind(f.organisation_id)
                    .bind(f.period.as_str())
                    .bind(f.source.as_str())
                    .bind(f.value_e4)
                    .bind(revision)
                    .bind(true)
                    .bind(origin)
                    .bind(f.note.as_str())
                    .bind(actor.username.as_str())
                    .bind(at),
                )
                .await?;
            let id: i64 = row.get("fact_id")?;
            let mut e = AuditEntry::new(if previous.is_some() { "fact.revise" } else { "fact.create" }, "fact", id)
                .region(f.region_code.clone())
                .after(f);
            if let Some(p) = previous {
                e = e.before(p);
            }
            e.organisation_id = f.organisation_id;
            audit.push(e);
        }
        if !audit.is_empty() {
            tx.audit_batch(actor, audit).await?;
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// The current region facts of some measures and periods inside the scope.
    pub async fn current_region_facts(
        &self,
        scope: &Scope,
        measures: &[String],
        periods: &[String],
    ) -> Result<Vec<FactRecord>, StoreError> {
        if measures.is_empty() || periods.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = query(format!(
            "select {FACT_COLUMNS} from fact where is_current = $1 and region_code is not null and measure_code in ("
        ))
        .bind(true);
        let marks = q.bind_list(measures.iter().map(String::as_str));
        q.push_sql(&format!("{marks}) and period in ("));
        let marks = q.bind_list(periods.iter().map(String::as_str));
        q.push_sql(&format!("{marks})"));
        scope::restrict(self, &mut q, scope, Some("region_code"), None).await?;
        q.push_sql(" order by measure_code, region_code, period, source");
        self.db().fetch_all(q).await?.iter().map(fact_record).collect()
    }

    /// Every revision of the facts of a measure, region and period inside the scope, newest
    /// first (the provenance of a figure).
    pub async fn fact_history(
        &self,
        scope: &Scope,
        measure: &str,
        region: &str,
        period: &str,
    ) -> Result<Vec<FactRecord>, StoreError> {
        let mut q = query(format!(
            "select {FACT_COLUMNS} from fact where measure_code = $1 and region_code = $2 and period = $3"
        ))
        .bind(measure)
        .bind(region)
        .bind(period);
        scope::restrict(self, &mut q, scope, Some("region_code"), None).await?;
        q.push_sql(" order by source, revision desc");
        self.db().fetch_all(q).await?.iter().map(fact_record).collect()
    }

    /// Every current fact inside the scope, for export.
    pub async fn all_current_facts(&self, scope: &Scope) -> Result<Vec<FactRecord>, StoreError> {
        let mut q = query(format!("select {FACT_COLUMNS} from fact where is_current = $1")).bind(true);
        scope::restrict(self, &mut q, scope, Some("region_code"), Some("organisation_id")).await?;
        q.push_sql(" order by measure_code, period, region_code, organisation_id, source");
        self.db().fetch_all(q).await?.iter().map(fact_record).collect()
    }

    /// Imports facts, all or nothing: each row names a measure, a region (or an organisation
    /// by USCC), a period, a value (at most 4 decimals) and a source; every row is checked
    /// first and nothing is written if any is wrong. Same value again: unchanged; a new value:
    /// a new revision (the old one kept).
    pub async fn import_facts(
        &self,
        actor: &Actor,
        scope: &Scope,
        table: &Table,
        origin: &str,
    ) -> Result<ImportReport, StoreError> {
        let mut report = ImportReport { kind: "fact".to_owned(), rows: table.rows.len(), ..ImportReport::default() };
        let map = match ColumnMap::new(table, FACT_COLUMNS_SPEC) {
            Ok(m) => m,
            Err(errors) => {
                report.errors = errors;
                return Ok(report);
            }
        };
        let measures: BTreeSet<String> = self.measures().await?.into_iter().map(|m| m.code).collect();
        let regions = self.region_codes_in(scope).await?;
        let orgs = self.organisation_ids_by_uscc(scope).await?;
        let mut errors = Vec::new();
        let mut parsed: Vec<NewFact> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for row in &table.rows {
            let before = errors.len();
            let measure = parse_required(&map, row, "measure", &mut errors, |m| {
                known(&measures, m, "indicator.unknown_measure", "code")
            });
            // The region is optional here (an organisation's fact names its USCC instead).
            let region = match map.get(row, "region") {
                "" => None,
                _ => parse_required(&map, row, "region", &mut errors, |r| {
                    known(&regions, r, "import.unknown_region", "value")
                }),
            };
            let org = map.organisation(row, "uscc", &orgs, &mut errors).map(|(id, _)| id);
            if errors.len() == before && region.is_some() == org.is_some() {
                errors.push(map.error(row, "region", "indicator.region_or_organisation", vec![]));
            }
            let period = parse_required(&map, row, "period", &mut errors, Period::parse).map(|p| p.to_string());
            let value = parse_required(&map, row, "value", &mut errors, parse_e4);
            let source = map.required(row, "source", &mut errors).map(str::to_owned);
            if errors.len() == before {
                if let (Some(measure_code), Some(period), Some(value_e4), Some(source)) =
                    (measure, period, value, source)
                {
                    let f = NewFact {
                        measure_code,
                        region_code: region,
                        organisation_id: org,
                        period,
                        source,
                        value_e4,
                        note: map.get(row, "note").to_owned(),
                    };
                    if let Some(first) = seen.insert(f.key(), row.line) {
                        errors.push(map.error(
                            row,
                            "measure",
                            "import.duplicate_key",
                            vec![("first_line", first.to_string())],
                        ));
                    } else {
                        parsed.push(f);
                    }
                }
            }
        }
        if !errors.is_empty() {
            report.errors = errors;
            return Ok(report);
        }
        let counts = self.record_facts(actor, origin, &parsed).await?;
        report.inserted = counts.inserted;
        report.updated = counts.revised;
        report.unchanged = counts.unchanged;
        Ok(report)
    }

    /// The export rows of the current facts (the import template's layout).
    pub async fn fact_rows(&self, scope: &Scope) -> Result<Vec<Vec<String>>, StoreError> {
        let facts = self.all_current_facts(scope).await?;
        let ids: HashMap<i64, String> =
            self.organisation_ids_by_uscc(scope).await?.into_iter().map(|(uscc, (id, _))| (id, uscc)).collect();
        Ok(facts
            .iter()
            .map(|f| {
                vec![
                    f.measure_code.clone(),
                    f.region_code.clone().unwrap_or_default(),
                    f.organisation_id.and_then(|id| ids.get(&id).cloned()).unwrap_or_default(),
                    f.period.clone(),
                    f.value_text(),
                    f.source.clone(),
                    f.note.clone(),
                ]
            })
            .collect())
    }

    /// The plan version `(code, version)`, created if missing.
    pub async fn ensure_plan(
        &self,
        actor: &Actor,
        code: &str,
        version: i64,
        names: (&str, &str),
        year: i32,
    ) -> Result<PlanRecord, StoreError> {
        if let Some(p) = self.plan(code, version).await? {
            return Ok(p);
        }
        parse_code(code).map_err(|e| StoreError::invalid(e.code(), e.args(), Some("plan_code")))?;
        let mut tx = self.begin().await?;
        let at = now();
        let row = tx
            .fetch_one(
                query(
                    "insert into plan (plan_code, version, name_zh, name_en, year, status, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8) returning plan_id",
                )
                .bind(code)
                .bind(version)
                .bind(names.0)
                .bind(names.1)
                .bind(year)
                .bind("adopted")
                .bind(at)
                .bind(at),
            )
            .await?;
        let id: i64 = row.get("plan_id")?;
        tx.audit(actor, AuditEntry::new("plan.create", "plan", id).after(&(code, version, names, year))).await?;
        tx.commit().await?;
        self.plan(code, version).await?.ok_or(StoreError::NotFound)
    }

    async fn plan(&self, code: &str, version: i64) -> Result<Option<PlanRecord>, StoreError> {
        let row = self
            .db()
            .fetch_optional(
                query(
                    "select plan_id, plan_code, version, name_zh, name_en, year, status from plan \
                     where plan_code = $1 and version = $2",
                )
                .bind(code)
                .bind(version),
            )
            .await?;
        row.map(|r| {
            Ok(PlanRecord {
                plan_id: r.get("plan_id")?,
                plan_code: r.get("plan_code")?,
                version: r.get("version")?,
                name_zh: r.get("name_zh")?,
                name_en: r.get("name_en")?,
                year: i32::try_from(r.get::<i64>("year")?).unwrap_or(0),
                status: r.get("status")?,
            })
        })
        .transpose()
    }

    /// Sets targets of a plan in one transaction (insert or update by indicator, region and
    /// period); returns the counts as an import report does.
    pub async fn set_targets(
        &self,
        actor: &Actor,
        plan: &PlanRecord,
        targets: &[NewTarget],
    ) -> Result<FactCounts, StoreError> {
        let existing: HashMap<(String, String, String), (i64, String, i64)> = self
            .db()
            .fetch_all(
                query("select target_id, indicator_code, region_code, period, comparator, value_e4 from target where plan_id = $1")
                    .bind(plan.plan_id),
            )
            .await?
            .iter()
            .map(|r| {
                Ok((
                    (r.get("indicator_code")?, r.get("region_code")?, r.get("period")?),
                    (r.get("target_id")?, r.get("comparator")?, r.get("value_e4")?),
                ))
            })
            .collect::<Result<_, StoreError>>()?;
        let mut counts = FactCounts::default();
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        let at = now();
        for t in targets {
            let key = (t.indicator_code.clone(), t.region_code.clone(), t.period.clone());
            match existing.get(&key) {
                Some((_, cmp, v)) if cmp == t.comparator.symbol() && *v == t.value_e4 => counts.unchanged += 1,
                Some((id, _, _)) => {
                    tx.execute(
                        query("update target set comparator = $1, value_e4 = $2, note = $3, updated_at = $4 where target_id = $5")
                            .bind(t.comparator.symbol())
                            .bind(t.value_e4)
                            .bind(t.note.as_str())
                            .bind(at)
                            .bind(*id),
                    )
                    .await?;
                    audit.push(
                        AuditEntry::new("target.update", "target", id).region(Some(t.region_code.clone())).after(t),
                    );
                    counts.revised += 1;
                }
                None => {
                    let row = tx
                        .fetch_one(
                            query(
                                "insert into target (plan_id, indicator_code, region_code, period, comparator, value_e4, \
                                 note, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning target_id",
                            )
                            .bind(plan.plan_id)
                            .bind(t.indicator_code.as_str())
                            .bind(t.region_code.as_str())
                            .bind(t.period.as_str())
                            .bind(t.comparator.symbol())
                            .bind(t.value_e4)
                            .bind(t.note.as_str())
                            .bind(at)
                            .bind(at),
                        )
                        .await?;
                    let id: i64 = row.get("target_id")?;
                    audit.push(
                        AuditEntry::new("target.create", "target", id).region(Some(t.region_code.clone())).after(t),
                    );
                    counts.inserted += 1;
                }
            }
        }
        if !audit.is_empty() {
            tx.audit_batch(actor, audit).await?;
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// The targets inside the scope for periods of `year` (the period code starts with the
    /// year), of the newest version of each adopted plan.
    pub async fn targets_for_year(&self, scope: &Scope, year: i32) -> Result<Vec<TargetRecord>, StoreError> {
        let mut q = query(
            "select t.target_id, t.plan_id, p.plan_code, p.version, t.indicator_code, t.region_code, t.period, \
             t.comparator, t.value_e4, t.note from target t join plan p on p.plan_id = t.plan_id \
             where p.status = $1 and p.version = (select max(p2.version) from plan p2 where p2.plan_code = p.plan_code) \
             and t.period like $2",
        )
        .bind("adopted")
        .bind(format!("{year}%"));
        scope::restrict(self, &mut q, scope, Some("t.region_code"), None).await?;
        q.push_sql(" order by t.indicator_code, t.region_code, t.period");
        self.db()
            .fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                Ok(TargetRecord {
                    target_id: r.get("target_id")?,
                    plan_id: r.get("plan_id")?,
                    plan_code: r.get("plan_code")?,
                    plan_version: r.get("version")?,
                    indicator_code: r.get("indicator_code")?,
                    region_code: r.get("region_code")?,
                    period: r.get("period")?,
                    comparator: r.get("comparator")?,
                    value_e4: r.get("value_e4")?,
                    note: r.get("note")?,
                })
            })
            .collect()
    }

    /// Imports targets, all or nothing (plans are created as version 1 when missing).
    pub async fn import_targets(
        &self,
        actor: &Actor,
        scope: &Scope,
        table: &Table,
    ) -> Result<ImportReport, StoreError> {
        let mut report = ImportReport { kind: "target".to_owned(), rows: table.rows.len(), ..ImportReport::default() };
        let map = match ColumnMap::new(table, TARGET_COLUMNS_SPEC) {
            Ok(m) => m,
            Err(errors) => {
                report.errors = errors;
                return Ok(report);
            }
        };
        let indicators: BTreeSet<String> = self.indicator_definitions().await?.into_iter().map(|d| d.code).collect();
        let regions = self.region_codes_in(scope).await?;
        let mut errors = Vec::new();
        let mut parsed: Vec<(String, i32, NewTarget)> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for row in &table.rows {
            let before = errors.len();
            let plan = parse_required(&map, row, "plan", &mut errors, parse_code);
            let indicator = parse_required(&map, row, "indicator", &mut errors, |c| {
                known(&indicators, c, "indicator.unknown_indicator", "code")
            });
            let region = parse_required(&map, row, "region", &mut errors, |r| {
                known(&regions, r, "import.unknown_region", "value")
            });
            let period = parse_required(&map, row, "period", &mut errors, Period::parse);
            let comparator = parse_required(&map, row, "comparator", &mut errors, Comparator::parse);
            let value = parse_required(&map, row, "value", &mut errors, parse_e4);
            if errors.len() == before {
                if let (
                    Some(plan),
                    Some(indicator_code),
                    Some(region_code),
                    Some(period),
                    Some(comparator),
                    Some(value_e4),
                ) = (plan, indicator, region, period, comparator, value)
                {
                    let key = format!("{plan}|{indicator_code}|{region_code}|{period}");
                    if let Some(first) = seen.insert(key, row.line) {
                        errors.push(map.error(
                            row,
                            "indicator",
                            "import.duplicate_key",
                            vec![("first_line", first.to_string())],
                        ));
                    } else {
                        parsed.push((
                            plan,
                            period.year(),
                            NewTarget {
                                indicator_code,
                                region_code,
                                period: period.to_string(),
                                comparator,
                                value_e4,
                                note: map.get(row, "note").to_owned(),
                            },
                        ));
                    }
                }
            }
        }
        if !errors.is_empty() {
            report.errors = errors;
            return Ok(report);
        }
        let mut by_plan: Vec<(String, i32, Vec<NewTarget>)> = Vec::new();
        for (plan, year, t) in parsed {
            match by_plan.iter_mut().find(|(p, _, _)| *p == plan) {
                Some((_, _, list)) => list.push(t),
                None => by_plan.push((plan, year, vec![t])),
            }
        }
        for (code, year, targets) in by_plan {
            let plan = match self.latest_plan(&code).await? {
                Some(p) => p,
                None => self.ensure_plan(actor, &code, 1, (&code, &code), year).await?,
            };
            let c = self.set_targets(actor, &plan, &targets).await?;
            report.inserted += c.inserted;
            report.updated += c.revised;
            report.unchanged += c.unchanged;
        }
        Ok(report)
    }

    async fn latest_plan(&self, code: &str) -> Result<Option<PlanRecord>, StoreError> {
        let row = self
            .db()
            .fetch_optional(query("select max(version) as v from plan where plan_code = $1").bind(code))
            .await?;
        match row.and_then(|r| r.get::<Option<i64>>("v").ok().flatten()) {
            Some(v) => self.plan(code, v).await,
            None => Ok(None),
        }
    }

    /// The export rows of the targets of `year` (the import template's layout).
    pub async fn target_rows(&self, scope: &Scope, year: i32) -> Result<Vec<Vec<String>>, StoreError> {
        Ok(self
            .targets_for_year(scope, year)
            .await?
            .into_iter()
            .map(|t| {
                vec![
                    t.plan_code,
                    t.indicator_code,
                    t.region_code,
                    t.period,
                    t.comparator,
                    format_e4_plain(t.value_e4),
                    t.note,
                ]
            })
            .collect())
    }

    /// The registries as indicator formulas see them, inside the scope.
    pub async fn registry_snapshot(&self, scope: &Scope) -> Result<Snapshot, StoreError> {
        let mut snap = Snapshot::default();
        // Organisations and their tiers.
        let mut q = query(
            "select organisation_id, region_code, park_code, kind, industry_code from organisation where retired_at is null",
        );
        scope::restrict(self, &mut q, scope, Some("region_code"), Some("organisation_id")).await?;
        let mut orgs: Vec<Record> = Vec::new();
        let mut park_of: HashMap<i64, (String, Option<String>)> = HashMap::new();
        for r in self.db().fetch_all(q).await? {
            let id: i64 = r.get("organisation_id")?;
            let region: String = r.get("region_code")?;
            let park: Option<String> = r.get("park_code")?;
            park_of.insert(id, (region.clone(), park.clone()));
            orgs.push(Record {
                id,
                region,
                park,
                attrs: vec![
                    ("kind", r.get("kind")?),
                    ("industry", r.get::<Option<String>>("industry_code")?.unwrap_or_default()),
                ],
                date: None,
                until: None,
                amount_fen: None,
                spans: Vec::new(),
            });
        }
        let index: HashMap<i64, usize> = orgs.iter().enumerate().map(|(i, o)| (o.id, i)).collect();
        for r in self
            .db()
            .fetch_all(query(
                "select organisation_id, kind, valid_from, valid_to from organisation_tier where retired_at is null",
            ))
            .await?
        {
            if let Some(&i) = index.get(&r.get::<i64>("organisation_id")?) {
                orgs[i].spans.push(Span { kind: r.get("kind")?, from: r.get("valid_from")?, to: r.get("valid_to")? });
            }
        }
        snap.records.insert(Entity::Org, orgs);

        // People and their roles.
        let mut q = query("select person_id, region_code, organisation_id from person where retired_at is null");
        scope::restrict(self, &mut q, scope, Some("region_code"), Some("organisation_id")).await?;
        let mut people: Vec<Record> = Vec::new();
        for r in self.db().fetch_all(q).await? {
            let org: Option<i64> = r.get("organisation_id")?;
            people.push(Record {
                id: r.get("person_id")?,
                region: r.get("region_code")?,
                park: org.and_then(|o| park_of.get(&o)).and_then(|(_, p)| p.clone()),
                attrs: vec![],
                date: None,
                until: None,
                amount_fen: None,
                spans: Vec::new(),
            });
        }
        let index: HashMap<i64, usize> = people.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        for r in self
            .db()
            .fetch_all(query("select person_id, kind, valid_from, valid_to from person_role where retired_at is null"))
            .await?
        {
            if let Some(&i) = index.get(&r.get::<i64>("person_id")?) {
                people[i].spans.push(Span { kind: r.get("kind")?, from: r.get("valid_from")?, to: r.get("valid_to")? });
            }
        }
        snap.records.insert(Entity::Person, people);

        // Platforms.
        let mut q = query(
            "select platform_id, region_code, host_organisation_id, kind, level, status, approved_on from platform \
             where retired_at is null",
        );
        scope::restrict(self, &mut q, scope, Some("region_code"), Some("host_organisation_id")).await?;
        let mut platforms = Vec::new();
        for r in self.db().fetch_all(q).await? {
            let host: Option<i64> = r.get("host_organisation_id")?;
            platforms.push(Record {
                id: r.get("platform_id")?,
                region: r.get("region_code")?,
                park: host.and_then(|o| park_of.get(&o)).and_then(|(_, p)| p.clone()),
                attrs: vec![("kind", r.get("kind")?), ("level", r.get("level")?), ("status", r.get("status")?)],
                date: r.get::<Option<Date>>("approved_on")?,
                until: None,
                amount_fen: None,
                spans: Vec::new(),
            });
        }
        snap.records.insert(Entity::Platform, platforms);

        // IP items (placed where their organisation is).
        let mut ips = Vec::new();
        for r in self
            .db()
            .fetch_all(
                query(
                    "select ip_item_id, organisation_id, kind, grant_date, expiry_date from ip_item \
                 where retired_at is null and granted_in_china = $1",
                )
                .bind(true),
            )
            .await?
        {
            let Some((region, park)) = park_of.get(&r.get::<i64>("organisation_id")?).cloned() else { continue };
            ips.push(Record {
                id: r.get("ip_item_id")?,
                region,
                park,
                attrs: vec![("kind", r.get("kind")?)],
                date: r.get::<Option<Date>>("grant_date")?,
                until: r.get::<Option<Date>>("expiry_date")?,
                amount_fen: None,
                spans: Vec::new(),
            });
        }
        snap.records.insert(Entity::Ip, ips);

        // Awards (dated 1 January of their year).
        let mut q = query(
            "select award_id, region_code, organisation_id, category, level, grade, year from award where retired_at is null",
        );
        scope::restrict(self, &mut q, scope, Some("region_code"), Some("organisation_id")).await?;
        let mut awards = Vec::new();
        for r in self.db().fetch_all(q).await? {
            let org: Option<i64> = r.get("organisation_id")?;
            let year: i32 = r.get("year")?;
            awards.push(Record {
                id: r.get("award_id")?,
                region: r.get("region_code")?,
                park: org.and_then(|o| park_of.get(&o)).and_then(|(_, p)| p.clone()),
                attrs: vec![("category", r.get("category")?), ("level", r.get("level")?), ("grade", r.get("grade")?)],
                date: Date::from_calendar_date(year, time::Month::January, 1).ok(),
                until: None,
                amount_fen: None,
                spans: Vec::new(),
            });
        }
        snap.records.insert(Entity::Award, awards);

        // Technology contracts (where the seller is).
        let mut q = query(
            "select tech_contract_id, seller_region_code, seller_organisation_id, kind, amount_fen, registered_on \
             from tech_contract where retired_at is null",
        );
        scope::restrict(self, &mut q, scope, Some("seller_region_code"), Some("seller_organisation_id")).await?;
        let mut contracts = Vec::new();
        for r in self.db().fetch_all(q).await? {
            let org: Option<i64> = r.get("seller_organisation_id")?;
            contracts.push(Record {
                id: r.get("tech_contract_id")?,
                region: r.get("seller_region_code")?,
                park: org.and_then(|o| park_of.get(&o)).and_then(|(_, p)| p.clone()),
                attrs: vec![("kind", r.get("kind")?)],
                date: Some(r.get("registered_on")?),
                until: None,
                amount_fen: Some(r.get("amount_fen")?),
                spans: Vec::new(),
            });
        }
        snap.records.insert(Entity::Contract, contracts);

        // Loans (where the borrower is).
        let mut q = query(
            "select l.loan_id, o.region_code, l.borrower_organisation_id, l.scheme, l.status, l.amount_fen, l.start_on \
             from loan l join organisation o on o.organisation_id = l.borrower_organisation_id where l.retired_at is null",
        );
        scope::restrict(self, &mut q, scope, Some("o.region_code"), Some("l.borrower_organisation_id")).await?;
        let mut loans = Vec::new();
        for r in self.db().fetch_all(q).await? {
            let org: i64 = r.get("borrower_organisation_id")?;
            loans.push(Record {
                id: r.get("loan_id")?,
                region: r.get("region_code")?,
                park: park_of.get(&org).and_then(|(_, p)| p.clone()),
                attrs: vec![("scheme", r.get("scheme")?), ("status", r.get("status")?)],
                date: Some(r.get("start_on")?),
                until: None,
                amount_fen: Some(r.get("amount_fen")?),
                spans: Vec::new(),
            });
        }
        snap.records.insert(Entity::Loan, loans);

        // Applications, with their call's level and kind, dated by the day they were submitted in
        // Beijing time (a year's figure ends at midnight there); a draft never submitted counts
        // in no period, so it is not loaded.
        let beijing = time::macros::offset!(+8);
        let mut q = query(
            "select a.application_id, a.region_code, a.organisation_id, a.status, a.submitted_at, c.level, c.kind \
             from application a join call c on c.call_id = a.call_id where a.submitted_at is not null",
        );
        scope::restrict(self, &mut q, scope, Some("a.region_code"), Some("a.organisation_id")).await?;
        let mut applications = Vec::new();
        for r in self.db().fetch_all(q).await? {
            let org: i64 = r.get("organisation_id")?;
            let submitted: Option<OffsetDateTime> = r.get("submitted_at")?;
            applications.push(Record {
                id: r.get("application_id")?,
                region: r.get("region_code")?,
                park: park_of.get(&org).and_then(|(_, p)| p.clone()),
                attrs: vec![("level", r.get("level")?), ("kind", r.get("kind")?), ("status", r.get("status")?)],
                date: submitted.map(|t: OffsetDateTime| t.to_offset(beijing).date()),
                until: None,
                amount_fen: None,
                spans: Vec::new(),
            });
        }
        snap.records.insert(Entity::Application, applications);

        // Projects, with their call's level and kind: approved on a day, running from start to
        // the planned end (as extended), with the granted amount.
        let mut q = query(
            "select p.project_id, p.region_code, p.organisation_id, p.status, p.granted_fen, p.approved_on, p.start_on, \
             p.end_on, c.level, c.kind from project p join call c on c.call_id = p.call_id where 1 = 1",
        );
        scope::restrict(self, &mut q, scope, Some("p.region_code"), Some("p.organisation_id")).await?;
        let mut projects = Vec::new();
        for r in self.db().fetch_all(q).await? {
            let org: i64 = r.get("organisation_id")?;
            projects.push(Record {
                id: r.get("project_id")?,
                region: r.get("region_code")?,
                park: park_of.get(&org).and_then(|(_, p)| p.clone()),
                attrs: vec![("level", r.get("level")?), ("kind", r.get("kind")?), ("status", r.get("status")?)],
                date: Some(r.get("approved_on")?),
                until: None,
                amount_fen: Some(r.get("granted_fen")?),
                spans: vec![Span {
                    kind: PROJECT_RUN.to_owned(),
                    from: r.get("start_on")?,
                    to: Some(r.get("end_on")?),
                }],
            });
        }
        snap.records.insert(Entity::Project, projects);
        Ok(snap)
    }

    /// The sequence number of the newest audit event: it changes with every write, so a
    /// cache of anything read from the database is valid while it stays the same.
    pub async fn write_generation(&self) -> Result<i64, StoreError> {
        let row = self.db().fetch_one(query("select seq from audit_head where audit_head_id = 1")).await?;
        row.get("seq")
    }
}

impl Store {
    /// Everything the indicator engine computes from, inside the scope: regions, memberships,
    /// measures, definitions, every current region fact, the registry snapshot.
    pub async fn indicator_inputs(&self, scope: &Scope) -> Result<gaodi_domain::indicator::engine::Inputs, StoreError> {
        use gaodi_domain::indicator::engine::{FactIn, Inputs, RegionInfo};
        let visible = self.scope_regions(scope).await?;
        let regions = self
            .regions()
            .await?
            .into_iter()
            .filter(|r| visible.as_ref().is_none_or(|v| v.contains(r.code.as_str())))
            .map(|r| RegionInfo {
                code: r.code.to_string(),
                name_zh: r.name_zh.clone(),
                name_en: r.name_en.clone(),
                is_park: r.kind.is_park(),
            })
            .collect();
        let mut q = query(format!("select {FACT_COLUMNS} from fact where is_current = $1 and region_code is not null"))
            .bind(true);
        scope::restrict(self, &mut q, scope, Some("region_code"), None).await?;
        let mut facts = Vec::new();
        for r in self.db().fetch_all(q).await? {
            let f = fact_record(&r)?;
            let Ok(period) = Period::parse(&f.period) else { continue };
            facts.push(FactIn {
                fact_id: f.fact_id,
                measure: f.measure_code,
                region: f.region_code.unwrap_or_default(),
                period,
                source: f.source,
                value_e4: f.value_e4,
            });
        }
        Ok(Inputs {
            regions,
            memberships: self.memberships().await?,
            measures: self.measures().await?,
            definitions: self.indicator_definitions().await?,
            facts,
            snapshot: self.registry_snapshot(scope).await?,
        })
    }
}

impl Store {
    /// The targets of `year` inside the scope, as the indicator engine reads them.
    pub async fn target_inputs(
        &self,
        scope: &Scope,
        year: i32,
    ) -> Result<Vec<gaodi_domain::indicator::engine::TargetIn>, StoreError> {
        Ok(self
            .targets_for_year(scope, year)
            .await?
            .into_iter()
            .filter_map(|t| {
                Some(gaodi_domain::indicator::engine::TargetIn {
                    indicator: t.indicator_code,
                    region: t.region_code,
                    period: Period::parse(&t.period).ok()?,
                    comparator: Comparator::parse(&t.comparator).ok()?,
                    value_e4: t.value_e4,
                })
            })
            .collect())
    }
}

impl Store {
    /// A label for each record (name, number or title) of an entity, for drill-down lists.
    pub async fn record_labels(&self, entity: Entity, ids: &[i64]) -> Result<HashMap<i64, String>, StoreError> {
        let (table, id_col, label) = match entity {
            Entity::Org => ("organisation", "organisation_id", "name"),
            Entity::Person => ("person", "person_id", "name"),
            Entity::Platform => ("platform", "platform_id", "name"),
            Entity::Ip => ("ip_item", "ip_item_id", "registration_no || ' ' || title"),
            Entity::Award => ("award", "award_id", "project_title"),
            Entity::Contract => ("tech_contract", "tech_contract_id", "contract_no || ' ' || title"),
            Entity::Loan => ("loan", "loan_id", "contract_no || ' ' || bank"),
            Entity::Application => ("application", "application_id", "title"),
            Entity::Project => ("project", "project_id", "code || ' ' || title"),
        };
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let mut q = query(format!("select {id_col} as id, {label} as label from {table} where {id_col} in ("));
            let marks = q.bind_list(chunk.iter().copied());
            q.push_sql(&format!("{marks})"));
            for r in self.db().fetch_all(q).await? {
                out.insert(r.get::<i64>("id")?, r.get::<String>("label")?);
            }
        }
        Ok(out)
    }
}

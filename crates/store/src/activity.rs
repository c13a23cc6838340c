//! Activity registries: S&T awards (科技奖励), technology contracts (技术合同), tech-finance loans
//! (科技金融贷款) with their events, and popularisation and other S&T events (科普与活动).
//!
//! Each registry follows the organisation register: scoped reads with filters and paging,
//! create / update / retire with one audit event in the same transaction, an all-or-nothing
//! import keyed by a natural key (a re-import of the same file writes nothing), an export in
//! the template's layout, and the aggregates the indicators read.
//!
//! Scope: awards and events by their `region_code` (and lead or organiser organisation),
//! contracts by the seller's region (and seller organisation), loans by the borrower's region
//! (and borrower). Money is exact fen in `*_fen` columns.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use gaodi_domain::access::Scope;
use gaodi_domain::activity::{
    check_amount, check_date, check_event_span, check_loan_event_date, check_participants, check_required,
    check_technical_income, check_term, check_year, loan_status_after, parse_level, parse_participants, parse_year,
    ActivityError, AwardCategory, AwardGrade, ContractKind, EventKind, LoanEventKind, LoanScheme, LoanStatus,
};
use gaodi_domain::money::Money;
use gaodi_domain::organisation::Uscc;
use gaodi_domain::region::RegionCode;
use gaodi_domain::registry::Level;
use serde::Serialize;
use time::{Date, Month, OffsetDateTime};

use crate::db::{query, Query, Row, Tx};
use crate::error::on_duplicate;
use crate::import::{parse_date, ColumnMap, ColumnSpec, ImportReport, RowError};
use crate::organisation::Page;
use crate::tabular::{Table, TableRow};
use crate::{now, scope, Actor, AuditEntry, Store, StoreError};

// Dates travel as ISO `YYYY-MM-DD` in the API and the audit log.
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// A rule a new record breaks: the field (the API and form name, also the import column key)
/// and why.
pub type Problem = (&'static str, ActivityError);

fn first_problem(problems: Vec<Problem>) -> Result<(), StoreError> {
    match problems.into_iter().next() {
        Some((field, e)) => Err(StoreError::invalid(e.code(), e.args(), Some(field))),
        None => Ok(()),
    }
}

fn decode<T>(r: Result<T, ActivityError>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Decode(e.to_string()))
}

fn money(r: &Row, column: &str) -> Result<Money, StoreError> {
    Ok(Money::from_fen(r.get::<i64>(column)?))
}

fn opt_money(r: &Row, column: &str) -> Result<Option<Money>, StoreError> {
    Ok(r.get::<Option<i64>>(column)?.map(Money::from_fen))
}

/// Trims free text; empty becomes `None`.
fn opt_text(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn unknown_organisation(id: i64, field: &'static str) -> StoreError {
    StoreError::invalid("activity.unknown_organisation", vec![("value", id.to_string())], Some(field))
}

fn unknown_region(code: &RegionCode, field: &'static str) -> StoreError {
    StoreError::invalid("region.unknown", vec![("code", code.to_string())], Some(field))
}

// ---------------------------------------------------------------------------------------
// Shared query parts
// ---------------------------------------------------------------------------------------

/// The first and last day of a span from a year and/or explicit bounds (both inclusive).
fn span(year: Option<i32>, from: Option<Date>, to: Option<Date>) -> (Option<Date>, Option<Date>) {
    let first = year.and_then(|y| Date::from_calendar_date(y, Month::January, 1).ok());
    let last = year.and_then(|y| Date::from_calendar_date(y, Month::December, 31).ok());
    (
        first.max(from),
        match (last, to) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
    )
}

fn push_span(q: &mut Query, column: &str, year: Option<i32>, from: Option<Date>, to: Option<Date>) {
    let (from, to) = span(year, from, to);
    if let Some(d) = from {
        let m = q.bind_list([d]);
        q.push_sql(&format!(" and {column} >= {m}"));
    }
    if let Some(d) = to {
        let m = q.bind_list([d]);
        q.push_sql(&format!(" and {column} <= {m}"));
    }
}

/// ` and (col1 like … or col2 like …)` for a search text, `%` and `_` taken literally.
fn push_text_search(q: &mut Query, text: Option<&str>, columns: &[&str]) {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return;
    };
    let like = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let parts: Vec<String> = columns
        .iter()
        .map(|c| {
            let m = q.bind_list([like.clone()]);
            format!("{c} like {m} escape '\\'")
        })
        .collect();
    q.push_sql(&format!(" and ({})", parts.join(" or ")));
}

fn push_eq(q: &mut Query, column: &str, value: Option<&str>) {
    if let Some(v) = value {
        let m = q.bind_list([v]);
        q.push_sql(&format!(" and {column} = {m}"));
    }
}

/// An `order by` list: the default when no key is given, else the key's columns in the asked
/// direction. Unknown keys are refused, naming the accepted ones.
fn order_by(keys: &[(&str, &str)], default: &str, sort: Option<&str>, descending: bool) -> Result<String, StoreError> {
    let Some(key) = sort else {
        return Ok(default.to_owned());
    };
    let columns = keys.iter().find(|(k, _)| *k == key).map(|(_, c)| *c).ok_or_else(|| {
        StoreError::invalid(
            "error.bad_query",
            vec![
                ("name", "sort".to_owned()),
                ("value", key.to_owned()),
                ("expected", keys.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")),
            ],
            Some("sort"),
        )
    })?;
    let dir = if descending { " desc" } else { "" };
    Ok(columns.split(", ").map(|c| format!("{c}{dir}")).collect::<Vec<_>>().join(", "))
}

impl Store {
    /// ` and (col in (…) or …)` for the region and everything below it.
    async fn push_region(
        &self,
        q: &mut Query,
        region: Option<&RegionCode>,
        columns: &[&str],
    ) -> Result<(), StoreError> {
        let Some(region) = region else {
            return Ok(());
        };
        let codes = self.scope_regions(&Scope::Regions { regions: vec![region.clone()] }).await?.unwrap_or_default();
        let parts: Vec<String> = columns
            .iter()
            .map(|c| {
                let m = q.bind_list(codes.iter().cloned());
                format!("{c} in ({m})")
            })
            .collect();
        q.push_sql(&format!(" and ({})", parts.join(" or ")));
        Ok(())
    }

    /// Runs a count and a page of items (the two queries carry the same filter).
    async fn paged<T>(
        &self,
        count: Query,
        mut items: Query,
        order: &str,
        page: i64,
        per_page: i64,
        decode_row: fn(&Row) -> Result<T, StoreError>,
    ) -> Result<Page<T>, StoreError> {
        let per_page = per_page.clamp(1, 500);
        let page = page.max(1);
        let total: i64 = self.db().fetch_one(count).await?.get("n")?;
        let lim = items.bind_list([per_page]);
        let off = items.bind_list([(page - 1) * per_page]);
        items.push_sql(&format!(" order by {order} limit {lim} offset {off}"));
        let items = self.db().fetch_all(items).await?.iter().map(decode_row).collect::<Result<_, _>>()?;
        Ok(Page { total, page, per_page, items })
    }

    async fn region_codes(&self) -> Result<HashSet<String>, StoreError> {
        let rows = self.db().fetch_all(query("select region_code from region")).await?;
        rows.iter().map(|r| r.get::<String>("region_code")).collect()
    }

    /// Checks that a region exists and, when `in_scope`, that the caller may write there.
    async fn check_region(
        &self,
        scope: &Scope,
        code: &RegionCode,
        field: &'static str,
        in_scope: bool,
    ) -> Result<(), StoreError> {
        if !self.region_codes().await?.contains(code.as_str()) {
            return Err(unknown_region(code, field));
        }
        if in_scope && !scope::allows(self, scope, Some(code.as_str()), None).await? {
            return Err(StoreError::Forbidden);
        }
        Ok(())
    }

    /// Checks that an organisation exists, inside the caller's scope when `in_scope` (one
    /// outside it is reported exactly like one that does not exist).
    async fn check_organisation(
        &self,
        scope: &Scope,
        id: i64,
        field: &'static str,
        in_scope: bool,
    ) -> Result<crate::organisation::Organisation, StoreError> {
        let scope = if in_scope { scope } else { &Scope::All };
        match self.organisation(scope, id).await {
            Err(StoreError::NotFound) => Err(unknown_organisation(id, field)),
            other => other,
        }
    }
}

fn entry(action: &str, kind: &str, id: i64, region: &str, organisation_id: Option<i64>) -> AuditEntry {
    let mut e = AuditEntry::new(action, kind, id).region(Some(region.to_owned()));
    e.organisation_id = organisation_id;
    e
}

/// What the four registries share for reading: where a record's rows live, how they decode,
/// sort and are scoped, and the filters every list has. The filters particular to a registry
/// stay in its `narrow`.
trait Listed: Sized {
    type Filter;
    /// The `from` clause, with the aliases the columns below use.
    const FROM: &'static str;
    const SELECT: &'static str;
    const SORTS: &'static [(&'static str, &'static str)];
    const DEFAULT_ORDER: &'static str;
    /// The region and organisation columns the caller's scope restricts.
    const SCOPE: (&'static str, &'static str);
    const RETIRED: &'static str;
    const TEXT: &'static [&'static str];
    /// The columns a region filter matches (the region or anything below it).
    const REGION: &'static [&'static str];

    fn decode(r: &Row) -> Result<Self, StoreError>;
    /// The filter's free text, region, retired switch and sort, in that order.
    fn common(f: &Self::Filter) -> (Option<&str>, Option<&RegionCode>, bool, Option<&str>, bool);
    /// Adds the registry's own filters (year, kind, organisation, …).
    fn narrow(q: &mut Query, f: &Self::Filter);

    fn order(f: &Self::Filter) -> Result<String, StoreError> {
        let (_, _, _, sort, descending) = Self::common(f);
        order_by(Self::SORTS, Self::DEFAULT_ORDER, sort, descending)
    }
}

impl Store {
    async fn restrict<T: Listed>(&self, q: &mut Query, scope: &Scope) -> Result<(), StoreError> {
        let (region, organisation) = T::SCOPE;
        scope::restrict(self, q, scope, Some(region), Some(organisation)).await
    }

    /// Scope first, then the common filters, then the registry's own (the order of the binds
    /// is the order of the SQL, so count and item queries stay alike).
    async fn filter_listed<T: Listed>(&self, q: &mut Query, scope: &Scope, f: &T::Filter) -> Result<(), StoreError> {
        self.restrict::<T>(q, scope).await?;
        let (text, region, include_retired, _, _) = T::common(f);
        if !include_retired {
            q.push_sql(&format!(" and {} is null", T::RETIRED));
        }
        push_text_search(q, text, T::TEXT);
        self.push_region(q, region, T::REGION).await?;
        T::narrow(q, f);
        Ok(())
    }

    async fn list_page<T: Listed>(
        &self,
        scope: &Scope,
        f: &T::Filter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<T>, StoreError> {
        let order = T::order(f)?;
        let mut count = query(format!("select count(*) as n from {} where 1 = 1", T::FROM));
        self.filter_listed::<T>(&mut count, scope, f).await?;
        let mut items = query(format!("select {} from {} where 1 = 1", T::SELECT, T::FROM));
        self.filter_listed::<T>(&mut items, scope, f).await?;
        self.paged(count, items, &order, page, per_page, T::decode).await
    }

    async fn list_filtered<T: Listed>(&self, scope: &Scope, f: &T::Filter) -> Result<Vec<T>, StoreError> {
        let order = T::order(f)?;
        let mut q = query(format!("select {} from {} where 1 = 1", T::SELECT, T::FROM));
        self.filter_listed::<T>(&mut q, scope, f).await?;
        q.push_sql(&format!(" order by {order}"));
        self.db().fetch_all(q).await?.iter().map(T::decode).collect()
    }

    /// One record by its id column, if it is inside the scope (`NotFound` otherwise).
    async fn one<T: Listed>(&self, scope: &Scope, id_column: &str, id: i64) -> Result<T, StoreError> {
        let mut q = query(format!("select {} from {} where {id_column} = $1", T::SELECT, T::FROM)).bind(id);
        self.restrict::<T>(&mut q, scope).await?;
        T::decode(&self.db().fetch_one(q).await?)
    }

    /// The records, in any scope, whose `column` holds one of `keys`: an import compares its
    /// rows with them by natural key.
    async fn having<T: Listed>(&self, column: &str, keys: Vec<String>) -> Result<Vec<T>, StoreError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(500) {
            let mut q = query(format!("select {} from {} where {column} in (", T::SELECT, T::FROM));
            let marks = q.bind_list(chunk.iter().cloned());
            q.push_sql(&format!("{marks})"));
            for r in self.db().fetch_all(q).await? {
                found.push(T::decode(&r)?);
            }
        }
        Ok(found)
    }
}

// ---------------------------------------------------------------------------------------
// Import helpers
// ---------------------------------------------------------------------------------------

/// An organisation as an import sees it: by USCC, with its region for the scope check.
#[derive(Debug, Clone)]
struct OrgRef {
    organisation_id: i64,
    region_code: String,
}

/// What every import needs from the database, read once before the rows are checked.
struct ImportContext {
    regions: HashSet<String>,
    /// Regions the caller may write in (`None`: all).
    in_scope: Option<BTreeSet<String>>,
    organisations: HashMap<String, OrgRef>,
}

impl ImportContext {
    fn allows(&self, region: &str) -> bool {
        self.in_scope.as_ref().is_none_or(|s| s.contains(region))
    }
}

impl Store {
    /// Reads the regions, the caller's scope and the organisations named in `uscc_keys` columns
    /// (`;`, `；`, `、` or `,` separate several codes in one cell).
    async fn import_context(
        &self,
        scope: &Scope,
        table: &Table,
        map: &ColumnMap,
        uscc_keys: &[&str],
    ) -> Result<ImportContext, StoreError> {
        let codes: BTreeSet<String> = table
            .rows
            .iter()
            .flat_map(|row| uscc_keys.iter().flat_map(move |k| split_list(map.get(row, k))))
            .map(str::to_uppercase)
            .collect();
        let mut organisations = HashMap::new();
        let codes: Vec<String> = codes.into_iter().collect();
        for chunk in codes.chunks(500) {
            let mut q = query("select organisation_id, uscc, region_code from organisation where uscc in (");
            let marks = q.bind_list(chunk.iter().cloned());
            q.push_sql(&format!("{marks})"));
            for r in self.db().fetch_all(q).await? {
                organisations.insert(
                    r.get::<String>("uscc")?,
                    OrgRef { organisation_id: r.get("organisation_id")?, region_code: r.get("region_code")? },
                );
            }
        }
        Ok(ImportContext {
            regions: self.region_codes().await?,
            in_scope: self.scope_regions(scope).await?,
            organisations,
        })
    }
}

/// Splits a cell holding several values.
fn split_list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([';', '；', '、', ',', '，']).map(str::trim).filter(|s| !s.is_empty())
}

/// The cells of one row, read and checked; every problem goes into `errors`.
struct Cells<'a> {
    map: &'a ColumnMap,
    row: &'a TableRow,
    ctx: &'a ImportContext,
    errors: &'a mut Vec<RowError>,
}

impl Cells<'_> {
    fn fail(&mut self, key: &str, code: &'static str, args: Vec<(&'static str, String)>) {
        let e = self.map.error(self.row, key, code, args);
        self.errors.push(e);
    }

    fn activity<T>(&mut self, key: &str, r: Result<T, ActivityError>) -> Option<T> {
        r.map_err(|e| self.fail(key, e.code(), e.args())).ok()
    }

    fn text(&mut self, key: &str) -> Option<String> {
        self.map.required(self.row, key, self.errors).map(str::to_owned)
    }

    fn opt_text(&self, key: &str) -> Option<String> {
        opt_text(Some(self.map.get(self.row, key)))
    }

    fn code<T>(&mut self, key: &str, parse: fn(&str) -> Result<T, ActivityError>) -> Option<T> {
        let v = self.map.required(self.row, key, self.errors)?;
        self.activity(key, parse(v))
    }

    fn year(&mut self, key: &str) -> Option<i32> {
        let v = self.map.required(self.row, key, self.errors)?;
        self.activity(key, parse_year(v))
    }

    fn parse_money(&mut self, key: &str, v: &str) -> Option<Money> {
        Money::parse(v).map_err(|e| self.fail(key, e.code(), e.args())).ok()
    }

    fn money(&mut self, key: &str) -> Option<Money> {
        let v = self.map.required(self.row, key, self.errors)?;
        self.parse_money(key, v)
    }

    /// `Some(None)` for an empty cell, `None` for a bad one.
    fn opt_money(&mut self, key: &str) -> Option<Option<Money>> {
        match self.map.get(self.row, key) {
            "" => Some(None),
            v => self.parse_money(key, v).map(Some),
        }
    }

    fn parse_date(&mut self, key: &str, v: &str) -> Option<Date> {
        let d = parse_date(v);
        if d.is_none() {
            self.fail(key, "import.bad_date", vec![("value", v.to_owned())]);
        }
        d
    }

    fn date(&mut self, key: &str) -> Option<Date> {
        let v = self.map.required(self.row, key, self.errors)?;
        self.parse_date(key, v)
    }

    fn opt_date(&mut self, key: &str) -> Option<Option<Date>> {
        match self.map.get(self.row, key) {
            "" => Some(None),
            v => self.parse_date(key, v).map(Some),
        }
    }

    /// A known region code; inside the caller's scope when `scoped`.
    fn check_region(&mut self, key: &str, v: &str, scoped: bool) -> Option<RegionCode> {
        match RegionCode::parse(v) {
            Err(e) => {
                self.fail(key, e.code(), e.args());
                None
            }
            Ok(c) if !self.ctx.regions.contains(c.as_str()) => {
                self.fail(key, "region.unknown", vec![("code", c.to_string())]);
                None
            }
            Ok(c) if scoped && !self.ctx.allows(c.as_str()) => {
                self.fail(key, "import.out_of_scope", vec![("code", c.to_string())]);
                None
            }
            Ok(c) => Some(c),
        }
    }

    fn region(&mut self, key: &str, scoped: bool) -> Option<RegionCode> {
        let v = self.map.required(self.row, key, self.errors)?;
        self.check_region(key, v, scoped)
    }

    fn opt_region(&mut self, key: &str) -> Option<Option<RegionCode>> {
        match self.map.get(self.row, key) {
            "" => Some(None),
            v => self.check_region(key, v, false).map(Some),
        }
    }

    /// A registered organisation by its USCC; inside the caller's scope when `scoped` (one
    /// outside it reads exactly like an unknown code).
    fn organisation(&mut self, key: &str, v: &str, scoped: bool) -> Option<i64> {
        let code = v.to_uppercase();
        if let Err(e) = Uscc::parse(&code) {
            self.fail(key, e.code(), e.args());
            return None;
        }
        match self.ctx.organisations.get(&code) {
            Some(o) if !scoped || self.ctx.allows(&o.region_code) => Some(o.organisation_id),
            _ => {
                self.fail(key, "activity.unknown_organisation", vec![("value", code)]);
                None
            }
        }
    }

    fn required_organisation(&mut self, key: &str) -> Option<i64> {
        let v = self.map.required(self.row, key, self.errors)?;
        self.organisation(key, v, true)
    }

    fn opt_organisation(&mut self, key: &str, scoped: bool) -> Option<Option<i64>> {
        match self.map.get(self.row, key) {
            "" => Some(None),
            v => self.organisation(key, v, scoped).map(Some),
        }
    }

    /// Reports the rules a parsed record breaks, each on its column.
    fn problems(&mut self, problems: Vec<Problem>) {
        for (field, e) in problems {
            self.fail(field, e.code(), e.args());
        }
    }
}

/// Reports a key seen on an earlier line of the same file.
fn check_duplicate(
    seen: &mut HashMap<String, usize>,
    key: String,
    map: &ColumnMap,
    row: &TableRow,
    column: &str,
    errors: &mut Vec<RowError>,
) {
    if let Some(first) = seen.insert(key, row.line) {
        errors.push(map.error(row, column, "import.duplicate_key", vec![("first_line", first.to_string())]));
    }
}

/// A key already used by a record the caller may not change.
fn key_taken(map: &ColumnMap, row: &TableRow, column: &str) -> RowError {
    let value = map.get(row, column).to_owned();
    map.error(row, column, "activity.key_taken", vec![("value", value)])
}

fn report(kind: &str, table: &Table) -> ImportReport {
    ImportReport { kind: kind.to_owned(), rows: table.rows.len(), ..ImportReport::default() }
}

/// The report and column map an import starts with, or (`Err`) the report of a header it
/// cannot read.
fn start_import(kind: &str, table: &Table, columns: &[ColumnSpec]) -> Result<(ImportReport, ColumnMap), ImportReport> {
    let mut report = report(kind, table);
    match ColumnMap::new(table, columns) {
        Ok(map) => Ok((report, map)),
        Err(errors) => {
            report.errors = errors;
            Err(report)
        }
    }
}

/// The report of an import refused for `errors`, listed in line order.
fn rejected(mut report: ImportReport, mut errors: Vec<RowError>) -> ImportReport {
    errors.sort_by_key(|e| e.line);
    report.errors = errors;
    report
}

// Each registry's table is named `<table>` with the key `<table>_id`.

fn retire_row(table: &str, id: i64, t: OffsetDateTime) -> Query {
    query(format!("update {table} set retired_at = $1, updated_at = $1 where {table}_id = $2")).bind(t).bind(id)
}

/// Brings back a retired record that an import updates.
fn unretire_row(table: &str, id: i64) -> Query {
    query(format!("update {table} set retired_at = null where {table}_id = $1")).bind(id)
}

fn yuan_cell(m: Option<Money>) -> String {
    m.map(|m| m.to_string()).unwrap_or_default()
}

fn date_cell(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

// =======================================================================================
// Awards
// =======================================================================================

/// An organisation credited with an award, in the announced order (rank 1 is the lead).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AwardOrganisation {
    pub organisation_id: i64,
    pub rank: i32,
    pub uscc: String,
    pub name: String,
}

/// An S&T award (科技奖励) won by a project.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Award {
    pub award_id: i64,
    /// The award as announced, e.g. 湖南省科学技术进步奖.
    pub name: String,
    pub category: AwardCategory,
    pub level: Level,
    pub grade: AwardGrade,
    pub year: i32,
    pub project_title: String,
    pub region_code: String,
    /// Certificate or announcement number; unique within a year.
    pub reference: String,
    /// The lead organisation (the first of `organisations`).
    pub organisation_id: Option<i64>,
    pub person_names: Option<String>,
    pub organisations: Vec<AwardOrganisation>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

/// The fields of an award a user sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewAward {
    pub name: String,
    pub category: AwardCategory,
    pub level: Level,
    pub grade: AwardGrade,
    pub year: i32,
    pub project_title: String,
    pub region_code: RegionCode,
    pub reference: String,
    /// Organisations credited, in the announced order; the first is the lead.
    pub organisation_ids: Vec<i64>,
    pub person_names: Option<String>,
}

impl NewAward {
    fn normalised(&self) -> NewAward {
        NewAward {
            name: self.name.trim().to_owned(),
            project_title: self.project_title.trim().to_owned(),
            reference: self.reference.trim().to_owned(),
            person_names: opt_text(self.person_names.as_deref()),
            ..self.clone()
        }
    }

    /// Every rule the award breaks, each with its field.
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        for (field, text) in
            [("name", &self.name), ("project_title", &self.project_title), ("reference", &self.reference)]
        {
            if let Err(e) = check_required(text) {
                p.push((field, e));
            }
        }
        if let Err(e) = check_year(self.year) {
            p.push(("year", e));
        }
        p
    }

    fn key(&self) -> String {
        format!("{} {}", self.year, self.reference)
    }

    fn differs_from(&self, a: &Award) -> bool {
        self.name != a.name
            || self.category != a.category
            || self.level != a.level
            || self.grade != a.grade
            || self.year != a.year
            || self.project_title != a.project_title
            || self.region_code.as_str() != a.region_code
            || self.reference != a.reference
            || self.person_names != a.person_names
            || self.organisation_ids != a.organisations.iter().map(|o| o.organisation_id).collect::<Vec<_>>()
            || a.retired_at.is_some()
    }
}

/// Filters of the award list (all optional; they combine with `and`).
#[derive(Debug, Clone, Default)]
pub struct AwardFilter {
    /// Part of the award, project title, reference or names.
    pub q: Option<String>,
    /// This region and everything below it.
    pub region: Option<RegionCode>,
    pub year: Option<i32>,
    pub level: Option<Level>,
    pub grade: Option<AwardGrade>,
    pub category: Option<AwardCategory>,
    /// Credited to this organisation (at any rank).
    pub organisation_id: Option<i64>,
    pub include_retired: bool,
    /// One of `year`, `name`, `project_title`, `region`; none: newest first.
    pub sort: Option<String>,
    pub descending: bool,
}

/// The columns of the award import template and export, in order.
pub const AWARD_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("year", "年度", "Year"),
    ColumnSpec::required("name", "奖项名称", "Award"),
    ColumnSpec::required("category", "奖励类别", "Category"),
    ColumnSpec::required("level", "级别", "Level"),
    ColumnSpec::required("grade", "等级", "Grade"),
    ColumnSpec::required("project_title", "项目名称", "Project title"),
    ColumnSpec::required("reference", "证书或公告编号", "Certificate or announcement No."),
    ColumnSpec::required("region_code", "所在区划代码", "Region code"),
    ColumnSpec::optional("lead_uscc", "第一完成单位统一社会信用代码", "Lead organisation USCC"),
    ColumnSpec::optional("partner_usccs", "其他完成单位统一社会信用代码", "Other organisations' USCCs"),
    ColumnSpec::optional("person_names", "主要完成人", "Persons"),
];

fn award(r: &Row) -> Result<Award, StoreError> {
    Ok(Award {
        award_id: r.get("award_id")?,
        name: r.get("name")?,
        category: decode(AwardCategory::parse(&r.get::<String>("category")?))?,
        level: decode(parse_level(&r.get::<String>("level")?))?,
        grade: decode(AwardGrade::parse(&r.get::<String>("grade")?))?,
        year: r.get("year")?,
        project_title: r.get("project_title")?,
        region_code: r.get("region_code")?,
        reference: r.get("reference")?,
        organisation_id: r.get("organisation_id")?,
        person_names: r.get("person_names")?,
        organisations: Vec::new(),
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        retired_at: r.get("retired_at")?,
    })
}

async fn write_award_organisations(tx: &mut Tx, award_id: i64, ids: &[i64]) -> Result<(), StoreError> {
    tx.execute(query("delete from award_organisation where award_id = $1").bind(award_id)).await?;
    for (rank, id) in (1i64..).zip(ids) {
        tx.execute(
            query("insert into award_organisation (award_id, organisation_id, rank) values ($1, $2, $3)")
                .bind(award_id)
                .bind(*id)
                .bind(rank),
        )
        .await?;
    }
    Ok(())
}

async fn insert_award(tx: &mut Tx, new: &NewAward, t: OffsetDateTime) -> Result<i64, StoreError> {
    let row = tx
        .fetch_one(
            query(
                "insert into award (name, category, level, grade, year, project_title, region_code, reference, \
                 organisation_id, person_names, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) returning award_id",
            )
            .bind(&new.name)
            .bind(new.category.as_str())
            .bind(new.level.as_str())
            .bind(new.grade.as_str())
            .bind(new.year)
            .bind(&new.project_title)
            .bind(new.region_code.as_str())
            .bind(&new.reference)
            .bind(new.organisation_ids.first().copied())
            .bind(new.person_names.clone())
            .bind(t),
        )
        .await
        .map_err(|e| on_duplicate(e, "reference", &new.key()))?;
    let id: i64 = row.get("award_id")?;
    write_award_organisations(tx, id, &new.organisation_ids).await?;
    Ok(id)
}

async fn update_award_row(tx: &mut Tx, id: i64, new: &NewAward, t: OffsetDateTime) -> Result<(), StoreError> {
    tx.execute(
        query(
            "update award set name = $1, category = $2, level = $3, grade = $4, year = $5, project_title = $6, \
             region_code = $7, reference = $8, organisation_id = $9, person_names = $10, updated_at = $11 \
             where award_id = $12",
        )
        .bind(&new.name)
        .bind(new.category.as_str())
        .bind(new.level.as_str())
        .bind(new.grade.as_str())
        .bind(new.year)
        .bind(&new.project_title)
        .bind(new.region_code.as_str())
        .bind(&new.reference)
        .bind(new.organisation_ids.first().copied())
        .bind(new.person_names.clone())
        .bind(t)
        .bind(id),
    )
    .await
    .map_err(|e| on_duplicate(e, "reference", &new.key()))?;
    write_award_organisations(tx, id, &new.organisation_ids).await
}

impl Listed for Award {
    type Filter = AwardFilter;
    const FROM: &'static str = "award a";
    const SELECT: &'static str = "a.award_id, a.name, a.category, a.level, a.grade, a.year, a.project_title, \
         a.region_code, a.reference, a.organisation_id, a.person_names, a.created_at, a.updated_at, a.retired_at";
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("year", "a.year, a.award_id"),
        ("name", "a.name, a.award_id"),
        ("project_title", "a.project_title, a.award_id"),
        ("region", "a.region_code, a.award_id"),
    ];
    const DEFAULT_ORDER: &'static str = "a.year desc, a.award_id desc";
    const SCOPE: (&'static str, &'static str) = ("a.region_code", "a.organisation_id");
    const RETIRED: &'static str = "a.retired_at";
    const TEXT: &'static [&'static str] = &["a.name", "a.project_title", "a.reference", "a.person_names"];
    const REGION: &'static [&'static str] = &["a.region_code"];

    fn decode(r: &Row) -> Result<Self, StoreError> {
        award(r)
    }

    fn common(f: &AwardFilter) -> (Option<&str>, Option<&RegionCode>, bool, Option<&str>, bool) {
        (f.q.as_deref(), f.region.as_ref(), f.include_retired, f.sort.as_deref(), f.descending)
    }

    fn narrow(q: &mut Query, f: &AwardFilter) {
        if let Some(y) = f.year {
            let m = q.bind_list([y]);
            q.push_sql(&format!(" and a.year = {m}"));
        }
        push_eq(q, "a.level", f.level.map(Level::as_str));
        push_eq(q, "a.grade", f.grade.map(AwardGrade::as_str));
        push_eq(q, "a.category", f.category.map(AwardCategory::as_str));
        if let Some(id) = f.organisation_id {
            let m = q.bind_list([id]);
            q.push_sql(&format!(
                " and exists (select 1 from award_organisation ao where ao.award_id = a.award_id and ao.organisation_id = {m})"
            ));
        }
    }
}

impl Store {
    /// Fills in the organisations credited with each award.
    async fn attach_award_organisations(&self, awards: &mut [Award]) -> Result<(), StoreError> {
        let mut by_award: HashMap<i64, Vec<AwardOrganisation>> = HashMap::new();
        let ids: Vec<i64> = awards.iter().map(|a| a.award_id).collect();
        for chunk in ids.chunks(500) {
            let mut q = query(
                "select ao.award_id, ao.organisation_id, ao.rank, o.uscc, o.name from award_organisation ao \
                 join organisation o on o.organisation_id = ao.organisation_id where ao.award_id in (",
            );
            let marks = q.bind_list(chunk.iter().copied());
            q.push_sql(&format!("{marks}) order by ao.award_id, ao.rank"));
            for r in self.db().fetch_all(q).await? {
                by_award.entry(r.get("award_id")?).or_default().push(AwardOrganisation {
                    organisation_id: r.get("organisation_id")?,
                    rank: r.get("rank")?,
                    uscc: r.get("uscc")?,
                    name: r.get("name")?,
                });
            }
        }
        for a in awards {
            a.organisations = by_award.remove(&a.award_id).unwrap_or_default();
        }
        Ok(())
    }

    /// A page of awards inside the scope.
    pub async fn list_awards_page(
        &self,
        scope: &Scope,
        f: &AwardFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<Award>, StoreError> {
        let mut p = self.list_page::<Award>(scope, f, page, per_page).await?;
        self.attach_award_organisations(&mut p.items).await?;
        Ok(p)
    }

    /// Every award matching the filter (for exports), in the filter's order.
    pub async fn list_awards_filtered(&self, scope: &Scope, f: &AwardFilter) -> Result<Vec<Award>, StoreError> {
        let mut items = self.list_filtered::<Award>(scope, f).await?;
        self.attach_award_organisations(&mut items).await?;
        Ok(items)
    }

    /// One award, if it is inside the scope (`NotFound` otherwise).
    pub async fn award(&self, scope: &Scope, id: i64) -> Result<Award, StoreError> {
        let mut a = vec![self.one::<Award>(scope, "a.award_id", id).await?];
        self.attach_award_organisations(&mut a).await?;
        Ok(a.remove(0))
    }

    /// Checks what needs the database: the region (known, in scope), the lead organisation (in
    /// scope) and the others (known; joint awards cross districts), no organisation twice.
    async fn check_award(&self, scope: &Scope, new: &NewAward) -> Result<(), StoreError> {
        first_problem(new.problems())?;
        self.check_region(scope, &new.region_code, "region_code", true).await?;
        let mut seen = HashSet::new();
        for (i, id) in new.organisation_ids.iter().enumerate() {
            if !seen.insert(*id) {
                return Err(StoreError::invalid(
                    "activity.duplicate_organisation",
                    vec![("value", id.to_string())],
                    Some("organisation_ids"),
                ));
            }
            self.check_organisation(scope, *id, "organisation_ids", i == 0).await?;
        }
        Ok(())
    }

    /// Creates an award in a region inside the caller's scope. Fails with `Forbidden` outside
    /// the scope, `Invalid` naming the field for a broken rule or an unknown region or
    /// organisation, `Duplicate` for a reference already used in that year.
    pub async fn create_award(&self, actor: &Actor, scope: &Scope, new: &NewAward) -> Result<Award, StoreError> {
        let new = new.normalised();
        self.check_award(scope, &new).await?;
        let mut tx = self.begin().await?;
        let id = insert_award(&mut tx, &new, now()).await?;
        let lead = new.organisation_ids.first().copied();
        tx.audit(actor, entry("award.create", "award", id, new.region_code.as_str(), lead).after(&new)).await?;
        tx.commit().await?;
        self.award(&Scope::All, id).await
    }

    /// Changes an award inside the caller's scope (and keeps it there).
    pub async fn update_award(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        new: &NewAward,
    ) -> Result<Award, StoreError> {
        let before = self.award(scope, id).await?;
        let new = new.normalised();
        self.check_award(scope, &new).await?;
        let mut tx = self.begin().await?;
        update_award_row(&mut tx, id, &new, now()).await?;
        let lead = new.organisation_ids.first().copied();
        tx.audit(actor, entry("award.update", "award", id, new.region_code.as_str(), lead).before(&before).after(&new))
            .await?;
        tx.commit().await?;
        self.award(&Scope::All, id).await
    }

    /// Retires an award (it leaves lists and counts; the record and its history stay).
    pub async fn retire_award(&self, actor: &Actor, scope: &Scope, id: i64) -> Result<Award, StoreError> {
        let before = self.award(scope, id).await?;
        if !scope::allows(self, scope, Some(&before.region_code), before.organisation_id).await? {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        tx.execute(retire_row("award", id, now())).await?;
        tx.audit(
            actor,
            entry("award.retire", "award", id, &before.region_code, before.organisation_id).before(&before),
        )
        .await?;
        tx.commit().await?;
        self.award(&Scope::All, id).await
    }

    /// Imports awards from a table, all or nothing, keyed by year and reference. Every row is
    /// checked first (lists, year, region and scope, organisations by USCC, the rules, keys
    /// repeated in the file or held by a record outside the scope); if any row is bad nothing
    /// is written. Otherwise new keys are inserted, changed rows updated (a retired award comes
    /// back) and identical rows left alone, in one transaction with an audit event per change.
    pub async fn import_awards(&self, actor: &Actor, scope: &Scope, table: &Table) -> Result<ImportReport, StoreError> {
        let (mut report, map) = match start_import("award", table, AWARD_COLUMNS) {
            Ok(started) => started,
            Err(report) => return Ok(report),
        };
        let ctx = self.import_context(scope, table, &map, &["lead_uscc", "partner_usccs"]).await?;
        let mut errors = Vec::new();
        let mut parsed: Vec<(&TableRow, NewAward)> = Vec::new();
        let mut seen = HashMap::new();
        for row in &table.rows {
            let before = errors.len();
            let mut c = Cells { map: &map, row, ctx: &ctx, errors: &mut errors };
            let year = c.year("year");
            let name = c.text("name");
            let category = c.code("category", AwardCategory::parse);
            let level = c.code("level", parse_level);
            let grade = c.code("grade", AwardGrade::parse);
            let project_title = c.text("project_title");
            let reference = c.text("reference");
            let region_code = c.region("region_code", true);
            let lead = c.opt_organisation("lead_uscc", true);
            let mut organisation_ids: Vec<i64> = lead.flatten().into_iter().collect();
            let mut partners_ok = true;
            for code in split_list(map.get(row, "partner_usccs")) {
                match c.organisation("partner_usccs", code, false) {
                    Some(id) if organisation_ids.contains(&id) => {
                        c.fail("partner_usccs", "activity.duplicate_organisation", vec![("value", code.to_owned())]);
                        partners_ok = false;
                    }
                    Some(id) => organisation_ids.push(id),
                    None => partners_ok = false,
                }
            }
            if let (Some(year), Some(reference)) = (year, &reference) {
                check_duplicate(&mut seen, format!("{year} {reference}"), &map, row, "reference", c.errors);
            }
            if let (Some(year), Some(name), Some(category), Some(level), Some(grade), Some(project_title)) =
                (year, name, category, level, grade, project_title)
            {
                if let (Some(reference), Some(region_code), Some(_), true) = (reference, region_code, lead, partners_ok)
                {
                    let new = NewAward {
                        name,
                        category,
                        level,
                        grade,
                        year,
                        project_title,
                        region_code,
                        reference,
                        organisation_ids,
                        person_names: c.opt_text("person_names"),
                    }
                    .normalised();
                    c.problems(new.problems());
                    if errors.len() == before {
                        parsed.push((row, new));
                    }
                }
            }
        }
        // Existing awards of the same references (any scope: a key held outside the scope is
        // refused rather than silently duplicated).
        let refs: Vec<String> = parsed.iter().map(|(_, n)| n.reference.clone()).collect();
        let mut found = self.having::<Award>("a.reference", refs).await?;
        self.attach_award_organisations(&mut found).await?;
        let existing: HashMap<String, Award> =
            found.into_iter().map(|a| (format!("{} {}", a.year, a.reference), a)).collect();
        for (row, new) in &parsed {
            if existing.get(&new.key()).is_some_and(|a| !ctx.allows(&a.region_code)) {
                errors.push(key_taken(&map, row, "reference"));
            }
        }
        if !errors.is_empty() {
            return Ok(rejected(report, errors));
        }
        let t = now();
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        for (_, new) in &parsed {
            let lead = new.organisation_ids.first().copied();
            match existing.get(&new.key()) {
                None => {
                    let id = insert_award(&mut tx, new, t).await?;
                    audit.push(entry("award.create", "award", id, new.region_code.as_str(), lead).after(new));
                    report.inserted += 1;
                }
                Some(a) if new.differs_from(a) => {
                    update_award_row(&mut tx, a.award_id, new, t).await?;
                    tx.execute(unretire_row("award", a.award_id)).await?;
                    audit.push(
                        entry("award.update", "award", a.award_id, new.region_code.as_str(), lead).before(a).after(new),
                    );
                    report.updated += 1;
                }
                Some(_) => report.unchanged += 1,
            }
        }
        tx.audit_batch(actor, audit).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Awards of a year inside the scope, not retired, counted by level and grade.
    pub async fn award_counts(
        &self,
        scope: &Scope,
        year: i32,
    ) -> Result<BTreeMap<(Level, AwardGrade), i64>, StoreError> {
        let mut q =
            query("select a.level, a.grade, count(*) as n from award a where a.year = $1 and a.retired_at is null")
                .bind(year);
        self.restrict::<Award>(&mut q, scope).await?;
        q.push_sql(" group by a.level, a.grade");
        let mut out = BTreeMap::new();
        for r in self.db().fetch_all(q).await? {
            let level = decode(parse_level(&r.get::<String>("level")?))?;
            let grade = decode(AwardGrade::parse(&r.get::<String>("grade")?))?;
            out.insert((level, grade), r.get::<i64>("n")?);
        }
        Ok(out)
    }
}

/// Writes awards back into the template's layout (an export re-imports unchanged).
pub fn award_rows(items: &[Award]) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = AWARD_COLUMNS.iter().map(|c| c.zh.to_owned()).collect();
    let rows = items
        .iter()
        .map(|a| {
            let mut orgs = a.organisations.iter().map(|o| o.uscc.clone());
            vec![
                a.year.to_string(),
                a.name.clone(),
                a.category.name_zh().to_owned(),
                a.level.name_zh().to_owned(),
                a.grade.name_zh().to_owned(),
                a.project_title.clone(),
                a.reference.clone(),
                a.region_code.clone(),
                orgs.next().unwrap_or_default(),
                orgs.collect::<Vec<_>>().join("；"),
                a.person_names.clone().unwrap_or_default(),
            ]
        })
        .collect();
    (headers, rows)
}

// =======================================================================================
// Technology contracts
// =======================================================================================

/// A registered technology contract (技术合同).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TechContract {
    pub tech_contract_id: i64,
    /// The registration number of the technology market.
    pub contract_no: String,
    pub kind: ContractKind,
    pub title: String,
    pub amount: Money,
    /// 技术性收入: the part of the amount that pays for technology.
    pub technical_income: Option<Money>,
    pub seller_organisation_id: Option<i64>,
    pub seller_uscc: Option<String>,
    pub seller_name: String,
    pub seller_region_code: String,
    pub buyer_organisation_id: Option<i64>,
    pub buyer_uscc: Option<String>,
    pub buyer_name: String,
    /// `None` when the buyer is outside the region tree.
    pub buyer_region_code: Option<String>,
    #[serde(with = "iso_date")]
    pub registered_on: Date,
    pub field: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

/// The fields of a contract a user sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewTechContract {
    pub contract_no: String,
    pub kind: ContractKind,
    pub title: String,
    pub amount: Money,
    pub technical_income: Option<Money>,
    pub seller_organisation_id: Option<i64>,
    pub seller_name: String,
    pub seller_region_code: RegionCode,
    pub buyer_organisation_id: Option<i64>,
    pub buyer_name: String,
    pub buyer_region_code: Option<RegionCode>,
    #[serde(with = "iso_date")]
    pub registered_on: Date,
    pub field: Option<String>,
}

impl NewTechContract {
    fn normalised(&self) -> NewTechContract {
        NewTechContract {
            contract_no: self.contract_no.trim().to_owned(),
            title: self.title.trim().to_owned(),
            seller_name: self.seller_name.trim().to_owned(),
            buyer_name: self.buyer_name.trim().to_owned(),
            field: opt_text(self.field.as_deref()),
            ..self.clone()
        }
    }

    /// Every rule the contract breaks, each with its field.
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        for (field, text) in [
            ("contract_no", &self.contract_no),
            ("title", &self.title),
            ("seller_name", &self.seller_name),
            ("buyer_name", &self.buyer_name),
        ] {
            if let Err(e) = check_required(text) {
                p.push((field, e));
            }
        }
        if let Err(e) = check_amount(self.amount) {
            p.push(("amount", e));
        }
        if let Some(income) = self.technical_income {
            if let Err(e) = check_technical_income(income, self.amount) {
                p.push(("technical_income", e));
            }
        }
        if let Err(e) = check_date(self.registered_on) {
            p.push(("registered_on", e));
        }
        p
    }

    fn differs_from(&self, c: &TechContract) -> bool {
        self.contract_no != c.contract_no
            || self.kind != c.kind
            || self.title != c.title
            || self.amount != c.amount
            || self.technical_income != c.technical_income
            || self.seller_organisation_id != c.seller_organisation_id
            || self.seller_name != c.seller_name
            || self.seller_region_code.as_str() != c.seller_region_code
            || self.buyer_organisation_id != c.buyer_organisation_id
            || self.buyer_name != c.buyer_name
            || self.buyer_region_code.as_ref().map(RegionCode::as_str) != c.buyer_region_code.as_deref()
            || self.registered_on != c.registered_on
            || self.field != c.field
            || c.retired_at.is_some()
    }
}

/// Filters of the contract list.
#[derive(Debug, Clone, Default)]
pub struct ContractFilter {
    /// Part of the number, title, seller or buyer.
    pub q: Option<String>,
    /// The seller's region and everything below it.
    pub region: Option<RegionCode>,
    /// Registered in this year (and between `from` and `to`, inclusive).
    pub year: Option<i32>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub kind: Option<ContractKind>,
    /// The seller or the buyer.
    pub organisation_id: Option<i64>,
    pub include_retired: bool,
    /// One of `registered_on`, `amount`, `contract_no`, `seller`; none: newest first.
    pub sort: Option<String>,
    pub descending: bool,
}

/// The columns of the contract import template and export, in order (amounts in yuan).
pub const CONTRACT_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("contract_no", "合同登记编号", "Contract No."),
    ColumnSpec::required("kind", "合同类别", "Kind"),
    ColumnSpec::required("title", "合同名称", "Title"),
    ColumnSpec::required("amount", "成交金额（元）", "Amount (yuan)"),
    ColumnSpec::optional("technical_income", "技术性收入（元）", "Technical income (yuan)"),
    ColumnSpec::optional("seller_uscc", "卖方统一社会信用代码", "Seller USCC"),
    ColumnSpec::required("seller_name", "卖方名称", "Seller"),
    ColumnSpec::required("seller_region_code", "卖方所在区划代码", "Seller region code"),
    ColumnSpec::optional("buyer_uscc", "买方统一社会信用代码", "Buyer USCC"),
    ColumnSpec::required("buyer_name", "买方名称", "Buyer"),
    ColumnSpec::optional("buyer_region_code", "买方所在区划代码", "Buyer region code"),
    ColumnSpec::required("registered_on", "登记日期", "Registered on"),
    ColumnSpec::optional("field", "技术领域", "Technical field"),
];

fn contract(r: &Row) -> Result<TechContract, StoreError> {
    Ok(TechContract {
        tech_contract_id: r.get("tech_contract_id")?,
        contract_no: r.get("contract_no")?,
        kind: decode(ContractKind::parse(&r.get::<String>("kind")?))?,
        title: r.get("title")?,
        amount: money(r, "amount_fen")?,
        technical_income: opt_money(r, "technical_income_fen")?,
        seller_organisation_id: r.get("seller_organisation_id")?,
        seller_uscc: r.get("seller_uscc")?,
        seller_name: r.get("seller_name")?,
        seller_region_code: r.get("seller_region_code")?,
        buyer_organisation_id: r.get("buyer_organisation_id")?,
        buyer_uscc: r.get("buyer_uscc")?,
        buyer_name: r.get("buyer_name")?,
        buyer_region_code: r.get("buyer_region_code")?,
        registered_on: r.get("registered_on")?,
        field: r.get("field")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        retired_at: r.get("retired_at")?,
    })
}

fn bind_contract(q: Query, new: &NewTechContract, t: OffsetDateTime) -> Query {
    q.bind(&new.contract_no)
        .bind(new.kind.as_str())
        .bind(&new.title)
        .bind(new.amount.fen())
        .bind(new.technical_income.map(Money::fen))
        .bind(new.seller_organisation_id)
        .bind(&new.seller_name)
        .bind(new.seller_region_code.as_str())
        .bind(new.buyer_organisation_id)
        .bind(&new.buyer_name)
        .bind(new.buyer_region_code.as_ref().map(RegionCode::as_str))
        .bind(new.registered_on)
        .bind(new.field.clone())
        .bind(t)
}

async fn insert_contract(tx: &mut Tx, new: &NewTechContract, t: OffsetDateTime) -> Result<i64, StoreError> {
    let q = query(
        "insert into tech_contract (contract_no, kind, title, amount_fen, technical_income_fen, \
         seller_organisation_id, seller_name, seller_region_code, buyer_organisation_id, buyer_name, \
         buyer_region_code, registered_on, field, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) returning tech_contract_id",
    );
    let row =
        tx.fetch_one(bind_contract(q, new, t)).await.map_err(|e| on_duplicate(e, "contract_no", &new.contract_no))?;
    row.get("tech_contract_id")
}

async fn update_contract_row(tx: &mut Tx, id: i64, new: &NewTechContract, t: OffsetDateTime) -> Result<(), StoreError> {
    let q = query(
        "update tech_contract set contract_no = $1, kind = $2, title = $3, amount_fen = $4, technical_income_fen = $5, \
         seller_organisation_id = $6, seller_name = $7, seller_region_code = $8, buyer_organisation_id = $9, \
         buyer_name = $10, buyer_region_code = $11, registered_on = $12, field = $13, updated_at = $14 \
         where tech_contract_id = $15",
    );
    tx.execute(bind_contract(q, new, t).bind(id))
        .await
        .map_err(|e| on_duplicate(e, "contract_no", &new.contract_no))?;
    Ok(())
}

impl Listed for TechContract {
    type Filter = ContractFilter;
    const FROM: &'static str =
        "tech_contract c left join organisation so on so.organisation_id = c.seller_organisation_id \
         left join organisation bo on bo.organisation_id = c.buyer_organisation_id";
    const SELECT: &'static str = "c.tech_contract_id, c.contract_no, c.kind, c.title, c.amount_fen, \
         c.technical_income_fen, c.seller_organisation_id, so.uscc as seller_uscc, c.seller_name, c.seller_region_code, \
         c.buyer_organisation_id, bo.uscc as buyer_uscc, c.buyer_name, c.buyer_region_code, c.registered_on, c.field, \
         c.created_at, c.updated_at, c.retired_at";
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("registered_on", "c.registered_on, c.tech_contract_id"),
        ("amount", "c.amount_fen, c.tech_contract_id"),
        ("contract_no", "c.contract_no"),
        ("seller", "c.seller_name, c.tech_contract_id"),
    ];
    const DEFAULT_ORDER: &'static str = "c.registered_on desc, c.tech_contract_id desc";
    const SCOPE: (&'static str, &'static str) = ("c.seller_region_code", "c.seller_organisation_id");
    const RETIRED: &'static str = "c.retired_at";
    const TEXT: &'static [&'static str] = &["c.contract_no", "c.title", "c.seller_name", "c.buyer_name"];
    const REGION: &'static [&'static str] = &["c.seller_region_code"];

    fn decode(r: &Row) -> Result<Self, StoreError> {
        contract(r)
    }

    fn common(f: &ContractFilter) -> (Option<&str>, Option<&RegionCode>, bool, Option<&str>, bool) {
        (f.q.as_deref(), f.region.as_ref(), f.include_retired, f.sort.as_deref(), f.descending)
    }

    fn narrow(q: &mut Query, f: &ContractFilter) {
        push_span(q, "c.registered_on", f.year, f.from, f.to);
        push_eq(q, "c.kind", f.kind.map(ContractKind::as_str));
        if let Some(id) = f.organisation_id {
            let a = q.bind_list([id]);
            let b = q.bind_list([id]);
            q.push_sql(&format!(" and (c.seller_organisation_id = {a} or c.buyer_organisation_id = {b})"));
        }
    }
}

impl Store {
    /// A page of contracts inside the scope (by the seller's region).
    pub async fn list_contracts_page(
        &self,
        scope: &Scope,
        f: &ContractFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<TechContract>, StoreError> {
        self.list_page(scope, f, page, per_page).await
    }

    /// Every contract matching the filter (for exports), in the filter's order.
    pub async fn list_contracts_filtered(
        &self,
        scope: &Scope,
        f: &ContractFilter,
    ) -> Result<Vec<TechContract>, StoreError> {
        self.list_filtered(scope, f).await
    }

    /// One contract, if it is inside the scope (`NotFound` otherwise).
    pub async fn contract(&self, scope: &Scope, id: i64) -> Result<TechContract, StoreError> {
        self.one(scope, "c.tech_contract_id", id).await
    }

    /// The seller's region (known, in scope) and organisation (in scope); the buyer's region
    /// and organisation, if given, need only exist.
    async fn check_contract(&self, scope: &Scope, new: &NewTechContract) -> Result<(), StoreError> {
        first_problem(new.problems())?;
        self.check_region(scope, &new.seller_region_code, "seller_region_code", true).await?;
        if let Some(b) = &new.buyer_region_code {
            self.check_region(scope, b, "buyer_region_code", false).await?;
        }
        if let Some(id) = new.seller_organisation_id {
            self.check_organisation(scope, id, "seller_organisation_id", true).await?;
        }
        if let Some(id) = new.buyer_organisation_id {
            self.check_organisation(scope, id, "buyer_organisation_id", false).await?;
        }
        Ok(())
    }

    /// Registers a contract sold from a region inside the caller's scope. Fails like
    /// [`Store::create_award`]; `Duplicate` for a known contract number.
    pub async fn create_contract(
        &self,
        actor: &Actor,
        scope: &Scope,
        new: &NewTechContract,
    ) -> Result<TechContract, StoreError> {
        let new = new.normalised();
        self.check_contract(scope, &new).await?;
        let mut tx = self.begin().await?;
        let id = insert_contract(&mut tx, &new, now()).await?;
        let e = entry(
            "tech_contract.create",
            "tech_contract",
            id,
            new.seller_region_code.as_str(),
            new.seller_organisation_id,
        );
        tx.audit(actor, e.after(&new)).await?;
        tx.commit().await?;
        self.contract(&Scope::All, id).await
    }

    /// Changes a contract inside the caller's scope.
    pub async fn update_contract(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        new: &NewTechContract,
    ) -> Result<TechContract, StoreError> {
        let before = self.contract(scope, id).await?;
        let new = new.normalised();
        self.check_contract(scope, &new).await?;
        let mut tx = self.begin().await?;
        update_contract_row(&mut tx, id, &new, now()).await?;
        let e = entry(
            "tech_contract.update",
            "tech_contract",
            id,
            new.seller_region_code.as_str(),
            new.seller_organisation_id,
        );
        tx.audit(actor, e.before(&before).after(&new)).await?;
        tx.commit().await?;
        self.contract(&Scope::All, id).await
    }

    /// Retires a contract (it leaves lists and the turnover; the record and its history stay).
    pub async fn retire_contract(&self, actor: &Actor, scope: &Scope, id: i64) -> Result<TechContract, StoreError> {
        let before = self.contract(scope, id).await?;
        if !scope::allows(self, scope, Some(&before.seller_region_code), before.seller_organisation_id).await? {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        tx.execute(retire_row("tech_contract", id, now())).await?;
        let e = entry(
            "tech_contract.retire",
            "tech_contract",
            id,
            &before.seller_region_code,
            before.seller_organisation_id,
        );
        tx.audit(actor, e.before(&before)).await?;
        tx.commit().await?;
        self.contract(&Scope::All, id).await
    }

    /// Imports contracts, all or nothing, keyed by contract number (see
    /// [`Store::import_awards`] for the checks and the writing).
    pub async fn import_contracts(
        &self,
        actor: &Actor,
        scope: &Scope,
        table: &Table,
    ) -> Result<ImportReport, StoreError> {
        let (mut report, map) = match start_import("contract", table, CONTRACT_COLUMNS) {
            Ok(started) => started,
            Err(report) => return Ok(report),
        };
        let ctx = self.import_context(scope, table, &map, &["seller_uscc", "buyer_uscc"]).await?;
        let mut errors = Vec::new();
        let mut parsed: Vec<(&TableRow, NewTechContract)> = Vec::new();
        let mut seen = HashMap::new();
        for row in &table.rows {
            let before = errors.len();
            let mut c = Cells { map: &map, row, ctx: &ctx, errors: &mut errors };
            let contract_no = c.text("contract_no");
            let kind = c.code("kind", ContractKind::parse);
            let title = c.text("title");
            let amount = c.money("amount");
            let technical_income = c.opt_money("technical_income");
            let seller = c.opt_organisation("seller_uscc", true);
            let seller_name = c.text("seller_name");
            let seller_region = c.region("seller_region_code", true);
            let buyer = c.opt_organisation("buyer_uscc", false);
            let buyer_name = c.text("buyer_name");
            let buyer_region = c.opt_region("buyer_region_code");
            let registered_on = c.date("registered_on");
            if let Some(no) = &contract_no {
                check_duplicate(&mut seen, no.clone(), &map, row, "contract_no", c.errors);
            }
            if let (Some(contract_no), Some(kind), Some(title), Some(amount), Some(technical_income), Some(seller)) =
                (contract_no, kind, title, amount, technical_income, seller)
            {
                if let (Some(seller_name), Some(seller_region_code), Some(buyer), Some(buyer_name)) =
                    (seller_name, seller_region, buyer, buyer_name)
                {
                    if let (Some(buyer_region_code), Some(registered_on)) = (buyer_region, registered_on) {
                        let new = NewTechContract {
                            contract_no,
                            kind,
                            title,
                            amount,
                            technical_income,
                            seller_organisation_id: seller,
                            seller_name,
                            seller_region_code,
                            buyer_organisation_id: buyer,
                            buyer_name,
                            buyer_region_code,
                            registered_on,
                            field: c.opt_text("field"),
                        }
                        .normalised();
                        c.problems(new.problems());
                        if errors.len() == before {
                            parsed.push((row, new));
                        }
                    }
                }
            }
        }
        let numbers: Vec<String> = parsed.iter().map(|(_, n)| n.contract_no.clone()).collect();
        let existing: HashMap<String, TechContract> = self
            .having::<TechContract>("c.contract_no", numbers)
            .await?
            .into_iter()
            .map(|c| (c.contract_no.clone(), c))
            .collect();
        for (row, new) in &parsed {
            if existing.get(&new.contract_no).is_some_and(|c| !ctx.allows(&c.seller_region_code)) {
                errors.push(key_taken(&map, row, "contract_no"));
            }
        }
        if !errors.is_empty() {
            return Ok(rejected(report, errors));
        }
        let t = now();
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        for (_, new) in &parsed {
            let (region, seller) = (new.seller_region_code.as_str(), new.seller_organisation_id);
            match existing.get(&new.contract_no) {
                None => {
                    let id = insert_contract(&mut tx, new, t).await?;
                    audit.push(entry("tech_contract.create", "tech_contract", id, region, seller).after(new));
                    report.inserted += 1;
                }
                Some(c) if new.differs_from(c) => {
                    let id = c.tech_contract_id;
                    update_contract_row(&mut tx, id, new, t).await?;
                    tx.execute(unretire_row("tech_contract", id)).await?;
                    audit.push(entry("tech_contract.update", "tech_contract", id, region, seller).before(c).after(new));
                    report.updated += 1;
                }
                Some(_) => report.unchanged += 1,
            }
        }
        tx.audit_batch(actor, audit).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// 技术合同成交额: the amounts of the contracts registered in a year inside the scope, not
    /// retired, summed exactly by the seller's region.
    pub async fn contract_turnover(&self, scope: &Scope, year: i32) -> Result<BTreeMap<String, Money>, StoreError> {
        let mut q = query(
            "select c.seller_region_code as region_code, cast(sum(c.amount_fen) as bigint) as fen \
             from tech_contract c where c.retired_at is null",
        );
        push_span(&mut q, "c.registered_on", Some(year), None, None);
        self.restrict::<TechContract>(&mut q, scope).await?;
        q.push_sql(" group by c.seller_region_code");
        let mut out = BTreeMap::new();
        for r in self.db().fetch_all(q).await? {
            out.insert(r.get::<String>("region_code")?, money(&r, "fen")?);
        }
        Ok(out)
    }
}

/// Writes contracts back into the template's layout (an export re-imports unchanged).
pub fn contract_rows(items: &[TechContract]) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = CONTRACT_COLUMNS.iter().map(|c| c.zh.to_owned()).collect();
    let rows = items
        .iter()
        .map(|c| {
            vec![
                c.contract_no.clone(),
                c.kind.name_zh().to_owned(),
                c.title.clone(),
                c.amount.to_string(),
                yuan_cell(c.technical_income),
                c.seller_uscc.clone().unwrap_or_default(),
                c.seller_name.clone(),
                c.seller_region_code.clone(),
                c.buyer_uscc.clone().unwrap_or_default(),
                c.buyer_name.clone(),
                c.buyer_region_code.clone().unwrap_or_default(),
                c.registered_on.to_string(),
                c.field.clone().unwrap_or_default(),
            ]
        })
        .collect();
    (headers, rows)
}

// =======================================================================================
// Loans
// =======================================================================================

/// A tech-finance loan (科技金融贷款) to a registered organisation.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Loan {
    pub loan_id: i64,
    /// The bank's loan contract number.
    pub contract_no: String,
    pub scheme: LoanScheme,
    pub bank: String,
    pub borrower_organisation_id: i64,
    pub borrower_uscc: String,
    pub borrower_name: String,
    /// The borrower's region (the loan's scope).
    pub region_code: String,
    pub amount: Money,
    #[serde(with = "iso_date")]
    pub start_on: Date,
    #[serde(with = "iso_date")]
    pub due_on: Date,
    pub status: LoanStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

/// The fields of a loan a user sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewLoan {
    pub contract_no: String,
    pub scheme: LoanScheme,
    pub bank: String,
    pub borrower_organisation_id: i64,
    pub amount: Money,
    #[serde(with = "iso_date")]
    pub start_on: Date,
    #[serde(with = "iso_date")]
    pub due_on: Date,
    pub status: LoanStatus,
}

impl NewLoan {
    fn normalised(&self) -> NewLoan {
        NewLoan { contract_no: self.contract_no.trim().to_owned(), bank: self.bank.trim().to_owned(), ..self.clone() }
    }

    /// Every rule the loan breaks, each with its field.
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        for (field, text) in [("contract_no", &self.contract_no), ("bank", &self.bank)] {
            if let Err(e) = check_required(text) {
                p.push((field, e));
            }
        }
        if let Err(e) = check_amount(self.amount) {
            p.push(("amount", e));
        }
        let start = check_date(self.start_on).map_err(|e| p.push(("start_on", e))).is_ok();
        let due = check_date(self.due_on).map_err(|e| p.push(("due_on", e))).is_ok();
        if start && due {
            if let Err(e) = check_term(self.start_on, self.due_on) {
                p.push(("due_on", e));
            }
        }
        p
    }

    fn differs_from(&self, l: &Loan) -> bool {
        self.contract_no != l.contract_no
            || self.scheme != l.scheme
            || self.bank != l.bank
            || self.borrower_organisation_id != l.borrower_organisation_id
            || self.amount != l.amount
            || self.start_on != l.start_on
            || self.due_on != l.due_on
            || self.status != l.status
            || l.retired_at.is_some()
    }
}

/// Something that happened to a loan.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LoanEvent {
    pub loan_event_id: i64,
    pub loan_id: i64,
    pub kind: LoanEventKind,
    #[serde(with = "iso_date")]
    pub occurred_on: Date,
    pub amount: Money,
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The fields of a loan event a user sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewLoanEvent {
    pub kind: LoanEventKind,
    #[serde(with = "iso_date")]
    pub occurred_on: Date,
    pub amount: Money,
    pub note: Option<String>,
}

/// Filters of the loan list.
#[derive(Debug, Clone, Default)]
pub struct LoanFilter {
    /// Part of the contract number, bank, or the borrower's name or code.
    pub q: Option<String>,
    /// The borrower's region (or park) and everything below it.
    pub region: Option<RegionCode>,
    /// Started in this year (and between `from` and `to`, inclusive).
    pub year: Option<i32>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub scheme: Option<LoanScheme>,
    pub status: Option<LoanStatus>,
    pub organisation_id: Option<i64>,
    pub include_retired: bool,
    /// One of `start_on`, `due_on`, `amount`, `contract_no`; none: newest first.
    pub sort: Option<String>,
    pub descending: bool,
}

/// The columns of the loan import template and export, in order (amounts in yuan).
pub const LOAN_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("contract_no", "贷款合同编号", "Loan contract No."),
    ColumnSpec::required("scheme", "贷款类型", "Scheme"),
    ColumnSpec::required("bank", "贷款银行", "Bank"),
    ColumnSpec::required("borrower_uscc", "借款单位统一社会信用代码", "Borrower USCC"),
    ColumnSpec::required("amount", "贷款金额（元）", "Amount (yuan)"),
    ColumnSpec::required("start_on", "放款日期", "Start date"),
    ColumnSpec::required("due_on", "到期日期", "Due date"),
    ColumnSpec::optional("status", "贷款状态", "Status"),
];

const LOAN_FROM: &str = "loan l join organisation o on o.organisation_id = l.borrower_organisation_id";

fn loan(r: &Row) -> Result<Loan, StoreError> {
    Ok(Loan {
        loan_id: r.get("loan_id")?,
        contract_no: r.get("contract_no")?,
        scheme: decode(LoanScheme::parse(&r.get::<String>("scheme")?))?,
        bank: r.get("bank")?,
        borrower_organisation_id: r.get("borrower_organisation_id")?,
        borrower_uscc: r.get("borrower_uscc")?,
        borrower_name: r.get("borrower_name")?,
        region_code: r.get("region_code")?,
        amount: money(r, "amount_fen")?,
        start_on: r.get("start_on")?,
        due_on: r.get("due_on")?,
        status: decode(LoanStatus::parse(&r.get::<String>("status")?))?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        retired_at: r.get("retired_at")?,
    })
}

fn loan_event(r: &Row) -> Result<LoanEvent, StoreError> {
    Ok(LoanEvent {
        loan_event_id: r.get("loan_event_id")?,
        loan_id: r.get("loan_id")?,
        kind: decode(LoanEventKind::parse(&r.get::<String>("kind")?))?,
        occurred_on: r.get("occurred_on")?,
        amount: money(r, "amount_fen")?,
        note: r.get("note")?,
        created_at: r.get("created_at")?,
    })
}

fn bind_loan(q: Query, new: &NewLoan, t: OffsetDateTime) -> Query {
    q.bind(&new.contract_no)
        .bind(new.scheme.as_str())
        .bind(&new.bank)
        .bind(new.borrower_organisation_id)
        .bind(new.amount.fen())
        .bind(new.start_on)
        .bind(new.due_on)
        .bind(new.status.as_str())
        .bind(t)
}

async fn insert_loan(tx: &mut Tx, new: &NewLoan, t: OffsetDateTime) -> Result<i64, StoreError> {
    let q = query(
        "insert into loan (contract_no, scheme, bank, borrower_organisation_id, amount_fen, start_on, due_on, status, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning loan_id",
    );
    let row = tx.fetch_one(bind_loan(q, new, t)).await.map_err(|e| on_duplicate(e, "contract_no", &new.contract_no))?;
    row.get("loan_id")
}

async fn update_loan_row(tx: &mut Tx, id: i64, new: &NewLoan, t: OffsetDateTime) -> Result<(), StoreError> {
    let q = query(
        "update loan set contract_no = $1, scheme = $2, bank = $3, borrower_organisation_id = $4, amount_fen = $5, \
         start_on = $6, due_on = $7, status = $8, updated_at = $9 where loan_id = $10",
    );
    tx.execute(bind_loan(q, new, t).bind(id)).await.map_err(|e| on_duplicate(e, "contract_no", &new.contract_no))?;
    Ok(())
}

impl Listed for Loan {
    type Filter = LoanFilter;
    const FROM: &'static str = LOAN_FROM;
    const SELECT: &'static str = "l.loan_id, l.contract_no, l.scheme, l.bank, l.borrower_organisation_id, \
         o.uscc as borrower_uscc, o.name as borrower_name, o.region_code, l.amount_fen, l.start_on, l.due_on, l.status, \
         l.created_at, l.updated_at, l.retired_at";
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("start_on", "l.start_on, l.loan_id"),
        ("due_on", "l.due_on, l.loan_id"),
        ("amount", "l.amount_fen, l.loan_id"),
        ("contract_no", "l.contract_no"),
    ];
    const DEFAULT_ORDER: &'static str = "l.start_on desc, l.loan_id desc";
    const SCOPE: (&'static str, &'static str) = ("o.region_code", "l.borrower_organisation_id");
    const RETIRED: &'static str = "l.retired_at";
    const TEXT: &'static [&'static str] = &["l.contract_no", "l.bank", "o.name", "o.uscc"];
    const REGION: &'static [&'static str] = &["o.region_code", "o.park_code"];

    fn decode(r: &Row) -> Result<Self, StoreError> {
        loan(r)
    }

    fn common(f: &LoanFilter) -> (Option<&str>, Option<&RegionCode>, bool, Option<&str>, bool) {
        (f.q.as_deref(), f.region.as_ref(), f.include_retired, f.sort.as_deref(), f.descending)
    }

    fn narrow(q: &mut Query, f: &LoanFilter) {
        push_span(q, "l.start_on", f.year, f.from, f.to);
        push_eq(q, "l.scheme", f.scheme.map(LoanScheme::as_str));
        push_eq(q, "l.status", f.status.map(LoanStatus::as_str));
        if let Some(id) = f.organisation_id {
            let m = q.bind_list([id]);
            q.push_sql(&format!(" and l.borrower_organisation_id = {m}"));
        }
    }
}

impl Store {
    /// A page of loans inside the scope (by the borrower's region).
    pub async fn list_loans_page(
        &self,
        scope: &Scope,
        f: &LoanFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<Loan>, StoreError> {
        self.list_page(scope, f, page, per_page).await
    }

    /// Every loan matching the filter (for exports), in the filter's order.
    pub async fn list_loans_filtered(&self, scope: &Scope, f: &LoanFilter) -> Result<Vec<Loan>, StoreError> {
        self.list_filtered(scope, f).await
    }

    /// One loan, if it is inside the scope (`NotFound` otherwise).
    pub async fn loan(&self, scope: &Scope, id: i64) -> Result<Loan, StoreError> {
        self.one(scope, "l.loan_id", id).await
    }

    /// The events of a loan inside the scope, oldest first.
    pub async fn loan_events(&self, scope: &Scope, loan_id: i64) -> Result<Vec<LoanEvent>, StoreError> {
        self.loan(scope, loan_id).await?;
        let q = query(
            "select loan_event_id, loan_id, kind, occurred_on, amount_fen, note, created_at from loan_event \
             where loan_id = $1 order by occurred_on, loan_event_id",
        )
        .bind(loan_id);
        self.db().fetch_all(q).await?.iter().map(loan_event).collect()
    }

    /// The borrower must be a registered organisation inside the caller's scope (one outside it
    /// reads like an unknown one); returns its region.
    async fn check_loan(&self, scope: &Scope, new: &NewLoan) -> Result<String, StoreError> {
        first_problem(new.problems())?;
        let o = self.check_organisation(scope, new.borrower_organisation_id, "borrower_organisation_id", true).await?;
        if !scope::allows(self, scope, Some(&o.region_code), Some(o.organisation_id)).await? {
            return Err(StoreError::Forbidden);
        }
        Ok(o.region_code)
    }

    /// Records a loan to an organisation inside the caller's scope. Fails like
    /// [`Store::create_award`]; `Duplicate` for a known contract number.
    pub async fn create_loan(&self, actor: &Actor, scope: &Scope, new: &NewLoan) -> Result<Loan, StoreError> {
        let new = new.normalised();
        let region = self.check_loan(scope, &new).await?;
        let mut tx = self.begin().await?;
        let id = insert_loan(&mut tx, &new, now()).await?;
        tx.audit(actor, entry("loan.create", "loan", id, &region, Some(new.borrower_organisation_id)).after(&new))
            .await?;
        tx.commit().await?;
        self.loan(&Scope::All, id).await
    }

    /// Changes a loan inside the caller's scope.
    pub async fn update_loan(&self, actor: &Actor, scope: &Scope, id: i64, new: &NewLoan) -> Result<Loan, StoreError> {
        let before = self.loan(scope, id).await?;
        let new = new.normalised();
        let region = self.check_loan(scope, &new).await?;
        let mut tx = self.begin().await?;
        update_loan_row(&mut tx, id, &new, now()).await?;
        let e = entry("loan.update", "loan", id, &region, Some(new.borrower_organisation_id));
        tx.audit(actor, e.before(&before).after(&new)).await?;
        tx.commit().await?;
        self.loan(&Scope::All, id).await
    }

    /// Retires a loan (it leaves lists and totals; the record, its events and history stay).
    pub async fn retire_loan(&self, actor: &Actor, scope: &Scope, id: i64) -> Result<Loan, StoreError> {
        let before = self.loan(scope, id).await?;
        if !scope::allows(self, scope, Some(&before.region_code), Some(before.borrower_organisation_id)).await? {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        tx.execute(retire_row("loan", id, now())).await?;
        let e = entry("loan.retire", "loan", id, &before.region_code, Some(before.borrower_organisation_id));
        tx.audit(actor, e.before(&before)).await?;
        tx.commit().await?;
        self.loan(&Scope::All, id).await
    }

    /// Records a default, a compensation or a repayment on a loan inside the caller's scope and
    /// moves its status (see [`loan_status_after`]). Fails with `Invalid` naming the field: an
    /// amount not above zero, a date before the loan started, an event the status does not
    /// allow. Returns the loan as it now stands and the event.
    pub async fn add_loan_event(
        &self,
        actor: &Actor,
        scope: &Scope,
        loan_id: i64,
        new: &NewLoanEvent,
    ) -> Result<(Loan, LoanEvent), StoreError> {
        let before = self.loan(scope, loan_id).await?;
        if !scope::allows(self, scope, Some(&before.region_code), Some(before.borrower_organisation_id)).await? {
            return Err(StoreError::Forbidden);
        }
        let new = NewLoanEvent { note: opt_text(new.note.as_deref()), ..new.clone() };
        let mut problems = Vec::new();
        if let Err(e) = check_amount(new.amount) {
            problems.push(("amount", e));
        }
        if let Err(e) = check_date(new.occurred_on).and_then(|d| check_loan_event_date(before.start_on, d)) {
            problems.push(("occurred_on", e));
        }
        first_problem(problems)?;
        let mut tx = self.begin().await?;
        let repaid_before = tx
            .fetch_one(
                query(
                    "select cast(coalesce(sum(amount_fen), 0) as bigint) as fen from loan_event \
                     where loan_id = $1 and kind = $2",
                )
                .bind(loan_id)
                .bind(LoanEventKind::Repayment.as_str()),
            )
            .await?;
        let mut repaid = money(&repaid_before, "fen")?;
        if new.kind == LoanEventKind::Repayment {
            repaid = repaid.checked_add(new.amount).unwrap_or(Money::MAX);
        }
        let status = loan_status_after(before.status, new.kind, repaid, before.amount)
            .map_err(|e| StoreError::invalid(e.code(), e.args(), Some("kind")))?;
        let t = now();
        let row = tx
            .fetch_one(
                query(
                    "insert into loan_event (loan_id, kind, occurred_on, amount_fen, note, created_at) \
                     values ($1, $2, $3, $4, $5, $6) returning loan_event_id",
                )
                .bind(loan_id)
                .bind(new.kind.as_str())
                .bind(new.occurred_on)
                .bind(new.amount.fen())
                .bind(new.note.clone())
                .bind(t),
            )
            .await?;
        let event_id: i64 = row.get("loan_event_id")?;
        tx.execute(
            query("update loan set status = $1, updated_at = $2 where loan_id = $3")
                .bind(status.as_str())
                .bind(t)
                .bind(loan_id),
        )
        .await?;
        let e = entry("loan.event", "loan", loan_id, &before.region_code, Some(before.borrower_organisation_id));
        let after = serde_json::json!({ "event": &new, "loan_event_id": event_id, "status": status });
        tx.audit(actor, e.before(&before).after(&after)).await?;
        tx.commit().await?;
        let loan = self.loan(&Scope::All, loan_id).await?;
        let event = self
            .loan_events(&Scope::All, loan_id)
            .await?
            .into_iter()
            .find(|e| e.loan_event_id == event_id)
            .ok_or(StoreError::NotFound)?;
        Ok((loan, event))
    }

    /// Imports loans, all or nothing, keyed by contract number (see [`Store::import_awards`]).
    /// The borrower is named by USCC and must be inside the caller's scope; the status column
    /// may be left empty for an active loan.
    pub async fn import_loans(&self, actor: &Actor, scope: &Scope, table: &Table) -> Result<ImportReport, StoreError> {
        let (mut report, map) = match start_import("loan", table, LOAN_COLUMNS) {
            Ok(started) => started,
            Err(report) => return Ok(report),
        };
        let ctx = self.import_context(scope, table, &map, &["borrower_uscc"]).await?;
        let mut errors = Vec::new();
        let mut parsed: Vec<(&TableRow, NewLoan)> = Vec::new();
        let mut seen = HashMap::new();
        for row in &table.rows {
            let before = errors.len();
            let mut c = Cells { map: &map, row, ctx: &ctx, errors: &mut errors };
            let contract_no = c.text("contract_no");
            let scheme = c.code("scheme", LoanScheme::parse);
            let bank = c.text("bank");
            let borrower = c.required_organisation("borrower_uscc");
            let amount = c.money("amount");
            let start_on = c.date("start_on");
            let due_on = c.date("due_on");
            let status = match map.get(row, "status") {
                "" => Some(LoanStatus::Active),
                v => c.activity("status", LoanStatus::parse(v)),
            };
            if let Some(no) = &contract_no {
                check_duplicate(&mut seen, no.clone(), &map, row, "contract_no", c.errors);
            }
            if let (Some(contract_no), Some(scheme), Some(bank), Some(borrower), Some(amount)) =
                (contract_no, scheme, bank, borrower, amount)
            {
                if let (Some(start_on), Some(due_on), Some(status)) = (start_on, due_on, status) {
                    let new = NewLoan {
                        contract_no,
                        scheme,
                        bank,
                        borrower_organisation_id: borrower,
                        amount,
                        start_on,
                        due_on,
                        status,
                    }
                    .normalised();
                    c.problems(new.problems());
                    if errors.len() == before {
                        parsed.push((row, new));
                    }
                }
            }
        }
        let numbers: Vec<String> = parsed.iter().map(|(_, n)| n.contract_no.clone()).collect();
        let existing: HashMap<String, Loan> = self
            .having::<Loan>("l.contract_no", numbers)
            .await?
            .into_iter()
            .map(|l| (l.contract_no.clone(), l))
            .collect();
        for (row, new) in &parsed {
            if existing.get(&new.contract_no).is_some_and(|l| !ctx.allows(&l.region_code)) {
                errors.push(key_taken(&map, row, "contract_no"));
            }
        }
        if !errors.is_empty() {
            return Ok(rejected(report, errors));
        }
        let region_of: HashMap<i64, String> =
            ctx.organisations.values().map(|o| (o.organisation_id, o.region_code.clone())).collect();
        let t = now();
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        for (_, new) in &parsed {
            let borrower = Some(new.borrower_organisation_id);
            let region = region_of.get(&new.borrower_organisation_id).cloned().unwrap_or_default();
            match existing.get(&new.contract_no) {
                None => {
                    let id = insert_loan(&mut tx, new, t).await?;
                    audit.push(entry("loan.create", "loan", id, &region, borrower).after(new));
                    report.inserted += 1;
                }
                Some(l) if new.differs_from(l) => {
                    update_loan_row(&mut tx, l.loan_id, new, t).await?;
                    tx.execute(unretire_row("loan", l.loan_id)).await?;
                    audit.push(entry("loan.update", "loan", l.loan_id, &region, borrower).before(l).after(new));
                    report.updated += 1;
                }
                Some(_) => report.unchanged += 1,
            }
        }
        tx.audit_batch(actor, audit).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The amounts of the loans started in a year inside the scope, not retired, summed
    /// exactly by scheme.
    pub async fn loan_totals(&self, scope: &Scope, year: i32) -> Result<BTreeMap<LoanScheme, Money>, StoreError> {
        let mut q = query(format!(
            "select l.scheme, cast(sum(l.amount_fen) as bigint) as fen from {LOAN_FROM} where l.retired_at is null"
        ));
        push_span(&mut q, "l.start_on", Some(year), None, None);
        self.restrict::<Loan>(&mut q, scope).await?;
        q.push_sql(" group by l.scheme");
        let mut out = BTreeMap::new();
        for r in self.db().fetch_all(q).await? {
            out.insert(decode(LoanScheme::parse(&r.get::<String>("scheme")?))?, money(&r, "fen")?);
        }
        Ok(out)
    }
}

/// Writes loans back into the template's layout (an export re-imports unchanged).
pub fn loan_rows(items: &[Loan]) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = LOAN_COLUMNS.iter().map(|c| c.zh.to_owned()).collect();
    let rows = items
        .iter()
        .map(|l| {
            vec![
                l.contract_no.clone(),
                l.scheme.name_zh().to_owned(),
                l.bank.clone(),
                l.borrower_uscc.clone(),
                l.amount.to_string(),
                l.start_on.to_string(),
                l.due_on.to_string(),
                l.status.name_zh().to_owned(),
            ]
        })
        .collect();
    (headers, rows)
}

// =======================================================================================
// S&T events
// =======================================================================================

/// A popularisation or other S&T event (科普与活动) held in a region.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StEvent {
    pub st_event_id: i64,
    pub kind: EventKind,
    pub title: String,
    /// The first day.
    #[serde(with = "iso_date")]
    pub held_on: Date,
    /// The last day, for events of several days.
    #[serde(with = "iso_date::option")]
    pub ends_on: Option<Date>,
    pub organiser: String,
    pub organiser_organisation_id: Option<i64>,
    pub organiser_uscc: Option<String>,
    pub region_code: String,
    pub participants: i64,
    pub outcome: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

/// The fields of an event a user sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewStEvent {
    pub kind: EventKind,
    pub title: String,
    #[serde(with = "iso_date")]
    pub held_on: Date,
    #[serde(with = "iso_date::option")]
    pub ends_on: Option<Date>,
    pub organiser: String,
    pub organiser_organisation_id: Option<i64>,
    pub region_code: RegionCode,
    pub participants: i64,
    pub outcome: Option<String>,
}

impl NewStEvent {
    fn normalised(&self) -> NewStEvent {
        NewStEvent {
            title: self.title.trim().to_owned(),
            organiser: self.organiser.trim().to_owned(),
            outcome: opt_text(self.outcome.as_deref()),
            ..self.clone()
        }
    }

    fn key(&self) -> String {
        format!("{} {} {}", self.region_code, self.held_on, self.title)
    }

    /// Every rule the event breaks, each with its field.
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        for (field, text) in [("title", &self.title), ("organiser", &self.organiser)] {
            if let Err(e) = check_required(text) {
                p.push((field, e));
            }
        }
        let start = check_date(self.held_on).map_err(|e| p.push(("held_on", e))).is_ok();
        if let Some(end) = self.ends_on {
            if check_date(end).map_err(|e| p.push(("ends_on", e))).is_ok() && start {
                if let Err(e) = check_event_span(self.held_on, Some(end)) {
                    p.push(("ends_on", e));
                }
            }
        }
        if let Err(e) = check_participants(self.participants) {
            p.push(("participants", e));
        }
        p
    }

    fn differs_from(&self, e: &StEvent) -> bool {
        self.kind != e.kind
            || self.title != e.title
            || self.held_on != e.held_on
            || self.ends_on != e.ends_on
            || self.organiser != e.organiser
            || self.organiser_organisation_id != e.organiser_organisation_id
            || self.region_code.as_str() != e.region_code
            || self.participants != e.participants
            || self.outcome != e.outcome
            || e.retired_at.is_some()
    }
}

/// Filters of the event list.
#[derive(Debug, Clone, Default)]
pub struct StEventFilter {
    /// Part of the title, organiser or outcome.
    pub q: Option<String>,
    pub region: Option<RegionCode>,
    /// Starting in this year (and between `from` and `to`, inclusive).
    pub year: Option<i32>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub kind: Option<EventKind>,
    pub organisation_id: Option<i64>,
    pub include_retired: bool,
    /// One of `held_on`, `participants`, `title`; none: newest first.
    pub sort: Option<String>,
    pub descending: bool,
}

/// The columns of the event import template and export, in order.
pub const EVENT_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("kind", "活动类型", "Kind"),
    ColumnSpec::required("title", "活动名称", "Title"),
    ColumnSpec::required("held_on", "开始日期", "First day"),
    ColumnSpec::optional("ends_on", "结束日期", "Last day"),
    ColumnSpec::required("organiser", "主办单位", "Organiser"),
    ColumnSpec::optional("organiser_uscc", "主办单位统一社会信用代码", "Organiser USCC"),
    ColumnSpec::required("region_code", "举办地区划代码", "Region code"),
    ColumnSpec::optional("participants", "参与人数", "Participants"),
    ColumnSpec::optional("outcome", "成效与备注", "Outcome and notes"),
];

fn st_event(r: &Row) -> Result<StEvent, StoreError> {
    Ok(StEvent {
        st_event_id: r.get("st_event_id")?,
        kind: decode(EventKind::parse(&r.get::<String>("kind")?))?,
        title: r.get("title")?,
        held_on: r.get("held_on")?,
        ends_on: r.get("ends_on")?,
        organiser: r.get("organiser")?,
        organiser_organisation_id: r.get("organiser_organisation_id")?,
        organiser_uscc: r.get("organiser_uscc")?,
        region_code: r.get("region_code")?,
        participants: r.get("participants")?,
        outcome: r.get("outcome")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        retired_at: r.get("retired_at")?,
    })
}

fn bind_event(q: Query, new: &NewStEvent, t: OffsetDateTime) -> Query {
    q.bind(new.kind.as_str())
        .bind(&new.title)
        .bind(new.held_on)
        .bind(new.ends_on)
        .bind(&new.organiser)
        .bind(new.organiser_organisation_id)
        .bind(new.region_code.as_str())
        .bind(new.participants)
        .bind(new.outcome.clone())
        .bind(t)
}

async fn insert_event(tx: &mut Tx, new: &NewStEvent, t: OffsetDateTime) -> Result<i64, StoreError> {
    let q = query(
        "insert into st_event (kind, title, held_on, ends_on, organiser, organiser_organisation_id, region_code, \
         participants, outcome, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) returning st_event_id",
    );
    let row = tx.fetch_one(bind_event(q, new, t)).await.map_err(|e| on_duplicate(e, "title", &new.key()))?;
    row.get("st_event_id")
}

async fn update_event_row(tx: &mut Tx, id: i64, new: &NewStEvent, t: OffsetDateTime) -> Result<(), StoreError> {
    let q = query(
        "update st_event set kind = $1, title = $2, held_on = $3, ends_on = $4, organiser = $5, \
         organiser_organisation_id = $6, region_code = $7, participants = $8, outcome = $9, updated_at = $10 \
         where st_event_id = $11",
    );
    tx.execute(bind_event(q, new, t).bind(id)).await.map_err(|e| on_duplicate(e, "title", &new.key()))?;
    Ok(())
}

impl Listed for StEvent {
    type Filter = StEventFilter;
    const FROM: &'static str =
        "st_event e left join organisation oo on oo.organisation_id = e.organiser_organisation_id";
    const SELECT: &'static str = "e.st_event_id, e.kind, e.title, e.held_on, e.ends_on, e.organiser, \
         e.organiser_organisation_id, oo.uscc as organiser_uscc, e.region_code, e.participants, e.outcome, \
         e.created_at, e.updated_at, e.retired_at";
    const SORTS: &'static [(&'static str, &'static str)] = &[
        ("held_on", "e.held_on, e.st_event_id"),
        ("participants", "e.participants, e.st_event_id"),
        ("title", "e.title, e.st_event_id"),
    ];
    const DEFAULT_ORDER: &'static str = "e.held_on desc, e.st_event_id desc";
    const SCOPE: (&'static str, &'static str) = ("e.region_code", "e.organiser_organisation_id");
    const RETIRED: &'static str = "e.retired_at";
    const TEXT: &'static [&'static str] = &["e.title", "e.organiser", "e.outcome"];
    const REGION: &'static [&'static str] = &["e.region_code"];

    fn decode(r: &Row) -> Result<Self, StoreError> {
        st_event(r)
    }

    fn common(f: &StEventFilter) -> (Option<&str>, Option<&RegionCode>, bool, Option<&str>, bool) {
        (f.q.as_deref(), f.region.as_ref(), f.include_retired, f.sort.as_deref(), f.descending)
    }

    fn narrow(q: &mut Query, f: &StEventFilter) {
        push_span(q, "e.held_on", f.year, f.from, f.to);
        push_eq(q, "e.kind", f.kind.map(EventKind::as_str));
        if let Some(id) = f.organisation_id {
            let m = q.bind_list([id]);
            q.push_sql(&format!(" and e.organiser_organisation_id = {m}"));
        }
    }
}

impl Store {
    /// A page of events inside the scope.
    pub async fn list_events_page(
        &self,
        scope: &Scope,
        f: &StEventFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<StEvent>, StoreError> {
        self.list_page(scope, f, page, per_page).await
    }

    /// Every event matching the filter (for exports), in the filter's order.
    pub async fn list_events_filtered(&self, scope: &Scope, f: &StEventFilter) -> Result<Vec<StEvent>, StoreError> {
        self.list_filtered(scope, f).await
    }

    /// One event, if it is inside the scope (`NotFound` otherwise).
    pub async fn event(&self, scope: &Scope, id: i64) -> Result<StEvent, StoreError> {
        self.one(scope, "e.st_event_id", id).await
    }

    async fn check_event(&self, scope: &Scope, new: &NewStEvent) -> Result<(), StoreError> {
        first_problem(new.problems())?;
        self.check_region(scope, &new.region_code, "region_code", true).await?;
        if let Some(id) = new.organiser_organisation_id {
            self.check_organisation(scope, id, "organiser_organisation_id", true).await?;
        }
        Ok(())
    }

    /// Records an event held in a region inside the caller's scope. Fails like
    /// [`Store::create_award`]; `Duplicate` for the same title on the same day and place.
    pub async fn create_event(&self, actor: &Actor, scope: &Scope, new: &NewStEvent) -> Result<StEvent, StoreError> {
        let new = new.normalised();
        self.check_event(scope, &new).await?;
        let mut tx = self.begin().await?;
        let id = insert_event(&mut tx, &new, now()).await?;
        let e = entry("st_event.create", "st_event", id, new.region_code.as_str(), new.organiser_organisation_id);
        tx.audit(actor, e.after(&new)).await?;
        tx.commit().await?;
        self.event(&Scope::All, id).await
    }

    /// Changes an event inside the caller's scope.
    pub async fn update_event(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        new: &NewStEvent,
    ) -> Result<StEvent, StoreError> {
        let before = self.event(scope, id).await?;
        let new = new.normalised();
        self.check_event(scope, &new).await?;
        let mut tx = self.begin().await?;
        update_event_row(&mut tx, id, &new, now()).await?;
        let e = entry("st_event.update", "st_event", id, new.region_code.as_str(), new.organiser_organisation_id);
        tx.audit(actor, e.before(&before).after(&new)).await?;
        tx.commit().await?;
        self.event(&Scope::All, id).await
    }

    /// Retires an event (it leaves lists and counts; the record and its history stay).
    pub async fn retire_event(&self, actor: &Actor, scope: &Scope, id: i64) -> Result<StEvent, StoreError> {
        let before = self.event(scope, id).await?;
        if !scope::allows(self, scope, Some(&before.region_code), before.organiser_organisation_id).await? {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        tx.execute(retire_row("st_event", id, now())).await?;
        let e = entry("st_event.retire", "st_event", id, &before.region_code, before.organiser_organisation_id);
        tx.audit(actor, e.before(&before)).await?;
        tx.commit().await?;
        self.event(&Scope::All, id).await
    }

    /// Imports events, all or nothing, keyed by region, first day and title (events have no
    /// number; see [`Store::import_awards`]). Participants may be left empty for 0.
    pub async fn import_events(&self, actor: &Actor, scope: &Scope, table: &Table) -> Result<ImportReport, StoreError> {
        let (mut report, map) = match start_import("event", table, EVENT_COLUMNS) {
            Ok(started) => started,
            Err(report) => return Ok(report),
        };
        let ctx = self.import_context(scope, table, &map, &["organiser_uscc"]).await?;
        let mut errors = Vec::new();
        let mut parsed: Vec<(&TableRow, NewStEvent)> = Vec::new();
        let mut seen = HashMap::new();
        for row in &table.rows {
            let before = errors.len();
            let mut c = Cells { map: &map, row, ctx: &ctx, errors: &mut errors };
            let kind = c.code("kind", EventKind::parse);
            let title = c.text("title");
            let held_on = c.date("held_on");
            let ends_on = c.opt_date("ends_on");
            let organiser = c.text("organiser");
            let organiser_id = c.opt_organisation("organiser_uscc", true);
            let region = c.region("region_code", true);
            let participants = match map.get(row, "participants") {
                "" => Some(0),
                v => c.activity("participants", parse_participants(v)),
            };
            if let (Some(kind), Some(title), Some(held_on), Some(ends_on), Some(organiser)) =
                (kind, title, held_on, ends_on, organiser)
            {
                if let (Some(organiser_organisation_id), Some(region_code), Some(participants)) =
                    (organiser_id, region, participants)
                {
                    let new = NewStEvent {
                        kind,
                        title,
                        held_on,
                        ends_on,
                        organiser,
                        organiser_organisation_id,
                        region_code,
                        participants,
                        outcome: c.opt_text("outcome"),
                    }
                    .normalised();
                    check_duplicate(&mut seen, new.key(), &map, row, "title", c.errors);
                    c.problems(new.problems());
                    if errors.len() == before {
                        parsed.push((row, new));
                    }
                }
            }
        }
        let titles: Vec<String> = parsed.iter().map(|(_, n)| n.title.clone()).collect();
        let existing: HashMap<String, StEvent> = self
            .having::<StEvent>("e.title", titles)
            .await?
            .into_iter()
            .map(|e| (format!("{} {} {}", e.region_code, e.held_on, e.title), e))
            .collect();
        if !errors.is_empty() {
            return Ok(rejected(report, errors));
        }
        let t = now();
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        for (_, new) in &parsed {
            let (region, organiser) = (new.region_code.as_str(), new.organiser_organisation_id);
            match existing.get(&new.key()) {
                None => {
                    let id = insert_event(&mut tx, new, t).await?;
                    audit.push(entry("st_event.create", "st_event", id, region, organiser).after(new));
                    report.inserted += 1;
                }
                Some(e) if new.differs_from(e) => {
                    let id = e.st_event_id;
                    update_event_row(&mut tx, id, new, t).await?;
                    tx.execute(unretire_row("st_event", id)).await?;
                    audit.push(entry("st_event.update", "st_event", id, region, organiser).before(e).after(new));
                    report.updated += 1;
                }
                Some(_) => report.unchanged += 1,
            }
        }
        tx.audit_batch(actor, audit).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Events starting in a year inside the scope, not retired, by kind: how many and how many
    /// took part.
    pub async fn event_counts(&self, scope: &Scope, year: i32) -> Result<BTreeMap<EventKind, EventCount>, StoreError> {
        let mut q = query(
            "select e.kind, count(*) as n, cast(sum(e.participants) as bigint) as people from st_event e \
             where e.retired_at is null",
        );
        push_span(&mut q, "e.held_on", Some(year), None, None);
        self.restrict::<StEvent>(&mut q, scope).await?;
        q.push_sql(" group by e.kind");
        let mut out = BTreeMap::new();
        for r in self.db().fetch_all(q).await? {
            out.insert(
                decode(EventKind::parse(&r.get::<String>("kind")?))?,
                EventCount { events: r.get("n")?, participants: r.get("people")? },
            );
        }
        Ok(out)
    }
}

/// How many events of a kind, and how many people took part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct EventCount {
    pub events: i64,
    pub participants: i64,
}

/// Writes events back into the template's layout (an export re-imports unchanged).
pub fn event_rows(items: &[StEvent]) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = EVENT_COLUMNS.iter().map(|c| c.zh.to_owned()).collect();
    let rows = items
        .iter()
        .map(|e| {
            vec![
                e.kind.name_zh().to_owned(),
                e.title.clone(),
                e.held_on.to_string(),
                date_cell(e.ends_on),
                e.organiser.clone(),
                e.organiser_uscc.clone().unwrap_or_default(),
                e.region_code.clone(),
                e.participants.to_string(),
                e.outcome.clone().unwrap_or_default(),
            ]
        })
        .collect();
    (headers, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_year_and_bounds_intersect() {
        assert_eq!(span(Some(2021), None, None), (Some(date!(2021 - 01 - 01)), Some(date!(2021 - 12 - 31))));
        assert_eq!(
            span(Some(2021), Some(date!(2021 - 03 - 01)), Some(date!(2022 - 06 - 30))),
            (Some(date!(2021 - 03 - 01)), Some(date!(2021 - 12 - 31)))
        );
        assert_eq!(span(None, None, Some(date!(2020 - 01 - 01))), (None, Some(date!(2020 - 01 - 01))));
    }

    #[test]
    fn unknown_sort_keys_are_refused_naming_the_accepted_ones() {
        let e = order_by(Award::SORTS, Award::DEFAULT_ORDER, Some("x"), false).unwrap_err();
        assert!(e.to_string().contains("year, name, project_title, region"), "{e}");
        assert_eq!(
            order_by(Award::SORTS, Award::DEFAULT_ORDER, Some("year"), true).unwrap(),
            "a.year desc, a.award_id desc"
        );
    }

    #[test]
    fn cells_holding_several_codes_split_on_any_separator() {
        assert_eq!(split_list("A；B;C、D, E，").collect::<Vec<_>>(), ["A", "B", "C", "D", "E"]);
        assert_eq!(split_list("").count(), 0);
    }

    #[test]
    fn exported_headers_are_the_template_headers() {
        assert_eq!(award_rows(&[]).0.len(), AWARD_COLUMNS.len());
        assert_eq!(contract_rows(&[]).0.len(), CONTRACT_COLUMNS.len());
        assert_eq!(loan_rows(&[]).0.len(), LOAN_COLUMNS.len());
        assert_eq!(event_rows(&[]).0.len(), EVENT_COLUMNS.len());
    }
}

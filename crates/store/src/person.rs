//! People: one identity across roles. The register (filters, paging, counts by role on a
//! date), create/update/retire, dated roles and affiliations, and the all-or-nothing import.
//!
//! ID numbers are stored in full and **masked in every read** unless the caller asks with
//! [`IdView::Full`], which the web layer does for administrators only. Audit events hold the
//! masked number, since the audit log is read by every role with a scope.

use std::collections::{BTreeSet, HashMap};

use gaodi_domain::access::Scope;
use gaodi_domain::person::{
    check_birth_year, check_email, check_phone, check_span, is_masked, mask_id_number, reconcile_identity, Gender,
    IdKind, IdNumber, PersonError, PersonRole, PersonRoleKind, RoleDetails,
};
use gaodi_domain::region::RegionCode;
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::db::{query, Query, Row, Tx};
use crate::import::{ColumnMap, ColumnSpec, ImportReport, RowError};
use crate::organisation::Page;
use crate::tabular::{Table, TableRow};
use crate::{now, scope, Actor, AuditEntry, Store, StoreError};

// Dates travel as ISO `YYYY-MM-DD`.
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Whether a read shows ID numbers in full. The web layer asks for `Full` for administrators
/// only; everyone else gets [`mask_id_number`]'s form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdView {
    #[default]
    Masked,
    Full,
}

impl IdView {
    fn show(self, id: Option<String>) -> Option<String> {
        match self {
            IdView::Full => id,
            IdView::Masked => id.map(|v| mask_id_number(&v)),
        }
    }
}

/// A person as read (the ID number masked unless read with [`IdView::Full`]).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Person {
    pub person_id: i64,
    pub name: String,
    pub id_number: Option<String>,
    /// `resident` or `foreign`.
    pub id_kind: Option<String>,
    /// Whether `id_number` is masked.
    pub id_masked: bool,
    /// `male` or `female`.
    pub gender: Option<String>,
    pub birth_year: Option<i64>,
    pub region_code: String,
    /// The current employer.
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    pub organisation_uscc: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

/// A person in a list, with the kinds of the roles held on the list's date.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PersonListItem {
    #[serde(flatten)]
    pub person: Person,
    pub role_kinds: Vec<String>,
}

/// A role record as stored.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PersonRoleRecord {
    pub person_role_id: i64,
    pub person_id: i64,
    pub kind: String,
    #[serde(with = "iso_date")]
    pub valid_from: Date,
    #[serde(with = "iso_date::option")]
    pub valid_to: Option<Date>,
    pub reference: Option<String>,
    /// Fields of expertise, comma-separated (experts).
    pub fields: Option<String>,
    pub assignment: Option<String>,
    pub nationality: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

impl PersonRoleRecord {
    /// Whether the role is held on `date` (and not retired).
    pub fn is_valid_on(&self, date: Date) -> bool {
        self.retired_at.is_none() && self.valid_from <= date && self.valid_to.is_none_or(|to| to >= date)
    }

    fn differs_from(&self, r: &PersonRole) -> bool {
        self.valid_from != r.valid_from()
            || self.valid_to != r.valid_to()
            || self.reference.as_deref() != r.reference()
            || self.fields != r.fields_text()
            || self.assignment.as_deref() != r.assignment()
            || self.nationality.as_deref() != r.nationality()
            || self.retired_at.is_some()
    }
}

/// A dated link of a person to an organisation.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Affiliation {
    pub affiliation_id: i64,
    pub person_id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub position: Option<String>,
    #[serde(with = "iso_date")]
    pub valid_from: Date,
    #[serde(with = "iso_date::option")]
    pub valid_to: Option<Date>,
}

/// The fields of an affiliation a user sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewAffiliation {
    pub organisation_id: i64,
    pub position: Option<String>,
    #[serde(with = "iso_date")]
    pub valid_from: Date,
    #[serde(with = "iso_date::option")]
    pub valid_to: Option<Date>,
}

/// A person with everything linked to it (the detail page).
#[derive(Debug, Clone, Serialize)]
pub struct PersonDetail {
    pub person: Person,
    pub roles: Vec<PersonRoleRecord>,
    pub affiliations: Vec<Affiliation>,
}

/// The fields of a person a user sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    pub name: String,
    pub id_number: Option<IdNumber>,
    pub gender: Option<Gender>,
    pub birth_year: Option<i32>,
    pub region_code: RegionCode,
    pub organisation_id: Option<i64>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl NewPerson {
    /// The minimum: a name and a region.
    pub fn basic(name: &str, region_code: RegionCode) -> NewPerson {
        NewPerson {
            name: name.to_owned(),
            id_number: None,
            gender: None,
            birth_year: None,
            region_code,
            organisation_id: None,
            title: None,
            email: None,
            phone: None,
        }
    }

    /// Trims the text, drops empty optional text, checks the rules that need no database (name,
    /// year of birth, e-mail, phone) and fills gender and year of birth from a resident ID.
    fn normalised(&self) -> Result<NewPerson, StoreError> {
        let text = |s: &Option<String>| s.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err(person_error(&PersonError::EmptyName));
        }
        if let Some(y) = self.birth_year {
            check_birth_year(y).map_err(|e| person_error(&e))?;
        }
        let (gender, birth_year) =
            reconcile_identity(self.id_number.as_ref(), self.gender, self.birth_year).map_err(|e| person_error(&e))?;
        let email = text(&self.email).map(|e| check_email(&e)).transpose().map_err(|e| person_error(&e))?;
        let phone = text(&self.phone).map(|p| check_phone(&p)).transpose().map_err(|e| person_error(&e))?;
        Ok(NewPerson {
            name,
            id_number: self.id_number.clone(),
            gender,
            birth_year,
            region_code: self.region_code.clone(),
            organisation_id: self.organisation_id,
            title: text(&self.title),
            email,
            phone,
        })
    }

    /// What the audit log keeps: the ID number masked.
    fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "id_number": self.id_number.as_ref().map(IdNumber::masked),
            "id_kind": self.id_number.as_ref().map(|i| i.kind().as_str()),
            "gender": self.gender.map(Gender::as_str),
            "birth_year": self.birth_year,
            "region_code": self.region_code.as_str(),
            "organisation_id": self.organisation_id,
            "title": self.title,
            "email": self.email,
            "phone": self.phone,
        })
    }

    /// Whether the fields an import sets (all but e-mail and phone) differ from `p`, read in
    /// full. An import row without an ID number keeps the stored one.
    fn import_differs_from(&self, p: &Person) -> bool {
        self.name != p.name
            || self.id_number.as_ref().is_some_and(|i| Some(i.as_str()) != p.id_number.as_deref())
            || self.gender.map(Gender::as_str) != p.gender.as_deref()
            || self.birth_year.map(i64::from) != p.birth_year
            || self.region_code.as_str() != p.region_code
            || self.organisation_id != p.organisation_id
            || self.title != p.title
            || p.retired_at.is_some()
    }
}

impl Person {
    fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "id_number": self.id_number.as_deref().map(|v| if self.id_masked { v.to_owned() } else { mask_id_number(v) }),
            "id_kind": self.id_kind,
            "gender": self.gender,
            "birth_year": self.birth_year,
            "region_code": self.region_code,
            "organisation_id": self.organisation_id,
            "title": self.title,
            "email": self.email,
            "phone": self.phone,
        })
    }
}

/// What to do with the stored ID number on an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdNumberEdit {
    /// Keep the stored number (a form showed it masked and it came back unchanged).
    Keep,
    /// Replace it with the new person's number (or remove it when that is `None`).
    Replace,
}

fn person_error(e: &PersonError) -> StoreError {
    StoreError::invalid(e.code(), e.args(), Some(e.field()))
}

fn person(r: &Row, view: IdView) -> Result<Person, StoreError> {
    let id_number: Option<String> = r.get("id_number")?;
    Ok(Person {
        person_id: r.get("person_id")?,
        name: r.get("name")?,
        id_masked: view == IdView::Masked && id_number.is_some(),
        id_number: view.show(id_number),
        id_kind: r.get("id_kind")?,
        gender: r.get("gender")?,
        birth_year: r.get("birth_year")?,
        region_code: r.get("region_code")?,
        organisation_id: r.get("organisation_id")?,
        organisation_name: r.get("organisation_name")?,
        organisation_uscc: r.get("organisation_uscc")?,
        title: r.get("title")?,
        email: r.get("email")?,
        phone: r.get("phone")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        retired_at: r.get("retired_at")?,
    })
}

fn role_record(r: &Row) -> Result<PersonRoleRecord, StoreError> {
    Ok(PersonRoleRecord {
        person_role_id: r.get("person_role_id")?,
        person_id: r.get("person_id")?,
        kind: r.get("kind")?,
        valid_from: r.get("valid_from")?,
        valid_to: r.get("valid_to")?,
        reference: r.get("reference")?,
        fields: r.get("fields")?,
        assignment: r.get("assignment")?,
        nationality: r.get("nationality")?,
        created_at: r.get("created_at")?,
        retired_at: r.get("retired_at")?,
    })
}

fn affiliation(r: &Row) -> Result<Affiliation, StoreError> {
    Ok(Affiliation {
        affiliation_id: r.get("affiliation_id")?,
        person_id: r.get("person_id")?,
        organisation_id: r.get("organisation_id")?,
        organisation_name: r.get("organisation_name")?,
        position: r.get("position")?,
        valid_from: r.get("valid_from")?,
        valid_to: r.get("valid_to")?,
    })
}

/// The person columns, with the employer's name and code (`p` is person, `o` organisation).
const SELECT: &str = "select p.person_id, p.name, p.id_number, p.id_kind, p.gender, p.birth_year, p.region_code, \
     p.organisation_id, o.name as organisation_name, o.uscc as organisation_uscc, p.title, p.email, p.phone, \
     p.created_at, p.updated_at, p.retired_at \
     from person p left join organisation o on o.organisation_id = p.organisation_id where 1 = 1";

const ROLE_COLUMNS: &str = "person_role_id, person_id, kind, valid_from, valid_to, reference, fields, assignment, \
     nationality, created_at, retired_at";

/// How to sort the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PersonSort {
    #[default]
    Name,
    Region,
    BirthYear,
    /// Newest first by default.
    Created,
}

impl PersonSort {
    pub fn parse(s: &str) -> Option<PersonSort> {
        match s {
            "name" => Some(PersonSort::Name),
            "region" => Some(PersonSort::Region),
            "birth_year" => Some(PersonSort::BirthYear),
            "created" => Some(PersonSort::Created),
            _ => None,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            PersonSort::Name => "p.name, p.person_id",
            PersonSort::Region => "p.region_code, p.name, p.person_id",
            PersonSort::BirthYear => "p.birth_year, p.name, p.person_id",
            PersonSort::Created => "p.created_at, p.person_id",
        }
    }
}

/// Filters of the register's list (all optional; they combine with `and`).
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// Part of the name.
    pub q: Option<String>,
    /// This region and everything below it.
    pub region: Option<RegionCode>,
    /// Holding a role of this kind on `role_date`.
    pub role: Option<PersonRoleKind>,
    /// The day roles are held on (default: today); alone, it keeps people with any role then.
    pub role_date: Option<Date>,
    /// Working for this organisation now.
    pub organisation_id: Option<i64>,
    pub include_retired: bool,
    pub sort: PersonSort,
    pub descending: bool,
}

/// The columns of the people import template and export, in order: one row per person and
/// role (a person with several roles takes several rows; one without a role, one row with the
/// role columns empty).
pub const PERSON_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("name", "姓名", "Name"),
    ColumnSpec::optional("id_number", "证件号码", "ID number"),
    ColumnSpec::optional("gender", "性别", "Gender"),
    ColumnSpec::optional("birth_year", "出生年份", "Year of birth"),
    ColumnSpec::required("region_code", "所在区划代码", "Region code"),
    ColumnSpec::optional("organisation_uscc", "工作单位统一社会信用代码", "Employer USCC"),
    ColumnSpec::optional("title", "职称", "Title"),
    ColumnSpec::optional("role_kind", "人员类别", "Category"),
    ColumnSpec::optional("valid_from", "类别起始日期", "Category from"),
    ColumnSpec::optional("valid_to", "类别截止日期", "Category to"),
    ColumnSpec::optional("reference", "文号或证件编号", "Document or permit number"),
    ColumnSpec::optional("fields", "专业领域", "Fields of expertise"),
    ColumnSpec::optional("assignment", "服务对象", "Village or firm served"),
    ColumnSpec::optional("nationality", "国籍", "Nationality"),
];

/// Nationalities that mean "not foreign" in an import file.
fn is_chinese_nationality(s: &str) -> bool {
    matches!(s.trim().to_lowercase().as_str(), "中国" | "中华人民共和国" | "china" | "cn" | "chn")
}

fn like_pattern(text: &str) -> String {
    format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

fn valid_on_sql(q: &mut Query, date: Date) -> String {
    let d1 = q.bind_list([date]);
    let d2 = q.bind_list([date]);
    format!("r.retired_at is null and r.valid_from <= {d1} and (r.valid_to is null or r.valid_to >= {d2})")
}

impl Store {
    async fn apply_person_filter(&self, q: &mut Query, scope: &Scope, f: &PersonFilter) -> Result<(), StoreError> {
        scope::restrict(self, q, scope, Some("p.region_code"), Some("p.organisation_id")).await?;
        if !f.include_retired {
            q.push_sql(" and p.retired_at is null");
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let m = q.bind_list([like_pattern(text)]);
            q.push_sql(&format!(" and p.name like {m} escape '\\'"));
        }
        if let Some(region) = &f.region {
            let codes =
                self.scope_regions(&Scope::Regions { regions: vec![region.clone()] }).await?.unwrap_or_default();
            let marks = q.bind_list(codes);
            q.push_sql(&format!(" and p.region_code in ({marks})"));
        }
        if let Some(org) = f.organisation_id {
            let m = q.bind_list([org]);
            q.push_sql(&format!(" and p.organisation_id = {m}"));
        }
        if f.role.is_some() || f.role_date.is_some() {
            let valid = valid_on_sql(q, f.role_date.unwrap_or_else(|| now().date()));
            let kind = match f.role {
                Some(k) => format!(" and r.kind = {}", q.bind_list([k.as_str()])),
                None => String::new(),
            };
            q.push_sql(&format!(
                " and exists (select 1 from person_role r where r.person_id = p.person_id and {valid}{kind})"
            ));
        }
        Ok(())
    }

    /// A page of the register inside the scope, each person with the kinds of the roles held on
    /// the filter's date (today without one).
    pub async fn list_people_page(
        &self,
        scope: &Scope,
        f: &PersonFilter,
        page: i64,
        per_page: i64,
        view: IdView,
    ) -> Result<Page<PersonListItem>, StoreError> {
        let per_page = per_page.clamp(1, 500);
        let page = page.max(1);
        let mut count = query("select count(*) as n from person p where 1 = 1");
        self.apply_person_filter(&mut count, scope, f).await?;
        let total: i64 = self.db().fetch_one(count).await?.get("n")?;
        let mut q = query(SELECT);
        self.apply_person_filter(&mut q, scope, f).await?;
        let dir = if f.descending { " desc" } else { "" };
        let order = f.sort.sql().split(", ").map(|c| format!("{c}{dir}")).collect::<Vec<_>>().join(", ");
        let lim = q.bind_list([per_page]);
        let off = q.bind_list([(page - 1) * per_page]);
        q.push_sql(&format!(" order by {order} limit {lim} offset {off}"));
        let people: Vec<Person> =
            self.db().fetch_all(q).await?.iter().map(|r| person(r, view)).collect::<Result<_, _>>()?;
        let date = f.role_date.unwrap_or_else(|| now().date());
        let mut kinds: HashMap<i64, Vec<String>> = HashMap::new();
        for r in self.roles_of(&people.iter().map(|p| p.person_id).collect::<Vec<_>>()).await? {
            if r.is_valid_on(date) {
                kinds.entry(r.person_id).or_default().push(r.kind);
            }
        }
        let items = people
            .into_iter()
            .map(|p| {
                let mut role_kinds = kinds.remove(&p.person_id).unwrap_or_default();
                role_kinds.sort_by_key(|k| PersonRoleKind::parse(k).ok());
                role_kinds.dedup();
                PersonListItem { person: p, role_kinds }
            })
            .collect();
        Ok(Page { total, page, per_page, items })
    }

    /// Every person matching the filter, in the filter's order.
    pub async fn list_people_filtered(
        &self,
        scope: &Scope,
        f: &PersonFilter,
        view: IdView,
    ) -> Result<Vec<Person>, StoreError> {
        let mut q = query(SELECT);
        self.apply_person_filter(&mut q, scope, f).await?;
        let dir = if f.descending { " desc" } else { "" };
        let order = f.sort.sql().split(", ").map(|c| format!("{c}{dir}")).collect::<Vec<_>>().join(", ");
        q.push_sql(&format!(" order by {order}"));
        self.db().fetch_all(q).await?.iter().map(|r| person(r, view)).collect()
    }

    /// Every person matching the filter with their roles that are not retired (for exports:
    /// see [`person_rows`]).
    pub async fn list_people_with_roles(
        &self,
        scope: &Scope,
        f: &PersonFilter,
        view: IdView,
    ) -> Result<Vec<(Person, Vec<PersonRoleRecord>)>, StoreError> {
        let people = self.list_people_filtered(scope, f, view).await?;
        let mut roles: HashMap<i64, Vec<PersonRoleRecord>> = HashMap::new();
        for r in self.roles_of(&people.iter().map(|p| p.person_id).collect::<Vec<_>>()).await? {
            if r.retired_at.is_none() {
                roles.entry(r.person_id).or_default().push(r);
            }
        }
        Ok(people
            .into_iter()
            .map(|p| {
                let rs = roles.remove(&p.person_id).unwrap_or_default();
                (p, rs)
            })
            .collect())
    }

    /// The roles of these people (retired ones too), by person, kind and start.
    async fn roles_of(&self, ids: &[i64]) -> Result<Vec<PersonRoleRecord>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let mut q = query(format!("select {ROLE_COLUMNS} from person_role where person_id in ("));
            let marks = q.bind_list(chunk.iter().copied());
            q.push_sql(&format!("{marks}) order by person_id, valid_from, person_role_id"));
            for r in self.db().fetch_all(q).await? {
                out.push(role_record(&r)?);
            }
        }
        Ok(out)
    }

    /// One person, if inside the scope (`NotFound` otherwise).
    pub async fn person(&self, scope: &Scope, id: i64, view: IdView) -> Result<Person, StoreError> {
        let mut q = query(SELECT);
        let m = q.bind_list([id]);
        q.push_sql(&format!(" and p.person_id = {m}"));
        scope::restrict(self, &mut q, scope, Some("p.region_code"), Some("p.organisation_id")).await?;
        person(&self.db().fetch_one(q).await?, view)
    }

    /// One person with their roles (retired ones too, for the record) and affiliations.
    pub async fn person_detail(&self, scope: &Scope, id: i64, view: IdView) -> Result<PersonDetail, StoreError> {
        let p = self.person(scope, id, view).await?;
        let roles = self.roles_of(&[id]).await?;
        let affiliations = self
            .db()
            .fetch_all(
                query(
                    "select a.affiliation_id, a.person_id, a.organisation_id, o.name as organisation_name, a.position, \
                     a.valid_from, a.valid_to from affiliation a join organisation o on o.organisation_id = a.organisation_id \
                     where a.person_id = $1 order by a.valid_from desc, a.affiliation_id",
                )
                .bind(id),
            )
            .await?
            .iter()
            .map(affiliation)
            .collect::<Result<_, _>>()?;
        Ok(PersonDetail { person: p, roles, affiliations })
    }

    /// People holding each role kind on `date`, inside the scope (people and roles that are
    /// retired do not count; a person with two roles counts once under each). Every kind is
    /// listed, in [`PersonRoleKind::ALL`] order, zero where nobody holds it.
    pub async fn count_people_by_role(
        &self,
        scope: &Scope,
        date: Date,
    ) -> Result<Vec<(PersonRoleKind, i64)>, StoreError> {
        let mut q = query("select r.kind, count(distinct r.person_id) as n from person_role r join person p on p.person_id = r.person_id where p.retired_at is null and ");
        let valid = valid_on_sql(&mut q, date);
        q.push_sql(&valid);
        scope::restrict(self, &mut q, scope, Some("p.region_code"), Some("p.organisation_id")).await?;
        q.push_sql(" group by r.kind");
        let mut counts: HashMap<String, i64> = HashMap::new();
        for r in self.db().fetch_all(q).await? {
            counts.insert(r.get("kind")?, r.get("n")?);
        }
        Ok(PersonRoleKind::ALL.iter().map(|k| (*k, counts.get(k.as_str()).copied().unwrap_or(0))).collect())
    }

    /// Checks what needs the database: the region exists (not a park) and lies in the scope,
    /// and the employer, if any, is an organisation the caller can see.
    async fn check_person_places(&self, scope: &Scope, new: &NewPerson) -> Result<(), StoreError> {
        let regions = self.regions().await?;
        if !regions.iter().any(|r| r.code == new.region_code && !r.kind.is_park()) {
            return Err(StoreError::invalid(
                "region.unknown",
                vec![("code", new.region_code.to_string())],
                Some("region_code"),
            ));
        }
        if !scope::allows(self, scope, Some(new.region_code.as_str()), new.organisation_id).await? {
            return Err(StoreError::Forbidden);
        }
        if let Some(org) = new.organisation_id {
            match self.organisation(scope, org).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    return Err(StoreError::invalid(
                        "person.unknown_organisation",
                        vec![("value", org.to_string())],
                        Some("organisation_id"),
                    ))
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Creates a person in a region inside the caller's scope. Fails with `Forbidden` outside
    /// the scope, `Invalid` for an empty name, an unknown region or employer, a gender or year
    /// of birth contradicting the ID number, a bad e-mail or phone, or an ID number already
    /// registered (`person.id_number_taken`).
    pub async fn create_person(
        &self,
        actor: &Actor,
        scope: &Scope,
        new: &NewPerson,
        view: IdView,
    ) -> Result<Person, StoreError> {
        let new = new.normalised()?;
        self.check_person_places(scope, &new).await?;
        let mut tx = self.begin().await?;
        let id = insert_person(&mut tx, &new).await?;
        let entry = AuditEntry::new("person.create", "person", id)
            .region(Some(new.region_code.to_string()))
            .after(&new.snapshot());
        tx.audit(actor, with_org(entry, new.organisation_id)).await?;
        tx.commit().await?;
        self.person(&Scope::All, id, view).await
    }

    /// Changes a person inside the caller's scope (moving them to another region of it too).
    /// `id_edit` says whether the stored ID number is kept or replaced by `new`'s.
    pub async fn update_person(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        new: &NewPerson,
        id_edit: IdNumberEdit,
        view: IdView,
    ) -> Result<Person, StoreError> {
        let before = self.person(scope, id, IdView::Full).await?;
        if !scope::allows(self, scope, Some(&before.region_code), before.organisation_id).await? {
            return Err(StoreError::Forbidden);
        }
        let mut new = new.clone();
        if id_edit == IdNumberEdit::Keep {
            new.id_number = stored_id(&before)?;
        }
        let new = new.normalised()?;
        self.check_person_places(scope, &new).await?;
        let mut tx = self.begin().await?;
        update_person_row(&mut tx, id, &new, true).await?;
        let entry = AuditEntry::new("person.update", "person", id)
            .region(Some(new.region_code.to_string()))
            .before(&before.snapshot())
            .after(&new.snapshot());
        tx.audit(actor, with_org(entry, new.organisation_id)).await?;
        tx.commit().await?;
        self.person(&Scope::All, id, view).await
    }

    /// Retires a person (records are never erased: roles, reviews and the audit log refer to
    /// them).
    pub async fn retire_person(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        view: IdView,
    ) -> Result<Person, StoreError> {
        let before = self.person(scope, id, IdView::Masked).await?;
        if !scope::allows(self, scope, Some(&before.region_code), before.organisation_id).await? {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        tx.execute(
            query("update person set retired_at = $1, updated_at = $1 where person_id = $2").bind(now()).bind(id),
        )
        .await?;
        let entry = AuditEntry::new("person.retire", "person", id)
            .region(Some(before.region_code.clone()))
            .before(&before.snapshot());
        tx.audit(actor, with_org(entry, before.organisation_id)).await?;
        tx.commit().await?;
        self.person(&Scope::All, id, view).await
    }

    /// Adds a role to a person inside the caller's scope. Fails with `Invalid`
    /// (`person.role_reference_taken`) when a role of the same kind already has the reference.
    pub async fn add_person_role(
        &self,
        actor: &Actor,
        scope: &Scope,
        person_id: i64,
        role: &PersonRole,
    ) -> Result<PersonRoleRecord, StoreError> {
        let p = self.person(scope, person_id, IdView::Masked).await?;
        if !scope::allows(self, scope, Some(&p.region_code), p.organisation_id).await? {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        let role_id = insert_role(&mut tx, person_id, role).await?;
        let entry =
            AuditEntry::new("person.add_role", "person", person_id).region(Some(p.region_code.clone())).after(role);
        tx.audit(actor, with_org(entry, p.organisation_id)).await?;
        tx.commit().await?;
        self.role(role_id).await
    }

    /// Ends a role of a person on `valid_to` (the last day it is held). Fails with `NotFound`
    /// if the role is not the person's, `Invalid` if the day is before the role's first.
    pub async fn end_person_role(
        &self,
        actor: &Actor,
        scope: &Scope,
        person_id: i64,
        person_role_id: i64,
        valid_to: Date,
    ) -> Result<PersonRoleRecord, StoreError> {
        let p = self.person(scope, person_id, IdView::Masked).await?;
        if !scope::allows(self, scope, Some(&p.region_code), p.organisation_id).await? {
            return Err(StoreError::Forbidden);
        }
        let before = self.role(person_role_id).await?;
        if before.person_id != person_id || before.retired_at.is_some() {
            return Err(StoreError::NotFound);
        }
        let kind = PersonRoleKind::parse(&before.kind).map_err(|e| person_error(&e))?;
        if valid_to < before.valid_from {
            return Err(person_error(&PersonError::ValidityReversed { kind, valid_from: before.valid_from, valid_to }));
        }
        let mut tx = self.begin().await?;
        tx.execute(
            query("update person_role set valid_to = $1 where person_role_id = $2").bind(valid_to).bind(person_role_id),
        )
        .await?;
        let entry = AuditEntry::new("person.end_role", "person", person_id)
            .region(Some(p.region_code.clone()))
            .before(&before)
            .after(&serde_json::json!({ "person_role_id": person_role_id, "valid_to": valid_to.to_string() }));
        tx.audit(actor, with_org(entry, p.organisation_id)).await?;
        tx.commit().await?;
        self.role(person_role_id).await
    }

    async fn role(&self, person_role_id: i64) -> Result<PersonRoleRecord, StoreError> {
        let row = self
            .db()
            .fetch_one(
                query(format!("select {ROLE_COLUMNS} from person_role where person_role_id = $1")).bind(person_role_id),
            )
            .await?;
        role_record(&row)
    }

    /// Records that a person worked for an organisation (which the caller must be able to see)
    /// from `valid_from` to `valid_to`.
    pub async fn add_affiliation(
        &self,
        actor: &Actor,
        scope: &Scope,
        person_id: i64,
        new: &NewAffiliation,
    ) -> Result<Affiliation, StoreError> {
        let p = self.person(scope, person_id, IdView::Masked).await?;
        if !scope::allows(self, scope, Some(&p.region_code), p.organisation_id).await? {
            return Err(StoreError::Forbidden);
        }
        check_span(new.valid_from, new.valid_to).map_err(|e| person_error(&e))?;
        let org = match self.organisation(scope, new.organisation_id).await {
            Ok(o) => o,
            Err(StoreError::NotFound) => {
                return Err(StoreError::invalid(
                    "person.unknown_organisation",
                    vec![("value", new.organisation_id.to_string())],
                    Some("organisation_id"),
                ))
            }
            Err(e) => return Err(e),
        };
        let position = new.position.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let new = NewAffiliation { position, ..new.clone() };
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_one(
                query(
                    "insert into affiliation (person_id, organisation_id, position, valid_from, valid_to) \
                     values ($1, $2, $3, $4, $5) returning affiliation_id",
                )
                .bind(person_id)
                .bind(new.organisation_id)
                .bind(new.position.clone())
                .bind(new.valid_from)
                .bind(new.valid_to),
            )
            .await?;
        let affiliation_id: i64 = row.get("affiliation_id")?;
        let entry = AuditEntry::new("person.add_affiliation", "person", person_id)
            .region(Some(p.region_code.clone()))
            .after(&new);
        tx.audit(actor, with_org(entry, p.organisation_id)).await?;
        tx.commit().await?;
        Ok(Affiliation {
            affiliation_id,
            person_id,
            organisation_id: new.organisation_id,
            organisation_name: org.name,
            position: new.position,
            valid_from: new.valid_from,
            valid_to: new.valid_to,
        })
    }

    /// Imports people and their roles from a table, all or nothing: see [`PERSON_COLUMNS`].
    ///
    /// A row names a person and, optionally, one role. A person is found by ID number when the
    /// row has one (falling back to a person of the same name and employer without a number),
    /// otherwise by name and employer (name and region without an employer); rows of the same
    /// person must agree on the person's columns. A role is found by kind and reference, or,
    /// without a reference, by person, kind and first day. Every row is checked first (ID number
    /// and its check character, gender and year of birth against it, region and employer in the
    /// scope, category and its details, dates, references taken by someone else, duplicates in
    /// the file, masked numbers from an export of a non-administrator); if any row is bad,
    /// nothing is written and the report lists every bad row. Otherwise new people and roles are
    /// inserted, changed ones updated and identical ones left alone (e-mail and phone, which the
    /// template does not hold, are kept), in one transaction with an audit event per change.
    /// Roles the file does not mention are kept.
    pub async fn import_people(&self, actor: &Actor, scope: &Scope, table: &Table) -> Result<ImportReport, StoreError> {
        let mut report = ImportReport { kind: "person".to_owned(), rows: table.rows.len(), ..ImportReport::default() };
        let map = match ColumnMap::new(table, PERSON_COLUMNS) {
            Ok(m) => m,
            Err(errors) => {
                report.errors = errors;
                return Ok(report);
            }
        };
        let regions = self.regions().await?;
        let region_kind: HashMap<&str, bool> = regions.iter().map(|r| (r.code.as_str(), r.kind.is_park())).collect();
        let in_scope: Option<BTreeSet<String>> = self.scope_regions(scope).await?;
        let mut errors: Vec<RowError> = Vec::new();
        let mut parsed: Vec<ParsedRow> = Vec::with_capacity(table.rows.len());
        let wanted: BTreeSet<String> = table
            .rows
            .iter()
            .map(|row| map.get(row, "organisation_uscc").trim().to_uppercase())
            .filter(|v| !v.is_empty())
            .collect();
        let usccs = self.organisations_by_uscc(&wanted).await?;
        for row in &table.rows {
            let before = errors.len();
            let p = parse_person_columns(&map, row, &region_kind, in_scope.as_ref(), &usccs, &mut errors);
            let role = parse_role_columns(&map, row, &mut errors);
            if errors.len() == before {
                if let Some(person) = p {
                    parsed.push(ParsedRow { row: row.clone(), person, role });
                }
            }
        }
        // Rows of one person agree; roles are not repeated.
        let mut first_of: HashMap<PersonKey, usize> = HashMap::new();
        let mut role_keys: HashMap<String, usize> = HashMap::new();
        for (i, pr) in parsed.iter().enumerate() {
            let key = PersonKey::of(&pr.person);
            match first_of.get(&key) {
                Some(&j) => {
                    if let Some(col) = disagreeing_column(&parsed[j].person, &pr.person) {
                        errors.push(map.error(
                            &pr.row,
                            col,
                            "person.rows_disagree",
                            vec![("first_line", parsed[j].row.line.to_string())],
                        ));
                    }
                }
                None => {
                    first_of.insert(key.clone(), i);
                }
            }
            if let Some(role) = &pr.role {
                let rk = match role.reference() {
                    Some(r) => format!("{}|ref|{r}", role.kind()),
                    None => format!("{}|{key:?}|{}", role.kind(), role.valid_from()),
                };
                if let Some(first) = role_keys.insert(rk, pr.row.line) {
                    let col = if role.reference().is_some() { "reference" } else { "role_kind" };
                    errors.push(map.error(
                        &pr.row,
                        col,
                        "import.duplicate_key",
                        vec![("first_line", first.to_string())],
                    ));
                }
            }
        }
        // Match people already stored.
        let existing = self.match_existing_people(&parsed).await?;
        for pr in &parsed {
            if let Some(p) = existing.get(&PersonKey::of(&pr.person)) {
                if in_scope.as_ref().is_some_and(|s| !s.contains(&p.region_code)) {
                    let col = if pr.person.id_number.is_some() { "id_number" } else { "name" };
                    errors.push(map.error(&pr.row, col, "person.exists_outside_scope", vec![]));
                }
            }
        }
        // References taken by another person.
        let taken = self.roles_by_reference(&parsed).await?;
        for pr in &parsed {
            let Some(role) = &pr.role else { continue };
            let Some(reference) = role.reference() else { continue };
            if let Some(r) = taken.get(&(role.kind().as_str().to_owned(), reference.to_owned())) {
                let owner = existing.get(&PersonKey::of(&pr.person)).map(|p| p.person_id);
                if owner != Some(r.person_id) {
                    errors.push(map.error(
                        &pr.row,
                        "reference",
                        "person.role_reference_taken",
                        vec![
                            ("kind_zh", role.kind().name_zh().to_owned()),
                            ("kind_en", role.kind().name_en().to_owned()),
                            ("reference", reference.to_owned()),
                        ],
                    ));
                }
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            report.errors = errors;
            return Ok(report);
        }
        self.write_people(actor, &parsed, &existing, &taken, &mut report).await?;
        Ok(report)
    }

    /// Organisations (id and region) by code, any scope: the caller checks the scope.
    async fn organisations_by_uscc(
        &self,
        codes: &BTreeSet<String>,
    ) -> Result<HashMap<String, (i64, String)>, StoreError> {
        let mut out = HashMap::new();
        for chunk in codes.iter().collect::<Vec<_>>().chunks(500) {
            let mut q = query("select organisation_id, uscc, region_code from organisation where uscc in (");
            let marks = q.bind_list(chunk.iter().map(|c| (*c).clone()));
            q.push_sql(&format!("{marks})"));
            for r in self.db().fetch_all(q).await? {
                out.insert(
                    r.get::<String>("uscc")?,
                    (r.get::<i64>("organisation_id")?, r.get::<String>("region_code")?),
                );
            }
        }
        Ok(out)
    }

    /// Stored people matching the file's people, by [`PersonKey`], read in full.
    async fn match_existing_people(&self, parsed: &[ParsedRow]) -> Result<HashMap<PersonKey, Person>, StoreError> {
        let mut by_id: HashMap<String, Person> = HashMap::new();
        let ids: BTreeSet<String> =
            parsed.iter().filter_map(|p| p.person.id_number.as_ref().map(|i| i.as_str().to_owned())).collect();
        for chunk in ids.into_iter().collect::<Vec<_>>().chunks(500) {
            let mut q = query(SELECT);
            let marks = q.bind_list(chunk.iter().cloned());
            q.push_sql(&format!(" and p.id_number in ({marks})"));
            for r in self.db().fetch_all(q).await? {
                let p = person(&r, IdView::Full)?;
                by_id.insert(p.id_number.clone().unwrap_or_default(), p);
            }
        }
        let names: BTreeSet<String> = parsed.iter().map(|p| p.person.name.clone()).collect();
        let mut by_name: HashMap<String, Vec<Person>> = HashMap::new();
        for chunk in names.into_iter().collect::<Vec<_>>().chunks(500) {
            let mut q = query(SELECT);
            let marks = q.bind_list(chunk.iter().cloned());
            q.push_sql(&format!(" and p.name in ({marks}) order by p.person_id"));
            for r in self.db().fetch_all(q).await? {
                let p = person(&r, IdView::Full)?;
                by_name.entry(p.name.clone()).or_default().push(p);
            }
        }
        let mut out = HashMap::new();
        for pr in parsed {
            let key = PersonKey::of(&pr.person);
            if out.contains_key(&key) {
                continue;
            }
            let n = &pr.person;
            let by_id = n.id_number.as_ref().and_then(|i| by_id.get(i.as_str()));
            // Without a match by number: the same name and employer (or, without an
            // employer, the same region) and no number stored.
            let by_name = || {
                by_name.get(&n.name).and_then(|ps| {
                    ps.iter().find(|p| {
                        p.id_number.is_none()
                            && p.organisation_id == n.organisation_id
                            && (n.organisation_id.is_some() || p.region_code == n.region_code.as_str())
                    })
                })
            };
            if let Some(p) = by_id.or_else(by_name) {
                out.insert(key, p.clone());
            }
        }
        Ok(out)
    }

    /// Stored roles having the (kind, reference) of a role in the file.
    async fn roles_by_reference(
        &self,
        parsed: &[ParsedRow],
    ) -> Result<HashMap<(String, String), PersonRoleRecord>, StoreError> {
        let refs: BTreeSet<String> =
            parsed.iter().filter_map(|p| p.role.as_ref().and_then(|r| r.reference().map(str::to_owned))).collect();
        let mut out = HashMap::new();
        for chunk in refs.into_iter().collect::<Vec<_>>().chunks(500) {
            let mut q = query(format!("select {ROLE_COLUMNS} from person_role where reference in ("));
            let marks = q.bind_list(chunk.iter().cloned());
            q.push_sql(&format!("{marks})"));
            for r in self.db().fetch_all(q).await? {
                let r = role_record(&r)?;
                out.insert((r.kind.clone(), r.reference.clone().unwrap_or_default()), r);
            }
        }
        Ok(out)
    }

    async fn write_people(
        &self,
        actor: &Actor,
        parsed: &[ParsedRow],
        existing: &HashMap<PersonKey, Person>,
        taken: &HashMap<(String, String), PersonRoleRecord>,
        report: &mut ImportReport,
    ) -> Result<(), StoreError> {
        let existing_ids: Vec<i64> = existing.values().map(|p| p.person_id).collect();
        let mut stored_roles: HashMap<i64, Vec<PersonRoleRecord>> = HashMap::new();
        for r in self.roles_of(&existing_ids).await? {
            stored_roles.entry(r.person_id).or_default().push(r);
        }
        let mut tx = self.begin().await?;
        let mut audit = Vec::new();
        let mut ids: HashMap<PersonKey, i64> = HashMap::new();
        for pr in parsed {
            let key = PersonKey::of(&pr.person);
            let new = &pr.person;
            let mut status = Status::Unchanged;
            let person_id = match (ids.get(&key), existing.get(&key)) {
                (Some(id), _) => *id,
                (None, Some(p)) => {
                    // An import row without a number keeps the stored one.
                    let mut merged = NewPerson { email: p.email.clone(), phone: p.phone.clone(), ..new.clone() };
                    if merged.id_number.is_none() {
                        merged.id_number = stored_id(p)?;
                    }
                    if new.import_differs_from(p) {
                        update_person_row(&mut tx, p.person_id, &merged, false).await?;
                        let entry = AuditEntry::new("person.update", "person", p.person_id)
                            .region(Some(new.region_code.to_string()))
                            .before(&p.snapshot())
                            .after(&merged.snapshot());
                        audit.push(with_org(entry, new.organisation_id));
                        status = Status::Updated;
                    }
                    ids.insert(key.clone(), p.person_id);
                    p.person_id
                }
                (None, None) => {
                    let id = insert_person(&mut tx, new).await?;
                    let entry = AuditEntry::new("person.create", "person", id)
                        .region(Some(new.region_code.to_string()))
                        .after(&new.snapshot());
                    audit.push(with_org(entry, new.organisation_id));
                    ids.insert(key.clone(), id);
                    status = Status::Inserted;
                    id
                }
            };
            if let Some(role) = &pr.role {
                let found = match role.reference() {
                    Some(reference) => taken.get(&(role.kind().as_str().to_owned(), reference.to_owned())),
                    None => stored_roles.get(&person_id).and_then(|rs| {
                        rs.iter().find(|r| {
                            r.kind == role.kind().as_str() && r.reference.is_none() && r.valid_from == role.valid_from()
                        })
                    }),
                };
                let entry = match found {
                    Some(r) if r.differs_from(role) => {
                        update_role_row(&mut tx, r.person_role_id, role).await?;
                        status = status.max(Status::Updated);
                        Some(AuditEntry::new("person.update_role", "person", person_id).before(r).after(role))
                    }
                    Some(_) => None,
                    None => {
                        insert_role(&mut tx, person_id, role).await?;
                        status = Status::Inserted;
                        Some(AuditEntry::new("person.add_role", "person", person_id).after(role))
                    }
                };
                if let Some(e) = entry {
                    audit.push(with_org(e.region(Some(new.region_code.to_string())), new.organisation_id));
                }
            }
            match status {
                Status::Inserted => report.inserted += 1,
                Status::Updated => report.updated += 1,
                Status::Unchanged => report.unchanged += 1,
            }
        }
        tx.audit_batch(actor, audit).await?;
        tx.commit().await
    }
}

/// What an import row did (the strongest of its person's and its role's change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Unchanged,
    Updated,
    Inserted,
}

/// How an import row names its person: the ID number, else name and employer (name and region
/// without an employer).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PersonKey {
    Id(String),
    NameOrg(String, i64),
    NameRegion(String, String),
}

impl PersonKey {
    fn of(p: &NewPerson) -> PersonKey {
        match (&p.id_number, p.organisation_id) {
            (Some(id), _) => PersonKey::Id(id.as_str().to_owned()),
            (None, Some(org)) => PersonKey::NameOrg(p.name.clone(), org),
            (None, None) => PersonKey::NameRegion(p.name.clone(), p.region_code.to_string()),
        }
    }
}

struct ParsedRow {
    row: TableRow,
    person: NewPerson,
    role: Option<PersonRole>,
}

/// The first person column on which two rows of the same person differ.
fn disagreeing_column(a: &NewPerson, b: &NewPerson) -> Option<&'static str> {
    if a.name != b.name {
        Some("name")
    } else if a.gender != b.gender {
        Some("gender")
    } else if a.birth_year != b.birth_year {
        Some("birth_year")
    } else if a.region_code != b.region_code {
        Some("region_code")
    } else if a.organisation_id != b.organisation_id {
        Some("organisation_uscc")
    } else if a.title != b.title {
        Some("title")
    } else {
        None
    }
}

fn parse_person_columns(
    map: &ColumnMap,
    row: &TableRow,
    region_kind: &HashMap<&str, bool>,
    in_scope: Option<&BTreeSet<String>>,
    usccs: &HashMap<String, (i64, String)>,
    errors: &mut Vec<RowError>,
) -> Option<NewPerson> {
    let before = errors.len();
    let name = map.required(row, "name", errors).map(str::to_owned);
    let nationality = map.get(row, "nationality");
    let id_number = match map.get(row, "id_number") {
        "" => None,
        v if is_masked(v) => {
            errors.push(map.error(row, "id_number", "person.masked_id_number", vec![]));
            None
        }
        v => {
            let parsed = if nationality.is_empty() || is_chinese_nationality(nationality) {
                IdNumber::parse(v)
            } else {
                IdNumber::parse_as(v, IdKind::Foreign)
            };
            parsed.map_err(|e| errors.push(map.error(row, "id_number", e.code(), e.args()))).ok()
        }
    };
    let gender = match map.get(row, "gender") {
        "" => None,
        v => Gender::parse(v).map_err(|e| errors.push(map.error(row, "gender", e.code(), e.args()))).ok(),
    };
    let birth_year = match map.get(row, "birth_year") {
        "" => None,
        v => match v.trim().parse::<i32>().map(check_birth_year) {
            Ok(Ok(y)) => Some(y),
            _ => {
                errors.push(map.error(row, "birth_year", "person.birth_year", vec![("value", v.to_owned())]));
                None
            }
        },
    };
    let region = map.required(row, "region_code", errors).and_then(|v| match RegionCode::parse(v) {
        Err(e) => {
            errors.push(map.error(row, "region_code", e.code(), e.args()));
            None
        }
        Ok(c) if region_kind.get(c.as_str()) != Some(&false) => {
            errors.push(map.error(row, "region_code", "region.unknown", vec![("code", c.to_string())]));
            None
        }
        Ok(c) if in_scope.is_some_and(|s| !s.contains(c.as_str())) => {
            errors.push(map.error(row, "region_code", "import.out_of_scope", vec![("code", c.to_string())]));
            None
        }
        Ok(c) => Some(c),
    });
    let organisation_id = match map.get(row, "organisation_uscc").trim().to_uppercase().as_str() {
        "" => None,
        v => match usccs.get(v).cloned() {
            Some((id, region)) if in_scope.is_none_or(|s| s.contains(&region)) => Some(id),
            _ => {
                errors.push(map.error(
                    row,
                    "organisation_uscc",
                    "person.unknown_organisation",
                    vec![("value", v.to_owned())],
                ));
                None
            }
        },
    };
    let title = Some(map.get(row, "title").to_owned()).filter(|t| !t.is_empty());
    if errors.len() != before {
        return None;
    }
    let (gender, birth_year) = match reconcile_identity(id_number.as_ref(), gender, birth_year) {
        Ok(v) => v,
        Err(e) => {
            errors.push(map.error(row, e.field(), e.code(), e.args()));
            return None;
        }
    };
    Some(NewPerson {
        name: name?.trim().to_owned(),
        id_number,
        gender,
        birth_year,
        region_code: region?,
        organisation_id,
        title,
        email: None,
        phone: None,
    })
}

fn parse_role_columns(map: &ColumnMap, row: &TableRow, errors: &mut Vec<RowError>) -> Option<PersonRole> {
    let kind = match map.get(row, "role_kind") {
        "" => {
            // Without a category the role columns must stay empty.
            for key in ["valid_from", "valid_to", "reference", "fields", "assignment", "nationality"] {
                if !map.get(row, key).is_empty() {
                    errors.push(map.error(
                        row,
                        "role_kind",
                        "import.required",
                        vec![("column", "人员类别".to_owned())],
                    ));
                    return None;
                }
            }
            return None;
        }
        v => match PersonRoleKind::parse(v) {
            Ok(k) => k,
            Err(e) => {
                errors.push(map.error(row, "role_kind", e.code(), e.args()));
                return None;
            }
        },
    };
    let date = |key: &str, errors: &mut Vec<RowError>| map.optional_date(row, key, errors);
    let before = errors.len();
    let valid_from = map.required(row, "valid_from", errors).and_then(|_| date("valid_from", errors));
    let valid_to = date("valid_to", errors);
    if errors.len() != before {
        return None;
    }
    let details = RoleDetails {
        reference: Some(map.get(row, "reference")),
        fields: Some(map.get(row, "fields")),
        assignment: Some(map.get(row, "assignment")),
        nationality: Some(map.get(row, "nationality")),
    };
    match PersonRole::new(kind, valid_from?, valid_to, &details) {
        Ok(r) => Some(r),
        Err(e) => {
            let col = if e.field() == "kind" { "role_kind" } else { e.field() };
            errors.push(map.error(row, col, e.code(), e.args()));
            None
        }
    }
}

fn with_org(mut e: AuditEntry, organisation_id: Option<i64>) -> AuditEntry {
    e.organisation_id = organisation_id;
    e
}

/// The stored number of a person read in full, as a domain value.
fn stored_id(p: &Person) -> Result<Option<IdNumber>, StoreError> {
    match (&p.id_number, p.id_kind.as_deref().and_then(IdKind::parse)) {
        (Some(v), Some(kind)) if !p.id_masked => IdNumber::parse_as(v, kind)
            .map(Some)
            .map_err(|e| StoreError::Decode(format!("person {}: stored ID number: {e}", p.person_id))),
        (None, _) => Ok(None),
        _ => Err(StoreError::Decode(format!("person {}: ID number not read in full", p.person_id))),
    }
}

/// Turns a unique-key violation on the ID number into a field error.
fn id_taken(e: StoreError, new: &NewPerson) -> StoreError {
    match crate::error::on_duplicate(e, "id_number", "") {
        StoreError::Duplicate { .. } => StoreError::invalid(
            "person.id_number_taken",
            vec![("value", new.id_number.as_ref().map(IdNumber::masked).unwrap_or_default())],
            Some("id_number"),
        ),
        other => other,
    }
}

async fn insert_person(tx: &mut Tx, new: &NewPerson) -> Result<i64, StoreError> {
    let row = tx
        .fetch_one(
            query(
                "insert into person (name, id_number, id_kind, gender, birth_year, region_code, organisation_id, \
                 title, email, phone, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) returning person_id",
            )
            .bind(&new.name)
            .bind(new.id_number.as_ref().map(IdNumber::as_str))
            .bind(new.id_number.as_ref().map(|i| i.kind().as_str()))
            .bind(new.gender.map(Gender::as_str))
            .bind(new.birth_year)
            .bind(new.region_code.as_str())
            .bind(new.organisation_id)
            .bind(new.title.clone())
            .bind(new.email.clone())
            .bind(new.phone.clone())
            .bind(now()),
        )
        .await
        .map_err(|e| id_taken(e, new))?;
    row.get("person_id")
}

/// Writes a person's columns; `contact` says whether e-mail and phone are written too (an
/// import does not hold them and keeps the stored ones). Un-retires the person.
async fn update_person_row(tx: &mut Tx, id: i64, new: &NewPerson, contact: bool) -> Result<(), StoreError> {
    tx.execute(
        query(
            "update person set name = $1, id_number = $2, id_kind = $3, gender = $4, birth_year = $5, \
             region_code = $6, organisation_id = $7, title = $8, updated_at = $9, retired_at = null \
             where person_id = $10",
        )
        .bind(&new.name)
        .bind(new.id_number.as_ref().map(IdNumber::as_str))
        .bind(new.id_number.as_ref().map(|i| i.kind().as_str()))
        .bind(new.gender.map(Gender::as_str))
        .bind(new.birth_year)
        .bind(new.region_code.as_str())
        .bind(new.organisation_id)
        .bind(new.title.clone())
        .bind(now())
        .bind(id),
    )
    .await
    .map_err(|e| id_taken(e, new))?;
    if contact {
        tx.execute(
            query("update person set email = $1, phone = $2 where person_id = $3")
                .bind(new.email.clone())
                .bind(new.phone.clone())
                .bind(id),
        )
        .await?;
    }
    Ok(())
}

fn reference_taken(e: StoreError, role: &PersonRole) -> StoreError {
    match crate::error::on_duplicate(e, "reference", "") {
        StoreError::Duplicate { .. } => StoreError::invalid(
            "person.role_reference_taken",
            vec![
                ("kind_zh", role.kind().name_zh().to_owned()),
                ("kind_en", role.kind().name_en().to_owned()),
                ("reference", role.reference().unwrap_or_default().to_owned()),
            ],
            Some("reference"),
        ),
        other => other,
    }
}

async fn insert_role(tx: &mut Tx, person_id: i64, role: &PersonRole) -> Result<i64, StoreError> {
    let row = tx
        .fetch_one(
            query(
                "insert into person_role (person_id, kind, valid_from, valid_to, reference, fields, assignment, \
                 nationality, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning person_role_id",
            )
            .bind(person_id)
            .bind(role.kind().as_str())
            .bind(role.valid_from())
            .bind(role.valid_to())
            .bind(role.reference())
            .bind(role.fields_text())
            .bind(role.assignment())
            .bind(role.nationality())
            .bind(now()),
        )
        .await
        .map_err(|e| reference_taken(e, role))?;
    row.get("person_role_id")
}

async fn update_role_row(tx: &mut Tx, person_role_id: i64, role: &PersonRole) -> Result<(), StoreError> {
    tx.execute(
        query(
            "update person_role set valid_from = $1, valid_to = $2, reference = $3, fields = $4, assignment = $5, \
             nationality = $6, retired_at = null where person_role_id = $7",
        )
        .bind(role.valid_from())
        .bind(role.valid_to())
        .bind(role.reference())
        .bind(role.fields_text())
        .bind(role.assignment())
        .bind(role.nationality())
        .bind(person_role_id),
    )
    .await
    .map_err(|e| reference_taken(e, role))?;
    Ok(())
}

/// Writes people back into the template's layout, one row per role (a person without roles
/// takes one row with the role columns empty). ID numbers appear as the people were read: an
/// export read with [`IdView::Masked`] holds masked numbers (and such a file is refused on
/// import, naming the cells), one read with [`IdView::Full`] re-imports unchanged.
pub fn person_rows(items: &[(Person, Vec<PersonRoleRecord>)]) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = PERSON_COLUMNS.iter().map(|c| c.zh.to_owned()).collect();
    let mut rows = Vec::new();
    for (p, roles) in items {
        let person_cells = vec![
            p.name.clone(),
            p.id_number.clone().unwrap_or_default(),
            p.gender.as_deref().and_then(|g| Gender::parse(g).ok()).map(|g| g.name_zh().to_owned()).unwrap_or_default(),
            p.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            p.region_code.clone(),
            p.organisation_uscc.clone().unwrap_or_default(),
            p.title.clone().unwrap_or_default(),
        ];
        if roles.is_empty() {
            let mut r = person_cells.clone();
            r.extend(std::iter::repeat_n(String::new(), 7));
            rows.push(r);
        }
        for role in roles {
            let mut r = person_cells.clone();
            r.extend([
                PersonRoleKind::parse(&role.kind).map_or_else(|_| role.kind.clone(), |k| k.name_zh().to_owned()),
                role.valid_from.to_string(),
                role.valid_to.map(|d| d.to_string()).unwrap_or_default(),
                role.reference.clone().unwrap_or_default(),
                role.fields.clone().unwrap_or_default(),
                role.assignment.clone().unwrap_or_default(),
                role.nationality.clone().unwrap_or_default(),
            ]);
            rows.push(r);
        }
    }
    (headers, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_view_hides_the_number() {
        assert_eq!(IdView::Masked.show(Some("11010519491231002X".into())).unwrap(), "110*************2X");
        assert_eq!(IdView::Full.show(Some("11010519491231002X".into())).unwrap(), "11010519491231002X");
        assert_eq!(IdView::Masked.show(None), None);
    }

    #[test]
    fn chinese_nationality_in_its_common_spellings() {
        for s in ["中国", "China", "CHN", " cn "] {
            assert!(is_chinese_nationality(s), "{s}");
        }
        assert!(!is_chinese_nationality("德国"));
    }

    #[test]
    fn the_template_has_the_fourteen_columns_in_order() {
        let zh: Vec<&str> = PERSON_COLUMNS.iter().map(|c| c.zh).collect();
        assert_eq!(
            zh,
            [
                "姓名",
                "证件号码",
                "性别",
                "出生年份",
                "所在区划代码",
                "工作单位统一社会信用代码",
                "职称",
                "人员类别",
                "类别起始日期",
                "类别截止日期",
                "文号或证件编号",
                "专业领域",
                "服务对象",
                "国籍"
            ]
        );
    }
}

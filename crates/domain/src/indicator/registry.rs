//! Registry aggregates for indicator formulas: `count(org where tier = "hte" valid_at
//! period_end)`, `sum(contract.amount)`, `count(platform where level = "national")`.
//!
//! The store loads a [`Snapshot`] (the few columns of each registry that formulas may filter
//! on); [`Snapshot::aggregate`] answers a [`RegistryQuery`] for every region at once, and
//! [`Snapshot::matching`] lists the records behind one region's figure (drill-down). Pure, so
//! the counts and the drill-down cannot disagree.
//!
//! # What a record counts for
//!
//! - **Where**: a record counts in its region (an organisation's region, a contract's seller's
//!   region, a loan's borrower's region, a platform's region) and in every administrative
//!   ancestor of that region *as the tree stood in the period's year*; a record of a firm in a
//!   park also counts in that park (and in parks above it), never twice in a city's total.
//! - **When**, by entity:
//!   - `org`: exists (not retired); a `tier = X` filter asks for a tier of kind X valid at
//!     the period's end (`valid_at period_start`: at its start; `valid_at period`: at any time
//!     during it; `valid_at started`: a tier that began within the period);
//!   - `person`: a `role = X` filter, with the same `valid_at` choices as tiers;
//!   - `platform`: approved on or before the period's end (or with no approval date) and not
//!     revoked — the stock, as the platform registry counts it; with `valid_at started`,
//!     approved within the period;
//!   - `ip`: granted on or before the period's end and not expired at it;
//!   - `award`: awarded in a year within the period; `contract`: registered within the period;
//!     `loan`: started within the period (flows);
//!   - `application` (to a call, with the call's `level` and `kind`): submitted within the
//!     period (its day in Beijing time), whatever `valid_at` says: a flow. A draft never
//!     submitted counts nowhere; its `status` is the current one (`withdrawn`, `approved`, …);
//!   - `project` (with its call's `level` and `kind`): with `valid_at started`, approved within
//!     the period; otherwise running (start to planned end, extensions included) at the
//!     period's end, start, or any time during it (`valid_at period`, the default), like a
//!     tier. `sum(project.amount)` is the granted amount, in yuan.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use crate::period::Period;

/// A registry formulas may aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Org,
    Person,
    Platform,
    Ip,
    Award,
    Contract,
    Loan,
    Application,
    Project,
}

impl Entity {
    pub const ALL: [Entity; 9] = [
        Entity::Org,
        Entity::Person,
        Entity::Platform,
        Entity::Ip,
        Entity::Award,
        Entity::Contract,
        Entity::Loan,
        Entity::Application,
        Entity::Project,
    ];

    /// The name used in formulas.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Org => "org",
            Entity::Person => "person",
            Entity::Platform => "platform",
            Entity::Ip => "ip",
            Entity::Award => "award",
            Entity::Contract => "contract",
            Entity::Loan => "loan",
            Entity::Application => "application",
            Entity::Project => "project",
        }
    }

    /// Parses the name used in formulas (`organisation` is accepted for `org`).
    #[must_use]
    pub fn parse(text: &str) -> Option<Entity> {
        match text {
            "organisation" => Some(Entity::Org),
            _ => Entity::ALL.into_iter().find(|e| e.as_str() == text),
        }
    }

    /// The fields a filter may name (besides the dated `tier` / `role`).
    #[must_use]
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Entity::Org => &["kind", "industry", "tier"],
            Entity::Person => &["role"],
            Entity::Platform => &["kind", "level", "status"],
            Entity::Ip | Entity::Contract => &["kind"],
            Entity::Award => &["category", "level", "grade"],
            Entity::Loan => &["scheme", "status"],
            Entity::Application | Entity::Project => &["level", "kind", "status"],
        }
    }

    /// The dated field of the entity (`tier`, `role`), if it has one.
    #[must_use]
    pub fn dated_field(self) -> Option<&'static str> {
        match self {
            Entity::Org => Some("tier"),
            Entity::Person => Some("role"),
            _ => None,
        }
    }

    /// Whether `sum(entity.amount)` is meaningful.
    #[must_use]
    pub fn has_amount(self) -> bool {
        matches!(self, Entity::Contract | Entity::Loan | Entity::Project)
    }
}

/// When a dated field (`tier`, `role`) must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidAt {
    PeriodEnd,
    PeriodStart,
    /// At any time during the period.
    Period,
    /// Began within the period.
    Started,
}

/// The aggregate of a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    Count,
    /// The sum of the amounts, in yuan (exact: fen ÷ 100).
    SumAmount,
}

/// One `field = value` (or `!=`) condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Filter {
    pub field: String,
    pub equal: bool,
    pub value: String,
}

/// A registry aggregate as a formula names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryQuery {
    pub entity: Entity,
    pub aggregate: Aggregate,
    pub filters: Vec<Filter>,
    pub valid_at: ValidAt,
}

/// A dated membership of a record: a tier or a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub kind: String,
    pub from: Date,
    pub to: Option<Date>,
}

/// One registry record, reduced to what formulas may ask about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: i64,
    /// The region it counts in.
    pub region: String,
    /// The park it counts in, if any.
    pub park: Option<String>,
    /// Filterable fields (`kind`, `level`, …).
    pub attrs: Vec<(&'static str, String)>,
    /// The record's date: approval (platform, project), grant (ip), registration (contract),
    /// start (loan), 1 January of the award year (award), submission (application).
    pub date: Option<Date>,
    /// Expiry (ip).
    pub until: Option<Date>,
    /// Amount in fen (contract, loan; project: granted).
    pub amount_fen: Option<i64>,
    /// Tiers (org), roles (person), or the run from start to planned end (project: one span
    /// of kind [`PROJECT_RUN`]).
    pub spans: Vec<Span>,
}

impl Record {
    fn attr(&self, field: &str) -> Option<&str> {
        self.attrs.iter().find(|(f, _)| *f == field).map(|(_, v)| v.as_str())
    }
}

/// The kind of a project's one span: its run from start to planned end.
pub const PROJECT_RUN: &str = "run";

/// The registries, as formulas see them.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub records: HashMap<Entity, Vec<Record>>,
}

/// Where each region hangs in one year: its administrative parent and, for a park, its
/// parent park (if any).
#[derive(Debug, Clone, Default)]
pub struct Placement {
    pub parent: HashMap<String, String>,
    pub park_parent: HashMap<String, String>,
}

impl Placement {
    /// The region itself and its administrative ancestors.
    fn ancestors<'a>(&'a self, region: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let mut next = Some(region);
        let mut steps = 0;
        std::iter::from_fn(move || {
            let current = next?;
            steps += 1;
            // The tree is acyclic by construction; the bound only guards against bad input.
            next = if steps > 64 { None } else { self.parent.get(current).map(String::as_str) };
            Some(current)
        })
    }

    fn park_chain<'a>(&'a self, park: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let mut next = Some(park);
        let mut steps = 0;
        std::iter::from_fn(move || {
            let current = next?;
            steps += 1;
            next = if steps > 64 { None } else { self.park_parent.get(current).map(String::as_str) };
            Some(current)
        })
    }

    /// Every region a record placed in `region` / `park` counts in.
    pub fn counted_in<'a>(&'a self, region: &'a str, park: Option<&'a str>) -> impl Iterator<Item = &'a str> + 'a {
        self.ancestors(region).chain(park.into_iter().flat_map(|p| self.park_chain(p)))
    }
}

fn span_holds(span: &Span, valid_at: ValidAt, period: Period) -> bool {
    let (start, end) = (period.start_date(), period.end_date());
    let covers = |d: Date| span.from <= d && span.to.is_none_or(|to| to >= d);
    match valid_at {
        ValidAt::PeriodEnd => covers(end),
        ValidAt::PeriodStart => covers(start),
        ValidAt::Period => span.from <= end && span.to.is_none_or(|to| to >= start),
        ValidAt::Started => start <= span.from && span.from <= end,
    }
}

/// Whether a record passes a query's filters and its time rule in `period`.
#[must_use]
pub fn matches(query: &RegistryQuery, record: &Record, period: Period) -> bool {
    let (start, end) = (period.start_date(), period.end_date());
    let in_time = match query.entity {
        Entity::Org | Entity::Person => true,
        Entity::Platform if query.valid_at == ValidAt::Started => {
            record.date.is_some_and(|d| start <= d && d <= end) && record.attr("status").is_none_or(|s| s != "revoked")
        }
        Entity::Platform => {
            record.date.is_none_or(|d| d <= end) && record.attr("status").is_none_or(|s| s != "revoked")
        }
        Entity::Ip => record.date.is_some_and(|d| d <= end) && record.until.is_none_or(|u| u >= end),
        Entity::Award | Entity::Contract | Entity::Loan | Entity::Application => {
            record.date.is_some_and(|d| start <= d && d <= end)
        }
        Entity::Project if query.valid_at == ValidAt::Started => record.date.is_some_and(|d| start <= d && d <= end),
        Entity::Project => record.spans.iter().any(|s| s.kind == PROJECT_RUN && span_holds(s, query.valid_at, period)),
    };
    if !in_time {
        return false;
    }
    let dated = query.entity.dated_field();
    query.filters.iter().all(|f| {
        let ok = if Some(f.field.as_str()) == dated {
            record.spans.iter().any(|s| s.kind == f.value && span_holds(s, query.valid_at, period))
        } else {
            record.attr(&f.field) == Some(f.value.as_str())
        };
        ok == f.equal
    })
}

impl Snapshot {
    /// The query's value in `period` for every region that has at least one matching record,
    /// placed by `placement` (the tree of the period's year). Counts are whole numbers;
    /// sums are yuan. A region absent from the result has 0 (the registry is complete for
    /// what it holds: no record is a true zero, not missing data).
    #[must_use]
    pub fn aggregate(&self, query: &RegistryQuery, period: Period, placement: &Placement) -> HashMap<String, f64> {
        let mut fen: HashMap<String, i128> = HashMap::new();
        for record in self.records.get(&query.entity).map_or(&[][..], Vec::as_slice) {
            if !matches(query, record, period) {
                continue;
            }
            let add = match query.aggregate {
                Aggregate::Count => 1,
                Aggregate::SumAmount => i128::from(record.amount_fen.unwrap_or(0)),
            };
            for region in placement.counted_in(&record.region, record.park.as_deref()) {
                *fen.entry(region.to_owned()).or_default() += add;
            }
        }
        fen.into_iter()
            .map(|(region, v)| {
                #[allow(clippy::cast_precision_loss)] // counts and fen sums stay far below 2^53
                let value = match query.aggregate {
                    Aggregate::Count => v as f64,
                    Aggregate::SumAmount => v as f64 / 100.0,
                };
                (region, value)
            })
            .collect()
    }

    /// The ids of the records behind `region`'s value of the query in `period`.
    #[must_use]
    pub fn matching(&self, query: &RegistryQuery, period: Period, placement: &Placement, region: &str) -> Vec<i64> {
        self.records
            .get(&query.entity)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|r| matches(query, r, period))
            .filter(|r| placement.counted_in(&r.region, r.park.as_deref()).any(|x| x == region))
            .map(|r| r.id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn org(id: i64, region: &str, park: Option<&str>, tiers: &[(&str, Date, Option<Date>)]) -> Record {
        Record {
            id,
            region: region.into(),
            park: park.map(Into::into),
            attrs: vec![("kind", "enterprise".into())],
            date: None,
            until: None,
            amount_fen: None,
            spans: tiers.iter().map(|(k, f, t)| Span { kind: (*k).into(), from: *f, to: *t }).collect(),
        }
    }

    fn placement() -> Placement {
        let mut p = Placement::default();
        for d in ["430202", "430211"] {
            p.parent.insert(d.into(), "430200".into());
        }
        p.park_parent.insert("P43002".into(), "P43001".into());
        p
    }

    fn hte() -> RegistryQuery {
        RegistryQuery {
            entity: Entity::Org,
            aggregate: Aggregate::Count,
            filters: vec![Filter { field: "tier".into(), equal: true, value: "hte".into() }],
            valid_at: ValidAt::PeriodEnd,
        }
    }

    #[test]
    fn tiers_count_at_the_period_end_and_parks_once() {
        let snap = Snapshot {
            records: HashMap::from([(
                Entity::Org,
                vec![
                    org(1, "430202", None, &[("hte", date!(2019 - 11 - 01), Some(date!(2022 - 10 - 31)))]),
                    org(2, "430211", Some("P43001"), &[("hte", date!(2021 - 12 - 31), None)]),
                    org(3, "430211", Some("P43002"), &[("hte", date!(2022 - 01 - 01), None)]),
                    org(4, "430211", None, &[("tech_sme", date!(2021 - 01 - 01), Some(date!(2021 - 12 - 31)))]),
                ],
            )]),
        };
        let y2021 = Period::parse("2021").unwrap();
        let counts = snap.aggregate(&hte(), y2021, &placement());
        assert_eq!(counts.get("430200"), Some(&2.0));
        assert_eq!(counts.get("430211"), Some(&1.0));
        assert_eq!(counts.get("P43001"), Some(&1.0));
        assert_eq!(counts.get("P43002"), None);
        let counts = snap.aggregate(&hte(), Period::parse("2022").unwrap(), &placement());
        // Certificate 1 expired on 2022-10-31; 2 and 3 valid; park P43002 counts in P43001 too.
        assert_eq!(counts.get("430200"), Some(&2.0));
        assert_eq!(counts.get("P43001"), Some(&2.0));
        assert_eq!(snap.matching(&hte(), y2021, &placement(), "430200"), vec![1, 2]);
        // Not-equal filters invert.
        let mut q = hte();
        q.filters[0].equal = false;
        assert_eq!(snap.aggregate(&q, y2021, &placement()).get("430200"), Some(&2.0));
        // Started within the period.
        let mut q = hte();
        q.valid_at = ValidAt::Started;
        assert_eq!(snap.matching(&q, y2021, &placement(), "430200"), vec![2]);
    }

    #[test]
    fn flows_count_within_the_period_and_sum_exactly() {
        let contract = |id, d: Date, fen| Record {
            id,
            region: "430202".into(),
            park: None,
            attrs: vec![("kind", "transfer".into())],
            date: Some(d),
            until: None,
            amount_fen: Some(fen),
            spans: vec![],
        };
        let snap = Snapshot {
            records: HashMap::from([(
                Entity::Contract,
                vec![
                    contract(1, date!(2021 - 01 - 01), 10),
                    contract(2, date!(2021 - 12 - 31), 20),
                    contract(3, date!(2022 - 01 - 01), 40),
                ],
            )]),
        };
        let q = RegistryQuery {
            entity: Entity::Contract,
            aggregate: Aggregate::SumAmount,
            filters: vec![],
            valid_at: ValidAt::PeriodEnd,
        };
        let y = snap.aggregate(&q, Period::parse("2021").unwrap(), &placement());
        assert_eq!(y.get("430200"), Some(&0.30));
        let m = snap.aggregate(&q, Period::parse("2021-12").unwrap(), &placement());
        assert_eq!(m.get("430202"), Some(&0.20));
    }

    #[test]
    fn applications_count_when_submitted_and_projects_when_approved_or_running() {
        let application = |id, level: &str, status: &str, submitted: Option<Date>| Record {
            id,
            region: "430202".into(),
            park: None,
            attrs: vec![("level", level.into()), ("kind", "ordinary".into()), ("status", status.into())],
            date: submitted,
            until: None,
            amount_fen: None,
            spans: vec![],
        };
        let project = |id, level: &str, approved: Date, run: (Date, Date), fen| Record {
            id,
            region: "430211".into(),
            park: Some("P43001".into()),
            attrs: vec![("level", level.into()), ("kind", "ordinary".into()), ("status", "in_progress".into())],
            date: Some(approved),
            until: None,
            amount_fen: Some(fen),
            spans: vec![Span { kind: PROJECT_RUN.into(), from: run.0, to: Some(run.1) }],
        };
        let snap = Snapshot {
            records: HashMap::from([
                (
                    Entity::Application,
                    vec![
                        application(1, "provincial", "approved", Some(date!(2021 - 03 - 01))),
                        application(2, "provincial", "withdrawn", Some(date!(2021 - 12 - 31))),
                        application(3, "national", "rejected", Some(date!(2022 - 01 - 01))),
                        application(4, "municipal", "submitted", Some(date!(2021 - 05 - 01))),
                        application(5, "provincial", "draft", None),
                    ],
                ),
                (
                    Entity::Project,
                    vec![
                        project(
                            1,
                            "national",
                            date!(2021 - 11 - 30),
                            (date!(2022 - 01 - 01), date!(2024 - 12 - 31)),
                            300_000_000,
                        ),
                        project(
                            2,
                            "municipal",
                            date!(2021 - 06 - 15),
                            (date!(2021 - 07 - 01), date!(2023 - 06 - 30)),
                            50_000_000,
                        ),
                        project(
                            3,
                            "provincial",
                            date!(2020 - 11 - 30),
                            (date!(2021 - 01 - 01), date!(2021 - 06 - 30)),
                            10_000_000,
                        ),
                    ],
                ),
            ]),
        };
        let y2021 = Period::parse("2021").unwrap();
        let query = |entity, aggregate, filters: &[(&str, bool, &str)], valid_at| RegistryQuery {
            entity,
            aggregate,
            filters: filters
                .iter()
                .map(|(f, equal, v)| Filter { field: (*f).into(), equal: *equal, value: (*v).into() })
                .collect(),
            valid_at,
        };
        // Submitted in 2021, to a provincial call, not withdrawn: 1 (2 is withdrawn, 3 is of 2022,
        // 4 municipal, 5 never submitted), whatever valid_at says.
        for valid_at in [ValidAt::Started, ValidAt::PeriodEnd, ValidAt::Period] {
            let q = query(
                Entity::Application,
                Aggregate::Count,
                &[("level", true, "provincial"), ("status", false, "withdrawn"), ("status", false, "draft")],
                valid_at,
            );
            assert_eq!(snap.matching(&q, y2021, &placement(), "430200"), vec![1]);
        }
        // Approved in 2021: 1 and 2; their granted amounts in yuan; parks counted once.
        let q = query(Entity::Project, Aggregate::SumAmount, &[], ValidAt::Started);
        let sums = snap.aggregate(&q, y2021, &placement());
        assert_eq!(sums.get("430200"), Some(&3_500_000.0));
        assert_eq!(sums.get("P43001"), Some(&3_500_000.0));
        let q = query(Entity::Project, Aggregate::Count, &[("level", false, "municipal")], ValidAt::Started);
        assert_eq!(snap.matching(&q, y2021, &placement(), "430200"), vec![1]);
        // Running: at the end of 2021, 2 (1 starts in 2022, 3 ended in June); during 2021, 2 and 3.
        let q = query(Entity::Project, Aggregate::Count, &[], ValidAt::PeriodEnd);
        assert_eq!(snap.matching(&q, y2021, &placement(), "430200"), vec![2]);
        let q = query(Entity::Project, Aggregate::Count, &[], ValidAt::Period);
        assert_eq!(snap.matching(&q, y2021, &placement(), "430200"), vec![2, 3]);
    }
}

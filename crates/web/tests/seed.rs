//! The demo data reproduces every registry-countable figure of the 2021 review when counted
//! from its records (`demo/seed-facts.csv`, a copy of `shared/seed/seed-facts.csv`).

mod common;

use std::collections::HashMap;

use gaodi_domain::access::Scope;
use gaodi_domain::activity::{AwardGrade, LoanStatus};
use gaodi_domain::money::{Money, Unit};
use gaodi_domain::person::PersonRoleKind;
use gaodi_domain::region::{zhuzhou_seed, RegionCode};
use gaodi_domain::registry::{Level, PlatformKind, TierKind};
use gaodi_store::activity::{ContractFilter, LoanFilter};
use gaodi_store::person::{IdView, PersonFilter};
use gaodi_store::platform::PlatformFilter;
use gaodi_store::{Actor, Store};
use time::macros::date;

/// (value, comparator) of each fact id.
fn seed_facts() -> HashMap<String, (String, String, String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/seed-facts.csv");
    let text = std::fs::read_to_string(path).expect("demo/seed-facts.csv");
    let mut out = HashMap::new();
    for line in text.lines().skip(1) {
        // Quotes in the CSV never contain the first ten commas' worth of fields we read.
        let f: Vec<&str> = line.splitn(12, ',').collect();
        out.insert(f[0].to_owned(), (f[4].to_owned(), f[6].to_owned(), f[7].to_owned(), f[9].to_owned()));
    }
    out
}

fn meets(actual: f64, value: &str, comparator: &str) -> bool {
    let v: f64 = value.parse().expect("numeric seed value");
    match comparator {
        ">" => actual > v,
        ">=" => actual >= v,
        "=" => (actual - v).abs() < 1e-9,
        other => panic!("comparator {other}"),
    }
}

async fn count_tier(store: &Store, kind: TierKind, region: &str, day: time::Date) -> i64 {
    let scope = if region == "430200" {
        Scope::All
    } else {
        Scope::Regions { regions: vec![RegionCode::parse(region).unwrap()] }
    };
    store.count_tier_holders(&scope, kind, day).await.unwrap().iter().map(|(_, n)| n).sum()
}

async fn count_platforms(store: &Store, f: PlatformFilter) -> i64 {
    store.list_platforms(&Scope::All, &f, 1, 1).await.unwrap().total
}

/// People holding a role of this kind on a day.
async fn count_role(store: &Store, kind: PersonRoleKind, day: time::Date) -> i64 {
    let counts = store.count_people_by_role(&Scope::All, day).await.unwrap();
    counts.into_iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| n)
}

#[tokio::test]
async fn demo_reproduces_the_seed_figures() {
    let store = Store::open(&common::fresh_database_url().await).await.unwrap();
    let actor = Actor::system("test");
    let (regions, memberships) = zhuzhou_seed();
    store.load_regions(&actor, &regions, &memberships).await.unwrap();
    gaodi_demo::load(&store, &actor).await.unwrap();

    let end21 = date!(2021 - 12 - 31);
    let hte21 = count_tier(&store, TierKind::Hte, "430200", end21).await;
    let hte20 = count_tier(&store, TierKind::Hte, "430200", date!(2020 - 12 - 31)).await;
    let growth = (hte21 - hte20) as f64 * 100.0 / hte20 as f64;
    let liling = Some(RegionCode::parse("430281").unwrap());
    let by_year = |y: i32| PlatformFilter {
        approved_by: time::Date::from_calendar_date(y, time::Month::December, 31).ok(),
        ..PlatformFilter::default()
    };
    let mut measured: Vec<(&str, f64)> = vec![
        ("F028", hte21 as f64),
        ("F029", (growth * 10.0).round() / 10.0),
        ("F037", count_tier(&store, TierKind::Hte, "430212", end21).await as f64),
        ("F038", count_tier(&store, TierKind::TechSme, "430212", end21).await as f64),
        ("F033", count_tier(&store, TierKind::RdReserveFiling, "430200", end21).await as f64),
        ("F094", count_tier(&store, TierKind::SingleChampion, "430281", end21).await as f64),
        ("F025", count_platforms(&store, by_year(2021)).await as f64),
        (
            "F026",
            count_platforms(&store, PlatformFilter { level: Some(Level::National), ..by_year(2021) }).await as f64,
        ),
        (
            "F027",
            count_platforms(&store, PlatformFilter { level: Some(Level::Provincial), ..by_year(2021) }).await as f64,
        ),
        (
            "F098",
            count_platforms(
                &store,
                PlatformFilter { level: Some(Level::National), region: liling.clone(), ..by_year(2021) },
            )
            .await as f64,
        ),
        (
            "F099",
            count_platforms(&store, PlatformFilter { level: Some(Level::Provincial), region: liling, ..by_year(2021) })
                .await as f64,
        ),
    ];
    // Accepted national key labs, and new-type R&D institutions approved in 2021.
    let labs = store
        .list_platforms(&Scope::All, &PlatformFilter { kind: Some(PlatformKind::StateKeyLab), ..by_year(2021) }, 1, 500)
        .await
        .unwrap()
        .items;
    measured.push(("F023", labs.iter().filter(|p| p.status == "accepted").count() as f64));
    let nri = store
        .list_platforms(
            &Scope::All,
            &PlatformFilter {
                kind: Some(PlatformKind::NewRdInstitution),
                level: Some(Level::Provincial),
                ..by_year(2021)
            },
            1,
            500,
        )
        .await
        .unwrap()
        .items;
    measured.push(("F030", nri.iter().filter(|p| p.approved_on.is_some_and(|d| d.year() == 2021)).count() as f64));

    // People: talents, experts and the expert service team on the last day of 2021.
    for (id, kind) in [
        ("F041", PersonRoleKind::LeadingTalent),
        ("F042", PersonRoleKind::DualAppointedTalent),
        ("F043", PersonRoleKind::IndustryLeadingExpert),
        ("F045", PersonRoleKind::ExpertServiceTeam),
        ("F048", PersonRoleKind::ForeignExpert),
    ] {
        measured.push((id, count_role(&store, kind, end21).await as f64));
    }
    // Commissioners serving at any time in 2021; work permits (foreign_expert roles) issued in 2021.
    let everyone = store.list_people_with_roles(&Scope::All, &PersonFilter::default(), IdView::Masked).await.unwrap();
    let start21 = date!(2021 - 01 - 01);
    let commissioners = everyone
        .iter()
        .filter(|(_, roles)| {
            roles.iter().any(|r| {
                r.kind == PersonRoleKind::Commissioner.as_str()
                    && r.valid_from <= end21
                    && r.valid_to.is_none_or(|to| to >= start21)
            })
        })
        .count();
    measured.push(("F044", commissioners as f64));
    let permits = everyone
        .iter()
        .flat_map(|(_, roles)| roles)
        .filter(|r| r.kind == PersonRoleKind::ForeignExpert.as_str() && r.valid_from.year() == 2021)
        .count();
    measured.push(("F046", permits as f64));

    // Awards of 2021 by level and grade.
    let awards = store.award_counts(&Scope::All, 2021).await.unwrap();
    let awarded = |level: Level, grade: Option<AwardGrade>| -> f64 {
        awards.iter().filter(|((l, g), _)| *l == level && grade.is_none_or(|x| x == *g)).map(|(_, n)| *n).sum::<i64>()
            as f64
    };
    measured.push(("F007", awarded(Level::National, None)));
    measured.push(("F008", awarded(Level::Provincial, None)));
    measured.push(("F009", awarded(Level::Provincial, Some(AwardGrade::First))));
    measured.push(("F010", awarded(Level::Provincial, Some(AwardGrade::Second))));

    // Technology contracts registered in 2021 with the seller in 醴陵市.
    let liling_2021 = ContractFilter {
        region: Some(RegionCode::parse("430281").unwrap()),
        year: Some(2021),
        ..ContractFilter::default()
    };
    measured.push(("F089", store.list_contracts_page(&Scope::All, &liling_2021, 1, 1).await.unwrap().total as f64));

    // Projects, counted by the indicator engine from the project registry (no fact for 2021):
    // the 602 applications of F019, and the demo's 98 approvals and 52,000 万元 of 2021.
    let inputs = store.indicator_inputs(&Scope::All).await.unwrap();
    let (engine, errors) = gaodi_domain::indicator::engine::Engine::new(&inputs);
    assert!(errors.is_empty(), "{errors:?}");
    let y2021 = gaodi_domain::period::Period::parse("2021").unwrap();
    let computed = |code: &str| {
        let cell = engine.cell(code, "430200", y2021);
        cell.value.unwrap_or_else(|| panic!("{code}: {:?}", cell.no_value)).parse::<f64>().unwrap()
    };
    assert!(
        inputs.facts.iter().all(|f| !(f.measure == "prov_plus_project_applications" && f.period == y2021)),
        "counted, not reported"
    );
    measured.push(("F019", computed("prov_plus_project_applications")));
    assert_eq!(computed("natl_prov_projects_approved"), 98.0);
    assert_eq!(computed("project_funding"), 52_000.0);

    let facts = seed_facts();
    let mut failures = Vec::new();
    for (id, actual) in &measured {
        let (code, year, value, comparator) = &facts[*id];
        let listed = gaodi_demo::SEED_COUNTS.iter().find(|s| s.fact_id == *id).expect("every checked figure is listed");
        assert_eq!(listed.indicator_code, code, "{id}");
        assert_eq!(listed.year.to_string(), *year, "{id}");
        if !meets(*actual, value, comparator) {
            failures.push(format!("{id} {code}: counted {actual}, seed says {comparator} {value}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(measured.len(), gaodi_demo::SEED_COUNTS.len(), "every listed figure is checked");

    // Not a figure of the article: the 2021 contract turnover is the public baseline B25 of
    // `shared/seed/baseline-public.csv` (206.2亿元), exactly, for the indicators to build on.
    let turnover: Money = store.contract_turnover(&Scope::All, 2021).await.unwrap().into_values().sum();
    assert_eq!(turnover, Money::parse_unit("206.2", Unit::YiYuan).unwrap());
    // Defaults and compensations went through the loan events.
    for status in [LoanStatus::Defaulted, LoanStatus::Compensated] {
        let f = LoanFilter { status: Some(status), ..LoanFilter::default() };
        let loans = store.list_loans_filtered(&Scope::All, &f).await.unwrap();
        assert!(!loans.is_empty(), "{status}");
        for l in loans {
            assert!(!store.loan_events(&Scope::All, l.loan_id).await.unwrap().is_empty(), "{}", l.contract_no);
        }
    }

    // Loading again changes nothing.
    let summary = gaodi_demo::load(&store, &actor).await.unwrap();
    for r in summary.reports {
        assert_eq!((r.inserted, r.updated), (0, 0), "{}", r.kind);
    }
}

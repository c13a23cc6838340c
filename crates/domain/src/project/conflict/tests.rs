use std::fmt;

use proptest::prelude::*;
use time::{Date, Month};

use super::*;

fn day(year: i32, month: u8, d: u8) -> Date {
    Date::from_calendar_date(year, Month::try_from(month).unwrap(), d).unwrap()
}

const APPLICANT: i64 = 1;
const PARTNER: i64 = 2;
const LEAD: i64 = 501;
const MEMBER: i64 = 502;

/// Detection date and window used by most tests.
fn on() -> Date {
    day(2025, 6, 30)
}
const WINDOW: u32 = 3;

fn application() -> ApplicationFacts {
    ApplicationFacts {
        application_id: 100,
        organisation_id: APPLICANT,
        organisation_name: "Hunan Gear Works".into(),
        partner_organisations: vec![(PARTNER, "Zhuzhou Rail Institute".into())],
        people: vec![(LEAD, "Li Ming".into()), (MEMBER, "Wang Fang".into())],
    }
}

fn span(organisation_id: i64, from: Date, to: Option<Date>) -> Span {
    Span {
        organisation_id,
        organisation_name: format!("organisation {organisation_id}"),
        valid_from: from,
        valid_to: to,
    }
}

fn link(kind: ConflictKind, organisation_id: Option<i64>, person_id: Option<i64>, note: &str) -> Link {
    Link { kind, person_id, organisation_id, note: note.into() }
}

fn expert(affiliations: Vec<Span>, links: Vec<Link>) -> ExpertFacts {
    ExpertFacts { person_id: 900, name: "Zhang Wei".into(), affiliations, links }
}

fn detect_one(e: &ExpertFacts) -> Vec<Conflict> {
    detect(e, &application(), on(), WINDOW)
}

/// The only conflict of `e` with the application.
fn only(e: &ExpertFacts) -> Conflict {
    let mut found = detect_one(e);
    assert_eq!(found.len(), 1, "{found:#?}");
    found.pop().unwrap()
}

fn arg<'a>(c: &'a Conflict, name: &str) -> &'a str {
    c.args.iter().find(|(n, _)| n == name).map_or_else(|| panic!("no arg {name} in {c:?}"), |(_, v)| v.as_str())
}

// --- kinds ---------------------------------------------------------------------------------

#[test]
fn kind_codes_names_and_parse_round_trip() {
    for kind in ConflictKind::ALL {
        assert_eq!(ConflictKind::parse(kind.as_str()), Some(kind));
        assert_eq!(ConflictKind::parse(&format!(" {} ", kind.name_zh())), Some(kind));
        assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.as_str()));
    }
    assert_eq!(ConflictKind::parse("institutional"), None);
}

// --- each kind -----------------------------------------------------------------------------

#[test]
fn a_current_affiliation_at_the_applicant_is_same_organisation() {
    let c = only(&expert(vec![span(APPLICANT, day(2019, 3, 1), None)], vec![]));
    assert_eq!(c.kind, ConflictKind::SameOrganisation);
    assert_eq!((c.expert, c.application), (900, 100));
    assert_eq!((c.organisation_id, c.person_id), (Some(APPLICANT), None));
    assert_eq!((c.since, c.until), (Some(day(2019, 3, 1)), None));
    assert_eq!(c.code, "conflict.same_organisation");
    assert_eq!(explain_en(&c), "Zhang Wei works at Hunan Gear Works (since 2019-03-01), the applicant.");
}

#[test]
fn a_current_affiliation_at_a_partner_is_same_organisation_with_the_partner_text() {
    let c = only(&expert(vec![span(PARTNER, day(2020, 1, 1), Some(day(2026, 12, 31)))], vec![]));
    assert_eq!(c.kind, ConflictKind::SameOrganisation);
    assert_eq!(c.organisation_id, Some(PARTNER));
    assert_eq!((c.since, c.until), (Some(day(2020, 1, 1)), Some(day(2026, 12, 31))));
    assert_eq!(c.code, "conflict.same_organisation_partner");
    assert_eq!(arg(&c, "organisation"), "Zhuzhou Rail Institute");
}

#[test]
fn an_affiliation_ending_or_starting_on_the_day_is_current() {
    let ends_today = only(&expert(vec![span(APPLICANT, day(2010, 1, 1), Some(on()))], vec![]));
    assert_eq!(ends_today.kind, ConflictKind::SameOrganisation);
    let starts_today = only(&expert(vec![span(APPLICANT, on(), None)], vec![]));
    assert_eq!(starts_today.kind, ConflictKind::SameOrganisation);
}

#[test]
fn a_future_affiliation_is_not_a_conflict_yet() {
    assert!(detect_one(&expert(vec![span(APPLICANT, day(2025, 7, 1), None)], vec![])).is_empty());
}

#[test]
fn a_recent_past_affiliation_is_former_organisation() {
    let c = only(&expert(vec![span(APPLICANT, day(2015, 9, 1), Some(day(2023, 12, 31)))], vec![]));
    assert_eq!(c.kind, ConflictKind::FormerOrganisation);
    assert_eq!((c.since, c.until), (Some(day(2015, 9, 1)), Some(day(2023, 12, 31))));
    assert_eq!(c.code, "conflict.former_organisation");
    assert_eq!(
        explain_en(&c),
        "Zhang Wei worked at Hunan Gear Works, the applicant, from 2015-09-01 to 2023-12-31, within the last 3 years."
    );
    let partner = only(&expert(vec![span(PARTNER, day(2015, 9, 1), Some(day(2023, 12, 31)))], vec![]));
    assert_eq!(partner.code, "conflict.former_organisation_partner");
}

#[test]
fn the_window_includes_its_first_day_only() {
    // on = 2025-06-30, window 3 years: an affiliation ending 2022-06-30 counts, 2022-06-29 not.
    let at_boundary = only(&expert(vec![span(APPLICANT, day(2018, 1, 1), Some(day(2022, 6, 30)))], vec![]));
    assert_eq!(at_boundary.kind, ConflictKind::FormerOrganisation);
    assert_eq!(at_boundary.until, Some(day(2022, 6, 30)));
    assert!(detect_one(&expert(vec![span(APPLICANT, day(2018, 1, 1), Some(day(2022, 6, 29)))], vec![])).is_empty());
    // With a window of 0 years only current affiliations count.
    let yesterday = expert(vec![span(APPLICANT, day(2018, 1, 1), Some(day(2025, 6, 29)))], vec![]);
    assert!(detect(&yesterday, &application(), on(), 0).is_empty());
    assert_eq!(detect(&yesterday, &application(), on(), 1)[0].kind, ConflictKind::FormerOrganisation);
}

#[test]
fn years_before_keeps_the_day_and_clamps_29_february() {
    assert_eq!(years_before(day(2025, 6, 30), 3), day(2022, 6, 30));
    assert_eq!(years_before(day(2024, 2, 29), 1), day(2023, 2, 28));
    assert_eq!(years_before(day(2024, 2, 29), 4), day(2020, 2, 29));
    assert_eq!(years_before(day(2025, 6, 30), 0), day(2025, 6, 30));
    assert_eq!(years_before(day(2025, 6, 30), u32::MAX), Date::MIN);
}

#[test]
fn a_current_affiliation_hides_a_former_one_at_the_same_organisation() {
    let c = only(&expert(
        vec![span(APPLICANT, day(2016, 1, 1), Some(day(2023, 1, 1))), span(APPLICANT, day(2024, 1, 1), None)],
        vec![],
    ));
    assert_eq!(c.kind, ConflictKind::SameOrganisation);
    assert_eq!(c.since, Some(day(2024, 1, 1)));
}

#[test]
fn several_spans_at_one_organisation_give_one_conflict() {
    // Two overlapping current spans: the earliest start, open-ended.
    let current = only(&expert(
        vec![span(APPLICANT, day(2021, 1, 1), Some(day(2027, 1, 1))), span(APPLICANT, day(2019, 5, 1), None)],
        vec![],
    ));
    assert_eq!((current.since, current.until), (Some(day(2019, 5, 1)), None));
    // Two former spans: dated by the one that ended last.
    let former = only(&expert(
        vec![
            span(PARTNER, day(2023, 2, 1), Some(day(2024, 3, 31))),
            span(PARTNER, day(2020, 1, 1), Some(day(2022, 12, 31))),
        ],
        vec![],
    ));
    assert_eq!((former.since, former.until), (Some(day(2023, 2, 1)), Some(day(2024, 3, 31))));
}

#[test]
fn an_organisation_both_applicant_and_partner_counts_as_applicant() {
    let mut app = application();
    app.partner_organisations.push((APPLICANT, "Hunan Gear Works (again)".into()));
    let found = detect(&expert(vec![span(APPLICANT, day(2019, 3, 1), None)], vec![]), &app, on(), WINDOW);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].code, "conflict.same_organisation");
    assert_eq!(arg(&found[0], "organisation"), "Hunan Gear Works");
}

#[test]
fn an_expert_among_the_applicants_is_a_co_applicant() {
    let mut e = expert(vec![], vec![]);
    e.person_id = MEMBER;
    let c = only(&e);
    assert_eq!(c.kind, ConflictKind::CoApplicant);
    assert_eq!((c.organisation_id, c.person_id), (None, Some(MEMBER)));
    assert_eq!((c.since, c.until), (None, None));
    assert_eq!(explain_en(&c), "Zhang Wei is one of the applicants of this application.");
}

#[test]
fn employment_and_shareholding_links_name_an_organisation() {
    let employment = only(&expert(vec![], vec![link(ConflictKind::Employment, Some(PARTNER), None, "adjunct")]));
    assert_eq!(employment.kind, ConflictKind::Employment);
    assert_eq!(employment.organisation_id, Some(PARTNER));
    assert_eq!(employment.code, "conflict.employment_partner");
    let shares = only(&expert(vec![], vec![link(ConflictKind::Shareholding, Some(APPLICANT), None, "")]));
    assert_eq!(shares.kind, ConflictKind::Shareholding);
    assert_eq!(explain_en(&shares), "Zhang Wei holds shares in Hunan Gear Works, the applicant.");
    // A link naming a person but no organisation is not an organisation conflict.
    assert!(detect_one(&expert(vec![], vec![link(ConflictKind::Shareholding, None, Some(LEAD), "")])).is_empty());
}

#[test]
fn advisor_and_personal_links_name_a_person() {
    let advisor = only(&expert(vec![], vec![link(ConflictKind::Advisor, None, Some(LEAD), "PhD 2012")]));
    assert_eq!(advisor.kind, ConflictKind::Advisor);
    assert_eq!((advisor.organisation_id, advisor.person_id), (None, Some(LEAD)));
    assert_eq!(explain_en(&advisor), "Zhang Wei and Li Ming, of the applicant team, are or were advisor and student.");
    let personal = only(&expert(vec![], vec![link(ConflictKind::Personal, Some(APPLICANT), Some(MEMBER), "")]));
    assert_eq!(personal.kind, ConflictKind::Personal);
    assert_eq!(personal.person_id, Some(MEMBER));
    assert_eq!(arg(&personal, "person"), "Wang Fang");
}

#[test]
fn declared_links_match_an_organisation_or_a_person_and_keep_the_notes() {
    let found = detect_one(&expert(
        vec![],
        vec![
            link(ConflictKind::Declared, Some(APPLICANT), Some(LEAD), "consulted for them in 2024"),
            link(ConflictKind::Declared, Some(APPLICANT), None, " board observer "),
            link(ConflictKind::Declared, Some(APPLICANT), None, "board observer"),
            link(ConflictKind::Declared, None, Some(99), "someone else"),
        ],
    ));
    // Sorted by organisation then person, `None` first: the person's conflict comes first.
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!((found[1].organisation_id, found[1].person_id), (Some(APPLICANT), None));
    assert_eq!(arg(&found[1], "note"), "consulted for them in 2024; board observer");
    assert_eq!((found[0].organisation_id, found[0].person_id), (None, Some(LEAD)));
    assert_eq!(
        explain_en(&found[0]),
        "Zhang Wei declared a conflict of interest with Li Ming, of the applicant team. Reason given: consulted for them in 2024"
    );
    let silent = only(&expert(vec![], vec![link(ConflictKind::Declared, Some(PARTNER), None, "  ")]));
    assert_eq!(silent.code, "conflict.declared_organisation_partner");
    assert_eq!(arg(&silent, "note"), "—");
}

#[test]
fn links_of_derived_kinds_are_ignored() {
    let links = vec![
        link(ConflictKind::SameOrganisation, Some(APPLICANT), None, ""),
        link(ConflictKind::FormerOrganisation, Some(APPLICANT), None, ""),
        link(ConflictKind::CoApplicant, None, Some(LEAD), ""),
    ];
    assert!(detect_one(&expert(vec![], links)).is_empty());
}

#[test]
fn unrelated_people_have_no_conflict() {
    let e = expert(
        vec![span(7, day(2010, 1, 1), None), span(8, day(2000, 1, 1), Some(day(2024, 12, 31)))],
        vec![
            link(ConflictKind::Employment, Some(7), None, ""),
            link(ConflictKind::Shareholding, Some(8), None, ""),
            link(ConflictKind::Advisor, None, Some(77), ""),
            link(ConflictKind::Personal, None, Some(78), ""),
            link(ConflictKind::Declared, Some(9), Some(79), "x"),
        ],
    );
    assert!(detect_one(&e).is_empty());
    assert!(detect_all(&[e], &[application()], on(), WINDOW).is_empty());
}

#[test]
fn repeated_reasons_give_one_conflict_each_and_output_is_sorted() {
    let mut e = expert(
        vec![span(PARTNER, day(2020, 1, 1), None), span(APPLICANT, day(2019, 3, 1), None)],
        vec![
            link(ConflictKind::Personal, None, Some(MEMBER), ""),
            link(ConflictKind::Personal, None, Some(MEMBER), "cousin"),
            link(ConflictKind::Shareholding, Some(PARTNER), None, ""),
            link(ConflictKind::Shareholding, Some(PARTNER), None, ""),
            link(ConflictKind::Advisor, None, Some(LEAD), ""),
        ],
    );
    e.person_id = LEAD;
    let found = detect_one(&e);
    let keys: Vec<_> = found.iter().map(|c| (c.kind, c.organisation_id, c.person_id)).collect();
    assert_eq!(
        keys,
        [
            (ConflictKind::SameOrganisation, Some(APPLICANT), None),
            (ConflictKind::SameOrganisation, Some(PARTNER), None),
            (ConflictKind::CoApplicant, None, Some(LEAD)),
            (ConflictKind::Shareholding, Some(PARTNER), None),
            (ConflictKind::Advisor, None, Some(LEAD)),
            (ConflictKind::Personal, None, Some(MEMBER)),
        ]
    );
}

#[test]
fn conflicts_survive_json_with_iso_dates() {
    let c = only(&expert(vec![span(APPLICANT, day(2015, 9, 1), Some(day(2023, 12, 31)))], vec![]));
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains("\"since\":\"2015-09-01\""), "{json}");
    assert!(json.contains("\"kind\":\"former_organisation\""), "{json}");
    assert_eq!(serde_json::from_str::<Conflict>(&json).unwrap(), c);
}

#[test]
fn an_unknown_code_is_explained_by_its_code_and_args() {
    let mut c = only(&expert(vec![span(APPLICANT, day(2019, 3, 1), None)], vec![]));
    c.code = "conflict.from_the_future".into();
    assert_eq!(
        explain_en(&c),
        "conflict.from_the_future (expert=Zhang Wei, organisation=Hunan Gear Works, since=2019-03-01)"
    );
}

// --- explanations --------------------------------------------------------------------------

/// A conflict shown through [`explain_en`], for the shared doc-table check.
struct Explained(Conflict);

impl fmt::Display for Explained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&explain_en(&self.0))
    }
}

const CODES: [&str; 14] = [
    "conflict.same_organisation",
    "conflict.same_organisation_partner",
    "conflict.former_organisation",
    "conflict.former_organisation_partner",
    "conflict.co_applicant",
    "conflict.employment",
    "conflict.employment_partner",
    "conflict.shareholding",
    "conflict.shareholding_partner",
    "conflict.advisor",
    "conflict.personal",
    "conflict.declared_organisation",
    "conflict.declared_organisation_partner",
    "conflict.declared_person",
];

const ARG_NAMES: [&str; 7] = ["expert", "organisation", "person", "since", "until", "years", "note"];

/// One detected conflict per explanation code.
fn one_per_code() -> Vec<Conflict> {
    let past = |organisation| span(organisation, day(2015, 9, 1), Some(day(2023, 12, 31)));
    let by_link = |kind, organisation, person, note: &str| expert(vec![], vec![link(kind, organisation, person, note)]);
    let mut co_applicant = expert(vec![], vec![]);
    co_applicant.person_id = LEAD;
    [
        expert(vec![span(APPLICANT, day(2019, 3, 1), None)], vec![]),
        expert(vec![span(PARTNER, day(2020, 1, 1), None)], vec![]),
        expert(vec![past(APPLICANT)], vec![]),
        expert(vec![past(PARTNER)], vec![]),
        co_applicant,
        by_link(ConflictKind::Employment, Some(APPLICANT), None, "adjunct professor"),
        by_link(ConflictKind::Employment, Some(PARTNER), None, ""),
        by_link(ConflictKind::Shareholding, Some(APPLICANT), None, "2%"),
        by_link(ConflictKind::Shareholding, Some(PARTNER), None, ""),
        by_link(ConflictKind::Advisor, None, Some(LEAD), ""),
        by_link(ConflictKind::Personal, None, Some(MEMBER), "spouse"),
        by_link(ConflictKind::Declared, Some(APPLICANT), None, "consulted for them in 2024"),
        by_link(ConflictKind::Declared, Some(PARTNER), None, ""),
        by_link(ConflictKind::Declared, None, Some(MEMBER), "former co-author"),
    ]
    .iter()
    .map(only)
    .collect()
}

#[test]
fn explanations_match_the_doc_table() {
    let samples: Vec<Explained> = one_per_code().into_iter().map(Explained).collect();
    let codes: Vec<&str> = samples.iter().map(|s| s.0.code.as_str()).collect();
    assert_eq!(codes, CODES);
    crate::message_table::assert_doc_table_matches(
        include_str!("../conflict.rs"),
        &samples,
        |s| CODES.into_iter().find(|c| *c == s.0.code).unwrap(),
        |s| {
            s.0.args
                .iter()
                .map(|(name, value)| (ARG_NAMES.into_iter().find(|n| n == name).unwrap(), value.clone()))
                .collect()
        },
    );
    for code in CODES {
        crate::project::assert_doc_row_in_locales(include_str!("../conflict.rs"), code);
    }
}

#[test]
fn explanations_leave_no_placeholder() {
    for c in one_per_code() {
        let text = explain_en(&c);
        assert!(!text.contains('{'), "{text}");
        // The kind is the one its code names.
        assert!(c.code.starts_with(&format!("conflict.{}", c.kind.as_str())), "{c:?}");
    }
}

// --- detect_all ----------------------------------------------------------------------------

#[test]
fn detect_all_covers_every_pair_and_sorts() {
    let mut other = application();
    other.application_id = 50;
    other.organisation_id = 30;
    other.partner_organisations = vec![];
    other.people = vec![(900, "Zhang Wei".into())];
    let mut second = expert(vec![span(PARTNER, day(2020, 1, 1), None)], vec![]);
    second.person_id = 800;
    let first = expert(vec![span(APPLICANT, day(2019, 3, 1), None)], vec![]);
    let all = detect_all(&[first, second], &[application(), other], on(), WINDOW);
    let keys: Vec<_> = all.iter().map(|c| (c.application, c.expert, c.kind)).collect();
    assert_eq!(
        keys,
        [
            (50, 900, ConflictKind::CoApplicant),
            (100, 800, ConflictKind::SameOrganisation),
            (100, 900, ConflictKind::SameOrganisation),
        ]
    );
}

fn any_date() -> impl Strategy<Value = Date> {
    // 2015-01-01 .. 2027-12-31, around the detection dates below.
    let first = day(2015, 1, 1).to_julian_day();
    (0..4_748i32).prop_map(move |n| Date::from_julian_day(first + n).unwrap())
}

fn any_span() -> impl Strategy<Value = Span> {
    (1..7i64, any_date(), proptest::option::of(0..3_000i64)).prop_map(|(organisation, from, length)| {
        span(organisation, from, length.map(|l| from + time::Duration::days(l)))
    })
}

fn any_link() -> impl Strategy<Value = Link> {
    (0..ConflictKind::ALL.len(), proptest::option::of(1..12i64), proptest::option::of(1..7i64), 0..3usize).prop_map(
        |(kind, person, organisation, note)| link(ConflictKind::ALL[kind], organisation, person, ["", "a", "b"][note]),
    )
}

/// Experts with distinct ids 1..=n, applications with distinct ids.
fn any_registry() -> impl Strategy<Value = (Vec<ExpertFacts>, Vec<ApplicationFacts>)> {
    let experts = proptest::collection::vec(
        (proptest::collection::vec(any_span(), 0..4), proptest::collection::vec(any_link(), 0..4)),
        0..6,
    );
    let apps = proptest::collection::vec(
        (1..7i64, proptest::collection::vec(1..7i64, 0..3), proptest::collection::vec(1..12i64, 0..4)),
        0..6,
    );
    (experts, apps).prop_map(|(experts, apps)| {
        let experts = experts
            .into_iter()
            .zip(1..)
            .map(|((affiliations, links), id)| ExpertFacts {
                person_id: id,
                name: format!("expert {id}"),
                affiliations,
                links,
            })
            .collect();
        let apps = apps
            .into_iter()
            .zip(100..)
            .map(|((organisation, partners, people), id)| ApplicationFacts {
                application_id: id,
                organisation_id: organisation,
                organisation_name: format!("organisation {organisation}"),
                partner_organisations: partners.into_iter().map(|p| (p, format!("organisation {p}"))).collect(),
                people: people.into_iter().map(|p| (p, format!("person {p}"))).collect(),
            })
            .collect();
        (experts, apps)
    })
}

proptest! {
    #[test]
    fn detect_all_equals_the_cross_product_of_detect(
        (experts, apps) in any_registry(),
        on in any_date(),
        window in 0..6u32,
    ) {
        let mut naive: Vec<Conflict> =
            experts.iter().flat_map(|e| apps.iter().flat_map(|a| detect(e, a, on, window))).collect();
        naive.sort_by_key(|c| (c.application, c.expert, c.kind, c.organisation_id, c.person_id));
        let all = detect_all(&experts, &apps, on, window);
        prop_assert_eq!(&all, &naive);
        // Sorted, and one conflict per (application, expert, kind, organisation, person).
        let keys: Vec<_> = all.iter().map(|c| (c.application, c.expert, c.kind, c.organisation_id, c.person_id)).collect();
        prop_assert!(keys.windows(2).all(|w| w[0] < w[1]), "{:?}", keys);
        for c in &all {
            prop_assert!(!explain_en(c).contains('{'), "{}", explain_en(c));
            prop_assert_eq!(c.organisation_id.is_some(), c.person_id.is_none());
        }
    }
}

//! The activity registries (awards, technology contracts, loans, S&T events): create, list and
//! filter through the API; district scope; read-only roles; all-or-nothing imports that a
//! re-import leaves alone; exact money; the aggregates the indicators read; the pages.

mod common;

use common::{spawn_app, uscc, TestApp, PASSWORD, USERS};
use gaodi_domain::access::Scope;
use gaodi_domain::activity::{AwardGrade, EventKind, LoanScheme};
use gaodi_domain::money::Money;
use gaodi_domain::region::RegionCode;
use gaodi_domain::registry::Level;
use gaodi_store::activity::{
    award_rows, contract_rows, event_rows, loan_rows, AwardFilter, ContractFilter, LoanFilter, StEventFilter,
    AWARD_COLUMNS, CONTRACT_COLUMNS, EVENT_COLUMNS, LOAN_COLUMNS,
};
use gaodi_store::import::{ColumnSpec, ImportReport};
use gaodi_store::tabular::{Table, TableRow};
use gaodi_store::Actor;
use serde_json::{json, Value};

fn yuan(s: &str) -> Money {
    Money::parse(s).unwrap()
}

async fn post(app: &TestApp, user: &str, path: &str, body: Value) -> (u16, Value) {
    let res = app.api(user).send("post", path, Some(body)).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, user: &str, path: &str) -> (u16, Value) {
    let res = app.api(user).get(path).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn total(app: &TestApp, user: &str, path: &str) -> i64 {
    let (status, v) = get(app, user, path).await;
    assert_eq!(status, 200, "{path}: {v}");
    v["total"].as_i64().unwrap()
}

fn award(reference: &str, region: &str, level: &str, grade: &str, year: i32, orgs: &[i64]) -> Value {
    json!({
        "name": "湖南省科学技术进步奖", "category": "st_progress", "level": level, "grade": grade, "year": year,
        "project_title": format!("项目{reference}"), "region_code": region, "reference": reference,
        "organisation_ids": orgs, "person_names": "张三、李四"
    })
}

fn contract(no: &str, region: &str, amount: &str, date: &str) -> Value {
    json!({
        "contract_no": no, "kind": "development", "title": format!("合同{no}"), "amount": amount,
        "seller_name": "卖方", "seller_region_code": region, "buyer_name": "买方", "registered_on": date
    })
}

fn loan(no: &str, borrower: i64, amount: &str) -> Value {
    json!({
        "contract_no": no, "scheme": "knowledge_value_loan", "bank": "长沙银行株洲分行",
        "borrower_organisation_id": borrower, "amount": amount, "start_on": "2021-03-01", "due_on": "2022-02-28"
    })
}

fn event(title: &str, region: &str, date: &str, participants: i64) -> Value {
    json!({
        "kind": "st_week", "title": title, "held_on": date, "organiser": "株洲市科学技术局",
        "region_code": region, "participants": participants
    })
}

fn table(specs: &[ColumnSpec], rows: &[Vec<String>]) -> Table {
    Table {
        sheet: "Sheet1".into(),
        headers: specs.iter().map(|c| c.zh.to_owned()).collect(),
        rows: rows.iter().enumerate().map(|(i, r)| TableRow { line: i + 2, cells: r.clone() }).collect(),
    }
}

fn rows_table(sheet: &str, (headers, rows): (Vec<String>, Vec<Vec<String>>)) -> Table {
    Table {
        sheet: sheet.into(),
        headers,
        rows: rows.into_iter().enumerate().map(|(i, cells)| TableRow { line: i + 2, cells }).collect(),
    }
}

fn cells(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn error_at<'a>(r: &'a ImportReport, line: usize, column: &str) -> &'a gaodi_store::import::RowError {
    r.errors
        .iter()
        .find(|e| e.line == line && e.column == column)
        .unwrap_or_else(|| panic!("no error at line {line}, column {column}: {:?}", r.errors))
}

fn district() -> Scope {
    Scope::Regions { regions: vec![RegionCode::parse("430202").unwrap()] }
}

// ---------------------------------------------------------------------------------------
// API: create, read, filter, update, retire
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn awards_are_recorded_filtered_and_counted_by_level_and_grade() {
    let app = spawn_app().await;
    let (h, l) = (app.org_hetang, app.org_lusong);
    let mut ids = Vec::new();
    for body in [
        award("GJ2021-001", "430202", "national", "first", 2021, &[h, l]),
        award("XJ2021-014", "430202", "provincial", "second", 2021, &[h]),
        award("XJ2021-015", "430203", "provincial", "second", 2021, &[l]),
        award("SJ2020-003", "430203", "municipal", "third", 2020, &[]),
    ] {
        let (status, a) = post(&app, "city", "/api/v1/awards", body).await;
        assert_eq!(status, 201, "{a}");
        ids.push(a["award_id"].as_i64().unwrap());
    }
    let (_, a) = get(&app, "city", &format!("/api/v1/awards/{}", ids[0])).await;
    assert_eq!(a["organisation_id"], h, "the first organisation is the lead");
    assert_eq!(a["organisations"][1]["organisation_id"], l);
    assert_eq!(a["organisations"][1]["rank"], 2);
    assert_eq!(a["level"], "national");

    assert_eq!(total(&app, "city", "/api/v1/awards").await, 4);
    assert_eq!(total(&app, "city", "/api/v1/awards?year=2021").await, 3);
    assert_eq!(total(&app, "city", "/api/v1/awards?year=2021&level=provincial&grade=second").await, 2);
    assert_eq!(total(&app, "city", "/api/v1/awards?level=省级").await, 2, "Chinese names work as filters too");
    assert_eq!(total(&app, "city", "/api/v1/awards?region=430203").await, 2);
    assert_eq!(total(&app, "city", &format!("/api/v1/awards?organisation={l}")).await, 2, "partners count");
    assert_eq!(total(&app, "city", "/api/v1/awards?q=XJ2021").await, 2);
    let (_, sorted) = get(&app, "city", "/api/v1/awards?sort=year&per_page=1").await;
    assert_eq!(sorted["awards"][0]["year"], 2020);
    assert_eq!(get(&app, "city", "/api/v1/awards?sort=colour").await.0, 422);
    assert_eq!(get(&app, "city", "/api/v1/awards?grade=头等").await.0, 400);

    // The same reference in the same year is one award.
    let (status, dup) =
        post(&app, "city", "/api/v1/awards", award("GJ2021-001", "430202", "national", "first", 2021, &[])).await;
    assert_eq!(status, 409, "{dup}");
    let (status, bad) =
        post(&app, "city", "/api/v1/awards", award("X-1", "430202", "national", "first", 1977, &[])).await;
    assert_eq!((status, bad["error"]["field"].as_str()), (422, Some("year")));
    assert!(bad["error"]["message"].as_str().unwrap().contains("1978"));
    let (status, bad) =
        post(&app, "city", "/api/v1/awards", award("X-2", "430202", "national", "first", 2021, &[h, h])).await;
    assert_eq!((status, bad["error"]["code"].as_str()), (422, Some("activity.duplicate_organisation")));

    let counts = app.store.award_counts(&Scope::All, 2021).await.unwrap();
    assert_eq!(counts.get(&(Level::National, AwardGrade::First)), Some(&1));
    assert_eq!(counts.get(&(Level::Provincial, AwardGrade::Second)), Some(&2));
    assert_eq!(counts.len(), 2);
    assert_eq!(app.store.award_counts(&district(), 2021).await.unwrap().values().sum::<i64>(), 2);

    let mut changed = award("XJ2021-014", "430202", "provincial", "first", 2021, &[h]);
    changed["project_title"] = json!("改名后的项目");
    let res = app.api("city").send("put", &format!("/api/v1/awards/{}", ids[1]), Some(changed)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["grade"], "first");
    let (status, _) = post(&app, "city", &format!("/api/v1/awards/{}/retire", ids[2]), json!({})).await;
    assert_eq!(status, 200);
    let counts = app.store.award_counts(&Scope::All, 2021).await.unwrap();
    assert_eq!(counts.get(&(Level::Provincial, AwardGrade::First)), Some(&1));
    assert_eq!(counts.get(&(Level::Provincial, AwardGrade::Second)), None, "retired awards are not counted");
    assert_eq!(total(&app, "city", "/api/v1/awards?year=2021").await, 2);
    assert_eq!(total(&app, "city", "/api/v1/awards?year=2021&retired=1").await, 3);
}

#[tokio::test]
async fn contract_turnover_is_exact_to_the_fen() {
    let app = spawn_app().await;
    for (no, region, amount, date) in [
        ("2021430202000001", "430202", "0.10", "2021-03-05"),
        ("2021430202000002", "430202", "0.20", "2021-12-31"),
        ("2021430203000003", "430203", "1,234,567.89", "2021-06-30"),
        ("2020430202000004", "430202", "5000000", "2020-12-31"),
    ] {
        let (status, c) = post(&app, "city", "/api/v1/contracts", contract(no, region, amount, date)).await;
        assert_eq!(status, 201, "{c}");
    }
    let turnover = app.store.contract_turnover(&Scope::All, 2021).await.unwrap();
    assert_eq!(turnover.get("430202"), Some(&yuan("0.30")), "0.10 + 0.20 is exactly 0.30");
    assert_eq!(turnover.get("430203"), Some(&yuan("1234567.89")));
    assert_eq!(app.store.contract_turnover(&Scope::All, 2020).await.unwrap().get("430202"), Some(&yuan("5000000")));
    let mine = app.store.contract_turnover(&district(), 2021).await.unwrap();
    assert_eq!(mine.keys().collect::<Vec<_>>(), ["430202"], "a district sees only its own sellers");

    assert_eq!(total(&app, "city", "/api/v1/contracts?year=2021").await, 3);
    assert_eq!(total(&app, "city", "/api/v1/contracts?from=2021-06-30&to=2021-12-31").await, 2);
    assert_eq!(total(&app, "city", "/api/v1/contracts?kind=transfer").await, 0);
    let (_, list) = get(&app, "city", "/api/v1/contracts?sort=amount&desc=1&per_page=1").await;
    assert_eq!(list["contracts"][0]["amount"], "5000000.00", "amounts travel as exact yuan text");

    let mut bad = contract("2021430202000009", "430202", "100", "2021-01-01");
    bad["technical_income"] = json!("100.01");
    let (status, e) = post(&app, "city", "/api/v1/contracts", bad).await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("technical_income")));
    assert_eq!(e["error"]["code"], "activity.income_exceeds_amount");
    let (status, e) = post(&app, "city", "/api/v1/contracts", contract("X", "430202", "0", "2021-01-01")).await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("activity.amount_not_positive")));
    let mut float = contract("Y", "430202", "1", "2021-01-01");
    float["amount"] = json!(0.1);
    let (status, e) = post(&app, "city", "/api/v1/contracts", float).await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("activity.amount_as_text")), "no floats");
}

#[tokio::test]
async fn loans_move_with_their_events_and_total_by_scheme() {
    let app = spawn_app().await;
    let (status, l) = post(&app, "city", "/api/v1/loans", loan("ZSYH-2021-001", app.org_hetang, "1000000")).await;
    assert_eq!(status, 201, "{l}");
    let id = l["loan_id"].as_i64().unwrap();
    assert_eq!((l["status"].as_str(), l["region_code"].as_str()), (Some("active"), Some("430202")));
    let mut ip = loan("ZSYH-2021-002", app.org_lusong, "300000.50");
    ip["scheme"] = json!("知识产权质押贷款");
    assert_eq!(post(&app, "city", "/api/v1/loans", ip).await.0, 201);

    let path = format!("/api/v1/loans/{id}/events");
    let ev = |kind: &str, date: &str, amount: &str| json!({"kind": kind, "occurred_on": date, "amount": amount});
    let (status, e) = post(&app, "city", &path, ev("compensation", "2021-09-01", "100")).await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("kind")), "no compensation before a default");
    let (status, e) = post(&app, "city", &path, ev("repayment", "2021-02-01", "100")).await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("activity.loan_event_before_start")));
    let (status, e) = post(&app, "city", &path, ev("default", "2021-09-01", "600000")).await;
    assert_eq!(status, 201, "{e}");
    assert_eq!(e["loan"]["status"], "defaulted");
    let (_, e) = post(&app, "city", &path, ev("compensation", "2021-10-15", "240000")).await;
    assert_eq!(e["loan"]["status"], "compensated");
    let (_, detail) = get(&app, "city", &format!("/api/v1/loans/{id}")).await;
    let kinds: Vec<&str> = detail["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["default", "compensation"]);

    let totals = app.store.loan_totals(&Scope::All, 2021).await.unwrap();
    assert_eq!(totals.get(&LoanScheme::KnowledgeValueLoan), Some(&yuan("1000000")));
    assert_eq!(totals.get(&LoanScheme::IpPledgeLoan), Some(&yuan("300000.50")));
    assert_eq!(app.store.loan_totals(&district(), 2021).await.unwrap().len(), 1, "by the borrower's region");
    assert_eq!(total(&app, "city", "/api/v1/loans?status=compensated").await, 1);
    assert_eq!(total(&app, "city", "/api/v1/loans?scheme=ip_pledge_loan&region=430203").await, 1);
    assert_eq!(total(&app, "city", "/api/v1/loans?q=芦淞").await, 1, "search finds the borrower's name");

    let mut short = loan("ZSYH-2021-003", app.org_hetang, "10");
    short["due_on"] = json!("2021-03-01");
    let (status, e) = post(&app, "city", "/api/v1/loans", short).await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("due_on")));

    // A full repayment closes an active loan.
    let (_, l3) = post(&app, "city", "/api/v1/loans", loan("ZSYH-2021-004", app.org_hetang, "500")).await;
    let path = format!("/api/v1/loans/{}/events", l3["loan_id"]);
    let (_, e) = post(&app, "city", &path, ev("repayment", "2021-06-01", "200")).await;
    assert_eq!(e["loan"]["status"], "active");
    let (_, e) = post(&app, "city", &path, ev("repayment", "2021-07-01", "300")).await;
    assert_eq!(e["loan"]["status"], "repaid");
}

#[tokio::test]
async fn events_are_recorded_and_counted_with_participants() {
    let app = spawn_app().await;
    for (title, region, date, n) in [
        ("2021年科技活动周启动式", "430202", "2021-05-22", 800),
        ("科技活动周进社区", "430202", "2021-05-23", 150),
        ("科技活动周芦淞分会场", "430203", "2021-05-24", 300),
    ] {
        let (status, e) = post(&app, "city", "/api/v1/events", event(title, region, date, n)).await;
        assert_eq!(status, 201, "{e}");
    }
    let mut lecture = event("创新讲堂第一期", "430202", "2021-09-10", 60);
    lecture["kind"] = json!("lecture");
    lecture["ends_on"] = json!("2021-09-09");
    let (status, e) = post(&app, "city", "/api/v1/events", lecture.clone()).await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("ends_on")));
    lecture["ends_on"] = json!("2021-09-11");
    assert_eq!(post(&app, "city", "/api/v1/events", lecture).await.0, 201);
    let mut negative = event("负人数", "430202", "2021-10-01", -1);
    negative["kind"] = json!("training");
    let (status, e) = post(&app, "city", "/api/v1/events", negative).await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("activity.negative_participants")));

    let counts = app.store.event_counts(&Scope::All, 2021).await.unwrap();
    let week = counts[&EventKind::StWeek];
    assert_eq!((week.events, week.participants), (3, 1250));
    assert_eq!(counts[&EventKind::Lecture].events, 1);
    let mine = app.store.event_counts(&district(), 2021).await.unwrap();
    assert_eq!(mine[&EventKind::StWeek].participants, 950);
    assert_eq!(total(&app, "city", "/api/v1/events?kind=st_week&region=430202").await, 2);
    assert_eq!(total(&app, "city", "/api/v1/events?q=讲堂").await, 1);
    let (_, sorted) = get(&app, "city", "/api/v1/events?sort=participants&desc=1").await;
    assert_eq!(sorted["events"][0]["participants"], 800);
}

// ---------------------------------------------------------------------------------------
// Scope and roles
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_district_reads_and_writes_only_its_own_district() {
    let app = spawn_app().await;
    // Records of 芦淞区 (430203), made by the city.
    let (_, a) = post(&app, "city", "/api/v1/awards", award("LS-1", "430203", "municipal", "first", 2021, &[])).await;
    let (_, c) = post(&app, "city", "/api/v1/contracts", contract("LS-2", "430203", "1000", "2021-05-01")).await;
    let (_, l) = post(&app, "city", "/api/v1/loans", loan("LS-3", app.org_lusong, "1000")).await;
    let (_, e) = post(&app, "city", "/api/v1/events", event("芦淞活动", "430203", "2021-05-01", 10)).await;
    let foreign = [
        format!("/api/v1/awards/{}", a["award_id"]),
        format!("/api/v1/contracts/{}", c["tech_contract_id"]),
        format!("/api/v1/loans/{}", l["loan_id"]),
        format!("/api/v1/events/{}", e["st_event_id"]),
    ];
    for path in &foreign {
        assert_eq!(get(&app, "district", path).await.0, 404, "{path} is invisible to 430202");
        assert_eq!(post(&app, "district", &format!("{path}/retire"), json!({})).await.0, 404, "{path}");
    }
    for list in ["/api/v1/awards", "/api/v1/contracts", "/api/v1/loans", "/api/v1/events"] {
        assert_eq!(total(&app, "district", list).await, 0, "{list}");
        assert_eq!(total(&app, "city", list).await, 1, "{list}");
    }
    let res = app
        .api("district")
        .send("put", &foreign[0], Some(award("LS-1", "430202", "municipal", "first", 2021, &[])))
        .await;
    assert_eq!(res.status(), 404, "cannot pull a foreign award into the district");

    let head = app.audit_head().await;
    let refused = [
        ("/api/v1/awards", award("LS-9", "430203", "municipal", "first", 2021, &[])),
        ("/api/v1/contracts", contract("LS-9", "430203", "1", "2021-01-01")),
        ("/api/v1/events", event("外区活动", "430203", "2021-01-01", 1)),
    ];
    for (path, body) in refused {
        assert_eq!(post(&app, "district", path, body).await.0, 403, "{path}");
    }
    let (status, e) = post(&app, "district", "/api/v1/loans", loan("LS-9", app.org_lusong, "1")).await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("borrower_organisation_id")));
    let (status, e) = post(
        &app,
        "district",
        "/api/v1/awards",
        award("LS-8", "430202", "municipal", "first", 2021, &[app.org_lusong]),
    )
    .await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("activity.unknown_organisation")), "lead in scope");
    assert_eq!(app.audit_head().await, head, "nothing written");

    // In its own district it writes; a partner from elsewhere is fine.
    let own = award("HT-1", "430202", "municipal", "first", 2021, &[app.org_hetang, app.org_lusong]);
    assert_eq!(post(&app, "district", "/api/v1/awards", own).await.0, 201);
    assert_eq!(post(&app, "district", "/api/v1/contracts", contract("HT-2", "430202", "1", "2021-01-01")).await.0, 201);
    assert_eq!(post(&app, "district", "/api/v1/loans", loan("HT-3", app.org_hetang, "1")).await.0, 201);
    assert_eq!(post(&app, "district", "/api/v1/events", event("荷塘活动", "430202", "2021-01-01", 1)).await.0, 201);
    // The enterprise user of 荷塘测试企业 reads what its organisation leads, sells or borrows.
    assert_eq!(total(&app, "enterprise", "/api/v1/awards").await, 1);
    assert_eq!(total(&app, "enterprise", "/api/v1/loans").await, 1);
    assert_eq!(total(&app, "enterprise", "/api/v1/contracts").await, 0, "no seller organisation given");
}

#[tokio::test]
async fn leaders_experts_and_enterprises_cannot_write() {
    let app = spawn_app().await;
    let (_, a) = post(&app, "city", "/api/v1/awards", award("R-1", "430202", "municipal", "first", 2021, &[])).await;
    let (_, l) = post(&app, "city", "/api/v1/loans", loan("R-2", app.org_hetang, "100")).await;
    let head = app.audit_head().await;
    for user in ["leader", "expert", "enterprise"] {
        let writes = [
            ("post", "/api/v1/awards".to_owned(), award("R-9", "430202", "municipal", "first", 2021, &[])),
            (
                "put",
                format!("/api/v1/awards/{}", a["award_id"]),
                award("R-1", "430202", "municipal", "first", 2021, &[]),
            ),
            ("post", format!("/api/v1/awards/{}/retire", a["award_id"]), json!({})),
            ("post", "/api/v1/contracts".to_owned(), contract("R-9", "430202", "1", "2021-01-01")),
            ("post", "/api/v1/loans".to_owned(), loan("R-9", app.org_hetang, "1")),
            (
                "post",
                format!("/api/v1/loans/{}/events", l["loan_id"]),
                json!({"kind": "default", "occurred_on": "2021-05-01", "amount": "1"}),
            ),
            ("post", "/api/v1/events".to_owned(), event("只读", "430202", "2021-01-01", 1)),
        ];
        for (method, path, body) in writes {
            let res = app.api(user).send(method, &path, Some(body)).await;
            assert_eq!(res.status(), 403, "{user} {method} {path}");
        }
        // Without a body too: the role is checked first.
        let res = app.api(user).send("post", "/api/v1/awards", None).await;
        assert_eq!(res.status(), 403, "{user}");
    }
    assert_eq!(app.audit_head().await, head, "nothing written");
    assert_eq!(total(&app, "leader", "/api/v1/awards").await, 1, "leaders read everything");
    assert_eq!(total(&app, "expert", "/api/v1/awards").await, 0, "experts see only what is assigned");
}

/// The activity routes in the role matrix of `web.rs`: every allowed role succeeds (an expert
/// may find a record outside its assignments), every other role gets 403, a leader writes nothing.
#[tokio::test]
async fn every_activity_route_as_every_role() {
    let app = spawn_app().await;
    let h = app.org_hetang;
    let mut seller = contract("M-C", "430202", "100", "2021-05-01");
    seller["seller_organisation_id"] = json!(h);
    let mut organiser = event("矩阵活动", "430202", "2021-05-01", 10);
    organiser["organiser_organisation_id"] = json!(h);
    let fixtures = [
        ("/api/v1/awards", award("M-A", "430202", "municipal", "first", 2021, &[h]), "award_id"),
        ("/api/v1/contracts", seller, "tech_contract_id"),
        ("/api/v1/loans", loan("M-L", h, "100"), "loan_id"),
        ("/api/v1/events", organiser, "st_event_id"),
    ];
    let mut ids = std::collections::HashMap::new();
    let mut put_bodies = std::collections::HashMap::new();
    for (path, body, key) in fixtures {
        let (status, v) = post(&app, "admin", path, body.clone()).await;
        assert_eq!(status, 201, "{v}");
        ids.insert(path, v[key].as_i64().unwrap());
        put_bodies.insert(path, body);
    }
    for (n, (user, role)) in USERS.iter().enumerate() {
        let head = app.audit_head().await;
        for r in gaodi_web::api::activity::ROUTES {
            let base = ["/api/v1/awards", "/api/v1/contracts", "/api/v1/loans", "/api/v1/events"]
                .into_iter()
                .find(|b| r.path.starts_with(b))
                .unwrap();
            let path = r.path.replace("{id}", &ids[base].to_string());
            let body =
                match (r.method, r.path.ends_with("{id}"), r.path.ends_with("/events") && base.ends_with("loans")) {
                    ("put", _, _) => Some(put_bodies[base].clone()),
                    ("post", _, true) => Some(json!({"kind": "repayment", "occurred_on": "2021-06-01", "amount": "1"})),
                    ("post", false, _) if !r.path.ends_with("/retire") => Some(match base {
                        "/api/v1/awards" => award(&format!("M-A{n}"), "430202", "municipal", "first", 2021, &[]),
                        "/api/v1/contracts" => contract(&format!("M-C{n}"), "430202", "1", "2021-01-01"),
                        "/api/v1/loans" => loan(&format!("M-L{n}"), h, "1"),
                        _ => event(&format!("矩阵活动{n}"), "430202", "2021-01-01", 1),
                    }),
                    _ => None,
                };
            let res = app.api(user).send(r.method, &path, body).await;
            let status = res.status().as_u16();
            let allowed = r.roles.is_empty() || r.roles.contains(&role.as_str());
            if *user == "expert" && r.path.contains("{id}") && status == 404 {
                continue;
            }
            if allowed {
                assert!(
                    !matches!(status, 401 | 403 | 404 | 405 | 500),
                    "{user} {} {path}: {status} {}",
                    r.method,
                    res.text().await.unwrap_or_default()
                );
            } else {
                assert_eq!(status, 403, "{user} {} {path}", r.method);
            }
        }
        if matches!(*user, "leader" | "expert" | "enterprise") {
            assert_eq!(app.audit_head().await, head, "{user} wrote nothing");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Imports and exports
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn award_import_is_all_or_nothing_and_a_re_import_writes_nothing() {
    let app = spawn_app().await;
    let actor = Actor::system("test");
    let hetang = uscc("91430202MA4T00001");
    let lusong = uscc("91430203MA4T00002");
    let good = |reference: &str| {
        cells(&[
            "2021",
            "湖南省科学技术进步奖",
            "科技进步奖",
            "省级",
            "二等奖",
            "项目甲",
            reference,
            "430202",
            &hetang,
            &lusong,
            "张三",
        ])
    };
    let unregistered = uscc("91430202MA4T99999");
    let rows = vec![
        good("XJ-1"),
        cells(&["2021", "湖南光召科技奖", "个人奖", "区级", "无等级", "项目乙", "XJ-2", "430202", "", "", ""]),
        cells(&[
            "1900",
            "国家科学技术进步奖",
            "科技进步奖",
            "国家级",
            "一等奖",
            "项目丙",
            "GJ-1",
            "439999",
            "",
            "",
            "",
        ]),
        good("XJ-1"),
        cells(&["2021", "奖", "其他", "市级", "三等奖", "项目丁", "SJ-1", "430202", &unregistered, "", ""]),
        cells(&["2021", "奖", "其他", "市级", "三等奖", "项目戊", "SJ-2", "430202", "91430202MA4T0000", "", ""]),
    ];
    let head = app.audit_head().await;
    let r = app.store.import_awards(&actor, &Scope::All, &table(AWARD_COLUMNS, &rows)).await.unwrap();
    assert!(!r.is_ok());
    let level = error_at(&r, 3, "级别");
    assert_eq!((level.value.as_str(), level.code), ("区级", "activity.unknown_code"));
    assert_eq!(error_at(&r, 4, "年度").code, "activity.year_out_of_range");
    assert_eq!(error_at(&r, 4, "所在区划代码").code, "region.unknown");
    assert_eq!(error_at(&r, 5, "证书或公告编号").code, "import.duplicate_key");
    assert_eq!(error_at(&r, 6, "第一完成单位统一社会信用代码").code, "activity.unknown_organisation");
    assert_eq!(error_at(&r, 7, "第一完成单位统一社会信用代码").code, "uscc.length");
    assert_eq!(r.inserted, 0);
    assert_eq!(app.audit_head().await, head, "nothing written");
    assert_eq!(app.store.list_awards_filtered(&Scope::All, &AwardFilter::default()).await.unwrap().len(), 0);

    let fixed = vec![
        good("XJ-1"),
        cells(&["2021", "湖南光召科技奖", "个人奖", "省级", "无等级", "项目乙", "XJ-2", "430202", "", "", ""]),
    ];
    let r = app.store.import_awards(&actor, &Scope::All, &table(AWARD_COLUMNS, &fixed)).await.unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (2, 0, 0), "{:?}", r.errors);
    let head = app.audit_head().await;
    let r = app.store.import_awards(&actor, &Scope::All, &table(AWARD_COLUMNS, &fixed)).await.unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 2));
    assert_eq!(app.audit_head().await, head, "a re-import writes nothing");

    // The export re-imports unchanged; one changed cell is one update.
    let all = app.store.list_awards_filtered(&Scope::All, &AwardFilter::default()).await.unwrap();
    assert_eq!(all.iter().find(|a| a.reference == "XJ-1").unwrap().organisations.len(), 2);
    let exported = rows_table("award", award_rows(&all));
    let r = app.store.import_awards(&actor, &Scope::All, &exported).await.unwrap();
    assert_eq!(r.unchanged, 2, "{:?}", r.errors);
    let mut changed = exported.clone();
    changed.rows[0].cells[4] = "一等奖".into();
    let r = app.store.import_awards(&actor, &Scope::All, &changed).await.unwrap();
    assert_eq!((r.updated, r.unchanged), (1, 1));
    assert_eq!(app.audit_head().await, head + 1);
}

#[tokio::test]
async fn contract_loan_and_event_imports_check_every_row_and_scope() {
    let app = spawn_app().await;
    let actor = Actor::system("test");
    let hetang = uscc("91430202MA4T00001");
    let lusong = uscc("91430203MA4T00002");

    // Contracts, imported by the district of 荷塘区.
    let contract_row = |no: &str, amount: &str, income: &str, region: &str| {
        cells(&[
            no,
            "技术开发",
            "合同",
            amount,
            income,
            &hetang,
            "荷塘测试企业",
            region,
            "",
            "外省买方",
            "",
            "2021-04-01",
            "智能制造",
        ])
    };
    let bad = vec![
        contract_row("HT-1", "0.10", "", "430202"),
        contract_row("HT-2", "100", "100.01", "430202"),
        contract_row("HT-3", "1.234", "", "430202"),
        contract_row("LS-1", "5", "", "430203"),
    ];
    let head = app.audit_head().await;
    let r = app.store.import_contracts(&actor, &district(), &table(CONTRACT_COLUMNS, &bad)).await.unwrap();
    let income = error_at(&r, 3, "技术性收入（元）");
    assert_eq!((income.code, income.value.as_str()), ("activity.income_exceeds_amount", "100.01"));
    assert_eq!(error_at(&r, 4, "成交金额（元）").code, "money.too_many_decimals");
    assert_eq!(error_at(&r, 5, "卖方所在区划代码").code, "import.out_of_scope");
    assert_eq!(app.audit_head().await, head);
    let good = vec![contract_row("HT-1", "0.10", "", "430202"), contract_row("HT-2", "0.20", "0.20", "430202")];
    let r = app.store.import_contracts(&actor, &district(), &table(CONTRACT_COLUMNS, &good)).await.unwrap();
    assert_eq!(r.inserted, 2, "{:?}", r.errors);
    assert_eq!(app.store.contract_turnover(&district(), 2021).await.unwrap()["430202"], yuan("0.30"));
    let head = app.audit_head().await;
    let listed = app.store.list_contracts_filtered(&Scope::All, &ContractFilter::default()).await.unwrap();
    let r =
        app.store.import_contracts(&actor, &district(), &rows_table("contract", contract_rows(&listed))).await.unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 2), "{:?}", r.errors);
    assert_eq!(app.audit_head().await, head);

    // A contract number held in another district is refused, not taken over.
    let r = app
        .store
        .import_contracts(&actor, &Scope::All, &table(CONTRACT_COLUMNS, &[contract_row("LS-1", "5", "", "430203")]))
        .await
        .unwrap();
    assert_eq!(r.inserted, 1);
    let r = app
        .store
        .import_contracts(&actor, &district(), &table(CONTRACT_COLUMNS, &[contract_row("LS-1", "5", "", "430202")]))
        .await
        .unwrap();
    assert_eq!(error_at(&r, 2, "合同登记编号").code, "activity.key_taken");

    // Loans: the borrower must be inside the scope; dates and amounts are checked.
    let loan_row = |no: &str, borrower: &str, start: &str, due: &str, status: &str| {
        cells(&[no, "知识价值信用贷款", "长沙银行", borrower, "500000", start, due, status])
    };
    let bad = vec![
        loan_row("D-1", &hetang, "2021-01-01", "2021-12-31", ""),
        loan_row("D-2", &lusong, "2021-01-01", "2021-12-31", ""),
        loan_row("D-3", &hetang, "2021-01-01", "2020-12-31", "正常"),
        loan_row("D-4", &hetang, "2021-02-30", "2021-12-31", "逾期"),
    ];
    let head = app.audit_head().await;
    let r = app.store.import_loans(&actor, &district(), &table(LOAN_COLUMNS, &bad)).await.unwrap();
    assert_eq!(error_at(&r, 3, "借款单位统一社会信用代码").code, "activity.unknown_organisation");
    assert_eq!(error_at(&r, 4, "到期日期").code, "activity.due_not_after_start");
    assert_eq!(error_at(&r, 5, "放款日期").code, "import.bad_date");
    assert_eq!(error_at(&r, 5, "贷款状态").code, "activity.unknown_code");
    assert_eq!(app.audit_head().await, head);
    let r = app.store.import_loans(&actor, &district(), &table(LOAN_COLUMNS, &bad[..1])).await.unwrap();
    assert_eq!(r.inserted, 1);
    let listed = app.store.list_loans_filtered(&Scope::All, &LoanFilter::default()).await.unwrap();
    let head = app.audit_head().await;
    let r = app.store.import_loans(&actor, &district(), &rows_table("loan", loan_rows(&listed))).await.unwrap();
    assert_eq!(r.unchanged, 1, "{:?}", r.errors);
    assert_eq!(app.audit_head().await, head);

    // Events: keyed by place, day and title.
    let event_row = |title: &str, start: &str, end: &str, people: &str| {
        cells(&["科技下乡", title, start, end, "株洲市科协", "", "430202", people, "送技术下乡"])
    };
    let bad = vec![
        event_row("科技下乡一", "2021-03-01", "", "200"),
        event_row("科技下乡二", "2021-03-05", "2021-03-04", "约100"),
        event_row("科技下乡一", "2021-03-01", "", "200"),
    ];
    let r = app.store.import_events(&actor, &district(), &table(EVENT_COLUMNS, &bad)).await.unwrap();
    assert_eq!(error_at(&r, 3, "参与人数").code, "activity.invalid_count");
    assert_eq!(error_at(&r, 4, "活动名称").code, "import.duplicate_key");
    let bad2 = vec![event_row("科技下乡二", "2021-03-05", "2021-03-04", "100")];
    let r = app.store.import_events(&actor, &district(), &table(EVENT_COLUMNS, &bad2)).await.unwrap();
    assert_eq!(error_at(&r, 2, "结束日期").code, "activity.end_before_start");
    let good =
        vec![event_row("科技下乡一", "2021-03-01", "", "200"), event_row("科技下乡二", "2021-03-05", "2021-03-06", "")];
    let r = app.store.import_events(&actor, &district(), &table(EVENT_COLUMNS, &good)).await.unwrap();
    assert_eq!(r.inserted, 2, "{:?}", r.errors);
    let head = app.audit_head().await;
    let listed = app.store.list_events_filtered(&Scope::All, &StEventFilter::default()).await.unwrap();
    let r = app.store.import_events(&actor, &district(), &rows_table("event", event_rows(&listed))).await.unwrap();
    assert_eq!(r.unchanged, 2, "{:?}", r.errors);
    assert_eq!(app.audit_head().await, head);
    assert_eq!(app.store.event_counts(&Scope::All, 2021).await.unwrap()[&EventKind::Countryside].participants, 200);
}

// ---------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn pages_list_show_and_edit_every_registry() {
    let app = spawn_app().await;
    let (_, a) =
        post(&app, "city", "/api/v1/awards", award("P-1", "430202", "national", "first", 2021, &[app.org_hetang]))
            .await;
    let (_, c) = post(&app, "city", "/api/v1/contracts", contract("P-2", "430202", "1234567.89", "2021-05-01")).await;
    let (_, l) = post(&app, "city", "/api/v1/loans", loan("P-3", app.org_hetang, "1000000")).await;
    let (_, e) = post(&app, "city", "/api/v1/events", event("页面活动", "430202", "2021-05-01", 10)).await;
    let b = app.browser();
    b.login("city", PASSWORD).await;
    let csrf = b.csrf().await;
    for (list, detail, marker) in [
        ("/awards", format!("/awards/{}", a["award_id"]), "项目P-1"),
        ("/contracts", format!("/contracts/{}", c["tech_contract_id"]), "123.46万元"),
        ("/loans", format!("/loans/{}", l["loan_id"]), "100.00万元"),
        ("/events", format!("/events/{}", e["st_event_id"]), "页面活动"),
    ] {
        let page = b.get(list).await;
        assert_eq!(page.status(), 200, "{list}");
        let html = page.text().await.unwrap();
        assert!(html.contains(marker) && html.contains("共 1 "), "{list}");
        assert!(html.contains("/api/v1/exports/"), "{list} links its export");
        let page = b.get(&detail).await;
        assert_eq!(page.status(), 200, "{detail}");
        let html = page.text().await.unwrap();
        assert!(html.contains(marker) && html.contains("登记"), "{detail} shows its history");
        assert_eq!(b.get(&format!("{detail}/edit")).await.status(), 200, "{detail}/edit");
        assert_eq!(b.get(&format!("{list}/new")).await.status(), 200, "{list}/new");
    }
    // Amounts are typed in yuan and the form says so; a wrong amount is shown beside its field.
    let form = b.get_text("/contracts/new").await;
    assert!(form.contains("以元为单位"));
    let res = b
        .post_form(
            "/contracts",
            &[
                ("csrf_token", &csrf),
                ("contract_no", "P-9"),
                ("kind", "transfer"),
                ("title", "页面合同"),
                ("amount", "100"),
                ("technical_income", "200"),
                ("seller_name", "卖方"),
                ("seller_region_code", "430202"),
                ("buyer_name", ""),
                ("registered_on", "2021-05-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("技术性收入（100.00 元）") || html.contains("技术性收入（200.00 元）"), "inline message");
    assert!(html.contains("此项为必填项"), "every problem at once");
    assert!(html.contains("页面合同"), "what was typed is kept");
    let res = b
        .post_form(
            "/contracts",
            &[
                ("csrf_token", &csrf),
                ("contract_no", "P-9"),
                ("kind", "transfer"),
                ("title", "页面合同"),
                ("amount", "100"),
                ("technical_income", "50"),
                ("seller_name", "卖方"),
                ("seller_region_code", "430202"),
                ("buyer_name", "买方"),
                ("registered_on", "2021-05-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(b.get_text(&location).await.contains("0.01万元"));

    // A loan event from the loan's page.
    let loan_page = format!("/loans/{}", l["loan_id"]);
    let res = b
        .post_form(
            &format!("{loan_page}/events"),
            &[("csrf_token", &csrf), ("kind", "default"), ("occurred_on", "2021-09-01"), ("amount", "600000")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(b.get_text(&loan_page).await.contains("已违约"));

    // Read-only roles see the lists but no forms.
    let leader = app.browser();
    leader.login("leader", PASSWORD).await;
    assert_eq!(leader.get("/awards").await.status(), 200);
    assert_eq!(leader.get("/awards/new").await.status(), 403);
    assert!(!leader.get_text("/awards").await.contains("id=\"award-new\""));
}

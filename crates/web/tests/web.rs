//! Integration tests of the whole web application on a real database (SQLite by default, the
//! PostgreSQL database of `GAODI_TEST_DATABASE_URL` when set).

mod common;

use common::{spawn_app, uscc, TestApp, PASSWORD, USERS};
use gaodi_domain::access::Scope;
use gaodi_web::api::routes;
use serde_json::{json, Value};

async fn json_of(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

/// Records the route-by-role test works on, one per kind of `{id}`.
struct Fixtures {
    victim: i64,
    tier: i64,
    platform: i64,
    person: i64,
    /// An award, a contract, a loan and an event in 荷塘区, of 荷塘测试企业.
    award: i64,
    contract: i64,
    loan: i64,
    event: i64,
    /// An open call, a draft application of 荷塘测试企业 to it, and a project of the same firm.
    call: i64,
    application: i64,
    project: i64,
    attachment: i64,
}

async fn fixtures(app: &TestApp) -> Fixtures {
    let admin = app.api("admin");
    let victim = admin.send("post", "/api/v1/users", Some(json!({"username": "victim", "role": "expert"}))).await;
    assert_eq!(victim.status(), 201);
    let victim = json_of(victim).await["user"]["user_id"].as_i64().unwrap();
    // One tier per role that may retire one, so each retire finds a live record.
    let tier = json_of(
        admin
            .send(
                "post",
                &format!("/api/v1/organisations/{}/tiers", app.org_hetang),
                Some(json!({"kind": "gazelle", "valid_from": "2021-01-01", "evidence": "test"})),
            )
            .await,
    )
    .await["organisation_tier_id"]
        .as_i64()
        .unwrap();
    let platform = json_of(
        admin
            .send(
                "post",
                "/api/v1/platforms",
                Some(json!({"name": "矩阵平台", "kind": "incubator", "level": "municipal", "region_code": "430202",
                    "reference": "M-1", "host_organisation_id": app.org_hetang})),
            )
            .await,
    )
    .await["platform_id"]
        .as_i64()
        .unwrap();
    let person = json_of(
        admin
            .send(
                "post",
                "/api/v1/people",
                Some(json!({"name": "矩阵人员", "region_code": "430202", "organisation_id": app.org_hetang})),
            )
            .await,
    )
    .await["person_id"]
        .as_i64()
        .unwrap();
    let activity = |path: &'static str, body: Value, key: &'static str| {
        let admin = app.api("admin");
        async move { json_of(admin.send("post", path, Some(body)).await).await[key].as_i64().unwrap() }
    };
    let award = activity("/api/v1/awards", activity_body("post", "/api/v1/awards", 99).unwrap(), "award_id").await;
    let contract =
        activity("/api/v1/contracts", activity_body("post", "/api/v1/contracts", 99).unwrap(), "tech_contract_id")
            .await;
    let loan = activity("/api/v1/loans", activity_body("post", "/api/v1/loans", 99).unwrap(), "loan_id").await;
    let event = activity("/api/v1/events", activity_body("post", "/api/v1/events", 99).unwrap(), "st_event_id").await;
    let (call, application, project) = project_fixtures(app).await;
    // The expert login reviews as the fixture person (who has no assignment: its reviews are 404).
    app.store.link_user_person(&gaodi_store::Actor::system("test"), app.ids["expert"], person).await.unwrap();
    let attachment = json_of(
        app.api("admin")
            .send_bytes(
                &format!("/api/v1/applications/{application}/attachments/proposal?name=p.pdf"),
                b"%PDF-1.4".to_vec(),
            )
            .await,
    )
    .await["attachment_id"]
        .as_i64()
        .unwrap();
    Fixtures { victim, tier, platform, person, award, contract, loan, event, call, application, project, attachment }
}

fn call_body(code: &str) -> Value {
    json!({
        "code": code, "title": "矩阵批次", "programme": "株洲市重点研发计划", "level": "municipal", "kind": "ordinary",
        "budget_fen": 100_000_000, "opens_on": "2020-01-01", "closes_at": "2099-12-31T17:00:00Z", "grace_minutes": 0,
        "eligibility": null, "max_per_lead": 5, "max_concurrent": null, "per_application": 3, "max_per_expert": 5,
        "panel_size": 5, "conflict_years": 3, "industry_min": 0, "expert_fields": "",
        "form": gaodi_domain::project::form::FormTemplate::standard(),
        "review": gaodi_domain::project::review::ReviewTemplate::standard(), "region_code": "430200"
    })
}

fn application_body(n: usize) -> Value {
    json!({"organisation_id": 1, "title": format!("矩阵申报{n}"), "lead_name": "矩阵", "requested_fen": 100,
           "answers": {"summary": "矩阵", "field": "新材料", "start_on": "2021-07-01", "months": "12", "own_funds": "1"}})
}

/// An open call with a draft application of 荷塘测试企业, and a project of the same firm
/// (a second application taken through screening and approval in the store).
async fn project_fixtures(app: &TestApp) -> (i64, i64, i64) {
    use gaodi_domain::project::lifecycle::ApplicationAction as A;
    let admin = app.api("admin");
    let call = json_of(admin.send("post", "/api/v1/calls", Some(call_body("MATRIX"))).await).await["call_id"]
        .as_i64()
        .unwrap();
    admin.send("post", &format!("/api/v1/calls/{call}/status"), Some(json!({"action": "open"}))).await;
    let path = format!("/api/v1/calls/{call}/applications");
    let application =
        json_of(admin.send("post", &path, Some(application_body(100))).await).await["application_id"].as_i64().unwrap();
    let funded =
        json_of(admin.send("post", &path, Some(application_body(101))).await).await["application_id"].as_i64().unwrap();
    let (actor, all, now) = (gaodi_store::Actor::system("test"), Scope::All, gaodi_store::now());
    for a in [A::Submit, A::Endorse] {
        app.store.application_action(&actor, &all, funded, a, None, now).await.unwrap();
    }
    app.store.screen_call(&actor, call, now.date()).await.unwrap();
    app.store.application_action(&actor, &all, funded, A::StartReview, None, now).await.unwrap();
    let d = gaodi_store::project_follow::Decision {
        approve: true,
        granted_fen: 1_000_000,
        minutes: "矩阵".into(),
        decided_on: now.date(),
        months: 12,
    };
    let project = app.store.decide(&actor, funded, &d).await.unwrap().unwrap().project_id;
    (call, application, project)
}

/// A path with its placeholders filled for the route-by-role test.
fn concrete(app: &TestApp, path: &str, f: &Fixtures) -> String {
    let id = if path.starts_with("/api/v1/organisations") {
        app.org_hetang
    } else if path.starts_with("/api/v1/tiers") {
        f.tier
    } else if path.starts_with("/api/v1/platforms") {
        f.platform
    } else if path.starts_with("/api/v1/people") {
        f.person
    } else if path.starts_with("/api/v1/awards") {
        f.award
    } else if path.starts_with("/api/v1/contracts") {
        f.contract
    } else if path.starts_with("/api/v1/loans") {
        f.loan
    } else if path.starts_with("/api/v1/events") {
        f.event
    } else if path.starts_with("/api/v1/calls") {
        f.call
    } else if path.starts_with("/api/v1/applications") {
        f.application
    } else if path.starts_with("/api/v1/projects") {
        f.project
    } else {
        f.victim
    };
    path.replace("{code}", if path.contains("periods") { "2021Q3" } else { "430202" })
        .replace("{kind}", "organisation")
        .replace("{indicator}", "hte_count")
        .replace("{year}", "2021")
        .replace("{field}", "proposal")
        .replace("{attachment}", &f.attachment.to_string())
        .replace("{id}", &id.to_string())
}

/// A valid body for each write route; `n` makes unique keys per caller.
fn body_for(method: &str, path: &str, n: usize) -> Option<Value> {
    match (method, path) {
        ("post", "/api/v1/me/password") => Some(json!({"current_password": PASSWORD, "new_password": PASSWORD})),
        ("post", "/api/v1/me/api-tokens") => Some(json!({"name": "matrix"})),
        ("patch", "/api/v1/regions/{code}") => Some(json!({"name_zh": "荷塘区", "name_en": "Hetang District"})),
        ("post", "/api/v1/users") => Some(json!({"username": format!("matrix{n}"), "role": "expert"})),
        ("post", "/api/v1/organisations") => Some(json!({
            "uscc": uscc(&format!("91430202MA4T1000{n}")), "name": format!("矩阵企业{n}"),
            "kind": "enterprise", "region_code": "430202"})),
        ("put", "/api/v1/organisations/{id}") => Some(json!({
            "uscc": uscc("91430202MA4T00001"), "name": "荷塘测试企业", "kind": "enterprise", "region_code": "430202"})),
        ("post", "/api/v1/organisations/{id}/tiers") => {
            Some(json!({"kind": "gazelle", "valid_from": format!("2021-01-0{}", n + 1), "evidence": "matrix"}))
        }
        ("put", "/api/v1/organisations/{id}/financials/{year}") => Some(json!({"main_business_revenue": "1.00"})),
        ("post", "/api/v1/platforms") | ("put", "/api/v1/platforms/{id}") => Some(json!({
            "name": format!("矩阵平台{n}"), "kind": "incubator", "level": "municipal", "region_code": "430202",
            "reference": if method == "put" { "M-1".to_owned() } else { format!("M-2{n}") }, "host_organisation_id": 1})),
        ("post", "/api/v1/people") => Some(json!({"name": format!("矩阵人员{n}"), "region_code": "430202"})),
        // The fixture stays employed by 荷塘测试企业 (id 1), so its enterprise user keeps seeing it.
        ("put", "/api/v1/people/{id}") => {
            Some(json!({"name": "矩阵人员", "region_code": "430202", "organisation_id": 1}))
        }
        ("post", "/api/v1/people/{id}/roles") => {
            Some(json!({"kind": "applicant", "valid_from": format!("2021-01-0{}", n + 1)}))
        }
        ("post", "/api/v1/calls") => Some(call_body(&format!("MATRIX-{n}"))),
        ("post", "/api/v1/reviews/{id}") => Some(json!({"scores": [5, 5, 5, 5], "no_conflict": true})),
        ("post", "/api/v1/people/{id}/absences") => {
            Some(json!({"from_on": "2021-05-01", "to_on": "2021-05-31", "reason": "出差"}))
        }
        ("post", "/api/v1/people/{id}/expert-links") => {
            Some(json!({"kind": "shareholding", "organisation_id": 1, "note": "持股5%"}))
        }
        ("post", "/api/v1/calls/{id}/status") => Some(json!({"action": "open"})),
        ("post", "/api/v1/calls/{id}/draw") => Some(json!({"seed_source": "matrix"})),
        ("post", "/api/v1/calls/{id}/applications") => Some(application_body(n)),
        ("post", "/api/v1/applications/{id}/action") => Some(json!({"action": "submit"})),
        ("post", "/api/v1/applications/{id}/decision") => Some(json!({"approve": false, "minutes": "矩阵"})),
        _ => activity_body(method, path, n),
    }
}

/// Bodies of the activity registries: `n` 99 makes the fixtures, a put keeps the fixture's key.
/// Records are in 荷塘区 and of 荷塘测试企业 (organisation 1), so district and enterprise users
/// see them.
fn activity_body(method: &str, path: &str, n: usize) -> Option<Value> {
    let key = |prefix: &str| if method == "put" { format!("{prefix}-99") } else { format!("{prefix}-{n}") };
    match (method, path) {
        ("post", "/api/v1/awards") | ("put", "/api/v1/awards/{id}") => Some(json!({
            "name": "株洲市科学技术进步奖", "category": "st_progress", "level": "municipal", "grade": "first",
            "year": 2021, "project_title": "矩阵项目", "region_code": "430202", "reference": key("MA"),
            "organisation_ids": [1]})),
        ("post", "/api/v1/contracts") | ("put", "/api/v1/contracts/{id}") => Some(json!({
            "contract_no": key("MC"), "kind": "development", "title": "矩阵合同", "amount": "100.00",
            "seller_organisation_id": 1, "seller_name": "荷塘测试企业", "seller_region_code": "430202",
            "buyer_name": "买方", "registered_on": "2021-05-01"})),
        ("post", "/api/v1/loans") | ("put", "/api/v1/loans/{id}") => Some(json!({
            "contract_no": key("ML"), "scheme": "knowledge_value_loan", "bank": "矩阵银行",
            "borrower_organisation_id": 1, "amount": "100.00", "start_on": "2021-03-01", "due_on": "2022-02-28"})),
        ("post", "/api/v1/loans/{id}/events") => {
            Some(json!({"kind": "repayment", "occurred_on": "2021-06-01", "amount": "1.00"}))
        }
        ("post", "/api/v1/events") | ("put", "/api/v1/events/{id}") => Some(json!({
            "kind": "st_week", "title": key("矩阵活动"), "held_on": "2021-05-22", "organiser": "荷塘测试企业",
            "organiser_organisation_id": 1, "region_code": "430202", "participants": 10})),
        ("post", "/api/v1/platforms/{id}/evaluations") => {
            Some(json!({"year": 2015 + i32::try_from(n).unwrap_or(0), "result": "good"}))
        }
        _ => None,
    }
}

#[tokio::test]
async fn every_api_route_as_every_role() {
    let app = spawn_app().await;
    // A user the admin may disable, enable and reset without locking a tester out, and one
    // record of every other kind a path names.
    let fx = fixtures(&app).await;
    for (n, (user, role)) in USERS.iter().enumerate() {
        let client = app.api(user);
        let head_before = app.audit_head().await;
        for r in routes() {
            let path = concrete(&app, r.path, &fx);
            let res = client.send(r.method, &path, body_for(r.method, r.path, n)).await;
            let status = res.status().as_u16();
            let allowed = r.roles.is_empty() || r.roles.contains(&role.as_str());
            // An expert's scope holds only what is assigned to them: a record outside it is 404.
            let scoped_record = [
                "/api/v1/organisations/{id}",
                "/api/v1/platforms/{id}",
                "/api/v1/people/{id}",
                "/api/v1/awards/{id}",
                "/api/v1/contracts/{id}",
                "/api/v1/loans/{id}",
                "/api/v1/events/{id}",
                "/api/v1/applications/{id}",
                "/api/v1/projects/{id}",
                "/api/v1/reviews/{id}",
            ]
            .iter()
            .any(|p| r.path.starts_with(p));
            let out_of_scope = *user == "expert" && scoped_record && status == 404;
            if out_of_scope {
                continue;
            }
            if allowed {
                assert!(
                    !matches!(status, 401 | 403 | 404 | 405 | 500),
                    "{user} {} {path}: expected success, got {status}: {}",
                    r.method,
                    res.text().await.unwrap_or_default()
                );
            } else {
                assert_eq!(status, 403, "{user} {} {path} must be forbidden", r.method);
            }
        }
        if *user == "leader" {
            // A leader changes nothing: the only writes open to every role are one's own API
            // token and password, and the matrix's password change is refused as unchanged.
            let events = app.api("admin").get("/api/v1/audit?actor=leader").await.json::<Value>().await.unwrap();
            let actions: Vec<&str> = events["events"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["seq"].as_i64().unwrap() > head_before)
                .map(|e| e["action"].as_str().unwrap())
                .collect();
            assert_eq!(actions, vec!["api_token.create"], "leader wrote more than their own token");
        }
    }
}

#[tokio::test]
async fn every_route_refuses_anonymous_callers() {
    let app = spawn_app().await;
    let fx = fixtures(&app).await;
    let http = reqwest::Client::new();
    for r in routes() {
        let path = concrete(&app, r.path, &fx);
        let m = reqwest::Method::from_bytes(r.method.to_ascii_uppercase().as_bytes()).unwrap();
        let res = http.request(m, app.url(&path)).header("origin", &app.base).json(&json!({})).send().await.unwrap();
        assert!(matches!(res.status().as_u16(), 401 | 403), "{} {path}: {}", r.method, res.status());
    }
}

#[tokio::test]
async fn every_page_as_every_role() {
    let app = spawn_app().await;
    let fx = fixtures(&app).await;
    let victim = app.ids["expert"];
    let admin_only = ["admin"];
    let readers = ["admin", "city", "district", "enterprise", "leader"];
    let indicator_readers = ["admin", "city", "district", "leader"];
    let pool_readers = ["admin", "city", "district", "leader"];
    let pages: Vec<(&str, String, &[&str])> = vec![
        ("get", "/indicators".into(), &indicator_readers),
        ("get", "/indicators/hte_count".into(), &indicator_readers),
        ("get", "/".into(), &[]),
        ("get", "/regions".into(), &[]),
        ("get", "/regions?year=2017".into(), &[]),
        ("get", "/regions/430202".into(), &[]),
        ("get", "/account/password".into(), &[]),
        ("get", "/api/docs".into(), &[]),
        ("get", "/system/users".into(), &admin_only),
        ("get", "/system/audit".into(), &readers),
        ("post", "/regions/430202".into(), &admin_only),
        ("post", "/system/users".into(), &admin_only),
        ("post", format!("/system/users/{victim}/enable"), &admin_only),
        ("post", "/system/audit/verify".into(), &admin_only),
        ("get", "/cultivation".into(), &pool_readers),
        ("get", "/calls".into(), &[]),
        ("get", format!("/calls/{}", fx.call), &[]),
        ("get", format!("/applications/{}", fx.application), &readers),
        ("get", "/projects".into(), &readers),
        ("get", format!("/projects/{}", fx.project), &readers),
        ("get", "/reviews".into(), &["expert"]),
        ("get", "/calls/new".into(), &["admin", "city"]),
        ("get", format!("/people/{}/expert", fx.person), &["admin", "city"]),
        ("post", format!("/calls/{}/screen", fx.call), &["admin", "city"]),
    ];
    for (user, _) in USERS {
        let b = app.browser();
        assert_eq!(b.login(user, PASSWORD).await.status(), 303);
        let csrf = b.csrf().await;
        for (method, path, roles) in &pages {
            let allowed = roles.is_empty() || roles.contains(&user);
            let res = if *method == "get" {
                b.get(path).await
            } else {
                let form: Vec<(&str, &str)> = vec![
                    ("csrf_token", &csrf),
                    ("name_zh", "荷塘区"),
                    ("name_en", "Hetang District"),
                    ("username", "pageuser"),
                    ("role", "expert"),
                ];
                b.post_form(path, &form).await
            };
            let status = res.status().as_u16();
            if allowed {
                assert!(matches!(status, 200 | 303 | 422), "{user} {method} {path}: {status}");
            } else {
                assert_eq!(status, 403, "{user} {method} {path}");
            }
        }
        assert_eq!(b.post_form("/logout", &[("csrf_token", &csrf)]).await.status(), 303);
        assert_eq!(b.get("/").await.status(), 303, "{user} still logged in after logout");
    }
}

#[tokio::test]
async fn district_user_sees_and_changes_only_their_district() {
    let app = spawn_app().await;
    let d = app.api("district");
    let list = json_of(d.get("/api/v1/organisations").await).await;
    let regions: Vec<&str> =
        list["organisations"].as_array().unwrap().iter().map(|o| o["region_code"].as_str().unwrap()).collect();
    assert_eq!(regions, vec!["430202"], "district 430202 sees only its own organisations");
    assert_eq!(d.get(&format!("/api/v1/organisations/{}", app.org_lusong)).await.status(), 404);
    assert_eq!(d.get(&format!("/api/v1/organisations/{}", app.org_hetang)).await.status(), 200);

    let head = app.audit_head().await;
    let other =
        json!({"uscc": uscc("91430203MA4T20001"), "name": "越界企业", "kind": "enterprise", "region_code": "430203"});
    assert_eq!(d.send("post", "/api/v1/organisations", Some(other)).await.status(), 403);
    assert_eq!(app.audit_head().await, head, "a refused write leaves no trace");
    let own =
        json!({"uscc": uscc("91430202MA4T20002"), "name": "本区企业", "kind": "enterprise", "region_code": "430202"});
    assert_eq!(d.send("post", "/api/v1/organisations", Some(own)).await.status(), 201);

    // The audit trail of another district's records is out of reach too.
    let events = json_of(d.get("/api/v1/audit?entity_kind=organisation").await).await;
    for e in events["events"].as_array().unwrap() {
        assert_eq!(e["region_code"], "430202", "district saw {e}");
    }
    let city = json_of(app.api("city").get("/api/v1/audit?entity_kind=organisation").await).await;
    assert!(city["events"].as_array().unwrap().iter().any(|e| e["region_code"] == "430203"));
}

#[tokio::test]
async fn enterprise_user_sees_only_its_own_organisation() {
    let app = spawn_app().await;
    let e = app.api("enterprise");
    let list = json_of(e.get("/api/v1/organisations").await).await;
    let ids: Vec<i64> =
        list["organisations"].as_array().unwrap().iter().map(|o| o["organisation_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![app.org_hetang]);
    assert_eq!(e.get(&format!("/api/v1/organisations/{}", app.org_lusong)).await.status(), 404);
}

#[tokio::test]
async fn unsafe_requests_need_our_origin_and_the_csrf_token() {
    let app = spawn_app().await;
    let b = app.browser();
    b.login("admin", PASSWORD).await;
    let csrf = b.csrf().await;
    let body = json!({"name_zh": "荷塘区", "name_en": "Hetang"});
    let url = app.url("/api/v1/regions/430202");
    let no_token = b.http.patch(&url).header("origin", &app.base).json(&body).send().await.unwrap();
    assert_eq!(no_token.status(), 403);
    assert_eq!(json_of(no_token).await["error"]["code"], "error.csrf");
    let wrong_origin = b
        .http
        .patch(&url)
        .header("origin", "http://evil.example")
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(wrong_origin).await["error"]["code"], "error.bad_origin");
    let no_origin = b.http.patch(&url).header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
    assert_eq!(no_origin.status(), 403);
    let ok =
        b.http.patch(&url).header("origin", &app.base).header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    // Forms carry the token as a field.
    let form = b.post_form("/regions/430202", &[("name_zh", "荷塘区"), ("name_en", "Hetang District")]).await;
    assert_eq!(form.status(), 403);
}

#[tokio::test]
async fn login_locks_out_after_repeated_failures() {
    let app = spawn_app().await;
    let b = app.browser();
    for _ in 0..5 {
        let page = b.login("city", "wrong-Password-1").await.text().await.unwrap();
        assert!(page.contains("role=\"alert\""));
    }
    let res = b.login("city", PASSWORD).await;
    assert_eq!(res.status(), 200, "locked: the right password is refused too");
    assert!(res.text().await.unwrap().contains("锁定"));
    let other = app.browser();
    assert_eq!(other.login("admin", PASSWORD).await.status(), 303, "other accounts unaffected");
}

#[tokio::test]
async fn unknown_and_known_users_fail_alike() {
    let app = spawn_app().await;
    let a = app.browser().login("nobody", "whatever-Pass-1").await.text().await.unwrap();
    let b = app.browser().login("city", "whatever-Pass-1").await.text().await.unwrap();
    let msg = |s: &str| s.split("role=\"alert\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert_eq!(msg(&a), msg(&b));
}

#[tokio::test]
async fn one_time_password_must_be_changed_first() {
    let app = spawn_app().await;
    let created = app
        .api("admin")
        .send("post", "/api/v1/users", Some(json!({"username": "newcomer", "role": "city_staff"})))
        .await;
    let otp = json_of(created).await["one_time_password"].as_str().unwrap().to_owned();
    let b = app.browser();
    let res = b.login("newcomer", &otp).await;
    assert_eq!(res.headers()["location"], "/account/password");
    let regions = b.get("/regions").await;
    assert_eq!(regions.headers()["location"], "/account/password");
    let api = b.get("/api/v1/regions").await;
    assert_eq!(json_of(api).await["error"]["code"], "error.password_change_required");
    let csrf = b.csrf().await;
    let weak = b
        .post_form(
            "/account/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", &otp),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status(), 422);
    let good = "Newcomer-Password-9";
    let res = b
        .post_form(
            "/account/password",
            &[("csrf_token", &csrf), ("current_password", &otp), ("new_password", good), ("confirm_password", good)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(b.get("/regions").await.status(), 200);
    assert_eq!(app.browser().login("newcomer", &otp).await.status(), 200, "the one-time password is spent");
}

#[tokio::test]
async fn region_tree_as_it_stood_in_a_year() {
    let app = spawn_app().await;
    let api = app.api("expert");
    let codes = |v: &Value| -> Vec<String> {
        fn walk(n: &Value, out: &mut Vec<String>) {
            out.push(n["region"]["code"].as_str().unwrap().to_owned());
            for c in n["children"].as_array().unwrap() {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        for n in v["tree"].as_array().unwrap() {
            walk(n, &mut out);
        }
        out
    };
    let t2017 = codes(&json_of(api.get("/api/v1/regions?year=2017").await).await);
    let t2021 = codes(&json_of(api.get("/api/v1/regions?year=2021").await).await);
    assert!(t2017.contains(&"430221".to_owned()) && !t2017.contains(&"430212".to_owned()));
    assert!(t2021.contains(&"430212".to_owned()) && !t2021.contains(&"430221".to_owned()));
    let parks2020 = codes(&json_of(api.get("/api/v1/regions?year=2020&hierarchy=park").await).await);
    let parks2021 = codes(&json_of(api.get("/api/v1/regions?year=2021&hierarchy=park").await).await);
    assert!(!parks2020.contains(&"P43002".to_owned()) && parks2021.contains(&"P43002".to_owned()));
    let page = app.browser();
    page.login("expert", PASSWORD).await;
    let html = page.get_text("/regions?year=2017").await;
    assert!(html.contains("data-code=\"430221\"") && !html.contains("data-code=\"430212\""));
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_in_the_callers_language() {
    let app = spawn_app().await;
    let api = app.api("admin");
    let head = app.audit_head().await;

    let bad_code = json_of(api.get("/api/v1/regions/43020X").await).await;
    assert_eq!(bad_code["error"]["code"], "region.invalid_code_format");
    assert!(bad_code["error"]["message"].as_str().unwrap().contains("43020X"));

    let bad_period = api.get("/api/v1/periods/2021Q5").await;
    assert_eq!(bad_period.status(), 422);
    let en = api
        .http
        .get(app.url("/api/v1/periods/2021Q5"))
        .bearer_auth(&app.tokens["admin"])
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    let en = json_of(en).await;
    assert!(en["error"]["message"].as_str().unwrap().contains("accepted quarters are Q1 to Q4"), "{en}");
    let zh = json_of(bad_period).await;
    assert!(zh["error"]["message"].as_str().unwrap().contains("季度"), "{zh}");

    let dup = api.send("post", "/api/v1/users", Some(json!({"username": "city", "role": "city_staff"}))).await;
    assert_eq!(dup.status(), 409);
    let bad_uscc = json!({"uscc": "91430202MA4T000019", "name": "x", "kind": "enterprise", "region_code": "430202"});
    let res = json_of(api.send("post", "/api/v1/organisations", Some(bad_uscc)).await).await;
    assert_eq!(res["error"]["code"], "uscc.check");
    assert_eq!(res["error"]["field"], "uscc");
    let malformed = api
        .http
        .post(app.url("/api/v1/users"))
        .bearer_auth(&app.tokens["admin"])
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(json_of(malformed).await["error"]["code"], "error.bad_body");
    let unknown = api.get("/api/v1/nothing-here").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(json_of(unknown).await["error"]["code"], "error.not_found");
    let page_404 = app.browser().get("/no/such/page").await;
    assert_eq!(page_404.status(), 404);
    assert!(page_404.text().await.unwrap().contains("<html"));
    let big = "x".repeat(3 * 1024 * 1024);
    let too_big = api
        .http
        .post(app.url("/api/v1/users"))
        .bearer_auth(&app.tokens["admin"])
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), 413);
    assert_eq!(app.audit_head().await, head, "nothing changed");
}

#[tokio::test]
async fn every_write_is_audited_with_before_and_after() {
    let app = spawn_app().await;
    let api = app.api("admin");
    let res = api
        .send("patch", "/api/v1/regions/430202", Some(json!({"name_zh": "荷塘区", "name_en": "Hetang (renamed)"})))
        .await;
    assert_eq!(res.status(), 200);
    let rid = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let ev = json_of(api.get("/api/v1/audit?entity_kind=region&entity_id=430202").await).await;
    let e = &ev["events"][0];
    assert_eq!(e["action"], "region.update");
    assert_eq!(e["actor_name"], "admin");
    assert_eq!(e["request_id"], rid.as_str());
    assert!(e["before"].as_str().unwrap().contains("Hetang District"));
    assert!(e["after"].as_str().unwrap().contains("Hetang (renamed)"));
    let verify = json_of(api.send("post", "/api/v1/audit/verify", None).await).await;
    assert_eq!(verify["intact"], true);
}

#[tokio::test]
async fn tampering_with_the_audit_log_is_detected() {
    use gaodi_store::db::query;
    let app = spawn_app().await;
    let db = app.store.db();
    assert!(app.store.verify_audit().await.is_ok());
    // Append-only: the database itself refuses changes.
    assert!(db.execute(query("update audit_event set actor_name = 'mallory' where seq = 2")).await.is_err());
    assert!(db.execute(query("delete from audit_event where seq = 2")).await.is_err());
    // An attacker with the database's owner rights removes the guard and edits a row.
    match app.backend {
        "sqlite" => {
            db.execute(query("drop trigger audit_event_no_update")).await.unwrap();
            db.execute(query("drop trigger audit_event_no_delete")).await.unwrap();
        }
        _ => {
            db.execute(query("alter table audit_event disable trigger audit_event_no_change")).await.unwrap();
        }
    }
    db.execute(query("update audit_event set actor_name = 'mallory' where seq = 2")).await.unwrap();
    let err = app.store.verify_audit().await.unwrap_err().to_string();
    assert!(err.contains("audit event 2 was changed"), "{err}");
    db.execute(query("update audit_event set actor_name = 'system:test' where seq = 2")).await.unwrap();
    assert!(app.store.verify_audit().await.is_ok(), "restored row verifies again");
    db.execute(query("delete from audit_event where seq = 3")).await.unwrap();
    let err = app.store.verify_audit().await.unwrap_err().to_string();
    assert!(err.contains("missing"), "{err}");
    let api = json_of(app.api("admin").send("post", "/api/v1/audit/verify", None).await).await;
    assert_eq!(api["intact"], false);
}

#[tokio::test]
async fn health_openapi_and_docs_work_offline() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    assert_eq!(http.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    let ready = json_of(http.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(ready["database"], app.backend);
    let doc = json_of(http.get(app.url("/api/openapi.json")).send().await.unwrap()).await;
    for r in routes() {
        assert!(doc["paths"][r.path][r.method].is_object(), "{} {} undocumented", r.method, r.path);
    }
    let docs = http.get(app.url("/api/docs")).send().await.unwrap().text().await.unwrap();
    assert!(docs.contains("/assets/vendor/swagger-ui-bundle.js"));
    let bundle = http.get(app.url("/assets/vendor/swagger-ui-bundle.js")).send().await.unwrap();
    assert_eq!(bundle.status(), 200);
    assert!(bundle.bytes().await.unwrap().len() > 100_000);
    assert!(!docs.contains("http://") && !docs.contains("https://"), "no external addresses");
}

#[tokio::test]
async fn pages_speak_chinese_by_default_and_english_on_request() {
    let app = spawn_app().await;
    let b = app.browser();
    b.login("city", PASSWORD).await;
    let zh = b.get_text("/regions").await;
    assert!(zh.contains("lang=\"zh-CN\"") && zh.contains("行政区划") && zh.contains("株洲市"));
    assert_eq!(b.get("/lang/en?next=/regions").await.status(), 303);
    let en = b.get_text("/regions").await;
    assert!(en.contains("lang=\"en\"") && en.contains("Regions") && en.contains("Zhuzhou"));
}

//! The project life cycle through the API and the store, on either backend: a call, an
//! application from draft to approval, screening with reasons, conflicts, the seeded draw, the
//! optimal assignment, reviews that stay hidden until one's own is in, ranking, the decision,
//! and the project's agreement, milestones, tranches, change and acceptance.

mod common;

use common::{spawn_app, TestApp};
use gaodi_domain::access::Scope;
use gaodi_domain::person::{PersonRole, PersonRoleKind, RoleDetails};
use gaodi_domain::project::form::FormTemplate;
use gaodi_domain::project::lifecycle::{ChangeKind, ProjectStatus};
use gaodi_domain::project::review::ReviewTemplate;
use gaodi_domain::region::RegionCode;
use gaodi_store::person::{IdView, NewPerson};
use gaodi_store::project_follow::ChangeRequest;
use gaodi_store::Actor;
use serde_json::{json, Value};
use time::macros::date;

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn call_body(code: &str, closes_at: &str) -> Value {
    json!({
        "code": code, "title": "2021年株洲市重点研发计划", "programme": "株洲市重点研发计划",
        "level": "municipal", "kind": "ordinary", "budget_fen": 500_000_000, "opens_on": "2020-01-01",
        "closes_at": closes_at, "grace_minutes": 30, "eligibility": "in_city = 1 and overdue_projects = 0",
        "max_per_lead": 1, "max_concurrent": 3, "per_application": 3, "max_per_expert": 2, "panel_size": 6,
        "conflict_years": 3, "industry_min": 1, "expert_fields": "",
        "form": FormTemplate::standard(), "review": ReviewTemplate::standard(), "region_code": "430200"
    })
}

fn answers() -> Value {
    json!({"summary": "新型储能材料中试", "field": "新材料", "start_on": "2021-07-01", "months": "24", "own_funds": "120"})
}

/// Eight experts of the pool; the first works at the applicant (a conflict), three work at an
/// enterprise (industry experts).
async fn experts(app: &TestApp) -> Vec<i64> {
    let actor = Actor::system("test");
    let region = RegionCode::parse("430202").unwrap();
    let mut ids = Vec::new();
    for i in 0..8 {
        let mut p = NewPerson::basic(&format!("专家{i}"), region.clone());
        p.organisation_id = match i {
            0 => Some(app.org_hetang),
            1..=3 => Some(app.org_lusong),
            _ => None,
        };
        let person = app.store.create_person(&actor, &Scope::All, &p, IdView::Full).await.unwrap();
        let fields = if i % 2 == 0 { "新材料" } else { "智能制造" };
        let role = PersonRole::new(
            PersonRoleKind::Expert,
            date!(2020 - 01 - 01),
            None,
            &RoleDetails { reference: None, fields: Some(fields), assignment: None, nationality: None },
        )
        .unwrap();
        app.store.add_person_role(&actor, &Scope::All, person.person_id, &role).await.unwrap();
        ids.push(person.person_id);
    }
    ids
}

#[tokio::test]
async fn an_application_goes_from_draft_to_an_accepted_project() {
    let app = spawn_app().await;
    let pool = experts(&app).await;
    let (admin, city, enterprise) = (app.api("admin"), app.api("city"), app.api("enterprise"));

    // The call: only staff create it; a bad rule names itself.
    let mut bad = call_body("ZZ-BAD", "2099-12-31T17:00:00Z");
    bad["eligibility"] = json!("hte_count > 1");
    let (s, e) = json_of(admin.send("post", "/api/v1/calls", Some(bad)).await).await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("eligibility.unknown_fact")), "{e}");
    assert_eq!(
        enterprise.send("post", "/api/v1/calls", Some(call_body("ZZ-E", "2099-12-31T17:00:00Z"))).await.status(),
        403
    );
    let (s, call) =
        json_of(admin.send("post", "/api/v1/calls", Some(call_body("ZZ-2021-01", "2099-12-31T17:00:00Z"))).await).await;
    assert_eq!(s, 201, "{call}");
    let call_id = call["call_id"].as_i64().unwrap();
    let body = json!({"organisation_id": app.org_hetang, "title": "储能材料", "lead_name": "张工", "requested_fen": 30_000_000, "answers": answers()});
    let (s, e) =
        json_of(enterprise.send("post", &format!("/api/v1/calls/{call_id}/applications"), Some(body.clone())).await)
            .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("application.call_not_open")),
        "a draft call takes no applications"
    );
    admin.send("post", &format!("/api/v1/calls/{call_id}/status"), Some(json!({"action": "open"}))).await;

    // The enterprise applies for its own firm only; a bad amount names the field.
    let mut wrong = body.clone();
    wrong["answers"]["own_funds"] = json!("很多");
    let (s, e) =
        json_of(enterprise.send("post", &format!("/api/v1/calls/{call_id}/applications"), Some(wrong)).await).await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("form.not_money")), "{e}");
    let mut other = body.clone();
    other["organisation_id"] = json!(app.org_lusong);
    assert_eq!(
        enterprise.send("post", &format!("/api/v1/calls/{call_id}/applications"), Some(other.clone())).await.status(),
        404
    );
    let (s, a) =
        json_of(enterprise.send("post", &format!("/api/v1/calls/{call_id}/applications"), Some(body.clone())).await)
            .await;
    assert_eq!(s, 201, "{a}");
    let id = a["application_id"].as_i64().unwrap();
    assert_eq!(a["status"], "draft");
    let (s, e) =
        json_of(enterprise.send("post", &format!("/api/v1/calls/{call_id}/applications"), Some(body.clone())).await)
            .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("application.per_lead")),
        "one application per lead per call"
    );
    // A second applicant (admin on its behalf) that the district never endorses.
    let (_, b) = json_of(admin.send("post", &format!("/api/v1/calls/{call_id}/applications"), Some(other)).await).await;
    let other_id = b["application_id"].as_i64().unwrap();

    let step = |user: &'static str, id: i64, action: &'static str, reason: Option<&'static str>| {
        let client = app.api(user);
        async move {
            json_of(
                client
                    .send(
                        "post",
                        &format!("/api/v1/applications/{id}/action"),
                        Some(json!({"action": action, "reason": reason})),
                    )
                    .await,
            )
            .await
        }
    };
    assert_eq!(step("enterprise", id, "endorse", None).await.0, 422, "applicants do not endorse");
    assert_eq!(step("enterprise", id, "submit", None).await.1["status"], "submitted");
    assert_eq!(step("admin", other_id, "submit", None).await.1["status"], "submitted");
    let (s, e) = step("district", id, "return", None).await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("project.reason_required")));
    assert_eq!(step("district", id, "return", Some("预算表缺少自筹说明")).await.1["status"], "returned");
    assert_eq!(step("enterprise", id, "submit", None).await.1["status"], "submitted");
    assert_eq!(step("district", other_id, "endorse", None).await.0, 404, "芦淞 is outside the 荷塘 district's scope");
    assert_eq!(step("district", id, "endorse", None).await.1["status"], "endorsed");

    // Screening: the endorsed application passes with its reasons; the other waits.
    let (s, r) = json_of(city.send("post", &format!("/api/v1/calls/{call_id}/screen"), None).await).await;
    assert_eq!((s, r["passed"].as_i64(), r["failed"].as_i64()), (200, Some(1), Some(0)), "{r}");
    let (_, a) = json_of(city.get(&format!("/api/v1/applications/{id}")).await).await;
    assert_eq!(a["status"], "eligible");
    let codes: Vec<&str> =
        a["screening"]["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"screening.rule_met"), "{codes:?}");
    assert_eq!(enterprise.send("post", &format!("/api/v1/calls/{call_id}/screen"), None).await.status(), 403);

    // Conflicts, the draw and the assignment.
    let (s, d) = json_of(
        city.send(
            "post",
            &format!("/api/v1/calls/{call_id}/draw"),
            Some(json!({"seed_source": "2021-05-10 福彩3D 538"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["size"], 6);
    assert!(app.store.replay_draw(call_id).await.unwrap(), "the recorded draw replays");
    let (s, e) = json_of(
        city.send("post", &format!("/api/v1/calls/{call_id}/draw"), Some(json!({"seed_source": "again"}))).await,
    )
    .await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("draw.already_drawn")));
    // Make sure the conflicted expert is on the panel, replacing a drawn one if needed.
    let actor = Actor::system("test");
    let on = time::OffsetDateTime::now_utc().date();
    let panel = app.store.panel(call_id, on).await.unwrap();
    if !panel.iter().any(|m| m.person_id == pool[0]) {
        // Replace members until the conflicted expert is drawn in as a substitute (or none are left).
        for m in panel {
            if app.store.panel(call_id, on).await.unwrap().iter().any(|x| x.person_id == pool[0]) {
                break;
            }
            let _ = app.store.replace_panel_member(&actor, call_id, m.person_id, "外出").await;
        }
    }
    let (s, run) = json_of(city.send("post", &format!("/api/v1/calls/{call_id}/assign"), None).await).await;
    assert_eq!(s, 200, "{run}");
    assert_eq!(run["pairs"], 3);
    let conflicts = app.store.conflicts(call_id, None).await.unwrap();
    assert!(conflicts.iter().any(|c| c.person_id == pool[0] && c.application_id == id), "{conflicts:?}");
    let assigned = app.store.assignments(Some(call_id), None).await.unwrap();
    assert_eq!(assigned.len(), 3);
    assert!(assigned.iter().all(|a| a.person_id != pool[0]), "a conflicted expert is never assigned");
    assert!(assigned.iter().any(|a| (1..=3).any(|i| pool[i] == a.person_id)), "at least one industry expert");

    // Past the due date the open reviews are reminded (and only those).
    let late = on + time::Duration::days(gaodi_store::review::REVIEW_DAYS + 1);
    assert!(app.store.remind_overdue(&actor, call_id, on).await.unwrap().is_empty(), "nothing is late yet");
    assert_eq!(app.store.remind_overdue(&actor, call_id, late).await.unwrap().len(), 3);
    assert!(app.store.assignments(Some(call_id), None).await.unwrap().iter().all(|a| a.reminded));

    // Reviews: others' stay hidden until one's own is in; scores are checked.
    let first = &assigned[0];
    assert_eq!(
        app.store.reviews_of(id, Some(first.person_id)).await.unwrap_err().to_string(),
        "invalid input review.own_first"
    );
    let bad =
        app.store.submit_review(&actor, first.review_assignment_id, first.person_id, &[11, 5, 5, 5], "", true).await;
    assert!(bad.is_err());
    let undeclared =
        app.store.submit_review(&actor, first.review_assignment_id, first.person_id, &[8, 7, 7, 8], "好", false).await;
    assert!(undeclared.is_err(), "the no-conflict declaration is required");
    // The first expert reviews through the API, logged in as themselves.
    app.store.link_user_person(&actor, app.ids["expert"], first.person_id).await.unwrap();
    let expert = app.api("expert");
    let path = format!("/api/v1/reviews/{}", first.review_assignment_id);
    let (s, e) =
        json_of(expert.send("post", &path, Some(json!({"scores": [7, 7, 8], "no_conflict": true}))).await).await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("review.score_count")), "{e}");
    let (s, r) = json_of(
        expert
            .send("post", &path, Some(json!({"scores": [7, 7, 8, 8], "comment": "创新性较强", "no_conflict": true})))
            .await,
    )
    .await;
    assert_eq!((s, r["status"].as_str()), (200, Some("submitted")), "{r}");
    assert_eq!(
        city.send("post", &path, Some(json!({"scores": [7, 7, 8, 8], "no_conflict": true}))).await.status(),
        403
    );
    for (n, a) in assigned.iter().enumerate().skip(1) {
        let s = i64::try_from(n).unwrap();
        app.store
            .submit_review(&actor, a.review_assignment_id, a.person_id, &[7 + s, 7, 8, 8 - s], "创新性较强", true)
            .await
            .unwrap();
    }
    assert_eq!(app.store.reviews_of(id, Some(first.person_id)).await.unwrap().len(), 3);
    let (s, st) = json_of(city.get(&format!("/api/v1/calls/{call_id}/standings")).await).await;
    assert_eq!(s, 200);
    assert_eq!(st["standings"][0]["application"], id);
    assert_eq!(st["standings"][0]["rank"], 1);
    assert_eq!(enterprise.get(&format!("/api/v1/calls/{call_id}/standings")).await.status(), 403);

    // The decision creates the project with its tranches.
    let (s, e) = json_of(
        city.send(
            "post",
            &format!("/api/v1/applications/{id}/decision"),
            Some(json!({"approve": true, "granted_wan": "50", "months": 24})),
        )
        .await,
    )
    .await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("decision.minutes_required")));
    let (s, d) = json_of(
        city.send(
            "post",
            &format!("/api/v1/applications/{id}/decision"),
            Some(json!({"approve": true, "granted_wan": "50", "months": 24, "minutes": "专家组一致同意"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["approved"], true);
    let project_id = d["project"]["project_id"].as_i64().unwrap();
    assert_eq!(d["project"]["granted_fen"], 50_000_000);
    let (_, p) = json_of(enterprise.get(&format!("/api/v1/projects/{project_id}")).await).await;
    let tranches: Vec<i64> =
        p["milestones"].as_array().unwrap().iter().map(|m| m["tranche_fen"].as_i64().unwrap()).collect();
    assert_eq!(tranches, [20_000_000, 15_000_000, 15_000_000]);
    assert_eq!(app.api("leader").get(&format!("/api/v1/projects/{project_id}")).await.status(), 200);

    // Agreement, reports, a change, acceptance.
    let p = app.store.sign_agreement(&actor, project_id, "ZZKJ-2021-001", on).await.unwrap();
    assert_eq!((p.status, p.released_fen), (ProjectStatus::InProgress, 20_000_000));
    let ms = app.store.milestones(project_id, on).await.unwrap();
    let ent_scope = Scope::Organisation { organisation_id: app.org_hetang };
    assert!(
        app.store.submit_milestone(&actor, &ent_scope, ms[1].milestone_id, " ", on).await.is_err(),
        "a report is needed"
    );
    app.store.submit_milestone(&actor, &ent_scope, ms[1].milestone_id, "中期进展报告", on).await.unwrap();
    assert!(
        app.store.decide_milestone(&actor, ms[1].milestone_id, false, None, on).await.is_err(),
        "a return needs its reason"
    );
    app.store.decide_milestone(&actor, ms[1].milestone_id, false, Some("缺少经费使用明细"), on).await.unwrap();
    app.store
        .submit_milestone(&actor, &ent_scope, ms[1].milestone_id, "中期进展报告（补充经费明细）", on)
        .await
        .unwrap();
    app.store.decide_milestone(&actor, ms[1].milestone_id, true, None, on).await.unwrap();
    assert_eq!(app.store.project(&Scope::All, project_id, on).await.unwrap().released_fen, 35_000_000);
    let end = p.end_on;
    let req = ChangeRequest {
        kind: ChangeKind::Extension,
        reason: "设备到货延迟".into(),
        new_budget_fen: None,
        new_end_on: Some(end + time::Duration::days(90)),
    };
    let change = app.store.request_change(&actor, &ent_scope, project_id, &req, on).await.unwrap();
    app.store.decide_change(&actor, change.project_change_id, true, "同意延期三个月", on).await.unwrap();
    assert_eq!(app.store.project(&Scope::All, project_id, on).await.unwrap().end_on, end + time::Duration::days(90));
    let done = app.store.accept_project(&actor, project_id, true, "完成任务书约定指标", None, on).await.unwrap();
    assert_eq!((done.status, done.released_fen), (ProjectStatus::Accepted, 50_000_000));

    // Every step is in the audit log.
    let (_, log) = json_of(admin.get(&format!("/api/v1/audit?entity_kind=application&entity_id={id}")).await).await;
    let actions: Vec<&str> = log["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in [
        "application.create",
        "application.submit",
        "application.return",
        "application.endorse",
        "application.screen_pass",
        "application.start_review",
        "application.approve",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

#[tokio::test]
async fn submissions_close_with_the_deadline_and_its_grace_period() {
    let app = spawn_app().await;
    let admin = app.api("admin");
    let now = time::OffsetDateTime::now_utc();
    let fmt = &time::format_description::well_known::Rfc3339;
    // Closed 20 minutes ago with a 30-minute grace: still open.
    let closes = (now - time::Duration::minutes(20)).format(fmt).unwrap();
    let (_, call) = json_of(admin.send("post", "/api/v1/calls", Some(call_body("ZZ-GRACE", &closes))).await).await;
    let call_id = call["call_id"].as_i64().unwrap();
    admin.send("post", &format!("/api/v1/calls/{call_id}/status"), Some(json!({"action": "open"}))).await;
    let body = json!({"organisation_id": app.org_hetang, "title": "宽限期内", "lead_name": "李工", "requested_fen": 0, "answers": answers()});
    let (_, a) =
        json_of(app.api("enterprise").send("post", &format!("/api/v1/calls/{call_id}/applications"), Some(body)).await)
            .await;
    let id = a["application_id"].as_i64().unwrap();
    let submit = json!({"action": "submit"});
    let (s, a) = json_of(
        app.api("enterprise").send("post", &format!("/api/v1/applications/{id}/action"), Some(submit.clone())).await,
    )
    .await;
    assert_eq!((s, a["status"].as_str()), (200, Some("submitted")), "{a}");
    // Closed 40 minutes ago: past the grace period, and nothing changes.
    let closes = (now - time::Duration::minutes(40)).format(fmt).unwrap();
    let (_, call) = json_of(admin.send("post", "/api/v1/calls", Some(call_body("ZZ-LATE", &closes))).await).await;
    let late_call = call["call_id"].as_i64().unwrap();
    admin.send("post", &format!("/api/v1/calls/{late_call}/status"), Some(json!({"action": "open"}))).await;
    let body = json!({"organisation_id": app.org_hetang, "title": "过期", "lead_name": "李工", "requested_fen": 0, "answers": answers()});
    let (_, a) = json_of(
        app.api("enterprise").send("post", &format!("/api/v1/calls/{late_call}/applications"), Some(body)).await,
    )
    .await;
    let late = a["application_id"].as_i64().unwrap();
    let (s, e) =
        json_of(app.api("enterprise").send("post", &format!("/api/v1/applications/{late}/action"), Some(submit)).await)
            .await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("project.deadline_passed")), "{e}");
    let (_, a) = json_of(app.api("enterprise").get(&format!("/api/v1/applications/{late}")).await).await;
    assert_eq!(a["status"], "draft");
}

#[tokio::test]
async fn attachments_are_checked_and_stay_inside_the_scope() {
    let app = spawn_app().await;
    let admin = app.api("admin");
    let (_, call) =
        json_of(admin.send("post", "/api/v1/calls", Some(call_body("ZZ-FILES", "2099-12-31T17:00:00Z"))).await).await;
    let call_id = call["call_id"].as_i64().unwrap();
    admin.send("post", &format!("/api/v1/calls/{call_id}/status"), Some(json!({"action": "open"}))).await;
    let body = json!({"organisation_id": app.org_hetang, "title": "附件", "lead_name": "王工", "requested_fen": 0, "answers": answers()});
    let (_, a) =
        json_of(app.api("enterprise").send("post", &format!("/api/v1/calls/{call_id}/applications"), Some(body)).await)
            .await;
    let id = a["application_id"].as_i64().unwrap();
    let ent = app.api("enterprise");
    let (s, e) = json_of(
        ent.send_bytes(&format!("/api/v1/applications/{id}/attachments/proposal?name=申报书.docx"), b"x".to_vec())
            .await,
    )
    .await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("form.file_type")), "{e}");
    let (s, e) = json_of(
        ent.send_bytes(&format!("/api/v1/applications/{id}/attachments/summary?name=a.pdf"), b"x".to_vec()).await,
    )
    .await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("form.unknown_field")), "{e}");
    let pdf = b"%PDF-1.4 demo".to_vec();
    let (s, info) = json_of(
        ent.send_bytes(&format!("/api/v1/applications/{id}/attachments/proposal?name=申报书.pdf"), pdf.clone()).await,
    )
    .await;
    assert_eq!(s, 201, "{info}");
    let aid = info["attachment_id"].as_i64().unwrap();
    let got = ent.get(&format!("/api/v1/applications/{id}/files/{aid}")).await;
    assert_eq!(got.status(), 200);
    assert!(got.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
    assert_eq!(got.bytes().await.unwrap().to_vec(), pdf);
    // The applicant's district reads it; a submitted application takes no new files.
    assert_eq!(app.api("district").get(&format!("/api/v1/applications/{id}/files/{aid}")).await.status(), 200);
    app.store
        .application_action(
            &Actor::system("test"),
            &Scope::All,
            id,
            gaodi_domain::project::lifecycle::ApplicationAction::Submit,
            None,
            gaodi_store::now(),
        )
        .await
        .unwrap();
    let (s, e) =
        json_of(ent.send_bytes(&format!("/api/v1/applications/{id}/attachments/proposal?name=b.pdf"), pdf).await).await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("application.not_editable")), "{e}");
    let lusong = app
        .store
        .create_user(
            &Actor::system("test"),
            &gaodi_store::user::NewUser {
                username: gaodi_domain::access::Username::parse("lusong").unwrap(),
                display_name: "芦淞".into(),
                role: gaodi_domain::access::Role::DistrictStaff,
                regions: vec![RegionCode::parse("430203").unwrap()],
                organisation_id: None,
            },
            common::PASSWORD,
        )
        .await
        .unwrap();
    app.store.set_password(&Actor::system("test"), lusong.user_id, common::PASSWORD, false, None).await.unwrap();
    let token = app.store.create_api_token(&Actor::system("test"), lusong.user_id, "t").await.unwrap();
    let res = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/applications/{id}/files/{aid}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "outside the district's scope");
}

#[tokio::test]
async fn staff_create_a_call_from_the_form_and_bad_fields_are_named() {
    let app = spawn_app().await;
    let b = app.browser();
    assert_eq!(b.login("city", common::PASSWORD).await.status(), 303);
    let csrf = b.csrf().await;
    let page = b.get_text("/calls/new").await;
    assert!(page.contains("in_city"), "the applicant facts are listed");
    let mut form = vec![
        ("csrf_token", csrf.as_str()),
        ("code", "ZZ-FORM-01"),
        ("title", "表单新建批次"),
        ("programme", "株洲市重点研发计划"),
        ("level", "municipal"),
        ("kind", "ordinary"),
        ("budget_wan", "1200"),
        ("opens_on", "2022-03-01"),
        ("closes_at", "2022-04-30T17:00"),
        ("grace_minutes", "半小时"),
        ("eligibility", "in_city = 1 and hte = 1"),
        ("max_per_lead", "1"),
        ("max_concurrent", ""),
        ("per_application", "5"),
        ("max_per_expert", "10"),
        ("panel_size", "25"),
        ("conflict_years", "3"),
        ("industry_min", "1"),
        ("expert_fields", ""),
        ("aggregation", "median"),
        ("overall_threshold", "60"),
    ];
    let refused = b.post_form("/calls/new", &form).await;
    assert_eq!(refused.status(), 200);
    let text = refused.text().await.unwrap();
    assert!(text.contains("半小时"), "what was typed is kept");
    assert!(text.contains("cf-grace_minutes"), "the field is named");
    assert!(app.store.calls().await.unwrap().is_empty(), "nothing saved");
    form[9] = ("grace_minutes", "30");
    // The criteria: a line that does not read is named, weights must add up to 100.
    form.push(("criteria", "novelty | 新颖性 | Novelty | 60 | 0 | 10\nimpact | 效益 | Impact | forty | 0 | 10"));
    form.push(("tie_break", "novelty"));
    let refused = b.post_form("/calls/new", &form).await.text().await.unwrap();
    assert!(refused.contains("评分标准第 2 行无效"), "the bad line is named");
    form[21] = ("criteria", "novelty | 新颖性 | Novelty | 60 | 0 | 10\nimpact | 效益 | Impact | 30 | 0 | 10");
    let refused = b.post_form("/calls/new", &form).await.text().await.unwrap();
    assert!(refused.contains("href=\"#cf-review\""), "the weights are refused under the criteria");
    assert!(app.store.calls().await.unwrap().is_empty(), "nothing saved");
    form[21] = ("criteria", "novelty | 新颖性 | Novelty | 60 | 0 | 10 | 6\nimpact | 效益 | Impact | 40 | 0 | 10");
    let ok = b.post_form("/calls/new", &form).await;
    assert_eq!(ok.status(), 303);
    let calls = app.store.calls().await.unwrap();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!((call.code.as_str(), call.budget_fen, call.max_concurrent), ("ZZ-FORM-01", 1_200_000_000, None));
    assert_eq!(call.review.aggregation, gaodi_domain::project::review::Aggregation::Median);
    let codes: Vec<&str> = call.review.criteria.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["novelty", "impact"]);
    assert_eq!(
        (call.review.criteria[0].threshold, call.review.tie_break.clone()),
        (Some(6), vec!["novelty".to_owned()])
    );
    assert_eq!(call.closes_at.to_offset(time::UtcOffset::UTC).hour(), 9, "17:00 Beijing time");
    let enterprise = app.browser();
    assert_eq!(enterprise.login("enterprise", common::PASSWORD).await.status(), 303);
    assert_eq!(enterprise.get("/calls/new").await.status(), 403);
}

#[tokio::test]
async fn recorded_links_raise_conflicts_and_absent_experts_are_not_drawn() {
    let app = spawn_app().await;
    let pool = experts(&app).await;
    let (admin, city) = (app.api("admin"), app.api("city"));
    let link = |person: i64, body: Value| {
        let c = app.api("city");
        async move { json_of(c.send("post", &format!("/api/v1/people/{person}/expert-links"), Some(body)).await).await }
    };
    let (s, e) = link(pool[5], json!({"kind": "shareholding", "note": "持股"})).await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("expert.link_target")));
    let (s, e) = link(pool[5], json!({"kind": "friend", "organisation_id": app.org_hetang, "note": "x"})).await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("expert.link_kind")));
    assert_eq!(
        link(pool[5], json!({"kind": "shareholding", "organisation_id": app.org_hetang, "note": "持股5%"})).await.0,
        201
    );
    let today = time::OffsetDateTime::now_utc().date();
    let away_person = pool[6];
    let away = |from: time::Date, to: time::Date| {
        let c = app.api("city");
        async move {
            json_of(
                c.send(
                    "post",
                    &format!("/api/v1/people/{away_person}/absences"),
                    Some(json!({"from_on": from.to_string(), "to_on": to.to_string(), "reason": "出国访问"})),
                )
                .await,
            )
            .await
        }
    };
    assert_eq!(away(today, today - time::Duration::days(1)).await.0, 422, "a reversed period is refused");
    assert_eq!(away(today - time::Duration::days(1), today + time::Duration::days(30)).await.0, 201);
    assert_eq!(
        app.api("enterprise")
            .send(
                "post",
                &format!("/api/v1/people/{}/absences", pool[6]),
                Some(json!({"from_on": "2021-01-01", "to_on": "2021-01-02", "reason": "x"}))
            )
            .await
            .status(),
        403
    );

    let (_, call) =
        json_of(admin.send("post", "/api/v1/calls", Some(call_body("ZZ-LINKS", "2099-12-31T17:00:00Z"))).await).await;
    let call_id = call["call_id"].as_i64().unwrap();
    admin.send("post", &format!("/api/v1/calls/{call_id}/status"), Some(json!({"action": "open"}))).await;
    let body = json!({"organisation_id": app.org_hetang, "title": "关联", "lead_name": "赵工", "requested_fen": 0, "answers": answers()});
    let (_, a) =
        json_of(app.api("enterprise").send("post", &format!("/api/v1/calls/{call_id}/applications"), Some(body)).await)
            .await;
    let id = a["application_id"].as_i64().unwrap();
    for (user, action) in [("enterprise", "submit"), ("district", "endorse")] {
        app.api(user).send("post", &format!("/api/v1/applications/{id}/action"), Some(json!({"action": action}))).await;
    }
    city.send("post", &format!("/api/v1/calls/{call_id}/screen"), None).await;
    let (s, d) = json_of(
        city.send("post", &format!("/api/v1/calls/{call_id}/draw"), Some(json!({"seed_source": "links"}))).await,
    )
    .await;
    assert_eq!(s, 200, "{d}");
    let order: Vec<i64> = d["order"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(order.len(), 7, "eight experts, one away");
    assert!(!order.contains(&pool[6]), "the absent expert is not in the pool");
    app.store.detect_conflicts(&Actor::system("test"), call_id, today).await.unwrap();
    let conflicts = app.store.conflicts(call_id, Some(pool[5])).await.unwrap();
    assert!(
        conflicts
            .iter()
            .any(|c| c.kind == gaodi_domain::project::conflict::ConflictKind::Shareholding && c.application_id == id),
        "{conflicts:?}"
    );

    // A relation recorded after the assignment is found when the expert opens the application:
    // the assignment is declined before anything is shown.
    let actor = Actor::system("test");
    app.store.assign_reviews(&actor, call_id, today).await.unwrap();
    let first = app.store.assignments(Some(call_id), None).await.unwrap().remove(0);
    let employment = gaodi_domain::project::conflict::ConflictKind::Employment;
    app.store
        .add_expert_link(&actor, first.person_id, employment, Some(app.org_hetang), None, "兼职顾问")
        .await
        .unwrap();
    let e = app.store.open_assignment(&actor, first.review_assignment_id, first.person_id, today).await.unwrap_err();
    assert!(e.to_string().starts_with("invalid input review.conflict_found"), "{e}");
    assert_eq!(app.store.assignment(first.review_assignment_id).await.unwrap().status, "declined");
    assert!(app.store.conflicts(call_id, Some(first.person_id)).await.unwrap().iter().any(|c| c.application_id == id));
}

#[tokio::test]
async fn a_challenge_list_runs_from_demand_to_acceptance_by_the_demand_side() {
    use gaodi_domain::project::lifecycle::ApplicationAction as A;
    use gaodi_store::project::{NewApplication, NewChallenge};
    let app = spawn_app().await;
    let pool = experts(&app).await;
    let (actor, all) = (Actor::system("test"), Scope::All);
    let on = time::OffsetDateTime::now_utc().date();
    let mut body = call_body("ZZ-JB", "2099-12-31T17:00:00Z");
    body["kind"] = json!("challenge");
    body["eligibility"] = Value::Null;
    body["max_per_lead"] = json!(2);
    let (_, call) = json_of(app.api("admin").send("post", "/api/v1/calls", Some(body)).await).await;
    let call_id = call["call_id"].as_i64().unwrap();
    app.api("admin").send("post", &format!("/api/v1/calls/{call_id}/status"), Some(json!({"action": "open"}))).await;

    // The demand side (芦淞测试企业) proposes; the bureau declines one with a reason, publishes the other.
    let demand = |t: &str| NewChallenge { title: t.into(), description: "需求".into(), budget_fen: 200_000_000 };
    let ent_lusong = Scope::Organisation { organisation_id: app.org_lusong };
    let declined =
        app.store.propose_challenge(&actor, &ent_lusong, call_id, app.org_lusong, &demand("一般服务")).await.unwrap();
    assert!(
        app.store.vet_challenge(&actor, declined.challenge_id, false, " ").await.is_err(),
        "declining needs a reason"
    );
    app.store.vet_challenge(&actor, declined.challenge_id, false, "不属于技术攻关").await.unwrap();
    let ch = app
        .store
        .propose_challenge(&actor, &ent_lusong, call_id, app.org_lusong, &demand("IGBT芯片国产化"))
        .await
        .unwrap();
    assert!(
        app.store.propose_challenge(&actor, &ent_lusong, call_id, app.org_hetang, &demand("x")).await.is_err(),
        "a firm proposes only for itself"
    );
    app.store.vet_challenge(&actor, ch.challenge_id, true, "").await.unwrap();

    // Two teams race (赛马); a team cannot register for the declined demand or without a demand.
    let team = |n: usize, challenge: Option<i64>| NewApplication {
        organisation_id: app.org_hetang,
        challenge_id: challenge,
        lead_person_id: None,
        lead_name: format!("团队{n}"),
        title: format!("揭榜方案{n}"),
        requested_fen: 200_000_000,
        answers: serde_json::from_value(answers()).unwrap(),
        members: Vec::new(),
        partners: Vec::new(),
    };
    assert!(app.store.create_application(&actor, &all, call_id, &team(0, None)).await.is_err());
    assert!(app.store.create_application(&actor, &all, call_id, &team(0, Some(declined.challenge_id))).await.is_err());
    let mut teams = Vec::new();
    for n in 1..=2 {
        let a = app.store.create_application(&actor, &all, call_id, &team(n, Some(ch.challenge_id))).await.unwrap();
        for step in [A::Submit, A::Endorse] {
            app.store.application_action(&actor, &all, a.application_id, step, None, gaodi_store::now()).await.unwrap();
        }
        teams.push(a.application_id);
    }
    assert_eq!(app.store.challenge(ch.challenge_id).await.unwrap().teams, 2);
    app.store.screen_call(&actor, call_id, on).await.unwrap();
    app.store.draw_panel(&actor, call_id, "jb", on).await.unwrap();
    app.store.assign_reviews(&actor, call_id, on).await.unwrap();
    for a in app.store.assignments(Some(call_id), None).await.unwrap() {
        let s = if a.application_id == teams[0] { 9 } else { 6 };
        app.store.submit_review(&actor, a.review_assignment_id, a.person_id, &[s, s, s, s], "", true).await.unwrap();
    }
    assert!(pool.len() >= 6);
    let standings = app.store.rank_call(&actor, call_id).await.unwrap();
    assert_eq!(standings[0].application, teams[0]);
    let decide = |approve| gaodi_store::project_follow::Decision {
        approve,
        granted_fen: 200_000_000,
        minutes: if approve { "胜出" } else { "赛马未胜出" }.into(),
        decided_on: on,
        months: 24,
    };
    let project = app.store.decide(&actor, teams[0], &decide(true)).await.unwrap().unwrap();
    assert!(app.store.decide(&actor, teams[1], &decide(false)).await.unwrap().is_none());
    assert_eq!(app.store.challenge(ch.challenge_id).await.unwrap().status, "awarded");

    // Gates release tranches; the bureau cannot accept a challenge project, the demand side does.
    app.store.sign_agreement(&actor, project.project_id, "JB-001", on).await.unwrap();
    let ms = app.store.milestones(project.project_id, on).await.unwrap();
    let own = Scope::Organisation { organisation_id: app.org_hetang };
    app.store.submit_milestone(&actor, &own, ms[1].milestone_id, "样机通过台架试验", on).await.unwrap();
    app.store.decide_milestone(&actor, ms[1].milestone_id, true, None, on).await.unwrap();
    let e = app.store.accept_project(&actor, project.project_id, true, "通过", None, on).await.unwrap_err();
    assert_eq!(e.to_string(), "invalid input project.demand_side_accepts organisation=\"芦淞测试企业\"");
    assert!(app
        .store
        .accept_project(&actor, project.project_id, true, "通过", Some(app.org_hetang), on)
        .await
        .is_err());
    let done = app
        .store
        .accept_project(&actor, project.project_id, true, "需求方现场测试通过", Some(app.org_lusong), on)
        .await
        .unwrap();
    assert_eq!((done.status, done.released_fen), (ProjectStatus::Accepted, 200_000_000));
}

#[tokio::test]
async fn staff_record_absences_and_relations_on_the_expert_page() {
    let app = spawn_app().await;
    let pool = experts(&app).await;
    let b = app.browser();
    assert_eq!(b.login("city", common::PASSWORD).await.status(), 303);
    let csrf = b.csrf().await;
    let page = format!("/people/{}/expert", pool[2]);
    assert!(b.get_text(&format!("/people/{}", pool[2])).await.contains(&page), "linked from the person page");
    assert!(b.get_text(&page).await.contains("专家2"));
    let reversed = b
        .post_form(
            &format!("{page}/absences"),
            &[("csrf_token", &csrf), ("from_on", "2022-05-10"), ("to_on", "2022-05-01"), ("reason", "出差")],
        )
        .await;
    assert_eq!(reversed.status(), 200);
    assert!(reversed.text().await.unwrap().contains("action-error"));
    let ok = b
        .post_form(
            &format!("{page}/absences"),
            &[("csrf_token", &csrf), ("from_on", "2022-05-01"), ("to_on", "2022-05-10"), ("reason", "出差")],
        )
        .await;
    assert_eq!(ok.status(), 303);
    let unknown = b
        .post_form(
            &format!("{page}/links"),
            &[("csrf_token", &csrf), ("kind", "shareholding"), ("uscc", "91430202MA4T99999X"), ("note", "持股")],
        )
        .await;
    assert!(unknown.text().await.unwrap().contains("91430202MA4T99999X"), "the unknown code is named");
    let uscc = common::uscc("91430202MA4T00001");
    let linked = b
        .post_form(
            &format!("{page}/links"),
            &[("csrf_token", &csrf), ("kind", "shareholding"), ("uscc", &uscc), ("note", "持股5%")],
        )
        .await;
    assert_eq!(linked.status(), 303);
    let text = b.get_text(&page).await;
    assert!(text.contains("荷塘测试企业") && text.contains("持股5%") && text.contains("出差"));
    let enterprise = app.browser();
    assert_eq!(enterprise.login("enterprise", common::PASSWORD).await.status(), 303);
    assert_eq!(enterprise.get(&page).await.status(), 403);
}

//! The people registry: create through the API and the pages, ID numbers masked for everyone
//! but admins, district scope, read-only roles, all-or-nothing import, counts by role on a day.

mod common;

use common::{spawn_app, TestApp, PASSWORD};
use gaodi_domain::access::Scope;
use gaodi_domain::person::resident_check_char;
use gaodi_domain::region::RegionCode;
use gaodi_store::person::{person_rows, IdView, PersonFilter, PERSON_COLUMNS};
use gaodi_store::tabular::{Table, TableRow};
use gaodi_store::Actor;
use serde_json::{json, Value};
use time::macros::date;

/// A valid resident ID number: region 430202, the date of birth, a sequence number whose last
/// digit gives the gender (odd: male), and the check character.
fn resident_id(birth: &str, seq: &str) -> String {
    let body = format!("430202{birth}{seq}");
    format!("{body}{}", resident_check_char(&body).unwrap())
}

/// The same number with a wrong check character.
fn with_wrong_check(id: &str) -> String {
    let mut s = id.to_owned();
    let last = s.pop().unwrap();
    s.push(if last == '1' { '2' } else { '1' });
    s
}

async fn json_of(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

async fn create(app: &TestApp, user: &str, body: Value) -> (u16, Value) {
    let res = app.api(user).send("post", "/api/v1/people", Some(body)).await;
    let status = res.status().as_u16();
    (status, json_of(res).await)
}

fn table(rows: &[[&str; 14]]) -> Table {
    Table {
        sheet: "人员".to_owned(),
        headers: PERSON_COLUMNS.iter().map(|c| c.zh.to_owned()).collect(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| TableRow { line: i + 2, cells: r.iter().map(|c| (*c).to_owned()).collect() })
            .collect(),
    }
}

async fn people_count(app: &TestApp) -> i64 {
    app.store
        .db()
        .fetch_one(gaodi_store::db::query("select count(*) as n from person"))
        .await
        .unwrap()
        .get::<i64>("n")
        .unwrap()
}

#[tokio::test]
async fn created_through_the_api_the_id_number_is_masked_except_for_admins() {
    let app = spawn_app().await;
    let id = resident_id("19800315", "123");
    let (status, p) = create(
        &app,
        "city",
        json!({"name": "张三", "id_number": id, "region_code": "430202", "organisation_id": app.org_hetang,
               "title": "正高级工程师", "email": "zhangsan@example.cn"}),
    )
    .await;
    assert_eq!(status, 201, "{p}");
    let masked = format!("430{}{}", "*".repeat(13), &id[16..]);
    assert_eq!(p["id_number"], masked.as_str());
    assert_eq!(p["id_masked"], true);
    // Gender and year of birth come from the number.
    assert_eq!((p["gender"].as_str(), p["birth_year"].as_i64()), (Some("male"), Some(1980)));
    assert_eq!(p["organisation_name"], "荷塘测试企业");
    let pid = p["person_id"].as_i64().unwrap();

    for user in ["city", "district", "leader"] {
        let one = json_of(app.api(user).get(&format!("/api/v1/people/{pid}")).await).await;
        assert_eq!(one["person"]["id_number"], masked.as_str(), "{user}");
        let list = json_of(app.api(user).get("/api/v1/people?q=张").await).await;
        assert_eq!(list["total"], 1, "{user}");
        assert_eq!(list["people"][0]["id_number"], masked.as_str(), "{user}");
    }
    let admin = json_of(app.api("admin").get(&format!("/api/v1/people/{pid}")).await).await;
    assert_eq!(admin["person"]["id_number"], id.as_str());
    assert_eq!(admin["person"]["id_masked"], false);

    // Enterprise users see the people of their own organisation, masked.
    let ent = json_of(app.api("enterprise").get(&format!("/api/v1/people/{pid}")).await).await;
    assert_eq!(ent["person"]["id_number"], masked.as_str());

    // Not in the audit log either, which every role with a scope reads.
    let events =
        json_of(app.api("admin").get(&format!("/api/v1/audit?entity_kind=person&entity_id={pid}")).await).await;
    assert!(!events["events"].as_array().unwrap().is_empty());
    assert!(!events.to_string().contains(&id), "the audit log holds the full number");

    // An update that sends the masked number back keeps the stored one.
    let res = app
        .api("city")
        .send(
            "put",
            &format!("/api/v1/people/{pid}"),
            Some(json!({"name": "张三", "id_number": masked, "region_code": "430202", "title": "研究员"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let admin = json_of(app.api("admin").get(&format!("/api/v1/people/{pid}")).await).await;
    assert_eq!(
        (admin["person"]["id_number"].as_str(), admin["person"]["title"].as_str()),
        (Some(id.as_str()), Some("研究员"))
    );

    // The same number twice is refused, naming the field.
    let (status, e) = create(&app, "admin", json!({"name": "张三二", "id_number": id, "region_code": "430202"})).await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["code"], "person.id_number_taken");
    assert_eq!(e["error"]["field"], "id_number");
}

#[tokio::test]
async fn a_bad_id_number_is_refused_naming_position_and_expected_character() {
    let app = spawn_app().await;
    let id = resident_id("19800315", "123");
    let (status, e) =
        create(&app, "city", json!({"name": "李四", "id_number": with_wrong_check(&id), "region_code": "430202"}))
            .await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["code"], "id.check");
    assert_eq!(e["error"]["field"], "id_number");
    assert_eq!(e["error"]["args"]["expected"], &id[17..]);
    assert!(e["error"]["message"].as_str().unwrap().contains("校验码"));
    // A gender contradicting the number.
    let (status, e) =
        create(&app, "city", json!({"name": "李四", "id_number": id, "gender": "female", "region_code": "430202"}))
            .await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["code"], "person.gender_mismatch");
    // A passport number.
    let (status, p) =
        create(&app, "city", json!({"name": "Anna Schmidt", "id_number": "C01X00T47", "region_code": "430202"})).await;
    assert_eq!(status, 201, "{p}");
    assert_eq!((p["id_kind"].as_str(), p["id_number"].as_str()), (Some("foreign"), Some("C*******7")));
}

#[tokio::test]
async fn district_staff_read_and_write_only_their_district() {
    let app = spawn_app().await;
    let (status, other) = create(&app, "admin", json!({"name": "芦淞人员", "region_code": "430203"})).await;
    assert_eq!(status, 201);
    let other = other["person_id"].as_i64().unwrap();
    let (status, own) = create(&app, "district", json!({"name": "荷塘人员", "region_code": "430202"})).await;
    assert_eq!(status, 201, "{own}");
    let (status, _) = create(&app, "district", json!({"name": "越界人员", "region_code": "430203"})).await;
    assert_eq!(status, 403);
    // An employer outside the district is not even named.
    let (status, e) = create(
        &app,
        "district",
        json!({"name": "越界雇员", "region_code": "430202", "organisation_id": app.org_lusong}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["code"], "person.unknown_organisation");

    let district = app.api("district");
    assert_eq!(district.get(&format!("/api/v1/people/{other}")).await.status(), 404);
    let list = json_of(district.get("/api/v1/people").await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["people"][0]["name"], "荷塘人员");
    let res = district
        .send(
            "post",
            &format!("/api/v1/people/{other}/roles"),
            Some(json!({"kind": "applicant", "valid_from": "2021-01-01"})),
        )
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(district.send("post", &format!("/api/v1/people/{other}/retire"), None).await.status(), 404);
    let res = district
        .send("put", &format!("/api/v1/people/{other}"), Some(json!({"name": "改名", "region_code": "430202"})))
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(json_of(app.api("city").get("/api/v1/people").await).await["total"], 2);
}

#[tokio::test]
async fn leaders_experts_and_enterprise_users_cannot_write() {
    let app = spawn_app().await;
    let (_, p) = create(&app, "city", json!({"name": "王五", "region_code": "430202"})).await;
    let pid = p["person_id"].as_i64().unwrap();
    let head = app.audit_head().await;
    for user in ["leader", "expert", "enterprise"] {
        let c = app.api(user);
        let (status, _) = create(&app, user, json!({"name": "不应写入", "region_code": "430202"})).await;
        assert_eq!(status, 403, "{user}");
        assert_eq!(c.send("put", &format!("/api/v1/people/{pid}"), Some(json!({}))).await.status(), 403, "{user}");
        assert_eq!(c.send("post", &format!("/api/v1/people/{pid}/retire"), None).await.status(), 403, "{user}");
        let res = c.send("post", &format!("/api/v1/people/{pid}/roles"), Some(json!({"kind": "expert"}))).await;
        assert_eq!(res.status(), 403, "{user}");
    }
    assert_eq!(app.audit_head().await, head, "nothing written");
    // A leader reads everything; an expert sees only what is assigned (nothing yet).
    assert_eq!(json_of(app.api("leader").get("/api/v1/people").await).await["total"], 1);
    assert_eq!(json_of(app.api("expert").get("/api/v1/people").await).await["total"], 0);
    assert_eq!(app.api("expert").get(&format!("/api/v1/people/{pid}")).await.status(), 404);
}

#[tokio::test]
async fn roles_follow_their_rules_and_are_dated() {
    let app = spawn_app().await;
    let (_, p) = create(&app, "city", json!({"name": "Hans Müller", "region_code": "430202"})).await;
    let pid = p["person_id"].as_i64().unwrap();
    let city = app.api("city");
    let add = |body: Value| {
        let c = &city;
        async move {
            let res = c.send("post", &format!("/api/v1/people/{pid}/roles"), Some(body)).await;
            let status = res.status().as_u16();
            (status, json_of(res).await)
        }
    };
    let (status, e) = add(json!({"kind": "foreign_expert", "valid_from": "2021-03-01", "valid_to": "2023-02-28",
                                 "nationality": "德国"}))
    .await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("person.reference_required")));
    assert_eq!(e["error"]["field"], "reference");
    let (status, e) = add(json!({"kind": "expert", "valid_from": "2021-03-01"})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("person.fields_required")));
    let (status, e) = add(json!({"kind": "applicant", "valid_from": "2021-03-01", "valid_to": "2021-02-01"})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("person.validity_reversed")));
    let (status, r) = add(json!({"kind": "foreign_expert", "valid_from": "2021-03-01", "valid_to": "2023-02-28",
                                 "reference": "430200202100012", "nationality": "德国"}))
    .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["valid_from"], "2021-03-01");
    let (status, r) =
        add(json!({"kind": "expert", "valid_from": "2020-01-01", "fields": ["轨道交通", "新材料"]})).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["fields"], "轨道交通,新材料");
    // The same permit number on someone else is refused.
    let (_, q) = create(&app, "city", json!({"name": "其他人", "region_code": "430202"})).await;
    let res = city
        .send(
            "post",
            &format!("/api/v1/people/{}/roles", q["person_id"]),
            Some(json!({"kind": "foreign_expert", "valid_from": "2021-03-01", "valid_to": "2023-02-28",
                        "reference": "430200202100012", "nationality": "德国"})),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(json_of(res).await["error"]["code"], "person.role_reference_taken");

    let detail = json_of(city.get(&format!("/api/v1/people/{pid}")).await).await;
    assert_eq!(detail["roles"].as_array().unwrap().len(), 2);
    let list = json_of(city.get("/api/v1/people?role=foreign_expert&year=2021").await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["people"][0]["role_kinds"], json!(["expert", "foreign_expert"]));
    assert_eq!(json_of(city.get("/api/v1/people?role=foreign_expert&year=2020").await).await["total"], 0);
    assert_eq!(json_of(city.get("/api/v1/people?role=foreign_expert&date=2023-03-01").await).await["total"], 0);
}

#[tokio::test]
async fn pages_create_show_masked_and_edit_people() {
    let app = spawn_app().await;
    let b = app.browser();
    assert_eq!(b.login("city", PASSWORD).await.status(), 303);
    let csrf = b.csrf().await;
    let form = b.get_text("/people/new").await;
    assert!(form.contains("id=\"person-form\"") && form.contains("证件号码"));
    let id = resident_id("19900101", "246");

    // A wrong check character: the form comes back with the message inline.
    let bad = with_wrong_check(&id);
    let res = b
        .post_form(
            "/people",
            &[("csrf_token", &csrf), ("name", "赵六"), ("id_number", &bad), ("region_code", "430202")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"form-errors\"") && page.contains("校验码"), "{page}");
    assert_eq!(people_count(&app).await, 0);

    let uscc = app.store.organisation(&Scope::All, app.org_hetang).await.unwrap().uscc;
    let res = b
        .post_form(
            "/people",
            &[
                ("csrf_token", &csrf),
                ("name", "赵六"),
                ("id_number", &id),
                ("region_code", "430202"),
                ("organisation_uscc", &uscc),
                ("title", "高级工程师"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let detail = b.get_text(&location).await;
    assert!(detail.contains("赵六") && detail.contains("荷塘测试企业") && detail.contains("女"));
    assert!(!detail.contains(&id), "a city clerk sees no full number");
    assert!(detail.contains(&format!("430{}{}", "*".repeat(13), &id[16..])));
    assert!(detail.contains("id=\"person-history\"") && detail.contains("登记人员"));

    // Add a role through the detail page's form: errors inline, then success.
    let roles_path = format!("{location}/roles");
    let res = b
        .post_form(&roles_path, &[("csrf_token", &csrf), ("kind", "commissioner"), ("valid_from", "2021-04-01")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("服务对象"));
    let res = b
        .post_form(
            &roles_path,
            &[
                ("csrf_token", &csrf),
                ("kind", "commissioner"),
                ("valid_from", "2021-04-01"),
                ("assignment", "荷塘区仙庾镇"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let detail = b.get_text(&location).await;
    assert!(detail.contains("科技特派员") && detail.contains("荷塘区仙庾镇"));

    // Editing with the masked number left in place keeps the full number.
    let edit = b.get_text(&format!("{location}/edit")).await;
    assert!(!edit.contains(&id));
    let masked = format!("430{}{}", "*".repeat(13), &id[16..]);
    let res = b
        .post_form(
            &location,
            &[
                ("csrf_token", &csrf),
                ("name", "赵六"),
                ("id_number", &masked),
                ("region_code", "430202"),
                ("title", "正高级工程师"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let pid: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let full = app.store.person(&Scope::All, pid, IdView::Full).await.unwrap();
    assert_eq!((full.id_number.as_deref(), full.title.as_deref()), (Some(id.as_str()), Some("正高级工程师")));

    // The list: count, export links, masked number.
    let list = b.get_text("/people?role=commissioner&year=2021").await;
    assert!(
        list.contains("共 1 人") && list.contains("/api/v1/exports/person?format=xlsx&role=commissioner"),
        "{list}"
    );
    assert!(!list.contains(&id));

    // An admin sees the full number on the page.
    let admin = app.browser();
    admin.login("admin", PASSWORD).await;
    assert!(admin.get_text(&location).await.contains(&id));

    // A leader may read the pages but not open the forms or post.
    let leader = app.browser();
    leader.login("leader", PASSWORD).await;
    assert_eq!(leader.get(&location).await.status(), 200);
    assert_eq!(leader.get("/people/new").await.status(), 403);
    let lcsrf = leader.csrf().await;
    let res = leader.post_form("/people", &[("csrf_token", &lcsrf), ("name", "x"), ("region_code", "430202")]).await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn import_is_all_or_nothing_naming_sheet_line_column_and_value() {
    let app = spawn_app().await;
    let actor = Actor::system("test");
    let uscc = app.store.organisation(&Scope::All, app.org_hetang).await.unwrap().uscc;
    let a = resident_id("19750620", "111");
    let b = resident_id("19820909", "223");
    let bad = with_wrong_check(&resident_id("19880101", "333"));
    let rows: Vec<[&str; 14]> = vec![
        ["钱一", &a, "", "", "430202", &uscc, "教授", "评审专家", "2020-01-01", "", "", "轨道交通，新材料", "", ""],
        [
            "钱一",
            &a,
            "",
            "",
            "430202",
            &uscc,
            "教授",
            "市级领军人才",
            "2019-06-01",
            "2022-05-31",
            "株人才〔2019〕3号",
            "",
            "",
            "",
        ],
        ["孙二", &b, "男", "1982", "430202", "", "", "科技特派员", "2021-03-01", "", "", "", "某村", ""],
        ["周三", &bad, "", "", "430202", "", "", "", "", "", "", "", "", ""],
        [
            "Anna",
            "C01X00T47",
            "女",
            "1985",
            "430202",
            &uscc,
            "",
            "外国专家",
            "2021-01-01",
            "2022-12-31",
            "WP-2021-001",
            "",
            "",
            "德国",
        ],
        ["吴四", "", "", "", "430202", "", "", "", "", "", "", "", "", ""],
    ];
    let head = app.audit_head().await;
    let report = app.store.import_people(&actor, &Scope::All, &table(&rows)).await.unwrap();
    assert!(!report.is_ok());
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let e = &report.errors[0];
    assert_eq!((e.sheet.as_str(), e.line, e.column.as_str(), e.value.as_str()), ("人员", 5, "证件号码", bad.as_str()));
    assert_eq!(e.code, "id.check");
    assert_eq!(people_count(&app).await, 0, "nothing written");
    assert_eq!(app.audit_head().await, head, "no audit event either");

    // Fixed, the file goes in: one person per identity, one role per row.
    let mut fixed = rows.clone();
    fixed.remove(3);
    let report = app.store.import_people(&actor, &Scope::All, &table(&fixed)).await.unwrap();
    assert!(report.is_ok(), "{:?}", report.errors);
    assert_eq!((report.rows, report.inserted, report.updated, report.unchanged), (5, 5, 0, 0));
    assert_eq!(people_count(&app).await, 4);
    let qian = app
        .store
        .list_people_filtered(&Scope::All, &PersonFilter { q: Some("钱一".into()), ..Default::default() }, IdView::Full)
        .await
        .unwrap();
    assert_eq!(qian.len(), 1);
    assert_eq!((qian[0].gender.as_deref(), qian[0].birth_year), (Some("male"), Some(1975)));
    let detail = app.store.person_detail(&Scope::All, qian[0].person_id, IdView::Full).await.unwrap();
    assert_eq!(detail.roles.len(), 2);

    // Imported again, nothing changes, not even the audit log.
    let head = app.audit_head().await;
    let again = app.store.import_people(&actor, &Scope::All, &table(&fixed)).await.unwrap();
    assert!(again.is_ok(), "{:?}", again.errors);
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 5));
    assert_eq!(app.audit_head().await, head, "a re-import writes nothing");

    // An admin's export re-imports unchanged; a clerk's export is masked and refused on import.
    let full = app.store.list_people_with_roles(&Scope::All, &PersonFilter::default(), IdView::Full).await.unwrap();
    let (headers, cells) = person_rows(&full);
    assert_eq!(cells.len(), 5);
    let exported = Table {
        sheet: "person".into(),
        headers,
        rows: cells.iter().enumerate().map(|(i, c)| TableRow { line: i + 2, cells: c.clone() }).collect(),
    };
    let round = app.store.import_people(&actor, &Scope::All, &exported).await.unwrap();
    assert_eq!((round.unchanged, round.errors.len()), (5, 0), "{:?}", round.errors);
    let masked = app.store.list_people_with_roles(&Scope::All, &PersonFilter::default(), IdView::Masked).await.unwrap();
    let (headers, cells) = person_rows(&masked);
    assert!(!cells.iter().flatten().any(|c| *c == a), "a masked export holds no full number");
    let exported = Table {
        sheet: "person".into(),
        headers,
        rows: cells.iter().enumerate().map(|(i, c)| TableRow { line: i + 2, cells: c.clone() }).collect(),
    };
    let refused = app.store.import_people(&actor, &Scope::All, &exported).await.unwrap();
    assert!(refused.errors.iter().any(|e| e.code == "person.masked_id_number"));
    assert_eq!(app.audit_head().await, head);
}

#[tokio::test]
async fn import_checks_scope_agreement_between_rows_and_duplicates() {
    let app = spawn_app().await;
    let actor = Actor::system("test");
    let district = Scope::Regions { regions: vec![RegionCode::parse("430202").unwrap()] };
    let a = resident_id("19750620", "111");
    let rows: Vec<[&str; 14]> = vec![
        ["郑一", &a, "", "", "430202", "", "", "项目申报人", "2021-01-01", "", "", "", "", ""],
        ["郑一", &a, "", "", "430203", "", "", "评审专家", "2021-01-01", "", "", "新能源", "", ""],
        ["冯二", "", "", "", "430203", "", "", "", "", "", "", "", "", ""],
        ["陈三", "", "", "", "430202", "", "", "科技特派员", "2021-01-01", "", "", "", "", ""],
        ["陈三", "", "", "", "430202", "", "", "项目申报人", "2021-01-01", "", "文1", "", "", ""],
        ["褚四", "", "", "", "430202", "", "", "项目申报人", "2021-01-01", "", "文1", "", "", ""],
    ];
    let report = app.store.import_people(&actor, &district, &table(&rows)).await.unwrap();
    let codes: Vec<(usize, &str, &str)> = report.errors.iter().map(|e| (e.line, e.column.as_str(), e.code)).collect();
    assert!(codes.contains(&(3, "所在区划代码", "import.out_of_scope")), "{codes:?}");
    assert!(codes.contains(&(4, "所在区划代码", "import.out_of_scope")), "{codes:?}");
    assert!(codes.contains(&(5, "服务对象", "person.assignment_required")), "{codes:?}");
    assert!(codes.contains(&(7, "文号或证件编号", "import.duplicate_key")), "{codes:?}");
    assert_eq!(people_count(&app).await, 0);
    // Rows of one person that disagree on its columns.
    let rows: Vec<[&str; 14]> = vec![
        ["郑一", &a, "", "", "430202", "", "教授", "项目申报人", "2021-01-01", "", "", "", "", ""],
        ["郑一", &a, "", "", "430202", "", "研究员", "评审专家", "2021-01-01", "", "", "新能源", "", ""],
    ];
    let report = app.store.import_people(&actor, &district, &table(&rows)).await.unwrap();
    assert_eq!(report.errors.len(), 1);
    assert_eq!((report.errors[0].line, report.errors[0].code), (3, "person.rows_disagree"));
    // An employer outside the scope is not found (nor told apart from a missing one).
    let lusong = app.store.organisation(&Scope::All, app.org_lusong).await.unwrap().uscc;
    let rows: Vec<[&str; 14]> = vec![["卫五", "", "", "", "430202", &lusong, "", "", "", "", "", "", "", ""]];
    let report = app.store.import_people(&actor, &district, &table(&rows)).await.unwrap();
    assert_eq!(report.errors.len(), 1);
    assert_eq!(
        (report.errors[0].column.as_str(), report.errors[0].code),
        ("工作单位统一社会信用代码", "person.unknown_organisation")
    );
    // A person registered in another district cannot be changed from this one.
    let other: Vec<[&str; 14]> = vec![["郑一", &a, "", "", "430203", "", "", "", "", "", "", "", "", ""]];
    assert!(app.store.import_people(&actor, &Scope::All, &table(&other)).await.unwrap().is_ok());
    let mine: Vec<[&str; 14]> = vec![["郑一", &a, "", "", "430202", "", "", "", "", "", "", "", "", ""]];
    let report = app.store.import_people(&actor, &district, &table(&mine)).await.unwrap();
    assert_eq!(report.errors.len(), 1);
    assert_eq!((report.errors[0].column.as_str(), report.errors[0].code), ("证件号码", "person.exists_outside_scope"));
}

#[tokio::test]
async fn counts_by_role_at_the_end_of_2021() {
    let app = spawn_app().await;
    let actor = Actor::system("test");
    let rows: Vec<[&str; 14]> = vec![
        // Held on 2021-12-31.
        [
            "甲",
            "",
            "",
            "",
            "430202",
            "",
            "",
            "市级领军人才",
            "2019-06-01",
            "2022-05-31",
            "株人才〔2019〕1号",
            "",
            "",
            "",
        ],
        ["乙", "", "", "", "430202", "", "", "市级领军人才", "2021-12-31", "", "株人才〔2021〕9号", "", "", ""],
        ["乙", "", "", "", "430202", "", "", "评审专家", "2018-01-01", "", "", "电子信息", "", ""],
        ["丙", "", "", "", "430203", "", "", "科技特派员", "2021-03-01", "2021-12-31", "", "", "某村", ""],
        // Not held on 2021-12-31: ended before, or started after.
        [
            "丁",
            "",
            "",
            "",
            "430203",
            "",
            "",
            "市级领军人才",
            "2018-01-01",
            "2021-12-30",
            "株人才〔2018〕2号",
            "",
            "",
            "",
        ],
        ["戊", "", "", "", "430202", "", "", "科技特派员", "2022-01-01", "", "", "", "某企业", ""],
        // No role at all.
        ["己", "", "", "", "430202", "", "", "", "", "", "", "", "", ""],
    ];
    let report = app.store.import_people(&actor, &Scope::All, &table(&rows)).await.unwrap();
    assert!(report.is_ok(), "{:?}", report.errors);
    let end_2021 = date!(2021 - 12 - 31);
    let counts = app.store.count_people_by_role(&Scope::All, end_2021).await.unwrap();
    let of = |counts: &[(gaodi_domain::person::PersonRoleKind, i64)], k: &str| {
        counts.iter().find(|(kind, _)| kind.as_str() == k).unwrap().1
    };
    assert_eq!(counts.len(), 9, "every kind listed");
    assert_eq!((of(&counts, "leading_talent"), of(&counts, "expert"), of(&counts, "commissioner")), (2, 1, 1));
    assert_eq!(of(&counts, "foreign_expert"), 0);
    let district = Scope::Regions { regions: vec![RegionCode::parse("430202").unwrap()] };
    let counts = app.store.count_people_by_role(&district, end_2021).await.unwrap();
    assert_eq!((of(&counts, "leading_talent"), of(&counts, "commissioner")), (2, 0));

    // The same through the API, in the caller's scope.
    let stats = json_of(app.api("city").get("/api/v1/people/stats?year=2021").await).await;
    assert_eq!(stats["date"], "2021-12-31");
    let n =
        |s: &Value, k: &str| s["counts"].as_array().unwrap().iter().find(|c| c["kind"] == k).unwrap()["count"].clone();
    assert_eq!((n(&stats, "leading_talent"), n(&stats, "commissioner")), (json!(2), json!(1)));
    let stats = json_of(app.api("district").get("/api/v1/people/stats?date=2021-12-31").await).await;
    assert_eq!(n(&stats, "commissioner"), json!(0));
    let stats = json_of(app.api("city").get("/api/v1/people/stats?date=2022-01-01").await).await;
    assert_eq!((n(&stats, "leading_talent"), n(&stats, "commissioner")), (json!(2), json!(1)));
    assert_eq!(app.api("city").get("/api/v1/people/stats?year=21").await.status(), 400);

    // A retired person no longer counts.
    let jia = app
        .store
        .list_people_filtered(&Scope::All, &PersonFilter { q: Some("甲".into()), ..Default::default() }, IdView::Masked)
        .await
        .unwrap();
    let res = app.api("city").send("post", &format!("/api/v1/people/{}/retire", jia[0].person_id), None).await;
    assert_eq!(res.status(), 200);
    let counts = app.store.count_people_by_role(&Scope::All, end_2021).await.unwrap();
    assert_eq!(of(&counts, "leading_talent"), 1);
}

/// The people routes of the route-by-role matrix, with a person of 荷塘区 working for the
/// enterprise user's organisation (so every reading role but the expert sees it).
#[tokio::test]
async fn every_people_route_as_every_role() {
    let app = spawn_app().await;
    let (_, p) =
        create(&app, "admin", json!({"name": "矩阵人员", "region_code": "430202", "organisation_id": app.org_hetang}))
            .await;
    let pid = p["person_id"].as_i64().unwrap().to_string();
    for (user, role) in common::USERS {
        let client = app.api(user);
        for r in gaodi_web::api::people::ROUTES {
            let path = r.path.replace("{id}", &pid);
            let res = client.send(r.method, &path, None).await;
            let status = res.status().as_u16();
            let allowed = r.roles.is_empty() || r.roles.contains(&role.as_str());
            if user == "expert" && r.path.contains("{id}") && status == 404 {
                continue; // an expert's scope holds only what is assigned to them
            }
            if allowed {
                assert!(!matches!(status, 401 | 403 | 404 | 405 | 500), "{user} {} {path}: {status}", r.method);
            } else {
                assert_eq!(status, 403, "{user} {} {path}", r.method);
            }
        }
    }
}

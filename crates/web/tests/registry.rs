//! The organisation register: create, filters, import all-or-nothing, export that re-imports.

mod common;

use common::{spawn_app, uscc, TestApp, PASSWORD};
use serde_json::{json, Value};

fn csv(lines: &[String]) -> Vec<u8> {
    let mut s = "统一社会信用代码,单位名称,单位类型,所在区划代码,所在园区代码,行业代码,成立日期\n".to_owned();
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s.into_bytes()
}

async fn import(app: &TestApp, user: &str, format: &str, body: Vec<u8>) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/imports/organisation?format={format}")))
        .bearer_auth(&app.tokens[user])
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn total(app: &TestApp, user: &str, query: &str) -> i64 {
    app.api(user).get(&format!("/api/v1/organisations?{query}")).await.json::<Value>().await.unwrap()["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_bad_row_means_nothing_is_written_and_every_error_is_named() {
    let app = spawn_app().await;
    let before = total(&app, "city", "").await;
    let head = app.audit_head().await;
    let good = uscc("91430211MA4T30001");
    let mut wrong_check = uscc("91430211MA4T30002");
    wrong_check.pop();
    wrong_check.push(if wrong_check.ends_with('0') { '1' } else { '0' });
    let rows = vec![
        format!("{good},天元测试一,企业,430211,P43001,C38,2015-06-01"),
        format!("{wrong_check},天元测试二,企业,430211,,,"),
        format!("{},天元测试三,公司,430211,,,", uscc("91430211MA4T30003")),
        format!("{},天元测试四,企业,439999,,Z99,2015-13-01", uscc("91430211MA4T30004")),
        format!("{good},重复行,企业,430211,,,"),
    ];
    let (status, report) = import(&app, "city", "csv", csv(&rows)).await;
    assert_eq!(status, 422);
    assert_eq!(report["ok"], false);
    let errors = report["errors"].as_array().unwrap();
    let at = |line: i64, column: &str| errors.iter().find(|e| e["line"] == line && e["column"] == column).cloned();
    let check = at(3, "统一社会信用代码").expect("wrong check character reported");
    assert_eq!(check["code"], "uscc.check");
    assert!(check["message"].as_str().unwrap().contains("校验码"));
    assert_eq!(at(4, "单位类型").unwrap()["value"], "公司");
    assert_eq!(at(5, "所在区划代码").unwrap()["code"], "region.unknown");
    assert_eq!(at(5, "行业代码").unwrap()["code"], "registry.invalid_industry_code");
    assert_eq!(at(5, "成立日期").unwrap()["code"], "import.bad_date");
    assert_eq!(at(6, "统一社会信用代码").unwrap()["code"], "import.duplicate_key");
    assert_eq!(total(&app, "city", "").await, before, "nothing written");
    assert_eq!(app.audit_head().await, head, "no audit event either");

    // Fixed, the same file goes in; imported again, nothing changes.
    let fixed = vec![
        format!("{good},天元测试一,企业,430211,P43001,C38,2015-06-01"),
        format!("{},天元测试三,高校,430211,,,", uscc("91430211MA4T30003")),
    ];
    let (status, report) = import(&app, "city", "csv", csv(&fixed)).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["inserted"].as_i64(), report["unchanged"].as_i64()), (Some(2), Some(0)));
    let head = app.audit_head().await;
    let (_, again) = import(&app, "city", "csv", csv(&fixed)).await;
    assert_eq!(
        (again["inserted"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(0), Some(2))
    );
    assert_eq!(app.audit_head().await, head, "a re-import writes nothing");
    assert!(again["summary"].as_str().unwrap().contains("0 行出错"));
}

#[tokio::test]
async fn export_re_imports_unchanged_in_both_formats() {
    let app = spawn_app().await;
    let rows: Vec<String> = (0..30)
        .map(|i| {
            format!(
                "{},导出测试{i:02},企业,43020{},,C3{},2010-01-{:02}",
                uscc(&format!("91430202MA4T4{i:04}")),
                2 + i % 2,
                i % 10,
                1 + i % 28
            )
        })
        .collect();
    let (status, _) = import(&app, "admin", "csv", csv(&rows)).await;
    assert_eq!(status, 200);
    for format in ["xlsx", "csv"] {
        let file = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/exports/organisation?format={format}&q=导出测试")))
            .bearer_auth(&app.tokens["admin"])
            .send()
            .await
            .unwrap();
        assert_eq!(file.status(), 200);
        assert!(file.headers()["content-disposition"].to_str().unwrap().contains(&format!(".{format}")));
        let bytes = file.bytes().await.unwrap().to_vec();
        let (status, report) = import(&app, "admin", format, bytes).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["rows"], 30);
        assert_eq!(report["unchanged"], 30, "{format}: {report}");
    }
}

#[tokio::test]
async fn district_imports_only_into_its_own_district() {
    let app = spawn_app().await;
    let rows = vec![
        format!("{},本区企业,企业,430202,,,", uscc("91430202MA4T50001")),
        format!("{},外区企业,企业,430203,,,", uscc("91430203MA4T50002")),
    ];
    let (status, report) = import(&app, "district", "csv", csv(&rows)).await;
    assert_eq!(status, 422);
    assert_eq!(report["errors"][0]["code"], "import.out_of_scope");
    assert_eq!(report["errors"][0]["line"], 3);
    let (status, _) = import(&app, "enterprise", "csv", csv(&rows[..1])).await;
    assert_eq!(status, 403);
    let (status, _) = import(&app, "leader", "csv", csv(&rows[..1])).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn list_filters_sorting_and_paging() {
    let app = spawn_app().await;
    let rows: Vec<String> = (0..25)
        .map(|i| {
            format!(
                "{},筛选{i:02},{},430211,{},,",
                uscc(&format!("91430211MA4T6{i:04}")),
                if i % 5 == 0 { "高校" } else { "企业" },
                if i < 10 { "P43001" } else { "" }
            )
        })
        .collect();
    assert_eq!(import(&app, "admin", "csv", csv(&rows)).await.0, 200);
    assert_eq!(total(&app, "city", "q=筛选").await, 25);
    assert_eq!(total(&app, "city", "q=筛选&kind=university").await, 5);
    assert_eq!(total(&app, "city", "region=P43001").await, 10, "a park filter finds its firms");
    assert_eq!(total(&app, "city", "region=430200").await, 27, "the city subtree includes every district");
    let page = app
        .api("city")
        .get("/api/v1/organisations?q=筛选&sort=name&desc=1&page=2&per_page=10")
        .await
        .json::<Value>()
        .await
        .unwrap();
    let names: Vec<&str> =
        page["organisations"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names.first(), Some(&"筛选14"));
    assert_eq!(names.len(), 10);
    let bad = app.api("city").get("/api/v1/organisations?per_page=100000").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(total(&app, "district", "q=筛选").await, 0, "district 430202 sees none of 天元区");
}

#[tokio::test]
async fn create_edit_and_retire_through_the_pages() {
    let app = spawn_app().await;
    let b = app.browser();
    b.login("city", PASSWORD).await;
    let csrf = b.csrf().await;
    let mut code = uscc("91430202MA4T70001");
    let right = code.clone();
    code.pop();
    code.push(if right.ends_with('0') { '1' } else { '0' });
    let form = |c: &str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("uscc", c.to_owned()),
            ("name", "页面测试企业".to_owned()),
            ("kind", "enterprise".to_owned()),
            ("region_code", "430202".to_owned()),
            ("park_code", String::new()),
            ("industry_code", "c38".to_owned()),
            ("founded_on", "2018-05-04".to_owned()),
        ]
    };
    let res =
        b.http.post(app.url("/organisations")).header("origin", &app.base).form(&form(&code)).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    let expected = right.chars().last().unwrap();
    assert!(page.contains(&format!("应为 {expected}")), "the page names the expected check character");
    assert!(page.contains("页面测试企业"), "what was typed is kept");
    let res =
        b.http.post(app.url("/organisations")).header("origin", &app.base).form(&form(&right)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let detail = b.get_text(&location).await;
    assert!(detail.contains(&right) && detail.contains("C38") && detail.contains("2018年5月4日"));
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let retire = b.post_form(&format!("/organisations/{id}/retire"), &[("csrf_token", &csrf)]).await;
    assert_eq!(retire.status(), 303);
    assert!(!b.get_text("/organisations?q=页面测试").await.contains(&right), "retired firms leave the list");
    assert!(b.get_text(&format!("/organisations/{id}")).await.contains("注销"), "but keep their page and history");
    let list = app
        .api("city")
        .get(&format!("/api/v1/organisations?q=页面测试&retired=1"))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    let _ = json!(null);
}

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
    let list = app.api("city").get("/api/v1/organisations?q=页面测试&retired=1").await.json::<Value>().await.unwrap();
    assert_eq!(list["total"], 1);
}

async fn import_kind(app: &TestApp, user: &str, kind: &str, body: String) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/imports/{kind}?format=csv")))
        .bearer_auth(&app.tokens[user])
        .body(body.into_bytes())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn tiers_are_dated_records_checked_by_their_rules_and_counted_by_date() {
    let app = spawn_app().await;
    let hetang = uscc("91430202MA4T00001");
    let lusong = uscc("91430203MA4T00002");
    let header = "统一社会信用代码,资质类型,证书或登记编号,级别,有效期起,有效期止,依据\n";
    let bad = format!(
        "{header}{hetang},高新技术企业,GR202143000001,,2021-09-01,,湘科发〔2021〕1号\n\
         {lusong},高新技术企业,GR202043000002,,2021-09-01,,湘科发〔2021〕1号\n\
         {lusong},高新技术企业,GR201943000003,,2019-09-01,2023-09-01,湘科发〔2019〕1号\n\
         {lusong},专精特新中小企业,,省级,2021-07-01,,湘工信〔2021〕1号\n"
    );
    let (status, report) = import_kind(&app, "city", "tier", bad).await;
    assert_eq!(status, 422);
    let codes: Vec<&str> = report["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["registry.hte_year_mismatch", "registry.hte_validity_too_long"], "{report}");
    let good = format!(
        "{header}{hetang},高新技术企业,GR202143000001,,2021-09-01,,湘科发〔2021〕1号\n\
         {lusong},hte,GR201843000003,,2018-10-01,,湘科发〔2018〕1号\n\
         {lusong},专精特新中小企业,,省级,2021-07-01,,湘工信〔2021〕1号\n"
    );
    let (status, report) = import_kind(&app, "city", "tier", good.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["inserted"], 3);
    let (_, again) = import_kind(&app, "city", "tier", good).await;
    assert_eq!(again["unchanged"], 3);
    // The 2018 certificate ran out on 2021-09-30: at the end of 2021 only one HTE is valid.
    assert_eq!(total(&app, "city", "tier=hte&year=2021").await, 1);
    assert_eq!(total(&app, "city", "tier=hte&year=2020").await, 1);
    assert_eq!(total(&app, "city", "tier=srdi_sme&year=2021").await, 1);
    let tiers = app
        .api("city")
        .get(&format!("/api/v1/organisations/{}/tiers", app.org_hetang))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(tiers["tiers"].as_array().unwrap().len(), 1);
    let counts = app
        .store
        .count_tier_holders(
            &gaodi_domain::access::Scope::All,
            gaodi_domain::registry::TierKind::Hte,
            time::macros::date!(2021 - 12 - 31),
        )
        .await
        .unwrap();
    assert_eq!(counts, vec![("430202".to_owned(), 1)]);
    // A district clerk cannot record tiers for another district's firm.
    let (status, report) =
        import_kind(&app, "district", "tier", format!("{header}{lusong},瞪羚企业,,市级,2021-01-01,,株科〔2021〕9号\n"))
            .await;
    assert_eq!(status, 422);
    assert_eq!(report["errors"][0]["code"], "import.unknown_organisation");
}

#[tokio::test]
async fn yearly_figures_are_checked_as_a_whole_and_exact() {
    let app = spawn_app().await;
    let hetang = uscc("91430202MA4T00001");
    let header = "统一社会信用代码,年度,主营业务收入（元）,高新技术产品（服务）收入（元）,收入总额（企业所得税口径）（元）,年末职工总数（人）,科技人员数（人）\n";
    let probe = app.api("city").get("/api/v1/imports/financials/template?format=csv").await;
    let template = String::from_utf8(probe.bytes().await.unwrap().to_vec()).unwrap();
    let staff_total =
        template.split(',').find(|h| h.contains("职工") || h.contains("staff")).unwrap_or("").trim().to_owned();
    let staff_st = template.split(',').find(|h| h.contains("科技人员")).unwrap_or("").trim().to_owned();
    let header = header.replace("年末职工总数（人）", &staff_total).replace("科技人员数（人）", &staff_st);
    let bad = format!("{header}{hetang},2021,50000000.00,60000000.00,55000000.00,100,120\n{hetang},2020,1.234,,,,\n");
    let (status, report) = import_kind(&app, "city", "financials", bad).await;
    assert_eq!(status, 422, "{report}");
    let codes: Vec<&str> = report["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"registry.part_exceeds_whole"), "{report}");
    assert!(codes.contains(&"money.too_many_decimals"), "{report}");
    let good =
        format!("{header}{hetang},2021,50000000.10,30000000.20,55000000.00,100,20\n{hetang},2020,40000000,,,90,18\n");
    let (status, report) = import_kind(&app, "city", "financials", good.clone()).await;
    assert_eq!(status, 200, "{report}");
    let years = app
        .api("city")
        .get(&format!("/api/v1/organisations/{}/financials", app.org_hetang))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(years["years"]["2021"]["main_business_revenue"], "50000000.10");
    assert_eq!(years["years"]["2021"]["hightech_revenue"], "30000000.20");
    let (_, again) = import_kind(&app, "city", "financials", good).await;
    assert_eq!(again["unchanged"], 2);
    // Enterprise users report their own figures through the API.
    let own = json!({"main_business_revenue": "1.00"});
    let res = app
        .api("enterprise")
        .send("put", &format!("/api/v1/organisations/{}/financials/2022", app.org_hetang), Some(own.clone()))
        .await;
    assert_eq!(res.status(), 204);
    let other = app
        .api("enterprise")
        .send("put", &format!("/api/v1/organisations/{}/financials/2022", app.org_lusong), Some(own))
        .await;
    assert_eq!(other.status(), 404);
}

#[tokio::test]
async fn platforms_and_ip_import_and_count_by_level() {
    let app = spawn_app().await;
    let hetang = uscc("91430202MA4T00001");
    let header = "平台名称,平台类型,级别,依托单位统一社会信用代码,所在区划代码,批准文号,批准日期,状态\n";
    let csv_body = format!(
        "{header}轨道交通国家重点实验室,state_key_lab,国家级,{hetang},430202,国科发〔2020〕1号,2020-05-01,运行\n\
         湖南省先进材料工程技术研究中心,工程技术研究中心,省级,,430211,湘科〔2021〕2号,2021-03-01,\n\
         株洲市企业技术中心,企业技术中心,市级,,430203,株工〔2022〕3号,2022-01-10,\n"
    );
    let (status, report) = import_kind(&app, "city", "platform", csv_body).await;
    assert_eq!(status, 200, "{report}");
    let stats = app.api("city").get("/api/v1/platforms/stats?date=2021-12-31").await.json::<Value>().await.unwrap();
    assert_eq!(stats["total"], 2);
    assert_eq!(stats["by_level"]["national"], 1);
    assert_eq!(stats["by_level"]["provincial"], 1);
    let d = app.api("district").get("/api/v1/platforms").await.json::<Value>().await.unwrap();
    assert_eq!(d["total"], 1, "district sees its own platform only");

    let ip_header = "统一社会信用代码,专利号或登记号,知识产权类型,名称,境内授权,授权日期,到期日期,获得方式,权利人为本单位,存在权属纠纷\n";
    let ip = format!(
        "{ip_header}{hetang},ZL202110000001.1,发明专利,一种牵引变流器,是,2021-06-01,2041-05-31,自主研发,是,否\n\
         {hetang},2021SR0000001,软件著作权,调度软件,是,2021-02-01,,self_developed,是,\n"
    );
    let (status, report) = import_kind(&app, "city", "ip", ip).await;
    assert_eq!(status, 200, "{report}");
    let items = app
        .api("city")
        .get(&format!("/api/v1/organisations/{}/ip", app.org_hetang))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(items["ip_items"].as_array().unwrap().len(), 2);
    let page = app.browser();
    page.login("city", PASSWORD).await;
    let html = page.get_text(&format!("/organisations/{}", app.org_hetang)).await;
    assert!(html.contains("轨道交通国家重点实验室") && html.contains("ZL202110000001.1"));
    let list = page.get_text("/platforms?level=national").await;
    assert!(list.contains("轨道交通国家重点实验室") && !list.contains("株洲市企业技术中心"));
}

#[tokio::test]
async fn a_tier_added_on_the_page_shows_on_the_page() {
    let app = spawn_app().await;
    let b = app.browser();
    b.login("city", PASSWORD).await;
    let csrf = b.csrf().await;
    let path = format!("/organisations/{}/tiers", app.org_hetang);
    let bad = b
        .post_form(
            &path,
            &[
                ("csrf_token", &csrf),
                ("kind", "hte"),
                ("reference", "GR2021430001"),
                ("valid_from", "2021-09-01"),
                ("evidence", "公示"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("GR2021430001"));
    let ok = b
        .post_form(
            &path,
            &[
                ("csrf_token", &csrf),
                ("kind", "hte"),
                ("reference", "GR202143000009"),
                ("valid_from", "2021-09-01"),
                ("evidence", "公示"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 303);
    let html = b.get_text(&format!("/organisations/{}", app.org_hetang)).await;
    assert!(html.contains("GR202143000009") && html.contains("2024年8月31日"), "three years less a day");
}

#[tokio::test]
async fn platforms_keep_an_evaluation_history() {
    let app = spawn_app().await;
    let city = app.api("city");
    let p = city
        .send(
            "post",
            "/api/v1/platforms",
            Some(json!({"name": "评估测试中心", "kind": "engineering_research_centre", "level": "provincial", "region_code": "430202", "reference": "EV-1"})),
        )
        .await;
    assert_eq!(p.status(), 201);
    let id = p.json::<Value>().await.unwrap()["platform_id"].as_i64().unwrap();
    let path = format!("/api/v1/platforms/{id}/evaluations");
    assert_eq!(city.send("post", &path, Some(json!({"year": 2020, "result": "good"}))).await.status(), 201);
    assert_eq!(
        city.send("post", &path, Some(json!({"year": 2021, "result": "excellent", "note": "优秀"}))).await.status(),
        201
    );
    assert_eq!(
        city.send("post", &path, Some(json!({"year": 2021, "result": "pass"}))).await.status(),
        409,
        "one per year"
    );
    let bad = city.send("post", &path, Some(json!({"year": 2022, "result": "great"}))).await;
    assert_eq!(bad.status(), 422);
    let list = city.get(&path).await.json::<Value>().await.unwrap();
    let years: Vec<i64> = list["evaluations"].as_array().unwrap().iter().map(|e| e["year"].as_i64().unwrap()).collect();
    assert_eq!(years, vec![2021, 2020]);
    let b = app.browser();
    b.login("city", PASSWORD).await;
    let html = b.get_text(&format!("/platforms/{id}")).await;
    assert!(html.contains("platform-evaluations") && html.contains("优秀"));
}

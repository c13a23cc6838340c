//! Facts, targets, indicators and the cockpit over HTTP: imports all or nothing with
//! revisions kept, roll-up to the city from districts, no value with its reason, drill-down to
//! the records, scope, the cockpit's content.

mod common;

use common::{spawn_app, TestApp};
use serde_json::Value;

async fn import(app: &TestApp, user: &str, kind: &str, csv: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/imports/{kind}?format=csv")))
        .bearer_auth(&app.tokens[user])
        .body(csv.as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn get(app: &TestApp, user: &str, path: &str) -> Value {
    let res = app.api(user).get(path).await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn row<'a>(table: &'a Value, code: &str) -> &'a Value {
    table["indicators"].as_array().unwrap().iter().find(|r| r["code"] == code).unwrap_or_else(|| panic!("{code}"))
}

const FACTS: &str = "数据项代码,行政区划代码,期间,数值,来源,备注
gdp,430202,2021,400.5,statistics_bureau,
gdp,430203,2021,300,statistics_bureau,
rd_expenditure,430202,2021,12.5,statistics_bureau,
rd_expenditure,430203,2021,9.75,statistics_bureau,
";

#[tokio::test]
async fn facts_roll_up_and_ratios_are_recomputed_and_revisions_are_kept() {
    let app = spawn_app().await;
    let (status, report) = import(&app, "city", "fact", FACTS).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["inserted"], 4);

    // Two of nine districts reported: the city has no GDP, and says which are missing.
    let city = get(&app, "city", "/api/v1/indicators?region=430200&period=2021").await;
    assert_eq!(row(&city, "gdp")["value"], Value::Null);
    let reason = row(&city, "gdp")["no_value_reason"].as_str().unwrap();
    assert!(reason.contains("430204"), "{reason}");
    // A district: R&D intensity = 12.5 / 400.5 × 100 = 3.1211 → 3.12.
    let hetang = get(&app, "city", "/api/v1/indicators?region=430202&period=2021").await;
    assert_eq!(row(&hetang, "rd_intensity")["value"], "3.12");
    assert_eq!(row(&hetang, "gdp")["value"], "400.50");
    // Missing data is no value, never 0.
    assert_eq!(row(&hetang, "fiscal_st_expenditure_share")["value"], Value::Null);
    assert!(row(&hetang, "fiscal_st_expenditure_share")["no_value_reason"].as_str().unwrap().contains("fiscal"));

    // A corrected figure is a new revision; the old one stays in the history.
    let (_, report) =
        import(&app, "city", "fact", "数据项代码,行政区划代码,期间,数值,来源\ngdp,430202,2021,401,statistics_bureau\n")
            .await;
    assert_eq!((report["inserted"].as_i64(), report["updated"].as_i64()), (Some(0), Some(1)));
    let history = get(&app, "city", "/api/v1/facts?measure=gdp&region=430202&period=2021").await;
    let revisions: Vec<(i64, bool, String)> = history["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["revision"].as_i64().unwrap(),
                f["is_current"].as_bool().unwrap(),
                f["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(revisions, vec![(2, true, "401".to_owned()), (1, false, "400.5".to_owned())]);
    assert!(history["facts"][0]["origin"].as_str().unwrap().starts_with("import:"));
    // The same file again changes nothing.
    let (_, report) =
        import(&app, "city", "fact", "数据项代码,行政区划代码,期间,数值,来源\ngdp,430202,2021,401,statistics_bureau\n")
            .await;
    assert_eq!(report["unchanged"], 1);

    // All nine districts: the city is their sum, exactly.
    let rest: String = ["430204", "430211", "430212", "430223", "430224", "430225", "430281"]
        .iter()
        .map(|d| format!("gdp,{d},2021,100.01,statistics_bureau\n"))
        .collect();
    let (_, report) = import(&app, "city", "fact", &format!("数据项代码,行政区划代码,期间,数值,来源\n{rest}")).await;
    assert_eq!(report["inserted"], 7);
    let city = get(&app, "city", "/api/v1/indicators?region=430200&period=2021").await;
    assert_eq!(row(&city, "gdp")["value"], "1401.07");
}

#[tokio::test]
async fn a_bad_fact_file_changes_nothing_and_names_every_error() {
    let app = spawn_app().await;
    let head = app.audit_head().await;
    let bad = "数据项代码,行政区划代码,期间,数值,来源
gdp,430202,2021,400.5,statistics_bureau
gpd,430202,2021,1,statistics_bureau
gdp,999999,2021,1,statistics_bureau
gdp,430202,2021Q5,1,statistics_bureau
gdp,430203,2021,1.23456,statistics_bureau
gdp,430202,2021,2,statistics_bureau
";
    let (status, report) = import(&app, "city", "fact", bad).await;
    assert_eq!(status, 422, "{report}");
    let errors = report["errors"].as_array().unwrap();
    let lines: Vec<i64> = errors.iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7], "{report}");
    assert_eq!(app.audit_head().await, head, "nothing written");
    // District staff cannot report for another district.
    let (status, report) =
        import(&app, "district", "fact", "数据项代码,行政区划代码,期间,数值,来源\ngdp,430203,2021,1,district\n").await;
    assert_eq!(status, 422, "{report}");
}

#[tokio::test]
async fn registry_counts_drill_down_to_their_records_and_respect_scope() {
    let app = spawn_app().await;
    // 荷塘测试企业 (in 430202) holds an HTE certificate valid at the end of 2021.
    let res = app
        .api("city")
        .send(
            "post",
            &format!("/api/v1/organisations/{}/tiers", app.org_hetang),
            Some(serde_json::json!({"kind": "hte", "reference": "GR202143000101", "valid_from": "2021-11-01", "evidence": "test"})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    let city = get(&app, "city", "/api/v1/indicators?region=430200&period=2021").await;
    assert_eq!(row(&city, "hte_count")["value"], "1");
    assert_eq!(
        get(&app, "city", "/api/v1/indicators?region=430200&period=2020").await["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == "hte_count")
            .unwrap()["value"],
        "0"
    );
    let detail = get(&app, "city", "/api/v1/indicators/hte_count?region=430200&period=2021").await;
    let records = detail["sources"].as_array().unwrap().iter().find(|s| s["kind"] == "records").unwrap();
    assert_eq!(records["count"], 1);
    assert_eq!(records["records"][0]["href"], format!("/organisations/{}", app.org_hetang));
    assert_eq!(records["records"][0]["label"], "荷塘测试企业");
    // The district ranking lists 荷塘区 first.
    assert_eq!(detail["children"][0]["region"], "430202");
    assert_eq!(detail["children"][0]["rank"], 1);

    // District staff of 荷塘区 see their district, not the city or 芦淞区.
    let own = get(&app, "district", "/api/v1/indicators").await;
    assert_eq!(own["region"], "430202");
    assert_eq!(app.api("district").get("/api/v1/indicators?region=430203&period=2021").await.status().as_u16(), 404);
    // Enterprise users and experts do not read indicators.
    for user in ["enterprise", "expert"] {
        assert_eq!(app.api(user).get("/api/v1/cockpit").await.status().as_u16(), 403, "{user}");
    }
    // A bad period is a clear error naming the field.
    let res = app.api("city").get("/api/v1/indicators?period=2021Q5").await;
    assert_eq!(res.status().as_u16(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], "period");
}

#[tokio::test]
async fn targets_status_and_decomposition() {
    let app = spawn_app().await;
    let targets = "计划代码,指标代码,行政区划代码,期间,比较符,目标值,备注
annual_2021,hte_count,430200,2021,>=,2,
annual_2021,hte_count,430202,2021,>=,1,
annual_2021,hte_count,430203,2021,>=,0,
";
    let (status, report) = import(&app, "city", "target", targets).await;
    assert_eq!(status, 200, "{report}");
    let t = get(&app, "city", "/api/v1/targets?year=2021").await;
    assert_eq!(t["targets"].as_array().unwrap().len(), 3);
    let check = &t["decomposition"][0];
    assert_eq!((check["ok"].as_bool(), check["shortfall"].as_str()), (Some(false), Some("1.0000")));
    let city = get(&app, "city", "/api/v1/indicators?region=430200&period=2021").await;
    let hte = row(&city, "hte_count");
    assert_eq!((hte["target"].as_str(), hte["comparator"].as_str()), (Some("2"), Some(">=")));
    assert_eq!(hte["status"], "off_track");
    assert_eq!(hte["completion"], "0.0");
    // A bad comparator refuses the file.
    let (status, report) = import(
        &app,
        "city",
        "target",
        "计划代码,指标代码,行政区划代码,期间,比较符,目标值\np,hte_count,430200,2021,~,1\n",
    )
    .await;
    assert_eq!(status, 422, "{report}");
    assert_eq!(report["errors"][0]["code"], "indicator.invalid_comparator");
}

#[tokio::test]
async fn the_cockpit_has_cards_trends_ranking_map_and_targets() {
    let app = spawn_app().await;
    let c = get(&app, "leader", "/api/v1/cockpit?region=430200&period=2021").await;
    assert_eq!(c["region"]["code"], "430200");
    let cards = c["cards"].as_array().unwrap();
    assert!(cards.iter().any(|k| k["code"] == "hte_count" && k["value"] == "0"));
    assert_eq!(c["ranking"]["rows"].as_array().unwrap().len(), 9, "nine districts in 2021");
    assert_eq!(c["map"]["values"].as_array().unwrap().len(), 9);
    assert!(c["regions"].as_array().unwrap().iter().any(|r| r["code"] == "430212"));
    assert_eq!(c["monthly"][0]["points"].as_array().unwrap().len(), 12);
    // 2017: 株洲县 430221, not yet 渌口区.
    let c = get(&app, "leader", "/api/v1/cockpit?region=430200&period=2017").await;
    let codes: Vec<&str> =
        c["ranking"]["rows"].as_array().unwrap().iter().map(|r| r["region"].as_str().unwrap()).collect();
    assert!(codes.contains(&"430221") && !codes.contains(&"430212"), "{codes:?}");
    // Pages render in both languages.
    let b = app.browser();
    b.login("leader", common::PASSWORD).await;
    let html = b.get_text("/indicators?region=430200&period=2021").await;
    assert!(html.contains("有效高新技术企业数"), "zh page");
    let html = b.get_text("/indicators/hte_count?region=430200&period=2021").await;
    assert!(html.contains("id=\"sources\""));
}

#[tokio::test]
async fn the_district_index_ranks_districts_with_intervals_what_if_and_drivers() {
    let app = spawn_app().await;
    gaodi_demo::load(&app.store, &gaodi_store::Actor::system("test")).await.unwrap();
    let r = get(&app, "leader", "/api/v1/composite-index?region=430200&year=2022&compare=2021").await;
    let units = r["units"].as_array().unwrap();
    assert_eq!(units.len(), 9, "nine districts in 2022");
    let ranks: Vec<i64> = units.iter().filter_map(|u| u["rank"].as_i64()).collect();
    assert_eq!(ranks.len(), 9);
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "sorted by rank: {ranks:?}");
    for u in units {
        let (low, high, rank) =
            (u["rank_low"].as_i64().unwrap(), u["rank_high"].as_i64().unwrap(), u["rank"].as_i64().unwrap());
        assert!(low <= high && (1..=9).contains(&low) && (1..=9).contains(&high), "{u}");
        let _ = rank;
        let score = u["score"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&score));
        assert!(u["compare_rank"].is_i64());
    }
    // What-if: all the weight on one pillar ranks by that pillar's score.
    let pillars: Vec<&str> = r["pillars"].as_array().unwrap().iter().map(|p| p[0].as_str().unwrap()).collect();
    let mut q = "/api/v1/composite-index?region=430200&year=2022&compare=2021".to_owned();
    for (i, p) in pillars.iter().enumerate() {
        q.push_str(&format!("&w_{p}={}", if i == 0 { 1 } else { 0 }));
    }
    let w = get(&app, "leader", &q).await;
    let first: Vec<f64> =
        w["units"].as_array().unwrap().iter().map(|u| u["pillars"][0].as_f64().unwrap_or(-1.0)).collect();
    assert!(first.windows(2).all(|x| x[0] >= x[1] - 1e-9), "ranked by the first pillar: {first:?}");
    // A bad weight is a clear error naming the field; nothing else changes.
    let res = app.api("leader").get("/api/v1/composite-index?w_inputs=abc").await;
    assert_eq!(res.status().as_u16(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], "weights");
    // The page renders in both languages.
    let b = app.browser();
    b.login("leader", common::PASSWORD).await;
    let html = b.get_text("/composite-index?region=430200&year=2022").await;
    assert!(html.contains("区县科技创新指数") && html.contains("id=\"index-table\""));
}

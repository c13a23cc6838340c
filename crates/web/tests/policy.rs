//! Policy rules on the register's data over HTTP: the self-check (API and panel), who may see
//! it, and the cultivation pool (ranking, scope, export, expiring certificates).

mod common;

use common::{spawn_app, uscc, TestApp, PASSWORD};
use gaodi_domain::access::Scope;
use gaodi_domain::money::Money;
use gaodi_domain::organisation::{OrganisationKind, Uscc};
use gaodi_domain::region::RegionCode;
use gaodi_domain::registry::{IndustryCode, RdHnte, Tier, TierKind, YearlyFacts};
use gaodi_domain::rules::{evaluate, firm_input, RegistryFirm, RegistryTier, RuleKind};
use gaodi_store::organisation::NewOrganisation;
use gaodi_store::tabular::{read_table, Format};
use gaodi_store::Actor;
use serde_json::Value;
use time::macros::date;

/// Yearly figures: sales of 40,000,000.00 yuan, R&D `rd_permille`‰ of it, high-tech revenue
/// `hightech_percent`% of total income, 100 staff of whom `st` are S&T staff.
fn facts(rd_permille: i64, hightech_percent: i64, st: u32) -> YearlyFacts {
    let revenue = 4_000_000_000; // fen
    let rd = revenue * rd_permille / 1000;
    let zero = Some(Money::ZERO);
    YearlyFacts {
        main_business_revenue: Some(Money::from_fen(revenue)),
        other_business_revenue: zero,
        gross_income_cit: Some(Money::from_fen(revenue)),
        non_taxable_income: zero,
        hightech_revenue: Some(Money::from_fen(revenue * hightech_percent / 100)),
        total_assets_ye: Some(Money::from_fen(revenue)),
        total_liabilities_ye: Some(Money::from_fen(revenue / 2)),
        rd_hnte: RdHnte {
            personnel: Some(Money::from_fen(rd)),
            direct_inputs: zero,
            depreciation_and_lt_prepaid: zero,
            intangible_amort: zero,
            design: zero,
            equipment_testing: zero,
            commissioned_external_counted: zero,
            other: zero,
        },
        rd_hnte_domestic: Some(Money::from_fen(rd)),
        staff_total: Some(100),
        staff_st: Some(st),
        ..YearlyFacts::default()
    }
}

const YEARS: [i32; 3] = [2022, 2023, 2024];

/// Creates an enterprise founded in 2015 with the same figures in 2022-2024.
async fn firm(app: &TestApp, code: &str, name: &str, region: &str, f: &YearlyFacts) -> i64 {
    let actor = Actor::system("test");
    let mut new = NewOrganisation::basic(
        Uscc::parse(&uscc(code)).unwrap(),
        name,
        OrganisationKind::Enterprise,
        RegionCode::parse(region).unwrap(),
    );
    new.founded_on = Some(date!(2015 - 01 - 01));
    new.industry_code = Some("C39".to_owned());
    let id = app.store.create_organisation(&actor, &Scope::All, &new).await.unwrap().organisation_id;
    for year in YEARS {
        app.store.set_yearly_facts(&actor, &Scope::All, id, year, f).await.unwrap();
    }
    id
}

async fn json_of(r: reqwest::Response) -> Value {
    assert_eq!(r.status(), 200, "unexpected status");
    r.json().await.unwrap()
}

#[tokio::test]
async fn self_check_matches_the_engine_called_directly() {
    let app = spawn_app().await;
    let f = facts(45, 59, 20);
    let id = firm(&app, "91430202MA4T10001", "自评企业", "430202", &f).await;
    let actor = Actor::system("test");
    let tier = Tier::new(TierKind::Hte, Some("GR202243000123"), None, date!(2022 - 03 - 01), None, "名单").unwrap();
    app.store.add_tier(&actor, &Scope::All, id, &tier).await.unwrap();

    // The same firm, built by hand for the engine.
    let by_hand = RegistryFirm {
        uscc: uscc("91430202MA4T10001"),
        founded_on: Some(date!(2015 - 01 - 01)),
        region_code: Some("430202".to_owned()),
        industry: Some(IndustryCode::parse("C39").unwrap()),
        tiers: vec![RegistryTier {
            kind: TierKind::Hte,
            reference: Some("GR202243000123".to_owned()),
            valid_from: date!(2022 - 03 - 01),
            valid_to: Some(date!(2025 - 02 - 28)),
        }],
        years: YEARS.iter().map(|y| (*y, f.clone())).collect(),
        ip_items: Vec::new(),
        platforms: Vec::new(),
    };
    let input = firm_input(&by_hand);
    let api = app.api("admin");
    for rule in RuleKind::ALL {
        let got =
            json_of(api.get(&format!("/api/v1/organisations/{id}/policy?rule={rule}&as_of=2025-06-30")).await).await;
        let expected = serde_json::to_value(evaluate(rule, &input, Some(date!(2025 - 06 - 30))).unwrap()).unwrap();
        assert_eq!(got, expected, "{rule}");
    }
    // HNTE: R&D 4.5% of sales ≤ 50M fails against 5%, high-tech revenue 59% against 60%.
    let hnte = json_of(api.get(&format!("/api/v1/organisations/{id}/policy?rule=hnte&as_of=2025-06-30")).await).await;
    assert_eq!(hnte["outcome"], "not_eligible");
    let outcome =
        |cid: &str| hnte["conditions"].as_array().unwrap().iter().find(|c| c["id"] == cid).unwrap()["outcome"].clone();
    assert_eq!(
        (outcome("HNTE-05"), outcome("HNTE-07"), outcome("HNTE-04")),
        ("fail".into(), "fail".into(), "pass".into())
    );
    // Without a rule: all four.
    let all = json_of(api.get(&format!("/api/v1/organisations/{id}/policy?as_of=2025-06-30")).await).await;
    assert_eq!(all["results"].as_array().unwrap().len(), 4);
    // A bad date is named.
    let bad = api.get(&format!("/api/v1/organisations/{id}/policy?as_of=2025-13-01")).await;
    assert_eq!(bad.status(), 400);
    // Before any rule version: the engine's own error, 422.
    let early = api.get(&format!("/api/v1/organisations/{id}/policy?rule=sme&as_of=2010-06-30")).await;
    assert_eq!(early.status(), 422);
    assert_eq!(early.json::<Value>().await.unwrap()["error"]["code"], "rules.no_rule_version");

    // The panel shows every rule, the failed conditions and their gaps, in both languages.
    let b = app.browser();
    assert_eq!(b.login("admin", PASSWORD).await.status(), 303);
    let page = b.get_text(&format!("/organisations/{id}?as_of=2025-06-30")).await;
    for marker in
        ["id=\"policy-hnte\"", "id=\"policy-sme\"", "id=\"policy-super-deduction\"", "id=\"policy-hunan-reward\""]
    {
        assert!(page.contains(marker), "{marker} missing");
    }
    assert!(page.contains("data-condition=\"HNTE-07\""));
    assert!(page.contains("高新技术产品（服务）收入占总收入比例不低于60%：59%"), "gap in words (zh)");
    assert!(page.contains("resident_enterprise"), "missing data named");
    b.get("/lang/en").await;
    let page = b.get_text(&format!("/organisations/{id}?as_of=2025-06-30")).await;
    assert!(page.contains("Policy self-check") && page.contains("not met"), "panel in English");
    // A bad date on the page is refused, not guessed.
    assert_eq!(b.get(&format!("/organisations/{id}?as_of=yesterday")).await.status(), 400);
}

#[tokio::test]
async fn an_enterprise_user_sees_only_its_own_self_check_and_no_pool() {
    let app = spawn_app().await;
    let api = app.api("enterprise");
    // Its own organisation (荷塘测试企业) is open, another is not found.
    assert_eq!(api.get(&format!("/api/v1/organisations/{}/policy?rule=hnte", app.org_hetang)).await.status(), 200);
    assert_eq!(api.get(&format!("/api/v1/organisations/{}/policy?rule=hnte", app.org_lusong)).await.status(), 404);
    assert_eq!(api.get("/api/v1/cultivation").await.status(), 403);
    assert_eq!(api.get("/api/v1/cultivation/export?format=csv").await.status(), 403);
    let b = app.browser();
    assert_eq!(b.login("enterprise", PASSWORD).await.status(), 303);
    let own = b.get_text(&format!("/organisations/{}", app.org_hetang)).await;
    assert!(own.contains("id=\"policy-hnte\""));
    assert!(!own.contains("href=\"/cultivation\""), "no pool in an enterprise user's navigation");
    assert_eq!(b.get(&format!("/organisations/{}", app.org_lusong)).await.status(), 404);
    assert_eq!(b.get("/cultivation").await.status(), 403);
    // An expert's scope holds no organisation.
    assert_eq!(app.api("expert").get("/api/v1/cultivation").await.status(), 403);
}

fn names(pool: &Value) -> Vec<String> {
    pool["near_misses"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_pool_ranks_near_misses_by_gap_size_in_scope_and_exports_exactly_them() {
    let app = spawn_app().await;
    // Near misses: one failed condition with a small and a larger shortfall, then two failed.
    firm(&app, "91430202MA4T20001", "乙企业", "430202", &facts(60, 50, 20)).await;
    firm(&app, "91430202MA4T20002", "甲企业", "430202", &facts(60, 59, 20)).await;
    firm(&app, "91430202MA4T20003", "丙企业", "430202", &facts(40, 59, 20)).await;
    // No failed condition (the register lacks some fields: unknown), and three failed: not listed.
    firm(&app, "91430202MA4T20004", "丁企业", "430202", &facts(60, 70, 20)).await;
    firm(&app, "91430202MA4T20005", "戊企业", "430202", &facts(40, 50, 5)).await;
    // Nearer than all of them, but in another district.
    firm(&app, "91430203MA4T20006", "己企业", "430203", &facts(60, 59, 20)).await;
    let mut f = facts(60, 59, 20);
    f.hightech_revenue = Some(Money::from_fen(4_000_000_000 * 595 / 1000));
    let actor = Actor::system("test");
    let other = app.store.organisation_by_uscc(&uscc("91430203MA4T20006")).await.unwrap().unwrap().organisation_id;
    for year in YEARS {
        app.store.set_yearly_facts(&actor, &Scope::All, other, year, &f).await.unwrap();
    }

    let pool = json_of(app.api("admin").get("/api/v1/cultivation?year=2025&rule=hnte").await).await;
    assert_eq!(names(&pool), ["己企业", "甲企业", "乙企业", "丙企业"]);
    let sizes: Vec<(i64, i64)> = pool["near_misses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["gap_size"]["failed"].as_i64().unwrap(), e["gap_size"]["shortfall_ppm"].as_i64().unwrap()))
        .collect();
    // 59.5% and 59% against 60%; 50% against 60%; 4% against 5% plus 59% against 60%.
    assert_eq!(sizes, [(1, 8_333), (1, 16_666), (1, 166_666), (2, 216_666)]);
    let hnte = &pool["summary"][0];
    assert_eq!((hnte["screened"].as_i64(), hnte["near_misses"].as_i64()), (Some(6), Some(4)));
    assert_eq!((hnte["unknown_no_failure"].as_i64(), hnte["far"].as_i64()), (Some(1), Some(1)));
    // The gap in words names the shortfall.
    let gaps = pool["near_misses"][1]["gaps_text"][0].as_str().unwrap();
    assert!(gaps.contains("59%") && gaps.contains("60%"), "{gaps}");

    // District staff see their district only; paging cuts the same ranking.
    let district = app.api("district");
    let pool = json_of(district.get("/api/v1/cultivation?year=2025&rule=hnte").await).await;
    assert_eq!(names(&pool), ["甲企业", "乙企业", "丙企业"]);
    let second = json_of(district.get("/api/v1/cultivation?year=2025&rule=hnte&page=2&per_page=2").await).await;
    assert_eq!(names(&second), ["丙企业"]);
    // A region filter narrows the admin's list to the subtree.
    let pool = json_of(app.api("admin").get("/api/v1/cultivation?year=2025&rule=hnte&region=430203").await).await;
    assert_eq!(names(&pool), ["己企业"]);

    // The export holds exactly the filtered list, in rank order (not just one page).
    let res = district.get("/api/v1/cultivation/export?format=csv&year=2025&rule=hnte&per_page=1").await;
    assert_eq!(res.status(), 200);
    let table = read_table(&res.bytes().await.unwrap(), Format::Csv).unwrap();
    let firm_col = table.column_index("企业").unwrap();
    let rank_col = table.column_index("排名").unwrap();
    let rows: Vec<(&str, &str)> =
        table.rows.iter().map(|r| (r.cells[rank_col].as_str(), r.cells[firm_col].as_str())).collect();
    assert_eq!(rows, [("1", "甲企业"), ("2", "乙企业"), ("3", "丙企业")]);
    let xlsx = district.get("/api/v1/cultivation/export?format=xlsx&year=2025&rule=hnte").await;
    let table = read_table(&xlsx.bytes().await.unwrap(), Format::Xlsx).unwrap();
    assert_eq!(table.rows.len(), 3);

    // The page shows the same ranking.
    let b = app.browser();
    assert_eq!(b.login("district", PASSWORD).await.status(), 303);
    let page = b.get_text("/cultivation?year=2025&rule=hnte").await;
    let (a, z, c) = (page.find("甲企业").unwrap(), page.find("乙企业").unwrap(), page.find("丙企业").unwrap());
    assert!(a < z && z < c, "page order");
    assert!(!page.contains("己企业"));
    // Bad filters are named.
    assert_eq!(district.get("/api/v1/cultivation?rule=hunan-reward").await.status(), 400);
    assert_eq!(district.get("/api/v1/cultivation?year=20x5").await.status(), 400);
}

#[tokio::test]
async fn the_pool_lists_certificates_expiring_in_the_next_twelve_months() {
    let app = spawn_app().await;
    let actor = Actor::system("test");
    let soon = firm(&app, "91430202MA4T30001", "到期企业", "430202", &facts(60, 70, 20)).await;
    let later = firm(&app, "91430202MA4T30002", "未到期企业", "430202", &facts(60, 70, 20)).await;
    let away = firm(&app, "91430203MA4T30003", "外区到期企业", "430203", &facts(60, 70, 20)).await;
    for (id, number, from) in [
        (soon, "GR202243000111", date!(2022 - 03 - 01)),
        (later, "GR202343000222", date!(2023 - 10 - 01)),
        (away, "GR202243000333", date!(2022 - 12 - 01)),
    ] {
        let tier = Tier::new(TierKind::Hte, Some(number), None, from, None, "名单").unwrap();
        app.store.add_tier(&actor, &Scope::All, id, &tier).await.unwrap();
    }
    let pool = json_of(app.api("admin").get("/api/v1/cultivation?year=2025").await).await;
    assert_eq!(
        (pool["expiring"]["from"].as_str(), pool["expiring"]["to"].as_str()),
        (Some("2025-01-01"), Some("2025-12-31"))
    );
    let certs: Vec<(&str, &str, &str)> = pool["expiring"]["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["organisation_name"].as_str().unwrap(), c["number"].as_str().unwrap(), c["expires_on"].as_str().unwrap())
        })
        .collect();
    assert_eq!(certs, [("到期企业", "GR202243000111", "2025-02-28"), ("外区到期企业", "GR202243000333", "2025-11-30")]);
    // District staff: their district only.
    let pool = json_of(app.api("district").get("/api/v1/cultivation?year=2025").await).await;
    assert_eq!(pool["expiring"]["certificates"].as_array().unwrap().len(), 1);
    // A year later, the 2023 certificate.
    let pool = json_of(app.api("admin").get("/api/v1/cultivation?year=2026").await).await;
    let numbers: Vec<&str> =
        pool["expiring"]["certificates"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["GR202343000222"]);
    // The export of the list and the page.
    let res = app.api("admin").get("/api/v1/cultivation/export?format=csv&year=2025&list=expiring").await;
    let table = read_table(&res.bytes().await.unwrap(), Format::Csv).unwrap();
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[0].cells[table.column_index("证书编号").unwrap()], "GR202243000111");
    let b = app.browser();
    assert_eq!(b.login("city", PASSWORD).await.status(), 303);
    let page = b.get_text("/cultivation?year=2025").await;
    assert!(page.contains("GR202243000111") && page.contains("GR202243000333") && !page.contains("GR202343000222"));
}
